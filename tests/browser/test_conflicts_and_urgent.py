"""In the browser: a coordinator works a conflict record with the keyboard, and a
DSL reviews urgent words with the keyboard. Every page on the way is axe-clean.
(Named test_conflicts_* so it sits with the conflict tests; the browser fixtures
come from tests/browser.)"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import Persona
from peersupport.concerns.models import ConflictStep, UrgentFlag
from peersupport.concerns.services import urgent_check
from peersupport.concerns.tests.test_conflicts import Setting, open_case, raise_conflict
from peersupport.concerns.tests.test_conflicts import setting as setting
from peersupport.programmes.models import KeepApart
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import tab_to
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_works_a_conflict_by_keyboard(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    setting: Setting,
) -> None:
    case = open_case(setting)
    waiting = raise_conflict(setting)
    signed_in(page, live_server, personas["coordinator"])

    page.goto(reverse("concerns:conflicts"))
    expect(page.get_by_role("heading", name="Unresolved")).to_be_visible()
    assert_accessible(axe, page)
    page.goto(reverse("concerns:conflict_open", kwargs={"public_id": waiting.public_id}))
    expect(page.get_by_role("heading", name="Open a conflict record")).to_be_visible()
    assert_accessible(axe, page)

    page.goto(reverse("concerns:conflict_detail", kwargs={"public_id": case.public_id}))
    expect(page.get_by_role("heading", name="Next: preparation conversation")).to_be_visible()
    assert_accessible(axe, page)
    # The date is typed in by the browser's own date control; the rest by keyboard.
    page.get_by_label("Date it happened").fill(datetime.date.today().isoformat())
    tab_to(page, page.get_by_label("Who the conversation was with"))
    page.keyboard.type("Ada")
    chosen = page.get_by_label("Who the conversation was with").locator("option:checked")
    expect(chosen).to_have_text(setting.ada.display_name)
    tab_to(page, page.get_by_role("button", name="Record the preparation conversation"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Preparation conversation recorded.")).to_be_visible()
    assert case.steps.get(kind=ConflictStep.Kind.PREPARATION).student == setting.ada
    assert_accessible(axe, page)

    tab_to(page, page.get_by_role("button", name="Keep them apart while this is resolved"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("groups and matching will not put them together")).to_be_visible()
    assert KeepApart.objects.filter(ended_at__isnull=True).count() == 1
    page.get_by_text("Add an account").click()  # open the <details>
    expect(page.get_by_label("Whose account")).to_be_visible()
    assert_accessible(axe, page)


def test_a_dsl_reviews_urgent_words_by_keyboard(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
) -> None:
    flag = urgent_check(
        school=personas["dsl"].school,
        text="this homework is killing me",
        source_type="check_in",
        source_public_id=uuid.uuid4(),
    )
    assert flag is not None
    signed_in(page, live_server, personas["dsl"])
    page.goto(reverse("concerns:urgent_flags"))
    expect(page.get_by_role("heading", name="Urgent words", exact=True)).to_be_visible()
    assert_accessible(axe, page)
    tab_to(page, page.get_by_role("link", name=flag.created_at.strftime("%-d %b %Y")).first)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('concerns:urgent_flag', kwargs={'public_id': flag.public_id})}")
    expect(page.get_by_role("heading", name="Urgent words to review")).to_be_visible()
    assert_accessible(axe, page)
    tab_to(page, page.get_by_label("What you did, or why no action is needed"))
    page.keyboard.type("A figure of speech about homework.")
    tab_to(page, page.get_by_role("button", name="Mark as reviewed"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Marked as reviewed.")).to_be_visible()
    flag.refresh_from_db()
    assert flag.review_note == "A figure of speech about homework."
    assert UrgentFlag.objects.filter(reviewed_at__isnull=True).count() == 0
    assert_accessible(axe, page)
    page.goto(reverse("concerns:urgent_phrases"))
    expect(page.get_by_role("heading", name="Urgent-words list")).to_be_visible()
    assert_accessible(axe, page)
