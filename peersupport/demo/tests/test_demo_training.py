"""The demo school's training, supervision, protocols and ground rules: completions
running out soon and run out, sessions past and to come, supervision with a couple
of mentors overdue, a protocol in its second version that some have still to read,
and a group that rewrote its ground rules; and the daily job finds work in them."""

from __future__ import annotations

import datetime
import io
from typing import Any

import time_machine
from django.core.management import call_command
from django.db.models import Count

from peersupport.accounts.models import User
from peersupport.demo.tests.test_seed_demo import NOW, TODAY, seed_small
from peersupport.meetings.models import StaffContact, Supervision, SupervisionAttendance
from peersupport.meetings.selectors import supervision_due
from peersupport.programmes.models import (
    AgreementSignature,
    GroupAgreement,
    GroupMember,
    MentorProfile,
    Mentorship,
    Programme,
)
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.training.models import (
    Completion,
    Protocol,
    ProtocolAcknowledgement,
    ProtocolVersion,
    TrainingEvent,
    TrainingModule,
)
from peersupport.training.selectors import protocol_reader_rows

SOON = TODAY + datetime.timedelta(days=30)


def seed_with_output() -> str:
    out = io.StringIO()
    with time_machine.travel(NOW):
        call_command("seed_demo", "--students", "100", "--seed", "3", stdout=out)
    return out.getvalue()


def held(student: Student | None = None, user: User | None = None) -> set[str]:
    """The keys of the modules someone has a completion of."""
    completions = Completion.objects.filter(student=student, user=user)
    return set(completions.values_list("module__key", flat=True))


def test_the_demo_school_has_training_supervision_protocols_and_ground_rules(
    db: None, settings: Any
) -> None:
    settings.DEMO_MODE = True
    output = seed_with_output()
    main = School.objects.get(urn="140001")
    modules = TrainingModule.objects.filter(school=main)
    core = set(
        modules.filter(audience=TrainingModule.Audience.MENTOR, core=True).values_list(
            "key", flat=True
        )
    )
    for_staff = set(
        modules.filter(audience=TrainingModule.Audience.FACILITATOR).values_list("key", flat=True)
    )
    mentors = MentorProfile.objects.filter(school=main).select_related("student")

    # Active and paused mentors hold every core module; those in training only some.
    for mentor in mentors:
        if mentor.status in (MentorProfile.Status.ACTIVE, MentorProfile.Status.PAUSED):
            assert held(student=mentor.student) == core
        elif mentor.status == MentorProfile.Status.IN_TRAINING:
            assert set() < held(student=mentor.student) < core
        else:
            assert not held(student=mentor.student)
    for email in ("coordinator", "dsl", "facilitator"):
        user = User.objects.get(email=f"{email}@northgate.example")
        assert held(user=user) == for_staff

    # Some mentors' completions run out within 30 days, and some have run out.
    of_mentors = Completion.objects.filter(school=main, student__isnull=False)
    assert of_mentors.filter(expires_on__gt=TODAY, expires_on__lte=SOON).exists()
    assert of_mentors.filter(expires_on__lte=TODAY).exists()
    assert not Completion.objects.filter(completed_on__gt=TODAY).exists()
    # The demo mentor's own training is all in date.
    demo = Student.objects.get(user__email="mentor@northgate.example")
    assert not Completion.objects.filter(student=demo, expires_on__lte=SOON).exists()
    hows = set(of_mentors.values_list("how", flat=True))
    assert hows == set(Completion.How.values)

    # A session to come for those in training; past ones with their registers saved.
    upcoming = TrainingEvent.objects.get(school=main, held_on__gt=TODAY)
    invited = upcoming.attendance.exclude(student=None).values_list(
        "student__mentor__status", flat=True
    )
    assert MentorProfile.Status.IN_TRAINING in set(invited)
    past = TrainingEvent.objects.filter(school=main, held_on__lt=TODAY)
    assert past.exists()
    for event in past:
        came = event.attendance.filter(attended=True).count()
        assert came and event.completions.count() == came

    # Each programme asks for the core modules; one pauses a mentor whose training
    # runs out, another only warns.
    programmes = Programme.objects.filter(school=main)
    for programme in programmes:
        assert set(programme.required_modules.values_list("key", flat=True)) == core
    assert {"warn", "pause"} <= set(programmes.values_list("at_expiry", flat=True))

    # Fortnightly supervision over the last two months; most mentors are doing
    # fine, and a couple (never the demo mentor) are overdue.
    supervisions = Supervision.objects.filter(school=main)
    assert supervisions.count() >= 3
    assert all(
        TODAY - datetime.timedelta(weeks=9) <= day <= TODAY
        for day in supervisions.values_list("held_on", flat=True)
    )
    feelings = list(
        SupervisionAttendance.objects.filter(school=main).values_list("feeling", flat=True)
    )
    assert set(feelings) <= {2, 3, 4, 5}
    assert sum(feeling >= 3 for feeling in feelings if feeling) > len(feelings) / 2
    assert all(s.notes and s.actions for s in supervisions)
    rows = supervision_due(school=main, today=TODAY)
    overdue = [row for row in rows if row.overdue]
    assert overdue and len(overdue) < len(rows)
    assert all(row.mentor.student.user is None for row in overdue)

    # One protocol has a version 2: the DSL who wrote it has read it, others have
    # not yet, though they read version 1.
    rewritten = Protocol.objects.get(school=main, versions__number=2)
    version = ProtocolVersion.objects.get(protocol=rewritten, number=2)
    to_read, have_read = protocol_reader_rows(rewritten, version)
    assert [row.membership.user.email for row in have_read] == ["dsl@northgate.example"]
    assert to_read and all(row.read_number == 1 for row in to_read)
    mentor = User.objects.get(email="mentor@northgate.example")
    assert ProtocolAcknowledgement.objects.filter(user=mentor).exists()

    # Most members agreed to their group's starter rules; one group wrote a version
    # 2, which two members have agreed to so far.
    members = GroupMember.objects.filter(school=main, left_on__isnull=True).count()
    signed_first = AgreementSignature.objects.filter(school=main, agreement__number=1).count()
    assert signed_first > members / 2
    second = GroupAgreement.objects.annotate(agreed=Count("signatures")).get(school=main, number=2)
    assert second.agreed == 2
    still_on_first = AgreementSignature.objects.filter(
        agreement__group=second.group, agreement__number=1
    ).exclude(student__in=second.signatures.values("student"))
    assert still_on_first.exists()

    # The summary says so, briefly.
    for words in ("expiring within 30 days", "Supervision:", "has a version 2", "Ground rules:"):
        assert words in output


def test_the_daily_job_after_seeding_opens_supervision_and_training_tasks(
    db: None, settings: Any
) -> None:
    settings.DEMO_MODE = True
    seed_small()
    out = io.StringIO()
    with time_machine.travel(NOW):
        call_command("run_daily", "--date", TODAY.isoformat(), stdout=out)
    main = School.objects.get(urn="140001")
    open_tasks = Task.objects.filter(school=main, status=Task.Status.OPEN)
    kinds = set(open_tasks.values_list("kind", flat=True))
    assert {
        TaskKind.SUPERVISION_DUE,
        TaskKind.TRAINING_EXPIRING,
        TaskKind.PROTOCOL_TO_READ,
    } <= kinds
    coordinator = User.objects.get(email="coordinator@northgate.example")
    assert open_tasks.filter(assigned_to=coordinator, kind=TaskKind.SUPERVISION_DUE).exists()
    # The demo mentor keeps mentoring.
    demo = MentorProfile.objects.get(student__user__email="mentor@northgate.example")
    assert demo.status == MentorProfile.Status.ACTIVE
    (northgate,) = [line for line in out.getvalue().splitlines() if line.startswith("Northgate")]
    assert ", 0 supervision tasks" not in northgate and ", 0 training tasks" not in northgate
    # Staff have kept up their check-ins with most mentors and mentees: at most a
    # few are overdue, not every one of them (95 tasks for the full demo before).
    people = 2 * Mentorship.objects.filter(school=main, status=Mentorship.Status.ACTIVE).count()
    contact_tasks = open_tasks.filter(kind=TaskKind.CONTACT_DUE)
    overdue = contact_tasks.values("subject_public_id").distinct().count()
    assert StaffContact.objects.filter(school=main).count() >= people
    assert people >= 2 and overdue < people
