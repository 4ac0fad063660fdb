"""The directory of outside services, for coordinators and DSLs: the organisations
with the state of their data sharing agreements, each one's services, contacts,
agreements and the training it delivered, and the school's referral settings.

Forms are built without the record they change (its values are the initial ones):
a model form fills its instance as it validates, and the service must see the
record as it was, to know what changed."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.partners import services
from peersupport.partners.access import (
    contact_for,
    organisation_for,
    organisations_visible_to,
    service_for,
)
from peersupport.partners.forms_directory import (
    AgreementForm,
    ContactForm,
    OrganisationForm,
    PartnerSettingsForm,
    ServiceForm,
    TrainingDeliveredForm,
)
from peersupport.partners.models import Organisation
from peersupport.partners.selectors import (
    REVIEW_DUE_WITHIN_DAYS,
    agreement_status,
    directory_rows,
    partner_accounts_of,
    partner_settings_of,
    training_delivered_by,
    training_events_of,
    training_modules_of,
)

MANAGERS = (Role.COORDINATOR, Role.DSL)


def _show_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal, on the field it is about (or the whole form)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@role_required(*MANAGERS)
def organisation_list(request: SchoolRequest) -> HttpResponse:
    """Every organisation the school works with, its kind, and whether personal data
    may be shared with it today (and if not, why)."""
    today = timezone.localdate()
    rows = directory_rows(organisations_visible_to(request.user, request.school), today)
    context = {"rows": rows, "today": today, "due_within": REVIEW_DUE_WITHIN_DAYS}
    return render(request, "partners/directory/organisation_list.html", context)


@role_required(*MANAGERS)
def organisation_create(request: SchoolRequest) -> HttpResponse:
    """Add an organisation to the directory."""
    form = OrganisationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                organisation = services.organisation_create(
                    actor=request.user, school=request.school, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, f"{organisation.name} is added to the directory.")
                return redirect("partners:organisation", public_id=organisation.public_id)
        status = 400
    context = {"form": form, "organisation": None}
    return render(request, "partners/directory/organisation_form.html", context, status=status)


@role_required(*MANAGERS)
def organisation_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change an organisation's details."""
    organisation = organisation_for(request.user, request.school, public_id)
    initial = model_to_dict(organisation, fields=OrganisationForm.Meta.fields)
    form = OrganisationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organisation_update(
                    actor=request.user,
                    organisation=organisation,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "Saved.")
                return redirect("partners:organisation", public_id=organisation.public_id)
        status = 400
    context = {"form": form, "organisation": organisation}
    return render(request, "partners/directory/organisation_form.html", context, status=status)


def _organisation_page(
    request: SchoolRequest,
    organisation: Organisation,
    *,
    status: int = 200,
    **bound: forms.BaseForm,
) -> HttpResponse:
    """The organisation's page, with any form that was sent back with errors."""
    today = timezone.localdate()
    school = request.school
    context: dict[str, Any] = {
        "organisation": organisation,
        "status": agreement_status(organisation, today),
        "services": list(organisation.services.all()),
        "contacts": list(organisation.contacts.select_related("user")),
        "agreements": list(organisation.agreements.select_related("recorded_by")),
        "training": training_delivered_by(organisation),
        "today": today,
        "service_form": bound.get("service_form") or ServiceForm(prefix="service"),
        "contact_form": bound.get("contact_form")
        or ContactForm(prefix="contact", partner_accounts=partner_accounts_of(school)),
        "agreement_form": bound.get("agreement_form") or AgreementForm(prefix="agreement"),
        "training_form": bound.get("training_form")
        or TrainingDeliveredForm(
            prefix="training",
            modules=training_modules_of(school),
            events=training_events_of(school),
        ),
    }
    return render(request, "partners/directory/organisation_detail.html", context, status=status)


@role_required(*MANAGERS)
def organisation_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """An organisation: its agreement's state, services, contacts, agreements and
    the training it delivered, with forms to add to each."""
    organisation = organisation_for(request.user, request.school, public_id)
    return _organisation_page(request, organisation)


@require_POST
@role_required(*MANAGERS)
def agreement_record(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record a data sharing agreement signed with the organisation."""
    organisation = organisation_for(request.user, request.school, public_id)
    form = AgreementForm(request.POST, prefix="agreement")
    if form.is_valid():
        try:
            services.agreement_record(
                actor=request.user, organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The agreement is recorded.")
            return redirect("partners:organisation", public_id=organisation.public_id)
    return _organisation_page(request, organisation, status=400, agreement_form=form)


@require_POST
@role_required(*MANAGERS)
def service_add(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Add a service the organisation offers."""
    organisation = organisation_for(request.user, request.school, public_id)
    form = ServiceForm(request.POST, prefix="service")
    if form.is_valid():
        try:
            services.service_add(
                actor=request.user, organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The service is added.")
            return redirect("partners:organisation", public_id=organisation.public_id)
    return _organisation_page(request, organisation, status=400, service_form=form)


@role_required(*MANAGERS)
def service_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change what is recorded about a service."""
    service = service_for(request.user, request.school, public_id)
    initial = model_to_dict(service, fields=ServiceForm.Meta.fields)
    form = ServiceForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.service_update(
                    actor=request.user, service=service, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "Saved.")
                return redirect("partners:organisation", public_id=service.organisation.public_id)
        status = 400
    context = {"form": form, "organisation": service.organisation, "what": "service"}
    return render(request, "partners/directory/part_form.html", context, status=status)


@require_POST
@role_required(*MANAGERS)
def contact_add(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Add a person at the organisation."""
    organisation = organisation_for(request.user, request.school, public_id)
    form = ContactForm(
        request.POST, prefix="contact", partner_accounts=partner_accounts_of(request.school)
    )
    if form.is_valid():
        try:
            services.contact_add(
                actor=request.user, organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The contact is added.")
            return redirect("partners:organisation", public_id=organisation.public_id)
    return _organisation_page(request, organisation, status=400, contact_form=form)


@role_required(*MANAGERS)
def contact_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a contact's details, or the account linked to them."""
    contact = contact_for(request.user, request.school, public_id)
    initial = model_to_dict(contact, fields=ContactForm.Meta.fields)
    form = ContactForm(
        request.POST or None,
        initial=initial,
        partner_accounts=partner_accounts_of(request.school),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contact_update(
                    actor=request.user, contact=contact, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "Saved.")
                return redirect("partners:organisation", public_id=contact.organisation.public_id)
        status = 400
    context = {"form": form, "organisation": contact.organisation, "what": "contact"}
    return render(request, "partners/directory/part_form.html", context, status=status)


@require_POST
@role_required(*MANAGERS)
def training_record(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record a training module, or one event, the organisation delivered."""
    organisation = organisation_for(request.user, request.school, public_id)
    form = TrainingDeliveredForm(
        request.POST,
        prefix="training",
        modules=training_modules_of(request.school),
        events=training_events_of(request.school),
    )
    if form.is_valid():
        try:
            services.training_delivered_record(
                actor=request.user, organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The training is recorded.")
            return redirect("partners:organisation", public_id=organisation.public_id)
    return _organisation_page(request, organisation, status=400, training_form=form)


@role_required(*MANAGERS)
def partner_settings(request: SchoolRequest) -> HttpResponse:
    """The school's settings for referrals out."""
    current = partner_settings_of(request.school)
    initial = model_to_dict(current, fields=PartnerSettingsForm.Meta.fields)
    form = PartnerSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.partner_settings_set(
                    actor=request.user, school=request.school, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect("partners:settings")
        status = 400
    return render(request, "partners/directory/settings.html", {"form": form}, status=status)
