"""Opening and finishing tasks."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from peersupport.accounts.models import User
from peersupport.audit.services import audit_record
from peersupport.schools.models import School
from peersupport.tasks.models import Task


@transaction.atomic
def task_open(
    *,
    school: School,
    kind: str,
    title: str,
    subject_type: str,
    subject_public_id: uuid.UUID,
    assigned_to: User,
    link: str = "",
    due_on: datetime.date | None = None,
) -> tuple[Task, bool]:
    """Open a task unless the same one is already open; returns (task, created)."""
    existing = Task.objects.filter(
        kind=kind,
        subject_public_id=subject_public_id,
        assigned_to=assigned_to,
        status=Task.Status.OPEN,
    ).first()
    if existing is not None:
        return existing, False
    task = Task(
        school=school,
        kind=kind,
        title=title,
        subject_type=subject_type,
        subject_public_id=subject_public_id,
        assigned_to=assigned_to,
        link=link,
        due_on=due_on,
    )
    task.full_clean(validate_constraints=False)
    task.save()
    return task, True


@transaction.atomic
def task_done(*, actor: User, task: Task) -> Task:
    if task.assigned_to_id != actor.pk:
        raise PermissionDenied("Only the person the task is for can mark it done.")
    if task.status == Task.Status.DONE:
        return task
    task.status = Task.Status.DONE
    task.done_at = timezone.now()
    task.save(update_fields=["status", "done_at"])
    audit_record(
        action="task.done",
        actor=actor,
        school=task.school,
        object_type="task",
        object_public_id=task.public_id,
        detail=task.kind,
    )
    return task
