"""The daily job: at-risk follow-ups, overdue staff contact, the e-mail; idempotent.
And the at-risk list and the programme page run a fixed number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.meetings.models import Session
from peersupport.meetings.services import attendance_mark, series_create, staff_contact_record
from peersupport.meetings.tests.conftest import Setting
from peersupport.programmes.services import group_add_member
from peersupport.tasks.models import Task, TaskKind

D = datetime.date
TODAY = D(2026, 10, 21)  # a Wednesday, seven weeks into the autumn term


def hold_term(personas: dict[str, Persona], setting: Setting, drifting: int = 2) -> None:
    """Weekly Tuesday sessions; everyone attends, except ``drifting`` students who
    stop coming after the first four weeks."""
    coordinator = personas["coordinator"].user
    series_create(
        actor=coordinator,
        group=setting.group,
        first_date=D(2026, 9, 8),
        until_date=D(2026, 10, 20),
        start_time=datetime.time(12, 30),
    )
    for session in Session.objects.filter(group=setting.group).order_by("date"):
        for index, student in enumerate(setting.members):
            late_in_term = session.date > D(2026, 9, 29)
            mark = "absent" if index < drifting and late_in_term else "present"
            attendance_mark(actor=coordinator, session=session, student=student, mark=mark)


def test_students_drifting_away_get_a_follow_up_task_with_the_reason(
    personas: dict[str, Persona], setting: Setting, django_capture_on_commit_callbacks: Any
) -> None:
    hold_term(personas, setting)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_daily", "--date", TODAY.isoformat())
    tasks = Task.objects.filter(kind=TaskKind.AT_RISK)
    assert tasks.count() == 2
    assert {t.assigned_to for t in tasks} == {personas["coordinator"].user}  # they accepted them
    client = Client()
    client.force_login(personas["coordinator"].user)
    with time_machine.travel(datetime.datetime(2026, 10, 21, 9, 0, tzinfo=datetime.UTC)):
        page = client.get(reverse("meetings:at_risk"))
    flagged = page.context["flagged"]
    assert sorted(s.student_name.split()[0] for s in flagged) == ["Member0", "Member1"]
    assert all(s.result.status == "at_risk" for s in flagged)
    assert b"missed the last 3 sessions" in page.content


def test_the_daily_job_is_idempotent(
    personas: dict[str, Persona], setting: Setting, django_capture_on_commit_callbacks: Any
) -> None:
    hold_term(personas, setting)
    series_create(
        actor=personas["coordinator"].user,
        group=setting.group,
        first_date=TODAY,
        until_date=TODAY,
        start_time=datetime.time(15),
    )
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_daily", "--date", TODAY.isoformat())
    assert Task.objects.filter(kind=TaskKind.AT_RISK).count() == 2
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        {personas["coordinator"].user.email, personas["facilitator"].user.email}
    )
    for message in mail.outbox:
        assert "Member" not in message.body and "Group" not in message.body  # no names
    coordinator_mail = next(m for m in mail.outbox if m.to == [personas["coordinator"].user.email])
    assert "newly at risk of dropping out, waiting for your follow-up: 2" in coordinator_mail.body


def test_staff_contact_is_overdue_after_the_first_month(
    personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"].user
    mentee = setting.mentorship.mentee  # the mentorship started on 7 September
    staff_contact_record(
        actor=coordinator,
        student=mentee,
        contacted_on=D(2026, 9, 10),
        mentorship=setting.mentorship,
    )
    call_command("run_daily", "--date", "2026-10-07")  # day 30: not yet
    assert not Task.objects.filter(kind=TaskKind.CONTACT_DUE).exists()
    call_command("run_daily", "--date", "2026-10-08")
    titles = sorted(Task.objects.filter(kind=TaskKind.CONTACT_DUE).values_list("title", flat=True))
    assert titles == [
        "Check in with a mentee: 1 of 2 check-ins in the first month",
        "Check in with a mentor: 0 of 2 check-ins in the first month",
    ]


def test_the_at_risk_list_and_programme_page_run_a_fixed_number_of_queries(
    personas: dict[str, Persona], setting: Setting, school_a: Any
) -> None:
    from peersupport.programmes.services import referral_accept, referral_create

    client = Client()
    client.force_login(personas["coordinator"].user)
    pages = [
        reverse("meetings:at_risk"),
        reverse("programmes:detail", args=[setting.programme.public_id]),
    ]

    def counts() -> list[int]:
        found = []
        for url in pages:
            client.get(url)  # a view after the registers changed refreshes the signals first
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            found.append(len(queries.captured_queries))
        return found

    with time_machine.travel(datetime.datetime(2026, 10, 21, 9, 0, tzinfo=datetime.UTC)):
        hold_term(personas, setting)
        before = counts()
        setting.group.max_size = 40
        setting.group.save()
        sessions = list(Session.objects.filter(group=setting.group).order_by("date"))
        for _ in range(15):
            student = make_student(school_a)
            referral = referral_create(
                actor=personas["coordinator"].user,
                programme=setting.programme,
                student=student,
                source="staff",
                need_areas=["anxiety"],
            )
            referral_accept(
                actor=personas["coordinator"].user, referral=referral, started_on=D(2026, 9, 1)
            )
            group_add_member(
                actor=personas["coordinator"].user,
                group=setting.group,
                student=student,
                joined_on=D(2026, 9, 1),
            )
            for session in sessions:
                attendance_mark(
                    actor=personas["coordinator"].user,
                    session=session,
                    student=student,
                    mark="absent",
                )
        flagged = client.get(pages[0]).context["page"].paginator.count
        after = counts()
    assert flagged == 17
    assert after == before


def test_the_participants_page_shows_everyone_with_engagement_in_fixed_queries(
    personas: dict[str, Persona], setting: Setting, school_a: Any
) -> None:
    client = Client()
    client.force_login(personas["coordinator"].user)
    url = reverse("meetings:participants", args=[setting.programme.public_id])
    with time_machine.travel(datetime.datetime(2026, 10, 21, 9, 0, tzinfo=datetime.UTC)):
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        hold_term(personas, setting)
        staff_contact_record(
            actor=personas["coordinator"].user,
            student=setting.members[0],
            contacted_on=D(2026, 10, 1),
        )
        client.get(url)  # refreshes the stored signals once
        with CaptureQueriesContext(connection) as many:
            page = client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
    signals = page.context["signals"]
    assert len(signals) == 8
    first = next(s for s in signals if s.student_public_id == setting.members[0].public_id)
    assert first.result.last_contact == D(2026, 10, 1)
    assert first.result.status == "at_risk"


def test_stored_signals_refresh_when_the_register_changes(
    personas: dict[str, Persona], setting: Setting
) -> None:
    """The at-risk list reads stored signals; a new mark makes them stale."""
    hold_term(personas, setting, drifting=0)
    client = Client()
    client.force_login(personas["coordinator"].user)
    moment = datetime.datetime(2026, 10, 21, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=True):
        assert client.get(reverse("meetings:at_risk")).context["flagged"] == []
        last = Session.objects.filter(group=setting.group).order_by("-date")
        for session in last[:2]:
            attendance_mark(
                actor=personas["coordinator"].user,
                session=session,
                student=setting.members[5],
                mark="absent",
            )
        flagged = client.get(reverse("meetings:at_risk")).context["flagged"]
    assert [s.student_public_id for s in flagged] == [setting.members[5].public_id]
    assert "missed the last 2 sessions" in flagged[0].result.reasons
