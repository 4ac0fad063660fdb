"""Impact reports: a termly or annual report for governors, the trust or inspectors.
The headline figures (no names, small numbers suppressed) with a chart and its
table, the sections the coordinator writes, and "You said, we did". A draft's
figures are worked out afresh each time; an issued report shows the figures frozen
when it was issued. As a page, a PDF and a CSV of its figures; the files are
audited and follow the page's access."""

from __future__ import annotations

import csv
import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.lib.csv_safety import spreadsheet_safe
from peersupport.reports import services
from peersupport.reports.access import (
    impact_report_export_for,
    impact_report_for,
    impact_reports_visible_to,
)
from peersupport.reports.charts import Series, bar_chart
from peersupport.reports.forms_impact import ImpactNarrativeForm, ImpactReportNewForm
from peersupport.reports.headline import chart_values_shown, impact_snapshot, shown
from peersupport.reports.impact_pdf import impact_report_pdf
from peersupport.reports.models import ImpactReport

MANAGERS = (Role.COORDINATOR, Role.DSL)
READERS = (Role.COORDINATOR, Role.DSL, Role.VIEWER)


def report_figures(report: ImpactReport) -> dict[str, Any]:
    """The frozen figures of an issued report; a draft's worked out now. A month
    hidden alone in a chart frozen before months were hidden in twos is hidden
    with the next smallest here (page, PDF and CSV all come from this)."""
    if report.status != ImpactReport.Status.ISSUED:
        return impact_snapshot(report)
    figures = dict(report.figures)
    chart = figures["chart"]
    figures["chart"] = {**chart, "values": chart_values_shown(chart["values"])}
    return figures


def _rows_shown(figures: dict[str, Any]) -> list[dict[str, Any]]:
    limit = figures["threshold"]
    return [{**row, "shown": shown(row, limit)} for row in figures["rows"]]


def _chart_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    chart = figures["chart"]
    limit = figures["threshold"]
    return [
        (label, f"Fewer than {limit}" if value is None else str(value))
        for label, value in zip(chart["labels"], chart["values"], strict=True)
    ]


def _chart(figures: dict[str, Any]) -> dict[str, Any]:
    """The sessions-by-month chart, its gaps where a month is suppressed, with the
    same numbers for its table."""
    chart = figures["chart"]
    return {
        "title": chart["title"],
        "svg": bar_chart(
            title=chart["title"],
            labels=chart["labels"],
            series=[Series("Sessions held", chart["values"])],
            y_label="Sessions",
        ),
        "rows": _chart_rows(figures),
    }


@role_required(*READERS)
def impact_list(request: SchoolRequest) -> HttpResponse:
    """The school's impact reports: drafts and issued for coordinators and DSLs,
    issued only for viewers."""
    reports = impact_reports_visible_to(request.user, request.school)
    return render(
        request,
        "reports/impact/list.html",
        {"reports": reports, "can_write": request.membership.role in MANAGERS},
    )


@role_required(*MANAGERS)
def impact_new(request: SchoolRequest) -> HttpResponse:
    """Start a draft impact report. Input that is not valid (no title, a period
    ending before it starts or too long) gives the form again with its errors and
    status 400; nothing is saved or audited."""
    form = ImpactReportNewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.impact_report_create(
                    actor=request.user, school=request.school, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Draft started. Write what you did, learned and changed.")
                return redirect("reports:impact_edit", public_id=report.public_id)
        return render(request, "reports/impact/new.html", {"form": form}, status=400)
    return render(request, "reports/impact/new.html", {"form": form})


@role_required(*READERS)
def impact_report(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """The report as a page."""
    report = impact_report_for(request.user, request.school, public_id)
    figures = report_figures(report)
    return render(
        request,
        "reports/impact/report.html",
        {
            "report": report,
            "figures": figures,
            "rows": _rows_shown(figures),
            "chart": _chart(figures),
            "can_write": request.membership.role in MANAGERS,
            "issued": report.status == ImpactReport.Status.ISSUED,
        },
    )


@role_required(*MANAGERS)
def impact_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Write the narrative of a draft. Input that is not valid gives the form again
    with its errors and status 400; nothing is saved or audited."""
    report = impact_report_for(request.user, request.school, public_id, action="write")
    if report.status != ImpactReport.Status.DRAFT:
        messages.error(request, "This report has been issued and can no longer be changed.")
        return redirect("reports:impact_report", public_id=report.public_id)
    form = ImpactNarrativeForm(request.POST or None, instance=report)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.impact_report_update(
                    actor=request.user, report=report, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Saved.")
                return redirect("reports:impact_report", public_id=report.public_id)
        # The form has put the bad input on ``report`` (a ModelForm cleans into its
        # instance): show it from a fresh copy so the page's title is the saved one.
        report.refresh_from_db()
        return render(
            request, "reports/impact/edit.html", {"report": report, "form": form}, status=400
        )
    return render(request, "reports/impact/edit.html", {"report": report, "form": form})


@role_required(*MANAGERS)
@require_POST
def impact_issue(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Issue a draft: its figures are frozen as they are now."""
    report = impact_report_for(request.user, request.school, public_id, action="write")
    try:
        services.impact_report_issue(actor=request.user, report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Issued. Its figures will stay as they are today.")
    return redirect("reports:impact_report", public_id=report.public_id)


def _file_name(report: ImpactReport, extension: str) -> str:
    return f"impact-report-{report.period_from:%Y%m%d}-{report.period_to:%Y%m%d}.{extension}"


@role_required(*READERS)
def impact_pdf(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """The report as a PDF (real text, so it can be searched and read aloud)."""
    report = impact_report_export_for(
        request.user, request.school, public_id, export="pdf", request=request
    )
    figures = report_figures(report)
    content = impact_report_pdf(
        school_name=request.school.name,
        report=report,
        figures=figures,
        made_at=timezone.now(),
        chart_svg=_chart(figures)["svg"],
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(report, "pdf")}"'
    return response


@role_required(*READERS)
def impact_csv(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """The report's figures as a spreadsheet, suppressed the same way as the page."""
    report = impact_report_export_for(
        request.user, request.school, public_id, export="csv", request=request
    )
    figures = report_figures(report)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(report, "csv")}"'
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(["Report", spreadsheet_safe(report.title)])
    writer.writerow(["Period", f"{_day(report.period_from)} to {_day(report.period_to)}"])
    writer.writerow(["Status", report.get_status_display()])
    writer.writerow([])
    writer.writerow(["Figure", "Value", "Note"])
    for row in _rows_shown(figures):
        writer.writerow(
            [spreadsheet_safe(row["label"]), spreadsheet_safe(row["shown"]), row["note"]]
        )
    writer.writerow([])
    writer.writerow(["Month", "Sessions held"])
    for label, value in _chart_rows(figures):
        writer.writerow([label, value])
    return response


def _day(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"
