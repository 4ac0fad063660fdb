"""Model fields shared by every app. Lives in ``schools``, the lowest Django app, so
that every app may use it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, models

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


# Append-only tables (safeguarding entries) refuse every UPDATE in a database
# trigger, with one door: while a transaction has opened it, an UPDATE that changes
# nothing but an encrypted column passes, because re-encrypting under a new key
# (rotate_field_key) stores the same words. PostgreSQL reads a transaction-local
# setting; SQLite, which has no session settings, reads this mark in the
# database's user_version, written and cleared inside the same transaction (so no
# other connection ever sees it). The triggers' migrations repeat both names.
REWRITING_SETTING = "peersupport.rewriting_encrypted_values"
REWRITING_MARK = 1380930625  # "ROTA" in ASCII


@contextmanager
def rewriting_encrypted_values() -> Iterator[None]:
    """Open the door for the rest of the block; only inside a transaction. If the
    block fails, the transaction's rollback closes the door again."""
    if not connection.in_atomic_block:
        raise RuntimeError("Encrypted values are rewritten only inside a transaction.")
    before = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [REWRITING_SETTING])
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA user_version")
            before = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA user_version = {REWRITING_MARK}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'off', true)", [REWRITING_SETTING])
        elif connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA user_version = {before}")
