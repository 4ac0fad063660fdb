"""Group formation: the hard rules, the balance measure, the errors, and the command.

Problems are built as the JSON of docs/matching.md and read with ``parse_groups``,
as the command reads them. Every result is checked against the rules by
``assert_keeps_the_rules``, written here from the documented rules and not from the
model, and the balance penalty is worked out again here from its definition, so a
model that computed either differently would fail. On tiny instances the solver's
optimum is compared with every possible arrangement."""

from __future__ import annotations

import ast
import itertools
import json
import math
import random
from collections import Counter
from fractions import Fraction
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import peersupport.matching.groups as groups_module
from peersupport.matching.engine import ProblemError
from peersupport.matching.groups import (
    Facilitator,
    GroupProblem,
    GroupResult,
    GroupSettings,
    GroupStudent,
    parse_groups,
    solve_groups,
)


def student(id: str, year: int = 7, gender: str = "F", higher_need: bool = False) -> dict[str, Any]:
    return {"id": id, "year": year, "gender": gender, "higher_need": higher_need}


def problem(
    students: list[dict[str, Any]],
    *,
    min_size: int = 6,
    max_size: int = 8,
    facilitators: int = 50,
    **rest: Any,
) -> dict[str, Any]:
    settings = {"min_size": min_size, "max_size": max_size, **rest.pop("settings", {})}
    return {
        "kind": "groups",
        "settings": settings,
        "students": students,
        "facilitators": [{"id": f"f{i}", "groups": 1} for i in range(1, facilitators + 1)],
        **rest,
    }


def solve(data: dict[str, Any]) -> dict[str, Any]:
    result = solve_groups(parse_groups(data))
    out = result.as_dict()
    json.dumps(out)  # JSON-ready
    assert_keeps_the_rules(data, out)
    return out


def refused(data: Any) -> str:
    with pytest.raises(ProblemError) as caught:
        solve_groups(parse_groups(data))
    return str(caught.value)


def penalty_of(data: dict[str, Any], members: list[list[str]]) -> int:
    """The balance penalty of docs/matching.md, from its definition: for each group of
    size s and each category c, the band is [floor(s n_c / N), ceil(s n_c / N)]; the
    penalty is the weighted number of students by which counts fall outside."""
    weights = {"year": 1, "gender": 1, "need": 2, **data["settings"].get("weights", {})}
    by_id = {s["id"]: s for s in data["students"]}
    n = len(data["students"])
    categories: list[tuple[int, Any]] = []
    for year in {s["year"] for s in data["students"]}:
        categories.append((weights["year"], lambda s, y=year: s["year"] == y))
    for gender in {s.get("gender", "") for s in data["students"]}:
        categories.append((weights["gender"], lambda s, g=gender: s.get("gender", "") == g))
    categories.append((weights["need"], lambda s: s.get("higher_need", False)))
    total = 0
    for group in members:
        size = len(group)
        for weight, belongs in categories:
            in_category = sum(1 for s in data["students"] if belongs(s))
            ideal = Fraction(size * in_category, n)
            low, high = math.floor(ideal), math.ceil(ideal)
            count = sum(1 for person in group if belongs(by_id[person]))
            total += weight * max(0, low - count, count - high)
    return total


def assert_keeps_the_rules(data: dict[str, Any], out: dict[str, Any]) -> None:
    settings = data["settings"]
    formed = out["groups"]
    placed = [person for group in formed for person in group["students"]]
    assert sorted(placed) == sorted(s["id"] for s in data["students"])  # each exactly once
    sizes = [len(group["students"]) for group in formed]
    assert all(settings["min_size"] <= size <= settings["max_size"] for size in sizes)
    assert max(sizes) - min(sizes) <= 1
    assert [group["size"] for group in formed] == sizes
    if "groups" in settings:
        assert len(formed) == settings["groups"]
    # Facilitators: one per group, within what each can lead.
    capacity = {f["id"]: f.get("groups", 1) for f in data["facilitators"]}
    load = Counter(group["facilitator"] for group in formed)
    assert all(load[f] <= capacity[f] for f in load)
    # Mentors: one eligible mentor per group where the programme uses them, each once.
    mentors = data.get("mentors", [])
    wanted = settings.get("mentor_per_group", bool(mentors))
    used = [group["mentor"] for group in formed]
    if wanted:
        eligible = {m["id"] for m in mentors if m.get("eligible", True)}
        assert all(m in eligible for m in used)
        assert len(set(used)) == len(used)
    else:
        assert used == [None] * len(formed)
    # Keep-apart: never two in one group, the mentor included.
    for group in formed:
        people = set(group["students"]) | {group["mentor"]}
        for a, b in data.get("keep_apart", []):
            assert not {a, b} <= people, f"{a} and {b} are together in group {group['number']}"
    # The objective is the penalty of these groups, worked out afresh.
    assert out["objective"] == penalty_of(data, [g["students"] for g in formed])
    assert out["objective"] == sum(group["penalty"] for group in formed)
    assert 0 <= out["bound"] <= out["objective"]
    if out["optimal"]:
        assert out["gap"] == 0
    if out["objective"] == 0:
        assert out["gap"] == 0 and out["optimal"]


def random_students(rng: random.Random, n: int) -> list[dict[str, Any]]:
    return [
        student(
            f"s{i}",
            year=rng.choice([7, 8, 9, 10, 11]),
            gender=rng.choices(["F", "M", "X"], weights=[48, 49, 3])[0],
            higher_need=rng.random() < 0.15,
        )
        for i in range(1, n + 1)
    ]


def random_pairs(rng: random.Random, ids: list[str], count: int) -> list[list[str]]:
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < count:
        a, b = sorted(rng.sample(ids, 2))
        pairs.add((a, b))
    return [list(pair) for pair in sorted(pairs)]


# ---------------------------------------------------------------- the hard rules


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_student_is_placed_once_within_sizes_and_rules(seed: int) -> None:
    rng = random.Random(seed)
    students = random_students(rng, 60)
    data = problem(students, keep_apart=random_pairs(rng, [s["id"] for s in students], 15))
    out = solve(data)
    assert out["number_of_groups"] == 9  # 60 / 7, the midpoint size, is nearest 9
    assert out["optimal"]


@pytest.mark.parametrize("seed", [4, 5])
def test_mentors_are_one_per_group_and_kept_apart_where_asked(seed: int) -> None:
    rng = random.Random(seed)
    students = random_students(rng, 50)
    ids = [s["id"] for s in students]
    mentors = [{"id": f"m{i}", "eligible": i % 4 != 0} for i in range(1, 13)]
    eligible = [m["id"] for m in mentors if m["eligible"]]
    keep_apart = random_pairs(rng, ids, 10) + [
        [m, rng.choice(ids)] for m in eligible for _ in (1, 2)
    ]
    data = problem(students, mentors=mentors, keep_apart=keep_apart)
    out = solve(data)
    assert all(group["mentor"] is not None for group in out["groups"])
    assert sorted(out["mentors_not_placed"]) == sorted(
        {m["id"] for m in mentors} - {g["mentor"] for g in out["groups"]}
    )


def test_keep_apart_is_kept_even_when_breaking_it_would_balance_better() -> None:
    # Two of year 7 and two of year 8 in two groups of two: balance puts one of each
    # year in each group, but Ada may be with neither Cy nor Di, so she must be with
    # Bea, and both groups are two students off their year bands.
    students = [student("ada", 7), student("bea", 7), student("cy", 8), student("di", 8)]
    unconstrained = solve(problem(students, min_size=2, max_size=2))
    assert unconstrained["objective"] == 0
    data = problem(students, min_size=2, max_size=2, keep_apart=[["ada", "cy"], ["di", "ada"]])
    out = solve(data)
    assert sorted(sorted(g["students"]) for g in out["groups"]) == [["ada", "bea"], ["cy", "di"]]
    assert out["objective"] == 4
    assert out["optimal"] and out["bound"] == 4 and out["gap"] == 0


def test_a_mentor_is_not_placed_with_a_student_they_are_kept_apart_from() -> None:
    # Both mentors must be used; Mo may be with neither Ada nor Di, so the only
    # balanced arrangement with Mo in it is {bea, cy} for Mo and {ada, di}.
    students = [student("ada", 7), student("bea", 7), student("cy", 8), student("di", 8)]
    data = problem(
        students,
        min_size=2,
        max_size=2,
        mentors=[{"id": "mo"}, {"id": "ned"}],
        keep_apart=[["mo", "ada"], ["di", "mo"]],
    )
    out = solve(data)
    assert out["objective"] == 0
    by_mentor = {g["mentor"]: sorted(g["students"]) for g in out["groups"]}
    assert by_mentor == {"mo": ["bea", "cy"], "ned": ["ada", "di"]}


def test_ineligible_mentors_are_never_placed() -> None:
    students = [student(f"s{i}", 7 + i % 2) for i in range(12)]
    mentors = [{"id": "m1", "eligible": False}, {"id": "m2"}, {"id": "m3"}]
    out = solve(problem(students, min_size=6, max_size=6, mentors=mentors))
    assert sorted(g["mentor"] for g in out["groups"]) == ["m2", "m3"]
    assert out["mentors_not_placed"] == ["m1"]


def test_mentors_listed_are_not_used_when_the_programme_does_not_use_them() -> None:
    students = [student(f"s{i}", 7) for i in range(12)]
    data = problem(
        students, mentors=[{"id": "m1"}], settings={"mentor_per_group": False}, min_size=6
    )
    out = solve(data)
    assert [g["mentor"] for g in out["groups"]] == [None, None]
    assert out["mentors_not_placed"] == ["m1"]


def test_facilitators_lead_groups_in_turn_within_what_they_can_lead() -> None:
    students = [student(f"s{i}", 7) for i in range(18)]
    data = problem(students, min_size=6, max_size=6)
    data["facilitators"] = [{"id": "busy", "groups": 3}, {"id": "part-time", "groups": 1}]
    out = solve(data)
    assert [g["facilitator"] for g in out["groups"]] == ["busy", "part-time", "busy"]


# ---------------------------------------------------------------- balance


def test_perfect_balance_gets_objective_zero_and_every_group_within_its_bands() -> None:
    # Three copies of one balanced group of eight, shuffled: each group can hold four
    # of each year, four of each gender and two with higher need, exactly.
    template = [
        (7, "F", True),
        (7, "F", False),
        (7, "M", False),
        (7, "M", False),
        (8, "F", True),
        (8, "F", False),
        (8, "M", False),
        (8, "M", False),
    ]
    kinds = template * 3
    random.Random(7).shuffle(kinds)
    students = [student(f"s{i}", y, g, n) for i, (y, g, n) in enumerate(kinds)]
    out = solve(problem(students, min_size=8, max_size=8))
    assert (out["objective"], out["bound"], out["gap"], out["optimal"]) == (0, 0, 0, True)
    for group in out["groups"]:
        assert group["counts"] == {
            "year": {"7": 4, "8": 4},
            "gender": {"F": 4, "M": 4},
            "higher_need": 2,
        }
        assert group["penalty"] == 0
    assert out["bands"] == [
        {
            "size": 8,
            "groups": 3,
            "year": {"7": [4, 4], "8": [4, 4]},
            "gender": {"F": [4, 4], "M": [4, 4]},
            "higher_need": [2, 2],
        }
    ]


def test_bands_are_the_floor_and_ceiling_of_each_group_s_fair_share() -> None:
    # 15 students in groups of 7 and 8: 5 with higher need give a fair share of
    # 7 * 5 / 15 = 2.33 (band 2 to 3) and 8 * 5 / 15 = 2.67 (band 2 to 3).
    students = [student(f"s{i}", 7 + i % 3, higher_need=i < 5) for i in range(15)]
    out = solve(problem(students, min_size=7, max_size=8))
    bands = {band["size"]: band for band in out["bands"]}
    assert bands[8]["higher_need"] == [2, 3] and bands[7]["higher_need"] == [2, 3]
    assert bands[8]["year"] == {"7": [2, 3], "8": [2, 3], "9": [2, 3]}
    assert bands[7]["gender"] == {"F": [7, 7]}
    assert [g["size"] for g in out["groups"]] == [8, 7]


def test_the_weights_decide_which_balance_gives_way() -> None:
    # Four students in two groups of two, with Ada and Bea kept apart and Cy and Di
    # kept apart. Ada and Cy are year 7, Bea and Di year 8; Ada and Di have higher
    # need. The allowed groups are {ada, cy} and {bea, di} (each group of one year:
    # two students off the year bands in each, 4 in all; need balanced) or {ada, di}
    # and {bea, cy} (years balanced; one student off the need band in each, 2 in all).
    students = [
        student("ada", 7, higher_need=True),
        student("bea", 8),
        student("cy", 7),
        student("di", 8, higher_need=True),
    ]
    apart = [["ada", "bea"], ["cy", "di"]]
    need_first = solve(
        problem(
            students, min_size=2, max_size=2, keep_apart=apart, settings={"weights": {"need": 5}}
        )
    )
    assert sorted(sorted(g["students"]) for g in need_first["groups"]) == [
        ["ada", "cy"],
        ["bea", "di"],
    ]
    assert need_first["objective"] == 4
    year_first = solve(
        problem(
            students,
            min_size=2,
            max_size=2,
            keep_apart=apart,
            settings={"weights": {"year": 3, "need": 1}},
        )
    )
    assert sorted(sorted(g["students"]) for g in year_first["groups"]) == [
        ["ada", "di"],
        ["bea", "cy"],
    ]
    assert year_first["objective"] == 2


def brute_force(data: dict[str, Any]) -> int | None:
    """The least penalty over every way of giving each student (and each group a
    mentor) a group, with sizes as even as possible, that keeps the keep-apart
    rules; None if there is none."""
    ids = [s["id"] for s in data["students"]]
    k = data["settings"]["groups"]
    base, extra = divmod(len(ids), k)
    even = sorted([base + 1] * extra + [base] * (k - extra))
    mentors = [m["id"] for m in data.get("mentors", []) if m.get("eligible", True)]
    apart = [set(pair) for pair in data.get("keep_apart", [])]
    best: int | None = None
    for labels in itertools.product(range(k), repeat=len(ids)):
        members = [
            [i for i, g in zip(ids, labels, strict=True) if g == group] for group in range(k)
        ]
        if sorted(len(group) for group in members) != even:
            continue
        for chosen in itertools.permutations(mentors, k) if mentors else [(None,) * k]:
            people = [set(members[g]) | {chosen[g]} for g in range(k)]
            if any(pair <= group for pair in apart for group in people):
                continue
            penalty = penalty_of(data, members)
            best = penalty if best is None else min(best, penalty)
    return best


def test_the_optimum_agrees_with_trying_every_arrangement() -> None:
    # Keep-apart pairs are drawn between students of different years, which works
    # against year balance, so that many instances have no arrangement of penalty 0
    # and some have none at all.
    outcomes = Counter()
    for seed in range(40):
        rng = random.Random(seed)
        n, k = rng.randint(6, 9), rng.choice([2, 3])
        students = [
            student(
                f"s{i}",
                year=rng.choice([7, 8, 9]),
                gender=rng.choice(["F", "M"]),
                higher_need=rng.random() < 0.3,
            )
            for i in range(n)
        ]
        weights = {
            "year": rng.randint(1, 3),
            "gender": rng.randint(1, 3),
            "need": rng.randint(1, 3),
        }
        across = [
            [a["id"], b["id"]]
            for a, b in itertools.combinations(students, 2)
            if a["year"] != b["year"]
        ]
        data = problem(
            students,
            min_size=2,
            max_size=5,
            settings={"groups": k, "weights": weights},
            keep_apart=rng.sample(across, min(len(across), rng.randint(2, 8))),
        )
        if seed % 3 == 0:
            data["mentors"] = [
                {"id": f"m{j}", "eligible": j != 2 or seed % 2 == 0} for j in range(1, k + 2)
            ]
            data["keep_apart"] += [["m1", f"s{rng.randrange(n)}"], [f"s{rng.randrange(n)}", "m2"]]
        best = brute_force(data)
        if best is None:
            message = refused(data)
            assert "cannot all be met" in message or "must all be kept apart" in message
            outcomes["no arrangement"] += 1
        else:
            out = solve(data)
            assert (out["objective"], out["optimal"]) == (best, True), f"seed {seed}"
            outcomes["balanced" if best == 0 else "penalty above 0"] += 1
    assert outcomes["penalty above 0"] >= 10 and outcomes["no arrangement"] >= 3, outcomes


# ---------------------------------------------------------------- the number of groups


def test_the_number_of_groups_is_nearest_to_the_midpoint_size() -> None:
    rng = random.Random(11)
    out = solve(problem(random_students(rng, 240), facilitators=40))
    assert out["number_of_groups"] == 34  # 240 / 7 = 34.3
    assert sorted({g["size"] for g in out["groups"]}) == [7, 8]


def test_fewer_facilitators_mean_fewer_larger_groups() -> None:
    rng = random.Random(12)
    out = solve(problem(random_students(rng, 240), facilitators=31))
    assert out["number_of_groups"] == 31
    assert sorted({g["size"] for g in out["groups"]}) == [7, 8]


def test_a_large_keep_apart_clique_raises_the_number_of_groups() -> None:
    students = [student(f"s{i}", 7 + i % 2) for i in range(24)]
    clique = [[f"s{a}", f"s{b}"] for a in range(5) for b in range(a + 1, 5)]
    out = solve(problem(students, min_size=4, max_size=8, keep_apart=clique))
    assert out["number_of_groups"] == 5  # 24 / 6 would give 4


def test_the_number_of_groups_given_is_used() -> None:
    students = [student(f"s{i}", 7 + i % 2) for i in range(24)]
    out = solve(problem(students, min_size=3, max_size=8, settings={"groups": 7}))
    assert out["number_of_groups"] == 7
    assert sorted(g["size"] for g in out["groups"]) == [3, 3, 3, 3, 4, 4, 4]


# ---------------------------------------------------------------- problems that cannot be solved


def test_too_few_facilitators_is_refused() -> None:
    students = [student(f"s{i}") for i in range(24)]
    message = refused(problem(students, facilitators=2))
    assert message == (
        "not enough facilitators: 3 groups are needed, but the facilitators can lead only 2 "
        "between them."
    )


def test_too_few_eligible_mentors_is_refused() -> None:
    students = [student(f"s{i}") for i in range(24)]
    mentors = [{"id": "m1"}, {"id": "m2"}, {"id": "m3", "eligible": False}]
    message = refused(problem(students, mentors=mentors))
    assert message.startswith("not enough eligible mentors: 3 groups each need a mentor")
    assert refused(problem(students, settings={"mentor_per_group": True})).startswith(
        "not enough eligible mentors"
    )


def test_a_keep_apart_clique_larger_than_the_number_of_groups_is_refused() -> None:
    students = [student(f"s{i}") for i in range(18)]
    clique = [[f"s{a}", f"s{b}"] for a in range(4) for b in range(a + 1, 4)]
    # 18 students in groups of 6 to 8 can make at most 3 groups.
    message = refused(problem(students, keep_apart=clique))
    assert message.startswith(
        "the keep-apart rules cannot be met: s0, s1, s2, s3 must all be kept apart from each "
        "other, so they need 4 groups, but there can be at most 3"
    )
    fixed = refused(problem(students, min_size=4, keep_apart=clique, settings={"groups": 3}))
    assert fixed.endswith("so they need 4 groups, but there are only 3.")


def test_keep_apart_rules_no_arrangement_can_meet_are_refused() -> None:
    # Five students in a ring, each kept apart from the next: no two of them are all
    # kept apart from each other in threes, but two groups cannot hold a ring of five.
    students = [student(f"s{i}") for i in range(5)]
    ring = [[f"s{i}", f"s{(i + 1) % 5}"] for i in range(5)]
    message = refused(problem(students, min_size=2, max_size=3, keep_apart=ring))
    assert message.startswith(
        "the keep-apart rules cannot all be met: there is no way to place 5 students in "
        "2 groups of 2 or 3 without putting two people who must be kept apart in the same group"
    )


def test_a_refusal_says_when_more_groups_might_help() -> None:
    # 12 students in groups of 3 to 7: 12 / 2 and 12 / 3 are as near the midpoint
    # size 5, so the engine takes the fewer, 2 groups, which cannot hold a ring of
    # five; 4 groups would be allowed.
    students = [student(f"s{i}") for i in range(12)]
    ring = [[f"s{i}", f"s{(i + 1) % 5}"] for i in range(5)]
    message = refused(problem(students, min_size=3, max_size=7, keep_apart=ring))
    assert message.endswith("; more groups might help (up to 4: set settings.groups).")
    solve(problem(students, min_size=3, max_size=7, keep_apart=ring, settings={"groups": 3}))


def test_a_problem_built_in_code_is_checked_too() -> None:
    built = GroupProblem(
        students=(GroupStudent("s1", 7), GroupStudent("s2", 7)),
        facilitators=(Facilitator("f1"),),
        settings=GroupSettings(min_size=2, max_size=2),
        keep_apart=frozenset({frozenset({"s1", "nobody"})}),
    )
    with pytest.raises(ProblemError, match="unknown id nobody"):
        solve_groups(built)


def test_students_that_cannot_make_groups_of_the_sizes_are_refused() -> None:
    assert refused(problem([student(f"s{i}") for i in range(5)])) == (
        "5 students cannot be split into groups of 6 to 8."
    )
    students = [student(f"s{i}") for i in range(24)]
    assert refused(problem(students, settings={"groups": 5})) == (
        "24 students cannot be split into groups of 6 to 8 with 5 groups: use 3 to 4 groups."
    )
    assert refused(problem(students, min_size=8, max_size=6)) == (
        "min_size (8) is larger than max_size (6)."
    )
    assert refused(problem([])) == "there are no students to place in groups."


def test_a_time_limit_must_be_positive() -> None:
    data = parse_groups(problem([student(f"s{i}") for i in range(6)]))
    with pytest.raises(ProblemError, match="time limit"):
        solve_groups(data, time_limit=0)


# ---------------------------------------------------------------- malformed problems


@pytest.mark.parametrize(
    "change,message",
    [
        (
            lambda d: d["students"][0].update(year="7"),
            "students[0].year: Input should be a valid integer",
        ),
        (
            lambda d: d["students"][1].update(higher_need="yes"),
            "students[1].higher_need: Input should be a valid boolean",
        ),
        (
            lambda d: d["students"][0].update(form="7A"),
            "students[0].form: Extra inputs are not permitted",
        ),
        (
            lambda d: d["settings"].update(min_size=1),
            "settings.min_size: Input should be greater than or equal to 2",
        ),
        (
            lambda d: d["settings"].update(max_size=8.0),
            "settings.max_size: Input should be a valid integer",
        ),
        (
            lambda d: d["settings"].update(weights={"years": 1}),
            "settings.weights.years: Extra inputs are not permitted",
        ),
        (lambda d: d.pop("facilitators"), "facilitators: Field required"),
        (
            lambda d: d.update(keep_apart=[["s0"]]),
            "keep_apart[0]: List should have at least 2 items",
        ),
        (
            lambda d: d.update(keep_apart=[["s0", "s0"]]),
            "keep_apart[0]: the two ids are the same (s0).",
        ),
        (
            lambda d: d.update(keep_apart=[["s0", "nobody"]]),
            "keep_apart[0]: unknown id nobody.",
        ),
        (
            lambda d: d.update(keep_apart=[["s0", "f1"]]),
            "keep_apart[0]: f1 is a facilitator; keep-apart rules are between students and mentors.",
        ),
        (lambda d: d["students"].append(student("s3")), "student listed more than once: s3."),
        (lambda d: d.update(mentors=[{"id": "s2"}]), "listed as both a student and a mentor: s2."),
        (lambda d: d.update(kind="pairs"), 'this is a "pairs" problem, not a group one.'),
        (lambda d: d.update(kind="trios"), 'kind must be "pairs" or "groups", not "trios".'),
    ],
)
def test_malformed_problems_get_a_clear_message(change: Any, message: str) -> None:
    data = problem([student(f"s{i}") for i in range(12)])
    change(data)
    with pytest.raises(ProblemError) as caught:
        parse_groups(data)
    assert message in str(caught.value)


def test_a_problem_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ProblemError, match="must be a JSON object"):
        parse_groups([1, 2])


# ---------------------------------------------------------------- the command and the layering


def test_the_command_solves_a_group_problem_and_prints_json(tmp_path: Path) -> None:
    rng = random.Random(3)
    students = random_students(rng, 30)
    data = problem(students, keep_apart=random_pairs(rng, [s["id"] for s in students], 5))
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = StringIO()
    call_command("solve_matching", str(path), stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["kind"] == "groups"
    assert printed["number_of_groups"] == 4
    assert_keeps_the_rules(data, printed)


def test_the_command_refuses_a_bad_group_problem(tmp_path: Path) -> None:
    data = problem([student(f"s{i}") for i in range(12)], facilitators=1)
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="not enough facilitators"):
        call_command("solve_matching", str(path), stdout=StringIO())
    data["students"][0]["year"] = "seven"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=r"students\[0\]\.year: Input should be a valid integer"):
        call_command("solve_matching", str(path), stdout=StringIO())


def test_group_formation_imports_no_django() -> None:
    tree = ast.parse(Path(groups_module.__file__).read_text(encoding="utf-8"))
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [m for m in modules if m.split(".")[0] == "django"]


def test_the_result_is_a_group_result() -> None:
    result = solve_groups(parse_groups(problem([student(f"s{i}") for i in range(6)])))
    assert isinstance(result, GroupResult)
    assert result.as_dict()["groups"][0]["students"] == [f"s{i}" for i in range(6)]
