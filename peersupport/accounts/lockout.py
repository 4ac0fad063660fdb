"""Hooks that django-axes calls: which account an attempt names, and the page a
locked-out visitor sees."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from peersupport.audit.services import client_address


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """allauth passes ``email`` to authenticate(); its form posts ``login``."""
    value = ""
    if credentials:
        value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None:
        value = request.POST.get("login", "")
    return str(value).strip().lower()


def lockout_parameters(request_or_attempt: Any, credentials: dict[str, Any] | None) -> list[str]:
    """Per account everywhere; per address too, except on the school's own network."""
    if isinstance(request_or_attempt, HttpRequest):
        address = client_address(request_or_attempt)
    else:  # an axes AccessAttempt
        address = getattr(request_or_attempt, "ip_address", None)
    if address and _on_school_network(address):
        return ["username"]
    return ["username", "ip_address"]


def _on_school_network(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.SCHOOL_NETWORKS)


def locked_out_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    response = TemplateResponse(
        request,
        "accounts/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "until": until,
        },
        status=429,
    )
    return response.render()
