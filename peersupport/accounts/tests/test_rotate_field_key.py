"""Rotating the field encryption key re-encrypts stored values under the new key."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from conftest import Persona
from peersupport.students.models import ImportBatch
from peersupport.students.services import import_batch_create


def stored_content() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM students_importbatch")
        return str(cursor.fetchone()[0])


def test_after_rotation_only_the_new_key_is_needed(
    personas: dict[str, Persona], settings: Any
) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    coordinator = personas["coordinator"]
    codes = RecoveryCodes.activate(coordinator.user).generate_codes()
    import_batch_create(
        actor=coordinator.user,
        school=coordinator.school,
        filename="a.csv",
        content="UPN,Secret row",
        mark_leavers=False,
    )
    before = stored_content()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_key")
    assert stored_content() != before
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert ImportBatch.objects.get().content == "UPN,Secret row"
    from allauth.mfa.adapter import get_adapter

    secret = Authenticator.objects.get(user=coordinator.user, type="totp").data["secret"]
    assert get_adapter().decrypt(secret) == coordinator.totp_secret
    recovery = Authenticator.objects.get(user=coordinator.user, type="recovery_codes")
    assert RecoveryCodes(recovery).generate_codes() == codes
