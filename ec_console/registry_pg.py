"""The registry on PostgreSQL: connection, schema, migrations and the roles the database enforces (Qt-free).

A region's registry is either its SQLite file (`ec_console.registry`, the default: one admin, no set-up) or a
PostgreSQL database named by a URL (`postgresql://host/db`), shared by a team. This module holds the
PostgreSQL side of that:

- `connect(url)`: libpq through psycopg 3. The password comes from the keychain (`password_key()`) or from
  libpq itself (PGPASSFILE / ~/.pgpass, client certificates, Kerberos): never from the URL (refused), never
  from argv. TLS is `sslmode=verify-full` unless the URL names its own `sslmode`.
- `PG_MIGRATIONS`: the same tables, columns, constraints and meaning as SQLite's `MIGRATIONS`, numbered the
  same (both engines report the same schema version). Times stay the same ISO 8601 UTC text as on SQLite
  (`utc_now()`), so a row reads and compares the same on both engines. `registry_meta` holds the schema
  version (SQLite's `PRAGMA user_version`) and the registry mark (`PRAGMA application_id`).
- `initialise(conn)`: creates or upgrades the schema, the group roles `ec_admin` and `ec_helpdesk`, their
  GRANTs and the row-level security policies, in one transaction.
- The audit's hash chain (schema 10) is written by the server (the `audit_chain` trigger: session_user,
  prev and row hash, the id under the head's lock); `verify_audit(conn)` walks it with
  `audit_chain.verify` through a server-side cursor. `registry_copy` copies a SQLite registry in.

What each role may do (enforced by PostgreSQL, so `psql` cannot do more than the console):

- `ec_admin`: everything the console does, except changing the audit trail: INSERT only there.
- `ec_helpdesk`: reads every table; records check results (a profile's last-check columns, a check's
  finding in its status — `linked` <-> `needs_relink` only, kept to that by a trigger —, an application's
  health, `checks` rows other than link attempts, `health_history` rows); appends check-run entries to the
  audit. It cannot add, edit or revoke applications, nor link, revoke, un-revoke or relink profiles (no
  other status change, no INSERT or DELETE of profiles, no relink check or audit entry).
- Neither role may UPDATE, DELETE or TRUNCATE the audit (no GRANT; a trigger refuses it for everyone,
  the tables' owner included). The tables belong to the role that ran `registry init` (the database's
  administrator), which is not given to the people using the console.

docs/registry.md ("PostgreSQL") describes the schema and the roles.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ec_console.errors import BadInput, ConsoleError
from ec_console.i18n import N_, _
from ec_console.registry import (
    APPLICATION_DECIDED_COLUMNS,
    APPLICATION_ID,
    MIGRATIONS,
    PROFILE_DECIDED_COLUMNS,
    ConnectionLost,
)

ADMIN_ROLE = "ec_admin"
HELPDESK_ROLE = "ec_helpdesk"
GROUP_ROLES = (ADMIN_ROLE, HELPDESK_ROLE)
META_TABLE = "registry_meta"
URL_SCHEMES = ("postgresql://", "postgres://")
DEFAULT_SSLMODE = "verify-full"
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
CONNECT_TIMEOUT_S = 10
# TCP settings every registry connection gets unless its URL sets them (libpq's parameters): keepalives
# notice an idle connection whose network went silent within about 25 s, and `tcp_user_timeout` ends one
# whose sent data stays unacknowledged for 30 s (a request in flight when the network went silent) instead
# of the system's ~15 minutes of retransmissions. Both are ignored on a unix socket.
TCP_DEFAULTS = {"keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5",
                "keepalives_count": "3", "tcp_user_timeout": "30000"}

# Audit actions a helpdesk member may append: the entries a check run writes (dashboard.py, checkall.py).
HELPDESK_AUDIT_ACTIONS = ("check_all_started", "check_all_finished", "check_all_cancelled",
                          "application_health", "application_checked", "monitor_run",
                          "profile_status_changed", "application_credential_imported")
# Check kinds that record a link attempt, which a helpdesk member cannot make.
LINK_CHECK_KINDS = ("link", "relink")


class PgRegistryError(ConsoleError):
    """The PostgreSQL registry could not be used; the message says why and what to do."""


class PgRefused(PgRegistryError, BadInput):
    """Refused before any work (bad URL, unreachable server, refused sign-in, no registry): exit status 2."""


@dataclass(frozen=True)
class PgMigration:
    """One schema step on PostgreSQL, numbered like SQLite's `Migration` of the same meaning."""

    version: int
    description: str
    statements: tuple[str, ...]


def _quoted_list(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


_APPEND_ONLY = """CREATE OR REPLACE FUNCTION ec_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only' USING ERRCODE = 'insufficient_privilege';
END $$"""

_V1 = PgMigration(1, "tables, the append-only audit trail, foreign-key indexes", (
    """CREATE TABLE applications (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        provider text COLLATE "C" NOT NULL
            CONSTRAINT applications_provider CHECK (provider IN ('exchange', 'google')),
        domain text NOT NULL,
        settings text NOT NULL DEFAULT '{}',
        status text COLLATE "C" NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
        created_at text NOT NULL,
        updated_at text NOT NULL
    )""",
    # SQLite's `UNIQUE COLLATE NOCASE` folds ASCII letters only: so does lower() under the "C" collation.
    'CREATE UNIQUE INDEX applications_name_nocase ON applications (lower(name COLLATE "C"))',
    """CREATE TABLE profiles (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        application_id bigint NOT NULL REFERENCES applications(id),
        email text NOT NULL,
        display_name text NOT NULL DEFAULT '',
        status text COLLATE "C" NOT NULL DEFAULT 'linked'
            CHECK (status IN ('linked', 'needs_relink', 'revoked')),
        last_checked_at text COLLATE "C",
        last_result text COLLATE "C" CHECK (last_result IN ('pass', 'warn', 'fail')),
        created_at text NOT NULL,
        updated_at text NOT NULL
    )""",
    'CREATE UNIQUE INDEX profiles_email_nocase ON profiles (application_id, lower(email COLLATE "C"))',
    """CREATE TABLE checks (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        profile_id bigint REFERENCES profiles(id),
        application_id bigint REFERENCES applications(id),
        kind text NOT NULL,
        result text NOT NULL CHECK (result IN ('pass', 'warn', 'fail')),
        diagnosis text,
        report text NOT NULL DEFAULT '{}',
        created_at text NOT NULL,
        CHECK (profile_id IS NOT NULL OR application_id IS NOT NULL)
    )""",
    "CREATE INDEX checks_by_profile ON checks (profile_id, id)",
    "CREATE INDEX checks_by_application ON checks (application_id, id)",
    """CREATE TABLE audit (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at text NOT NULL,
        os_user text NOT NULL,
        action text NOT NULL,
        subject text NOT NULL DEFAULT '',
        detail text NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX audit_by_subject ON audit (subject, id)",
    _APPEND_ONLY,
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
       FOR EACH ROW EXECUTE FUNCTION ec_audit_append_only()""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
       FOR EACH ROW EXECUTE FUNCTION ec_audit_append_only()""",
    # SQLite has no TRUNCATE; on PostgreSQL it would empty the table without firing row triggers.
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
       FOR EACH STATEMENT EXECUTE FUNCTION ec_audit_append_only()""",
))

_V2 = PgMigration(2, "application health and each profile's last diagnosis (back-filled from its checks)", (
    "ALTER TABLE applications ADD COLUMN health text",
    "ALTER TABLE profiles ADD COLUMN last_diagnosis text",
    """UPDATE profiles SET last_diagnosis = (
           SELECT c.diagnosis FROM checks c WHERE c.profile_id = profiles.id ORDER BY c.id DESC LIMIT 1)
       WHERE last_result = 'fail'""",
))

# The keys are compared and sorted byte-wise, as SQLite's BINARY collation does, whatever the database's
# locale, so both engines put rows in the same order (so are the other columns a profile is sorted by; and
# NULLs come first in ascending order, as SQLite puts them: the indexes say NULLS FIRST). The console
# writes the keys (`registry.search_key()`); a PostgreSQL registry is always written by a console that
# does, so there is nothing to back-fill.
_V3 = PgMigration(3, "Unicode-aware search keys and the indexes the profile table's queries use", (
    "ALTER TABLE profiles ADD COLUMN email_key text COLLATE \"C\" NOT NULL DEFAULT ''",
    "ALTER TABLE profiles ADD COLUMN name_key text COLLATE \"C\" NOT NULL DEFAULT ''",
    # SQLite's indexes end with the rowid implicitly; here `id` is spelled out, so a page's ids come out of
    # the index in exactly the sort order (no sort step) and, once vacuumed, without reading the table.
    "CREATE INDEX profiles_by_email ON profiles (email_key, id)",
    "CREATE INDEX profiles_by_name ON profiles (name_key, email_key, status, id)",
    "CREATE INDEX profiles_by_status ON profiles (status, email_key, id)",
    "CREATE INDEX profiles_by_application ON profiles (application_id, email_key, status, id)",
    "CREATE INDEX profiles_by_application_status ON profiles (application_id, status)",
    "CREATE INDEX profiles_by_last_checked ON profiles (last_checked_at NULLS FIRST, email_key, status, id)",
    "CREATE INDEX profiles_by_last_result ON profiles (last_result NULLS FIRST, email_key, status, id)",
    'CREATE INDEX applications_by_provider ON applications (provider, lower(name COLLATE "C"))',
))

# SQLite's FTS5 trigram table becomes a pg_trgm GIN index over the same keys: `LIKE '%needle%'` uses it.
# pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
SEARCH_INDEX = "profiles_search"
_V4 = PgMigration(4, "a trigram index over the search keys (pg_trgm)", (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"""CREATE INDEX {SEARCH_INDEX} ON profiles
        USING gin (email_key gin_trgm_ops, name_key gin_trgm_ops)""",
))

# SQLite's v5 removed profiles an older console recorded for failed links; no PostgreSQL registry was ever
# written by such a console, so the step has nothing to do here (it keeps the numbers in step).
_V5 = PgMigration(5, "profiles that were never linked are removed (none can exist on PostgreSQL)", ())

_V6 = PgMigration(6, "applications may be Microsoft Graph applications (provider 'graph')", (
    """ALTER TABLE applications DROP CONSTRAINT applications_provider,
       ADD CONSTRAINT applications_provider CHECK (provider IN ('exchange', 'google', 'graph'))""",
))

_V7 = PgMigration(7, "reconciliations (scope, profiles and live probes side by side) and their findings", (
    """CREATE TABLE reconciliations (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        application_id bigint NOT NULL REFERENCES applications(id),
        at text NOT NULL,
        operator text NOT NULL,
        leaks integer,
        joiners integer,
        leavers integer,
        broken integer,
        scope_size integer,
        linked_size integer,
        sample_size integer NOT NULL DEFAULT 0,
        sample_random integer NOT NULL DEFAULT 0 CHECK (sample_random IN (0, 1)),
        unknown text NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX reconciliations_by_application ON reconciliations (application_id, id)",
    """CREATE TABLE reconciliation_findings (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        reconciliation_id bigint NOT NULL REFERENCES reconciliations(id),
        email text NOT NULL,
        finding text NOT NULL CHECK (finding IN ('leak', 'joiner', 'leaver', 'broken')),
        diagnosis text
    )""",
    "CREATE INDEX reconciliation_findings_by_run ON reconciliation_findings (reconciliation_id, finding)",
    """CREATE FUNCTION ec_reconciliations_go_with_application() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reconciliation_findings WHERE reconciliation_id IN
        (SELECT id FROM reconciliations WHERE application_id = old.id);
    DELETE FROM reconciliations WHERE application_id = old.id;
    RETURN old;
END $$""",
    """CREATE TRIGGER reconciliations_go_with_application BEFORE DELETE ON applications
       FOR EACH ROW EXECUTE FUNCTION ec_reconciliations_go_with_application()""",
))

_V8 = PgMigration(8, "the monitor's health history: one row per application per run", (
    """CREATE TABLE health_history (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        run_id text NOT NULL,
        run_at text NOT NULL,
        application_id bigint,
        application_name text NOT NULL DEFAULT '',
        trigger text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
        outcome text NOT NULL,
        health text,
        linked integer NOT NULL DEFAULT 0,
        needs_relink integer NOT NULL DEFAULT 0,
        failing integer NOT NULL DEFAULT 0,
        leaks integer,
        diagnoses text NOT NULL DEFAULT '',
        duration double precision NOT NULL DEFAULT 0,
        detail text NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX health_history_by_time ON health_history (run_at, id)",
    "CREATE INDEX health_history_by_application ON health_history (application_id, run_at)",
    "CREATE INDEX health_history_by_run ON health_history (run_id)",
))

# The counts are written by the triggers only (SECURITY DEFINER: they run as the tables' owner), so neither
# role needs, or has, a write grant on them.
PROFILE_COUNTS = "profile_counts"
_V9 = PgMigration(9, "profile counts per application and status, kept by triggers (back-filled)", (
    f"""CREATE TABLE {PROFILE_COUNTS} (
        application_id bigint NOT NULL,
        status text NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (application_id, status)
    )""",
    # Static SQL on the schema-qualified table (a SECURITY DEFINER function trusts no search_path).
    f"""CREATE FUNCTION ec_profile_counts() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE public.{PROFILE_COUNTS} SET n = n - 1
            WHERE application_id = old.application_id AND status = old.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO public.{PROFILE_COUNTS} AS c (application_id, status, n)
            VALUES (new.application_id, new.status, 1)
            ON CONFLICT (application_id, status) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION ec_profile_counts_application_delete() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM public.{PROFILE_COUNTS} WHERE application_id = old.id;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER profile_counts_insert AFTER INSERT ON profiles
       FOR EACH ROW EXECUTE FUNCTION ec_profile_counts()""",
    """CREATE TRIGGER profile_counts_delete AFTER DELETE ON profiles
       FOR EACH ROW EXECUTE FUNCTION ec_profile_counts()""",
    """CREATE TRIGGER profile_counts_update AFTER UPDATE OF status, application_id ON profiles
       FOR EACH ROW WHEN (old.status IS DISTINCT FROM new.status
                          OR old.application_id IS DISTINCT FROM new.application_id)
       EXECUTE FUNCTION ec_profile_counts()""",
    """CREATE TRIGGER profile_counts_application_delete AFTER DELETE ON applications
       FOR EACH ROW EXECUTE FUNCTION ec_profile_counts_application_delete()""",
    f"""INSERT INTO {PROFILE_COUNTS} (application_id, status, n)
        SELECT application_id, status, COUNT(*) FROM profiles GROUP BY application_id, status""",
))

# The audit's SHA-256 hash chain (ec_console/audit_chain.py), as SQLite's schema 10: each row's prev_hash
# and row_hash, the database's own login (`db_session_user`), a unique index on prev_hash (the chain cannot
# fork) and `audit_head` (the count and newest hash). Here the server writes all of them: a BEFORE INSERT
# trigger sets db_session_user := session_user (whatever the client sent: it cannot be spoofed), takes the
# head (a row lock, so appends from many consoles queue one after the other), gives the row its id under
# that lock (so id order is chain order) and computes its hash with `ec_audit_canonical()`, the same bytes
# as `audit_chain.canonical()`. Existing rows are chained in id order (their db_session_user unknown: NULL).
AUDIT_HEAD_TABLE = "audit_head"
AUDIT_CHAIN_TRIGGER = "audit_chain"
_GENESIS_SQL = "'" + "0" * 64 + "'"
# json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False): to_json() escapes a text as
# Python does (\" \\ \b \f \n \r \t, other control characters as \u00xx, the rest as itself).
_CANONICAL_SQL = """CREATE OR REPLACE FUNCTION ec_audit_canonical(at text, os_user text, db_session_user text,
        action text, subject text, detail text) RETURNS text LANGUAGE sql IMMUTABLE
        SET search_path = pg_catalog, pg_temp AS $$
    SELECT '{"action":' || COALESCE(to_json(action)::text, 'null')
        || ',"at":' || COALESCE(to_json(at)::text, 'null')
        || ',"db_session_user":' || COALESCE(to_json(db_session_user)::text, 'null')
        || ',"detail":' || COALESCE(to_json(detail)::text, 'null')
        || ',"os_user":' || COALESCE(to_json(os_user)::text, 'null')
        || ',"subject":' || COALESCE(to_json(subject)::text, 'null') || '}'
$$"""
_ROW_HASH_SQL = """CREATE OR REPLACE FUNCTION ec_audit_row_hash(prev text, content text) RETURNS text
        LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(prev || content, 'UTF8')), 'hex')
$$"""
_V10 = PgMigration(10, "the audit's SHA-256 hash chain (existing entries chained in order)", (
    "ALTER TABLE audit ADD COLUMN prev_hash text COLLATE \"C\"",
    "ALTER TABLE audit ADD COLUMN row_hash text COLLATE \"C\"",
    "ALTER TABLE audit ADD COLUMN db_session_user text",
    _CANONICAL_SQL,
    _ROW_HASH_SQL,
    f"""CREATE TABLE {AUDIT_HEAD_TABLE} (
        id integer PRIMARY KEY CHECK (id = 1),
        entries bigint NOT NULL,
        head text COLLATE "C" NOT NULL
    )""",
    "ALTER TABLE audit DISABLE TRIGGER audit_no_update",
    f"""DO $$
DECLARE
    r record;
    prev text := {_GENESIS_SQL};
    n bigint := 0;
BEGIN
    FOR r IN SELECT id, at, os_user, action, subject, detail FROM audit ORDER BY id LOOP
        UPDATE audit SET prev_hash = prev,
            row_hash = ec_audit_row_hash(prev, ec_audit_canonical(r.at, r.os_user, NULL, r.action,
                                                                  r.subject, r.detail))
            WHERE id = r.id RETURNING row_hash INTO prev;
        n := n + 1;
    END LOOP;
    INSERT INTO {AUDIT_HEAD_TABLE} (id, entries, head) VALUES (1, n, prev);
END $$""",
    "ALTER TABLE audit ENABLE TRIGGER audit_no_update",
    "CREATE UNIQUE INDEX audit_chain_links ON audit (prev_hash)",
    f"""CREATE FUNCTION ec_audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    prev text;
BEGIN
    SELECT head INTO prev FROM public.{AUDIT_HEAD_TABLE} WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit''s head is missing: the registry''s administrator runs registry init';
    END IF;
    new.id := nextval(pg_get_serial_sequence('public.audit', 'id'));
    new.db_session_user := session_user;
    new.prev_hash := prev;
    new.row_hash := public.ec_audit_row_hash(prev, public.ec_audit_canonical(
        new.at, new.os_user, new.db_session_user, new.action, new.subject, new.detail));
    UPDATE public.{AUDIT_HEAD_TABLE} SET entries = entries + 1, head = new.row_hash WHERE id = 1;
    RETURN new;
END $$""",
    f"""CREATE TRIGGER {AUDIT_CHAIN_TRIGGER} BEFORE INSERT ON audit
       FOR EACH ROW EXECUTE FUNCTION ec_audit_chain()""",
))

# What a check finds may move a profile between `linked` and `needs_relink` (check all: a passing probe
# -> linked, a proven-unreachable profile -> needs_relink). The helpdesk records check results, so it gets
# UPDATE on `status` (a column grant in `_role_statements`), and this trigger keeps that right to exactly
# those two moves for a login that is neither an admin nor the tables' owner: revoking, un-revoking (and any
# other status) is refused with SQLSTATE 42501, as a missing grant is. Linking (INSERT), deleting and
# relinking (its `relink` check and `profile_relinked` audit entry) stay refused by the grants and policies.
PROFILE_FINDINGS = ("linked", "needs_relink")
_V11 = PgMigration(11, "a check's finding may move a profile between linked and needs_relink "
                       "(the helpdesk's right, kept to that by a trigger)", (
    f"""CREATE FUNCTION ec_profile_status_by_role() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
       OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ADMIN_ROLE}'
                  AND pg_has_role(current_user, oid, 'MEMBER')) THEN
        RETURN new;
    END IF;
    IF old.status IN ({_quoted_list(PROFILE_FINDINGS)})
       AND new.status IN ({_quoted_list(PROFILE_FINDINGS)}) THEN
        RETURN new;
    END IF;
    RAISE EXCEPTION 'permission denied: only an administrator may change a profile from % to %',
        old.status, new.status USING ERRCODE = 'insufficient_privilege';
END $$""",
    """CREATE TRIGGER profile_status_by_role BEFORE UPDATE OF status ON profiles
       FOR EACH ROW WHEN (old.status IS DISTINCT FROM new.status)
       EXECUTE FUNCTION ec_profile_status_by_role()""",
))

# A helpdesk desktop that runs checks needs the application's credential in its own keychain: the helpdesk
# may append the audit entry of that import (`application_credential_imported`, never a secret). The policy
# is widened in place when it exists (a registry set up by `registry init`); a new one gets it from
# `_role_statements`. The list is this step's own (a migration is history).
_V12_HELPDESK_AUDIT_ACTIONS = ("check_all_started", "check_all_finished", "check_all_cancelled",
                               "application_health", "application_checked", "monitor_run",
                               "profile_status_changed", "application_credential_imported")
_V12 = PgMigration(12, "a helpdesk member may record a credential imported into their own desktop's keychain",
                   (f"""DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema() AND tablename = 'audit'
               AND policyname = 'ec_helpdesk_appends') THEN
        ALTER POLICY ec_helpdesk_appends ON audit
            WITH CHECK (action IN ({_quoted_list(_V12_HELPDESK_AUDIT_ACTIONS)}));
    END IF;
END $$""",))

# Change notifications (ec_console/registry_live.py) and check-all claims (ec_console/registry_claims.py).
#
# Notifications: after each statement that changes applications, profiles, checks, audit or health_history,
# a statement-level trigger sends one `pg_notify` on `NOTIFY_CHANNEL` with a small JSON payload:
# {"table": ..., "op": "insert"|"update"|"delete", "n": rows, "ids": [...]} (ids only when at most
# `NOTIFY_IDS` rows changed), far below PostgreSQL's 8000-byte limit. A bulk link of 10,000 rows in one
# statement sends one notification; a transaction that runs many statements on one table sends at most
# `NOTIFY_PER_TRANSACTION` with ids and then one identical {"table", "op", "many": true} payload, which
# PostgreSQL delivers once (it folds identical notifications of one transaction). Notifications are
# delivered at COMMIT and never for a rolled-back transaction. The function runs as the caller
# (`pg_notify` is open to every role; the transition tables need no grant), so the helpdesk's writes
# notify too.
#
# Claims: `check_claims`, the same table as SQLite's schema 13; `db_user` is set by the server
# (session_user, whatever the client sent). Both roles may claim, renew, take over an expired claim and
# release (a check run is the helpdesk's work).
NOTIFY_CHANNEL = "ec_registry"
NOTIFY_TABLES = ("applications", "profiles", "checks", "audit", "health_history")
NOTIFY_IDS = 20
NOTIFY_PER_TRANSACTION = 10
CHECK_CLAIMS_TABLE = "check_claims"
_NOTIFY_FUNCTION = f"""CREATE OR REPLACE FUNCTION ec_registry_notify() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    ids bigint[];
    sent integer;
    counter text := 'ec_console.notified_' || TG_TABLE_NAME;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT count(*), (array_agg(id ORDER BY id))[1:{NOTIFY_IDS}] INTO n, ids FROM old_rows;
    ELSE
        SELECT count(*), (array_agg(id ORDER BY id))[1:{NOTIFY_IDS}] INTO n, ids FROM new_rows;
    END IF;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    sent := COALESCE(NULLIF(current_setting(counter, true), ''), '0')::integer;
    IF sent >= {NOTIFY_PER_TRANSACTION} THEN
        PERFORM pg_notify('{NOTIFY_CHANNEL}', json_build_object('table', TG_TABLE_NAME,
                          'op', lower(TG_OP), 'many', true)::text);
        RETURN NULL;
    END IF;
    PERFORM set_config(counter, (sent + 1)::text, true);
    PERFORM pg_notify('{NOTIFY_CHANNEL}', json_build_object('table', TG_TABLE_NAME, 'op', lower(TG_OP),
                      'n', n, 'ids', CASE WHEN n <= {NOTIFY_IDS} THEN to_json(ids) END)::text);
    RETURN NULL;
END $$"""


def _notify_triggers(table: str) -> tuple[str, ...]:
    """One AFTER ... FOR EACH STATEMENT trigger per operation (a transition table serves one event only)."""
    out = []
    for op, rows in (("insert", "NEW TABLE AS new_rows"), ("update", "NEW TABLE AS new_rows"),
                     ("delete", "OLD TABLE AS old_rows")):
        out.append(f"""CREATE TRIGGER {table}_notify_{op} AFTER {op.upper()} ON {table}
           REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION ec_registry_notify()""")
    return tuple(out)


_V13 = PgMigration(13, "check-all claims (which run probes which profile, with a lease); change "
                       "notifications on PostgreSQL", (
    f"""CREATE TABLE {CHECK_CLAIMS_TABLE} (
        profile_id bigint PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL,
        os_user text NOT NULL DEFAULT '',
        host text NOT NULL DEFAULT '',
        pid bigint,
        db_user text,
        claimed_at text COLLATE "C" NOT NULL,
        expires_at text COLLATE "C" NOT NULL
    )""",
    f"CREATE INDEX check_claims_by_run ON {CHECK_CLAIMS_TABLE} (run_id)",
    """CREATE FUNCTION ec_check_claims_db_user() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    new.db_user := session_user;
    RETURN new;
END $$""",
    f"""CREATE TRIGGER check_claims_db_user BEFORE INSERT OR UPDATE ON {CHECK_CLAIMS_TABLE}
       FOR EACH ROW EXECUTE FUNCTION ec_check_claims_db_user()""",
    _NOTIFY_FUNCTION,
    *(statement for table in NOTIFY_TABLES for statement in _notify_triggers(table)),
))

# No lost updates between consoles (SQLite's migration of the same number): applications and profiles carry a
# `version` that a BEFORE UPDATE trigger bumps on every update, whoever makes it; the console never writes
# it, so the helpdesk needs no grant on the column (a trigger's own change is not checked against the
# column grants). An action a person decided on what they saw updates `WHERE id = ? AND version = ?`.
_V14 = PgMigration(14, "applications and profiles carry a version, bumped on every update "
                       "(no lost updates between consoles)", (
    "ALTER TABLE applications ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1",
    "ALTER TABLE profiles ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1",
    """CREATE OR REPLACE FUNCTION ec_row_version() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    new.version := old.version + 1;
    RETURN new;
END $$""",
    "DROP TRIGGER IF EXISTS applications_version ON applications",
    """CREATE TRIGGER applications_version BEFORE UPDATE ON applications
       FOR EACH ROW EXECUTE FUNCTION ec_row_version()""",
    "DROP TRIGGER IF EXISTS profiles_version ON profiles",
    """CREATE TRIGGER profiles_version BEFORE UPDATE ON profiles
       FOR EACH ROW EXECUTE FUNCTION ec_row_version()""",
))



def _decided_version_function(name: str, columns: Sequence[str]) -> str:
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ({new}) IS DISTINCT FROM ({old}) THEN
        new.version := old.version + 1;
    ELSE
        new.version := old.version;
    END IF;
    RETURN new;
END $$"""


# Row versions guard what a person decides on (SQLite's migration of the same number): the version moves only
# when a decided column changes, whatever else the update sets (a check result leaves it); a client can never
# set it itself. One BEFORE UPDATE trigger function per table, in place of schema 14's.
_V15 = PgMigration(15, "row versions move only when a column a person decides on changes "
                       "(a check result leaves them)", (
    _decided_version_function("ec_profile_version", PROFILE_DECIDED_COLUMNS),
    _decided_version_function("ec_application_version", APPLICATION_DECIDED_COLUMNS),
    "DROP TRIGGER IF EXISTS applications_version ON applications",
    """CREATE TRIGGER applications_version BEFORE UPDATE ON applications
       FOR EACH ROW EXECUTE FUNCTION ec_application_version()""",
    "DROP TRIGGER IF EXISTS profiles_version ON profiles",
    """CREATE TRIGGER profiles_version BEFORE UPDATE ON profiles
       FOR EACH ROW EXECUTE FUNCTION ec_profile_version()""",
    "DROP FUNCTION IF EXISTS ec_row_version()",
))

# Searches of one or two characters through an index (trigrams need three): `ec_search_grams(email_key,
# name_key)` gives every one- and two-character substring of both search keys (as written, duplicates left
# to GIN, which stores each once), and the GIN index `profiles_short_search` is built over it. A needle of
# one or two characters (after folding) then asks `ec_search_grams(p.email_key, p.name_key) @> ARRAY[needle]`
# beside the same LIKE, which still decides, so the rows are exactly the LIKE's. An expression index is kept
# by PostgreSQL itself on every write (INSERT, COPY, an UPDATE of a key), with no trigger to disable or
# forget. The function is IMMUTABLE (it depends on its arguments only: characters, not collation or
# locale) and names everything by its schema (pg_catalog), so no search_path changes what it computes.
SHORT_SEARCH_INDEX = "profiles_short_search"
SHORT_SEARCH_FUNCTION = "ec_search_grams"
SHORT_SEARCH_LONGEST = 2  # the longest needle the index answers (three and more: the trigram index)
_SHORT_SEARCH_GRAMS = f"""CREATE OR REPLACE FUNCTION {SHORT_SEARCH_FUNCTION}(email_key text, name_key text)
        RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.string_to_array($1, NULL) OPERATOR(pg_catalog.||) pg_catalog.string_to_array($2, NULL)
        OPERATOR(pg_catalog.||) ARRAY(SELECT pg_catalog.substr($1, i, 2)
            FROM pg_catalog.generate_series(1, pg_catalog.length($1) OPERATOR(pg_catalog.-) 1) AS i)
        OPERATOR(pg_catalog.||) ARRAY(SELECT pg_catalog.substr($2, i, 2)
            FROM pg_catalog.generate_series(1, pg_catalog.length($2) OPERATOR(pg_catalog.-) 1) AS i)
$$"""
_V16 = PgMigration(16, "an index for searches of one or two characters (every one- and two-character piece "
                       "of the search keys)", (
    _SHORT_SEARCH_GRAMS,
    f"""CREATE INDEX IF NOT EXISTS {SHORT_SEARCH_INDEX} ON profiles
        USING gin ({SHORT_SEARCH_FUNCTION}(email_key, name_key))""",
))

# Audit ids one after another, as on SQLite. Schema 10's chain trigger takes the id itself, under the
# audit head's lock (so id order is chain order when two consoles append at once), but the column's
# identity default had already taken one before the trigger ran: every entry used two numbers. The identity
# goes (DROP IDENTITY drops its sequence); a plain sequence of the same name, owned by the column (so
# `pg_get_serial_sequence` still finds it for `registry migrate`), continues after the highest id, and the
# trigger function (the same, re-created) is the only one to take numbers from it. NOT NULL is checked after
# the BEFORE trigger has set the id. Idempotent: IF EXISTS / IF NOT EXISTS, setval from the table.
AUDIT_ID_SEQUENCE = "audit_id_seq"
_V17 = PgMigration(17, "audit ids one after another (the chain trigger alone numbers the entries)", (
    "ALTER TABLE audit ALTER COLUMN id DROP IDENTITY IF EXISTS",
    f"CREATE SEQUENCE IF NOT EXISTS public.{AUDIT_ID_SEQUENCE} AS bigint OWNED BY audit.id",
    f"SELECT setval('public.{AUDIT_ID_SEQUENCE}', COALESCE((SELECT max(id) FROM audit), 0) + 1, false)",
    f"""CREATE OR REPLACE FUNCTION ec_audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    prev text;
BEGIN
    SELECT head INTO prev FROM public.{AUDIT_HEAD_TABLE} WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit''s head is missing: the registry''s administrator runs registry init';
    END IF;
    new.id := nextval('public.{AUDIT_ID_SEQUENCE}');
    new.db_session_user := session_user;
    new.prev_hash := prev;
    new.row_hash := public.ec_audit_row_hash(prev, public.ec_audit_canonical(
        new.at, new.os_user, new.db_session_user, new.action, new.subject, new.detail));
    UPDATE public.{AUDIT_HEAD_TABLE} SET entries = entries + 1, head = new.row_hash WHERE id = 1;
    RETURN new;
END $$""",
))

PG_MIGRATIONS: tuple[PgMigration, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10, _V11, _V12,
                                          _V13, _V14, _V15, _V16, _V17)
PG_SCHEMA_VERSION = len(PG_MIGRATIONS)

# Both engines describe the same schema: the same steps, the same numbers.
assert [m.version for m in PG_MIGRATIONS] == [m.version for m in MIGRATIONS], "PostgreSQL migrations " \
    "must follow SQLite's one for one"

_META = f"""CREATE TABLE IF NOT EXISTS {META_TABLE} (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    application_id bigint NOT NULL,
    schema_version integer NOT NULL
)"""

# Every table of the registry (the ones GRANTs and row-level security are set on).
TABLES = ("applications", "profiles", "checks", "audit", "reconciliations", "reconciliation_findings",
          "health_history", PROFILE_COUNTS, META_TABLE, AUDIT_HEAD_TABLE, CHECK_CLAIMS_TABLE)
# Tables an admin writes (INSERT, UPDATE, DELETE); the audit gets INSERT only, the counts and the meta none.
_ADMIN_WRITES = ("applications", "profiles", "checks", "reconciliations", "reconciliation_findings",
                 "health_history")


def _role_statements() -> list[str]:
    """GRANTs and row-level security: idempotent (policies are replaced, GRANT twice is GRANT once)."""
    roles = f"{ADMIN_ROLE}, {HELPDESK_ROLE}"
    out = [
        f"REVOKE ALL ON {', '.join(TABLES)} FROM PUBLIC",
        "REVOKE ALL ON FUNCTION ec_audit_append_only(), ec_reconciliations_go_with_application(), "
        "ec_profile_counts(), ec_profile_counts_application_delete(), ec_audit_chain(), "
        "ec_profile_status_by_role(), ec_profile_version(), ec_application_version() FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {roles}",
        # Both roles search (and a helpdesk's update of a profile may compute the index's entry).
        f"REVOKE ALL ON FUNCTION {SHORT_SEARCH_FUNCTION}(text, text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {SHORT_SEARCH_FUNCTION}(text, text) TO {roles}",
        f"GRANT SELECT ON {', '.join(TABLES)} TO {roles}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(_ADMIN_WRITES)} TO {ADMIN_ROLE}",
        f"GRANT INSERT ON audit TO {roles}",
        # The helpdesk records check results: these columns only (so never a profile's status).
        # A check's finding in the status too: linked <-> needs_relink only (migration 11's trigger).
        "GRANT UPDATE (status, last_checked_at, last_result, last_diagnosis, updated_at) ON profiles "
        f"TO {HELPDESK_ROLE}",
        f"GRANT UPDATE (health, updated_at) ON applications TO {HELPDESK_ROLE}",
        f"GRANT INSERT ON checks, health_history TO {HELPDESK_ROLE}",
        # Check-all claims: a run of either role claims, renews, takes over an expired claim and releases.
        f"GRANT INSERT, UPDATE, DELETE ON {CHECK_CLAIMS_TABLE} TO {roles}",
    ]
    for table in TABLES:
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        policies = {"ec_read": f"FOR SELECT TO {roles} USING (true)"}
        if table in _ADMIN_WRITES:
            policies["ec_admin_writes"] = f"FOR ALL TO {ADMIN_ROLE} USING (true) WITH CHECK (true)"
        if table == "audit":
            policies["ec_admin_appends"] = f"FOR INSERT TO {ADMIN_ROLE} WITH CHECK (true)"
            policies["ec_helpdesk_appends"] = (f"FOR INSERT TO {HELPDESK_ROLE} WITH CHECK "
                                               f"(action IN ({_quoted_list(HELPDESK_AUDIT_ACTIONS)}))")
        if table in ("profiles", "applications"):
            policies["ec_helpdesk_records"] = f"FOR UPDATE TO {HELPDESK_ROLE} USING (true) WITH CHECK (true)"
        if table == "checks":
            policies["ec_helpdesk_records"] = (f"FOR INSERT TO {HELPDESK_ROLE} WITH CHECK "
                                               f"(kind NOT IN ({_quoted_list(LINK_CHECK_KINDS)}))")
        if table == "health_history":
            policies["ec_helpdesk_records"] = f"FOR INSERT TO {HELPDESK_ROLE} WITH CHECK (true)"
        if table == CHECK_CLAIMS_TABLE:
            policies["ec_claims"] = f"FOR ALL TO {roles} USING (true) WITH CHECK (true)"
        for name, body in policies.items():
            out.append(f"DROP POLICY IF EXISTS {name} ON {table}")
            out.append(f"CREATE POLICY {name} ON {table} {body}")
    return out


def grant_lines() -> list[str]:
    """What an administrator runs to give a person's login role one of the two roles."""
    return [f"GRANT {ADMIN_ROLE} TO <login>;", f"GRANT {HELPDESK_ROLE} TO <login>;"]


# ------------------------------------------------------------------------------------------ connection

@dataclass(frozen=True)
class Target:
    """Where a PostgreSQL registry is (no password: one is never part of it)."""

    conninfo: dict[str, str]

    @property
    def host(self) -> str:
        return self.conninfo.get("host", "") or "localhost"

    @property
    def port(self) -> str:
        return self.conninfo.get("port", "") or "5432"

    @property
    def dbname(self) -> str:
        return self.conninfo.get("dbname", "")

    @property
    def user(self) -> str:
        return self.conninfo.get("user", "")

    @property
    def sslmode(self) -> str:
        return self.conninfo["sslmode"]

    @property
    def where(self) -> str:
        """host:port/db as a person reads it (a unix socket folder shows as its path)."""
        return f"{self.host}:{self.port}/{self.dbname or '(default database)'}"


def is_url(text: str) -> bool:
    return isinstance(text, str) and text.strip().lower().startswith(URL_SCHEMES)


def parse_url(url: str) -> Target:
    """Check a registry URL and add the defaults (sslmode=verify-full); refuses a password in it."""
    import psycopg

    if not is_url(url):
        raise PgRefused(_("{url} is not a PostgreSQL URL: it starts with postgresql:// "
                          "(for example postgresql://db.example.com/ec_registry)").format(url=_shown(url)))
    try:
        params = psycopg.conninfo.conninfo_to_dict(url.strip())
    except psycopg.Error as exc:
        raise PgRefused(_("the PostgreSQL URL cannot be read: {reason}").format(reason=_first_line(exc))) \
            from None
    if params.get("password"):
        raise PgRefused(_("the PostgreSQL URL holds a password; leave it out (it would show on the command "
                          "line and in files): the console takes it from the keychain "
                          "(ec-console registry login) or from libpq's password file (PGPASSFILE)"))
    info = {k: str(v) for k, v in params.items() if v is not None}
    if info.get("sslmode") and info["sslmode"] not in SSLMODES:
        raise PgRefused(_("the PostgreSQL URL's sslmode {sslmode} is not one of {known}")
                        .format(sslmode=repr(info["sslmode"]), known=", ".join(SSLMODES)))
    if info.get("port") and not all(p.strip().isdigit() for p in info["port"].split(",")):
        raise PgRefused(_("the PostgreSQL URL's port {port} is not a number").format(port=repr(info["port"])))
    if not info.get("sslmode"):
        info["sslmode"] = DEFAULT_SSLMODE
        # Verified against the system's certificate authorities unless a root certificate is named.
        if not info.get("sslrootcert") and not os.environ.get("PGSSLROOTCERT") and not _libpq_root_crt():
            bundle = default_root_certificates()
            if bundle is not None:
                info["sslrootcert"] = str(bundle)
    info.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    for key, value in TCP_DEFAULTS.items():
        info.setdefault(key, value)
    info.setdefault("application_name", "ec-console")
    return Target(info)


# Where systems keep their certificate authorities as one file (Debian/Ubuntu, Fedora/RHEL, macOS/Alpine).
_SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                   "/etc/ssl/cert.pem")


def _libpq_root_crt() -> bool:
    """Whether libpq's own root certificate file exists (~/.postgresql/root.crt; %APPDATA% on Windows)."""
    appdata = os.environ.get("APPDATA")
    home = Path(appdata) / "postgresql" if os.name == "nt" and appdata else Path.home() / ".postgresql"
    return (home / "root.crt").is_file()


def default_root_certificates() -> Path | None:
    """The certificate authorities a verify-full connection trusts when the URL names none.

    psycopg's bundled libpq carries its own OpenSSL, whose "system" store points at a folder that does not
    exist on this computer: so the system's bundle file is named (SSL_CERT_FILE first), else certifi's
    (Mozilla's list). A server whose certificate comes from the organisation's own authority needs
    sslrootcert=FILE in the URL.
    """
    for candidate in (os.environ.get("SSL_CERT_FILE"), *_SYSTEM_BUNDLES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    try:
        import certifi
    except ImportError:
        return None
    return Path(certifi.where())


def password_key(target: Target, user: str) -> str:
    """The keychain key of a registry login's password: `postgresql/<user>@<host>:<port>/<db>`."""
    return (f"postgresql/{quote(user, safe='')}@{quote(target.host, safe='')}:{target.port}/"
            f"{quote(target.dbname, safe='')}")


def default_user() -> str:
    import getpass

    return os.environ.get("PGUSER") or getpass.getuser()


def _keychain_password(target: Target) -> str | None:
    from ec_console.secrets import default_store

    try:
        return default_store().get(password_key(target, target.user or default_user()))
    except ConsoleError:
        return None  # no usable keychain: libpq may still find a password (PGPASSFILE) or not need one


def _shown(text: Any) -> str:
    shown = str(text)
    shown = re.sub(r"(://[^/@:]*):[^@/]*@", r"\1:***@", shown)  # never echo a password back
    return repr(shown[:200])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def explain_connect_error(target: Target, exc: Exception) -> str:
    """A plain sentence for a refused connection (no password in it: libpq never puts one in a message)."""
    text = str(exc)
    lower = text.lower()
    user = target.user or default_user()
    if "password authentication failed" in lower or "no password supplied" in lower \
            or "password is required" in lower:
        return _("the PostgreSQL server at {where} refused the sign-in of {user}: the password is wrong or "
                 "missing (store it with 'ec-console registry login --url URL', or in the file PGPASSFILE "
                 "names)").format(where=target.where, user=repr(user))
    if re.search(r'database ".*" does not exist', lower):
        return _("the PostgreSQL server has no database {dbname} ({where})").format(
            dbname=repr(target.dbname), where=target.where)
    if re.search(r'role ".*" does not exist', lower):
        return _("the PostgreSQL server at {where} has no login role {user}").format(where=target.where,
                                                                                     user=repr(user))
    if "no pg_hba.conf entry" in lower:
        return _("the PostgreSQL server at {where} does not accept {user} from this computer (its "
                 "pg_hba.conf has no entry for it): ask the database administrator").format(
            where=target.where, user=repr(user))
    if "does not support ssl" in lower:
        return _("the PostgreSQL server at {where} does not offer TLS, which this connection requires "
                 "(sslmode={sslmode}): ask its administrator to switch TLS on; only for a server on this "
                 "computer, add sslmode=disable to the URL").format(where=target.where,
                                                                    sslmode=target.sslmode)
    if "does not match host name" in lower:
        return _("the TLS connection to {where} could not be verified: the server's certificate does not "
                 "name {host} ({reason}); put the name its certificate carries in the URL").format(
            where=target.where, host=repr(target.host), reason=_first_line(exc))
    if "certificate" in lower or "ssl" in lower:
        return _("the TLS connection to {where} could not be verified ({reason}); if the server's "
                 "certificate comes from your organisation's own certificate authority, name that "
                 "authority's certificate with sslrootcert=FILE in the URL").format(
            where=target.where, reason=_first_line(exc))
    return _("cannot reach the PostgreSQL server at {where}: {reason}").format(where=target.where,
                                                                               reason=_first_line(exc))


def connect(url_or_target: str | Target, *, password: str | None = None, autocommit: bool = False):
    """A psycopg connection to the registry's database; `PgRefused` with a plain message when refused."""
    import psycopg

    target = parse_url(url_or_target) if isinstance(url_or_target, str) else url_or_target
    kwargs = dict(target.conninfo)
    secret = password if password is not None else _keychain_password(target)
    if secret is not None:
        kwargs["password"] = secret
    try:
        return psycopg.connect(autocommit=autocommit, **kwargs)
    except psycopg.OperationalError as exc:
        raise PgRefused(explain_connect_error(target, exc)) from None
    except psycopg.Error as exc:
        raise PgRefused(_("the PostgreSQL registry at {where} cannot be opened: {reason}").format(
            where=target.where, reason=_first_line(exc))) from None


def psycopg_errors() -> Any:
    """psycopg's SQLSTATE exception classes (imported when a registry is used, not with the CLI)."""
    import psycopg.errors

    return psycopg.errors


@contextmanager
def plain_errors(target: Target) -> Iterator[None]:
    """Turns an unexpected database error into one plain line (exit status 1), a lost connection into the
    unreachable-server message."""
    import psycopg

    try:
        yield
    except psycopg.OperationalError as exc:
        raise PgRegistryError(explain_connect_error(target, exc)) from None
    except psycopg.Error as exc:
        raise PgRegistryError(_("the PostgreSQL registry at {where} answered with an error: {reason}").format(
            where=target.where, reason=_first_line(exc))) from None


# -------------------------------------------------------------------------------------------- schema

def schema_version(conn) -> int | None:
    """The registry's schema version, or None when this database holds no registry."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"public.{META_TABLE}",)).fetchone()[0]
    if not exists:
        return None
    row = conn.execute(f"SELECT application_id, schema_version FROM {META_TABLE}").fetchone()
    if row is None:
        return None
    if int(row[0]) != APPLICATION_ID:
        raise PgRefused(_("this PostgreSQL database holds another program's data under the table {table}: "
                          "use a database of its own for the registry").format(table=repr(META_TABLE)))
    return int(row[1])


@dataclass(frozen=True)
class InitResult:
    before: int | None   # the schema version found (None: no registry yet)
    after: int
    roles_created: tuple[str, ...]


def _create_roles(conn) -> tuple[str, ...]:
    created = []
    for role in GROUP_ROLES:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if exists is None:
            conn.execute(f"CREATE ROLE {role} NOLOGIN")
            created.append(role)
    return tuple(created)


def migrate(conn, target_version: int = PG_SCHEMA_VERSION) -> tuple[int | None, int]:
    """Create or upgrade the schema to `target_version` inside the caller's transaction."""
    if not 0 <= target_version <= PG_SCHEMA_VERSION:
        raise ValueError(f"schema version {target_version} does not exist (latest is {PG_SCHEMA_VERSION})")
    before = schema_version(conn)
    if before is not None and before > PG_SCHEMA_VERSION:
        raise PgRefused(_("this registry is at schema {version}, written by a newer console (this one "
                          "understands up to {latest}); update the console to use it").format(
            version=before, latest=PG_SCHEMA_VERSION))
    conn.execute(_META)
    if before is None:
        conn.execute(f"INSERT INTO {META_TABLE} (application_id, schema_version) VALUES (%s, 0)",
                     (APPLICATION_ID,))
    current = before or 0
    for migration in PG_MIGRATIONS[current:target_version]:
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute(f"UPDATE {META_TABLE} SET schema_version = %s", (migration.version,))
        current = migration.version
    return before, current


def initialise(conn) -> InitResult:
    """Schema, roles, GRANTs and row-level security in one transaction (all of it or nothing).

    Run by the database's administrator (the tables' owner-to-be; creating the roles needs CREATEROLE).
    Two `registry init` at once wait for each other (an advisory lock), and the second finds it done.
    """
    import psycopg

    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (APPLICATION_ID,))
            roles = _create_roles(conn)
            before, after = migrate(conn)
            for statement in _role_statements():
                conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PgRefused(_("the login role {user} may not set the registry up ({reason}); nothing was "
                          "changed. Run 'registry init' as the database's owner, with the right to create "
                          "roles (CREATEROLE)").format(user=repr(conn.info.user), reason=_first_line(exc))) \
            from None
    return InitResult(before, after, roles)


@dataclass(frozen=True)
class SignedIn:
    user: str
    role: str            # "admin", "helpdesk", "owner" (the database's administrator) or "none"
    explanation: str     # English (`registry status --json`'s role_detail); people read explanation_text

    @property
    def explanation_text(self) -> str:
        """The explanation in the current language (role names and the GRANT statement kept)."""
        return role_explanation(self.role, self.user)


def role_explanation(role: str, user: str, *, translate: bool = True) -> str:
    """What a login's registry role means ("member of ec_admin"), in the current language or English."""
    texts = {"admin": N_("member of {role}"), "helpdesk": N_("member of {role}"),
             "owner": N_("the registry's owner (database administrator), not a console role"),
             "none": N_("neither {admin} nor {helpdesk}: ask an administrator to run GRANT {helpdesk} TO "
                        "{user}; (or {admin})")}
    text = texts.get(role)
    if text is None:
        return role
    return (_(text) if translate else text).format(
        role=ADMIN_ROLE if role == "admin" else HELPDESK_ROLE, admin=ADMIN_ROLE, helpdesk=HELPDESK_ROLE,
        user=user)


def signed_in_role(conn) -> SignedIn:
    """Which of the registry's roles the connection's login holds (admin wins over helpdesk)."""
    user = conn.execute("SELECT session_user").fetchone()[0]
    if _member_of(conn, ADMIN_ROLE):
        role = "admin"
    elif _member_of(conn, HELPDESK_ROLE):
        role = "helpdesk"
    else:
        owner = conn.execute("SELECT tableowner = session_user FROM pg_tables WHERE schemaname = 'public' "
                             "AND tablename = %s", (META_TABLE,)).fetchone()
        role = "owner" if owner is not None and owner[0] else "none"
    return SignedIn(user, role, role_explanation(role, user, translate=False))


def _member_of(conn, role: str) -> bool:
    """Whether the login holds `role` (directly or through another role); False when the role is absent."""
    row = conn.execute("SELECT pg_has_role(session_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                       (role,)).fetchone()
    return bool(row and row[0])


# --------------------------------------------------------------------------------------- audit chain

_CHAIN_COLUMNS = "id, at, os_user, db_session_user, action, subject, detail, prev_hash, row_hash"
AUDIT_WALK_BATCH = 2000


def iter_audit_chain(conn, *, batch: int = AUDIT_WALK_BATCH) -> Iterator[Any]:
    """Every audit row in id order (chain order) as `audit_chain.ChainRow`, through a server-side cursor:
    `batch` rows cross the network at a time, so memory does not grow with the audit. Call it inside a
    transaction (a server-side cursor lives in one)."""
    from ec_console.audit_chain import ChainRow

    with conn.cursor(name="ec_audit_chain_walk") as cursor:
        cursor.itersize = batch
        cursor.execute(f"SELECT {_CHAIN_COLUMNS} FROM audit ORDER BY id")
        for row in cursor:
            yield ChainRow(*row)


def audit_by_hash(conn, digest: str) -> Any:
    """The audit row whose row_hash is `digest`, or None (a scan: only asked once a link is broken)."""
    from ec_console.audit_chain import ChainRow

    row = conn.execute(f"SELECT {_CHAIN_COLUMNS} FROM audit WHERE row_hash = %s ORDER BY id LIMIT 1",
                       (digest,)).fetchone()
    return None if row is None else ChainRow(*row)


def audit_head(conn) -> Any:
    """The count and newest hash the server kept beside the audit (None: not kept)."""
    from ec_console.audit_chain import ChainHead

    row = conn.execute(f"SELECT entries, head FROM {AUDIT_HEAD_TABLE} WHERE id = 1").fetchone()
    return None if row is None else ChainHead(int(row[0]), str(row[1]))


def verify_audit(conn, *, known_head: str | None = None) -> Any:
    """Walk a PostgreSQL registry's audit chain (streamed, in id order) with `audit_chain.verify`: one
    consistent snapshot (REPEATABLE READ, read only), so entries appended meanwhile are not half-seen."""
    from contextlib import closing, nullcontext

    from ec_console.audit_chain import verify

    with conn.transaction() if conn.autocommit else nullcontext():
        if conn.autocommit or conn.info.transaction_status == _idle():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with closing(iter_audit_chain(conn)) as rows:  # the cursor closes before the transaction ends
            return verify(rows, find=lambda digest: audit_by_hash(conn, digest), recorded=audit_head(conn),
                          known_head=known_head)


def _idle() -> Any:
    from psycopg.pq import TransactionStatus

    return TransactionStatus.IDLE


# ------------------------------------------------------------------------------------------- queries
#
# The profile table's queries with the same answers as `Registry.status_counts` / `profile_page` /
# `count_profiles` on SQLite (tested side by side on the same rows), for the registry interface over both
# engines. The sort keys are SQLite's `_SORT_KEYS` spelled for PostgreSQL: byte order (`COLLATE "C"`, as
# SQLite's BINARY), `lower(... COLLATE "C")` for NOCASE, and NULLs first in ascending order, as SQLite sorts
# them. A substring search is the same `LIKE` on the search keys; the planner answers it through the
# `pg_trgm` index when that pays.

# The columns are declared COLLATE "C", so each key list is an index of migration 3 plus the id.
_PG_SORT_KEYS: dict[str, tuple[str, ...]] = {
    "email": ("p.email_key",),
    "display_name": ("p.name_key", "p.email_key", "p.status"),
    "application": ('lower(a.name COLLATE "C")', "a.id", "p.email_key", "p.status"),
    "provider": ("a.provider", 'lower(a.name COLLATE "C")', "a.id", "p.email_key", "p.status"),
    "status": ("p.status", "p.email_key"),
    "last_checked_at": ("p.last_checked_at", "p.email_key", "p.status"),
    "last_result": ("p.last_result", "p.email_key", "p.status"),
}
_NULLABLE_SORT_KEYS = frozenset({"p.last_checked_at", "p.last_result"})
_PROFILE_COLUMNS = """p.id, p.application_id, a.name, a.provider, p.email, p.display_name, p.status,
    p.last_checked_at, p.last_result, p.last_diagnosis, p.created_at, p.updated_at, p.version"""


def _short_needle(query: Any) -> str | None:
    """The folded needle when it is one or two characters long (what `SHORT_SEARCH_INDEX` answers)."""
    from ec_console.registry import _has_control, _has_surrogate, search_key

    needle = query.search.strip()
    if not needle or _has_control(needle) or _has_surrogate(needle):
        return None
    folded = search_key(needle)
    return folded if len(folded) <= SHORT_SEARCH_LONGEST else None


def _profile_where(query: Any, *, short_index: bool = False) -> tuple[str, list[Any]]:
    """The WHERE clause and its parameters. With `short_index`, a needle of one or two characters is first
    narrowed through `SHORT_SEARCH_INDEX` (its candidates are exactly the rows holding the needle); the LIKE
    still decides, so the rows are the same either way."""
    from ec_console.registry import _escape_like, _has_control, _has_surrogate, search_key

    clauses: list[str] = []
    params: list[Any] = []
    needle = query.search.strip()
    if needle:
        if _has_control(needle) or _has_surrogate(needle):
            clauses.append("false")  # stored names never hold control characters or lone surrogates
        else:
            folded = search_key(needle)
            if short_index and len(folded) <= SHORT_SEARCH_LONGEST:
                # The needle spelled as constants, not a parameter: psycopg prepares a statement run five
                # times, and PostgreSQL's generic plan for a parameter guesses its share of the rows (and
                # then may test every row's pieces: 0.2-0.9 s); chr() of constants is folded before
                # planning, so the plan always sees the needle (no quoting either).
                pieces = " || ".join(f"chr({ord(ch)})" for ch in folded)
                clauses.append(f"{SHORT_SEARCH_FUNCTION}(p.email_key, p.name_key) @> ARRAY[{pieces}]")
            pattern = f"%{_escape_like(folded)}%"
            clauses.append("(p.email_key LIKE %s ESCAPE '\\' OR p.name_key LIKE %s ESCAPE '\\')")
            params += [pattern, pattern]
    if query.status is not None:
        clauses.append("p.status = %s")
        params.append(query.status)
    if query.application_id is not None:
        clauses.append("p.application_id = %s")
        params.append(query.application_id)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _profile_order(query: Any) -> str:
    direction = " DESC" if query.descending else ""
    keys = []
    for key in (*_PG_SORT_KEYS[query.sort], "p.id"):
        nulls = (" NULLS LAST" if query.descending else " NULLS FIRST") if key in _NULLABLE_SORT_KEYS else ""
        keys.append(f"{key}{direction}{nulls}")
    return " ORDER BY " + ", ".join(keys)


def status_counts(conn, *, application_id: int | None = None) -> dict[str, int]:
    """Profiles per status (every status present, zero included), from the maintained counts."""
    from ec_console.registry import PROFILE_STATUSES

    where, params = ("", ()) if application_id is None else (" WHERE application_id = %s", (application_id,))
    counts = dict.fromkeys(PROFILE_STATUSES, 0)
    for status, count in conn.execute(
            f"SELECT status, SUM(n) FROM {PROFILE_COUNTS}{where} GROUP BY status", params):
        counts[status] = int(count)
    return counts


def count_profiles(conn, query: Any) -> int:
    """How many profiles match `query` (a `registry.ProfileQuery`): without a search, a lookup in the
    maintained counts, as on SQLite."""
    from ec_console.registry import check_profile_query

    check_profile_query(query)
    if not query.search.strip():
        clauses, values = [], []
        for column, value in (("status", query.status), ("application_id", query.application_id)):
            if value is not None:
                clauses.append(f"{column} = %s")
                values.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return int(conn.execute(f"SELECT COALESCE(SUM(n), 0) FROM {PROFILE_COUNTS}{where}",
                                values).fetchone()[0])
    where, params = _profile_where(query, short_index=_short_index_pays(conn, query))
    return int(conn.execute(f"SELECT COUNT(*) FROM profiles p{where}", params).fetchone()[0])


def _short_index_pays(conn, query: Any) -> bool:
    """Whether `query`'s needle of one or two characters should go through `SHORT_SEARCH_INDEX`: when
    PostgreSQL's own plan for its count reads that index (a needle in a few rows). For a needle in most
    rows (`m`, `co`) the planner scans the table instead, and would then compute every row's pieces to
    test them: there the plain LIKE scan is used (tested beside it, 50 ms against 2 s at 100,000 profiles).
    Asking costs a plan (under a millisecond), not a read."""
    if _short_needle(query) is None:
        return False
    where, params = _profile_where(query, short_index=True)
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) SELECT COUNT(*) FROM profiles p{where}", params).fetchone()[0]
    return _plan_reads(plan, SHORT_SEARCH_INDEX)


def _plan_reads(plan: Any, index: str) -> bool:
    """Whether an `EXPLAIN (FORMAT JSON)` plan reads `index`."""
    if isinstance(plan, dict):
        return plan.get("Index Name") == index or any(_plan_reads(v, index) for v in plan.values())
    if isinstance(plan, list):
        return any(_plan_reads(v, index) for v in plan)
    return False


def profiles_by_ids(conn, ids: Sequence[int]) -> list[Any]:
    """Rows for `ids` as `registry.Profile`, in the order given (missing ids left out)."""
    from ec_console.registry import Profile

    wanted = list(ids)
    found = {row[0]: Profile(*row) for row in conn.execute(
        f"SELECT {_PROFILE_COLUMNS} FROM profiles p JOIN applications a ON a.id = p.application_id "
        "WHERE p.id = ANY(%s)", (wanted,))}
    return [found[i] for i in wanted if i in found]


_SORT_MATCHES = 5000  # a page of a search with at most this many matches sorts them (as on SQLite)


def profile_page(conn, query: Any, offset: int, limit: int, *, total: int | None = None) -> list[Any]:
    """`limit` matching profiles from position `offset` in `query`'s order (`Registry.profile_page`).

    Given `total` (the query's row count, which the window has before it asks for a page):
    - a search with few matches sorts them (the trigram index finds them, or for a needle of one or two
      characters `SHORT_SEARCH_INDEX`) instead of walking the sort index and testing every row on the way,
      as on SQLite;
    - a page in the second half is read from the other end of the sort index, so no page walks more than
      half of it;
    - sorted by application or provider without a search, the page is read application by application
      through `profiles_by_application`, placed by the maintained counts: no sort of the whole table.
    """
    from dataclasses import replace

    from ec_console.registry import RegistryInputError, check_profile_query

    check_profile_query(query)
    if offset < 0 or limit < 0:
        raise RegistryInputError("limit and offset must not be negative")
    searching = bool(query.search.strip())
    if query.sort in ("application", "provider") and not searching:
        return profiles_by_ids(conn, _page_by_application(conn, query, offset, limit))
    few = searching and total is not None and _few_matches(conn, total, offset, limit)
    reverse = not few and total is not None and offset + limit // 2 > total // 2 and offset < total
    if reverse:
        end = min(total, offset + limit)
        query = replace(query, descending=not query.descending)
        offset, limit = total - end, end - offset
    where, params = _profile_where(query, short_index=searching and _short_index_pays(conn, query))
    join = " JOIN applications a ON a.id = p.application_id" if query.sort in ("application", "provider") \
        else ""
    if few:  # the matches first (through the trigram index), then their order
        sql = (f"WITH p AS MATERIALIZED (SELECT p.* FROM profiles p{where}) "
               f"SELECT p.id FROM p{join}{_profile_order(query)} LIMIT %s OFFSET %s")
    else:
        sql = f"SELECT p.id FROM profiles p{join}{where}{_profile_order(query)} LIMIT %s OFFSET %s"
    ids = [r[0] for r in conn.execute(sql, (*params, limit, offset))]
    if reverse:
        ids.reverse()
    return profiles_by_ids(conn, ids)


def _few_matches(conn, total: int, offset: int, limit: int) -> bool:
    """Whether sorting a search's `total` matches costs less than walking the sort index to the page
    (SQLite's rule in `Registry.profile_page`)."""
    everyone = int(conn.execute(f"SELECT COALESCE(SUM(n), 0) FROM {PROFILE_COUNTS}").fetchone()[0])
    return total <= max(_SORT_MATCHES, (2 * (offset + limit) * everyone) ** 0.5)


def _page_by_application(conn, query: Any, offset: int, limit: int) -> list[int]:
    """Ids of a page sorted by application (or provider, then application), with no search: the
    applications in order, each one's share of the rows from `profile_counts`, then only the applications
    the page falls in are read, each through its index."""
    direction = " DESC" if query.descending else ""
    order = ('lower(a.name COLLATE "C"), a.id' if query.sort == "application"
             else 'a.provider, lower(a.name COLLATE "C"), a.id')
    order = ", ".join(f"{key.strip()}{direction}" for key in order.split(","))
    clauses, values = [], []
    if query.status is not None:
        clauses.append("c.status = %s")
        values.append(query.status)
    if query.application_id is not None:
        clauses.append("a.id = %s")
        values.append(query.application_id)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    shares = conn.execute(
        f"SELECT a.id, COALESCE(SUM(c.n), 0) FROM applications a LEFT JOIN {PROFILE_COUNTS} c "
        f"ON c.application_id = a.id{where} GROUP BY a.id ORDER BY {order}", values).fetchall()
    ids: list[int] = []
    status = " AND p.status = %s" if query.status is not None else ""
    for application_id, count in shares:
        if len(ids) >= limit:
            break
        if offset >= count:
            offset -= count
            continue
        rows = conn.execute(
            f"SELECT p.id FROM profiles p WHERE p.application_id = %s{status} "
            f"ORDER BY p.email_key{direction}, p.status{direction}, p.id{direction} LIMIT %s OFFSET %s",
            (application_id, *([query.status] if query.status is not None else []), limit - len(ids),
             offset)).fetchall()
        ids += [r[0] for r in rows]
        offset = 0
    return ids


__all__ = ["ADMIN_ROLE", "HELPDESK_ROLE", "PG_MIGRATIONS", "PG_SCHEMA_VERSION", "PgRefused",
           "PgRegistryError", "Target", "connect", "grant_lines", "initialise", "migrate", "parse_url",
           "password_key", "schema_version", "signed_in_role", "status_counts", "count_profiles",
           "profile_page", "profiles_by_ids", "verify_audit", "iter_audit_chain", "audit_head"]


# ------------------------------------------------------------------------ the registry's engine layer
#
# `registry.Registry` holds one set of SQL for both engines, written for SQLite. On PostgreSQL its connection
# is a `PgConnection`: the same `execute(sql, params)` with SQLite's `?` placeholders (translated here, as are
# the few spellings that differ), a cursor with `fetchone()/fetchall()/fetchmany()/rowcount/lastrowid`, and
# PostgreSQL's refusals turned into the console's errors (`RoleRefused`, `RegistryError`).

_NOCASE_EQUALS_RE = re.compile(r"([\w.]+) = \? COLLATE NOCASE")
_NOCASE_RE = re.compile(r"([\w.]+) COLLATE NOCASE")
_UNARY_PLUS_RE = re.compile(r"(?<=[\s(,])\+(?=[a-z]\.\w)")
_TRANSLATED: dict[str, str] = {}
_INSERT_RE = re.compile(r"\s*INSERT\s+INTO\s+(\w+)", re.I)
_TABLES_WITH_ID = frozenset({"applications", "profiles", "checks", "audit", "reconciliations",
                             "reconciliation_findings", "health_history"})


def translate(sql: str) -> str:
    """SQLite's spelling of a registry query in PostgreSQL's: `?` -> `%s` (outside quotes; a literal `%`
    doubled), `x COLLATE NOCASE` -> `lower(x COLLATE "C")` (ASCII letters folded, as NOCASE folds them),
    SQLite's unary `+` (a planner hint) dropped, `char()` -> `chr()`."""
    done = _TRANSLATED.get(sql)
    if done is not None:
        return done
    text = _UNARY_PLUS_RE.sub("", sql)
    text = _NOCASE_EQUALS_RE.sub(r'lower(\1 COLLATE "C") = lower(CAST(? AS text) COLLATE "C")', text)
    text = _NOCASE_RE.sub(r'lower(\1 COLLATE "C")', text)
    text = text.replace("char(31)", "chr(31)")
    out: list[str] = []
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    done = "".join(out)
    if len(_TRANSLATED) < 4096:
        _TRANSLATED[sql] = done
    return done


# What a refused statement was trying to do, in words (the first match wins; marked for translation, shown
# with _() by refused_words).
_REFUSED_WORDS = (
    (re.compile(r"^\s*UPDATE\s+profiles\b.*'revoked'", re.S | re.I), N_("revoke profiles")),
    (re.compile(r"^\s*INSERT\s+INTO\s+applications\b", re.I), N_("add applications")),
    (re.compile(r"^\s*UPDATE\s+applications\b", re.I), N_("change applications")),
    (re.compile(r"^\s*DELETE\s+FROM\s+applications\b", re.I), N_("remove applications")),
    (re.compile(r"^\s*INSERT\s+INTO\s+profiles\b", re.I), N_("link profiles")),
    (re.compile(r"^\s*UPDATE\s+profiles\b", re.I), N_("change profiles this way")),
    (re.compile(r"^\s*DELETE\s+FROM\s+profiles\b", re.I), N_("remove profiles")),
    (re.compile(r"^\s*INSERT\s+INTO\s+checks\b", re.I), N_("record a link attempt")),
    (re.compile(r"^\s*INSERT\s+INTO\s+audit\b", re.I), N_("write this kind of audit entry")),
    (re.compile(r"^\s*(UPDATE|DELETE\s+FROM|TRUNCATE)\s+audit\b", re.I), N_("change the audit trail")),
    (re.compile(r"^\s*(INSERT\s+INTO|DELETE\s+FROM)\s+reconciliation", re.I), N_("record reconciliations")),
)


def refused_words(sql: str, params: Sequence[Any] = ()) -> str:
    """What `sql` was trying to do, as an administrator says it ("revoke profiles"), in the current
    language."""
    shown = sql
    if any(p == "revoked" for p in params or ()):
        shown = sql + " 'revoked'"
    for pattern, words in _REFUSED_WORDS:
        if pattern.search(shown):
            return _(words)
    return _("make this change")


class PgCursor:
    """A psycopg cursor with what the registry's code reads of SQLite's: rows as tuples, `rowcount`,
    `lastrowid` (the identity value the last INSERT on this connection took)."""

    def __init__(self, cursor, owner: PgConnection, *, added_id: bool = False) -> None:
        self._cursor = cursor
        self._owner = owner
        self._added_id = added_id  # the INSERT was given `RETURNING id` here, for `lastrowid`
        self._lastrowid: int | None = None

    def fetchone(self):
        return None if self._cursor.description is None or self._added_id else self._cursor.fetchone()

    def fetchall(self):
        return [] if self._cursor.description is None or self._added_id else self._cursor.fetchall()

    def fetchmany(self, size: int = 1):
        return [] if self._cursor.description is None or self._added_id else self._cursor.fetchmany(size)

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The id of the last row an INSERT added (as SQLite's); None for any other statement."""
        if self._added_id and self._lastrowid is None:
            rows = self._cursor.fetchall()
            self._lastrowid = int(rows[-1][0]) if rows else None
        return self._lastrowid

    @property
    def description(self):
        return self._cursor.description

    def close(self) -> None:
        self._cursor.close()


def reconnecting_message(where: str) -> str:
    """What a request says while its connection is being opened again on another thread."""
    return _("Reconnecting to the registry at {where}… The connection was lost; nothing more was written, "
             "and what is shown stays until the registry answers again.").format(where=where)


# Statements that change nothing: outside a unit of work, one that met a lost connection is sent again once
# on a fresh connection (a transaction's BEGIN included: nothing of it had happened yet).
_STREAMS = itertools.count(1)   # the names of server-side cursors (unique per process)
_CHANGES_NOTHING = re.compile(r"\s*(SELECT|SET|SHOW|BEGIN)\b", re.IGNORECASE)


class PgConnection:
    """The registry's connection on PostgreSQL (autocommit: `Registry` says BEGIN / SAVEPOINT / COMMIT
    itself, as on SQLite). `explain_role` names the signed-in role in a refusal.

    A lost connection (server restart, `pg_terminate_backend`, network) is opened again by itself, once, on
    the next statement that changes nothing (a read, a `SET`, a transaction's `BEGIN`) outside a unit of
    work (`idle()`, the owner's say), and that statement is sent again on the new connection: the window's
    reads, its reader threads and the next action work again after a restart. A statement inside a unit of
    work, or one that writes, is never sent twice: its `ConnectionLost` says nothing more was written."""

    def __init__(self, raw, target: Target, role: str = "", *, reopen: Any = None, idle: Any = None) -> None:
        self.raw = raw
        self.target = target
        self.role = role
        self._reopen = reopen            # () -> a new psycopg connection to the same registry; None: never
        self._idle = idle or (lambda: True)
        self._closed = False
        self.reconnects = 0              # how many times the connection was opened again
        # Opening again elsewhere (`reopen_elsewhere`): a GUI thread's connection never waits for the network.
        self._elsewhere: Any = None      # (job) -> None: runs job() on another thread; None: open here
        self._suspect = False            # known or said (by the live-update listener) to be lost
        self._reopening = False          # a job opening it again is under way
        self._fresh: Any = None          # the connection that job opened, taken at the next statement
        self._lock = threading.Lock()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        # SQLite's `lastrowid` is PostgreSQL's `RETURNING id` (`lastval()` would need a grant on the sequence)
        insert = _INSERT_RE.match(sql)
        added_id = bool(insert and insert.group(1) in _TABLES_WITH_ID and "RETURNING" not in sql.upper())
        text = translate(sql + " RETURNING id" if added_id else sql)

        def run(raw: Any) -> PgCursor:
            cursor = raw.cursor()
            cursor.execute(text, tuple(params or ()))
            return PgCursor(cursor, self, added_id=added_id)

        return self.run(run, sql, params)

    def executemany(self, sql: str, seq: Any) -> PgCursor:
        if self._elsewhere is not None and not self._closed and self._suspect:
            raise self._reconnecting()   # a write: never sent on a connection known to be lost
        cursor = self.raw.cursor()
        with self.errors(sql):
            cursor.executemany(translate(sql), list(seq))
        return PgCursor(cursor, self)

    def stream(self, sql: str, params: Sequence[Any] = (), *, batch: int = 500) -> Iterator[tuple]:
        """The rows of a read through a server-side (named) cursor, `batch` at a time: the result stays on the
        server and memory does not grow with it (`Registry.iter_profiles`). Outside a transaction it opens a
        read-only one of its own for the cursor's life, ended when the rows are read or the iterator is
        closed; inside a unit of work the cursor lives in it."""
        text = translate(sql)
        own: list[bool] = []

        def declare(raw: Any) -> Any:
            own[:] = [raw.info.transaction_status == _idle()]
            if own[0]:
                raw.execute("BEGIN READ ONLY")
            cursor = raw.cursor(name=f"ec_stream_{next(_STREAMS)}")
            cursor.itersize = batch
            cursor.execute(text, tuple(params or ()))
            return cursor

        cursor = self.run(declare, "SELECT")
        raw = self.raw
        try:
            while True:
                with self.errors(sql, params):
                    rows = cursor.fetchmany(batch)
                if not rows:
                    return
                yield from rows
        finally:
            try:
                cursor.close()
                if own and own[0] and raw is self.raw and not raw.closed:
                    raw.execute("COMMIT")
            except Exception:  # noqa: BLE001 - a lost connection ends the cursor and its transaction itself
                pass

    def read(self, action: Any) -> Any:
        """`action(raw)`, a read on the psycopg connection itself (`profile_page`, `verify_audit`): sent again
        once on a fresh connection when the connection was lost."""
        return self.run(action, "SELECT")

    def run(self, action: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._elsewhere is not None:
            return self._run_here(action, sql, params)
        revivable = self._revivable(sql)
        if revivable and self.raw.closed:
            self.revive()
        try:
            with self.errors(sql, params):
                return action(self.raw)
        except ConnectionLost:
            if not revivable:
                raise
        self.revive()
        with self.errors(sql, params):
            return action(self.raw)

    # ---------------------------------------------------------------- opening again on another thread

    def reopen_elsewhere(self, start: Any) -> None:
        """From now on this connection is never opened again on the calling thread (a GUI thread, which must
        not wait for the network): when it is lost, `start(job)` is called and must run `job()` on another
        thread; `job` opens the new connection (up to `connect_timeout`) and returns True when it did. Until
        then every statement raises `ConnectionLost` at once ("reconnecting"), sending nothing; the first
        statement outside a unit of work after it takes the new connection. A write is never sent twice:
        one that met the loss raises `ConnectionLost`, as always."""
        self._elsewhere = start

    def mark_lost(self) -> None:
        """Someone else noticed the network is gone (the live-update listener's connection was lost): stop
        sending on this connection, which may wait for a silent network, and open it again elsewhere."""
        if self._elsewhere is None or self._closed:
            return
        self._suspect = True
        self._start_reopening()

    @property
    def reopening(self) -> bool:
        """Whether the connection is lost and being opened again elsewhere."""
        return self._suspect and self._fresh is None

    def _reconnecting(self) -> ConnectionLost:
        return ConnectionLost(reconnecting_message(self.target.where))

    def _start_reopening(self) -> None:
        with self._lock:
            if self._reopening or self._fresh is not None or self._reopen is None:
                return
            self._reopening = True

        def job() -> bool:
            try:
                raw = self._reopen()
            except BaseException:
                with self._lock:
                    self._reopening = False
                raise
            with self._lock:
                self._reopening = False
                if self._closed:
                    raw.close()
                    return False
                self._fresh = raw
            return True

        try:
            self._elsewhere(job)
        except BaseException:
            with self._lock:
                self._reopening = False
            raise

    def _take_fresh(self) -> bool:
        """Use the connection a job opened (outside a unit of work only); True when one was taken."""
        with self._lock:
            raw, self._fresh = self._fresh, None
        if raw is None:
            return False
        old, self.raw = self.raw, raw
        self._suspect = False
        self.reconnects += 1
        try:
            old.close()
        except Exception:  # noqa: BLE001 - a broken connection may fail to close: it is dropped anyway
            pass
        return True

    def _run_here(self, action: Any, sql: str, params: Sequence[Any]) -> Any:
        """`run` for a connection opened again elsewhere: never waits here for a connection to open."""
        if self._closed:
            with self.errors(sql, params):
                return action(self.raw)
        if self._fresh is not None and bool(self._idle()):
            self._take_fresh()
        if self._suspect or self.raw.closed:
            self._suspect = True
            self._start_reopening()
            raise self._reconnecting()
        try:
            with self.errors(sql, params):
                return action(self.raw)
        except ConnectionLost:
            self._suspect = True
            self._start_reopening()
            if _CHANGES_NOTHING.match(sql) is None or not self._idle():
                raise                        # a write, or a unit of work: lost, said as always
        raise self._reconnecting()           # a read: said at once, read again once opened

    def _revivable(self, sql: str) -> bool:
        return (self._reopen is not None and not self._closed and bool(self._idle())
                and _CHANGES_NOTHING.match(sql) is not None)

    def revive(self) -> None:
        """Open the connection again (the old one is dropped); `ConnectionLost` when the server cannot be
        reached yet."""
        import logging

        try:
            raw = self._reopen()
        except PgRegistryError as exc:
            raise ConnectionLost(_("The connection to the registry at {where} was lost and cannot be "
                                   "opened again yet ({reason}). Nothing more was written; try again once "
                                   "the server can be reached.").format(where=self.target.where,
                                                                        reason=exc)) from None
        old, self.raw = self.raw, raw
        self.reconnects += 1
        try:
            old.close()
        except Exception:  # noqa: BLE001 - a broken connection may fail to close: it is dropped anyway
            pass
        logging.getLogger(__name__).info("the connection to the registry at %s was opened again",
                                         self.target.where)

    @property
    def lost(self) -> bool:
        """Whether the connection is known to be gone (the next read opens it again)."""
        return not self._closed and bool(self.raw.closed)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != _idle()

    def close(self) -> None:
        self._closed = True
        self.raw.close()
        with self._lock:
            fresh, self._fresh = self._fresh, None
        if fresh is not None:
            fresh.close()

    @contextmanager
    def errors(self, sql: str = "", params: Sequence[Any] = ()) -> Iterator[None]:
        """PostgreSQL's refusals in the console's words: a role's (SQLSTATE 42501, also a row-level security
        refusal) is `RoleRefused`, a lost connection `ConnectionLost` (a `RegistryError`); integrity errors (a
        taken name) and a cancelled read pass through for the registry to word."""
        import psycopg

        from ec_console.errors import RoleRefused
        from ec_console.registry import RegistryError

        try:
            yield
        except psycopg.errors.InsufficientPrivilege:
            role = self.role or _("without a console role")
            raise RoleRefused(_("Your registry role ({role}) may not {doing}: ask an administrator.").format(
                role=role, doing=refused_words(sql, params))) from None
        except (psycopg.errors.IntegrityError, psycopg.errors.QueryCanceled):
            raise
        except psycopg.OperationalError as exc:
            raise ConnectionLost(self._lost(exc)) from None
        except psycopg.Error as exc:
            if self.raw.closed or self.raw.broken:
                raise ConnectionLost(self._lost(exc)) from None
            raise RegistryError(_("The registry at {where} refused a request: {reason}").format(
                where=self.target.where, reason=_first_line(exc))) from None

    def _lost(self, exc: BaseException) -> str:
        return _("The connection to the registry at {where} was lost ({reason}). Nothing more was written; "
                 "try again once the server can be reached.").format(where=self.target.where,
                                                                     reason=_first_line(exc))


def integrity_error() -> type[Exception]:
    import psycopg

    return psycopg.errors.IntegrityError
