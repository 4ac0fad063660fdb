"""Checks that free text written by students and mentors goes through, and where a
flagged piece of it can be read back.

The urgent-words check lives in concerns, which stands beside the other apps that
store free text (wellbeing: session feedback comments and goals) and so cannot be
called by them, nor read their records. Instead concerns registers its check here,
and each app that stores free text registers a reader for its kind of record, all
in their AppConfig's ``ready()``. A service that stores free text calls
``free_text_check`` after storing it; the urgent flag's page asks
``free_text_read`` for the words. With no checker registered the check does
nothing (an app may run without concerns)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from peersupport.schools.models import School
from peersupport.students.models import Student


class FreeTextChecker(Protocol):
    """Checks one piece of free text; returns what it made of it (an urgent flag) or
    None when there was nothing to flag. It never refuses or changes the text."""

    def __call__(
        self,
        *,
        school: School,
        text: str,
        source_type: str,
        source_public_id: uuid.UUID,
        student: Student | None,
    ) -> object | None: ...


FreeTextReader = Callable[[School, uuid.UUID], str | None]

_checkers: list[FreeTextChecker] = []
_readers: dict[str, FreeTextReader] = {}


def free_text_checker_add(checker: FreeTextChecker) -> None:
    """Add a check. Adding the same one again changes nothing, so a ``ready()`` run
    twice adds it once."""
    if checker not in _checkers:
        _checkers.append(checker)


def free_text_reader_add(source_type: str, reader: FreeTextReader) -> None:
    """Say how the words of a kind of record are read back: ``reader(school,
    public_id)`` gives them, or None when there is no such record."""
    _readers[source_type] = reader


def free_text_check(
    *,
    school: School,
    text: str,
    source_type: str,
    source_public_id: uuid.UUID,
    student: Student | None = None,
) -> bool:
    """Run every registered check on text just stored. ``student`` is who wrote it,
    or None when that must not be known (anonymous feedback). True when any check
    flagged it."""
    if not text.strip():
        return False
    flagged = False
    for checker in list(_checkers):
        found = checker(
            school=school,
            text=text,
            source_type=source_type,
            source_public_id=source_public_id,
            student=student,
        )
        flagged = flagged or found is not None
    return flagged


def free_text_read(school: School, source_type: str, source_public_id: uuid.UUID) -> str | None:
    """The words of a record of another app, or None when no reader is registered
    for its kind or the record is gone."""
    reader = _readers.get(source_type)
    return reader(school, source_public_id) if reader is not None else None
