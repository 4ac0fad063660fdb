"""The impact report's outcome figure, "Reliably improved on their wellbeing
measure": the share of students with a baseline and a follow-up in the period who
reliably improved, the same on the page, in the CSV and in the PDF, hidden like the
other percentages of people, and "Cannot be judged" for a measure without
published reliability figures (every shipped measure, on real data). A report
issued before the figure was worked out still shows what it froze."""

from __future__ import annotations

import csv
import math
import re
from html import unescape
from typing import Any

from django.urls import reverse

from conftest import Persona
from peersupport.accounts.models import Role
from peersupport.accounts.services import membership_grant
from peersupport.programmes.services import group_create, programme_create
from peersupport.reports.headline import (
    CANNOT_JUDGE_NOTE,
    MEASURES,
    OUTCOME_NOT_COMPUTED,
    Raw,
    headline_figures,
    total_is_safe,
)
from peersupport.reports.models import ImpactReport
from peersupport.reports.services import impact_report_create, impact_report_issue
from peersupport.reports.tests.test_impact_reports import figure, pdf_text
from peersupport.reports.tests.test_trust_view import table_rows
from peersupport.schools.models import School
from peersupport.wellbeing.models import MeasureSettings
from peersupport.wellbeing.tests.test_reliable_improvement import (  # noqa: F401  (fixtures)
    BASELINE_DAY,
    REVIEW_DAY,
    TERM_END,
    TERM_START,
    Setting,
    enrol,
    paper,
    setting,
    with_figures,
)

LABEL = "Reliably improved on their wellbeing measure"
# The figures ``with_figures`` writes into SWEMWBS (higher is better).
RELIABILITY, SD = 0.89, 4.0
IMPROVED = (15, 20)  # +5
NOT_IMPROVED = [(20, 22), (25, 20), (21, 20), (18, 20), (22, 22)]  # +2, -5, -1, +2, 0


def expected_percent(changes: list[tuple[int, int]]) -> int:
    """Worked out here from the Jacobson and Truax formula, not by the app's code."""
    smallest_reliable = 1.96 * math.sqrt(2) * SD * math.sqrt(1 - RELIABILITY)
    improved = sum(1 for before, after in changes if after - before > smallest_reliable)
    return round(100 * improved / len(changes))


def record(one: Setting, coordinator: Persona, changes: list[tuple[int, int]]) -> None:
    for before, after in changes:
        student = enrol(one, coordinator)
        paper(coordinator, one, student, "baseline", before, BASELINE_DAY)
        paper(coordinator, one, student, "review", after, REVIEW_DAY)


def report_over_the_term(coordinator: Persona) -> ImpactReport:
    return impact_report_create(
        actor=coordinator.user,
        school=coordinator.school,
        title="Autumn 2026",
        period_from=TERM_START,
        period_to=TERM_END,
    )


def page_csv_pdf(client: Any, report: ImpactReport) -> tuple[str, str, str]:
    kwargs = {"public_id": report.public_id}
    page = unescape(client.get(reverse("reports:impact_report", kwargs=kwargs)).content.decode())
    csv_file = client.get(reverse("reports:impact_csv", kwargs=kwargs)).content.decode()
    pdf = pdf_text(client.get(reverse("reports:impact_pdf", kwargs=kwargs)).content)
    return page, csv_file, pdf


def page_cell(page: str) -> str:
    found = re.search(rf'<th scope="row">{LABEL}</th><td>(.*?)</td><td>(.*?)</td>', page)
    assert found, "no outcome row on the page"
    return found.group(1)


def setting_in(school: School, coordinator: Persona) -> Setting:
    """A programme on SWEMWBS in another school, as ``setting`` makes in school A."""
    programme = programme_create(
        actor=coordinator.user, school=school, name="Peer support", kind="group", capacity=200
    )
    MeasureSettings.objects.create(school=school, programme=programme, instrument="swemwbs")
    group = group_create(actor=coordinator.user, programme=programme, name="Lunch group")
    return Setting(school, programme, group)


def test_the_share_reliably_improved_is_shown_alike_on_the_page_csv_and_pdf(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,  # noqa: F811
    login: Any,
) -> None:
    coordinator = personas["coordinator"]
    changes = [IMPROVED] * 7 + NOT_IMPROVED  # 12 assessed: 7 improved, 5 not
    record(setting, coordinator, changes)
    percent = expected_percent(changes)
    assert percent == 58

    report = report_over_the_term(coordinator)
    shown_alike(login(coordinator), report, percent)

    # Frozen when issued, and shown from the frozen figures afterwards.
    issued = impact_report_issue(actor=coordinator.user, report=report)
    assert figure(issued.figures, "outcome_improved")["value"] == percent
    shown_alike(login(coordinator), issued, percent)


def shown_alike(client: Any, report: ImpactReport, percent: int) -> None:
    """The share shows as ``percent`` on the report's page, in its CSV and its PDF."""
    page, csv_file, pdf = page_csv_pdf(client, report)
    assert page_cell(page) == f"{percent}%"
    assert f"{LABEL},{percent}%," in csv_file
    assert re.search(rf"{LABEL}\s*{percent}%", pdf)


def test_a_share_that_would_give_away_a_few_students_is_hidden(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,  # noqa: F811
    login: Any,
) -> None:
    coordinator = personas["coordinator"]
    record(setting, coordinator, [IMPROVED, *NOT_IMPROVED])  # 1 of 6 improved
    cell = figure(headline_figures(setting.school, TERM_START, TERM_END), "outcome_improved")
    assert cell["value"] is None and cell["suppressed"] is True

    page, csv_file, pdf = page_csv_pdf(login(coordinator), report_over_the_term(coordinator))
    assert page_cell(page) == "Fewer than 5"
    assert f"{LABEL},Fewer than 5," in csv_file
    assert re.search(rf"{LABEL}\s*Fewer than 5", pdf)
    assert "17%" not in page + csv_file + pdf


def test_too_few_students_assessed_hides_the_share(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,  # noqa: F811
) -> None:
    record(setting, personas["coordinator"], [IMPROVED] * 2 + NOT_IMPROVED[:2])
    cell = figure(headline_figures(setting.school, TERM_START, TERM_END), "outcome_improved")
    assert cell["value"] is None and cell["suppressed"] is True
    assert cell["note"] == "Fewer than 5 students with a baseline and a follow-up score."


def test_the_trust_total_is_hidden_beside_a_school_whose_share_is_hidden(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    with_figures: None,  # noqa: F811
    login: Any,
) -> None:
    coordinator, outsider, viewer = (
        personas["coordinator"],
        personas["outsider"],
        personas["viewer"],
    )
    membership_grant(actor=None, school=outsider.school, user=viewer.user, role=Role.VIEWER)
    changes_a = [IMPROVED] * 7 + NOT_IMPROVED
    record(setting, coordinator, changes_a)
    record(setting_in(outsider.school, outsider), outsider, [IMPROVED, *NOT_IMPROVED])
    client = login(viewer)
    query = {"period_from": TERM_START.isoformat(), "period_to": TERM_END.isoformat()}
    rows = table_rows(client.get(reverse("reports:trust"), query).content.decode())
    # 8 of 18 together, less school A's 7 of 12, would give away school B's 1 of 6.
    assert rows[LABEL] == [f"{expected_percent(changes_a)}%", "Fewer than 5", "Fewer than 5"]
    csv_file = client.get(reverse("reports:trust_csv"), query).content.decode()
    assert f"{LABEL},58%,Fewer than 5,Fewer than 5" in csv_file


def test_the_trust_total_of_shares_is_shown_when_no_school_is_hidden() -> None:
    outcome = next(m for m in MEASURES if m.key == "outcome_improved")
    assert total_is_safe([Raw(7, 12), Raw(6, 12)], outcome, 5)
    assert not total_is_safe([Raw(7, 12), Raw(1, 6)], outcome, 5)
    assert not total_is_safe([Raw(7, 12), Raw(2, 3)], outcome, 5)
    # Nobody assessed at a school (or only those who cannot be judged) hides nothing.
    assert total_is_safe([Raw(7, 12), Raw(0, 0, not_judged=4)], outcome, 5)


def test_with_the_shipped_measures_the_figure_cannot_be_judged(
    personas: dict[str, Persona],
    setting: Setting,  # noqa: F811
    login: Any,
) -> None:
    """No shipped measure has published reliability figures: so says the report."""
    coordinator = personas["coordinator"]
    record(setting, coordinator, [IMPROVED] * 7 + NOT_IMPROVED)
    cell = figure(headline_figures(setting.school, TERM_START, TERM_END), "outcome_improved")
    assert cell["value"] is None and cell["suppressed"] is False
    assert cell["note"] == CANNOT_JUDGE_NOTE

    page, csv_file, pdf = page_csv_pdf(login(coordinator), report_over_the_term(coordinator))
    assert page_cell(page) == "Cannot be judged"
    assert CANNOT_JUDGE_NOTE in page
    assert f"{LABEL},Cannot be judged,{CANNOT_JUDGE_NOTE}" in csv_file
    assert re.search(rf"{LABEL}\s*Cannot be judged", pdf)
    assert CANNOT_JUDGE_NOTE in pdf

    query = {"period_from": TERM_START.isoformat(), "period_to": TERM_END.isoformat()}
    response = login(personas["viewer"]).get(reverse("reports:trust"), query)
    assert response.status_code == 200
    trust = unescape(response.content.decode())
    assert table_rows(trust)[LABEL] == ["Cannot be judged"]
    assert CANNOT_JUDGE_NOTE in trust


def test_with_no_scores_the_figure_is_none_yet(personas: dict[str, Persona]) -> None:
    cell = figure(
        headline_figures(personas["coordinator"].school, TERM_START, TERM_END), "outcome_improved"
    )
    assert cell["value"] is None and cell["suppressed"] is False
    assert cell["note"] == "No figures yet."


def test_a_report_issued_before_the_figure_was_worked_out_still_shows_what_it_froze(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    issued = impact_report_issue(actor=coordinator.user, report=report_over_the_term(coordinator))
    figures = dict(issued.figures)
    figures["rows"] = [
        {
            "key": "outcome_improved",
            "label": LABEL,
            "kind": "text",
            "value": None,
            "suppressed": False,
            "note": OUTCOME_NOT_COMPUTED,
        }
        if row["key"] == "outcome_improved"
        else {k: v for k, v in row.items() if k != "cannot_judge"}
        for row in figures["rows"]
    ]
    ImpactReport.objects.filter(pk=issued.pk).update(figures=figures)
    page, csv_file, pdf = page_csv_pdf(login(coordinator), issued)
    assert page_cell(page) == "Not computed"
    assert [LABEL, "Not computed", OUTCOME_NOT_COMPUTED] in list(csv.reader(csv_file.splitlines()))
    assert re.search(rf"{LABEL}\s*Not computed", pdf)
    for shown in (page, csv_file, pdf):
        assert OUTCOME_NOT_COMPUTED in shown
