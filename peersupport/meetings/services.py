"""Every write to sessions, registers, session logs and check-ins."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.lib.schedule import series_dates
from peersupport.meetings.models import (
    Attendance,
    CheckIn,
    Mark,
    Session,
    SessionLog,
    SessionSeries,
)
from peersupport.meetings.selectors import calendar_of, expected_attendees
from peersupport.programmes.models import Group, Mentorship
from peersupport.programmes.selectors import programme_staff, staff_responsible_for
from peersupport.schools.selectors import is_school_day
from peersupport.students.models import Student
from peersupport.tasks.models import TaskKind
from peersupport.tasks.services import task_open

MANAGERS = (Role.COORDINATOR, Role.DSL)


def may_run(user: User, session: Session) -> bool:
    """Who takes the register and writes the log: coordinators and DSLs, the
    group's facilitators, and the mentor of their own mentorship."""
    if role_in(user, session.school) in MANAGERS:
        return True
    if session.group_id is not None:
        return session.group.facilitators.filter(pk=user.pk).exists()  # type: ignore[union-attr]
    mentorship = session.mentorship
    return mentorship is not None and mentorship.mentor.student.user_id == user.pk


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
    return session


@transaction.atomic
def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    _require_runner(actor, session)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the session is cancelled."})
    session.status = Session.Status.CANCELLED
    session.cancel_reason = reason.strip()
    session.save(update_fields=["status", "cancel_reason"])
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
    return check_in
