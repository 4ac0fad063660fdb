"""Every write to programmes, referrals, mentors, groups, mentorships and
keep-apart rules."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import require_manager, role_in
from peersupport.audit.services import audit_record
from peersupport.lib.training_standing import EXPIRED, EXPIRING
from peersupport.programmes.access import groups_visible_to, groups_whose_rules_user_may_write
from peersupport.programmes.models import (
    AgreementSignature,
    Enrolment,
    FitAnswer,
    FitCheck,
    Group,
    GroupAgreement,
    GroupMember,
    KeepApart,
    MentorProfile,
    Mentorship,
    NeedArea,
    Programme,
    Referral,
)
from peersupport.programmes.selectors import (
    TrainingWarning,
    apart_from,
    consent_in_force,
    gate_gaps,
    open_enrolment_count,
    school_managers,
    staff_responsible_for,
    starter_agreement_text,
    training_warnings,
)
from peersupport.schools.models import School, Term, TimetableSlot
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_open, tasks_close_for
from peersupport.training.models import TrainingModule
from peersupport.training.selectors import describe_gaps

MANAGERS = (Role.COORDINATOR, Role.DSL)


def _same_school(school: School, *students: Student) -> None:
    if any(student.school_id != school.pk for student in students):
        raise ValidationError("Every student must belong to this school.")


@transaction.atomic
def programme_create(
    *,
    actor: User,
    school: School,
    name: str,
    kind: str,
    capacity: int,
    consent_required: bool = False,
    aims: str = "",
    terms: Sequence[Term] = (),
    leads: Sequence[User] = (),
    status: str = Programme.Status.RUNNING,
    supervision_every_weeks: int = 2,
) -> Programme:
    require_manager(actor, school)
    programme = Programme(
        school=school,
        name=name,
        kind=kind,
        capacity=capacity,
        consent_required=consent_required,
        aims=aims,
        status=status,
        supervision_every_weeks=supervision_every_weeks,
    )
    programme.full_clean()
    programme.save()
    programme.terms.set(terms)
    programme.leads.set(leads)
    audit_record(
        action="programme.created",
        actor=actor,
        school=school,
        object_type="programme",
        object_public_id=programme.public_id,
    )
    return programme


@transaction.atomic
def programme_set_supervision_cadence(
    *, actor: User, programme: Programme, every_weeks: int
) -> Programme:
    """How often each of the programme's mentors should have supervision."""
    require_manager(actor, programme.school)
    programme.supervision_every_weeks = every_weeks
    programme.full_clean()
    programme.save(update_fields=["supervision_every_weeks"])
    audit_record(
        action="programme.supervision_cadence_changed",
        actor=actor,
        school=programme.school,
        object_type="programme",
        object_public_id=programme.public_id,
        detail=f"every {every_weeks} week(s)",
    )
    return programme


# ---------------------------------------------------------------- referrals


@transaction.atomic
def referral_create(
    *,
    actor: User,
    programme: Programme,
    student: Student,
    source: str,
    need_areas: Sequence[str],
    details: str = "",
    parent_name: str = "",
    preferred_mentor: MentorProfile | None = None,
    mentor_wishes: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    _same_school(programme.school, student)
    unknown = set(need_areas) - set(NeedArea.values)
    if unknown or not need_areas:
        raise ValidationError({"need_areas": "Choose at least one reason from the list."})
    if source == Referral.Source.SELF and getattr(student, "user_id", None) != actor.pk:
        raise PermissionDenied("Students can only refer themselves.")
    if source == Referral.Source.PARENT and not parent_name.strip():
        raise ValidationError({"parent_name": "Give the name of the parent or carer."})
    if preferred_mentor is not None and preferred_mentor.school_id != programme.school_id:
        raise ValidationError({"preferred_mentor": "Choose a mentor from this school."})
    if Referral.objects.filter(
        programme=programme,
        student=student,
        status__in=[Referral.Status.NEW, Referral.Status.WAITLISTED],
    ).exists():
        raise ValidationError("This student already has a referral waiting for this programme.")
    referral = Referral(
        school=programme.school,
        programme=programme,
        student=student,
        source=source,
        referred_by=actor,
        parent_name=parent_name.strip(),
        need_areas=sorted(set(need_areas)),
        details=details.strip(),
        preferred_mentor=preferred_mentor,
        mentor_wishes=mentor_wishes.strip(),
    )
    referral.full_clean()
    referral.save()
    audit_record(
        action="referral.created",
        actor=actor,
        school=programme.school,
        object_type="referral",
        object_public_id=referral.public_id,
        request=request,
        detail=f"source {source}",
    )
    return referral


def _decide(referral: Referral, actor: User, status: str) -> None:
    referral.status = status
    referral.decided_at = timezone.now()
    referral.decided_by = actor


@transaction.atomic
def referral_accept(
    *,
    actor: User,
    referral: Referral,
    started_on: datetime.date | None = None,
    responsible: User | None = None,
    request: HttpRequest | None = None,
) -> Enrolment:
    require_manager(actor, referral.school)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in (Referral.Status.NEW, Referral.Status.WAITLISTED):
        raise ValidationError(f"This referral is already {referral.get_status_display().lower()}.")
    programme = referral.programme
    if programme.consent_required and not consent_in_force(referral.student):
        raise ValidationError(
            "This programme needs a parent's consent to take part, and none is recorded. "
            "Record it on the student's page first."
        )
    if open_enrolment_count(programme) >= programme.capacity:
        raise ValidationError(
            f"{programme.name} is full ({programme.capacity} places). Put the referral on the "
            "waiting list instead, or raise the capacity."
        )
    _decide(referral, actor, Referral.Status.ACCEPTED)
    referral.save(update_fields=["status", "decided_at", "decided_by"])
    enrolment = Enrolment(
        school=referral.school,
        programme=programme,
        student=referral.student,
        referral=referral,
        started_on=started_on or timezone.localdate(),
        responsible=responsible or actor,
    )
    enrolment.full_clean(validate_constraints=False)
    enrolment.save()
    audit_record(
        action="referral.accepted",
        actor=actor,
        school=referral.school,
        object_type="referral",
        object_public_id=referral.public_id,
        request=request,
    )
    return enrolment


@transaction.atomic
def referral_waitlist(
    *, actor: User, referral: Referral, request: HttpRequest | None = None
) -> Referral:
    require_manager(actor, referral.school)
    if referral.status != Referral.Status.NEW:
        raise ValidationError("Only a new referral can go on the waiting list.")
    referral.status = Referral.Status.WAITLISTED
    referral.waitlisted_at = timezone.now()
    referral.save(update_fields=["status", "waitlisted_at"])
    audit_record(
        action="referral.waitlisted",
        actor=actor,
        school=referral.school,
        object_type="referral",
        object_public_id=referral.public_id,
        request=request,
    )
    return referral


@transaction.atomic
def referral_decline(
    *, actor: User, referral: Referral, reason: str, request: HttpRequest | None = None
) -> Referral:
    require_manager(actor, referral.school)
    if referral.status not in (Referral.Status.NEW, Referral.Status.WAITLISTED):
        raise ValidationError("This referral has already been decided.")
    if not reason.strip():
        raise ValidationError(
            {"reason": "Give a reason: the person who made the referral is told it."}
        )
    _decide(referral, actor, Referral.Status.DECLINED)
    referral.decline_reason = reason.strip()
    referral.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
    audit_record(
        action="referral.declined",
        actor=actor,
        school=referral.school,
        object_type="referral",
        object_public_id=referral.public_id,
        request=request,
    )
    referrer = referral.referred_by
    if referral.source != Referral.Source.SELF and referrer.email:
        # The e-mail names the programme and the reason, never the student.
        body = (
            f"A referral you made to {referral.programme.name} was not accepted.\n\n"
            f"Reason: {referral.decline_reason}\n\n"
            "Sign in to see which referral this is."
        )
        transaction.on_commit(
            lambda: send_mail(
                "A referral was not accepted", body, settings.DEFAULT_FROM_EMAIL, [referrer.email]
            )
        )
    return referral


# ---------------------------------------------------------------- mentors

MENTOR_TRANSITIONS = {
    MentorProfile.Status.APPLICANT: {
        MentorProfile.Status.IN_TRAINING,
        MentorProfile.Status.STEPPED_DOWN,
    },
    MentorProfile.Status.IN_TRAINING: {
        MentorProfile.Status.ACTIVE,
        MentorProfile.Status.STEPPED_DOWN,
    },
    MentorProfile.Status.ACTIVE: {MentorProfile.Status.PAUSED, MentorProfile.Status.STEPPED_DOWN},
    MentorProfile.Status.PAUSED: {MentorProfile.Status.ACTIVE, MentorProfile.Status.STEPPED_DOWN},
    MentorProfile.Status.STEPPED_DOWN: set(),
}


@transaction.atomic
def mentor_apply(
    *,
    actor: User,
    student: Student,
    why: str,
    interests: Sequence[str] = (),
    languages: Sequence[str] = (),
    availability: Iterable[TimetableSlot] = (),
    capacity: int = 1,
) -> MentorProfile:
    if (
        getattr(student, "user_id", None) != actor.pk
        and role_in(actor, student.school) not in MANAGERS
    ):
        raise PermissionDenied("A student applies for themself, or a coordinator for them.")
    if MentorProfile.objects.filter(student=student).exists():
        raise ValidationError("This student has already applied to be a mentor.")
    slots = list(availability)
    if any(slot.school_id != student.school_id for slot in slots):
        raise ValidationError({"availability": "Choose times from this school's timetable."})
    mentor = MentorProfile(
        school=student.school,
        student=student,
        why=why.strip(),
        interests=sorted({i.strip().lower() for i in interests if i.strip()}),
        languages=sorted({lang.strip() for lang in languages if lang.strip()}),
        capacity=capacity,
    )
    mentor.full_clean()
    mentor.save()
    mentor.availability.set(slots)
    audit_record(
        action="mentor.applied",
        actor=actor,
        school=student.school,
        object_type="mentor",
        object_public_id=mentor.public_id,
    )
    return mentor


@transaction.atomic
def mentor_give_reference(*, actor: User, mentor: MentorProfile, reference: str) -> MentorProfile:
    if role_in(actor, mentor.school) not in (Role.COORDINATOR, Role.DSL, Role.FACILITATOR):
        raise PermissionDenied("Only a member of staff can give a reference.")
    if not reference.strip():
        raise ValidationError({"reference": "Write the reference."})
    mentor.reference = reference.strip()
    mentor.reference_by = actor
    mentor.save(update_fields=["reference", "reference_by"])
    return mentor


@transaction.atomic
def mentor_set_status(
    *, actor: User | None, mentor: MentorProfile, status: str, reason: str = ""
) -> MentorProfile:
    """Approve (applicant to in training), activate, pause, resume or step down.
    Activation passes the training gate. ``actor=None`` is the daily job, which
    pauses a mentor whose training ran out (``reason`` says which, in the audit)."""
    if actor is not None:
        require_manager(actor, mentor.school)
    elif status != MentorProfile.Status.PAUSED:
        raise PermissionDenied("Only a coordinator or a DSL can do this.")
    allowed = MENTOR_TRANSITIONS[MentorProfile.Status(mentor.status)]
    if status not in allowed:
        raise ValidationError(
            f"A mentor who is {mentor.get_status_display().lower()} cannot become "
            f"{MentorProfile.Status(status).label.lower()}."
        )
    if mentor.status == MentorProfile.Status.APPLICANT and not mentor.reference:
        raise ValidationError("A member of staff must give a reference before approval.")
    if status == MentorProfile.Status.ACTIVE:
        running = Programme.objects.filter(school=mentor.school, status=Programme.Status.RUNNING)
        _refuse_untrained(mentor, running, "become active")
    if mentor.status == MentorProfile.Status.APPLICANT:
        mentor.approved_by = actor
        mentor.approved_at = timezone.now()
    mentor.status = status
    mentor.save(update_fields=["status", "approved_by", "approved_at"])
    open_pairings = Mentorship.objects.filter(
        mentor=mentor,
        status__in=[Mentorship.Status.PROPOSED, Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED],
    )
    if status == MentorProfile.Status.STEPPED_DOWN:
        # Their mentees are offered a new match (mentorship_close opens the tasks).
        assert actor is not None  # the daily job only pauses
        for pairing in open_pairings:
            mentorship_close(
                actor=actor,
                mentorship=pairing,
                reason=Mentorship.CloseReason.MENTOR_STEPPED_DOWN,
                planned=False,
            )
    elif status == MentorProfile.Status.PAUSED:
        for pairing in open_pairings.filter(status=Mentorship.Status.ACTIVE):
            mentorship_pause(actor=actor, mentorship=pairing)
    audit_record(
        action="mentor.status_changed",
        actor=actor,
        school=mentor.school,
        object_type="mentor",
        object_public_id=mentor.public_id,
        detail=f"{status}: {reason}" if reason else status,
    )
    return mentor


# ---------------------------------------------------------------- keeping apart


@transaction.atomic
def keep_apart_record(*, actor: User, first: Student, second: Student, reason: str) -> KeepApart:
    require_manager(actor, first.school)
    _same_school(first.school, second)
    if first.pk == second.pk:
        raise ValidationError("Choose two different students.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason (only the coordinator and DSL see it)."})
    low, high = sorted([first, second], key=lambda s: s.pk)
    if KeepApart.objects.filter(student_a=low, student_b=high, ended_at__isnull=True).exists():
        raise ValidationError("These two students are already kept apart.")
    rule = KeepApart(
        school=first.school, student_a=low, student_b=high, reason=reason.strip(), recorded_by=actor
    )
    rule.full_clean()
    rule.save()
    audit_record(
        action="keep_apart.recorded",
        actor=actor,
        school=first.school,
        object_type="keep_apart",
        object_public_id=rule.public_id,
    )
    return rule


@transaction.atomic
def keep_apart_end(*, actor: User, rule: KeepApart, why: str) -> KeepApart:
    """End a keep-apart rule: the two students may be placed together again. The
    rule is kept (with when it ended) for the record. ``why`` is short and never
    sensitive ("conflict resolved"): it goes into the audit log."""
    require_manager(actor, rule.school)
    if rule.ended_at is not None:
        raise ValidationError("These two students are no longer kept apart.")
    if not why.strip():
        raise ValidationError("Say why the students no longer need to be kept apart.")
    rule.ended_at = timezone.now()
    rule.save(update_fields=["ended_at"])
    audit_record(
        action="keep_apart.ended",
        actor=actor,
        school=rule.school,
        object_type="keep_apart",
        object_public_id=rule.public_id,
        detail=why.strip(),
    )
    return rule


def _refuse_untrained(mentor: MentorProfile, programmes: Iterable[Programme], what: str) -> None:
    """The training gate: a mentor missing a required module (or whose training
    has run out) is refused, with what is missing named."""
    gaps = gate_gaps(mentor, programmes)
    if gaps:
        name = mentor.student.display_name
        raise ValidationError(f"{name} cannot {what} until they complete: {describe_gaps(gaps)}.")


def _refuse_if_kept_apart(student: Student, others: Iterable[Student], where: str) -> None:
    if apart_from(student, others):
        raise ValidationError(
            f"{student.display_name} must be kept apart from someone {where}. "
            "Ask the coordinator or DSL."
        )


# ---------------------------------------------------------------- groups


@transaction.atomic
def group_create(
    *,
    actor: User,
    programme: Programme,
    name: str,
    max_size: int = 8,
    slot: TimetableSlot | None = None,
    room: str = "",
    facilitators: Sequence[User] = (),
) -> Group:
    require_manager(actor, programme.school)
    group = Group(
        school=programme.school,
        programme=programme,
        name=name,
        max_size=max_size,
        slot=slot,
        room=room,
    )
    group.full_clean()
    group.save()
    group.facilitators.set(facilitators)
    audit_record(
        action="group.created",
        actor=actor,
        school=programme.school,
        object_type="group",
        object_public_id=group.public_id,
    )
    # Every group starts with the starter ground rules (version 1, written by no
    # one), which the group then makes its own.
    _agreement_add(actor=actor, group=group, text=starter_agreement_text().strip(), written_by=None)
    return group


@transaction.atomic
def group_add_member(
    *, actor: User, group: Group, student: Student, joined_on: datetime.date | None = None
) -> GroupMember:
    require_manager(actor, group.school)
    _same_school(group.school, student)
    current = list(
        Student.objects.filter(group_places__group=group, group_places__left_on__isnull=True)
    )
    co_mentors = list(Student.objects.filter(mentor__groups=group))
    if student in current:
        raise ValidationError(f"{student.display_name} is already in {group.name}.")
    if len(current) >= group.max_size:
        raise ValidationError(f"{group.name} is full ({group.max_size} places).")
    _refuse_if_kept_apart(student, current + co_mentors, f"in {group.name}")
    member = GroupMember(
        school=group.school,
        group=group,
        student=student,
        joined_on=joined_on or timezone.localdate(),
    )
    member.full_clean(validate_constraints=False)
    member.save()
    audit_record(
        action="group.member_added",
        actor=actor,
        school=group.school,
        object_type="group",
        object_public_id=group.public_id,
    )
    return member


@transaction.atomic
def group_add_co_facilitator(*, actor: User, group: Group, mentor: MentorProfile) -> Group:
    require_manager(actor, group.school)
    _same_school(group.school, mentor.student)
    if mentor.status != MentorProfile.Status.ACTIVE:
        raise ValidationError("Only an active mentor can co-facilitate a group.")
    _refuse_untrained(mentor, [group.programme], f"co-facilitate {group.name}")
    members = list(
        Student.objects.filter(group_places__group=group, group_places__left_on__isnull=True)
    )
    co_mentors = list(Student.objects.filter(mentor__groups=group))
    _refuse_if_kept_apart(mentor.student, members + co_mentors, f"in {group.name}")
    group.co_facilitators.add(mentor)
    audit_record(
        action="group.co_facilitator_added",
        actor=actor,
        school=group.school,
        object_type="group",
        object_public_id=group.public_id,
    )
    return group


# ---------------------------------------------------------------- group agreements

AGREEMENT_MAX_CHARACTERS = 6000


def _agreement_add(
    *, actor: User, group: Group, text: str, written_by: User | None
) -> GroupAgreement:
    # Locking the group makes two saves at once number their versions one after the
    # other, and keeps a member from agreeing to a version as it is replaced.
    Group.objects.select_for_update().filter(pk=group.pk).first()
    current = GroupAgreement.objects.filter(group=group).order_by("-number").first()
    if current is not None and current.text.strip() == text:
        raise ValidationError(
            {"text": "These are the same as the current ground rules. Change something first."}
        )
    agreement = GroupAgreement(
        school=group.school,
        group=group,
        number=current.number + 1 if current else 1,
        text=text,
        written_by=written_by,
    )
    agreement.full_clean(validate_constraints=False)
    agreement.save()
    audit_record(
        action="group_agreement.written",
        actor=actor,
        school=group.school,
        object_type="group_agreement",
        object_public_id=agreement.public_id,
        detail=f"version {agreement.number}",
    )
    return agreement


@transaction.atomic
def group_agreement_write(*, actor: User, group: Group, text: str) -> GroupAgreement:
    """Save a group's ground rules as a new version. Every current member is then
    asked to agree again; what they agreed to before stays recorded against the
    version they agreed to. Coordinators and DSLs and the group's facilitators may
    write them; peer mentors may not (the group agrees changes in a session, and
    staff type them in)."""
    if not groups_whose_rules_user_may_write(actor, group.school).filter(pk=group.pk).exists():
        raise PermissionDenied("Only the staff who run the group can change its ground rules.")
    # Browsers send a textarea's line breaks as CRLF; store them as LF, so that an
    # unchanged text is recognised as unchanged.
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({"text": "Write the ground rules: they cannot be empty."})
    if len(text) > AGREEMENT_MAX_CHARACTERS:
        raise ValidationError(
            {
                "text": f"Keep the ground rules under {AGREEMENT_MAX_CHARACTERS} characters "
                f"(these are {len(text)}): short rules are easier to keep."
            }
        )
    return _agreement_add(actor=actor, group=group, text=text, written_by=actor)


@transaction.atomic
def agreement_sign(
    *, actor: User, agreement: GroupAgreement, student: Student
) -> AgreementSignature:
    """Record that a member agreed to the current version of their group's ground
    rules: the student themself, or staff who run the group recording it for them
    (say, on paper at the session). Agreeing again changes nothing."""
    group = agreement.group
    is_them = getattr(student, "user_id", None) == actor.pk
    if not is_them and not groups_visible_to(actor, group.school).filter(pk=group.pk).exists():
        raise PermissionDenied("Only the student or the group's staff can record this.")
    Group.objects.select_for_update().filter(pk=group.pk).first()
    # The student reads these on their own page, so they are told in plain words.
    if not GroupMember.objects.filter(group=group, student=student, left_on__isnull=True).exists():
        if is_them:
            raise ValidationError(f"You are not in {group.name} now.")
        raise ValidationError(f"{student.display_name} is not in {group.name} now.")
    newest = GroupAgreement.objects.filter(group=group).order_by("-number").first()
    if newest is None or newest.pk != agreement.pk:
        if is_them:
            raise ValidationError("Your group changed its ground rules. Please read them again.")
        raise ValidationError(
            "These ground rules have changed since this page was opened. Please read the new ones."
        )
    existing = AgreementSignature.objects.filter(agreement=agreement, student=student).first()
    if existing is not None:
        return existing
    signature = AgreementSignature(
        school=group.school, agreement=agreement, student=student, recorded_by=actor
    )
    signature.full_clean(validate_constraints=False)
    signature.save()
    audit_record(
        action="group_agreement.agreed",
        actor=actor,
        school=group.school,
        object_type="group_agreement",
        object_public_id=agreement.public_id,
        detail=f"version {agreement.number}, " + ("by the student" if is_them else "by staff"),
    )
    return signature


# ---------------------------------------------------------------- mentorships

MENTORSHIP_TRANSITIONS = {
    Mentorship.Status.PROPOSED: {Mentorship.Status.ACTIVE, Mentorship.Status.CLOSED},
    Mentorship.Status.ACTIVE: {Mentorship.Status.PAUSED, Mentorship.Status.CLOSED},
    Mentorship.Status.PAUSED: {Mentorship.Status.ACTIVE, Mentorship.Status.CLOSED},
    Mentorship.Status.CLOSED: set(),
}
VERBS = {
    Mentorship.Status.ACTIVE: "start",
    Mentorship.Status.PAUSED: "pause",
    Mentorship.Status.CLOSED: "close",
}


def _transition(mentorship: Mentorship, to: str) -> None:
    current = Mentorship.Status(mentorship.status)
    if to not in MENTORSHIP_TRANSITIONS[current]:
        label = current.label.lower()
        article = "An" if label[0] in "aeiou" else "A"
        raise ValidationError(
            f"{article} {label} mentorship cannot {VERBS.get(Mentorship.Status(to), to)}."
        )
    mentorship.status = to


@transaction.atomic
def mentorship_propose(
    *, actor: User, programme: Programme, mentor: MentorProfile, mentee: Student
) -> Mentorship:
    require_manager(actor, programme.school)
    _same_school(programme.school, mentee, mentor.student)
    if mentor.student_id == mentee.pk:
        raise ValidationError("A mentor cannot mentor themself.")
    if mentor.status != MentorProfile.Status.ACTIVE:
        raise ValidationError(f"The mentor is {mentor.get_status_display().lower()}, not active.")
    open_mentorships = Mentorship.objects.filter(
        mentor=mentor,
        status__in=[Mentorship.Status.PROPOSED, Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED],
    )
    if open_mentorships.count() >= mentor.capacity:
        raise ValidationError(f"The mentor already has {mentor.capacity} mentee(s), their limit.")
    if open_mentorships.filter(mentee=mentee).exists():
        raise ValidationError("These two are already paired.")
    _refuse_untrained(mentor, [programme], "be paired in this programme")
    _refuse_if_kept_apart(mentee, [mentor.student], "in this pairing")
    mentorship = Mentorship(
        school=programme.school, programme=programme, mentor=mentor, mentee=mentee
    )
    mentorship.full_clean()
    mentorship.save()
    audit_record(
        action="mentorship.proposed",
        actor=actor,
        school=programme.school,
        object_type="mentorship",
        object_public_id=mentorship.public_id,
    )
    return mentorship


def _save_transition(actor: User | None, mentorship: Mentorship, fields: list[str]) -> Mentorship:
    mentorship.save(update_fields=["status", *fields])
    audit_record(
        action="mentorship.status_changed",
        actor=actor,
        school=mentorship.school,
        object_type="mentorship",
        object_public_id=mentorship.public_id,
        detail=mentorship.status,
    )
    return mentorship


@transaction.atomic
def mentorship_start(
    *, actor: User, mentorship: Mentorship, started_on: datetime.date | None = None
) -> Mentorship:
    require_manager(actor, mentorship.school)
    was = mentorship.status
    _transition(mentorship, Mentorship.Status.ACTIVE)
    if mentorship.mentor.status != MentorProfile.Status.ACTIVE:
        raise ValidationError(
            f"The mentor is {mentorship.mentor.get_status_display().lower()}, not active."
        )
    # Rules recorded since the pairing was proposed still apply.
    _refuse_if_kept_apart(mentorship.mentee, [mentorship.mentor.student], "in this pairing")
    if was == Mentorship.Status.PROPOSED:
        mentorship.started_on = started_on or timezone.localdate()
        # Matching asked staff to introduce the pair: starting it is that done.
        tasks_close_for(
            actor=actor,
            school=mentorship.school,
            kind=TaskKind.INTRODUCE,
            subject_public_ids=[mentorship.public_id],
        )
    return _save_transition(actor, mentorship, ["started_on"])


@transaction.atomic
def mentorship_pause(*, actor: User | None, mentorship: Mentorship) -> Mentorship:
    """``actor=None`` is the daily job, pausing a paused mentor's pairings."""
    if actor is not None:
        require_manager(actor, mentorship.school)
    _transition(mentorship, Mentorship.Status.PAUSED)
    return _save_transition(actor, mentorship, [])


@transaction.atomic
def mentorship_close(
    *,
    actor: User,
    mentorship: Mentorship,
    reason: str,
    planned: bool,
    closed_on: datetime.date | None = None,
) -> Mentorship:
    """Close with a reason; prompts a closing conversation, and offers the mentee a
    new match unless the goals were met or they have left the school."""
    require_manager(actor, mentorship.school)
    if reason not in Mentorship.CloseReason.values:
        raise ValidationError({"reason": "Choose why the mentorship is closing."})
    _transition(mentorship, Mentorship.Status.CLOSED)
    mentorship.close_reason = reason
    mentorship.close_planned = planned
    mentorship.closed_on = closed_on or timezone.localdate()
    _save_transition(actor, mentorship, ["close_reason", "close_planned", "closed_on"])
    tasks_close_for(
        actor=None,
        school=mentorship.school,
        kind=TaskKind.INTRODUCE,
        subject_public_ids=[mentorship.public_id],
        why="the pairing was closed before it started",
    )
    link = reverse("programmes:mentorship_detail", kwargs={"public_id": mentorship.public_id})
    for person in staff_responsible_for(mentorship.programme, mentorship.mentee):
        task_open(
            school=mentorship.school,
            kind=TaskKind.CLOSING,
            title="Hold a closing conversation with a mentor and mentee",
            subject_type="mentorship",
            subject_public_id=mentorship.public_id,
            assigned_to=person,
            link=link,
        )
        if reason not in (Mentorship.CloseReason.GOALS_MET, Mentorship.CloseReason.LEFT_SCHOOL):
            task_open(
                school=mentorship.school,
                kind=TaskKind.REMATCH,
                title="Offer a mentee a new match",
                subject_type="mentorship",
                subject_public_id=mentorship.public_id,
                assigned_to=person,
                link=link,
            )
    return mentorship


@transaction.atomic
def mentorship_record_closing_conversation(*, actor: User, mentorship: Mentorship) -> Mentorship:
    require_manager(actor, mentorship.school)
    if mentorship.status != Mentorship.Status.CLOSED:
        raise ValidationError("The closing conversation comes after the mentorship closes.")
    mentorship.closing_conversation_held = True
    mentorship.save(update_fields=["closing_conversation_held"])
    return mentorship


@transaction.atomic
def fit_check_answer(*, actor: User, mentorship: Mentorship, side: str, answer: str) -> FitCheck:
    """After the first session: does it feel like a good fit? "No" opens a rematch
    task for the staff responsible."""
    expected = mentorship.mentor.student if side == FitCheck.Side.MENTOR else mentorship.mentee
    is_them = getattr(expected, "user_id", None) == actor.pk
    if not is_them and role_in(actor, mentorship.school) not in MANAGERS:
        raise PermissionDenied("Only the mentor or mentee can answer for themself.")
    if answer not in FitAnswer.values:
        raise ValidationError({"answer": "Choose yes, not sure yet, or no."})
    if FitCheck.objects.filter(mentorship=mentorship, side=side).exists():
        raise ValidationError("This has already been answered. Thank you.")
    check = FitCheck(school=mentorship.school, mentorship=mentorship, side=side, answer=answer)
    check.full_clean(validate_constraints=False)
    check.save()
    if answer == FitAnswer.NO:
        link = reverse("programmes:mentorship_detail", kwargs={"public_id": mentorship.public_id})
        for person in staff_responsible_for(mentorship.programme, mentorship.mentee):
            task_open(
                school=mentorship.school,
                kind=TaskKind.REMATCH,
                title="A new pairing does not feel like a good fit",
                subject_type="mentorship",
                subject_public_id=mentorship.public_id,
                assigned_to=person,
                link=link,
            )
    return check


# ---------------------------------------------------------------- training requirements


@transaction.atomic
def programme_set_training(
    *,
    actor: User,
    programme: Programme,
    required_modules: Iterable[TrainingModule],
    at_expiry: str,
) -> Programme:
    """Which mentors' modules a programme requires, and what happens when a
    mentor's training runs out: warn the leads only, or also pause the mentor."""
    require_manager(actor, programme.school)
    modules = list(required_modules)
    if any(
        module.school_id != programme.school_id or module.audience != TrainingModule.Audience.MENTOR
        for module in modules
    ):
        raise ValidationError({"required_modules": "Choose peer mentors' training of this school."})
    programme.at_expiry = at_expiry
    programme.full_clean()
    programme.save(update_fields=["at_expiry"])
    programme.required_modules.set(modules)
    audit_record(
        action="programme.training_changed",
        actor=actor,
        school=programme.school,
        object_type="programme",
        object_public_id=programme.public_id,
        detail=f"{len(modules)} required module(s); at expiry: {at_expiry}",
    )
    return programme


@dataclass
class TrainingExpiryResult:
    tasks: int = 0  # opened, or changed to say the training has now run out
    paused: int = 0


def _compliance_link(programme: Programme, status: str, mentor: MentorProfile) -> str:
    query = urlencode({"programme": str(programme.public_id), "status": status})
    return f"{reverse('programmes:training_compliance')}?{query}#mentor-{mentor.public_id}"


@transaction.atomic
def training_expiry_run(*, school: School, today: datetime.date) -> TrainingExpiryResult:
    """The daily job's training check. For each active mentor serving a programme
    with required modules: a required completion running out within 30 days gives
    the school's coordinators a task to renew it; one that has run out pauses the
    mentor where the programme says so (the reason, naming the module, is audited)
    and tells them, and otherwise tells them and leaves the mentor active.

    The task goes to the school's coordinators (its DSLs when it has none), not to
    the programme's leads: they manage training, and the task's link is the
    training compliance view, which only coordinators and DSLs may open, so a
    facilitator who leads a programme would be sent to a page they cannot see. A
    coordinator who also leads the programme is told once.

    Each coordinator has one open task per mentor; its title names no one. Running
    it twice changes nothing more, and a task marked done is not opened again for
    the same news (the same run-out day). An open task is closed once its mentor
    has nothing required running out or run out: they renewed it, or no longer
    serve a programme that requires it (stepped down, their pairing closed, the
    requirement dropped). A mentor paused keeps theirs while their training is
    still out of date, since it must be renewed before they come back."""
    result = TrainingExpiryResult()
    by_mentor: dict[int, list[TrainingWarning]] = {}
    still_due: set[uuid.UUID] = set()
    for warning in training_warnings(
        school, today, statuses=(MentorProfile.Status.ACTIVE, MentorProfile.Status.PAUSED)
    ):
        still_due.add(warning.mentor.public_id)
        if warning.mentor.status == MentorProfile.Status.ACTIVE:
            by_mentor.setdefault(warning.mentor.pk, []).append(warning)
    tasks_close_for(
        actor=None,
        school=school,
        kind=TaskKind.TRAINING_EXPIRING,
        subject_public_ids=set(
            Task.objects.filter(
                school=school, kind=TaskKind.TRAINING_EXPIRING, status=Task.Status.OPEN
            )
            .exclude(subject_public_id__in=still_due)
            .values_list("subject_public_id", flat=True)
        ),
        why="no required training is running out or run out now",
    )
    if not by_mentor:
        return result
    subjects = [warnings[0].mentor.public_id for warnings in by_mentor.values()]
    told = set(
        Task.objects.filter(
            school=school, kind=TaskKind.TRAINING_EXPIRING, subject_public_id__in=subjects
        ).values_list("subject_public_id", "assigned_to_id", "title", "due_on")
    )
    managers = school_managers(school)
    for warnings in by_mentor.values():
        mentor = warnings[0].mentor
        ran_out = [(w.programme, m, s) for w in warnings for m, s in w.expired]
        running_out = [(w.programme, m, s) for w in warnings for m, s in w.expiring]
        pausing = [item for item in ran_out if item[0].at_expiry == "pause"]
        if pausing:
            titles = sorted({module.title for _, module, _ in pausing})
            mentor_set_status(
                actor=None,
                mentor=mentor,
                status=MentorProfile.Status.PAUSED,
                reason="training ran out: " + "; ".join(titles),
            )
            result.paused += 1
            news, status = pausing, EXPIRED
            title = "A mentor was paused: their training ran out"
        elif ran_out:
            news, status = ran_out, EXPIRED
            title = "A mentor's training has run out"
        else:
            news, status = running_out, EXPIRING
            title = "Renew a mentor's training before it runs out"
        due_on = min(where.expires_on for _, _, where in news if where.expires_on is not None)
        programme = news[0][0]
        link = _compliance_link(programme, status, mentor)
        for person in managers:
            if (mentor.public_id, person.pk, title, due_on) in told:
                continue
            task_open(
                school=school,
                kind=TaskKind.TRAINING_EXPIRING,
                title=title,
                subject_type="mentor",
                subject_public_id=mentor.public_id,
                assigned_to=person,
                link=link,
                due_on=due_on,
                refresh=True,
            )
            result.tasks += 1
    return result
