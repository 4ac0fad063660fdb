"""The conflict pages: who sees which conflicts, the record page and its forms,
and the keep-apart buttons."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import ConflictCase, ConflictStep
from peersupport.concerns.services import conflict_open
from peersupport.concerns.tests.test_conflicts import (
    MEETING,
    Setting,
    agree,
    open_case,
    prepare_both,
    raise_conflict,
    step,
)
from peersupport.concerns.tests.test_conflicts import (
    setting as setting,
)
from peersupport.programmes.models import KeepApart

Login = Callable[[Persona], Client]


def detail(case: ConflictCase) -> str:
    return reverse("concerns:conflict_detail", kwargs={"public_id": case.public_id})


def action(name: str, case: ConflictCase) -> str:
    return reverse(f"concerns:{name}", kwargs={"public_id": case.public_id})


@pytest.fixture
def elsewhere(setting: Setting, personas: dict[str, Persona]) -> ConflictCase:
    """A conflict outside the facilitator's groups (no group at all)."""
    school = personas["coordinator"].school
    return conflict_open(
        actor=setting.coordinator,
        concern=raise_conflict(setting),
        students=[make_student(school), make_student(school)],
    )


# ---------------------------------------------------------------- who sees what


def test_coordinators_and_dsls_see_every_conflict(
    login: Login, personas: dict[str, Persona], setting: Setting, elsewhere: ConflictCase
) -> None:
    mine = open_case(setting)
    for who in ("coordinator", "dsl"):
        client = login(personas[who])
        page = client.get(reverse("concerns:conflicts"))
        assert page.status_code == 200
        assert set(page.context["unresolved"]) == {mine, elsewhere}
        assert client.get(detail(elsewhere)).status_code == 200


def test_a_facilitator_sees_only_the_conflicts_in_their_groups(
    login: Login, personas: dict[str, Persona], setting: Setting, elsewhere: ConflictCase
) -> None:
    mine = open_case(setting)
    client = login(personas["facilitator"])
    page = client.get(reverse("concerns:conflicts"))
    assert list(page.context["unresolved"]) == [mine]
    assert page.context["median"] is None  # the school's figure is not theirs
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(elsewhere)).status_code == 404
    assert client.post(action("conflict_step", elsewhere), {"kind": "preparation"}).status_code == (
        404
    )


@pytest.mark.parametrize("who", ["viewer", "partner", "mentor", "student"])
def test_other_roles_see_no_conflict(
    login: Login, personas: dict[str, Persona], setting: Setting, who: str
) -> None:
    case = open_case(setting)
    client = login(personas[who])
    assert client.get(reverse("concerns:conflicts")).status_code == 403
    assert client.get(detail(case)).status_code == 403


def test_the_other_school_gets_404(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    client = login(personas["outsider"])
    assert client.get(detail(case)).status_code == 404
    assert client.post(action("conflict_keep_apart", case)).status_code == 404
    assert not KeepApart.objects.exists()


def test_reading_a_conflict_is_audited(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    login(personas["facilitator"]).get(detail(case))
    assert AuditEvent.objects.filter(
        action="conflict.viewed",
        object_public_id=case.public_id,
        actor=personas["facilitator"].user,
    ).exists()


def test_the_list_takes_the_same_number_of_queries_however_many_conflicts(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    client = login(personas["coordinator"])
    url = reverse("concerns:conflicts")
    open_case(setting)
    raise_conflict(setting)
    client.get(url)  # the first request settles the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        open_case(setting)
        raise_conflict(setting)  # waiting for a record: listed too
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five) == len(one)


# ---------------------------------------------------------------- opening


def test_the_list_asks_for_a_record_for_each_conflict_raised_without_one(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    concern = raise_conflict(setting)
    link = reverse("concerns:conflict_open", kwargs={"public_id": concern.public_id})
    client = login(personas["facilitator"])
    assert link in client.get(reverse("concerns:conflicts")).content.decode()
    client.post(link, {"students": [setting.ada.pk, setting.ben.pk], "group": setting.group.pk})
    assert link not in client.get(reverse("concerns:conflicts")).content.decode()


def test_a_coordinator_opens_the_record_from_the_concern(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    concern = raise_conflict(setting)
    client = login(personas["coordinator"])
    url = reverse("concerns:conflict_open", kwargs={"public_id": concern.public_id})
    page = client.get(url)
    assert page.status_code == 200
    assert "Ada Ames" in page.content.decode()
    response = client.post(
        url,
        {
            "students": [setting.ada.pk, setting.ben.pk],
            "other_upns": setting.cal.upn.lower(),
            "group": setting.group.pk,
        },
    )
    case = ConflictCase.objects.get()
    assert response.status_code == 302
    assert response.url == detail(case)
    assert set(case.students.all()) == {setting.ada, setting.ben, setting.cal}
    # Once open, the address leads to the record.
    assert client.get(url).url == detail(case)


def test_opening_with_one_student_or_an_unknown_upn_is_refused(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    concern = raise_conflict(setting)
    client = login(personas["coordinator"])
    url = reverse("concerns:conflict_open", kwargs={"public_id": concern.public_id})
    one = client.post(url, {"students": [setting.ada.pk]})
    assert one.status_code == 400
    assert "at least two students" in one.content.decode()
    unknown = client.post(url, {"students": [setting.ada.pk], "other_upns": "Z999"})
    assert unknown.status_code == 400
    assert "No student of this school has the UPN Z999" in unknown.content.decode()
    assert not ConflictCase.objects.exists()


def test_a_facilitator_opens_one_for_their_group_from_the_concern(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    concern = raise_conflict(setting)
    client = login(personas["facilitator"])
    url = reverse("concerns:conflict_open", kwargs={"public_id": concern.public_id})
    page = client.get(url)
    assert page.status_code == 200
    assert "other_upns" not in page.context["form"].fields
    response = client.post(
        url, {"students": [setting.ada.pk, setting.ben.pk], "group": setting.group.pk}
    )
    assert response.status_code == 302
    assert ConflictCase.objects.get().group == setting.group


def test_a_facilitator_cannot_reach_a_conflict_concern_outside_their_groups(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    concern = raise_conflict(setting)
    other = make_user(
        "other.teacher@northgate.example",
        "Other",
        personas["coordinator"].school,
        Role.FACILITATOR,
        False,
    )
    url = reverse("concerns:conflict_open", kwargs={"public_id": concern.public_id})
    assert login(other).get(url).status_code == 404


# ---------------------------------------------------------------- the record page


def test_the_page_offers_the_next_step_and_records_it(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    client = login(personas["facilitator"])
    page = client.get(detail(case))
    assert page.status_code == 200
    assert page.context["needs"].step == "preparation"
    assert "Still to have a preparation conversation: Ada Ames, Ben Bell" in (page.content.decode())
    response = client.post(
        action("conflict_step", case),
        {"kind": "preparation", "held_on": datetime.date.today(), "student": setting.ada.pk},
    )
    assert response.status_code == 302
    assert case.steps.get().student == setting.ada


def test_a_step_out_of_order_is_refused_on_the_page_and_nothing_is_saved(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    client = login(personas["coordinator"])
    response = client.post(
        action("conflict_step", case),
        {
            "kind": "meeting",
            "held_on": datetime.date.today(),
            "what_happened": "A row",
            "who_was_affected": "Both",
            "put_right": "Sorry",
        },
    )
    assert response.status_code == 400
    assert "First hold a preparation conversation with Ada Ames and Ben Bell" in (
        response.content.decode()
    )
    assert not ConflictStep.objects.exists()


def test_an_agreement_from_the_page_keeps_each_action_with_its_owner(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    prepare_both(setting, case)
    step(setting, case, "meeting", **MEETING)
    client = login(personas["coordinator"])
    today = datetime.date.today()
    response = client.post(
        action("conflict_step", case),
        {
            "kind": "agreement",
            "held_on": today,
            "action_1": "Say sorry",
            "owner_1": "Ben",
            "action_2": "Sit apart for a week",
            "owner_2": "Ada and Ben",
            "follow_up_on": today + datetime.timedelta(days=7),
        },
    )
    assert response.status_code == 302
    agreement = case.steps.get(kind="agreement")
    assert agreement.actions == [
        {"action": "Say sorry", "owner": "Ben"},
        {"action": "Sit apart for a week", "owner": "Ada and Ben"},
    ]
    half = client.post(
        action("conflict_step", case),
        {"kind": "follow_up", "held_on": today, "follow_up": ""},
    )
    assert half.status_code == 400
    assert case.steps.count() == 4


def test_an_account_is_added_from_the_page(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    client = login(personas["facilitator"])
    empty = client.post(action("conflict_account", case), {"account-student": setting.ben.pk})
    assert empty.status_code == 400
    assert not case.accounts.exists()
    client.post(
        action("conflict_account", case),
        {"account-student": setting.ben.pk, "account-account": "She laughed at me."},
    )
    assert "She laughed at me." in client.get(detail(case)).content.decode()


def test_the_keep_apart_buttons_are_for_coordinators_and_dsls(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    facilitator = login(personas["facilitator"])
    assert "Keep them apart" not in facilitator.get(detail(case)).content.decode()
    assert facilitator.post(action("conflict_keep_apart", case)).status_code == 403
    assert not KeepApart.objects.exists()
    coordinator = login(personas["coordinator"])
    assert "Keep them apart" in coordinator.get(detail(case)).content.decode()
    assert coordinator.post(action("conflict_keep_apart", case)).status_code == 302
    assert KeepApart.objects.get().ended_at is None
    # Not resolved: lifting without ticking the box changes nothing.
    coordinator.post(action("conflict_lift_keep_apart", case))
    assert KeepApart.objects.get().ended_at is None
    coordinator.post(action("conflict_lift_keep_apart", case), {"before_resolved": "on"})
    assert KeepApart.objects.get().ended_at is not None


def test_a_post_without_the_csrf_token_is_refused(
    personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        personas["coordinator"].user,
        backend="allauth.account.auth_backends.AuthenticationBackend",
    )
    assert client.post(action("conflict_keep_apart", case)).status_code == 403
    assert not KeepApart.objects.exists()


def test_the_list_shows_the_median_time_to_resolve(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    client = login(personas["coordinator"])
    assert "None resolved yet" in client.get(reverse("concerns:conflicts")).content.decode()
    start = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        case = open_case(setting)
    with time_machine.travel(start + datetime.timedelta(days=3), tick=False):
        agree(setting, case)
        step(setting, case, "follow_up", follow_up="resolved")
    page = client.get(reverse("concerns:conflicts"))
    assert page.context["median"] == datetime.timedelta(days=3)
    assert "3 days" in page.content.decode()


def test_the_page_shows_each_step_as_the_conflict_moves_on(
    login: Login, personas: dict[str, Persona], setting: Setting
) -> None:
    case = open_case(setting)
    client = login(personas["coordinator"])
    client.post(action("conflict_keep_apart", case))
    prepare_both(setting, case)
    page = client.get(detail(case)).content.decode()
    assert "Next: restorative meeting" in page
    assert "Record another preparation conversation" in page
    step(setting, case, "meeting", **MEETING)
    page = client.get(detail(case)).content.decode()
    assert "Next: agreement" in page
    assert "Who has been affected, and how?" in page
    assert "A row over a seat became shoving." in page
    agree_on = datetime.date.today() + datetime.timedelta(days=7)
    step(
        setting,
        case,
        "agreement",
        follow_up_on=agree_on,
        actions=[{"action": "Make a seating plan", "owner": "Mr Facilitator"}],
    )
    page = client.get(detail(case)).content.decode()
    assert "Next: follow-up check" in page
    assert "Make a seating plan" in page
    assert "Lift it before the conflict is resolved" in page
    step(setting, case, "follow_up", follow_up="resolved")
    page = client.get(detail(case)).content.decode()
    assert "Next:" not in page
    assert "Resolved" in page
    assert "Lift it before the conflict is resolved" not in page
    assert "Lift the keep-apart" in page
