"""Reads about programmes that span relations."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from peersupport.accounts.models import Membership, Role, User
from peersupport.lib.training_standing import (
    COMPLETE,
    EXPIRED,
    EXPIRING,
    STATUSES,
    Standing,
    standing,
)
from peersupport.programmes.models import (
    AgreementSignature,
    Enrolment,
    Group,
    GroupAgreement,
    GroupMember,
    KeepApart,
    Programme,
    Referral,
)
from peersupport.students.models import ConsentKind, ConsentRecord, Student
from peersupport.training.models import Completion, TrainingModule
from peersupport.training.selectors import Gap, training_gaps


def consent_in_force(student: Student) -> bool:
    """The latest parental consent to take part is given and not withdrawn."""
    latest = (
        ConsentRecord.objects.filter(student=student, kind=ConsentKind.TAKE_PART)
        .order_by("-given_on", "-recorded_at")
        .first()
    )
    return latest is not None and latest.is_in_force


def open_enrolment_count(programme: Programme) -> int:
    return Enrolment.objects.filter(programme=programme, ended_on__isnull=True).count()


def apart_from(student: Student, others: Iterable[Student]) -> bool:
    """Whether a keep-apart rule stands between ``student`` and any of ``others``."""
    ids = [other.pk for other in others if other.pk != student.pk]
    if not ids:
        return False
    return (
        KeepApart.objects.filter(ended_at__isnull=True)
        .filter(Q(student_a=student, student_b__in=ids) | Q(student_b=student, student_a__in=ids))
        .exists()
    )


def staff_responsible_for(programme: Programme, student: Student) -> list[User]:
    """Who follows this student up: the enrolment's responsible member of staff,
    else the programme's leads, else the school's coordinators."""
    enrolment = (
        Enrolment.objects.filter(programme=programme, student=student)
        .select_related("responsible")
        .order_by("-started_on")
        .first()
    )
    if enrolment is not None and enrolment.responsible is not None:
        return [enrolment.responsible]
    return programme_staff(programme)


def school_managers(school: Any) -> list[User]:
    """Who runs the school's peer support: its active coordinators, or its DSLs
    when it has no coordinator, so that someone is always told."""
    memberships = list(
        Membership.objects.filter(
            school=school,
            role__in=(Role.COORDINATOR, Role.DSL),
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    coordinators = [m.user for m in memberships if m.role == Role.COORDINATOR]
    return coordinators or [m.user for m in memberships if m.role == Role.DSL]


def programme_staff(programme: Programme) -> list[User]:
    """The programme's leads, else the school's coordinators."""
    leads = list(programme.leads.all())
    if leads:
        return leads
    return [
        membership.user
        for membership in Membership.objects.filter(
            school=programme.school, role=Role.COORDINATOR, is_active=True
        ).select_related("user")
    ]


@dataclass
class Waiting:
    referral: Referral
    position: int
    waiting_days: int


def waiting_list(programme: Programme) -> list[Waiting]:
    """Waitlisted referrals in the order they joined the list, with each wait."""
    today = timezone.localdate()
    referrals = (
        Referral.objects.filter(programme=programme, status=Referral.Status.WAITLISTED)
        .select_related("student")
        .order_by("waitlisted_at", "created_at")
    )
    return [
        Waiting(
            referral=referral,
            position=position,
            waiting_days=(today - timezone.localdate(referral.waitlisted_at)).days
            if referral.waitlisted_at
            else 0,
        )
        for position, referral in enumerate(referrals, start=1)
    ]


@dataclass
class ProgrammeOverview:
    enrolments: list[Enrolment]
    referrals: list[Referral]
    groups: list[Any]
    mentorships: list[Any]


def programme_overview(programme: Programme) -> ProgrammeOverview:
    """Everything the programme page shows, in a fixed number of queries."""
    from peersupport.programmes.models import Group, Mentorship

    return ProgrammeOverview(
        enrolments=list(
            Enrolment.objects.filter(programme=programme, ended_on__isnull=True)
            .select_related("student", "responsible")
            .order_by("student__legal_surname", "student__legal_forename")
        ),
        referrals=list(
            Referral.objects.filter(programme=programme, status=Referral.Status.NEW)
            .select_related("student")
            .order_by("created_at")
        ),
        groups=list(
            Group.objects.filter(programme=programme)
            .annotate(
                member_count=Count(
                    "members", filter=Q(members__left_on__isnull=True), distinct=True
                )
            )
            .select_related("slot")
            .order_by("name")
        ),
        mentorships=list(
            Mentorship.objects.filter(programme=programme)
            .exclude(status="closed")
            .select_related("mentor__student", "mentee")
            .order_by("mentee__legal_surname")
        ),
    )


def group_members(group: Any) -> list[Any]:
    from peersupport.programmes.models import GroupMember

    return list(
        GroupMember.objects.filter(group=group, left_on__isnull=True)
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename")
    )


def staff_of(school: Any) -> QuerySet[User]:
    return User.objects.filter(
        memberships__school=school,
        memberships__is_active=True,
        memberships__role__in=[Role.COORDINATOR, Role.DSL, Role.FACILITATOR],
    ).order_by("full_name")


def pairing_choices(programme: Programme) -> tuple[QuerySet[Any], QuerySet[Student]]:
    """Active mentors with room for another mentee, and enrolled students of the
    programme with no open mentorship."""
    from peersupport.programmes.models import MentorProfile, Mentorship

    open_statuses = [Mentorship.Status.PROPOSED, Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED]
    mentors = (
        MentorProfile.objects.filter(school=programme.school, status=MentorProfile.Status.ACTIVE)
        .annotate(open=Count("mentorships", filter=Q(mentorships__status__in=open_statuses)))
        .filter(open__lt=F("capacity"))
        .select_related("student")
        .order_by("student__legal_surname")
    )
    mentees = (
        Student.objects.filter(enrolments__programme=programme, enrolments__ended_on__isnull=True)
        .exclude(mentorships__status__in=open_statuses)
        .order_by("legal_surname")
    )
    return mentors, mentees


def gate_gaps(
    mentor: Any, programmes: Iterable[Programme], on: datetime.date | None = None
) -> list[Gap]:
    """The training ``mentor`` lacks for these programmes on day ``on``."""
    from peersupport.training.models import TrainingModule

    modules = TrainingModule.objects.filter(
        id__in=Programme.required_modules.through.objects.filter(
            programme__in=list(programmes)
        ).values("trainingmodule_id")
    )
    return training_gaps(student=mentor.student, modules=modules, on=on or timezone.localdate())


# ---------------------------------------------------------------- group agreements

AGREEMENT_TEMPLATE = Path(__file__).resolve().parent / "agreement_template.md"


@cache
def starter_agreement_text() -> str:
    """The starter ground rules every new group begins with (Markdown, our words)."""
    return AGREEMENT_TEMPLATE.read_text(encoding="utf-8")


def current_agreement(group: Group) -> GroupAgreement | None:
    """The latest version of a group's ground rules, or None before the first."""
    return (
        GroupAgreement.objects.filter(group=group)
        .select_related("written_by")
        .order_by("-number")
        .first()
    )


def agreement_versions(group: Group) -> list[GroupAgreement]:
    """Every version of a group's ground rules, newest first, with who wrote it and
    how many students agreed to it."""
    return list(
        GroupAgreement.objects.filter(group=group)
        .select_related("written_by")
        .annotate(agreed_count=Count("signatures"))
        .order_by("-number")
    )


@dataclass
class MemberAgreement:
    """A current member and the latest version of the ground rules they agreed to."""

    member: GroupMember
    agreed_number: int | None
    agreed_at: datetime.datetime | None
    current_number: int | None

    @property
    def student(self) -> Student:
        return self.member.student

    @property
    def agreed_current(self) -> bool:
        return self.agreed_number is not None and self.agreed_number == self.current_number

    @property
    def agreed_older(self) -> bool:
        return self.agreed_number is not None and not self.agreed_current


@dataclass
class GroupRules:
    current: GroupAgreement | None
    members: list[MemberAgreement]

    @property
    def waiting(self) -> int:
        """How many current members have not agreed to the current version."""
        return sum(1 for row in self.members if not row.agreed_current)


def _latest_agreed(
    group_ids: Iterable[int], student_ids: Iterable[int]
) -> dict[tuple[int, int], tuple[int, datetime.datetime]]:
    """(group id, student id) to the highest version agreed and when: one query."""
    latest: dict[tuple[int, int], tuple[int, datetime.datetime]] = {}
    rows = (
        AgreementSignature.objects.filter(
            agreement__group_id__in=list(group_ids), student_id__in=list(student_ids)
        )
        .order_by("agreement__number")
        .values_list("agreement__group_id", "student_id", "agreement__number", "agreed_at")
    )
    for group_id, student_id, number, agreed_at in rows:
        latest[(group_id, student_id)] = (number, agreed_at)
    return latest


def group_rules(group: Group, members: list[GroupMember] | None = None) -> GroupRules:
    """The current ground rules and each current member's agreement, in three queries
    (two when the caller has read the members already), whatever the group's size."""
    current = current_agreement(group)
    if members is None:
        members = group_members(group)
    latest = _latest_agreed([group.pk], [m.student_id for m in members])
    rows = []
    for member in members:
        number, agreed_at = latest.get((group.pk, member.student_id), (None, None))
        rows.append(
            MemberAgreement(
                member=member,
                agreed_number=number,
                agreed_at=agreed_at,
                current_number=current.number if current else None,
            )
        )
    return GroupRules(current=current, members=rows)


@dataclass
class StudentRules:
    """A group a student is in now, its current ground rules and what they agreed."""

    group: Group
    current: GroupAgreement
    agreed_number: int | None

    @property
    def agreed_current(self) -> bool:
        return self.agreed_number == self.current.number

    @property
    def agreed_older(self) -> bool:
        return self.agreed_number is not None and not self.agreed_current


def rules_for_student(student: Student) -> list[StudentRules]:
    """The ground rules of every group the student is in now, in three queries."""
    places = list(
        GroupMember.objects.filter(student=student, left_on__isnull=True)
        .select_related("group")
        .order_by("group__name")
    )
    if not places:
        return []
    group_ids = [place.group_id for place in places]
    newest = (
        GroupAgreement.objects.filter(group=OuterRef("group"))
        .order_by("-number")
        .values("number")[:1]
    )
    current = {
        agreement.group_id: agreement
        for agreement in GroupAgreement.objects.filter(
            group_id__in=group_ids, number=Subquery(newest)
        )
    }
    latest = _latest_agreed(group_ids, [student.pk])
    return [
        StudentRules(
            group=place.group,
            current=current[place.group_id],
            agreed_number=latest.get((place.group_id, student.pk), (None, None))[0],
        )
        for place in places
        if place.group_id in current
    ]


# ---------------------------------------------------------------- training compliance

# Mentors whose training matters: in training, active, or paused (who may come back).
MENTORS_IN_TRAINING_VIEW = ("in_training", "active", "paused")
# A mentor serves a programme while a pairing in it is proposed, active or paused, or
# while they co-facilitate one of its groups.
PLACED_PAIRINGS = ("proposed", "active", "paused")


def mentors_placed_in(programme: Programme) -> QuerySet[Any]:
    """Ids of the mentors serving ``programme``, as a subquery."""
    from peersupport.programmes.models import MentorProfile, Mentorship

    return MentorProfile.objects.filter(
        Q(
            id__in=Mentorship.objects.filter(
                programme=programme, status__in=PLACED_PAIRINGS
            ).values("mentor_id")
        )
        | Q(
            id__in=Group.co_facilitators.through.objects.filter(group__programme=programme).values(
                "mentorprofile_id"
            )
        )
    ).values("id")


@dataclass(frozen=True)
class ComplianceColumn:
    module: TrainingModule
    required: bool  # required by the programme chosen in the filter


@dataclass
class ComplianceRow:
    """One mentor or facilitator and where they stand with each module (one cell per
    column, in the columns' order)."""

    public_id: uuid.UUID
    name: str
    status: str  # the mentor's status, or "Facilitator"
    cells: list[Standing]
    is_mentor: bool

    def has(self, status: str) -> bool:
        return any(cell.status == status for cell in self.cells)


@dataclass
class ComplianceTable:
    columns: list[ComplianceColumn]
    rows: list[ComplianceRow]


@dataclass
class TrainingCompliance:
    today: datetime.date
    programme: Programme | None
    status: str | None
    mentors: ComplianceTable
    facilitators: ComplianceTable


def _held(
    rows: Iterable[tuple[int, int, datetime.date, datetime.date | None]],
) -> dict[tuple[int, int], list[tuple[datetime.date, datetime.date | None]]]:
    held: dict[tuple[int, int], list[tuple[datetime.date, datetime.date | None]]] = defaultdict(
        list
    )
    for person_id, module_id, completed_on, expires_on in rows:
        held[(person_id, module_id)].append((completed_on, expires_on))
    return held


def training_compliance(
    school: Any,
    today: datetime.date,
    programme: Programme | None = None,
    status: str | None = None,
    *,
    mentors: QuerySet[Any] | None = None,
) -> TrainingCompliance:
    """Mentors (in training, active or paused) against the mentors' modules, and
    facilitators against the facilitators' modules: where each stands with each
    module today. With ``programme``, only those serving it (mentors placed in it,
    facilitators running one of its groups), and its required modules are marked.
    With ``status``, only the rows with at least one cell in that status.
    ``mentors`` narrows the mentors to those the reader may see. Six queries,
    whatever the numbers of people and modules."""
    from peersupport.programmes.models import MentorProfile

    if status is not None and status not in STATUSES:
        raise ValueError(f"Unknown training status {status!r}.")
    modules = list(TrainingModule.objects.filter(school=school).order_by("title", "pk"))
    required: set[int] = set()
    if programme is not None:
        required = set(programme.required_modules.values_list("pk", flat=True))

    mentor_set = (mentors if mentors is not None else MentorProfile.objects.all()).filter(
        school=school, status__in=MENTORS_IN_TRAINING_VIEW
    )
    facilitator_set = User.objects.filter(
        is_active=True,
        id__in=Membership.objects.filter(
            school=school, role=Role.FACILITATOR, is_active=True
        ).values("user_id"),
    )
    if programme is not None:
        mentor_set = mentor_set.filter(id__in=mentors_placed_in(programme))
        facilitator_set = facilitator_set.filter(
            id__in=Group.facilitators.through.objects.filter(group__programme=programme).values(
                "user_id"
            )
        )
    mentor_rows = list(
        mentor_set.select_related("student").order_by(
            "student__legal_surname", "student__legal_forename", "pk"
        )
    )
    staff_rows = list(facilitator_set.order_by("full_name", "email"))
    by_student = _held(
        Completion.objects.filter(
            school=school,
            student_id__in=mentor_set.values("student_id"),
            module__audience=TrainingModule.Audience.MENTOR,
        ).values_list("student_id", "module_id", "completed_on", "expires_on")
    )
    by_user = _held(
        Completion.objects.filter(
            school=school,
            user_id__in=facilitator_set.values("id"),
            module__audience=TrainingModule.Audience.FACILITATOR,
        ).values_list("user_id", "module_id", "completed_on", "expires_on")
    )

    def table(audience: str) -> list[ComplianceColumn]:
        return [
            ComplianceColumn(module=module, required=module.pk in required)
            for module in modules
            if module.audience == audience
        ]

    mentor_columns = table(TrainingModule.Audience.MENTOR)
    staff_columns = table(TrainingModule.Audience.FACILITATOR)
    rows = [
        ComplianceRow(
            public_id=mentor.public_id,
            name=mentor.student.display_name,
            status=mentor.get_status_display(),
            cells=[
                standing(by_student.get((mentor.student_id, c.module.pk), ()), today)
                for c in mentor_columns
            ],
            is_mentor=True,
        )
        for mentor in mentor_rows
    ]
    staff = [
        ComplianceRow(
            public_id=person.public_id,
            name=str(person),
            status="Facilitator",
            cells=[
                standing(by_user.get((person.pk, c.module.pk), ()), today) for c in staff_columns
            ],
            is_mentor=False,
        )
        for person in staff_rows
    ]
    if status is not None:
        rows = [row for row in rows if row.has(status)]
        staff = [row for row in staff if row.has(status)]
    return TrainingCompliance(
        today=today,
        programme=programme,
        status=status,
        mentors=ComplianceTable(columns=mentor_columns, rows=rows),
        facilitators=ComplianceTable(columns=staff_columns, rows=staff),
    )


@dataclass
class TrainingWarning:
    """An active mentor serving a programme, and its required modules they hold
    that run out soon or have run out (never-completed modules are not warnings:
    the gate refused them, and the compliance view shows them as missing)."""

    mentor: Any
    programme: Programme
    expiring: list[tuple[TrainingModule, Standing]]
    expired: list[tuple[TrainingModule, Standing]]


def training_warnings(
    school: Any, today: datetime.date, *, statuses: Sequence[str] = ("active",)
) -> list[TrainingWarning]:
    """For the daily job: every active mentor (or with ``statuses``, every mentor
    in one of them) serving a programme (not closed) that has required modules,
    with what of it is running out or has run out. A fixed number of queries."""
    from peersupport.programmes.models import MentorProfile, Mentorship

    programmes = {
        programme.pk: programme
        for programme in Programme.objects.filter(school=school, required_modules__isnull=False)
        .exclude(status=Programme.Status.CLOSED)
        .distinct()
        .prefetch_related("required_modules", "leads")
    }
    if not programmes:
        return []
    serving: dict[int, set[int]] = defaultdict(set)  # mentor id to programme ids
    for mentor_id, programme_id in Mentorship.objects.filter(
        programme_id__in=list(programmes), status__in=PLACED_PAIRINGS
    ).values_list("mentor_id", "programme_id"):
        serving[mentor_id].add(programme_id)
    for mentor_id, programme_id in Group.co_facilitators.through.objects.filter(
        group__programme_id__in=list(programmes)
    ).values_list("mentorprofile_id", "group__programme_id"):
        serving[mentor_id].add(programme_id)
    mentors = list(
        MentorProfile.objects.filter(school=school, status__in=statuses, id__in=list(serving))
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename", "pk")
    )
    held = _held(
        Completion.objects.filter(
            school=school, student_id__in=[mentor.student_id for mentor in mentors]
        ).values_list("student_id", "module_id", "completed_on", "expires_on")
    )
    warnings = []
    for mentor in mentors:
        for programme_id in sorted(serving[mentor.pk], key=lambda pk: programmes[pk].name):
            programme = programmes[programme_id]
            expiring, expired = [], []
            for module in sorted(programme.required_modules.all(), key=lambda m: m.title):
                where = standing(held.get((mentor.student_id, module.pk), ()), today)
                if where.status == EXPIRING:
                    expiring.append((module, where))
                elif where.status == EXPIRED:
                    expired.append((module, where))
            if expiring or expired:
                warnings.append(TrainingWarning(mentor, programme, expiring, expired))
    return warnings


@dataclass(frozen=True)
class RequiredTraining:
    """Mentors serving a programme, and how many of them hold every module it
    requires in date today (complete, or complete and running out soon)."""

    required_modules: int
    serving: int
    in_date: int


def required_training_held(
    school: Any, programme_ids: Sequence[int], today: datetime.date
) -> tuple[dict[int, RequiredTraining], RequiredTraining]:
    """Training compliance for the programme health dashboard: for each programme,
    the mentors serving it (placed in a pairing or co-facilitating one of its
    groups, as ``mentors_placed_in`` has them, and listed on the compliance page)
    and those holding all its required
    modules in date; and for the programmes together, each mentor once, in date
    only when in date for every programme they serve (``required_modules`` there is
    the number of modules required by any of them). Three queries at most, whatever
    the numbers."""
    from peersupport.programmes.models import Mentorship

    # Only mentors the training compliance page lists (in training, active or
    # paused): one who stepped down may still be named on a group.
    pairings = Mentorship.objects.filter(
        school=school,
        programme_id__in=programme_ids,
        status__in=PLACED_PAIRINGS,
        mentor__status__in=MENTORS_IN_TRAINING_VIEW,
    )
    co_facilitating = Group.co_facilitators.through.objects.filter(
        group__programme_id__in=programme_ids,
        mentorprofile__status__in=MENTORS_IN_TRAINING_VIEW,
    )
    requirements = Programme.required_modules.through.objects.filter(programme_id__in=programme_ids)
    serving: dict[int, set[int]] = defaultdict(set)  # programme id to students
    for programme_id, student_id in (
        pairings.order_by()
        .values_list("programme_id", "mentor__student_id")
        .union(
            co_facilitating.order_by().values_list(
                "group__programme_id", "mentorprofile__student_id"
            )
        )
    ):
        serving[programme_id].add(student_id)
    required: dict[int, set[int]] = defaultdict(set)  # programme id to modules
    for programme_id, module_id in requirements.values_list("programme_id", "trainingmodule_id"):
        required[programme_id].add(module_id)
    students = set().union(*serving.values())
    modules = set().union(*required.values())
    # Completions only of the modules required and the mentors serving, by the ids
    # just read (a subquery for each would cost more to build than the rows do);
    # none to read when nobody serves or nothing is required.
    held = (
        _held(
            Completion.objects.filter(
                school=school, student_id__in=students, module_id__in=modules
            ).values_list("student_id", "module_id", "completed_on", "expires_on")
        )
        if students and modules
        else {}
    )

    def in_date(student_id: int, module_ids: Iterable[int]) -> bool:
        return all(
            standing(held.get((student_id, module_id), ()), today).status in (COMPLETE, EXPIRING)
            for module_id in module_ids
        )

    figures = {}
    not_in_date: set[int] = set()
    for programme_id in programme_ids:
        ready = {
            student_id
            for student_id in serving.get(programme_id, ())
            if in_date(student_id, required.get(programme_id, ()))
        }
        not_in_date |= serving.get(programme_id, set()) - ready
        figures[programme_id] = RequiredTraining(
            required_modules=len(required.get(programme_id, ())),
            serving=len(serving.get(programme_id, ())),
            in_date=len(ready),
        )
    together = RequiredTraining(
        required_modules=len(modules), serving=len(students), in_date=len(students - not_in_date)
    )
    return figures, together
