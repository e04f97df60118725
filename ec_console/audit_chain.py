"""The audit's SHA-256 hash chain: its canonical form and its verification (Qt-free, engine-neutral).

Every audit row carries `prev_hash` (the previous row's `row_hash`, or `GENESIS` for the first row) and

    row_hash = SHA-256( prev_hash as 64 lower-case hex ASCII characters  ||  canonical(row) )

written as 64 lower-case hex characters. `canonical(row)` is the UTF-8 encoding of one JSON object holding
exactly the fields in `CANONICAL_FIELDS`, keys sorted, no whitespace, non-ASCII characters written as
themselves (not `\\u` escapes), `at` as the registry's ISO 8601 UTC text (`2026-12-03T14:05:09Z`) and
`db_session_user` `null` where the engine has none (SQLite). The row's id is not part of it: the chain
itself fixes the order, so a registry copied to another engine keeps a chain that verifies whatever ids
the copy gives. docs/registry.md spells the form out for other implementations.

`verify()` walks the rows in chain order as they stream (memory does not grow with the audit) and
returns the first broken link, named and explained: an entry `edited` (its content no longer matches its
hash), `deleted` (the next entry points to an entry that is no longer there), `reordered` (an entry points
to one that now comes after it), `inserted` (an entry was put in before it), `unhashed` (a row written
without a hash, outside the console), or the newest entries `truncated` (fewer entries than the head the
registry or the administrator noted).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ec_console.errors import BadInput
from ec_console.words import count

GENESIS = "0" * 64
CANONICAL_FIELDS = ("at", "os_user", "db_session_user", "action", "subject", "detail")
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")

BREAK_KINDS = ("edited", "deleted", "reordered", "inserted", "unhashed", "truncated")


def canonical(at: str, os_user: str, db_session_user: str | None, action: str, subject: str,
              detail: str) -> bytes:
    """The row's canonical content (see the module's docstring)."""
    return json.dumps({"at": at, "os_user": os_user, "db_session_user": db_session_user, "action": action,
                       "subject": subject, "detail": detail},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + content).hexdigest()


def is_hash(text: Any) -> bool:
    return isinstance(text, str) and _HASH_RE.match(text) is not None


def parse_head(text: str, flag: str = "--known-head") -> str:
    """A head hash the administrator noted (64 hex characters, any case), or BadInput saying so."""
    value = text.strip().lower() if isinstance(text, str) else ""
    if not is_hash(value):
        raise BadInput(f"{flag}: give the 64-character head hash that `ec-console audit verify` printed")
    return value


@dataclass(frozen=True)
class ChainRow:
    """One audit row as the chain sees it (engines read their rows into this, in chain order)."""

    id: int
    at: str
    os_user: str
    db_session_user: str | None
    action: str
    subject: str
    detail: str
    prev_hash: str | None
    row_hash: str | None

    def computed_hash(self) -> str | None:
        if not is_hash(self.prev_hash):
            return None
        return row_hash(str(self.prev_hash), canonical(self.at, self.os_user, self.db_session_user,
                                                       self.action, self.subject, self.detail))


@dataclass(frozen=True)
class ChainBreak:
    kind: str                 # one of BREAK_KINDS
    id: int | None            # the entry where the chain breaks (None: the newest entries are missing)
    at: str | None
    action: str | None
    reason: str               # for a person: what is wrong


@dataclass(frozen=True)
class ChainResult:
    entries: int              # entries walked (up to the break, or all)
    last_id: int | None
    last_at: str | None
    head: str                 # the newest entry's row_hash (GENESIS for an empty audit)
    broken: ChainBreak | None

    @property
    def verified(self) -> bool:
        return self.broken is None


@dataclass(frozen=True)
class ChainHead:
    """What the registry (or the administrator) recorded of the chain's newest entry."""

    entries: int
    head: str


def _found(find: Callable[[str], ChainRow | None], digest: str | None) -> ChainRow | None:
    return find(digest) if is_hash(digest) else None


def verify(rows: Iterable[ChainRow], *, find: Callable[[str], ChainRow | None],
           recorded: ChainHead | None = None, known_head: str | None = None) -> ChainResult:
    """Walk `rows` (in chain order, oldest first) and return the first broken link, or the whole count.

    `find(digest)` returns the row whose row_hash is `digest`, or None; it is called only once a link is
    broken (to tell a deletion from a reordering). `recorded` is the head the registry kept beside the
    audit; `known_head` one an administrator noted earlier: when neither names the newest entry walked,
    the newest entries were deleted.
    """
    expected = GENESIS
    entries = 0
    last: ChainRow | None = None
    before_last: ChainRow | None = None
    seen_known = known_head is None or known_head == GENESIS     # noted while the audit was empty
    for row in rows:
        broken = _check(row, expected, last, find)
        if broken is not None:
            if broken.kind == "inserted":     # the break is the entry before this one: not a verified one
                entries, last = entries - 1, before_last
                expected = str(last.row_hash) if last is not None else GENESIS
            return ChainResult(entries, last.id if last else None, last.at if last else None, expected,
                               broken)
        expected = str(row.row_hash)
        entries += 1
        before_last, last = last, row
        if not seen_known and expected == known_head:
            seen_known = True
    last_id, last_at = (last.id, last.at) if last else (None, None)
    if recorded is not None and (recorded.entries != entries or recorded.head != expected):
        missing = recorded.entries - entries
        what = (f"the registry recorded {recorded.entries:,} entries but {entries:,} remain: the newest "
                f"{missing:,} {'entry was' if missing == 1 else 'entries were'} deleted" if missing > 0 else
                "the registry's record of the newest entry does not match the audit: entries were deleted "
                "from the end, or the chain was rewritten")
        return ChainResult(entries, last_id, last_at, expected,
                           ChainBreak("truncated", None, None, None, what))
    if not seen_known:
        return ChainResult(entries, last_id, last_at, expected, ChainBreak(
            "truncated", None, None, None,
            "the head you noted is not in the chain: entries were deleted from the end, or the chain was "
            "rewritten after you noted it"))
    return ChainResult(entries, last_id, last_at, expected, None)


def _check(row: ChainRow, expected: str, last: ChainRow | None,
           find: Callable[[str], ChainRow | None]) -> ChainBreak | None:
    def broken(kind: str, reason: str) -> ChainBreak:
        return ChainBreak(kind, row.id, row.at, row.action, reason)

    if not is_hash(row.row_hash) or not is_hash(row.prev_hash):
        return broken("unhashed", "it has no valid hash: it was written outside the console")
    if row.computed_hash() != row.row_hash:
        return broken("edited", "its content does not match its hash: it was changed after it was written, "
                                "or written outside the console")
    if row.prev_hash == expected:
        return None
    if row.prev_hash == GENESIS and last is not None:
        return ChainBreak("inserted", last.id, last.at, last.action,
                          f"it was put in before entry {row.id}, the first entry written")
    target = _found(find, row.prev_hash)
    if target is None:
        return broken("deleted", "the entry it follows is no longer in the audit as it was written: " + (
            "the entry before it, at the start of the audit, was deleted" if last is None else
            f"an entry between entry {last.id} and this one was deleted, or entry {last.id} was changed "
            "and given a new hash"))
    if last is not None and target.id < last.id:
        return ChainBreak("inserted", last.id, last.at, last.action,
                          f"it was put in between entry {target.id} and entry {row.id} after they were "
                          "written")
    if last is not None and target.id > last.id:
        return broken("reordered", f"it follows entry {target.id}, which now comes after it: entries were "
                                   "moved")
    return broken("reordered", "it does not follow the entry before it: entries were moved")


KIND_WORDS = {"edited": "edited", "deleted": "an entry deleted", "reordered": "entries reordered",
              "inserted": "an entry inserted", "unhashed": "an entry without a hash",
              "truncated": "the newest entries deleted"}


def advice(result: ChainResult) -> str:
    """What to do about a broken chain, for an administrator ("" when it verifies)."""
    b = result.broken
    if b is None:
        return ""
    intact = ("The entries that remain are intact." if b.id is None else
              "The entries before it are intact." if result.entries else "")
    return (f"{intact} Keep a copy of the registry as it is now for an investigation, compare it with a "
            "backup taken before that time, and find out who could write to the registry since then.").strip()


NOTE_HEAD = ("To detect later that the newest entries were deleted, note this head and the count somewhere "
             "outside this computer, and check against it with: ec-console audit verify --known-head HEAD")


def verified_line(result: ChainResult) -> str:
    """ "Audit chain verified: 1,234 entries, last 2026-12-03T14:05:09Z" (no "last" for an empty audit)."""
    text = f"Audit chain verified: {count(result.entries, 'entry', 'entries')}"
    return text + (f", last {result.last_at}" if result.last_at else "")


def broken_line(result: ChainResult, action_name: Callable[[str], str] = str) -> str:
    """ "Audit chain broken at entry 57 (2026-12-03T14:05:09Z, Link failed): edited — its content …"."""
    b = result.broken
    if b is None:
        return verified_line(result)
    if b.id is None:
        where = (f"after entry {result.last_id} ({result.last_at})" if result.last_id is not None else
                 "before its first entry")
    else:
        where = f"at entry {b.id} ({b.at}, {action_name(b.action or '')})"
    return f"Audit chain broken {where}: {KIND_WORDS[b.kind]} — {b.reason}."


def status_line(result: ChainResult, action_name: Callable[[str], str] = str,
                when: Callable[[str], str] = str) -> str:
    """The audit window's line: "Chain verified: 1,234 entries" / "Chain broken at entry 57 (edited):
    Profile linked at 2026-12-03 15:05 — its content does not match its hash: …"."""
    b = result.broken
    if b is None:
        return f"Chain verified: {count(result.entries, 'entry', 'entries')}"
    if b.id is None:
        where = (f"after entry {result.last_id} ({KIND_WORDS[b.kind]}): the newest entry left is of "
                 f"{when(result.last_at or '')}" if result.last_id is not None else
                 f"before its first entry ({KIND_WORDS[b.kind]})")
    else:
        where = f"at entry {b.id} ({KIND_WORDS[b.kind]}): {action_name(b.action or '')} at {when(b.at or '')}"
    return f"Chain broken {where} — {b.reason}."


def export_header(result: ChainResult, checked_at: str) -> str:
    """The line an export of the audit starts with: the chain's state when the export was written."""
    if result.broken is None:
        return (f"# Audit chain verified at {checked_at}: {result.entries} entries, head {result.head}")
    return f"# Audit chain NOT verified at {checked_at}: {broken_line(result)}"


def result_json(result: ChainResult) -> dict[str, Any]:
    """`ec-console audit verify --json` (docs/cli.md)."""
    b = result.broken
    return {"verified": b is None, "entries": result.entries,
            "last": None if result.last_id is None else {"id": result.last_id, "time": result.last_at},
            "head": result.head,
            "broken": None if b is None else {"kind": b.kind, "id": b.id, "time": b.at, "action": b.action,
                                              "reason": b.reason}}


__all__ = ["BREAK_KINDS", "CANONICAL_FIELDS", "GENESIS", "KIND_WORDS", "NOTE_HEAD", "ChainBreak", "ChainHead",
           "ChainResult", "ChainRow", "advice", "broken_line", "canonical", "export_header", "is_hash",
           "parse_head", "result_json", "row_hash", "status_line", "verified_line", "verify"]
