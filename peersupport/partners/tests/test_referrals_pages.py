"""Staff pages for referrals out: making one, the send button's reasons, and the
profile link."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import Persona
from peersupport.partners.models import ReferralOut
from peersupport.partners.profile_links import referrals_out_link
from peersupport.partners.tests.test_referrals_services import (
    older_student,
    organisation_with_agreement,
)

Login = Callable[[Any], Client]


def test_a_coordinator_makes_a_draft_referral_from_the_page(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(coordinator.school, coordinator.user)
    student = older_student(coordinator.school)
    client = login(coordinator)
    url = reverse("partners:referral_new", kwargs={"student": student.public_id})
    page = client.get(url).content.decode()
    assert "Attendance at peer support sessions" in page
    assert "Safeguarding summary" not in page  # offered to DSLs only
    response = client.post(
        url,
        {
            "organisation": organisation.pk,
            "reason": "Anxiety about school",
            "urgency": "routine",
            "shared_items": ["attendance"],
        },
    )
    referral = ReferralOut.objects.get()
    assert response.status_code == 302
    assert referral.status == "draft"
    assert referral.shared_items == ["attendance"]
    detail = client.get(response.url).content.decode()
    # No consent yet: the page says so in place of the send button.
    assert "It cannot be sent yet. Record the student&#x27;s own consent" in detail


def test_a_referral_without_a_reason_is_refused_with_a_message(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(coordinator.school, coordinator.user)
    student = older_student(coordinator.school)
    client = login(coordinator)
    url = reverse("partners:referral_new", kwargs={"student": student.public_id})
    response = client.post(url, {"organisation": organisation.pk, "urgency": "routine"})
    assert response.status_code == 200
    assert "Say why you are making the referral." in response.content.decode()
    assert not ReferralOut.objects.exists()


def test_the_profile_link_counts_the_referrals_for_managers_only(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    organisation = organisation_with_agreement(school, coordinator.user)
    student = older_student(school)
    first = referrals_out_link(coordinator.user, school, student)
    assert first is not None and first.label == "Refer to an outside service"
    ReferralOut.objects.create(
        school=school,
        student=student,
        organisation=organisation,
        reason="x",
        made_by=coordinator.user,
    )
    link = referrals_out_link(coordinator.user, school, student)
    assert link is not None and link.label == "Referrals to outside services (1)"
    assert referrals_out_link(personas["facilitator"].user, school, student) is None
    assert referrals_out_link(personas["partner"].user, school, student) is None


def test_a_draft_is_changed_from_its_edit_page_and_a_sent_one_is_not(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(coordinator.school, coordinator.user)
    referral = ReferralOut.objects.create(
        school=coordinator.school,
        student=older_student(coordinator.school),
        organisation=organisation,
        reason="First words",
        made_by=coordinator.user,
    )
    client = login(coordinator)
    url = reverse("partners:referral_edit", kwargs={"public_id": referral.public_id})
    assert client.get(url).status_code == 200
    client.post(url, {"reason": "Better words", "urgency": "soon", "shared_items": ["attendance"]})
    referral.refresh_from_db()
    assert (referral.reason, referral.urgency, referral.shared_items) == (
        "Better words",
        "soon",
        ["attendance"],
    )
    ReferralOut.objects.filter(pk=referral.pk).update(status="sent")
    response = client.post(url, {"reason": "Changed after sending", "urgency": "routine"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.reason == "Better words"


def test_the_referrals_list_takes_the_same_queries_however_many_referrals(
    personas: dict[str, Persona], login: Login, django_assert_max_num_queries: Any
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    client = login(coordinator)

    def add_referrals(count: int) -> None:
        organisation = organisation_with_agreement(
            school, coordinator.user, name=f"Organisation {ReferralOut.objects.count()}"
        )
        for _ in range(count):
            ReferralOut.objects.create(
                school=school,
                student=older_student(school),
                organisation=organisation,
                reason="x",
                status="sent",
                sent_on=organisation.agreements.get().signed_on,
                made_by=coordinator.user,
            )

    add_referrals(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("partners:referrals")).status_code == 200
    add_referrals(6)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("partners:referrals")).status_code == 200
