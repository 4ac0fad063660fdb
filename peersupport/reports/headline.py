"""The headline figures of a school for a period: how many students were supported,
how many peer mentors were active, how many sessions were held, and so on. Used by
the impact report (and frozen into it when issued) and by the trust view.

Counted with a fixed number of aggregate queries, grouped by school, however many
students and schools there are. What leaves this module is a plain JSON-able dict
with every count below ``settings.SMALL_NUMBER_THRESHOLD`` replaced by None and
marked suppressed (a zero is shown: it names nobody). No names, ever.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from peersupport.concerns.models import Concern, ConcernKind
from peersupport.meetings.models import ATTENDED, Attendance, Session
from peersupport.partners.models import ReferralOut
from peersupport.programmes.models import Enrolment, Mentorship, Referral
from peersupport.reports.representation import share_hidden
from peersupport.schools.models import School
from peersupport.wellbeing.models import Feedback
from peersupport.wellbeing.selectors import feedback_score, reliable_improvement

STILL_ACTIVE_AFTER_DAYS = 84  # twelve weeks
# A report's period: at most two years long, within these years (so that a period
# of 0001 to 9999 cannot make the month-by-month table loop for ever).
MAX_PERIOD_DAYS = 731
EARLIEST_PERIOD_DAY = datetime.date(2000, 1, 1)
LATEST_PERIOD_DAY = datetime.date(2100, 12, 31)
SUPPRESSED_TEXT = "Fewer than {threshold}"

COUNT = "count"
PERCENT = "percent"
SCORE = "score"
TEXT = "text"


@dataclass(frozen=True)
class Measure:
    """One headline figure: its key, what the school calls it, and what kind of
    number it is (a count, a percentage of ``base``, a mean score)."""

    key: str
    label: str
    kind: str
    base: str = ""  # what a rate or mean is of, for the note under it
    # A percentage of people: hidden too when the people it counts, or those it
    # leaves out, are fewer than the threshold (1 of 6 would give away one person).
    # The attendance rate is a share of register marks, not of people: a handful of
    # absent marks names nobody and says nothing of how many students missed, so
    # it is hidden only when there are fewer marks than the threshold.
    of_people: bool = False


MEASURES: tuple[Measure, ...] = (
    Measure("students_supported", "Students supported", COUNT),
    Measure("mentors_active", "Peer mentors active", COUNT),
    Measure("sessions_held", "Sessions held", COUNT),
    Measure("attendance_rate", "Attendance rate", PERCENT, "register marks"),
    Measure("new_referrals", "New referrals to the programmes", COUNT),
    Measure(
        "still_active_12_weeks",
        "Still taking part 12 weeks after starting",
        PERCENT,
        "students who started at least 12 weeks ago",
        of_people=True,
    ),
    Measure("feedback_average", "Average session feedback score", SCORE, "feedback forms"),
    # Of the students with a scored baseline and a scored follow-up in the period on
    # their programme's measure, the share who reliably improved (Jacobson and
    # Truax). Only a measure with published reliability figures can be judged.
    Measure(
        "outcome_improved",
        "Reliably improved on their wellbeing measure",
        PERCENT,
        "students with a baseline and a follow-up score",
        of_people=True,
    ),
    # Safeguarding concerns are left out: coordinators and viewers see this figure,
    # and could otherwise subtract the concerns they can see to count them.
    Measure(
        "concerns_raised", "Worries and concerns raised (not counting safeguarding records)", COUNT
    ),
    Measure("referrals_out", "Referrals to outside services", COUNT),
)
COUNT_KEYS = tuple(m.key for m in MEASURES if m.kind == COUNT)
# What the outcome figure of a report issued before it was worked out holds (kind
# TEXT, no value); such frozen figures are shown as they are.
OUTCOME_NOT_COMPUTED = "Not computed for a period: see each programme's outcome page, term by term."
CANNOT_JUDGE_TEXT = "Cannot be judged"
CANNOT_JUDGE_NOTE = "Cannot be judged: the measure used has no published reliability figures"
SOME_NOT_JUDGED_NOTE = (
    "Counts only students whose measure has published reliability figures; "
    "for the others it cannot be judged."
)


@dataclass
class Raw:
    """An unsuppressed figure: a count (``part``), or a rate or mean (``part`` out
    of ``whole``). Never leaves the reports app."""

    part: float = 0
    whole: int = 0
    # People left out of ``whole`` because their figure cannot be judged (the
    # outcome figure: a measure without published reliability figures).
    not_judged: int = 0


def threshold() -> int:
    return int(settings.SMALL_NUMBER_THRESHOLD)


def _overlapping(start: str, end: str, period_from: datetime.date, period_to: datetime.date) -> Q:
    return Q(**{f"{start}__lte": period_to}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": period_from})
    )


def headline_counts(
    schools: Sequence[School],
    period_from: datetime.date,
    period_to: datetime.date,
    *,
    today: datetime.date | None = None,
) -> dict[int, dict[str, Raw]]:
    """The unsuppressed figures per school id: ten queries, whatever the data
    (nine when nobody was enrolled in the period, as there are then no scores to
    read for the outcome figure).

    The outcome figure (``outcome_improved``) comes from
    ``wellbeing.selectors.reliable_improvement`` for those enrolled in the period:
    improved out of assessed, with those whose measure has no published
    reliability figures counted in ``not_judged``. None of the shipped measures has
    both figures (reliability and standard deviation), so on real data it is
    ``not_judged`` that fills up and the report says the figure cannot be judged."""
    today = today or datetime.date.today()
    ids = [school.pk for school in schools]
    raw: dict[int, dict[str, Raw]] = {pk: defaultdict(Raw) for pk in ids}

    def counted(rows: Iterable[dict[str, Any]], key: str) -> None:
        for row in rows:
            raw[row["school_id"]][key] = Raw(part=row["n"])

    # Who took part in the period (one query, a row per programme and student):
    # counted for "Students supported" and the programmes' outcomes read for them.
    enrolled = (
        Enrolment.objects.filter(school_id__in=ids)
        .filter(_overlapping("started_on", "ended_on", period_from, period_to))
        .order_by()
    )
    taking_part = list(enrolled.values_list("school_id", "programme_id", "student_id").distinct())
    supported: dict[int, set[int]] = defaultdict(set)
    school_of: dict[int, int] = {}  # student id to school id
    for school_id, _, student_id in taking_part:
        supported[school_id].add(student_id)
        school_of[student_id] = school_id
    for school_id, students in supported.items():
        raw[school_id]["students_supported"] = Raw(part=len(students))
    # One query (none when nobody took part), whatever the numbers.
    improvement = reliable_improvement(
        [(programme_id, student_id) for _, programme_id, student_id in taking_part],
        period_from,
        period_to,
    )
    # Each student once (the base of the share is people).
    for student_id, found in improvement.by_student.items():
        figure = raw[school_of[student_id]]["outcome_improved"]
        figure.part += found.improved
        figure.whole += found.assessed
        figure.not_judged += found.not_computable
    counted(
        Mentorship.objects.filter(school_id__in=ids, started_on__isnull=False)
        .filter(_overlapping("started_on", "closed_on", period_from, period_to))
        .values("school_id")
        .annotate(n=Count("mentor_id", distinct=True)),
        "mentors_active",
    )
    held = Q(date__range=(period_from, min(period_to, today))) & ~Q(status=Session.Status.CANCELLED)
    counted(
        Session.objects.filter(school_id__in=ids)
        .filter(held)
        .values("school_id")
        .annotate(n=Count("id")),
        "sessions_held",
    )
    for row in (
        Attendance.objects.filter(
            school_id__in=ids,
            session__date__range=(period_from, period_to),
        )
        .exclude(session__status=Session.Status.CANCELLED)
        .values("school_id")
        .annotate(n=Count("id"), attended=Count("id", filter=Q(mark__in=list(ATTENDED))))
    ):
        raw[row["school_id"]]["attendance_rate"] = Raw(part=row["attended"], whole=row["n"])
    counted(
        Referral.objects.filter(school_id__in=ids, created_at__date__range=(period_from, period_to))
        .values("school_id")
        .annotate(n=Count("id")),
        "new_referrals",
    )
    # Enrolments started in the period long enough ago to know: still going at
    # twelve weeks? One query; the rows are enrolments, not a query per student.
    latest_start = min(period_to, today - datetime.timedelta(days=STILL_ACTIVE_AFTER_DAYS))
    for school_id, started_on, ended_on in Enrolment.objects.filter(
        school_id__in=ids, started_on__range=(period_from, latest_start)
    ).values_list("school_id", "started_on", "ended_on"):
        figure = raw[school_id]["still_active_12_weeks"]
        figure.whole += 1
        if ended_on is None or ended_on >= started_on + datetime.timedelta(
            days=STILL_ACTIVE_AFTER_DAYS
        ):
            figure.part += 1
    for school_id, answers in Feedback.objects.filter(
        school_id__in=ids, week_of__range=(period_from - datetime.timedelta(days=6), period_to)
    ).values_list("school_id", "answers"):
        score = feedback_score(answers or {})
        if score is not None:
            figure = raw[school_id]["feedback_average"]
            figure.whole += 1
            figure.part += score
    counted(
        Concern.objects.filter(school_id__in=ids, created_at__date__range=(period_from, period_to))
        .exclude(kind=ConcernKind.SAFEGUARDING)
        .values("school_id")
        .annotate(n=Count("id")),
        "concerns_raised",
    )
    counted(
        ReferralOut.objects.filter(school_id__in=ids, sent_on__range=(period_from, period_to))
        .values("school_id")
        .annotate(n=Count("id")),
        "referrals_out",
    )
    return raw


def period_problem(period_from: datetime.date, period_to: datetime.date) -> str:
    """Why a report's period cannot be used ("" when it can)."""
    if period_to < period_from:
        return "The period must end on or after its start."
    if period_from < EARLIEST_PERIOD_DAY or period_to > LATEST_PERIOD_DAY:
        return (
            f"The period must fall between {EARLIEST_PERIOD_DAY:%d/%m/%Y} "
            f"and {LATEST_PERIOD_DAY:%d/%m/%Y}."
        )
    if (period_to - period_from).days >= MAX_PERIOD_DAYS:
        return "The period can be at most two years long."
    return ""


def _hidden(measure: Measure, figure: Raw, limit: int) -> bool:
    """Whether a figure is suppressed (see ``_cell``)."""
    if measure.kind == COUNT:
        return 0 < int(figure.part) < limit
    if figure.whole == 0:
        return False
    if figure.whole < limit:
        return True
    return measure.of_people and share_hidden(int(figure.part), figure.whole, limit)


def _cell(measure: Measure, figure: Raw, limit: int) -> dict[str, Any]:
    """One figure as shown: its value, or None and ``suppressed`` when the count (or
    the number a rate or mean is of) is below the threshold."""
    cell: dict[str, Any] = {
        "key": measure.key,
        "label": measure.label,
        "kind": measure.kind,
        "value": None,
        "suppressed": False,
        "note": "",
        "cannot_judge": False,  # shown as CANNOT_JUDGE_TEXT, the note saying why
    }
    if measure.kind == COUNT:
        count = int(figure.part)
        if 0 < count < limit:
            cell["suppressed"] = True
        else:
            cell["value"] = count
        return cell
    if figure.whole == 0:
        if figure.not_judged:
            cell["cannot_judge"] = True
            cell["note"] = CANNOT_JUDGE_NOTE
        else:
            cell["note"] = "No figures yet."
        return cell
    if figure.whole < limit:
        cell["suppressed"] = True
        cell["note"] = f"Fewer than {limit} {measure.base}."
        return cell
    if _hidden(measure, figure, limit):
        cell["suppressed"] = True
        cell["note"] = f"Hidden so that fewer than {limit} students cannot be counted from it."
        return cell
    if measure.kind == PERCENT:
        cell["value"] = round(100 * figure.part / figure.whole)
        if figure.not_judged:
            cell["note"] = SOME_NOT_JUDGED_NOTE
    else:
        cell["value"] = round(figure.part / figure.whole, 1)
    return cell


def suppressed_figures(figures: dict[str, Raw], limit: int | None = None) -> list[dict[str, Any]]:
    limit = threshold() if limit is None else limit
    return [_cell(measure, figures.get(measure.key, Raw()), limit) for measure in MEASURES]


def headline_figures(
    school: School,
    period_from: datetime.date,
    period_to: datetime.date,
    *,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """The school's headline figures for the period, suppressed, as a JSON-able
    dict: ``rows`` (one per measure: key, label, kind, value, suppressed, note) and
    the period and threshold they were worked out with."""
    raw = headline_counts([school], period_from, period_to, today=today)[school.pk]
    return {
        "period_from": period_from.isoformat(),
        "period_to": period_to.isoformat(),
        "threshold": threshold(),
        "rows": suppressed_figures(raw),
    }


def shown(cell: dict[str, Any], limit: int) -> str:
    """A cell as text, for tables, CSV and PDF."""
    if cell["suppressed"]:
        return SUPPRESSED_TEXT.format(threshold=limit)
    if cell["value"] is None:
        if cell.get("cannot_judge"):
            return CANNOT_JUDGE_TEXT
        return "Not computed" if cell["kind"] == TEXT else "None yet"
    if cell["kind"] == PERCENT:
        return f"{cell['value']}%"
    return str(cell["value"])


def total_is_safe(school_figures: Sequence[Raw], measure: Measure, limit: int) -> bool:
    """Whether the all-schools figure may be shown beside the schools' own: only
    when no school's figure in the row is suppressed. A reader of the trust view may
    be the coordinator or DSL of some of its schools and know their real figures,
    so no sum of suppressed figures is safe to show."""
    return not any(_hidden(measure, figure, limit) for figure in school_figures)


def trust_figures(
    schools: Sequence[School],
    period_from: datetime.date,
    period_to: datetime.date,
    *,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """The headline figures per school and for all together, suppressed. The total
    adds the schools' unsuppressed figures, is then suppressed itself, and is also
    hidden where it would give away a suppressed school's figure."""
    limit = threshold()
    raw = headline_counts(schools, period_from, period_to, today=today)
    per_school = [suppressed_figures(raw[school.pk], limit) for school in schools]
    rows = []
    for index, measure in enumerate(MEASURES):
        figures = [raw[school.pk].get(measure.key, Raw()) for school in schools]
        together = Raw(
            part=sum(f.part for f in figures),
            whole=sum(f.whole for f in figures),
            not_judged=sum(f.not_judged for f in figures),
        )
        total = _cell(measure, together, limit)
        if not total_is_safe(figures, measure, limit) and not total["suppressed"]:
            total["value"] = None
            total["suppressed"] = True
            total["note"] = "Hidden so that a school's small figure cannot be worked out."
        rows.append(
            {
                "key": measure.key,
                "label": measure.label,
                "kind": measure.kind,
                "schools": [cells[index] for cells in per_school],
                "total": total,
            }
        )
    return {
        "period_from": period_from.isoformat(),
        "period_to": period_to.isoformat(),
        "threshold": limit,
        "schools": [school.name for school in schools],
        "rows": rows,
    }


def sessions_by_month(
    school: School,
    period_from: datetime.date,
    period_to: datetime.date,
    *,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """Sessions held in each month of the period (one query), for the impact
    report's chart and its table; a month with fewer than the threshold is None."""
    from django.db.models.functions import TruncMonth

    today = today or datetime.date.today()
    limit = threshold()
    counts = {
        (row["month"].year, row["month"].month): row["n"]
        for row in Session.objects.filter(
            school=school, date__range=(period_from, min(period_to, today))
        )
        .exclude(status=Session.Status.CANCELLED)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    }
    labels: list[str] = []
    monthly: list[int] = []
    year, month = period_from.year, period_from.month
    while (year, month) <= (period_to.year, period_to.month):
        monthly.append(counts.get((year, month), 0))
        labels.append(datetime.date(year, month, 1).strftime("%b %Y"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    hidden = hidden_months(monthly, limit)
    values = [None if index in hidden else count for index, count in enumerate(monthly)]
    return {"title": "Sessions held by month", "labels": labels, "values": values}


def hidden_months(counts: Sequence[int], limit: int) -> set[int]:
    """The months (indexes) to hide. The months add up to "Sessions held", so when
    any is hidden at least two are, and together they hold at least ``limit``
    sessions: the next smallest months are hidden with them until they do (months
    with no sessions last, and only if there is nothing else to hide)."""
    hidden = {index for index, count in enumerate(counts) if 0 < count < limit}
    if not hidden:
        return hidden
    others = sorted(
        (index for index in range(len(counts)) if index not in hidden),
        key=lambda index: (counts[index] == 0, counts[index], index),
    )
    for index in others:
        if len(hidden) >= 2 and sum(counts[i] for i in hidden) >= limit:
            break
        if counts[index] == 0 and len(hidden) >= 2:
            break  # a month with none adds nothing to what the hidden ones hold
        hidden.add(index)
    return hidden


def chart_values_shown(values: Sequence[int | None]) -> list[int | None]:
    """The chart's values as shown: a report frozen before months were hidden in
    twos may hold one hidden month alone, so the smallest other month with
    sessions is hidden with it here."""
    shown_values = list(values)
    if shown_values.count(None) == 1:
        others = [(v, i) for i, v in enumerate(shown_values) if v]
        if others:
            shown_values[min(others)[1]] = None
    return shown_values


def impact_snapshot(report: Any, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Everything an impact report shows besides its narrative, as JSON: the
    headline figures, the chart's data and the "You said, we did" entries posted in
    the period. Worked out afresh for a draft; frozen into an issued report."""
    from peersupport.wellbeing.models import YouSaidWeDid

    figures = headline_figures(report.school, report.period_from, report.period_to, today=today)
    figures["chart"] = sessions_by_month(
        report.school, report.period_from, report.period_to, today=today
    )
    figures["you_said_we_did"] = [
        {"posted_on": posted_on.isoformat(), "you_said": you_said, "we_did": we_did}
        for posted_on, you_said, we_did in YouSaidWeDid.objects.filter(
            school=report.school, posted_on__range=(report.period_from, report.period_to)
        )
        .order_by("posted_on", "pk")
        .values_list("posted_on", "you_said", "we_did")
    ]
    return figures
