"""The report as CSV: the page's tables one after another, for spreadsheets.

UTF-8 with a byte-order mark (so that Excel reads Chinese correctly), and safe
against formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is written with a leading apostrophe, so a group
named ``=HYPERLINK(...)`` stays text.
"""
from __future__ import annotations

import csv
import io

from .sections import Section

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value``, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def report_csv(heading: list[str], sections: list[Section]) -> bytes:
    """The CSV file: ``heading`` (one line), then each section's title, its columns
    and rows, and an empty line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(text) for text in heading])
    writer.writerow([])
    for section in sections:
        writer.writerow([safe_cell(section.title)])
        writer.writerow([safe_cell(column) for column in section.columns])
        for row in section.rows:
            writer.writerow([safe_cell(cell.exported) for cell in row])
        writer.writerow([])
    return (BOM + out.getvalue()).encode("utf-8")
