"""python manage.py solve_matching PROBLEM.json

Solves a matching problem given as JSON (pairs of mentors and mentees, or
groups; the format is in docs/matching.md) and writes the result as JSON to
standard output. A malformed problem gets a clear message and a non-zero exit.
Reads standard input when the file name is "-"."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peersupport.matching.engine import ProblemError, solve_pairs
from peersupport.matching.groups import parse_groups, solve_groups
from peersupport.matching.problem import load_json, parse_pairs, problem_kind


class Command(BaseCommand):
    help = "Solve a matching problem given as JSON and print the result as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("problem", help='The problem file (JSON), or "-" for standard input.')
        parser.add_argument(
            "--indent", type=int, default=None, help="Indent the JSON output by this many spaces."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["problem"]
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {name}: {error}") from None
        try:
            data = load_json(text)
            if problem_kind(data) == "groups":
                result = solve_groups(parse_groups(data)).as_dict()
            else:
                result = solve_pairs(parse_pairs(data)).as_dict()
        except ProblemError as error:
            raise CommandError(f"The problem in {name} is not valid: {error}") from None
        self.stdout.write(json.dumps(result, indent=options["indent"], ensure_ascii=False))
