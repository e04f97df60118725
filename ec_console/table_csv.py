"""Tables as CSV files a spreadsheet opens correctly (Qt-free): the GUI's *Export profile list*.

- UTF-8 **with a byte-order mark**: Excel on Windows reads a CSV file without one in the computer's
  legacy code page (so "Müller" shows as "MÃ¼ller"); with it, Excel, LibreOffice, Numbers and Python's
  `utf-8-sig` all read the text as written. Python's `csv` and most scripts that open the file as UTF-8
  see the mark as part of the first header cell, so scripts should read it with `encoding="utf-8-sig"`.
- Comma-separated, a header row, rows ending in CRLF (the `csv` module's Excel dialect).
- A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) gets a
  leading apostrophe (`ec_console.audit.csv_cell`, shared with the audit export).
- Profiles are read in blocks from one cursor (`iter_profiles`): an export of a million profiles never holds
  them all.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from ec_console.audit import csv_cell
from ec_console.registry import Profile, ProfileQuery

BYTE_ORDER_MARK = "\ufeff"
BLOCK = 900


def write_table(header: Sequence[str], rows: Iterable[Sequence[str]], handle: TextIO, *,
                byte_order_mark: bool = True) -> int:
    """Write `header` and `rows` to `handle` (opened with newline=""), cells defused; returns the rows
    written."""
    if byte_order_mark:
        handle.write(BYTE_ORDER_MARK)
    writer = csv.writer(handle)
    writer.writerow([csv_cell(str(h)) for h in header])
    written = 0
    for row in rows:
        writer.writerow([csv_cell(str(cell)) for cell in row])
        written += 1
    return written


def iter_profiles(registry: Any, query: ProfileQuery, block: int = BLOCK) -> Iterator[Profile]:
    """The profiles matching `query`, in its order, read `block` rows at a time through one cursor (never
    the whole list, not even of ids)."""
    yield from registry.iter_profiles(query, batch=block)


__all__ = ["BYTE_ORDER_MARK", "iter_profiles", "write_table"]
