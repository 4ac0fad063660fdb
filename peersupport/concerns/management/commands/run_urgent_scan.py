"""python manage.py run_urgent_scan [--minutes 60]

Runs every few minutes (cron, for example every 5 minutes): checks the words
students gave with their check-ins in the last ``--minutes`` against each school's
urgent-words list, and flags matches for the DSLs. It also alerts the DSLs to
flags made while the school had no DSL (``urgent_alert_pending``). Check-ins are stored by meetings,
which comes before concerns and so cannot check them itself. The window overlaps
the runs on purpose, so that a late run misses nothing; a check-in is never
flagged twice."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from peersupport.concerns.services import urgent_alert_pending, urgent_scan_check_ins
from peersupport.schools.models import School

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Check recent check-in words for urgent phrases (run every few minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--minutes",
            type=int,
            default=60,
            help="How far back to look (default 60; longer than the gap between runs).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["minutes"]
        if minutes < 1:
            raise CommandError("--minutes must be 1 or more.")
        since = timezone.now() - datetime.timedelta(minutes=minutes)
        failed = []
        for school in School.objects.order_by("name"):
            try:
                flagged = urgent_scan_check_ins(school=school, since=since)
                alerted = urgent_alert_pending(school=school)
            except Exception as error:
                logger.exception("The urgent-words scan failed for school %s.", school.urn)
                failed.append(f"{school.name} ({error.__class__.__name__})")
                continue
            self.stdout.write(
                f"{school.name}: {flagged} check-ins flagged, "
                f"{alerted} waiting flags sent to a new DSL"
            )
        if failed:
            raise CommandError("The urgent-words scan failed for: " + ", ".join(failed))
