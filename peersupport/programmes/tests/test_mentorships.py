"""Mentorship transitions, closing, the first-session fit check, and keeping
students apart."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import Persona, make_student
from peersupport.programmes.models import FitCheck, MentorProfile, Mentorship, Programme
from peersupport.programmes.services import (
    fit_check_answer,
    group_add_co_facilitator,
    group_add_member,
    group_create,
    keep_apart_record,
    mentorship_close,
    mentorship_pause,
    mentorship_propose,
    mentorship_start,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.schools.models import School
from peersupport.tasks.models import Task, TaskKind

S = Mentorship.Status


@pytest.fixture
def pairing(
    personas: dict[str, Persona], programme: Programme, mentor: MentorProfile, school_a: School
) -> Mentorship:
    mentee = make_student(school_a, legal_forename="Tom", year_group=7)
    return mentorship_propose(
        actor=personas["coordinator"].user, programme=programme, mentor=mentor, mentee=mentee
    )


def move(actor, mentorship: Mentorship, to: str) -> Mentorship:  # type: ignore[no-untyped-def]
    if to == S.ACTIVE:
        return mentorship_start(actor=actor, mentorship=mentorship)
    if to == S.PAUSED:
        return mentorship_pause(actor=actor, mentorship=mentorship)
    return mentorship_close(actor=actor, mentorship=mentorship, reason="goals_met", planned=True)


ALLOWED = [
    ([], S.ACTIVE),
    ([], S.CLOSED),
    ([S.ACTIVE], S.PAUSED),
    ([S.ACTIVE], S.CLOSED),
    ([S.ACTIVE, S.PAUSED], S.ACTIVE),
    ([S.ACTIVE, S.PAUSED], S.CLOSED),
]
REFUSED = [
    ([], S.PAUSED, "A proposed mentorship cannot pause."),
    ([S.ACTIVE], S.ACTIVE, "An active mentorship cannot start."),
    ([S.ACTIVE, S.PAUSED], S.PAUSED, "A paused mentorship cannot pause."),
    ([S.CLOSED], S.ACTIVE, "A closed mentorship cannot start."),
    ([S.CLOSED], S.PAUSED, "A closed mentorship cannot pause."),
    ([S.CLOSED], S.CLOSED, "A closed mentorship cannot close."),
]


@pytest.mark.parametrize("path,to", ALLOWED)
def test_each_allowed_transition(
    personas: dict[str, Persona], pairing: Mentorship, path: list[str], to: str
) -> None:
    actor = personas["coordinator"].user
    for step in path:
        move(actor, pairing, step)
    move(actor, pairing, to)
    pairing.refresh_from_db()
    assert pairing.status == to


@pytest.mark.parametrize("path,to,message", REFUSED)
def test_each_refused_transition_says_why_and_changes_nothing(
    personas: dict[str, Persona], pairing: Mentorship, path: list[str], to: str, message: str
) -> None:
    actor = personas["coordinator"].user
    for step in path:
        move(actor, pairing, step)
    before = Mentorship.objects.get(pk=pairing.pk).status
    with pytest.raises(ValidationError) as refused:
        move(actor, Mentorship.objects.get(pk=pairing.pk), to)
    assert refused.value.messages == [message]
    assert Mentorship.objects.get(pk=pairing.pk).status == before


def test_a_facilitator_cannot_change_a_mentorship(
    personas: dict[str, Persona], pairing: Mentorship
) -> None:
    with pytest.raises(PermissionDenied):
        mentorship_start(actor=personas["facilitator"].user, mentorship=pairing)


def test_closing_early_asks_for_a_closing_conversation_and_offers_a_new_match(
    personas: dict[str, Persona], pairing: Mentorship
) -> None:
    coordinator = personas["coordinator"].user
    mentorship_start(actor=coordinator, mentorship=pairing)
    with pytest.raises(ValidationError):
        mentorship_close(actor=coordinator, mentorship=pairing, reason="", planned=False)
    mentorship_close(actor=coordinator, mentorship=pairing, reason="not_a_good_fit", planned=False)
    pairing.refresh_from_db()
    assert (pairing.close_reason, pairing.close_planned) == ("not_a_good_fit", False)
    kinds = set(
        Task.objects.filter(subject_public_id=pairing.public_id).values_list("kind", flat=True)
    )
    assert kinds == {TaskKind.CLOSING, TaskKind.REMATCH}


def test_closing_because_goals_were_met_needs_no_rematch(
    personas: dict[str, Persona], pairing: Mentorship
) -> None:
    coordinator = personas["coordinator"].user
    mentorship_start(actor=coordinator, mentorship=pairing)
    mentorship_close(actor=coordinator, mentorship=pairing, reason="goals_met", planned=True)
    kinds = set(
        Task.objects.filter(subject_public_id=pairing.public_id).values_list("kind", flat=True)
    )
    assert kinds == {TaskKind.CLOSING}


def test_a_no_at_the_first_session_fit_check_opens_a_rematch_task(
    personas: dict[str, Persona],
    pairing: Mentorship,
    django_user_model,  # type: ignore[no-untyped-def]
) -> None:
    mentee_user = django_user_model.objects.create_user(
        "tom@northgate.example", "pw-long-enough-1", full_name="Tom"
    )
    pairing.mentee.user = mentee_user
    pairing.mentee.save()
    fit_check_answer(
        actor=mentee_user, mentorship=pairing, side=FitCheck.Side.MENTEE, answer="not_sure"
    )
    assert not Task.objects.filter(kind=TaskKind.REMATCH).exists()
    fit_check_answer(
        actor=personas["coordinator"].user,
        mentorship=pairing,
        side=FitCheck.Side.MENTOR,
        answer="no",
    )
    task = Task.objects.get(kind=TaskKind.REMATCH)
    assert task.assigned_to == personas["coordinator"].user  # responsible: the coordinator
    assert "good fit" in task.title
    with pytest.raises(ValidationError, match="already been answered"):
        fit_check_answer(
            actor=mentee_user, mentorship=pairing, side=FitCheck.Side.MENTEE, answer="no"
        )


def test_someone_else_cannot_answer_for_the_mentee(
    personas: dict[str, Persona], pairing: Mentorship
) -> None:
    with pytest.raises(PermissionDenied):
        fit_check_answer(
            actor=personas["mentor"].user,
            mentorship=pairing,
            side=FitCheck.Side.MENTEE,
            answer="no",
        )


def test_a_mentor_at_capacity_or_not_active_is_refused(
    personas: dict[str, Persona], programme: Programme, mentor: MentorProfile, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    for _ in range(mentor.capacity):
        mentorship_propose(
            actor=coordinator, programme=programme, mentor=mentor, mentee=make_student(school_a)
        )
    with pytest.raises(ValidationError, match="their limit"):
        mentorship_propose(
            actor=coordinator, programme=programme, mentor=mentor, mentee=make_student(school_a)
        )


# ---------------------------------------------------------------- keeping apart


def test_keep_apart_refuses_a_mentorship(
    personas: dict[str, Persona], programme: Programme, mentor: MentorProfile, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    mentee = make_student(school_a)
    keep_apart_record(
        actor=personas["dsl"].user,
        first=mentee,
        second=mentor.student,
        reason="An incident last term",
    )
    with pytest.raises(ValidationError, match="must be kept apart"):
        mentorship_propose(actor=coordinator, programme=programme, mentor=mentor, mentee=mentee)
    assert not Mentorship.objects.exists()


def test_keep_apart_refuses_a_group_place(
    personas: dict[str, Persona], programme: Programme, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    group = group_create(actor=coordinator, programme=programme, name="Lunch group")
    first, second, third = (make_student(school_a) for _ in range(3))
    group_add_member(actor=coordinator, group=group, student=first)
    keep_apart_record(actor=coordinator, first=second, second=first, reason="Fell out badly")
    with pytest.raises(ValidationError, match="must be kept apart"):
        group_add_member(actor=coordinator, group=group, student=second)
    group_add_member(actor=coordinator, group=group, student=third)
    assert group.members.count() == 2


def test_keep_apart_refuses_a_co_facilitating_mentor(
    personas: dict[str, Persona], programme: Programme, school_a: School
) -> None:
    coordinator = personas["coordinator"]
    group = group_create(actor=coordinator.user, programme=programme, name="Lunch group")
    member = make_student(school_a)
    group_add_member(actor=coordinator.user, group=group, student=member)
    mentor = make_active_mentor(coordinator, school_a)
    keep_apart_record(actor=coordinator.user, first=member, second=mentor.student, reason="x")
    with pytest.raises(ValidationError, match="must be kept apart"):
        group_add_co_facilitator(actor=coordinator.user, group=group, mentor=mentor)


def test_only_coordinators_and_dsls_record_keep_apart(
    personas: dict[str, Persona], school_a: School
) -> None:
    first, second = make_student(school_a), make_student(school_a)
    with pytest.raises(PermissionDenied):
        keep_apart_record(
            actor=personas["facilitator"].user, first=first, second=second, reason="x"
        )
    with pytest.raises(ValidationError, match="two different"):
        keep_apart_record(actor=personas["coordinator"].user, first=first, second=first, reason="x")


def test_the_keep_apart_reason_is_encrypted_at_rest(
    personas: dict[str, Persona], school_a: School
) -> None:
    from django.db import connection

    keep_apart_record(
        actor=personas["coordinator"].user,
        first=make_student(school_a),
        second=make_student(school_a),
        reason="A secret reason",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM programmes_keepapart")
        assert "secret" not in cursor.fetchone()[0]
