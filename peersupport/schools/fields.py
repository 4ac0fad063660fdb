"""Model fields shared by every app. Lives in ``schools``, the lowest Django app, so
that every app may use it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from peersupport.lib import crypto


class EncryptedTextField(models.TextField):
    """Free text encrypted at rest with ``FIELD_ENCRYPTION_KEY`` (rotatable).

    Use it for special-category free text and safeguarding narratives. The value
    cannot be searched or ordered in the database, by design.
    """

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), settings.FIELD_ENCRYPTION_KEYS)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, settings.FIELD_ENCRYPTION_KEYS)
