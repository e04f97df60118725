"""Check-all claims (registry_claims.py, wired into checkall.check_all): two desktops at once never probe a
profile twice; an expired lease is taken over; a cancelled or failed run gives its claims back.

Two desktops are two `Registry` objects on one SQLite file, each with its own scripted adapter that counts
the probes it makes (tests/test_dashboard_fakes.py). Clocks are passed in: nothing waits for a lease.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from test_checkall import check, populate
from test_dashboard_fakes import FakeAdapter

from ec_console import checkall
from ec_console.checks import CancelToken
from ec_console.registry import CHECK_CLAIMS_TABLE, Registry
from ec_console.registry_claims import CLAIM_LEASE, ClaimHolder, RunClaims, skipped_text

T0 = datetime(2026, 12, 3, 14, 2, 30, tzinfo=UTC)
ALEX = ("alex", "helpdesk-07")
BEA = ("bea", "desk-2")


def _claims_left(registry) -> list[tuple]:
    return registry._conn.execute(f"SELECT profile_id, run_id FROM {CHECK_CLAIMS_TABLE}").fetchall()


def test_two_desktops_checking_at_once_probe_every_profile_exactly_once(registry, store):
    populate(registry, store, 60)
    _two_desktops_at_once(registry, store, {who: (lambda: Registry(registry.path)) for who in (ALEX, BEA)})


def test_an_admin_and_a_helpdesk_desktop_on_postgresql_probe_every_profile_exactly_once(
        pg_cluster, pg_logins, store):
    def signed_in(role: str):
        url = pg_cluster.url(pg_logins.dbname, pg_logins.names[role], tcp=True)
        return lambda: Registry(url, password=pg_logins.passwords[role])

    with signed_in("admin")() as admin:
        populate(admin, store, 60)
        _two_desktops_at_once(admin, store, {ALEX: signed_in("admin"), BEA: signed_in("helpdesk")})
        checked = {p.email: p.last_result for p in admin.list_profiles()}
    assert set(checked.values()) == {"pass"}     # both desktops' results recorded, the helpdesk's included


def _two_desktops_at_once(registry, store, open_desktop) -> None:
    """Two desktops (each `open_desktop[who]()` a Registry of its own) run check all at once: every profile
    is probed exactly once, each run says how many the other held, and no claim is left behind."""
    everyone = {p.email for p in registry.list_profiles()}
    both_claimed = threading.Event()
    claimed = []
    lock = threading.Lock()

    def claims_for(desktop):
        def make(reg, run_id):
            claims = RunClaims(reg, run_id, desktop=desktop, batch=7)
            claim = claims.claim

            def claim_then_wait_for_the_other(ids):
                got = claim(ids)
                with lock:
                    claimed.append(desktop)
                    if len(claimed) == 2:
                        both_claimed.set()
                return got

            claims.claim = claim_then_wait_for_the_other
            return claims
        return make

    # No probe ends before both runs have claimed: so neither run can finish (and release) first.
    adapters = {d: FakeAdapter(delay=0.002, on_probe=lambda _email: both_claimed.wait(30))
                for d in (ALEX, BEA)}
    outcome: dict = {}
    errors = []

    def desktop(who):
        try:
            with open_desktop[who]() as own:
                outcome[who] = check(own, store, {"exchange": adapters[who]}, concurrency=3, resume=False,
                                     claims=claims_for(who), region_id="us")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=desktop, args=(who,)) for who in (ALEX, BEA)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    probes = Counter(email for a in adapters.values() for _, email in a.calls)
    assert set(probes) == everyone and set(probes.values()) == {1}
    for me, other in ((ALEX, BEA), (BEA, ALEX)):
        plan, summary = outcome[me]
        mine = len(adapters[me].calls)
        assert summary.total == mine and plan.skipped_by_claim == 60 - mine
        if plan.claimed_elsewhere:
            assert [h.who for h in plan.claimed_elsewhere] == ["@".join(other)]
    assert _claims_left(registry) == []   # both released at the end


def test_a_run_skips_what_another_live_run_holds_and_says_by_whom(registry, store):
    populate(registry, store, 12)
    ids = [p.id for p in registry.list_profiles()]
    other = RunClaims(registry, "run-alex", desktop=ALEX)
    other.claim(ids[:5])          # alex's run is still going (its lease runs until now + 2 minutes)
    adapter = FakeAdapter()
    plan, summary = check(registry, store, {"exchange": adapter}, resume=False)
    assert sorted(e for _, e in adapter.calls) == sorted(p.email for p in registry.profiles_by_ids(ids[5:]))
    assert plan.skipped_by_claim == 5 and summary.total == 7
    (holder,) = plan.claimed_elsewhere
    assert (holder.who, holder.profiles) == ("alex@helpdesk-07", 5)
    assert sorted(_claims_left(registry)) == sorted((i, "run-alex") for i in ids[:5])   # untouched


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(registry, store):
    populate(registry, store, 4)
    ids = [p.id for p in registry.list_profiles()]
    crashed = RunClaims(registry, "run-crashed", desktop=ALEX, now=lambda: T0)
    assert crashed.claim(ids)[0] == set(ids)          # then the desktop crashes: never released
    early = RunClaims(registry, "run-early", desktop=BEA, now=lambda: T0 + CLAIM_LEASE - timedelta(seconds=1))
    got, held = early.claim(ids)
    assert got == set() and held == [ClaimHolder("alex", "helpdesk-07", "2026-12-03T14:02:30Z", 4)]
    late = RunClaims(registry, "run-late", desktop=BEA, now=lambda: T0 + CLAIM_LEASE)
    got, held = late.claim(ids)
    assert got == set(ids) and held == []
    assert {run for _, run in _claims_left(registry)} == {"run-late"}


def test_check_all_takes_over_the_claims_of_a_run_that_crashed_long_ago(registry, store):
    populate(registry, store, 6)
    ids = [p.id for p in registry.list_profiles()]
    RunClaims(registry, "run-crashed", desktop=ALEX, now=lambda: T0 - timedelta(hours=1)).claim(ids)
    adapter = FakeAdapter()
    plan, summary = check(registry, store, {"exchange": adapter}, resume=False)
    assert len(adapter.calls) == 6 and plan.skipped_by_claim == 0 and summary.counts["linked"] == 6
    assert _claims_left(registry) == []


def test_a_run_renews_its_lease_while_it_runs(registry, store):
    populate(registry, store, 3)
    clock = [T0]
    renewals = []

    def make(reg, run_id):
        claims = RunClaims(reg, run_id, renew_every=0.0, now=lambda: clock[0])
        renew = claims.renew

        def counted():
            renew()
            renewals.append(reg._conn.execute(f"SELECT DISTINCT expires_at FROM {CHECK_CLAIMS_TABLE}")
                            .fetchall())
        claims.renew = counted
        return claims

    def later(_email):
        clock[0] = T0 + timedelta(minutes=5)

    check(registry, store, {"exchange": FakeAdapter(delay=0.05, on_probe=later)}, concurrency=1,
          resume=False, claims=make)
    assert renewals, "the lease was never renewed"
    assert [("2026-12-03T14:09:30Z",)] in renewals      # five minutes later, plus the two-minute lease
    assert _claims_left(registry) == []


def test_a_cancelled_run_releases_its_claims(registry, store):
    populate(registry, store, 30)
    token = CancelToken()
    adapter = FakeAdapter(delay=0.01)
    plan, summary = check(registry, store, {"exchange": adapter}, concurrency=1, resume=False, cancel=token,
                          on_result=lambda _result: token.cancel())
    assert summary.cancelled and summary.not_done > 0
    assert _claims_left(registry) == []


def test_a_run_that_fails_releases_its_claims(registry, store, monkeypatch):
    populate(registry, store, 5)

    def broken(self, registry, job, outcome):
        raise RuntimeError("disk full")

    monkeypatch.setattr("ec_console.dashboard.ProfileRecorder.record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        check(registry, store, {"exchange": FakeAdapter()}, resume=False)
    assert _claims_left(registry) == []


def test_the_skipped_line_names_who_holds_them_and_since_when():
    one = ClaimHolder("alex", "helpdesk-07", "2026-12-03T14:02:51Z", 412)
    assert skipped_text([one]) == "412 profiles skipped: being checked by alex@helpdesk-07 since 14:02 UTC"
    two = [one, ClaimHolder("bea", "desk-2", "2026-12-03T09:15:00Z", 1)]
    assert skipped_text(two) == ("413 profiles skipped: 412 being checked by alex@helpdesk-07 since "
                                 "14:02 UTC; 1 being checked by bea@desk-2 since 09:15 UTC")
    assert skipped_text([ClaimHolder("bea", "desk-2", "2026-12-03T09:15:00Z", 1)]) == \
        "1 profile skipped: being checked by bea@desk-2 since 09:15 UTC"
    assert skipped_text([]) == ""


def test_check_all_without_other_runs_reports_no_claims(registry, store):
    populate(registry, store, 3)
    plan, _summary = checkall.check_all(registry, store=store, adapters={"exchange": FakeAdapter()},
                                        resume=False)
    assert plan.claimed_elsewhere == () and plan.skipped_by_claim == 0


def test_a_run_killed_on_this_desktop_does_not_hold_the_next_run_here_for_its_lease(registry, store):
    import subprocess
    import sys

    populate(registry, store, 4)
    ids = [p.id for p in registry.list_profiles()]
    here = ("ops", "desk-1")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    dead_pid = int(ended.stdout)
    RunClaims(registry, "run-killed", desktop=here, pid=dead_pid).claim(ids)
    live_elsewhere = RunClaims(registry, "run-live", desktop=here, pid=dead_pid, alive=lambda _pid: True)
    assert live_elsewhere.claim(ids)[0] == set()        # while its process runs, the claims stand
    got, held = RunClaims(registry, "run-next", desktop=here).claim(ids)
    assert got == set(ids) and held == []
    assert {run for _, run in _claims_left(registry)} == {"run-next"}


def test_process_alive_tells_a_running_process_from_an_ended_one():
    import os
    import subprocess
    import sys

    from ec_console.registry_claims import process_alive

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    assert process_alive(os.getpid())
    assert not process_alive(int(ended.stdout))


class _PgRegistry:
    """Just enough of the registry interface over a PostgreSQL connection (`transaction()` yielding a
    connection that takes `?` placeholders), until `Registry` itself runs on both engines."""

    class _Conn:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, params=()):
            return self._conn.execute(sql.replace("?", "%s"), params)

    def __init__(self, conn):
        self.conn = conn

    def transaction(self):
        from contextlib import contextmanager

        @contextmanager
        def unit():
            with self.conn.transaction():
                yield self._Conn(self.conn)
        return unit()


def test_claims_work_the_same_on_postgresql_for_a_helpdesk_login(pg_cluster, pg_registry, pg_logins):
    from ec_console import registry_pg as pg

    with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as owner:
        app = owner.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                            "VALUES ('A', 'exchange', 'contoso.com', 'x', 'x') RETURNING id").fetchone()[0]
        ids = [r[0] for r in owner.execute(
            "INSERT INTO profiles (application_id, email, created_at, updated_at) SELECT %s, 'u' || g, 'x', "
            "'x' FROM generate_series(1, 12) g RETURNING id", (app,))]
    with pg_logins("helpdesk") as hank, pg_logins("admin") as alice:
        crashed = RunClaims(_PgRegistry(alice), "run-alice", desktop=ALEX, now=lambda: T0)
        assert crashed.claim(ids[:4])[0] == set(ids[:4])
        live = RunClaims(_PgRegistry(hank), "run-hank", desktop=BEA, batch=5,
                         now=lambda: T0 + timedelta(seconds=30))
        got, held = live.claim(ids)
        assert got == set(ids[4:]) and held == [ClaimHolder("alex", "helpdesk-07", "2026-12-03T14:02:30Z", 4)]
        later = RunClaims(_PgRegistry(hank), "run-hank-2", desktop=BEA, now=lambda: T0 + CLAIM_LEASE)
        assert later.claim(ids[:4])[0] == set(ids[:4])          # alice's lapsed lease taken over
        db_users = dict(hank.execute(f"SELECT run_id, db_user FROM {CHECK_CLAIMS_TABLE} "
                                     "GROUP BY run_id, db_user").fetchall())
        live.renew()
        assert live.release() and later.release()
        left = hank.execute(f"SELECT count(*) FROM {CHECK_CLAIMS_TABLE}").fetchone()[0]
    assert db_users == {"run-hank": pg_logins.names["helpdesk"], "run-hank-2": pg_logins.names["helpdesk"]}
    assert left == 0
