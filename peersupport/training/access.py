"""Who may see which training."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.schools.models import School
from peersupport.training.models import TrainingModule

STAFF = frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR})


def modules_visible_to(user: User, school: School) -> QuerySet[TrainingModule]:
    """Staff see every module; a peer mentor (or applicant in training) sees the
    mentors' modules; nobody else sees any."""
    role = role_in(user, school)
    modules = TrainingModule.objects.filter(school=school)
    if role in STAFF:
        return modules
    student = getattr(user, "student_record", None)
    if role in (Role.MENTOR, Role.STUDENT) and student is not None and hasattr(student, "mentor"):
        return modules.filter(audience=TrainingModule.Audience.MENTOR)
    return TrainingModule.objects.none()


def module_for(user: User, school: School, public_id: uuid.UUID) -> TrainingModule:
    try:
        return modules_visible_to(user, school).get(public_id=public_id)
    except TrainingModule.DoesNotExist:
        raise Http404("No such training.") from None
