"""Live updates on a PostgreSQL registry (schema 13's notifications and `registry_live.Listener`).

Against the real throwaway cluster (conftest.py `pg_cluster`, `pg_registry`, `pg_logins`): a change
committed on one connection reaches a listener on another; a bulk statement sends one notification; the
helpdesk's writes still work (and notify); a terminated backend is said ("lost") and healed
("reconnected", then "refresh everything"); `stop()` ends the thread. Waits are generous and never
asserted as timings.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import time

import psycopg
import pytest

from ec_console import registry_live as live
from ec_console import registry_pg as pg
from ec_console.registry import CHECK_CLAIMS_TABLE, CHECK_CLAIMS_VERSION, Registry, migrate

NOW = "2026-12-03T10:00:00Z"
WAIT = 30.0   # generous: the machine is shared


def _app(conn, name: str = "Contoso EWS") -> int:
    return conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                        "VALUES (%s, 'exchange', 'contoso.com', %s, %s) RETURNING id",
                        (name, NOW, NOW)).fetchone()[0]


def _profiles(conn, app: int, count: int) -> None:
    conn.execute("INSERT INTO profiles (application_id, email, created_at, updated_at, email_key) "
                 "SELECT %s, 'user' || g || '@contoso.com', %s, %s, 'user' || g || '@contoso.com' "
                 "FROM generate_series(1, %s) g", (app, NOW, NOW, count))


def _raw_listener(url: str):
    conn = pg.connect(url, autocommit=True)
    conn.execute(f"LISTEN {pg.NOTIFY_CHANNEL}")
    return conn


def _drain(conn, quiet: float = 1.0) -> list[dict]:
    """Every notification waiting, until none has come for `quiet` seconds."""
    got = []
    while True:
        batch = [json.loads(n.payload) for n in conn.notifies(timeout=quiet)]
        if not batch:
            return got
        got += batch


class _Calls:
    def __init__(self) -> None:
        self.changes: queue.Queue[str] = queue.Queue()
        self.states: queue.Queue[str] = queue.Queue()

    def next_change(self) -> str:
        return self.changes.get(timeout=WAIT)

    def next_state(self) -> str:
        return self.states.get(timeout=WAIT)

    def changes_until(self, wanted: str) -> list[str]:
        seen = []
        while wanted not in seen:
            seen.append(self.next_change())
        return seen


@pytest.fixture
def listening(pg_cluster, pg_registry):
    calls = _Calls()
    listener = live.Listener(pg_cluster.url(pg_registry), calls.changes.put, calls.states.put,
                             backoff=(0.2, 1.0))
    listener.start()
    try:
        assert calls.next_state() == live.STATE_CONNECTED
        yield listener, calls
    finally:
        listener.stop()
    assert not listener.running


# ---------------------------------------------------------------------------------------------- schema

def test_sqlite_registry_gains_the_claims_table_at_its_schema_version(tmp_path):
    path = tmp_path / "registry.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, CHECK_CLAIMS_VERSION - 1) == CHECK_CLAIMS_VERSION - 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = ?", (CHECK_CLAIMS_TABLE,)).fetchone() \
        is None
    conn.close()
    with Registry(path) as registry:
        columns = [r[1] for r in registry._conn.execute(f"PRAGMA table_info({CHECK_CLAIMS_TABLE})")]
    assert columns == ["profile_id", "run_id", "os_user", "host", "pid", "db_user", "claimed_at",
                       "expires_at"]


def test_a_committed_change_is_notified_once_per_statement_with_its_ids(pg_cluster, pg_registry):
    url = pg_cluster.url(pg_registry)
    listener = _raw_listener(url)
    with pg.connect(url, autocommit=True) as writer:
        app = _app(writer)
        first = _drain(listener)
        with writer.transaction():
            _profiles(writer, app, 3)
            assert _drain(listener, quiet=0.5) == []          # nothing before COMMIT
    got = _drain(listener)
    listener.close()
    assert first == [{"table": "applications", "op": "insert", "n": 1, "ids": [app]}]
    assert got == [{"table": "profiles", "op": "insert", "n": 3, "ids": got[0]["ids"]}]
    assert len(got[0]["ids"]) == 3


def test_a_bulk_link_of_ten_thousand_profiles_sends_one_small_notification(pg_cluster, pg_registry):
    url = pg_cluster.url(pg_registry)
    with pg.connect(url, autocommit=True) as writer:
        app = _app(writer)
        listener = _raw_listener(url)
        _profiles(writer, app, 10_000)
        got = _drain(listener)
        # many statements on one table in one transaction: a bounded number of notifications
        with writer.transaction():
            for n in range(200):
                writer.execute("UPDATE profiles SET display_name = %s WHERE email_key = %s",
                               (f"User {n}", f"user{n + 1}@contoso.com"))
        many = _drain(listener)
        listener.close()
    assert got == [{"table": "profiles", "op": "insert", "n": 10_000, "ids": None}]
    assert 1 < len(many) <= pg.NOTIFY_PER_TRANSACTION + 1
    assert many[-1] == {"table": "profiles", "op": "update", "many": True}
    assert all(len(json.dumps(payload)) < 8000 for payload in got + many)


def test_a_rolled_back_change_sends_nothing(pg_cluster, pg_registry):
    url = pg_cluster.url(pg_registry)
    listener = _raw_listener(url)
    with pg.connect(url) as writer:
        _app(writer)
        writer.rollback()
    assert _drain(listener) == []
    listener.close()


def test_the_helpdesk_still_records_checks_and_claims_and_its_writes_notify(pg_cluster, pg_registry,
                                                                           pg_logins):
    url = pg_cluster.url(pg_registry)
    with pg.connect(url, autocommit=True) as owner:
        app = _app(owner)
        _profiles(owner, app, 2)
        profile = owner.execute("SELECT min(id) FROM profiles").fetchone()[0]
    listener = _raw_listener(url)
    with pg_logins("helpdesk") as helpdesk:
        helpdesk.execute("UPDATE profiles SET last_checked_at = %s, last_result = 'pass' WHERE id = %s",
                         (NOW, profile))
        helpdesk.execute("INSERT INTO checks (profile_id, application_id, kind, result, created_at) "
                         "VALUES (%s, %s, 'check', 'pass', %s)", (profile, app, NOW))
        helpdesk.execute(f"INSERT INTO {CHECK_CLAIMS_TABLE} (profile_id, run_id, os_user, host, db_user, "
                         "claimed_at, expires_at) VALUES (%s, 'run-1', 'hank', 'desk-7', 'someone-else', "
                         "%s, %s)", (profile, NOW, NOW))
        db_user = helpdesk.execute(f"SELECT db_user FROM {CHECK_CLAIMS_TABLE}").fetchone()[0]
        helpdesk.execute(f"UPDATE {CHECK_CLAIMS_TABLE} SET expires_at = %s WHERE run_id = 'run-1'", (NOW,))
        helpdesk.execute(f"DELETE FROM {CHECK_CLAIMS_TABLE} WHERE run_id = 'run-1'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            helpdesk.execute("DELETE FROM profiles WHERE id = %s", (profile,))
    got = _drain(listener)
    listener.close()
    assert db_user == pg_logins.names["helpdesk"]   # the server's login, not what the client sent
    assert [(p["table"], p["op"], p["ids"]) for p in got] == [("profiles", "update", [profile]),
                                                             ("checks", "insert", got[1]["ids"])]


# -------------------------------------------------------------------------------------------- Listener

def test_a_change_on_another_connection_reaches_the_listener(pg_cluster, pg_registry, listening):
    listener, calls = listening
    with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as writer:
        app = _app(writer)
        _profiles(writer, app, 5)
        writer.execute("INSERT INTO audit (at, os_user, action, subject) VALUES (%s, 'alice', "
                       "'profile_linked', 'x')", (NOW,))
    seen = calls.changes_until("audit")
    assert {"applications", "profiles", "audit"} <= set(seen)
    assert live.EVERYTHING not in seen


def test_a_burst_of_changes_to_one_table_is_one_callback(pg_cluster, pg_registry):
    calls = _Calls()
    # A window long enough that the whole burst lands inside it even on a loaded machine.
    listener = live.Listener(pg_cluster.url(pg_registry), calls.changes.put, calls.states.put, window=3.0)
    listener.start()
    try:
        assert calls.next_state() == live.STATE_CONNECTED
        with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as writer, writer.transaction():
            for n in range(20):    # twenty notifications, delivered together at COMMIT
                _app(writer, f"Application {n}")
        assert calls.next_change() == "applications"
        with pytest.raises(queue.Empty):
            calls.changes.get(timeout=4.0)
    finally:
        listener.stop()
    assert not listener.running


def test_a_terminated_connection_is_said_then_healed_and_everything_refreshed(pg_cluster, pg_registry,
                                                                             listening):
    listener, calls = listening
    pid = listener.backend_pid
    assert pid is not None
    with pg_cluster.connect() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    state = calls.next_state()
    assert state == "lost: the database server closed the connection"
    assert calls.next_state() == live.STATE_RECONNECTED
    assert calls.next_change() == live.EVERYTHING
    assert listener.backend_pid not in (None, pid)
    with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as writer:
        _app(writer)
    assert calls.changes_until("applications")[-1] == "applications"


def test_a_network_gone_silent_is_noticed_by_an_unanswered_ping_then_healed(pg_cluster, pg_registry):
    """A firewall dropping packets resets nothing: the listener's ping goes unanswered, the connection is
    cut and said lost in plain words; once packets flow again it reconnects and asks for a full refresh."""
    from pg_cluster import SilentProxy

    proxy = SilentProxy(pg_cluster)
    calls = _Calls()
    listener = live.Listener(proxy.url(pg_registry), calls.changes.put, calls.states.put, backoff=(0.2, 1.0),
                             ping_every=0.3, ping_timeout=1.0)
    listener.start()
    try:
        assert calls.next_state() == live.STATE_CONNECTED
        proxy.pause()
        assert calls.next_state() == f"{live.STATE_LOST}: {live.SILENT_REASON}"
        proxy.resume()
        state = calls.next_state()
        while state.startswith(live.STATE_LOST):   # a reconnection tried before the proxy resumed
            state = calls.next_state()
        assert state == live.STATE_RECONNECTED
        assert calls.next_change() == live.EVERYTHING
    finally:
        listener.stop()
        proxy.resume()
        proxy.close()
    assert not listener.running


def test_an_unreachable_server_is_said_and_retried_until_stopped(pg_cluster):
    calls = _Calls()
    listener = live.Listener(pg_cluster.url("no_such_database"), calls.changes.put, calls.states.put,
                             backoff=(0.1, 0.2))
    listener.start()
    try:
        state = calls.next_state()
    finally:
        listener.stop()
    assert not listener.running
    assert state == "lost: the PostgreSQL server has no database 'no_such_database' " \
                    f"({pg.parse_url(pg_cluster.url('no_such_database')).where})"
    assert calls.states.empty()   # said once, not at every retry


def test_stop_ends_the_thread_and_closes_the_connection(pg_cluster, pg_registry):
    calls = _Calls()
    listener = live.Listener(pg_cluster.url(pg_registry), calls.changes.put, calls.states.put)
    listener.start()
    assert calls.next_state() == live.STATE_CONNECTED
    pid = listener.backend_pid
    listener.stop()
    assert not listener.running
    with pg_cluster.connect() as admin:
        deadline = time.monotonic() + WAIT
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the listener's connection stayed open"
            time.sleep(0.1)


def test_lost_reasons_are_plain_words():
    assert live.lost_reason(psycopg.OperationalError("consuming input failed: server closed the connection "
                                                     "unexpectedly")) \
        == "the database server closed the connection"
    assert live.lost_reason(psycopg.OperationalError("FATAL: terminating connection due to administrator "
                                                     "command")) == "the database server ended the connection"
    assert live.lost_reason(psycopg.OperationalError("FATAL: the database system is shutting down")) \
        == "the database server is restarting"
