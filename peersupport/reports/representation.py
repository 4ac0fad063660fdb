"""Who takes part compared with the school roll: pure statistics, no Django.

For one side (students supported, or peer mentors) and one characteristic (pupil
premium, SEN status, ethnic group...), each group has ``k`` of the ``n`` taking
part and ``K`` of the ``N`` on the roll. Those taking part are part of the roll.

- Share taking part ``p = k / n``; share on the roll ``P = K / N``; the difference
  ``p - P`` in percentage points.
- The roll is the whole population, not a sample, so its share ``P`` is treated as
  known. The 95% confidence interval of the difference is the Wilson interval of
  the participants' proportion ``k / n`` minus ``P``.
- The test is the exact two-sided binomial test of ``k`` successes in ``n`` trials
  against ``P`` (``scipy.stats.binomtest``): would a random draw of ``n`` from the
  roll often give a share this far from ``P``? Both the test and the Wilson interval
  treat those taking part as drawn with replacement (binomial). They are in fact
  drawn without replacement from a finite roll (hypergeometric), whose variance is
  smaller by the factor ``(N - n) / (N - 1)``, so both are conservative (intervals
  too wide, p-values too large), markedly so when much of the roll takes part.
- Many groups are compared at once, so the p-values of every tested group of every
  characteristic of one side are adjusted together (Benjamini-Hochberg, with
  ``scipy.stats.false_discovery_control``); a group is flagged as under- or
  over-represented when its adjusted p-value is below 0.05.
- No test where it means nothing (nobody taking part, nobody on the roll in the
  group, or everyone on the roll in it): a stated reason, never NaN.

Suppression (DESIGN.md): a count from 1 to ``threshold - 1`` is never shown, nor
anything it could be worked out from (its share and difference), and a hidden
group is neither tested nor flagged (a flag would say something about it). Zero is
shown: "nobody in this group takes part" is what the page is for. A group is also
hidden when fewer than the threshold of its members on the roll do not take part
(none included: "7 of 7" says each of them takes part). Hidden groups of a
characteristic must add up to at least the threshold (and be two at least), else
the next smallest are hidden too, so that none can be recovered from the total.
Hidden roll counts are chosen from the roll counts alone (``roll_hidden_keys``) so
that both sides hide the same ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import binomtest, false_discovery_control

ALPHA = 0.05
CONFIDENCE = 0.95

UNDER = "under"
OVER = "over"

REASON_NOBODY_TAKING_PART = "Nobody is taking part, so there is nothing to compare."
REASON_NONE_ON_ROLL = "Nobody on the roll is in this group."
REASON_ALL_ON_ROLL = "Everyone on the roll is in this group, so there is nothing to compare."
REASON_HIDDEN = "Fewer than {threshold}: hidden to protect privacy."
REASON_HIDDEN_COMPLEMENT = (
    "Hidden to protect privacy: fewer than {threshold} taking part, on the roll, "
    "or on the roll but not taking part."
)
REASON_HIDDEN_SECONDARY = (
    "Hidden so that a smaller hidden group cannot be worked out from the total."
)


@dataclass(frozen=True)
class GroupCount:
    """One group's counts: ``taking_part`` of the side's total, ``on_roll`` of the
    roll's total."""

    key: str
    label: str
    taking_part: int
    on_roll: int


@dataclass
class GroupComparison:
    """One group compared: the figures shown, or why they are not."""

    key: str
    label: str
    taking_part: int | None
    on_roll: int | None
    share: float | None = None  # 0..1 among those taking part
    roll_share: float | None = None  # 0..1 on the roll
    difference_points: float | None = None
    ci_low_points: float | None = None
    ci_high_points: float | None = None
    p_value: float | None = None
    adjusted_p_value: float | None = None
    flag: str = ""  # UNDER, OVER or ""
    reason: str = ""  # why there is no test, or why the figures are hidden
    hidden: bool = False

    @property
    def share_percent(self) -> float | None:
        return None if self.share is None else self.share * 100

    @property
    def roll_percent(self) -> float | None:
        return None if self.roll_share is None else self.roll_share * 100


@dataclass
class CharacteristicComparison:
    key: str
    heading: str
    groups: list[GroupComparison] = field(default_factory=list)


@dataclass
class SideComparison:
    """Every characteristic of one side, tested together."""

    taking_part_total: int
    roll_total: int
    characteristics: list[CharacteristicComparison]
    total_hidden: bool = False


def is_small(count: int, threshold: int) -> bool:
    """A count that must not be shown: from 1 to ``threshold - 1``."""
    return 0 < count < threshold


def _grow(
    hidden: set[str],
    groups: Sequence[GroupCount],
    threshold: int,
    count: Callable[[GroupCount], int],
    order: Callable[[GroupCount], tuple[Any, ...]],
) -> set[str]:
    """Hide more groups, in ``order``, until no hidden count can be worked out from
    the total: at least two hidden, adding up (by ``count``) to at least the
    threshold, or every group hidden."""
    hidden = set(hidden)
    while hidden and (
        len(hidden) < 2 or sum(count(g) for g in groups if g.key in hidden) < threshold
    ):
        rest = sorted((g for g in groups if g.key not in hidden), key=order)
        if not rest:
            break
        hidden.add(rest[0].key)
    return hidden


def roll_hidden_keys(
    groups: Sequence[GroupCount], threshold: int, forced: Iterable[str] = ()
) -> set[str]:
    """The groups whose count on the roll is hidden, chosen from the roll counts
    alone so that both sides hide the same ones (were they chosen from each side's
    own counts, a count hidden on one side could be subtracted from the roll total
    with the counts shown on the other). A small count on the roll is hidden, and
    then the next smallest groups on the roll until the hidden ones add up to at
    least the threshold (two at least). ``forced`` are hidden whatever their count
    (a parent group hidden elsewhere)."""
    keys = {g.key for g in groups}
    hidden = {g.key for g in groups if is_small(g.on_roll, threshold)} | (set(forced) & keys)
    return _grow(
        hidden,
        groups,
        threshold,
        lambda g: g.on_roll,
        lambda g: (g.on_roll == 0, g.on_roll, g.key),
    )


def primary_hidden(group: GroupCount, threshold: int) -> bool:
    """A group hidden for its own counts: fewer than the threshold (but some) taking
    part or on the roll, or fewer than the threshold (none included) of a group on
    the roll not taking part. The last rule is the complement: "28 of 30 take part"
    says that all but 2 of them do, and "7 of 7 with an EHC plan take part" says
    of each of the 7 that they are supported. (A threshold of 1 hides nothing.)"""
    return (
        is_small(group.taking_part, threshold)
        or is_small(group.on_roll, threshold)
        or (threshold > 1 and group.on_roll > 0 and group.on_roll - group.taking_part < threshold)
    )


def hidden_keys(
    groups: Sequence[GroupCount],
    threshold: int,
    roll_hidden: set[str] | None = None,
    forced: Iterable[str] = (),
) -> set[str]:
    """The groups of one characteristic hidden on one side: those hidden on the roll
    (``roll_hidden_keys``, worked out here when not given), those hidden for their
    own counts (``primary_hidden``), ``forced`` ones, and then the next smallest
    groups taking part until the hidden ones add up to at least the threshold
    taking part (two at least), so none of them can be worked out from the side's
    total. A group with nobody taking part is the page's most telling row, so
    groups with someone taking part are hidden before it."""
    if roll_hidden is None:
        roll_hidden = roll_hidden_keys(groups, threshold)
    keys = {g.key for g in groups}
    hidden = (
        set(roll_hidden)
        | {g.key for g in groups if primary_hidden(g, threshold)}
        | (set(forced) & keys)
    )
    return _grow(
        hidden,
        groups,
        threshold,
        lambda g: g.taking_part,
        lambda g: (g.taking_part == 0, g.taking_part, g.on_roll, g.key),
    )


def nested_hidden_keys(
    groups: Sequence[GroupCount],
    parent_of: Mapping[str, str],
    threshold: int,
    *,
    parents_roll_hidden: set[str],
    parents_hidden: set[str],
) -> tuple[set[str], set[str]]:
    """(roll hidden, side hidden) for groups that split parent groups shown
    elsewhere (detailed ethnicity codes within the major groups): every child of a
    hidden parent is hidden, and within each other parent the children are hidden
    as above among themselves, so that no hidden child can be worked out by
    subtracting its shown siblings from its parent's count."""
    roll_hidden: set[str] = set()
    side_hidden: set[str] = set()
    for parent in dict.fromkeys(parent_of.get(g.key, g.key) for g in groups):
        children = [g for g in groups if parent_of.get(g.key, g.key) == parent]
        keys = {g.key for g in children}
        roll = roll_hidden_keys(children, threshold, keys if parent in parents_roll_hidden else ())
        side = hidden_keys(children, threshold, roll, keys if parent in parents_hidden else ())
        roll_hidden |= roll
        side_hidden |= side
    return roll_hidden, side_hidden


def hidden_reason(group: GroupCount, threshold: int, total_hidden: bool = False) -> str:
    """Why a hidden group is hidden: its own small count, or another's."""
    if total_hidden or is_small(group.taking_part, threshold) or is_small(group.on_roll, threshold):
        return REASON_HIDDEN.format(threshold=threshold)
    if primary_hidden(group, threshold):
        return REASON_HIDDEN_COMPLEMENT.format(threshold=threshold)
    return REASON_HIDDEN_SECONDARY


def wilson_interval(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval of the proportion ``k / n`` (n > 0)."""
    interval = binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return float(interval.low), float(interval.high)


def compare_side(
    characteristics: Sequence[tuple[str, str, Sequence[GroupCount]]],
    *,
    taking_part_total: int,
    roll_total: int,
    threshold: int,
    hidden: Mapping[str, set[str]] | None = None,
) -> SideComparison:
    """Compare one side with the roll on every characteristic, adjusting the tests of
    all of them together. ``characteristics`` holds (key, heading, groups);
    ``hidden`` the groups to hide of a characteristic when worked out by the caller
    (``nested_hidden_keys``), else ``hidden_keys``."""
    total_hidden = is_small(taking_part_total, threshold)
    result: list[CharacteristicComparison] = []
    tested: list[GroupComparison] = []
    for key, heading, groups in characteristics:
        if total_hidden:
            hidden_here = {g.key for g in groups}
        elif hidden is not None and key in hidden:
            hidden_here = hidden[key]
        else:
            hidden_here = hidden_keys(groups, threshold)
        rows = []
        for group in groups:
            if group.key in hidden_here:
                rows.append(
                    GroupComparison(
                        key=group.key,
                        label=group.label,
                        taking_part=None,
                        on_roll=None,
                        hidden=True,
                        reason=hidden_reason(group, threshold, total_hidden),
                    )
                )
                continue
            row = _compared(group, taking_part_total, roll_total)
            if row.p_value is not None:
                tested.append(row)
            rows.append(row)
        result.append(CharacteristicComparison(key, heading, rows))
    _adjust(tested)
    return SideComparison(
        taking_part_total=taking_part_total,
        roll_total=roll_total,
        characteristics=result,
        total_hidden=total_hidden,
    )


def _compared(group: GroupCount, n: int, big_n: int) -> GroupComparison:
    k, big_k = group.taking_part, group.on_roll
    row = GroupComparison(key=group.key, label=group.label, taking_part=k, on_roll=big_k)
    row.roll_share = big_k / big_n if big_n else None
    if n == 0:
        row.reason = REASON_NOBODY_TAKING_PART
        return row
    row.share = k / n
    if big_k == 0:
        row.reason = REASON_NONE_ON_ROLL
        return row
    roll_share = big_k / big_n
    row.difference_points = (row.share - roll_share) * 100
    low, high = wilson_interval(k, n)
    row.ci_low_points = (low - roll_share) * 100
    row.ci_high_points = (high - roll_share) * 100
    if big_k == big_n:
        row.reason = REASON_ALL_ON_ROLL
        return row
    row.p_value = float(binomtest(k, n, roll_share, alternative="two-sided").pvalue)
    return row


def _adjust(rows: list[GroupComparison]) -> None:
    """Benjamini-Hochberg across every tested group of the side, then the flags."""
    if not rows:
        return
    raw = [row.p_value for row in rows]
    adjusted = false_discovery_control(raw) if len(raw) > 1 else raw
    for row, p in zip(rows, adjusted, strict=True):
        row.adjusted_p_value = min(float(p), 1.0)  # type: ignore[arg-type]
        if row.adjusted_p_value < ALPHA and row.share is not None and row.roll_share is not None:
            row.flag = UNDER if row.share < row.roll_share else OVER


def share_hidden(k: int, n: int, threshold: int) -> bool:
    """Whether a share ``k / n`` must be hidden: it would disclose a small count in
    the group (k) or outside it (n - k)."""
    return n == 0 or is_small(k, threshold) or is_small(n - k, threshold)
