"""Outcome statistics, each checked against a figure worked out independently here:
by formula with NumPy, from a printed statistical table, by a different SciPy route,
by a noncentral t distribution integrated from its definition, or by hand."""

from __future__ import annotations

import ast
import dataclasses
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from peersupport.wellbeing import outcomes
from peersupport.wellbeing.outcomes import (
    DETERIORATED,
    EFFECT_SIZE_INTERVAL_FAILED_REASON,
    IMPROVED,
    NO_PAIRS_REASON,
    NO_RELIABILITY_REASON,
    NO_RELIABLE_CHANGE,
    NOT_RECORDED,
    ONE_PAIR_REASON,
    SAME_CHANGE_REASON,
    SECONDARY_REASON,
    ChangeSummary,
    GoalProgress,
    by_subgroup,
    change_summary,
    classify_change,
    effect_size_interval,
    goal_progress,
    goal_progress_by_subgroup,
    reliable_change_index,
    reliable_change_points,
    suppressed_subgroups,
)

# Ten students' baseline and follow-up wellbeing scores.
BASELINE = [38, 42, 45, 30, 50, 41, 36, 47, 39, 44]
FOLLOW_UP = [43, 44, 44, 38, 52, 49, 35, 53, 45, 44]
# Upper 2.5% point of Student's t with 9 degrees of freedom: 2.262157 in printed
# tables; to 14 significant figures by quadrature of the t density and bisection.
T_975_DF_9 = 2.2621571627982


def pairs_of(
    baseline: Sequence[float], follow_up: Sequence[float | None]
) -> list[tuple[str, float, float | None]]:
    return [(f"s{i}", b, f) for i, (b, f) in enumerate(zip(baseline, follow_up, strict=True))]


def assert_nothing_is_nan(result: object) -> None:
    """No field of a result, however deep, is NaN or infinite."""
    assert dataclasses.is_dataclass(result)
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if dataclasses.is_dataclass(value):
            assert_nothing_is_nan(value)
        elif isinstance(value, tuple):
            for item in value:
                if dataclasses.is_dataclass(item):
                    assert_nothing_is_nan(item)
        elif isinstance(value, float):
            assert math.isfinite(value), f"{field.name} is {value}"


# ------------------------------------------------------------------ pure module


def test_outcomes_imports_nothing_from_django() -> None:
    tree = ast.parse(Path(outcomes.__file__).read_text(encoding="utf-8"))
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [m for m in modules if m.split(".")[0] == "django"]


def test_outcomes_loads_without_django() -> None:
    code = (
        "import sys, peersupport.wellbeing.outcomes; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ------------------------------------------------------------------ mean change


def test_mean_change_and_its_interval_match_the_formula_with_a_table_value() -> None:
    summary = change_summary(pairs_of(BASELINE, FOLLOW_UP), higher_is_better=True)
    changes = np.array(FOLLOW_UP, dtype=float) - np.array(BASELINE, dtype=float)
    mean = changes.sum() / 10
    sd = math.sqrt(((changes - mean) ** 2).sum() / 9)
    half_width = T_975_DF_9 * sd / math.sqrt(10)

    assert summary.n_paired == 10
    assert summary.mean_change == pytest.approx(3.5)
    assert summary.mean_change == pytest.approx(mean)
    assert summary.mean_baseline == pytest.approx(41.2)
    assert summary.mean_follow_up == pytest.approx(44.7)
    assert summary.sd_change == pytest.approx(sd)
    assert summary.mean_change_ci_low == pytest.approx(mean - half_width, rel=1e-11)
    assert summary.mean_change_ci_high == pytest.approx(mean + half_width, rel=1e-11)
    assert summary.interval_reason is None


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_mean_change_interval_matches_scipy_t_interval_with_sem(confidence: float) -> None:
    baseline = [20.0, 25.0, 31.0, 18.0, 27.0]
    follow_up = [24.0, 24.0, 35.0, 26.0, 30.0]
    summary = change_summary(
        pairs_of(baseline, follow_up), higher_is_better=True, confidence=confidence
    )
    changes = np.array(follow_up) - np.array(baseline)
    low, high = stats.t.interval(
        confidence, df=len(changes) - 1, loc=changes.mean(), scale=stats.sem(changes)
    )
    assert summary.mean_change_ci_low == pytest.approx(low, rel=1e-10)
    assert summary.mean_change_ci_high == pytest.approx(high, rel=1e-10)


def test_a_fall_gives_a_negative_mean_change_and_interval() -> None:
    summary = change_summary(pairs_of(FOLLOW_UP, BASELINE), higher_is_better=True)
    assert summary.mean_change == pytest.approx(-3.5)
    assert summary.mean_change_ci_high is not None
    assert summary.mean_change_ci_high < 0
    assert summary.effect_size is not None
    assert summary.effect_size < 0


# ------------------------------------------------------------------ effect size


def noncentral_t_cdf_from_its_definition(t: float, df: int, noncentrality: float) -> float:
    """P(T <= t) for T = (Z + noncentrality) / sqrt(V / df), Z standard normal and V
    chi-squared with df degrees of freedom, integrating over V by quadrature. Uses
    neither scipy.stats.nct nor any scipy.stats distribution."""

    def normal_cdf(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))

    def chi_squared_density(v: float) -> float:
        half = df / 2
        return math.exp((half - 1) * math.log(v) - v / 2 - half * math.log(2) - math.lgamma(half))

    value, _error = integrate.quad(
        lambda v: normal_cdf(t * math.sqrt(v / df) - noncentrality) * chi_squared_density(v),
        0,
        math.inf,
        epsabs=1e-13,
        epsrel=1e-11,
        limit=200,
    )
    return value


def interval_by_bisection(d: float, n: int, confidence: float) -> tuple[float, float]:
    """The d_z interval found by plain bisection on the noncentral t from its
    definition: a different distribution routine and a different root finder."""
    t_observed = d * math.sqrt(n)
    tail = (1 - confidence) / 2

    def solve(target: float) -> float:
        low, high = t_observed - 40, t_observed + 40  # the cdf falls as ncp rises
        for _ in range(80):
            middle = (low + high) / 2
            if noncentral_t_cdf_from_its_definition(t_observed, n - 1, middle) > target:
                low = middle
            else:
                high = middle
        return (low + high) / 2 / math.sqrt(n)

    return solve(1 - tail), solve(tail)


def test_effect_size_is_mean_change_over_sd_of_change() -> None:
    summary = change_summary(pairs_of(BASELINE, FOLLOW_UP), higher_is_better=True)
    changes = np.array(FOLLOW_UP, dtype=float) - np.array(BASELINE, dtype=float)
    assert summary.effect_size == pytest.approx(changes.mean() / changes.std(ddof=1))
    # d_z is the paired t statistic over sqrt(n).
    assert summary.effect_size == pytest.approx(
        stats.ttest_rel(FOLLOW_UP, BASELINE).statistic / math.sqrt(10)
    )


def test_effect_size_interval_matches_an_independent_inversion() -> None:
    summary = change_summary(pairs_of(BASELINE, FOLLOW_UP), higher_is_better=True)
    assert summary.effect_size is not None
    low, high = interval_by_bisection(summary.effect_size, 10, 0.95)
    assert summary.effect_size_ci_low == pytest.approx(low, abs=1e-7)
    assert summary.effect_size_ci_high == pytest.approx(high, abs=1e-7)


@pytest.mark.parametrize(
    ("d", "n", "confidence"),
    [(0.4, 5, 0.95), (-1.2, 8, 0.95), (2.5, 4, 0.9), (0.05, 30, 0.99)],
)
def test_effect_size_interval_for_several_cases(d: float, n: int, confidence: float) -> None:
    interval = effect_size_interval(d, n, confidence=confidence)
    assert interval is not None
    low, high = interval_by_bisection(d, n, confidence)
    assert interval[0] == pytest.approx(low, abs=1e-7)
    assert interval[1] == pytest.approx(high, abs=1e-7)


@pytest.mark.parametrize("n", [2, 5, 10, 100])
def test_effect_size_interval_for_no_change_is_the_normal_quantile(n: int) -> None:
    # When t = 0, P(T <= 0) = P(Z <= -ncp) exactly, so the limits are the normal
    # quantiles over sqrt(n): a closed form to check the inversion against.
    interval = effect_size_interval(0.0, n)
    assert interval is not None
    assert interval[0] == pytest.approx(-1.959963984540054 / math.sqrt(n), abs=1e-9)
    assert interval[1] == pytest.approx(1.959963984540054 / math.sqrt(n), abs=1e-9)


def test_effect_size_interval_for_a_large_sample_is_near_the_normal_approximation() -> None:
    d, n = 0.5, 2000
    interval = effect_size_interval(d, n)
    assert interval is not None
    standard_error = math.sqrt(1 / n + d**2 / (2 * n))
    assert interval[0] == pytest.approx(d - 1.959963984540054 * standard_error, abs=2e-3)
    assert interval[1] == pytest.approx(d + 1.959963984540054 * standard_error, abs=2e-3)


def test_an_effect_size_too_large_to_bound_gives_a_reason_not_nan() -> None:
    assert effect_size_interval(1e6, 10) is None
    # Changes that differ by a hair (but more than rounding) give a huge d_z.
    summary = change_summary(
        [("a", 0.0, 5.0), ("b", 0.0, 5.000001), ("c", 0.0, 5.0)], higher_is_better=True
    )
    assert summary.effect_size is not None
    assert summary.effect_size > 1e5
    assert summary.effect_size_ci_low is None
    assert summary.effect_size_ci_high is None
    assert summary.interval_reason == EFFECT_SIZE_INTERVAL_FAILED_REASON
    assert_nothing_is_nan(summary)


# ------------------------------------------------------------------ reliable change


def test_reliable_change_by_hand() -> None:
    # SD 10, reliability 0.84: SE of measurement = 10 * sqrt(0.16) = 4,
    # S_diff = sqrt(2 * 4**2) = 5.656854..., reliable from 1.96 * 5.656854 = 11.0874 points.
    assert reliable_change_points(reliability=0.84, sd=10) == pytest.approx(11.08743433)
    assert reliable_change_index(12, reliability=0.84, sd=10) == pytest.approx(2.12132034)
    assert reliable_change_index(-6, reliability=0.84, sd=10) == pytest.approx(-1.06066017)
    assert classify_change(12, higher_is_better=True, reliability=0.84, sd=10) == IMPROVED
    assert classify_change(11, higher_is_better=True, reliability=0.84, sd=10) == NO_RELIABLE_CHANGE
    assert classify_change(-12, higher_is_better=True, reliability=0.84, sd=10) == DETERIORATED
    assert classify_change(-12, higher_is_better=False, reliability=0.84, sd=10) == IMPROVED
    assert classify_change(12, higher_is_better=False, reliability=0.84, sd=10) == DETERIORATED


def test_reliable_change_shares_in_a_summary() -> None:
    changes = [12, 15, 3, 0, -2, 11, -11.5, -20, 30, 5]
    pairs = [(f"s{i}", 40.0, 40.0 + c) for i, c in enumerate(changes)]
    summary = change_summary(pairs, higher_is_better=True, reliability=0.84, sd=10)
    # Beyond +/-11.0874: up 12, 15, 30; down 11.5, 20; the other five are within.
    assert (
        summary.n_reliably_improved,
        summary.n_no_reliable_change,
        summary.n_reliably_deteriorated,
    ) == (3, 5, 2)
    assert summary.share_reliably_improved == pytest.approx(0.3)
    assert summary.share_no_reliable_change == pytest.approx(0.5)
    assert summary.share_reliably_deteriorated == pytest.approx(0.2)
    assert summary.reliable_change_points == pytest.approx(11.08743433)
    assert summary.reliable_change_reason is None

    lower_is_better = change_summary(pairs, higher_is_better=False, reliability=0.84, sd=10)
    assert (lower_is_better.n_reliably_improved, lower_is_better.n_reliably_deteriorated) == (2, 3)


def test_without_reliability_the_page_says_reliable_change_cannot_be_computed() -> None:
    for reliability, sd in [(None, None), (0.8, None), (None, 7.5)]:
        summary = change_summary(
            pairs_of(BASELINE, FOLLOW_UP), higher_is_better=True, reliability=reliability, sd=sd
        )
        assert summary.reliable_change_reason == NO_RELIABILITY_REASON
        assert "cannot be computed for this measure" in NO_RELIABILITY_REASON
        assert summary.n_reliably_improved is None
        assert summary.share_reliably_improved is None
        assert summary.reliable_change_points is None
        # The rest is still there.
        assert summary.mean_change == pytest.approx(3.5)


@pytest.mark.parametrize(("reliability", "sd"), [(1.0, 10), (-0.1, 10), (0.8, 0), (0.8, -3)])
def test_impossible_reliability_figures_are_refused(reliability: float, sd: float) -> None:
    with pytest.raises(ValueError):
        change_summary(
            pairs_of(BASELINE, FOLLOW_UP), higher_is_better=True, reliability=reliability, sd=sd
        )


# ------------------------------------------------------------------ too few, all the same


def test_no_students_at_all() -> None:
    summary = change_summary([], higher_is_better=True, reliability=0.84, sd=10)
    assert summary.n_students == summary.n_paired == 0
    assert summary.mean_change is None
    assert summary.mean_change_ci_low is None
    assert summary.effect_size is None
    assert summary.interval_reason == NO_PAIRS_REASON
    assert summary.share_reliably_improved is None
    assert summary.reliable_change_reason == NO_PAIRS_REASON
    assert_nothing_is_nan(summary)


def test_everyone_is_missing_a_follow_up_and_is_counted() -> None:
    summary = change_summary(
        pairs_of(BASELINE, [None] * 10), higher_is_better=True, reliability=0.84, sd=10
    )
    assert summary.n_students == 10
    assert summary.n_paired == 0
    assert summary.n_missing_follow_up == 10
    assert summary.mean_baseline is None
    assert summary.interval_reason == NO_PAIRS_REASON
    assert_nothing_is_nan(summary)


def test_one_student_gives_a_change_but_no_interval() -> None:
    summary = change_summary(
        [("a", 30.0, 36.0), ("b", 31.0, None)], higher_is_better=True, reliability=0.84, sd=10
    )
    assert summary.n_paired == 1
    assert summary.n_missing_follow_up == 1
    assert summary.mean_change == 6.0
    assert summary.sd_change is None
    assert summary.mean_change_ci_low is None
    assert summary.mean_change_ci_high is None
    assert summary.effect_size is None
    assert summary.effect_size_ci_low is None
    assert summary.interval_reason == ONE_PAIR_REASON
    assert "Fewer than two students" in ONE_PAIR_REASON
    # One student's own change can still be judged reliable or not.
    assert summary.n_no_reliable_change == 1
    assert summary.share_no_reliable_change == 1.0
    assert_nothing_is_nan(summary)


def test_everyone_changing_by_the_same_amount_gives_no_interval() -> None:
    summary = change_summary(
        pairs_of([10.0, 20.0, 30.0], [14.0, 24.0, 34.0]), higher_is_better=True
    )
    assert summary.mean_change == 4.0
    assert summary.sd_change == 0.0
    assert summary.mean_change_ci_low is None
    assert summary.effect_size is None
    assert summary.effect_size_ci_high is None
    assert summary.interval_reason == SAME_CHANGE_REASON
    assert_nothing_is_nan(summary)


def test_the_same_change_written_differently_in_binary_is_still_the_same() -> None:
    # 0.3 - 0.2 and 0.4 - 0.3 differ in the last bit; that is not real variation.
    summary = change_summary(pairs_of([0.2, 0.3, 0.1], [0.3, 0.4, 0.2]), higher_is_better=True)
    assert summary.interval_reason == SAME_CHANGE_REASON
    assert summary.effect_size is None


def test_nobody_changing_at_all_gives_no_interval() -> None:
    summary = change_summary(pairs_of([10.0, 20.0], [10.0, 20.0]), higher_is_better=True)
    assert summary.mean_change == 0.0
    assert summary.interval_reason == SAME_CHANGE_REASON
    assert_nothing_is_nan(summary)


def test_every_kind_of_missing_is_counted_never_dropped() -> None:
    summary = change_summary(
        [
            ("a", 30.0, 36.0),
            ("b", 31.0, 33.0),
            ("c", 29.0, None),
            ("d", None, 40.0),
            ("e", None, None),
            ("f", 35.0, None),
        ],
        higher_is_better=True,
    )
    assert (
        summary.n_students,
        summary.n_paired,
        summary.n_missing_follow_up,
        summary.n_missing_baseline,
        summary.n_missing_both,
    ) == (6, 2, 2, 1, 1)
    # Only the paired students enter the means.
    assert summary.mean_baseline == 30.5
    assert summary.mean_follow_up == 34.5


def test_a_student_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        change_summary([("a", 1.0, 2.0), ("a", 3.0, 4.0)], higher_is_better=True)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_score_that_is_not_a_number_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="must be a number"):
        change_summary([("a", 1.0, bad), ("b", 3.0, 4.0)], higher_is_better=True)


@pytest.mark.parametrize("confidence", [0, 1, 95])
def test_a_confidence_level_outside_0_and_1_is_refused(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        change_summary(pairs_of(BASELINE, FOLLOW_UP), higher_is_better=True, confidence=confidence)


# ------------------------------------------------------------------ properties

scores = st.one_of(
    st.integers(min_value=0, max_value=70).map(float),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)
rows = st.lists(st.tuples(scores, st.one_of(st.none(), scores)), max_size=25)
whole_number_rows = st.lists(
    st.tuples(
        st.integers(min_value=12, max_value=60).map(float),
        st.integers(min_value=12, max_value=60).map(float),
    ),
    max_size=30,
)


def summarise(rows: Sequence[tuple[float, float | None]], **options: object) -> ChangeSummary:
    return change_summary(
        [(i, b, f) for i, (b, f) in enumerate(rows)],
        higher_is_better=bool(options.get("higher_is_better", True)),
        reliability=0.8,
        sd=7.0,
    )


@settings(deadline=None)
@given(rows, st.booleans())
def test_no_field_is_ever_nan_or_infinite(
    rows: list[tuple[float, float | None]], better: bool
) -> None:
    summary = summarise(rows, higher_is_better=better)
    assert_nothing_is_nan(summary)
    assert summary.n_students == len(rows)
    assert summary.n_students == (
        summary.n_paired
        + summary.n_missing_follow_up
        + summary.n_missing_baseline
        + summary.n_missing_both
    )
    assert (summary.mean_change_ci_low is None) == (summary.mean_change_ci_high is None)
    assert (summary.effect_size_ci_low is None) == (summary.effect_size_ci_high is None)
    if summary.effect_size_ci_low is None:
        assert summary.interval_reason is not None


@settings(deadline=None)
@given(rows)
def test_the_intervals_contain_their_estimates(rows: list[tuple[float, float | None]]) -> None:
    summary = summarise(rows)
    if summary.mean_change_ci_low is not None:
        assert summary.mean_change is not None
        assert summary.mean_change_ci_high is not None
        assert summary.mean_change_ci_low <= summary.mean_change <= summary.mean_change_ci_high
    if summary.effect_size_ci_low is not None:
        assert summary.effect_size is not None
        assert summary.effect_size_ci_high is not None
        assert summary.effect_size_ci_low <= summary.effect_size <= summary.effect_size_ci_high


@settings(deadline=None)
@given(rows)
def test_reliable_change_counts_add_up(rows: list[tuple[float, float | None]]) -> None:
    summary = summarise(rows)
    assert summary.n_reliably_improved is not None
    assert summary.n_no_reliable_change is not None
    assert summary.n_reliably_deteriorated is not None
    assert (
        summary.n_reliably_improved + summary.n_no_reliable_change + summary.n_reliably_deteriorated
        == summary.n_paired
    )


def test_a_large_fall_has_the_mirror_interval_of_the_same_rise() -> None:
    """Found by Hypothesis: two students falling 35 and 37 points (d_z about -25 on
    one degree of freedom) once had no interval while the same rise had one."""
    rise = outcomes.effect_size_interval(36 / math.sqrt(2), 2)
    fall = outcomes.effect_size_interval(-36 / math.sqrt(2), 2)
    assert rise is not None and fall is not None
    assert fall == (-rise[1], -rise[0])


@example([(47.0, 12.0), (49.0, 12.0)])
@settings(deadline=None)
@given(whole_number_rows)
def test_swapping_baseline_and_follow_up_mirrors_everything(
    rows: list[tuple[float, float]],
) -> None:
    forwards = summarise(list(rows))
    backwards = summarise([(f, b) for b, f in rows])
    if forwards.mean_change is None:
        assert backwards.mean_change is None
        return
    assert backwards.mean_change == pytest.approx(-forwards.mean_change, abs=1e-9)
    assert backwards.n_reliably_improved == forwards.n_reliably_deteriorated
    assert backwards.n_reliably_deteriorated == forwards.n_reliably_improved
    assert backwards.n_no_reliable_change == forwards.n_no_reliable_change
    assert backwards.interval_reason == forwards.interval_reason
    if forwards.mean_change_ci_low is not None and forwards.mean_change_ci_high is not None:
        assert backwards.mean_change_ci_high == pytest.approx(-forwards.mean_change_ci_low)
        assert backwards.mean_change_ci_low == pytest.approx(-forwards.mean_change_ci_high)
    if forwards.effect_size is not None:
        assert backwards.effect_size == pytest.approx(-forwards.effect_size)
    if forwards.effect_size_ci_low is not None and forwards.effect_size_ci_high is not None:
        assert backwards.effect_size_ci_high == pytest.approx(
            -forwards.effect_size_ci_low, abs=1e-6
        )
        assert backwards.effect_size_ci_low == pytest.approx(
            -forwards.effect_size_ci_high, abs=1e-6
        )


@settings(deadline=None)
@given(whole_number_rows)
def test_the_two_intervals_agree_on_whether_there_was_a_change(
    rows: list[tuple[float, float]],
) -> None:
    summary = summarise(rows)
    if summary.effect_size_ci_low is None or summary.mean_change_ci_low is None:
        return
    assert summary.effect_size_ci_high is not None
    assert summary.mean_change_ci_high is not None
    t_statistic = summary.effect_size * math.sqrt(summary.n_paired)  # type: ignore[operator]
    critical = stats.t.ppf(0.975, summary.n_paired - 1)
    if abs(abs(t_statistic) - critical) < 1e-6:
        return  # on the boundary, rounding decides
    assert (summary.mean_change_ci_low > 0) == (summary.effect_size_ci_low > 0)
    assert (summary.mean_change_ci_high < 0) == (summary.effect_size_ci_high < 0)


# ------------------------------------------------------------------ Goal-Based Outcomes


GOALS = [
    ("amara", "sleep", 2, 6),  # +4: reliably improved
    ("amara", "friends", 3, 5),  # +2: not reliable
    ("amara", "anger", 4, None),  # not rated again yet
    ("ben", "talk in class", 5, 8),  # +3: reliably improved (3 >= 2.45)
    ("ben", "worry", 7, 4),  # -3: reliably deteriorated
    ("cai", "mornings", 1, None),
]


def test_goal_progress_per_goal() -> None:
    progress = goal_progress(GOALS)
    by_goal = {(g.student, g.goal): g for g in progress.goals}
    assert by_goal["amara", "sleep"].change == 4
    assert by_goal["amara", "sleep"].movement == IMPROVED
    assert by_goal["amara", "friends"].movement == NO_RELIABLE_CHANGE
    assert by_goal["amara", "anger"].change is None
    assert by_goal["amara", "anger"].movement is None
    assert by_goal["ben", "talk in class"].movement == IMPROVED
    assert by_goal["ben", "worry"].movement == DETERIORATED

    assert progress.n_goals == 6
    assert progress.n_goals_rated_twice == 4
    assert progress.n_goals_missing_latest == 2
    assert progress.n_students == 3
    assert progress.mean_goal_change == pytest.approx((4 + 2 + 3 - 3) / 4)
    assert (
        progress.n_goals_reliably_improved,
        progress.n_goals_no_reliable_change,
        progress.n_goals_reliably_deteriorated,
    ) == (2, 1, 1)
    assert progress.share_goals_reliably_improved == pytest.approx(0.5)
    assert progress.reliable_change_points == 2.45


def test_goal_progress_per_student_averages_each_students_goals() -> None:
    progress = goal_progress(GOALS)
    per_student = progress.per_student
    # amara: goals rated twice start at 2 and 3, end at 6 and 5 -> 2.5 to 5.5 (+3).
    # ben: 5 and 7 to 8 and 4 -> 6 to 6 (0). cai: nothing rated twice yet.
    assert per_student.n_students == 3
    assert per_student.n_paired == 2
    assert per_student.n_missing_follow_up == 1
    assert per_student.mean_change == pytest.approx(1.5)
    changes = np.array([3.0, 0.0])
    half_width = math.tan(math.pi * 0.475) * changes.std(ddof=1) / math.sqrt(2)  # t(0.975, df=1)
    assert per_student.mean_change_ci_low == pytest.approx(1.5 - half_width)
    assert per_student.mean_change_ci_high == pytest.approx(1.5 + half_width)


def test_the_goal_threshold_is_a_parameter() -> None:
    progress = goal_progress(GOALS, reliable_change_points=2)
    assert progress.n_goals_reliably_improved == 3


def test_goal_progress_with_no_goals() -> None:
    progress = goal_progress([])
    assert progress.n_goals == 0
    assert progress.mean_goal_change is None
    assert progress.share_goals_reliably_improved is None
    assert progress.per_student.interval_reason == NO_PAIRS_REASON
    assert_nothing_is_nan(progress)


@pytest.mark.parametrize("rating", [-1, 11, math.nan])
def test_a_goal_rating_outside_0_to_10_is_refused(rating: float) -> None:
    with pytest.raises(ValueError):
        goal_progress([("a", "g", 5, rating)])


def test_a_goal_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        goal_progress([("a", "g", 5, 6), ("a", "g", 2, 3)])


# ------------------------------------------------------------------ suppression


def test_a_subgroup_below_the_threshold_shows_no_count() -> None:
    pairs = [*pairs_of(BASELINE, FOLLOW_UP), ("x1", 30.0, 35.0), ("x2", 31.0, None)]
    groups = {f"s{i}": "Not pupil premium" for i in range(10)} | {
        "x1": "Pupil premium",
        "x2": "Pupil premium",
    }
    rows = {
        row.label: row for row in by_subgroup(pairs, groups, threshold=5, higher_is_better=True)
    }
    small = rows["Pupil premium"]
    assert small.suppressed
    assert small.result is None
    assert small.suppression_reason == "Fewer than 5 students, so the figures are hidden."
    # Shown alone, the other group would give the small one away (total minus it),
    # so it is hidden too.
    assert rows["Not pupil premium"].suppressed
    assert rows["Not pupil premium"].result is None
    assert rows["Not pupil premium"].suppression_reason == SECONDARY_REASON


def test_subgroups_at_the_threshold_are_shown_with_their_own_figures() -> None:
    pairs = pairs_of(BASELINE, FOLLOW_UP)
    groups = {f"s{i}": ("Year 7" if i < 5 else "Year 8") for i in range(10)}
    rows = by_subgroup(pairs, groups, threshold=5, higher_is_better=True, reliability=0.84, sd=10)
    assert [row.label for row in rows] == ["Year 7", "Year 8"]
    assert not any(row.suppressed for row in rows)
    year_7 = rows[0].result
    assert year_7 is not None
    assert year_7.n_paired == 5
    assert year_7.mean_change == pytest.approx(np.mean(np.subtract(FOLLOW_UP[:5], BASELINE[:5])))
    assert year_7 == change_summary(pairs[:5], higher_is_better=True, reliability=0.84, sd=10)


def test_students_without_a_label_are_not_recorded_rather_than_dropped() -> None:
    pairs = pairs_of(BASELINE, FOLLOW_UP)
    groups = {f"s{i}": "Girl" for i in range(5)} | {"s5": ""}
    rows = {
        row.label: row for row in by_subgroup(pairs, groups, threshold=0, higher_is_better=True)
    }
    assert set(rows) == {"Girl", NOT_RECORDED}
    assert rows[NOT_RECORDED].result is not None
    assert rows[NOT_RECORDED].result.n_students == 5


def test_two_small_subgroups_that_together_reach_the_threshold_need_nothing_more() -> None:
    hidden = suppressed_subgroups({"A": (3, 3), "B": (4, 4), "C": (30, 28)}, threshold=5)
    assert set(hidden) == {"A", "B"}


def test_small_subgroups_that_together_stay_below_the_threshold_take_the_next_smallest() -> None:
    hidden = suppressed_subgroups(
        {"A": (2, 2), "B": (2, 1), "C": (30, 30), "D": (12, 11), "E": (40, 40)}, threshold=5
    )
    assert hidden.keys() == {"A", "B", "D"}
    assert hidden["D"] == SECONDARY_REASON


def test_a_big_subgroup_with_few_paired_students_is_hidden() -> None:
    hidden = suppressed_subgroups({"A": (20, 2), "B": (20, 20), "C": (20, 20)}, threshold=5)
    # A's two paired students could be worked out from the total, so B goes too.
    assert set(hidden) == {"A", "B"}


def test_a_subgroup_where_nobody_has_a_follow_up_yet_is_not_hidden() -> None:
    assert suppressed_subgroups({"A": (20, 0), "B": (20, 20)}, threshold=5) == {}


def test_when_every_subgroup_is_small_all_are_hidden() -> None:
    hidden = suppressed_subgroups({"A": (2, 2), "B": (1, 1)}, threshold=5)
    assert set(hidden) == {"A", "B"}


def test_a_threshold_of_zero_hides_nothing() -> None:
    assert suppressed_subgroups({"A": (1, 1), "B": (1, 0)}, threshold=0) == {}


@settings(deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=3),
        st.integers(min_value=1, max_value=40).flatmap(
            lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n))
        ),
        max_size=8,
    ),
    st.integers(min_value=0, max_value=10),
)
def test_hidden_subgroups_can_never_be_worked_out_from_the_totals(
    sizes: dict[str, tuple[int, int]], threshold: int
) -> None:
    hidden = suppressed_subgroups(sizes, threshold=threshold)
    for label, (students, paired) in sizes.items():
        if students < threshold or 0 < paired < threshold:
            assert label in hidden
    if hidden and len(hidden) < len(sizes):
        students = sum(sizes[label][0] for label in hidden)
        paired = sum(sizes[label][1] for label in hidden)
        assert students >= threshold
        assert not 0 < paired < threshold


def test_goal_progress_by_subgroup_counts_students_not_goals() -> None:
    goals = [(f"s{i}", g, 3, 6) for i in range(6) for g in ("g1", "g2", "g3")]
    groups = {f"s{i}": ("SEN support" if i < 2 else "No SEN") for i in range(6)}
    rows = {row.label: row for row in goal_progress_by_subgroup(goals, groups, threshold=5)}
    # Two students with six goals between them is still two students.
    assert rows["SEN support"].suppressed
    assert rows["SEN support"].result is None
    assert rows["No SEN"].suppressed  # secondary
    shown = {row.label: row for row in goal_progress_by_subgroup(goals, groups, threshold=2)}
    result = shown["No SEN"].result
    assert isinstance(result, GoalProgress)
    assert result.n_students == 4
    assert result.n_goals == 12
