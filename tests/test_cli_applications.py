"""`ec-console applications list|add|revoke` against the EWS sandbox (in process)."""

from __future__ import annotations

import json

import pytest

from ec_console import cli
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import MemoryStore, default_store, secret_key

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def memory_store(monkeypatch):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        yield sb


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


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
