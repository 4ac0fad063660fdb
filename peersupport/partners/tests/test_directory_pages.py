"""The directory pages: the list with each agreement's status, an organisation's
page with its services, contacts, agreements and training, the forms and the
settings page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_student
from peersupport.partners import services
from peersupport.partners.models import Agreement, Organisation, PartnerSettings, Service
from peersupport.training.models import TrainingAttendance
from peersupport.training.services import event_create, event_register_save, module_create


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


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
        actor=personas["coordinator"].user,
        organisation=organisation,
        signed_on=days(signed),
        review_on=days(review),
        scope="Referral details",
    )


def test_the_list_shows_an_expired_agreement_with_the_reason(personas, login, organisation):
    expired = record(personas, organisation, -400, -3)
    response = login(personas["coordinator"]).get(reverse("partners:organisations"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Northgate CAMHS" in page
    assert "NHS CAMHS" in page
    assert "Expired" in page
    assert f"passed its review date on {expired.review_on:%d/%m/%Y}" in page


def test_the_list_shows_until_when_an_agreement_is_in_force_and_a_review_due(
    personas, login, organisation
):
    in_force = record(personas, organisation, -10, 200)
    soon = services.organisation_create(
        actor=personas["coordinator"].user,
        school=organisation.school,
        name="Kooth",
        kind="charity",
    )
    record(personas, soon, -300, 12)
    missing = services.organisation_create(
        actor=personas["coordinator"].user,
        school=organisation.school,
        name="Early Help Hub",
        kind="early_help",
    )
    page = login(personas["dsl"]).get(reverse("partners:organisations")).content.decode()
    assert f"In force until {in_force.review_on:%-d %b %Y}" in page
    assert "Review due by" in page
    assert f"There is no data sharing agreement with {missing.name}." in page


def test_the_list_has_a_link_in_the_navigation_for_managers(personas, login):
    page = login(personas["coordinator"]).get(reverse("home")).content.decode()
    assert reverse("partners:organisations") in page


def test_the_organisation_page_shows_sharing_blocked_plainly(personas, login, organisation):
    response = login(personas["coordinator"]).get(
        reverse("partners:organisation", args=[organisation.public_id])
    )
    page = response.content.decode()
    assert "Sharing blocked" in page
    assert "There is no data sharing agreement with Northgate CAMHS." in page


def test_the_organisation_page_shows_services_contacts_and_agreements(
    personas, login, organisation
):
    coordinator = personas["coordinator"]
    services.service_add(
        actor=coordinator.user,
        organisation=organisation,
        name="Getting help",
        eligibility="Ages 11 to 18 registered with a local GP",
        referral_route="Single point of access form",
    )
    services.contact_add(
        actor=coordinator.user,
        organisation=organisation,
        name="Dr Hughes",
        user=personas["partner"].user,
    )
    record(personas, organisation, -10, 300)
    page = (
        login(coordinator)
        .get(reverse("partners:organisation", args=[organisation.public_id]))
        .content.decode()
    )
    assert "Ages 11 to 18 registered with a local GP" in page
    assert "Single point of access form" in page
    assert "Dr Hughes" in page
    assert personas["partner"].user.email in page
    assert "Referral details" in page
    assert "Sharing blocked" not in page


def test_the_organisation_page_shows_training_and_who_attended(personas, login, organisation):
    coordinator = personas["coordinator"]
    module = module_create(
        actor=coordinator.user,
        school=coordinator.school,
        title="Listening skills",
        audience="facilitator",
    )
    event = event_create(
        actor=coordinator.user,
        module=module,
        held_on=days(-1),
        trainer_name="CAMHS trainer",
        users=[personas["facilitator"].user, personas["dsl"].user],
    )
    came = TrainingAttendance.objects.get(event=event, user=personas["facilitator"].user)
    event_register_save(actor=coordinator.user, event=event, came={came.public_id})
    student = make_student(coordinator.school, legal_forename="Ada", legal_surname="Mentor")
    TrainingAttendance.objects.create(
        school=coordinator.school, event=event, student=student, attended=True
    )
    services.training_delivered_record(
        actor=coordinator.user, organisation=organisation, event=event
    )
    page = (
        login(coordinator)
        .get(reverse("partners:organisation", args=[organisation.public_id]))
        .content.decode()
    )
    training = page.split('id="training-heading"')[1].split('id="add-training-heading"')[0]
    assert "Listening skills" in training
    assert personas["facilitator"].user.full_name in training
    assert student.display_name in training
    # Invited but not marked as there.
    assert personas["dsl"].user.full_name not in training


def test_an_organisation_is_added_through_the_form(personas, login):
    response = login(personas["coordinator"]).post(
        reverse("partners:organisation_create"), {"name": "Kooth", "kind": "charity"}
    )
    organisation = Organisation.objects.get(name="Kooth")
    assert response.status_code == 302
    assert response.url == reverse("partners:organisation", args=[organisation.public_id])


def test_an_organisation_without_a_kind_is_refused_and_nothing_is_saved(personas, login):
    response = login(personas["coordinator"]).post(
        reverse("partners:organisation_create"), {"name": "Kooth"}
    )
    assert response.status_code == 400
    assert not Organisation.objects.exists()


def test_an_organisation_is_changed_through_the_form(personas, login, organisation):
    response = login(personas["dsl"]).post(
        reverse("partners:organisation_edit", args=[organisation.public_id]),
        {"name": "Northgate CAMHS", "kind": "camhs", "phone": "0113 000 0000", "active": "on"},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.phone == "0113 000 0000"


def test_an_agreement_reviewed_before_it_is_signed_is_refused_with_the_page(
    personas, login, organisation
):
    response = login(personas["coordinator"]).post(
        reverse("partners:agreement_record", args=[organisation.public_id]),
        {
            "agreement-signed_on": days(0).isoformat(),
            "agreement-review_on": days(-1).isoformat(),
            "agreement-scope": "Referral details",
        },
    )
    assert response.status_code == 400
    assert "The review date must be after the date signed." in response.content.decode()
    assert not Agreement.objects.exists()


def test_an_agreement_is_recorded_through_the_form(personas, login, organisation):
    response = login(personas["coordinator"]).post(
        reverse("partners:agreement_record", args=[organisation.public_id]),
        {
            "agreement-signed_on": days(0).isoformat(),
            "agreement-review_on": days(365).isoformat(),
            "agreement-scope": "Referral details",
            "agreement-covers_research": "on",
        },
    )
    assert response.status_code == 302
    assert Agreement.objects.get().covers_research is True


def test_a_contact_linked_to_a_viewer_is_refused_with_the_page(personas, login, organisation):
    response = login(personas["coordinator"]).post(
        reverse("partners:contact_add", args=[organisation.public_id]),
        {"contact-name": "Someone", "contact-user": personas["viewer"].user.pk},
    )
    assert response.status_code == 400
    assert not organisation.contacts.exists()


def test_a_service_is_added_and_changed_through_the_forms(personas, login, organisation):
    client = login(personas["coordinator"])
    client.post(
        reverse("partners:service_add", args=[organisation.public_id]),
        {"service-name": "Getting help", "service-active": "on"},
    )
    service = Service.objects.get()
    response = client.post(
        reverse("partners:service_edit", args=[service.public_id]),
        {"name": "Getting more help", "eligibility": "Ages 11 to 18"},
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name, service.eligibility, service.active) == (
        "Getting more help",
        "Ages 11 to 18",
        False,
    )


def test_settings_out_of_range_are_refused_and_nothing_is_saved(personas, login):
    response = login(personas["coordinator"]).post(
        reverse("partners:settings"),
        {"reminder_days": "0", "parent_consent_under": "13", "research_k": "5"},
    )
    assert response.status_code == 400
    assert not PartnerSettings.objects.exists()


def test_settings_are_saved_through_the_form(personas, login):
    response = login(personas["dsl"]).post(
        reverse("partners:settings"),
        {"reminder_days": "7", "parent_consent_under": "16", "research_k": "10"},
    )
    assert response.status_code == 302
    assert PartnerSettings.objects.get().reminder_days == 7
