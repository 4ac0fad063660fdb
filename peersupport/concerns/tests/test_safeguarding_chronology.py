"""The chronology: entries are added by DSLs, never edited or deleted (not by a
service, not through the ORM, not in the database); a mistake is corrected by a new
entry that names the entry it corrects, in the same record."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.concerns import services
from peersupport.concerns import urls as concern_urls
from peersupport.concerns.models import (
    Concern,
    SafeguardingEntry,
    SafeguardingEntryIsAppendOnly,
)
from peersupport.concerns.selectors import safeguarding_chronology
from peersupport.concerns.services import safeguarding_acknowledge, safeguarding_add_entry
from peersupport.concerns.tests.safeguarding_setup import raise_safeguarding


@pytest.fixture
def record(personas: dict[str, Persona], student_a: Any) -> Concern:
    concern = raise_safeguarding(personas["facilitator"], [student_a])
    return safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)


@pytest.fixture
def entry(personas: dict[str, Persona], record: Concern) -> SafeguardingEntry:
    return safeguarding_add_entry(
        actor=personas["dsl"].user,
        concern=record,
        kind="account",
        text="Ada said: \u201che hits me when mum is at work\u201d.",
    )


def add(personas: dict[str, Persona], concern: Concern, **fields: Any) -> SafeguardingEntry:
    return safeguarding_add_entry(actor=personas["dsl"].user, concern=concern, **fields)


def test_a_dsl_adds_an_entry_with_students_and_staff_and_it_is_audited(
    personas: dict[str, Persona], record: Concern, student_a: Any
) -> None:
    sibling = make_student(record.school, legal_forename="Ben")
    added = add(
        personas,
        record,
        kind="action",
        text="Spoke to Ada with her form tutor present.",
        students=[student_a, sibling],
        staff=[personas["facilitator"].user],
    )
    assert added.written_by == personas["dsl"].user
    assert set(added.students.all()) == {student_a, sibling}
    assert list(added.staff_involved.all()) == [personas["facilitator"].user]
    event = AuditEvent.objects.get(action="safeguarding.entry_added")
    assert (event.actor, event.object_public_id, event.detail) == (
        personas["dsl"].user,
        record.public_id,
        "action",
    )
    assert "Ada" not in event.detail


@pytest.mark.parametrize("who", ["coordinator", "facilitator", "viewer", "mentor", "outsider"])
def test_only_a_dsl_adds_an_entry(who: str, personas: dict[str, Persona], record: Concern) -> None:
    with pytest.raises(PermissionDenied):
        safeguarding_add_entry(
            actor=personas[who].user, concern=record, kind="action", text="Anything"
        )
    assert not SafeguardingEntry.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "action", "text": "  "}, "text", "Write what was seen"),
        ({"kind": "outcome", "text": "Referred."}, "outcome", "Choose the outcome"),
        (
            {"kind": "outcome", "outcome": "no_further_action", "text": ""},
            "text",
            "Say why no further action is needed",
        ),
        (
            {"kind": "action", "outcome": "monitoring", "text": "Watching."},
            "outcome",
            "only in an outcome entry",
        ),
        ({"kind": "outcome", "outcome": "lunch", "text": "No."}, "outcome", "Choose one"),
        ({"kind": "correction", "text": "Wrong day."}, "corrects", "Choose the entry"),
        ({"kind": "gossip", "text": "Heard that."}, "kind", "Choose what kind"),
    ],
)
def test_bad_entries_are_refused_with_a_clear_message_and_change_nothing(
    personas: dict[str, Persona],
    record: Concern,
    fields: dict[str, Any],
    field: str,
    message: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        add(personas, record, **fields)
    assert message in " ".join(refused.value.message_dict[field])
    assert not SafeguardingEntry.objects.exists()
    record.refresh_from_db()
    assert record.status == "open"


def test_an_unacknowledged_concern_takes_no_entry(
    personas: dict[str, Persona], student_a: Any
) -> None:
    concern = raise_safeguarding(personas["facilitator"], [student_a])
    with pytest.raises(ValidationError, match="Acknowledge the concern"):
        add(personas, concern, kind="action", text="Phoned home.")


def test_a_student_or_member_of_staff_from_another_school_cannot_be_linked(
    personas: dict[str, Persona], record: Concern, student_b: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        add(
            personas,
            record,
            kind="action",
            text="Spoke to them.",
            students=[student_b],
            staff=[personas["outsider"].user],
        )
    assert set(refused.value.message_dict) == {"students", "staff"}
    assert not SafeguardingEntry.objects.exists()


def test_an_outcome_closes_the_record_and_no_further_action_keeps_its_reason(
    personas: dict[str, Persona], record: Concern
) -> None:
    outcome = add(
        personas,
        record,
        kind="outcome",
        outcome="no_further_action",
        text="Mum explained the bruise (football); the school nurse agrees.",
    )
    record.refresh_from_db()
    assert record.status == "closed"
    assert record.closed_by == personas["dsl"].user
    assert outcome.get_outcome_display() == "No further action"
    assert "football" in outcome.text


def test_a_correction_links_to_what_it_corrects_both_ways(
    personas: dict[str, Persona], record: Concern, entry: SafeguardingEntry
) -> None:
    add(personas, record, kind="action", text="Phoned children's social care on Tuesday.")
    correction = add(
        personas,
        record,
        kind="correction",
        text="Entry 1 quoted the wrong words: Ada said \u201cat the weekend\u201d.",
        corrects=entry,
    )
    assert correction.corrects == entry
    assert list(entry.corrections.all()) == [correction]
    lines = safeguarding_chronology(record)
    assert [line.number for line in lines] == [1, 2, 3]
    assert lines[2].corrects is not None
    assert lines[2].corrects.number == 1
    assert [ref.public_id for ref in lines[0].corrected_by] == [correction.public_id]
    assert lines[1].corrected_by == ()
    # The corrected entry still says what it said: nothing was changed.
    entry.refresh_from_db()
    assert "he hits me" in entry.text


def test_a_correction_must_name_an_entry_of_the_same_record(
    personas: dict[str, Persona], record: Concern, entry: SafeguardingEntry, student_a: Any
) -> None:
    other = safeguarding_acknowledge(
        actor=personas["dsl"].user,
        concern=raise_safeguarding(personas["coordinator"], [student_a], text="Another worry."),
    )
    with pytest.raises(ValidationError) as refused:
        add(personas, other, kind="correction", text="Wrong.", corrects=entry)
    assert "this same record" in refused.value.message_dict["corrects"][0]
    with pytest.raises(ValidationError) as refused:
        add(personas, record, kind="action", text="Not a correction.", corrects=entry)
    assert "Only a correction" in refused.value.message_dict["corrects"][0]
    assert SafeguardingEntry.objects.count() == 1


def test_no_service_and_no_address_edits_or_deletes_an_entry() -> None:
    writers = [
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if name.startswith("safeguarding")
    ]
    assert "safeguarding_add_entry" in writers
    for word in ("edit", "update", "change", "delete", "remove", "amend"):
        assert not [name for name in writers if word in name], word
    safeguarding_urls = [
        pattern.name
        for pattern in concern_urls.urlpatterns
        if pattern.name and pattern.name.startswith("safeguarding")
    ]
    assert "safeguarding_entry_add" in safeguarding_urls
    for word in ("edit", "update", "change", "delete", "remove", "amend"):
        assert not [name for name in safeguarding_urls if word in name], word


def test_the_orm_refuses_every_change_and_deletion(entry: SafeguardingEntry) -> None:
    entries = SafeguardingEntry.objects.filter(pk=entry.pk)
    with pytest.raises(SafeguardingEntryIsAppendOnly):
        entries.update(text="Something else")
    with pytest.raises(SafeguardingEntryIsAppendOnly):
        entries.delete()
    with pytest.raises(SafeguardingEntryIsAppendOnly):
        SafeguardingEntry.objects.bulk_update([entry], ["text"])
    entry.text = "Something else"
    with pytest.raises(SafeguardingEntryIsAppendOnly):
        entry.save()
    with pytest.raises(SafeguardingEntryIsAppendOnly):
        entry.delete()
    entry.refresh_from_db()
    assert "he hits me" in entry.text


def stored_text(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM concerns_safeguardingentry WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE concerns_safeguardingentry SET text = 'fernet:forged' WHERE id = %s",
        "UPDATE concerns_safeguardingentry SET kind = 'decision' WHERE id = %s",
        "UPDATE concerns_safeguardingentry SET corrects_id = NULL WHERE id = %s",
    ],
)
def test_the_database_refuses_an_update_below_the_orm(
    entry: SafeguardingEntry, statement: str
) -> None:
    before = stored_text(entry.pk)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry.pk])
    assert stored_text(entry.pk) == before
    entry.refresh_from_db()
    assert entry.kind == "account"


def test_on_postgresql_the_database_refuses_a_delete_below_the_orm(
    entry: SafeguardingEntry,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE for the test flush; the ORM refuses it (above).")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM concerns_safeguardingentry WHERE id = %s", [entry.pk])
    assert SafeguardingEntry.objects.filter(pk=entry.pk).exists()


def test_the_rotation_door_lets_only_the_encrypted_text_change(
    entry: SafeguardingEntry,
) -> None:
    """While key rotation has the door open, changing anything but the text is
    still refused; and the door is shut again afterwards."""
    from peersupport.schools.fields import rewriting_encrypted_values

    update_kind = "UPDATE concerns_safeguardingentry SET kind = 'decision' WHERE id = %s"
    same_text = "UPDATE concerns_safeguardingentry SET text = text WHERE id = %s"
    with transaction.atomic(), rewriting_encrypted_values():
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(update_kind, [entry.pk])
        with connection.cursor() as cursor:
            cursor.execute(same_text, [entry.pk])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(same_text, [entry.pk])
