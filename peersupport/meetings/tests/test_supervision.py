"""Supervision of peer mentors: the cadence and when it is overdue, recording a
supervision, the daily job's tasks, refusals, the mentors' wellbeing, the pages."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.meetings.models import Supervision, SupervisionAttendance
from peersupport.meetings.selectors import SupervisionDue, supervision_due
from peersupport.meetings.services import SupervisionAnswer, supervision_record
from peersupport.meetings.tests.conftest import Setting
from peersupport.programmes.models import MentorProfile
from peersupport.programmes.services import (
    group_add_co_facilitator,
    mentor_set_status,
    mentorship_propose,
    mentorship_start,
    programme_create,
    programme_set_supervision_cadence,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.schools.models import School
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_done

D = datetime.date
STARTED = D(2026, 9, 7)  # the setting's mentorship started on Monday 7 September


def at(day: datetime.date) -> Any:
    """Travel to nine in the morning of ``day`` (dates "in the future" are checked
    against the real day)."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
    )


def row_of(mentor: MentorProfile, school: School, today: datetime.date) -> SupervisionDue:
    rows = {row.mentor.pk: row for row in supervision_due(school=school, today=today)}
    return rows[mentor.pk]


def record(
    actor: Any,
    setting: Setting,
    *mentors: MentorProfile,
    on: datetime.date,
    kind: str = Supervision.Kind.GROUP,
    feeling: int | None = 4,
    notes: str = "",
) -> Supervision:
    with at(on):
        return supervision_record(
            actor=actor,
            programme=setting.programme,
            held_on=on,
            kind=kind,
            came=[SupervisionAnswer(mentor=mentor, feeling=feeling) for mentor in mentors],
            notes=notes,
        )


def co_facilitator(personas: dict[str, Persona], setting: Setting, on: datetime.date) -> Any:
    """An active mentor approved on ``on`` who helps run the setting's group."""
    with at(on):
        mentor = make_active_mentor(personas["coordinator"], setting.programme.school)
        group_add_co_facilitator(
            actor=personas["coordinator"].user, group=setting.group, mentor=mentor
        )
    return mentor


def run_daily(day: datetime.date) -> str:
    out = StringIO()
    call_command("run_daily", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------- the cadence


def test_supervision_is_due_after_the_programme_cadence_and_overdue_the_day_after(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    mentor = setting.mentorship.mentor
    assert setting.programme.supervision_every_weeks == 2  # the default
    due = row_of(mentor, school_a, D(2026, 9, 21))  # two weeks after the mentorship began
    assert due.last_supervised is None
    assert due.serving_since == STARTED
    assert due.due_on == D(2026, 9, 21)
    assert not due.overdue
    late = row_of(mentor, school_a, D(2026, 9, 22))
    assert late.overdue and late.days_overdue == 1


def test_a_different_cadence_moves_the_due_date(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    programme_set_supervision_cadence(
        actor=personas["coordinator"].user, programme=setting.programme, every_weeks=3
    )
    mentor = setting.mentorship.mentor
    assert not row_of(mentor, school_a, D(2026, 9, 22)).overdue
    assert not row_of(mentor, school_a, D(2026, 9, 28)).overdue
    assert row_of(mentor, school_a, D(2026, 9, 29)).overdue
    assert row_of(mentor, school_a, D(2026, 9, 29)).every_weeks == 3


def test_a_mentor_in_two_programmes_follows_the_shorter_cadence(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    weekly = programme_create(
        actor=coordinator,
        school=school_a,
        name="Weekly mentoring",
        kind="one_to_one",
        capacity=5,
        supervision_every_weeks=1,
    )
    mentor = setting.mentorship.mentor
    second = mentorship_propose(
        actor=coordinator, programme=weekly, mentor=mentor, mentee=make_student(school_a)
    )
    mentorship_start(actor=coordinator, mentorship=second, started_on=D(2026, 9, 14))
    due = row_of(mentor, school_a, D(2026, 9, 14))
    assert due.every_weeks == 1
    assert due.serving_since == STARTED  # the earliest open mentorship
    assert due.due_on == D(2026, 9, 14)
    assert row_of(mentor, school_a, D(2026, 9, 15)).overdue


def test_a_co_facilitator_is_due_from_the_day_they_were_approved(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    helper = co_facilitator(personas, setting, D(2026, 9, 10))
    assert row_of(helper, school_a, D(2026, 9, 24)).due_on == D(2026, 9, 24)
    assert not row_of(helper, school_a, D(2026, 9, 24)).overdue
    assert row_of(helper, school_a, D(2026, 9, 25)).overdue


def test_only_active_mentors_serving_a_programme_are_listed(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    idle = make_active_mentor(personas["coordinator"], school_a)  # no mentee, no group
    rows = supervision_due(school=school_a, today=D(2026, 9, 22))
    assert [row.mentor for row in rows] == [setting.mentorship.mentor]
    assert idle not in [row.mentor for row in rows]
    mentor_set_status(
        actor=personas["coordinator"].user,
        mentor=setting.mentorship.mentor,
        status=MentorProfile.Status.PAUSED,
    )
    assert supervision_due(school=school_a, today=D(2026, 9, 22)) == []


# ---------------------------------------------------------------- recording and the daily job


def test_recording_supervision_clears_overdue_and_closes_the_task(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    mentor = setting.mentorship.mentor
    coordinator = personas["coordinator"].user
    assert "1 supervision tasks" in run_daily(D(2026, 9, 22))
    task = Task.objects.get(kind=TaskKind.SUPERVISION_DUE)
    assert task.assigned_to == coordinator  # the programme has no leads: its coordinators
    assert task.subject_public_id == mentor.public_id
    assert task.due_on == D(2026, 9, 21)
    assert "Maya" not in task.title
    assert task.link == reverse("meetings:supervision_list", args=[setting.programme.public_id])

    record(personas["facilitator"].user, setting, mentor, on=D(2026, 9, 23))
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    due = row_of(mentor, school_a, D(2026, 9, 23))
    assert due.last_supervised == D(2026, 9, 23)
    assert due.due_on == D(2026, 10, 7)
    assert not due.overdue
    assert "0 supervision tasks" in run_daily(D(2026, 10, 7))
    assert "1 supervision tasks" in run_daily(D(2026, 10, 8))
    fresh = Task.objects.get(kind=TaskKind.SUPERVISION_DUE, status=Task.Status.OPEN)
    assert fresh.due_on == D(2026, 10, 7)


def test_a_back_dated_supervision_leaves_the_overdue_task_open(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    """A supervision older than the mentor's latest does not move their due date:
    they are still overdue, so their task stays open (the daily job counts a task
    closed for this due date as already told, and would not open another)."""
    mentor = setting.mentorship.mentor
    coordinator = personas["coordinator"].user
    record(coordinator, setting, mentor, on=D(2026, 9, 14))  # next due 28 September
    assert "1 supervision tasks" in run_daily(D(2026, 9, 29))
    task = Task.objects.get(kind=TaskKind.SUPERVISION_DUE)
    with at(D(2026, 9, 30)):  # written up late
        supervision_record(
            actor=coordinator,
            programme=setting.programme,
            held_on=D(2026, 9, 10),
            kind=Supervision.Kind.ONE_TO_ONE,
            came=[SupervisionAnswer(mentor=mentor, feeling=4)],
        )
    assert row_of(mentor, school_a, D(2026, 9, 30)).overdue
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    # One that brings them up to date closes it.
    record(coordinator, setting, mentor, on=D(2026, 9, 30))
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_the_daily_job_opens_the_supervision_task_once(
    personas: dict[str, Persona], setting: Setting
) -> None:
    helper = co_facilitator(personas, setting, D(2026, 9, 10))
    first = run_daily(D(2026, 9, 25))
    second = run_daily(D(2026, 9, 25))
    third = run_daily(D(2026, 9, 26))
    assert "3 supervision tasks" in first
    assert "0 supervision tasks" in second and "0 supervision tasks" in third
    tasks = Task.objects.filter(kind=TaskKind.SUPERVISION_DUE)
    assert sorted((t.subject_public_id, t.assigned_to.email) for t in tasks) == sorted(
        [
            (setting.mentorship.mentor.public_id, "coordinator@northgate.example"),
            (helper.public_id, "coordinator@northgate.example"),
            # The facilitator runs the group the helper co-facilitates.
            (helper.public_id, "facilitator@northgate.example"),
        ]
    )


def test_a_task_marked_done_without_supervision_is_not_opened_again_every_day(
    personas: dict[str, Persona], setting: Setting
) -> None:
    run_daily(D(2026, 9, 22))
    task = Task.objects.get(kind=TaskKind.SUPERVISION_DUE)
    task_done(actor=personas["coordinator"].user, task=task)
    assert "0 supervision tasks" in run_daily(D(2026, 9, 23))
    assert not Task.objects.filter(kind=TaskKind.SUPERVISION_DUE, status="open").exists()


def test_recording_writes_an_audit_event_without_the_notes(
    personas: dict[str, Persona], setting: Setting
) -> None:
    supervision = record(
        personas["coordinator"].user,
        setting,
        setting.mentorship.mentor,
        on=D(2026, 9, 23),
        notes="Maya is worried about Tom",
    )
    event = AuditEvent.objects.get(action="supervision.recorded")
    assert event.object_public_id == supervision.public_id
    assert "Maya" not in event.detail and "Tom" not in event.detail
    assert supervision.attendance.get().feeling == 4


# ---------------------------------------------------------------- refusals


def test_a_mentor_who_does_not_serve_the_programme_is_refused(
    personas: dict[str, Persona], setting: Setting, school_a: School
) -> None:
    outside = make_active_mentor(personas["coordinator"], school_a, legal_forename="Olu")
    with pytest.raises(ValidationError, match="Not an active mentor in this programme: Olu"):
        record(personas["coordinator"].user, setting, outside, on=D(2026, 9, 23))
    assert not Supervision.objects.exists()


def test_a_paused_mentor_is_refused(personas: dict[str, Persona], setting: Setting) -> None:
    mentor = mentor_set_status(
        actor=personas["coordinator"].user,
        mentor=setting.mentorship.mentor,
        status=MentorProfile.Status.PAUSED,
    )
    with pytest.raises(ValidationError, match="Not an active mentor"):
        record(personas["coordinator"].user, setting, mentor, on=D(2026, 9, 23))


def test_a_one_to_one_has_exactly_one_mentor(
    personas: dict[str, Persona], setting: Setting
) -> None:
    helper = co_facilitator(personas, setting, D(2026, 9, 10))
    with pytest.raises(ValidationError, match="exactly one mentor"):
        record(
            personas["coordinator"].user,
            setting,
            setting.mentorship.mentor,
            helper,
            on=D(2026, 9, 23),
            kind=Supervision.Kind.ONE_TO_ONE,
        )
    one = record(
        personas["coordinator"].user,
        setting,
        helper,
        on=D(2026, 9, 23),
        kind=Supervision.Kind.ONE_TO_ONE,
    )
    assert one.attendance.count() == 1


def test_a_supervision_cannot_be_dated_in_the_future(
    personas: dict[str, Persona], setting: Setting
) -> None:
    with at(D(2026, 9, 23)), pytest.raises(ValidationError, match="future"):
        supervision_record(
            actor=personas["coordinator"].user,
            programme=setting.programme,
            held_on=D(2026, 9, 24),
            kind=Supervision.Kind.GROUP,
            came=[SupervisionAnswer(mentor=setting.mentorship.mentor)],
        )


def test_nobody_came_is_refused(personas: dict[str, Persona], setting: Setting) -> None:
    with pytest.raises(ValidationError, match="which mentors came"):
        record(personas["coordinator"].user, setting, on=D(2026, 9, 23))


@pytest.mark.parametrize("who", ["viewer", "mentor", "student", "partner", "outsider"])
def test_only_staff_of_the_programme_may_record(
    who: str, personas: dict[str, Persona], setting: Setting
) -> None:
    with pytest.raises(PermissionDenied):
        record(personas[who].user, setting, setting.mentorship.mentor, on=D(2026, 9, 23))


def test_a_facilitator_who_runs_no_group_of_the_programme_is_refused_unless_they_lead_it(
    personas: dict[str, Persona], setting: Setting, school_a: School, client: Client
) -> None:
    other = make_user("other@northgate.example", "Other", school_a, Role.FACILITATOR, False)
    with pytest.raises(PermissionDenied):
        record(other.user, setting, setting.mentorship.mentor, on=D(2026, 9, 23))
    client.force_login(other.user)
    url = reverse("meetings:supervision_new", args=[setting.programme.public_id])
    assert client.get(url).status_code == 404
    setting.programme.leads.add(other.user)
    assert client.get(url).status_code == 200
    record(other.user, setting, setting.mentorship.mentor, on=D(2026, 9, 23))


def test_viewer_and_mentor_cannot_reach_the_form_and_the_outsider_gets_404(
    personas: dict[str, Persona], setting: Setting, client: Client
) -> None:
    url = reverse("meetings:supervision_new", args=[setting.programme.public_id])
    for who, status in (("viewer", 403), ("mentor", 403), ("outsider", 404)):
        client.force_login(personas[who].user)
        assert client.post(url, {"kind": "group"}).status_code == status
    assert not Supervision.objects.exists()


# ---------------------------------------------------------------- how the mentors are doing


def test_a_mentor_struggling_gets_the_programme_staff_a_follow_up(
    personas: dict[str, Persona], setting: Setting
) -> None:
    supervision = record(
        personas["facilitator"].user,
        setting,
        setting.mentorship.mentor,
        on=D(2026, 9, 23),
        feeling=SupervisionAttendance.Feeling.STRUGGLING,
    )
    task = Task.objects.get(kind=TaskKind.NEEDS_HELP)
    assert task.assigned_to == personas["coordinator"].user
    assert task.title == "Follow up a peer mentor who is finding things hard"
    assert task.subject_public_id == supervision.public_id
    assert task.link == reverse("meetings:supervision_detail", args=[supervision.public_id])


def test_not_great_goes_to_the_programme_leads(
    personas: dict[str, Persona], setting: Setting
) -> None:
    setting.programme.leads.add(personas["dsl"].user)
    record(
        personas["coordinator"].user,
        setting,
        setting.mentorship.mentor,
        on=D(2026, 9, 23),
        feeling=SupervisionAttendance.Feeling.NOT_GREAT,
    )
    assert [t.assigned_to for t in Task.objects.filter(kind=TaskKind.NEEDS_HELP)] == [
        personas["dsl"].user
    ]


def test_the_follow_up_goes_only_to_staff_who_may_read_how_the_mentor_is_doing(
    personas: dict[str, Persona], setting: Setting, client: Client
) -> None:
    """A lead who is a facilitator and did not lead the supervision cannot see how
    the mentor is doing, so the follow-up goes to the school's coordinators; a lead
    who led it is told."""
    facilitator = personas["facilitator"].user
    setting.programme.leads.set([facilitator])
    first = record(
        personas["dsl"].user,
        setting,
        setting.mentorship.mentor,
        on=D(2026, 9, 23),
        feeling=SupervisionAttendance.Feeling.STRUGGLING,
    )
    task = Task.objects.get(kind=TaskKind.NEEDS_HELP, subject_public_id=first.public_id)
    assert task.assigned_to == personas["coordinator"].user
    client.force_login(task.assigned_to)
    assert b"Struggling" in client.get(task.link).content
    second = record(
        facilitator,
        setting,
        setting.mentorship.mentor,
        on=D(2026, 9, 30),
        feeling=SupervisionAttendance.Feeling.NOT_GREAT,
    )
    assert [
        t.assigned_to
        for t in Task.objects.filter(kind=TaskKind.NEEDS_HELP, subject_public_id=second.public_id)
    ] == [facilitator]


@pytest.mark.parametrize("feeling", [None, 3, 4, 5])
def test_okay_or_better_opens_no_follow_up(
    feeling: int | None, personas: dict[str, Persona], setting: Setting
) -> None:
    record(
        personas["coordinator"].user,
        setting,
        setting.mentorship.mentor,
        on=D(2026, 9, 23),
        feeling=feeling,
    )
    assert not Task.objects.filter(kind=TaskKind.NEEDS_HELP).exists()


# ---------------------------------------------------------------- pages


def test_the_form_records_a_supervision_and_the_recorder_reads_the_notes(
    personas: dict[str, Persona], setting: Setting, client: Client
) -> None:
    mentor = setting.mentorship.mentor
    key = mentor.public_id.hex
    url = reverse("meetings:supervision_new", args=[setting.programme.public_id])
    with at(D(2026, 9, 23)):  # sessions last 30 minutes: sign in on the day
        client.force_login(personas["facilitator"].user)
        page = client.get(url)
        response = client.post(
            url,
            {
                "held_on": "2026-09-23",
                "kind": "group",
                f"came_{key}": "on",
                f"feeling_{key}": "2",
                f"note_{key}": "Tired before exams",
                "notes": "Talked about endings",
                "actions": "Meet again next week",
            },
        )
        supervision = Supervision.objects.get()
        detail = client.get(response.url)
    assert b"Maya" in page.content and b"How are you doing?" in page.content
    assert b'type="date" name="held_on" value="2026-09-23"' in page.content  # today, as ISO
    assert response.status_code == 302
    assert response.url == reverse("meetings:supervision_detail", args=[supervision.public_id])
    place = supervision.attendance.get()
    assert (place.mentor, place.feeling, place.feeling_note) == (mentor, 2, "Tired before exams")
    assert supervision.facilitator == personas["facilitator"].user
    assert b"Talked about endings" in detail.content
    assert b"Meet again next week" in detail.content
    assert b"Tired before exams" in detail.content
    assert AuditEvent.objects.filter(
        action="supervision.notes_viewed", object_public_id=supervision.public_id
    ).exists()


def test_another_facilitator_sees_who_came_but_not_the_notes(
    personas: dict[str, Persona], setting: Setting, client: Client
) -> None:
    with at(D(2026, 9, 23)):
        supervision = supervision_record(
            actor=personas["coordinator"].user,
            programme=setting.programme,
            held_on=D(2026, 9, 23),
            kind=Supervision.Kind.GROUP,
            came=[
                SupervisionAnswer(
                    mentor=setting.mentorship.mentor,
                    feeling=SupervisionAttendance.Feeling.STRUGGLING,
                    note="Tired before exams",
                )
            ],
            notes="Private words",
        )
    detail = reverse("meetings:supervision_detail", args=[supervision.public_id])
    listing = reverse("meetings:supervision_list", args=[setting.programme.public_id])
    client.force_login(personas["facilitator"].user)
    page = client.get(detail)
    assert page.status_code == 200
    assert b"Maya" in page.content
    assert b"Private words" not in page.content
    # How a mentor is doing is wellbeing data about a child: not for them either,
    # on the supervision or on the programme's list.
    for seen in (page, client.get(listing)):
        assert seen.status_code == 200
        assert b"Struggling" not in seen.content
        assert b"Tired before exams" not in seen.content
        assert b"How are you doing?" not in seen.content
    assert not AuditEvent.objects.filter(action="supervision.notes_viewed").exists()
    client.force_login(personas["dsl"].user)
    shown = client.get(detail).content
    assert b"Private words" in shown
    assert b"Struggling" in shown and b"Tired before exams" in shown
    assert AuditEvent.objects.filter(action="supervision.notes_viewed").count() == 1


def test_the_form_explains_what_is_missing(
    personas: dict[str, Persona], setting: Setting, client: Client
) -> None:
    key = setting.mentorship.mentor.public_id.hex
    client.force_login(personas["coordinator"].user)
    url = reverse("meetings:supervision_new", args=[setting.programme.public_id])
    nobody = client.post(url, {"held_on": "2026-09-23", "kind": "group"})
    assert "Tick each mentor who came." in nobody.context["form"].non_field_errors()
    unticked = client.post(url, {"held_on": "2026-09-23", "kind": "group", f"feeling_{key}": "4"})
    assert unticked.context["form"].errors[f"came_{key}"] == [
        "Tick that they came, or clear their answer."
    ]
    future = client.post(url, {"held_on": "2099-01-01", "kind": "group", f"came_{key}": "on"})
    assert "The date cannot be in the future." in future.context["form"].non_field_errors()
    assert not Supervision.objects.exists()


def test_the_list_highlights_the_overdue_and_lists_recent_supervisions(
    personas: dict[str, Persona], setting: Setting, client: Client
) -> None:
    helper = co_facilitator(personas, setting, D(2026, 9, 10))
    supervision = record(personas["coordinator"].user, setting, helper, on=D(2026, 10, 1))
    client.force_login(personas["facilitator"].user)
    with at(D(2026, 10, 2)):
        page = client.get(reverse("meetings:supervision_list", args=[setting.programme.public_id]))
    rows = page.context["rows"]
    assert [(row.mentor, row.overdue) for row in rows] == [
        (setting.mentorship.mentor, True),  # overdue first
        (helper, False),
    ]
    assert b"1 mentor overdue for supervision" in page.content
    assert b"Overdue by 11 days" in page.content
    assert reverse("meetings:supervision_detail", args=[supervision.public_id]).encode() in (
        page.content
    )
    assert page.context["can_manage"] is False


def test_the_cadence_is_set_with_the_programme_and_changed_on_the_list(
    personas: dict[str, Persona], client: Client
) -> None:
    client.force_login(personas["coordinator"].user)
    response = client.post(
        reverse("programmes:create"),
        {"name": "Buddies", "kind": "one_to_one", "capacity": "10", "supervision_every_weeks": "4"},
    )
    assert response.status_code == 302
    from peersupport.programmes.models import Programme

    programme = Programme.objects.get(name="Buddies")
    assert programme.supervision_every_weeks == 4
    url = reverse("meetings:supervision_cadence", args=[programme.public_id])
    client.post(url, {"every_weeks": "3"})
    programme.refresh_from_db()
    assert programme.supervision_every_weeks == 3
    client.post(url, {"every_weeks": "13"})  # more than twelve weeks is refused
    programme.refresh_from_db()
    assert programme.supervision_every_weeks == 3
    assert (
        b"every 3 weeks"
        in client.get(reverse("programmes:detail", args=[programme.public_id])).content
    )


def test_the_list_runs_a_fixed_number_of_queries(
    personas: dict[str, Persona],
    setting: Setting,
    school_a: School,
    client: Client,
    django_assert_num_queries: Any,
) -> None:
    coordinator = personas["coordinator"].user
    url = reverse("meetings:supervision_list", args=[setting.programme.public_id])
    client.force_login(coordinator)

    def add_mentors(count: int) -> list[MentorProfile]:
        added = []
        for _ in range(count):
            mentor = make_active_mentor(personas["coordinator"], school_a)
            group_add_co_facilitator(actor=coordinator, group=setting.group, mentor=mentor)
            added.append(mentor)
        return added

    first = [setting.mentorship.mentor, *add_mentors(4)]
    record(coordinator, setting, *first[:3], on=D(2026, 11, 2))
    client.get(url)  # warm caches (content types, sessions)
    # Sign-in, role and MFA (4), the programme, the mentors' mentorships and group
    # places, the mentors, their last supervision, the recent supervisions (6), and
    # the session saved on every request (3).
    with django_assert_num_queries(13):
        few = client.get(url)
    assert len(few.context["rows"]) == 5
    more = add_mentors(35)
    record(coordinator, setting, *more[:20], on=D(2026, 11, 9))
    record(coordinator, setting, *more[20:], on=D(2026, 11, 16), feeling=5)
    with django_assert_num_queries(13):
        many = client.get(url)
    assert len(many.context["rows"]) == 40
    assert len(many.context["recent"]) == 3
