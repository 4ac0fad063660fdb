"""Every write to sessions, registers, session logs and check-ins."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.lib import engagement
from peersupport.lib.cadence import contact_due
from peersupport.lib.schedule import series_dates
from peersupport.meetings.models import (
    Attendance,
    CheckIn,
    DailyDigest,
    EngagementSnapshot,
    Mark,
    Session,
    SessionLog,
    SessionSeries,
    StaffContact,
)
from peersupport.meetings.selectors import (
    ParticipantSignal,
    calendar_of,
    engagement_signals,
    expected_attendees,
)
from peersupport.programmes.models import Enrolment, Group, MentorProfile, Mentorship
from peersupport.programmes.selectors import programme_staff, staff_responsible_for
from peersupport.schools.models import School
from peersupport.schools.selectors import is_school_day
from peersupport.students.models import Student
from peersupport.tasks.models import TaskKind
from peersupport.tasks.services import task_open

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


@transaction.atomic
def attendance_mark(
    *, actor: User, session: Session, student: Student, mark: str, reason: str = ""
) -> Attendance:
    """One mark in the register, saved at once; marking again replaces it."""
    _require_runner(actor, session)
    if session.status == Session.Status.CANCELLED:
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
    for signal in signals:
        signal.followed_up = signal.enrolment.pk in followed_up
    return signals


@dataclass
class DailyResult:
    at_risk_tasks: int = 0
    contact_tasks: int = 0
    e_mails: int = 0
    outbox: list[tuple[User, str]] = field(default_factory=list)


@transaction.atomic
def daily_run(*, school: School, today: datetime.date) -> DailyResult:
    """The daily job for one school: refresh engagement signals, open follow-up
    tasks for students newly at risk and for overdue staff contact, and send each
    member of staff a short e-mail once a day. Running it twice changes nothing
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
