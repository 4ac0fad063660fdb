"""The pages a peer mentor reads, as the server sends them, read at a level an
11-year-old can manage: the training list, each module with its knowledge check
and its marked result, "What do I do if...?" and each protocol. The shipped words
have their own checks (test_curriculum, test_protocols); these also check the
words the pages put around them: headings, buttons, labels and help."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Persona, make_student
from peersupport.accounts.models import User
from peersupport.programmes.services import mentor_apply
from peersupport.training.models import Protocol, TrainingModule
from peersupport.training.services import curriculum_install, protocols_install
from peersupport.training.tests.test_curriculum import (
    MAX_GRADE,
    MIN_READING_EASE,
    as_sentences,
    reading_scores,
)

# Each of these starts a new piece of text that a reader takes in on its own.
BLOCKS = {
    "p", "li", "h1", "h2", "h3", "h4", "td", "th", "dt", "dd", "label", "legend",
    "button", "summary", "caption", "blockquote", "div", "section", "a", "option",
}  # fmt: skip
HIDDEN = {"script", "style", "template"}


class MainText(HTMLParser):
    """The words inside <main>, one piece of text per block, each closed as a
    sentence (the same rule as the content checks)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <main> when above zero
        self.hidden = 0
        self.pieces: list[str] = []
        self.current: list[str] = []

    def _close_piece(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.pieces.append(as_sentences(text))
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.depth += 1
        elif self.depth and tag in HIDDEN:
            self.hidden += 1
        if self.depth and tag in BLOCKS:
            self._close_piece()

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag in BLOCKS:
            self._close_piece()
        if tag == "main":
            self._close_piece()
            self.depth -= 1
        elif self.depth and tag in HIDDEN:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.hidden:
            self.current.append(data)


def main_text(html: str) -> str:
    parser = MainText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.pieces)


def assert_easy_to_read(html: str, where: str) -> None:
    text = main_text(html)
    assert len(text.split()) >= 20, f"{where}: too little text to judge ({text!r})"
    ease, grade = reading_scores(text)
    assert ease >= MIN_READING_EASE, f"{where}: Flesch reading ease {ease} < {MIN_READING_EASE}"
    assert grade <= MAX_GRADE, f"{where}: Flesch-Kincaid grade {grade} > {MAX_GRADE}"


@pytest.fixture
def mentor_client(
    personas: dict[str, Persona], login: Callable[[Persona | User], Client]
) -> Client:
    mentor = personas["mentor"]
    curriculum_install(school=mentor.school)
    protocols_install(school=mentor.school)
    record = make_student(mentor.school, legal_forename="Maya", year_group=10)
    record.user = mentor.user
    record.save()
    mentor_apply(actor=personas["coordinator"].user, student=record, why="To help")
    return login(mentor)


def test_the_main_text_is_what_a_reader_sees() -> None:
    html = (
        "<header><p>Site menu words</p></header><main><h1>Your training</h1>"
        "<p>Read it <strong>slowly</strong></p><script>var hidden = 1;</script>"
        "<button>Check my answers</button></main><footer>Footer</footer>"
    )
    assert main_text(html) == "Your training.\nRead it slowly.\nCheck my answers."


def test_the_page_check_can_fail() -> None:
    paragraph = (
        "<p>Notwithstanding institutional safeguarding responsibilities, "
        "practitioners must contemporaneously document disclosures, demonstrating "
        "professional accountability and proportionate, evidence-informed "
        "decision-making.</p>"
    )
    hard = f"<main>{paragraph * 2}</main>"
    with pytest.raises(AssertionError, match="reading ease"):
        assert_easy_to_read(hard, "a hard page")


def test_the_training_pages_a_mentor_reads_are_easy_to_read(
    mentor_client: Client, personas: dict[str, Persona]
) -> None:
    school = personas["mentor"].school
    listing = mentor_client.get(reverse("training:modules"))
    assert listing.status_code == 200
    assert_easy_to_read(listing.content.decode(), "the training list")
    modules = TrainingModule.objects.filter(school=school, audience="mentor").order_by("title")
    assert modules.count() == 7
    for module in modules:
        url = reverse("training:module", args=[module.public_id])
        page = mentor_client.get(url)
        assert page.status_code == 200
        assert_easy_to_read(page.content.decode(), module.title)
        # The marked check, with one wrong answer, so feedback of both kinds shows.
        answers = {}
        for number, question in enumerate(module.questions):
            right = next(i for i, o in enumerate(question["options"]) if o["correct"])
            wrong = next(i for i, o in enumerate(question["options"]) if not o["correct"])
            answers[f"q{number}"] = str(wrong if number == 0 else right)
        marked = mentor_client.post(url, answers)
        assert marked.status_code == 200
        assert_easy_to_read(marked.content.decode(), f"{module.title}, marked")


def test_what_do_i_do_if_and_every_protocol_are_easy_to_read(
    mentor_client: Client, personas: dict[str, Persona]
) -> None:
    page = mentor_client.get(reverse("training:protocols"))
    assert page.status_code == 200
    assert_easy_to_read(page.content.decode(), '"What do I do if...?"')
    protocols = Protocol.objects.filter(school=personas["mentor"].school)
    assert protocols.count() == 5
    for protocol in protocols:
        page = mentor_client.get(reverse("training:protocol", args=[protocol.public_id]))
        assert page.status_code == 200
        assert_easy_to_read(page.content.decode(), protocol.title)
