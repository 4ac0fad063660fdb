"""Every write to sessions, registers, session logs and check-ins."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.lib import engagement
from peersupport.lib.cadence import contact_due
from peersupport.lib.schedule import series_dates
from peersupport.meetings.access import may_read_supervision_notes
from peersupport.meetings.models import (
    ATTENDED,
    Attendance,
    CheckIn,
    DailyDigest,
    EngagementSnapshot,
    Mark,
    Session,
    SessionLog,
    SessionSeries,
    StaffContact,
    Supervision,
    SupervisionAttendance,
)
from peersupport.meetings.selectors import (
    ParticipantSignal,
    calendar_of,
    engagement_signals,
    expected_attendees,
    mentors_serving,
    supervision_due,
)
from peersupport.programmes.models import Enrolment, Group, MentorProfile, Mentorship, Programme
from peersupport.programmes.selectors import (
    programme_staff,
    school_managers,
    staff_responsible_for,
)
from peersupport.programmes.services import training_expiry_run
from peersupport.schools.models import School
from peersupport.schools.selectors import is_school_day
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_open, tasks_close_for

MANAGERS = (Role.COORDINATOR, Role.DSL)
logger = logging.getLogger(__name__)


def may_run(user: User, session: Session) -> bool:
    """Who takes the register and writes the log: coordinators and DSLs, the
    group's facilitators, and the mentor of their own mentorship."""
    if role_in(user, session.school) in MANAGERS:
        return True
    if session.group_id is not None:
        return session.group.facilitators.filter(pk=user.pk).exists()  # type: ignore[union-attr]
    mentorship = session.mentorship
    return (
        mentorship is not None
        and mentorship.mentor.student.user_id == user.pk
        and mentorship.status in (Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED)
        and mentorship.mentor.status == MentorProfile.Status.ACTIVE
    )


def _require_runner(user: User, session: Session) -> None:
    if not may_run(user, session):
        raise PermissionDenied("Only the people who run this session can do this.")


def _owner(group: Group | None, mentorship: Mentorship | None) -> Group | Mentorship:
    if (group is None) == (mentorship is None):
        raise ValidationError("A session belongs to a group or to a mentorship.")
    return group or mentorship  # type: ignore[return-value]


@transaction.atomic
def series_create(
    *,
    actor: User,
    first_date: datetime.date,
    until_date: datetime.date,
    start_time: datetime.time,
    every_weeks: int = 1,
    duration_minutes: int = 30,
    room: str = "",
    group: Group | None = None,
    mentorship: Mentorship | None = None,
) -> SessionSeries:
    """Schedule a weekly or fortnightly series inside term dates, skipping holidays."""
    owner = _owner(group, mentorship)
    if role_in(actor, owner.school) not in MANAGERS:
        raise PermissionDenied("Only a coordinator or DSL schedules a series.")
    if mentorship is not None and mentorship.status not in (
        Mentorship.Status.ACTIVE,
        Mentorship.Status.PAUSED,
    ):
        raise ValidationError("Sessions can only be scheduled for a mentorship that has started.")
    if not is_school_day(school=owner.school, day=first_date):
        raise ValidationError(f"{first_date:%A %d %B} is not a school day: start on one.")
    terms, holidays = calendar_of(owner.school)
    try:
        dates = series_dates(
            first=first_date,
            until=until_date,
            every_weeks=every_weeks,
            terms=terms,
            holidays=holidays,
        )
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if not dates:
        raise ValidationError("No school days fall in that series: check the term dates.")
    series = SessionSeries(
        school=owner.school,
        group=group,
        mentorship=mentorship,
        every_weeks=every_weeks,
        first_date=first_date,
        until_date=until_date,
        start_time=start_time,
        duration_minutes=duration_minutes,
        room=room,
    )
    series.full_clean()
    series.save()
    Session.objects.bulk_create(
        Session(
            school=owner.school,
            group=group,
            mentorship=mentorship,
            series=series,
            original_date=day,
            date=day,
            start_time=start_time,
            duration_minutes=duration_minutes,
            room=room,
        )
        for day in dates
    )
    audit_record(
        action="sessions.scheduled",
        actor=actor,
        school=owner.school,
        object_type="series",
        object_public_id=series.public_id,
        detail=f"{len(dates)} sessions",
    )
    return series


@transaction.atomic
def session_create(
    *,
    actor: User,
    date: datetime.date,
    start_time: datetime.time,
    duration_minutes: int = 30,
    room: str = "",
    group: Group | None = None,
    mentorship: Mentorship | None = None,
) -> Session:
    owner = _owner(group, mentorship)
    session = Session(
        school=owner.school,
        group=group,
        mentorship=mentorship,
        date=date,
        start_time=start_time,
        duration_minutes=duration_minutes,
        room=room,
    )
    _require_runner(actor, session)
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_move(
    *, actor: User, session: Session, to: datetime.date, start_time: datetime.time | None = None
) -> Session:
    """Move one occurrence; the rest of its series stays as it was."""
    _require_runner(actor, session)
    if session.status == Session.Status.CANCELLED:
        raise ValidationError("A cancelled session cannot be moved.")
    if not is_school_day(school=session.school, day=to):
        raise ValidationError(f"{to:%A %d %B} is not a school day.")
    session.date = to
    if start_time is not None:
        session.start_time = start_time
    session.save(update_fields=["date", "start_time"])
    for student in expected_attendees(session):
        _signals_changed(student)
    return session


@transaction.atomic
def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    _require_runner(actor, session)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the session is cancelled."})
    session.status = Session.Status.CANCELLED
    session.cancel_reason = reason.strip()
    session.save(update_fields=["status", "cancel_reason"])
    for student in expected_attendees(session):
        _signals_changed(student)
    return session


def session_counts_refresh(sessions: QuerySet[Session]) -> int:
    """Count again the marks of ``sessions`` into their ``marked_count`` and
    ``attended_count``, in one statement. Counting afresh (rather than adding one)
    keeps the counts right whatever was there before; the caller holds the
    sessions' row locks so that two people marking one register at once count one
    after the other. Returns the sessions updated."""
    of_session = Attendance.objects.filter(session=OuterRef("pk")).order_by()

    def counted(marks: QuerySet[Attendance]) -> Subquery:
        return Subquery(marks.annotate(n=Func(F("pk"), function="COUNT")).values("n"))

    return sessions.update(
        marked_count=counted(of_session),
        attended_count=counted(of_session.filter(mark__in=ATTENDED)),
    )


@transaction.atomic
def attendance_mark(
    *, actor: User, session: Session, student: Student, mark: str, reason: str = ""
) -> Attendance:
    """One mark in the register, saved at once; marking again replaces it."""
    _require_runner(actor, session)
    # Held until the end: whoever marks the same register at the same time waits,
    # then counts this mark too (see session_counts_refresh); the status is read
    # under the lock, so a mark cannot slip in beside a cancellation.
    (status,) = (
        Session.objects.select_for_update().filter(pk=session.pk).values_list("status", flat=True)
    )
    if status == Session.Status.CANCELLED:
        raise ValidationError("This session was cancelled: there is no register.")
    if mark not in Mark.values:
        raise ValidationError("Choose present, late, absent with a reason, or absent.")
    if student not in expected_attendees(session):
        raise ValidationError(f"{student.display_name} is not expected at this session.")
    _signals_changed(student)
    attendance, _ = Attendance.objects.update_or_create(
        session=session,
        student=student,
        defaults={
            "school": session.school,
            "mark": mark,
            "reason": reason.strip()[:200] if mark == Mark.ABSENT_REASON else "",
            "recorded_by": actor,
        },
    )
    session_counts_refresh(Session.objects.filter(pk=session.pk))
    return attendance


@transaction.atomic
def session_log_write(
    *,
    actor: User,
    session: Session,
    how_it_went: str,
    topics: list[str] | None = None,
    needs_help: bool = False,
) -> SessionLog:
    _require_runner(actor, session)
    log = SessionLog(
        school=session.school,
        session=session,
        author=actor,
        topics=topics or [],
        how_it_went=how_it_went,
        needs_help=needs_help,
    )
    log.full_clean()
    log.save()
    if needs_help:
        # "I need help from staff" goes straight to the group's facilitators, or
        # to the staff responsible for a mentorship.
        if session.group is not None:
            people = list(session.group.facilitators.all()) or programme_staff(
                session.group.programme
            )
        else:
            mentorship = session.mentorship
            assert mentorship is not None  # a session has a group or a mentorship
            people = staff_responsible_for(mentorship.programme, mentorship.mentee)
        for person in people:
            task_open(
                school=session.school,
                kind=TaskKind.NEEDS_HELP,
                title="A session leader asked for help",
                subject_type="session",
                subject_public_id=session.public_id,
                assigned_to=person,
                link=reverse("meetings:register", kwargs={"public_id": session.public_id}),
            )
    return log


@transaction.atomic
def check_in_record(
    *, actor: User, student: Student, feeling: int, word: str = "", session: Session | None = None
) -> CheckIn:
    """A student's own check-in (or one staff record for them)."""
    is_them = student.user_id == actor.pk
    if not is_them and role_in(actor, student.school) not in (*MANAGERS, Role.FACILITATOR):
        raise PermissionDenied("Only the student, or staff, can record a check-in.")
    check_in = CheckIn(
        school=student.school, student=student, session=session, feeling=feeling, word=word.strip()
    )
    check_in.full_clean()
    check_in.save()
    _signals_changed(student)
    return check_in


@transaction.atomic
def staff_contact_record(
    *,
    actor: User,
    student: Student,
    contacted_on: datetime.date,
    mentorship: Mentorship | None = None,
    how: str = StaffContact.How.IN_PERSON,
) -> StaffContact:
    if role_in(actor, student.school) not in (*MANAGERS, Role.FACILITATOR):
        raise PermissionDenied("Only staff record a check-in with a student.")
    contact = StaffContact(
        school=student.school,
        staff=actor,
        student=student,
        mentorship=mentorship,
        contacted_on=contacted_on,
        how=how,
    )
    contact.full_clean()
    contact.save()
    _signals_changed(student)
    return contact


def _signals_changed(student: Student) -> None:
    """What the engagement signals are made from changed for this student."""
    EngagementSnapshot.objects.filter(enrolment__student=student).update(changed_at=timezone.now())


def engagement_refresh(
    *,
    school: School,
    today: datetime.date,
    enrolment_ids: list[int] | None = None,
    enrolments: list[Enrolment] | None = None,
) -> list[ParticipantSignal]:
    """Work out engagement again (for these enrolments, or all) and store it in one
    upsert (a single statement, atomic by itself). A page refreshing a few
    students does not need their programmes and staff loaded."""
    computed_at = timezone.now()  # before reading, so changes made meanwhile count as newer
    signals = engagement_signals(
        school=school,
        today=today,
        enrolment_ids=enrolment_ids,
        with_people=enrolment_ids is None and enrolments is None,
        enrolments=enrolments,
    )
    # The stored snapshot came with each enrolment (select_related).
    followed_up = {
        signal.enrolment.pk
        for signal in signals
        if (snapshot := getattr(signal.enrolment, "snapshot", None)) is not None
        and snapshot.status == engagement.AT_RISK
        and snapshot.follow_up_opened
    }
    # One upsert: two refreshes at once cannot trip over each other.
    with _derived_data_write():
        _snapshots_store(school, today, computed_at, signals, followed_up)
    for signal in signals:
        signal.followed_up = signal.enrolment.pk in followed_up
    return signals


@contextmanager
def _derived_data_write() -> Iterator[None]:
    """A transaction for data worked out from other data. On PostgreSQL, when it
    is a transaction of its own, it does not wait for the disk on commit: a crash
    could lose only the last such write, which is worked out again when next read
    (its inputs are stored durably). Waiting for the disk was most of the cost of
    the at-risk page just after a register mark."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _snapshots_store(
    school: School,
    today: datetime.date,
    computed_at: datetime.datetime,
    signals: list[ParticipantSignal],
    followed_up: set[int],
) -> None:
    EngagementSnapshot.objects.bulk_create(
        [
            EngagementSnapshot(
                school=school,
                enrolment=signal.enrolment,
                status=signal.result.status,
                reasons=signal.result.reasons,
                attendance_recent=signal.result.attendance_recent,
                attendance_overall=signal.result.attendance_overall,
                consecutive_missed=signal.result.consecutive_missed,
                trend=signal.result.trend,
                last_attended=signal.result.last_attended,
                last_contact=signal.result.last_contact,
                computed_on=today,
                computed_at=computed_at,
                follow_up_opened=signal.result.status == engagement.AT_RISK
                and signal.enrolment.pk in followed_up,
            )
            for signal in signals
        ],
        update_conflicts=True,
        unique_fields=["enrolment"],
        update_fields=[
            "status",
            "reasons",
            "attendance_recent",
            "attendance_overall",
            "consecutive_missed",
            "trend",
            "last_attended",
            "last_contact",
            "computed_on",
            "computed_at",
            "follow_up_opened",
        ],
    )


@dataclass
class DailyResult:
    at_risk_tasks: int = 0
    contact_tasks: int = 0
    supervision_tasks: int = 0
    training_tasks: int = 0
    mentors_paused: int = 0  # their required training ran out
    e_mails: int = 0
    outbox: list[tuple[User, str]] = field(default_factory=list)


@transaction.atomic
def daily_run(*, school: School, today: datetime.date) -> DailyResult:
    """The daily job for one school: refresh engagement signals, open follow-up
    tasks for students newly at risk, for overdue staff contact and for overdue
    supervision of mentors, and send each member of staff a short e-mail once a
    day. Running it twice changes nothing
    more: tasks are opened once, e-mails sent once a day."""
    result = DailyResult()
    new_for: dict[int, int] = defaultdict(int)
    people: dict[int, User] = {}
    followed: list[ParticipantSignal] = []
    for signal in engagement_refresh(school=school, today=today):
        # A follow-up on becoming at risk; a student still at risk after staff
        # closed the task is on the at-risk list, not given a new task every day.
        if signal.result.status != engagement.AT_RISK:
            continue
        if signal.followed_up:
            continue
        followed.append(signal)
        enrolment = signal.enrolment
        assignees = (
            [enrolment.responsible]
            if enrolment.responsible
            else programme_staff(enrolment.programme)
        )
        for person in assignees:
            _, created = task_open(
                school=school,
                kind=TaskKind.AT_RISK,
                title="Follow up a student at risk of dropping out",
                subject_type="enrolment",
                subject_public_id=enrolment.public_id,
                assigned_to=person,
                link=reverse("meetings:at_risk"),
            )
            if created:
                result.at_risk_tasks += 1
                new_for[person.pk] += 1
                people[person.pk] = person
    EngagementSnapshot.objects.filter(
        enrolment_id__in=[signal.enrolment.pk for signal in followed], status=engagement.AT_RISK
    ).update(follow_up_opened=True)
    result.contact_tasks = _contact_tasks(school=school, today=today)
    # Before supervision, so that a mentor paused today is not asked to attend it.
    expiry = training_expiry_run(school=school, today=today)
    result.training_tasks, result.mentors_paused = expiry.tasks, expiry.paused
    result.supervision_tasks = _supervision_tasks(school=school, today=today)
    todays = Session.objects.filter(
        school=school, date=today, status=Session.Status.SCHEDULED
    ).select_related("group__programme", "mentorship__programme", "mentorship__mentee")
    sessions_for: dict[int, int] = defaultdict(int)
    for session in todays:
        if session.group is not None:
            leaders = list(session.group.facilitators.all()) or programme_staff(
                session.group.programme
            )
        else:
            mentorship = session.mentorship
            assert mentorship is not None
            leaders = staff_responsible_for(mentorship.programme, mentorship.mentee)
        for person in leaders:
            sessions_for[person.pk] += 1
            people[person.pk] = person
    already = set(
        DailyDigest.objects.filter(school=school, day=today).values_list("user_id", flat=True)
    )
    for person_id, person in people.items():
        if person_id in already or not person.is_active or not role_in(person, school):
            continue
        body = render_to_string(
            "meetings/email/daily.txt",
            {
                "person": person,
                "school": school,
                "sessions": sessions_for[person_id],
                "new_at_risk": new_for[person_id],
                "link": settings.SITE_URL.rstrip("/") + reverse("tasks:mine"),
            },
        )
        result.outbox.append((person, body))
    return result


def daily_send(*, school: School, today: datetime.date, outbox: list[tuple[User, str]]) -> int:
    """Send the day's e-mails after the day's work is saved. Each is recorded as
    sent only once it has gone; one that fails is logged and tried again by the
    next run, and the others still go."""
    sent = 0
    for person, body in outbox:
        try:
            send_mail("Your peer support day", body, settings.DEFAULT_FROM_EMAIL, [person.email])
        except Exception:
            logger.exception("The daily e-mail to user %s could not be sent.", person.pk)
            continue
        DailyDigest.objects.get_or_create(school=school, user=person, day=today)
        sent += 1
    return sent


def _contact_tasks(*, school: School, today: datetime.date) -> int:
    """Open a task where staff contact with a mentor or mentee is overdue."""
    mentorships = list(
        Mentorship.objects.filter(
            school=school, status=Mentorship.Status.ACTIVE, started_on__isnull=False
        ).select_related("programme", "mentee", "mentor__student")
    )
    students = {m.mentee_id for m in mentorships} | {m.mentor.student_id for m in mentorships}
    contacts: dict[int, list[datetime.date]] = defaultdict(list)
    for student_id, day in StaffContact.objects.filter(student_id__in=students).values_list(
        "student_id", "contacted_on"
    ):
        contacts[student_id].append(day)
    opened = 0
    for mentorship in mentorships:
        assert mentorship.started_on is not None
        for side, student in (("mentee", mentorship.mentee), ("mentor", mentorship.mentor.student)):
            verdict = contact_due(
                started_on=mentorship.started_on, contacts=contacts[student.pk], today=today
            )
            if not verdict.overdue:
                continue
            for person in staff_responsible_for(mentorship.programme, mentorship.mentee):
                _, created = task_open(
                    school=school,
                    kind=TaskKind.CONTACT_DUE,
                    title=f"Check in with a {side}: {verdict.reason}",
                    subject_type="student",
                    subject_public_id=student.public_id,
                    assigned_to=person,
                    link=reverse(
                        "programmes:mentorship_detail", kwargs={"public_id": mentorship.public_id}
                    ),
                    due_on=verdict.due_on,
                )
                opened += int(created)
    return opened


def _supervision_tasks(*, school: School, today: datetime.date) -> int:
    """Open a task where a mentor's supervision is overdue, for the staff of each
    programme they serve (its leads, else its coordinators) and the facilitators of
    the groups they co-facilitate. One task per mentor per person for each due date:
    staff who mark it done without recording a supervision are not asked again
    every day (the supervision page still shows the mentor overdue); recording a
    supervision closes it and starts a new due date."""
    overdue = [row for row in supervision_due(school=school, today=today) if row.overdue]
    if not overdue:
        return 0
    programmes = list(
        Programme.objects.filter(id__in={pk for row in overdue for pk in row.programme_ids})
        .prefetch_related("leads")
        .order_by("supervision_every_weeks", "name", "id")
    )
    staff: dict[int, list[User]] = {}
    for programme in programmes:
        programme.school = school  # filtered by it already: no need to read it again
        staff[programme.pk] = programme_staff(programme)
    facilitators: dict[int, tuple[Programme, list[User]]] = {}
    by_id = {programme.pk: programme for programme in programmes}
    for group in Group.objects.filter(
        id__in={pk for row in overdue for pk in row.group_ids}
    ).prefetch_related("facilitators"):
        facilitators[group.pk] = (by_id[group.programme_id], list(group.facilitators.all()))
    already = set(
        Task.objects.filter(
            school=school,
            kind=TaskKind.SUPERVISION_DUE,
            subject_public_id__in=[row.mentor.public_id for row in overdue],
        ).values_list("subject_public_id", "assigned_to_id", "due_on")
    )
    opened = 0
    for row in overdue:
        # Each person once, linked to the programme with the shortest cadence they
        # look after for this mentor.
        people: dict[int, tuple[User, Programme]] = {}
        for programme in programmes:
            if programme.pk in row.programme_ids:
                for person in staff[programme.pk]:
                    people.setdefault(person.pk, (person, programme))
        for group_id in sorted(row.group_ids):
            programme, group_facilitators = facilitators[group_id]
            for person in group_facilitators:
                people.setdefault(person.pk, (person, programme))
        for person, programme in people.values():
            if (row.mentor.public_id, person.pk, row.due_on) in already:
                continue
            _, created = task_open(
                school=school,
                kind=TaskKind.SUPERVISION_DUE,
                title="Supervise a peer mentor: their supervision is overdue",
                subject_type="mentor",
                subject_public_id=row.mentor.public_id,
                assigned_to=person,
                link=reverse(
                    "meetings:supervision_list", kwargs={"public_id": programme.public_id}
                ),
                due_on=row.due_on,
            )
            opened += int(created)
    return opened


# ---------------------------------------------------------------- supervision

LOW_FEELINGS = frozenset(
    {SupervisionAttendance.Feeling.STRUGGLING, SupervisionAttendance.Feeling.NOT_GREAT}
)


@dataclass(frozen=True)
class SupervisionAnswer:
    """A mentor who came to supervision, and their answer to "How are you doing?"
    (``None`` when it was not asked) with anything they wanted to add."""

    mentor: MentorProfile
    feeling: int | None = None
    note: str = ""


def may_supervise(user: User, programme: Programme) -> bool:
    """Who records supervision for a programme: coordinators and DSLs, and staff
    who lead the programme or facilitate one of its groups."""
    role = role_in(user, programme.school)
    if role in MANAGERS:
        return True
    if role != Role.FACILITATOR:
        return False
    if programme.leads.filter(pk=user.pk).exists():
        return True
    return Group.objects.filter(programme=programme, facilitators=user).exists()


@transaction.atomic
def supervision_record(
    *,
    actor: User,
    programme: Programme,
    held_on: datetime.date,
    kind: str,
    came: Sequence[SupervisionAnswer],
    notes: str = "",
    actions: str = "",
) -> Supervision:
    """Record a supervision of peer mentors: who came and how each is doing, the
    notes and the actions agreed. It closes the supervision-due tasks of the mentors
    who came and are no longer overdue (one written up late, older than a mentor's
    latest, does not move their due date: their task stays open, since the daily
    job would not open another for the same due date). A mentor struggling or not
    doing great gets a follow-up for the programme's staff who may read how they
    are doing (its leads who are coordinators or DSLs, or who led this
    supervision), else for the school's coordinators."""
    if not may_supervise(actor, programme):
        raise PermissionDenied(
            "Only coordinators, DSLs and the programme's leads and group facilitators "
            "record supervision."
        )
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "The date cannot be in the future."})
    mentors = [answer.mentor for answer in came]
    if not mentors:
        raise ValidationError("Say which mentors came.")
    if len({mentor.pk for mentor in mentors}) != len(mentors):
        raise ValidationError("Each mentor can only be listed once.")
    if kind == Supervision.Kind.ONE_TO_ONE and len(mentors) != 1:
        raise ValidationError({"kind": "A one-to-one supervision is with exactly one mentor."})
    serving = set(
        mentors_serving(programme)
        .filter(pk__in=[mentor.pk for mentor in mentors])
        .values_list("pk", flat=True)
    )
    strangers = [mentor for mentor in mentors if mentor.pk not in serving]
    if strangers:
        raise ValidationError(
            "Not an active mentor in this programme: "
            + ", ".join(mentor.student.display_name for mentor in strangers)
            + "."
        )
    supervision = Supervision(
        school=programme.school,
        programme=programme,
        facilitator=actor,
        held_on=held_on,
        kind=kind,
        notes=notes.strip(),
        actions=actions.strip(),
    )
    supervision.full_clean()
    supervision.save()
    places = [
        SupervisionAttendance(
            school=programme.school,
            supervision=supervision,
            mentor=answer.mentor,
            feeling=answer.feeling,
            feeling_note=answer.note.strip(),
        )
        for answer in came
    ]
    for place in places:
        # Unique together is already checked above; the public id is a fresh UUID.
        place.full_clean(validate_unique=False, validate_constraints=False)
    SupervisionAttendance.objects.bulk_create(places)
    audit_record(
        action="supervision.recorded",
        actor=actor,
        school=programme.school,
        object_type="supervision",
        object_public_id=supervision.public_id,
        detail=f"{supervision.get_kind_display()}, {len(places)} mentor(s)",
    )
    still_overdue = {
        row.mentor.pk
        for row in supervision_due(
            school=programme.school, today=timezone.localdate(), programme=programme
        )
        if row.overdue
    }
    tasks_close_for(
        actor=actor,
        school=programme.school,
        kind=TaskKind.SUPERVISION_DUE,
        subject_public_ids=[
            mentor.public_id for mentor in mentors if mentor.pk not in still_overdue
        ],
    )
    low = sum(1 for answer in came if answer.feeling in LOW_FEELINGS)
    if low:
        readers = [
            person
            for person in programme_staff(programme)
            if may_read_supervision_notes(person, supervision)
        ]
        for person in readers or school_managers(programme.school):
            task_open(
                school=programme.school,
                kind=TaskKind.NEEDS_HELP,
                title=(
                    "Follow up a peer mentor who is finding things hard"
                    if low == 1
                    else f"Follow up {low} peer mentors who are finding things hard"
                ),
                subject_type="supervision",
                subject_public_id=supervision.public_id,
                assigned_to=person,
                link=reverse(
                    "meetings:supervision_detail", kwargs={"public_id": supervision.public_id}
                ),
            )
    return supervision
