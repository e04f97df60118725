"""`ec-console check graph --json` end to end against the Graph sandbox (`GraphSandbox`), as an Exchange
Online administrator would try it: the provider (written from Microsoft's documentation) and the sandbox
(written independently from the same documentation) must agree on every case of issue 12's "Done when"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ec_console import cli
from ec_console.sandbox.graph import GraphSandbox

STEPS = ["dns", "tcp", "tls", "authenticate", "mailbox", "read_calendar"]


@pytest.fixture(scope="module")
def sandbox():
    with GraphSandbox() as box:
        issued: list[str] = []
        issue = box.issuer.issue

        def remember(*args, **kwargs):
            token = issue(*args, **kwargs)
            issued.append(token)
            return token

        box.issuer.issue = remember  # type: ignore[method-assign]
        box.issued = issued  # type: ignore[attr-defined]
        yield box


@pytest.fixture
def info(sandbox, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_CLIENT_SECRET", info.client_secret)
    monkeypatch.delenv("EC_CERT_PASSWORD", raising=False)
    sandbox.requests.clear()
    return info


def run(capsys, info, *extra: str, mailbox: str | None = None, client: str | None = None,
        tenant: str | None = None, timeout: str = "5") -> tuple[int, dict, str]:
    code = cli.main([
        "check", "graph",
        "--mailbox", mailbox or info.mailbox_in_scope,
        "--tenant-id", tenant or info.tenant_id,
        "--client-id", client or info.client_id,
        "--authority", info.authority,
        "--graph-url", info.graph_url,
        "--ca-file", info.ca_file,
        "--timeout", timeout,
        "--json",
        *extra,
    ])
    out, err = capsys.readouterr()
    return code, json.loads(out), out + err


def step(report: dict, step_id: str) -> dict:
    return next(s for s in report["steps"] if s["id"] == step_id)


def failure(report: dict) -> dict:
    return next(s for s in report["steps"] if s["status"] == "fail")


def assert_nothing_private(sandbox, info, *texts: str) -> None:
    """No secret, passphrase, token, subject, body, location or attendee in any output or log."""
    logs = [p.read_text(errors="replace") for p in Path(os.environ["EC_CONSOLE_HOME"]).rglob("*.log*")]
    pem_key = Path(info.certificate_pem).read_text().split("-----END PRIVATE KEY-----")[0].splitlines()[2]
    for text in (*texts, *logs):
        for secret in (info.client_secret, info.certificate_password, "PRIVATE-", pem_key):
            assert secret not in text
        for token in sandbox.issued:
            assert token not in text and token.split(".")[1] not in text


# --- the passing route -------------------------------------------------------------------------------------


def test_an_rbac_scoped_app_passes_in_scope_and_proves_the_restriction(capsys, sandbox, info):
    code, report, text = run(capsys, info, "--expect-denied", info.mailbox_out_of_scope,
                             "--scope-group", info.scope_group_dn)
    assert code == 0 and report["result"] == "pass", text
    assert [s["id"] for s in report["steps"]] == [*STEPS, "restriction"]
    assert all(s["status"] == "pass" for s in report["steps"]), text
    auth = step(report, "authenticate")
    assert auth["data"]["tenant_wide_roles"] == []
    assert auth["data"]["service_principal"] == info.service_principal_id
    assert step(report, "read_calendar")["data"]["count"] == 7  # one event a day for the coming week
    assert "ErrorAccessDenied" in step(report, "restriction")["detail"]
    views = sandbox.requests.find(server="graph", endpoint="calendarView")
    assert views and all(v.notes["select"] == "start,end,showAs,isAllDay" for v in views)
    denied = sandbox.requests.find(server="graph", endpoint="calendar", mailbox=info.mailbox_out_of_scope)
    assert [r.status for r in denied] == [403]
    assert_nothing_private(sandbox, info, text)


def test_the_write_probe_leaves_nothing_behind(capsys, sandbox, info):
    code, report, text = run(capsys, info, "--write-probe")
    assert code == 0 and step(report, "write_probe")["status"] == "pass", text
    created = sandbox.requests.find(server="graph", endpoint="event_create")
    assert [r.status for r in created] == [201]
    deleted = sandbox.requests.find(server="graph", endpoint="event_delete")
    assert [r.status for r in deleted] == [204] and created[0].notes["event_id"] in deleted[0].path
    user = sandbox.tenant.user(info.mailbox_in_scope)
    assert not any(e.subject == "Enterprise Connect test" for e in user.events.values())


@pytest.mark.parametrize("form", ["pem", "pfx"])
def test_a_certificate_signs_in_as_well_as_a_secret(capsys, sandbox, info, monkeypatch, form):
    monkeypatch.delenv("EC_CLIENT_SECRET")
    path = info.certificate_pem if form == "pem" else info.certificate_pfx
    if form == "pfx":
        monkeypatch.setenv("EC_CERT_PASSWORD", info.certificate_password)
    code, report, text = run(capsys, info, "--certificate", path)
    assert code == 0 and report["result"] == "pass", text
    assert step(report, "authenticate")["data"]["credential"] == "certificate"
    token_calls = sandbox.requests.find(server="graph-login", endpoint="token", issued=True)
    form_fields = token_calls[-1].text
    assert "client_assertion_type=urn" in form_fields and "client_secret" not in form_fields
    assert_nothing_private(sandbox, info, text)


# --- each misconfiguration, its own code, a fix naming the real objects ------------------------------------


@pytest.mark.parametrize(("case", "code"), [
    ("expired_secret", "oauth_secret_expired"),
    ("disabled", "oauth_app_disabled"),
    ("no_service_principal", "oauth_no_service_principal"),
    ("conditional_access", "oauth_conditional_access"),
])
def test_token_time_refusals_have_their_own_codes(capsys, sandbox, info, case, code):
    client = info.apps[case]
    status, report, text = run(capsys, info, client=client)
    bad = failure(report)
    assert status == 1 and bad["id"] == "authenticate" and bad["diagnosis"]["code"] == code, text
    assert client in bad["diagnosis"]["cause"] + bad["diagnosis"]["remediation"]
    assert_nothing_private(sandbox, info, text)


def test_a_wrong_secret_is_oauth_invalid_client(capsys, sandbox, info, monkeypatch):
    monkeypatch.setenv("EC_CLIENT_SECRET", "not-the-secret-" + info.client_secret[::-1])
    status, report, text = run(capsys, info)
    bad = failure(report)
    assert status == 1 and bad["diagnosis"]["code"] == "oauth_invalid_client"
    assert info.client_id in bad["diagnosis"]["cause"] + bad["diagnosis"]["remediation"]
    assert info.client_secret[::-1] not in text


def test_an_unknown_client_id_is_oauth_app_not_found(capsys, sandbox, info):
    unknown = "0f0f0f0f-1111-4222-8333-444455556666"
    status, report, _ = run(capsys, info, client=unknown)
    bad = failure(report)
    assert status == 1 and bad["diagnosis"]["code"] == "oauth_app_not_found"
    assert unknown in bad["diagnosis"]["cause"]


def test_an_unknown_tenant_is_oauth_tenant_not_found(capsys, sandbox, info):
    status, report, _ = run(capsys, info, tenant="elsewhere.onmicrosoft.com")
    bad = failure(report)
    assert status == 1 and bad["diagnosis"]["code"] == "oauth_tenant_not_found"
    assert "AADSTS90002" in bad["detail"]
    # The fix speaks of Graph's national clouds (--cloud), not of EWS hosts.
    fix = bad["diagnosis"]["remediation"]
    assert "--cloud" in fix and "EWS" not in fix and "--ews-url" not in fix


def test_no_service_principal_fix_names_the_graph_role_not_ews(capsys, sandbox, info):
    status, report, _ = run(capsys, info, client=info.apps["no_service_principal"])
    fix = failure(report)["diagnosis"]["remediation"]
    assert "New-MgServicePrincipal" in fix and '"Application Calendars.Read"' in fix
    assert "EWS" not in fix


def test_an_unregistered_certificate_is_oauth_certificate_unknown(capsys, sandbox, info, monkeypatch):
    monkeypatch.delenv("EC_CLIENT_SECRET")
    status, report, text = run(capsys, info, "--certificate", info.certificate_unregistered_pem)
    bad = failure(report)
    assert status == 1 and bad["diagnosis"]["code"] == "oauth_certificate_unknown", text
    thumbprint = bad["data"]["thumbprint_sha256"]
    assert thumbprint and thumbprint in bad["detail"]


def test_outside_the_rbac_scope_is_mailbox_access_denied_naming_app_principal_scope_and_group(
        capsys, sandbox, info):
    status, report, text = run(capsys, info, "--scope-group", info.scope_group_dn,
                               mailbox=info.mailbox_out_of_scope)
    bad = failure(report)
    assert status == 1 and bad["id"] == "mailbox" and bad["diagnosis"]["code"] == "mailbox_access_denied"
    commands = bad["diagnosis"]["commands"]
    # the service principal's object id is the sandbox's own, read from the token's oid
    assert any(c.startswith(f"New-ServicePrincipal -AppId {info.client_id} "
                            f"-ObjectId {info.service_principal_id}") for c in commands), commands
    # the scope is named after the group's name, not its whole distinguished name
    scope = f"New-ManagementScope -Name 'Enterprise Connect {info.scope_group.replace(' ', '')}' "
    assert any(c.startswith(scope) and f"MemberOfGroup -eq '{info.scope_group_dn}'" in c
               for c in commands), commands
    assignment = next(c for c in commands if c.startswith("New-ManagementRoleAssignment"))
    assert "-CustomResourceScope" in assignment and '"Application Calendars.Read"' in assignment
    assert any(c.startswith("Test-ServicePrincipalAuthorization") and info.mailbox_out_of_scope in c
               for c in commands)
    assert "30 minutes to 2 hours" in bad["diagnosis"]["remediation"]


def test_no_role_anywhere_is_mailbox_access_denied(capsys, sandbox, info):
    status, report, _ = run(capsys, info, client=info.apps["no_role"])
    bad = failure(report)
    assert status == 1 and bad["id"] == "mailbox" and bad["diagnosis"]["code"] == "mailbox_access_denied"
    assert step(report, "authenticate")["data"]["roles"] == []


def test_a_read_only_scope_refuses_the_write_probe(capsys, sandbox, info):
    status, report, _ = run(capsys, info, "--write-probe", client=info.apps["rbac_read_only"])
    bad = failure(report)
    assert status == 1 and bad["id"] == "write_probe" and bad["diagnosis"]["code"] == "mailbox_access_denied"
    # the directory call was refused too (no User.ReadBasic.All): only a detail of a passing step
    assert step(report, "mailbox")["status"] == "pass"
    assert step(report, "mailbox")["data"]["directory"]["error_code"] == "Authorization_RequestDenied"


def test_a_legacy_access_policy_is_access_policy_denied(capsys, sandbox, info):
    status, report, _ = run(capsys, info, client=info.apps["access_policy"],
                            mailbox=info.mailbox_out_of_scope)
    bad = failure(report)
    assert status == 1 and bad["diagnosis"]["code"] == "access_policy_denied"
    assert "Test-ApplicationAccessPolicy" in bad["diagnosis"]["remediation"]
    assert info.apps["access_policy"] in bad["diagnosis"]["remediation"]


@pytest.mark.parametrize(("which", "code"), [
    ("mailbox_unknown", "mailbox_not_found"),
    ("mailbox_not_enabled", "mailbox_not_enabled"),
])
def test_mailboxes_that_cannot_be_reached_have_their_codes(capsys, sandbox, info, which, code):
    status, report, _ = run(capsys, info, mailbox=getattr(info, which))
    bad = failure(report)
    assert status == 1 and bad["id"] == "mailbox" and bad["diagnosis"]["code"] == code


def test_a_mailbox_inside_the_scope_named_as_denied_is_scope_not_enforced(capsys, sandbox, info):
    inside = info.mailboxes_in_scope[1]
    status, report, _ = run(capsys, info, "--expect-denied", inside)
    bad = failure(report)
    assert status == 1 and bad["id"] == "restriction" and bad["diagnosis"]["code"] == "scope_not_enforced"
    assert inside in bad["diagnosis"]["cause"]


# --- the tenant-wide consent -------------------------------------------------------------------------------


def test_a_tenant_wide_consent_warns(capsys, sandbox, info):
    client = info.apps["tenant_wide"]
    code, report, _ = run(capsys, info, client=client)
    auth = step(report, "authenticate")
    assert code == 0 and auth["status"] == "warn"
    assert auth["diagnosis"]["code"] == "tenant_wide_grant"
    assert auth["data"]["tenant_wide_roles"] == ["Calendars.ReadWrite"]
    assert client in " ".join(auth["diagnosis"]["links"])  # the app registration's API permissions page


@pytest.mark.parametrize("scope", ["--expect-denied", "--scope-group"])
def test_a_tenant_wide_consent_fails_when_a_scope_is_meant(capsys, sandbox, info, scope):
    value = info.mailbox_out_of_scope if scope == "--expect-denied" else info.scope_group
    code, report, _ = run(capsys, info, scope, value, client=info.apps["tenant_wide"])
    bad = failure(report)
    assert code == 1 and bad["id"] == "authenticate" and bad["diagnosis"]["code"] == "tenant_wide_grant"


# --- throttling --------------------------------------------------------------------------------------------


def test_a_retry_after_that_fits_the_timeout_is_waited_out(capsys, sandbox, info):
    sandbox.throttle(info.mailbox_in_scope, times=1, retry_after=1)
    code, report, text = run(capsys, info)
    assert code == 0 and report["result"] == "pass", text
    calls = sandbox.requests.find(server="graph", endpoint="calendar", mailbox=info.mailbox_in_scope)
    assert [r.status for r in calls] == [429, 200]


def test_a_retry_after_beyond_the_timeout_is_throttled(capsys, sandbox, info):
    code, report, _ = run(capsys, info, mailbox=info.mailbox_throttled, timeout="1")
    bad = failure(report)
    assert code == 1 and bad["diagnosis"]["code"] == "throttled"
    assert bad["data"]["back_off"] == info.retry_after
    assert f"{info.retry_after} seconds" in bad["diagnosis"]["cause"]


# --- the real command line ---------------------------------------------------------------------------------


def test_the_installed_command_line_passes_with_the_secret_from_the_environment(sandbox, info):
    env = {**os.environ, "EC_CLIENT_SECRET": info.client_secret}
    done = subprocess.run(
        [sys.executable, "-m", "ec_console", "check", "graph", "--mailbox", info.mailbox_in_scope,
         "--tenant-id", info.tenant_domain, "--client-id", info.client_id, "--authority", info.authority,
         "--graph-url", info.graph_url, "--ca-file", info.ca_file, "--expect-denied",
         info.mailbox_out_of_scope, "--verbose"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "restriction" in done.stdout.lower() or "denied" in done.stdout.lower()
    assert_nothing_private(sandbox, info, done.stdout, done.stderr)
