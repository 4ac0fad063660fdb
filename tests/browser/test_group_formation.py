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


def test_forming_shows_progress_and_a_refusal_comes_back_in_the_form(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona], monkeypatch: Any
) -> None:
    import threading

    from peersupport.matching import services

    coordinator = personas["coordinator"]
    school = coordinator.school
    programme = programme_create(
        actor=coordinator.user,
        school=school,
        name="Calm club",
        kind=Programme.Kind.GROUP,
        capacity=20,
    )
    for n in range(12):
        student = make_student(school, legal_forename=f"Pupil{n}", year_group=7 + n % 3)
        referral = referral_create(
            actor=coordinator.user,
            programme=programme,
            student=student,
            source="staff",
            need_areas=["friendships"],
        )
        referral_accept(actor=coordinator.user, referral=referral)
    # The engine waits until the test has seen the page while it works.
    go_on = threading.Event()
    real = services.solve_groups

    def slow_solve_groups(problem: Any, **options: Any) -> Any:
        go_on.wait(timeout=10)
        return real(problem, **options)

    monkeypatch.setattr(services, "solve_groups", slow_solve_groups)

    signed_in(page, live_server, coordinator)
    groups_url = reverse("matching:groups", args=[programme.public_id])
    page.goto(groups_url)
    assert page.get_by_text("This can take up to 15 seconds.").is_visible()
    status = page.locator("#forming-status")
    assert status.get_attribute("role") == "status" and status.inner_text() == ""

    # No one chosen to lead: the form comes back, in place, saying so.
    page.get_by_role("button", name="Form groups").click()
    error = page.get_by_text("Choose at least one member of staff to lead the groups.")
    error.wait_for()
    assert page.url.endswith(groups_url)
    # Focus moves to the message once htmx has settled the new form in place.
    page.wait_for_function(
        "() => document.activeElement.textContent"
        " === 'Choose at least one member of staff to lead the groups.'",
        timeout=5000,
    )
    assert status.inner_text() == ""
    assert_accessible(axe, page)
    assert not GroupFormation.objects.exists()

    page.get_by_label("Coordinator", exact=True).check()
    page.get_by_label("How many groups Coordinator can lead").fill("2")
    page.get_by_role("button", name="Form groups").click()
    page.get_by_role("status").filter(
        has_text="Forming groups… this can take up to 15 seconds."
    ).wait_for()
    assert page.get_by_role("button", name="Form groups").is_disabled()
    assert page.locator("#forming-bar").is_visible()
    assert_accessible(axe, page)
    go_on.set()

    page.get_by_role("heading", name="Proposed groups: Calm club").wait_for()
    assert page.get_by_text("Proposed: 12 students in 2 groups.").is_visible()
    assert GroupFormation.objects.filter(programme=programme).count() == 1
