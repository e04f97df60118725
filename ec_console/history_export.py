"""The monitor's health history as a CSV or XLSX table (Qt-free).

One row per application per run, the columns of `COLUMNS`. CSV as `table_csv.write_table` writes it
(UTF-8 with a byte-order mark, cells a spreadsheet would run as formulas defused); XLSX through openpyxl
(write-only mode) with the counts as numbers, a bold frozen header row, and text cells defused the same
way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any, TextIO

from ec_console.registry import HealthRow

COLUMNS = ("run_at", "trigger", "application", "outcome", "health", "linked", "needs_relink", "failing",
           "leaks", "diagnoses", "duration_s", "detail")


def row_values(row: HealthRow) -> list[Any]:
    """One history row's cells, in COLUMNS order (numbers stay numbers; leaks "" when not measured)."""
    return [row.run_at, row.trigger, row.application_name, row.outcome, row.health or "", row.linked,
            row.needs_relink, row.failing, "" if row.leaks is None else row.leaks, " ".join(row.diagnoses),
            round(row.duration, 1), row.detail]


def write_csv(rows: Iterable[HealthRow], handle: TextIO) -> int:
    from ec_console.table_csv import write_table

    return write_table(COLUMNS, ([str(v) for v in row_values(r)] for r in rows), handle)


def write_xlsx(rows: Iterable[HealthRow], handle: IO[bytes]) -> int:
    """Write the history to `handle` as an XLSX workbook (openpyxl's write-only mode: rows are streamed,
    not held as cell objects); returns the rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from ec_console.audit import csv_cell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Health history")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKL", (21, 10, 28, 20, 22, 8, 13, 8, 7, 30, 11, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 0
    for row in rows:
        sheet.append([csv_cell(v) if isinstance(v, str) else v for v in row_values(row)])
        written += 1
    book.save(handle)
    return written


__all__ = ["COLUMNS", "row_values", "write_csv", "write_xlsx"]
