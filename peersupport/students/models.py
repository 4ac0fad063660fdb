"""Student records as the school's MIS holds them, and consent.

Field classes (DESIGN.md, data protection): names, date of birth, UPN, form and
year group are personal; ethnicity, SEN status and need, looked-after status, FSM
and pupil premium are special category or sensitive and are shown only to staff
whose role allows it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from peersupport.schools.fields import EncryptedTextField
from peersupport.schools.models import SchoolOwned


class Gender(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other or not stated"


class SenStatus(models.TextChoices):
    NONE = "N", "No special educational need"
    SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "EHC plan"


class SenNeed(models.TextChoices):
    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Visual impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    ASD = "ASD", "Autistic spectrum disorder"
    OTH = "OTH", "Other difficulty or disability"
    NSA = "NSA", "SEN support but no specialist assessment of type of need"


class Ethnicity(models.TextChoices):
    """DfE school census ethnicity codes (main codes)."""

    WBRI = "WBRI", "White - British"
    WIRI = "WIRI", "White - Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy / Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black - African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


# The DfE's major ethnic groups, for reporting.
ETHNICITY_MAJOR_GROUP = {
    **dict.fromkeys(["WBRI", "WIRI", "WIRT", "WOTH", "WROM"], "White"),
    **dict.fromkeys(["MWBC", "MWBA", "MWAS", "MOTH"], "Mixed"),
    **dict.fromkeys(["AIND", "APKN", "ABAN", "AOTH"], "Asian"),
    **dict.fromkeys(["BCRB", "BAFR", "BOTH"], "Black"),
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Unclassified",
    "NOBT": "Unclassified",
}

YEAR_GROUP_CHOICES = [(0, "Reception")] + [(n, f"Year {n}") for n in range(1, 14)]


def name_shown(
    legal_forename: str, legal_surname: str, preferred_forename: str, preferred_surname: str
) -> str:
    """The name staff see: the preferred name where the student has one."""
    return f"{preferred_forename or legal_forename} {preferred_surname or legal_surname}"


class Student(SchoolOwned):
    """A student on (or once on) the school roll, matched to the MIS by UPN."""

    upn = models.CharField("UPN", max_length=13)
    legal_forename = models.CharField(max_length=100)
    legal_surname = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    year_group = models.PositiveSmallIntegerField(choices=YEAR_GROUP_CHOICES)
    form = models.CharField("form or registration group", max_length=20, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True)
    fsm = models.BooleanField("eligible for free school meals", default=False)
    pupil_premium = models.BooleanField(default=False)
    eal = models.BooleanField("English as an additional language", default=False)
    sen_status = models.CharField(
        "SEN status", max_length=1, choices=SenStatus.choices, default=SenStatus.NONE
    )
    sen_primary_need = models.CharField(
        "SEN primary need", max_length=4, choices=SenNeed.choices, blank=True
    )
    looked_after = models.BooleanField("looked after", default=False)
    on_roll = models.BooleanField(default=True)
    date_left = models.DateField(null=True, blank=True)
    # The student's own sign-in, once they have one (as a student or a peer mentor).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="student_record",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_surname", "legal_forename"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="one_student_per_upn_per_school")
        ]
        indexes = [
            models.Index(fields=["school", "on_roll", "legal_surname"]),
            models.Index(fields=["school", "year_group"]),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return name_shown(
            self.legal_forename, self.legal_surname, self.preferred_forename, self.preferred_surname
        )

    @property
    def year_label(self) -> str:
        return dict(YEAR_GROUP_CHOICES).get(self.year_group, str(self.year_group))


class ConsentKind(models.TextChoices):
    TAKE_PART = "take_part", "Parental consent to take part"
    SHARE_OUTSIDE = "share_outside", "Consent to share with outside services"


class ConsentMethod(models.TextChoices):
    PAPER = "paper", "Paper form"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone call"
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online form"


class ConsentRecord(SchoolOwned):
    """A consent given (or refused) for a student, with who, when and how, and its
    withdrawal. Never edited: withdrawal is recorded on it, a new consent is a new
    record."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    given = models.BooleanField(help_text="Ticked if consent was given, unticked if refused.")
    given_by = models.CharField("given by", max_length=150, help_text="Name of the person.")
    relationship = models.CharField(
        max_length=50, help_text="For example mother, carer, the student themself."
    )
    method = models.CharField("how", max_length=20, choices=ConsentMethod.choices)
    given_on = models.DateField("date")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["student", "kind", "-given_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({'given' if self.given else 'refused'})"

    @property
    def is_in_force(self) -> bool:
        return self.given and self.withdrawn_on is None


class ImportBatch(SchoolOwned):
    """An uploaded MIS export waiting for the coordinator to confirm its preview.
    The file is encrypted at rest, and cleared once applied or once a newer upload
    for the school replaces it, so at most one copy of the roll waits."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Waiting for confirmation"
        APPLIED = "applied", "Imported"
        SUPERSEDED = "superseded", "Replaced by a newer upload"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=200)
    content = EncryptedTextField(blank=True)
    mark_leavers = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.filename}"
