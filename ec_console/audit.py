"""The audit log as files and text for scripts and the GUI's export (Qt-free).

One set of field names and one spreadsheet-safe CSV writer, used by `ec-console audit list|export` and by
the audit log window's *Export CSV…*:

- JSON: an array of `{"time", "user", "action", "subject", "detail"}`, `time` in ISO 8601 UTC
  (`2026-12-02T18:55:55Z`), newest first;
- CSV: a header row `time_utc,user,action,subject,detail`, then one row per entry. A cell a spreadsheet
  would run as a formula (starting with = + - @, a tab or a carriage return) is written with a leading
  apostrophe, so opening the export in Excel or Sheets never runs anything.

Writers take any iterable of entries and write as they go: `Registry.iter_audit` reads the audit in
batches, so an export of millions of entries never holds them all in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from ec_console.errors import BadInput
from ec_console.registry import AuditEntry, utc_text

JSON_FIELDS = ("time", "user", "action", "subject", "detail")
CSV_HEADER = ("time_utc", "user", "action", "subject", "detail")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """`value` as a CSV cell a spreadsheet shows as text (a leading apostrophe defuses a formula)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {"time": entry.at, "user": entry.os_user, "action": entry.action, "subject": entry.subject,
            "detail": entry.detail}


def write_csv(entries: Iterable[AuditEntry], handle: TextIO) -> int:
    """Write the header and one row per entry to `handle` (opened with newline=""); returns the count."""
    writer = csv.writer(handle)
    writer.writerow(CSV_HEADER)
    count = 0
    for e in entries:
        writer.writerow([e.at, csv_cell(e.os_user), csv_cell(e.action), csv_cell(e.subject),
                         csv_cell(e.detail)])
        count += 1
    return count


def write_json(entries: Iterable[AuditEntry], handle: TextIO) -> int:
    """Write one JSON array, an entry per line, as the entries come; returns the count."""
    handle.write("[")
    count = 0
    for e in entries:
        handle.write(",\n  " if count else "\n  ")
        handle.write(json.dumps(entry_json(e), ensure_ascii=False))
        count += 1
    handle.write("\n]\n" if count else "]\n")
    return count


def parse_since(text: str, flag: str = "--since") -> str:
    """An ISO 8601 date (`2026-12-01`) or date-time (`2026-12-01T08:30`, `...:00Z`, `...+01:00`) as the
    registry's UTC time text; a date or a time with no offset is UTC. BadInput says what is accepted."""
    value = text.strip()
    try:
        if not value or len(value) > 40:
            raise ValueError
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1:] in "Zz" else value)
    except ValueError:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise BadInput(f"{flag}: {shown!r} is not a date or time; give an ISO date (2026-12-01) or a UTC "
                       "date-time (2026-12-01T08:30:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_text(moment)


__all__ = ["CSV_HEADER", "JSON_FIELDS", "csv_cell", "entry_json", "parse_since", "write_csv", "write_json"]
