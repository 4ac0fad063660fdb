"""Who may see match runs and group formations: the school's coordinators and
DSLs only. Mentors, students, facilitators, viewers and partners never see one
(404)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from peersupport.accounts.models import Role, User
from peersupport.accounts.selectors import role_in
from peersupport.matching.models import GroupFormation, MatchPin, MatchRun, MatchSolve
from peersupport.schools.models import School

MANAGERS = frozenset({Role.COORDINATOR, Role.DSL})


def match_runs_visible_to(user: User, school: School) -> QuerySet[MatchRun]:
    if role_in(user, school) in MANAGERS:
        return MatchRun.objects.filter(school=school)
    return MatchRun.objects.none()


def match_run_for(user: User, school: School, public_id: uuid.UUID) -> MatchRun:
    try:
        return (
            match_runs_visible_to(user, school)
            .select_related("programme", "opened_by", "closed_by")
            .get(public_id=public_id)
        )
    except MatchRun.DoesNotExist:
        raise Http404("No such match run.") from None


def solve_for(user: User, school: School, public_id: uuid.UUID) -> MatchSolve:
    try:
        return (
            MatchSolve.objects.filter(run__in=match_runs_visible_to(user, school))
            .select_related("run__programme", "solved_by")
            .get(public_id=public_id)
        )
    except MatchSolve.DoesNotExist:
        raise Http404("No such result.") from None


def solve_of_run(run: MatchRun, public_id: uuid.UUID) -> MatchSolve:
    """One result of a run the caller may already see (from ``match_run_for``)."""
    try:
        return MatchSolve.objects.select_related("solved_by").get(run=run, public_id=public_id)
    except MatchSolve.DoesNotExist:
        raise Http404("No such result.") from None


def pin_for(run: MatchRun, public_id: uuid.UUID) -> MatchPin:
    try:
        return MatchPin.objects.get(run=run, public_id=public_id)
    except MatchPin.DoesNotExist:
        raise Http404("No such decision.") from None


def formations_visible_to(user: User, school: School) -> QuerySet[GroupFormation]:
    if role_in(user, school) in MANAGERS:
        return GroupFormation.objects.filter(school=school)
    return GroupFormation.objects.none()


def formation_for(user: User, school: School, public_id: uuid.UUID) -> GroupFormation:
    try:
        return (
            formations_visible_to(user, school)
            .select_related("programme", "solved_by", "closed_by")
            .get(public_id=public_id)
        )
    except GroupFormation.DoesNotExist:
        raise Http404("No such group formation.") from None
