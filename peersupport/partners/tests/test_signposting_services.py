"""Coordinators and DSLs keep the school's help page entries; everyone else is
refused and nothing changes. Each change is audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.partners.models import SignpostEntry
from peersupport.partners.services import (
    signpost_entry_add,
    signpost_entry_checked,
    signpost_entry_remove,
    signpost_entry_update,
)

pytestmark = pytest.mark.django_db


def add(who: Persona, **values: str) -> SignpostEntry:
    fields = {
        "kind": "school",
        "name": "Pastoral office",
        "what_for": "Talk to someone when you feel worried.",
        "where": "Room 12",
    }
    fields.update(values)
    return signpost_entry_add(actor=who.user, school=who.school, **fields)


def test_a_coordinator_adds_an_entry_checked_today_by_them(personas: dict[str, Persona]) -> None:
    entry = add(personas["coordinator"], phone=" 0800  123 456 ")
    assert entry.phone == "0800 123 456"
    assert entry.last_checked_on == timezone.localdate()
    assert entry.checked_by == personas["coordinator"].user
    assert AuditEvent.objects.filter(
        action="signpost_entry.added", object_public_id=entry.public_id
    ).exists()


def test_a_dsl_updates_an_entry_without_marking_it_checked(personas: dict[str, Persona]) -> None:
    entry = add(personas["coordinator"])
    SignpostEntry.objects.filter(pk=entry.pk).update(last_checked_on=datetime.date(2024, 1, 1))
    entry.refresh_from_db()
    signpost_entry_update(
        actor=personas["dsl"].user,
        entry=entry,
        kind="local",
        name="Youth hub",
        what_for="Meet other young people.",
        website="https://example.org/hub",
    )
    entry.refresh_from_db()
    assert (entry.kind, entry.name, entry.where) == ("local", "Youth hub", "")
    assert entry.last_checked_on == datetime.date(2024, 1, 1)
    assert AuditEvent.objects.filter(action="signpost_entry.updated").count() == 1


def test_marking_checked_sets_today_and_who(personas: dict[str, Persona]) -> None:
    entry = add(personas["coordinator"])
    SignpostEntry.objects.filter(pk=entry.pk).update(last_checked_on=datetime.date(2024, 1, 1))
    entry.refresh_from_db()
    signpost_entry_checked(actor=personas["dsl"].user, entry=entry)
    entry.refresh_from_db()
    assert entry.last_checked_on == timezone.localdate()
    assert entry.checked_by == personas["dsl"].user
    assert AuditEvent.objects.filter(action="signpost_entry.checked").exists()


def test_removing_deletes_the_entry_and_audits_it(personas: dict[str, Persona]) -> None:
    entry = add(personas["coordinator"])
    signpost_entry_remove(actor=personas["coordinator"].user, entry=entry)
    assert not SignpostEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(
        action="signpost_entry.removed", object_public_id=entry.public_id
    ).exists()


@pytest.mark.parametrize("who", ["facilitator", "viewer", "partner", "mentor", "student"])
def test_only_coordinators_and_dsls_may_add(personas: dict[str, Persona], who: str) -> None:
    with pytest.raises(PermissionDenied):
        add(personas[who])
    assert not SignpostEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="signpost_entry").exists()


@pytest.mark.parametrize(
    "who", ["facilitator", "viewer", "partner", "mentor", "student", "outsider"]
)
def test_others_may_not_change_check_or_remove(personas: dict[str, Persona], who: str) -> None:
    entry = add(personas["coordinator"])
    actor = personas[who].user
    with pytest.raises(PermissionDenied):
        signpost_entry_update(actor=actor, entry=entry, kind="school", name="X", what_for="Y")
    with pytest.raises(PermissionDenied):
        signpost_entry_checked(actor=actor, entry=entry)
    with pytest.raises(PermissionDenied):
        signpost_entry_remove(actor=actor, entry=entry)
    entry.refresh_from_db()
    assert entry.name == "Pastoral office"
    assert AuditEvent.objects.filter(action__startswith="signpost_entry").count() == 1


def test_a_phone_number_with_letters_is_refused_and_nothing_saved(
    personas: dict[str, Persona],
) -> None:
    with pytest.raises(ValidationError) as raised:
        add(personas["coordinator"], phone="call the office")
    assert "digits and spaces" in raised.value.message_dict["phone"][0]
    assert not SignpostEntry.objects.exists()


def test_an_entry_with_no_way_to_reach_it_is_refused(personas: dict[str, Persona]) -> None:
    with pytest.raises(ValidationError) as raised:
        add(personas["coordinator"], where="")
    assert "at least one way to reach them" in raised.value.message_dict["where"][0]
    assert not SignpostEntry.objects.exists()


def test_an_unknown_kind_or_missing_name_is_refused(personas: dict[str, Persona]) -> None:
    with pytest.raises(ValidationError) as raised:
        add(personas["coordinator"], kind="national", name="")
    assert set(raised.value.message_dict) >= {"kind"}
    with pytest.raises(ValidationError) as raised:
        add(personas["coordinator"], name="")
    assert "name" in raised.value.message_dict
    assert not SignpostEntry.objects.exists()


def test_a_bad_update_changes_nothing(personas: dict[str, Persona]) -> None:
    entry = add(personas["coordinator"])
    with pytest.raises(ValidationError):
        signpost_entry_update(
            actor=personas["coordinator"].user,
            entry=entry,
            kind="school",
            name="New name",
            what_for="Talk.",
            website="not a web address",
        )
    entry.refresh_from_db()
    assert entry.name == "Pastoral office"
    assert not AuditEvent.objects.filter(action="signpost_entry.updated").exists()
