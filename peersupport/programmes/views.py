"""Programmes, referrals, mentorships and the student's own referral page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.programmes import services
from peersupport.programmes.access import (
    mentorship_for,
    programme_for,
    programmes_visible_to,
    referral_for,
)
from peersupport.programmes.forms import CloseForm, DecisionForm, ProgrammeForm, SelfReferralForm
from peersupport.programmes.models import Programme, Referral
from peersupport.programmes.selectors import programme_overview, waiting_list

MANAGERS = (Role.COORDINATOR, Role.DSL)
STAFF = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)


def _messages_of(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@role_required(*STAFF)
def programme_list(request: SchoolRequest) -> HttpResponse:
    programmes = programmes_visible_to(request.user, request.school).annotate(
        taking_part=Count("enrolments", filter=Q(enrolments__ended_on__isnull=True), distinct=True),
        waiting=Count(
            "referrals",
            filter=Q(referrals__status__in=[Referral.Status.NEW, Referral.Status.WAITLISTED]),
            distinct=True,
        ),
    )
    return render(
        request,
        "programmes/programme_list.html",
        {"programmes": programmes, "can_create": request.membership.role in MANAGERS},
    )


@role_required(*MANAGERS)
def programme_create(request: SchoolRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(
                actor=request.user, school=request.school, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, f"{programme.name} is set up.")
            return redirect("programmes:detail", public_id=programme.public_id)
    return render(request, "programmes/programme_form.html", {"form": form})


@role_required(*STAFF)
def programme_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    programme = programme_for(request.user, request.school, public_id)
    context = {
        "programme": programme,
        "overview": programme_overview(programme),
        "waiting": waiting_list(programme),
        "can_manage": request.membership.role in MANAGERS,
    }
    return render(request, "programmes/programme_detail.html", context)


@role_required(*MANAGERS)
def referral_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = referral_for(request.user, request.school, public_id, request=request)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            if decision == "accept":
                services.referral_accept(actor=request.user, referral=referral, request=request)
            elif decision == "waitlist":
                services.referral_waitlist(actor=request.user, referral=referral, request=request)
            else:
                services.referral_decline(
                    actor=request.user,
                    referral=referral,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, "Decision saved.")
            return redirect("programmes:detail", public_id=referral.programme.public_id)
    return render(request, "programmes/referral_detail.html", {"referral": referral, "form": form})


@role_required(*MANAGERS)
def mentorship_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    mentorship = mentorship_for(request.user, request.school, public_id)
    return render(
        request,
        "programmes/mentorship_detail.html",
        {
            "mentorship": mentorship,
            "close_form": CloseForm(),
            "fit_checks": mentorship.fit_checks.all(),
        },
    )


@require_POST
@role_required(*MANAGERS)
def mentorship_change(request: SchoolRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    mentorship = mentorship_for(request.user, request.school, public_id)
    try:
        if action == "start":
            services.mentorship_start(actor=request.user, mentorship=mentorship)
        elif action == "pause":
            services.mentorship_pause(actor=request.user, mentorship=mentorship)
        elif action == "close":
            form = CloseForm(request.POST)
            if not form.is_valid():
                raise ValidationError(
                    "Say why the mentorship is closing and whether it was planned."
                )
            services.mentorship_close(
                actor=request.user, mentorship=mentorship, **form.cleaned_data
            )
        elif action == "closing-conversation":
            services.mentorship_record_closing_conversation(
                actor=request.user, mentorship=mentorship
            )
        else:
            raise Http404("No such action.")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, "Saved.")
    return redirect("programmes:mentorship_detail", public_id=mentorship.public_id)


@role_required(Role.STUDENT, Role.MENTOR)
def self_referral(request: SchoolRequest) -> HttpResponse:
    """A student asks for support themself. Confidential, in plain words."""
    student = getattr(request.user, "student_record", None)
    if student is None or student.school_id != request.school.pk:
        raise PermissionDenied("Your account is not linked to your school record yet.")
    programmes = Programme.objects.filter(
        school=request.school, status=Programme.Status.RUNNING
    ).order_by("name")
    form = SelfReferralForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_create(
                actor=request.user,
                programme=data["programme"],
                student=student,
                source=Referral.Source.SELF,
                need_areas=data["need_areas"],
                details=data["details"],
                mentor_wishes=data["mentor_wishes"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            return render(request, "programmes/self_referral_sent.html")
    return render(request, "programmes/self_referral.html", {"form": form})
