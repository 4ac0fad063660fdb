"""A safeguarding concern reaches every DSL at once (a task, and an e-mail with a
link only, sent after commit), and a DSL acknowledges it once; the person who
raised it sees who received it and when, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conftest import Persona
from peersupport.accounts.services import membership_change_role
from peersupport.audit.models import AuditEvent
from peersupport.concerns.selectors import receipt_for
from peersupport.concerns.services import safeguarding_acknowledge, safeguarding_escalate_due
from peersupport.concerns.tests.safeguarding_setup import (
    FIRST_ACCOUNT,
    raise_safeguarding,
    second_dsl,
)
from peersupport.tasks.models import Task, TaskKind


class RolledBack(Exception):
    pass


def test_every_dsl_is_emailed_a_link_and_nothing_else_after_commit(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    second_dsl(personas)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        concern = raise_safeguarding(personas["mentor"], [student_a])
    assert mailoutbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mailoutbox) == [
        "deputy@northgate.example",
        "dsl@northgate.example",
    ]
    link = "http://127.0.0.1:8000" + reverse(
        "concerns:safeguarding_detail", kwargs={"public_id": concern.public_id}
    )
    for message in mailoutbox:
        assert link in message.body
        assert "Ada" not in message.body + message.subject
        assert "uncle" not in message.body + message.subject
        assert "Mentor" not in message.body  # not who raised it either
    assert all(m.to != [personas["coordinator"].user.email] for m in mailoutbox)


def test_no_email_is_sent_when_the_transaction_rolls_back(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RolledBack),
        transaction.atomic(),
    ):
        raise_safeguarding(personas["facilitator"], [student_a])
        raise RolledBack
    assert mailoutbox == []
    assert not Task.objects.exists()


def test_each_dsl_gets_a_task_linking_to_the_record_and_no_coordinator_does(
    personas: dict[str, Persona], student_a: Any
) -> None:
    deputy = second_dsl(personas)
    concern = raise_safeguarding(personas["facilitator"], [student_a])
    tasks = Task.objects.filter(subject_public_id=concern.public_id)
    assert {task.assigned_to for task in tasks} == {personas["dsl"].user, deputy.user}
    path = reverse("concerns:safeguarding_detail", kwargs={"public_id": concern.public_id})
    assert {task.link for task in tasks} == {path}
    assert all("Ada" not in task.title for task in tasks)


def test_a_disabled_dsl_is_not_told(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    deputy = second_dsl(personas)
    deputy.membership.is_active = False
    deputy.membership.save()
    with django_capture_on_commit_callbacks(execute=True):
        raise_safeguarding(personas["facilitator"], [student_a])
    assert [message.to for message in mailoutbox] == [["dsl@northgate.example"]]


def test_a_dsl_acknowledges_once_and_every_dsl_task_closes(
    personas: dict[str, Persona], student_a: Any
) -> None:
    deputy = second_dsl(personas)
    concern = raise_safeguarding(personas["facilitator"], [student_a])
    acknowledged = safeguarding_acknowledge(actor=deputy.user, concern=concern)
    assert acknowledged.acknowledged_by == deputy.user
    assert acknowledged.acknowledged_at is not None
    assert not Task.objects.filter(subject_public_id=concern.public_id, status="open").exists()
    event = AuditEvent.objects.get(action="safeguarding.acknowledged")
    assert (event.actor, event.role, event.object_public_id) == (
        deputy.user,
        "dsl",
        concern.public_id,
    )

    with pytest.raises(ValidationError) as refused:
        safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    assert "Deputy Dsl already acknowledged" in refused.value.messages[0]
    concern.refresh_from_db()
    assert concern.acknowledged_by == deputy.user
    assert AuditEvent.objects.filter(action="safeguarding.acknowledged").count() == 1


@pytest.mark.parametrize("who", ["coordinator", "facilitator", "viewer", "mentor", "outsider"])
def test_only_a_dsl_can_acknowledge(who: str, personas: dict[str, Persona], student_a: Any) -> None:
    concern = raise_safeguarding(personas["facilitator"], [student_a])
    with pytest.raises(PermissionDenied):
        safeguarding_acknowledge(actor=personas[who].user, concern=concern)
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_a_dsl_who_lost_the_role_cannot_acknowledge(
    personas: dict[str, Persona], student_a: Any
) -> None:
    deputy = second_dsl(personas)
    concern = raise_safeguarding(personas["facilitator"], [student_a])
    membership_change_role(actor=personas["dsl"].user, membership=deputy.membership, role="viewer")
    with pytest.raises(PermissionDenied):
        safeguarding_acknowledge(actor=deputy.user, concern=concern)


def test_the_receipt_names_who_received_it_and_when_and_nothing_more(
    personas: dict[str, Persona], student_a: Any
) -> None:
    concern = raise_safeguarding(personas["mentor"], [student_a])
    assert receipt_for(concern) is None
    concern = safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    receipt = receipt_for(concern)
    assert receipt is not None
    assert receipt.name == "Dsl"
    assert receipt.at == concern.acknowledged_at
    assert FIRST_ACCOUNT not in repr(receipt)


def test_a_school_without_a_dsl_warns_its_coordinators_and_alerts_the_first_dsl(
    personas: dict[str, Persona],
    student_a: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Nobody can read the concern, so nobody is told of it; the coordinators are
    told (no details) to give someone the DSL role, once, and the concern waits to
    be alerted and escalated as usual: it is not marked escalated to nobody."""
    dsl = personas["dsl"]
    dsl.membership.is_active = False
    dsl.membership.save()
    coordinator = personas["coordinator"].user
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_safeguarding(personas["facilitator"], [student_a])
        raise_safeguarding(personas["facilitator"], [student_a], text="A second worry")
        safeguarding_escalate_due(school=concern.school, now=timezone.now())
    concern.refresh_from_db()
    assert concern.escalated_at is None
    assert not Task.objects.filter(subject_public_id=concern.public_id).exists()
    warning = Task.objects.get(kind=TaskKind.NO_DSL, assigned_to=coordinator)
    assert warning.subject_public_id == concern.school.public_id
    assert [message.to for message in mailoutbox] == [[coordinator.email]]
    assert FIRST_ACCOUNT not in mailoutbox[0].body
    assert student_a.legal_surname not in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="safeguarding.no_dsl").count() == 1
    assert not AuditEvent.objects.filter(action="safeguarding.escalated").exists()

    dsl.membership.is_active = True
    dsl.membership.save()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert safeguarding_escalate_due(school=concern.school, now=timezone.now()) == []
        safeguarding_escalate_due(school=concern.school, now=timezone.now())
    task = Task.objects.get(subject_public_id=concern.public_id)
    assert (task.kind, task.assigned_to) == (TaskKind.SAFEGUARDING_ACK, dsl.user)
    assert [m.subject for m in mailoutbox] == [
        "A safeguarding concern needs acknowledging"
    ] * 2  # one for each waiting concern, once
    warning.refresh_from_db()
    assert warning.status == Task.Status.DONE
