"""One `Registry` over both engines: what it says about itself, the connection `transaction()` yields,
and PostgreSQL's refusals and lost connections in the console's words."""

from __future__ import annotations

import getpass
import json
import re

import pytest

from ec_console.errors import RoleRefused
from ec_console.registry import AlreadyExists, ProfileQuery, Registry, RegistryError


def test_the_registry_says_which_engine_where_and_who(any_registry, pg_cluster):
    reg = any_registry
    if reg.engine == "sqlite":
        assert reg.where == str(reg.path) and reg.where.endswith("registry-us.sqlite3")
        assert (reg.role, reg.signed_in_as) == ("admin", getpass.getuser())
    else:
        assert reg.engine == "postgresql" and reg.path is None
        assert reg.where.endswith(f":{pg_cluster.port}/{reg.where.rsplit('/', 1)[1]}")
        assert reg.signed_in_as == "postgres" and reg.role == "admin"  # the superuser holds every role


def test_transaction_takes_sqlite_placeholders_on_both_engines(any_registry):
    reg = any_registry
    app = reg.add_application("App", "exchange", "contoso.example")
    with reg.transaction() as conn:
        cur = conn.execute("INSERT INTO profiles (application_id, email, display_name, status, email_key,"
                           " name_key, created_at, updated_at) VALUES (?, ?, ?, 'linked', ?, ?, ?, ?)"
                           " RETURNING id", (app.id, "ada@contoso.example", "Ada 100%", "ada@contoso.example",
                                             "ada 100%", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
        ada = cur.fetchone()[0]
        again = conn.execute("INSERT INTO profiles (application_id, email, status, email_key, created_at,"
                             " updated_at) VALUES (?, ?, 'linked', ?, ?, ?) ON CONFLICT DO NOTHING",
                             (app.id, "ADA@contoso.example", "ada@contoso.example", "x", "x"))
        assert again.rowcount == 0  # the same mailbox, case aside: NOCASE on SQLite, lower() on PostgreSQL
        rows = conn.execute("SELECT id, display_name FROM profiles WHERE display_name LIKE ? AND id = ?",
                            ("%100%%", ada)).fetchall()
        assert rows == [(ada, "Ada 100%")] and rows[0][1] == "Ada 100%"
        changed = conn.execute("UPDATE profiles SET display_name = ? WHERE application_id = ?",
                               ("Ada", app.id))
        assert changed.rowcount == 1
    assert reg.get_profile(ada).display_name == "Ada"
    assert reg.count_profiles(ProfileQuery(search="ada")) == 1


def test_a_nested_transaction_is_a_savepoint_on_both_engines(any_registry):
    reg = any_registry
    app = reg.add_application("App", "exchange", "contoso.example")
    with reg.transaction():
        reg.add_profile(app.id, "kept@contoso.example")
        with pytest.raises(AlreadyExists):  # the database refused inside: only the savepoint is undone
            reg.add_profile(app.id, "Kept@contoso.example")
        reg.add_profile(app.id, "after@contoso.example")  # the outer transaction is still usable
    assert sorted(p.email for p in reg.list_profiles()) == ["after@contoso.example", "kept@contoso.example"]


def test_another_reader_opens_the_same_registry(any_registry):
    reg = any_registry
    app = reg.add_application("App", "exchange", "contoso.example")
    reg.add_profile(app.id, "ada@contoso.example")
    with reg.reader() as reader:
        assert (reader.engine, reader.where) == (reg.engine, reg.where)
        assert [p.email for p in reader.list_profiles()] == ["ada@contoso.example"]


# --------------------------------------------------------------------------------------------- PostgreSQL

def _signed_in(pg_cluster, pg_logins, role: str) -> Registry:
    url = pg_cluster.url(pg_logins.dbname, pg_logins.names[role], tcp=True)
    return Registry(url, password=pg_logins.passwords[role])


def test_a_helpdesk_member_is_refused_a_revoke_in_plain_words(pg_cluster, pg_logins):
    with _signed_in(pg_cluster, pg_logins, "admin") as admin:
        assert (admin.role, admin.signed_in_as) == ("admin", pg_logins.names["admin"])
        app = admin.add_application("App", "exchange", "contoso.example")
        ada = admin.add_profile(app.id, "ada@contoso.example")
    with _signed_in(pg_cluster, pg_logins, "helpdesk") as helpdesk:
        assert (helpdesk.role, helpdesk.signed_in_as) == ("helpdesk", pg_logins.names["helpdesk"])
        assert pg_logins.passwords["helpdesk"] not in helpdesk.where
        with pytest.raises(RoleRefused) as caught:
            helpdesk.set_profile_status(ada.id, "revoked")
        assert caught.value.message == ("Your registry role (helpdesk) may not revoke profiles: ask an "
                                        "administrator.")
        with pytest.raises(RoleRefused, match=r"\(helpdesk\) may not add applications"):
            helpdesk.add_application("Other", "exchange", "contoso.example")
        with pytest.raises(RoleRefused, match="may not link profiles"):
            helpdesk.add_profile(app.id, "bob@contoso.example")
        # what the helpdesk may do still works on the same connection
        assert helpdesk.record_profile_check(ada.id, result="fail", status="needs_relink").status \
            == "needs_relink"
        assert helpdesk.get_profile(ada.id).status == "needs_relink"


def test_a_lost_connection_is_opened_again_by_the_next_read_and_reconnect_opens_a_fresh_one(pg_cluster,
                                                                                            pg_registry):
    # (what a write cut off mid-way says: tests/test_registry_reconnect.py)
    reg = Registry(pg_cluster.url(pg_registry))
    app = reg.add_application("App", "exchange", "contoso.example")
    pid = reg._conn.raw.info.backend_pid  # noqa: SLF001
    with pg_cluster.connect() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert reg.get_application(app.id).name == "App"
    assert reg._conn.raw.info.backend_pid != pid  # noqa: SLF001 - a fresh connection
    reg.reconnect()
    assert reg.get_application(app.id).name == "App"
    reg.close()


def test_a_database_without_a_registry_is_refused_with_what_to_do(pg_cluster, pg_database):
    with pytest.raises(RegistryError, match="holds no registry yet.*registry init --url"):
        Registry(pg_cluster.url(pg_database))


def test_a_password_in_the_url_is_refused(pg_cluster, pg_registry):
    url = pg_cluster.url(pg_registry).replace("postgres@", "postgres:hunter2@")
    with pytest.raises(Exception, match="holds a password") as caught:
        Registry(url)
    assert "hunter2" not in str(caught.value)


# ------------------------------------------------------------------- naming a region's PostgreSQL registry

def _configure(text: str) -> None:
    from ec_console import paths

    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "regions.toml").write_text(text, encoding="utf-8")


def test_a_region_named_in_regions_toml_opens_its_postgresql_registry(pg_cluster, pg_registry, capsys):
    from cli_run import run

    url = pg_cluster.url(pg_registry)
    _configure(f'[regions.de]\nregistry = "{url}"\n')
    with Registry.for_region("de") as shared:
        assert shared.engine == "postgresql" and shared.where.endswith(f"/{pg_registry}")
        shared.add_application("Shared app", "exchange", "contoso.example")
    with Registry.for_region("us") as own:  # another region keeps its SQLite file
        assert own.engine == "sqlite" and own.find_application("Shared app") is None
    code, out, err = run(capsys, "applications", "list", "--region", "de", "--json")
    assert code == 0, err
    assert "Shared app" in out
    code, out, err = run(capsys, "registry", "status", "--region", "de", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert (status["engine"], status["region"], status["database"]) == ("postgresql", "de", pg_registry)
    assert status["where"].endswith(f"/{pg_registry}") and status["role"] == "admin"
    code, out, err = run(capsys, "registry", "status", "--region", "de")
    assert code == 0, err
    assert re.search(r"^Engine: +PostgreSQL", out, re.M) and re.search(r"^Region: +de$", out, re.M)


def test_a_password_in_regions_toml_is_refused_without_echoing_it():
    from ec_console.regions import RegionConfigError

    _configure('[regions.de]\nregistry = "postgresql://alice:s3cret@db.example.com/ec"\n')
    with pytest.raises(RegionConfigError, match=r"\[regions\.de\]\.registry holds a password") as caught:
        Registry.for_region("de")
    assert "s3cret" not in caught.value.message


def test_registry_flag_points_a_command_at_a_postgresql_registry(pg_cluster, pg_registry, capsys):
    from cli_run import run

    url = pg_cluster.url(pg_registry)
    with Registry(url) as shared:
        app = shared.add_application("Shared app", "exchange", "contoso.example")
        shared.add_profile(app.id, "ada@contoso.example", "Ada")
    code, out, err = run(capsys, "profiles", "list", "--region", "us", "--registry", url, "--json")
    assert code == 0, err
    assert "ada@contoso.example" in out
    # the flag is for one command only
    code, out, err = run(capsys, "profiles", "list", "--region", "us", "--json")
    assert code == 0, err
    assert "ada@contoso.example" not in out
    code, out, err = run(capsys, "applications", "list", "--registry",
                         url.replace("postgres@", "postgres:hunter2@"))
    assert code == 2 and "holds a password" in err and "hunter2" not in out + err


def test_the_database_refuses_a_helpdesk_revoke_from_the_cli_with_exit_1(pg_cluster, pg_logins, capsys,
                                                                          monkeypatch):
    from cli_run import run

    from ec_console import registry_pg as pg
    from ec_console.secrets import default_store

    with _signed_in(pg_cluster, pg_logins, "admin") as admin:
        app = admin.add_application("Shared app", "exchange", "contoso.example")
        admin.add_profile(app.id, "ada@contoso.example", "Ada")
    url = pg_cluster.url(pg_logins.dbname, pg_logins.names["helpdesk"], tcp=True)
    default_store().set(pg.password_key(pg.parse_url(url), pg_logins.names["helpdesk"]),
                        pg_logins.passwords["helpdesk"])
    # The console reads the signed-in role from the database and refuses before any work ...
    code, out, err = run(capsys, "profiles", "revoke", "ada@contoso.example", "--registry", url)
    assert code == 1, out + err
    assert "Your registry role is helpdesk: revoking a profile is for an administrator." in err
    assert "Traceback" not in err and pg_logins.passwords["helpdesk"] not in out + err
    # ... and a console that did not ask first (an older one, or a changed one) is refused by the database.
    from ec_console import cli

    monkeypatch.setattr(cli, "refuse_by_role", lambda args: None)
    code, out, err = run(capsys, "profiles", "revoke", "ada@contoso.example", "--registry", url)
    assert code == 1, out + err
    assert "Your registry role (helpdesk) may not revoke profiles: ask an administrator." in err
    assert "Traceback" not in err and pg_logins.passwords["helpdesk"] not in out + err
    with _signed_in(pg_cluster, pg_logins, "admin") as admin:
        assert admin.list_profiles()[0].status == "linked"


def test_a_reconciliation_is_stored_and_read_back_through_raw_sql_on_both_engines(any_registry):
    from ec_console import reconcile

    reg = any_registry
    app = reg.add_application("App", "exchange", "contoso.example")
    findings = [reconcile.Finding("ada@contoso.example", "leak"),
                reconcile.Finding("bob@contoso.example", "joiner")]
    rec = reconcile.Reconciliation("App", app.id, "exchange", "2026-12-01T08:00:00Z", scope_size=3,
                                   linked_size=2, findings=findings)
    first = reconcile.record_reconciliation(reg, rec)
    second = reconcile.record_reconciliation(reg, reconcile.Reconciliation("App", app.id, "exchange",
                                                                           "2026-12-02T08:00:00Z"))
    assert second > first > 0 and rec.id == first
    stored = reconcile.reconciliations(reg, app.id)
    assert [s.id for s in stored] == [second, first] and stored[1].counts["leak"] == 1
    assert reconcile.stored_findings(reg, first) == [("ada@contoso.example", "leak", None),
                                                     ("bob@contoso.example", "joiner", None)]
    assert [e.action for e in reg.audit_entries()] == [reconcile.AUDIT_RECORDED] * 2


def test_a_read_past_its_time_budget_or_no_longer_wanted_stops_on_postgresql(pg_cluster, pg_registry):
    from ec_console.registry import QueryTimedOut

    with Registry(pg_cluster.url(pg_registry)) as reg:
        with pytest.raises(QueryTimedOut), reg.time_budget(50):
            reg._conn.execute("SELECT pg_sleep(5)")  # noqa: SLF001 - a read that takes far too long
        wanted = [True]
        with pytest.raises(QueryTimedOut), reg.time_budget(stop=lambda: not wanted[0]):
            wanted[0] = False  # a newer keystroke: the watcher cancels the read in flight
            reg._conn.execute("SELECT pg_sleep(5)")  # noqa: SLF001
        assert reg.count_profiles() == 0  # the connection is still usable, without a timeout left on it
        assert reg._conn.execute("SHOW statement_timeout").fetchone()[0] == "0"  # noqa: SLF001


def test_two_consoles_write_at_once_and_the_audit_chain_holds(pg_cluster, pg_registry):
    import threading

    url = pg_cluster.url(pg_registry)
    with Registry(url) as reg:
        app = reg.add_application("App", "exchange", "contoso.example")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(name: str) -> None:
        try:
            with Registry(url) as mine:
                barrier.wait(10)
                for i in range(30):
                    with mine.transaction():
                        profile = mine.add_profile(app.id, f"{name}-{i}@contoso.example")
                        mine.audit("profile_link", f"profile:{profile.email}")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,), name=f"writer-{n}") for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and not any(t.is_alive() for t in threads)
    with Registry(url) as reg:
        assert reg.count_profiles() == 60 and len(reg.audit_entries()) == 60
        result = reg.verify_audit()
        assert result.verified and result.entries == 60
