"""Verifying the withdrawal of an application's grant: only an answer that refuses the grant proves it.

An administrator off the VPN (the EWS host does not resolve, or nothing answers on its port) or one who
mistypes the account to verify with (no such mailbox) learns nothing about the grant: the verification
says it could not verify, and nothing changes — no secret deleted, nothing revoked — unless the
administrator explicitly skips the verification, which the audit records as such. Against the EWS sandbox,
through the core sequence and `ec-console applications revoke`.
"""

from __future__ import annotations

import json
import socket

import pytest
from cli_run import run
from sandbox_setup import add_ews_application, sandbox_fixture, withdraw_impersonation

from ec_console import dashboard
from ec_console.checks import Diagnosis, Report, StepResult, StepStatus
from ec_console.diagnoses import diagnose
from ec_console.providers.base import ProbeKind, ProbeOutcome
from ec_console.registry import Registry
from ec_console.secrets import default_store, secret_key

APP = "Sandbox EWS"
# An address under the reserved .invalid top-level domain never resolves (RFC 6761, section 6.4): what an
# administrator off the VPN meets for an internal EWS host.
UNRESOLVABLE_EWS = "https://mail.ec-console-test.invalid/EWS/Exchange.asmx"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


sandbox = sandbox_fixture("function")   # one per test: a withdrawal changes its organisation


def _add(sandbox, registry, store):
    return add_ews_application(sandbox, registry, store, APP, timeout=5).application


def _move_endpoint(registry, app, ews_url: str) -> None:
    """What the console meets off the VPN: the application's EWS endpoint cannot be reached from here."""
    registry.update_application(app.id, settings={**app.settings, "ews_url": ews_url})



def _secret(store=None) -> str | None:
    return (store or default_store()).get(secret_key("us", APP, "password"))


# --- the core sequence --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "code"),
    [("unresolvable", "dns_unresolved"), ("closed_port", "tcp_unreachable")],
)
def test_off_vpn_is_could_not_verify_and_nothing_changes(sandbox, registry, store, where, code):
    app = _add(sandbox, registry, store)
    url = UNRESOLVABLE_EWS if where == "unresolvable" else f"https://127.0.0.1:{_closed_port()}/EWS/Exchange.asmx"
    _move_endpoint(registry, app, url)
    revocation = dashboard.ApplicationRevocation(registry, APP, region_id="us", store=store)
    report = revocation.verify_withdrawal()
    assert report.result is not StepStatus.PASS
    [step] = report.steps
    assert step.data["verdict"] == "could_not_verify" and step.data["code"] == code
    assert "could not verify" in step.detail.lower()
    with pytest.raises(dashboard.WithdrawalNotVerified):
        revocation.complete()
    assert _secret(store) is not None                                  # the secret stays
    assert registry.find_application(APP).status == "active"
    assert not [e for e in registry.audit_entries() if e.action == "application_revoked"]
    # the administrator decides to go on without proof: the audit says exactly that
    revocation.skip_verification()
    revocation.complete()
    assert _secret(store) is None and registry.find_application(APP).status == "revoked"
    detail = registry.audit_entries(limit=1)[0].detail
    assert "could not verify" in detail and code in detail and "skipped by the administrator" in detail
    assert "verified: pass" not in detail


@pytest.mark.slow
def test_mistyped_verify_mailbox_is_could_not_verify(sandbox, registry, store):
    _add(sandbox, registry, store)
    revocation = dashboard.ApplicationRevocation(registry, APP, region_id="us", store=store)
    report = revocation.verify_withdrawal(sandbox.info().mailbox_nonexistent)   # the grant still works
    [step] = report.steps
    assert report.result is not StepStatus.PASS
    assert (step.data["verdict"], step.data["code"]) == ("could_not_verify", "mailbox_not_found")
    with pytest.raises(dashboard.WithdrawalNotVerified):
        revocation.complete()
    assert _secret(store) is not None and registry.find_application(APP).status == "active"


@pytest.mark.slow
def test_a_real_denial_verifies_and_the_audit_names_it(sandbox, registry, store):
    _add(sandbox, registry, store)
    withdraw_impersonation(sandbox)
    revocation = dashboard.ApplicationRevocation(registry, APP, region_id="us", store=store)
    report = revocation.verify_withdrawal()
    [step] = report.steps
    assert report.result is StepStatus.PASS and step.data["verdict"] == "withdrawn"
    assert step.data["code"] in dashboard.WITHDRAWAL_DENIAL_CODES
    revocation.complete()
    detail = registry.audit_entries(limit=1)[0].detail
    assert "withdrawal verified: pass" in detail and step.data["code"] in detail


# --- which answers prove a withdrawal -----------------------------------------------------------------------


def _outcome(code: str, *, kind: ProbeKind = ProbeKind.PROFILE, cause: str = "",
             detail: str = "") -> ProbeOutcome:
    diagnosis = Diagnosis(code, cause or code, "")
    report = Report("exchange", "a@contoso.com", "2026-01-01T00:00:00Z",
                    (StepResult("impersonate", "Impersonate", StepStatus.FAIL, 0, detail, None, diagnosis),))
    return ProbeOutcome("a@contoso.com", kind, "2026-01-01T00:00:00Z", report, diagnosis, detail)


@pytest.mark.parametrize("code", [
    "impersonation_denied", "impersonation_right_missing", "auth_failed", "account_locked",
    "oauth_invalid_client", "oauth_secret_expired", "oauth_permission_missing",
    "oauth_app_not_found", "oauth_app_disabled",                      # AADSTS700016, AADSTS7000112
    "dwd_unauthorized", "scope_not_authorized", "key_invalid_signature", "service_account_not_found",
])
def test_a_refusal_of_the_grant_proves_the_withdrawal(code):
    step = dashboard.verification_step(_outcome(code), "a@contoso.com")
    assert step.status is StepStatus.PASS
    assert step.data == {"denied": True, "verdict": "withdrawn", "code": code}


@pytest.mark.parametrize("code", [
    "dns_unresolved", "tcp_unreachable", "tls_untrusted", "tls_name_mismatch", "tls_expired",
    "proxy_auth_required", "autodiscover_failed", "mailbox_not_found", "user_not_found",
    "oauth_tenant_not_found", "ews_blocked", "folder_access_denied", "calendar_not_enabled",
])
def test_an_answer_that_says_nothing_about_the_grant_is_could_not_verify(code):
    step = dashboard.verification_step(_outcome(code), "a@contoso.com")
    assert step.status is StepStatus.WARN
    assert step.data == {"denied": None, "verdict": "could_not_verify", "code": code}


# X-EWS-Policy-Reason carries exactly "EWS is disabled for this user or tenant" (EwsEnabled off, for the
# organisation or for that one mailbox) or "EWS is blocked by policy for this user or tenant" (the app-id
# allow list): PLATFORM_NOTES.md, "EWS in Exchange Online is being switched off". Only the policy block
# refuses the application; a mailbox with EWS turned off says nothing about the grant.
def test_ews_blocked_proves_the_withdrawal_only_when_it_is_the_policy_block():
    blocked = diagnose("ews_blocked", policy_reason="EWS is blocked by policy for this user or tenant")
    disabled = diagnose("ews_blocked", policy_reason="EWS is disabled for this user or tenant")
    report = Report("exchange", "a@contoso.com", "2026-01-01T00:00:00Z", ())
    for diagnosis, verdict in ((blocked, "withdrawn"), (disabled, "could_not_verify")):
        outcome = ProbeOutcome("a@contoso.com", ProbeKind.APPLICATION, "2026-01-01T00:00:00Z", report,
                               diagnosis, "HTTP 403")
        assert dashboard.verification_step(outcome, "a@contoso.com").data["verdict"] == verdict


# --- the CLI ------------------------------------------------------------------------------------------------


def _cli_add(capsys, monkeypatch, info) -> None:
    monkeypatch.setenv("EC_PASSWORD", info.password)
    code, _out, err = run(capsys, "applications", "add", "exchange", "--name", APP, "--mailbox",
                          info.mailbox_in_scope, "--ews-url", info.ews_url, "--username", info.username,
                          "--ca-file", info.ca_file, "--timeout", "5", "--region", "us")
    assert code == 0, err


@pytest.mark.slow
def test_cli_refuses_to_revoke_when_it_could_not_verify_then_skip_verify_is_audited(sandbox, capsys,
                                                                                     monkeypatch):
    info = sandbox.info()
    _cli_add(capsys, monkeypatch, info)
    with Registry.for_region("us") as registry:
        _move_endpoint(registry, registry.find_application(APP), UNRESOLVABLE_EWS)
    code, out, err = run(capsys, "applications", "revoke", APP, "--yes", "--region", "us", "--json")
    result = json.loads(out)
    assert code == 1 and not result["revoked"] and not result["verification_skipped"]
    step = result["verification"]["steps"][0]
    assert (step["data"]["verdict"], step["data"]["code"]) == ("could_not_verify", "dns_unresolved")
    assert _secret() is not None
    # the same in plain text: a clear refusal that names what to do
    code, out, err = run(capsys, "applications", "revoke", APP, "--yes", "--region", "us")
    assert code == 1 and "Traceback" not in out + err
    assert "could not verify" in out.lower() and "--skip-verify" in out
    assert "nothing was changed" in out.lower()
    with Registry.for_region("us") as registry:
        assert registry.find_application(APP).status == "active"
    # explicitly skipped: revoked, and the audit says it was skipped by the administrator
    code, out, _ = run(capsys, "applications", "revoke", APP, "--yes", "--skip-verify", "--region", "us",
                       "--json")
    assert code == 0 and json.loads(out)["revoked"]
    assert _secret() is None
    with Registry.for_region("us") as registry:
        entry = registry.audit_entries(limit=1)[0]
    assert entry.action == "application_revoked" and "skipped by the administrator" in entry.detail
    assert "verified: pass" not in entry.detail


@pytest.mark.slow
def test_cli_mistyped_verify_mailbox_changes_nothing(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    _cli_add(capsys, monkeypatch, info)
    code, out, _ = run(capsys, "applications", "revoke", APP, "--yes", "--verify-mailbox",
                       info.mailbox_nonexistent, "--region", "us", "--json")
    result = json.loads(out)
    assert code == 1 and not result["revoked"]
    assert result["verification"]["steps"][0]["data"]["code"] == "mailbox_not_found"
    assert _secret() is not None
    with Registry.for_region("us") as registry:
        assert registry.find_application(APP).status == "active"


def test_the_verification_is_shown_in_german_while_its_stored_report_stays_english():
    from ec_console import i18n

    denied = dashboard.verification_step(_outcome("impersonation_denied"), "a@contoso.com")
    answers = StepResult("verify_withdrawal", "Access is now denied", StepStatus.FAIL, 0,
                         "The calendar of a@contoso.com still answers: the grant has not been withdrawn yet "
                         "(changes can take a while to apply).")
    unknown = dashboard.verification_step(_outcome("throttled", kind=ProbeKind.TRANSIENT), "a@contoso.com")
    report = Report("exchange", "a@contoso.com", "2026-01-01T00:00:00Z", (denied,))
    stored = json.dumps(report.to_dict())
    i18n.set_language("de")
    try:
        shown = dashboard.shown_verification(report).steps[0]
        assert shown.title == "Der Zugriff wird jetzt verweigert"
        assert shown.detail == ("Der Zugriff auf a@contoso.com wird wie erwartet verweigert "
                                "(impersonation_denied).")
        assert dashboard.shown_verification_detail(answers) == (
            "Der Kalender von a@contoso.com antwortet noch: Die Berechtigung ist noch nicht entzogen "
            "(Änderungen können eine Weile brauchen, bis sie wirksam werden).")
        assert dashboard.shown_verification_detail(unknown).startswith(
            "Der Entzug konnte nicht geprüft werden: Diese Antwort sagt nichts über die Berechtigung aus "
            "(throttled: throttled).")
        assert json.dumps(report.to_dict()) == stored and denied.title == "Access is now denied"
    finally:
        i18n.set_language(None)
    assert dashboard.shown_verification(report) == report                # English: as stored
