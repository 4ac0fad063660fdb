"""Applying imports: all or nothing, re-imports update and mark leavers, nothing is
ever deleted; the command-line interface and the upload page."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from conftest import Persona
from peersupport.audit.models import AuditEvent
from peersupport.demo.roll import make_upn
from peersupport.schools.models import School
from peersupport.students.importing import parse_mis_csv
from peersupport.students.models import ImportBatch, Student
from peersupport.students.services import ImportRefused, students_import

HEADER = "UPN,Legal Surname,Legal Forename,DOB,Year,Reg Group,FSM Eligible,SEN Status\r\n"


def upn(serial: int) -> str:
    return make_upn("801", "4001", 14, serial)


def roll(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\r\n" for row in rows)).encode()


FIRST = roll(
    f"{upn(1)},Able,Ann,01/10/2014,7,7A,N,N",
    f"{upn(2)},Baker,Ben,02/10/2014,7,7A,Y,K",
    f"{upn(3)},Cole,Cat,03/10/2014,7,7B,N,N",
)


def run_import(school: School, data: bytes, mark_leavers: bool = False):  # type: ignore[no-untyped-def]
    return students_import(
        actor=None, school=school, parsed=parse_mis_csv(data), mark_leavers=mark_leavers
    )


def test_a_first_import_creates_every_student(school_a: School) -> None:
    plan = run_import(school_a, FIRST)
    assert plan.counts["creates"] == 3
    ben = Student.objects.get(school=school_a, upn=upn(2))
    assert (ben.legal_forename, ben.fsm, ben.sen_status, ben.form) == ("Ben", True, "K", "7A")
    assert AuditEvent.objects.filter(action="students.imported", school=school_a).count() == 1


def test_a_re_import_updates_changes_and_marks_leavers_without_deleting(
    school_a: School, school_b: School
) -> None:
    run_import(school_a, FIRST)
    run_import(school_b, roll(f"{upn(1)},Other,School,01/10/2014,8,8A,N,N"))
    second = roll(
        f"{upn(1)},Able,Ann,01/10/2014,7,7A,N,N",  # unchanged
        f"{upn(2)},Baker,Ben,02/10/2014,8,8C,N,E",  # moved up, FSM and SEN changed
        f"{upn(4)},Dale,Dan,04/10/2014,7,7B,N,N",  # new
    )  # Cat Cole (upn 3) is missing: she has left.
    plan = run_import(school_a, second, mark_leavers=True)
    assert plan.counts == {"creates": 1, "updates": 1, "unchanged": 1, "leavers": 1, "errors": 0}
    assert Student.objects.filter(school=school_a).count() == 4  # nobody deleted
    ben = Student.objects.get(school=school_a, upn=upn(2))
    assert (ben.year_group, ben.form, ben.fsm, ben.sen_status) == (8, "8C", False, "E")
    cat = Student.objects.get(school=school_a, upn=upn(3))
    assert cat.on_roll is False and cat.date_left == datetime.date.today()
    # The other school's student with the same UPN is untouched.
    other = Student.objects.get(school=school_b, upn=upn(1))
    assert (other.legal_surname, other.on_roll) == ("Other", True)


def test_without_mark_leavers_missing_students_stay_on_roll(school_a: School) -> None:
    run_import(school_a, FIRST)
    plan = run_import(school_a, roll(f"{upn(1)},Able,Ann,01/10/2014,7,7A,N,N"))
    assert plan.counts["leavers"] == 0
    assert Student.objects.filter(school=school_a, on_roll=True).count() == 3


def test_a_leaver_who_returns_is_back_on_roll(school_a: School) -> None:
    run_import(school_a, FIRST)
    run_import(school_a, roll(f"{upn(1)},Able,Ann,01/10/2014,7,7A,N,N"), mark_leavers=True)
    run_import(school_a, FIRST, mark_leavers=True)
    assert Student.objects.filter(school=school_a, on_roll=True).count() == 3
    assert not Student.objects.filter(school=school_a, date_left__isnull=False).exists()


def test_one_bad_row_means_nothing_is_written(school_a: School) -> None:
    run_import(school_a, FIRST)
    before = list(Student.objects.order_by("id").values())
    bad = roll(
        f"{upn(1)},Changed,Name,01/10/2014,7,7A,N,N",
        f"{upn(5)},New,Student,01/10/2014,7,7A,N,N",
        f"{upn(6)},Bad,Date,30/02/2014,7,7A,N,N",
    )
    with pytest.raises(ImportRefused) as refused:
        run_import(school_a, bad, mark_leavers=True)
    assert refused.value.plan.counts["errors"] == 1
    assert list(Student.objects.order_by("id").values()) == before
    assert AuditEvent.objects.filter(action="students.imported").count() == 1


def test_the_command_imports_with_progress(school_a: School, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "roll.csv"
    path.write_bytes(FIRST)
    call_command("import_students", str(path), "--school", school_a.urn)
    output = capsys.readouterr()
    assert "3 to create" in output.out
    assert "Importing" in output.err and "3/3" in output.err
    assert Student.objects.filter(school=school_a).count() == 3


def test_the_command_dry_run_writes_nothing(school_a: School, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "roll.csv"
    path.write_bytes(FIRST)
    call_command("import_students", str(path), "--school", school_a.urn, "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not Student.objects.exists()


def test_the_command_fails_on_errors_and_lists_them(
    school_a: School, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "roll.csv"
    path.write_bytes(roll(f"{upn(1)},Able,Ann,01/10/2014,7,7A,N,N", ",No,Upn,01/10/2014,7,7A,N,N"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_students", str(path), "--school", school_a.urn)
    assert "Line 3: missing UPN" in capsys.readouterr().err
    assert not Student.objects.exists()


def test_the_command_refuses_an_unknown_school(db: None, tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes(FIRST)
    with pytest.raises(CommandError, match="No school has the URN 999999"):
        call_command("import_students", str(path), "--school", "999999")


def test_the_upload_page_previews_then_imports_on_confirmation(
    client: Client, personas: dict[str, Persona]
) -> None:
    coordinator = personas["coordinator"]
    client.force_login(coordinator.user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("roll.csv", FIRST, content_type="text/csv")
    response = client.post(reverse("students:import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert not Student.objects.exists()  # nothing until confirmed
    assert batch.content.startswith("UPN")
    preview = client.get(response.url)
    assert b"new students" in preview.content and b">3<" in preview.content
    done = client.post(response.url)
    assert done.status_code == 302
    assert Student.objects.filter(school=coordinator.school).count() == 3
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.content == ""
    # Confirming twice does not import twice.
    client.post(response.url)
    assert AuditEvent.objects.filter(action="students.imported").count() == 1


def test_the_upload_page_lists_bad_rows_and_stores_nothing(
    client: Client, personas: dict[str, Persona]
) -> None:
    client.force_login(personas["coordinator"].user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = roll(f"{upn(1)},Able,Ann,01/10/2014,7,7A,N,N", f"{upn(1)},Dup,Row,01/10/2014,7,7A,N,N")
    response = client.post(
        reverse("students:import"), {"file": SimpleUploadedFile("roll.csv", data)}
    )
    assert response.status_code == 200
    assert b"Nothing was imported" in response.content
    assert b"also on line 2" in response.content
    assert not ImportBatch.objects.exists() and not Student.objects.exists()


def test_the_uploaded_file_is_encrypted_at_rest(
    client: Client, personas: dict[str, Persona]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    client.force_login(personas["coordinator"].user)
    client.post(reverse("students:import"), {"file": SimpleUploadedFile("roll.csv", FIRST)})
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM students_importbatch")
        stored = cursor.fetchone()[0]
    assert "Baker" not in stored and stored.startswith("fernet:")


def test_the_preview_names_the_students_who_would_be_marked_as_left(
    client: Client, personas: dict[str, Persona]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    coordinator = personas["coordinator"]
    run_import(coordinator.school, FIRST)
    client.force_login(coordinator.user)
    smaller = roll(f"{upn(1)},Able,Ann,01/10/2014,7,7A,N,N")
    response = client.post(
        reverse("students:import"),
        {"file": SimpleUploadedFile("roll.csv", smaller), "mark_leavers": "on"},
    )
    preview = client.get(response.url)
    assert [s.legal_surname for s in preview.context["leavers"]] == ["Baker", "Cole"]
    assert b"marked as left (2)" in preview.content


@pytest.mark.parametrize(
    "bad_row",
    [
        ",No,Upn,01/10/2014,7,7A,N,N",
        f"{upn(1)},Twice,Listed,01/10/2014,7,7A,N,N",
        f"{upn(7)},Odd,Status,01/10/2014,7,7A,N,Q",
        f"{upn(8)},Cut,Off,01/10/2014,7",
        f"{upn(9)},Old,Year,01/10/2014,Year 14,7A,N,N",
    ],
    ids=["missing UPN", "duplicate UPN", "unknown code", "cut-off row", "bad year"],
)
def test_any_kind_of_bad_row_leaves_the_database_as_it_was(school_a: School, bad_row: str) -> None:
    run_import(school_a, FIRST)
    before = list(Student.objects.order_by("id").values())
    data = roll(
        f"{upn(1)},Able,Renamed,01/10/2014,7,7A,N,N",
        f"{upn(6)},New,Student,01/10/2014,7,7A,N,N",
        bad_row,
    )
    with pytest.raises(ImportRefused):
        run_import(school_a, data, mark_leavers=True)
    assert list(Student.objects.order_by("id").values()) == before


def test_a_newer_upload_replaces_a_waiting_one_and_clears_its_file(
    client: Client, personas: dict[str, Persona]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas["coordinator"].user)
    first = client.post(reverse("students:import"), {"file": SimpleUploadedFile("a.csv", FIRST)})
    client.post(reverse("students:import"), {"file": SimpleUploadedFile("b.csv", FIRST)})
    old = ImportBatch.objects.get(filename="a.csv")
    assert old.status == ImportBatch.Status.SUPERSEDED and old.content == ""
    assert b"Upload replaced" in client.get(first.url).content
    client.post(first.url)
    assert not Student.objects.exists()
