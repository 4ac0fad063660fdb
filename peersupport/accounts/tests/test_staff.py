"""Inviting staff, changing roles and switching school; the DSL role only a DSL may
grant; role checks are per school."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, Persona
from peersupport.accounts.models import Membership, Role, User
from peersupport.accounts.services import (
    invitation_create,
    membership_change_role,
    membership_grant,
    user_create,
)
from peersupport.audit.models import AuditEvent


def test_a_coordinator_invites_a_facilitator_who_joins(
    client: Client, personas: dict[str, Persona], django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(personas["coordinator"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:staff_invite"),
            {"email": "New.Teacher@Northgate.example", "role": "facilitator"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.teacher@northgate.example"]
    link = re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body)
    assert link
    newcomer = Client()
    page = newcomer.get(link.group(1))
    assert page.status_code == 200 and b"Join Northgate Academy" in page.content
    weak = newcomer.post(
        link.group(1),
        {"full_name": "New Teacher", "password1": "password", "password2": "password"},
    )
    assert (
        weak.status_code == 200
        and not User.objects.filter(email="new.teacher@northgate.example").exists()
    )
    joined = newcomer.post(
        link.group(1), {"full_name": "New Teacher", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert joined.status_code == 302
    membership = Membership.objects.get(user__email="new.teacher@northgate.example")
    assert (
        membership.role == Role.FACILITATOR and membership.school == personas["coordinator"].school
    )
    assert newcomer.get(reverse("students:list")).status_code == 200
    # The link works once.
    assert Client().get(link.group(1)).status_code == 404


def test_a_coordinator_cannot_invite_or_make_a_dsl(personas: dict[str, Persona]) -> None:
    coordinator = personas["coordinator"]
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=coordinator.user, school=coordinator.school, email="x@y.example", role=Role.DSL
        )
    with pytest.raises(PermissionDenied):
        membership_change_role(
            actor=coordinator.user, membership=personas["facilitator"].membership, role=Role.DSL
        )
    with pytest.raises(PermissionDenied):
        membership_change_role(
            actor=coordinator.user, membership=personas["dsl"].membership, role=Role.VIEWER
        )


def test_the_invite_form_offers_the_dsl_role_only_to_a_dsl(
    client: Client, personas: dict[str, Persona]
) -> None:
    client.force_login(personas["coordinator"].user)
    assert b'value="dsl"' not in client.get(reverse("accounts:staff_invite")).content
    client.force_login(personas["dsl"].user)
    assert b'value="dsl"' in client.get(reverse("accounts:staff_invite")).content


def test_a_dsl_grants_the_dsl_role_and_it_is_audited(
    client: Client, personas: dict[str, Persona]
) -> None:
    client.force_login(personas["dsl"].user)
    target = personas["facilitator"].membership
    response = client.post(
        reverse("accounts:staff_detail", args=[target.public_id]), {"role": "dsl"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.DSL
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.detail == "facilitator to dsl" and event.actor == personas["dsl"].user


def test_roles_are_per_school(client: Client, personas: dict[str, Persona], school_b) -> None:  # type: ignore[no-untyped-def]
    # The viewer of school A is a coordinator at school B.
    viewer = personas["viewer"]
    membership_grant(actor=None, school=school_b, user=viewer.user, role=Role.COORDINATOR)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(viewer.user, generate_totp_secret())
    client.force_login(viewer.user)
    assert client.get(reverse("students:list")).status_code == 403  # A first, by name
    response = client.post(reverse("accounts:school_switch"), {"school": str(school_b.public_id)})
    assert response.status_code == 302
    assert client.get(reverse("students:list")).status_code == 200
    # A school the user is not a member of cannot be chosen.
    other = client.post(
        reverse("accounts:school_switch"), {"school": "00000000-0000-0000-0000-000000000000"}
    )
    assert other.status_code == 404


@pytest.mark.real_hashers
def test_passwords_are_hashed_with_argon2(db: None) -> None:
    user = user_create(email="hash@example.org", full_name="Hash", password=PASSWORD)
    assert identify_hasher(user.password).algorithm == "argon2"


def test_weak_passwords_are_refused(db: None) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_create(email="weak@example.org", full_name="Weak", password="12345678")
    assert not User.objects.filter(email="weak@example.org").exists()


def test_password_reset_sends_a_code_by_e_mail(
    client: Client, personas: dict[str, Persona]
) -> None:
    response = client.post(
        reverse("account_reset_password"), {"email": personas["viewer"].user.email}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert personas["viewer"].user.email in mail.outbox[0].to
    # No link with the account's id: a code typed into the page.
    assert "/key/" not in mail.outbox[0].body


def test_changing_e_mail_needs_reauthentication_then_confirmation(
    client: Client, personas: dict[str, Persona], django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    viewer = personas["viewer"]
    client.force_login(viewer.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "new.address@northgate.example"}
    )
    assert response.status_code == 302 and reverse("account_reauthenticate") in response.url
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_email"), {"action_add": "", "email": "new.address@northgate.example"}
        )
    viewer.user.refresh_from_db()
    assert viewer.user.email == "viewer@northgate.example"  # not until confirmed
    assert any("new.address@northgate.example" in m.to for m in mail.outbox)


def test_a_member_of_another_school_accepts_while_signed_in(
    client: Client, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    outsider = personas["outsider"]
    _, token = invitation_create(
        actor=coordinator.user,
        school=coordinator.school,
        email=outsider.user.email,
        role=Role.VIEWER,
    )
    url = reverse("accounts:invitation_accept", args=[token])
    # Someone else signed in cannot take it.
    client.force_login(personas["mentor"].user)
    refused = client.post(url)
    assert refused.status_code == 200 and b"different e-mail address" in refused.content
    client.force_login(outsider.user)
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=outsider.user, school=coordinator.school).role == Role.VIEWER
    # Their own school is unchanged; the new school is now the current one.
    assert (
        Membership.objects.get(user=outsider.user, school=outsider.school).role == Role.COORDINATOR
    )
    assert client.get(reverse("students:list")).status_code == 403


def test_disabling_a_member_cancels_the_invitations_they_sent(personas: dict[str, Persona]) -> None:
    from peersupport.accounts.services import invitation_find, membership_disable

    second_coordinator = personas["facilitator"]
    dsl = personas["dsl"]
    membership_change_role(
        actor=dsl.user, membership=second_coordinator.membership, role=Role.COORDINATOR
    )
    _, token = invitation_create(
        actor=second_coordinator.user,
        school=dsl.school,
        email="friend@example.org",
        role=Role.VIEWER,
    )
    assert invitation_find(token=token) is not None
    membership_disable(actor=dsl.user, membership=second_coordinator.membership)
    assert invitation_find(token=token) is None
