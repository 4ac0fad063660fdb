"""python manage.py install_curriculum --school URN

Adds the starter training curriculum and the starter protocols to a school;
modules and protocols it already has are left as the school edited them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peersupport.schools.models import School
from peersupport.training.services import curriculum_install, protocols_install


class Command(BaseCommand):
    help = "Install the starter training curriculum and protocols for a school."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="The school's URN.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            school = School.objects.get(urn=options["school"])
        except School.DoesNotExist:
            raise CommandError(f"No school has the URN {options['school']}.") from None
        added, kept = curriculum_install(school=school)
        self.stdout.write(f"{added} modules added, {kept} kept as they were.")
        added, kept = protocols_install(school=school)
        self.stdout.write(f"{added} protocols added, {kept} kept as they were.")
