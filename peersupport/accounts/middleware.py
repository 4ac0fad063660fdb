"""Session limits and the current school of each request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from peersupport.accounts.models import Membership

SIGNED_IN_AT = "signed_in_at"
CURRENT_SCHOOL = "current_school"


class SessionLimitsMiddleware:
    """Ends a session 12 hours after sign-in, and ends every session that began
    before the user's ``sessions_revoked_at``. The 30-minute idle limit is Django's
    own (``SESSION_COOKIE_AGE`` renewed on each request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = timezone.now()
            stamp = request.session.get(SIGNED_IN_AT)
            signed_in_at = parse_datetime(stamp) if stamp else None
            if signed_in_at is None:
                request.session[SIGNED_IN_AT] = now.isoformat()
                signed_in_at = now
            revoked_at = user.sessions_revoked_at  # type: ignore[union-attr]
            ended = ""
            if now - signed_in_at > settings.SESSION_ABSOLUTE_LIMIT:
                ended = "You were signed out after 12 hours. Please sign in again."
            elif revoked_at is not None and signed_in_at <= revoked_at:
                ended = "Your session has ended. Please sign in again."
            if ended:
                # A session ended by these limits ends only itself, not the user's others.
                request._ending_session_by_limit = True  # type: ignore[attr-defined]
                logout(request)
                messages.info(request, ended)
        return self.get_response(request)


class CurrentSchoolMiddleware:
    """Attaches ``request.memberships`` (the user's active memberships),
    ``request.membership`` and ``request.school`` (the school chosen in this
    session, or the first one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.memberships = []  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        request.school = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=request.user, is_active=True)
                .select_related("school")
                .order_by("school__name")
            )
            chosen = request.session.get(CURRENT_SCHOOL)
            current = next((m for m in memberships if str(m.school.public_id) == chosen), None)
            if current is None and memberships:
                current = memberships[0]
            # role_in() answers from these for the rest of this request; the user
            # object is built afresh for each request, so this never outlives it.
            request.user.roles_this_request = {  # type: ignore[union-attr]
                m.school_id: m.role for m in memberships
            }
            request.memberships = memberships  # type: ignore[attr-defined]
            request.membership = current  # type: ignore[attr-defined]
            request.school = current.school if current else None  # type: ignore[attr-defined]
        return self.get_response(request)
