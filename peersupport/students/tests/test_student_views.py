"""The student list and profile: filters, paging, fixed query counts, audited reads,
and what each role may see."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.schools.models import School
from peersupport.students import profile_links
from peersupport.students.models import ConsentRecord


@pytest.fixture
def roll(school_a: School) -> None:
    make_student(
        school_a,
        legal_forename="Amir",
        legal_surname="Khan",
        year_group=7,
        form="7A",
        sen_status="K",
        sen_primary_need="SEMH",
        pupil_premium=True,
    )
    make_student(
        school_a, legal_forename="Beth", legal_surname="Jones", year_group=8, form="8B", eal=True
    )
    make_student(
        school_a,
        legal_forename="Cara",
        legal_surname="Lee",
        year_group=7,
        form="7B",
        on_roll=False,
        date_left=datetime.date(2026, 7, 20),
    )


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.legal_forename for s in response.context["page"].object_list]


@pytest.mark.parametrize(
    "query,expected",
    [
        ({}, ["Beth", "Amir"]),
        ({"q": "kha"}, ["Amir"]),
        ({"year": "7"}, ["Amir"]),
        ({"form": "8B"}, ["Beth"]),
        ({"need": "SEMH"}, ["Amir"]),
        ({"sen_status": "K"}, ["Amir"]),
        ({"pupil_premium": "yes"}, ["Amir"]),
        ({"eal": "yes"}, ["Beth"]),
        ({"eal": "no"}, ["Amir"]),
        ({"include_leavers": "on", "year": "7"}, ["Amir", "Cara"]),
    ],
)
def test_the_list_filters(
    client: Client,
    personas: dict[str, Persona],
    roll: None,
    query: dict[str, str],
    expected: list[str],
) -> None:
    client.force_login(personas["coordinator"].user)
    response = client.get(reverse("students:list"), query)
    assert response.status_code == 200
    assert names(response) == expected


def test_a_bad_filter_value_changes_nothing_and_says_so(
    client: Client, personas: dict[str, Persona], roll: None
) -> None:
    client.force_login(personas["coordinator"].user)
    response = client.get(reverse("students:list"), {"year": "99"})
    assert response.status_code == 200
    assert "year" in response.context["form"].errors


def test_the_list_pages_and_its_query_count_does_not_grow(
    client: Client,
    personas: dict[str, Persona],
    school_a: School,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    client.force_login(personas["coordinator"].user)
    for _ in range(3):
        make_student(school_a)
    client.get(reverse("students:list"))  # warm caches (content types, sessions)
    with django_assert_num_queries(10) as small:
        client.get(reverse("students:list"))
    for _ in range(120):
        make_student(school_a)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("students:list"))
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 3


def test_the_htmx_request_gets_only_the_results(
    client: Client, personas: dict[str, Persona], roll: None
) -> None:
    client.force_login(personas["coordinator"].user)
    response = client.get(reverse("students:list"), {"q": "Beth"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body and "Beth" in body


def test_reading_a_profile_is_audited(
    client: Client, personas: dict[str, Persona], student_a
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(personas["dsl"].user)
    response = client.get(reverse("students:detail", args=[student_a.public_id]))
    assert response.status_code == 200 and b"Lovelace" in response.content
    event = AuditEvent.objects.get(action="student.profile_viewed")
    assert (event.actor, event.role, event.object_public_id) == (
        personas["dsl"].user,
        "dsl",
        student_a.public_id,
    )
    assert "Lovelace" not in event.detail


def test_a_facilitator_sees_no_students_until_they_have_mentees(
    client: Client, personas: dict[str, Persona], roll: None
) -> None:
    client.force_login(personas["facilitator"].user)
    assert names(client.get(reverse("students:list"))) == []


def test_the_outsider_sees_only_their_own_school(
    client: Client, personas: dict[str, Persona], roll: None, student_b
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(personas["outsider"].user)
    assert names(client.get(reverse("students:list"))) == ["Bea"]


def test_consent_is_recorded_and_withdrawn(
    client: Client, personas: dict[str, Persona], student_a
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(personas["coordinator"].user)
    today = datetime.date.today()
    response = client.post(
        reverse("students:consent_add", args=[student_a.public_id]),
        {
            "kind": "take_part",
            "given": "yes",
            "given_by": "Mary Lovelace",
            "relationship": "mother",
            "method": "paper",
            "given_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    consent = ConsentRecord.objects.get()
    assert consent.is_in_force and consent.recorded_by == personas["coordinator"].user
    client.post(
        reverse("students:consent_withdraw", args=[consent.public_id]),
        {"withdrawn_on": today.isoformat(), "reason": "changed her mind"},
    )
    consent.refresh_from_db()
    assert consent.withdrawn_on == today and not consent.is_in_force
    assert AuditEvent.objects.filter(action__startswith="consent.").count() == 2


def test_a_future_consent_date_is_refused_and_nothing_saved(
    client: Client, personas: dict[str, Persona], student_a
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(personas["coordinator"].user)
    response = client.post(
        reverse("students:consent_add", args=[student_a.public_id]),
        {
            "kind": "take_part",
            "given": "yes",
            "given_by": "M",
            "relationship": "mother",
            "method": "paper",
            "given_on": "2099-01-01",
        },
    )
    assert response.status_code == 200
    assert b"cannot be in the future" in response.content
    assert not ConsentRecord.objects.exists()


def test_later_apps_add_links_to_the_profile_and_choose_who_sees_them(
    client: Client,
    personas: dict[str, Persona],
    student_a,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The profile shows the links that later apps' sources give it (students cannot
    import those apps), and nothing where a source answers None."""

    def for_the_dsl(user, school, student):  # type: ignore[no-untyped-def]
        if user != personas["dsl"].user:
            return None
        return profile_links.ProfileLink("Their page elsewhere", f"/elsewhere/{student.public_id}/")

    monkeypatch.setattr(profile_links, "_sources", [])
    profile_links.profile_link_source_add(for_the_dsl)
    profile_links.profile_link_source_add(for_the_dsl)  # added once, however often
    url = reverse("students:detail", args=[student_a.public_id])
    client.force_login(personas["dsl"].user)
    body = client.get(url).content.decode()
    assert body.count(f'<a href="/elsewhere/{student_a.public_id}/">Their page elsewhere</a>') == 1
    client.force_login(personas["coordinator"].user)
    assert "elsewhere" not in client.get(url).content.decode()
