"""The research export page: coordinators and DSLs choose a research partner with a
data sharing agreement covering research and a period, and download a pseudonymous,
k-anonymous CSV; the page lists the exports made before (what, with whom, when and
under which agreement)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.partners import services
from peersupport.partners.access import (
    research_exports_visible_to,
    research_organisations_visible_to,
)
from peersupport.partners.forms_research import ResearchExportForm
from peersupport.partners.selectors import partner_settings_of


@role_required(Role.COORDINATOR, Role.DSL)
def research_export_page(request: SchoolRequest) -> HttpResponse:
    """GET: the form and the exports made before. POST: make an export and send it
    as a download; bad input shows the page again (400) and makes nothing."""
    today = timezone.localdate()
    organisations = research_organisations_visible_to(request.user, request.school, today)
    form = ResearchExportForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations.order_by("name"),
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        try:
            export, csv_text = services.research_export_make(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                period_from=form.cleaned_data["period_from"],
                period_to=form.cleaned_data["period_to"],
                request=request,
                today=today,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            response = HttpResponse(csv_text, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="research-export-{export.public_id}.csv"'
            )
            return response
    exports = (
        research_exports_visible_to(request.user, request.school)
        .select_related("organisation", "agreement", "made_by")
        .order_by("-made_at")[:100]
    )
    return render(
        request,
        "partners/research/export.html",
        {
            "form": form,
            "exports": exports,
            "has_partners": organisations.exists(),
            "k": partner_settings_of(request.school).research_k,
        },
        status=400 if request.method == "POST" else 200,
    )
