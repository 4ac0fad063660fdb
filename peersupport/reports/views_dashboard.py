"""The programme health dashboard: one page with the school's and each programme's
figures for a period (the current term unless another is chosen), each linked to
the list behind it, and the same figures as a spreadsheet.

Coordinators and DSLs read it; a DSL also sees open safeguarding concerns. The
spreadsheet leaves the coordinator's hands, so small counts are suppressed in it."""

from __future__ import annotations

import csv
import datetime
import functools
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import localize

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.programmes.models import Programme
from peersupport.reports.access import (
    DASHBOARD_READERS,
    dashboard_export_for,
    dashboard_programmes_visible_to,
    dashboard_shows_safeguarding,
)
from peersupport.reports.charts import Series, bar_chart, line_chart
from peersupport.reports.dashboard import Dashboard, dashboard_figures
from peersupport.reports.dashboard_export import dashboard_rows
from peersupport.schools.models import Term
from peersupport.schools.widgets import DateInput
from peersupport.wellbeing.selectors import current_term, terms_of


class ProgrammeChoiceField(forms.ChoiceField):
    """A programme by its public id, however the id is written (in capitals too),
    and shown chosen in the list so."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().lower()

    def prepare_value(self, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class PeriodForm(forms.Form):
    """The period and programme the dashboard shows."""

    starts_on = forms.DateField(label="From", widget=DateInput(), required=False)
    ends_on = forms.DateField(label="To", widget=DateInput(), required=False)
    programme = ProgrammeChoiceField(
        label="Programme",
        required=False,
        # Never the text sent back: it is repeated in the spreadsheet's answer.
        error_messages={"invalid_choice": "Choose one of the programmes in the list."},
    )

    def __init__(self, *args: Any, programmes: Sequence[Programme], **kwargs: Any) -> None:
        """``programmes``: those the reader may choose from, in order, already read
        (the figures are taken from the same list, so it is read once)."""
        super().__init__(*args, **kwargs)
        self._programmes = {str(programme.public_id): programme for programme in programmes}
        field = self.fields["programme"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Every programme"),
            *((key, programme.name) for key, programme in self._programmes.items()),
        ]

    def clean_programme(self) -> Programme | None:
        chosen = self.cleaned_data.get("programme")
        return self._programmes[chosen] if chosen else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise ValidationError("The end of the period must not be before its start.")
        return cleaned


def _default_period(terms: list[Term], today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The current term; without terms, the last twelve weeks."""
    term = current_term(terms, today)
    if term is not None:
        return term.starts_on, term.ends_on
    return today - datetime.timedelta(weeks=12), today


def _figures(request: SchoolRequest) -> tuple[PeriodForm, Dashboard | None, Term | None]:
    """The form, the figures, and the term the period is exactly (if it is one), for
    links to pages that show a term at a time. A period or programme chosen that is
    not valid gives no figures (never the default period's in their place)."""
    today = timezone.localdate()
    programmes = list(
        dashboard_programmes_visible_to(request.user, request.school).order_by("name")
    )
    terms = list(terms_of(request.school))
    starts_on, ends_on = _default_period(terms, today)
    form = PeriodForm(
        request.GET or None,
        programmes=programmes,
        initial={"starts_on": starts_on, "ends_on": ends_on},
    )
    if form.is_bound and not form.is_valid():
        return form, None, None
    if form.is_bound:
        starts_on = form.cleaned_data["starts_on"] or starts_on
        ends_on = form.cleaned_data["ends_on"] or ends_on
        if form.cleaned_data["programme"] is not None:
            programmes = [form.cleaned_data["programme"]]
    dashboard = dashboard_figures(
        school=request.school,
        programmes=programmes,
        starts_on=starts_on,
        ends_on=ends_on,
        today=today,
        with_safeguarding=dashboard_shows_safeguarding(request.user, request.school),
    )
    period_term = next(
        (term for term in terms if (term.starts_on, term.ends_on) == (starts_on, ends_on)), None
    )
    return form, dashboard, period_term


@functools.lru_cache(maxsize=64)
def _chart(
    kind: str,
    title: str,
    labels: tuple[str, ...],
    name: str,
    values: tuple[float | None, ...],
    y_label: str,
    y_max: float | None,
) -> str:
    """A chart drawn once for the same figures: Matplotlib takes a few hundred
    milliseconds to lay one out, far more than the figures take to count, and the
    same figures always draw the same SVG (ids are stable), so it is kept in memory."""
    draw = line_chart if kind == "line" else bar_chart
    return draw(
        title=title, labels=labels, series=[Series(name, values)], y_label=y_label, y_max=y_max
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


@role_required(*DASHBOARD_READERS)
def dashboard(request: SchoolRequest) -> HttpResponse:
    """How the programmes are doing in a period, on one page. A period that is not
    valid gives the form with its message, status 400 and no figures."""
    form, figures, period_term = _figures(request)
    if figures is None:
        return render(
            request, "reports/dashboard/dashboard.html", {"form": form, "figures": None}, status=400
        )
    labels = [f"{week:%d %b}" for week in figures.weeks]
    attendance_chart = (
        _chart(
            "line",
            "Attendance rate by week (%)",
            tuple(labels),
            "Whole school",
            tuple(_percent(w.share.rate) for w in figures.attendance_by_week.get(None, [])),
            "% attended",
            100,
        )
        if figures.weeks
        else ""
    )
    feedback_chart = (
        _chart(
            "line",
            "Mean feedback score by week",
            tuple(f"{week.week_of:%d %b}" for week in figures.feedback),
            "Mean score",
            tuple(week.mean for week in figures.feedback),
            "Mean score",
            None,
        )
        if figures.feedback
        else ""
    )
    concerns_chart = (
        _chart(
            "bar",
            "Open concerns by kind",
            tuple(row.label.split(":")[0] for row in figures.concerns),
            "Open",
            tuple(float(row.open) for row in figures.concerns),
            "Open concerns",
            None,
        )
        if figures.open_concerns
        else ""
    )
    query = request.GET.urlencode()
    # The weekly tables' cells come formatted, with the template's own filters: a few
    # hundred cells cost far less drawn here than looked up and filtered one by one.
    return render(
        request,
        "reports/dashboard/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "attendance_chart": attendance_chart,
            "attendance_weeks": [
                (
                    date_filter(week, "j M Y"),
                    localize(rate.attended),
                    localize(rate.marked),
                    rate.share.percent,
                )
                for week, rate in zip(
                    figures.weeks, figures.attendance_by_week.get(None, []), strict=False
                )
            ],
            "feedback_weeks": [
                (
                    date_filter(week.week_of, "j M Y"),
                    localize(week.count),
                    floatformat(week.mean, 2),
                )
                for week in figures.feedback
            ],
            "feedback_chart": feedback_chart,
            "concerns_chart": concerns_chart,
            "query": query,
            "period_term": period_term,
        },
    )


@role_required(*DASHBOARD_READERS)
def dashboard_csv(request: SchoolRequest) -> HttpResponse:
    """The dashboard's figures as a spreadsheet, with small counts suppressed. A
    period that is not valid gives 400 and nothing leaves or is audited."""
    form, figures, _ = _figures(request)
    if figures is None:
        return HttpResponse(
            " ".join(str(error) for errors in form.errors.values() for error in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    dashboard_export_for(request.user, request.school, request=request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="programme-health-{figures.starts_on.isoformat()}'
        f'-{figures.ends_on.isoformat()}.csv"'
    )
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerows(dashboard_rows(figures, threshold=int(settings.SMALL_NUMBER_THRESHOLD)))
    return response
