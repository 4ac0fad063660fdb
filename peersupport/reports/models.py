"""What reports keep of their own: outreach targets for representation, and impact
reports with the coordinator's narrative and, once issued, the figures frozen as
they were. Everything else reports shows is read from the other apps."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peersupport.schools.models import SchoolOwned


class Side(models.TextChoices):
    MENTEES = "mentees", "Students supported"
    MENTORS = "mentors", "Peer mentors"


class OutreachTarget(SchoolOwned):
    """A share of a group the school aims for among those taking part, for example
    "mentors: at least 20% pupil premium". ``characteristic`` and ``group`` name a
    row of the representation page (for example "pp" and "yes", "ethnicity" and
    "Black")."""

    side = models.CharField(max_length=10, choices=Side.choices)
    characteristic = models.CharField(max_length=20)
    group = models.CharField(max_length=60)
    at_least_percent = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_on = models.DateField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["side", "characteristic", "group"]

    def __str__(self) -> str:
        return f"{self.get_side_display()}: at least {self.at_least_percent}% {self.group}"


class ImpactReport(SchoolOwned):
    """A termly or annual report for governors, the trust or inspectors. While a
    draft, its figures are worked out afresh each time it is shown; issuing it
    freezes them (``figures``), so the saved report keeps the figures as they were
    when issued. Never names a student."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"

    title = models.CharField(max_length=150)
    period_from = models.DateField()
    period_to = models.DateField()
    audience = models.CharField(
        max_length=150, blank=True, help_text="For example: governors, the trust, Ofsted."
    )
    what_we_did = models.TextField(blank=True)
    what_we_learned = models.TextField(blank=True)
    what_we_changed = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The figures as they were when issued (JSON of the report's sections).
    figures = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_to", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")),
                name="impact_report_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title
