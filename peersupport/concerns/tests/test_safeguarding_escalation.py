"""A safeguarding concern nobody acknowledges in time escalates, once, counted in
school hours; acknowledgement stops it. Time travel with time-machine."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from conftest import Persona, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import Concern, ConcernSettings
from peersupport.concerns.services import safeguarding_acknowledge, safeguarding_escalate_due
from peersupport.concerns.tests.safeguarding_setup import raise_safeguarding
from peersupport.lib.school_hours import add_school_minutes

LONDON = ZoneInfo("Europe/London")
# Monday 2 March 2026 (before the clocks go forward).
MONDAY = datetime.date(2026, 3, 2)
STARTS, ENDS = datetime.time(8, 30), datetime.time(16, 0)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        (at(day(0), 10, 0), at(day(0), 10, 30)),  # within the day
        (at(day(0), 15, 50), at(day(1), 8, 50)),  # 10 minutes today, 20 tomorrow
        (at(day(0), 19, 0), at(day(1), 9, 0)),  # evening: counting starts at 08:30
        (at(day(0), 7, 0), at(day(0), 9, 0)),  # before school: from 08:30
        (at(day(4), 15, 50), at(day(7), 8, 50)),  # Friday afternoon: Monday morning
        (at(day(5), 11, 0), at(day(7), 9, 0)),  # Saturday: Monday
        (at(day(0), 16, 0), at(day(1), 9, 0)),  # at the bell: nothing left today
    ],
)
def test_minutes_are_counted_in_school_hours(
    raised: datetime.datetime, due: datetime.datetime
) -> None:
    assert add_school_minutes(raised, 30, STARTS, ENDS) == due


def test_a_long_allowance_runs_over_several_school_days() -> None:
    # A whole school day (08:30 to 16:00) is 450 minutes: 460 from Friday 15:50 are
    # 10 on Friday and all of Monday, ending at Monday's bell.
    assert add_school_minutes(at(day(4), 15, 50), 460, STARTS, ENDS) == at(day(7), 16, 0)


def test_a_school_day_that_ends_before_it_starts_counts_clock_minutes() -> None:
    raised = at(day(5), 11, 0)
    assert add_school_minutes(raised, 30, ENDS, STARTS) == at(day(5), 11, 30)


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_school_minutes(at(day(0), 10), -1, STARTS, ENDS)


def raised_at(moment: datetime.datetime, raiser: Persona, student: Any) -> Concern:
    with time_machine.travel(moment, tick=False):
        return raise_safeguarding(raiser, [student])


def escalate_at(moment: datetime.datetime, concern: Concern) -> list[Concern]:
    with time_machine.travel(moment, tick=False):
        return safeguarding_escalate_due(school=concern.school)


def test_no_escalation_before_the_time_and_one_after_it(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    concern = raised_at(at(day(0), 10, 0), personas["facilitator"], student_a)
    assert escalate_at(at(day(0), 10, 29), concern) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_at(at(day(0), 10, 30), concern) == [concern]
    concern.refresh_from_db()
    assert concern.escalated_at == at(day(0), 10, 30)
    # No deputy or head teacher named: every DSL is told again, with ESCALATED.
    assert concern.escalated_to is None
    escalation = [m for m in mailoutbox if m.subject.startswith("ESCALATED")]
    assert [m.to for m in escalation] == [["dsl@northgate.example"]]
    assert "Ada" not in escalation[0].body
    assert str(concern.public_id) in escalation[0].body
    event = AuditEvent.objects.get(action="safeguarding.escalated")
    assert event.object_public_id == concern.public_id
    assert "every DSL" in event.detail


def test_minutes_outside_school_hours_do_not_count(
    personas: dict[str, Persona], student_a: Any
) -> None:
    concern = raised_at(at(day(0), 15, 50), personas["facilitator"], student_a)
    # An hour and more on the clock, but only ten minutes of school time.
    assert escalate_at(at(day(0), 17, 0), concern) == []
    assert escalate_at(at(day(1), 8, 49), concern) == []
    assert escalate_at(at(day(1), 8, 50), concern) == [concern]


def test_the_weekend_does_not_count(personas: dict[str, Persona], student_a: Any) -> None:
    concern = raised_at(at(day(4), 15, 50), personas["facilitator"], student_a)
    assert escalate_at(at(day(6), 12, 0), concern) == []
    assert escalate_at(at(day(7), 8, 50), concern) == [concern]


def test_acknowledgement_stops_the_escalation(personas: dict[str, Persona], student_a: Any) -> None:
    concern = raised_at(at(day(0), 10, 0), personas["facilitator"], student_a)
    with time_machine.travel(at(day(0), 10, 20), tick=False):
        safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    assert escalate_at(at(day(2), 12, 0), concern) == []
    concern.refresh_from_db()
    assert concern.escalated_at is None
    assert not AuditEvent.objects.filter(action="safeguarding.escalated").exists()


def test_a_concern_escalates_only_once(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    concern = raised_at(at(day(0), 10, 0), personas["facilitator"], student_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_at(at(day(0), 10, 45), concern) == [concern]
        assert escalate_at(at(day(0), 11, 45), concern) == []
        assert escalate_at(at(day(3), 11, 45), concern) == []
    assert len([m for m in mailoutbox if m.subject.startswith("ESCALATED")]) == 1
    assert AuditEvent.objects.filter(action="safeguarding.escalated").count() == 1


def test_it_goes_to_the_named_deputy_or_head_teacher_first_and_the_dsls_again(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    school = personas["dsl"].school
    # The head teacher holds the DSL role too, so that the link lets them in.
    head = make_user("head@northgate.example", "Head Teacher", school, Role.DSL, True)
    ConcernSettings.objects.create(
        school=school, escalate_to=head.user, acknowledge_within_minutes=15
    )
    concern = raised_at(at(day(0), 10, 0), personas["facilitator"], student_a)
    assert escalate_at(at(day(0), 10, 14), concern) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_at(at(day(0), 10, 15), concern) == [concern]
    concern.refresh_from_db()
    assert concern.escalated_to == head.user
    escalation = [m for m in mailoutbox if m.subject.startswith("ESCALATED")]
    assert [m.to for m in escalation] == [["head@northgate.example"], ["dsl@northgate.example"]]
    assert "Ada" not in escalation[0].body


def test_a_named_person_who_lost_the_dsl_role_is_passed_over_for_the_dsls(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    school = personas["dsl"].school
    head = make_user("head@northgate.example", "Head Teacher", school, Role.VIEWER, True)
    ConcernSettings.objects.create(school=school, escalate_to=head.user)
    concern = raised_at(at(day(0), 10, 0), personas["facilitator"], student_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_at(at(day(0), 10, 30), concern) == [concern]
    concern.refresh_from_db()
    assert concern.escalated_to is None
    escalation = [m for m in mailoutbox if m.subject.startswith("ESCALATED")]
    assert [m.to for m in escalation] == [["dsl@northgate.example"]]
    assert "every DSL (1)" in AuditEvent.objects.get(action="safeguarding.escalated").detail


def test_the_command_runs_it_for_every_school(
    personas: dict[str, Persona], student_a: Any, student_b: Any
) -> None:
    concern_a = raised_at(at(day(0), 10, 0), personas["facilitator"], student_a)
    outsider_dsl = make_user(
        "dsl@riverside.example", "River Dsl", personas["outsider"].school, Role.DSL, True
    )
    concern_b = raised_at(at(day(0), 10, 10), outsider_dsl, student_b)
    with time_machine.travel(at(day(0), 10, 35), tick=False):
        call_command("run_escalations")
    concern_a.refresh_from_db()
    concern_b.refresh_from_db()
    assert concern_a.escalated_at == at(day(0), 10, 35)
    assert concern_b.escalated_at is None  # five minutes still to go
    with time_machine.travel(at(day(0), 10, 40), tick=False):
        call_command("run_escalations")
    concern_b.refresh_from_db()
    assert concern_b.escalated_at == at(day(0), 10, 40)
