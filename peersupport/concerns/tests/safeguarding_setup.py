"""Shared set-up for the safeguarding tests: a safeguarding concern raised through
the real service, and a second DSL."""

from __future__ import annotations

from collections.abc import Iterable

from conftest import Persona, make_user
from peersupport.accounts.models import Role
from peersupport.concerns.models import Concern
from peersupport.concerns.services import concern_raise
from peersupport.students.models import Student

FIRST_ACCOUNT = "Ada said her uncle hits her when her mum is at work."


def raise_safeguarding(
    raiser: Persona, students: Iterable[Student] = (), text: str = FIRST_ACCOUNT
) -> Concern:
    return concern_raise(
        actor=raiser.user,
        school=raiser.school,
        kind="safeguarding",
        text=text,
        students=list(students),
    )


def second_dsl(personas: dict[str, Persona]) -> Persona:
    return make_user(
        "deputy@northgate.example", "Deputy Dsl", personas["dsl"].school, Role.DSL, True
    )
