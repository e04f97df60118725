"""Random flags and values for `ec_console.cli.main`: refused with exit 2 and one line, never a traceback.

The handlers that would do real work (run a check, open the GUI, serve the sandbox, self-test) are replaced
by a stub that reports "accepted" (exit 0), so any argv either is accepted by the parser and validation, or
is refused before work starts — and then stderr is exactly one `ec-console: ...` line and, with `--json`,
stdout is the `bad_input` object.
"""

from __future__ import annotations

import json

import pytest
from hostile import corpus
from hostile.cli import assert_no_traceback, clear_environment, wire_check_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ec_console import cli
from ec_console.commands import check, check_google
from ec_console.errors import ConsoleError, ExitStatus

COMMANDS = [
    ["check", "exchange"],
    ["check", "google"],
    ["profiles", "list"],
    ["sandbox", "serve"],
    ["check"],
    ["profiles"],
    [],
    ["nonsense"],
]
FLAGS = [
    "--mailbox",
    "--ews-url",
    "--autodiscover",
    "--username",
    "--auth",
    "--tenant-id",
    "--client-id",
    "--authority",
    "--no-impersonation",
    "--write-probe",
    "--expect-denied",
    "--scope-group",
    "--ca-file",
    "--timeout",
    "--json",
    "--verbose",
    "--key-file",
    "--admin",
    "--user",
    "--scope",
    "--api-root",
    "--region",
    "--status",
    "--application",
    "--search",
    "--sort",
    "--desc",
    "--limit",
    "--sandbox",
    "--self-test",
    "-v",
    "--",
    "-",
    "--mail",
    "--jso",
    "---x",
    "-x",
]
VALUES = st.one_of(
    st.sampled_from(
        corpus.ADDRESSES
        + corpus.URLS
        + corpus.IDENTIFIERS
        + corpus.TIMEOUTS
        + corpus.ACCOUNTS
        + corpus.COMMON
        + ["ntlm", "basic", "oauth", "us", "de", "/etc/passwd", "/nonexistent", "/tmp/" + "a" * 300]
        + ["a@b.co\nFAKE: injected", "\x1b[2J\x1b[31mred", "us\r\n", "\u2028", "x\x85y"]
    ),
    st.text(max_size=40),
)
ARGV = st.lists(st.one_of(st.sampled_from(FLAGS), VALUES), max_size=10)


class Accepted(ConsoleError):
    exit_status = ExitStatus.OK
    code = "accepted"


def _accept(*_args, **_kwargs):
    raise Accepted("accepted")


@pytest.fixture(autouse=True)
def stubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    wire_check_command(monkeypatch)
    monkeypatch.setenv("EC_PASSWORD", "Fuzz-Pass-1!")
    monkeypatch.setenv("EC_CLIENT_SECRET", "fuzz~secret")
    monkeypatch.setattr("ec_console.providers.exchange.check.run_exchange_check", _accept)
    monkeypatch.setattr("ec_console.providers.google.check.run_google_check", _accept)
    for name in ("_run_gui", "_run_self_test", "_sandbox_serve"):
        monkeypatch.setattr(cli, name, _accept)
    monkeypatch.setattr(check_google, "run_check_google", check_google.run_check_google)
    assert check.run_check_exchange


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _assert_contract(argv: list[str], code: int, out: str, err: str) -> None:
    assert_no_traceback(out, err)
    assert "unexpected error" not in err, f"{argv!r}: {err}"
    if code == ExitStatus.OK:
        return
    assert code == ExitStatus.BAD_INPUT, f"{argv!r} -> {code}: {err}"
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ec-console: "), f"{argv!r}: {err!r}"
    assert "\x1b" not in err, f"{argv!r}: {err!r}"
    if "--json" in argv:
        assert json.loads(out)["error"]["code"] == "bad_input"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), rest=ARGV)
def test_random_argv_is_accepted_or_refused_in_one_line(command, rest, capsys):
    argv = [*command, *rest]
    if "--help" in argv or "-h" in argv or "--version" in argv:
        return
    code, out, err = _run(capsys, argv)
    _assert_contract(argv, code, out, err)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(
            [
                "check",
                "google",
                "--key-file",
                "/tmp/" + "k" * 5000,
                "--admin",
                "a@b.co",
                "--user",
                "c@b.co",
                "--json",
            ],
            id="google-key-file",
        ),
        pytest.param(
            [
                "check",
                "exchange",
                "--mailbox",
                "a@b.co",
                "--ews-url",
                "https://m.b.co/EWS/Exchange.asmx",
                "--username",
                "B\\svc",
                "--ca-file",
                "/tmp/" + "c" * 5000,
                "--json",
            ],
            id="exchange-ca-file",
        ),
        pytest.param(["check", "exchange", "--mailbox", "a@b.co\x00", "--json"], id="nul-in-address"),
        pytest.param(
            ["profiles", "list", "alice@contoso.com\nFAKE: injected line"],
            id="newline-in-argument",
        ),
        pytest.param(
            ["profiles", "list", "\x1b[2J\x1b[31mred"],
            id="escape-in-argument",
        ),
        pytest.param(
            ["check", "google", "--key-file", "/etc/passwd\x00x", "--admin", "a@b.co", "--user", "c@b.co"],
            id="nul-in-path",
        ),
        pytest.param(["profiles", "list", "--limit", "9" * 5000], id="huge-number"),
        pytest.param(["--region", "x" * 100000, "profiles", "list"], id="huge-region"),
    ],
)
def test_nasty_argv_corpus(argv, capsys):
    code, out, err = _run(capsys, argv)
    _assert_contract(argv, code, out, err)
    assert code == ExitStatus.BAD_INPUT
