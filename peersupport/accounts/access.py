"""Who may reach what in accounts, and the role check every view uses.

Views are wrapped in ``role_required(...)``: anonymous visitors are sent to sign in;
a user whose role in the current school is not listed gets 403; a coordinator, DSL
or partner who must use MFA and has not enrolled is sent to enrol first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from peersupport.accounts.models import MFA_ROLES, Invitation, Membership, Role, User
from peersupport.accounts.selectors import role_in
from peersupport.schools.models import School

ViewFunction = Callable[..., HttpResponse]


class SchoolRequest(HttpRequest):
    """The request as our middleware leaves it, for type checking views:
    ``role_required`` guarantees a signed-in user with a membership."""

    user: User  # type: ignore[assignment]
    membership: Membership
    memberships: list[Membership]
    school: School
    htmx: Any


def user_has_mfa(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def signed_in_with_mfa(request: HttpRequest) -> bool:
    """This session passed a two-step code (allauth records how a session signed
    in), which proves enrolment without asking the database on every page."""
    records = get_authentication_records(request, request.user)  # type: ignore[arg-type]
    return any(record.get("method") == "mfa" for record in records)


def must_enrol_in_mfa(request: HttpRequest, membership: Membership) -> bool:
    if not settings.REQUIRE_MFA:
        return False
    if membership.role not in MFA_ROLES:
        return False
    if signed_in_with_mfa(request):
        return False
    return not user_has_mfa(request.user)  # type: ignore[arg-type]


def role_required(*roles: str) -> Callable[[ViewFunction], ViewFunction]:
    """Allow the view only to members of the current school holding one of ``roles``."""

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request.membership  # type: ignore[attr-defined]
            if membership is None:
                raise PermissionDenied("You are not a member of any school.")
            if membership.role not in roles:
                raise PermissionDenied("Your role does not give access to this page.")
            if must_enrol_in_mfa(request, membership):
                messages.warning(
                    request,
                    "Set up two-step sign-in before you can see student information.",
                )
                return redirect("mfa_activate_totp")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def signed_in_required(view: ViewFunction) -> ViewFunction:
    """Any signed-in user, member of a school or not (home page, school switch)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def memberships_visible_to(user: User, school: School) -> QuerySet[Membership]:
    """The school's staff list: coordinators and DSLs see every member."""
    if role_in(user, school) not in (Role.COORDINATOR, Role.DSL):
        return Membership.objects.none()
    return Membership.objects.filter(school=school).select_related("user", "school")


def membership_for(user: User, school: School, public_id: uuid.UUID) -> Membership:
    try:
        return memberships_visible_to(user, school).get(public_id=public_id)
    except Membership.DoesNotExist:
        raise Http404("No such member of staff.") from None


def invitations_visible_to(user: User, school: School) -> QuerySet[Invitation]:
    if not memberships_visible_to(user, school).exists():
        return Invitation.objects.none()
    return Invitation.objects.filter(school=school).select_related("invited_by")
