"""The run page in words staff can act on: names, not the engine's ids, and a
fairness panel that flags a group matched less often beyond chance."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.matching.models import MatchRun, MatchSolve
from peersupport.matching.selectors import fairness
from peersupport.matching.services import run_open, run_solve
from peersupport.matching.tests.conftest import Cohort
from peersupport.programmes.models import Referral
from peersupport.programmes.services import programme_create

pytestmark = pytest.mark.django_db


def test_reasons_name_the_mentor_asked_for(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    ana, yusuf = cohort.mentees["ana"], cohort.mentors["yusuf"]
    # Ana asked for Yusuf; he has room for one, and Ben can only meet him, so
    # matching the most mentees gives Ana Zara instead.
    Referral.objects.filter(student=ana).update(preferred_mentor=yusuf)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    solve = run_solve(actor=coordinator.user, run=run)
    (anas,) = [p for p in solve.result["pairs"] if p["mentee"] == str(ana.public_id)]
    assert any(str(yusuf.public_id) in reason for reason in anas["reasons"])
    page = login(coordinator).get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert "asked for Yusuf Mentor" in page
    reasons = re.findall(r'<ul class="compact">(.*?)</ul>', page, flags=re.S)
    assert reasons and not any(str(yusuf.public_id) in r for r in reasons)


def test_the_fairness_panel_flags_a_group_matched_less_often_beyond_chance(
    personas: dict[str, Persona], school_a
) -> None:

    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator, school=school_a, name="P", kind="one_to_one", capacity=80
    )
    run = MatchRun.objects.create(school=school_a, programme=programme, opened_by=coordinator)
    # 20 pupil premium mentees of whom 2 matched; 20 others of whom 18 matched.
    pp = [make_student(school_a, pupil_premium=True) for _ in range(20)]
    other = [make_student(school_a, pupil_premium=False) for _ in range(20)]
    matched = pp[:2] + other[:18]
    solve = MatchSolve.objects.create(
        school=school_a,
        run=run,
        number=1,
        solved_by=coordinator,
        problem={"mentees": [{"id": str(s.public_id)} for s in pp + other]},
        result={"pairs": [{"mentee": str(s.public_id), "score": 3} for s in matched]},
        matched_count=20,
        total_score=60,
        optimal=True,
        seconds=0.01,
    )
    (panel,) = [p for p in fairness(solve) if p.heading == "Pupil premium"]
    rows = {row.label: row for row in panel.rows}
    assert rows["Pupil premium"].matched_less
    assert rows["Pupil premium"].p_value is not None and rows["Pupil premium"].p_value < 0.001
    assert not rows["Not pupil premium"].matched_less
    # With a small difference nothing is flagged.
    solve.result = {
        "pairs": [{"mentee": str(s.public_id), "score": 3} for s in pp[:9] + other[:11]]
    }
    (panel,) = [p for p in fairness(solve) if p.heading == "Pupil premium"]
    assert not any(row.matched_less for row in panel.rows)
