"""A student answers a questionnaire one question per screen with the keyboard alone
(skipping one), watching the progress move on, and sets and rates a goal by
keyboard. Every page type is axe-clean."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import Persona, make_student
from peersupport.wellbeing.models import Goal, Questionnaire
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import tab_to
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def me(personas: dict[str, Persona]) -> Any:
    record = make_student(personas["student"].school, legal_forename="Sam")
    record.user = personas["student"].user
    record.save()
    return record


def test_a_student_answers_a_questionnaire_by_keyboard(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona], me: Any
) -> None:
    questionnaire = Questionnaire.objects.create(
        school=me.school,
        student=me,
        instrument="session_feedback",
        occasion="pulse",
        due_on=datetime.date.today(),
    )
    signed_in(page, live_server, personas["student"])
    page.goto(reverse("meetings:mine"))
    assert_accessible(axe, page)
    tab_to(page, page.get_by_role("link", name=re.compile("Start: ")))
    page.keyboard.press("Enter")
    expect(page.locator("#wb-progress-label")).to_have_text("Question 1 of 4")
    assert_accessible(axe, page)
    # Question 1: into the choices, down to "A bit", then Next.
    tab_to(page, page.get_by_label("No", exact=True))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("A bit")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Next"))
    page.keyboard.press("Enter")
    expect(page.locator("#wb-progress-label")).to_have_text("Question 2 of 4")
    expect(page.locator("progress")).to_have_attribute("value", "2")
    # Question 2: skipped.
    tab_to(page, page.get_by_role("button", name="Skip this question"))
    page.keyboard.press("Enter")
    expect(page.locator("#wb-progress-label")).to_have_text("Question 3 of 4")
    for number in (3, 4):
        tab_to(page, page.get_by_label("No", exact=True))
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        tab_to(page, page.get_by_role("button", name="Next"))
        page.keyboard.press("Enter")
        if number == 3:
            expect(page.locator("#wb-progress-label")).to_have_text("Question 4 of 4")
    expect(page.get_by_role("heading", name="You got to the end")).to_be_visible()
    assert_accessible(axe, page)
    tab_to(page, page.get_by_role("button", name="Finish"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_accessible(axe, page)
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.DONE
    assert questionnaire.answers == {"listened": 2, "safe": None, "helpful": 3, "come_again": 3}


def test_a_student_sets_and_rates_a_goal_by_keyboard(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona], me: Any
) -> None:
    signed_in(page, live_server, personas["student"])
    page.goto(reverse("wellbeing:goals"))
    assert_accessible(axe, page)
    tab_to(page, page.get_by_label("My goal, in my own words"))
    page.keyboard.type("Talk to one new person each week")
    tab_to(page, page.get_by_label("0", exact=True))
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    tab_to(page, page.get_by_role("button", name="Save my goal"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your goal is saved.")).to_be_visible()
    assert_accessible(axe, page)
    goal = Goal.objects.get(student=me)
    assert goal.ratings.get().rating == 3
    tab_to(page, page.locator(f"#id_g{goal.pk}-rating_0"))
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    tab_to(page, page.get_by_role("button", name="Save my rating"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your rating is saved.")).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(1)
    assert_accessible(axe, page)
    assert goal.ratings.get().rating == 6
