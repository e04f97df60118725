"""`ec-console applications list|add|revoke` against the EWS sandbox (in process)."""

from __future__ import annotations

import json

import pytest
from cli_run import run
from sandbox_setup import sandbox_fixture

from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import MemoryStore, default_store, secret_key

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def memory_store(monkeypatch):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")


sandbox = sandbox_fixture("module")


def add_args(info, name="Sandbox EWS"):
    return [
        "applications",
        "add",
        "exchange",
        "--name",
        name,
        "--mailbox",
        info.mailbox_in_scope,
        "--ews-url",
        info.ews_url,
        "--username",
        info.username,
        "--ca-file",
        info.ca_file,
        "--expect-denied",
        info.mailbox_out_of_scope,
        "--region",
        "us",
    ]


def test_add_runs_the_setup_check_and_stores_the_secret(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    code, out, err = run(capsys, *add_args(info), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["application"]["name"] == "Sandbox EWS" and result["report"]["result"] == "pass"
    assert {s["id"] for s in result["report"]["steps"]} >= {"authenticate", "restriction"}
    assert default_store().get(secret_key("us", "Sandbox EWS", "password")) == info.password
    assert info.password not in out + err
    code, out, _ = run(capsys, "applications", "list", "--region", "us", "--json")
    [app] = json.loads(out)
    assert (app["provider"], app["domain"], app["status"], app["health"]) == (
        "exchange",
        info.domain,
        "active",
        None,
    )
    code, out, _ = run(capsys, "applications", "list", "--region", "de", "--json")
    assert json.loads(out) == []  # nothing leaks across regions


def test_add_with_a_wrong_password_saves_nothing(sandbox, capsys, monkeypatch):
    monkeypatch.setenv("EC_PASSWORD", "Wrong-Password-1")
    code, out, err = run(capsys, *add_args(sandbox.info()))
    assert code == 1 and "Nothing was saved" in out
    with Registry.for_region("us") as registry:
        assert registry.list_applications() == []
    assert default_store().get(secret_key("us", "Sandbox EWS", "password")) is None


def test_add_without_a_secret_and_no_terminal_is_exit_2(sandbox, capsys, monkeypatch):
    monkeypatch.delenv("EC_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    code, out, err = run(capsys, *add_args(sandbox.info()), "--json")
    assert code == 2 and "EC_PASSWORD" in err and json.loads(out)["error"]["code"] == "bad_input"


def test_add_without_a_keychain_is_exit_3_and_writes_nothing(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    monkeypatch.setattr("ec_console.secrets.default_store", lambda: MemoryStore(usable=False))
    before = len(sandbox.requests)
    code, out, err = run(capsys, *add_args(info))
    assert code == 3
    assert len(sandbox.requests) == before  # refused before the check ran
    with Registry.for_region("us") as registry:
        assert registry.list_applications() == []


def test_revoke_needs_yes_without_a_terminal(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    code, out, err = run(capsys, "applications", "revoke", "Sandbox EWS", "--region", "us")
    assert code == 2 and "--yes" in err
    assert "ApplicationImpersonation" in out  # the steps were shown first


def test_revoke_verifies_the_withdrawal_then_completes(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    run(
        capsys,
        "profiles",
        "link",
        "--application",
        "Sandbox EWS",
        *info.mailboxes_in_scope[:2],
        "--region",
        "us",
    )
    # the grant still works: verification fails, nothing changes
    code, out, _ = run(capsys, "applications", "revoke", "Sandbox EWS", "--yes", "--region", "us", "--json")
    result = json.loads(out)
    assert code == 1 and not result["revoked"]
    assert result["verification"]["steps"][0]["diagnosis"]["code"] == "scope_not_enforced"
    with Registry.for_region("us") as registry:
        assert registry.find_application("Sandbox EWS").status == "active"
    # verification skipped: revoked, secret gone, profiles revoked, audited
    code, out, _ = run(
        capsys, "applications", "revoke", "Sandbox EWS", "--yes", "--skip-verify", "--region", "us", "--json"
    )
    result = json.loads(out)
    assert code == 0 and result["revoked"] and result["verification_skipped"]
    assert default_store().get(secret_key("us", "Sandbox EWS", "password")) is None
    with Registry.for_region("us") as registry:
        assert registry.find_application("Sandbox EWS").status == "revoked"
        assert {p.status for p in registry.list_profiles()} == {"revoked"}
        entry = registry.audit_entries(limit=1)[0]
        assert entry.action == "application_revoked" and "skipped" in entry.detail
    code, _, err = run(capsys, "applications", "revoke", "Sandbox EWS", "--yes", "--region", "us")
    assert code == 2 and "already revoked" in err


def test_revoke_verification_passes_when_the_account_is_denied(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info, "Verified"))[0] == 0
    code, out, _ = run(
        capsys,
        "applications",
        "revoke",
        "Verified",
        "--yes",
        "--verify-mailbox",
        info.mailbox_out_of_scope,
        "--region",
        "us",
        "--json",
    )
    result = json.loads(out)
    assert code == 0 and result["revoked"]
    assert result["verification"]["result"] == "pass"


# --- rename, rotate-secret, set-scope, recheck, remove ----------------------------------------------------


def _audit(subject=None):
    with Registry.for_region("us") as registry:
        return registry.audit_entries(subject=subject)


def test_rename_moves_the_secret_and_is_audited(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    assert run(capsys, *add_args(info, name="Other app"))[0] == 0
    run(capsys, "profiles", "link", "--application", "Sandbox EWS", info.mailboxes_in_scope[0],
        "--region", "us")
    code, out, err = run(capsys, "applications", "rename", "sandbox ews", "Calendar sync", "--region", "us",
                         "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["renamed_from"], result["application"]["name"]) == ("Sandbox EWS", "Calendar sync")
    store = default_store()
    assert store.get(secret_key("us", "Calendar sync", "password")) == info.password
    assert store.get(secret_key("us", "Sandbox EWS", "password")) is None
    [entry] = [e for e in _audit("Calendar sync") if e.action == "application_renamed"]
    assert "'Sandbox EWS'" in entry.detail and "'Calendar sync'" in entry.detail
    with Registry.for_region("us") as registry:
        assert {p.application_name for p in registry.list_profiles()} == {"Calendar sync"}
    # the renamed application still works: its secret is found under the new name
    code, out, err = run(capsys, "applications", "recheck", "Calendar sync", "--region", "us")
    assert code == 0, out + err
    # a taken name (any case) is refused before anything changes
    code, _, err = run(capsys, "applications", "rename", "Calendar sync", "OTHER APP", "--region", "us")
    assert code == 2 and "already exists" in err
    assert store.get(secret_key("us", "Calendar sync", "password")) == info.password
    code, _, err = run(capsys, "applications", "rename", "Nope", "Whatever", "--region", "us")
    assert code == 2 and "No application named 'Nope'" in err


def test_rotate_secret_checks_the_new_password_before_replacing_the_old(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    key = secret_key("us", "Sandbox EWS", "password")
    store = default_store()
    store.set(key, "Expired-Password-1")          # the password was changed at the platform
    # a wrong new password: the check fails, the old one stays, no rotation is audited
    monkeypatch.setenv("EC_PASSWORD", "Wrong-Password-2")
    code, out, err = run(capsys, "applications", "rotate-secret", "Sandbox EWS", "--region", "us", "--json")
    result = json.loads(out)
    assert code == 1 and result["replaced"] is False
    assert result["report"]["result"] == "fail"
    assert any(s["diagnosis"] and s["diagnosis"]["code"] == "auth_failed" for s in result["report"]["steps"])
    assert store.get(key) == "Expired-Password-1"
    assert "Wrong-Password-2" not in out + err
    assert not [e for e in _audit() if e.action == "application_secret_rotated"]
    # the right one: checked, then replaced and audited (never the secret itself)
    monkeypatch.setenv("EC_PASSWORD", info.password)
    code, out, err = run(capsys, "applications", "rotate-secret", "Sandbox EWS", "--region", "us")
    assert code == 0, out + err
    assert "the old one is replaced" in out and info.password not in out + err
    assert store.get(key) == info.password
    [entry] = [e for e in _audit("Sandbox EWS") if e.action == "application_secret_rotated"]
    assert "password replaced" in entry.detail and info.mailbox_in_scope in entry.detail
    assert info.password not in entry.detail
    with Registry.for_region("us") as registry:
        app = registry.find_application("Sandbox EWS")
        kinds = [c.kind for c in registry.checks_for_application(app.id)]
    assert kinds[:2] == ["secret_check", "secret_check"]


def test_rotate_secret_refuses_without_a_secret_or_with_a_key_file_for_exchange(sandbox, capsys, monkeypatch,
                                                                                tmp_path):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    monkeypatch.delenv("EC_PASSWORD")
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    before = len(sandbox.requests)
    code, _, err = run(capsys, "applications", "rotate-secret", "Sandbox EWS", "--region", "us")
    assert code == 2 and "EC_PASSWORD" in err
    key = tmp_path / "key.json"
    key.write_text("{}")
    code, _, err = run(capsys, "applications", "rotate-secret", "Sandbox EWS", "--key-file", str(key),
                       "--region", "us")
    assert code == 2 and "--key-file is for Google" in err
    assert len(sandbox.requests) == before


def test_set_scope_records_the_group_and_google_delegation_is_refused(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    code, out, err = run(capsys, "applications", "set-scope", "Sandbox EWS", "cal-scope@contoso.com",
                         "--region", "us", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["scope_group"] == "cal-scope@contoso.com" and result["previous"] is None
    with Registry.for_region("us") as registry:
        settings = registry.find_application("Sandbox EWS").settings
        assert settings["scope_group"] == settings["scope_group_address"] == "cal-scope@contoso.com"
        registry.add_application("Workspace", "google", "example.com", {"install": "dwd"})
    [entry] = [e for e in _audit("Sandbox EWS") if e.action == "application_scope_changed"]
    assert "'cal-scope@contoso.com'" in entry.detail
    code, _, err = run(capsys, "applications", "set-scope", "Workspace", "sales@example.com",
                       "--region", "us")
    assert code == 2 and "cannot be limited to a group" in err
    code, _, err = run(capsys, "applications", "set-scope", "Sandbox EWS", "CN=Broken,,", "--region", "us")
    assert code == 2 and "distinguished name" in err


def test_recheck_stores_the_setup_check_and_health(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    default_store().set(secret_key("us", "Sandbox EWS", "password"), "Stale-Password-1")
    code, out, _ = run(capsys, "applications", "recheck", "Sandbox EWS", "--region", "us", "--json")
    assert code == 1 and json.loads(out)["report"]["result"] == "fail"
    with Registry.for_region("us") as registry:
        app = registry.find_application("Sandbox EWS")
        assert app.health == "auth_failed"
        assert registry.checks_for_application(app.id, limit=1)[0].kind == "setup"
    entry = _audit("Sandbox EWS")[0]
    assert entry.action == "application_checked" and "fail" in entry.detail


def test_remove_only_a_revoked_application_after_exporting_its_history(sandbox, capsys, monkeypatch,
                                                                      tmp_path):
    import hashlib

    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert run(capsys, *add_args(info))[0] == 0
    run(capsys, "profiles", "link", "--application", "Sandbox EWS", *info.mailboxes_in_scope[:2], "--region",
        "us")
    export = tmp_path / "history.json"
    code, _, err = run(capsys, "applications", "remove", "Sandbox EWS", "--export", str(export), "--yes",
                       "--region", "us")
    assert code == 2 and "not revoked" in err and not export.exists()
    revoke = ("applications", "revoke", "Sandbox EWS", "--yes", "--skip-verify", "--region", "us")
    assert run(capsys, *revoke)[0] == 0
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    code, _, err = run(capsys, "applications", "remove", "Sandbox EWS", "--export", str(export),
                       "--region", "us")
    assert code == 2 and "--yes" in err and not export.exists()
    code, _, err = run(capsys, "applications", "remove", "Sandbox EWS", "--export", str(tmp_path / "h.txt"),
                       "--yes", "--region", "us")
    assert code == 2 and ".json" in err
    code, out, err = run(capsys, "applications", "remove", "Sandbox EWS", "--export", str(export), "--yes",
                         "--region", "us", "--json")
    assert code == 0, err
    result = json.loads(out)
    data = export.read_bytes()
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    history = json.loads(data)
    assert history["application"]["name"] == "Sandbox EWS" and history["application"]["status"] == "revoked"
    assert sorted(p["email"] for p in history["profiles"]) == sorted(info.mailboxes_in_scope[:2])
    assert {c["kind"] for c in history["checks"]} >= {"setup", "link"}
    actions = [e["action"] for e in history["audit"]]
    assert "application_added" in actions and "application_revoked" in actions and "profile_linked" in actions
    assert info.password not in data.decode()
    assert (result["profiles"], result["checks"]) == (2, len(history["checks"]))
    with Registry.for_region("us") as registry:
        assert registry.find_application("Sandbox EWS") is None and registry.count_profiles() == 0
        entries = registry.audit_entries(subject="Sandbox EWS")
    assert entries[0].action == "application_removed" and result["sha256"] in entries[0].detail
    assert "application_added" in [e.action for e in entries]          # the audit trail is kept
    code, _, err = run(capsys, "applications", "remove", "Sandbox EWS", "--export", str(export), "--yes",
                       "--region", "us")
    assert code == 2 and "No application named" in err


def test_rotate_a_google_key_after_the_old_one_was_replaced_at_google(capsys, tmp_path):
    from pathlib import Path

    with Sandbox(google=True) as sb:
        google = sb.google
        info = google.info()
        code, out, err = run(capsys, "applications", "add", "google", "--name", "Workspace", "--key-file",
                             str(info.key_file), "--admin", info.admin_email, "--user", info.users["ok"],
                             "--api-root", info.api_root, "--ca-file", str(info.ca_file), "--region", "us")
        assert code == 0, out + err
        key = secret_key("us", "Workspace", "key")
        old_key = Path(info.key_file).read_text()
        assert default_store().get(key) == old_key
        new_file = google.rotate_key()                 # the admin created a new key and deleted the old one
        code, out, _ = run(capsys, "applications", "recheck", "Workspace", "--region", "us", "--json")
        assert code == 1 and json.loads(out)["report"]["result"] == "fail"
        broken = tmp_path / "broken.json"
        broken.write_text('{"type": "service_account"}')
        code, out, _ = run(capsys, "applications", "rotate-secret", "Workspace", "--key-file", str(broken),
                           "--region", "us", "--json")
        result = json.loads(out)
        assert code == 1 and not result["replaced"]
        assert result["report"]["steps"][0]["diagnosis"]["code"] == "key_malformed"
        assert default_store().get(key) == old_key
        code, _, err = run(capsys, "applications", "rotate-secret", "Workspace", "--region", "us")
        assert code == 2 and "--key-file" in err
        code, out, err = run(capsys, "applications", "rotate-secret", "Workspace", "--key-file",
                             str(new_file), "--region", "us")
        assert code == 0, out + err
        new_key = Path(new_file).read_text()
        assert default_store().get(key) == new_key
        assert json.loads(new_key)["private_key"] not in out + err
        code, _, _ = run(capsys, "applications", "recheck", "Workspace", "--region", "us")
        assert code == 0
