"""Raising concerns, the lists and records staff may see, the DSL's safeguarding
records, conflicts, and the urgent-words list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.concerns import services
from peersupport.concerns.access import (
    concern_for,
    concern_for_closing,
    concern_raised_by_for,
    concerns_visible_to,
    conflict_concern_for,
    conflict_concerns_without_a_record,
    conflict_for,
    conflicts_visible_to,
    safeguarding_export_for,
    safeguarding_for,
    safeguarding_for_change,
    safeguarding_list_for,
    safeguarding_student_for,
    safeguarding_student_for_change,
    safeguarding_transfer_for_change,
    students_a_concern_may_name,
    students_a_conflict_may_name,
    urgent_flag_for,
    urgent_flags_visible_to,
    urgent_phrase_for,
    urgent_phrases_visible_to,
)
from peersupport.concerns.forms import (
    STEP_FORMS,
    ConcernCloseForm,
    ConflictAccountForm,
    ConflictLiftForm,
    ConflictOpenForm,
    ConflictPreparationForm,
    ConflictStepForm,
    ReportingSettingsForm,
    SafeguardingEntryForm,
    SafeguardingReceiptForm,
    SafeguardingSettingsForm,
    SafeguardingTransferForm,
    StaffConcernForm,
    UrgentFlagReviewForm,
    UrgentPhraseForm,
    WorryForm,
)
from peersupport.concerns.models import Concern, ConcernKind, ConflictCase, ConflictStep
from peersupport.concerns.safeguarding_pdf import FileRecord, safeguarding_file_pdf
from peersupport.concerns.selectors import (
    ChronologyLine,
    concern_settings_of,
    conflict_median_resolution,
    conflict_next_step,
    fully_anonymous_allowed,
    receipt_for,
    safeguarding_chronology,
    safeguarding_due_at,
    safeguarding_lead_accounts,
    safeguarding_list_rows,
    safeguarding_record_access,
    safeguarding_records_of,
    safeguarding_staff_choices,
    safeguarding_student_choices,
    safeguarding_transfers_of,
    urgent_flag_source_text,
    who_it_goes_to,
)
from peersupport.meetings.access import session_for
from peersupport.meetings.models import Session
from peersupport.programmes.access import group_for, groups_visible_to, mentorships_visible_to
from peersupport.programmes.models import Group, Mentorship
from peersupport.students.access import students_visible_to
from peersupport.students.models import Student

# ---------------------------------------------------------------- raising a concern

RAISERS = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.MENTOR, Role.STUDENT)
STAFF_WHO_READ = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)
CLOSERS = (Role.COORDINATOR, Role.DSL)
CONCERNS_PAGE_SIZE = 25


@dataclass
class RaisedFrom:
    """The page a concern is raised from (the query string names it by public id),
    which the concern records and the raise page links back to."""

    source: str = Concern.Source.OTHER
    session: Session | None = None
    group: Group | None = None
    mentorship: Mentorship | None = None
    student: Student | None = None
    back_url: str = ""
    back_label: str = ""


def _public_id(request: SchoolRequest, name: str) -> uuid.UUID | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("No such page.") from None


def _raised_from(request: SchoolRequest) -> RaisedFrom:
    """Where the raise page was opened, checked through the same access rules as the
    page itself: what the user may not see answers 404."""
    user, school = request.user, request.school
    if (session_id := _public_id(request, "session")) is not None:
        session = session_for(user, school, session_id)
        return RaisedFrom(
            source=Concern.Source.SESSION_LOG,
            session=session,
            group=session.group,
            mentorship=session.mentorship,
            back_url=reverse("meetings:register", kwargs={"public_id": session.public_id}),
            back_label="Back to the session",
        )
    if (group_id := _public_id(request, "group")) is not None:
        group = group_for(user, school, group_id)
        return RaisedFrom(
            source=Concern.Source.GROUP,
            group=group,
            back_url=reverse("meetings:group", kwargs={"public_id": group.public_id}),
            back_label=f"Back to {group.name}",
        )
    if (student_id := _public_id(request, "student")) is not None:
        student = students_a_concern_may_name(user, school).filter(public_id=student_id).first()
        if student is None:
            raise Http404("No such student.")
        return RaisedFrom(
            source=Concern.Source.STUDENT,
            student=student,
            back_url=reverse("students:detail", kwargs={"public_id": student.public_id}),
            back_label=f"Back to {student.display_name}",
        )
    if request.GET.get("from") == "home":
        if request.membership.role in (Role.MENTOR, Role.STUDENT):
            return RaisedFrom(
                source=Concern.Source.HOME,
                back_url=reverse("meetings:mine"),
                back_label="Back to my page",
            )
        return RaisedFrom(source=Concern.Source.HOME, back_url=reverse("home"), back_label="Home")
    return RaisedFrom()


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal, on the field it is about (or the whole form)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _role_label(role: str) -> str:
    return str(dict(Role.choices).get(role, role))


def _home_url(request: SchoolRequest) -> str:
    if request.membership.role in (Role.MENTOR, Role.STUDENT):
        return reverse("meetings:mine")
    return reverse("home")


def _thanks(request: SchoolRequest, concern: Concern, *, anonymous: bool) -> HttpResponse:
    """The only page a raiser sees after raising: whom it went to and who has
    received it, never what it says (the concern itself is not given to the
    template)."""
    receipt = None if anonymous else receipt_for(concern)
    context = {
        "gone_to": who_it_goes_to(concern),
        "safeguarding": concern.kind == ConcernKind.SAFEGUARDING,
        "anonymous": anonymous,
        "receipt": receipt,
        "home_url": _home_url(request),
        "for_children": request.membership.role in (Role.MENTOR, Role.STUDENT),
    }
    return render(request, "concerns/raise_thanks.html", context)


@role_required(*RAISERS)
def concern_raise_view(request: SchoolRequest) -> HttpResponse:
    """Raise a concern: the full form for staff, plain words for mentors and
    students. Opened from a session, a group, a student's profile or one's own page,
    it records where from."""
    origin = _raised_from(request)
    role = request.membership.role
    is_staff = role in STAFF_WHO_READ
    data = request.POST if request.method == "POST" else None
    form: StaffConcernForm | WorryForm
    if is_staff:
        form = StaffConcernForm(
            data,
            students=students_a_concern_may_name(request.user, request.school),
            initial={"students": [origin.student.public_id]} if origin.student else {},
        )
    else:
        mentees = list(students_a_concern_may_name(request.user, request.school))
        initial: dict[str, Any] = {}
        if origin.mentorship is not None and origin.mentorship.mentee in mentees:
            initial["about"] = origin.mentorship.mentee.public_id.hex
        form = WorryForm(
            data,
            is_mentor=role == Role.MENTOR,
            mentees=mentees,
            allow_fully_anonymous=role == Role.STUDENT and fully_anonymous_allowed(request.school),
            initial=initial,
        )
    if data is not None and form.is_valid():
        try:
            concern = services.concern_raise(
                actor=request.user,
                school=request.school,
                source=origin.source,
                group=origin.group,
                mentorship=origin.mentorship,
                request=request,
                **form.service_arguments(),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if concern.raised_by is None:
                # Fully anonymous: no page to come back to, nothing ties it to them.
                return _thanks(request, concern, anonymous=True)
            if is_staff and concern.kind != ConcernKind.SAFEGUARDING:
                gone_to = who_it_goes_to(concern)
                messages.success(request, f"Concern raised. It has gone to {gone_to}.")
                return redirect("concerns:detail", public_id=concern.public_id)
            return redirect("concerns:thanks", public_id=concern.public_id)
    template = "concerns/raise_staff.html" if is_staff else "concerns/raise_worry.html"
    status = 400 if data is not None else 200
    return render(request, template, {"form": form, "origin": origin}, status=status)


@role_required(*RAISERS)
def concern_thanks(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Thank you, whom it went to and, once a DSL has acknowledged it, who received
    it. Only the person who raised it; it never shows what it says."""
    concern = concern_raised_by_for(request.user, request.school, public_id)
    return _thanks(request, concern, anonymous=False)


# ---------------------------------------------------------------- concerns


@role_required(*STAFF_WHO_READ)
def concern_list(request: SchoolRequest) -> HttpResponse:
    """The concerns the member of staff may see, newest first; no content here
    (reading one is audited on its page)."""
    concerns = (
        concerns_visible_to(request.user, request.school)
        .select_related("raised_by")
        .prefetch_related("students")
        .order_by("-created_at", "-pk")
    )
    kind = request.GET.get("kind", "")
    if kind in ConcernKind.values:
        concerns = concerns.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in Concern.Status.values:
        concerns = concerns.filter(status=status)
    page = Paginator(concerns, CONCERNS_PAGE_SIZE).get_page(request.GET.get("page"))
    for concern in page.object_list:
        concern.raised_as_label = _role_label(concern.raised_as)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "concerns": page.object_list,
        "kinds": ConcernKind.choices,
        "statuses": Concern.Status.choices,
        "kind": kind,
        "status": status,
        "query": "&".join(
            f"{name}={value}" for name, value in (("kind", kind), ("status", status)) if value
        ),
    }
    return render(request, "concerns/concern_list.html", context)


@role_required(*STAFF_WHO_READ)
def concern_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    concern = concern_for(request.user, request.school, public_id, request=request)
    if concern.kind == ConcernKind.SAFEGUARDING:
        # Only a DSL gets here: the record (read and audited there) is its page.
        return redirect("concerns:safeguarding_detail", public_id=concern.public_id)
    concern.raised_as_label = _role_label(concern.raised_as)  # type: ignore[attr-defined]
    context = {
        "concern": concern,
        "students": list(concern.students.order_by("legal_surname", "legal_forename")),
        "can_close": request.membership.role in CLOSERS and concern.status == Concern.Status.OPEN,
        "close_form": ConcernCloseForm(),
    }
    return render(request, "concerns/concern_detail.html", context)


@require_POST
@role_required(*CLOSERS)
def concern_close_view(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    concern = concern_for_closing(request.user, request.school, public_id)
    form = ConcernCloseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("concerns:detail", public_id=concern.public_id)
    try:
        services.concern_close(
            actor=request.user, concern=concern, request=request, **form.cleaned_data
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Response recorded and the concern closed.")
    return redirect("concerns:detail", public_id=concern.public_id)


# ---------------------------------------------------------------- safeguarding

# A record's address lets coordinators past the role check, so that one guessing
# it gets 404, the same answer as for a record that does not exist; the access
# functions let only DSLs through. Every other role gets 403, as for any page of
# a role they do not hold.
SAFEGUARDING_GUESSERS = (Role.COORDINATOR, Role.DSL)
SAFEGUARDING_PAGE_SIZE = 50
ROLE_LABELS = dict(Role.choices)


def _safeguarding_entry_form(
    concern: Concern, chronology: list[ChronologyLine], data: Any = None
) -> SafeguardingEntryForm:
    return SafeguardingEntryForm(
        data,
        entries=concern.entries.order_by("written_at", "pk"),
        entry_numbers={line.entry.pk: line.number for line in chronology},
        students=safeguarding_student_choices(concern),
        staff=safeguarding_staff_choices(concern.school),
    )


def _safeguarding_page(
    request: SchoolRequest,
    concern: Concern,
    *,
    chronology: list[ChronologyLine] | None = None,
    entry_form: SafeguardingEntryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if chronology is None:
        chronology = safeguarding_chronology(concern)
    access, access_count = safeguarding_record_access(concern)
    rules = concern_settings_of(request.school)
    context = {
        "concern": concern,
        "raised_as": ROLE_LABELS.get(concern.raised_as, concern.raised_as),
        "students": list(concern.students.order_by("legal_surname", "legal_forename")),
        "due_at": safeguarding_due_at(concern, rules),
        "chronology": chronology,
        "entry_form": entry_form or _safeguarding_entry_form(concern, chronology),
        "access": access,
        "access_count": access_count,
    }
    return render(request, "concerns/safeguarding_detail.html", context, status=status)


@role_required(Role.DSL)
def safeguarding_list(request: SchoolRequest) -> HttpResponse:
    """Safeguarding concerns, those waiting to be acknowledged first (longest
    waiting at the top); no content here (a record's page is audited)."""
    concerns = safeguarding_list_rows(
        safeguarding_list_for(request.user, request.school, request=request)
    )
    page = Paginator(concerns, SAFEGUARDING_PAGE_SIZE).get_page(request.GET.get("page"))
    rules = concern_settings_of(request.school)
    now = timezone.now()
    for concern in page.object_list:
        due = safeguarding_due_at(concern, rules)
        concern.due_at = due  # type: ignore[attr-defined]
        concern.overdue = concern.acknowledged_at is None and due <= now  # type: ignore[attr-defined]
        concern.raised_as_label = ROLE_LABELS.get(concern.raised_as, "")  # type: ignore[attr-defined]
    return render(request, "concerns/safeguarding_list.html", {"page": page, "rules": rules})


@role_required(*SAFEGUARDING_GUESSERS)
def safeguarding_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    concern = safeguarding_for(request.user, request.school, public_id, request)
    return _safeguarding_page(request, concern)


@require_POST
@role_required(*SAFEGUARDING_GUESSERS)
def safeguarding_acknowledge(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    concern = safeguarding_for_change(request.user, request.school, public_id)
    try:
        services.safeguarding_acknowledge(actor=request.user, concern=concern, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "Acknowledged. The person who raised it can see that you received it."
        )
    return redirect("concerns:safeguarding_detail", public_id=concern.public_id)


@require_POST
@role_required(*SAFEGUARDING_GUESSERS)
def safeguarding_entry_add(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    concern = safeguarding_for_change(request.user, request.school, public_id)
    chronology = safeguarding_chronology(concern)
    form = _safeguarding_entry_form(concern, chronology, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.safeguarding_add_entry(
                actor=request.user,
                concern=concern,
                kind=data["kind"],
                text=data["text"],
                outcome=data["outcome"],
                corrects=data["corrects"],
                students=data["students"],
                staff=data["staff"],
                request=request,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The entry is added to the record.")
            url = reverse("concerns:safeguarding_detail", kwargs={"public_id": concern.public_id})
            return redirect(f"{url}#chronology")
    # Showing the record again, with the form's errors, is a read of it: audited.
    concern = safeguarding_for(request.user, request.school, public_id, request)
    return _safeguarding_page(request, concern, entry_form=form, status=400)


def _safeguarding_student_page(
    request: SchoolRequest,
    student: Student,
    *,
    transfer_form: SafeguardingTransferForm | None = None,
    status: int = 200,
) -> HttpResponse:
    transfers = list(safeguarding_transfers_of(student))
    context = {
        "student": student,
        "records": list(safeguarding_records_of(student)),
        "transfers": [
            (
                transfer,
                None
                if transfer.receipt_confirmed_on
                else SafeguardingReceiptForm(prefix=f"receipt-{transfer.public_id}"),
            )
            for transfer in transfers
        ],
        "transfer_form": transfer_form or SafeguardingTransferForm(),
    }
    return render(request, "concerns/safeguarding_student.html", context, status=status)


@role_required(*SAFEGUARDING_GUESSERS)
def safeguarding_student(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """A student's safeguarding file: their records, its transfers, and the export."""
    student = safeguarding_student_for(request.user, request.school, public_id, request)
    return _safeguarding_student_page(request, student)


@require_POST
@role_required(*SAFEGUARDING_GUESSERS)
def safeguarding_transfer(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    student = safeguarding_student_for_change(request.user, request.school, public_id)
    form = SafeguardingTransferForm(request.POST)
    if form.is_valid():
        try:
            services.safeguarding_transfer_record(
                actor=request.user, student=student, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "The transfer is recorded. Record receipt when it comes.")
            return redirect("concerns:safeguarding_student", public_id=student.public_id)
    student = safeguarding_student_for(request.user, request.school, public_id, request)
    return _safeguarding_student_page(request, student, transfer_form=form, status=400)


@require_POST
@role_required(*SAFEGUARDING_GUESSERS)
def safeguarding_transfer_receipt(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    transfer = safeguarding_transfer_for_change(request.user, request.school, public_id)
    form = SafeguardingReceiptForm(request.POST, prefix=f"receipt-{transfer.public_id}")
    if not form.is_valid():
        messages.error(request, "Give the date the receiving school confirmed it had the file.")
    else:
        try:
            services.safeguarding_transfer_confirm_receipt(
                actor=request.user, transfer=transfer, on=form.cleaned_data["on"], request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Receipt is recorded.")
    return redirect("concerns:safeguarding_student", public_id=transfer.student.public_id)


@role_required(*SAFEGUARDING_GUESSERS)
def safeguarding_export(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """The student's safeguarding file as a PDF for the receiving school's DSL. Its
    own address, for DSLs only, audited; no other export includes it."""
    student, concerns = safeguarding_export_for(
        request.user, request.school, public_id, request=request
    )
    pdf = safeguarding_file_pdf(
        school_name=request.school.name,
        student=student,
        records=[FileRecord(concern, safeguarding_chronology(concern)) for concern in concerns],
        transfers=list(safeguarding_transfers_of(student)),
        exported_by=request.user,
        exported_at=timezone.now(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="safeguarding-file-{timezone.localdate():%Y-%m-%d}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- conflicts

CONFLICT_STAFF = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)
CONFLICT_MANAGERS = (Role.COORDINATOR, Role.DSL)
RESOLVED_SHOWN = 50


@role_required(*CONFLICT_STAFF)
def conflict_list(request: SchoolRequest) -> HttpResponse:
    cases = (
        conflicts_visible_to(request.user, request.school)
        .select_related("group")
        .prefetch_related("students")
    )
    unresolved = cases.exclude(stage=ConflictCase.Stage.RESOLVED).order_by("raised_at")
    resolved = cases.filter(stage=ConflictCase.Stage.RESOLVED).order_by("-resolved_at")
    managing = request.membership.role in CONFLICT_MANAGERS
    waiting = (
        conflict_concerns_without_a_record(request.user, request.school)
        .prefetch_related("students")
        .order_by("created_at")
    )
    return render(
        request,
        "concerns/conflict_list.html",
        {
            "waiting": waiting,
            "unresolved": unresolved,
            "resolved": resolved[:RESOLVED_SHOWN],
            "resolved_shown": RESOLVED_SHOWN,
            "within_days": services.conflict_resolve_within_days(request.school),
            # The school's median is for those who see every conflict.
            "median": conflict_median_resolution(request.school) if managing else None,
            "managing": managing,
        },
    )


@role_required(*CONFLICT_STAFF)
def conflict_open(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Open the restorative record of a conflict concern (or go to it, if open)."""
    user, school = request.user, request.school
    concern = conflict_concern_for(user, school, public_id)
    case: ConflictCase | None = getattr(concern, "conflict", None)
    if case is not None:
        return redirect("concerns:conflict_detail", public_id=case.public_id)
    managing = request.membership.role in CONFLICT_MANAGERS
    form = ConflictOpenForm(
        request.POST or None,
        initial={
            "students": list(concern.students.all()),
            "group": concern.group,
            "mentorship": concern.mentorship,
        },
        students=students_a_conflict_may_name(user, school, concern),
        groups=groups_visible_to(user, school).order_by("name"),
        mentorships=(
            mentorships_visible_to(user, school)
            .filter(status__in=[Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED])
            .select_related("mentor__student", "mentee")
            if managing
            else None
        ),
    )
    if request.method == "POST" and form.is_valid():
        students = list(form.cleaned_data["students"])
        upns = form.upns()
        if upns:
            found = list(students_visible_to(user, school).filter(upn__in=upns))
            missing = sorted(set(upns) - {student.upn for student in found})
            if missing:
                form.add_error(
                    "other_upns", f"No student of this school has the UPN {', '.join(missing)}."
                )
            students += found
        if not form.errors:
            try:
                case = services.conflict_open(
                    actor=user,
                    concern=concern,
                    students=students,
                    group=form.cleaned_data["group"],
                    mentorship=form.cleaned_data.get("mentorship"),
                    request=request,
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "The conflict record is open.")
                return redirect("concerns:conflict_detail", public_id=case.public_id)
    return render(
        request,
        "concerns/conflict_open.html",
        {"concern": concern, "form": form},
        status=400 if form.errors else 200,
    )


def _conflict_page(
    request: SchoolRequest,
    case: ConflictCase,
    *,
    step_form: forms.Form | None = None,
    account_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    students = case.students.all()
    needs = conflict_next_step(case)
    if step_form is None and needs.step:
        form_class = STEP_FORMS[needs.step]
        if form_class is ConflictPreparationForm:
            step_form = ConflictPreparationForm(students=students)
        else:
            step_form = form_class()
    # Once every student is prepared, more preparation conversations may still help.
    extra_preparation = (
        ConflictPreparationForm(students=students, prefix="more")
        if needs.step == ConflictStep.Kind.MEETING
        and case.stage in (ConflictCase.Stage.RAISED, ConflictCase.Stage.PREPARING)
        else None
    )
    rules = list(case.keep_apart.select_related("student_a", "student_b"))
    return render(
        request,
        "concerns/conflict_detail.html",
        {
            "case": case,
            "students": students,
            "needs": needs,
            "next_label": ConflictStep.Kind(needs.step).label if needs.step else "",
            "accounts": case.accounts.select_related("student", "recorded_by").order_by(
                "recorded_at"
            ),
            "steps": case.steps.select_related("student", "recorded_by"),
            "step_form": step_form,
            "extra_preparation": extra_preparation,
            "account_form": account_form
            or ConflictAccountForm(students=students, prefix="account"),
            "kept_apart": [rule for rule in rules if rule.ended_at is None],
            "lifted": [rule for rule in rules if rule.ended_at is not None],
            "managing": request.membership.role in CONFLICT_MANAGERS,
            "lift_form": ConflictLiftForm(),
            "resolved": case.stage == ConflictCase.Stage.RESOLVED,
        },
        status=status,
    )


@role_required(*CONFLICT_STAFF)
def conflict_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    case = conflict_for(request.user, request.school, public_id, request=request)
    return _conflict_page(request, case)


@require_POST
@role_required(*CONFLICT_STAFF)
def conflict_account(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    case = conflict_for(request.user, request.school, public_id, request=request)
    form = ConflictAccountForm(request.POST, students=case.students.all(), prefix="account")
    if form.is_valid():
        try:
            services.conflict_add_account(
                actor=request.user,
                case=case,
                student=form.cleaned_data["student"],
                account=form.cleaned_data["account"],
                request=request,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Their account is recorded.")
            return redirect("concerns:conflict_detail", public_id=case.public_id)
    return _conflict_page(request, case, account_form=form, status=400)


@require_POST
@role_required(*CONFLICT_STAFF)
def conflict_step(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    case = conflict_for(request.user, request.school, public_id, request=request)
    prefix = "more" if "more-kind" in request.POST else None
    kind = request.POST.get(f"{prefix}-kind" if prefix else "kind", "")
    form_class = STEP_FORMS.get(kind)
    if form_class is None:
        messages.error(request, "Choose which step to record.")
        return redirect("concerns:conflict_detail", public_id=case.public_id)
    form: ConflictStepForm
    if form_class is ConflictPreparationForm:
        form = ConflictPreparationForm(request.POST, students=case.students.all(), prefix=prefix)
    else:
        form = form_class(request.POST)
    if form.is_valid():
        try:
            step = services.conflict_record_step(
                actor=request.user, case=case, request=request, **form.service_arguments()
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{step.get_kind_display()} recorded.")
            return redirect("concerns:conflict_detail", public_id=case.public_id)
    return _conflict_page(request, case, step_form=form, status=400)


@require_POST
@role_required(*CONFLICT_MANAGERS)
def conflict_keep_apart(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    case = conflict_for(request.user, request.school, public_id, request=request)
    try:
        rules = services.conflict_keep_apart(actor=request.user, case=case, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Kept apart ({len(rules)} pair{'s' if len(rules) != 1 else ''}): groups and "
            "matching will not put them together until it is lifted.",
        )
    return redirect("concerns:conflict_detail", public_id=case.public_id)


@require_POST
@role_required(*CONFLICT_MANAGERS)
def conflict_lift_keep_apart(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    case = conflict_for(request.user, request.school, public_id, request=request)
    form = ConflictLiftForm(request.POST)
    form.is_valid()  # a single optional box: always valid
    try:
        services.conflict_lift_keep_apart(
            actor=request.user,
            case=case,
            before_resolved=bool(form.cleaned_data.get("before_resolved")),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The keep-apart is lifted: they may be placed together again.")
    return redirect("concerns:conflict_detail", public_id=case.public_id)


# ---------------------------------------------------------------- urgent words

URGENT_FLAGS_PAGE_SIZE = 25


@role_required(Role.DSL)
def urgent_flags(request: SchoolRequest) -> HttpResponse:
    flags = (
        urgent_flags_visible_to(request.user, request.school)
        .select_related("student", "reviewed_by")
        .order_by(F("reviewed_at").asc(nulls_first=True), "-created_at")
    )
    page = Paginator(flags, URGENT_FLAGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "concerns/urgent_flags.html", {"page": page, "flags": page})


@role_required(Role.DSL)
def urgent_flag(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    flag = urgent_flag_for(request.user, request.school, public_id, request=request)
    form = UrgentFlagReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.urgent_flag_review(
                actor=request.user, flag=flag, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Marked as reviewed.")
            return redirect("concerns:urgent_flags")
    return render(
        request,
        "concerns/urgent_flag.html",
        {"flag": flag, "source_text": urgent_flag_source_text(flag), "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.DSL)
def urgent_phrases(request: SchoolRequest) -> HttpResponse:
    phrases = urgent_phrases_visible_to(request.user, request.school)
    if not phrases.exists():
        # A school's first visit: it starts from the shipped list.
        services.urgent_phrases_install(school=request.school)
    form = UrgentPhraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phrase = services.urgent_phrase_add(
                actor=request.user, school=request.school, phrase=form.cleaned_data["phrase"]
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"\u201c{phrase.phrase}\u201d is on the list.")
            return redirect("concerns:urgent_phrases")
    rows = list(phrases.order_by("phrase"))
    return render(
        request,
        "concerns/urgent_phrases.html",
        {
            "form": form,
            "active": [row for row in rows if row.active],
            "inactive": [row for row in rows if not row.active],
        },
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(Role.DSL)
def urgent_phrase_toggle(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    phrase = urgent_phrase_for(request.user, request.school, public_id)
    services.urgent_phrase_set_active(actor=request.user, phrase=phrase, active=not phrase.active)
    if phrase.active:
        messages.success(request, f"\u201c{phrase.phrase}\u201d is checked again.")
    else:
        messages.success(request, f"\u201c{phrase.phrase}\u201d is turned off: it flags nothing.")
    return redirect("concerns:urgent_phrases")


# ---------------------------------------------------------------- settings

SETTINGS_FORMS = {"safeguarding": SafeguardingSettingsForm, "reporting": ReportingSettingsForm}


@role_required(Role.COORDINATOR, Role.DSL)
def concern_settings(request: SchoolRequest) -> HttpResponse:
    """The school's rules for concerns: the safeguarding ones (a DSL changes them,
    a coordinator reads them) and the reporting and conflict ones (both)."""
    rules = concern_settings_of(request.school)
    is_dsl = request.membership.role == Role.DSL
    leads = safeguarding_lead_accounts(request.school)
    values = {
        name: getattr(rules, name)
        for name in services.SAFEGUARDING_SETTINGS + services.REPORTING_SETTINGS
    }
    forms_by_part: dict[str, forms.Form] = {
        "safeguarding": SafeguardingSettingsForm(initial=values, leads=leads),
        "reporting": ReportingSettingsForm(initial=values),
    }
    status = 200
    if request.method == "POST":
        part = request.POST.get("part", "")
        if part not in SETTINGS_FORMS or (part == "safeguarding" and not is_dsl):
            raise Http404
        form: forms.Form = (
            SafeguardingSettingsForm(request.POST, leads=leads)
            if part == "safeguarding"
            else ReportingSettingsForm(request.POST)
        )
        forms_by_part[part] = form
        if form.is_valid():
            try:
                services.concern_settings_save(
                    actor=request.user, school=request.school, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect("concerns:settings")
        status = 400
    context = {
        "rules": rules,
        "is_dsl": is_dsl,
        "safeguarding_form": forms_by_part["safeguarding"],
        "reporting_form": forms_by_part["reporting"],
        "has_leads": leads.exists(),
    }
    return render(request, "concerns/settings.html", context, status=status)
