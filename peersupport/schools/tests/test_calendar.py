"""Terms and holidays: the school calendar used for scheduling and reporting."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from peersupport.schools.models import School, Term
from peersupport.schools.selectors import is_school_day, term_containing
from peersupport.schools.services import holiday_add, school_create, term_add

D = datetime.date


def test_terms_do_not_overlap_and_end_after_they_start(school_a: School) -> None:
    term_add(school=school_a, name="Autumn 2026", starts_on=D(2026, 9, 3), ends_on=D(2026, 12, 18))
    with pytest.raises(ValidationError, match="overlaps"):
        term_add(school=school_a, name="Clash", starts_on=D(2026, 12, 1), ends_on=D(2027, 1, 10))
    with pytest.raises(ValidationError, match="end on or after"):
        term_add(school=school_a, name="Backwards", starts_on=D(2027, 4, 1), ends_on=D(2027, 3, 1))
    assert Term.objects.filter(school=school_a).count() == 1


def test_another_school_may_have_the_same_dates(school_a: School, school_b: School) -> None:
    for school in (school_a, school_b):
        term_add(school=school, name="Autumn", starts_on=D(2026, 9, 3), ends_on=D(2026, 12, 18))
    assert Term.objects.count() == 2


def test_school_days_skip_weekends_holidays_and_gaps_between_terms(school_a: School) -> None:
    autumn = term_add(
        school=school_a, name="Autumn", starts_on=D(2026, 9, 3), ends_on=D(2026, 12, 18)
    )
    holiday_add(
        school=school_a, name="Half term", starts_on=D(2026, 10, 26), ends_on=D(2026, 10, 30)
    )
    assert term_containing(school=school_a, day=D(2026, 11, 25)) == autumn
    assert is_school_day(school=school_a, day=D(2026, 11, 25))  # a Wednesday
    assert not is_school_day(school=school_a, day=D(2026, 11, 28))  # Saturday
    assert not is_school_day(school=school_a, day=D(2026, 10, 28))  # half term
    assert not is_school_day(school=school_a, day=D(2026, 12, 23))  # Christmas holidays


def test_a_school_needs_a_six_digit_urn(db: None) -> None:
    with pytest.raises(ValidationError, match="six digits"):
        school_create(name="Bad", urn="12A")
