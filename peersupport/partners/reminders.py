"""Partners' step in the daily job (registered with meetings/daily_steps.py from
PartnersConfig.ready()): a referral sent and still without an answer after the
school's reminder days goes on the "My tasks" of whoever made it, so they chase the
organisation. Once per referral; the task closes when the referral is answered."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse

from peersupport.partners.models import ReferralOut, ReferralStatus
from peersupport.partners.selectors import partner_settings_of
from peersupport.schools.models import School
from peersupport.tasks.models import Task, TaskKind
from peersupport.tasks.services import task_open, tasks_close_for

# Says what to do and nothing of the student: the task list is seen over shoulders.
CHASE_TASK_TITLE = "Chase a referral to an outside service with no answer"


@transaction.atomic
def referral_chase_refresh(*, school: School, today: datetime.date) -> tuple[int, int]:
    """Open a chase task, once per referral, for each referral still "sent" with no
    answer ``reminder_days`` or more after it was sent; close the open chase tasks of
    referrals that have moved on. Returns (opened, closed)."""
    days = partner_settings_of(school).reminder_days
    waiting = list(
        ReferralOut.objects.filter(
            school=school,
            status=ReferralStatus.SENT,
            first_response_on__isnull=True,
            sent_on__lte=today - datetime.timedelta(days=days),
        ).select_related("made_by")
    )
    asked = set(
        Task.objects.filter(
            school=school,
            kind=TaskKind.REFERRAL_CHASE,
            subject_public_id__in=[referral.public_id for referral in waiting],
        ).values_list("subject_public_id", flat=True)
    )
    opened = 0
    for referral in waiting:
        if referral.public_id in asked:
            continue
        assert referral.sent_on is not None
        _, created = task_open(
            school=school,
            kind=TaskKind.REFERRAL_CHASE,
            title=CHASE_TASK_TITLE,
            subject_type="referral_out",
            subject_public_id=referral.public_id,
            assigned_to=referral.made_by,
            link=reverse("partners:referral", kwargs={"public_id": referral.public_id}),
            due_on=referral.sent_on + datetime.timedelta(days=days),
        )
        opened += created
    still_open = Task.objects.filter(
        school=school, kind=TaskKind.REFERRAL_CHASE, status=Task.Status.OPEN
    ).values_list("subject_public_id", flat=True)
    answered = (
        ReferralOut.objects.filter(school=school, public_id__in=list(still_open))
        .exclude(status=ReferralStatus.SENT)
        .values_list("public_id", flat=True)
    )
    closed = tasks_close_for(
        actor=None,
        school=school,
        kind=TaskKind.REFERRAL_CHASE,
        subject_public_ids=list(answered),
        why="the referral was answered",
    )
    return opened, closed


def referrals_daily(school: School, today: datetime.date) -> str:
    """The daily step. Safe to run twice."""
    opened, closed = referral_chase_refresh(school=school, today=today)
    return f"{opened} referral chase tasks opened, {closed} closed (referral answered)"
