"""python manage.py run_daily [--date YYYY-MM-DD]

The daily job, for cron or a systemd timer: refreshes engagement signals, opens
follow-up tasks, and sends each member of staff a short e-mail; then runs the steps
later apps add to the daily job (meetings/daily_steps.py: wellbeing makes measures
due). Safe to run twice."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from peersupport.meetings.daily_steps import daily_steps
from peersupport.meetings.services import daily_run, daily_send
from peersupport.schools.models import School

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Refresh engagement signals, open follow-up tasks and send the daily e-mails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be a date such as 2026-11-25.") from None
        failed = []
        for school in School.objects.order_by("name"):
            try:
                result = daily_run(school=school, today=today)
            except Exception as error:
                logger.exception("The daily job failed for school %s.", school.urn)
                failed.append(f"{school.name} ({error.__class__.__name__})")
            else:
                sent = daily_send(school=school, today=today, outbox=result.outbox)
                self.stdout.write(
                    f"{school.name}: {result.at_risk_tasks} new at-risk tasks, "
                    f"{result.contact_tasks} contact tasks, "
                    f"{result.supervision_tasks} supervision tasks, "
                    f"{result.training_tasks} training tasks, "
                    f"{result.mentors_paused} mentors paused (training ran out), {sent} e-mails"
                )
            # Each added step on its own: one that fails is reported and the others
            # (and the next school) still run.
            for step in daily_steps():
                name = getattr(step, "__qualname__", repr(step))
                try:
                    said = step(school, today)
                except Exception as error:
                    logger.exception("The daily step %s failed for school %s.", name, school.urn)
                    failed.append(f"{school.name} ({name}: {error.__class__.__name__})")
                    continue
                if said:
                    self.stdout.write(f"  {said}")
        if failed:
            raise CommandError("The daily job failed for: " + ", ".join(failed))
