"""Whose tasks: each member of staff sees their own."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from peersupport.accounts.models import User
from peersupport.schools.models import School
from peersupport.tasks.models import Task


def tasks_visible_to(user: User, school: School) -> QuerySet[Task]:
    return Task.objects.filter(school=school, assigned_to=user)


def task_for(user: User, school: School, public_id: uuid.UUID) -> Task:
    try:
        return tasks_visible_to(user, school).get(public_id=public_id)
    except Task.DoesNotExist:
        raise Http404("No such task.") from None
