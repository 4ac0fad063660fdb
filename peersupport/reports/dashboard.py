"""The programme health dashboard's figures: for a school and for each of its
programmes, over a chosen period.

Every figure is one aggregate query over the whole school (grouped by programme where
it is given per programme), so the page runs the same number of queries however many
students, sessions and programmes the school has. Medians are taken in Python from
one query's rows, because SQLite and PostgreSQL share no median function; those rows
are limited to the period (or to what is open now), never to the whole history.

Safeguarding concerns are counted only when ``with_safeguarding`` is set (for a DSL):
the caller, through reports.access, decides that."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from peersupport.concerns.models import Concern, ConcernKind
from peersupport.lib import engagement
from peersupport.partners.models import ReferralStatus
from peersupport.programmes.models import Programme, Referral
from peersupport.programmes.selectors import RequiredTraining, required_training_held
from peersupport.reports import dashboard_sql as sql
from peersupport.schools.models import School
from peersupport.wellbeing.selectors import Improvement, reliable_improvement

RETENTION_WEEKS = (6, 12)
# Staff check in with every participant at least monthly (twice in the first month).
CONTACT_WITHIN_DAYS = 31
# Open concerns by age: under a week, one to four weeks, older.
AGE_BANDS = (("Under 7 days", 0, 7), ("7 to 28 days", 7, 29), ("Over 28 days", 29, None))


def suppressed(count: int | None) -> str:
    """A count as it may leave the coordinator's hands: below the threshold, never the
    number itself."""
    if count is None:
        return ""
    threshold = int(settings.SMALL_NUMBER_THRESHOLD)
    if 0 < count < threshold:
        return f"Fewer than {threshold}"
    return str(count)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the school's time zone: periods are
    compared as moments, so an index on the timestamp can be used."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def median_days(spans: Iterable[int]) -> float | None:
    values = list(spans)
    return float(statistics.median(values)) if values else None


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole`` (None when there is no whole to take a share of)."""

    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def percent(self) -> str:
        rate = self.rate
        return "" if rate is None else f"{rate * 100:.0f}%"


@dataclass
class ProgrammeFigures:
    """The figures of one programme, or of the whole school (``programme`` None)."""

    programme: Programme | None
    participants: int = 0
    mentors: int = 0
    new_referrals: int = 0
    waiting: int = 0
    median_wait_days: float | None = None
    waits_counted: int = 0  # the waits the median is taken from
    attendance: Share = field(default_factory=lambda: Share(0, 0))
    retention: dict[int, Share] = field(default_factory=dict)
    at_risk: int = 0
    contact: Share = field(default_factory=lambda: Share(0, 0))
    supervision_last: datetime.date | None = None
    supervision_due: bool | None = None
    improvement: Improvement = field(default_factory=Improvement)
    training: RequiredTraining = field(default_factory=lambda: RequiredTraining(0, 0, 0))

    @property
    def improved(self) -> Share:
        return Share(self.improvement.improved, self.improvement.assessed)

    @property
    def training_in_date(self) -> Share:
        return Share(self.training.in_date, self.training.serving)

    @property
    def name(self) -> str:
        return self.programme.name if self.programme is not None else "Whole school"


@dataclass(frozen=True)
class WeekRate:
    week_of: datetime.date
    attended: int
    marked: int

    @property
    def share(self) -> Share:
        return Share(self.attended, self.marked)


@dataclass(frozen=True)
class ConcernRow:
    kind: str
    label: str
    open: int
    by_age: list[int]


@dataclass(frozen=True)
class FeedbackWeek:
    week_of: datetime.date
    count: int
    mean: float | None


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class Dashboard:
    """Everything the dashboard shows, for ``starts_on`` to ``ends_on``."""

    starts_on: datetime.date
    ends_on: datetime.date
    today: datetime.date
    school: ProgrammeFigures
    programmes: list[ProgrammeFigures]
    weeks: list[datetime.date]
    attendance_by_week: dict[int | None, list[WeekRate]]
    concerns: list[ConcernRow]
    with_safeguarding: bool
    conflicts_resolved: int
    conflict_median_days: float | None
    feedback: list[FeedbackWeek]
    referrals_out: list[StatusCount]
    referral_out_median_days: float | None
    age_bands: list[str] = field(default_factory=lambda: [band[0] for band in AGE_BANDS])
    # The first answers the referrals-out median is taken from.
    referral_out_answered: int = 0
    # The day the oldest stored engagement signal behind "at risk" and "staff
    # contact" was worked out (by the daily job); None when there are none.
    signals_as_of: datetime.date | None = None

    @property
    def signals_stale(self) -> bool:
        """Signals older than yesterday: the daily job has not run since."""
        yesterday = self.today - datetime.timedelta(days=1)
        return self.signals_as_of is not None and self.signals_as_of < yesterday

    @property
    def all_rows(self) -> list[ProgrammeFigures]:
        """The whole school first, then each programme."""
        return [self.school, *self.programmes]

    @property
    def open_concerns(self) -> int:
        return sum(row.open for row in self.concerns)


def _pairs(
    statement: str, params: tuple[object, ...], shown: Container[int]
) -> set[tuple[int, int]]:
    """(programme, person) pairs from ``statement``, of the programmes shown."""
    return {
        (programme_id, person_id)
        for programme_id, person_id in sql.rows(statement, params)
        if programme_id in shown
    }


def _counted(pairs: set[tuple[int, int]]) -> tuple[Counter[int], int]:
    """People by programme, and people across programmes (each once)."""
    return Counter(programme_id for programme_id, _ in pairs), len({p for _, p in pairs})


def dashboard_figures(
    *,
    school: School,
    programmes: Sequence[Programme],
    starts_on: datetime.date,
    ends_on: datetime.date,
    today: datetime.date,
    with_safeguarding: bool,
) -> Dashboard:
    """The dashboard of ``school`` for the programmes given, in the order given (the
    caller sorts them), over the period. With some of the school's programmes, the
    statements still read every programme's grouped rows and those of the others
    are dropped here (a few rows more; the SQL never changes). A fixed number of
    queries (fifteen at most), whatever the size of the school: the dashboard's own
    figures as SQL (reports.dashboard_sql), the measures' and training's from their
    apps' selectors."""
    chosen = list(programmes)
    ids = [programme.pk for programme in chosen]
    figures = {programme.pk: ProgrammeFigures(programme) for programme in chosen}
    whole = ProgrammeFigures(None)
    # The period's end for "now" figures: today, unless the period is in the past.
    until = min(ends_on, today)

    # Participants: enrolled at some time in the period (each student once per
    # programme, and once in the whole school's figure).
    school_id = school.pk
    first_day, last_day = sql.day_param(starts_on), sql.day_param(ends_on)
    taking_part = _pairs(sql.ENROLLED, (school_id, last_day, first_day), figures)
    per_programme, whole.participants = _counted(taking_part)
    for programme_id, count in per_programme.items():
        figures[programme_id].participants = count

    # Outcomes: of those with a baseline and a follow-up on their programme's
    # measure, how many reliably improved (one query).
    improvement = reliable_improvement(taking_part, starts_on, ends_on)
    for programme_id, one_improvement in improvement.by_programme.items():
        figures[programme_id].improvement = one_improvement
    # Across programmes, each student once.
    whole.improvement = sum(improvement.by_student.values(), Improvement())

    # Training: mentors serving each programme holding its required modules in
    # date today (three queries).
    training, whole.training = required_training_held(school, ids, today)
    for programme_id, held in training.items():
        figures[programme_id].training = held

    # Mentors: in a mentorship that was running in the period (the whole school's
    # figure from the same rows, so a mentor serving two programmes counts once).
    mentor_pairs = _pairs(sql.MENTORING, (school_id, last_day, first_day), figures)
    per_programme, whole.mentors = _counted(mentor_pairs)
    for programme_id, count in per_programme.items():
        figures[programme_id].mentors = count

    # Referrals: new in the period, waiting now, and the wait of those decided in it.
    waiting_statuses = (Referral.Status.NEW, Referral.Status.WAITLISTED)
    period = (_start_of(starts_on), _start_of(ends_on + datetime.timedelta(days=1)))
    waits: dict[int, list[int]] = defaultdict(list)
    zone = timezone.get_current_timezone()
    moments = (sql.moment_param(period[0]), sql.moment_param(period[1]))
    # Referrals alike (same programme, status and moments) come as one row, counted.
    for programme_id, status, created, decided, alike in sql.rows(
        sql.REFERRALS, (school_id, *moments, *waiting_statuses, *moments)
    ):
        if programme_id not in figures:
            continue
        one = figures[programme_id]
        created_at, decided_at = sql.moment_of(created), sql.moment_of(decided)
        assert created_at is not None
        # Moments compared with the period's bounds (midnight at its start and after
        # its end), the same as comparing their days in the school's time zone.
        if period[0] <= created_at < period[1]:
            one.new_referrals += alike
            whole.new_referrals += alike
        if status in waiting_statuses:
            one.waiting += alike
            whole.waiting += alike
        if (
            status == Referral.Status.ACCEPTED
            and decided_at is not None
            and period[0] <= decided_at < period[1]
        ):
            waits[programme_id].extend(
                [(decided_at.astimezone(zone).date() - created_at.astimezone(zone).date()).days]
                * alike
            )
    for programme_id, spans in waits.items():
        figures[programme_id].median_wait_days = median_days(spans)
        figures[programme_id].waits_counted = len(spans)
    whole.median_wait_days = median_days(span for spans in waits.values() for span in spans)
    whole.waits_counted = sum(len(spans) for spans in waits.values())

    # Attendance: marks in sessions in the period, counted by programme and week in
    # the database. The period's sessions are found through the index on (school,
    # date), and each carries its register's counts (kept by
    # meetings.services.attendance_mark), so the marks themselves are not read.
    by_week: dict[int | None, dict[datetime.date, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for week, group_programme, mentorship_programme, marked, attended in sql.rows(
        sql.for_this_database(sql.ATTENDANCE_BY_WEEK), (school_id, first_day, last_day)
    ):
        programme_id = group_programme or mentorship_programme
        if programme_id not in figures:
            continue
        week_of = sql.day_of(week)
        assert week_of is not None
        for key in (programme_id, None):
            cell = by_week[key][week_of]
            cell[0] += attended
            cell[1] += marked
    weeks = sorted(by_week[None])
    attendance_by_week: dict[int | None, list[WeekRate]] = {}
    for key, cells in by_week.items():
        attendance_by_week[key] = [
            WeekRate(week, cells[week][0], cells[week][1])
            if week in cells
            else WeekRate(week, 0, 0)
            for week in weeks
        ]
        total = Share(sum(c[0] for c in cells.values()), sum(c[1] for c in cells.values()))
        if key is None:
            whole.attendance = total
        else:
            figures[key].attendance = total

    # Retention: of those who started in the period long enough ago, the share still
    # taking part 6 and 12 weeks after they started.
    retained: dict[int | None, dict[int, list[int]]] = defaultdict(
        lambda: {weeks_: [0, 0] for weeks_ in RETENTION_WEEKS}
    )
    # Enrolments alike (same programme and days) come as one row, counted.
    for programme_id, started, ended, alike in sql.rows(
        sql.STARTED, (school_id, first_day, last_day)
    ):
        if programme_id not in figures:
            continue
        started_on, ended_on = sql.day_of(started), sql.day_of(ended)
        assert started_on is not None
        for weeks_after in RETENTION_WEEKS:
            mark_day = started_on + datetime.timedelta(weeks=weeks_after)
            if mark_day > today:
                continue
            still = ended_on is None or ended_on >= mark_day
            for key in (programme_id, None):
                retained[key][weeks_after][0] += alike if still else 0
                retained[key][weeks_after][1] += alike
    for one in [whole, *figures.values()]:
        key = one.programme.pk if one.programme is not None else None
        counts = retained.get(key)
        one.retention = {
            weeks_after: Share(*(counts[weeks_after] if counts else (0, 0)))
            for weeks_after in RETENTION_WEEKS
        }

    # At risk and staff contact, from the engagement signals stored each day for
    # open enrolments.
    recent_contact = today - datetime.timedelta(days=CONTACT_WITHIN_DAYS)
    contact_totals = [0, 0]
    signals_as_of: datetime.date | None = None
    for programme_id, open_, at_risk, contacted, computed in sql.rows(
        sql.SIGNALS, (engagement.AT_RISK, sql.day_param(recent_contact), school_id)
    ):
        if programme_id not in figures:
            continue
        oldest = sql.day_of(computed)
        if oldest is not None and (signals_as_of is None or oldest < signals_as_of):
            signals_as_of = oldest
        one = figures[programme_id]
        one.at_risk = at_risk
        one.contact = Share(contacted, open_)
        whole.at_risk += at_risk
        contact_totals[0] += contacted
        contact_totals[1] += open_
    whole.contact = Share(*contact_totals)

    # Supervision: the latest held, against each programme's cadence.
    for programme_id, last in sql.rows(sql.SUPERVISION, (school_id, sql.day_param(until))):
        if programme_id in figures:
            figures[programme_id].supervision_last = sql.day_of(last)
    due_count = 0
    for one in figures.values():
        assert one.programme is not None
        every = datetime.timedelta(weeks=one.programme.supervision_every_weeks)
        one.supervision_due = one.supervision_last is None or one.supervision_last + every < until
        due_count += int(one.supervision_due)
    whole.supervision_due = bool(due_count)

    # Open concerns by kind and age (safeguarding only for a DSL).
    moment = timezone.now()
    bounds = [sql.moment_param(moment - datetime.timedelta(days=days)) for days in (0, 7, 29)]
    counted = {
        kind: (total, [young, middle, old])
        for kind, total, young, middle, old in sql.rows(
            sql.CONCERNS_OPEN,
            (*bounds[0:2], *bounds[1:3], bounds[2], school_id, Concern.Status.OPEN),
        )
    }
    concern_rows = [
        ConcernRow(
            kind=kind,
            label=label,
            open=counted[kind][0] if kind in counted else 0,
            by_age=counted[kind][1] if kind in counted else [0] * len(AGE_BANDS),
        )
        for kind, label in ConcernKind.choices
        if with_safeguarding or kind != ConcernKind.SAFEGUARDING
    ]

    # Conflicts resolved in the period, and how long they took.
    conflict_days = [
        (resolved_at - raised_at).total_seconds() / 86400
        for raised_at, resolved_at in (
            (sql.moment_of(raised), sql.moment_of(resolved))
            for raised, resolved in sql.rows(sql.CONFLICTS_RESOLVED, (school_id, *moments))
        )
        if raised_at is not None and resolved_at is not None
    ]

    # Feedback: the mean score by week, taken in the database (a row a week and
    # programme) rather than by reading and decoding every feedback's answers here.
    feedback_weeks: dict[datetime.date, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for week, programme_id, count, score_sum, scored in sql.rows(
        sql.for_this_database(sql.FEEDBACK_BY_WEEK), (school_id, first_day, last_day)
    ):
        if programme_id not in figures:
            continue
        week_of = sql.day_of(week)
        assert week_of is not None
        tally = feedback_weeks[week_of]
        tally[0] += count
        tally[1] += score_sum or 0.0
        tally[2] += scored
    feedback = [
        FeedbackWeek(week_of, int(count), score_sum / scored if scored else None)
        for week_of, (count, score_sum, scored) in sorted(feedback_weeks.items())
    ]

    # Referrals out: by status now, and the wait for a first answer of those
    # answered in the period (referrals alike come as one row, counted).
    out_counts: dict[str, int] = defaultdict(int)
    out_waits: list[int] = []
    for status, sent_on, answered_on, alike in sql.rows(
        sql.REFERRALS_OUT, (school_id, ReferralStatus.DRAFT)
    ):
        sent, answered = sql.day_of(sent_on), sql.day_of(answered_on)
        out_counts[status] += alike
        if sent is not None and answered is not None and starts_on <= answered <= ends_on:
            out_waits.extend([(answered - sent).days] * alike)
    out_rows = [
        StatusCount(status, label, out_counts.get(status, 0))
        for status, label in ReferralStatus.choices
        if status != ReferralStatus.DRAFT
    ]

    return Dashboard(
        starts_on=starts_on,
        ends_on=ends_on,
        today=today,
        school=whole,
        programmes=[figures[programme.pk] for programme in chosen],
        weeks=weeks,
        attendance_by_week=attendance_by_week,
        concerns=concern_rows,
        with_safeguarding=with_safeguarding,
        conflicts_resolved=len(conflict_days),
        conflict_median_days=statistics.median(conflict_days) if conflict_days else None,
        feedback=feedback,
        referrals_out=out_rows,
        referral_out_median_days=median_days(out_waits),
        signals_as_of=signals_as_of,
        referral_out_answered=len(out_waits),
    )
