"""Personas for two schools, shared by every test.

School A (Northgate) has one user in each role; school B (Riverside) has a
coordinator, the "outsider" who must never see anything of school A. Coordinators,
DSLs and partners have TOTP enrolled, as REQUIRE_MFA demands.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from peersupport.accounts.models import Membership, Role, User
from peersupport.accounts.services import membership_grant, user_create
from peersupport.demo.roll import make_upn
from peersupport.schools.models import School
from peersupport.schools.services import school_create
from peersupport.students.models import Student
from peersupport.students.services import student_create

PASSWORD = "correct-horse-battery-9"
PERSONA_ROLES = {
    "coordinator": Role.COORDINATOR,
    "dsl": Role.DSL,
    "facilitator": Role.FACILITATOR,
    "viewer": Role.VIEWER,
    "partner": Role.PARTNER,
    "mentor": Role.MENTOR,
    "student": Role.STUDENT,
}
ROLES_WITH_MFA = {Role.COORDINATOR, Role.DSL, Role.PARTNER}


@dataclass
class Persona:
    name: str
    user: User
    membership: Membership
    totp_secret: str | None

    @property
    def school(self) -> School:
        return self.membership.school


def make_user(email: str, full_name: str, school: School, role: str, mfa: bool) -> Persona:
    user = user_create(email=email, full_name=full_name, password=PASSWORD)
    membership = membership_grant(actor=None, school=school, user=user, role=role)
    secret = None
    if mfa:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)  # allauth encrypts it through our MFA adapter
    return Persona(email.split("@")[0], user, membership, secret)


_serial = iter(range(1, 10**6))


def make_student(school: School, **fields: Any) -> Student:
    serial = next(_serial)
    defaults: dict[str, Any] = {
        "upn": make_upn("801", school.urn[-4:], 14, serial % 1000),
        "legal_forename": f"Pupil{serial}",
        "legal_surname": "Example",
        "date_of_birth": datetime.date(2014, 10, 1),
        "year_group": 7,
        "form": "7A",
    }
    defaults.update(fields)
    return student_create(actor=None, school=school, **defaults)


@pytest.fixture
def school_a(db: None) -> School:
    return school_create(name="Northgate Academy", urn="140001")


@pytest.fixture
def school_b(db: None) -> School:
    return school_create(name="Riverside Learning Centre", urn="140002")


@pytest.fixture
def personas(school_a: School, school_b: School) -> dict[str, Persona]:
    people = {
        name: make_user(
            f"{name}@northgate.example", name.title(), school_a, role, role in ROLES_WITH_MFA
        )
        for name, role in PERSONA_ROLES.items()
    }
    people["outsider"] = make_user(
        "outsider@riverside.example", "Outsider", school_b, Role.COORDINATOR, True
    )
    return people


@pytest.fixture
def login(client: Client) -> Callable[[Persona | User], Client]:
    """Sign a persona in on the test client (bypassing the password and MFA steps,
    which have tests of their own)."""

    def sign_in(who: Persona | User) -> Client:
        user = who.user if isinstance(who, Persona) else who
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return client

    return sign_in


@pytest.fixture
def student_a(school_a: School) -> Student:
    return make_student(school_a, legal_forename="Ada", legal_surname="Lovelace")


@pytest.fixture
def student_b(school_b: School) -> Student:
    return make_student(school_b, legal_forename="Bea", legal_surname="Outside")


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest, settings: Any) -> None:
    """Argon2 is slow by design; tests use a fast hasher except those marked
    ``real_hashers``, which check the production configuration."""
    if "real_hashers" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
