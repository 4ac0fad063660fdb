"""The trust view's CSV holds exactly the period its page shows: the same form, the
same default, the same refusal of a bad period (400, nothing audited), and the
page's download link names the period shown."""

from __future__ import annotations

import csv
import datetime
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.reports.forms_impact import academic_year_start
from peersupport.reports.tests.test_impact_reports import enrol
from peersupport.reports.tests.test_trust_view import table_rows, trust_viewer  # noqa: F401


def csv_link(page: str) -> str:
    found = re.search(r'<a href="([^"]*)">Download these figures as a spreadsheet', page)
    assert found, "no CSV link on the page"
    return unescape(found.group(1))


def csv_rows(client: Client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    rows = csv.reader(response.content.decode().lstrip("\ufeff").splitlines())
    return {row[0]: row[1:] for row in rows if row}


def test_the_link_names_the_chosen_period_and_the_csv_holds_the_page_figures(
    personas: dict[str, Persona],
    trust_viewer: Persona,  # noqa: F811
    login: Any,
) -> None:
    enrol(personas["coordinator"].user, personas["coordinator"].school, 6)
    enrol(personas["outsider"].user, personas["outsider"].school, 7)
    client = login(trust_viewer)
    today = timezone.localdate()
    # A period that ended before anyone was enrolled, and one that holds them.
    for period_from, period_to, supported in (
        (today - datetime.timedelta(days=60), today - datetime.timedelta(days=1), ["0", "0", "0"]),
        (today - datetime.timedelta(days=60), today, ["6", "7", "13"]),
    ):
        query = {"period_from": period_from.isoformat(), "period_to": period_to.isoformat()}
        page = client.get(reverse("reports:trust"), {**query, "unrelated": "x"})
        # Another parameter makes no difference to the page, and is not passed on.
        assert page.status_code == 200
        html = page.content.decode()
        link = csv_link(html)
        assert urlsplit(link).path == reverse("reports:trust_csv")
        assert parse_qs(urlsplit(link).query) == {k: [v] for k, v in query.items()}
        shown = table_rows(html)
        assert shown["Students supported"] == supported
        in_file = csv_rows(client, link)
        for label, cells in shown.items():
            assert in_file[label] == cells, label
    details = AuditEvent.objects.filter(action="reports.trust_exported").values_list(
        "detail", flat=True
    )
    assert sorted(details) == sorted(
        [
            f"{today - datetime.timedelta(days=60)} to {today - datetime.timedelta(days=1)}",
            f"{today - datetime.timedelta(days=60)} to {today}",
        ]
    )


def test_with_no_period_chosen_both_show_this_school_year_so_far(
    personas: dict[str, Persona],
    trust_viewer: Persona,  # noqa: F811
    login: Any,
) -> None:
    enrol(personas["coordinator"].user, personas["coordinator"].school, 6)
    client = login(trust_viewer)
    today = timezone.localdate()
    page = client.get(reverse("reports:trust"))
    assert page.status_code == 200
    html = page.content.decode()
    link = csv_link(html)
    assert parse_qs(urlsplit(link).query) == {
        "period_from": [academic_year_start(today).isoformat()],
        "period_to": [today.isoformat()],
    }
    # The form shows the default period it used.
    assert f'value="{academic_year_start(today).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html
    # The CSV asked for with no period takes the same default.
    with_link = csv_rows(client, link)
    without = csv_rows(client, reverse("reports:trust_csv"))
    assert with_link == without
    assert with_link["Students supported"] == ["6", "0", "6"]
    assert set(
        AuditEvent.objects.filter(action="reports.trust_exported").values_list("detail", flat=True)
    ) == {f"{academic_year_start(today)} to {today}"}


@pytest.mark.parametrize(
    "query",
    [
        {"period_from": "2026-09-01"},
        {"period_to": "2026-09-01"},
        {"period_from": "", "period_to": ""},
        {"period_from": "2026-09-01", "period_to": "31/12/2026x"},
        {"period_from": "2026-12-31", "period_to": "2026-09-01"},
        {"period_from": "1999-12-31", "period_to": "2000-06-01"},
        {"period_from": "2024-09-01", "period_to": "2026-12-31"},
    ],
)
def test_a_bad_period_gives_400_on_the_page_and_the_csv_and_no_audit(
    trust_viewer: Persona,  # noqa: F811
    login: Any,
    query: dict[str, str],
) -> None:
    client = login(trust_viewer)
    events = AuditEvent.objects.count()
    page = client.get(reverse("reports:trust"), query)
    assert page.status_code == 400
    assert "Download these figures" not in page.content.decode()
    csv_file = client.get(reverse("reports:trust_csv"), query)
    assert csv_file.status_code == 400
    assert "not valid" in csv_file.content.decode()
    assert AuditEvent.objects.count() == events


def test_a_parameter_that_is_not_a_period_leaves_the_default_period(
    trust_viewer: Persona,  # noqa: F811
    login: Any,
) -> None:
    """A link carrying something else (a tracking code, say) is not a bad period:
    the page and the spreadsheet show this school year so far."""
    client = login(trust_viewer)
    page = client.get(reverse("reports:trust"), {"utm_source": "newsletter"})
    assert page.status_code == 200
    assert "Download these figures" in page.content.decode()
    assert client.get(reverse("reports:trust_csv"), {"utm_source": "x"}).status_code == 200
