"""`ec-console registry init|login|status`: run through `cli.main` as a user would, against a real cluster
for PostgreSQL (conftest.py `pg_cluster`) and the region's SQLite file otherwise."""

from __future__ import annotations

import json
import re
import socket

import pg_cluster as cluster_helpers
import psycopg
import pytest
from cli_run import run

from ec_console import registry_pg as pg
from ec_console.registry import SCHEMA_VERSION, Registry
from ec_console.secrets import default_store

# ------------------------------------------------------------------------------------------------ init

def test_init_creates_the_registry_prints_the_grant_lines_and_says_so_the_second_time(capsys, pg_cluster,
                                                                                       pg_database):
    url = pg_cluster.url(pg_database)
    code, out, err = run(capsys, "registry", "init", "--url", url)
    assert code == 0, err
    assert f"Registry created in database '{pg_database}'" in out and f"schema {SCHEMA_VERSION}" in out
    assert "GRANT ec_admin TO <login>;" in out and "GRANT ec_helpdesk TO <login>;" in out
    with pg_cluster.connect(pg_database) as conn:
        assert pg.schema_version(conn) == SCHEMA_VERSION
        assert {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE NOT rolcanlogin")} >= \
            {"ec_admin", "ec_helpdesk"}
    code, out, err = run(capsys, "registry", "init", "--url", url)
    assert code == 0, err
    assert f"already initialised at schema {SCHEMA_VERSION}" in out
    code, out, err = run(capsys, "registry", "init", "--url", url, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["already_initialised"] is True and data["schema_version"] == SCHEMA_VERSION
    assert data["grant_lines"] == ["GRANT ec_admin TO <login>;", "GRANT ec_helpdesk TO <login>;"]
    assert data["database"] == pg_database and data["sslmode"] == "disable"


def test_init_as_a_role_that_may_not_is_refused_with_exit_2(capsys, pg_cluster, pg_database):
    name = "nobody_cli"
    with pg_cluster.connect() as conn:
        conn.execute(f"DROP ROLE IF EXISTS {name}")
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'pw-nobody'")
    try:
        default_store().set(pg.password_key(pg.parse_url(pg_cluster.url(pg_database, name, tcp=True)), name),
                            "pw-nobody")
        code, out, err = run(capsys, "registry", "init", "--url", pg_cluster.url(pg_database, name, tcp=True))
    finally:
        with pg_cluster.connect() as conn:
            conn.execute(f"DROP ROLE IF EXISTS {name}")
    assert code == 2
    assert "may not set the registry up" in err and "nothing was changed" in err
    assert "Traceback" not in err and "pw-nobody" not in out + err


# ---------------------------------------------------------------------------------------------- status

def test_status_of_a_region_on_sqlite_names_the_file_and_the_one_desktop_admin(capsys):
    code, out, err = run(capsys, "registry", "status", "--region", "us", "--json")
    assert code == 0, err
    data = json.loads(out)
    path = Registry.path_for_region("us")
    assert data["engine"] == "sqlite" and data["path"] == str(path)
    assert data["schema_version"] is None and not path.exists()          # status creates nothing
    Registry.for_region("us").close()
    code, out, err = run(capsys, "registry", "status", "--region", "us")
    assert code == 0, err
    assert re.search(rf"^File: +{re.escape(str(path))}$", out, re.M)
    assert re.search(rf"^Schema version: +{SCHEMA_VERSION} ", out, re.M)
    assert re.search(r"^Signed in as: +admin \(one desktop\)$", out, re.M)


def test_status_of_a_postgresql_registry_signs_in_with_the_keychain_password(capsys, pg_cluster, pg_logins):
    url = pg_cluster.url(pg_logins.dbname, pg_logins.names["helpdesk"], tcp=True)
    default_store().set(pg.password_key(pg.parse_url(url), pg_logins.names["helpdesk"]),
                        pg_logins.passwords["helpdesk"])
    code, out, err = run(capsys, "registry", "status", "--url", url, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["engine"], data["database"], data["user"]) == ("postgresql", pg_logins.dbname,
                                                                pg_logins.names["helpdesk"])
    assert (data["schema_version"], data["role"]) == (SCHEMA_VERSION, "helpdesk")
    assert pg_logins.passwords["helpdesk"] not in out
    code, out, err = run(capsys, "registry", "status", "--url", url)
    assert code == 0, err
    assert re.search(r"^Engine: +PostgreSQL \d", out, re.M)
    assert re.search(r"^Signed in as: +helpdesk \(member of ec_helpdesk\)$", out, re.M)
    assert re.search(r"^TLS: +off \(sslmode=disable\)$", out, re.M)
    assert pg_logins.passwords["helpdesk"] not in out + err


def test_status_reads_the_password_from_pgpassfile(capsys, pg_cluster, pg_logins, tmp_path, monkeypatch):
    user = pg_logins.names["admin"]
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_cluster.port}:{pg_logins.dbname}:{user}:"
                        f"{pg_logins.passwords['admin']}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    code, out, err = run(capsys, "registry", "status", "--json", "--url",
                         pg_cluster.url(pg_logins.dbname, user, tcp=True))
    assert code == 0, err
    assert json.loads(out)["role"] == "admin"


def test_login_checks_the_password_then_keeps_it_in_the_keychain(capsys, pg_cluster, pg_logins, monkeypatch):
    user = pg_logins.names["admin"]
    url = pg_cluster.url(pg_logins.dbname, user, tcp=True)
    monkeypatch.setenv("EC_PASSWORD", "not-the-password")
    code, _out, err = run(capsys, "registry", "login", "--url", url)
    assert code == 2 and "refused the sign-in" in err and "not-the-password" not in err
    assert default_store().get(pg.password_key(pg.parse_url(url), user)) is None
    monkeypatch.setenv("EC_PASSWORD", pg_logins.passwords["admin"])
    code, out, err = run(capsys, "registry", "login", "--url", url)
    assert code == 0, err
    assert pg_logins.passwords["admin"] not in out + err
    monkeypatch.delenv("EC_PASSWORD")
    code, out, err = run(capsys, "registry", "status", "--json", "--url", url)
    assert code == 0, err
    assert json.loads(out)["role"] == "admin"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_status_of_a_login_role_with_neither_role_says_which_grant_to_ask_for(capsys, pg_cluster, pg_logins):
    name = f"nobody_{pg_logins.names['admin']}"
    with pg_cluster.connect() as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'pw-{name}'")
    try:
        url = pg_cluster.url(pg_logins.dbname, name, tcp=True)
        default_store().set(pg.password_key(pg.parse_url(url), name), f"pw-{name}")
        code, _out, err = run(capsys, "registry", "status", "--url", url)
    finally:
        with pg_cluster.connect() as conn:
            conn.execute(f"DROP ROLE IF EXISTS {name}")
    assert code == 2 and "Traceback" not in err
    assert "may not read the registry" in err and f"GRANT ec_helpdesk TO {name};" in err


@pytest.mark.parametrize("case", ["wrong password", "no registry", "unknown database", "unreachable",
                                  "tls not offered"])
def test_status_refusals_are_one_clear_line_with_exit_2(capsys, pg_cluster, pg_logins, case):
    user = pg_logins.names["helpdesk"]
    url = {
        "wrong password": pg_cluster.url(pg_logins.dbname, user, tcp=True),
        "no registry": pg_cluster.url("postgres"),
        "unknown database": pg_cluster.url("no_such_db"),
        "unreachable": f"postgresql://{user}@127.0.0.1:{_closed_port()}/x?sslmode=disable&connect_timeout=3",
        # No sslmode in the URL: verify-full, which the test cluster (no TLS) cannot give.
        "tls not offered": f"postgresql://{user}@127.0.0.1:{pg_cluster.port}/{pg_logins.dbname}",
    }[case]
    if case == "wrong password":
        default_store().set(pg.password_key(pg.parse_url(url), user), "wrong-secret-123")
    expected = {
        "wrong password": "refused the sign-in",
        "no registry": "holds no registry yet",
        "unknown database": "has no database 'no_such_db'",
        "unreachable": "cannot reach the PostgreSQL server",
        "tls not offered": "does not offer TLS, which this connection requires (sslmode=verify-full)",
    }[case]
    code, out, err = run(capsys, "registry", "status", "--url", url, "--json")
    assert code == 2
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert json.loads(out)["error"]["code"] == "bad_input"
    assert "wrong-secret-123" not in out + err


@pytest.mark.parametrize("url, expected", [
    ("mysql://db.example.com/x", "is not a PostgreSQL URL"),
    ("postgresql://alice:Sup3rSecret@db.example.com/x", "holds a password"),
    ("postgresql://db.example.com/x?sslmode=sometimes", "sslmode 'sometimes' is not one of"),
    ("postgresql://db.example.com:five/x", "port 'five' is not a number"),
    ("postgresql://db.example.com/x?colour=blue", "cannot be read: invalid URI query parameter"),
    ("postgresql://[::1/x", "cannot be read"),
])
def test_bad_urls_are_refused_before_any_connection(capsys, url, expected):
    code, out, err = run(capsys, "registry", "status", "--url", url)
    assert code == 2 and expected in err and "Traceback" not in err
    assert "Sup3rSecret" not in out + err


def test_tls_is_verified_unless_the_url_says_otherwise(monkeypatch, tmp_path):
    bundle = tmp_path / "cas.pem"
    bundle.write_text("certificate authorities\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    target = pg.parse_url("postgresql://db.example.com/reg")
    assert (target.sslmode, target.conninfo["sslrootcert"]) == ("verify-full", str(bundle))
    named = pg.parse_url("postgresql://db.example.com/reg?sslrootcert=/etc/our-ca.pem")
    assert (named.sslmode, named.conninfo["sslrootcert"]) == ("verify-full", "/etc/our-ca.pem")
    assert pg.parse_url("postgresql://db.example.com/reg?sslmode=require").sslmode == "require"
    assert pg.parse_url("postgresql://db.example.com/reg?sslmode=disable").sslmode == "disable"


@pytest.mark.parametrize("case", ["verified", "no CA named", "name not in the certificate", "CA only",
                                  "URL says disable"])
def test_tls_is_verify_full_by_default_against_a_server_that_offers_it(capsys, pg_tls_cluster, case):
    cluster, ca_file = pg_tls_cluster
    host = "127.0.0.1" if case in ("name not in the certificate", "CA only") else "localhost"
    query = {
        "verified": f"?sslrootcert={ca_file}",
        "no CA named": "",
        "name not in the certificate": f"?sslrootcert={ca_file}",
        "CA only": f"?sslrootcert={ca_file}&sslmode=verify-ca",
        "URL says disable": "?sslmode=disable",
    }[case]
    url = f"postgresql://postgres@{host}:{cluster.port}/postgres{query}"
    code, _out, err = run(capsys, "registry", "status", "--url", url, "--json")
    if case in ("no CA named", "name not in the certificate"):
        assert code == 2, err
        assert f"the TLS connection to {host}:{cluster.port}/postgres could not be verified" in err
        return
    # The connection was made (the maintenance database holds no registry): with TLS, or not, as asked.
    assert code == 2 and "holds no registry yet" in err, err
    with psycopg.connect(url) as conn:
        ssl_in_use = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]
    assert ssl_in_use is (case != "URL says disable")


# ---------------------------------------------------------------------------------------- test cluster

def test_without_postgresql_the_cases_skip_saying_what_to_install(monkeypatch):
    monkeypatch.setattr(cluster_helpers, "find_server_programs", lambda: None)
    monkeypatch.delenv(cluster_helpers.REQUIRE_ENV, raising=False)
    with pytest.raises(cluster_helpers.ClusterUnavailable) as missing:
        cluster_helpers.start_cluster()
    assert "PostgreSQL server programs not found: install postgresql" in str(missing.value)
    with pytest.raises(pytest.skip.Exception, match="install postgresql"):
        cluster_helpers.unavailable(str(missing.value))
    monkeypatch.setenv(cluster_helpers.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="must run here"):
        cluster_helpers.unavailable(str(missing.value))


def test_init_refuses_a_registry_written_by_a_newer_console_and_status_shows_it(capsys, pg_cluster,
                                                                                pg_registry):
    with pg_cluster.connect(pg_registry) as conn:
        conn.execute("UPDATE registry_meta SET schema_version = %s", (SCHEMA_VERSION + 1,))
    url = pg_cluster.url(pg_registry)
    code, _out, err = run(capsys, "registry", "init", "--url", url)
    assert code == 2 and "written by a newer console" in err and "update the console" in err
    code, out, err = run(capsys, "registry", "status", "--url", url)
    assert code == 0, err
    assert re.search(rf"^Schema version: +{SCHEMA_VERSION + 1} \(this console: {SCHEMA_VERSION}; written by "
                     "a newer console: update this one to use it\\)$", out, re.M)


# ------------------------------------------------------------------------------------------------ German
def test_status_and_a_refused_sign_in_are_german_and_the_json_byte_identical(capsys, pg_cluster, pg_logins,
                                                                             monkeypatch, compiled_catalogs):
    user = pg_logins.names["helpdesk"]
    url = pg_cluster.url(pg_logins.dbname, user, tcp=True)
    default_store().set(pg.password_key(pg.parse_url(url), user), pg_logins.passwords["helpdesk"])
    outputs = []
    for language in ("C.UTF-8", "de_DE.UTF-8"):
        monkeypatch.setenv("LANG", language)
        code, out, err = run(capsys, "registry", "status", "--url", url, "--json")
        assert code == 0, err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[1])["role_detail"] == "helpdesk (member of ec_helpdesk)"
    code, out, err = run(capsys, "registry", "status", "--url", url)
    assert code == 0, err
    assert re.search(r"^Angemeldet als: +helpdesk \(Mitglied von ec_helpdesk\)$", out, re.M), out
    monkeypatch.setenv("EC_PASSWORD", "not-the-password")
    code, _out, err = run(capsys, "registry", "login", "--url", url)
    assert code == 2 and "not-the-password" not in err
    assert f"hat die Anmeldung von '{user}' abgelehnt: Das Kennwort ist falsch oder fehlt (speichern Sie " \
           "es mit 'ec-console registry login --url URL'" in err


def test_a_role_refused_by_the_database_is_said_in_german(pg_cluster, pg_logins, monkeypatch,
                                                          compiled_catalogs):
    from ec_console.errors import RoleRefused

    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    url = pg_cluster.url(pg_logins.dbname, pg_logins.names["helpdesk"], tcp=True)
    with Registry(url, password=pg_logins.passwords["helpdesk"]) as helpdesk, \
            pytest.raises(RoleRefused) as err:
        helpdesk.add_application("Room booking", "exchange", "contoso.com")
    assert err.value.message == ("Ihre Rolle im Register (helpdesk) erlaubt nicht, Anwendungen hinzuzufügen: "
                                 "Wenden Sie sich an einen Administrator.")
