"""The registry: one SQLite file per region holding applications, profiles, checks and the audit trail.

- WAL mode with a busy timeout, so the GUI and the CLI can write at once.
- `PRAGMA user_version` is the schema version; `MIGRATIONS` upgrades an older file in order, each
  migration in one transaction. `PRAGMA application_id` marks the file as a registry.
- One unit of work (a probe's profile update + its check + its audit entry) is one transaction
  (`with registry.transaction():`): a crash leaves the previous state, never half of one. Every mutating
  method runs in a transaction of its own, or joins the caller's (as a savepoint).
- The audit table is append-only, enforced by triggers (UPDATE and DELETE are refused by SQLite itself),
  and a SHA-256 hash chain (schema 10, `ec_console.audit_chain`): each row is chained to the one before it
  inside the transaction that inserts it, so `verify_audit()` names any edit made behind the console's back.
- Profile search is a literal substring match; where SQLite has FTS5's trigram tokenizer, a trigram index
  (schema 4) narrows selective searches first, with the same results as the scan.
- No secret is ever stored here (settings with secret-looking keys or PEM blocks are refused). Times are
  ISO 8601 UTC strings ("2026-11-23T22:18:09Z"), see `utc_now()`.
- A `Registry` object owns one `sqlite3` connection and is used from one thread only.

docs/registry.md describes the schema, the migrations and the query API with measured figures.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import sqlite3
import stat
import time
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ec_console.audit_chain import GENESIS, ChainHead, ChainResult, ChainRow, canonical, is_hash, row_hash
from ec_console.audit_chain import verify as verify_chain
from ec_console.audit_labels import actions_labelled
from ec_console.errors import BadInput, ConsoleError

log = logging.getLogger(__name__)

APPLICATION_STATUSES = ("active", "revoked")
PROFILE_STATUSES = ("linked", "needs_relink", "revoked")
PROVIDERS = ("exchange", "google", "graph")
CHECK_RESULTS = ("pass", "warn", "fail")

# Columns a profile query may sort by (public names -> SQL expressions chosen by the implementation).
PROFILE_SORT_COLUMNS = (
    "email", "display_name", "application", "provider", "status", "last_checked_at", "last_result",
)

# Marks an SQLite file as an Enterprise Connect registry ("ECon"); see `PRAGMA application_id`.
APPLICATION_ID = 0x45436F6E

_REGION_ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_IN_CHUNK = 900          # ids per `IN (...)`: below every SQLite build's variable limit (999 before 3.32)
_MAX_SEARCH = 256
_TRIGRAM = 3             # shortest needle the trigram index can answer; shorter ones scan with LIKE
_BROAD_SEARCH_SHARE = 5  # a needle in over 1/5 of the rows is searched by the scan (see _narrow_by_index)
_SMALL_TABLE = 2000      # below this many profiles either search path takes about a millisecond
_SORT_MATCHES = 5000     # a page of a search with at most this many candidates sorts them (see profile_page)
_SEARCH_VOCABULARY = "ec_search_vocabulary"
# Rows between two page anchors (`Registry.profile_anchors`): a page read from its nearest anchor steps over
# fewer than this many rows of the sort index (about a millisecond), wherever it is in the list.
ANCHOR_EVERY = 2000
_BULK_CACHE_KIB = 262144  # SQLite's page cache during a bulk load (256 MiB: the index builds' sorts)
_MAX_NAME = 200
_MAX_EMAIL = 320
_MAX_TEXT = 4000


# --------------------------------------------------------------------------------------------- records

@dataclass(frozen=True)
class Application:
    id: int
    name: str                 # unique within the region
    provider: str             # "exchange" | "google" | "graph"
    domain: str
    settings: dict[str, Any]  # non-secret service-account settings (JSON in the file)
    status: str               # "active" | "revoked"
    health: str | None        # None = unknown/ok, else a diagnosis code marking the application itself
    created_at: str
    updated_at: str
    linked_count: int = 0
    needs_relink_count: int = 0
    revoked_count: int = 0
    version: int = 0          # bumped by the database on every update (schema ROW_VERSIONS_VERSION)


@dataclass(frozen=True)
class Profile:
    id: int
    application_id: int
    application_name: str
    provider: str
    email: str
    display_name: str
    status: str               # "linked" | "needs_relink" | "revoked"
    last_checked_at: str | None
    last_result: str | None   # "pass" | "warn" | "fail" | None
    last_diagnosis: str | None  # diagnosis code of the last failed check, if any
    created_at: str
    updated_at: str
    version: int = 0          # bumped by the database on every update (schema ROW_VERSIONS_VERSION)


@dataclass(frozen=True)
class ProfileQuery:
    search: str = ""                  # substring of email or display name, case-insensitive, LIKE-escaped
    status: str | None = None         # one of PROFILE_STATUSES
    application_id: int | None = None
    sort: str = "email"               # one of PROFILE_SORT_COLUMNS
    descending: bool = False


@dataclass(frozen=True)
class ProfileAnchors:
    """Sort keys sampled along one query's order (`Registry.profile_anchors`): `keys[i]` is the key of row
    `(i + 1) * every`. `Registry.profile_page` reads a page from the nearest one (a seek in the sort index
    and a short step) instead of walking the index from an end. They describe the rows as they were read:
    after a write that adds, removes or reorders rows, sample them again (as a table reads its pages again).
    """

    query: ProfileQuery
    every: int
    keys: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class CheckRecord:
    id: int
    profile_id: int | None
    application_id: int | None
    kind: str                 # "link" | "relink" | "check" | "verify_withdrawal" | "setup" ...
    result: str               # "pass" | "warn" | "fail"
    diagnosis: str | None
    report: dict[str, Any]    # the check report as JSON (never secrets)
    created_at: str


@dataclass(frozen=True)
class AuditQuery:
    """Which audit entries to read. Every word (case-insensitive) must appear in some field of the entry
    or in its action's readable name; `since` / `before` are registry times (`since` inclusive, `before`
    exclusive); `subject`, when given, is matched exactly. User text is only ever a bound value."""

    words: tuple[str, ...] = ()
    since: str | None = None
    before: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    os_user: str
    action: str
    subject: str
    detail: str


# ---------------------------------------------------------------------------------------------- errors

@dataclass(frozen=True)
class HealthRow:
    """One application's figures in one monitor run (`application_id` None: a run that checked nothing).

    `outcome`: one of HEALTH_OUTCOMES. `leaks` None: reconciliation did not run. `diagnoses`: the
    diagnosis codes the run met, sorted. `duration`: seconds the whole run took.
    """

    run_id: str
    run_at: str
    application_id: int | None
    application_name: str
    trigger: str
    outcome: str
    health: str | None = None
    linked: int = 0
    needs_relink: int = 0
    failing: int = 0
    leaks: int | None = None
    diagnoses: tuple[str, ...] = ()
    duration: float = 0.0
    detail: str = ""
    id: int | None = None


HEALTH_TRIGGERS = ("scheduled", "manual")
# ok: every probe passed; failing: some of its profiles' probes failed; failed: the application itself
# failed (bad secret, locked account, endpoint unreachable); not_checked: no secret in the keychain;
# skipped_overlap: another run held the lock; keychain_unavailable: the keychain could not be reached.
HEALTH_OUTCOMES = ("ok", "failing", "failed", "not_checked", "skipped_overlap", "keychain_unavailable",
                   "error")


class RegistryError(ConsoleError):
    """The registry file cannot be opened or is not a registry (the message says which file and why)."""

    code = "registry_unusable"


class ChangedElsewhere(RegistryError):
    """Another console changed the row between the moment a person saw it and their action on it: nothing
    was done (exit status 1). `what` is "profile" or "application", `subject` its address or name, `now`
    its status as the other console left it."""

    code = "changed_elsewhere"

    def __init__(self, what: str, subject: str, now: str) -> None:
        super().__init__(f"Someone else changed the {what} {subject} (now: {now.replace('_', ' ')}) after it "
                         "was read; nothing was done. Look at it again and repeat the action if it still "
                         "applies.")
        self.what, self.subject, self.now = what, subject, now

    @property
    def refreshed(self) -> str:
        """What the window says once it has read the list again."""
        return (f"Someone else changed this {self.what} (now: {self.now.replace('_', ' ')}) — the list has "
                "been refreshed; nothing was done")


class ConnectionLost(RegistryError):
    """The connection to a shared (PostgreSQL) registry was lost during a request: what the request was
    writing was not written (its transaction is rolled back by the server); exit status 1. The next read
    opens the connection again by itself (`registry_pg.PgConnection`)."""


class RegistryInputError(BadInput, ValueError):
    """A value given to the registry was refused (exit status 2 in the CLI); the message says which."""


class AlreadyExists(RegistryInputError):
    """An application name or a profile's email is already taken."""

    code = "already_exists"


class QueryTimedOut(Exception):
    """A read stopped because it ran past the caller's time budget (`Registry.time_budget`)."""


class NotFound(BadInput, LookupError):
    """No application / profile with that id."""

    code = "not_found"


# ----------------------------------------------------------------------------------------------- times

def utc_now() -> str:
    """The current time as the console stores it: ISO 8601 UTC, second precision, `Z` suffix."""
    return datetime.now(UTC).strftime(_TIME_FORMAT)


def utc_text(moment: datetime) -> str:
    """`moment` (timezone-aware) in the registry's time format."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; pass an aware one (e.g. datetime.now(UTC))")
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_utc(text: str) -> datetime:
    """The aware UTC datetime of a time written by `utc_now()` / `utc_text()`."""
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------------ migrations

def search_key(text: str) -> str:
    """The folded form profiles are searched and sorted by: NFKC, then Unicode case folding."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Migration:
    """One schema step. `statements` run in order, in the same transaction as the version bump.

    A migration is history: once released it never changes (it names providers and statuses as they were
    when it was written, not the current constants).
    """

    version: int
    description: str
    statements: tuple[str, ...]
    # Runs after `statements`, in the same transaction: for a step that depends on this SQLite build.
    step: Callable[[sqlite3.Connection], None] | None = None
    # Rebuilds a table that other tables reference (SQLite's 12-step ALTER): foreign keys are switched off
    # around the transaction (they cannot be switched inside one) and `foreign_key_check` must find nothing
    # before it commits.
    rebuilds_table: bool = False


_V1 = Migration(1, "tables, the append-only audit trail, foreign-key indexes", (
    f"PRAGMA application_id = {APPLICATION_ID}",
    """CREATE TABLE applications (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        provider TEXT NOT NULL CHECK (provider IN ('exchange', 'google')),
        domain TEXT NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        application_id INTEGER NOT NULL REFERENCES applications(id),
        email TEXT NOT NULL,
        display_name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'linked' CHECK (status IN ('linked', 'needs_relink', 'revoked')),
        last_checked_at TEXT,
        last_result TEXT CHECK (last_result IN ('pass', 'warn', 'fail')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (application_id, email COLLATE NOCASE)
    )""",
    """CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER REFERENCES profiles(id),
        application_id INTEGER REFERENCES applications(id),
        kind TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('pass', 'warn', 'fail')),
        diagnosis TEXT,
        report TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        CHECK (profile_id IS NOT NULL OR application_id IS NOT NULL)
    )""",
    "CREATE INDEX checks_by_profile ON checks (profile_id, id)",
    "CREATE INDEX checks_by_application ON checks (application_id, id)",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        os_user TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX audit_by_subject ON audit (subject, id)",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
       BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
       BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END""",
))

_V2 = Migration(2, "application health and each profile's last diagnosis (back-filled from its checks)", (
    "ALTER TABLE applications ADD COLUMN health TEXT",
    "ALTER TABLE profiles ADD COLUMN last_diagnosis TEXT",
    """UPDATE profiles SET last_diagnosis = (
           SELECT c.diagnosis FROM checks c WHERE c.profile_id = profiles.id ORDER BY c.id DESC LIMIT 1)
       WHERE last_result = 'fail'""",
))

_V3 = Migration(3, "Unicode-aware search keys and the indexes the profile table's queries use", (
    "ALTER TABLE profiles ADD COLUMN email_key TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE profiles ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
    "UPDATE profiles SET email_key = ec_search_key(email), name_key = ec_search_key(display_name)",
    # A sort column's index holds exactly its sort keys (see _SORT_KEYS), so rows come out of it in order;
    # status at the end also lets a status filter be answered from the index while it is scanned.
    "CREATE INDEX profiles_by_email ON profiles (email_key)",
    "CREATE INDEX profiles_by_name ON profiles (name_key, email_key, status)",
    "CREATE INDEX profiles_by_status ON profiles (status, email_key)",
    "CREATE INDEX profiles_by_application ON profiles (application_id, email_key, status)",
    "CREATE INDEX profiles_by_application_status ON profiles (application_id, status)",
    "CREATE INDEX profiles_by_last_checked ON profiles (last_checked_at, email_key, status)",
    "CREATE INDEX profiles_by_last_result ON profiles (last_result, email_key, status)",
    "CREATE INDEX applications_by_provider ON applications (provider, name COLLATE NOCASE)",
))

# The trigram full-text index over the search keys (FTS5, SQLite >= 3.34). An external-content table: it
# stores only the index, the text stays in `profiles`; the triggers keep it in step with every write.
SEARCH_INDEX = "profiles_search"
_SEARCH_INDEX_STATEMENTS = (
    f"""CREATE VIRTUAL TABLE {SEARCH_INDEX} USING fts5(email_key, name_key, content='profiles',
        content_rowid='id', tokenize='trigram')""",
    f"""CREATE TRIGGER profiles_search_insert AFTER INSERT ON profiles BEGIN
        INSERT INTO {SEARCH_INDEX} (rowid, email_key, name_key) VALUES (new.id, new.email_key, new.name_key);
       END""",
    f"""CREATE TRIGGER profiles_search_delete AFTER DELETE ON profiles BEGIN
        INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}, rowid, email_key, name_key)
            VALUES ('delete', old.id, old.email_key, old.name_key);
       END""",
    f"""CREATE TRIGGER profiles_search_update AFTER UPDATE OF email_key, name_key ON profiles BEGIN
        INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}, rowid, email_key, name_key)
            VALUES ('delete', old.id, old.email_key, old.name_key);
        INSERT INTO {SEARCH_INDEX} (rowid, email_key, name_key) VALUES (new.id, new.email_key, new.name_key);
       END""",
    f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}) VALUES ('rebuild')",
)


def trigram_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite build has FTS5 with the trigram tokenizer (3.34+, compiled with FTS5)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.ec_trigram_probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    conn.execute("DROP TABLE temp.ec_trigram_probe")
    return True


def _has_search_index(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)",
                        (SEARCH_INDEX,)).fetchone()[0] == 1


def _build_search_index(conn: sqlite3.Connection) -> None:
    """Create and fill the trigram index, or leave it out on an SQLite without it (search then scans)."""
    if _has_search_index(conn):
        return
    if not trigram_available(conn):
        log.warning("SQLite %s has no FTS5 trigram tokenizer: profile search scans the table",
                    sqlite3.sqlite_version)
        return
    for statement in _SEARCH_INDEX_STATEMENTS:
        conn.execute(statement)


_V4 = Migration(4, "a trigram full-text index over the search keys, where this SQLite has one", (),
                step=_build_search_index)

def _remove_never_linked(conn: sqlite3.Connection) -> None:
    """Profiles that were never linked (a failed link used to record one as `needs_relink`): removed, each
    with an audit entry; their checks stay, filed under the application only, so no history is lost.

    Never linked = status `needs_relink` and no passing or warning check ever recorded for it. Running it
    again finds nothing more to do.
    """
    rows = conn.execute(
        """SELECT p.id, p.email, p.application_id, a.name, p.last_diagnosis,
                  (SELECT COUNT(*) FROM checks c WHERE c.profile_id = p.id)
           FROM profiles p JOIN applications a ON a.id = p.application_id
           WHERE p.status = 'needs_relink' AND NOT EXISTS (
               SELECT 1 FROM checks c WHERE c.profile_id = p.id AND c.result IN ('pass', 'warn'))
           ORDER BY p.id""").fetchall()
    if not rows:
        return
    at, user = utc_now(), _os_user()
    for profile_id, email, application_id, app_name, diagnosis, checks in rows:
        conn.execute("UPDATE checks SET application_id = COALESCE(application_id, ?), profile_id = NULL "
                     "WHERE profile_id = ?", (application_id, profile_id))
        conn.execute("DELETE FROM profiles WHERE id = ?", (profile_id,))
        why = f" (last diagnosis: {diagnosis})" if diagnosis else ""
        kept = f"{checks} check{'' if checks == 1 else 's'}"
        conn.execute(
            "INSERT INTO audit (at, os_user, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (at, user, "profile_removed_never_linked", email,
             f"through {app_name}: the link attempt failed and the account was never linked{why}; removed "
             f"by the registry upgrade (a failed link no longer records a profile); its {kept} kept under "
             f"the application"[:_MAX_TEXT]))
    log.info("registry upgrade: %d never-linked profile(s) removed", len(rows))


_V5 = Migration(5, "profiles that were never linked are removed (audited; their checks stay with the "
                   "application)", (), step=_remove_never_linked)

_V6 = Migration(6, "applications may be Microsoft Graph applications (provider 'graph')", (
    """CREATE TABLE applications_v6 (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        provider TEXT NOT NULL CHECK (provider IN ('exchange', 'google', 'graph')),
        domain TEXT NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        health TEXT
    )""",
    """INSERT INTO applications_v6 (id, name, provider, domain, settings, status, created_at, updated_at,
                                    health)
       SELECT id, name, provider, domain, settings, status, created_at, updated_at, health
       FROM applications""",
    "DROP TABLE applications",
    "ALTER TABLE applications_v6 RENAME TO applications",
    "CREATE INDEX applications_by_provider ON applications (provider, name COLLATE NOCASE)",
), rebuilds_table=True)

# Reconciliations (ec_console/reconcile.py): one row per run with its counts (NULL: that finding could not be
# told, `unknown` names the sets that could not be read), and one row per finding (no calendar contents).
# Deleting an application (only a revoked one can be) deletes its reconciliations with it.
RECONCILIATIONS_TABLE = "reconciliations"
_V7 = Migration(7, "reconciliations (scope, profiles and live probes side by side) and their findings", (
    """CREATE TABLE IF NOT EXISTS reconciliations (
        id INTEGER PRIMARY KEY,
        application_id INTEGER NOT NULL REFERENCES applications(id),
        at TEXT NOT NULL,
        operator TEXT NOT NULL,
        leaks INTEGER,
        joiners INTEGER,
        leavers INTEGER,
        broken INTEGER,
        scope_size INTEGER,
        linked_size INTEGER,
        sample_size INTEGER NOT NULL DEFAULT 0,
        sample_random INTEGER NOT NULL DEFAULT 0 CHECK (sample_random IN (0, 1)),
        unknown TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS reconciliations_by_application ON reconciliations (application_id, id)",
    """CREATE TABLE IF NOT EXISTS reconciliation_findings (
        id INTEGER PRIMARY KEY,
        reconciliation_id INTEGER NOT NULL REFERENCES reconciliations(id),
        email TEXT NOT NULL,
        finding TEXT NOT NULL CHECK (finding IN ('leak', 'joiner', 'leaver', 'broken')),
        diagnosis TEXT
    )""",
    """CREATE INDEX IF NOT EXISTS reconciliation_findings_by_run
       ON reconciliation_findings (reconciliation_id, finding)""",
    """CREATE TRIGGER IF NOT EXISTS reconciliations_go_with_application BEFORE DELETE ON applications BEGIN
        DELETE FROM reconciliation_findings WHERE reconciliation_id IN
            (SELECT id FROM reconciliations WHERE application_id = old.id);
        DELETE FROM reconciliations WHERE application_id = old.id;
       END""",
))
RECONCILIATIONS_VERSION = _V7.version

# The monitor's health history (docs/monitor.md): one row per application per monitor run, plus one row
# with no application for a run that did not check anything (skipped, keychain unreachable). No foreign
# key: the history outlives an application that is deleted, which is why the name is kept beside the id.
HEALTH_HISTORY_TABLE = "health_history"
_HEALTH_HISTORY = Migration(8, "the monitor's health history: one row per application per run", (
    """CREATE TABLE IF NOT EXISTS health_history (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        run_at TEXT NOT NULL,
        application_id INTEGER,
        application_name TEXT NOT NULL DEFAULT '',
        trigger TEXT NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
        outcome TEXT NOT NULL,
        health TEXT,
        linked INTEGER NOT NULL DEFAULT 0,
        needs_relink INTEGER NOT NULL DEFAULT 0,
        failing INTEGER NOT NULL DEFAULT 0,
        leaks INTEGER,
        diagnoses TEXT NOT NULL DEFAULT '',
        duration REAL NOT NULL DEFAULT 0,
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS health_history_by_time ON health_history (run_at, id)",
    "CREATE INDEX IF NOT EXISTS health_history_by_application ON health_history (application_id, run_at)",
    "CREATE INDEX IF NOT EXISTS health_history_by_run ON health_history (run_id)",
))

# Maintained profile counts per application and status: the window's counts, the applications' counts and
# an unfiltered (or status / application filtered) table's row count are lookups, not scans of the table.
PROFILE_COUNTS = "profile_counts"
_PROFILE_COUNTS_TRIGGERS = (
    f"""CREATE TRIGGER profile_counts_insert AFTER INSERT ON profiles BEGIN
        INSERT INTO {PROFILE_COUNTS} (application_id, status, n) VALUES (new.application_id, new.status, 1)
            ON CONFLICT (application_id, status) DO UPDATE SET n = n + 1;
       END""",
    f"""CREATE TRIGGER profile_counts_delete AFTER DELETE ON profiles BEGIN
        UPDATE {PROFILE_COUNTS} SET n = n - 1
            WHERE application_id = old.application_id AND status = old.status;
       END""",
    f"""CREATE TRIGGER profile_counts_update AFTER UPDATE OF status, application_id ON profiles
       WHEN old.status IS NOT new.status OR old.application_id IS NOT new.application_id BEGIN
        UPDATE {PROFILE_COUNTS} SET n = n - 1
            WHERE application_id = old.application_id AND status = old.status;
        INSERT INTO {PROFILE_COUNTS} (application_id, status, n) VALUES (new.application_id, new.status, 1)
            ON CONFLICT (application_id, status) DO UPDATE SET n = n + 1;
       END""",
    f"""CREATE TRIGGER profile_counts_application_delete AFTER DELETE ON applications BEGIN
        DELETE FROM {PROFILE_COUNTS} WHERE application_id = old.id;
       END""",
)
_PROFILE_COUNTS_FILL = (f"INSERT INTO {PROFILE_COUNTS} (application_id, status, n) SELECT application_id,"
                        " status, COUNT(*) FROM profiles GROUP BY application_id, status")

_PROFILE_COUNTS_MIGRATION = Migration(9, "profile counts per application and status, kept by triggers "
                                      "(back-filled)", (
    f"""CREATE TABLE IF NOT EXISTS {PROFILE_COUNTS} (
        application_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (application_id, status)
    ) WITHOUT ROWID""",
    f"DELETE FROM {PROFILE_COUNTS}",
    *(re.sub(r"^CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", t) for t in _PROFILE_COUNTS_TRIGGERS),
    _PROFILE_COUNTS_FILL,
))
# The schema version that added `profile_counts` (tests name it through this constant).
PROFILE_COUNTS_VERSION = _PROFILE_COUNTS_MIGRATION.version

# The audit's hash chain (ec_console/audit_chain.py): each row's prev_hash and row_hash, a column for the
# database's own login (NULL on SQLite), a unique index on prev_hash (no two entries can follow the same
# one: the chain cannot fork), and `audit_head`, the count and newest hash kept beside the audit by a
# trigger, so a deletion of the newest entries is seen. Existing rows are chained in id order.
AUDIT_HEAD_TABLE = "audit_head"
_AUDIT_CHAIN_BATCH = 5000
_AUDIT_NO_UPDATE = """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
       BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END"""


def _chain_audit(conn: sqlite3.Connection) -> None:
    """Add the chain's columns where missing and chain every row that has no hash yet, in id order (from the
    hash of the row before it); running it again changes nothing."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(audit)")}
    for column in ("prev_hash", "row_hash", "db_session_user"):
        if column not in columns:
            conn.execute(f"ALTER TABLE audit ADD COLUMN {column} TEXT")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    prev, after, chained = GENESIS, -(1 << 63), 0
    while True:
        rows = conn.execute(
            "SELECT id, at, os_user, db_session_user, action, subject, detail, row_hash FROM audit"
            " WHERE id > ? ORDER BY id LIMIT ?", (after, _AUDIT_CHAIN_BATCH)).fetchall()
        updates = []
        for rid, at, user, session_user, action, subject, detail, stored in rows:
            if is_hash(stored):
                prev = stored
                continue
            digest = row_hash(prev, canonical(at, user, session_user, action, subject, detail))
            updates.append((prev, digest, rid))
            prev = digest
        conn.executemany("UPDATE audit SET prev_hash = ?, row_hash = ? WHERE id = ?", updates)
        chained += len(updates)
        if len(rows) < _AUDIT_CHAIN_BATCH:
            break
        after = rows[-1][0]
    conn.execute(_AUDIT_NO_UPDATE)
    conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS audit_chain_links ON audit (prev_hash)")
    conn.execute(f"""CREATE TABLE IF NOT EXISTS {AUDIT_HEAD_TABLE} (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        entries INTEGER NOT NULL,
        head TEXT
    )""")
    conn.execute(f"INSERT OR REPLACE INTO {AUDIT_HEAD_TABLE} (id, entries, head) VALUES (1, "
                 "(SELECT COUNT(*) FROM audit), ?)", (prev,))
    conn.execute(f"""CREATE TRIGGER IF NOT EXISTS audit_head_insert AFTER INSERT ON audit BEGIN
        UPDATE {AUDIT_HEAD_TABLE} SET entries = entries + 1, head = new.row_hash WHERE id = 1;
       END""")
    if chained:
        log.info("registry upgrade: %d audit entries chained", chained)


_AUDIT_CHAIN_MIGRATION = Migration(10, "the audit's SHA-256 hash chain (existing entries chained in order)",
                                   (), step=_chain_audit)
# The schema version that added the audit's hash chain (tests name it through this constant).
AUDIT_CHAIN_VERSION = _AUDIT_CHAIN_MIGRATION.version

# On PostgreSQL the helpdesk role may record a check's finding in a profile's status (linked <->
# needs_relink, and nothing else: a trigger). SQLite has one user, the admin: nothing to do; the step keeps
# both engines' numbers in step.
_HELPDESK_FINDINGS_MIGRATION = Migration(11, "a check's finding may move a profile between linked and "
                                             "needs_relink (the helpdesk's right on PostgreSQL; nothing on "
                                             "SQLite)", ())
# The schema version that lets the helpdesk record check findings (tests name it through this constant).
HELPDESK_FINDINGS_VERSION = _HELPDESK_FINDINGS_MIGRATION.version

# On PostgreSQL the helpdesk role may append the audit entry of a credential imported into its own desktop's
# keychain (`applications import-credential`). SQLite has one user, the admin: nothing to do; the step keeps
# both engines' numbers in step.
_CREDENTIAL_IMPORT_MIGRATION = Migration(12, "a helpdesk member may record a credential imported into the "
                                             "keychain of their own desktop (the helpdesk's right on "
                                             "PostgreSQL; nothing on SQLite)", ())
# The schema version that lets the helpdesk record an imported credential (tests name it through this).
CREDENTIAL_IMPORT_VERSION = _CREDENTIAL_IMPORT_MIGRATION.version

# Check-all claims (ec_console/registry_claims.py): which run holds which profile, by whom, until when (a
# lease), so two desktops running check all at once never probe a profile twice, and a crashed run's claims
# lapse (at once for the same desktop, whose process `pid` is known to be gone). `db_user` is the database's
# login on PostgreSQL (NULL here); times are `utc_now()` text. On
# PostgreSQL the same step also adds the change notifications (registry_live.py); SQLite has no listeners.
CHECK_CLAIMS_TABLE = "check_claims"
_CHECK_CLAIMS_MIGRATION = Migration(13, "check-all claims (which run probes which profile, with a lease); "
                                        "change notifications on PostgreSQL", (
    f"""CREATE TABLE IF NOT EXISTS {CHECK_CLAIMS_TABLE} (
        profile_id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        os_user TEXT NOT NULL DEFAULT '',
        host TEXT NOT NULL DEFAULT '',
        pid INTEGER,
        db_user TEXT,
        claimed_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS check_claims_by_run ON {CHECK_CLAIMS_TABLE} (run_id)",
))
# The schema version that added check-all claims and change notifications (tests name it through this).
CHECK_CLAIMS_VERSION = _CHECK_CLAIMS_MIGRATION.version

# No lost updates between consoles: applications and profiles carry a `version`, which the database bumps
# on every UPDATE (a trigger: the console never writes it). An action a person decided on what they saw
# (revoke / relink / link a profile, revoke / edit an application, apply a reconciliation) updates
# `WHERE id = ? AND version = ?` with the version it saw, and raises ChangedElsewhere when another console
# changed the row in between. SQLite's trigger runs after the row's update (recursive triggers are off, so
# its own UPDATE fires nothing again; it names only `version`, so no other trigger fires either).
def _add_row_versions(conn: sqlite3.Connection) -> None:
    """The `version` columns where missing (so running the step again adds nothing)."""
    for table in ("applications", "profiles"):
        if "version" not in {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    for statement in _ROW_VERSION_TRIGGERS:
        conn.execute(statement)


_ROW_VERSION_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS applications_version AFTER UPDATE ON applications
       WHEN new.version = old.version BEGIN
        UPDATE applications SET version = old.version + 1 WHERE id = new.id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS profiles_version AFTER UPDATE ON profiles
       WHEN new.version = old.version BEGIN
        UPDATE profiles SET version = old.version + 1 WHERE id = new.id;
       END""",
)
_ROW_VERSIONS_MIGRATION = Migration(14, "applications and profiles carry a version, bumped on every update "
                                        "(no lost updates between consoles)", (), step=_add_row_versions)
# The schema version that added the row versions (tests name it through this constant).
ROW_VERSIONS_VERSION = _ROW_VERSIONS_MIGRATION.version

# Row versions guard what a person decides on, not what a check finds: the version moves only when a column a
# person decides on changes (profiles: status, email, display name, application; applications: name,
# provider, domain, settings, status). A check result (last_checked_at, last_result, last_diagnosis, health,
# updated_at) leaves it, so a check all on another desktop does not make a revoke here fail; a check that
# moves a profile between linked and needs_relink changes its status, and does bump it. Same trigger names
# as schema 14's, replaced (DROP ... IF EXISTS, then CREATE: running the step again changes nothing).
PROFILE_DECIDED_COLUMNS = ("status", "email", "display_name", "application_id")
APPLICATION_DECIDED_COLUMNS = ("name", "provider", "domain", "settings", "status")


def _changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"new.{c} IS NOT old.{c}" + (" COLLATE BINARY" if c != "application_id" else "")
                       for c in columns)


_DECISION_VERSIONS_MIGRATION = Migration(15, "row versions move only when a column a person decides on "
                                             "changes (a check result leaves them)", (
    "DROP TRIGGER IF EXISTS applications_version",
    f"""CREATE TRIGGER applications_version AFTER UPDATE OF {', '.join(APPLICATION_DECIDED_COLUMNS)}
       ON applications WHEN new.version = old.version AND ({_changed(APPLICATION_DECIDED_COLUMNS)}) BEGIN
        UPDATE applications SET version = old.version + 1 WHERE id = new.id;
       END""",
    "DROP TRIGGER IF EXISTS profiles_version",
    f"""CREATE TRIGGER profiles_version AFTER UPDATE OF {', '.join(PROFILE_DECIDED_COLUMNS)}
       ON profiles WHEN new.version = old.version AND ({_changed(PROFILE_DECIDED_COLUMNS)}) BEGIN
        UPDATE profiles SET version = old.version + 1 WHERE id = new.id;
       END""",
))
# The schema version from which row versions guard only decisions (tests name it through this constant).
DECISION_VERSIONS_VERSION = _DECISION_VERSIONS_MIGRATION.version

# On PostgreSQL, an index for searches of one or two characters (pg_trgm's needs three): registry_pg's
# migration of the same number. SQLite needs none: a needle of one or two characters is a LIKE over the
# table, which SQLite runs within the keystroke's budget at 100,000 profiles (docs/benchmarks.md, section 11),
# and its FTS5 trigram index cannot answer fewer than three characters either. The step keeps both engines'
# numbers in step.
_SHORT_SEARCH_MIGRATION = Migration(16, "an index for searches of one or two characters (on PostgreSQL; "
                                        "nothing on SQLite)", ())
# The schema version that added the short-search index (tests name it through this constant).
SHORT_SEARCH_VERSION = _SHORT_SEARCH_MIGRATION.version

# On PostgreSQL, audit ids one after another (the identity default and the chain trigger each took one):
# registry_pg's migration of the same number. SQLite's ids already are (the console numbers the chain
# itself); the step keeps both engines' numbers in step.
_AUDIT_IDS_MIGRATION = Migration(17, "audit ids one after another (on PostgreSQL; nothing on SQLite)", ())
# The schema version from which PostgreSQL's audit ids are consecutive (tests name it through this constant).
AUDIT_IDS_VERSION = _AUDIT_IDS_MIGRATION.version

MIGRATIONS: tuple[Migration, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _HEALTH_HISTORY,
                                     _PROFILE_COUNTS_MIGRATION, _AUDIT_CHAIN_MIGRATION,
                                     _HELPDESK_FINDINGS_MIGRATION, _CREDENTIAL_IMPORT_MIGRATION,
                                     _CHECK_CLAIMS_MIGRATION, _ROW_VERSIONS_MIGRATION,
                                     _DECISION_VERSIONS_MIGRATION, _SHORT_SEARCH_MIGRATION,
                                     _AUDIT_IDS_MIGRATION)
SCHEMA_VERSION = len(MIGRATIONS)


def _register_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("ec_search_key", 1, lambda v: search_key(v) if isinstance(v, str) else "",
                         deterministic=True)


def migrate(conn: sqlite3.Connection, target_version: int = SCHEMA_VERSION) -> int:
    """Bring `conn`'s database up to `target_version`, one transaction per migration; returns the version.

    Safe when several processes open an old file at once: each step re-reads the version under the write
    lock and skips what another process has already done.
    """
    if not 0 <= target_version <= SCHEMA_VERSION:
        raise ValueError(f"schema version {target_version} does not exist (latest is {SCHEMA_VERSION})")
    _register_functions(conn)
    for migration in MIGRATIONS[:target_version]:
        if conn.execute("PRAGMA user_version").fetchone()[0] >= migration.version:
            continue  # no write lock taken: opening an up-to-date file never waits for another writer
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        if migration.rebuilds_table:
            conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in migration.statements:
                conn.execute(statement)
            if migration.step is not None:
                migration.step(conn)
            if migration.rebuilds_table and conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise RegistryError(f"registry upgrade to schema {migration.version} would break a reference "
                                    "between its tables; nothing was changed")
            conn.execute(f"PRAGMA user_version = {migration.version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            if migration.rebuilds_table:
                conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        log.info("registry schema upgraded to version %d: %s", migration.version, migration.description)
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


# ---------------------------------------------------------------------------------------- validation

_SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "secret", "secrets", "token", "tokens",
                           "privatekey", "apikey", "credential", "credentials"})
_SECRET_PAIRS = frozenset({("private", "key"), ("api", "key"), ("client", "secret")})
# A key ending with one of these names an attribute of a secret, not the secret (e.g. Google's token_uri).
_HARMLESS_LAST_WORDS = frozenset({"uri", "url", "endpoint", "id", "type", "expiry", "expires", "expiration"})


def _key_words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _looks_secret_key(key: str) -> bool:
    words = _key_words(key)
    if not words or words[-1] in _HARMLESS_LAST_WORDS:
        return False
    if any(w in _SECRET_WORDS for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in zip(words, words[1:], strict=False))


def _looks_secret_value(value: str) -> bool:
    return "-----BEGIN" in value and "PRIVATE KEY" in value


def _refuse_secrets(value: Any, where: str, *, check_keys: bool) -> None:
    """Raise when `value` holds a secret-looking key or a PEM private key (the value is never quoted)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise RegistryInputError(f"{where}: keys must be text, not {type(key).__name__}")
            path = f"{where}.{key}"
            if check_keys and _looks_secret_key(key):
                raise RegistryInputError(
                    f"{path} looks like a secret; secrets belong in the keychain, never in the registry")
            _refuse_secrets(item, path, check_keys=check_keys)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_secrets(item, f"{where}[{index}]", check_keys=check_keys)
    elif isinstance(value, str) and _looks_secret_value(value):
        raise RegistryInputError(
            f"{where} holds a private key; secrets belong in the keychain, never in the registry")


def _json_object(value: dict[str, Any] | None, what: str, *, check_keys: bool) -> str:
    value = {} if value is None else value
    if not isinstance(value, dict):
        raise RegistryInputError(f"{what} must be a JSON object (a dict), not {type(value).__name__}")
    _refuse_secrets(value, what, check_keys=check_keys)
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise RegistryInputError(f"{what} cannot be stored as JSON: {exc}") from None


# Unicode's control characters (category Cc) are exactly U+0000-U+001F and U+007F-U+009F.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACE_RE = re.compile(r"\s")  # the characters str.isspace() accepts


def _has_control(text: str) -> bool:
    return _CONTROL_RE.search(text) is not None


def _has_surrogate(text: str) -> bool:
    """A lone surrogate (undecodable bytes of a command line) cannot be stored, nor sent to SQLite."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _clean_text(value: Any, what: str, *, max_len: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise RegistryInputError(f"{what} must be text, not {type(value).__name__}")
    text = value.strip()
    if required and not text:
        raise RegistryInputError(f"{what} is empty")
    if len(text) > max_len:
        raise RegistryInputError(f"{what} is longer than {max_len} characters")
    if _has_control(text):
        raise RegistryInputError(f"{what} contains control characters")
    return text


def _clean_email(value: Any) -> str:
    email = _clean_text(value, "email address", max_len=_MAX_EMAIL)
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or _SPACE_RE.search(email):
        raise RegistryInputError(f"{email!r} is not an email address (expected user@domain)")
    return email


def _clean_domain(value: Any) -> str:
    domain = _clean_text(value, "domain", max_len=253).lower()
    if "@" in domain or any(ch.isspace() for ch in domain) or "." not in domain.strip("."):
        raise RegistryInputError(f"{domain!r} is not a domain name (expected e.g. contoso.com)")
    return domain


def _choice(value: Any, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise RegistryInputError(f"Unknown {what} {value!r}; expected one of: {', '.join(allowed)}")
    return str(value)


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _CODE_RE.match(value):
        raise RegistryInputError(f"{what} {value!r} is not a code (lower-case letters, digits and '_')")
    return value


def _optional_code(value: Any, what: str) -> str | None:
    return None if value is None else _code(value, what)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(text: str) -> str:
    """`text` as one FTS5 string (a phrase of its trigrams): user text is never FTS5 query syntax."""
    return '"' + text.replace('"', '""') + '"'


def _chunks(ids: Sequence[int], size: int = _IN_CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _ids(ids: Iterable[int]) -> list[int]:
    out = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RegistryInputError(f"profile ids must be integers, not {type(value).__name__}")
        out.append(value)
    return out


# ------------------------------------------------------------------------------------------- queries

# Sort keys per column, then the row id: the order is total and stable. Ties go by email (then status,
# which only separates one mailbox linked through two applications). Each key list is exactly an index of
# migration 3 plus the row id, so no query without a search sorts the table.
_SORT_KEYS = {
    "email": ("p.email_key",),
    "display_name": ("p.name_key", "p.email_key", "p.status"),
    "application": ("a.name COLLATE NOCASE", "a.id", "p.email_key", "p.status"),
    "provider": ("a.provider", "a.name COLLATE NOCASE", "a.id", "p.email_key", "p.status"),
    "status": ("p.status", "p.email_key"),
    "last_checked_at": ("p.last_checked_at", "p.email_key", "p.status"),
    "last_result": ("p.last_result", "p.email_key", "p.status"),
}
_SORTS_NEEDING_JOIN = frozenset({"application", "provider"})
# The status index serves a status filter only when it alone yields the sort order; otherwise "+p.status"
# keeps SQLite from choosing it (and then sorting or looking up nearly every row of the table): the
# status is checked while the sort's or the application's index is scanned, or the table is.
_SORTS_FROM_STATUS_INDEX = frozenset({"email", "status"})

_PROFILE_COLUMNS = """p.id, p.application_id, a.name, a.provider, p.email, p.display_name, p.status,
    p.last_checked_at, p.last_result, p.last_diagnosis, p.created_at, p.updated_at, p.version"""
_PROFILE_FROM = "profiles p JOIN applications a ON a.id = p.application_id"

# Each count is a lookup in the maintained `profile_counts` (schema 7).
_APPLICATION_SELECT = """SELECT a.id, a.name, a.provider, a.domain, a.settings, a.status, a.health,
    a.created_at, a.updated_at,
    COALESCE((SELECT n FROM profile_counts c WHERE c.application_id = a.id AND c.status = 'linked'), 0),
    COALESCE((SELECT n FROM profile_counts c WHERE c.application_id = a.id AND c.status = 'needs_relink'), 0),
    COALESCE((SELECT n FROM profile_counts c WHERE c.application_id = a.id AND c.status = 'revoked'), 0),
    a.version
    FROM applications a"""

_HEALTH_COLUMNS = """run_id, run_at, application_id, application_name, trigger, outcome, health, linked,
    needs_relink, failing, leaks, diagnoses, duration, detail, id"""
_CHECK_COLUMNS = "id, profile_id, application_id, kind, result, diagnosis, report, created_at"
_AUDIT_COLUMNS = "id, at, os_user, action, subject, detail"
_CHAIN_COLUMNS = "id, at, os_user, db_session_user, action, subject, detail, prev_hash, row_hash"


def append_audit(conn: sqlite3.Connection, at: str, os_user: str, action: str, subject: str,
                 detail: str) -> int:
    """Insert one audit row chained to the newest one; returns its id. Call inside a write transaction
    (BEGIN IMMEDIATE holds SQLite's write lock, so the newest row cannot change before the insert; the
    unique index on prev_hash refuses a second row after the same one, should that ever be broken)."""
    # The newest row with a hash: a row someone added without one (which verify names) must not stop the
    # console from auditing, as chaining to the genesis value again would (its prev_hash is taken).
    newest = conn.execute("SELECT row_hash FROM audit WHERE row_hash IS NOT NULL ORDER BY id DESC LIMIT 1"
                          ).fetchone()
    prev = newest[0] if newest is not None else GENESIS
    digest = row_hash(prev, canonical(at, os_user, None, action, subject, detail))
    try:
        cur = conn.execute("INSERT INTO audit (at, os_user, db_session_user, action, subject, detail,"
                           " prev_hash, row_hash) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
                           (at, os_user, action, subject, detail, prev, digest))
    except sqlite3.IntegrityError:
        raise RegistryError("The audit's hash chain has been changed outside the console: a new entry "
                            "cannot be chained to it. Run `ec-console audit verify` to see where it "
                            "breaks.") from None
    return int(cur.lastrowid or 0)
# An entry's searchable text: its fields, separated so a word never matches across two of them.
_AUDIT_TEXT = "at || char(31) || os_user || char(31) || action || char(31) || subject || char(31) || detail"


def _audit_where(query: AuditQuery, fold: str = "ec_search_key({})") -> tuple[list[str], list[Any]]:
    """The conditions (joined by AND) and bound parameters of an audit query."""
    if not isinstance(query, AuditQuery):
        raise RegistryInputError(f"expected an AuditQuery, not {type(query).__name__}")
    clauses: list[str] = []
    params: list[Any] = []
    if query.since is not None:
        clauses.append("at >= ?")
        params.append(query.since)
    if query.before is not None:
        clauses.append("at < ?")
        params.append(query.before)
    if query.subject is not None:
        clauses.append("subject = ?")
        params.append(query.subject)
    if sum(len(w) for w in query.words) > _MAX_SEARCH:
        raise RegistryInputError(f"search text is longer than {_MAX_SEARCH} characters")
    for word in query.words:
        needle = search_key(word)
        if not needle:
            continue
        clause = f"{fold.format(_AUDIT_TEXT)} LIKE ? ESCAPE '\\'"
        params.append(f"%{_escape_like(needle)}%")
        labelled = actions_labelled(needle)
        if labelled:
            clause = f"({clause} OR action IN ({', '.join('?' * len(labelled))}))"
            params.extend(labelled)
        clauses.append(clause)
    return clauses, params


def _validate_query(query: ProfileQuery) -> None:
    if not isinstance(query, ProfileQuery):
        raise RegistryInputError(f"expected a ProfileQuery, not {type(query).__name__}")
    if query.sort not in _SORT_KEYS:
        raise RegistryInputError(
            f"Unknown sort column {query.sort!r}; choose one of: {', '.join(PROFILE_SORT_COLUMNS)}")
    if query.status is not None:
        _choice(query.status, PROFILE_STATUSES, "profile status")
    if not isinstance(query.search, str):
        raise RegistryInputError(f"search text must be text, not {type(query.search).__name__}")
    if len(query.search) > _MAX_SEARCH:
        raise RegistryInputError(f"search text is longer than {_MAX_SEARCH} characters")
    if query.application_id is not None and (isinstance(query.application_id, bool)
                                             or not isinstance(query.application_id, int)):
        raise RegistryInputError("application_id must be an integer")


def _where(query: ProfileQuery, search_index: bool = False) -> tuple[str, list[Any]]:
    """The WHERE clause (or "") and its parameters for `query`; user text is only ever a bound value.

    With `search_index`, a needle of three or more characters first narrows the rows through the trigram
    index (its candidates are a superset of the matches); the LIKE then decides on those candidates only,
    so both paths return exactly the same rows.
    """
    clauses: list[str] = []
    params: list[Any] = []
    needle = query.search.strip()
    if needle:
        if _has_control(needle) or _has_surrogate(needle):
            clauses.append("1 = 0")  # stored names never hold control characters or lone surrogates
        else:
            folded = search_key(needle)
            if search_index and len(folded) >= _TRIGRAM:
                clauses.append(f"p.id IN (SELECT rowid FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH ?)")
                params.append(_fts_phrase(folded))
            pattern = f"%{_escape_like(folded)}%"
            clauses.append("(p.email_key LIKE ? ESCAPE '\\' OR p.name_key LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
    if query.status is not None:
        by_index = query.sort in _SORTS_FROM_STATUS_INDEX and query.application_id is None and not needle
        clauses.append("p.status = ?" if by_index else "+p.status = ?")
        params.append(query.status)
    if query.application_id is not None:
        clauses.append("p.application_id = ?")
        params.append(query.application_id)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _order_by(query: ProfileQuery, *, sort_matches: bool | None = None, nulls: bool = False) -> str:
    """ORDER BY for `query`. With a search, "+" keeps SQLite from walking a sort index (and looking up every
    row to test it): scanning the table and sorting the matches is faster, as searches are selective.
    `sort_matches` False (a page of a broad search) walks the sort index instead and stops at the page.
    `nulls` spells out where NULLs go as SQLite puts them (first in ascending order), for PostgreSQL, whose
    default is the other way round."""
    direction = " DESC" if query.descending else ""
    if sort_matches is None:
        sort_matches = bool(query.search.strip())
    unary = "+" if sort_matches else ""

    def spelled(key: str) -> str:
        if nulls and key in _NULLABLE_KEYS:
            return f"{key}{direction} {'NULLS LAST' if query.descending else 'NULLS FIRST'}"
        return f"{key}{direction}"

    first, *rest = (*_SORT_KEYS[query.sort], "p.id")
    return " ORDER BY " + ", ".join([f"{unary}{spelled(first)}", *(spelled(key) for key in rest)])


_NULLABLE_KEYS = frozenset({"p.last_checked_at", "p.last_result"})


def _comparable(key: str) -> tuple[str, ...]:
    """A sort key as row-value components: a column that may be NULL (sorted first, as SQLite sorts NULL)
    becomes "is it set" and its value, so comparisons never meet a NULL."""
    if key in ("p.last_checked_at", "p.last_result"):
        return f"({key} IS NOT NULL)", f"COALESCE({key}, '')"
    return (key,)


# Keyset reads (`Registry.profile_anchors`, `profile_page` with anchors). A query's order is a sequence of
# groups, each a range of one index of migration 3 in which a row value of its columns (the row id last)
# seeks to an anchor: the whole table for email, name and status; "not checked" (NULL) and checked rows for
# the two nullable columns (NULL sorts first, as SQLite sorts it); one group per application, in the
# applications' order, for application and platform. A key is (group, *values of the group's columns).
_KEYSET_COLUMNS = {
    "email": ("p.email_key", "p.id"),
    "display_name": ("p.name_key", "p.email_key", "p.status", "p.id"),
    "status": ("p.status", "p.email_key", "p.id"),
}
_KEYSET_IN_APPLICATION = ("p.email_key", "p.status", "p.id")
_APPLICATION_ORDER = {"application": "name COLLATE NOCASE{d}, id{d}",
                      "provider": "provider{d}, name COLLATE NOCASE{d}, id{d}"}
_KeysetGroup = tuple[Any, str, tuple[Any, ...], tuple[str, ...]]  # (group, condition, parameters, columns)


def _nullable_groups(column: str, descending: bool) -> list[_KeysetGroup]:
    unset: _KeysetGroup = ("unset", f"{column} IS NULL", (), _KEYSET_IN_APPLICATION)
    checked: _KeysetGroup = ("set", f"{column} IS NOT NULL", (), (column, *_KEYSET_IN_APPLICATION))
    return [checked, unset] if descending else [unset, checked]


def check_profile_query(query: ProfileQuery) -> None:
    """Raise `RegistryInputError` (saying why) for a query the registry refuses; nothing is read."""
    _validate_query(query)


def _profile(row: Sequence[Any]) -> Profile:
    return Profile(*row)


def _application(row: Sequence[Any]) -> Application:
    return Application(row[0], row[1], row[2], row[3], json.loads(row[4]), *row[5:])


def _check(row: Sequence[Any]) -> CheckRecord:
    return CheckRecord(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7])


def _health(row: Sequence[Any]) -> HealthRow:
    values = list(row)
    values[11] = tuple(values[11].split()) if values[11] else ()
    return HealthRow(*values)


# The registry a command was given with `--registry URL` (`registry_override`): one per process, so every
# window and step of that command opens the same one.
_override_url: str | None = None


@contextmanager
def registry_override(url: str | None) -> Iterator[None]:
    """While the block runs, every region's registry is the PostgreSQL one at `url` (`--registry URL`); the
    URL is checked first (`registry_pg.parse_url`: no password, TLS verified by default). None: no change."""
    global _override_url
    if url is None:
        yield
        return
    from ec_console import registry_pg as pg

    pg.parse_url(url)
    before, _override_url = _override_url, url
    try:
        yield
    finally:
        _override_url = before


def configured_registry_url(region_id: str) -> str | None:
    """The PostgreSQL URL a region's registry lives at (`--registry`, else regions.toml), or None (its
    SQLite file)."""
    if _override_url is not None:
        return _override_url
    from ec_console.regions import load_regions

    catalog = load_regions()
    return catalog.regions[region_id].registry or None if region_id in catalog.regions else None


def open_registry(region_id: str, *, url: str | None = None) -> Registry:
    """Open region `region_id`'s registry: the PostgreSQL database of `url`, of `--registry URL` or of the
    region's `registry` in regions.toml, else its SQLite file (created if needed)."""
    path = Registry.path_for_region(region_id)
    url = url or configured_registry_url(region_id)
    registry = Registry(url) if url else Registry(path)
    registry.region_id = region_id
    return registry


def _is_postgresql_url(target: object) -> bool:
    return isinstance(target, str) and target.strip().lower().startswith(("postgresql://", "postgres://"))


def _os_user() -> str:
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # noqa: BLE001 - no login name (no USER variable, no passwd entry): still audit
        return "unknown"


# ---------------------------------------------------------------------------------------------- files

def _prepare_file(path: Path) -> None:
    """Create the registry file private to the user (0600 on POSIX) before SQLite opens it.

    SQLite gives its -wal and -shm files the database file's permissions, so they are private too.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        if os.name == "posix" and path.is_file():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                try:
                    path.chmod(0o600)
                except OSError:
                    log.warning("cannot make %s private to the user (mode %o)", path, mode)
    except OSError as exc:
        raise RegistryError(f"The registry {path} cannot be created: {exc.strerror or exc}") from exc


def _explain(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return (f"{path} is not a registry file (it is not a readable SQLite database). Move it aside to "
                "start an empty registry, or restore it from a backup.")
    if "locked" in text or "busy" in text:
        return (f"The registry {path} is busy: another console window or command has held it for too "
                "long. Try again in a moment.")
    if "readonly" in text or "read-only" in text:
        return f"The registry {path} is read-only; the console needs to write to it."
    if "unable to open" in text:
        return f"The registry {path} cannot be opened (check the folder exists and is yours)."
    return f"The registry {path} cannot be used: {text}"


# ------------------------------------------------------------------------------------------ registry

class Registry:
    """One region's registry: its SQLite file, or a PostgreSQL database named by a URL
    (`postgresql://host/db`). The same methods, answers and errors on both engines: the SQL is shared,
    written in SQLite's dialect; on PostgreSQL `registry_pg.PgConnection` translates it. Use from one thread;
    close it (or use `with`).

    `engine` is "sqlite" or "postgresql"; `where` the file or "host:port/db" (never a password); `role` the
    signed-in role ("admin" on SQLite; on PostgreSQL `registry_pg.signed_in_role`'s: "admin", "helpdesk",
    "owner" or "none"); `signed_in_as` the database's login on PostgreSQL, the OS user on SQLite.
    """

    path: Path | None
    region_id: str | None = None  # set by `open_registry` (`for_region`)

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000, password: str | None = None) -> None:
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._depth = 0
        self._os_user: str | None = None
        self._search_index = False
        self._pg = False
        self._no_limit: int | None = -1
        self._integrity_error: type[Exception] = sqlite3.IntegrityError
        if _is_postgresql_url(path):
            self._open_postgresql(str(path), password)
            return
        self.path = Path(path)
        self.engine = "sqlite"
        self.where = str(self.path)
        self.role = "admin"
        self.signed_in_as = _os_user()
        self._url: str | None = None
        _prepare_file(self.path)
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None,
                                         timeout=self._busy_timeout_ms / 1000)
        except sqlite3.Error as exc:
            raise RegistryError(_explain(self.path, exc)) from exc
        try:
            self._open()
        except sqlite3.Error as exc:
            self._conn.close()
            raise RegistryError(_explain(self.path, exc)) from exc
        except BaseException:
            self._conn.close()
            raise

    def _open_postgresql(self, url: str, password: str | None) -> None:
        """Connect to a PostgreSQL registry (`registry_pg.connect`: TLS verified, the password from the
        keychain or libpq) and check it holds a registry of this console's schema."""
        from ec_console import registry_pg as pg

        target = pg.parse_url(url)
        self.path = None
        self.engine = "postgresql"
        self.where = target.where
        self._url = url
        self._target = target
        self._password = password
        self._pg = True
        self._no_limit = None
        self._integrity_error = pg.integrity_error()
        raw = pg.connect(target, password=password, autocommit=True)
        try:
            owner = weakref.ref(self)
            self._conn = pg.PgConnection(
                raw, target, reopen=lambda: pg.connect(target, password=password, autocommit=True),
                idle=lambda: (me := owner()) is not None and me._depth == 0)
            with self._conn.errors():
                version = pg.schema_version(raw)
                signed = pg.signed_in_role(raw)
        except BaseException:
            raw.close()
            raise
        if version is None:
            raw.close()
            raise RegistryError(f"The PostgreSQL database at {target.where} holds no registry yet: its "
                                "administrator sets it up with 'ec-console registry init --url URL'.")
        if version != SCHEMA_VERSION:
            raw.close()
            newer = version > SCHEMA_VERSION
            raise RegistryError(
                f"The registry at {target.where} is at schema {version}; this console uses {SCHEMA_VERSION}. "
                + ("Update the console to use it." if newer else
                   "Its administrator upgrades it with 'ec-console registry init --url URL'."))
        self.role = signed.role
        self.signed_in_as = signed.user
        self._conn.role = signed.role

    @property
    def target(self) -> Any:
        """A PostgreSQL registry's `registry_pg.Target` (what the live-update listener connects to); None
        for a file."""
        return getattr(self, "_target", None)

    def reconnect(self) -> None:
        """Open a fresh connection to the same registry (the old one is closed; a transaction in flight on
        it is lost, so this is only called between units of work)."""
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - a broken connection may fail to close: it is dropped anyway
            pass
        self._depth = 0
        if self._pg:
            self._open_postgresql(self._url or "", self._password)
        else:
            self.__init__(self.path, busy_timeout_ms=self._busy_timeout_ms)  # type: ignore[misc]

    def reopen_elsewhere(self, start: Callable[[Callable[[], bool]], None]) -> None:
        """A PostgreSQL registry used on a thread that must not wait for the network (the GUI's): when its
        connection is lost it is opened again by `start(job)` on another thread, and meanwhile every request
        raises `ConnectionLost` at once (`registry_pg.PgConnection.reopen_elsewhere`). Nothing on SQLite."""
        if self._pg:
            self._conn.reopen_elsewhere(start)

    def connection_lost_elsewhere(self) -> None:
        """Another connection to this registry was lost (the live-update listener's): this one is opened
        again elsewhere too, before anything is sent on a network that may have gone silent."""
        if self._pg:
            self._conn.mark_lost()

    @property
    def reconnecting(self) -> bool:
        """Whether the connection is lost and being opened again elsewhere (False on SQLite)."""
        return bool(self._pg and self._conn.reopening)

    def reader(self) -> Registry:
        """Another connection to the same registry (a worker thread's own reader)."""
        return Registry.open_like(self)

    @classmethod
    def open_like(cls, other: Registry) -> Registry:
        """A new `Registry` on the same file or database as `other`."""
        if other._pg:
            return cls(other._url or "", password=other._password)
        return cls(other.path or "", busy_timeout_ms=other._busy_timeout_ms)

    def _open(self) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        self._check_identity()
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("registry %s runs in %s journal mode (WAL unavailable here)", self.path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Up to 16 MiB of page cache (SQLite's default is 2 MiB): halves the time of a bulk link, whose rows
        # land all over the profile indexes.
        conn.execute("PRAGMA cache_size = -16000")
        migrate(conn)
        self._search_index = self._open_search_index()

    def _open_search_index(self) -> bool:
        """Whether searches can use the trigram index; builds it for a file upgraded by an SQLite without it.

        A file whose index this SQLite cannot read (FTS5 missing) is refused: its triggers would make
        every write of a profile fail.
        """
        conn = self._conn
        if not _has_search_index(conn):
            if not trigram_available(conn):
                return False
            self._begin()
            try:
                _build_search_index(conn)
                conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            log.info("registry %s: profile search index built", self.path)
        try:
            conn.execute(f"SELECT rowid FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH '\"abc\"' LIMIT 0")
        except sqlite3.OperationalError as exc:
            raise RegistryError(
                f"The registry {self.path} has a search index this Python's SQLite {sqlite3.sqlite_version} "
                f"cannot read ({exc}). Run the console with a Python whose SQLite has FTS5 (3.34 or newer, "
                "as python.org's installers bundle).") from None
        # The index's vocabulary (rows per trigram), in this connection's temp schema: nothing is written
        # to the file.
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_SEARCH_VOCABULARY}"
                     f" USING fts5vocab(main, {SEARCH_INDEX}, 'row')")
        return True

    def _check_identity(self) -> None:
        """Refuse a file that is not a registry, or one written by a newer console (nothing is written)."""
        conn = self._conn
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == 0:
            has_objects = conn.execute("SELECT EXISTS (SELECT 1 FROM sqlite_master)").fetchone()[0]
            if version == 0 and not has_objects:
                return  # a new, empty file
        if app_id != APPLICATION_ID:
            raise RegistryError(f"{self.path} is an SQLite database but not an Enterprise Connect registry; "
                                "move it aside to start an empty registry.")
        if version > SCHEMA_VERSION:
            raise RegistryError(
                f"The registry {self.path} was written by a newer version of the console (schema {version}; "
                f"this version understands up to {SCHEMA_VERSION}). Update the console to open it.")

    @classmethod
    def for_region(cls, region_id: str, *, url: str | None = None) -> Registry:
        """The region's registry (`open_registry`): a PostgreSQL one when `url`, `--registry URL` or the
        region's `registry` in regions.toml names it, else (creating it if needed)
        `<data>/registry-<region_id>.sqlite3`."""
        return open_registry(region_id, url=url)

    @staticmethod
    def path_for_region(region_id: str) -> Path:
        from ec_console import paths

        if not isinstance(region_id, str) or not _REGION_ID_RE.match(region_id):
            raise RegistryInputError(
                f"{region_id!r} is not a region id (lower-case letters, digits and '-', a letter first)")
        return paths.data_dir() / f"registry-{region_id}.sqlite3"

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _narrow_by_index(self, query: ProfileQuery) -> bool:
        """Whether `query`'s search should first narrow the rows through the trigram index.

        Only a needle of three or more characters can, and only a selective one gains: the index answers
        in time proportional to its matches, the scan in time proportional to the table (measured at
        100,000 profiles: 1 ms instead of 40 ms for a few matches, 260 ms instead of 130 ms when every
        row matches). The number of rows holding the needle's first or last trigram, read from the index's
        vocabulary (under 5 ms), bounds the matches: above a fifth of the table, the scan is used. A small
        table always takes the index (either path costs about a millisecond there).
        """
        return self._search_bound(query) is not None

    def _search_bound(self, query: ProfileQuery) -> int | None:
        """None when `query`'s search does not go through the trigram index (see `_narrow_by_index`), else
        an upper bound of its matches (the profile count when the vocabulary cannot say)."""
        needle = query.search.strip()
        if not self._search_index or not needle or _has_control(needle) or _has_surrogate(needle):
            return None
        folded = search_key(needle)
        if len(folded) < _TRIGRAM:
            return None
        conn = self._conn
        total = self._total()
        try:
            bound = min(conn.execute(f"SELECT COALESCE(MAX(doc), 0) FROM temp.{_SEARCH_VOCABULARY}"
                                     " WHERE term = ?", (term,)).fetchone()[0]
                        for term in {folded[:_TRIGRAM], folded[-_TRIGRAM:]})
        except sqlite3.OperationalError:  # no vocabulary: the index alone is never wrong, only slower
            return total
        return bound if total < _SMALL_TABLE or bound * _BROAD_SEARCH_SHARE <= total else None

    def _total(self) -> int:
        """All profiles, from the maintained counts (schema 7): a COUNT(*) costs 20-150 ms at a million."""
        return int(self._conn.execute(f"SELECT COALESCE(SUM(n), 0) FROM {PROFILE_COUNTS}").fetchone()[0])

    @property
    def integrity_error(self) -> type[Exception]:
        """The engine's error for a refused constraint (a taken name, a missing reference), as raw SQL through
        `transaction()` meets it: `sqlite3.IntegrityError` or psycopg's `IntegrityError`."""
        return self._integrity_error

    @property
    def _fold(self) -> str:
        """SQL folding a text as `search_key` does (on PostgreSQL: NFKC, then lower-case)."""
        return "lower(normalize({}, NFKC))" if self._pg else "ec_search_key({})"

    @property
    def search_index(self) -> bool:
        """Whether searches of three or more characters go through the trigram index (False: LIKE scan;
        on PostgreSQL the planner chooses the pg_trgm index where it pays)."""
        return self._search_index or self._pg

    @property
    def schema_version(self) -> int:
        if self._pg:
            from ec_console import registry_pg as pg

            return int(self._conn.read(pg.schema_version) or 0)
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # ------------------------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error). Nested use joins the outer transaction.

        A nested block is a savepoint: if it raises, its own changes are undone and the error propagates;
        the outer transaction decides the rest.
        """
        if self._depth:
            yield from self._savepoint()
            return
        self._begin()
        self._depth = 1
        try:
            yield self._conn
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise RegistryError(_explain(self.path, exc)) from exc
        except BaseException:
            self._rollback()
            raise

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        name = f"ec_unit_{self._depth}"
        self._conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self._conn
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")
            raise
        else:
            self._conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def _begin(self) -> None:
        if self._pg:
            self._conn.execute("BEGIN")
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise RegistryError(_explain(self.path, exc)) from exc

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except RegistryError:  # the connection is gone: so is its transaction
            if not self._pg:
                raise

    # ------------------------------------------------------------------------------------ applications

    def add_application(self, name: str, provider: str, domain: str,
                        settings: dict[str, Any] | None = None) -> Application:
        name = _clean_text(name, "application name", max_len=_MAX_NAME)
        provider = _choice(provider, PROVIDERS, "provider")
        domain = _clean_domain(domain)
        settings_json = _json_object(settings, "settings", check_keys=True)
        now = utc_now()
        with self.transaction() as conn:
            try:
                cur = conn.execute(
                    "INSERT INTO applications (name, provider, domain, settings, status, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?)",
                    (name, provider, domain, settings_json, now, now))
            except self._integrity_error:
                raise AlreadyExists(f"An application named {name!r} already exists in this region") from None
            return self.get_application(int(cur.lastrowid or 0))

    def get_application(self, application_id: int) -> Application:
        row = self._conn.execute(f"{_APPLICATION_SELECT} WHERE a.id = ?",
                                 (application_id,)).fetchone()
        if row is None:
            raise NotFound(f"No application with id {application_id} in this region")
        return _application(row)

    def find_application(self, name: str) -> Application | None:
        if not isinstance(name, str):
            return None
        row = self._conn.execute(f"{_APPLICATION_SELECT} WHERE a.name = ? COLLATE NOCASE",
                                 (name.strip(),)).fetchone()
        return None if row is None else _application(row)

    def list_applications(self, *, include_revoked: bool = True) -> list[Application]:
        """Every application by name, each with its linked / needs_relink / revoked profile counts."""
        where = "" if include_revoked else " WHERE a.status = 'active'"
        rows = self._conn.execute(
            f"{_APPLICATION_SELECT}{where} ORDER BY a.name COLLATE NOCASE, a.id").fetchall()
        return [_application(r) for r in rows]

    def update_application(self, application_id: int, *, settings: dict[str, Any] | None = None,
                           status: str | None = None, health: str | None | Literal["unchanged"] = "unchanged",
                           provider: str | None = None, version: int | None = None) -> Application:
        """Change what is given. With `version` (the one the person saw), only that version of the row is
        changed: ChangedElsewhere when another console changed it since."""
        sets: list[str] = []
        params: list[Any] = []
        if provider is not None:     # an Exchange Online application moving to Microsoft Graph
            sets.append("provider = ?")
            params.append(_choice(provider, PROVIDERS, "provider"))
        if settings is not None:
            sets.append("settings = ?")
            params.append(_json_object(settings, "settings", check_keys=True))
        if status is not None:
            sets.append("status = ?")
            params.append(_choice(status, APPLICATION_STATUSES, "application status"))
        if health != "unchanged":
            sets.append("health = ?")
            params.append(_optional_code(health, "health"))
        with self.transaction() as conn:
            current = self.get_application(application_id)
            if sets:
                seen = "" if version is None else " AND version = ?"
                cur = conn.execute(
                    f"UPDATE applications SET {', '.join(sets)}, updated_at = ? WHERE id = ?{seen}",
                    (*params, utc_now(), application_id, *(() if version is None else (version,))))
                if cur.rowcount == 0:
                    raise ChangedElsewhere("application", current.name, current.status)
            return self.get_application(application_id)

    def rename_application(self, application_id: int, new_name: str, *,
                           version: int | None = None) -> Application:
        """Give the application another name (unique in the region, case-insensitively; a change of case
        alone is allowed). The caller moves its keychain secret, which is filed under the name. With
        `version` (the one the person saw): ChangedElsewhere when another console changed it since."""
        name = _clean_text(new_name, "application name", max_len=_MAX_NAME)
        with self.transaction() as conn:
            current = self.get_application(application_id)
            seen = "" if version is None else " AND version = ?"
            try:
                cur = conn.execute(
                    f"UPDATE applications SET name = ?, updated_at = ? WHERE id = ?{seen}",
                    (name, utc_now(), application_id, *(() if version is None else (version,))))
            except self._integrity_error:
                raise AlreadyExists(f"An application named {name!r} already exists in this region") from None
            if cur.rowcount == 0:
                raise ChangedElsewhere("application", current.name, current.status)
            return self.get_application(application_id)

    def delete_application(self, application_id: int) -> tuple[int, int]:
        """Delete a *revoked* application with its profiles and stored checks, in one transaction; returns
        (profiles, checks) deleted. Its audit entries stay: the audit trail is append-only. An active
        application is refused (revoke it first)."""
        with self.transaction() as conn:
            app = self.get_application(application_id)
            if app.status != "revoked":
                raise RegistryInputError(f"{app.name!r} is not revoked: only a revoked application can be "
                                         "removed (revoke it first)")
            checks = conn.execute(
                "DELETE FROM checks WHERE application_id = ? OR profile_id IN"
                " (SELECT id FROM profiles WHERE application_id = ?)", (application_id, application_id)
            ).rowcount
            profiles = conn.execute("DELETE FROM profiles WHERE application_id = ?",
                                    (application_id,)).rowcount
            conn.execute("DELETE FROM applications WHERE id = ?", (application_id,))
            return profiles, checks

    # ---------------------------------------------------------------------------------------- profiles

    def add_profile(self, application_id: int, email: str, display_name: str = "",
                    status: str = "linked") -> Profile:
        email = _clean_email(email)
        display_name = _clean_text(display_name, "display name", max_len=_MAX_NAME, required=False)
        status = _choice(status, PROFILE_STATUSES, "profile status")
        now = utc_now()
        with self.transaction() as conn:
            app = self.get_application(application_id)
            try:
                cur = conn.execute(
                    "INSERT INTO profiles (application_id, email, display_name, status, email_key, name_key,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (application_id, email, display_name, status, search_key(email), search_key(display_name),
                     now, now))
            except self._integrity_error:
                raise AlreadyExists(f"{email} is already linked through {app.name!r}") from None
            return self.get_profile(int(cur.lastrowid or 0))

    def add_profiles(self, application_id: int, entries: Iterable[tuple[str, str]], *,
                     status: str = "linked", skip_existing: bool = False) -> int:
        """Add many (email, display name) profiles in one transaction; returns how many were added.

        With `skip_existing`, emails already linked through the application are left as they are;
        otherwise the first one makes the whole call fail (nothing is added).
        """
        status = _choice(status, PROFILE_STATUSES, "profile status")
        now = utc_now()
        rows = []
        for email, display_name in entries:
            email = _clean_email(email)
            name = _clean_text(display_name, "display name", max_len=_MAX_NAME, required=False)
            rows.append((application_id, email, name, status, search_key(email), search_key(name), now, now))
        ignore = " ON CONFLICT DO NOTHING" if skip_existing else ""
        app = self.get_application(application_id)
        try:
            with self.transaction() as conn:
                cur = conn.executemany(
                    "INSERT INTO profiles (application_id, email, display_name, status, email_key, name_key,"
                    f" created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?){ignore}", rows)
                return max(cur.rowcount, 0)  # rows inserted (the search index's trigger writes not counted)
        except self._integrity_error:  # the batch is undone: name the first email that clashes
            raise AlreadyExists(self._duplicate_message(app, [r[1] for r in rows])) from None

    def bulk_load_profiles(self, rows: Iterable[tuple[int, str, str, str, str | None, str | None, str | None]]
                           ) -> int:
        """Insert many profiles fast (a sample registry, a migration of another tool's data): rows of
        (application_id, email, display name, status, last checked at, last result, last diagnosis).

        One transaction: a failed or interrupted load leaves the registry as it was. Every row is validated
        as `add_profiles` validates (as it streams in); a duplicate or an unknown application fails the whole
        call. The rows are staged in a temporary table and moved into `profiles` in the order of its unique
        (application, email) index, so that index is filled in order instead of at random; the profile
        indexes are dropped and built again once at the end (sorted builds, on two threads), the search index
        is rebuilt once (with a 64 MiB term buffer instead of 1 MiB), and the maintained counts are
        recomputed in one statement, instead of per-row trigger and index work; other triggers stay active.
        New rows get ids in (application, email) order. When the registry holds no profile yet (a new file)
        and no other connection has it open, the load runs with a rollback journal instead of the WAL:
        pages the file did not have before are then written once and never journaled, and a crash is rolled
        back on the next open (WAL mode is restored at the end). Returns how many rows were added.
        """
        now = utc_now()
        known: set[int] = set()

        def prepared() -> Iterator[tuple[Any, ...]]:
            for application_id, email, name, status, checked_at, result, diagnosis in rows:
                if application_id not in known:
                    raise NotFound(f"No application with id {application_id} in this region")
                email = _clean_email(email)
                name = _clean_text(name, "display name", max_len=_MAX_NAME, required=False)
                status = _choice(status, PROFILE_STATUSES, "profile status")
                if checked_at is not None and not _TIME_RE.match(checked_at):
                    raise RegistryInputError(f"{checked_at!r} is not a registry time ({_TIME_FORMAT})")
                if result is not None:
                    _choice(result, CHECK_RESULTS, "check result")
                yield (application_id, email, name, status, search_key(email), search_key(name),
                       checked_at, result, _optional_code(diagnosis, "diagnosis"))

        if self._pg:
            return self._bulk_load_pg(prepared(), known, now)
        conn = self._conn
        # A larger page cache for the index builds' sorts while it runs (256 MiB, given back after), and a
        # second thread for SQLite's sorter.
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        threads = conn.execute("PRAGMA threads").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
        conn.execute("PRAGMA threads = 2")
        journal = None if self._depth else self._bulk_journal()  # (inside a caller's transaction: the WAL)
        try:
            return self._bulk_load(prepared(), known, now)
        finally:
            conn.execute("DROP TABLE IF EXISTS temp.ec_bulk_profiles")
            if journal is not None:
                conn.execute(f"PRAGMA journal_mode = {journal}")
            conn.execute(f"PRAGMA threads = {int(threads)}")
            conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def _bulk_load_pg(self, prepared: Iterator[tuple[Any, ...]], known: set[int], now: str) -> int:
        """PostgreSQL's bulk load: the rows stream in through COPY in one transaction (the maintained counts
        and the trigram index follow by themselves); a duplicate fails the whole call."""
        columns = ("application_id, email, display_name, status, email_key, name_key, last_checked_at,"
                   " last_result, last_diagnosis, created_at, updated_at")
        with self.transaction() as conn:
            known.update(r[0] for r in conn.execute("SELECT id FROM applications"))
            added = 0
            try:
                with conn.errors("INSERT INTO profiles"), conn.raw.cursor() as cursor, \
                        cursor.copy(f"COPY profiles ({columns}) FROM STDIN") as copy:
                    for row in prepared:
                        copy.write_row((*row, now, now))
                        added += 1
            except self._integrity_error:
                raise AlreadyExists("an email is given twice for one application, or is already linked "
                                    "through it; nothing was added") from None
            return added

    def _bulk_journal(self) -> str | None:
        """For a load into a registry without profiles: switch to a rollback journal (returns the mode to
        restore), or None (the WAL stays: profiles exist, or another connection has the file open)."""
        conn = self._conn
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "wal" or conn.execute("SELECT EXISTS (SELECT 1 FROM profiles)").fetchone()[0]:
            return None
        try:
            switched = str(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]).lower()
        except sqlite3.OperationalError:  # another connection holds the file: keep the WAL
            return None
        # `synchronous` stays NORMAL: the journal is synced before the file's own pages are overwritten
        # (OFF saved nothing measurable at a million rows).
        return None if switched == "wal" else mode

    def _bulk_load(self, prepared: Iterator[tuple[Any, ...]], known: set[int], now: str) -> int:
        columns = ("application_id, email, display_name, status, email_key, name_key, last_checked_at,"
                   " last_result, last_diagnosis")
        with self.transaction() as conn:
            known.update(r[0] for r in conn.execute("SELECT id FROM applications"))
            conn.execute(f"CREATE TEMP TABLE ec_bulk_profiles ({columns})")
            # Rows are validated as they are staged: a bad one raises and the transaction undoes them all.
            conn.executemany(f"INSERT INTO temp.ec_bulk_profiles VALUES ({', '.join('?' * 9)})", prepared)
            rebuilt = ("profiles_search_insert", "profiles_search_delete", "profiles_search_update",
                       "profile_counts_insert", "profile_counts_delete", "profile_counts_update")
            saved = conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'profiles' AND sql IS NOT NULL"
                " AND (type = 'index' OR (type = 'trigger' AND name IN (?, ?, ?, ?, ?, ?)))",
                rebuilt).fetchall()
            for kind, name, _sql in saved:
                conn.execute(f"DROP {kind.upper()} {name}")
            last_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM profiles").fetchone()[0]
            try:
                cur = conn.execute(
                    f"INSERT INTO profiles ({columns}, created_at, updated_at) SELECT {columns}, ?, ?"
                    " FROM temp.ec_bulk_profiles ORDER BY application_id, email COLLATE NOCASE", (now, now))
            except sqlite3.IntegrityError:
                raise AlreadyExists("an email is given twice for one application, or is already linked "
                                    "through it; nothing was added") from None
            added = max(cur.rowcount, 0)
            conn.execute("DROP TABLE temp.ec_bulk_profiles")
            if _has_search_index(conn):
                self._index_for_search(last_id, added)
            for _kind, _name, sql in saved:
                conn.execute(sql)
            conn.execute(f"DELETE FROM {PROFILE_COUNTS}")
            conn.execute(_PROFILE_COUNTS_FILL)
            return added

    def _index_for_search(self, last_id: int, added: int) -> None:
        """Add the rows a bulk load added (ids above `last_id`) to the search index, in id order.

        FTS5 starts a new segment whenever a row id goes down, and its `'rebuild'` reads the rows with a
        plain SELECT that SQLite answers from the name index (it holds both keys), in name order: six
        times the work at a million. Rows given in id order fill its term buffer, flushed whenever it is
        full: 64 MiB during the load instead of 1 MiB (far fewer segments to merge), then the default again.
        """
        conn = self._conn
        conn.execute(f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}, rank) VALUES ('hashsize', ?)",
                     (64 * 2**20,))
        if conn.execute("SELECT COUNT(*) FROM profiles WHERE id > ?", (last_id,)).fetchone()[0] == added:
            conn.execute(f"INSERT INTO {SEARCH_INDEX} (rowid, email_key, name_key)"
                         " SELECT id, email_key, name_key FROM profiles WHERE id > ? ORDER BY id", (last_id,))
        else:  # ids were not all above the last one (the id space is full): index every row again
            conn.execute(f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}) VALUES ('rebuild')")
        conn.execute(f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}, rank) VALUES ('hashsize', ?)",
                     (2**20,))  # SQLite's default again, for this connection and (row gone) others
        conn.execute(f"DELETE FROM {SEARCH_INDEX}_config WHERE k = 'hashsize'")

    def _duplicate_message(self, app: Application, emails: list[str]) -> str:
        seen: set[str] = set()
        for email in emails:
            key = email.lower()
            if key in seen or self.find_profile(app.id, email) is not None:
                return f"{email} is already linked through {app.name!r}; nothing was added"
            seen.add(key)
        return f"an email is already linked through {app.name!r}; nothing was added"

    def get_profile(self, profile_id: int) -> Profile:
        row = self._conn.execute(f"SELECT {_PROFILE_COLUMNS} FROM {_PROFILE_FROM} WHERE p.id = ?",
                                 (profile_id,)).fetchone()
        if row is None:
            raise NotFound(f"No profile with id {profile_id} in this region")
        return _profile(row)

    def find_profile(self, application_id: int, email: str) -> Profile | None:
        if not isinstance(email, str):
            return None
        row = self._conn.execute(
            f"SELECT {_PROFILE_COLUMNS} FROM {_PROFILE_FROM}"
            " WHERE p.application_id = ? AND p.email = ? COLLATE NOCASE", (application_id, email.strip())
        ).fetchone()
        return None if row is None else _profile(row)

    def set_profile_status(self, profile_id: int, status: str, *, version: int | None = None) -> Profile:
        return self.update_profile(profile_id, status=status, version=version)

    def update_profile(self, profile_id: int, *, status: str | None = None,
                       display_name: str | None = None, version: int | None = None) -> Profile:
        """Change what is given. With `version` (the one the person saw), only that version of the row is
        changed: ChangedElsewhere when another console changed it since."""
        sets: list[str] = []
        params: list[Any] = []
        if status is not None:
            sets.append("status = ?")
            params.append(_choice(status, PROFILE_STATUSES, "profile status"))
        if display_name is not None:
            name = _clean_text(display_name, "display name", max_len=_MAX_NAME, required=False)
            sets += ["display_name = ?", "name_key = ?"]
            params += [name, search_key(name)]
        return self._update_profile(profile_id, sets, params, version)

    def record_profile_check(self, profile_id: int, *, result: str, diagnosis: str | None = None,
                             status: str | None = None, checked_at: str | None = None) -> Profile:
        """Store a probe's outcome on the profile: last check time, result, diagnosis (and status if given).

        Leave `status` None for an outcome that must not change it (throttled, timed out).
        """
        sets = ["last_checked_at = ?", "last_result = ?", "last_diagnosis = ?"]
        params: list[Any] = [checked_at or utc_now(), _choice(result, CHECK_RESULTS, "check result"),
                             _optional_code(diagnosis, "diagnosis")]
        if status is not None:
            sets.append("status = ?")
            params.append(_choice(status, PROFILE_STATUSES, "profile status"))
        return self._update_profile(profile_id, sets, params)

    def _update_profile(self, profile_id: int, sets: list[str], params: list[Any],
                        version: int | None = None) -> Profile:
        with self.transaction() as conn:
            if sets:
                seen = "" if version is None else " AND version = ?"
                cur = conn.execute(
                    f"UPDATE profiles SET {', '.join(sets)}, updated_at = ? WHERE id = ?{seen}",
                    (*params, utc_now(), profile_id, *(() if version is None else (version,))))
                if cur.rowcount == 0:
                    now = self.get_profile(profile_id)       # NotFound when it is gone
                    raise ChangedElsewhere("profile", now.email, now.status)
            return self.get_profile(profile_id)

    def set_profiles_status(self, profile_ids: Sequence[int], status: str) -> int:
        """Set the status of many profiles at once (a selection in the table); returns how many changed."""
        status = _choice(status, PROFILE_STATUSES, "profile status")
        ids = _ids(profile_ids)
        now = utc_now()
        changed = 0
        with self.transaction() as conn:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                cur = conn.execute(f"UPDATE profiles SET status = ?, updated_at = ? WHERE id IN ({marks})"
                                   " AND status != ?", (status, now, *chunk, status))
                changed += cur.rowcount
        return changed

    def set_application_profiles_status(self, application_id: int, status: str) -> int:
        """Set the status of every profile of an application (e.g. revoking it); returns how many changed."""
        status = _choice(status, PROFILE_STATUSES, "profile status")
        with self.transaction() as conn:
            self.get_application(application_id)
            cur = conn.execute("UPDATE profiles SET status = ?, updated_at = ? WHERE application_id = ?"
                               " AND status != ?", (status, utc_now(), application_id, status))
            return cur.rowcount

    def profile_ids(self, query: ProfileQuery = ProfileQuery()) -> list[int]:
        """Ids of every matching profile in sort order (filter and sort in SQL; ties broken by id)."""
        _validate_query(query)
        where, params = _where(query, self._narrow_by_index(query))
        join = " JOIN applications a ON a.id = p.application_id" if query.sort in _SORTS_NEEDING_JOIN else ""
        order = _order_by(query, nulls=self._pg)
        rows = self._conn.execute(f"SELECT p.id FROM profiles p{join}{where}{order}", params)
        return [r[0] for r in rows.fetchall()]

    def profiles_by_ids(self, ids: Sequence[int]) -> list[Profile]:
        """Rows for `ids`, in the order given (missing ids are left out)."""
        wanted = _ids(ids)
        found: dict[int, Profile] = {}
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                    f"SELECT {_PROFILE_COLUMNS} FROM {_PROFILE_FROM} WHERE p.id IN ({marks})", chunk):
                found[row[0]] = _profile(row)
        return [found[i] for i in wanted if i in found]

    def list_profiles(self, query: ProfileQuery = ProfileQuery(), *, limit: int | None = None,
                      offset: int = 0) -> list[Profile]:
        """One page of matching profiles in sort order."""
        _validate_query(query)
        if (limit is not None and limit < 0) or offset < 0:
            raise RegistryInputError("limit and offset must not be negative")
        where, params = _where(query, self._narrow_by_index(query))
        rows = self._conn.execute(
            f"SELECT {_PROFILE_COLUMNS} FROM {_PROFILE_FROM}{where}{_order_by(query, nulls=self._pg)}"
            " LIMIT ? OFFSET ?",
            (*params, self._no_limit if limit is None else limit, offset))
        return [_profile(r) for r in rows.fetchall()]

    def count_profiles(self, query: ProfileQuery = ProfileQuery()) -> int:
        """How many profiles match `query`: a lookup in the maintained counts without a search, a scan
        (or the trigram index) with one."""
        _validate_query(query)
        if not query.search.strip():
            clauses, params = [], []
            if query.status is not None:
                clauses.append("status = ?")
                params.append(query.status)
            if query.application_id is not None:
                clauses.append("application_id = ?")
                params.append(query.application_id)
            where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
            return int(self._conn.execute(f"SELECT COALESCE(SUM(n), 0) FROM {PROFILE_COUNTS}{where}",
                                          params).fetchone()[0])
        if self._pg:  # PostgreSQL's own plan (the trigram index, or the one for one or two characters)
            from ec_console import registry_pg as pg

            with self._conn.errors():
                return pg.count_profiles(self._conn.raw, query)
        where, params = _where(query, self._narrow_by_index(query))
        return int(self._conn.execute(f"SELECT COUNT(*) FROM profiles p{where}", params).fetchone()[0])

    def status_counts(self, *, application_id: int | None = None) -> dict[str, int]:
        """Profiles per status (every status present, zero included), optionally for one application: read
        from the maintained counts (schema 7), never a scan of the profiles."""
        where, params = "", ()
        if application_id is not None:
            where, params = " WHERE application_id = ?", (application_id,)
        counts = dict.fromkeys(PROFILE_STATUSES, 0)
        for status, count in self._conn.execute(
                f"SELECT status, SUM(n) FROM {PROFILE_COUNTS}{where} GROUP BY status", params):
            counts[status] = int(count)
        return counts

    def profile_page(self, query: ProfileQuery, offset: int, limit: int, *,
                     total: int | None = None, anchors: ProfileAnchors | None = None) -> list[Profile]:
        """`limit` matching profiles from position `offset` in `query`'s order: the rows a table shows.

        The ids come from the sort column's index (`LIMIT`/`OFFSET` on it, rows looked up only for the
        page); given `total` (the query's row count), a page in the second half is read from the other end
        of the index, so no page walks more than half of it. Given `anchors` of this query
        (`profile_anchors`), a page is read from the nearest anchor before it when that is nearer than
        both ends: a seek in the index and fewer than `anchors.every` rows stepped over (anchors of another
        query are ignored). A search whose trigram candidates are few sorts them; any other one walks the
        sort index and stops at the page. The rows are the same whichever way they are read.
        """
        _validate_query(query)
        if offset < 0 or limit < 0:
            raise RegistryInputError("limit and offset must not be negative")
        if anchors is not None and anchors.query == query and offset >= anchors.every and limit:
            nearest = min(offset // anchors.every, len(anchors.keys))
            skip = offset - nearest * anchors.every
            from_end = None if total is None else total - min(total, offset + limit)
            bound = self._search_bound(query)
            few = bound is not None and bound <= max(_SORT_MATCHES,
                                                     (2 * (skip + limit) * self._total()) ** 0.5)
            if nearest and (from_end is None or skip <= from_end) and not few:
                where, params = _where(query)
                keys = self._keyset_rows(query, self._keyset_groups(query), where, params,
                                         anchors.keys[nearest - 1], skip, limit)
                if keys is not None:
                    return self.profiles_by_ids([key[-1] for key in keys])
        if self._pg:  # PostgreSQL's own plan for a page (the trigram index, the maintained counts)
            from ec_console import registry_pg as pg

            return self._conn.read(lambda raw: pg.profile_page(raw, query, offset, limit, total=total))
        reverse = total is not None and offset + limit // 2 > total // 2 and offset < total
        if reverse:
            end = min(total, offset + limit)
            query = replace(query, descending=not query.descending)
            offset, limit = total - end, end - offset
        # Few candidates in the trigram index: read and sort them (cost ~ candidates). Many (or a needle
        # the index cannot answer): walk the sort index, testing each row, and stop at the page (cost ~
        # page x rows / matches: a needle in 4% of a million rows fills a page after about 5,000 rows).
        # A needle the index cannot answer (one or two characters) whose count is known and small: one scan
        # of the table and a sort of its few matches, instead of walking the whole sort index to find them
        # (a two-character needle in no row: 40 ms instead of 400 ms at 100,000 profiles).
        bound = self._search_bound(query)
        narrow = bound is not None
        if bound is None and total is not None and query.search.strip():
            bound = total
        few = bound is not None and bound <= max(_SORT_MATCHES, (2 * (offset + limit) * self._total()) ** 0.5)
        where, params = _where(query, few and narrow)
        join = " JOIN applications a ON a.id = p.application_id" if query.sort in _SORTS_NEEDING_JOIN else ""
        order = _order_by(query, sort_matches=few, nulls=self._pg)
        ids = [r[0] for r in self._conn.execute(
            f"SELECT p.id FROM profiles p{join}{where}{order} LIMIT ? OFFSET ?", (*params, limit, offset))]
        if reverse:
            ids.reverse()
        return self.profiles_by_ids(ids)

    def profile_anchors(self, query: ProfileQuery, *, every: int = ANCHOR_EVERY) -> ProfileAnchors:
        """Every `every`-th row's sort key of `query` (`ProfileAnchors`), for `profile_page(anchors=...)`:
        one walk of the query's rows, `every` rows per step inside SQLite (about 0.3 s at a million without
        a search; a search tests each row as it is walked). Run it off the GUI thread; `time_budget` stops
        it."""
        _validate_query(query)
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise RegistryInputError("the anchors' spacing must be a positive integer")
        where, params = _where(query)
        groups = self._keyset_groups(query)
        keys: list[tuple[Any, ...]] = []
        key: tuple[Any, ...] | None = None
        while True:
            rows = self._keyset_rows(query, groups, where, params, key, every, 1)
            if not rows:
                return ProfileAnchors(query, every, tuple(keys))
            key = rows[0]
            keys.append(key)

    def _keyset_groups(self, query: ProfileQuery) -> list[_KeysetGroup]:
        """`query`'s order as keyset groups (see _KEYSET_COLUMNS)."""
        if query.sort in _KEYSET_COLUMNS:
            return [("all", "1 = 1", (), _KEYSET_COLUMNS[query.sort])]
        if query.sort in ("last_checked_at", "last_result"):
            return _nullable_groups(f"p.{query.sort}", query.descending)
        order = _APPLICATION_ORDER[query.sort].format(d=" DESC" if query.descending else "")
        only, params = "", ()
        if query.application_id is not None:
            only, params = " WHERE id = ?", (query.application_id,)
        return [(app_id, "p.application_id = ?", (app_id,), _KEYSET_IN_APPLICATION)
                for (app_id,) in self._conn.execute(f"SELECT id FROM applications{only} ORDER BY {order}",
                                                    params)]

    def _keyset_rows(self, query: ProfileQuery, groups: list[_KeysetGroup], where: str, params: list[Any],
                     start: tuple[Any, ...] | None, skip: int, limit: int) -> list[tuple[Any, ...]] | None:
        """Keys (the row id last) of `limit` rows of `query` from the row with key `start` (or the first
        row) on, after skipping `skip`; None when `start`'s group no longer exists."""
        op, direction = ("<=", " DESC") if query.descending else (">=", "")
        keys: list[tuple[Any, ...]] = []
        started = start is None
        for group, condition, group_params, columns in groups:
            clauses, values = [condition], [*group_params]
            if not started:
                if group != start[0]:
                    continue
                started = True
                clauses.append(f"({', '.join(columns)}) {op} ({', '.join('?' * len(columns))})")
                values += start[1:]
            scope = f"{where}{' AND' if where else ' WHERE'} {' AND '.join(clauses)}"
            order = ", ".join(f"{column}{direction}" for column in columns)
            rows = self._conn.execute(
                f"SELECT {', '.join(columns)} FROM profiles p{scope} ORDER BY {order} LIMIT ? OFFSET ?",
                (*params, *values, limit, skip)).fetchall()
            if rows:
                keys += [(group, *row) for row in rows]
                limit, skip = limit - len(rows), 0
                if not limit:
                    break
            elif skip:  # the group holds `skip` rows or fewer: count them and skip the rest further on
                skip -= self._conn.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM profiles p{scope} LIMIT ?)"
                                           " AS t",
                                           (*params, *values, skip)).fetchone()[0]
        return keys if started else None

    def iter_profiles(self, query: ProfileQuery = ProfileQuery(), *, limit: int | None = None,
                      batch: int = 500) -> Iterator[Profile]:
        """Every matching profile in sort order through one cursor read `batch` rows at a time: memory does
        not grow with the registry (exports, `profiles list`). Do not write through this registry while
        iterating."""
        _validate_query(query)
        if (limit is not None and limit < 0) or batch < 1:
            raise RegistryInputError("limit must not be negative and batch must be positive")
        where, params = _where(query, self._narrow_by_index(query))
        sql = (f"SELECT {_PROFILE_COLUMNS} FROM {_PROFILE_FROM}{where}{_order_by(query, nulls=self._pg)}"
               " LIMIT ?")
        params = [*params, self._no_limit if limit is None else limit]
        if self._pg:   # a server-side cursor: the result stays on the server, read `batch` rows at a time
            rows_of = self._conn.stream(sql, params, batch=batch)
            try:
                for row in rows_of:
                    yield _profile(row)
            finally:
                rows_of.close()
            return
        cursor = self._conn.execute(sql, params)
        try:
            while rows := cursor.fetchmany(batch):
                for row in rows:
                    yield _profile(row)
        finally:
            cursor.close()

    @contextmanager
    def time_budget(self, milliseconds: float | None = None, *, stop: Callable[[], bool] | None = None,
                    check_every: int = 1000) -> Iterator[None]:
        """Reads inside the block stop with `QueryTimedOut` once `milliseconds` have passed or `stop()` is
        true (the GUI asks for a frame's worth and hands what does not fit to a worker, whose reads stop
        when a newer keystroke makes them stale). The check runs every `check_every` SQLite instructions
        and takes Python's interpreter lock: a worker thread checks rarely, so that its long read does not
        compete with the GUI thread for the lock."""
        if self._pg:
            yield from self._time_budget_pg(milliseconds, stop)
            return
        deadline = None if milliseconds is None else time.perf_counter() + milliseconds / 1000

        def expired() -> bool:
            return (deadline is not None and time.perf_counter() > deadline) or (stop is not None and stop())

        self._conn.set_progress_handler(expired, check_every)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise QueryTimedOut("the read was stopped (time budget spent or no longer wanted)") from None
            raise
        finally:
            self._conn.set_progress_handler(None, 0)

    def _time_budget_pg(self, milliseconds: float | None, stop: Callable[[], bool] | None) -> Iterator[None]:
        """PostgreSQL's time budget: the server's `statement_timeout` for each read in the block, and a
        watcher that cancels the read in flight once `stop()` is true."""
        import threading

        import psycopg

        done = threading.Event()
        watcher = None
        if stop is not None:
            conn = self._conn

            def watch() -> None:
                while not done.wait(0.02):
                    if stop():
                        try:
                            conn.raw.cancel()   # the connection of the moment (it may have been opened again)
                        except Exception:  # noqa: BLE001 - nothing to cancel, or the connection is gone
                            pass
                        return

            watcher = threading.Thread(target=watch, name="ec-registry-read-watch", daemon=True)
            watcher.start()
        timeout = 0 if milliseconds is None else max(1, int(milliseconds))
        try:
            if timeout:
                self._conn.execute(f"SET statement_timeout = {timeout}")
            yield
        except psycopg.errors.QueryCanceled:
            raise QueryTimedOut("the read was stopped (time budget spent or no longer wanted)") from None
        finally:
            done.set()
            if watcher is not None:
                watcher.join()
            if timeout:
                self._conn.execute("SET statement_timeout = 0")

    def profile_position(self, query: ProfileQuery, profile_id: int) -> int | None:
        """The row of `profile_id` in `query`'s order (0-based), or None when it does not match `query`:
        a count of the matching rows that sort before it (a range of the sort index without a search)."""
        _validate_query(query)
        narrowed = self._narrow_by_index(query)
        where, params = _where(query, narrowed)
        keys = [part for key in (*_SORT_KEYS[query.sort], "p.id") for part in _comparable(key)]
        join = " JOIN applications a ON a.id = p.application_id" if query.sort in _SORTS_NEEDING_JOIN else ""
        found = self._conn.execute(
            f"SELECT {', '.join(keys)} FROM profiles p{join}{where}{' AND' if where else ' WHERE'} p.id = ?",
            (*params, profile_id)).fetchone()
        if found is None:
            return None
        marks = ", ".join("?" * len(keys))
        before = f"({', '.join(keys)}) {'>' if query.descending else '<'} ({marks})"
        return int(self._conn.execute(
            f"SELECT COUNT(*) FROM profiles p{join}{where}{' AND' if where else ' WHERE'} {before}",
            (*params, *found)).fetchone()[0])

    # ------------------------------------------------------------------------------------------ checks

    def record_check(self, *, kind: str, result: str, report: dict[str, Any],
                     profile_id: int | None = None, application_id: int | None = None,
                     diagnosis: str | None = None) -> CheckRecord:
        """Store a check report; a profile's check is also filed under its application."""
        kind = _code(kind, "check kind")
        result = _choice(result, CHECK_RESULTS, "check result")
        diagnosis = _optional_code(diagnosis, "diagnosis")
        report_json = _json_object(report, "report", check_keys=False)
        if profile_id is None and application_id is None:
            raise RegistryInputError("a check belongs to a profile or an application: give one of them")
        with self.transaction() as conn:
            if profile_id is not None:
                profile = self.get_profile(profile_id)
                if application_id is None:
                    application_id = profile.application_id
                elif application_id != profile.application_id:
                    raise RegistryInputError(
                        f"profile {profile_id} belongs to application {profile.application_id}, "
                        f"not {application_id}")
            elif application_id is not None:
                self.get_application(application_id)
            cur = conn.execute(
                "INSERT INTO checks (profile_id, application_id, kind, result, diagnosis, report, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (profile_id, application_id, kind, result, diagnosis, report_json, utc_now()))
            row = conn.execute(f"SELECT {_CHECK_COLUMNS} FROM checks WHERE id = ?",
                               (cur.lastrowid,)).fetchone()
            return _check(row)

    def checks_for_profile(self, profile_id: int, limit: int = 50) -> list[CheckRecord]:
        """The profile's stored checks, newest first."""
        rows = self._conn.execute(
            f"SELECT {_CHECK_COLUMNS} FROM checks WHERE profile_id = ? ORDER BY id DESC LIMIT ?",
            (profile_id, limit)).fetchall()
        return [_check(r) for r in rows]

    def checks_for_application(self, application_id: int, limit: int | None = 50) -> list[CheckRecord]:
        """The application's stored checks (its own and its profiles'), newest first (`limit` None: all)."""
        rows = self._conn.execute(
            f"SELECT {_CHECK_COLUMNS} FROM checks WHERE application_id = ? ORDER BY id DESC LIMIT ?",
            (application_id, self._no_limit if limit is None else limit)).fetchall()
        return [_check(r) for r in rows]

    # ------------------------------------------------------------------------------------------- audit

    def audit(self, action: str, subject: str, detail: str = "") -> AuditEntry:
        """Append an entry (UTC time and OS user added here), chained to the newest one in the same
        transaction. The trail cannot be edited or shortened through SQL, and `verify_audit` sees it if it
        was."""
        action = _code(action, "audit action")
        subject = _clean_text(subject, "audit subject", max_len=_MAX_TEXT, required=False)
        if not isinstance(detail, str) or len(detail) > _MAX_TEXT:
            raise RegistryInputError(f"audit detail must be text of at most {_MAX_TEXT} characters")
        if _looks_secret_value(detail):
            raise RegistryInputError("audit detail holds a private key; secrets never go into the registry")
        if _has_surrogate(subject) or _has_surrogate(detail):
            raise RegistryInputError("audit subject and detail must be readable text (undecodable characters "
                                     "cannot be stored or hashed)")
        if self._os_user is None:
            self._os_user = _os_user()
        with self.transaction() as conn:
            if self._pg:  # the server chains the row (its `audit_chain` trigger), under the head's lock
                rowid = conn.execute("INSERT INTO audit (at, os_user, action, subject, detail) VALUES"
                                     " (?, ?, ?, ?, ?) RETURNING id",
                                     (utc_now(), self._os_user, action, subject, detail)).fetchone()[0]
            else:
                rowid = append_audit(conn, utc_now(), self._os_user, action, subject, detail)
            row = conn.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE id = ?", (rowid,)).fetchone()
            return AuditEntry(*row)

    def iter_audit_chain(self, *, batch: int = 2000) -> Iterator[ChainRow]:
        """Every audit row in chain order (oldest first) with its hashes, read `batch` rows at a time."""
        after = -(1 << 63)
        while True:
            rows = self._conn.execute(f"SELECT {_CHAIN_COLUMNS} FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                                      (after, batch)).fetchall()
            for row in rows:
                yield ChainRow(*row)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def audit_by_hash(self, digest: str) -> ChainRow | None:
        """The audit row whose row_hash is `digest` (a scan: only asked once a link is broken)."""
        row = self._conn.execute(f"SELECT {_CHAIN_COLUMNS} FROM audit WHERE row_hash = ? LIMIT 1",
                                 (digest,)).fetchone()
        return None if row is None else ChainRow(*row)

    def audit_head(self) -> ChainHead | None:
        """The count and newest hash the registry kept beside the audit (None: not kept)."""
        try:
            row = self._conn.execute(f"SELECT entries, head FROM {AUDIT_HEAD_TABLE} WHERE id = 1").fetchone()
        except sqlite3.OperationalError:
            return None
        return None if row is None else ChainHead(int(row[0]), str(row[1] or ""))

    def verify_audit(self, *, known_head: str | None = None) -> ChainResult:
        """Walk the audit's hash chain (streamed) and return the first broken link, if any. A consistent
        read: the walk runs in one read transaction, so entries appended meanwhile are not half-seen."""
        if self._pg:
            from ec_console import registry_pg as pg

            return self._conn.read(lambda raw: pg.verify_audit(raw, known_head=known_head))
        own = not self._conn.in_transaction
        if own:
            self._conn.execute("BEGIN")
        try:
            return verify_chain(self.iter_audit_chain(), find=self.audit_by_hash, recorded=self.audit_head(),
                          known_head=known_head)
        finally:
            if own and self._conn.in_transaction:
                self._conn.execute("COMMIT")

    def iter_audit(self, *, since: str | None = None, subject: str | None = None,
                   batch: int = 500, query: AuditQuery | None = None) -> Iterator[AuditEntry]:
        """Audit entries newest first, at or after `since` (a registry time) and matching `query`, read
        `batch` rows at a time so a huge audit is never held in memory at once."""
        query = query or AuditQuery()
        if since is not None:
            query = replace(query, since=max(since, query.since or since))
        if subject is not None:
            query = replace(query, subject=subject)
        clauses, params = _audit_where(query, self._fold)
        where = ["id < ?", *clauses]
        before = (1 << 63) - 1
        while True:
            rows = self._conn.execute(
                f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
                (before, *params, batch)).fetchall()
            for row in rows:
                yield AuditEntry(*row)
            if len(rows) < batch:
                return
            before = rows[-1][0]

    def search_audit(self, query: AuditQuery, *, limit: int) -> tuple[list[AuditEntry], int]:
        """The newest `limit` entries matching `query` and how many match in all (both done in SQL)."""
        clauses, params = _audit_where(query, self._fold)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._conn.execute(
            f"SELECT {_AUDIT_COLUMNS} FROM audit{where} ORDER BY id DESC LIMIT ?",
            (*params, limit)).fetchall()
        if len(rows) < limit:
            return [AuditEntry(*r) for r in rows], len(rows)
        (matched,) = self._conn.execute(f"SELECT COUNT(*) FROM audit{where}", params).fetchone()
        return [AuditEntry(*r) for r in rows], matched

    def audit_entries(self, *, subject: str | None = None, limit: int | None = None,
                      offset: int = 0) -> list[AuditEntry]:
        """Audit entries, newest first, optionally for one subject."""
        where, params = ("", []) if subject is None else (" WHERE subject = ?", [subject])
        rows = self._conn.execute(
            f"SELECT {_AUDIT_COLUMNS} FROM audit{where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, self._no_limit if limit is None else limit, offset)).fetchall()
        return [AuditEntry(*r) for r in rows]

    # -------------------------------------------------------------------------------- health history

    def record_health(self, rows: Sequence[HealthRow]) -> int:
        """Store one monitor run's rows in one transaction; returns how many were written."""
        values = []
        for row in rows:
            trigger = _choice(row.trigger, HEALTH_TRIGGERS, "run trigger")
            outcome = _choice(row.outcome, HEALTH_OUTCOMES, "run outcome")
            codes = [_code(c, "diagnosis") for c in row.diagnoses]
            counts = [row.linked, row.needs_relink, row.failing] + ([] if row.leaks is None else [row.leaks])
            if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
                raise RegistryInputError("health history counts must be whole numbers of 0 or more")
            values.append((
                _clean_text(row.run_id, "run id", max_len=_MAX_NAME),
                _clean_text(row.run_at, "run time", max_len=40), row.application_id,
                _clean_text(row.application_name, "application name", max_len=_MAX_NAME, required=False),
                trigger, outcome, _optional_code(row.health, "health"), row.linked, row.needs_relink,
                row.failing, row.leaks, " ".join(sorted(set(codes))), float(row.duration),
                _clean_text(row.detail, "run detail", max_len=_MAX_TEXT, required=False)))
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO health_history (run_id, run_at, application_id, application_name, trigger,"
                " outcome, health, linked, needs_relink, failing, leaks, diagnoses, duration, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
        return len(values)

    def health_history(self, *, application_id: int | None = None, since: str | None = None,
                       until: str | None = None, limit: int | None = None) -> list[HealthRow]:
        """Health history rows oldest first (the trend chart's series: one point per run per application),
        optionally for one application and between two registry times; `limit` keeps the newest rows."""
        clauses, params = [], []
        if application_id is not None:
            clauses.append("application_id = ?")
            params.append(application_id)
        if since is not None:
            clauses.append("run_at >= ?")
            params.append(since)
        if until is not None:
            clauses.append("run_at <= ?")
            params.append(until)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._conn.execute(
            f"SELECT {_HEALTH_COLUMNS} FROM health_history{where} ORDER BY run_at DESC, id DESC LIMIT ?",
            (*params, self._no_limit if limit is None else limit)).fetchall()
        return [_health(r) for r in reversed(rows)]

    def latest_health_run(self, *, checked_only: bool = True, trigger: str | None = None) -> list[HealthRow]:
        """The rows of the newest monitor run (`checked_only`: the newest run that checked applications,
        not one that was skipped; `trigger`: only runs of that kind); empty when there is none."""
        clauses, params = [], []
        if checked_only:
            clauses.append("application_id IS NOT NULL")
        if trigger is not None:
            clauses.append("trigger = ?")
            params.append(trigger)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        found = self._conn.execute(
            f"SELECT run_id FROM health_history{where} ORDER BY run_at DESC, id DESC LIMIT 1",
            params).fetchone()
        if found is None:
            return []
        rows = self._conn.execute(
            f"SELECT {_HEALTH_COLUMNS} FROM health_history WHERE run_id = ? ORDER BY id",
            (found[0],)).fetchall()
        return [_health(r) for r in rows]
