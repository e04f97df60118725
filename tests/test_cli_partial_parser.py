"""The command line builds only the subcommands it is given (cli.parse_arguments), and answers exactly as
the whole command line (cli.build_parser) does: the same help, the same error text, the same exit status
and the same parsed flags, for every subcommand and for bad input."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from ec_console import cli
from ec_console.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every subcommand of the whole command line, nested ones included, e.g. ("check", "exchange")."""
    sub = _subparsers(parser)
    if sub is None:
        return []
    paths = []
    for name, child in sub.choices.items():
        paths.append((*prefix, name))
        paths.extend(_command_paths(child, (*prefix, name)))
    return paths


FULL_PATHS = _command_paths(cli.build_parser())

TOP_LEVEL_CASES = [
    [], ["-h"], ["--help"], ["--version"], ["--vers"], ["--ver"], ["-v"], ["--verbose"], ["--sandbox"],
    ["--sand"], ["--self-test"], ["--self-test", "shot.png"], ["--self-test", "check"], ["--self"],
    ["--region"], ["--region", "us"], ["--region=de"], ["--reg", "us", "-v"], ["bogus"], ["--bogus"],
    ["PROFILES"], ["--json"], ["-x"], ["--", "check"], ["--help", "profiles"], ["profiles", "--help", "x"],
    ["-h", "--version"], ["--version", "bogus"], ["--region", "check", "profiles", "list"],
    ["--region", "check", "profiles", "--bogus"], ["check", "profiles"], ["profiles", "list", "extra"],
    ["profiles", "list", "--json", "check"], ["--sandbox", "sandbox", "serve", "--json"],
    ["sandbox"], ["sandbox", "bogus"], ["profiles", "list", "--status", "nope"], ["-v", "audit", "list"],
    ["profiles", "check", "--concurrency", "0"], ["profiles", "check", "--concurrency", "x"],
    ["profiles", "check", "--concurrency", "8", "--json"], ["--self-test", "x", "y"],
]


def _cases() -> list[list[str]]:
    cases = [list(c) for c in TOP_LEVEL_CASES]
    for path in FULL_PATHS:
        for tail in ([], ["--help"], ["-h"], ["--no-such-flag"], ["unexpected-word"], ["--region"],
                     ["--json", "--json"]):
            cases.append([*path, *tail])
    return cases


def _outcome(parse, argv: list[str]) -> tuple[object, str, str]:
    """What parsing `argv` gives: the flags, or an exit (help, version) or a refusal; and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            result: object = ("parsed", vars(parse(argv)))
        except SystemExit as exc:
            result = ("exit", exc.code)
        except BadInput as exc:
            result = ("refused", exc.message, int(exc.exit_status))
    return result, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps its help to the terminal's width


def test_every_subcommand_is_covered_with_its_help_and_bad_input():
    names = {path[0] for path in FULL_PATHS}
    assert names == set(cli.COMMANDS)
    assert len(FULL_PATHS) > len(names)  # the nested actions are walked too
    assert len(_cases()) > 100


@pytest.mark.parametrize("argv", _cases(), ids=lambda argv: " ".join(argv) or "(nothing)")
def test_the_partial_command_line_answers_as_the_whole_one(argv: list[str]):
    expected = _outcome(lambda a: cli.build_parser().parse_args(a), argv)
    assert _outcome(cli.parse_arguments, argv) == expected


def test_help_and_errors_are_those_of_the_whole_command_line_through_main(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Exit status, stdout and stderr of `ec-console` itself, for help, version and bad input."""
    argvs = [["--help"], ["--version"], ["bogus"], ["--bogus", "--json"], ["profiles", "--help"],
             ["profiles", "list", "--bogus"], ["check", "exchange", "--help"], ["sandbox"],
             ["--region", "check", "profiles", "--json", "--bogus"], ["audit", "export", "--help"],
             ["profiles", "check", "--concurrency", "0", "--json"]]
    partial = []
    for argv in argvs:
        status = cli.main(argv)
        partial.append((status, *capsys.readouterr()))
    monkeypatch.setattr(cli, "parse_arguments", lambda argv: cli.build_parser().parse_args(argv))
    whole = []
    for argv in argvs:
        status = cli.main(argv)
        whole.append((status, *capsys.readouterr()))
    assert partial == whole
    statuses = [status for status, _out, _err in whole]
    assert statuses == [0, 0, 2, 2, 0, 2, 0, 2, 2, 0, 2]
    assert "profiles" in whole[0][1] and "COMMAND" in whole[0][1]  # the top-level help lists the commands
    assert "invalid choice: 'bogus'" in whole[2][2]


def _modules_after(code: str) -> list[str]:
    run = (
        "import sys\n"
        "from ec_console import cli\n"
        f"{code}\n"
        "print(sorted(m for m in sys.modules if m.startswith('ec_console.commands.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, timeout=60,
                            check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - a list of names we printed


def test_starting_the_window_builds_no_subcommand():
    loaded = _modules_after("args = cli.parse_arguments(['--region', 'us', '-v'])\n"
                            "assert args.command is None and args.region == 'us'")
    assert loaded == ["ec_console.commands.common"]


def test_a_named_subcommand_is_the_only_one_built():
    loaded = _modules_after("args = cli.parse_arguments(['profiles', 'check', '--concurrency', '8'])\n"
                            "assert args.command == 'profiles' and args.concurrency == 8")
    assert "ec_console.commands.profiles" in loaded
    for other in ("check", "applications", "audit", "monitor"):
        assert f"ec_console.commands.{other}" not in loaded
