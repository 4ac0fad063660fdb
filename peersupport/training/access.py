"""Who may see which training."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.schools.models import School
from peersupport.training.models import Protocol, TrainingEvent, TrainingModule

STAFF = frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR})


def modules_visible_to(user: User, school: School) -> QuerySet[TrainingModule]:
    """Staff see every module; a peer mentor (or applicant in training) sees the
    mentors' modules; nobody else sees any."""
    role = role_in(user, school)
    modules = TrainingModule.objects.filter(school=school)
    if role in STAFF:
        return modules
    student = getattr(user, "student_record", None)
    if role in (Role.MENTOR, Role.STUDENT) and student is not None and hasattr(student, "mentor"):
        return modules.filter(audience=TrainingModule.Audience.MENTOR)
    return TrainingModule.objects.none()


def module_for(user: User, school: School, public_id: uuid.UUID) -> TrainingModule:
    try:
        return modules_visible_to(user, school).get(public_id=public_id)
    except TrainingModule.DoesNotExist:
        raise Http404("No such training.") from None


def events_visible_to(user: User, school: School) -> QuerySet[TrainingEvent]:
    """Staff, who run training sessions, see every one in the school (to know what
    is on, and to come); mentors hear of their own through their training page, and
    nobody else sees any. Who may change a register is narrower: ``events_run_by``."""
    role = role_in(user, school)
    if role in STAFF:
        return TrainingEvent.objects.filter(school=school)
    return TrainingEvent.objects.none()


def event_for(user: User, school: School, public_id: uuid.UUID) -> TrainingEvent:
    try:
        return (
            events_visible_to(user, school)
            .select_related("module", "trainer")
            .get(public_id=public_id)
        )
    except TrainingEvent.DoesNotExist:
        raise Http404("No such training session.") from None


REGISTER_REFUSAL = (
    "Only the trainer, whoever set the session up, or a coordinator or DSL can mark "
    "this register or add people to it."
)


def events_run_by(user: User, school: School) -> QuerySet[TrainingEvent]:
    """Sessions whose register ``user`` may mark and add people to. Attending one
    completes its module, which counts towards the training a programme requires,
    so a facilitator may change only the registers of sessions they train or set
    up; coordinators and DSLs may change any in the school."""
    role = role_in(user, school)
    events = TrainingEvent.objects.filter(school=school)
    if role in MANAGERS:
        return events
    if role == Role.FACILITATOR:
        return events.filter(Q(trainer=user) | Q(created_by=user))
    return TrainingEvent.objects.none()


def runs_event(user: User, event: TrainingEvent) -> bool:
    return events_run_by(user, event.school).filter(pk=event.pk).exists()


def event_to_run(user: User, school: School, public_id: uuid.UUID) -> TrainingEvent:
    try:
        return (
            events_run_by(user, school).select_related("module", "trainer").get(public_id=public_id)
        )
    except TrainingEvent.DoesNotExist:
        raise Http404("No such training session.") from None


def module_for_editing(user: User, school: School, public_id: uuid.UUID) -> TrainingModule:
    """Coordinators and DSLs edit the school's modules."""
    role = role_in(user, school)
    if role not in (Role.COORDINATOR, Role.DSL):
        raise Http404("No such training.")
    return module_for(user, school, public_id)


MANAGERS = frozenset({Role.COORDINATOR, Role.DSL})


def is_peer_mentor_in(user: User, school: School) -> bool:
    """The user's own student record is in this school and has a peer mentor
    profile (an applicant in training counts, as for the modules)."""
    student = getattr(user, "student_record", None)
    if student is None:
        return False
    if student.school_id != school.pk:
        return False
    return hasattr(student, "mentor")


def reads_protocols(user: User, school: School) -> bool:
    """Staff read every protocol; a peer mentor reads the mentors' ones."""
    role = role_in(user, school)
    if role in STAFF:
        return True
    if role not in (Role.MENTOR, Role.STUDENT):
        return False
    return is_peer_mentor_in(user, school)


def protocols_visible_to(user: User, school: School) -> QuerySet[Protocol]:
    """Staff see every protocol; a peer mentor sees those for mentors (never one
    for staff only); nobody else sees any."""
    role = role_in(user, school)
    protocols = Protocol.objects.filter(school=school)
    if role in STAFF:
        return protocols
    if role not in (Role.MENTOR, Role.STUDENT):
        return Protocol.objects.none()
    if not is_peer_mentor_in(user, school):
        return Protocol.objects.none()
    return protocols.filter(audience=Protocol.Audience.MENTORS)


def protocol_for(user: User, school: School, public_id: uuid.UUID) -> Protocol:
    try:
        return protocols_visible_to(user, school).get(public_id=public_id)
    except Protocol.DoesNotExist:
        raise Http404("No such protocol.") from None


def protocols_managed_by(user: User, school: School) -> QuerySet[Protocol]:
    """Coordinators and DSLs publish new versions and see who has read them."""
    if role_in(user, school) not in MANAGERS:
        return Protocol.objects.none()
    return Protocol.objects.filter(school=school)


def protocol_to_manage(user: User, school: School, public_id: uuid.UUID) -> Protocol:
    try:
        return protocols_managed_by(user, school).get(public_id=public_id)
    except Protocol.DoesNotExist:
        raise Http404("No such protocol.") from None
