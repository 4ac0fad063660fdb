"""The trust view: for someone who is a viewer, coordinator or DSL in several
schools, the same headline figures side by side per school and for all together.
Suppressed throughout, the total too where it would give away a school's small
figure; never a student's name."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.audit.services import audit_record
from peersupport.lib.csv_safety import spreadsheet_safe
from peersupport.reports.access import trust_schools_for
from peersupport.reports.forms_impact import PeriodForm
from peersupport.reports.headline import CANNOT_JUDGE_NOTE, shown, trust_figures

READERS = (Role.COORDINATOR, Role.DSL, Role.VIEWER)


def _figures(request: SchoolRequest) -> tuple[PeriodForm, dict[str, Any] | None]:
    """The period form and the figures of its period (None when the period chosen
    is not valid: bad input is refused, never replaced by the default). The page
    and its CSV both come from here, so they read the same period the same way."""
    # Bound only when a period was chosen: other parameters (a link's tracking,
    # say) are not a bad period.
    chosen = any(name in request.GET for name in PeriodForm.base_fields)
    form = PeriodForm(request.GET if chosen else None)
    if form.is_bound and not form.is_valid():
        return form, None
    period_from, period_to = form.period(timezone.localdate())
    if not form.is_bound:  # the default period, shown in the form's fields
        form = PeriodForm(initial={"period_from": period_from, "period_to": period_to})
    schools = trust_schools_for(request.user)
    figures = trust_figures(schools, period_from, period_to)
    limit = figures["threshold"]
    for row in figures["rows"]:
        row["shown_schools"] = [shown(cell, limit) for cell in row["schools"]]
        row["shown_total"] = shown(row["total"], limit)
    # The table has no room for notes: why "Cannot be judged" goes under it.
    figures["cannot_judge_note"] = (
        CANNOT_JUDGE_NOTE
        if any(cell.get("cannot_judge") for row in figures["rows"] for cell in row["schools"])
        else ""
    )
    return form, figures


@role_required(*READERS)
def trust(request: SchoolRequest) -> HttpResponse:
    """The headline figures of each of the user's schools, and of all together."""
    form, figures = _figures(request)
    # The spreadsheet link names the period shown (the default one too, so that a
    # download after midnight still matches the page), and nothing else.
    csv_query = (
        ""
        if figures is None
        else urlencode({"period_from": figures["period_from"], "period_to": figures["period_to"]})
    )
    return render(
        request,
        "reports/trust/trust.html",
        {"form": form, "figures": figures, "csv_query": csv_query},
        status=400 if figures is None else 200,
    )


@role_required(*READERS)
def trust_csv(request: SchoolRequest) -> HttpResponse:
    """The trust view's figures as a spreadsheet, suppressed the same way; audited."""
    form, figures = _figures(request)
    if figures is None:
        problems = " ".join(str(message) for errors in form.errors.values() for message in errors)
        return HttpResponse(
            f"No spreadsheet: the period asked for is not valid. {problems}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    audit_record(
        action="reports.trust_exported",
        actor=request.user,
        school=request.school,
        request=request,
        detail=f"{figures['period_from']} to {figures['period_to']}",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="trust-figures-{figures["period_from"]}-{figures["period_to"]}.csv"'
    )
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    together = "All schools together" if len(figures["schools"]) > 1 else "Total"
    writer.writerow(["Figure", *(spreadsheet_safe(name) for name in figures["schools"]), together])
    for row in figures["rows"]:
        writer.writerow(
            [
                spreadsheet_safe(row["label"]),
                *(spreadsheet_safe(cell) for cell in row["shown_schools"]),
                spreadsheet_safe(row["shown_total"]),
            ]
        )
    if figures["cannot_judge_note"]:
        writer.writerow([])
        writer.writerow([figures["cannot_judge_note"]])
    return response
