"""The training compliance view (cells on the days either side of running out,
filters, the CSV and its guard against formulas, a fixed number of queries), the
daily expiry check (tasks for the coordinators, once, closed when no longer
needed; pause or warn as the programme says) and a programme's training settings."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.accounts.models import Membership, Role, User
from peersupport.accounts.services import membership_grant, user_create
from peersupport.audit.models import AuditEvent
from peersupport.programmes.models import Group, MentorProfile, Mentorship, Programme
from peersupport.programmes.selectors import TrainingCompliance, training_compliance
from peersupport.programmes.services import (
    group_add_co_facilitator,
    group_create,
    mentor_apply,
    mentor_give_reference,
    mentor_set_status,
    mentorship_propose,
    mentorship_start,
    programme_create,
    programme_set_training,
    training_expiry_run,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_done
from peersupport.training.models import Completion, TrainingModule
from peersupport.training.services import completion_record

D = datetime.date
DONE = D(2025, 12, 1)  # with a 12-month refresh, runs out on 1 December 2026
RUNS_OUT = D(2026, 12, 1)
TODAY = D(2026, 11, 2)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def on_today() -> Iterator[None]:
    with time_machine.travel(noon(TODAY), tick=False):
        yield


def module(
    school: School,
    key: str,
    title: str,
    refresh_months: int | None = 12,
    audience: str = TrainingModule.Audience.MENTOR,
) -> TrainingModule:
    return TrainingModule.objects.create(
        school=school, key=key, title=title, refresh_months=refresh_months, audience=audience
    )


def complete(
    coordinator: Persona, each: TrainingModule, on: datetime.date = DONE, **who: Any
) -> Completion:
    return completion_record(
        actor=coordinator.user, module=each, completed_on=on, how="in_person", **who
    )


def cells(compliance: TrainingCompliance, name: str) -> dict[str, str]:
    """Module title to cell status, for the row called ``name`` (either table)."""
    for table in (compliance.mentors, compliance.facilitators):
        for row in table.rows:
            if row.name == name:
                return {
                    column.module.title: cell.status
                    for column, cell in zip(table.columns, row.cells, strict=True)
                }
    raise AssertionError(f"No row for {name}")


def names(compliance: TrainingCompliance) -> tuple[list[str], list[str]]:
    return (
        [row.name for row in compliance.mentors.rows],
        [row.name for row in compliance.facilitators.rows],
    )


# ---------------------------------------------------------------- the selector


def test_each_cell_says_complete_expiring_expired_or_missing_on_the_boundary_days(
    personas: dict[str, Persona], school_a: School
) -> None:
    coordinator = personas["coordinator"]
    listening = module(school_a, "listening", "Active listening", refresh_months=None)
    boundaries = module(school_a, "boundaries", "Boundaries")
    module(school_a, "groups", "Running a group")
    mentor = make_active_mentor(coordinator, school_a, legal_forename="Maya", legal_surname="Ng")
    complete(coordinator, listening, student=mentor.student)
    complete(coordinator, boundaries, student=mentor.student)

    def on(day: datetime.date) -> dict[str, str]:
        return cells(training_compliance(school_a, day), "Maya Ng")

    assert on(D(2026, 10, 31)) == {  # 31 days before it runs out
        "Active listening": "complete",
        "Boundaries": "complete",
        "Running a group": "missing",
    }
    assert on(D(2026, 11, 1))["Boundaries"] == "expiring"  # 30 days before
    assert on(D(2026, 11, 30))["Boundaries"] == "expiring"  # the last day it counts
    assert on(RUNS_OUT) == {
        "Active listening": "complete",
        "Boundaries": "expired",
        "Running a group": "missing",
    }
    row = training_compliance(school_a, RUNS_OUT).mentors.rows[0]
    assert (row.cells[1].completed_on, row.cells[1].expires_on) == (DONE, RUNS_OUT)
    complete(coordinator, boundaries, on=D(2026, 11, 2), student=mentor.student)
    assert on(RUNS_OUT)["Boundaries"] == "complete"  # renewed


def test_facilitators_are_shown_against_the_facilitators_modules(
    personas: dict[str, Persona], school_a: School
) -> None:
    coordinator = personas["coordinator"]
    module(school_a, "listening", "Active listening")
    supervising = module(
        school_a, "supervising", "Supervising mentors", audience=TrainingModule.Audience.FACILITATOR
    )
    complete(coordinator, supervising, on=D(2025, 11, 20), user=personas["facilitator"].user)
    compliance = training_compliance(school_a, TODAY)
    assert [c.module.title for c in compliance.facilitators.columns] == ["Supervising mentors"]
    assert [c.module.title for c in compliance.mentors.columns] == ["Active listening"]
    # Only the facilitator role: the coordinator and DSL are not listed.
    assert names(compliance)[1] == ["Facilitator"]
    assert cells(compliance, "Facilitator") == {"Supervising mentors": "expiring"}


@pytest.fixture
def serving(personas: dict[str, Persona], school_a: School) -> dict[str, Any]:
    """A programme requiring "Boundaries"; one mentor paired in it, one
    co-facilitating its group, one serving nothing, one who stepped down; the
    facilitator persona runs the group, a second facilitator runs nothing."""
    coordinator = personas["coordinator"]
    boundaries = module(school_a, "boundaries", "Boundaries")
    extra = module(school_a, "extra", "Extra skills")
    programme = programme_create(
        actor=coordinator.user, school=school_a, name="Mentoring", kind="one_to_one", capacity=9
    )
    people = {}
    for name in ("Asha", "Ben", "Cal", "Dee"):
        people[name] = make_active_mentor(
            coordinator, school_a, legal_forename=name, legal_surname="Smith"
        )
        complete(coordinator, boundaries, student=people[name].student)
    programme_set_training(
        actor=coordinator.user, programme=programme, required_modules=[boundaries], at_expiry="warn"
    )
    mentorship_propose(
        actor=coordinator.user,
        programme=programme,
        mentor=people["Asha"],
        mentee=make_student(school_a),
    )
    group = group_create(
        actor=coordinator.user,
        programme=programme,
        name="Lunch group",
        facilitators=[personas["facilitator"].user],
    )
    group_add_co_facilitator(actor=coordinator.user, group=group, mentor=people["Ben"])
    mentor_set_status(actor=coordinator.user, mentor=people["Dee"], status="stepped_down")
    complete(coordinator, extra, on=D(2025, 1, 1), student=people["Cal"].student)
    other = user_create(email="sam@northgate.example", full_name="Sam Other", password=None)
    membership_grant(actor=None, school=school_a, user=other, role=Role.FACILITATOR)
    return {"programme": programme, "boundaries": boundaries}


def test_the_programme_filter_keeps_those_serving_it_and_marks_what_it_requires(
    school_a: School, serving: dict[str, Any]
) -> None:
    everyone = training_compliance(school_a, TODAY)
    assert names(everyone) == (
        ["Asha Smith", "Ben Smith", "Cal Smith"],
        ["Facilitator", "Sam Other"],
    )
    assert [c.required for c in everyone.mentors.columns] == [False, False]
    placed = training_compliance(school_a, TODAY, programme=serving["programme"])
    assert names(placed) == (["Asha Smith", "Ben Smith"], ["Facilitator"])
    assert [(c.module.title, c.required) for c in placed.mentors.columns] == [
        ("Boundaries", True),
        ("Extra skills", False),
    ]


def test_the_status_filter_keeps_rows_with_a_cell_in_that_status(
    school_a: School, serving: dict[str, Any]
) -> None:
    assert names(training_compliance(school_a, TODAY, status="expired"))[0] == ["Cal Smith"]
    assert names(training_compliance(school_a, TODAY, status="expiring"))[0] == [
        "Asha Smith",
        "Ben Smith",
        "Cal Smith",
    ]
    missing = training_compliance(school_a, TODAY, programme=serving["programme"], status="missing")
    assert names(missing) == (["Asha Smith", "Ben Smith"], [])
    assert names(training_compliance(school_a, TODAY, status="complete")) == ([], [])
    with pytest.raises(ValueError):
        training_compliance(school_a, TODAY, status="lost")


# ---------------------------------------------------------------- the page and the CSV


def test_the_page_is_a_table_with_row_headers_and_statuses_in_words(
    client: Client, personas: dict[str, Persona], school_a: School, serving: dict[str, Any]
) -> None:
    client.force_login(personas["coordinator"].user)
    programme = serving["programme"]
    response = client.get(
        reverse("programmes:training_compliance"),
        {"programme": str(programme.public_id), "status": "expiring"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert '<caption id="mentors-caption">Peer mentors\' training in Mentoring: 2 mentors' in body
    assert '<th scope="row"><a href="/programmes/mentors/' in body
    assert '<th scope="col">Boundaries <span class="badge">(required)</span></th>' in body
    assert 'class="badge badge-warn">Expiring</span> runs out 1 Dec 2026' in body
    assert "Cal Smith" not in body
    assert f"export.csv?programme={programme.public_id}&amp;status=expiring" in body


def test_a_bad_filter_is_explained_and_the_page_shows_everyone(
    client: Client, personas: dict[str, Persona], serving: dict[str, Any]
) -> None:
    client.force_login(personas["coordinator"].user)
    response = client.get(reverse("programmes:training_compliance"), {"status": "lost"})
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert len(response.context["compliance"].mentors.rows) == 3
    csv_answer = client.get(reverse("programmes:training_compliance_csv"), {"status": "lost"})
    assert csv_answer.status_code == 400


def read_csv(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_holds_the_filtered_rows_and_no_formulas(
    client: Client, personas: dict[str, Persona], school_a: School, serving: dict[str, Any]
) -> None:
    coordinator = personas["coordinator"]
    # Names as someone might key them into the MIS, each a formula to a spreadsheet.
    for forename, surname in [('=HYPERLINK("http://evil.example")', "X"), ("+1", "Y")]:
        student = make_student(school_a, legal_forename=forename, legal_surname=surname)
        applied = mentor_apply(actor=coordinator.user, student=student, why="To help")
        mentor_give_reference(actor=coordinator.user, mentor=applied, reference="Kind")
        mentor_set_status(actor=coordinator.user, mentor=applied, status="in_training")
    for forename in ("-1", "@SUM(A1)"):
        student = make_student(school_a, legal_forename=forename, legal_surname="Y")
        MentorProfile.objects.create(school=school_a, student=student, status="paused")
    client.force_login(coordinator.user)
    response = client.get(
        reverse("programmes:training_compliance_csv"),
        {"programme": str(serving["programme"].public_id)},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="training-compliance-2026-11-02.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == [
        "Who",
        "Name",
        "Status",
        "Module",
        "Required by the programme",
        "Training",
        "Completed on",
        "Runs out on",
    ]
    assert rows[1:] == [
        ["Peer mentor", "Asha Smith", "Active", "Boundaries", "Yes", "Expiring", "2025-12-01", "2026-12-01"],
        ["Peer mentor", "Asha Smith", "Active", "Extra skills", "No", "Missing", "", ""],
        ["Peer mentor", "Ben Smith", "Active", "Boundaries", "Yes", "Expiring", "2025-12-01", "2026-12-01"],
        ["Peer mentor", "Ben Smith", "Active", "Extra skills", "No", "Missing", "", ""],
    ]  # fmt: skip
    everyone = read_csv(client.get(reverse("programmes:training_compliance_csv")))
    shown = {row[1] for row in everyone[1:]}
    assert '\'=HYPERLINK("http://evil.example") X' in shown
    assert {"'+1 Y", "'-1 Y", "'@SUM(A1) Y"} <= shown
    assert not any(name.startswith(("=", "+", "-", "@")) for name in shown)
    exported = AuditEvent.objects.filter(action="mentor.list_exported")
    assert exported.count() == 2
    assert exported.first().detail == "training compliance"  # type: ignore[union-attr]


def bulk_school(
    school: School,
    recorder: User,
    programme: Programme,
    group: Group,
    modules: list[TrainingModule],
    staff_modules: list[TrainingModule],
    mentors: int,
    start: int,
) -> None:
    """``mentors`` more mentors as an import would leave them (bulk, for speed): a mix
    of statuses, each module complete, lasting for good, expiring, expired (some
    renewed after running out) or missing; a third paired in the programme, a tenth
    co-facilitating its group; and a facilitator for every ten mentors."""
    numbers = range(start, start + mentors)
    students = Student.objects.bulk_create(
        Student(
            school=school,
            upn=f"B{number:012d}",
            legal_forename=f"Mentor{number}",
            legal_surname=f"Surname{number % 37:02d}",
            date_of_birth=D(2011, 1, 1),
            year_group=10,
        )
        for number in numbers
    )
    mentees = Student.objects.bulk_create(
        Student(
            school=school,
            upn=f"C{number:012d}",
            legal_forename=f"Mentee{number}",
            legal_surname="Young",
            date_of_birth=D(2014, 1, 1),
            year_group=7,
        )
        for number in numbers
        if number % 3 == 0
    )
    statuses = ["active", "active", "in_training", "paused"]
    profiles = MentorProfile.objects.bulk_create(
        MentorProfile(school=school, student=student, status=statuses[number % 4])
        for number, student in zip(numbers, students, strict=True)
    )
    completions = []
    for number, student in zip(numbers, students, strict=True):
        for index, each in enumerate(modules):
            pattern = (number + index) % 5
            if pattern == 4:
                continue  # missing
            done = {0: D(2024, 9, 1), 1: D(2026, 3, 1), 2: D(2025, 11, 20), 3: D(2025, 9, 1)}
            ends = {0: None, 1: D(2027, 3, 1), 2: D(2026, 11, 20), 3: D(2026, 9, 1)}
            completions.append(
                Completion(
                    school=school,
                    module=each,
                    student=student,
                    completed_on=done[pattern],
                    expires_on=ends[pattern],
                    how="in_person",
                    recorded_by=recorder,
                )
            )
            if pattern == 1:  # an older completion that ran out before the renewal
                completions.append(
                    Completion(
                        school=school,
                        module=each,
                        student=student,
                        completed_on=D(2025, 3, 1),
                        expires_on=D(2026, 3, 1),
                        how="in_person",
                        recorded_by=recorder,
                    )
                )
    Completion.objects.bulk_create(completions)
    paired = [profile for number, profile in zip(numbers, profiles, strict=True) if number % 3 == 0]
    Mentorship.objects.bulk_create(
        Mentorship(
            school=school, programme=programme, mentor=profile, mentee=mentee, status="active"
        )
        for profile, mentee in zip(paired, mentees, strict=True)
    )
    Group.co_facilitators.through.objects.bulk_create(
        Group.co_facilitators.through(group=group, mentorprofile=profile)
        for number, profile in zip(numbers, profiles, strict=True)
        if number % 10 == 1
    )
    staff = User.objects.bulk_create(
        User(email=f"staff{number}@northgate.example", full_name=f"Staff {number}")
        for number in numbers
        if number % 10 == 0
    )
    Membership.objects.bulk_create(
        Membership(school=school, user=person, role=Role.FACILITATOR) for person in staff
    )
    Group.facilitators.through.objects.bulk_create(
        Group.facilitators.through(group=group, user=person) for person in staff[::2]
    )
    Completion.objects.bulk_create(
        Completion(
            school=school,
            module=each,
            user=person,
            completed_on=D(2026, 1, 5),
            expires_on=D(2026, 11, 20) if index % 2 else None,
            how="recorded",
            recorded_by=recorder,
        )
        for index, person in enumerate(staff)
        for each in staff_modules
    )


def test_the_page_and_the_csv_run_a_fixed_number_of_queries(
    client: Client, personas: dict[str, Persona], school_a: School
) -> None:
    coordinator = personas["coordinator"]
    modules = [module(school_a, f"m{n:02d}", f"Module {n:02d}") for n in range(12)]
    staff_modules = [
        module(school_a, f"s{n}", f"Staff module {n}", audience="facilitator") for n in range(3)
    ]
    programme = programme_create(
        actor=coordinator.user, school=school_a, name="Mentoring", kind="one_to_one", capacity=999
    )
    programme.required_modules.set(modules[:4])
    group = group_create(actor=coordinator.user, programme=programme, name="Lunch group")
    client.force_login(coordinator.user)
    pages = [
        (reverse("programmes:training_compliance"), {}),
        (reverse("programmes:training_compliance"), {"programme": str(programme.public_id)}),
        (
            reverse("programmes:training_compliance"),
            {"programme": str(programme.public_id), "status": "expired"},
        ),
        (reverse("programmes:training_compliance_csv"), {"status": "expiring"}),
    ]

    def counts() -> tuple[list[int], list[int]]:
        found, sizes = [], []
        for url, query in pages:
            client.get(url, query)  # warm the session and content types
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, query)
            assert response.status_code == 200
            found.append(len(queries.captured_queries))
            sizes.append(len(response.content))
        return found, sizes

    bulk_school(school_a, coordinator.user, programme, group, modules, staff_modules, 60, 0)
    small, small_sizes = counts()
    page = client.get(pages[0][0]).context["compliance"]
    assert (len(page.mentors.rows), len(page.mentors.columns)) == (60, 12)
    bulk_school(school_a, coordinator.user, programme, group, modules, staff_modules, 540, 60)
    large, large_sizes = counts()
    page = client.get(pages[0][0]).context["compliance"]
    assert (len(page.mentors.rows), len(page.facilitators.rows)) == (600, 61)  # with the persona
    assert large == small
    # Pinned. Every request: the session, user, membership and MFA check, and the
    # session saved (three). The page: the programmes for the filter; modules,
    # mentors, facilitators and the completions of each (five). A chosen programme
    # adds itself and its required modules. The CSV has no filter to draw but
    # writes its audit event.
    assert small == [13, 15, 15, 13]
    assert all(big > 5 * little for big, little in zip(large_sizes, small_sizes, strict=True))


# ---------------------------------------------------------------- the daily expiry check


@pytest.fixture
def placed(personas: dict[str, Persona], school_a: School) -> dict[str, Any]:
    """An active mentor paired in a programme led by the coordinator and the
    facilitator, which requires "Boundaries" (runs out 1 December 2026)."""
    coordinator = personas["coordinator"]
    boundaries = module(school_a, "boundaries", "Boundaries and confidentiality")
    listening = module(school_a, "listening", "Active listening", refresh_months=None)
    programme = programme_create(
        actor=coordinator.user,
        school=school_a,
        name="Mentoring",
        kind="one_to_one",
        capacity=9,
        leads=[coordinator.user, personas["facilitator"].user],
    )
    mentor = make_active_mentor(coordinator, school_a, legal_forename="Maya", legal_surname="Ng")
    complete(coordinator, boundaries, student=mentor.student)
    complete(coordinator, listening, student=mentor.student)
    programme_set_training(
        actor=coordinator.user,
        programme=programme,
        required_modules=[boundaries, listening],
        at_expiry="warn",
    )
    pairing = mentorship_propose(
        actor=coordinator.user, programme=programme, mentor=mentor, mentee=make_student(school_a)
    )
    mentorship_start(actor=coordinator.user, mentorship=pairing)
    return {"programme": programme, "mentor": mentor, "pairing": pairing}


def training_tasks() -> list[tuple[str, str, datetime.date | None, str]]:
    return sorted(
        (task.assigned_to.full_name, task.title, task.due_on, task.status)
        for task in Task.objects.filter(kind=TaskKind.TRAINING_EXPIRING).select_related(
            "assigned_to"
        )
    )


def test_training_running_out_gives_each_coordinator_one_task_once(
    personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    assert training_expiry_run(school=school_a, today=D(2026, 10, 31)).tasks == 0
    first = training_expiry_run(school=school_a, today=D(2026, 11, 1))
    assert (first.tasks, first.paused) == (1, 0)
    renew = "Renew a mentor's training before it runs out"
    # The coordinator leads the programme too, and is told once; the facilitator
    # who leads it cannot open the compliance view, so is not given the task.
    assert training_tasks() == [("Coordinator", renew, RUNS_OUT, "open")]
    task = Task.objects.filter(kind=TaskKind.TRAINING_EXPIRING).first()
    assert task is not None and "Maya" not in task.title
    mentor, programme = placed["mentor"], placed["programme"]
    assert task.subject_public_id == mentor.public_id
    assert task.link == (
        f"/programmes/training-compliance/?programme={programme.public_id}"
        f"&status=expiring#mentor-{mentor.public_id}"
    )
    for day in (D(2026, 11, 1), D(2026, 11, 2), D(2026, 11, 20)):
        assert training_expiry_run(school=school_a, today=day).tasks == 0
    assert len(training_tasks()) == 1


def test_with_warn_only_the_mentor_stays_active_and_the_task_says_it_ran_out(
    personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    training_expiry_run(school=school_a, today=D(2026, 11, 1))
    ran_out = training_expiry_run(school=school_a, today=RUNS_OUT)
    assert (ran_out.tasks, ran_out.paused) == (1, 0)
    placed["mentor"].refresh_from_db()
    assert placed["mentor"].status == "active"
    title = "A mentor's training has run out"
    assert training_tasks() == [("Coordinator", title, RUNS_OUT, "open")]
    assert Task.objects.filter(link__contains="status=expired").count() == 1
    assert training_expiry_run(school=school_a, today=D(2026, 12, 2)).tasks == 0
    # A lead who marks it done is not given it again for the same news.
    mine = Task.objects.get(
        kind=TaskKind.TRAINING_EXPIRING, assigned_to=personas["coordinator"].user
    )
    task_done(actor=personas["coordinator"].user, task=mine)
    assert training_expiry_run(school=school_a, today=D(2026, 12, 3)).tasks == 0
    assert len(training_tasks()) == 1


def test_with_pause_the_mentor_is_paused_on_the_day_with_the_module_named(
    personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    programme = placed["programme"]
    programme_set_training(
        actor=personas["coordinator"].user,
        programme=programme,
        required_modules=programme.required_modules.all(),
        at_expiry="pause",
    )
    day_before = training_expiry_run(school=school_a, today=D(2026, 11, 30))
    assert (day_before.tasks, day_before.paused) == (1, 0)
    on_the_day = training_expiry_run(school=school_a, today=RUNS_OUT)
    assert (on_the_day.tasks, on_the_day.paused) == (1, 1)
    mentor, pairing = placed["mentor"], placed["pairing"]
    mentor.refresh_from_db()
    pairing.refresh_from_db()
    assert (mentor.status, pairing.status) == ("paused", "paused")
    event = AuditEvent.objects.filter(action="mentor.status_changed").latest("pk")
    assert (event.actor, event.object_public_id) == (None, mentor.public_id)
    assert event.detail == "paused: training ran out: Boundaries and confidentiality"
    assert {title for _, title, _, _ in training_tasks()} == {
        "A mentor was paused: their training ran out"
    }
    again = training_expiry_run(school=school_a, today=RUNS_OUT)
    assert (again.tasks, again.paused) == (0, 0)
    # Paused, the mentor is no longer checked, but their training has still run
    # out: the task stays open until it is renewed.
    training_expiry_run(school=school_a, today=D(2026, 12, 2))
    assert [status for _, _, _, status in training_tasks()] == ["open"]
    complete(
        personas["coordinator"],
        TrainingModule.objects.get(key="boundaries"),
        on=TODAY,  # renewed (the clock stands on TODAY)
        student=mentor.student,
    )
    training_expiry_run(school=school_a, today=D(2026, 12, 3))
    assert [status for _, _, _, status in training_tasks()] == ["done"]


def test_pause_applies_only_to_modules_required_by_a_programme_that_pauses(
    personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    coordinator = personas["coordinator"]
    other = programme_create(
        actor=coordinator.user, school=school_a, name="Groups", kind="group", capacity=9
    )
    listening = TrainingModule.objects.get(key="listening")
    programme_set_training(
        actor=coordinator.user, programme=other, required_modules=[listening], at_expiry="pause"
    )
    group = group_create(actor=coordinator.user, programme=other, name="Tuesday group")
    group_add_co_facilitator(actor=coordinator.user, group=group, mentor=placed["mentor"])
    result = training_expiry_run(school=school_a, today=RUNS_OUT)
    assert result.paused == 0  # Boundaries ran out, but only "Mentoring" requires it: warn
    placed["mentor"].refresh_from_db()
    assert placed["mentor"].status == "active"


def test_the_daily_job_runs_the_check_and_my_tasks_shows_it(
    client: Client, personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    out = io.StringIO()
    with time_machine.travel(noon(D(2026, 11, 5)), tick=False):
        call_command("run_daily", "--date", "2026-11-05", stdout=out)
        call_command("run_daily", "--date", "2026-11-05", stdout=out)
    # Each run prints a line per school, Northgate first.
    # One line per school per run (the registered daily steps add indented lines).
    lines = [line for line in out.getvalue().splitlines() if not line.startswith(" ")]
    assert lines[0].startswith("Northgate Academy: ") and "1 training tasks" in lines[0]
    assert lines[2].startswith("Northgate Academy: ") and "0 training tasks" in lines[2]
    client.force_login(personas["coordinator"].user)
    page = client.get(reverse("tasks:mine")).content.decode()
    assert "Renew a mentor&#x27;s training before it runs out" in page
    assert "due 1 Dec" in page
    assert f"#mentor-{placed['mentor'].public_id}" in page


def test_whoever_is_given_a_training_task_can_open_its_link(
    client: Client, personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    """The link goes to the compliance view, which only coordinators and DSLs may
    open: the task goes to the school's coordinators, not to the programme's
    leads, even a programme led only by a facilitator."""
    programme = placed["programme"]
    programme.leads.set([personas["facilitator"].user])
    training_expiry_run(school=school_a, today=D(2026, 11, 1))
    tasks = list(Task.objects.filter(kind=TaskKind.TRAINING_EXPIRING))
    assert [task.assigned_to for task in tasks] == [personas["coordinator"].user]
    for task in tasks:
        client.force_login(task.assigned_to)
        assert client.get(task.link).status_code == 200
    client.force_login(personas["facilitator"].user)
    assert client.get(tasks[0].link).status_code == 403


def test_a_school_without_a_coordinator_tells_its_dsls(
    personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    Membership.objects.filter(user=personas["coordinator"].user, school=school_a).update(
        is_active=False
    )
    training_expiry_run(school=school_a, today=D(2026, 11, 1))
    assert [t.assigned_to for t in Task.objects.filter(kind=TaskKind.TRAINING_EXPIRING)] == [
        personas["dsl"].user
    ]


def test_renewing_the_training_closes_the_task(
    personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    coordinator = personas["coordinator"]
    training_expiry_run(school=school_a, today=D(2026, 11, 1))
    boundaries = TrainingModule.objects.get(key="boundaries")
    complete(coordinator, boundaries, on=TODAY, student=placed["mentor"].student)
    assert training_expiry_run(school=school_a, today=D(2026, 11, 11)).tasks == 0
    task = Task.objects.get(kind=TaskKind.TRAINING_EXPIRING)
    assert task.status == Task.Status.DONE
    assert AuditEvent.objects.filter(action="task.done", object_public_id=task.public_id).exists()
    assert training_expiry_run(school=school_a, today=D(2026, 11, 12)).tasks == 0
    assert [status for _, _, _, status in training_tasks()] == ["done"]


def test_a_mentor_who_no_longer_serves_has_the_task_closed(
    personas: dict[str, Persona], school_a: School, placed: dict[str, Any]
) -> None:
    coordinator = personas["coordinator"]
    training_expiry_run(school=school_a, today=D(2026, 11, 1))
    mentor_set_status(actor=coordinator.user, mentor=placed["mentor"], status="stepped_down")
    training_expiry_run(school=school_a, today=D(2026, 11, 2))
    assert [status for _, _, _, status in training_tasks()] == ["done"]


def test_the_daily_job_may_only_pause(placed: dict[str, Any]) -> None:
    mentor = placed["mentor"]
    mentor_set_status(actor=None, mentor=mentor, status="paused")
    with pytest.raises(PermissionDenied):
        mentor_set_status(actor=None, mentor=mentor, status="active")


# ---------------------------------------------------------------- programme settings


def test_the_coordinator_sets_the_training_a_programme_requires_and_what_happens_at_expiry(
    client: Client, personas: dict[str, Persona], school_a: School
) -> None:
    coordinator = personas["coordinator"]
    boundaries = module(school_a, "boundaries", "Boundaries")
    staff_only = module(school_a, "staff", "Supervising", audience="facilitator")
    programme = programme_create(
        actor=coordinator.user, school=school_a, name="Mentoring", kind="one_to_one", capacity=9
    )
    client.force_login(coordinator.user)
    url = reverse("programmes:training", kwargs={"public_id": programme.public_id})
    form_page = client.get(url).content.decode()
    assert "Boundaries" in form_page and "Supervising" not in form_page
    refused = client.post(url, {"required_modules": [staff_only.pk], "at_expiry": "pause"})
    assert refused.status_code == 200 and "required_modules" in refused.context["form"].errors
    saved = client.post(url, {"required_modules": [boundaries.pk], "at_expiry": "pause"})
    assert saved.status_code == 302
    programme.refresh_from_db()
    assert (list(programme.required_modules.all()), programme.at_expiry) == ([boundaries], "pause")
    assert AuditEvent.objects.filter(
        action="programme.training_changed", object_public_id=programme.public_id
    ).exists()
    detail = client.get(reverse("programmes:detail", kwargs={"public_id": programme.public_id}))
    assert "Every mentor must hold: Boundaries." in detail.content.decode()
    assert "pause the mentor" in detail.content.decode()
