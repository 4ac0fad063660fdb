"""Who may see which sessions and registers."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.meetings.models import Session, Supervision
from peersupport.programmes.models import MentorProfile, Mentorship, Programme
from peersupport.schools.models import School

OPEN_MENTORSHIP = [Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED]


def sessions_visible_to(user: User, school: School) -> QuerySet[Session]:
    role = role_in(user, school)
    sessions = Session.objects.filter(school=school)
    if role in (Role.COORDINATOR, Role.DSL):
        return sessions
    if role == Role.FACILITATOR:
        return sessions.filter(group__facilitators=user)
    if role == Role.MENTOR:
        # A mentor sees the sessions of their own open mentorships while they are an
        # active mentor; nothing once it closes or they step down or pause.
        return sessions.filter(
            mentorship__mentor__student__user=user,
            mentorship__status__in=OPEN_MENTORSHIP,
            mentorship__mentor__status=MentorProfile.Status.ACTIVE,
        )
    return Session.objects.none()


def session_for(user: User, school: School, public_id: uuid.UUID) -> Session:
    try:
        session = (
            sessions_visible_to(user, school)
            .select_related("group", "mentorship__mentor__student", "mentorship__mentee")
            .get(public_id=public_id)
        )
    except Session.DoesNotExist:
        raise Http404("No such session.") from None
    session.school = school  # it was filtered by this school: no need to read it again
    return session


def supervision_programmes_visible_to(user: User, school: School) -> QuerySet[Programme]:
    """Whose mentors' supervision a member of staff sees: coordinators and DSLs
    every programme's; a facilitator the programmes they lead or run a group in."""
    role = role_in(user, school)
    if role in (Role.COORDINATOR, Role.DSL):
        return Programme.objects.filter(school=school)
    if role == Role.FACILITATOR:
        return Programme.objects.filter(
            Q(leads=user) | Q(groups__facilitators=user), school=school
        ).distinct()
    return Programme.objects.none()


def supervision_programme_for(user: User, school: School, public_id: uuid.UUID) -> Programme:
    try:
        programme = supervision_programmes_visible_to(user, school).get(public_id=public_id)
    except Programme.DoesNotExist:
        raise Http404("No such programme.") from None
    programme.school = school  # it was filtered by this school: no need to read it again
    return programme


def supervisions_visible_to(user: User, school: School) -> QuerySet[Supervision]:
    return Supervision.objects.filter(
        school=school, programme__in=supervision_programmes_visible_to(user, school)
    )


def may_read_supervision_notes(user: User, supervision: Supervision) -> bool:
    """The notes, the actions, and each mentor's answer to "How are you doing?" with
    what they added (wellbeing data about a child, and words that may name
    students): coordinators and DSLs, and the member of staff who led the
    supervision. Other staff who see the supervision see only who came."""
    if role_in(user, supervision.school) in (Role.COORDINATOR, Role.DSL):
        return True
    return supervision.facilitator_id == user.pk


def supervision_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> Supervision:
    """One supervision; reading its notes and how its mentors are doing is audited."""
    try:
        supervision = (
            supervisions_visible_to(user, school)
            .select_related("programme", "facilitator")
            .get(public_id=public_id)
        )
    except Supervision.DoesNotExist:
        raise Http404("No such supervision.") from None
    supervision.school = school
    if may_read_supervision_notes(user, supervision):
        audit_record(
            action="supervision.notes_viewed",
            actor=user,
            school=school,
            object_type="supervision",
            object_public_id=supervision.public_id,
            request=request,
        )
    return supervision
