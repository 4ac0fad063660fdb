"""Where an organisation's data sharing agreement stands: in force, due for review,
not yet started, expired or missing; and the directory's rows agree with the rules
that decide whether anything may be shared."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peersupport.partners import services
from peersupport.partners.access import organisation_for, organisations_visible_to
from peersupport.partners.models import Organisation
from peersupport.partners.selectors import (
    agreement_in_force,
    agreement_status,
    directory_rows,
    sharing_blocked_because,
)

TODAY = datetime.date(2026, 3, 2)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def organisation(personas):
    return services.organisation_create(
        actor=personas["coordinator"].user,
        school=personas["coordinator"].school,
        name="Northgate MHST",
        kind="mhst",
    )


def record(personas, organisation, signed: int, review: int):
    return services.agreement_record(
        actor=personas["coordinator"].user,
        organisation=organisation,
        signed_on=days(signed),
        review_on=days(review),
        scope="Referral details",
    )


def test_an_agreement_signed_and_not_past_review_is_in_force(personas, organisation):
    agreement = record(personas, organisation, -100, 200)
    status = agreement_status(organisation, TODAY)
    assert (status.state, status.agreement, status.reason) == ("in_force", agreement, None)
    assert agreement_in_force(organisation, TODAY) == agreement


def test_an_agreement_is_in_force_on_its_review_date_and_due_for_review(personas, organisation):
    record(personas, organisation, -100, 0)
    status = agreement_status(organisation, TODAY)
    assert status.state == "review_due"
    assert not status.blocked


def test_review_is_due_within_30_days_and_not_at_31(personas, organisation):
    record(personas, organisation, -100, 31)
    assert agreement_status(organisation, TODAY).state == "in_force"
    assert agreement_status(organisation, days(1)).state == "review_due"


def test_an_agreement_past_its_review_date_has_expired(personas, organisation):
    record(personas, organisation, -400, -1)
    status = agreement_status(organisation, TODAY)
    assert status.state == "expired"
    assert "passed its review date on 01/03/2026" in status.reason
    assert agreement_in_force(organisation, TODAY) is None


def test_an_agreement_signed_in_the_future_is_not_yet_in_force(personas, organisation):
    record(personas, organisation, 5, 300)
    status = agreement_status(organisation, TODAY)
    assert status.state == "not_started"
    assert "starts on 07/03/2026" in status.reason


def test_with_no_agreement_sharing_is_blocked(organisation):
    status = agreement_status(organisation, TODAY)
    assert status.state == "missing"
    assert status.reason == "There is no data sharing agreement with Northgate MHST."


def test_an_older_agreement_still_in_force_counts_though_a_later_one_has_not_started(
    personas, organisation
):
    current = record(personas, organisation, -100, 200)
    record(personas, organisation, 100, 500)
    assert agreement_status(organisation, TODAY).agreement == current


@pytest.mark.parametrize(
    "agreements",
    [[], [(-100, 200)], [(-400, -1)], [(5, 300)], [(-400, -1), (5, 300)], [(-100, 10)]],
)
def test_the_status_gives_the_same_reason_as_sharing_blocked_because(
    personas, organisation, agreements
):
    for signed, review in agreements:
        record(personas, organisation, signed, review)
    assert agreement_status(organisation, TODAY).reason == sharing_blocked_because(
        organisation, TODAY
    )


def test_the_directory_costs_the_same_queries_however_many_organisations(personas):
    coordinator = personas["coordinator"]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = directory_rows(
                organisations_visible_to(coordinator.user, coordinator.school), TODAY
            )
            [row.status.label for row in rows]
        return len(queries)

    for n in range(2):
        org = services.organisation_create(
            actor=coordinator.user, school=coordinator.school, name=f"Org {n}", kind="other"
        )
        record(personas, org, -10, 10)
    few = count()
    for n in range(2, 6):
        org = services.organisation_create(
            actor=coordinator.user, school=coordinator.school, name=f"Org {n}", kind="other"
        )
        record(personas, org, -10, 10)
    assert count() == few


@pytest.mark.parametrize("who", ["facilitator", "viewer", "partner", "mentor", "student"])
def test_only_managers_see_the_directory(personas, organisation, who):
    assert not organisations_visible_to(personas[who].user, personas[who].school).exists()


def test_another_schools_coordinator_gets_404_for_an_organisation(personas, organisation):
    from django.http import Http404

    outsider = personas["outsider"]
    with pytest.raises(Http404):
        organisation_for(outsider.user, outsider.school, organisation.public_id)
    found = organisation_for(personas["dsl"].user, personas["dsl"].school, organisation.public_id)
    assert isinstance(found, Organisation)
