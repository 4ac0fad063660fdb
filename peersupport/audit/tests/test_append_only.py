"""Audit events can be written, never changed or deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from peersupport.audit.models import AuditEvent, AuditEventIsAppendOnly
from peersupport.audit.services import audit_record


@pytest.fixture
def event(db: None) -> AuditEvent:
    return audit_record(action="test.something", detail="first")


def test_an_event_cannot_be_saved_again(event: AuditEvent) -> None:
    event.detail = "changed"
    with pytest.raises(AuditEventIsAppendOnly):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).detail == "first"


def test_an_event_cannot_be_deleted(event: AuditEvent) -> None:
    with pytest.raises(AuditEventIsAppendOnly):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: AuditEvent.objects.filter(action="test.something").update(detail="x"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["detail"]),
        lambda: AuditEvent.objects.update_or_create(
            action="test.something", defaults={"detail": "x"}
        ),
    ],
    ids=["update", "delete", "bulk_update", "update_or_create"],
)
def test_queryset_paths_are_refused(event: AuditEvent, attempt: object) -> None:
    with pytest.raises(AuditEventIsAppendOnly):
        attempt()  # type: ignore[operator]
    assert AuditEvent.objects.get(pk=event.pk).detail == "first"


def test_the_database_refuses_an_update_below_the_orm(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET detail = 'forged'")
    assert AuditEvent.objects.get(pk=event.pk).detail == "first"


def test_on_postgresql_the_database_refuses_a_delete_too(event: AuditEvent) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger is PostgreSQL's; SQLite's test flush needs DELETE")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_detail_is_cut_to_its_field_length(db: None) -> None:
    event = audit_record(action="test.long", detail="x" * 1000)
    assert len(event.detail) == 300
