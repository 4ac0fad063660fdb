"""The starter training curriculum, kept as JSON files (one module a file) and
checked strictly when loaded.

The files live in ``curriculum/mentor`` and ``curriculum/facilitator`` beside this
module, named ``NN_some_name.json`` so that the two-digit prefix sets their order.
Each holds exactly these keys::

    {"key": "active-listening", "title": "...", "summary": "...", "minutes": 20,
     "core": true, "audience": "mentor", "refresh_months": null, "pass_mark": 80,
     "content": "<Markdown>",
     "questions": [{"question": "...",
                    "options": [{"text": "...", "correct": true, "feedback": "..."}]}]}

Pure Python on purpose (json, pathlib, dataclasses): no Django, so the data can be
checked anywhere. ``ModuleData.as_model_fields()`` gives the values for a
``TrainingModule`` (which also needs a school); every module here is delivered by
the school itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"
AUDIENCES = ("mentor", "facilitator")  # also the folder names, and the sort order
DELIVERED_BY = "school"

# The limits of the TrainingModule fields the data fills.
KEY_MAX_LENGTH = 60
TITLE_MAX_LENGTH = 120
SUMMARY_MAX_LENGTH = 300
SMALL_INT_MAX = 32767  # PositiveSmallIntegerField

_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_FILE_NAME = re.compile(r"[0-9]{2}_[a-z0-9_-]+\.json")
_MODULE_KEYS = frozenset(
    {
        "key",
        "title",
        "summary",
        "minutes",
        "core",
        "audience",
        "refresh_months",
        "pass_mark",
        "content",
        "questions",
    }
)
_QUESTION_KEYS = frozenset({"question", "options"})
_OPTION_KEYS = frozenset({"text", "correct", "feedback"})

_Fail = Callable[[str], "CurriculumError"]


class CurriculumError(ValueError):
    """A curriculum file is broken; the message names the file and the problem."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


@dataclass(frozen=True)
class OptionData:
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class QuestionData:
    question: str
    options: tuple[OptionData, ...]


@dataclass(frozen=True)
class ModuleData:
    key: str
    title: str
    summary: str
    minutes: int
    core: bool
    audience: str
    refresh_months: int | None
    pass_mark: int
    content: str
    questions: tuple[QuestionData, ...]

    def questions_json(self) -> list[dict[str, Any]]:
        """The knowledge check as ``TrainingModule.questions`` stores it."""
        return [
            {
                "question": question.question,
                "options": [
                    {"text": option.text, "correct": option.correct, "feedback": option.feedback}
                    for option in question.options
                ],
            }
            for question in self.questions
        ]

    def as_model_fields(self) -> dict[str, Any]:
        """Keyword arguments for a ``TrainingModule`` (add the school)."""
        return {
            "key": self.key,
            "title": self.title,
            "summary": self.summary,
            "content": self.content,
            "minutes": self.minutes,
            "core": self.core,
            "audience": self.audience,
            "refresh_months": self.refresh_months,
            "delivered_by": DELIVERED_BY,
            "questions": self.questions_json(),
            "pass_mark": self.pass_mark,
        }


def load_curriculum(directory: Path | None = None) -> list[ModuleData]:
    """Every module under ``directory/mentor`` and ``directory/facilitator``
    (default: the shipped curriculum), checked, in order of audience (mentor
    first) and then file name. A missing audience folder counts as empty."""
    root = CURRICULUM_DIR if directory is None else Path(directory)
    if not root.is_dir():
        raise CurriculumError(str(root), "the curriculum folder does not exist")
    modules: list[ModuleData] = []
    seen: dict[str, str] = {}  # key -> the file that used it first
    for audience in AUDIENCES:
        folder = root / audience
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json"), key=lambda p: p.name):
            name = f"{audience}/{path.name}"
            module = _load_file(path, name, audience)
            if module.key in seen:
                raise CurriculumError(
                    name, f"key {module.key!r} is already used by {seen[module.key]}"
                )
            seen[module.key] = name
            modules.append(module)
    return modules


def _load_file(path: Path, name: str, folder_audience: str) -> ModuleData:
    if not _FILE_NAME.fullmatch(path.name):
        raise CurriculumError(
            name,
            "the file name must be two digits, an underscore and a slug, like 01_listening.json",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_repeats)
    except UnicodeDecodeError as error:
        raise CurriculumError(name, f"the file is not UTF-8 ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise CurriculumError(
            name, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    except _RepeatedKey as error:
        raise CurriculumError(name, f"the key {error.args[0]!r} appears twice") from error
    return _module(data, name, folder_audience)


class _RepeatedKey(Exception):
    pass


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _module(data: Any, name: str, folder_audience: str) -> ModuleData:
    def fail(problem: str) -> CurriculumError:
        return CurriculumError(name, problem)

    if not isinstance(data, dict):
        raise fail("the file must hold one JSON object (a module)")
    _exact_keys(data, _MODULE_KEYS, "the module", fail)

    key = _text(data, "key", None, fail)
    if len(key) > KEY_MAX_LENGTH or not _SLUG.fullmatch(key):
        raise fail(
            f"key {key!r} is not a slug (lower-case letters, digits, single hyphens or "
            f"underscores between them, at most {KEY_MAX_LENGTH} characters)"
        )
    title = _text(data, "title", None, fail)
    if len(title) > TITLE_MAX_LENGTH:
        raise fail(f"title is {len(title)} characters; the most is {TITLE_MAX_LENGTH}")
    summary = _text(data, "summary", None, fail)
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise fail(f"summary is {len(summary)} characters; the most is {SUMMARY_MAX_LENGTH}")
    content = _text(data, "content", None, fail)

    minutes = _integer(data, "minutes", fail)
    if not 1 <= minutes <= SMALL_INT_MAX:
        raise fail(f"minutes must be a positive whole number, not {minutes}")
    core = data["core"]
    if not isinstance(core, bool):
        raise fail(f"core must be true or false, not {_json_type(core)}")
    audience = data["audience"]
    if audience not in AUDIENCES:
        raise fail(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    if audience != folder_audience:
        raise fail(f"audience is {audience!r} but the file is in the {folder_audience} folder")
    refresh_months = data["refresh_months"]
    if refresh_months is not None:
        refresh_months = _integer(data, "refresh_months", fail, nullable=True)
        if not 1 <= refresh_months <= SMALL_INT_MAX:
            raise fail(f"refresh_months must be null or a positive number, not {refresh_months}")
    pass_mark = _integer(data, "pass_mark", fail)
    if not 1 <= pass_mark <= 100:
        raise fail(f"pass_mark must be a percentage from 1 to 100, not {pass_mark}")

    raw_questions = data["questions"]
    if not isinstance(raw_questions, list):
        raise fail(f"questions must be a list, not {_json_type(raw_questions)}")
    if not raw_questions:
        raise fail("questions is empty: every module needs a knowledge check")
    questions = tuple(
        _question(raw, f"question {number}", fail)
        for number, raw in enumerate(raw_questions, start=1)
    )
    return ModuleData(
        key=key,
        title=title,
        summary=summary,
        minutes=minutes,
        core=core,
        audience=audience,
        refresh_months=refresh_months,
        pass_mark=pass_mark,
        content=content,
        questions=questions,
    )


def _question(raw: Any, where: str, fail: _Fail) -> QuestionData:
    if not isinstance(raw, dict):
        raise fail(f"{where} must be an object, not {_json_type(raw)}")
    _exact_keys(raw, _QUESTION_KEYS, where, fail)
    question = _text(raw, "question", where, fail)
    raw_options = raw["options"]
    if not isinstance(raw_options, list):
        raise fail(f"{where}: options must be a list, not {_json_type(raw_options)}")
    if len(raw_options) < 2:
        raise fail(f"{where} has {len(raw_options)} option(s); it needs at least 2")
    options = []
    for number, option in enumerate(raw_options, start=1):
        place = f"{where}, option {number}"
        if not isinstance(option, dict):
            raise fail(f"{place} must be an object, not {_json_type(option)}")
        _exact_keys(option, _OPTION_KEYS, place, fail)
        text = _text(option, "text", place, fail)
        correct = option["correct"]
        if not isinstance(correct, bool):
            raise fail(f"{place}: correct must be true or false, not {_json_type(correct)}")
        feedback = _text(option, "feedback", place, fail)
        options.append(OptionData(text=text, correct=correct, feedback=feedback))
    right = sum(option.correct for option in options)
    if right != 1:
        raise fail(f"{where} has {right} correct options; it needs exactly one")
    return QuestionData(question=question, options=tuple(options))


def _exact_keys(data: dict[str, Any], expected: frozenset[str], where: str, fail: _Fail) -> None:
    missing = sorted(expected - data.keys())
    if missing:
        raise fail(f"{where} is missing {', '.join(missing)}")
    unknown = sorted(data.keys() - expected)
    if unknown:
        raise fail(f"{where} has unknown key(s) {', '.join(unknown)}")


def _text(data: dict[str, Any], field: str, where: str | None, fail: _Fail) -> str:
    name = f"{where}: {field}" if where else field
    value = data[field]
    if not isinstance(value, str):
        raise fail(f"{name} must be a string, not {_json_type(value)}")
    if not value.strip():
        raise fail(f"{name} is empty")
    return value


def _integer(data: dict[str, Any], field: str, fail: _Fail, nullable: bool = False) -> int:
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, int):
        wanted = "a whole number or null" if nullable else "a whole number"
        raise fail(f"{field} must be {wanted}, not {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
