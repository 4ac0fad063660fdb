"""Lockout after 5 failed sign-ins (per account and per address) and unlock."""

from __future__ import annotations

import datetime
import ipaddress
from typing import Any

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


def test_signing_in_to_another_account_does_not_reset_the_count_against_a_victim(
    personas: dict[str, Persona],
) -> None:
    victim = personas["viewer"].user.email
    attacker = personas["facilitator"].user.email
    for guess in range(4):
        assert sign_in(Client(), victim, f"guess-{guess}", "10.6.6.6") == 200
    assert sign_in(Client(), attacker, PASSWORD, "10.6.6.6") == 302
    assert sign_in(Client(), victim, "one-more-guess", "10.6.6.7") == 429
    assert sign_in(Client(), victim, PASSWORD, "10.6.6.8") == 429


def test_signing_in_clears_only_your_own_failures(personas: dict[str, Persona]) -> None:
    email = personas["viewer"].user.email
    for _ in range(4):
        sign_in(Client(), email, "typo", "10.7.7.7")
    assert sign_in(Client(), email, PASSWORD, "10.7.7.7") == 302
    for _ in range(4):  # four more typos later do not lock: the count started again
        assert sign_in(Client(), email, "typo", "10.7.7.7") == 200


def test_failures_from_two_devices_add_up_and_the_staff_page_shows_the_lock(
    personas: dict[str, Persona],
) -> None:
    victim = personas["viewer"]
    for attempt in range(5):
        Client(HTTP_USER_AGENT=f"device-{attempt % 2}").post(
            reverse("account_login"),
            {"login": victim.user.email, "password": "wrong"},
            REMOTE_ADDR=f"10.0.1.{attempt % 2 + 1}",
        )
    assert sign_in(Client(), victim.user.email, PASSWORD, "10.0.1.9") == 429
    staff = Client()
    staff.force_login(personas["coordinator"].user)
    page = staff.get(reverse("accounts:staff_detail", args=[victim.membership.public_id]))
    assert b"Unlock sign-in" in page.content
    assert b"Locked out" in staff.get(reverse("accounts:staff_list")).content
    staff.post(reverse("accounts:staff_unlock", args=[victim.membership.public_id]))
    # Unlocking clears the account and the addresses its failures came from.
    assert sign_in(Client(), victim.user.email, PASSWORD, "10.0.1.1") == 302


def test_on_the_school_network_typos_lock_accounts_not_the_whole_school(
    personas: dict[str, Persona], settings: Any
) -> None:
    settings.SCHOOL_NETWORKS = [ipaddress.ip_network("192.0.2.0/24")]
    for name in ("facilitator", "mentor", "student", "partner", "dsl"):
        sign_in(Client(), personas[name].user.email, "typo", "192.0.2.10")
    assert sign_in(Client(), personas["viewer"].user.email, PASSWORD, "192.0.2.10") == 302
    # ...while the same from outside the school locks the address.
    for name in ("facilitator", "mentor", "student", "partner", "dsl"):
        sign_in(Client(), personas[name].user.email, "typo", "203.0.113.5")
    assert sign_in(Client(), personas["viewer"].user.email, PASSWORD, "203.0.113.5") == 429
    # An account still locks on the school network.
    for _ in range(5):
        sign_in(Client(), personas["viewer"].user.email, "typo", "192.0.2.11")
    assert sign_in(Client(), personas["viewer"].user.email, PASSWORD, "192.0.2.12") == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    personas: dict[str, Persona], settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    email = personas["viewer"].user.email
    for _ in range(5):
        Client().post(
            reverse("account_login"),
            {"login": personas["mentor"].user.email, "password": "wrong"},
            REMOTE_ADDR="10.0.0.254",  # the proxy
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    # Another visitor through the same proxy is not locked out by the first one.
    ok = Client().post(
        reverse("account_login"),
        {"login": email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert ok.status_code == 302
    event = AuditEvent.objects.filter(action="auth.signed_in").latest("at")
    assert event.ip_address == "198.51.100.2"
    # A visitor cannot choose their address by sending the header themselves.
    spoofed = Client().post(
        reverse("account_login"),
        {"login": email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 198.51.100.3",
    )
    assert spoofed.status_code == 302
