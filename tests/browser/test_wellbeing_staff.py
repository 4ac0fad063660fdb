"""The staff pages of wellbeing with data on them (a programme's outcomes with its
subgroups and goals, a student's trajectory with its chart and table) are axe-clean."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import Persona
from peersupport.wellbeing.services import goal_rate, goal_set, questionnaire_record_paper
from peersupport.wellbeing.tests.test_staff_pages import (  # noqa: F401  (setting is a fixture)
    BASELINE_DAY,
    REVIEW_DAY,
    Setting,
    enrol,
    paper,
    setting,
)
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_outcomes_and_trajectory_pages_pass_axe(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
) -> None:
    coordinator = personas["coordinator"]
    students = [enrol(setting, coordinator, pupil_premium=n % 4 == 0) for n in range(8)]
    for n, student in enumerate(students):
        paper(coordinator, setting, student, "baseline", 16 + n, BASELINE_DAY)
        paper(coordinator, setting, student, "review", 18 + n + n % 3, REVIEW_DAY)
    first = students[0]
    questionnaire_record_paper(
        actor=coordinator.user,
        student=first,
        instrument="sdq_self",
        occasion="baseline",
        taken_on=BASELINE_DAY,
        totals={"emotional": 6, "conduct": 2, "hyperactivity": 5, "peer": 3, "prosocial": 7},
    )
    goal = goal_set(
        actor=coordinator.user,
        student=first,
        text="Talk to one new person at lunch",
        first_rating=3,
        programme=setting.programme,
        today=BASELINE_DAY,
    )
    goal_rate(actor=coordinator.user, goal=goal, rating=6, today=REVIEW_DAY)

    signed_in(page, live_server, coordinator)
    page.goto(
        reverse("wellbeing:staff_outcomes", kwargs={"public_id": setting.programme.public_id})
    )
    expect(page.get_by_role("heading", name="Outcomes: Peer support")).to_be_visible()
    expect(page.get_by_role("table", name="By pupil premium", exact=True)).to_be_visible()
    assert_accessible(axe, page)

    page.goto(reverse("wellbeing:staff_student_measures", kwargs={"public_id": first.public_id}))
    expect(page.get_by_role("img", name="SWEMWBS: SWEMWBS raw total", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Goals")).to_be_visible()
    assert_accessible(axe, page)
