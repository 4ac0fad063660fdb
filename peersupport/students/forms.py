"""Forms for the student list filters, consent and the MIS import."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from peersupport.schools.widgets import DateInput
from peersupport.students.models import (
    YEAR_GROUP_CHOICES,
    ConsentKind,
    ConsentMethod,
    SenNeed,
    SenStatus,
)

ANY: list[tuple[Any, str]] = [("", "Any")]
YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]


class StudentFilterForm(forms.Form):
    q = forms.CharField(label="Name or UPN", required=False, max_length=100)
    year = forms.TypedChoiceField(
        label="Year", required=False, choices=ANY + YEAR_GROUP_CHOICES, coerce=int, empty_value=""
    )
    form = forms.ChoiceField(label="Form", required=False, choices=ANY)
    need = forms.ChoiceField(label="Primary need", required=False, choices=ANY + SenNeed.choices)
    sen_status = forms.ChoiceField(
        label="SEN status", required=False, choices=ANY + SenStatus.choices
    )
    pupil_premium = forms.ChoiceField(label="Pupil premium", required=False, choices=YES_NO)
    eal = forms.ChoiceField(label="EAL", required=False, choices=YES_NO)
    include_leavers = forms.BooleanField(label="Include leavers", required=False)

    def __init__(
        self, *args: object, forms_available: list[str] | None = None, **kw: object
    ) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.fields["form"].choices = ANY + [(f, f) for f in forms_available or []]  # type: ignore[attr-defined]


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label="What the consent is for", choices=ConsentKind.choices)
    given = forms.TypedChoiceField(
        label="Answer",
        choices=[("yes", "Consent given"), ("no", "Consent refused")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    given_by = forms.CharField(label="Given by (name)", max_length=150)
    relationship = forms.CharField(
        label="Relationship to the student",
        max_length=50,
        help_text="For example mother, father, carer, or the student themself.",
    )
    method = forms.ChoiceField(label="How it was given", choices=ConsentMethod.choices)
    given_on = forms.DateField(label="Date", widget=DateInput(), initial=datetime.date.today)


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(
        label="Date withdrawn",
        widget=DateInput(),
        initial=datetime.date.today,
    )
    reason = forms.CharField(label="Reason (optional)", max_length=200, required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Student list (CSV)",
        help_text="Export the student list from SIMS, Arbor or Bromcom as CSV. "
        "It needs UPN, surname, forename, date of birth and year.",
    )
    mark_leavers = forms.BooleanField(
        label="This is the full roll: mark students who are not in it as left",
        required=False,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload
