"""The run page in words staff can act on: names, not the engine's ids, and a
fairness panel that flags a group matched less often beyond chance."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.matching.models import MatchPin, MatchRun, MatchSolve
from peersupport.matching.selectors import fairness
from peersupport.matching.services import (
    pin_set,
    run_discard,
    run_open,
    run_publish,
    run_solve,
)
from peersupport.matching.tests.conftest import Cohort, active_mentor, waiting_mentee
from peersupport.programmes.models import Referral
from peersupport.programmes.services import mentor_set_status, programme_create

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


def test_the_fairness_panel_says_in_plain_words_which_group_was_matched_less_often(
    personas: dict[str, Persona], school_a, login
) -> None:
    coordinator = personas["coordinator"]
    programme = programme_create(
        actor=coordinator.user, school=school_a, name="P", kind="one_to_one", capacity=80
    )
    run = MatchRun.objects.create(school=school_a, programme=programme, opened_by=coordinator.user)
    pp = [make_student(school_a, pupil_premium=True) for _ in range(20)]
    other = [make_student(school_a, pupil_premium=False) for _ in range(20)]
    matched = pp[:2] + other[:18]
    solve = MatchSolve.objects.create(
        school=school_a,
        run=run,
        number=1,
        solved_by=coordinator.user,
        problem={
            "settings": {"min_year_gap": 1, "weights": {}},
            "mentees": [{"id": str(s.public_id), "year": 7} for s in pp + other],
            "mentors": [],
        },
        result={
            "pairs": [
                {"mentee": str(s.public_id), "mentor": "", "score": 3, "reasons": []}
                for s in matched
            ],
            "unmatched": [],
        },
        matched_count=20,
        total_score=60,
        optimal=True,
        seconds=0.01,
    )
    page = login(coordinator).get(reverse("matching:solve_detail", args=[solve.public_id]))
    text = page.content.decode()
    assert text.count("Matched less often than others</span>") == 1
    assert "(p &lt; 0.001)" in text
    assert "by more than chance would explain (Fisher's exact test" in text
    assert "Mean score" not in text and "p below 0.05" not in text


# ---------------------------------------------------------------- closed runs


def test_a_published_run_shows_the_result_it_published_not_todays_records(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    ana, zara = cohort.mentees["ana"], cohort.mentors["zara"]
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    pin_set(actor=coordinator.user, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.LOCK)
    solve = run_solve(actor=coordinator.user, run=run)
    run_publish(actor=personas["dsl"].user, run=run, solve=solve)
    # Since then, Dev has started waiting for a mentor.
    waiting_mentee(coordinator, cohort.programme, name="Dev", year=7, slots=[cohort.slots["mon"]])
    text = login(coordinator).get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert "Dsl published this run on" in text
    assert "the pairs of run 1 below were proposed as mentorships" in text
    assert "run 1 was found when 3 mentees were waiting and 2 mentors could take one" in text
    assert "Locked: Ana Mentee with Zara Mentor" in text
    assert "Ben Mentee" in text and "Yusuf Mentor" in text  # the published pairs
    assert "no mentor with room shares a free time" in text  # Cal, as it was
    assert 'id="fairness-heading"' in text
    # Not today's records: not Dev, no waiting list, no mentors, no unused decisions.
    assert "Dev Mentee" not in text
    assert "Waiting for a mentor" not in text and "Mentors who can take a mentee" not in text
    assert "Not used" not in text and "Undo" not in text
    assert "<h3>Publish</h3>" not in text and "Run the match" not in text
    assert reverse("matching:publish", args=[run.public_id]) not in text


def test_a_set_aside_run_says_so_and_keeps_its_result(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    run_solve(actor=coordinator.user, run=run)
    run_discard(actor=coordinator.user, run=run)
    text = login(coordinator).get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert "Coordinator set this run aside on" in text and "without publishing it" in text
    assert "2 of 3 mentees matched" in text
    assert "Waiting for a mentor" not in text


# ---------------------------------------------------------------- publishing


def test_the_publish_button_is_hidden_until_the_match_is_run_again(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    run_solve(actor=coordinator.user, run=run)
    url = reverse("matching:run", args=[run.public_id])
    assert "Publish 2 pairs</button>" in client.get(url).content.decode()
    pin_set(
        actor=coordinator.user,
        run=run,
        mentee=cohort.mentees["ana"],
        mentor=cohort.mentors["zara"],
        kind=MatchPin.Kind.REJECT,
    )
    text = client.get(url).content.decode()
    assert "Publish 1 pair" not in text and "Publish 2 pairs" not in text
    assert "This result is out of date: run it again" in text
    run_solve(actor=coordinator.user, run=run)
    assert "Publish 1 pair</button>" in client.get(url).content.decode()


# ---------------------------------------------------------------- queries


def _page_queries(client, run: MatchRun) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("matching:run", args=[run.public_id]))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_run_page_queries_do_not_grow_with_the_number_of_pairs(
    personas: dict[str, Persona], cohort: Cohort, school_a, login
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    ana, ben, zara = cohort.mentees["ana"], cohort.mentees["ben"], cohort.mentors["zara"]
    pin_set(actor=coordinator.user, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.LOCK)
    pin_set(actor=coordinator.user, run=run, mentee=ben, mentor=zara, kind=MatchPin.Kind.REJECT)
    small = run_solve(actor=coordinator.user, run=run)
    run_solve(actor=coordinator.user, run=run)
    assert small.matched_count == 2
    few = _page_queries(client, run)
    # Ten more mentees and five more mentors (room for two each).
    slots = list(cohort.slots.values())
    for n in range(5):
        active_mentor(coordinator, school_a, name=f"Helper{n}", year=11, slots=slots, capacity=2)
    for n in range(10):
        waiting_mentee(coordinator, cohort.programme, name=f"Newcomer{n}", year=7, slots=slots)
    large = run_solve(actor=coordinator.user, run=run)
    assert large.matched_count == 12
    many = _page_queries(client, run)
    assert len(few) == len(many) == 25
    # The list of earlier runs reads none of their problems or results: only the
    # latest result is read whole.
    assert sum('"matching_matchsolve"."result"' in sql for sql in many) == 1


def test_a_mentor_asked_for_who_stepped_down_is_shown_as_not_part_of_the_match(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    ana, yusuf = cohort.mentees["ana"], cohort.mentors["yusuf"]
    Referral.objects.filter(student=ana).update(preferred_mentor=yusuf)
    run = run_open(actor=coordinator.user, programme=cohort.programme)
    client = login(coordinator)
    page = client.get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert "Yusuf Mentor" in page and "not a mentor now" not in page
    mentor_set_status(actor=coordinator.user, mentor=yusuf, status="stepped_down")
    page = client.get(reverse("matching:run", args=[run.public_id])).content.decode()
    assert 'Yusuf Mentor <span class="muted">(not a mentor now, so not part of this match)' in page
