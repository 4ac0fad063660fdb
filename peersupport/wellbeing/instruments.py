"""Questionnaires as data: one JSON file per instrument in ``instruments/`` beside
this module, checked strictly when loaded. Adding an instrument is adding a file;
a broken file gives an ``InstrumentError`` whose message names the file and the
problem, such as ``scwbs.json: scale 'positive_outlook' names item 'q99', which
is not an item``.

Pure Python (json, pathlib, pydantic): no Django, so the files can be checked
anywhere and the scoring in ``scoring.py`` can be tested alone.

The shape of a file
===================

Every file holds one JSON object. The file is named after its key
(``scwbs.json`` holds ``"key": "scwbs"``). Keys and ids are lower-case snake case.

Common to every instrument::

    "schema_version": 1,
    "key": "scwbs", "name": "...", "short_name": "...",
    "kind": "items" | "goals" | "scores_only",
    "respondent": "student" | "mentor" | "staff",
    "purpose": "outcome" | "feedback" | "experience",
    "age_range": {"min": 8, "max": 15} | null,
    "licence": {"name": "...", "text": "...", "url": "..." | null},
    "sources": [{"citation": "...", "url": "..." | null, "checked": "YYYY-MM-DD",
                 "used_for": "..."}],
    "notes": "...",            what could and could not be confirmed, local rules
    "instructions": "...",     shown before the questions (may be empty)

``"kind": "items"``, a questionnaire the student answers here::

    "response_sets": {"frequency": {"min": 1, "max": 5,
                                    "options": [{"value": 1, "label": "Never"}, ...]}},
    "items": [{"id": "q1", "text": "...", "response_set": "frequency"}, ...],
    "reverse_items": ["q4"],       scored as min + max - answer
    "headline": "total",           the scale that is the main outcome
    "scales": [{"key": "total", "name": "...", "items": ["q1", ...],
                "rule": "sum" | "mean",
                "max_missing": 2,  how many of the scale's items may be unanswered
                "prorate": "none" | "mean_times_items" | "mean_of_answered",
                "round": "none" | "half_up", "decimals": 0,
                "range": {"min": 12, "max": 60},
                "higher_is_better": true | false | null,
                "bands": {...} | null, "reliable_change": {...} | null,
                "description": "..."}]

Scoring a scale (see ``scoring.py``): answers of reversed items are reversed
first. If more than ``max_missing`` of its items are unanswered, the scale is not
scored. With no missing answers a "sum" scale is the sum and a "mean" scale the
mean. With some missing (at most ``max_missing``) the score is prorated:
``mean_times_items`` (sum scales only) is the mean of the answered items times
the number of items in the scale; ``mean_of_answered`` (mean scales only) is the
mean of the answered items. ``max_missing`` above 0 needs a prorating rule.
Then ``round`` applies: ``half_up`` rounds to ``decimals`` places with halves
going up (51.5 becomes 52), ``none`` keeps the exact value. The declared
``range`` must be the range the items can give.

``"kind": "scores_only"``, a licensed measure the school runs on paper (no item
text here): each scale has no ``items`` and no scoring rule, but declares its
``range``, ``"values": "integer" | "decimal"`` and, for a total that is the sum of
other scales, ``"sum_of": ["emotional", ...]`` (the ranges must add up).

``"kind": "goals"``, goals the student sets in their own words, each rated over
time::

    "goals": {"max_goals": 3, "min": 0, "max": 10, "prompt": "...",
              "anchors": [{"value": 0, "label": "..."}, {"value": 10, "label": "..."}]}

Bands, on a scale whose scores are whole numbers::

    "bands": {"source": "...", "verified": true | false,
              "bands": [{"key": "close_to_average", "label": "...", "min": 0, "max": 14}, ...]}

in ascending order, contiguous (each ``min`` is the previous ``max`` + 1) and
covering the scale's range exactly. ``verified`` says whether the numbers were
checked against the publisher's table.

Reliable change (Jacobson-Truax) needs both a published reliability and a norm
standard deviation; either may be null, and then the app says reliable change
cannot be computed::

    "reliable_change": {"reliability": 0.82, "reliability_kind": "cronbach_alpha",
                        "sd": null, "source": "...", "notes": "..."}
"""

from __future__ import annotations

import datetime
import functools
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Note = Annotated[str, Field(max_length=8000)]


class InstrumentError(ValueError):
    """An instrument file is broken; the message names the file and the problem."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Licence(_Strict):
    name: Text
    text: Text
    url: str | None = None


class Source(_Strict):
    citation: Text
    url: str | None = None
    checked: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    used_for: Note = ""

    @model_validator(mode="after")
    def _checked_is_a_date(self) -> Source:
        try:
            datetime.date.fromisoformat(self.checked)
        except ValueError:
            raise ValueError(f"checked {self.checked!r} is not a real date") from None
        return self


class AgeRange(_Strict):
    min: Annotated[int, Field(ge=0, le=120)]
    max: Annotated[int, Field(ge=0, le=120)]

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Option(_Strict):
    value: int
    label: Text


class ResponseSet(_Strict):
    min: int
    max: int
    options: Annotated[list[Option], Field(min_length=2)]


class Item(_Strict):
    id: Key
    text: Text
    response_set: Key


class Band(_Strict):
    key: Key
    label: Text
    min: int
    max: int


class BandSet(_Strict):
    source: Text
    verified: bool
    bands: Annotated[list[Band], Field(min_length=1)]


class ReliableChange(_Strict):
    reliability: Annotated[float, Field(gt=0, lt=1)] | None
    reliability_kind: Literal["cronbach_alpha", "test_retest"] | None
    sd: Annotated[float, Field(gt=0)] | None
    source: Text | None
    notes: Note = ""

    @property
    def computable(self) -> bool:
        return self.reliability is not None and self.sd is not None


class ValueRange(_Strict):
    min: int
    max: int


class Scale(_Strict):
    key: Key
    name: Text
    description: Note = ""
    items: list[Key] | None = None
    rule: Literal["sum", "mean"] | None = None
    max_missing: Annotated[int, Field(ge=0)] = 0
    prorate: Literal["none", "mean_times_items", "mean_of_answered"] = "none"
    round: Literal["none", "half_up"] = "none"
    decimals: Annotated[int, Field(ge=0, le=3)] = 0
    values: Literal["integer", "decimal"] | None = None
    sum_of: list[Key] = []
    range: ValueRange
    higher_is_better: bool | None
    bands: BandSet | None = None
    reliable_change: ReliableChange | None = None


class Goals(_Strict):
    max_goals: Annotated[int, Field(ge=1, le=10)]
    min: int
    max: int
    prompt: Text
    anchors: list[Option] = []


class Instrument(_Strict):
    """One questionnaire, as its file describes it (already checked)."""

    schema_version: Literal[1]
    key: Key
    name: Text
    short_name: Text
    kind: Literal["items", "goals", "scores_only"]
    respondent: Literal["student", "mentor", "staff"]
    purpose: Literal["outcome", "feedback", "experience"]
    age_range: AgeRange | None
    licence: Licence
    sources: Annotated[list[Source], Field(min_length=1)]
    notes: Note = ""
    instructions: Note = ""
    response_sets: dict[Key, ResponseSet] = {}
    items: list[Item] = []
    reverse_items: list[Key] = []
    headline: Key | None = None
    scales: list[Scale] = []
    goals: Goals | None = None

    def item(self, item_id: str) -> ItemSpec:
        """The item with its response options resolved; ``KeyError`` if unknown."""
        for item in self.items:
            if item.id == item_id:
                options = self.response_sets[item.response_set]
                return ItemSpec(
                    id=item.id,
                    text=item.text,
                    min=options.min,
                    max=options.max,
                    values=tuple(option.value for option in options.options),
                    reversed=item.id in self.reverse_items,
                )
        raise KeyError(item_id)

    def item_specs(self) -> list[ItemSpec]:
        return [self.item(item.id) for item in self.items]

    def scale(self, key: str) -> Scale:
        """The scale with this key; ``KeyError`` if unknown."""
        for scale in self.scales:
            if scale.key == key:
                return scale
        raise KeyError(key)

    @property
    def headline_scale(self) -> Scale | None:
        return None if self.headline is None else self.scale(self.headline)

    @property
    def subscales(self) -> list[Scale]:
        """Every scale but the headline one."""
        return [scale for scale in self.scales if scale.key != self.headline]


@dataclass(frozen=True)
class ItemSpec:
    """An item with what scoring needs: its options and whether it is reversed."""

    id: str
    text: str
    min: int
    max: int
    values: tuple[int, ...]
    reversed: bool


# Loading ----------------------------------------------------------------------------


def load_instrument_file(path: Path | str) -> Instrument:
    """One instrument from its JSON file, checked; ``InstrumentError`` if broken."""
    path = Path(path)
    name = path.name
    if path.suffix != ".json":
        raise InstrumentError(name, "an instrument file must end in .json")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(name, "the file does not exist") from None
    except UnicodeDecodeError as error:
        raise InstrumentError(name, f"the file is not UTF-8 ({error.reason})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as error:
        raise InstrumentError(
            name, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except _RepeatedKey as error:
        raise InstrumentError(name, f"the key {error.args[0]!r} appears twice") from None
    if not isinstance(data, dict):
        raise InstrumentError(name, "the file must hold one JSON object (an instrument)")
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as error:
        raise InstrumentError(name, _describe(error)) from None
    if name != f"{instrument.key}.json":
        raise InstrumentError(name, f"the file must be named after its key: {instrument.key}.json")
    problem = _problem(instrument)
    if problem:
        raise InstrumentError(name, problem)
    return instrument


def load_instruments(folder: Path | str | None = None) -> dict[str, Instrument]:
    """Every instrument in ``folder`` (default: the shipped ones), by key. Read once
    per folder and kept; a broken file raises ``InstrumentError``."""
    root = INSTRUMENTS_DIR if folder is None else Path(folder)
    return dict(_load_folder(str(root.resolve())))


@functools.lru_cache(maxsize=16)
def _load_folder(root: str) -> dict[str, Instrument]:
    folder = Path(root)
    if not folder.is_dir():
        raise InstrumentError(folder.name, "the instruments folder does not exist")
    instruments: dict[str, Instrument] = {}
    for path in sorted(folder.glob("*.json")):
        instrument = load_instrument_file(path)
        instruments[instrument.key] = instrument
    return instruments


class _RepeatedKey(Exception):
    pass


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _describe(error: ValidationError) -> str:
    """Pydantic's errors as ``scales[0].range.min: Input should be a valid integer``."""
    lines = []
    for item in error.errors(include_url=False):
        where = ""
        for part in item["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{where or 'the instrument'}: {message}")
    return "; ".join(lines)


# Checks across fields -----------------------------------------------------------------


def _problem(instrument: Instrument) -> str | None:
    """The first thing wrong across fields, or None."""
    checks = {
        "items": _items_problem,
        "scores_only": _scores_only_problem,
        "goals": _goals_problem,
    }
    problem = checks[instrument.kind](instrument)
    if problem:
        return problem
    for scale in instrument.scales:
        problem = _bands_problem(instrument, scale) or _reliable_change_problem(scale)
        if problem:
            return problem
    return None


def _repeated(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    twice: list[str] = []
    for value in values:
        if value in seen and value not in twice:
            twice.append(value)
        seen.add(value)
    return twice


def _scales_problem(instrument: Instrument) -> str | None:
    """What every kind with scales shares: unique keys and a headline that exists."""
    if not instrument.scales:
        return "the instrument needs at least one scale"
    twice = _repeated(scale.key for scale in instrument.scales)
    if twice:
        return f"scale {twice[0]!r} is listed more than once"
    if instrument.headline is None:
        return "headline is missing: name the scale that is the main outcome"
    if instrument.headline not in {scale.key for scale in instrument.scales}:
        return f"headline {instrument.headline!r} is not a scale"
    return None


def _response_set_problem(key: str, options: ResponseSet) -> str | None:
    where = f"response set {key!r}"
    if options.min >= options.max:
        return f"{where}: min {options.min} must be below max {options.max}"
    values = [option.value for option in options.options]
    for value in values:
        if not options.min <= value <= options.max:
            return (
                f"{where}: option value {value} is outside its range {options.min} to {options.max}"
            )
    if len(set(values)) != len(values):
        return f"{where}: option value {_repeated(map(str, values))[0]} is listed twice"
    if values != sorted(values):
        return f"{where}: list the options in ascending order of value"
    if values[0] != options.min or values[-1] != options.max:
        return f"{where}: the lowest and highest options must be {options.min} and {options.max}"
    return None


def _items_problem(instrument: Instrument) -> str | None:
    if instrument.goals is not None:
        return "only a 'goals' instrument has goals"
    if not instrument.items:
        return "an 'items' instrument needs at least one item"
    if not instrument.response_sets:
        return "an 'items' instrument needs at least one response set"
    for key, options in instrument.response_sets.items():
        problem = _response_set_problem(key, options)
        if problem:
            return problem
    twice = _repeated(item.id for item in instrument.items)
    if twice:
        return f"item {twice[0]!r} is listed more than once"
    used = set()
    for item in instrument.items:
        if item.response_set not in instrument.response_sets:
            return (
                f"item {item.id!r} uses response set {item.response_set!r}, "
                "which is not defined in response_sets"
            )
        used.add(item.response_set)
    unused = sorted(set(instrument.response_sets) - used)
    if unused:
        return f"response set {unused[0]!r} is not used by any item"
    item_ids = {item.id for item in instrument.items}
    twice = _repeated(instrument.reverse_items)
    if twice:
        return f"reverse_items lists {twice[0]!r} twice"
    for item_id in instrument.reverse_items:
        if item_id not in item_ids:
            return f"reverse_items names {item_id!r}, which is not an item"
        spec = instrument.item(item_id)
        for value in spec.values:
            if spec.min + spec.max - value not in spec.values:
                return (
                    f"item {item_id!r} is reverse-scored, but its option {value} would become "
                    f"{spec.min + spec.max - value}, which is not an option"
                )
    problem = _scales_problem(instrument)
    if problem:
        return problem
    for scale in instrument.scales:
        problem = _item_scale_problem(instrument, scale, item_ids)
        if problem:
            return problem
    return None


def _item_scale_problem(instrument: Instrument, scale: Scale, item_ids: set[str]) -> str | None:
    where = f"scale {scale.key!r}"
    if not scale.items:
        return f"{where} needs a list of items"
    for item_id in scale.items:
        if item_id not in item_ids:
            return f"{where} names item {item_id!r}, which is not an item"
    twice = _repeated(scale.items)
    if twice:
        return f"{where} lists item {twice[0]!r} twice"
    if scale.rule is None:
        return f'{where} needs a rule: "sum" or "mean"'
    if scale.values is not None:
        return f"{where}: values is only for scores-only instruments (it follows from the rule)"
    if scale.sum_of:
        return f"{where}: sum_of is only for scores-only instruments; list the items instead"
    count = len(scale.items)
    if scale.max_missing >= count:
        return (
            f"{where} allows {scale.max_missing} missing answers but has only {count} "
            f"items; at most {count - 1} may be missing"
        )
    if scale.max_missing > 0 and scale.prorate == "none":
        return f"{where} allows missing answers, so it needs a prorate rule"
    if scale.rule == "sum" and scale.prorate == "mean_of_answered":
        return f'{where}: a "sum" scale prorates with "mean_times_items"'
    if scale.rule == "mean" and scale.prorate == "mean_times_items":
        return f'{where}: a "mean" scale prorates with "mean_of_answered"'
    if scale.round == "none" and scale.decimals:
        return f'{where}: decimals needs "round": "half_up"'
    specs = [instrument.item(item_id) for item_id in scale.items]
    if scale.rule == "sum":
        low, high = sum(spec.min for spec in specs), sum(spec.max for spec in specs)
    else:
        low, high = min(spec.min for spec in specs), max(spec.max for spec in specs)
        if any(spec.min != low or spec.max != high for spec in specs):
            return f'{where}: a "mean" scale needs all its items on the same range'
    if (scale.range.min, scale.range.max) != (low, high):
        return (
            f"{where} declares the range {scale.range.min} to {scale.range.max}, "
            f"but its items give {low} to {high}"
        )
    return None


def _scores_only_problem(instrument: Instrument) -> str | None:
    if instrument.items or instrument.response_sets or instrument.reverse_items:
        return (
            "a scores-only instrument holds no items, response sets or reverse items "
            "(the questionnaire itself stays on paper)"
        )
    if instrument.goals is not None:
        return "only a 'goals' instrument has goals"
    problem = _scales_problem(instrument)
    if problem:
        return problem
    keys = {scale.key for scale in instrument.scales}
    for scale in instrument.scales:
        where = f"scale {scale.key!r}"
        if scale.items is not None:
            return f"{where}: a scores-only scale has no items"
        if (scale.rule, scale.max_missing, scale.prorate, scale.round, scale.decimals) != (
            None,
            0,
            "none",
            "none",
            0,
        ):
            return f"{where}: a scores-only scale has no scoring rule (staff enter the score)"
        if scale.values is None:
            return f'{where} needs "values": "integer" or "decimal"'
        if scale.range.min >= scale.range.max:
            return f"{where}: range min {scale.range.min} must be below max {scale.range.max}"
    for scale in instrument.scales:
        where = f"scale {scale.key!r}"
        if scale.sum_of:
            for part in scale.sum_of:
                if part not in keys:
                    return f"{where}: sum_of names {part!r}, which is not a scale"
                if part == scale.key:
                    return f"{where}: sum_of cannot name the scale itself"
            twice = _repeated(scale.sum_of)
            if twice:
                return f"{where}: sum_of lists {twice[0]!r} twice"
            parts = [instrument.scale(part) for part in scale.sum_of]
            low, high = sum(p.range.min for p in parts), sum(p.range.max for p in parts)
            if (scale.range.min, scale.range.max) != (low, high):
                return (
                    f"{where} declares the range {scale.range.min} to {scale.range.max}, "
                    f"but the scales it sums give {low} to {high}"
                )
    return None


def _goals_problem(instrument: Instrument) -> str | None:
    if instrument.goals is None:
        return 'a "goals" instrument needs "goals"'
    if instrument.items or instrument.response_sets or instrument.reverse_items:
        return "a goals instrument holds no items: students set goals in their own words"
    if instrument.scales or instrument.headline is not None:
        return "a goals instrument has no scales or headline: each goal is rated on its own"
    goals = instrument.goals
    if goals.min >= goals.max:
        return f"goals: min {goals.min} must be below max {goals.max}"
    for anchor in goals.anchors:
        if not goals.min <= anchor.value <= goals.max:
            return (
                f"goals: anchor {anchor.value} is outside the rating range "
                f"{goals.min} to {goals.max}"
            )
    return None


def whole_number_scores(scale: Scale) -> bool:
    """Whether every score on this scale is a whole number."""
    if scale.values is not None:
        return scale.values == "integer"
    if scale.round == "half_up":
        return scale.decimals == 0
    return scale.rule == "sum" and scale.prorate == "none"


def _bands_problem(instrument: Instrument, scale: Scale) -> str | None:
    if scale.bands is None:
        return None
    where = f"scale {scale.key!r} bands"
    if not whole_number_scores(scale):
        return (
            f"{where}: bands need whole-number scores (round half_up to 0 decimals, "
            "no prorating, or integer values)"
        )
    bands = scale.bands.bands
    twice = _repeated(band.key for band in bands)
    if twice:
        return f"{where}: band {twice[0]!r} is listed more than once"
    for band in bands:
        if band.min > band.max:
            return f"{where}: band {band.key!r} has min {band.min} above max {band.max}"
    if bands[0].min != scale.range.min:
        return (
            f"{where}: the first band starts at {bands[0].min}, "
            f"not at the bottom of the range ({scale.range.min})"
        )
    for before, after in itertools.pairwise(bands):
        if after.min <= before.max:
            return f"{where}: bands {before.key!r} and {after.key!r} overlap"
        if after.min != before.max + 1:
            return (
                f"{where}: there is a gap between {before.key!r} (to {before.max}) "
                f"and {after.key!r} (from {after.min})"
            )
    if bands[-1].max != scale.range.max:
        return (
            f"{where}: the last band ends at {bands[-1].max}, "
            f"not at the top of the range ({scale.range.max})"
        )
    return None


def _reliable_change_problem(scale: Scale) -> str | None:
    change = scale.reliable_change
    if change is None:
        return None
    where = f"scale {scale.key!r} reliable_change"
    if (change.reliability is None) != (change.reliability_kind is None):
        return f"{where}: give reliability and reliability_kind together"
    if (change.reliability is not None or change.sd is not None) and change.source is None:
        return f"{where}: a published reliability or SD needs its source"
    return None
