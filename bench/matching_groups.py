"""Benchmark: group formation for a school-sized group programme.

Run with `.venv/bin/python bench/matching_groups.py`. No database and no Django: the
instance is made here, written as the JSON of docs/matching.md and read back with
``parse_groups``, so the parser is timed too.

The instance (seeded, so every run solves the same one): 240 students in years 7 to
11, more of them in the younger years (26%, 23%, 20%, 17%, 14%), 49% girls, 48% boys
and 3% another gender (X), about 15% with higher need (an EHC plan, or at risk);
groups of 6 to 8; 30 keep-apart pairs drawn at random; 18 facilitators who can lead
two groups each. The number of groups is left to the engine (34 groups of 7 or 8).
A second instance adds 40 peer mentors (4 not eligible), one to each group, with 6
of the 30 keep-apart pairs between a mentor and a student. Five more seeds of each
are solved as well, so one lucky instance cannot pass the targets alone.

Both of those can be balanced perfectly (balance penalty 0), so they test the gap
target only lightly. A third, harder instance cannot be: 240 students in 30 groups
of 8, with 120 keep-apart pairs, where year 11, girls and higher need are 30
students each, so a perfectly balanced group holds exactly one of each. But each of
those 45 students is two of the three (15 year 11 girls, 15 year 11 boys with higher
need, 15 younger girls with higher need), so a group's three counts add up to an
even number and cannot all be 1: every group is at least one student off, so no
penalty below 30 is possible, and 30 is reached by pairing each year 11 girl with a
year 11 boy with higher need and giving each younger girl with higher need a group
of her own (the keep-apart rules, drawn at random, leave room for that). It is solved
within the application's time limit (15 s, FORMATION_TIME_LIMIT in
peersupport/matching/services.py), with five more seeds. Its gap is printed and
whether it meets the 5% target is reported, not counted as a failure; its answers
must still keep the hard rules, and a penalty below 30 would be a wrong sum.

Targets; the script exits with status 1 if any fails:

- the relative gap between the balance penalty found and the solver's proved
  bound is at most ``GAP_TARGET`` (5%) on every instance but the harder one (whose
  gap is reported only);
- every answer keeps the hard rules, checked here and not by the engine: every
  student placed exactly once, sizes within 6 to 8, no keep-apart pair in one group
  (mentors included), one facilitator per group within what each can lead, one
  eligible mentor per group where mentors are used, each in one group at most.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

SEED = 2026
MORE_SEEDS = 5
STUDENTS = 240
MIN_SIZE, MAX_SIZE = 6, 8
KEEP_APART = 30
MENTOR_PAIRS = 6
FACILITATORS = 18
MENTORS = 40
GAP_TARGET = 0.05
TIME_LIMIT = 30.0
# The harder instance.
HARD_GROUPS = 30
HARD_KEEP_APART = 120
HARD_BEST = 30  # no balance penalty below this is possible: see the docstring
APP_TIME_LIMIT = 15.0  # FORMATION_TIME_LIMIT of peersupport/matching/services.py


def make_instance(seed: int, *, with_mentors: bool) -> dict[str, Any]:
    rng = random.Random(seed)
    students: list[dict[str, Any]] = [
        {
            "id": f"s{i:03d}",
            "year": rng.choices([7, 8, 9, 10, 11], weights=[26, 23, 20, 17, 14])[0],
            "gender": rng.choices(["F", "M", "X"], weights=[49, 48, 3])[0],
            "higher_need": rng.random() < 0.15,
        }
        for i in range(1, STUDENTS + 1)
    ]
    ids = [s["id"] for s in students]
    pairs: set[tuple[str, str]] = set()
    mentors: list[dict[str, Any]] = []
    if with_mentors:
        mentors = [{"id": f"m{j:02d}", "eligible": j % 10 != 0} for j in range(1, MENTORS + 1)]
        eligible = [m["id"] for m in mentors if m["eligible"]]
        while len(pairs) < MENTOR_PAIRS:
            pairs.add((rng.choice(eligible), rng.choice(ids)))
    while len(pairs) < KEEP_APART:
        a, b = sorted(rng.sample(ids, 2))
        pairs.add((a, b))
    problem: dict[str, Any] = {
        "kind": "groups",
        "settings": {"min_size": MIN_SIZE, "max_size": MAX_SIZE},
        "students": students,
        "facilitators": [{"id": f"f{j:02d}", "groups": 2} for j in range(1, FACILITATORS + 1)],
        "keep_apart": [list(pair) for pair in sorted(pairs)],
    }
    if mentors:
        problem["mentors"] = mentors
    return problem


def make_hard_instance(seed: int) -> dict[str, Any]:
    """The instance perfect balance is impossible for; see the module docstring."""
    rng = random.Random(seed)

    def younger() -> int:
        return rng.choices([7, 8, 9, 10], weights=[26, 23, 20, 17])[0]

    kinds = (
        [(11, "F", False) for _ in range(15)]
        + [(11, "M", True) for _ in range(15)]
        + [(younger(), "F", True) for _ in range(15)]
        + [(younger(), "M", False) for _ in range(STUDENTS - 45)]
    )
    rng.shuffle(kinds)
    students: list[dict[str, Any]] = [
        {"id": f"s{i:03d}", "year": year, "gender": gender, "higher_need": need}
        for i, (year, gender, need) in enumerate(kinds, start=1)
    ]
    ids = [s["id"] for s in students]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < HARD_KEEP_APART:
        a, b = sorted(rng.sample(ids, 2))
        pairs.add((a, b))
    return {
        "kind": "groups",
        "settings": {"min_size": MIN_SIZE, "max_size": MAX_SIZE, "groups": HARD_GROUPS},
        "students": students,
        "facilitators": [{"id": f"f{j:02d}", "groups": 2} for j in range(1, FACILITATORS + 1)],
        "keep_apart": [list(pair) for pair in sorted(pairs)],
    }


def rules_broken(problem: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """The hard rules the answer breaks, worked out from the problem alone."""
    broken = []
    groups = result["groups"]
    placed = Counter(person for group in groups for person in group["students"])
    if sorted(placed) != sorted(s["id"] for s in problem["students"]) or any(
        n != 1 for n in placed.values()
    ):
        broken.append("not every student is placed exactly once")
    for group in groups:
        size = len(group["students"])
        if not MIN_SIZE <= size <= MAX_SIZE:
            broken.append(f"group {group['number']} has {size} students")
        people = set(group["students"]) | {group["mentor"]}
        for a, b in problem["keep_apart"]:
            if a in people and b in people:
                broken.append(f"group {group['number']} holds {a} and {b}, kept apart")
    capacity = {f["id"]: f["groups"] for f in problem["facilitators"]}
    load = Counter(group["facilitator"] for group in groups)
    if any(f not in capacity or load[f] > capacity[f] for f in load):
        broken.append("a facilitator leads more groups than they can")
    if "mentors" in problem:
        eligible = {m["id"] for m in problem["mentors"] if m["eligible"]}
        used = [group["mentor"] for group in groups]
        if len(set(used)) != len(used) or not set(used) <= eligible:
            broken.append("a group lacks an eligible mentor of its own")
    return broken


def run(seed: int, *, with_mentors: bool) -> tuple[float, dict[str, Any], list[str]]:
    from peersupport.matching.groups import parse_groups, solve_groups

    problem = make_instance(seed, with_mentors=with_mentors)
    text = json.dumps(problem)
    started = time.perf_counter()
    result = solve_groups(parse_groups(json.loads(text)), time_limit=TIME_LIMIT).as_dict()
    elapsed = time.perf_counter() - started
    return elapsed, result, rules_broken(problem, result)


def run_hard(seed: int) -> tuple[float, dict[str, Any], list[str]]:
    from peersupport.matching.groups import parse_groups, solve_groups

    problem = make_hard_instance(seed)
    text = json.dumps(problem)
    started = time.perf_counter()
    result = solve_groups(parse_groups(json.loads(text)), time_limit=APP_TIME_LIMIT).as_dict()
    elapsed = time.perf_counter() - started
    broken = rules_broken(problem, result)
    if result["objective"] < HARD_BEST:
        broken.append(f"balance penalty {result['objective']} is below the best possible")
    return elapsed, result, broken


def hard(failures: list[str]) -> None:
    """Solve the harder instance and its five more seeds; report the gap target."""
    elapsed, result, broken = run_hard(SEED)
    print(
        f"{STUDENTS} students, {HARD_KEEP_APART} keep-apart pairs, {HARD_GROUPS} groups of 8, "
        f"perfect balance impossible (best possible {HARD_BEST}): {elapsed:.2f} s; "
        f"objective {result['objective']}, bound {result['bound']:g}, gap {result['gap']:.2%}; "
        f"{result['status']}"
    )
    worst_gap, slowest = result["gap"], elapsed
    failures += [f"seed {SEED} harder: {rule}" for rule in broken]
    for seed in range(SEED + 1, SEED + 1 + MORE_SEEDS):
        more_elapsed, more, more_broken = run_hard(seed)
        worst_gap, slowest = max(worst_gap, more["gap"]), max(slowest, more_elapsed)
        failures += [f"seed {seed} harder: {rule}" for rule in more_broken]
    verdict = "met" if worst_gap <= GAP_TARGET else "NOT met (reported, not a failure)"
    print(
        f"  and {MORE_SEEDS} more seeds: worst gap {worst_gap:.2%}, slowest {slowest:.2f} s; "
        f"gap target {GAP_TARGET:.0%} within {APP_TIME_LIMIT:g} s {verdict}"
    )


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    failures: list[str] = []
    for with_mentors in (False, True):
        label = "with mentors" if with_mentors else "without mentors"
        elapsed, result, broken = run(SEED, with_mentors=with_mentors)
        sizes = Counter(len(group["students"]) for group in result["groups"])
        print(
            f"{STUDENTS} students, {KEEP_APART} keep-apart pairs, {label}: "
            f"{result['number_of_groups']} groups ("
            + ", ".join(f"{n} of {size}" for size, n in sorted(sizes.items()))
            + f") in {elapsed:.2f} s; objective {result['objective']}, "
            f"bound {result['bound']:g}, gap {result['gap']:.2%}; {result['status']}"
        )
        worst_gap, slowest = result["gap"], elapsed
        failures += [f"seed {SEED} {label}: {rule}" for rule in broken]
        for seed in range(SEED + 1, SEED + 1 + MORE_SEEDS):
            more_elapsed, more, more_broken = run(seed, with_mentors=with_mentors)
            worst_gap, slowest = max(worst_gap, more["gap"]), max(slowest, more_elapsed)
            failures += [f"seed {seed} {label}: {rule}" for rule in more_broken]
            if more["gap"] > GAP_TARGET:
                failures.append(f"seed {seed} {label}: gap {more['gap']:.2%}")
        verdict = "met" if worst_gap <= GAP_TARGET else "NOT met"
        print(
            f"  and {MORE_SEEDS} more seeds: worst gap {worst_gap:.2%}, slowest "
            f"{slowest:.2f} s; gap target {GAP_TARGET:.0%} {verdict}"
        )
        if result["gap"] > GAP_TARGET:
            failures.append(f"seed {SEED} {label}: gap {result['gap']:.2%}")
    hard(failures)
    if failures:
        for failure in failures:
            print(f"FAILED: {failure}")
        raise SystemExit(1)
    print("every answer keeps the hard rules")


if __name__ == "__main__":
    main()
