"""The programme health dashboard: its figures against a small school built by hand,
what a DSL sees that a coordinator does not, a query count that does not grow with
the school, and its audited spreadsheet."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import Concern
from peersupport.concerns.services import concern_raise
from peersupport.meetings.models import Mark
from peersupport.meetings.services import attendance_mark, session_create
from peersupport.programmes.models import Enrolment, Group, Programme, Referral
from peersupport.programmes.services import (
    group_add_member,
    group_create,
    programme_create,
    referral_accept,
    referral_create,
)
from peersupport.reports.dashboard import Dashboard, dashboard_figures, suppressed
from peersupport.schools.models import School
from peersupport.students.models import Student

Login = Callable[[Persona], Client]
STARTS_ON = datetime.date(2025, 1, 6)  # a Monday
ENDS_ON = datetime.date(2025, 3, 28)
PERIOD = {"starts_on": STARTS_ON.isoformat(), "ends_on": ENDS_ON.isoformat()}


@dataclass
class Setting:
    school: School
    programme: Programme
    group: Group
    students: list[Student]


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def enrol(
    coordinator: Persona, programme: Programme, group: Group, referred_on: datetime.date
) -> Student:
    student = make_student(programme.school)
    referral = referral_create(
        actor=coordinator.user,
        programme=programme,
        student=student,
        source="staff",
        need_areas=["anxiety"],
    )
    referral_accept(actor=coordinator.user, referral=referral, started_on=STARTS_ON)
    # The referral was made and decided on the days the test says.
    Referral.objects.filter(pk=referral.pk).update(
        created_at=_at(referred_on), decided_at=_at(STARTS_ON)
    )
    group_add_member(actor=coordinator.user, group=group, student=student, joined_on=STARTS_ON)
    return student


def register(
    coordinator: Persona, group: Group, day: datetime.date, marks: dict[Student, str]
) -> None:
    session = session_create(
        actor=coordinator.user, group=group, date=day, start_time=datetime.time(12, 30)
    )
    for student, mark in marks.items():
        attendance_mark(actor=coordinator.user, session=session, student=student, mark=mark)


@pytest.fixture
def setting(personas: dict[str, Persona], school_a: School) -> Setting:
    """Four students referred 7, 5, 3 and 1 days before they started on 6 January
    2025, two weeks of registers, one student leaving after 4 weeks and one after 8,
    and one referral still waiting."""
    coordinator = personas["coordinator"]
    programme = programme_create(
        actor=coordinator.user, school=school_a, name="Peer support", kind="group", capacity=200
    )
    group = group_create(actor=coordinator.user, programme=programme, name="Lunch group")
    students = [
        enrol(coordinator, programme, group, STARTS_ON - datetime.timedelta(days=days))
        for days in (7, 5, 3, 1)
    ]
    a, b, c, d = students
    register(
        coordinator,
        group,
        STARTS_ON,
        {a: Mark.PRESENT, b: Mark.PRESENT, c: Mark.LATE, d: Mark.ABSENT},
    )
    register(
        coordinator,
        group,
        STARTS_ON + datetime.timedelta(weeks=1),
        {a: Mark.PRESENT, b: Mark.LATE, c: Mark.ABSENT, d: Mark.ABSENT_REASON},
    )
    Enrolment.objects.filter(student=d).update(ended_on=STARTS_ON + datetime.timedelta(weeks=4))
    Enrolment.objects.filter(student=c).update(ended_on=STARTS_ON + datetime.timedelta(weeks=8))
    waiting = referral_create(
        actor=coordinator.user,
        programme=programme,
        student=make_student(school_a),
        source="staff",
        need_areas=["anxiety"],
    )
    Referral.objects.filter(pk=waiting.pk).update(
        created_at=_at(STARTS_ON + datetime.timedelta(days=14))
    )
    return Setting(school_a, programme, group, students)


def figures_of(setting: Setting, *, with_safeguarding: bool = False) -> Dashboard:
    return dashboard_figures(
        school=setting.school,
        programmes=list(Programme.objects.filter(school=setting.school).order_by("name")),
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
        today=timezone.localdate(),
        with_safeguarding=with_safeguarding,
    )


def test_the_figures_match_a_school_built_by_hand(setting: Setting) -> None:
    figures = figures_of(setting)
    (programme,) = figures.programmes
    for one in (figures.school, programme):
        assert one.participants == 4
        assert one.new_referrals == 1
        assert one.waiting == 1
        assert one.median_wait_days == 4.0  # of 7, 5, 3 and 1 days
        assert one.attendance.part == 5
        assert one.attendance.whole == 8
        assert one.retention[6].percent == "75%"  # one left after 4 weeks
        assert one.retention[12].percent == "50%"  # and another after 8
    week_one, week_two = figures.attendance_by_week[None]
    assert week_one.week_of == STARTS_ON
    assert week_one.share.percent == "75%"
    assert week_two.week_of == STARTS_ON + datetime.timedelta(weeks=1)
    assert week_two.share.percent == "50%"
    assert programme.supervision_due is True


def _concern(personas: dict[str, Persona], school: School, kind: str, days_ago: int) -> None:
    concern = concern_raise(
        actor=personas["coordinator"].user if kind != "safeguarding" else personas["dsl"].user,
        school=school,
        kind=kind,
        text="Something to look into.",
    )
    if days_ago == 0:
        return  # a safeguarding record may not be changed, even by a test
    Concern.objects.filter(pk=concern.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )


def test_open_concerns_are_counted_by_kind_and_age(
    personas: dict[str, Persona], setting: Setting
) -> None:
    _concern(personas, setting.school, "wellbeing", 3)
    _concern(personas, setting.school, "wellbeing", 10)
    _concern(personas, setting.school, "boundary", 40)
    rows = {row.kind: row for row in figures_of(setting).concerns}
    assert rows["wellbeing"].open == 2
    assert rows["wellbeing"].by_age == [1, 1, 0]
    assert rows["boundary"].by_age == [0, 0, 1]
    assert rows["conflict"].open == 0


def test_the_dsl_sees_safeguarding_counts_and_the_coordinator_does_not(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    _concern(personas, setting.school, "safeguarding", 0)
    assert "safeguarding" not in {row.kind for row in figures_of(setting).concerns}
    coordinator_page = login(personas["coordinator"]).get(reverse("reports:dashboard"), PERIOD)
    assert coordinator_page.status_code == 200
    assert "Safeguarding: a child may be at risk" not in coordinator_page.content.decode()
    dsl_page = login(personas["dsl"]).get(reverse("reports:dashboard"), PERIOD)
    assert dsl_page.status_code == 200
    assert "Safeguarding: a child may be at risk" in dsl_page.content.decode()
    (row,) = [
        row
        for row in figures_of(setting, with_safeguarding=True).concerns
        if row.kind == "safeguarding"
    ]
    assert row.open == 1


def test_the_page_shows_the_weekly_attendance_as_a_chart_and_a_table(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    page = login(personas["coordinator"]).get(reverse("reports:dashboard"), PERIOD)
    text = page.content.decode()
    assert 'role="img"' in text
    assert "<caption>Attendance rate by week, whole school</caption>" in text
    assert reverse("meetings:at_risk") in text


def test_the_dashboard_runs_the_same_number_of_queries_for_a_school_ten_times_the_size(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("reports:dashboard"), PERIOD).status_code == 200
        return len(captured)

    few = queries()
    second = programme_create(
        actor=coordinator.user, school=setting.school, name="Mentoring", kind="group", capacity=200
    )
    # Ten times the students (four to forty) and the sessions (two to twenty).
    for number in range(5):
        group = group_create(actor=coordinator.user, programme=second, name=f"Group {number}")
        members = [enrol(coordinator, second, group, STARTS_ON) for _ in range(8 if number else 4)]
        for week in range(4):
            register(
                coordinator,
                group,
                STARTS_ON + datetime.timedelta(weeks=week, days=1),
                dict.fromkeys(members, Mark.PRESENT),
            )
    assert queries() == few


def test_the_spreadsheet_is_audited_and_suppresses_small_counts(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    response = login(personas["coordinator"]).get(reverse("reports:dashboard_csv"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    (whole,) = [row for row in rows if row and row[0] == "Whole school"]
    assert whole[1] == "Fewer than 5"  # four participants: never the number
    assert "4" not in whole[1:5]
    event = AuditEvent.objects.get(action="reports.dashboard_exported")
    assert event.actor == personas["coordinator"].user


@pytest.mark.parametrize(
    "query",
    [
        {"starts_on": "2025-03-28", "ends_on": "2025-01-06"},  # ends before it starts
        {"starts_on": "28th March"},  # not a date
        {"programme": "00000000-0000-0000-0000-000000000000"},  # not one of theirs
    ],
)
def test_a_bad_choice_gives_400_with_its_message_and_no_figures_nor_export(
    login: Login, personas: dict[str, Persona], setting: Setting, query: dict[str, str]
) -> None:
    client = login(personas["coordinator"])
    page = client.get(reverse("reports:dashboard"), query)
    assert page.status_code == 400
    text = page.content.decode()
    assert 'class="field-error"' in text
    assert "Whole school" not in text  # no figures, not the default period's either
    spreadsheet = client.get(reverse("reports:dashboard_csv"), query)
    assert spreadsheet.status_code == 400
    assert not spreadsheet["Content-Type"].startswith("text/csv")
    assert not AuditEvent.objects.filter(action="reports.dashboard_exported").exists()


def test_a_programme_not_in_the_list_is_refused_without_repeating_what_was_sent(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    client = login(personas["coordinator"])
    sent = {"programme": "<b>nonsense</b>"}
    spreadsheet = client.get(reverse("reports:dashboard_csv"), sent)
    assert spreadsheet.status_code == 400
    assert spreadsheet.content.decode() == "Choose one of the programmes in the list."
    page = client.get(reverse("reports:dashboard"), sent)
    assert "Choose one of the programmes in the list." in page.content.decode()
    assert "nonsense" not in page.content.decode().split("<form")[1].split("</select>")[0]


def test_a_programme_id_in_capitals_is_the_same_programme(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    client = login(personas["coordinator"])
    programme = Programme.objects.get(school=setting.school)
    page = client.get(reverse("reports:dashboard"), {"programme": str(programme.public_id).upper()})
    assert page.status_code == 200
    assert f'<option value="{programme.public_id}" selected>' in page.content.decode()


@pytest.mark.parametrize("role", ["facilitator", "viewer", "mentor", "student", "partner"])
def test_only_coordinators_and_dsls_reach_the_dashboard_and_its_spreadsheet(
    login: Login, personas: dict[str, Persona], role: str
) -> None:
    client = login(personas[role])
    assert client.get(reverse("reports:dashboard")).status_code == 403
    assert client.get(reverse("reports:dashboard_csv")).status_code == 403
    assert not AuditEvent.objects.filter(action="reports.dashboard_exported").exists()


def test_a_count_below_the_threshold_is_never_shown_as_a_number() -> None:
    assert suppressed(4) == "Fewer than 5"
    assert suppressed(0) == "0"
    assert suppressed(5) == "5"
