"""Staff pages for referrals out: the list with each organisation's waiting times, a
new referral for a student, and a referral's page (consent, a DSL's override,
sending, status, notes and history)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.partners import services
from peersupport.partners.access import (
    organisations_visible_to,
    referral_for,
    referral_student_for,
    referrals_visible_to,
)
from peersupport.partners.forms_referrals import (
    ReferralConsentForm,
    ReferralDraftForm,
    ReferralForm,
    ReferralNoteForm,
    ReferralOverrideForm,
    ReferralStatusForm,
)
from peersupport.partners.models import ReferralOut, ReferralStatus
from peersupport.partners.selectors import (
    parent_consent_needed,
    referral_send_blocked_because,
    referral_snapshot_items,
    shareable_items,
    waiting_times,
)

MANAGERS = (Role.COORDINATOR, Role.DSL)


def _errors_to_messages(request: SchoolRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors_to_messages(request: SchoolRequest, form: object) -> None:
    for errors in form.errors.values():  # type: ignore[attr-defined]
        for error in errors:
            messages.error(request, str(error))


@role_required(*MANAGERS)
def referral_list(request: SchoolRequest) -> HttpResponse:
    """The school's referrals out, newest first (one student's, when asked), with
    each organisation's waiting times."""
    referrals = referrals_visible_to(request.user, request.school).select_related(
        "student", "organisation", "service"
    )
    student_filter = request.GET.get("student", "")
    filtered_student = None
    if student_filter:
        try:
            filtered_student = referral_student_for(
                request.user, request.school, uuid.UUID(student_filter)
            )
        except (ValueError, Http404):
            referrals = referrals.none()
        else:
            referrals = referrals.filter(student=filtered_student)
    context = {
        "referrals": list(referrals.order_by("-created_at")),
        "waiting": waiting_times(request.school),
        "student_filter": student_filter,
        "filtered_student": filtered_student,
    }
    return render(request, "partners/referrals/list.html", context)


@role_required(*MANAGERS)
def referral_new(request: SchoolRequest, student: uuid.UUID) -> HttpResponse:
    """Start a referral for a student, as a draft."""
    record = referral_student_for(request.user, request.school, student)
    is_dsl = request.membership.role == Role.DSL
    form = ReferralForm(
        request.POST or None,
        organisations=organisations_visible_to(request.user, request.school),
        items=shareable_items(dsl=is_dsl),
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=request.user, student=record, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, "Referral saved as a draft. Record consent, then send it.")
            return redirect("partners:referral", public_id=referral.public_id)
    return render(request, "partners/referrals/new.html", {"student": record, "form": form})


@role_required(*MANAGERS)
def referral_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a draft referral (a sent one cannot be changed: it goes back to its
    page)."""
    referral = referral_for(request.user, request.school, public_id)
    if referral.status != ReferralStatus.DRAFT:
        messages.error(request, "This referral has been sent: it can no longer be changed.")
        return redirect("partners:referral", public_id=referral.public_id)
    form = ReferralDraftForm(
        request.POST or None,
        organisation=referral.organisation,
        items=shareable_items(dsl=request.membership.role == Role.DSL),
        initial={
            "service": referral.service,
            "reason": referral.reason,
            "urgency": referral.urgency,
            "shared_items": referral.shared_items,
            "written_summary": referral.written_summary,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update_draft(
                actor=request.user, referral=referral, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, "Draft saved.")
            return redirect("partners:referral", public_id=referral.public_id)
    context = {"student": referral.student, "referral": referral, "form": form}
    return render(request, "partners/referrals/new.html", context)


def _referral_page(request: SchoolRequest, referral: ReferralOut) -> HttpResponse:
    today = timezone.localdate()
    is_draft = referral.status == ReferralStatus.DRAFT
    labels = dict(shareable_items(dsl=True))
    context = {
        "referral": referral,
        "is_draft": is_draft,
        "is_dsl": request.membership.role == Role.DSL,
        "consents": list(referral.consents.select_related("recorded_by")),
        "parent_needed": is_draft and parent_consent_needed(referral, today),
        "blocked": referral_send_blocked_because(referral, today) if is_draft else None,
        "shared": referral_snapshot_items(referral),
        "share_labels": [labels.get(key, key) for key in referral.shared_items],
        "steps": list(referral.steps.select_related("by")),
        "notes": list(referral.notes.select_related("author")),
        "consent_form": ReferralConsentForm(),
        "override_form": ReferralOverrideForm(),
        "status_form": ReferralStatusForm(),
        "note_form": ReferralNoteForm(),
        "is_open": referral.status not in (ReferralStatus.CLOSED, ReferralStatus.DECLINED),
    }
    return render(request, "partners/referrals/detail.html", context)


@role_required(*MANAGERS)
def referral_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id)
    return _referral_page(request, referral)


@require_POST
@role_required(*MANAGERS)
def referral_consent(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id)
    form = ReferralConsentForm(request.POST)
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return redirect("partners:referral", public_id=referral.public_id)
    try:
        services.referral_consent_record(
            actor=request.user, referral=referral, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, "Consent recorded.")
    return redirect("partners:referral", public_id=referral.public_id)


@require_POST
@role_required(Role.DSL)
def referral_override(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id)
    form = ReferralOverrideForm(request.POST)
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return redirect("partners:referral", public_id=referral.public_id)
    try:
        services.referral_consent_override(
            actor=request.user, referral=referral, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, "Your decision to refer without consent is recorded.")
    return redirect("partners:referral", public_id=referral.public_id)


@require_POST
@role_required(*MANAGERS)
def referral_send(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id)
    try:
        services.referral_send(actor=request.user, referral=referral, request=request)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, f"Referral sent to {referral.organisation.name}.")
    return redirect("partners:referral", public_id=referral.public_id)


@require_POST
@role_required(*MANAGERS)
def referral_status(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id)
    form = ReferralStatusForm(request.POST)
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return redirect("partners:referral", public_id=referral.public_id)
    try:
        services.referral_status_set(
            actor=request.user, referral=referral, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, "Status changed.")
    return redirect("partners:referral", public_id=referral.public_id)


@require_POST
@role_required(*MANAGERS)
def referral_note(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id)
    form = ReferralNoteForm(request.POST)
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return redirect("partners:referral", public_id=referral.public_id)
    try:
        services.referral_note_add(
            actor=request.user, referral=referral, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, "Note added.")
    return redirect("partners:referral", public_id=referral.public_id)
