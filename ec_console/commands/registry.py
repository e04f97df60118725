"""`ec-console registry init|login|status|migrate`: where a region's registry lives, and setting up a
shared one.

    ec-console registry init --url URL [--json]
    ec-console registry login --url URL
    ec-console registry status [--region ID | --url URL] [--json]
    ec-console registry migrate [--region ID] --to URL [--json]

`init` creates (or upgrades) the registry's schema in a PostgreSQL database, the group roles `ec_admin` and
`ec_helpdesk` with their GRANTs and row-level security (ec_console/registry_pg.py), and prints the GRANT lines
an administrator runs to give each person's login role one of them. Running it again is harmless.
`login` checks a login role's password against the server and keeps it in the keychain, where the console
finds it (the password comes from EC_PASSWORD or a hidden prompt, never from argv). `status` says which
engine holds the registry and where, its schema version and the signed-in role; it changes nothing.
`migrate` copies the region's SQLite registry into a PostgreSQL one, compares every row and verifies the
audit chain there (ec_console/registry_copy.py); interrupted, the same command continues.

Exit statuses: 0 done, 1 (migrate) a difference, a broken audit chain or an interrupted copy, 2 refused
before any work (bad URL, server unreachable, sign-in refused, no
registry in that database, a login role that may not set the registry up).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any, TextIO

from ec_console.commands.common import json_flag, parser_class, region_flag, resolve_region, verbose_flag
from ec_console.errors import BadInput, ExitStatus
from ec_console.i18n import N_, _, ngettext

SQLITE_ROLE = "admin"
SQLITE_ROLE_DETAIL = N_("admin (one desktop)")


def register(subparsers: Any) -> None:
    """Add `registry` and its actions to the top-level subparsers of `ec-console`."""
    registry = subparsers.add_parser(
        "registry",
        help=_("where the registry lives; set up a shared PostgreSQL registry"),
        description=_("A region's registry is a SQLite file on this computer (the default), or a PostgreSQL "
        "database a team shares, named by a URL such as postgresql://db.example.com/ec_registry. "
        "TLS is verified (sslmode=verify-full) unless the URL sets sslmode. Passwords never go in the "
        "URL or on the command line: 'registry login' keeps one in the keychain, or libpq reads it from "
        "the file PGPASSFILE names."),
    )
    actions = registry.add_subparsers(dest="registry_command", metavar="ACTION",
                                      parser_class=parser_class(subparsers), required=True)
    init = actions.add_parser(
        "init",
        help=_("create the registry, its roles and their rights in a PostgreSQL database"),
        description=_("Create (or upgrade) the registry's tables in the PostgreSQL database of --url, the "
        "group roles ec_admin (everything) and ec_helpdesk (reads, runs checks and records their "
        "results, appends to the audit), their GRANTs and row-level security. Run it as the database's "
        "owner with the right to create roles. Running it again changes nothing that is already right."),
    )
    init.add_argument("--url", required=True, metavar="URL", help=_("the PostgreSQL database "
                                                                    "(postgresql://...)"))
    json_flag(init, N_("the outcome"))
    verbose_flag(init)
    init.set_defaults(handler=run_init)

    login = actions.add_parser(
        "login",
        help=_("keep a PostgreSQL login role's password in the keychain"),
        description=_("Sign in to the PostgreSQL database of --url with the password from EC_PASSWORD or a "
        "hidden prompt and, when the server accepts it, keep it in this computer's keychain for that "
        "login role, server and database."),
    )
    login.add_argument("--url", required=True, metavar="URL", help=_("the PostgreSQL database "
                                                                     "(postgresql://...)"))
    verbose_flag(login)
    login.set_defaults(handler=run_login)

    status = actions.add_parser(
        "status",
        help=_("which engine holds the registry, where, its schema version and your role"),
        description=_("Which engine holds the region's registry and where (the SQLite file, or the "
        "PostgreSQL server, database and login role; never a password), its schema version and the "
        "role you act in. Changes nothing."),
    )
    where = status.add_mutually_exclusive_group()
    region_flag(where)
    where.add_argument("--url", metavar="URL", help=_("a PostgreSQL registry (postgresql://...) instead of "
                       "the region's SQLite file"))
    json_flag(status, N_("the status"))
    verbose_flag(status)
    status.set_defaults(handler=run_status)

    migrate = actions.add_parser(
        "migrate",
        help=_("copy a region's SQLite registry, audit trail included, into a PostgreSQL registry"),
        description=_("Copy the region's SQLite registry (brought to the current schema first) into the "
        "PostgreSQL registry of --to, which 'registry init' set up and which holds no other registry's "
        "data: applications, profiles, checks, reconciliations, health history and the audit trail with "
        "its hash chain. Then every row is compared with the SQLite file, column by column, and the audit "
        "chain is verified on PostgreSQL. Interrupted, the same command continues where it stopped. Run "
        "it as the database's administrator (the login that ran 'registry init'). The SQLite file is not "
        "changed."),
    )
    region_flag(migrate)
    migrate.add_argument("--to", required=True, metavar="URL",
                         help=_("the PostgreSQL registry (postgresql://...)"))
    json_flag(migrate, N_("the outcome"))
    verbose_flag(migrate)
    migrate.set_defaults(handler=run_migrate)


def _write_json(data: dict[str, Any], out: TextIO) -> None:
    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


# ----------------------------------------------------------------------------------------------- init

def run_init(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ec_console import registry_pg as pg

    out = out or sys.stdout
    target = pg.parse_url(args.url)
    with pg.connect(target) as conn, pg.plain_errors(target):
        result = pg.initialise(conn)
        user = conn.info.user
    already = result.before == result.after
    if args.json:
        _write_json({"engine": "postgresql", **_target_fields(target, user),
                     "schema_version_before": result.before, "schema_version": result.after,
                     "already_initialised": already, "roles_created": list(result.roles_created),
                     "grant_lines": pg.grant_lines()}, out)
        return int(ExitStatus.OK)
    where = _database_words(target)
    if already:
        out.write(_("The registry in {where} is already initialised at schema {version}; its roles, "
                    "rights and row-level security are in place.").format(where=where, version=result.after)
                  + "\n")
    elif result.before is None:
        out.write(_("Registry created in {where} at schema "
                    "{version}.").format(where=where, version=result.after)
                  + "\n")
    else:
        out.write(_("Registry in {where} upgraded from schema {before} to {after}.").format(
            where=where, before=result.before, after=result.after) + "\n")
    if result.roles_created:
        out.write(_("Roles created: {roles}.").format(roles=", ".join(result.roles_created)) + "\n")
    admin, helpdesk = pg.grant_lines()
    admins_do = _("administrators: everything the console does")
    helpdesk_does = _("helpdesk: reads, runs checks and records their results")
    out.write("\n" + _("Give each person's login role one of the two roles (run as the database's "
                       "administrator, for example in psql):") + "\n"
              f"  {admin:<32}-- {admins_do}\n"
              f"  {helpdesk:<32}-- {helpdesk_does}\n")
    return int(ExitStatus.OK)


def _database_words(target: Any) -> str:
    return _("database {name} on {host}:{port}").format(name=repr(target.dbname), host=target.host,
                                                        port=target.port)


def _target_fields(target: Any, user: str) -> dict[str, Any]:
    return {"host": target.host, "port": target.port, "database": target.dbname, "user": user,
            "sslmode": target.sslmode}


# ---------------------------------------------------------------------------------------------- login

def run_login(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ec_console import registry_pg as pg
    from ec_console.commands.check import read_secret
    from ec_console.secrets import default_store

    out = out or sys.stdout
    target = pg.parse_url(args.url)
    user = target.user or pg.default_user()
    store = default_store()
    store.check_usable()
    password = read_secret(False, whose=_("{user} on {host}:{port}/{database}").format(
        user=user, host=target.host, port=target.port, database=target.dbname))
    with pg.connect(target, password=password) as conn:
        user = conn.info.user
    store.set(pg.password_key(target, user), password)
    out.write(_("Password of {user} for {where} checked with the server and kept in the keychain "
                "({keychain}).").format(user=repr(user), where=target.where, keychain=store.backend_name)
              + "\n")
    return int(ExitStatus.OK)


# --------------------------------------------------------------------------------------------- status

def run_status(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    from ec_console.registry import configured_registry_url

    url = getattr(args, "url", None)
    if url:
        status = _postgres_status(url)
    else:  # the region's own registry: the PostgreSQL one its regions.toml names, else its SQLite file
        region_id = resolve_region(args)
        configured = configured_registry_url(region_id)
        status = {"region": region_id, **_postgres_status(configured)} if configured else \
            _sqlite_status(region_id)
    if args.json:
        _write_json(status, out)
        return int(ExitStatus.OK)
    rows = [(_("Engine"), status["engine_label"])]
    if status["engine"] == "sqlite":
        rows += [(_("Region"), status["region"]), (_("File"), status["path"])]
    else:
        rows += [(_("Region"), status["region"])] if status.get("region") else []
        rows += [(_("Server"), f"{status['host']}:{status['port']}"), (_("Database"), status["database"]),
                 (_("Login role"), status["user"]), ("TLS", _tls_words(status["sslmode"]))]
    version, latest = status["schema_version"], status["latest_schema_version"]
    if version is None:
        shown = _("none yet (the file is created when the region is first used)")
    elif version > latest:
        shown = _("{version} (this console: {latest}; written by a newer console: update this one to use it)"
                  ).format(version=version, latest=latest)
    else:
        shown = _("{version} (this console: {latest})").format(version=version, latest=latest)
    rows.append((_("Schema version"), shown))
    detail = status["role_detail"]
    if status["engine"] == "postgresql":   # role_detail is English (--json): the explanation in words here
        from ec_console.registry_pg import role_explanation

        detail = f"{status['role']} ({role_explanation(status['role'], status['user'])})"
    rows.append((_("Signed in as"), _(detail) if detail == SQLITE_ROLE_DETAIL else detail))
    width = max(len(label) for label, _value in rows) + 2
    for label, value in rows:
        out.write(f"{label + ':':<{width}}{value}\n")
    return int(ExitStatus.OK)


_TLS_WORDS = {"disable": N_("off"), "allow": N_("only if the server insists, not verified"),
              "prefer": N_("if the server offers it, not verified"),
              "require": N_("on, certificate not verified"),
              "verify-ca": N_("on, certificate verified (host name not checked)"),
              "verify-full": N_("on, certificate and host name verified")}


def _tls_words(sslmode: str) -> str:
    words = _(_TLS_WORDS[sslmode]) if sslmode in _TLS_WORDS else sslmode
    return f"{words} (sslmode={sslmode})"


def _sqlite_status(region_id: str) -> dict[str, Any]:
    from ec_console.registry import APPLICATION_ID, SCHEMA_VERSION, Registry

    path = Registry.path_for_region(region_id)
    version = _sqlite_version(path, APPLICATION_ID) if path.exists() else None
    return {"engine": "sqlite", "engine_label": f"SQLite {sqlite3.sqlite_version}", "region": region_id,
            "path": str(path), "where": str(path),
            "schema_version": version, "latest_schema_version": SCHEMA_VERSION,
            "role": SQLITE_ROLE, "role_detail": SQLITE_ROLE_DETAIL}


def _sqlite_version(path: Path, application_id: int) -> int:
    """The file's schema version, read without writing anything (a read-only connection)."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            mark, version = (conn.execute("PRAGMA application_id").fetchone()[0],
                             conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BadInput(_("the registry file {path} cannot be read ({exc}): move it aside and let the "
                         "console create a new one, or restore it from a backup").format(
            path=path, exc=exc)) from None
    if mark != application_id and (mark or version):
        raise BadInput(_("{path} is another program's database, not a registry file").format(
            path=path))
    return int(version)


def _postgres_status(url: str) -> dict[str, Any]:
    from ec_console import registry_pg as pg

    target = pg.parse_url(url)
    with pg.connect(target) as conn, pg.plain_errors(target):
        signed_in = pg.signed_in_role(conn)
        try:
            version = pg.schema_version(conn)
        except pg.psycopg_errors().InsufficientPrivilege:
            raise pg.PgRefused(_("the login role {user} may not read the registry in {where}: "
                                 "{explanation}").format(
                user=repr(signed_in.user), where=target.where,
                explanation=signed_in.explanation_text)) from None
        if version is None:
            raise pg.PgRefused(_("the database {dbname} on {host}:{port} holds no registry yet: its "
                                 "administrator runs 'ec-console registry init --url URL'").format(
                dbname=repr(target.dbname), host=target.host, port=target.port))
        server = conn.info.parameter_status("server_version") or ""
    return {"engine": "postgresql", "engine_label": f"PostgreSQL {server}".strip(),
            **_target_fields(target, signed_in.user), "where": target.where,
            "server_version": server, "schema_version": version,
            "latest_schema_version": pg.PG_SCHEMA_VERSION, "role": signed_in.role,
            "role_detail": f"{signed_in.role} ({signed_in.explanation})"}


# -------------------------------------------------------------------------------------------- migrate

def run_migrate(args: argparse.Namespace, out: TextIO | None = None, *,
                after_batch: Any = None) -> int:
    from ec_console import audit_chain
    from ec_console import registry_copy as rc
    from ec_console import registry_pg as pg
    from ec_console.audit_labels import action_label
    from ec_console.registry import Registry
    from ec_console.words import count

    out = out or sys.stdout
    region_id = resolve_region(args)
    target = pg.parse_url(args.to)
    path = Registry.path_for_region(region_id)
    source = rc.open_source(path)
    try:
        mark = rc.source_mark(region_id, source)
        kept = _("what was copied so far is kept: run the same command again to continue where it stopped")
        with pg.connect(target, autocommit=True) as conn:
            try:
                with pg.plain_errors(target):
                    result = rc.copy_registry(source, conn, mark, after_batch=after_batch)
            except KeyboardInterrupt:
                raise rc.CopyInterrupted(_("the copy was interrupted; {kept}").format(kept=kept)) from None
            except pg.PgRegistryError as exc:  # the connection lost, or the server refused a statement
                raise rc.CopyInterrupted(_("the copy stopped: {message}; {kept}").format(
                    message=exc.message, kept=kept)) from None
    finally:
        source.close()
    status = ExitStatus.OK if result.verified else ExitStatus.STEP_FAILED
    if args.json:
        _write_json({"region": region_id, "source": str(path), "engine": "postgresql",
                     **_target_fields(target, target.user or pg.default_user()),
                     "resumed": result.resumed,
                     "tables": {t.table: {"rows": t.rows, "already_there": t.already, "copied": t.copied}
                                for t in result.tables},
                     "verified": result.verified,
                     "differences": [{"table": d.table, "id": d.id, "what": d.what}
                                     for d in result.differences],
                     "more_differences": result.more_differences,
                     "audit": audit_chain.result_json(result.audit)}, out)
        return int(status)
    where = _database_words(target)
    heading = (_("Continued copying the registry of region {region} ({path}) into {where}:") if result.resumed
               else _("Copied the registry of region {region} ({path}) into {where}:"))
    out.write(heading.format(region=region_id, path=path, where=where) + "\n")
    width = max(len(t.table) for t in result.tables) + 2
    for t in result.tables:
        copied = _("{rows} copied").format(rows=count(t.copied, "row", "rows"))
        kept = " " + _("({rows} already "
                       "there)").format(rows=count(t.already, "row", "rows")) if t.already else ""
        out.write(f"  {t.table + ':':<{width}}{copied}{kept}\n")
    if result.differences or result.more_differences:
        total = len(result.differences) + result.more_differences
        out.write(_("Compared row by row: {differences} between the SQLite file and PostgreSQL:").format(
            differences=count(total, "difference", "differences")) + "\n")
        for d in result.differences:
            out.write("  " + _("{table}, entry {id}: "
                               "{what}").format(table=d.table, id=d.id, what=d.shown()) + "\n")
        if result.more_differences:
            out.write("  " + _("… and {differences}").format(
                differences=count(result.more_differences, "more difference", "more differences")) + "\n")
        out.write(_("A row that differs was changed after it was copied (by a console still using the SQLite "
                    "registry, or on PostgreSQL). Stop the consoles that use the SQLite registry, then copy "
                    "into a new, empty PostgreSQL registry.") + "\n")
    else:
        rows = sum(t.rows for t in result.tables)
        out.write(ngettext("Compared row by row: all {rows} of the {n} table are the same on PostgreSQL, "
                           "every "
                           "column.",
                           "Compared row by row: all {rows} of the {n} tables are the same on PostgreSQL, "
                           "every "
                           "column.", len(result.tables)).format(rows=count(rows, "row", "rows"),
                                                                 n=len(result.tables)) + "\n")
    if result.audit.verified:
        out.write(_("On PostgreSQL: {verified}. Head: {head}").format(
            verified=audit_chain.verified_line(result.audit), head=result.audit.head) + "\n")
    else:
        out.write(_("On PostgreSQL: "
                    "{broken}").format(broken=audit_chain.broken_line(result.audit, action_label))
                  + "\n")
        out.write(audit_chain.advice(result.audit) + "\n")
    return int(status)
