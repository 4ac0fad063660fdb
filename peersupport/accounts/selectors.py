"""Reads about accounts that span relations."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from peersupport.accounts.models import Membership, User
from peersupport.schools.models import School


def locked_out_emails(emails: Iterable[str]) -> set[str]:
    """Which of these accounts are locked out by failed sign-ins right now."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=list(emails),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def users_with_mfa(users: Iterable[User]) -> set[int]:
    return set(
        Authenticator.objects.filter(
            user__in=list(users), type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )


def role_in(user: User, school: School) -> str:
    """The user's role in this school, or "" when they hold none there (or their
    membership is disabled). Every role check per school starts here."""
    membership = Membership.objects.filter(user=user, school=school, is_active=True).first()
    return membership.role if membership else ""
