"""Outside services' step in the daily job (registered with meetings/daily_steps.py
from PartnersConfig.ready()): when an organisation's latest data sharing agreement
is within 30 days of its review date, or past it, put its review on every
coordinator's "My tasks"; close those tasks once a newer agreement is recorded."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse

from peersupport.accounts.models import Membership, Role
from peersupport.partners.models import Agreement
from peersupport.partners.selectors import REVIEW_DUE_WITHIN_DAYS
from peersupport.schools.models import School
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_open, tasks_close_for

# Says what to do and nothing more: the linked page says which organisation.
AGREEMENT_TASK_TITLE = "Review a data sharing agreement"


def _latest_agreements(school: School) -> tuple[list[Agreement], list[Agreement]]:
    """Each organisation's latest agreement (by review date), and those it replaced."""
    latest: dict[int, Agreement] = {}
    replaced: list[Agreement] = []
    for agreement in (
        Agreement.objects.filter(school=school)
        .select_related("organisation")
        .order_by("organisation_id", "-review_on", "-signed_on", "-pk")
    ):
        if agreement.organisation_id in latest:
            replaced.append(agreement)
        else:
            latest[agreement.organisation_id] = agreement
    return list(latest.values()), replaced


@transaction.atomic
def agreement_review_tasks_refresh(*, school: School, today: datetime.date) -> tuple[int, int]:
    """Open a task, once per agreement and coordinator, to review each latest
    agreement whose review date is within 30 days or has passed (of an organisation
    the school still works with); close the tasks of agreements a newer one
    replaced. A task done by hand is not opened again. Returns (opened, closed)."""
    latest, replaced = _latest_agreements(school)
    horizon = today + datetime.timedelta(days=REVIEW_DUE_WITHIN_DAYS)
    due = [
        agreement
        for agreement in latest
        if agreement.review_on <= horizon and agreement.organisation.active
    ]
    coordinators = [
        membership.user
        for membership in Membership.objects.filter(
            school=school, role=Role.COORDINATOR, is_active=True, user__is_active=True
        ).select_related("user")
    ]
    asked = set(
        Task.objects.filter(
            school=school,
            kind=TaskKind.AGREEMENT_REVIEW,
            subject_public_id__in=[agreement.public_id for agreement in due],
        ).values_list("subject_public_id", "assigned_to_id")
    )
    opened = 0
    for agreement in due:
        link = reverse("partners:organisation", args=[agreement.organisation.public_id])
        for coordinator in coordinators:
            if (agreement.public_id, coordinator.pk) in asked:
                continue
            _, created = task_open(
                school=school,
                kind=TaskKind.AGREEMENT_REVIEW,
                title=AGREEMENT_TASK_TITLE,
                subject_type="agreement",
                subject_public_id=agreement.public_id,
                assigned_to=coordinator,
                link=link,
                due_on=agreement.review_on,
            )
            opened += created
    closed = tasks_close_for(
        actor=None,
        school=school,
        kind=TaskKind.AGREEMENT_REVIEW,
        subject_public_ids=[agreement.public_id for agreement in replaced],
        why="a newer agreement was recorded",
    )
    return opened, closed


def agreements_daily(school: School, today: datetime.date) -> str:
    """The daily step: agreement review tasks. Safe to run twice."""
    opened, closed = agreement_review_tasks_refresh(school=school, today=today)
    return (
        f"{opened} agreement review tasks opened, {closed} closed (a newer agreement was recorded)"
    )
