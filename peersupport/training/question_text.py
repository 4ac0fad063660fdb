"""A module's knowledge check written as plain text, so that staff can edit it in
one box, and the checks every knowledge check must pass however it arrives.

The format, one question after another with a blank line between them::

    What helps someone feel heard?
    [ ] Looking at your phone
    > That can feel like you are not listening.
    [x] Looking at them and nodding
    > Yes: it shows you are with them.

The first line of a block is the question. Each line after it is an answer,
starting ``[ ]`` for a wrong one or ``[x]`` for the right one. A line starting
``>`` straight after an answer is the feedback a mentor sees when they choose it
(optional). Every question needs at least two answers and exactly one right one.

Pure Python on purpose (no Django): ``parse`` and ``problems`` return plain
messages that forms and services turn into errors.
"""

from __future__ import annotations

import re
from typing import Any

MAX_QUESTIONS = 30
MAX_OPTIONS = 8
MAX_TEXT = 500

_OPTION = re.compile(r"\[(?P<mark>[ xX]?)\]\s*(?P<text>.*)")

EXAMPLE = """What helps someone feel heard?
[ ] Looking at your phone
> That can feel like you are not listening.
[x] Looking at them and nodding
> Yes: it shows you are with them."""


class QuestionTextError(ValueError):
    """The text cannot be read as a knowledge check; ``messages`` says where and why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """The non-blank lines (with their line numbers), in blocks split by blank lines."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            if current:
                blocks.append(current)
                current = []
            continue
        current.append((number, line))
    if current:
        blocks.append(current)
    return blocks


def parse(text: str) -> list[dict[str, Any]]:
    """The questions in ``text``, as ``TrainingModule.questions`` stores them.
    Raises ``QuestionTextError`` naming every line it cannot read and every
    question that breaks a rule; empty text is an empty knowledge check."""
    messages: list[str] = []
    questions: list[dict[str, Any]] = []
    for index, block in enumerate(_blocks(text), start=1):
        first_line, question = block[0]
        if _OPTION.fullmatch(question) or question.startswith(">"):
            messages.append(
                f"Question {index} (line {first_line}) starts with an answer or feedback: "
                "write the question on the first line, then its answers."
            )
            continue
        options: list[dict[str, Any]] = []
        for number, line in block[1:]:
            option = _OPTION.fullmatch(line)
            if option:
                options.append(
                    {
                        "text": option["text"].strip(),
                        "correct": option["mark"].lower() == "x",
                        "feedback": "",
                    }
                )
            elif line.startswith(">"):
                if not options:
                    messages.append(
                        f"Line {number}: feedback (starting >) must come straight after an answer."
                    )
                    continue
                feedback = line[1:].strip()
                previous = options[-1]["feedback"]
                options[-1]["feedback"] = f"{previous} {feedback}".strip()
            else:
                messages.append(
                    f"Line {number}: after the question, each line must be an answer starting "
                    "[ ] or [x], or feedback starting >. Leave a blank line before a new question."
                )
        questions.append({"question": question, "options": options})
    if messages:
        raise QuestionTextError(messages)
    found = problems(questions)
    if found:
        raise QuestionTextError(found)
    return questions


def problems(questions: Any) -> list[str]:
    """What is wrong with a knowledge check as stored (empty when nothing is)."""
    if not isinstance(questions, list):
        return ["The knowledge check must be a list of questions."]
    found: list[str] = []
    if len(questions) > MAX_QUESTIONS:
        found.append(f"There are {len(questions)} questions; the most is {MAX_QUESTIONS}.")
    for index, question in enumerate(questions, start=1):
        where = f"Question {index}"
        if not isinstance(question, dict) or set(question) != {"question", "options"}:
            found.append(f"{where} must have its words and its answers.")
            continue
        words, options = question["question"], question["options"]
        if not isinstance(words, str) or not words.strip():
            found.append(f"{where} has no words.")
        elif len(words) > MAX_TEXT:
            found.append(f"{where} is {len(words)} characters long; the most is {MAX_TEXT}.")
        if not isinstance(options, list):
            found.append(f"{where} must have a list of answers.")
            continue
        if len(options) < 2:
            found.append(
                f"{where} has {len(options)} answer{'' if len(options) == 1 else 's'}; "
                "it needs at least two."
            )
        if len(options) > MAX_OPTIONS:
            found.append(f"{where} has {len(options)} answers; the most is {MAX_OPTIONS}.")
        right = 0
        for number, option in enumerate(options, start=1):
            place = f"{where}, answer {number}"
            if not (
                isinstance(option, dict)
                and set(option) == {"text", "correct", "feedback"}
                and isinstance(option["text"], str)
                and isinstance(option["correct"], bool)
                and isinstance(option["feedback"], str)
            ):
                found.append(f"{place} must have its words, whether it is right, and feedback.")
                continue
            if not option["text"].strip():
                found.append(f"{place} has no words.")
            elif len(option["text"]) > MAX_TEXT or len(option["feedback"]) > MAX_TEXT:
                found.append(f"{place} or its feedback is longer than {MAX_TEXT} characters.")
            right += option["correct"]
        if right == 0 and len(options) >= 2:
            found.append(f"{where} has no right answer: put [x] before the right one.")
        elif right > 1:
            found.append(f"{where} has {right} answers marked right; mark exactly one with [x].")
    return found


def format_text(questions: list[dict[str, Any]]) -> str:
    """``questions`` written in the plain-text format (``parse`` reads it back)."""
    blocks = []
    for question in questions:
        lines = [_one_line(question["question"])]
        for option in question["options"]:
            lines.append(f"[{'x' if option['correct'] else ' '}] {_one_line(option['text'])}")
            if option.get("feedback"):
                lines.append(f"> {_one_line(option['feedback'])}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _one_line(text: str) -> str:
    return " ".join(text.split())
