"""Hostile server answers through the real CLI: each ends in a specific diagnosis, in time, with no traceback.

A tiny server of our own (`hostile.server`, loopback only) answers the requests of `ec-console check
exchange` and `ec-console check google` with what broken or malicious servers and middleboxes send:
truncated SOAP, entity expansion, external entities, wrong content types, JSON garbage, redirect loops, a
reset in the middle of an answer, silence, 100 MB bodies, and a proxy that demands authentication.

Every scenario runs `cli.main([... "--json"])` and asserts: exit status 1, the first failed step's diagnosis
code, nothing on stderr that looks like a traceback, and an end within `--timeout` plus a small margin.
"""

from __future__ import annotations

import email.utils
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile import server as hs
from hostile.cli import (
    MB,
    CliRun,
    assert_no_traceback,
    clear_environment,
    peak_memory,
    run_cli,
    wire_check_command,
)
from hostile.keys import write_key_file

# Imported here so the first scenario does not pay for importing the client libraries inside its time bound.
import ec_console.providers.exchange.check  # noqa: F401
import ec_console.providers.google.check  # noqa: F401

TIMEOUT = 1
LIMIT = TIMEOUT + 4.0  # the check's own wait, plus a margin for a loaded 2-core machine
PASSWORD = "Hostile-Server-Pass-7!"
HUGE = 100 * MB
MEMORY_BOUND = 32 * MB

SOAP_NS = 'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"'
TRUNCATED_SOAP = (
    f'<?xml version="1.0" encoding="utf-8"?><s:Envelope {SOAP_NS}><s:Header><h:ServerVersionInfo '
    'MajorVersion="15" MinorVersion="2" MajorBuildNumber='
).encode()
_LOL = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY lol1 "lol">{_LOL}]>'
    f"<s:Envelope {SOAP_NS}><s:Body><x>&lol9;</x></s:Body></s:Envelope>"
).encode()
JSON_GARBAGE = b'{"access_token": ["ya29.\x00\xff\xfe", {"expires_in": nul'
CAPTIVE_PORTAL = (
    b"<!DOCTYPE html><html><body><h1>Welcome to Hotel Wi-Fi</h1><form>Accept</form></body></html>"
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    wire_check_command(monkeypatch)
    monkeypatch.setenv("EC_PASSWORD", PASSWORD)


def serve(answer: hs.Answer, tls: object = None) -> hs.HostileServer:
    return hs.HostileServer(answer, tls=tls)  # type: ignore[arg-type]


# --- the two checks, pointed at a hostile server ----------------------------------------------------------


def exchange_argv(url: str, *extra: str) -> list[str]:
    return [
        "check",
        "exchange",
        "--mailbox",
        "ada@contoso.example",
        "--ews-url",
        url,
        "--username",
        "CONTOSO\\svc-calendar",
        "--auth",
        "basic",
        "--json",
        "--timeout",
        str(TIMEOUT),
        *extra,
    ]


def google_argv(key_file: Path, api_root: str, *extra: str) -> list[str]:
    return [
        "check",
        "google",
        "--key-file",
        str(key_file),
        "--admin",
        "admin@contoso.example",
        "--user",
        "ada@contoso.example",
        "--api-root",
        api_root,
        "--json",
        "--timeout",
        str(TIMEOUT),
        *extra,
    ]


def token_answer(_request: hs.Request, conn: hs.Conn) -> None:
    """What Google's token endpoint says to a good grant (and its Date, for the clock step)."""
    body = json.dumps(
        {"access_token": "ya29.hostile-test-token-0123456789", "expires_in": 3599, "token_type": "Bearer"}
    ).encode()
    conn.send(
        hs.http_answer(
            200,
            body,
            content_type="application/json; charset=utf-8",
            headers={"Date": email.utils.formatdate(usegmt=True)},
        )
    )


def unauthorized(_request: hs.Request, conn: hs.Conn) -> None:
    conn.send(hs.http_answer(401, b"", headers=hs.EWS_AUTH_HEADERS))


Target = Callable[[hs.Answer], hs.Answer]

TARGETS: dict[str, Target] = {
    # Exchange: every request (the auth-method probe, then exchangelib's first SOAP call) gets the answer.
    "exchange": lambda answer: answer,
    # Exchange: the probe sees an ordinary 401 challenge; exchangelib's SOAP call gets the answer.
    "exchange-ews": lambda answer: hs.per_request(unauthorized, answer),
    # Google: the token endpoint (the clock step's GET and the token POST) gets the answer.
    "google-token": lambda answer: answer,
    # Google: tokens are issued; Directory and Calendar get the answer.
    "google-api": lambda answer: hs.by_path({"/token": token_answer}, answer),
}


def run_target(
    target: str, answer: hs.Answer, capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str
) -> tuple[CliRun, hs.HostileServer]:
    with serve(TARGETS[target](answer)) as server:
        if target.startswith("exchange"):
            argv = exchange_argv(server.url("/EWS/Exchange.asmx"), *extra)
        else:
            argv = google_argv(write_key_file(tmp_path, server.url("/token")), server.url("/"), *extra)
        run = run_cli(capsys, argv, limit=LIMIT)
    return run, server


def assert_diagnosed(run: CliRun, code: str) -> None:
    assert_no_traceback(run.out, run.err)
    assert run.err == "", run.err
    assert run.code == 1, run.out
    report = run.report
    assert report["result"] == "fail"
    assert run.code_of_failure() == code, json.dumps(run.failure(), indent=2)


# --- scenarios --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    answer: Callable[[], hs.Answer]
    expected: dict[str, str]  # target -> diagnosis code


XML = "text/xml; charset=utf-8"
A = hs.EWS_AUTH_HEADERS
SCENARIOS = [
    Scenario(
        "truncated SOAP",
        lambda: hs.fixed(200, TRUNCATED_SOAP, content_type=XML, headers=A),
        {
            "exchange": "server_error",
            "exchange-ews": "server_error",
            "google-token": "server_error",
            "google-api": "server_error",
        },
    ),
    Scenario(
        "truncated SOAP fault in a 500",
        lambda: hs.fixed(500, TRUNCATED_SOAP, content_type=XML, headers=A),
        {"exchange-ews": "server_error", "google-token": "server_error", "google-api": "server_error"},
    ),
    Scenario(
        "billion laughs",
        lambda: hs.fixed(200, BILLION_LAUGHS, content_type=XML, headers=A),
        {"exchange": "server_error", "exchange-ews": "server_error", "google-token": "server_error"},
    ),
    Scenario(
        "HTML captive portal with 200",
        lambda: hs.fixed(200, CAPTIVE_PORTAL, content_type="text/html", headers=A),
        {"exchange-ews": "server_error", "google-token": "server_error", "google-api": "server_error"},
    ),
    Scenario(
        "JSON garbage",
        lambda: hs.fixed(200, JSON_GARBAGE, content_type="application/json", headers=A),
        {"exchange-ews": "server_error", "google-token": "server_error", "google-api": "server_error"},
    ),
    Scenario(
        "a JSON array where an object belongs",
        lambda: hs.fixed(200, b"[1, 2, 3]", content_type="application/json", headers=A),
        {"google-token": "server_error", "google-api": "server_error"},
    ),
    Scenario(
        "redirect loop",
        lambda: hs.redirect_loop(),
        {"exchange": "server_error", "google-api": "server_error"},
    ),
    Scenario(
        "reset mid-answer",
        lambda: hs.reset_mid_answer(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 9000\r\n"
            b'WWW-Authenticate: Basic realm="x"\r\n\r\n<?xml version="1.0"?><s:Envelope'
        ),
        {
            "exchange": "server_error",
            "exchange-ews": "server_error",
            "google-token": "server_error",
            "google-api": "server_error",
        },
    ),
    Scenario(
        "accepts and never answers",
        lambda: hs.never_answer,
        {
            "exchange": "timeout",
            "exchange-ews": "timeout",
            "google-token": "timeout",
            "google-api": "timeout",
        },
    ),
]


def _cases() -> Iterator[object]:
    for scenario in SCENARIOS:
        for target, code in scenario.expected.items():
            yield pytest.param(scenario, target, code, id=f"{target}-{scenario.name.replace(' ', '-')}")


@pytest.mark.parametrize(("scenario", "target", "code"), list(_cases()))
def test_hostile_answer_ends_in_its_diagnosis(scenario: Scenario, target: str, code: str, capsys, tmp_path):
    run, _server = run_target(target, scenario.answer(), capsys, tmp_path)
    assert_diagnosed(run, code)


def test_google_token_redirect_loop_is_a_server_error(capsys, tmp_path):
    """The token POST is redirected forever (the clock GET does not follow redirects and goes on)."""
    loop = hs.redirect_loop("/token", "/elsewhere")
    run, server = run_target("google-token", loop, capsys, tmp_path)
    assert len(server.requests) <= 40, "redirects are followed without a bound"
    assert_diagnosed(run, "server_error")


# --- XML: no expansion, no external entities -------------------------------------------------------------


def test_billion_laughs_is_not_expanded(capsys, tmp_path):
    """exchangelib's parser must refuse the DTD, not expand a billion 'lol's into memory."""
    with peak_memory() as peak:
        run, _ = run_target(
            "exchange-ews", hs.fixed(200, BILLION_LAUGHS, content_type=XML, headers=A), capsys, tmp_path
        )
    assert_diagnosed(run, "server_error")
    assert "lollol" not in run.out
    assert peak[0] < MEMORY_BOUND, f"peak {peak[0] / MB:.0f} MB"


def test_external_entities_are_never_resolved(capsys, tmp_path):
    """Neither a local file nor a URL named by an external entity is read; its content never shows."""
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-7f3a-local-file-content")
    fetched: list[str] = []

    def answer(request: hs.Request, conn: hs.Conn) -> None:
        if request.target.startswith("/entity"):
            fetched.append(request.target)
            conn.send(hs.http_answer(200, b"CANARY-remote-entity-content"))
            return
        port = request.header("host").rsplit(":", 1)[-1]
        body = (
            f'<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY local SYSTEM "file://{canary}">'
            f'<!ENTITY remote SYSTEM "http://127.0.0.1:{port}/entity">]><s:Envelope {SOAP_NS}>'
            "<s:Body><x>&local;&remote;</x></s:Body></s:Envelope>"
        ).encode()
        conn.send(hs.http_answer(200, body, content_type=XML, headers=A))

    run, _ = run_target("exchange-ews", answer, capsys, tmp_path)
    assert_diagnosed(run, "server_error")
    assert fetched == []
    logs = "".join(p.read_text(errors="replace") for p in Path(os.environ["EC_CONSOLE_HOME"]).rglob("*.log*"))
    for text in (run.out, run.err, logs):
        assert "CANARY" not in text


# --- huge bodies: streamed, never buffered whole ----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(
    ("target", "answer_status"),
    [
        pytest.param("exchange", 200, id="exchange-probe"),
        pytest.param("exchange-ews", 500, id="exchange-ews"),
        pytest.param("google-token", 200, id="google-token"),
        pytest.param("google-api", 200, id="google-api"),
    ],
)
def test_huge_answer_is_not_buffered(target: str, answer_status: int, capsys, tmp_path):
    """A 100 MB answer is refused at the answer-size cap: a plain server_error, in bounded memory."""
    sent = [0]
    answer = hs.huge_body(
        HUGE,
        status=answer_status,
        headers=A,
        sent=sent,
        content_type="application/json" if target.startswith("google") else XML,
    )
    with peak_memory() as peak:
        run, _ = run_target(target, answer, capsys, tmp_path)
    assert_diagnosed(run, "server_error")
    assert "more than 16 MB" in run.failure()["diagnosis"]["cause"]
    assert sent[0] < HUGE, "the whole answer was read"
    assert peak[0] < MEMORY_BOUND, f"peak {peak[0] / MB:.0f} MB for a {HUGE // MB} MB answer"


# --- a proxy that demands authentication -----------------------------------------------------------------


@pytest.mark.parametrize("provider", ["exchange", "google"])
def test_proxy_demanding_authentication(provider: str, capsys, tmp_path, monkeypatch):
    """HTTPS_PROXY names a corporate proxy that answers 407: the diagnosis says so, before any other."""
    with hs.proxy_server() as proxy:
        proxy_url = f"http://127.0.0.1:{proxy.port}"
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, proxy_url)
        if provider == "exchange":
            argv = exchange_argv("https://mail.contoso.example/EWS/Exchange.asmx")
        else:
            key = write_key_file(tmp_path, "https://oauth2.googleapis.com/token")
            argv = google_argv(key, "https://www.googleapis.com/")
        run = run_cli(capsys, argv, limit=LIMIT)
    assert_diagnosed(run, "proxy_auth_required")
    assert proxy.requests, "the check did not go through the proxy"
    assert all(r.method == "CONNECT" for r in proxy.requests)
