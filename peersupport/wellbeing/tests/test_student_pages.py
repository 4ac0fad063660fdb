"""The students' own wellbeing pages: a questionnaire answered as they go and
resumed, skipping, finishing (scored), bad answers refused; goals with their chart;
feedback with or without their name; what their page shows; and plain words."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.concerns.tests.test_raising import MAX_GRADE, MIN_READING_EASE
from peersupport.meetings.services import session_create
from peersupport.programmes import services as programmes
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.wellbeing.models import Feedback, FeedbackGiven, Goal, Questionnaire
from peersupport.wellbeing.services import you_said_we_did_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(personas: dict[str, Persona], school_a: School) -> Student:
    record = make_student(school_a, legal_forename="Sam")
    record.user = personas["student"].user
    record.save()
    return record


@pytest.fixture
def client_(login: Callable[[Persona], Client], personas: dict[str, Persona]) -> Client:
    return login(personas["student"])


def due(student: Student, instrument: str = "scwbs") -> Questionnaire:
    return Questionnaire.objects.create(
        school=student.school,
        student=student,
        instrument=instrument,
        occasion="baseline",
        due_on=datetime.date.today(),
    )


def url(questionnaire: Questionnaire) -> str:
    return reverse("wellbeing:questionnaire", kwargs={"public_id": questionnaire.public_id})


def test_answers_are_saved_as_they_go_and_resume_at_the_first_unanswered(
    me: Student, client_: Client
) -> None:
    questionnaire = due(me)
    page = client_.get(url(questionnaire))
    assert page.status_code == 200
    assert b"Question 1 of 15" in page.content
    assert b'<progress max="15" value="1"' in page.content
    response = client_.post(url(questionnaire), {"item": "q1", "answer": "4", "action": "next"})
    assert response.status_code == 302 and response.url.endswith("?q=2")
    client_.post(url(questionnaire), {"item": "q2", "action": "skip"})
    questionnaire.refresh_from_db()
    assert questionnaire.answers == {"q1": 4, "q2": None}
    assert questionnaire.status == Questionnaire.Status.STARTED
    # Coming back later: the third question, the first with nothing saved.
    page = client_.get(url(questionnaire))
    assert b"Question 3 of 15" in page.content
    assert page.context["question"].id == "q3"


def test_next_with_nothing_chosen_stays_and_an_invalid_answer_changes_nothing(
    me: Student, client_: Client
) -> None:
    questionnaire = due(me)
    stay = client_.post(url(questionnaire), {"item": "q1", "action": "next"})
    assert stay.status_code == 200
    assert "Skip this question" in stay.content.decode()
    assert 'href="#a-q1-1"' in stay.content.decode()  # the error summary links to it
    bad = client_.post(url(questionnaire), {"item": "q1", "answer": "9", "action": "next"})
    assert bad.status_code == 400
    assert "Choose one of the answers given." in bad.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.answers == {} and questionnaire.status == Questionnaire.Status.DUE
    # All on one page: one bad answer refuses them all.
    client_.post(url(questionnaire), {"action": "layout", "one_per_screen": "0"})
    bad = client_.post(
        url(questionnaire), {"all": "1", "action": "save", "answer-q1": "3", "answer-q2": "7"}
    )
    assert bad.status_code == 400
    questionnaire.refresh_from_db()
    assert questionnaire.answers == {} and questionnaire.one_per_screen is False


def test_finishing_scores_it_and_says_thank_you(me: Student, client_: Client) -> None:
    questionnaire = due(me)
    client_.post(url(questionnaire), {"action": "layout", "one_per_screen": "0"})
    answers = {f"answer-q{n}": "4" for n in range(1, 16)}
    answers["answer-q1"] = "skip"
    response = client_.post(url(questionnaire), {"all": "1", "action": "finish", **answers})
    assert response.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.DONE
    assert questionnaire.answers["q1"] is None
    # 11 scored answers of 4, one skipped: prorated 4 x 12 = 48.
    assert questionnaire.total == 48
    assert b"Thank you" in client_.get(url(questionnaire)).content


def test_another_students_questionnaire_is_not_found(
    me: Student, client_: Client, school_a: School
) -> None:
    other = due(make_student(school_a))
    assert client_.get(url(other)).status_code == 404
    assert (
        client_.post(url(other), {"item": "q1", "answer": "4", "action": "next"}).status_code == 404
    )
    other.refresh_from_db()
    assert other.answers == {}


@pytest.fixture
def session_i_was_at(personas: dict[str, Persona], school_a: School, me: Student) -> Any:
    coordinator = personas["coordinator"].user
    programme = programmes.programme_create(
        actor=coordinator, school=school_a, name="Circle", kind="group", capacity=10
    )
    group = programmes.group_create(actor=coordinator, programme=programme, name="Lunch club")
    programmes.group_add_member(actor=coordinator, group=group, student=me)
    return session_create(
        actor=coordinator,
        group=group,
        date=datetime.date.today() - datetime.timedelta(days=1),
        start_time=datetime.time(12),
    )


def feedback_url(session: Any) -> str:
    return reverse("wellbeing:feedback", kwargs={"public_id": session.public_id})


@pytest.mark.parametrize("send_as", ["named", "anonymous"])
def test_feedback_with_or_without_a_name(
    me: Student, client_: Client, session_i_was_at: Any, send_as: str
) -> None:
    response = client_.post(
        feedback_url(session_i_was_at),
        {"listened": "3", "safe": "2", "comment": "Good fun", "send_as": send_as},
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.answers["listened"] == 3 and feedback.answers["helpful"] is None
    if send_as == "anonymous":
        assert feedback.student is None and feedback.session is None and feedback.anonymous
    else:
        assert feedback.student == me and feedback.session == session_i_was_at
    assert FeedbackGiven.objects.filter(student=me, session=session_i_was_at).exists()
    assert b"Thank you" in client_.get(response.url).content
    # Asked once only.
    assert client_.get(feedback_url(session_i_was_at)).status_code == 404


def test_feedback_without_choosing_name_changes_nothing(
    me: Student, client_: Client, session_i_was_at: Any
) -> None:
    response = client_.post(feedback_url(session_i_was_at), {"listened": "3"})
    assert response.status_code == 400
    assert "Send without my name" in response.content.decode()
    bad = client_.post(feedback_url(session_i_was_at), {"listened": "8", "send_as": "named"})
    assert bad.status_code == 400
    assert not Feedback.objects.exists() and not FeedbackGiven.objects.exists()


def test_goals_set_rate_and_chart_with_its_table(me: Student, client_: Client) -> None:
    goals = reverse("wellbeing:goals")
    assert client_.post(goals, {"text": "Talk in class", "rating": "2"}).status_code == 302
    goal = Goal.objects.get(student=me)
    rate = reverse("wellbeing:goal_rate", kwargs={"public_id": goal.public_id})
    assert client_.post(rate, {f"g{goal.pk}-rating": "11"}).status_code == 400
    assert goal.ratings.count() == 1
    page = client_.get(goals).content.decode()
    assert "Talk in class" in page
    assert '<svg viewBox="0 0 480 200"' in page and 'role="img"' in page
    assert '<caption class="visually-hidden">Your ratings for this goal</caption>' in page
    assert re.search(r'<td class="num">2</td>', page)
    assert client_.post(goals, {"text": "", "rating": "2"}).status_code == 400
    assert Goal.objects.filter(student=me).count() == 1


def test_my_page_shows_what_is_due_sessions_to_rate_and_you_said_we_did(
    me: Student, client_: Client, session_i_was_at: Any, personas: dict[str, Persona]
) -> None:
    questionnaire = due(me)
    for n in range(4):
        you_said_we_did_post(
            actor=personas["coordinator"].user,
            school=me.school,
            you_said=f"Said {n}",
            we_did=f"Did {n}",
            today=datetime.date.today() - datetime.timedelta(days=10 - n),
        )
    page = client_.get(reverse("meetings:mine")).content.decode()
    assert url(questionnaire) in page
    assert feedback_url(session_i_was_at) in page
    assert reverse("wellbeing:goals") in page
    assert "Said 3" in page and "Said 1" in page and "Said 0" not in page


def test_you_said_we_did_of_another_programme_is_not_shown(
    me: Student, client_: Client, session_i_was_at: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"].user
    other = programmes.programme_create(
        actor=coordinator, school=me.school, name="Other", kind="group", capacity=10
    )
    for programme, words in (
        (session_i_was_at.group.programme, "Mine"),
        (other, "Theirs"),
        (None, "Everyone"),
    ):
        you_said_we_did_post(
            actor=coordinator,
            school=me.school,
            you_said=f"{words} said",
            we_did="We did",
            programme=programme,
        )
    page = client_.get(reverse("meetings:mine")).content.decode()
    assert "Mine said" in page and "Everyone said" in page
    assert "Theirs said" not in page


def visible_words(html: str) -> str:
    """The words of the page's main part, without the instrument's own published
    wording (questions and its name), which we may not change."""
    from peersupport.concerns.tests.test_raising import words_on_the_page

    html = re.sub(r"<legend class=\"wb-question\">.*?</legend>", "", html, flags=re.S)
    html = re.sub(r"<p [^>]*data-published>.*?</p>", "", html, flags=re.S)
    return words_on_the_page(html)


@pytest.mark.parametrize("page", ["questionnaire", "goals", "feedback"])
def test_the_pages_are_easy_to_read(
    me: Student, client_: Client, session_i_was_at: Any, page: str
) -> None:
    import textstat

    if page == "questionnaire":
        html = client_.get(url(due(me))).content.decode()
    elif page == "goals":
        client_.post(reverse("wellbeing:goals"), {"text": "Talk in class", "rating": "2"})
        html = client_.get(reverse("wellbeing:goals")).content.decode()
    else:
        html = client_.get(feedback_url(session_i_was_at)).content.decode()
    text = visible_words(html)
    ease, grade = textstat.flesch_reading_ease(text), textstat.flesch_kincaid_grade(text)
    assert ease >= MIN_READING_EASE, f"reading ease {ease}:\n{text}"
    assert grade <= MAX_GRADE, f"grade {grade}:\n{text}"
