"""Engagement: on track, watch or at risk, with reasons a coordinator can read.

Registers are written as strings, oldest first, one character per session:
Y present (or late), N absent, E absent with a reason, - not marked or cancelled.
"""

from __future__ import annotations

import dataclasses
import datetime
import subprocess
import sys

import pytest

from peersupport.lib.engagement import (
    AT_RISK,
    DEFAULT_RULES,
    ON_TRACK,
    WATCH,
    CheckInPoint,
    Engagement,
    EngagementRules,
    Mark,
    describe_rules,
    evaluate,
)

TODAY = datetime.date(2025, 3, 14)
DAY = datetime.timedelta(days=1)

_ATTENDED = {"Y": True, "N": False, "E": False, "-": None}


def _marks(register: str, *, every: int = 7, end: datetime.date = TODAY) -> list[Mark]:
    """One mark per character, ``every`` days apart, the last on ``end``."""
    last = len(register) - 1
    return [
        Mark(on=end - (last - i) * every * DAY, attended=_ATTENDED[char], excused=char == "E")
        for i, char in enumerate(register)
    ]


def _windows(earlier: str, later: str) -> list[Mark]:
    """Sessions every other day: ``earlier`` in the four weeks before the last four."""
    return _marks(earlier, every=2, end=TODAY - 28 * DAY) + _marks(later, every=2)


def _feelings(*feelings: int, every: int = 7, end: datetime.date = TODAY) -> list[CheckInPoint]:
    last = len(feelings) - 1
    return [
        CheckInPoint(on=end - (last - i) * every * DAY, feeling=feeling)
        for i, feeling in enumerate(feelings)
    ]


def _reasons(marks: list[Mark], check_ins: list[CheckInPoint] | None = None) -> list[str]:
    return evaluate(marks, check_ins or [], TODAY).reasons


# --- Nothing to go on, and a steady attender ---------------------------------------


def test_nobody_marked_and_no_check_ins_is_on_track_with_nothing_known() -> None:
    assert evaluate([], [], TODAY) == Engagement(
        status=ON_TRACK,
        reasons=[],
        attendance_recent=None,
        attendance_overall=None,
        consecutive_missed=0,
        trend="not enough data",
        last_attended=None,
        last_contact=None,
    )


def test_a_regular_attender_is_on_track_and_last_contact_is_passed_through() -> None:
    contact = TODAY - 3 * DAY
    result = evaluate(_marks("Y" * 12), _feelings(4, 3, 4), TODAY, last_contact=contact)
    assert result.status == ON_TRACK
    assert result.reasons == []
    assert result.attendance_recent == 1.0
    assert result.attendance_overall == 1.0
    assert result.trend == "steady"
    assert result.last_attended == TODAY
    assert result.last_contact == contact


def test_recent_and_overall_attendance_are_shares_of_marked_sessions() -> None:
    # Twelve weeks: the six before the recent window were all missed.
    result = evaluate(_marks("NNNNNN" + "YYYNYY"), [], TODAY)
    assert result.attendance_recent == pytest.approx(5 / 6)
    assert result.attendance_overall == pytest.approx(5 / 12)


# --- Missed in a row ----------------------------------------------------------------


def test_two_missed_in_a_row_is_at_risk() -> None:
    result = evaluate(_marks("Y" * 30 + "NN", every=2), [], TODAY)
    assert result.status == AT_RISK
    assert result.consecutive_missed == 2
    assert result.reasons == ["missed the last 2 sessions"]


def test_the_reason_gives_the_real_number_missed() -> None:
    assert _reasons(_marks("Y" * 30 + "NNN", every=2)) == ["missed the last 3 sessions"]


def test_one_missed_is_only_watch() -> None:
    result = evaluate(_marks("Y" * 31 + "N", every=2), [], TODAY)
    assert result.status == WATCH
    assert result.consecutive_missed == 1
    assert result.reasons == ["missed the last session"]


def test_an_unmarked_or_cancelled_session_does_not_break_a_run_of_absences() -> None:
    result = evaluate(_marks("Y" * 30 + "N-N", every=2), [], TODAY)
    assert result.consecutive_missed == 2
    assert result.reasons == ["missed the last 2 sessions"]


# --- Excused absences ---------------------------------------------------------------


@pytest.mark.parametrize(
    "ending,reason",
    [
        ("E", "missed the last session, with a reason given"),
        ("EE", "missed the last 2 sessions, both with a reason given"),
        ("EEE", "missed the last 3 sessions, all with a reason given"),
        ("NE", "missed the last 2 sessions"),
        ("EN", "missed the last 2 sessions"),
    ],
)
def test_excused_absences_count_and_the_reason_says_so_when_all_were_excused(
    ending: str, reason: str
) -> None:
    result = evaluate(_marks("Y" * 30 + ending, every=2), [], TODAY)
    assert result.consecutive_missed == len(ending)
    assert result.status == (WATCH if len(ending) == 1 else AT_RISK)
    assert result.reasons == [reason]


def test_excused_absences_count_against_attendance() -> None:
    result = evaluate(_marks("YEYEYY"), [], TODAY)
    assert result.attendance_recent == pytest.approx(4 / 6)
    assert result.reasons == ["attended 4 of the last 6 sessions"]


# --- Sudden fall in attendance ------------------------------------------------------


def test_a_fall_of_exactly_thirty_points_is_at_risk() -> None:
    result = evaluate(_windows("Y" * 10, "NYYNYYNYYY"), [], TODAY)
    assert result.status == AT_RISK
    assert result.trend == "falling"
    assert result.reasons == ["attendance fell from 100% to 70% in four weeks"]


def test_a_fall_just_under_thirty_points_is_not_reported() -> None:
    # 100% to 10 of 14 (71%) is a fall of 29 points.
    result = evaluate(_windows("Y" * 14, "NYYNYYNYYNYYYY"), [], TODAY)
    assert result.trend == "falling"
    assert result.reasons == []


def test_a_fall_counts_from_exactly_seventy_five_percent() -> None:
    # Daily sessions: 21 of 28 (75%) fell to 12 of 28 (43%).
    earlier = _marks("YYYN" * 7, every=1, end=TODAY - 28 * DAY)
    later = _marks("NNY" * 6 + "YNYNYNYNYY", every=1)
    reasons = _reasons(earlier + later)
    assert "attendance fell from 75% to 43% in four weeks" in reasons


def test_a_fall_from_just_under_seventy_five_percent_is_not_reported() -> None:
    # 20 of 28 (71%) to 11 of 28 (39%): a big fall, but from an already low level.
    earlier = _marks("NYYY" * 6 + "NNYY", every=1, end=TODAY - 28 * DAY)
    later = _marks("NNY" * 6 + "NNYNYNYNYY", every=1)
    result = evaluate(earlier + later, [], TODAY)
    assert result.trend == "falling"
    assert not any(reason.startswith("attendance fell") for reason in result.reasons)


def test_the_fall_names_the_trend_window_in_words() -> None:
    rules = EngagementRules(trend_weeks=1, min_sessions=2)
    marks = _marks("YYYY", every=2, end=TODAY - 7 * DAY) + _marks("NNY", every=2)
    result = evaluate(marks, [], TODAY, rules=rules)
    assert "attendance fell from 100% to 33% in one week" in result.reasons


# --- Trend --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "earlier,later,trend",
    [
        ("Y" * 10, "Y" * 10, "steady"),
        ("Y" * 10, "N" + "Y" * 10, "steady"),  # 91%: down 9 points
        ("Y" * 10, "N" + "Y" * 9, "falling"),  # 90%: down exactly 10 points
        ("NNNNYYYYYY", "Y" * 10, "rising"),
        ("NYYYYYYYYY", "NY" + "Y" * 9, "steady"),  # 90% to 91%
        ("YY", "Y" * 10, "not enough data"),
        ("Y" * 10, "YY", "not enough data"),
        ("", "", "not enough data"),
    ],
)
def test_trend_compares_the_last_four_weeks_with_the_four_before(
    earlier: str, later: str, trend: str
) -> None:
    assert evaluate(_windows(earlier, later), [], TODAY).trend == trend


def test_sessions_older_than_eight_weeks_do_not_affect_the_trend() -> None:
    old = _marks("NNNNNN", every=2, end=TODAY - 56 * DAY)
    assert evaluate(old + _windows("Y" * 10, "Y" * 10), [], TODAY).trend == "steady"


# --- Recent attendance --------------------------------------------------------------


def test_recent_attendance_below_half_is_at_risk() -> None:
    result = evaluate(_marks("NYNNNY"), [], TODAY)
    assert result.status == AT_RISK
    assert result.reasons == ["attended 2 of the last 6 sessions"]


def test_recent_attendance_of_exactly_half_is_only_watch() -> None:
    result = evaluate(_marks("NYNYNY"), [], TODAY)
    assert result.status == WATCH
    assert result.reasons == ["attended 3 of the last 6 sessions"]


def test_recent_attendance_below_three_quarters_is_watch() -> None:
    result = evaluate(_marks("YYNYNY"), [], TODAY)
    assert result.status == WATCH
    assert result.reasons == ["attended 4 of the last 6 sessions"]


def test_recent_attendance_of_exactly_three_quarters_is_on_track() -> None:
    result = evaluate(_marks("YNYY"), [], TODAY)
    assert result.attendance_recent == 0.75
    assert result.status == ON_TRACK
    assert result.reasons == []


def test_recent_attendance_is_not_judged_on_fewer_than_three_sessions() -> None:
    result = evaluate(_marks("NY"), [], TODAY)
    assert result.attendance_recent == 0.5
    assert result.status == ON_TRACK
    assert _reasons(_marks("NNY")) == ["attended 1 of the last 3 sessions"]


def test_no_sessions_attended_reads_as_none() -> None:
    rules = EngagementRules(missed_in_row_at_risk=5, missed_in_row_watch=4)
    result = evaluate(_marks("NNN"), [], TODAY, rules=rules)
    assert result.reasons == ["attended none of the last 3 sessions"]


def test_the_recent_window_is_six_weeks_including_today() -> None:
    # 42 days back would be the first day outside the window.
    inside = evaluate([*_marks("YYY"), Mark(TODAY - 41 * DAY, False)], [], TODAY)
    outside = evaluate([*_marks("YYY"), Mark(TODAY - 42 * DAY, False)], [], TODAY)
    assert inside.attendance_recent == 0.75
    assert outside.attendance_recent == 1.0


# --- Not attended for a long time ---------------------------------------------------


def test_three_weeks_without_attending_while_sessions_were_marked_is_at_risk() -> None:
    result = evaluate(_marks("YN--"), [], TODAY)
    assert result.status == AT_RISK
    assert result.last_attended == TODAY - 21 * DAY
    assert result.reasons == ["has not attended for 3 weeks", "missed the last session"]


def test_twenty_days_without_attending_is_not_reported() -> None:
    result = evaluate(_marks("YN-", end=TODAY - 6 * DAY), [], TODAY)
    assert result.last_attended == TODAY - 20 * DAY
    assert result.reasons == ["missed the last session"]


def test_a_gap_with_no_sessions_marked_is_not_a_no_show() -> None:
    result = evaluate(_marks("Y--", end=TODAY - 30 * DAY), [], TODAY)
    assert result.status == ON_TRACK
    assert result.reasons == []


def test_never_attending_in_three_weeks_is_at_risk() -> None:
    assert _reasons(_marks("NNNN")) == [
        "missed the last 4 sessions",
        "has not attended any session since the first one, 3 weeks ago",
        "attended none of the last 4 sessions",
    ]
    assert "has not attended" not in " ".join(_reasons(_marks("NNN")))


# --- Check-ins ----------------------------------------------------------------------


def test_falling_check_ins_are_watch() -> None:
    result = evaluate([], _feelings(5, 4, 4, 3, 3, 2), TODAY)
    assert result.status == WATCH
    assert result.reasons == ["check-ins falling (from 4.3 to 2.7 on average)"]


def test_a_check_in_fall_of_exactly_one_point_counts() -> None:
    assert _reasons([], _feelings(4, 4, 4, 3, 3, 3)) == [
        "check-ins falling (from 4.0 to 3.0 on average)"
    ]


def test_a_check_in_fall_under_one_point_is_not_reported() -> None:
    assert _reasons([], _feelings(4, 4, 4, 3, 3, 4)) == []


def test_check_ins_are_not_compared_with_fewer_than_six() -> None:
    assert _reasons([], _feelings(5, 5, 3, 3, 3)) == []


def test_feeling_low_at_the_last_two_check_ins_is_at_risk() -> None:
    result = evaluate([], _feelings(4, 2, 2), TODAY)
    assert result.status == AT_RISK
    assert result.reasons == ["felt low at the last 2 check-ins"]


def test_feeling_just_above_low_is_not_reported() -> None:
    assert _reasons([], _feelings(2, 3)) == []
    assert _reasons([], _feelings(3, 2)) == []


def test_one_low_check_in_is_not_enough() -> None:
    assert _reasons([], _feelings(1)) == []


def test_check_ins_are_taken_in_date_order() -> None:
    shuffled = list(reversed(_feelings(2, 2, 4)))
    assert _reasons([], shuffled) == []


# --- Status and ordering ------------------------------------------------------------


def test_status_is_the_most_serious_and_at_risk_reasons_come_first() -> None:
    result = evaluate(_marks("YYNYYN"), _feelings(4, 4, 4, 3, 2, 2), TODAY)
    assert result.status == AT_RISK
    assert result.reasons == [
        "felt low at the last 2 check-ins",
        "missed the last session",
        "attended 4 of the last 6 sessions",
        "check-ins falling (from 4.0 to 2.3 on average)",
    ]


def test_several_at_risk_reasons_keep_the_order_the_rules_are_listed_in() -> None:
    marks = _windows("Y" * 10, "YYYYYYYYNN" + "NNN")
    result = evaluate(marks, _feelings(1, 1), TODAY)
    assert result.reasons == [
        "missed the last 5 sessions",
        "attendance fell from 100% to 62% in four weeks",
        "felt low at the last 2 check-ins",
    ]


# --- What is counted ----------------------------------------------------------------


def test_unmarked_cancelled_and_future_entries_are_ignored() -> None:
    noise = [
        Mark(TODAY - 3 * DAY, None),
        Mark(TODAY - 2 * DAY, None, excused=True),
        Mark(TODAY + DAY, False),
        Mark(TODAY + 7 * DAY, False, excused=True),
    ]
    future_lows = [CheckInPoint(TODAY + DAY, 1), CheckInPoint(TODAY + 2 * DAY, 1)]
    plain = evaluate(_marks("Y" * 8), _feelings(4, 4), TODAY)
    noisy = evaluate(_marks("Y" * 8) + noise, _feelings(4, 4) + future_lows, TODAY)
    assert noisy == plain
    assert noisy.status == ON_TRACK
    assert noisy.consecutive_missed == 0
    assert noisy.attendance_overall == 1.0


def test_marks_need_not_be_in_date_order() -> None:
    marks = _marks("Y" * 30 + "NN", every=2)
    assert evaluate(list(reversed(marks)), [], TODAY) == evaluate(marks, [], TODAY)


def test_today_itself_counts() -> None:
    result = evaluate(_marks("YYN"), [], TODAY)
    assert result.consecutive_missed == 1
    assert result.last_attended == TODAY - 7 * DAY


# --- Rules --------------------------------------------------------------------------


def test_the_rules_can_be_changed() -> None:
    rules = EngagementRules(missed_in_row_at_risk=3, watch_below=0.5)
    result = evaluate(_marks("Y" * 30 + "NN", every=2), [], TODAY, rules=rules)
    assert result.status == WATCH
    assert result.reasons == ["missed the last 2 sessions"]


@pytest.mark.parametrize(
    "changes",
    [
        {"recent_weeks": 0},
        {"min_sessions": 0},
        {"missed_in_row_watch": 2, "missed_in_row_at_risk": 2},
        {"at_risk_below": 0.8},
        {"fall_points": 1.5},
        {"checkin_fall": 0},
        {"low_feeling": 6},
    ],
)
def test_rules_that_make_no_sense_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="Engagement rules are not usable"):
        EngagementRules(**changes)


def test_a_feeling_outside_one_to_five_is_refused() -> None:
    with pytest.raises(ValueError, match="from 1 to 5"):
        CheckInPoint(TODAY, 6)


def test_the_default_rules_read_as_plain_sentences() -> None:
    assert describe_rules(DEFAULT_RULES) == [
        "At risk: missed the last 2 sessions in a row (absences with a reason count too).",
        "At risk: has not attended for 21 days or more, although sessions were marked in that time.",
        "At risk: attendance fell by 30 percentage points or more from one four-week period to the next, having been 75% or more in the first (only judged once at least 3 sessions have been marked in each).",
        "At risk: attended less than 50% of sessions in the last six weeks (only judged once at least 3 sessions have been marked).",
        "At risk: felt low (2 or below out of 5) at each of the last 2 check-ins.",
        "Watch: missed the last session.",
        "Watch: attended less than 75% of sessions in the last six weeks (only judged once at least 3 sessions have been marked).",
        "Watch: the average feeling at the last 3 check-ins was 1.0 or more below the average at the 3 before.",
        "Trend: attendance in the last four weeks is compared with the four weeks before; a change of less than 10 percentage points counts as steady.",
    ]


def test_describe_rules_mentions_every_threshold() -> None:
    rules = EngagementRules(
        recent_weeks=5,
        trend_weeks=3,
        min_sessions=4,
        missed_in_row_at_risk=4,
        missed_in_row_watch=2,
        fall_from_at_least=0.8,
        fall_points=0.25,
        trend_change=0.15,
        at_risk_below=0.4,
        watch_below=0.7,
        checkin_window=4,
        checkin_fall=1.5,
        low_checkins=3,
        low_feeling=1,
        no_show_days=28,
    )
    expected = {
        "recent_weeks": "in the last five weeks",
        "trend_weeks": "in the last three weeks is compared with the three weeks before",
        "min_sessions": "at least 4 sessions have been marked",
        "missed_in_row_at_risk": "At risk: missed the last 4 sessions in a row",
        "missed_in_row_watch": "Watch: missed the last 2 to 3 sessions in a row.",
        "fall_from_at_least": "having been 80% or more",
        "fall_points": "fell by 25 percentage points or more from one three-week period",
        "trend_change": "less than 15 percentage points counts as steady",
        "at_risk_below": "At risk: attended less than 40% of sessions",
        "watch_below": "Watch: attended less than 70% of sessions",
        "checkin_window": "at the last 4 check-ins was 1.5 or more below the average at the 4 before",
        "checkin_fall": "1.5 or more below",
        "low_checkins": "at each of the last 3 check-ins",
        "low_feeling": "felt low (1 or below out of 5)",
        "no_show_days": "has not attended for 28 days or more",
    }
    assert set(expected) == {rule.name for rule in dataclasses.fields(EngagementRules)}
    sentences = describe_rules(rules)
    text = " ".join(sentences)
    for name, phrase in expected.items():
        assert phrase in text, name
    assert all(s.startswith(("At risk: ", "Watch: ", "Trend: ")) for s in sentences)
    assert all(s.endswith(".") for s in sentences)


def test_describe_rules_keeps_odd_thresholds_exact() -> None:
    text = " ".join(describe_rules(EngagementRules(watch_below=0.675, checkin_fall=1.25)))
    assert "less than 67.5% of sessions" in text
    assert "1.25 or more below" in text


def test_the_module_does_not_need_django() -> None:
    code = (
        "import sys, peersupport.lib.engagement; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
