"""Staff training pages in a real browser: a coordinator edits a module (with a
refused knowledge check and a preview on the way), arranges a training session
and marks its register with the keyboard; every page passes axe-core."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from conftest import Persona, make_student
from peersupport.programmes.services import mentor_apply, mentor_give_reference, mentor_set_status
from peersupport.training.models import Completion, TrainingEvent, TrainingModule
from peersupport.training.services import curriculum_install
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_edits_a_module(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    school = personas["coordinator"].school
    curriculum_install(school=school)
    module = TrainingModule.objects.filter(school=school, audience="mentor").order_by("title")[0]
    signed_in(page, live_server, personas["coordinator"])
    page.goto("/training/")
    assert_accessible(axe, page)
    page.goto(f"/training/{module.public_id}/")
    page.get_by_role("link", name="Edit this module").click()
    page.get_by_role("heading", name=f"Edit {module.title}").wait_for()
    assert_accessible(axe, page)
    # A question with two right answers is refused, and says so.
    questions = page.get_by_label("Knowledge check questions")
    good = questions.input_value()
    questions.fill("Which is right?\n[x] This\n[x] That")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Question 1 has 2 answers marked right").wait_for()
    assert_accessible(axe, page)
    module.refresh_from_db()
    assert module.questions[0]["question"] != "Which is right?"
    # A preview of content that tries to run a script shows it as text.
    questions.fill(good)
    page.get_by_label("Content").fill("## New part\n\n<script>window.ran = 1</script>")
    page.get_by_role("button", name="Preview the content").click()
    page.get_by_role("heading", name="Preview of the content").wait_for()
    assert page.evaluate("() => window.ran") is None
    assert_accessible(axe, page)
    page.get_by_label("Refresh after this many months").fill("6")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("heading", name=module.title, exact=True).wait_for()
    assert page.evaluate("() => window.ran") is None
    module.refresh_from_db()
    assert module.refresh_months == 6 and module.content.startswith("## New part")
    assert_accessible(axe, page)


def test_a_coordinator_arranges_a_session_and_marks_the_register_by_keyboard(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    module = TrainingModule.objects.create(
        school=school, key="listening", title="Active listening", refresh_months=12
    )
    mentors = []
    for name in ("Maya", "Tom"):
        student = make_student(school, legal_forename=name, legal_surname="Example", year_group=10)
        mentor = mentor_apply(actor=coordinator.user, student=student, why="To help")
        mentor_give_reference(actor=coordinator.user, mentor=mentor, reference="Kind")
        mentor_set_status(actor=coordinator.user, mentor=mentor, status="in_training")
        mentors.append(student)
    signed_in(page, live_server, coordinator)
    page.goto("/training/events/")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Arrange a session").click()
    page.get_by_role("heading", name="Arrange a training session").wait_for()
    assert_accessible(axe, page)
    page.get_by_label("Module").select_option(label="Active listening")
    page.get_by_label("Date").fill(datetime.date.today().isoformat())
    page.get_by_label("Trainer from outside").fill("Sam Visitor, Kooth")
    page.get_by_label("Where").fill("Library")
    page.get_by_label("Maya Example").check()
    page.get_by_label("Tom Example").check()
    page.get_by_role("button", name="Save the session").click()
    page.get_by_role("heading", name="Training session: Active listening").wait_for()
    assert_accessible(axe, page)
    event = TrainingEvent.objects.get(module=module)
    # Tick Maya with the keyboard alone: Tab to her box, Space, then to Save and Enter.
    maya = page.get_by_label("Maya Example")
    for _ in range(80):
        page.keyboard.press("Tab")
        if maya.evaluate("box => box === document.activeElement"):
            break
    else:
        pytest.fail("Maya's box was never reached with Tab")
    page.keyboard.press("Space")
    assert maya.is_checked()
    save = page.get_by_role("button", name="Save the register")
    for _ in range(10):
        page.keyboard.press("Tab")
        if save.evaluate("button => button === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.get_by_text("1 person marked as there").wait_for()
    assert_accessible(axe, page)
    completion = Completion.objects.get(student=mentors[0])
    assert completion.event == event and completion.how == "in_person"
    assert not Completion.objects.filter(student=mentors[1]).exists()

    # A facilitator who neither trains this session nor set it up sees its register,
    # on an accessible page, but has nothing to change it with.
    page.context.clear_cookies()
    signed_in(page, live_server, personas["facilitator"])
    page.goto(f"/training/events/{event.public_id}/")
    page.get_by_text("Only the trainer, whoever set the session up, or a coordinator").wait_for()
    assert page.get_by_role("checkbox").count() == 0
    assert page.get_by_role("button", name="Add to the register").count() == 0
    assert_accessible(axe, page)
