"""The `ec-console` command: the GUI by default, subcommands for scripts (DESIGN.md "CLI contract").

Exit statuses (`ec_console.errors.ExitStatus`): 0 ok, 1 a step failed or the signed-in registry role may not
do this (`refused_by_role`), 2 refused before any work (one line on stderr; with `--json`, stdout carries
`{"error": {"code": "bad_input", "message": ...}}`, or `"refused_by_role"` for a role's refusal),
3 no usable keychain, 130 interrupted. No traceback ever reaches the user: unexpected errors are logged
with their traceback and summarised in one line.

This module imports no Qt: the GUI is imported only when it is started.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

from ec_console import APP_DISPLAY_NAME, APP_NAME, __version__
from ec_console.commands.common import json_flag, refuse_by_role, region_flag, resolve_region, verbose_flag
from ec_console.errors import BadInput, ConsoleError, ExitStatus, RoleRefused
from ec_console.i18n import N_, _, ngettext
from ec_console.paths import HOME_ENV

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that raises BadInput instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise BadInput(_("{message} (see '{prog} --help')").format(message=message, prog=self.prog))


# The subcommands in the order `--help` lists them, each with the module whose `register` adds it: a
# module is imported, and its flags built, only when the command line names its subcommand (a start of the
# console's window builds none of them; docs/benchmarks.md, "Cold start").
COMMANDS: dict[str, str] = {
    "check": "ec_console.commands.check",
    "profiles": "ec_console.commands.profiles",
    "applications": "ec_console.commands.applications",
    "audit": "ec_console.commands.audit",
    "monitor": "ec_console.commands.monitor",
    "registry": "ec_console.commands.registry",
    "sandbox": __name__,
}


# argparse's own words (usage, headings, its errors) in the console's catalog: argparse looks each up
# through its module-level `_` / `ngettext` when it prints, which `_build` points at ec_console.i18n.
ARGPARSE_TEXTS = (
    N_("usage: "), N_("options"), N_("positional arguments"), N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"), N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("expected one argument"), N_("expected at most one argument"), N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("invalid %(type)s value: %(value)r"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"),
)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the global flags and every subcommand's."""
    return _build(_Parser, COMMANDS)


class _FullParserNeeded(Exception):
    """The partial command line cannot answer as the whole one would (the top-level help or an error)."""


class _PartialParser(_Parser):
    """The global flags and only the subcommands named on the command line.

    Its own help (which lists every subcommand) and its errors (an unknown command lists every choice)
    are left to the whole parser, so what the user reads and the exit status are the same as the whole
    command line's; a named subcommand's own help and errors come from that subcommand's parser, which is
    built exactly as in the whole command line.
    """

    def error(self, message: str) -> NoReturn:
        raise _FullParserNeeded(message)

    def print_help(self, file: object = None) -> None:
        raise _FullParserNeeded("help")


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """`build_parser().parse_args(argv)`, building only the subcommands `argv` names when that suffices."""
    if argv and argv[0] in COMMANDS:
        named = [argv[0]]  # everything after the subcommand's name is its own
    else:  # a name may follow the global flags, or be a flag's value (`--region check`)
        named = [name for name in COMMANDS if name in argv]
    try:
        return _build(_PartialParser, named).parse_args(argv)
    except _FullParserNeeded:
        return build_parser().parse_args(argv)


def _build(parser_type: type[_Parser], commands: Iterable[str]) -> argparse.ArgumentParser:
    argparse._ = _  # type: ignore[attr-defined]  # argparse's own texts in the console's language
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    parser = parser_type(
        prog=APP_NAME,
        description=_("{name}: grant one application access to every calendar in the organisation "
                      "through a service account, test it, and manage the linked profiles. With no command, "
                      "the console window opens.").format(name=APP_DISPLAY_NAME),
        epilog=_("Secrets never go on the command line: set EC_PASSWORD / EC_CLIENT_SECRET or answer the "
                 "prompt. Exit statuses: 0 ok, 1 a step failed, 2 bad input, 3 no usable keychain, "
                 "130 interrupted."),
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}",
                        help=_("show the console's version number and exit"))
    verbose_flag(parser)
    region_flag(parser)
    parser.add_argument("--sandbox", action="store_true",
                        help=_("start the console against the built-in sandbox organisation"))
    parser.add_argument("--self-test", nargs="?", const="", metavar="PNG", default=None,
                        help=_("open the main window offscreen, save a screenshot, report the keychain "
                               "backend, and exit (used to smoke-test installers)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in commands:
        importlib.import_module(COMMANDS[name]).register(sub)
    return parser


def register(sub: Any) -> None:
    """Add `sandbox` and its action to the top-level subparsers of `ec-console`."""
    sandbox = sub.add_parser("sandbox", help=_("run the sandbox organisation"),
                             description=_("Loopback servers that speak the real protocols for a "
                                           "fictional organisation, so the console can be tried with no "
                                           "tenant."))
    ssub = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", parser_class=_Parser,
                                  required=True)
    serve = ssub.add_parser("serve", help=_("run the sandbox in the foreground and print its URLs, "
                                            "credentials and file paths"))
    json_flag(serve, N_("the sandbox details"))
    verbose_flag(serve)
    serve.set_defaults(handler=_sandbox_serve)


def _sandbox_serve(args: argparse.Namespace) -> int:
    from ec_console.sandbox import run_serve

    return run_serve(json_output=args.json)


def _isolate_sandbox_session() -> None:
    """`--sandbox`: the fictional organisation's applications, secrets and logs never mix with the user's.

    Unless EC_CONSOLE_HOME already names a folder, everything goes to a throwaway folder removed at exit;
    secrets always go to the in-memory store (the sandbox's credentials are fictional and must not land in
    the user's keychain)."""
    if not os.environ.get(HOME_ENV, "").strip():
        home = tempfile.mkdtemp(prefix="ec-console-sandbox-")
        os.environ[HOME_ENV] = home
        atexit.register(shutil.rmtree, home, ignore_errors=True)
    from ec_console.secrets import STORE_ENV

    os.environ[STORE_ENV] = "memory"


# Set when this process started Qt (the window or the self-test): `run` then ends it the ordinary way.
_qt_started = False


def _run_gui(args: argparse.Namespace) -> int:
    global _qt_started
    _qt_started = True
    region_id = getattr(args, "region", None)
    if region_id is not None:
        region_id = resolve_region(args)
    from ec_console.ui.app import run_gui

    return run_gui(region_id, sandbox=args.sandbox)


def _run_self_test(args: argparse.Namespace) -> int:
    global _qt_started
    _qt_started = True
    from pathlib import Path

    from ec_console.ui.selftest import run_self_test

    return run_self_test(Path(args.self_test) if args.self_test else None)


def _wants_json(argv: Sequence[str]) -> bool:
    return "--json" in argv


# Errors whose `--json` answer is the error object on stdout (a refused input, a role's refusal, a row another
# console changed first); the others say so on stderr only.
_JSON_ERRORS: tuple[type[ConsoleError], ...] = (BadInput, RoleRefused)


def _json_errors() -> tuple[type[ConsoleError], ...]:
    registry = sys.modules.get("ec_console.registry")   # not loaded: no registry error can have been raised
    return _JSON_ERRORS if registry is None else (*_JSON_ERRORS, registry.ChangedElsewhere)


def _report_error(err: ConsoleError, argv: Sequence[str]) -> int:
    """One line on stderr (and the JSON error object when asked); returns the exit status.

    Messages may quote what the user typed (argparse quotes raw arguments): control characters are
    dropped and line breaks become spaces, so the line stays one line and cannot drive the terminal.
    """
    from ec_console.render import safe_text

    message = safe_text(err.message, keep_newlines=False)
    if isinstance(err, _json_errors()) and _wants_json(argv):
        json.dump({"error": {"code": err.code, "message": message}}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    sys.stderr.write(f"{APP_NAME}: {message}\n")
    return int(err.exit_status)


def _setup_logging(verbose: bool) -> str | None:
    try:
        from ec_console.logs import setup_logging
    except ImportError:  # the logging module is optional only while the console is being assembled
        logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING)
        return None
    return str(setup_logging(verbose, console=verbose))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    log_file: str | None = None
    try:
        args = parse_arguments(argv)
        if args.sandbox and getattr(args, "handler", None) is None and args.self_test is None:
            _isolate_sandbox_session()
        log_file = _setup_logging(getattr(args, "verbose", False))
        if args.self_test is not None:
            return _run_self_test(args)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            return _run_gui(args)
        from ec_console.registry import registry_override

        with registry_override(getattr(args, "registry", None)):  # `--registry URL`, checked first
            refuse_by_role(args)
            return int(handler(args))
    except ConsoleError as err:
        return _report_error(err, argv)
    except KeyboardInterrupt:
        interrupted = _("interrupted")
        sys.stderr.write(f"{APP_NAME}: {interrupted}\n")
        return int(ExitStatus.INTERRUPTED)
    except SystemExit as exc:  # --help and --version exit through argparse
        return int(exc.code or 0) if isinstance(exc.code, int) else 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback reaches the user
        log.exception("unexpected error")
        from ec_console.render import safe_text

        what = safe_text(f"{type(exc).__name__}: {exc}", keep_newlines=False)
        if log_file:
            line = _("unexpected error: {error}; details are in {log_file}").format(error=what,
                                                                                      log_file=log_file)
        else:
            line = _("unexpected error: {error}").format(error=what)
        sys.stderr.write(f"{APP_NAME}: {line}\n")
        return int(ExitStatus.STEP_FAILED)


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The `ec-console` program (its console script, `python -m ec_console` and the frozen builds): `main`,
    then the end of the process.

    After a command (not the window or the self-test, which leave the end to Qt and the interpreter), the
    process ends without the interpreter's own teardown, which frees every module and object one by one:
    0.25-0.36 s after `profiles check` with the protocol clients loaded (docs/benchmarks.md). What that
    teardown would do that matters is done first: the exit handlers run (among them logging's, which
    flushes and closes the log file) and the output is flushed. When another thread that is not a daemon
    is still running, the interpreter ends the process as usual (it waits for that thread).
    """
    status = main(argv)
    if not _qt_started:
        _end_now(status)
    sys.exit(status)


def _end_now(status: int) -> None:
    """End the process at once with `status`, unless a non-daemon thread still runs (then return)."""
    current = threading.current_thread()
    if any(t is not current and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:
        return
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more can be said there
            pass
    os._exit(status)


if __name__ == "__main__":
    run()
