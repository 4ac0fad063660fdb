"""python manage.py rotate_field_key

After putting a new key first in FIELD_ENCRYPTION_KEY (keeping the old ones after
it), re-encrypt every encrypted value under the new key: every EncryptedTextField
of every model, and the TOTP secrets and recovery codes of two-step sign-in. Then
the old keys can be removed."""

from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from peersupport.schools.fields import EncryptedTextField, rewriting_encrypted_values


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the first FIELD_ENCRYPTION_KEY."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        rewritten = 0
        # Append-only models (safeguarding entries) refuse updates through their
        # default manager and in the database; re-encrypting the same words is the
        # one change they let through, through the base manager and this door.
        with rewriting_encrypted_values():
            for model in apps.get_models():
                fields = [f for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
                for field in fields:
                    # Reading decrypts with any key; writing encrypts with the first.
                    rows = model._base_manager.exclude(**{field.attname: ""}).values_list(
                        "pk", field.attname
                    )
                    for pk, plain in rows.iterator():
                        model._base_manager.filter(pk=pk).update(**{field.attname: plain})
                        rewritten += 1
        adapter = get_adapter()
        for authenticator in Authenticator.objects.all():
            data = authenticator.data
            # allauth encrypts the TOTP secret, the recovery codes' seed and any
            # recovery codes migrated from elsewhere.
            for key in ("secret", "seed"):
                if key in data:
                    data[key] = adapter.encrypt(adapter.decrypt(data[key]))
                    rewritten += 1
            if "migrated_codes" in data:
                data["migrated_codes"] = [
                    adapter.encrypt(adapter.decrypt(code)) for code in data["migrated_codes"]
                ]
                rewritten += 1
            authenticator.save(update_fields=["data"])
        self.stdout.write(f"Re-encrypted {rewritten} values under the first key.")
