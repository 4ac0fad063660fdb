"""Training for peer mentors: the modules, and the knowledge check."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.training.access import (
    REGISTER_REFUSAL,
    event_for,
    event_to_run,
    events_visible_to,
    module_for,
    module_for_editing,
    modules_visible_to,
    protocol_for,
    protocol_to_manage,
    protocols_managed_by,
    protocols_visible_to,
    reads_protocols,
    runs_event,
)
from peersupport.training.forms import (
    EventForm,
    InviteForm,
    ModuleForm,
    ProtocolAcknowledgeForm,
    ProtocolVersionForm,
)
from peersupport.training.models import TrainingModule
from peersupport.training.question_text import EXAMPLE as EXAMPLE_QUESTIONS
from peersupport.training.selectors import (
    current_version,
    event_register,
    events_upcoming_and_past,
    invitable_mentors,
    not_yet_invited,
    protocol_library,
    protocol_reader_rows,
    protocol_reading,
    protocol_readings,
    protocol_version,
    protocol_versions,
    staff_members,
    training_gaps,
    upcoming_events_for,
)
from peersupport.training.services import (
    Marked,
    event_create,
    event_invite,
    event_register_save,
    knowledge_check_submit,
    module_create,
    module_update,
    protocol_acknowledge,
    protocol_publish,
)

EVERYONE_WHO_TRAINS = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.MENTOR, Role.STUDENT)
MANAGERS = (Role.COORDINATOR, Role.DSL)  # edit modules
STAFF = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)  # run training sessions


def _own_student(request: SchoolRequest):  # type: ignore[no-untyped-def]
    student = getattr(request.user, "student_record", None)
    if student is not None and student.school_id == request.school.pk:
        return student
    return None


@role_required(*EVERYONE_WHO_TRAINS)
def module_list(request: SchoolRequest) -> HttpResponse:
    modules = list(modules_visible_to(request.user, request.school))
    if not modules and request.membership.role in (Role.MENTOR, Role.STUDENT):
        raise PermissionDenied("Training is for peer mentors.")
    student = _own_student(request)
    missing = set()
    today = timezone.localdate()
    if student is not None:
        missing = {
            gap.module.pk for gap in training_gaps(student=student, modules=modules, on=today)
        }
        sessions = upcoming_events_for(student=student, today=today)
    else:
        sessions = upcoming_events_for(user=request.user, today=today)
    return render(
        request,
        "training/module_list.html",
        {
            "modules": modules,
            "missing": missing,
            "is_mentor": student is not None,
            "sessions": sessions,
            "is_staff": request.membership.role in STAFF,
            "can_edit": request.membership.role in MANAGERS,
        },
    )


@role_required(*EVERYONE_WHO_TRAINS)
def module_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    module = module_for(request.user, request.school, public_id)
    student = _own_student(request)
    result = None
    error = ""
    if request.method == "POST":
        if student is None:
            raise PermissionDenied("Only peer mentors take the knowledge check.")
        answers = []
        for index in range(len(module.questions)):
            value = request.POST.get(f"q{index}", "")
            answers.append(int(value) if value.isdigit() else -1)
        try:
            result = knowledge_check_submit(
                actor=request.user, module=module, student=student, answers=answers
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    return render(
        request,
        "training/module_detail.html",
        {
            "module": module,
            "result": result,
            "error": error,
            "can_answer": student is not None,
            "is_staff": request.membership.role in STAFF,
            "can_edit": request.membership.role in MANAGERS,
        },
    )


# Editing modules (coordinators and DSLs) and running training sessions (staff).


def _problem_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _add_service_errors(form: forms.Form, error: ValidationError | PermissionDenied) -> None:
    """A service's refusal shown on the form: on the field it names, if the form has
    that field, otherwise above the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            if field == "questions" and "questions_text" in form.fields:
                field = "questions_text"
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, _problem_text(error))


def _module_form_page(request: SchoolRequest, module: TrainingModule | None) -> HttpResponse:
    initial = ModuleForm.initial_for(module) if module is not None else None
    form = ModuleForm(request.POST or None, initial=initial)
    previewing = request.method == "POST" and "preview" in request.POST
    if request.method == "POST" and form.is_valid() and not previewing:
        try:
            if module is None:
                module = module_create(
                    actor=request.user, school=request.school, **form.module_fields()
                )
                messages.success(request, f"{module.title} is added.")
            else:
                module = module_update(actor=request.user, module=module, **form.module_fields())
                messages.success(request, f"{module.title} is saved.")
        except (ValidationError, PermissionDenied) as error:
            _add_service_errors(form, error)
        else:
            return redirect("training:module", public_id=module.public_id)
    return render(
        request,
        "training/module_form.html",
        {
            "form": form,
            "module": module,
            "preview": request.POST.get("content", "") if previewing else None,
            "example": EXAMPLE_QUESTIONS,
        },
    )


@role_required(*MANAGERS)
def module_new(request: SchoolRequest) -> HttpResponse:
    return _module_form_page(request, None)


@role_required(*MANAGERS)
def module_edit(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    module = module_for_editing(request.user, request.school, public_id)
    return _module_form_page(request, module)


@role_required(*STAFF)
def event_list(request: SchoolRequest) -> HttpResponse:
    events = events_visible_to(request.user, request.school)
    module = None
    wanted = request.GET.get("module", "")
    if wanted:
        try:
            module = module_for(request.user, request.school, uuid.UUID(wanted))
        except ValueError:
            raise Http404("No such training.") from None
        events = events.filter(module=module)
    upcoming, past = events_upcoming_and_past(events, today=timezone.localdate())
    return render(
        request,
        "training/event_list.html",
        {"module": module, "upcoming": upcoming, "past": past},
    )


@role_required(*STAFF)
def event_new(request: SchoolRequest) -> HttpResponse:
    modules = modules_visible_to(request.user, request.school)
    initial = {}
    wanted = request.GET.get("module", "")
    wanted_id = _uuid_or_none(wanted) if wanted else None
    if wanted_id is not None:
        initial["module"] = modules.filter(public_id=wanted_id).first()
    form = EventForm(
        request.POST or None,
        initial=initial,
        modules=modules,
        mentors=invitable_mentors(request.school),
        staff=staff_members(request.school),
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = event_create(actor=request.user, **form.event_fields())
        except (ValidationError, PermissionDenied) as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, f"The session for {event.module.title} is set up.")
            return redirect("training:event", public_id=event.public_id)
    return render(request, "training/event_form.html", {"form": form})


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _register_saved_message(counts: dict[Marked, int]) -> str:
    came, taken_off = counts[Marked.CAME], counts[Marked.TAKEN_OFF]
    if not came and not taken_off:
        return "The register is saved. Nothing changed."
    parts = []
    if came:
        parts.append(
            f"{came} {'person' if came == 1 else 'people'} marked as there: "
            "the module is complete for them"
        )
    if taken_off:
        parts.append(
            f"{taken_off} {'person' if taken_off == 1 else 'people'} taken off: "
            "the completion this session recorded for them is removed"
        )
    return "The register is saved. " + "; ".join(parts) + "."


@role_required(*STAFF)
def event_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    event = event_for(request.user, request.school, public_id)
    # Every member of staff sees the session; only those who run it change its register.
    can_run = runs_event(request.user, event)
    error = ""
    status = 200
    if request.method == "POST" and not can_run:
        error, status = REGISTER_REFUSAL, 403
    elif request.method == "POST":
        came = [_uuid_or_none(value) for value in request.POST.getlist("came")]
        try:
            if None in came:
                raise ValidationError("Someone ticked is not on this session's register.")
            counts = event_register_save(
                actor=request.user, event=event, came={value for value in came if value}
            )
        except (ValidationError, PermissionDenied) as problem:
            error = _problem_text(problem)
            status = 403 if isinstance(problem, PermissionDenied) else 400
        else:
            messages.success(request, _register_saved_message(counts))
            return redirect("training:event", public_id=event.public_id)
    invite_form = None
    if can_run:
        mentors, staff = not_yet_invited(event)
        invite_form = InviteForm(mentors=mentors, staff=staff)
    return render(
        request,
        "training/event_detail.html",
        {
            "event": event,
            "places": event_register(event),
            "can_run": can_run,
            "can_mark": can_run and event.held_on <= timezone.localdate(),
            "error": error,
            "invite_form": invite_form,
        },
        status=status,
    )


@require_POST
@role_required(*STAFF)
def event_invite_more(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    # Not the trainer, nor whoever set it up, nor a coordinator or DSL: 404, as the
    # session page offers them no form to add people.
    event = event_to_run(request.user, request.school, public_id)
    form = InviteForm(
        request.POST, mentors=invitable_mentors(request.school), staff=staff_members(request.school)
    )
    if form.is_valid():
        try:
            added = event_invite(
                actor=request.user,
                event=event,
                students=form.cleaned_data["mentors"],
                users=form.cleaned_data["staff"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _problem_text(error))
        else:
            messages.success(
                request,
                f"{added} {'person' if added == 1 else 'people'} added to the register."
                if added
                else "Everyone chosen was already on the register.",
            )
    else:
        messages.error(
            request, " ".join(str(error) for errors in form.errors.values() for error in errors)
        )
    return redirect("training:event", public_id=event.public_id)


# Protocols: the "What do I do if...?" page, reading and acknowledging a protocol,
# and, for coordinators and DSLs, publishing new versions and seeing who has read
# them.


@role_required(*EVERYONE_WHO_TRAINS)
def protocol_list(request: SchoolRequest) -> HttpResponse:
    if not reads_protocols(request.user, request.school):
        raise PermissionDenied("Protocols are for staff and peer mentors.")
    readings = protocol_readings(
        user=request.user, protocols=protocols_visible_to(request.user, request.school)
    )
    context = {
        "readings": readings,
        "to_read": [reading for reading in readings if reading.to_read],
        "is_mentor": request.membership.role in (Role.MENTOR, Role.STUDENT),
        "can_manage": request.membership.role in MANAGERS,
    }
    return render(request, "training/protocol_list.html", context)


@role_required(*EVERYONE_WHO_TRAINS)
def protocol_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    protocol = protocol_for(request.user, request.school, public_id)
    version = current_version(protocol)
    if version is None:
        raise Http404("This protocol has not been published yet.")
    context = {
        "protocol": protocol,
        "version": version,
        "reading": protocol_reading(user=request.user, version=version),
        "form": ProtocolAcknowledgeForm(initial={"version": version.public_id}),
        "is_mentor": request.membership.role in (Role.MENTOR, Role.STUDENT),
        "can_manage": request.membership.role in MANAGERS,
    }
    return render(request, "training/protocol_detail.html", context)


@require_POST
@role_required(*EVERYONE_WHO_TRAINS)
def protocol_mark_read(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    protocol = protocol_for(request.user, request.school, public_id)
    form = ProtocolAcknowledgeForm(request.POST)
    version = protocol_version(protocol, form.cleaned_data["version"]) if form.is_valid() else None
    if version is None:
        messages.error(request, "Please read it all, then press the button at the end.")
        return redirect("training:protocol", public_id=protocol.public_id)
    try:
        protocol_acknowledge(actor=request.user, version=version)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problem_text(error))
    else:
        messages.success(request, "Thank you. We have saved that you read it and understand it.")
    return redirect("training:protocol", public_id=protocol.public_id)


@role_required(*MANAGERS)
def protocol_library_page(request: SchoolRequest) -> HttpResponse:
    standings = protocol_library(
        school=request.school, protocols=protocols_managed_by(request.user, request.school)
    )
    return render(request, "training/protocol_library.html", {"standings": standings})


@role_required(*MANAGERS)
def protocol_manage(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    protocol = protocol_to_manage(request.user, request.school, public_id)
    current = current_version(protocol)
    form = ProtocolVersionForm(
        request.POST or None, initial={"content": current.content if current else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = protocol_publish(
                actor=request.user,
                protocol=protocol,
                content=form.cleaned_data["content"],
                change_note=form.cleaned_data["change_note"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Version {version.number} is published. Everyone it is for is asked to "
                "read it again.",
            )
            return redirect("training:protocol_manage", public_id=protocol.public_id)
    still_to_read, have_read = protocol_reader_rows(protocol, current)
    context = {
        "protocol": protocol,
        "current": current,
        "form": form,
        "versions": protocol_versions(protocol),
        "still_to_read": still_to_read,
        "have_read": have_read,
        "readers": len(still_to_read) + len(have_read),
    }
    return render(request, "training/protocol_manage.html", context)
