"""A peer mentor passes on a worry from a session note with the keyboard alone; the
DSL sees it on the safeguarding list and acknowledges it; the mentor then sees who
received it, and never what they wrote. Every page on the way is axe-clean."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import Persona
from peersupport.concerns.models import Concern, ConcernKind
from peersupport.meetings.services import session_create
from peersupport.meetings.tests.conftest import Setting, calendar, setting  # noqa: F401  (fixtures)
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import tab_to
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORRY = "Tom said someone at home hurts him when he is late back."


def test_a_mentor_passes_a_worry_to_the_dsl_by_keyboard(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
) -> None:
    session = session_create(
        actor=personas["coordinator"].user,
        mentorship=setting.mentorship,
        date=datetime.date(2026, 9, 8),
        start_time=datetime.time(12, 30),
    )

    # The mentor, on the session's register and note, follows the worry link.
    signed_in(page, live_server, personas["mentor"])
    page.goto(reverse("meetings:register", kwargs={"public_id": session.public_id}))
    assert_accessible(axe, page)
    tab_to(page, page.get_by_role("link", name="Tell an adult about a worry"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/concerns/raise/\?session={session.public_id}"))
    expect(page.get_by_role("heading", name="Tell an adult about a worry")).to_be_visible()
    assert_accessible(axe, page)

    # What it is about: into the group of choices, then down to the second one.
    tab_to(page, page.get_by_label("I am worried about how someone feels"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Someone may be getting hurt, or may not be safe")).to_be_checked()
    tab_to(page, page.get_by_label("What happened? Tell us in your own words."))
    page.keyboard.type(WORRY)
    # Who it is about: Tom, the mentee of this session, is chosen already.
    expect(page.get_by_label("Tom")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send it to an adult"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/concerns/raise/thanks/[0-9a-f-]+/$"))
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Thank you. This has gone to the Designated Safeguarding Lead."
    )
    # The page has loaded (waited for above): its source never holds the words.
    assert "hurts him" not in page.content()
    assert_accessible(axe, page)
    thanks_url = page.url
    concern = Concern.objects.get()
    assert concern.kind == ConcernKind.SAFEGUARDING
    assert concern.text == WORRY
    assert concern.source == Concern.Source.SESSION_LOG
    assert list(concern.students.all()) == [setting.mentorship.mentee]

    # The DSL sees it on the safeguarding list, opens its record and acknowledges it.
    signed_in(page, live_server, personas["dsl"])
    page.goto(reverse("concerns:safeguarding_list"))
    assert_accessible(axe, page)
    record = reverse("concerns:safeguarding_detail", kwargs={"public_id": concern.public_id})
    link = page.locator(f'a[href="{record}"]')
    tab_to(page, link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{record}")
    expect(page.locator("main")).to_contain_text(WORRY)
    assert_accessible(axe, page)
    tab_to(page, page.get_by_role("button", name="Acknowledge", exact=False))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Acknowledged by Dsl")).to_be_visible()
    assert_accessible(axe, page)
    concern.refresh_from_db()
    assert concern.acknowledged_by == personas["dsl"].user

    # It is on the DSL's list of every concern too.
    page.goto(reverse("concerns:list"))
    expect(page.locator(f'a[href="{record}"]')).to_have_count(1)
    assert_accessible(axe, page)

    # The mentor sees who received it, and still not what it says.
    signed_in(page, live_server, personas["mentor"])
    page.goto(thanks_url)
    expect(page.get_by_text("Received by Dsl")).to_be_visible()
    assert "hurts him" not in page.content()
    assert_accessible(axe, page)
