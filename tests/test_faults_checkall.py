"""Check all under faults: the sandbox breaks a share of its answers and the run must still finish.

The EWS sandbox's `Faults` switch breaks answers at random from a seeded generator: a reset half-way through
the answer, a bare HTTP 503 from the web server, or silence beyond the application's timeout. Every
mailbox used here is reachable, so any failed probe is a fault, and DESIGN.md's rule applies to it: a
throttled or timed-out probe (or an unreadable answer) never changes a profile's status. The run goes through
`ec-console profiles check --json` in-process.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from hostile.cli import assert_no_traceback, clear_environment, run_cli

from ec_console import checkall
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.sandbox.server import Faults, RecordedRequest

APP = "Faulty EWS"
PROFILES = 16
TIMEOUT_S = 1
TRANSIENT = {"timeout", "server_error", "throttled"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox per test: a silent fault keeps its connection's thread until the sandbox stops."""
    with Sandbox() as box:
        yield box


@pytest.fixture
def fast_back_off(monkeypatch):
    """A 503 is `throttled` and check all backs off before retrying it; the back-off rules are proven in
    test_checkall.py, so here its base wait is 50 ms instead of 1 s to keep the run short."""
    monkeypatch.setattr(checkall, "BackOffPolicy", functools.partial(checkall.BackOffPolicy, base=0.05))


@pytest.fixture
def profiles(sandbox, capsys, monkeypatch) -> dict[str, str]:
    """An application with a 1 s timeout and PROFILES reachable mailboxes, half `linked`, half `needs_relink`
    (as a failed earlier link leaves them): email -> initial status."""
    clear_environment(monkeypatch)
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    run = run_cli(capsys, ["applications", "add", "exchange", "--name", APP,
                           "--mailbox", info.mailbox_in_scope, "--ews-url", info.ews_url,
                           "--username", info.username, "--ca-file", info.ca_file,
                           "--timeout", str(TIMEOUT_S), "--region", "us", "--json"], limit=30)
    assert run.code == 0, run.err
    monkeypatch.delenv("EC_PASSWORD")
    emails = list(info.mailboxes_in_scope[:PROFILES])
    initial = {email: ("linked" if i % 2 else "needs_relink") for i, email in enumerate(emails)}
    with Registry.for_region("us") as registry:
        app = registry.find_application(APP)
        for status in ("linked", "needs_relink"):
            registry.add_profiles(app.id, [(e, "") for e, s in initial.items() if s == status], status=status)
    return initial


def _check_all(capsys) -> tuple[int, dict]:
    run = run_cli(capsys, ["profiles", "check", "--region", "us", "--json", "--concurrency", "4"], limit=45)
    assert_no_traceback(run.out, run.err)
    return run.code, json.loads(run.out)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [28])  # breaks answers 8, 9, 17, 19, 24 ...: early, all three kinds
def test_check_all_with_ten_percent_faults_finishes_and_keeps_every_faulted_status(
        sandbox, profiles, capsys, fast_back_off, seed):
    faults = Faults(0.10, seed=seed)
    sandbox.ews_server.faults = faults
    code, result = _check_all(capsys)

    # it finished, and reported each profile exactly once
    assert faults.total >= 3, f"the seed broke too few answers to prove anything: {faults.injected}"
    assert not result["cancelled"] and result["not_done"] == 0 and result["application_failures"] == {}
    assert sorted(r["email"] for r in result["results"]) == sorted(profiles)
    actions = Counter(r["action"] for r in result["results"])
    assert set(actions) <= {"linked", "unchanged"}, actions
    assert actions["unchanged"] >= 1, "no fault reached a probe's outcome"
    assert code == 1  # some probes failed

    with Registry.for_region("us") as registry:
        app = registry.find_application(APP)
        assert app.health is None  # a broken answer is not the application's failure
        for r in result["results"]:
            profile = registry.find_profile(app.id, r["email"])
            checks = registry.checks_for_profile(profile.id)
            assert [c.kind for c in checks] == ["check"], f"{r['email']}: one check record each"
            changes = registry.audit_entries(subject=r["email"])
            if r["action"] == "linked":
                assert profile.status == "linked" and checks[0].result == "pass"
                flipped = profiles[r["email"]] == "needs_relink"
                assert [e.action for e in changes] == (["profile_status_changed"] if flipped else [])
            else:  # the faulted probes: recorded as failed checks, status untouched, nothing audited
                assert r["diagnosis"] in TRANSIENT, r
                assert profile.status == profiles[r["email"]], r["email"]
                assert checks[0].result == "fail" and checks[0].diagnosis == r["diagnosis"]
                assert profile.last_diagnosis == r["diagnosis"]
                assert changes == []


def _first(operation: str) -> Callable[[RecordedRequest], bool]:
    """The first `operation` request about a mailbox once the run's session is open: the application's
    setup check left a quick-open hint, so the run's very first FindItem also opens the session, and an
    answer that does not prove the session is made again the ordinary way (exchange/probe.py); the fault
    must hit a mailbox's own answer."""
    seen = [0]
    lock = threading.Lock()

    def only(request: RecordedRequest) -> bool:
        if request.notes.get("operation") != operation:
            return False
        with lock:
            seen[0] += 1
            return seen[0] > 1
    return only


@pytest.mark.parametrize("operation", ["FindItem"])  # a bulk probe's one request about a mailbox
def test_a_reset_mid_answer_is_that_profiles_failure_only(sandbox, profiles, capsys, operation):
    """The first answer about one mailbox (its calendar view) is cut half-way: that
    profile fails `server_error` and keeps its status, the application is not blamed, the others pass."""
    sandbox.ews_server.faults = Faults(1.0, kinds=("reset",), limit=1, only=_first(operation))
    code, result = _check_all(capsys)
    assert sandbox.ews_server.faults.injected == {"reset": 1}
    by_action = Counter((r["action"], r["diagnosis"]) for r in result["results"])
    assert by_action == {("linked", None): PROFILES - 1, ("unchanged", "server_error"): 1}
    assert code == 1 and result["application_failures"] == {}


@pytest.mark.parametrize("operation", ["FindItem"])  # a bulk probe's one request about a mailbox
def test_a_connection_dropped_without_an_answer_does_not_stop_check_all(sandbox, profiles, capsys, operation):
    """One answer about one mailbox never comes: the connection is reset right after the request was read."""
    sandbox.ews_server.faults = Faults(1.0, kinds=("drop",), limit=1, only=_first(operation))
    code, result = _check_all(capsys)
    assert result["application_failures"] == {}
    actions = Counter(r["action"] for r in result["results"])
    assert actions == {"linked": PROFILES - 1, "unchanged": 1}
    with Registry.for_region("us") as registry:
        assert registry.find_application(APP).health is None


# --- the switch itself ---------------------------------------------------------------------------------


def test_faults_are_reproducible_from_the_seed_and_bounded_by_the_limit():
    def sequence(faults: Faults) -> list[str | None]:
        return [faults.draw() for _ in range(400)]

    first = sequence(Faults(0.1, seed=7))
    assert first == sequence(Faults(0.1, seed=7)) != sequence(Faults(0.1, seed=8))
    assert 15 <= sum(kind is not None for kind in first) <= 70
    assert {kind for kind in first if kind} == {"reset", "unavailable", "silent"}
    limited = Faults(1.0, kinds=("drop",), limit=2)
    assert sequence(limited)[:3] == ["drop", "drop", None] and limited.injected == {"drop": 2}
    picky = Faults(1.0, only=lambda request: request.method == "GET")
    assert picky.draw() is None and picky.total == 0


@pytest.mark.parametrize("bad", [{"rate": 1.5}, {"rate": -0.1}, {"rate": 0.1, "kinds": ("explode",)},
                                 {"rate": 0.1, "kinds": ()}, {"rate": 0.1, "limit": -1}])
def test_faults_refuse_nonsense(bad):
    with pytest.raises(ValueError):
        Faults(**bad)
