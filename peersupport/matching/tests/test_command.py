"""``manage.py solve_matching``: the example of docs/matching.md gives the output
shown there, and a malformed problem gets a clear message and a non-zero exit."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "matching.md"


def pairs_section_json_blocks() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Pairs\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```json\n(.*?)\n```", section, flags=re.DOTALL)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("solve_matching", *args, stdout=out)
    return out.getvalue()


def refused(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "problem.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run(str(path))
    return str(caught.value)


def test_the_docs_example_gives_the_output_shown_in_the_docs(tmp_path: Path) -> None:
    problem, shown = pairs_section_json_blocks()[:2]
    path = tmp_path / "example.json"
    path.write_text(problem, encoding="utf-8")
    printed = run(str(path), "--indent", "2")
    assert printed.rstrip("\n") == shown
    result = json.loads(printed)
    assert (result["matched_count"], result["total_score"]) == (3, 20)
    assert {(p["mentee"], p["mentor"]) for p in result["pairs"]} == {
        ("s1", "m1"),
        ("s2", "m1"),
        ("s3", "m9"),
    }


def test_the_result_is_one_line_of_json_without_indent(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "mentors": [{"id": "m1", "year": 10, "availability": ["wed-lunch"]}],
                "mentees": [{"id": "Zoë", "year": 7, "availability": ["wed-lunch"]}],
            }
        ),
        encoding="utf-8",
    )
    printed = run(str(path))
    assert printed.count("\n") <= 1
    assert "Zoë" in printed  # not escaped
    assert json.loads(printed)["pairs"] == [
        {"mentee": "Zoë", "mentor": "m1", "score": 1, "reasons": ["both free Wed lunch"]}
    ]


def test_the_problem_can_come_on_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = {"mentors": [], "mentees": [{"id": "s1", "year": 7}]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(problem)))
    result = json.loads(run("-"))
    assert result["unmatched"] == [
        {"mentee": "s1", "reasons": ["there are no mentors in this run"]}
    ]


def test_bad_json_is_refused_saying_where(tmp_path: Path) -> None:
    message = refused(tmp_path, '{"mentors": [],\n "mentees": [,]}')
    assert message == (
        f"The problem in {tmp_path / 'problem.json'} is not valid: "
        "not valid JSON: Expecting value at line 2, column 14."
    )


def test_a_wrong_type_is_refused_naming_the_field(tmp_path: Path) -> None:
    message = refused(tmp_path, '{"mentors": [], "mentees": [{"id": "s1", "year": "10"}]}')
    assert message.endswith("is not valid: mentees[0].year: Input should be a valid integer")


def test_an_unknown_id_is_refused(tmp_path: Path) -> None:
    message = refused(
        tmp_path,
        '{"mentors": [{"id": "m1", "year": 10}], "mentees": [], "locked": [["s2", "m1"]]}',
    )
    assert message.endswith("is not valid: locked[0]: unknown id s2.")


def test_a_locked_pair_that_breaks_a_rule_is_refused(tmp_path: Path) -> None:
    message = refused(
        tmp_path,
        json.dumps(
            {
                "mentors": [{"id": "m1", "year": 10, "availability": ["mon-lunch"]}],
                "mentees": [{"id": "s1", "year": 7, "availability": ["tue-lunch"]}],
                "locked": [["s1", "m1"]],
            }
        ),
    )
    assert message.endswith(
        "is not valid: locked pair (s1, m1) breaks a rule: they share no free time."
    )


def test_a_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, b"\xff\xfe{}")
    assert message.startswith(f"Cannot read {tmp_path / 'problem.json'}: ")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^Cannot read .*missing\.json: "):
        run(str(tmp_path / "missing.json"))


def test_the_command_exits_non_zero_with_the_message_on_standard_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"mentors": [], "mentees": [{"id": "s1", "year": true}]}', encoding="utf-8")
    finished = subprocess.run(
        [sys.executable, "manage.py", "solve_matching", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode != 0
    assert finished.stdout == ""
    assert (
        f"The problem in {path} is not valid: mentees[0].year: Input should be a valid integer"
        in finished.stderr
    )
