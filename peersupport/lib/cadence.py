"""How often staff must check in with each mentor and mentee: at least twice in the
first month of a mentorship and then at least monthly (the benchmark in MENTOR's
Elements of Effective Practice). Pure Python: dates in, a verdict out."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

FIRST_MONTH_DAYS = 30
FIRST_MONTH_CONTACTS = 2
MONTHLY_DAYS = 30


@dataclass(frozen=True)
class ContactDue:
    overdue: bool
    reason: str
    due_on: datetime.date


def contact_due(
    *, started_on: datetime.date, contacts: Sequence[datetime.date], today: datetime.date
) -> ContactDue:
    """Whether staff contact with one person of a mentorship is overdue today."""
    month_end = started_on + datetime.timedelta(days=FIRST_MONTH_DAYS)
    seen = sorted(day for day in contacts if started_on <= day <= today)
    in_first_month = [day for day in seen if day <= month_end]
    if today <= month_end:
        return ContactDue(False, "", month_end)
    if len(in_first_month) < FIRST_MONTH_CONTACTS:
        return ContactDue(
            True,
            f"{len(in_first_month)} of {FIRST_MONTH_CONTACTS} check-ins in the first month",
            month_end,
        )
    last = seen[-1]
    due_on = last + datetime.timedelta(days=MONTHLY_DAYS)
    if today > due_on:
        return ContactDue(True, f"no check-in for {(today - last).days} days", due_on)
    return ContactDue(False, "", due_on)
