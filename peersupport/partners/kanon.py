"""k-anonymity for research exports, in the Datafly style (Sweeney, 1998). Pure
Python: no Django.

A research partner must not be able to pick a student out by the few things about
them that others could know (the quasi-identifiers: year group, gender, ethnicity
group, SEN status and pupil premium). So every combination of those released is
shared by at least k students. Each quasi-identifier has a hierarchy of ever
coarser levels, ending in "Any". While more rows sit in classes smaller than k than
the suppression budget allows, the quasi-identifier with the most distinct values
is generalised one level; the rows still in small classes are then left out
(suppressed). The released rows are k-anonymous, or there are none."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

ANY = "Any"

YEAR_GROUP = "year_group"
GENDER = "gender"
ETHNICITY = "ethnicity_group"
SEN_STATUS = "sen_status"
PUPIL_PREMIUM = "pupil_premium"

QUASI_IDENTIFIERS = (YEAR_GROUP, GENDER, ETHNICITY, SEN_STATUS, PUPIL_PREMIUM)

Row = Mapping[str, object]


@dataclass(frozen=True)
class Level:
    """One step of a hierarchy: its name and how a level-0 value reads at it."""

    name: str
    read: Callable[[str], str]


@dataclass(frozen=True)
class Hierarchy:
    """The levels of one quasi-identifier, from exact (0) to "Any" (the last)."""

    levels: tuple[Level, ...]

    @property
    def top(self) -> int:
        return len(self.levels) - 1

    def at(self, level: int, value: str) -> str:
        return self.levels[level].read(value)


def _exact(value: str) -> str:
    return value


def _anything(value: str) -> str:
    return ANY


KEY_STAGES = (
    ("KS2", range(3, 7)),
    ("KS3", range(7, 10)),
    ("KS4", range(10, 12)),
    ("KS5", range(12, 14)),
)


def key_stage(year_group: str) -> str:
    """The key stage band of a year group ("7" → "KS3"); "Other" for Reception,
    Years 1 and 2, or anything that is not a year number."""
    try:
        year = int(year_group)
    except ValueError:
        return "Other"
    for name, years in KEY_STAGES:
        if year in years:
            return name
    return "Other"


def sen_any(status: str) -> str:
    """N stays N; SEN support (K) and an EHC plan (E) become one band."""
    return "N" if status == "N" else "SEN (K or E)"


def _exact_then_any() -> Hierarchy:
    return Hierarchy((Level("exact", _exact), Level("any", _anything)))


HIERARCHIES: dict[str, Hierarchy] = {
    YEAR_GROUP: Hierarchy(
        (Level("exact", _exact), Level("key stage", key_stage), Level("any", _anything))
    ),
    GENDER: _exact_then_any(),
    # Already the DfE major group at level 0: the caller maps the census code.
    ETHNICITY: _exact_then_any(),
    SEN_STATUS: Hierarchy(
        (Level("exact", _exact), Level("SEN or not", sen_any), Level("any", _anything))
    ),
    PUPIL_PREMIUM: _exact_then_any(),
}


@dataclass(frozen=True)
class Anonymised:
    """What ``k_anonymise`` released: the rows (quasi-identifiers generalised, the
    other columns as given, in the input's order), the level used per
    quasi-identifier (by number and by name) and how many rows were left out."""

    rows: list[dict[str, object]]
    levels: dict[str, int]
    level_names: dict[str, str]
    suppressed: int


def _generalised(
    rows: Sequence[Row], levels: Mapping[str, int], hierarchies: Mapping[str, Hierarchy]
) -> list[tuple[str, ...]]:
    return [
        tuple(hierarchies[name].at(level, str(row[name])) for name, level in levels.items())
        for row in rows
    ]


def k_anonymise(
    rows: Sequence[Row],
    *,
    k: int,
    quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS,
    hierarchies: Mapping[str, Hierarchy] = HIERARCHIES,
    suppression_share: float = 0.05,
) -> Anonymised:
    """Generalise and suppress until every combination of the quasi-identifiers
    in the released rows occurs at least ``k`` times.

    ``suppression_share`` is the share of rows that may be left out rather than
    generalise further (Datafly's budget); once no quasi-identifier can be
    generalised further, every row still in a small class is left out whatever the
    budget."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    if not 0 <= suppression_share <= 1:
        raise ValueError("The suppression share must be between 0 and 1.")
    repeated = sorted(name for name, times in Counter(quasi_identifiers).items() if times > 1)
    if repeated:
        raise ValueError(
            "Each quasi-identifier may be named only once; named more than once: "
            + ", ".join(repeated)
            + "."
        )
    levels = dict.fromkeys(quasi_identifiers, 0)
    budget = math.floor(suppression_share * len(rows))
    while True:
        keys = _generalised(rows, levels, hierarchies)
        sizes = Counter(keys)
        in_small_classes = sum(size for size in sizes.values() if size < k)
        if in_small_classes <= budget:
            break
        can_rise = [name for name in quasi_identifiers if levels[name] < hierarchies[name].top]
        if not can_rise:
            break
        position = {name: index for index, name in enumerate(quasi_identifiers)}
        # The attribute with the most distinct values at its current level; ties go
        # to the one named first, so the same data always gives the same export.
        most_varied = max(
            can_rise,
            key=lambda name: (len({key[position[name]] for key in keys}), -position[name]),
        )
        levels[most_varied] += 1
    released: list[dict[str, object]] = []
    for row, key in zip(rows, keys, strict=True):
        if sizes[key] < k:
            continue
        kept = dict(row)
        kept.update(zip(quasi_identifiers, key, strict=True))
        released.append(kept)
    return Anonymised(
        rows=released,
        levels=levels,
        level_names={name: hierarchies[name].levels[level].name for name, level in levels.items()},
        suppressed=len(rows) - len(released),
    )


def smallest_class(rows: Sequence[Row], quasi_identifiers: Sequence[str]) -> int:
    """How many rows share the rarest combination of the quasi-identifiers (0 when
    there are no rows): the k the rows actually achieve."""
    sizes = Counter(tuple(str(row[name]) for name in quasi_identifiers) for row in rows)
    return min(sizes.values(), default=0)
