"""Network faults through the sandboxes: each reaches its diagnosis within the timeout, via the real CLI.

DNS failure (a `.invalid` host), a refused port, a server that accepts and never answers (the sandbox's
`silent` switch), and expired / wrong-name / untrusted certificates (the sandbox's certificate variants) —
for `check exchange` against the EWS sandbox and for `check google` against the Google sandbox (whose TLS
variants are served by a loopback server presenting the sandbox's bad certificates).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import server as hs
from hostile.cli import assert_no_traceback, clear_environment, run_cli, wire_check_command
from hostile.keys import write_key_file

import ec_console.providers.exchange.check  # noqa: F401 - imported before any time bound
import ec_console.providers.google.check  # noqa: F401
from ec_console.sandbox import Sandbox
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.tls import TlsMaterial

TIMEOUT = 1
LIMIT = TIMEOUT + 4.0
CERT_CODES = {"expired": "tls_expired", "wrong_name": "tls_name_mismatch", "untrusted": "tls_untrusted"}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    wire_check_command(monkeypatch)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("faults-sandbox"), google=True) as box:
        for variant in CERT_CODES:
            box.variant_url(variant)  # started here, so no test sees their threads start
        yield box


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def exchange_argv(sandbox: Sandbox, url: str) -> list[str]:
    info = sandbox.info()
    return [
        "check",
        "exchange",
        "--mailbox",
        info.mailbox_in_scope,
        "--ews-url",
        url,
        "--username",
        info.username,
        "--ca-file",
        info.ca_file,
        "--json",
        "--timeout",
        str(TIMEOUT),
    ]


def google_argv(sandbox: Sandbox, key_file: str | Path, api_root: str | None = None) -> list[str]:
    google = sandbox.google
    assert google is not None
    info = google.info()
    return [
        "check",
        "google",
        "--key-file",
        str(key_file),
        "--admin",
        info.admin_email,
        "--user",
        info.users["ok"],
        "--api-root",
        api_root or info.api_root,
        "--ca-file",
        str(info.ca_file),
        "--json",
        "--timeout",
        str(TIMEOUT),
    ]


def expect(capsys: pytest.CaptureFixture[str], argv: list[str], code: str, step: str | None = None) -> None:
    run = run_cli(capsys, argv, limit=LIMIT)
    assert_no_traceback(run.out, run.err)
    assert run.code == 1, run.out or run.err
    failure = run.failure()
    assert failure["diagnosis"]["code"] == code, failure
    if step is not None:
        assert failure["id"] == step


# --- Exchange ----------------------------------------------------------------------------------------------


def test_exchange_dns_failure(sandbox, capsys, monkeypatch):
    monkeypatch.setenv("EC_PASSWORD", sandbox.info().password)
    expect(
        capsys,
        exchange_argv(sandbox, "https://mail.ec-console-test.invalid/EWS/Exchange.asmx"),
        "dns_unresolved",
        "dns",
    )


def test_exchange_refused_port(sandbox, capsys, monkeypatch):
    monkeypatch.setenv("EC_PASSWORD", sandbox.info().password)
    expect(
        capsys,
        exchange_argv(sandbox, f"https://127.0.0.1:{closed_port()}/EWS/Exchange.asmx"),
        "tcp_unreachable",
        "tcp",
    )


def test_exchange_silent_server(capsys, monkeypatch, tmp_path):
    """A sandbox of the test's own: the connection it holds open ends with that sandbox."""
    with Sandbox(tmp_path / "silent") as own:
        monkeypatch.setenv("EC_PASSWORD", own.info().password)
        assert own.ews_server is not None
        own.ews_server.silent = True
        expect(capsys, exchange_argv(own, own.info().ews_url), "timeout", "authenticate")


@pytest.mark.parametrize("variant", sorted(CERT_CODES))
def test_exchange_certificate_faults(variant, sandbox, capsys, monkeypatch):
    monkeypatch.setenv("EC_PASSWORD", sandbox.info().password)
    expect(capsys, exchange_argv(sandbox, sandbox.variant_url(variant)), CERT_CODES[variant], "tls")


# --- Google ------------------------------------------------------------------------------------------------


def test_google_dns_failure(sandbox, capsys, tmp_path):
    key = write_key_file(tmp_path, "https://oauth2.ec-console-test.invalid/token")
    expect(capsys, google_argv(sandbox, key), "dns_unresolved", "clock")


def test_google_refused_port(sandbox, capsys, tmp_path):
    key = write_key_file(tmp_path, f"https://127.0.0.1:{closed_port()}/token")
    expect(capsys, google_argv(sandbox, key), "tcp_unreachable", "clock")


def test_google_silent_server(sandbox, capsys, tmp_path):
    """A Google sandbox of the test's own (on the shared CA), so its held-open connection ends with it."""
    with GoogleSandbox(tmp_path / "google", tls=sandbox.tls) as own:
        own.silent = True
        info = own.info()
        argv = [
            "check",
            "google",
            "--key-file",
            str(info.key_file),
            "--admin",
            info.admin_email,
            "--user",
            info.users["ok"],
            "--api-root",
            info.api_root,
            "--ca-file",
            str(info.ca_file),
            "--json",
            "--timeout",
            str(TIMEOUT),
        ]
        expect(capsys, argv, "timeout", "clock")


@pytest.mark.parametrize("variant", sorted(CERT_CODES))
def test_google_certificate_faults(variant, sandbox, capsys, tmp_path):
    """The token endpoint presents one of the sandbox's bad certificates."""
    tls: TlsMaterial | None = sandbox.tls
    assert tls is not None
    with hs.HostileServer(hs.fixed(200, b"{}"), tls=tls.variant(variant).server_context()) as server:
        key = write_key_file(tmp_path, server.url("/token"))
        expect(capsys, google_argv(sandbox, key, server.url("/")), CERT_CODES[variant], "clock")
