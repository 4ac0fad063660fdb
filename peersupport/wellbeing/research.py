"""Wellbeing's columns for a pseudonymous research export (registered with
students.sharing in WellbeingConfig.ready): for each student, the measure their
programme uses, and their baseline and latest completed totals on it with the month
of each. Numbers only: never the answers, a goal's words or a comment."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Q

from peersupport.programmes.models import Enrolment
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.wellbeing.models import MeasureSettings, Occasion, Questionnaire

COLUMNS = ["measure", "baseline_score", "baseline_month", "latest_score", "latest_month"]
FOLLOW_UPS = (Occasion.REVIEW, Occasion.EXIT)
DEFAULT_MEASURE = MeasureSettings._meta.get_field("instrument").default


def _number(total: float) -> str:
    """A total as a plain number: 42 rather than 42.0, at most two decimals."""
    return f"{round(total, 2):g}"


def wellbeing_research_columns(
    school: School,
    students: Sequence[Student],
    period_from: datetime.date,
    period_to: datetime.date,
) -> tuple[list[str], dict[int, dict[str, object]]]:
    """Per student: the measure of the programme of their first enrolment in the
    period, the baseline total and month, and the latest review or exit total and
    month taken by the end of the period (empty where there is none)."""
    student_pks = [student.pk for student in students]
    programme_of: dict[int, int] = {}
    enrolments = (
        Enrolment.objects.filter(school=school, student__in=student_pks, started_on__lte=period_to)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period_from))
        .order_by("started_on", "pk")
        .values_list("student_id", "programme_id")
    )
    for student_pk, programme_pk in enrolments:
        programme_of.setdefault(student_pk, programme_pk)
    measure_of = dict(
        MeasureSettings.objects.filter(programme__in=set(programme_of.values())).values_list(
            "programme_id", "instrument"
        )
    )
    done = (
        Questionnaire.objects.filter(
            school=school,
            student__in=student_pks,
            status=Questionnaire.Status.DONE,
            total__isnull=False,
            mentorship__isnull=True,
            due_on__lte=period_to,
        )
        .order_by("due_on", "pk")
        .values_list("student_id", "programme_id", "instrument", "occasion", "total", "due_on")
    )
    found: dict[int, dict[str, object]] = {}
    for student_pk, programme_pk, instrument, occasion, total, due_on in done:
        programme = programme_of.get(student_pk)
        if total is None or programme is None or programme_pk != programme:
            continue
        if instrument != measure_of.get(programme, DEFAULT_MEASURE):
            continue
        row = found.setdefault(student_pk, {"measure": instrument})
        if occasion == Occasion.BASELINE and "baseline_score" not in row:
            row["baseline_score"] = _number(total)
            row["baseline_month"] = f"{due_on:%Y-%m}"
        elif occasion in FOLLOW_UPS:
            # Ordered by date, so the last one seen is the latest.
            row["latest_score"] = _number(total)
            row["latest_month"] = f"{due_on:%Y-%m}"
    return list(COLUMNS), found
