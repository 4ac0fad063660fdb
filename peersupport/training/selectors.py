"""Who holds which modules, on a given day."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from peersupport.students.models import Student
from peersupport.training.models import Completion, TrainingModule


@dataclass(frozen=True)
class Gap:
    module: TrainingModule
    expired_on: datetime.date | None  # None: never completed

    def __str__(self) -> str:
        if self.expired_on is None:
            return self.module.title
        return f"{self.module.title} (ran out on {self.expired_on.day} {self.expired_on:%B %Y})"


def training_gaps(
    *, student: Student, modules: Iterable[TrainingModule], on: datetime.date
) -> list[Gap]:
    """The modules ``student`` does not hold on day ``on``: never completed, or
    every completion has run out (a completion lasts until the day before it
    expires)."""
    wanted = list(modules)
    if not wanted:
        return []
    completions = Completion.objects.filter(
        student=student, module__in=wanted, completed_on__lte=on
    )
    valid = set(
        completions.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on)).values_list(
            "module_id", flat=True
        )
    )
    latest_expiry: dict[int, datetime.date] = {}
    for module_id, expires_on in completions.values_list("module_id", "expires_on"):
        if expires_on is not None and expires_on > latest_expiry.get(module_id, datetime.date.min):
            latest_expiry[module_id] = expires_on
    return [
        Gap(module=module, expired_on=latest_expiry.get(module.pk))
        for module in sorted(wanted, key=lambda m: m.title)
        if module.pk not in valid
    ]


def describe_gaps(gaps: list[Gap]) -> str:
    return "; ".join(str(gap) for gap in gaps)
