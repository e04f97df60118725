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

Languages: a break's `reason` is English (it is the `reason` of `audit verify --json`); `reason_text()`,
the verification lines (`verified_line`, `broken_line`, `status_line`), `advice()` and `NOTE_HEAD` are for
people and come in the current language. An export's first line (`export_header`) stays English: the
exported file is shared and read by tools, like the entries it holds.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ec_console.errors import BadInput
from ec_console.i18n import N_, _, format_number, ngettext
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
        raise BadInput(_("{flag}: give the 64-character head hash that `ec-console audit verify` printed")
                       .format(flag=flag))
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
    reason: str               # what is wrong, in English (`audit verify --json`); people read reason_text()
    # The reason's template (marked for translation) and its values, so it can be shown in any language.
    template: str = ""
    values: tuple[tuple[str, int | str], ...] = ()


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


_NEWEST_DELETED = "newest_deleted"   # the template of a count of newest entries deleted (a plural)


def _newest_deleted(missing: int, translate: bool) -> str:
    # The English and its plural side by side: Babel reads the literals of the ngettext() call.
    if translate:
        return ngettext("the registry recorded {recorded} entries but {left} remain: the newest {missing} "
                        "entry was deleted",
                        "the registry recorded {recorded} entries but {left} remain: the newest {missing} "
                        "entries were deleted", missing)
    return ("the registry recorded {recorded} entries but {left} remain: the newest {missing} entry was "
            "deleted" if missing == 1 else
            "the registry recorded {recorded} entries but {left} remain: the newest {missing} entries were "
            "deleted")


def _reason(template: str, values: dict[str, int | str], translate: bool) -> str:
    """The reason `template` filled with `values` (counts as numbers, ids as text), translated or English."""
    if template == _NEWEST_DELETED:
        text = _newest_deleted(int(values["missing"]), translate)
    else:
        text = _(template) if translate else template
    shown = {key: (format_number(value) if translate else f"{value:,}") if isinstance(value, int) else value
             for key, value in values.items()}
    return text.format(**shown)


def _break(kind: str, row_id: int | None, at: str | None, action: str | None,
           template: str, **values: int | str) -> ChainBreak:
    return ChainBreak(kind, row_id, at, action, _reason(template, values, False), template,
                      tuple(values.items()))


def reason_text(b: ChainBreak) -> str:
    """What is wrong, in the current language (the English `reason` when the break carries no template)."""
    return _reason(b.template, dict(b.values), True) if b.template else b.reason


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
        if missing > 0:
            what = _break("truncated", None, None, None, _NEWEST_DELETED,
                          recorded=recorded.entries, left=entries, missing=missing)
        else:
            what = _break("truncated", None, None, None, N_(
                "the registry's record of the newest entry does not match the audit: entries were deleted "
                "from the end, or the chain was rewritten"))
        return ChainResult(entries, last_id, last_at, expected, what)
    if not seen_known:
        return ChainResult(entries, last_id, last_at, expected, _break(
            "truncated", None, None, None, N_(
                "the head you noted is not in the chain: entries were deleted from the end, or the chain was "
                "rewritten after you noted it")))
    return ChainResult(entries, last_id, last_at, expected, None)


def _check(row: ChainRow, expected: str, last: ChainRow | None,
           find: Callable[[str], ChainRow | None]) -> ChainBreak | None:
    def broken(kind: str, template: str, **values: int | str) -> ChainBreak:
        return _break(kind, row.id, row.at, row.action, template, **values)

    if not is_hash(row.row_hash) or not is_hash(row.prev_hash):
        return broken("unhashed", N_("it has no valid hash: it was written outside the console"))
    if row.computed_hash() != row.row_hash:
        return broken("edited", N_("its content does not match its hash: it was changed after it was "
                                   "written, or written outside the console"))
    if row.prev_hash == expected:
        return None
    if row.prev_hash == GENESIS and last is not None:
        return _break("inserted", last.id, last.at, last.action,
                      N_("it was put in before entry {id}, the first entry written"), id=str(row.id))
    target = _found(find, row.prev_hash)
    if target is None:
        if last is None:
            return broken("deleted", N_("the entry it follows is no longer in the audit as it was written: "
                                        "the entry before it, at the start of the audit, was deleted"))
        return broken("deleted", N_("the entry it follows is no longer in the audit as it was written: an "
                                    "entry between entry {last} and this one was deleted, or entry {last} "
                                    "was changed and given a new hash"), last=str(last.id))
    if last is not None and target.id < last.id:
        return _break("inserted", last.id, last.at, last.action,
                      N_("it was put in between entry {target} and entry {id} after they were written"),
                      target=str(target.id), id=str(row.id))
    if last is not None and target.id > last.id:
        return broken("reordered", N_("it follows entry {target}, which now comes after it: entries were "
                                      "moved"), target=str(target.id))
    return broken("reordered", N_("it does not follow the entry before it: entries were moved"))


# The kinds of break in words (English, marked; `kind_words()` shows them in the current language).
KIND_WORDS = {"edited": N_("edited"), "deleted": N_("an entry deleted"), "reordered": N_("entries reordered"),
              "inserted": N_("an entry inserted"), "unhashed": N_("an entry without a hash"),
              "truncated": N_("the newest entries deleted")}


def kind_words(kind: str, translate: bool = True) -> str:
    words = KIND_WORDS[kind]
    return _(words) if translate else words


def advice(result: ChainResult) -> str:
    """What to do about a broken chain, for an administrator ("" when it verifies)."""
    b = result.broken
    if b is None:
        return ""
    if b.id is None:
        return _("The entries that remain are intact. Keep a copy of the registry as it is now for an "
                 "investigation, compare it with a backup taken before that time, and find out who could "
                 "write to the registry since then.")
    if result.entries:
        return _("The entries before it are intact. Keep a copy of the registry as it is now for an "
                 "investigation, compare it with a backup taken before that time, and find out who could "
                 "write to the registry since then.")
    return _("Keep a copy of the registry as it is now for an investigation, compare it with a backup taken "
             "before that time, and find out who could write to the registry since then.")


_NOTE_HEAD = N_("To detect later that the newest entries were deleted, note this head and the count "
                "somewhere outside this computer, and check against it with: ec-console audit verify "
                "--known-head HEAD")


def note_head() -> str:
    """What to do with the head `audit verify` printed, in the current language."""
    return _(_NOTE_HEAD)


NOTE_HEAD = _NOTE_HEAD   # the English text (kept for callers that print it as it is)


def verified_line(result: ChainResult) -> str:
    """ "Audit chain verified: 1,234 entries, last 2026-12-03T14:05:09Z" (no "last" for an empty audit)."""
    entries = count(result.entries, "entry", "entries")
    if result.last_at:
        return _("Audit chain verified: {entries}, last {time}").format(entries=entries, time=result.last_at)
    return _("Audit chain verified: {entries}").format(entries=entries)


def broken_line(result: ChainResult, action_name: Callable[[str], str] = str, *,
                translate: bool = True) -> str:
    """ "Audit chain broken at entry 57 (2026-12-03T14:05:09Z, Link failed): edited — its content …".

    In the current language; `translate=False`: English (an export's first line)."""
    b = result.broken
    if b is None:
        return verified_line(result)

    def say(text: str) -> str:
        return _(text) if translate else text

    kind = kind_words(b.kind, translate)
    reason = reason_text(b) if translate else b.reason
    if b.id is None and result.last_id is not None:
        line = say(N_("Audit chain broken after entry {id} ({time}): {kind} — {reason}."))
        return line.format(id=result.last_id, time=result.last_at, kind=kind, reason=reason)
    if b.id is None:
        return say(N_("Audit chain broken before its first entry: {kind} — {reason}.")).format(kind=kind,
                                                                                           reason=reason)
    return say(N_("Audit chain broken at entry {id} ({time}, {action}): {kind} — {reason}.")).format(
        id=b.id, time=b.at, action=action_name(b.action or ""), kind=kind, reason=reason)


def status_line(result: ChainResult, action_name: Callable[[str], str] = str,
                when: Callable[[str], str] = str) -> str:
    """The audit window's line: "Chain verified: 1,234 entries" / "Chain broken at entry 57 (edited):
    Profile linked at 2026-12-03 15:05 — its content does not match its hash: …" (the current language;
    the window bolds the part before the first ": ")."""
    b = result.broken
    if b is None:
        return _("Chain verified: {entries}").format(entries=count(result.entries, "entry", "entries"))
    kind, reason = kind_words(b.kind), reason_text(b)
    if b.id is None and result.last_id is not None:
        return _("Chain broken after entry {id} ({kind}): the newest entry left is of {time} — {reason}.")\
            .format(id=result.last_id, kind=kind, time=when(result.last_at or ""), reason=reason)
    if b.id is None:
        return _("Chain broken before its first entry ({kind}) — {reason}.").format(kind=kind, reason=reason)
    return _("Chain broken at entry {id} ({kind}): {action} at {time} — {reason}.").format(
        id=b.id, kind=kind, action=action_name(b.action or ""), time=when(b.at or ""), reason=reason)


def export_header(result: ChainResult, checked_at: str) -> str:
    """The line an export of the audit starts with: the chain's state when the export was written (English
    whatever the language: the file is shared and read by tools, like its entries)."""
    if result.broken is None:
        return (f"# Audit chain verified at {checked_at}: {result.entries} entries, head {result.head}")
    return f"# Audit chain NOT verified at {checked_at}: {broken_line(result, translate=False)}"


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
           "kind_words", "note_head", "parse_head", "reason_text", "result_json", "row_hash", "status_line",
           "verified_line", "verify"]
