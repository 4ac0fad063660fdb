"""Dates of a repeating series of sessions inside a school's term dates.

A peer-support group or mentoring meeting runs weekly or fortnightly on one day of
the week. ``series_dates`` lays that rhythm over the school's terms and holidays,
and ``apply_changes`` applies a coordinator's one-off moves and cancellations.

Rhythm across holidays: the series is anchored to ``first`` and never re-anchored.
A date that falls outside term or inside a holiday is dropped, and the next date is
still ``every_weeks`` weeks after the dropped one. For a fortnightly group this
means the "week A / week B" pattern survives a half term or a term break, so
students and staff can rely on the same alternate weeks all year; the cost is that
a fortnightly group may not meet in the first week back. A coordinator who wants a
fresh rhythm starts a new series.

Weekends are not filtered out of a series: ``first`` may be any day of the week,
because some schools run Saturday sessions, and only the term and holiday dates say
when the school is open. ``next_school_day`` does skip weekends, because it picks a
replacement day on the coordinator's behalf.

Changes are keyed by an occurrence's original date rather than by its position, so
regenerating a series (for example after extending ``until``) and reapplying the
same stored changes gives the same occurrences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

ALLOWED_EVERY_WEEKS = (1, 2)

# A year, plus one day so a leap year is covered: long enough to span the summer
# holiday, short enough that a school with no terms entered gets a prompt None.
NEXT_SCHOOL_DAY_HORIZON_DAYS = 366

SATURDAY = 5


@dataclass(frozen=True)
class DateSpan:
    """A run of days, inclusive at both ends, such as a term or a holiday."""

    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        # A reversed span would silently contain nothing, so a mistyped term would
        # quietly empty every series instead of being noticed.
        if self.ends_on < self.starts_on:
            raise ValueError(
                f"A date span cannot end ({self.ends_on.isoformat()}) "
                f"before it starts ({self.starts_on.isoformat()})."
            )

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Occurrence:
    """One session of a series after changes.

    ``original`` is the date the series generated and identifies the occurrence;
    ``on`` is when it actually happens. ``reason`` is empty unless cancelled.
    """

    original: date
    on: date
    cancelled: bool = False
    reason: str = ""


def _is_open(day: date, terms: Sequence[DateSpan], holidays: Sequence[DateSpan]) -> bool:
    return any(term.contains(day) for term in terms) and not any(
        holiday.contains(day) for holiday in holidays
    )


def series_dates(
    *,
    first: date,
    until: date,
    every_weeks: int,
    terms: Sequence[DateSpan],
    holidays: Sequence[DateSpan],
) -> list[date]:
    """Return the dates of the series from ``first`` to ``until`` inclusive.

    Dates fall every ``every_weeks`` weeks from ``first`` and are kept only when
    inside some term and outside every holiday. Dropped dates do not shift the
    rhythm (see the module docstring).
    """
    # bool is a subclass of int, and True would otherwise pass as "weekly".
    if isinstance(every_weeks, bool) or every_weeks not in ALLOWED_EVERY_WEEKS:
        raise ValueError(f"every_weeks must be 1 (weekly) or 2 (fortnightly), not {every_weeks!r}.")
    if until < first:
        raise ValueError(
            f"The series cannot end ({until.isoformat()}) before its first date "
            f"({first.isoformat()})."
        )
    step = timedelta(weeks=every_weeks)
    kept: list[date] = []
    day = first
    while day <= until:
        if _is_open(day, terms, holidays):
            kept.append(day)
        day += step
    return kept


def next_school_day(
    day: date, terms: Sequence[DateSpan], holidays: Sequence[DateSpan]
) -> date | None:
    """Return the first weekday on or after ``day`` inside a term and outside holidays.

    Looks at ``day`` and the following days, 366 days in all; returns None if none
    of them is a school day.
    """
    for offset in range(NEXT_SCHOOL_DAY_HORIZON_DAYS):
        candidate = day + timedelta(days=offset)
        if candidate.weekday() < SATURDAY and _is_open(candidate, terms, holidays):
            return candidate
    return None


def apply_changes(
    dates: Sequence[date],
    moved: Mapping[date, date],
    cancelled: Mapping[date, str],
) -> list[Occurrence]:
    """Return the series' occurrences after moves and cancellations, sorted by ``on``.

    ``moved`` maps an original date to its new date and ``cancelled`` maps an
    original date to the reason. An occurrence both moved and cancelled keeps its
    new date, so the record shows where it would have been. New dates are not
    checked: two sessions on one day, or a session outside term, are the
    coordinator's call.
    """
    known = set(dates)
    # Sorted so that, with several unknown keys, the error is the same every time.
    unknown = sorted((set(moved) | set(cancelled)) - known)
    if unknown:
        raise ValueError(f"{unknown[0].isoformat()} is not a date of this series.")
    occurrences = [
        Occurrence(
            original=original,
            on=moved.get(original, original),
            cancelled=original in cancelled,
            reason=cancelled.get(original, ""),
        )
        for original in dates
    ]
    # Ties on one day are broken by original date so the order never depends on
    # the order the caller happened to supply.
    occurrences.sort(key=lambda occurrence: (occurrence.on, occurrence.original))
    return occurrences
