"""The impact report forms refuse input that is not valid with status 400, the
form's message shown, nothing saved and nothing audited."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.reports.models import ImpactReport
from peersupport.reports.tests.test_impact_reports import PERIOD_FROM, TODAY, draft

REQUIRED = "This field is required."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period_from": "2026-09-01", "period_to": "2026-12-18"}, REQUIRED),
        (
            {"title": "Backwards", "period_from": "2026-12-18", "period_to": "2026-09-01"},
            "The period must end on or after its start.",
        ),
        (
            {"title": "Too long", "period_from": "2023-09-01", "period_to": "2026-08-31"},
            "The period can be at most two years long.",
        ),
        (
            {"title": "Forever", "period_from": "0001-01-01", "period_to": "9999-12-31"},
            "The period must fall between",
        ),
        ({"title": "No end", "period_from": "2026-09-01", "period_to": ""}, REQUIRED),
        (
            {"title": "Not a date", "period_from": "1st September", "period_to": "2026-12-18"},
            "Enter a valid date.",
        ),
        (
            {"title": "x" * 151, "period_from": "2026-09-01", "period_to": "2026-12-18"},
            "Ensure this value has at most 150 characters",
        ),
    ],
)
def test_starting_a_report_with_bad_input_gives_400_and_saves_nothing(
    personas: dict[str, Persona], login: Any, data: dict[str, str], message: str
) -> None:
    client = login(personas["coordinator"])
    reports, events = ImpactReport.objects.count(), AuditEvent.objects.count()
    response = client.post(reverse("reports:impact_new"), data)
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert ImpactReport.objects.count() == reports
    assert AuditEvent.objects.count() == events


def test_starting_a_report_with_good_input_still_redirects(
    personas: dict[str, Persona], login: Any
) -> None:
    response = login(personas["coordinator"]).post(
        reverse("reports:impact_new"),
        {
            "title": "Autumn",
            "period_from": PERIOD_FROM.isoformat(),
            "period_to": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    assert ImpactReport.objects.filter(title="Autumn").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "what_we_did": "Changed"}, REQUIRED),
        ({"title": "   ", "what_we_did": "Changed"}, REQUIRED),
        (
            {"title": "y" * 151, "what_we_did": "Changed"},
            "Ensure this value has at most 150 characters",
        ),
        (
            {"title": "Fine", "audience": "z" * 151, "what_we_did": "Changed"},
            "Ensure this value has at most 150 characters",
        ),
    ],
)
def test_writing_a_report_with_bad_input_gives_400_and_changes_nothing(
    personas: dict[str, Persona], login: Any, data: dict[str, str], message: str
) -> None:
    coordinator = personas["coordinator"]
    report = draft(coordinator)
    client = login(coordinator)
    before = ImpactReport.objects.filter(pk=report.pk).values().get()
    reports, events = ImpactReport.objects.count(), AuditEvent.objects.count()
    response = client.post(
        reverse("reports:impact_edit", kwargs={"public_id": report.public_id}), data
    )
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert message in page
    assert "<h1>Write: Autumn term report</h1>" in page  # the saved title, not the bad one
    assert ImpactReport.objects.filter(pk=report.pk).values().get() == before
    assert ImpactReport.objects.count() == reports
    assert AuditEvent.objects.count() == events
