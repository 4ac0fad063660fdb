"""An urgent-words flag on a safeguarding concern shows the concern's own words, so
reading the flag is a read of the safeguarding record: audited against the record
as its own page audits a read, and listed in its "who has looked" list."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import UrgentFlag
from peersupport.concerns.services import concern_raise, urgent_check
from peersupport.concerns.tests.safeguarding_setup import second_dsl

WORRYING = "He hits me and I don\u2019t want to be alive anymore."


def flag_url(flag: UrgentFlag) -> str:
    return reverse("concerns:urgent_flag", kwargs={"public_id": flag.public_id})


def test_reading_the_flag_is_listed_as_a_look_at_the_safeguarding_record(
    login: Callable[[Persona], Client], personas: dict[str, Persona]
) -> None:
    school = personas["dsl"].school
    concern = concern_raise(
        actor=personas["student"].user, school=school, kind="safeguarding", text=WORRYING
    )
    flag = UrgentFlag.objects.get(source_type="concern", source_public_id=concern.public_id)

    page = login(personas["dsl"]).get(flag_url(flag))
    assert page.status_code == 200
    assert "alive anymore" in page.content.decode()
    read = AuditEvent.objects.get(action="safeguarding.viewed")
    assert (read.actor, read.role, read.school, read.object_type, read.object_public_id) == (
        personas["dsl"].user,
        "dsl",
        school,
        "concern",
        concern.public_id,
    )
    assert read.ip_address == "127.0.0.1"
    assert AuditEvent.objects.filter(
        action="urgent_flag.viewed", object_public_id=flag.public_id
    ).exists()

    # Another DSL, on the record's page, sees that the first one looked at it.
    deputy = second_dsl(personas)
    record = login(deputy).get(
        reverse("concerns:safeguarding_detail", kwargs={"public_id": concern.public_id})
    )
    looks = [(row.who, row.what) for row in record.context["access"]]
    assert ("Dsl", "Looked at the record") in looks
    assert ("Deputy Dsl", "Looked at the record") in looks


def test_other_flags_are_not_reads_of_a_safeguarding_record(
    login: Callable[[Persona], Client], personas: dict[str, Persona]
) -> None:
    school = personas["dsl"].school
    worry = concern_raise(
        actor=personas["student"].user, school=school, kind="wellbeing", text=WORRYING
    )
    on_a_worry = UrgentFlag.objects.get(source_public_id=worry.public_id)
    on_a_check_in = urgent_check(
        school=school, text=WORRYING, source_type="check_in", source_public_id=uuid.uuid4()
    )
    assert on_a_check_in is not None
    client = login(personas["dsl"])
    for flag in (on_a_worry, on_a_check_in):
        assert client.get(flag_url(flag)).status_code == 200
    assert AuditEvent.objects.filter(action="urgent_flag.viewed").count() == 2
    assert not AuditEvent.objects.filter(action="safeguarding.viewed").exists()
