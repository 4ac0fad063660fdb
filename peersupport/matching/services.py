"""Every write of matching: preferences, settings, match runs, their solves, locks,
rejections and swaps, and publishing (which proposes the mentorships through the
programmes services); and group formation for group programmes (whose groups are
created through the programmes services too). Only a coordinator or a DSL may call
these; each is audited."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from peersupport.accounts.models import User
from peersupport.accounts.selectors import require_manager
from peersupport.audit.services import audit_record
from peersupport.matching.engine import ProblemError, pair_breaks, solve_pairs
from peersupport.matching.groups import parse_groups, solve_groups
from peersupport.matching.models import (
    GroupFormation,
    MatchPin,
    MatchRun,
    MatchSettings,
    MatchSolve,
    MenteePreferences,
)
from peersupport.matching.selectors import (
    formation_inputs,
    group_problem_as_json,
    latest_proposed,
    latest_solve,
    problem_as_json,
    run_inputs,
    settings_for,
    with_names,
)
from peersupport.programmes.models import Group, MentorProfile, Mentorship, Programme
from peersupport.programmes.selectors import staff_responsible_for
from peersupport.programmes.services import (
    group_add_co_facilitator,
    group_add_member,
    group_create,
    mentorship_propose,
)
from peersupport.schools.models import TimetableSlot
from peersupport.students.models import Student
from peersupport.tasks.models import TaskKind
from peersupport.tasks.services import task_open

SETTING_FIELDS = ("min_year_gap", "w_interests", "w_availability", "w_language", "w_preference")


def _clean_list(values: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        text = value.strip()
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return sorted(seen.values(), key=str.lower)


@transaction.atomic
def preferences_save(
    *,
    actor: User,
    student: Student,
    interests: Sequence[str],
    languages: Sequence[str],
    availability: Sequence[TimetableSlot],
    same_gender: bool,
) -> MenteePreferences:
    """What a mentee would like in a mentor, as staff recorded it with them."""
    require_manager(actor, student.school)
    if any(slot.school_id != student.school_id for slot in availability):
        raise ValidationError("Those free times belong to another school.")
    prefs, _created = MenteePreferences.objects.get_or_create(
        student=student, defaults={"school": student.school}
    )
    prefs.interests = [i.lower() for i in _clean_list(interests)]
    prefs.languages = _clean_list(languages)
    prefs.same_gender = same_gender
    prefs.updated_by = actor
    prefs.full_clean()
    prefs.save()
    prefs.availability.set(availability)
    # A result found with the old preferences may no longer suit the student: every
    # open run that could pair them must be run again before it is published.
    for run in MatchRun.objects.filter(
        status=MatchRun.Status.OPEN,
        programme__kind=Programme.Kind.ONE_TO_ONE,
        programme__enrolments__student=student,
        programme__enrolments__ended_on__isnull=True,
    ).distinct():
        _touch(run)
    audit_record(
        action="match_preferences.saved",
        actor=actor,
        school=student.school,
        object_type="student",
        object_public_id=student.public_id,
    )
    return prefs


def _touch(run: MatchRun) -> None:
    run.changed_at = timezone.now()
    run.save(update_fields=["changed_at"])


def _close(record: MatchRun | GroupFormation, actor: User, status: str) -> None:
    """A run or a proposal reaches its end (published, created or set aside), kept."""
    record.status = status
    record.closed_by = actor
    record.closed_at = timezone.now()
    record.save(update_fields=["status", "closed_by", "closed_at"])


def _require_open(run: MatchRun) -> None:
    if run.status != MatchRun.Status.OPEN:
        raise ValidationError(
            f"This match run is {run.get_status_display().lower()}: open a new one to change it."
        )


@transaction.atomic
def settings_save(*, actor: User, programme: Programme, **values: int) -> MatchSettings:
    """Change a programme's matching rule and weights; an open run must be run again."""
    require_manager(actor, programme.school)
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ValueError(f"Unknown matching settings: {', '.join(sorted(unknown))}.")
    match_settings = settings_for(programme)
    for name, value in values.items():
        setattr(match_settings, name, value)
    match_settings.full_clean()
    match_settings.save()
    for run in MatchRun.objects.filter(programme=programme, status=MatchRun.Status.OPEN):
        _touch(run)
    audit_record(
        action="match_settings.changed",
        actor=actor,
        school=programme.school,
        object_type="programme",
        object_public_id=programme.public_id,
        detail=", ".join(f"{k}={values[k]}" for k in sorted(values)),
    )
    return match_settings


@transaction.atomic
def run_open(*, actor: User, programme: Programme) -> MatchRun:
    """Open a match run for a one-to-one programme (or return the one already open)."""
    require_manager(actor, programme.school)
    if programme.kind != Programme.Kind.ONE_TO_ONE:
        raise ValidationError(
            "Match runs pair mentors and mentees: this is not a one-to-one programme."
        )
    if programme.status == Programme.Status.CLOSED:
        raise ValidationError("This programme is closed.")
    existing = MatchRun.objects.filter(programme=programme, status=MatchRun.Status.OPEN).first()
    if existing is not None:
        return existing
    run = MatchRun(school=programme.school, programme=programme, opened_by=actor)
    run.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        # Someone else opened one at the same moment: use theirs.
        return MatchRun.objects.get(programme=programme, status=MatchRun.Status.OPEN)
    audit_record(
        action="match_run.opened",
        actor=actor,
        school=programme.school,
        object_type="match_run",
        object_public_id=run.public_id,
    )
    return run


@transaction.atomic
def run_solve(*, actor: User, run: MatchRun) -> MatchSolve:
    """Solve the run as the records stand now, keeping locks and rejections, and
    keep the problem and the result."""
    require_manager(actor, run.school)
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    _require_open(run)
    inputs = run_inputs(run)
    started = time.perf_counter()
    try:
        result = solve_pairs(inputs.problem)
    except ProblemError as error:
        raise ValidationError(
            f"The locks cannot all be kept: {with_names(str(error), inputs.names())} "
            "Undo the lock and run again."
        ) from None
    seconds = time.perf_counter() - started
    number = (run.solves.aggregate(n=Max("number"))["n"] or 0) + 1
    solve = MatchSolve(
        school=run.school,
        run=run,
        number=number,
        solved_by=actor,
        problem=problem_as_json(inputs.problem),
        result=result.as_dict(),
        matched_count=result.matched_count,
        total_score=result.total_score,
        optimal=result.optimal,
        seconds=seconds,
    )
    solve.full_clean()
    solve.save()
    audit_record(
        action="match_run.solved",
        actor=actor,
        school=run.school,
        object_type="match_run",
        object_public_id=run.public_id,
        detail=f"solve {number}: {result.matched_count} matched, score {result.total_score}",
    )
    return solve


def _pair_detail(mentee: Student, mentor: MentorProfile) -> str:
    """A pair in an audit event: by public ids, never by name."""
    return f"mentee={mentee.public_id} mentor={mentor.public_id}"


def _pin(actor: User, run: MatchRun, mentee: Student, mentor: MentorProfile, kind: str) -> MatchPin:
    if mentee.school_id != run.school_id or mentor.school_id != run.school_id:
        raise ValidationError("That student is not in this school.")
    if kind == MatchPin.Kind.LOCK:
        # A mentee is locked to one mentor at most: a new lock replaces the old.
        for replaced in (
            MatchPin.objects.filter(run=run, mentee=mentee, kind=MatchPin.Kind.LOCK)
            .exclude(mentor=mentor)
            .select_related("mentor")
        ):
            replaced.delete()
            audit_record(
                action="match_run.pin_removed",
                actor=actor,
                school=run.school,
                object_type="match_run",
                object_public_id=run.public_id,
                detail=f"lock {_pair_detail(mentee, replaced.mentor)}, replaced by a new lock",
            )
    pin, _created = MatchPin.objects.update_or_create(
        run=run,
        mentee=mentee,
        mentor=mentor,
        defaults={"school": run.school, "kind": kind, "pinned_by": actor},
    )
    return pin


@transaction.atomic
def pin_set(
    *, actor: User, run: MatchRun, mentee: Student, mentor: MentorProfile, kind: str
) -> MatchPin:
    """Lock a pair (kept by every re-run) or reject it (never proposed again in
    this run). A lock that breaks a hard rule is refused, saying which."""
    require_manager(actor, run.school)
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    _require_open(run)
    if kind not in MatchPin.Kind.values:
        raise ValidationError("Choose to lock or to reject the pair.")
    inputs = run_inputs(run)
    engine_mentee = next((m for m in inputs.problem.mentees if m.id == str(mentee.public_id)), None)
    engine_mentor = next((m for m in inputs.problem.mentors if m.id == str(mentor.public_id)), None)
    if engine_mentee is None:
        raise ValidationError(f"{mentee.display_name} is not waiting for a mentor here.")
    if engine_mentor is None:
        raise ValidationError(f"{mentor.student.display_name} is not a mentor in this run.")
    if kind == MatchPin.Kind.LOCK:
        others = sum(
            1 for p in inputs.locks if p.mentor_id == mentor.pk and p.mentee_id != mentee.pk
        )
        broken = pair_breaks(
            inputs.problem, engine_mentee, engine_mentor, room=engine_mentor.capacity - others
        )
        # A rejection of this very pair is replaced by the lock.
        broken = [b for b in broken if b != "the coordinator ruled this pair out"]
        if broken:
            raise ValidationError(
                f"{mentee.display_name} and {mentor.student.display_name} cannot be locked "
                f"together: {'; '.join(broken)}."
            )
    pin = _pin(actor, run, mentee, mentor, kind)
    _touch(run)
    audit_record(
        action=f"match_run.pair_{'locked' if kind == MatchPin.Kind.LOCK else 'rejected'}",
        actor=actor,
        school=run.school,
        object_type="match_run",
        object_public_id=run.public_id,
        detail=_pair_detail(mentee, mentor),
    )
    return pin


@transaction.atomic
def pin_remove(*, actor: User, run: MatchRun, pin: MatchPin) -> None:
    """Undo a lock or a rejection: the next run chooses freely again."""
    require_manager(actor, run.school)
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    _require_open(run)
    if pin.run_id != run.pk:
        raise ValidationError("That decision belongs to another match run.")
    found = MatchPin.objects.select_related("mentee", "mentor").filter(pk=pin.pk).first()
    if found is None:
        raise ValidationError("That decision has already been undone.")
    pin = found
    pin.delete()
    _touch(run)
    audit_record(
        action="match_run.pin_removed",
        actor=actor,
        school=run.school,
        object_type="match_run",
        object_public_id=run.public_id,
        detail=f"{pin.kind} {_pair_detail(pin.mentee, pin.mentor)}",
    )


@transaction.atomic
def swap(*, actor: User, run: MatchRun, first: Student, second: Student) -> MatchSolve:
    """Swap the mentors of two proposed pairs, lock both new pairs and run again.
    Refused, with the rule named, if either new pair would break a hard rule."""
    require_manager(actor, run.school)
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    _require_open(run)
    solve = latest_solve(run)
    if solve is None:
        raise ValidationError("Run the match first.")
    mentor_of = {p["mentee"]: p["mentor"] for p in solve.result["pairs"]}
    a, b = str(first.public_id), str(second.public_id)
    if a == b:
        raise ValidationError("Choose two different mentees to swap.")
    if a not in mentor_of or b not in mentor_of:
        raise ValidationError("Both mentees must have a proposed mentor to swap them.")
    if mentor_of[a] == mentor_of[b]:
        raise ValidationError("These two mentees already have the same mentor.")
    inputs = run_inputs(run)
    mentees = {m.id: m for m in inputs.problem.mentees}
    mentors = {m.id: m for m in inputs.problem.mentors}
    for mentee_id, mentor_id in ((a, mentor_of[b]), (b, mentor_of[a])):
        if mentee_id not in mentees or mentor_id not in mentors:
            raise ValidationError("The records have changed since the last run: run it again.")
        broken = [
            rule
            for rule in pair_breaks(inputs.problem, mentees[mentee_id], mentors[mentor_id], room=1)
            if rule != "the coordinator ruled this pair out"
        ]
        if broken:
            names = inputs.names()
            raise ValidationError(
                f"Cannot swap: {names[mentee_id]} with {names[mentor_id]} would break a rule "
                f"({'; '.join(broken)})."
            )
    profiles = {
        str(m.public_id): m
        for m in MentorProfile.objects.filter(
            school=run.school, public_id__in=[mentor_of[a], mentor_of[b]]
        )
    }
    _pin(actor, run, first, profiles[mentor_of[b]], MatchPin.Kind.LOCK)
    _pin(actor, run, second, profiles[mentor_of[a]], MatchPin.Kind.LOCK)
    _touch(run)
    audit_record(
        action="match_run.swapped",
        actor=actor,
        school=run.school,
        object_type="match_run",
        object_public_id=run.public_id,
        detail=f"locked {_pair_detail(first, profiles[mentor_of[b]])}; "
        f"locked {_pair_detail(second, profiles[mentor_of[a]])}",
    )
    return run_solve(actor=actor, run=run)


def needs_rerun(run: MatchRun, solve: MatchSolve | None) -> bool:
    """True if the settings, a lock, a rejection or the preferences of a mentee in the
    programme changed after ``solve``."""
    return solve is None or (run.changed_at is not None and run.changed_at > solve.solved_at)


@dataclass(frozen=True)
class Publication:
    """What publishing did: the mentorships proposed, how many mentors they have,
    and how many of those were e-mailed (staff must tell the others themselves)."""

    mentorships: list[Mentorship]
    mentors: int
    mentors_emailed: int


def _refuse(mentee_name: str, mentor_name: str, why: str) -> ValidationError:
    return ValidationError(
        f"{mentor_name} with {mentee_name}: {why} Nothing was published; run it again."
    )


@transaction.atomic
def run_publish(*, actor: User, run: MatchRun, solve: MatchSolve) -> Publication:
    """Propose every pair of ``solve`` as a mentorship, all or nothing; then tell the
    mentors and the staff who follow each mentee up.

    ``solve`` is the result the coordinator looked at: it must still be the run's
    latest, and nothing may have changed since it was found. Each pair is checked
    again against the records as they stand now (the mentee still waiting, every
    hard rule, the mentor's room counted across the pairs published together), and
    again by the programmes services that propose it."""
    require_manager(actor, run.school)
    run = MatchRun.objects.select_for_update().get(pk=run.pk)
    _require_open(run)
    if solve.run_id != run.pk:
        raise ValidationError("That result belongs to another match run.")
    latest = latest_solve(run)
    if latest is None or latest.pk != solve.pk:
        raise ValidationError("A newer result exists: look at it before publishing.")
    if needs_rerun(run, solve):
        raise ValidationError(
            "Something changed since this result (a lock, a rejection, a weight or a "
            "mentee's preferences): run it again first."
        )
    pairs = solve.result["pairs"]
    if not pairs:
        raise ValidationError("There are no pairs to publish.")
    students = {
        str(s.public_id): s
        for s in Student.objects.filter(
            school=run.school, public_id__in=[p["mentee"] for p in pairs]
        )
    }
    mentors = {
        str(m.public_id): m
        for m in MentorProfile.objects.filter(
            school=run.school, public_id__in=[p["mentor"] for p in pairs]
        ).select_related("student__user")
    }
    # Check every pair against the problem as it would be built now, before
    # proposing any: the result may be hours old.
    inputs = run_inputs(run)
    waiting = {m.id: m for m in inputs.problem.mentees}
    available = {m.id: m for m in inputs.problem.mentors}
    pool = {m.id: m for m in inputs.mentors}
    room = {m.id: m.capacity for m in inputs.problem.mentors}
    for pair in pairs:
        mentee, mentor = students.get(pair["mentee"]), mentors.get(pair["mentor"])
        if mentee is None or mentor is None:
            raise ValidationError(
                "Someone in this result is no longer in the records. Nothing was "
                "published; run it again."
            )
        mentee_name, mentor_name = mentee.display_name, mentor.student.display_name
        if pair["mentee"] not in waiting:
            raise _refuse(
                mentee_name,
                mentor_name,
                f"{mentee_name} is no longer waiting for a mentor in this programme "
                "(paired since, or no longer enrolled).",
            )
        if pair["mentor"] not in available:
            raise _refuse(mentee_name, mentor_name, f"{mentor_name} is no longer a mentor.")
        engine_mentor = available[pair["mentor"]]
        broken = pair_breaks(
            inputs.problem, waiting[pair["mentee"]], engine_mentor, room=room[pair["mentor"]]
        )
        if not engine_mentor.eligible:
            # Say why, as the list of mentors left out does ("not active: paused").
            why = [e for e in pool[pair["mentor"]].excluded if not e.startswith("full")]
            broken[0] = f"the mentor cannot take a mentee now ({'; '.join(why)})"
        if broken:
            text = "; ".join(broken)
            raise _refuse(mentee_name, mentor_name, f"{text[:1].upper()}{text[1:]}.")
        room[pair["mentor"]] -= 1
    created = []
    for pair in pairs:
        mentee, mentor = students[pair["mentee"]], mentors[pair["mentor"]]
        try:
            created.append(
                mentorship_propose(
                    actor=actor, programme=run.programme, mentor=mentor, mentee=mentee
                )
            )
        except ValidationError as error:
            raise _refuse(
                mentee.display_name, mentor.student.display_name, " ".join(error.messages)
            ) from None
    _close(run, actor, MatchRun.Status.PUBLISHED)
    audit_record(
        action="match_run.published",
        actor=actor,
        school=run.school,
        object_type="match_run",
        object_public_id=run.public_id,
        detail=f"solve {solve.number}: {len(created)} mentorships proposed",
    )
    emailed = _tell(run.programme, created)
    return Publication(
        mentorships=created,
        mentors=len({m.mentor_id for m in created}),
        mentors_emailed=emailed,
    )


def _tell(programme: Programme, mentorships: list[Mentorship]) -> int:
    """A task for the staff who follow each mentee up, to introduce the pair, and
    an e-mail to each mentor that says only that they have a new match. Returns how
    many mentors will be e-mailed (those with an address)."""
    told: set[int] = set()
    link_to_page = settings.SITE_URL.rstrip("/") + reverse("meetings:mine")
    for mentorship in mentorships:
        for person in staff_responsible_for(programme, mentorship.mentee):
            task_open(
                school=programme.school,
                kind=TaskKind.INTRODUCE,
                title="Introduce a newly matched mentor and mentee",
                subject_type="mentorship",
                subject_public_id=mentorship.public_id,
                assigned_to=person,
                link=reverse(
                    "programmes:mentorship_detail", kwargs={"public_id": mentorship.public_id}
                ),
            )
        user = mentorship.mentor.student.user
        if user is not None and user.email and user.pk not in told:
            told.add(user.pk)
            address = user.email
            body = (
                f"You have a new match in {programme.name}.\n\n"
                "A member of staff will introduce you soon. You can see who it is "
                f"when you sign in: {link_to_page}"
            )
            transaction.on_commit(
                partial(
                    send_mail, "You have a new match", body, settings.DEFAULT_FROM_EMAIL, [address]
                )
            )
    return len(told)


@transaction.atomic
def run_discard(*, actor: User, run: MatchRun) -> MatchRun:
    """Set an open run aside without publishing it (it is kept, as every run is)."""
    require_manager(actor, run.school)
    _require_open(run)
    _close(run, actor, MatchRun.Status.DISCARDED)
    audit_record(
        action="match_run.set_aside",
        actor=actor,
        school=run.school,
        object_type="match_run",
        object_public_id=run.public_id,
    )
    return run


# ---------------------------------------------------------------- group formation

# The engine speaks of its settings as the JSON format names them; staff read words.
ENGINE_WORDS = (
    ("settings.min_size", "the smallest group size"),
    ("settings.max_size", "the largest group size"),
    ("settings.groups", "the number of groups"),
    ("min_size", "the smallest group size"),
    ("max_size", "the largest group size"),
)
GROUP_NAME_LENGTH = Group._meta.get_field("name").max_length or 120
# Forming groups runs inside the web request, so the engine gets less time than the
# command-line tool's 30 seconds; the page says how long it can take.
FORMATION_TIME_LIMIT = 15


def _engine_message(error: ProblemError, names: dict[str, str]) -> str:
    """The engine's reason in staff's words: settings by what they mean, and people
    by name (the engine knows them only by id)."""
    text = str(error)
    for word, plain in ENGINE_WORDS:
        text = text.replace(word, plain)
    return f"No groups could be formed: {with_names(text, names)}"


def _require_group_programme(programme: Programme) -> None:
    if programme.kind != Programme.Kind.GROUP:
        raise ValidationError("Groups are formed for group programmes: this is not one.")
    if programme.status == Programme.Status.CLOSED:
        raise ValidationError("This programme is closed.")


@transaction.atomic
def formation_solve(
    *,
    actor: User,
    programme: Programme,
    leaders: Sequence[tuple[User, int]],
    min_size: int = 6,
    max_size: int = 8,
    groups: int | None = None,
    mentor_per_group: bool = False,
) -> GroupFormation:
    """Propose groups for a group programme, from the records as they stand now:
    every student waiting for a group is placed, each group is led by one of
    ``leaders`` (each leading at most the number of groups given with them) and,
    if asked, joined by a mentor who may serve the programme; keep-apart rules are
    kept, and year groups, genders and higher need are spread as fairly as the
    engine can. The problem and the result are kept. If no grouping keeps the
    rules, the engine's reason is raised and nothing is saved."""
    require_manager(actor, programme.school)
    _require_group_programme(programme)
    if not leaders:
        raise ValidationError("Choose at least one member of staff to lead the groups.")
    inputs = formation_inputs(programme)
    allowed = {user.pk for user in inputs.staff}
    if any(user.pk not in allowed for user, _count in leaders):
        raise ValidationError(
            "Only the school's facilitators, coordinators and DSLs can lead a group."
        )
    started = time.perf_counter()
    try:
        # Read back through the engine's own checks, so the kept problem is exactly
        # what the command-line tool would read.
        problem = parse_groups(
            group_problem_as_json(
                inputs.problem(
                    min_size=min_size,
                    max_size=max_size,
                    groups=groups,
                    leaders=leaders,
                    mentor_per_group=mentor_per_group,
                )
            )
        )
        result = solve_groups(problem, time_limit=FORMATION_TIME_LIMIT)
    except ProblemError as error:
        raise ValidationError(_engine_message(error, inputs.names())) from None
    seconds = time.perf_counter() - started
    formation = GroupFormation(
        school=programme.school,
        programme=programme,
        solved_by=actor,
        problem=group_problem_as_json(problem),
        result=result.as_dict(),
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        optimal=result.optimal,
        seconds=seconds,
    )
    formation.full_clean()
    formation.save()
    audit_record(
        action="group_formation.solved",
        actor=actor,
        school=programme.school,
        object_type="group_formation",
        object_public_id=formation.public_id,
        detail=f"{len(problem.students)} students in {len(result.groups)} groups, "
        f"balance penalty {result.objective}",
    )
    return formation


def _group_names(programme: Programme, stem: str, count: int) -> list[str]:
    """``count`` names "<stem> 1", "<stem> 2"..., skipping names the programme's
    groups already have; the stem is the programme's name and "group" by default."""
    stem = " ".join(stem.split()) or f"{programme.name} group"
    taken = set(Group.objects.filter(programme=programme).values_list("name", flat=True))
    names: list[str] = []
    number = 0
    while len(names) < count:
        number += 1
        suffix = f" {number}"
        name = stem[: GROUP_NAME_LENGTH - len(suffix)].rstrip() + suffix
        if name not in taken:
            names.append(name)
    return names


@transaction.atomic
def formation_create(*, actor: User, formation: GroupFormation, name_stem: str = "") -> list[Group]:
    """Create the proposed groups, through the programmes services (which check
    keep-apart rules and training again, as the records stand now), all or
    nothing. Refused unless this is the programme's latest proposal and the
    students to place are still the ones it placed."""
    require_manager(actor, formation.school)
    programme = Programme.objects.select_for_update().get(pk=formation.programme_id)
    formation = GroupFormation.objects.select_for_update().get(pk=formation.pk)
    if formation.status == GroupFormation.Status.CREATED:
        raise ValidationError("These groups have already been created.")
    if formation.status == GroupFormation.Status.DISCARDED:
        raise ValidationError("This proposal was set aside: run it again to form groups.")
    latest = latest_proposed(programme)
    if latest is None or latest.pk != formation.pk:
        raise ValidationError(
            "There is a later proposal for this programme: create that one, or run it again."
        )
    _require_group_programme(programme)
    inputs = formation_inputs(programme)
    if inputs.student_ids() != {s["id"] for s in formation.problem["students"]}:
        raise ValidationError(
            "The students to place have changed since these groups were proposed: run it again."
        )
    staff = {str(user.public_id): user for user in inputs.staff}
    proposed = formation.result["groups"]
    if any(group["facilitator"] not in staff for group in proposed):
        raise ValidationError(
            "Someone chosen to lead a group can no longer lead one: run it again."
        )
    students = {s.id: s.student for s in inputs.students}
    mentors = {
        str(m.public_id): m
        for m in MentorProfile.objects.filter(
            school=formation.school, public_id__in=[g["mentor"] for g in proposed if g["mentor"]]
        ).select_related("student")
    }
    max_size = formation.problem["settings"]["max_size"]
    created = []
    for group_data, name in zip(
        proposed, _group_names(programme, name_stem, len(proposed)), strict=True
    ):
        try:
            group = group_create(
                actor=actor,
                programme=programme,
                name=name,
                max_size=max_size,
                facilitators=[staff[group_data["facilitator"]]],
            )
            if group_data["mentor"]:
                mentor = mentors.get(group_data["mentor"])
                if mentor is None:
                    raise ValidationError("Its mentor is no longer a mentor.")
                group_add_co_facilitator(actor=actor, group=group, mentor=mentor)
            for student_id in group_data["students"]:
                group_add_member(actor=actor, group=group, student=students[student_id])
        except ValidationError as error:
            raise ValidationError(
                f"{name}: {' '.join(error.messages)} Nothing was created; run it again."
            ) from None
        created.append(group)
    _close(formation, actor, GroupFormation.Status.CREATED)
    audit_record(
        action="group_formation.created",
        actor=actor,
        school=formation.school,
        object_type="group_formation",
        object_public_id=formation.public_id,
        detail=f"{len(created)} groups created",
    )
    return created


@transaction.atomic
def formation_discard(*, actor: User, formation: GroupFormation) -> GroupFormation:
    """Set a proposal aside without creating its groups (it is kept, as every
    formation is)."""
    require_manager(actor, formation.school)
    formation = GroupFormation.objects.select_for_update().get(pk=formation.pk)
    if formation.status == GroupFormation.Status.CREATED:
        raise ValidationError("These groups have already been created.")
    if formation.status == GroupFormation.Status.DISCARDED:
        raise ValidationError("This proposal is already set aside.")
    _close(formation, actor, GroupFormation.Status.DISCARDED)
    audit_record(
        action="group_formation.set_aside",
        actor=actor,
        school=formation.school,
        object_type="group_formation",
        object_public_id=formation.public_id,
    )
    return formation
