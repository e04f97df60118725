"""The profile table's queries answer the same on PostgreSQL as on SQLite, on the same rows.

The rows are written through the SQLite `Registry` (its validation, its search keys), copied into a
PostgreSQL registry with their ids, and every sort column, direction, search, status and application
filter and page is asked of both engines: the answers must be identical, row for row and field for field.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from ec_console import registry_pg as pg
from ec_console.registry import PROFILE_SORT_COLUMNS, ProfileQuery, Registry

# Tables in the order their references need, with the columns both engines have.
_COPY_ORDER = ("applications", "profiles", "checks", "audit")

SEARCHES = ("", "mü", "müller", "MÜLLER", "strasse", "straße", "ann", "a", "%", "_", "\\", "o_n", "zzz",
            "ärz", "contoso", "x\x01")


def _fill(registry: Registry) -> dict[str, int]:
    apps = {name: registry.add_application(name, provider, "contoso.com").id for name, provider in
            (("beta EWS", "exchange"), ("Alpha Graph", "graph"), ("gamma Google", "google"),
             ("Ärzte", "graph"))}
    people = ["Ann Müller", "Anna Mueller", "Jörg Straße", "Joerg Strasse", "Zoë Ärztin", "o_n percent%",
              "back\\slash", "", "ANN SMITH", "Ann Smith", "müller-lüdenscheidt", "Ω omega"]
    n = 0
    for app_name, app_id in apps.items():
        entries = []
        for i in range(40):
            person = people[(i + n) % len(people)]
            local = person.split(" ")[0].lower().replace("\\", "").replace("%", "") or "nobody"
            entries.append((f"{local}.{i}@{app_name.split()[0].lower()}.contoso.com", person))
        registry.add_profiles(app_id, entries)
        n += 5
    for profile_id in registry.profile_ids():
        if profile_id % 3 == 0:
            registry.record_profile_check(profile_id, result="fail", diagnosis="mailbox_gone",
                                          status="needs_relink",
                                          checked_at=f"2026-11-{profile_id % 27 + 1:02d}T08:00:00Z")
        elif profile_id % 3 == 1:
            registry.record_profile_check(profile_id, result=("pass", "warn")[profile_id % 2],
                                          checked_at=f"2026-12-{profile_id % 3 + 1:02d}T09:30:00Z")
        if profile_id % 11 == 0:
            registry.set_profile_status(profile_id, "revoked")
    return apps


def _copy(lite: sqlite3.Connection, conn) -> None:
    for table in _COPY_ORDER:
        columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
        rows = lite.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                            f"({', '.join(['%s'] * len(columns))})", rows)
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


@pytest.fixture(scope="module")
def engines(pg_cluster, tmp_path_factory):
    """The same registry on both engines: (SQLite Registry, PostgreSQL connection, application ids)."""
    name = f"ec_test_{uuid.uuid4().hex[:12]}"
    with pg_cluster.connect() as admin:
        # A database whose own collation is not byte order (ICU English: "a" before "B", punctuation
        # ignored at first): the registry's answers must not depend on it.
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                      "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
    registry = Registry(tmp_path_factory.mktemp("lite") / "registry.sqlite3")
    conn = pg.connect(pg_cluster.url(name), autocommit=True)
    try:
        pg.initialise(conn)
        apps = _fill(registry)
        _copy(registry._conn, conn)
        yield registry, conn, apps
    finally:
        conn.close()
        registry.close()
        with pg_cluster.connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_status_counts_match(engines):
    registry, conn, apps = engines
    assert pg.status_counts(conn) == registry.status_counts()
    assert sum(registry.status_counts().values()) == 160
    for app_id in apps.values():
        assert pg.status_counts(conn, application_id=app_id) == registry.status_counts(application_id=app_id)


@pytest.mark.parametrize("sort", PROFILE_SORT_COLUMNS)
@pytest.mark.parametrize("sort_matches", ["few matches sorted", "sort index walked"])
def test_every_page_of_every_query_matches(engines, sort, sort_matches, monkeypatch):
    registry, conn, apps = engines
    # Both ways PostgreSQL may read a page of a search must give SQLite's answer.
    monkeypatch.setattr(pg, "_few_matches", lambda *_args: sort_matches == "few matches sorted")
    compared = 0
    for descending in (False, True):
        for search in SEARCHES:
            for status in (None, "needs_relink"):
                for application_id in (None, apps["Alpha Graph"]):
                    query = ProfileQuery(search=search, status=status, application_id=application_id,
                                         sort=sort, descending=descending)
                    total = registry.count_profiles(query)
                    assert pg.count_profiles(conn, query) == total, query
                    for offset, limit in ((0, 200), (0, 7), (13, 9), (38, 5), (max(total - 5, 0), 10)):
                        expected = registry.profile_page(query, offset, limit, total=total)
                        assert pg.profile_page(conn, query, offset, limit) == expected, (query, offset, limit)
                        assert pg.profile_page(conn, query, offset, limit, total=total) == expected, \
                            (query, offset, limit, total)
                        compared += 1
    assert compared == 2 * len(SEARCHES) * 2 * 2 * 5


def test_the_searches_find_what_a_person_expects(engines):
    """Not only equal on both engines: right (folded case, ß = ss, LIKE characters taken literally)."""
    _registry, conn, _apps = engines
    names = {p.display_name for p in pg.profile_page(conn, ProfileQuery(search="MÜLLER"), 0, 500)}
    assert names == {"Ann Müller", "müller-lüdenscheidt"}
    assert {p.display_name for p in pg.profile_page(conn, ProfileQuery(search="strasse"), 0, 500)} == \
        {"Jörg Straße", "Joerg Strasse"}
    assert {p.display_name for p in pg.profile_page(conn, ProfileQuery(search="%"), 0, 500)} == \
        {"o_n percent%"}
