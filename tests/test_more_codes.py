"""End-to-end proofs, through `ec-console check exchange --json` against the sandbox, for the diagnosis codes
that had no CLI test: each scenario is the one docs/diagnoses.md names for the code."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.exception
import dns.resolver
import pytest

from ec_console import cli as cli_module
from ec_console.providers.exchange import check as exchange
from ec_console.sandbox import Sandbox, SandboxInfo
from ec_console.sandbox.org import Behaviour

PLAIN_HTTP_HOST = "ews.plain-http.example"
_SECRET_VARIABLES = ("EC_PASSWORD", "EC_CLIENT_SECRET", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
                     "http_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process with EC_PASSWORD set: returns (exit status, stdout, stderr)."""
    for name in _SECRET_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def run(argv: list[str], password: str) -> tuple[int, str, str]:
        monkeypatch.setenv("EC_PASSWORD", password)
        capsys.readouterr()
        status = cli_module.main(argv)
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture(scope="module")
def module_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        sandbox.variant_url("http")  # started before any test, so no test sees its thread start
        yield sandbox


@pytest.fixture
def sb(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.requests.clear()
    return module_sandbox


def check_argv(info: SandboxInfo, mailbox: str, *extra: str, ews_url: str | None = None) -> list[str]:
    return ["check", "exchange", "--mailbox", mailbox, "--ews-url", ews_url or info.ews_url,
            "--username", info.username, "--ca-file", info.ca_file, "--timeout", "5", "--json", *extra]


def steps_of(out: str) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in json.loads(out)["steps"]}


def failed_step(out: str) -> dict[str, Any]:
    report = json.loads(out)
    assert report["result"] == "fail", report
    return next(s for s in report["steps"] if s["status"] == "fail")


def fix_text(step: dict[str, Any]) -> str:
    return step["diagnosis"]["cause"] + "\n" + step["diagnosis"]["remediation"]


# --- authenticate -----------------------------------------------------------------------------------------


def test_kerberos_only_endpoint_is_auth_method_unsupported(cli, sb: Sandbox) -> None:
    """IIS with only the Negotiate:Kerberos provider: `WWW-Authenticate: Negotiate`, and NTLM inside it is
    refused without a challenge. The password is right; the method is what the console cannot use."""
    info = sb.info()
    assert sb.ews is not None
    saved = set(sb.ews.auth_methods)
    sb.ews.auth_methods = {"negotiate"}
    try:
        status, out, _ = cli(check_argv(info, info.mailbox_in_scope), info.password)
    finally:
        sb.ews.auth_methods = saved
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "auth_method_unsupported")
    assert step["data"]["offered"] == ["Negotiate"]
    assert "Kerberos" in step["detail"]
    assert "offers Negotiate" in step["diagnosis"]["cause"]
    assert any("WindowsAuthentication $true" in c for c in step["diagnosis"]["commands"])
    assert [s["status"] for s in json.loads(out)["steps"]][5:] == ["skip", "skip"]
    assert status == 1


def test_only_oauth_offered_to_a_password_check_is_auth_method_unsupported(cli, sb: Sandbox) -> None:
    """Basic and NTLM turned off, only Bearer left (modern authentication only): nothing a password can use,
    and no password is sent."""
    info = sb.info()
    assert sb.ews is not None
    saved = set(sb.ews.auth_methods)
    sb.ews.auth_methods = {"bearer"}
    try:
        status, out, _ = cli(check_argv(info, info.mailbox_in_scope), info.password)
    finally:
        sb.ews.auth_methods = saved
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "auth_method_unsupported")
    assert "offers Bearer" in step["diagnosis"]["cause"] and "--tenant-id" in step["diagnosis"]["remediation"]
    # notes["auth"] is only set when the sandbox accepted credentials, so look at what was sent on the wire.
    sent = [r.header("Authorization") for r in sb.requests.all() if r.header("Authorization")]
    assert sb.requests.all() and not sent, f"no credentials may have been sent: {sent}"
    assert status == 1


# --- impersonate / write_probe ----------------------------------------------------------------------------


def test_delegate_access_to_an_unshared_calendar_is_folder_access_denied(cli, sb: Sandbox) -> None:
    """--no-impersonation: the service account's own folder rights, which it lacks on ceo@."""
    info = sb.info()
    status, out, _ = cli(check_argv(info, info.mailbox_out_of_scope, "--no-impersonation"), info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("impersonate", "folder_access_denied")
    assert steps_of(out)["impersonate"]["data"]["access"] == "delegate"
    assert info.mailbox_out_of_scope in fix_text(step)
    assert status == 1


def test_undeletable_test_item_is_write_leftover_naming_it(cli, sb: Sandbox) -> None:
    """DeleteItem answers ErrorCannotDeleteObject (as under a hold): the probe item stays and is named."""
    info = sb.info()
    mailbox = sb.org.by_behaviour(Behaviour.DELETE_FAILS)
    before = {e.item_id for e in mailbox.events}
    status, out, _ = cli(check_argv(info, mailbox.address, "--write-probe"), info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("write_probe", "write_leftover")
    assert steps_of(out)["read_calendar"]["status"] == "pass"
    left = [e for e in mailbox.events if e.item_id not in before]
    assert len(left) == 1 and left[0].created_by_client, "exactly the probe item is left behind"
    item_id = left[0].item_id
    assert step["data"]["item_id"] == item_id
    assert item_id in step["diagnosis"]["cause"] and mailbox.address in step["diagnosis"]["cause"]
    assert "ErrorCannotDeleteObject" in step["diagnosis"]["cause"]
    assert any("LitigationHoldEnabled" in c for c in step["diagnosis"]["commands"])
    deletes = sb.requests.find(operation="DeleteItem")
    assert deletes and all(r.notes.get("error") == "ErrorCannotDeleteObject" for r in deletes)
    assert status == 1


# --- tls: plain http --------------------------------------------------------------------------------------


@pytest.fixture
def plain_http_name(monkeypatch: pytest.MonkeyPatch) -> str:
    """PLAIN_HTTP_HOST resolves to 127.0.0.1 for this test only; every other name resolves as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.lower().rstrip(".") == PLAIN_HTTP_HOST:
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return PLAIN_HTTP_HOST


def test_plain_http_to_another_host_warns_on_the_tls_step(cli, sb: Sandbox, plain_http_name: str) -> None:
    info = sb.info()
    port = sb.variant_url("http").split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
    url = f"http://{plain_http_name}:{port}/EWS/Exchange.asmx"
    status, out, _ = cli(check_argv(info, info.mailbox_in_scope, ews_url=url), info.password)
    report = json.loads(out)
    steps = steps_of(out)
    assert steps["dns"]["data"]["addresses"] == ["127.0.0.1"]  # the name reaches this computer ...
    tls = steps["tls"]
    assert tls["status"] == "warn"  # ... yet it is not a loopback name: the warning stands
    assert tls["diagnosis"]["code"] == "plain_http"
    assert url in tls["diagnosis"]["cause"] and plain_http_name in tls["diagnosis"]["cause"]
    assert "https://" in tls["diagnosis"]["remediation"]
    assert all(s["status"] == "pass" for k, s in steps.items() if k != "tls"), steps
    assert report["result"] == "warn"
    assert sb.requests.find(server="ews-http", operation="FindItem"), "the check went on over plain http"
    assert status == 0


def test_plain_http_to_a_loopback_name_skips_tls_without_a_warning(cli, sb: Sandbox) -> None:
    info = sb.info()
    url = sb.variant_url("http").replace("127.0.0.1", "localhost")
    status, out, _ = cli(check_argv(info, info.mailbox_in_scope, ews_url=url), info.password)
    tls = steps_of(out)["tls"]
    assert (tls["status"], tls["diagnosis"]) == ("skip", None)
    assert json.loads(out)["result"] == "pass"
    assert status == 0


# --- server_error, autodiscover_failed --------------------------------------------------------------------


def test_url_that_is_not_the_ews_endpoint_is_server_error(cli, sb: Sandbox) -> None:
    info = sb.info()
    url = info.ews_url.replace("/EWS/Exchange.asmx", "/EWS/Exchange2.asmx")
    status, out, _ = cli(check_argv(info, info.mailbox_in_scope, ews_url=url), info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "server_error")
    assert "404" in step["detail"] and "404" in step["diagnosis"]["cause"]
    assert status == 1


def test_domain_without_autodiscover_is_autodiscover_failed(cli, sb: Sandbox, monkeypatch) -> None:
    """The whole default walk for sandbox.example (two https hosts, the http redirect, the SRV record), none
    of which exists; resolution is made to fail here so the test needs no network."""
    info = sb.info()
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.lower().rstrip(".").endswith(info.domain):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    def no_srv(name: str, *args: Any, **kwargs: Any) -> Any:
        raise dns.resolver.NXDOMAIN(qnames=[dns.name.from_text(name)])

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(dns.resolver, "resolve", no_srv)
    argv = [a for a in check_argv(info, info.mailbox_in_scope) if a not in ("--ews-url", info.ews_url)]
    status, out, _ = cli([*argv, "--autodiscover"], info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("resolve_endpoint", "autodiscover_failed")
    tried = [a["url"] for a in step["data"]["attempts"]]
    assert tried == [
        f"https://{info.domain}/autodiscover/autodiscover.svc",
        f"https://autodiscover.{info.domain}/autodiscover/autodiscover.svc",
        f"http://autodiscover.{info.domain}/autodiscover/autodiscover.xml",
        f"SRV _autodiscover._tcp.{info.domain}",
    ]
    assert info.domain in step["diagnosis"]["cause"]
    assert [s["status"] for s in json.loads(out)["steps"]][1:] == ["skip"] * 6
    assert not sb.requests.all(), "nothing reached the sandbox"
    assert status == 1


# --- unexpected_error -------------------------------------------------------------------------------------


def test_a_fault_inside_a_step_is_unexpected_error_not_a_traceback(cli, sb: Sandbox, monkeypatch,
                                                                   ec_home: Path) -> None:
    """No sandbox answer produces this (every answer is mapped): a fault is injected into the provider, as a
    bug there would raise one, to prove the CLI reports it plainly and logs the traceback."""

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyError("busy_type")

    monkeypatch.setattr(exchange, "read_busy_blocks", broken)
    info = sb.info()
    status, out, err = cli(check_argv(info, info.mailbox_in_scope), info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("read_calendar", "unexpected_error")
    assert "KeyError" in step["diagnosis"]["cause"] and "busy_type" in step["diagnosis"]["cause"]
    assert steps_of(out)["impersonate"]["status"] == "pass"
    assert "Traceback" not in out + err
    logged = "".join(p.read_text(errors="replace") for p in ec_home.rglob("*.log*") if p.is_file())
    assert "Traceback" in logged and "KeyError" in logged
    assert info.password not in logged
    assert status == 1
