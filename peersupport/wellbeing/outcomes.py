"""Outcome statistics for a programme and term: how students' scores on a measure
changed between baseline and follow-up, how sure we can be, and for whom.

Everything here is a pure function of plain numbers (no Django), so the page, the
CSV export and the tests all read the same figures. The rules that matter to a
reader of the page:

* Nobody is dropped silently. Every student handed in is counted once: with both
  scores, or as missing a baseline, a follow-up or both.
* No NaN and no infinity ever leaves this module. Where a figure cannot be given
  (fewer than two students, or everyone changed by exactly the same amount) it is
  ``None`` and a plain-English ``..._reason`` says why, for the page to show.
* Statistics come from SciPy: the interval for the mean change from
  :func:`scipy.stats.ttest_rel`, the interval for the effect size by inverting the
  noncentral t distribution (:data:`scipy.stats.nct`) with
  :func:`scipy.optimize.brentq`.
* Nothing is rounded here; rounding is for display.

Definitions, with their sources:

Mean change
    follow-up minus baseline, in the measure's own units, with a paired t interval.
    The sign is the raw direction; ``higher_is_better`` says which way is good.

Effect size: standardised mean change, d_z (also called the standardised response
mean)
    mean change divided by the standard deviation of the changes (n - 1 in the
    denominator). It is exactly the paired t statistic divided by sqrt(n), so its
    exact interval comes from the noncentral t distribution with n - 1 degrees of
    freedom (Cumming and Finch 2001, "A primer on the understanding, use, and
    calculation of confidence intervals that are based on central and noncentral
    distributions", Educational and Psychological Measurement 61(4), 532-574;
    Lakens 2013, "Calculating and reporting effect sizes to facilitate cumulative
    science", Frontiers in Psychology 4:863). We chose d_z over "mean change divided
    by the baseline SD" because it has an exact interval from a single-group
    pre-post design, and because its interval excludes zero exactly when the
    interval for the mean change does, so the page never contradicts itself. It is
    not comparable with between-group effect sizes in published trials: when
    baseline and follow-up are strongly correlated it is larger than they are. No
    small-sample (Hedges) correction is applied.

Reliable change (Jacobson and Truax 1991, "Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research", Journal of
Consulting and Clinical Psychology 59(1), 12-19)
    SE of measurement = SD * sqrt(1 - reliability); S_diff = sqrt(2 * SE**2);
    RCI = change / S_diff. A student whose |RCI| is greater than 1.96 changed
    reliably, improving or deteriorating according to ``higher_is_better``. SD and
    reliability are the published figures from the instrument's file, never
    estimated from the school's own data.

Goal-Based Outcomes
    each goal is rated 0 to 10. A goal that moved by 2.45 points or more (so, with
    whole-number ratings, by 3 or more) is counted as reliable change, the figure
    reported for the GBO from the CORC data set by Edbrooke-Childs, Jacob, Law,
    Deighton and Wolpert (2015), "Interpreting standardized and idiographic outcome
    measures in CAMHS: what does change mean and how does it relate to functioning
    and experience?", Child and Adolescent Mental Health 20(3), 142-148. It is a
    parameter, :data:`GBO_RELIABLE_CHANGE_POINTS`, so a school can follow newer
    guidance.

Suppression (see :func:`suppressed_subgroups`)
    a subgroup with fewer students than the threshold, or with between one and
    threshold - 1 students who have both scores, shows no counts and no statistics.
    Because the whole-programme figures are published too, hiding one small
    subgroup alone would not protect it: its figures are the total minus the others.
    So further subgroups are hidden, smallest first, until the hidden ones together
    hold at least the threshold (the usual "secondary suppression" of official
    statistics).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Generic, Literal, SupportsFloat, TypeVar

import numpy as np
from scipy.optimize import brentq
from scipy.stats import nct, ttest_rel

StudentKey = Hashable
#: The type of a student key in one call (a public id string, a UUID, ...).
Key = TypeVar("Key", bound=Hashable)
Movement = Literal["improved", "no reliable change", "deteriorated"]

IMPROVED: Final = "improved"
NO_RELIABLE_CHANGE: Final = "no reliable change"
DETERIORATED: Final = "deteriorated"

#: Jacobson and Truax (1991): a change is reliable when |RCI| is greater than 1.96.
RELIABLE_CHANGE_Z: Final = 1.96

#: Edbrooke-Childs et al. (2015): reliable change on a GBO goal (0 to 10).
GBO_RELIABLE_CHANGE_POINTS: Final = 2.45
GBO_LOWEST: Final = 0.0
GBO_HIGHEST: Final = 10.0

#: The default suppression threshold of reports that leave the coordinator's hands.
DEFAULT_SUPPRESSION_THRESHOLD: Final = 5

NOT_RECORDED: Final = "Not recorded"

EFFECT_SIZE_LABEL: Final = (
    "Standardised mean change (the mean change divided by the spread of the changes)"
)

NO_PAIRS_REASON: Final = (
    "No student has both a baseline and a follow-up yet, so there is no change to report."
)
ONE_PAIR_REASON: Final = (
    "Fewer than two students have both a baseline and a follow-up, "
    "so no interval or effect size can be given."
)
SAME_CHANGE_REASON: Final = (
    "Every student changed by the same amount, so no interval or effect size can be given."
)
EFFECT_SIZE_INTERVAL_FAILED_REASON: Final = (
    "The changes are so alike that no interval for the effect size can be worked out."
)
NO_RELIABILITY_REASON: Final = (
    "This measure's file does not give a reliability and a standard deviation, "
    "so reliable change cannot be computed for this measure."
)
SMALL_GROUP_REASON: Final = "Fewer than {threshold} students, so the figures are hidden."
SECONDARY_REASON: Final = (
    "Hidden as well, so that a smaller group's figures cannot be worked out from the totals."
)

# Two changes this close together, relative to the size of the scores, are the same
# change written differently in binary (0.3 - 0.2 is not 0.4 - 0.3): treating them as
# different would give an effect size in the billions.
_SAME_CHANGE_TOLERANCE: Final = 1e-9


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class ChangeSummary:
    """Change on one measure between baseline and follow-up for a set of students."""

    higher_is_better: bool
    confidence: float
    # Who is counted: n_students = n_paired + the three kinds of missing.
    n_students: int
    n_paired: int
    n_missing_follow_up: int  # has a baseline, no follow-up
    n_missing_baseline: int  # has a follow-up, no baseline
    n_missing_both: int
    mean_baseline: float | None
    mean_follow_up: float | None
    mean_change: float | None  # follow-up minus baseline
    sd_change: float | None
    mean_change_ci_low: float | None
    mean_change_ci_high: float | None
    effect_size: float | None  # d_z, same sign as mean_change
    effect_size_ci_low: float | None
    effect_size_ci_high: float | None
    interval_reason: str | None  # why an interval or the effect size is missing
    reliable_change_points: float | None  # a change this large or more is reliable
    n_reliably_improved: int | None
    n_no_reliable_change: int | None
    n_reliably_deteriorated: int | None
    share_reliably_improved: float | None
    share_no_reliable_change: float | None
    share_reliably_deteriorated: float | None
    reliable_change_reason: str | None


@dataclass(frozen=True)
class GoalChange:
    """One Goal-Based Outcomes goal: its first and latest rating."""

    student: StudentKey
    goal: Hashable
    first_rating: float
    latest_rating: float | None
    change: float | None
    movement: Movement | None  # None until the goal has been rated twice


@dataclass(frozen=True)
class GoalProgress:
    """Progress on Goal-Based Outcomes goals for a set of students.

    Goal-level counts treat each goal alike. Because one student sets up to three
    goals, goals are not independent, so the interval is given per student instead:
    ``per_student`` compares each student's mean first rating with their mean latest
    rating over the goals rated twice (its reliable change fields are not used for
    GBO; the goal-level ones are)."""

    goals: tuple[GoalChange, ...]
    n_goals: int
    n_goals_rated_twice: int
    n_goals_missing_latest: int
    n_students: int
    reliable_change_points: float
    mean_goal_change: float | None
    n_goals_reliably_improved: int
    n_goals_no_reliable_change: int
    n_goals_reliably_deteriorated: int
    share_goals_reliably_improved: float | None
    share_goals_no_reliable_change: float | None
    share_goals_reliably_deteriorated: float | None
    per_student: ChangeSummary


Result = TypeVar("Result", ChangeSummary, GoalProgress)


@dataclass(frozen=True)
class Subgroup(Generic[Result]):
    """The figures for one subgroup (for example "Pupil premium"), or nothing at all
    when they are suppressed: a suppressed subgroup carries no count of any kind."""

    label: str
    suppressed: bool
    result: Result | None
    suppression_reason: str | None


# ------------------------------------------------------------------ helpers


def _finite_or_none(value: SupportsFloat) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _check_score(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a number, not {value!r}.")
    return number


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"The confidence level must be between 0 and 1, not {confidence!r}.")


def reliable_change_points(*, reliability: float, sd: float) -> float:
    """The smallest change, in the measure's units, that Jacobson and Truax count as
    reliable: 1.96 * S_diff, with S_diff = sqrt(2) * SD * sqrt(1 - reliability)."""
    if not 0 <= reliability < 1:
        raise ValueError(f"A reliability must be at least 0 and below 1, not {reliability!r}.")
    if not (math.isfinite(sd) and sd > 0):
        raise ValueError(f"A standard deviation must be above 0, not {sd!r}.")
    return RELIABLE_CHANGE_Z * _s_diff(reliability=reliability, sd=sd)


def _s_diff(*, reliability: float, sd: float) -> float:
    standard_error_of_measurement = sd * math.sqrt(1 - reliability)
    return math.sqrt(2 * standard_error_of_measurement**2)


def reliable_change_index(change: float, *, reliability: float, sd: float) -> float:
    """Jacobson and Truax's RCI for one student's change (follow-up minus baseline)."""
    reliable_change_points(reliability=reliability, sd=sd)  # validates
    return change / _s_diff(reliability=reliability, sd=sd)


def classify_change(
    change: float, *, higher_is_better: bool, reliability: float, sd: float
) -> Movement:
    """Whether one student reliably improved, reliably deteriorated, or neither."""
    rci = reliable_change_index(change, reliability=reliability, sd=sd)
    if abs(rci) <= RELIABLE_CHANGE_Z:
        return NO_RELIABLE_CHANGE
    return IMPROVED if (rci > 0) == higher_is_better else DETERIORATED


def effect_size_interval(
    effect_size: float, n: int, *, confidence: float = 0.95
) -> tuple[float, float] | None:
    """The exact interval for d_z from the noncentral t distribution.

    With t = d_z * sqrt(n), the lower limit is the noncentrality for which the
    observed t sits at the upper (1 + confidence) / 2 point, the upper limit the one
    for which it sits at the lower (1 - confidence) / 2 point, each divided by
    sqrt(n). None when SciPy cannot find them (only for changes so alike that t is
    astronomically large)."""
    _check_confidence(confidence)
    if n < 2 or not math.isfinite(effect_size):
        return None
    if effect_size < 0:
        # The noncentral t is symmetric (cdf(t; nc) = 1 - cdf(-t; -nc)), and SciPy is
        # steadier on the positive side: work there and mirror the interval.
        mirrored = effect_size_interval(-effect_size, n, confidence=confidence)
        return None if mirrored is None else (-mirrored[1], -mirrored[0])
    degrees_of_freedom = n - 1
    root_n = math.sqrt(n)
    t_observed = effect_size * root_n
    tail = (1 - confidence) / 2
    # Steps of half a standard error of t (its large-sample value) to start with.
    step = math.sqrt(1 + t_observed**2 / (2 * degrees_of_freedom)) / 2

    def excess(noncentrality: float, target: float) -> float:
        return float(nct.cdf(t_observed, degrees_of_freedom, noncentrality)) - target

    limits = []
    for target in (1 - tail, tail):
        root = _find_root(functools.partial(excess, target=target), t_observed, step)
        if root is None:
            return None
        limits.append(root / root_n)
    low, high = limits
    if not (math.isfinite(low) and math.isfinite(high) and low <= effect_size <= high):
        return None
    return low, high


def _find_root(function: Callable[[float], float], centre: float, step: float) -> float | None:
    """The root of a decreasing function, walking out from ``centre`` in growing steps
    on the side where the root lies, then closing in with :func:`brentq`. Walking out
    gradually keeps clear of the far tails, where SciPy's noncentral t gives NaN."""
    at_centre = function(centre)
    if not math.isfinite(at_centre):
        return None
    if at_centre == 0:
        return centre
    direction = 1.0 if at_centre > 0 else -1.0
    near = centre
    for _ in range(200):
        far = near + direction * step
        at_far = function(far)
        if not math.isfinite(at_far):
            return None
        if at_far == 0:
            return far
        if (at_far > 0) != (at_centre > 0):
            low, high = sorted((near, far))
            try:
                return float(brentq(function, low, high, xtol=1e-12, maxiter=500))
            except (ValueError, RuntimeError):  # NaN on the way, or no convergence
                return None
        near = far
        step *= 1.5
    return None


# ------------------------------------------------------------------ change on a measure


def change_summary(
    pairs: Iterable[tuple[Key, float | None, float | None]],
    *,
    higher_is_better: bool,
    reliability: float | None = None,
    sd: float | None = None,
    confidence: float = 0.95,
) -> ChangeSummary:
    """Change between baseline and follow-up on one measure.

    ``pairs`` holds (student, baseline score, follow-up score), either score None
    when it was not taken; each student at most once. ``reliability`` and ``sd`` are
    the published figures from the instrument's file; without both, reliable change
    is not computed and ``reliable_change_reason`` says so."""
    _check_confidence(confidence)
    if (reliability is None) != (sd is None):
        reliability = sd = None  # half the figures is no figures: say so on the page
    if reliability is not None and sd is not None:
        threshold_points: float | None = reliable_change_points(reliability=reliability, sd=sd)
    else:
        threshold_points = None

    seen: set[Key] = set()
    baselines: list[float] = []
    follow_ups: list[float] = []
    missing_follow_up = missing_baseline = missing_both = 0
    for student, raw_baseline, raw_follow_up in pairs:
        if student in seen:
            raise ValueError(f"Student {student!r} appears more than once.")
        seen.add(student)
        baseline = _check_score(raw_baseline, "A baseline score")
        follow_up = _check_score(raw_follow_up, "A follow-up score")
        if baseline is None and follow_up is None:
            missing_both += 1
        elif follow_up is None:
            missing_follow_up += 1
        elif baseline is None:
            missing_baseline += 1
        else:
            baselines.append(baseline)
            follow_ups.append(follow_up)

    n = len(baselines)
    before = np.asarray(baselines, dtype=float)
    after = np.asarray(follow_ups, dtype=float)
    changes = after - before

    mean_baseline = mean_follow_up = mean_change = sd_change = None
    ci_low = ci_high = effect = effect_low = effect_high = None
    interval_reason: str | None = None
    if n == 0:
        interval_reason = NO_PAIRS_REASON
    else:
        mean_baseline = _finite_or_none(np.mean(before))
        mean_follow_up = _finite_or_none(np.mean(after))
        mean_change = _finite_or_none(np.mean(changes))
    if n == 1:
        interval_reason = ONE_PAIR_REASON
    elif n >= 2:
        scale = max(1.0, float(np.max(np.abs(before))), float(np.max(np.abs(after))))
        if float(np.ptp(changes)) <= _SAME_CHANGE_TOLERANCE * scale:
            interval_reason = SAME_CHANGE_REASON
            sd_change = 0.0
        else:
            sd_change = _finite_or_none(np.std(changes, ddof=1))
            interval = ttest_rel(after, before).confidence_interval(confidence_level=confidence)
            ci_low = _finite_or_none(interval.low)
            ci_high = _finite_or_none(interval.high)
            if mean_change is not None and sd_change:
                effect = _finite_or_none(mean_change / sd_change)
            if effect is not None:
                effect_limits = effect_size_interval(effect, n, confidence=confidence)
                if effect_limits is None:
                    interval_reason = EFFECT_SIZE_INTERVAL_FAILED_REASON
                else:
                    effect_low, effect_high = effect_limits
        if ci_low is None or ci_high is None:
            ci_low = ci_high = None

    improved = unchanged = deteriorated = None
    share_improved = share_unchanged = share_deteriorated = None
    reliable_reason: str | None = None
    if reliability is None or sd is None:
        reliable_reason = NO_RELIABILITY_REASON
    else:
        movements = [
            classify_change(
                float(change), higher_is_better=higher_is_better, reliability=reliability, sd=sd
            )
            for change in changes
        ]
        improved = movements.count(IMPROVED)
        unchanged = movements.count(NO_RELIABLE_CHANGE)
        deteriorated = movements.count(DETERIORATED)
        if n:
            share_improved, share_unchanged, share_deteriorated = (
                improved / n,
                unchanged / n,
                deteriorated / n,
            )
        else:
            reliable_reason = NO_PAIRS_REASON

    return ChangeSummary(
        higher_is_better=higher_is_better,
        confidence=confidence,
        n_students=len(seen),
        n_paired=n,
        n_missing_follow_up=missing_follow_up,
        n_missing_baseline=missing_baseline,
        n_missing_both=missing_both,
        mean_baseline=mean_baseline,
        mean_follow_up=mean_follow_up,
        mean_change=mean_change,
        sd_change=sd_change,
        mean_change_ci_low=ci_low,
        mean_change_ci_high=ci_high,
        effect_size=effect,
        effect_size_ci_low=effect_low,
        effect_size_ci_high=effect_high,
        interval_reason=interval_reason,
        reliable_change_points=threshold_points,
        n_reliably_improved=improved,
        n_no_reliable_change=unchanged,
        n_reliably_deteriorated=deteriorated,
        share_reliably_improved=share_improved,
        share_no_reliable_change=share_unchanged,
        share_reliably_deteriorated=share_deteriorated,
        reliable_change_reason=reliable_reason,
    )


# ------------------------------------------------------------------ Goal-Based Outcomes


def goal_progress(
    goals: Iterable[tuple[Key, Hashable, float, float | None]],
    *,
    reliable_change_points: float = GBO_RELIABLE_CHANGE_POINTS,
    confidence: float = 0.95,
) -> GoalProgress:
    """Progress on Goal-Based Outcomes goals.

    ``goals`` holds (student, goal, first rating, latest rating), the latest None
    until the goal has been rated a second time; each (student, goal) at most once.
    A goal whose rating rose by ``reliable_change_points`` or more reliably improved;
    one that fell by as much reliably deteriorated."""
    if not (math.isfinite(reliable_change_points) and reliable_change_points > 0):
        raise ValueError(
            f"The reliable change for goals must be above 0, not {reliable_change_points!r}."
        )
    seen: set[tuple[StudentKey, Hashable]] = set()
    rows: list[GoalChange] = []
    for student, goal, raw_first, raw_latest in goals:
        if (student, goal) in seen:
            raise ValueError(f"Goal {goal!r} of student {student!r} appears more than once.")
        seen.add((student, goal))
        first = _check_goal_rating(raw_first)
        if first is None:
            raise ValueError(f"Goal {goal!r} of student {student!r} has no first rating.")
        latest = _check_goal_rating(raw_latest)
        change = None if latest is None else latest - first
        movement: Movement | None = None
        if change is not None:
            if change >= reliable_change_points:
                movement = IMPROVED
            elif change <= -reliable_change_points:
                movement = DETERIORATED
            else:
                movement = NO_RELIABLE_CHANGE
        rows.append(GoalChange(student, goal, first, latest, change, movement))

    changes = [row.change for row in rows if row.change is not None]
    movements = [row.movement for row in rows if row.movement is not None]
    rated_twice = len(changes)

    def share(count: int) -> float | None:
        return count / rated_twice if rated_twice else None

    improved = movements.count(IMPROVED)
    unchanged = movements.count(NO_RELIABLE_CHANGE)
    deteriorated = movements.count(DETERIORATED)

    # Each student's mean first and mean latest rating over the goals rated twice; a
    # student with no goal rated twice yet counts as missing a follow-up, like any
    # other measure.
    goals_of: dict[StudentKey, list[GoalChange]] = defaultdict(list)
    for row in rows:
        goals_of[row.student].append(row)
    per_student_pairs: list[tuple[StudentKey, float | None, float | None]] = []
    for owner, own in goals_of.items():
        rated = [row for row in own if row.latest_rating is not None]
        if rated:
            per_student_pairs.append(
                (
                    owner,
                    float(np.mean([row.first_rating for row in rated])),
                    float(np.mean([row.latest_rating for row in rated])),
                )
            )
        else:
            per_student_pairs.append((owner, float(np.mean([r.first_rating for r in own])), None))
    return GoalProgress(
        goals=tuple(rows),
        n_goals=len(rows),
        n_goals_rated_twice=rated_twice,
        n_goals_missing_latest=len(rows) - rated_twice,
        n_students=len(goals_of),
        reliable_change_points=reliable_change_points,
        mean_goal_change=_finite_or_none(np.mean(changes)) if changes else None,
        n_goals_reliably_improved=improved,
        n_goals_no_reliable_change=unchanged,
        n_goals_reliably_deteriorated=deteriorated,
        share_goals_reliably_improved=share(improved),
        share_goals_no_reliable_change=share(unchanged),
        share_goals_reliably_deteriorated=share(deteriorated),
        per_student=change_summary(per_student_pairs, higher_is_better=True, confidence=confidence),
    )


def _check_goal_rating(value: float | None) -> float | None:
    rating = _check_score(value, "A goal rating")
    if rating is not None and not GBO_LOWEST <= rating <= GBO_HIGHEST:
        raise ValueError(
            f"A goal rating must be from {GBO_LOWEST:g} to {GBO_HIGHEST:g}, not {value!r}."
        )
    return rating


# ------------------------------------------------------------------ subgroups


def suppressed_subgroups(sizes: Mapping[str, tuple[int, int]], *, threshold: int) -> dict[str, str]:
    """Which subgroups to hide, with the reason for each.

    ``sizes`` maps each subgroup's label to (students in it, students with both
    scores). A subgroup is hidden when it has fewer than ``threshold`` students, or
    between 1 and ``threshold`` - 1 students with both scores (a mean of two students
    tells each of them the other's score). Then, since the totals are published, the
    hidden subgroups together must also pass that test; while they do not, the
    smallest shown subgroup (fewest students, then fewest with both scores, then by
    label) is hidden too."""
    if threshold < 0:
        raise ValueError(f"The suppression threshold cannot be below 0, not {threshold!r}.")

    def too_small(students: int, paired: int) -> bool:
        return students < threshold or 0 < paired < threshold

    hidden = {
        label: SMALL_GROUP_REASON.format(threshold=threshold)
        for label, (students, paired) in sizes.items()
        if too_small(students, paired)
    }
    while hidden:
        students = sum(sizes[label][0] for label in hidden)
        paired = sum(sizes[label][1] for label in hidden)
        shown = [label for label in sizes if label not in hidden]
        if not too_small(students, paired) or not shown:
            break
        smallest = min(shown, key=lambda label: (sizes[label][0], sizes[label][1], label))
        hidden[smallest] = SECONDARY_REASON
    return hidden


def _group_label(groups: Mapping[Key, str], student: Key) -> str:
    label = groups.get(student)
    return label if label else NOT_RECORDED


def by_subgroup(
    pairs: Iterable[tuple[Key, float | None, float | None]],
    groups: Mapping[Key, str],
    *,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    higher_is_better: bool,
    reliability: float | None = None,
    sd: float | None = None,
    confidence: float = 0.95,
) -> list[Subgroup[ChangeSummary]]:
    """:func:`change_summary` for each subgroup of one grouping (pupil premium, SEN
    status, gender, year or ethnic group), in label order, with the small ones
    suppressed as :func:`suppressed_subgroups` says. A student with no label is in
    "Not recorded"."""
    members: dict[str, list[tuple[Key, float | None, float | None]]] = defaultdict(list)
    for student, baseline, follow_up in pairs:
        members[_group_label(groups, student)].append((student, baseline, follow_up))
    summaries = {
        label: change_summary(
            rows,
            higher_is_better=higher_is_better,
            reliability=reliability,
            sd=sd,
            confidence=confidence,
        )
        for label, rows in members.items()
    }
    hidden = suppressed_subgroups(
        {label: (s.n_students, s.n_paired) for label, s in summaries.items()},
        threshold=threshold,
    )
    return [
        Subgroup(
            label, label in hidden, None if label in hidden else summaries[label], hidden.get(label)
        )
        for label in sorted(summaries)
    ]


def goal_progress_by_subgroup(
    goals: Iterable[tuple[Key, Hashable, float, float | None]],
    groups: Mapping[Key, str],
    *,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    reliable_change_points: float = GBO_RELIABLE_CHANGE_POINTS,
    confidence: float = 0.95,
) -> list[Subgroup[GoalProgress]]:
    """:func:`goal_progress` for each subgroup of one grouping, suppressed by the
    number of students (not goals) in it, as :func:`suppressed_subgroups` says."""
    members: dict[str, list[tuple[Key, Hashable, float, float | None]]] = defaultdict(list)
    for student, goal, first, latest in goals:
        members[_group_label(groups, student)].append((student, goal, first, latest))
    progress = {
        label: goal_progress(
            rows, reliable_change_points=reliable_change_points, confidence=confidence
        )
        for label, rows in members.items()
    }
    hidden = suppressed_subgroups(
        {label: (p.n_students, p.per_student.n_paired) for label, p in progress.items()},
        threshold=threshold,
    )
    return [
        Subgroup(
            label, label in hidden, None if label in hidden else progress[label], hidden.get(label)
        )
        for label in sorted(progress)
    ]
