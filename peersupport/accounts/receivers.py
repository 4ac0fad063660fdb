"""Audit of sign-in events raised by Django, django-axes and django-allauth.

DESIGN.md says "no signals" for our own domain writes: services call each other
explicitly. Sign-in, failed sign-in, lockout and MFA changes happen inside those
libraries' code, and their signals are the documented hook, so receiving them here
is the one exception.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from axes.utils import reset as axes_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from peersupport.accounts.middleware import SIGNED_IN_AT
from peersupport.accounts.models import User
from peersupport.accounts.services import user_sessions_end
from peersupport.audit.services import audit_record


@receiver(user_logged_in)
def record_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().isoformat()
    # Clear this account's failed sign-ins, and only this account's (see settings).
    axes_reset(username=user.email)
    audit_record(action="auth.signed_in", actor=user, request=request)


@receiver(user_logged_out)
def end_all_sessions_on_sign_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    # Signing out on one device signs the user out everywhere.
    if user is None or not user.is_authenticated:
        return
    if request is not None and getattr(request, "_ending_session_by_limit", False):
        return
    user_sessions_end(user=user)
    audit_record(action="auth.signed_out", actor=user, request=request)


@receiver(user_login_failed)
def record_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = User.objects.filter(email=attempted.lower()).first() if attempted else None
    audit_record(
        action="auth.sign_in_failed",
        actor=user,
        request=request,
        detail="unknown account" if user is None else "",
    )


@receiver(user_locked_out)
def record_lockout(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    user = User.objects.filter(email=(username or "").lower()).first() if username else None
    audit_record(action="auth.locked_out", actor=user, request=request)


@receiver(mfa_signals.authenticator_added)
def record_mfa_added(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kw: Any
) -> None:
    audit_record(action="mfa.added", actor=user, request=request, detail=authenticator.type)


@receiver(mfa_signals.authenticator_removed)
def record_mfa_removed(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kw: Any
) -> None:
    audit_record(action="mfa.removed", actor=user, request=request, detail=authenticator.type)


@receiver(mfa_signals.authenticator_reset)
def record_mfa_reset(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kw: Any
) -> None:
    audit_record(action="mfa.reset", actor=user, request=request, detail=authenticator.type)
