"""Protocols: the shipped starters and their strict loader, publishing versions,
acknowledging them, who may see which, and the pages that show them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.accounts.models import User
from peersupport.audit.models import AuditEvent
from peersupport.programmes.services import mentor_apply, mentor_give_reference, mentor_set_status
from peersupport.schools.models import School
from peersupport.tasks.models import Task, TaskKind
from peersupport.training.models import Protocol, ProtocolAcknowledgement, ProtocolVersion
from peersupport.training.protocols import (
    PROTOCOLS_DIR,
    ProtocolData,
    ProtocolFileError,
    load_protocols,
)
from peersupport.training.selectors import (
    current_version,
    protocol_question,
    protocol_readers,
    protocol_readings,
)
from peersupport.training.services import (
    curriculum_install,
    protocol_acknowledge,
    protocol_publish,
    protocols_install,
)
from peersupport.training.tests.test_curriculum import (
    MAX_GRADE,
    MIN_READING_EASE,
    as_sentences,
    plain_text,
    reading_scores,
)

STARTERS = {
    "someone-tells-you-something-worrying": "If someone tells you something worrying",
    "a-session-gets-heated": "If a session gets heated",
    "confidentiality-and-its-limits": "Confidentiality and its limits",
    "ending-a-mentoring-relationship-well": "Ending a mentoring relationship well",
    "contact-outside-sessions-and-online": "Contact outside sessions and online",
}
WORRYING = "someone-tells-you-something-worrying"
STAFF_PERSONAS = ("coordinator", "dsl", "facilitator")


# --- the shipped starters (no database) ---------------------------------------------


@pytest.fixture(scope="module")
def starters() -> list[ProtocolData]:
    return load_protocols()


def by_key(starters: list[ProtocolData]) -> dict[str, ProtocolData]:
    return {protocol.key: protocol for protocol in starters}


def test_the_five_starters_load_in_order_for_mentors(starters: list[ProtocolData]) -> None:
    assert {p.key: p.title for p in starters} == STARTERS
    assert [p.key for p in starters] == list(STARTERS)
    assert [p.order for p in starters] == [1, 2, 3, 4, 5]
    assert {p.audience for p in starters} == {"mentors"}
    assert load_protocols(PROTOCOLS_DIR) == starters
    assert len(list(PROTOCOLS_DIR.glob("*.md"))) == len(starters)


def test_every_starter_fits_the_protocol_model(starters: list[ProtocolData]) -> None:
    for data in starters:
        Protocol(**data.as_model_fields()).clean_fields(exclude=["school"])
        ProtocolVersion(number=1, content=data.content).clean_fields(exclude=["school", "protocol"])


def test_the_starters_say_what_must_always_be_passed_on(starters: list[ProtocolData]) -> None:
    for key in (WORRYING, "confidentiality-and-its-limits"):
        text = by_key(starters)[key].content
        for must in (
            "Never promise to keep a secret",
            "hurt themselves",
            "hurt another person",
            "being hurt or abused",
            "in danger",
            "named member of staff the same day",
            '"Raise a worry" button',
        ):
            assert must in text, (key, must)
    worrying = by_key(starters)[WORRYING].content
    assert "If someone is in danger right now," in worrying
    assert "call 999" in worrying
    # Every one says who to tell.
    for data in starters:
        assert "named member of staff" in data.content, data.key


@pytest.mark.parametrize("key", list(STARTERS))
def test_the_starters_are_easy_to_read(starters: list[ProtocolData], key: str) -> None:
    data = by_key(starters)[key]
    text = "\n".join(
        [as_sentences(data.title), as_sentences(data.summary), plain_text(data.content)]
    )
    ease, grade = reading_scores(text)
    assert ease >= MIN_READING_EASE, f"{key}: Flesch reading ease {ease} < {MIN_READING_EASE}"
    assert grade <= MAX_GRADE, f"{key}: Flesch-Kincaid grade {grade} > {MAX_GRADE}"
    assert 150 <= len(plain_text(data.content).split()) <= 450, key


def test_a_title_becomes_the_question_a_mentor_asks() -> None:
    assert (
        protocol_question("If someone tells you something worrying")
        == "What do I do if someone tells you something worrying?"
    )
    assert protocol_question("If a session gets heated") == "What do I do if a session gets heated?"
    assert (
        protocol_question("Confidentiality and its limits")
        == "What about confidentiality and its limits?"
    )
    assert protocol_question("CAMHS referrals") == "What about CAMHS referrals?"
    assert protocol_question("Can I meet online?") == "Can I meet online?"


# --- broken files -------------------------------------------------------------------


def good_protocol(body: str = "## Stay calm\n\nKeep your voice low.\n", **fields: str) -> str:
    header = {
        "key": "stay-calm",
        "title": "If a session gets heated",
        "summary": "Stay calm.",
        "audience": "mentors",
    }
    header.update(fields)
    lines = [f"{name}: {value}" for name, value in header.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_good_folder_loads(tmp_path: Path) -> None:
    write(tmp_path, "02_second.md", good_protocol(key="second", audience="staff"))
    write(tmp_path, "01_first.md", good_protocol(key="first"))
    loaded = load_protocols(tmp_path)
    assert [(p.key, p.order, p.audience) for p in loaded] == [
        ("first", 1, "mentors"),
        ("second", 2, "staff"),
    ]
    assert loaded[0].content == "## Stay calm\n\nKeep your voice low.\n"
    assert loaded[0].as_model_fields() == {
        "key": "first",
        "title": "If a session gets heated",
        "summary": "Stay calm.",
        "audience": "mentors",
        "order": 1,
    }


BROKEN: list[tuple[str, str | bytes, str]] = [
    ("no header", "## Stay calm\n", "must start with a --- line"),
    ("header not closed", "---\nkey: a\ntitle: b\n", "the header has no closing --- line"),
    ("missing field", good_protocol().replace("summary: Stay calm.\n", ""), "missing summary"),
    ("unknown field", good_protocol(colour="red"), "unknown field 'colour'"),
    (
        "repeated field",
        good_protocol().replace("key: stay-calm\n", "key: stay-calm\nkey: again\n"),
        "the field 'key' appears twice",
    ),
    (
        "not field: value",
        good_protocol().replace("key: stay-calm\n", "key stay-calm\n"),
        "line 2 of the header is not 'field: value'",
    ),
    ("empty value", good_protocol(title=""), "title is empty"),
    ("key with spaces", good_protocol(key="Stay calm"), "is not a slug"),
    ("key too long", good_protocol(key="a" * 61), "is not a slug"),
    ("bad audience", good_protocol(audience="parents"), "audience must be one of mentors, staff"),
    ("long title", good_protocol(title="x" * 121), "title is 121 characters"),
    ("long summary", good_protocol(summary="x" * 301), "summary is 301 characters"),
    ("no words", good_protocol(body="\n  \n"), "the protocol has no words after the header"),
    ("not UTF-8", b"---\nkey: caf\xe9\n---\n", "the file is not UTF-8"),
]


@pytest.mark.parametrize(
    ("text", "problem"), [(t, p) for _, t, p in BROKEN], ids=[i for i, _, _ in BROKEN]
)
def test_a_broken_file_is_named_with_its_problem(
    tmp_path: Path, text: str | bytes, problem: str
) -> None:
    write(tmp_path, "01_fine.md", good_protocol(key="fine"))
    write(tmp_path, "02_broken.md", text)
    with pytest.raises(ProtocolFileError) as caught:
        load_protocols(tmp_path)
    message = str(caught.value)
    assert message.startswith("02_broken.md: "), message
    assert problem in message, message
    assert caught.value.file == "02_broken.md"
    assert isinstance(caught.value, ValueError)


def test_a_key_used_twice_names_both_files(tmp_path: Path) -> None:
    write(tmp_path, "01_first.md", good_protocol(key="same"))
    write(tmp_path, "02_other.md", good_protocol(key="same"))
    with pytest.raises(
        ProtocolFileError, match=r"^02_other\.md: key 'same' is already used by 01_first\.md$"
    ):
        load_protocols(tmp_path)


def test_a_file_name_without_an_order_prefix_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "heated.md", good_protocol())
    with pytest.raises(ProtocolFileError, match=r"^heated\.md: the file name must be two digits"):
        load_protocols(tmp_path)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProtocolFileError, match="the protocols folder does not exist"):
        load_protocols(tmp_path / "nowhere")


# --- installing -----------------------------------------------------------------------


def test_the_starters_install_once_as_version_1_and_keep_a_schools_own(
    school_a: School, school_b: School, capsys: Any
) -> None:
    call_command("install_curriculum", "--school", school_a.urn)
    assert "5 protocols added, 0 kept as they were." in capsys.readouterr().out
    protocols = Protocol.objects.filter(school=school_a)
    assert [p.key for p in protocols] == list(STARTERS)
    for protocol in protocols:
        (version,) = protocol.versions.all()
        assert (version.number, version.published_by, version.school) == (1, None, school_a)
        assert version.content.startswith("## ")
    heated = protocols.get(key="a-session-gets-heated")
    heated.title = "If a group gets heated"
    heated.save()
    heated.versions.update(content="## Our own words\n")
    assert protocols_install(school=school_a) == (0, 5)
    call_command("install_curriculum", "--school", school_a.urn)
    assert "0 protocols added, 5 kept as they were." in capsys.readouterr().out
    heated.refresh_from_db()
    assert heated.title == "If a group gets heated"
    assert [v.content for v in heated.versions.all()] == ["## Our own words\n"]
    assert not Protocol.objects.filter(school=school_b).exists()
    assert AuditEvent.objects.filter(action="training.protocols_installed").count() == 1


# --- services and pages ---------------------------------------------------------------


@pytest.fixture
def mentor(personas: dict[str, Persona]) -> Persona:
    """The mentor persona, with a student record that has a peer mentor profile."""
    coordinator = personas["coordinator"]
    record = make_student(coordinator.school, legal_forename="Maya", year_group=10)
    record.user = personas["mentor"].user
    record.save()
    profile = mentor_apply(actor=coordinator.user, student=record, why="To help")
    mentor_give_reference(actor=coordinator.user, mentor=profile, reference="Kind")
    mentor_set_status(actor=coordinator.user, mentor=profile, status="in_training")
    return personas["mentor"]


@pytest.fixture
def installed(school_a: School) -> dict[str, Protocol]:
    protocols_install(school=school_a)
    return {p.key: p for p in Protocol.objects.filter(school=school_a)}


def version_of(protocol: Protocol, number: int) -> ProtocolVersion:
    return ProtocolVersion.objects.get(protocol=protocol, number=number)


def open_tasks(protocol: Protocol) -> set[str]:
    return set(
        Task.objects.filter(
            kind=TaskKind.PROTOCOL_TO_READ,
            subject_public_id=protocol.public_id,
            status=Task.Status.OPEN,
        ).values_list("assigned_to__email", flat=True)
    )


def acknowledge(client: Client, protocol: Protocol, version: ProtocolVersion) -> Any:
    return client.post(
        reverse("training:protocol_acknowledge", kwargs={"public_id": protocol.public_id}),
        {"version": str(version.public_id)},
        follow=True,
    )


def test_publishing_asks_again_and_the_old_acknowledgement_keeps_its_version(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    worrying = installed[WORRYING]
    first = version_of(worrying, 1)
    for who in (mentor, personas["facilitator"]):
        protocol_acknowledge(actor=who.user, version=first)
    (reading,) = [
        r
        for r in protocol_readings(user=mentor.user, protocols=Protocol.objects.all())
        if r.protocol == worrying
    ]
    assert not reading.to_read
    assert open_tasks(worrying) == set()

    second = protocol_publish(
        actor=personas["coordinator"].user,
        protocol=worrying,
        content=first.content + "\nIf you are not sure who to tell, ask your form tutor.\n",
        change_note="Added: ask your form tutor if you are not sure.",
    )
    assert second.number == 2
    assert current_version(worrying) == second
    (reading,) = [
        r
        for r in protocol_readings(user=mentor.user, protocols=Protocol.objects.all())
        if r.protocol == worrying
    ]
    assert (reading.to_read, reading.changed, reading.read_number) == (True, True, 1)
    # The acknowledgement of version 1 is kept, with its version.
    old = ProtocolAcknowledgement.objects.get(user=mentor.user)
    assert old.version == first
    # Every member of staff is asked by a task that links to the protocol, except
    # the coordinator who wrote it; mentors are asked by their page.
    assert open_tasks(worrying) == {personas[name].user.email for name in ("dsl", "facilitator")}
    task = Task.objects.get(
        assigned_to=personas["facilitator"].user, kind=TaskKind.PROTOCOL_TO_READ
    )
    assert task.link == reverse("training:protocol", kwargs={"public_id": worrying.public_id})
    assert worrying.title in task.title
    event = AuditEvent.objects.get(action="training.protocol_published")
    assert (event.actor, event.object_public_id, event.detail) == (
        personas["coordinator"].user,
        worrying.public_id,
        "version 2",
    )

    # The mentor's pages say so.
    client = login(mentor)
    page = client.get(reverse("training:protocols")).content.decode()
    assert "Still to read: 5" in page
    assert "it has changed since you read it" in page
    page = client.get(
        reverse("training:protocol", kwargs={"public_id": worrying.public_id})
    ).content.decode()
    assert "This has changed since you read version 1." in page
    assert "What changed: Added: ask your form tutor if you are not sure." in page
    assert "I have read this and I understand it" in page
    assert "ask your form tutor" in page

    # The coordinator sees who read which version, and when.
    client = login(personas["coordinator"])
    response = client.get(
        reverse("training:protocol_manage", kwargs={"public_id": worrying.public_id})
    )
    still_to_read, have_read = response.context["still_to_read"], response.context["have_read"]
    assert [row.membership.user for row in have_read] == [personas["coordinator"].user]
    rows = {row.membership.user: row for row in still_to_read}
    assert set(rows) == {personas[n].user for n in ("dsl", "facilitator", "mentor")}
    assert rows[mentor.user].read_number == 1
    assert rows[mentor.user].who == "Peer mentor"
    assert rows[personas["dsl"].user].read_number is None
    page = response.content.decode()
    assert f"Version 1, on {old.acknowledged_at:%-d %b %Y}" in page
    assert "1 of 4 people it is for have read version 2." in page


def test_acknowledging_records_the_version_once_and_closes_the_task(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    heated = installed["a-session-gets-heated"]
    second = protocol_publish(
        actor=personas["dsl"].user,
        protocol=heated,
        content="## Stay calm\n\nGet staff.\n",
        change_note="Shorter.",
    )
    facilitator = personas["facilitator"]
    client = login(facilitator)
    response = acknowledge(client, heated, second)
    assert "Thank you. We have saved that you read it and understand it." in (
        response.content.decode()
    )
    assert "You said you read and understand version 2" in response.content.decode()
    assert "I have read this and I understand it" not in response.content.decode()
    acknowledged = ProtocolAcknowledgement.objects.get(user=facilitator.user)
    assert (acknowledged.version, acknowledged.school) == (second, heated.school)
    assert facilitator.user.email not in open_tasks(heated)
    assert Task.objects.get(assigned_to=facilitator.user).status == Task.Status.DONE
    # Again: nothing new.
    again = protocol_acknowledge(actor=facilitator.user, version=second)
    assert again == acknowledged
    acknowledge(client, heated, second)
    assert ProtocolAcknowledgement.objects.filter(user=facilitator.user).count() == 1
    assert (
        AuditEvent.objects.filter(
            action="training.protocol_acknowledged", actor=facilitator.user
        ).count()
        == 1
    )
    # The coordinator still has theirs to do (the DSL wrote it).
    assert open_tasks(heated) == {personas["coordinator"].user.email}


def test_whoever_publishes_has_read_it_and_is_not_asked_to(
    personas: dict[str, Persona], installed: dict[str, Protocol]
) -> None:
    heated = installed["a-session-gets-heated"]
    dsl, coordinator = personas["dsl"].user, personas["coordinator"].user
    second = protocol_publish(
        actor=dsl, protocol=heated, content="## Stay calm\n\nGet staff.\n", change_note="Shorter."
    )
    assert not Task.objects.filter(assigned_to=dsl).exists()
    assert ProtocolAcknowledgement.objects.get(user=dsl).version == second
    event = AuditEvent.objects.get(action="training.protocol_acknowledged", actor=dsl)
    assert event.detail == "version 2, as its publisher"
    (reading,) = [
        r
        for r in protocol_readings(user=dsl, protocols=Protocol.objects.all())
        if r.protocol == heated
    ]
    assert not reading.to_read and reading.read_number == 2
    # The coordinator, asked to read version 2, writes version 3 instead: their task
    # is done, as they have read what they wrote.
    assert coordinator.email in open_tasks(heated)
    third = protocol_publish(
        actor=coordinator,
        protocol=heated,
        content="## Stay calm\n\nGet help.\n",
        change_note="Help.",
    )
    assert ProtocolAcknowledgement.objects.get(user=coordinator).version == third
    assert Task.objects.get(assigned_to=coordinator).status == Task.Status.DONE
    assert open_tasks(heated) == {dsl.email, personas["facilitator"].user.email}


def test_only_the_current_version_can_be_acknowledged(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    online = installed["contact-outside-sessions-and-online"]
    first = version_of(online, 1)
    protocol_publish(
        actor=personas["coordinator"].user,
        protocol=online,
        content="## Keep it in school\n",
        change_note="New start.",
    )
    with pytest.raises(ValidationError, match="This has changed since you opened it"):
        protocol_acknowledge(actor=mentor.user, version=first)
    # A version published while the mentor was reading: the button's version is old.
    # They are told in plain words.
    response = acknowledge(login(mentor), online, first)
    assert (
        "This has changed since you opened it. Please read it again, then press the button."
        in response.content.decode()
    )
    assert "I have read this and I understand it" in response.content.decode()
    # No version, or another protocol's version, is refused too.
    other = version_of(installed[WORRYING], 1)
    for data in ({}, {"version": "not-a-uuid"}, {"version": str(other.public_id)}):
        response = login(mentor).post(
            reverse("training:protocol_acknowledge", kwargs={"public_id": online.public_id}),
            data,
            follow=True,
        )
        assert "Please read it all, then press the button at the end." in (
            response.content.decode()
        )
    assert not ProtocolAcknowledgement.objects.filter(user=mentor.user).exists()


@pytest.mark.django_db(transaction=True)
def test_an_acknowledgement_waits_for_a_version_being_published(
    personas: dict[str, Persona], mentor: Persona, installed: dict[str, Protocol]
) -> None:
    """The mentor presses the button on version 1 while a coordinator is publishing
    version 2: the acknowledgement waits for the publish to finish, then is refused,
    rather than recording version 1 as read once version 2 is out."""
    if not connection.features.has_select_for_update:
        pytest.skip("Row locks need PostgreSQL; SQLite runs one writer at a time.")
    online = installed["contact-outside-sessions-and-online"]
    first = version_of(online, 1)
    publishing, acknowledging = threading.Event(), threading.Event()
    outcome: list[BaseException | ProtocolAcknowledgement] = []

    def publish() -> None:
        try:
            with transaction.atomic():
                protocol_publish(
                    actor=personas["coordinator"].user,
                    protocol=online,
                    content="## Keep it in school\n",
                    change_note="New start.",
                )
                publishing.set()
                # Hold the publish open until the acknowledgement has had time to
                # reach the protocol's lock.
                acknowledging.wait(timeout=5)
                time.sleep(0.5)
        finally:
            connections.close_all()

    def acknowledge_first() -> None:
        publishing.wait(timeout=5)
        acknowledging.set()
        try:
            outcome.append(protocol_acknowledge(actor=mentor.user, version=first))
        except ValidationError as error:
            outcome.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish), threading.Thread(target=acknowledge_first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    (result,) = outcome
    assert isinstance(result, ValidationError), result
    assert "This has changed since you opened it" in " ".join(result.messages)
    assert not ProtocolAcknowledgement.objects.filter(user=mentor.user).exists()


def test_only_a_coordinator_or_dsl_publishes(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    heated = installed["a-session-gets-heated"]
    for name in ("facilitator", "mentor", "viewer", "outsider"):
        with pytest.raises(PermissionDenied):
            protocol_publish(
                actor=personas[name].user, protocol=heated, content="## New\n", change_note="New."
            )
    url = reverse("training:protocol_manage", kwargs={"public_id": heated.public_id})
    data = {"content": "## New\n", "change_note": "New."}
    assert login(personas["facilitator"]).post(url, data).status_code == 403
    assert login(mentor).post(url, data).status_code == 403
    assert heated.versions.count() == 1
    response = login(personas["dsl"]).post(url, data)
    assert response.status_code == 302
    assert current_version(heated).number == 2  # type: ignore[union-attr]
    assert current_version(heated).published_by == personas["dsl"].user  # type: ignore[union-attr]


def test_publishing_needs_new_words_and_says_what_changed(
    personas: dict[str, Persona],
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    heated = installed["a-session-gets-heated"]
    first = version_of(heated, 1)
    coordinator = personas["coordinator"]
    with pytest.raises(ValidationError, match="the same as the current version"):
        protocol_publish(
            actor=coordinator.user, protocol=heated, content=first.content, change_note="None."
        )
    with pytest.raises(ValidationError, match="Say what changed"):
        protocol_publish(
            actor=coordinator.user, protocol=heated, content="## New\n", change_note=""
        )
    url = reverse("training:protocol_manage", kwargs={"public_id": heated.public_id})
    client = login(coordinator)
    page = client.get(url).content.decode()
    # The form starts from the current words.
    assert "Keep your voice low and slow." in page
    assert "Publish version 2" in page
    response = client.post(
        url, {"content": first.content.replace("\n", "\r\n"), "change_note": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["content"] == [
        "These words are the same as the current version. Change them first."
    ]
    assert heated.versions.count() == 1
    response = client.post(
        url, {"content": "## New words\n", "change_note": "Shorter."}, follow=True
    )
    assert "Version 2 is published." in response.content.decode()
    history = [(v.number, v.change_note) for v in response.context["versions"]]
    assert history == [(2, "Shorter."), (1, "")]


def test_a_mentor_cannot_see_a_protocol_for_staff(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    school = personas["coordinator"].school
    staff_only = Protocol.objects.create(
        school=school,
        key="allegations",
        title="If a worry is about a member of staff",
        audience="staff",
    )
    version = ProtocolVersion.objects.create(
        school=school, protocol=staff_only, number=1, content="## Tell the head teacher\n"
    )
    client = login(mentor)
    detail = reverse("training:protocol", kwargs={"public_id": staff_only.public_id})
    assert client.get(detail).status_code == 404
    assert acknowledge(client, staff_only, version).status_code == 404
    page = client.get(reverse("training:protocols")).content.decode()
    assert "member of staff?" not in page
    assert "What do I do if a session gets heated?" in page
    with pytest.raises(PermissionDenied, match="This one is not for you to read"):
        protocol_acknowledge(actor=mentor.user, version=version)
    # Staff do see it, and only staff are asked to read it.
    assert login(personas["facilitator"]).get(detail).status_code == 200
    readers = {m.user for m in protocol_readers(staff_only)}
    assert readers == {personas[n].user for n in STAFF_PERSONAS}
    assert mentor.user in {m.user for m in protocol_readers(installed[WORRYING])}
    # A protocol for mentors is the mentor's to read.
    assert (
        client.get(
            reverse("training:protocol", kwargs={"public_id": installed[WORRYING].public_id})
        ).status_code
        == 200
    )


def test_nobody_else_sees_protocols(
    personas: dict[str, Persona],
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    worrying = installed[WORRYING]
    detail = reverse("training:protocol", kwargs={"public_id": worrying.public_id})
    # A student who is not a peer mentor.
    student = personas["student"]
    record = make_student(student.school, legal_forename="Sol")
    record.user = student.user
    record.save()
    client = login(student)
    assert client.get(reverse("training:protocols")).status_code == 403
    assert client.get(detail).status_code == 404
    for name in ("viewer", "partner"):
        assert login(personas[name]).get(reverse("training:protocols")).status_code == 403
        assert login(personas[name]).get(detail).status_code == 403
    assert login(personas["outsider"]).get(detail).status_code == 404
    assert {m.user for m in protocol_readers(worrying)} == {
        personas[n].user for n in STAFF_PERSONAS
    }


class Rendered(HTMLParser):
    """Every tag and attribute in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def test_markdown_in_a_protocol_is_shown_and_cannot_run(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    hostile = (
        "## Be safe\n\n"
        "<script>alert('script')</script>\n\n"
        '<img src="x" onerror="alert(\'img\')">\n\n'
        "[Press me](javascript:alert('link'))\n\n"
        "<a href=\"javascript:alert('raw')\" onclick=\"alert('click')\">Raw link</a>\n\n"
        "[A real link](https://www.childline.org.uk/)\n"
    )
    worrying = installed[WORRYING]
    protocol_publish(
        actor=personas["coordinator"].user, protocol=worrying, content=hostile, change_note="Test."
    )
    page = (
        login(mentor)
        .get(reverse("training:protocol", kwargs={"public_id": worrying.public_id}))
        .content.decode()
    )
    start = page.index('<div class="prose measure">')
    prose = page[start : page.index("</div>", start)]
    parsed = Rendered()
    parsed.feed(prose)
    assert "h2" in parsed.tags  # the Markdown was rendered
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    hrefs = [value for name, value in parsed.attributes if name == "href"]
    assert hrefs == ["https://www.childline.org.uk/"]
    # The raw HTML is shown as words, escaped.
    assert "&lt;script&gt;" in prose
    # (The words of the raw link, quotes and all, are text: the parser found no link.)
    for dangerous in ("<script>alert", "<img", '<a href="javascript', "<a onclick"):
        assert dangerous not in page, dangerous
    # The staff's page shows it escaped in the form too.
    manage = (
        login(personas["coordinator"])
        .get(reverse("training:protocol_manage", kwargs={"public_id": worrying.public_id}))
        .content.decode()
    )
    assert "<script>alert" not in manage
    assert "&lt;script&gt;alert" in manage


def test_the_what_do_i_do_if_page_asks_in_plain_words(
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    client = login(mentor)
    page = client.get(reverse("training:protocols")).content.decode()
    for question in (
        "What do I do if someone tells you something worrying?",
        "What do I do if a session gets heated?",
        "What about confidentiality and its limits?",
        "What about ending a mentoring relationship well?",
        "What about contact outside sessions and online?",
    ):
        assert question in page, question
    assert "Still to read: 5" in page
    assert page.count("New: please read") == 5
    assert installed[WORRYING].summary in page
    worrying = installed[WORRYING]
    acknowledge(client, worrying, version_of(worrying, 1))
    page = client.get(reverse("training:protocols")).content.decode()
    assert "Still to read: 4" in page
    for protocol in installed.values():
        acknowledge(client, protocol, version_of(protocol, 1))
    page = client.get(reverse("training:protocols")).content.decode()
    assert "Still to read" not in page
    assert "You have read them all." in page
    # The mentor's own page and the training page lead here.
    curriculum_install(school=mentor.school)
    link = reverse("training:protocols")
    assert f'href="{link}"' in client.get(reverse("meetings:mine")).content.decode()
    assert f'href="{link}"' in client.get(reverse("training:modules")).content.decode()


def test_the_list_and_library_read_the_same_number_of_queries_however_many(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    school = personas["coordinator"].school

    def count(who: Persona, name: str) -> int:
        client = login(who)
        client.get(reverse(name))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    few = (count(mentor, "training:protocols"), count(personas["dsl"], "training:protocol_library"))
    for number in range(6, 12):
        protocol = Protocol.objects.create(
            school=school, key=f"extra-{number}", title=f"If {number}"
        )
        ProtocolVersion.objects.create(school=school, protocol=protocol, number=1, content="x")
        ProtocolVersion.objects.create(school=school, protocol=protocol, number=2, content="y")
    for protocol in Protocol.objects.filter(school=school):
        protocol_acknowledge(actor=mentor.user, version=current_version(protocol))  # type: ignore[arg-type]
    coordinator = personas["coordinator"].user
    for _ in range(3):  # more mentors to read them
        profile = mentor_apply(
            actor=coordinator, student=make_student(school, year_group=10), why="To help"
        )
        mentor_give_reference(actor=coordinator, mentor=profile, reference="Kind")
        mentor_set_status(actor=coordinator, mentor=profile, status="in_training")
    many = (
        count(mentor, "training:protocols"),
        count(personas["dsl"], "training:protocol_library"),
    )
    assert many == few


def test_the_library_shows_how_many_have_read_each_current_version(
    personas: dict[str, Persona],
    mentor: Persona,
    installed: dict[str, Protocol],
    login: Callable[[Persona | User], Client],
) -> None:
    worrying = installed[WORRYING]
    protocol_acknowledge(actor=mentor.user, version=version_of(worrying, 1))
    protocol_acknowledge(actor=personas["dsl"].user, version=version_of(worrying, 1))
    response = login(personas["coordinator"]).get(reverse("training:protocol_library"))
    standings = {s.protocol.key: s for s in response.context["standings"]}
    assert list(standings) == list(STARTERS)
    # Four people are asked: three staff and the mentor.
    assert (standings[WORRYING].readers, standings[WORRYING].read_current) == (4, 2)
    assert standings[WORRYING].still_to_read == 2
    assert standings["a-session-gets-heated"].read_current == 0
    page = response.content.decode()
    assert "2 of 4" in page
    assert "2 still to read" in page
