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
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, TextIO

from ec_console.audit_labels import action_label
from ec_console.errors import BadInput
from ec_console.i18n import _
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


def write_csv(entries: Iterable[AuditEntry], handle: TextIO, preamble: Iterable[str] = ()) -> int:
    """Write the header and one row per entry to `handle` (opened with newline=""); returns the count.
    Each `preamble` line (the audit window's chain verification, starting with '#') comes first as a row
    of one cell."""
    writer = csv.writer(handle)
    for line in preamble:
        writer.writerow([line])
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
        raise BadInput(_("{flag}: {value} is not a date or time; give an ISO date (2026-12-01) or a UTC "
                         "date-time (2026-12-01T08:30:00Z)").format(flag=flag, value=repr(shown))) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_text(moment)


def day_range(first: date | None, last: date | None,
              zone: tzinfo | None = None) -> tuple[str | None, str | None]:
    """Calendar days `first` .. `last` (both included, in `zone`, default the computer's time zone) as the
    registry's UTC times `(since, before)`: `since` is the start of `first`, `before` the start of the
    day after `last` (exclusive). A missing day leaves that end open."""

    def start_of(day: date) -> str:
        moment = datetime.combine(day, time())
        local = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
        return utc_text(local)

    since = start_of(first) if first is not None else None
    before = start_of(last + timedelta(days=1)) if last is not None else None
    return since, before


def _field_name(key: str) -> str:
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def detail_fields(detail: str) -> list[tuple[str, str]]:
    """An entry's detail as labelled values: a JSON object (as check all writes) gives one row per key,
    nested values written out plainly; any other text is one row, "Detail". The labels of a JSON detail are
    its field names in words (never translated); the others are in the current language."""
    text = detail.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict) and value:
            return [(_field_name(k), _plain(v)) for k, v in value.items()]
    return [(_("Detail"), detail)] if text else []


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{_field_name(k)}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def entry_fields(entry: AuditEntry, local_time: str = "") -> list[tuple[str, str]]:
    """Every field of an entry, labelled, for a person: time (local and UTC), user, action (readable name
    and its code), subject, its entry number (what `audit verify` names), then the detail's own fields."""
    when = f"{local_time} ({entry.at} UTC)" if local_time else f"{entry.at} UTC"
    action = action_label(entry.action)
    rows = [(_("Time"), when), (_("User"), entry.os_user),
            (_("Action"), action if action == entry.action else f"{action} ({entry.action})"),
            (_("Subject"), entry.subject or "—"), (_("Entry"), str(entry.id))]
    return rows + detail_fields(entry.detail)


__all__ = ["CSV_HEADER", "JSON_FIELDS", "csv_cell", "day_range", "detail_fields", "entry_fields",
           "entry_json", "parse_since", "write_csv", "write_json"]
