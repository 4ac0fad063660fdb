"""The directory's services: organisations, services, contacts, agreements, settings
and partner-led training, and who may write them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peersupport.audit.models import AuditEvent
from peersupport.partners import services
from peersupport.partners.models import Agreement, Contact, DeliveredTraining, PartnerSettings
from peersupport.training.services import event_create, module_create

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def organisation(personas):
    return services.organisation_create(
        actor=personas["coordinator"].user,
        school=personas["coordinator"].school,
        name="Northgate CAMHS",
        kind="camhs",
    )


def test_a_coordinator_adds_an_organisation_and_it_is_audited(personas):
    coordinator = personas["coordinator"]
    organisation = services.organisation_create(
        actor=coordinator.user, school=coordinator.school, name="  Kooth  ", kind="charity"
    )
    assert organisation.name == "Kooth"
    assert AuditEvent.objects.filter(
        action="partners.organisation_created", object_public_id=organisation.public_id
    ).exists()


@pytest.mark.parametrize("who", ["facilitator", "viewer", "partner", "mentor", "student"])
def test_only_a_coordinator_or_a_dsl_may_add_an_organisation(personas, who):
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            actor=personas[who].user, school=personas[who].school, name="X", kind="other"
        )


def test_a_coordinator_of_another_school_cannot_change_an_organisation(personas, organisation):
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            actor=personas["outsider"].user, organisation=organisation, name="Renamed"
        )
    organisation.refresh_from_db()
    assert organisation.name == "Northgate CAMHS"


def test_two_organisations_of_one_school_cannot_share_a_name(personas, organisation):
    with pytest.raises(ValidationError):
        services.organisation_create(
            actor=personas["dsl"].user,
            school=organisation.school,
            name="Northgate CAMHS",
            kind="camhs",
        )


def test_an_organisation_update_records_what_changed(personas, organisation):
    services.organisation_update(
        actor=personas["dsl"].user, organisation=organisation, phone="0113 000 0000"
    )
    organisation.refresh_from_db()
    assert organisation.phone == "0113 000 0000"
    event = AuditEvent.objects.get(action="partners.organisation_updated")
    assert event.detail == "phone"


def test_a_service_is_added_and_changed(personas, organisation):
    service = services.service_add(
        actor=personas["coordinator"].user,
        organisation=organisation,
        name="Getting help",
        eligibility="Ages 11 to 18",
        referral_route="Single point of access form",
    )
    services.service_update(actor=personas["dsl"].user, service=service, active=False)
    service.refresh_from_db()
    assert (service.eligibility, service.active) == ("Ages 11 to 18", False)
    assert AuditEvent.objects.filter(action="partners.service_updated").count() == 1


def test_a_contact_may_be_linked_to_a_partner_account(personas, organisation):
    contact = services.contact_add(
        actor=personas["coordinator"].user,
        organisation=organisation,
        name="Dr Hughes",
        user=personas["partner"].user,
    )
    assert Contact.objects.get(pk=contact.pk).user == personas["partner"].user


@pytest.mark.parametrize("who", ["facilitator", "viewer", "outsider"])
def test_a_contact_cannot_be_linked_to_an_account_without_the_partner_role(
    personas, organisation, who
):
    with pytest.raises(ValidationError) as refused:
        services.contact_add(
            actor=personas["coordinator"].user,
            organisation=organisation,
            name="Someone",
            user=personas[who].user,
        )
    assert "partner role" in str(refused.value)
    assert not Contact.objects.exists()


def test_a_contact_update_refuses_an_account_without_the_partner_role(personas, organisation):
    contact = services.contact_add(
        actor=personas["coordinator"].user, organisation=organisation, name="Dr Hughes"
    )
    with pytest.raises(ValidationError):
        services.contact_update(
            actor=personas["coordinator"].user, contact=contact, user=personas["viewer"].user
        )
    contact.refresh_from_db()
    assert contact.user is None


def test_an_agreement_is_recorded_and_audited(personas, organisation):
    agreement = services.agreement_record(
        actor=personas["dsl"].user,
        organisation=organisation,
        signed_on=TODAY,
        review_on=TODAY + datetime.timedelta(days=365),
        scope="Referral details",
        covers_research=False,
    )
    assert agreement.recorded_by == personas["dsl"].user
    assert AuditEvent.objects.filter(
        action="partners.agreement_recorded", object_public_id=agreement.public_id
    ).exists()


@pytest.mark.parametrize("days", [0, -1])
def test_an_agreement_whose_review_is_not_after_signing_is_refused(personas, organisation, days):
    with pytest.raises(ValidationError) as refused:
        services.agreement_record(
            actor=personas["coordinator"].user,
            organisation=organisation,
            signed_on=TODAY,
            review_on=TODAY + datetime.timedelta(days=days),
            scope="Referral details",
        )
    assert "review_on" in refused.value.message_dict
    assert not Agreement.objects.exists()


def test_a_facilitator_cannot_record_an_agreement(personas, organisation):
    with pytest.raises(PermissionDenied):
        services.agreement_record(
            actor=personas["facilitator"].user,
            organisation=organisation,
            signed_on=TODAY,
            review_on=TODAY + datetime.timedelta(days=30),
            scope="Referral details",
        )
    assert not Agreement.objects.exists()


def test_settings_are_saved_within_their_limits(personas):
    coordinator = personas["coordinator"]
    services.partner_settings_set(
        actor=coordinator.user,
        school=coordinator.school,
        reminder_days=14,
        parent_consent_under=16,
        research_k=10,
    )
    saved = PartnerSettings.objects.get(school=coordinator.school)
    assert (saved.reminder_days, saved.parent_consent_under, saved.research_k) == (14, 16, 10)


@pytest.mark.parametrize(
    "values",
    [
        {"reminder_days": 0},
        {"reminder_days": 91},
        {"parent_consent_under": 19},
        {"research_k": 1},
        {"research_k": 51},
    ],
)
def test_settings_out_of_their_limits_are_refused(personas, values):
    coordinator = personas["coordinator"]
    with pytest.raises(ValidationError):
        services.partner_settings_set(actor=coordinator.user, school=coordinator.school, **values)
    assert not PartnerSettings.objects.exists()


def test_a_viewer_cannot_change_the_settings(personas):
    with pytest.raises(PermissionDenied):
        services.partner_settings_set(
            actor=personas["viewer"].user, school=personas["viewer"].school, reminder_days=5
        )


def test_training_of_the_school_is_recorded_as_delivered(personas, organisation):
    coordinator = personas["coordinator"]
    module = module_create(actor=coordinator.user, school=coordinator.school, title="Listening")
    services.training_delivered_record(
        actor=coordinator.user, organisation=organisation, module=module
    )
    assert DeliveredTraining.objects.filter(organisation=organisation, module=module).exists()


def test_training_of_another_school_is_refused(personas, organisation):
    outsider = personas["outsider"]
    module = module_create(actor=outsider.user, school=outsider.school, title="Listening")
    event = event_create(
        actor=outsider.user,
        module=module,
        held_on=TODAY,
        trainer_name="Visiting trainer",
        users=[outsider.user],
    )
    for chosen in ({"module": module}, {"event": event}):
        with pytest.raises(ValidationError):
            services.training_delivered_record(
                actor=personas["coordinator"].user, organisation=organisation, **chosen
            )
    assert not DeliveredTraining.objects.exists()


def test_training_must_be_a_module_or_an_event(personas, organisation):
    with pytest.raises(ValidationError):
        services.training_delivered_record(
            actor=personas["coordinator"].user, organisation=organisation
        )
