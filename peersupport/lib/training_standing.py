"""Where someone stands with one training module on a given day: complete,
expiring (it runs out within the warning period), expired, or missing.

A completion counts from the day it was completed until the day before its
``expires_on`` (the day it "runs out"); one with no ``expires_on`` lasts for good.
The compliance view and the daily expiry job both ask this one function, so they
agree with each other and with the training gate."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

COMPLETE = "complete"
EXPIRING = "expiring"
EXPIRED = "expired"
MISSING = "missing"
STATUSES = (COMPLETE, EXPIRING, EXPIRED, MISSING)
LABELS = {
    COMPLETE: "Complete",
    EXPIRING: "Expiring",
    EXPIRED: "Expired",
    MISSING: "Missing",
}
WARNING_DAYS = 30


@dataclass(frozen=True)
class Standing:
    status: str
    completed_on: datetime.date | None = None
    # The first day the completion no longer counts.
    expires_on: datetime.date | None = None

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def holds(self) -> bool:
        """The module counts today (complete or expiring)."""
        return self.status in (COMPLETE, EXPIRING)

    @property
    def note(self) -> str:
        """The date that matters, in words: "runs out 1 Dec 2026", "ran out ...",
        "done ..." for a completion that lasts for good, or nothing if missing."""
        if self.status == EXPIRED and self.expires_on is not None:
            return f"ran out {_day(self.expires_on)}"
        if self.expires_on is not None:
            return f"runs out {_day(self.expires_on)}"
        if self.completed_on is not None:
            return f"done {_day(self.completed_on)}"
        return ""


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def standing(
    completions: Iterable[tuple[datetime.date, datetime.date | None]],
    today: datetime.date,
    warning_days: int = WARNING_DAYS,
) -> Standing:
    """Where someone stands with a module, from their completions of it as
    ``(completed_on, expires_on)`` pairs. A completion dated after ``today`` does
    not count yet. Of the completions that count, the one lasting longest is
    shown; with none, the one that ran out last."""
    lasting: tuple[datetime.date, datetime.date | None] | None = None
    lapsed: tuple[datetime.date, datetime.date] | None = None
    for completed_on, expires_on in completions:
        if completed_on > today:
            continue
        if expires_on is None or expires_on > today:
            if lasting is None or _lasts_longer((completed_on, expires_on), lasting):
                lasting = (completed_on, expires_on)
        elif lapsed is None or (expires_on, completed_on) > (lapsed[1], lapsed[0]):
            lapsed = (completed_on, expires_on)
    if lasting is not None:
        completed_on, expires_on = lasting
        if expires_on is not None and expires_on <= today + datetime.timedelta(days=warning_days):
            return Standing(EXPIRING, completed_on, expires_on)
        return Standing(COMPLETE, completed_on, expires_on)
    if lapsed is not None:
        return Standing(EXPIRED, lapsed[0], lapsed[1])
    return Standing(MISSING)


def _lasts_longer(
    one: tuple[datetime.date, datetime.date | None],
    other: tuple[datetime.date, datetime.date | None],
) -> bool:
    def key(pair: tuple[datetime.date, datetime.date | None]) -> tuple[bool, datetime.date]:
        completed_on, expires_on = pair
        return (expires_on is None, expires_on or completed_on)

    if key(one) != key(other):
        return key(one) > key(other)
    return one[0] > other[0]
