"""Every write of concerns: raising a concern, safeguarding records (acknowledge,
add to the chronology, escalate, transfer), conflicts (the restorative steps,
keeping students apart while unresolved) and urgent words. Each is audited."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from functools import partial
from itertools import combinations
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.concerns.models import (
    Concern,
    ConcernKind,
    ConcernSettings,
    ConflictAccount,
    ConflictCase,
    ConflictStep,
    SafeguardingEntry,
    SafeguardingOutcome,
    SafeguardingTransfer,
    UrgentFlag,
    UrgentPhrase,
)
from peersupport.concerns.selectors import (
    concern_settings_of,
    conflict_next_step,
    fully_anonymous_allowed,
    names_in_a_list,
    safeguarding_due_at,
    safeguarding_leads,
    safeguarding_records_of,
    safeguarding_staff_choices,
)
from peersupport.lib.urgent_words import (
    compile_phrases,
    parse_phrase_list,
    phrase_problem,
    phrases_in,
    words,
)
from peersupport.meetings.models import CheckIn
from peersupport.programmes.models import Group, GroupMember, KeepApart, Mentorship
from peersupport.programmes.selectors import apart_from, school_managers
from peersupport.programmes.services import keep_apart_end, keep_apart_record
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_open, tasks_close_for

# ---------------------------------------------------------------- raising a concern

STAFF_WHO_RAISE = frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR})
CHILDREN_WHO_RAISE = frozenset({Role.MENTOR, Role.STUDENT})


@transaction.atomic
def concern_raise(
    *,
    actor: User,
    school: School,
    kind: str,
    text: str,
    students: Iterable[Student] = (),
    about_themself: bool = False,
    anonymous_to_students: bool = False,
    fully_anonymous: bool = False,
    characteristic: str = "",
    source: str = Concern.Source.OTHER,
    group: Group | None = None,
    mentorship: Mentorship | None = None,
    request: HttpRequest | None = None,
) -> Concern:
    """Pass a worry to the adults. Staff raise any kind; a peer mentor or a student
    raises one in plain words, about themself or someone else, and a student may ask
    that staff are not told who (only if the school allows fully anonymous reports:
    then nobody can come back to them). Safeguarding goes to the DSLs alone; any
    other kind becomes a task for the school's coordinators. The words of a student
    or mentor are checked for urgent phrases."""
    role = role_in(actor, school)
    if role not in STAFF_WHO_RAISE | CHILDREN_WHO_RAISE:
        raise PermissionDenied("Your role cannot raise a concern in this school.")
    text = (text or "").strip()
    students = list(students)
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = "Write what happened or what was said."
    if kind not in ConcernKind.values:
        errors["kind"] = "Choose what kind of concern it is."
    if characteristic and kind != ConcernKind.DISCRIMINATION:
        errors["characteristic"] = (
            "A characteristic is recorded only for discrimination, bullying or exclusion."
        )
    if fully_anonymous and role != Role.STUDENT:
        errors["fully_anonymous"] = "Only a student can report without staff knowing who."
    elif fully_anonymous and not fully_anonymous_allowed(school):
        errors["fully_anonymous"] = "This school does not take fully anonymous reports."
    if anonymous_to_students and role not in CHILDREN_WHO_RAISE:
        errors["anonymous_to_students"] = "Staff are never named to students anyway."
    if about_themself and role not in CHILDREN_WHO_RAISE:
        errors["about_themself"] = "Only a student or mentor raises a worry about themself."
    if any(student.school_id != school.pk for student in students):
        errors["students"] = "Every student named must be a student of this school."
    # Any student of the school may be named, whoever raises it: a disclosure can be
    # about any child, and naming one lets the raiser read nothing back. The forms
    # offer only the students each role may see (students_a_concern_may_name),
    # because a list of choices shows names.
    for name, linked in (("group", group), ("mentorship", mentorship)):
        if linked is not None and linked.school_id != school.pk:
            errors[name] = f"That {name} is not in this school."
    writer = None
    if role in CHILDREN_WHO_RAISE:
        writer = Student.objects.filter(school=school, user=actor).first()
        if about_themself and writer is None and not fully_anonymous:
            errors["about_themself"] = "Your account is not linked to your school record yet."
    if errors:
        raise ValidationError(errors)

    if about_themself and writer is not None and not fully_anonymous:
        # A fully anonymous worry about oneself names nobody: naming the writer
        # would tell staff who wrote it.
        students = [writer, *(s for s in students if s.pk != writer.pk)]
    concern = Concern(
        school=school,
        kind=kind,
        raised_by=None if fully_anonymous else actor,
        raised_as=role,
        anonymous_to_students=anonymous_to_students or fully_anonymous,
        fully_anonymous=fully_anonymous,
        about_themself=about_themself,
        text=text,
        characteristic=characteristic,
        source=source,
        group=group,
        mentorship=mentorship,
    )
    concern.full_clean()
    concern.save()
    concern.students.set(students)

    if kind == ConcernKind.SAFEGUARDING:
        safeguarding_raised(concern, request=None if fully_anonymous else request)
    if role in CHILDREN_WHO_RAISE:
        flag = urgent_check(
            school=school,
            text=text,
            source_type="concern",
            source_public_id=concern.public_id,
            student=None if fully_anonymous else writer,
        )
        if flag is not None:
            concern.urgent = True
            concern.save(update_fields=["urgent"])
    if kind != ConcernKind.SAFEGUARDING:
        link = reverse("concerns:detail", kwargs={"public_id": concern.public_id})
        for person in school_managers(school):
            if person.pk == actor.pk:
                continue  # they know: they raised it
            task_open(
                school=school,
                kind=TaskKind.CONCERN_NEW,
                title="Read a new concern and decide what to do",
                subject_type="concern",
                subject_public_id=concern.public_id,
                assigned_to=person,
                link=link,
            )
    audit_record(
        action="concern.raised",
        # A fully anonymous report leaves no trace of who wrote it, here either.
        actor=None if fully_anonymous else actor,
        role=role,
        school=school,
        object_type="concern",
        object_public_id=concern.public_id,
        request=None if fully_anonymous else request,
        detail=kind,
    )
    return concern


@transaction.atomic
def concern_close(
    *,
    actor: User,
    concern: Concern,
    response: str,
    support_given: str = "",
    request: HttpRequest | None = None,
) -> Concern:
    """Record how staff responded (and the support given to the person harmed) and
    close a concern: coordinators and DSLs. A safeguarding concern is not closed
    here (its record ends with an outcome entry), nor a conflict whose restorative
    work is still going on."""
    if role_in(actor, concern.school) not in (Role.COORDINATOR, Role.DSL):
        raise PermissionDenied("Only a coordinator or a DSL can close a concern.")
    if concern.kind == ConcernKind.SAFEGUARDING:
        raise ValidationError(
            "A safeguarding concern is closed by an outcome in its record, not here."
        )
    if concern.status == Concern.Status.CLOSED:
        raise ValidationError("This concern is already closed.")
    case = ConflictCase.objects.filter(concern=concern).first()
    if case is not None and case.stage != ConflictCase.Stage.RESOLVED:
        raise ValidationError("Resolve the conflict through its restorative steps first.")
    response = (response or "").strip()
    support_given = (support_given or "").strip()
    errors: dict[str, str] = {}
    if not response:
        errors["response"] = "Say how staff responded."
    if concern.kind == ConcernKind.DISCRIMINATION and not support_given:
        errors["support_given"] = "Say what support was given to the person harmed."
    if errors:
        raise ValidationError(errors)
    concern.response = response
    concern.support_given = support_given
    concern.status = Concern.Status.CLOSED
    concern.closed_by = actor
    concern.closed_at = timezone.now()
    concern.full_clean()
    concern.save(update_fields=["response", "support_given", "status", "closed_by", "closed_at"])
    tasks_close_for(
        actor=actor,
        school=concern.school,
        kind=TaskKind.CONCERN_NEW,
        subject_public_ids=[concern.public_id],
        why="the concern was closed",
    )
    audit_record(
        action="concern.closed",
        actor=actor,
        school=concern.school,
        object_type="concern",
        object_public_id=concern.public_id,
        request=request,
        detail=concern.kind,
    )
    return concern


# ---------------------------------------------------------------- safeguarding
#
# For whoever saves a safeguarding concern (concern_raise above):
#
#   safeguarding_raised(concern, *, request=None) -> None
#       Call it inside the same transaction, right after the concern (kind
#       "safeguarding") is saved. Every active DSL of the school gets a task and,
#       once the transaction commits, an e-mail holding a link and nothing else
#       (no details, no names). A school with no active DSL cannot be told: its
#       coordinators are warned (no details) to give someone the DSL role, and
#       ``run_escalations`` alerts the first DSL as soon as there is one.
#
#   selectors.receipt_for(concern) -> Receipt | None
#       Who acknowledged it and when (Receipt.name, Receipt.at), for the thank-you
#       page of the person who raised it; None until a DSL acknowledges it.
#
# A safeguarding record is never edited or deleted: there is no service for it, the
# model refuses it and a database trigger refuses it again. A mistake is corrected
# by a new entry that names the entry it corrects.

SAFEGUARDING_TASK_KIND = TaskKind.SAFEGUARDING_ACK


def _require_safeguarding_lead(actor: User, school: School) -> None:
    if role_in(actor, school) != Role.DSL:
        raise PermissionDenied("Only a Designated Safeguarding Lead can do this.")


def _require_safeguarding(concern: Concern) -> None:
    if concern.kind != ConcernKind.SAFEGUARDING:
        raise ValidationError("This is not a safeguarding concern.")


def _safeguarding_path(concern: Concern) -> str:
    return reverse("concerns:safeguarding_detail", kwargs={"public_id": concern.public_id})


def _email_after_commit(addresses: Iterable[str], subject: str, body: str) -> None:
    """One e-mail to each address, sent only if the transaction commits."""
    for address in addresses:
        if address:
            transaction.on_commit(
                partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [address])
            )


@transaction.atomic
def safeguarding_raised(concern: Concern, *, request: HttpRequest | None = None) -> None:
    """Tell the school's DSLs that a safeguarding concern is waiting: a task each, and
    an e-mail each after commit with a link only. With no DSL to tell, warn the
    coordinators instead (``no_dsl_warn``) and leave the concern waiting: the next
    ``run_escalations`` alerts the first DSL there is."""
    _require_safeguarding(concern)
    leads = safeguarding_leads(concern.school)
    if not leads:
        no_dsl_warn(concern.school, "a safeguarding concern")
        return
    _safeguarding_alert(concern, leads)


def _safeguarding_alert(concern: Concern, leads: list[User]) -> None:
    school = concern.school
    path = _safeguarding_path(concern)
    for lead in leads:
        task_open(
            school=school,
            kind=SAFEGUARDING_TASK_KIND,
            title="Acknowledge a new safeguarding concern (urgent)",
            subject_type="safeguarding_concern",
            subject_public_id=concern.public_id,
            assigned_to=lead,
            link=path,
            due_on=timezone.localdate(),
        )
    _email_after_commit(
        [lead.email for lead in leads],
        "A safeguarding concern needs acknowledging",
        f"A safeguarding concern has been raised at {school.name}. "
        "A Designated Safeguarding Lead needs to read and acknowledge it now.\n\n"
        f"Sign in to see it: {settings.SITE_URL.rstrip('/')}{path}",
    )
    audit_record(
        action="safeguarding.alerted",
        school=school,
        object_type="concern",
        object_public_id=concern.public_id,
        detail=f"{len(leads)} DSL(s) told",
    )


def _safeguarding_alerted(concern: Concern) -> bool:
    """Whether any DSL has been told of this concern (each told DSL got a task)."""
    return Task.objects.filter(
        school=concern.school,
        kind=SAFEGUARDING_TASK_KIND,
        subject_public_id=concern.public_id,
    ).exists()


def no_dsl_warn(school: School, what: str) -> None:
    """Nobody holds the DSL role at the school, so ``what`` (a safeguarding concern,
    urgent words) cannot reach anyone who may read it. Give each coordinator one
    task, and an e-mail when the task is new, to give someone the role: no details,
    for they may not read them. Closed by ``no_dsl_resolved`` once there is a DSL."""
    path = reverse("accounts:staff_list")
    for person in school_managers(school):
        _, created = task_open(
            school=school,
            kind=TaskKind.NO_DSL,
            title="Give your Designated Safeguarding Lead the DSL role now (urgent)",
            subject_type="school",
            subject_public_id=school.public_id,
            assigned_to=person,
            link=path,
            due_on=timezone.localdate(),
        )
        if not created:
            continue
        _email_after_commit(
            [person.email],
            "Urgent: nobody can receive safeguarding alerts",
            f"Something at {school.name} ({what}) needs a Designated Safeguarding "
            "Lead, but nobody holds the DSL role here, so nobody can read it. "
            "Give your DSL (and any deputy) the DSL role now; they will be alerted "
            "as soon as they have it.\n\n"
            f"Sign in to do it: {settings.SITE_URL.rstrip('/')}{path}",
        )
        audit_record(
            action="safeguarding.no_dsl",
            school=school,
            object_type="school",
            object_public_id=school.public_id,
            detail=f"coordinator warned: {what} is waiting",
        )


def no_dsl_resolved(school: School) -> None:
    """The school has a DSL again: its coordinators' warnings are done."""
    tasks_close_for(
        actor=None,
        school=school,
        kind=TaskKind.NO_DSL,
        subject_public_ids=[school.public_id],
        why="a member of staff now holds the DSL role",
    )


@transaction.atomic
def safeguarding_acknowledge(
    *, actor: User, concern: Concern, request: HttpRequest | None = None
) -> Concern:
    """A DSL says they have received the concern and are dealing with it. Recorded
    once; it stops the escalation and closes every DSL's task for it."""
    _require_safeguarding_lead(actor, concern.school)
    _require_safeguarding(concern)
    # Two DSLs pressing at once: the row lock makes one of them the first.
    concern = (
        Concern.objects.select_for_update(of=("self",))
        .select_related("acknowledged_by")
        .get(pk=concern.pk)
    )
    if concern.acknowledged_at is not None:
        who = concern.acknowledged_by.full_name if concern.acknowledged_by else "A DSL"
        when = timezone.localtime(concern.acknowledged_at)
        raise ValidationError(
            f"{who} already acknowledged this concern on {when:%d/%m/%Y at %H:%M}."
        )
    concern.acknowledged_by = actor
    concern.acknowledged_at = timezone.now()
    concern.full_clean()
    concern.save(update_fields=["acknowledged_by", "acknowledged_at"])
    tasks_close_for(
        actor=actor,
        school=concern.school,
        kind=SAFEGUARDING_TASK_KIND,
        subject_public_ids=[concern.public_id],
        why="a DSL acknowledged the safeguarding concern",
    )
    audit_record(
        action="safeguarding.acknowledged",
        actor=actor,
        role=Role.DSL,
        school=concern.school,
        object_type="concern",
        object_public_id=concern.public_id,
        request=request,
    )
    return concern


def escalation_contact(rules: ConcernSettings) -> User | None:
    """The school's named deputy or head teacher, if they can still be told and can
    open the record: an active account holding the DSL role at the school. None
    otherwise (the role was taken away since it was named)."""
    named = rules.escalate_to
    if named is None or not named.is_active:
        return None
    return named if role_in(named, rules.school) == Role.DSL else None


def _safeguarding_escalate(
    concern: Concern, rules: ConcernSettings, now: datetime.datetime, why: str
) -> bool:
    """Escalate once: to the school's named deputy or head teacher (if they still
    hold the DSL role) and every DSL again. Never to the coordinators: they do not
    see safeguarding concerns. With nobody to tell, warn the coordinators that there
    is no DSL and leave it to escalate on a later run. Returns whether anyone was
    told."""
    named = escalation_contact(rules)
    leads = safeguarding_leads(concern.school)
    told = ([named] if named is not None else []) + [
        lead for lead in leads if named is None or lead.pk != named.pk
    ]
    if not told:
        no_dsl_warn(concern.school, "a safeguarding concern nobody has acknowledged")
        return False
    concern.escalated_to = named
    concern.escalated_at = now
    concern.save(update_fields=["escalated_to", "escalated_at"])
    raised = timezone.localtime(concern.created_at)
    _email_after_commit(
        [person.email for person in told],
        "ESCALATED: a safeguarding concern has not been acknowledged",
        f"A safeguarding concern raised at {concern.school.name} on "
        f"{raised:%d/%m/%Y at %H:%M} has not been acknowledged: {why}. "
        "Please make sure a Designated Safeguarding Lead reads and acknowledges it "
        "now.\n\n"
        f"Sign in to see it: {settings.SITE_URL.rstrip('/')}{_safeguarding_path(concern)}",
    )
    if named is not None:
        whom = f"the named deputy or head teacher and {len(told) - 1} other DSL(s)"
    else:
        whom = f"every DSL ({len(told)}); no named deputy or head teacher"
    audit_record(
        action="safeguarding.escalated",
        school=concern.school,
        object_type="concern",
        object_public_id=concern.public_id,
        detail=f"{why}; told {whom}",
    )
    return True


@transaction.atomic
def safeguarding_escalate_due(
    *, school: School, now: datetime.datetime | None = None
) -> list[Concern]:
    """Run every few minutes by ``manage.py run_escalations``. First, alert the DSLs
    to any concern raised while the school had none. Then escalate every
    safeguarding concern that no DSL has acknowledged within the school's time
    (counted in school hours): each once, an acknowledged one never. Returns the
    concerns escalated now."""
    now = now if now is not None else timezone.now()
    rules = concern_settings_of(school)
    waiting = list(
        Concern.objects.select_for_update()
        .filter(
            school=school,
            kind=ConcernKind.SAFEGUARDING,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
        )
        .order_by("created_at", "pk")
    )
    leads = safeguarding_leads(school)
    if leads:
        no_dsl_resolved(school)
    escalated = []
    for concern in waiting:
        if leads and not _safeguarding_alerted(concern):
            _safeguarding_alert(concern, leads)
        if safeguarding_due_at(concern, rules) > now:
            continue
        if _safeguarding_escalate(
            concern,
            rules,
            now,
            f"no DSL acknowledged it within {rules.acknowledge_within_minutes} minutes "
            "of school time",
        ):
            escalated.append(concern)
    return escalated


@transaction.atomic
def safeguarding_add_entry(
    *,
    actor: User,
    concern: Concern,
    kind: str,
    text: str,
    outcome: str = "",
    corrects: SafeguardingEntry | None = None,
    students: Iterable[Student] = (),
    staff: Iterable[User] = (),
    request: HttpRequest | None = None,
) -> SafeguardingEntry:
    """Add an entry to a safeguarding record's chronology: what was seen or said (in
    the child's words where possible), an action, a decision, an outcome, or a
    correction of an earlier entry. Entries are never edited or deleted. An
    outcome entry closes the record."""
    _require_safeguarding_lead(actor, concern.school)
    _require_safeguarding(concern)
    school = concern.school
    text = (text or "").strip()
    students = list(students)
    staff = list(staff)
    errors: dict[str, str] = {}
    if concern.acknowledged_at is None:
        raise ValidationError("Acknowledge the concern before adding to its record.")
    if kind not in SafeguardingEntry.Kind.values:
        errors["kind"] = "Choose what kind of entry this is."
    if kind == SafeguardingEntry.Kind.OUTCOME and not outcome:
        errors["outcome"] = "Choose the outcome."
    elif outcome and kind != SafeguardingEntry.Kind.OUTCOME:
        errors["outcome"] = "An outcome is given only in an outcome entry."
    elif outcome and outcome not in SafeguardingOutcome.values:
        errors["outcome"] = "Choose one of the outcomes listed."
    if not text and outcome == SafeguardingOutcome.NO_FURTHER_ACTION:
        errors["text"] = "Say why no further action is needed."
    elif not text:
        errors["text"] = "Write what was seen or said, done or decided."
    if kind == SafeguardingEntry.Kind.CORRECTION and corrects is None:
        errors["corrects"] = "Choose the entry this corrects."
    elif corrects is not None and kind != SafeguardingEntry.Kind.CORRECTION:
        errors["corrects"] = "Only a correction names an entry it corrects."
    elif corrects is not None and corrects.concern_id != concern.pk:
        errors["corrects"] = "A correction must name an entry of this same record."
    if any(student.school_id != school.pk for student in students):
        errors["students"] = "Every student linked must be a student of this school."
    allowed_staff = set(
        safeguarding_staff_choices(school)
        .filter(pk__in=[person.pk for person in staff])
        .values_list("pk", flat=True)
    )
    if any(person.pk not in allowed_staff for person in staff):
        errors["staff"] = "Every member of staff named must work at this school."
    if errors:
        raise ValidationError(errors)
    entry = SafeguardingEntry(
        school=school,
        concern=concern,
        kind=kind,
        text=text,
        outcome=outcome,
        corrects=corrects,
        written_by=actor,
    )
    entry.full_clean()
    entry.save()
    entry.students.set(students)
    entry.staff_involved.set(staff)
    if kind == SafeguardingEntry.Kind.OUTCOME and concern.status == Concern.Status.OPEN:
        concern.status = Concern.Status.CLOSED
        concern.closed_by = actor
        concern.closed_at = timezone.now()
        concern.save(update_fields=["status", "closed_by", "closed_at"])
    audit_record(
        action="safeguarding.entry_added",
        actor=actor,
        role=Role.DSL,
        school=school,
        object_type="concern",
        object_public_id=concern.public_id,
        request=request,
        detail=kind,
    )
    return entry


@transaction.atomic
def safeguarding_transfer_record(
    *,
    actor: User,
    student: Student,
    recipient_school: str,
    recipient_name: str,
    recipient_email: str = "",
    sent_on: datetime.date,
    request: HttpRequest | None = None,
) -> SafeguardingTransfer:
    """Record that a leaving student's safeguarding file was sent to the DSL of their
    new school: when, to whom. Receipt is confirmed later."""
    _require_safeguarding_lead(actor, student.school)
    if not safeguarding_records_of(student).exists():
        raise ValidationError("This student has no safeguarding record to transfer.")
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": "The date it was sent cannot be in the future."})
    transfer = SafeguardingTransfer(
        school=student.school,
        student=student,
        recipient_school=(recipient_school or "").strip(),
        recipient_name=(recipient_name or "").strip(),
        recipient_email=(recipient_email or "").strip(),
        sent_on=sent_on,
        sent_by=actor,
    )
    transfer.full_clean()
    transfer.save()
    audit_record(
        action="safeguarding.transferred",
        actor=actor,
        role=Role.DSL,
        school=student.school,
        object_type="student",
        object_public_id=student.public_id,
        request=request,
        detail="safeguarding file sent to the receiving school's DSL",
    )
    return transfer


@transaction.atomic
def safeguarding_transfer_confirm_receipt(
    *,
    actor: User,
    transfer: SafeguardingTransfer,
    on: datetime.date,
    request: HttpRequest | None = None,
) -> SafeguardingTransfer:
    """Record the day the receiving school confirmed it had the file. Once."""
    _require_safeguarding_lead(actor, transfer.school)
    if transfer.receipt_confirmed_on is not None:
        raise ValidationError("Receipt of this file has already been recorded.")
    if on < transfer.sent_on:
        raise ValidationError({"on": "The file cannot have arrived before it was sent."})
    if on > timezone.localdate():
        raise ValidationError({"on": "The date of receipt cannot be in the future."})
    transfer.receipt_confirmed_on = on
    transfer.receipt_recorded_by = actor
    transfer.full_clean()
    transfer.save(update_fields=["receipt_confirmed_on", "receipt_recorded_by"])
    audit_record(
        action="safeguarding.transfer_received",
        actor=actor,
        role=Role.DSL,
        school=transfer.school,
        object_type="student",
        object_public_id=transfer.student.public_id,
        request=request,
        detail="the receiving school confirmed receipt",
    )
    return transfer


# ---------------------------------------------------------------- settings

# Who may change which of a school's concern rules: the safeguarding ones are the
# DSLs' alone; the rest the coordinators' and the DSLs'.
SAFEGUARDING_SETTINGS = (
    "acknowledge_within_minutes",
    "escalate_to",
    "school_day_starts",
    "school_day_ends",
)
REPORTING_SETTINGS = ("fully_anonymous_reporting", "conflict_resolve_within_days")


@transaction.atomic
def concern_settings_save(
    *, actor: User, school: School, request: HttpRequest | None = None, **values: Any
) -> ConcernSettings:
    """Change some of the school's rules for concerns. The safeguarding rules (how
    soon a DSL must acknowledge, whom it escalates to, the school day) only a DSL
    may change; whom it escalates to must hold the DSL role here, or the e-mail's
    link would not let them in. Audited with the names of what changed."""
    role = role_in(actor, school)
    unknown = set(values) - set(SAFEGUARDING_SETTINGS) - set(REPORTING_SETTINGS)
    if unknown:
        raise ValueError(f"Unknown concern settings: {', '.join(sorted(unknown))}.")
    if role not in (Role.COORDINATOR, Role.DSL):
        raise PermissionDenied("Only a coordinator or a DSL can change these settings.")
    if role != Role.DSL and set(values) & set(SAFEGUARDING_SETTINGS):
        raise PermissionDenied("Only a Designated Safeguarding Lead can change these settings.")
    rules = ConcernSettings.objects.select_for_update().filter(school=school).first()
    if rules is None:
        rules = ConcernSettings(school=school)
    changed = sorted(name for name, value in values.items() if getattr(rules, name) != value)
    for name, value in values.items():
        setattr(rules, name, value)
    errors: dict[str, str] = {}
    named = values.get("escalate_to")
    if named is not None and (not named.is_active or role_in(named, school) != Role.DSL):
        errors["escalate_to"] = (
            f"{named.full_name} does not hold the DSL role at this school, so could "
            "not open the record. Give them the DSL role first (a deputy DSL or the "
            "head teacher may hold it)."
        )
    if rules.school_day_starts >= rules.school_day_ends:
        errors["school_day_ends"] = "The school day must end after it starts."
    if errors:
        raise ValidationError(errors)
    rules.full_clean(validate_constraints=False)
    rules.save()
    if changed:
        audit_record(
            action="concern_settings.changed",
            actor=actor,
            role=role,
            school=school,
            object_type="school",
            object_public_id=school.public_id,
            request=request,
            detail=", ".join(changed),
        )
    return rules


# ---------------------------------------------------------------- conflicts

CONFLICT_MANAGERS = (Role.COORDINATOR, Role.DSL)
KEEP_APART_REASON = "Conflict being resolved"
ORDER = (
    "Steps go in order: a preparation conversation with each student, the restorative "
    "meeting, the agreement, then a follow-up check."
)
CONFLICT_TASK_KIND = TaskKind.CONFLICT_OVERDUE


def _runs_group(actor: User, group: Group | None) -> bool:
    return group is not None and group.facilitators.filter(pk=actor.pk).exists()


def _require_conflict_staff(actor: User, case: ConflictCase) -> None:
    """Coordinators and DSLs work on every conflict; a facilitator on the conflicts
    in the groups they run."""
    role = role_in(actor, case.school)
    if role in CONFLICT_MANAGERS:
        return
    if role == Role.FACILITATOR and _runs_group(actor, case.group):
        return
    raise PermissionDenied("Only a coordinator, a DSL or the group's facilitator can do this.")


def _require_conflict_manager(actor: User, case: ConflictCase) -> None:
    if role_in(actor, case.school) not in CONFLICT_MANAGERS:
        raise PermissionDenied("Only a coordinator or a DSL can keep students apart.")


def _require_unresolved(case: ConflictCase) -> None:
    if case.stage == ConflictCase.Stage.RESOLVED:
        raise ValidationError("This conflict is resolved: nothing more is added to it.")


@transaction.atomic
def conflict_open(
    *,
    actor: User,
    concern: Concern,
    students: Iterable[Student],
    group: Group | None = None,
    mentorship: Mentorship | None = None,
    request: HttpRequest | None = None,
) -> ConflictCase:
    """Open the restorative record of a conflict concern, naming the students
    involved and the group or mentorship it happened in. Coordinators and DSLs open
    any; a facilitator one in a group they run, naming students of their groups.

    The record counts from when the worry was raised (the concern), so that time
    to resolution and escalation measure what the students lived through."""
    school = concern.school
    if concern.kind != ConcernKind.CONFLICT:
        raise ValidationError("Only a conflict between students gets a conflict record.")
    role = role_in(actor, school)
    if role not in CONFLICT_MANAGERS:
        if role != Role.FACILITATOR or not _runs_group(actor, group):
            raise PermissionDenied(
                "A coordinator, a DSL or the facilitator of the group opens a conflict record."
            )
        if mentorship is not None:
            raise PermissionDenied("Only a coordinator or a DSL can link a mentorship.")
    if ConflictCase.objects.filter(concern=concern).exists():
        raise ValidationError("This concern already has a conflict record.")
    chosen = list({student.pk: student for student in students}.values())
    errors: dict[str, str] = {}
    if len(chosen) < 2:
        errors["students"] = "Choose at least two students: a conflict is between people."
    elif any(student.school_id != school.pk for student in chosen):
        errors["students"] = "Every student must be a student of this school."
    elif role == Role.FACILITATOR:
        in_own_groups = set(
            GroupMember.objects.filter(
                school=school, group__facilitators=actor, left_on__isnull=True
            ).values_list("student_id", flat=True)
        )
        if any(student.pk not in in_own_groups for student in chosen):
            errors["students"] = "You can name only students in the groups you run."
    for name, linked in (("group", group), ("mentorship", mentorship)):
        if linked is not None and linked.school_id != school.pk:
            errors[name] = f"That {name} is not in this school."
    if errors:
        raise ValidationError(errors)
    case = ConflictCase(school=school, concern=concern, group=group, mentorship=mentorship)
    case.full_clean(validate_constraints=False)
    case.save()
    case.students.set(chosen)
    # raised_at is set on creation (auto_now_add); it counts from the worry.
    ConflictCase.objects.filter(pk=case.pk).update(raised_at=concern.created_at)
    case.raised_at = concern.created_at
    audit_record(
        action="conflict.opened",
        actor=actor,
        school=school,
        object_type="conflict",
        object_public_id=case.public_id,
        request=request,
        detail=f"{len(chosen)} students",
    )
    return case


@transaction.atomic
def conflict_add_account(
    *,
    actor: User,
    case: ConflictCase,
    student: Student,
    account: str,
    request: HttpRequest | None = None,
) -> ConflictAccount:
    """Record what happened in one student's own words."""
    _require_conflict_staff(actor, case)
    _require_unresolved(case)
    errors: dict[str, str] = {}
    if not case.students.filter(pk=student.pk).exists():
        errors["student"] = "Choose one of the students involved in this conflict."
    if not (account or "").strip():
        errors["account"] = "Write what happened, in their words."
    if errors:
        raise ValidationError(errors)
    row = ConflictAccount(
        school=case.school, case=case, student=student, account=account.strip(), recorded_by=actor
    )
    row.full_clean(validate_constraints=False)
    row.save()
    audit_record(
        action="conflict.account_added",
        actor=actor,
        school=case.school,
        object_type="conflict",
        object_public_id=case.public_id,
        request=request,
    )
    return row


def _next_step_message(case: ConflictCase) -> str:
    needs = conflict_next_step(case)
    if needs.step == ConflictStep.Kind.PREPARATION:
        names = names_in_a_list(list(needs.unprepared))
        return f"{ORDER} First hold a preparation conversation with {names}."
    if needs.step == ConflictStep.Kind.MEETING:
        return f"{ORDER} Next comes the restorative meeting."
    if needs.step == ConflictStep.Kind.AGREEMENT:
        return f"{ORDER} Next comes the agreement."
    return f"{ORDER} Next comes a follow-up check of the agreement."


def _clean_actions(actions: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The agreement's actions, each with who will do it; blank rows are dropped."""
    cleaned = []
    for row in actions:
        action = (row.get("action") or "").strip()
        owner = (row.get("owner") or "").strip()
        if not action and not owner:
            continue
        if not action or not owner:
            raise ValidationError(
                {"actions": "Give every action an owner, and every owner an action."}
            )
        cleaned.append({"action": action, "owner": owner})
    if not cleaned:
        raise ValidationError({"actions": "Write at least one action, with who will do it."})
    return cleaned


def _step_date_problem(case: ConflictCase, kind: str, held_on: datetime.date) -> str:
    """Why a step cannot be dated ``held_on``, or "" when it can. No step comes
    before the worry was raised, nor before the step it follows. Preparation
    conversations with different students may be held in any order among
    themselves, so one is held back only by the steps that are not preparation (a
    preparation after a broken agreement comes after that follow-up)."""
    raised_on = timezone.localdate(case.raised_at)
    if held_on < raised_on:
        return (
            "This step cannot come before the conflict was raised "
            f"({raised_on.day} {raised_on:%B %Y})."
        )
    earlier = case.steps.all()
    if kind == ConflictStep.Kind.PREPARATION:
        earlier = earlier.exclude(kind=ConflictStep.Kind.PREPARATION)
    latest = earlier.order_by("-held_on").values_list("held_on", flat=True).first()
    if latest is not None and held_on < latest:
        return f"This step cannot come before the one before it ({latest.day} {latest:%B %Y})."
    return ""


@transaction.atomic
def conflict_record_step(
    *,
    actor: User,
    case: ConflictCase,
    kind: str,
    held_on: datetime.date,
    student: Student | None = None,
    what_happened: str = "",
    who_was_affected: str = "",
    put_right: str = "",
    actions: Iterable[dict[str, str]] = (),
    follow_up_on: datetime.date | None = None,
    follow_up: str = "",
    notes: str = "",
    request: HttpRequest | None = None,
) -> ConflictStep:
    """Record one restorative step, in order: a preparation conversation with each
    student before the meeting; the meeting (all three restorative questions
    answered) before the agreement; the agreement (actions with owners, and a
    follow-up date) before a follow-up check. A follow-up finds the agreement
    holding (check again later), broken (back to a new meeting) or resolved.
    A step out of order is refused with what comes next, and so is a step dated
    in the future, before the conflict was raised or before the step it follows."""
    # Two members of staff recording at once: the row lock makes them take turns,
    # and the order checks read the stage the other one left, not the stage their
    # page was showing.
    caller_case = case
    case = (
        ConflictCase.objects.select_for_update(of=("self",))
        .select_related("school", "group")
        .get(pk=caller_case.pk)
    )
    _require_conflict_staff(actor, case)
    _require_unresolved(case)
    if kind not in ConflictStep.Kind.values:
        raise ValidationError({"kind": "Choose which step this is."})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "Record a step once it has happened: not a future date."})
    stage = case.stage
    Stage = ConflictCase.Stage
    allowed = {
        ConflictStep.Kind.PREPARATION: stage in (Stage.RAISED, Stage.PREPARING),
        ConflictStep.Kind.MEETING: conflict_next_step(case).step == ConflictStep.Kind.MEETING,
        ConflictStep.Kind.AGREEMENT: stage == Stage.MET,
        ConflictStep.Kind.FOLLOW_UP: stage == Stage.AGREED,
    }
    if not allowed[ConflictStep.Kind(kind)]:
        raise ValidationError(_next_step_message(case))
    step = ConflictStep(
        school=case.school, case=case, kind=kind, held_on=held_on, recorded_by=actor
    )
    step.notes = (notes or "").strip()
    errors: dict[str, str] = {}
    if kind == ConflictStep.Kind.PREPARATION:
        if student is None or not case.students.filter(pk=student.pk).exists():
            errors["student"] = "Choose which of the students this conversation was with."
        step.student = student
    date_problem = _step_date_problem(case, kind, held_on)
    if date_problem:
        errors["held_on"] = date_problem
    if kind == ConflictStep.Kind.MEETING:
        answers = {
            "what_happened": (what_happened, "Write what happened."),
            "who_was_affected": (who_was_affected, "Write who has been affected, and how."),
            "put_right": (put_right, "Write what needs to happen to put things right."),
        }
        for field, (answer, missing) in answers.items():
            if not (answer or "").strip():
                errors[field] = missing
            setattr(step, field, (answer or "").strip())
    if kind == ConflictStep.Kind.AGREEMENT:
        try:
            step.actions = _clean_actions(actions)
        except ValidationError as error:
            errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
        if follow_up_on is None:
            errors["follow_up_on"] = "Choose when to check how the agreement is going."
        elif follow_up_on < held_on:
            errors["follow_up_on"] = "The follow-up comes after the agreement is made."
        step.follow_up_on = follow_up_on
    if kind == ConflictStep.Kind.FOLLOW_UP:
        if follow_up not in ConflictStep.FollowUp.values:
            errors["follow_up"] = "Choose how the agreement is going: holding, broken or resolved."
        step.follow_up = follow_up
    if errors:
        raise ValidationError(errors)
    step.full_clean(validate_constraints=False)
    step.save()

    if kind == ConflictStep.Kind.PREPARATION:
        next_stage = Stage.PREPARING
    elif kind == ConflictStep.Kind.MEETING:
        next_stage = Stage.MET
    elif kind == ConflictStep.Kind.AGREEMENT or follow_up == ConflictStep.FollowUp.HOLDING:
        next_stage = Stage.AGREED
    elif follow_up == ConflictStep.FollowUp.BROKEN:
        # The students were prepared already; they need a new restorative meeting.
        next_stage = Stage.PREPARING
    else:
        next_stage = Stage.RESOLVED
    case.stage = next_stage
    fields = ["stage"]
    if next_stage == Stage.RESOLVED:
        case.resolved_at = timezone.now()
        fields.append("resolved_at")
        tasks_close_for(
            actor=actor,
            school=case.school,
            kind=CONFLICT_TASK_KIND,
            subject_public_ids=[case.public_id],
            why="the conflict was resolved",
        )
    case.save(update_fields=fields)
    # The caller's copy shows the new stage too, as the saved row does.
    caller_case.stage, caller_case.resolved_at = case.stage, case.resolved_at
    audit_record(
        action="conflict.step_recorded",
        actor=actor,
        school=case.school,
        object_type="conflict",
        object_public_id=case.public_id,
        request=request,
        detail=f"{kind}: {follow_up}" if follow_up else kind,
    )
    return step


@transaction.atomic
def conflict_keep_apart(
    *, actor: User, case: ConflictCase, request: HttpRequest | None = None
) -> list[KeepApart]:
    """While a conflict is unresolved, keep its students apart: a keep-apart rule in
    programmes for each pair, so groups and matching honour it. Pairs already kept
    apart by another rule are left to that rule (lifting this conflict's rules
    will not end it)."""
    _require_conflict_manager(actor, case)
    _require_unresolved(case)
    students = sorted(case.students.all(), key=lambda student: student.pk)
    created = []
    for first, second in combinations(students, 2):
        if apart_from(first, [second]):
            continue
        created.append(
            keep_apart_record(actor=actor, first=first, second=second, reason=KEEP_APART_REASON)
        )
    if not created:
        raise ValidationError("These students are already kept apart.")
    case.keep_apart.add(*created)
    audit_record(
        action="conflict.kept_apart",
        actor=actor,
        school=case.school,
        object_type="conflict",
        object_public_id=case.public_id,
        request=request,
        detail=f"{len(created)} pairs",
    )
    return created


@transaction.atomic
def conflict_lift_keep_apart(
    *,
    actor: User,
    case: ConflictCase,
    before_resolved: bool = False,
    request: HttpRequest | None = None,
) -> int:
    """End this conflict's keep-apart rules: when it is resolved, or earlier only if
    a coordinator or DSL says so explicitly (``before_resolved``). Returns how many
    rules ended."""
    _require_conflict_manager(actor, case)
    rules = list(case.keep_apart.filter(ended_at__isnull=True))
    if not rules:
        raise ValidationError("These students are not kept apart for this conflict.")
    resolved = case.stage == ConflictCase.Stage.RESOLVED
    if not resolved and not before_resolved:
        raise ValidationError(
            "The conflict is not resolved yet. To let the students be placed together "
            "before then, confirm that you mean to lift it early."
        )
    why = "conflict resolved" if resolved else "lifted before the conflict was resolved"
    for rule in rules:
        keep_apart_end(actor=actor, rule=rule, why=why)
    audit_record(
        action="conflict.keep_apart_lifted",
        actor=actor,
        school=case.school,
        object_type="conflict",
        object_public_id=case.public_id,
        request=request,
        detail=why,
    )
    return len(rules)


def conflict_resolve_within_days(school: School) -> int:
    """After how many days an unresolved conflict goes to the coordinator."""
    days = (
        ConcernSettings.objects.filter(school=school)
        .values_list("conflict_resolve_within_days", flat=True)
        .first()
    )
    if days is None:
        return int(ConcernSettings._meta.get_field("conflict_resolve_within_days").default)
    return days


@transaction.atomic
def conflicts_escalate_overdue(*, school: School, now: datetime.datetime | None = None) -> int:
    """Give the coordinators a task for each conflict still unresolved after the
    school's number of days (the daily ``run_conflict_escalations`` command).
    Each conflict escalates once. Returns how many escalated now."""
    now = now or timezone.now()
    days = conflict_resolve_within_days(school)
    overdue = ConflictCase.objects.filter(
        school=school,
        escalated_at__isnull=True,
        resolved_at__isnull=True,
        raised_at__lte=now - datetime.timedelta(days=days),
    ).exclude(stage=ConflictCase.Stage.RESOLVED)
    escalated = 0
    for case in overdue:
        # Claimed by a conditional update, so two runs at once escalate it once.
        if not ConflictCase.objects.filter(pk=case.pk, escalated_at__isnull=True).update(
            escalated_at=now
        ):
            continue
        escalated += 1
        link = reverse("concerns:conflict_detail", kwargs={"public_id": case.public_id})
        for person in school_managers(school):
            task_open(
                school=school,
                kind=CONFLICT_TASK_KIND,
                title=f"A conflict is unresolved after {days} days: help it along",
                subject_type="conflict",
                subject_public_id=case.public_id,
                assigned_to=person,
                link=link,
                due_on=timezone.localdate(now),
            )
        audit_record(
            action="conflict.escalated",
            school=school,
            object_type="conflict",
            object_public_id=case.public_id,
            detail=f"unresolved after {days} days",
        )
    return escalated


# ---------------------------------------------------------------- urgent words

URGENT_PHRASES_FILE = Path(__file__).with_name("urgent_phrases.txt")
URGENT_TASK_KIND = TaskKind.URGENT_REVIEW


def shipped_urgent_phrases() -> list[str]:
    """The starting list every school is given (concerns/urgent_phrases.txt)."""
    return parse_phrase_list(URGENT_PHRASES_FILE.read_text(encoding="utf-8"))


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(words(phrase, wildcards=True))


@transaction.atomic
def urgent_phrases_install(*, school: School) -> int:
    """Give the school the shipped phrases it does not have yet; returns how many
    were added. The school's edits are kept: a phrase its DSLs turned off stays
    off, and phrases they added stay. Safe to run again after the file changes."""
    held = {_phrase_key(p.phrase) for p in UrgentPhrase.objects.filter(school=school)}
    added = 0
    for phrase in shipped_urgent_phrases():
        key = _phrase_key(phrase)
        if key in held or phrase_problem(phrase):
            continue
        held.add(key)
        row = UrgentPhrase(school=school, phrase=phrase)
        row.full_clean(validate_constraints=False)
        row.save()
        added += 1
    if added:
        audit_record(
            action="urgent_phrases.installed",
            school=school,
            object_type="urgent_phrase",
            detail=f"{added} phrases from the shipped list",
        )
    return added


@transaction.atomic
def urgent_phrase_add(*, actor: User, school: School, phrase: str) -> UrgentPhrase:
    """A DSL adds a phrase to the school's list (or turns an equivalent one back on)."""
    _require_safeguarding_lead(actor, school)
    phrase = " ".join(phrase.split())
    problem = phrase_problem(phrase)
    if problem:
        raise ValidationError({"phrase": problem})
    key = _phrase_key(phrase)
    for existing in UrgentPhrase.objects.filter(school=school):
        if _phrase_key(existing.phrase) != key:
            continue
        if existing.active:
            raise ValidationError(
                {"phrase": f"The list already has this phrase (as \u201c{existing.phrase}\u201d)."}
            )
        return urgent_phrase_set_active(actor=actor, phrase=existing, active=True)
    row = UrgentPhrase(school=school, phrase=phrase, added_by=actor)
    row.full_clean(validate_constraints=False)
    row.save()
    audit_record(
        action="urgent_phrase.added",
        actor=actor,
        school=school,
        object_type="urgent_phrase",
        object_public_id=row.public_id,
    )
    return row


@transaction.atomic
def urgent_phrase_set_active(*, actor: User, phrase: UrgentPhrase, active: bool) -> UrgentPhrase:
    """A DSL turns a phrase off (it stops flagging) or on again. Phrases are never
    deleted, so installing the shipped list again cannot bring one back."""
    _require_safeguarding_lead(actor, phrase.school)
    if phrase.active == active:
        return phrase
    phrase.active = active
    phrase.save(update_fields=["active"])
    audit_record(
        action="urgent_phrase.turned_on" if active else "urgent_phrase.turned_off",
        actor=actor,
        school=phrase.school,
        object_type="urgent_phrase",
        object_public_id=phrase.public_id,
    )
    return phrase


@transaction.atomic
def urgent_check(
    *,
    school: School,
    text: str,
    source_type: str,
    source_public_id: uuid.UUID,
    student: Student | None = None,
) -> UrgentFlag | None:
    """Check free text a student or mentor wrote against the school's urgent
    phrases. Call it from the service that stores the text, after storing it: it
    never refuses or changes the text. On a match it flags the text for urgent
    review, gives every DSL a task and an e-mail (sent after commit, a link only),
    and audits; it returns the flag, or None when nothing matched.

    One source is flagged once: checking the same text again returns the flag it
    already has, and a new flag (and alert) comes only if the text now holds a
    phrase not flagged before for that source."""
    if student is not None and student.school_id != school.pk:
        raise ValidationError("The student is not of this school.")
    if not text.strip():
        return None
    if not UrgentPhrase.objects.filter(school=school).exists():
        # A school that never had the list would be silently unprotected.
        urgent_phrases_install(school=school)
    active = UrgentPhrase.objects.filter(school=school, active=True).values_list(
        "phrase", flat=True
    )
    matched = phrases_in(text, compile_phrases(active))
    if not matched:
        return None
    earlier = list(
        UrgentFlag.objects.filter(
            school=school, source_type=source_type, source_public_id=source_public_id
        )
    )
    flagged_before = {phrase for flag in earlier for phrase in flag.phrases}
    if earlier and set(matched) <= flagged_before:
        return earlier[0]
    flag = UrgentFlag(
        school=school,
        source_type=source_type,
        source_public_id=source_public_id,
        student=student,
        phrases=matched,
    )
    flag.full_clean(validate_constraints=False)
    flag.save()
    audit_record(
        action="urgent_flag.raised",
        school=school,
        object_type="urgent_flag",
        object_public_id=flag.public_id,
        # Never the words themselves: the audit log is read more widely.
        detail=f"{source_type}: {len(matched)} urgent phrase(s) matched",
    )
    _alert_about(flag)
    return flag


def _alert_about(flag: UrgentFlag) -> None:
    """Tell the school's DSLs (a task and an e-mail with a link only). Only a DSL
    may open a flag, so with no DSL the coordinators are warned instead (no
    details) and ``urgent_alert_pending`` tells the first DSL there is."""
    leads = safeguarding_leads(flag.school)
    if not leads:
        no_dsl_warn(flag.school, "words that may mean a child is at risk")
        return
    path = reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})
    for dsl in leads:
        task_open(
            school=flag.school,
            kind=URGENT_TASK_KIND,
            title="Review urgent words (urgent)",
            subject_type="urgent_flag",
            subject_public_id=flag.public_id,
            assigned_to=dsl,
            link=path,
            due_on=timezone.localdate(),
        )
    _email_after_commit(
        [dsl.email for dsl in leads],
        "Urgent words need a review",
        "Something a student or peer mentor wrote matched the school's urgent-words "
        "list and needs a review today.\n\n"
        f"Sign in to see it: {settings.SITE_URL.rstrip('/')}{path}",
    )


@transaction.atomic
def urgent_alert_pending(*, school: School) -> int:
    """Alert the DSLs to unreviewed flags nobody has been told of (made while the
    school had no DSL). Run with ``run_urgent_scan``; returns how many."""
    if not safeguarding_leads(school):
        return 0
    no_dsl_resolved(school)
    told = Task.objects.filter(school=school, kind=URGENT_TASK_KIND).values("subject_public_id")
    pending = list(
        UrgentFlag.objects.filter(school=school, reviewed_at__isnull=True)
        .exclude(public_id__in=told)
        .select_related("school")
    )
    for flag in pending:
        _alert_about(flag)
    return len(pending)


@transaction.atomic
def urgent_flag_review(*, actor: User, flag: UrgentFlag, note: str) -> UrgentFlag:
    """A DSL marks a flag reviewed, saying what they did or why no action is needed.
    The flag's tasks are closed for every DSL."""
    _require_safeguarding_lead(actor, flag.school)
    if flag.reviewed_at is not None:
        raise ValidationError("This flag has already been reviewed.")
    if not note.strip():
        raise ValidationError({"review_note": "Say what you did, or why no action is needed."})
    flag.reviewed_by = actor
    flag.reviewed_at = timezone.now()
    flag.review_note = note.strip()
    flag.full_clean(validate_constraints=False)
    flag.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    tasks_close_for(
        actor=actor,
        school=flag.school,
        kind=URGENT_TASK_KIND,
        subject_public_ids=[flag.public_id],
        why="the urgent words were reviewed",
    )
    audit_record(
        action="urgent_flag.reviewed",
        actor=actor,
        school=flag.school,
        object_type="urgent_flag",
        object_public_id=flag.public_id,
    )
    return flag


def urgent_scan_check_ins(*, school: School, since: datetime.datetime) -> int:
    """Check the words students gave with their check-ins since ``since`` (meetings
    stores them and, coming before concerns, cannot call ``urgent_check`` itself).
    Run every few minutes by ``run_urgent_scan``; a check-in is flagged once, however
    often it is checked. Returns how many new flags were made."""
    before = UrgentFlag.objects.filter(school=school, source_type="check_in").count()
    check_ins = CheckIn.objects.filter(school=school, created_at__gte=since).select_related(
        "student"
    )
    for check_in in check_ins:
        # The word is encrypted at rest, so blank ones are skipped here, not in SQL.
        if not check_in.word.strip():
            continue
        urgent_check(
            school=school,
            text=check_in.word,
            source_type="check_in",
            source_public_id=check_in.public_id,
            student=check_in.student,
        )
    return UrgentFlag.objects.filter(school=school, source_type="check_in").count() - before
