"""Reads about sessions: who is expected, the register, and engagement."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import F, Q, QuerySet

from peersupport.lib import engagement
from peersupport.lib.schedule import DateSpan
from peersupport.meetings.models import (
    ATTENDED,
    Attendance,
    CheckIn,
    Mark,
    Session,
    Supervision,
    SupervisionAttendance,
)
from peersupport.programmes.models import (
    Enrolment,
    Group,
    GroupMember,
    MentorProfile,
    Mentorship,
    Programme,
    Referral,
)
from peersupport.schools.models import Holiday, School, Term
from peersupport.students.models import Student, name_shown


def calendar_of(school: School) -> tuple[list[DateSpan], list[DateSpan]]:
    terms = [DateSpan(t.starts_on, t.ends_on) for t in Term.objects.filter(school=school)]
    holidays = [DateSpan(h.starts_on, h.ends_on) for h in Holiday.objects.filter(school=school)]
    return terms, holidays


def expected_attendees(session: Session) -> list[Student]:
    """Group members on the day of the session, or the mentor and mentee."""
    if session.group_id is not None:
        # One filter() call, so every condition applies to the same group place.
        return list(
            Student.objects.filter(
                Q(group_places__left_on__isnull=True) | Q(group_places__left_on__gt=session.date),
                group_places__group_id=session.group_id,
                group_places__joined_on__lte=session.date,
            )
            .order_by("legal_surname", "legal_forename", "id")
            .distinct()
        )
    mentorship = session.mentorship
    assert mentorship is not None  # a session has a group or a mentorship
    return [mentorship.mentee, mentorship.mentor.student]


@dataclass
class RegisterRow:
    student: Student
    attendance: Attendance | None


def register_rows(session: Session) -> list[RegisterRow]:
    """The register in two queries, whatever the group's size."""
    students = expected_attendees(session)
    marks = {a.student_id: a for a in Attendance.objects.filter(session=session)}
    return [RegisterRow(student, marks.get(student.pk)) for student in students]


@dataclass
class ParticipantSignal:
    """A participant and their engagement: freshly worked out (an
    ``engagement.Engagement``) or as stored (an ``EngagementSnapshot``); both have
    the same fields."""

    enrolment: Enrolment
    result: Any
    followed_up: bool = False  # set by a refresh: a follow-up is open for this spell

    @property
    def student(self) -> Student:
        return self.enrolment.student


def engagement_signals(
    *,
    school: School,
    today: datetime.date,
    rules: engagement.EngagementRules | None = None,
    programme: Any = None,
    enrolment_ids: list[int] | None = None,
    with_people: bool = True,
    enrolments: list[Enrolment] | None = None,
) -> list[ParticipantSignal]:
    """Engagement of every enrolled participant (of one programme, if given) in four
    queries: enrolments, their marks, their check-ins, their last staff contact."""
    from django.db.models import Max

    from peersupport.meetings.models import StaffContact

    rules = rules or engagement.DEFAULT_RULES
    enrolled = Enrolment.objects.filter(school=school, ended_on__isnull=True)
    if programme is not None:
        enrolled = enrolled.filter(programme=programme)
    if enrolment_ids is not None:
        enrolled = enrolled.filter(id__in=enrolment_ids)
    if enrolments is None:  # else the caller has read them already (stale_enrolments)
        enrolments = list(
            enrolled.select_related(
                *(("student", "programme", "responsible") if with_people else ("student",)),
                "snapshot",
            ).order_by("student__legal_surname", "student__legal_forename")
        )
    student_ids = {e.student_id for e in enrolments}
    # Marks count towards the enrolment of the programme the session belongs to,
    # from the day the student started; sessions a mentor leads are not theirs to
    # attend.
    marks: dict[tuple[int, int], list[engagement.Mark]] = defaultdict(list)
    # Read at once, not through a server-side cursor: on PostgreSQL a cursor costs
    # round trips that outweigh the rows of a page's few students.
    rows = Attendance.objects.filter(
        student_id__in=student_ids,
        session__status=Session.Status.SCHEDULED,
        session__date__lte=today,
    ).values_list(
        "student_id",
        "session__date",
        "mark",
        "session__group__programme_id",
        "session__mentorship__programme_id",
        "session__mentorship__mentor__student_id",
    )
    for student_id, on, mark, group_programme, mentorship_programme, mentor_student in rows:
        if mentor_student == student_id:
            continue
        programme_id = group_programme or mentorship_programme
        marks[(student_id, programme_id)].append(
            engagement.Mark(on=on, attended=mark in ATTENDED, excused=mark == Mark.ABSENT_REASON)
        )
    checkins: dict[int, list[engagement.CheckInPoint]] = defaultdict(list)
    for student_id, created_at, feeling in (
        # Oldest first: several check-ins on one day keep the order they were made.
        CheckIn.objects.filter(student_id__in=student_ids)
        .order_by("created_at", "id")
        .values_list("student_id", "created_at", "feeling")
    ):
        checkins[student_id].append(engagement.CheckInPoint(on=created_at.date(), feeling=feeling))
    last_contact = dict(
        StaffContact.objects.filter(student_id__in=student_ids)
        .values("student_id")
        .annotate(last=Max("contacted_on"))
        .values_list("student_id", "last")
    )
    return [
        ParticipantSignal(
            enrolment=e,
            result=engagement.evaluate(
                [m for m in marks[(e.student_id, e.programme_id)] if m.on >= e.started_on],
                checkins[e.student_id],
                today,
                rules=rules,
                last_contact=last_contact.get(e.student_id),
            ),
        )
        for e in enrolments
    ]


def sessions_on(sessions: QuerySet[Session], day: datetime.date) -> QuerySet[Session]:
    return sessions.filter(date=day, status=Session.Status.SCHEDULED).select_related(
        "group", "mentorship__mentor__student", "mentorship__mentee"
    )


__all__ = ["GroupMember", "RegisterRow", "engagement_signals", "register_rows"]


@dataclass
class MyPage:
    """What a student or peer mentor sees of their own: coming sessions, their
    check-ins, their mentees' first names, and fit checks waiting for an answer."""

    student: Student | None
    sessions: list[Session]
    check_ins: list[CheckIn]
    mentees: list[Student]
    fit_checks_due: list[tuple[Any, str]]
    mentor_hours: float
    requests: list[Any]
    # Mentees matched with this mentor and not yet introduced (proposed pairings).
    new_matches: list[Student] = field(default_factory=list)


def my_page(*, student: Student | None, today: datetime.date) -> MyPage:
    from peersupport.programmes.models import FitCheck, Mentorship

    if student is None:
        return MyPage(None, [], [], [], [], 0.0, [])
    own_mentorships = list(
        Mentorship.objects.filter(
            Q(mentee=student) | Q(mentor__student=student),
            status__in=[Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED],
        ).select_related("mentee", "mentor__student")
    )
    sessions = list(
        Session.objects.filter(date__gte=today, status=Session.Status.SCHEDULED)
        .filter(
            Q(group__members__student=student, group__members__left_on__isnull=True)
            | Q(mentorship__in=own_mentorships)
        )
        .select_related("group", "mentorship__mentee", "mentorship__mentor__student")
        .order_by("date", "start_time")
        .distinct()[:10]
    )
    held = set(
        Attendance.objects.filter(
            session__mentorship__in=own_mentorships, student=student, mark__in=list(ATTENDED)
        ).values_list("session__mentorship_id", flat=True)
    )
    answered = set(
        FitCheck.objects.filter(mentorship__in=own_mentorships).values_list("mentorship_id", "side")
    )
    due = []
    for mentorship in own_mentorships:
        side = "mentor" if mentorship.mentor.student_id == student.pk else "mentee"
        if mentorship.pk in held and (mentorship.pk, side) not in answered:
            due.append((mentorship, side))
    minutes = sum(
        Attendance.objects.filter(
            student=student,
            mark__in=list(ATTENDED),
            session__mentorship__mentor__student=student,
        ).values_list("session__duration_minutes", flat=True)
    )
    return MyPage(
        student=student,
        sessions=sessions,
        check_ins=list(CheckIn.objects.filter(student=student).order_by("-created_at")[:5]),
        mentees=[m.mentee for m in own_mentorships if m.mentor.student_id == student.pk],
        fit_checks_due=due,
        mentor_hours=round(minutes / 60, 1),
        requests=list(
            Referral.objects.filter(student=student, source=Referral.Source.SELF)
            .select_related("programme")
            .order_by("-created_at")[:5]
        ),
        new_matches=[
            m.mentee
            for m in Mentorship.objects.filter(
                mentor__student=student, status=Mentorship.Status.PROPOSED
            )
            .select_related("mentee")
            .order_by("proposed_at")
        ],
    )


def group_sessions(group: Any, limit: int = 40) -> list[Session]:
    """The group's sessions from a fortnight ago onwards."""
    since = datetime.date.today() - datetime.timedelta(days=14)
    return list(
        Session.objects.filter(group=group, date__gte=since).order_by("date", "start_time")[:limit]
    )


def stale_enrolments(
    *, school: School, today: datetime.date, programme: Any = None
) -> list[Enrolment]:
    """Open enrolments whose stored engagement is missing, from before today, or
    marked stale by a change to the student's register, check-ins or contacts;
    read with their snapshots, which is all a refresh needs of them."""
    enrolled = Enrolment.objects.filter(school=school, ended_on__isnull=True)
    if programme is not None:
        enrolled = enrolled.filter(programme=programme)
    return list(
        enrolled.filter(
            Q(snapshot__isnull=True)
            | Q(snapshot__computed_on__lt=today)
            | Q(snapshot__changed_at__gt=F("snapshot__computed_at"))
        ).select_related("snapshot")
    )


@dataclass(frozen=True)
class StoredEngagement:
    """Engagement as stored, with the fields of ``engagement.Engagement`` a page shows."""

    status: str
    reasons: list[str]
    attendance_recent: float | None
    attendance_overall: float | None
    consecutive_missed: int
    trend: str
    last_attended: datetime.date | None
    last_contact: datetime.date | None


@dataclass(frozen=True)
class EngagementRow:
    """One participant's stored engagement as a list shows it: names, not models."""

    student_public_id: Any
    student_name: str
    programme_name: str
    responsible_name: str
    result: StoredEngagement


_RESULT_FIELDS = [f.name for f in fields(StoredEngagement)]
_ROW_COLUMNS = {
    "student_public_id": "enrolment__student__public_id",
    "legal_forename": "enrolment__student__legal_forename",
    "legal_surname": "enrolment__student__legal_surname",
    "preferred_forename": "enrolment__student__preferred_forename",
    "preferred_surname": "enrolment__student__preferred_surname",
    "programme_name": "enrolment__programme__name",
    "responsible_name": "enrolment__responsible__full_name",
}


def engagement_snapshot_rows(
    *, school: School, programme: Any = None, flagged_only: bool = False
) -> QuerySet[Any]:
    """Stored engagement of open enrolments, at risk first, as one query that can
    be paged. Only the columns the pages show are read, as plain values: building
    models for each row cost more than the query (bench/register.py)."""
    from peersupport.meetings.models import EngagementSnapshot

    snapshots = EngagementSnapshot.objects.filter(school=school, enrolment__ended_on__isnull=True)
    if programme is not None:
        snapshots = snapshots.filter(enrolment__programme=programme)
    if flagged_only:
        snapshots = snapshots.exclude(status=engagement.ON_TRACK)
    order = ["status"] if flagged_only else []
    return snapshots.order_by(
        *order, "enrolment__student__legal_surname", "enrolment__student__legal_forename", "id"
    ).values(*_RESULT_FIELDS, **{name: F(path) for name, path in _ROW_COLUMNS.items()})


def as_rows(values: Any) -> list[EngagementRow]:
    """The rows of ``engagement_snapshot_rows`` (or a page of them) for a template."""
    return [
        EngagementRow(
            student_public_id=row["student_public_id"],
            student_name=name_shown(
                row["legal_forename"],
                row["legal_surname"],
                row["preferred_forename"],
                row["preferred_surname"],
            ),
            programme_name=row["programme_name"],
            responsible_name=row["responsible_name"] or "",
            result=StoredEngagement(**{name: row[name] for name in _RESULT_FIELDS}),
        )
        for row in values
    ]


@dataclass
class GroupAttendance:
    recent: float | None
    overall: float | None


def group_attendance(group: Any, today: datetime.date, weeks: int = 6) -> GroupAttendance:
    """The share of expected attendances that happened, over the last ``weeks``
    weeks and over the whole programme, in one query."""
    from django.db.models import Count

    since = today - datetime.timedelta(weeks=weeks)
    attended = Q(mark__in=list(ATTENDED))
    totals = Attendance.objects.filter(
        session__group=group, session__status=Session.Status.SCHEDULED, session__date__lte=today
    ).aggregate(
        marked=Count("id"),
        came=Count("id", filter=attended),
        recent_marked=Count("id", filter=Q(session__date__gt=since)),
        recent_came=Count("id", filter=attended & Q(session__date__gt=since)),
    )

    def share(came: int, marked: int) -> float | None:
        return came / marked if marked else None

    return GroupAttendance(
        recent=share(totals["recent_came"], totals["recent_marked"]),
        overall=share(totals["came"], totals["marked"]),
    )


# ---------------------------------------------------------------- supervision

OPEN_MENTORSHIP = [Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED]


def mentors_serving(programme: Programme) -> QuerySet[MentorProfile]:
    """Active peer mentors serving this programme: with an open (active or paused)
    mentorship in it, or co-facilitating one of its groups."""
    return (
        MentorProfile.objects.filter(
            school_id=programme.school_id, status=MentorProfile.Status.ACTIVE
        )
        .filter(
            Q(
                id__in=Mentorship.objects.filter(
                    programme=programme, status__in=OPEN_MENTORSHIP
                ).values("mentor_id")
            )
            | Q(
                id__in=Group.co_facilitators.through.objects.filter(
                    group__programme=programme
                ).values("mentorprofile_id")
            )
        )
        .order_by("student__legal_surname", "student__legal_forename", "id")
    )


def supervision_due_on(
    *, serving_since: datetime.date, last_supervised: datetime.date | None, every_weeks: int
) -> datetime.date:
    """The day the next supervision is due: ``every_weeks`` weeks after the last one
    the mentor came to, or after they started serving if they never came to one.
    Due on that day, overdue from the day after."""
    start = last_supervised if last_supervised is not None else serving_since
    return start + datetime.timedelta(weeks=every_weeks)


@dataclass(frozen=True)
class SupervisionDue:
    """One active mentor's supervision: the last one they came to, the cadence that
    applies to them, when the next is due and whether it is overdue."""

    mentor: MentorProfile
    programme_ids: frozenset[int]  # the programmes they serve
    group_ids: frozenset[int]  # the groups they co-facilitate
    every_weeks: int
    serving_since: datetime.date
    last_supervised: datetime.date | None
    due_on: datetime.date
    overdue: bool
    days_overdue: int


def supervision_due(
    *, school: School, today: datetime.date, programme: Programme | None = None
) -> list[SupervisionDue]:
    """Every active mentor serving a programme of the school (or only this
    programme), with their supervision due date, in four queries whatever the
    number of mentors: their mentorships, their group places, the mentors, and the
    last supervision each came to. Overdue first, then by name.

    A mentor serves a programme while they have an open (active or paused)
    mentorship in it or co-facilitate one of its groups; closed programmes do not
    count. The cadence is the shortest ``supervision_every_weeks`` of the
    programmes they serve, so a mentor in two programmes is supervised as often as
    the stricter asks. Supervision in any programme counts: it is the mentor who is
    supervised. The next supervision is due that many weeks after the last one they
    came to (up to ``today``), and is overdue from the day after.

    A mentor never supervised is due that many weeks after they started serving:
    the earliest start of their open mentorships. A place as a group's
    co-facilitator carries no date, so for a co-facilitator the clock starts on the
    day the school approved them as a mentor (``approved_at``), or the day they
    applied when that is missing. A mentor approved long ago and never supervised
    is therefore overdue at once, which is what staff need to know."""
    from django.db.models import Max
    from django.utils import timezone

    programmes: dict[int, set[int]] = defaultdict(set)
    groups: dict[int, set[int]] = defaultdict(set)
    weeks: dict[int, int] = {}
    started: dict[int, datetime.date] = {}

    def serve(mentor_id: int, programme_id: int, every: int) -> None:
        programmes[mentor_id].add(programme_id)
        weeks[mentor_id] = min(every, weeks.get(mentor_id, every))

    mentorships = (
        Mentorship.objects.filter(
            school=school, status__in=OPEN_MENTORSHIP, mentor__status=MentorProfile.Status.ACTIVE
        )
        .exclude(programme__status=Programme.Status.CLOSED)
        .values_list(
            "mentor_id", "programme_id", "started_on", "programme__supervision_every_weeks"
        )
    )
    for mentor_id, programme_id, started_on, every in mentorships:
        serve(mentor_id, programme_id, every)
        if started_on is not None:
            started[mentor_id] = min(started_on, started.get(mentor_id, started_on))
    places = (
        Group.co_facilitators.through.objects.filter(
            group__school=school, mentorprofile__status=MentorProfile.Status.ACTIVE
        )
        .exclude(group__programme__status=Programme.Status.CLOSED)
        .values_list(
            "mentorprofile_id",
            "group_id",
            "group__programme_id",
            "group__programme__supervision_every_weeks",
        )
    )
    for mentor_id, group_id, programme_id, every in places:
        serve(mentor_id, programme_id, every)
        groups[mentor_id].add(group_id)
    wanted = [
        mentor_id
        for mentor_id, served in programmes.items()
        if programme is None or programme.pk in served
    ]
    mentors = list(
        MentorProfile.objects.filter(id__in=wanted)
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename", "id")
    )
    last = dict(
        SupervisionAttendance.objects.filter(mentor_id__in=wanted, supervision__held_on__lte=today)
        .values("mentor_id")
        .annotate(last=Max("supervision__held_on"))
        .values_list("mentor_id", "last")
    )
    rows = []
    for mentor in mentors:
        since = started.get(mentor.pk)
        if since is None or mentor.pk in groups:
            approved = timezone.localdate(mentor.approved_at or mentor.created_at)
            since = approved if since is None else min(since, approved)
        due_on = supervision_due_on(
            serving_since=since, last_supervised=last.get(mentor.pk), every_weeks=weeks[mentor.pk]
        )
        rows.append(
            SupervisionDue(
                mentor=mentor,
                programme_ids=frozenset(programmes[mentor.pk]),
                group_ids=frozenset(groups[mentor.pk]),
                every_weeks=weeks[mentor.pk],
                serving_since=since,
                last_supervised=last.get(mentor.pk),
                due_on=due_on,
                overdue=today > due_on,
                days_overdue=max((today - due_on).days, 0),
            )
        )
    rows.sort(key=lambda row: not row.overdue)  # stable: names stay in order within each
    return rows


def recent_supervisions(programme: Programme, limit: int = 10) -> list[Supervision]:
    """The programme's latest supervisions with who led them and how many came."""
    from django.db.models import Count

    return list(
        Supervision.objects.filter(programme=programme)
        .select_related("facilitator")
        .annotate(came=Count("attendance"))
        .order_by("-held_on", "-created_at")[:limit]
    )


def supervision_attendance(supervision: Supervision) -> list[SupervisionAttendance]:
    """Who came to a supervision, by name."""
    return list(
        SupervisionAttendance.objects.filter(supervision=supervision)
        .select_related("mentor__student")
        .order_by("mentor__student__legal_surname", "mentor__student__legal_forename", "id")
    )
