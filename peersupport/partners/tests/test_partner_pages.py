"""A partner user's pages: only their organisation's open referrals, only what each
shares, every read audited, and no access once the referral closes or the
agreement lapses."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.partners import services
from peersupport.partners.models import Agreement, ReferralOut
from peersupport.partners.tests.test_referrals_services import (
    draft,
    older_student,
    organisation_with_agreement,
    partner_contact,
    student_consent,
)
from peersupport.schools.models import School
from peersupport.wellbeing.models import Questionnaire

Login = Callable[[Any], Client]


def send_today(persona: Persona, referral: ReferralOut) -> ReferralOut:
    student_consent(persona, referral)
    return services.referral_send(actor=persona.user, referral=referral, today=timezone.localdate())


@pytest.fixture
def shared(personas: dict[str, Persona]) -> dict[str, Any]:
    """A referral to the partner's organisation sharing attendance but not the
    wellbeing scores (which the student has), and one to another organisation."""
    coordinator = personas["coordinator"]
    school = coordinator.school
    today = timezone.localdate()
    own = organisation_with_agreement(
        school,
        coordinator.user,
        signed_on=today - datetime.timedelta(days=100),
        review_on=today + datetime.timedelta(days=100),
    )
    partner_contact(own, personas["partner"])
    other = organisation_with_agreement(
        school,
        coordinator.user,
        name="Other charity",
        signed_on=today - datetime.timedelta(days=100),
        review_on=today + datetime.timedelta(days=100),
    )
    student = older_student(school, legal_forename="Dina")
    Questionnaire.objects.create(
        school=school,
        student=student,
        instrument="scwbs",
        occasion="baseline",
        due_on=today - datetime.timedelta(days=20),
        status="done",
        total=17,
    )
    referral = send_today(
        coordinator,
        draft(
            coordinator,
            student,
            own,
            reason="Struggling to sleep",
            shared_items=["attendance", "written_summary"],
            written_summary="Loves drawing",
        ),
    )
    elsewhere = send_today(
        coordinator, draft(coordinator, older_student(school, legal_forename="Evan"), other)
    )
    return {"referral": referral, "elsewhere": elsewhere, "organisation": own}


def test_the_partner_sees_their_organisations_referrals_only(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    page = client.get(reverse("partners:partner_home")).content.decode()
    assert "Dina" in page
    assert "Evan" not in page
    elsewhere = reverse(
        "partners:partner_referral", kwargs={"public_id": shared["elsewhere"].public_id}
    )
    assert client.get(elsewhere).status_code == 404


def test_the_partner_sees_only_the_items_shared(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    url = reverse("partners:partner_referral", kwargs={"public_id": shared["referral"].public_id})
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Struggling to sleep" in page
    assert "Loves drawing" in page
    assert "Attendance at peer support sessions" in page
    # The wellbeing scores were not ticked: neither their label nor their figures.
    assert "Wellbeing measure scores" not in page
    assert "total 17" not in page
    # Nothing else about the student: no date of birth, no UPN.
    student = shared["referral"].student
    assert student.upn not in page
    assert f"{student.date_of_birth:%d/%m/%Y}" not in page


def test_each_partner_read_is_audited(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    client.get(reverse("partners:partner_home"))
    url = reverse("partners:partner_referral", kwargs={"public_id": shared["referral"].public_id})
    client.get(url)
    client.get(url)
    events = AuditEvent.objects.filter(
        action="partners.partner_viewed", actor=personas["partner"].user
    )
    assert events.filter(object_type="referral_list").count() == 1
    assert events.filter(object_public_id=shared["referral"].public_id).count() == 2


def test_the_partner_gets_404_after_the_referral_closes(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    referral = shared["referral"]
    status_url = reverse(
        "partners:partner_referral_status", kwargs={"public_id": referral.public_id}
    )
    today = timezone.localdate()
    response = client.post(
        status_url, {"status": "closed", "on": today.isoformat(), "outcome": "Discharged"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "closed"
    url = reverse("partners:partner_referral", kwargs={"public_id": referral.public_id})
    assert client.get(url).status_code == 404
    assert "Dina" not in client.get(reverse("partners:partner_home")).content.decode()


def test_the_partner_gets_404_after_the_agreement_lapses(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    url = reverse("partners:partner_referral", kwargs={"public_id": shared["referral"].public_id})
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    Agreement.objects.filter(organisation=shared["organisation"]).update(
        review_on=today - datetime.timedelta(days=1)
    )
    assert client.get(url).status_code == 404


def test_the_partner_updates_the_status_and_adds_a_note_the_school_reads(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    referral = shared["referral"]
    today = timezone.localdate()
    client.post(
        reverse("partners:partner_referral_status", kwargs={"public_id": referral.public_id}),
        {"status": "accepted", "on": today.isoformat()},
    )
    client.post(
        reverse("partners:partner_referral_note", kwargs={"public_id": referral.public_id}),
        {"text": "Appointment on Tuesday"},
    )
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.first_response_on == today
    staff = login(personas["coordinator"])
    page = staff.get(
        reverse("partners:referral", kwargs={"public_id": referral.public_id})
    ).content.decode()
    assert "Appointment on Tuesday" in page


def test_an_out_of_order_status_from_the_partner_is_refused_with_a_message(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    referral = shared["referral"]
    response = client.post(
        reverse("partners:partner_referral_status", kwargs={"public_id": referral.public_id}),
        {"status": "seen", "on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert "cannot become seen" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_a_partner_without_mfa_is_sent_to_enrol_before_seeing_any_referral(
    client: Client, school_a: School
) -> None:
    """The partner role must use MFA (REQUIRE_MFA is on in the tests): with none, a
    partner is sent to set it up, and nothing is read or audited."""
    from conftest import make_user
    from peersupport.accounts.models import Role

    person = make_user("newpartner@camhs.example", "New Partner", school_a, Role.PARTNER, mfa=False)
    client.force_login(person.user)
    response = client.get(reverse("partners:partner_home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert not AuditEvent.objects.filter(action__startswith="partners.partner").exists()


def test_the_audit_of_the_partners_list_names_the_referrals_shown(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    client.get(reverse("partners:partner_home"))
    event = AuditEvent.objects.get(action="partners.partner_viewed", object_type="referral_list")
    assert str(shared["referral"].public_id) in event.detail
    assert str(shared["elsewhere"].public_id) not in event.detail


def test_a_long_list_is_audited_in_parts_that_name_every_referral(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    coordinator = personas["coordinator"]
    referrals = [shared["referral"]] + [
        send_today(
            coordinator,
            draft(coordinator, older_student(coordinator.school), shared["organisation"]),
        )
        for _ in range(7)
    ]
    login(personas["partner"]).get(reverse("partners:partner_home"))
    events = list(
        AuditEvent.objects.filter(action="partners.partner_viewed", object_type="referral_list")
    )
    assert len(events) == 2  # 8 ids, 6 to an event
    details = " ".join(event.detail for event in events)
    assert all(len(event.detail) <= 300 for event in events)
    assert all(str(referral.public_id) in details for referral in referrals)
    assert "(part 1 of 2)" in details


def test_an_empty_post_from_the_partner_changes_nothing(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    client = login(personas["partner"])
    referral = shared["referral"]
    kwargs = {"public_id": referral.public_id}
    status = client.post(
        reverse("partners:partner_referral_status", kwargs=kwargs), {}, follow=True
    )
    assert "Give the date." in status.content.decode()
    note = client.post(reverse("partners:partner_referral_note", kwargs=kwargs), {}, follow=True)
    assert "Write the note first." in note.content.decode()
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert not referral.notes.exists()


def test_the_partner_reads_a_dsl_only_item_the_dsl_shared(
    personas: dict[str, Persona], login: Login, shared: dict[str, Any]
) -> None:
    dsl = personas["dsl"]
    referral = send_today(
        dsl,
        draft(
            dsl,
            older_student(dsl.school, legal_forename="Fern"),
            shared["organisation"],
            shared_items=["safeguarding_summary", "written_summary"],
            written_summary="For the partner to read",
        ),
    )
    url = reverse("partners:partner_referral", kwargs={"public_id": referral.public_id})
    page = login(personas["partner"]).get(url).content.decode()
    assert "For the partner to read" in page
    assert "Withheld" not in page
    # The staff note form's help text is for school staff; it is not on this page.
    assert "The organisation reads these notes." not in page
