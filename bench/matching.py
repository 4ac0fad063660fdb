"""Benchmark: the one-to-one matching engine on a large school-sized instance,
against an exact method that is independent of it (networkx's min-cost flow) and
against the greedy first-come pairing a coordinator might do by hand.

Run with `.venv/bin/python bench/matching.py`. No database and no Django: the
instance is made here, written as the JSON of docs/matching.md and read back with
``parse_pairs``, so the parser is timed too.

The instance (seeded, so every run solves the same one): 2,000 mentees in years 7
to 9 and 600 mentors in years 9 to 13, each mentor taking 1 to 4 mentees (about
1,500 places, fewer than the mentees, so some are left waiting however they are
paired). The timetable grid has before school, break, lunch and after school on
five days; people are free at lunch most often, then at break, so about ten of
the twenty slots carry nearly all the free times. 20 interests with a skewed
(Zipf-like) popularity, 1 to 6 each. About 20% of mentees (and 15% of mentors)
speak a home language other than English. About a quarter of mentees ask for a
mentor of the same gender, one in ten names a mentor, one in twelve mentors is
not eligible, and there are keep-apart, locked and rejected pairs.

Three methods solve it:

- the engine, ``solve_pairs`` (timed alone; also traced with tracemalloc in a
  second run for its peak of allocated memory);
- networkx's ``max_flow_min_cost`` on a flow network built here from the problem
  (source -> mentee, capacity 1 -> mentor, capacity 1, cost -score -> sink,
  capacity = places left): a maximum flow is the most mentees matched, and its
  minimum cost the largest total score among those. The allowed pairs and their
  scores are worked out here from the rules, not by the engine. Only the
  solver's call is timed, not building the network, which favours networkx;
- greedy first come, first served: mentees in the order they are listed, each
  given the allowed mentor with room who scores highest with them.

Targets, each printed with its ratio; the script exits with status 1 if any fails:

- the engine's matched count and total score equal networkx's;
- the engine is well above greedy: at least as many matched, and a total score
  at least ``GREEDY_SCORE_TARGET`` times greedy's;
- the engine is at least ``SPEED_TARGET`` times faster than networkx;
- memory under 1 GB: the peak resident set size of the process after the engine
  has run (before networkx builds anything), and the engine's tracemalloc peak.
"""

from __future__ import annotations

import gc
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

SEED = 2026
MENTEES = 2000
MENTORS = 600
SPEED_TARGET = 20.0
GREEDY_SCORE_TARGET = 1.10
MEMORY_TARGET_MB = 1024.0
ROUNDS = 3

DAYS = ["mon", "tue", "wed", "thu", "fri"]
PERIODS = {"before": 1, "break": 3, "lunch": 6, "after": 2}
INTERESTS = [
    "football",
    "gaming",
    "music",
    "drawing",
    "basketball",
    "dance",
    "reading",
    "anime",
    "cooking",
    "swimming",
    "films",
    "coding",
    "netball",
    "animals",
    "fashion",
    "cricket",
    "chess",
    "photography",
    "drama",
    "climbing",
]
# Home languages other than English, commonest first (roughly as in English schools).
LANGUAGES = {
    "pl": 10,
    "ur": 9,
    "pa": 6,
    "ro": 6,
    "bn": 5,
    "ar": 5,
    "so": 3,
    "pt": 3,
    "lt": 2,
    "ta": 2,
    "gu": 2,
    "es": 2,
}

T = TypeVar("T")


def weighted_sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """``k`` distinct items, each draw weighted by popularity."""
    pool = dict(weights)
    chosen: list[str] = []
    for _ in range(min(k, len(pool))):
        item = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(item)
        del pool[item]
    return chosen


def make_instance(seed: int = SEED) -> dict[str, Any]:
    """A school-sized problem in the JSON format of docs/matching.md."""
    rng = random.Random(seed)
    slots = {f"{day}-{period}": float(w) for day in DAYS for period, w in PERIODS.items()}
    interests = {name: 1.0 / (rank + 1) for rank, name in enumerate(INTERESTS)}
    languages = {name: float(w) for name, w in LANGUAGES.items()}

    def person(eal_share: float) -> dict[str, Any]:
        spoken = ["en"]
        if rng.random() < eal_share:
            spoken.append(weighted_sample(rng, languages, 1)[0])
        return {
            "gender": rng.choices(["F", "M", "X"], weights=[48, 48, 4])[0],
            "interests": weighted_sample(rng, interests, rng.randint(1, 6)),
            "languages": spoken,
            "availability": weighted_sample(rng, slots, rng.randint(1, 4)),
        }

    mentors = [
        {
            "id": f"r{j}",
            "year": rng.choices([9, 10, 11, 12, 13], weights=[10, 25, 20, 25, 20])[0],
            "capacity": rng.randint(1, 4),
            "eligible": rng.random() > 1 / 12,
            **person(0.15),
        }
        for j in range(MENTORS)
    ]
    mentees = []
    for i in range(MENTEES):
        mentee: dict[str, Any] = {
            "id": f"s{i}",
            "year": rng.choices([7, 8, 9], weights=[45, 35, 20])[0],
            "same_gender": rng.random() < 0.25,
            **person(0.20),
        }
        if rng.random() < 0.10:
            mentee["preferred_mentor"] = rng.choice(mentors)["id"]
        mentees.append(mentee)

    keep_apart = [[rng.choice(mentees)["id"], rng.choice(mentors)["id"]] for _ in range(60)]
    keep_apart += [[f"s{a}", f"s{a + 1}"] for a in rng.sample(range(0, MENTEES, 2), 20)]
    data: dict[str, Any] = {
        "settings": {
            "min_year_gap": 1,
            "weights": {"interests": 3, "availability": 1, "language": 2, "preference": 5},
        },
        "mentors": mentors,
        "mentees": mentees,
        "keep_apart": keep_apart,
        "locked": [],
        "rejected": [],
    }
    # Thirty pairs a coordinator has already agreed, each allowed by every rule.
    room = {m["id"]: m["capacity"] for m in mentors}
    apart = {frozenset(p) for p in keep_apart}
    locked: list[list[str]] = []
    taken: set[str] = set()
    for mentee in rng.sample(mentees, len(mentees)):
        if len(locked) == 30:
            break
        for mentor in rng.sample(mentors, len(mentors)):
            if room[mentor["id"]] > 0 and allowed(data, mentee, mentor, apart, set()):
                locked.append([mentee["id"], mentor["id"]])
                room[mentor["id"]] -= 1
                taken.add(mentee["id"])
                break
    data["locked"] = locked
    rejected: set[tuple[str, str]] = set()
    while len(rejected) < 40:
        mentee_id, mentor_id = rng.choice(mentees)["id"], rng.choice(mentors)["id"]
        if mentee_id not in taken:
            rejected.add((mentee_id, mentor_id))
    data["rejected"] = [list(p) for p in sorted(rejected)]
    return data


# ------------------------------------------------- the rules, independently of the engine


def words(values: list[str], *, drop_english: bool = False) -> set[str]:
    out = {v.strip().lower() for v in values if v.strip()}
    return out - {"en", "eng", "english"} if drop_english else out


def allowed(
    data: dict[str, Any],
    mentee: dict[str, Any],
    mentor: dict[str, Any],
    apart: set[frozenset[str]],
    rejected: set[tuple[str, str]],
) -> bool:
    """Every hard rule but room, read straight from the JSON."""
    gap = data["settings"]["min_year_gap"]
    return (
        mentor.get("eligible", True)
        and frozenset((mentee["id"], mentor["id"])) not in apart
        and mentor["year"] - mentee["year"] >= gap
        and (
            not mentee.get("same_gender", False)
            or (mentee.get("gender", "") != "" and mentee["gender"] == mentor.get("gender", ""))
        )
        and bool(words(mentee["availability"]) & words(mentor["availability"]))
        and (mentee["id"], mentor["id"]) not in rejected
    )


def score(data: dict[str, Any], mentee: dict[str, Any], mentor: dict[str, Any]) -> int:
    w = data["settings"]["weights"]
    return (
        w["interests"] * len(words(mentee["interests"]) & words(mentor["interests"]))
        + w["availability"] * len(words(mentee["availability"]) & words(mentor["availability"]))
        + w["language"]
        * bool(
            words(mentee["languages"], drop_english=True)
            & words(mentor["languages"], drop_english=True)
        )
        + w["preference"] * (mentee.get("preferred_mentor") == mentor["id"])
    )


class Candidates:
    """The pairs still to be decided: free mentees, each mentor's places left after
    the locks, every allowed pair with its score, and the locked pairs' score."""

    def __init__(self, data: dict[str, Any]) -> None:
        apart = {frozenset(p) for p in data["keep_apart"]}
        rejected = {(a, b) for a, b in data["rejected"]}
        mentors = {m["id"]: m for m in data["mentors"]}
        mentees = {m["id"]: m for m in data["mentees"]}
        self.room = {m["id"]: m.get("capacity", 1) for m in data["mentors"]}
        self.locked_score = 0
        for mentee_id, mentor_id in data["locked"]:
            self.room[mentor_id] -= 1
            self.locked_score += score(data, mentees[mentee_id], mentors[mentor_id])
        self.locked_count = len(data["locked"])
        locked = {a for a, _ in data["locked"]}
        self.mentees = [m["id"] for m in data["mentees"] if m["id"] not in locked]
        self.options: dict[str, list[tuple[str, int]]] = {
            mentee_id: [
                (mentor["id"], score(data, mentees[mentee_id], mentor))
                for mentor in data["mentors"]
                if allowed(data, mentees[mentee_id], mentor, apart, rejected)
            ]
            for mentee_id in self.mentees
        }


def networkx_solve(candidates: Candidates) -> tuple[Callable[[], Any], Callable[[Any], Any]]:
    """The flow network, and a function that solves it and one that reads the answer."""
    import networkx as nx

    graph = nx.DiGraph()
    for mentee_id in candidates.mentees:
        graph.add_edge("source", ("mentee", mentee_id), capacity=1, weight=0)
        for mentor_id, value in candidates.options[mentee_id]:
            graph.add_edge(("mentee", mentee_id), ("mentor", mentor_id), capacity=1, weight=-value)
    for mentor_id, places in candidates.room.items():
        if places > 0:
            graph.add_edge(("mentor", mentor_id), "sink", capacity=places, weight=0)
    graph.add_nodes_from(["source", "sink"])

    def solve() -> Any:
        return nx.max_flow_min_cost(graph, "source", "sink")

    def read(flow: Any) -> tuple[int, int]:
        count, total = candidates.locked_count, candidates.locked_score
        for mentee_id in candidates.mentees:
            for mentor_id, value in candidates.options[mentee_id]:
                if flow[("mentee", mentee_id)].get(("mentor", mentor_id), 0) > 0:
                    count += 1
                    total += value
        return count, total

    return solve, read


def greedy(candidates: Candidates) -> tuple[int, int]:
    """First come, first served: each mentee in turn takes the best mentor with room."""
    room = dict(candidates.room)
    count, total = candidates.locked_count, candidates.locked_score
    for mentee_id in candidates.mentees:
        best = None
        for mentor_id, value in candidates.options[mentee_id]:
            if room[mentor_id] > 0 and (best is None or value > best[1]):
                best = (mentor_id, value)
        if best is not None:
            room[best[0]] -= 1
            count += 1
            total += best[1]
    return count, total


def timed(function: Callable[[], T], rounds: int = 1) -> tuple[T, float]:
    """The result and the best wall time over ``rounds`` calls."""
    best = float("inf")
    result: Any = None
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return result, best


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from peersupport.matching.engine import solve_pairs
    from peersupport.matching.problem import load_json, parse_pairs

    data = make_instance()
    text = json.dumps(data)
    problem, parse_time = timed(lambda: parse_pairs(load_json(text)))
    places = sum(m["capacity"] for m in data["mentors"] if m["eligible"])
    print(
        f"instance: {len(data['mentees']):,} mentees, {len(data['mentors']):,} mentors "
        f"({places:,} places with eligible mentors), {len(data['keep_apart'])} keep-apart, "
        f"{len(data['locked'])} locked and {len(data['rejected'])} rejected pairs; "
        f"{len(text) / 1e6:.1f} MB of JSON, parsed in {parse_time:.2f} s"
    )

    result, engine_time = timed(lambda: solve_pairs(problem), ROUNDS)
    engine_rss = peak_rss_mb()
    tracemalloc.start()
    solve_pairs(problem)
    _, engine_traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine_traced_mb = engine_traced / (1024 * 1024)
    print(
        f"engine: {engine_time:.2f} s (best of {ROUNDS}), matched {result.matched_count:,}, "
        f"total score {result.total_score:,}; peak allocated {engine_traced_mb:.0f} MB "
        f"(tracemalloc), process peak RSS {engine_rss:.0f} MB"
    )

    candidates, candidates_time = timed(lambda: Candidates(data))
    edges = sum(len(v) for v in candidates.options.values())
    greedy_answer, greedy_time = timed(lambda: greedy(candidates))
    solve, read = networkx_solve(candidates)
    flow, networkx_time = timed(solve)
    networkx_answer = read(flow)
    print(
        f"networkx max_flow_min_cost: {networkx_time:.2f} s, matched {networkx_answer[0]:,}, "
        f"total score {networkx_answer[1]:,} ({edges:,} allowed pairs, worked out in "
        f"{candidates_time:.1f} s and not timed)"
    )
    print(
        f"greedy first come, first served: {greedy_time:.2f} s, matched {greedy_answer[0]:,}, "
        f"total score {greedy_answer[1]:,}"
    )
    print(f"process peak RSS after networkx: {peak_rss_mb():.0f} MB")

    engine_answer = (result.matched_count, result.total_score)
    speed = networkx_time / engine_time
    over_greedy = result.total_score / max(greedy_answer[1], 1)
    checks = [
        (
            f"engine equals networkx: (matched, score) {engine_answer} against {networkx_answer}",
            engine_answer == networkx_answer,
        ),
        (
            f"engine above greedy: matched {result.matched_count:,} against "
            f"{greedy_answer[0]:,} ({result.matched_count - greedy_answer[0]:+,}), score "
            f"{over_greedy:.2f}x greedy's, target at least as many and "
            f"{GREEDY_SCORE_TARGET:g}x",
            result.matched_count >= greedy_answer[0] and over_greedy >= GREEDY_SCORE_TARGET,
        ),
        (
            f"engine {speed:.1f}x faster than networkx, target {SPEED_TARGET:g}x",
            speed >= SPEED_TARGET,
        ),
        (
            f"engine memory: peak RSS {engine_rss:.0f} MB, tracemalloc peak "
            f"{engine_traced_mb:.0f} MB, target under {MEMORY_TARGET_MB:g} MB",
            max(engine_rss, engine_traced_mb) < MEMORY_TARGET_MB,
        ),
    ]
    for line, ok in checks:
        print(f"{line}: {'met' if ok else 'NOT met'}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
