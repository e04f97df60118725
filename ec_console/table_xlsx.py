"""Tables as XLSX workbooks (Qt-free), written with openpyxl in write-only mode (rows streamed, never a whole
sheet in memory): the reconciliation's export.

- Every text cell is written as **text**: openpyxl would store a string starting with "=" as a formula, so
  a cell such as "=HYPERLINK(...)" from a directory could run when the file is opened. Here its type is
  set to text, and the cell shows exactly what the console showed (no apostrophe added, unlike the CSV
  export, where the apostrophe is the only way to say "text").
- Characters XML cannot hold (control characters) are dropped; whole numbers stay numbers.
- A sheet title is cut to Excel's 31 characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_TITLE = 31

Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))
    cell.data_type = "s"           # text, never a formula
    return cell


def write_workbook(sheets: Iterable[Sheet], handle: IO[bytes]) -> list[int]:
    """Write each (title, header, rows) as a sheet to `handle` (binary); returns the rows written per
    sheet (the header not counted)."""
    book = Workbook(write_only=True)
    written = []
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=str(title)[:MAX_TITLE])
        sheet.append([_cell(sheet, h) for h in header])
        n = 0
        for row in rows:
            sheet.append([_cell(sheet, v) for v in row])
            n += 1
        written.append(n)
    book.save(handle)
    return written


__all__ = ["write_workbook"]
