"""Forms of the impact report pages and the trust view: starting a report (title,
period, audience), writing its narrative, and choosing the trust view's period."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from peersupport.reports.headline import period_problem
from peersupport.reports.models import ImpactReport
from peersupport.schools.widgets import DateInput

DATE_INPUT = DateInput()


def academic_year_start(today: datetime.date) -> datetime.date:
    """1 September of the school year ``today`` falls in."""
    year = today.year if today.month >= 9 else today.year - 1
    return datetime.date(year, 9, 1)


class _PeriodChecked(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("period_from"), data.get("period_to")
        if starts and ends:
            problem = period_problem(starts, ends)
            if problem:
                self.add_error("period_to", problem)
        return data


class ImpactReportNewForm(_PeriodChecked, forms.ModelForm):
    """Start an impact report: its title, period and who it is for."""

    class Meta:
        model = ImpactReport
        fields = ["title", "period_from", "period_to", "audience"]
        labels = {"period_from": "From", "period_to": "To", "audience": "Written for"}
        widgets = {"period_from": DATE_INPUT, "period_to": DATE_INPUT}


class ImpactNarrativeForm(forms.ModelForm):
    """The sections the coordinator writes."""

    class Meta:
        model = ImpactReport
        fields = ["title", "audience", "what_we_did", "what_we_learned", "what_we_changed"]
        labels = {
            "audience": "Written for",
            "what_we_did": "What we did",
            "what_we_learned": "What we learned",
            "what_we_changed": "What we changed",
        }
        widgets = {
            "what_we_did": forms.Textarea(attrs={"rows": 6}),
            "what_we_learned": forms.Textarea(attrs={"rows": 6}),
            "what_we_changed": forms.Textarea(attrs={"rows": 6}),
        }


class PeriodForm(_PeriodChecked, forms.Form):
    """The period the trust view shows (this school year so far unless chosen)."""

    period_from = forms.DateField(label="From", widget=DATE_INPUT)
    period_to = forms.DateField(label="To", widget=DATE_INPUT)

    def period(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        """The chosen period; this school year so far only when none was chosen (an
        unbound form). A bound form must be valid: bad input is refused, never
        quietly replaced by the default."""
        if not self.is_bound:
            return academic_year_start(today), today
        if not self.is_valid():
            raise ValueError("The period is not valid.")
        return self.cleaned_data["period_from"], self.cleaned_data["period_to"]
