"""Reads about the school calendar."""

from __future__ import annotations

import datetime

from peersupport.schools.models import Holiday, School, Term


def term_containing(*, school: School, day: datetime.date) -> Term | None:
    return Term.objects.filter(school=school, starts_on__lte=day, ends_on__gte=day).first()


def is_school_day(*, school: School, day: datetime.date) -> bool:
    """A weekday inside a term and outside every holiday."""
    if day.weekday() >= 5 or term_containing(school=school, day=day) is None:
        return False
    return not Holiday.objects.filter(school=school, starts_on__lte=day, ends_on__gte=day).exists()
