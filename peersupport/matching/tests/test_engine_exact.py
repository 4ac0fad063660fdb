"""The engine's answers are optimal: checked against an exhaustive search on small
random instances (hypothesis) and against networkx's min-cost flow on 200 larger
ones. Both references read the rules and the score from the problem here, in
their own code, not through the engine's."""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from peersupport.matching.engine import PairProblem, PairResult, pair_breaks, solve_pairs
from peersupport.matching.problem import parse_pairs

# Spellings differ on purpose: the rules compare words without regard to case or
# surrounding spaces, and English is never a shared home language.
SLOTS = ["mon-lunch", "Mon-Lunch", "wed-lunch", "fri-after "]
INTERESTS = ["art", "Art", "chess", "football", "music", "drama"]
LANGUAGES = ["en", "English", "pl", "Polish", "ur"]
GENDERS = ["F", "M", ""]


# ---------------------------------------------------------------- the rules, again


def _words(values: Any, *, home: bool = False) -> set[str]:
    out = {v.strip().lower() for v in values} - {""}
    return out - {"en", "eng", "english"} if home else out


def allowed(problem: PairProblem, mentee_id: str, mentor_id: str) -> bool:
    """Every hard rule but room, as the specification states them."""
    e = next(x for x in problem.mentees if x.id == mentee_id)
    r = next(x for x in problem.mentors if x.id == mentor_id)
    if not r.eligible:
        return False
    if {mentee_id, mentor_id} in [set(p) for p in problem.keep_apart]:
        return False
    if r.year < e.year + problem.settings.min_year_gap:
        return False
    if e.same_gender and (e.gender == "" or e.gender != r.gender):
        return False
    if not _words(e.availability) & _words(r.availability):
        return False
    return (mentee_id, mentor_id) not in problem.rejected


def score(problem: PairProblem, mentee_id: str, mentor_id: str) -> int:
    e = next(x for x in problem.mentees if x.id == mentee_id)
    r = next(x for x in problem.mentors if x.id == mentor_id)
    w = problem.settings.weights
    total = w.interests * len(_words(e.interests) & _words(r.interests))
    total += w.availability * len(_words(e.availability) & _words(r.availability))
    if _words(e.languages, home=True) & _words(r.languages, home=True):
        total += w.language
    if e.preferred_mentor == mentor_id:
        total += w.preference
    return total


def places_left(problem: PairProblem) -> dict[str, int]:
    left = {r.id: r.capacity for r in problem.mentors}
    for _mentee, mentor in problem.locked:
        left[mentor] -= 1
    return left


def free_mentees(problem: PairProblem) -> list[str]:
    locked = {mentee for mentee, _mentor in problem.locked}
    return [e.id for e in problem.mentees if e.id not in locked]


def locked_value(problem: PairProblem) -> tuple[int, int]:
    return len(problem.locked), sum(score(problem, e, r) for e, r in problem.locked)


def exhaustive_optimum(problem: PairProblem) -> tuple[int, int]:
    """The best (matched count, total score) over every set of pairs, by trying for
    each mentee in turn every mentor with a place left, and no mentor."""
    mentees = free_mentees(problem)
    mentor_ids = [r.id for r in problem.mentors]
    options = [
        [(k, score(problem, e, r)) for k, r in enumerate(mentor_ids) if allowed(problem, e, r)]
        for e in mentees
    ]

    @cache
    def best(i: int, room: tuple[int, ...]) -> tuple[int, int]:
        if i == len(mentees):
            return (0, 0)
        found = best(i + 1, room)  # this mentee left unmatched
        for k, value in options[i]:
            if room[k] > 0:
                rest = best(i + 1, (*room[:k], room[k] - 1, *room[k + 1 :]))
                found = max(found, (rest[0] + 1, rest[1] + value))
        return found

    left = places_left(problem)
    count, total = best(0, tuple(max(left[r], 0) for r in mentor_ids))
    locked_count, locked_score = locked_value(problem)
    return count + locked_count, total + locked_score


def networkx_optimum(problem: PairProblem) -> tuple[int, int]:
    """The same by a maximum flow of minimum cost: source -> mentee (1) -> mentor
    (1, cost -score) -> sink (places left). The flow's size is the number matched
    and its cost the score, so the largest flow of least cost is the optimum."""
    graph = nx.DiGraph()
    graph.add_nodes_from(["source", "sink"])
    for e in free_mentees(problem):
        graph.add_edge("source", ("e", e), capacity=1, weight=0)
        for r in problem.mentors:
            if allowed(problem, e, r.id):
                graph.add_edge(("e", e), ("r", r.id), capacity=1, weight=-score(problem, e, r.id))
    for mentor, left in places_left(problem).items():
        graph.add_edge(("r", mentor), "sink", capacity=max(left, 0), weight=0)
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    count = sum(flow["source"].values())
    total = -nx.cost_of_flow(graph, flow)
    locked_count, locked_score = locked_value(problem)
    return count + locked_count, total + locked_score


def check_answer(problem: PairProblem, result: PairResult) -> None:
    """What holds of every answer, whatever the instance."""
    mentees = {e.id: e for e in problem.mentees}
    mentors = {r.id: r for r in problem.mentors}
    seen = [p.mentee for p in result.pairs] + [u.mentee for u in result.unmatched]
    assert sorted(seen) == sorted(mentees), "every mentee is paired or unmatched, once"
    for pair in result.pairs:
        assert pair_breaks(problem, mentees[pair.mentee], mentors[pair.mentor]) == []
        assert allowed(problem, pair.mentee, pair.mentor)
        assert pair.score == score(problem, pair.mentee, pair.mentor)
        assert pair.reasons
        assert pair.locked == ((pair.mentee, pair.mentor) in problem.locked)
    taken = [p.mentor for p in result.pairs]
    for mentor in problem.mentors:
        assert taken.count(mentor.id) <= mentor.capacity
    assert set(problem.locked) <= {(p.mentee, p.mentor) for p in result.pairs}
    # The reasons tell the truth: a mentee is said to be waiting because their
    # possible mentors were needed for others exactly when they had possible mentors,
    # and then every one of them is full.
    left = places_left(problem)
    for waiting in result.unmatched:
        possible = [
            r.id
            for r in problem.mentors
            if left[r.id] > 0 and allowed(problem, waiting.mentee, r.id)
        ]
        needed = waiting.reasons[0].endswith(
            ("needed for another mentee", "needed for other mentees")
        )
        assert needed == bool(possible), waiting
        assert all(taken.count(r) == mentors[r].capacity for r in possible)
    for pair in result.pairs:
        wanted = mentees[pair.mentee].preferred_mentor
        if wanted and wanted != pair.mentor and not pair.locked:
            note = pair.reasons[-1]
            assert note.startswith(f"asked for {wanted}")
            if note.endswith("who was needed for other mentees"):
                assert taken.count(wanted) == mentors[wanted].capacity
            if "match (score" in note:
                assert taken.count(wanted) < mentors[wanted].capacity
                assert score(problem, pair.mentee, pair.mentor) >= score(
                    problem, pair.mentee, wanted
                )
    assert result.matched_count == len(result.pairs)
    assert result.total_score == sum(p.score for p in result.pairs)
    assert result.optimal


# ---------------------------------------------------------------- small instances


@st.composite
def small_problems(draw: st.DrawFn) -> dict[str, Any]:
    """1 to 6 mentees and 1 to 4 mentors with capacities 0 to 2, and keep-apart,
    locked and rejected pairs, as the JSON the command reads. Hypothesis tries the
    simplest values most, so those are the ones that let a pair be made (eligible,
    an older mentor, a capacity of 1): most instances then have pairs to choose
    between."""
    # Instances with no mentors or no mentees are tested in test_engine.py.
    n_mentors = draw(st.integers(1, 4))
    n_mentees = draw(st.integers(1, 6))
    mentor_ids = [f"m{k}" for k in range(n_mentors)]
    mentee_ids = [f"s{k}" for k in range(n_mentees)]

    def tags(choices: list[str], most: int, least: int = 0) -> Any:
        return st.lists(st.sampled_from(choices), min_size=least, max_size=most, unique=True)

    mentors = [
        {
            "id": mentor_id,
            "year": 13 - draw(st.integers(0, 5)),
            "gender": draw(st.sampled_from(GENDERS)),
            "capacity": draw(st.sampled_from([1, 2, 0])),
            "eligible": not (draw(st.booleans()) and draw(st.booleans())),
            "interests": draw(tags(INTERESTS, 4)),
            "languages": draw(tags(LANGUAGES, 2)),
            "availability": draw(tags(SLOTS, 3, least=1)),
        }
        for mentor_id in mentor_ids
    ]
    mentees = [
        {
            "id": mentee_id,
            "year": draw(st.integers(7, 10)),
            "gender": draw(st.sampled_from(GENDERS)),
            "same_gender": draw(st.sampled_from([False, False, True])),
            "preferred_mentor": draw(st.none() | st.sampled_from(mentor_ids))
            if mentor_ids
            else None,
            "interests": draw(tags(INTERESTS, 4)),
            "languages": draw(tags(LANGUAGES, 2)),
            "availability": draw(tags(SLOTS, 3, least=1)),
        }
        for mentee_id in mentee_ids
    ]
    pairs = [(e, r) for e in mentee_ids for r in mentor_ids]
    chosen = st.lists(st.sampled_from(pairs), max_size=4, unique=True) if pairs else st.just([])
    keep_apart = [[e, r] if draw(st.booleans()) else [r, e] for e, r in draw(chosen)]
    rejected = [list(p) for p in draw(chosen)]
    data: dict[str, Any] = {
        "settings": {
            "min_year_gap": draw(st.sampled_from([1, 0, 1, 2])),
            "weights": {
                name: draw(st.integers(0, 6))
                for name in ("interests", "availability", "language", "preference")
            },
        },
        "mentors": mentors,
        "mentees": mentees,
        "keep_apart": keep_apart,
        "rejected": rejected,
    }
    # Locks must keep every rule, so only allowed pairs with a place left are kept.
    unlocked = parse_pairs(data)
    room = {m["id"]: m["capacity"] for m in mentors}
    locked: list[list[str]] = []
    for e, r in draw(chosen):
        if room[r] > 0 and e not in {x for x, _ in locked} and allowed(unlocked, e, r):
            locked.append([e, r])
            room[r] -= 1
    data["locked"] = locked
    return data


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(small_problems())
def test_the_engine_finds_the_exhaustive_optimum_on_small_instances(data: dict[str, Any]) -> None:
    problem = parse_pairs(data)
    result = solve_pairs(problem)
    # Steer the search towards instances where some are matched and some left waiting.
    target(float(min(result.matched_count, len(result.unmatched))), label="contested")
    check_answer(problem, result)
    assert (result.matched_count, result.total_score) == exhaustive_optimum(problem)


def test_the_exhaustive_search_itself_prefers_count_to_score() -> None:
    # A check of the reference: s1 scores 10 with m1 and 1 with m2; s2 can only
    # have m1. Matching both (1 + 1) beats the best score (10, one matched).
    data = {
        "mentors": [
            {"id": "m1", "year": 10, "interests": ["art", "chess", "music"], "availability": ["x"]},
            {"id": "m2", "year": 8, "availability": ["x"]},
        ],
        "mentees": [
            {"id": "s1", "year": 7, "interests": ["art", "chess", "music"], "availability": ["x"]},
            {"id": "s2", "year": 8, "availability": ["x"]},
        ],
    }
    problem = parse_pairs(data)
    assert exhaustive_optimum(problem) == (2, 2)
    assert networkx_optimum(problem) == (2, 2)


# ---------------------------------------------------------------- against networkx


def random_problem(rng: random.Random) -> dict[str, Any]:
    """Up to 40 mentees and 15 mentors, with how crowded the timetable is, how
    strict the rules are and how many places there are varying between instances."""
    n_mentees = rng.randint(0, 40)
    n_mentors = rng.randint(0, 15)
    slots = rng.sample(
        ["mon-lunch", "tue-lunch", "wed-lunch", "thu-break", "fri-after"], k=rng.randint(1, 5)
    )
    interests = ["art", "chess", "football", "music", "drama", "gaming", "cooking", "dance"]
    languages = ["pl", "ur", "ro", "so", "en"]
    strict = rng.random()

    def person(prefix: str, k: int, years: tuple[int, int]) -> dict[str, Any]:
        return {
            "id": f"{prefix}{k}",
            "year": rng.randint(*years),
            "gender": rng.choice(["F", "M", "M", "F", "X", ""]),
            "interests": rng.sample(interests, rng.randint(0, 4)),
            "languages": ["en", *rng.sample(languages, rng.choice([0, 0, 0, 1]))],
            "availability": rng.sample(slots, rng.randint(1, len(slots))),
        }

    mentors = [
        {
            **person("m", k, (8, 13)),
            "capacity": rng.randint(0, 4),
            "eligible": rng.random() > strict / 4,
        }
        for k in range(n_mentors)
    ]
    mentees = [
        {**person("s", k, (7, 10)), "same_gender": rng.random() < strict / 2}
        for k in range(n_mentees)
    ]
    for e in mentees:
        if mentors and rng.random() < 0.2:
            e["preferred_mentor"] = rng.choice(mentors)["id"]
    pairs = [(e["id"], r["id"]) for e in mentees for r in mentors]
    data: dict[str, Any] = {
        "settings": {
            "min_year_gap": rng.choice([0, 1, 1, 2]),
            "weights": {
                "interests": rng.randint(0, 5),
                "availability": rng.randint(0, 3),
                "language": rng.randint(0, 4),
                "preference": rng.randint(0, 8),
            },
        },
        "mentors": mentors,
        "mentees": mentees,
        "keep_apart": [list(p) for p in rng.sample(pairs, min(len(pairs), rng.randint(0, 6)))],
        "rejected": [list(p) for p in rng.sample(pairs, min(len(pairs), rng.randint(0, 6)))],
    }
    unlocked = parse_pairs(data)
    room = {r["id"]: r["capacity"] for r in mentors}
    locked: list[list[str]] = []
    for e, r in rng.sample(pairs, min(len(pairs), rng.randint(0, 8))):
        if room[r] > 0 and e not in {x for x, _ in locked} and allowed(unlocked, e, r):
            locked.append([e, r])
            room[r] -= 1
    data["locked"] = locked
    return data


def test_the_engine_equals_networkx_min_cost_flow_on_200_random_instances() -> None:
    rng = random.Random(20260601)
    matched_somewhere = left_out_somewhere = 0
    for _ in range(200):
        problem = parse_pairs(random_problem(rng))
        result = solve_pairs(problem)
        check_answer(problem, result)
        assert (result.matched_count, result.total_score) == networkx_optimum(problem)
        matched_somewhere += result.matched_count > len(problem.locked)
        left_out_somewhere += bool(result.unmatched) and result.matched_count > 0
    # The instances are not trivial: most match someone, and many leave someone out.
    assert matched_somewhere > 150
    assert left_out_somewhere > 50
