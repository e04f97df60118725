"""End-to-end tests of `ec-console check exchange` against the sandbox, through the real CLI entry point.

Every scenario runs `ec_console.cli.main([...])` in-process (a couple run the installed entry point in a
subprocess) and asserts the diagnosis code of the step that failed, and that the fix names the real
objects (service account, mailbox, scoping group, app id, host).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ec_console.sandbox import Sandbox, SandboxInfo
from ec_console.sandbox.org import UNSCOPED_ACCOUNT

REPO = Path(__file__).resolve().parents[1]


# --- helpers ----------------------------------------------------------------------------------------------


def _with_check_command(build_parser: Any) -> Any:
    """`cli.build_parser` with `check` registered, until the lead wires `commands.check.register` into it."""
    import argparse

    from ec_console.commands import check

    def build() -> argparse.ArgumentParser:
        parser = build_parser()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and "check" not in action.choices:
                check.register(action)
        return parser

    return build


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process: returns (exit status, stdout, stderr)."""
    from ec_console import cli as cli_module

    monkeypatch.setattr(cli_module, "build_parser", _with_check_command(cli_module.build_parser))
    for name in (
        "EC_PASSWORD",
        "EC_CLIENT_SECRET",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)

    def run(
        argv: list[str], *, password: str | None = None, client_secret: str | None = None
    ) -> tuple[int, str, str]:
        if password is not None:
            monkeypatch.setenv("EC_PASSWORD", password)
        if client_secret is not None:
            monkeypatch.setenv("EC_CLIENT_SECRET", client_secret)
        capsys.readouterr()
        code = cli_module.main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="module")
def module_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        for variant in ("untrusted", "wrong_name", "expired", "http"):
            sandbox.variant_url(variant)  # started before any test, so no test sees their threads start
        yield sandbox


@pytest.fixture
def sb(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.requests.clear()
    return module_sandbox


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox of the test's own, for tests that change the organisation or the server."""
    with Sandbox(tmp_path / "sandbox") as sandbox:
        yield sandbox


def onprem(
    info: SandboxInfo,
    mailbox: str,
    *extra: str,
    ews_url: str | None = None,
    username: str | None = None,
    ca: bool = True,
) -> list[str]:
    argv = [
        "check",
        "exchange",
        "--mailbox",
        mailbox,
        "--ews-url",
        ews_url or info.ews_url,
        "--username",
        username or info.username,
        "--json",
        "--timeout",
        "5",
    ]
    if ca:
        argv += ["--ca-file", info.ca_file]
    return argv + list(extra)


def oauth(
    info: SandboxInfo, mailbox: str, *extra: str, client_id: str | None = None, tenant_id: str | None = None
) -> list[str]:
    return [
        "check",
        "exchange",
        "--mailbox",
        mailbox,
        "--ews-url",
        info.ews_url,
        "--tenant-id",
        tenant_id or info.tenant_id,
        "--client-id",
        client_id or info.client_id,
        "--authority",
        info.authority,
        "--ca-file",
        info.ca_file,
        "--json",
        "--timeout",
        "5",
        *extra,
    ]


def steps_of(out: str) -> dict[str, dict[str, Any]]:
    report = json.loads(out)
    return {s["id"]: s for s in report["steps"]}


def failed_step(out: str) -> dict[str, Any]:
    report = json.loads(out)
    assert report["result"] == "fail", report
    return next(s for s in report["steps"] if s["status"] == "fail")


def fix_text(step: dict[str, Any]) -> str:
    diagnosis = step["diagnosis"]
    return diagnosis["cause"] + "\n" + diagnosis["remediation"]


# --- the happy path ---------------------------------------------------------------------------------------


def test_in_scope_mailbox_passes_every_step_with_details(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, err = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    assert code == 0, (out, err)
    report = json.loads(out)
    assert report["provider"] == "exchange" and report["target"] == info.mailbox_in_scope
    assert report["result"] == "pass"
    steps = steps_of(out)
    assert list(steps) == [
        "resolve_endpoint",
        "dns",
        "tcp",
        "tls",
        "authenticate",
        "impersonate",
        "read_calendar",
    ]
    assert all(s["status"] == "pass" and s["diagnosis"] is None for s in steps.values())
    assert steps["dns"]["data"]["addresses"] == ["127.0.0.1"]
    cert = steps["tls"]["data"]["certificate"]
    assert "127.0.0.1" in cert["names"] and "Sandbox Root CA" in cert["issuer"]
    auth = steps["authenticate"]["data"]
    assert auth["auth_type"] == "ntlm"
    assert {"NTLM", "Basic"} <= set(auth["offered"])
    assert auth["server_version"]["build"] == info.server_version
    assert info.server_version in steps["authenticate"]["detail"]
    calendar = steps["read_calendar"]["data"]
    mailbox = sb.org.mailbox(info.mailbox_in_scope)
    assert calendar["count"] == len(mailbox.events) == len(calendar["blocks"])
    assert {b["busy_type"] for b in calendar["blocks"]} <= {"Busy", "OOF", "Tentative", "Free"}
    assert not any("subject" in b for b in calendar["blocks"])


def test_read_only_check_never_fetches_subjects_or_bodies(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    assert code == 0
    assert not sb.requests.find(operation="GetItem")
    assert not sb.requests.find(operation="CreateItem")
    find = sb.requests.find(operation="FindItem")
    assert find, "the calendar view was not requested"
    for request in find:
        fields = set(request.notes.get("fields") or [])
        assert not fields & {"item:Subject", "item:Body", "calendar:Location"}, fields
    mailbox = sb.org.mailbox(info.mailbox_in_scope)
    assert all(e.subject not in out for e in mailbox.events)


def test_expect_denied_outside_scope_proves_the_restriction(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, _ = cli(
        onprem(
            info,
            info.mailbox_in_scope,
            "--expect-denied",
            info.mailbox_out_of_scope,
            "--scope-group",
            info.scope_group,
        ),
        password=info.password,
    )
    assert code == 0, out
    restriction = steps_of(out)["restriction"]
    assert restriction["status"] == "pass"
    assert restriction["data"]["denied_with"] == "ErrorImpersonateUserDenied"


def test_unscoped_role_fails_the_restriction(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, _ = cli(
        onprem(
            info,
            info.mailbox_in_scope,
            "--expect-denied",
            info.mailbox_out_of_scope,
            "--scope-group",
            info.scope_group,
            username=UNSCOPED_ACCOUNT.down_level,
        ),
        password=UNSCOPED_ACCOUNT.password,
    )
    assert code == 1
    step = failed_step(out)
    assert step["id"] == "restriction"
    assert step["diagnosis"]["code"] == "scope_not_enforced"
    assert info.mailbox_out_of_scope in fix_text(step) and info.scope_group in fix_text(step)


def test_write_probe_creates_and_hard_deletes_with_no_leftover(cli, sb: Sandbox) -> None:
    info = sb.info()
    mailbox = sb.org.mailbox(info.mailbox_in_scope)
    before = len(mailbox.events)
    code, out, _ = cli(onprem(info, info.mailbox_in_scope, "--write-probe"), password=info.password)
    assert code == 0, out
    assert steps_of(out)["write_probe"]["data"] == {"created": True, "deleted": True, "leftover": False}
    assert len(mailbox.events) == before
    create = sb.requests.find(operation="CreateItem")
    assert create and all("SendToNone" in r.text for r in create)
    assert "Attendee" not in create[0].text
    delete = sb.requests.find(operation="DeleteItem")
    assert delete and "HardDelete" in delete[0].text


# --- misconfigurations and awkward mailboxes (each its own code) ------------------------------------------


def test_bad_password_is_auth_failed(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, _ = cli(onprem(info, info.mailbox_in_scope), password="not-the-password")
    assert code == 1
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "auth_failed")
    assert info.username in fix_text(step)


def test_locked_account_is_account_locked(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, _ = cli(
        onprem(info, info.mailbox_in_scope, username=info.locked_username), password=info.locked_password
    )
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "account_locked")
    assert any("Unlock-ADAccount" in c for c in step["diagnosis"]["commands"])
    assert code == 1


def test_account_without_role_is_impersonation_right_missing(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, _ = cli(
        onprem(info, info.mailbox_in_scope, username=info.no_impersonation_username),
        password=info.no_impersonation_password,
    )
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("impersonate", "impersonation_right_missing")
    assert info.no_impersonation_username in fix_text(step)


def test_out_of_scope_mailbox_is_impersonation_denied_naming_the_group(cli, sb: Sandbox) -> None:
    info = sb.info()
    code, out, _ = cli(
        onprem(info, info.mailbox_out_of_scope, "--scope-group", info.scope_group), password=info.password
    )
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("impersonate", "impersonation_denied")
    commands = step["diagnosis"]["commands"]
    assert any(info.mailbox_out_of_scope in c and info.scope_group in c for c in commands), commands


@pytest.mark.parametrize(
    ("attr", "step_id", "code"),
    [
        ("mailbox_nonexistent", "impersonate", "mailbox_not_found"),
        ("mailbox_ews_blocked", "impersonate", "ews_blocked"),
        ("mailbox_folder_denied", "impersonate", "folder_access_denied"),
        ("mailbox_connection_limit", "impersonate", "throttled"),
    ],
)
def test_awkward_mailbox_has_its_own_code(cli, sb: Sandbox, attr: str, step_id: str, code: str) -> None:
    info = sb.info()
    mailbox = getattr(info, attr)
    status, out, _ = cli(onprem(info, mailbox), password=info.password)
    assert status == 1
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == (step_id, code)
    if code != "throttled":
        assert mailbox in fix_text(step)


def test_throttled_mailbox_reports_the_back_off(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(onprem(info, info.mailbox_throttled), password=info.password)
    step = failed_step(out)
    assert step["diagnosis"]["code"] == "throttled"
    seconds = f"{info.throttle_back_off_ms / 1000:g}"
    assert seconds in step["detail"] and seconds in step["diagnosis"]["cause"]
    assert any("New-ThrottlingPolicy" in c for c in step["diagnosis"]["commands"])
    assert status == 1


def test_write_denied_mailbox_fails_the_write_probe(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(onprem(info, info.mailbox_write_denied, "--write-probe"), password=info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("write_probe", "write_denied")
    assert steps_of(out)["read_calendar"]["status"] == "pass"
    assert status == 1


def test_ews_disabled_for_the_organisation_is_ews_blocked(cli, own_sandbox: Sandbox) -> None:
    info = own_sandbox.info()
    with own_sandbox.org.lock:
        own_sandbox.org.ews_enabled = False
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    step = failed_step(out)
    assert step["diagnosis"]["code"] == "ews_blocked"
    assert any("EwsEnabled" in c for c in step["diagnosis"]["commands"])
    assert "2027" in step["diagnosis"]["remediation"]
    assert status == 1


# Exchange Online's two documented X-EWS-Policy-Reason values ("Control access to EWS in Exchange",
# https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange).
EWS_DISABLED = "EWS is disabled for this user or tenant"
EWS_BLOCKED_BY_POLICY = "EWS is blocked by policy for this user or tenant"


def test_oauth_check_with_ews_disabled_org_wide_fails_at_authenticate(cli, own_sandbox: Sandbox) -> None:
    """A token alone proves nothing: the sign-in makes one EWS request, so an organisation-wide block is
    reported where it is the application's problem (authenticate), not blamed on the mailbox."""
    info = own_sandbox.info()
    with own_sandbox.org.lock:
        own_sandbox.org.ews_enabled = False
    status, out, _ = cli(oauth(info, info.mailbox_in_scope), client_secret=info.client_secret)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "ews_blocked")
    assert step["data"]["ews_policy_reason"] == EWS_DISABLED
    assert EWS_DISABLED in step["detail"]
    assert steps_of(out)["impersonate"]["status"] == "skip"
    assert status == 1


def test_oauth_app_missing_from_the_ews_allow_list_fails_at_authenticate(cli, own_sandbox: Sandbox) -> None:
    info = own_sandbox.info()
    with own_sandbox.org.lock:
        own_sandbox.org.ews_allowed_app_ids = {"11111111-2222-3333-4444-555555555555"}
    status, out, _ = cli(oauth(info, info.mailbox_in_scope), client_secret=info.client_secret)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "ews_blocked")
    assert step["data"]["ews_policy_reason"] == EWS_BLOCKED_BY_POLICY
    # The allow list is written back whole, with this application's ID added to the IDs already on it.
    assert any(f"-EwsAllowedAppIDs (($ids + '{info.client_id}') -join ',')" in c
               for c in step["diagnosis"]["commands"])
    assert status == 1


def test_mailbox_with_its_own_ews_switched_off_names_the_reason(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(onprem(info, info.mailbox_ews_blocked), password=info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("impersonate", "ews_blocked")
    assert step["data"]["ews_policy_reason"] == EWS_DISABLED
    assert status == 1


def test_a_403_without_a_policy_reason_is_ews_forbidden_not_ews_blocked(cli, own_sandbox: Sandbox) -> None:
    """"An HTTP 403 status alone does not establish that EWS disablement or one of these application
    policies caused the failure" (the page above): the console says what it knows, no more."""
    info = own_sandbox.info()
    own_sandbox.ews.forbid_without_reason = True
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "ews_forbidden")
    assert "403" in step["detail"] and "ews_policy_reason" not in (step["data"] or {})
    assert "EWS is disabled" not in step["diagnosis"]["cause"]
    assert status == 1


def test_exchange_front_end_cas_error_is_named(cli, own_sandbox: Sandbox) -> None:
    """Exchange's front end answers HTTP 500 with an empty body and X-CasErrorCode (a real answer quoted from
    a Remote Connectivity Analyzer result: "X-CasErrorCode: ServerNotFound ... Content-Length: 0")."""
    info = own_sandbox.info()
    own_sandbox.ews.cas_error = "ServerNotFound"
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("authenticate", "server_error")
    assert "X-CasErrorCode ServerNotFound" in step["detail"]
    assert "ServerNotFound" in step["diagnosis"]["cause"]
    assert status == 1


def test_delegate_check_passes_with_calendar_only_reviewer_rights(cli, sb: Sandbox) -> None:
    """With `Add-MailboxFolderPermission <mbx>:\\Calendar -User <svc> -AccessRights Reviewer` (the console's
    own recommendation for --no-impersonation) Exchange refuses the mailbox root (exchangelib #1222, #1282):
    the check must bind the calendar folder itself."""
    info = sb.info()
    mailbox = info.mailbox_calendar_reviewer
    status, out, _ = cli(onprem(info, mailbox, "--no-impersonation"), password=info.password)
    assert status == 0, out
    steps = steps_of(out)
    assert steps["impersonate"]["data"]["access"] == "delegate"
    assert steps["read_calendar"]["status"] == "pass" and steps["read_calendar"]["data"]["count"] > 0
    folders = [r.notes.get("error") for r in sb.requests.find(operation="GetFolder")]
    assert folders and "ErrorAccessDenied" not in folders


def test_delegate_check_without_any_folder_permission_is_folder_access_denied(cli, sb: Sandbox) -> None:
    info = sb.info()
    argv = onprem(info, info.mailbox_out_of_scope, "--no-impersonation")
    status, out, _ = cli(argv, password=info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("impersonate", "folder_access_denied")
    assert status == 1


# --- network and TLS --------------------------------------------------------------------------------------


def test_untrusted_certificate_without_ca_file(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(onprem(info, info.mailbox_in_scope, ca=False), password=info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("tls", "tls_untrusted")
    assert "Sandbox Root CA" in step["diagnosis"]["cause"]
    assert status == 1


@pytest.mark.parametrize(
    ("variant", "code"),
    [
        ("untrusted", "tls_untrusted"),
        ("wrong_name", "tls_name_mismatch"),
        ("expired", "tls_expired"),
    ],
)
def test_bad_certificates_are_told_apart(cli, sb: Sandbox, variant: str, code: str) -> None:
    info = sb.info()
    url = sb.variant_url(variant)
    status, out, _ = cli(onprem(info, info.mailbox_in_scope, ews_url=url), password=info.password)
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("tls", code)
    assert "127.0.0.1" in step["diagnosis"]["cause"]
    assert not sb.requests.find(path="/EWS/Exchange.asmx", server=f"ews-{variant}"), (
        "no EWS request may follow"
    )
    assert status == 1


def test_wrong_host_is_dns_unresolved(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(
        onprem(info, info.mailbox_in_scope, ews_url="https://mail.ec-console.invalid/EWS/Exchange.asmx"),
        password=info.password,
    )
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("dns", "dns_unresolved")
    assert "mail.ec-console.invalid" in fix_text(step)
    assert [s["status"] for s in json.loads(out)["steps"]][2:] == ["skip"] * 5
    assert status == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_port_is_tcp_unreachable(cli, sb: Sandbox) -> None:
    info = sb.info()
    port = _free_port()
    status, out, _ = cli(
        onprem(info, info.mailbox_in_scope, ews_url=f"https://127.0.0.1:{port}/EWS/Exchange.asmx"),
        password=info.password,
    )
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("tcp", "tcp_unreachable")
    assert str(port) in fix_text(step)
    assert status == 1


def test_silent_server_is_timeout(cli, own_sandbox: Sandbox) -> None:
    info = own_sandbox.info()
    assert own_sandbox.ews_server is not None
    own_sandbox.ews_server.silent = True
    argv = onprem(info, info.mailbox_in_scope)
    argv[argv.index("--timeout") + 1] = "1"
    status, out, _ = cli(argv, password=info.password)
    step = failed_step(out)
    assert step["diagnosis"]["code"] == "timeout"
    assert step["id"] == "authenticate"
    assert status == 1


def test_slow_mailbox_with_short_timeout_is_timeout(cli, sb: Sandbox) -> None:
    info = sb.info()
    argv = onprem(info, info.mailbox_slow)
    argv[argv.index("--timeout") + 1] = "1"
    status, out, _ = cli(argv, password=info.password)
    step = failed_step(out)
    assert step["diagnosis"]["code"] == "timeout"
    assert status == 1


class _Proxy407:
    """A proxy that answers every CONNECT with 407 (joined on close)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="proxy-407")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data.split(b"\r\n", 1)[0].decode())
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_proxy_demanding_authentication_is_proxy_auth_required(cli, sb: Sandbox, monkeypatch) -> None:
    info = sb.info()
    proxy = _Proxy407()
    try:
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    finally:
        proxy.close()
    step = failed_step(out)
    assert (step["id"], step["diagnosis"]["code"]) == ("tcp", "proxy_auth_required")
    assert proxy.requests and proxy.requests[0].startswith("CONNECT 127.0.0.1:")
    assert status == 1


def test_trust_is_per_check_even_with_requests_ca_bundle(cli, sb: Sandbox, monkeypatch) -> None:
    info = sb.info()
    # The system bundle in the environment must not replace the check's --ca-file ...
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    assert status == 0, out
    # ... and the sandbox CA in the environment must not grant trust the check was not given.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", info.ca_file)
    monkeypatch.setenv("CURL_CA_BUNDLE", info.ca_file)
    status, out, _ = cli(onprem(info, info.mailbox_in_scope, ca=False), password=info.password)
    assert failed_step(out)["diagnosis"]["code"] == "tls_untrusted"
    # the process-wide adapter of exchangelib is untouched
    import requests
    from exchangelib.protocol import BaseProtocol

    assert BaseProtocol.HTTP_ADAPTER_CLS is requests.adapters.HTTPAdapter


# --- authentication methods -------------------------------------------------------------------------------


def test_basic_when_asked_and_ntlm_when_probed(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(
        onprem(info, info.mailbox_in_scope, "--auth", "basic", username=info.upn), password=info.password
    )
    assert status == 0, out
    assert steps_of(out)["authenticate"]["data"]["auth_type"] == "basic"
    methods = {r.notes.get("auth") for r in sb.requests.find(operation="FindItem")}
    assert methods == {"basic"}, methods
    sb.requests.clear()
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    assert status == 0
    assert steps_of(out)["authenticate"]["data"]["auth_type"] == "ntlm"
    assert {r.notes.get("auth") for r in sb.requests.find(operation="FindItem")} == {"ntlm"}


# --- OAuth (Exchange Online style) ------------------------------------------------------------------------


def test_oauth_rbac_scoped_app_passes_and_proves_restriction(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(
        oauth(info, info.mailbox_in_scope, "--expect-denied", info.mailbox_out_of_scope),
        client_secret=info.client_secret,
    )
    assert status == 0, out
    steps = steps_of(out)
    assert steps["authenticate"]["data"]["roles"] == []
    assert steps["restriction"]["status"] == "pass"
    token_requests = sb.requests.find(server="identity")
    assert token_requests and all(info.client_secret not in r.text for r in token_requests)


@pytest.fixture
def exchange_online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The sandbox as Exchange Online: its certificate names Exchange Online's EWS hosts, which resolve to
    127.0.0.1 for this test only; the tenant knows the EWS host (with the sandbox's port) as a resource, and
    Exchange accepts tokens issued for it."""
    from types import SimpleNamespace

    from ec_console.sandbox import EXCHANGE_ONLINE_HOSTS

    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.lower().rstrip(".") in EXCHANGE_ONLINE_HOSTS:
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with Sandbox(tmp_path / "sandbox", online=True) as sandbox:
        port = sandbox.info().ews_url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
        resources = {f"https://{host}:{port}" for host in EXCHANGE_ONLINE_HOSTS}
        sandbox.identity.ews_endpoints.extend(SimpleNamespace(resource=r) for r in resources)
        sandbox.ews.accepted_audiences = resources
        yield sandbox


def _online_url(sandbox: Sandbox, host: str) -> str:
    return sandbox.info().ews_url.replace("127.0.0.1", host)


@pytest.mark.parametrize("host", ["outlook.office365.com", "outlook.office365.us"])
def test_a_passing_check_on_exchange_online_warns_that_ews_is_retiring(cli, exchange_online: Sandbox,
                                                                       host: str) -> None:
    info = exchange_online.info()
    url = _online_url(exchange_online, host)
    argv = [a if a != info.ews_url else url for a in oauth(info, info.mailbox_in_scope)]
    status, out, err = cli([*argv, "--scope-group", info.scope_group], client_secret=info.client_secret)
    report = json.loads(out)
    steps = steps_of(out)
    assert host in steps["tls"]["data"]["certificate"]["names"]             # reached as Exchange Online
    assert all(s["status"] == "pass" for k, s in steps.items() if k != "read_calendar"), steps
    read = steps["read_calendar"]
    assert read["status"] == "warn" and read["data"]["count"] == len(
        exchange_online.org.mailbox(info.mailbox_in_scope).events)       # the calendar was read all the same
    diagnosis = read["diagnosis"]
    assert diagnosis["code"] == "ews_retiring"
    assert "1 October 2026" in diagnosis["cause"] and "1 April 2027" in diagnosis["cause"]
    assert info.mailbox_in_scope in diagnosis["cause"] and host in diagnosis["cause"]
    fix = diagnosis["remediation"]
    assert "Microsoft Graph" in fix and "RBAC for Applications" in fix and "app-only" in fix
    assert info.scope_group in fix
    assert "https://learn.microsoft.com/en-us/graph/migrate-exchange-web-services-overview" in \
        diagnosis["links"]
    assert report["result"] == "warn"
    assert status == 0, err                                  # a warning, not a failure: exit status 0


def test_exchange_online_with_a_password_warns_too(cli, exchange_online: Sandbox) -> None:
    info = exchange_online.info()
    status, out, _ = cli(onprem(info, info.mailbox_in_scope, ews_url=_online_url(exchange_online,
                                                                                 "outlook.office365.com")),
                         password=info.password)
    steps = steps_of(out)
    assert steps["read_calendar"]["status"] == "warn"
    assert steps["read_calendar"]["diagnosis"]["code"] == "ews_retiring"
    assert json.loads(out)["result"] == "warn" and status == 0


def test_on_premises_checks_do_not_warn_that_ews_is_retiring(cli, sb: Sandbox) -> None:
    info = sb.info()
    for argv, secret in ((onprem(info, info.mailbox_in_scope), {"password": info.password}),
                         (oauth(info, info.mailbox_in_scope), {"client_secret": info.client_secret})):
        status, out, _ = cli(argv, **secret)                 # Exchange Server, with a password or OAuth
        report = json.loads(out)
        assert report["result"] == "pass", report
        assert all(s["diagnosis"] is None for s in report["steps"])
        assert "2027" not in out
        assert status == 0


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("bad_secret", "oauth_invalid_client"),
        ("expired_secret", "oauth_secret_expired"),
        ("unknown_tenant", "oauth_tenant_not_found"),
        ("no_permission", "oauth_permission_missing"),
        # AADSTS700016 (application not found in the directory) and AADSTS7000112 (application disabled):
        # the app id / tenant or the enterprise application's sign-in switch, not the secret
        ("unknown_app", "oauth_app_not_found"),
        ("disabled_app", "oauth_app_disabled"),
    ],
)
def test_oauth_failures_have_their_codes(cli, sb: Sandbox, case: str, code: str) -> None:
    info = sb.info()
    client_id, secret, tenant = info.client_id, info.client_secret, info.tenant_id
    if case == "bad_secret":
        secret = "not-the-secret-value"
    elif case == "expired_secret":
        client_id, secret = info.expired_secret_client_id, info.expired_secret_client_secret
    elif case == "unknown_tenant":
        tenant = "00000000-1111-2222-3333-444444444444"
    elif case == "unknown_app":
        client_id = "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7cff"
    elif case == "disabled_app":
        client_id, secret = info.disabled_client_id, info.disabled_client_secret
    else:
        client_id, secret = info.no_permission_client_id, info.no_permission_client_secret
    status, out, _ = cli(
        oauth(info, info.mailbox_in_scope, client_id=client_id, tenant_id=tenant), client_secret=secret
    )
    step = failed_step(out)
    assert step["diagnosis"]["code"] == code, step
    if code == "oauth_permission_missing":
        # DESIGN.md lists authenticate, but the token is issued there and only the first EWS request
        # (impersonate) is refused with 401 2000008; which step reports it is a design question still open.
        assert step["id"] in ("authenticate", "impersonate")
    else:  # DESIGN.md "Diagnosis codes": the token endpoint's refusals are the authenticate step's
        assert step["id"] == "authenticate"
    if code == "oauth_tenant_not_found":
        assert tenant in fix_text(step)
    else:
        assert client_id in fix_text(step)
    assert status == 1


def test_oauth_token_is_requested_for_the_ews_host(cli, sb: Sandbox) -> None:
    # exchangelib alone always asks for https://outlook.office365.com/.default; a token must be for the EWS
    # host given (`https://<host>/.default`), so a non-default authority and EWS URL (a national cloud, or
    # here the sandbox) get a token Exchange there accepts.
    info = sb.info()
    status, out, _ = cli(oauth(info, info.mailbox_in_scope), client_secret=info.client_secret)
    assert status == 0, out
    own = info.ews_url.split("/EWS/")[0]
    scopes = {r.notes.get("scope") for r in sb.requests.find(server="identity")}
    assert scopes == {f"{own}/.default"}
    assert steps_of(out)["authenticate"]["data"]["audience"] == own


def test_a_resource_the_tenant_does_not_know_is_refused_as_entra_does(cli, own_sandbox: Sandbox) -> None:
    # The identity platform answers a scope whose resource the tenant does not know with AADSTS500011
    # (invalid_resource): here the tenant knows no EWS host of the sandbox, as a worldwide tenant knows no
    # GCC High host. The console says what came, not a guess.
    info = own_sandbox.info()
    assert own_sandbox.identity is not None
    own_sandbox.identity.ews_endpoints.clear()
    status, out, _ = cli(oauth(info, info.mailbox_in_scope), client_secret=info.client_secret)
    step = failed_step(out)
    assert step["id"] == "authenticate"
    assert step["diagnosis"]["code"] == "oauth_request_refused"
    assert "AADSTS500011" in step["detail"]
    assert status == 1


def test_token_refused_by_exchange_quotes_its_x_ms_diagnostics(cli, own_sandbox: Sandbox) -> None:
    # Exchange Online answers a token for another audience with 401 x-ms-diagnostics 2000003: not a missing
    # permission, and the reason is quoted.
    info = own_sandbox.info()
    assert own_sandbox.ews is not None
    own_sandbox.ews.accepted_audiences = {"https://outlook.office365.com"}
    status, out, _ = cli(oauth(info, info.mailbox_in_scope), client_secret=info.client_secret)
    step = failed_step(out)
    assert step["diagnosis"]["code"] == "oauth_token_rejected"
    assert "2000003" in step["detail"] and "audience" in step["detail"]
    assert "full_access_as_app" not in fix_text(step)
    assert status == 1


def test_plain_http_authority_is_refused_before_any_request(cli, sb: Sandbox) -> None:
    # oauthlib refuses to send a token request over http (InsecureTransportError): the console refuses the
    # address up front (exit 2) instead of running a check that would blame 127.0.0.1 for it.
    info = sb.info()
    http_authority = "http://127.0.0.1:" + info.authority.rsplit(":", 1)[1]
    argv = oauth(info, info.mailbox_in_scope)
    argv[argv.index(info.authority)] = http_authority
    status, out, err = cli(argv, client_secret=info.client_secret)
    assert status == 2
    error = json.loads(out)["error"]
    assert error["code"] == "bad_input" and "--authority" in error["message"]
    assert "https" in error["message"] and "answered" not in error["message"]
    assert not sb.requests.all()


def test_oauth_over_plain_http_ews_is_refused_before_any_request(cli, sb: Sandbox) -> None:
    info = sb.info()
    argv = oauth(info, info.mailbox_in_scope)
    argv[argv.index(info.ews_url)] = sb.variant_url("http")
    status, out, _ = cli(argv, client_secret=info.client_secret)
    assert status == 2
    assert "--ews-url" in json.loads(out)["error"]["message"]
    assert not sb.requests.all()


def test_national_cloud_authority_needs_its_ews_url(cli) -> None:
    status, out, _ = cli(
        ["check", "exchange", "--mailbox", "a@contoso.us", "--tenant-id", "contoso.onmicrosoft.us",
         "--client-id", "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01", "--authority", "https://login.microsoftonline.us",
         "--json"],
        client_secret="whatever-secret",
    )
    assert status == 2
    message = json.loads(out)["error"]["message"]
    assert "--ews-url" in message and "outlook.office365.us" in message


def test_tenant_wide_consent_is_reported_and_fails_the_restriction(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(
        oauth(
            info,
            info.mailbox_in_scope,
            "--expect-denied",
            info.mailbox_out_of_scope,
            "--scope-group",
            info.scope_group,
            client_id=info.tenant_wide_client_id,
        ),
        client_secret=info.tenant_wide_client_secret,
    )
    steps = steps_of(out)
    assert steps["authenticate"]["status"] == "warn"
    assert "full_access_as_app" in steps["authenticate"]["detail"]
    assert steps["restriction"]["status"] == "fail"
    assert steps["restriction"]["diagnosis"]["code"] == "scope_not_enforced"
    assert steps["restriction"]["data"]["tenant_wide_consent"] is True
    assert "Test-ServicePrincipalAuthorization" in " ".join(steps["restriction"]["diagnosis"]["commands"])
    assert status == 1


# --- state isolation --------------------------------------------------------------------------------------


def test_retry_after_fix_sees_the_fix(cli, own_sandbox: Sandbox) -> None:
    info = own_sandbox.info()
    target = info.mailbox_out_of_scope
    status, out, _ = cli(onprem(info, target), password=info.password)
    assert failed_step(out)["diagnosis"]["code"] == "impersonation_denied"
    with own_sandbox.org.lock:
        own_sandbox.org.mailbox(target).in_scope = True
    status, out, _ = cli(onprem(info, target), password=info.password)
    assert status == 0, out
    # and back: the next check sees the removal too (nothing cached in between)
    with own_sandbox.org.lock:
        own_sandbox.org.mailbox(target).in_scope = False
    status, out, _ = cli(onprem(info, target), password=info.password)
    assert failed_step(out)["diagnosis"]["code"] == "impersonation_denied"
    from exchangelib.protocol import CachingProtocol

    assert not CachingProtocol._protocol_cache, "no exchangelib Protocol may stay cached"


def test_retry_after_password_fix_tells_the_truth(cli, sb: Sandbox) -> None:
    info = sb.info()
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    assert status == 0
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password="wrong-password-now")
    assert failed_step(out)["diagnosis"]["code"] == "auth_failed"
    status, out, _ = cli(onprem(info, info.mailbox_in_scope), password=info.password)
    assert status == 0


# --- secrets ----------------------------------------------------------------------------------------------


def test_no_secret_in_output_or_log_files(cli, sb: Sandbox, ec_home: Path) -> None:
    info = sb.info()
    outputs = []
    for argv in (
        onprem(info, info.mailbox_in_scope, "--verbose"),
        [a for a in onprem(info, info.mailbox_in_scope, "--verbose") if a != "--json"],
    ):
        outputs.extend(cli(argv, password=info.password)[1:])
    outputs.extend(cli(onprem(info, info.mailbox_in_scope, "--verbose"), password="Wrong-Password-1234")[1:])
    outputs.extend(cli(oauth(info, info.mailbox_in_scope, "--verbose"), client_secret=info.client_secret)[1:])
    secrets = [info.password, "Wrong-Password-1234", info.client_secret]
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    logs = [p for p in ec_home.rglob("*") if p.is_file()]
    assert logs, "the check should have logged something with --verbose"
    for path in logs:
        content = path.read_text(errors="replace")
        for secret in secrets:
            assert secret not in content, path


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (
            [
                "--mailbox",
                "not-an-address",
                "--ews-url",
                "https://mail.contoso.com/EWS/Exchange.asmx",
                "--username",
                "CONTOSO\\svc",
            ],
            "--mailbox",
        ),
        (
            ["--mailbox", "a@contoso.com", "--ews-url", "https://mail.contoso.com/EWS/Exchange.asmx"],
            "--username",
        ),
        (["--mailbox", "a@contoso.com", "--username", "CONTOSO\\svc"], "--ews-url"),
        (["--mailbox", "a@contoso.com", "--tenant-id", "contoso.onmicrosoft.com"], "--client-id"),
        (
            [
                "--mailbox",
                "a@contoso.com",
                "--tenant-id",
                "contoso.onmicrosoft.com",
                "--client-id",
                "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01",
                "--no-impersonation",
            ],
            "--no-impersonation",
        ),
        (
            [
                "--mailbox",
                "a@contoso.com",
                "--ews-url",
                "ftp://mail.contoso.com/EWS",
                "--username",
                "CONTOSO\\svc",
            ],
            "--ews-url",
        ),
        (
            [
                "--mailbox",
                "a@contoso.com",
                "--ews-url",
                "https://mail.contoso.com/EWS/Exchange.asmx",
                "--username",
                "CONTOSO\\svc",
                "--timeout",
                "0",
            ],
            "--timeout",
        ),
        (
            [
                "--mailbox",
                "a@contoso.com",
                "--ews-url",
                "https://mail.contoso.com/EWS/Exchange.asmx",
                "--username",
                "CONTOSO\\svc",
                "--ca-file",
                "/nonexistent/ca.pem",
            ],
            "--ca-file",
        ),
        (
            [
                "--mailbox",
                "a@contoso.com",
                "--ews-url",
                "https://mail.contoso.com/EWS/Exchange.asmx",
                "--username",
                "CONTOSO\\svc",
                "--expect-denied",
                "a@contoso.com",
            ],
            "--expect-denied",
        ),
        (
            [
                "--mailbox",
                "a@contoso.com",
                "--ews-url",
                "https://mail.contoso.com/EWS/Exchange.asmx",
                "--autodiscover",
                "--username",
                "CONTOSO\\svc",
            ],
            "--autodiscover",
        ),
        (
            [
                "--mailbox",
                "a@contoso.com",
                "--ews-url",
                "https://mail.contoso.com/EWS/Exchange.asmx",
                "--username",
                "CONTOSO\\svc",
                "--auth",
                "kerberos",
            ],
            "--auth",
        ),
    ],
)
def test_bad_input_is_refused_before_any_step(cli, argv: list[str], fragment: str) -> None:
    status, out, err = cli(["check", "exchange", *argv, "--json"], password="whatever-password")
    assert status == 2
    error = json.loads(out)["error"]
    assert error["code"] == "bad_input" and fragment in error["message"]
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_missing_secret_without_terminal_is_exit_2(cli, sb: Sandbox, monkeypatch) -> None:
    info = sb.info()
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115 - closed by pytest's teardown
    try:
        status, out, err = cli(onprem(info, info.mailbox_in_scope))
    finally:
        sys.stdin.close()
    assert status == 2
    assert "EC_PASSWORD" in json.loads(out)["error"]["message"]
    assert not sb.requests.all(), "nothing may be sent without a secret"


# --- through the real entry point in a subprocess ---------------------------------------------------------


_LAUNCH = (
    "import sys\n"
    "from ec_console import cli\n"
    "from tests.test_exchange_check import _with_check_command\n"
    "cli.build_parser = _with_check_command(cli.build_parser)\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


def _subprocess(argv: list[str], env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("EC_PASSWORD", "EC_CLIENT_SECRET")}
    full_env.update(env)
    full_env["EC_CONSOLE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-c", _LAUNCH, *argv],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_subprocess_pass_human_output(sb: Sandbox, ec_home: Path) -> None:
    info = sb.info()
    argv = [a for a in onprem(info, info.mailbox_in_scope) if a != "--json"]
    result = _subprocess(argv, {"EC_PASSWORD": info.password}, ec_home)
    assert result.returncode == 0, result.stderr
    assert "PASS" in result.stdout and "Read the next 7 days" in result.stdout
    assert info.password not in result.stdout + result.stderr


def test_subprocess_failure_exit_1_and_bad_input_exit_2(sb: Sandbox, ec_home: Path) -> None:
    info = sb.info()
    result = _subprocess(onprem(info, info.mailbox_nonexistent), {"EC_PASSWORD": info.password}, ec_home)
    assert result.returncode == 1
    assert failed_step(result.stdout)["diagnosis"]["code"] == "mailbox_not_found"
    result = _subprocess(onprem(info, info.mailbox_in_scope), {}, ec_home)
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "bad_input"
    assert result.stderr.count("\n") == 1
