"""python manage.py run_daily [--date YYYY-MM-DD]

The daily job, for cron or a systemd timer: refreshes engagement signals, opens
follow-up tasks, and sends each member of staff a short e-mail. Safe to run twice."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from peersupport.meetings.services import daily_run
from peersupport.schools.models import School


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
        for school in School.objects.order_by("name"):
            result = daily_run(school=school, today=today)
            self.stdout.write(
                f"{school.name}: {result.at_risk_tasks} new at-risk tasks, "
                f"{result.contact_tasks} contact tasks, {result.e_mails} e-mails"
            )
