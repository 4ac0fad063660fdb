"""Schools are the tenants: every school-owned row carries its school."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


class Phase(models.TextChoices):
    PRIMARY = "primary", "Primary"
    MIDDLE = "middle", "Middle"
    SECONDARY = "secondary", "Secondary"
    ALL_THROUGH = "all_through", "All-through"
    SPECIAL = "special", "Special school"
    ALTERNATIVE = "alternative", "Alternative provision"
    SIXTH_FORM = "sixth_form", "Sixth form or college"


class School(models.Model):
    """A school using the platform; the tenant that owns its students and staff."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    urn = models.CharField(
        "URN",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", "A URN is six digits.")],
        help_text="The school's unique reference number from Get Information About Schools.",
    )
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.SECONDARY)
    academic_year_start_month = models.PositiveSmallIntegerField(
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="The month the school's academic year starts (9 for September).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"


class SchoolOwned(models.Model):
    """Abstract base of every school-owned model: its school and a public UUID that
    URLs use in place of the integer id."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class DateSpan(SchoolOwned):
    """Abstract: a named span of days, first and last day included."""

    name = models.CharField(max_length=80)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        abstract = True
        ordering = ["school", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="%(class)s_ends_after_it_starts",
            )
        ]


class Term(DateSpan):
    """A term of the school year (for example "Autumn 2026"), used for scheduling and
    reporting periods."""

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d/%m/%Y} to {self.ends_on:%d/%m/%Y})"


class Holiday(DateSpan):
    """A day or span when the school is closed inside or between terms: half term,
    bank holidays, training (INSET) days."""

    def __str__(self) -> str:
        return self.name


class TimetableSlot(SchoolOwned):
    """A regular time in the school week when peer support can happen (for example
    "Mon lunch", "Wed after school"): mentors' availability and groups' slots."""

    class Part(models.TextChoices):
        BEFORE_SCHOOL = "before", "before school"
        BREAK = "break", "break"
        LUNCH = "lunch", "lunch"
        AFTER_SCHOOL = "after", "after school"

    weekday = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(6)], help_text="0 is Monday."
    )
    part = models.CharField(max_length=10, choices=Part.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["school", "weekday", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "weekday", "part"], name="one_slot_per_day_and_part"
            )
        ]

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.get_part_display()}"


WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
