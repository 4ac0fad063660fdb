"""My tasks."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.tasks.access import task_for, tasks_visible_to
from peersupport.tasks.models import Task
from peersupport.tasks.services import task_done

STAFF = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)


@role_required(*STAFF)
def my_tasks(request: SchoolRequest) -> HttpResponse:
    tasks = tasks_visible_to(request.user, request.school)
    context = {
        "open_tasks": tasks.filter(status=Task.Status.OPEN).order_by("due_on", "created_at")[:200],
        "done_tasks": tasks.filter(status=Task.Status.DONE).order_by("-done_at")[:20],
    }
    return render(request, "tasks/my_tasks.html", context)


@require_POST
@role_required(*STAFF)
def task_mark_done(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    task = task_for(request.user, request.school, public_id)
    try:
        task_done(actor=request.user, task=task)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Task marked as done.")
    return redirect("tasks:mine")
