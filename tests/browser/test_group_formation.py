"""Forming a group programme's groups in the browser: the coordinator chooses who
leads, gets a proposal, and creates the groups; the pages have no axe violations."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role
from peersupport.matching.models import GroupFormation
from peersupport.programmes.models import Group, GroupMember, Programme
from peersupport.programmes.services import (
    keep_apart_record,
    programme_create,
    referral_accept,
    referral_create,
)
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_forms_and_creates_groups_on_accessible_pages(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    programme = programme_create(
        actor=coordinator.user,
        school=school,
        name="Friendship circle",
        kind=Programme.Kind.GROUP,
        capacity=20,
    )
    students = []
    for n in range(14):
        student = make_student(
            school,
            legal_forename=f"Pupil{n}",
            year_group=7 + n % 3,
            gender="F" if n % 2 else "M",
            sen_status="E" if n in (3, 9) else "N",
        )
        referral = referral_create(
            actor=coordinator.user,
            programme=programme,
            student=student,
            source="staff",
            need_areas=["friendships"],
        )
        referral_accept(actor=coordinator.user, referral=referral)
        students.append(student)
    keep_apart_record(
        actor=coordinator.user, first=students[0], second=students[1], reason="A fall-out"
    )
    make_user("sam.second@northgate.example", "Sam Second", school, Role.FACILITATOR, False)

    signed_in(page, live_server, coordinator)
    page.goto(reverse("programmes:detail", args=[programme.public_id]))
    page.get_by_role("link", name="Form groups").click()
    page.get_by_role("heading", name="Form groups: Friendship circle").wait_for()
    assert_accessible(axe, page)
    page.get_by_label("Facilitator", exact=True).check()
    page.get_by_label("Sam Second", exact=True).check()
    page.get_by_role("button", name="Form groups").click()

    page.get_by_role("heading", name="Proposed groups: Friendship circle").wait_for()
    assert page.get_by_role("heading", name="Group 2").is_visible()
    assert_accessible(axe, page)
    formation = GroupFormation.objects.get(programme=programme)
    placed = {s: g["number"] for g in formation.result["groups"] for s in g["students"]}
    assert placed[str(students[0].public_id)] != placed[str(students[1].public_id)]

    page.get_by_label("Name the groups (optional)").fill("Thursday circle")
    page.get_by_role("button", name="Create these groups").click()
    page.get_by_text("2 groups created: Thursday circle 1, Thursday circle 2.").wait_for()
    assert_accessible(axe, page)
    assert sorted(Group.objects.filter(programme=programme).values_list("name", flat=True)) == [
        "Thursday circle 1",
        "Thursday circle 2",
    ]
    assert GroupMember.objects.filter(group__programme=programme).count() == 14
