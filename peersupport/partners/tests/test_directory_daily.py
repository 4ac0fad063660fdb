"""The daily step that puts data sharing agreements due for review on the
coordinators' task lists, and closes those tasks when the agreement is renewed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from peersupport.meetings.daily_steps import daily_steps
from peersupport.partners import services
from peersupport.partners.daily import AGREEMENT_TASK_TITLE, agreements_daily
from peersupport.tasks.models import Task, TaskKind

TODAY = datetime.date(2026, 3, 2)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def organisation(personas):
    return services.organisation_create(
        actor=personas["coordinator"].user,
        school=personas["coordinator"].school,
        name="Northgate CAMHS",
        kind="camhs",
    )


def record(personas, organisation, signed: int, review: int):
    return services.agreement_record(
        actor=personas["dsl"].user,
        organisation=organisation,
        signed_on=days(signed),
        review_on=days(review),
        scope="Referral details",
    )


def review_tasks(**filters):
    return Task.objects.filter(kind=TaskKind.AGREEMENT_REVIEW, **filters)


def test_the_step_is_registered_with_the_daily_job():
    assert agreements_daily in daily_steps()


def test_a_review_within_30_days_opens_a_task_for_each_coordinator(personas, organisation):
    agreement = record(personas, organisation, -300, 30)
    line = agreements_daily(organisation.school, TODAY)
    task = review_tasks().get()
    assert task.assigned_to == personas["coordinator"].user
    assert task.subject_public_id == agreement.public_id
    assert task.title == AGREEMENT_TASK_TITLE
    assert "CAMHS" not in task.title
    assert task.link == reverse("partners:organisation", args=[organisation.public_id])
    assert task.due_on == days(30)
    assert line.startswith("1 agreement review tasks opened")


def test_a_review_31_days_away_opens_no_task(personas, organisation):
    record(personas, organisation, -300, 31)
    agreements_daily(organisation.school, TODAY)
    assert not review_tasks().exists()


def test_an_agreement_past_its_review_date_opens_a_task(personas, organisation):
    record(personas, organisation, -400, -10)
    agreements_daily(organisation.school, TODAY)
    assert review_tasks(status=Task.Status.OPEN).count() == 1


def test_running_the_step_twice_opens_one_task(personas, organisation):
    record(personas, organisation, -300, 10)
    agreements_daily(organisation.school, TODAY)
    agreements_daily(organisation.school, TODAY)
    assert review_tasks().count() == 1


def test_only_the_latest_agreement_is_reviewed(personas, organisation):
    record(personas, organisation, -400, 5)
    record(personas, organisation, 0, 365)
    agreements_daily(organisation.school, TODAY)
    assert not review_tasks().exists()


def test_recording_a_newer_agreement_closes_the_review_task(personas, organisation):
    record(personas, organisation, -300, 20)
    agreements_daily(organisation.school, TODAY)
    assert review_tasks(status=Task.Status.OPEN).count() == 1
    record(personas, organisation, 0, 365)
    assert review_tasks(status=Task.Status.OPEN).count() == 0
    assert review_tasks(status=Task.Status.DONE).count() == 1


def test_other_schools_agreements_do_not_reach_this_schools_coordinators(personas, organisation):
    outsider = personas["outsider"]
    elsewhere = services.organisation_create(
        actor=outsider.user, school=outsider.school, name="Riverside CAMHS", kind="camhs"
    )
    services.agreement_record(
        actor=outsider.user,
        organisation=elsewhere,
        signed_on=days(-300),
        review_on=days(5),
        scope="Referral details",
    )
    agreements_daily(organisation.school, TODAY)
    assert not review_tasks().exists()
    agreements_daily(elsewhere.school, TODAY)
    assert review_tasks().get().assigned_to == outsider.user
