"""The form of the research export page: which organisation (one with a data
sharing agreement in force that covers research) and which period."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from peersupport.partners.models import Organisation
from peersupport.schools.widgets import DateInput


def school_year_start(today: datetime.date) -> datetime.date:
    """The 1st of September of the school year ``today`` falls in."""
    year = today.year if today.month >= 9 else today.year - 1
    return datetime.date(year, 9, 1)


class ResearchExportForm(forms.Form):
    """Choose the research partner and the period the export covers."""

    organisation = forms.ModelChoiceField(
        label="Research partner",
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text="Only organisations whose data sharing agreement covers research are listed.",
    )
    period_from = forms.DateField(label="From", widget=DateInput())
    period_to = forms.DateField(label="To", widget=DateInput())

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        today: datetime.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        field.to_field_name = "public_id"
        self.fields["period_from"].initial = school_year_start(today)
        self.fields["period_to"].initial = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", "The end of the period must not be before its start.")
        return cleaned
