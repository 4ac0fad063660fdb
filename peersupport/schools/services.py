"""Writes for schools, terms and holidays."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from peersupport.schools.models import Holiday, Phase, School, Term, TimetableSlot


@transaction.atomic
def school_create(
    *, name: str, urn: str, phase: str = Phase.SECONDARY, academic_year_start_month: int = 9
) -> School:
    school = School(
        name=name, urn=urn, phase=phase, academic_year_start_month=academic_year_start_month
    )
    school.full_clean()
    school.save()
    timetable_slots_add_defaults(school=school)
    return school


@transaction.atomic
def timetable_slots_add_defaults(*, school: School) -> list[TimetableSlot]:
    """Before school, break, lunch and after school on each weekday; a school can
    change them later."""
    slots = [
        TimetableSlot(school=school, weekday=day, part=part, position=position)
        for day in range(5)
        for position, part in enumerate(TimetableSlot.Part.values)
    ]
    return TimetableSlot.objects.bulk_create(slots)


def _check_no_overlap(model: type[Term] | type[Holiday], row: Term | Holiday) -> None:
    overlapping = model.objects.filter(
        school=row.school, starts_on__lte=row.ends_on, ends_on__gte=row.starts_on
    ).exclude(pk=row.pk)
    if overlapping.exists():
        raise ValidationError(f"{row.name} overlaps {overlapping.first()}.")


@transaction.atomic
def term_add(
    *, school: School, name: str, starts_on: datetime.date, ends_on: datetime.date
) -> Term:
    term = Term(school=school, name=name, starts_on=starts_on, ends_on=ends_on)
    if starts_on > ends_on:
        raise ValidationError("A term must end on or after the day it starts.")
    term.full_clean()
    _check_no_overlap(Term, term)
    term.save()
    return term


@transaction.atomic
def holiday_add(
    *, school: School, name: str, starts_on: datetime.date, ends_on: datetime.date
) -> Holiday:
    if starts_on > ends_on:
        raise ValidationError("A holiday must end on or after the day it starts.")
    holiday = Holiday(school=school, name=name, starts_on=starts_on, ends_on=ends_on)
    holiday.full_clean()
    holiday.save()
    return holiday
