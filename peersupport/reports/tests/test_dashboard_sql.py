"""The dashboard's figures (counted in SQL, reports.dashboard_sql) agree with the same
figures counted here a record at a time through the models, on the demo school (its
programmes, pairings, referrals, registers, signals, supervision, concerns,
conflicts, feedback and referrals out), for a year, a term, a period from the first
of September and one bounded by an enrolment's last day and another's first, for
every programme and for one. Cases at the edges are added: referrals just after
midnight in British Summer Time, concerns exactly on the age bands' edges, feedback
with answers left blank, a session without a register, and one of each record in
another school (on the same programmes), which must not count. Run on SQLite and,
in CI, on PostgreSQL."""

from __future__ import annotations

import datetime
import io
import statistics
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from peersupport.concerns.models import Concern, ConcernKind, ConflictCase
from peersupport.demo.tests.test_seed_demo import NOW, TODAY
from peersupport.lib import engagement
from peersupport.meetings.models import (
    ATTENDED,
    Attendance,
    EngagementSnapshot,
    Session,
    Supervision,
)
from peersupport.meetings.services import daily_run
from peersupport.partners.models import ReferralOut, ReferralStatus
from peersupport.programmes.models import (
    Enrolment,
    MentorProfile,
    Mentorship,
    Programme,
    Referral,
)
from peersupport.reports.dashboard import (
    AGE_BANDS,
    CONTACT_WITHIN_DAYS,
    RETENTION_WEEKS,
    Dashboard,
    dashboard_figures,
)
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.wellbeing.models import Feedback
from peersupport.wellbeing.selectors import feedback_score


def _local(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def check(
    school: School, programmes: list[Programme], starts_on: datetime.date, ends_on: datetime.date
) -> Dashboard:
    """The dashboard's figures, each checked against the records."""
    today = TODAY
    until = min(ends_on, today)
    ids = {programme.pk for programme in programmes}
    figures = dashboard_figures(
        school=school,
        programmes=programmes,
        starts_on=starts_on,
        ends_on=ends_on,
        today=today,
        with_safeguarding=True,
    )
    rows = {row.programme.pk: row for row in figures.programmes if row.programme is not None}
    assert set(rows) == ids
    # Without the DSL's view: the same, but for safeguarding concerns.
    without = dashboard_figures(
        school=school,
        programmes=programmes,
        starts_on=starts_on,
        ends_on=ends_on,
        today=today,
        with_safeguarding=False,
    )
    assert without.concerns == [
        row for row in figures.concerns if row.kind != ConcernKind.SAFEGUARDING
    ]
    assert without.all_rows == figures.all_rows

    # Participants and mentors.
    taking_part = {
        (e.programme_id, e.student_id)
        for e in Enrolment.objects.filter(school=school, programme_id__in=ids)
        if e.started_on <= ends_on and (e.ended_on is None or e.ended_on >= starts_on)
    }
    mentoring = {
        (m.programme_id, m.mentor_id)
        for m in Mentorship.objects.filter(school=school, programme_id__in=ids)
        if m.started_on is not None
        and m.started_on <= ends_on
        and (m.closed_on is None or m.closed_on >= starts_on)
    }
    for pk, row in rows.items():
        assert row.participants == sum(1 for p, _ in taking_part if p == pk)
        assert row.mentors == sum(1 for p, _ in mentoring if p == pk)
    assert figures.school.participants == len({s for _, s in taking_part})
    assert figures.school.mentors == len({m for _, m in mentoring})

    # Referrals: new in the period, waiting now, and the waits of those accepted in it.
    waits: dict[int, list[int]] = defaultdict(list)
    new: dict[int, int] = defaultdict(int)
    waiting: dict[int, int] = defaultdict(int)
    for referral in Referral.objects.filter(school=school, programme_id__in=ids):
        if starts_on <= _local(referral.created_at) <= ends_on:
            new[referral.programme_id] += 1
        if referral.status in (Referral.Status.NEW, Referral.Status.WAITLISTED):
            waiting[referral.programme_id] += 1
        if (
            referral.status == Referral.Status.ACCEPTED
            and referral.decided_at is not None
            and starts_on <= _local(referral.decided_at) <= ends_on
        ):
            waits[referral.programme_id].append(
                (_local(referral.decided_at) - _local(referral.created_at)).days
            )
    for pk, row in rows.items():
        assert (row.new_referrals, row.waiting) == (new[pk], waiting[pk])
        assert (row.median_wait_days, row.waits_counted) == (_median(waits[pk]), len(waits[pk]))
    all_waits = [wait for spans in waits.values() for wait in spans]
    assert figures.school.new_referrals == sum(new.values())
    assert figures.school.waiting == sum(waiting.values())
    assert figures.school.median_wait_days == _median(all_waits)
    assert figures.school.waits_counted == len(all_waits)

    # Attendance: every mark in the period's sessions, by programme and by week.
    marks: dict[int | None, dict[datetime.date, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for mark in Attendance.objects.filter(
        school=school, session__date__range=(starts_on, ends_on)
    ).select_related("session__group", "session__mentorship"):
        session = mark.session
        owner = session.group or session.mentorship
        if owner is None or owner.programme_id not in ids:
            continue
        for key in (owner.programme_id, None):
            cell = marks[key][_monday(session.date)]
            cell[0] += mark.mark in ATTENDED
            cell[1] += 1
    for key, one in [(None, figures.school), *rows.items()]:
        assert (one.attendance.part, one.attendance.whole) == (
            sum(c[0] for c in marks[key].values()),
            sum(c[1] for c in marks[key].values()),
        )
    assert figures.weeks == sorted(marks[None])
    assert [(w.week_of, w.attended, w.marked) for w in figures.attendance_by_week[None]] == [
        (week, *marks[None][week]) for week in sorted(marks[None])
    ]

    # Retention of those who started in the period.
    for key, one in [(None, figures.school), *rows.items()]:
        for weeks_after in RETENTION_WEEKS:
            started = [
                e
                for e in Enrolment.objects.filter(school=school, programme_id__in=ids)
                if starts_on <= e.started_on <= ends_on
                and (key is None or e.programme_id == key)
                and e.started_on + datetime.timedelta(weeks=weeks_after) <= today
            ]
            still = [
                e
                for e in started
                if e.ended_on is None
                or e.ended_on >= e.started_on + datetime.timedelta(weeks=weeks_after)
            ]
            share = one.retention[weeks_after]
            assert (share.part, share.whole) == (len(still), len(started))

    # At risk and staff contact, from the signals of open enrolments.
    snapshots = [
        s
        for s in EngagementSnapshot.objects.filter(school=school).select_related("enrolment")
        if s.enrolment.ended_on is None and s.enrolment.programme_id in ids
    ]
    recent = today - datetime.timedelta(days=CONTACT_WITHIN_DAYS)
    for key, one in [(None, figures.school), *rows.items()]:
        mine = [s for s in snapshots if key is None or s.enrolment.programme_id == key]
        assert one.at_risk == sum(s.status == engagement.AT_RISK for s in mine)
        contacted = sum(s.last_contact is not None and s.last_contact >= recent for s in mine)
        assert (one.contact.part, one.contact.whole) == (contacted, len(mine))
    assert figures.signals_as_of == min((s.computed_on for s in snapshots), default=None)

    # Supervision: the latest held by the end of the period (or today).
    for pk, row in rows.items():
        held = [
            s.held_on
            for s in Supervision.objects.filter(school=school, programme_id=pk)
            if s.held_on <= until
        ]
        assert row.supervision_last == max(held, default=None)
        every = datetime.timedelta(weeks=row.programme.supervision_every_weeks)
        assert row.supervision_due == (not held or max(held) + every < until)
    assert figures.school.supervision_due == any(row.supervision_due for row in rows.values())

    # Open concerns by kind and age.
    moment = timezone.now()
    for concern_row in figures.concerns:
        open_ = [
            c
            for c in Concern.objects.filter(school=school, status=Concern.Status.OPEN)
            if c.kind == concern_row.kind
        ]
        assert concern_row.open == len(open_)
        ages = [moment - c.created_at for c in open_]
        assert concern_row.by_age == [
            sum(
                age >= datetime.timedelta(days=younger)
                and (older is None or age < datetime.timedelta(days=older))
                for age in ages
            )
            for _, younger, older in AGE_BANDS
        ]

    # Conflicts resolved in the period.
    took = [
        (c.resolved_at - c.raised_at).total_seconds() / 86400
        for c in ConflictCase.objects.filter(school=school)
        if c.resolved_at is not None and starts_on <= _local(c.resolved_at) <= ends_on
    ]
    assert figures.conflicts_resolved == len(took)
    assert figures.conflict_median_days == pytest.approx(_median(took))

    # Feedback by week: how many, and the mean of their scores.
    given: dict[datetime.date, list[float | None]] = defaultdict(list)
    for feedback in Feedback.objects.filter(
        school=school, programme_id__in=ids, week_of__range=(starts_on, ends_on)
    ):
        given[feedback.week_of].append(feedback_score(feedback.answers))
    expected = []
    for week in sorted(given):
        scores = [score for score in given[week] if score is not None]
        expected.append((week, len(given[week]), statistics.mean(scores) if scores else None))
    assert [(w.week_of, w.count) for w in figures.feedback] == [(w, n) for w, n, _ in expected]
    for week, (_, _, mean) in zip(figures.feedback, expected, strict=True):
        assert week.mean == pytest.approx(mean)

    # Referrals out by status now, and the waits of those first answered in the period.
    out = [r for r in ReferralOut.objects.filter(school=school) if r.status != "draft"]
    assert {row.status: row.count for row in figures.referrals_out} == {
        status: sum(r.status == status for r in out)
        for status, _ in ReferralStatus.choices
        if status != ReferralStatus.DRAFT
    }
    answered = [
        (r.first_response_on - r.sent_on).days
        for r in out
        if r.sent_on is not None
        and r.first_response_on is not None
        and starts_on <= r.first_response_on <= ends_on
    ]
    assert (figures.referral_out_median_days, figures.referral_out_answered) == (
        _median(answered),
        len(answered),
    )
    return figures


def _near_midnight(school: School) -> None:
    """Two referrals made at half past midnight, British Summer Time: one on the
    first of September (the evening before, in UTC), accepted a week later at the
    same time of night, and one on the last day of August."""
    referral = Referral.objects.filter(school=school).first()
    assert referral is not None
    for made, decided in (
        (datetime.datetime(2026, 8, 31, 23, 30, tzinfo=datetime.UTC), None),
        (
            datetime.datetime(2026, 8, 30, 23, 30, tzinfo=datetime.UTC),
            datetime.datetime(2026, 9, 6, 23, 30, tzinfo=datetime.UTC),
        ),
    ):
        copy = Referral.objects.create(
            school=school,
            programme=referral.programme,
            student=referral.student,
            source=referral.source,
            referred_by=referral.referred_by,
            need_areas=referral.need_areas,
            status=Referral.Status.NEW if decided is None else Referral.Status.ACCEPTED,
            decided_at=decided,
        )
        Referral.objects.filter(pk=copy.pk).update(created_at=made)


def _a_session_without_a_register(school: School) -> None:
    """A session with no marks, in a week with no other: no week of nothing."""
    session = Session.objects.filter(school=school, marked_count__gt=0).first()
    assert session is not None
    day = TODAY - datetime.timedelta(days=300)
    monday = _monday(day)
    assert not Session.objects.filter(
        school=school, date__range=(monday, monday + datetime.timedelta(days=6))
    ).exists()
    _copy(session, school, date=day, series=None, marked_count=0, attended_count=0)


def _copy(record: Any, school: School, **changes: Any) -> Any:
    """A copy of ``record`` in ``school``, with ``changes``."""
    record.pk = None
    record._state.adding = True
    if any(field.name == "public_id" for field in record._meta.fields):
        record.public_id = uuid.uuid4()
    record.school = school
    for name, value in changes.items():
        setattr(record, name, value)
    record.save()
    return record


def _the_same_in_another_school(school: School) -> None:
    """One of each record the dashboard counts, copied into the other demo school
    (on the main school's programmes, so only the school tells them apart): none
    may count in the main school's figures."""
    other = School.objects.exclude(pk=school.pk).first()
    assert other is not None
    students = iter(Student.objects.filter(school=other).order_by("pk"))
    enrolment = Enrolment.objects.filter(school=school, ended_on__isnull=True).first()
    assert enrolment is not None
    snapshot = EngagementSnapshot.objects.filter(enrolment=enrolment).first()
    assert snapshot is not None
    enrolment = _copy(enrolment, other, student=next(students), referral=None)
    _copy(snapshot, other, enrolment=enrolment, status=engagement.AT_RISK)
    _copy(
        Enrolment.objects.filter(school=school).order_by("-started_on").first(),
        other,
        student=next(students),
        referral=None,
    )
    mentor = _copy(
        MentorProfile.objects.filter(school=school).first(), other, student=next(students)
    )
    _copy(
        Mentorship.objects.filter(school=school, started_on__isnull=False).first(),
        other,
        mentor=mentor,
        mentee=next(students),
    )
    for status in (Referral.Status.NEW, Referral.Status.ACCEPTED):
        _copy(
            Referral.objects.filter(school=school, status=status).first(),
            other,
            student=next(students),
        )
    _copy(
        Session.objects.filter(school=school, marked_count__gt=0).first(),
        other,
        start_time=datetime.time(7, 1),
        series=None,
    )
    _copy(Supervision.objects.filter(school=school).first(), other, held_on=TODAY)
    concern = _copy(
        Concern.objects.filter(school=school, status=Concern.Status.OPEN)
        .exclude(kind=ConcernKind.SAFEGUARDING)
        .first(),
        other,
    )
    _copy(
        ConflictCase.objects.filter(school=school, resolved_at__isnull=False).first(),
        other,
        concern=concern,
    )
    _copy(Feedback.objects.filter(school=school).first(), other)
    _copy(ReferralOut.objects.filter(school=school, first_response_on__isnull=False).first(), other)


@pytest.mark.django_db
def test_the_figures_agree_with_the_records_counted_one_by_one(settings: Any) -> None:
    settings.DEMO_MODE = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--students", "120", "--seed", "3", stdout=io.StringIO())
        school = School.objects.order_by("urn").first()
        assert school is not None
        # Someone who left a week after starting, before the last to start began.
        first = Enrolment.objects.filter(school=school).order_by("started_on", "pk").first()
        assert first is not None
        ended_on = first.started_on + datetime.timedelta(weeks=1)
        Enrolment.objects.filter(pk=first.pk).update(ended_on=ended_on)
        later = Enrolment.objects.filter(school=school, started_on__gt=ended_on).first()
        assert later is not None
        daily_run(school=school, today=TODAY)  # the night's signals
        _near_midnight(school)
        _a_session_without_a_register(school)
        _the_same_in_another_school(school)
        # Cases at the edges: open concerns in each band of age, feedback with an
        # answer left out and with none given.
        open_concerns = list(
            Concern.objects.filter(school=school, status=Concern.Status.OPEN).exclude(
                kind=ConcernKind.SAFEGUARDING  # its first account is never changed
            )
        )
        assert len(open_concerns) >= 5
        # Three days, on the edges of the bands (exactly 7 and 29 days), and beyond.
        for concern, days in zip(open_concerns, (3, 7, 10, 29, 40), strict=False):
            Concern.objects.filter(pk=concern.pk).update(
                created_at=NOW - datetime.timedelta(days=days)
            )
        some_feedback = list(Feedback.objects.filter(school=school).order_by("pk")[:2])
        assert len(some_feedback) == 2
        for feedback, blank in zip(some_feedback, (1, 2), strict=True):
            answers = dict(feedback.answers)
            for key in sorted(answers)[:blank] if blank == 1 else list(answers):
                answers[key] = None
            Feedback.objects.filter(pk=feedback.pk).update(answers=answers)
        programmes = list(Programme.objects.filter(school=school).order_by("name"))
        assert len(programmes) > 1
        year = check(school, programmes, TODAY - datetime.timedelta(days=365), TODAY)
        # The demo has something in every figure, so none agrees by being empty.
        assert year.school.participants and year.school.mentors
        assert year.school.new_referrals and year.school.waiting and year.school.waits_counted
        assert year.school.attendance.whole and year.school.retention[6].whole
        assert year.school.at_risk and year.school.contact.whole and year.signals_as_of
        assert any(row.supervision_last for row in year.programmes)
        assert year.open_concerns and year.conflicts_resolved
        assert year.feedback and any(week.mean is not None for week in year.feedback)
        assert year.referral_out_answered
        assert {row.kind for row in year.concerns} == {kind for kind, _ in ConcernKind.choices}
        # From the first of September: referrals made and decided just after
        # midnight in British Summer Time count on that day.
        autumn = check(school, programmes, datetime.date(2026, 9, 1), TODAY)
        assert autumn.school.new_referrals
        # A term, and one programme alone.
        check(school, programmes, TODAY - datetime.timedelta(weeks=12), TODAY)
        # A period that begins on the day someone's enrolment ended and ends on the
        # day someone else's began: both were taking part in it.
        edges = check(school, programmes, ended_on, later.started_on)
        assert edges.school.participants
        busiest = max(year.programmes, key=lambda row: row.participants).programme
        assert busiest is not None
        check(school, [busiest], TODAY - datetime.timedelta(days=365), TODAY)
