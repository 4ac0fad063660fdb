"""Sessions end after 30 minutes idle and 12 hours in all; signing out or being
disabled ends every session of the user."""

from __future__ import annotations

import datetime

import time_machine
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, Persona
from peersupport.audit.models import AuditEvent

START = datetime.datetime(2026, 11, 25, 8, 0, tzinfo=datetime.UTC)


def signed_in_client(persona: Persona, address: str = "10.1.1.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        reverse("account_login"), {"login": persona.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_a_session_ends_after_thirty_minutes_idle(personas: dict[str, Persona]) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(personas["facilitator"])
        traveller.shift(datetime.timedelta(minutes=29))
        assert is_signed_in(client)  # activity renews the idle limit
        traveller.shift(datetime.timedelta(minutes=29))
        assert is_signed_in(client)
        traveller.shift(datetime.timedelta(minutes=31))
        assert not is_signed_in(client)


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(
    personas: dict[str, Persona],
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(personas["facilitator"])
        for _ in range(12 * 3):  # a request every 20 minutes for 12 hours
            traveller.shift(datetime.timedelta(minutes=20))
            assert is_signed_in(client)
        traveller.shift(datetime.timedelta(minutes=5))
        response = client.get(reverse("home"), follow=True)
        assert response.redirect_chain[0][1] == 302
        assert b"signed out after 12 hours" in response.content


def test_signing_out_ends_every_session_of_the_user(personas: dict[str, Persona]) -> None:
    laptop = signed_in_client(personas["facilitator"], "10.1.1.1")
    phone = signed_in_client(personas["facilitator"], "10.1.1.2")
    other_user = signed_in_client(personas["viewer"], "10.1.1.3")
    assert is_signed_in(laptop) and is_signed_in(phone)
    laptop.post(reverse("account_logout"))
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert is_signed_in(other_user)
    # Signing in again afterwards works.
    assert is_signed_in(signed_in_client(personas["facilitator"]))


def test_disabling_a_user_ends_their_sessions_and_stops_sign_in(
    personas: dict[str, Persona],
) -> None:
    facilitator = personas["facilitator"]
    their_session = signed_in_client(facilitator)
    assert is_signed_in(their_session)
    coordinator = Client()
    coordinator.force_login(personas["coordinator"].user)
    response = coordinator.post(
        reverse("accounts:staff_disable", args=[facilitator.membership.public_id])
    )
    assert response.status_code == 302
    assert not is_signed_in(their_session)
    again = Client().post(
        reverse("account_login"), {"login": facilitator.user.email, "password": PASSWORD}
    )
    assert again.status_code == 302 and again.url == reverse("account_inactive")
    assert AuditEvent.objects.filter(action="membership.disabled").count() == 1
    facilitator.user.refresh_from_db()
    assert facilitator.user.is_active is False
