"""Seeing the whole: who takes part (students supported, and peer mentors) compared
with the school roll, outreach targets and their progress by term, discrimination
and exclusion incidents by term, and the latest match's fairness figures. Counts
only, small ones hidden, never a name: viewers read it too."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
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


def _chosen(
    request: SchoolRequest, data: Any = None
) -> tuple[RepresentationForm, list[Term], Term | None, bool]:
    """The form, the school's terms (latest first), the term chosen (the current
    one unless another is asked for) and whether ethnicity is shown in detail. A
    bound form that is not valid comes back with no term: the caller answers 400
    rather than quietly showing another period."""
    terms_queryset = terms_of(request.school)
    terms = list(terms_queryset)
    form = RepresentationForm(data or None, terms=terms_queryset)
    if form.is_bound:
        if form.is_valid():
            return form, terms, form.cleaned_data["term"], form.cleaned_data["detailed"]
        return form, terms, None, False
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
            # Never borrowed from the mentors' side: a roll share hidden here stays hidden.
            roll.append(None if group.roll_share is None else group.roll_share * 100)
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


def _page(
    request: SchoolRequest,
    data: Any = None,
    target_form: OutreachTargetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form, terms, term, detailed = _chosen(request, data)
    invalid = form.is_bound and not form.is_valid()
    context: dict[str, Any] = {
        "form": form,
        "term": term,
        "invalid": invalid,
        "can_manage": request.membership.role in REPRESENTATION_MANAGERS,
        "target_form": target_form or OutreachTargetForm(),
        "under": stats.UNDER,
        "over": stats.OVER,
    }
    if invalid:
        status = 400
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
                figures.roll_counts,
            ),
            recent_terms=recent,
            incidents=incidents_by_term(request.school, recent),
            fairness=latest_fairness(request.school),
        )
    return render(request, "reports/representation/page.html", context, status=status)


@role_required(*REPRESENTATION_READERS)
def representation(request: SchoolRequest) -> HttpResponse:
    """Who takes part compared with the roll, targets, incidents and fairness. A
    term or option that is not valid gives 400 with the form's errors."""
    return _page(request, request.GET)


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
    "Target at least (%)",
    "Target met",
    "Note",
]


def _row(values: dict[str, str]) -> list[str]:
    """A CSV row from values named by their column header (the others empty)."""
    unknown = set(values) - set(CSV_COLUMNS)
    assert not unknown, unknown
    return [values.get(column, "") for column in CSV_COLUMNS]


def _write_representation(writer: Any, figures: Representation, term: Term) -> None:
    for who, side in (("Students supported", figures.mentees), ("Peer mentors", figures.mentors)):
        for characteristic in side.characteristics:
            for g in characteristic.groups:
                flag = {
                    stats.UNDER: "Under-represented",
                    stats.OVER: "Over-represented",
                }.get(g.flag, "")
                writer.writerow(
                    _row(
                        {
                            "Section": "Representation",
                            "Who": who,
                            "Characteristic": spreadsheet_safe(characteristic.heading),
                            "Group": spreadsheet_safe(g.label),
                            "Term": spreadsheet_safe(term.name),
                            "Taking part": "" if g.taking_part is None else str(g.taking_part),
                            "On roll": "" if g.on_roll is None else str(g.on_roll),
                            "Share taking part (%)": _percent(g.share),
                            "Share on roll (%)": _percent(g.roll_share),
                            "Difference (percentage points)": _number(g.difference_points),
                            "95% CI low": _number(g.ci_low_points),
                            "95% CI high": _number(g.ci_high_points),
                            "p-value": _number(g.p_value, 4),
                            "Adjusted p-value": _number(g.adjusted_p_value, 4),
                            "Beyond chance": flag,
                            "Note": spreadsheet_safe(g.reason),
                        }
                    )
                )


def _write_progress(writer: Any, progress: list[TargetProgress]) -> None:
    for item in progress:
        target = item.target
        who = Side(target.side).label
        for row in item.terms:
            writer.writerow(
                _row(
                    {
                        "Section": "Outreach target",
                        "Who": who,
                        "Characteristic": spreadsheet_safe(target.characteristic),
                        "Group": spreadsheet_safe(item.label),
                        "Term": spreadsheet_safe(row.term.name),
                        "Share taking part (%)": _number(row.percent),
                        "Target at least (%)": str(target.at_least_percent),
                        "Target met": "" if row.met is None else ("Met" if row.met else "Not met"),
                        "Note": spreadsheet_safe(row.note),
                    }
                )
            )


def _write_incidents(writer: Any, tables: list[IncidentTable]) -> None:
    for table in tables:
        for term, cells in table.rows:
            for label, (count, note) in zip(table.groups, cells, strict=True):
                writer.writerow(
                    _row(
                        {
                            "Section": "Discrimination and exclusion incidents",
                            "Characteristic": spreadsheet_safe(table.heading),
                            "Group": spreadsheet_safe(label),
                            "Term": spreadsheet_safe(term.name),
                            "Taking part": "" if count is None else str(count),
                            "Note": note,
                        }
                    )
                )


@role_required(*REPRESENTATION_READERS)
def representation_csv(request: SchoolRequest) -> HttpResponse:
    """The page's figures as a spreadsheet, hidden the same way, and audited. A term
    or option that is not valid gives 400 and nothing is exported or audited."""
    form, terms, term, detailed = _chosen(request, request.GET)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponseBadRequest(
            f"The period asked for is not valid: {problems}", content_type="text/plain"
        )
    representation_export_for(request.user, request.school, request=request)
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
    figures = representation_in(request.school, term.starts_on, term.ends_on, detailed=detailed)
    _write_representation(writer, figures, term)
    recent = _recent(terms, term)
    _write_progress(
        writer,
        targets_progress(
            request.school,
            list(outreach_targets_visible_to(request.user, request.school)),
            recent,
            figures.roll_counts,
        ),
    )
    _write_incidents(writer, incidents_by_term(request.school, recent))
    return response


@require_POST
@role_required(*REPRESENTATION_MANAGERS)
def outreach_target_add(request: SchoolRequest) -> HttpResponse:
    """Set an outreach target; back to the page with what happened, or the page
    again with the form's errors (400) when the target is not valid."""
    form = OutreachTargetForm(request.POST)
    if not form.is_valid():
        return _page(request, target_form=form, status=400)
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
            form.add_error(None, message)
        return _page(request, target_form=form, status=400)
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
