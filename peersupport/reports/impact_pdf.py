"""An impact report as a PDF, for governors, the trust or inspectors.

Made with fpdf2, like the safeguarding file (concerns/safeguarding_pdf.py): real
text in DejaVu Sans (so it can be searched, copied and read aloud), falling back to
the core Helvetica font where DejaVu is missing. It holds what the page holds: the
headline figures as a table (suppressed: "Fewer than 5", never a name), sessions by
month as a table, the three sections the coordinator wrote and "You said, we did".
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from peersupport.reports.headline import shown
from peersupport.reports.models import ImpactReport

FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"


def _day(day: datetime.date | str) -> str:
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return f"{day:%d/%m/%Y}"


class _ImpactReportFile(FPDF):
    def __init__(self, font_folder: Path | None, footer_text: str) -> None:
        super().__init__(format="A4")
        self.full_font = False
        if (
            font_folder is not None
            and (font_folder / FONT_REGULAR).is_file()
            and (font_folder / FONT_BOLD).is_file()
        ):
            self.add_font("DejaVu", "", font_folder / FONT_REGULAR)
            self.add_font("DejaVu", "B", font_folder / FONT_BOLD)
            self.full_font = True
        self.family_name = "DejaVu" if self.full_font else "Helvetica"
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def shown(self, text: str) -> str:
        if self.full_font:
            return text
        return (
            text.replace("–", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")
        )

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.cell(
            0, 5, self.shown(f"{self.footer_text}. Page {self.page_no()} of {{nb}}"), align="C"
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

    def rows(
        self,
        header: tuple[str, ...],
        rows: list[tuple[str, ...]],
        widths: tuple[int, ...] | None = None,
    ) -> None:
        """A table of real text, its first row the column headings."""
        self.set_font(self.family_name, "", 10)
        with self.table(first_row_as_headings=True, text_align="LEFT", col_widths=widths) as table:
            table.row([self.shown(cell) for cell in header])
            for row in rows:
                table.row([self.shown(cell) for cell in row])
        self.ln(2)


def impact_report_pdf(
    *,
    school_name: str,
    report: ImpactReport,
    figures: dict[str, Any],
    made_at: datetime.datetime,
    chart_svg: str | None = None,
    font_folder: Path | None = FONT_FOLDER,
) -> bytes:
    """The report as PDF bytes. ``chart_svg``, the page's chart, is drawn above its
    table (as vector paths and text, not a picture of text)."""
    limit = figures["threshold"]
    pdf = _ImpactReportFile(font_folder, f"{school_name}: {report.title}")
    pdf.set_title(report.title)
    pdf.set_author(school_name)
    pdf.set_creator("Peer support")
    pdf.add_page()
    pdf.heading(report.title, size=16)
    pdf.para(school_name)
    pdf.para(f"Period: {_day(report.period_from)} to {_day(report.period_to)}")
    if report.audience:
        pdf.para(f"Written for: {report.audience}")
    if report.status == ImpactReport.Status.ISSUED and report.issued_at is not None:
        pdf.para(f"Figures as issued on {timezone.localtime(report.issued_at):%d/%m/%Y}.")
    else:
        pdf.para(
            f"Draft: figures as they stood on {timezone.localtime(made_at):%d/%m/%Y}; "
            "they may change until the report is issued."
        )
    pdf.para(
        f"No student is named. Counts below {limit} are not shown "
        f'("Fewer than {limit}"), so that no child can be recognised.'
    )

    pdf.heading("Headline figures")
    pdf.rows(
        ("Figure", "Value", "Note"),
        [(row["label"], shown(row, limit), row["note"]) for row in figures["rows"]],
        widths=(9, 4, 7),
    )
    chart = figures["chart"]
    pdf.heading(chart["title"])
    if chart_svg:
        try:
            pdf.image(io.BytesIO(chart_svg.encode()), w=pdf.epw)
        except Exception:  # a chart fpdf2 cannot draw: its table below has the figures
            pdf.para("The chart could not be drawn here; its figures are in the table.")
    pdf.rows(
        ("Month", "Sessions held"),
        [
            (label, f"Fewer than {limit}" if value is None else str(value))
            for label, value in zip(chart["labels"], chart["values"], strict=True)
        ],
    )

    for heading, text in (
        ("What we did", report.what_we_did),
        ("What we learned", report.what_we_learned),
        ("What we changed", report.what_we_changed),
    ):
        pdf.heading(heading)
        pdf.para(text or "Not written.")

    pdf.heading("You said, we did")
    entries = figures.get("you_said_we_did", [])
    if not entries:
        pdf.para("Nothing was posted in this period.")
    for entry in entries:
        pdf.para(f"Posted {_day(entry['posted_on'])}", bold=True)
        pdf.para(f"You said: {entry['you_said']}")
        pdf.para(f"We did: {entry['we_did']}")
        pdf.ln(1)
    return bytes(pdf.output())
