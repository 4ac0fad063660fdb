"""What the school runs: programmes, who is referred and enrolled, peer mentors,
groups, one-to-one mentorships, and pairs of students who must be kept apart.

Field classes: referral details and keep-apart reasons are special category or
safeguarding free text, encrypted at rest; need areas are special category."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peersupport.schools.fields import EncryptedTextField
from peersupport.schools.models import SchoolOwned, Term, TimetableSlot
from peersupport.students.models import Student
from peersupport.training.models import TrainingModule


class NeedArea(models.TextChoices):
    ANXIETY = "anxiety", "Worry and anxiety"
    LOW_MOOD = "low_mood", "Low mood"
    FRIENDSHIPS = "friendships", "Friendships and feeling left out"
    TRANSITION = "transition", "Starting or moving school"
    SELF_ESTEEM = "self_esteem", "Confidence and self-esteem"
    ANGER = "anger", "Anger and managing feelings"
    BULLYING = "bullying", "Bullying"
    LOSS = "loss", "Loss and bereavement"
    FAMILY = "family", "Changes at home"
    ATTENDANCE = "attendance", "Coming to school"
    OTHER = "other", "Something else"


class Programme(SchoolOwned):
    """A peer support programme the school runs, such as "Year 7 transition
    buddies" or "Lunchtime peer support group"."""

    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", "One-to-one mentoring"
        GROUP = "group", "Peer support group"
        DROP_IN = "drop_in", "Drop-in"

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        RUNNING = "running", "Running"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    aims = models.TextField(blank=True)
    terms = models.ManyToManyField(Term, blank=True, related_name="+")
    leads = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    capacity = models.PositiveIntegerField(
        help_text="How many students can take part at once.", validators=[MinValueValidator(1)]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    consent_required = models.BooleanField(
        "parental consent required", default=False, help_text="To join, a student needs it."
    )
    required_modules = models.ManyToManyField(
        TrainingModule,
        blank=True,
        related_name="+",
        help_text="Training every mentor in this programme must hold.",
    )
    at_expiry = models.CharField(
        "when a mentor's training runs out",
        max_length=10,
        choices=[("warn", "Warn only"), ("pause", "Pause the mentor")],
        default="warn",
    )
    supervision_every_weeks = models.PositiveSmallIntegerField(
        "supervision every (weeks)",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="How often each mentor should have supervision with a facilitator.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "name"]

    def __str__(self) -> str:
        return self.name


class Referral(SchoolOwned):
    """A request for a student to join a programme, by staff, a parent (recorded by
    staff) or the student themself; the coordinator accepts, waitlists or declines."""

    class Source(models.TextChoices):
        STAFF = "staff", "A member of staff"
        PARENT = "parent", "A parent or carer"
        SELF = "self", "The student themself"

    class Status(models.TextChoices):
        NEW = "new", "Waiting for a decision"
        WAITLISTED = "waitlisted", "On the waiting list"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="referrals")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=10, choices=Source.choices)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    parent_name = models.CharField(max_length=150, blank=True)
    need_areas = models.JSONField(default=list)
    details = EncryptedTextField(blank=True)
    preferred_mentor = models.ForeignKey(
        "MentorProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentor_wishes = models.CharField(
        "what kind of mentor they would like", max_length=300, blank=True
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Referral to {self.programme}"


class Enrolment(SchoolOwned):
    """A student taking part in a programme as a mentee or group member."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolment"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The member of staff who follows this student up.",
    )

    class Meta:
        ordering = ["programme", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "student"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_enrolment_per_programme",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.programme}"


class MentorProfile(SchoolOwned):
    """A student peer mentor: from application to stepping down."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", "Applicant"
        IN_TRAINING = "in_training", "In training"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        STEPPED_DOWN = "stepped_down", "Stepped down"

    student = models.OneToOneField(Student, on_delete=models.PROTECT, related_name="mentor")
    why = models.TextField("why they want to be a mentor", blank=True)
    interests = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    availability = models.ManyToManyField(TimetableSlot, blank=True, related_name="+")
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.APPLICANT)
    reference_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student__legal_surname"]

    def __str__(self) -> str:
        return f"Mentor {self.student}"


class Group(SchoolOwned):
    """A peer support group within a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=120)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_groups"
    )
    co_facilitators = models.ManyToManyField(MentorProfile, blank=True, related_name="groups")
    max_size = models.PositiveSmallIntegerField(default=8, validators=[MinValueValidator(2)])
    slot = models.ForeignKey(
        TimetableSlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    room = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["programme", "name"]

    def __str__(self) -> str:
        return self.name


class GroupMember(SchoolOwned):
    """A student's place in a group."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="members")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="group_places")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["group", "student__legal_surname"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "student"],
                condition=models.Q(left_on__isnull=True),
                name="one_open_place_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.group}"


class Mentorship(SchoolOwned):
    """One mentor and one mentee: proposed, active, paused, closed."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class CloseReason(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met"
        MENTEE_STOPPED = "mentee_stopped", "The mentee chose to stop"
        MENTOR_STEPPED_DOWN = "mentor_stepped_down", "The mentor stepped down"
        NOT_A_GOOD_FIT = "not_a_good_fit", "Not a good fit"
        LEFT_SCHOOL = "left_school", "Left school"
        SAFEGUARDING = "safeguarding", "Safeguarding"
        OTHER = "other", "Other"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="mentorships")
    mentor = models.ForeignKey(MentorProfile, on_delete=models.PROTECT, related_name="mentorships")
    mentee = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="mentorships")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_at = models.DateTimeField(auto_now_add=True)
    started_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_planned = models.BooleanField(null=True, blank=True)
    closing_conversation_held = models.BooleanField(default=False)

    class Meta:
        ordering = ["programme", "-proposed_at"]

    def __str__(self) -> str:
        return f"{self.mentor.student} mentoring {self.mentee}"


class FitAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NOT_SURE = "not_sure", "Not sure yet"
    NO = "no", "No"


class FitCheck(SchoolOwned):
    """After the first session, mentor and mentee each say whether it feels like a
    good fit."""

    class Side(models.TextChoices):
        MENTOR = "mentor", "Mentor"
        MENTEE = "mentee", "Mentee"

    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, related_name="fit_checks")
    side = models.CharField(max_length=10, choices=Side.choices)
    answer = models.CharField(max_length=10, choices=FitAnswer.choices)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "side"], name="one_fit_check_per_side")
        ]

    def __str__(self) -> str:
        return f"{self.side}: {self.answer}"


class KeepApart(SchoolOwned):
    """Two students who must not be placed together in a group or a mentorship.
    The reason is for the coordinator and the DSL only."""

    student_a = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    student_b = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(student_a__lt=models.F("student_b")),
                name="keep_apart_pair_in_order",
            )
        ]

    def __str__(self) -> str:
        return "Keep apart"


class GroupAgreement(SchoolOwned):
    """One version of a group's ground rules (Markdown, rendered safely). A change is
    a new version, and every member is asked to agree again."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="agreements")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(help_text="Markdown.")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "number"], name="one_agreement_version_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} ground rules (version {self.number})"


class AgreementSignature(SchoolOwned):
    """A member agreed to a version of their group's ground rules."""

    agreement = models.ForeignKey(
        GroupAgreement, on_delete=models.PROTECT, related_name="signatures"
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    agreed_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-agreed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "student"], name="one_signature_per_agreement_per_student"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} agreed to {self.agreement}"
