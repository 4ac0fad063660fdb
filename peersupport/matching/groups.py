"""Group formation for group programmes: pure Python with NumPy, SciPy and pydantic,
no Django.

Given the students of a group programme, the staff who facilitate its groups and,
where the programme uses them, its peer mentors, it places every student in one of
``k`` groups so that

1. no hard rule is broken: group sizes lie between the minimum and the maximum and
   are as even as possible (they differ by at most one), no two people who must be
   kept apart share a group, every group has exactly one facilitator (who leads no
   more groups than they can) and, where mentors are used, exactly one eligible
   mentor (each mentor in at most one group), and
2. among all such arrangements, year groups, genders and students with higher need
   are spread as fairly as possible: the balance penalty below is the smallest.

The balance penalty. Each group ``g`` of size ``s`` has a fair share of each
category ``c`` (each year group present, each gender present, and higher need):
``ideal = s * n_c / N`` where ``n_c`` of the ``N`` students are in the category. The
band of the category is ``[floor(ideal), ceil(ideal)]``. The penalty is the sum over
groups and categories of the category's weight (``year``, ``gender`` or ``need``)
times the number of students by which the group's count lies outside the band.
Zero means every group is within every band.

The model is a mixed-integer linear programme solved by SciPy's ``milp`` (HiGHS).
Students who are in no keep-apart pair are interchangeable with others of the same
(year, gender, higher need) type, so they are counted, not named: one integer
variable per type and group. Only students and mentors in keep-apart pairs get a
yes/no variable per group. Keep-apart pairs become "at most one of this clique per
group" constraints over enough maximal cliques of the keep-apart graph to cover
every pair (tighter than one constraint per pair). Mentors who
are in no pair are likewise a pool: one yes/no variable per group says that the
group's mentor comes from the pool. Facilitators are never kept apart from anyone,
so they are given out afterwards, in turn. The counts are then turned back into
named students in the order they were listed, so the answer is deterministic.

The result reports the penalty of the arrangement found (``objective``, worked out
again from the groups themselves), the solver's proved lower bound on the best
penalty possible (``bound``, HiGHS's dual bound, never below 0) and the relative gap
between them as HiGHS defines it (``(objective - bound) / objective``, and 0 when
the objective is 0). When HiGHS proves optimality the objective equals its value
and the gap is its ``mip_gap``. The format is in docs/matching.md.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from peersupport.matching.engine import ProblemError
from peersupport.matching.problem import (
    Id,
    IdPair,
    Weight,
    _duplicates,
    _Strict,
    describe,
    problem_kind,
)

# Stop listing maximal cliques of the keep-apart graph after this many (the graph of
# a real school is sparse and has a few dozen); beyond it, plain pairs are used.
CLIQUE_LIMIT = 20_000

# ---------------------------------------------------------------- the problem


@dataclass(frozen=True)
class GroupWeights:
    year: int = 1
    gender: int = 1
    need: int = 2


@dataclass(frozen=True)
class GroupSettings:
    min_size: int = 6
    max_size: int = 8
    groups: int | None = None
    mentor_per_group: bool = False
    weights: GroupWeights = field(default_factory=GroupWeights)


@dataclass(frozen=True)
class GroupStudent:
    id: str
    year: int
    gender: str = ""
    higher_need: bool = False


@dataclass(frozen=True)
class Facilitator:
    id: str
    groups: int = 1


@dataclass(frozen=True)
class GroupMentor:
    id: str
    eligible: bool = True


@dataclass(frozen=True)
class GroupProblem:
    students: tuple[GroupStudent, ...]
    facilitators: tuple[Facilitator, ...]
    mentors: tuple[GroupMentor, ...] = ()
    settings: GroupSettings = field(default_factory=GroupSettings)
    keep_apart: frozenset[frozenset[str]] = frozenset()


# ---------------------------------------------------------------- the result


@dataclass(frozen=True)
class Band:
    """The counts a group of ``size`` may hold of each category without penalty."""

    size: int
    groups: int
    year: dict[int, tuple[int, int]]
    gender: dict[str, tuple[int, int]]
    higher_need: tuple[int, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "groups": self.groups,
            "year": {str(y): list(band) for y, band in self.year.items()},
            "gender": {g: list(band) for g, band in self.gender.items()},
            "higher_need": list(self.higher_need),
        }


@dataclass(frozen=True)
class FormedGroup:
    number: int
    students: tuple[str, ...]
    facilitator: str
    mentor: str | None
    year: dict[int, int]
    gender: dict[str, int]
    higher_need: int
    penalty: int

    @property
    def size(self) -> int:
        return len(self.students)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "size": self.size,
            "students": list(self.students),
            "facilitator": self.facilitator,
            "mentor": self.mentor,
            "counts": {
                "year": {str(y): n for y, n in self.year.items()},
                "gender": dict(self.gender),
                "higher_need": self.higher_need,
            },
            "penalty": self.penalty,
        }


@dataclass(frozen=True)
class GroupResult:
    groups: tuple[FormedGroup, ...]
    bands: tuple[Band, ...]
    weights: GroupWeights
    objective: int
    bound: float
    gap: float
    optimal: bool
    status: str
    mentors_not_placed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "groups",
            "status": self.status,
            "optimal": self.optimal,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "number_of_groups": len(self.groups),
            "weights": {
                "year": self.weights.year,
                "gender": self.weights.gender,
                "need": self.weights.need,
            },
            "bands": [band.as_dict() for band in self.bands],
            "groups": [group.as_dict() for group in self.groups],
            "mentors_not_placed": list(self.mentors_not_placed),
        }


# ---------------------------------------------------------------- reading JSON

Size = Annotated[int, Field(ge=2, le=100)]


class GroupWeightsIn(_Strict):
    year: Weight = 1
    gender: Weight = 1
    need: Weight = 2


class GroupSettingsIn(_Strict):
    min_size: Size = 6
    max_size: Size = 8
    groups: Annotated[int, Field(ge=1, le=10_000)] | None = None
    mentor_per_group: bool | None = None
    weights: GroupWeightsIn = GroupWeightsIn()


class GroupStudentIn(_Strict):
    id: Id
    year: Annotated[int, Field(ge=0, le=14)]
    gender: Annotated[str, Field(max_length=20)] = ""
    higher_need: bool = False


class FacilitatorIn(_Strict):
    id: Id
    groups: Annotated[int, Field(ge=0, le=100)] = 1


class GroupMentorIn(_Strict):
    id: Id
    eligible: bool = True


class GroupProblemIn(_Strict):
    kind: Literal["groups"]
    settings: GroupSettingsIn = GroupSettingsIn()
    students: list[GroupStudentIn]
    facilitators: list[FacilitatorIn]
    mentors: list[GroupMentorIn] = []
    keep_apart: list[IdPair] = []


def parse_groups(data: Any) -> GroupProblem:
    """A ``GroupProblem`` from decoded JSON, or ``ProblemError`` saying what is wrong."""
    if problem_kind(data) != "groups":
        raise ProblemError('this is a "pairs" problem, not a group one.')
    try:
        raw = GroupProblemIn.model_validate(data)
    except ValidationError as error:
        raise ProblemError(describe(error)) from None
    people = {s.id for s in raw.students} | {m.id for m in raw.mentors}
    facilitators = {f.id for f in raw.facilitators}
    for index, (a, b) in enumerate(raw.keep_apart):
        if a == b:
            raise ProblemError(f"keep_apart[{index}]: the two ids are the same ({a}).")
        for person in (a, b):
            if person in facilitators:
                raise ProblemError(
                    f"keep_apart[{index}]: {person} is a facilitator; keep-apart rules are "
                    "between students and mentors."
                )
            if person not in people:
                raise ProblemError(f"keep_apart[{index}]: unknown id {person}.")
    settings = raw.settings
    weights = settings.weights
    mentor_per_group = (
        bool(raw.mentors) if settings.mentor_per_group is None else settings.mentor_per_group
    )
    problem = GroupProblem(
        students=tuple(
            GroupStudent(id=s.id, year=s.year, gender=s.gender, higher_need=s.higher_need)
            for s in raw.students
        ),
        facilitators=tuple(Facilitator(id=f.id, groups=f.groups) for f in raw.facilitators),
        mentors=tuple(GroupMentor(id=m.id, eligible=m.eligible) for m in raw.mentors),
        settings=GroupSettings(
            min_size=settings.min_size,
            max_size=settings.max_size,
            groups=settings.groups,
            mentor_per_group=mentor_per_group,
            weights=GroupWeights(year=weights.year, gender=weights.gender, need=weights.need),
        ),
        keep_apart=frozenset(frozenset(pair) for pair in raw.keep_apart),
    )
    check_problem(problem)
    return problem


def check_problem(problem: GroupProblem) -> None:
    """Refuse what no arrangement could fix: repeated or unknown ids, sizes the wrong
    way round. (Too few facilitators or mentors, and keep-apart rules that cannot be
    met, are found when the number of groups is worked out.)"""
    settings = problem.settings
    if settings.min_size > settings.max_size:
        raise ProblemError(
            f"min_size ({settings.min_size}) is larger than max_size ({settings.max_size})."
        )
    if not problem.students:
        raise ProblemError("there are no students to place in groups.")
    lists = (
        ("student", [s.id for s in problem.students]),
        ("facilitator", [f.id for f in problem.facilitators]),
        ("mentor", [m.id for m in problem.mentors]),
    )
    for what, ids in lists:
        twice = _duplicates(ids)
        if twice:
            raise ProblemError(f"{what} listed more than once: {', '.join(twice)}.")
    for first in range(len(lists)):
        for second in range(first + 1, len(lists)):
            both = sorted(set(lists[first][1]) & set(lists[second][1]))
            if both:
                raise ProblemError(
                    f"listed as both a {lists[first][0]} and a {lists[second][0]}: "
                    f"{', '.join(both)}."
                )
    students = {s.id for s in problem.students}
    mentors = {m.id for m in problem.mentors}
    facilitators = {f.id for f in problem.facilitators}
    for pair in sorted(problem.keep_apart, key=sorted):
        if len(pair) != 2:
            raise ProblemError(f"a keep-apart pair needs two different ids, not {sorted(pair)}.")
        for person in sorted(pair):
            if person in facilitators:
                raise ProblemError(
                    f"keep-apart pair ({', '.join(sorted(pair))}): {person} is a facilitator; "
                    "keep-apart rules are between students and mentors."
                )
            if person not in students and person not in mentors:
                raise ProblemError(
                    f"keep-apart pair ({', '.join(sorted(pair))}): unknown id {person}."
                )


# ---------------------------------------------------------------- the plan


def _cliques(neighbours: dict[str, set[str]], limit: int = CLIQUE_LIMIT) -> list[frozenset[str]]:
    """The maximal cliques (of two or more) of a graph, by Bron-Kerbosch with a pivot,
    in a stable order; stops after ``limit`` of them."""
    found: list[frozenset[str]] = []

    def extend(clique: set[str], candidates: set[str], excluded: set[str]) -> None:
        if len(found) >= limit:
            return
        if not candidates and not excluded:
            if len(clique) >= 2:
                found.append(frozenset(clique))
            return
        pivot = max(sorted(candidates | excluded), key=lambda v: len(neighbours[v] & candidates))
        for vertex in sorted(candidates - neighbours[pivot]):
            extend(
                clique | {vertex}, candidates & neighbours[vertex], excluded & neighbours[vertex]
            )
            candidates = candidates - {vertex}
            excluded = excluded | {vertex}

    extend(set(), set(neighbours), set())
    return sorted(found, key=lambda c: (-len(c), sorted(c)))


def _cover(
    cliques: Sequence[frozenset[str]], edges: set[frozenset[str]]
) -> tuple[frozenset[str], ...]:
    """Enough of the cliques, largest first, to cover every keep-apart pair, and any
    pair left over (when the listing stopped early) as a clique of two. One "at most
    one per group" constraint per clique is tighter than one per pair, and a dense
    keep-apart graph has far more maximal cliques than are needed."""
    left = set(edges)
    chosen = []
    for clique in cliques:
        members = sorted(clique)
        covers = {frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :]} & left
        if covers:
            chosen.append(clique)
            left -= covers
    chosen.extend(sorted(left, key=sorted))
    return tuple(chosen)


def _even_sizes(students: int, groups: int) -> list[int]:
    """Sizes as even as possible, the larger groups first."""
    base, extra = divmod(students, groups)
    return [base + 1] * extra + [base] * (groups - extra)


@dataclass(frozen=True)
class _Plan:
    sizes: tuple[int, ...]
    placed_mentors: tuple[str, ...]  # eligible mentors who may be placed
    cliques: tuple[frozenset[str], ...]
    most_groups: int  # the most groups the sizes, facilitators and mentors allow


def _plan(problem: GroupProblem) -> _Plan:
    """The number of groups and their sizes, or ``ProblemError`` when no number works."""
    settings = problem.settings
    n = len(problem.students)
    low, high = math.ceil(n / settings.max_size), n // settings.min_size
    sizes_words = (
        f"{n} students cannot be split into groups of {settings.min_size} to {settings.max_size}"
    )
    if low > high:
        raise ProblemError(f"{sizes_words}.")
    if settings.groups is not None and not low <= settings.groups <= high:
        raise ProblemError(
            f"{sizes_words} with {settings.groups} groups: "
            + (f"{low} groups are needed." if low == high else f"use {low} to {high} groups.")
        )
    facilitator_places = sum(f.groups for f in problem.facilitators)
    wanted = settings.groups if settings.groups is not None else low
    if facilitator_places < wanted:
        raise ProblemError(
            f"not enough facilitators: {wanted} groups are needed, but the facilitators "
            f"can lead only {facilitator_places} between them."
        )
    placed_mentors: tuple[str, ...] = ()
    if settings.mentor_per_group:
        placed_mentors = tuple(m.id for m in problem.mentors if m.eligible)
        if len(placed_mentors) < wanted:
            raise ProblemError(
                f"not enough eligible mentors: {wanted} groups each need a mentor, but "
                f"only {len(placed_mentors)} of the mentors listed are eligible."
            )

    # People who may share a group; ineligible or unused mentors are never placed.
    placeable = {s.id for s in problem.students} | set(placed_mentors)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for pair in problem.keep_apart:
        a, b = sorted(pair)
        if a in placeable and b in placeable:
            neighbours[a].add(b)
            neighbours[b].add(a)
    cliques = _cliques(dict(neighbours))
    edges = {frozenset((a, b)) for a in neighbours for b in neighbours[a]}
    student_ids = {s.id for s in problem.students}
    largest = max((sorted(c & student_ids) for c in cliques), key=lambda c: (len(c), c), default=[])
    most = min(high, facilitator_places, len(placed_mentors) if placed_mentors else high)
    if settings.groups is not None:
        groups = settings.groups
    else:
        low = max(low, len(largest))
        midpoint = (settings.min_size + settings.max_size) / 2
        # The number nearest to N / midpoint size; on a tie, the fewer groups.
        groups = min(range(low, max(low, most) + 1), key=lambda k: (abs(n / k - midpoint), k))
    if len(largest) > min(groups, most):
        raise ProblemError(
            f"the keep-apart rules cannot be met: {', '.join(largest)} must all be kept "
            f"apart from each other, so they need {len(largest)} groups, but there "
            + (
                f"are only {groups}."
                if settings.groups is not None
                else f"can be at most {most} (with groups of {settings.min_size} to "
                f"{settings.max_size} and the facilitators"
                + (" and mentors" if placed_mentors else "")
                + " available)."
            )
        )
    return _Plan(
        sizes=tuple(_even_sizes(n, groups)),
        placed_mentors=placed_mentors,
        cliques=_cover(cliques, edges),
        most_groups=most,
    )


def _band(size: int, in_category: int, students: int) -> tuple[int, int]:
    """``[floor(ideal), ceil(ideal)]`` for ``ideal = size * in_category / students``,
    in exact integer arithmetic."""
    return (size * in_category) // students, -((-size * in_category) // students)


def _bands(problem: GroupProblem, sizes: Sequence[int]) -> tuple[Band, ...]:
    n = len(problem.students)
    years = Counter(s.year for s in problem.students)
    genders = Counter(s.gender for s in problem.students)
    need = sum(s.higher_need for s in problem.students)
    count_of_size = Counter(sizes)
    return tuple(
        Band(
            size=size,
            groups=count_of_size[size],
            year={y: _band(size, years[y], n) for y in sorted(years)},
            gender={g: _band(size, genders[g], n) for g in sorted(genders)},
            higher_need=_band(size, need, n),
        )
        for size in sorted(count_of_size, reverse=True)
    )


def _outside(count: int, band: tuple[int, int]) -> int:
    return max(0, band[0] - count, count - band[1])


def _penalty(
    weights: GroupWeights,
    band: Band,
    year: dict[int, int],
    gender: dict[str, int],
    higher_need: int,
) -> int:
    return (
        weights.year * sum(_outside(year[y], b) for y, b in band.year.items())
        + weights.gender * sum(_outside(gender[g], b) for g, b in band.gender.items())
        + weights.need * _outside(higher_need, band.higher_need)
    )


# ---------------------------------------------------------------- the model


class _Model:
    """Columns and rows of a MILP, built up as lists and handed to ``milp``."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.row_low: list[float] = []
        self.row_high: list[float] = []

    def variable(self, upper: float, cost: float = 0.0) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        return len(self.cost) - 1

    def constraint(self, terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
        row = len(self.row_low)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.row_low.append(low)
        self.row_high.append(high)

    def solve(self, *, time_limit: float, mip_rel_gap: float) -> Any:
        matrix = csr_array(
            (self.vals, (self.rows, self.cols)), shape=(len(self.row_low), len(self.cost))
        )
        return milp(
            c=np.array(self.cost),
            integrality=np.ones(len(self.cost)),
            bounds=Bounds(np.zeros(len(self.cost)), np.array(self.upper)),
            constraints=LinearConstraint(matrix, np.array(self.row_low), np.array(self.row_high)),
            options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
        )


Type = tuple[int, str, bool]  # (year, gender, higher need) of a student


def _type(student: GroupStudent) -> Type:
    return (student.year, student.gender, student.higher_need)


def _checks(band: Band, weights: GroupWeights) -> list[tuple[int, int, Any, tuple[int, int]]]:
    """(weight, position in the type, value, band) for each category with a weight."""
    checks: list[tuple[int, int, Any, tuple[int, int]]] = [
        (weights.year, 0, y, b) for y, b in band.year.items()
    ]
    checks += [(weights.gender, 1, v, b) for v, b in band.gender.items()]
    if band.higher_need != (0, 0):
        checks.append((weights.need, 2, True, band.higher_need))
    return [check for check in checks if check[0] > 0]


def _facilitators(facilitators: Sequence[Facilitator], groups: int) -> list[str]:
    """A facilitator for each group, in turn: everyone leads one group before anyone
    leads a second, and so on, in the order listed."""
    chosen: list[str] = []
    round_number = 0
    while len(chosen) < groups:
        round_number += 1
        for facilitator in facilitators:
            if facilitator.groups >= round_number and len(chosen) < groups:
                chosen.append(facilitator.id)
    return chosen


def _size_words(sizes: Sequence[int]) -> str:
    kinds = sorted(set(sizes))
    return f"{len(sizes)} groups of " + " or ".join(str(s) for s in kinds)


def solve_groups(
    problem: GroupProblem, *, time_limit: float = 30.0, mip_rel_gap: float = 0.0
) -> GroupResult:
    """The best balanced arrangement the solver finds within ``time_limit`` seconds,
    with its proved bound; see the module docstring. ``mip_rel_gap`` lets the solver
    stop once the relative gap is that small (0: only when proved optimal)."""
    if not time_limit > 0:
        raise ProblemError("the time limit must be more than 0 seconds.")
    check_problem(problem)
    plan = _plan(problem)
    sizes = plan.sizes
    k = len(sizes)
    students = problem.students
    weights = problem.settings.weights
    with_mentors = problem.settings.mentor_per_group
    bands = _bands(problem, sizes)
    band_of_size = {band.size: band for band in bands}

    in_pairs: set[str] = set().union(*plan.cliques)
    named = [s for s in students if s.id in in_pairs]
    free: dict[Type, list[str]] = defaultdict(list)
    for student in students:
        if student.id not in in_pairs:
            free[_type(student)].append(student.id)
    types = sorted(free)
    named_mentors = [m for m in plan.placed_mentors if m in in_pairs]
    pool_mentors = [m for m in plan.placed_mentors if m not in in_pairs]

    model = _Model()
    groups = range(k)
    count = {(t, g): model.variable(min(len(free[t]), sizes[g])) for t in types for g in groups}
    place = {(s.id, g): model.variable(1) for s in named for g in groups}
    mentor = {(m, g): model.variable(1) for m in named_mentors for g in groups}
    pool = {g: model.variable(1) for g in groups} if with_mentors and pool_mentors else {}

    for t in types:
        model.constraint([(count[t, g], 1.0) for g in groups], len(free[t]), len(free[t]))
    for s in named:
        model.constraint([(place[s.id, g], 1.0) for g in groups], 1, 1)
    for g in groups:
        terms = [(count[t, g], 1.0) for t in types] + [(place[s.id, g], 1.0) for s in named]
        model.constraint(terms, sizes[g], sizes[g])

    # Balance: the group's count of a category, plus "under", reaches the low end of
    # its band; less "over", it stays within the high end. Each student under or
    # over costs the category's weight.
    for g in groups:
        for weight, position, value, (low, high) in _checks(band_of_size[sizes[g]], weights):
            terms = [(count[t, g], 1.0) for t in types if t[position] == value]
            terms += [(place[s.id, g], 1.0) for s in named if _type(s)[position] == value]
            if low > 0:
                under = model.variable(low, weight)
                model.constraint([*terms, (under, 1.0)], low, math.inf)
            if high < sizes[g]:
                over = model.variable(sizes[g] - high, weight)
                model.constraint([*terms, (over, -1.0)], -math.inf, high)

    if with_mentors:
        for g in groups:
            terms = [(mentor[m, g], 1.0) for m in named_mentors]
            terms += [(pool[g], 1.0)] if pool else []
            model.constraint(terms, 1, 1)
        for m in named_mentors:
            model.constraint([(mentor[m, g], 1.0) for g in groups], 0, 1)
        if pool:
            model.constraint([(pool[g], 1.0) for g in groups], 0, len(pool_mentors))

    yes_no = {**place, **mentor}
    for clique in plan.cliques:
        for g in groups:
            model.constraint([(yes_no[p, g], 1.0) for p in sorted(clique)], 0, 1)

    res = model.solve(time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    # Every variable has finite bounds, so "unbounded or infeasible" means infeasible.
    if res.status == 2 or (res.x is None and "infeasible" in str(res.message).lower()):
        raise ProblemError(
            f"the keep-apart rules cannot all be met: there is no way to place "
            f"{len(students)} students in {_size_words(sizes)}"
            + (", each with a mentor," if with_mentors else "")
            + " without putting two people who must be kept apart in the same group"
            + (
                f"; more groups might help (up to {plan.most_groups}: set settings.groups)."
                if problem.settings.groups is None and k < plan.most_groups
                else "."
            )
        )
    if res.x is None:
        if res.status == 1:
            raise ProblemError(
                f"no arrangement was found within the time limit ({time_limit:g} s)."
            )
        raise ProblemError(f"the solver stopped without an arrangement: {res.message}")
    x = np.rint(res.x).astype(np.int64)

    members: list[list[str]] = [[] for _ in groups]
    for t in types:
        waiting = iter(free[t])
        for g in groups:
            members[g].extend(next(waiting) for _ in range(x[count[t, g]]))
    for s in named:
        members[next(g for g in groups if x[place[s.id, g]])].append(s.id)
    order = {s.id: i for i, s in enumerate(students)}
    for group in members:
        group.sort(key=order.__getitem__)
    mentors_of: list[str | None] = [None] * k
    if with_mentors:
        spare = iter(pool_mentors)
        for g in groups:
            chosen = [m for m in named_mentors if x[mentor[m, g]]]
            mentors_of[g] = chosen[0] if chosen else next(spare)
    facilitators_of = _facilitators(problem.facilitators, k)
    _check_arrangement(problem, sizes, members, mentors_of, facilitators_of)

    by_id = {s.id: s for s in students}
    formed = []
    for g in groups:
        band = band_of_size[sizes[g]]
        year = dict.fromkeys(band.year, 0)
        gender = dict.fromkeys(band.gender, 0)
        for person in members[g]:
            year[by_id[person].year] += 1
            gender[by_id[person].gender] += 1
        need = sum(by_id[person].higher_need for person in members[g])
        formed.append(
            FormedGroup(
                number=g + 1,
                students=tuple(members[g]),
                facilitator=facilitators_of[g],
                mentor=mentors_of[g],
                year=year,
                gender=gender,
                higher_need=need,
                penalty=_penalty(weights, band, year, gender, need),
            )
        )
    objective = sum(group.penalty for group in formed)
    # The penalty is never negative, so 0 is always a bound; HiGHS may give a
    # better one, or none when stopped before its first relaxation was solved.
    dual_bound = res.mip_dual_bound
    bound = max(0.0, float(dual_bound)) if dual_bound is not None else 0.0
    bound = min(bound, float(objective))
    gap = 0.0 if objective == 0 else (objective - bound) / objective
    # The penalty is a whole number, so a bound above objective - 1 proves it optimal.
    optimal = objective == 0 or math.ceil(bound - 1e-6) >= objective
    if optimal:
        status = "optimal: no arrangement within the rules is better balanced"
    elif res.status == 1:
        status = (
            f"stopped at the time limit ({time_limit:g} s): the best arrangement "
            "found is given, not proved the best"
        )
    else:
        status = (
            f"stopped once the gap was within {mip_rel_gap:g}: the arrangement is not "
            "proved the best"
        )
    placed = set(mentors_of)
    return GroupResult(
        groups=tuple(formed),
        bands=bands,
        weights=weights,
        objective=objective,
        bound=round(bound, 6),
        gap=round(gap, 6),
        optimal=optimal,
        status=status,
        mentors_not_placed=tuple(m.id for m in problem.mentors if m.id not in placed),
    )


def _check_arrangement(
    problem: GroupProblem,
    sizes: Sequence[int],
    members: Sequence[Sequence[str]],
    mentors_of: Sequence[str | None],
    facilitators_of: Sequence[str],
) -> None:
    """Check the answer against every hard rule again, independently of the model,
    so a mistake in it is a loud error rather than a wrong answer."""
    settings = problem.settings
    placed = [person for group in members for person in group]
    if sorted(placed) != sorted(s.id for s in problem.students):
        raise RuntimeError("group formation: a student was left out or placed twice.")
    for g, group in enumerate(members):
        if len(group) != sizes[g] or not settings.min_size <= len(group) <= settings.max_size:
            raise RuntimeError(f"group formation: group {g + 1} has the wrong size.")
        people = set(group) | ({mentors_of[g]} if mentors_of[g] else set())
        for pair in problem.keep_apart:
            if pair <= people:
                raise RuntimeError(f"group formation: group {g + 1} breaks a keep-apart rule.")
    eligible = {m.id for m in problem.mentors if m.eligible}
    used = [m for m in mentors_of if m is not None]
    if settings.mentor_per_group and (
        len(used) != len(members) or len(set(used)) != len(used) or not set(used) <= eligible
    ):
        raise RuntimeError("group formation: a group has no eligible mentor of its own.")
    load = Counter(facilitators_of)
    capacity = {f.id: f.groups for f in problem.facilitators}
    if len(facilitators_of) != len(members) or any(load[f] > capacity[f] for f in load):
        raise RuntimeError("group formation: a facilitator leads too many groups.")
