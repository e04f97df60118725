"""`ec-console check google`: the Google Workspace domain-wide delegation check (DESIGN.md, "CLI contract").

    ec-console check google --key-file SA.json --admin ADMIN --user ADDR [--scope S]... [--api-root URL]
        [--expect-denied ADDR] [--timeout S] [--report FILE.html|FILE.pdf] [--json] [--verbose]

Every flag is validated before any step runs (exit 2, one line on stderr, and with `--json` the
`{"error": {"code": "bad_input", ...}}` object on stdout — `cli.main` prints it from the `BadInput`). A key
file that exists but is not a service-account key is a failure of the `key` step (exit 1), not bad input.
The private key never leaves the process: it is registered with the log redactor as soon as it is read.
TLS trust is the operating system's certificate store. Exit status: 0 every step passed or warned, 1 a step
failed, 130 cancelled.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ec_console.errors import BadInput
from ec_console.i18n import _

MAX_KEY_FILE_BYTES = 64 * 1024


def register(check_subparsers: Any) -> None:
    """Add `google` to the subparsers of `ec-console check`."""
    parser = check_subparsers.add_parser(
        "google",
        help=_("check domain-wide delegation to a Google Workspace user"),
        description=_("Check that the service account in --key-file reaches the calendar of --user through "
        "domain-wide delegation: key file, clock, token, delegation of each scope, the user in "
        "the directory (read as --admin), and the user's busy times of the next 7 days; "
        "optionally the proof that an account outside the scope is denied."),
        epilog=_("The key file stays on this computer; its private key is never printed or logged. Exit "
        "statuses: 0 passed, 1 a step failed, 2 bad input."),
    )
    parser.add_argument(
        "--key-file", metavar="SA.json", required=True, help=_("the service account's JSON key file")
    )
    parser.add_argument(
        "--admin",
        metavar="ADMIN",
        required=True,
        help=_("a super administrator's address, to read the directory as"),
    )
    parser.add_argument("--user", metavar="ADDR", required=True, help=_("the user whose calendar is checked"))
    parser.add_argument(
        "--scope",
        metavar="S",
        action="append",
        default=None,
        help=_("a scope the application needs; repeat for each (replaces the default: calendar "
        "and admin.directory.user.readonly)"),
    )
    parser.add_argument(
        "--api-root",
        metavar="URL",
        help=_("one root URL for every Google API the check calls (default: each API's own)"),
    )
    parser.add_argument(
        "--expect-denied", metavar="ADDR", help=_("a user outside the scope: prove access to it is denied")
    )
    parser.add_argument(
        "--timeout", metavar="S", default="15", help=_("seconds to wait for each answer (default 15)")
    )
    parser.add_argument(
        "--ca-file",
        metavar="PEM",
        help=_("extra CA certificates to trust for this check's connections (e.g. a TLS-inspecting proxy's "
        "root), besides the system store"),
    )
    from ec_console.commands.check import output_flags

    output_flags(parser)
    parser.set_defaults(handler=run_check_google)


def _key_file(value: str) -> str:
    """The key file's absolute path: an existing, readable file of key size; BadInput names the problem."""
    from ec_console.validation import existing_file

    path: Path = existing_file(value, "--key-file")
    shown = repr(value if len(value) <= 60 else value[:57] + "...")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise BadInput(_("--key-file: {file} cannot be read ({error})").format(
            file=shown, error=exc.strerror or exc)) from None
    if size > MAX_KEY_FILE_BYTES:
        raise BadInput(_("--key-file: {file} is {size} bytes; a service-account key file is a few kilobytes")
                       .format(file=shown, size=size))
    return str(path)


def google_settings_from_args(args: argparse.Namespace) -> Any:
    """Validate the flags into `GoogleSettings`; BadInput names the first flag that is wrong."""
    from ec_console import validation
    from ec_console.providers.google.check import GoogleSettings

    key_file = _key_file(args.key_file)
    admin = validation.email_address(args.admin, "--admin")
    user = validation.email_address(args.user, "--user")
    scopes = tuple(validation.google_scopes(args.scope, "--scope")) if args.scope is not None else None
    api_root = validation.api_root(args.api_root, "--api-root") if args.api_root is not None else None
    expect_denied = None
    if args.expect_denied is not None:
        expect_denied = validation.email_address(args.expect_denied, "--expect-denied")
        if expect_denied.lower() == user.lower():
            raise BadInput(_("--expect-denied must name another user than --user (one outside the scope)"))
    timeout = validation.timeout_seconds(args.timeout, "--timeout")
    ca_file = validation.ca_file(args.ca_file) if args.ca_file is not None else None
    extra = {"scopes": scopes} if scopes else {}
    return GoogleSettings(
        admin=admin,
        user=user,
        key_file=key_file,
        api_root=api_root,
        expect_denied=expect_denied,
        timeout=timeout,
        ca_file=ca_file,
        **extra,
    )


def run_check_google(args: argparse.Namespace) -> int:
    from ec_console.checks import CancelToken
    from ec_console.commands.check import (
        finish_check,
        refuse_application_flags,
        report_target_from_args,
        start_printer,
    )
    from ec_console.providers.google.check import GOOGLE_STEPS, run_google_check
    from ec_console.report_header import make_header

    refuse_application_flags(args)
    settings = google_settings_from_args(args)
    target = report_target_from_args(args)
    header = make_header("google")
    printer = start_printer(args, "google", settings.user, header, GOOGLE_STEPS)
    report = run_google_check(settings, cancel=CancelToken(), observer=printer)
    return finish_check(report, args, target, header, printer)
