"""Matching in a real browser: a coordinator signs in with a password and a code,
opens a match run, runs the match, locks a pair by keyboard (both by htmx), runs it
again keeping the lock, and publishes; the run page with a result passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import PASSWORD, Persona
from peersupport.matching.models import MatchPin, MatchRun
from peersupport.matching.tests.conftest import active_mentor, slot_named, waiting_mentee
from peersupport.programmes.models import Mentorship, Programme
from peersupport.programmes.services import programme_create
from peersupport.schools.models import TimetableSlot
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import tab_to
from tests.browser.test_browser import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_runs_locks_reruns_and_publishes_a_match(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    slots = list(TimetableSlot.objects.filter(school=school))
    mon, wed = slot_named(slots, "Mon lunch"), slot_named(slots, "Wed lunch")
    programme = programme_create(
        actor=coordinator.user,
        school=school,
        name="Year 7 buddies",
        kind=Programme.Kind.ONE_TO_ONE,
        capacity=20,
    )
    zara = active_mentor(
        coordinator, school, name="Zara", year=10, slots=[wed], interests=("drawing",)
    )
    yusuf = active_mentor(
        coordinator, school, name="Yusuf", year=11, slots=[mon], languages=("Polish",), gender="M"
    )
    ana = waiting_mentee(
        coordinator, programme, name="Ana", year=7, slots=[wed], interests=("drawing",)
    )
    ben = waiting_mentee(
        coordinator, programme, name="Ben", year=7, slots=[mon], languages=("Polish",), gender="M"
    )

    # Sign in with the password and a code from the authenticator.
    page.goto(reverse("account_login"))
    page.get_by_label("E-mail").fill(coordinator.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/2fa/authenticate/**")
    assert coordinator.totp_secret
    page.get_by_label("Code").fill(totp_now(coordinator.totp_secret))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Northgate Academy").wait_for()

    page.goto(reverse("programmes:detail", args=[programme.public_id]))
    page.get_by_role("link", name="Match mentors and mentees").click()
    page.get_by_role("heading", name="Matching mentors and mentees: Year 7 buddies").wait_for()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Open a match run").click()
    page.get_by_role("heading", name="Match run: Year 7 buddies").wait_for()
    run = MatchRun.objects.get(programme=programme)
    assert page.url.endswith(reverse("matching:run", args=[run.public_id]))
    assert page.title() == "Match run: Year 7 buddies – Peer support"
    results = page.locator("#results")
    assert "Not run yet." in results.inner_text()
    # "Finding the best pairs" is not there at all until the engine runs.
    assert page.locator("#solving").is_hidden()
    assert page.locator("#solving-status").text_content() == ""
    assert_accessible(axe, page)

    # Run the match: htmx replaces the results only, so the page stays where it is.
    # Keep what the status region says, to hear what a screen reader would.
    page.evaluate(
        """() => {
            window.stayedOnThePage = true;
            window.announced = [];
            const status = document.getElementById("solving-status");
            new MutationObserver(() => window.announced.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.get_by_role("button", name="Run the match").click()
    page.get_by_text("2 of 2 mentees matched", exact=True).wait_for()
    assert page.evaluate("() => window.stayedOnThePage") is True
    assert page.evaluate("() => window.announced")[0] == "Finding the best pairs…"
    page.wait_for_function("() => document.getElementById('solving-status').textContent === ''")
    assert page.locator("#solving").is_hidden()
    assert "Run 1 done: 2 of 2 mentees matched." in results.inner_text()
    ana_row = page.locator(f'#proposals tr[data-mentee="{ana.public_id}"]')
    assert "Zara Mentor" in ana_row.inner_text()
    assert "share 1 interest: drawing" in ana_row.inner_text()
    assert_accessible(axe, page)

    # Lock Ana with Zara by keyboard alone.
    lock = page.get_by_role("button", name="Lock Ana Mentee with Zara Mentor")
    tab_to(page, lock)
    page.keyboard.press("Enter")
    page.get_by_text(
        "Something changed since this run: a lock, a rejection, a weight or a mentee's preferences."
    ).wait_for()
    assert page.evaluate("() => window.stayedOnThePage") is True
    assert "Ana Mentee with Zara Mentor: locked." in results.inner_text()
    assert page.get_by_role("button", name="Lock Ana Mentee with Zara Mentor").count() == 0
    # The pressed button is gone: focus moves to the result's heading, not the page top.
    page.wait_for_function("() => document.activeElement.id === 'results-heading'")
    assert MatchPin.objects.filter(
        run=run, mentee=ana, mentor=zara, kind=MatchPin.Kind.LOCK
    ).exists()
    assert_accessible(axe, page)

    # Run it again: the lock is kept and marked, and the warning has gone.
    page.get_by_role("button", name="Run the match again").click()
    page.get_by_text("Run 2 done: 2 of 2 mentees matched.").wait_for()
    assert "Something changed since this run" not in results.inner_text()
    ana_row = page.locator(f'#proposals tr[data-mentee="{ana.public_id}"]')
    assert "Zara Mentor" in ana_row.inner_text()
    assert ana_row.locator(".badge", has_text="Locked").count() == 1
    assert "kept as the coordinator locked it" in ana_row.inner_text()
    ben_row = page.locator(f'#proposals tr[data-mentee="{ben.public_id}"]')
    assert ben_row.locator(".badge").count() == 0
    assert page.get_by_role("link", name="Run 1").count() == 1
    assert_accessible(axe, page)

    page.get_by_role("button", name="Publish 2 pairs").click()
    page.get_by_text("Published: 2 mentorships proposed.").wait_for()
    assert page.url.endswith(reverse("programmes:detail", args=[programme.public_id]))
    assert_accessible(axe, page)
    run.refresh_from_db()
    assert run.status == MatchRun.Status.PUBLISHED
    pairs = {
        (m.mentee_id, m.mentor_id, m.status) for m in Mentorship.objects.filter(programme=programme)
    }
    assert pairs == {
        (ana.pk, zara.pk, Mentorship.Status.PROPOSED),
        (ben.pk, yusuf.pk, Mentorship.Status.PROPOSED),
    }

    # The published run is kept as it was: its result and fairness, not today's lists.
    page.goto(reverse("matching:run", args=[run.public_id]))
    page.get_by_text("published this run on", exact=False).wait_for()
    assert page.get_by_role("heading", name="Waiting for a mentor").count() == 0
    assert "Zara Mentor" in page.locator("#proposals").inner_text()
    assert_accessible(axe, page)
