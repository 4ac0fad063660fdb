"""python manage.py run_conflict_escalations

Runs daily (cron or a systemd timer, next to ``run_daily``): every conflict still
unresolved after the school's number of days (concern settings, default 10) goes to
the coordinators as a task, once. It lives in concerns because the daily job in
meetings comes before concerns and cannot call it. Safe to run twice."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from peersupport.concerns.services import conflicts_escalate_overdue
from peersupport.schools.models import School

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Escalate conflicts unresolved for too long to the coordinators (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        failed = []
        for school in School.objects.order_by("name"):
            try:
                escalated = conflicts_escalate_overdue(school=school, now=now)
            except Exception as error:
                logger.exception("Conflict escalations failed for school %s.", school.urn)
                failed.append(f"{school.name} ({error.__class__.__name__})")
                continue
            self.stdout.write(f"{school.name}: {escalated} conflicts escalated")
        if failed:
            raise CommandError("Conflict escalations failed for: " + ", ".join(failed))
