"""The DSL's access log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.audit.services import audit_record
from peersupport.reports.access import audit_events_visible_to
from peersupport.reports.forms import AuditFilterForm
from peersupport.reports.selectors import audit_events_filtered

PAGE_SIZE = 100


@role_required(Role.DSL)
def audit_log(request: SchoolRequest) -> HttpResponse:
    # Reading the access log is itself a sensitive read. Record it before counting
    # the page, so the count and the rows shown agree.
    audit_record(
        action="audit.log_viewed", actor=request.user, school=request.school, request=request
    )
    events = audit_events_visible_to(request.user, request.school)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(audit_events_filtered(events, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
