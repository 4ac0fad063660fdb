"""Research exports (partners.research_export_make) on the demo school: k-anonymous
over the quasi-identifiers for k = 5, no name, UPN, date of birth or free text, dates
to the month only, new pseudonyms in every export; refused without an agreement in
force that covers research; recorded and audited."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from conftest import Persona, make_student
from peersupport.accounts.models import Membership, Role, User
from peersupport.audit.models import AuditEvent
from peersupport.demo.tests.test_seed_demo import NOW, TODAY
from peersupport.meetings.models import Attendance
from peersupport.partners.kanon import QUASI_IDENTIFIERS
from peersupport.partners.models import Agreement, Organisation, OrganisationKind, ResearchExport
from peersupport.partners.research import research_data_make
from peersupport.partners.services import research_export_make
from peersupport.programmes.models import Enrolment, Programme
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.wellbeing.models import Feedback, Goal, Questionnaire

PERIOD_FROM = datetime.date(2026, 9, 1)


def university(school: School, recorded_by: User, **agreement: Any) -> Organisation:
    """A university with a data sharing agreement (by default in force on TODAY and
    covering research)."""
    organisation = Organisation.objects.create(
        school=school, name="University of Northgate", kind=OrganisationKind.UNIVERSITY
    )
    fields: dict[str, Any] = {
        "signed_on": datetime.date(2026, 9, 1),
        "review_on": datetime.date(2027, 8, 31),
        "scope": "Pseudonymous outcomes of peer support, for evaluation.",
        "covers_research": True,
    }
    fields.update(agreement)
    Agreement.objects.create(
        school=school, organisation=organisation, recorded_by=recorded_by, **fields
    )
    return organisation


def rows_of(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


@pytest.fixture
def demo(db: None, settings: Any) -> tuple[School, User]:
    settings.DEMO_MODE = True
    # A third of the full demo roll: enough students in peer support for k = 5 to
    # leave some detail, small enough to build in a test.
    with time_machine.travel(NOW):
        call_command("seed_demo", "--students", "400", "--seed", "3", stdout=io.StringIO())
    main = School.objects.order_by("urn").first()
    assert main is not None
    coordinator = (
        Membership.objects.filter(school=main, role=Role.COORDINATOR).select_related("user").first()
    )
    assert coordinator is not None
    return main, coordinator.user


def test_demo_exports_are_k_anonymous_identify_nobody_and_use_new_pseudonyms_each_time(
    demo: tuple[School, User],
) -> None:
    school, coordinator = demo
    organisation = university(school, coordinator)
    export, csv_text = research_export_make(
        actor=coordinator,
        organisation=organisation,
        period_from=PERIOD_FROM,
        period_to=TODAY,
        today=TODAY,
    )
    rows = rows_of(csv_text)
    assert export.k == 5
    assert len(rows) >= 10, "the demo school should give a useful export"
    enrolled = Student.objects.filter(
        pk__in=Enrolment.objects.filter(school=school).values("student")
    ).distinct()
    assert len(rows) + export.suppressed == enrolled.count()

    # k-anonymity over the quasi-identifiers, k = 5.
    classes = Counter(tuple(row[name] for name in QUASI_IDENTIFIERS) for row in rows)
    assert min(classes.values()) >= 5, classes

    # No name, UPN or date of birth of any student of the school, in any form.
    lowered = csv_text.lower()
    for student in Student.objects.filter(school=school):
        for name in (
            student.legal_forename,
            student.legal_surname,
            student.preferred_forename,
            student.preferred_surname,
        ):
            if len(name) >= 3:
                assert not re.search(rf"\b{re.escape(name.lower())}\b", lowered), name
        assert student.upn.lower() not in lowered
        for shown in (
            student.date_of_birth.isoformat(),
            f"{student.date_of_birth:%d/%m/%Y}",
            f"{student.date_of_birth:%Y-%m}",
        ):
            assert shown not in csv_text
        assert str(student.public_id) not in csv_text

    # No free text: goals, feedback comments, reasons for absence.
    free_texts = [goal.text for goal in Goal.objects.filter(school=school)]
    free_texts += [f.comment for f in Feedback.objects.filter(school=school) if f.comment]
    free_texts += list(
        Attendance.objects.filter(school=school).exclude(reason="").values_list("reason", flat=True)
    )
    assert len(free_texts) >= 5, "the demo school should have free text to look for"
    for text in free_texts:
        assert text not in csv_text

    # Dates are months only, and no cell is a day.
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", csv_text)
    for row in rows:
        for column in (
            "enrolment_start_month",
            "enrolment_end_month",
            "baseline_month",
            "latest_month",
        ):
            assert row[column] == "" or re.fullmatch(r"\d{4}-\d{2}", row[column]), row[column]
        assert re.fullmatch(r"[0-9a-f]{16}", row["pseudonym"])

    # The wellbeing research source gave scores for some students.
    assert any(row["baseline_score"] for row in rows)
    assert any(row["latest_score"] for row in rows)
    assert Questionnaire.objects.filter(school=school, status="done").exists()

    # What was shared is recorded, and audited.
    assert export.organisation == organisation
    assert export.agreement == organisation.agreements.get()
    assert export.made_by == coordinator
    assert export.rows == len(rows)
    assert export.sha256 == hashlib.sha256(csv_text.encode()).hexdigest()
    assert export.columns == list(rows[0].keys())
    assert set(export.generalised) == set(QUASI_IDENTIFIERS)
    assert (export.period_from, export.period_to) == (PERIOD_FROM, TODAY)
    event = AuditEvent.objects.get(action="partners.research_exported")
    assert event.object_public_id == export.public_id
    assert event.actor == coordinator

    # A second export of the same students gives them all new pseudonyms.
    _, again_text = research_export_make(
        actor=coordinator,
        organisation=organisation,
        period_from=PERIOD_FROM,
        period_to=TODAY,
        today=TODAY,
    )
    again = rows_of(again_text)
    first_codes = {row["pseudonym"] for row in rows}
    assert len(first_codes) == len(rows), "one row per student, each pseudonym once"
    assert first_codes.isdisjoint({row["pseudonym"] for row in again})
    # The same students otherwise: the rows match once the pseudonyms are set aside.
    without = lambda found: sorted(  # noqa: E731
        tuple(value for name, value in row.items() if name != "pseudonym") for row in found
    )
    assert without(rows) == without(again)
    assert ResearchExport.objects.filter(school=school).count() == 2


# ---------------------------------------------------------------- without the demo


@pytest.fixture
def enrolled(personas: dict[str, Persona]) -> list[Student]:
    """Six Year 8 girls, alike in every quasi-identifier, enrolled this autumn."""
    school = personas["coordinator"].school
    programme = Programme.objects.create(
        school=school, name="Lunchtime group", kind=Programme.Kind.GROUP, capacity=20
    )
    students = [
        make_student(school, year_group=8, gender="F", ethnicity="WBRI", sen_status="N")
        for _ in range(6)
    ]
    for student in students:
        Enrolment.objects.create(
            school=school,
            programme=programme,
            student=student,
            started_on=datetime.date(2026, 9, 14),
        )
    return students


def test_the_same_key_gives_the_same_pseudonyms_and_a_new_key_new_ones(
    personas: dict[str, Persona], enrolled: list[Student]
) -> None:
    school = personas["coordinator"].school
    key = b"k" * 32
    once = research_data_make(school, PERIOD_FROM, TODAY, k=5, key=key)
    again = research_data_make(school, PERIOD_FROM, TODAY, k=5, key=key)
    other = research_data_make(school, PERIOD_FROM, TODAY, k=5, key=b"o" * 32)
    codes = lambda data: {row["pseudonym"] for row in data.rows}  # noqa: E731
    assert codes(once) == codes(again)
    assert codes(once).isdisjoint(codes(other))
    assert len(codes(once)) == 6
    assert once.rows[0]["enrolment_start_month"] == "2026-09"
    assert once.rows[0]["year_group"] == "8"


def test_students_not_in_peer_support_in_the_period_are_left_out(
    personas: dict[str, Persona], enrolled: list[Student]
) -> None:
    school = personas["coordinator"].school
    later = research_data_make(school, datetime.date(2027, 1, 1), datetime.date(2027, 3, 31), k=1)
    assert len(later.rows) == 6  # still enrolled (no end date)
    Enrolment.objects.filter(student=enrolled[0]).update(ended_on=datetime.date(2026, 12, 18))
    spring = research_data_make(school, datetime.date(2027, 1, 1), datetime.date(2027, 3, 31), k=1)
    assert len(spring.rows) == 5  # the one who finished in December is not in it
    before = research_data_make(school, datetime.date(2026, 1, 1), datetime.date(2026, 8, 31), k=1)
    assert before.rows == []
    ended = research_data_make(school, PERIOD_FROM, datetime.date(2026, 12, 31), k=1)
    assert sorted(row["enrolment_end_month"] for row in ended.rows) == [
        "",
        "",
        "",
        "",
        "",
        "2026-12",
    ]


def test_a_sixth_student_unlike_the_others_is_not_released_as_themself(
    personas: dict[str, Persona], enrolled: list[Student]
) -> None:
    school = personas["coordinator"].school
    Student.objects.filter(pk=enrolled[0].pk).update(year_group=12, sen_status="E")
    data = research_data_make(school, PERIOD_FROM, TODAY, k=5)
    classes = Counter(tuple(row[name] for name in QUASI_IDENTIFIERS) for row in data.rows)
    assert all(size >= 5 for size in classes.values())
    assert len(data.rows) + data.suppressed == 6
    assert not any(row["year_group"] == "12" for row in data.rows)


@pytest.mark.parametrize(
    ("agreement", "reason"),
    [
        ({"covers_research": False}, "does not cover research"),
        (
            {"signed_on": datetime.date(2025, 9, 1), "review_on": datetime.date(2026, 8, 31)},
            "passed its review date",
        ),
        (
            {"signed_on": datetime.date(2026, 12, 1), "review_on": datetime.date(2027, 12, 1)},
            "starts on",
        ),
    ],
)
def test_an_export_is_refused_without_an_agreement_in_force_that_covers_research(
    personas: dict[str, Persona], enrolled: list[Student], agreement: dict[str, Any], reason: str
) -> None:
    coordinator = personas["coordinator"]
    organisation = university(coordinator.school, coordinator.user, **agreement)
    with pytest.raises(ValidationError, match=reason):
        research_export_make(
            actor=coordinator.user,
            organisation=organisation,
            period_from=PERIOD_FROM,
            period_to=TODAY,
            today=TODAY,
        )
    assert not ResearchExport.objects.exists()
    assert not AuditEvent.objects.filter(action="partners.research_exported").exists()


def test_an_export_is_refused_to_an_organisation_with_no_agreement(
    personas: dict[str, Persona],
) -> None:
    coordinator = personas["coordinator"]
    organisation = Organisation.objects.create(
        school=coordinator.school, name="Institute", kind=OrganisationKind.UNIVERSITY
    )
    with pytest.raises(ValidationError, match="no data sharing agreement"):
        research_export_make(
            actor=coordinator.user,
            organisation=organisation,
            period_from=PERIOD_FROM,
            period_to=TODAY,
            today=TODAY,
        )
    assert not ResearchExport.objects.exists()


@pytest.mark.parametrize("who", ["facilitator", "viewer", "partner", "mentor", "student"])
def test_only_a_coordinator_or_dsl_may_make_an_export(
    personas: dict[str, Persona], who: str
) -> None:
    coordinator = personas["coordinator"]
    organisation = university(coordinator.school, coordinator.user)
    with pytest.raises(PermissionDenied):
        research_export_make(
            actor=personas[who].user,
            organisation=organisation,
            period_from=PERIOD_FROM,
            period_to=TODAY,
            today=TODAY,
        )
    assert not ResearchExport.objects.exists()


def test_a_dsl_may_make_an_export_and_a_period_backwards_is_refused(
    personas: dict[str, Persona], enrolled: list[Student]
) -> None:
    dsl = personas["dsl"]
    organisation = university(dsl.school, personas["coordinator"].user)
    with pytest.raises(ValidationError, match="must not be before"):
        research_export_make(
            actor=dsl.user,
            organisation=organisation,
            period_from=TODAY,
            period_to=PERIOD_FROM,
            today=TODAY,
        )
    export, text = research_export_make(
        actor=dsl.user,
        organisation=organisation,
        period_from=PERIOD_FROM,
        period_to=TODAY,
        today=TODAY,
    )
    assert export.made_by == dsl.user
    assert export.rows == 6 == len(rows_of(text))
