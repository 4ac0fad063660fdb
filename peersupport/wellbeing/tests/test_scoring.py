"""Scoring the shipped instruments: hand-worked examples for each (worked out in
the comments, not by the code under test), reverse items, prorating exactly at
the limit of missing answers and refusing beyond it, bad answers refused, and
properties that must hold for any answers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peersupport.wellbeing.instruments import Instrument, load_instruments
from peersupport.wellbeing.scoring import band_for, reverse, score, score_entered

INSTRUMENTS = load_instruments()
SCWBS = INSTRUMENTS["scwbs"]
GBO = INSTRUMENTS["gbo"]
FEEDBACK = INSTRUMENTS["session_feedback"]
MENTOR = INSTRUMENTS["mentor_experience"]
SDQ = INSTRUMENTS["sdq_self"]
SWEMWBS = INSTRUMENTS["swemwbs"]
ITEM_INSTRUMENTS = [i for i in INSTRUMENTS.values() if i.kind == "items"]

# Stirling Children's Wellbeing Scale ------------------------------------------------------

# Outlook items (1, 4, 5, 6, 8, 11):         4 + 5 + 4 + 3 + 4 + 4 = 24
# Emotional state items (3, 9, 10, 12, 14, 15): 3 + 2 + 3 + 5 + 3 + 2 = 18
# Wellbeing (the 12 together):                24 + 18 = 42
# Social desirability (2, 7, 13):             5 + 4 + 5 = 14, not in the 42
SCWBS_ANSWERS = {
    "q1": 4, "q2": 5, "q3": 3, "q4": 5, "q5": 4, "q6": 3, "q7": 4, "q8": 4,
    "q9": 2, "q10": 3, "q11": 4, "q12": 5, "q13": 5, "q14": 3, "q15": 2,
}  # fmt: skip


def test_scwbs_all_answered() -> None:
    result = score(SCWBS, SCWBS_ANSWERS)
    assert result.total == 42
    assert result.subscales == {
        "positive_emotional_state": 18,
        "positive_outlook": 24,
        "social_desirability": 14,
    }
    assert (result.answered, result.missing, result.scorable) == (15, 0, True)
    assert not any(scale.prorated for scale in result.scales.values())


def test_scwbs_prorates_at_the_limit_of_two_missing_answers() -> None:
    # Skip q4 (a 5, outlook) and q12 (a 5, emotional state).
    # Wellbeing: the 10 answered come to 42 - 5 - 5 = 32; mean 3.2; times 12 = 38.4 -> 38.
    # Outlook: 24 - 5 = 19 over 5 answered; 19 / 5 * 6 = 22.8 -> 23.
    # Emotional state: 18 - 5 = 13 over 5; 13 / 5 * 6 = 15.6 -> 16.
    # (Each scale is prorated on its own, so 23 + 16 need not make 38.)
    result = score(SCWBS, SCWBS_ANSWERS | {"q4": None, "q12": None})
    assert result.total == 38
    assert result.subscales["positive_outlook"] == 23
    assert result.subscales["positive_emotional_state"] == 16
    assert result.subscales["social_desirability"] == 14
    wellbeing = result.scales["wellbeing"]
    assert (wellbeing.answered, wellbeing.missing, wellbeing.prorated) == (10, 2, True)
    assert (result.answered, result.missing) == (13, 2)


def test_scwbs_is_not_scored_beyond_the_limit() -> None:
    # Three wellbeing answers missing (two of them outlook items): no total, no
    # outlook score; emotional state has one missing, its limit: 18 - 2 = 16,
    # 16 / 5 * 6 = 19.2 -> 19.
    answers = {k: v for k, v in SCWBS_ANSWERS.items() if k not in {"q1", "q4", "q9"}}
    result = score(SCWBS, answers)
    assert result.total is None
    assert not result.scorable
    assert result.subscales["positive_outlook"] is None
    assert result.subscales["positive_emotional_state"] == 19
    assert result.scales["wellbeing"].missing == 3


def test_a_missing_social_desirability_answer_leaves_that_scale_unscored_only() -> None:
    result = score(SCWBS, SCWBS_ANSWERS | {"q7": None})
    assert result.total == 42
    assert result.subscales["social_desirability"] is None


def test_scwbs_has_no_reverse_items_so_answers_count_as_given() -> None:
    # All 1s give the bottom of the range and all 5s the top.
    assert score(SCWBS, dict.fromkeys(SCWBS_ANSWERS, 1)).total == 12
    assert score(SCWBS, dict.fromkeys(SCWBS_ANSWERS, 5)).total == 60


# Mentor experience survey (one reversed item) ----------------------------------------------

# "unsure" is reversed on 1 to 5: 2 -> 1 + 5 - 2 = 4.
# Total: 4 + 5 + 4 + 4 + 3 + 5 = 25. Preparation: ready 4 + unsure 4 = 8.
# Support: knew_who 5 + staff_help 4 = 9.
MENTOR_ANSWERS = {
    "ready": 4, "knew_who": 5, "staff_help": 4, "unsure": 2, "fits_in": 3, "recommend": 5,
}  # fmt: skip


def test_mentor_survey_all_answered_with_the_reversed_item() -> None:
    result = score(MENTOR, MENTOR_ANSWERS)
    assert result.total == 25
    assert result.subscales == {"preparation": 8, "support": 9}


def test_the_reversed_item_counts_the_other_way() -> None:
    # "unsure" 1 (strongly disagree, the best answer) counts 5: total 25 - 4 + 5 = 26.
    assert score(MENTOR, MENTOR_ANSWERS | {"unsure": 1}).total == 26
    assert score(MENTOR, MENTOR_ANSWERS | {"unsure": 5}).total == 22


def test_mentor_survey_prorates_at_the_limit_of_one_missing_answer() -> None:
    # Skip fits_in (3): 25 - 3 = 22 over 5 answered; 22 / 5 * 6 = 26.4 -> 26.
    result = score(MENTOR, MENTOR_ANSWERS | {"fits_in": None})
    assert result.total == 26
    assert result.scales["total"].prorated
    # Skip the reversed item instead: 25 - 4 = 21; 21 / 5 * 6 = 25.2 -> 25, and
    # preparation (no missing answers allowed) cannot be scored.
    result = score(MENTOR, {k: v for k, v in MENTOR_ANSWERS.items() if k != "unsure"})
    assert result.total == 25
    assert result.subscales["preparation"] is None
    assert result.subscales["support"] == 9


def test_mentor_survey_is_not_scored_beyond_the_limit() -> None:
    result = score(MENTOR, MENTOR_ANSWERS | {"fits_in": None, "recommend": None})
    assert result.total is None
    assert result.subscales == {"preparation": 8, "support": 9}


# Session feedback (mean, one decimal) -----------------------------------------------------


def test_session_feedback_all_answered() -> None:
    # 3 + 3 + 2 + 3 = 11; 11 / 4 = 2.75 -> 2.8 (half up).
    answers = {"listened": 3, "safe": 3, "helpful": 2, "come_again": 3}
    assert score(FEEDBACK, answers).total == pytest.approx(2.8)


def test_session_feedback_rounds_halves_up() -> None:
    # 3 + 2 + 2 + 2 = 9; 9 / 4 = 2.25 -> 2.3 (rounding half to even would give 2.2).
    answers = {"listened": 3, "safe": 2, "helpful": 2, "come_again": 2}
    assert score(FEEDBACK, answers).total == pytest.approx(2.3)


def test_session_feedback_at_the_limit_of_one_skipped_question() -> None:
    # safe skipped: 3 + 2 + 3 = 8 over 3; 8 / 3 = 2.666... -> 2.7.
    answers = {"listened": 3, "safe": None, "helpful": 2, "come_again": 3}
    result = score(FEEDBACK, answers)
    assert result.total == pytest.approx(2.7)
    assert result.scales["overall"].prorated


def test_session_feedback_with_two_skipped_questions_is_not_scored() -> None:
    result = score(FEEDBACK, {"listened": 3, "come_again": 1})
    assert result.total is None
    assert (result.answered, result.missing) == (2, 2)


# Goal-Based Outcomes ---------------------------------------------------------------------


def test_goals_are_scored_one_by_one() -> None:
    result = score(GBO, {"sleep": 3, "friends": 7, "anger": None})
    assert result.goals == {"sleep": 3, "friends": 7, "anger": None}
    assert (result.answered, result.missing) == (2, 1)
    assert result.total is None
    assert result.scorable
    assert result.scales == {}


def test_goal_ratings_at_the_ends_of_the_range_are_accepted() -> None:
    assert score(GBO, {"a": 0, "b": 10}).goals == {"a": 0, "b": 10}
    assert not score(GBO, {"a": None}).scorable


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"a": 1, "b": 2, "c": 3, "d": 4}, "gbo allows at most 3 goals, not 4"),
        ({"a": 11}, "goal 'a': 11 is outside the rating range 0 to 10"),
        ({"a": -1}, "goal 'a': -1 is outside the rating range 0 to 10"),
        ({"a": True}, "goal 'a': the rating must be a whole number"),
        ({"a": 5.5}, "goal 'a': the rating must be a whole number"),
        ({" ": 5}, "gbo: each goal needs an id"),
    ],
)
def test_bad_goal_ratings_are_refused(ratings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        score(GBO, ratings)


# Scores-only instruments ---------------------------------------------------------------------


def test_sdq_total_is_worked_out_from_the_four_difficulty_scales() -> None:
    # 5 + 2 + 7 + 3 = 17.
    entered = {"emotional": 5, "conduct": 2, "hyperactivity": 7, "peer": 3, "prosocial": 6}
    result = score_entered(SDQ, entered)
    assert result.total == 17
    assert result.scales["total_difficulties"].derived
    assert result.subscales["prosocial"] == 6
    assert result.subscales["impact"] is None
    assert (result.answered, result.missing) == (5, 1)  # impact not entered
    band = band_for(SDQ, "total_difficulties", 17)
    assert band is not None and band.key == "slightly_raised"


def test_sdq_total_entered_must_match_its_parts() -> None:
    entered = {
        "total_difficulties": 18,
        "emotional": 5,
        "conduct": 2,
        "hyperactivity": 7,
        "peer": 3,
    }
    with pytest.raises(
        ValueError,
        match=r"^total_difficulties is 18, but emotional \+ conduct \+ hyperactivity \+ peer come to 17$",
    ):
        score_entered(SDQ, entered)
    assert score_entered(SDQ, entered | {"total_difficulties": 17}).total == 17


def test_sdq_total_alone_is_enough() -> None:
    result = score_entered(SDQ, {"total_difficulties": 20, "emotional": None})
    assert result.total == 20
    assert not result.scales["total_difficulties"].derived
    assert result.subscales["emotional"] is None


@pytest.mark.parametrize(
    ("scale", "value", "band"),
    [
        ("total_difficulties", 0, "close_to_average"),
        ("total_difficulties", 14, "close_to_average"),
        ("total_difficulties", 15, "slightly_raised"),
        ("total_difficulties", 19, "high"),
        ("total_difficulties", 20, "very_high"),
        ("total_difficulties", 40, "very_high"),
        ("emotional", 5, "slightly_raised"),
        ("prosocial", 4, "very_low"),
        ("prosocial", 6, "slightly_lowered"),
        ("prosocial", 10, "close_to_average"),
        ("impact", 0, "close_to_average"),
        ("impact", 3, "very_high"),
    ],
)
def test_sdq_bands(scale: str, value: int, band: str) -> None:
    found = band_for(SDQ, scale, value)
    assert found is not None and found.key == band


@pytest.mark.parametrize(
    ("instrument", "entered", "message"),
    [
        (SDQ, {"emotional": 11}, r"scale 'emotional': 11 is outside the range 0 to 10"),
        (SDQ, {"emotional": -1}, r"scale 'emotional': -1 is outside the range 0 to 10"),
        (SDQ, {"emotional": 4.5}, r"scale 'emotional' takes whole numbers, not 4.5"),
        (SDQ, {"emotional": True}, r"scale 'emotional': the score must be a number, not True"),
        (SDQ, {"emotional": "4"}, r"scale 'emotional': the score must be a number, not '4'"),
        (SDQ, {"emotional": float("nan")}, r"scale 'emotional': the score must be a number"),
        (SDQ, {"anxiety": 3}, r"sdq_self has no scale 'anxiety'"),
        (SDQ, {}, r"no scores entered for sdq_self"),
        (SDQ, {"emotional": None}, r"no scores entered for sdq_self"),
        (SWEMWBS, {"total": 36}, r"scale 'total': 36 is outside the range 7 to 35"),
        (SWEMWBS, {"total": 6}, r"scale 'total': 6 is outside the range 7 to 35"),
        (SCWBS, {"wellbeing": 40}, r"scwbs is not scores only: score its answers with score"),
    ],
)
def test_bad_entered_scores_are_refused(
    instrument: Instrument, entered: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        score_entered(instrument, entered)


def test_swemwbs_raw_score_is_recorded_as_entered() -> None:
    assert score_entered(SWEMWBS, {"total": 23}).total == 23
    assert score_entered(SWEMWBS, {"total": 23.0}).total == 23  # a whole number, as a float
    assert band_for(SWEMWBS, "total", 23) is None  # no bands for the raw score


def test_a_scores_only_instrument_cannot_be_scored_from_answers() -> None:
    with pytest.raises(ValueError, match=r"^sdq_self is scores only: staff enter its scores"):
        score(SDQ, {"q1": 1})


# Bad answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"q1": 6}, r"item 'q1': 6 is not one of the options \(1, 2, 3, 4, 5\)"),
        ({"q1": 0}, r"item 'q1': 0 is not one of the options \(1, 2, 3, 4, 5\)"),
        ({"q16": 3}, r"scwbs has no item 'q16'"),
        ({"q1": True}, r"item 'q1': the answer must be a whole number, not True"),
        ({"q1": "3"}, r"item 'q1': the answer must be a whole number, not '3'"),
        ({"q1": 3.0}, r"item 'q1': the answer must be a whole number, not 3.0"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(answers: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        score(SCWBS, SCWBS_ANSWERS | answers)


def test_a_bad_answer_to_a_reversed_item_is_refused_too() -> None:
    with pytest.raises(ValueError, match=r"^item 'unsure': 6 is not one of the options"):
        score(MENTOR, MENTOR_ANSWERS | {"unsure": 6})


def test_band_for_refuses_an_unknown_scale_or_an_out_of_range_score() -> None:
    with pytest.raises(ValueError, match=r"^scwbs has no scale 'happiness'$"):
        band_for(SCWBS, "happiness", 30)
    with pytest.raises(ValueError, match=r"^scale 'wellbeing': 61 is outside the range 12 to 60$"):
        band_for(SCWBS, "wellbeing", 61)
    assert band_for(SCWBS, "wellbeing", 42) is None


def test_reverse_on_a_1_to_5_item() -> None:
    item = MENTOR.item("unsure")
    assert [reverse(item, v) for v in (1, 2, 3, 4, 5)] == [5, 4, 3, 2, 1]
    with pytest.raises(ValueError, match=r"^item 'unsure': 0 is not one of the options"):
        reverse(item, 0)


# Properties -------------------------------------------------------------------------------------


ITEMS = [(instrument, spec) for instrument in ITEM_INSTRUMENTS for spec in instrument.item_specs()]


@st.composite
def answer_sheets(draw: st.DrawFn) -> tuple[Instrument, dict[str, int | None]]:
    """Any instrument with items, and any answers to it (each item skipped or
    given one of its options)."""
    instrument = draw(st.sampled_from(ITEM_INSTRUMENTS))
    answers = {
        spec.id: draw(st.none() | st.sampled_from(spec.values)) for spec in instrument.item_specs()
    }
    return instrument, answers


@st.composite
def full_answer_sheets(draw: st.DrawFn) -> tuple[Instrument, dict[str, int]]:
    instrument = draw(st.sampled_from(ITEM_INSTRUMENTS))
    answers = {spec.id: draw(st.sampled_from(spec.values)) for spec in instrument.item_specs()}
    return instrument, answers


@settings(deadline=None)
@given(st.sampled_from(ITEMS), st.data())
def test_reversing_twice_is_the_identity(pair: Any, data: st.DataObject) -> None:
    _, spec = pair
    value = data.draw(st.sampled_from(spec.values))
    assert reverse(spec, reverse(spec, value)) == value
    assert reverse(spec, value) in spec.values


@settings(deadline=None)
@given(answer_sheets())
def test_scores_stay_in_range_for_any_answers(sheet: Any) -> None:
    instrument, answers = sheet
    result = score(instrument, answers)
    for scale in instrument.scales:
        scored = result.scales[scale.key]
        assert scored.answered + scored.missing == len(scale.items or [])
        # Scored exactly when no more answers are missing than the file allows.
        assert scored.scorable == (scored.missing <= scale.max_missing)
        if scored.value is not None:
            assert scale.range.min <= scored.value <= scale.range.max
            if scale.bands is not None:
                band = band_for(instrument, scale.key, scored.value)
                assert band is not None and band.min <= scored.value <= band.max
    assert result.answered + result.missing == len(instrument.items)


@settings(deadline=None)
@given(full_answer_sheets())
def test_prorating_with_no_missing_answers_equals_the_plain_score(sheet: Any) -> None:
    instrument, answers = sheet
    result = score(instrument, answers)
    for scale in instrument.scales:
        values = []
        for item_id in scale.items or []:
            spec = instrument.item(item_id)
            value = answers[item_id]
            values.append(spec.min + spec.max - value if spec.reversed else value)
        if scale.rule == "sum":
            plain = Decimal(sum(values))
        else:
            plain = Decimal(sum(values)) / Decimal(len(values))
            if scale.round == "half_up":
                plain = plain.quantize(Decimal(1).scaleb(-scale.decimals), ROUND_HALF_UP)
        scored = result.scales[scale.key]
        assert not scored.prorated
        assert scored.value is not None
        assert Decimal(str(scored.value)) == plain


@settings(deadline=None)
@given(st.sampled_from(ITEM_INSTRUMENTS), st.data())
def test_prorating_the_same_answer_throughout_gives_that_answer_times_the_items(
    instrument: Instrument, data: st.DataObject
) -> None:
    # If every answered item got the same scored value v, the prorated sum is
    # v x (number of items) and the mean is v, whichever answers are missing.
    for scale in instrument.scales:
        specs = [instrument.item(item_id) for item_id in scale.items or []]
        if any(spec.reversed for spec in specs) or not scale.max_missing:
            continue
        value = data.draw(st.sampled_from(specs[0].values))
        skipped = data.draw(
            st.lists(
                st.sampled_from([s.id for s in specs]), max_size=scale.max_missing, unique=True
            )
        )
        answers: dict[str, int | None] = {s.id: (None if s.id in skipped else value) for s in specs}
        expected = value * len(specs) if scale.rule == "sum" else value
        assert score(instrument, answers).scales[scale.key].value == expected


@settings(deadline=None)
@given(st.data())
def test_any_sdq_score_in_range_is_accepted_and_banded(data: st.DataObject) -> None:
    scale = data.draw(st.sampled_from(SDQ.scales))
    value = data.draw(st.integers(scale.range.min, scale.range.max))
    assert score_entered(SDQ, {scale.key: value}).scales[scale.key].value == value
    band = band_for(SDQ, scale.key, value)
    assert band is not None and band.min <= value <= band.max
