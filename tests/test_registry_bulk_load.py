"""`Registry.bulk_load_profiles` (staged rows moved in unique-index order, indexes and the search index built
once, counts recomputed, a rollback journal for a registry without profiles) gives the registry that
row-by-row inserts give, and a load that fails or is killed half-way leaves the previous registry intact."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ec_console.registry import SEARCH_INDEX, ProfileQuery, Registry

STATUSES = ("linked", "needs_relink", "revoked")


def sample(app_ids: list[int], count: int) -> list[tuple]:
    """Rows in no particular order of email, some names and emails outside ASCII, ties in names."""
    rows = []
    for n in range(count):
        first = ("Zoë", "ada", "Émile", "Bob", "chloé")[n % 5]
        email = f"{first.lower()}.{(n * 7919) % count:05d}@example.com"
        checked = None if n % 4 == 0 else f"2026-11-{1 + n % 20:02d}T08:00:00Z"
        result = None if checked is None else ("pass", "warn", "fail")[n % 3]
        diagnosis = "mailbox_not_found" if result == "fail" else None
        rows.append((app_ids[n % len(app_ids)], email, f"{first} Person {n % 13}", STATUSES[n % 3], checked,
                     result, diagnosis))
    return rows


def make_apps(registry: Registry) -> list[int]:
    return [registry.add_application(name, provider, "example.com").id
            for name, provider in (("Rooms", "exchange"), ("Calendar sync", "google"))]


def row_by_row(registry: Registry, rows: list[tuple]) -> None:
    for app_id, email, name, status, checked, result, diagnosis in rows:
        profile = registry.add_profile(app_id, email, name, status)
        if checked is not None:
            registry.record_profile_check(profile.id, result=result, diagnosis=diagnosis, checked_at=checked)


def contents(registry: Registry) -> dict:
    conn = registry._conn  # noqa: SLF001 - the test reads the file as SQLite holds it
    return {
        "profiles": sorted(conn.execute(
            "SELECT application_id, email, display_name, status, email_key, name_key, last_checked_at,"
            " last_result, last_diagnosis FROM profiles").fetchall()),
        "counts": sorted(conn.execute("SELECT application_id, status, n FROM profile_counts WHERE n > 0")),
        "truth": sorted(conn.execute("SELECT application_id, status, COUNT(*) FROM profiles"
                                     " GROUP BY application_id, status")),
        "schema": sorted(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE"
                                      " 'sqlite_autoindex%'")),
        "searches": {needle: sorted(p.email for p in registry.list_profiles(ProfileQuery(search=needle)))
                     for needle in ("zoë", "émile", "son 1", "01@", "chloé.0", "e.com")},
        "fts_config": sorted(conn.execute(f"SELECT k, v FROM {SEARCH_INDEX}_config")),
        "integrity": conn.execute("PRAGMA integrity_check").fetchall(),
        "journal": conn.execute("PRAGMA journal_mode").fetchone(),
    }


def fts_consistent(registry: Registry) -> None:
    # FTS5's own check that the index holds exactly the content table's rows (raises when it does not).
    registry._conn.execute(  # noqa: SLF001
        f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}, rank) VALUES ('integrity-check', 1)")


@pytest.mark.parametrize("existing", [0, 25], ids=["new-registry", "registry-with-profiles"])
def test_a_bulk_load_gives_the_registry_row_by_row_inserts_give(tmp_path, existing):
    rows = sample([1, 2], 700)
    with Registry(tmp_path / "bulk.sqlite3") as bulk, Registry(tmp_path / "rows.sqlite3") as single:
        for registry in (bulk, single):
            make_apps(registry)
            row_by_row(registry, rows[:existing])
        assert bulk.bulk_load_profiles(rows[existing:]) == len(rows) - existing
        row_by_row(single, rows[existing:])
        got, want = contents(bulk), contents(single)
        assert got == want
        assert got["counts"] == got["truth"] and len(got["profiles"]) == len(rows)
        assert got["integrity"] == [("ok",)] and got["journal"] == ("wal",)
        assert dict(got["fts_config"]).get("hashsize", 2**20) == 2**20  # the load's buffer size is not kept
        fts_consistent(bulk)
        # The triggers are back: a row added afterwards is counted and found.
        bulk.add_profile(1, "after@example.com", "After Load")
        assert [p.email for p in bulk.list_profiles(ProfileQuery(search="after l"))] == ["after@example.com"]
        assert contents(bulk)["counts"] == contents(bulk)["truth"]


def test_a_load_failing_half_way_leaves_the_new_registry_as_it_was(tmp_path):
    with Registry(tmp_path / "registry.sqlite3") as registry:
        apps = make_apps(registry)
        before = contents(registry)
        rows = sample(apps, 600)
        rows[450] = (apps[0], "not an address", "", "linked", None, None, None)
        with pytest.raises(ValueError, match="not an address"):
            registry.bulk_load_profiles(rows)
        assert contents(registry) == before                      # journal mode (WAL) and schema included
        duplicate = sample(apps, 300) + [sample(apps, 300)[5]]   # caught when the rows are moved in
        with pytest.raises(ValueError, match="nothing was added"):
            registry.bulk_load_profiles(duplicate)
        assert contents(registry) == before
        assert registry.bulk_load_profiles(sample(apps, 300)) == 300  # and a good load then works
        fts_consistent(registry)


KILLED_LOAD = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[3])
    from ec_console import registry as module
    from ec_console.registry import Registry
    from test_registry_bulk_load import sample
    module._BULK_CACHE_KIB = 64  # a small page cache: the load writes to the file long before its commit
    registry = Registry(sys.argv[1])
    where, existing = sys.argv[2], int(sys.argv[4])

    def rows():
        for n, row in enumerate(sample([1, 2], 3000)[:-existing or None]):
            if where == "staging" and n == 2000:
                os._exit(9)  # killed while the rows stream in
            yield row

    def trace(sql):
        if where == "indexes" and sql.startswith("CREATE INDEX profiles_by_name"):
            os._exit(9)  # killed after the rows and the search index were written, before the indexes

    registry._conn.set_trace_callback(trace)
    registry.bulk_load_profiles(rows())
    os._exit(0)
""")


@pytest.mark.parametrize("existing", [0, 40], ids=["new-registry", "registry-with-profiles"])
@pytest.mark.parametrize("where", ["staging", "indexes"])
def test_a_load_killed_half_way_leaves_the_previous_registry_intact(tmp_path, where, existing):
    path = tmp_path / "registry.sqlite3"
    with Registry(path) as registry:
        make_apps(registry)
        row_by_row(registry, sample([1, 2], 3000)[-existing:] if existing else [])
        before = contents(registry)
    child = subprocess.run([sys.executable, "-c", KILLED_LOAD, str(path), where, str(Path(__file__).parent),
                            str(existing)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 9, child.stderr
    with Registry(path) as registry:  # an interrupted load is rolled back when the file is next opened
        assert contents(registry) == before
        fts_consistent(registry)
        assert registry.bulk_load_profiles(sample([1, 2], 3000)[:-existing or None]) == 3000 - existing
        assert registry._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)  # noqa: SLF001


def test_a_load_while_another_connection_has_the_file_open_keeps_the_wal(tmp_path):
    path = tmp_path / "registry.sqlite3"
    with Registry(path) as registry, Registry(path) as other:
        make_apps(registry)
        assert other.count_profiles() == 0  # the other connection has read the file
        assert registry.bulk_load_profiles(sample([1, 2], 200)) == 200
        assert other.count_profiles() == 200
        assert registry._conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # noqa: SLF001


def test_the_rollback_journal_is_used_only_for_a_registry_without_profiles(tmp_path):
    path = tmp_path / "registry.sqlite3"
    modes: list[str] = []
    with Registry(path) as registry:
        make_apps(registry)
        registry._conn.set_trace_callback(modes.append)  # noqa: SLF001
        registry.bulk_load_profiles(sample([1, 2], 50))
        switched = [m for m in modes if m.startswith("PRAGMA journal_mode =")]
        assert switched == ["PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = wal"]
        modes.clear()
        registry.bulk_load_profiles([(1, "more@example.com", "", "linked", None, None, None)])
        assert not [m for m in modes if m.startswith("PRAGMA journal_mode =")]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
