"""What may be shared about a student with an outside service, offered by the apps
that hold it.

Students stands before the apps that keep wellbeing scores or safeguarding records,
and partners (which makes referrals out) stands beside them, so neither can import
the other. An app registers here, in its AppConfig's ``ready()``:

- a share item: something a referrer may tick to share in a referral (the student's
  wellbeing scores, a summary of the safeguarding file). Its reader returns plain
  lines of text, taken once when the referral is sent: the partner reads that
  snapshot, never the live record. An item marked ``dsl_only`` is offered to, and
  read for, a DSL only;
- a research source: columns of figures per student for a pseudonymous research
  export (no names, no free text, dates no finer than the month)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from peersupport.accounts.models import User
from peersupport.schools.models import School
from peersupport.students.models import Student

# (student, today, the member of staff sharing it) -> lines of plain text
ShareReader = Callable[[Student, datetime.date, User], list[str]]


@dataclass(frozen=True)
class ShareItem:
    """Something about a student that a referral may share."""

    key: str
    label: str
    read: ShareReader
    dsl_only: bool = False


# (school, students, from, to) -> (column names, {student pk: {column: value}})
ResearchSource = Callable[
    [School, Sequence[Student], datetime.date, datetime.date],
    tuple[list[str], dict[int, dict[str, object]]],
]

_items: dict[str, ShareItem] = {}
_research_sources: list[ResearchSource] = []


def share_item_add(item: ShareItem) -> None:
    """Offer an item for referrals. Adding one with the same key replaces it, so a
    ``ready()`` run twice adds it once."""
    _items[item.key] = item


def share_items(*, dsl: bool) -> list[ShareItem]:
    """The items a referrer may tick, in the order they were added; the DSL-only
    ones for a DSL alone."""
    return [item for item in _items.values() if dsl or not item.dsl_only]


def share_item(key: str) -> ShareItem | None:
    return _items.get(key)


def research_source_add(source: ResearchSource) -> None:
    if source not in _research_sources:
        _research_sources.append(source)


def research_sources() -> list[ResearchSource]:
    return list(_research_sources)
