"""A student's and a mentor's own page: their sessions, their check-ins, their
mentees' first names, and the first-session fit check."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse

from conftest import Persona
from peersupport.meetings.models import CheckIn
from peersupport.meetings.services import attendance_mark, check_in_record, series_create
from peersupport.meetings.tests.conftest import Setting
from peersupport.tasks.models import Task, TaskKind

D = datetime.date
DAY = datetime.datetime(2026, 9, 10, 9, 0, tzinfo=datetime.UTC)


def link(setting: Setting, personas: dict[str, Persona]) -> None:
    mentee = setting.mentorship.mentee
    mentee.user = personas["student"].user
    mentee.save()


def test_the_mentee_checks_in_and_sees_only_their_own(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    link(setting, personas)
    check_in_record(
        actor=personas["coordinator"].user, student=setting.members[0], feeling=1, word="private"
    )
    client.force_login(personas["student"].user)
    assert client.get(reverse("home")).url == reverse("meetings:mine")
    response = client.post(reverse("meetings:mine"), {"feeling": "4", "word": "hopeful"})
    assert response.status_code == 302
    page = client.get(reverse("meetings:mine"))
    assert b"hopeful" in page.content and b"private" not in page.content
    assert CheckIn.objects.get(student=setting.mentorship.mentee).feeling == 4


def test_a_bad_check_in_changes_nothing(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    link(setting, personas)
    client.force_login(personas["student"].user)
    response = client.post(reverse("meetings:mine"), {"feeling": "9"})
    assert response.status_code == 200 and not CheckIn.objects.exists()


def test_after_the_first_session_both_are_asked_about_fit_and_no_opens_a_rematch(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    link(setting, personas)
    coordinator = personas["coordinator"].user
    series = series_create(
        actor=coordinator,
        mentorship=setting.mentorship,
        first_date=D(2026, 9, 9),
        until_date=D(2026, 9, 30),
        start_time=datetime.time(12, 30),
    )
    first = series.sessions.order_by("date").first()
    assert first is not None
    with time_machine.travel(DAY):
        client.force_login(personas["mentor"].user)
        before = client.get(reverse("meetings:mine"))
        assert before.context["page"].fit_checks_due == []
        assert [m.legal_forename for m in before.context["page"].mentees] == ["Tom"]
        attendance_mark(
            actor=personas["mentor"].user,
            session=first,
            student=setting.mentorship.mentor.student,
            mark="present",
        )
        attendance_mark(
            actor=personas["mentor"].user,
            session=first,
            student=setting.mentorship.mentee,
            mark="present",
        )
        page = client.get(reverse("meetings:mine"))
        assert b"Does it feel like a good fit?" in page.content
        assert len(page.context["page"].sessions) == 3  # the three still to come
        client.post(
            reverse("meetings:fit_check", args=[setting.mentorship.public_id]), {"answer": "yes"}
        )
        assert not client.get(reverse("meetings:mine")).context["page"].fit_checks_due
        mentee = Client()
        mentee.force_login(personas["student"].user)
        mentee.post(
            reverse("meetings:fit_check", args=[setting.mentorship.public_id]), {"answer": "no"}
        )
    assert (
        Task.objects.filter(
            kind=TaskKind.REMATCH, subject_public_id=setting.mentorship.public_id
        ).count()
        == 1
    )


def test_mentor_hours_are_totalled_from_sessions(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    series = series_create(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        first_date=D(2026, 9, 9),
        until_date=D(2026, 9, 23),
        start_time=datetime.time(12, 30),
        duration_minutes=45,
    )
    for session in series.sessions.all()[:2]:
        attendance_mark(
            actor=personas["mentor"].user,
            session=session,
            student=setting.mentorship.mentor.student,
            mark="present",
        )
    client.force_login(personas["mentor"].user)
    assert client.get(reverse("meetings:mine")).context["page"].mentor_hours == 1.5


def test_a_mentor_sees_no_check_ins_of_anyone(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    check_in_record(
        actor=personas["coordinator"].user,
        student=setting.mentorship.mentee,
        feeling=2,
        word="secretword",
    )
    client.force_login(personas["mentor"].user)
    for url in (reverse("meetings:mine"), reverse("meetings:list")):
        assert b"secretword" not in client.get(url).content
    session = series_create(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        first_date=D(2026, 9, 9),
        until_date=D(2026, 9, 9),
        start_time=datetime.time(12),
    ).sessions.get()
    register: Any = client.get(reverse("meetings:register", args=[session.public_id]))
    assert b"secretword" not in register.content and b"2 out of 5" not in register.content


def test_a_student_sees_what_happened_to_their_own_request(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    from peersupport.programmes.services import referral_create, referral_decline

    link(setting, personas)
    mentee = setting.mentorship.mentee
    referral = referral_create(
        actor=personas["student"].user,
        programme=setting.programme,
        student=mentee,
        source="self",
        need_areas=["friendships"],
    )
    client.force_login(personas["student"].user)
    assert b"we have got it" in client.get(reverse("meetings:mine")).content
    referral_decline(
        actor=personas["coordinator"].user,
        referral=referral,
        reason="The lunchtime group suits you better.",
    )
    assert b"The lunchtime group suits you better." in client.get(reverse("meetings:mine")).content


def test_the_group_page_shows_its_attendance(
    client: Client, personas: dict[str, Persona], setting: Setting
) -> None:
    session = series_create(
        actor=personas["coordinator"].user,
        group=setting.group,
        first_date=D(2026, 9, 8),
        until_date=D(2026, 9, 8),
        start_time=datetime.time(12),
    ).sessions.get()
    for index, student in enumerate(setting.members):
        attendance_mark(
            actor=personas["facilitator"].user,
            session=session,
            student=student,
            mark="present" if index < 6 else "absent",
        )
    client.force_login(personas["facilitator"].user)
    page = client.get(reverse("meetings:group", args=[setting.group.public_id]))
    assert page.context["attendance"].overall == 0.75
    assert b"75% since it started" in page.content
