"""Forms of the staff pages of wellbeing: entering the scores of a paper measure
(built from the instrument's scales and ranges), choosing a term, and posting a
"You said, we did"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from peersupport.programmes.models import Programme
from peersupport.schools.models import Term
from peersupport.schools.widgets import DateInput
from peersupport.wellbeing.instruments import Instrument
from peersupport.wellbeing.models import Occasion

PAPER_OCCASIONS = [
    (Occasion.BASELINE.value, Occasion.BASELINE.label),
    (Occasion.REVIEW.value, Occasion.REVIEW.label),
    (Occasion.EXIT.value, Occasion.EXIT.label),
    (Occasion.OTHER.value, Occasion.OTHER.label),
]


def scale_field_name(key: str) -> str:
    return f"scale_{key}"


class ScoresEntryForm(forms.Form):
    """The scores a paper form gave: one field per scale, each limited to the scale's
    range as the instrument's file gives it. A total that sums other scales may be
    left empty: it is worked out from them."""

    occasion = forms.ChoiceField(label="When it was taken", choices=PAPER_OCCASIONS)
    taken_on = forms.DateField(label="Date taken", widget=DateInput())
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(),
        required=False,
        empty_label="Not for a programme",
        help_text="The programme whose outcomes this counts towards.",
    )

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        programmes: QuerySet[Programme],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        programme_field = self.fields["programme"]
        assert isinstance(programme_field, forms.ModelChoiceField)
        programme_field.queryset = programmes
        programme_field.to_field_name = "public_id"
        self.fields["taken_on"].initial = timezone.localdate()
        for scale in instrument.scales:
            low, high = scale.range.min, scale.range.max
            help_text = f"From {low} to {high}."
            if scale.sum_of:
                help_text += " Leave empty to add up the scores below."
            field: forms.Field
            if scale.values == "decimal":
                field = forms.DecimalField(
                    label=scale.name,
                    required=False,
                    min_value=low,
                    max_value=high,
                    decimal_places=2,
                    help_text=help_text,
                )
            else:
                field = forms.IntegerField(
                    label=scale.name,
                    required=False,
                    min_value=low,
                    max_value=high,
                    help_text=help_text,
                )
            self.fields[scale_field_name(scale.key)] = field

    def scale_fields(self) -> list[forms.BoundField]:
        return [self[scale_field_name(scale.key)] for scale in self.instrument.scales]

    def totals(self) -> dict[str, int | float | None]:
        totals: dict[str, int | float | None] = {}
        for scale in self.instrument.scales:
            value = self.cleaned_data.get(scale_field_name(scale.key))
            if value is None:
                totals[scale.key] = None
            elif scale.values == "decimal":
                totals[scale.key] = float(value)
            else:
                totals[scale.key] = int(value)
        return totals

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        keys = [scale_field_name(scale.key) for scale in self.instrument.scales]
        if not self.errors and all(cleaned.get(key) is None for key in keys):
            raise forms.ValidationError("Enter at least one score.")
        return cleaned


class TermForm(forms.Form):
    term = forms.ModelChoiceField(queryset=Term.objects.none(), empty_label=None, label="Term")

    def __init__(self, *args: Any, terms: QuerySet[Term], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        term_field = self.fields["term"]
        assert isinstance(term_field, forms.ModelChoiceField)
        term_field.queryset = terms
        term_field.to_field_name = "public_id"


class YouSaidWeDidForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(),
        required=False,
        empty_label="Every programme",
        help_text="Students of this programme see it; leave it for everyone.",
    )
    you_said = forms.CharField(
        label="You said", max_length=600, widget=forms.Textarea(attrs={"rows": 3})
    )
    we_did = forms.CharField(
        label="We did", max_length=600, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme_field = self.fields["programme"]
        assert isinstance(programme_field, forms.ModelChoiceField)
        programme_field.queryset = programmes
        programme_field.to_field_name = "public_id"
