"""Who is on track, who to watch and who is at risk, from attendance and check-ins.

Everything a coordinator might question lives in :class:`EngagementRules`, and
:func:`describe_rules` turns those numbers into the sentences shown to them, so the
rules on screen can never drift from the rules applied. Every reason is a plain
sentence with the real figures in it ("attended 2 of the last 6 sessions") rather
than a code, because it is read by school staff, not by software.

Shares are kept as exact fractions and thresholds are read as the decimals they were
written as: in binary floating point 70% minus 40% is a hair under 0.3, and a fall of
exactly the configured size must count.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final, Literal

Status = Literal["on_track", "watch", "at_risk"]
Trend = Literal["falling", "steady", "rising", "not enough data"]

ON_TRACK: Final = "on_track"
WATCH: Final = "watch"
AT_RISK: Final = "at_risk"

STATUS_LABELS: Final[dict[str, str]] = {
    ON_TRACK: "On track",
    WATCH: "Watch",
    AT_RISK: "At risk",
}

TREND_FALLING: Final = "falling"
TREND_STEADY: Final = "steady"
TREND_RISING: Final = "rising"
TREND_NOT_ENOUGH_DATA: Final = "not enough data"

LOWEST_FEELING: Final = 1
HIGHEST_FEELING: Final = 5

_SEVERITY: Final[dict[str, int]] = {ON_TRACK: 0, WATCH: 1, AT_RISK: 2}

_NUMBER_WORDS: Final = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


@dataclass(frozen=True)
class Mark:
    """One register entry for one session.

    ``attended`` is True for present or late, False for absent and None when the
    session is not marked yet or was cancelled. ``excused`` means the absence had a
    reason; it is only looked at when ``attended`` is False.
    """

    on: datetime.date
    attended: bool | None
    excused: bool = False


@dataclass(frozen=True)
class CheckInPoint:
    """How a participant said they felt, from 1 (very bad) to 5 (very good)."""

    on: datetime.date
    feeling: int

    def __post_init__(self) -> None:
        # An out-of-range feeling would silently skew averages; it can only come
        # from a bug upstream, so stop there rather than report a wrong status.
        if not LOWEST_FEELING <= self.feeling <= HIGHEST_FEELING:
            raise ValueError(
                f"A feeling must be from {LOWEST_FEELING} to {HIGHEST_FEELING}, not {self.feeling}."
            )


@dataclass(frozen=True)
class EngagementRules:
    """The thresholds behind every status, with the defaults coordinators see.

    Attendance shares and percentage-point changes are fractions of 1 (0.75 is 75%).
    Windows are counted in whole calendar days back from the day of evaluation,
    that day included, so a six-week window is the last 42 days.

    recent_weeks
        Length of the window for recent attendance (default 6).
    trend_weeks
        Length of each of the two back-to-back windows compared for the trend and for
        a sudden fall (default 4).
    min_sessions
        Marked sessions a window needs before its attendance share is judged
        (default 3); fewer than that and one absence swings the share too far.
    missed_in_row_at_risk
        Absences in a row, excused or not, that make someone at risk (default 2).
    missed_in_row_watch
        Absences in a row that put someone on watch (default 1); must be fewer than
        ``missed_in_row_at_risk``.
    fall_from_at_least
        A sudden fall only counts from an earlier window at or above this share
        (default 0.75), so someone who was already rarely there is not reported
        again under this rule.
    fall_points
        Drop between the earlier and the later trend window that makes someone at
        risk (default 0.30, i.e. 30 percentage points).
    trend_change
        Smallest change between the trend windows reported as falling or rising
        (default 0.10); anything smaller is steady.
    at_risk_below
        Recent attendance below this share is at risk (default 0.5).
    watch_below
        Recent attendance below this share is watch (default 0.75).
    checkin_window
        How many of the latest check-ins are averaged and compared with the same
        number before them (default 3).
    checkin_fall
        Fall in that average, on the 1 to 5 scale, that puts someone on watch
        (default 1.0).
    low_checkins
        How many of the latest check-ins in a row at or below ``low_feeling`` make
        someone at risk (default 2).
    low_feeling
        The feeling, on the 1 to 5 scale, at or below which a check-in counts as low
        (default 2, "bad").
    no_show_days
        Days since the last attended session, with sessions marked absent in that
        time, that make someone at risk (default 21).
    """

    recent_weeks: int = 6
    trend_weeks: int = 4
    min_sessions: int = 3
    missed_in_row_at_risk: int = 2
    missed_in_row_watch: int = 1
    fall_from_at_least: float = 0.75
    fall_points: float = 0.30
    trend_change: float = 0.10
    at_risk_below: float = 0.5
    watch_below: float = 0.75
    checkin_window: int = 3
    checkin_fall: float = 1.0
    low_checkins: int = 2
    low_feeling: int = 2
    no_show_days: int = 21

    def __post_init__(self) -> None:
        # Rules may one day be set per school; a nonsensical set would quietly mark
        # everyone on track (or at risk), so refuse it where it is made.
        problems: list[str] = []
        for name in (
            "recent_weeks",
            "trend_weeks",
            "min_sessions",
            "missed_in_row_watch",
            "checkin_window",
            "low_checkins",
            "no_show_days",
        ):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        for name in (
            "fall_from_at_least",
            "fall_points",
            "trend_change",
            "at_risk_below",
            "watch_below",
        ):
            if not 0 <= getattr(self, name) <= 1:
                problems.append(f"{name} must be from 0 to 1")
        if self.missed_in_row_at_risk <= self.missed_in_row_watch:
            problems.append("missed_in_row_at_risk must be more than missed_in_row_watch")
        if self.at_risk_below > self.watch_below:
            problems.append("at_risk_below must not be more than watch_below")
        if self.checkin_fall <= 0:
            problems.append("checkin_fall must be more than 0")
        if not LOWEST_FEELING <= self.low_feeling <= HIGHEST_FEELING:
            problems.append(f"low_feeling must be from {LOWEST_FEELING} to {HIGHEST_FEELING}")
        if problems:
            raise ValueError("Engagement rules are not usable: " + "; ".join(problems) + ".")


DEFAULT_RULES: Final = EngagementRules()


@dataclass(frozen=True)
class Engagement:
    """The verdict for one participant, with the figures behind it.

    ``reasons`` is most serious first and empty when on track. ``last_contact`` is
    passed through from :func:`evaluate` untouched so a page can show it beside the
    verdict; no rule uses it.
    """

    status: Status
    reasons: list[str] = field(default_factory=list)
    attendance_recent: float | None = None
    attendance_overall: float | None = None
    consecutive_missed: int = 0
    trend: Trend = TREND_NOT_ENOUGH_DATA
    last_attended: datetime.date | None = None
    last_contact: datetime.date | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class _Tally:
    attended: int
    marked: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.attended, self.marked) if self.marked else None


def _exact(value: float) -> Fraction:
    # repr() is the shortest decimal that reads back as the same float, which is
    # the number the person who wrote the rule meant (0.3, not 0.29999...).
    return Fraction(repr(value))


def _window_start(today: datetime.date, weeks: int) -> datetime.date:
    return today - datetime.timedelta(days=weeks * 7 - 1)


def _tally(marks: Sequence[Mark], first: datetime.date, last: datetime.date) -> _Tally:
    inside = [mark for mark in marks if first <= mark.on <= last]
    return _Tally(attended=sum(1 for mark in inside if mark.attended), marked=len(inside))


def _percent(share: Fraction) -> int:
    # Half up, as people round; round() would give 12% for 12.5%.
    return int(share * 100 + Fraction(1, 2))


def _one_decimal(value: Fraction) -> str:
    tenths = int(value * 10 + Fraction(1, 2))
    return f"{tenths // 10}.{tenths % 10}"


def _threshold_percent(value: float) -> str:
    hundredths = _exact(value) * 100
    if hundredths.denominator == 1:
        return f"{hundredths.numerator}%"
    return f"{float(hundredths):g}%"


def _threshold_points(value: float) -> str:
    return _threshold_percent(value)[:-1] + " percentage points"


def _threshold_feeling(value: float) -> str:
    return f"{value:.1f}" if round(value, 1) == value else f"{value:g}"


def _in_words(number: int) -> str:
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else str(number)


def _weeks_in_words(weeks: int) -> str:
    return f"{_in_words(weeks)} week" if weeks == 1 else f"{_in_words(weeks)} weeks"


def _weeks_long(weeks: int) -> str:
    return f"{_in_words(weeks)}-week"


def _elapsed(days: int) -> str:
    if days >= 7:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "1 day" if days == 1 else f"{days} days"


def _last_sessions(count: int) -> str:
    return "the last session" if count == 1 else f"the last {count} sessions"


def _last_checkins(count: int) -> str:
    return "the last check-in" if count == 1 else f"the last {count} check-ins"


def _missed_reason(missed: Sequence[Mark]) -> str:
    reason = f"missed {_last_sessions(len(missed))}"
    if all(mark.excused for mark in missed):
        if len(missed) == 1:
            reason += ", with a reason given"
        elif len(missed) == 2:
            reason += ", both with a reason given"
        else:
            reason += ", all with a reason given"
    return reason


def _attended_reason(tally: _Tally) -> str:
    attended = "none" if tally.attended == 0 else str(tally.attended)
    return f"attended {attended} of {_last_sessions(tally.marked)}"


def _trend(before: _Tally, after: _Tally, rules: EngagementRules) -> Trend:
    if before.marked < rules.min_sessions or after.marked < rules.min_sessions:
        return TREND_NOT_ENOUGH_DATA
    change = Fraction(after.attended, after.marked) - Fraction(before.attended, before.marked)
    if change <= -_exact(rules.trend_change):
        return TREND_FALLING
    if change >= _exact(rules.trend_change):
        return TREND_RISING
    return TREND_STEADY


def _as_float(share: Fraction | None) -> float | None:
    return None if share is None else float(share)


def evaluate(
    marks: Sequence[Mark],
    check_ins: Sequence[CheckInPoint],
    today: datetime.date,
    rules: EngagementRules = DEFAULT_RULES,
    last_contact: datetime.date | None = None,
) -> Engagement:
    """Judge one participant as of ``today`` from their register and check-ins.

    Marks and check-ins dated after ``today`` are ignored, as are marks with
    ``attended`` None. Neither sequence needs to be sorted; entries on the same day
    keep the order they were given in.
    """
    marked = sorted(
        (mark for mark in marks if mark.attended is not None and mark.on <= today),
        key=lambda mark: mark.on,
    )
    points = sorted((point for point in check_ins if point.on <= today), key=lambda point: point.on)

    overall = _Tally(attended=sum(1 for mark in marked if mark.attended), marked=len(marked))
    recent = _tally(marked, _window_start(today, rules.recent_weeks), today)
    later_start = _window_start(today, rules.trend_weeks)
    earlier_start = _window_start(today, rules.trend_weeks * 2)
    later = _tally(marked, later_start, today)
    earlier = _tally(marked, earlier_start, later_start - datetime.timedelta(days=1))
    trend = _trend(earlier, later, rules)

    missed: list[Mark] = []
    for mark in reversed(marked):
        if mark.attended:
            break
        missed.append(mark)
    last_attended = max((mark.on for mark in marked if mark.attended), default=None)

    # Checked in the order describe_rules lists them, so reasons read the same way.
    findings: list[tuple[Status, str]] = []

    if len(missed) >= rules.missed_in_row_at_risk:
        findings.append((AT_RISK, _missed_reason(missed)))

    if last_attended is not None:
        absent_since = [mark for mark in marked if mark.on > last_attended]
        days = (today - last_attended).days
        if absent_since and days >= rules.no_show_days:
            findings.append((AT_RISK, f"has not attended for {_elapsed(days)}"))
    elif marked:
        days = (today - marked[0].on).days
        if days >= rules.no_show_days:
            findings.append(
                (AT_RISK, f"has not attended any session since the first one, {_elapsed(days)} ago")
            )

    earlier_share, later_share = earlier.share, later.share
    if (
        trend != TREND_NOT_ENOUGH_DATA
        and earlier_share is not None
        and later_share is not None
        and earlier_share >= _exact(rules.fall_from_at_least)
        and earlier_share - later_share >= _exact(rules.fall_points)
    ):
        findings.append(
            (
                AT_RISK,
                f"attendance fell from {_percent(earlier_share)}% to {_percent(later_share)}% "
                f"in {_weeks_in_words(rules.trend_weeks)}",
            )
        )

    recent_share = recent.share if recent.marked >= rules.min_sessions else None
    if recent_share is not None and recent_share < _exact(rules.at_risk_below):
        findings.append((AT_RISK, _attended_reason(recent)))

    latest_points = points[-rules.low_checkins :]
    if len(points) >= rules.low_checkins and all(
        point.feeling <= rules.low_feeling for point in latest_points
    ):
        findings.append((AT_RISK, f"felt low at {_last_checkins(rules.low_checkins)}"))

    if rules.missed_in_row_watch <= len(missed) < rules.missed_in_row_at_risk:
        findings.append((WATCH, _missed_reason(missed)))

    if recent_share is not None and _exact(rules.at_risk_below) <= recent_share < _exact(
        rules.watch_below
    ):
        findings.append((WATCH, _attended_reason(recent)))

    window = rules.checkin_window
    if len(points) >= window * 2:
        before = Fraction(sum(point.feeling for point in points[-window * 2 : -window]), window)
        after = Fraction(sum(point.feeling for point in points[-window:]), window)
        if before - after >= _exact(rules.checkin_fall):
            findings.append(
                (
                    WATCH,
                    f"check-ins falling (from {_one_decimal(before)} to "
                    f"{_one_decimal(after)} on average)",
                )
            )

    status: Status = ON_TRACK
    for severity, _ in findings:
        if _SEVERITY[severity] > _SEVERITY[status]:
            status = severity
    ordered = sorted(findings, key=lambda finding: -_SEVERITY[finding[0]])

    return Engagement(
        status=status,
        reasons=[reason for _, reason in ordered],
        attendance_recent=_as_float(recent.share),
        attendance_overall=_as_float(overall.share),
        consecutive_missed=len(missed),
        trend=trend,
        last_attended=last_attended,
        last_contact=last_contact,
    )


def describe_rules(rules: EngagementRules = DEFAULT_RULES) -> list[str]:
    """One plain sentence per rule, most serious first, for coordinators to read."""
    return list(_described(rules))


@functools.lru_cache(maxsize=16)  # pages show the same rules on every view
def _described(rules: EngagementRules) -> tuple[str, ...]:
    """One plain sentence per rule, most serious first, for coordinators to read."""
    recent = _weeks_in_words(rules.recent_weeks)
    trend = _weeks_in_words(rules.trend_weeks)
    enough = f"only judged once at least {rules.min_sessions} sessions have been marked"
    if rules.missed_in_row_watch + 1 == rules.missed_in_row_at_risk:
        watch_missed = f"missed {_last_sessions(rules.missed_in_row_watch)}"
        if rules.missed_in_row_watch > 1:
            watch_missed += " in a row"
    else:
        watch_missed = (
            f"missed the last {rules.missed_in_row_watch} to "
            f"{rules.missed_in_row_at_risk - 1} sessions in a row"
        )
    return (
        f"At risk: missed the last {rules.missed_in_row_at_risk} sessions in a row "
        "(absences with a reason count too).",
        f"At risk: has not attended for {rules.no_show_days} days or more, "
        "although sessions were marked in that time.",
        f"At risk: attendance fell by {_threshold_points(rules.fall_points)} or more "
        f"from one {_weeks_long(rules.trend_weeks)} period to the next, having been "
        f"{_threshold_percent(rules.fall_from_at_least)} or more in the first "
        f"({enough} in each).",
        f"At risk: attended less than {_threshold_percent(rules.at_risk_below)} of "
        f"sessions in the last {recent} ({enough}).",
        f"At risk: felt low ({rules.low_feeling} or below out of {HIGHEST_FEELING}) at "
        f"each of {_last_checkins(rules.low_checkins)}.",
        f"Watch: {watch_missed}.",
        f"Watch: attended less than {_threshold_percent(rules.watch_below)} of sessions "
        f"in the last {recent} ({enough}).",
        f"Watch: the average feeling at {_last_checkins(rules.checkin_window)} was "
        f"{_threshold_feeling(rules.checkin_fall)} or more below the average at the "
        f"{rules.checkin_window} before.",
        f"Trend: attendance in the last {trend} is compared with the {trend} before; "
        f"a change of less than {_threshold_points(rules.trend_change)} counts as steady.",
    )
