"""Hooks that django-axes calls: which account an attempt names, and the page a
locked-out visitor sees."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """allauth passes ``email`` to authenticate(); its form posts ``login``."""
    value = ""
    if credentials:
        value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None:
        value = request.POST.get("login", "")
    return str(value).strip().lower()


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
