"""Free text in wellbeing (session feedback comments and goals) goes through the
urgent-words check, which concerns registers with students/free_text.py (wellbeing
cannot call concerns): a match flags it and alerts the DSLs after commit, anonymous
feedback's flag names nobody, and with no check registered nothing happens."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.concerns.models import UrgentFlag
from peersupport.concerns.services import urgent_check
from peersupport.meetings.models import Session
from peersupport.meetings.services import session_create
from peersupport.programmes.services import group_add_member, group_create, programme_create
from peersupport.schools.models import School
from peersupport.students import free_text
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.wellbeing.instruments import load_instruments
from peersupport.wellbeing.models import Feedback
from peersupport.wellbeing.services import feedback_give, goal_set

WORRYING = "I don\u2019t want to be alive anymore"


@pytest.fixture
def student(personas: dict[str, Persona], school_a: School) -> Student:
    record = make_student(school_a, legal_forename="Sam")
    record.user = personas["student"].user
    record.save()
    return record


@pytest.fixture
def session(personas: dict[str, Persona], school_a: School, student: Student) -> Session:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator, school=school_a, name="Lunch club", kind="group", capacity=20
    )
    group = group_create(actor=coordinator, programme=programme, name="Lunch group")
    group_add_member(actor=coordinator, group=group, student=student)
    return session_create(
        actor=coordinator, group=group, date=datetime.date.today(), start_time=datetime.time(12)
    )


def answers() -> dict[str, int | None]:
    return {item.id: 3 for item in load_instruments()["session_feedback"].items}


def give(persona: Persona, session: Session, comment: str, anonymous: bool = False) -> Feedback:
    return feedback_give(
        actor=persona.user,
        session=session,
        answers=answers(),
        comment=comment,
        anonymous=anonymous,
    )


def dsl_tasks() -> list[Task]:
    return list(Task.objects.filter(kind=TaskKind.URGENT_REVIEW))


def test_concerns_registers_its_urgent_check() -> None:
    assert urgent_check in free_text._checkers


def test_a_named_feedback_comment_with_urgent_words_flags_it_and_alerts_the_dsl_after_commit(
    personas: dict[str, Persona],
    session: Session,
    student: Student,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        feedback = give(personas["student"], session, f"The group was fine. {WORRYING}")
    assert mail.outbox == []  # nothing leaves before the feedback is saved
    for callback in callbacks:
        callback()
    feedback.refresh_from_db()
    assert feedback.urgent
    flag = UrgentFlag.objects.get()
    assert (flag.source_type, flag.source_public_id, flag.student) == (
        "session_feedback",
        feedback.id,
        student,
    )
    assert [task.assigned_to for task in dsl_tasks()] == [personas["dsl"].user]
    assert [message.to for message in mail.outbox] == [[personas["dsl"].user.email]]
    assert WORRYING not in mail.outbox[0].body


def test_an_anonymous_feedback_comment_is_flagged_naming_nobody(
    personas: dict[str, Persona],
    session: Session,
    login: Callable[[Persona], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        feedback = give(personas["student"], session, WORRYING, anonymous=True)
    feedback.refresh_from_db()
    assert (feedback.urgent, feedback.student, feedback.session) == (True, None, None)
    flag = UrgentFlag.objects.get()
    assert (flag.student, flag.source_public_id) == (None, feedback.id)
    assert len(mail.outbox) == 1
    # The DSL reads the words on the flag's page, and nothing names the student.
    page = login(personas["dsl"]).get(
        reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})
    )
    text = page.content.decode()
    assert "Session feedback (anonymous)" in text
    assert "want to be alive anymore" in text
    assert "Sam" not in text


def test_an_ordinary_comment_is_not_flagged(
    personas: dict[str, Persona], session: Session, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        feedback = give(personas["student"], session, "This homework is hard but the group helps")
    feedback.refresh_from_db()
    assert not feedback.urgent
    assert not UrgentFlag.objects.exists()
    assert dsl_tasks() == [] and mail.outbox == []


def test_a_goal_with_urgent_words_is_flagged_naming_the_student(
    personas: dict[str, Persona],
    student: Student,
    login: Callable[[Persona], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        goal = goal_set(
            actor=personas["student"].user,
            student=student,
            text=f"Stop feeling like {WORRYING.lower()}",
            first_rating=2,
        )
    flag = UrgentFlag.objects.get()
    assert (flag.source_type, flag.source_public_id, flag.student) == (
        "goal",
        goal.public_id,
        student,
    )
    assert [task.assigned_to for task in dsl_tasks()] == [personas["dsl"].user]
    assert len(mail.outbox) == 1
    page = login(personas["dsl"]).get(
        reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})
    )
    text = page.content.decode()
    assert "A student&#x27;s goal" in text or "A student's goal" in text
    assert "want to be alive anymore" in text


def test_an_ordinary_goal_is_not_flagged(
    personas: dict[str, Persona], student: Student, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        goal_set(
            actor=personas["student"].user,
            student=student,
            text="Speak up once in every lesson",
            first_rating=3,
        )
    assert not UrgentFlag.objects.exists()
    assert mail.outbox == []


def test_with_no_check_registered_the_hook_does_nothing(
    personas: dict[str, Persona],
    session: Session,
    student: Student,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(free_text, "_checkers", [])
    assert not free_text.free_text_check(
        school=student.school,
        text=WORRYING,
        source_type="goal",
        source_public_id=student.public_id,
    )
    with django_capture_on_commit_callbacks(execute=True):
        feedback = give(personas["student"], session, WORRYING)
        goal_set(actor=personas["student"].user, student=student, text=WORRYING, first_rating=1)
    feedback.refresh_from_db()
    assert not feedback.urgent
    assert not UrgentFlag.objects.exists()
    assert mail.outbox == []


def test_a_kind_of_record_with_no_reader_reads_as_nothing(student: Student) -> None:
    assert free_text.free_text_read(student.school, "no_such_kind", student.public_id) is None
