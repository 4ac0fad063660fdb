"""Recording completions and marking knowledge checks."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from peersupport.accounts.models import Membership, Role, User
from peersupport.accounts.selectors import require_manager, role_in
from peersupport.audit.services import audit_record
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_done, task_open
from peersupport.training.access import REGISTER_REFUSAL, protocols_visible_to, runs_event
from peersupport.training.curriculum import load_curriculum
from peersupport.training.models import (
    Completion,
    Protocol,
    ProtocolAcknowledgement,
    ProtocolVersion,
    TrainingAttendance,
    TrainingEvent,
    TrainingModule,
)
from peersupport.training.protocols import load_protocols
from peersupport.training.question_text import problems as question_problems
from peersupport.training.selectors import (
    INVITABLE_MENTOR_STATUSES,
    PROTOCOL_STAFF_ROLES,
    protocol_readers,
)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day if it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def _expiry(module: TrainingModule, completed_on: datetime.date) -> datetime.date | None:
    if not module.refresh_months:
        return None
    return add_months(completed_on, module.refresh_months)


@transaction.atomic
def completion_record(
    *,
    actor: User,
    module: TrainingModule,
    completed_on: datetime.date,
    how: str,
    student: Student | None = None,
    user: User | None = None,
    score: int | None = None,
    event: TrainingEvent | None = None,
) -> Completion:
    """Staff record a completion (training event attended, or done elsewhere)."""
    if how != Completion.How.SELF_PACED and role_in(actor, module.school) not in (
        Role.COORDINATOR,
        Role.DSL,
        Role.FACILITATOR,
    ):
        raise PermissionDenied("Only staff can record training.")
    if student is not None and student.school_id != module.school_id:
        raise ValidationError("The student must belong to this school.")
    if completed_on > datetime.date.today():
        raise ValidationError({"completed_on": "The date cannot be in the future."})
    completion = Completion(
        school=module.school,
        module=module,
        student=student,
        user=user,
        completed_on=completed_on,
        how=how,
        expires_on=_expiry(module, completed_on),
        score=score,
        event=event,
        recorded_by=actor,
    )
    completion.full_clean()
    completion.save()
    audit_record(
        action="training.completed",
        actor=actor,
        school=module.school,
        object_type="module",
        object_public_id=module.public_id,
        detail=how,
    )
    return completion


@dataclass
class CheckResult:
    score: int  # percent
    passed: bool
    feedback: list[str]  # one line per question, for the answer given
    completion: Completion | None


@transaction.atomic
def knowledge_check_submit(
    *, actor: User, module: TrainingModule, student: Student, answers: list[int]
) -> CheckResult:
    """Mark a mentor's answers (the index of the option chosen for each question).
    Passing records a self-paced completion; failing can be tried again."""
    if student.user_id != actor.pk:
        raise PermissionDenied("Students answer the knowledge check for themselves.")
    questions = module.questions
    if not questions:
        raise ValidationError("This module has no knowledge check.")
    if len(answers) != len(questions):
        raise ValidationError("Answer every question.")
    right = 0
    feedback = []
    for question, answer in zip(questions, answers, strict=True):
        options = question["options"]
        if not 0 <= answer < len(options):
            raise ValidationError("Answer every question.")
        chosen = options[answer]
        right += 1 if chosen["correct"] else 0
        feedback.append(chosen.get("feedback", ""))
    score = round(100 * right / len(questions))
    passed = score >= module.pass_mark
    completion = None
    if passed:
        completion = completion_record(
            actor=actor,
            module=module,
            student=student,
            completed_on=datetime.date.today(),
            how=Completion.How.SELF_PACED,
            score=score,
        )
    return CheckResult(score=score, passed=passed, feedback=feedback, completion=completion)


@transaction.atomic
def curriculum_install(*, school: School) -> tuple[int, int]:
    """Install the starter curriculum for a school: new modules are added, ones
    the school already has (by key) are left as the school edited them. Returns
    (added, kept)."""
    existing = set(TrainingModule.objects.filter(school=school).values_list("key", flat=True))
    added = 0
    for data in load_curriculum():
        if data.key in existing:
            continue
        module = TrainingModule(school=school, **data.as_model_fields())
        module.full_clean()
        module.save()
        added += 1
    if added:
        audit_record(
            action="training.curriculum_installed", school=school, detail=f"{added} modules"
        )
    return added, len(existing)


# Module editing: the starter curriculum is the school's to change.

MODULE_FIELDS = (
    "title",
    "summary",
    "content",
    "minutes",
    "core",
    "audience",
    "refresh_months",
    "delivered_by",
    "pass_mark",
    "questions",
)


def _check_questions(questions: Any) -> None:
    found = question_problems(questions)
    if found:
        raise ValidationError({"questions": found})


def _new_module_key(school: School, title: str) -> str:
    base = (slugify(title) or "module")[:50].strip("-") or "module"
    taken = set(
        TrainingModule.objects.filter(school=school, key__startswith=base).values_list(
            "key", flat=True
        )
    )
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


@transaction.atomic
def module_create(*, actor: User, school: School, **fields: Any) -> TrainingModule:
    """A coordinator or DSL adds a module of the school's own. Its key (which stays
    the same) is made from the title."""
    require_manager(actor, school)
    unknown = set(fields) - set(MODULE_FIELDS)
    if unknown:
        raise ValueError(f"Not module fields: {', '.join(sorted(unknown))}")
    _check_questions(fields.get("questions", []))
    module = TrainingModule(school=school, key=_new_module_key(school, fields.get("title", "")))
    for name, value in fields.items():
        setattr(module, name, value)
    module.full_clean()
    module.save()
    audit_record(
        action="training.module_created",
        actor=actor,
        school=school,
        object_type="module",
        object_public_id=module.public_id,
    )
    return module


@transaction.atomic
def module_update(*, actor: User, module: TrainingModule, **fields: Any) -> TrainingModule:
    """A coordinator or DSL changes a module. Changing its refresh period changes
    only completions recorded from now on: those already recorded keep the expiry
    worked out when they were recorded."""
    require_manager(actor, module.school)
    unknown = set(fields) - set(MODULE_FIELDS)
    if unknown:
        raise ValueError(f"Not module fields: {', '.join(sorted(unknown))}")
    if "questions" in fields:
        _check_questions(fields["questions"])
    module = TrainingModule.objects.select_for_update().get(pk=module.pk)
    changed = sorted(name for name, value in fields.items() if getattr(module, name) != value)
    if not changed:
        return module
    for name in changed:
        setattr(module, name, fields[name])
    module.full_clean()
    module.save(update_fields=changed)
    audit_record(
        action="training.module_updated",
        actor=actor,
        school=module.school,
        object_type="module",
        object_public_id=module.public_id,
        detail=", ".join(changed),
    )
    return module


# Training events: a module delivered in person; attending completes it.

STAFF_ROLES = (Role.COORDINATOR, Role.DSL, Role.FACILITATOR)


def _require_staff(actor: User, school: School) -> None:
    if role_in(actor, school) not in STAFF_ROLES:
        raise PermissionDenied("Only staff run training sessions.")


def _require_runs(actor: User, event: TrainingEvent) -> None:
    # Marking someone as there completes the module for them, and that counts
    # towards the training a programme requires of its mentors.
    if not runs_event(actor, event):
        raise PermissionDenied(REGISTER_REFUSAL)


def _is_staff_of(user: User, school: School) -> bool:
    return Membership.objects.filter(
        user=user, school=school, is_active=True, role__in=STAFF_ROLES
    ).exists()


@transaction.atomic
def event_invite(
    *,
    actor: User,
    event: TrainingEvent,
    students: Iterable[Student] = (),
    users: Iterable[User] = (),
) -> int:
    """Put people on a training session's register: peer mentors (in training or
    active) of the school, and its staff. Anyone already on it is left as they are.
    Returns how many were added. Only the session's trainer, whoever set it up, and
    coordinators and DSLs may."""
    _require_runs(actor, event)
    students, users = list(students), list(users)
    school = event.school
    if students and event.module.audience != TrainingModule.Audience.MENTOR:
        raise ValidationError("This module is for staff: only staff can be invited to it.")
    # The mentor's status lives with programmes (an app after this one), so it is
    # read through the relation's name rather than by importing its model.
    mentors = set(
        Student.objects.filter(
            pk__in=[student.pk for student in students],
            school=school,
            mentor__status__in=INVITABLE_MENTOR_STATUSES,
        ).values_list("pk", flat=True)
    )
    if any(student.pk not in mentors for student in students):
        raise ValidationError(
            "Only peer mentors of this school who are in training or active can be invited."
        )
    if any(not _is_staff_of(user, school) for user in users):
        raise ValidationError("Only staff of this school can be invited.")
    on_register = TrainingAttendance.objects.filter(event=event)
    have_students = set(on_register.exclude(student=None).values_list("student_id", flat=True))
    have_users = set(on_register.exclude(user=None).values_list("user_id", flat=True))
    places = [
        TrainingAttendance(school=school, event=event, student=student)
        for student in {student.pk: student for student in students}.values()
        if student.pk not in have_students
    ] + [
        TrainingAttendance(school=school, event=event, user=user)
        for user in {user.pk: user for user in users}.values()
        if user.pk not in have_users
    ]
    for place in places:
        place.full_clean(validate_constraints=False)
    TrainingAttendance.objects.bulk_create(places)
    if places:
        audit_record(
            action="training.event_invited",
            actor=actor,
            school=school,
            object_type="training_event",
            object_public_id=event.public_id,
            detail=f"{len(places)} people",
        )
    return len(places)


@transaction.atomic
def event_create(
    *,
    actor: User,
    module: TrainingModule,
    held_on: datetime.date,
    trainer: User | None = None,
    trainer_name: str = "",
    place: str = "",
    students: Iterable[Student] = (),
    users: Iterable[User] = (),
) -> TrainingEvent:
    """Staff arrange a training session for a module, or record one that already
    happened, with the people invited (peer mentors and staff). The trainer is one
    of the school's staff, or named when they come from outside."""
    _require_staff(actor, module.school)
    students, users = list(students), list(users)
    trainer_name = trainer_name.strip()
    if trainer is None and not trainer_name:
        raise ValidationError(
            {"trainer": "Choose the member of staff who runs it, or name a trainer from outside."}
        )
    if trainer is not None and trainer_name:
        raise ValidationError(
            {"trainer_name": "Choose a member of staff or name an outside trainer, not both."}
        )
    if trainer is not None and not _is_staff_of(trainer, module.school):
        raise ValidationError({"trainer": "The trainer must be on this school's staff."})
    if not students and not users:
        raise ValidationError("Invite at least one person.")
    event = TrainingEvent(
        school=module.school,
        module=module,
        held_on=held_on,
        trainer=trainer,
        trainer_name=trainer_name,
        place=place.strip(),
        created_by=actor,
    )
    event.full_clean()
    event.save()
    audit_record(
        action="training.event_created",
        actor=actor,
        school=module.school,
        object_type="training_event",
        object_public_id=event.public_id,
    )
    event_invite(actor=actor, event=event, students=students, users=users)
    return event


class Marked(StrEnum):
    """What marking one person on a training register did."""

    CAME = "came"  # now marked as there, with a completion from this session
    TAKEN_OFF = "taken_off"  # no longer marked; this session's completion was removed
    UNCHANGED = "unchanged"


@transaction.atomic
def event_attendance_mark(
    *, actor: User, event: TrainingEvent, attendance: TrainingAttendance, attended: bool
) -> Marked:
    """Mark whether someone on the register came to a training session.

    Marking them as there records their completion of the module on the day of
    the session, through ``completion_record`` (in person, linked to the session,
    expiring after the module's refresh period). Marking again changes nothing:
    there is one completion per person per session.

    A session's register can be marked on its day or afterwards, never before.

    Taking someone off the register once they were marked as there is a
    correction (they were ticked by mistake), and it is not silent: the
    completion this session recorded for them is removed, the audit log keeps who
    took it off and when, and the caller is told so it can say it. Completions
    earned another way (the knowledge check, another session) are untouched.

    Only the session's trainer, whoever set it up, and coordinators and DSLs may
    mark it."""
    _require_runs(actor, event)
    if attendance.event_id != event.pk:
        raise ValidationError("That person is not on this session's register.")
    if event.held_on > timezone.localdate():
        raise ValidationError("You can mark who came on the day of the session, not before.")
    place = TrainingAttendance.objects.select_for_update().get(pk=attendance.pk)
    from_this_session = Completion.objects.filter(
        event=event, student=place.student_id, user=place.user_id
    )
    if attended:
        if place.attended and from_this_session.exists():
            return Marked.UNCHANGED
        place.attended = True
        place.save(update_fields=["attended"])
        if not from_this_session.exists():
            completion_record(
                actor=actor,
                module=event.module,
                completed_on=event.held_on,
                how=Completion.How.IN_PERSON,
                event=event,
                student=place.student,
                user=place.user,
            )
        audit_record(
            action="training.attendance_marked",
            actor=actor,
            school=event.school,
            object_type="training_event",
            object_public_id=event.public_id,
            detail=f"place {place.public_id}",
        )
        attendance.attended = True
        return Marked.CAME
    if not place.attended:
        return Marked.UNCHANGED
    place.attended = False
    place.save(update_fields=["attended"])
    removed, _ = from_this_session.delete()
    audit_record(
        action="training.attendance_unmarked",
        actor=actor,
        school=event.school,
        object_type="training_event",
        object_public_id=event.public_id,
        detail=f"correction: place {place.public_id}, {removed} completion removed",
    )
    attendance.attended = False
    return Marked.TAKEN_OFF


@transaction.atomic
def event_register_save(
    *, actor: User, event: TrainingEvent, came: Collection[uuid.UUID]
) -> dict[Marked, int]:
    """Save a whole register at once: ``came`` holds the public ids of the places
    ticked; everyone else on the register is marked as not there. Returns how many
    were marked, taken off and left as they were."""
    _require_runs(actor, event)
    if event.held_on > timezone.localdate():
        raise ValidationError("You can mark who came on the day of the session, not before.")
    places = list(TrainingAttendance.objects.filter(event=event).order_by("pk"))
    if set(came) - {place.public_id for place in places}:
        raise ValidationError("Someone ticked is not on this session's register.")
    counts = dict.fromkeys(Marked, 0)
    for place in places:
        done = event_attendance_mark(
            actor=actor, event=event, attendance=place, attended=place.public_id in came
        )
        counts[done] += 1
    return counts


# Protocols: versions are published, never edited, and read again when they change.


@transaction.atomic
def protocols_install(*, school: School) -> tuple[int, int]:
    """Install the starter protocols for a school, each as its version 1: new ones
    are added, ones the school already has (by key) are left as they are. Returns
    (added, kept)."""
    existing = set(Protocol.objects.filter(school=school).values_list("key", flat=True))
    added = 0
    for data in load_protocols():
        if data.key in existing:
            continue
        protocol = Protocol(school=school, **data.as_model_fields())
        protocol.full_clean()
        protocol.save()
        version = ProtocolVersion(school=school, protocol=protocol, number=1, content=data.content)
        version.full_clean()
        version.save()
        added += 1
    if added:
        audit_record(
            action="training.protocols_installed", school=school, detail=f"{added} protocols"
        )
    return added, len(existing)


@transaction.atomic
def protocol_publish(
    *, actor: User, protocol: Protocol, content: str, change_note: str
) -> ProtocolVersion:
    """A coordinator or DSL publishes new words for a protocol as its next version.
    Everyone it is for must read it again: staff get a task (mentors see it marked
    on their "What do I do if...?" page). The publisher wrote the words, so their
    reading of this version is recorded instead, and any task of theirs to read it
    is done."""
    require_manager(actor, protocol.school)
    # One publisher at a time, so two cannot both make version N+1.
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    current = ProtocolVersion.objects.filter(protocol=protocol).order_by("-number").first()
    content = content.replace("\r\n", "\n").strip()
    change_note = " ".join(change_note.split())
    if not content:
        raise ValidationError({"content": "Write the words of the protocol."})
    if current is not None and content == current.content.replace("\r\n", "\n").strip():
        raise ValidationError(
            {"content": "These words are the same as the current version. Change them first."}
        )
    if current is not None and not change_note:
        raise ValidationError(
            {"change_note": "Say what changed, so that readers know what to look for."}
        )
    version = ProtocolVersion(
        school=protocol.school,
        protocol=protocol,
        number=current.number + 1 if current is not None else 1,
        content=content + "\n",
        change_note=change_note,
        published_by=actor,
    )
    version.full_clean()
    version.save()
    audit_record(
        action="training.protocol_published",
        actor=actor,
        school=protocol.school,
        object_type="protocol",
        object_public_id=protocol.public_id,
        detail=f"version {version.number}",
    )
    _acknowledge(actor=actor, version=version, how="as its publisher")
    # Nobody else has read a version just published, so every other member of staff
    # it is for is asked. An open task from an earlier version stays open and now
    # means this one.
    link = reverse("training:protocol", kwargs={"public_id": protocol.public_id})
    readers = protocol_readers(protocol).filter(role__in=PROTOCOL_STAFF_ROLES)
    for membership in readers.exclude(user=actor):
        task_open(
            school=protocol.school,
            kind=TaskKind.PROTOCOL_TO_READ,
            title=f'Read the new version of "{protocol.title}"',
            subject_type="protocol",
            subject_public_id=protocol.public_id,
            assigned_to=membership.user,
            link=link,
        )
    return version


@transaction.atomic
def protocol_acknowledge(*, actor: User, version: ProtocolVersion) -> ProtocolAcknowledgement:
    """Someone the protocol is for says they have read and understood this version,
    which must be the current one. Saying it twice changes nothing. Closes their
    task to read it, if they have one. Peer mentors see the refusals, so they are
    in plain words."""
    protocol = version.protocol
    if not protocols_visible_to(actor, version.school).filter(pk=protocol.pk).exists():
        raise PermissionDenied("This one is not for you to read.")
    # Lock the protocol, as protocol_publish does, so that a version being published
    # now cannot land between this check and the save: the acknowledgement waits for
    # it, then is refused, rather than recording an old version as read.
    Protocol.objects.select_for_update().get(pk=protocol.pk)
    newest = (
        ProtocolVersion.objects.filter(protocol=protocol)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    if version.number != newest:
        raise ValidationError(
            "This has changed since you opened it. Please read it again, then press the button."
        )
    return _acknowledge(actor=actor, version=version)


def _acknowledge(
    *, actor: User, version: ProtocolVersion, how: str = ""
) -> ProtocolAcknowledgement:
    """Record that ``actor`` has read ``version`` (once) and close their task to read
    it. The caller holds the protocol's lock and has checked the version is current."""
    protocol = version.protocol
    acknowledgement, created = ProtocolAcknowledgement.objects.get_or_create(
        version=version, user=actor, defaults={"school": version.school}
    )
    if created:
        audit_record(
            action="training.protocol_acknowledged",
            actor=actor,
            school=version.school,
            object_type="protocol",
            object_public_id=protocol.public_id,
            detail=f"version {version.number}" + (f", {how}" if how else ""),
        )
    for task in Task.objects.filter(
        kind=TaskKind.PROTOCOL_TO_READ,
        subject_public_id=protocol.public_id,
        assigned_to=actor,
        status=Task.Status.OPEN,
    ):
        task_done(actor=actor, task=task)
    return acknowledgement
