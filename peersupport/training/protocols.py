"""The starter protocols ("If someone tells you something worrying"), kept as
Markdown files (one protocol a file) and checked strictly when loaded.

The files live in ``protocols/`` beside this module, named ``NN_some_name.md``: the
two-digit prefix is the protocol's place in the list. Each starts with a header
between two ``---`` lines holding exactly these four fields, one a line, and then
the protocol's words in Markdown::

    ---
    key: a-session-gets-heated
    title: If a session gets heated
    summary: If people get angry or upset, stay calm, take a break and get staff.
    audience: mentors
    ---

    ## Signs it is getting heated
    ...

Markdown files rather than JSON, so that the words can be read and changed by
anyone, without escaping every line break. Pure Python on purpose (pathlib,
dataclasses): no Django, so the data can be checked anywhere.
``ProtocolData.as_model_fields()`` gives the values for a ``Protocol`` (which also
needs a school); the content becomes its version 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROTOCOLS_DIR = Path(__file__).resolve().parent / "protocols"
AUDIENCES = ("mentors", "staff")  # Protocol.Audience values
FIELDS = ("key", "title", "summary", "audience")

# The limits of the Protocol fields the data fills.
KEY_MAX_LENGTH = 60
TITLE_MAX_LENGTH = 120
SUMMARY_MAX_LENGTH = 300

_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_FILE_NAME = re.compile(r"(?P<order>[0-9]{2})_[a-z0-9_-]+\.md")
_HEADER_LINE = re.compile(r"(?P<name>[a-z_]+):(?P<value>.*)")
_FENCE = "---"


class ProtocolFileError(ValueError):
    """A protocol file is broken; the message names the file and the problem."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


@dataclass(frozen=True)
class ProtocolData:
    key: str
    title: str
    summary: str
    audience: str
    order: int
    content: str

    def as_model_fields(self) -> dict[str, Any]:
        """Keyword arguments for a ``Protocol`` (add the school)."""
        return {
            "key": self.key,
            "title": self.title,
            "summary": self.summary,
            "audience": self.audience,
            "order": self.order,
        }


def load_protocols(directory: Path | None = None) -> list[ProtocolData]:
    """Every protocol in ``directory`` (default: the shipped starters), checked, in
    the order of their file names."""
    root = PROTOCOLS_DIR if directory is None else Path(directory)
    if not root.is_dir():
        raise ProtocolFileError(str(root), "the protocols folder does not exist")
    protocols: list[ProtocolData] = []
    seen: dict[str, str] = {}  # key -> the file that used it first
    for path in sorted(root.glob("*.md"), key=lambda p: p.name):
        protocol = _load_file(path)
        if protocol.key in seen:
            raise ProtocolFileError(
                path.name, f"key {protocol.key!r} is already used by {seen[protocol.key]}"
            )
        seen[protocol.key] = path.name
        protocols.append(protocol)
    return protocols


def _load_file(path: Path) -> ProtocolData:
    name = path.name

    def fail(problem: str) -> ProtocolFileError:
        return ProtocolFileError(name, problem)

    match = _FILE_NAME.fullmatch(name)
    if match is None:
        raise fail("the file name must be two digits, an underscore and a slug, like 01_heated.md")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise fail(f"the file is not UTF-8 ({error.reason})") from error
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise fail(f"the file must start with a {_FENCE} line, then the header")
    try:
        end = next(n for n, line in enumerate(lines[1:], start=1) if line.strip() == _FENCE)
    except StopIteration:
        raise fail(f"the header has no closing {_FENCE} line") from None

    header: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        parsed = _HEADER_LINE.fullmatch(line.strip())
        if parsed is None:
            raise fail(f"line {number} of the header is not 'field: value'")
        field, value = parsed["name"], parsed["value"].strip()
        if field not in FIELDS:
            raise fail(f"line {number}: unknown field {field!r} (expected {', '.join(FIELDS)})")
        if field in header:
            raise fail(f"line {number}: the field {field!r} appears twice")
        if not value:
            raise fail(f"line {number}: {field} is empty")
        header[field] = value
    missing = [field for field in FIELDS if field not in header]
    if missing:
        raise fail(f"the header is missing {', '.join(missing)}")

    key = header["key"]
    if len(key) > KEY_MAX_LENGTH or not _SLUG.fullmatch(key):
        raise fail(
            f"key {key!r} is not a slug (lower-case letters, digits, single hyphens or "
            f"underscores between them, at most {KEY_MAX_LENGTH} characters)"
        )
    title = header["title"]
    if len(title) > TITLE_MAX_LENGTH:
        raise fail(f"title is {len(title)} characters; the most is {TITLE_MAX_LENGTH}")
    summary = header["summary"]
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise fail(f"summary is {len(summary)} characters; the most is {SUMMARY_MAX_LENGTH}")
    audience = header["audience"]
    if audience not in AUDIENCES:
        raise fail(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    content = "\n".join(lines[end + 1 :]).strip()
    if not content:
        raise fail("the protocol has no words after the header")
    return ProtocolData(
        key=key,
        title=title,
        summary=summary,
        audience=audience,
        order=int(match["order"]),
        content=content + "\n",
    )
