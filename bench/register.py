"""Benchmark: the register and the at-risk list of a school with 300 participants and
a year of weekly sessions, each timed as a ratio to a trivial signed-in page (home)
served by the same process.

Run with `.venv/bin/python bench/register.py`. Target: every page no more than 3x the
home page. Uses a throwaway SQLite database in a temporary directory unless
DATABASE_URL is set; for PostgreSQL give it an empty database, for example
`createdb bench && DATABASE_URL=postgres://postgres@127.0.0.1/bench .venv/bin/python
bench/register.py` (the planner's statistics are brought up to date after set-up).

The school is built through the services: a roll of 1,200 students, 300 of them
referred, accepted and placed in 38 groups of up to 8, each group meeting weekly
through a school year of three terms with half terms (about 1,400 sessions), and a
mark for every member at every session before today (about 11,000 marks). The
calendar is laid out relative to today so that the year's sessions are behind us,
the summer term is still running and group 1 meets today (on Friday, at a weekend):
the at-risk list then judges a full year of history, and the register measured is
that day's. Every mark
of that history goes through attendance_mark, as the register view saves it (about
half a minute); the save measured is a POST to the register_mark view itself.

The at-risk list is measured twice: just after a register mark (the page first
works out again the changed student's signals) and viewed again with nothing
changed (stored signals read as they are).

Pages are requested with Django's test client, in-process, signed in as the
coordinator through the real sign-in: password, then a two-step code. The
pages are requested in turn, round after round, after a warm-up, and each page's
median is compared with the home page's, so machine noise affects all of them alike.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from itertools import cycle
from pathlib import Path
from typing import Any, Protocol

PARTICIPANTS = 300
GROUP_SIZE = 8
ROLL = 1200
SEED = 2026
WARM_UP_ROUNDS = 5
ROUNDS = 60
TARGET_RATIO = 3.0
PASSWORD = "bench-password-for-a-coordinator"


class Response(Protocol):
    """What the benchmark reads of a test client's response."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...


def school_year(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """Terms of a school year whose summer term ends a week or two after ``today``: 15, 12
    and 15 weeks long, each with a week's half term, and two weeks off at Christmas
    and at Easter. Returns (name, first day, last day), half terms after their term."""
    week = datetime.timedelta(weeks=1)
    day = datetime.timedelta(days=1)
    start = today - 44 * week
    start -= datetime.timedelta(days=start.weekday())  # a Monday
    spans: list[tuple[str, datetime.date, datetime.date]] = []
    for name, weeks, half_term_week in (("Autumn", 15, 7), ("Spring", 12, 6), ("Summer", 15, 6)):
        spans.append((f"{name} term", start, start + weeks * week - day))
        half_term = start + half_term_week * week
        spans.append((f"{name} half term", half_term, half_term + 4 * day))
        start += (weeks + 2) * week  # the term, then two weeks off
    return spans


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    workdir = tempfile.mkdtemp(prefix="bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersupport.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
    )
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from peersupport.accounts.models import Role
    from peersupport.accounts.services import membership_grant, user_create
    from peersupport.demo.roll import demo_roll_csv
    from peersupport.lib import engagement
    from peersupport.meetings.models import Attendance, Mark, Session
    from peersupport.meetings.selectors import engagement_signals
    from peersupport.meetings.services import attendance_mark, series_create
    from peersupport.programmes.models import Group, NeedArea, Programme, Referral
    from peersupport.programmes.services import (
        group_add_member,
        group_create,
        programme_create,
        referral_accept,
        referral_create,
    )
    from peersupport.schools.services import holiday_add, school_create, term_add
    from peersupport.students.importing import parse_mis_csv
    from peersupport.students.models import Student
    from peersupport.students.services import students_import

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    today = timezone.localdate()
    # Group 1's register is measured on the latest school day: today, or Friday when
    # the benchmark runs at a weekend.
    meets_on = today - datetime.timedelta(days=max(0, today.weekday() - 4))
    rng = random.Random(SEED)
    started = time.perf_counter()

    # ---------------------------------------------------------------- set-up
    with transaction.atomic():
        school = school_create(name="Bench School", urn="199998")
        spans = school_year(today)
        for name, starts_on, ends_on in spans:
            add = holiday_add if "half term" in name else term_add
            add(school=school, name=name, starts_on=starts_on, ends_on=ends_on)
        year_starts = min(starts_on for _, starts_on, _ in spans)
        year_ends = max(ends_on for _, _, ends_on in spans)
        coordinator = user_create(
            email="coordinator@bench.example", full_name="Bench Coordinator", password=PASSWORD
        )
        membership_grant(actor=None, school=school, user=coordinator, role=Role.COORDINATOR)
        totp_secret = generate_totp_secret()
        TOTP.activate(coordinator, totp_secret)
        roll = demo_roll_csv(seed=SEED, students=ROLL, establishment="4998", today=today)
        students_import(actor=None, school=school, parsed=parse_mis_csv(roll, today=today))
        roll_students = list(Student.objects.filter(school=school).order_by("pk"))
        students = rng.sample(roll_students, PARTICIPANTS)
        programme = programme_create(
            actor=coordinator,
            school=school,
            name="Friendship groups",
            kind=Programme.Kind.GROUP,
            capacity=PARTICIPANTS,
            leads=[coordinator],
        )
        groups: list[Group] = []
        members: dict[int, list[Student]] = {}
        for index in range(0, PARTICIPANTS, GROUP_SIZE):
            group = group_create(
                actor=coordinator,
                programme=programme,
                name=f"Group {len(groups) + 1}",
                max_size=GROUP_SIZE,
            )
            members[group.pk] = students[index : index + GROUP_SIZE]
            for student in members[group.pk]:
                referral = referral_create(
                    actor=coordinator,
                    programme=programme,
                    student=student,
                    source=Referral.Source.STAFF,
                    need_areas=[rng.choice(NeedArea.values)],
                )
                referral_accept(
                    actor=coordinator,
                    referral=referral,
                    started_on=year_starts,
                    responsible=coordinator,
                )
                group_add_member(
                    actor=coordinator, group=group, student=student, joined_on=year_starts
                )
            # Group 1 meets on the measured day's weekday; the others through the week.
            weekday = meets_on.weekday() if not groups else len(groups) % 5
            series_create(
                actor=coordinator,
                group=group,
                first_date=year_starts + datetime.timedelta(days=weekday),
                until_date=year_ends,
                start_time=datetime.time(12, 30),
            )
            groups.append(group)
    built = time.perf_counter() - started

    # A year of registers, every mark through the service. Most students come most
    # weeks; some have drifted away in the last six weeks and a few rarely come, so
    # the at-risk list has people on it.
    marking_started = time.perf_counter()
    past = list(
        Session.objects.filter(school=school, date__lt=today)
        .select_related("group")
        .order_by("date")
    )
    share = {
        student.pk: rng.choices(((0.9, 0.9), (0.9, 0.25), (0.4, 0.4)), weights=(80, 12, 8))[0]
        for student in students
    }
    drift_from = today - datetime.timedelta(weeks=6)
    with transaction.atomic():
        for session in past:
            assert session.group_id is not None
            for student in members[session.group_id]:
                before, after = share[student.pk]
                if rng.random() < (after if session.date >= drift_from else before):
                    mark = Mark.PRESENT if rng.random() < 0.9 else Mark.LATE
                else:
                    mark = Mark.ABSENT_REASON if rng.random() < 0.5 else Mark.ABSENT
                reason = "Unwell" if mark == Mark.ABSENT_REASON else ""
                attendance_mark(
                    actor=coordinator, session=session, student=student, mark=mark, reason=reason
                )
    marking = time.perf_counter() - marking_started
    if connection.vendor == "postgresql":
        # A live server's autovacuum keeps the planner's statistics up to date; a
        # database filled a moment ago has none, and the plans it makes for a
        # handful of rows would be measured instead of the pages.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    sessions = Session.objects.filter(school=school).count()
    marks = Attendance.objects.filter(school=school).count()
    signals = engagement_signals(school=school, today=today)
    statuses = Counter(signal.result.status for signal in signals)
    print(
        f"set-up: {PARTICIPANTS} participants in {len(groups)} groups, {sessions:,} sessions "
        f"({len(past):,} before today), built in {built:.1f} s; "
        f"{marks:,} marks through attendance_mark in {marking:.1f} s; at-risk list: "
        f"{statuses[engagement.AT_RISK]} at risk, {statuses[engagement.WATCH]} to watch"
    )

    # ---------------------------------------------------------------- measuring
    session = Session.objects.get(group=groups[0], date=meets_on)
    register_students = members[groups[0].pk]
    client = Client()
    # Sign in as a coordinator does: password, then the two-step code.
    client.post(reverse("account_login"), {"login": coordinator.email, "password": PASSWORD})
    code = format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30))
    signed_in = client.post(reverse("mfa_authenticate"), {"code": code})
    if signed_in.status_code != 302:
        raise SystemExit("could not sign in with the password and two-step code")
    register_url = reverse("meetings:register", kwargs={"public_id": session.public_id})
    mark_url = reverse(
        "meetings:register_mark",
        kwargs={"public_id": session.public_id, "student": register_students[0].public_id},
    )
    at_risk_url = reverse("meetings:at_risk")
    next_mark = cycle([Mark.PRESENT, Mark.LATE])

    def save_mark() -> Response:
        # A different mark each time, so every save writes.
        return client.post(mark_url, {"mark": next(next_mark)}, headers={"HX-Request": "true"})

    pages: list[tuple[str, Callable[[], Response]]] = [
        ("home (baseline)", lambda: client.get(reverse("home"))),
        (f"register page ({len(register_students)} students)", lambda: client.get(register_url)),
        ("register save (one mark, htmx)", save_mark),
        # Just after the save above: the page first works out again the signals of
        # the student whose register changed.
        (
            f"at-risk list, first view after a mark ({PARTICIPANTS} participants)",
            lambda: client.get(at_risk_url),
        ),
        # Viewed again with nothing changed: the stored signals are read as they are.
        (
            f"at-risk list, nothing changed ({PARTICIPANTS} participants)",
            lambda: client.get(at_risk_url),
        ),
    ]
    timings: dict[str, list[float]] = {label: [] for label, _ in pages}
    queries: dict[str, int] = {}
    details: dict[str, Any] = {}
    for round_number in range(WARM_UP_ROUNDS + ROUNDS):
        for label, request in pages:
            if round_number == WARM_UP_ROUNDS - 1:
                with CaptureQueriesContext(connection) as captured:
                    response = request()
                queries[label] = len(captured.captured_queries)
                details[label] = len(response.content)
            else:
                request_started = time.perf_counter()
                response = request()
                elapsed = time.perf_counter() - request_started
                if round_number >= WARM_UP_ROUNDS:
                    timings[label].append(elapsed)
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}, expected 200")

    baseline_label = pages[0][0]
    baseline = statistics.median(timings[baseline_label])
    for label, _ in pages:
        median = statistics.median(timings[label])
        line = (
            f"{label}: median {median * 1000:.1f} ms over {ROUNDS} requests, "
            f"{queries[label]} queries, {details[label]:,} bytes"
        )
        if label != baseline_label:
            ratio = median / baseline
            verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
            line += f"; {ratio:.2f}x home, target {TARGET_RATIO:g}x {verdict}"
        print(line)


if __name__ == "__main__":
    main()
