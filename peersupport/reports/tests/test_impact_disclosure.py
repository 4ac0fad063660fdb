"""Impact reports and the trust view after review: no safeguarding count, no month
recoverable from the sessions table, no percentage that gives away a few people,
bad periods refused (never replaced by the default), periods capped, and a reminder
that "You said, we did" entries reach governors."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import Concern, ConcernKind
from peersupport.meetings.models import Session
from peersupport.programmes.models import Group
from peersupport.programmes.services import programme_create
from peersupport.reports.headline import (
    Raw,
    chart_values_shown,
    headline_figures,
    hidden_months,
    suppressed_figures,
)
from peersupport.reports.models import ImpactReport
from peersupport.reports.services import impact_report_create, impact_report_issue
from peersupport.reports.tests.test_impact_reports import PERIOD_FROM, TODAY, draft, figure

# ------------------------------------------------------------- safeguarding count


def test_the_concerns_figure_leaves_out_safeguarding_concerns(
    personas: dict[str, Persona],
) -> None:
    school = personas["coordinator"].school
    for kind, how_many in ((ConcernKind.WELLBEING, 6), (ConcernKind.SAFEGUARDING, 2)):
        for _ in range(how_many):
            Concern.objects.create(school=school, kind=kind, raised_as="coordinator", text="x")
    concerns = figure(headline_figures(school, PERIOD_FROM, TODAY), "concerns_raised")
    assert concerns["value"] == 6
    assert "not counting safeguarding records" in concerns["label"]


# ------------------------------------------------------------- sessions by month


def test_when_one_month_is_hidden_the_next_smallest_is_hidden_with_it() -> None:
    assert hidden_months([8, 2, 6, 0], 5) == {1, 2}
    assert hidden_months([8, 6, 7], 5) == set()
    assert hidden_months([4, 4, 9], 5) == {0, 1}  # already two, 8 together
    assert hidden_months([1, 1, 9, 20], 5) == {0, 1, 2}  # 2 together: one more
    assert hidden_months([3, 0, 0], 5) == {0, 1}  # nothing else to hide with it


def test_a_frozen_chart_with_one_month_hidden_alone_hides_another_when_shown() -> None:
    assert chart_values_shown([None, 8, 6, 0]) == [None, 8, None, 0]
    assert chart_values_shown([None, None, 8]) == [None, None, 8]
    assert chart_values_shown([8, 0]) == [8, 0]


def _sessions(school: Any, coordinator: Any, counts: dict[datetime.date, int]) -> None:
    programme = programme_create(
        actor=coordinator, school=school, name="Groups", kind="group", capacity=50
    )
    group = Group.objects.create(school=school, programme=programme, name="Tuesday group")
    for day, how_many in counts.items():
        for _ in range(how_many):
            Session.objects.create(
                school=school, group=group, date=day, start_time=datetime.time(12, 30)
            )


def _month_cells(text: str) -> list[str]:
    return re.findall(r"[A-Z][a-z]{2} \d{4}\W+(\d+|Fewer than 5)", text)


def test_no_single_month_is_hidden_in_the_page_csv_pdf_or_the_frozen_figures(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    _sessions(
        coordinator.school,
        coordinator.user,
        {TODAY: 6, TODAY - datetime.timedelta(days=35): 2, TODAY - datetime.timedelta(days=70): 8},
    )
    client = login(coordinator)
    report = draft(coordinator)
    kwargs = {"public_id": report.public_id}
    page = client.get(reverse("reports:impact_report", kwargs=kwargs)).content.decode()
    rows = re.findall(r'<th scope="row">[A-Z][a-z]{2} \d{4}</th><td>(.*?)</td>', page)
    assert sorted(rows, key=str).count("Fewer than 5") == 2
    assert "8" in rows and "6" not in rows
    csv_file = client.get(reverse("reports:impact_csv", kwargs=kwargs)).content.decode()
    assert csv_file.split("Month,Sessions held")[1].count("Fewer than 5") == 2
    pdf = client.get(reverse("reports:impact_pdf", kwargs=kwargs)).content
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert text.split("Sessions held by month")[-1].count("Fewer than 5") == 2
    issued = impact_report_issue(actor=coordinator.user, report=report)
    assert issued.figures["chart"]["values"].count(None) == 2
    assert 6 not in issued.figures["chart"]["values"]


# ------------------------------------------------------------- percentages


def test_a_percentage_of_people_is_hidden_when_it_would_give_away_a_few() -> None:
    rows = {
        row["key"]: row
        for row in suppressed_figures(
            {
                "still_active_12_weeks": Raw(part=1, whole=6),
                "attendance_rate": Raw(part=24, whole=25),
            },
            5,
        )
    }
    still = rows["still_active_12_weeks"]
    assert still["suppressed"] is True and still["value"] is None
    # The attendance rate is a share of register marks, not of people: shown.
    assert rows["attendance_rate"]["value"] == 96
    for part, whole, value in ((5, 6, None), (6, 6, 100), (0, 6, 0), (5, 10, 50)):
        cell = suppressed_figures({"still_active_12_weeks": Raw(part=part, whole=whole)}, 5)
        assert next(c for c in cell if c["key"] == "still_active_12_weeks")["value"] == value


# ------------------------------------------------------------- periods


def test_a_period_of_thousands_of_years_is_refused_with_a_message(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    response = login(coordinator).post(
        reverse("reports:impact_new"),
        {"title": "Forever", "period_from": "0001-01-01", "period_to": "9999-12-31"},
    )
    assert "The period must fall between" in response.content.decode()
    assert not ImpactReport.objects.filter(title="Forever").exists()
    with pytest.raises(ValidationError, match="at most two years"):
        impact_report_create(
            actor=coordinator.user,
            school=coordinator.school,
            title="Three years",
            period_from=datetime.date(2023, 9, 1),
            period_to=datetime.date(2026, 8, 31),
        )


def test_the_trust_view_refuses_a_bad_period_and_its_csv_audits_nothing(
    personas: dict[str, Persona], login: Any
) -> None:
    client = login(personas["viewer"])
    for query in (
        {"period_from": "not a date", "period_to": "2026-12-31"},
        {"period_from": "2026-12-31", "period_to": "2026-09-01"},
        {"period_from": "2020-01-01", "period_to": "2026-12-31"},
    ):
        page = client.get(reverse("reports:trust"), query)
        assert page.status_code == 400
        assert "The period chosen is not valid" in page.content.decode()
        assert "Headline figures by school" not in page.content.decode()
        csv_file = client.get(reverse("reports:trust_csv"), query)
        assert csv_file.status_code == 400
        assert "not valid" in csv_file.content.decode()
    assert not AuditEvent.objects.filter(action="reports.trust_exported").exists()
    assert client.get(reverse("reports:trust")).status_code == 200


# ------------------------------------------------------------- you said, we did


def test_the_draft_pages_remind_that_you_said_we_did_reaches_governors(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    report = draft(coordinator)
    client = login(coordinator)
    kwargs = {"public_id": report.public_id}
    for name in ("impact_edit", "impact_report"):
        page = client.get(reverse(f"reports:{name}", kwargs=kwargs)).content.decode()
        assert "You said, we did&quot; entries" in page or 'You said, we did" entries' in page
        assert "to governors" in page
        assert "names a student" in page
