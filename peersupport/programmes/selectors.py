"""Reads about programmes that span relations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from peersupport.accounts.models import Membership, Role, User
from peersupport.programmes.models import Enrolment, KeepApart, Programme, Referral
from peersupport.students.models import ConsentKind, ConsentRecord, Student
from peersupport.training.selectors import Gap, training_gaps


def consent_in_force(student: Student) -> bool:
    """The latest parental consent to take part is given and not withdrawn."""
    latest = (
        ConsentRecord.objects.filter(student=student, kind=ConsentKind.TAKE_PART)
        .order_by("-given_on", "-recorded_at")
        .first()
    )
    return latest is not None and latest.is_in_force


def open_enrolment_count(programme: Programme) -> int:
    return Enrolment.objects.filter(programme=programme, ended_on__isnull=True).count()


def apart_from(student: Student, others: Iterable[Student]) -> bool:
    """Whether a keep-apart rule stands between ``student`` and any of ``others``."""
    ids = [other.pk for other in others if other.pk != student.pk]
    if not ids:
        return False
    return (
        KeepApart.objects.filter(ended_at__isnull=True)
        .filter(Q(student_a=student, student_b__in=ids) | Q(student_b=student, student_a__in=ids))
        .exists()
    )


def staff_responsible_for(programme: Programme, student: Student) -> list[User]:
    """Who follows this student up: the enrolment's responsible member of staff,
    else the programme's leads, else the school's coordinators."""
    enrolment = (
        Enrolment.objects.filter(programme=programme, student=student)
        .select_related("responsible")
        .order_by("-started_on")
        .first()
    )
    if enrolment is not None and enrolment.responsible is not None:
        return [enrolment.responsible]
    return programme_staff(programme)


def programme_staff(programme: Programme) -> list[User]:
    """The programme's leads, else the school's coordinators."""
    leads = list(programme.leads.all())
    if leads:
        return leads
    return [
        membership.user
        for membership in Membership.objects.filter(
            school=programme.school, role=Role.COORDINATOR, is_active=True
        ).select_related("user")
    ]


@dataclass
class Waiting:
    referral: Referral
    position: int
    waiting_days: int


def waiting_list(programme: Programme) -> list[Waiting]:
    """Waitlisted referrals in the order they joined the list, with each wait."""
    today = timezone.localdate()
    referrals = (
        Referral.objects.filter(programme=programme, status=Referral.Status.WAITLISTED)
        .select_related("student")
        .order_by("waitlisted_at", "created_at")
    )
    return [
        Waiting(
            referral=referral,
            position=position,
            waiting_days=(today - timezone.localdate(referral.waitlisted_at)).days
            if referral.waitlisted_at
            else 0,
        )
        for position, referral in enumerate(referrals, start=1)
    ]


@dataclass
class ProgrammeOverview:
    enrolments: list[Enrolment]
    referrals: list[Referral]
    groups: list[Any]
    mentorships: list[Any]


def programme_overview(programme: Programme) -> ProgrammeOverview:
    """Everything the programme page shows, in a fixed number of queries."""
    from peersupport.programmes.models import Group, Mentorship

    return ProgrammeOverview(
        enrolments=list(
            Enrolment.objects.filter(programme=programme, ended_on__isnull=True)
            .select_related("student", "responsible")
            .order_by("student__legal_surname", "student__legal_forename")
        ),
        referrals=list(
            Referral.objects.filter(programme=programme, status=Referral.Status.NEW)
            .select_related("student")
            .order_by("created_at")
        ),
        groups=list(
            Group.objects.filter(programme=programme)
            .annotate(
                member_count=Count(
                    "members", filter=Q(members__left_on__isnull=True), distinct=True
                )
            )
            .select_related("slot")
            .order_by("name")
        ),
        mentorships=list(
            Mentorship.objects.filter(programme=programme)
            .exclude(status="closed")
            .select_related("mentor__student", "mentee")
            .order_by("mentee__legal_surname")
        ),
    )


def group_members(group: Any) -> list[Any]:
    from peersupport.programmes.models import GroupMember

    return list(
        GroupMember.objects.filter(group=group, left_on__isnull=True)
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename")
    )


def staff_of(school: Any) -> QuerySet[User]:
    return User.objects.filter(
        memberships__school=school,
        memberships__is_active=True,
        memberships__role__in=[Role.COORDINATOR, Role.DSL, Role.FACILITATOR],
    ).order_by("full_name")


def pairing_choices(programme: Programme) -> tuple[QuerySet[Any], QuerySet[Student]]:
    """Active mentors with room for another mentee, and enrolled students of the
    programme with no open mentorship."""
    from peersupport.programmes.models import MentorProfile, Mentorship

    open_statuses = [Mentorship.Status.PROPOSED, Mentorship.Status.ACTIVE, Mentorship.Status.PAUSED]
    mentors = (
        MentorProfile.objects.filter(school=programme.school, status=MentorProfile.Status.ACTIVE)
        .annotate(open=Count("mentorships", filter=Q(mentorships__status__in=open_statuses)))
        .filter(open__lt=F("capacity"))
        .select_related("student")
        .order_by("student__legal_surname")
    )
    mentees = (
        Student.objects.filter(enrolments__programme=programme, enrolments__ended_on__isnull=True)
        .exclude(mentorships__status__in=open_statuses)
        .order_by("legal_surname")
    )
    return mentors, mentees


def gate_gaps(
    mentor: Any, programmes: Iterable[Programme], on: datetime.date | None = None
) -> list[Gap]:
    """The training ``mentor`` lacks for these programmes on day ``on``."""
    from peersupport.training.models import TrainingModule

    modules = TrainingModule.objects.filter(
        id__in=Programme.required_modules.through.objects.filter(
            programme__in=list(programmes)
        ).values("trainingmodule_id")
    )
    return training_gaps(student=mentor.student, modules=modules, on=on or timezone.localdate())
