"""The demo school: built through the services, one user per role, same seed same
school, and a plausible roll."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from peersupport.accounts.models import Membership, Role
from peersupport.demo.roll import demo_roll_csv
from peersupport.schools.models import School, Term
from peersupport.students.importing import parse_mis_csv
from peersupport.students.models import Student


def test_same_seed_same_roll_and_another_seed_another() -> None:
    today = datetime.date(2026, 11, 25)
    first = demo_roll_csv(seed=7, students=300, establishment="4001", today=today)
    assert first == demo_roll_csv(seed=7, students=300, establishment="4001", today=today)
    assert first != demo_roll_csv(seed=8, students=300, establishment="4001", today=today)


def test_the_generated_roll_is_valid_and_plausible() -> None:
    parsed = parse_mis_csv(demo_roll_csv(seed=1, students=1200, establishment="4001"))
    assert parsed.ok and len(parsed.rows) == 1200
    share = lambda key, value: sum(r[key] == value for r in parsed.rows) / 1200  # noqa: E731
    assert {r["year_group"] for r in parsed.rows} == {7, 8, 9, 10, 11}
    assert 0.18 < share("fsm", True) < 0.32
    assert 0.005 < share("sen_status", "E") < 0.05
    assert 0.08 < share("sen_status", "K") < 0.2
    assert any(r["sen_primary_need"] == "SEMH" for r in parsed.rows)
    assert 0.5 < share("ethnicity", "WBRI") < 0.75


def test_seed_demo_refuses_outside_demo_mode(db: None, settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE=1"):
        call_command("seed_demo")
    assert not School.objects.exists()


def test_seed_demo_builds_two_schools_and_a_user_in_each_role(
    db: None, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", "--students", "100", "--seed", "3")
    main, second = School.objects.order_by("urn")
    assert Student.objects.filter(school=main).count() == 100
    assert Student.objects.filter(school=second).count() == 10
    roles = set(Membership.objects.filter(school=main).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Term.objects.filter(school=main).count() == 3
    output = capsys.readouterr().out
    assert "coordinator@northgate.example" in output and "demo-peer-support-2026" in output
    with pytest.raises(CommandError, match="already has schools"):
        call_command("seed_demo")
    call_command("seed_demo", "--if-empty")  # make demo's second run: a no-op
    assert School.objects.count() == 2
