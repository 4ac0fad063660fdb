"""Lockout after 5 failed sign-ins (per account and per address) and unlock."""

from __future__ import annotations

import datetime

import time_machine
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, Persona
from peersupport.audit.models import AuditEvent


def sign_in(client: Client, email: str, password: str, address: str = "10.0.0.1") -> int:
    response = client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def test_five_failed_sign_ins_lock_the_account_with_a_clear_message(
    client: Client, personas: dict[str, Persona]
) -> None:
    email = personas["facilitator"].user.email
    for _ in range(4):
        assert sign_in(client, email, "wrong-password") == 200  # form shown again
    response = client.post(reverse("account_login"), {"login": email, "password": "wrong"})
    assert response.status_code == 429
    assert b"Sign-in is locked" in response.content
    # Even the right password is refused while locked, from another address too.
    assert sign_in(client, email, PASSWORD, address="10.9.9.9") == 429
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() >= 5


def test_failures_from_one_address_lock_that_address_across_accounts(
    client: Client, personas: dict[str, Persona]
) -> None:
    emails = [personas[name].user.email for name in ("facilitator", "viewer", "mentor")]
    for attempt in range(5):
        sign_in(client, emails[attempt % 3], "wrong-password", address="10.0.0.7")
    # A correct password for another account from the same address is refused...
    assert sign_in(client, personas["student"].user.email, PASSWORD, address="10.0.0.7") == 429
    # ...but the same account signs in from another address.
    assert sign_in(client, personas["student"].user.email, PASSWORD, address="10.0.0.8") == 302


def test_the_lock_cools_off_after_fifteen_minutes(
    client: Client, personas: dict[str, Persona]
) -> None:
    email = personas["viewer"].user.email
    with time_machine.travel(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)):
        for _ in range(5):
            sign_in(client, email, "wrong-password")
        assert sign_in(client, email, PASSWORD) == 429
    with time_machine.travel(datetime.datetime(2026, 11, 25, 10, 16, tzinfo=datetime.UTC)):
        assert sign_in(client, email, PASSWORD) == 302


def test_a_coordinator_unlocks_a_locked_account(
    client: Client, personas: dict[str, Persona]
) -> None:
    locked = personas["viewer"]
    for _ in range(5):
        sign_in(client, locked.user.email, "wrong-password", address="10.0.0.2")
    assert sign_in(client, locked.user.email, PASSWORD, address="10.0.0.3") == 429

    staff = Client()
    staff.force_login(personas["coordinator"].user)
    page = staff.get(reverse("accounts:staff_detail", args=[locked.membership.public_id]))
    assert b"Unlock sign-in" in page.content
    response = staff.post(reverse("accounts:staff_unlock", args=[locked.membership.public_id]))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.unlocked").count() == 1

    assert sign_in(client, locked.user.email, PASSWORD, address="10.0.0.3") == 302


def test_a_facilitator_cannot_unlock(client: Client, personas: dict[str, Persona]) -> None:
    client.force_login(personas["facilitator"].user)
    response = client.post(
        reverse("accounts:staff_unlock", args=[personas["viewer"].membership.public_id])
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="auth.unlocked").exists()
