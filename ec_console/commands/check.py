"""`ec-console check ...`: the connectivity checks for helpdesk scripts (DESIGN.md, "CLI contract").

    ec-console check exchange --mailbox ADDR [--ews-url URL | --autodiscover] [--username USER]
        [--auth ntlm|basic|oauth] [--tenant-id T --client-id C] [--authority URL]
        [--no-impersonation] [--write-probe] [--expect-denied ADDR] [--scope-group NAME]
        [--ca-file PEM] [--timeout S] [--report FILE.html|FILE.pdf] [--json] [--verbose]

    ec-console check --application NAME [--mailbox ADDR] [--expect-denied ADDR] [--write-probe]
        [--region ID] [--report FILE] [--json]

`--application` checks through a saved application: its settings from the region's registry, its secret
from the keychain; its connection flags cannot be overridden (refused by name, exit 2). On a terminal (and
without --json) the title and the report's header are printed first and each step as it finishes
(`StepPrinter`, the check's observer); otherwise the whole report at the end, as before. Every report
carries its header (`report_header`).

Every flag is validated before any step runs (exit 2, one line on stderr, and with `--json` the
`{"error": {"code": "bad_input", ...}}` object on stdout — `cli.main` prints it from the `BadInput`).
Secrets never come from argv: `EC_PASSWORD` (NTLM/Basic) or `EC_CLIENT_SECRET` (OAuth), else a hidden
prompt naming whose secret it is ("Password for CONTOSO\\svc-ec: ") when a terminal is attached, else
exit 2. The secret is registered with the log redactor at once.
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

from ec_console.commands import check_google, check_graph
from ec_console.errors import BadInput, ExitStatus
from ec_console.i18n import _

PASSWORD_ENV = "EC_PASSWORD"
CLIENT_SECRET_ENV = "EC_CLIENT_SECRET"
_MAX_SECRET = 4096


def register(subparsers: Any) -> None:
    """Add `check` and its providers to the top-level subparsers of `ec-console`."""
    parser_class = getattr(subparsers, "_parser_class", argparse.ArgumentParser)
    check = subparsers.add_parser(
        "check",
        help=_("run a connectivity check against one mailbox or user"),
        usage=_("%(prog)s [-h] --application NAME [--mailbox ADDR] [--expect-denied ADDR] [--write-probe]\n"
                "       [--region ID] [--report FILE] [--json]\n"
                "   or: %(prog)s PROVIDER ..."),
        description=_("Step-by-step connectivity checks through the service account, "
        "with the cause and the fix for every failure. Either through a saved application "
        "(--application NAME: its settings and its secret in the keychain, nothing to re-enter) or with "
        "every detail given (PROVIDER and its flags)."),
        epilog=_("With --application, the application's connection settings cannot be changed on the "
        "command line (edit the application in the console, or give every detail with a PROVIDER). "
        "Exit statuses: 0 passed, 1 a step failed, 2 bad input (an unknown or revoked application, "
        "no secret in the keychain), 3 no usable keychain."),
    )
    _add_application_flags(check)
    providers = check.add_subparsers(
        dest="check_provider", metavar="PROVIDER", parser_class=parser_class, required=False
    )
    _add_exchange(providers)
    check_google.register(providers)
    check_graph.register(providers)


# --- check --application NAME ------------------------------------------------------------------------------

# The connection flags of `check exchange|google`: with --application they are refused by name (the saved
# application's settings are what a helpdesk check proves), rather than as "unrecognized arguments".
_CONNECTION_FLAGS = ("--ews-url", "--autodiscover", "--username", "--auth", "--tenant-id", "--client-id",
                     "--authority", "--no-impersonation", "--scope-group", "--ca-file", "--key-file",
                     "--admin", "--user", "--scope", "--api-root", "--certificate", "--cloud", "--graph-url")


class _RefuseWithApplication(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        raise BadInput(_(
            "{flag} cannot be changed for 'check --application': the check uses the saved "
            "application's settings (edit the application in the console). To give every detail yourself, "
            "put it after the PROVIDER: 'ec-console check exchange|google|graph {flag} ...'"
        ).format(flag=option_string))


def _add_application_flags(check: argparse.ArgumentParser) -> None:
    from ec_console.commands.common import region_flag, registry_flag

    check.add_argument("--application", metavar="NAME",
                       help=_("check through this saved application: its settings and its keychain secret"))
    check.add_argument("--mailbox", dest="app_mailbox", metavar="ADDR",
                       help=_("with --application: the mailbox or user to check (default: the application's "
                       "test mailbox)"))
    check.add_argument("--expect-denied", dest="app_expect_denied", metavar="ADDR",
                       help=_("with --application: a mailbox outside the scope; prove access to it is "
                              "denied"))
    check.add_argument("--write-probe", dest="app_write_probe", action="store_true",
                       help=_("with --application (Exchange, Microsoft Graph): also create a test item and "
                       "delete it"))
    check.add_argument("--report", dest="app_report", metavar="FILE",
                       help=_("with --application: also write the report to FILE.html or FILE.pdf"))
    check.add_argument("--json", dest="app_json", action="store_true",
                       help=_("with --application: print the report as JSON for scripts"))
    region_flag(check)
    registry_flag(check)
    for flag in _CONNECTION_FLAGS:
        check.add_argument(flag, nargs="?", action=_RefuseWithApplication, help=argparse.SUPPRESS)
    check.set_defaults(handler=run_check_application)


def refuse_application_flags(args: argparse.Namespace) -> None:
    """`check --application NAME exchange ...`: one or the other (BadInput before any work)."""
    if getattr(args, "application", None) is not None:
        raise BadInput(_("--application takes no PROVIDER: give either --application NAME (the saved "
                       "application's settings) or 'exchange' / 'google' with every detail"))
    for flag, dest in (("--mailbox", "app_mailbox"), ("--expect-denied", "app_expect_denied"),
                       ("--report", "app_report")):
        if getattr(args, dest, None) is not None:
            raise BadInput(_("{flag} goes after the PROVIDER ('ec-console check exchange {flag} ...')")
                           .format(flag=flag))
    if getattr(args, "app_write_probe", False) or getattr(args, "app_json", False):
        raise BadInput(_("--write-probe and --json go after the PROVIDER "
                       "('ec-console check exchange ... --json')"))


def _planned_steps(app: Any, mailbox: str, denied: str | None, write_probe: bool) -> Any:
    """The steps the check of `app` will run, in order (their titles line up the live output)."""
    from dataclasses import replace

    if app.provider == "graph":
        from ec_console.providers.base import GraphAdapter
        from ec_console.providers.graph import graph_steps

        return graph_steps(GraphAdapter.settings_for(app, mailbox, expect_denied=denied,
                                                      write_probe=write_probe))
    if app.provider == "google":
        if app.settings.get("install") == "marketplace":
            from ec_console.providers.google.marketplace import MARKETPLACE_STEPS

            return MARKETPLACE_STEPS
        from ec_console.providers.google.check import GOOGLE_STEPS

        return GOOGLE_STEPS
    from ec_console.providers.base import ExchangeAdapter
    from ec_console.providers.exchange.check import exchange_steps

    try:
        settings = replace(ExchangeAdapter.settings_for(app, mailbox), expect_denied=denied,
                           write_probe=write_probe)
    except ValueError as exc:
        raise BadInput(_("The application's settings are incomplete: {error}").format(error=exc)) from None
    return exchange_steps(settings)


def run_check_application(args: argparse.Namespace) -> int:
    """`ec-console check --application NAME [--mailbox ADDR]`: a helpdesk's check with nothing re-entered."""
    from ec_console import validation
    from ec_console.checks import CancelToken
    from ec_console.commands.common import resolve_region
    from ec_console.dashboard import application_secret
    from ec_console.providers.base import adapter_for
    from ec_console.registry import Registry
    from ec_console.report_header import make_header, region_label
    from ec_console.wizard import run_application_check

    if args.application is None:
        raise BadInput(_("name the application to check through (--application NAME), or a PROVIDER "
                       "(exchange, google or graph) with every detail (see 'ec-console check --help')"))
    args.json, args.report = args.app_json, args.app_report
    region_id = resolve_region(args)
    target = report_target_from_args(args)
    with Registry.for_region(region_id) as registry:
        app = registry.find_application(args.application)
        if app is None:
            names = ", ".join(repr(a.name) for a in registry.list_applications(include_revoked=False))
            raise BadInput(_("no application named {name} in region {region} (applications: {names}; "
                             "--region ID chooses another region)").format(
                name=repr(args.application), region=region_id, names=names or _("none yet")))
    if app.status != "active":
        raise BadInput(_("the application {name} is revoked: its access was withdrawn and its secret "
                         "deleted. Add it again to check through it").format(name=repr(app.name)))
    mailbox = args.app_mailbox or app.settings.get("test_mailbox") or app.settings.get("test_user")
    if not mailbox:
        raise BadInput(_("--mailbox ADDR: the application {name} has no test mailbox saved")
                       .format(name=repr(app.name)))
    mailbox = validation.email_address(mailbox, "--mailbox")
    denied = None
    if args.app_expect_denied is not None:
        denied = validation.email_address(args.app_expect_denied, "--expect-denied")
        if denied.lower() == mailbox.lower():
            raise BadInput(_("--expect-denied must name another mailbox than --mailbox (one outside the "
                             "scope)"))
    if args.app_write_probe and app.provider not in ("exchange", "graph"):
        raise BadInput(_("--write-probe is for Exchange applications only (the Google check reads only)"))
    steps = _planned_steps(app, mailbox, denied, args.app_write_probe)
    if app.provider == "google" and app.settings.get("install") == "marketplace":
        secret = ""                             # a Marketplace install keeps no secret of its own
    else:
        secret = application_secret(app, adapter_for(app.provider), region_id=region_id)
        if secret is None:
            from ec_console.dashboard import import_advice

            raise BadInput(_("the keychain holds no secret for the application {name} (region {region}): "
                             "{advice}").format(name=repr(app.name), region=region_id,
                                                advice=import_advice(app.name)))
        if secret:
            _register_secret(secret)
    header = make_header(app.provider, application=app.name, settings=app.settings,
                         region=region_label(region_id))
    printer = start_printer(args, app.provider, mailbox, header, steps)
    report = run_application_check(app, secret, mailbox, expect_denied=denied,
                                   write_probe=args.app_write_probe, cancel=CancelToken(), observer=printer)
    return finish_check(report, args, target, header, printer)


# --- check exchange ----------------------------------------------------------------------------------------


def _add_exchange(providers: Any) -> None:
    parser = providers.add_parser(
        "exchange",
        help=_("check EWS access to a mailbox (on-premises or Exchange Online)"),
        description=_("Check that the service account (or the OAuth application) reaches the calendar of "
        "--mailbox through EWS: endpoint, DNS, TCP, TLS, sign-in, impersonation, calendar read; "
        "optionally a write probe and the proof that a mailbox outside the scope is denied."),
        epilog=_("The password comes from EC_PASSWORD (NTLM/Basic) and the client secret from "
                 "EC_CLIENT_SECRET (OAuth), else from a hidden prompt. Exit statuses: 0 passed, 1 a step "
                 "failed, 2 bad input."),
    )
    parser.add_argument("--mailbox", metavar="ADDR", required=True, help=_("the target mailbox (SMTP "
                                                                           "address)"))
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--ews-url", metavar="URL", help=_("the EWS endpoint, e.g. "
                                           "https://mail.contoso.com/EWS/Exchange.asmx")
    )
    where.add_argument("--autodiscover", action="store_true", help=_("find the EWS endpoint by autodiscover"))
    parser.add_argument(
        "--username", metavar="USER", help=_("the service account, DOMAIN\\user or user@domain (NTLM and "
                                             "Basic)")
    )
    parser.add_argument(
        "--auth",
        choices=["ntlm", "basic", "oauth"],
        help=_("authentication; default: oauth with --tenant-id, else probed (NTLM before Basic)"),
    )
    parser.add_argument("--tenant-id", metavar="T", help=_("Entra tenant ID or domain (OAuth)"))
    parser.add_argument(
        "--client-id", metavar="C", help=_("application (client) ID of the app registration (OAuth)")
    )
    parser.add_argument(
        "--authority",
        metavar="URL",
        help=_("identity platform base URL (default https://login.microsoftonline.com)"),
    )
    parser.add_argument(
        "--no-impersonation",
        action="store_true",
        help=_("use the service account's own folder permissions (delegate access)"),
    )
    parser.add_argument(
        "--write-probe",
        action="store_true",
        help=_("also create a test item (no attendees, no invitation) and hard-delete it"),
    )
    parser.add_argument(
        "--expect-denied", metavar="ADDR", help=_("a mailbox outside the scope: prove access to it is denied")
    )
    parser.add_argument("--scope-group", metavar="NAME", help=_("the scoping group, so fixes can name it"))
    connection_flags(parser)
    output_flags(parser)
    parser.set_defaults(handler=run_check_exchange)


def exchange_settings_from_args(args: argparse.Namespace) -> Any:
    """Validate the flags into `ExchangeSettings`; BadInput names the first flag that is wrong."""
    from ec_console import validation
    from ec_console.providers.exchange.check import DEFAULT_AUTHORITY, ExchangeSettings

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
            raise BadInput(_("--auth oauth needs both --tenant-id and --client-id"))
        tenant_id = validation.tenant_id(args.tenant_id, "--tenant-id")
        client_id = validation.client_id(args.client_id, "--client-id")
        if args.authority is not None:
            authority = validation.authority_url(args.authority, "--authority")
        if ews_url is not None and not ews_url.startswith("https://"):
            raise BadInput(
                _("--ews-url: OAuth sends the application's token only over https; give the https address of "
                "the EWS endpoint")
            )
        if authority != DEFAULT_AUTHORITY and ews_url is None:
            raise BadInput(
                _("--authority other than the default needs --ews-url too: the token is requested for the "
                  "EWS "
                "host, and Exchange Online's default endpoint (outlook.office365.com) is the worldwide "
                "cloud's (GCC High: https://outlook.office365.us/EWS/Exchange.asmx)")
            )
        if args.no_impersonation:
            raise BadInput(
                _("--no-impersonation cannot be used with OAuth: an app-only token always acts as the "
                "mailbox it names (Exchange Online has no delegate access for applications)")
            )
        if args.autodiscover:
            raise BadInput(
                _("--autodiscover cannot be used with OAuth (RBAC for Applications cannot use "
                "autodiscover); give --ews-url or leave it out for Exchange Online")
            )
    else:
        for flag, value in (
            ("--tenant-id", args.tenant_id),
            ("--client-id", args.client_id),
            ("--authority", args.authority),
        ):
            if value is not None:
                raise BadInput(_("{flag} is only for OAuth (--auth oauth); with {auth} give --username")
                               .format(flag=flag, auth=auth or "NTLM/Basic"))
        if args.username is None:
            raise BadInput(_("--username is required with {auth} authentication (DOMAIN\\user or "
                             "user@domain)")
                           .format(auth=auth or _("NTLM or Basic")))
        username = validation.service_account(args.username, "--username").value
        if ews_url is None and not args.autodiscover:
            raise BadInput(_("give --ews-url URL or --autodiscover (OAuth alone defaults to Exchange "
                             "Online)"))
    expect_denied, scope_group, ca_file, timeout = shared_inputs(args, mailbox)
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
    prompt: Callable[[str], str] | None = None,
    interactive: bool | None = None,
    whose: str | None = None,
) -> str:
    """The password / client secret from the environment, else a hidden prompt on a terminal.

    `whose` names the account or application the secret belongs to ("svc-ec@contoso.com", "app 3c9d…"):
    the prompt and the messages say whose secret they ask for."""
    environ = os.environ if environ is None else environ  # type: ignore[assignment]
    name = CLIENT_SECRET_ENV if oauth else PASSWORD_ENV
    owner = safe_owner(whose) if whose else None
    value = environ.get(name)
    if value is None:
        if interactive is None:
            interactive = bool(sys.stdin and sys.stdin.isatty())
        if not interactive:
            missing = _SECRET_TEXTS["missing", oauth, owner is not None]()
            raise BadInput(missing.format(variable=name, owner=owner))
        try:
            value = (prompt or getpass.getpass)(
                _SECRET_TEXTS["prompt", oauth, owner is not None]().format(owner=owner))
        except (EOFError, OSError):
            raise BadInput(_SECRET_TEXTS["none", oauth, False]()) from None
    if not value:
        raise BadInput(_SECRET_TEXTS["empty", oauth, False]().format(variable=name))
    if len(value) > _MAX_SECRET or any(ch in value for ch in "\r\n\x00"):
        raise BadInput(_SECRET_TEXTS["unusable", oauth, False]().format(variable=name))
    return value


# read_secret's words, whole sentences for each case (a password / a client secret, with or without whose).
_SECRET_TEXTS: dict[tuple[str, bool, bool], Callable[[], str]] = {
    ("missing", False, False): lambda: _("no password: set {variable} or run in a terminal to be asked (it "
                                         "is "
                                         "never taken from the command line)"),
    ("missing", False, True): lambda: _("no password for {owner}: set {variable} or run in a terminal to be "
                                        "asked (it is never taken from the command line)"),
    ("missing", True, False): lambda: _("no client secret: set {variable} or run in a terminal to be asked "
                                        "(it "
                                        "is never taken from the command line)"),
    ("missing", True, True): lambda: _("no client secret for {owner}: set {variable} or run in a terminal to "
                                       "be asked (it is never taken from the command line)"),
    ("prompt", False, False): lambda: _("Password: "),
    ("prompt", False, True): lambda: _("Password for {owner}: "),
    ("prompt", True, False): lambda: _("Client secret: "),
    ("prompt", True, True): lambda: _("Client secret for {owner}: "),
    ("none", False, False): lambda: _("no password was entered"),
    ("none", True, False): lambda: _("no client secret was entered"),
    ("empty", False, False): lambda: _("the password is empty ({variable})"),
    ("empty", True, False): lambda: _("the client secret is empty ({variable})"),
    ("unusable", False, False): lambda: _("the password in {variable} is not usable (too long, or it "
                                          "contains "
                                          "a line break)"),
    ("unusable", True, False): lambda: _("the client secret in {variable} is not usable (too long, or it "
                                         "contains a line break)"),
}


def safe_owner(whose: str) -> str:
    from ec_console.render import safe_text

    return safe_text(whose, keep_newlines=False)


def whose_secret(settings: Any) -> str | None:
    """Whose secret an Exchange check needs: the service account (NTLM / Basic) or the app registration."""
    if settings.uses_oauth:
        return _("app {client_id}").format(client_id=settings.client_id) if settings.client_id else None
    return settings.username or None


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
        help=_("also write the report to FILE.html or FILE.pdf (the extension chooses; never a secret)"),
    )


def shared_inputs(args: argparse.Namespace, mailbox: str) -> tuple[str | None, str | None, str | None, float]:
    """The flags every mailbox check validates alike: (--expect-denied, --scope-group, --ca-file, --timeout);
    BadInput names the first one that is wrong."""
    from ec_console import validation

    expect_denied = None
    if args.expect_denied is not None:
        expect_denied = validation.mailbox(args.expect_denied, "--expect-denied")
        if expect_denied == mailbox:
            raise BadInput(_("--expect-denied must name another mailbox than --mailbox (one outside the "
                             "scope)"))
    scope_group = (
        validation.group(args.scope_group, "--scope-group") if args.scope_group is not None else None
    )
    ca_file = validation.ca_file(args.ca_file) if args.ca_file is not None else None
    timeout = validation.timeout_seconds(args.timeout, "--timeout")
    return expect_denied, scope_group, ca_file, timeout


def connection_flags(parser: argparse.ArgumentParser) -> None:
    """`--ca-file` and `--timeout`, as every check takes them."""
    parser.add_argument("--ca-file", metavar="PEM", help=_("extra trusted CA certificates (PEM) for this "
                                                           "check"))
    parser.add_argument(
        "--timeout", metavar="S", default="15", help=_("seconds to wait for each answer (default 15)")
    )


def output_flags(parser: argparse.ArgumentParser) -> None:
    """`--report FILE`, `--json` and `--verbose`, as every check takes them."""
    report_flag(parser)
    parser.add_argument("--json", action="store_true", help=_("print the report as JSON for scripts"))
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("log debug detail (secrets redacted)"),
    )


def report_target_from_args(args: argparse.Namespace) -> Any:
    """`--report` as (path, format), or None; BadInput (exit 2, before any work) for another extension."""
    if getattr(args, "report", None) is None:
        return None
    from ec_console.report_files import report_target

    return report_target(args.report)


def live_output(args: argparse.Namespace) -> bool:
    """Steps are printed as they finish when stdout is a terminal (never with --json)."""
    return not args.json and bool(getattr(sys.stdout, "isatty", lambda: False)())


def _color() -> bool:
    return bool(getattr(sys.stdout, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


class StepPrinter:
    """On a terminal: the title and the header before the run, each step as it finishes (the check's observer,
    called on this thread), then the result and the verdict. The steps line up as in the whole-report text."""

    def __init__(self, provider: str, target: str, header: Any, titles: list[str]) -> None:
        self.provider, self.target, self.header = provider, target, header
        self.width = max((len(title) for title in titles), default=0)
        self.color = _color()

    def start(self) -> None:
        from ec_console.render import header_lines, provider_name, safe_text

        lines = [_("{provider} check of {target}").format(provider=provider_name(self.provider),
                                                          target=safe_text(self.target, keep_newlines=False))]
        lines.extend(header_lines(None, self.header))
        sys.stdout.write("\n".join(lines) + "\n\n")
        sys.stdout.flush()

    def __call__(self, step: Any) -> None:
        from ec_console.render import render_step

        sys.stdout.write(render_step(step, color=self.color, title_width=self.width) + "\n")
        sys.stdout.flush()

    def finish(self, report: Any) -> None:
        from ec_console.render import render_summary, verdict_line

        summary = render_summary(report, color=self.color)
        sys.stdout.write(f"\n{summary}\n{verdict_line(report, self.header)}\n")
        sys.stdout.flush()


def finish_check(report: Any, args: argparse.Namespace, target: Any, header: Any = None,
                 printer: StepPrinter | None = None) -> int:
    """Print the report (text with its header, or --json; on a terminal only what the live printer has not
    printed yet), write --report, and return the exit status."""
    from ec_console.render import render_json, render_text

    if args.json:
        sys.stdout.write(render_json(report, header=header) + "\n")
    elif printer is not None:
        printer.finish(report)
    else:
        sys.stdout.write(render_text(report, color=_color(), header=header) + "\n")
    sys.stdout.flush()
    status = int(report.exit_status)
    if target is not None:
        from ec_console.render import safe_text
        from ec_console.report_files import write_report

        path, fmt = target
        try:
            write_report(report, path, fmt, header)
        except OSError as exc:
            why = safe_text(f"{path}: {exc.strerror or exc}", keep_newlines=False)
            sys.stderr.write(_("ec-console: the report could not be written: {why}").format(why=why) + "\n")
            return status if status != ExitStatus.OK else int(ExitStatus.STEP_FAILED)
        sys.stderr.write(_("Report written to {path}").format(path=safe_text(str(path), keep_newlines=False))
                         + "\n")
    return status


def start_printer(args: argparse.Namespace, provider: str, target: str, header: Any,
                  steps: Any) -> StepPrinter | None:
    """The live printer (already showing the title and header) on a terminal, else None."""
    if not live_output(args):
        return None
    from ec_console.checks import shown_title

    printer = StepPrinter(provider, target, header, [shown_title(spec) for spec in steps])
    printer.start()
    return printer


def run_check_exchange(args: argparse.Namespace) -> int:
    from ec_console.checks import CancelToken
    from ec_console.providers.exchange.check import exchange_steps, run_exchange_check
    from ec_console.report_header import make_header

    refuse_application_flags(args)
    settings = exchange_settings_from_args(args)
    target = report_target_from_args(args)
    secret = read_secret(settings.uses_oauth, whose=whose_secret(settings))
    _register_secret(secret)
    header = make_header("exchange", oauth=settings.uses_oauth)
    printer = start_printer(args, "exchange", settings.mailbox, header, exchange_steps(settings))
    report = run_exchange_check(settings, secret, cancel=CancelToken(), observer=printer)
    return finish_check(report, args, target, header, printer)
