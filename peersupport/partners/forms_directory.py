"""Forms for the directory of outside services: organisations, their services and
contacts, data sharing agreements, training they delivered, and the school's
referral settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from peersupport.accounts.models import User
from peersupport.partners.models import (
    Agreement,
    Contact,
    Organisation,
    PartnerSettings,
    Service,
)
from peersupport.schools.widgets import DateInput
from peersupport.training.models import TrainingEvent, TrainingModule


class OrganisationForm(forms.ModelForm):
    """An organisation's details."""

    website = forms.URLField(label="Website", required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "kind", "about", "website", "phone", "email", "address", "active"]
        widgets = {"about": forms.Textarea(attrs={"rows": 4})}
        labels = {"active": "We still work with them"}

    def validate_unique(self) -> None:
        """The service checks the whole record (the school is not on the form)."""


class ServiceForm(forms.ModelForm):
    """A service an organisation offers: who is eligible and how to refer."""

    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "eligibility",
            "referral_route",
            "parent_consent_needed",
            "active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "eligibility": forms.Textarea(attrs={"rows": 3}),
            "referral_route": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"name": "Name of the service", "active": "Still offered"}


class ContactForm(forms.ModelForm):
    """A person at an organisation, optionally linked to their partner account."""

    user = forms.ModelChoiceField(
        label="Their account here",
        queryset=User.objects.none(),
        required=False,
        empty_label="No account",
        help_text="Only accounts holding the partner role in this school. A linked account "
        "sees the referrals made to this organisation, and only what each one shares.",
    )

    class Meta:
        model = Contact
        fields = ["name", "job_title", "email", "phone", "user"]
        labels = {"name": "Name of the contact"}

    def __init__(self, *args: Any, partner_accounts: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = partner_accounts  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        """The service checks the whole record (the organisation is not on the form)."""


class AgreementForm(forms.ModelForm):
    """A data sharing agreement signed with the organisation."""

    class Meta:
        model = Agreement
        fields = ["signed_on", "review_on", "scope", "covers_research"]
        widgets = {
            "signed_on": DateInput(),
            "review_on": DateInput(),
            "scope": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        signed_on, review_on = data.get("signed_on"), data.get("review_on")
        if signed_on and review_on and review_on <= signed_on:
            self.add_error("review_on", "The review date must be after the date signed.")
        return data

    def _post_clean(self) -> None:
        """The service validates the agreement (organisation and recorder are not on
        the form, so the model cannot be checked whole here)."""


class TrainingDeliveredForm(forms.Form):
    """Which module, or which event, the organisation delivered."""

    module = forms.ModelChoiceField(
        label="A training module they deliver",
        queryset=TrainingModule.objects.none(),
        required=False,
        empty_label="None",
    )
    event = forms.ModelChoiceField(
        label="Or one training event they ran",
        queryset=TrainingEvent.objects.none(),
        required=False,
        empty_label="None",
    )

    def __init__(
        self,
        *args: Any,
        modules: QuerySet[TrainingModule],
        events: QuerySet[TrainingEvent],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = modules  # type: ignore[attr-defined]
        self.fields["event"].queryset = events  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and (data.get("module") is None) == (data.get("event") is None):
            raise forms.ValidationError("Choose a training module or a training event, not both.")
        return data


class PartnerSettingsForm(forms.ModelForm):
    """The school's settings for referrals out."""

    reminder_days = forms.IntegerField(
        label="Days without an answer before a reminder",
        min_value=1,
        max_value=90,
        help_text="A referral sent with no answer for this long goes on your task list.",
    )
    parent_consent_under = forms.IntegerField(
        label="A parent's consent is needed for students under this age",
        min_value=0,
        max_value=18,
    )
    research_k = forms.IntegerField(
        label="The smallest group in a research export (k)",
        min_value=2,
        max_value=50,
        help_text="Rows that would describe fewer students than this are generalised or left out.",
    )

    class Meta:
        model = PartnerSettings
        fields = ["reminder_days", "parent_consent_under", "research_k"]

    def validate_unique(self) -> None:
        """The service keeps one settings record per school."""
