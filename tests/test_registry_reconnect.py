"""A shared registry whose connection is lost (server restart, `pg_terminate_backend`): the next read opens
it again by itself; a write cut off mid-way writes nothing and says so plainly, in the core and in the CLI.
Real throwaway cluster (tests/pg_cluster.py)."""

from __future__ import annotations

import pytest
from cli_run import run

from ec_console import dashboard
from ec_console.registry import ConnectionLost, ProfileQuery, Registry, RegistryError


def _end_every_connection(pg_cluster, dbname: str) -> int:
    """What a server restart does to the console's connections: every backend of the database is ended."""
    with pg_cluster.connect() as admin:
        ended = admin.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                              "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                              (dbname,)).fetchone()[0]
    return int(ended)


@pytest.fixture
def shared(pg_cluster, pg_registry):
    url = pg_cluster.url(pg_registry)
    with Registry(url) as registry:
        app = registry.add_application("Contoso EWS", "exchange", "contoso.com", {"ews_url": "https://x/ews"})
        profile = registry.add_profile(app.id, "ann@contoso.com", "Ann")
        yield registry, url, app, profile


def test_reads_and_the_next_action_work_again_after_the_connection_was_ended(shared, pg_cluster,
                                                                               pg_registry):
    registry, _url, app, profile = shared
    assert _end_every_connection(pg_cluster, pg_registry) >= 1
    assert [a.name for a in registry.list_applications()] == ["Contoso EWS"]    # opened again by itself
    assert registry.count_profiles() == 1
    assert _end_every_connection(pg_cluster, pg_registry) >= 1
    [result] = dashboard.revoke_profiles(registry, [profile.id], seen={profile.id: profile.version})
    assert result.changed                                  # the action's BEGIN went to a fresh connection
    assert _end_every_connection(pg_cluster, pg_registry) >= 1
    check = registry.verify_audit()
    assert check.verified and check.entries == 1
    assert _end_every_connection(pg_cluster, pg_registry) >= 1
    assert [p.email for p in registry.profile_page(ProfileQuery(), 0, 10)] \
        == ["ann@contoso.com"]
    assert registry.get_application(app.id).status == "active"


def test_a_write_cut_off_mid_way_writes_nothing_says_so_and_the_registry_works_after(shared, pg_cluster,
                                                                                       pg_registry):
    registry, url, app, profile = shared
    with pytest.raises(ConnectionLost) as lost:
        with registry.transaction():
            registry.set_profile_status(profile.id, "revoked")
            _end_every_connection(pg_cluster, pg_registry)
            registry.audit("profile_revoked", profile.email, "by the test")
    assert isinstance(lost.value, RegistryError) and lost.value.exit_status == 1
    assert lost.value.message.startswith("The connection to the registry at ")
    assert "Nothing more was written" in lost.value.message and "Traceback" not in lost.value.message
    with Registry(url) as other:
        assert other.get_profile(profile.id).status == "linked"       # the server rolled it back
        assert other.audit_entries() == []
    assert registry.get_profile(profile.id).status == "linked"         # and this registry works again


def test_a_write_is_never_sent_twice_on_a_fresh_connection(shared, pg_cluster, pg_registry):
    registry, _url, _app, profile = shared
    registry.get_profile(profile.id)
    registry._conn.raw.close()        # the connection is known to be gone, outside any unit of work
    with pytest.raises(ConnectionLost):
        registry._conn.execute("UPDATE profiles SET status = 'revoked' WHERE id = ?", (profile.id,))
    assert registry.get_profile(profile.id).status == "linked"         # the read opened it again


def test_a_read_while_the_server_cannot_be_reached_says_so_plainly(shared, pg_cluster, pg_registry,
                                                                  monkeypatch):
    from ec_console import registry_pg as pg

    registry, _url, _app, _profile = shared

    def unreachable(*_args, **_kwargs):
        raise pg.PgRefused("cannot reach the PostgreSQL server at the test's address: Connection refused")

    monkeypatch.setattr(pg, "connect", unreachable)
    _end_every_connection(pg_cluster, pg_registry)
    with pytest.raises(ConnectionLost) as lost:
        registry.list_applications()
    assert "was lost and cannot be opened again yet" in lost.value.message
    assert "Connection refused" in lost.value.message
    monkeypatch.undo()
    assert [a.name for a in registry.list_applications()] == ["Contoso EWS"]


def test_the_command_line_ends_with_a_plain_message_and_status_1_when_the_connection_drops(
        shared, pg_cluster, pg_registry, capsys, monkeypatch):
    registry, url, _app, profile = shared
    real = Registry.audit

    def cut_off_then_audit(self, *args, **kwargs):
        _end_every_connection(pg_cluster, pg_registry)       # the connection drops mid-way
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Registry, "audit", cut_off_then_audit)
    code, out, err = run(capsys, "profiles", "revoke", "ann@contoso.com", "--region", "us", "--registry", url)
    assert code == 1
    assert "The connection to the registry at" in err and "was lost" in err
    assert "Traceback" not in err and "Traceback" not in out
    monkeypatch.undo()
    assert registry.get_profile(profile.id).status == "linked"


def test_a_registry_opened_again_elsewhere_never_connects_on_its_own_thread(shared, pg_cluster, pg_registry,
                                                                            monkeypatch):
    """The GUI's way (`reopen_elsewhere`): after a loss, a read says "reconnecting" at once and hands the
    opening to another thread; a write meanwhile is not sent; the next read after the job uses the new
    connection."""
    import threading

    from ec_console import registry_pg

    registry, _url, app, profile = shared
    jobs: list = []
    registry.reopen_elsewhere(jobs.append)
    opened_here: list[bool] = []
    real_connect = registry_pg.connect

    def connect(*args, **kwargs):
        opened_here.append(threading.current_thread() is threading.main_thread())
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(registry_pg, "connect", connect)
    assert _end_every_connection(pg_cluster, pg_registry) >= 1
    with pytest.raises(ConnectionLost, match="Reconnecting to the registry at "):
        registry.list_applications()
    assert registry.reconnecting and len(jobs) == 1 and opened_here == []
    with pytest.raises(ConnectionLost, match="Reconnecting"):   # a second read: no second job
        registry.count_profiles()
    with pytest.raises(ConnectionLost, match="Nothing more was written|nothing more was written"):
        registry.set_profile_status(profile.id, "revoked")     # never sent on the lost connection
    assert len(jobs) == 1
    results: list = []
    worker = threading.Thread(target=lambda: results.append(jobs[0]()))
    worker.start()
    worker.join(30)
    assert results == [True] and opened_here == [False]
    assert [a.name for a in registry.list_applications()] == ["Contoso EWS"]
    assert not registry.reconnecting
    assert registry.get_profile(profile.id).status == "linked"  # the refused write was not sent
    registry.connection_lost_elsewhere()      # the listener says the network went silent: not sent on it
    assert registry.reconnecting and len(jobs) == 2
    with pytest.raises(ConnectionLost, match="Reconnecting"):
        registry.get_application(app.id)
