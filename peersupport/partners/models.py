"""Outside services: organisations and their services, contacts and data sharing
agreements; referrals out with consent, status history and notes; partner users;
partner-led training; signposting entries; research exports.

Field classes: organisation, service, contact and signposting fields are public or
professional contact details. A referral's reason, written summary, the snapshot
of what was shared, override reasons and notes are special category (health) or
may be safeguarding: encrypted at rest."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from peersupport.schools.fields import EncryptedTextField
from peersupport.schools.models import SchoolOwned
from peersupport.students.models import ConsentMethod, Student
from peersupport.training.models import TrainingEvent, TrainingModule


class OrganisationKind(models.TextChoices):
    CAMHS = "camhs", "NHS CAMHS"
    MHST = "mhst", "Mental health support team"
    EP = "ep", "Educational psychology service"
    NURSING = "nursing", "School nursing"
    EARLY_HELP = "early_help", "Local authority early help"
    CHARITY = "charity", "Charity or community organisation"
    UNIVERSITY = "university", "University or research group"
    OTHER = "other", "Other"


class Organisation(SchoolOwned):
    """An outside organisation the school works with."""

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=12, choices=OrganisationKind.choices)
    about = models.TextField("what they do", blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], name="one_organisation_per_name_per_school"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Service(SchoolOwned):
    """A service an organisation offers, who is eligible and how to refer to it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    eligibility = models.TextField("who is eligible", blank=True)
    referral_route = models.TextField(
        "how to refer", blank=True, help_text="The route, the forms to use and the thresholds."
    )
    parent_consent_needed = models.BooleanField(
        "parent's consent always needed",
        default=False,
        help_text="Otherwise it is needed for students under the school's consent age.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name}"


class Contact(SchoolOwned):
    """A person at an organisation. A contact with a user signs in with the partner
    role and sees the referrals made to their organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(max_length=150)
    job_title = models.CharField("role", max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_contacts",
    )

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="one_contact_per_user_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Agreement(SchoolOwned):
    """A data sharing agreement between the school and an organisation. Personal
    data may be shared with the organisation only while one is in force: signed on
    or before today and not past its review date."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements"
    )
    signed_on = models.DateField("date signed")
    review_on = models.DateField("review date")
    scope = models.TextField(help_text="What may be shared, and what for.")
    covers_research = models.BooleanField(
        "covers research exports",
        default=False,
        help_text="Pseudonymous data for research (universities and research groups).",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-review_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review_on__gt=models.F("signed_on")),
                name="agreement_review_after_signing",
            )
        ]

    def __str__(self) -> str:
        return f"Agreement with {self.organisation} (review {self.review_on:%d/%m/%Y})"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon (within two weeks)"
    URGENT = "urgent", "Urgent"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted"
    WAITLISTED = "waitlisted", "On the waiting list"
    DECLINED = "declined", "Declined"
    SEEN = "seen", "Seen"
    CLOSED = "closed", "Closed"


class ReferralOut(SchoolOwned):
    """A referral of a student to an organisation's service. What is shared is
    chosen item by item; when it is sent, a snapshot of those items is kept (the
    partner reads the snapshot, never the live records)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    reason = EncryptedTextField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # Keys of the items shared (see students/sharing.py), ticked by the referrer.
    shared_items = models.JSONField(default=list, blank=True)
    written_summary = EncryptedTextField(blank=True)
    # {item key: {"label": str, "lines": [str, ...]}}, as JSON, taken when sent.
    shared_snapshot = EncryptedTextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    status_changed_on = models.DateField(null=True, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    first_response_on = models.DateField(null=True, blank=True)
    seen_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    decline_reason = EncryptedTextField(blank=True)
    outcome = EncryptedTextField(blank=True)
    consent_override_reason = EncryptedTextField(blank=True)
    consent_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_by_dsl = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["organisation", "status"]),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.organisation} ({self.get_status_display()})"


class ReferralConsent(SchoolOwned):
    """Consent to a referral: the student's own, or a parent's or carer's, with who,
    when and how."""

    class Who(models.TextChoices):
        STUDENT = "student", "The student"
        PARENT = "parent", "A parent or carer"

    referral = models.ForeignKey(ReferralOut, on_delete=models.PROTECT, related_name="consents")
    who = models.CharField(max_length=10, choices=Who.choices)
    given_by = models.CharField("name of the person", max_length=150)
    relationship = models.CharField(max_length=50, blank=True)
    method = models.CharField("how", max_length=20, choices=ConsentMethod.choices)
    given_on = models.DateField("date")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral", "given_on"]

    def __str__(self) -> str:
        return f"{self.get_who_display()} consented on {self.given_on:%d/%m/%Y}"


class ReferralStep(SchoolOwned):
    """One change of a referral's status, with its date and who recorded it (school
    staff or the partner). The history waiting times are measured from."""

    referral = models.ForeignKey(ReferralOut, on_delete=models.PROTECT, related_name="steps")
    status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    on = models.DateField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral", "on", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.on:%d/%m/%Y}"


class ReferralNote(SchoolOwned):
    """A note on a referral, by school staff or by the partner; both sides read it."""

    referral = models.ForeignKey(ReferralOut, on_delete=models.PROTECT, related_name="notes")
    text = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_partner = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral", "created_at"]

    def __str__(self) -> str:
        return f"Note of {self.created_at:%d/%m/%Y}"


class PartnerSettings(SchoolOwned):
    """A school's settings for referrals out."""

    reminder_days = models.PositiveSmallIntegerField(
        "days without an answer before a reminder", default=10
    )
    parent_consent_under = models.PositiveSmallIntegerField(
        "parent's consent needed under this age", default=13
    )
    research_k = models.PositiveSmallIntegerField(
        "smallest group in a research export (k)", default=5
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school"], name="one_partner_settings_per_school")
        ]

    def __str__(self) -> str:
        return "Referral settings"


class DeliveredTraining(SchoolOwned):
    """A training module, or one training event, delivered by an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="training"
    )
    module = models.ForeignKey(
        TrainingModule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        TrainingEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(module__isnull=False, event__isnull=True)
                | models.Q(module__isnull=True, event__isnull=False),
                name="delivered_training_is_a_module_or_an_event",
            ),
            models.UniqueConstraint(
                fields=["organisation", "module"], name="one_delivery_record_per_module"
            ),
            models.UniqueConstraint(
                fields=["organisation", "event"], name="one_delivery_record_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"Training by {self.organisation}"


class SignpostEntry(SchoolOwned):
    """Where to get help: a school contact or a local service the school adds.
    National services are shipped as data (partners/signposting.json)."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "In school"
        LOCAL = "local", "Local service"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=150)
    what_for = models.CharField("what they help with", max_length=300)
    phone = models.CharField(max_length=40, blank=True)
    text = models.CharField("text line", max_length=80, blank=True)
    website = models.URLField(blank=True)
    hours = models.CharField("when they are open", max_length=150, blank=True)
    where = models.CharField("where to find them", max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    last_checked_on = models.DateField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "position", "name"]

    def __str__(self) -> str:
        return self.name


class ResearchExport(SchoolOwned):
    """A record of one research export: what was shared, with whom, when and under
    which agreement. The file itself is not kept; its SHA-256 is."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="research_exports"
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)
    period_from = models.DateField()
    period_to = models.DateField()
    k = models.PositiveSmallIntegerField()
    columns = models.JSONField(default=list)
    generalised = models.JSONField(default=dict, help_text="Quasi-identifier → level used.")
    rows = models.PositiveIntegerField()
    suppressed = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return f"Research export for {self.organisation} on {self.made_at:%d/%m/%Y}"
