"""python manage.py import_students FILE --school URN [--dry-run] [--mark-leavers]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from peersupport.schools.models import School
from peersupport.students.importing import parse_mis_csv
from peersupport.students.selectors import import_plan
from peersupport.students.services import students_import


class Command(BaseCommand):
    help = "Import or update students from an MIS export (CSV). All or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="The school's URN.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report only.")
        parser.add_argument(
            "--mark-leavers",
            action="store_true",
            help="The file is the full roll: mark students not in it as left.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            school = School.objects.get(urn=options["school"])
        except School.DoesNotExist:
            raise CommandError(f"No school has the URN {options['school']}.") from None
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        parsed = parse_mis_csv(data)
        plan = import_plan(school=school, parsed=parsed, mark_leavers=options["mark_leavers"])
        counts = plan.counts
        self.stdout.write(
            f"{counts['creates']} to create, {counts['updates']} to update, "
            f"{counts['unchanged']} unchanged, {counts['leavers']} to mark as left, "
            f"{counts['errors']} errors."
        )
        for message in parsed.file_errors:
            self.stderr.write(f"File: {message}")
        for row_error in parsed.errors:
            self.stderr.write(
                f"Line {row_error.line}: {row_error.reason}"
                + (f" (UPN {row_error.upn})" if row_error.upn else "")
            )
        if not parsed.ok:
            raise CommandError("The file has errors; nothing was imported.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        total = counts["creates"] + counts["updates"] + counts["unchanged"]
        with tqdm(total=total, unit="row", desc="Importing", file=self.stderr) as bar:
            students_import(
                actor=None,
                school=school,
                parsed=parsed,
                mark_leavers=options["mark_leavers"],
                progress=bar.update,
            )
        self.stdout.write(self.style.SUCCESS("Imported."))
