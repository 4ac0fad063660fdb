"""A partner user's own pages: the referrals made to their organisation that are
open, and each referral's page with only what it shares, a status form and notes.
Every read is audited (access.py)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.partners import services
from peersupport.partners.access import (
    partner_referral_for,
    partner_referral_for_change,
    partner_referrals_list_for,
)
from peersupport.partners.forms_referrals import ReferralNoteForm, ReferralStatusForm
from peersupport.partners.selectors import referral_snapshot_items


@role_required(Role.PARTNER)
def partner_home(request: SchoolRequest) -> HttpResponse:
    """The open referrals made to the partner's organisation."""
    referrals = partner_referrals_list_for(
        request.user, request.school, timezone.localdate(), request
    )
    return render(request, "partners/partner/home.html", {"referrals": referrals})


@role_required(Role.PARTNER)
def partner_referral(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """One referral as the partner sees it: who (name and year), why, how urgent, the
    items it shares as they were when sent, the notes of both sides. Nothing else
    about the student."""
    referral = partner_referral_for(
        request.user, request.school, public_id, timezone.localdate(), request
    )
    context = {
        "referral": referral,
        # The partner reads all the referral shared with them, DSL-only items too.
        "shared": referral_snapshot_items(referral, show_dsl_only=True),
        "notes": list(referral.notes.select_related("author")),
        "steps": list(referral.steps.all()),
        "status_form": ReferralStatusForm(),
        "note_form": ReferralNoteForm(),
    }
    return render(request, "partners/partner/referral.html", context)


@require_POST
@role_required(Role.PARTNER)
def partner_referral_status(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    today = timezone.localdate()
    referral = partner_referral_for_change(request.user, request.school, public_id, today)
    form = ReferralStatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("partners:partner_referral", public_id=referral.public_id)
    try:
        services.referral_status_set(
            actor=request.user, referral=referral, today=today, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("partners:partner_referral", public_id=referral.public_id)
    messages.success(request, "Status changed. The school can see it.")
    # A closed or declined referral leaves the partner's list: go back to it.
    return redirect("partners:partner_home")


@require_POST
@role_required(Role.PARTNER)
def partner_referral_note(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    today = timezone.localdate()
    referral = partner_referral_for_change(request.user, request.school, public_id, today)
    form = ReferralNoteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("partners:partner_referral", public_id=referral.public_id)
    try:
        services.referral_note_add(
            actor=request.user, referral=referral, today=today, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Note added. The school can read it.")
    return redirect("partners:partner_referral", public_id=referral.public_id)
