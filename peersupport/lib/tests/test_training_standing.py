"""Where someone stands with a module, on the days either side of running out."""

from __future__ import annotations

import datetime

from peersupport.lib.training_standing import (
    COMPLETE,
    EXPIRED,
    EXPIRING,
    MISSING,
    Standing,
    standing,
)

D = datetime.date
DONE = D(2025, 12, 1)
RUNS_OUT = D(2026, 12, 1)


def test_a_completion_counts_until_the_day_before_it_runs_out() -> None:
    held = [(DONE, RUNS_OUT)]
    assert standing(held, D(2026, 10, 31)) == Standing(COMPLETE, DONE, RUNS_OUT)  # 31 days
    assert standing(held, D(2026, 11, 1)) == Standing(EXPIRING, DONE, RUNS_OUT)  # 30 days
    assert standing(held, D(2026, 11, 30)) == Standing(EXPIRING, DONE, RUNS_OUT)
    assert standing(held, D(2026, 12, 1)) == Standing(EXPIRED, DONE, RUNS_OUT)


def test_a_completion_without_an_end_lasts_for_good_and_a_future_one_does_not_count() -> None:
    assert standing([(DONE, None)], D(2040, 1, 1)).status == COMPLETE
    assert standing([(D(2026, 12, 2), None)], D(2026, 12, 1)) == Standing(MISSING)
    assert standing([], D(2026, 12, 1)) == Standing(MISSING)


def test_the_completion_lasting_longest_is_the_one_shown() -> None:
    renewed = [(DONE, RUNS_OUT), (D(2026, 11, 20), D(2027, 11, 20))]
    assert standing(renewed, D(2026, 12, 5)) == Standing(COMPLETE, D(2026, 11, 20), D(2027, 11, 20))
    lapsed_twice = [(D(2023, 1, 1), D(2024, 1, 1)), (DONE, RUNS_OUT)]
    assert standing(lapsed_twice, D(2027, 1, 1)) == Standing(EXPIRED, DONE, RUNS_OUT)
    forever = [(D(2026, 1, 1), None), (DONE, RUNS_OUT)]
    assert standing(forever, D(2026, 11, 15)) == Standing(COMPLETE, D(2026, 1, 1), None)
