"""The maintained profile counts (`profile_counts`, kept by triggers) always equal a COUNT(*) of the
profiles, through every kind of write, and the migration that adds them back-fills an existing file."""

from __future__ import annotations

import sqlite3

import pytest

from ec_console.registry import (
    PROFILE_COUNTS_VERSION,
    PROFILE_STATUSES,
    ProfileQuery,
    Registry,
    migrate,
)


def counted(registry: Registry) -> dict[tuple[int, str], int]:
    """Profiles per (application, status) as the table holds them (the test's own COUNT(*))."""
    rows = registry._conn.execute(
        "SELECT application_id, status, COUNT(*) FROM profiles GROUP BY application_id, status")
    return {(app, status): n for app, status, n in rows}


def assert_counts_right(registry: Registry) -> None:
    truth = counted(registry)
    for app in registry.list_applications():
        assert (app.linked_count, app.needs_relink_count, app.revoked_count) == tuple(
            truth.get((app.id, status), 0) for status in PROFILE_STATUSES), app.name
        per_status = registry.status_counts(application_id=app.id)
        assert per_status == {s: truth.get((app.id, s), 0) for s in PROFILE_STATUSES}
        assert registry.count_profiles(ProfileQuery(application_id=app.id)) == sum(per_status.values())
    totals = {s: sum(n for (_, status), n in truth.items() if status == s) for s in PROFILE_STATUSES}
    assert registry.status_counts() == totals
    assert registry.count_profiles() == sum(truth.values())
    for status in PROFILE_STATUSES:
        assert registry.count_profiles(ProfileQuery(status=status)) == totals[status]


@pytest.fixture
def registry(any_registry):
    """The registry on each engine (SQLite, PostgreSQL): the counts are kept by triggers on both."""
    return any_registry


def index_names(registry: Registry) -> set[str]:
    sql = ("SELECT name FROM sqlite_master WHERE type = 'index'" if registry.engine == "sqlite"
           else "SELECT indexname FROM pg_indexes WHERE tablename = 'profiles'")
    return {r[0] for r in registry._conn.execute(sql)}


def test_counts_follow_link_revoke_relink_checks_and_removal(registry):
    rooms = registry.add_application("Room booking", "exchange", "contoso.com")
    sched = registry.add_application("Scheduler", "google", "fabrikam.example")
    assert_counts_right(registry)

    alice = registry.add_profile(rooms.id, "alice@contoso.com", "Alice")                         # link
    registry.add_profiles(rooms.id, [(f"u{n}@contoso.com", f"User {n}") for n in range(40)])   # bulk link
    registry.add_profiles(sched.id, [(f"g{n}@fabrikam.example", "") for n in range(15)],
                          status="needs_relink")
    registry.add_profiles(rooms.id, [("u1@contoso.com", "again"), ("new@contoso.com", "")],
                          skip_existing=True)
    assert_counts_right(registry)

    ids = [p.id for p in registry.list_profiles(ProfileQuery(application_id=rooms.id), limit=10)]
    assert registry.set_profiles_status(ids, "revoked") == 10                                  # revoke
    assert_counts_right(registry)
    registry.set_profiles_status(ids[:4], "linked")                                           # relink
    registry.update_profile(alice.id, status="needs_relink", display_name="Alice A.")
    assert_counts_right(registry)

    registry.record_profile_check(alice.id, result="pass", status="linked")                  # status back
    registry.record_profile_check(ids[5], result="fail", diagnosis="mailbox_not_found", status="needs_relink")
    registry.record_profile_check(ids[6], result="warn")                      # no status change
    assert_counts_right(registry)

    with pytest.raises(registry.integrity_error), registry.transaction() as conn:             # undone with it
        conn.execute("UPDATE profiles SET status = 'revoked' WHERE application_id = ?", (sched.id,))
        conn.execute("INSERT INTO profiles (application_id, email, status, created_at, updated_at)"
                      " VALUES (?, 'u2@contoso.com', 'linked', 'x', 'x')", (rooms.id,))
    assert_counts_right(registry)

    registry.update_application(sched.id, status="revoked")
    registry.set_application_profiles_status(sched.id, "revoked")                           # revoke an app
    assert_counts_right(registry)
    registry.delete_application(sched.id)                                                     # removal
    assert_counts_right(registry)
    assert registry._conn.execute("SELECT COUNT(*) FROM profile_counts WHERE application_id = ?",
                                  (sched.id,)).fetchone()[0] == 0


def test_bulk_load_validates_and_leaves_counts_indexes_and_search_right(registry):
    rooms = registry.add_application("Room booking", "exchange", "contoso.com")
    registry.add_profile(rooms.id, "first@contoso.com", "First")
    statuses = ("linked", "needs_relink", "revoked")
    rows = [(rooms.id, f"bulk{n}@contoso.com", f"Bulk Person {n}", statuses[n % 3],
             None if n % 4 else "2026-11-23T22:18:09Z", None if n % 4 else "pass", None) for n in range(300)]
    assert registry.bulk_load_profiles(rows) == 300
    assert_counts_right(registry)
    assert [p.email for p in registry.list_profiles(ProfileQuery(search="son 29"))] == [
        f"bulk{n}@contoso.com" for n in sorted(range(290, 300), key=lambda n: f"bulk{n}")
    ] + ["bulk29@contoso.com"]
    assert registry.find_profile(rooms.id, "BULK7@contoso.com").display_name == "Bulk Person 7"
    assert {"profiles_by_email", "profiles_by_name", "profiles_by_last_checked"} <= index_names(registry)
    before = registry.count_profiles()
    for bad in ([(rooms.id, "not-an-address", "", "linked", None, None, None)],
                [(rooms.id, "ok@contoso.com", "", "lost", None, None, None)],
                [(rooms.id, "ok@contoso.com", "", "linked", "yesterday", None, None)],
                [(rooms.id, "ok@contoso.com", "", "linked", None, None, None),
                 (rooms.id, "OK@contoso.com", "", "linked", None, None, None)],
                [(rooms.id + 99, "ok@contoso.com", "", "linked", None, None, None)]):
        with pytest.raises((ValueError, LookupError)):  # RegistryInputError / AlreadyExists / NotFound
            registry.bulk_load_profiles(bad)
        assert registry.count_profiles() == before                                           # nothing added
    assert_counts_right(registry)
    registry.add_profile(rooms.id, "after@contoso.com")        # the triggers are back after a bulk load
    assert_counts_right(registry)
    assert [p.email for p in registry.list_profiles(ProfileQuery(search="after@"))] == ["after@contoso.com"]


def test_the_migration_back_fills_counts_on_an_existing_file(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, PROFILE_COUNTS_VERSION - 1) == PROFILE_COUNTS_VERSION - 1
    for app_id, name in ((1, "Rooms"), (2, "Sched")):
        conn.execute("INSERT INTO applications (id, name, provider, domain, created_at, updated_at)"
                     " VALUES (?, ?, 'exchange', 'contoso.com', 'x', 'x')", (app_id, name))
    statuses = ("linked", "linked", "needs_relink", "revoked")
    for n in range(57):
        conn.execute("INSERT INTO profiles (application_id, email, status, created_at, updated_at)"
                     " VALUES (?, ?, ?, 'x', 'x')", (1 + n % 2, f"p{n}@contoso.com", statuses[n % 4]))
    conn.close()
    with Registry(path) as registry:
        assert registry.schema_version >= PROFILE_COUNTS_VERSION
        assert_counts_right(registry)
        assert sum(registry.status_counts().values()) == 57
        registry.set_application_profiles_status(1, "revoked")
        assert_counts_right(registry)
