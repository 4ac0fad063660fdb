"""Reads of wellbeing for the staff pages: a student's trajectory on each measure
and their goals, a programme's outcomes in a term (the figures come from
wellbeing.outcomes, so the page and the CSV read the same numbers), and feedback
trends by week. Each runs a fixed number of queries, whatever the numbers."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from peersupport.programmes.models import Enrolment, Programme
from peersupport.schools.models import School, Term
from peersupport.students.models import ETHNICITY_MAJOR_GROUP, Gender, SenStatus, Student
from peersupport.wellbeing import outcomes
from peersupport.wellbeing.instruments import Instrument, Scale, load_instruments
from peersupport.wellbeing.models import (
    Feedback,
    Goal,
    GoalRating,
    MeasureSettings,
    Occasion,
    Questionnaire,
)
from peersupport.wellbeing.scoring import band_for

BANDS_NOT_CHECKED = "bands not yet checked"
FOLLOW_UP_OCCASIONS = (Occasion.REVIEW, Occasion.EXIT)
DEFAULT_MEASURE = str(MeasureSettings._meta.get_field("instrument").get_default())


def suppression_threshold() -> int:
    """Counts below this are hidden (settings.SMALL_NUMBER_THRESHOLD, default 5)."""
    return int(settings.SMALL_NUMBER_THRESHOLD)


# ---------------------------------------------------------------- a student's trajectory


@dataclass(frozen=True)
class ScaleCell:
    name: str
    value: float | None
    band: str  # the band's label, BANDS_NOT_CHECKED, or "" when the scale has no bands


@dataclass(frozen=True)
class TrajectoryRow:
    taken_on: datetime.date
    occasion: str
    total: ScaleCell | None
    subscales: list[ScaleCell]


@dataclass(frozen=True)
class Trajectory:
    """One measure's completed questionnaires for one student, oldest first."""

    instrument: Instrument
    rows: list[TrajectoryRow]

    @property
    def headline(self) -> Scale | None:
        return self.instrument.headline_scale

    @property
    def subscale_names(self) -> list[str]:
        return [scale.name for scale in self.instrument.subscales]


def _cell(instrument: Instrument, scale: Scale, value: float | None) -> ScaleCell:
    if value is None or scale.bands is None:
        return ScaleCell(scale.name, value, "")
    if not scale.bands.verified:
        return ScaleCell(scale.name, value, BANDS_NOT_CHECKED)
    band = band_for(instrument, scale.key, value)
    return ScaleCell(scale.name, value, band.label if band is not None else "")


def taken_on(questionnaire: Questionnaire) -> datetime.date:
    """When a completed questionnaire was taken: the day it was finished, or for a
    paper measure the date it is filed under (the day it was taken)."""
    if questionnaire.entered_by_id is None and questionnaire.completed_at is not None:
        return timezone.localdate(questionnaire.completed_at)
    return questionnaire.due_on


def trajectories_of(student: Student) -> list[Trajectory]:
    """Each measure the student has completed, with every result and its bands. One
    query."""
    instruments = load_instruments()
    done = Questionnaire.objects.filter(
        school=student.school, student=student, status=Questionnaire.Status.DONE
    ).order_by("instrument", "due_on", "completed_at")
    by_instrument: dict[str, list[TrajectoryRow]] = defaultdict(list)
    for questionnaire in done:
        instrument = instruments.get(questionnaire.instrument)
        if instrument is None or instrument.headline is None:
            continue
        headline = instrument.headline_scale
        assert headline is not None
        by_instrument[questionnaire.instrument].append(
            TrajectoryRow(
                taken_on=taken_on(questionnaire),
                occasion=questionnaire.get_occasion_display(),
                total=_cell(instrument, headline, questionnaire.total),
                subscales=[
                    _cell(instrument, scale, questionnaire.subscales.get(scale.key))
                    for scale in instrument.subscales
                ],
            )
        )
    return [
        Trajectory(instruments[key], sorted(rows, key=lambda row: row.taken_on))
        for key, rows in sorted(by_instrument.items(), key=lambda kv: instruments[kv[0]].name)
    ]


def goals_of(student: Student) -> list[Goal]:
    """The student's goals with their ratings, oldest first. Two queries."""
    return list(
        Goal.objects.filter(school=student.school, student=student).prefetch_related(
            Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_on", "pk"))
        )
    )


# ---------------------------------------------------------------- programme outcomes


def terms_of(school: School) -> QuerySet[Term]:
    return Term.objects.filter(school=school).order_by("-starts_on")


def current_term(terms: Iterable[Term], today: datetime.date) -> Term | None:
    """The term ``today`` is in, else the latest that has started, else the first."""
    listed = list(terms)
    for term in listed:
        if term.starts_on <= today <= term.ends_on:
            return term
    started = [term for term in listed if term.starts_on <= today]
    if started:
        return max(started, key=lambda term: term.starts_on)
    return listed[0] if listed else None


SUBGROUP_HEADINGS = ("Pupil premium", "SEN status", "Gender", "Year group", "Ethnic group")


def subgroups_of(student: Student) -> dict[str, str]:
    """The student's label in each reporting grouping ("" when not recorded)."""
    return {
        "Pupil premium": "Pupil premium" if student.pupil_premium else "Not pupil premium",
        "SEN status": dict(SenStatus.choices).get(student.sen_status, ""),
        "Gender": dict(Gender.choices).get(student.gender, ""),
        "Year group": f"Year {student.year_group}",
        "Ethnic group": ETHNICITY_MAJOR_GROUP.get(student.ethnicity, ""),
    }


@dataclass(frozen=True)
class SubgroupTable:
    heading: str
    rows: list[outcomes.Subgroup[outcomes.ChangeSummary]]


@dataclass(frozen=True)
class GoalSubgroupTable:
    heading: str
    rows: list[outcomes.Subgroup[outcomes.GoalProgress]]


@dataclass(frozen=True)
class ProgrammeOutcomes:
    """A programme's outcomes in a term. ``summary`` is None when the programme's
    measure is the goals instrument (then ``goals`` is its outcome)."""

    programme: Programme
    term: Term
    instrument: Instrument
    threshold: int
    summary: outcomes.ChangeSummary | None
    subgroups: list[SubgroupTable]
    goals: outcomes.GoalProgress
    goal_subgroups: list[GoalSubgroupTable] = field(default_factory=list)
    # Why the whole programme's figures are hidden (too few students), if they are.
    summary_hidden: str | None = None
    goals_hidden: str | None = None

    @property
    def effect_size_label(self) -> str:
        return outcomes.EFFECT_SIZE_LABEL


def _students_in_term(programme: Programme, term: Term) -> list[Student]:
    """Everyone enrolled in the programme at some time in the term, once each."""
    enrolments = (
        Enrolment.objects.filter(
            school=programme.school,
            programme=programme,
            started_on__lte=term.ends_on,
        )
        .exclude(ended_on__lt=term.starts_on)
        .select_related("student")
        .order_by("student_id", "started_on")
    )
    students: dict[int, Student] = {}
    for enrolment in enrolments:
        students.setdefault(enrolment.student_id, enrolment.student)
    return list(students.values())


def _score_pairs(
    programme: Programme, instrument: Instrument, students: list[Student], term: Term
) -> list[tuple[str, float | None, float | None]]:
    """(student, baseline, follow-up) for each student: the follow-up is their
    latest scored review or exit measure in the term, the baseline their latest
    scored baseline before it (one taken after it, when a student starts again, is
    not a "before"); with no follow-up, their latest baseline by the term's end.
    One query."""
    done = Questionnaire.objects.filter(
        school=programme.school,
        programme=programme,
        instrument=instrument.key,
        student__in=[student.pk for student in students],
        status=Questionnaire.Status.DONE,
        total__isnull=False,
        due_on__lte=term.ends_on,
    ).order_by("due_on", "pk")
    baseline: dict[int, float] = {}
    follow_up: dict[int, float] = {}
    # The baseline each follow-up was measured against (the latest before it).
    against: dict[int, float | None] = {}
    for questionnaire in done:
        assert questionnaire.total is not None
        if questionnaire.occasion == Occasion.BASELINE:
            baseline[questionnaire.student_id] = questionnaire.total
        elif questionnaire.occasion in FOLLOW_UP_OCCASIONS and questionnaire.due_on >= (
            term.starts_on
        ):
            follow_up[questionnaire.student_id] = questionnaire.total
            against[questionnaire.student_id] = baseline.get(questionnaire.student_id)
    return [
        (
            str(student.public_id),
            against[student.pk] if student.pk in follow_up else baseline.get(student.pk),
            follow_up.get(student.pk),
        )
        for student in students
    ]


def _goal_rows(students: list[Student], term: Term) -> list[tuple[str, str, float, float | None]]:
    """(student, goal, first rating, latest rating in the term if after the first)
    for each goal the students had set by the end of the term. Two queries."""
    by_pk = {student.pk: student for student in students}
    goals = Goal.objects.filter(student__in=list(by_pk), set_on__lte=term.ends_on).prefetch_related(
        Prefetch(
            "ratings",
            queryset=GoalRating.objects.filter(rated_on__lte=term.ends_on).order_by(
                "rated_on", "pk"
            ),
        )
    )
    rows = []
    for goal in goals:
        ratings = list(goal.ratings.all())
        if not ratings:
            continue
        first, last = ratings[0], ratings[-1]
        later = last is not first and last.rated_on >= term.starts_on
        rows.append(
            (
                str(by_pk[goal.student_id].public_id),
                str(goal.public_id),
                float(first.rating),
                float(last.rating) if later else None,
            )
        )
    return rows


def programme_outcomes(
    programme: Programme, term: Term, *, hide_small_totals: bool = True
) -> ProgrammeOutcomes:
    """The programme's outcomes in the term, overall and by subgroup, with small
    subgroups suppressed. With ``hide_small_totals`` (for readers who may not see
    students' own scores, such as viewers) the whole programme's figures are
    suppressed too when it has too few students; coordinators and DSLs, who may
    read each student's scores anyway, see them with the reasons they are weak. A
    fixed number of queries, however many students."""
    instruments = load_instruments()
    rules = MeasureSettings.objects.filter(programme=programme).first()
    key = rules.instrument if rules is not None else DEFAULT_MEASURE
    instrument = instruments[key]
    threshold = suppression_threshold()
    students = _students_in_term(programme, term)
    groups = {str(student.public_id): subgroups_of(student) for student in students}

    summary = None
    summary_hidden: str | None = None
    goals_hidden: str | None = None
    subgroups: list[SubgroupTable] = []
    headline = instrument.headline_scale
    if headline is not None:
        pairs = _score_pairs(programme, instrument, students, term)
        change = headline.reliable_change
        figures = {
            "higher_is_better": headline.higher_is_better is not False,
            "reliability": change.reliability if change is not None else None,
            "sd": change.sd if change is not None else None,
        }
        summary = outcomes.change_summary(pairs, **figures)  # type: ignore[arg-type]
        # The whole programme is a group like any other: too few students, and
        # its figures would be theirs.
        everyone = outcomes.by_subgroup(
            pairs,
            dict.fromkeys(groups, "Everyone"),
            threshold=threshold,
            **figures,  # type: ignore[arg-type]
        )
        if hide_small_totals and everyone and everyone[0].suppressed:
            summary_hidden = everyone[0].suppression_reason or "Too few students to show."
        subgroups = [
            SubgroupTable(
                heading,
                outcomes.by_subgroup(
                    pairs,
                    {student: labels[heading] for student, labels in groups.items()},
                    threshold=threshold,
                    **figures,  # type: ignore[arg-type]
                ),
            )
            for heading in SUBGROUP_HEADINGS
        ]
    goal_rows = _goal_rows(students, term)
    goal_subgroups = [
        GoalSubgroupTable(
            heading,
            outcomes.goal_progress_by_subgroup(
                goal_rows,
                {student: labels[heading] for student, labels in groups.items()},
                threshold=threshold,
            ),
        )
        for heading in SUBGROUP_HEADINGS
    ]
    goals_everyone = outcomes.goal_progress_by_subgroup(
        goal_rows, dict.fromkeys(groups, "Everyone"), threshold=threshold
    )
    if hide_small_totals and goals_everyone and goals_everyone[0].suppressed:
        goals_hidden = goals_everyone[0].suppression_reason or "Too few students to show."
    if summary_hidden is not None:
        summary, subgroups = None, []
    if goals_hidden is not None:
        goal_subgroups = []
    return ProgrammeOutcomes(
        summary_hidden=summary_hidden,
        goals_hidden=goals_hidden,
        programme=programme,
        term=term,
        instrument=instrument,
        threshold=threshold,
        summary=summary,
        subgroups=subgroups,
        goals=outcomes.goal_progress(goal_rows),
        goal_subgroups=goal_subgroups,
    )


# ---------------------------------------------------------------- feedback trends


def feedback_score(answers: dict[str, int | None]) -> float | None:
    """One feedback's score: the mean of the items answered (None if none were)."""
    values = [value for value in answers.values() if value is not None]
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class TrendCell:
    week_of: datetime.date
    count: int | None  # None: suppressed
    mean: float | None


@dataclass(frozen=True)
class TrendRow:
    label: str
    cells: list[TrendCell]


@dataclass(frozen=True)
class FeedbackComment:
    week_of: datetime.date | None  # None: hidden, see feedback_trends
    where: str
    author: str  # "Anonymous" for anonymous feedback: no name is stored
    comment: str


@dataclass(frozen=True)
class FeedbackTrends:
    weeks: list[datetime.date]
    by_group: list[TrendRow]
    by_mentor: list[TrendRow]
    comments: list[FeedbackComment]
    threshold: int


def _trend_rows(
    entries: dict[str, dict[datetime.date, list[float]]],
    counts: dict[str, dict[datetime.date, int]],
    weeks: list[datetime.date],
    threshold: int,
) -> list[TrendRow]:
    rows = []
    for label in sorted(counts):
        cells = []
        for week in weeks:
            count = counts[label].get(week, 0)
            scores = entries[label].get(week, [])
            if 0 < count < threshold:
                cells.append(TrendCell(week, None, None))
            else:
                mean = sum(scores) / len(scores) if scores else None
                cells.append(TrendCell(week, count, mean))
        rows.append(TrendRow(label, cells))
    return rows


def feedback_trends(
    feedback: QuerySet[Feedback], *, with_comments: bool, weeks_shown: int = 12
) -> FeedbackTrends:
    """Count and mean score of session feedback per group and per mentor, by week,
    over the latest ``weeks_shown`` weeks with feedback; cells with fewer than the
    threshold show no count. Per mentor uses named feedback only (anonymous feedback
    in a one-to-one programme names no mentor, by design). Two queries."""
    threshold = suppression_threshold()
    # Within a week, by the random id: the order saved would set an anonymous
    # comment beside the named ones given just before and after it.
    rows = list(
        feedback.select_related("group", "mentor__student", "student").order_by("week_of", "id")
    )
    weeks = sorted({row.week_of for row in rows})[-weeks_shown:]
    shown = set(weeks)
    group_scores: dict[str, dict[datetime.date, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    group_counts: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    mentor_scores: dict[str, dict[datetime.date, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    mentor_counts: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    comments = []
    for row in rows:
        if row.week_of not in shown:
            continue
        score = feedback_score(row.answers)
        where = row.group.name if row.group is not None else "One-to-one"
        group_counts[where][row.week_of] += 1
        if score is not None:
            group_scores[where][row.week_of].append(score)
        if not row.anonymous and row.mentor is not None:
            mentor = row.mentor.student.display_name
            mentor_counts[mentor][row.week_of] += 1
            if score is not None:
                mentor_scores[mentor][row.week_of].append(score)
        if with_comments and row.comment:
            author = (
                "Anonymous" if row.anonymous or row.student is None else row.student.display_name
            )
            comments.append(FeedbackComment(row.week_of, where, author, row.comment))
    # An anonymous comment from a group that had few replies that week could be
    # told apart by who was there: it keeps its words but not its group or week.
    comments = [
        FeedbackComment(None, "group and week not shown, too few replies", c.author, c.comment)
        if c.author == "Anonymous"
        and c.week_of is not None
        and group_counts[c.where][c.week_of] < threshold
        else c
        for c in comments
    ]
    # Newest week first; the hidden ones apart, at the end, in the order of their
    # words, so that no neighbour gives their week away.
    dated = sorted(
        (c for c in comments if c.week_of is not None),
        key=lambda c: c.week_of or datetime.date.min,
        reverse=True,
    )
    hidden = sorted((c for c in comments if c.week_of is None), key=lambda c: c.comment)
    comments = dated + hidden
    return FeedbackTrends(
        weeks=weeks,
        by_group=_trend_rows(group_scores, group_counts, weeks, threshold),
        by_mentor=_trend_rows(mentor_scores, mentor_counts, weeks, threshold),
        comments=comments,
        threshold=threshold,
    )


# ---------------------------------------------------------------- reliable improvement


@dataclass(frozen=True)
class Improvement:
    """Of a programme's students with a baseline and a follow-up on its measure in a
    period, how many reliably improved (Jacobson and Truax). ``not_computable``
    counts those whose measure has no published reliability figures (or no
    headline scale, as goals have), so reliable change cannot be judged for them:
    they are in neither ``improved`` nor ``assessed``."""

    assessed: int = 0
    improved: int = 0
    not_computable: int = 0

    def __add__(self, other: Improvement) -> Improvement:
        return Improvement(
            self.assessed + other.assessed,
            self.improved + other.improved,
            self.not_computable + other.not_computable,
        )


@dataclass(frozen=True)
class ImprovementFigures:
    """``by_programme``: each programme's students. ``by_student``: each student
    once (a student measured in two programmes counts on the one with the later
    follow-up), for figures across programmes, whose base must be people."""

    by_programme: dict[int, Improvement]
    by_student: dict[int, Improvement]


def reliable_improvement(
    taking_part: Iterable[tuple[int, int]],
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> ImprovementFigures:
    """From ``taking_part`` (programme id, student id) pairs of those enrolled at
    some time in the period: the students with a scored review or exit measure in
    the period and a scored baseline before it, on the programme's measure, and how
    many of them reliably improved. The follow-up is the latest in the period that
    has a baseline before it, the baseline the latest before that follow-up (as
    ``programme_outcomes`` chooses them for a term).

    The programmes are the caller's, already of the reader's school or schools, so
    the measures are not filtered by school again: on SQLite that made the query
    read every measure of the school rather than use the index on (programme,
    occasion, due_on) for the period's follow-ups and then the baselines of only
    those students. One query, whatever the numbers; none without
    ``taking_part``."""
    pairs = set(taking_part)
    programme_ids = {programme_id for programme_id, _ in pairs}
    if not programme_ids:
        return ImprovementFigures({}, {})
    instruments = load_instruments()
    scored = Questionnaire.objects.filter(
        programme_id__in=programme_ids,
        status=Questionnaire.Status.DONE,
        total__isnull=False,
    )
    follow_ups = scored.filter(
        occasion__in=FOLLOW_UP_OCCASIONS, due_on__range=(starts_on, ends_on)
    ).order_by()
    # Baselines only of those with a follow-up in the period: no one else counts.
    baselines = scored.filter(
        occasion=Occasion.BASELINE,
        due_on__lte=ends_on,
        student_id__in=follow_ups.values("student_id"),
    ).order_by()
    columns = (
        "programme_id",
        "student_id",
        "instrument",
        "occasion",
        # Each programme's measure comes with its rows (None: the default).
        "programme__measure_settings__instrument",
        "total",
        "due_on",
        "pk",
    )
    baseline: dict[tuple[int, int], float] = {}
    # (programme, student) to (baseline, follow-up), and each student's latest.
    chosen_pair: dict[tuple[int, int], tuple[float, float]] = {}
    latest_of: dict[int, tuple[int, int]] = {}
    measure: dict[int, str] = {}
    # The two parts as one statement (UNION ALL), so each is found through the
    # index on (programme, occasion, due_on); in date order, so that a follow-up
    # meets only the baselines taken before it and the last one met is the latest.
    for programme_id, student_id, instrument, occasion, setting, total, _, _ in (
        follow_ups.values_list(*columns)
        .union(baselines.values_list(*columns), all=True)
        .order_by("due_on", "pk")
    ):
        measure[programme_id] = setting or DEFAULT_MEASURE
        key = (programme_id, student_id)
        if total is None or key not in pairs or instrument != measure[programme_id]:
            continue
        if occasion == Occasion.BASELINE:
            baseline[key] = total
        elif key in baseline:
            chosen_pair[key] = (baseline[key], total)
            latest_of[student_id] = key

    def verdict(key: tuple[int, int]) -> Improvement:
        before, after = chosen_pair[key]
        instrument_ = instruments.get(measure[key[0]])
        scale = instrument_.headline_scale if instrument_ is not None else None
        change = scale.reliable_change if scale is not None else None
        if scale is None or change is None or change.reliability is None or change.sd is None:
            return Improvement(not_computable=1)
        movement = outcomes.classify_change(
            after - before,
            higher_is_better=scale.higher_is_better is not False,
            reliability=change.reliability,
            sd=change.sd,
        )
        return Improvement(assessed=1, improved=int(movement == outcomes.IMPROVED))

    verdicts = {key: verdict(key) for key in chosen_pair}
    by_programme: dict[int, Improvement] = {}
    for (programme_id, _), one in verdicts.items():
        by_programme[programme_id] = by_programme.get(programme_id, Improvement()) + one
    return ImprovementFigures(
        by_programme=by_programme,
        by_student={student_id: verdicts[key] for student_id, key in latest_of.items()},
    )
