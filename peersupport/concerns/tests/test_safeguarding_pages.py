"""The DSL's safeguarding pages: the list (waiting ones first), the record (first
account, chronology with corrections linked both ways, acknowledge, add an entry,
who has looked), each read audited, and 404 for anyone else who guesses the
address."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import Concern, SafeguardingEntry
from peersupport.concerns.services import safeguarding_acknowledge, safeguarding_add_entry
from peersupport.concerns.tests.safeguarding_setup import FIRST_ACCOUNT, raise_safeguarding

Login = Callable[[Persona], Client]


def detail_url(concern: Concern) -> str:
    return reverse("concerns:safeguarding_detail", kwargs={"public_id": concern.public_id})


@pytest.fixture
def concern(personas: dict[str, Persona], student_a: Any) -> Concern:
    return raise_safeguarding(personas["mentor"], [student_a])


def test_the_dsl_reads_the_record_and_the_read_is_audited_and_listed(
    personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    client = login(personas["dsl"])
    response = client.get(detail_url(concern), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    page = response.content.decode()
    assert FIRST_ACCOUNT in page
    event = AuditEvent.objects.get(action="safeguarding.viewed")
    assert (event.actor, event.role, event.object_public_id, event.ip_address) == (
        personas["dsl"].user,
        "dsl",
        concern.public_id,
        "10.1.2.3",
    )
    # "Who has looked at this record" shows the read just made.
    access = response.context["access"]
    assert access[0].who == "Dsl"
    assert access[0].what == "Looked at the record"
    assert access[0].where == "10.1.2.3"
    assert "Who has looked at this record" in page


@pytest.mark.parametrize("who", ["coordinator", "outsider"])
def test_a_coordinator_guessing_the_address_gets_404_and_learns_nothing(
    who: str, personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    response = login(personas[who]).get(detail_url(concern))
    assert response.status_code == 404
    assert FIRST_ACCOUNT.encode() not in response.content
    assert not AuditEvent.objects.filter(action="safeguarding.viewed").exists()


@pytest.mark.parametrize("who", ["facilitator", "viewer", "partner", "mentor", "student"])
def test_other_roles_are_refused(
    who: str, personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    client = login(personas[who])
    assert client.get(detail_url(concern)).status_code == 403
    assert client.get(reverse("concerns:safeguarding_list")).status_code == 403


def test_a_record_that_does_not_exist_looks_the_same_as_one_that_is_not_yours(
    personas: dict[str, Persona], login: Login
) -> None:
    import uuid

    response = login(personas["coordinator"]).get(
        reverse("concerns:safeguarding_detail", kwargs={"public_id": uuid.uuid4()})
    )
    assert response.status_code == 404


def test_the_list_puts_waiting_concerns_first_and_says_how_long(
    personas: dict[str, Persona], student_a: Any, login: Login
) -> None:
    gmt = datetime.UTC  # March, before the clocks go forward
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=gmt), tick=False):
        older = raise_safeguarding(personas["facilitator"], [student_a], text="First.")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 30, tzinfo=gmt), tick=False):
        newer = raise_safeguarding(personas["facilitator"], [student_a], text="Second.")
        done = raise_safeguarding(personas["facilitator"], [student_a], text="Third.")
        safeguarding_acknowledge(actor=personas["dsl"].user, concern=done)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 11, 0, tzinfo=gmt), tick=False):
        response = login(personas["dsl"]).get(reverse("concerns:safeguarding_list"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows == [older, newer, done]
    page = response.content.decode()
    assert "Waiting 2\xa0hours" in page
    assert "Waiting 1\xa0hour, 30\xa0minutes" in page
    assert "First." not in page  # no content on the list
    assert AuditEvent.objects.filter(action="safeguarding.list_viewed").count() == 1


def test_the_list_does_not_grow_in_queries_with_the_data(
    personas: dict[str, Persona], student_a: Any, login: Login
) -> None:
    client = login(personas["dsl"])
    url = reverse("concerns:safeguarding_list")
    raise_safeguarding(personas["facilitator"], [student_a])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(4):
        other = make_student(personas["dsl"].school)
        safeguarding_acknowledge(
            actor=personas["dsl"].user,
            concern=raise_safeguarding(personas["coordinator"], [student_a, other]),
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 5
    assert len(many) == len(few)


def test_acknowledging_from_the_page(
    personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    client = login(personas["dsl"])
    page = client.get(detail_url(concern)).content.decode()
    assert "Acknowledge: I have received this" in page
    response = client.post(
        reverse("concerns:safeguarding_acknowledge", kwargs={"public_id": concern.public_id})
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.acknowledged_by == personas["dsl"].user
    page = client.get(detail_url(concern)).content.decode()
    assert "Acknowledged by Dsl" in page
    assert "Acknowledge: I have received this" not in page


def test_the_coordinator_cannot_acknowledge_by_posting(
    personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    response = login(personas["coordinator"]).post(
        reverse("concerns:safeguarding_acknowledge", kwargs={"public_id": concern.public_id})
    )
    assert response.status_code == 404
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_adding_an_entry_and_a_correction_from_the_page(
    personas: dict[str, Persona], concern: Concern, student_a: Any, login: Login
) -> None:
    safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    client = login(personas["dsl"])
    url = reverse("concerns:safeguarding_entry_add", kwargs={"public_id": concern.public_id})
    response = client.post(
        url,
        {
            "kind": "action",
            "text": "Phoned children's social care on Monday.",
            "students": [str(student_a.public_id)],
            "staff": [str(personas["facilitator"].user.public_id)],
        },
    )
    assert response.status_code == 302
    first = SafeguardingEntry.objects.get()
    assert list(first.students.all()) == [student_a]
    response = client.post(
        url,
        {"kind": "correction", "text": "It was Tuesday.", "corrects": str(first.public_id)},
    )
    assert response.status_code == 302
    correction = SafeguardingEntry.objects.get(kind="correction")
    assert correction.corrects == first
    page = client.get(detail_url(concern)).content.decode()
    assert f'href="#entry-{first.public_id}">entry 1</a>' in page
    assert f'href="#entry-{correction.public_id}">entry 2</a>' in page
    # Choices are offered by public id, never by integer id.
    assert f'<option value="{first.public_id}"' in page
    assert f'<option value="{first.pk}"' not in page
    assert f'<option value="{student_a.public_id}"' in page


def test_a_bad_entry_shows_the_form_again_with_its_error_and_saves_nothing(
    personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    response = login(personas["dsl"]).post(
        reverse("concerns:safeguarding_entry_add", kwargs={"public_id": concern.public_id}),
        {"kind": "outcome", "text": "Closed."},
    )
    assert response.status_code == 400
    assert "Choose the outcome." in response.content.decode()
    assert not SafeguardingEntry.objects.exists()


def test_a_correction_naming_an_entry_of_another_record_is_refused_on_the_page(
    personas: dict[str, Persona], concern: Concern, student_a: Any, login: Login
) -> None:
    safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    other = safeguarding_acknowledge(
        actor=personas["dsl"].user,
        concern=raise_safeguarding(personas["coordinator"], [student_a], text="Other."),
    )
    foreign = safeguarding_add_entry(
        actor=personas["dsl"].user, concern=other, kind="action", text="Elsewhere."
    )
    response = login(personas["dsl"]).post(
        reverse("concerns:safeguarding_entry_add", kwargs={"public_id": concern.public_id}),
        {"kind": "correction", "text": "Wrong.", "corrects": str(foreign.public_id)},
    )
    # The other record's entry is not even a choice on this record's form.
    assert response.status_code == 400
    assert SafeguardingEntry.objects.count() == 1


def test_the_person_who_raised_it_sees_who_received_it_but_never_the_record(
    personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    client = login(personas["mentor"])
    thanks = client.get(reverse("concerns:thanks", kwargs={"public_id": concern.public_id}))
    assert thanks.status_code == 200
    page = thanks.content.decode()
    assert "Dsl" in page
    assert FIRST_ACCOUNT not in page
    assert client.get(detail_url(concern)).status_code == 403
    assert client.get(
        reverse("concerns:detail", kwargs={"public_id": concern.public_id})
    ).status_code in (403, 404)


def test_only_dsls_have_the_safeguarding_link_and_it_is_current_on_its_pages(
    personas: dict[str, Persona], concern: Concern, login: Login
) -> None:
    client = login(personas["dsl"])
    links = client.get(reverse("concerns:safeguarding_list")).context["nav_links"]
    assert [link["label"] for link in links if link["current"]] == ["Safeguarding"]
    links = client.get(detail_url(concern)).context["nav_links"]
    assert [link["label"] for link in links if link["current"]] == ["Safeguarding"]
    links = login(personas["coordinator"]).get(reverse("concerns:list")).context["nav_links"]
    assert "Safeguarding" not in [link["label"] for link in links]
