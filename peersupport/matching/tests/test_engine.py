"""The one-to-one matching engine, rule by rule, and the problem reader's errors.

Each hard rule is tested with a mentor who breaks only that rule and would
otherwise be by far the better match (shared interests, a shared home language,
the mentor the mentee asked for), so an engine that ignored the rule would choose
them. Problems are built as the JSON of docs/matching.md and read with
``parse_pairs``, as the command reads them."""

from __future__ import annotations

from typing import Any

import pytest

from peersupport.matching.engine import (
    Mentee,
    Mentor,
    PairProblem,
    PairResult,
    ProblemError,
    pair_breaks,
    solve_pairs,
)
from peersupport.matching.problem import load_json, parse_pairs

SLOT = "wed-lunch"


def mentor(id: str = "m1", year: int = 10, **fields: Any) -> dict[str, Any]:
    return {"id": id, "year": year, "availability": [SLOT], **fields}


def mentee(id: str = "s1", year: int = 7, **fields: Any) -> dict[str, Any]:
    return {"id": id, "year": year, "availability": [SLOT], **fields}


def solve(mentors: list[dict[str, Any]], mentees: list[dict[str, Any]], **rest: Any) -> PairResult:
    return solve_pairs(parse_pairs({"mentors": mentors, "mentees": mentees, **rest}))


def pairs(result: PairResult) -> set[tuple[str, str]]:
    return {(p.mentee, p.mentor) for p in result.pairs}


def unmatched_reasons(result: PairResult, mentee_id: str) -> list[str]:
    [found] = [u for u in result.unmatched if u.mentee == mentee_id]
    return list(found.reasons)


def refused(data: Any) -> str:
    with pytest.raises(ProblemError) as caught:
        parse_pairs(data)
    return str(caught.value)


# A mentee who likes chess, art and music, speaks Polish at home and asked for
# "tempting"; a mentor with all of that scores 3*3 + 1 + 2 + 5 = 17, against 1 for
# "plain", who only shares the free time.
KEEN = mentee(
    gender="F",
    interests=["chess", "art", "music"],
    languages=["Polish", "English"],
    preferred_mentor="tempting",
)
TEMPTING = mentor(
    "tempting",
    gender="F",
    interests=["chess", "art", "music"],
    languages=["Polish", "English"],
)
PLAIN = mentor("plain", gender="F", interests=["rugby"], languages=["English"])

# Each rule: how "tempting" breaks it (changes to the mentor, to the mentee, and
# extra parts of the problem), and the first reason the mentee is given when
# "tempting" is the only mentor.
RULES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]] = {
    "eligible": (
        {"eligible": False},
        {},
        {},
        "no mentor is eligible: each is not active, or is missing training",
    ),
    "capacity": ({"capacity": 0}, {}, {}, "every eligible mentor (1 mentor) is already full"),
    "keep apart": (
        {},
        {},
        {"keep_apart": [["tempting", "s1"]]},
        "the only mentor with room who shares a free time must be kept apart from this mentee",
    ),
    "year gap": (
        {"year": 7},
        {},
        {},
        "only mentors who share a free time are in year 7; "
        "a mentor must be at least 1 year above year 7",
    ),
    "same gender": (
        {"gender": "M"},
        {"same_gender": True},
        {},
        "the mentee asked for a mentor of the same gender, and the only mentor with room "
        "who shares a free time is not of the same gender",
    ),
    "shared free time": (
        {"availability": ["mon-lunch", "fri-after"]},
        {},
        {},
        "no mentor with room shares a free time (this mentee is free Wed lunch)",
    ),
    "rejected": (
        {},
        {},
        {"rejected": [["s1", "tempting"]]},
        "the coordinator ruled out the only mentor with room who shares a free time",
    ),
}


def test_the_tempting_mentor_scores_far_more_when_no_rule_is_broken() -> None:
    result = solve([PLAIN, TEMPTING], [KEEN])
    assert pairs(result) == {("s1", "tempting")}
    assert result.total_score == 17


@pytest.mark.parametrize("rule", RULES)
def test_a_mentor_who_breaks_a_rule_is_not_proposed_though_they_score_more(rule: str) -> None:
    mentor_change, mentee_change, extra, _reason = RULES[rule]
    result = solve([PLAIN, {**TEMPTING, **mentor_change}], [{**KEEN, **mentee_change}], **extra)
    assert pairs(result) == {("s1", "plain")}
    assert result.total_score == 1


@pytest.mark.parametrize("rule", RULES)
def test_a_mentee_whose_only_mentor_breaks_a_rule_is_told_which(rule: str) -> None:
    mentor_change, mentee_change, extra, reason = RULES[rule]
    result = solve([{**TEMPTING, **mentor_change}], [{**KEEN, **mentee_change}], **extra)
    assert result.pairs == ()
    assert result.matched_count == 0
    assert unmatched_reasons(result, "s1")[0] == reason


@pytest.mark.parametrize("rule", RULES)
def test_pair_breaks_names_the_rule_broken(rule: str) -> None:
    mentor_change, mentee_change, extra, _reason = RULES[rule]
    problem = parse_pairs(
        {
            "mentors": [{**TEMPTING, **mentor_change}],
            "mentees": [{**KEEN, **mentee_change}],
            **extra,
        }
    )
    broken = pair_breaks(problem, problem.mentees[0], problem.mentors[0])
    assert len(broken) == 1
    expected = {
        "eligible": "the mentor is not eligible",
        "capacity": "the mentor has no room",
        "keep apart": "the two must be kept apart",
        "year gap": "the mentor is in year 7, not at least 1 year above year 7",
        "same gender": "the mentee asked for a mentor of the same gender",
        "shared free time": "they share no free time",
        "rejected": "the coordinator ruled this pair out",
    }[rule]
    assert broken[0].startswith(expected)


def test_the_year_gap_is_a_setting_and_its_boundary_is_allowed() -> None:
    mentors = [mentor("m8", year=8), mentor("m9", year=9, capacity=2)]
    result = solve(mentors, [mentee("s1"), mentee("s2")], settings={"min_year_gap": 2})
    assert pairs(result) == {("s1", "m9"), ("s2", "m9")}
    assert unmatched_reasons(
        solve([mentor("m8", year=8)], [mentee()], settings={"min_year_gap": 2}), "s1"
    )[0] == (
        "only mentors who share a free time are in year 8; "
        "a mentor must be at least 2 years above year 7"
    )
    # With no gap, a mentor in the same year group may be paired.
    same_year = solve([mentor(year=7)], [mentee()], settings={"min_year_gap": 0})
    assert pairs(same_year) == {("s1", "m1")}


def test_a_mentee_who_asks_for_the_same_gender_without_one_recorded_gets_no_mentor() -> None:
    # Two empty genders must not count as "the same".
    result = solve([mentor(gender="")], [mentee(gender="", same_gender=True)])
    assert result.pairs == ()
    assert unmatched_reasons(result, "s1") == [
        "the mentee asked for a mentor of the same gender, but their gender is not recorded"
    ]


def test_a_mentee_who_did_not_ask_for_the_same_gender_may_have_any_mentor() -> None:
    result = solve([mentor(gender="M")], [mentee(gender="F")])
    assert pairs(result) == {("s1", "m1")}
    assert "same gender, as the mentee asked" not in result.pairs[0].reasons


def test_keep_apart_works_whichever_way_round_the_pair_is_given() -> None:
    for order in (["s1", "m1"], ["m1", "s1"]):
        result = solve([mentor()], [mentee()], keep_apart=[order])
        assert result.pairs == ()


def test_keep_apart_between_mentees_does_not_stop_either_being_matched() -> None:
    result = solve([mentor(capacity=2)], [mentee("s1"), mentee("s2")], keep_apart=[["s1", "s2"]])
    assert pairs(result) == {("s1", "m1"), ("s2", "m1")}


def test_a_mentor_takes_no_more_mentees_than_their_capacity() -> None:
    mentees = [mentee(f"s{i}") for i in range(5)]
    result = solve([mentor("m1", capacity=2), mentor("m2", capacity=1)], mentees)
    assert result.matched_count == 3
    taken = [p.mentor for p in result.pairs]
    assert taken.count("m1") == 2
    assert taken.count("m2") == 1
    for left in result.unmatched:
        assert left.reasons[0] == (
            "all 2 mentors who meet every rule (year 10) are needed for other mentees"
        )
        assert left.reasons[1] == "no other set of pairs would match more mentees"


def test_more_mentees_matched_comes_before_a_higher_score() -> None:
    # s1 scores 17 with "tempting" and 1 with "plain"; s2 can only have "tempting"
    # ("plain" is too young for a year 9 mentee). The best score (17) leaves s2 out;
    # the engine must match both instead, for a total of 1 + 1.
    plain = {**PLAIN, "year": 9}
    s2 = mentee("s2", year=9, gender="F")
    result = solve([plain, TEMPTING], [KEEN, s2])
    assert pairs(result) == {("s1", "plain"), ("s2", "tempting")}
    assert result.matched_count == 2
    assert result.total_score == 2
    [kept_waiting] = [p for p in result.pairs if p.mentee == "s1"]
    assert kept_waiting.reasons[-1] == "asked for tempting, who was needed for other mentees"


def test_among_as_many_pairs_the_total_score_is_largest() -> None:
    # Either way both mentees are matched; crossing them scores 2 + 2 instead of 1 + 3.
    mentors = [mentor("m1", interests=["art"]), mentor("m2", interests=["chess"])]
    mentees = [mentee("s1", interests=["chess"]), mentee("s2", interests=["art"])]
    result = solve(mentors, mentees, settings={"weights": {"interests": 10}})
    assert pairs(result) == {("s1", "m2"), ("s2", "m1")}
    assert result.total_score == 22


def test_the_score_uses_each_weight() -> None:
    result = solve(
        [{**TEMPTING, "availability": [SLOT, "mon-break", "fri-after"]}],
        [{**KEEN, "availability": [SLOT, "Mon-Break"]}],
        settings={
            "weights": {"interests": 7, "availability": 11, "language": 13, "preference": 17}
        },
    )
    # 3 interests, 2 free times (compared without regard to case), one language, asked for.
    assert result.pairs[0].score == 3 * 7 + 2 * 11 + 13 + 17
    assert result.total_score == result.pairs[0].score


def test_english_is_not_a_shared_home_language() -> None:
    for mentee_languages, mentor_languages in (
        (["en"], ["en"]),
        (["English"], ["english"]),
        (["ENG"], ["en"]),
    ):
        result = solve(
            [mentor(languages=mentor_languages)],
            [mentee(languages=mentee_languages)],
            settings={"weights": {"language": 50}},
        )
        assert result.pairs[0].score == 1
        assert not any(r.startswith("both speak") for r in result.pairs[0].reasons)


def test_sharing_only_english_does_not_make_a_mentor_the_better_choice() -> None:
    # If English counted (50), "english" would beat "chess" (one interest, 3).
    result = solve(
        [mentor("english", languages=["English"]), mentor("chess", interests=["chess"])],
        [mentee(languages=["english"], interests=["chess"])],
        settings={"weights": {"language": 50}},
    )
    assert pairs(result) == {("s1", "chess")}
    assert result.total_score == 3 + 1


def test_a_shared_home_language_besides_english_scores_once() -> None:
    result = solve(
        [mentor(languages=["English", "polish", "Urdu"])],
        [mentee(languages=["English", "Polish", "Urdu"])],
    )
    assert result.pairs[0].score == 1 + 2
    assert "both speak Polish and Urdu" in result.pairs[0].reasons


def test_a_pair_gives_its_reasons_in_words() -> None:
    result = solve(
        [
            mentor(
                interests=["Football", "drawing", "chess", "cooking"],
                languages=["pl", "en"],
                availability=["mon-lunch", "wed-lunch"],
                gender="F",
            )
        ],
        [
            mentee(
                interests=["drawing", "football", "chess", "dance"],
                languages=["Polish", "pl"],
                availability=["wed-lunch", "Mon-lunch", "fri-break"],
                gender="F",
                same_gender=True,
                preferred_mentor="m1",
            )
        ],
    )
    assert result.pairs[0].reasons == (
        "the mentee asked for this mentor",
        "share 3 interests: chess, drawing, football",
        "both free Mon lunch and Wed lunch",
        "both speak pl",
        "same gender, as the mentee asked",
    )


def test_one_shared_interest_is_said_in_the_singular() -> None:
    result = solve([mentor(interests=["drawing"])], [mentee(interests=["drawing", "chess"])])
    assert result.pairs[0].reasons == ("share 1 interest: drawing", "both free Wed lunch")


def test_a_mentee_who_got_another_mentor_than_the_one_asked_for_is_told_why() -> None:
    # The mentor asked for still has room, so the mentor given must score more.
    result = solve(
        [mentor("asked"), mentor("given", interests=["chess", "art"])],
        [mentee(preferred_mentor="asked", interests=["chess", "art"])],
    )
    assert pairs(result) == {("s1", "given")}
    assert (
        result.pairs[0].reasons[-1]
        == "asked for asked, but given is a better match (score 7 against 6)"
    )

    # The mentor asked for breaks a rule.
    result = solve(
        [mentor("asked", eligible=False), mentor("given")],
        [mentee(preferred_mentor="asked")],
    )
    assert result.pairs[0].reasons[-1] == (
        "asked for asked, but the mentor is not eligible (not active, or training missing or "
        "expired)"
    )


def test_an_unmatched_mentee_with_no_shared_free_time_is_told_their_free_times() -> None:
    result = solve(
        [mentor(availability=["mon-lunch"])],
        [mentee(availability=["tue-after", "fri-break"])],
    )
    assert unmatched_reasons(result, "s1") == [
        "no mentor with room shares a free time (this mentee is free Fri break and Tue after)"
    ]


def test_an_unmatched_mentee_with_no_free_times_is_told_so() -> None:
    result = solve([mentor()], [mentee(availability=[])])
    assert unmatched_reasons(result, "s1") == ["no free times are recorded for this mentee"]


def test_an_unmatched_mentee_is_told_when_only_younger_mentors_share_a_free_time() -> None:
    mentors = [
        mentor("young1", year=7),
        mentor("young2", year=8),
        mentor("old", year=11, availability=["mon-lunch"]),
    ]
    result = solve(mentors, [mentee(year=8)])
    assert unmatched_reasons(result, "s1") == [
        "only mentors who share a free time are in years 7 and 8; "
        "a mentor must be at least 1 year above year 8"
    ]


def test_an_unmatched_reason_describes_only_the_rules_that_ruled_mentors_out() -> None:
    # The mentee did not ask for the same gender, so "of the same gender" must not be
    # said of the mentors left; but the younger mentor ruled out is counted.
    mentors = [mentor("young", year=7, gender="M"), mentor("kept", year=10, gender="M")]
    result = solve(mentors, [mentee(gender="F")], keep_apart=[["s1", "kept"]])
    assert unmatched_reasons(result, "s1") == [
        "the only mentor with room who shares a free time and is old enough must be kept "
        "apart from this mentee"
    ]
    result = solve(
        [mentor("a"), mentor("b"), mentor("c", gender="F")],
        [mentee(gender="F", same_gender=True)],
        rejected=[["s1", "c"]],
    )
    assert unmatched_reasons(result, "s1") == [
        "the coordinator ruled out the only mentor with room who shares a free time and is "
        "of the same gender"
    ]
    result = solve(
        [mentor("a", gender="M"), mentor("b", gender="M")],
        [mentee(gender="F", same_gender=True)],
    )
    assert unmatched_reasons(result, "s1") == [
        "the mentee asked for a mentor of the same gender, and none of the 2 mentors with "
        "room who share a free time is of the same gender"
    ]


def test_an_unmatched_mentee_whose_mentor_is_full_because_of_locks_is_told_so() -> None:
    result = solve([mentor(capacity=1)], [mentee("s1"), mentee("s2")], locked=[["s2", "m1"]])
    assert unmatched_reasons(result, "s1") == ["every eligible mentor (1 mentor) is already full"]


# ---------------------------------------------------------------- locks and rejections


def test_a_locked_pair_is_kept_though_another_pairing_scores_more() -> None:
    result = solve([PLAIN, TEMPTING], [KEEN], locked=[["s1", "plain"]])
    assert pairs(result) == {("s1", "plain")}
    [pair] = result.pairs
    assert pair.locked
    assert pair.reasons[0] == "kept as the coordinator locked it"
    assert pair.as_dict()["locked"] is True
    assert result.total_score == 1


def test_a_locked_pair_uses_up_a_place_of_the_mentors_capacity() -> None:
    # "tempting" has one place, taken by the lock, so s1 gets "plain" though
    # "tempting" would score far more with them.
    s2 = mentee("s2", gender="F")
    result = solve([PLAIN, TEMPTING], [KEEN, s2], locked=[["s2", "tempting"]])
    assert pairs(result) == {("s1", "plain"), ("s2", "tempting")}
    assert [p.locked for p in result.pairs] == [False, True]


def test_the_result_lists_pairs_in_the_order_the_mentees_were_given() -> None:
    mentees = [mentee(f"s{i}") for i in (3, 1, 2)]
    result = solve([mentor(capacity=3)], mentees, locked=[["s2", "m1"]])
    assert [p.mentee for p in result.pairs] == ["s3", "s1", "s2"]


@pytest.mark.parametrize(
    "rule,expected",
    [
        ("eligible", "breaks a rule: the mentor is not eligible"),
        ("keep apart", "breaks a rule: the two must be kept apart."),
        ("year gap", "breaks a rule: the mentor is in year 7, not at least 1 year above year 7."),
        ("same gender", "breaks a rule: the mentee asked for a mentor of the same gender."),
        ("shared free time", "breaks a rule: they share no free time."),
    ],
)
def test_a_locked_pair_that_breaks_a_rule_is_refused(rule: str, expected: str) -> None:
    mentor_change, mentee_change, extra, _reason = RULES[rule]
    message = refused(
        {
            "mentors": [{**TEMPTING, **mentor_change}],
            "mentees": [{**KEEN, **mentee_change}],
            "locked": [["s1", "tempting"]],
            **extra,
        }
    )
    assert message.startswith("locked pair (s1, tempting) " + expected)


def test_a_lock_on_a_mentor_with_no_places_is_refused() -> None:
    message = refused(
        {"mentors": [mentor(capacity=0)], "mentees": [mentee()], "locked": [["s1", "m1"]]}
    )
    assert (
        message == "mentor m1 is locked to 1 mentee, but has room for 0 more mentees in this run."
    )


def test_locks_that_overfill_a_mentor_are_refused() -> None:
    message = refused(
        {
            "mentors": [mentor(capacity=1)],
            "mentees": [mentee("s1"), mentee("s2")],
            "locked": [["s1", "m1"], ["s2", "m1"]],
        }
    )
    assert (
        message == "mentor m1 is locked to 2 mentees, but has room for 1 more mentee in this run."
    )


def test_a_mentee_locked_to_two_mentors_is_refused() -> None:
    message = refused(
        {
            "mentors": [mentor("m1"), mentor("m2")],
            "mentees": [mentee()],
            "locked": [["s1", "m1"], ["s1", "m2"]],
        }
    )
    assert message == "mentee s1 is locked to more than one mentor."


def test_locks_given_straight_to_the_engine_are_checked_too() -> None:
    problem = PairProblem(
        mentors=(Mentor("m1", year=7, availability=frozenset({SLOT})),),
        mentees=(Mentee("s1", year=7, availability=frozenset({SLOT})),),
        locked=(("s1", "m1"),),
    )
    with pytest.raises(ProblemError, match=r"locked pair \(s1, m1\) breaks a rule: the mentor"):
        solve_pairs(problem)


def test_a_rejected_pair_is_never_proposed_even_as_the_only_way_to_match() -> None:
    result = solve([mentor("m1")], [mentee("s1")], rejected=[["s1", "m1"]])
    assert result.pairs == ()
    # Another mentee may still have that mentor.
    result = solve([mentor("m1")], [mentee("s1"), mentee("s2")], rejected=[["s1", "m1"]])
    assert pairs(result) == {("s2", "m1")}


# ---------------------------------------------------------------- empty and infeasible


def test_no_mentors_leaves_every_mentee_unmatched_with_the_reason() -> None:
    result = solve([], [mentee("s1"), mentee("s2")])
    assert result.pairs == ()
    assert [u.mentee for u in result.unmatched] == ["s1", "s2"]
    assert all(u.reasons == ("there are no mentors in this run",) for u in result.unmatched)
    assert (result.matched_count, result.total_score, result.optimal) == (0, 0, True)


def test_no_mentees_gives_an_empty_answer() -> None:
    for mentors in ([mentor()], []):
        result = solve(mentors, [])
        assert result.as_dict() == {
            "pairs": [],
            "unmatched": [],
            "matched_count": 0,
            "total_score": 0,
            "optimal": True,
        }


def test_an_instance_where_no_pair_is_allowed_matches_no_one() -> None:
    mentors = [mentor("m1", year=7), mentor("m2", eligible=False), mentor("m3", capacity=0)]
    mentees = [mentee(f"s{i}") for i in range(4)]
    result = solve(mentors, mentees)
    assert result.pairs == ()
    assert (result.matched_count, result.total_score) == (0, 0)
    assert len(result.unmatched) == 4
    for left in result.unmatched:
        assert left.reasons == (
            "only mentors who share a free time are in year 7; "
            "a mentor must be at least 1 year above year 7",
        )


def test_the_result_as_a_dict_is_plain_json() -> None:
    result = solve([mentor()], [mentee("s1"), mentee("s2", availability=["mon-break"])])
    assert result.as_dict() == {
        "pairs": [{"mentee": "s1", "mentor": "m1", "score": 1, "reasons": ["both free Wed lunch"]}],
        "unmatched": [
            {
                "mentee": "s2",
                "reasons": [
                    "no mentor with room shares a free time (this mentee is free Mon break)"
                ],
            }
        ],
        "matched_count": 1,
        "total_score": 1,
        "optimal": True,
    }


# ---------------------------------------------------------------- malformed problems


def test_bad_json_is_refused_with_where_it_went_wrong() -> None:
    with pytest.raises(ProblemError) as caught:
        load_json('{"mentors": [], "mentees": [}')
    assert str(caught.value) == "not valid JSON: Expecting value at line 1, column 29."


def test_a_problem_that_is_not_an_object_is_refused() -> None:
    assert refused([]) == "the problem must be a JSON object."
    assert refused("pairs") == "the problem must be a JSON object."


@pytest.mark.parametrize(
    "change,expected",
    [
        ({"year": "10"}, "mentees[0].year: Input should be a valid integer"),
        ({"year": True}, "mentees[0].year: Input should be a valid integer"),
        ({"year": 7.0}, "mentees[0].year: Input should be a valid integer"),
        ({"same_gender": "yes"}, "mentees[0].same_gender: Input should be a valid boolean"),
        ({"same_gender": 1}, "mentees[0].same_gender: Input should be a valid boolean"),
        ({"interests": "chess"}, "mentees[0].interests: Input should be a valid list"),
        ({"availability": [1]}, "mentees[0].availability[0]: Input should be a valid string"),
        ({"id": ""}, "mentees[0].id: String should have at least 1 character"),
        ({"id": 7}, "mentees[0].id: Input should be a valid string"),
        ({"name": "Sam"}, "mentees[0].name: Extra inputs are not permitted"),
        ({"year": -1}, "mentees[0].year: Input should be greater than or equal to 0"),
    ],
)
def test_a_mentee_with_a_wrong_type_or_field_is_refused(
    change: dict[str, Any], expected: str
) -> None:
    assert refused({"mentors": [mentor()], "mentees": [{**mentee(), **change}]}) == expected


@pytest.mark.parametrize(
    "data,expected",
    [
        (
            {"mentors": [mentor(capacity=-1)], "mentees": []},
            "mentors[0].capacity: Input should be greater than or equal to 0",
        ),
        (
            {"mentors": [mentor(capacity="2")], "mentees": []},
            "mentors[0].capacity: Input should be a valid integer",
        ),
        (
            {"mentors": [mentor(eligible=None)], "mentees": []},
            "mentors[0].eligible: Input should be a valid boolean",
        ),
        ({"mentees": []}, "mentors: Field required"),
        ({"mentors": {}, "mentees": []}, "mentors: Input should be a valid list"),
        (
            {"mentors": [], "mentees": [], "settings": {"min_year_gap": "1"}},
            "settings.min_year_gap: Input should be a valid integer",
        ),
        (
            {"mentors": [], "mentees": [], "settings": {"weights": {"interests": -3}}},
            "settings.weights.interests: Input should be greater than or equal to 0",
        ),
        (
            {"mentors": [], "mentees": [], "settings": {"weights": {"kindness": 3}}},
            "settings.weights.kindness: Extra inputs are not permitted",
        ),
        (
            {"mentors": [], "mentees": [], "keep_apart": [["s1"]]},
            "keep_apart[0]: List should have at least 2 items after validation, not 1",
        ),
        (
            {"mentors": [], "mentees": [], "solver": "fast"},
            "solver: Extra inputs are not permitted",
        ),
    ],
)
def test_a_problem_of_the_wrong_shape_is_refused(data: dict[str, Any], expected: str) -> None:
    assert refused(data) == expected


def test_every_wrong_field_is_named_at_once() -> None:
    message = refused(
        {"mentors": [{**mentor(), "year": "11"}], "mentees": [{**mentee(), "year": "7"}]}
    )
    assert message == (
        "mentors[0].year: Input should be a valid integer; "
        "mentees[0].year: Input should be a valid integer"
    )


@pytest.mark.parametrize(
    "data,expected",
    [
        (
            {"mentors": [mentor()], "mentees": [mentee("s1"), mentee("s2"), mentee("s1")]},
            "mentee listed more than once: s1.",
        ),
        (
            {"mentors": [mentor("m1"), mentor("m1")], "mentees": []},
            "mentor listed more than once: m1.",
        ),
        (
            {"mentors": [mentor("x")], "mentees": [mentee("x")]},
            "listed as both a mentor and a mentee: x.",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee(preferred_mentor="m9")]},
            "mentee s1: preferred_mentor m9 is not a mentor.",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee("s1", preferred_mentor="s2"), mentee("s2")]},
            "mentee s1: preferred_mentor s2 is not a mentor.",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee()], "keep_apart": [["s1", "m9"]]},
            "keep_apart[0]: unknown id m9.",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee()], "locked": [["s2", "m1"]]},
            "locked[0]: unknown id s2.",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee()], "rejected": [["s1", "m2"]]},
            "rejected[0]: unknown id m2.",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee()], "keep_apart": [["s1", "s1"]]},
            "keep_apart[0]: the two ids are the same (s1).",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee()], "locked": [["m1", "s1"]]},
            "locked[0]: give a mentee id, then a mentor id.",
        ),
        (
            {
                "mentors": [mentor()],
                "mentees": [mentee("s1"), mentee("s2")],
                "locked": [["s1", "s2"]],
            },
            "locked[0]: give a mentee id, then a mentor id.",
        ),
        (
            {"mentors": [mentor()], "mentees": [mentee()], "rejected": [["m1", "s1"]]},
            "rejected[0]: give a mentee id, then a mentor id.",
        ),
        (
            {
                "mentors": [mentor()],
                "mentees": [mentee()],
                "locked": [["s1", "m1"]],
                "rejected": [["s1", "m1"]],
            },
            "the pair (s1, m1) is both locked and rejected.",
        ),
        (
            {"kind": "groups", "groups": []},
            'this is a group problem, not a "pairs" one.',
        ),
        ({"kind": "triples"}, 'kind must be "pairs" or "groups", not "triples".'),
    ],
)
def test_a_problem_whose_records_do_not_fit_together_is_refused(
    data: dict[str, Any], expected: str
) -> None:
    assert refused(data) == expected


def test_the_issues_example_as_written_is_refused_for_its_unknown_ids() -> None:
    text = """{
      "settings": {"min_year_gap": 1, "weights": {"interests": 3, "availability": 1,
                   "language": 2, "preference": 5}},
      "mentors": [{"id": "m1", "year": 10, "gender": "F", "capacity": 2, "eligible": true,
                   "interests": ["football", "drawing"], "languages": ["pl"],
                   "availability": ["mon-lunch", "wed-lunch"]}],
      "mentees": [{"id": "s1", "year": 7, "gender": "F", "same_gender": true,
                   "preferred_mentor": "m1", "interests": ["drawing"], "languages": ["pl"],
                   "availability": ["wed-lunch"]}],
      "keep_apart": [["s1", "m9"]],
      "locked": [["s2", "m1"]]
    }"""
    assert refused(load_json(text)) == "keep_apart[0]: unknown id m9."
    # Without the two lines naming people who are not listed, it solves.
    data = load_json(text)
    del data["keep_apart"], data["locked"]
    result = solve_pairs(parse_pairs(data))
    assert pairs(result) == {("s1", "m1")}
    assert result.total_score == 3 + 1 + 2 + 5
