"""Sessions: today's list, the register, and the at-risk list."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.lib import engagement
from peersupport.meetings import services
from peersupport.meetings.access import session_for, sessions_visible_to
from peersupport.meetings.models import Mark, Session
from peersupport.meetings.selectors import engagement_signals, register_rows

RUNNERS = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.MENTOR)


@role_required(*RUNNERS)
def session_list(request: SchoolRequest) -> HttpResponse:
    today = timezone.localdate()
    sessions = (
        sessions_visible_to(request.user, request.school)
        .filter(date__gte=today, status=Session.Status.SCHEDULED)
        .select_related("group", "mentorship__mentor__student", "mentorship__mentee")
        .order_by("date", "start_time")[:50]
    )
    return render(request, "meetings/session_list.html", {"sessions": sessions})


@role_required(*RUNNERS)
def register(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    session = session_for(request.user, request.school, public_id)
    context = {
        "session": session,
        "rows": register_rows(session),
        "marks": Mark.choices,
        "first_name_only": request.membership.role == Role.MENTOR,
    }
    return render(request, "meetings/register.html", context)


@require_POST
@role_required(*RUNNERS)
def register_mark(request: SchoolRequest, public_id: uuid.UUID, student: uuid.UUID) -> HttpResponse:
    """One mark, saved at once; answers with the updated row for htmx."""
    session = session_for(request.user, request.school, public_id)
    rows = {row.student.public_id: row for row in register_rows(session)}
    row = rows.get(student)
    if row is None:
        raise Http404("That student is not on this register.")
    try:
        row.attendance = services.attendance_mark(
            actor=request.user,
            session=session,
            student=row.student,
            mark=request.POST.get("mark", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    context = {
        "session": session,
        "row": row,
        "marks": Mark.choices,
        "first_name_only": request.membership.role == Role.MENTOR,
    }
    return render(request, "meetings/register.html#row", context)


@role_required(Role.COORDINATOR, Role.DSL)
def at_risk(request: SchoolRequest) -> HttpResponse:
    signals = engagement_signals(school=request.school, today=timezone.localdate())
    order = {engagement.AT_RISK: 0, engagement.WATCH: 1, engagement.ON_TRACK: 2}
    flagged = sorted(
        (s for s in signals if s.result.status != engagement.ON_TRACK),
        key=lambda s: (order[s.result.status], s.student.legal_surname),
    )
    return render(
        request,
        "meetings/at_risk.html",
        {
            "flagged": flagged,
            "total": len(signals),
            "rules": engagement.describe_rules(),
        },
    )
