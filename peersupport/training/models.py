"""Training modules and who has completed them, until when; training events;
protocols, their versions and who acknowledged them."""

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
    event = models.ForeignKey(
        "TrainingEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="completions"
    )
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


class TrainingEvent(SchoolOwned):
    """A module delivered in person on a day: attending it completes the module."""

    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="events")
    held_on = models.DateField("date")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The member of staff who ran it, if it was one of ours.",
    )
    trainer_name = models.CharField("trainer (if from outside)", max_length=150, blank=True)
    place = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.module} on {self.held_on:%d/%m/%Y}"


class TrainingAttendance(SchoolOwned):
    """Someone on a training event's register: a student mentor or a member of staff.
    Marking them as there records their completion."""

    event = models.ForeignKey(TrainingEvent, on_delete=models.PROTECT, related_name="attendance")
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(student__isnull=False, user__isnull=True)
                | models.Q(student__isnull=True, user__isnull=False),
                name="training_attendance_of_a_student_or_a_user",
            ),
            models.UniqueConstraint(
                fields=["event", "student"], name="one_place_per_student_per_event"
            ),
            models.UniqueConstraint(fields=["event", "user"], name="one_place_per_user_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {'came' if self.attended else 'expected'}"


class Protocol(SchoolOwned):
    """A guideline for a difficult moment ("If someone tells you something
    worrying"). Its words live in versions; the newest published one is current."""

    class Audience(models.TextChoices):
        MENTORS = "mentors", "Peer mentors and staff"
        STAFF = "staff", "Staff only"

    key = models.SlugField(max_length=60, help_text="A short name that stays the same.")
    title = models.CharField(max_length=120, help_text='For example "If a session gets heated".')
    summary = models.CharField(max_length=300, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.MENTORS)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["school", "order", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "key"], name="one_protocol_per_key_per_school"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProtocolVersion(SchoolOwned):
    """One published wording of a protocol (Markdown, rendered safely). Versions are
    never edited: a change is a new version, which everyone it is for acknowledges
    again."""

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    content = models.TextField(help_text="Markdown.")
    change_note = models.CharField("what changed", max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["protocol", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "number"], name="one_protocol_version_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.protocol} (version {self.number})"


class ProtocolAcknowledgement(SchoolOwned):
    """Someone read a version of a protocol and said they understood it."""

    version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="protocol_acknowledgements"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "user"], name="one_acknowledgement_per_version_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.version}"
