"""Steps that apps after meetings add to the daily job.

The daily job (``run_daily``) lives in meetings, which stands before the apps that
also have daily work (wellbeing makes measures due), so it cannot call them. Such an
app registers a step here, in its AppConfig's ``ready()``; ``run_daily`` runs every
registered step for each school after its own work, so a school needs no new cron
line. A step is ``step(school, today)`` and returns one line for the job's output
(what it did, with no names); it must be safe to run twice in a day."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from peersupport.schools.models import School

DailyStep = Callable[[School, datetime.date], str]

_steps: list[DailyStep] = []


def daily_step_add(step: DailyStep) -> None:
    """Add a step to the daily job. Adding the same one again changes nothing, so a
    ``ready()`` run twice adds it once."""
    if step not in _steps:
        _steps.append(step)


def daily_steps() -> list[DailyStep]:
    """The registered steps, in the order they were added (the order of the apps)."""
    return list(_steps)
