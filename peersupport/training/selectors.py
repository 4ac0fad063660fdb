"""Who holds which modules, on a given day."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery

from peersupport.accounts.models import Membership, Role, User
from peersupport.lib.training_standing import standing
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.training.models import (
    Completion,
    Protocol,
    ProtocolAcknowledgement,
    ProtocolVersion,
    TrainingAttendance,
    TrainingEvent,
    TrainingModule,
)


@dataclass(frozen=True)
class Gap:
    module: TrainingModule
    expired_on: datetime.date | None  # None: never completed

    def __str__(self) -> str:
        if self.expired_on is None:
            return self.module.title
        return f"{self.module.title} (ran out on {self.expired_on.day} {self.expired_on:%B %Y})"


def training_gaps(
    *, student: Student, modules: Iterable[TrainingModule], on: datetime.date
) -> list[Gap]:
    """The modules ``student`` does not hold on day ``on``: never completed, or
    every completion has run out (a completion lasts until the day before it
    expires): the rule of ``lib.training_standing``, as the compliance view uses."""
    wanted = list(modules)
    if not wanted:
        return []
    completions: dict[int, list[tuple[datetime.date, datetime.date | None]]] = defaultdict(list)
    for module_id, completed_on, expires_on in Completion.objects.filter(
        student=student, module__in=wanted
    ).values_list("module_id", "completed_on", "expires_on"):
        completions[module_id].append((completed_on, expires_on))
    gaps = []
    for module in sorted(wanted, key=lambda m: m.title):
        where = standing(completions[module.pk], on)
        if not where.holds:
            # Missing: never done, so no date; expired: the day the last one ran out.
            gaps.append(Gap(module=module, expired_on=where.expires_on))
    return gaps


def describe_gaps(gaps: list[Gap]) -> str:
    return "; ".join(str(gap) for gap in gaps)


# Training events.

# Mentors still training or already mentoring: those a training session is for.
# Their status lives with programmes (an app after this one), so it is read through
# the relation's name rather than by importing its model.
INVITABLE_MENTOR_STATUSES = ("in_training", "active")
STAFF_ROLES = ("coordinator", "dsl", "facilitator")


def events_with_numbers(events: QuerySet[TrainingEvent]) -> list[TrainingEvent]:
    """``events`` with their module and trainer, and how many were invited
    (``invited``) and came (``came``), in one query."""
    return list(
        events.select_related("module", "trainer").annotate(
            invited=Count("attendance", distinct=True),
            came=Count("attendance", filter=Q(attendance__attended=True), distinct=True),
        )
    )


def events_upcoming_and_past(
    events: QuerySet[TrainingEvent], *, today: datetime.date
) -> tuple[list[TrainingEvent], list[TrainingEvent]]:
    """Sessions from ``today`` on, soonest first; and those before, latest first."""
    every = events_with_numbers(events.order_by("held_on", "created_at"))
    upcoming = [event for event in every if event.held_on >= today]
    past = [event for event in reversed(every) if event.held_on < today]
    return upcoming, past


def event_register(event: TrainingEvent) -> list[TrainingAttendance]:
    """The people on a session's register: students by surname, then staff by name."""
    places = list(TrainingAttendance.objects.filter(event=event).select_related("student", "user"))

    def order(place: TrainingAttendance) -> tuple[int, str, str]:
        if place.student is not None:
            return (0, place.student.legal_surname.lower(), place.student.display_name.lower())
        assert place.user is not None
        return (1, (place.user.full_name or place.user.email).lower(), "")

    return sorted(places, key=order)


def invitable_mentors(school: School) -> QuerySet[Student]:
    """The school's peer mentors on roll who are in training or active, with their
    status as ``mentor_status``."""
    return (
        Student.objects.filter(
            school=school, on_roll=True, mentor__status__in=INVITABLE_MENTOR_STATUSES
        )
        .annotate(mentor_status=F("mentor__status"))
        .order_by("legal_surname", "legal_forename")
    )


def staff_members(school: School) -> QuerySet[User]:
    """The school's coordinators, DSLs and facilitators."""
    return (
        User.objects.filter(
            memberships__school=school,
            memberships__is_active=True,
            memberships__role__in=STAFF_ROLES,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def upcoming_events_for(
    *, student: Student | None = None, user: User | None = None, today: datetime.date
) -> list[TrainingEvent]:
    """The training sessions from ``today`` on that this mentor (or member of staff)
    is invited to, soonest first."""
    places = TrainingAttendance.objects.none()
    if student is not None:
        places = TrainingAttendance.objects.filter(student=student)
    elif user is not None:
        places = TrainingAttendance.objects.filter(user=user)
    return list(
        TrainingEvent.objects.filter(pk__in=places.values("event_id"), held_on__gte=today)
        .select_related("module", "trainer")
        .order_by("held_on")
    )


# Protocols.

# Who a protocol asks to read it: the school's staff, and for a protocol for mentors
# its peer mentors too, while they are training, mentoring or paused (not applicants,
# nor those who stepped down). Mentor statuses live with programmes, an app after
# this one, so they are read through the relation's name.
PROTOCOL_STAFF_ROLES = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)
PROTOCOL_MENTOR_STATUSES = ("in_training", "active", "paused")


def protocol_question(title: str) -> str:
    """A protocol's title as the question a mentor asks: "If a session gets heated"
    becomes "What do I do if a session gets heated?", "Confidentiality and its
    limits" becomes "What about confidentiality and its limits?"."""
    title = " ".join(title.split()).rstrip(".")
    if title.endswith("?"):
        return title
    if title[:3].lower() == "if ":
        return f"What do I do if {title[3:]}?"
    first, space, rest = title.partition(" ")
    if first[1:].islower():  # "Contact", not "CAMHS"
        first = first[:1].lower() + first[1:]
    return f"What about {first}{space}{rest}?"


@dataclass(frozen=True)
class ProtocolReading:
    """A protocol as one reader stands with it: the number of its current version,
    and the newest version they said they had read, and when."""

    protocol: Protocol
    current_number: int
    read_number: int | None = None
    read_at: datetime.datetime | None = None

    @property
    def question(self) -> str:
        return protocol_question(self.protocol.title)

    @property
    def to_read(self) -> bool:
        """They have not read the current version: new to them, or changed since."""
        return self.read_number != self.current_number

    @property
    def changed(self) -> bool:
        """They read an older version; this one is different."""
        return self.read_number is not None and self.to_read


def _newest_reads(
    *, user: User, protocol_ids: list[int]
) -> dict[int, tuple[int, datetime.datetime]]:
    """For each protocol, the newest version ``user`` acknowledged and when."""
    rows = (
        ProtocolAcknowledgement.objects.filter(user=user, version__protocol_id__in=protocol_ids)
        .order_by("version__number")
        .values_list("version__protocol_id", "version__number", "acknowledged_at")
    )
    return {protocol_id: (number, at) for protocol_id, number, at in rows}  # newest wins


def protocol_readings(*, user: User, protocols: QuerySet[Protocol]) -> list[ProtocolReading]:
    """Each of ``protocols`` that has a published version, in order, with where
    ``user`` stands with it. Two queries, however many protocols."""
    published = list(
        protocols.annotate(current_number=Max("versions__number"))
        .filter(current_number__isnull=False)
        .order_by("order", "title")
    )
    reads = _newest_reads(user=user, protocol_ids=[protocol.pk for protocol in published])
    return [
        ProtocolReading(protocol, protocol.current_number, *reads.get(protocol.pk, (None, None)))
        for protocol in published
    ]


def current_version(protocol: Protocol) -> ProtocolVersion | None:
    """The newest published version of ``protocol``: the one everyone reads."""
    return (
        ProtocolVersion.objects.filter(protocol=protocol)
        .select_related("published_by")
        .order_by("-number")
        .first()
    )


def protocol_version(protocol: Protocol, public_id: uuid.UUID) -> ProtocolVersion | None:
    """One version of ``protocol``, current or not, by its public id."""
    return ProtocolVersion.objects.filter(protocol=protocol, public_id=public_id).first()


def protocol_reading(*, user: User, version: ProtocolVersion) -> ProtocolReading:
    """Where ``user`` stands with ``version``, the current version of its protocol."""
    read_number, read_at = _newest_reads(user=user, protocol_ids=[version.protocol_id]).get(
        version.protocol_id, (None, None)
    )
    return ProtocolReading(version.protocol, version.number, read_number, read_at)


def _reader_condition(school: School, audience: str) -> Q:
    staff = Q(role__in=PROTOCOL_STAFF_ROLES)
    if audience != Protocol.Audience.MENTORS:
        return staff
    mentors = Q(
        role__in=(Role.MENTOR, Role.STUDENT),
        user__student_record__school=school,
        user__student_record__mentor__status__in=PROTOCOL_MENTOR_STATUSES,
    )
    return staff | mentors


def protocol_readers(protocol: Protocol) -> QuerySet[Membership]:
    """The memberships of everyone ``protocol`` asks to read it, with their users."""
    return (
        Membership.objects.filter(school=protocol.school, is_active=True)
        .filter(_reader_condition(protocol.school, protocol.audience))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


@dataclass(frozen=True)
class ReaderRow:
    """One person a protocol is for, and the newest version they have read."""

    membership: Membership
    current_number: int | None
    read_number: int | None
    read_at: datetime.datetime | None

    @property
    def name(self) -> str:
        user = self.membership.user
        return user.full_name or user.email

    @property
    def who(self) -> str:
        if self.membership.role in (Role.MENTOR, Role.STUDENT):
            return "Peer mentor"
        return self.membership.get_role_display()

    @property
    def has_read_current(self) -> bool:
        return self.current_number is not None and self.read_number == self.current_number


def protocol_reader_rows(
    protocol: Protocol, current: ProtocolVersion | None
) -> tuple[list[ReaderRow], list[ReaderRow]]:
    """Everyone ``protocol`` is for, split into those still to read the current
    version and those who have read it, each by name. Two queries."""
    readers = list(protocol_readers(protocol))
    rows = (
        ProtocolAcknowledgement.objects.filter(
            version__protocol=protocol, user_id__in=[m.user_id for m in readers]
        )
        .order_by("version__number")
        .values_list("user_id", "version__number", "acknowledged_at")
    )
    newest = {user_id: (number, at) for user_id, number, at in rows}
    current_number = current.number if current is not None else None
    every = [
        ReaderRow(membership, current_number, *newest.get(membership.user_id, (None, None)))
        for membership in readers
    ]
    still_to_read = [row for row in every if not row.has_read_current]
    have_read = [row for row in every if row.has_read_current]
    return still_to_read, have_read


def protocol_versions(protocol: Protocol) -> QuerySet[ProtocolVersion]:
    """Every version of ``protocol``, newest first, with who published it and how
    many people said they read it (``read_by``)."""
    return (
        ProtocolVersion.objects.filter(protocol=protocol)
        .select_related("published_by")
        .annotate(read_by=Count("acknowledgements"))
        .order_by("-number")
    )


@dataclass(frozen=True)
class ProtocolStanding:
    """A protocol in the staff's library: its current version, and how many of
    the people it is for have read that version."""

    protocol: Protocol
    current: ProtocolVersion | None
    readers: int
    read_current: int

    @property
    def still_to_read(self) -> int:
        return self.readers - self.read_current


def protocol_library(*, school: School, protocols: QuerySet[Protocol]) -> list[ProtocolStanding]:
    """Each of ``protocols`` with its standing. Four queries, however many
    protocols, versions and readers."""
    newest = (
        ProtocolVersion.objects.filter(protocol=OuterRef("pk")).order_by("-number").values("pk")[:1]
    )
    listed = list(
        protocols.annotate(current_version_id=Subquery(newest)).order_by("order", "title")
    )
    version_ids = [p.current_version_id for p in listed if p.current_version_id is not None]
    versions = {
        version.pk: version
        for version in ProtocolVersion.objects.filter(pk__in=version_ids).defer("content")
    }
    readers = list(
        Membership.objects.filter(school=school, is_active=True)
        .filter(_reader_condition(school, Protocol.Audience.MENTORS))
        .values_list("user_id", "role")
    )
    everyone = {user_id for user_id, _ in readers}
    staff = {user_id for user_id, role in readers if role in PROTOCOL_STAFF_ROLES}
    read: dict[int, set[int]] = {}
    for version_id, user_id in ProtocolAcknowledgement.objects.filter(
        version_id__in=version_ids
    ).values_list("version_id", "user_id"):
        read.setdefault(version_id, set()).add(user_id)
    standings = []
    for protocol in listed:
        audience = everyone if protocol.audience == Protocol.Audience.MENTORS else staff
        current = versions.get(protocol.current_version_id)
        read_current = len(read.get(protocol.current_version_id, set()) & audience)
        standings.append(ProtocolStanding(protocol, current, len(audience), read_current))
    return standings


def not_yet_invited(
    event: TrainingEvent,
) -> tuple[QuerySet[Student], QuerySet[User]]:
    """The mentors and staff who could still be added to a session's register."""
    on_register = TrainingAttendance.objects.filter(event=event)
    mentors = invitable_mentors(event.school).exclude(
        pk__in=on_register.exclude(student=None).values("student_id")
    )
    if event.module.audience != TrainingModule.Audience.MENTOR:
        mentors = mentors.none()  # a module for staff is not for students
    staff = staff_members(event.school).exclude(
        pk__in=on_register.exclude(user=None).values("user_id")
    )
    return mentors, staff
