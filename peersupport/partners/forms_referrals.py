"""Forms for referrals out: the referral itself, consent, a DSL's override, a change
of status (school staff and partners) and notes."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from peersupport.partners.models import (
    Organisation,
    ReferralConsent,
    ReferralStatus,
    Service,
    Urgency,
)
from peersupport.schools.widgets import DateInput
from peersupport.students.models import ConsentMethod

DATE_INPUT = DateInput()


class ReferralForm(forms.Form):
    """A referral to an outside organisation: where to, why, how urgent, and what to
    share (ticked item by item)."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation",
        error_messages={"required": "Choose the organisation to refer to."},
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label="Service (if you know it)",
    )
    reason = forms.CharField(
        label="Reason for the referral",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say why you are making the referral."},
    )
    urgency = forms.ChoiceField(choices=Urgency.choices, initial=Urgency.ROUTINE)
    shared_items = forms.MultipleChoiceField(
        label="What to share",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what you tick is shared, as it is on the day you send the referral.",
    )
    written_summary = forms.CharField(
        label="Summary for the organisation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shared only when you tick it above.",
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        items: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation_field = self.fields["organisation"]
        assert isinstance(organisation_field, forms.ModelChoiceField)
        organisation_field.queryset = organisations.filter(active=True)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = Service.objects.filter(
            organisation__in=organisations, active=True
        ).select_related("organisation")
        items_field = self.fields["shared_items"]
        assert isinstance(items_field, forms.MultipleChoiceField)
        items_field.choices = items

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organisation = cleaned.get("organisation", getattr(self, "fixed_organisation", None))
        service = cleaned.get("service")
        if organisation and service and service.organisation_id != organisation.pk:
            self.add_error("service", f"That service is not one of {organisation.name}'s.")
        return cleaned


class ReferralDraftForm(ReferralForm):
    """A draft referral's changes: everything but the organisation it goes to."""

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(
            *args,
            organisations=Organisation.objects.filter(pk=organisation.pk),
            **kwargs,
        )
        self.fixed_organisation = organisation
        del self.fields["organisation"]


class ReferralConsentForm(forms.Form):
    """Consent to a referral: the student's own, or a parent's or carer's."""

    who = forms.ChoiceField(label="Who consented", choices=ReferralConsent.Who.choices)
    given_by = forms.CharField(
        label="Name of the person",
        max_length=150,
        error_messages={"required": "Give the name of the person who consented."},
    )
    relationship = forms.CharField(
        label="Relationship to the student (for a parent or carer)",
        max_length=50,
        required=False,
    )
    method = forms.ChoiceField(label="How", choices=ConsentMethod.choices)
    given_on = forms.DateField(
        label="Date",
        widget=DATE_INPUT,
        initial=datetime.date.today,
        error_messages={"required": "Give the date of consent."},
    )


class ReferralOverrideForm(forms.Form):
    """A DSL's decision to refer without consent, with the reason."""

    reason = forms.CharField(
        label="Why the referral goes without consent",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the referral goes without consent."},
    )


STATUS_CHOICES = [
    (status.value, status.label)
    for status in ReferralStatus
    if status not in (ReferralStatus.DRAFT, ReferralStatus.SENT)
]


class ReferralStatusForm(forms.Form):
    """A new status for a sent referral, with its date."""

    status = forms.ChoiceField(label="New status", choices=STATUS_CHOICES)
    on = forms.DateField(
        label="Date",
        widget=DATE_INPUT,
        initial=datetime.date.today,
        error_messages={"required": "Give the date."},
    )
    reason = forms.CharField(
        label="Reason (when declined)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.CharField(
        label="Outcome (when closed)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralNoteForm(forms.Form):
    """A note on a referral; both the school and the partner read it."""

    text = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the note first."},
    )


class SchoolReferralNoteForm(ReferralNoteForm):
    """A note on a referral by school staff: it says who else reads it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = "The organisation reads these notes."
