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


# Append-only tables (safeguarding entries, a safeguarding concern's first account)
# refuse every UPDATE in a database trigger, with one door: while a transaction has
# opened it, an UPDATE that changes nothing but an encrypted column passes, because
# re-encrypting under a new key (rotate_field_key) stores the same words.
# PostgreSQL reads a transaction-local setting; SQLite, which has no session
# settings, reads this mark in the database's user_version, written and cleared
# inside the same transaction (so no other connection ever sees it). The triggers'
# migrations repeat both names.
REWRITING_SETTING = "peersupport.rewriting_encrypted_values"
REWRITING_MARK = 1380930625  # "ROTA" in ASCII


@contextmanager
def rewriting_encrypted_values() -> Iterator[None]:
    """Open the door for the rest of the block; only inside a transaction. The door
    is shut again when the block ends, however it ends: if the body raises, it is
    shut before the exception goes on, so code that catches the exception and
    carries on in the same transaction finds it shut. Doors nest: an inner block
    leaves an outer one open."""
    if not connection.in_atomic_block:
        raise RuntimeError("Encrypted values are rewritten only inside a transaction.")
    before: Any = None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting(%s, true)", [REWRITING_SETTING])
            before = cursor.fetchone()[0] or "off"
            cursor.execute("SELECT set_config(%s, 'on', true)", [REWRITING_SETTING])
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA user_version")
            before = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA user_version = {REWRITING_MARK}")
    try:
        yield
    finally:
        _shut_the_door(before)


def _shut_the_door(before: Any) -> None:
    # Through the driver's own connection: after a failed inner block Django
    # refuses every query until the transaction is rolled back, but the door must
    # be shut at once all the same (the caller may catch the error and carry on).
    raw = connection.connection
    if connection.vendor == "postgresql":
        from psycopg.pq import TransactionStatus

        if raw.info.transaction_status == TransactionStatus.INERROR:
            # PostgreSQL runs nothing more in this transaction until it is rolled back,
            # to a point before the door opened (the atomic blocks inside the door
            # have all ended by now), and that undoes the transaction-local setting.
            return
        with raw.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [REWRITING_SETTING, before])
    elif connection.vendor == "sqlite":
        raw.execute(f"PRAGMA user_version = {int(before)}")
