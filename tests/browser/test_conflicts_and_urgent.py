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

from conftest import Persona
from peersupport.concerns.models import ConflictStep, UrgentFlag
from peersupport.concerns.services import urgent_check
from peersupport.concerns.tests.test_conflicts import Setting, open_case, raise_conflict
from peersupport.concerns.tests.test_conflicts import setting as setting
from peersupport.programmes.models import KeepApart
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Any, target: Any, most: int = 120) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


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
    page.get_by_role("heading", name="Unresolved").wait_for()
    assert_accessible(axe, page)
    page.goto(reverse("concerns:conflict_open", kwargs={"public_id": waiting.public_id}))
    page.get_by_role("heading", name="Open a conflict record").wait_for()
    assert_accessible(axe, page)

    page.goto(reverse("concerns:conflict_detail", kwargs={"public_id": case.public_id}))
    page.get_by_role("heading", name="Next: preparation conversation").wait_for()
    assert_accessible(axe, page)
    # The date is typed in by the browser's own date control; the rest by keyboard.
    page.get_by_label("Date it happened").fill(datetime.date.today().isoformat())
    tab_to(page, page.get_by_label("Who the conversation was with"))
    page.keyboard.type("Ada")
    tab_to(page, page.get_by_role("button", name="Record the preparation conversation"))
    page.keyboard.press("Enter")
    page.get_by_text("Preparation conversation recorded.").wait_for()
    assert case.steps.get(kind=ConflictStep.Kind.PREPARATION).student == setting.ada
    assert_accessible(axe, page)

    tab_to(page, page.get_by_role("button", name="Keep them apart while this is resolved"))
    page.keyboard.press("Enter")
    page.get_by_text("groups and matching will not put them together").wait_for()
    assert KeepApart.objects.filter(ended_at__isnull=True).count() == 1
    page.get_by_text("Add an account").click()  # open the <details>
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
    page.get_by_role("heading", name="Urgent words").wait_for()
    assert_accessible(axe, page)
    tab_to(page, page.get_by_role("link", name=flag.created_at.strftime("%-d %b %Y")).first)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Urgent words to review").wait_for()
    assert_accessible(axe, page)
    tab_to(page, page.get_by_label("What you did, or why no action is needed"))
    page.keyboard.type("A figure of speech about homework.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Marked as reviewed.").wait_for()
    flag.refresh_from_db()
    assert flag.review_note == "A figure of speech about homework."
    assert UrgentFlag.objects.filter(reviewed_at__isnull=True).count() == 0
    assert_accessible(axe, page)
    page.goto(reverse("concerns:urgent_phrases"))
    page.get_by_role("heading", name="Urgent-words list").wait_for()
    assert_accessible(axe, page)
