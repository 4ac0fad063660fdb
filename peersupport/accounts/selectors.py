"""Reads about accounts that span relations."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone

from peersupport.accounts.models import Membership, Role, User
from peersupport.schools.models import School


def locked_out_emails(emails: Iterable[str]) -> set[str]:
    """Which of these accounts are locked out by failed sign-ins right now."""
    # django-axes keeps a row per account, address and browser, and adds the rows up.
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(username__in=list(emails), attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values_list("username", flat=True)
    )


def addresses_failing_for(email: str) -> list[str]:
    """The addresses from which this account's recent failed sign-ins came."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return sorted(
        set(
            AccessAttempt.objects.filter(username=email, attempt_time__gte=since)
            .exclude(ip_address=None)
            .values_list("ip_address", flat=True)
        )
    )


def users_with_mfa(users: Iterable[User]) -> set[int]:
    return set(
        Authenticator.objects.filter(
            user__in=list(users), type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )


def role_in(user: User, school: School) -> str:
    """The user's role in this school, or "" when they hold none there (or their
    membership is disabled). Every role check per school starts here. Within a
    request the roles read by CurrentSchoolMiddleware are used, not read again."""
    known = user.roles_this_request
    if known is not None:
        return known.get(school.pk, "")
    membership = Membership.objects.filter(user=user, school=school, is_active=True).first()
    return membership.role if membership else ""


def require_manager(user: User, school: School) -> str:
    """The user's role, if they are a coordinator or a DSL of this school; every
    service that only they may call starts here."""
    role = role_in(user, school)
    if role not in (Role.COORDINATOR, Role.DSL):
        raise PermissionDenied("Only a coordinator or a DSL can do this.")
    return role
