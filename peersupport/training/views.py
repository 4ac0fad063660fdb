"""Training for peer mentors: the modules, and the knowledge check."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.training.access import module_for, modules_visible_to
from peersupport.training.selectors import training_gaps
from peersupport.training.services import knowledge_check_submit

EVERYONE_WHO_TRAINS = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.MENTOR, Role.STUDENT)


def _own_student(request: SchoolRequest):  # type: ignore[no-untyped-def]
    student = getattr(request.user, "student_record", None)
    if student is not None and student.school_id == request.school.pk:
        return student
    return None


@role_required(*EVERYONE_WHO_TRAINS)
def module_list(request: SchoolRequest) -> HttpResponse:
    modules = list(modules_visible_to(request.user, request.school))
    if not modules and request.membership.role in (Role.MENTOR, Role.STUDENT):
        raise PermissionDenied("Training is for peer mentors.")
    student = _own_student(request)
    missing = set()
    if student is not None:
        today = timezone.localdate()
        missing = {
            gap.module.pk for gap in training_gaps(student=student, modules=modules, on=today)
        }
    return render(
        request,
        "training/module_list.html",
        {"modules": modules, "missing": missing, "is_mentor": student is not None},
    )


@role_required(*EVERYONE_WHO_TRAINS)
def module_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    module = module_for(request.user, request.school, public_id)
    student = _own_student(request)
    result = None
    error = ""
    if request.method == "POST":
        if student is None:
            raise PermissionDenied("Only peer mentors take the knowledge check.")
        answers = []
        for index in range(len(module.questions)):
            value = request.POST.get(f"q{index}", "")
            answers.append(int(value) if value.isdigit() else -1)
        try:
            result = knowledge_check_submit(
                actor=request.user, module=module, student=student, answers=answers
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    return render(
        request,
        "training/module_detail.html",
        {"module": module, "result": result, "error": error, "can_answer": student is not None},
    )
