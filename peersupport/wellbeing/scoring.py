"""Scoring answers exactly as each instrument's file says: reverse items, scales,
missing answers, prorating and rounding (the rules are described in
``instruments.py``). Pure functions, no Django.

Bad input is refused with ``ValueError`` naming the item or scale: an answer that
is not one of the item's options, an item the instrument does not have, a score
outside a scale's range. Exact arithmetic (``fractions.Fraction``) is used until
the final rounding, so 51.5 always rounds to 52 and never to 51.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from peersupport.wellbeing.instruments import Band, Instrument, ItemSpec, Scale

Answer = int | None
EnteredScore = int | float | None


@dataclass(frozen=True)
class ScaleScore:
    """One scale's score. ``value`` is None when it could not be scored (too many
    missing answers, or not entered). ``answered`` and ``missing`` count the
    scale's items (for an entered score: 1 and 0 if entered, 0 and 1 if not);
    ``derived`` marks a scores-only total worked out from the scales it sums."""

    key: str
    value: float | None
    answered: int
    missing: int
    prorated: bool = False
    derived: bool = False

    @property
    def scorable(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Score:
    """A scored questionnaire. ``answered`` and ``missing`` count items (scales,
    for a scores-only instrument; goals, for a goals instrument)."""

    instrument: str
    headline: str | None
    scales: Mapping[str, ScaleScore]
    answered: int
    missing: int
    goals: Mapping[str, int | None] = field(default_factory=dict)

    @property
    def total(self) -> float | None:
        """The headline scale's value (None if unscorable or if there is none)."""
        return None if self.headline is None else self.scales[self.headline].value

    @property
    def scorable(self) -> bool:
        if self.headline is None:
            return any(rating is not None for rating in self.goals.values())
        return self.scales[self.headline].scorable

    @property
    def subscales(self) -> dict[str, float | None]:
        """Every scale but the headline one, by key."""
        return {key: s.value for key, s in self.scales.items() if key != self.headline}


def reverse(item: ItemSpec, value: int) -> int:
    """The reverse-scored value of an answer to ``item``: min + max - value, so on a
    1 to 5 item 1 becomes 5 and 4 becomes 2."""
    _check_answer(item, value)
    return item.min + item.max - value


def score(instrument: Instrument, answers: Mapping[str, Answer]) -> Score:
    """Score the answers to an "items" instrument (item id to value; None or a
    missing key is an unanswered item), or the ratings of a "goals" instrument
    (goal id to rating)."""
    if instrument.kind == "goals":
        return _score_goals(instrument, answers)
    if instrument.kind != "items":
        raise ValueError(
            f"{instrument.key} is scores only: staff enter its scores with score_entered"
        )
    items = {spec.id: spec for spec in instrument.item_specs()}
    for item_id in answers:
        if item_id not in items:
            raise ValueError(f"{instrument.key} has no item {item_id!r}")
    scored: dict[str, int] = {}
    for item_id, value in answers.items():
        if value is None:
            continue
        spec = items[item_id]
        scored[item_id] = reverse(spec, value) if spec.reversed else _check_answer(spec, value)
    scales = {scale.key: _score_scale(scale, scored) for scale in instrument.scales}
    return Score(
        instrument=instrument.key,
        headline=instrument.headline,
        scales=scales,
        answered=len(scored),
        missing=len(items) - len(scored),
    )


def score_entered(instrument: Instrument, totals: Mapping[str, EnteredScore]) -> Score:
    """Check and record the scores staff enter for a "scores_only" instrument (scale
    key to score; None or a missing key is not entered). A total that is the sum of
    other scales is checked against them when all are entered, and worked out from
    them when it is not entered."""
    if instrument.kind != "scores_only":
        raise ValueError(f"{instrument.key} is not scores only: score its answers with score")
    known = {scale.key: scale for scale in instrument.scales}
    values: dict[str, float] = {}
    for key, value in totals.items():
        if key not in known:
            raise ValueError(f"{instrument.key} has no scale {key!r}")
        if value is not None:
            values[key] = _check_entered(known[key], value)
    if not values:
        raise ValueError(f"no scores entered for {instrument.key}")
    entered = set(values)
    derived: set[str] = set()
    for scale in instrument.scales:
        if not scale.sum_of or not all(part in values for part in scale.sum_of):
            continue
        parts_total = sum(values[part] for part in scale.sum_of)
        if scale.key not in values:
            values[scale.key] = parts_total
            derived.add(scale.key)
        elif values[scale.key] != parts_total:
            raise ValueError(
                f"{scale.key} is {_show(values[scale.key])}, but "
                f"{' + '.join(scale.sum_of)} come to {_show(parts_total)}"
            )
    scales = {
        scale.key: ScaleScore(
            key=scale.key,
            value=values.get(scale.key),
            answered=int(scale.key in entered),
            missing=int(scale.key not in entered and scale.key not in derived),
            derived=scale.key in derived,
        )
        for scale in instrument.scales
    }
    return Score(
        instrument=instrument.key,
        headline=instrument.headline,
        scales=scales,
        answered=len(entered),
        missing=len(instrument.scales) - len(entered) - len(derived),
    )


def band_for(instrument: Instrument, scale: str, value: float) -> Band | None:
    """The band a score falls in, or None if the scale has no bands. A score
    between two bands' limits (possible only for unrounded values) belongs to the
    lower band: each band runs from its ``min`` up to the next band's ``min``."""
    try:
        spec = instrument.scale(scale)
    except KeyError:
        raise ValueError(f"{instrument.key} has no scale {scale!r}") from None
    _check_in_range(spec, value)
    if spec.bands is None:
        return None
    found = spec.bands.bands[0]
    for band in spec.bands.bands:
        if band.min <= value:
            found = band
    return found


# Helpers ------------------------------------------------------------------------------


def _check_answer(item: ItemSpec, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"item {item.id!r}: the answer must be a whole number, not {value!r}")
    if value not in item.values:
        options = ", ".join(str(v) for v in item.values)
        raise ValueError(f"item {item.id!r}: {value} is not one of the options ({options})")
    return value


def _score_scale(scale: Scale, scored: Mapping[str, int]) -> ScaleScore:
    items = scale.items or []
    values = [scored[item_id] for item_id in items if item_id in scored]
    answered, missing = len(values), len(items) - len(values)
    if missing > scale.max_missing:
        return ScaleScore(scale.key, None, answered, missing)
    mean = Fraction(sum(values), answered)
    exact = mean * len(items) if scale.rule == "sum" else mean
    return ScaleScore(scale.key, _rounded(scale, exact), answered, missing, missing > 0)


def _rounded(scale: Scale, value: Fraction) -> float:
    """Round as the scale says; whole results come back as ``int``."""
    if scale.round == "half_up":
        places = Fraction(10) ** scale.decimals
        value = Fraction(math.floor(value * places + Fraction(1, 2))) / places
    return int(value) if value.denominator == 1 else float(value)


def _score_goals(instrument: Instrument, ratings: Mapping[str, Answer]) -> Score:
    goals = instrument.goals
    assert goals is not None  # a checked "goals" instrument always has them
    if len(ratings) > goals.max_goals:
        raise ValueError(
            f"{instrument.key} allows at most {goals.max_goals} goals, not {len(ratings)}"
        )
    checked: dict[str, int | None] = {}
    for goal, rating in ratings.items():
        if not isinstance(goal, str) or not goal.strip():
            raise ValueError(f"{instrument.key}: each goal needs an id")
        if rating is not None:
            if isinstance(rating, bool) or not isinstance(rating, int):
                raise ValueError(f"goal {goal!r}: the rating must be a whole number")
            if not goals.min <= rating <= goals.max:
                raise ValueError(
                    f"goal {goal!r}: {rating} is outside the rating range "
                    f"{goals.min} to {goals.max}"
                )
        checked[goal] = rating
    rated = sum(rating is not None for rating in checked.values())
    return Score(
        instrument=instrument.key,
        headline=None,
        scales={},
        answered=rated,
        missing=len(checked) - rated,
        goals=checked,
    )


def _check_entered(scale: Scale, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"scale {scale.key!r}: the score must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"scale {scale.key!r}: the score must be a number, not {value!r}")
    if scale.values == "integer":
        if not float(value).is_integer():
            raise ValueError(f"scale {scale.key!r} takes whole numbers, not {value}")
        value = int(value)
    _check_in_range(scale, value)
    return value


def _check_in_range(scale: Scale, value: float) -> None:
    if isinstance(value, bool) or not scale.range.min <= value <= scale.range.max:
        raise ValueError(
            f"scale {scale.key!r}: {value!r} is outside the range "
            f"{scale.range.min} to {scale.range.max}"
        )


def _show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
