"""Group ground rules in the browser: a member's own page with the rules to agree to is
accessible before and after they agree, and so are the group's rules and the edit page
for staff."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.programmes.models import AgreementSignature, Programme
from peersupport.programmes.services import (
    agreement_sign,
    group_add_member,
    group_agreement_write,
    group_create,
    programme_create,
)
from tests.browser.conftest import assert_accessible
from tests.browser.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_agrees_to_changed_ground_rules_on_an_accessible_page(
    page: Any, axe: Any, live_server: Any, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    school = coordinator.school
    programme = programme_create(
        actor=coordinator.user,
        school=school,
        name="Lunch group",
        kind=Programme.Kind.GROUP,
        capacity=20,
    )
    group = group_create(
        actor=coordinator.user,
        programme=programme,
        name="Tuesday group",
        facilitators=[personas["facilitator"].user],
    )
    record = make_student(school, legal_forename="Sam")
    record.user = personas["student"].user
    record.save()
    group_add_member(actor=coordinator.user, group=group, student=record)
    for n in range(3):
        group_add_member(
            actor=coordinator.user,
            group=group,
            student=make_student(school, legal_forename=f"M{n}"),
        )
    first = group.agreements.get()
    agreement_sign(actor=coordinator.user, agreement=first, student=record)
    # The group changed its rules since Sam agreed: Sam is asked again.
    group_agreement_write(
        actor=personas["facilitator"].user,
        group=group,
        text=first.text + "\n- We start each session with a quick check-in.\n",
    )

    signed_in(page, live_server, personas["student"])
    page.goto(reverse("meetings:mine"))
    page.get_by_text("Your group changed its ground rules. Please read them again.").wait_for()
    assert_accessible(axe, page)
    page.get_by_role("button", name="I agree to the ground rules for Tuesday group").click()
    page.get_by_text("You agreed to these rules. Thank you.").wait_for()
    assert_accessible(axe, page)
    assert AgreementSignature.objects.filter(student=record, agreement__number=2).exists()

    # The staff side: the group's rules with who has agreed, and the edit page.
    page.context.clear_cookies()
    signed_in(page, live_server, personas["facilitator"])
    page.goto(reverse("meetings:group", args=[group.public_id]))
    page.get_by_role("heading", name="Who has agreed").wait_for()
    assert_accessible(axe, page)
    page.get_by_role("link", name="Change the ground rules or see every version").click()
    page.get_by_role("heading", name="Ground rules for Tuesday group").wait_for()
    page.get_by_text("Version 1: the starter ground rules").click()  # open a <details>
    assert_accessible(axe, page)
