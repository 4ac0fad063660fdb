"""The DSL's safeguarding pages in Debian's Chromium: the list, the record and the
student's file pass axe-core, and a DSL acknowledges a concern and adds entries,
a correction among them, with the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import Persona
from peersupport.concerns.models import SafeguardingEntry
from peersupport.concerns.tests.safeguarding_setup import raise_safeguarding
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dsl_acknowledges_and_keeps_the_record_by_keyboard(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    student_a: Any,
) -> None:
    concern = raise_safeguarding(personas["mentor"], [student_a])
    record = reverse("concerns:safeguarding_detail", kwargs={"public_id": concern.public_id})
    signed_in(page, live_server, personas["dsl"])

    page.goto(reverse("concerns:safeguarding_list"))
    expect(page.get_by_role("heading", name="Safeguarding concerns", level=1)).to_be_visible()
    expect(page.get_by_text("Waiting").first).to_be_visible()
    assert_accessible(axe, page)

    page.get_by_role("link", name=concern.created_at.strftime("%-d %b %Y")).first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{record}")
    expect(page.get_by_role("heading", name="Safeguarding record", level=1)).to_be_visible()
    assert_accessible(axe, page)

    page.get_by_role("button", name="Acknowledge: I have received this").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Acknowledged by Dsl")).to_be_visible()
    assert_accessible(axe, page)

    page.get_by_label("What kind of entry is this?").select_option("action")
    text = page.get_by_label("What was seen or said, done or decided")
    text.focus()
    page.keyboard.type("Phoned children's social care on Monday.")
    page.get_by_role("button", name="Add to the record").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The entry is added to the record.")).to_be_visible()
    first = SafeguardingEntry.objects.get()

    page.get_by_label("What kind of entry is this?").select_option("correction")
    page.get_by_label("The entry it corrects (for a correction)").select_option(
        str(first.public_id)
    )
    page.get_by_label("What was seen or said, done or decided").fill("It was Tuesday.")
    page.get_by_role("button", name="Add to the record").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("This corrects")).to_be_visible()
    expect(page.get_by_role("link", name="entry 1")).to_have_count(1)
    expect(page.get_by_role("link", name="entry 2")).to_have_count(1)
    assert SafeguardingEntry.objects.count() == 2
    assert_accessible(axe, page)

    page.get_by_role("link", name=student_a.display_name).first.focus()
    page.keyboard.press("Enter")
    file = reverse("concerns:safeguarding_student", kwargs={"public_id": student_a.public_id})
    page.wait_for_url(f"**{file}")
    expect(
        page.get_by_role("heading", name=f"Safeguarding file: {student_a.display_name}")
    ).to_be_visible()
    assert_accessible(axe, page)
    expect(page.get_by_role("link", name="Download the safeguarding file (PDF)")).to_have_count(1)
    expect(page.locator(f'a[href="{record}"]')).to_have_count(1)
