"""Copying a region's SQLite registry into a PostgreSQL registry: `ec-console registry migrate` (Qt-free).

- The SQLite file is first brought to the current schema (`Registry` opens it), then read in one read
  transaction (one snapshot for the copy and its verification).
- The target must be a registry `registry init` set up at the current schema, and the login must be its
  owner (the database's administrator): the audit is copied as it was written — its hashes and its
  `db_session_user` (NULL: SQLite has none) as they are — which the `audit_chain` trigger would otherwise
  overwrite, so the copy switches that trigger off for its own transaction, as only the owner may. An
  `ec_admin` or `ec_helpdesk` login is refused before any work.
- Tables are copied parent first (applications, profiles, checks, reconciliations, their findings, health
  history, audit), each in id order, `batch` rows per transaction with COPY, ids kept. The triggers that
  would slow a bulk load (the profile counts', the audit chain's) are disabled inside each batch's
  transaction only (`ALTER TABLE … DISABLE TRIGGER` is transactional: an interrupted batch leaves them as they
  were); `profile_counts` and `audit_head` are computed once at the end, the id sequences moved past the
  copied ids, the GIN search indexes' pending lists merged and the tables analysed.
- Resumable: each batch commits on its own and the next run continues each table after the highest id
  already there. `registry_copy` (one row, in the target) marks which SQLite registry the rows came from
  (`source_mark`: the region and the first audit entry's time and hash): a target holding rows of any other
  registry is refused. Two registries of one region whose first entries were the same, written in the same
  second by the same user, would share a mark: the row-by-row comparison then names every difference.
- Verified row by row: every table, every column, both sides streamed in id order and compared; every
  difference is named (table, id, column). Then the audit chain is verified on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ec_console.errors import BadInput, ConsoleError
from ec_console.i18n import N_, _, ngettext

# Parent tables first (foreign keys); the audit last.
COPIED_TABLES = ("applications", "profiles", "checks", "reconciliations", "reconciliation_findings",
                 "health_history", "audit")
# Triggers switched off inside a batch's transaction (their work is done once at the end).
BULK_TRIGGERS = {"profiles": ("profile_counts_insert",), "audit": ("audit_chain",)}
COPY_TABLE = "registry_copy"
DEFAULT_BATCH = 5000
MAX_DIFFERENCES = 50   # differences named one by one; the rest are counted


class CopyRefused(BadInput):
    """The copy cannot start (exit status 2); the message says why and what to do."""


class CopyInterrupted(ConsoleError):
    """The copy stopped part-way (exit status 1): what was committed is kept, the next run continues."""


@dataclass
class TableCopy:
    table: str
    rows: int = 0          # rows in the SQLite registry
    already: int = 0       # already in the target before this run (a resumed copy)
    copied: int = 0        # copied by this run


@dataclass(frozen=True)
class Difference:
    table: str
    id: int
    what: str              # "missing in PostgreSQL", "only in PostgreSQL", "X differs" (English: --json)
    columns: tuple[str, ...] = ()   # the columns that differ (none: the row is on one side only)

    def shown(self) -> str:
        """`what` in the current language, for the text report (column names kept)."""
        if self.what == MISSING_IN_POSTGRES:
            return _(MISSING_IN_POSTGRES)
        if self.what == ONLY_IN_POSTGRES:
            return _(ONLY_IN_POSTGRES)
        if self.columns:
            return ngettext("{columns} differs", "{columns} differ", len(self.columns)).format(
                columns=", ".join(self.columns))
        return self.what


MISSING_IN_POSTGRES = N_("missing in PostgreSQL")
ONLY_IN_POSTGRES = N_("only in PostgreSQL")


@dataclass
class CopyResult:
    source: str
    tables: list[TableCopy] = field(default_factory=list)
    resumed: bool = False
    differences: list[Difference] = field(default_factory=list)
    more_differences: int = 0
    audit: Any = None      # audit_chain.ChainResult on PostgreSQL

    @property
    def verified(self) -> bool:
        return not self.differences and not self.more_differences and self.audit is not None \
            and self.audit.verified


def sqlite_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def source_mark(region_id: str, conn: sqlite3.Connection) -> str:
    """Which SQLite registry this is: its region and its first audit entry (its time and hash). Stored in
    the target and compared when a copy resumes: English whatever the language."""
    row = conn.execute("SELECT at, row_hash FROM audit ORDER BY id LIMIT 1").fetchone()
    if row is None:
        return f"region {region_id}, no audit entry yet"
    return f"region {region_id}, audit begun {row[0]}, first entry's hash {row[1]}"


def open_source(path: Path) -> sqlite3.Connection:
    """The region's registry file at the current schema, opened read-only in one read transaction."""
    from ec_console.registry import Registry

    if not path.exists():
        raise CopyRefused(_("there is no registry file at {path}: nothing to copy").format(path=path))
    Registry(path).close()  # brings the schema to the current version
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.execute("BEGIN")
    return conn


def check_target(conn: Any, mark: str) -> bool:
    """Refuse a target the copy may not write; True when it is this registry's copy (to resume)."""
    from ec_console import registry_pg as pg

    signed_in = pg.signed_in_role(conn)
    if signed_in.role in ("helpdesk", "none"):
        if signed_in.role == "helpdesk":
            raise CopyRefused(_("the login role {user} is a helpdesk member (ec_helpdesk): a registry is "
                                "copied by the database's administrator (the login that ran 'registry init')")
                              .format(user=repr(signed_in.user)))
        raise CopyRefused(_("the login role {user} is in neither of the registry's roles: a registry is "
                            "copied by the database's administrator (the login that ran 'registry init')")
                          .format(user=repr(signed_in.user)))
    version = pg.schema_version(conn)
    if version is None:
        raise CopyRefused(_("the target database holds no registry yet: its administrator runs "
                            "'ec-console registry init --url URL' first"))
    if version != pg.PG_SCHEMA_VERSION:
        if version < pg.PG_SCHEMA_VERSION:
            raise CopyRefused(_("the target registry is at schema {version}, this console writes {current}: "
                                "run 'ec-console registry init --url URL' to upgrade it")
                              .format(version=version, current=pg.PG_SCHEMA_VERSION))
        raise CopyRefused(_("the target registry is at schema {version}, this console writes {current}: "
                            "update this console").format(version=version, current=pg.PG_SCHEMA_VERSION))
    if signed_in.role != "owner" and not _is_owner(conn):
        raise CopyRefused(_("the login role {user} is an administrator of the console but not the "
                            "registry's owner: the audit is copied as it was written, which only the owner "
                            "may do; run this as the database's administrator (the login that ran "
                            "'registry init')").format(user=repr(signed_in.user)))
    conn.execute(f"""CREATE TABLE IF NOT EXISTS {COPY_TABLE} (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        source text NOT NULL,
        started_at text NOT NULL,
        finished_at text
    )""")
    row = conn.execute(f"SELECT source FROM {COPY_TABLE}").fetchone()
    if row is not None:
        if row[0] != mark:
            raise CopyRefused(_("the target registry holds a copy of another registry ({other}), not of "
                                "this one ({mark}): copy into an empty registry")
                              .format(other=row[0], mark=mark))
        return True
    for table in (*COPIED_TABLES,):
        if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            raise CopyRefused(_("the target registry already holds data ({table} is not empty) that did not "
                                "come from this registry: copy into an empty registry").format(table=table))
    from ec_console.registry import utc_now

    conn.execute(f"INSERT INTO {COPY_TABLE} (source, started_at) VALUES (%s, %s)", (mark, utc_now()))
    return False


def _is_owner(conn: Any) -> bool:
    return bool(conn.execute("SELECT pg_has_role(session_user, relowner, 'MEMBER') FROM pg_class "
                             "WHERE oid = 'public.audit'::regclass").fetchone()[0])


def copy_registry(source: sqlite3.Connection, conn: Any, mark: str, *, batch: int | None = None,
                  after_batch: Callable[[str, int], None] | None = None) -> CopyResult:
    """Copy every table (resuming after the ids already there), then finish and verify. `conn` is an
    autocommit psycopg connection signed in as the registry's owner; `after_batch(table, copied)` is called
    after each committed batch."""
    from ec_console import registry_pg as pg

    batch = batch or DEFAULT_BATCH
    result = CopyResult(source=mark)
    with conn.transaction():
        result.resumed = check_target(conn, mark)
    for table in COPIED_TABLES:
        columns = sqlite_columns(source, table)
        info = TableCopy(table, rows=source.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        last = conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0]
        info.already = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        after = -(1 << 63) if last is None else int(last)
        column_list = ", ".join(columns)
        while True:
            rows = source.execute(f"SELECT {column_list} FROM {table} WHERE id > ? ORDER BY id LIMIT ?",
                                  (after, batch)).fetchall()
            if not rows:
                break
            with conn.transaction():
                for trigger in BULK_TRIGGERS.get(table, ()):
                    conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
                with conn.cursor().copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                for trigger in BULK_TRIGGERS.get(table, ()):
                    conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            info.copied += len(rows)
            after = rows[-1][0]
            if after_batch is not None:
                after_batch(table, info.copied)
            if len(rows) < batch:
                break
        result.tables.append(info)
    _finish(conn)
    result.differences, result.more_differences = compare(source, conn)
    result.audit = pg.verify_audit(conn)
    return result


def _finish(conn: Any) -> None:
    """The work the disabled triggers did not do, once: counts, the audit's head, the id sequences."""
    from ec_console import registry_pg as pg
    from ec_console.audit_chain import GENESIS
    from ec_console.registry import utc_now

    with conn.transaction():
        conn.execute(f"LOCK TABLE {pg.PROFILE_COUNTS}, {pg.AUDIT_HEAD_TABLE} IN EXCLUSIVE MODE")
        conn.execute(f"DELETE FROM {pg.PROFILE_COUNTS}")
        conn.execute(f"INSERT INTO {pg.PROFILE_COUNTS} (application_id, status, n) "
                     "SELECT application_id, status, COUNT(*) FROM profiles GROUP BY application_id, status")
        conn.execute(f"UPDATE {pg.AUDIT_HEAD_TABLE} SET entries = (SELECT COUNT(*) FROM audit), head = "
                     "COALESCE((SELECT row_hash FROM audit ORDER BY id DESC LIMIT 1), %s) WHERE id = 1",
                     (GENESIS,))
        for table in COPIED_TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('public.{table}', 'id'), "
                         f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
        conn.execute(f"UPDATE {COPY_TABLE} SET finished_at = %s", (utc_now(),))
    for index in (pg.SEARCH_INDEX, pg.SHORT_SEARCH_INDEX):  # the GIN indexes' pending lists, merged once
        conn.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")
    for table in COPIED_TABLES:
        conn.execute(f"VACUUM (ANALYZE) {table}")


def _pg_rows(conn: Any, table: str, columns: list[str]) -> Iterator[tuple]:
    with conn.cursor(name=f"ec_copy_verify_{table}") as cursor:
        cursor.itersize = DEFAULT_BATCH
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")
        yield from cursor


def compare(source: sqlite3.Connection, conn: Any) -> tuple[list[Difference], int]:
    """Every table, every column, both sides in id order: the differences (the first MAX_DIFFERENCES named,
    the rest counted)."""
    from contextlib import closing

    found: list[Difference] = []
    more = 0

    def note(table: str, row_id: int, what: str, columns: tuple[str, ...] = ()) -> None:
        nonlocal more
        if len(found) < MAX_DIFFERENCES:
            found.append(Difference(table, row_id, what, columns))
        else:
            more += 1

    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for table in COPIED_TABLES:
            columns = sqlite_columns(source, table)
            mine = source.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")
            with closing(_pg_rows(conn, table, columns)) as theirs:
                a, b = next(mine, None), next(theirs, None)
                while a is not None or b is not None:
                    if b is None or (a is not None and a[0] < b[0]):
                        note(table, a[0], MISSING_IN_POSTGRES)
                        a = next(mine, None)
                    elif a is None or b[0] < a[0]:
                        note(table, b[0], ONLY_IN_POSTGRES)
                        b = next(theirs, None)
                    else:
                        differing = [c for c, x, y in zip(columns, a, b, strict=True) if not _same(x, y)]
                        if differing:
                            note(table, a[0], f"{', '.join(differing)} "
                                              f"{'differs' if len(differing) == 1 else 'differ'}",
                                 tuple(differing))
                        a, b = next(mine, None), next(theirs, None)
    return found, more


def _same(x: Any, y: Any) -> bool:
    """Equal and of the same kind (an integer 1 is not the text "1", nor the number 1.0)."""
    return type(x) is type(y) and x == y


__all__ = ["COPIED_TABLES", "CopyRefused", "CopyResult", "Difference", "TableCopy", "check_target", "compare",
           "copy_registry", "open_source", "source_mark"]
