"""A one-to-one programme with mentors and waiting mentees, built through the
services, for the match run tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import Persona, make_student
from peersupport.matching.services import preferences_save
from peersupport.programmes.models import MentorProfile, Programme
from peersupport.programmes.services import (
    mentor_apply,
    mentor_give_reference,
    mentor_set_status,
    programme_create,
    referral_accept,
    referral_create,
)
from peersupport.schools.models import School, TimetableSlot
from peersupport.students.models import Student


@dataclass
class Cohort:
    programme: Programme
    slots: dict[str, TimetableSlot]
    mentors: dict[str, MentorProfile]
    mentees: dict[str, Student]


def slot_named(slots: list[TimetableSlot], label: str) -> TimetableSlot:
    return next(s for s in slots if str(s) == label)


def active_mentor(
    coordinator: Persona,
    school: School,
    *,
    name: str,
    year: int,
    slots: list[TimetableSlot],
    interests: tuple[str, ...] = (),
    languages: tuple[str, ...] = (),
    capacity: int = 1,
    gender: str = "F",
) -> MentorProfile:
    student = make_student(
        school, legal_forename=name, legal_surname="Mentor", year_group=year, gender=gender
    )
    mentor = mentor_apply(
        actor=coordinator.user,
        student=student,
        why="I was helped once",
        capacity=capacity,
        interests=interests,
        languages=languages,
        availability=slots,
    )
    mentor_give_reference(actor=coordinator.user, mentor=mentor, reference="Kind and reliable.")
    mentor_set_status(actor=coordinator.user, mentor=mentor, status="in_training")
    return mentor_set_status(actor=coordinator.user, mentor=mentor, status="active")


def waiting_mentee(
    coordinator: Persona,
    programme: Programme,
    *,
    name: str,
    year: int,
    slots: list[TimetableSlot],
    interests: tuple[str, ...] = (),
    languages: tuple[str, ...] = (),
    gender: str = "F",
    same_gender: bool = False,
    preferred_mentor: MentorProfile | None = None,
) -> Student:
    student = make_student(
        programme.school,
        legal_forename=name,
        legal_surname="Mentee",
        year_group=year,
        gender=gender,
    )
    referral = referral_create(
        actor=coordinator.user,
        programme=programme,
        student=student,
        source="staff",
        need_areas=["friendships"],
        preferred_mentor=preferred_mentor,
    )
    referral_accept(actor=coordinator.user, referral=referral)
    preferences_save(
        actor=coordinator.user,
        student=student,
        interests=interests,
        languages=languages,
        availability=slots,
        same_gender=same_gender,
    )
    return student


@pytest.fixture
def cohort(personas: dict[str, Persona], school_a: School) -> Cohort:
    """Two mentors and three mentees. Ana (year 7) likes drawing and is free
    Wednesday lunch like Zara; Ben is free Monday lunch like Yusuf; Cal is free only
    on Friday after school, when no mentor is."""
    coordinator = personas["coordinator"]
    slots = list(TimetableSlot.objects.filter(school=school_a))
    mon, wed, fri = (
        slot_named(slots, "Mon lunch"),
        slot_named(slots, "Wed lunch"),
        slot_named(slots, "Fri after school"),
    )
    programme = programme_create(
        actor=coordinator.user,
        school=school_a,
        name="Year 7 buddies",
        kind=Programme.Kind.ONE_TO_ONE,
        capacity=20,
    )
    zara = active_mentor(
        coordinator, school_a, name="Zara", year=10, slots=[wed], interests=("drawing", "music")
    )
    yusuf = active_mentor(
        coordinator,
        school_a,
        name="Yusuf",
        year=11,
        slots=[mon, wed],
        languages=("Polish",),
        gender="M",
    )
    ana = waiting_mentee(
        coordinator, programme, name="Ana", year=7, slots=[wed], interests=("drawing",)
    )
    ben = waiting_mentee(
        coordinator, programme, name="Ben", year=7, slots=[mon], languages=("Polish",), gender="M"
    )
    cal = waiting_mentee(coordinator, programme, name="Cal", year=8, slots=[fri])
    return Cohort(
        programme=programme,
        slots={"mon": mon, "wed": wed, "fri": fri},
        mentors={"zara": zara, "yusuf": yusuf},
        mentees={"ana": ana, "ben": ben, "cal": cal},
    )
