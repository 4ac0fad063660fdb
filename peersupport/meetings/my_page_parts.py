"""Parts that apps after meetings add to a student's own page ("My page").

Meetings stands before the apps that ask things of a student (wellbeing's
questionnaires, goals and session feedback), so it cannot ask them what is waiting.
Instead such an app registers a function here, in its AppConfig's ``ready()``; the
page asks each registered function for its part and shows those it gets. The
function decides, through its own app's access rules, what the student sees, and
answers None when there is nothing to show."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from peersupport.accounts.models import User
from peersupport.schools.models import School
from peersupport.students.models import Student


@dataclass(frozen=True)
class MyPagePart:
    """A section of the student's page: the template that draws it and its context
    (given to the template as ``part``)."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


MyPagePartSource = Callable[[User, School, Student, datetime.date], MyPagePart | None]

_sources: list[MyPagePartSource] = []


def my_page_part_source_add(source: MyPagePartSource) -> None:
    """Add a function that gives the page a part (or None). Adding the same one again
    changes nothing, so a ``ready()`` run twice adds it once."""
    if source not in _sources:
        _sources.append(source)


def my_page_parts_for(
    user: User, school: School, student: Student, today: datetime.date
) -> list[MyPagePart]:
    """The parts ``user`` sees on their page, in the order the sources were added."""
    parts = []
    for source in _sources:
        part = source(user, school, student, today)
        if part is not None:
            parts.append(part)
    return parts
