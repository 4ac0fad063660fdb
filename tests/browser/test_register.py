"""A whole register for a group of eight, taken with the keyboard alone."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import Persona
from peersupport.meetings.models import Attendance
from peersupport.meetings.services import session_create
from peersupport.meetings.tests.conftest import Setting, calendar, setting  # noqa: F401  (fixtures)
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_register_of_eight_by_keyboard_alone(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
) -> None:
    session = session_create(
        actor=personas["coordinator"].user,
        group=setting.group,
        date=datetime.date(2026, 9, 8),
        start_time=datetime.time(12, 30),
    )
    signed_in(page, live_server, personas["facilitator"])
    page.goto(f"/sessions/{session.public_id}/register/")
    assert_accessible(axe, page)
    # Tab from the top of the page to the first student's row, using keys only.
    first_row = page.locator("tr.register-row").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if first_row.evaluate("row => row === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the first row of the register")
    keys = ["p", "p", "l", "p", "a", "p", "r", "p"]
    statuses = page.locator(".register-status")
    for row, key in enumerate(keys):
        page.keyboard.press(key)
        # One save at a time: the test server shares one SQLite connection between
        # its threads, and two saves at once break each other's savepoints there.
        expect(statuses.nth(row)).to_contain_text("Saved")
    expected = {"p": "present", "l": "late", "a": "absent", "r": "absent_reason"}
    students = [s.pk for s in setting.members]  # the register lists them by surname, in order
    page.wait_for_function(
        "() => document.querySelectorAll('.register-status').length === 8 && "
        "[...document.querySelectorAll('.register-status')].every(s => s.textContent.includes('Saved'))"
    )
    marks = dict(Attendance.objects.filter(session=session).values_list("student_id", "mark"))
    assert [marks.get(pk) for pk in students] == [expected[k] for k in keys]
    assert_accessible(axe, page)
