""" "Get help now" is one step away on every page a student or a peer mentor can
reach, can be reached by keyboard alone from the student's own page, and the help
page (and its management page) have no axe-core violations."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import Persona
from peersupport.partners.services import signpost_entry_add
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import tab_to
from tests.browser.test_browser import signed_in
from tests.test_authorization_matrix import MATRIX

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HELP_LINK = "Get help now"


def pages_for(who: str) -> list[str]:
    """Every page of ours (not allauth's) that takes no object and that the
    authorization matrix says this role is shown: their nav links and the rest."""
    return sorted(
        name
        for name, rule in MATRIX.items()
        if rule.method == "get"
        and rule.kwargs is None
        and rule.expected[who] == 200
        and ":" in name
        and not name.startswith(("account", "mfa"))
    )


def test_the_pages_to_visit_include_the_students_own_pages() -> None:
    assert {"meetings:mine", "wellbeing:goals", "partners:help"} <= set(pages_for("student"))
    assert {"meetings:mine", "meetings:list", "training:modules"} <= set(pages_for("mentor"))


@pytest.mark.parametrize("who", ["student", "mentor"])
def test_get_help_now_is_one_step_away_on_every_page(
    page: Any, live_server: Any, personas: dict[str, Persona], who: str
) -> None:
    signed_in(page, live_server, personas[who])
    help_url = reverse("partners:help")
    visited = []
    for name in pages_for(who):
        url = reverse(name)
        page.goto(url)
        link = page.get_by_role("navigation", name="Main").get_by_role("link", name=HELP_LINK)
        expect(link).to_have_attribute("href", help_url)
        visited.append(url)
    assert len(visited) >= 4
    page.goto(reverse("meetings:mine"))
    page.get_by_role("link", name=HELP_LINK).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("If you need help now")
    assert page.url.endswith(help_url)


def test_a_student_reaches_help_by_keyboard_and_the_page_is_accessible(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    signpost_entry_add(
        actor=coordinator.user,
        school=coordinator.school,
        kind="school",
        name="Pastoral office",
        what_for="Talk to someone when you feel worried.",
        phone="01234 567890",
        where="Room 12",
    )
    signed_in(page, live_server, personas["student"])
    page.goto(reverse("meetings:mine"))
    expect(page.get_by_role("link", name=HELP_LINK)).to_be_visible()
    tab_to(page, page.get_by_role("link", name=HELP_LINK))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("If you need help now")
    expect(page.get_by_role("link", name="Call Childline on 0800 1111")).to_have_attribute(
        "href", "tel:08001111"
    )
    expect(page.get_by_role("link", name="Call Pastoral office on 01234 567890")).to_be_visible()
    # A number we have not verified is never offered to a student.
    expect(page.get_by_role("link", name="Text 88247")).to_have_count(0)
    expect(page.get_by_text("YoungMinds")).to_have_count(0)
    expect(page.get_by_role("link", name=HELP_LINK)).to_have_attribute("aria-current", "page")
    assert_accessible(axe, page)


def test_the_management_page_is_accessible(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    signpost_entry_add(
        actor=coordinator.user,
        school=coordinator.school,
        kind="local",
        name="Youth hub",
        what_for="Meet other young people.",
        website="https://example.org/hub",
    )
    signed_in(page, live_server, coordinator)
    page.goto(reverse("partners:signposting_manage"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Help page entries")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Edit Youth hub").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Youth hub")
    assert_accessible(axe, page)
    page.goto(reverse("partners:signposting_manage"))
    page.get_by_role("button", name="Add to the help page").click()
    expect(page.get_by_text("Say what they help with, in plain words.")).to_be_visible()
    assert_accessible(axe, page)
