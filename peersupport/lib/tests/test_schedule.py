"""Repeating sessions laid over term dates: holidays skipped, one-off changes kept stable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peersupport.lib.schedule import (
    DateSpan,
    Occurrence,
    apply_changes,
    next_school_day,
    series_dates,
)

AUTUMN = DateSpan(date(2026, 9, 3), date(2026, 12, 18))
AUTUMN_HALF_TERM = DateSpan(date(2026, 10, 26), date(2026, 10, 30))
SPRING = DateSpan(date(2027, 1, 5), date(2027, 3, 26))
SPRING_HALF_TERM = DateSpan(date(2027, 2, 15), date(2027, 2, 19))
# Many schools finish the summer term on a Wednesday.
SUMMER = DateSpan(date(2027, 4, 12), date(2027, 7, 21))
NEXT_AUTUMN = DateSpan(date(2027, 9, 2), date(2027, 12, 17))

TERMS = [AUTUMN, SPRING]
HOLIDAYS = [AUTUMN_HALF_TERM, SPRING_HALF_TERM]


def autumn_thursdays() -> list[date]:
    return series_dates(
        first=date(2026, 9, 3),
        until=date(2026, 12, 18),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )


# Date spans


def test_a_span_includes_both_of_its_ends() -> None:
    assert AUTUMN_HALF_TERM.contains(date(2026, 10, 26))
    assert AUTUMN_HALF_TERM.contains(date(2026, 10, 30))
    assert not AUTUMN_HALF_TERM.contains(date(2026, 10, 25))
    assert not AUTUMN_HALF_TERM.contains(date(2026, 10, 31))


def test_a_one_day_span_is_allowed() -> None:
    inset_day = DateSpan(date(2026, 11, 13), date(2026, 11, 13))
    assert inset_day.contains(date(2026, 11, 13))


def test_a_span_that_ends_before_it_starts_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot end"):
        DateSpan(date(2026, 12, 18), date(2026, 9, 3))


# Weekly series


def test_weekly_over_autumn_term_skips_the_half_term_week() -> None:
    dates = autumn_thursdays()

    # 16 Thursdays from 3 September to 17 December, less the one in half term.
    assert len(dates) == 15
    assert date(2026, 10, 29) not in dates
    assert dates[0] == date(2026, 9, 3)
    assert dates[-1] == date(2026, 12, 17)
    assert date(2026, 10, 22) in dates
    assert date(2026, 11, 5) in dates
    assert all(day.weekday() == 3 for day in dates)


def test_weekly_on_mondays_keeps_the_weekday_of_the_first_date() -> None:
    dates = series_dates(
        first=date(2026, 9, 7),
        until=date(2026, 12, 18),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )

    assert len(dates) == 14
    assert date(2026, 10, 26) not in dates
    assert date(2026, 10, 19) in dates
    assert date(2026, 11, 2) in dates
    assert all(day.weekday() == 0 for day in dates)


def test_until_is_inclusive() -> None:
    dates = series_dates(
        first=date(2026, 9, 3),
        until=date(2026, 9, 17),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )
    assert dates == [date(2026, 9, 3), date(2026, 9, 10), date(2026, 9, 17)]


def test_a_series_of_one_date() -> None:
    dates = series_dates(
        first=date(2026, 9, 3),
        until=date(2026, 9, 3),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )
    assert dates == [date(2026, 9, 3)]


def test_a_series_spanning_two_terms_skips_the_gap_between_them() -> None:
    dates = series_dates(
        first=date(2026, 12, 2),
        until=date(2027, 1, 20),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )

    # 23 and 30 December fall between the terms, with no holiday listed for them.
    assert dates == [
        date(2026, 12, 2),
        date(2026, 12, 9),
        date(2026, 12, 16),
        date(2027, 1, 6),
        date(2027, 1, 13),
        date(2027, 1, 20),
    ]


def test_a_series_starting_inside_a_holiday_begins_after_it_on_the_same_weekday() -> None:
    dates = series_dates(
        first=date(2026, 10, 28),
        until=date(2026, 11, 18),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )
    assert dates == [date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 18)]


def test_a_series_wholly_inside_a_holiday_is_empty() -> None:
    dates = series_dates(
        first=date(2026, 10, 26),
        until=date(2026, 10, 30),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )
    assert dates == []


def test_a_term_ending_mid_week_drops_the_days_after_it() -> None:
    # The summer term ends on Wednesday 21 July: Wednesday's group still meets
    # that week, Thursday's does not.
    wednesdays = series_dates(
        first=date(2027, 7, 7),
        until=date(2027, 7, 30),
        every_weeks=1,
        terms=[SUMMER],
        holidays=[],
    )
    thursdays = series_dates(
        first=date(2027, 7, 8),
        until=date(2027, 7, 30),
        every_weeks=1,
        terms=[SUMMER],
        holidays=[],
    )

    assert wednesdays == [date(2027, 7, 7), date(2027, 7, 14), date(2027, 7, 21)]
    assert thursdays == [date(2027, 7, 8), date(2027, 7, 15)]


def test_a_series_with_no_terms_is_empty() -> None:
    dates = series_dates(
        first=date(2026, 9, 3),
        until=date(2026, 12, 18),
        every_weeks=1,
        terms=[],
        holidays=[],
    )
    assert dates == []


# Fortnightly series


def test_fortnightly_keeps_its_rhythm_across_half_term() -> None:
    dates = series_dates(
        first=date(2026, 10, 15),
        until=date(2026, 12, 18),
        every_weeks=2,
        terms=TERMS,
        holidays=HOLIDAYS,
    )

    # 29 October is in half term and is dropped; the next session is two weeks
    # after it (12 November), not two weeks after the return (5 November).
    assert dates == [
        date(2026, 10, 15),
        date(2026, 11, 12),
        date(2026, 11, 26),
        date(2026, 12, 10),
    ]


def test_fortnightly_keeps_its_rhythm_across_the_christmas_break() -> None:
    dates = series_dates(
        first=date(2026, 9, 10),
        until=date(2027, 3, 26),
        every_weeks=2,
        terms=TERMS,
        holidays=HOLIDAYS,
    )

    assert all((day - date(2026, 9, 10)).days % 14 == 0 for day in dates)
    # 31 December is in the break and is dropped. The first Thursday back is
    # 7 January, but that is the other week, so the group resumes on 14 January.
    autumn = [day for day in dates if AUTUMN.contains(day)]
    spring = [day for day in dates if SPRING.contains(day)]
    assert autumn[-1] == date(2026, 12, 17)
    assert spring[0] == date(2027, 1, 14)


def test_fortnightly_during_the_weeks_without_holidays_is_every_other_week() -> None:
    dates = series_dates(
        first=date(2026, 9, 3),
        until=date(2026, 10, 1),
        every_weeks=2,
        terms=TERMS,
        holidays=HOLIDAYS,
    )
    assert dates == [date(2026, 9, 3), date(2026, 9, 17), date(2026, 10, 1)]


# Invalid series


@pytest.mark.parametrize("every_weeks", [0, 3, -1, 4])
def test_only_weekly_or_fortnightly_is_allowed(every_weeks: int) -> None:
    with pytest.raises(ValueError, match="every_weeks must be 1 \\(weekly\\) or 2"):
        series_dates(
            first=date(2026, 9, 3),
            until=date(2026, 12, 18),
            every_weeks=every_weeks,
            terms=TERMS,
            holidays=HOLIDAYS,
        )


def test_true_is_not_mistaken_for_weekly() -> None:
    with pytest.raises(ValueError, match="every_weeks"):
        series_dates(
            first=date(2026, 9, 3),
            until=date(2026, 12, 18),
            every_weeks=True,
            terms=TERMS,
            holidays=HOLIDAYS,
        )


def test_a_series_that_ends_before_it_starts_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot end \\(2026-09-02\\) before its first date"):
        series_dates(
            first=date(2026, 9, 3),
            until=date(2026, 9, 2),
            every_weeks=1,
            terms=TERMS,
            holidays=HOLIDAYS,
        )


# Next school day


def test_next_school_day_is_the_day_itself_when_it_is_a_school_day() -> None:
    assert next_school_day(date(2026, 9, 3), TERMS, HOLIDAYS) == date(2026, 9, 3)


def test_next_school_day_skips_a_weekend() -> None:
    assert next_school_day(date(2026, 9, 5), TERMS, HOLIDAYS) == date(2026, 9, 7)
    assert next_school_day(date(2026, 9, 6), TERMS, HOLIDAYS) == date(2026, 9, 7)


def test_next_school_day_skips_a_holiday_and_the_weekends_around_it() -> None:
    assert next_school_day(date(2026, 10, 24), TERMS, HOLIDAYS) == date(2026, 11, 2)
    assert next_school_day(date(2026, 10, 28), TERMS, HOLIDAYS) == date(2026, 11, 2)


def test_next_school_day_after_a_term_ending_mid_week_is_the_next_term() -> None:
    terms = [SUMMER, NEXT_AUTUMN]
    assert next_school_day(date(2027, 7, 21), terms, []) == date(2027, 7, 21)
    assert next_school_day(date(2027, 7, 22), terms, []) == date(2027, 9, 2)


def test_next_school_day_ignores_a_saturday_inside_term() -> None:
    assert next_school_day(date(2026, 12, 12), TERMS, HOLIDAYS) == date(2026, 12, 14)


def test_next_school_day_is_none_when_no_term_follows() -> None:
    assert next_school_day(date(2027, 3, 27), TERMS, HOLIDAYS) is None
    assert next_school_day(date(2026, 9, 3), [], []) is None


def test_next_school_day_looks_366_days_ahead_and_no_further() -> None:
    start = date(2027, 3, 29)
    within = start + timedelta(days=365)  # the 366th day, counting the start
    beyond = start + timedelta(days=366)
    assert within.weekday() < 5 and beyond.weekday() < 5
    assert next_school_day(start, [DateSpan(within, within)], []) == within
    assert next_school_day(start, [DateSpan(beyond, beyond)], []) is None


# Moving and cancelling occurrences


def test_no_changes_gives_every_date_as_planned() -> None:
    dates = autumn_thursdays()
    occurrences = apply_changes(dates, moved={}, cancelled={})

    assert [occurrence.on for occurrence in occurrences] == dates
    assert all(occurrence.original == occurrence.on for occurrence in occurrences)
    assert not any(occurrence.cancelled for occurrence in occurrences)
    assert all(occurrence.reason == "" for occurrence in occurrences)


def test_moving_one_occurrence_leaves_the_others_unchanged() -> None:
    dates = autumn_thursdays()
    moved = {date(2026, 11, 12): date(2026, 11, 10)}

    occurrences = apply_changes(dates, moved=moved, cancelled={})

    assert len(occurrences) == len(dates)
    moved_one = next(o for o in occurrences if o.original == date(2026, 11, 12))
    assert moved_one == Occurrence(
        original=date(2026, 11, 12), on=date(2026, 11, 10), cancelled=False, reason=""
    )
    others = [o for o in occurrences if o.original != date(2026, 11, 12)]
    assert all(o.on == o.original for o in others)
    assert [o.original for o in others] == [d for d in dates if d != date(2026, 11, 12)]


def test_regenerating_with_the_same_changes_gives_the_same_result() -> None:
    moved = {date(2026, 11, 12): date(2026, 11, 10)}
    cancelled = {date(2026, 12, 10): "Mock exams"}

    first = apply_changes(autumn_thursdays(), moved=moved, cancelled=cancelled)
    second = apply_changes(autumn_thursdays(), moved=moved, cancelled=cancelled)

    assert first == second


def test_extending_the_series_keeps_earlier_changes_on_the_same_occurrences() -> None:
    moved = {date(2026, 11, 12): date(2026, 11, 10)}
    cancelled = {date(2026, 12, 10): "Mock exams"}
    autumn_only = apply_changes(autumn_thursdays(), moved=moved, cancelled=cancelled)

    whole_year = series_dates(
        first=date(2026, 9, 3),
        until=date(2027, 3, 26),
        every_weeks=1,
        terms=TERMS,
        holidays=HOLIDAYS,
    )
    extended = apply_changes(whole_year, moved=moved, cancelled=cancelled)

    assert extended[: len(autumn_only)] == autumn_only
    assert all(o.on == o.original and not o.cancelled for o in extended[len(autumn_only) :])


def test_a_moved_occurrence_is_sorted_by_its_new_date() -> None:
    dates = autumn_thursdays()
    # Moved to the day after the following week's session.
    occurrences = apply_changes(dates, moved={date(2026, 9, 10): date(2026, 9, 18)}, cancelled={})

    assert [o.on for o in occurrences[:4]] == [
        date(2026, 9, 3),
        date(2026, 9, 17),
        date(2026, 9, 18),
        date(2026, 9, 24),
    ]
    assert occurrences[2].original == date(2026, 9, 10)


def test_moving_onto_another_occurrence_gives_two_on_one_day() -> None:
    dates = autumn_thursdays()
    occurrences = apply_changes(dates, moved={date(2026, 9, 17): date(2026, 9, 10)}, cancelled={})

    on_the_day = [o for o in occurrences if o.on == date(2026, 9, 10)]
    # Ties are ordered by original date, whatever order the changes arrive in.
    assert [o.original for o in on_the_day] == [date(2026, 9, 10), date(2026, 9, 17)]


def test_a_move_into_a_holiday_is_not_checked_here() -> None:
    # Choosing a school day is next_school_day's job, so a coordinator's explicit
    # choice is respected.
    dates = autumn_thursdays()
    occurrences = apply_changes(dates, moved={date(2026, 10, 22): date(2026, 10, 27)}, cancelled={})
    assert Occurrence(date(2026, 10, 22), date(2026, 10, 27)) in occurrences


def test_moving_out_of_a_holiday_with_next_school_day() -> None:
    dates = autumn_thursdays()
    # A trip clashes with the 22 October group; the coordinator's preferred Monday
    # is in half term, so the first school day from then is used instead.
    replacement = next_school_day(date(2026, 10, 26), TERMS, HOLIDAYS)
    assert replacement == date(2026, 11, 2)

    occurrences = apply_changes(dates, moved={date(2026, 10, 22): replacement}, cancelled={})
    assert Occurrence(date(2026, 10, 22), date(2026, 11, 2)) in occurrences


def test_cancelling_keeps_the_occurrence_listed_with_its_reason() -> None:
    dates = autumn_thursdays()
    occurrences = apply_changes(dates, moved={}, cancelled={date(2026, 12, 10): "Mock exams"})

    assert len(occurrences) == len(dates)
    assert Occurrence(date(2026, 12, 10), date(2026, 12, 10), True, "Mock exams") in occurrences
    assert sum(o.cancelled for o in occurrences) == 1


def test_an_occurrence_can_be_moved_and_then_cancelled() -> None:
    dates = autumn_thursdays()
    occurrences = apply_changes(
        dates,
        moved={date(2026, 11, 12): date(2026, 11, 10)},
        cancelled={date(2026, 11, 12): "Facilitator ill"},
    )
    expected = Occurrence(date(2026, 11, 12), date(2026, 11, 10), True, "Facilitator ill")
    assert expected in occurrences


def test_moving_a_date_that_is_not_in_the_series_is_an_error() -> None:
    with pytest.raises(ValueError, match="2026-10-29 is not a date of this series"):
        apply_changes(
            autumn_thursdays(), moved={date(2026, 10, 29): date(2026, 11, 2)}, cancelled={}
        )


def test_cancelling_a_date_that_is_not_in_the_series_is_an_error() -> None:
    with pytest.raises(ValueError, match="2026-09-04 is not a date of this series"):
        apply_changes(autumn_thursdays(), moved={}, cancelled={date(2026, 9, 4): "Trip"})


def test_the_error_names_the_earliest_unknown_date() -> None:
    with pytest.raises(ValueError, match="2026-09-04 is not a date"):
        apply_changes(
            autumn_thursdays(),
            moved={date(2026, 9, 5): date(2026, 9, 6)},
            cancelled={date(2026, 9, 4): "Trip"},
        )


def test_an_empty_series_with_no_changes_has_no_occurrences() -> None:
    assert apply_changes([], moved={}, cancelled={}) == []
