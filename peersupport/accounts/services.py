"""Every write to users, memberships and invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from peersupport.accounts.models import INVITABLE_ROLES, Invitation, Membership, Role, User
from peersupport.accounts.selectors import addresses_failing_for, require_manager
from peersupport.audit.services import audit_record
from peersupport.schools.models import School

INVITATION_LIFETIME = timedelta(days=7)


@transaction.atomic
def user_create(*, email: str, full_name: str, password: str | None = None) -> User:
    email = User.objects.normalize_email(email).strip().lower()
    user = User(email=email, full_name=full_name.strip())
    if password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


@transaction.atomic
def membership_grant(
    *,
    actor: User | None,
    school: School,
    user: User,
    role: str,
    request: HttpRequest | None = None,
) -> Membership:
    """Give ``user`` a role in ``school``. ``actor=None`` is for set-up commands
    (seed_demo, createschool), which run with the operator's authority."""
    if actor is not None:
        actor_role = require_manager(actor, school)
        if role == Role.DSL and actor_role != Role.DSL:
            raise PermissionDenied("Only a DSL can give someone the DSL role.")
    membership = Membership.objects.filter(user=user, school=school).first()
    if membership is not None:
        raise ValidationError(f"{user.email} is already a member of {school.name}.")
    membership = Membership(user=user, school=school, role=role)
    membership.full_clean()
    membership.save()
    audit_record(
        action="membership.granted",
        actor=actor,
        school=school,
        object_type="membership",
        object_public_id=membership.public_id,
        request=request,
        detail=f"role {role}",
    )
    return membership


@transaction.atomic
def membership_change_role(
    *, actor: User, membership: Membership, role: str, request: HttpRequest | None = None
) -> Membership:
    actor_role = require_manager(actor, membership.school)
    if Role.DSL in (role, membership.role) and actor_role != Role.DSL:
        raise PermissionDenied("Only a DSL can give or take away the DSL role.")
    if role not in Role.values:
        raise ValidationError("Choose a role from the list.")
    if membership.user_id == actor.pk:
        raise ValidationError("You cannot change your own role; ask another coordinator or DSL.")
    old_role = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_record(
        action="membership.role_changed",
        actor=actor,
        school=membership.school,
        object_type="membership",
        object_public_id=membership.public_id,
        request=request,
        detail=f"{old_role} to {role}",
    )
    return membership


@transaction.atomic
def user_sessions_end(*, user: User) -> None:
    """End every session of ``user`` on its next request."""
    user.sessions_revoked_at = timezone.now()
    user.save(update_fields=["sessions_revoked_at"])


@transaction.atomic
def membership_disable(
    *, actor: User, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    """Remove a member's access to this school and end all their sessions. The
    account itself is disabled when it has no other school."""
    actor_role = require_manager(actor, membership.school)
    if membership.role == Role.DSL and actor_role != Role.DSL:
        raise PermissionDenied("Only a DSL can disable a DSL.")
    if membership.user_id == actor.pk:
        raise ValidationError("You cannot disable your own account.")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    user = membership.user
    if not Membership.objects.filter(user=user, is_active=True).exists():
        user.is_active = False
        user.save(update_fields=["is_active"])
    user_sessions_end(user=user)
    # Invitations this member sent and nobody has accepted stop working with them.
    Invitation.objects.filter(
        school=membership.school, invited_by=user, accepted_at__isnull=True
    ).update(expires_at=timezone.now())
    audit_record(
        action="membership.disabled",
        actor=actor,
        school=membership.school,
        object_type="membership",
        object_public_id=membership.public_id,
        request=request,
    )
    return membership


@transaction.atomic
def membership_enable(
    *, actor: User, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    actor_role = require_manager(actor, membership.school)
    if membership.role == Role.DSL and actor_role != Role.DSL:
        raise PermissionDenied("Only a DSL can enable a DSL.")
    membership.is_active = True
    membership.save(update_fields=["is_active"])
    membership.user.is_active = True
    membership.user.save(update_fields=["is_active"])
    audit_record(
        action="membership.enabled",
        actor=actor,
        school=membership.school,
        object_type="membership",
        object_public_id=membership.public_id,
        request=request,
    )
    return membership


@transaction.atomic
def account_unlock(
    *, actor: User, membership: Membership, request: HttpRequest | None = None
) -> int:
    """Clear the failed sign-ins that locked a member's account, and the address
    locks of the places those failures came from (usually the member's own home or
    school network)."""
    require_manager(actor, membership.school)
    email = membership.user.email
    addresses = addresses_failing_for(email)
    cleared = axes_reset(username=email)
    for address in addresses:
        cleared += axes_reset(ip=address)
    audit_record(
        action="auth.unlocked",
        actor=actor,
        school=membership.school,
        object_type="membership",
        object_public_id=membership.public_id,
        request=request,
        detail=f"{cleared} failed attempts cleared",
    )
    return cleared


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, actor: User, school: School, email: str, role: str, request: HttpRequest | None = None
) -> tuple[Invitation, str]:
    actor_role = require_manager(actor, school)
    if role not in INVITABLE_ROLES:
        raise ValidationError(
            "Staff can be invited as coordinator, DSL, facilitator, viewer or partner."
        )
    if role == Role.DSL and actor_role != Role.DSL:
        raise PermissionDenied("Only a DSL can invite someone as a DSL.")
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(school=school, user__email=email).exists():
        raise ValidationError(f"{email} is already a member of {school.name}.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        school=school,
        email=email,
        role=role,
        invited_by=actor,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        action="invitation.created",
        actor=actor,
        school=school,
        object_type="invitation",
        object_public_id=invitation.public_id,
        request=request,
        detail=f"role {role}",
    )
    path = reverse("accounts:invitation_accept", kwargs={"token": token})
    link = request.build_absolute_uri(path) if request is not None else path
    body = render_to_string(
        "accounts/email/invitation.txt",
        {"invitation": invitation, "link": link, "school": school, "actor": actor},
    )
    transaction.on_commit(
        lambda: send_mail(
            f"You are invited to {school.name}'s peer support programme",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
    )
    return invitation, token


def invitation_find(*, token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.filter(token_hash=_token_hash(token)).select_related("school").first()
    )
    if invitation is None or not invitation.is_open:
        return None
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Accept an open invitation: as the signed-in ``user`` whose e-mail it names, or
    by creating a new account with ``full_name`` and ``password``."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError("This invitation has expired or has already been used.")
    if user is None:
        if User.objects.filter(email=invitation.email).exists():
            raise ValidationError("An account with this e-mail exists: sign in to accept.")
        user = user_create(email=invitation.email, full_name=full_name, password=password)
    elif user.email != invitation.email:
        raise ValidationError("This invitation is for a different e-mail address.")
    membership = Membership(user=user, school=invitation.school, role=invitation.role)
    membership.full_clean()
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="invitation.accepted",
        actor=user,
        school=invitation.school,
        role=invitation.role,
        object_type="membership",
        object_public_id=membership.public_id,
        request=request,
        detail=f"role {invitation.role}",
    )
    return membership
