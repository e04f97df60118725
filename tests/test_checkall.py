"""The check-all engine with scripted adapters: concurrency bound, back-off, cancel, progress, status rules,
several writers on one registry file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_dashboard_fakes import FakeAdapter, Script, add_app

from ec_console import checkall
from ec_console.checks import CancelToken
from ec_console.errors import BadInput
from ec_console.registry import Registry
from ec_console.secrets import MemoryStore

TESTS = Path(__file__).parent


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


@pytest.fixture
def store():
    return MemoryStore()


def populate(registry, store, n, *, name="Contoso EWS", provider="exchange", status="linked", prefix="u"):
    app = add_app(registry, store, name=name, provider=provider)
    registry.add_profiles(app.id, [(f"{prefix}{i}@contoso.example", "") for i in range(n)], status=status)
    return app


def check(registry, store, adapters, **kw):
    return checkall.check_all(registry, store=store, adapters=adapters, **kw)


@pytest.mark.parametrize(("value", "reason"), [(0, "at least 1, not 0"), (21, "21 is above the limit of 20"),
                                             (100, "100 is above the limit of 20")])
def test_concurrency_outside_1_to_20_is_refused_with_the_reason(registry, store, value, reason):
    # docs/cli.md: --concurrency 1-20 (Exchange allows 27 concurrent EWS connections per service account).
    with pytest.raises(BadInput, match=reason):
        check(registry, store, {}, concurrency=value)


def test_the_bound_holds_per_application_and_is_used(registry, store):
    populate(registry, store, 40, name="Exchange app")
    populate(registry, store, 40, name="Google app", provider="google", prefix="g")
    ews, google = FakeAdapter(delay=0.02), FakeAdapter(provider="google", delay=0.02)
    stats: dict = {}
    _, summary = check(registry, store, {"exchange": ews, "google": google}, concurrency=3, stats=stats)
    assert summary.counts["linked"] == 80
    assert ews.max_in_flight <= 3 and google.max_in_flight <= 3
    assert ews.max_in_flight == 3 or google.max_in_flight == 3  # the bound is actually reached
    assert max(stats["max_in_flight"].values()) <= 3


def test_server_back_off_pauses_only_that_applications_workers(registry, store):
    populate(registry, store, 6, name="Exchange app")
    populate(registry, store, 6, name="Google app", provider="google", prefix="g")
    ews = FakeAdapter(delay=0.01, scripts={"u0@contoso.example": Script("throttled", back_off=0.3, times=1)})
    google = FakeAdapter(provider="google", delay=0.01)
    _, summary = check(registry, store, {"exchange": ews, "google": google}, concurrency=1)
    throttled_at = ews.call_times("u0@contoso.example")
    assert len(throttled_at) == 2  # retried once, then it answered
    later = [t for t, e in ews.calls if t > throttled_at[0]]
    assert min(later) >= throttled_at[0] + 0.3  # nothing of that app ran meanwhile
    assert any(throttled_at[0] < t < throttled_at[0] + 0.3 for t, _ in google.calls)  # the other one did
    assert summary.retries == 1 and summary.counts["linked"] == 12


def test_rate_limits_without_a_wait_back_off_exponentially_and_boundedly(registry, store):
    populate(registry, store, 1)
    ews = FakeAdapter(scripts={"u0@contoso.example": Script("throttled")})
    policy = checkall.BackOffPolicy(base=0.05, cap=1.0, max_retries=3)
    _, summary = check(registry, store, {"exchange": ews}, policy=policy)
    times = ews.call_times("u0@contoso.example")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 4  # 1 + max_retries, then recorded
    for n, gap in enumerate(gaps):  # at least half of base * 2**n
        assert gap >= 0.05 * 2**n / 2
    profile = registry.list_profiles()[0]
    assert (profile.status, profile.last_diagnosis) == ("linked", "throttled")
    assert summary.results[0].action == "unchanged"


def test_back_off_delay_policy():
    import random

    policy = checkall.BackOffPolicy(base=1.0, cap=8.0, max_wait=30.0)
    rng = random.Random(1)
    assert policy.delay(2.5, 0, rng) == 2.5
    assert policy.delay(600.0, 0, rng) == 30.0
    for streak in range(10):
        ceiling = min(8.0, 2.0**streak)
        assert ceiling / 2 <= policy.delay(None, streak, rng) <= ceiling


def test_cancel_stops_promptly_and_writes_only_whole_units(registry, store):
    populate(registry, store, 40)
    ews = FakeAdapter(delay=0.2)
    cancel = CancelToken()
    seen = []

    def on_result(result):
        seen.append(result)
        cancel.cancel()

    _, summary = check(registry, store, {"exchange": ews}, concurrency=2, cancel=cancel, on_result=on_result)
    assert summary.cancelled and summary.not_done > 0
    assert len(ews.calls) < 40
    checked = [p for p in registry.list_profiles() if p.last_checked_at is not None]
    checks = sum(len(registry.checks_for_profile(p.id)) for p in registry.list_profiles())
    assert len(checked) == checks == len(summary.results)  # each written result is complete
    actions = [e.action for e in registry.audit_entries(limit=2)]
    assert actions[0] == "check_all_cancelled"


def test_progress_is_merged_and_ends_with_the_total(registry, store):
    populate(registry, store, 300)
    updates = []
    _, summary = check(registry, store, {"exchange": FakeAdapter()}, on_progress=updates.append)
    assert updates[-1].done == updates[-1].total == 300 and updates[-1].counts["linked"] == 300
    assert len(updates) < 300  # merged, not one per result
    assert all(u.eta is not None for u in updates if u.done)


def test_status_rules_of_check_all(registry, store):
    app = populate(registry, store, 0)
    for email, status in (
        ("fine@contoso.example", "needs_relink"),
        ("gone@contoso.example", "linked"),
        ("slow@contoso.example", "needs_relink"),
        ("off@contoso.example", "revoked"),
    ):
        registry.add_profile(app.id, email, status=status)
    ews = FakeAdapter(
        scripts={
            "gone@contoso.example": Script("mailbox_not_found"),
            "slow@contoso.example": Script("timeout"),
        }
    )
    _, summary = check(registry, store, {"exchange": ews})
    got = {p.email: p.status for p in registry.list_profiles()}
    assert got == {
        "fine@contoso.example": "linked",
        "gone@contoso.example": "needs_relink",
        "slow@contoso.example": "needs_relink",
        "off@contoso.example": "revoked",
    }
    assert "off@contoso.example" not in {e for _, e in ews.calls}  # revoked: not probed
    changes = {e.subject for e in registry.audit_entries() if e.action == "profile_status_changed"}
    assert changes == {"fine@contoso.example", "gone@contoso.example"}
    assert summary.failed


def test_a_profile_revoked_while_it_is_checked_stays_revoked(registry, store):
    app = populate(registry, store, 1)
    profile_id = registry.list_profiles()[0].id

    def revoke_meanwhile(email):
        with Registry(registry.path) as other:  # the GUI's connection, on another thread
            other.set_profile_status(profile_id, "revoked")

    _, summary = check(registry, store, {"exchange": FakeAdapter(on_probe=revoke_meanwhile)})
    assert registry.get_profile(profile_id).status == "revoked"
    assert summary.results[0].action == "skipped"
    assert app.id in {a.id for a in registry.list_applications()}


def test_an_application_failure_stops_its_lane_only(registry, store):
    populate(registry, store, 10, name="Exchange app")
    google_app = populate(registry, store, 10, name="Google app", provider="google", prefix="g")
    ews = FakeAdapter(scripts={f"u{i}@contoso.example": Script("account_locked") for i in range(10)})
    google = FakeAdapter(provider="google")
    _, summary = check(registry, store, {"exchange": ews, "google": google}, concurrency=2)
    assert len(ews.calls) <= 2 and len(google.calls) == 10
    apps = {a.name: a for a in registry.list_applications()}
    assert apps["Exchange app"].health == "account_locked" and apps["Google app"].health is None
    assert summary.counts["skipped"] == 10 and summary.counts["linked"] == 10
    assert set(summary.application_failures) == {apps["Exchange app"].id}
    assert google_app.id not in summary.application_failures


def test_a_provider_bug_is_recorded_not_raised(registry, store):
    populate(registry, store, 2)

    def boom(email):
        if email == "u0@contoso.example":
            raise RuntimeError("provider bug")

    _, summary = check(registry, store, {"exchange": FakeAdapter(on_probe=boom)})
    bad = next(p for p in registry.list_profiles() if p.email == "u0@contoso.example")
    assert (bad.status, bad.last_diagnosis) == ("linked", "unexpected_error")
    assert summary.counts == {"linked": 1, "needs_relink": 0, "unchanged": 1, "skipped": 0, "not_linked": 0,
                              "try_again": 0}


def test_an_application_without_secret_is_reported_not_checked(registry, store):
    app = registry.add_application("No secret", "exchange", "contoso.example", {})
    registry.add_profile(app.id, "a@contoso.example")
    plan, summary = check(registry, store, {"exchange": FakeAdapter()})
    assert "no secret" in plan.unusable[app.id] and summary.total == 0


def test_two_engines_on_one_file_at_once(registry, store):
    populate(registry, store, 60)
    errors = []
    totals = []

    def engine():
        try:
            with Registry(registry.path) as own:
                _plan, summary = check(own, store, {"exchange": FakeAdapter(delay=0.005)}, concurrency=4,
                                       resume=False)
                totals.append(summary.total)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=engine) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # Each run wrote every result it probed (runs overlapping in time share the profiles through their
    # claims, tests/test_check_claims.py; one that starts after the other ended checks them all again).
    checks = [len(registry.checks_for_profile(p.id, limit=10)) for p in registry.list_profiles()]
    assert sum(checks) == sum(totals) and min(checks) >= 1


SCRIPT = """
import sys
from ec_console import checkall
from ec_console.registry import Registry
from ec_console.secrets import MemoryStore, secret_key
from test_dashboard_fakes import FakeAdapter, SECRET
store = MemoryStore()
with Registry.for_region("us") as registry:
    store.set(secret_key("us", "Contoso EWS", "password"), SECRET)
    plan, summary = checkall.check_all(registry, store=store, adapters={"exchange": FakeAdapter(delay=0.005)},
                                       resume=False)
    print(summary.counts["linked"])
"""


def test_a_check_in_another_process_and_one_here_share_the_file(registry, store, ec_home):
    populate(registry, store, 60)
    env = {**os.environ, "EC_CONSOLE_HOME": str(ec_home), "PYTHONPATH": str(TESTS)}
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, here = check(registry, store, {"exchange": FakeAdapter(delay=0.005)}, resume=False)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.strip() == "60" and here.counts["linked"] == 60
    assert sum(len(registry.checks_for_profile(p.id, limit=10)) for p in registry.list_profiles()) == 120


# --- pauses: the dialog says the platform asked to wait, and the time left includes the wait ---------


def _paused_run(registry, store, provider, back_off):
    """Three linked profiles probed one at a time on a fake clock that moves 2 s per probe; the second one
    is throttled with the server's own wait. Returns the progress events up to the pause (then cancels)."""
    app = populate(registry, store, 3, name=f"{provider} app", provider=provider)
    now = [0.0]

    def tick(_email):
        now[0] += 2.0

    adapter = FakeAdapter(provider=provider, on_probe=tick,
                          scripts={"u1@contoso.example": Script("throttled", back_off=back_off, times=1)})
    jobs = [checkall.ProbeJob(app.id, p.email, p.id) for p in registry.list_profiles()]
    cancel = CancelToken()
    events = []

    def seen(progress):
        events.append(progress)
        if progress.pauses:
            cancel.cancel()

    from ec_console.dashboard import ProfileRecorder

    summary = checkall.run_probes(
        registry, jobs, {app.id: checkall.AppContext(registry.get_application(app.id), adapter, "s")},
        ProfileRecorder("check"), concurrency=1, cancel=cancel, on_progress=seen, clock=lambda: now[0])
    return events, summary


def test_a_server_wait_is_reported_as_a_pause_and_counted_in_the_time_left(registry, store):
    events, summary = _paused_run(registry, store, "exchange", 30.0)
    paused = [e for e in events if e.pauses]
    assert paused, "the pause was reported"
    first = paused[0]
    pause = first.paused
    assert pause.message == "Paused 30 s: Exchange is throttling this service account"
    assert pause.application_name == "exchange app" and pause.server_asked and pause.seconds == 30.0
    # At the pause: two probes of 2 s each on the clock, one account done, two left, 30 s still to wait.
    assert first.done == 1 and first.total == 3
    assert first.eta == pytest.approx((2 * 2.0) / 1 * 2 + 30.0)
    assert summary.cancelled and not events[-1].pauses  # the run is over: nothing waits any more


def test_google_pauses_are_said_in_googles_words(registry, store):
    events, _ = _paused_run(registry, store, "google", 12.5)
    pause = next(e for e in events if e.pauses).paused
    assert pause.message == "Paused 13 s: Google is limiting the rate of this service account's requests"


def test_the_time_left_leaves_past_waits_out_and_adds_the_current_one():
    # 40 s so far, of which 30 s waiting; 2 of 4 done: 5 s of work each, 2 left, and 12 s still to wait.
    assert checkall.estimate(40.0, 30.0, 2, 4, 12.0) == pytest.approx(5.0 * 2 + 12.0)
    assert checkall.estimate(40.0, 0.0, 0, 4, 12.0) is None


def test_paused_time_counts_only_when_every_application_waited():
    one, two = checkall._Lane.__new__(checkall._Lane), checkall._Lane.__new__(checkall._Lane)
    one.lock, two.lock = threading.Lock(), threading.Lock()
    one.pauses = [(10.0, 20.0), (15.0, 25.0)]        # overlapping waits of one application: 15 s
    two.pauses = [(18.0, 40.0)]
    assert checkall._paused_time([one], 0.0, 100.0) == pytest.approx(15.0)
    assert checkall._paused_time([one, two], 0.0, 100.0) == pytest.approx(7.0)   # 18..25
    assert checkall._paused_time([one], 0.0, 12.0) == pytest.approx(2.0)         # only up to now


# --- results written in batches (issue 13: fewer registry transactions per result) --------------------------

_BURST = 30
_RUN = re.compile(r'"run": "[^"]*"')
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def _burst_check(path, store, monkeypatch, *, batch):
    """Check all of `_BURST` profiles, one worker, the writer held on the first result it hands on until
    every probe has answered. Returns (commits while the burst was written, what the registry then holds, what
    on_result saw and whether each was committed when it was shown)."""
    monkeypatch.setattr(checkall, "WRITE_BATCH", batch, raising=False)
    path.parent.mkdir(parents=True)
    engines = []
    real_start = checkall._Engine.start

    def start(engine):
        engines.append(engine)
        real_start(engine)

    monkeypatch.setattr(checkall._Engine, "start", start)
    with Registry(path) as registry, Registry(path) as reader:
        app = add_app(registry, store)
        statuses = ("linked", "needs_relink", "linked")
        registry.add_profiles(app.id, [(f"u{i:02}@contoso.example", "") for i in range(_BURST)],
                              status="linked")
        for i, profile in enumerate(registry.list_profiles()):
            registry.set_profiles_status([profile.id], statuses[i % 3])
        scripts = {f"u{i:02}@contoso.example": Script("mailbox_not_found") for i in range(0, _BURST, 4)}
        scripts.update({f"u{i:02}@contoso.example": Script("timeout") for i in range(2, _BURST, 5)})
        commits: list[str] = []
        registry._conn.set_trace_callback(
            lambda sql: commits.append(sql) if sql.strip() == "COMMIT" else None)
        shown: list[tuple[str, str, bool]] = []
        burst_start: list[int] = []

        def on_result(result):
            if not shown:  # hold the writer until the other results all wait in its queue
                burst_start.append(len(commits))
                deadline = time.monotonic() + 30
                while engines[0].alive() and time.monotonic() < deadline:  # every probe answered and queued
                    time.sleep(0.005)
            row = reader._conn.execute("SELECT last_result FROM profiles WHERE id = ?",
                                       (result.profile_id,)).fetchone()
            shown.append((result.job.email, result.action, row[0] is not None))

        _, summary = check(registry, store, {"exchange": FakeAdapter(scripts=scripts)}, concurrency=1,
                           on_result=on_result)
        registry._conn.set_trace_callback(None)
        assert len(summary.results) == _BURST
        burst_commits = len(commits) - burst_start[0]
        con = registry._conn
        held = {
            "profiles": con.execute("SELECT email, status, last_result, last_diagnosis,"
                                    " last_checked_at IS NOT NULL FROM profiles ORDER BY id").fetchall(),
            "checks": [(*row[:4], _TIME.sub("T", row[4])) for row in con.execute(
                "SELECT profile_id, application_id, kind, result, report FROM checks ORDER BY id")],
            "audit": [(e.action, e.subject, _RUN.sub("run", _TIME.sub("T", e.detail)))
                      for e in reversed(registry.audit_entries())],
        }
        return burst_commits, held, shown


def test_a_burst_of_results_is_written_in_fewer_transactions_with_the_same_rows(store, monkeypatch, tmp_path):
    one_commits, one_by_one, one_shown = _burst_check(tmp_path / "one" / "registry-us.sqlite3", store,
                                                      monkeypatch, batch=1)
    batched_commits, batched, batched_shown = _burst_check(tmp_path / "many" / "registry-us.sqlite3", store,
                                                           monkeypatch, batch=64)
    # one by one: a transaction per result (the counter counts them); batched: the 29 waiting results
    # went in far fewer (the run's own end adds a commit or two to both)
    assert one_commits >= _BURST - 1
    assert batched_commits <= one_commits - (_BURST - 1) + 2
    assert batched == one_by_one  # every row, every check and every audit entry, in the same order
    assert {a for _, a, _ in batched_shown} == {"linked", "needs_relink", "unchanged"}
    assert any(action == "profile_status_changed" for action, _, _ in batched["audit"])
    assert batched_shown == one_shown
    assert all(committed for _, _, committed in batched_shown)  # shown only once in the registry


def test_a_result_that_cannot_be_written_mid_batch_leaves_the_ones_before_it_written_and_shown(
        registry, store, monkeypatch):
    from ec_console import dashboard

    populate(registry, store, 12)
    engines = []
    real_start, real_record = checkall._Engine.start, dashboard.ProfileRecorder.record

    def start(engine):
        engines.append(engine)
        real_start(engine)

    def record(self, registry, job, outcome):
        result = real_record(self, registry, job, outcome)  # written, then the unit fails
        if job.email == "u7@contoso.example":
            raise RuntimeError("disk gone")
        return result

    monkeypatch.setattr(checkall._Engine, "start", start)
    monkeypatch.setattr(dashboard.ProfileRecorder, "record", record)
    shown = []

    def on_result(result):
        if not shown:  # hold the writer until every probe answered: the rest arrive as one batch
            deadline = time.monotonic() + 30
            while engines[0].alive() and time.monotonic() < deadline:
                time.sleep(0.005)
        shown.append(result.job.email)

    ews = FakeAdapter()
    with pytest.raises(RuntimeError, match="disk gone"):
        check(registry, store, {"exchange": ews}, concurrency=1, on_result=on_result)
    checked = {p.email for p in registry.list_profiles() if p.last_result is not None}
    probed = [email for _, email in ews.calls]
    assert len(probed) == 12 and shown == probed[:probed.index("u7@contoso.example")]  # up to the failing one
    assert checked == set(shown)  # what was shown is written; the failing unit and those after it are not
    assert "u7@contoso.example" not in {c.subject for c in registry.audit_entries()}


def _failing_writes(monkeypatch, email, times):
    """ProfileRecorder.record fails for `email` the first `times` times as a registry that cannot be
    written does (sqlite3.OperationalError)."""
    import sqlite3

    from ec_console import dashboard

    real_record = dashboard.ProfileRecorder.record
    left = [times]

    def record(self, registry, job, outcome):
        if job.email == email and left[0] > 0:
            left[0] -= 1
            raise sqlite3.OperationalError("disk I/O error")
        return real_record(self, registry, job, outcome)

    monkeypatch.setattr(dashboard.ProfileRecorder, "record", record)


def test_a_registry_that_cannot_be_written_stops_the_run_and_its_summary_says_so(registry, store,
                                                                                monkeypatch):
    from ec_console.dashboard import summary_json
    from ec_console.ui.check_all import RunTally, summary_message

    populate(registry, store, 12)
    _failing_writes(monkeypatch, "u3@contoso.example", times=99)
    shown = []
    ews = FakeAdapter()
    plan, summary = check(registry, store, {"exchange": ews}, concurrency=1, on_result=shown.append)
    assert "disk I/O error" in summary.write_error and summary.failed and not summary.cancelled
    assert summary.not_written >= 1
    assert len(shown) + summary.not_written <= len(ews.calls)     # nothing probed is silently counted done
    checked = {p.email for p in registry.list_profiles() if p.last_result is not None}
    assert checked == {r.email for r in shown} and "u3@contoso.example" not in checked
    as_json = summary_json(summary)
    assert as_json["write_error"] == summary.write_error and as_json["not_written"] == summary.not_written
    message = summary_message("Check all", summary, RunTally(), "United States (US)")
    assert "could not be saved in the registry (disk I/O error)" in message
    assert any(e.action == "check_all_cancelled" for e in registry.audit_entries())   # the next run resumes
    assert registry._conn.execute("SELECT COUNT(*) FROM check_claims").fetchone()[0] == 0


def test_a_write_that_fails_once_is_retried_after_reconnecting(registry, store, monkeypatch):
    populate(registry, store, 6)
    _failing_writes(monkeypatch, "u2@contoso.example", times=1)
    reconnects = []
    monkeypatch.setattr(registry, "reconnect", lambda: reconnects.append(True), raising=False)
    monkeypatch.setattr(checkall, "WRITE_RETRY_WAIT_S", 0.01)
    _plan, summary = check(registry, store, {"exchange": FakeAdapter()}, concurrency=1)
    assert summary.write_error == "" and summary.counts["linked"] == 6 and reconnects == [True]
    assert all(p.last_result == "pass" for p in registry.list_profiles())
