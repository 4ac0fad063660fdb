"""Wellbeing's columns in a research export (wellbeing.research, registered as a
research source): the programme's measure, baseline and latest totals with their
months; never the answers, and nothing from another measure or programme."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import pytest

from conftest import Persona, make_student
from peersupport.partners import research
from peersupport.partners.research import checked_source_value, research_data_make
from peersupport.programmes.models import Enrolment, Programme
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.students.sharing import research_sources
from peersupport.wellbeing.models import MeasureSettings, Occasion, Questionnaire
from peersupport.wellbeing.research import wellbeing_research_columns

TODAY = datetime.date(2026, 11, 25)


def test_wellbeing_is_registered_as_a_research_source() -> None:
    assert wellbeing_research_columns in research_sources()


def test_the_export_carries_baseline_and_latest_totals_of_the_programmes_measure_only(
    personas: dict[str, Persona],
) -> None:
    school = personas["coordinator"].school
    programme = Programme.objects.create(
        school=school, name="Mentoring", kind=Programme.Kind.ONE_TO_ONE, capacity=10
    )
    MeasureSettings.objects.create(school=school, programme=programme, instrument="rcads")
    other = Programme.objects.create(
        school=school, name="Other", kind=Programme.Kind.GROUP, capacity=10
    )
    student = make_student(school)
    Enrolment.objects.create(
        school=school, programme=programme, student=student, started_on=datetime.date(2026, 9, 8)
    )

    def done(occasion: str, due_on: datetime.date, total: float, **fields: object) -> None:
        Questionnaire.objects.create(
            school=school,
            student=student,
            instrument=fields.pop("instrument", "rcads"),
            occasion=occasion,
            programme=fields.pop("programme", programme),
            due_on=due_on,
            status=Questionnaire.Status.DONE,
            total=total,
            answers={"q1": "I feel sad when my dog Biscuit is away"},
        )

    done(Occasion.BASELINE, datetime.date(2026, 9, 10), 41.0)
    done(Occasion.REVIEW, datetime.date(2026, 10, 20), 37.5)
    done(Occasion.EXIT, datetime.date(2026, 11, 20), 30.25)
    done(Occasion.EXIT, datetime.date(2026, 12, 20), 10.0)  # after the period
    done(Occasion.REVIEW, datetime.date(2026, 11, 21), 99.0, instrument="scwbs")
    done(Occasion.REVIEW, datetime.date(2026, 11, 22), 98.0, programme=other)

    names, values = wellbeing_research_columns(school, [student], datetime.date(2026, 9, 1), TODAY)
    assert names == ["measure", "baseline_score", "baseline_month", "latest_score", "latest_month"]
    assert values == {
        student.pk: {
            "measure": "rcads",
            "baseline_score": "41",
            "baseline_month": "2026-09",
            "latest_score": "30.25",
            "latest_month": "2026-11",
        }
    }
    data = research_data_make(school, datetime.date(2026, 9, 1), TODAY, k=1)
    assert "Biscuit" not in data.csv_text
    assert data.rows[0]["latest_score"] == "30.25"


def test_a_student_with_no_scores_has_empty_cells(personas: dict[str, Persona]) -> None:
    school = personas["coordinator"].school
    programme = Programme.objects.create(
        school=school, name="Group", kind=Programme.Kind.GROUP, capacity=10
    )
    student = make_student(school)
    Enrolment.objects.create(
        school=school, programme=programme, student=student, started_on=datetime.date(2026, 9, 8)
    )
    data = research_data_make(school, datetime.date(2026, 9, 1), TODAY, k=1)
    row = data.rows[0]
    assert row["measure"] == row["baseline_score"] == row["latest_month"] == ""
    assert row["programme_kind"] == "group"


def _gives(value: object) -> object:
    def leaky_source(
        school: School, students: Sequence[Student], start: datetime.date, end: datetime.date
    ) -> tuple[list[str], dict[int, dict[str, object]]]:
        return ["extra"], {student.pk: {"extra": value} for student in students}

    return leaky_source


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (datetime.date(2011, 3, 14), "a date"),
        (datetime.datetime(2026, 9, 8, 9, 30, tzinfo=datetime.UTC), "a datetime"),
        ("2026-09-08", "text that is not a number"),
        ("I feel sad when my dog Biscuit is away", "text that is not a number"),
        ("Biscuit", "text that is not a number"),
        ("a_code_that_is_far_too_long_to_be_short", "text that is not a number"),
        (True, "true/false"),
        (["41"], "type list"),
    ],
)
def test_a_source_giving_a_date_or_text_is_refused_naming_the_source_and_column(
    personas: dict[str, Persona], monkeypatch: pytest.MonkeyPatch, value: object, said: str
) -> None:
    school = personas["coordinator"].school
    programme = Programme.objects.create(
        school=school, name="Group", kind=Programme.Kind.GROUP, capacity=10
    )
    student = make_student(school)
    Enrolment.objects.create(
        school=school, programme=programme, student=student, started_on=datetime.date(2026, 9, 8)
    )
    monkeypatch.setattr(research, "research_sources", lambda: [_gives(value)])
    with pytest.raises(ValueError) as raised:
        research_data_make(school, datetime.date(2026, 9, 1), TODAY, k=1)
    message = str(raised.value)
    assert "leaky_source" in message
    assert "column 'extra'" in message
    assert said in message
    assert "Biscuit" not in message  # the value itself is never repeated


@pytest.mark.parametrize("value", [None, "", 3, 2.5, "41", "-3.25", "2026-09", "rcads", "sdq_self"])
def test_numbers_months_and_short_codes_are_accepted(value: object) -> None:
    assert checked_source_value(_gives(value), "extra", value) == value  # type: ignore[arg-type]
