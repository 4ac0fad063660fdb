"""The one helper that writes audit events."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from peersupport.audit.models import AuditEvent


def client_address(request: HttpRequest | None) -> str | None:
    """The visitor's address. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies it is
    read from X-Forwarded-For, counting that many hops from the right (the proxies'
    own entries), so a visitor cannot choose their address by sending the header.
    django-axes uses this too (AXES_CLIENT_IP_CALLABLE), so lockouts and the audit
    log agree."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    school: Any = None,
    role: str = "",
    object_type: str = "",
    object_public_id: uuid.UUID | None = None,
    request: HttpRequest | None = None,
    detail: str = "",
) -> AuditEvent:
    """Write one audit event. ``detail`` must not hold a sensitive value (no names of
    students, no free text they wrote): say what happened, not what it said."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is not None and not role:
        membership = getattr(request, "membership", None)
        role = membership.role if membership is not None else ""
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        role=role,
        school=school,
        object_type=object_type,
        object_public_id=object_public_id,
        ip_address=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        detail=detail[:300],
    )
    event.save()
    return event
