"""Referrals out: making, consent, the DSL's override, sending (and what blocks it),
status changes in order, notes, and the share items."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.partners import services
from peersupport.partners.models import (
    Agreement,
    Contact,
    Organisation,
    ReferralOut,
    ReferralStatus,
    ReferralStep,
    Service,
)
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.tasks.models import Task, TaskKind

TODAY = datetime.date(2026, 11, 20)


def organisation_with_agreement(
    school: School,
    recorded_by: Any,
    *,
    name: str = "Northgate CAMHS",
    signed_on: datetime.date = datetime.date(2026, 1, 1),
    review_on: datetime.date = datetime.date(2027, 1, 1),
    agreement: bool = True,
) -> Organisation:
    organisation = Organisation.objects.create(school=school, name=name, kind="camhs")
    if agreement:
        Agreement.objects.create(
            school=school,
            organisation=organisation,
            signed_on=signed_on,
            review_on=review_on,
            scope="Referrals",
            recorded_by=recorded_by,
        )
    return organisation


def partner_contact(organisation: Organisation, persona: Persona) -> Contact:
    return Contact.objects.create(
        school=organisation.school, organisation=organisation, name="Dr Brook", user=persona.user
    )


def older_student(school: School, **fields: Any) -> Student:
    """A student of 15, so no parent's consent is needed by age."""
    return make_student(school, date_of_birth=datetime.date(2011, 1, 1), year_group=10, **fields)


def draft(
    persona: Persona, student: Student, organisation: Organisation, **fields: Any
) -> ReferralOut:
    fields.setdefault("reason", "Low mood for some months")
    return services.referral_create(
        actor=persona.user, student=student, organisation=organisation, **fields
    )


def student_consent(persona: Persona, referral: ReferralOut) -> None:
    services.referral_consent_record(
        actor=persona.user,
        referral=referral,
        who="student",
        given_by="The student",
        method="in_person",
        given_on=TODAY,
        today=TODAY,
    )


def sent_referral(
    persona: Persona, student: Student, organisation: Organisation, **fields: Any
) -> ReferralOut:
    referral = draft(persona, student, organisation, **fields)
    student_consent(persona, referral)
    return services.referral_send(actor=persona.user, referral=referral, today=TODAY)


@pytest.fixture
def setting(personas: dict[str, Persona]) -> tuple[Organisation, Student]:
    school = personas["coordinator"].school
    return (
        organisation_with_agreement(school, personas["coordinator"].user),
        older_student(school, legal_forename="Cara"),
    )


def test_a_referral_is_not_sent_without_the_students_consent(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    referral = draft(personas["coordinator"], student, organisation)
    with pytest.raises(ValidationError, match="student's own consent"):
        services.referral_send(actor=personas["coordinator"].user, referral=referral, today=TODAY)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT
    assert referral.sent_on is None
    assert referral.shared_snapshot == ""
    assert not ReferralStep.objects.filter(referral=referral).exists()


def test_a_young_students_referral_needs_a_parents_consent_too(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, _ = setting
    young = make_student(organisation.school, date_of_birth=datetime.date(2014, 10, 1))
    referral = draft(personas["coordinator"], young, organisation)
    student_consent(personas["coordinator"], referral)
    with pytest.raises(ValidationError, match="parent's or carer's consent"):
        services.referral_send(actor=personas["coordinator"].user, referral=referral, today=TODAY)
    services.referral_consent_record(
        actor=personas["coordinator"].user,
        referral=referral,
        who="parent",
        given_by="A Parent",
        relationship="mother",
        method="phone",
        given_on=TODAY,
        today=TODAY,
    )
    sent = services.referral_send(
        actor=personas["coordinator"].user, referral=referral, today=TODAY
    )
    assert sent.status == ReferralStatus.SENT


def test_a_service_that_always_asks_for_a_parents_consent_gets_it_asked_for(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    service = Service.objects.create(
        school=organisation.school,
        organisation=organisation,
        name="Family therapy",
        parent_consent_needed=True,
    )
    referral = draft(personas["coordinator"], student, organisation, service=service)
    student_consent(personas["coordinator"], referral)
    with pytest.raises(ValidationError, match="parent's or carer's consent"):
        services.referral_send(actor=personas["coordinator"].user, referral=referral, today=TODAY)


def test_only_a_dsl_may_override_consent_and_the_override_is_audited(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    referral = draft(personas["coordinator"], student, organisation)
    with pytest.raises(PermissionDenied):
        services.referral_consent_override(
            actor=personas["coordinator"].user, referral=referral, reason="Risk of harm"
        )
    with pytest.raises(ValidationError, match="Say why"):
        services.referral_consent_override(
            actor=personas["dsl"].user, referral=referral, reason="  "
        )
    referral.refresh_from_db()
    assert referral.consent_override_reason == ""
    assert not AuditEvent.objects.filter(action="partners.consent_overridden").exists()
    services.referral_consent_override(
        actor=personas["dsl"].user, referral=referral, reason="Asking would put her at risk"
    )
    event = AuditEvent.objects.get(action="partners.consent_overridden")
    assert event.actor == personas["dsl"].user
    assert event.object_public_id == referral.public_id
    sent = services.referral_send(actor=personas["dsl"].user, referral=referral, today=TODAY)
    assert sent.status == ReferralStatus.SENT


def test_a_missing_agreement_blocks_sending_with_the_reason(
    personas: dict[str, Persona],
) -> None:
    school = personas["coordinator"].school
    organisation = organisation_with_agreement(
        school, personas["coordinator"].user, agreement=False
    )
    referral = draft(personas["coordinator"], older_student(school), organisation)
    student_consent(personas["coordinator"], referral)
    with pytest.raises(ValidationError, match="There is no data sharing agreement"):
        services.referral_send(actor=personas["coordinator"].user, referral=referral, today=TODAY)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


def test_an_expired_agreement_blocks_sending_with_the_reason(
    personas: dict[str, Persona],
) -> None:
    school = personas["coordinator"].school
    organisation = organisation_with_agreement(
        school,
        personas["coordinator"].user,
        signed_on=datetime.date(2025, 1, 1),
        review_on=datetime.date(2026, 6, 30),
    )
    referral = draft(personas["coordinator"], older_student(school), organisation)
    student_consent(personas["coordinator"], referral)
    with pytest.raises(ValidationError, match="passed its review date on 30/06/2026"):
        services.referral_send(actor=personas["coordinator"].user, referral=referral, today=TODAY)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT
    assert referral.shared_snapshot == ""


def test_the_safeguarding_summary_is_refused_to_a_coordinator(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    with pytest.raises(PermissionDenied):
        draft(personas["coordinator"], student, organisation, shared_items=["safeguarding_summary"])
    assert not ReferralOut.objects.exists()


def test_an_unknown_item_is_refused(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    with pytest.raises(ValidationError, match="nothing called"):
        draft(personas["coordinator"], student, organisation, shared_items=["diary"])
    assert not ReferralOut.objects.exists()


def test_a_dsl_shares_the_safeguarding_summary_without_narratives_and_the_read_is_audited(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    from peersupport.concerns.models import Concern

    organisation, student = setting
    concern = Concern.objects.create(
        school=student.school,
        kind="safeguarding",
        raised_by=personas["dsl"].user,
        raised_as="dsl",
        text="A narrative that must never leave the file",
    )
    concern.students.add(student)
    referral = draft(
        personas["dsl"],
        student,
        organisation,
        shared_items=["safeguarding_summary", "written_summary"],
        written_summary="Seen by the school nurse twice",
    )
    student_consent(personas["dsl"], referral)
    # The record was raised today (its date is the clock's): the snapshot is too.
    today = timezone.localdate()
    sent = services.referral_send(actor=personas["dsl"].user, referral=referral, today=today)
    snapshot = json.loads(sent.shared_snapshot)
    assert list(snapshot) == ["safeguarding_summary", "written_summary"]
    lines = snapshot["safeguarding_summary"]["lines"]
    assert len(lines) == 1
    assert lines[0] == f"{today:%d/%m/%Y}: safeguarding record, open"
    assert "narrative" not in sent.shared_snapshot
    assert snapshot["written_summary"]["lines"] == ["Seen by the school nurse twice"]
    # The record's "who has looked" list names the DSL who shared it.
    assert AuditEvent.objects.filter(
        action="safeguarding.viewed",
        object_public_id=concern.public_id,
        actor=personas["dsl"].user,
    ).exists()


def test_a_coordinator_cannot_send_a_dsls_draft_that_shares_safeguarding(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    referral = draft(personas["dsl"], student, organisation, shared_items=["safeguarding_summary"])
    student_consent(personas["dsl"], referral)
    with pytest.raises(PermissionDenied):
        services.referral_send(actor=personas["coordinator"].user, referral=referral, today=TODAY)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


def test_sending_takes_a_snapshot_of_the_wellbeing_scores_and_attendance(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    from peersupport.wellbeing.models import Questionnaire

    organisation, student = setting
    Questionnaire.objects.create(
        school=student.school,
        student=student,
        instrument="scwbs",
        occasion="baseline",
        due_on=datetime.date(2026, 10, 1),
        status="done",
        total=21,
        answers={"q1": 3},
    )
    referral = sent_referral(
        personas["coordinator"],
        student,
        organisation,
        shared_items=["wellbeing_scores", "attendance"],
    )
    snapshot = json.loads(referral.shared_snapshot)
    assert snapshot["wellbeing_scores"]["lines"][0].endswith("total 21 (01/10/2026)")
    assert snapshot["attendance"]["lines"] == [
        "No peer support sessions marked in the last 12 weeks (since 28/08/2026)."
    ]
    step = ReferralStep.objects.get(referral=referral)
    assert (step.status, step.on) == (ReferralStatus.SENT, TODAY)
    assert AuditEvent.objects.filter(
        action="partners.referral_sent", object_public_id=referral.public_id
    ).exists()


def test_steps_out_of_order_are_refused_and_change_nothing(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    referral = sent_referral(personas["coordinator"], student, organisation)
    coordinator = personas["coordinator"].user
    with pytest.raises(ValidationError, match="cannot become seen"):
        services.referral_status_set(
            actor=coordinator, referral=referral, status="seen", on=TODAY, today=TODAY
        )
    with pytest.raises(ValidationError, match="before the last step"):
        services.referral_status_set(
            actor=coordinator,
            referral=referral,
            status="accepted",
            on=TODAY - datetime.timedelta(days=1),
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="future"):
        services.referral_status_set(
            actor=coordinator,
            referral=referral,
            status="accepted",
            on=TODAY + datetime.timedelta(days=1),
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="why the referral was declined"):
        services.referral_status_set(
            actor=coordinator, referral=referral, status="declined", on=TODAY, today=TODAY
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert referral.first_response_on is None
    assert ReferralStep.objects.filter(referral=referral).count() == 1


def test_status_changes_record_the_first_response_and_the_day_seen(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    referral = sent_referral(personas["coordinator"], student, organisation)
    later = TODAY + datetime.timedelta(days=10)
    partner_contact(organisation, personas["partner"])
    partner = personas["partner"].user
    for status, on in (
        ("acknowledged", TODAY + datetime.timedelta(days=3)),
        ("waitlisted", TODAY + datetime.timedelta(days=5)),
        ("seen", later),
    ):
        referral = services.referral_status_set(
            actor=partner, referral=referral, status=status, on=on, today=later
        )
    assert referral.first_response_on == TODAY + datetime.timedelta(days=3)
    assert referral.seen_on == later
    with pytest.raises(ValidationError, match="outcome"):
        services.referral_status_set(
            actor=partner, referral=referral, status="closed", on=later, today=later
        )
    referral = services.referral_status_set(
        actor=partner,
        referral=referral,
        status="closed",
        on=later,
        outcome="Six sessions of CBT",
        today=later,
    )
    assert referral.closed_on == later
    assert list(
        ReferralStep.objects.filter(referral=referral).values_list("status", flat=True)
    ) == ["sent", "acknowledged", "waitlisted", "seen", "closed"]


def test_a_partner_of_another_organisation_cannot_change_a_referral(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    other = organisation_with_agreement(
        organisation.school, personas["coordinator"].user, name="Other charity"
    )
    partner_contact(other, personas["partner"])
    referral = sent_referral(personas["coordinator"], student, organisation)
    with pytest.raises(PermissionDenied):
        services.referral_status_set(
            actor=personas["partner"].user,
            referral=referral,
            status="accepted",
            on=TODAY,
            today=TODAY,
        )


def test_a_partners_note_puts_a_task_on_the_referrers_desk(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    partner_contact(organisation, personas["partner"])
    referral = sent_referral(personas["coordinator"], student, organisation)
    services.referral_note_add(
        actor=personas["coordinator"].user, referral=referral, text="Mum prefers calls"
    )
    assert not Task.objects.filter(kind=TaskKind.PARTNER_NOTE).exists()
    note = services.referral_note_add(
        actor=personas["partner"].user, referral=referral, text="First appointment offered"
    )
    assert note.by_partner
    task = Task.objects.get(kind=TaskKind.PARTNER_NOTE)
    assert task.assigned_to == personas["coordinator"].user
    assert task.subject_public_id == referral.public_id
    assert "First appointment" not in task.title


def test_the_safeguarding_reader_itself_refuses_anyone_but_a_dsl(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    """Defence in depth: even called directly, the reader gives a coordinator
    nothing and writes no read of the file."""
    from peersupport.students.sharing import share_item

    _, student = setting
    item = share_item("safeguarding_summary")
    assert item is not None
    with pytest.raises(PermissionDenied):
        item.read(student, TODAY, personas["coordinator"].user)
    assert not AuditEvent.objects.filter(action="safeguarding.viewed").exists()


def test_changing_what_a_draft_shares_after_consent_needs_consent_again(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    coordinator = personas["coordinator"]
    organisation, student = setting
    referral = draft(coordinator, student, organisation, shared_items=["attendance"])
    student_consent(coordinator, referral)

    def change(**fields: Any) -> None:
        values: dict[str, Any] = {
            "reason": "Low mood for some months",
            "shared_items": ["attendance"],
        }
        values.update(fields)
        services.referral_update_draft(actor=coordinator.user, referral=referral, **values)

    # Changing only the words of the reason or the urgency keeps the consent.
    change(reason="Low mood since the summer", urgency="soon")
    assert not AuditEvent.objects.filter(action="partners.consent_superseded").exists()
    # Sharing more does not: the consent was for what it shared before.
    change(shared_items=["attendance", "wellbeing_scores"])
    superseded = AuditEvent.objects.get(action="partners.consent_superseded")
    assert superseded.object_public_id == referral.public_id
    with pytest.raises(ValidationError, match="student's own consent"):
        services.referral_send(actor=coordinator.user, referral=referral, today=TODAY)
    # The earlier consent is kept on the record, not deleted.
    assert referral.consents.count() == 1
    student_consent(coordinator, referral)
    sent = services.referral_send(actor=coordinator.user, referral=referral, today=TODAY)
    assert sent.status == ReferralStatus.SENT


@pytest.mark.parametrize(
    "fields",
    [
        {"written_summary": "A new summary", "shared_items": ["attendance", "written_summary"]},
        {"service": "new"},
    ],
)
def test_a_new_summary_or_service_after_consent_needs_consent_again(
    personas: dict[str, Persona], setting: tuple[Organisation, Student], fields: dict[str, Any]
) -> None:
    coordinator = personas["coordinator"]
    organisation, student = setting
    referral = draft(coordinator, student, organisation, shared_items=["attendance"])
    student_consent(coordinator, referral)
    values: dict[str, Any] = {"reason": "Low mood for some months", "shared_items": ["attendance"]}
    values.update(fields)
    if values.get("service") == "new":
        values["service"] = Service.objects.create(
            school=organisation.school, organisation=organisation, name="Drop-in"
        )
    services.referral_update_draft(actor=coordinator.user, referral=referral, **values)
    with pytest.raises(ValidationError, match="student's own consent"):
        services.referral_send(actor=coordinator.user, referral=referral, today=TODAY)


def _share_outside(student: Student, by: Any, *, given: bool, **fields: Any) -> None:
    from peersupport.students.models import ConsentKind, ConsentRecord

    ConsentRecord.objects.create(
        school=student.school,
        student=student,
        kind=ConsentKind.SHARE_OUTSIDE,
        given=given,
        given_by="A Parent",
        relationship="mother",
        method="paper",
        recorded_by=by,
        **fields,
    )


def test_a_refused_or_withdrawn_consent_to_share_outside_blocks_sending(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    coordinator = personas["coordinator"]
    organisation, student = setting
    referral = draft(coordinator, student, organisation)
    student_consent(coordinator, referral)
    _share_outside(student, coordinator.user, given=False, given_on=datetime.date(2026, 9, 1))
    with pytest.raises(ValidationError, match="refused on 01/09/2026"):
        services.referral_send(actor=coordinator.user, referral=referral, today=TODAY)
    # A later consent, given, lifts it; withdrawing that one blocks again.
    _share_outside(
        student,
        coordinator.user,
        given=True,
        given_on=datetime.date(2026, 10, 1),
        withdrawn_on=datetime.date(2026, 11, 2),
    )
    with pytest.raises(ValidationError, match="withdrawn on 02/11/2026"):
        services.referral_send(actor=coordinator.user, referral=referral, today=TODAY)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT
    _share_outside(student, coordinator.user, given=True, given_on=datetime.date(2026, 11, 3))
    sent = services.referral_send(actor=coordinator.user, referral=referral, today=TODAY)
    assert sent.status == ReferralStatus.SENT


def test_a_dsls_decision_to_refer_without_consent_stands_in_for_a_refusal(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    dsl = personas["dsl"]
    organisation, student = setting
    referral = draft(dsl, student, organisation)
    _share_outside(student, dsl.user, given=False, given_on=datetime.date(2026, 9, 1))
    services.referral_consent_override(actor=dsl.user, referral=referral, reason="At risk")
    sent = services.referral_send(actor=dsl.user, referral=referral, today=TODAY)
    assert sent.status == ReferralStatus.SENT


def test_an_inactive_organisation_blocks_sending_with_the_reason(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    coordinator = personas["coordinator"]
    organisation, student = setting
    referral = draft(coordinator, student, organisation)
    student_consent(coordinator, referral)
    Organisation.objects.filter(pk=organisation.pk).update(active=False)
    with pytest.raises(ValidationError, match="marked inactive"):
        services.referral_send(actor=coordinator.user, referral=referral, today=TODAY)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


def test_a_coordinator_cannot_change_a_dsls_draft_that_shares_safeguarding(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    organisation, student = setting
    referral = draft(
        personas["dsl"],
        student,
        organisation,
        shared_items=["safeguarding_summary", "written_summary"],
        written_summary="For the DSL",
    )
    with pytest.raises(PermissionDenied):
        services.referral_update_draft(
            actor=personas["coordinator"].user,
            referral=referral,
            reason="Changed",
            shared_items=["written_summary"],
            written_summary="Changed",
        )
    referral.refresh_from_db()
    assert referral.written_summary == "For the DSL"


def test_the_snapshot_marks_dsl_only_items_and_staff_other_than_dsls_do_not_read_them(
    personas: dict[str, Persona], setting: tuple[Organisation, Student]
) -> None:
    from peersupport.partners.selectors import referral_snapshot_items

    organisation, student = setting
    referral = draft(
        personas["dsl"],
        student,
        organisation,
        shared_items=["safeguarding_summary", "attendance", "written_summary"],
        written_summary="Seen by the nurse",
    )
    student_consent(personas["dsl"], referral)
    sent = services.referral_send(actor=personas["dsl"].user, referral=referral, today=TODAY)
    snapshot = json.loads(sent.shared_snapshot)
    assert snapshot["safeguarding_summary"]["dsl_only"] is True
    assert snapshot["attendance"]["dsl_only"] is False
    assert snapshot["written_summary"]["dsl_only"] is False
    full = referral_snapshot_items(sent, show_dsl_only=True)
    assert full[2] == ("Summary written by the referrer", ["Seen by the nurse"])
    withheld = referral_snapshot_items(sent, show_dsl_only=False)
    assert withheld[0][1] == ["Withheld: for the DSL only"]
    assert withheld[1] == full[1]  # attendance is anyone's to read
    assert withheld[2][1] == ["Withheld: for the DSL only"]  # a DSL's referral's summary
    # A snapshot stored before the mark existed: the registry says what is DSL-only.
    for entry in snapshot.values():
        del entry["dsl_only"]
    ReferralOut.objects.filter(pk=sent.pk).update(shared_snapshot=json.dumps(snapshot))
    sent.refresh_from_db()
    assert referral_snapshot_items(sent, show_dsl_only=False) == withheld
