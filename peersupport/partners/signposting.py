"""National help services as data: ``signposting.json`` beside this module, checked
strictly when loaded. A broken file gives a ``SignpostingError`` whose message
names the file and the problem, such as ``signposting.json: services[2].phone:
a phone number has only digits and spaces``.

Pure Python (json, pathlib, pydantic): no Django, so the file can be checked
anywhere.

The shape of the file
=====================

One JSON object::

    "schema_version": 1,
    "notes": "...",                 how the entries were checked
    "services": [
      {"key": "childline",          lower-case snake case, unique
       "group": "emergency" | "national",
       "name": "Childline",
       "what_for": "...",           plain words an 11-year-old understands
       "phone": "0800 1111",        digits and spaces, or ""
       "text": "Text SHOUT to 85258",   the words to show, or ""
       "text_to": "85258",          the number to text (digits), with "text"
       "website": "https://...",    or ""
       "hours": "Any time, day or night",
       "verified": true | false,    false: the service itself could not be confirmed
       "unverified": ["text"],      details that could not be confirmed (optional):
                                    any of "phone", "text", "website", "hours"
       "notes": "...",              what was and was not confirmed
       "sources": [{"url": "https://...", "checked": "YYYY-MM-DD", "note": "..."}]}
    ]

Each service has a phone number, a text line or a website (at least one). The
service was last checked on the latest ``checked`` date of its sources.

Verification is kept per detail, because a child in crisis must never be given a
number we have not confirmed. A service with ``"verified": false`` is left off the
help page altogether; a detail named in ``unverified`` (say Papyrus's text number,
while its phone number is confirmed) is left off the help page while the rest of
the service is shown. Both are shown, with a warning, on the staff management
page only. ``help_page_services`` gives what students may be shown.
"""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SIGNPOSTING_FILE = Path(__file__).resolve().parent / "signposting.json"

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, Field(min_length=1, max_length=300)]
Note = Annotated[str, Field(max_length=2000)]
Url = Annotated[str, Field(pattern=r"^https://\S+$", max_length=300)]
Detail = Literal["phone", "text", "website", "hours"]

DETAIL_WORDS: dict[str, str] = {
    "phone": "phone number",
    "text": "text line",
    "website": "website",
    "hours": "opening hours",
}


class SignpostingError(ValueError):
    """The national services file is broken; the message names the file and the
    problem."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Source(_Strict):
    """Where a service's details were checked, and when."""

    url: Url
    checked: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    note: Note = ""

    @model_validator(mode="after")
    def _checked_is_a_date(self) -> Source:
        try:
            datetime.date.fromisoformat(self.checked)
        except ValueError:
            raise ValueError(f"checked {self.checked!r} is not a real date") from None
        return self

    @property
    def checked_on(self) -> datetime.date:
        return datetime.date.fromisoformat(self.checked)


class NationalService(_Strict):
    """One national service (or the emergency numbers) shown on every help page."""

    key: Key
    group: Literal["emergency", "national"]
    name: Text
    what_for: Text
    phone: Annotated[str, Field(pattern=r"^(\d[\d ]*\d|\d?)$", max_length=40)] = ""
    text: Annotated[str, Field(max_length=80)] = ""
    text_to: Annotated[str, Field(pattern=r"^\d*$", max_length=20)] = ""
    website: Annotated[str, Field(pattern=r"^(https://\S+)?$", max_length=300)] = ""
    hours: Text
    verified: bool
    unverified: list[Detail] = Field(default_factory=list)
    notes: Note = ""
    sources: Annotated[list[Source], Field(min_length=1)]

    @model_validator(mode="after")
    def _reachable(self) -> NationalService:
        if not (self.phone or self.text or self.website):
            raise ValueError("a service needs a phone number, a text line or a website")
        if bool(self.text) != bool(self.text_to):
            raise ValueError("a text line needs both its words (text) and its number (text_to)")
        if len(set(self.unverified)) != len(self.unverified):
            raise ValueError("unverified names a detail twice")
        for detail in self.unverified:
            if not getattr(self, detail):
                raise ValueError(f"unverified names the {detail}, which the service has not got")
        if self.verified and not (
            ("phone" not in self.unverified and self.phone)
            or ("text" not in self.unverified and self.text)
            or ("website" not in self.unverified and self.website)
        ):
            raise ValueError(
                'no verified phone number, text line or website: set "verified" to false'
            )
        return self

    @property
    def fully_verified(self) -> bool:
        """Whether the service and every one of its details were confirmed."""
        return self.verified and not self.unverified

    @property
    def unverified_details(self) -> list[tuple[str, str]]:
        """The details not confirmed, as (what it is in words, the detail as written),
        for the warning on the management page."""
        shown = {"phone": self.phone, "text": self.text, "website": self.website}
        shown["hours"] = self.hours
        return [(DETAIL_WORDS[detail], shown[detail]) for detail in self.unverified]

    def for_students(self) -> NationalService | None:
        """The service as the help page may show it: ``None`` when the service is
        not verified, else a copy without its unverified details."""
        if not self.verified:
            return None
        blank: dict[str, Any] = {}
        for detail in self.unverified:
            blank[detail] = ""
            if detail == "text":
                blank["text_to"] = ""
        return self.model_copy(update=blank) if blank else self

    @property
    def last_checked_on(self) -> datetime.date:
        """The latest date any of its sources was checked."""
        return max(source.checked_on for source in self.sources)

    @property
    def phone_link(self) -> str:
        """The ``tel:`` address of the phone number ("" when there is none)."""
        return f"tel:{self.phone.replace(' ', '')}" if self.phone else ""

    @property
    def text_link(self) -> str:
        """The ``sms:`` address of the text line ("" when there is none)."""
        return f"sms:{self.text_to}" if self.text_to else ""


class SignpostingFile(_Strict):
    """The whole file."""

    schema_version: Literal[1]
    notes: Note = ""
    services: Annotated[list[NationalService], Field(min_length=1)]


@dataclass(frozen=True)
class NationalServices:
    """The checked services of the file, emergency numbers first."""

    emergency: tuple[NationalService, ...]
    national: tuple[NationalService, ...]

    @property
    def all(self) -> tuple[NationalService, ...]:
        return self.emergency + self.national


def help_page_services(
    services: tuple[NationalService, ...],
) -> tuple[NationalService, ...]:
    """What students may be shown of ``services``: verified services only, each
    without its unverified details."""
    return tuple(shown for service in services if (shown := service.for_students()))


def load_national_services(path: Path | str | None = None) -> NationalServices:
    """The national services from ``path`` (default: the shipped file), checked; a
    broken file raises ``SignpostingError``. Read once per file and kept."""
    return _load(str(Path(path or SIGNPOSTING_FILE).resolve()))


@functools.lru_cache(maxsize=8)
def _load(where: str) -> NationalServices:
    path = Path(where)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SignpostingError(name, "the file does not exist") from None
    except UnicodeDecodeError as error:
        raise SignpostingError(name, f"the file is not UTF-8 ({error.reason})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as error:
        raise SignpostingError(
            name, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except _RepeatedKey as error:
        raise SignpostingError(name, f"the key {error.args[0]!r} appears twice") from None
    if not isinstance(data, dict):
        raise SignpostingError(name, "the file must hold one JSON object")
    try:
        parsed = SignpostingFile.model_validate(data)
    except ValidationError as error:
        raise SignpostingError(name, _describe(error)) from None
    seen: set[str] = set()
    for service in parsed.services:
        if service.key in seen:
            raise SignpostingError(name, f"two services have the key {service.key!r}")
        seen.add(service.key)
    return NationalServices(
        emergency=tuple(s for s in parsed.services if s.group == "emergency"),
        national=tuple(s for s in parsed.services if s.group == "national"),
    )


class _RepeatedKey(Exception):
    pass


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _describe(error: ValidationError) -> str:
    """Pydantic's errors as ``services[2].phone: String should match pattern ...``,
    with the phone pattern said in words."""
    lines = []
    for item in error.errors(include_url=False):
        where = ""
        for part in item["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        message = str(item["msg"]).removeprefix("Value error, ")
        field = item["loc"][-1] if item["loc"] else ""
        if item["type"] == "string_pattern_mismatch" and field in _PATTERN_WORDS:
            message = _PATTERN_WORDS[str(field)]
        lines.append(f"{where or 'the file'}: {message}")
    return "; ".join(lines)


_PATTERN_WORDS = {
    "phone": "a phone number has only digits and spaces",
    "text_to": "the number to text has only digits",
    "website": "a website address starts with https://",
    "url": "a source address starts with https://",
    "key": "a key is lower-case letters, digits and underscores",
    "checked": "a checked date is written YYYY-MM-DD",
}


def not_checked_for_a_year(last_checked_on: datetime.date, today: datetime.date) -> bool:
    """Whether an entry last checked on ``last_checked_on`` has gone 12 months or
    more without a check by ``today`` (then the management page flags it)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February: a year before is 28 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return last_checked_on <= year_ago
