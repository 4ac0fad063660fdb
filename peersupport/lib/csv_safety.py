"""Cells for CSV files that people open in a spreadsheet.

A cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return)
is read by Excel, LibreOffice and Google Sheets as a formula, which can run
commands or send data away ("CSV injection"). A student's name is typed by
whoever keyed it into the MIS, so every text cell is made safe by putting an
apostrophe in front, which spreadsheets show as plain text."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
