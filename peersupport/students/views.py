"""Student list, profile, consent and the MIS import."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.students import services
from peersupport.students.access import (
    consent_for_change,
    import_batch_for,
    student_for,
    student_for_change,
    students_visible_to,
)
from peersupport.students.forms import (
    ConsentForm,
    ConsentWithdrawForm,
    ImportUploadForm,
    StudentFilterForm,
)
from peersupport.students.importing import decode, parse_mis_csv
from peersupport.students.models import ImportBatch
from peersupport.students.profile_links import profile_links_for
from peersupport.students.selectors import forms_of, import_plan, leavers_named, students_filtered

PAGE_SIZE = 50
MANAGERS = (Role.COORDINATOR, Role.DSL)


@role_required(Role.COORDINATOR, Role.DSL, Role.FACILITATOR)
def student_list(request: SchoolRequest) -> HttpResponse:
    visible = students_visible_to(request.user, request.school)
    form = StudentFilterForm(request.GET or None, forms_available=forms_of(visible))
    filters = form.cleaned_data if form.is_valid() else {}
    students = students_filtered(visible, filters)
    page = Paginator(students, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "students/student_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@role_required(Role.COORDINATOR, Role.DSL, Role.FACILITATOR)
def student_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    student = student_for(request.user, request.school, public_id, request=request)
    consents = student.consents.select_related("recorded_by", "withdrawn_recorded_by")
    context = {
        "student": student,
        "consents": consents,
        "can_record_consent": request.membership.role in MANAGERS,
        "withdraw_form": ConsentWithdrawForm(),
        # Pages of later apps about this student, each shown only to whom it may be.
        "profile_links": profile_links_for(request.user, request.school, student),
    }
    return render(request, "students/student_detail.html", context)


@role_required(*MANAGERS)
def consent_add(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    student = student_for_change(request.user, request.school, public_id)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(
                actor=request.user,
                student=student,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("students:detail", public_id=student.public_id)
    return render(request, "students/consent_form.html", {"student": student, "form": form})


@require_POST
@role_required(*MANAGERS)
def consent_withdraw(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    consent = consent_for_change(request.user, request.school, public_id)
    form = ConsentWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user,
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The withdrawal is recorded.")
    else:
        messages.error(request, "Give the date the consent was withdrawn.")
    return redirect("students:detail", public_id=consent.student.public_id)


@role_required(*MANAGERS)
def import_upload(request: SchoolRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        parsed = parse_mis_csv(data)
        mark_leavers = form.cleaned_data["mark_leavers"]
        plan = import_plan(school=request.school, parsed=parsed, mark_leavers=mark_leavers)
        if parsed.ok:
            batch = services.import_batch_create(
                actor=request.user,
                school=request.school,
                filename=upload.name,
                content=decode(data),
                mark_leavers=mark_leavers,
                request=request,
            )
            preview = reverse("students:import_preview", kwargs={"public_id": batch.public_id})
            if request.htmx:
                return HttpResponseClientRedirect(preview)
            return redirect(preview)
        context.update({"plan": plan, "parsed": parsed, "filename": upload.name})
    template = "students/import_upload.html"
    if request.htmx:
        template += "#outcome"
    return render(request, template, context)


@role_required(*MANAGERS)
def import_preview(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    batch = import_batch_for(request.user, request.school, public_id)
    if batch.status != ImportBatch.Status.PREVIEWED:
        return render(request, "students/import_done.html", {"batch": batch})
    parsed = parse_mis_csv(batch.content.encode())
    if request.method == "POST":
        try:
            plan = services.import_batch_apply(
                actor=request.user,
                batch=batch,
                parsed=parsed,
                request=request,
            )
        except (ValidationError, services.ImportRefused) as error:
            messages.error(request, str(error))
        else:
            counts = plan.counts
            messages.success(
                request,
                f"Imported: {counts['creates']} new, {counts['updates']} updated, "
                f"{counts['leavers']} marked as left.",
            )
            return redirect("students:import_preview", public_id=batch.public_id)
    plan = import_plan(school=batch.school, parsed=parsed, mark_leavers=batch.mark_leavers)
    return render(
        request,
        "students/import_preview.html",
        {
            "batch": batch,
            "plan": plan,
            "parsed": parsed,
            "leavers": leavers_named(school=batch.school, plan=plan),
        },
    )
