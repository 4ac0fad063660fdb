"""Protocols in the browser, with the real starter protocols: a peer mentor's "What
do I do if...?" page and a protocol page pass axe-core before and after the mentor
acknowledges it; so do the coordinator's library and publishing page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.programmes.services import mentor_apply
from peersupport.training.models import Protocol, ProtocolAcknowledgement
from peersupport.training.services import protocols_install
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mentor_reads_and_acknowledges_a_protocol(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    school = personas["coordinator"].school
    protocols_install(school=school)
    record = make_student(school, legal_forename="Maya", year_group=10)
    record.user = personas["mentor"].user
    record.save()
    mentor_apply(actor=personas["coordinator"].user, student=record, why="To help")
    signed_in(page, live_server, personas["mentor"])

    page.goto(reverse("training:protocols"))
    page.get_by_role("heading", name="What do I do if…?", level=1).wait_for()
    page.get_by_role("heading", name="Still to read: 5").wait_for()
    assert_accessible(axe, page)

    question = "What do I do if a session gets heated?"
    page.get_by_role("heading", name=question).get_by_role("link").click()
    page.get_by_role("heading", name="If a session gets heated", level=1).wait_for()
    assert_accessible(axe, page)
    button = page.get_by_role("button", name="I have read this and I understand it")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Thank you. We have saved that you read it").wait_for()
    page.get_by_text("You said you read and understand version 1").wait_for()
    assert_accessible(axe, page)
    heated = Protocol.objects.get(school=school, key="a-session-gets-heated")
    acknowledgement = ProtocolAcknowledgement.objects.get(user=personas["mentor"].user)
    assert acknowledgement.version.protocol == heated
    assert acknowledgement.version.number == 1

    page.goto(reverse("training:protocols"))
    page.get_by_role("heading", name="Still to read: 4").wait_for()
    assert_accessible(axe, page)


def test_a_coordinator_publishes_a_new_version(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    school = personas["coordinator"].school
    protocols_install(school=school)
    signed_in(page, live_server, personas["coordinator"])
    page.goto(reverse("training:protocol_library"))
    assert_accessible(axe, page)
    page.get_by_role("link", name="Confidentiality and its limits").click()
    page.get_by_role("heading", name="Publish a new version").wait_for()
    assert_accessible(axe, page)
    words = page.get_by_label("The words of the protocol")
    words.fill(words.input_value() + "\nAsk staff if you are not sure.\n")
    page.get_by_label("What changed").fill("Ask staff if you are not sure.")
    page.get_by_role("button", name="Publish version 2").click()
    page.get_by_text("Version 2 is published.").wait_for()
    assert_accessible(axe, page)
    protocol = Protocol.objects.get(school=school, key="confidentiality-and-its-limits")
    assert protocol.versions.count() == 2
    # The coordinator wrote it, so they have read it: no task to read it.
    assert ProtocolAcknowledgement.objects.filter(
        user=personas["coordinator"].user, version__protocol=protocol, version__number=2
    ).exists()
