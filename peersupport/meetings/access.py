"""Who may see which sessions and registers."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.meetings.models import Session
from peersupport.programmes.models import MentorProfile, Mentorship
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
