"""Concerns, safeguarding chronologies, conflicts and urgent words.

Who sees what (access.py): DSLs everything; coordinators every concern except
safeguarding ones; facilitators the concerns they raised and conflicts in their own
groups; partners, viewers, mentors and students no concern content at all (a mentor
cannot read back even their own worry).

Free text is encrypted at rest (EncryptedTextField, key FIELD_ENCRYPTION_KEY,
rotatable with ``manage.py rotate_field_key``). Safeguarding records are append-only:
their entries, the students and staff an entry links, and the safeguarding concern's
first account (its words, kind, who raised it, when, and the students it names; only
its workflow columns change). Refused in the ORM (here and in signals.py) and, on
PostgreSQL and SQLite, by database triggers (migrations 0002 and 0003); a mistake is
corrected by a new entry that links to what it corrects."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peersupport.programmes.models import Group, KeepApart, Mentorship
from peersupport.schools.fields import EncryptedTextField
from peersupport.schools.models import SchoolOwned
from peersupport.students.models import Student


class ConcernKind(models.TextChoices):
    WELLBEING = "wellbeing", "Wellbeing worry"
    CONFLICT = "conflict", "Conflict between students"
    DISCRIMINATION = "discrimination", "Discrimination, bullying or exclusion"
    BOUNDARY = "boundary", "Boundary breach"
    SAFEGUARDING = "safeguarding", "Safeguarding: a child may be at risk of harm"


class Characteristic(models.TextChoices):
    """The protected characteristic involved in a discrimination incident (Equality
    Act 2010 characteristics relevant to students), or another such as SEN."""

    RACE = "race", "Race"
    RELIGION = "religion", "Religion or belief"
    SEX = "sex", "Sex"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
    GENDER_REASSIGNMENT = "gender_reassignment", "Gender reassignment"
    DISABILITY = "disability", "Disability"
    OTHER = "other", "Other (for example SEN)"


class ConcernSettings(SchoolOwned):
    """A school's rules for concerns. One per school; defaults until changed."""

    acknowledge_within_minutes = models.PositiveSmallIntegerField(
        "a DSL must acknowledge a safeguarding concern within (minutes, in school hours)",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A named deputy DSL or the head teacher, told if no DSL acknowledges in time.",
    )
    school_day_starts = models.TimeField(default=datetime.time(8, 30))
    school_day_ends = models.TimeField(default=datetime.time(16, 0))
    fully_anonymous_reporting = models.BooleanField(
        "allow fully anonymous reports",
        default=False,
        help_text="Staff will not know who raised such a report, so they cannot follow it up "
        "with that person.",
    )
    conflict_resolve_within_days = models.PositiveSmallIntegerField(
        "a conflict unresolved after this many days goes to the coordinator",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school"], name="one_concern_settings_per_school")
        ]

    def __str__(self) -> str:
        return "Concern settings"


class SafeguardingRecordIsAppendOnly(Exception):
    """Raised on any attempt to change or delete what a safeguarding record says: the
    first account of a safeguarding concern, its entries, or whom they name."""


# What may still change on a safeguarding concern after it is raised: its workflow
# (the urgent flag, acknowledgement, escalation, closing by an outcome entry).
# Everything else is the first account of what was seen and is never changed.
SAFEGUARDING_WORKFLOW_FIELDS = frozenset(
    {
        "urgent",
        "status",
        "acknowledged_by",
        "acknowledged_at",
        "escalated_to",
        "escalated_at",
        "closed_by",
        "closed_at",
    }
)


def _refuse_changing_a_safeguarding_account() -> NoReturn:
    raise SafeguardingRecordIsAppendOnly(
        "Safeguarding records are append-only: the first account of a safeguarding "
        "concern cannot be changed or deleted. Add a correction entry instead."
    )


def _field_names(model: type[models.Model], names: Iterable[str]) -> set[str]:
    """Field names for names that may be attnames ("raised_by_id")."""
    return {model._meta.get_field(name).name for name in names}


class ConcernQuerySet(models.QuerySet["Concern"]):
    """Bulk writes that would change or delete a safeguarding concern's first
    account are refused, as Concern.save and Concern.delete refuse them."""

    def update(self, **kwargs: Any) -> int:
        if not _field_names(self.model, kwargs) <= SAFEGUARDING_WORKFLOW_FIELDS and (
            kwargs.get("kind") == ConcernKind.SAFEGUARDING
            or self.filter(kind=ConcernKind.SAFEGUARDING).exists()
        ):
            _refuse_changing_a_safeguarding_account()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(kind=ConcernKind.SAFEGUARDING).exists():
            _refuse_changing_a_safeguarding_account()
        return super().delete()


class Concern(SchoolOwned):
    """A worry raised by anyone. What it says is encrypted; who may read it depends on
    its kind and the reader's role (access.py). A safeguarding concern's first account
    is append-only: only SAFEGUARDING_WORKFLOW_FIELDS are saved after it is raised,
    and it is never deleted."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Source(models.TextChoices):
        SESSION_LOG = "session_log", "A session note"
        STUDENT = "student", "A student's profile"
        GROUP = "group", "A group's page"
        HOME = "home", "Their own page"
        OTHER = "other", "Elsewhere"

    kind = models.CharField(max_length=20, choices=ConcernKind.choices)
    # None when the school allows fully anonymous reports and the student chose one.
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_as = models.CharField("role of the person raising it", max_length=20)
    anonymous_to_students = models.BooleanField(default=False)
    fully_anonymous = models.BooleanField(default=False)
    about_themself = models.BooleanField(default=False)
    text = EncryptedTextField("what happened or what was said")
    characteristic = models.CharField(max_length=20, choices=Characteristic.choices, blank=True)
    students = models.ManyToManyField(Student, blank=True, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.OTHER)
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set by the urgent-words check: someone must look at it soon.
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Safeguarding: acknowledged by a DSL, or escalated if not in time.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Non-safeguarding: how staff responded, and support for the person harmed.
    response = EncryptedTextField(blank=True)
    support_given = EncryptedTextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "kind", "status"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        workflow_only = update_fields is not None and (
            _field_names(Concern, update_fields) <= SAFEGUARDING_WORKFLOW_FIELDS
        )
        if not self._state.adding and not workflow_only and self.is_safeguarding_record():
            _refuse_changing_a_safeguarding_account()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_safeguarding_record():
            _refuse_changing_a_safeguarding_account()
        return super().delete(*args, **kwargs)

    def is_safeguarding_record(self) -> bool:
        """Whether this is, or is stored as, a safeguarding concern: the kind in hand
        may have been changed since it was read, so the database is asked too."""
        if self.kind == ConcernKind.SAFEGUARDING:
            return True
        if self.pk is None:
            return False
        stored = Concern._base_manager.filter(pk=self.pk, kind=ConcernKind.SAFEGUARDING)
        return stored.exists()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} concern"


class SafeguardingOutcome(models.TextChoices):
    SOCIAL_CARE = "social_care", "Referred to children's social care"
    EARLY_HELP = "early_help", "Early help"
    POLICE = "police", "Reported to the police"
    MONITORING = "monitoring", "Monitoring in school"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class SafeguardingEntryIsAppendOnly(SafeguardingRecordIsAppendOnly):
    """Raised on any attempt to change or delete a safeguarding entry, or the
    students and staff it links once it is written."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise SafeguardingEntryIsAppendOnly(
        "Safeguarding entries cannot be changed or deleted: add a correction instead."
    )


class SafeguardingEntryQuerySet(models.QuerySet["SafeguardingEntry"]):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse
    update_or_create = _refuse
    _raw_delete = _refuse


class SafeguardingEntry(SchoolOwned):
    """One entry of a safeguarding record's chronology: added, never edited or
    deleted. A correction is a new entry that names the entry it corrects."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", "What was seen or said"
        ACTION = "action", "Action taken"
        DECISION = "decision", "Decision"
        OUTCOME = "outcome", "Outcome"
        CORRECTION = "correction", "Correction"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = EncryptedTextField()
    outcome = models.CharField(max_length=20, choices=SafeguardingOutcome.choices, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    students = models.ManyToManyField(Student, blank=True, related_name="+")
    staff_involved = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    objects = SafeguardingEntryQuerySet.as_manager()

    class Meta:
        ordering = ["concern", "written_at", "pk"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} in {self.concern}"


class SafeguardingTransfer(SchoolOwned):
    """A student's safeguarding file sent to their new school's DSL when they leave."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    recipient_school = models.CharField(max_length=200)
    recipient_name = models.CharField("receiving DSL", max_length=150)
    recipient_email = models.EmailField(blank=True)
    sent_on = models.DateField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    receipt_confirmed_on = models.DateField(null=True, blank=True)
    receipt_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Safeguarding file sent to {self.recipient_school}"


class ConflictCase(SchoolOwned):
    """A conflict between students, handled restoratively: preparation
    conversations, a restorative meeting, an agreement, a follow-up check."""

    class Stage(models.TextChoices):
        RAISED = "raised", "Raised"
        PREPARING = "preparing", "Preparation conversations"
        MET = "met", "Restorative meeting held"
        AGREED = "agreed", "Agreement made"
        RESOLVED = "resolved", "Resolved"

    concern = models.OneToOneField(Concern, on_delete=models.PROTECT, related_name="conflict")
    students = models.ManyToManyField(Student, related_name="+")
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.RAISED)
    # While unresolved, the coordinator may keep the students apart (programmes rule).
    keep_apart = models.ManyToManyField(KeepApart, blank=True, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "Conflict"


class ConflictAccount(SchoolOwned):
    """What happened, in one person's own words."""

    case = models.ForeignKey(ConflictCase, on_delete=models.PROTECT, related_name="accounts")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    account = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "Account"


class ConflictStep(SchoolOwned):
    """One step of the restorative process, with its date."""

    class Kind(models.TextChoices):
        PREPARATION = "preparation", "Preparation conversation"
        MEETING = "meeting", "Restorative meeting"
        AGREEMENT = "agreement", "Agreement"
        FOLLOW_UP = "follow_up", "Follow-up check"

    class FollowUp(models.TextChoices):
        HOLDING = "holding", "Holding"
        BROKEN = "broken", "Broken"
        RESOLVED = "resolved", "Resolved"

    case = models.ForeignKey(ConflictCase, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    held_on = models.DateField()
    # Preparation: with whom.
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Meeting: the restorative questions.
    what_happened = EncryptedTextField(blank=True)
    who_was_affected = EncryptedTextField("who has been affected and how", blank=True)
    put_right = EncryptedTextField("what needs to happen to put things right", blank=True)
    # Agreement: actions with owners, and when to check.
    actions = models.JSONField(default=list, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    # Follow-up: how it stands.
    follow_up = models.CharField(max_length=10, choices=FollowUp.choices, blank=True)
    notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "held_on", "recorded_at"]

    def __str__(self) -> str:
        return self.get_kind_display()


class UrgentPhrase(SchoolOwned):
    """A phrase that suggests a risk of harm. Each school starts from the shipped
    list (concerns/urgent_phrases.txt) and its DSLs keep it up to date."""

    phrase = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phrase"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "phrase"], name="one_urgent_phrase_per_school"
            )
        ]

    def __str__(self) -> str:
        return self.phrase


class UrgentFlag(SchoolOwned):
    """A piece of free text by a student or mentor that matched an urgent phrase:
    for urgent review by staff. It never stops the text being saved."""

    source_type = models.CharField(max_length=30)
    source_public_id = models.UUIDField()
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    phrases = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return "Urgent words"


__all__ = [
    "Characteristic",
    "Concern",
    "ConcernKind",
    "ConcernSettings",
    "ConflictAccount",
    "ConflictCase",
    "ConflictStep",
    "SafeguardingEntry",
    "SafeguardingEntryIsAppendOnly",
    "SafeguardingOutcome",
    "SafeguardingRecordIsAppendOnly",
    "SafeguardingTransfer",
    "UrgentFlag",
    "UrgentPhrase",
]
