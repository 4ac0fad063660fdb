"""Who sees which concerns. For each role: exactly which are listed and which open
(404 otherwise). DSLs see every concern; coordinators all but safeguarding ones;
facilitators those they raised and conflicts in their own groups; partners,
viewers, mentors and students none, not even a worry they raised themselves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.audit.models import AuditEvent
from peersupport.concerns.models import Concern, ConcernKind
from peersupport.concerns.services import concern_close, concern_raise
from peersupport.concerns.tests.test_raising import Cast, cast  # noqa: F401  (fixture)
from peersupport.tasks.models import Task

ROLES = ("coordinator", "dsl", "facilitator", "viewer", "partner", "mentor", "student", "outsider")


@dataclass
class Concerns:
    by_name: dict[str, Concern]

    def named(self, *names: str) -> set[str]:
        return {str(self.by_name[name].public_id) for name in names}


@pytest.fixture
def concerns(personas: dict[str, Persona], cast: Cast) -> Concerns:  # noqa: F811
    def raise_(who: str, kind: str, **fields: object) -> Concern:
        persona = personas[who]
        return concern_raise(
            actor=persona.user,
            school=persona.school,
            kind=kind,
            text=f"What the {who} saw ({kind}).",
            **fields,  # type: ignore[arg-type]
        )

    return Concerns(
        {
            "mentor_worry": raise_("mentor", ConcernKind.WELLBEING),
            "mentor_safeguarding": raise_("mentor", ConcernKind.SAFEGUARDING),
            "student_bullying": raise_("student", ConcernKind.DISCRIMINATION),
            "facilitator_boundary": raise_("facilitator", ConcernKind.BOUNDARY),
            "facilitator_safeguarding": raise_("facilitator", ConcernKind.SAFEGUARDING),
            "conflict_in_their_group": raise_(
                "coordinator", ConcernKind.CONFLICT, group=cast.group
            ),
            "conflict_elsewhere": raise_(
                "coordinator", ConcernKind.CONFLICT, group=cast.other_group
            ),
            "worry_about_their_group": raise_(
                "coordinator", ConcernKind.WELLBEING, group=cast.group
            ),
            "other_school": raise_("outsider", ConcernKind.WELLBEING),
        }
    )


ALL_A = {
    "mentor_worry",
    "mentor_safeguarding",
    "student_bullying",
    "facilitator_boundary",
    "facilitator_safeguarding",
    "conflict_in_their_group",
    "conflict_elsewhere",
    "worry_about_their_group",
}
SAFEGUARDING = {"mentor_safeguarding", "facilitator_safeguarding"}
LISTED = {
    "dsl": ALL_A,
    "coordinator": ALL_A - SAFEGUARDING,
    # Not their own safeguarding concern: that record is the DSLs' alone.
    "facilitator": {"facilitator_boundary", "conflict_in_their_group"},
    "outsider": {"other_school"},
}
# Opened on the general page; a DSL opening a safeguarding one is sent to its record.
OPENED = {who: names - SAFEGUARDING for who, names in LISTED.items()}


def signed_in(client: Client, persona: Persona) -> Client:
    client.force_login(persona.user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


def listed_ids(client: Client) -> set[str]:
    response = client.get(reverse("concerns:list"))
    assert response.status_code == 200
    return {str(concern.public_id) for concern in response.context["concerns"]}


@pytest.mark.parametrize("who", ["dsl", "coordinator", "facilitator", "outsider"])
def test_each_staff_role_lists_exactly_its_concerns(
    client: Client, personas: dict[str, Persona], concerns: Concerns, who: str
) -> None:
    assert listed_ids(signed_in(client, personas[who])) == concerns.named(*LISTED[who])


@pytest.mark.parametrize("who", ["viewer", "partner", "mentor", "student"])
def test_the_others_get_no_list(
    client: Client, personas: dict[str, Persona], concerns: Concerns, who: str
) -> None:
    assert signed_in(client, personas[who]).get(reverse("concerns:list")).status_code == 403


@pytest.mark.parametrize("who", ROLES)
def test_each_role_opens_exactly_what_it_may_and_404_otherwise(
    client: Client, personas: dict[str, Persona], concerns: Concerns, who: str
) -> None:
    signed_in(client, personas[who])
    opened, refused = set(), {}
    for name, concern in concerns.by_name.items():
        response = client.get(reverse("concerns:detail", kwargs={"public_id": concern.public_id}))
        if response.status_code == 200:
            opened.add(name)
            assert concern.text in response.content.decode()
        else:
            refused[name] = response.status_code
    assert opened == OPENED.get(who, set())
    expected = 403 if who in ("viewer", "partner", "mentor", "student") else 404
    # A DSL's safeguarding concerns redirect to their records; everything else is hidden.
    hidden = {name: code for name, code in refused.items() if code != 302}
    assert set(hidden.values()) <= {expected}
    if who == "dsl":
        assert {name for name, code in refused.items() if code == 302} == SAFEGUARDING


def test_a_mentor_cannot_read_their_own_worry(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    signed_in(client, personas["mentor"])
    own = concerns.by_name["mentor_worry"]
    assert own.raised_by == personas["mentor"].user
    assert client.get(reverse("concerns:list")).status_code == 403
    assert client.get(
        reverse("concerns:detail", kwargs={"public_id": own.public_id})
    ).status_code in (
        403,
        404,
    )
    # Their thank-you page is all they have, and it does not say what they wrote.
    thanks = client.get(reverse("concerns:thanks", kwargs={"public_id": own.public_id}))
    assert thanks.status_code == 200
    assert own.text not in thanks.content.decode()


@pytest.mark.parametrize(
    ("who", "on_the_record_page"),
    # A coordinator may reach the safeguarding pages' addresses (and is told "not
    # found", as if there were nothing there); a facilitator is refused them outright.
    [("coordinator", 404), ("facilitator", 403)],
)
def test_guessing_a_safeguarding_concerns_address_finds_nothing(
    client: Client,
    personas: dict[str, Persona],
    concerns: Concerns,
    who: str,
    on_the_record_page: int,
) -> None:
    """Both the general concern page and the safeguarding record page, even for a
    safeguarding concern the facilitator raised themselves."""
    signed_in(client, personas[who])
    for name in SAFEGUARDING:
        public_id = concerns.by_name[name].public_id
        assert (
            client.get(reverse("concerns:detail", kwargs={"public_id": public_id})).status_code
            == 404
        )
        record = reverse("concerns:safeguarding_detail", kwargs={"public_id": public_id})
        response = client.get(record)
        assert response.status_code == on_the_record_page
        assert concerns.by_name[name].text not in response.content.decode()


def test_the_dsl_is_sent_from_the_general_page_to_the_safeguarding_record(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    public_id = concerns.by_name["mentor_safeguarding"].public_id
    response = signed_in(client, personas["dsl"]).get(
        reverse("concerns:detail", kwargs={"public_id": public_id})
    )
    assert response.url == reverse("concerns:safeguarding_detail", kwargs={"public_id": public_id})


def test_the_dsls_list_links_safeguarding_concerns_to_their_records(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    html = signed_in(client, personas["dsl"]).get(reverse("concerns:list")).content.decode()
    for name in SAFEGUARDING:
        public_id = concerns.by_name[name].public_id
        assert reverse("concerns:safeguarding_detail", kwargs={"public_id": public_id}) in html
    public_id = concerns.by_name["mentor_worry"].public_id
    assert reverse("concerns:detail", kwargs={"public_id": public_id}) in html


def test_the_list_shows_no_content(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    html = signed_in(client, personas["dsl"]).get(reverse("concerns:list")).content.decode()
    assert "What the" not in html


def test_every_read_of_a_concern_is_audited(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    concern = concerns.by_name["student_bullying"]
    url = reverse("concerns:detail", kwargs={"public_id": concern.public_id})
    signed_in(client, personas["coordinator"]).get(url)
    signed_in(client, personas["coordinator"]).get(url)
    reads = AuditEvent.objects.filter(action="concern.viewed", object_public_id=concern.public_id)
    assert reads.count() == 2
    assert {event.actor for event in reads} == {personas["coordinator"].user}
    # A refused read leaves no "viewed" event.
    signed_in(client, personas["facilitator"]).get(url)
    assert reads.count() == 2


def test_the_list_filters_by_kind_and_status(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    signed_in(client, personas["coordinator"])
    response = client.get(reverse("concerns:list"), {"kind": "conflict"})
    ids = {str(c.public_id) for c in response.context["concerns"]}
    assert ids == concerns.named("conflict_in_their_group", "conflict_elsewhere")
    response = client.get(reverse("concerns:list"), {"status": "closed"})
    assert list(response.context["concerns"]) == []


def test_the_lists_query_count_does_not_grow_with_the_concerns(
    client: Client,
    personas: dict[str, Persona],
    cast: Cast,  # noqa: F811
) -> None:
    signed_in(client, personas["dsl"])
    url = reverse("concerns:list")

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    coordinator = personas["coordinator"]
    concern_raise(
        actor=coordinator.user,
        school=coordinator.school,
        kind="wellbeing",
        text="One.",
        students=[cast.mentee],
    )
    few = queries()
    for n in range(6):
        concern_raise(
            actor=coordinator.user,
            school=coordinator.school,
            kind="conflict",
            text=f"More {n}.",
            students=[cast.mentee, make_student(coordinator.school)],
        )
    assert queries() == few


# ---------------------------------------------------------------- the response and closing


def test_a_coordinator_records_the_response_and_closes(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    concern = concerns.by_name["student_bullying"]
    assert Task.objects.filter(subject_public_id=concern.public_id, status="open").exists()
    signed_in(client, personas["coordinator"])
    response = client.post(
        reverse("concerns:close", kwargs={"public_id": concern.public_id}),
        {"response": "Spoke to both.", "support_given": "Weekly check-ins."},
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CLOSED
    assert (concern.response, concern.support_given) == ("Spoke to both.", "Weekly check-ins.")
    assert concern.closed_by == personas["coordinator"].user
    assert not Task.objects.filter(subject_public_id=concern.public_id, status="open").exists()
    event = AuditEvent.objects.get(action="concern.closed")
    assert event.detail == "discrimination"
    page = client.get(reverse("concerns:detail", kwargs={"public_id": concern.public_id}))
    assert "Weekly check-ins." in page.content.decode()


def test_discrimination_needs_the_support_given(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    concern = concerns.by_name["student_bullying"]
    signed_in(client, personas["dsl"])
    response = client.post(
        reverse("concerns:close", kwargs={"public_id": concern.public_id}),
        {"response": "Spoke to both."},
        follow=True,
    )
    assert "Say what support was given to the person harmed." in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN
    assert concern.response == ""


def test_an_empty_response_changes_nothing(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    concern = concerns.by_name["mentor_worry"]
    signed_in(client, personas["coordinator"])
    response = client.post(
        reverse("concerns:close", kwargs={"public_id": concern.public_id}),
        {"response": " "},
        follow=True,
    )
    assert "Say how staff responded." in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN


def test_a_closed_concern_is_not_closed_again(
    personas: dict[str, Persona], concerns: Concerns
) -> None:
    concern = concerns.by_name["mentor_worry"]
    concern_close(actor=personas["coordinator"].user, concern=concern, response="Talked.")
    with pytest.raises(ValidationError):
        concern_close(actor=personas["dsl"].user, concern=concern, response="Again.")
    concern.refresh_from_db()
    assert concern.response == "Talked."


def test_a_safeguarding_concern_is_not_closed_here(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    concern = concerns.by_name["mentor_safeguarding"]
    with pytest.raises(ValidationError):
        concern_close(actor=personas["dsl"].user, concern=concern, response="Done.")
    url = reverse("concerns:close", kwargs={"public_id": concern.public_id})
    assert signed_in(client, personas["dsl"]).post(url, {"response": "Done."}).status_code == 404
    assert (
        signed_in(client, personas["coordinator"]).post(url, {"response": "Done."}).status_code
        == 404
    )
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN


@pytest.mark.parametrize("who", ["facilitator", "mentor", "viewer"])
def test_only_coordinators_and_dsls_close(
    client: Client, personas: dict[str, Persona], concerns: Concerns, who: str
) -> None:
    concern = concerns.by_name["facilitator_boundary"]
    with pytest.raises(PermissionDenied):
        concern_close(actor=personas[who].user, concern=concern, response="Done.")
    url = reverse("concerns:close", kwargs={"public_id": concern.public_id})
    assert signed_in(client, personas[who]).post(url, {"response": "Done."}).status_code == 403
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN


def test_the_outsider_cannot_close_another_schools_concern(
    client: Client, personas: dict[str, Persona], concerns: Concerns
) -> None:
    concern = concerns.by_name["mentor_worry"]
    url = reverse("concerns:close", kwargs={"public_id": concern.public_id})
    assert signed_in(client, personas["outsider"]).post(url, {"response": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        concern_close(actor=personas["outsider"].user, concern=concern, response="x")
