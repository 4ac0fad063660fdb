"""The research export page: coordinators and DSLs choose a research partner and a
period and download the CSV; bad input shows the page again (400) and makes
nothing; past exports are listed with what, who, when and under which agreement."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.partners.models import Agreement, Organisation, OrganisationKind, ResearchExport
from peersupport.programmes.models import Enrolment, Programme
from peersupport.schools.models import School

NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)
URL = "partners:research"


def organisation_with(
    school: School, persona: Persona, name: str, **agreement: Any
) -> Organisation:
    organisation = Organisation.objects.create(
        school=school, name=name, kind=OrganisationKind.UNIVERSITY
    )
    fields: dict[str, Any] = {
        "signed_on": datetime.date(2026, 9, 1),
        "review_on": datetime.date(2027, 8, 31),
        "scope": "Research.",
        "covers_research": True,
    }
    fields.update(agreement)
    Agreement.objects.create(
        school=school, organisation=organisation, recorded_by=persona.user, **fields
    )
    return organisation


@pytest.fixture
def setting(personas: dict[str, Persona]) -> dict[str, Organisation]:
    coordinator = personas["coordinator"]
    school = coordinator.school
    programme = Programme.objects.create(
        school=school, name="Lunchtime group", kind=Programme.Kind.GROUP, capacity=20
    )
    for _ in range(6):
        student = make_student(school, year_group=9, gender="M", legal_surname="Zebedee")
        Enrolment.objects.create(
            school=school,
            programme=programme,
            student=student,
            started_on=datetime.date(2026, 9, 10),
        )
    return {
        "research": organisation_with(school, coordinator, "University of Northgate"),
        "not_research": organisation_with(
            school, coordinator, "Northgate CAMHS", covers_research=False
        ),
        "expired": organisation_with(
            school,
            coordinator,
            "Old Polytechnic",
            signed_on=datetime.date(2024, 9, 1),
            review_on=datetime.date(2025, 8, 31),
        ),
        "elsewhere": organisation_with(
            personas["outsider"].school, personas["outsider"], "Riverside University"
        ),
    }


def post(client: Client, organisation: Organisation | None, **fields: str) -> Any:
    data = {"period_from": "2026-09-01", "period_to": "2026-11-25"}
    if organisation is not None:
        data["organisation"] = str(organisation.public_id)
    data.update(fields)
    with time_machine.travel(NOW, tick=False):
        return client.post(reverse(URL), data)


def test_the_page_offers_only_partners_whose_agreement_covers_research(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    setting: dict[str, Organisation],
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = login(personas["coordinator"]).get(reverse(URL))
    assert response.status_code == 200
    page = response.content.decode()
    assert "University of Northgate" in page
    for other in ("Northgate CAMHS", "Old Polytechnic", "Riverside University"):
        assert other not in page
    assert "No research exports yet." in page


def test_a_coordinator_downloads_the_export_and_it_is_listed(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    setting: dict[str, Organisation],
) -> None:
    client = login(personas["coordinator"])
    response = post(client, setting["research"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="research-export-')
    text = response.content.decode()
    assert text.startswith("pseudonym,year_group,gender,ethnicity_group,sen_status")
    assert "Zebedee" not in text
    export = ResearchExport.objects.get()
    assert export.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert export.organisation == setting["research"]
    assert export.made_by == personas["coordinator"].user
    assert export.rows == 6

    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse(URL)).content.decode()
    assert "Coordinator" in page  # who made it
    assert export.sha256[:16] in page
    assert "review 31 Aug 2027" in page


@pytest.mark.parametrize(
    ("which", "fields", "message"),
    [
        (None, {}, "This field is required"),
        ("not_research", {}, "Select a valid choice"),
        ("expired", {}, "Select a valid choice"),
        ("elsewhere", {}, "Select a valid choice"),
        ("research", {"period_to": "2026-08-01"}, "must not be before its start"),
        ("research", {"period_from": "not a date"}, "Enter a valid date"),
    ],
)
def test_bad_input_shows_the_page_again_and_makes_nothing(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    setting: dict[str, Organisation],
    which: str | None,
    fields: dict[str, str],
    message: str,
) -> None:
    response = post(login(personas["dsl"]), setting[which] if which else None, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ResearchExport.objects.exists()


def test_with_no_research_partner_the_page_says_what_to_do(
    personas: dict[str, Persona], login: Callable[[Persona], Client]
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = login(personas["dsl"]).get(reverse(URL))
    assert response.status_code == 200
    assert "No organisation has a data sharing agreement in force that covers research" in (
        response.content.decode()
    )


@pytest.mark.parametrize("who", ["facilitator", "viewer", "partner", "mentor", "student"])
def test_other_roles_may_not_reach_the_page_or_export(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    setting: dict[str, Organisation],
    who: str,
) -> None:
    client = login(personas[who])
    assert client.get(reverse(URL)).status_code == 403
    assert post(client, setting["research"]).status_code == 403
    assert not ResearchExport.objects.exists()


def test_the_list_of_exports_takes_as_many_queries_for_many_as_for_one(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    setting: dict[str, Organisation],
) -> None:
    client = login(personas["coordinator"])

    def queries_for_the_page() -> int:
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as seen:
            assert client.get(reverse(URL)).status_code == 200
        return len(seen.captured_queries)

    assert post(client, setting["research"]).status_code == 200
    one = queries_for_the_page()
    for _ in range(3):
        assert post(client, setting["research"]).status_code == 200
    assert ResearchExport.objects.count() == 4
    assert queries_for_the_page() == one


def test_an_empty_post_shows_field_errors_and_makes_nothing(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    setting: dict[str, Organisation],
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = login(personas["coordinator"]).post(reverse(URL), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ResearchExport.objects.exists()


def test_the_page_says_the_other_columns_are_not_part_of_the_k_check(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    setting: dict[str, Organisation],
) -> None:
    with time_machine.travel(NOW, tick=False):
        page = login(personas["coordinator"]).get(reverse(URL)).content.decode()
    assert (
        "Other columns (months, counts, scores) are not part of the k check; "
        "share the file only under the agreement." in page
    )
