"""Time counted in school hours: Monday to Friday, between the start and the end of
the school day. A safeguarding concern must be acknowledged within so many minutes
of school time; minutes in the evening, at night and at weekends do not count, so
a concern raised at 15:50 with 30 minutes to go is due at 08:50 the next school day
(with the day from 08:30 to 16:00).

Term dates and holidays are not counted out: a DSL is on call in the holidays too,
and a concern raised then should not wait weeks for the next term to escalate.
"""

from __future__ import annotations

import datetime

FRIDAY = 4


def add_school_minutes(
    start: datetime.datetime,
    minutes: int,
    day_starts: datetime.time,
    day_ends: datetime.time,
) -> datetime.datetime:
    """The moment at which ``minutes`` of school time have passed since ``start``.

    ``start`` is an aware datetime in the school's own time zone; the school day is
    read on its wall clock. A school day that ends before it starts (a mistake in
    the settings) would never count a minute, so the minutes are then counted on the
    clock, as if the school never closed: the concern still escalates."""
    if minutes < 0:
        raise ValueError("Minutes of school time cannot be negative.")
    remaining = datetime.timedelta(minutes=minutes)
    if day_ends <= day_starts:
        return start + remaining
    zone = start.tzinfo
    day = start.date()
    moment = start
    while True:
        if day.weekday() <= FRIDAY:
            opens = datetime.datetime.combine(day, day_starts, tzinfo=zone)
            closes = datetime.datetime.combine(day, day_ends, tzinfo=zone)
            counting_from = max(moment, opens)
            if counting_from < closes:
                left_today = closes - counting_from
                if remaining <= left_today:
                    return counting_from + remaining
                remaining -= left_today
        day += datetime.timedelta(days=1)
        moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
