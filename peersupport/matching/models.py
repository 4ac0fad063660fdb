"""Matching in the application: what a mentee would like in a mentor, a
programme's matching settings, and the match runs a coordinator opens, with
their locks, rejections and every solve kept so a decision can be explained
later. Mentors and students never see any of it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peersupport.programmes.models import MentorProfile, Programme
from peersupport.schools.models import SchoolOwned, TimetableSlot
from peersupport.students.models import Student

WEIGHT = [MinValueValidator(0), MaxValueValidator(20)]


class MenteePreferences(SchoolOwned):
    """What a student waiting for a mentor likes and when they are free, so the
    engine can find them someone they have something in common with."""

    student = models.OneToOneField(
        Student, on_delete=models.PROTECT, related_name="match_preferences"
    )
    interests = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    availability = models.ManyToManyField(TimetableSlot, blank=True, related_name="+")
    same_gender = models.BooleanField("would like a mentor of the same gender", default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Matching preferences of {self.student}"


class MatchSettings(SchoolOwned):
    """A programme's matching rule and weights (the defaults of docs/matching.md)."""

    programme = models.OneToOneField(
        Programme, on_delete=models.PROTECT, related_name="match_settings"
    )
    min_year_gap = models.PositiveSmallIntegerField(
        "mentor at least this many years above the mentee",
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(6)],
    )
    w_interests = models.PositiveSmallIntegerField(
        "weight: each shared interest", default=3, validators=WEIGHT
    )
    w_availability = models.PositiveSmallIntegerField(
        "weight: each shared free time", default=1, validators=WEIGHT
    )
    w_language = models.PositiveSmallIntegerField(
        "weight: a shared home language other than English", default=2, validators=WEIGHT
    )
    w_preference = models.PositiveSmallIntegerField(
        "weight: the mentor the mentee asked for", default=5, validators=WEIGHT
    )

    def __str__(self) -> str:
        return f"Matching settings of {self.programme}"


class MatchRun(SchoolOwned):
    """A coordinator's round of matching for a one-to-one programme: solved as
    often as they like, with their locks and rejections, until published (which
    proposes the mentorships) or set aside."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PUBLISHED = "published", "Published"
        DISCARDED = "discarded", "Set aside"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="match_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    # When the settings, a lock, a rejection or a waiting mentee's preferences last
    # changed: a result older than this must be run again before it is published.
    changed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme"],
                condition=models.Q(status="open"),
                name="one_open_match_run_per_programme",
            )
        ]

    def __str__(self) -> str:
        return f"Match run for {self.programme}"


class MatchSolve(SchoolOwned):
    """One solve of a run, kept as it was: the settings, the exact problem given to
    the engine (students and mentors by public id) and its result."""

    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="solves")
    number = models.PositiveSmallIntegerField()
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    solved_at = models.DateTimeField(auto_now_add=True)
    problem = models.JSONField()
    result = models.JSONField()
    matched_count = models.PositiveIntegerField()
    total_score = models.PositiveIntegerField()
    optimal = models.BooleanField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["run", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="one_solve_per_number")
        ]

    def __str__(self) -> str:
        return f"Solve {self.number} of {self.run}"


class MatchPin(SchoolOwned):
    """A coordinator's decision about one pair in a run: keep it (lock) or never
    propose it (reject). Re-runs honour every pin."""

    class Kind(models.TextChoices):
        LOCK = "lock", "Locked"
        REJECT = "reject", "Rejected"

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="pins")
    mentee = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    mentor = models.ForeignKey(MentorProfile, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pinned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "pinned_at"]
        constraints = [
            models.UniqueConstraint(fields=["run", "mentee", "mentor"], name="one_pin_per_pair"),
            models.UniqueConstraint(
                fields=["run", "mentee"],
                condition=models.Q(kind="lock"),
                name="one_lock_per_mentee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} pair in {self.run}"


class GroupFormation(SchoolOwned):
    """One proposal of groups for a group programme, kept as it was: the problem
    given to the engine (students, facilitators and mentors by public id), the
    groups it proposed with the balance reached, and whether staff created them."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CREATED = "created", "Groups created"
        DISCARDED = "discarded", "Set aside"

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="group_formations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    solved_at = models.DateTimeField(auto_now_add=True)
    problem = models.JSONField()
    result = models.JSONField()
    objective = models.FloatField()
    bound = models.FloatField()
    gap = models.FloatField()
    optimal = models.BooleanField()
    seconds = models.FloatField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-solved_at"]

    def __str__(self) -> str:
        return f"Groups proposed for {self.programme}"
