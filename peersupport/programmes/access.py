"""Who may see which programmes, referrals and mentorships."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.audit.services import audit_record
from peersupport.programmes.models import (
    Group,
    GroupAgreement,
    KeepApart,
    MentorProfile,
    Mentorship,
    Programme,
    Referral,
)
from peersupport.schools.models import School

WHOLE_SCHOOL = frozenset({Role.COORDINATOR, Role.DSL})


def programmes_visible_to(user: User, school: School) -> QuerySet[Programme]:
    role = role_in(user, school)
    if role in WHOLE_SCHOOL:
        return Programme.objects.filter(school=school)
    if role == Role.FACILITATOR:
        return Programme.objects.filter(school=school, groups__facilitators=user).distinct()
    return Programme.objects.none()


def programme_for(user: User, school: School, public_id: uuid.UUID) -> Programme:
    try:
        return programmes_visible_to(user, school).get(public_id=public_id)
    except Programme.DoesNotExist:
        raise Http404("No such programme.") from None


def referrals_visible_to(user: User, school: School) -> QuerySet[Referral]:
    if role_in(user, school) in WHOLE_SCHOOL:
        return Referral.objects.filter(school=school)
    return Referral.objects.none()


def referral_for(
    user: User, school: School, public_id: uuid.UUID, *, request: HttpRequest | None = None
) -> Referral:
    """One referral (its details are special category): audited as a read."""
    try:
        referral = (
            referrals_visible_to(user, school)
            .select_related("student", "programme", "referred_by")
            .get(public_id=public_id)
        )
    except Referral.DoesNotExist:
        raise Http404("No such referral.") from None
    audit_record(
        action="referral.viewed",
        actor=user,
        school=school,
        object_type="referral",
        object_public_id=referral.public_id,
        request=request,
    )
    return referral


def mentorships_visible_to(user: User, school: School) -> QuerySet[Mentorship]:
    if role_in(user, school) in WHOLE_SCHOOL:
        return Mentorship.objects.filter(school=school)
    return Mentorship.objects.none()


def mentorship_for(user: User, school: School, public_id: uuid.UUID) -> Mentorship:
    try:
        return (
            mentorships_visible_to(user, school)
            .select_related("mentor__student", "mentee", "programme")
            .get(public_id=public_id)
        )
    except Mentorship.DoesNotExist:
        raise Http404("No such mentorship.") from None


def groups_visible_to(user: User, school: School) -> QuerySet[Group]:
    role = role_in(user, school)
    if role in WHOLE_SCHOOL:
        return Group.objects.filter(school=school)
    if role == Role.FACILITATOR:
        return Group.objects.filter(school=school, facilitators=user)
    return Group.objects.none()


def group_for(user: User, school: School, public_id: uuid.UUID) -> Group:
    try:
        return (
            groups_visible_to(user, school)
            .select_related("programme", "slot")
            .get(public_id=public_id)
        )
    except Group.DoesNotExist:
        raise Http404("No such group.") from None


def groups_whose_rules_user_may_write(user: User, school: School) -> QuerySet[Group]:
    """Whose ground rules ``user`` may change: a coordinator or DSL any group's, and a
    facilitator their own groups'. Never a peer mentor, even one who co-facilitates:
    a new version asks every member (other children) to agree to it, so the group
    agrees changes together in a session and staff type them in."""
    role = role_in(user, school)
    if role in WHOLE_SCHOOL:
        return Group.objects.filter(school=school)
    if role == Role.FACILITATOR:
        return Group.objects.filter(school=school, facilitators=user)
    return Group.objects.none()


def group_for_rules(user: User, school: School, public_id: uuid.UUID) -> Group:
    try:
        return (
            groups_whose_rules_user_may_write(user, school)
            .select_related("programme")
            .get(public_id=public_id)
        )
    except Group.DoesNotExist:
        raise Http404("No such group.") from None


def agreements_visible_to(user: User, school: School) -> QuerySet[GroupAgreement]:
    """Versions of ground rules: staff see those of the groups they see; a student or
    mentor those of the groups they are in now."""
    role = role_in(user, school)
    if role in (*WHOLE_SCHOOL, Role.FACILITATOR):
        return GroupAgreement.objects.filter(group__in=groups_visible_to(user, school))
    if role in (Role.STUDENT, Role.MENTOR):
        # One filter() call, so both conditions apply to the same group place.
        return GroupAgreement.objects.filter(
            school=school,
            group__members__student__user=user,
            group__members__left_on__isnull=True,
        )
    return GroupAgreement.objects.none()


def agreement_for(user: User, school: School, public_id: uuid.UUID) -> GroupAgreement:
    try:
        return (
            agreements_visible_to(user, school)
            .select_related("group__programme")
            .get(public_id=public_id)
        )
    except GroupAgreement.DoesNotExist:
        raise Http404("No such ground rules.") from None


def mentors_visible_to(user: User, school: School) -> QuerySet[MentorProfile]:
    if role_in(user, school) in WHOLE_SCHOOL:
        return MentorProfile.objects.filter(school=school)
    return MentorProfile.objects.none()


def mentor_for(user: User, school: School, public_id: uuid.UUID) -> MentorProfile:
    try:
        return mentors_visible_to(user, school).select_related("student").get(public_id=public_id)
    except MentorProfile.DoesNotExist:
        raise Http404("No such mentor.") from None


def mentors_for_export(
    user: User, school: School, *, what: str, request: HttpRequest | None = None
) -> QuerySet[MentorProfile]:
    """The mentors ``user`` may see, for a file that leaves the application: the
    export is audited (``what`` says which, without names)."""
    mentors = mentors_visible_to(user, school)
    audit_record(
        action="mentor.list_exported",
        actor=user,
        school=school,
        object_type="mentor",
        request=request,
        detail=what,
    )
    return mentors


def keep_aparts_visible_to(user: User, school: School) -> QuerySet[KeepApart]:
    """Keep-apart rules and their reasons: the coordinator and the DSL only."""
    if role_in(user, school) in WHOLE_SCHOOL:
        return KeepApart.objects.filter(school=school, ended_at__isnull=True)
    return KeepApart.objects.none()


def keep_aparts_for_reading(
    user: User, school: School, *, request: HttpRequest | None = None
) -> QuerySet[KeepApart]:
    """The keep-apart list with its reasons, for reading: an audited read."""
    rules = keep_aparts_visible_to(user, school)
    audit_record(
        action="keep_apart.list_viewed",
        actor=user,
        school=school,
        object_type="keep_apart",
        request=request,
    )
    return rules
