"""Forms of the representation page: the period and the ethnicity detail, and
outreach targets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from peersupport.reports.models import Side
from peersupport.reports.representation_data import target_choices
from peersupport.schools.models import Term


class RepresentationForm(forms.Form):
    term = forms.ModelChoiceField(queryset=Term.objects.none(), empty_label=None, label="Term")
    detailed = forms.BooleanField(
        label="Show ethnicity as the detailed census codes", required=False
    )

    def __init__(self, *args: Any, terms: QuerySet[Term], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        term_field = self.fields["term"]
        assert isinstance(term_field, forms.ModelChoiceField)
        term_field.queryset = terms
        term_field.to_field_name = "public_id"


class OutreachTargetForm(forms.Form):
    side = forms.ChoiceField(label="Who", choices=Side.choices)
    group = forms.ChoiceField(label="Group", choices=[])
    at_least_percent = forms.DecimalField(
        label="At least (%)", min_value=0, max_value=100, max_digits=5, decimal_places=1
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ChoiceField)
        group_field.choices = target_choices()

    def characteristic_and_group(self) -> tuple[str, str]:
        characteristic, _, group = self.cleaned_data["group"].partition(":")
        return characteristic, group


class OutreachTargetRemoveForm(forms.Form):
    target = forms.UUIDField()
