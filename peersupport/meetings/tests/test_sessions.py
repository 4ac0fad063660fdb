"""Scheduling series, moving and cancelling, the register and who may take it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_user
from peersupport.meetings.models import Attendance, Session
from peersupport.meetings.services import (
    attendance_mark,
    series_create,
    session_cancel,
    session_log_write,
    session_move,
)
from peersupport.meetings.tests.conftest import Setting
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.tasks.models import Task, TaskKind

D = datetime.date
T = datetime.time(12, 30)


def test_a_weekly_series_skips_half_term(personas: dict[str, Persona], setting: Setting) -> None:
    series = series_create(
        actor=personas["coordinator"].user,
        group=setting.group,
        first_date=D(2026, 9, 8),
        until_date=D(2026, 12, 15),
        start_time=T,
    )
    dates = list(series.sessions.values_list("date", flat=True))
    assert D(2026, 10, 27) not in dates  # half-term Tuesday
    assert D(2026, 10, 20) in dates and D(2026, 11, 3) in dates
    assert len(dates) == 14


def test_a_fortnightly_series_keeps_its_rhythm(
    personas: dict[str, Persona], setting: Setting
) -> None:
    series = series_create(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        first_date=D(2026, 10, 13),
        until_date=D(2026, 11, 30),
        start_time=T,
        every_weeks=2,
    )
    assert list(series.sessions.values_list("date", flat=True)) == [
        D(2026, 10, 13),
        D(2026, 11, 10),
        D(2026, 11, 24),
    ]


def test_moving_one_occurrence_leaves_the_series_alone(
    personas: dict[str, Persona], setting: Setting
) -> None:
    series = series_create(
        actor=personas["coordinator"].user,
        group=setting.group,
        first_date=D(2026, 9, 8),
        until_date=D(2026, 10, 20),
        start_time=T,
    )
    before = list(series.sessions.order_by("original_date").values_list("original_date", "date"))
    moving = series.sessions.get(original_date=D(2026, 9, 22))
    session_move(actor=personas["facilitator"].user, session=moving, to=D(2026, 9, 24))
    after = list(series.sessions.order_by("original_date").values_list("original_date", "date"))
    assert [pair for pair in after if pair[0] != D(2026, 9, 22)] == [
        pair for pair in before if pair[0] != D(2026, 9, 22)
    ]
    moved = series.sessions.get(original_date=D(2026, 9, 22))
    assert moved.date == D(2026, 9, 24) and moved.moved
    with pytest.raises(ValidationError, match="not a school day"):
        session_move(actor=personas["facilitator"].user, session=moved, to=D(2026, 10, 28))
    session_cancel(
        actor=personas["facilitator"].user,
        session=series.sessions.get(original_date=D(2026, 9, 29)),
        reason="School trip",
    )
    assert series.sessions.filter(status=Session.Status.CANCELLED).count() == 1
    assert series.sessions.count() == len(before)


def test_a_series_with_no_school_days_is_refused(
    personas: dict[str, Persona], setting: Setting
) -> None:
    with pytest.raises(ValidationError, match="not a school day"):
        series_create(
            actor=personas["coordinator"].user,
            group=setting.group,
            first_date=D(2026, 10, 26),
            until_date=D(2026, 10, 30),
            start_time=T,
        )


@pytest.fixture
def group_session(personas: dict[str, Persona], setting: Setting) -> Session:
    series = series_create(
        actor=personas["coordinator"].user,
        group=setting.group,
        first_date=D(2026, 9, 8),
        until_date=D(2026, 9, 8),
        start_time=T,
    )
    return series.sessions.get()


@pytest.fixture
def mentoring_session(personas: dict[str, Persona], setting: Setting) -> Session:
    series = series_create(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        first_date=D(2026, 9, 9),
        until_date=D(2026, 9, 9),
        start_time=T,
    )
    return series.sessions.get()


def test_the_facilitator_marks_the_register_and_marking_again_replaces(
    personas: dict[str, Persona], setting: Setting, group_session: Session
) -> None:
    facilitator = personas["facilitator"].user
    attendance_mark(
        actor=facilitator, session=group_session, student=setting.members[0], mark="absent"
    )
    attendance_mark(
        actor=facilitator, session=group_session, student=setting.members[0], mark="late"
    )
    assert Attendance.objects.get().mark == "late"
    with pytest.raises(ValidationError, match="not expected"):
        attendance_mark(
            actor=facilitator,
            session=group_session,
            student=setting.mentorship.mentee,
            mark="present",
        )


def test_the_session_keeps_its_registers_counts_as_marks_change(
    personas: dict[str, Persona], setting: Setting, group_session: Session
) -> None:
    """The counts the dashboard sums: every mark, and those present or late; a mark
    changed from absent to late moves one across, a refused mark changes nothing."""
    facilitator = personas["facilitator"].user
    first, second = setting.members[0], setting.members[1]

    def counts() -> tuple[int, int]:
        group_session.refresh_from_db()
        return group_session.marked_count, group_session.attended_count

    assert counts() == (0, 0)
    attendance_mark(actor=facilitator, session=group_session, student=first, mark="absent")
    assert counts() == (1, 0)
    attendance_mark(actor=facilitator, session=group_session, student=second, mark="present")
    assert counts() == (2, 1)
    attendance_mark(actor=facilitator, session=group_session, student=first, mark="late")
    assert counts() == (2, 2)
    attendance_mark(actor=facilitator, session=group_session, student=second, mark="absent_reason")
    assert counts() == (2, 1)
    with pytest.raises(ValidationError):
        attendance_mark(actor=facilitator, session=group_session, student=first, mark="gone")
    assert counts() == (2, 1)
    marks = Attendance.objects.filter(session=group_session)
    assert counts() == (marks.count(), marks.filter(mark__in=["present", "late"]).count())


def test_a_register_opened_before_the_session_was_cancelled_takes_no_mark(
    personas: dict[str, Persona], setting: Setting, group_session: Session
) -> None:
    """The register page was loaded, then someone cancelled the session: the mark
    is refused (the status is read again under the session's lock)."""
    opened = Session.objects.get(pk=group_session.pk)
    session_cancel(actor=personas["coordinator"].user, session=group_session, reason="Trip")
    with pytest.raises(ValidationError, match="cancelled"):
        attendance_mark(
            actor=personas["facilitator"].user,
            session=opened,
            student=setting.members[0],
            mark="present",
        )
    assert not Attendance.objects.filter(session=group_session).exists()


def test_a_mentor_takes_the_register_of_their_own_mentorship_only(
    personas: dict[str, Persona],
    setting: Setting,
    group_session: Session,
    mentoring_session: Session,
    school_a: Any,
) -> None:
    mentor_user = personas["mentor"].user
    attendance_mark(
        actor=mentor_user,
        session=mentoring_session,
        student=setting.mentorship.mentee,
        mark="present",
    )
    with pytest.raises(PermissionDenied):
        attendance_mark(
            actor=mentor_user, session=group_session, student=setting.members[0], mark="present"
        )


def test_a_mentor_cannot_reach_another_mentors_sessions(
    client: Client,
    personas: dict[str, Persona],
    setting: Setting,
    mentoring_session: Session,
    school_a: Any,
) -> None:
    other = make_active_mentor(personas["coordinator"], school_a, legal_forename="Other")
    other_user = make_user(
        "other.mentor@northgate.example", "Other Mentor", school_a, "mentor", mfa=False
    )
    other.student.user = other_user.user
    other.student.save()
    client.force_login(other_user.user)
    assert (
        client.get(reverse("meetings:register", args=[mentoring_session.public_id])).status_code
        == 404
    )
    response = client.post(
        reverse(
            "meetings:register_mark",
            args=[mentoring_session.public_id, setting.mentorship.mentee.public_id],
        ),
        {"mark": "absent"},
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()
    assert client.get(reverse("meetings:list")).context["sessions"].count() == 0


def test_the_mentor_sees_first_names_only(
    client: Client, personas: dict[str, Persona], setting: Setting, mentoring_session: Session
) -> None:
    client.force_login(personas["mentor"].user)
    page = client.get(reverse("meetings:register", args=[mentoring_session.public_id]))
    assert b"Tom" in page.content
    assert setting.mentorship.mentee.legal_surname.encode() not in page.content


def test_a_mark_is_saved_at_once_and_the_row_comes_back(
    client: Client, personas: dict[str, Persona], setting: Setting, group_session: Session
) -> None:
    client.force_login(personas["facilitator"].user)
    student = setting.members[3]
    response = client.post(
        reverse("meetings:register_mark", args=[group_session.public_id, student.public_id]),
        {"mark": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="row-{student.public_id}"')
    assert Attendance.objects.get(student=student).mark == "present"
    bad = client.post(
        reverse("meetings:register_mark", args=[group_session.public_id, student.public_id]),
        {"mark": "asleep"},
    )
    assert bad.status_code == 400 and Attendance.objects.get(student=student).mark == "present"


def test_the_register_runs_a_fixed_number_of_queries(
    client: Client,
    personas: dict[str, Persona],
    setting: Setting,
    group_session: Session,
    django_assert_num_queries: Any,
    school_a: Any,
) -> None:
    from conftest import make_student
    from peersupport.programmes.services import group_add_member

    client.force_login(personas["facilitator"].user)
    url = reverse("meetings:register", args=[group_session.public_id])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    setting.group.max_size = 30
    setting.group.save()
    for _ in range(12):
        group_add_member(
            actor=personas["coordinator"].user,
            group=setting.group,
            student=make_student(school_a),
            joined_on=D(2026, 9, 1),
        )
    for student in setting.members:
        attendance_mark(
            actor=personas["facilitator"].user,
            session=group_session,
            student=student,
            mark="present",
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["rows"]) == 20
    assert len(large.captured_queries) == len(small.captured_queries)


def test_i_need_help_goes_straight_to_the_facilitator(
    personas: dict[str, Persona],
    setting: Setting,
    group_session: Session,
    mentoring_session: Session,
) -> None:
    session_log_write(
        actor=personas["facilitator"].user,
        session=group_session,
        how_it_went="hard",
        needs_help=True,
        topics=["friendships"],
    )
    assert Task.objects.get(kind=TaskKind.NEEDS_HELP).assigned_to == personas["facilitator"].user
    session_log_write(
        actor=personas["mentor"].user, session=mentoring_session, how_it_went="ok", needs_help=True
    )
    assert (
        Task.objects.filter(
            kind=TaskKind.NEEDS_HELP, assigned_to=personas["coordinator"].user
        ).count()
        == 1
    )
