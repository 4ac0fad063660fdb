"""Wellbeing's step in the daily job (registered with meetings/daily_steps.py from
WellbeingConfig.ready()): make due the measures the programmes' schedules say, and
put each one due on the "My tasks" of the member of staff responsible for the
student's enrolment, so they can help the student complete it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse

from peersupport.accounts.models import User
from peersupport.programmes.models import Enrolment
from peersupport.schools.models import School
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_open, tasks_close_for
from peersupport.wellbeing.models import Questionnaire
from peersupport.wellbeing.services import measures_schedule

# Says what to do and nothing of the student or the measure: the task list is seen
# over shoulders, and the linked page says who.
MEASURE_TASK_TITLE = "Help a student complete a wellbeing measure"
OUTSTANDING = (Questionnaire.Status.DUE, Questionnaire.Status.STARTED)


@transaction.atomic
def measure_tasks_refresh(*, school: School, today: datetime.date) -> tuple[int, int]:
    """Open a task, once per questionnaire, for the member of staff responsible for
    the student's enrolment in the questionnaire's programme (none when nobody is
    responsible); close the tasks of questionnaires that were missed (overtaken by
    the next). A task done by hand is not opened again. Returns (opened, closed)."""
    outstanding = list(
        Questionnaire.objects.filter(
            school=school,
            status__in=OUTSTANDING,
            programme__isnull=False,
            due_on__lte=today,
        ).select_related("student")
    )
    asked = set(
        Task.objects.filter(
            school=school,
            kind=TaskKind.MEASURE_DUE,
            subject_public_id__in=[q.public_id for q in outstanding],
        ).values_list("subject_public_id", flat=True)
    )
    # The latest enrolment of each student in each programme (an exit measure is
    # for an enrolment that has ended).
    responsible: dict[tuple[int, int | None], User | None] = {
        (enrolment.student_id, enrolment.programme_id): enrolment.responsible
        for enrolment in Enrolment.objects.filter(
            school=school,
            responsible__isnull=False,
            student_id__in=list({q.student_id for q in outstanding}),
        )
        .select_related("responsible")
        .order_by("started_on", "pk")
    }
    opened = 0
    for questionnaire in outstanding:
        person = responsible.get((questionnaire.student_id, questionnaire.programme_id))
        if person is None or questionnaire.public_id in asked:
            continue
        _, created = task_open(
            school=school,
            kind=TaskKind.MEASURE_DUE,
            title=MEASURE_TASK_TITLE,
            subject_type="questionnaire",
            subject_public_id=questionnaire.public_id,
            assigned_to=person,
            link=reverse(
                "wellbeing:staff_student_measures", args=[questionnaire.student.public_id]
            ),
            due_on=questionnaire.due_on,
        )
        opened += created
    still_open = Task.objects.filter(
        school=school, kind=TaskKind.MEASURE_DUE, status=Task.Status.OPEN
    ).values_list("subject_public_id", flat=True)
    missed = Questionnaire.objects.filter(
        school=school,
        public_id__in=list(still_open),
        status=Questionnaire.Status.MISSED,
    ).values_list("public_id", flat=True)
    closed = tasks_close_for(
        actor=None,
        school=school,
        kind=TaskKind.MEASURE_DUE,
        subject_public_ids=list(missed),
        why="the measure was missed: the next one is due instead",
    )
    return opened, closed


def measures_daily(school: School, today: datetime.date) -> str:
    """The daily step: the schedule, then the tasks. Safe to run twice."""
    made = measures_schedule(school=school, today=today)
    opened, closed = measure_tasks_refresh(school=school, today=today)
    return (
        f"{made} wellbeing measures made due, {opened} measure tasks opened, "
        f"{closed} closed (measure missed)"
    )
