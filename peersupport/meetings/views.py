"""Sessions: today's list, the register, and the at-risk list."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.lib import engagement
from peersupport.meetings import services
from peersupport.meetings.access import (
    may_read_supervision_notes,
    session_for,
    sessions_visible_to,
    supervision_for,
    supervision_programme_for,
)
from peersupport.meetings.forms import (
    CancelForm,
    CheckInForm,
    FitCheckForm,
    MoveForm,
    SessionLogForm,
    SupervisionCadenceForm,
    SupervisionForm,
)
from peersupport.meetings.models import Mark, Session
from peersupport.meetings.my_page_parts import my_page_parts_for
from peersupport.meetings.selectors import (
    as_rows,
    engagement_snapshot_rows,
    group_attendance,
    group_sessions,
    mentors_serving,
    my_page,
    recent_supervisions,
    register_rows,
    stale_enrolments,
    supervision_attendance,
    supervision_due,
)
from peersupport.programmes.access import (
    group_for,
    groups_visible_to,
    mentorship_for,
    mentorships_visible_to,
    programme_for,
)
from peersupport.programmes.forms import ContactForm, SeriesForm, StudentByUpnForm
from peersupport.programmes.selectors import (
    group_members,
    group_rules,
    rules_for_student,
)
from peersupport.programmes.services import (
    fit_check_answer,
    group_add_member,
    programme_set_supervision_cadence,
)
from peersupport.students.access import students_visible_to

RUNNERS = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.MENTOR)
STAFF_RUNNERS = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)
MANAGERS = (Role.COORDINATOR, Role.DSL)
AT_RISK_PAGE_SIZE = 20


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
        "log_form": SessionLogForm(),
        "move_form": MoveForm(),
        "cancel_form": CancelForm(),
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
    today = timezone.localdate()
    stale = stale_enrolments(school=request.school, today=today)
    if stale:
        services.engagement_refresh(school=request.school, today=today, enrolments=stale)
    rows = engagement_snapshot_rows(school=request.school, flagged_only=True)
    page = Paginator(rows, AT_RISK_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/at_risk.html",
        {
            "flagged": as_rows(page.object_list),
            "page": page,
            "query": "",
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
    today = timezone.localdate()
    page = my_page(student=student, today=today)
    return render(
        request,
        "meetings/my_page.html",
        {
            "page": page,
            "parts": (
                my_page_parts_for(request.user, request.school, student, today)
                if student is not None
                else []
            ),
            "form": form,
            "fit_form": FitCheckForm(),
            "group_rules": rules_for_student(student) if student else [],
        },
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


@role_required(*STAFF_RUNNERS)
def group_page(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """A group: members, sessions, and (for managers) adding members and scheduling."""
    group = group_for(request.user, request.school, public_id)
    members = group_members(group)
    context = {
        "group": group,
        "members": members,
        "rules": group_rules(group, members),
        "sessions": group_sessions(group),
        "attendance": group_attendance(group, timezone.localdate()),
        "can_manage": request.membership.role in MANAGERS,
        "member_form": StudentByUpnForm(),
        "series_form": SeriesForm(),
    }
    return render(request, "meetings/group.html", context)


@require_POST
@role_required(*MANAGERS)
def group_member_add(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    group = group_for(request.user, request.school, public_id)
    form = StudentByUpnForm(request.POST)
    student = None
    if form.is_valid():
        student = (
            students_visible_to(request.user, request.school)
            .filter(upn=form.cleaned_data["upn"].strip().upper())
            .first()
        )
    if student is None:
        messages.error(request, "No student of this school has that UPN.")
    else:
        try:
            group_add_member(actor=request.user, group=group, student=student)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _text(error))
        else:
            messages.success(request, f"{student.display_name} joined {group.name}.")
    return redirect("meetings:group", public_id=group.public_id)


@require_POST
@role_required(*MANAGERS)
def series_new(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Schedule a series for a group or a mentorship (``public_id`` is either)."""
    group = groups_visible_to(request.user, request.school).filter(public_id=public_id).first()
    mentorship = (
        None
        if group
        else mentorships_visible_to(request.user, request.school)
        .filter(public_id=public_id)
        .first()
    )
    if group is None and mentorship is None:
        raise Http404("No such group or mentorship.")
    form = SeriesForm(request.POST)
    back = (
        reverse("meetings:group", kwargs={"public_id": public_id})
        if group
        else reverse("programmes:mentorship_detail", kwargs={"public_id": public_id})
    )
    if not form.is_valid():
        messages.error(request, "Give the first and last dates, the time and how often.")
        return redirect(back)
    try:
        series = services.series_create(
            actor=request.user, group=group, mentorship=mentorship, **form.cleaned_data
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _text(error))
    else:
        messages.success(request, f"{series.sessions.count()} sessions scheduled.")
    return redirect(back)


@require_POST
@role_required(*RUNNERS)
def session_change(request: SchoolRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    session = session_for(request.user, request.school, public_id)
    try:
        if action == "move":
            form: forms.Form = MoveForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Give the new date.")
            services.session_move(actor=request.user, session=session, to=form.cleaned_data["to"])
        elif action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Say why the session is cancelled.")
            services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        elif action == "log":
            form = SessionLogForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Say how it went.")
            services.session_log_write(actor=request.user, session=session, **form.cleaned_data)
        else:
            raise Http404("No such action.")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _text(error))
    else:
        messages.success(request, "Saved.")
    return redirect("meetings:register", public_id=session.public_id)


@require_POST
@role_required(*MANAGERS)
def contact_new(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record a member of staff's check-in with a mentor or a mentee."""
    mentorship = mentorship_for(request.user, request.school, public_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        student = (
            mentorship.mentee if form.cleaned_data["who"] == "mentee" else mentorship.mentor.student
        )
        try:
            services.staff_contact_record(
                actor=request.user,
                student=student,
                mentorship=mentorship,
                contacted_on=form.cleaned_data["contacted_on"],
                how=form.cleaned_data["how"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _text(error))
        else:
            messages.success(request, "Check-in recorded.")
    else:
        messages.error(request, "Give who, when and how.")
    return redirect("programmes:mentorship_detail", public_id=mentorship.public_id)


def _text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@role_required(*MANAGERS)
def participants(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every participant of a programme with their engagement: attendance over six
    weeks and the whole programme, missed in a row, trend, last contact."""
    programme = programme_for(request.user, request.school, public_id)
    today = timezone.localdate()
    stale = stale_enrolments(school=request.school, today=today, programme=programme)
    if stale:
        services.engagement_refresh(school=request.school, today=today, enrolments=stale)
    signals = as_rows(engagement_snapshot_rows(school=request.school, programme=programme))
    return render(
        request,
        "meetings/participants.html",
        {"programme": programme, "signals": signals, "rules": engagement.describe_rules()},
    )


@role_required(*STAFF_RUNNERS)
def supervision_list(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """A programme's mentors with their last supervision and when the next is due,
    overdue first, and the latest supervisions."""
    programme = supervision_programme_for(request.user, request.school, public_id)
    rows = supervision_due(school=request.school, today=timezone.localdate(), programme=programme)
    context = {
        "programme": programme,
        "rows": rows,
        "overdue": sum(1 for row in rows if row.overdue),
        "recent": recent_supervisions(programme),
        "can_manage": request.membership.role in MANAGERS,
        "cadence_form": SupervisionCadenceForm(
            initial={"every_weeks": programme.supervision_every_weeks}
        ),
    }
    return render(request, "meetings/supervision_list.html", context)


@role_required(*STAFF_RUNNERS)
def supervision_new(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    programme = supervision_programme_for(request.user, request.school, public_id)
    mentors = list(mentors_serving(programme).select_related("student"))
    form = SupervisionForm(
        request.POST or None, mentors=mentors, initial={"held_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            supervision = services.supervision_record(
                actor=request.user,
                programme=programme,
                held_on=form.cleaned_data["held_on"],
                kind=form.cleaned_data["kind"],
                came=[
                    services.SupervisionAnswer(mentor=mentor, feeling=feeling, note=note)
                    for mentor, feeling, note in form.came()
                ],
                notes=form.cleaned_data["notes"],
                actions=form.cleaned_data["actions"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _text(error))
        else:
            messages.success(request, "Supervision recorded.")
            return redirect("meetings:supervision_detail", public_id=supervision.public_id)
    return render(request, "meetings/supervision_form.html", {"programme": programme, "form": form})


@role_required(*STAFF_RUNNERS)
def supervision_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    supervision = supervision_for(request.user, request.school, public_id, request=request)
    context = {
        "supervision": supervision,
        "attendance": supervision_attendance(supervision),
        "show_notes": may_read_supervision_notes(request.user, supervision),
    }
    return render(request, "meetings/supervision_detail.html", context)


@require_POST
@role_required(*MANAGERS)
def supervision_cadence(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change how often the programme's mentors should have supervision."""
    programme = programme_for(request.user, request.school, public_id)
    form = SupervisionCadenceForm(request.POST)
    if form.is_valid():
        try:
            programme_set_supervision_cadence(
                actor=request.user,
                programme=programme,
                every_weeks=form.cleaned_data["every_weeks"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _text(error))
        else:
            messages.success(request, "How often mentors have supervision is saved.")
    else:
        messages.error(request, "Give a number of weeks from 1 to 12.")
    return redirect("meetings:supervision_list", public_id=programme.public_id)
