"""The demo school: built through the services, one user per role, same seed same
school, a plausible roll, and a term of peer support that makes the at-risk list
mean something."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q

from peersupport.accounts.models import Membership, Role
from peersupport.demo.roll import demo_roll_csv
from peersupport.matching.models import MatchRun, MenteePreferences
from peersupport.meetings.models import (
    Attendance,
    CheckIn,
    Session,
    SessionLog,
    SupervisionAttendance,
)
from peersupport.meetings.selectors import engagement_signals
from peersupport.programmes.models import (
    Group,
    GroupMember,
    KeepApart,
    MentorProfile,
    Mentorship,
    Programme,
    Referral,
)
from peersupport.programmes.selectors import pairing_choices, waiting_list
from peersupport.schools.models import School, Term
from peersupport.students.importing import parse_mis_csv
from peersupport.students.models import Student
from peersupport.training.models import Completion

TODAY = datetime.date(2026, 11, 25)  # a Wednesday, twelve weeks into the autumn term
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)


def test_same_seed_same_roll_and_another_seed_another() -> None:
    today = datetime.date(2026, 11, 25)
    first = demo_roll_csv(seed=7, students=300, establishment="4001", today=today)
    assert first == demo_roll_csv(seed=7, students=300, establishment="4001", today=today)
    assert first != demo_roll_csv(seed=8, students=300, establishment="4001", today=today)


def test_the_generated_roll_is_valid_and_plausible() -> None:
    parsed = parse_mis_csv(demo_roll_csv(seed=1, students=1200, establishment="4001"))
    assert parsed.ok and len(parsed.rows) == 1200
    share = lambda key, value: sum(r[key] == value for r in parsed.rows) / 1200  # noqa: E731
    assert {r["year_group"] for r in parsed.rows} == {7, 8, 9, 10, 11}
    assert 0.18 < share("fsm", True) < 0.32
    assert 0.005 < share("sen_status", "E") < 0.05
    assert 0.08 < share("sen_status", "K") < 0.2
    assert any(r["sen_primary_need"] == "SEMH" for r in parsed.rows)
    assert 0.5 < share("ethnicity", "WBRI") < 0.75


def test_seed_demo_refuses_outside_demo_mode(db: None, settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE=1"):
        call_command("seed_demo")
    assert not School.objects.exists()


def test_seed_demo_builds_two_schools_and_a_user_in_each_role(
    db: None, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", "--students", "100", "--seed", "3")
    main, second = School.objects.order_by("urn")
    assert Student.objects.filter(school=main).count() == 100
    assert Student.objects.filter(school=second).count() == 10
    roles = set(Membership.objects.filter(school=main).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Term.objects.filter(school=main).count() == 3
    output = capsys.readouterr().out
    assert "coordinator@northgate.example" in output and "demo-peer-support-2026" in output
    with pytest.raises(CommandError, match="already has schools"):
        call_command("seed_demo")
    call_command("seed_demo", "--if-empty")  # make demo's second run: a no-op
    assert School.objects.count() == 2


def test_a_big_roll_still_has_unique_upns() -> None:
    parsed = parse_mis_csv(demo_roll_csv(seed=1, students=5000, establishment="4001"))
    assert parsed.ok and len({r["upn"] for r in parsed.rows}) == 5000


def seed_small(seed: int = 3) -> None:
    with time_machine.travel(NOW):
        call_command("seed_demo", "--students", "100", "--seed", str(seed), stdout=io.StringIO())


def test_seed_demo_runs_a_term_of_peer_support(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    seed_small()
    main, second = School.objects.order_by("urn")
    programmes = {p.name: p for p in Programme.objects.filter(school=main)}
    assert set(programmes) == {
        "Year 7 transition buddies",
        "1:1 peer mentoring",
        "Lunchtime peer support groups",
    }
    assert not Programme.objects.filter(school=second).exists()
    mentors = MentorProfile.objects.filter(school=main)
    assert mentors.filter(status=MentorProfile.Status.ACTIVE).exists()
    assert set(mentors.values_list("student__year_group", flat=True)) <= {10, 11}
    assert Group.objects.filter(programme=programmes["Lunchtime peer support groups"]).exists()
    assert GroupMember.objects.filter(school=main).exists()
    assert Mentorship.objects.filter(school=main, status=Mentorship.Status.ACTIVE).exists()
    # Triage and the waiting list have something in them.
    assert Referral.objects.filter(school=main, status=Referral.Status.NEW).exists()
    assert any(waiting_list(p) for p in programmes.values())

    # Sessions run to today; every past one has a full register, today's is open.
    past = Session.objects.filter(school=main, date__lt=TODAY)
    assert past.exists() and not Session.objects.filter(date__gt=TODAY).exists()
    assert not past.filter(attendances__isnull=True).exists()
    assert Attendance.objects.filter(school=main).count() > past.count()
    assert CheckIn.objects.filter(school=main).exists()
    assert SessionLog.objects.filter(school=main).exists()

    signals = engagement_signals(school=main, today=TODAY)
    statuses = [s.result.status for s in signals]
    assert "at_risk" in statuses
    assert statuses.count("on_track") > len(statuses) / 2

    # Nobody kept apart from someone meets them.
    for rule in KeepApart.objects.filter(school=main):
        pair = {rule.student_a_id, rule.student_b_id}
        for group in Group.objects.filter(school=main):
            together = set(group.members.values_list("student_id", flat=True))
            together |= set(group.co_facilitators.values_list("student_id", flat=True))
            assert not pair <= together
        assert not Mentorship.objects.filter(
            Q(mentor__student_id=rule.student_a_id, mentee_id=rule.student_b_id)
            | Q(mentor__student_id=rule.student_b_id, mentee_id=rule.student_a_id)
        ).exists()

    # The demo mentor and student sign-ins have a record with something on it.
    mentor = Student.objects.get(user__email="mentor@northgate.example")
    assert mentor.mentor.status == MentorProfile.Status.ACTIVE
    student = Student.objects.get(user__email="student@northgate.example")
    assert Mentorship.objects.filter(mentee=student, mentor__student=mentor).exists()

    # Matching: every one-to-one mentee has preferences, and the mentoring
    # programme has an open match run, solved, with its waiting mentees in it.
    one_to_one = Student.objects.filter(
        enrolments__programme__kind=Programme.Kind.ONE_TO_ONE, enrolments__ended_on__isnull=True
    ).distinct()
    assert MenteePreferences.objects.filter(student__in=one_to_one).count() == one_to_one.count()
    run = MatchRun.objects.get(programme=programmes["1:1 peer mentoring"], status="open")
    solve = run.solves.get()
    waiting = {str(s.public_id) for s in pairing_choices(programmes["1:1 peer mentoring"])[1]}
    assert {m["id"] for m in solve.problem["mentees"]} == waiting
    assert solve.optimal


def test_same_seed_same_term(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True

    def term(seed: int) -> list[tuple[Any, ...]]:
        with transaction.atomic():
            seed_small(seed)
            marks: list[tuple[Any, ...]] = sorted(
                Attendance.objects.values_list("student__upn", "session__date", "mark")
            )
            # The training and supervision too (peersupport.demo.training).
            marks += sorted(
                Completion.objects.values_list(
                    "student__upn", "user__email", "module__key", "completed_on", "how", "score"
                ),
                key=str,
            )
            marks += sorted(
                SupervisionAttendance.objects.values_list(
                    "mentor__student__upn", "supervision__held_on", "feeling"
                )
            )
            transaction.set_rollback(True)
        return marks

    first = term(5)
    assert first and first == term(5)
