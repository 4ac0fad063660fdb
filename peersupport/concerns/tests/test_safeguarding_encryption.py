"""Safeguarding narratives are encrypted at rest, and rotating the key leaves every
entry readable, append-only as the entries are."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from conftest import Persona
from peersupport.concerns.models import Concern, SafeguardingEntry
from peersupport.concerns.services import safeguarding_acknowledge, safeguarding_add_entry
from peersupport.concerns.tests.safeguarding_setup import FIRST_ACCOUNT, raise_safeguarding
from peersupport.lib.crypto import DecryptionError

CHILDS_WORDS = "Zoë said: \u201cI don't want to go home, he shouts and hits\u201d."


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def written(personas: dict[str, Persona], student_a: Any) -> tuple[Concern, SafeguardingEntry]:
    concern = raise_safeguarding(personas["mentor"], [student_a])
    concern = safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    entry = safeguarding_add_entry(
        actor=personas["dsl"].user, concern=concern, kind="account", text=CHILDS_WORDS
    )
    return concern, entry


def test_the_narratives_are_not_readable_in_the_database(
    written: tuple[Concern, SafeguardingEntry],
) -> None:
    concern, entry = written
    stored_entry = raw("concerns_safeguardingentry", "text", entry.pk)
    stored_account = raw("concerns_concern", "text", concern.pk)
    assert stored_entry.startswith("fernet:")
    assert stored_account.startswith("fernet:")
    for word in ("Zoë", "hits", "home"):
        assert word not in stored_entry
    for word in ("Ada", "uncle", "hits"):
        assert word not in stored_account
    # ...and the application reads them back.
    assert SafeguardingEntry.objects.get(pk=entry.pk).text == CHILDS_WORDS
    assert Concern.objects.get(pk=concern.pk).text == FIRST_ACCOUNT


def test_after_key_rotation_old_entries_are_readable_with_only_the_new_key(
    written: tuple[Concern, SafeguardingEntry], settings: Any
) -> None:
    concern, entry = written
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    before = raw("concerns_safeguardingentry", "text", entry.pk)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_key")
    after = raw("concerns_safeguardingentry", "text", entry.pk)
    assert after != before  # re-encrypted, through the append-only door

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert SafeguardingEntry.objects.get(pk=entry.pk).text == CHILDS_WORDS
    assert Concern.objects.get(pk=concern.pk).text == FIRST_ACCOUNT
    # Nothing else about the entry changed, and the door is shut again.
    reread = SafeguardingEntry.objects.get(pk=entry.pk)
    assert (reread.kind, reread.written_at, reread.written_by_id) == (
        entry.kind,
        entry.written_at,
        entry.written_by_id,
    )
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(DecryptionError):
        SafeguardingEntry.objects.get(pk=entry.pk)


def test_a_new_key_put_first_still_reads_entries_written_before_rotation(
    written: tuple[Concern, SafeguardingEntry], settings: Any
) -> None:
    _, entry = written
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert SafeguardingEntry.objects.get(pk=entry.pk).text == CHILDS_WORDS


def test_rotation_re_encrypts_a_safeguarding_concerns_first_account_and_changes_nothing_else(
    personas: dict[str, Persona], student_a: Any, settings: Any
) -> None:
    """The first account and the entries go through the door; whom they name,
    who raised it and when stay as they were, and the door is shut afterwards."""
    concern = safeguarding_acknowledge(
        actor=personas["dsl"].user,
        concern=raise_safeguarding(personas["mentor"], [student_a]),
    )
    entry = safeguarding_add_entry(
        actor=personas["dsl"].user,
        concern=concern,
        kind="account",
        text=CHILDS_WORDS,
        students=[student_a],
        staff=[personas["facilitator"].user],
    )
    columns = "kind, raised_by_id, raised_as, created_at, school_id, status, acknowledged_by_id"
    before = raw_row("concerns_concern", columns, concern.pk)
    before_text = raw("concerns_concern", "text", concern.pk)
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_key")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone

    assert raw("concerns_concern", "text", concern.pk) != before_text
    assert raw_row("concerns_concern", columns, concern.pk) == before
    reread = Concern.objects.get(pk=concern.pk)
    assert reread.text == FIRST_ACCOUNT
    assert list(reread.students.all()) == [student_a]
    entry = SafeguardingEntry.objects.get(pk=entry.pk)
    assert entry.text == CHILDS_WORDS
    assert list(entry.students.all()) == [student_a]
    assert list(entry.staff_involved.all()) == [personas["facilitator"].user]
    same_words = Concern._meta.get_field("text").get_prep_value(FIRST_ACCOUNT)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE concerns_concern SET text = %s WHERE id = %s", [same_words, concern.pk]
        )


def raw_row(table: str, columns: str, pk: int) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])
        return tuple(cursor.fetchone())
