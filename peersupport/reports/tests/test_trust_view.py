"""The trust view: the headline figures of each of a reader's schools side by side
and for all together, never a count below the threshold (nor a total that gives one
away), never a name; its CSV audited and following the page's access."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from conftest import Persona
from peersupport.accounts.models import Role
from peersupport.accounts.services import membership_grant
from peersupport.audit.models import AuditEvent
from peersupport.reports.headline import COUNT, MEASURES, Raw, total_is_safe
from peersupport.reports.tests.test_impact_reports import enrol
from peersupport.schools.services import school_create

COUNT_LABELS = {measure.label for measure in MEASURES if measure.kind == COUNT}


@pytest.fixture
def trust_viewer(personas: dict[str, Persona]) -> Persona:
    """The viewer of school A, also a viewer of school B."""
    viewer = personas["viewer"]
    membership_grant(
        actor=None, school=personas["outsider"].school, user=viewer.user, role=Role.VIEWER
    )
    return viewer


def table_rows(html: str) -> dict[str, list[str]]:
    """Each row of the figures table: its label and the text of its cells."""
    rows = {}
    for label, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', html, re.S):
        rows[unescape(label)] = [unescape(c).strip() for c in re.findall(r"<td>(.*?)</td>", cells)]
    return rows


def small_counts(rows: dict[str, list[str]], threshold: int = 5) -> list[tuple[str, str]]:
    return [
        (label, cell)
        for label, cells in rows.items()
        if label in COUNT_LABELS
        for cell in cells
        if re.fullmatch(r"\d+", cell) and 0 < int(cell) < threshold
    ]


def test_a_reader_of_two_schools_sees_both_side_by_side_and_together(
    personas: dict[str, Persona], trust_viewer: Persona, login: Any
) -> None:
    enrol(personas["coordinator"].user, personas["coordinator"].school, 6)
    enrol(personas["outsider"].user, personas["outsider"].school, 7)
    page = login(trust_viewer).get(reverse("reports:trust")).content.decode()
    assert personas["coordinator"].school.name in page
    assert personas["outsider"].school.name in page
    assert "All schools together" in page
    assert table_rows(page)["Students supported"] == ["6", "7", "13"]


def test_no_cell_is_below_the_threshold_and_a_total_that_would_give_one_away_is_hidden(
    personas: dict[str, Persona], trust_viewer: Persona, login: Any
) -> None:
    students = enrol(personas["coordinator"].user, personas["coordinator"].school, 6)
    students += enrol(personas["outsider"].user, personas["outsider"].school, 2)
    client = login(trust_viewer)
    page = client.get(reverse("reports:trust")).content.decode()
    rows = table_rows(page)
    # 8 together, less school A's 6, would tell a reader that school B has 2.
    assert rows["Students supported"] == ["6", "Fewer than 5", "Fewer than 5"]
    assert small_counts(rows) == []
    csv_file = client.get(reverse("reports:trust_csv")).content.decode()
    assert "Students supported,6,Fewer than 5,Fewer than 5" in csv_file
    for line in csv_file.splitlines()[1:]:
        label, *cells = line.split(",")
        if label in COUNT_LABELS:
            assert not [c for c in cells if c.isdigit() and 0 < int(c) < 5], line
    for student in students:
        assert student.legal_forename not in page
        assert student.legal_forename not in csv_file


def test_the_total_is_shown_only_when_no_school_figure_is_suppressed() -> None:
    def raw(*counts: int) -> list[Raw]:
        return [Raw(part=count) for count in counts]

    students = next(m for m in MEASURES if m.key == "students_supported")
    still_active = next(m for m in MEASURES if m.key == "still_active_12_weeks")
    assert total_is_safe(raw(6, 7), students, 5)
    assert total_is_safe(raw(6, 0), students, 5)
    assert not total_is_safe(raw(6, 2), students, 5)
    # The reader may know one suppressed school's figure (their own school), so
    # even 2 and 3 (which could be 1 and 4) must not be summed.
    assert not total_is_safe(raw(6, 2, 3), students, 5)
    assert not total_is_safe(raw(6, 1, 1), students, 5)
    # A percentage of people hidden at one school (1 of 6) hides the total too.
    assert not total_is_safe([Raw(5, 10), Raw(1, 6)], still_active, 5)
    assert total_is_safe([Raw(5, 10), Raw(7, 12)], still_active, 5)


def test_the_total_is_hidden_for_a_coordinator_who_knows_one_of_two_suppressed_figures(
    personas: dict[str, Persona], login: Any
) -> None:
    """School A's coordinator sees its real figure (2) there; schools B (3) and C
    (6) are also in their trust view. 11 together, less 6 and their own 2, would
    give away school B's 3."""
    coordinator, outsider = personas["coordinator"], personas["outsider"]
    school_c = school_create(name="Hillside School", urn="140003")
    membership_grant(actor=None, school=school_c, user=outsider.user, role=Role.COORDINATOR)
    for school in (outsider.school, school_c):
        membership_grant(actor=None, school=school, user=coordinator.user, role=Role.VIEWER)
    enrol(coordinator.user, coordinator.school, 2)
    enrol(outsider.user, outsider.school, 3)
    enrol(outsider.user, school_c, 6)
    client = login(coordinator)
    rows = table_rows(client.get(reverse("reports:trust")).content.decode())
    assert rows["Students supported"] == ["6", "Fewer than 5", "Fewer than 5", "Fewer than 5"]
    assert "11" not in rows["Students supported"]
    csv_file = client.get(reverse("reports:trust_csv")).content.decode()
    assert "Students supported,6,Fewer than 5,Fewer than 5,Fewer than 5" in csv_file


def test_a_reader_of_one_school_sees_that_school_and_a_note(
    personas: dict[str, Persona], login: Any
) -> None:
    page = login(personas["coordinator"]).get(reverse("reports:trust")).content.decode()
    assert "You see reports in one school only" in page
    assert personas["coordinator"].school.name in page
    assert personas["outsider"].school.name not in page


def test_only_viewers_coordinators_and_dsls_reach_the_trust_view(
    personas: dict[str, Persona], login: Any
) -> None:
    for who in ("facilitator", "partner", "mentor", "student"):
        client = login(personas[who])
        assert client.get(reverse("reports:trust")).status_code == 403
        assert client.get(reverse("reports:trust_csv")).status_code == 403
    assert not AuditEvent.objects.filter(action="reports.trust_exported").exists()


def test_the_trust_csv_is_audited(trust_viewer: Persona, login: Any) -> None:
    response = login(trust_viewer).get(
        reverse("reports:trust_csv"), {"period_from": "2026-09-01", "period_to": "2026-12-31"}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="reports.trust_exported")
    assert event.actor == trust_viewer.user
    assert event.detail == "2026-09-01 to 2026-12-31"


def test_the_trust_view_takes_the_same_number_of_queries_however_many_students(
    personas: dict[str, Persona], trust_viewer: Persona, login: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(trust_viewer)
    enrol(personas["coordinator"].user, personas["coordinator"].school, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports:trust"))
    enrol(personas["outsider"].user, personas["outsider"].school, 8)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reports:trust"))
    assert len(few) == len(many)
