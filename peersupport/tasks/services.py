"""Opening and finishing tasks."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

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
    refresh: bool = False,
) -> tuple[Task, bool]:
    """Open a task unless the same one is already open; returns (task, created).
    With ``refresh``, an open one takes the new title, link and due date (what it
    asks has changed: training that was running out has now run out)."""
    existing = Task.objects.filter(
        kind=kind,
        subject_public_id=subject_public_id,
        assigned_to=assigned_to,
        status=Task.Status.OPEN,
    ).first()
    if existing is not None:
        if refresh and (existing.title, existing.link, existing.due_on) != (title, link, due_on):
            existing.title, existing.link, existing.due_on = title, link, due_on
            existing.full_clean(validate_constraints=False)
            existing.save(update_fields=["title", "link", "due_on"])
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


@transaction.atomic
def tasks_close_for(
    *,
    actor: User | None,
    school: School,
    kind: str,
    subject_public_ids: Iterable[uuid.UUID],
    why: str = "the work was recorded",
) -> int:
    """Mark done every open task of this kind about these subjects, whoever holds it,
    because the work it asked for has been recorded (a supervision recorded closes
    its mentors' supervision-due tasks) or is no longer needed (``actor=None``: the
    daily job, saying ``why`` in the audit). Returns how many were closed."""
    tasks = list(
        Task.objects.filter(
            school=school,
            kind=kind,
            subject_public_id__in=list(subject_public_ids),
            status=Task.Status.OPEN,
        )
    )
    if not tasks:
        return 0
    Task.objects.filter(pk__in=[task.pk for task in tasks]).update(
        status=Task.Status.DONE, done_at=timezone.now()
    )
    for task in tasks:
        audit_record(
            action="task.done",
            actor=actor,
            school=school,
            object_type="task",
            object_public_id=task.public_id,
            detail=f"{task.kind}: {why}",
        )
    return len(tasks)
