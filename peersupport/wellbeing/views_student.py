"""The students' own wellbeing pages: answering a questionnaire (one question per
screen or all on one page, saved as they go), their goals with a chart of their
ratings, and feedback on a session they took part in. Every page works as plain
forms without JavaScript."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.wellbeing import services
from peersupport.wellbeing.access import (
    goal_for_student,
    goals_of_own,
    own_student_record,
    questionnaire_for_respondent,
    session_for_feedback,
)
from peersupport.wellbeing.forms_student import (
    NOT_AN_OPTION,
    PICK_ONE,
    AnswerForm,
    FeedbackForm,
    GoalForm,
    GoalRateForm,
    options_of,
)
from peersupport.wellbeing.instruments import Instrument
from peersupport.wellbeing.models import Goal, GoalRating, Questionnaire

STUDENTS = (Role.STUDENT, Role.MENTOR)
SKIP = "skip"

# What the page is called, for each kind of questionnaire (the instrument's own name
# is shown below it, small).
HEADINGS = {
    "outcome": "How you have been feeling",
    "feedback": "How your sessions are going",
    "experience": "How mentoring is going",
}


# ---------------------------------------------------------------- questionnaires


@dataclass
class Question:
    """One question as the page draws it: its number, words, answers and what the
    student has saved or just chosen."""

    number: int
    id: str
    text: str
    choices: list[tuple[str, str]]
    chosen: str  # "" for nothing, "skip", or an answer's value
    error: str = ""

    @property
    def first_id(self) -> str:
        return f"a-{self.id}-{self.choices[0][0]}"


def _chosen(questionnaire: Questionnaire, item_id: str) -> str:
    if item_id not in questionnaire.answers:
        return ""
    value = questionnaire.answers[item_id]
    return SKIP if value is None else str(value)


def _questions(instrument: Instrument, questionnaire: Questionnaire) -> list[Question]:
    return [
        Question(
            number=number,
            id=item.id,
            text=item.text,
            choices=options_of(instrument, item.id),
            chosen=_chosen(questionnaire, item.id),
        )
        for number, item in enumerate(instrument.items, start=1)
    ]


def first_unanswered(instrument: Instrument, questionnaire: Questionnaire) -> int:
    """Where to carry on: the number of the first question with nothing saved (a
    skipped question counts as done), or one past the last when all are done."""
    for number, item in enumerate(instrument.items, start=1):
        if item.id not in questionnaire.answers:
            return number
    return len(instrument.items) + 1


def _position(request: SchoolRequest, instrument: Instrument, questionnaire: Questionnaire) -> int:
    asked = request.GET.get("q", "")
    count = len(instrument.items)
    if asked.isdigit() and 1 <= int(asked) <= count + 1:
        return int(asked)
    return first_unanswered(instrument, questionnaire)


def _at(questionnaire: Questionnaire, number: int) -> str:
    url = reverse("wellbeing:questionnaire", kwargs={"public_id": questionnaire.public_id})
    return f"{url}?q={number}"


def _render_questionnaire(
    request: SchoolRequest,
    questionnaire: Questionnaire,
    instrument: Instrument,
    *,
    questions: list[Question] | None = None,
    position: int | None = None,
    status: int = 200,
) -> HttpResponse:
    questions = questions if questions is not None else _questions(instrument, questionnaire)
    count = len(questions)
    if position is None:
        position = _position(request, instrument, questionnaire)
    context: dict[str, Any] = {
        "questionnaire": questionnaire,
        "instrument": instrument,
        "heading": HEADINGS.get(instrument.purpose, "Your questions"),
        "questions": questions,
        "count": count,
        "answered": sum(1 for question in questions if question.chosen),
        "errors": [question for question in questions if question.error],
    }
    if questionnaire.one_per_screen:
        context.update(
            position=position,
            question=questions[position - 1] if position <= count else None,
            previous_url=_at(questionnaire, position - 1) if position > 1 else "",
        )
    return render(request, "wellbeing/student/questionnaire.html", context, status=status)


@role_required(*STUDENTS)
def questionnaire_page(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """A questionnaire of the student's own: the question to answer now (or all of
    them), saving each answer as they go; Finish scores it and says thank you."""
    questionnaire = questionnaire_for_respondent(request.user, request.school, public_id)
    instrument = services.instrument_of(questionnaire.instrument)
    if questionnaire.status in (Questionnaire.Status.DONE, Questionnaire.Status.MISSED):
        return render(
            request,
            "wellbeing/student/questionnaire_done.html",
            {"questionnaire": questionnaire, "heading": HEADINGS.get(instrument.purpose)},
        )
    if request.method != "POST":
        return _render_questionnaire(request, questionnaire, instrument)
    action = request.POST.get("action", "")
    if action == "layout":
        services.questionnaire_layout(
            actor=request.user,
            questionnaire=questionnaire,
            one_per_screen=request.POST.get("one_per_screen") == "1",
        )
        return redirect(_at(questionnaire, first_unanswered(instrument, questionnaire)))
    if questionnaire.one_per_screen and action in ("next", "skip", "back"):
        return _answer_one(request, questionnaire, instrument, action)
    if action in ("save", "finish"):
        if not questionnaire.one_per_screen or request.POST.get("all") == "1":
            saved = _answer_all(request, questionnaire, instrument)
            if isinstance(saved, HttpResponse):
                return saved
            questionnaire = saved
        if action == "save":
            messages.success(request, "Your answers are saved. You can come back to finish.")
            return redirect(_at(questionnaire, first_unanswered(instrument, questionnaire)))
        services.questionnaire_complete(
            actor=request.user, questionnaire=questionnaire, request=request
        )
        return redirect("wellbeing:questionnaire", public_id=questionnaire.public_id)
    messages.error(request, "Something went wrong. Please try again.")
    return redirect(_at(questionnaire, first_unanswered(instrument, questionnaire)))


def _answer_one(
    request: SchoolRequest, questionnaire: Questionnaire, instrument: Instrument, action: str
) -> HttpResponse:
    """Next (save the chosen answer), Skip (save None) or Back (keep an answer if one
    was chosen) on the one-question screen."""
    questions = _questions(instrument, questionnaire)
    number = next((q.number for q in questions if q.id == request.POST.get("item", "")), None)
    if number is None:
        messages.error(request, "That question is not part of this questionnaire.")
        return redirect(_at(questionnaire, first_unanswered(instrument, questionnaire)))
    question = questions[number - 1]
    if action == "skip":
        services.questionnaire_answer(
            actor=request.user, questionnaire=questionnaire, item=question.id, value=None
        )
        return redirect(_at(questionnaire, number + 1))
    form = AnswerForm(request.POST, choices=question.choices)
    if not form.is_valid():
        question.chosen, question.error = "", NOT_AN_OPTION
        return _render_questionnaire(
            request, questionnaire, instrument, questions=questions, position=number, status=400
        )
    value = form.value()
    if value is None and action == "next":
        # Nothing chosen: stay on this question and say how to go on.
        question.chosen, question.error = "", PICK_ONE
        return _render_questionnaire(
            request, questionnaire, instrument, questions=questions, position=number
        )
    if value is not None:
        services.questionnaire_answer(
            actor=request.user, questionnaire=questionnaire, item=question.id, value=value
        )
    return redirect(_at(questionnaire, number + (1 if action == "next" else -1)))


def _answer_all(
    request: SchoolRequest, questionnaire: Questionnaire, instrument: Instrument
) -> Questionnaire | HttpResponse:
    """Every question on one page: each chosen answer (or "Skip this question") is
    saved; one answer not on the list refuses them all and changes nothing."""
    questions = _questions(instrument, questionnaire)
    chosen: dict[str, int | None] = {}
    for question in questions:
        picked = request.POST.get(f"answer-{question.id}", "")
        if picked == "":
            continue
        question.chosen = picked
        if picked == SKIP:
            chosen[question.id] = None
        elif picked in {value for value, _ in question.choices}:
            chosen[question.id] = int(picked)
        else:
            question.chosen, question.error = "", NOT_AN_OPTION
    if any(question.error for question in questions):
        return _render_questionnaire(
            request, questionnaire, instrument, questions=questions, status=400
        )
    for item_id, value in chosen.items():
        if item_id not in questionnaire.answers or questionnaire.answers[item_id] != value:
            questionnaire = services.questionnaire_answer(
                actor=request.user, questionnaire=questionnaire, item=item_id, value=value
            )
    return questionnaire


# ---------------------------------------------------------------- goals


@dataclass
class Chart:
    """A simple line chart of one goal's ratings, drawn as SVG on the server: the
    points in the chart's own coordinates, and the same numbers for the table."""

    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    points: list[tuple[float, float, GoalRating]]
    gridlines: list[tuple[int, float]]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)

    @property
    def bottom(self) -> int:
        return self.top + self.plot_height

    @property
    def right(self) -> int:
        return self.left + self.plot_width


def goal_chart(ratings: Sequence[GoalRating], lowest: int = 0, highest: int = 10) -> Chart:
    """Ratings spaced evenly left to right (oldest first), 0 at the bottom, 10 at
    the top; the dates are in the table and the points' labels."""
    width, height, left, right, top, bottom = 480, 200, 40, 16, 12, 28
    plot_width, plot_height = width - left - right, height - top - bottom

    def y_of(value: int) -> float:
        return top + plot_height * (highest - value) / (highest - lowest)

    count = len(ratings)
    points = [
        (
            left + (plot_width * index / (count - 1) if count > 1 else plot_width / 2),
            y_of(rating.rating),
            rating,
        )
        for index, rating in enumerate(ratings)
    ]
    gridlines = [(value, y_of(value)) for value in (lowest, (lowest + highest) // 2, highest)]
    return Chart(width, height, left, top, plot_width, plot_height, points, gridlines)


@dataclass
class GoalView:
    goal: Goal
    ratings: list[GoalRating]
    chart: Chart
    form: GoalRateForm


def _goals_page(
    request: SchoolRequest,
    *,
    set_form: GoalForm | None = None,
    rate_forms: dict[int, GoalRateForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    student = own_student_record(request.user, request.school)
    goals = []
    for goal in goals_of_own(request.user, request.school):
        ratings = list(goal.ratings.all())
        form = (rate_forms or {}).get(goal.pk) or GoalRateForm(prefix=f"g{goal.pk}")
        goals.append(GoalView(goal, ratings, goal_chart(ratings), form))
    limit = services.instrument_of(services.GOALS_INSTRUMENT)
    most = limit.goals.max_goals if limit.goals is not None else 3
    open_goals = sum(1 for view in goals if view.goal.closed_on is None)
    return render(
        request,
        "wellbeing/student/goals.html",
        {
            "student": student,
            "goals": goals,
            "set_form": set_form or GoalForm(),
            "can_set": open_goals < most,
            "most": most,
            "anchors": limit.goals.anchors if limit.goals is not None else [],
            "licence": limit.licence,
        },
        status=status,
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@role_required(*STUDENTS)
def goals_page(request: SchoolRequest) -> HttpResponse:
    """The student's goals, each with a chart and table of their ratings, a form to
    rate it again, and (up to the limit) a form to set a new one."""
    if request.method != "POST":
        return _goals_page(request)
    student = own_student_record(request.user, request.school)
    form = GoalForm(request.POST)
    if student is None:
        messages.error(request, "Your account is not linked to your school record yet.")
        return redirect("wellbeing:goals")
    if form.is_valid():
        try:
            services.goal_set(
                actor=request.user,
                student=student,
                text=form.cleaned_data["text"],
                first_rating=form.cleaned_data["rating"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your goal is saved.")
            return redirect("wellbeing:goals")
    return _goals_page(request, set_form=form, status=400)


@require_POST
@role_required(*STUDENTS)
def goal_rate(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    goal = goal_for_student(request.user, request.school, public_id)
    if goal.closed_on is not None:
        messages.error(request, "That goal is finished, so it cannot be rated again.")
        return redirect("wellbeing:goals")
    form = GoalRateForm(request.POST, prefix=f"g{goal.pk}")
    if form.is_valid():
        try:
            services.goal_rate(actor=request.user, goal=goal, rating=form.cleaned_data["rating"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your rating is saved.")
            return redirect(reverse("wellbeing:goals") + f"#goal-{goal.public_id}")
    return _goals_page(request, rate_forms={goal.pk: form}, status=400)


# ---------------------------------------------------------------- session feedback


@role_required(*STUDENTS)
def feedback_page(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Feedback on a session of the last week the student took part in: the four
    questions (any may be skipped), a comment, and with or without their name."""
    today = timezone.localdate()
    session = session_for_feedback(request.user, request.school, public_id, today)
    instrument = services.instrument_of(services.FEEDBACK_INSTRUMENT)
    form = FeedbackForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        anonymous = form.cleaned_data["send_as"] == FeedbackForm.ANONYMOUS
        try:
            services.feedback_give(
                actor=request.user,
                session=session,
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
                anonymous=anonymous,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            thanks = reverse("wellbeing:feedback_thanks")
            return redirect(f"{thanks}?without_name=1" if anonymous else thanks)
    return render(
        request,
        "wellbeing/student/feedback.html",
        {"session": session, "form": form, "instrument": instrument, "today": today},
        status=400 if form.errors else 200,
    )


@role_required(*STUDENTS)
def feedback_thanks(request: SchoolRequest) -> HttpResponse:
    return render(
        request,
        "wellbeing/student/feedback_thanks.html",
        {"anonymous": request.GET.get("without_name") == "1"},
    )
