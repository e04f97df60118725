"""`ec-console check ...`: the connectivity checks for helpdesk scripts (DESIGN.md, "CLI contract").

    ec-console check exchange --mailbox ADDR [--ews-url URL | --autodiscover] [--username USER]
        [--auth ntlm|basic|oauth] [--tenant-id T --client-id C] [--authority URL]
        [--no-impersonation] [--write-probe] [--expect-denied ADDR] [--scope-group NAME]
        [--ca-file PEM] [--timeout S] [--report FILE.html|FILE.pdf] [--json] [--verbose]

Every flag is validated before any step runs (exit 2, one line on stderr, and with `--json` the
`{"error": {"code": "bad_input", ...}}` object on stdout — `cli.main` prints it from the `BadInput`).
Secrets never come from argv: `EC_PASSWORD` (NTLM/Basic) or `EC_CLIENT_SECRET` (OAuth), else a hidden
prompt when a terminal is attached, else exit 2. The secret is registered with the log redactor at once.
`--report FILE` also writes the report as HTML or PDF (by the extension; checked before any step runs).
Exit status: 0 every step passed or warned, 1 a step failed (or the report file could not be written),
130 cancelled.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from ec_console.commands import check_google
from ec_console.errors import BadInput, ExitStatus

PASSWORD_ENV = "EC_PASSWORD"
CLIENT_SECRET_ENV = "EC_CLIENT_SECRET"
_MAX_SECRET = 4096


def register(subparsers: Any) -> None:
    """Add `check` and its providers to the top-level subparsers of `ec-console`."""
    parser_class = getattr(subparsers, "_parser_class", argparse.ArgumentParser)
    check = subparsers.add_parser(
        "check",
        help="run a connectivity check against one mailbox or user",
        description="Step-by-step connectivity checks through the service account, "
        "with the cause and the fix for every failure.",
    )
    providers = check.add_subparsers(
        dest="check_provider", metavar="PROVIDER", parser_class=parser_class, required=True
    )
    _add_exchange(providers)
    check_google.register(providers)


# --- check exchange ----------------------------------------------------------------------------------------


def _add_exchange(providers: Any) -> None:
    parser = providers.add_parser(
        "exchange",
        help="check EWS access to a mailbox (on-premises or Exchange Online)",
        description="Check that the service account (or the OAuth application) reaches the calendar of "
        "--mailbox through EWS: endpoint, DNS, TCP, TLS, sign-in, impersonation, calendar read; "
        "optionally a write probe and the proof that a mailbox outside the scope is denied.",
        epilog=f"The password comes from {PASSWORD_ENV} (NTLM/Basic) and the client secret from "
        f"{CLIENT_SECRET_ENV} (OAuth), else from a hidden prompt. Exit statuses: 0 passed, 1 a step "
        "failed, 2 bad input.",
    )
    parser.add_argument("--mailbox", metavar="ADDR", required=True, help="the target mailbox (SMTP address)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--ews-url", metavar="URL", help="the EWS endpoint, e.g. https://mail.contoso.com/EWS/Exchange.asmx"
    )
    where.add_argument("--autodiscover", action="store_true", help="find the EWS endpoint by autodiscover")
    parser.add_argument(
        "--username", metavar="USER", help="the service account, DOMAIN\\user or user@domain (NTLM and Basic)"
    )
    parser.add_argument(
        "--auth",
        choices=["ntlm", "basic", "oauth"],
        help="authentication; default: oauth with --tenant-id, else probed (NTLM before Basic)",
    )
    parser.add_argument("--tenant-id", metavar="T", help="Entra tenant ID or domain (OAuth)")
    parser.add_argument(
        "--client-id", metavar="C", help="application (client) ID of the app registration (OAuth)"
    )
    parser.add_argument(
        "--authority",
        metavar="URL",
        help="identity platform base URL (default https://login.microsoftonline.com)",
    )
    parser.add_argument(
        "--no-impersonation",
        action="store_true",
        help="use the service account's own folder permissions (delegate access)",
    )
    parser.add_argument(
        "--write-probe",
        action="store_true",
        help="also create a test item (no attendees, no invitation) and hard-delete it",
    )
    parser.add_argument(
        "--expect-denied", metavar="ADDR", help="a mailbox outside the scope: prove access to it is denied"
    )
    parser.add_argument("--scope-group", metavar="NAME", help="the scoping group, so fixes can name it")
    parser.add_argument("--ca-file", metavar="PEM", help="extra trusted CA certificates (PEM) for this check")
    parser.add_argument(
        "--timeout", metavar="S", default="15", help="seconds to wait for each answer (default 15)"
    )
    report_flag(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON for scripts")
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log debug detail (secrets redacted)",
    )
    parser.set_defaults(handler=run_check_exchange)


def exchange_settings_from_args(args: argparse.Namespace) -> Any:
    """Validate the flags into `ExchangeSettings`; BadInput names the first flag that is wrong."""
    from ec_console import validation
    from ec_console.providers.exchange import DEFAULT_AUTHORITY, ExchangeSettings

    mailbox = validation.mailbox(args.mailbox, "--mailbox")
    ews_url = validation.ews_url(args.ews_url, "--ews-url").url if args.ews_url is not None else None
    auth = args.auth
    if auth is None and args.tenant_id is not None:
        auth = "oauth"
    oauth = auth == "oauth"
    tenant_id = client_id = None
    username = None
    authority = DEFAULT_AUTHORITY
    if oauth:
        if args.tenant_id is None or args.client_id is None:
            raise BadInput("--auth oauth needs both --tenant-id and --client-id")
        tenant_id = validation.tenant_id(args.tenant_id, "--tenant-id")
        client_id = validation.client_id(args.client_id, "--client-id")
        if args.authority is not None:
            authority = validation.authority_url(args.authority, "--authority")
        if ews_url is not None and not ews_url.startswith("https://"):
            raise BadInput(
                "--ews-url: OAuth sends the application's token only over https; give the https address of "
                "the EWS endpoint"
            )
        if authority != DEFAULT_AUTHORITY and ews_url is None:
            raise BadInput(
                "--authority other than the default needs --ews-url too: the token is requested for the EWS "
                "host, and Exchange Online's default endpoint (outlook.office365.com) is the worldwide "
                "cloud's (GCC High: https://outlook.office365.us/EWS/Exchange.asmx)"
            )
        if args.no_impersonation:
            raise BadInput(
                "--no-impersonation cannot be used with OAuth: an app-only token always acts as the "
                "mailbox it names (Exchange Online has no delegate access for applications)"
            )
        if args.autodiscover:
            raise BadInput(
                "--autodiscover cannot be used with OAuth (RBAC for Applications cannot use "
                "autodiscover); give --ews-url or leave it out for Exchange Online"
            )
    else:
        for flag, value in (
            ("--tenant-id", args.tenant_id),
            ("--client-id", args.client_id),
            ("--authority", args.authority),
        ):
            if value is not None:
                raise BadInput(
                    f"{flag} is only for OAuth (--auth oauth); with {auth or 'NTLM/Basic'} give --username"
                )
        if args.username is None:
            raise BadInput(
                f"--username is required with {auth or 'NTLM or Basic'} authentication "
                "(DOMAIN\\user or user@domain)"
            )
        username = validation.service_account(args.username, "--username").value
        if ews_url is None and not args.autodiscover:
            raise BadInput("give --ews-url URL or --autodiscover (OAuth alone defaults to Exchange Online)")
    expect_denied = None
    if args.expect_denied is not None:
        expect_denied = validation.mailbox(args.expect_denied, "--expect-denied")
        if expect_denied == mailbox:
            raise BadInput("--expect-denied must name another mailbox than --mailbox (one outside the scope)")
    scope_group = (
        validation.group(args.scope_group, "--scope-group") if args.scope_group is not None else None
    )
    ca_file = validation.ca_file(args.ca_file) if args.ca_file is not None else None
    timeout = validation.timeout_seconds(args.timeout, "--timeout")
    return ExchangeSettings(
        mailbox=mailbox,
        ews_url=ews_url,
        autodiscover=bool(args.autodiscover),
        username=username,
        auth=auth,
        tenant_id=tenant_id,
        client_id=client_id,
        authority=authority,
        impersonation=not args.no_impersonation,
        write_probe=bool(args.write_probe),
        expect_denied=expect_denied,
        scope_group=scope_group,
        ca_file=ca_file,
        timeout=timeout,
    )


def read_secret(
    oauth: bool,
    *,
    environ: dict[str, str] | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
    interactive: bool | None = None,
) -> str:
    """The password / client secret from the environment, else a hidden prompt on a terminal."""
    environ = os.environ if environ is None else environ  # type: ignore[assignment]
    name = CLIENT_SECRET_ENV if oauth else PASSWORD_ENV
    what = "client secret" if oauth else "password"
    value = environ.get(name)
    if value is None:
        if interactive is None:
            interactive = bool(sys.stdin and sys.stdin.isatty())
        if not interactive:
            raise BadInput(
                f"no {what}: set {name} or run in a terminal to be asked (it is never taken from "
                "the command line)"
            )
        try:
            value = prompt(f"{what.capitalize()}: ")
        except (EOFError, OSError):
            raise BadInput(f"no {what} was entered") from None
    if not value:
        raise BadInput(f"the {what} is empty ({name})")
    if len(value) > _MAX_SECRET or any(ch in value for ch in "\r\n\x00"):
        raise BadInput(f"the {what} in {name} is not usable (too long, or it contains a line break)")
    return value


def _register_secret(secret: str) -> None:
    try:
        from ec_console.logs import register_secret
    except ImportError:  # pragma: no cover - the logging module ships with the console
        return
    register_secret(secret)


def report_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="also write the report to FILE.html or FILE.pdf (the extension chooses; never a secret)",
    )


def report_target_from_args(args: argparse.Namespace) -> Any:
    """`--report` as (path, format), or None; BadInput (exit 2, before any work) for another extension."""
    if getattr(args, "report", None) is None:
        return None
    from ec_console.report_files import report_target

    return report_target(args.report)


def finish_check(report: Any, args: argparse.Namespace, target: Any) -> int:
    """Print the report (text or --json), write --report, and return the exit status."""
    from ec_console.render import render_json, render_text

    if args.json:
        sys.stdout.write(render_json(report) + "\n")
    else:
        color = bool(getattr(sys.stdout, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ
        sys.stdout.write(render_text(report, color=color) + "\n")
    sys.stdout.flush()
    status = int(report.exit_status)
    if target is not None:
        from ec_console.render import safe_text
        from ec_console.report_files import write_report

        path, fmt = target
        try:
            write_report(report, path, fmt)
        except OSError as exc:
            why = safe_text(f"{path}: {exc.strerror or exc}", keep_newlines=False)
            sys.stderr.write(f"ec-console: the report could not be written: {why}\n")
            return status if status != ExitStatus.OK else int(ExitStatus.STEP_FAILED)
        sys.stderr.write(f"Report written to {safe_text(str(path), keep_newlines=False)}\n")
    return status


def run_check_exchange(args: argparse.Namespace) -> int:
    from ec_console.checks import CancelToken
    from ec_console.providers.exchange import run_exchange_check

    settings = exchange_settings_from_args(args)
    target = report_target_from_args(args)
    secret = read_secret(settings.uses_oauth)
    _register_secret(secret)
    report = run_exchange_check(settings, secret, cancel=CancelToken())
    return finish_check(report, args, target)
