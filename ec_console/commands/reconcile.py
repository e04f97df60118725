"""`ec-console applications reconcile NAME`: the application's scope, profiles and live probes side by side.

    ec-console applications reconcile NAME [--sample N] [--sample-from FILE] [--expect-denied ADDR]...
        [--scope-group GROUP] [--apply joiners|leavers] [--confirm NAME] [--region ID] [--json]

Prints the four findings, leaks first, with counts (docs/reconcile.md); `--json` prints one object (keys in
docs/cli.md). Exit status 0: no leak and no broken profile; 1: a leak or a broken profile found, or a set
that could not be read (cannot tell); 2: refused before any work (bad input, unknown application, no secret,
leavers not confirmed).

`--apply joiners` links the joiners through the link of `profiles link`; `--apply leavers` revokes the
leavers' profiles and needs the application's name typed (on a terminal) or given as `--confirm NAME`
(without one). Every applied change is audited under the reconciliation's id.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ec_console.commands.common import (
    active_application,
    concurrency_flag,
    json_flag,
    region_flag,
    registry_flag,
    resolve_region,
    verbose_flag,
)
from ec_console.errors import BadInput, ExitStatus
from ec_console.i18n import N_, _, format_number, ngettext
from ec_console.permissions import RECONCILE, RECONCILE_APPLY

MAX_LIST_BYTES = 20 * 1024 * 1024


def register(actions: Any) -> None:
    parser = actions.add_parser(
        "reconcile",
        help=_("compare the scope, the linked profiles and what the application really reaches"),
        description=_("Reconcile an application: joiners (in the scope, not linked), leavers (linked, no "
        "longer in the scope), broken profiles (linked, in the scope, the probe fails) and leaks (outside "
        "the scope, yet reachable), leaks first. Exit status 1 when a leak or a broken profile is found or "
        "a set cannot be read."),
    )
    parser.add_argument("name", metavar="NAME", help=_("the application's name"))
    parser.add_argument("--sample", metavar="N", default="20",
                        help=_("accounts outside the scope to probe for leaks (1 to 1000, default 20)"))
    parser.add_argument("--sample-from", metavar="FILE",
                        help=_("draw the leak sample from this list of addresses (one a line, or a "
                               "Get-Mailbox "
                        "CSV export) instead of the directory"))
    parser.add_argument("--expect-denied", metavar="ADDR", action="append", default=[],
                        help=_("an account that must be unreachable, always probed (repeat; the "
                               "application's "
                        "own is always included)"))
    parser.add_argument("--scope-group", metavar="GROUP",
                        help=_("the scope to compare with instead of the saved one (Google: a group's "
                               "address "
                        "or an organisational unit such as /Sales)"))
    parser.add_argument("--apply", choices=["joiners", "leavers"],
                        help=_("link the joiners, or revoke the leavers' profiles (typed confirmation)"))
    parser.add_argument("--confirm", metavar="NAME",
                        help=_("the application's name, confirming --apply leavers without a terminal"))
    concurrency_flag(parser)
    region_flag(parser)
    registry_flag(parser)
    json_flag(parser, N_("the reconciliation"))
    verbose_flag(parser)
    parser.set_defaults(handler=run_reconcile, permission=_permission)


def _sample(text: str) -> int:
    from ec_console.reconcile import validate_sample

    try:
        value = int(str(text).strip())
    except ValueError:
        raise BadInput(_("--sample must be a whole number from 1 to 1000, not {text}").format(
            text=repr(text))) from None
    return validate_sample(value)


def _read_list(path_text: str) -> list[str]:
    from ec_console.providers.exchange.check import parse_mailbox_list

    path = Path(path_text)
    try:
        if path.stat().st_size > MAX_LIST_BYTES:
            raise BadInput(_("{path} is larger than {value} MB; give a shorter list").format(
                path=path, value=MAX_LIST_BYTES // (1024 * 1024)))
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(_("--sample-from: no file {path}").format(
            path=path)) from None
    except UnicodeDecodeError:
        raise BadInput(_("--sample-from: {path} is not UTF-8 text").format(
            path=path)) from None
    except OSError as exc:
        raise BadInput(_("--sample-from: {path} cannot be read ({value})").format(
            path=path, value=exc.strerror or exc)) from None
    parsed = parse_mailbox_list(text)
    if parsed.problems:
        shown = "; ".join(_("line {line}: {message}").format(line=p.line, message=p.message)
                          for p in parsed.problems[:5])
        raise BadInput(_("--sample-from: {path} has lines that are not addresses ({shown})").format(
            path=path, shown=shown))
    return parsed.addresses


def _confirmed(args: argparse.Namespace, name: str) -> str:
    """The confirmation for --apply leavers: typed on a terminal, else --confirm; BadInput when missing."""
    if args.confirm is not None:
        return str(args.confirm)
    if not (sys.stdin and sys.stdin.isatty()):
        raise BadInput(_("revoking leavers needs --confirm {name} when no terminal is attached; nothing "
                         "was revoked").format(
            name=repr(name)))
    try:
        return input(_("Type the application's name ({name}) to revoke its leavers' profiles: "
                       "").format(name=name))
    except EOFError:
        return ""


def _permission(args: argparse.Namespace) -> str:
    return RECONCILE_APPLY if getattr(args, "apply", None) else RECONCILE


def run_reconcile(args: argparse.Namespace) -> int:
    from ec_console.checks import CancelToken, CheckCancelled
    from ec_console.commands.profiles import cancel_on_interrupt, print_json
    from ec_console.dashboard import ApplicationUnusable
    from ec_console.reconcile import apply_joiners, apply_leavers, findings_text, reconcile
    from ec_console.registry import Registry
    from ec_console.words import count

    sample = _sample(args.sample)
    listed = _read_list(args.sample_from) if args.sample_from else None
    if args.confirm is not None and args.apply != "leavers":
        raise BadInput(_("--confirm only goes with --apply leavers"))
    if args.apply == "leavers" and args.confirm is None and not (sys.stdin and sys.stdin.isatty()):
        raise BadInput(_("revoking leavers needs --confirm {name} when no terminal is attached; nothing "
                         "was done").format(
            name=repr(args.name)))
    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        app = active_application(registry, args.name, _("there is nothing to reconcile"))
        if args.apply == "leavers" and args.confirm is not None and \
                args.confirm.strip().casefold() != app.name.casefold():
            raise BadInput(_("--confirm {confirm} is not the application's name ({name}); nothing was "
                             "done").format(
                confirm=repr(args.confirm), name=repr(app.name)))
        cancel = CancelToken()
        try:
            with cancel_on_interrupt(cancel):
                rec = reconcile(registry, app, sample=sample, sample_from=listed,
                                expect_denied=args.expect_denied, scope_group=args.scope_group,
                                region_id=region_id, concurrency=args.concurrency, cancel=cancel)
        except ApplicationUnusable as exc:
            raise BadInput(exc.message) from None
        except CheckCancelled:
            sys.stderr.write(_("Reconciliation interrupted: nothing was stored.") + "\n")
            return ExitStatus.INTERRUPTED
        applied: dict[str, Any] | None = None
        if args.apply == "joiners":
            with cancel_on_interrupt(cancel):
                results = apply_joiners(registry, rec, region_id=region_id, concurrency=args.concurrency,
                                        cancel=cancel)
            applied = {"action": "link_joiners", "results": [r.to_dict() for r in results]}
        elif args.apply == "leavers":
            leavers = rec.of("leaver")
            if not leavers:
                applied = {"action": "revoke_leavers", "results": []}
            else:
                if not args.json:
                    _print(findings_text(rec))
                typed = _confirmed(args, app.name)
                results = apply_leavers(registry, rec, typed)
                applied = {"action": "revoke_leavers", "results": [
                    {"email": r.profile.email, "profile_id": r.profile.id, "status": r.profile.status,
                     "changed": r.changed, "platform_step": r.withdrawal_step} for r in results]}
    if args.json:
        print_json({**rec.to_dict(), "applied": applied})
    else:
        if not (args.apply == "leavers" and rec.of("leaver")):
            _print(findings_text(rec))
        if applied is not None:
            done = applied["results"]
            if applied["action"] == "link_joiners":
                linked = sum(1 for r in done if r["action"] == "linked")
                print("\n" + _("Linked {joiners} of {total} (reconciliation {id}).").format(
                    joiners=count(linked, "joiner", "joiners"), total=format_number(len(done)), id=rec.id))
                for r in done:
                    if r["action"] != "linked":
                        print("  " + _("{email}: not linked: {message}").format(email=r["email"],
                                                                              message=r["message"]))
            else:
                print("\n" + ngettext("Revoked {n} leaver's profile (reconciliation {id}).",
                                      "Revoked {n} leavers' profiles (reconciliation {id}).", len(done))
                      .format(n=format_number(len(done)), id=rec.id))
                for r in done:
                    print("  " + _("{email}: on the platform: {step}").format(email=r["email"],
                                                                            step=r["platform_step"]))
    return ExitStatus.STEP_FAILED if rec.failed else ExitStatus.OK


def _print(lines: Any) -> None:
    for line in lines:
        print(line)
