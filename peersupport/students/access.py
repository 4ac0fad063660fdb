"""Who may see which students. The only place that decides it."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.schools.models import School
from peersupport.students.models import ConsentRecord, ImportBatch, Student

# Roles that see every student record of their school.
WHOLE_SCHOOL_ROLES = frozenset({Role.COORDINATOR, Role.DSL})


def students_visible_to(user: User, school: School) -> QuerySet[Student]:
    role = role_in(user, school)
    if role in WHOLE_SCHOOL_ROLES:
        return Student.objects.filter(school=school)
    # Facilitators will see the mentees of their own groups once groups exist;
    # viewers see aggregates only; partners only referred students (later);
    # mentors and students never see another student's record.
    return Student.objects.none()


def student_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> Student:
    """One student record, audited as a read; 404 when missing or not yours."""
    try:
        student = students_visible_to(user, school).get(public_id=public_id)
    except Student.DoesNotExist:
        raise Http404("No such student.") from None
    audit_record(
        action="student.profile_viewed",
        actor=user,
        school=school,
        object_type="student",
        object_public_id=student.public_id,
        request=request,
    )
    return student


def student_for_change(user: User, school: School, public_id: uuid.UUID) -> Student:
    """A student whose consent the user may record: coordinators and DSLs only."""
    if role_in(user, school) not in WHOLE_SCHOOL_ROLES:
        raise Http404("No such student.")
    try:
        return Student.objects.get(school=school, public_id=public_id)
    except Student.DoesNotExist:
        raise Http404("No such student.") from None


def consent_for_change(user: User, school: School, public_id: uuid.UUID) -> ConsentRecord:
    if role_in(user, school) not in WHOLE_SCHOOL_ROLES:
        raise Http404("No such consent record.")
    try:
        return ConsentRecord.objects.select_related("student").get(
            school=school, public_id=public_id
        )
    except ConsentRecord.DoesNotExist:
        raise Http404("No such consent record.") from None


def import_batch_for(user: User, school: School, public_id: uuid.UUID) -> ImportBatch:
    if role_in(user, school) not in WHOLE_SCHOOL_ROLES:
        raise Http404("No such import.")
    try:
        return ImportBatch.objects.get(school=school, public_id=public_id)
    except ImportBatch.DoesNotExist:
        raise Http404("No such import.") from None
