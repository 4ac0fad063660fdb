"""Sessions of groups and mentorships, the register, session logs and check-ins.

Field classes: a check-in's own word is a student's free text about how they feel
(special category), encrypted at rest."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from peersupport.programmes.models import Enrolment, Group, MentorProfile, Mentorship, Programme
from peersupport.schools.fields import EncryptedTextField
from peersupport.schools.models import SchoolOwned
from peersupport.students.models import Student


class SessionSeries(SchoolOwned):
    """A weekly or fortnightly run of sessions inside term dates."""

    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    every_weeks = models.PositiveSmallIntegerField(
        choices=[(1, "Every week"), (2, "Every two weeks")], default=1
    )
    first_date = models.DateField()
    until_date = models.DateField()
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    room = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Series from {self.first_date:%d/%m/%Y}"


class Session(SchoolOwned):
    """One meeting of a group or a mentorship, alone or one of a series. A moved
    occurrence keeps its original date, so the series still knows it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    original_date = models.DateField(null=True, blank=True)
    date = models.DateField(db_index=True)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    room = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # The register's size and how many came (present or late), kept by
    # meetings.services.attendance_mark (the only writer of marks; marks are never
    # deleted) so that a period's attendance is a sum over its sessions rather than
    # a count over every mark: the programme health dashboard reads years of them.
    marked_count = models.PositiveIntegerField(default=0, editable=False)
    attended_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(group__isnull=False, mentorship__isnull=True)
                    | models.Q(group__isnull=True, mentorship__isnull=False)
                ),
                name="session_of_a_group_or_a_mentorship",
            ),
            models.UniqueConstraint(
                fields=["series", "original_date"], name="one_session_per_series_date"
            ),
        ]
        # The sessions of a period (the programme health dashboard).
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"Session on {self.date:%d/%m/%Y}"

    @property
    def moved(self) -> bool:
        return self.original_date is not None and self.original_date != self.date


class Mark(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    ABSENT_REASON = "absent_reason", "Absent, reason given"
    ABSENT = "absent", "Absent, no reason"


ATTENDED = frozenset({Mark.PRESENT, Mark.LATE})


class Attendance(SchoolOwned):
    """One student's mark in one session's register."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="attendances")
    mark = models.CharField(max_length=15, choices=Mark.choices)
    reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="one_mark_per_student")
        ]
        indexes = [
            models.Index(fields=["student", "session"]),
            # A session's marks counted by mark without reading them (the dashboard).
            models.Index(fields=["session", "mark"]),
        ]

    def __str__(self) -> str:
        return self.get_mark_display()


class SessionLog(SchoolOwned):
    """A short note of a session by its mentor or facilitator."""

    class HowItWent(models.TextChoices):
        WELL = "well", "It went well"
        OK = "ok", "It was OK"
        HARD = "hard", "It was hard"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="logs")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    topics = models.JSONField(default=list, blank=True)
    how_it_went = models.CharField(max_length=10, choices=HowItWent.choices)
    needs_help = models.BooleanField("I need help from staff", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Log of {self.session}"


class CheckIn(SchoolOwned):
    """How a student feels, from 1 (very bad) to 5 (very good), with an optional
    word of their own. Theirs and staff's: other students never see it."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="check_ins")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="check_ins"
    )
    feeling = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    word = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Check-in {self.feeling}/5"


class StaffContact(SchoolOwned):
    """A member of staff checking in with a mentor or a mentee, for the contact
    cadence (twice in the first month, then monthly)."""

    class How(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        ONLINE = "online", "Online"

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="staff_contacts")
    mentorship = models.ForeignKey(
        Mentorship, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    contacted_on = models.DateField()
    how = models.CharField(max_length=10, choices=How.choices, default=How.IN_PERSON)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on"]

    def __str__(self) -> str:
        return f"Contact on {self.contacted_on:%d/%m/%Y}"


class DailyDigest(SchoolOwned):
    """Marks that a member of staff's daily e-mail was sent, so the daily job can
    run twice without sending twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "user", "day"], name="one_digest_a_day")
        ]

    def __str__(self) -> str:
        return f"Digest for {self.day:%d/%m/%Y}"


class EngagementSnapshot(SchoolOwned):
    """The engagement signals of one enrolment as last worked out, so that the
    at-risk list reads one row per student instead of a year of registers. A
    register mark, check-in or staff contact marks the student's snapshots changed;
    pages work stale ones out again, and the daily job refreshes them all."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="snapshot")
    status = models.CharField(max_length=10)
    reasons = models.JSONField(default=list)
    attendance_recent = models.FloatField(null=True)
    attendance_overall = models.FloatField(null=True)
    consecutive_missed = models.PositiveIntegerField(default=0)
    trend = models.CharField(max_length=20)
    last_attended = models.DateField(null=True)
    last_contact = models.DateField(null=True)
    computed_on = models.DateField()
    computed_at = models.DateTimeField()
    # Set by the services that change what the signals are made from (a register
    # mark, a moved or cancelled session, a check-in, a staff contact). Later than
    # computed_at means stale; a refresh never overwrites it, so a change made while
    # a refresh runs is not lost.
    changed_at = models.DateTimeField(null=True, blank=True)
    # The daily job opened a follow-up for this spell at risk; cleared when the
    # student is no longer at risk, so the next spell gets a new follow-up.
    follow_up_opened = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"{self.status} on {self.computed_on:%d/%m/%Y}"


class Supervision(SchoolOwned):
    """A facilitator's supervision of peer mentors, one-to-one or as a group: who
    came, what was talked about and what is to be done. Notes may name students,
    so they are encrypted at rest."""

    class Kind(models.TextChoices):
        GROUP = "group", "Group supervision"
        ONE_TO_ONE = "one_to_one", "One-to-one"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField("date")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.GROUP)
    notes = EncryptedTextField(blank=True)
    actions = EncryptedTextField("actions agreed", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["school", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on:%d/%m/%Y}"


class SupervisionAttendance(SchoolOwned):
    """A mentor who came to supervision, with their answer to "How are you doing?"
    (mentors need support too)."""

    class Feeling(models.IntegerChoices):
        STRUGGLING = 1, "Struggling"
        NOT_GREAT = 2, "Not great"
        OKAY = 3, "Okay"
        GOOD = 4, "Good"
        GREAT = 5, "Great"

    supervision = models.ForeignKey(
        Supervision, on_delete=models.PROTECT, related_name="attendance"
    )
    mentor = models.ForeignKey(MentorProfile, on_delete=models.PROTECT, related_name="supervisions")
    feeling = models.PositiveSmallIntegerField(
        "how they are doing", choices=Feeling.choices, null=True, blank=True
    )
    feeling_note = EncryptedTextField("anything they want to add", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["supervision", "mentor"], name="one_place_per_mentor_per_supervision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor} at {self.supervision}"
