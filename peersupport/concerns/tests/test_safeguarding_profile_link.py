"""A student's profile links to their safeguarding file for a DSL, when a
safeguarding record names the student. Nobody else sees the link, or any hint that
there is a file: not the coordinator who raised the concern, not a facilitator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.concerns.services import safeguarding_acknowledge, safeguarding_add_entry
from peersupport.concerns.tests.safeguarding_setup import raise_safeguarding
from peersupport.students.models import Student


def profile(student: Student) -> str:
    return reverse("students:detail", kwargs={"public_id": student.public_id})


def file_of(student: Student) -> str:
    return reverse("concerns:safeguarding_student", kwargs={"public_id": student.public_id})


@pytest.fixture
def named(personas: dict[str, Persona]) -> Student:
    """A student a safeguarding concern names (raised by the coordinator)."""
    student = make_student(personas["dsl"].school, legal_forename="Ada", legal_surname="Ames")
    raise_safeguarding(personas["coordinator"], [student])
    return student


@pytest.fixture
def not_named(personas: dict[str, Persona]) -> Student:
    return make_student(personas["dsl"].school, legal_forename="Ben", legal_surname="Bell")


def test_a_dsl_sees_the_link_only_for_a_student_with_a_safeguarding_file(
    login: Callable[[Persona], Client],
    personas: dict[str, Persona],
    named: Student,
    not_named: Student,
) -> None:
    client = login(personas["dsl"])
    page = client.get(profile(named))
    assert page.status_code == 200
    assert f'<a href="{file_of(named)}">Safeguarding file</a>' in page.content.decode()
    assert client.get(file_of(named)).status_code == 200

    page = client.get(profile(not_named))
    assert page.status_code == 200
    assert "Safeguarding file" not in page.content.decode()
    assert file_of(not_named) not in page.content.decode()


def test_a_student_named_only_in_a_chronology_entry_has_the_link_too(
    login: Callable[[Persona], Client],
    personas: dict[str, Persona],
    not_named: Student,
) -> None:
    concern = raise_safeguarding(personas["coordinator"])
    concern = safeguarding_acknowledge(actor=personas["dsl"].user, concern=concern)
    safeguarding_add_entry(
        actor=personas["dsl"].user,
        concern=concern,
        kind="action",
        text="Spoke to Ben, who saw it happen.",
        students=[not_named],
    )
    page = login(personas["dsl"]).get(profile(not_named)).content.decode()
    assert f'<a href="{file_of(not_named)}">Safeguarding file</a>' in page


@pytest.mark.parametrize("who", ["coordinator", "facilitator"])
def test_nobody_else_sees_the_link_or_a_hint_of_the_file(
    login: Callable[[Persona], Client],
    personas: dict[str, Persona],
    named: Student,
    not_named: Student,
    who: str,
) -> None:
    client = login(personas[who])
    for student in (named, not_named):
        body = client.get(profile(student)).content.decode()
        assert "safeguarding" not in body.lower()
        assert file_of(student) not in body


def test_the_coordinators_profile_page_does_not_look_at_safeguarding_records(
    login: Callable[[Persona], Client],
    personas: dict[str, Persona],
    named: Student,
    not_named: Student,
) -> None:
    """Not even the number of queries differs with the file, so nothing about the
    page (its timing included) tells a coordinator that one student has a file."""
    client = login(personas["coordinator"])
    client.get(profile(not_named))  # the first request settles the session
    with CaptureQueriesContext(connection) as with_file:
        assert client.get(profile(named)).status_code == 200
    with CaptureQueriesContext(connection) as without_file:
        assert client.get(profile(not_named)).status_code == 200
    assert len(with_file) == len(without_file)
    assert not [q for q in with_file.captured_queries if "concerns_" in q["sql"]]
