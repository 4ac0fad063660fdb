"""The wellbeing services on the real database: the schedule of measures, answering
and scoring a questionnaire, scores entered from paper, goals, feedback (anonymous
feedback keeps no link to its author) and "You said, we did"."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.meetings.models import Session
from peersupport.meetings.services import session_create
from peersupport.programmes.models import Enrolment, Mentorship, Programme
from peersupport.programmes.services import (
    group_add_member,
    group_create,
    mentorship_propose,
    mentorship_start,
    programme_create,
    referral_accept,
    referral_create,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.wellbeing.models import (
    Feedback,
    FeedbackGiven,
    GoalRating,
    MeasureSettings,
    Occasion,
    Questionnaire,
)
from peersupport.wellbeing.services import (
    feedback_give,
    goal_rate,
    goal_set,
    measures_schedule,
    questionnaire_answer,
    questionnaire_complete,
    scores_enter,
    you_said_we_did_post,
)

START = datetime.date(2026, 9, 7)  # a Monday


@dataclass
class Cast:
    programme: Programme
    student: Student  # the student persona's record, enrolled
    enrolment: Enrolment
    mentorship: Mentorship
    mentor_record: Student
    group_session: Session
    one_to_one_session: Session


@pytest.fixture
def cast(personas: dict[str, Persona], school_a: School) -> Cast:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator, school=school_a, name="Peer mentoring", kind="one_to_one", capacity=20
    )
    student = make_student(school_a, legal_forename="Sam")
    student.user = personas["student"].user
    student.save()
    referral = referral_create(
        actor=coordinator,
        programme=programme,
        student=student,
        source="staff",
        need_areas=["anxiety"],
    )
    enrolment = referral_accept(actor=coordinator, referral=referral, started_on=START)
    mentor = make_active_mentor(personas["coordinator"], school_a, legal_forename="Maya")
    mentor.student.user = personas["mentor"].user
    mentor.student.save()
    mentorship = mentorship_propose(
        actor=coordinator, programme=programme, mentor=mentor, mentee=student
    )
    mentorship_start(actor=coordinator, mentorship=mentorship, started_on=START)
    group = group_create(actor=coordinator, programme=programme, name="Lunch group")
    group_add_member(actor=coordinator, group=group, student=student)
    group_add_member(actor=coordinator, group=group, student=make_student(school_a))
    today = datetime.date.today()
    return Cast(
        programme=programme,
        student=student,
        enrolment=enrolment,
        mentorship=mentorship,
        mentor_record=mentor.student,
        group_session=session_create(
            actor=coordinator, group=group, date=today, start_time=datetime.time(12, 30)
        ),
        one_to_one_session=session_create(
            actor=coordinator, mentorship=mentorship, date=today, start_time=datetime.time(13, 0)
        ),
    )


def due(student: Student, occasion: str) -> list[datetime.date]:
    return list(
        Questionnaire.objects.filter(student=student, occasion=occasion)
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )


# ---------------------------------------------------------------- the schedule


def test_baseline_at_enrolment_then_the_latest_review_and_the_overtaken_one_missed(
    cast: Cast,
) -> None:
    school = cast.programme.school
    assert measures_schedule(school=school, today=START) == 1
    assert due(cast.student, Occasion.BASELINE) == [START]
    assert due(cast.student, Occasion.REVIEW) == []
    six_weeks = START + datetime.timedelta(weeks=6)
    measures_schedule(school=school, today=six_weeks)
    assert due(cast.student, Occasion.REVIEW) == [six_weeks]
    assert measures_schedule(school=school, today=six_weeks) == 0  # safe to run twice
    twelve_weeks = START + datetime.timedelta(weeks=12)
    measures_schedule(school=school, today=twelve_weeks)
    reviews = Questionnaire.objects.filter(student=cast.student, occasion=Occasion.REVIEW)
    assert {(q.due_on, q.status) for q in reviews} == {
        (six_weeks, Questionnaire.Status.MISSED),
        (twelve_weeks, Questionnaire.Status.DUE),
    }


def test_the_programme_sets_the_measure_and_how_often(cast: Cast) -> None:
    MeasureSettings.objects.create(
        school=cast.programme.school,
        programme=cast.programme,
        instrument="swemwbs",
        review_every_weeks=4,
    )
    measures_schedule(school=cast.programme.school, today=START + datetime.timedelta(weeks=5))
    made = Questionnaire.objects.filter(student=cast.student, programme=cast.programme)
    assert {(q.instrument, q.occasion, q.due_on) for q in made if q.mentorship is None} == {
        ("swemwbs", Occasion.BASELINE, START),
        ("swemwbs", Occasion.REVIEW, START + datetime.timedelta(weeks=4)),
    }


def test_an_ended_enrolment_is_asked_for_its_exit_measure_only(cast: Cast) -> None:
    school = cast.programme.school
    measures_schedule(school=school, today=START + datetime.timedelta(weeks=7))
    ended = START + datetime.timedelta(weeks=8)
    Enrolment.objects.filter(pk=cast.enrolment.pk).update(ended_on=ended)
    measures_schedule(school=school, today=ended + datetime.timedelta(weeks=4))
    assert due(cast.student, Occasion.EXIT) == [ended]
    still_due = Questionnaire.objects.filter(
        student=cast.student, mentorship=None, status=Questionnaire.Status.DUE
    )
    assert [q.occasion for q in still_due] == [Occasion.EXIT]


def test_a_pulse_survey_goes_to_both_sides_30_days_in_then_every_60(cast: Cast) -> None:
    school = cast.programme.school
    measures_schedule(school=school, today=START + datetime.timedelta(days=29))
    assert not Questionnaire.objects.filter(occasion=Occasion.PULSE).exists()
    measures_schedule(school=school, today=START + datetime.timedelta(days=30))
    pulses = Questionnaire.objects.filter(occasion=Occasion.PULSE)
    assert {(q.student, q.instrument) for q in pulses} == {
        (cast.student, "session_feedback"),
        (cast.mentor_record, "mentor_experience"),
    }
    measures_schedule(school=school, today=START + datetime.timedelta(days=89))
    assert pulses.count() == 2
    measures_schedule(school=school, today=START + datetime.timedelta(days=90))
    assert sorted({q.due_on for q in pulses.all()}) == [
        START + datetime.timedelta(days=30),
        START + datetime.timedelta(days=90),
    ]


# ---------------------------------------------------------------- answering


def scwbs_due(cast: Cast) -> Questionnaire:
    return Questionnaire.objects.create(
        school=cast.student.school,
        student=cast.student,
        instrument="scwbs",
        occasion=Occasion.BASELINE,
        programme=cast.programme,
        due_on=START,
    )


def test_a_student_answers_as_they_go_skips_one_and_gets_a_prorated_score(
    personas: dict[str, Persona], cast: Cast
) -> None:
    questionnaire = scwbs_due(cast)
    actor = personas["student"].user
    # The scale's twelve scored items: answer eleven with 4 and skip one.
    from peersupport.wellbeing.instruments import load_instruments

    scale = load_instruments()["scwbs"].scale("wellbeing")
    assert scale.items is not None
    for item in scale.items[:-1]:
        questionnaire = questionnaire_answer(
            actor=actor, questionnaire=questionnaire, item=item, value=4
        )
    questionnaire = questionnaire_answer(
        actor=actor, questionnaire=questionnaire, item=scale.items[-1], value=None
    )
    assert questionnaire.status == Questionnaire.Status.STARTED
    questionnaire = questionnaire_complete(actor=actor, questionnaire=questionnaire)
    # 11 answers of 4: mean 4, times 12 items = 48.
    assert questionnaire.total == 48
    assert questionnaire.status == Questionnaire.Status.DONE
    assert AuditEvent.objects.filter(action="questionnaire.completed").count() == 1
    with pytest.raises(ValidationError):
        questionnaire_answer(actor=actor, questionnaire=questionnaire, item=scale.items[0], value=1)


def test_an_answer_out_of_range_or_an_unknown_question_changes_nothing(
    personas: dict[str, Persona], cast: Cast
) -> None:
    questionnaire = scwbs_due(cast)
    actor = personas["student"].user
    for item, value in (("q1", 9), ("nope", 3)):
        with pytest.raises(ValidationError):
            questionnaire_answer(actor=actor, questionnaire=questionnaire, item=item, value=value)
    questionnaire.refresh_from_db()
    assert (questionnaire.answers, questionnaire.status) == ({}, Questionnaire.Status.DUE)


@pytest.mark.parametrize("who", ["coordinator", "mentor", "viewer", "outsider"])
def test_only_the_student_answers_their_questionnaire(
    personas: dict[str, Persona], cast: Cast, who: str
) -> None:
    questionnaire = scwbs_due(cast)
    with pytest.raises(PermissionDenied):
        questionnaire_answer(
            actor=personas[who].user, questionnaire=questionnaire, item="q1", value=3
        )


def test_staff_enter_the_scores_of_a_paper_measure_within_its_range(
    personas: dict[str, Persona], cast: Cast
) -> None:
    questionnaire = Questionnaire.objects.create(
        school=cast.student.school,
        student=cast.student,
        instrument="swemwbs",
        occasion=Occasion.BASELINE,
        due_on=START,
    )
    coordinator = personas["coordinator"].user
    with pytest.raises(ValidationError):
        scores_enter(actor=coordinator, questionnaire=questionnaire, totals={"total": 36})
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.DUE
    with pytest.raises(PermissionDenied):
        scores_enter(
            actor=personas["facilitator"].user, questionnaire=questionnaire, totals={"total": 20}
        )
    questionnaire = scores_enter(
        actor=coordinator, questionnaire=questionnaire, totals={"total": 21}
    )
    assert (questionnaire.total, questionnaire.entered_by) == (21, coordinator)


# ---------------------------------------------------------------- goals


def test_up_to_three_goals_each_rated_0_to_10_over_time(
    personas: dict[str, Persona], cast: Cast
) -> None:
    actor = personas["student"].user
    goals = [
        goal_set(actor=actor, student=cast.student, text=f"Goal {n}", first_rating=2)
        for n in range(3)
    ]
    with pytest.raises(ValidationError) as refused:
        goal_set(actor=actor, student=cast.student, text="A fourth", first_rating=1)
    assert "up to 3 goals" in str(refused.value)
    goal_rate(actor=actor, goal=goals[0], rating=5, today=datetime.date(2027, 1, 4))
    goal_rate(actor=actor, goal=goals[0], rating=6, today=datetime.date(2027, 1, 4))
    assert list(GoalRating.objects.filter(goal=goals[0]).values_list("rating", flat=True)) == [
        2,
        6,
    ]
    with pytest.raises(ValidationError):
        goal_rate(actor=actor, goal=goals[0], rating=11)
    with pytest.raises(PermissionDenied):
        goal_rate(actor=personas["mentor"].user, goal=goals[0], rating=3)
    # A facilitator only of the groups the student is in.
    with pytest.raises(PermissionDenied):
        goal_rate(actor=personas["facilitator"].user, goal=goals[0], rating=3)
    group = group_create(
        actor=personas["coordinator"].user,
        programme=cast.programme,
        name="Art group",
        facilitators=[personas["facilitator"].user],
    )
    group_add_member(actor=personas["coordinator"].user, group=group, student=cast.student)
    assert goal_rate(actor=personas["facilitator"].user, goal=goals[0], rating=3).rating == 3


# ---------------------------------------------------------------- feedback


def feedback_answers() -> dict[str, int | None]:
    from peersupport.wellbeing.instruments import load_instruments

    items = [item.id for item in load_instruments()["session_feedback"].items]
    return {item: (3 if n % 2 == 0 else None) for n, item in enumerate(items)}


def test_named_feedback_names_the_student_and_the_session(
    personas: dict[str, Persona], cast: Cast
) -> None:
    feedback = feedback_give(
        actor=personas["student"].user,
        session=cast.one_to_one_session,
        answers=feedback_answers(),
        comment="Good chat",
    )
    assert (feedback.student, feedback.session) == (cast.student, cast.one_to_one_session)
    assert feedback.mentor == cast.mentorship.mentor
    with pytest.raises(ValidationError):
        feedback_give(
            actor=personas["student"].user,
            session=cast.one_to_one_session,
            answers=feedback_answers(),
        )


@pytest.mark.parametrize("which", ["group_session", "one_to_one_session"])
def test_anonymous_feedback_keeps_no_link_to_its_author(
    personas: dict[str, Persona], cast: Cast, which: str
) -> None:
    session = getattr(cast, which)
    feedback = feedback_give(
        actor=personas["student"].user,
        session=session,
        answers=feedback_answers(),
        comment="Too noisy",
        anonymous=True,
    )
    feedback.refresh_from_db()
    assert (feedback.student, feedback.session, feedback.mentor) == (None, None, None)
    assert feedback.week_of == session.date - datetime.timedelta(days=session.date.weekday())
    # Every column of the row: nothing names the student, their user or the session.
    row = Feedback.objects.filter(pk=feedback.pk).values().get()
    linked = {column for column, value in row.items() if column.endswith("_id") and value}
    assert linked <= {"school_id", "programme_id", "group_id"}
    assert comment_free_of_time(row)
    # No audit event: even one naming nobody would say when it was given.
    assert not AuditEvent.objects.filter(action="feedback.given").exists()
    # They are not asked twice, and that record says nothing of what they said.
    FeedbackGiven.objects.get(student=cast.student, session=session)
    assert {field.name for field in FeedbackGiven._meta.get_fields()} == {
        "id",
        "school",
        "public_id",
        "student",
        "session",
    }


def comment_free_of_time(row: dict[str, object]) -> bool:
    """No column holds a time of day that could be matched to the session."""
    return not any(isinstance(value, datetime.datetime) for value in row.values())


def test_feedback_only_from_someone_who_took_part(
    personas: dict[str, Persona], cast: Cast, school_a: School
) -> None:
    outsider_student = make_student(school_a)
    from peersupport.accounts.models import User

    user = User.objects.create_user(email="kid@northgate.example", full_name="Kid")
    outsider_student.user = user
    outsider_student.save()
    for actor in (personas["coordinator"].user, user):
        with pytest.raises(PermissionDenied):
            feedback_give(actor=actor, session=cast.group_session, answers=feedback_answers())
    assert not Feedback.objects.exists()


def test_you_said_we_did_is_posted_by_a_coordinator(
    personas: dict[str, Persona], cast: Cast
) -> None:
    entry = you_said_we_did_post(
        actor=personas["coordinator"].user,
        school=cast.programme.school,
        you_said="Sessions were too noisy.",
        we_did="We moved to the library.",
    )
    assert entry.posted_by == personas["coordinator"].user
    with pytest.raises(ValidationError):
        you_said_we_did_post(
            actor=personas["coordinator"].user, school=cast.programme.school, you_said="", we_did=""
        )
    with pytest.raises(PermissionDenied):
        you_said_we_did_post(
            actor=personas["student"].user,
            school=cast.programme.school,
            you_said="x",
            we_did="y",
        )


def test_no_feedback_from_the_mentor_or_on_a_session_that_has_not_happened(
    personas: dict[str, Persona], cast: Cast
) -> None:
    with pytest.raises(PermissionDenied):
        feedback_give(
            actor=personas["mentor"].user,
            session=cast.one_to_one_session,
            answers=feedback_answers(),
        )
    Session.objects.filter(pk=cast.group_session.pk).update(
        date=datetime.date.today() + datetime.timedelta(days=1)
    )
    cast.group_session.refresh_from_db()
    with pytest.raises(ValidationError):
        feedback_give(
            actor=personas["student"].user, session=cast.group_session, answers=feedback_answers()
        )
    assert not Feedback.objects.exists()
    assert not FeedbackGiven.objects.exists()
