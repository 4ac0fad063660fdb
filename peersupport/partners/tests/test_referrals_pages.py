"""Staff pages for referrals out: making one, the send button's reasons, and the
profile link."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Persona
from peersupport.audit.models import AuditEvent
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
    assert response.status_code == 400
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


def _dsl_referral_sharing_safeguarding(personas: dict[str, Persona]) -> ReferralOut:
    """A DSL's draft sharing the safeguarding summary and a written summary, sent
    without consent on the DSL's decision, about a student with a safeguarding
    record raised today."""
    from peersupport.concerns.models import Concern
    from peersupport.partners import services

    dsl = personas["dsl"]
    school = dsl.school
    organisation = organisation_with_agreement(
        school,
        dsl.user,
        signed_on=timezone.localdate() - datetime.timedelta(days=30),
        review_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    student = older_student(school)
    concern = Concern.objects.create(
        school=school, kind="safeguarding", raised_by=dsl.user, raised_as="dsl", text="x"
    )
    concern.students.add(student)
    referral = services.referral_create(
        actor=dsl.user,
        student=student,
        organisation=organisation,
        reason="Worries at home",
        shared_items=["safeguarding_summary", "written_summary"],
        written_summary="Told the nurse about the bruises",
    )
    services.referral_consent_override(
        actor=dsl.user, referral=referral, reason="Asking the father would put her at risk"
    )
    return referral


def test_a_coordinator_does_not_see_what_a_dsls_referral_shares_from_safeguarding(
    personas: dict[str, Persona], login: Login
) -> None:
    from peersupport.partners import services

    referral = _dsl_referral_sharing_safeguarding(personas)
    url = reverse("partners:referral", kwargs={"public_id": referral.public_id})
    edit = reverse("partners:referral_edit", kwargs={"public_id": referral.public_id})
    summary_line = f"{timezone.localdate():%d/%m/%Y}: safeguarding record, open"

    # The draft: the coordinator reads neither the override's reason nor the summary,
    # and can neither change nor send it.
    client = login(personas["coordinator"])
    page = client.get(url).content.decode()
    assert "Asking the father" not in page
    assert "A DSL decided to refer without consent" in page
    assert "the bruises" not in page
    assert "Withheld: for the DSL only" in page
    assert "Send the referral" not in page
    assert "Only a DSL can send this referral" in page
    response = client.get(edit)
    assert response.status_code == 302
    assert "the bruises" not in client.get(response.url).content.decode()
    client.post(edit, {"reason": "Changed", "urgency": "routine", "shared_items": []})
    referral.refresh_from_db()
    assert referral.reason == "Worries at home"
    assert referral.shared_items == ["safeguarding_summary", "written_summary"]
    response = client.post(
        reverse("partners:referral_send", kwargs={"public_id": referral.public_id})
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "draft"

    # The DSL reads it all.
    client = login(personas["dsl"])
    page = client.get(url).content.decode()
    assert "Asking the father would put her at risk" in page
    assert "Told the nurse about the bruises" in page
    assert client.get(edit).status_code == 200
    services.referral_send(actor=personas["dsl"].user, referral=referral)

    # Sent: the coordinator sees neither the summary's lines nor the written summary.
    client = login(personas["coordinator"])
    page = client.get(url).content.decode()
    assert summary_line not in page
    assert "the bruises" not in page
    assert page.count("Withheld: for the DSL only") == 3  # two snapshot items and the field
    client = login(personas["dsl"])
    page = client.get(url).content.decode()
    assert summary_line in page
    assert "Told the nurse about the bruises" in page
    assert "Withheld" not in page


def test_a_coordinators_own_referral_shows_its_written_summary(
    personas: dict[str, Persona], login: Login
) -> None:
    from peersupport.partners import services

    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(
        coordinator.school,
        coordinator.user,
        signed_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    referral = services.referral_create(
        actor=coordinator.user,
        student=older_student(coordinator.school),
        organisation=organisation,
        reason="Low mood",
        shared_items=["attendance", "written_summary"],
        written_summary="Enjoys art club",
    )
    url = reverse("partners:referral", kwargs={"public_id": referral.public_id})
    page = login(coordinator).get(url).content.decode()
    assert "Enjoys art club" in page
    assert "Withheld" not in page


def test_the_staff_referral_page_audits_its_reading_and_actions_do_not(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(coordinator.school, coordinator.user)
    referral = ReferralOut.objects.create(
        school=coordinator.school,
        student=older_student(coordinator.school),
        organisation=organisation,
        reason="x",
        made_by=coordinator.user,
    )
    client = login(coordinator)
    url = reverse("partners:referral", kwargs={"public_id": referral.public_id})
    client.get(url)
    viewed = AuditEvent.objects.filter(
        action="partners.referral_viewed", object_public_id=referral.public_id
    )
    assert viewed.count() == 1
    event = viewed.get()
    assert event.actor == coordinator.user
    assert event.role == "coordinator"
    # Acting on it (here a refused send) is audited by the service, not as a read.
    client.post(reverse("partners:referral_send", kwargs={"public_id": referral.public_id}))
    assert viewed.count() == 1


def test_the_staff_note_form_says_the_organisation_reads_the_notes(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(coordinator.school, coordinator.user)
    referral = ReferralOut.objects.create(
        school=coordinator.school,
        student=older_student(coordinator.school),
        organisation=organisation,
        reason="x",
        status="sent",
        sent_on=datetime.date(2026, 2, 1),
        made_by=coordinator.user,
    )
    url = reverse("partners:referral", kwargs={"public_id": referral.public_id})
    page = login(coordinator).get(url).content.decode()
    assert "The organisation reads these notes." in page


def test_an_empty_post_is_shown_again_with_errors_and_changes_nothing(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(coordinator.school, coordinator.user)
    student = older_student(coordinator.school)
    client = login(coordinator)
    new = client.post(reverse("partners:referral_new", kwargs={"student": student.public_id}), {})
    assert new.status_code == 400
    assert "Choose the organisation to refer to." in new.content.decode()
    assert "Say why you are making the referral." in new.content.decode()
    assert not ReferralOut.objects.exists()
    referral = ReferralOut.objects.create(
        school=coordinator.school,
        student=student,
        organisation=organisation,
        reason="First words",
        made_by=coordinator.user,
    )
    edit = client.post(
        reverse("partners:referral_edit", kwargs={"public_id": referral.public_id}), {}
    )
    assert edit.status_code == 400
    assert "Say why you are making the referral." in edit.content.decode()
    referral.refresh_from_db()
    assert referral.reason == "First words"


def test_the_referrals_list_shows_who_still_waits_and_for_how_long(
    personas: dict[str, Persona], login: Login
) -> None:
    coordinator = personas["coordinator"]
    organisation = organisation_with_agreement(coordinator.school, coordinator.user)
    today = timezone.localdate()
    for days in (3, 11):
        ReferralOut.objects.create(
            school=coordinator.school,
            student=older_student(coordinator.school),
            organisation=organisation,
            reason="x",
            status="sent",
            sent_on=today - datetime.timedelta(days=days),
            made_by=coordinator.user,
        )
    page = login(coordinator).get(reverse("partners:referrals")).content.decode()
    assert "Still waiting for an answer" in page
    assert "Longest current wait (days)" in page
    assert "<td>2</td>" in page
    assert "<td>11</td>" in page
