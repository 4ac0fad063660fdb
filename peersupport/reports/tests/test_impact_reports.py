"""Impact reports: headline figures without names and with small numbers
suppressed, frozen when issued; the page, the PDF (real text) and the CSV, which
are audited and follow the page's access."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.programmes.services import programme_create, referral_accept, referral_create
from peersupport.reports.headline import headline_figures
from peersupport.reports.models import ImpactReport
from peersupport.reports.services import (
    impact_report_create,
    impact_report_issue,
    impact_report_update,
)
from peersupport.schools.models import School
from peersupport.wellbeing.services import you_said_we_did_post

TODAY = datetime.date.today()
PERIOD_FROM = TODAY - datetime.timedelta(days=120)


def enrol(coordinator: Any, school: School, how_many: int, *, name: str = "Mentoring") -> list:
    """``how_many`` students referred and accepted into a programme today."""
    programme = programme_create(
        actor=coordinator, school=school, name=name, kind="one_to_one", capacity=50
    )
    students = []
    for _ in range(how_many):
        student = make_student(school)
        referral = referral_create(
            actor=coordinator,
            programme=programme,
            student=student,
            source="staff",
            need_areas=["anxiety"],
        )
        referral_accept(actor=coordinator, referral=referral, started_on=TODAY)
        students.append(student)
    return students


def figure(figures: dict[str, Any], key: str) -> dict[str, Any]:
    return next(row for row in figures["rows"] if row["key"] == key)


def draft(coordinator: Persona, title: str = "Autumn term report") -> ImpactReport:
    return impact_report_create(
        actor=coordinator.user,
        school=coordinator.school,
        title=title,
        period_from=PERIOD_FROM,
        period_to=TODAY,
        audience="Governors",
    )


def test_the_headline_figures_count_the_students_supported_and_their_referrals(
    personas: dict[str, Persona],
) -> None:
    coordinator = personas["coordinator"]
    enrol(coordinator.user, coordinator.school, 6)
    figures = headline_figures(coordinator.school, PERIOD_FROM, TODAY)
    assert figure(figures, "students_supported")["value"] == 6
    assert figure(figures, "new_referrals")["value"] == 6
    assert figure(figures, "concerns_raised") == {
        **figure(figures, "concerns_raised"),
        "value": 0,
        "suppressed": False,
    }


def test_a_count_below_the_threshold_is_suppressed_not_shown(
    personas: dict[str, Persona],
) -> None:
    coordinator = personas["coordinator"]
    enrol(coordinator.user, coordinator.school, 3)
    supported = figure(
        headline_figures(coordinator.school, PERIOD_FROM, TODAY), "students_supported"
    )
    assert supported["value"] is None
    assert supported["suppressed"] is True


def test_the_headline_figures_take_a_fixed_number_of_queries(
    personas: dict[str, Persona],
) -> None:
    """Ten: nine for the figures (the students supported and those whose outcomes
    are read come from one query) and one for the outcomes' scores, which is not
    run when nobody took part in the period."""
    coordinator = personas["coordinator"]
    with CaptureQueriesContext(connection) as nobody:
        headline_figures(coordinator.school, PERIOD_FROM, TODAY)
    enrol(coordinator.user, coordinator.school, 2)
    with CaptureQueriesContext(connection) as few:
        headline_figures(coordinator.school, PERIOD_FROM, TODAY)
    enrol(coordinator.user, coordinator.school, 8, name="Groups")
    with CaptureQueriesContext(connection) as many:
        headline_figures(coordinator.school, PERIOD_FROM, TODAY)
    assert len(few) == len(many) == 10
    assert len(nobody) == 9


def test_the_report_page_takes_the_same_number_of_queries_however_many_students(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    report = draft(coordinator)
    client = login(coordinator)
    url = reverse("reports:impact_report", kwargs={"public_id": report.public_id})
    enrol(coordinator.user, coordinator.school, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    enrol(coordinator.user, coordinator.school, 9, name="Groups")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)


def test_issuing_freezes_the_figures_while_a_draft_keeps_changing(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    enrol(coordinator.user, coordinator.school, 5)
    issued = impact_report_issue(actor=coordinator.user, report=draft(coordinator, "Issued"))
    still_draft = draft(coordinator, "Still a draft")
    enrol(coordinator.user, coordinator.school, 3, name="Groups")

    issued.refresh_from_db()
    assert figure(issued.figures, "students_supported")["value"] == 5
    client = login(coordinator)
    issued_page = client.get(
        reverse("reports:impact_report", kwargs={"public_id": issued.public_id})
    ).content.decode()
    draft_page = client.get(
        reverse("reports:impact_report", kwargs={"public_id": still_draft.public_id})
    ).content.decode()
    assert "Figures as issued on" in issued_page
    assert re.search(r"Students supported</th><td>5</td>", issued_page)
    assert re.search(r"Students supported</th><td>8</td>", draft_page)


def test_an_issued_report_is_never_changed_again(personas: dict[str, Persona], login: Any) -> None:
    coordinator = personas["coordinator"]
    report = impact_report_issue(actor=coordinator.user, report=draft(coordinator))
    with pytest.raises(ValidationError):
        impact_report_update(actor=coordinator.user, report=report, what_we_did="Changed")
    with pytest.raises(ValidationError):
        impact_report_issue(actor=coordinator.user, report=report)
    response = login(coordinator).post(
        reverse("reports:impact_edit", kwargs={"public_id": report.public_id}),
        {"title": "New title", "what_we_did": "Changed"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.title == "Autumn term report"
    assert report.what_we_did == ""


def test_a_coordinator_starts_writes_and_issues_a_report_through_the_pages(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    client = login(coordinator)
    response = client.post(
        reverse("reports:impact_new"),
        {
            "title": "Spring term",
            "period_from": PERIOD_FROM.isoformat(),
            "period_to": TODAY.isoformat(),
            "audience": "The trust",
        },
    )
    report = ImpactReport.objects.get(title="Spring term")
    assert response.status_code == 302
    client.post(
        reverse("reports:impact_edit", kwargs={"public_id": report.public_id}),
        {
            "title": "Spring term",
            "audience": "The trust",
            "what_we_did": "Ran lunchtime groups.",
            "what_we_learned": "Year 7 came most.",
            "what_we_changed": "Moved to Tuesdays.",
        },
    )
    client.post(reverse("reports:impact_issue", kwargs={"public_id": report.public_id}))
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.ISSUED
    assert report.issued_by == coordinator.user
    assert report.what_we_learned == "Year 7 came most."
    assert AuditEvent.objects.filter(
        action="reports.impact_issued", object_public_id=report.public_id
    ).exists()


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message(
    personas: dict[str, Persona], login: Any
) -> None:
    response = login(personas["coordinator"]).post(
        reverse("reports:impact_new"),
        {
            "title": "Backwards",
            "period_from": TODAY.isoformat(),
            "period_to": PERIOD_FROM.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "must end on or after its start" in response.content.decode()
    assert not ImpactReport.objects.filter(title="Backwards").exists()


def test_you_said_we_did_entries_of_the_period_appear_and_are_frozen_when_issued(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    you_said_we_did_post(
        actor=coordinator.user,
        school=coordinator.school,
        you_said="Sessions clash with football",
        we_did="Moved them to Wednesday",
    )
    report = impact_report_issue(actor=coordinator.user, report=draft(coordinator))
    you_said_we_did_post(
        actor=coordinator.user,
        school=coordinator.school,
        you_said="The room is cold",
        we_did="Found a warmer room",
    )
    page = (
        login(coordinator)
        .get(reverse("reports:impact_report", kwargs={"public_id": report.public_id}))
        .content.decode()
    )
    assert "Sessions clash with football" in page
    assert "Moved them to Wednesday" in page
    assert "The room is cold" not in page


def pdf_text(content: bytes) -> str:
    """The PDF's text, its white space (where a table cell wraps) made single."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_the_pdf_holds_the_headline_figures_and_the_narrative_as_real_text(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    enrol(coordinator.user, coordinator.school, 7)
    report = impact_report_update(
        actor=coordinator.user,
        report=draft(coordinator),
        what_we_did="Weekly mentoring for Year 7",
        what_we_learned="Lunchtimes suit students best",
        what_we_changed="More mentors trained in spring",
    )
    report = impact_report_issue(actor=coordinator.user, report=report)
    response = login(coordinator).get(
        reverse("reports:impact_pdf", kwargs={"public_id": report.public_id})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for row in report.figures["rows"]:
        assert row["label"] in text
    assert re.search(r"Students supported\s*7", text)
    assert re.search(r"New referrals to the programmes\s*7", text)
    assert "Figures as issued on" in text
    assert "Weekly mentoring for Year 7" in text
    assert "Lunchtimes suit students best" in text
    assert "More mentors trained in spring" in text


def test_a_viewer_sees_issued_reports_only_and_no_names(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    students = enrol(coordinator.user, coordinator.school, 6)
    issued = impact_report_issue(actor=coordinator.user, report=draft(coordinator, "Issued one"))
    hidden = draft(coordinator, "Unfinished draft")
    client = login(personas["viewer"])
    listing = client.get(reverse("reports:impact_list")).content.decode()
    assert "Issued one" in listing
    assert "Unfinished draft" not in listing
    for name in ("impact_report", "impact_pdf", "impact_csv"):
        assert (
            client.get(
                reverse(f"reports:{name}", kwargs={"public_id": hidden.public_id})
            ).status_code
            == 404
        )
    page = client.get(reverse("reports:impact_report", kwargs={"public_id": issued.public_id}))
    csv_file = client.get(reverse("reports:impact_csv", kwargs={"public_id": issued.public_id}))
    pdf_file = client.get(reverse("reports:impact_pdf", kwargs={"public_id": issued.public_id}))
    shown = page.content.decode() + csv_file.content.decode() + pdf_text(pdf_file.content)
    assert "Issue the report" not in page.content.decode()
    for student in students:
        assert student.legal_forename not in shown
        assert student.upn not in shown


def test_exports_are_audited_and_follow_the_page_access(
    personas: dict[str, Persona], login: Any, client: Client
) -> None:
    coordinator = personas["coordinator"]
    report = impact_report_issue(actor=coordinator.user, report=draft(coordinator))
    for name in ("impact_pdf", "impact_csv"):
        url = reverse(f"reports:{name}", kwargs={"public_id": report.public_id})
        assert login(personas["facilitator"]).get(url).status_code == 403
        assert login(personas["outsider"]).get(url).status_code == 404
        assert login(personas["viewer"]).get(url).status_code == 200
    exported = AuditEvent.objects.filter(
        action="reports.impact_exported", object_public_id=report.public_id
    )
    assert sorted(exported.values_list("detail", flat=True)) == ["csv", "pdf"]
    assert set(exported.values_list("actor", flat=True)) == {personas["viewer"].user.pk}


def test_the_csv_shows_suppressed_counts_as_fewer_than_the_threshold(
    personas: dict[str, Persona], login: Any
) -> None:
    coordinator = personas["coordinator"]
    enrol(coordinator.user, coordinator.school, 2)
    report = draft(coordinator)
    content = (
        login(coordinator)
        .get(reverse("reports:impact_csv", kwargs={"public_id": report.public_id}))
        .content.decode()
    )
    assert "Students supported,Fewer than 5" in content
    assert "Students supported,2" not in content


def test_only_coordinators_and_dsls_may_write_impact_reports(
    personas: dict[str, Persona],
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        impact_report_create(
            actor=personas["viewer"].user,
            school=personas["viewer"].school,
            title="Not mine",
            period_from=PERIOD_FROM,
            period_to=TODAY,
        )
