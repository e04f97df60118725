"""`ec-console applications move-to-graph`: move an Exchange Online EWS application to Microsoft Graph.

    ec-console applications move-to-graph NAME --client-id C [--tenant-id T] [--certificate PEM|PFX]
        [--cloud global|usgov|usgovdod|china] [--authority URL] [--graph-url URL] [--mailbox ADDR]
        [--ca-file PEM] [--region ID] [--json]

What the application already knows is kept (name, domain, test mailbox, scoping group, the mailbox that must
be denied, tenant ID, CA file, profiles and history). The Graph check runs first with the new credential;
only when it passes (or warns) does the application switch, in one transaction, with an audit entry
`application_moved_to_graph`. The client secret comes from EC_CLIENT_SECRET or a hidden prompt, never argv;
with --certificate, a PFX file's (or an encrypted key's) passphrase from EC_CERT_PASSWORD, which is then
kept in the keychain. Exit statuses: 0 moved, 1 the Graph check failed (nothing changed), 2 refused before
any work, 3 no usable keychain, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ec_console.errors import ExitStatus
from ec_console.i18n import _
from ec_console.permissions import MOVE_APPLICATION


def register(actions: Any) -> None:
    """Add `move-to-graph` to the actions of `ec-console applications`."""
    from ec_console.commands.applications import _common
    from ec_console.providers.graph import CLOUDS

    move = actions.add_parser(
        "move-to-graph",
        help=_("move an Exchange Online EWS application to Microsoft Graph, keeping its profiles"),
        description=_("EWS in Exchange Online is switched off on 1 April 2027. Move an Exchange Online EWS "
        "application to Microsoft Graph: its name, domain, test mailbox, scoping group, the mailbox that "
        "must be denied, tenant ID, profiles and history are kept; give the Graph app registration's client "
        "ID and its certificate or client secret. The Graph check runs first; nothing changes unless it "
        "passes."),
        epilog=_("The client secret comes from EC_CLIENT_SECRET, else from a hidden prompt; with "
                 "--certificate, a PFX file's passphrase comes from EC_CERT_PASSWORD. Exit statuses: 0 "
                 "moved, 1 "
                 "the Graph check failed (nothing changed), 2 bad input, 3 no usable keychain."),
    )
    move.add_argument("name", metavar="NAME", help=_("the Exchange Online EWS application's name"))
    move.add_argument("--client-id", metavar="C", required=True,
                      help=_("application (client) ID of the app registration with Graph access"))
    move.add_argument("--tenant-id", metavar="T",
                      help=_("Entra tenant ID or verified domain (default: the application's own)"))
    move.add_argument("--certificate", metavar="PEM|PFX",
                      help=_("sign in with this certificate (a PEM file with the private key and the "
                      "certificate, or a PFX file) instead of a client secret"))
    move.add_argument("--cloud", choices=list(CLOUDS), default="global",
                      help=_("the Microsoft cloud: sets the sign-in authority and the Graph host "
                      "(default global)"))
    move.add_argument("--authority", metavar="URL",
                      help=_("identity platform base URL, scheme and host (default: the cloud's)"))
    move.add_argument("--graph-url", metavar="URL",
                      help=_("Microsoft Graph's root, scheme and host (default: the cloud's)"))
    move.add_argument("--mailbox", metavar="ADDR",
                      help=_("the mailbox to check (default: the application's test mailbox)"))
    move.add_argument("--ca-file", metavar="PEM", help=_("extra trusted CA certificates (PEM) for the check"))
    _common(move, "the check and the outcome")
    move.set_defaults(handler=run_move_to_graph, permission=MOVE_APPLICATION)


def run_move_to_graph(args: argparse.Namespace) -> int:
    from ec_console import validation
    from ec_console.application_move import check_and_move, check_movable
    from ec_console.checks import CancelToken
    from ec_console.commands.applications import application_dict
    from ec_console.commands.check import _register_secret, read_secret
    from ec_console.commands.check_graph import CERT_PASSWORD_ENV, _root_url, read_certificate
    from ec_console.commands.common import resolve_region
    from ec_console.commands.profiles import cancel_on_interrupt, print_json
    from ec_console.dashboard import resolve_application
    from ec_console.registry import Registry
    from ec_console.render import render_text
    from ec_console.secrets import default_store

    client_id = validation.client_id(args.client_id, "--client-id")
    tenant_id = validation.tenant_id(args.tenant_id, "--tenant-id") if args.tenant_id is not None else None
    authority = _root_url(args.authority, "--authority", https_only=True) if args.authority else None
    graph_url = _root_url(args.graph_url, "--graph-url", https_only=False) if args.graph_url else None
    mailbox = validation.mailbox(args.mailbox, "--mailbox") if args.mailbox is not None else None
    ca_file = validation.ca_file(args.ca_file) if args.ca_file is not None else None
    region_id = resolve_region(args)
    store = default_store()
    with Registry.for_region(region_id) as registry:
        app = resolve_application(registry, args.name)
        check_movable(app)                      # refused before any secret is asked for
        store.check_usable()
        credential: Any = None
        certificate = None
        if args.certificate is not None:
            credential = read_certificate(args.certificate)
            certificate = str(validation.existing_file(args.certificate, "--certificate").resolve())
            secret = os.environ.get(CERT_PASSWORD_ENV) or None
        else:
            secret = read_secret(True, whose=_("app {client_id}").format(client_id=client_id))
            _register_secret(secret)
        cancel = CancelToken()
        with cancel_on_interrupt(cancel):
            outcome = check_and_move(registry, store, app.name, region_id=region_id, client_id=client_id,
                                     secret=secret, tenant_id=tenant_id, certificate=certificate,
                                     cloud=args.cloud, authority=authority, graph_url=graph_url,
                                     mailbox=mailbox, ca_file=ca_file, cancel=cancel, credential=credential)
    report = outcome.report
    if args.json:
        print_json({"application": application_dict(outcome.application) if outcome.moved else app.name,
                    "moved": outcome.moved, "report": report.to_dict()})
    else:
        sys.stdout.write(render_text(report) + "\n")
        if outcome.moved:
            print(_("{name} now uses Microsoft Graph; its profiles and history are kept, and its EWS "
                    "secret is removed from the keychain.").format(name=repr(app.name)))
        else:
            print(_("The Microsoft Graph check did not pass: {name} stays on EWS, nothing changed.")
                  .format(name=repr(app.name)))
    if report.cancelled:
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK if outcome.moved else ExitStatus.STEP_FAILED


__all__ = ["register", "run_move_to_graph"]
