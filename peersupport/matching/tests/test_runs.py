"""Match runs in the application: opening, solving from the school's records,
locks, rejections, swaps, publishing, and who may see them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import Persona
from peersupport.matching.models import MatchPin, MatchRun
from peersupport.matching.services import pin_set, run_open, run_publish, run_solve, swap
from peersupport.matching.tests.conftest import Cohort
from peersupport.programmes.models import Mentorship
from peersupport.tasks.models import Task, TaskKind

pytestmark = pytest.mark.django_db


def test_a_solve_pairs_from_the_records_and_explains_the_rest(
    personas: dict[str, Persona], cohort: Cohort
) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    solve = run_solve(actor=coordinator, run=run)
    pairs = {p["mentee"]: p for p in solve.result["pairs"]}
    ana, ben, cal = (str(cohort.mentees[n].public_id) for n in ("ana", "ben", "cal"))
    assert pairs[ana]["mentor"] == str(cohort.mentors["zara"].public_id)
    assert "share 1 interest: drawing" in pairs[ana]["reasons"]
    assert pairs[ben]["mentor"] == str(cohort.mentors["yusuf"].public_id)
    assert "both speak Polish" in pairs[ben]["reasons"]
    assert "both free Mon lunch" in pairs[ben]["reasons"]
    (unmatched,) = solve.result["unmatched"]
    assert unmatched["mentee"] == cal
    assert unmatched["reasons"][0].startswith("no mentor with room shares a free time")
    assert solve.optimal and solve.matched_count == 2


def test_the_run_page_shows_the_result_to_a_coordinator(
    personas: dict[str, Persona], cohort: Cohort, login
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    response = client.post(reverse("matching:programme", args=[cohort.programme.public_id]))
    run = MatchRun.objects.get(programme=cohort.programme)
    assert response.status_code == 302
    response = client.post(reverse("matching:solve", args=[run.public_id]), follow=True)
    text = response.content.decode()
    assert "2 of 3 mentees matched" in text
    assert "Ana Mentee" in text and "Zara Mentor" in text
    assert "no mentor with room shares a free time" in text


def test_lock_reject_swap_and_publish(personas: dict[str, Persona], cohort: Cohort) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    run_solve(actor=coordinator, run=run)
    zara, yusuf = cohort.mentors["zara"], cohort.mentors["yusuf"]
    ana, ben = cohort.mentees["ana"], cohort.mentees["ben"]
    # Ben and Zara share no free time: the lock is refused with the rule named.
    with pytest.raises(ValidationError, match="share no free time"):
        pin_set(actor=coordinator, run=run, mentee=ben, mentor=zara, kind=MatchPin.Kind.LOCK)
    # Reject Ana with Zara: Ana then goes to Yusuf, and Ben is left out.
    pin_set(actor=coordinator, run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.REJECT)
    with pytest.raises(ValidationError, match="run it again"):
        run_publish(actor=coordinator, run=run)
    solve = run_solve(actor=coordinator, run=run)
    pairs = {p["mentee"]: p["mentor"] for p in solve.result["pairs"]}
    # Yusuf has room for one: Ben (Monday lunch and Polish, score 3) beats Ana
    # (Wednesday lunch only, score 1).
    assert pairs == {str(ben.public_id): str(yusuf.public_id)}
    (left_out,) = [u for u in solve.result["unmatched"] if u["mentee"] == str(ana.public_id)]
    assert (
        "the only mentor who meets every rule (year 11) is needed for another mentee"
        in (left_out["reasons"])
    )
    created = run_publish(actor=coordinator, run=run)
    assert [m.status for m in created] == [Mentorship.Status.PROPOSED]
    assert Task.objects.filter(kind=TaskKind.INTRODUCE, status="open").count() >= 1
    run.refresh_from_db()
    assert run.status == MatchRun.Status.PUBLISHED
    assert len(mail.outbox) == len({m.mentor_id for m in created if m.mentor.student.user})


def test_a_swap_that_breaks_a_rule_is_refused(personas: dict[str, Persona], cohort: Cohort) -> None:
    coordinator = personas["coordinator"].user
    run = run_open(actor=coordinator, programme=cohort.programme)
    run_solve(actor=coordinator, run=run)
    with pytest.raises(ValidationError, match="share no free time"):
        swap(
            actor=coordinator,
            run=run,
            first=cohort.mentees["ana"],
            second=cohort.mentees["ben"],
        )


@pytest.mark.parametrize("who", ["facilitator", "viewer", "mentor", "student", "partner"])
def test_only_coordinators_and_dsls_see_match_runs(
    personas: dict[str, Persona], cohort: Cohort, login, who: str
) -> None:
    run = run_open(actor=personas["coordinator"].user, programme=cohort.programme)
    client = login(personas[who])
    response = client.get(reverse("matching:run", args=[run.public_id]))
    assert response.status_code in (403, 404)
    assert "Zara" not in response.content.decode()
