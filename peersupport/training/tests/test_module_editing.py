"""Coordinators and DSLs add and edit training modules: safe Markdown content, and a
knowledge check written as plain text that is checked before anything is saved."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.programmes.services import mentor_apply
from peersupport.schools.models import School
from peersupport.training import question_text
from peersupport.training.curriculum import load_curriculum
from peersupport.training.models import Completion, TrainingModule
from peersupport.training.services import (
    add_months,
    completion_record,
    module_create,
    module_update,
)

GOOD_QUESTIONS = """What helps someone feel heard?
[ ] Looking at your phone
> That can feel like you are not listening.
[x] Looking at them and nodding
> Yes: it shows you are with them.

Who do you tell if someone is being hurt?
[X] A member of staff, straight away
[] Nobody: keep it secret
> Some things must always go to staff.
"""


def form_data(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "Listening well",
        "summary": "How to listen so someone feels heard.",
        "content": "# Listening\n\nLook at the **speaker**.",
        "minutes": "25",
        "core": "on",
        "audience": "mentor",
        "delivered_by": "school",
        "refresh_months": "12",
        "pass_mark": "80",
        "questions_text": GOOD_QUESTIONS,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# The plain-text format of the knowledge check.


def test_the_plain_text_format_reads_questions_answers_and_feedback() -> None:
    questions = question_text.parse(GOOD_QUESTIONS)
    assert questions == [
        {
            "question": "What helps someone feel heard?",
            "options": [
                {
                    "text": "Looking at your phone",
                    "correct": False,
                    "feedback": "That can feel like you are not listening.",
                },
                {
                    "text": "Looking at them and nodding",
                    "correct": True,
                    "feedback": "Yes: it shows you are with them.",
                },
            ],
        },
        {
            "question": "Who do you tell if someone is being hurt?",
            "options": [
                {"text": "A member of staff, straight away", "correct": True, "feedback": ""},
                {
                    "text": "Nobody: keep it secret",
                    "correct": False,
                    "feedback": "Some things must always go to staff.",
                },
            ],
        },
    ]
    assert question_text.parse("") == [] and question_text.parse("\n  \n") == []


def test_every_shipped_knowledge_check_reads_back_as_written() -> None:
    for module in load_curriculum():
        questions = module.questions_json()
        assert question_text.parse(question_text.format_text(questions)) == questions, module.key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Only one?\n[x] Yes", "Question 1 has 1 answer; it needs at least two."),
        ("None right?\n[ ] No\n[ ] Nope", "Question 1 has no right answer"),
        ("Two right?\n[x] Yes\n[x] Also yes", "Question 1 has 2 answers marked right"),
        ("Feedback first?\n> Well done\n[x] Yes\n[ ] No", "Line 2: feedback (starting >)"),
        ("A question\n[x] Yes\nNo\n[ ] Maybe", "Line 3: after the question"),
        ("[x] Yes\n[ ] No", "Question 1 (line 1) starts with an answer"),
        ("Empty answer?\n[x]\n[ ] No", "Question 1, answer 1 has no words."),
    ],
)
def test_a_broken_knowledge_check_gets_a_message_that_says_where(text: str, message: str) -> None:
    with pytest.raises(question_text.QuestionTextError) as raised:
        question_text.parse(text)
    assert any(message in found for found in raised.value.messages), raised.value.messages


def test_messages_count_questions_and_lines_from_the_top_and_name_every_problem() -> None:
    with pytest.raises(question_text.QuestionTextError) as raised:
        question_text.parse(GOOD_QUESTIONS + "\nThird?\n[x] A\n[x] B\n\nFourth?\n[x] A")
    assert raised.value.messages == [
        "Question 3 has 2 answers marked right; mark exactly one with [x].",
        "Question 4 has 1 answer; it needs at least two.",
    ]
    with pytest.raises(question_text.QuestionTextError) as raised:
        question_text.parse(GOOD_QUESTIONS + "\nThird?\n[x] A\nB")
    assert raised.value.messages[0].startswith("Line 14: ")


# Services.


def test_a_coordinator_adds_a_module_with_a_key_made_from_its_title(
    personas: dict[str, Persona], school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    fields = {"title": "Listening well", "questions": question_text.parse(GOOD_QUESTIONS)}
    first = module_create(actor=coordinator, school=school_a, **fields)
    second = module_create(actor=coordinator, school=school_a, **fields)
    assert (first.key, second.key) == ("listening-well", "listening-well-2")
    assert first.questions == fields["questions"]
    created = AuditEvent.objects.filter(action="training.module_created")
    assert created.count() == 2 and created.first().actor == coordinator  # type: ignore[union-attr]


def test_only_coordinators_and_dsls_edit_modules(
    personas: dict[str, Persona], school_a: School
) -> None:
    module = TrainingModule.objects.create(school=school_a, key="listening", title="Listening")
    for who in ("facilitator", "mentor", "viewer", "partner", "outsider"):
        with pytest.raises(PermissionDenied):
            module_create(actor=personas[who].user, school=school_a, title="Mine")
        with pytest.raises(PermissionDenied):
            module_update(actor=personas[who].user, module=module, title="Mine")
    module.refresh_from_db()
    assert module.title == "Listening" and TrainingModule.objects.count() == 1


def test_bad_questions_are_refused_by_the_service_and_nothing_changes(
    personas: dict[str, Persona], school_a: School
) -> None:
    good = question_text.parse(GOOD_QUESTIONS)
    module = TrainingModule.objects.create(
        school=school_a, key="listening", title="Listening", questions=good
    )
    two_right = [
        {
            "question": "Which?",
            "options": [
                {"text": "A", "correct": True, "feedback": ""},
                {"text": "B", "correct": True, "feedback": ""},
            ],
        }
    ]
    with pytest.raises(ValidationError) as raised:
        module_update(
            actor=personas["dsl"].user, module=module, title="Changed", questions=two_right
        )
    assert "mark exactly one" in str(raised.value)
    module.refresh_from_db()
    assert module.title == "Listening" and module.questions == good
    assert not AuditEvent.objects.filter(action="training.module_updated").exists()


def test_a_change_is_audited_with_the_fields_that_changed(
    personas: dict[str, Persona], school_a: School
) -> None:
    module = TrainingModule.objects.create(school=school_a, key="listening", title="Listening")
    module_update(actor=personas["dsl"].user, module=module, title="Listening", minutes=30)
    event = AuditEvent.objects.get(action="training.module_updated")
    assert event.detail == "minutes" and event.object_public_id == module.public_id
    module_update(actor=personas["dsl"].user, module=module, minutes=30)
    assert AuditEvent.objects.filter(action="training.module_updated").count() == 1


def test_changing_the_refresh_period_leaves_recorded_expiry_dates_alone(
    personas: dict[str, Persona], school_a: School
) -> None:
    module = TrainingModule.objects.create(
        school=school_a, key="listening", title="Listening", refresh_months=12
    )
    day = datetime.date.today() - datetime.timedelta(days=10)
    before = completion_record(
        actor=personas["facilitator"].user,
        module=module,
        user=personas["facilitator"].user,
        completed_on=day,
        how=Completion.How.RECORDED,
    )
    module = module_update(actor=personas["coordinator"].user, module=module, refresh_months=6)
    before.refresh_from_db()
    assert before.expires_on == add_months(day, 12)
    after = completion_record(
        actor=personas["facilitator"].user,
        module=module,
        user=personas["dsl"].user,
        completed_on=day,
        how=Completion.How.RECORDED,
    )
    assert after.expires_on == add_months(day, 6)


# Pages.


def test_a_coordinator_adds_a_module_on_the_page(
    client: Client, personas: dict[str, Persona]
) -> None:
    client.force_login(personas["coordinator"].user)
    url = reverse("training:module_new")
    assert client.get(url).status_code == 200
    response = client.post(url, form_data())
    module = TrainingModule.objects.get(title="Listening well")
    assert response.status_code == 302
    assert response.url == reverse("training:module", args=[module.public_id])
    assert module.minutes == 25 and module.refresh_months == 12 and module.core
    assert module.questions == question_text.parse(GOOD_QUESTIONS)


def test_the_edit_page_shows_the_questions_as_text_and_saves_changes(
    client: Client, personas: dict[str, Persona], school_a: School
) -> None:
    module = TrainingModule.objects.create(
        school=school_a,
        key="listening",
        title="Listening",
        questions=question_text.parse(GOOD_QUESTIONS),
    )
    client.force_login(personas["dsl"].user)
    url = reverse("training:module_edit", args=[module.public_id])
    form = client.get(url).context["form"]
    assert question_text.parse(form.initial["questions_text"]) == module.questions
    assert "keep the date they run out" in client.get(url).content.decode()
    response = client.post(url, form_data(title="Listening, refreshed", refresh_months=""))
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.title == "Listening, refreshed" and module.refresh_months is None
    assert module.key == "listening"


@pytest.mark.parametrize(
    ("questions_text", "message"),
    [
        ("Which?\n[x] Only one answer", "Question 1 has 1 answer; it needs at least two."),
        ("Which?\n[x] A\n[x] B", "Question 1 has 2 answers marked right; mark exactly one"),
        ("Which?\n[ ] A\n[ ] B", "Question 1 has no right answer"),
    ],
)
def test_a_module_with_bad_questions_is_refused_with_a_clear_message_and_nothing_saved(
    client: Client,
    personas: dict[str, Persona],
    school_a: School,
    questions_text: str,
    message: str,
) -> None:
    module = TrainingModule.objects.create(school=school_a, key="listening", title="Listening")
    client.force_login(personas["coordinator"].user)
    for url in (
        reverse("training:module_new"),
        reverse("training:module_edit", args=[module.public_id]),
    ):
        response = client.post(url, form_data(questions_text=questions_text))
        assert response.status_code == 200
        page = response.content.decode()
        assert message in page and 'class="field-error"' in page
        # What they typed is kept, to be put right.
        assert response.context["form"]["questions_text"].value() == questions_text
    module.refresh_from_db()
    assert TrainingModule.objects.count() == 1
    assert module.title == "Listening" and module.questions == []
    assert not AuditEvent.objects.filter(action__startswith="training.module_").exists()


def test_other_bad_input_is_refused_field_by_field(
    client: Client, personas: dict[str, Persona]
) -> None:
    client.force_login(personas["coordinator"].user)
    response = client.post(
        reverse("training:module_new"),
        form_data(title="", pass_mark="150", minutes="0", refresh_months="-1", audience="pupils"),
    )
    errors = response.context["form"].errors
    assert set(errors) == {"title", "pass_mark", "minutes", "refresh_months", "audience"}
    assert not TrainingModule.objects.exists()


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    class Collector(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, attrs))

    collector = Collector()
    collector.feed(html)
    return collector.found


ATTACK = """# Hello

<script>alert("content")</script>

<img src=x onerror="alert('img')">

[Click me](javascript:alert('link'))

<a href="https://example.org" onclick="alert('click')">a link</a>
"""


def assert_inert(html: str) -> None:
    for tag, attributes in elements(html):
        assert tag not in {"img", "iframe", "svg", "object", "embed"}
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
    assert "<script>alert" not in html


def test_markdown_with_scripts_handlers_and_javascript_links_is_inert_on_the_module_page(
    client: Client, personas: dict[str, Persona], school_a: School
) -> None:
    module = module_create(
        actor=personas["coordinator"].user, school=school_a, title="Hello", content=ATTACK
    )
    record = make_student(school_a, year_group=10)
    record.user = personas["mentor"].user
    record.save()
    mentor_apply(actor=personas["coordinator"].user, student=record, why="To help")
    for who in ("mentor", "coordinator"):
        client.force_login(personas[who].user)
        page = client.get(reverse("training:module", args=[module.public_id])).content.decode()
        assert "<h1>Hello</h1>" in page
        assert "&lt;script&gt;" in page  # shown as text, not run
        assert_inert(page)


def test_the_preview_renders_the_content_safely_and_saves_nothing(
    client: Client, personas: dict[str, Persona]
) -> None:
    client.force_login(personas["coordinator"].user)
    response = client.post(reverse("training:module_new"), form_data(content=ATTACK, preview="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Preview of the content" in page and "<h1>Hello</h1>" in page
    assert_inert(page)
    assert not TrainingModule.objects.exists()


def test_staff_who_are_not_managers_see_no_edit_link(
    client: Client, personas: dict[str, Persona], school_a: School
) -> None:
    module = TrainingModule.objects.create(school=school_a, key="listening", title="Listening")
    edit = reverse("training:module_edit", args=[module.public_id])
    client.force_login(personas["facilitator"].user)
    page = client.get(reverse("training:module", args=[module.public_id])).content.decode()
    assert edit not in page and reverse("training:events") in page
    client.force_login(personas["coordinator"].user)
    page = client.get(reverse("training:module", args=[module.public_id])).content.decode()
    assert edit in page
