"""Home, school switching, staff management and invitations."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from peersupport.accounts import services
from peersupport.accounts.access import (
    SchoolRequest,
    invitations_visible_to,
    membership_for,
    memberships_visible_to,
    role_required,
    signed_in_required,
    user_has_mfa,
)
from peersupport.accounts.forms import (
    AcceptInvitationForm,
    InvitationForm,
    RoleChangeForm,
    SchoolSwitchForm,
)
from peersupport.accounts.middleware import CURRENT_SCHOOL
from peersupport.accounts.models import Role
from peersupport.accounts.selectors import locked_out_emails, users_with_mfa

MANAGERS = (Role.COORDINATOR, Role.DSL)


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@signed_in_required
def home(request: SchoolRequest) -> HttpResponse:
    membership = request.membership
    if membership is not None and membership.role in (Role.STUDENT, Role.MENTOR):
        # Students and mentors have their own page (meetings), in plain words.
        return redirect("meetings:mine")
    context = {
        "membership": membership,
        "has_mfa": user_has_mfa(request.user),
    }
    return render(request, "accounts/home.html", context)


@require_POST
@signed_in_required
def school_switch(request: SchoolRequest) -> HttpResponse:
    form = SchoolSwitchForm(request.POST)
    memberships = request.memberships
    if form.is_valid():
        chosen = str(form.cleaned_data["school"])
        for membership in memberships:
            if str(membership.school.public_id) == chosen:
                request.session[CURRENT_SCHOOL] = chosen
                messages.success(request, f"You are now working in {membership.school.name}.")
                return redirect("home")
    raise Http404("You are not a member of that school.")


@role_required(*MANAGERS)
def staff_list(request: SchoolRequest) -> HttpResponse:
    members = list(memberships_visible_to(request.user, request.school))
    locked = locked_out_emails(m.user.email for m in members)
    with_mfa = users_with_mfa(m.user for m in members)
    rows = [
        {"membership": m, "locked": m.user.email in locked, "mfa": m.user_id in with_mfa}
        for m in members
    ]
    invitations = invitations_visible_to(request.user, request.school).filter(
        accepted_at__isnull=True
    )
    return render(request, "accounts/staff_list.html", {"rows": rows, "invitations": invitations})


@role_required(*MANAGERS)
def staff_invite(request: SchoolRequest) -> HttpResponse:
    can_grant_dsl = request.membership.role == Role.DSL
    form = InvitationForm(request.POST or None, can_grant_dsl=can_grant_dsl)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user,
                school=request.school,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_invite.html", {"form": form})


@role_required(*MANAGERS)
def staff_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    membership = membership_for(request.user, request.school, public_id)
    can_grant_dsl = request.membership.role == Role.DSL
    form = RoleChangeForm(
        request.POST or None, can_grant_dsl=can_grant_dsl, initial={"role": membership.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
            return redirect("accounts:staff_detail", public_id=membership.public_id)
    context = {
        "member": membership,
        "form": form,
        "locked": membership.user.email in locked_out_emails([membership.user.email]),
        "has_mfa": user_has_mfa(membership.user),
    }
    return render(request, "accounts/staff_detail.html", context)


def _member_action(request: SchoolRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    membership = membership_for(request.user, request.school, public_id)
    actions = {
        "disable": (services.membership_disable, "{} can no longer sign in to this school."),
        "enable": (services.membership_enable, "{} can sign in again."),
        "unlock": (services.account_unlock, "{}'s account is unlocked."),
    }
    service, done = actions[action]
    try:
        service(actor=request.user, membership=membership, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done.format(membership.user))
    return redirect("accounts:staff_detail", public_id=membership.public_id)


@require_POST
@role_required(*MANAGERS)
def staff_disable(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    return _member_action(request, public_id, "disable")


@require_POST
@role_required(*MANAGERS)
def staff_enable(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    return _member_action(request, public_id, "enable")


@require_POST
@role_required(*MANAGERS)
def staff_unlock(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    return _member_action(request, public_id, "unlock")


def invitation_accept(request: SchoolRequest, token: str) -> HttpResponse:
    """Public: the link in the invitation e-mail. A signed-in user accepts as
    themself; anyone else creates their account here."""
    invitation = services.invitation_find(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    errors: list[str] = []
    if request.method == "POST" and (user is not None or form.is_valid()):
        details: dict[str, str] = {}
        if user is None:
            details = {
                "full_name": form.cleaned_data["full_name"],
                "password": form.cleaned_data["password1"],
            }
        try:
            membership = services.invitation_accept(
                invitation=invitation, user=user, request=request, **details
            )
        except ValidationError as error:
            errors = error.messages
        else:
            if user is None:
                login(
                    request,
                    membership.user,
                    backend="allauth.account.auth_backends.AuthenticationBackend",
                )
            request.session[CURRENT_SCHOOL] = str(membership.school.public_id)
            messages.success(request, f"Welcome to {membership.school.name}.")
            return redirect("home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "signed_in_user": user, "errors": errors},
    )
