"""Where to get help: the help page every signed-in member of a school reads
(emergency numbers first, then the school's own contacts, local services and
national services), and the page on which coordinators and DSLs keep the school's
entries up to date and see which have gone a year without a check."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import STAFF_ROLES, Role
from peersupport.partners import services
from peersupport.partners.access import (
    signpost_entries_managed_by,
    signpost_entries_visible_to,
    signpost_entry_for,
)
from peersupport.partners.forms_signposting import SignpostEntryForm
from peersupport.partners.models import SignpostEntry
from peersupport.partners.signposting import (
    NationalService,
    help_page_services,
    load_national_services,
    not_checked_for_a_year,
)

EVERYONE = tuple(Role.values)
MANAGERS = (Role.COORDINATOR, Role.DSL)


@role_required(*EVERYONE)
def help_page(request: SchoolRequest) -> HttpResponse:
    """If you need help now: emergency numbers, then the school's contacts, local
    services and national services, in plain words with numbers to call or text.
    National services and details not verified are left off (the management page
    shows them, with a warning); staff also see when each entry was last checked."""
    entries = list(signpost_entries_visible_to(request.user, request.school))
    national = load_national_services()
    national_shown = help_page_services(national.national)
    return render(
        request,
        "partners/signposting/help.html",
        {
            "emergency": help_page_services(national.emergency),
            "school_entries": [e for e in entries if e.kind == SignpostEntry.Kind.SCHOOL],
            "local_entries": [e for e in entries if e.kind == SignpostEntry.Kind.LOCAL],
            "national": national_shown,
            "national_texts": any(service.text for service in national_shown),
            "can_manage": request.membership.role in MANAGERS,
            "show_last_checked": request.membership.role in STAFF_ROLES,
        },
    )


@dataclass
class Row:
    """One line of the management list: a school entry or a national service."""

    name: str
    kind: str
    last_checked_on: datetime.date
    checked_by: str
    stale: bool
    entry: SignpostEntry | None = None
    national: NationalService | None = None


def _rows(request: SchoolRequest) -> list[Row]:
    today = timezone.localdate()
    rows = [
        Row(
            name=entry.name,
            kind=entry.get_kind_display(),
            last_checked_on=entry.last_checked_on,
            checked_by=entry.checked_by.full_name or entry.checked_by.email,
            stale=not_checked_for_a_year(entry.last_checked_on, today),
            entry=entry,
        )
        for entry in signpost_entries_managed_by(request.user, request.school)
    ]
    rows += [
        Row(
            name=service.name,
            kind="Emergency" if service.group == "emergency" else "National service",
            last_checked_on=service.last_checked_on,
            checked_by="Shipped with the app",
            stale=not_checked_for_a_year(service.last_checked_on, today),
            national=service,
        )
        for service in load_national_services().all
    ]
    return rows


def _save_errors(form: SignpostEntryForm, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@role_required(*MANAGERS)
def manage(request: SchoolRequest) -> HttpResponse:
    """Every entry of the help page with the date it was last checked (those not
    checked for a year or more flagged), and a form to add a school or local one."""
    form = SignpostEntryForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = services.signpost_entry_add(
                    actor=request.user, school=request.school, **form.cleaned_data
                )
            except ValidationError as error:
                _save_errors(form, error)
            else:
                messages.success(request, f"{entry.name} is on the help page.")
                return redirect("partners:signposting_manage")
        status = 400
    return render(
        request,
        "partners/signposting/manage.html",
        {"rows": _rows(request), "form": form},
        status=status,
    )


@role_required(*MANAGERS)
def edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Correct a school or local entry."""
    entry = signpost_entry_for(request.user, request.school, public_id)
    form = SignpostEntryForm(request.POST if request.method == "POST" else None, instance=entry)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.signpost_entry_update(
                    actor=request.user,
                    entry=signpost_entry_for(request.user, request.school, public_id),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _save_errors(form, error)
            else:
                messages.success(request, f"{entry.name} is saved.")
                return redirect("partners:signposting_manage")
        status = 400
    return render(
        request, "partners/signposting/edit.html", {"entry": entry, "form": form}, status=status
    )


@require_POST
@role_required(*MANAGERS)
def checked(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Say an entry's details are still right (checked today, by you)."""
    entry = signpost_entry_for(request.user, request.school, public_id)
    services.signpost_entry_checked(actor=request.user, entry=entry)
    messages.success(request, f"{entry.name} is marked as checked today.")
    return redirect("partners:signposting_manage")


@require_POST
@role_required(*MANAGERS)
def remove(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Take an entry off the help page."""
    entry = signpost_entry_for(request.user, request.school, public_id)
    name = entry.name
    services.signpost_entry_remove(actor=request.user, entry=entry)
    messages.success(request, f"{name} is no longer on the help page.")
    return redirect("partners:signposting_manage")
