"""The programme health dashboard with data on it (charts beside their tables, the
DSL's safeguarding counts) is axe-clean."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from conftest import Persona
from peersupport.concerns.services import concern_raise
from peersupport.reports.tests.test_dashboard_page import (  # noqa: F401  (setting is a fixture)
    PERIOD,
    Setting,
    setting,
)
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_passes_axe_for_a_dsl(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
) -> None:
    concern_raise(
        actor=personas["coordinator"].user,
        school=setting.school,
        kind="wellbeing",
        text="Something to look into.",
    )
    signed_in(page, live_server, personas["dsl"])
    page.goto(f"{live_server.url}{reverse('reports:dashboard')}?{urlencode(PERIOD)}")
    assert page.locator("svg[role=img]").count() >= 2
    assert_accessible(axe, page)
