"""A student's safeguarding file as a PDF, for the DSL of the school they move to.

Kept apart from every other export: its own page and address, DSLs only, audited
(access.safeguarding_export_for). The PDF holds real text (fpdf2 embeds the font and
its character map), so the receiving school can search it and read it aloud.

Text is set in DejaVu Sans, which Debian ships (fonts-dejavu-core) and which covers
the accents and alphabets of children's names. Where the font is missing the core
Helvetica font is used; it has only Latin-1, so other characters are shown as "?"
and the file says so on its first page.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from peersupport.accounts.models import User
from peersupport.concerns.models import Concern, SafeguardingTransfer
from peersupport.concerns.selectors import ChronologyLine
from peersupport.students.models import Student

FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_FOLDER / "DejaVuSans.ttf"
FONT_BOLD = FONT_FOLDER / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class FileRecord:
    """One safeguarding record of the file, with its chronology."""

    concern: Concern
    chronology: Sequence[ChronologyLine]


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "–"
    return f"{timezone.localtime(moment):%d/%m/%Y at %H:%M}"


def _day(day: datetime.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day is not None else "–"


def _person(user: User | None, fallback: str) -> str:
    if user is None:
        return fallback
    return user.full_name or user.email


class _SafeguardingFile(FPDF):
    def __init__(self, font_folder: Path | None) -> None:
        super().__init__(format="A4")
        self.full_font = False
        if (
            font_folder is not None
            and (font_folder / FONT_REGULAR.name).is_file()
            and (font_folder / FONT_BOLD.name).is_file()
        ):
            self.add_font("DejaVu", "", font_folder / FONT_REGULAR.name)
            self.add_font("DejaVu", "B", font_folder / FONT_BOLD.name)
            self.full_font = True
        self.family_name = "DejaVu" if self.full_font else "Helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def shown(self, text: str) -> str:
        if self.full_font:
            return text
        return text.replace("–", "-").encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.cell(
            0,
            5,
            self.shown(f"Confidential: safeguarding. Page {self.page_no()} of {{nb}}"),
            align="C",
        )

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(2)
        self.set_font(self.family_name, "B", size)
        self.multi_cell(0, 7, self.shown(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_font(self.family_name, "", 10)

    def para(self, text: str, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", 10)
        self.multi_cell(0, 5.5, self.shown(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_font(self.family_name, "", 10)

    def pair(self, label: str, value: str) -> None:
        self.para(f"{label}: {value}")


def safeguarding_file_pdf(
    *,
    school_name: str,
    student: Student,
    records: Sequence[FileRecord],
    transfers: Sequence[SafeguardingTransfer],
    exported_by: User,
    exported_at: datetime.datetime,
    font_folder: Path | None = FONT_FOLDER,
) -> bytes:
    """The file as PDF bytes: who the student is, then each record (the first
    account and its chronology, corrections shown both ways), then the transfers
    recorded so far."""
    pdf = _SafeguardingFile(font_folder)
    pdf.set_title(f"Safeguarding file: {student.display_name}")
    pdf.set_author(school_name)
    pdf.set_creator("Peer support")
    pdf.add_page()
    pdf.heading("CONFIDENTIAL: safeguarding file", size=16)
    pdf.para(
        "For the Designated Safeguarding Lead of the receiving school. Keep it apart "
        "from the main pupil file, and store it securely (Keeping Children Safe in "
        "Education)."
    )
    if not pdf.full_font:
        pdf.para(
            "This copy was made without the full font: letters outside Western European "
            'alphabets are shown as "?". The record in the system is complete.'
        )
    pdf.heading("Student")
    legal = f"{student.legal_forename} {student.legal_surname}"
    pdf.pair(
        "Name",
        student.display_name
        if student.display_name == legal
        else (f"{student.display_name} (legal name {legal})"),
    )
    pdf.pair("UPN", student.upn)
    pdf.pair("Date of birth", _day(student.date_of_birth))
    pdf.pair("Year group", student.year_label)
    pdf.pair("Left the school", _day(student.date_left) if student.date_left else "Still on roll")
    pdf.pair("From", school_name)
    pdf.pair("Exported", f"{_when(exported_at)} by {_person(exported_by, 'a DSL')}")
    pdf.pair("Records in this file", str(len(records)))

    for number, record in enumerate(records, start=1):
        concern = record.concern
        pdf.heading(f"Record {number}: raised {_when(concern.created_at)}")
        if concern.fully_anonymous:
            raised_by = "a student who chose not to be named"
        else:
            raised_by = f"{_person(concern.raised_by, 'not recorded')} ({concern.raised_as})"
        pdf.pair("Raised by", raised_by)
        if concern.acknowledged_at is not None:
            pdf.pair(
                "Acknowledged",
                f"{_when(concern.acknowledged_at)} by {_person(concern.acknowledged_by, 'a DSL')}",
            )
        else:
            pdf.pair("Acknowledged", "not yet")
        if concern.escalated_at is not None:
            pdf.pair(
                "Escalated",
                f"{_when(concern.escalated_at)} to {_person(concern.escalated_to, 'every DSL')}",
            )
        pdf.pair("Status", concern.get_status_display())
        named = ", ".join(s.display_name for s in concern.students.all())
        pdf.pair("Students named", named or "–")
        pdf.para("First account", bold=True)
        pdf.para(concern.text)
        if not record.chronology:
            pdf.para("No entries in the chronology yet.")
        for line in record.chronology:
            entry = line.entry
            pdf.ln(1)
            pdf.para(
                f"Entry {line.number}. {entry.get_kind_display()}, {_when(entry.written_at)}, "
                f"written by {_person(entry.written_by, 'a DSL')}",
                bold=True,
            )
            if line.corrects is not None:
                pdf.para(f"This corrects entry {line.corrects.number}.")
            if line.corrected_by:
                numbers = ", ".join(str(ref.number) for ref in line.corrected_by)
                pdf.para(f"Corrected by entry {numbers}.")
            if entry.outcome:
                pdf.pair("Outcome", entry.get_outcome_display())
            pdf.para(entry.text)
            linked = ", ".join(s.display_name for s in entry.students.all())
            if linked:
                pdf.pair("Students linked", linked)
            involved = ", ".join(_person(u, "") for u in entry.staff_involved.all())
            if involved:
                pdf.pair("Staff involved", involved)

    pdf.heading("Transfers of this file")
    if not transfers:
        pdf.para("None recorded before this export.")
    for transfer in transfers:
        received = (
            f"receipt confirmed {_day(transfer.receipt_confirmed_on)}"
            if transfer.receipt_confirmed_on
            else "receipt not yet confirmed"
        )
        pdf.para(
            f"Sent {_day(transfer.sent_on)} to {transfer.recipient_name}, "
            f"{transfer.recipient_school}, by {_person(transfer.sent_by, 'a DSL')}; {received}."
        )
    return bytes(pdf.output())
