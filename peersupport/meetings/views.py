"""Sessions: today's list, the register, and the at-risk list."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.lib import engagement
from peersupport.meetings import services
from peersupport.meetings.access import session_for, sessions_visible_to
from peersupport.meetings.forms import CheckInForm, FitCheckForm
from peersupport.meetings.models import Mark, Session
from peersupport.meetings.selectors import engagement_signals, my_page, register_rows
from peersupport.programmes.services import fit_check_answer

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


@role_required(Role.STUDENT, Role.MENTOR)
def my_page_view(request: SchoolRequest) -> HttpResponse:
    """A student's or mentor's own page: sessions, check-ins, mentees, fit checks."""
    student = getattr(request.user, "student_record", None)
    if student is not None and student.school_id != request.school.pk:
        student = None
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and student is not None and form.is_valid():
        services.check_in_record(
            actor=request.user,
            student=student,
            feeling=form.cleaned_data["feeling"],
            word=form.cleaned_data["word"],
        )
        messages.success(request, "Thank you. Your check-in is saved.")
        return redirect("meetings:mine")
    page = my_page(student=student, today=timezone.localdate())
    return render(
        request,
        "meetings/my_page.html",
        {"page": page, "form": form, "fit_form": FitCheckForm()},
    )


@require_POST
@role_required(Role.STUDENT, Role.MENTOR)
def fit_check(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    student = getattr(request.user, "student_record", None)
    page = my_page(student=student, today=timezone.localdate())
    due = {m.public_id: (m, side) for m, side in page.fit_checks_due}
    if public_id not in due:
        raise Http404("Nothing to answer here.")
    mentorship, side = due[public_id]
    form = FitCheckForm(request.POST)
    if form.is_valid():
        try:
            fit_check_answer(
                actor=request.user,
                mentorship=mentorship,
                side=side,
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Thank you for telling us.")
    else:
        messages.error(request, "Pick one answer.")
    return redirect("meetings:mine")
