"""Recording completions and marking knowledge checks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.training.curriculum import load_curriculum
from peersupport.training.models import Completion, TrainingModule


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day if it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def _expiry(module: TrainingModule, completed_on: datetime.date) -> datetime.date | None:
    if not module.refresh_months:
        return None
    return add_months(completed_on, module.refresh_months)


@transaction.atomic
def completion_record(
    *,
    actor: User,
    module: TrainingModule,
    completed_on: datetime.date,
    how: str,
    student: Student | None = None,
    user: User | None = None,
    score: int | None = None,
) -> Completion:
    """Staff record a completion (training event attended, or done elsewhere)."""
    if how != Completion.How.SELF_PACED and role_in(actor, module.school) not in (
        Role.COORDINATOR,
        Role.DSL,
        Role.FACILITATOR,
    ):
        raise PermissionDenied("Only staff can record training.")
    if student is not None and student.school_id != module.school_id:
        raise ValidationError("The student must belong to this school.")
    if completed_on > datetime.date.today():
        raise ValidationError({"completed_on": "The date cannot be in the future."})
    completion = Completion(
        school=module.school,
        module=module,
        student=student,
        user=user,
        completed_on=completed_on,
        how=how,
        expires_on=_expiry(module, completed_on),
        score=score,
        recorded_by=actor,
    )
    completion.full_clean()
    completion.save()
    audit_record(
        action="training.completed",
        actor=actor,
        school=module.school,
        object_type="module",
        object_public_id=module.public_id,
        detail=how,
    )
    return completion


@dataclass
class CheckResult:
    score: int  # percent
    passed: bool
    feedback: list[str]  # one line per question, for the answer given
    completion: Completion | None


@transaction.atomic
def knowledge_check_submit(
    *, actor: User, module: TrainingModule, student: Student, answers: list[int]
) -> CheckResult:
    """Mark a mentor's answers (the index of the option chosen for each question).
    Passing records a self-paced completion; failing can be tried again."""
    if student.user_id != actor.pk:
        raise PermissionDenied("Students answer the knowledge check for themselves.")
    questions = module.questions
    if not questions:
        raise ValidationError("This module has no knowledge check.")
    if len(answers) != len(questions):
        raise ValidationError("Answer every question.")
    right = 0
    feedback = []
    for question, answer in zip(questions, answers, strict=True):
        options = question["options"]
        if not 0 <= answer < len(options):
            raise ValidationError("Answer every question.")
        chosen = options[answer]
        right += 1 if chosen["correct"] else 0
        feedback.append(chosen.get("feedback", ""))
    score = round(100 * right / len(questions))
    passed = score >= module.pass_mark
    completion = None
    if passed:
        completion = completion_record(
            actor=actor,
            module=module,
            student=student,
            completed_on=datetime.date.today(),
            how=Completion.How.SELF_PACED,
            score=score,
        )
    return CheckResult(score=score, passed=passed, feedback=feedback, completion=completion)


@transaction.atomic
def curriculum_install(*, school: School) -> tuple[int, int]:
    """Install the starter curriculum for a school: new modules are added, ones
    the school already has (by key) are left as the school edited them. Returns
    (added, kept)."""
    existing = set(TrainingModule.objects.filter(school=school).values_list("key", flat=True))
    added = 0
    for data in load_curriculum():
        if data.key in existing:
            continue
        module = TrainingModule(school=school, **data.as_model_fields())
        module.full_clean()
        module.save()
        added += 1
    if added:
        audit_record(
            action="training.curriculum_installed", school=school, detail=f"{added} modules"
        )
    return added, len(existing)
