"""Programme fixtures built through the services."""

from __future__ import annotations

import pytest

from conftest import Persona, make_student
from peersupport.programmes.models import MentorProfile, Programme
from peersupport.programmes.services import (
    mentor_apply,
    mentor_give_reference,
    mentor_set_status,
    programme_create,
)
from peersupport.schools.models import School


@pytest.fixture
def programme(personas: dict[str, Persona]) -> Programme:
    coordinator = personas["coordinator"]
    return programme_create(
        actor=coordinator.user,
        school=coordinator.school,
        name="1:1 peer mentoring",
        kind=Programme.Kind.ONE_TO_ONE,
        capacity=20,
    )


def make_active_mentor(
    coordinator: Persona, school: School, **student_fields: object
) -> MentorProfile:
    student = make_student(school, year_group=10, **student_fields)
    mentor = mentor_apply(
        actor=coordinator.user, student=student, why="I was helped once", capacity=2
    )
    mentor_give_reference(actor=coordinator.user, mentor=mentor, reference="Kind and reliable.")
    mentor_set_status(
        actor=coordinator.user, mentor=mentor, status=MentorProfile.Status.IN_TRAINING
    )
    return mentor_set_status(
        actor=coordinator.user, mentor=mentor, status=MentorProfile.Status.ACTIVE
    )


@pytest.fixture
def mentor(personas: dict[str, Persona], school_a: School) -> MentorProfile:
    return make_active_mentor(personas["coordinator"], school_a, legal_forename="Maya")
