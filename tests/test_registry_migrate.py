"""`ec-console registry migrate --region ID --to URL`: a region's SQLite registry copied into PostgreSQL,
verified row by row, resumable, audit chain intact. Run through `cli.main` against a real cluster
(conftest.py `pg_cluster`, `pg_registry`, `pg_logins`)."""

from __future__ import annotations

import json

import psycopg
import pytest
from cli_run import run

from ec_console import cli
from ec_console import registry_copy as rc
from ec_console import registry_pg as pg
from ec_console.commands import registry as registry_command
from ec_console.registry import HealthRow, Registry
from ec_console.secrets import default_store

REGION = "us"


def migrate(capsys, url: str, *extra: str, region: str = REGION) -> tuple[int, str, str]:
    return run(capsys, "registry", "migrate", "--region", region, "--to", url, *extra)


def _fill(registry: Registry, profiles: int = 30) -> None:
    """A small registry touching every copied table, with awkward text (quotes, control characters,
    non-ASCII) and NULLs."""
    app = registry.add_application("Contoso EWS", "exchange", "contoso.com", {"url": "https://x/ews"})
    other = registry.add_application("Fabrikam Graph", "graph", "fabrikam.com")
    registry.add_profiles(app.id, [(f"user{i}@contoso.com", f"Jörg \"{i}\" Ærø") for i in range(profiles)])
    first = registry.find_profile(app.id, "user0@contoso.com")
    registry.set_profile_status(first.id, "needs_relink")
    registry.record_profile_check(first.id, result="fail", diagnosis="mailbox_gone")
    registry.record_check(kind="check", result="pass", report={"note": "tab\there"}, application_id=other.id)
    registry.audit("application_added", "Contoso EWS", "line one\nline two \u0001 ünïcode")
    registry.record_health([HealthRow("run-1", "2026-12-03T10:00:00Z", app.id, "Contoso EWS", "manual", "ok",
                                      linked=29, needs_relink=1, duration=1.25),
                            HealthRow("run-1", "2026-12-03T10:00:00Z", None, "", "manual", "ok")])
    with registry.transaction() as conn:
        rec = conn.execute("INSERT INTO reconciliations (application_id, at, operator, leaks, sample_size) "
                           "VALUES (?, '2026-12-03T10:00:00Z', 'ann', 1, 5)", (app.id,)).lastrowid
        conn.execute("INSERT INTO reconciliation_findings (reconciliation_id, email, finding) "
                     "VALUES (?, 'x@contoso.com', 'leak')", (rec,))
    registry.audit("profile_linked", "user1@contoso.com", "")


@pytest.fixture
def sqlite_registry():
    with Registry.for_region(REGION) as registry:
        _fill(registry)
    return Registry.path_for_region(REGION)


def _counts(conn) -> dict[str, int]:
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in rc.COPIED_TABLES}


def test_a_registry_is_copied_verified_and_its_audit_chain_verifies_on_postgresql(capsys, pg_cluster,
                                                                               pg_registry, sqlite_registry):
    code, out, err = migrate(capsys, pg_cluster.url(pg_registry))
    assert code == 0, err + out
    assert "Compared row by row: all" in out and "same on PostgreSQL, every column" in out
    assert "On PostgreSQL: Audit chain verified: 2 entries" in out
    with Registry(sqlite_registry) as registry, pg_cluster.connect(pg_registry) as conn:
        src = registry._conn
        expected = {t: src.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in rc.COPIED_TABLES}
        assert _counts(conn) == expected and expected["profiles"] == 30
        # Every value, checked here independently of the command's own comparison.
        for table in rc.COPIED_TABLES:
            columns = rc.sqlite_columns(src, table)
            mine = src.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()
            theirs = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()
            assert [tuple(r) for r in theirs] == mine, table
        # The counts and the audit's head as the triggers would have kept them; new rows get new ids.
        assert pg.status_counts(conn) == registry.status_counts()
        assert pg.audit_head(conn) == registry.audit_head()
        app_id = conn.execute("SELECT MIN(id) FROM applications").fetchone()[0]
        new = conn.execute("INSERT INTO profiles (application_id, email, created_at, updated_at) VALUES "
                           "(%s, 'new@contoso.com', 'x', 'x') RETURNING id", (app_id,)).fetchone()[0]
        assert new > max(r[0] for r in src.execute("SELECT id FROM profiles"))
        conn.execute("INSERT INTO audit (at, os_user, action) VALUES ('2026-12-04T00:00:00Z', 'ann', 'x')")
        assert pg.verify_audit(conn).entries == 3
        # The triggers are back on.
        assert not conn.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgrelid IN "
                                "('profiles'::regclass, 'audit'::regclass) AND tgenabled = 'D'").fetchone()[0]


def test_an_interrupted_copy_continues_where_it_stopped_without_duplicates(capsys, pg_cluster, pg_registry,
                                                                            sqlite_registry, monkeypatch):
    monkeypatch.setattr(rc, "DEFAULT_BATCH", 7)
    batches = []

    def stop_after_five(table: str, copied: int) -> None:
        batches.append((table, copied))
        if len(batches) == 5:
            raise KeyboardInterrupt

    args = cli.build_parser().parse_args(["registry", "migrate", "--region", REGION, "--to",
                                          pg_cluster.url(pg_registry)])
    with pytest.raises(rc.CopyInterrupted, match="run the same command again"):
        registry_command.run_migrate(args, after_batch=stop_after_five)
    with pg_cluster.connect(pg_registry) as conn:
        part = _counts(conn)
    assert part["applications"] == 2 and 0 < part["profiles"] < 30 and part["audit"] == 0
    code, out, err = migrate(capsys, pg_cluster.url(pg_registry), "--json")
    assert code == 0, err + out
    data = json.loads(out)
    assert data["resumed"] is True and data["verified"] is True and data["audit"]["verified"] is True
    assert data["tables"]["profiles"] == {"rows": 30, "already_there": part["profiles"],
                                          "copied": 30 - part["profiles"]}
    assert data["tables"]["applications"]["copied"] == 0
    with pg_cluster.connect(pg_registry) as conn:
        assert _counts(conn)["profiles"] == 30
        assert conn.execute("SELECT COUNT(DISTINCT id) FROM profiles").fetchone()[0] == 30
    # Run again: nothing more to copy, still verified.
    code, out, err = migrate(capsys, pg_cluster.url(pg_registry))
    assert code == 0 and "Continued copying" in out and "profiles:" in out and "0 rows copied (30 rows" in out


def test_a_difference_after_the_copy_is_named_and_exits_1(capsys, pg_cluster, pg_registry, sqlite_registry):
    url = pg_cluster.url(pg_registry)
    assert migrate(capsys, url)[0] == 0
    with Registry(sqlite_registry) as registry:  # a console changes the SQLite file afterwards
        profile = registry.find_profile(registry.find_application("Contoso EWS").id, "user5@contoso.com")
        with registry.transaction() as conn:
            conn.execute("UPDATE profiles SET status = 'revoked', updated_at = '2030-01-01T00:00:00Z' "
                         "WHERE id = ?", (profile.id,))
    with pg_cluster.connect(pg_registry) as conn:  # and someone edits a row on PostgreSQL
        first = conn.execute("SELECT MIN(id) FROM health_history").fetchone()[0]
        conn.execute("UPDATE health_history SET duration = 2.5 WHERE id = %s", (first,))
    code, out, err = migrate(capsys, url)
    assert code == 1
    assert f"profiles, entry {profile.id}: status, updated_at, version differ" in out, out
    assert f"health_history, entry {first}: duration differs" in out
    assert "2 differences" in out and "copy into a new, empty PostgreSQL registry" in out


def test_a_target_that_is_not_a_registry_is_refused(capsys, pg_cluster, pg_database, sqlite_registry):
    code, out, err = migrate(capsys, pg_cluster.url(pg_database))
    assert code == 2 and "holds no registry yet" in err and "registry init" in err and "Traceback" not in err


def test_a_target_at_an_older_schema_is_refused(capsys, pg_cluster, pg_database, sqlite_registry):
    with pg.connect(pg_cluster.url(pg_database)) as conn:
        pg.initialise(conn)
        conn.execute("UPDATE registry_meta SET schema_version = schema_version - 1")
        conn.commit()
    code, out, err = migrate(capsys, pg_cluster.url(pg_database))
    assert code == 2 and f"at schema {pg.PG_SCHEMA_VERSION - 1}" in err
    assert "run 'ec-console registry init --url URL' to upgrade it" in err


def test_a_target_holding_another_registrys_data_is_refused(capsys, pg_cluster, pg_registry, sqlite_registry,
                                                            pg_logins):
    with pg_logins("admin") as admin:
        admin.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                      "VALUES ('Theirs', 'google', 'x.com', 'x', 'x')")
    code, out, err = migrate(capsys, pg_cluster.url(pg_registry))
    assert code == 2 and "already holds data (applications is not empty)" in err
    with pg_cluster.connect(pg_registry) as conn:
        assert _counts(conn)["profiles"] == 0


def test_a_copy_of_another_sqlite_registry_is_refused(capsys, pg_cluster, pg_registry, sqlite_registry):
    url = pg_cluster.url(pg_registry)
    assert migrate(capsys, url)[0] == 0
    with Registry.for_region("de") as registry:
        _fill(registry, profiles=3)
    code, out, err = migrate(capsys, url, region="de")
    assert code == 2 and "holds a copy of another registry (region us, audit begun" in err
    assert "not of this one (region de, audit begun" in err


@pytest.mark.parametrize("role", ["helpdesk", "admin"])
def test_a_console_login_is_refused_before_any_work(capsys, pg_cluster, pg_logins, sqlite_registry, role):
    name = pg_logins.names[role]
    url = pg_cluster.url(pg_logins.dbname, name, tcp=True)
    default_store().set(pg.password_key(pg.parse_url(url), name), pg_logins.passwords[role])
    code, out, err = migrate(capsys, url)
    assert code == 2 and "the database's administrator" in err and "Traceback" not in err
    with pg_cluster.connect(pg_logins.dbname) as conn:
        assert _counts(conn)["applications"] == 0
        assert conn.execute("SELECT to_regclass('public.registry_copy')").fetchone()[0] is None


def test_a_region_without_a_registry_file_is_refused(capsys, pg_cluster, pg_registry):
    code, out, err = migrate(capsys, pg_cluster.url(pg_registry))
    assert code == 2 and "there is no registry file" in err


def test_the_comparison_names_the_rows_not_copied_yet(pg_cluster, pg_registry, sqlite_registry):
    source = rc.open_source(sqlite_registry)
    try:
        with psycopg.connect(pg_cluster.url(pg_registry), autocommit=True) as conn:
            differences, more = rc.compare(source, conn)
    finally:
        source.close()
    assert more == 0 and {d.what for d in differences} == {"missing in PostgreSQL"}


def test_a_connection_lost_mid_copy_is_said_plainly_and_the_next_run_continues(capsys, pg_cluster,
                                                                              pg_registry, sqlite_registry,
                                                                              monkeypatch):
    monkeypatch.setattr(rc, "DEFAULT_BATCH", 7)

    def server_goes_away(table: str, copied: int) -> None:
        if table == "profiles" and copied == 14:
            with pg_cluster.connect() as su:
                su.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                           "AND pid <> pg_backend_pid()", (pg_registry,))

    args = cli.build_parser().parse_args(["registry", "migrate", "--region", REGION, "--to",
                                          pg_cluster.url(pg_registry)])
    with pytest.raises(rc.CopyInterrupted, match="the copy stopped: .*run the same command again") as caught:
        registry_command.run_migrate(args, after_batch=server_goes_away)
    assert "Traceback" not in caught.value.message
    with pg_cluster.connect(pg_registry) as conn:
        assert _counts(conn)["profiles"] == 14
    code, out, err = migrate(capsys, pg_cluster.url(pg_registry))
    assert code == 0, err + out
    assert "14 rows already there" in out


def test_the_databases_owner_who_is_not_a_superuser_copies_a_registry_in(capsys, pg_cluster, pg_database,
                                                                         sqlite_registry):
    import uuid

    name = f"dba_{uuid.uuid4().hex[:8]}"
    with pg_cluster.connect() as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN CREATEROLE PASSWORD 'pw-{name}'")
        conn.execute(f'ALTER DATABASE "{pg_database}" OWNER TO {name}')
    url = pg_cluster.url(pg_database, name, tcp=True)
    default_store().set(pg.password_key(pg.parse_url(url), name), f"pw-{name}")
    try:
        assert run(capsys, "registry", "init", "--url", url)[0] == 0
        code, out, err = migrate(capsys, url, "--json")
        assert code == 0, err + out
        data = json.loads(out)
        assert data["verified"] is True and data["user"] == name
        assert data["tables"]["profiles"]["copied"] == 30 and data["audit"]["entries"] == 2
    finally:
        with pg_cluster.connect(pg_database) as conn:
            conn.execute(f"DROP OWNED BY {name}")
        with pg_cluster.connect() as conn:
            conn.execute(f'ALTER DATABASE "{pg_database}" OWNER TO postgres')
            conn.execute(f"DROP ROLE {name}")


def test_differences_and_refusals_read_german_while_the_json_stays_english(capsys, pg_cluster, pg_registry,
                                                                           sqlite_registry, monkeypatch,
                                                                           compiled_catalogs):
    url = pg_cluster.url(pg_registry)
    assert migrate(capsys, url)[0] == 0
    with pg_cluster.connect(pg_registry) as conn:   # someone edits a row on PostgreSQL after the copy
        first = conn.execute("SELECT MIN(id) FROM health_history").fetchone()[0]
        conn.execute("UPDATE health_history SET duration = 2.5 WHERE id = %s", (first,))
    outputs = []
    for language in ("C.UTF-8", "de_DE.UTF-8"):
        monkeypatch.setenv("LANG", language)
        code, out, _ = migrate(capsys, url, "--json")
        assert code == 1
        outputs.append(json.loads(out))
    assert outputs[0]["differences"] == outputs[1]["differences"] == [
        {"table": "health_history", "id": first, "what": "duration differs"}]
    code, out, _ = migrate(capsys, url)
    assert code == 1 and f"health_history, Eintrag {first}: duration weicht ab" in out, out
    with Registry.for_region("de") as registry:
        _fill(registry, profiles=3)
    code, _, err = migrate(capsys, url, region="de")
    assert code == 2 and "Kopieren Sie in ein leeres Register" in err
    assert "das Zielregister enthält die Kopie eines anderen Registers (region us, audit begun" in err
