"""Reading a matching problem from JSON (the format of docs/matching.md), with a
clear message for anything malformed. No Django here: the command-line tool, the
tests and the benchmark use it alone.

Pydantic checks the shape and the types strictly (``"year": "10"`` is refused,
not guessed at); the checks across records (duplicate ids, unknown ids, locked
pairs that break a rule) follow."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peersupport.matching.engine import (
    Mentee,
    Mentor,
    PairProblem,
    ProblemError,
    Settings,
    Weights,
    check_locks,
)

Id = Annotated[str, Field(min_length=1, max_length=100)]
Tags = list[Annotated[str, Field(max_length=100)]]
IdPair = Annotated[list[Id], Field(min_length=2, max_length=2)]
Weight = Annotated[int, Field(ge=0, le=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class WeightsIn(_Strict):
    interests: Weight = 3
    availability: Weight = 1
    language: Weight = 2
    preference: Weight = 5


class SettingsIn(_Strict):
    min_year_gap: Annotated[int, Field(ge=0, le=13)] = 1
    weights: WeightsIn = WeightsIn()


class MentorIn(_Strict):
    id: Id
    year: Annotated[int, Field(ge=0, le=14)]
    gender: Annotated[str, Field(max_length=20)] = ""
    capacity: Annotated[int, Field(ge=0, le=100)] = 1
    eligible: bool = True
    interests: Tags = []
    languages: Tags = []
    availability: Tags = []


class MenteeIn(_Strict):
    id: Id
    year: Annotated[int, Field(ge=0, le=14)]
    gender: Annotated[str, Field(max_length=20)] = ""
    same_gender: bool = False
    preferred_mentor: Id | None = None
    interests: Tags = []
    languages: Tags = []
    availability: Tags = []


class PairProblemIn(_Strict):
    kind: Literal["pairs"] = "pairs"
    settings: SettingsIn = SettingsIn()
    mentors: list[MentorIn]
    mentees: list[MenteeIn]
    keep_apart: list[IdPair] = []
    locked: list[IdPair] = []
    rejected: list[IdPair] = []


def describe(error: ValidationError) -> str:
    """Pydantic's errors as lines such as ``mentors[0].year: Input should be a
    valid integer``."""
    lines = []
    for item in error.errors(include_url=False):
        where = ""
        for part in item["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else part)
        lines.append(f"{where or 'the problem'}: {item['msg']}")
    return "; ".join(lines)


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ProblemError(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None


def problem_kind(data: Any) -> str:
    if not isinstance(data, dict):
        raise ProblemError("the problem must be a JSON object.")
    kind = data.get("kind", "pairs")
    if kind not in ("pairs", "groups"):
        raise ProblemError(f'kind must be "pairs" or "groups", not {json.dumps(kind)}.')
    return str(kind)


def _duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]


def parse_pairs(data: Any) -> PairProblem:
    """A ``PairProblem`` from decoded JSON, or ``ProblemError`` saying what is wrong."""
    if problem_kind(data) != "pairs":
        raise ProblemError('this is a group problem, not a "pairs" one.')
    try:
        raw = PairProblemIn.model_validate(data)
    except ValidationError as error:
        raise ProblemError(describe(error)) from None
    mentor_ids = [m.id for m in raw.mentors]
    mentee_ids = [m.id for m in raw.mentees]
    for what, ids in (("mentor", mentor_ids), ("mentee", mentee_ids)):
        twice = _duplicates(ids)
        if twice:
            raise ProblemError(f"{what} listed more than once: {', '.join(twice)}.")
    both = sorted(set(mentor_ids) & set(mentee_ids))
    if both:
        raise ProblemError(f"listed as both a mentor and a mentee: {', '.join(both)}.")
    known = set(mentor_ids) | set(mentee_ids)
    for mentee in raw.mentees:
        if mentee.preferred_mentor is not None and mentee.preferred_mentor not in mentor_ids:
            raise ProblemError(
                f"mentee {mentee.id}: preferred_mentor {mentee.preferred_mentor} is not a mentor."
            )
    for name in ("keep_apart", "locked", "rejected"):
        for index, (a, b) in enumerate(getattr(raw, name)):
            unknown = [x for x in (a, b) if x not in known]
            if unknown:
                raise ProblemError(f"{name}[{index}]: unknown id {unknown[0]}.")
            if a == b:
                raise ProblemError(f"{name}[{index}]: the two ids are the same ({a}).")
    for name in ("locked", "rejected"):
        for index, (a, b) in enumerate(getattr(raw, name)):
            if a not in mentee_ids or b not in mentor_ids:
                raise ProblemError(f"{name}[{index}]: give a mentee id, then a mentor id.")
    rejected = {(a, b) for a, b in raw.rejected}
    for a, b in raw.locked:
        if (a, b) in rejected:
            raise ProblemError(f"the pair ({a}, {b}) is both locked and rejected.")
    weights = raw.settings.weights
    problem = PairProblem(
        settings=Settings(
            min_year_gap=raw.settings.min_year_gap,
            weights=Weights(
                interests=weights.interests,
                availability=weights.availability,
                language=weights.language,
                preference=weights.preference,
            ),
        ),
        mentors=tuple(
            Mentor(
                id=m.id,
                year=m.year,
                gender=m.gender,
                capacity=m.capacity,
                eligible=m.eligible,
                interests=frozenset(m.interests),
                languages=frozenset(m.languages),
                availability=frozenset(m.availability),
            )
            for m in raw.mentors
        ),
        mentees=tuple(
            Mentee(
                id=m.id,
                year=m.year,
                gender=m.gender,
                same_gender=m.same_gender,
                preferred_mentor=m.preferred_mentor,
                interests=frozenset(m.interests),
                languages=frozenset(m.languages),
                availability=frozenset(m.availability),
            )
            for m in raw.mentees
        ),
        keep_apart=frozenset(frozenset(p) for p in raw.keep_apart),
        locked=tuple((a, b) for a, b in raw.locked),
        rejected=frozenset(rejected),
    )
    check_locks(problem)
    return problem
