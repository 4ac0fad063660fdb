"""The rest of a safeguarding record is append-only too, not only its entries: the
students and staff an entry names, and the safeguarding concern's first account
(its words, kind, who raised it, when, and the students it names). Refused through
the ORM and, below it, by the database; only the workflow columns (acknowledged,
escalated, closed, urgent) still change. Key rotation's door lets the encrypted
text through and nothing else, and is shut again however its block ends."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from conftest import Persona, make_student
from peersupport.concerns.models import (
    Concern,
    SafeguardingEntry,
    SafeguardingEntryIsAppendOnly,
    SafeguardingRecordIsAppendOnly,
)
from peersupport.concerns.services import (
    concern_raise,
    safeguarding_acknowledge,
    safeguarding_add_entry,
    safeguarding_escalate_due,
)
from peersupport.concerns.tests.safeguarding_setup import FIRST_ACCOUNT, raise_safeguarding
from peersupport.schools.fields import rewriting_encrypted_values
from peersupport.students.models import Student

ON_POSTGRESQL = connection.vendor == "postgresql"
SQLITE_KEEPS_DELETE = "SQLite keeps DELETE for the test flush; the ORM refuses it."


@pytest.fixture
def sibling(student_a: Student) -> Student:
    return make_student(student_a.school, legal_forename="Ben")


@pytest.fixture
def record(personas: dict[str, Persona], student_a: Student) -> Concern:
    concern = raise_safeguarding(personas["facilitator"], [student_a])
    return safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)


@pytest.fixture
def entry(personas: dict[str, Persona], record: Concern, student_a: Student) -> SafeguardingEntry:
    return safeguarding_add_entry(
        actor=personas["dsl"].user,
        concern=record,
        kind="action",
        text="Spoke to Ada with her form tutor present.",
        students=[student_a],
        staff=[personas["facilitator"].user],
    )


def links_of(entry: SafeguardingEntry) -> tuple[set[int], set[int]]:
    fresh = SafeguardingEntry.objects.get(pk=entry.pk)
    return (
        set(fresh.students.values_list("pk", flat=True)),
        set(fresh.staff_involved.values_list("pk", flat=True)),
    )


def refused_in_the_database(statement: str, params: list[Any]) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)


def run_sql(statement: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


# ---------------------------------------------------------------- an entry's links


def test_an_entry_names_its_students_and_staff_when_it_is_written(
    personas: dict[str, Persona], entry: SafeguardingEntry, student_a: Student
) -> None:
    assert links_of(entry) == ({student_a.pk}, {personas["facilitator"].user.pk})


EntryChange = Callable[[SafeguardingEntry, Student, dict[str, Persona]], object]
ENTRY_LINK_CHANGES: dict[str, EntryChange] = {
    "remove a student": lambda e, s, p: e.students.remove(*e.students.all()),
    "clear the students": lambda e, s, p: e.students.clear(),
    "set other students": lambda e, s, p: e.students.set([s]),
    "set no students": lambda e, s, p: e.students.set([]),
    "add a student later": lambda e, s, p: e.students.add(s),
    "remove a member of staff": lambda e, s, p: e.staff_involved.remove(p["facilitator"].user),
    "clear the staff": lambda e, s, p: e.staff_involved.clear(),
    "add a member of staff later": lambda e, s, p: e.staff_involved.add(p["coordinator"].user),
}


@pytest.mark.parametrize("fresh", [False, True], ids=["same instance", "read again"])
@pytest.mark.parametrize("change", list(ENTRY_LINK_CHANGES))
def test_the_orm_refuses_to_change_whom_an_entry_names(
    personas: dict[str, Persona],
    entry: SafeguardingEntry,
    sibling: Student,
    change: str,
    fresh: bool,
) -> None:
    before = links_of(entry)
    target = SafeguardingEntry.objects.get(pk=entry.pk) if fresh else entry
    # Each attempt in a block of its own: the relation managers refuse inside their
    # own atomic block, which marks the enclosing one for rollback.
    with pytest.raises(SafeguardingEntryIsAppendOnly, match="append-only"), transaction.atomic():
        ENTRY_LINK_CHANGES[change](target, sibling, personas)
    assert links_of(entry) == before


def test_links_are_set_only_inside_the_block_that_writes_the_entry(
    personas: dict[str, Persona], record: Concern, student_a: Student, sibling: Student
) -> None:
    """The service's own block may set them; once it has ended, even in the same
    outer transaction and on the very same instance, nothing more is added."""
    with transaction.atomic():
        written = safeguarding_add_entry(
            actor=personas["dsl"].user,
            concern=record,
            kind="account",
            text="Ada said it again to her form tutor.",
            students=[student_a],
        )
        with pytest.raises(SafeguardingEntryIsAppendOnly), transaction.atomic():
            written.students.add(sibling)
    assert links_of(written) == ({student_a.pk}, set())


def test_asking_for_links_an_entry_already_has_changes_nothing_and_is_allowed(
    entry: SafeguardingEntry, student_a: Student
) -> None:
    entry.students.add(student_a)
    entry.students.set([student_a])
    assert links_of(entry)[0] == {student_a.pk}


@pytest.mark.django_db(transaction=True)
def test_after_the_entry_is_committed_its_links_are_fixed(
    personas: dict[str, Persona], record: Concern, student_a: Student, sibling: Student
) -> None:
    """Outside a test transaction the service's block is the whole transaction:
    once it commits, the same instance can add nothing. (This test also shows the
    test-database flush still empties the append-only tables: TRUNCATE on
    PostgreSQL, DELETE on SQLite.)"""
    written = safeguarding_add_entry(
        actor=personas["dsl"].user,
        concern=record,
        kind="account",
        text="Ada said it again at lunch.",
        students=[student_a],
    )
    with pytest.raises(SafeguardingEntryIsAppendOnly):
        written.students.add(sibling)
    with pytest.raises(SafeguardingEntryIsAppendOnly):
        written.staff_involved.add(personas["coordinator"].user)
    assert links_of(written) == ({student_a.pk}, set())


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("concerns_safeguardingentry_students", "student_id"),
        ("concerns_safeguardingentry_staff_involved", "user_id"),
    ],
)
def test_the_database_refuses_to_change_an_entrys_link(
    personas: dict[str, Persona],
    entry: SafeguardingEntry,
    sibling: Student,
    table: str,
    column: str,
) -> None:
    before = links_of(entry)
    other = sibling.pk if column == "student_id" else personas["coordinator"].user.pk
    refused_in_the_database(
        f"UPDATE {table} SET {column} = %s WHERE safeguardingentry_id = %s",
        [other, entry.pk],
    )
    refused_in_the_database(
        f"UPDATE {table} SET safeguardingentry_id = safeguardingentry_id "
        "WHERE safeguardingentry_id = %s",
        [entry.pk],
    )
    assert links_of(entry) == before


@pytest.mark.skipif(not ON_POSTGRESQL, reason=SQLITE_KEEPS_DELETE)
@pytest.mark.parametrize(
    "table", ["concerns_safeguardingentry_students", "concerns_safeguardingentry_staff_involved"]
)
def test_on_postgresql_the_database_refuses_to_delete_an_entrys_link(
    entry: SafeguardingEntry, table: str
) -> None:
    before = links_of(entry)
    refused_in_the_database(
        f"DELETE FROM {table} WHERE safeguardingentry_id = %s",
        [entry.pk],
    )
    assert links_of(entry) == before


# ---------------------------------------------------------------- the first account


def stored_concern(pk: int) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, text, raised_by_id, created_at, school_id, status "
            "FROM concerns_concern WHERE id = %s",
            [pk],
        )
        row = cursor.fetchone()
    return dict(
        zip(["kind", "text", "raised_by_id", "created_at", "school_id", "status"], row, strict=True)
    )


ConcernChange = Callable[[Concern, dict[str, Persona]], object]


def _set_and_save(field: str, value: Callable[[dict[str, Persona]], Any], *only: str) -> Any:
    def change(concern: Concern, people: dict[str, Persona]) -> None:
        setattr(concern, field, value(people))
        concern.save(update_fields=list(only) or None)

    return change


CONCERN_CHANGES: dict[str, ConcernChange] = {
    "rewrite the words": _set_and_save("text", lambda p: "Nothing happened."),
    "rewrite only the words": _set_and_save("text", lambda p: "Nothing happened.", "text"),
    "change the kind": _set_and_save("kind", lambda p: "wellbeing", "kind"),
    "change the kind, saving it all": _set_and_save("kind", lambda p: "wellbeing"),
    "change who raised it": _set_and_save("raised_by", lambda p: p["dsl"].user, "raised_by"),
    "change when": _set_and_save(
        "created_at", lambda p: timezone.now() - datetime.timedelta(days=9), "created_at"
    ),
    "change the school": _set_and_save("school", lambda p: p["outsider"].school, "school"),
    "change its status and words together": _set_and_save(
        "text", lambda p: "Closed, nothing in it.", "status", "text"
    ),
    "delete it": lambda c, p: c.delete(),
    "update its words in bulk": lambda c, p: Concern.objects.filter(pk=c.pk).update(
        text="Nothing happened."
    ),
    "update its kind in bulk": lambda c, p: Concern.objects.filter(pk=c.pk).update(
        kind="wellbeing"
    ),
    "update who raised it in bulk": lambda c, p: Concern.objects.filter(pk=c.pk).update(
        raised_by_id=p["dsl"].user.pk
    ),
    "bulk update its words": lambda c, p: Concern.objects.bulk_update([c], ["text"]),
    "delete it in bulk": lambda c, p: Concern.objects.filter(pk=c.pk).delete(),
    "remove its students": lambda c, p: c.students.clear(),
    "remove a student": lambda c, p: c.students.remove(*c.students.all()),
    "name another student later": lambda c, p: c.students.add(
        make_student(c.school, legal_forename="Cal")
    ),
}


@pytest.mark.parametrize("change", list(CONCERN_CHANGES))
def test_the_orm_refuses_to_change_or_delete_a_safeguarding_concerns_first_account(
    personas: dict[str, Persona], record: Concern, student_a: Student, change: str
) -> None:
    before = stored_concern(record.pk)
    target = Concern.objects.get(pk=record.pk)
    with pytest.raises(SafeguardingRecordIsAppendOnly, match="append-only"), transaction.atomic():
        CONCERN_CHANGES[change](target, personas)
    assert stored_concern(record.pk) == before
    reread = Concern.objects.get(pk=record.pk)
    assert reread.text == FIRST_ACCOUNT
    assert list(reread.students.all()) == [student_a]


def test_the_orm_refuses_to_make_another_concern_a_safeguarding_one(
    personas: dict[str, Persona], student_a: Student
) -> None:
    worry = concern_raise(
        actor=personas["facilitator"].user,
        school=personas["facilitator"].school,
        kind="wellbeing",
        text="Ada seems tired in the mornings.",
        students=[student_a],
    )
    worry.kind = "safeguarding"
    with pytest.raises(SafeguardingRecordIsAppendOnly):
        worry.save()
    with pytest.raises(SafeguardingRecordIsAppendOnly):
        Concern.objects.filter(pk=worry.pk).update(kind="safeguarding")
    assert stored_concern(worry.pk)["kind"] == "wellbeing"


def test_other_concerns_stay_editable(
    personas: dict[str, Persona], student_a: Student, sibling: Student
) -> None:
    """The guard is for safeguarding records: another kind of concern keeps its
    students and fields changeable, in the ORM and in the database."""
    worry = concern_raise(
        actor=personas["facilitator"].user,
        school=personas["facilitator"].school,
        kind="wellbeing",
        text="Ada seems tired in the mornings.",
        students=[student_a],
    )
    worry = Concern.objects.get(pk=worry.pk)
    worry.students.add(sibling)
    worry.students.remove(student_a)
    worry.characteristic = ""
    worry.save()
    assert list(worry.students.all()) == [sibling]
    assert run_sql("UPDATE concerns_concern SET source = 'home' WHERE id = %s", [worry.pk]) == 1
    assert (
        run_sql(
            "UPDATE concerns_concern_students SET student_id = %s WHERE concern_id = %s",
            [student_a.pk, worry.pk],
        )
        == 1
    )


def test_its_workflow_still_moves_on_through_the_services(
    personas: dict[str, Persona], student_a: Student
) -> None:
    """Acknowledgement (the fixture), escalation, an urgent flag on a child's words
    and the outcome entry that closes the record all still save."""
    concern = concern_raise(
        actor=personas["mentor"].user,
        school=personas["mentor"].school,
        kind="safeguarding",
        text="Ada said this homework is killing me and she is scared to go home.",
        students=[student_a],
    )
    assert Concern.objects.get(pk=concern.pk).urgent
    [escalated] = safeguarding_escalate_due(
        school=concern.school, now=timezone.now() + datetime.timedelta(days=7)
    )
    assert escalated.pk == concern.pk
    concern = safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    safeguarding_add_entry(
        actor=personas["dsl"].user,
        concern=concern,
        kind="outcome",
        outcome="monitoring",
        text="Form tutor checks in with Ada each morning.",
    )
    stored = Concern.objects.get(pk=concern.pk)
    assert (stored.status, stored.closed_by) == ("closed", personas["dsl"].user)
    assert stored.escalated_at is not None
    assert stored.acknowledged_by == personas["dsl"].user
    assert stored.text.startswith("Ada said this homework")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE concerns_concern SET text = 'fernet:forged' WHERE id = %s",
        "UPDATE concerns_concern SET kind = 'wellbeing' WHERE id = %s",
        "UPDATE concerns_concern SET raised_by_id = NULL WHERE id = %s",
        "UPDATE concerns_concern SET created_at = created_at - interval '1 day' WHERE id = %s"
        if ON_POSTGRESQL
        else "UPDATE concerns_concern SET created_at = datetime(created_at, '-1 day') "
        "WHERE id = %s",
        "UPDATE concerns_concern SET fully_anonymous = NOT fully_anonymous WHERE id = %s",
        "UPDATE concerns_concern SET status = 'closed', text = text || 'x' WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_a_safeguarding_concerns_first_account(
    record: Concern, statement: str
) -> None:
    before = stored_concern(record.pk)
    refused_in_the_database(statement, [record.pk])
    assert stored_concern(record.pk) == before


def test_the_database_refuses_to_move_a_safeguarding_concern_to_another_school(
    personas: dict[str, Persona], record: Concern
) -> None:
    refused_in_the_database(
        "UPDATE concerns_concern SET school_id = %s WHERE id = %s",
        [personas["outsider"].school.pk, record.pk],
    )
    assert stored_concern(record.pk)["school_id"] == record.school_id


def test_the_database_refuses_to_turn_a_concern_into_a_safeguarding_one_or_back(
    personas: dict[str, Persona], record: Concern
) -> None:
    worry = concern_raise(
        actor=personas["facilitator"].user,
        school=personas["facilitator"].school,
        kind="wellbeing",
        text="Ada seems tired in the mornings.",
    )
    refused_in_the_database(
        "UPDATE concerns_concern SET kind = 'safeguarding' WHERE id = %s", [worry.pk]
    )
    refused_in_the_database(
        "UPDATE concerns_concern SET kind = 'conflict' WHERE id = %s", [record.pk]
    )
    assert (stored_concern(worry.pk)["kind"], stored_concern(record.pk)["kind"]) == (
        "wellbeing",
        "safeguarding",
    )


def test_the_database_lets_the_workflow_columns_change(record: Concern) -> None:
    assert (
        run_sql(
            "UPDATE concerns_concern SET status = 'closed', urgent = %s, escalated_at = %s "
            "WHERE id = %s",
            [True, timezone.now(), record.pk],
        )
        == 1
    )
    assert stored_concern(record.pk)["status"] == "closed"


def test_the_database_refuses_to_change_the_students_a_safeguarding_concern_names(
    record: Concern, student_a: Student, sibling: Student
) -> None:
    refused_in_the_database(
        "UPDATE concerns_concern_students SET student_id = %s WHERE concern_id = %s",
        [sibling.pk, record.pk],
    )
    assert list(Concern.objects.get(pk=record.pk).students.all()) == [student_a]


@pytest.mark.skipif(not ON_POSTGRESQL, reason=SQLITE_KEEPS_DELETE)
def test_on_postgresql_the_database_refuses_to_delete_a_safeguarding_concern_or_its_links(
    record: Concern, student_a: Student
) -> None:
    refused_in_the_database(
        "DELETE FROM concerns_concern_students WHERE concern_id = %s", [record.pk]
    )
    # Its entries PROTECT it too, but this one has none: the trigger refuses alone.
    assert not SafeguardingEntry.objects.filter(concern=record).exists()
    refused_in_the_database("DELETE FROM concerns_concern WHERE id = %s", [record.pk])
    assert list(Concern.objects.get(pk=record.pk).students.all()) == [student_a]


# ---------------------------------------------------------------- the rotation door

# What rotate_field_key does to one row: the same words, encrypted afresh.
REENCRYPT_CONCERN = "UPDATE concerns_concern SET text = %s WHERE id = %s"
REENCRYPT_ENTRY = "UPDATE concerns_safeguardingentry SET text = %s WHERE id = %s"


def reencrypted(row: Concern | SafeguardingEntry) -> list[Any]:
    fresh = type(row).objects.get(pk=row.pk)
    return [type(row)._meta.get_field("text").get_prep_value(fresh.text), row.pk]


def test_the_rotation_door_lets_a_concerns_text_through_and_nothing_else(
    record: Concern, entry: SafeguardingEntry
) -> None:
    with transaction.atomic(), rewriting_encrypted_values():
        refused_in_the_database(
            "UPDATE concerns_concern SET kind = 'wellbeing', text = text || '' WHERE id = %s",
            [record.pk],
        )
        refused_in_the_database(
            "UPDATE concerns_concern SET raised_by_id = NULL WHERE id = %s", [record.pk]
        )
        refused_in_the_database(
            "UPDATE concerns_safeguardingentry_students SET student_id = student_id "
            "WHERE safeguardingentry_id = %s",
            [entry.pk],
        )
        assert run_sql(REENCRYPT_CONCERN, reencrypted(record)) == 1
    refused_in_the_database(REENCRYPT_CONCERN, reencrypted(record))
    assert Concern.objects.get(pk=record.pk).text == FIRST_ACCOUNT


def _leave_the_door_by_raising() -> None:
    with rewriting_encrypted_values():
        raise RuntimeError("rotation failed half way")


def _leave_the_door_after_a_refused_update(pk: int) -> None:
    with rewriting_encrypted_values():
        refused_in_the_database(
            "UPDATE concerns_concern SET kind = 'wellbeing' WHERE id = %s", [pk]
        )
        raise RuntimeError("rotation failed half way")


@pytest.mark.parametrize("how", ["raising", "after a refused update"])
def test_the_door_is_shut_when_its_block_raises_and_the_transaction_goes_on(
    record: Concern, entry: SafeguardingEntry, how: str
) -> None:
    with transaction.atomic():
        with pytest.raises(RuntimeError, match="half way"):
            if how == "raising":
                _leave_the_door_by_raising()
            else:
                _leave_the_door_after_a_refused_update(record.pk)
        # Same transaction, door no longer open: the same UPDATEs are refused.
        refused_in_the_database(REENCRYPT_CONCERN, reencrypted(record))
        refused_in_the_database(REENCRYPT_ENTRY, reencrypted(entry))


def door_is_open_as_the_driver_sees_it() -> bool:
    """Asked through the driver's own connection, because Django refuses queries
    once a block has marked the transaction for rollback."""
    raw = connection.connection
    if ON_POSTGRESQL:
        with raw.cursor() as cursor:
            cursor.execute("SELECT current_setting('peersupport.rewriting_encrypted_values', true)")
            return bool(cursor.fetchone()[0] == "on")
    return bool(raw.execute("PRAGMA user_version").fetchone()[0] == 1380930625)


def test_the_door_is_shut_even_when_the_transaction_is_marked_for_rollback(
    record: Concern,
) -> None:
    seen: list[bool] = []
    with pytest.raises(RuntimeError), transaction.atomic():
        try:
            with rewriting_encrypted_values():
                seen.append(door_is_open_as_the_driver_sees_it())
                with transaction.atomic(savepoint=False):
                    raise RuntimeError("marks the whole block for rollback")
        finally:
            seen.append(door_is_open_as_the_driver_sees_it())
    assert seen == [True, False]
    refused_in_the_database(REENCRYPT_CONCERN, reencrypted(record))


def test_doors_nest_and_the_outer_one_stays_open_until_it_ends(record: Concern) -> None:
    with transaction.atomic():
        with rewriting_encrypted_values():
            with rewriting_encrypted_values():
                assert run_sql(REENCRYPT_CONCERN, reencrypted(record)) == 1
            assert run_sql(REENCRYPT_CONCERN, reencrypted(record)) == 1
        refused_in_the_database(REENCRYPT_CONCERN, reencrypted(record))
