"""The school's rules for concerns: DSLs set the safeguarding ones (how soon, whom
it escalates to, the school day), coordinators and DSLs the others; bad input
changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import ConcernSettings
from peersupport.concerns.selectors import concern_settings_of
from peersupport.concerns.services import concern_settings_save

URL = reverse("concerns:settings")
SAFEGUARDING = {
    "part": "safeguarding",
    "acknowledge_within_minutes": "20",
    "school_day_starts": "08:45",
    "school_day_ends": "15:30",
}


@pytest.fixture
def deputy(personas: dict[str, Persona]) -> Persona:
    return make_user(
        "deputy@northgate.example", "Deputy Dsl", personas["dsl"].school, Role.DSL, True
    )


def test_a_dsl_sets_the_time_and_names_a_deputy(
    personas: dict[str, Persona], deputy: Persona, login: Callable[[Persona], Client]
) -> None:
    client = login(personas["dsl"])
    page = client.get(URL)
    assert "Deputy Dsl" in page.content.decode()
    response = client.post(URL, {**SAFEGUARDING, "escalate_to": str(deputy.user.pk)})
    assert response.status_code == 302
    rules = concern_settings_of(personas["dsl"].school)
    assert rules.acknowledge_within_minutes == 20
    assert rules.escalate_to == deputy.user
    assert str(rules.school_day_ends) == "15:30:00"
    event = AuditEvent.objects.get(action="concern_settings.changed")
    assert event.actor == personas["dsl"].user
    assert event.detail == (
        "acknowledge_within_minutes, escalate_to, school_day_ends, school_day_starts"
    )


def test_only_a_dsl_can_be_named(
    personas: dict[str, Persona], login: Callable[[Persona], Client]
) -> None:
    """The e-mail's link must let the named person in: someone without the DSL role
    is not offered, and the service refuses them too."""
    school = personas["dsl"].school
    head = make_user("head@northgate.example", "Head Teacher", school, Role.VIEWER, True)
    client = login(personas["dsl"])
    assert "Head Teacher" not in client.get(URL).content.decode()
    response = client.post(URL, {**SAFEGUARDING, "escalate_to": str(head.user.pk)})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ConcernSettings.objects.exists()
    with pytest.raises(ValidationError) as refused:
        concern_settings_save(actor=personas["dsl"].user, school=school, escalate_to=head.user)
    assert "does not hold the DSL role" in str(refused.value)
    assert not ConcernSettings.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"acknowledge_within_minutes": "2"}, "greater than or equal to 5"),
        ({"acknowledge_within_minutes": "many"}, "Enter a whole number"),
        ({"school_day_ends": "08:00"}, "The school day must end after it starts."),
    ],
)
def test_bad_safeguarding_settings_get_a_message_and_change_nothing(
    personas: dict[str, Persona],
    login: Callable[[Persona], Client],
    changes: dict[str, str],
    message: str,
) -> None:
    client = login(personas["dsl"])
    response = client.post(URL, {**SAFEGUARDING, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ConcernSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="concern_settings.changed").exists()


def test_a_coordinator_reads_but_cannot_change_the_safeguarding_rules(
    personas: dict[str, Persona], login: Callable[[Persona], Client]
) -> None:
    client = login(personas["coordinator"])
    page = client.get(URL).content.decode()
    assert "Only a Designated Safeguarding Lead can change these." in page
    assert 'name="acknowledge_within_minutes"' not in page
    assert client.post(URL, SAFEGUARDING).status_code == 404
    assert not ConcernSettings.objects.exists()
    with pytest.raises(PermissionDenied):
        concern_settings_save(
            actor=personas["coordinator"].user,
            school=personas["coordinator"].school,
            acknowledge_within_minutes=60,
        )


def test_a_coordinator_sets_the_reporting_and_conflict_rules(
    personas: dict[str, Persona], login: Callable[[Persona], Client]
) -> None:
    client = login(personas["coordinator"])
    page = client.get(URL).content.decode()
    assert "nobody can follow it up" in page  # fully anonymous reports are labelled
    response = client.post(
        URL,
        {
            "part": "reporting",
            "fully_anonymous_reporting": "on",
            "conflict_resolve_within_days": "7",
        },
    )
    assert response.status_code == 302
    rules = concern_settings_of(personas["coordinator"].school)
    assert (rules.fully_anonymous_reporting, rules.conflict_resolve_within_days) == (True, 7)
    assert rules.acknowledge_within_minutes == 30  # untouched
    bad = client.post(URL, {"part": "reporting", "conflict_resolve_within_days": "0"})
    assert bad.status_code == 400
    assert concern_settings_of(personas["coordinator"].school).conflict_resolve_within_days == 7


def test_the_page_warns_when_nobody_holds_the_dsl_role(
    personas: dict[str, Persona], login: Callable[[Persona], Client]
) -> None:
    client = login(personas["coordinator"])
    assert "Nobody holds the DSL role" not in client.get(URL).content.decode()
    membership: Any = personas["dsl"].membership
    membership.is_active = False
    membership.save()
    assert "Nobody holds the DSL role" in client.get(URL).content.decode()


@pytest.mark.parametrize("who", ["facilitator", "mentor", "student", "viewer", "partner"])
def test_nobody_else_reaches_the_settings(
    personas: dict[str, Persona], login: Callable[[Persona], Client], who: str
) -> None:
    client = login(personas[who])
    assert client.get(URL).status_code in (403, 404)
    assert client.post(
        URL, {"part": "reporting", "conflict_resolve_within_days": "3"}
    ).status_code in (403, 404)
    assert not ConcernSettings.objects.exists()
