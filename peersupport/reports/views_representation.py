"""Seeing the whole: who takes part (students supported, and peer mentors) compared
with the school roll, outreach targets and their progress by term, discrimination
and exclusion incidents by term, and the latest match's fairness figures. Counts
only, small ones hidden, never a name: viewers read it too."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.lib.csv_safety import spreadsheet_safe
from peersupport.reports import representation as stats
from peersupport.reports import services
from peersupport.reports.access import (
    REPRESENTATION_MANAGERS,
    REPRESENTATION_READERS,
    outreach_target_for,
    outreach_targets_visible_to,
    representation_export_for,
)
from peersupport.reports.charts import Series, bar_chart
from peersupport.reports.forms_representation import (
    OutreachTargetForm,
    OutreachTargetRemoveForm,
    RepresentationForm,
)
from peersupport.reports.models import Side
from peersupport.reports.representation_data import (
    IncidentTable,
    Representation,
    TargetProgress,
    group_label,
    incidents_by_term,
    latest_fairness,
    representation_in,
    targets_progress,
)
from peersupport.schools.models import Term
from peersupport.wellbeing.selectors import current_term, terms_of

# Incidents and target progress are shown for this many terms, up to the one chosen.
TERMS_SHOWN = 6


def _chosen(request: SchoolRequest) -> tuple[RepresentationForm, list[Term], Term | None, bool]:
    """The form, the school's terms (latest first), the term chosen (the current
    one unless another is asked for) and whether ethnicity is shown in detail."""
    terms_queryset = terms_of(request.school)
    terms = list(terms_queryset)
    form = RepresentationForm(request.GET or None, terms=terms_queryset)
    if form.is_bound and form.is_valid():
        return form, terms, form.cleaned_data["term"], form.cleaned_data["detailed"]
    term = current_term(terms, timezone.localdate())
    return RepresentationForm(initial={"term": term}, terms=terms_queryset), terms, term, False


def _recent(terms: list[Term], term: Term) -> list[Term]:
    """Up to TERMS_SHOWN terms ending with ``term``, oldest first."""
    earlier = [t for t in terms if t.starts_on <= term.starts_on]
    return sorted(earlier, key=lambda t: t.starts_on)[-TERMS_SHOWN:]


def _charts(figures: Representation) -> dict[str, str]:
    """Per characteristic: the share of each group among students supported, peer
    mentors and on the roll (nothing drawn where a figure is hidden)."""
    charts = {}
    mentor_rows = {c.key: c for c in figures.mentors.characteristics}
    for characteristic in figures.mentees.characteristics:
        mentors = {g.key: g for g in mentor_rows[characteristic.key].groups}
        labels, supported, mentoring, roll = [], [], [], []
        for group in characteristic.groups:
            labels.append(group.label)
            supported.append(None if group.share is None else group.share * 100)
            mentor = mentors.get(group.key)
            mentoring.append(None if mentor is None or mentor.share is None else mentor.share * 100)
            shown = group.roll_share if group.roll_share is not None else None
            if shown is None and mentor is not None:
                shown = mentor.roll_share
            roll.append(None if shown is None else shown * 100)
        charts[characteristic.key] = bar_chart(
            title=f"{characteristic.heading}: share of each group (%)",
            labels=labels,
            series=[
                Series("Students supported", supported),
                Series("Peer mentors", mentoring),
                Series("On roll", roll),
            ],
            y_label="%",
            y_max=100,
        )
    return charts


@role_required(*REPRESENTATION_READERS)
def representation(request: SchoolRequest) -> HttpResponse:
    """Who takes part compared with the roll, targets, incidents and fairness."""
    form, terms, term, detailed = _chosen(request)
    context: dict[str, Any] = {
        "form": form,
        "term": term,
        "can_manage": request.membership.role in REPRESENTATION_MANAGERS,
        "target_form": OutreachTargetForm(),
        "under": stats.UNDER,
        "over": stats.OVER,
    }
    if term is not None:
        figures = representation_in(request.school, term.starts_on, term.ends_on, detailed=detailed)
        recent = _recent(terms, term)
        context.update(
            figures=figures,
            sides=[("Students supported", figures.mentees), ("Peer mentors", figures.mentors)],
            charts=_charts(figures),
            detailed=detailed,
            progress=targets_progress(
                request.school,
                list(outreach_targets_visible_to(request.user, request.school)),
                recent,
            ),
            recent_terms=recent,
            incidents=incidents_by_term(request.school, recent),
            fairness=latest_fairness(request.school),
        )
    return render(request, "reports/representation/page.html", context)


def _number(value: float | None, places: int = 1) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


CSV_COLUMNS = [
    "Section",
    "Who",
    "Characteristic",
    "Group",
    "Term",
    "Taking part",
    "On roll",
    "Share taking part (%)",
    "Share on roll (%)",
    "Difference (percentage points)",
    "95% CI low",
    "95% CI high",
    "p-value",
    "Adjusted p-value",
    "Beyond chance",
    "Note",
]


def _write_representation(writer: Any, figures: Representation, term: Term) -> None:
    for who, side in (("Students supported", figures.mentees), ("Peer mentors", figures.mentors)):
        for characteristic in side.characteristics:
            for g in characteristic.groups:
                flag = {
                    stats.UNDER: "Under-represented",
                    stats.OVER: "Over-represented",
                }.get(g.flag, "")
                writer.writerow(
                    [
                        "Representation",
                        who,
                        spreadsheet_safe(characteristic.heading),
                        spreadsheet_safe(g.label),
                        spreadsheet_safe(term.name),
                        "" if g.taking_part is None else str(g.taking_part),
                        "" if g.on_roll is None else str(g.on_roll),
                        _percent(g.share),
                        _percent(g.roll_share),
                        _number(g.difference_points),
                        _number(g.ci_low_points),
                        _number(g.ci_high_points),
                        _number(g.p_value, 4),
                        _number(g.adjusted_p_value, 4),
                        flag,
                        spreadsheet_safe(g.reason),
                    ]
                )


def _write_progress(writer: Any, progress: list[TargetProgress]) -> None:
    blank = [""] * 2
    for item in progress:
        target = item.target
        who = Side(target.side).label
        for row in item.terms:
            writer.writerow(
                [
                    "Outreach target",
                    who,
                    spreadsheet_safe(target.characteristic),
                    spreadsheet_safe(item.label),
                    spreadsheet_safe(row.term.name),
                    *blank,
                    _number(row.percent),
                    "",
                    f"target at least {target.at_least_percent}",
                    "",
                    "",
                    "",
                    "",
                    "" if row.met is None else ("Met" if row.met else "Not met"),
                    spreadsheet_safe(row.note),
                ]
            )


def _write_incidents(writer: Any, tables: list[IncidentTable]) -> None:
    for table in tables:
        for term, cells in zip(table.terms, table.cells, strict=True):
            for label, count in zip(table.groups, cells, strict=True):
                writer.writerow(
                    [
                        "Discrimination and exclusion incidents",
                        "",
                        spreadsheet_safe(table.heading),
                        spreadsheet_safe(label),
                        spreadsheet_safe(term.name),
                        "" if count is None else str(count),
                        *[""] * 9,
                        "Fewer than the threshold: hidden" if count is None else "",
                    ]
                )


@role_required(*REPRESENTATION_READERS)
def representation_csv(request: SchoolRequest) -> HttpResponse:
    """The page's figures as a spreadsheet, hidden the same way, and audited."""
    representation_export_for(request.user, request.school, request=request)
    _, terms, term, detailed = _chosen(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="representation{"-" + term.starts_on.isoformat() if term else ""}'
        '.csv"'
    )
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    if term is None:
        writer.writerow(["No terms are set up for this school yet."])
        return response
    writer.writerow(CSV_COLUMNS)
    _write_representation(
        writer,
        representation_in(request.school, term.starts_on, term.ends_on, detailed=detailed),
        term,
    )
    recent = _recent(terms, term)
    _write_progress(
        writer,
        targets_progress(
            request.school,
            list(outreach_targets_visible_to(request.user, request.school)),
            recent,
        ),
    )
    _write_incidents(writer, incidents_by_term(request.school, recent))
    return response


@require_POST
@role_required(*REPRESENTATION_MANAGERS)
def outreach_target_add(request: SchoolRequest) -> HttpResponse:
    """Set an outreach target; back to the page with what happened."""
    form = OutreachTargetForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"The target was not set: {error}")
        return redirect("reports:representation")
    characteristic, group = form.characteristic_and_group()
    try:
        target = services.outreach_target_set(
            actor=request.user,
            school=request.school,
            side=form.cleaned_data["side"],
            characteristic=characteristic,
            group=group,
            at_least_percent=form.cleaned_data["at_least_percent"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"The target was not set: {message}")
    else:
        messages.success(
            request,
            f"Target set: {Side(target.side).label}, at least {target.at_least_percent}% "
            f"{group_label(characteristic, group)}.",
        )
    return redirect("reports:representation")


@require_POST
@role_required(*REPRESENTATION_MANAGERS)
def outreach_target_remove(request: SchoolRequest) -> HttpResponse:
    """Stop following an outreach target."""
    form = OutreachTargetRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a target to remove.")
        return redirect("reports:representation")
    target = outreach_target_for(request.user, request.school, form.cleaned_data["target"])
    services.outreach_target_remove(actor=request.user, target=target)
    messages.success(request, "Target removed.")
    return redirect("reports:representation")
