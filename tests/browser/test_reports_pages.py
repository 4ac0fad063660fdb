"""The reports pages with real data on them pass axe-core: the representation page
(counts, intervals, a hidden small group, a target, an incident table, the latest
match's fairness figures), a draft impact report and its form, the same report
issued and read by a governor, and the trust view of a reader of two schools; and
every field of the impact report's form can be reached with the keyboard."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.concerns.services import concern_raise
from peersupport.matching.services import run_open, run_solve
from peersupport.matching.tests.conftest import active_mentor, slot_named, waiting_mentee
from peersupport.programmes.models import Programme
from peersupport.programmes.services import programme_create
from peersupport.reports.models import ImpactReport
from peersupport.reports.services import (
    impact_report_issue,
    impact_report_update,
    outreach_target_set,
)
from peersupport.reports.tests.test_impact_reports import draft
from peersupport.reports.tests.test_impact_reports import enrol as enrol_through_services
from peersupport.reports.tests.test_representation_page import (
    TODAY,
    build_school,
    bulk_students,
    enrol,
    last_term,
    this_term,
)
from peersupport.reports.tests.test_trust_view import trust_viewer  # noqa: F401  (a fixture)
from peersupport.schools.models import School, TimetableSlot
from peersupport.wellbeing.services import you_said_we_did_post
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import tab_to
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELDS = "input:not([type=hidden]), textarea, select"


def caption(page: Any, text: str) -> Any:
    return page.locator("caption", has_text=text)


def matched_run(coordinator: Persona, school: School) -> int:
    """A one-to-one programme, five mentors and five mentees of each gender, all free
    Wednesday lunch, matched through the match run services. The number matched."""
    wed = slot_named(list(TimetableSlot.objects.filter(school=school)), "Wed lunch")
    programme = programme_create(
        actor=coordinator.user,
        school=school,
        name="Year 7 buddies",
        kind=Programme.Kind.ONE_TO_ONE,
        capacity=40,
    )
    for n, gender in enumerate(["F", "M"] * 5):
        active_mentor(coordinator, school, name=f"Mentor{n}", year=10, slots=[wed], gender=gender)
        waiting_mentee(
            coordinator, programme, name=f"Mentee{n}", year=7, slots=[wed], gender=gender
        )
    run = run_open(actor=coordinator.user, programme=programme)
    return run_solve(actor=coordinator.user, run=run).matched_count


def test_the_representation_page_with_data_passes_axe(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    last_term(school)
    this_term(school)
    build_school(school, 1)
    # 3 of 20 with an EHC plan supported: a group too small to show.
    enrol(school, bulk_students(school, 20, sen_status="E")[:3], TODAY)
    outreach_target_set(
        actor=coordinator.user,
        school=school,
        side="mentees",
        characteristic="pp",
        group="yes",
        at_least_percent=20,
    )
    named = make_student(school, pupil_premium=True)
    concern_raise(
        actor=coordinator.user,
        school=school,
        kind="discrimination",
        text="Left out of the group at lunch",
        students=[named],
        characteristic="race",
    )
    assert matched_run(coordinator, school) == 10

    signed_in(page, live_server, coordinator)
    response = page.goto(reverse("reports:representation"))
    assert response.status == 200
    # The figures, a hidden group, a chart, the target, incidents and fairness are there.
    pp = page.locator(".table-wrap", has=caption(page, "Students supported by pupil premium"))
    assert pp.is_visible()
    # Counts, shares and the difference with its 95% interval ("-1.2 (-3.4 to 5.6)").
    assert re.search(r"-?\d+\.\d \(-?\d+\.\d to -?\d+\.\d\)", pp.inner_text())
    sen = page.locator(".table-wrap", has=caption(page, "Students supported by sen status"))
    ehc = sen.locator("tbody tr", has=page.locator("th", has_text="EHC plan"))
    assert "Fewer than 5" in ehc.inner_text()
    assert page.locator("svg[role=img]").count() >= 2
    assert caption(page, "Students supported: at least 20.0% Pupil premium").is_visible()
    assert caption(page, "Incidents: characteristic involved").is_visible()
    assert caption(page, "Matching by gender").is_visible()
    assert "No match has been run yet" not in page.content()
    gender = page.locator(".table-wrap", has=caption(page, "Matching by gender"))
    assert gender.locator("tbody tr").count() == 2
    assert "100%" in gender.inner_text()
    assert_accessible(axe, page)


def impact_report_with_data(coordinator: Persona) -> ImpactReport:
    """A draft with students supported, its narrative written and a "You said, we did"
    entry in its period."""
    enrol_through_services(coordinator.user, coordinator.school, 6)
    you_said_we_did_post(
        actor=coordinator.user,
        school=coordinator.school,
        you_said="Sessions clash with football",
        we_did="Moved them to Wednesday",
        today=TODAY - datetime.timedelta(days=1),
    )
    return impact_report_update(
        actor=coordinator.user,
        report=draft(coordinator),
        what_we_did="Weekly mentoring for Year 7",
        what_we_learned="Lunchtimes suit students best",
        what_we_changed="More mentors trained in spring",
    )


def test_a_draft_impact_report_and_its_form_then_the_issued_report_pass_axe(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    report = impact_report_with_data(coordinator)
    report_url = reverse("reports:impact_report", kwargs={"public_id": report.public_id})

    signed_in(page, live_server, coordinator)
    page.goto(reverse("reports:impact_list"))
    assert page.get_by_role("link", name=report.title).first.is_visible()
    assert_accessible(axe, page)
    page.goto(reverse("reports:impact_new"))
    assert_accessible(axe, page)

    page.goto(report_url)
    assert page.get_by_role("heading", name=report.title, level=1).is_visible()
    assert page.get_by_text("Draft: the figures are worked out afresh").is_visible()
    assert page.get_by_text("Weekly mentoring for Year 7").is_visible()
    assert page.get_by_text("Sessions clash with football").is_visible()
    assert page.get_by_role("button", name="Issue the report").is_visible()
    headline = page.locator(".table-wrap", has=caption(page, "Headline figures"))
    assert "Students supported" in headline.inner_text()
    assert page.locator("svg[role=img]").count() >= 1
    assert_accessible(axe, page)

    page.goto(reverse("reports:impact_edit", kwargs={"public_id": report.public_id}))
    assert page.get_by_label("What we did").input_value() == "Weekly mentoring for Year 7"
    assert page.get_by_label("What we changed").input_value() == "More mentors trained in spring"
    assert_accessible(axe, page)

    impact_report_issue(actor=coordinator.user, report=report)
    page.context.clear_cookies()
    signed_in(page, live_server, personas["viewer"])
    page.goto(reverse("reports:impact_list"))
    assert page.get_by_role("link", name=report.title).first.is_visible()
    assert_accessible(axe, page)
    page.goto(report_url)
    assert page.get_by_text("Figures as issued on").is_visible()
    assert page.get_by_text("Lunchtimes suit students best").is_visible()
    assert page.get_by_text("Moved them to Wednesday").is_visible()
    assert page.get_by_role("button", name="Issue the report").count() == 0
    assert_accessible(axe, page)


def test_the_trust_view_of_a_reader_of_two_schools_passes_axe(
    page: Any,
    axe: Any,
    live_server: Any,
    personas: dict[str, Persona],
    trust_viewer: Persona,  # noqa: F811
) -> None:
    enrol_through_services(personas["coordinator"].user, personas["coordinator"].school, 6)
    enrol_through_services(personas["outsider"].user, personas["outsider"].school, 7)
    signed_in(page, live_server, trust_viewer)
    page.goto(reverse("reports:trust"))
    table = page.locator(".table-wrap", has=caption(page, "Headline figures by school"))
    assert table.get_by_role("columnheader", name="Northgate Academy").is_visible()
    assert table.get_by_role("columnheader", name="Riverside Learning Centre").is_visible()
    assert table.get_by_role("columnheader", name="All schools together").is_visible()
    supported = table.locator("tbody tr", has=page.locator("th", has_text="Students supported"))
    assert supported.first.locator("td").all_inner_texts() == ["6", "7", "13"]
    assert_accessible(axe, page)


def test_every_field_of_the_impact_report_form_is_reached_with_tab(
    page: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    report = impact_report_with_data(coordinator)
    signed_in(page, live_server, coordinator)
    page.goto(reverse("reports:impact_edit", kwargs={"public_id": report.public_id}))
    form = page.locator("main form[method=post]")
    fields = form.locator(FIELDS)
    assert fields.count() == 5  # title, written for and the three sections
    for index in range(fields.count()):
        tab_to(page, fields.nth(index))
    tab_to(page, form.get_by_role("button", name="Save the draft"))
