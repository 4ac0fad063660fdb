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
  roll often give a share this far from ``P``?
- Many groups are compared at once, so the p-values of every tested group of every
  characteristic of one side are adjusted together (Benjamini-Hochberg, with
  ``scipy.stats.false_discovery_control``); a group is flagged as under- or
  over-represented when its adjusted p-value is below 0.05.
- No test where it means nothing (nobody taking part, nobody on the roll in the
  group, or everyone on the roll in it): a stated reason, never NaN.

Suppression (DESIGN.md): a count from 1 to ``threshold - 1`` is never shown, nor
anything it could be worked out from (its share and difference), and a hidden
group is neither tested nor flagged (a flag would say something about it). Zero is
shown: "nobody in this group takes part" is what the page is for. If exactly one
group of a characteristic is hidden it could be recovered from the total, so the
next smallest group is hidden too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scipy.stats import binomtest, false_discovery_control

ALPHA = 0.05
CONFIDENCE = 0.95

UNDER = "under"
OVER = "over"

REASON_NOBODY_TAKING_PART = "Nobody is taking part, so there is nothing to compare."
REASON_NONE_ON_ROLL = "Nobody on the roll is in this group."
REASON_ALL_ON_ROLL = "Everyone on the roll is in this group, so there is nothing to compare."
REASON_HIDDEN = "Fewer than {threshold}: hidden to protect privacy."
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


def hidden_keys(groups: Sequence[GroupCount], threshold: int) -> set[str]:
    """The groups of one characteristic to hide: those with a small count taking part
    or on the roll, and, when that leaves exactly one hidden, the next smallest too
    (so the hidden one cannot be recovered by subtracting the others from the
    totals)."""
    hidden = {
        g.key
        for g in groups
        if is_small(g.taking_part, threshold) or is_small(g.on_roll, threshold)
    }
    if len(hidden) == 1:
        # A group with nobody taking part is the page's most telling row, so the
        # next smallest group with someone taking part is hidden rather than it
        # (the hidden pair's split is unknown either way).
        others = sorted(
            (g for g in groups if g.key not in hidden and g.on_roll > 0),
            key=lambda g: (g.taking_part == 0, g.taking_part, g.on_roll, g.key),
        )
        if others:
            hidden.add(others[0].key)
    return hidden


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
) -> SideComparison:
    """Compare one side with the roll on every characteristic, adjusting the tests of
    all of them together. ``characteristics`` holds (key, heading, groups)."""
    total_hidden = is_small(taking_part_total, threshold)
    result: list[CharacteristicComparison] = []
    tested: list[GroupComparison] = []
    for key, heading, groups in characteristics:
        hidden = {g.key for g in groups} if total_hidden else hidden_keys(groups, threshold)
        rows = []
        for group in groups:
            if group.key in hidden:
                small = is_small(group.taking_part, threshold) or is_small(group.on_roll, threshold)
                rows.append(
                    GroupComparison(
                        key=group.key,
                        label=group.label,
                        taking_part=None,
                        on_roll=None,
                        hidden=True,
                        reason=(
                            REASON_HIDDEN.format(threshold=threshold)
                            if small or total_hidden
                            else REASON_HIDDEN_SECONDARY
                        ),
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
