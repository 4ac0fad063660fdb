"""The demo school's wellbeing measures, goals, session feedback and "You said, we
did", as a term would leave them.

- Measures: every programme takes SWEMWBS on paper (the school's licence; staff
  enter the totals), a baseline at enrolment and a review every six weeks (four for
  the groups), and an exit measure when an enrolment ends. The schedule is run
  over the term, as the daily job would have, and most measures that fell due are
  entered; about one in five is not (a few students rarely return
  theirs), and the schedule marks an overtaken one missed.
  Changes are realistic: most students improve a little, some a lot, some show no
  change and some get worse.
- The demo student and the demo mentor (the only students with sign-ins) answer
  their mentorship pulse surveys themselves, question by question.
- Goals (Goal-Based Outcomes) for about a third of the one-to-one mentees, set with
  staff, and two the demo student set themself, each rated every few weeks: most
  move up, some stall, one or two slip back.
- Session feedback from the demo student on their sessions, some named and some
  anonymous, most with a comment.
- Three "You said, we did" entries.

Everything is written through the services, from ``random.Random`` seeded with the
seeder's seed. Goals, ratings and "You said, we did" take their real dates; the
services stamp "now" on a completed measure, so ``completed_at`` (and
``started_at``) are moved back afterwards with queryset updates."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from peersupport.accounts.models import User
from peersupport.demo.programmes import Staff
from peersupport.meetings.models import Session
from peersupport.programmes.models import Enrolment, Group, Mentorship, Programme
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.wellbeing.instruments import load_instruments
from peersupport.wellbeing.models import (
    Feedback,
    Goal,
    GoalRating,
    Occasion,
    Questionnaire,
    YouSaidWeDid,
)
from peersupport.wellbeing.services import (
    FEEDBACK_INSTRUMENT,
    MENTOR_INSTRUMENT,
    feedback_give,
    goal_rate,
    goal_set,
    measure_settings_set,
    measures_schedule,
    questionnaire_answer,
    questionnaire_complete,
    scores_enter,
    you_said_we_did_post,
)

DAY = datetime.timedelta(days=1)
SCHEDULE_STEP = datetime.timedelta(weeks=4)  # no more than the shortest review gap
PAPER_MEASURE = "swemwbs"
LOWEST, HIGHEST = 7, 35  # SWEMWBS raw total
# How a student's score moves over a term (total change by about twelve weeks).
CHANGES = [
    ("a little better", 55, (2, 4)),
    ("a lot better", 20, (5, 9)),
    ("no change", 12, (-1, 1)),
    ("worse", 13, (-6, -2)),
]
GOALS = [
    "Speak to a teacher when I am stuck",
    "Get to school on time every day",
    "Eat lunch with other people",
    "Put my hand up once in every lesson",
    "Sleep before 10 on school nights",
    "Tell someone when I feel worried",
    "Join a club at lunchtime",
    "Stay in lessons when I feel cross",
    "Walk away from arguments",
    "Feel calmer before tests",
    "Make one new friend in my form",
    "Hand my homework in on time",
]
DEMO_STUDENT_GOALS = ["Feel less nervous in the dinner hall", "Talk to my form tutor"]
COMMENTS = [
    "It helped to talk about my week.",
    "I liked the game at the start.",
    "Good, but it was too short.",
    "The room was noisy so it was hard to talk.",
    "My mentor really listened.",
    "I would like to do more about exams.",
    "Can we meet somewhere quieter?",
    "I felt better after.",
    "It was a bit awkward at first but fine.",
    "Thanks for the tips about sleep.",
]
YOU_SAID_WE_DID = [
    (
        "The group room is noisy and it is hard to talk.",
        "The lunchtime groups now meet in the library seminar room.",
        21,
    ),
    (
        "Sessions are too short.",
        "One-to-one sessions are now 40 minutes instead of 30.",
        12,
    ),
    (
        "We would like help with worries about exams.",
        "The groups will have two sessions on exam stress before the mocks.",
        3,
    ),
]


@dataclass
class WellbeingCounts:
    measures_done: int = 0
    measures_missed: int = 0
    pairs: int = 0
    improved: int = 0
    no_change: int = 0
    worse: int = 0
    goals: int = 0
    goal_ratings: int = 0
    feedback_named: int = 0
    feedback_anonymous: int = 0
    you_said_we_did: int = 0

    def summary(self) -> list[str]:
        return [
            f"  Wellbeing measures: {self.measures_done} done, {self.measures_missed} missed; "
            f"{self.pairs} students with a baseline and a later score ({self.improved} "
            f"higher, {self.no_change} the same, {self.worse} lower)",
            f"  Goals: {self.goals} with {self.goal_ratings} ratings; session feedback: "
            f"{self.feedback_named} named, {self.feedback_anonymous} anonymous; "
            f'"You said, we did": {self.you_said_we_did}',
        ]


class DemoWellbeing:
    """Builds one school's wellbeing records; call :meth:`build` after the
    programmes (it reads their enrolments, mentorships and sessions)."""

    def __init__(self, *, school: School, seed: int, today: datetime.date, staff: Staff) -> None:
        self.school = school
        self.rng = random.Random(f"demo-wellbeing-{seed}")
        self.today = today
        self.staff = staff
        self.enrolments = list(
            Enrolment.objects.filter(school=school, started_on__lte=today)
            .select_related("programme", "student")
            .order_by("pk")
        )
        # Per student: their score before support, how far it moves in about
        # twelve weeks, and how reliably their forms come back.
        self.baseline: dict[int, int] = {}
        self.change: dict[int, int] = {}
        self.returns: dict[int, float] = {}
        students = sorted({e.student_id for e in self.enrolments})
        # Each kind of change by its share, at least one of each even in a small
        # school, dealt out in a shuffled order.
        kinds = [
            (low, high)
            for _, weight, (low, high) in CHANGES
            for _ in range(max(1, round(weight * len(students) / 100)))
        ]
        self.rng.shuffle(kinds)
        for n, key in enumerate(students):
            low, high = kinds[n % len(kinds)]
            self.baseline[key] = max(10, min(29, round(self.rng.gauss(19.5, 3.5))))
            self.change[key] = self.rng.randint(low, high)
            self.returns[key] = 0.9 if self.rng.random() < 0.75 else 0.5
        self.started = {e.student_id: e.started_on for e in self.enrolments}

    def _linked(self, user: User | None) -> Student | None:
        if user is None:
            return None
        return Student.objects.filter(school=self.school, user=user).first()

    # ------------------------------------------------------------ measures

    def settings(self) -> None:
        for programme in Programme.objects.filter(school=self.school).order_by("pk"):
            measure_settings_set(
                actor=self.staff.coordinator,
                programme=programme,
                instrument=PAPER_MEASURE,
                review_every_weeks=4 if programme.kind == Programme.Kind.GROUP else 6,
            )

    def score_on(self, student_id: int, day: datetime.date) -> int:
        """The student's score on ``day``: the baseline, moved by their change in
        proportion to the weeks of support so far, with some noise."""
        weeks = (day - self.started.get(student_id, day)).days / 7
        share = min(1.0, weeks / 8)
        value = self.baseline[student_id] + self.change[student_id] * share
        if weeks > 0:
            value += self.rng.gauss(0, 0.7)
        return max(LOWEST, min(HIGHEST, round(value)))

    def measures(self) -> None:
        """Run the schedule over the term, as the daily job would have, and enter
        most of what fell due since the last run. Every four weeks is enough (the
        shortest review gap): each run makes due the latest review by then, dated on
        its own day, so none is skipped; running it daily would only cost time."""
        if not self.enrolments:
            return
        first = min(e.started_on for e in self.enrolments)
        days = []
        day = first
        while day < self.today:
            days.append(day)
            day += SCHEDULE_STEP
        days.append(self.today)
        last = first - DAY
        for day in days:
            measures_schedule(school=self.school, today=day)
            fresh = Questionnaire.objects.filter(
                school=self.school,
                instrument=PAPER_MEASURE,
                status=Questionnaire.Status.DUE,
                due_on__gt=last,
                due_on__lte=day,
            ).order_by("pk")
            for questionnaire in fresh:
                if self.rng.random() > self.returns[questionnaire.student_id]:
                    continue  # never came back: the schedule marks it missed
                taken = min(self.today, questionnaire.due_on + self.rng.randint(0, 6) * DAY)
                scores_enter(
                    actor=self.staff.coordinator,
                    questionnaire=questionnaire,
                    totals={"total": self.score_on(questionnaire.student_id, taken)},
                )
                self._backdate(questionnaire, taken)
            last = day

    def _backdate(self, questionnaire: Questionnaire, day: datetime.date) -> None:
        hour = self.rng.randint(9, 15)
        when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        Questionnaire.objects.filter(pk=questionnaire.pk).update(completed_at=when, started_at=when)

    def pulses(self) -> None:
        """The demo student and mentor answer their pulse surveys themselves."""
        instruments = load_instruments()
        for user, instrument in (
            (self.staff.student, FEEDBACK_INSTRUMENT),
            (self.staff.mentor, MENTOR_INSTRUMENT),
        ):
            student = self._linked(user)
            if user is None or student is None:
                continue
            due = Questionnaire.objects.filter(
                student=student,
                instrument=instrument,
                occasion=Occasion.PULSE,
                status=Questionnaire.Status.DUE,
            ).order_by("due_on")
            measure = instruments[instrument]
            for questionnaire in due:
                for item in measure.items:
                    spec = measure.item(item.id)
                    low, high = min(spec.values), max(spec.values)
                    value: int | None = self.rng.choice([high, high, high - 1, high])
                    if item.id == "unsure":  # reverse-scored: mostly not unsure
                        value = low + 1
                    if self.rng.random() < 0.08:
                        value = None  # skipped: students always may
                    questionnaire = questionnaire_answer(
                        actor=user, questionnaire=questionnaire, item=item.id, value=value
                    )
                questionnaire_complete(actor=user, questionnaire=questionnaire)
                self._backdate(
                    questionnaire,
                    min(self.today, questionnaire.due_on + self.rng.randint(0, 3) * DAY),
                )

    # ------------------------------------------------------------ goals

    def goals(self) -> None:
        mentees = [
            e
            for e in self.enrolments
            if e.programme.kind == Programme.Kind.ONE_TO_ONE and e.ended_on is None
        ]
        demo_student = self._linked(self.staff.student)
        others = [e for e in mentees if demo_student is None or e.student_id != demo_student.pk]
        # About a third, and a few even in a small school.
        count = min(len(others), max(4, round(len(others) * 0.35)))
        chosen = sorted(self.rng.sample(others, count), key=lambda e: e.pk)
        for enrolment in chosen:
            # Set with the coordinator: these are one-to-one mentees, in none of the
            # demo facilitator's groups, so the facilitator may not set their goals.
            for text in self.rng.sample(GOALS, self.rng.randint(1, 3)):
                self._goal(self.staff.coordinator, enrolment.student, text, enrolment)
        if demo_student is not None and self.staff.student is not None:
            own = next((e for e in mentees if e.student_id == demo_student.pk), None)
            if own is not None:
                for text in DEMO_STUDENT_GOALS:
                    self._goal(self.staff.student, demo_student, text, own)

    def _goal(self, actor: User, student: Student, text: str, enrolment: Enrolment) -> None:
        set_on = min(self.today, enrolment.started_on + self.rng.randint(5, 14) * DAY)
        rating = self.rng.randint(1, 4)
        goal = goal_set(
            actor=actor,
            student=student,
            text=text,
            first_rating=rating,
            programme=enrolment.programme,
            today=set_on,
        )
        # Most goals move up; some stall; a few slip back.
        step = self.rng.choices([2, 1, 0, -1], weights=[40, 40, 12, 8])[0]
        day = set_on + self.rng.randint(14, 24) * DAY
        while day <= self.today:
            rating = max(0, min(10, rating + step + self.rng.choice([-1, 0, 0, 1, 1])))
            goal_rate(actor=actor, goal=goal, rating=rating, today=day)
            day += self.rng.randint(14, 24) * DAY

    # ------------------------------------------------------------ feedback

    def feedback(self) -> None:
        user = self.staff.student
        student = self._linked(user)
        if user is None or student is None:
            return
        pairings = Mentorship.objects.filter(mentee=student)
        groups = Group.objects.filter(members__student=student)
        sessions = (
            Session.objects.filter(school=self.school, date__lt=self.today)
            .exclude(status=Session.Status.CANCELLED)
            .filter(Q(mentorship__in=pairings) | Q(group__in=groups))
            .select_related("group", "mentorship__mentor")
            .order_by("date", "start_time", "pk")
        )
        items = load_instruments()[FEEDBACK_INSTRUMENT].items
        for session in sessions:
            if self.rng.random() > 0.7:
                continue
            answers = {
                item.id: self.rng.choices([3, 2, 1, None], weights=[70, 22, 4, 4])[0]
                for item in items
            }
            feedback_give(
                actor=user,
                session=session,
                answers=answers,
                comment=self.rng.choice(COMMENTS) if self.rng.random() < 0.7 else "",
                anonymous=self.rng.random() < 0.4,
            )

    def you_said(self) -> None:
        for you_said, we_did, days_ago in YOU_SAID_WE_DID:
            you_said_we_did_post(
                actor=self.staff.coordinator,
                school=self.school,
                you_said=you_said,
                we_did=we_did,
                today=self.today - days_ago * DAY,
            )

    # ------------------------------------------------------------ all

    def build(self) -> WellbeingCounts:
        self.settings()
        self.measures()
        self.pulses()
        self.goals()
        self.feedback()
        self.you_said()
        return self.counts()

    def counts(self) -> WellbeingCounts:
        counts = WellbeingCounts()
        measures = Questionnaire.objects.filter(school=self.school, instrument=PAPER_MEASURE)
        counts.measures_done = measures.filter(status=Questionnaire.Status.DONE).count()
        counts.measures_missed = measures.filter(status=Questionnaire.Status.MISSED).count()
        first: dict[tuple[int, int | None], float] = {}
        latest: dict[tuple[int, int | None], float] = {}
        for student_id, programme_id, occasion, total in (
            measures.filter(status=Questionnaire.Status.DONE, total__isnull=False)
            .order_by("due_on")
            .values_list("student_id", "programme_id", "occasion", "total")
        ):
            key = (student_id, programme_id)
            if total is None:
                continue
            if occasion == Occasion.BASELINE:
                first[key] = total
            elif key in first:
                latest[key] = total
        for pair, total in latest.items():
            counts.pairs += 1
            moved = total - first[pair]
            if moved > 1:
                counts.improved += 1
            elif moved < -1:
                counts.worse += 1
            else:
                counts.no_change += 1
        counts.goals = Goal.objects.filter(school=self.school).count()
        counts.goal_ratings = GoalRating.objects.filter(school=self.school).count()
        feedback = Feedback.objects.filter(school=self.school)
        counts.feedback_named = feedback.filter(anonymous=False).count()
        counts.feedback_anonymous = feedback.filter(anonymous=True).count()
        counts.you_said_we_did = YouSaidWeDid.objects.filter(school=self.school).count()
        return counts


def demo_wellbeing(
    *, school: School, seed: int, today: datetime.date, staff: Staff
) -> WellbeingCounts:
    """Build the school's wellbeing records; returns what was made."""
    return DemoWellbeing(school=school, seed=seed, today=today, staff=staff).build()


__all__ = ["WellbeingCounts", "demo_wellbeing"]
