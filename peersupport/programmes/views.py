"""Programmes, referrals, mentorships and the student's own referral page."""

from __future__ import annotations

import csv
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.lib.csv_safety import spreadsheet_safe
from peersupport.programmes import services
from peersupport.programmes.access import (
    agreement_for,
    group_for_rules,
    keep_aparts_for_reading,
    mentor_for,
    mentors_for_export,
    mentors_visible_to,
    mentorship_for,
    programme_for,
    programmes_visible_to,
    referral_for,
)
from peersupport.programmes.forms import (
    AgreementForm,
    CloseForm,
    ComplianceFilterForm,
    ContactForm,
    DecisionForm,
    GroupForm,
    KeepApartForm,
    MentorApplicationForm,
    MentorshipForm,
    MentorStatusForm,
    ProgrammeForm,
    ProgrammeTrainingForm,
    ReferenceForm,
    SelfReferralForm,
    SeriesForm,
    StaffReferralForm,
)
from peersupport.programmes.models import MentorProfile, Programme, Referral
from peersupport.programmes.selectors import (
    agreement_versions,
    group_members,
    pairing_choices,
    programme_overview,
    staff_of,
    starter_agreement_text,
    training_compliance,
    waiting_list,
)
from peersupport.schools.models import TimetableSlot
from peersupport.students.access import student_for_change, students_visible_to
from peersupport.training.access import modules_visible_to
from peersupport.training.models import TrainingModule

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
            "contact_form": ContactForm(),
            "series_form": SeriesForm(),
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


def _form_page(request: SchoolRequest, form: object, **context: object) -> HttpResponse:
    return render(request, "includes/form_page.html", {"form": form, **context})


@role_required(*MANAGERS)
def referral_new(request: SchoolRequest, student: uuid.UUID) -> HttpResponse:
    record = student_for_change(request.user, request.school, student)
    programmes = programmes_visible_to(request.user, request.school).exclude(
        status=Programme.Status.CLOSED
    )
    form = StaffReferralForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                actor=request.user, student=record, request=request, **data
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, "Referral saved.")
            return redirect("programmes:referral_detail", public_id=referral.public_id)
    return _form_page(
        request,
        form,
        title=f"Refer {record.display_name}",
        back_url=reverse("students:detail", kwargs={"public_id": record.public_id}),
        back_label=f"Back to {record.display_name}",
    )


@role_required(*MANAGERS)
def group_new(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    programme = programme_for(request.user, request.school, public_id)
    form = GroupForm(
        request.POST or None,
        slots=TimetableSlot.objects.filter(school=request.school),
        staff=staff_of(request.school),
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            return redirect("meetings:group", public_id=group.public_id)
    return _form_page(
        request,
        form,
        title=f"New group in {programme.name}",
        back_url=reverse("programmes:detail", kwargs={"public_id": programme.public_id}),
    )


@role_required(*MANAGERS)
def mentorship_new(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    programme = programme_for(request.user, request.school, public_id)
    mentors, mentees = pairing_choices(programme)
    form = MentorshipForm(request.POST or None, mentors=mentors, mentees=mentees)
    if request.method == "POST" and form.is_valid():
        try:
            mentorship = services.mentorship_propose(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            return redirect("programmes:mentorship_detail", public_id=mentorship.public_id)
    return _form_page(
        request,
        form,
        title=f"Pair a mentor and a mentee in {programme.name}",
        intro="Only active mentors with room for another mentee are listed.",
        back_url=reverse("programmes:detail", kwargs={"public_id": programme.public_id}),
    )


@role_required(*MANAGERS)
def mentor_list(request: SchoolRequest) -> HttpResponse:
    mentors = (
        mentors_visible_to(request.user, request.school)
        .select_related("student")
        .annotate(
            mentees=Count(
                "mentorships",
                filter=Q(mentorships__status__in=["proposed", "active", "paused"]),
            )
        )
        .order_by("status", "student__legal_surname")
    )
    return render(request, "programmes/mentor_list.html", {"mentors": mentors})


@role_required(*MANAGERS)
def mentor_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    mentor = mentor_for(request.user, request.school, public_id)
    allowed = services.MENTOR_TRANSITIONS[MentorProfile.Status(mentor.status)]
    status_form = MentorStatusForm(
        choices=[(s.value, s.label) for s in MentorProfile.Status if s in allowed]
    )
    reference_form = ReferenceForm(initial={"reference": mentor.reference})
    if request.method == "POST":
        try:
            if "reference" in request.POST:
                reference_form = ReferenceForm(request.POST)
                if reference_form.is_valid():
                    services.mentor_give_reference(
                        actor=request.user,
                        mentor=mentor,
                        reference=reference_form.cleaned_data["reference"],
                    )
            else:
                services.mentor_set_status(
                    actor=request.user, mentor=mentor, status=request.POST.get("status", "")
                )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _messages_of(error))
        else:
            messages.success(request, "Saved.")
        return redirect("programmes:mentor_detail", public_id=mentor.public_id)
    return render(
        request,
        "programmes/mentor_detail.html",
        {"mentor": mentor, "status_form": status_form, "reference_form": reference_form},
    )


@role_required(Role.STUDENT, Role.MENTOR)
def mentor_apply(request: SchoolRequest) -> HttpResponse:
    student = getattr(request.user, "student_record", None)
    if student is None or student.school_id != request.school.pk:
        raise PermissionDenied("Your account is not linked to your school record yet.")
    form = MentorApplicationForm(
        request.POST or None, slots=TimetableSlot.objects.filter(school=request.school)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_apply(actor=request.user, student=student, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, "Thank you! A member of staff will talk to you about it.")
            return redirect("meetings:mine")
    return _form_page(
        request,
        form,
        title="Become a peer mentor",
        intro="Peer mentors help younger students. You get training and support from staff.",
        submit_label="Send my application",
    )


@role_required(*MANAGERS)
def keep_apart(request: SchoolRequest) -> HttpResponse:
    form = KeepApartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        visible = students_visible_to(request.user, request.school)
        first = visible.filter(upn=form.cleaned_data["first_upn"].strip().upper()).first()
        second = visible.filter(upn=form.cleaned_data["second_upn"].strip().upper()).first()
        if first is None or second is None:
            form.add_error(None, "Both UPNs must belong to students of this school.")
        else:
            try:
                services.keep_apart_record(
                    actor=request.user,
                    first=first,
                    second=second,
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, _messages_of(error))
            else:
                messages.success(request, "They will not be placed together.")
                return redirect("programmes:keep_apart")
    rules = keep_aparts_for_reading(request.user, request.school, request=request).select_related(
        "student_a", "student_b", "recorded_by"
    )
    return render(request, "programmes/keep_apart.html", {"form": form, "rules": rules})


# ---------------------------------------------------------------- group agreements


@role_required(*STAFF)
def agreement_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a group's ground rules (saving makes a new version), with every version
    so far. A group with none yet starts from the starter ground rules. Staff type
    in the changes the group agreed together in a session."""
    group = group_for_rules(request.user, request.school, public_id)
    versions = agreement_versions(group)
    current = versions[0] if versions else None
    back_url = reverse("meetings:group", kwargs={"public_id": group.public_id})
    back_label = f"Back to {group.name}"
    form = AgreementForm(
        request.POST or None,
        initial={"text": current.text if current else starter_agreement_text()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.group_agreement_write(
                actor=request.user, group=group, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Saved as version {agreement.number}. Every member is asked to agree again.",
            )
            return redirect(back_url)
    return render(
        request,
        "programmes/agreement_form.html",
        {
            "group": group,
            "form": form,
            "versions": versions,
            "back_url": back_url,
            "back_label": back_label,
        },
    )


@require_POST
@role_required(*STAFF)
def agreement_record(
    request: SchoolRequest, public_id: uuid.UUID, student: uuid.UUID
) -> HttpResponse:
    """Staff record that a member agreed to the current ground rules (say, on paper
    at the session)."""
    agreement = agreement_for(request.user, request.school, public_id)
    group = agreement.group
    members = {member.student.public_id: member for member in group_members(group)}
    member = members.get(student)
    if member is None:
        raise Http404("That student is not in this group.")
    try:
        services.agreement_sign(actor=request.user, agreement=agreement, student=member.student)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(
            request,
            f"Recorded: {member.student.display_name} agreed to version {agreement.number}.",
        )
    return redirect(reverse("meetings:group", kwargs={"public_id": group.public_id}) + "#rules")


@require_POST
@role_required(Role.STUDENT, Role.MENTOR)
def agreement_agree(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """A student agrees to their group's ground rules from their own page."""
    student = getattr(request.user, "student_record", None)
    if student is None or student.school_id != request.school.pk:
        raise Http404("Your account is not linked to a student record.")
    agreement = agreement_for(request.user, request.school, public_id)
    try:
        services.agreement_sign(actor=request.user, agreement=agreement, student=student)
    except (ValidationError, PermissionDenied) as error:
        # The service says why in words for the student: the rules changed, or they
        # are no longer in the group.
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, "Thank you. You have agreed to your group's ground rules.")
    return redirect("meetings:mine")


# ---------------------------------------------------------------- training


@role_required(*MANAGERS)
def programme_training(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """The training a programme requires of its mentors, and what happens when it
    runs out."""
    programme = programme_for(request.user, request.school, public_id)
    modules = modules_visible_to(request.user, request.school).filter(
        audience=TrainingModule.Audience.MENTOR
    )
    form = ProgrammeTrainingForm(
        request.POST or None,
        modules=modules,
        initial={
            "required_modules": programme.required_modules.all(),
            "at_expiry": programme.at_expiry,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_set_training(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, "Training requirements saved.")
            return redirect("programmes:detail", public_id=programme.public_id)
    return _form_page(
        request,
        form,
        title=f"Training for mentors in {programme.name}",
        intro=(
            "Mentors missing any of these cannot become active or be placed in this "
            "programme. The programme's leads are told 30 days before a mentor's training "
            "runs out."
        ),
        back_url=reverse("programmes:detail", kwargs={"public_id": programme.public_id}),
        back_label=f"Back to {programme.name}",
    )


def _compliance_filters(request: SchoolRequest) -> ComplianceFilterForm:
    return ComplianceFilterForm(
        request.GET or None,
        programmes=programmes_visible_to(request.user, request.school).order_by("name"),
    )


@role_required(*MANAGERS)
def training_compliance_view(request: SchoolRequest) -> HttpResponse:
    """Mentors and facilitators against the training modules, with filters."""
    form = _compliance_filters(request)
    filters = form.cleaned_data if form.is_valid() else {}
    compliance = training_compliance(
        request.school,
        timezone.localdate(),
        programme=filters.get("programme"),
        status=filters.get("status") or None,
        mentors=mentors_visible_to(request.user, request.school),
    )
    return render(
        request,
        "programmes/training_compliance.html",
        {"form": form, "compliance": compliance, "query": request.GET.urlencode()},
    )


@role_required(*MANAGERS)
def training_compliance_csv(request: SchoolRequest) -> HttpResponse:
    """The page's rows as a spreadsheet: one line per person and module."""
    form = _compliance_filters(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest("Those filters are not valid: go back and choose again.")
    filters = form.cleaned_data if form.is_bound else {}
    compliance = training_compliance(
        request.school,
        timezone.localdate(),
        programme=filters.get("programme"),
        status=filters.get("status") or None,
        mentors=mentors_for_export(
            request.user, request.school, what="training compliance", request=request
        ),
    )
    today = compliance.today
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="training-compliance-{today.isoformat()}.csv"'
    )
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            "Who",
            "Name",
            "Status",
            "Module",
            "Required by the programme",
            "Training",
            "Completed on",
            "Runs out on",
        ]
    )
    for who, table in (
        ("Peer mentor", compliance.mentors),
        ("Facilitator", compliance.facilitators),
    ):
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                required = ""
                if compliance.programme is not None and who == "Peer mentor":
                    required = "Yes" if column.required else "No"
                writer.writerow(
                    [
                        who,
                        spreadsheet_safe(row.name),
                        spreadsheet_safe(row.status),
                        spreadsheet_safe(column.module.title),
                        required,
                        cell.label,
                        cell.completed_on.isoformat() if cell.completed_on else "",
                        cell.expires_on.isoformat() if cell.expires_on else "",
                    ]
                )
    return response
