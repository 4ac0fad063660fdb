"""Reads for reports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from peersupport.audit.models import AuditEvent


def audit_events_filtered(
    events: QuerySet[AuditEvent], filters: dict[str, Any]
) -> QuerySet[AuditEvent]:
    if filters.get("who"):
        events = events.filter(actor_email__icontains=filters["who"].strip())
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"].strip())
    if filters.get("record"):
        events = events.filter(object_public_id=filters["record"])
    if filters.get("since"):
        events = events.filter(at__date__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(at__date__lte=filters["until"])
    return events.order_by("-at", "-id")


def audit_actions(events: QuerySet[AuditEvent]) -> list[str]:
    return list(events.order_by("action").values_list("action", flat=True).distinct())


# ---------------------------------------------------------------- dashboard (helper: dashboard)

# -------------------------------- representation (helper: representation)

# -------------------------------- impact reports and trust view (helper: impact)
