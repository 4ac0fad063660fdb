"""The representation statistics against values worked out independently here: the
Wilson interval by its formula, the exact two-sided binomial p-value by summing the
probabilities of every outcome no more likely than the one seen, and the
Benjamini-Hochberg adjustment by its step-up definition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from peersupport.reports.representation import (
    OVER,
    REASON_ALL_ON_ROLL,
    REASON_HIDDEN_COMPLEMENT,
    REASON_HIDDEN_SECONDARY,
    REASON_NOBODY_TAKING_PART,
    REASON_NONE_ON_ROLL,
    UNDER,
    GroupCount,
    compare_side,
    hidden_keys,
    nested_hidden_keys,
    share_hidden,
)

Z = 1.959963984540054  # the 97.5th centile of the standard normal


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    denominator = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denominator
    half = Z / denominator * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def exact_two_sided(k: int, n: int, p: float) -> float:
    pmf = binom.pmf(np.arange(n + 1), n, p)
    return float(min(1.0, pmf[pmf <= pmf[k] * (1 + 1e-7)].sum()))


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = running
    return adjusted


def one_characteristic(groups: list[GroupCount], n: int, big_n: int, threshold: int = 5):  # type: ignore[no-untyped-def]
    return compare_side(
        [("c", "C", groups)], taking_part_total=n, roll_total=big_n, threshold=threshold
    )


def test_share_difference_interval_and_p_value_match_independent_computation() -> None:
    # 40 mentors, 6 pupil premium; 600 on roll, 180 pupil premium (30%).
    side = one_characteristic(
        [GroupCount("yes", "PP", 6, 180), GroupCount("no", "Not PP", 34, 420)], 40, 600
    )
    pp, not_pp = side.characteristics[0].groups
    assert pp.share == pytest.approx(6 / 40)
    assert pp.roll_share == pytest.approx(0.3)
    assert pp.difference_points == pytest.approx((6 / 40 - 0.3) * 100)
    low, high = wilson(6, 40)
    assert pp.ci_low_points == pytest.approx((low - 0.3) * 100, abs=1e-9)
    assert pp.ci_high_points == pytest.approx((high - 0.3) * 100, abs=1e-9)
    assert pp.p_value == pytest.approx(exact_two_sided(6, 40, 0.3), rel=1e-9)
    assert not_pp.p_value == pytest.approx(exact_two_sided(34, 40, 0.7), rel=1e-9)
    expected = benjamini_hochberg([pp.p_value, not_pp.p_value])  # type: ignore[list-item]
    assert [pp.adjusted_p_value, not_pp.adjusted_p_value] == pytest.approx(expected)


def test_p_values_are_adjusted_across_every_characteristic_of_the_side() -> None:
    first = [GroupCount("a", "A", 30, 300), GroupCount("b", "B", 70, 300)]
    second = [GroupCount("x", "X", 45, 250), GroupCount("y", "Y", 55, 350)]
    side = compare_side(
        [("one", "One", first), ("two", "Two", second)],
        taking_part_total=100,
        roll_total=600,
        threshold=5,
    )
    rows = [g for c in side.characteristics for g in c.groups]
    raw = [exact_two_sided(g.taking_part, 100, g.on_roll / 600) for g in rows]  # type: ignore[operator]
    assert [g.p_value for g in rows] == pytest.approx(raw, rel=1e-9)
    assert [g.adjusted_p_value for g in rows] == pytest.approx(benjamini_hochberg(raw), rel=1e-9)
    assert rows[0].flag == UNDER  # 30% of those taking part, half the roll
    assert rows[1].flag == OVER


def test_a_group_with_nobody_taking_part_is_shown_tested_and_flagged() -> None:
    side = one_characteristic(
        [GroupCount("black", "Black", 0, 120), GroupCount("white", "White", 50, 480)], 50, 600
    )
    black = side.characteristics[0].groups[0]
    assert black.taking_part == 0 and black.on_roll == 120
    assert black.share == 0
    assert black.difference_points == pytest.approx(-20.0)
    low, high = wilson(0, 50)
    assert black.ci_low_points == pytest.approx((low - 0.2) * 100, abs=1e-9)
    assert black.ci_high_points == pytest.approx((high - 0.2) * 100, abs=1e-9)
    assert black.p_value == pytest.approx(exact_two_sided(0, 50, 0.2), rel=1e-9)
    assert black.flag == UNDER


def test_nobody_taking_part_gives_no_test_and_a_reason_not_nan() -> None:
    side = one_characteristic(
        [GroupCount("yes", "PP", 0, 100), GroupCount("no", "Not PP", 0, 200)], 0, 300
    )
    for group in side.characteristics[0].groups:
        assert group.p_value is None and group.share is None and group.flag == ""
        assert group.reason == REASON_NOBODY_TAKING_PART


def test_a_group_nobody_on_the_roll_is_in_or_everyone_is_gives_no_test() -> None:
    side = one_characteristic(
        [GroupCount("all", "All", 20, 200), GroupCount("none", "None", 0, 0)], 20, 200
    )
    everyone, nobody = side.characteristics[0].groups
    assert everyone.p_value is None and everyone.reason == REASON_ALL_ON_ROLL
    assert nobody.p_value is None and nobody.reason == REASON_NONE_ON_ROLL
    for value in (everyone.difference_points, everyone.ci_low_points, everyone.ci_high_points):
        assert value is not None and not math.isnan(value)


def test_a_group_of_three_is_hidden_untested_and_unflagged_and_so_is_the_next_smallest() -> None:
    groups = [
        GroupCount("a", "A", 3, 40),
        GroupCount("b", "B", 8, 60),
        GroupCount("c", "C", 39, 500),
    ]
    side = one_characteristic(groups, 50, 600)
    a, b, c = side.characteristics[0].groups
    for hidden in (a, b):
        assert hidden.hidden
        assert hidden.taking_part is None and hidden.on_roll is None
        assert hidden.share is None and hidden.difference_points is None
        assert hidden.p_value is None and hidden.adjusted_p_value is None and hidden.flag == ""
    assert "Fewer than 5" in a.reason
    assert "worked out" in b.reason
    assert not c.hidden and c.taking_part == 39
    # The adjustment counts only the groups tested: here one.
    assert c.adjusted_p_value == pytest.approx(c.p_value)


def test_a_small_count_on_the_roll_hides_the_group_too() -> None:
    # The second group hidden on the roll is chosen from the roll: the next smallest (90).
    assert hidden_keys(
        [GroupCount("a", "A", 0, 2), GroupCount("b", "B", 10, 100), GroupCount("c", "C", 20, 90)],
        5,
    ) == {"a", "c"}


def test_two_small_groups_adding_up_to_the_threshold_are_enough() -> None:
    assert hidden_keys(
        [GroupCount("a", "A", 1, 30), GroupCount("b", "B", 4, 30), GroupCount("c", "C", 20, 90)],
        5,
    ) == {"a", "b"}


def test_hidden_groups_adding_up_to_fewer_than_the_threshold_hide_another() -> None:
    # 1 + 3 hidden would give away "4 in A and B together" (50 - 46).
    assert hidden_keys(
        [GroupCount("a", "A", 1, 30), GroupCount("b", "B", 3, 30), GroupCount("c", "C", 46, 90)],
        5,
    ) == {"a", "b", "c"}


def test_both_sides_hide_the_same_roll_counts_so_none_can_be_subtracted_from_the_roll() -> None:
    # Roll 343 = 3 + 40 + 200 + 100. Chosen from each side's own counts, one side hid
    # A and B, the other A and C, and 343 - 40 - 200 - 100 gave A's 3 on the roll.
    def side(taking: tuple[int, int, int, int]):  # type: ignore[no-untyped-def]
        rolls = (3, 40, 200, 100)
        groups = [GroupCount(k, k, t, r) for k, t, r in zip("ABCD", taking, rolls, strict=True)]
        return one_characteristic(groups, sum(taking), sum(rolls))

    sides = [side((2, 5, 30, 20)), side((0, 30, 6, 20))]
    rolls = {"A": 3, "B": 40, "C": 200, "D": 100}
    shown = {g.key for s in sides for g in s.characteristics[0].groups if g.on_roll is not None}
    unknown = rolls.keys() - shown
    assert len(unknown) >= 2 and sum(rolls[k] for k in unknown) >= 5
    for s in sides:
        assert {g.key for g in s.characteristics[0].groups if g.on_roll is None} >= {"A", "B"}


@pytest.mark.parametrize(
    ("taking_part", "on_roll"),
    [(28, 30), (7, 7), (200, 202)],
    ids=["all but two", "all of a small group", "all but two of a big group"],
)
def test_a_group_nearly_all_or_all_of_whom_take_part_is_hidden(
    taking_part: int, on_roll: int
) -> None:
    side = one_characteristic(
        [
            GroupCount("g", "G", taking_part, on_roll),
            GroupCount("x", "X", 40, 400),
            GroupCount("y", "Y", 60, 600),
        ],
        taking_part + 100,
        on_roll + 1000,
    )
    g, x, _y = side.characteristics[0].groups
    assert g.hidden and g.taking_part is None and g.on_roll is None
    assert g.reason == REASON_HIDDEN_COMPLEMENT.format(threshold=5)
    assert x.hidden and x.reason == REASON_HIDDEN_SECONDARY


def test_five_on_the_roll_not_taking_part_is_enough_to_show_the_group() -> None:
    assert hidden_keys([GroupCount("g", "G", 25, 30), GroupCount("x", "X", 40, 400)], 5) == set()


def test_detailed_codes_are_hidden_within_their_major_group() -> None:
    # Black 23 of 100 (shown in the major-group view): B1 3 and B2 20; White W1 6, W2 40.
    # Hiding B1 and W1 would give B1 = 23 - 20 from the major-group view.
    groups = [
        GroupCount("B1", "B1", 3, 50),
        GroupCount("B2", "B2", 20, 50),
        GroupCount("W1", "W1", 6, 100),
        GroupCount("W2", "W2", 40, 200),
    ]
    parent_of = {"B1": "Black", "B2": "Black", "W1": "White", "W2": "White"}
    roll, hidden = nested_hidden_keys(
        groups, parent_of, 5, parents_roll_hidden=set(), parents_hidden=set()
    )
    assert hidden == {"B1", "B2"} and roll == set()
    # A major group hidden in its own view hides each of its codes.
    roll, hidden = nested_hidden_keys(
        groups, parent_of, 5, parents_roll_hidden={"White"}, parents_hidden={"White"}
    )
    assert hidden == {"B1", "B2", "W1", "W2"} and roll == {"W1", "W2"}


def test_a_group_with_nobody_taking_part_is_not_the_one_hidden_beside_a_small_group() -> None:
    assert hidden_keys(
        [GroupCount("a", "A", 2, 30), GroupCount("b", "B", 0, 80), GroupCount("c", "C", 20, 90)],
        5,
    ) == {"a", "c"}


def test_fewer_than_five_taking_part_hides_every_group() -> None:
    side = one_characteristic(
        [GroupCount("yes", "PP", 0, 100), GroupCount("no", "Not PP", 4, 200)], 4, 300
    )
    assert side.total_hidden
    assert all(g.hidden and g.taking_part is None for g in side.characteristics[0].groups)


def test_a_share_is_hidden_when_it_would_reveal_a_small_count_inside_or_outside_the_group() -> None:
    assert share_hidden(3, 40, 5)
    assert share_hidden(37, 40, 5)
    assert not share_hidden(0, 40, 5)
    assert not share_hidden(10, 40, 5)
    assert share_hidden(0, 0, 5)


def test_the_method_says_the_draw_is_treated_as_with_replacement() -> None:
    from peersupport.reports import representation

    assert "with replacement" in (representation.__doc__ or "")


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=5, max_value=200).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n))
    ),
    st.integers(min_value=1, max_value=999),
)
def test_any_counts_agree_with_the_independent_interval_and_test(
    counts: tuple[int, int], roll_permille: int
) -> None:
    n, k = counts
    big_n = 1000 * 10
    big_k = roll_permille * 10
    side = one_characteristic([GroupCount("g", "G", k, big_k)], n, big_n, threshold=1)
    group = side.characteristics[0].groups[0]
    share = big_k / big_n
    low, high = wilson(k, n)
    assert group.ci_low_points == pytest.approx((low - share) * 100, abs=1e-7)
    assert group.ci_high_points == pytest.approx((high - share) * 100, abs=1e-7)
    assert group.p_value == pytest.approx(exact_two_sided(k, n, share), rel=1e-6, abs=1e-12)
