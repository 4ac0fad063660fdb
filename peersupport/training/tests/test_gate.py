"""The training gate on mentors, expiry, and the knowledge check."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import Persona, make_student
from peersupport.programmes.models import MentorProfile, Programme
from peersupport.programmes.selectors import training_compliance
from peersupport.programmes.services import (
    group_add_co_facilitator,
    group_create,
    mentor_apply,
    mentor_give_reference,
    mentor_set_status,
    mentorship_propose,
    programme_create,
)
from peersupport.schools.models import School
from peersupport.training.models import Completion, TrainingModule
from peersupport.training.services import add_months, completion_record, knowledge_check_submit

D = datetime.date
QUESTIONS = [
    {"question": "What helps someone feel heard?", "options": [
        {"text": "Looking at your phone", "correct": False, "feedback": "That can feel like you are not listening."},
        {"text": "Looking at them and nodding", "correct": True, "feedback": "Yes: it shows you are with them."},
    ]},
    {"question": "A friend tells you someone is hurting them. What do you do?", "options": [
        {"text": "Keep it secret", "correct": False, "feedback": "Some things must always go to staff."},
        {"text": "Tell a member of staff straight away", "correct": True, "feedback": "Right: staff can keep them safe."},
    ]},
]  # fmt: skip


def module(
    school: School, key: str, title: str, refresh_months: int | None = None
) -> TrainingModule:
    # Modules arrive as shipped data in a later step; the test builds two directly.
    return TrainingModule.objects.create(
        school=school, key=key, title=title, refresh_months=refresh_months, questions=QUESTIONS
    )


@pytest.fixture
def trained_setting(
    personas: dict[str, Persona], school_a: School
) -> tuple[Programme, MentorProfile, list[TrainingModule]]:
    coordinator = personas["coordinator"].user
    modules = [
        module(school_a, "listening", "Active listening"),
        module(school_a, "boundaries", "Boundaries and confidentiality", refresh_months=12),
    ]
    programme = programme_create(
        actor=coordinator, school=school_a, name="Mentoring", kind="one_to_one", capacity=10
    )
    programme.required_modules.set(modules)
    student = make_student(school_a, legal_forename="Maya", legal_surname="Wright", year_group=10)
    mentor = mentor_apply(actor=coordinator, student=student, why="To help", capacity=3)
    mentor_give_reference(actor=coordinator, mentor=mentor, reference="Kind")
    mentor_set_status(actor=coordinator, mentor=mentor, status=MentorProfile.Status.IN_TRAINING)
    return programme, mentor, modules


def test_activation_is_refused_naming_the_missing_modules_then_allowed(
    personas: dict[str, Persona], trained_setting
) -> None:  # type: ignore[no-untyped-def]
    _programme, mentor, modules = trained_setting
    coordinator = personas["coordinator"].user
    with pytest.raises(ValidationError) as refused:
        mentor_set_status(actor=coordinator, mentor=mentor, status="active")
    assert refused.value.messages == [
        "Maya Wright cannot become active until they complete: Active listening; Boundaries and confidentiality."
    ]
    completion_record(
        actor=coordinator,
        module=modules[0],
        student=mentor.student,
        completed_on=D(2026, 11, 1),
        how="in_person",
    )
    with pytest.raises(ValidationError, match="complete: Boundaries and confidentiality"):
        mentor_set_status(actor=coordinator, mentor=mentor, status="active")
    completion_record(
        actor=coordinator,
        module=modules[1],
        student=mentor.student,
        completed_on=D(2026, 11, 1),
        how="in_person",
    )
    assert mentor_set_status(actor=coordinator, mentor=mentor, status="active").status == "active"


def test_placement_is_refused_when_training_is_missing(
    personas: dict[str, Persona], trained_setting, school_a: School
) -> None:  # type: ignore[no-untyped-def]
    _programme, mentor, modules = trained_setting
    coordinator = personas["coordinator"].user
    for each in modules:
        completion_record(
            actor=coordinator,
            module=each,
            student=mentor.student,
            completed_on=D(2026, 11, 1),
            how="in_person",
        )
    mentor_set_status(actor=coordinator, mentor=mentor, status="active")
    stricter = programme_create(
        actor=coordinator, school=school_a, name="Groups", kind="group", capacity=10
    )
    extra = module(school_a, "groups", "Running a group well")
    stricter.required_modules.set([extra])
    with pytest.raises(
        ValidationError,
        match="cannot be paired in this programme until they complete: Running a group well",
    ):
        mentorship_propose(
            actor=coordinator, programme=stricter, mentor=mentor, mentee=make_student(school_a)
        )
    group = group_create(actor=coordinator, programme=stricter, name="Tuesday group")
    with pytest.raises(
        ValidationError,
        match="cannot co-facilitate Tuesday group until they complete: Running a group well",
    ):
        group_add_co_facilitator(actor=coordinator, group=group, mentor=mentor)
    completion_record(
        actor=coordinator,
        module=extra,
        student=mentor.student,
        completed_on=D(2026, 11, 2),
        how="in_person",
    )
    assert mentorship_propose(
        actor=coordinator, programme=stricter, mentor=mentor, mentee=make_student(school_a)
    )
    group_add_co_facilitator(actor=coordinator, group=group, mentor=mentor)


def test_expiry_makes_a_valid_mentor_invalid_on_the_day(
    personas: dict[str, Persona], trained_setting, school_a: School
) -> None:  # type: ignore[no-untyped-def]
    programme, mentor, modules = trained_setting
    coordinator = personas["coordinator"].user
    for each in modules:
        completion_record(
            actor=coordinator,
            module=each,
            student=mentor.student,
            completed_on=D(2025, 12, 1),
            how="in_person",
        )
    assert Completion.objects.get(module=modules[1]).expires_on == D(2026, 12, 1)
    mentor_set_status(actor=coordinator, mentor=mentor, status="active")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)):
        assert mentorship_propose(
            actor=coordinator, programme=programme, mentor=mentor, mentee=make_student(school_a)
        )
    with (
        time_machine.travel(datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)),
        pytest.raises(
            ValidationError,
            match=r"Boundaries and confidentiality \(ran out on 1 December 2026\)",
        ),
    ):
        mentorship_propose(
            actor=coordinator, programme=programme, mentor=mentor, mentee=make_student(school_a)
        )


def test_expiry_refuses_resuming_and_co_facilitating_on_the_day_and_renewal_allows_them(
    personas: dict[str, Persona], trained_setting, school_a: School
) -> None:  # type: ignore[no-untyped-def]
    """Activation and group placement, like pairing, hold the day before the
    training runs out and are refused on the day, naming the module; renewing it
    on the day lets both through. The compliance view agrees with the gate."""
    programme, mentor, modules = trained_setting
    coordinator = personas["coordinator"].user
    for each in modules:
        completion_record(
            actor=coordinator,
            module=each,
            student=mentor.student,
            completed_on=D(2025, 12, 1),
            how="in_person",
        )
    mentor_set_status(actor=coordinator, mentor=mentor, status="active")
    thursday = group_create(actor=coordinator, programme=programme, name="Thursday group")
    friday = group_create(actor=coordinator, programme=programme, name="Friday group")

    def standing_on(day: datetime.date) -> str:
        """Where the mentor stands with "Boundaries" in the compliance view."""
        table = training_compliance(school_a, day).mentors
        column = [c.module for c in table.columns].index(modules[1])
        return table.rows[0].cells[column].status

    assert standing_on(D(2026, 11, 30)) == "expiring"
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)):
        group_add_co_facilitator(actor=coordinator, group=thursday, mentor=mentor)
        mentor_set_status(actor=coordinator, mentor=mentor, status="paused")
        mentor_set_status(actor=coordinator, mentor=mentor, status="active")
    assert standing_on(D(2026, 12, 1)) == "expired"
    ran_out = r"until they complete: Boundaries and confidentiality \(ran out on 1 December 2026\)"
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)):
        with pytest.raises(ValidationError, match=f"cannot co-facilitate Friday group {ran_out}"):
            group_add_co_facilitator(actor=coordinator, group=friday, mentor=mentor)
        mentor_set_status(actor=coordinator, mentor=mentor, status="paused")
        with pytest.raises(ValidationError, match=f"cannot become active {ran_out}"):
            mentor_set_status(actor=coordinator, mentor=mentor, status="active")
        mentor.refresh_from_db()
        assert mentor.status == "paused"
        completion_record(
            actor=coordinator,
            module=modules[1],
            student=mentor.student,
            completed_on=D(2026, 12, 1),
            how="in_person",
        )
        mentor_set_status(actor=coordinator, mentor=mentor, status="active")
        group_add_co_facilitator(actor=coordinator, group=friday, mentor=mentor)
    assert standing_on(D(2026, 12, 1)) == "complete"


def test_refresh_periods_land_on_a_real_day() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 11, 15), 12) == D(2027, 11, 15)


def test_the_knowledge_check_scores_passes_and_fails(
    personas: dict[str, Persona], trained_setting
) -> None:  # type: ignore[no-untyped-def]
    _programme, mentor, modules = trained_setting
    mentor.student.user = personas["mentor"].user
    mentor.student.save()
    actor = personas["mentor"].user
    failed = knowledge_check_submit(
        actor=actor, module=modules[0], student=mentor.student, answers=[1, 0]
    )
    assert (failed.score, failed.passed, failed.completion) == (50, False, None)
    assert failed.feedback[1] == "Some things must always go to staff."
    passed = knowledge_check_submit(
        actor=actor, module=modules[0], student=mentor.student, answers=[1, 1]
    )
    assert (passed.score, passed.passed) == (100, True)
    assert passed.completion is not None and passed.completion.how == "self_paced"
    with pytest.raises(ValidationError, match="Answer every question"):
        knowledge_check_submit(actor=actor, module=modules[0], student=mentor.student, answers=[1])
    with pytest.raises(PermissionDenied):
        knowledge_check_submit(
            actor=personas["student"].user,
            module=modules[0],
            student=mentor.student,
            answers=[1, 1],
        )
