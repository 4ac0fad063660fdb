"""A school calendar, a group of eight and a mentorship, built through services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from conftest import Persona, make_student
from peersupport.programmes.models import Group, Mentorship, Programme
from peersupport.programmes.services import (
    group_add_member,
    group_create,
    mentorship_propose,
    mentorship_start,
    programme_create,
    referral_accept,
    referral_create,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.schools.models import School
from peersupport.schools.services import holiday_add, term_add
from peersupport.students.models import Student

D = datetime.date


@dataclass
class Setting:
    programme: Programme
    group: Group
    members: list[Student]
    mentorship: Mentorship


@pytest.fixture
def calendar(school_a: School) -> None:
    term_add(school=school_a, name="Autumn 2026", starts_on=D(2026, 9, 3), ends_on=D(2026, 12, 18))
    holiday_add(
        school=school_a, name="Half term", starts_on=D(2026, 10, 26), ends_on=D(2026, 10, 30)
    )


@pytest.fixture
def setting(personas: dict[str, Persona], school_a: School, calendar: None) -> Setting:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator, school=school_a, name="Lunch group", kind="group", capacity=40
    )
    group = group_create(
        actor=coordinator,
        programme=programme,
        name="Tuesday group",
        facilitators=[personas["facilitator"].user],
    )
    members = []
    for n in range(8):
        student = make_student(school_a, legal_forename=f"Member{n}", legal_surname=f"Group{n}")
        referral_accept(
            actor=coordinator,
            referral=referral_create(
                actor=coordinator,
                programme=programme,
                student=student,
                source="staff",
                need_areas=["friendships"],
            ),
            started_on=D(2026, 9, 1),
        )
        group_add_member(actor=coordinator, group=group, student=student, joined_on=D(2026, 9, 1))
        members.append(student)
    mentor = make_active_mentor(personas["coordinator"], school_a, legal_forename="Maya")
    mentor.student.user = personas["mentor"].user
    mentor.student.save()
    mentorship = mentorship_propose(
        actor=coordinator,
        programme=programme,
        mentor=mentor,
        mentee=make_student(school_a, legal_forename="Tom"),
    )
    mentorship_start(actor=coordinator, mentorship=mentorship, started_on=D(2026, 9, 7))
    return Setting(programme, group, members, mentorship)
