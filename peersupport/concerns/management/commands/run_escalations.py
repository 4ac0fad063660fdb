"""python manage.py run_escalations

Runs every few minutes (cron or a systemd timer, for example every 5 minutes):
every safeguarding concern that no DSL has acknowledged within the school's time
(concern settings, default 30 minutes counted in school hours) is escalated, once,
to the school's named deputy or head teacher, or to every DSL again when none is
named. Safe to run as often as you like: a concern escalates only once, and an
acknowledged one never."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from peersupport.concerns.services import safeguarding_escalate_due
from peersupport.schools.models import School

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Escalate safeguarding concerns not acknowledged in time (run every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        failed = []
        for school in School.objects.order_by("name"):
            try:
                escalated = safeguarding_escalate_due(school=school, now=now)
            except Exception as error:
                # One school's failure must not stop the others' escalations.
                logger.exception("Safeguarding escalations failed for school %s.", school.urn)
                failed.append(f"{school.name} ({error.__class__.__name__})")
                continue
            if escalated:
                self.stdout.write(
                    f"{school.name}: {len(escalated)} safeguarding concern(s) escalated"
                )
        if failed:
            raise CommandError("Safeguarding escalations failed for: " + ", ".join(failed))
