"""`ec-console audit list|export`: the region's audit log for scripts (the GUI's Tools › Audit log…).

    ec-console audit list [--since DATE] [--json | --csv] [--region ID]
    ec-console audit export [--output FILE] [--since DATE] [--json | --csv] [--region ID]

Entries come newest first and are streamed from the registry in batches (no full list in memory). JSON and
CSV shapes are `ec_console.audit`'s (docs/cli.md): they carry the action codes; the text listing shows each
action's readable name (`ec_console.audit_labels`).

    ec-console audit verify [--known-head HASH] [--json] [--region ID | --registry URL]

walks the audit's hash chain (`ec_console.audit_chain`), streamed oldest first: of the region's SQLite file,
or of the PostgreSQL registry at URL (`registry_pg.verify_audit`, a server-side cursor).

Exit statuses: 0 done (for verify: the chain holds), 1 verify found a broken link, 2 bad input (unknown
region, bad --since or --known-head, an output folder that does not exist; for --registry, the refusals of
`registry status`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from ec_console.commands.common import parser_class, region_flag, registry_flag, resolve_region, verbose_flag
from ec_console.errors import BadInput, ExitStatus
from ec_console.i18n import _, format_number, ngettext

# Column widths of the text listing (rows are streamed, so widths cannot come from the data).
_WIDTHS = (20, 12, 28, 34)


def register(subparsers: Any) -> None:
    """Add `audit` and its actions to the top-level subparsers of `ec-console`."""
    audit = subparsers.add_parser(
        "audit",
        help=_("read the region's audit log"),
        description=_("The audit log of a region: every change the console made (who, when, what), newest "
        "first. It holds no secrets."),
    )
    actions = audit.add_subparsers(
        dest="audit_command", metavar="ACTION", parser_class=parser_class(subparsers), required=True
    )
    listing = actions.add_parser(
        "list", help=_("print the audit entries"), description=_("Print the audit entries, newest first.")
    )
    _common(listing)
    listing.set_defaults(handler=run_list)
    export = actions.add_parser(
        "export",
        help=_("write the audit entries to a file (CSV by default)"),
        description=_("Write the audit entries, newest first, to --output (replaced atomically, readable by "
        "you only) or to standard output. The format is --csv or --json; without either, a FILE "
        "ending in .json gets JSON, anything else CSV."),
    )
    export.add_argument("--output", "-o", metavar="FILE", help=_("the file to write ('-' or none: standard "
                        "output)"))
    _common(export)
    export.set_defaults(handler=run_export)
    verify = actions.add_parser(
        "verify",
        help=_("check the audit's hash chain (no entry edited, deleted or reordered)"),
        description=_("Walk the audit's SHA-256 hash chain, oldest entry first, and say whether it holds. "
        "Exit 0: verified (the count, the newest entry and the head hash are printed: note the head to "
        "detect later a deletion of the newest entries); 1: the first broken link is named."),
    )
    region_flag(verify)
    verify.add_argument("--registry", metavar="URL", help=_("a PostgreSQL registry (postgresql://...) "
                                                            "instead "
                        "of the region's SQLite file; the password comes from the keychain ('ec-console "
                        "registry login') or the file PGPASSFILE names"))
    verify.add_argument("--known-head", metavar="HASH", help=_("a head hash printed by an earlier verify: "
                        "the chain must still contain it (catches the newest entries deleted)"))
    verify.add_argument("--json", action="store_true", help=_("print the result as one JSON object"))
    verbose_flag(verify)
    verify.set_defaults(handler=run_verify)


def _common(parser: argparse.ArgumentParser) -> None:
    region_flag(parser)
    registry_flag(parser)
    parser.add_argument("--since", metavar="DATE", help=_("only entries at or after DATE: an ISO date "
                        "(2026-12-01) or date-time (2026-12-01T08:30:00Z); UTC unless an offset is given"))
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help=_("a JSON array of {time, user, action, subject, "
                      "detail}"))
    form.add_argument("--csv", action="store_true", help=_("CSV with a header row (spreadsheet-safe)"))
    verbose_flag(parser)


def _since(args: argparse.Namespace) -> str | None:
    from ec_console.audit import parse_since

    return parse_since(args.since) if args.since is not None else None


def _write(fmt: str, entries: Any, out: TextIO) -> int:
    from ec_console import audit

    if fmt == "json":
        return audit.write_json(entries, out)
    if fmt == "csv":
        return audit.write_csv(entries, out)
    return _write_text(entries, out)


def _write_text(entries: Any, out: TextIO) -> int:
    from ec_console.audit_labels import action_label
    from ec_console.render import safe_text

    headers = (_("TIME (UTC)"), _("USER"), _("ACTION"), _("SUBJECT"), _("DETAIL"))
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, (*_WIDTHS, 0), strict=True)).rstrip() + "\n")
    count = 0
    for e in entries:
        cells = [safe_text(v, keep_newlines=False) for v in (e.at, e.os_user, action_label(e.action),
                                                                   e.subject, e.detail)]
        out.write("  ".join(c.ljust(w) for c, w in zip(cells, (*_WIDTHS, 0), strict=True)).rstrip() + "\n")
        count += 1
    return count


def _to_stdout(fmt: str, entries: Any) -> int:
    """Stream to stdout; a reader that stops early (`| head`) ends the command quietly."""
    import os

    try:
        count = _write(fmt, entries, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())          # so the interpreter's final flush stays quiet
        return -1
    return count


def run_list(args: argparse.Namespace) -> int:
    from ec_console.registry import Registry

    since = _since(args)
    region_id = resolve_region(args)
    fmt = "json" if args.json else "csv" if args.csv else "text"
    with Registry.for_region(region_id) as registry:
        count = _to_stdout(fmt, registry.iter_audit(since=since))
    if fmt == "text" and count == 0:
        if since:
            print(_("No audit entries in region {region} since "
                    "{since}.").format(region=region_id, since=since))
        else:
            print(_("No audit entries in region {region}.").format(region=region_id))
    return ExitStatus.OK


def _output_path(text: str) -> Path:
    path = Path(text).expanduser()
    shown = text if len(text) <= 80 else text[:77] + "..."
    if path.is_dir():
        raise BadInput(_("--output: {shown} is a folder; give a file name").format(
            shown=repr(shown)))
    if not path.parent.is_dir():
        raise BadInput(_("--output: the folder of {shown} does not exist").format(
            shown=repr(shown)))
    return path


def run_export(args: argparse.Namespace) -> int:
    from ec_console.paths import private_atomic_writer
    from ec_console.registry import Registry

    since = _since(args)
    target = None if args.output in (None, "-") else _output_path(args.output)
    if args.json or args.csv:
        fmt = "json" if args.json else "csv"
    else:
        fmt = "json" if target is not None and target.suffix.lower() == ".json" else "csv"
    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        entries = registry.iter_audit(since=since)
        if target is None:
            _to_stdout(fmt, entries)
            return ExitStatus.OK
        try:
            with private_atomic_writer(target, text=True) as handle:
                count = _write(fmt, entries, handle)
        except OSError as exc:
            raise BadInput(_("--output: {target} cannot be written ({value})").format(
                target=target, value=exc.strerror or exc)) from None
    sys.stderr.write(ngettext("Exported {n} audit entry of region {region} to {target}",
                              "Exported {n} audit entries of region {region} to {target}", count)
                     .format(n=format_number(count), region=region_id, target=target) + "\n")
    return ExitStatus.OK


def run_verify(args: argparse.Namespace) -> int:
    from ec_console import audit_chain
    from ec_console.audit_labels import action_label
    from ec_console.commands.profiles import print_json
    from ec_console.registry import Registry

    known = audit_chain.parse_head(args.known_head) if args.known_head is not None else None
    url = getattr(args, "registry", None)
    if url is not None:
        if getattr(args, "region", None) is not None:
            raise BadInput(_("give --region (the region's SQLite file) or --registry URL (a PostgreSQL "
                           "registry), not both"))
        region_id, where, result = None, *_verify_postgres(url, known)
    else:
        region_id = resolve_region(args)
        with Registry.for_region(region_id) as registry:
            result = registry.verify_audit(known_head=known)
    if args.json:
        shown = {"region": region_id} if url is None else {"region": None, "registry": where}
        print_json({**shown, **audit_chain.result_json(result)})
    elif result.verified:
        print(audit_chain.verified_line(result))
        print(_("Head: {head}").format(head=result.head))
        print(audit_chain.note_head())
    else:
        print(audit_chain.broken_line(result, action_label))
        print(audit_chain.advice(result))
    return ExitStatus.OK if result.verified else ExitStatus.STEP_FAILED


def _verify_postgres(url: str, known: str | None) -> tuple[str, Any]:
    """The audit chain of the PostgreSQL registry at `url`, walked on the server's rows (exit 2 when the
    registry cannot be read, has no chain yet, or the login holds neither role)."""
    from ec_console import registry_pg as pg
    from ec_console.registry import AUDIT_CHAIN_VERSION

    target = pg.parse_url(url)
    with pg.connect(target, autocommit=True) as conn, pg.plain_errors(target):
        try:
            version = pg.schema_version(conn)
        except pg.psycopg_errors().InsufficientPrivilege:
            signed_in = pg.signed_in_role(conn)
            raise pg.PgRefused(_("the login role {user} may not read the registry in {where}: "
                                 "{explanation}").format(
                user=repr(signed_in.user), where=target.where,
                explanation=signed_in.explanation_text)) from None
        if version is None:
            raise pg.PgRefused(_("the database {dbname} on {host}:{port} holds no registry yet: its "
                                 "administrator runs 'ec-console registry init --url URL'").format(
                dbname=repr(target.dbname), host=target.host, port=target.port))
        if version < AUDIT_CHAIN_VERSION:
            raise pg.PgRefused(_("the registry in {where} is at schema {version}, before the audit had a "
                                 "hash chain: its administrator runs 'ec-console registry init --url "
                                 "URL' to upgrade it").format(
                where=target.where, version=version))
        return target.where, pg.verify_audit(conn, known_head=known)
