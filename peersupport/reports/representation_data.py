"""The counts behind the representation page, gathered from the other apps in a
fixed number of queries whatever the size of the school: who is on the roll, who
is supported, who mentors, outreach targets' progress by term, discrimination and
exclusion incidents by term, and the latest match's fairness figures. The
statistics themselves are in ``representation`` (pure, no Django).

Who counts:
- the roll: students of the school marked on roll;
- students supported: students on roll with an enrolment in any programme of the
  school that overlaps the period (each student once, however many programmes);
- peer mentors: students on roll whose mentor profile is active or paused now and
  was approved by the end of the period. The platform keeps no history of a
  mentor's status, so a mentor who has since stepped down is not counted in past
  terms either.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from peersupport.concerns.models import Characteristic, Concern, ConcernKind
from peersupport.matching.models import MatchSolve
from peersupport.matching.selectors import fairness
from peersupport.programmes.models import Enrolment, MentorProfile
from peersupport.reports import representation
from peersupport.reports.models import OutreachTarget, Side
from peersupport.schools.models import School, Term
from peersupport.students.models import (
    ETHNICITY_MAJOR_GROUP,
    YEAR_GROUP_CHOICES,
    Ethnicity,
    Gender,
    SenStatus,
    Student,
)

FIELDS = ("pupil_premium", "fsm", "eal", "sen_status", "gender", "year_group", "ethnicity")
NOT_RECORDED = "Not recorded"
MENTORS_COUNTED = (MentorProfile.Status.ACTIVE, MentorProfile.Status.PAUSED)


def threshold() -> int:
    """Counts below this are hidden (settings.SMALL_NUMBER_THRESHOLD, default 5)."""
    return int(settings.SMALL_NUMBER_THRESHOLD)


@dataclass(frozen=True)
class CharacteristicDefinition:
    """A way of grouping students: its key (as outreach targets store it), heading,
    the groups in the order shown (key, label), and the group of a student's row."""

    key: str
    heading: str
    groups: tuple[tuple[str, str], ...]
    group_of: Callable[[dict[str, Any]], str]


def _yes_no(field_name: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: "yes" if row[field_name] else "no"


_MAJOR_GROUPS = tuple(dict.fromkeys(ETHNICITY_MAJOR_GROUP.values()))

CHARACTERISTICS: tuple[CharacteristicDefinition, ...] = (
    CharacteristicDefinition(
        "pp",
        "Pupil premium",
        (("yes", "Pupil premium"), ("no", "Not pupil premium")),
        _yes_no("pupil_premium"),
    ),
    CharacteristicDefinition(
        "fsm",
        "Free school meals",
        (("yes", "Eligible for free school meals"), ("no", "Not eligible")),
        _yes_no("fsm"),
    ),
    CharacteristicDefinition(
        "eal",
        "English as an additional language",
        (("yes", "EAL"), ("no", "Not EAL")),
        _yes_no("eal"),
    ),
    CharacteristicDefinition(
        "sen",
        "SEN status",
        tuple(SenStatus.choices),
        lambda row: row["sen_status"] or SenStatus.NONE,
    ),
    CharacteristicDefinition(
        "gender",
        "Gender",
        (*Gender.choices, ("none", NOT_RECORDED)),
        lambda row: row["gender"] or "none",
    ),
    CharacteristicDefinition(
        "year",
        "Year group",
        tuple((str(number), label) for number, label in YEAR_GROUP_CHOICES),
        lambda row: str(row["year_group"]),
    ),
    CharacteristicDefinition(
        "ethnicity",
        "Ethnic group",
        (*((g, g) for g in _MAJOR_GROUPS), ("none", NOT_RECORDED)),
        lambda row: ETHNICITY_MAJOR_GROUP.get(row["ethnicity"] or "", "none"),
    ),
    CharacteristicDefinition(
        "ethnicity_detail",
        "Ethnicity (detailed codes)",
        (*Ethnicity.choices, ("none", NOT_RECORDED)),
        lambda row: row["ethnicity"] or "none",
    ),
)
BY_KEY = {c.key: c for c in CHARACTERISTICS}


def characteristics_shown(detailed: bool) -> list[CharacteristicDefinition]:
    """Every characteristic, with ethnicity as the DfE major groups or, when asked,
    the detailed codes."""
    skip = "ethnicity" if detailed else "ethnicity_detail"
    return [c for c in CHARACTERISTICS if c.key != skip]


def target_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(characteristic heading, [(value "characteristic:group", group label)]) for a
    target form's choice of group."""
    return [
        (c.heading, [(f"{c.key}:{key}", label) for key, label in c.groups]) for c in CHARACTERISTICS
    ]


def group_label(characteristic: str, group: str) -> str:
    definition = BY_KEY.get(characteristic)
    if definition is None:
        return group
    return dict(definition.groups).get(group, group)


# ---------------------------------------------------------------- counting


def _tally(rows: Iterable[dict[str, Any]]) -> tuple[int, dict[str, Counter[str]]]:
    """Rows of FIELDS with a count ``n``: the total, and per characteristic the
    count of each group."""
    total = 0
    counts: dict[str, Counter[str]] = {c.key: Counter() for c in CHARACTERISTICS}
    for row in rows:
        total += row["n"]
        for definition in CHARACTERISTICS:
            counts[definition.key][definition.group_of(row)] += row["n"]
    return total, counts


def _grouped(students: QuerySet[Student]) -> list[dict[str, Any]]:
    """One query: students counted by every combination of the fields."""
    return list(students.values(*FIELDS).annotate(n=Count("id")).order_by())


def roll_of(school: School) -> QuerySet[Student]:
    return Student.objects.filter(school=school, on_roll=True)


def mentees_in(school: School, starts_on: datetime.date, ends_on: datetime.date) -> Q:
    """Students with an enrolment of the school overlapping the period."""
    enrolled = Enrolment.objects.filter(school=school, started_on__lte=ends_on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=starts_on)
    )
    return Q(id__in=enrolled.values("student_id"))


def mentors_by(school: School, ends_on: datetime.date) -> Q:
    """Students whose mentor profile is active or paused, approved by ``ends_on``."""
    mentors = MentorProfile.objects.filter(school=school, status__in=MENTORS_COUNTED).filter(
        Q(approved_at__isnull=True) | Q(approved_at__date__lte=ends_on)
    )
    return Q(id__in=mentors.values("student_id"))


@dataclass
class Representation:
    """The comparison of both sides with the roll in one period."""

    mentees: representation.SideComparison
    mentors: representation.SideComparison
    threshold: int
    detailed: bool
    # The roll's counts of every group, for targets_progress to hide as the page does.
    roll_counts: dict[str, Counter[str]] = field(default_factory=dict)


def _group_counts(
    definition: CharacteristicDefinition, taking_part: Counter[str], on_roll: Counter[str]
) -> list[representation.GroupCount]:
    """The groups of a characteristic anyone on the roll or taking part is in."""
    return [
        representation.GroupCount(
            key=key, label=label, taking_part=taking_part[key], on_roll=on_roll[key]
        )
        for key, label in definition.groups
        if on_roll[key] or taking_part[key]
    ]


# A detailed ethnicity code's major group ("none", not recorded, is its own).
ETHNICITY_PARENT = {**ETHNICITY_MAJOR_GROUP, "none": "none"}


def hidden_groups(
    key: str, counts: dict[str, Counter[str]], roll_counts: dict[str, Counter[str]], limit: int
) -> set[str]:
    """The groups of characteristic ``key`` hidden on a side with ``counts`` taking
    part. The detailed ethnicity codes are hidden within their major groups, and
    every code of a major group hidden on the major-group view is hidden, so that a
    hidden code (or major group) cannot be worked out by subtracting the codes shown
    from the major group counts shown in the other view."""
    groups = _group_counts(BY_KEY[key], counts[key], roll_counts[key])
    if key != "ethnicity_detail":
        return representation.hidden_keys(groups, limit)
    majors = _group_counts(BY_KEY["ethnicity"], counts["ethnicity"], roll_counts["ethnicity"])
    majors_roll_hidden = representation.roll_hidden_keys(majors, limit)
    _roll, hidden = representation.nested_hidden_keys(
        groups,
        ETHNICITY_PARENT,
        limit,
        parents_roll_hidden=majors_roll_hidden,
        parents_hidden=representation.hidden_keys(majors, limit, majors_roll_hidden),
    )
    return hidden


def representation_in(
    school: School, starts_on: datetime.date, ends_on: datetime.date, *, detailed: bool = False
) -> Representation:
    """Three queries: the roll, those supported and the mentors, each counted by
    every combination of the characteristics."""
    roll = roll_of(school)
    roll_total, roll_counts = _tally(_grouped(roll))
    shown = characteristics_shown(detailed)
    limit = threshold()

    def side(rows: list[dict[str, Any]]) -> representation.SideComparison:
        total, counts = _tally(rows)
        characteristics = [
            (
                definition.key,
                definition.heading,
                _group_counts(definition, counts[definition.key], roll_counts[definition.key]),
            )
            for definition in shown
        ]
        return representation.compare_side(
            characteristics,
            taking_part_total=total,
            roll_total=roll_total,
            threshold=limit,
            hidden={d.key: hidden_groups(d.key, counts, roll_counts, limit) for d in shown},
        )

    mentees = side(_grouped(roll.filter(mentees_in(school, starts_on, ends_on))))
    mentors = side(_grouped(roll.filter(mentors_by(school, ends_on))))
    return Representation(
        mentees=mentees,
        mentors=mentors,
        threshold=limit,
        detailed=detailed,
        roll_counts=roll_counts,
    )


# ---------------------------------------------------------------- outreach targets


@dataclass
class TargetTerm:
    term: Term
    percent: float | None  # None when hidden or nobody took part
    met: bool | None
    note: str = ""


@dataclass
class TargetProgress:
    target: OutreachTarget
    label: str
    terms: list[TargetTerm] = field(default_factory=list)


def _students_by_term(
    rows: Iterable[dict[str, Any]], terms: list[Term], starts: str, ends: str | None
) -> dict[int, dict[int, dict[str, Any]]]:
    """For each term (by id), each student (by id) whose span overlaps it."""
    by_term: dict[int, dict[int, dict[str, Any]]] = {term.id: {} for term in terms}
    for row in rows:
        began = row[starts]
        if isinstance(began, datetime.datetime):
            began = began.date()
        finished = row[ends] if ends else None
        for term in terms:
            if began is not None and began > term.ends_on:
                continue
            if finished is not None and finished < term.starts_on:
                continue
            by_term[term.id][row["student_id"]] = row
    return by_term


def targets_progress(
    school: School,
    targets: list[OutreachTarget],
    terms: list[Term],
    roll_counts: dict[str, Counter[str]] | None = None,
) -> list[TargetProgress]:
    """The share of each target's group among those taking part in every term of the
    school: two queries (enrolments and mentors, one row per enrolment or mentor)
    whatever the number of targets and terms, and one of the roll unless its
    ``roll_counts`` are given (``Representation.roll_counts``). A share is
    hidden where the page for that term hides the group on that side
    (``hidden_groups``), or where it would reveal fewer than the threshold in or
    outside the group."""
    if not targets or not terms:
        return [TargetProgress(t, group_label(t.characteristic, t.group)) for t in targets]
    student_fields = [f"student__{name}" for name in FIELDS]

    def rows_of(queryset: QuerySet[Any], starts: str, ends: str | None) -> list[dict[str, Any]]:
        names = ["student_id", starts, *([ends] if ends else []), *student_fields]
        rows = []
        for row in queryset.values(*names):
            for name in FIELDS:
                row[name] = row.pop(f"student__{name}")
            row["n"] = 1
            rows.append(row)
        return rows

    sides: dict[str, dict[int, dict[int, dict[str, Any]]]] = {}
    if any(t.side == Side.MENTEES for t in targets):
        enrolments = Enrolment.objects.filter(school=school, student__on_roll=True)
        sides[Side.MENTEES] = _students_by_term(
            rows_of(enrolments, "started_on", "ended_on"), terms, "started_on", "ended_on"
        )
    if any(t.side == Side.MENTORS for t in targets):
        mentors = MentorProfile.objects.filter(
            school=school, status__in=MENTORS_COUNTED, student__on_roll=True
        )
        sides[Side.MENTORS] = _students_by_term(
            rows_of(mentors, "approved_at", None), terms, "approved_at", None
        )
    limit = threshold()
    if roll_counts is None:
        _roll_total, roll_counts = _tally(_grouped(roll_of(school)))
    tallies: dict[tuple[str, int], tuple[int, dict[str, Counter[str]]]] = {}
    result = []
    for target in targets:
        progress = TargetProgress(target, group_label(target.characteristic, target.group))
        definition = BY_KEY.get(target.characteristic)
        for term in terms:
            if (target.side, term.id) not in tallies:
                tallies[target.side, term.id] = _tally(sides[target.side][term.id].values())
            n, counts = tallies[target.side, term.id]
            k = counts[definition.key][target.group] if definition else 0
            if n == 0:
                progress.terms.append(TargetTerm(term, None, None, "Nobody taking part"))
            elif (
                definition is None
                or representation.is_small(n, limit)
                or representation.share_hidden(k, n, limit)
                or target.group in hidden_groups(definition.key, counts, roll_counts, limit)
            ):
                # Hidden as the page hides the group for that term and side.
                progress.terms.append(TargetTerm(term, None, None, "Hidden to protect privacy"))
            else:
                percent = 100 * k / n
                progress.terms.append(
                    TargetTerm(term, percent, percent >= float(target.at_least_percent))
                )
        result.append(progress)
    return result


# ---------------------------------------------------------------- incidents


HIDDEN_SMALL = "Fewer than {limit}"
HIDDEN_SECONDARY = "Hidden so that a smaller group cannot be worked out"


@dataclass
class IncidentTable:
    """Discrimination, bullying or exclusion incidents per term, by one grouping:
    ``cells[term index][group index]`` is a count, or None when hidden, and
    ``notes`` the same place's reason for hiding it ("" when shown)."""

    heading: str
    groups: list[str]
    terms: list[Term]
    cells: list[list[int | None]]
    notes: list[list[str]] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[Term, list[tuple[int | None, str]]]]:
        notes = self.notes or [[""] * len(row) for row in self.cells]
        return [
            (term, list(zip(cells, row_notes, strict=True)))
            for term, cells, row_notes in zip(self.terms, self.cells, notes, strict=True)
        ]


INCIDENT_GROUPINGS = ("pp", "sen", "eal", "gender", "ethnicity")


def _suppressed_row(counts: list[int], limit: int) -> tuple[list[int | None], list[str]]:
    """Hide counts from 1 to limit - 1; then, while fewer than two are hidden or the
    hidden ones add up to fewer than ``limit``, the next smallest non-zero one too
    (each incident is counted once in a row of the characteristic involved, so a
    total known elsewhere would otherwise give it away). Each hidden cell says why."""
    small = {i for i, c in enumerate(counts) if representation.is_small(c, limit)}
    hidden = set(small)
    while hidden and (len(hidden) < 2 or sum(counts[i] for i in hidden) < limit):
        rest = sorted((c, i) for i, c in enumerate(counts) if i not in hidden and c > 0)
        if not rest:
            break
        hidden.add(rest[0][1])
    cells = [None if i in hidden else c for i, c in enumerate(counts)]
    notes = [
        ""
        if i not in hidden
        else HIDDEN_SMALL.format(limit=limit)
        if i in small
        else HIDDEN_SECONDARY
        for i in range(len(counts))
    ]
    return cells, notes


def incidents_by_term(school: School, terms: list[Term]) -> list[IncidentTable]:
    """Two queries: incidents by the protected characteristic involved, and by the
    characteristics of the students named (an incident naming two students of a
    group counts once for it)."""
    limit = threshold()
    ordered = sorted(terms, key=lambda t: t.starts_on)
    if not ordered:
        return []

    def term_of(moment: datetime.datetime) -> int | None:
        day = moment.date()
        for index, term in enumerate(ordered):
            if term.starts_on <= day <= term.ends_on:
                return index
        return None

    incidents = Concern.objects.filter(
        school=school,
        kind=ConcernKind.DISCRIMINATION,
        created_at__date__gte=ordered[0].starts_on,
        created_at__date__lte=ordered[-1].ends_on,
    )
    involved: list[Counter[str]] = [Counter() for _ in ordered]
    for created_at, characteristic in incidents.values_list("created_at", "characteristic"):
        index = term_of(created_at)
        if index is not None:
            involved[index][characteristic or ""] += 1
    labels = [*Characteristic.choices, ("", NOT_RECORDED)]
    rows = [_suppressed_row([row[key] for key, _ in labels], limit) for row in involved]
    tables = [
        IncidentTable(
            "Characteristic involved",
            [label for _key, label in labels],
            ordered,
            [cells for cells, _ in rows],
            [notes for _, notes in rows],
        )
    ]
    named = Concern.students.through.objects.filter(
        concern__in=incidents, student__school=school
    ).values("concern_id", "concern__created_at", *(f"student__{name}" for name in FIELDS))
    seen: dict[str, list[set[tuple[str, int]]]] = {
        key: [set() for _ in ordered] for key in INCIDENT_GROUPINGS
    }
    for row in named:
        index = term_of(row["concern__created_at"])
        if index is None:
            continue
        student = {name: row[f"student__{name}"] for name in FIELDS}
        for key in INCIDENT_GROUPINGS:
            seen[key][index].add((BY_KEY[key].group_of(student), row["concern_id"]))
    for key in INCIDENT_GROUPINGS:
        definition = BY_KEY[key]
        cells, notes = [], []
        for index in range(len(ordered)):
            counts = Counter(group for group, _ in seen[key][index])
            row_cells, row_notes = _suppressed_row([counts[g] for g, _ in definition.groups], limit)
            cells.append(row_cells)
            notes.append(row_notes)
        tables.append(
            IncidentTable(
                f"Students named, by {definition.heading.lower()}"
                if key != "eal"
                else "Students named, by EAL",
                [label for _g, label in definition.groups],
                ordered,
                cells,
                notes,
            )
        )
    return tables


# ---------------------------------------------------------------- matching fairness


@dataclass
class FairnessFigure:
    label: str
    waiting: int | None
    matched: int | None
    rate: float | None
    mean_score: float | None
    p_value: float | None
    matched_less: bool
    hidden: bool
    reason: str = ""


@dataclass
class FairnessSummary:
    solved_at: datetime.datetime
    programme: str
    panels: list[tuple[str, list[FairnessFigure]]]


def latest_fairness(school: School) -> FairnessSummary | None:
    """The fairness panel of the school's latest match solve (two queries), with
    groups of fewer than the threshold waiting, matched or left unmatched hidden,
    and the next smallest too while fewer than two are hidden or those hidden wait
    fewer than the threshold in all. Each hidden row says why."""
    solve = (
        MatchSolve.objects.filter(school=school)
        .select_related("run__programme")
        .order_by("-solved_at", "-id")
        .first()
    )
    if solve is None:
        return None
    limit = threshold()
    panels = []
    for panel in fairness(solve):
        small = {
            row.label
            for row in panel.rows
            if representation.is_small(row.waiting, limit)
            or representation.is_small(row.matched, limit)
            or representation.is_small(row.waiting - row.matched, limit)
        }
        hidden = set(small)
        waiting = {row.label: row.waiting for row in panel.rows}
        while hidden and (len(hidden) < 2 or sum(waiting[label] for label in hidden) < limit):
            rest = sorted(
                (row.waiting, row.label)
                for row in panel.rows
                if row.label not in hidden and row.waiting > 0
            )
            if not rest:
                break
            hidden.add(rest[0][1])
        figures = []
        for row in panel.rows:
            if row.label in hidden:
                reason = (
                    HIDDEN_SMALL.format(limit=limit) + ": hidden"
                    if row.label in small
                    else HIDDEN_SECONDARY
                )
                figures.append(
                    FairnessFigure(row.label, None, None, None, None, None, False, True, reason)
                )
            else:
                figures.append(
                    FairnessFigure(
                        row.label,
                        row.waiting,
                        row.matched,
                        row.rate,
                        row.mean_score,
                        row.p_value,
                        row.matched_less,
                        False,
                    )
                )
        panels.append((panel.heading, figures))
    return FairnessSummary(solve.solved_at, solve.run.programme.name, panels)
