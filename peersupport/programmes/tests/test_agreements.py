"""Group agreements: the starter ground rules, versions, who may change them, members
agreeing (and agreeing again after a change), and the pages that show them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import Persona, make_student, make_user
from peersupport.accounts.models import Role
from peersupport.audit.models import AuditEvent
from peersupport.programmes.models import (
    AgreementSignature,
    Group,
    GroupAgreement,
    MentorProfile,
    Programme,
)
from peersupport.programmes.selectors import (
    current_agreement,
    group_members,
    group_rules,
    rules_for_student,
    starter_agreement_text,
)
from peersupport.programmes.services import (
    agreement_sign,
    group_add_co_facilitator,
    group_add_member,
    group_agreement_write,
    group_create,
    programme_create,
)
from peersupport.programmes.tests.conftest import make_active_mentor
from peersupport.schools.models import School
from peersupport.students.models import Student
from peersupport.training.tests.test_curriculum import (
    MAX_GRADE,
    MIN_READING_EASE,
    plain_text,
    reading_scores,
)

NEW_RULES = "### Our rules\n\n- Be kind.\n- Listen.\n"


@dataclass
class Team:
    group: Group
    members: list[Student]
    mentor: MentorProfile


@pytest.fixture
def team(personas: dict[str, Persona], school_a: School) -> Team:
    coordinator = personas["coordinator"].user
    programme = programme_create(
        actor=coordinator,
        school=school_a,
        name="Lunch group",
        kind=Programme.Kind.GROUP,
        capacity=40,
    )
    group = group_create(
        actor=coordinator,
        programme=programme,
        name="Tuesday group",
        max_size=20,
        facilitators=[personas["facilitator"].user],
    )
    members = []
    for n in range(3):
        student = make_student(school_a, legal_forename=f"Member{n}", legal_surname=f"Group{n}")
        group_add_member(actor=coordinator, group=group, student=student)
        members.append(student)
    # The student persona is the first member.
    members[0].user = personas["student"].user
    members[0].save()
    # The mentor persona co-facilitates the group.
    mentor = make_active_mentor(personas["coordinator"], school_a, legal_forename="Maya")
    mentor.student.user = personas["mentor"].user
    mentor.student.save()
    group_add_co_facilitator(actor=coordinator, group=group, mentor=mentor)
    return Team(group, members, mentor)


def first_version(team: Team) -> GroupAgreement:
    return GroupAgreement.objects.get(group=team.group, number=1)


# --- the starter ground rules -------------------------------------------------------


def test_the_starter_rules_cover_what_every_group_needs() -> None:
    text = plain_text(starter_agreement_text())
    for must in (
        "respect",  # respect
        "listen and let them finish",  # listening
        "stays in the group",  # confidentiality
        "If someone might be hurt or in danger, a member of staff has to be told",  # its limits
        "No one is left out",  # no discrimination
        "No one is picked on for who they are",
        "phone",  # practical
        "Take turns",
    ):
        assert must in text, must


def test_the_starter_rules_are_easy_to_read() -> None:
    ease, grade = reading_scores(plain_text(starter_agreement_text()))
    assert ease >= MIN_READING_EASE, f"Flesch reading ease {ease} < {MIN_READING_EASE}"
    assert grade <= MAX_GRADE, f"Flesch-Kincaid grade {grade} > {MAX_GRADE}"


def test_a_new_group_starts_with_the_starter_rules(team: Team) -> None:
    version = current_agreement(team.group)
    assert version is not None
    assert version.number == 1
    assert version.text == starter_agreement_text().strip()
    assert version.written_by is None
    assert AuditEvent.objects.filter(
        action="group_agreement.written", object_public_id=version.public_id
    ).exists()


# --- versions -----------------------------------------------------------------------


def test_each_change_is_a_new_version(personas: dict[str, Persona], team: Team) -> None:
    facilitator = personas["facilitator"].user
    second = group_agreement_write(actor=facilitator, group=team.group, text=NEW_RULES)
    third = group_agreement_write(
        actor=personas["coordinator"].user, group=team.group, text=NEW_RULES + "- Phones away.\n"
    )
    assert (second.number, third.number) == (2, 3)
    assert second.written_by == facilitator
    assert second.text == NEW_RULES.strip()
    assert first_version(team).text == starter_agreement_text().strip()  # kept as it was
    assert current_agreement(team.group) == third
    event = AuditEvent.objects.get(
        action="group_agreement.written", object_public_id=third.public_id
    )
    assert event.actor == personas["coordinator"].user
    assert event.detail == "version 3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot be empty"),
        ("  \n\t ", "cannot be empty"),
        ("x" * 6001, "under 6000 characters"),
    ],
)
def test_empty_or_too_long_rules_are_refused_and_change_nothing(
    personas: dict[str, Persona], team: Team, text: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        group_agreement_write(actor=personas["coordinator"].user, group=team.group, text=text)
    assert GroupAgreement.objects.filter(group=team.group).count() == 1


def test_saving_the_same_rules_again_asks_nobody_again(
    personas: dict[str, Persona], team: Team
) -> None:
    coordinator = personas["coordinator"].user
    group_agreement_write(actor=coordinator, group=team.group, text=NEW_RULES)
    # As a browser sends it: CRLF line breaks, and spaces round it.
    resent = "  " + NEW_RULES.replace("\n", "\r\n") + "  "
    with pytest.raises(ValidationError, match="same as the current ground rules"):
        group_agreement_write(actor=coordinator, group=team.group, text=resent)
    assert GroupAgreement.objects.filter(group=team.group).count() == 2


# --- who may change them ------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "dsl", "facilitator"])
def test_the_groups_staff_may_change_the_rules(
    personas: dict[str, Persona], team: Team, who: str
) -> None:
    version = group_agreement_write(actor=personas[who].user, group=team.group, text=NEW_RULES)
    assert version.number == 2 and version.written_by == personas[who].user


@pytest.mark.parametrize("who", ["viewer", "partner", "student", "outsider"])
def test_others_may_not_change_the_rules(
    personas: dict[str, Persona], team: Team, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        group_agreement_write(actor=personas[who].user, group=team.group, text=NEW_RULES)
    assert GroupAgreement.objects.filter(group=team.group).count() == 1


def test_a_facilitator_of_another_group_may_not_change_the_rules(
    personas: dict[str, Persona], team: Team, school_a: School
) -> None:
    other = make_user("other@northgate.example", "Other", school_a, Role.FACILITATOR, mfa=False)
    with pytest.raises(PermissionDenied):
        group_agreement_write(actor=other.user, group=team.group, text=NEW_RULES)


def test_a_co_facilitating_mentor_may_not_change_the_rules(
    personas: dict[str, Persona], team: Team
) -> None:
    # A new version asks every member (other children) to agree to it, so staff write
    # it: the group agrees changes together in a session, and staff type them in.
    assert team.mentor.status == MentorProfile.Status.ACTIVE
    with pytest.raises(PermissionDenied):
        group_agreement_write(actor=personas["mentor"].user, group=team.group, text=NEW_RULES)
    assert GroupAgreement.objects.filter(group=team.group).count() == 1


# --- agreeing -----------------------------------------------------------------------


def test_a_change_asks_every_member_again_and_keeps_what_they_agreed_to(
    personas: dict[str, Persona], team: Team
) -> None:
    coordinator = personas["coordinator"].user
    version_1 = first_version(team)
    for member in team.members[:2]:
        agreement_sign(actor=coordinator, agreement=version_1, student=member)
    before = {row.student: row for row in group_rules(team.group).members}
    assert before[team.members[0]].agreed_current
    assert not before[team.members[2]].agreed_current
    assert group_rules(team.group).waiting == 1

    version_2 = group_agreement_write(actor=coordinator, group=team.group, text=NEW_RULES)
    after = group_rules(team.group)
    assert after.current == version_2
    assert after.waiting == 3
    rows = {row.student: row for row in after.members}
    assert rows[team.members[0]].agreed_older and rows[team.members[0]].agreed_number == 1
    assert not rows[team.members[2]].agreed_older and rows[team.members[2]].agreed_number is None
    # The old signature still stands, against the version it was for.
    assert AgreementSignature.objects.get(student=team.members[0]).agreement == version_1

    agreement_sign(actor=coordinator, agreement=version_2, student=team.members[0])
    rows = {row.student: row for row in group_rules(team.group).members}
    assert rows[team.members[0]].agreed_current and rows[team.members[0]].agreed_number == 2
    assert AgreementSignature.objects.filter(student=team.members[0]).count() == 2


def test_only_the_current_version_can_be_agreed_to(
    personas: dict[str, Persona], team: Team
) -> None:
    coordinator = personas["coordinator"].user
    group_agreement_write(actor=coordinator, group=team.group, text=NEW_RULES)
    with pytest.raises(ValidationError, match="have changed"):
        agreement_sign(actor=coordinator, agreement=first_version(team), student=team.members[0])
    assert not AgreementSignature.objects.exists()


def test_only_current_members_can_agree(
    personas: dict[str, Persona], team: Team, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    outsider = make_student(school_a, legal_forename="Notin")
    with pytest.raises(ValidationError, match="is not in Tuesday group"):
        agreement_sign(actor=coordinator, agreement=first_version(team), student=outsider)
    place = team.group.members.get(student=team.members[1])
    place.left_on = timezone.localdate()
    place.save()
    with pytest.raises(ValidationError, match="is not in Tuesday group"):
        agreement_sign(actor=coordinator, agreement=first_version(team), student=team.members[1])
    # Nor is the co-facilitating mentor a member.
    with pytest.raises(ValidationError):
        agreement_sign(
            actor=coordinator, agreement=first_version(team), student=team.mentor.student
        )
    assert not AgreementSignature.objects.exists()


def test_agreeing_twice_changes_nothing(personas: dict[str, Persona], team: Team) -> None:
    student = personas["student"].user
    first = agreement_sign(actor=student, agreement=first_version(team), student=team.members[0])
    again = agreement_sign(actor=student, agreement=first_version(team), student=team.members[0])
    assert first == again
    assert AgreementSignature.objects.count() == 1
    assert AuditEvent.objects.filter(action="group_agreement.agreed").count() == 1
    event = AuditEvent.objects.get(action="group_agreement.agreed")
    assert event.detail == "version 1, by the student" and event.actor == student


@pytest.mark.parametrize("who", ["coordinator", "dsl", "facilitator"])
def test_the_groups_staff_may_record_a_members_agreement(
    personas: dict[str, Persona], team: Team, who: str
) -> None:
    signature = agreement_sign(
        actor=personas[who].user, agreement=first_version(team), student=team.members[1]
    )
    assert signature.recorded_by == personas[who].user


@pytest.mark.parametrize("who", ["student", "mentor", "viewer", "outsider"])
def test_no_one_else_may_agree_for_a_member(
    personas: dict[str, Persona], team: Team, who: str
) -> None:
    # The student persona is members[0]; members[1] is someone else.
    with pytest.raises(PermissionDenied):
        agreement_sign(
            actor=personas[who].user, agreement=first_version(team), student=team.members[1]
        )
    assert not AgreementSignature.objects.exists()


# --- the group page -----------------------------------------------------------------


def test_the_group_page_shows_the_rules_and_who_has_agreed(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    coordinator = personas["coordinator"].user
    agreement_sign(actor=coordinator, agreement=first_version(team), student=team.members[0])
    group_agreement_write(actor=coordinator, group=team.group, text=NEW_RULES)
    second = current_agreement(team.group)
    assert second is not None
    agreement_sign(actor=coordinator, agreement=second, student=team.members[1])
    client.force_login(personas["facilitator"].user)
    response = client.get(reverse("meetings:group", args=[team.group.public_id]))
    html = response.content.decode()
    assert "<h3>Our rules</h3>" in html
    rows = {row.student: row for row in response.context["rules"].members}
    assert rows[team.members[0]].agreed_older
    assert rows[team.members[1]].agreed_current
    assert "agreed to version 1 on" in html  # the older signature shows its version
    assert "2 of 3 members still to agree to version 2" in html
    member_id = str(team.members[0].public_id)
    record = reverse("programmes:agreement_record", args=[second.public_id, member_id])
    record = record.removesuffix(f"{member_id}/")
    # A button for each member still to agree, none for the one who has.
    assert html.count(record) == 2
    assert f"{record}{team.members[1].public_id}/" not in html


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


HOSTILE = (
    "### Rules\n\n"
    "<script>alert('script')</script>\n\n"
    '<img src="x" onerror="alert(\'img\')">\n\n'
    "[Click me](javascript:alert('link'))\n\n"
    "<a href=\"javascript:alert('raw')\" onclick=\"alert('click')\">raw link</a>\n\n"
    "- Be kind.\n"
)


@pytest.mark.parametrize("url_name", ["meetings:group", "programmes:agreement_edit"])
def test_markdown_in_the_rules_cannot_run_anything(
    client: Client, personas: dict[str, Persona], team: Team, url_name: str
) -> None:
    group_agreement_write(actor=personas["facilitator"].user, group=team.group, text=HOSTILE)
    client.force_login(personas["facilitator"].user)
    html = client.get(reverse(url_name, args=[team.group.public_id])).content.decode()
    parser = Elements()
    parser.feed(html)
    assert "<li>Be kind.</li>" in html  # the rules did render
    assert not any("alert" in text for text in parser.script_text)
    for tag, attrs in parser.elements:
        assert tag != "img"
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:"), (tag, attrs)
    # The hostile HTML shows as text the staff can see and remove.
    assert "&lt;script&gt;" in html


def test_the_group_pages_rules_take_a_fixed_number_of_queries(
    client: Client, personas: dict[str, Persona], team: Team, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    url = reverse("meetings:group", args=[team.group.public_id])
    agreement_sign(actor=coordinator, agreement=first_version(team), student=team.members[0])
    group_agreement_write(actor=coordinator, group=team.group, text=NEW_RULES)
    agreement_sign(
        actor=coordinator, agreement=current_agreement(team.group), student=team.members[1]
    )
    client.force_login(personas["facilitator"].user)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert len(response.context["rules"].members) == 3
    more = [make_student(school_a, legal_forename=f"More{n}") for n in range(9)]
    second = current_agreement(team.group)
    for n, student in enumerate(more):
        group_add_member(actor=coordinator, group=team.group, student=student)
        if n % 3:
            agreement_sign(actor=coordinator, agreement=second, student=student)
    third = group_agreement_write(actor=coordinator, group=team.group, text=NEW_RULES + "- Hi.")
    for student in more[1::3]:
        agreement_sign(actor=coordinator, agreement=third, student=student)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    rows = response.context["rules"].members
    assert len(rows) == 12
    # A mix of members who agreed to this version, to an older one, and not yet.
    assert {(row.agreed_current, row.agreed_older) for row in rows} == {
        (True, False),
        (False, True),
        (False, False),
    }
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_rules_section_reads_three_queries_whatever_the_size(
    team: Team, django_assert_num_queries: Any
) -> None:
    members = group_members(team.group)
    with django_assert_num_queries(2):
        group_rules(team.group, members)
    with django_assert_num_queries(3):
        group_rules(team.group)


# --- recording agreement on the group page ------------------------------------------


def test_staff_record_a_members_agreement_from_the_group_page(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    client.force_login(personas["facilitator"].user)
    url = reverse(
        "programmes:agreement_record",
        args=[first_version(team).public_id, team.members[2].public_id],
    )
    response = client.post(url, follow=True)
    assert response.redirect_chain[0][0].startswith(
        reverse("meetings:group", args=[team.group.public_id])
    )
    assert "Recorded: Member2 Group2 agreed to version 1." in response.content.decode()
    signature = AgreementSignature.objects.get(student=team.members[2])
    assert signature.recorded_by == personas["facilitator"].user


def test_recording_an_old_version_or_a_non_member_changes_nothing(
    client: Client, personas: dict[str, Persona], team: Team, school_a: School
) -> None:
    client.force_login(personas["coordinator"].user)
    stranger = make_student(school_a, legal_forename="Stranger")
    url = reverse(
        "programmes:agreement_record", args=[first_version(team).public_id, stranger.public_id]
    )
    assert client.post(url).status_code == 404
    group_agreement_write(actor=personas["coordinator"].user, group=team.group, text=NEW_RULES)
    old = reverse(
        "programmes:agreement_record",
        args=[first_version(team).public_id, team.members[0].public_id],
    )
    response = client.post(old, follow=True)
    assert "have changed since this page was opened" in response.content.decode()
    assert not AgreementSignature.objects.exists()


# --- the edit page ------------------------------------------------------------------


def test_the_edit_page_starts_from_the_current_rules_and_saves_a_new_version(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    client.force_login(personas["facilitator"].user)
    url = reverse("programmes:agreement_edit", args=[team.group.public_id])
    page = client.get(url)
    assert page.context["form"]["text"].value().strip() == starter_agreement_text().strip()
    assert [v.number for v in page.context["versions"]] == [1]
    assert "the starter ground rules" in page.content.decode()
    response = client.post(url, {"text": NEW_RULES})
    assert response.url == reverse("meetings:group", args=[team.group.public_id])
    version = current_agreement(team.group)
    assert version is not None and version.number == 2
    page = client.get(url)
    assert page.context["form"]["text"].value() == NEW_RULES.strip()
    html = page.content.decode()
    assert "Version 2 (the current one): written by Facilitator" in html
    assert "Version 1: the starter ground rules" in html


def test_the_edit_page_refuses_empty_rules_with_a_clear_message(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    client.force_login(personas["coordinator"].user)
    url = reverse("programmes:agreement_edit", args=[team.group.public_id])
    response = client.post(url, {"text": "   "})
    assert response.status_code == 200
    assert "Write the ground rules: they cannot be empty." in response.content.decode()
    response = client.post(url, {"text": starter_agreement_text()})
    assert "same as the current ground rules" in response.content.decode()
    assert GroupAgreement.objects.filter(group=team.group).count() == 1


def test_a_group_with_no_rules_yet_starts_from_the_starter_rules(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    # A group set up before ground rules existed.
    GroupAgreement.objects.filter(group=team.group).delete()
    client.force_login(personas["coordinator"].user)
    group_page = client.get(reverse("meetings:group", args=[team.group.public_id]))
    assert "Start from the starter ground rules" in group_page.content.decode()
    url = reverse("programmes:agreement_edit", args=[team.group.public_id])
    assert (
        client.get(url).context["form"]["text"].value().strip() == starter_agreement_text().strip()
    )
    client.post(url, {"text": starter_agreement_text()})
    version = current_agreement(team.group)
    assert version is not None and version.number == 1
    assert version.written_by == personas["coordinator"].user


def test_the_co_facilitating_mentor_has_no_edit_page(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    client.force_login(personas["mentor"].user)
    mine = client.get(reverse("meetings:mine")).content.decode()
    url = reverse("programmes:agreement_edit", args=[team.group.public_id])
    assert url not in mine
    assert "Ground rules you help with" not in mine
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": NEW_RULES}).status_code == 403
    assert GroupAgreement.objects.filter(group=team.group).count() == 1


# --- the student's own page ---------------------------------------------------------


def test_a_member_reads_the_rules_and_agrees_on_their_own_page(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    client.force_login(personas["student"].user)
    mine = client.get(reverse("meetings:mine")).content.decode()
    assert "Ground rules for Tuesday group" in mine
    assert "What we say here stays here" in mine
    agree = reverse("programmes:agreement_agree", args=[first_version(team).public_id])
    assert agree in mine
    response = client.post(agree, follow=True)
    assert "Thank you. You have agreed to your group" in response.content.decode()
    assert "You agreed to these rules." in response.content.decode()
    assert agree not in response.content.decode()
    signature = AgreementSignature.objects.get()
    assert signature.student == team.members[0]
    assert signature.recorded_by == personas["student"].user


def test_after_a_change_the_member_is_asked_to_read_them_again(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    agreement_sign(
        actor=personas["student"].user, agreement=first_version(team), student=team.members[0]
    )
    group_agreement_write(actor=personas["facilitator"].user, group=team.group, text=NEW_RULES)
    client.force_login(personas["student"].user)
    mine = client.get(reverse("meetings:mine")).content.decode()
    assert "Your group changed its ground rules. Please read them again." in mine
    second = current_agreement(team.group)
    assert second is not None
    assert reverse("programmes:agreement_agree", args=[second.public_id]) in mine
    [rules] = rules_for_student(team.members[0])
    assert rules.agreed_older and rules.current == second
    # Agreeing to the old version from a page left open is refused kindly.
    stale = client.post(
        reverse("programmes:agreement_agree", args=[first_version(team).public_id]), follow=True
    )
    assert "Your group changed its ground rules. Please read them again." in (
        stale.content.decode()
    )
    assert AgreementSignature.objects.count() == 1


def test_a_member_who_left_as_they_agreed_is_told_so_not_that_the_rules_changed(
    client: Client, personas: dict[str, Persona], team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The member is taken out of the group between their page opening the rules and
    # the service locking the group: the service refuses, and the page says why.
    from peersupport.programmes import views

    real_agreement_for = views.agreement_for

    def and_then_they_leave(*args: Any, **kwargs: Any) -> GroupAgreement:
        agreement = real_agreement_for(*args, **kwargs)
        team.group.members.filter(student=team.members[0]).update(left_on=timezone.localdate())
        return agreement

    monkeypatch.setattr(views, "agreement_for", and_then_they_leave)
    client.force_login(personas["student"].user)
    agree = reverse("programmes:agreement_agree", args=[first_version(team).public_id])
    html = client.post(agree, follow=True).content.decode()
    assert "You are not in Tuesday group now." in html
    assert "changed its ground rules" not in html
    assert not AgreementSignature.objects.exists()


def test_a_student_cannot_agree_to_the_rules_of_a_group_they_are_not_in(
    client: Client, personas: dict[str, Persona], team: Team
) -> None:
    place = team.group.members.get(student=team.members[0])
    place.left_on = timezone.localdate()
    place.save()
    client.force_login(personas["student"].user)
    agree = reverse("programmes:agreement_agree", args=[first_version(team).public_id])
    assert client.post(agree).status_code == 404
    mine = client.get(reverse("meetings:mine")).content.decode()
    assert "Ground rules for" not in mine
    assert not AgreementSignature.objects.exists()


def test_the_student_page_shows_only_their_own_groups(
    client: Client, personas: dict[str, Persona], team: Team, school_a: School
) -> None:
    coordinator = personas["coordinator"].user
    other = group_create(actor=coordinator, programme=team.group.programme, name="Friday club")
    group_agreement_write(actor=coordinator, group=other, text="### Friday rules\n\n- Secret.\n")
    client.force_login(personas["student"].user)
    mine = client.get(reverse("meetings:mine")).content.decode()
    assert "Friday" not in mine
    assert re.search(r"Ground rules for Tuesday group", mine)
