"""Staff pages for referrals out: the list with each organisation's waiting times, a
new referral for a student, and a referral's page (consent, a DSL's override,
sending, status, notes and history)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
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
    referral_for_change,
    referral_student_for,
    referrals_visible_to,
)
from peersupport.partners.forms_referrals import (
    ReferralConsentForm,
    ReferralDraftForm,
    ReferralForm,
    ReferralOverrideForm,
    ReferralStatusForm,
    SchoolReferralNoteForm,
)
from peersupport.partners.models import ReferralOut, ReferralStatus
from peersupport.partners.selectors import (
    parent_consent_needed,
    referral_consents_in_force,
    referral_dsl_restricted,
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
        "waiting": waiting_times(request.school, timezone.localdate()),
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
        request.POST if request.method == "POST" else None,
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
    return render(
        request,
        "partners/referrals/new.html",
        {"student": record, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@role_required(*MANAGERS)
def referral_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a draft referral (a sent one cannot be changed, nor can anyone but a DSL
    change a DSL's draft that shares safeguarding: both go back to its page with the
    reason). An empty or wrong form is shown again with its errors (400)."""
    is_post = request.method == "POST"
    if is_post:
        referral = referral_for_change(request.user, request.school, public_id)
    else:
        referral = referral_for(request.user, request.school, public_id, request)
    is_dsl = request.membership.role == Role.DSL
    if referral.status != ReferralStatus.DRAFT:
        messages.error(request, "This referral has been sent: it can no longer be changed.")
        return redirect("partners:referral", public_id=referral.public_id)
    if referral_dsl_restricted(referral) and not is_dsl:
        messages.error(
            request,
            "Only a DSL can change this draft: it shares from safeguarding records.",
        )
        return redirect("partners:referral", public_id=referral.public_id)
    form = ReferralDraftForm(
        request.POST if is_post else None,
        organisation=referral.organisation,
        items=shareable_items(dsl=is_dsl),
        initial={
            "service": referral.service,
            "reason": referral.reason,
            "urgency": referral.urgency,
            "shared_items": referral.shared_items,
            "written_summary": referral.written_summary,
        },
    )
    if is_post and form.is_valid():
        had_consent = bool(referral_consents_in_force(referral))
        try:
            services.referral_update_draft(
                actor=request.user, referral=referral, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, "Draft saved.")
            if had_consent and not referral_consents_in_force(referral):
                messages.warning(
                    request,
                    "Consent was given for what the referral shared before this change. "
                    "Record consent again before sending it.",
                )
            return redirect("partners:referral", public_id=referral.public_id)
    context = {"student": referral.student, "referral": referral, "form": form}
    return render(request, "partners/referrals/new.html", context, status=400 if is_post else 200)


def _referral_page(request: SchoolRequest, referral: ReferralOut) -> HttpResponse:
    today = timezone.localdate()
    is_draft = referral.status == ReferralStatus.DRAFT
    labels = dict(shareable_items(dsl=True))
    is_dsl = request.membership.role == Role.DSL
    # A DSL's referral that shares from safeguarding records: its written summary is
    # the DSL's to read, and only a DSL may change or send it.
    restricted = referral_dsl_restricted(referral) and not is_dsl
    consents = list(referral.consents.select_related("recorded_by"))
    in_force = {consent.pk for consent in referral_consents_in_force(referral)}
    blocked = referral_send_blocked_because(referral, today) if is_draft else None
    if is_draft and blocked is None and restricted:
        blocked = "Only a DSL can send this referral: it shares from safeguarding records."
    context = {
        "referral": referral,
        "is_draft": is_draft,
        "is_dsl": is_dsl,
        "consents": consents,
        "consents_in_force": in_force,
        "parent_needed": is_draft and parent_consent_needed(referral, today),
        "blocked": blocked,
        "shared": referral_snapshot_items(referral, show_dsl_only=is_dsl),
        "dsl_restricted": restricted,
        "share_labels": [labels.get(key, key) for key in referral.shared_items],
        "steps": list(referral.steps.select_related("by")),
        "notes": list(referral.notes.select_related("author")),
        "consent_form": ReferralConsentForm(),
        "override_form": ReferralOverrideForm(),
        "status_form": ReferralStatusForm(),
        "note_form": SchoolReferralNoteForm(),
        "is_open": referral.status not in (ReferralStatus.CLOSED, ReferralStatus.DECLINED),
    }
    return render(request, "partners/referrals/detail.html", context)


@role_required(*MANAGERS)
def referral_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id, request)
    return _referral_page(request, referral)


@require_POST
@role_required(*MANAGERS)
def referral_consent(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for_change(request.user, request.school, public_id)
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
    referral = referral_for_change(request.user, request.school, public_id)
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
    referral = referral_for_change(request.user, request.school, public_id)
    try:
        services.referral_send(actor=request.user, referral=referral, request=request)
    except ValidationError as error:
        _errors_to_messages(request, error)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Referral sent to {referral.organisation.name}.")
    return redirect("partners:referral", public_id=referral.public_id)


@require_POST
@role_required(*MANAGERS)
def referral_status(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for_change(request.user, request.school, public_id)
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
    referral = referral_for_change(request.user, request.school, public_id)
    form = SchoolReferralNoteForm(request.POST)
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
