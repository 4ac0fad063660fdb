"""Mentor-facing training pages, with the real starter curriculum, are accessible,
and a mentor can take a knowledge check in the browser."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Persona, make_student
from peersupport.programmes.services import mentor_apply
from peersupport.training.models import Completion, TrainingModule
from peersupport.training.services import curriculum_install
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_mentor_module_and_its_check_is_accessible(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    school = personas["coordinator"].school
    curriculum_install(school=school)
    record = make_student(school, legal_forename="Maya", year_group=10)
    record.user = personas["mentor"].user
    record.save()
    mentor_apply(actor=personas["coordinator"].user, student=record, why="To help")
    signed_in(page, live_server, personas["mentor"])
    page.goto("/training/")
    assert_accessible(axe, page)
    modules = list(
        TrainingModule.objects.filter(school=school, audience="mentor").order_by("title")
    )
    assert len(modules) == 7
    for module in modules:
        page.goto(f"/training/{module.public_id}/")
        assert_accessible(axe, page)
    # Take the first module's check with every right answer.
    module = modules[0]
    page.goto(f"/training/{module.public_id}/")
    for number, question in enumerate(module.questions):
        right = next(i for i, option in enumerate(question["options"]) if option["correct"])
        page.locator(f"#q{number}-{right}").check()
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_text("Well done").wait_for()
    assert_accessible(axe, page)
    assert Completion.objects.filter(student=record, module=module, how="self_paced").exists()
