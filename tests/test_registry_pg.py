"""The registry on PostgreSQL: the schema matches SQLite's, and the roles are enforced by the database.

Every case runs against a real throwaway cluster (conftest.py `pg_cluster`, `pg_database`); the role
cases sign in as a person's login role would (psycopg with a password, like psql), and assert that
PostgreSQL itself refuses what that role may not do.
"""

from __future__ import annotations

import sqlite3
import uuid

import psycopg
import pytest

from ec_console import registry_pg as pg
from ec_console.registry import HELPDESK_FINDINGS_VERSION, MIGRATIONS, SCHEMA_VERSION, Registry

NOW = "2026-12-03T10:00:00Z"


def _seed(conn: psycopg.Connection) -> dict[str, int]:
    """One application with one linked profile, a check and an audit entry, written as an admin."""
    app = conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                       "VALUES ('Contoso EWS', 'exchange', 'contoso.com', %s, %s) RETURNING id",
                       (NOW, NOW)).fetchone()[0]
    profile = conn.execute(
        "INSERT INTO profiles (application_id, email, display_name, created_at, updated_at, email_key, "
        "name_key) VALUES (%s, 'ann@contoso.com', 'Ann', %s, %s, 'ann@contoso.com', 'ann') RETURNING id",
        (app, NOW, NOW)).fetchone()[0]
    conn.execute("INSERT INTO checks (profile_id, application_id, kind, result, created_at) "
                 "VALUES (%s, %s, 'check', 'pass', %s)", (profile, app, NOW))
    conn.execute("INSERT INTO audit (at, os_user, action, subject) VALUES (%s, 'alice', 'profile_linked', "
                 "'ann@contoso.com')", (NOW,))
    return {"app": app, "profile": profile}


# ------------------------------------------------------------------------------------------------ schema

def _sqlite_columns(tmp_path) -> dict[str, list[str]]:
    with Registry(tmp_path / "registry.sqlite3") as registry:
        conn = registry._conn
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'profiles_search%'")]
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def test_both_engines_have_the_same_tables_and_columns_at_the_same_schema_version(pg_cluster, pg_registry,
                                                                                  tmp_path):
    sqlite_tables = _sqlite_columns(tmp_path)
    with pg.connect(pg_cluster.url(pg_registry)) as conn:
        assert pg.schema_version(conn) == SCHEMA_VERSION
        rows = conn.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position").fetchall()
    pg_tables: dict[str, list[str]] = {}
    for table, column in rows:
        pg_tables.setdefault(table, []).append(column)
    assert pg_tables.pop(pg.META_TABLE) == ["singleton", "application_id", "schema_version"]
    assert pg_tables == sqlite_tables


def test_postgresql_migrations_follow_sqlites_one_for_one():
    assert [m.version for m in pg.PG_MIGRATIONS] == [m.version for m in MIGRATIONS]
    assert pg.PG_SCHEMA_VERSION == SCHEMA_VERSION


def test_migrating_step_by_step_ends_where_a_fresh_registry_does(pg_cluster, pg_database):
    with pg.connect(pg_cluster.url(pg_database)) as conn:
        with conn.transaction():
            assert pg.migrate(conn, SCHEMA_VERSION - 1) == (None, SCHEMA_VERSION - 1)
        assert pg.schema_version(conn) == SCHEMA_VERSION - 1
        result = pg.initialise(conn)
        assert (result.before, result.after) == (SCHEMA_VERSION - 1, SCHEMA_VERSION)
        assert pg.schema_version(conn) == SCHEMA_VERSION


@pytest.mark.parametrize("first, second", [("Contoso", "contoso"), ("Contoso", "Fabrikam"),
                                           ("Ärzte", "ärzte"), ("strasse", "STRASSE")])
def test_application_names_clash_exactly_when_they_clash_on_sqlite(pg_cluster, pg_registry, tmp_path,
                                                                   first, second):
    """SQLite's NOCASE folds ASCII letters only; the PostgreSQL index must refuse the same pairs."""
    lite = sqlite3.connect(tmp_path / "nocase.sqlite3")
    lite.execute("CREATE TABLE a (name TEXT UNIQUE COLLATE NOCASE)")
    lite.execute("INSERT INTO a VALUES (?)", (first,))
    try:
        lite.execute("INSERT INTO a VALUES (?)", (second,))
        sqlite_clash = False
    except sqlite3.IntegrityError:
        sqlite_clash = True
    lite.close()
    with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as conn:
        insert = ("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                  "VALUES (%s, 'graph', 'contoso.com', %s, %s)")
        conn.execute(insert, (first, NOW, NOW))
        try:
            conn.execute(insert, (second, NOW, NOW))
            pg_clash = False
        except psycopg.errors.UniqueViolation:
            pg_clash = True
    assert pg_clash == sqlite_clash


def test_profile_counts_are_kept_by_the_triggers(pg_logins):
    with pg_logins("admin") as conn:
        ids = _seed(conn)
        other = conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                             "VALUES ('Other', 'google', 'o.com', %s, %s) RETURNING id",
                             (NOW, NOW)).fetchone()[0]
        for n in range(5):
            conn.execute("INSERT INTO profiles (application_id, email, created_at, updated_at) "
                         "VALUES (%s, %s, %s, %s)", (other, f"u{n}@o.com", NOW, NOW))
        conn.execute("UPDATE profiles SET status = 'needs_relink' WHERE email IN ('u0@o.com', 'u1@o.com')")
        conn.execute("UPDATE profiles SET application_id = %s WHERE email = 'u2@o.com'", (ids["app"],))
        conn.execute("DELETE FROM profiles WHERE email = 'u3@o.com'")
        counts = dict(((a, s), n) for a, s, n in conn.execute(
            "SELECT application_id, status, n FROM profile_counts WHERE n > 0"))
        actual = dict(((a, s), n) for a, s, n in conn.execute(
            "SELECT application_id, status, COUNT(*) FROM profiles GROUP BY application_id, status"))
        assert counts == actual == {(ids["app"], "linked"): 2, (other, "linked"): 1,
                                    (other, "needs_relink"): 2}
        conn.execute("DELETE FROM profiles WHERE application_id = %s", (other,))
        conn.execute("DELETE FROM applications WHERE id = %s", (other,))
        assert conn.execute("SELECT COUNT(*) FROM profile_counts WHERE application_id = %s",
                            (other,)).fetchone()[0] == 0


def test_search_by_substring_uses_the_trigram_index(pg_cluster, pg_registry):
    from ec_console.registry import ProfileQuery

    with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as conn:
        app = conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                           "VALUES ('A', 'graph', 'a.com', %s, %s) RETURNING id", (NOW, NOW)).fetchone()[0]
        conn.execute(
            "INSERT INTO profiles (application_id, email, display_name, created_at, updated_at, email_key, "
            "name_key) SELECT %s, 'user' || i || '@a.com', name, %s, %s, 'user' || i || '@a.com', "
            "lower(name) "
            "FROM (SELECT i, CASE WHEN i %% 2000 = 0 THEN 'Jörg Müller' ELSE 'Person ' || i END AS name "
            "FROM generate_series(1, 20000) i) s", (app, NOW, NOW))
        # What autovacuum does after a bulk insert: the GIN index's pending entries merged, statistics taken.
        conn.execute("VACUUM ANALYZE profiles")
        where, params = pg._profile_where(ProfileQuery(search="Müller"))
        plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN SELECT p.id FROM profiles p{where}", params))
        assert pg.count_profiles(conn, ProfileQuery(search="müller")) == 10
    assert pg.SEARCH_INDEX in plan


def test_deleting_an_application_deletes_its_reconciliations(pg_logins):
    with pg_logins("admin") as conn:
        app = conn.execute("INSERT INTO applications (name, provider, domain, status, created_at, "
                           "updated_at) VALUES ('Old', 'google', 'o.com', 'revoked', %s, %s) RETURNING id",
                           (NOW, NOW)).fetchone()[0]
        run = conn.execute("INSERT INTO reconciliations (application_id, at, operator) VALUES (%s, %s, 'a') "
                           "RETURNING id", (app, NOW)).fetchone()[0]
        conn.execute("INSERT INTO reconciliation_findings (reconciliation_id, email, finding) "
                     "VALUES (%s, 'x@o.com', 'leak')", (run,))
        conn.execute("DELETE FROM applications WHERE id = %s", (app,))
        assert conn.execute("SELECT COUNT(*) FROM reconciliations").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM reconciliation_findings").fetchone()[0] == 0


# ------------------------------------------------------------------------------------------------- roles

_HELPDESK_REFUSED = {
    "add an application": "INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                          "VALUES ('Rogue', 'graph', 'x.com', '{now}', '{now}')",
    "rename an application": "UPDATE applications SET name = 'Renamed' WHERE id = {app}",
    "change an application's settings": "UPDATE applications SET settings = '{{}}' WHERE id = {app}",
    "revoke an application": "UPDATE applications SET status = 'revoked' WHERE id = {app}",
    "delete an application": "DELETE FROM applications WHERE id = {app}",
    "link a profile": "INSERT INTO profiles (application_id, email, created_at, updated_at) "
                      "VALUES ({app}, 'new@contoso.com', '{now}', '{now}')",
    "revoke a profile": "UPDATE profiles SET status = 'revoked' WHERE id = {profile}",
    "mark a profile as revoked by its check columns": "UPDATE profiles SET status = 'revoked', "
                                                      "last_result = 'fail' WHERE id = {profile}",
    "record a relink in the audit": "INSERT INTO audit (at, os_user, action, subject) "
                                    "VALUES ('{now}', 'hank', 'profile_relinked', 'ann@contoso.com')",
    "record a relink attempt": "INSERT INTO checks (profile_id, application_id, kind, result, created_at) "
                               "VALUES ({profile}, {app}, 'relink', 'pass', '{now}')",
    "move a profile": "UPDATE profiles SET application_id = {app} WHERE id = {profile}",
    "delete a profile": "DELETE FROM profiles WHERE id = {profile}",
    "record a link attempt": "INSERT INTO checks (application_id, kind, result, created_at) "
                             "VALUES ({app}, 'link', 'fail', '{now}')",
    "delete a check": "DELETE FROM checks",
    "edit the audit": "UPDATE audit SET detail = 'nothing happened'",
    "delete from the audit": "DELETE FROM audit",
    "empty the audit": "TRUNCATE audit",
    "append an admin's action to the audit": "INSERT INTO audit (at, os_user, action, subject) "
                                            "VALUES ('{now}', 'hank', 'application_revoked', 'Contoso EWS')",
    "write the counts": "UPDATE profile_counts SET n = 0",
    "change the schema version": "UPDATE registry_meta SET schema_version = 1",
    "add a reconciliation": "INSERT INTO reconciliations (application_id, at, operator) "
                            "VALUES ({app}, '{now}', 'hank')",
    "create a table": "CREATE TABLE public.mine (x int)",
    "drop the audit's trigger": "ALTER TABLE audit DISABLE TRIGGER audit_no_update",
}

_ADMIN_REFUSED = {
    "edit the audit": "UPDATE audit SET detail = 'nothing happened'",
    "delete from the audit": "DELETE FROM audit",
    "empty the audit": "TRUNCATE audit",
    "write the counts": "INSERT INTO profile_counts (application_id, status, n) VALUES ({app}, 'revoked', 9)",
    "change the schema version": "UPDATE registry_meta SET schema_version = 1",
    "drop the audit's trigger": "ALTER TABLE audit DISABLE TRIGGER audit_no_update",
    "drop the audit": "DROP TABLE audit",
}


def _statement(template: str, ids: dict[str, int]) -> str:
    return template.format(now=NOW, **ids)


@pytest.mark.parametrize("what", sorted(_HELPDESK_REFUSED))
def test_postgresql_refuses_the_helpdesk(pg_logins, what):
    with pg_logins("admin") as admin:
        ids = _seed(admin)
    with pg_logins("helpdesk") as helpdesk:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            helpdesk.execute(_statement(_HELPDESK_REFUSED[what], ids))
    with pg_logins("admin") as admin:  # nothing changed
        assert admin.execute("SELECT name, status FROM applications").fetchall() == \
            [("Contoso EWS", "active")]
        assert admin.execute("SELECT status, application_id FROM profiles").fetchall() == \
            [("linked", ids["app"])]
        assert admin.execute("SELECT COUNT(*), MIN(detail) FROM audit").fetchone() == (1, "")


@pytest.mark.parametrize("what", sorted(_ADMIN_REFUSED))
def test_postgresql_refuses_the_admin_any_change_to_the_audit(pg_logins, what):
    with pg_logins("admin") as admin:
        ids = _seed(admin)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            admin.execute(_statement(_ADMIN_REFUSED[what], ids))
        assert admin.execute("SELECT COUNT(*), MIN(detail) FROM audit").fetchone() == (1, "")


def test_neither_role_holds_an_update_or_delete_grant_on_the_audit(pg_cluster, pg_logins):
    """Not only the trigger: the privilege itself is absent, as the issue asks."""
    with pg_logins("admin") as conn:
        for role in (*pg.GROUP_ROLES, *pg_logins.names.values()):
            for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
                assert conn.execute("SELECT has_table_privilege(%s, 'audit', %s)",
                                    (role, privilege)).fetchone()[0] is False, (role, privilege)
            assert conn.execute("SELECT has_table_privilege(%s, 'audit', 'INSERT')",
                                (role,)).fetchone()[0] is True


def test_the_helpdesk_reads_everything_and_records_check_results(pg_logins):
    with pg_logins("admin") as admin:
        ids = _seed(admin)
    with pg_logins("helpdesk") as conn:
        for table in pg.TABLES:
            conn.execute(f"SELECT * FROM {table}").fetchall()
        assert conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 1
        changed = conn.execute(
            "UPDATE profiles SET last_checked_at = %s, last_result = 'fail', "
            "last_diagnosis = 'mailbox_gone', updated_at = %s WHERE id = %s",
            (NOW, NOW, ids["profile"])).rowcount
        assert changed == 1
        assert conn.execute("UPDATE applications SET health = 'ews_blocked', updated_at = %s WHERE id = %s",
                            (NOW, ids["app"])).rowcount == 1
        conn.execute("INSERT INTO checks (profile_id, application_id, kind, result, diagnosis, created_at) "
                     "VALUES (%s, %s, 'check', 'fail', 'mailbox_gone', %s)",
                     (ids["profile"], ids["app"], NOW))
        conn.execute("INSERT INTO health_history (run_id, run_at, application_id, trigger, outcome) "
                     "VALUES ('r1', %s, %s, 'manual', 'failed')", (NOW, ids["app"]))
        entry = conn.execute("INSERT INTO audit (at, os_user, action, subject) VALUES (%s, 'hank', "
                             "'check_all_finished', 'all') RETURNING id", (NOW,)).fetchone()
        assert entry is not None
    with pg_logins("admin") as admin:
        assert admin.execute("SELECT last_result, last_diagnosis, status FROM profiles").fetchone() == \
            ("fail", "mailbox_gone", "linked")
        assert admin.execute("SELECT health FROM applications").fetchone() == ("ews_blocked",)
        assert admin.execute("SELECT COUNT(*) FROM checks").fetchone()[0] == 2
        assert admin.execute("SELECT COUNT(*) FROM health_history").fetchone()[0] == 1
        assert admin.execute("SELECT action FROM audit ORDER BY id").fetchall() == \
            [("profile_linked",), ("check_all_finished",)]


def _status(conn, profile: int) -> str:
    return conn.execute("SELECT status FROM profiles WHERE id = %s", (profile,)).fetchone()[0]


def test_the_helpdesk_records_a_checks_finding_between_linked_and_needs_relink(pg_logins):
    with pg_logins("admin") as admin:
        ids = _seed(admin)
    with pg_logins("helpdesk") as conn:
        for finding in ("needs_relink", "linked", "needs_relink"):
            with conn.transaction():
                assert conn.execute("UPDATE profiles SET status = %s, last_result = %s, updated_at = %s "
                                    "WHERE id = %s", (finding, "pass" if finding == "linked" else "fail", NOW,
                                                      ids["profile"])).rowcount == 1
                conn.execute("INSERT INTO audit (at, os_user, action, subject) VALUES (%s, 'hank', "
                             "'profile_status_changed', 'ann@contoso.com')", (NOW,))
            assert _status(conn, ids["profile"]) == finding
        assert pg.status_counts(conn) == {"linked": 0, "needs_relink": 1, "revoked": 0}


@pytest.mark.parametrize("before, after", [("linked", "revoked"), ("needs_relink", "revoked"),
                                           ("revoked", "linked"), ("revoked", "needs_relink")])
def test_the_helpdesk_cannot_revoke_or_unrevoke_a_profile(pg_logins, before, after):
    with pg_logins("admin") as admin:
        ids = _seed(admin)
        admin.execute("UPDATE profiles SET status = %s WHERE id = %s", (before, ids["profile"]))
    with pg_logins("helpdesk") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only an administrator"):
            conn.execute("UPDATE profiles SET status = %s WHERE id = %s", (after, ids["profile"]))
        assert _status(conn, ids["profile"]) == before
        # Several rows in one statement: one forbidden move refuses the whole statement.
        if before != "revoked":
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE profiles SET status = %s", (after,))
            assert _status(conn, ids["profile"]) == before


def test_upgrading_a_registry_gives_the_helpdesk_its_right_to_record_findings(pg_cluster, pg_database):
    def has_it(conn) -> tuple[bool, bool]:
        trigger = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = "
                               "'profile_status_by_role')").fetchone()[0]
        grant = conn.execute("SELECT COALESCE((SELECT has_column_privilege(oid, 'profiles', 'status', "
                             "'UPDATE') FROM pg_roles WHERE rolname = %s), false)",
                             (pg.HELPDESK_ROLE,)).fetchone()[0]
        return trigger, grant

    with pg.connect(pg_cluster.url(pg_database)) as conn:
        with conn.transaction():
            pg.migrate(conn, HELPDESK_FINDINGS_VERSION - 1)
        assert has_it(conn) == (False, False)
        result = pg.initialise(conn)
        assert (result.before, result.after) == (HELPDESK_FINDINGS_VERSION - 1, SCHEMA_VERSION)
        assert has_it(conn) == (True, True)


def test_a_login_in_neither_role_cannot_change_a_status(pg_cluster, pg_logins):
    with pg_logins("admin") as admin:
        ids = _seed(admin)
    name = f"nobody_{uuid.uuid4().hex[:8]}"
    with pg_cluster.connect(pg_logins.dbname) as su:
        su.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'pw-{name}'")
    try:
        with psycopg.connect(pg_cluster.url(pg_logins.dbname, name, tcp=True), password=f"pw-{name}",
                             autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE profiles SET status = 'needs_relink' WHERE id = %s", (ids["profile"],))
    finally:
        with pg_cluster.connect() as su:
            su.execute(f"DROP ROLE {name}")


def test_the_admin_does_everything_else(pg_logins):
    with pg_logins("admin") as conn:
        ids = _seed(conn)
        conn.execute("UPDATE applications SET name = 'Contoso', settings = '{\"a\": 1}' WHERE id = %s",
                     (ids["app"],))
        conn.execute("UPDATE profiles SET status = 'revoked' WHERE id = %s", (ids["profile"],))
        conn.execute("UPDATE profiles SET status = 'linked' WHERE id = %s", (ids["profile"],))
        conn.execute("INSERT INTO checks (application_id, kind, result, created_at) "
                     "VALUES (%s, 'link', 'fail', %s)", (ids["app"], NOW))
        conn.execute("INSERT INTO reconciliations (application_id, at, operator) VALUES (%s, %s, 'alice')",
                     (ids["app"], NOW))
        conn.execute("INSERT INTO audit (at, os_user, action, subject) VALUES (%s, 'alice', "
                     "'application_revoked', 'Contoso')", (NOW,))
        conn.execute("UPDATE applications SET status = 'revoked' WHERE id = %s", (ids["app"],))
        conn.execute("DELETE FROM checks")
        conn.execute("DELETE FROM profiles")
        conn.execute("DELETE FROM applications")
        assert conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 2


def test_not_even_the_tables_owner_can_edit_the_audit_without_disabling_its_trigger(pg_cluster, pg_logins):
    with pg_logins("admin") as admin:
        _seed(admin)
    with pg_cluster.connect(pg_logins.dbname) as owner:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute("UPDATE audit SET detail = 'x'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute("TRUNCATE audit")


def test_initialising_twice_changes_nothing_and_keeps_the_data(pg_cluster, pg_logins):
    with pg_logins("admin") as admin:
        _seed(admin)
    with pg.connect(pg_cluster.url(pg_logins.dbname)) as conn:
        result = pg.initialise(conn)
    assert (result.before, result.after, result.roles_created) == (SCHEMA_VERSION, SCHEMA_VERSION, ())
    with pg_logins("helpdesk") as conn:
        assert conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM profiles")


def test_a_login_role_that_may_not_create_tables_is_refused_and_nothing_is_created(pg_cluster, pg_database):
    name = f"someone_{uuid.uuid4().hex[:8]}"
    with pg_cluster.connect() as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'pw-{name}'")
    try:
        with pg.connect(pg_cluster.url(pg_database, name, tcp=True), password=f"pw-{name}") as conn:
            with pytest.raises(pg.PgRefused, match="nothing was changed") as refused:
                pg.initialise(conn)
            assert name in str(refused.value)
            assert pg.schema_version(conn) is None
    finally:
        with pg_cluster.connect() as conn:
            conn.execute(f"DROP ROLE IF EXISTS {name}")


def test_the_databases_owner_who_is_not_a_superuser_sets_the_registry_up(pg_cluster, pg_database):
    name = f"dba_{uuid.uuid4().hex[:8]}"
    with pg_cluster.connect() as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN CREATEROLE PASSWORD 'pw-{name}'")
        conn.execute(f'ALTER DATABASE "{pg_database}" OWNER TO {name}')
    try:
        with pg.connect(pg_cluster.url(pg_database, name, tcp=True), password=f"pw-{name}") as conn:
            result = pg.initialise(conn)
            assert (result.before, result.after) == (None, SCHEMA_VERSION)
            signed_in = pg.signed_in_role(conn)
            assert (signed_in.user, signed_in.role) == (name, "owner")
            owners = {r[0] for r in conn.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
            assert owners == {name}
    finally:
        with pg_cluster.connect(pg_database) as conn:
            conn.execute(f"DROP OWNED BY {name}")
        with pg_cluster.connect() as conn:
            conn.execute(f'ALTER DATABASE "{pg_database}" OWNER TO postgres')
            conn.execute(f"DROP ROLE {name}")
