"""No lost updates between two consoles: applications and profiles carry a version the database bumps on
every update; an action a person decided on what they saw is refused (ChangedElsewhere) when another console
changed the row in between. Two Registry objects on one SQLite file are the two consoles; on PostgreSQL two
connections."""

from __future__ import annotations

import json
import sqlite3

import pytest
from cli_run import run
from pg_cluster import seed_one_profile

from ec_console import dashboard
from ec_console import registry_pg as pg
from ec_console.errors import ExitStatus
from ec_console.registry import (
    DECISION_VERSIONS_VERSION,
    ROW_VERSIONS_VERSION,
    SCHEMA_VERSION,
    ChangedElsewhere,
    Registry,
    migrate,
)

NOW = "2026-01-01T00:00:00Z"


@pytest.fixture
def consoles():
    """Two consoles on one region's registry file, and the application and profile they both see."""
    with Registry.for_region("us") as first, Registry.for_region("us") as second:
        app = first.add_application("Contoso EWS", "exchange", "contoso.com", {"ews_url": "https://x/ews"})
        profile = first.add_profile(app.id, "ann@contoso.com", "Ann")
        yield first, second, app, profile


def test_a_decision_moves_the_version_a_check_result_does_not(consoles):
    first, second, app, profile = consoles
    before = profile.version
    checked = first.record_profile_check(profile.id, result="fail", diagnosis="mailbox_gone")
    assert checked.last_result == "fail" and checked.version == before          # what a check found
    assert first.set_profile_status(profile.id, "needs_relink").version == before + 1
    assert second.get_profile(profile.id).version == before + 1       # the other console reads it too
    flipped = first.record_profile_check(profile.id, result="pass", status="linked")
    assert flipped.status == "linked" and flipped.version == before + 2   # a check's status change counts
    assert first.record_profile_check(profile.id, result="pass", status="linked").version == before + 2
    assert first.update_profile(profile.id, display_name="Ann Archer").version == before + 3
    assert first.update_application(app.id, health="ews_blocked").version == app.version
    assert first.update_application(app.id, settings={"ews_url": "https://y/ews"}).version == app.version + 1
    renamed = first.rename_application(app.id, "CONTOSO EWS")                # a change of case is a change
    assert renamed.version == app.version + 2
    assert first.get_application(app.id).version == app.version + 2


@pytest.fixture(params=["sqlite", "postgresql"])
def two_consoles(request):
    """Two consoles on one registry, on either engine: two Registry objects on region us's file, or two
    connections to a fresh PostgreSQL registry; and the application and profile they both see."""
    if request.param == "sqlite":
        opened = [Registry.for_region("us"), Registry.for_region("us")]
    else:
        url = request.getfixturevalue("pg_cluster").url(request.getfixturevalue("pg_registry"))
        opened = [Registry(url), Registry(url)]
    first, second = opened
    try:
        app = first.add_application("Contoso EWS", "exchange", "contoso.com", {"ews_url": "https://x/ews"})
        profile = first.add_profile(app.id, "ann@contoso.com", "Ann")
        yield first, second, app, profile
    finally:
        for registry in opened:
            registry.close()


def test_a_check_recorded_by_another_console_does_not_make_a_revoke_here_fail(two_consoles):
    here, elsewhere, app, profile = two_consoles
    seen = {profile.id: here.get_profile(profile.id).version}
    elsewhere.record_profile_check(profile.id, result="fail", diagnosis="ews_unreachable")   # check all there
    elsewhere.update_application(app.id, health="ews_unreachable")
    [result] = dashboard.revoke_profiles(here, [profile.id], seen=seen)
    assert result.changed and here.get_profile(profile.id).status == "revoked"


def test_a_status_change_by_another_console_still_makes_a_revoke_here_fail(two_consoles):
    here, elsewhere, _app, profile = two_consoles
    seen = {profile.id: here.get_profile(profile.id).version}
    elsewhere.record_profile_check(profile.id, result="fail", diagnosis="mailbox_gone", status="needs_relink")
    with pytest.raises(ChangedElsewhere) as refused:
        dashboard.revoke_profiles(here, [profile.id], seen=seen)
    assert refused.value.now == "needs_relink"
    assert here.get_profile(profile.id).status == "needs_relink"


def test_an_older_registry_keeps_its_versions_and_guards_only_decisions(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, DECISION_VERSIONS_VERSION - 1)
    conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                 "VALUES ('Old', 'exchange', 'o.com', ?, ?)", (NOW, NOW))
    conn.execute("UPDATE applications SET health = 'ews_blocked'")
    assert conn.execute("SELECT version FROM applications").fetchone() == (2,)   # schema 14: every update
    assert migrate(conn) == SCHEMA_VERSION
    conn.execute("UPDATE applications SET health = NULL, updated_at = 'x'")
    assert conn.execute("SELECT version FROM applications").fetchone() == (2,)
    conn.execute("UPDATE applications SET status = 'revoked'")
    assert conn.execute("SELECT version FROM applications").fetchone() == (3,)
    assert migrate(conn) == SCHEMA_VERSION          # again: nothing to do
    conn.close()


def test_a_revoke_on_what_was_seen_is_refused_after_another_console_changed_it(consoles):
    first, second, app, profile = consoles
    seen = {profile.id: first.get_profile(profile.id).version}
    dashboard.revoke_profiles(second, [profile.id])                   # the other console revokes first
    with pytest.raises(ChangedElsewhere) as refused:
        dashboard.revoke_profiles(first, [profile.id], seen=seen)
    assert refused.value.now == "revoked" and refused.value.what == "profile"
    assert "ann@contoso.com" in refused.value.message and "nothing was done" in refused.value.message
    assert refused.value.exit_status == ExitStatus.STEP_FAILED
    assert [e.action for e in first.audit_entries()] == ["profile_revoked"]   # one revoke, not two


def test_the_conditional_update_itself_refuses_a_stale_version(consoles):
    """The race the up-front check cannot see: the row changes between the read and the UPDATE."""
    first, second, app, profile = consoles
    stale = profile.version
    second.set_profile_status(profile.id, "needs_relink")
    with pytest.raises(ChangedElsewhere):
        first.set_profile_status(profile.id, "revoked", version=stale)
    assert first.get_profile(profile.id).status == "needs_relink"
    with pytest.raises(ChangedElsewhere):
        first.update_application(app.id, status="revoked", version=app.version + 100)
    current = first.get_application(app.id)
    assert first.update_application(app.id, status="revoked", version=current.version).status == "revoked"


def test_a_revoke_on_the_current_version_goes_through(consoles):
    first, _second, _app, profile = consoles
    [result] = dashboard.revoke_profiles(first, [profile.id], seen={profile.id: profile.version})
    assert result.changed and result.profile.status == "revoked"


def test_an_application_revoke_decided_before_another_console_changed_it_changes_nothing(consoles, store):
    from ec_console.secrets import secret_key

    first, second, app, _profile = consoles
    key = secret_key("us", app.name, "password")
    store.set(key, "s3cret-for-the-test")
    revocation = dashboard.ApplicationRevocation(first, app, region_id="us", store=store)
    revocation.skip_verification()
    second.update_application(app.id, settings={"ews_url": "https://y/ews"})   # the other console edits it
    with pytest.raises(ChangedElsewhere) as refused:
        revocation.complete()
    assert refused.value.what == "application" and refused.value.now == "active"
    assert first.get_application(app.id).status == "active"
    assert store.get(key) == "s3cret-for-the-test"                  # the secret is kept too
    assert [p.status for p in first.list_profiles()] == ["linked"]
    fresh = dashboard.ApplicationRevocation(first, app.name, region_id="us", store=store)
    fresh.skip_verification()
    assert fresh.complete().status == "revoked"                      # decided again on what is there now
    assert store.get(key) is None                                     # (the key the revoke deletes)


def test_the_command_line_ends_with_exit_1_when_another_console_changed_the_profile(consoles, capsys,
                                                                                     monkeypatch):
    first, second, _app, profile = consoles
    real = dashboard.revoke_profiles

    def other_console_first(registry, ids, **kwargs):
        second.set_profile_status(profile.id, "revoked")          # lands between the read and the revoke
        return real(registry, ids, **kwargs)

    monkeypatch.setattr(dashboard, "revoke_profiles", other_console_first)
    code, out, err = run(capsys, "profiles", "revoke", "ann@contoso.com", "--region", "us", "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "changed_elsewhere"
    assert "Someone else changed the profile ann@contoso.com (now: revoked)" in err


def test_an_older_registry_gets_versions_for_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, ROW_VERSIONS_VERSION - 1)
    conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                 "VALUES ('Old', 'exchange', 'o.com', ?, ?)", (NOW, NOW))
    assert migrate(conn) == SCHEMA_VERSION
    assert conn.execute("SELECT version FROM applications").fetchone() == (1,)
    conn.execute("UPDATE applications SET domain = 'p.com'")
    assert conn.execute("SELECT version FROM applications").fetchone() == (2,)
    assert migrate(conn) == SCHEMA_VERSION          # again: nothing to do
    conn.close()


# ------------------------------------------------------------------------------------------------- PostgreSQL

def _version(conn, table: str, row: int) -> int:
    return conn.execute(f"SELECT version FROM {table} WHERE id = %s", (row,)).fetchone()[0]


def test_on_postgresql_two_consoles_cannot_lose_an_update(pg_logins):
    with pg_logins("admin") as first, pg_logins("admin") as second:
        app, profile = seed_one_profile(first, NOW)
        seen = _version(first, "profiles", profile)
        second.execute("UPDATE profiles SET status = 'revoked', updated_at = %s WHERE id = %s",
                       (NOW, profile))
        assert _version(second, "profiles", profile) == seen + 1
        stale = first.execute("UPDATE profiles SET status = 'linked', updated_at = %s "
                              "WHERE id = %s AND version = %s", (NOW, profile, seen))
        assert stale.rowcount == 0                                   # refused: nothing changed
        assert first.execute("SELECT status FROM profiles WHERE id = %s", (profile,)).fetchone() == \
            ("revoked",)
        app_seen = _version(first, "applications", app)
        first.execute("UPDATE applications SET settings = '{\"timeout\": 20}' WHERE id = %s", (app,))
        assert second.execute("UPDATE applications SET status = 'revoked' WHERE id = %s AND version = %s",
                              (app, app_seen)).rowcount == 0


def test_on_postgresql_a_helpdesk_check_moves_the_version_only_when_it_changes_the_status(pg_logins):
    with pg_logins("admin") as admin:
        app, profile = seed_one_profile(admin, NOW)
        before = _version(admin, "profiles", profile)
        app_before = _version(admin, "applications", app)
    with pg_logins("helpdesk") as helpdesk:
        assert helpdesk.execute("UPDATE profiles SET last_result = 'pass', last_checked_at = %s "
                                "WHERE id = %s", (NOW, profile)).rowcount == 1
        assert helpdesk.execute("UPDATE applications SET health = NULL WHERE id = %s", (app,)).rowcount == 1
        assert _version(helpdesk, "profiles", profile) == before
        assert _version(helpdesk, "applications", app) == app_before
        # a finding that moves the profile to needs_relink is a status change: it moves the version, with
        # no grant on the column
        assert helpdesk.execute("UPDATE profiles SET status = 'needs_relink', last_result = 'fail' "
                                "WHERE id = %s", (profile,)).rowcount == 1
    with pg_logins("admin") as admin:
        assert _version(admin, "profiles", profile) == before + 1
        # a client cannot set the version itself: the trigger decides
        admin.execute("UPDATE profiles SET version = 1000 WHERE id = %s", (profile,))
        assert _version(admin, "profiles", profile) == before + 1
        admin.execute("UPDATE profiles SET version = 1000, email = 'ann.archer@contoso.com' WHERE id = %s",
                      (profile,))
        assert _version(admin, "profiles", profile) == before + 2


def test_on_postgresql_the_schema_has_the_row_versions(pg_cluster, pg_registry):
    with pg.connect(pg_cluster.url(pg_registry)) as conn:
        assert pg.schema_version(conn) == pg.PG_SCHEMA_VERSION >= ROW_VERSIONS_VERSION
        columns = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'version' "
            "AND table_name IN ('applications', 'profiles')")}
        assert columns == {"applications", "profiles"}


def test_a_relink_decided_before_another_console_revoked_the_profile_is_refused(consoles, store):
    first, second, _app, profile = consoles
    seen = {profile.id: profile.version}
    second.set_profile_status(profile.id, "revoked")
    with pytest.raises(ChangedElsewhere) as refused:
        dashboard.relink_profiles(first, [profile.id], store=store, seen=seen)   # refused before any probe
    assert refused.value.now == "revoked"
    assert first.audit_entries() == [] and first.checks_for_profile(profile.id) == []


def test_a_scope_change_decided_before_another_console_edited_the_application_is_refused(consoles):
    from ec_console.application_edit import set_scope_group

    first, second, app, _profile = consoles
    second.update_application(app.id, settings={**app.settings, "timeout": 20})
    with pytest.raises(ChangedElsewhere):
        set_scope_group(first, app, "calendar-app@contoso.com")
    assert "scope_group" not in first.get_application(app.id).settings
    assert set_scope_group(first, first.get_application(app.id), "calendar-app@contoso.com") \
        .settings["scope_group"] == "calendar-app@contoso.com"


def test_a_rename_decided_before_another_console_edited_the_application_keeps_name_and_secret(consoles,
                                                                                             store):
    from ec_console.application_edit import rename_application
    from ec_console.secrets import secret_key

    first, second, app, _profile = consoles
    store.set(secret_key("us", app.name, "password"), "s3cret-for-the-test")
    second.update_application(app.id, settings={**app.settings, "timeout": 20})
    with pytest.raises(ChangedElsewhere):
        rename_application(first, app, "Fabrikam EWS", region_id="us", store=store)
    assert first.get_application(app.id).name == "Contoso EWS"
    assert store.get(secret_key("us", "Contoso EWS", "password")) == "s3cret-for-the-test"
    assert store.get(secret_key("us", "Fabrikam EWS", "password")) is None
