"""Training modules and who has completed them, until when."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peersupport.schools.models import SchoolOwned
from peersupport.students.models import Student


class TrainingModule(SchoolOwned):
    """A piece of training for mentors or facilitators, with its content (Markdown,
    rendered safely) and a short knowledge check."""

    class Audience(models.TextChoices):
        MENTOR = "mentor", "Peer mentors"
        FACILITATOR = "facilitator", "Facilitators"

    class DeliveredBy(models.TextChoices):
        SCHOOL = "school", "School staff"
        PARTNER = "partner", "An outside partner"

    key = models.SlugField(max_length=60, help_text="A short name that stays the same.")
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300, blank=True)
    content = models.TextField(blank=True, help_text="Markdown.")
    minutes = models.PositiveSmallIntegerField(default=20)
    core = models.BooleanField(default=True)
    audience = models.CharField(max_length=12, choices=Audience.choices, default=Audience.MENTOR)
    refresh_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Completion lasts this many months; empty means for good."
    )
    delivered_by = models.CharField(
        max_length=10, choices=DeliveredBy.choices, default=DeliveredBy.SCHOOL
    )
    # [{"question": str, "options": [{"text": str, "correct": bool, "feedback": str}]}]
    questions = models.JSONField(default=list, blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent."
    )

    class Meta:
        ordering = ["school", "title"]
        constraints = [
            models.UniqueConstraint(fields=["school", "key"], name="one_module_per_key_per_school")
        ]

    def __str__(self) -> str:
        return self.title


class Completion(SchoolOwned):
    """Someone completed a module: a student mentor, or a member of staff."""

    class How(models.TextChoices):
        IN_PERSON = "in_person", "At a training session"
        SELF_PACED = "self_paced", "Online, with the knowledge check"
        RECORDED = "recorded", "Recorded by staff"

    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="completions")
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="completions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="completions",
    )
    completed_on = models.DateField()
    how = models.CharField(max_length=12, choices=How.choices)
    expires_on = models.DateField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(student__isnull=False, user__isnull=True)
                | models.Q(student__isnull=True, user__isnull=False),
                name="completion_by_a_student_or_a_user",
            )
        ]
        indexes = [models.Index(fields=["student", "module"])]

    def __str__(self) -> str:
        return f"{self.module} on {self.completed_on:%d/%m/%Y}"
