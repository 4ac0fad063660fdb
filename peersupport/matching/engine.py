"""The one-to-one matching engine: pure Python with NumPy and SciPy, no Django.

Given waiting mentees and available mentors, it proposes pairs that

1. never break a hard rule (the mentor is eligible and has room, the two are not
   kept apart, the mentor is at least ``min_year_gap`` years above the mentee, the
   genders match where the mentee asked for that, they share a free time, and the
   coordinator has not ruled the pair out),
2. match as many mentees as possible, and among all such sets of pairs
3. have the largest total score.

Each mentor is repeated once per place they have left, which turns the problem
into a rectangular assignment problem solved exactly by SciPy's
``linear_sum_assignment`` (a shortest augmenting path method, so the answer is
optimal, not a heuristic). The two objectives become one weight per allowed pair,
``BIG + score``, with ``BIG`` larger than any total score could be: one more pair
is always worth more than any gain in score. Forbidden pairs weigh nothing and are
dropped from the answer.

Every pair carries its reasons in words, and every mentee left unmatched carries
why. ``peersupport.matching.problem`` reads the JSON format of docs/matching.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

ENGLISH = frozenset({"en", "eng", "english"})


class ProblemError(ValueError):
    """The problem cannot be solved as given; the message says what is wrong."""


@dataclass(frozen=True)
class Weights:
    interests: int = 3
    availability: int = 1
    language: int = 2
    preference: int = 5


@dataclass(frozen=True)
class Settings:
    min_year_gap: int = 1
    weights: Weights = field(default_factory=Weights)


@dataclass(frozen=True)
class Mentor:
    id: str
    year: int
    gender: str = ""
    capacity: int = 1
    eligible: bool = True
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    availability: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Mentee:
    id: str
    year: int
    gender: str = ""
    same_gender: bool = False
    preferred_mentor: str | None = None
    interests: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    availability: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PairProblem:
    mentors: tuple[Mentor, ...]
    mentees: tuple[Mentee, ...]
    settings: Settings = field(default_factory=Settings)
    keep_apart: frozenset[frozenset[str]] = frozenset()
    locked: tuple[tuple[str, str], ...] = ()
    rejected: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Pair:
    mentee: str
    mentor: str
    score: int
    reasons: tuple[str, ...]
    locked: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mentee": self.mentee,
            "mentor": self.mentor,
            "score": self.score,
            "reasons": list(self.reasons),
        }
        if self.locked:
            out["locked"] = True
        return out


@dataclass(frozen=True)
class Unmatched:
    mentee: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"mentee": self.mentee, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class PairResult:
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    matched_count: int
    total_score: int
    optimal: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "pairs": [p.as_dict() for p in self.pairs],
            "unmatched": [u.as_dict() for u in self.unmatched],
            "matched_count": self.matched_count,
            "total_score": self.total_score,
            "optimal": self.optimal,
        }


# ---------------------------------------------------------------- words


def _norm(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values if v.strip())


def _languages(values: Iterable[str]) -> frozenset[str]:
    return _norm(values) - ENGLISH


def slot_label(slot: str) -> str:
    """ "wed-lunch" reads as "Wed lunch"; a label already in words is kept."""
    text = slot.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _years(years: Iterable[int]) -> str:
    ordered = sorted(set(years))
    return ("year " if len(ordered) == 1 else "years ") + _and([str(y) for y in ordered])


def _original(values: frozenset[str], shared: Iterable[str]) -> list[str]:
    """The shared items in the spelling the mentee gave, in a stable order."""
    lookup = {v.strip().lower(): v.strip() for v in values}
    return sorted(lookup.get(s, s) for s in shared)


def score_of(problem: PairProblem, mentee: Mentee, mentor: Mentor) -> int:
    w = problem.settings.weights
    return (
        w.interests * len(_norm(mentee.interests) & _norm(mentor.interests))
        + w.availability * len(_norm(mentee.availability) & _norm(mentor.availability))
        + w.language * (1 if _languages(mentee.languages) & _languages(mentor.languages) else 0)
        + w.preference * (1 if mentee.preferred_mentor == mentor.id else 0)
    )


def pair_reasons(mentee: Mentee, mentor: Mentor, *, locked: bool = False) -> tuple[str, ...]:
    """Why this pair is good, in words a coordinator can read out."""
    reasons = []
    if locked:
        reasons.append("kept as the coordinator locked it")
    if mentee.preferred_mentor == mentor.id:
        reasons.append("the mentee asked for this mentor")
    interests = _original(mentee.interests, _norm(mentee.interests) & _norm(mentor.interests))
    if interests:
        reasons.append(f"share {_plural(len(interests), 'interest')}: {', '.join(interests)}")
    slots = _original(mentee.availability, _norm(mentee.availability) & _norm(mentor.availability))
    if slots:
        reasons.append("both free " + _and([slot_label(s) for s in slots]))
    languages = _original(
        mentee.languages, _languages(mentee.languages) & _languages(mentor.languages)
    )
    if languages:
        reasons.append("both speak " + _and(languages))
    if mentee.same_gender:
        reasons.append("same gender, as the mentee asked")
    return tuple(reasons)


def _same_gender_ok(mentee: Mentee, mentor: Mentor) -> bool:
    return not mentee.same_gender or (bool(mentee.gender) and mentor.gender == mentee.gender)


def pair_breaks(
    problem: PairProblem, mentee: Mentee, mentor: Mentor, *, room: int | None = None
) -> list[str]:
    """The hard rules this pair breaks, in words; empty if it may be proposed.
    ``room`` is how many more mentees the mentor may take (default: capacity)."""
    broken = []
    if not mentor.eligible:
        broken.append("the mentor is not eligible (not active, or training missing or expired)")
    if (mentor.capacity if room is None else room) <= 0:
        broken.append("the mentor has no room for another mentee")
    if frozenset((mentee.id, mentor.id)) in problem.keep_apart:
        broken.append("the two must be kept apart")
    gap = problem.settings.min_year_gap
    if mentor.year - mentee.year < gap:
        broken.append(
            f"the mentor is in year {mentor.year}, not at least {_plural(gap, 'year')} "
            f"above year {mentee.year}"
        )
    if not _same_gender_ok(mentee, mentor):
        broken.append("the mentee asked for a mentor of the same gender")
    if not _norm(mentee.availability) & _norm(mentor.availability):
        broken.append("they share no free time")
    if (mentee.id, mentor.id) in problem.rejected:
        broken.append("the coordinator ruled this pair out")
    return broken


# ---------------------------------------------------------------- solving


def _incidence(rows: Sequence[frozenset[str]], columns: Sequence[frozenset[str]]) -> np.ndarray:
    """How many items each row shares with each column, as an integer matrix."""
    vocabulary = {item: i for i, item in enumerate(sorted(set().union(*rows, *columns)))}
    if not vocabulary:
        return np.zeros((len(rows), len(columns)), dtype=np.int32)

    def matrix(sets: Sequence[frozenset[str]]) -> np.ndarray:
        out = np.zeros((len(sets), len(vocabulary)), dtype=np.float32)
        for i, items in enumerate(sets):
            out[i, [vocabulary[item] for item in items]] = 1.0
        return out

    # float32 products are exact for counts this small, and BLAS makes them fast.
    return (matrix(rows) @ matrix(columns).T).astype(np.int32)


@dataclass
class _Matrices:
    shared_interests: np.ndarray
    shared_slots: np.ndarray
    shared_language: np.ndarray
    preferred: np.ndarray
    eligible: np.ndarray
    year_ok: np.ndarray
    gender_ok: np.ndarray
    apart: np.ndarray
    rejected: np.ndarray


def _matrices(problem: PairProblem, mentees: Sequence[Mentee]) -> _Matrices:
    mentors = problem.mentors
    n, m = len(mentees), len(mentors)
    column = {mentor.id: j for j, mentor in enumerate(mentors)}
    row = {mentee.id: i for i, mentee in enumerate(mentees)}
    preferred = np.zeros((n, m), dtype=bool)
    for i, mentee in enumerate(mentees):
        if mentee.preferred_mentor in column:
            preferred[i, column[mentee.preferred_mentor]] = True
    apart = np.zeros((n, m), dtype=bool)
    for pair in problem.keep_apart:
        a, b = sorted(pair)
        for x, y in ((a, b), (b, a)):
            if x in row and y in column:
                apart[row[x], column[y]] = True
    rejected = np.zeros((n, m), dtype=bool)
    for mentee_id, mentor_id in problem.rejected:
        if mentee_id in row and mentor_id in column:
            rejected[row[mentee_id], column[mentor_id]] = True
    mentee_year = np.array([e.year for e in mentees], dtype=np.int64)[:, None]
    mentor_year = np.array([r.year for r in mentors], dtype=np.int64)[None, :]
    mentee_gender = np.array([e.gender for e in mentees], dtype=object)[:, None]
    mentor_gender = np.array([r.gender for r in mentors], dtype=object)[None, :]
    wants_same = np.array([e.same_gender for e in mentees], dtype=bool)[:, None]
    gender_ok = ~wants_same | ((mentee_gender == mentor_gender) & (mentee_gender != ""))
    return _Matrices(
        shared_interests=_incidence(
            [_norm(e.interests) for e in mentees], [_norm(r.interests) for r in mentors]
        ),
        shared_slots=_incidence(
            [_norm(e.availability) for e in mentees], [_norm(r.availability) for r in mentors]
        ),
        shared_language=_incidence(
            [_languages(e.languages) for e in mentees], [_languages(r.languages) for r in mentors]
        )
        > 0,
        preferred=preferred,
        eligible=np.array([r.eligible for r in mentors], dtype=bool)[None, :],
        year_ok=(mentor_year - mentee_year) >= problem.settings.min_year_gap,
        gender_ok=np.asarray(gender_ok, dtype=bool),
        apart=apart,
        rejected=rejected,
    )


def _room_after_locks(problem: PairProblem) -> dict[str, int]:
    room = {mentor.id: mentor.capacity for mentor in problem.mentors}
    for _mentee, mentor in problem.locked:
        room[mentor] -= 1
    return room


def check_locks(problem: PairProblem) -> None:
    """Refuse locked pairs that break a hard rule or overfill a mentor."""
    mentees = {e.id: e for e in problem.mentees}
    mentors = {r.id: r for r in problem.mentors}
    seen: set[str] = set()
    for mentee_id, mentor_id in problem.locked:
        if mentee_id not in mentees:
            raise ProblemError(f"locked pair ({mentee_id}, {mentor_id}): no mentee {mentee_id}.")
        if mentor_id not in mentors:
            raise ProblemError(f"locked pair ({mentee_id}, {mentor_id}): no mentor {mentor_id}.")
        if mentee_id in seen:
            raise ProblemError(f"mentee {mentee_id} is locked to more than one mentor.")
        seen.add(mentee_id)
        broken = pair_breaks(problem, mentees[mentee_id], mentors[mentor_id], room=1)
        if broken:
            raise ProblemError(
                f"locked pair ({mentee_id}, {mentor_id}) breaks a rule: {'; '.join(broken)}."
            )
    for mentor_id, left in _room_after_locks(problem).items():
        if left < 0:
            # ``capacity`` is the room the mentor has left in this problem (the
            # application gives capacity minus open pairings), not their full capacity.
            room = mentors[mentor_id].capacity
            raise ProblemError(
                f"mentor {mentor_id} is locked to {_plural(room - left, 'mentee')}, but has "
                f"room for {_plural(room, 'more mentee')} in this run."
            )


def solve_pairs(problem: PairProblem) -> PairResult:
    """The optimal set of pairs, with reasons; see the module docstring."""
    check_locks(problem)
    mentors = problem.mentors
    locked_mentees = {mentee for mentee, _mentor in problem.locked}
    free = [e for e in problem.mentees if e.id not in locked_mentees]
    room_by_id = _room_after_locks(problem)
    room = np.array([max(room_by_id[r.id], 0) for r in mentors], dtype=np.int64)
    w = problem.settings.weights

    chosen: dict[str, int] = {}
    if free and mentors:
        mats = _matrices(problem, free)
        score = (
            w.interests * mats.shared_interests
            + w.availability * mats.shared_slots
            + w.language * mats.shared_language.astype(np.int64)
            + w.preference * mats.preferred.astype(np.int64)
        ).astype(np.int64)
        allowed = (
            mats.eligible
            & (room > 0)[None, :]
            & ~mats.apart
            & mats.year_ok
            & mats.gender_ok
            & (mats.shared_slots > 0)
            & ~mats.rejected
        )
        rows = np.flatnonzero(allowed.any(axis=1))
        cols = np.flatnonzero(allowed.any(axis=0))
        if len(rows) and len(cols):
            sub_allowed = allowed[np.ix_(rows, cols)]
            sub_score = score[np.ix_(rows, cols)]
            # A mentor is never given more places than mentees who may take them.
            places = np.minimum(room[cols], sub_allowed.sum(axis=0))
            expand = np.repeat(np.arange(len(cols)), places)
            big = int(sub_score.max(initial=0)) * len(rows) + 1
            weight = np.where(sub_allowed, big + sub_score, 0).astype(np.float64)[:, expand]
            r, c = linear_sum_assignment(weight, maximize=True)
            for i, k in zip(r, c, strict=True):
                j = expand[k]
                if sub_allowed[i, j]:
                    chosen[free[rows[i]].id] = int(cols[j])

    by_id = {r.id: r for r in mentors}
    mentee_by_id = {e.id: e for e in problem.mentees}
    pairs: list[Pair] = []
    for mentee_id, mentor_id in problem.locked:
        mentee, mentor = mentee_by_id[mentee_id], by_id[mentor_id]
        pairs.append(
            Pair(
                mentee_id,
                mentor_id,
                score_of(problem, mentee, mentor),
                pair_reasons(mentee, mentor, locked=True),
                locked=True,
            )
        )
    unmatched: list[Unmatched] = []
    spare = dict(room_by_id)
    for j in chosen.values():
        spare[mentors[j].id] -= 1
    for mentee in free:
        if mentee.id in chosen:
            mentor = mentors[chosen[mentee.id]]
            reasons = list(pair_reasons(mentee, mentor))
            if mentee.preferred_mentor and mentee.preferred_mentor != mentor.id:
                reasons.append(
                    _preference_note(problem, mentee, room_by_id, spare=spare, instead=mentor)
                )
            pairs.append(
                Pair(mentee.id, mentor.id, score_of(problem, mentee, mentor), tuple(reasons))
            )
        else:
            unmatched.append(
                Unmatched(
                    mentee.id,
                    tuple(_why_unmatched(problem, mentee, room_by_id)),
                )
            )
    order = {e.id: k for k, e in enumerate(problem.mentees)}
    pairs.sort(key=lambda p: order[p.mentee])
    return PairResult(
        pairs=tuple(pairs),
        unmatched=tuple(unmatched),
        matched_count=len(pairs),
        total_score=sum(p.score for p in pairs),
        optimal=True,
    )


def _preference_note(
    problem: PairProblem,
    mentee: Mentee,
    room: dict[str, int],
    *,
    spare: dict[str, int] | None = None,
    instead: Mentor | None = None,
) -> str:
    """Why the mentee did not get the mentor they asked for. ``spare`` is each
    mentor's room left after the matching, ``instead`` the mentor they got."""
    wanted = next((r for r in problem.mentors if r.id == mentee.preferred_mentor), None)
    if wanted is None:
        return f"asked for {mentee.preferred_mentor}, who is not in this run"
    broken = pair_breaks(problem, mentee, wanted, room=room[wanted.id])
    if broken:
        return f"asked for {wanted.id}, but {broken[0]}"
    if spare is not None and instead is not None and spare[wanted.id] > 0:
        # The wanted mentor still has room, so moving the mentee to them is allowed;
        # the pairs are optimal, so the mentor they got scores at least as much.
        got, asked = score_of(problem, mentee, instead), score_of(problem, mentee, wanted)
        better = "a better" if got > asked else "as good a"
        return (
            f"asked for {wanted.id}, but {instead.id} is {better} match "
            f"(score {got} against {asked})"
        )
    return f"asked for {wanted.id}, who was needed for other mentees"


_CONDITIONS = {  # (said of one mentor, said of several)
    "slot": ("shares a free time", "share a free time"),
    "year": ("is old enough", "are old enough"),
    "gender": ("is of the same gender", "are of the same gender"),
    "apart": ("need not be kept apart", "need not be kept apart"),
    "rejected": ("is not ruled out", "are not ruled out"),
}


def _why_unmatched(problem: PairProblem, mentee: Mentee, room: dict[str, int]) -> list[str]:
    """Why no mentor could be found: the first rule that rules out every mentor
    still in the running, said in terms of the mentors it ruled out."""
    mentors = list(problem.mentors)
    reasons: list[str] = []
    if not mentors:
        return ["there are no mentors in this run"]
    left = [r for r in mentors if r.eligible]
    if not left:
        return ["no mentor is eligible: each is not active, or is missing training"]
    with_room = [r for r in left if room[r.id] > 0]
    if not with_room:
        return [f"every eligible mentor ({_plural(len(left), 'mentor')}) is already full"]
    left = with_room
    slots = _norm(mentee.availability)
    if not slots:
        return ["no free times are recorded for this mentee"]
    steps: list[tuple[str, Any]] = [
        ("slot", lambda r: bool(slots & _norm(r.availability))),
        ("year", lambda r: r.year - mentee.year >= problem.settings.min_year_gap),
        ("gender", lambda r: _same_gender_ok(mentee, r)),
        ("apart", lambda r: frozenset((mentee.id, r.id)) not in problem.keep_apart),
        ("rejected", lambda r: (mentee.id, r.id) not in problem.rejected),
    ]
    # The rules the mentors still in the running meet, to describe them by: sharing a
    # free time always, the others only once they have ruled someone out (a mentee
    # who did not ask for the same gender must not read "of the same gender").
    conditions: list[tuple[str, str]] = []
    for name, keep in steps:
        kept = [r for r in left if keep(r)]
        if not kept:
            described = "with room" + (
                " who " + _and([one if len(left) == 1 else many for one, many in conditions])
                if conditions
                else ""
            )
            reasons.append(_ruled_out(problem, mentee, name, left, described, slots))
            break
        if name == "slot" or len(kept) < len(left):
            conditions.append(_CONDITIONS[name])
        left = kept
    else:
        years = _years(r.year for r in left)
        reasons.append(
            f"the only mentor who meets every rule ({years}) is needed for another mentee"
            if len(left) == 1
            else f"all {len(left)} mentors who meet every rule ({years}) are needed for "
            "other mentees"
        )
        reasons.append("no other set of pairs would match more mentees")
    if mentee.preferred_mentor:
        reasons.append(_preference_note(problem, mentee, room))
    return reasons


def _ruled_out(
    problem: PairProblem,
    mentee: Mentee,
    step: str,
    left: list[Mentor],
    described: str,
    slots: frozenset[str],
) -> str:
    if step == "slot":
        free = _and([slot_label(s) for s in _original(mentee.availability, slots)])
        return f"no mentor with room shares a free time (this mentee is free {free})"
    if step == "year":
        gap = problem.settings.min_year_gap
        return (
            f"only mentors who share a free time are in {_years(r.year for r in left)}; "
            f"a mentor must be at least {_plural(gap, 'year')} above year {mentee.year}"
        )
    if step == "gender":
        if not mentee.gender:
            return (
                "the mentee asked for a mentor of the same gender, but their gender is not recorded"
            )
        if len(left) == 1:
            return (
                f"the mentee asked for a mentor of the same gender, and the only mentor "
                f"{described} is not of the same gender"
            )
        return (
            f"the mentee asked for a mentor of the same gender, and none of the "
            f"{len(left)} mentors {described} is of the same gender"
        )
    only = "the only mentor" if len(left) == 1 else f"the only {len(left)} mentors"
    if step == "apart":
        return f"{only} {described} must be kept apart from this mentee"
    return f"the coordinator ruled out {only} {described}"
