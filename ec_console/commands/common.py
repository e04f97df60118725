"""Flags and helpers shared by the `ec-console` subcommands (cli.py and commands/*.py)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, TextIO

from ec_console.i18n import _


def parser_class(subparsers: Any) -> type[argparse.ArgumentParser]:
    return getattr(subparsers, "_parser_class", argparse.ArgumentParser)


def region_flag(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS lets `--region` be given before or after the subcommand without one hiding the other.
    parser.add_argument(
        "--region",
        metavar="ID",
        default=argparse.SUPPRESS,
        help=_("Enterprise Connect data centre: us, de, uk, ca, au, sg, or one your regions.toml adds; "
               "default: the one used last"),
    )


def registry_flag(parser: argparse.ArgumentParser) -> None:
    """`--registry URL`: the command works on this PostgreSQL registry instead of the region's own (its
    SQLite file, or the URL regions.toml names). Applied around the command by `cli.main`."""
    parser.add_argument(
        "--registry",
        metavar="URL",
        default=argparse.SUPPRESS,
        help=_("a PostgreSQL registry (postgresql://host/db) instead of the region's own; the password "
               "comes from the keychain ('ec-console registry login') or the file PGPASSFILE names"),
    )


def json_flag(parser: argparse.ArgumentParser, what: str) -> None:
    """`--json`; `what` (marked with `N_`, translated here) is what it prints: "the profiles"."""
    parser.add_argument("--json", action="store_true",
                        help=_("print {what} as JSON for scripts").format(what=_(what)))


def verbose_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("log debug detail to the log file and stderr (secrets redacted)"),
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a whole number, not {text}").format(text=repr(text))) \
            from None
    if value <= 0:
        raise argparse.ArgumentTypeError(_("expected a number above 0, not {value}").format(value=value))
    return value


def concurrency_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=4,
        metavar="N",
        help=_("probes at once per application (default 4, at most 20: the service account's "
               "EWS budget of 27 is shared with the production application)"),
    )


def resolve_region(args: argparse.Namespace) -> str:
    from ec_console.regions import current_region_id, load_regions

    catalog = load_regions()
    requested = getattr(args, "region", None)
    if requested is None:
        return current_region_id(catalog)
    return catalog.get(requested).id


def print_table(rows: Iterable[list[str]], headers: list[str], out: TextIO, *,
                widths: list[int] | None = None) -> None:
    """Rows in columns padded to `widths` (measured from `rows`, which then must be a list, when not
    given: a caller streaming rows measures them first)."""
    if widths is None:
        rows = list(rows)
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def active_application(registry: Any, name: str, refused: str) -> Any:
    """The application named `name`, refused (BadInput) when there is none or it is revoked: `refused` says
    what a revoked application cannot do ("it has no secret to rotate")."""
    from ec_console.dashboard import resolve_application
    from ec_console.errors import BadInput

    app = resolve_application(registry, name)
    if app.status != "active":
        raise BadInput(_("{name} is revoked: {refused}").format(name=repr(app.name), refused=refused))
    return app


def refuse_by_role(args: argparse.Namespace) -> None:
    """Before any work: RoleRefused (exit status 1) when the registry's signed-in role may not run this
    command.

    A subcommand names what it does with `set_defaults(permission=ACTION)` (or a function of its arguments,
    when that depends on a flag); `ec_console.permissions` says which roles may. Commands every role may run
    open nothing here; the others open the region's registry to read who is signed in. The database refuses
    the same actions by itself (ec_console/registry_pg.py), so this only saves a refused attempt.
    """
    permission = getattr(args, "permission", None)
    if callable(permission):
        permission = permission(args)
    if permission is None:
        return
    from ec_console import permissions

    if set(permissions.PERMISSIONS[permission].roles) == set(permissions.ROLES):
        return
    from ec_console.registry import Registry

    with Registry.for_region(resolve_region(args)) as registry:
        permissions.require(registry, permission)
