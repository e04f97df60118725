"""`ec-console check graph`: Exchange Online through Microsoft Graph (DESIGN.md, "CLI contract").

    ec-console check graph --mailbox ADDR --tenant-id T --client-id C [--certificate PEM|PFX]
        [--cloud global|usgov|usgovdod|china] [--authority URL] [--graph-url URL] [--expect-denied ADDR]
        [--scope-group NAME] [--write-probe] [--ca-file PEM] [--timeout S] [--report FILE]
        [--json] [--verbose]

Every flag is validated before any step runs (exit 2). The client secret comes from `EC_CLIENT_SECRET` or a
hidden prompt, never argv; with `--certificate` no secret is asked for, and a PFX file's (or an encrypted
PEM key's) passphrase comes from `EC_CERT_PASSWORD`. A certificate file that cannot be opened as a
certificate with its private key is refused before any step runs (exit 2), with the reason. `--authority`
is https only (MSAL refuses anything else, and the request carries the credential); `--graph-url` is https,
or plain http to this computer. Exit status: 0 every step passed or warned, 1 a step failed, 130 cancelled.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ec_console.errors import BadInput
from ec_console.i18n import _

CERT_PASSWORD_ENV = "EC_CERT_PASSWORD"


def register(check_subparsers: Any) -> None:
    """Add `graph` to the subparsers of `ec-console check`."""
    from ec_console.commands.check import connection_flags, output_flags
    from ec_console.providers.graph import CLOUDS

    parser = check_subparsers.add_parser(
        "graph",
        help=_("check Microsoft Graph access to an Exchange Online mailbox (app-only)"),
        description=_("Check that the app registration --client-id reaches the calendar of --mailbox through "
        "Microsoft Graph: DNS, TCP and TLS for the sign-in and Graph hosts, the token (and whether it holds "
        "a tenant-wide Calendars permission), the mailbox's calendar and its busy times of the next 7 days; "
        "optionally a write probe and the proof that a mailbox outside the scope is denied."),
        epilog=_("The client secret comes from EC_CLIENT_SECRET, else from a hidden prompt; with "
                 "--certificate, a PFX file's passphrase comes from EC_CERT_PASSWORD. Exit statuses: 0 "
                 "passed, "
                 "1 a step failed, 2 bad input."),
    )
    parser.add_argument("--mailbox", metavar="ADDR", required=True, help=_("the target mailbox (SMTP "
                                                                           "address)"))
    parser.add_argument("--tenant-id", metavar="T", required=True, help=_("Entra tenant ID or verified "
                                                                          "domain"))
    parser.add_argument(
        "--client-id", metavar="C", required=True, help=_("application (client) ID of the app registration")
    )
    parser.add_argument(
        "--certificate",
        metavar="PEM|PFX",
        help=_("sign in with this certificate (a PEM file with the private key and the "
        "certificate, or a PFX file) instead of a client secret"),
    )
    parser.add_argument(
        "--cloud",
        choices=list(CLOUDS),
        default="global",
        help=_("the Microsoft cloud: sets the sign-in authority and the Graph host (default global)"),
    )
    parser.add_argument(
        "--authority",
        metavar="URL",
        help=_("identity platform base URL, scheme and host (default: the cloud's)"),
    )
    parser.add_argument(
        "--graph-url", metavar="URL", help=_("Microsoft Graph's root, scheme and host (default: the cloud's)")
    )
    parser.add_argument(
        "--expect-denied", metavar="ADDR", help=_("a mailbox outside the scope: prove access to it is denied")
    )
    parser.add_argument("--scope-group", metavar="NAME", help=_("the scoping group, so fixes can name it"))
    parser.add_argument(
        "--write-probe",
        action="store_true",
        help=_("also create a test event (no attendees, no invitation) and delete it"),
    )
    connection_flags(parser)
    output_flags(parser)
    parser.set_defaults(handler=run_check_graph)


def _root_url(value: str, field: str, *, https_only: bool) -> str:
    """A scheme-and-host root (https; http only for this computer unless `https_only`)."""
    from ec_console import validation

    if https_only:
        return validation.authority_url(value, field)
    parsed = validation.service_url(value, field)
    if parsed.path not in ("", "/") or parsed.query:
        raise BadInput(_("{field}: give only a scheme and host, like https://graph.microsoft.com (requests "
                         "go "
                         "to <root>/v1.0/...)").format(field=field))
    return parsed.url.rstrip("/")


def graph_settings_from_args(args: argparse.Namespace) -> Any:
    """Validate the flags into `GraphSettings`; BadInput names the first flag that is wrong."""
    from ec_console import validation
    from ec_console.commands.check import shared_inputs
    from ec_console.providers.graph import GraphSettings

    mailbox = validation.mailbox(args.mailbox, "--mailbox")
    tenant_id = validation.tenant_id(args.tenant_id, "--tenant-id")
    client_id = validation.client_id(args.client_id, "--client-id")
    authority = (
        _root_url(args.authority, "--authority", https_only=True) if args.authority is not None else None
    )
    graph_url = (
        _root_url(args.graph_url, "--graph-url", https_only=False) if args.graph_url is not None else None
    )
    expect_denied, scope_group, ca_file, timeout = shared_inputs(args, mailbox)
    return GraphSettings(
        mailbox=mailbox,
        tenant_id=tenant_id,
        client_id=client_id,
        cloud=args.cloud,
        authority=authority,
        graph_url=graph_url,
        expect_denied=expect_denied,
        scope_group=scope_group,
        write_probe=bool(args.write_probe),
        ca_file=ca_file,
        timeout=timeout,
    )


def read_certificate(value: str, environ: dict[str, str] | None = None) -> Any:
    """The certificate of --certificate, opened with EC_CERT_PASSWORD; BadInput says what is wrong."""
    from ec_console.providers.graph import CertificateProblem, load_certificate
    from ec_console.render import safe_text
    from ec_console.validation import existing_file

    environ = os.environ if environ is None else environ  # type: ignore[assignment]
    path = existing_file(value, "--certificate")
    passphrase = environ.get(CERT_PASSWORD_ENV) or None
    if passphrase is not None:
        _register_secret(passphrase)
    try:
        certificate = load_certificate(path, passphrase)
    except CertificateProblem as exc:
        shown = safe_text(value if len(value) <= 60 else value[:57] + "...", keep_newlines=False)
        raise BadInput(_("--certificate: {file} is not usable: "
                         "{error}").format(file=repr(shown), error=exc)) \
            from None
    _register_secret(certificate.private_key_pem)
    return certificate


def _register_secret(value: str) -> None:
    from ec_console.commands.check import _register_secret as register

    register(value)


def run_check_graph(args: argparse.Namespace) -> int:
    from ec_console.checks import CancelToken
    from ec_console.commands.check import (
        finish_check,
        read_secret,
        refuse_application_flags,
        report_target_from_args,
        start_printer,
    )
    from ec_console.providers.graph import graph_steps, run_graph_check
    from ec_console.report_header import make_header

    refuse_application_flags(args)
    settings = graph_settings_from_args(args)
    target = report_target_from_args(args)
    if args.certificate is not None:
        credential: Any = read_certificate(args.certificate)
    else:
        credential = read_secret(True, whose=_("app {client_id}").format(client_id=settings.client_id))
        _register_secret(credential)
    header = make_header("graph")
    printer = start_printer(args, "graph", settings.mailbox, header, graph_steps(settings))
    report = run_graph_check(settings, credential, cancel=CancelToken(), observer=printer)
    return finish_check(report, args, target, header, printer)
