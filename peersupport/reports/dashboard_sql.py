"""The programme health dashboard's own aggregate queries, written as SQL.

Why not the ORM: measured with bench/dashboard.py (a school of 2,000 students with
three years of weekly sessions, the current term), these eleven queries took about
8.5 ms through the ORM, of which the database's part was about 2 ms: building and
compiling the querysets was most of the page (which took 18 ms in all; 13 ms as
SQL, against 3 ms for a trivial page). Here each is one fixed statement, parameters
always bound (never written into the text), run on SQLite and on PostgreSQL alike;
the two places where the databases differ (the Monday of a date's week, the mean of
a feedback's answers) have a statement for each. The statements read by school and
period only: which of the school's programmes are shown is applied to their rows
(grouped by programme) in Python, so the text never changes with the choice.

The measures and training figures come from their apps' selectors, as elsewhere.
The tests check these figures against the same ones counted a record at a time
(reports/tests/test_dashboard_sql.py), on both databases in CI."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

# (programme, student) of everyone enrolled at some time in the period.
ENROLLED = """
SELECT DISTINCT programme_id, student_id FROM programmes_enrolment
WHERE school_id = %s AND started_on <= %s AND (ended_on IS NULL OR ended_on >= %s)
"""

# Mentors in a pairing that was running at some time in the period.
MENTORING = """
SELECT DISTINCT programme_id, mentor_id FROM programmes_mentorship
WHERE school_id = %s AND started_on IS NOT NULL AND started_on <= %s
  AND (closed_on IS NULL OR closed_on >= %s)
"""

# Referrals made in the period, waiting now, or decided in the period; those alike
# (programme, status and moments) as one row, counted.
REFERRALS = """
SELECT programme_id, status, created_at, decided_at, COUNT(*) FROM programmes_referral
WHERE school_id = %s
  AND ((created_at >= %s AND created_at < %s)
       OR status IN (%s, %s)
       OR (decided_at >= %s AND decided_at < %s))
GROUP BY programme_id, status, created_at, decided_at
"""

# Marks and attendances by week and programme, from each session's register counts
# (kept by meetings.services.attendance_mark); the sessions found through the index
# on (school, date). A session is a group's or a pairing's.
_ATTENDANCE = """
SELECT {week} AS week_of, g.programme_id, m.programme_id,
       SUM(s.marked_count), SUM(s.attended_count)
FROM meetings_session s
LEFT JOIN programmes_group g ON g.id = s.group_id
LEFT JOIN programmes_mentorship m ON m.id = s.mentorship_id
WHERE s.school_id = %s AND s.date BETWEEN %s AND %s
GROUP BY 1, 2, 3
HAVING SUM(s.marked_count) > 0
"""
ATTENDANCE_BY_WEEK = {
    # Back six days, then on to the next Monday (the day itself when a Monday).
    "sqlite": _ATTENDANCE.format(week="date(s.date, '-6 days', 'weekday 1')"),
    "postgresql": _ATTENDANCE.format(week="CAST(date_trunc('week', s.date) AS date)"),
}

# Those who started in the period, by programme and days (alike as one row, counted).
STARTED = """
SELECT programme_id, started_on, ended_on, COUNT(*) FROM programmes_enrolment
WHERE school_id = %s AND started_on BETWEEN %s AND %s
GROUP BY programme_id, started_on, ended_on
"""

# The stored engagement signals of open enrolments: how many, how many at risk, how
# many with staff contact since the day given, and the day the oldest was worked out.
SIGNALS = """
SELECT e.programme_id, COUNT(*),
       SUM(CASE WHEN es.status = %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN es.last_contact >= %s THEN 1 ELSE 0 END),
       MIN(es.computed_on)
FROM meetings_engagementsnapshot es
JOIN programmes_enrolment e ON e.id = es.enrolment_id
WHERE es.school_id = %s AND e.ended_on IS NULL
GROUP BY e.programme_id
"""

# The latest supervision held by the day given, by programme.
SUPERVISION = """
SELECT programme_id, MAX(held_on) FROM meetings_supervision
WHERE school_id = %s AND held_on <= %s
GROUP BY programme_id
"""

# Open concerns by kind: all, and in each of three bands of age (the moments
# bounding them given newest first).
CONCERNS_OPEN = """
SELECT kind, COUNT(*),
       SUM(CASE WHEN created_at <= %s AND created_at > %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN created_at <= %s AND created_at > %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN created_at <= %s THEN 1 ELSE 0 END)
FROM concerns_concern
WHERE school_id = %s AND status = %s
GROUP BY kind
"""

# Conflicts resolved in the period.
CONFLICTS_RESOLVED = """
SELECT raised_at, resolved_at FROM concerns_conflictcase
WHERE school_id = %s AND resolved_at >= %s AND resolved_at < %s
"""

# Feedback by week and programme: how many, and the sum and number of the scores
# (a feedback's score: the mean of its answers that are not null, as
# wellbeing.selectors.feedback_score takes it; none when all are null), so that
# means across programmes can be taken from them.
_FEEDBACK = """
SELECT week_of, programme_id, COUNT(*), SUM(score), COUNT(score)
FROM (SELECT week_of, programme_id, {score} AS score FROM wellbeing_feedback
      WHERE school_id = %s AND week_of BETWEEN %s AND %s) AS scored
GROUP BY week_of, programme_id
"""
FEEDBACK_BY_WEEK = {
    "sqlite": _FEEDBACK.format(
        score="(SELECT AVG(value) FROM json_each(answers) WHERE type <> 'null')"
    ),
    "postgresql": _FEEDBACK.format(
        score=(
            "(SELECT AVG((item.value #>> '{}')::double precision)"
            " FROM jsonb_each(CASE WHEN jsonb_typeof(answers) = 'object'"
            " THEN answers END) AS item"
            " WHERE jsonb_typeof(item.value) <> 'null')"
        )
    ),
}

# Referrals out, except drafts, by status and days (alike as one row, counted).
REFERRALS_OUT = """
SELECT status, sent_on, first_response_on, COUNT(*) FROM partners_referralout
WHERE school_id = %s AND status <> %s
GROUP BY status, sent_on, first_response_on
"""


def for_this_database(statements: dict[str, str]) -> str:
    return statements[connection.vendor]


def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def day_param(day: datetime.date) -> Any:
    """A date as the database compares it (as the ORM would pass it)."""
    return connection.ops.adapt_datefield_value(day)


def moment_param(moment: datetime.datetime) -> Any:
    """A moment as the database compares it: on SQLite, the UTC text the ORM
    stores (as the ORM would pass it)."""
    return connection.ops.adapt_datetimefield_value(moment)


def day_of(value: datetime.date | str | None) -> datetime.date | None:
    """A date as the database gives it back: a date, or on SQLite, for a value it
    worked out (a week, a minimum) rather than read from a column, its ISO text."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def moment_of(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """A moment as the database gives it back: aware on PostgreSQL; on SQLite,
    without a zone (or as text), in the connection's zone (UTC), as the ORM
    stores it."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_aware(value):
        return value
    return timezone.make_aware(value, connection.timezone)
