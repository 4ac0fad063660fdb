"""Reads about concerns that span relations."""

from __future__ import annotations

import datetime
import statistics
import uuid
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from peersupport.accounts.models import STAFF_ROLES, Role, User
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import (
    Concern,
    ConcernKind,
    ConcernSettings,
    ConflictCase,
    ConflictStep,
    SafeguardingEntry,
    SafeguardingTransfer,
    UrgentFlag,
)
from peersupport.lib.school_hours import add_school_minutes
from peersupport.meetings.models import CheckIn
from peersupport.programmes.selectors import school_managers
from peersupport.schools.models import School
from peersupport.students.free_text import free_text_read
from peersupport.students.models import Student

# ---------------------------------------------------------------- raising a concern


def fully_anonymous_allowed(school: School) -> bool:
    """Whether the school lets a student raise a worry without staff knowing who
    (off until the school turns it on: then nobody can follow it up with them)."""
    return ConcernSettings.objects.filter(school=school, fully_anonymous_reporting=True).exists()


def names_in_a_list(names: list[str]) -> str:
    """Names joined as people say them: "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def who_it_goes_to(concern: Concern) -> str:
    """Whom a concern has gone to, as its raiser is told: the DSL for safeguarding,
    otherwise the staff who run peer support, by name."""
    if concern.kind == ConcernKind.SAFEGUARDING:
        return "the Designated Safeguarding Lead"
    names = [person.full_name or "a member of staff" for person in school_managers(concern.school)]
    return names_in_a_list(names) or "the staff who run peer support"


# ---------------------------------------------------------------- safeguarding


@dataclass(frozen=True)
class Receipt:
    """That a safeguarding concern reached a DSL: who acknowledged it, and when."""

    name: str
    at: datetime.datetime


def receipt_for(concern: Concern) -> Receipt | None:
    """Who received a safeguarding concern, and when, for the person who raised it
    ("received by ... at ..."): the only thing about it they see again. None until
    a DSL acknowledges it."""
    if concern.acknowledged_at is None or concern.acknowledged_by is None:
        return None
    name = concern.acknowledged_by.full_name or "a Designated Safeguarding Lead"
    return Receipt(name=name, at=concern.acknowledged_at)


def safeguarding_lead_accounts(school: School) -> QuerySet[User]:
    """The school's active DSLs, as a query (for a form's choices)."""
    return User.objects.filter(
        is_active=True,
        memberships__school=school,
        memberships__role=Role.DSL,
        memberships__is_active=True,
    ).order_by("full_name", "pk")


def safeguarding_leads(school: School) -> list[User]:
    """The school's active DSLs: those a safeguarding concern goes to. Nobody else,
    not even a coordinator, when there are none."""
    return list(safeguarding_lead_accounts(school))


def safeguarding_staff_choices(school: School) -> QuerySet[User]:
    """The staff a chronology entry may name as involved: the school's active
    staff members."""
    return User.objects.filter(
        is_active=True,
        memberships__school=school,
        memberships__role__in=STAFF_ROLES,
        memberships__is_active=True,
    ).order_by("full_name", "pk")


def safeguarding_student_choices(concern: Concern) -> QuerySet[Student]:
    """The students a chronology entry may link: those on the school's roll, and
    any the concern already names (who may have left)."""
    return Student.objects.filter(
        Q(on_roll=True) | Q(pk__in=concern.students.values("pk")), school=concern.school
    ).order_by("legal_surname", "legal_forename", "pk")


def concern_settings_of(school: School) -> ConcernSettings:
    """The school's rules for concerns, or the defaults (not saved) until it sets
    its own."""
    rules = ConcernSettings.objects.filter(school=school).select_related("escalate_to").first()
    return rules if rules is not None else ConcernSettings(school=school)


def safeguarding_due_at(concern: Concern, rules: ConcernSettings) -> datetime.datetime:
    """When a safeguarding concern must have been acknowledged by: so many minutes of
    school time after it was raised (peersupport.lib.school_hours)."""
    return add_school_minutes(
        timezone.localtime(concern.created_at),
        rules.acknowledge_within_minutes,
        rules.school_day_starts,
        rules.school_day_ends,
    )


def safeguarding_list_rows(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    """The DSL's list: those still waiting to be acknowledged first (longest waiting
    at the top), then the rest, most recently acknowledged first. The number of
    queries does not grow with the list."""
    return (
        concerns.select_related("raised_by", "acknowledged_by", "escalated_to")
        .prefetch_related("students")
        .annotate(entry_count=Count("entries", distinct=True))
        .order_by(F("acknowledged_at").desc(nulls_first=True), "created_at", "pk")
    )


@dataclass(frozen=True)
class EntryRef:
    """Another entry of the same chronology, by its number there."""

    number: int
    public_id: uuid.UUID


@dataclass(frozen=True)
class ChronologyLine:
    """One entry of a chronology with its number, and the corrections either way."""

    entry: SafeguardingEntry
    number: int
    corrects: EntryRef | None
    corrected_by: tuple[EntryRef, ...]


def safeguarding_chronology(concern: Concern) -> list[ChronologyLine]:
    """The record's entries in the order they were written, numbered from 1, each
    linked to the entry it corrects and to the entries that correct it."""
    entries = list(
        SafeguardingEntry.objects.filter(concern=concern)
        .select_related("written_by")
        .prefetch_related("students", "staff_involved")
        .order_by("written_at", "pk")
    )
    refs = {
        entry.pk: EntryRef(number=number, public_id=entry.public_id)
        for number, entry in enumerate(entries, start=1)
    }
    corrections: dict[int, list[EntryRef]] = {}
    for entry in entries:
        if entry.corrects_id is not None:
            corrections.setdefault(entry.corrects_id, []).append(refs[entry.pk])
    return [
        ChronologyLine(
            entry=entry,
            number=refs[entry.pk].number,
            corrects=refs.get(entry.corrects_id) if entry.corrects_id is not None else None,
            corrected_by=tuple(corrections.get(entry.pk, ())),
        )
        for entry in entries
    ]


SAFEGUARDING_ACTIONS = {
    "concern.raised": "Raised it",
    "safeguarding.alerted": "The DSLs were told",
    "safeguarding.viewed": "Looked at the record",
    "safeguarding.acknowledged": "Acknowledged it",
    "safeguarding.entry_added": "Added an entry",
    "safeguarding.escalated": "Escalated: not acknowledged in time",
    "safeguarding.exported": "Exported it in a student's safeguarding file",
}


@dataclass(frozen=True)
class RecordAccess:
    """One look at, or change to, a safeguarding record, from the audit log."""

    at: datetime.datetime
    who: str
    role: str
    what: str
    where: str


def safeguarding_record_access(
    concern: Concern, *, limit: int = 200
) -> tuple[list[RecordAccess], int]:
    """Who has looked at (or added to) this record: the audit events about it, newest
    first, at most ``limit`` of them, and how many there are in all."""
    events = AuditEvent.objects.filter(
        school=concern.school, object_type="concern", object_public_id=concern.public_id
    ).select_related("actor")
    shown = [
        RecordAccess(
            at=event.at,
            who=(event.actor.full_name if event.actor is not None else "")
            or event.actor_email
            or "Not recorded",
            role=event.role,
            what=SAFEGUARDING_ACTIONS.get(event.action, event.action),
            where=event.ip_address or "",
        )
        for event in events[:limit]
    ]
    return shown, events.count()


def safeguarding_records_of(student: Student) -> QuerySet[Concern]:
    """A student's safeguarding file: every safeguarding concern that names them, in
    the concern itself or in an entry of its chronology, oldest first."""
    ids = Concern.objects.filter(
        Q(students=student) | Q(entries__students=student),
        school=student.school,
        kind=ConcernKind.SAFEGUARDING,
    ).values("pk")
    return (
        Concern.objects.filter(pk__in=ids)
        .select_related("raised_by", "acknowledged_by", "escalated_to")
        .prefetch_related("students")
        .order_by("created_at", "pk")
    )


def safeguarding_transfers_of(student: Student) -> QuerySet[SafeguardingTransfer]:
    return (
        SafeguardingTransfer.objects.filter(school=student.school, student=student)
        .select_related("sent_by", "receipt_recorded_by")
        .order_by("-sent_on", "-created_at")
    )


# ---------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class ConflictNeeds:
    """What a conflict needs next, in the restorative order."""

    step: str  # a ConflictStep.Kind, or "" when nothing more is needed
    unprepared: tuple[str, ...]  # display names of students still to be prepared


def conflict_next_step(case: ConflictCase) -> ConflictNeeds:
    """The step a conflict is waiting for. Preparation conversations with every
    student come before the restorative meeting; the meeting before an agreement;
    the agreement before a follow-up check. After a broken agreement it is back to
    needing a new meeting (the students were already prepared)."""
    if case.stage == ConflictCase.Stage.RESOLVED:
        return ConflictNeeds("", ())
    if case.stage == ConflictCase.Stage.AGREED:
        return ConflictNeeds(ConflictStep.Kind.FOLLOW_UP, ())
    if case.stage == ConflictCase.Stage.MET:
        return ConflictNeeds(ConflictStep.Kind.AGREEMENT, ())
    prepared = set(
        case.steps.filter(kind=ConflictStep.Kind.PREPARATION).values_list("student_id", flat=True)
    )
    unprepared = tuple(s.display_name for s in case.students.all() if s.pk not in prepared)
    if unprepared:
        return ConflictNeeds(ConflictStep.Kind.PREPARATION, unprepared)
    return ConflictNeeds(ConflictStep.Kind.MEETING, ())


@dataclass(frozen=True)
class ResolutionTime:
    case: ConflictCase
    took: datetime.timedelta

    @property
    def days(self) -> float:
        return self.took.total_seconds() / 86400


def conflict_resolution_times(school: School) -> list[ResolutionTime]:
    """How long each resolved conflict took, from the worry being raised to the
    follow-up check that found it resolved."""
    cases = ConflictCase.objects.filter(
        school=school, stage=ConflictCase.Stage.RESOLVED, resolved_at__isnull=False
    ).order_by("-resolved_at")
    return [ResolutionTime(case, case.resolved_at - case.raised_at) for case in cases]  # type: ignore[operator]


def conflict_median_resolution(school: School) -> datetime.timedelta | None:
    """The median time to resolve a conflict in this school, or None before any is."""
    times = [time.took.total_seconds() for time in conflict_resolution_times(school)]
    if not times:
        return None
    return datetime.timedelta(seconds=statistics.median(times))


# ---------------------------------------------------------------- urgent words


def urgent_flag_source_text(flag: UrgentFlag) -> str | None:
    """The words that were flagged, read from the record they were written in, for
    the DSL reviewing the flag; None when this kind of record is not known here."""
    if flag.source_type == "concern":
        concern = Concern.objects.filter(
            school=flag.school, public_id=flag.source_public_id
        ).first()
        return concern.text if concern is not None else None
    if flag.source_type == "check_in":
        check_in = CheckIn.objects.filter(
            school=flag.school, public_id=flag.source_public_id
        ).first()
        return check_in.word if check_in is not None else None
    # Records of the apps beside concerns (wellbeing's feedback and goals), read
    # through the reader each registered (students/free_text.py).
    return free_text_read(flag.school, flag.source_type, flag.source_public_id)
