"""Wellbeing measures taken from students, their goals, session feedback and "You
said, we did".

Instruments are data files (wellbeing/instruments/*.json, loaded and validated by
wellbeing.instruments); a record here names its instrument by the file's key. Scores
are computed by wellbeing.scoring when a questionnaire is completed and kept with
it, so that a later change to a file does not silently rewrite old results.

Anonymous feedback keeps no link to its author: no student, no session (a
one-to-one session would name the mentee), no mentor for one-to-one programmes,
only the week it was given, and a random primary key so that no sequence ties it to
the separate record that the student has given feedback for that session."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce

from peersupport.meetings.models import Session
from peersupport.programmes.models import Group, MentorProfile, Mentorship, Programme
from peersupport.schools.fields import EncryptedTextField
from peersupport.schools.models import School, SchoolOwned
from peersupport.students.models import Student


class Occasion(models.TextChoices):
    BASELINE = "baseline", "Start (baseline)"
    REVIEW = "review", "Review"
    EXIT = "exit", "End (exit)"
    PULSE = "pulse", "Pulse check"
    OTHER = "other", "Other"


class MeasureSettings(SchoolOwned):
    """When a programme's measures are taken: a baseline at enrolment, reviews every
    so many weeks, an exit measure at closure; and for mentorships a pulse survey
    to both sides some days after the start and then every so many days."""

    programme = models.OneToOneField(
        Programme, on_delete=models.PROTECT, related_name="measure_settings"
    )
    instrument = models.CharField("measure", max_length=40, default="scwbs")
    review_every_weeks = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(2), MaxValueValidator(26)]
    )
    pulse_first_after_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(7), MaxValueValidator(120)]
    )
    pulse_every_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(14), MaxValueValidator(180)]
    )

    def __str__(self) -> str:
        return f"Measures for {self.programme}"


class Questionnaire(SchoolOwned):
    """One time a student (or a peer mentor) answers one instrument. Answers are
    saved as they go (item key → value, or None for a skipped question); the score is
    computed when it is completed. For a "scores only" instrument, staff enter the
    totals a paper form gave and ``entered_by`` names them."""

    class Status(models.TextChoices):
        DUE = "due", "Due"
        STARTED = "started", "Started"
        DONE = "done", "Done"
        MISSED = "missed", "Missed"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=40)
    occasion = models.CharField(max_length=10, choices=Occasion.choices)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    one_per_screen = models.BooleanField("one question at a time", default=True)
    answers = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    total = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["student", "instrument", "due_on"]
        constraints = [
            # Programme and mentorship are often empty, and NULLs never clash in a
            # plain unique index: compare them as 0 so that two runs of the daily
            # job at once cannot make the same questionnaire due twice.
            models.UniqueConstraint(
                "student",
                "instrument",
                "occasion",
                Coalesce("programme", 0),
                Coalesce("mentorship", 0),
                "due_on",
                name="one_questionnaire_per_student_measure_and_date",
            )
        ]
        indexes = [
            models.Index(fields=["school", "instrument", "status"]),
            # A period's follow-ups of some programmes (the dashboard's outcomes).
            models.Index(fields=["programme", "occasion", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} ({self.get_occasion_display()}) due {self.due_on:%d/%m/%Y}"


class Goal(SchoolOwned):
    """A goal a student sets in their own words (Goal-Based Outcomes: up to three
    open at a time), rated 0 to 10 over time."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = EncryptedTextField("the goal, in the student's words")
    set_on = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["student", "set_on", "pk"]

    def __str__(self) -> str:
        return f"Goal set on {self.set_on:%d/%m/%Y}"


class GoalRating(SchoolOwned):
    """How close to the goal the student feels, 0 (not at all) to 10 (reached)."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="ratings")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    rated_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["goal", "rated_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=0, rating__lte=10), name="goal_rating_0_to_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/10 on {self.rated_on:%d/%m/%Y}"


class Feedback(models.Model):
    """A student's rating of a session (the session feedback instrument) and comment.
    Named feedback names the student and the session. Anonymous feedback names
    neither, nor the mentor of a one-to-one programme, and keeps only the week: see
    the module's docstring. Its primary key is random for the same reason."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mentor = models.ForeignKey(
        MentorProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    anonymous = models.BooleanField(default=False)
    week_of = models.DateField("the Monday of the week it was given")
    answers = models.JSONField(default=dict, blank=True)
    comment = EncryptedTextField(blank=True)
    urgent = models.BooleanField(default=False)

    class Meta:
        ordering = ["-week_of"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False)
                | models.Q(student__isnull=True, session__isnull=True),
                name="anonymous_feedback_names_nobody",
            )
        ]
        indexes = [models.Index(fields=["school", "programme", "week_of"])]

    def __str__(self) -> str:
        return f"Feedback in the week of {self.week_of:%d/%m/%Y}"

    @property
    def public_id(self) -> uuid.UUID:
        return self.id


class FeedbackGiven(SchoolOwned):
    """That a student has given feedback on a session (so they are not asked again),
    kept apart from the feedback itself and with no time: it says nothing of what
    they said, or whether they gave their name."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "session"], name="feedback_once_per_student_and_session"
            )
        ]

    def __str__(self) -> str:
        return "Feedback given"


class YouSaidWeDid(SchoolOwned):
    """What changed because of what students said, for students to see on their home
    page."""

    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    you_said = models.TextField("you said", max_length=600)
    we_did = models.TextField("we did", max_length=600)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_on = models.DateField()

    class Meta:
        ordering = ["-posted_on", "-pk"]
        verbose_name = "you said, we did"

    def __str__(self) -> str:
        return f"You said, we did ({self.posted_on:%d/%m/%Y})"
