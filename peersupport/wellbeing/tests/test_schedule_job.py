"""The daily job makes measures due (wellbeing's step, registered with run_daily in
meetings) and puts each on the "My tasks" of the member of staff responsible for the
student; the task closes when the measure is completed or its scores are entered."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command

from conftest import Persona, make_student
from peersupport.meetings import daily_steps
from peersupport.programmes.models import Enrolment, Programme
from peersupport.programmes.services import programme_create, referral_accept, referral_create
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_done
from peersupport.wellbeing.daily import MEASURE_TASK_TITLE, measures_daily
from peersupport.wellbeing.instruments import load_instruments
from peersupport.wellbeing.models import MeasureSettings, Occasion, Questionnaire
from peersupport.wellbeing.services import (
    questionnaire_answer,
    questionnaire_complete,
    scores_enter,
)

START = datetime.date(2026, 9, 7)  # a Monday


@dataclass
class Setting:
    programme: Programme
    student: Student
    enrolment: Enrolment
    responsible: Persona


@pytest.fixture
def setting(personas: dict[str, Persona], school_a: School) -> Setting:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator, school=school_a, name="Peer mentoring", kind="one_to_one", capacity=20
    )
    student = make_student(school_a, legal_forename="Zebedee", legal_surname="Quartermaine")
    student.user = personas["student"].user
    student.save()
    referral = referral_create(
        actor=coordinator,
        programme=programme,
        student=student,
        source="staff",
        need_areas=["anxiety"],
    )
    enrolment = referral_accept(
        actor=coordinator,
        referral=referral,
        started_on=START,
        responsible=personas["facilitator"].user,
    )
    return Setting(programme, student, enrolment, personas["facilitator"])


def run_daily(day: datetime.date) -> str:
    out = io.StringIO()
    call_command("run_daily", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def measure_tasks(**filters: object) -> list[Task]:
    return list(Task.objects.filter(kind=TaskKind.MEASURE_DUE, **filters))


def test_wellbeing_registers_its_step_with_the_daily_job() -> None:
    assert measures_daily in daily_steps.daily_steps()


def test_the_daily_job_makes_the_baseline_due_and_opens_a_task_for_the_responsible_person(
    setting: Setting,
) -> None:
    output = run_daily(START)
    baseline = Questionnaire.objects.get(student=setting.student, occasion=Occasion.BASELINE)
    assert baseline.status == Questionnaire.Status.DUE
    [task] = measure_tasks()
    assert (task.assigned_to, task.status, task.subject_public_id, task.due_on) == (
        setting.responsible.user,
        Task.Status.OPEN,
        baseline.public_id,
        START,
    )
    assert "1 wellbeing measures made due, 1 measure tasks opened" in output
    # Safe to run twice: one questionnaire, one task.
    run_daily(START)
    assert Questionnaire.objects.filter(student=setting.student).count() == 1
    assert len(measure_tasks()) == 1


def test_the_task_title_holds_nothing_about_the_student_or_the_measure(
    setting: Setting,
) -> None:
    run_daily(START)
    [task] = measure_tasks()
    assert task.title == MEASURE_TASK_TITLE
    for detail in ("Zebedee", "Quartermaine", "scwbs", "Stirling", "Peer mentoring"):
        assert detail.lower() not in task.title.lower()
    assert str(setting.student.public_id) in task.link


def test_no_task_when_nobody_is_responsible_for_the_enrolment(setting: Setting) -> None:
    Enrolment.objects.filter(pk=setting.enrolment.pk).update(responsible=None)
    run_daily(START)
    assert Questionnaire.objects.filter(student=setting.student).exists()
    assert measure_tasks() == []


def test_completing_the_questionnaire_closes_the_task(
    personas: dict[str, Persona], setting: Setting
) -> None:
    run_daily(START)
    questionnaire = Questionnaire.objects.get(student=setting.student)
    actor = personas["student"].user
    scale = load_instruments()["scwbs"].scale("wellbeing")
    assert scale.items is not None
    for item in scale.items:
        questionnaire = questionnaire_answer(
            actor=actor, questionnaire=questionnaire, item=item, value=3
        )
    assert measure_tasks(status=Task.Status.OPEN) != []
    questionnaire_complete(actor=actor, questionnaire=questionnaire)
    [task] = measure_tasks()
    assert task.status == Task.Status.DONE
    # The next day's run does not open it again.
    run_daily(START + datetime.timedelta(days=1))
    assert measure_tasks(status=Task.Status.OPEN) == []


def test_entering_the_scores_of_a_paper_measure_closes_the_task(
    personas: dict[str, Persona], setting: Setting
) -> None:
    MeasureSettings.objects.create(
        school=setting.programme.school, programme=setting.programme, instrument="swemwbs"
    )
    run_daily(START)
    questionnaire = Questionnaire.objects.get(student=setting.student)
    assert questionnaire.instrument == "swemwbs"
    scores_enter(
        actor=personas["coordinator"].user, questionnaire=questionnaire, totals={"total": 21}
    )
    [task] = measure_tasks()
    assert task.status == Task.Status.DONE


def test_a_task_marked_done_by_hand_is_not_opened_again(setting: Setting) -> None:
    run_daily(START)
    [task] = measure_tasks()
    task_done(actor=setting.responsible.user, task=task)
    run_daily(START + datetime.timedelta(days=1))
    assert measure_tasks(status=Task.Status.OPEN) == []


def test_a_missed_review_closes_its_task_and_the_next_review_gets_one(
    setting: Setting,
) -> None:
    six_weeks = START + datetime.timedelta(weeks=6)
    twelve_weeks = START + datetime.timedelta(weeks=12)
    run_daily(six_weeks)
    first_review = Questionnaire.objects.get(student=setting.student, occasion=Occasion.REVIEW)
    run_daily(twelve_weeks)
    first_review.refresh_from_db()
    assert first_review.status == Questionnaire.Status.MISSED
    by_subject = {task.subject_public_id: task.status for task in measure_tasks()}
    second_review = Questionnaire.objects.get(
        student=setting.student, occasion=Occasion.REVIEW, due_on=twelve_weeks
    )
    assert by_subject[first_review.public_id] == Task.Status.DONE
    assert by_subject[second_review.public_id] == Task.Status.OPEN


def test_a_failing_step_is_reported_and_the_others_still_run(
    setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(school: School, today: datetime.date) -> str:
        raise RuntimeError("broken")

    monkeypatch.setattr(daily_steps, "_steps", [broken, measures_daily])
    with pytest.raises(CommandError, match="broken"):
        run_daily(START)
    assert Questionnaire.objects.filter(student=setting.student).exists()
    assert len(measure_tasks()) == 1


@pytest.mark.parametrize("programme_too", [True, False])
def test_the_database_refuses_the_same_questionnaire_twice_when_links_are_empty(
    setting: Setting, programme_too: bool
) -> None:
    """No mentorship (and, for a paper measure, perhaps no programme): NULLs do not
    clash in a plain unique index, so the constraint compares them as 0. Two runs
    of the daily job at once cannot make the same measure due twice."""
    from django.db import IntegrityError, transaction

    fields = {
        "school": setting.student.school,
        "student": setting.student,
        "instrument": "scwbs",
        "occasion": Occasion.REVIEW,
        "programme": setting.programme if programme_too else None,
        "mentorship": None,
        "due_on": START,
    }
    Questionnaire.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Questionnaire.objects.create(**fields)
    # A different date is a different questionnaire.
    Questionnaire.objects.create(**{**fields, "due_on": START + datetime.timedelta(days=42)})
