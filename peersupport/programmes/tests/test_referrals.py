"""Referral and enrolment: triage, the waiting list, consent and capacity."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import Persona, make_student
from peersupport.programmes.models import Enrolment, Programme, Referral
from peersupport.programmes.selectors import waiting_list
from peersupport.programmes.services import (
    programme_create,
    referral_accept,
    referral_create,
    referral_decline,
    referral_waitlist,
)
from peersupport.schools.models import School
from peersupport.students.services import consent_record


def refer(actor, programme, student, **extra):  # type: ignore[no-untyped-def]
    return referral_create(
        actor=actor,
        programme=programme,
        student=student,
        source=extra.pop("source", "staff"),
        need_areas=extra.pop("need_areas", ["anxiety"]),
        **extra,
    )


def test_accepting_enrols_the_student(
    personas: dict[str, Persona], programme: Programme, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    referral = refer(
        personas["facilitator"].user,
        programme,
        make_student(school_a),
        details="Struggling since moving house",
    )
    enrolment = referral_accept(actor=coordinator, referral=referral)
    assert enrolment.programme == programme and enrolment.responsible == coordinator
    with pytest.raises(ValidationError, match="already accepted"):
        referral_accept(actor=coordinator, referral=referral)


def test_unknown_or_missing_need_areas_are_refused(
    personas: dict[str, Persona], programme: Programme, school_a: School
) -> None:
    with pytest.raises(ValidationError):
        refer(personas["coordinator"].user, programme, make_student(school_a), need_areas=[])
    with pytest.raises(ValidationError):
        refer(
            personas["coordinator"].user,
            programme,
            make_student(school_a),
            need_areas=["astrology"],
        )
    assert not Referral.objects.exists()


def test_acceptance_checks_consent_when_the_programme_needs_it(
    personas: dict[str, Persona], school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator,
        school=school_a,
        name="Group",
        kind="group",
        capacity=8,
        consent_required=True,
    )
    student = make_student(school_a)
    referral = refer(coordinator, programme, student)
    with pytest.raises(ValidationError, match="consent"):
        referral_accept(actor=coordinator, referral=referral)
    consent_record(
        actor=coordinator,
        student=student,
        kind="take_part",
        given=True,
        given_by="Mum",
        relationship="mother",
        method="paper",
        given_on=datetime.date.today(),
    )
    assert referral_accept(actor=coordinator, referral=referral)


def test_a_full_programme_refuses_and_the_waiting_list_keeps_its_order(
    personas: dict[str, Persona], school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator, school=school_a, name="Small", kind="group", capacity=1
    )
    referral_accept(
        actor=coordinator, referral=refer(coordinator, programme, make_student(school_a))
    )
    later = [refer(coordinator, programme, make_student(school_a)) for _ in range(3)]
    with pytest.raises(ValidationError, match="is full"):
        referral_accept(actor=coordinator, referral=later[0])
    for referral in reversed(later):
        referral_waitlist(actor=coordinator, referral=referral)
    waiting = waiting_list(programme)
    assert [w.referral.pk for w in waiting] == [r.pk for r in reversed(later)]
    assert [w.position for w in waiting] == [1, 2, 3]
    assert all(w.waiting_days == 0 for w in waiting)


def test_declining_needs_a_reason_and_tells_the_referrer(
    personas: dict[str, Persona],
    programme: Programme,
    school_a: School,
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    referral = refer(
        personas["facilitator"].user, programme, make_student(school_a, legal_surname="Secretname")
    )
    with pytest.raises(ValidationError):
        referral_decline(actor=personas["coordinator"].user, referral=referral, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        referral_decline(
            actor=personas["coordinator"].user,
            referral=referral,
            reason="Better suited to the group programme",
        )
    assert mail.outbox[0].to == [personas["facilitator"].user.email]
    assert "Better suited" in mail.outbox[0].body and "Secretname" not in mail.outbox[0].body


def test_a_student_refers_only_themself(
    personas: dict[str, Persona], programme: Programme, school_a: School
) -> None:
    student = make_student(school_a)
    with pytest.raises(PermissionDenied):
        refer(personas["student"].user, programme, student, source="self")
    student.user = personas["student"].user
    student.save()
    referral = refer(
        personas["student"].user,
        programme,
        student,
        source="self",
        mentor_wishes="Someone who likes football",
    )
    assert referral.source == "self"


def test_a_second_open_referral_for_the_same_programme_is_refused(
    personas: dict[str, Persona], programme: Programme, school_a: School
) -> None:
    student = make_student(school_a)
    refer(personas["coordinator"].user, programme, student)
    with pytest.raises(ValidationError, match="already has a referral"):
        refer(personas["coordinator"].user, programme, student)
    assert Enrolment.objects.count() == 0
