"""Crash safety: a CLI `profiles link` / `profiles check` killed with SIGKILL mid-run loses nothing.

The command runs in a child process against a sandbox served from this test process, slowed down (latency on
every answer) so that a run takes a few seconds. The test polls the registry through a read-only SQLite
connection until it shows some committed units of work, kills the child (SIGKILL: no handler, no cleanup),
and then proves: `PRAGMA integrity_check` is ok; no unit is half-written (every profile touched has its check
record and its audit entry, and every check record and audit entry has its profile update); running the same
command again finishes the job, each target processed exactly once in all. Each test kills twice, at
different points, before letting the last run finish.

How the child gets the application's secret: the CLI reads it from the keychain for `profiles` commands, and
a test machine has no keychain the child could share, so the child is `python -m hostile.seeded_cli` — the
same `ec_console.cli.main` as `python -m ec_console`, with its in-memory store seeded from two environment
variables that it removes first (see tests/hostile/seeded_cli.py). The secret never appears in argv.

Keychain unavailable: the real `python -m ec_console` with keyring's fail backend (and with no backend at
all) refuses `applications add` and `profiles link` with a clear message and exit status 3, before any
network request, and writes the secret nowhere.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile.cli import assert_no_traceback, clear_environment, run_cli
from hostile.seeded_cli import SEED_KEY_ENV, SEED_SECRET_ENV
from hostile.sweep import find_leaks

from ec_console import paths
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import secret_key

TESTS_DIR = Path(__file__).resolve().parent
APP = "Crash EWS"
LATENCY_S = 0.1
RUN_LIMIT_S = 30.0
CANARY_PASSWORD = "Keychain-Gone-Canary-Pw-5e1!"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


@pytest.fixture
def application(sandbox, capsys, monkeypatch) -> Sandbox:
    """The application, added in this process (its secret in this process's in-memory store)."""
    clear_environment(monkeypatch)
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    run = run_cli(capsys, ["applications", "add", "exchange", "--name", APP,
                           "--mailbox", info.mailbox_in_scope, "--ews-url", info.ews_url,
                           "--username", info.username, "--ca-file", info.ca_file,
                           "--timeout", "10", "--region", "us", "--json"], limit=30)
    assert run.code == 0, run.err
    monkeypatch.delenv("EC_PASSWORD")
    sandbox.ews_server.latency = LATENCY_S
    return sandbox


def registry_path() -> Path:
    return Registry.path_for_region("us")


def child_environment(secret: str | None) -> dict[str, str]:
    """This test's EC_CONSOLE_HOME and memory store, no proxy, `hostile` importable, the secret seeded."""
    env = {k: v for k, v in os.environ.items() if k not in ("EC_PASSWORD", "EC_CLIENT_SECRET")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env["EC_CONSOLE_CREDENTIAL_STORE"] = "memory"
    if secret is not None:
        env[SEED_KEY_ENV] = secret_key("us", APP, "password")
        env[SEED_SECRET_ENV] = secret
    return env


def committed_units(kind: str) -> int:
    """Check records of `kind` committed so far, read through a read-only connection."""
    conn = sqlite3.connect(f"file:{registry_path()}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT COUNT(*) FROM checks WHERE kind = ?", (kind,)).fetchone()[0]
    finally:
        conn.close()


def run_child(argv: list[str], secret: str, *, kill_at_units: int | None = None,
              kind: str = "") -> subprocess.CompletedProcess[str]:
    """`ec-console ARGV` in a child; with `kill_at_units`, SIGKILL it once that many `kind` units are in."""
    command = [sys.executable, "-m", "hostile.seeded_cli", *argv]
    with subprocess.Popen(command, env=child_environment(secret), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        deadline = time.monotonic() + RUN_LIMIT_S
        try:
            while kill_at_units is not None and child.poll() is None:
                if committed_units(kind) >= kill_at_units:
                    os.kill(child.pid, signal.SIGKILL)
                    break
                assert time.monotonic() < deadline, f"{argv[:2]} ran past {RUN_LIMIT_S} s"
                time.sleep(0.02)
            out, err = child.communicate(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def assert_killed(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == -signal.SIGKILL, (
        f"the run ended by itself (status {run.returncode}) before it could be killed: {run.stderr[-500:]}")


def assert_integrity() -> None:
    conn = sqlite3.connect(f"file:{registry_path()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


# --- profiles link ------------------------------------------------------------------------------------------


def link_state(app_id: int, targets: list[str]) -> dict[str, str]:
    """Checks that every linked profile is one whole unit and every unit a linked profile; email -> status."""
    assert_integrity()
    with Registry.for_region("us") as registry:
        linked = {}
        for email in targets:
            profile = registry.find_profile(app_id, email)
            audits = [e for e in registry.audit_entries(subject=email) if e.action == "profile_linked"]
            if profile is None:
                assert audits == [], f"{email}: audited but never recorded"
                continue
            checks = registry.checks_for_profile(profile.id)
            assert [c.kind for c in checks] == ["link"], f"{email}: {len(checks)} link records"
            assert len(audits) == 1, f"{email}: {len(audits)} link audit entries"
            assert profile.last_checked_at is not None and profile.last_result == checks[0].result
            linked[email] = profile.status
        conn = registry._conn  # noqa: SLF001 - totals across the whole file, not just the targets
        assert conn.execute("SELECT COUNT(*) FROM checks WHERE kind = 'link' AND profile_id IS NOT NULL"
                            ).fetchone()[0] == len(linked)
        assert conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == len(linked)
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'profile_linked'").fetchone()[0] \
            == len(linked)
    return linked


@pytest.mark.slow
def test_link_killed_twice_keeps_whole_units_and_a_rerun_finishes(application):
    info = application.info()
    targets = list(info.mailboxes_in_scope[:10])
    argv = ["profiles", "link", "--application", APP, "--region", "us", "--concurrency", "2", "--json",
            *targets]
    with Registry.for_region("us") as registry:
        app_id = registry.find_application(APP).id

    done_before = 0
    for more in (1, 3):  # kill right after the first unit, then a few units into the second run
        run = run_child(argv, info.password, kill_at_units=done_before + more, kind="link")
        assert_killed(run)
        linked = link_state(app_id, targets)
        assert len(linked) >= done_before + more
        assert set(linked.values()) == {"linked"}
        done_before = len(linked)
    assert done_before < len(targets), "both kills came too late to leave work for the last run"

    final = run_child(argv, info.password)
    assert final.returncode == 0, final.stderr
    assert_no_traceback(final.stdout, final.stderr)
    result = json.loads(final.stdout)
    assert len(result["already_linked"]) == done_before
    assert sorted(result["already_linked"] + [r["email"] for r in result["results"]]) == sorted(targets)
    assert link_state(app_id, targets) == dict.fromkeys(targets, "linked")


# --- profiles check (check all) -----------------------------------------------------------------------------


def check_state(app_id: int, initial: dict[str, str], expected: dict[str, str]) -> set[str]:
    """Checks that every probed profile is one whole unit (status, last check, check record, audit entry when
    the status changed) and every other profile untouched; returns the probed ones."""
    assert_integrity()
    probed: set[str] = set()
    with Registry.for_region("us") as registry:
        for email, status in initial.items():
            profile = registry.find_profile(app_id, email)
            checks = [c for c in registry.checks_for_profile(profile.id) if c.kind == "check"]
            changes = [e for e in registry.audit_entries(subject=email)
                       if e.action == "profile_status_changed"]
            if not checks:
                assert (profile.status, profile.last_checked_at, changes) == (status, None, []), email
                continue
            probed.add(email)
            assert len(checks) == 1, f"{email} checked {len(checks)} times"
            assert profile.status == expected[email], email
            assert (profile.last_result, profile.last_diagnosis) == (checks[0].result, checks[0].diagnosis)
            assert len(changes) == (1 if expected[email] != status else 0), f"{email}: {changes}"
        conn = registry._conn  # noqa: SLF001
        assert conn.execute("SELECT COUNT(*) FROM checks WHERE kind = 'check'").fetchone()[0] == len(probed)
    return probed


@pytest.mark.slow
def test_check_all_killed_twice_keeps_whole_units_and_a_rerun_finishes(application):
    info = application.info()
    inside = list(info.mailboxes_in_scope[:8])
    outside = list(info.mailboxes_out_of_scope[:2])
    # half of the reachable ones wrongly recorded needs_relink, the unreachable ones wrongly linked: every
    # check of those changes a status, so their units carry an audit entry too
    initial = {e: ("needs_relink" if i % 2 else "linked") for i, e in enumerate(inside)}
    initial |= dict.fromkeys(outside, "linked")
    expected = dict.fromkeys(inside, "linked") | dict.fromkeys(outside, "needs_relink")
    with Registry.for_region("us") as registry:
        app_id = registry.find_application(APP).id
        for status in ("linked", "needs_relink"):
            registry.add_profiles(app_id, [(e, "") for e, s in initial.items() if s == status], status=status)
    argv = ["profiles", "check", "--region", "us", "--concurrency", "2", "--json"]

    done: set[str] = set()
    for more in (1, 3):
        run = run_child(argv, info.password, kill_at_units=len(done) + more, kind="check")
        assert_killed(run)
        before = len(done)
        done = check_state(app_id, initial, expected)
        assert len(done) >= before + more
    assert len(done) < len(initial), "both kills came too late to leave work for the last run"

    final = run_child(argv, info.password)
    assert_no_traceback(final.stdout, final.stderr)
    result = json.loads(final.stdout)
    assert result["resumed_from"] is not None and result["already_checked"] == len(done)
    assert sorted(r["email"] for r in result["results"]) == sorted(set(initial) - done)
    assert final.returncode == (1 if set(outside) - done else 0), final.stderr  # outside the scope: fail
    assert check_state(app_id, initial, expected) == set(initial)


# --- keychain unavailable -----------------------------------------------------------------------------------

NO_KEYCHAIN = {
    "fail backend": {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    "no backend at all": {},
}


def no_keychain_environment(tmp_path: Path, case: str) -> dict[str, str]:
    """The real keychain path (EC_CONSOLE_CREDENTIAL_STORE=keyring) with no usable keychain: no session bus,
    an empty HOME and XDG folders of its own (so no keyring configuration or file backend is found)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DBUS_", "XDG_", "PYTHON_KEYRING", "KEYRING")) and k != "EC_CLIENT_SECRET"}
    home = tmp_path / "user-home"
    for sub in ("", ".config", ".local/share", ".cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CACHE_HOME": str(home / ".cache"),
            "EC_CONSOLE_CREDENTIAL_STORE": "keyring", **NO_KEYCHAIN[case]}
    return env


def run_console(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ec_console", *argv], env=env, capture_output=True,
                          text=True, timeout=RUN_LIMIT_S)


def assert_keychain_refusal(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 3, (run.returncode, run.stderr)
    assert_no_traceback(run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ec-console: ") and "keychain" in lines[0].lower(), lines


@pytest.mark.parametrize("case", list(NO_KEYCHAIN))
def test_applications_add_without_a_keychain_is_refused_and_writes_no_secret(sandbox, tmp_path, case):
    info = sandbox.info()
    env = no_keychain_environment(tmp_path, case) | {"EC_PASSWORD": CANARY_PASSWORD}
    run = run_console(["applications", "add", "exchange", "--name", APP, "--mailbox", info.mailbox_in_scope,
                       "--ews-url", info.ews_url, "--username", info.username, "--ca-file", info.ca_file,
                       "--region", "us", "--json"], env)
    assert_keychain_refusal(run)
    assert sandbox.requests.all() == []  # refused before the setup check
    if registry_path().exists():
        with Registry.for_region("us") as registry:
            assert registry.list_applications() == [] and registry.audit_entries() == []
    folders = [paths.config_dir(), paths.data_dir(), paths.log_dir(), tmp_path / "user-home"]
    assert find_leaks({"password": CANARY_PASSWORD}, {"stdout": run.stdout, "stderr": run.stderr}, folders,
                      [info.username]) == []
    assert not (paths.data_dir() / "secrets").exists()


@pytest.mark.parametrize("case", list(NO_KEYCHAIN))
def test_profiles_link_without_a_keychain_is_refused_and_changes_nothing(application, tmp_path, case):
    info = application.info()
    application.requests.clear()
    with Registry.for_region("us") as registry:
        audit_before = len(registry.audit_entries())
    run = run_console(["profiles", "link", "--application", APP, "--region", "us",
                       *info.mailboxes_in_scope[:3]], no_keychain_environment(tmp_path, case))
    assert_keychain_refusal(run)
    assert application.requests.all() == []
    assert_integrity()
    with Registry.for_region("us") as registry:
        app = registry.find_application(APP)
        assert registry.status_counts() == {"linked": 0, "needs_relink": 0, "revoked": 0}
        assert app.status == "active" and app.health is None
        assert len(registry.audit_entries()) == audit_before
    folders = [paths.config_dir(), paths.data_dir(), paths.log_dir(), tmp_path / "user-home"]
    assert find_leaks({"password": info.password}, {"stdout": run.stdout, "stderr": run.stderr}, folders,
                      [info.username]) == []
