"""Match runs for coordinators and DSLs: who is waiting and who is available,
the weights, running the engine, locking, rejecting and swapping pairs, the
fairness panel, and publishing. Mentees' matching preferences are kept here too,
and so is forming the groups of a group programme."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from peersupport.accounts.access import SchoolRequest, role_required
from peersupport.accounts.models import Role
from peersupport.matching import services
from peersupport.matching.access import (
    formation_for,
    formations_visible_to,
    match_run_for,
    match_runs_visible_to,
    pin_for,
    solve_for,
    solve_of_run,
)
from peersupport.matching.forms import (
    FormationForm,
    GroupNamesForm,
    PinForm,
    PreferencesForm,
    PublishForm,
    SettingsForm,
    SwapForm,
)
from peersupport.matching.models import GroupFormation, MatchRun, MatchSolve
from peersupport.matching.selectors import (
    FormationInputs,
    balance_words,
    fairness,
    formation_inputs,
    kept_names,
    latest_proposed,
    latest_solve,
    proposed_groups,
    run_inputs,
    settings_for,
    with_names,
)
from peersupport.programmes.access import programme_for
from peersupport.programmes.models import MentorProfile, Programme
from peersupport.schools.models import TimetableSlot
from peersupport.students.access import student_for_change
from peersupport.students.models import Student

MANAGERS = (Role.COORDINATOR, Role.DSL)


def _error_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _named(reasons: list[str], names: dict[str, str]) -> list[str]:
    """The engine names people by id ("asked for <id>, but ..."): staff read names."""
    return [with_names(r, names, "a mentor no longer listed") for r in reasons]


def _result_rows(solve: MatchSolve, names: dict[str, str]) -> dict[str, Any]:
    years = {m["id"]: m["year"] for m in solve.problem["mentees"] + solve.problem["mentors"]}
    pairs = [
        {
            **pair,
            "reasons": _named(pair["reasons"], names),
            "mentee_name": names.get(pair["mentee"], "Someone no longer in the records"),
            "mentor_name": names.get(pair["mentor"], "Someone no longer a mentor"),
            "mentee_year": years.get(pair["mentee"]),
            "mentor_year": years.get(pair["mentor"]),
        }
        for pair in solve.result["pairs"]
    ]
    unmatched = [
        {
            **item,
            "reasons": _named(item["reasons"], names),
            "mentee_name": names.get(item["mentee"], "Someone no longer in the records"),
            "mentee_year": years.get(item["mentee"]),
        }
        for item in solve.result["unmatched"]
    ]
    return {"pairs": pairs, "unmatched": unmatched}


@role_required(*MANAGERS)
def programme_runs(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """A programme's match runs, and opening a new one."""
    programme = programme_for(request.user, request.school, public_id)
    if request.method == "POST":
        try:
            run = services.run_open(actor=request.user, programme=programme)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
        else:
            return redirect("matching:run", public_id=run.public_id)
    runs = (
        match_runs_visible_to(request.user, request.school)
        .filter(programme=programme)
        .select_related("opened_by")
        .order_by("-opened_at")
    )
    return render(
        request,
        "matching/programme_runs.html",
        {
            "programme": programme,
            "runs": runs,
            "can_match": programme.kind == Programme.Kind.ONE_TO_ONE
            and programme.status != Programme.Status.CLOSED,
        },
    )


def _kept_decisions(solve: MatchSolve, names: dict[str, str]) -> list[str]:
    """The locks and rejections a kept solve honoured, in words."""
    problem = solve.problem

    def pair(mentee: str, mentor: str) -> str:
        return (
            f"{names.get(mentee, 'Someone no longer in the records')} with "
            f"{names.get(mentor, 'someone no longer a mentor')}"
        )

    return [f"Locked: {pair(*p)}" for p in problem.get("locked", [])] + [
        f"Rejected: {pair(*p)}" for p in problem.get("rejected", [])
    ]


def _run_context(request: SchoolRequest, run: MatchRun, **extra: Any) -> dict[str, Any]:
    solve = latest_solve(run)
    is_open = run.status == MatchRun.Status.OPEN
    context: dict[str, Any] = {
        "run": run,
        "programme": run.programme,
        "solve": solve,
        # The list of earlier runs needs none of their (large) problems and results.
        "history": list(
            run.solves.select_related("solved_by").defer("problem", "result").order_by("-number")
        ),
        "is_open": is_open,
    }
    if not is_open:
        # A published or set-aside run is shown as it was: its last result, kept
        # with its problem, and not today's waiting list, mentors or decisions.
        if solve is not None:
            kept = kept_names(solve)
            context.update(_result_rows(solve, kept))
            context["fairness"] = fairness(solve)
            context["kept_decisions"] = _kept_decisions(solve, kept)
            context["kept_mentors"] = sum(
                1 for m in solve.problem["mentors"] if m["eligible"] and m["capacity"] > 0
            )
        context.update(extra)
        return context
    inputs = run_inputs(run)
    names = inputs.names()
    context.update(
        {
            "inputs": inputs,
            "settings_form": SettingsForm(instance=settings_for(run.programme)),
            "needs_rerun": services.needs_rerun(run, solve),
        }
    )
    if solve is not None:
        kept = kept_names(solve)
        kept.update(names)
        context.update(_result_rows(solve, kept))
        context["fairness"] = fairness(solve)
        locked = {(p.mentee.public_id, p.mentor.public_id) for p in inputs.locks}
        for pair in context["pairs"]:
            pair["is_locked"] = (uuid.UUID(pair["mentee"]), uuid.UUID(pair["mentor"])) in locked
        context["swap_form"] = extra.pop("swap_form", None) or SwapForm(
            mentees=[(p["mentee"], p["mentee_name"]) for p in context["pairs"]]
        )
    context.update(extra)
    return context


@role_required(*MANAGERS)
def run_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    return render(request, "matching/run_detail.html", _run_context(request, run))


def _back_to_run(request: SchoolRequest, run: MatchRun) -> HttpResponse:
    if request.htmx:
        # The service saved its own copy of the run: read when it last changed, or
        # the "run it again" warning would be missing from the fragment.
        run.refresh_from_db(fields=["status", "changed_at"])
        return render(request, "matching/run_detail.html#results", _run_context(request, run))
    return redirect("matching:run", public_id=run.public_id)


@require_POST
@role_required(*MANAGERS)
def run_solve(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    try:
        solve = services.run_solve(actor=request.user, run=run)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            f"Run {solve.number} done: {solve.matched_count} of "
            f"{len(solve.problem['mentees'])} mentees matched.",
        )
    return _back_to_run(request, run)


@require_POST
@role_required(*MANAGERS)
def run_settings(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    form = SettingsForm(request.POST, instance=settings_for(run.programme))
    if form.is_valid():
        try:
            services.settings_save(
                actor=request.user,
                programme=run.programme,
                **{name: form.cleaned_data[name] for name in services.SETTING_FIELDS},
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "Weights saved. Run the match again to use them.")
            return redirect("matching:run", public_id=run.public_id)
    return render(
        request,
        "matching/run_detail.html",
        _run_context(request, run, settings_form=form),
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(*MANAGERS)
def run_pin(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    form = PinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a pair and whether to lock or reject it.")
        return _back_to_run(request, run)
    mentee = Student.objects.filter(
        school=request.school, public_id=form.cleaned_data["mentee"]
    ).first()
    mentor = (
        MentorProfile.objects.filter(school=request.school, public_id=form.cleaned_data["mentor"])
        .select_related("student")
        .first()
    )
    if mentee is None or mentor is None:
        raise Http404("No such pair.")
    try:
        services.pin_set(
            actor=request.user,
            run=run,
            mentee=mentee,
            mentor=mentor,
            kind=form.cleaned_data["kind"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        verb = "locked" if form.cleaned_data["kind"] == "lock" else "rejected"
        messages.success(
            request,
            f"{mentee.display_name} with {mentor.student.display_name}: {verb}. "
            "Run the match again to use it.",
        )
    return _back_to_run(request, run)


@require_POST
@role_required(*MANAGERS)
def run_unpin(request: SchoolRequest, public_id: uuid.UUID, pin: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    decision = pin_for(run, pin)
    try:
        services.pin_remove(actor=request.user, run=run, pin=decision)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "Removed. Run the match again to use the change.")
    return _back_to_run(request, run)


@require_POST
@role_required(*MANAGERS)
def run_swap(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    solve = latest_solve(run)
    mentees = [(p["mentee"], p["mentee"]) for p in solve.result["pairs"]] if solve else []
    form = SwapForm(request.POST, mentees=mentees)
    if form.is_valid():
        found = {
            str(s.public_id): s
            for s in Student.objects.filter(
                school=request.school,
                public_id__in=[form.cleaned_data["first"], form.cleaned_data["second"]],
            )
        }
        try:
            services.swap(
                actor=request.user,
                run=run,
                first=found[form.cleaned_data["first"]],
                second=found[form.cleaned_data["second"]],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "Swapped, both new pairs locked, and the match run again.")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _back_to_run(request, run)


@require_POST
@role_required(*MANAGERS)
def run_publish(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Reload the page, look at the latest result, then publish it.")
        return redirect("matching:run", public_id=run.public_id)
    solve = solve_of_run(run, form.cleaned_data["solve"])
    try:
        published = services.run_publish(actor=request.user, run=run, solve=solve)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("matching:run", public_id=run.public_id)
    messages.success(request, _published_words(published))
    return redirect("programmes:detail", public_id=run.programme.public_id)


def _published_words(published: services.Publication) -> str:
    """What publishing did, saying how many mentors were really e-mailed."""
    proposed = len(published.mentorships)
    words = [f"Published: {proposed} mentorship{'s' if proposed != 1 else ''} proposed."]
    mentors, emailed = published.mentors, published.mentors_emailed
    if emailed == mentors:
        words.append(
            f"{'The mentor was' if mentors == 1 else f'All {mentors} mentors were'} e-mailed "
            "that they have a new match."
        )
    else:
        without = mentors - emailed
        words.append(
            f"{emailed} of {mentors} mentors {'was' if emailed == 1 else 'were'} e-mailed "
            f"that they have a new match; {without} {'has' if without == 1 else 'have'} no "
            "e-mail address, so tell them yourself."
        )
    words.append("The staff who follow each mentee up have a task to introduce the pair.")
    return " ".join(words)


@require_POST
@role_required(*MANAGERS)
def run_discard(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    run = match_run_for(request.user, request.school, public_id)
    try:
        services.run_discard(actor=request.user, run=run)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "The match run was set aside. It is kept with its results.")
    return redirect("matching:programme", public_id=run.programme.public_id)


@role_required(*MANAGERS)
def solve_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """One kept result, as it was: its settings, pairs, reasons and fairness."""
    solve = solve_for(request.user, request.school, public_id)
    context = {
        "solve": solve,
        "run": solve.run,
        "fairness": fairness(solve),
        **_result_rows(solve, kept_names(solve)),
    }
    return render(request, "matching/solve_detail.html", context)


@role_required(*MANAGERS)
def preferences(request: SchoolRequest, student: uuid.UUID) -> HttpResponse:
    """What a mentee would like in a mentor, recorded by staff with them."""
    record = student_for_change(request.user, request.school, student)
    slots = TimetableSlot.objects.filter(school=request.school)
    current = getattr(record, "match_preferences", None)
    initial = {}
    if current is not None:
        initial = {
            "interests": ", ".join(current.interests),
            "languages": ", ".join(current.languages),
            "availability": list(current.availability.all()),
            "same_gender": current.same_gender,
        }
    form = PreferencesForm(request.POST or None, initial=initial, slots=slots)
    back = request.GET.get("run")
    back_url = ""
    if back:
        try:
            run = match_run_for(request.user, request.school, uuid.UUID(back))
        except (ValueError, Http404):
            run = None
        if run is not None:
            back_url = reverse("matching:run", kwargs={"public_id": run.public_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(actor=request.user, student=record, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, f"Matching preferences of {record.display_name} saved.")
            return redirect(back_url or reverse("students:detail", args=[record.public_id]))
    return render(
        request,
        "includes/form_page.html",
        {
            "form": form,
            "title": f"What {record.display_name} would like in a mentor",
            "intro": "Ask the student. The matching engine uses these to find a mentor "
            "they have something in common with.",
            "back_url": back_url or reverse("students:detail", args=[record.public_id]),
        },
    )


# ---------------------------------------------------------------- group formation


def _can_form(programme: Programme) -> bool:
    return programme.kind == Programme.Kind.GROUP and programme.status != Programme.Status.CLOSED


def _formation_page(
    request: SchoolRequest,
    programme: Programme,
    inputs: FormationInputs | None = None,
    form: FormationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_form = _can_form(programme)
    if can_form and inputs is None:
        inputs = formation_inputs(programme)
    if inputs is not None and form is None:
        form = FormationForm(staff=inputs.staff, mentors=len(inputs.eligible_mentors))
    formations = (
        formations_visible_to(request.user, request.school)
        .filter(programme=programme)
        .select_related("solved_by", "closed_by")
        .order_by("-solved_at", "-pk")
    )
    latest = next((f for f in formations if f.status == GroupFormation.Status.PROPOSED), None)
    return render(
        request,
        "matching/programme_groups.html",
        {
            "programme": programme,
            "can_form": can_form,
            "inputs": inputs,
            "form": form,
            "formations": formations,
            "latest_proposed": latest,
            "time_limit": services.FORMATION_TIME_LIMIT,
        },
        status=status,
    )


@role_required(*MANAGERS)
def programme_groups(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """Form groups for a group programme: the students to place, who counts as higher
    need, the choices, and every proposal made so far."""
    programme = programme_for(request.user, request.school, public_id)
    if request.method != "POST":
        return _formation_page(request, programme)
    if not _can_form(programme):
        messages.error(request, "Groups are formed for group programmes that are not closed.")
        if request.htmx:
            return HttpResponseClientRedirect(request.path)
        return _formation_page(request, programme, status=400)
    inputs = formation_inputs(programme)
    form = FormationForm(request.POST, staff=inputs.staff, mentors=len(inputs.eligible_mentors))
    if form.is_valid():
        try:
            formation = services.formation_solve(
                actor=request.user,
                programme=programme,
                leaders=form.cleaned_data["chosen_leaders"],
                min_size=form.cleaned_data["min_size"],
                max_size=form.cleaned_data["max_size"],
                groups=form.cleaned_data["groups"],
                mentor_per_group=form.cleaned_data["mentor_per_group"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            groups = formation.result["number_of_groups"]
            messages.success(
                request,
                f"Proposed: {len(formation.problem['students'])} students in {groups} "
                f"group{'s' if groups != 1 else ''}. Check them, then create them or set "
                "them aside.",
            )
            proposal = reverse("matching:formation", kwargs={"public_id": formation.public_id})
            if request.htmx:
                return HttpResponseClientRedirect(proposal)
            return redirect(proposal)
    if request.htmx:
        # htmx swaps in only a 2xx answer: the form alone, with its errors.
        return render(
            request,
            "matching/programme_groups.html#formation-form",
            {"programme": programme, "form": form},
        )
    return _formation_page(request, programme, inputs, form, status=400)


def _formation_context(
    request: SchoolRequest, formation: GroupFormation, names_form: GroupNamesForm | None = None
) -> dict[str, Any]:
    programme = formation.programme
    proposed = formation.status == GroupFormation.Status.PROPOSED
    latest = latest_proposed(programme) if proposed else None
    is_latest = latest is not None and latest.pk == formation.pk
    changed = False
    if is_latest:
        placed = {s["id"] for s in formation.problem["students"]}
        changed = formation_inputs(programme).student_ids() != placed
    groups = proposed_groups(formation)
    return {
        "formation": formation,
        "programme": programme,
        "groups": groups,
        "balance": balance_words(formation),
        "higher_need": sum(1 for s in formation.problem["students"] if s["higher_need"]),
        "is_proposed": proposed,
        "can_create": is_latest and not changed,
        "replaced": proposed and not is_latest,
        "changed": changed,
        "names_form": names_form or GroupNamesForm(programme_name=programme.name),
    }


@role_required(*MANAGERS)
def formation_detail(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    """One proposal of groups, as it was made: the groups, their balance, and (if it
    is the latest) creating them or setting them aside."""
    formation = formation_for(request.user, request.school, public_id)
    return render(request, "matching/formation_detail.html", _formation_context(request, formation))


@require_POST
@role_required(*MANAGERS)
def formation_create(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    formation = formation_for(request.user, request.school, public_id)
    form = GroupNamesForm(request.POST, programme_name=formation.programme.name)
    if not form.is_valid():
        return render(
            request,
            "matching/formation_detail.html",
            _formation_context(request, formation, names_form=form),
            status=400,
        )
    try:
        created = services.formation_create(
            actor=request.user, formation=formation, name_stem=form.cleaned_data["name_stem"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("matching:formation", public_id=formation.public_id)
    messages.success(
        request,
        f"{len(created)} group{'s' if len(created) != 1 else ''} created: "
        f"{', '.join(group.name for group in created)}.",
    )
    return redirect("programmes:detail", public_id=formation.programme.public_id)


@require_POST
@role_required(*MANAGERS)
def formation_discard(request: SchoolRequest, public_id: uuid.UUID) -> HttpResponse:
    formation = formation_for(request.user, request.school, public_id)
    try:
        services.formation_discard(actor=request.user, formation=formation)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, "The proposal was set aside. It is kept with its groups.")
    return redirect("matching:groups", public_id=formation.programme.public_id)
