"""The help page, for everyone signed in: emergency first, then the school's own
contacts, local services and national services, written for an 11-year-old. The
management page: every entry with its last check, a flag on those not checked for
a year, and forms to add, correct, mark checked and remove."""

from __future__ import annotations

import datetime
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import textstat
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Persona
from peersupport.partners import signposting
from peersupport.partners.models import SignpostEntry
from peersupport.partners.services import signpost_entry_add

pytestmark = pytest.mark.django_db

# The thresholds the training tests use for mentors' reading (age 11 and up):
# Flesch reading ease 70 or more ("fairly easy") and a Flesch-Kincaid grade of 6.5
# or less (US grade 6, the year an English pupil turns 11 or 12).
MIN_READING_EASE = 70
MAX_GRADE = 6.5
FLAG = "Not checked for over a year"
UNVERIFIED = (
    "Not verified: check it against the service's own website before it is shown to students"
)


def add(who: Persona, **values: str) -> SignpostEntry:
    fields = {
        "kind": "school",
        "name": "Pastoral office",
        "what_for": "Talk to someone when you feel worried.",
        "where": "Room 12, next to the library",
        "phone": "01234 567890",
    }
    fields.update(values)
    return signpost_entry_add(actor=who.user, school=who.school, **fields)


class _MainText(HTMLParser):
    """The words inside <main>, one block per line."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "main" or self.depth:
            self.depth += 1
        if self.depth and tag in ("p", "h1", "h2", "h3", "li", "a"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def main_text(html: str) -> str:
    parser = _MainText()
    parser.feed(html)
    return re.sub(r"[ \t]+", " ", "".join(parser.parts)).strip()


def reading_scores(text: str) -> tuple[float, float]:
    try:
        return textstat.flesch_reading_ease(text), textstat.flesch_kincaid_grade(text)
    except LookupError as error:  # pragma: no cover - depends on the installed textstat
        pytest.fail(f"textstat has no pronouncing dictionary; pin textstat>=0.7.7,<0.7.9 ({error})")


def sentences(text: str) -> str:
    """Each line of the page as a sentence (headings and links end without a full
    stop, which would otherwise run them into one long sentence)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(line if line[-1] in ".!?" else f"{line}." for line in lines)


@pytest.mark.parametrize("who", ["student", "mentor", "facilitator", "viewer", "partner"])
def test_the_help_page_lists_the_national_services_from_the_file(
    login: Any, personas: dict[str, Persona], who: str
) -> None:
    html = login(personas[who]).get(reverse("partners:help")).content.decode()
    assert "If you need help now" in html
    for service in signposting.help_page_services(signposting.load_national_services().all):
        assert service.name in html
        if service.phone:
            assert f'href="tel:{service.phone.replace(" ", "")}"' in html
        if service.text_to:
            assert f'href="sms:{service.text_to}"' in html
        assert service.hours in html


def test_the_help_page_shows_the_schools_entries_and_not_another_schools(
    client: Client, login: Any, personas: dict[str, Persona]
) -> None:
    add(personas["coordinator"])
    add(personas["coordinator"], kind="local", name="Northgate youth hub", phone="")
    add(personas["outsider"], name="Other school office")
    html = login(personas["student"]).get(reverse("partners:help")).content.decode()
    assert "Pastoral office" in html
    assert 'href="tel:01234567890"' in html
    assert "Room 12, next to the library" in html
    assert "Northgate youth hub" in html
    assert "Other school office" not in html


def test_emergency_comes_first_then_school_then_local_then_national(
    login: Any, personas: dict[str, Persona]
) -> None:
    add(personas["coordinator"], kind="local", name="Northgate youth hub")
    html = login(personas["student"]).get(reverse("partners:help")).content.decode()
    order = [
        html.index('href="tel:999"'),
        html.index("At school"),
        html.index("Pastoral office") if "Pastoral office" in html else html.index("At school"),
        html.index("Northgate youth hub"),
        html.index("Anywhere in the UK"),
        html.index("Childline"),
    ]
    assert order == sorted(order)


def test_only_managers_see_the_link_to_change_the_page(
    login: Any, personas: dict[str, Persona]
) -> None:
    manage = reverse("partners:signposting_manage")
    assert manage in login(personas["dsl"]).get(reverse("partners:help")).content.decode()
    assert manage not in login(personas["student"]).get(reverse("partners:help")).content.decode()


def test_the_help_page_is_easy_to_read_for_an_eleven_year_old(
    login: Any, personas: dict[str, Persona]
) -> None:
    add(personas["coordinator"])
    html = login(personas["student"]).get(reverse("partners:help")).content.decode()
    text = sentences(main_text(html))
    assert "Childline" in text
    ease, grade = reading_scores(text)
    assert ease >= MIN_READING_EASE, f"Flesch reading ease {ease} < {MIN_READING_EASE}"
    assert grade <= MAX_GRADE, f"Flesch-Kincaid grade {grade} > {MAX_GRADE}"


def test_the_readability_check_can_fail() -> None:
    hard = sentences(
        "Notwithstanding institutional safeguarding responsibilities, practitioners "
        "must contemporaneously document disclosures, demonstrating professional "
        "accountability and proportionate, evidence-informed decision-making."
    )
    ease, grade = reading_scores(hard)
    assert ease < MIN_READING_EASE
    assert grade > MAX_GRADE


def test_an_entry_unchecked_for_a_year_is_flagged_and_a_recent_one_is_not(
    login: Any, personas: dict[str, Persona]
) -> None:
    old = add(personas["coordinator"], name="Old office")
    add(personas["coordinator"], name="New office")
    year_ago = timezone.localdate() - datetime.timedelta(days=366)
    SignpostEntry.objects.filter(pk=old.pk).update(last_checked_on=year_ago)
    html = login(personas["coordinator"]).get(reverse("partners:signposting_manage")).content
    rows = {row.split("</th>")[0]: row for row in html.decode().split('<th scope="row">')[1:]}
    assert FLAG in rows["Old office"]
    assert FLAG not in rows["New office"]


def test_national_services_checked_over_a_year_ago_are_flagged(
    login: Any, personas: dict[str, Persona], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(signposting.SIGNPOSTING_FILE.read_text(encoding="utf-8"))
    long_ago = (timezone.localdate() - datetime.timedelta(days=400)).isoformat()
    for source in data["services"][2]["sources"]:  # Childline
        source["checked"] = long_ago
    old_file = tmp_path / "signposting.json"
    old_file.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(signposting, "SIGNPOSTING_FILE", old_file)
    html = login(personas["dsl"]).get(reverse("partners:signposting_manage")).content.decode()
    rows = {row.split("</th>")[0]: row for row in html.split('<th scope="row">')[1:]}
    assert FLAG in rows["Childline"]
    assert FLAG not in rows["Samaritans"]


def test_the_shipped_services_are_not_flagged_today(
    login: Any, personas: dict[str, Persona]
) -> None:
    today = timezone.localdate()
    services = signposting.load_national_services().all
    if any(signposting.not_checked_for_a_year(s.last_checked_on, today) for s in services):
        pytest.skip("the shipped file is due a check: the page rightly flags it")
    html = login(personas["dsl"]).get(reverse("partners:signposting_manage")).content.decode()
    assert FLAG not in html
    assert "Not verified" in html  # the entries we could not confirm say so


def test_adding_through_the_page(login: Any, personas: dict[str, Persona]) -> None:
    client = login(personas["coordinator"])
    response = client.post(
        reverse("partners:signposting_manage"),
        {"kind": "local", "name": "Youth hub", "what_for": "Meet people.", "phone": "0800 1"},
    )
    assert response.status_code == 302
    entry = SignpostEntry.objects.get(name="Youth hub")
    assert (entry.school, entry.kind) == (personas["coordinator"].school, "local")


def test_bad_input_on_the_page_gives_a_message_and_adds_nothing(
    login: Any, personas: dict[str, Persona]
) -> None:
    client = login(personas["coordinator"])
    response = client.post(
        reverse("partners:signposting_manage"),
        {"kind": "school", "name": "Office", "what_for": "Talk.", "phone": "ring us"},
    )
    assert response.status_code == 400
    assert "digits and spaces only" in response.content.decode()
    response = client.post(
        reverse("partners:signposting_manage"), {"kind": "school", "name": "Office"}
    )
    assert response.status_code == 400
    assert "Say what they help with" in response.content.decode()
    assert not SignpostEntry.objects.exists()


def test_editing_marking_checked_and_removing_through_the_pages(
    login: Any, personas: dict[str, Persona]
) -> None:
    entry = add(personas["coordinator"])
    SignpostEntry.objects.filter(pk=entry.pk).update(last_checked_on=datetime.date(2024, 1, 1))
    client = login(personas["dsl"])
    kwargs = {"public_id": entry.public_id}
    assert client.get(reverse("partners:signposting_edit", kwargs=kwargs)).status_code == 200
    response = client.post(
        reverse("partners:signposting_edit", kwargs=kwargs),
        {"kind": "school", "name": "Wellbeing room", "what_for": "Talk.", "where": "Room 3"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "Wellbeing room"
    response = client.post(
        reverse("partners:signposting_edit", kwargs=kwargs),
        {"kind": "school", "name": "Wellbeing room", "what_for": "Talk.", "where": ""},
    )
    assert response.status_code == 400
    assert "at least one way to reach them" in response.content.decode()
    client.post(reverse("partners:signposting_checked", kwargs=kwargs))
    entry.refresh_from_db()
    assert entry.last_checked_on == timezone.localdate()
    client.post(reverse("partners:signposting_remove", kwargs=kwargs))
    assert not SignpostEntry.objects.filter(pk=entry.pk).exists()


def test_another_schools_entry_is_not_found(login: Any, personas: dict[str, Persona]) -> None:
    entry = add(personas["outsider"])
    client = login(personas["coordinator"])
    kwargs = {"public_id": entry.public_id}
    assert client.get(reverse("partners:signposting_edit", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("partners:signposting_remove", kwargs=kwargs)).status_code == 404
    assert SignpostEntry.objects.filter(pk=entry.pk).exists()


def manage_rows(html: str) -> dict[str, str]:
    return {row.split("</th>")[0]: row for row in html.split('<th scope="row">')[1:]}


def use_file(data: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "signposting.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(signposting, "SIGNPOSTING_FILE", path)


@pytest.mark.parametrize("who", ["student", "mentor", "facilitator", "coordinator"])
def test_no_unverified_service_or_detail_is_on_the_help_page(
    login: Any, personas: dict[str, Persona], who: str
) -> None:
    html = login(personas[who]).get(reverse("partners:help")).content.decode()
    assert "Papyrus HOPELINE247" in html
    assert 'href="tel:08000684141"' in html  # its phone number is verified
    assert "88247" not in html  # its text number is not
    assert "YoungMinds" not in html  # nothing about it is verified
    assert "Text YM to 85258" not in html
    assert UNVERIFIED not in html


def test_unverified_services_and_details_are_on_the_manage_page_with_the_warning(
    login: Any, personas: dict[str, Persona]
) -> None:
    html = login(personas["coordinator"]).get(reverse("partners:signposting_manage"))
    rows = manage_rows(html.content.decode())
    assert UNVERIFIED in rows["Papyrus HOPELINE247"]
    assert "Text line: Text 88247" in rows["Papyrus HOPELINE247"]
    assert UNVERIFIED in rows["YoungMinds Textline"]
    assert "students do not see this service" in rows["YoungMinds Textline"]
    assert UNVERIFIED not in rows["Childline"]


def test_a_detail_marked_unverified_in_the_file_leaves_the_help_page(
    login: Any, personas: dict[str, Persona], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(signposting.SIGNPOSTING_FILE.read_text(encoding="utf-8"))
    data["services"][2]["unverified"] = ["phone"]  # Childline
    data["services"][3]["verified"] = False  # Samaritans
    use_file(data, tmp_path, monkeypatch)
    html = login(personas["student"]).get(reverse("partners:help")).content.decode()
    assert "Childline website" in html
    assert "tel:08001111" not in html and "0800 1111" not in html
    assert "Samaritans" not in html and "116 123" not in html
    manage = login(personas["dsl"]).get(reverse("partners:signposting_manage")).content.decode()
    rows = manage_rows(manage)
    assert UNVERIFIED in rows["Childline"]
    assert "Phone number: 0800 1111" in rows["Childline"]
    assert UNVERIFIED in rows["Samaritans"]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("coordinator", True),
        ("dsl", True),
        ("facilitator", True),
        ("viewer", True),
        ("student", False),
        ("mentor", False),
        ("partner", False),
    ],
)
def test_staff_see_when_each_entry_was_last_checked_and_students_do_not(
    login: Any, personas: dict[str, Persona], who: str, sees: bool
) -> None:
    entry = add(personas["coordinator"])
    SignpostEntry.objects.filter(pk=entry.pk).update(last_checked_on=datetime.date(2026, 3, 4))
    html = login(personas[who]).get(reverse("partners:help")).content.decode()
    assert ("Last checked: 4 March 2026" in html) is sees
    assert ("Last checked:" in html) is sees
    if sees:
        childline = signposting.load_national_services().national[0]
        assert f"Last checked: {childline.last_checked_on:%-d %B %Y}" in html


def test_the_help_page_says_free_to_call_or_text_and_explains_a_and_e(
    login: Any, personas: dict[str, Persona], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = login(personas["student"]).get(reverse("partners:help")).content.decode()
    assert "These are free to call or text." in html
    assert "the hospital emergency department (A&amp;E)" in html
    assert "go to A&amp;E at a hospital" not in html
    data = json.loads(signposting.SIGNPOSTING_FILE.read_text(encoding="utf-8"))
    data["services"] = [s for s in data["services"] if not s["text"]]
    use_file(data, tmp_path, monkeypatch)
    html = login(personas["student"]).get(reverse("partners:help")).content.decode()
    assert "These are free to call." in html


def test_an_empty_post_shows_field_errors_and_changes_nothing(
    login: Any, personas: dict[str, Persona]
) -> None:
    entry = add(personas["coordinator"])
    client = login(personas["coordinator"])
    response = client.post(reverse("partners:signposting_manage"), {})
    assert response.status_code == 400
    assert "Say what they help with" in response.content.decode()
    assert SignpostEntry.objects.count() == 1
    response = client.post(
        reverse("partners:signposting_edit", kwargs={"public_id": entry.public_id}), {}
    )
    assert response.status_code == 400
    assert "Say what they help with" in response.content.decode()
    entry.refresh_from_db()
    assert entry.name == "Pastoral office"
