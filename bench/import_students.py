"""Benchmark: import 2,000 generated MIS rows into an empty school, then re-import
the same file with changes, and print rows per second for each.

Run with `make bench`. Target: at least 2,000 rows/s on SQLite on the project's
machines. Uses a throwaway SQLite database under var/ unless DATABASE_URL is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROWS = 2000
TARGET_ROWS_PER_SECOND = 2000


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    workdir = tempfile.mkdtemp(prefix="bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersupport.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from peersupport.demo.roll import demo_roll_csv
    from peersupport.schools.services import school_create
    from peersupport.students.importing import parse_mis_csv
    from peersupport.students.models import Student
    from peersupport.students.services import students_import

    call_command("migrate", verbosity=0)
    school = school_create(name="Bench School", urn="199999")
    first = demo_roll_csv(seed=1, students=ROWS, establishment="4999")
    second = demo_roll_csv(seed=2, students=ROWS, establishment="4999")

    for label, data in (("first import (all new)", first), ("re-import (updates)", second)):
        started = time.perf_counter()
        parsed = parse_mis_csv(data)
        plan = students_import(actor=None, school=school, parsed=parsed, mark_leavers=True)
        elapsed = time.perf_counter() - started
        counts = plan.counts
        rate = ROWS / elapsed
        verdict = "met" if rate >= TARGET_ROWS_PER_SECOND else "NOT met"
        print(
            f"{label}: {ROWS} rows in {elapsed:.3f} s = {rate:,.0f} rows/s "
            f"({counts['creates']} created, {counts['updates']} updated, "
            f"{counts['leavers']} left); target {TARGET_ROWS_PER_SECOND:,} rows/s {verdict}"
        )
    assert Student.objects.filter(school=school).count() == ROWS


if __name__ == "__main__":
    main()
