"""The rows of a research export: one per student taking part in peer support in
the period, pseudonymous and k-anonymous.

A student's row carries a pseudonym (a keyed hash of their public id under a key
made for this export alone and never kept, so two exports cannot be joined), the
five quasi-identifiers (generalised by ``kanon`` until every combination is shared
by at least k students), their first programme's kind, the months it started and
ended, their sessions attended and missed in the period, and the columns of figures
the apps registered as research sources (students.sharing). Never a name, UPN, date
of birth, free text or an exact date.

A research source may give numbers, None, numbers written as text, months written
YYYY-MM, or a short lower-case code (such as a measure's key) and nothing else:
``checked_source_value`` refuses a date, a datetime or any other text with a
``ValueError`` naming the source and the column, so a source cannot slip an exact
date or a few words about a child into the file.

Residual risk: only the five quasi-identifiers are part of the k check. The other
columns (the programme kind, the months an enrolment started and ended, counts of
enrolments and sessions, scores and their months) are released as they are, so
someone who already knows when a student joined a programme, or how many sessions
they went to, could use them to narrow the student down, and could link this file
to another held about the same students. The months are kept because the research
needs them; the page says so, and the file is shared only under a data sharing
agreement that covers research."""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import re
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from peersupport.lib.csv_safety import spreadsheet_safe
from peersupport.meetings.models import ATTENDED, Attendance
from peersupport.partners import kanon
from peersupport.programmes.models import Enrolment
from peersupport.schools.models import School
from peersupport.students.models import ETHNICITY_MAJOR_GROUP, Student
from peersupport.students.sharing import ResearchSource, research_sources

PSEUDONYM = "pseudonym"
BASE_COLUMNS = [
    PSEUDONYM,
    *kanon.QUASI_IDENTIFIERS,
    "programme_kind",
    "enrolments_in_period",
    "enrolment_start_month",
    "enrolment_end_month",
    "sessions_attended",
    "sessions_missed",
]
GENDER_NOT_RECORDED = "Not recorded"
ETHNICITY_NOT_RECORDED = "Unclassified"


def new_key() -> bytes:
    """A fresh secret for one export's pseudonyms. It is used once and never kept."""
    return secrets.token_bytes(32)


def pseudonym(key: bytes, public_id: object) -> str:
    """The student's pseudonym in one export: HMAC-SHA256 of their public id under
    the export's key, first 16 hex characters. The same within the export; unrelated
    across exports."""
    return hmac.new(key, str(public_id).encode(), hashlib.sha256).hexdigest()[:16]


def month(day: datetime.date | None) -> str:
    """A date coarsened to its month (YYYY-MM); empty for none."""
    return "" if day is None else f"{day:%Y-%m}"


def enrolments_in(
    school: School, period_from: datetime.date, period_to: datetime.date
) -> list[Enrolment]:
    """The school's enrolments that overlap the period (first and last day
    included), oldest first."""
    return list(
        Enrolment.objects.filter(school=school, started_on__lte=period_to)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period_from))
        .select_related("student", "programme")
        .order_by("started_on", "pk")
    )


def quasi_identifiers_of(student: Student) -> dict[str, object]:
    """The student's quasi-identifiers at level 0: the year number, the gender
    code, the DfE major ethnic group (never the detailed code), N/K/E and Yes/No."""
    return {
        kanon.YEAR_GROUP: str(student.year_group),
        kanon.GENDER: student.gender or GENDER_NOT_RECORDED,
        kanon.ETHNICITY: ETHNICITY_MAJOR_GROUP.get(student.ethnicity, ETHNICITY_NOT_RECORDED),
        kanon.SEN_STATUS: student.sen_status,
        kanon.PUPIL_PREMIUM: "Yes" if student.pupil_premium else "No",
    }


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SHORT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


def source_name(source: ResearchSource) -> str:
    """A research source as ``module.function``, for error messages."""
    module = getattr(source, "__module__", None) or "?"
    name = getattr(source, "__qualname__", None) or repr(source)
    return f"{module}.{name}"


def checked_source_value(source: ResearchSource, column: str, value: object) -> object:
    """``value`` as given by ``source`` for ``column``, if it is one a research export
    may carry: None, a number, a number written as text, a month (YYYY-MM) or a short
    lower-case code (at most 20 letters, digits and underscores). Anything else (a
    date, a datetime, words) raises ``ValueError`` naming the source and the column;
    the message never repeats the value, which may be personal data."""
    if value is None or value == "":
        return value
    where = f"Research source {source_name(source)} gave column {column!r}"
    allowed = "sources may give numbers, None or months written YYYY-MM only"
    if isinstance(value, datetime.date):  # datetime.datetime is a date too
        kind = "a datetime" if isinstance(value, datetime.datetime) else "a date"
        raise ValueError(f"{where} {kind}: {allowed}, never an exact date.")
    if isinstance(value, bool):
        raise ValueError(f"{where} a true/false value: {allowed}.")
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, str):
        if _MONTH.match(value) or _NUMBER.match(value) or _SHORT_CODE.match(value):
            return value
        raise ValueError(
            f"{where} text that is not a number, a month (YYYY-MM) or a short code: "
            f"{allowed}, never free text or an exact date."
        )
    raise ValueError(f"{where} a value of type {type(value).__name__}: {allowed}.")


@dataclass(frozen=True)
class ResearchData:
    """One export, made: its columns, released rows, the level each quasi-identifier
    was generalised to, how many students were left out, and the CSV text."""

    columns: list[str]
    rows: list[dict[str, object]]
    levels: dict[str, str]
    suppressed: int
    csv_text: str


def _attendance_counts(
    students: Sequence[Student], period_from: datetime.date, period_to: datetime.date
) -> tuple[Counter[int], Counter[int]]:
    attended: Counter[int] = Counter()
    missed: Counter[int] = Counter()
    marks = Attendance.objects.filter(
        student__in=[student.pk for student in students],
        session__date__gte=period_from,
        session__date__lte=period_to,
    ).values_list("student_id", "mark")
    for student_id, mark in marks:
        (attended if mark in ATTENDED else missed)[student_id] += 1
    return attended, missed


def _csv_text(columns: Sequence[str], rows: Sequence[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in columns])
    return out.getvalue()


def research_data_make(
    school: School,
    period_from: datetime.date,
    period_to: datetime.date,
    *,
    k: int,
    key: bytes | None = None,
    suppression_share: float = 0.05,
) -> ResearchData:
    """Gather, pseudonymise and k-anonymise the rows of an export (nothing is
    saved). ``key`` is for tests; an export always uses a fresh one."""
    key = key if key is not None else new_key()
    first_enrolment: dict[int, Enrolment] = {}
    count: Counter[int] = Counter()
    for enrolment in enrolments_in(school, period_from, period_to):
        first_enrolment.setdefault(enrolment.student_id, enrolment)
        count[enrolment.student_id] += 1
    students = [enrolment.student for enrolment in first_enrolment.values()]
    attended, missed = _attendance_counts(students, period_from, period_to)

    rows: list[dict[str, object]] = []
    for student in students:
        enrolment = first_enrolment[student.pk]
        rows.append(
            {
                PSEUDONYM: pseudonym(key, student.public_id),
                **quasi_identifiers_of(student),
                "programme_kind": enrolment.programme.kind,
                "enrolments_in_period": count[student.pk],
                "enrolment_start_month": month(enrolment.started_on),
                "enrolment_end_month": month(enrolment.ended_on),
                "sessions_attended": attended[student.pk],
                "sessions_missed": missed[student.pk],
            }
        )

    columns = list(BASE_COLUMNS)
    by_pk = {student.pk: row for student, row in zip(students, rows, strict=True)}
    for source in research_sources():
        names, values = source(school, students, period_from, period_to)
        added = [name for name in names if name not in columns]
        columns.extend(added)
        for student_pk, row in by_pk.items():
            found = values.get(student_pk, {})
            for name in added:
                value = checked_source_value(source, name, found.get(name))
                row[name] = "" if value is None else value

    anonymised = kanon.k_anonymise(rows, k=k, suppression_share=suppression_share)
    # Ordered by pseudonym, which is random per export: the order of the file says
    # nothing about the students (the roll's order would follow their names).
    released = sorted(anonymised.rows, key=lambda row: str(row[PSEUDONYM]))
    return ResearchData(
        columns=columns,
        rows=released,
        levels=anonymised.level_names,
        suppressed=anonymised.suppressed,
        csv_text=_csv_text(columns, released),
    )
