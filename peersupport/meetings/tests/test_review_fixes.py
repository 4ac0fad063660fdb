"""Regression tests for the faults a review found in running the programme."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.meetings.models import DailyDigest, EngagementSnapshot, StaffContact
from peersupport.meetings.selectors import engagement_signals, expected_attendees
from peersupport.meetings.services import (
    attendance_mark,
    engagement_refresh,
    series_create,
    session_cancel,
)
from peersupport.meetings.tests.conftest import Setting
from peersupport.meetings.tests.test_daily import TODAY, hold_term
from peersupport.programmes.models import GroupMember, Mentorship
from peersupport.programmes.services import (
    group_add_co_facilitator,
    group_add_member,
    group_create,
    keep_apart_record,
    mentor_set_status,
    mentorship_close,
    mentorship_propose,
    mentorship_start,
    programme_create,
    referral_accept,
    referral_create,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.tasks.models import Task, TaskKind

D = datetime.date


def mentoring_session(personas: dict[str, Persona], setting: Setting) -> Any:
    return series_create(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        first_date=D(2026, 9, 9),
        until_date=D(2026, 9, 9),
        start_time=datetime.time(12),
    ).sessions.get()


def test_a_mentor_loses_the_register_once_the_mentorship_closes(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    session = mentoring_session(personas, setting)
    client.force_login(personas["mentor"].user)
    url = reverse("meetings:register", args=[session.public_id])
    assert client.get(url).status_code == 200
    mentorship_close(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        reason="safeguarding",
        planned=False,
    )
    assert client.get(url).status_code == 404
    mark = reverse(
        "meetings:register_mark", args=[session.public_id, setting.mentorship.mentee.public_id]
    )
    assert client.post(mark, {"mark": "present"}).status_code == 404


def test_a_mentor_who_steps_down_loses_access_and_their_mentees_are_offered_a_new_match(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    session = mentoring_session(personas, setting)
    mentor_set_status(
        actor=personas["coordinator"].user, mentor=setting.mentorship.mentor, status="stepped_down"
    )
    setting.mentorship.refresh_from_db()
    assert setting.mentorship.status == Mentorship.Status.CLOSED
    assert setting.mentorship.close_reason == "mentor_stepped_down"
    assert Task.objects.filter(
        kind=TaskKind.REMATCH, subject_public_id=setting.mentorship.public_id
    ).exists()
    client.force_login(personas["mentor"].user)
    assert client.get(reverse("meetings:register", args=[session.public_id])).status_code == 404


def test_no_series_for_a_closed_mentorship(personas: dict[str, Persona], setting: Setting) -> None:
    mentorship_close(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        reason="goals_met",
        planned=True,
    )
    with pytest.raises(ValidationError, match="has started"):
        series_create(
            actor=personas["coordinator"].user,
            mentorship=setting.mentorship,
            first_date=D(2026, 9, 9),
            until_date=D(2026, 9, 30),
            start_time=datetime.time(12),
        )


def test_a_student_who_left_a_group_is_off_its_register_even_if_in_another(
    personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"].user
    leaver = setting.members[0]
    other = group_create(actor=coordinator, programme=setting.programme, name="Other group")
    group_add_member(actor=coordinator, group=other, student=leaver, joined_on=D(2026, 9, 1))
    GroupMember.objects.filter(group=setting.group, student=leaver).update(
        left_on=D(2026, 9, 20)
    )  # no leave service yet
    later = series_create(
        actor=coordinator,
        group=setting.group,
        first_date=D(2026, 9, 22),
        until_date=D(2026, 9, 22),
        start_time=datetime.time(12),
    ).sessions.get()
    assert leaver not in expected_attendees(later)
    with pytest.raises(ValidationError, match="not expected"):
        attendance_mark(actor=coordinator, session=later, student=leaver, mark="present")


def test_cancelling_a_session_makes_its_attendees_signals_stale(
    personas: dict[str, Persona], setting: Setting
) -> None:
    hold_term(personas, setting)
    engagement_refresh(school=setting.programme.school, today=TODAY)
    snapshot = EngagementSnapshot.objects.get(enrolment__student=setting.members[0])
    assert snapshot.changed_at is None
    last = setting.group.sessions.order_by("-date").first()
    session_cancel(actor=personas["coordinator"].user, session=last, reason="Trip")
    snapshot.refresh_from_db()
    assert snapshot.changed_at is not None and snapshot.changed_at > snapshot.computed_at


def test_the_mentorship_page_records_staff_check_ins(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    client.force_login(personas["coordinator"].user)
    url = reverse("programmes:mentorship_detail", args=[setting.mentorship.public_id])
    page = client.get(url)
    assert b'name="contacted_on"' in page.content and b'name="first_date"' in page.content
    client.post(
        reverse("meetings:contact_new", args=[setting.mentorship.public_id]),
        {"who": "mentee", "contacted_on": "2026-09-10", "how": "in_person"},
    )
    assert StaffContact.objects.get().student == setting.mentorship.mentee


def test_reading_the_keep_apart_list_is_audited(
    client: Client, personas: dict[str, Persona]
) -> None:
    client.force_login(personas["dsl"].user)
    client.get(reverse("programmes:keep_apart"))
    assert (
        AuditEvent.objects.filter(
            action="keep_apart.list_viewed", actor=personas["dsl"].user
        ).count()
        == 1
    )


def test_engagement_is_worked_out_per_programme(
    personas: dict[str, Persona], setting: Setting, school_a: Any
) -> None:
    coordinator = personas["coordinator"].user
    hold_term(personas, setting, drifting=0)  # every member attends the Tuesday group
    other = programme_create(
        actor=coordinator, school=school_a, name="Friday club", kind="group", capacity=10
    )
    club = group_create(actor=coordinator, programme=other, name="Friday club")
    student = setting.members[0]
    referral_accept(
        actor=coordinator,
        referral=referral_create(
            actor=coordinator,
            programme=other,
            student=student,
            source="staff",
            need_areas=["anxiety"],
        ),
        started_on=D(2026, 9, 1),
    )
    group_add_member(actor=coordinator, group=club, student=student, joined_on=D(2026, 9, 1))
    for session in series_create(
        actor=coordinator,
        group=club,
        first_date=D(2026, 9, 11),
        until_date=D(2026, 10, 16),
        start_time=datetime.time(15),
    ).sessions.all():
        attendance_mark(actor=coordinator, session=session, student=student, mark="absent")
    verdicts = {
        s.enrolment.programme.name: s.result.status
        for s in engagement_signals(school=school_a, today=TODAY)
        if s.student == student
    }
    assert verdicts == {"Lunch group": "on_track", "Friday club": "at_risk"}


def test_a_closed_follow_up_is_not_reopened_every_day(
    personas: dict[str, Persona], setting: Setting
) -> None:
    hold_term(personas, setting)
    call_command("run_daily", "--date", TODAY.isoformat())
    for task in Task.objects.filter(kind=TaskKind.AT_RISK):
        task.status = Task.Status.DONE
        task.save()
    call_command("run_daily", "--date", (TODAY + datetime.timedelta(days=1)).isoformat())
    assert Task.objects.filter(kind=TaskKind.AT_RISK, status=Task.Status.OPEN).count() == 0


def test_one_failed_e_mail_does_not_stop_the_others(
    personas: dict[str, Persona], setting: Setting
) -> None:
    hold_term(personas, setting)
    series_create(
        actor=personas["coordinator"].user,
        group=setting.group,
        first_date=TODAY,
        until_date=TODAY,
        start_time=datetime.time(15),
    )
    from django.core.mail import send_mail as real_send

    def flaky(subject: str, body: str, sender: str, to: list[str], **kw: Any) -> int:
        if to == [personas["facilitator"].user.email]:
            raise OSError("mail server down")
        return real_send(subject, body, sender, to, **kw)

    with mock.patch("peersupport.meetings.services.send_mail", side_effect=flaky):
        call_command("run_daily", "--date", TODAY.isoformat())
    assert [m.to for m in mail.outbox] == [[personas["coordinator"].user.email]]
    assert list(DailyDigest.objects.values_list("user__email", flat=True)) == [
        personas["coordinator"].user.email
    ]
    call_command("run_daily", "--date", TODAY.isoformat())  # the next run sends the missed one
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas["coordinator"].user.email, personas["facilitator"].user.email]
    )


def test_starting_a_pairing_checks_keep_apart_rules_recorded_since(
    personas: dict[str, Persona], setting: Setting, school_a: Any
) -> None:
    coordinator = personas["coordinator"].user
    mentor = make_active_mentor(personas["coordinator"], school_a, legal_forename="Zed")
    mentee = make_student(school_a)
    pairing = mentorship_propose(
        actor=coordinator, programme=setting.programme, mentor=mentor, mentee=mentee
    )
    keep_apart_record(actor=coordinator, first=mentee, second=mentor.student, reason="Since")
    with pytest.raises(ValidationError, match="kept apart"):
        mentorship_start(actor=coordinator, mentorship=pairing)


def test_co_facilitators_are_kept_apart_and_from_this_school(
    personas: dict[str, Persona], setting: Setting, school_a: Any, school_b: Any
) -> None:
    coordinator = personas["coordinator"]
    first = make_active_mentor(coordinator, school_a, legal_forename="One")
    second = make_active_mentor(coordinator, school_a, legal_forename="Two")
    group_add_co_facilitator(actor=coordinator.user, group=setting.group, mentor=first)
    keep_apart_record(
        actor=coordinator.user, first=first.student, second=second.student, reason="x"
    )
    with pytest.raises(ValidationError, match="kept apart"):
        group_add_co_facilitator(actor=coordinator.user, group=setting.group, mentor=second)
    with time_machine.travel(datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)):
        outsider_mentor = make_active_mentor(personas["outsider"], school_b, legal_forename="Far")
    with pytest.raises(ValidationError, match="this school"):
        group_add_co_facilitator(
            actor=coordinator.user, group=setting.group, mentor=outsider_mentor
        )
