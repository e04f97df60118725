"""The registry: schema and migrations, file safety, the query API, units of work, audit, concurrency.

The query API, units of work and audit tests run on both engines (`reg`: the `any_registry` fixture, an
SQLite file and a PostgreSQL database through the same `Registry`); tests of what only an SQLite file has
(its permissions, WAL, PRAGMAs, FTS5 index, file locks, file migrations) use `sqlite_reg` and say so."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ec_console import paths
from ec_console import registry as registry_module
from ec_console.errors import BadInput, ConsoleError, ExitStatus, RoleRefused
from ec_console.registry import (
    MIGRATIONS,
    PROFILE_SORT_COLUMNS,
    SCHEMA_VERSION,
    AlreadyExists,
    Migration,
    NotFound,
    ProfileQuery,
    Registry,
    RegistryError,
    migrate,
    parse_utc,
    utc_now,
    utc_text,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def reg(any_registry):
    """The registry on each engine (SQLite, PostgreSQL)."""
    return any_registry


@pytest.fixture
def sqlite_reg():
    with Registry.for_region("us") as registry:
        yield registry


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# ------------------------------------------------------------------------------------------ files

def test_one_file_per_region_under_the_data_folder(ec_home):
    us, de = Registry.path_for_region("us"), Registry.path_for_region("de")
    assert us == paths.data_dir() / "registry-us.sqlite3" and de.name == "registry-de.sqlite3"
    assert str(us).startswith(str(ec_home))
    with Registry.for_region("us") as r_us, Registry.for_region("de") as r_de:
        r_us.add_application("Calendar sync", "exchange", "contoso.example")
        assert [a.name for a in r_us.list_applications()] == ["Calendar sync"]
        assert r_de.list_applications() == []


def test_each_of_the_six_data_centres_keeps_its_own_registry(ec_home):
    six = ["us", "de", "uk", "ca", "au", "sg"]
    assert {p.name for p in map(Registry.path_for_region, six)} == {f"registry-{r}.sqlite3" for r in six}
    for region_id in six:
        with Registry.for_region(region_id) as registry:
            app = registry.add_application(f"Calendar sync {region_id}", "exchange", f"{region_id}.example")
            registry.add_profile(app.id, f"ada@{region_id}.example", "Ada")
    for region_id in six:
        with Registry.for_region(region_id) as registry:
            assert [a.name for a in registry.list_applications()] == [f"Calendar sync {region_id}"]
            assert [p.email for p in registry.list_profiles()] == [f"ada@{region_id}.example"]


@pytest.mark.parametrize("bad", ["../us", "US", "", "us/../../x", "a" * 40, "1us"])
def test_region_ids_that_could_escape_the_folder_are_refused(bad):
    with pytest.raises(ValueError, match="not a region id"):
        Registry.path_for_region(bad)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_sqlite_registry_and_its_wal_are_private_to_the_user(sqlite_reg):
    sqlite_reg.add_application("Calendar sync", "exchange", "contoso.example")
    for suffix in ("", "-wal"):
        file = Path(f"{sqlite_reg.path}{suffix}")
        assert file.exists(), file
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_existing_registry_readable_by_others_is_made_private(tmp_path):
    path = tmp_path / "registry-x.sqlite3"
    Registry(path).close()
    path.chmod(0o644)
    Registry(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sqlite_connection_settings(sqlite_reg):
    with sqlite_reg.transaction() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert sqlite_reg.schema_version == SCHEMA_VERSION


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    content = b"These are my notes, not a database.\n" * 200
    path.write_bytes(content)
    with pytest.raises(RegistryError) as caught:
        Registry(path)
    assert str(path) in caught.value.message and "not a registry file" in caught.value.message
    assert isinstance(caught.value, ConsoleError)
    assert path.read_bytes() == content


def test_another_programs_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    with _raw(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(RegistryError, match="not an Enterprise Connect registry") as caught:
        Registry(path)
    assert str(path) in caught.value.message
    with _raw(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_a_registry_from_a_newer_console_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    Registry(path).close()
    with _raw(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RegistryError, match=r"newer version of the console \(schema") as caught:
        Registry(path)
    assert str(path) in caught.value.message
    with _raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


# ------------------------------------------------------------------------------------- migrations

def _make_v1_file(path: Path) -> None:
    """A registry as the first release wrote it, with data in it."""
    conn = _raw(path)
    assert migrate(conn, 1) == 1
    now = "2026-01-05T09:00:00Z"
    conn.execute("INSERT INTO applications (id, name, provider, domain, settings, status, created_at,"
                 " updated_at) VALUES (1, 'Calendar sync', 'exchange', 'contoso.example', '{\"ews_url\": \"https://x\"}',"
                 " 'active', ?, ?)", (now, now))
    # Müller was linked (a passing link) and has since broken; 4 is a failed link attempt that the old
    # meaning of Link recorded as a needs_relink profile: it was never linked.
    rows = [(1, "Jörg.Müller@contoso.example", "Jörg Müller", "needs_relink", "fail"),
            (2, "ada@contoso.example", "Ada Lovelace", "linked", "pass"),
            (3, "STRASSE@contoso.example", "Hans Straße", "linked", None),
            (4, "nobody@contoso.example", "No Body", "needs_relink", "fail")]
    for pid, email, name, status, result in rows:
        conn.execute("INSERT INTO profiles (id, application_id, email, display_name, status, last_checked_at,"
                     " last_result, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
                     (pid, email, name, status, now if result else None, result, now, now))
    for pid, kind, result, diagnosis in ((1, "link", "pass", None), (1, "check", "fail", "timeout"),
                                         (1, "check", "fail", "impersonation_denied"),
                                         (4, "link", "fail", "mailbox_not_found")):
        conn.execute("INSERT INTO checks (profile_id, application_id, kind, result, diagnosis, report,"
                     " created_at) VALUES (?, 1, ?, ?, ?, '{}', ?)", (pid, kind, result, diagnosis, now))
    conn.execute("INSERT INTO audit (at, os_user, action, subject, detail)"
                 " VALUES (?, 'ops', 'setup', 'x', '')", (now,))
    conn.close()


def test_a_version_1_file_is_migrated_with_its_data(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    _make_v1_file(path)
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION
        app = reg.find_application("calendar SYNC")
        assert app is not None and app.settings == {"ews_url": "https://x"} and app.health is None
        assert (app.linked_count, app.needs_relink_count, app.revoked_count) == (2, 1, 0)
        muller = reg.get_profile(1)
        # v2 back-filled the last diagnosis from the newest failed check; passing profiles have none.
        assert muller.last_diagnosis == "impersonation_denied"
        assert reg.get_profile(2).last_diagnosis is None
        # v3 back-filled the search keys: Unicode-aware, case-insensitive search works on old rows.
        assert reg.profile_ids(ProfileQuery(search="müller")) == [1]
        assert reg.profile_ids(ProfileQuery(search="strasse")) == [3]
        assert reg.profile_ids(ProfileQuery(sort="display_name")) == [2, 3, 1]
        # v5 removed the profile that was never linked (audited); its check stays with the application.
        assert reg.count_profiles() == 3 and reg.find_profile(1, "nobody@contoso.example") is None
        assert [(e.action, e.subject) for e in reg.audit_entries()] == [
            ("profile_removed_never_linked", "nobody@contoso.example"), ("setup", "x")]
        # the audit-chain upgrade chained both entries, the one v5 wrote included.
        chain = reg.verify_audit()
        assert chain.verified and chain.entries == 2
        assert [(c.profile_id, c.diagnosis) for c in reg.checks_for_application(1)] == [
            (None, "mailbox_not_found"), (1, "impersonation_denied"), (1, "timeout"), (1, None)]
    with Registry(path) as reg:  # opening again changes nothing
        assert reg.schema_version == SCHEMA_VERSION and reg.count_profiles() == 3
        assert len(reg.audit_entries()) == 2


def test_a_version_5_file_takes_microsoft_graph_applications_and_keeps_its_links(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    _make_v1_file(path)
    with Registry(path) as reg:
        pass
    with _raw(path) as conn:   # a file as version 5 left it: the provider may not be 'graph'
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = replace(sql, \"'google', 'graph'\", \"'google'\") "
                     "WHERE name = 'applications'")
        conn.execute(f"PRAGMA schema_version = {conn.execute('PRAGMA schema_version').fetchone()[0] + 1}")
        conn.execute("PRAGMA writable_schema = OFF")
        conn.execute("PRAGMA user_version = 5")
        conn.commit()
    with _raw(path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE applications SET provider = 'graph' WHERE id = 1")
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION
        app = reg.add_application("Graph app", "graph", "contoso.example", {"tenant_id": "t"})
        assert reg.get_application(app.id).provider == "graph"
        assert reg.get_application(1).linked_count == 2     # the old application keeps its profiles
    with _raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_each_migration_is_one_transaction(tmp_path, monkeypatch):
    path = tmp_path / "registry-us.sqlite3"
    _make_v1_file(path)
    broken = Migration(3, "fails half-way", (
        "ALTER TABLE profiles ADD COLUMN email_key TEXT NOT NULL DEFAULT ''",
        "UPDATE profiles SET email_key = no_such_function(email)",
    ))
    monkeypatch.setattr(registry_module, "MIGRATIONS", (MIGRATIONS[0], MIGRATIONS[1], broken))
    with pytest.raises(RegistryError, match="no_such_function"):
        Registry(path)
    with _raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2  # v2 committed, v3 undone
        columns = [r[1] for r in conn.execute("PRAGMA table_info(profiles)")]
        assert "last_diagnosis" in columns and "email_key" not in columns
    monkeypatch.undo()
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION and reg.profile_ids(ProfileQuery(search="MÜLLER")) == [1]


def _index_is_in_step(path: Path) -> None:
    """FTS5's own check that the trigram index holds exactly the search keys of every profile."""
    with _raw(path) as conn:
        conn.execute("INSERT INTO profiles_search (profiles_search) VALUES ('integrity-check')")


def test_a_version_3_file_gets_the_search_index_over_its_rows(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    _make_v1_file(path)
    with _raw(path) as conn:
        assert migrate(conn, 3) == 3
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'profiles_search'").fetchone() is None
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION and reg.search_index
        assert reg.profile_ids(ProfileQuery(search="MÜLLER@")) == [1]
        assert reg.profile_ids(ProfileQuery(search="hans strasse")) == [3]
        assert reg.profile_ids(ProfileQuery(search="lovelace")) == [2]
        assert reg.count_profiles(ProfileQuery(search="contoso.example")) == 3
    _index_is_in_step(path)


def test_a_search_index_migration_that_fails_half_way_leaves_version_3(tmp_path, monkeypatch):
    path = tmp_path / "registry-us.sqlite3"
    _make_v1_file(path)
    broken = (*registry_module._SEARCH_INDEX_STATEMENTS[:3], "INSERT INTO no_such_table VALUES (1)")
    monkeypatch.setattr(registry_module, "_SEARCH_INDEX_STATEMENTS", broken)
    with pytest.raises(RegistryError, match="no_such_table"):
        Registry(path)
    with _raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        search_objects = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'profiles_search%'")
        assert search_objects.fetchall() == []  # neither the index nor its triggers
    monkeypatch.undo()
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION and reg.search_index
        assert reg.profile_ids(ProfileQuery(search="lovelace")) == [2]
    _index_is_in_step(path)


def test_without_the_trigram_tokenizer_search_scans_and_the_index_comes_later(tmp_path, monkeypatch):
    path = tmp_path / "registry-us.sqlite3"
    _make_v1_file(path)
    monkeypatch.setattr(registry_module, "trigram_available", lambda conn: False)
    with Registry(path) as reg:  # an SQLite without FTS5: v4 is applied without the index
        assert reg.schema_version == SCHEMA_VERSION and not reg.search_index
        assert reg.profile_ids(ProfileQuery(search="müller")) == [1]
        reg.add_profile(1, "grace@contoso.example", "Grace Hopper")
    with _raw(path) as conn:
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'profiles_search'").fetchone() is None
    monkeypatch.undo()
    with Registry(path) as reg:  # opened later by an SQLite that has it: built over every row
        assert reg.search_index
        assert reg.profile_ids(ProfileQuery(search="grace hop")) == [4]
        assert reg.profile_ids(ProfileQuery(search="jörg.mü")) == [1]
    _index_is_in_step(path)


def test_sqlite_search_index_follows_every_write(sqlite_reg):
    assert sqlite_reg.search_index
    app = sqlite_reg.add_application("App", "exchange", "contoso.example")
    ada = sqlite_reg.add_profile(app.id, "ada@contoso.example", "Ada Lovelace")
    sqlite_reg.add_profiles(app.id, [("grace@contoso.example", "Grace Hopper"),
                                     ("alan@contoso.example", "Alan")])
    sqlite_reg.update_profile(ada.id, display_name="Ada King")
    sqlite_reg.record_profile_check(ada.id, result="pass", status="linked")
    assert sqlite_reg.profile_ids(ProfileQuery(search="lovelace")) == []
    assert sqlite_reg.profile_ids(ProfileQuery(search="ada king")) == [ada.id]
    with _raw(sqlite_reg.path) as conn:  # the registry has no delete; the trigger covers one made in SQL
        conn.execute("DELETE FROM profiles WHERE email = 'grace@contoso.example'")
    assert sqlite_reg.profile_ids(ProfileQuery(search="hopper")) == []
    _index_is_in_step(sqlite_reg.path)


def test_sqlite_long_needles_use_the_index_and_short_ones_scan(sqlite_reg):
    def plan(text: str) -> str:
        where, params = registry_module._where(ProfileQuery(search=text), sqlite_reg.search_index)
        rows = sqlite_reg._conn.execute(f"EXPLAIN QUERY PLAN SELECT p.id FROM profiles p{where}", params)
        return " ".join(str(r[-1]) for r in rows)

    assert "profiles_search VIRTUAL TABLE" in plan("ada")
    assert "profiles_search" not in plan("ad")
    assert "profiles_search" not in plan("a\u0301")  # NFKC makes it one character


def test_sqlite_a_needle_in_most_rows_scans_and_a_rare_one_uses_the_index(sqlite_reg):
    app = sqlite_reg.add_application("App", "exchange", "contoso.example")
    sqlite_reg.add_profiles(app.id, [(f"user{n}@contoso.example",
                                      "Ada Lovelace" if n % 500 == 0 else f"Person {n}")
                              for n in range(3000)])
    for text, narrowed in [("contoso", False), ("user", False), ("lovelace", True), ("user2999@", True),
                           ("zzz", True), ("co", False)]:
        query = ProfileQuery(search=text)
        assert sqlite_reg._narrow_by_index(query) is narrowed, text
        expected = [p.id for p in sqlite_reg.list_profiles(ProfileQuery(sort="email"))
                    if _fold(text) in _fold(p.email) or _fold(text) in _fold(p.display_name)]
        assert sqlite_reg.profile_ids(query) == expected, text


def _make_v4_file(path: Path) -> None:
    """A registry as version 4 wrote it: failed link attempts recorded as needs_relink profiles."""
    conn = _raw(path)
    assert migrate(conn, 4) == 4
    now = "2026-06-01T08:00:00Z"
    conn.execute("INSERT INTO applications (id, name, provider, domain, settings, status, created_at,"
                 " updated_at) VALUES (1, 'Room finder', 'exchange', 'contoso.example', '{}', 'active',"
                 " ?, ?)",
                 (now, now))
    profiles = [(1, "never@contoso.example", "needs_relink"),      # a failed link: only a failing check
                (2, "broke@contoso.example", "needs_relink"),      # linked once (a passing link), then broke
                (3, "warned@contoso.example", "needs_relink"),     # recorded with a warning, then broke
                (4, "nocheck@contoso.example", "needs_relink"),    # no check at all: never linked either
                (5, "fine@contoso.example", "linked"),
                (6, "gone@contoso.example", "revoked")]
    for pid, email, status in profiles:
        conn.execute("INSERT INTO profiles (id, application_id, email, status, created_at, updated_at,"
                     " email_key) VALUES (?, 1, ?, ?, ?, ?, ?)", (pid, email, status, now, now, email))
    checks = [(1, 1, "link", "fail", "impersonation_denied"),
              (1, None, "relink", "fail", "mailbox_not_found"),
              (2, 1, "link", "pass", None), (2, 1, "check", "fail", "impersonation_denied"),
              (3, 1, "link", "warn", None), (5, 1, "link", "pass", None)]
    for pid, app_id, kind, result, diagnosis in checks:
        conn.execute("INSERT INTO checks (profile_id, application_id, kind, result, diagnosis, report,"
                     " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (pid, app_id, kind, result, diagnosis, json.dumps({"target": f"profile {pid}"}), now))
    conn.close()


def test_a_version_4_file_loses_its_never_linked_profiles_with_an_audit_entry_each(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    _make_v4_file(path)
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION
        assert sorted(p.email for p in reg.list_profiles()) == [
            "broke@contoso.example", "fine@contoso.example", "gone@contoso.example", "warned@contoso.example"]
        removed = [(e.action, e.subject) for e in reg.audit_entries()]
        assert sorted(removed) == [("profile_removed_never_linked", "never@contoso.example"),
                                   ("profile_removed_never_linked", "nocheck@contoso.example")]
        [never] = reg.audit_entries(subject="never@contoso.example")
        assert "Room finder" in never.detail and "2 checks kept" in never.detail
        # The removed profile's checks stay, filed under the application (even one that named only the
        # profile), so the history of the attempt is not lost.
        rehomed = [c for c in reg.checks_for_application(1) if c.report.get("target") == "profile 1"]
        assert sorted((c.kind, c.profile_id, c.diagnosis) for c in rehomed) == [
            ("link", None, "impersonation_denied"), ("relink", None, "mailbox_not_found")]
        assert len(reg.checks_for_profile(2)) == 2
        assert reg.profile_ids(ProfileQuery(search="never")) == []   # the search index followed
    _index_is_in_step(path)
    with Registry(path) as reg:  # opening again changes nothing
        assert len(reg.audit_entries()) == 2 and reg.count_profiles() == 4


def test_removing_never_linked_profiles_twice_finds_nothing_more(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    _make_v4_file(path)
    with _raw(path) as conn:
        registry_module._register_functions(conn)
        conn.execute("BEGIN")
        MIGRATIONS[4].step(conn)
        MIGRATIONS[4].step(conn)
        conn.execute("COMMIT")
        assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 4


def test_the_never_linked_migration_is_one_transaction(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    _make_v4_file(path)
    with _raw(path) as conn:  # the second removal fails, after the first one was written
        conn.execute("CREATE TRIGGER fail_half_way BEFORE DELETE ON profiles WHEN old.id = 4"
                     " BEGIN SELECT RAISE(ABORT, 'disk went away half-way'); END")
    with pytest.raises(RegistryError, match="half-way"):
        Registry(path)
    with _raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        assert conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 6
        assert conn.execute("SELECT COUNT(*) FROM checks WHERE profile_id IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 0
        conn.execute("DROP TRIGGER fail_half_way")
    with Registry(path) as reg:
        assert reg.count_profiles() == 4 and len(reg.audit_entries()) == 2


def test_migrations_are_numbered_in_order():
    assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


# ---------------------------------------------------------------------------------- applications

def test_applications_add_find_update(reg):
    app = reg.add_application("  Calendar sync ", "exchange", "Contoso.Example",
                              {"ews_url": "https://mail.contoso.example/EWS/Exchange.asmx", "auth": "ntlm"})
    assert (app.name, app.provider, app.domain, app.status, app.health) == (
        "Calendar sync", "exchange", "contoso.example", "active", None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", app.created_at)
    assert reg.find_application("CALENDAR SYNC") == app
    assert reg.find_application("nope") is None
    with pytest.raises(AlreadyExists, match="already exists"):
        reg.add_application("calendar sync", "google", "contoso.example")
    updated = reg.update_application(app.id, settings={"auth": "basic"}, health="auth_failed")
    assert updated.settings == {"auth": "basic"} and updated.health == "auth_failed"
    assert reg.update_application(app.id, status="revoked").health == "auth_failed"  # "unchanged"
    assert reg.update_application(app.id, health=None).health is None
    with pytest.raises(NotFound):
        reg.get_application(999)


@pytest.mark.parametrize("args, fragment", [
    (("", "exchange", "contoso.example"), "application name is empty"),
    (("App", "imap", "contoso.example"), "Unknown provider 'imap'; expected one of: exchange, google, graph"),
    (("App", "exchange", "not a domain"), "is not a domain name"),
    (("App\x00", "exchange", "contoso.example"), "control characters"),
])
def test_application_input_is_checked(reg, args, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)) as caught:
        reg.add_application(*args)
    assert isinstance(caught.value, BadInput) and caught.value.exit_status == ExitStatus.BAD_INPUT


def test_application_status_and_health_are_checked(reg):
    app = reg.add_application("App", "google", "contoso.example")
    with pytest.raises(ValueError, match="Unknown application status 'paused'"):
        reg.update_application(app.id, status="paused")
    with pytest.raises(ValueError, match="not a code"):
        reg.update_application(app.id, health="Auth Failed!")


@pytest.mark.parametrize("settings_", [
    {"password": "hunter2-value"},
    {"client_secret": "hunter2-value"},
    {"clientSecret": "hunter2-value"},
    {"refresh_token": "hunter2-value"},
    {"private_key": "hunter2-value"},
    {"privateKey": "hunter2-value"},
    {"API-Key": "hunter2-value"},
    {"oauth": {"nested": [{"Token": "hunter2-value"}]}},
    {"key_file_contents": "-----BEGIN PRIVATE KEY-----\nhunter2-value\n-----END PRIVATE KEY-----\n"},
])
def test_settings_that_look_secret_are_refused_without_echoing_them(reg, settings_):
    with pytest.raises(ValueError, match="keychain") as caught:
        reg.add_application("App", "google", "contoso.example", settings_)
    assert "hunter2-value" not in str(caught.value)
    assert reg.list_applications() == []


def test_settings_that_only_name_secrets_are_accepted(reg):
    settings_ = {"token_uri": "https://oauth2.googleapis.com/token", "private_key_id": "abc123",
                 "client_email": "sa@project.iam.gserviceaccount.com", "client_id": "1234",
                 "scopes": ["https://www.googleapis.com/auth/calendar"], "secret_expiry": "2027-01-01"}
    app = reg.add_application("App", "google", "contoso.example", settings_)
    assert reg.get_application(app.id).settings == settings_
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        reg.update_application(app.id, settings={"when": {1, 2}})


def test_list_applications_counts_profiles_per_status(reg):
    a = reg.add_application("Room finder", "google", "contoso.example")
    b = reg.add_application("calendar sync", "exchange", "contoso.example")
    reg.add_profiles(a.id, [(f"u{i}@contoso.example", "") for i in range(5)])
    reg.add_profile(a.id, "x@contoso.example", status="needs_relink")
    reg.add_profile(b.id, "y@contoso.example", status="revoked")
    reg.update_application(b.id, status="revoked")
    apps = reg.list_applications()
    assert [(x.name, x.linked_count, x.needs_relink_count, x.revoked_count) for x in apps] == [
        ("calendar sync", 0, 0, 1), ("Room finder", 5, 1, 0)]
    assert [x.name for x in reg.list_applications(include_revoked=False)] == ["Room finder"]
    assert reg.status_counts() == {"linked": 5, "needs_relink": 1, "revoked": 1}
    assert reg.status_counts(application_id=b.id) == {"linked": 0, "needs_relink": 0, "revoked": 1}


# -------------------------------------------------------------------------------------- profiles

def test_profiles_add_find_and_duplicates(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    other = reg.add_application("Other", "google", "contoso.example")
    p = reg.add_profile(app.id, " Ada@Contoso.example ", " Ada Lovelace ")
    assert (p.email, p.display_name, p.status, p.application_name, p.provider) == (
        "Ada@Contoso.example", "Ada Lovelace", "linked", "App", "exchange")
    assert reg.find_profile(app.id, "ada@contoso.EXAMPLE") == p
    assert reg.find_profile(other.id, "ada@contoso.example") is None
    with pytest.raises(AlreadyExists, match="already linked through 'App'"):
        reg.add_profile(app.id, "ADA@contoso.example")
    assert reg.add_profile(other.id, "ada@contoso.example").application_id == other.id
    with pytest.raises(NotFound):
        reg.add_profile(999, "bob@contoso.example")
    with pytest.raises(ValueError, match="is not an email address"):
        reg.add_profile(app.id, "ada at contoso")
    with pytest.raises(ValueError, match="Unknown profile status 'gone'"):
        reg.add_profile(app.id, "bob@contoso.example", status="gone")


def test_add_profiles_is_all_or_nothing_unless_told_to_skip(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    reg.add_profile(app.id, "b@contoso.example")
    batch = [("a@contoso.example", "A"), ("B@contoso.example", "B"), ("c@contoso.example", "C")]
    with pytest.raises(AlreadyExists, match="B@contoso.example is already linked"):
        reg.add_profiles(app.id, batch)
    assert reg.count_profiles() == 1
    assert reg.add_profiles(app.id, batch, skip_existing=True) == 2
    assert reg.count_profiles() == 3
    with pytest.raises(AlreadyExists, match="D@contoso.example is already linked"):  # twice in one batch
        reg.add_profiles(app.id, [("d@contoso.example", ""), ("D@contoso.example", "")])
    assert reg.count_profiles() == 3


def test_profile_status_and_probe_outcome(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    p = reg.add_profile(app.id, "ada@contoso.example", "Ada")
    throttled = reg.record_profile_check(p.id, result="fail", diagnosis="throttled",
                                         checked_at="2026-03-01T10:00:00Z")
    assert (throttled.status, throttled.last_result, throttled.last_diagnosis, throttled.last_checked_at) == (
        "linked", "fail", "throttled", "2026-03-01T10:00:00Z")
    denied = reg.record_profile_check(p.id, result="fail", diagnosis="impersonation_denied",
                                      status="needs_relink")
    assert denied.status == "needs_relink" and denied.last_checked_at != "2026-03-01T10:00:00Z"
    relinked = reg.record_profile_check(p.id, result="pass", status="linked")
    assert (relinked.status, relinked.last_diagnosis) == ("linked", None)
    assert reg.set_profile_status(p.id, "revoked").status == "revoked"
    assert reg.update_profile(p.id, display_name="Ada L.").display_name == "Ada L."
    assert reg.profile_ids(ProfileQuery(search="ada l.")) == [p.id]
    with pytest.raises(NotFound):
        reg.set_profile_status(12345, "linked")
    with pytest.raises(ValueError, match="Unknown check result 'skip'"):
        reg.record_profile_check(p.id, result="skip")


def test_bulk_status_changes(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    other = reg.add_application("Other", "exchange", "contoso.example")
    reg.add_profiles(app.id, [(f"u{i}@contoso.example", "") for i in range(1000)])
    reg.add_profile(other.id, "z@contoso.example")
    ids = reg.profile_ids(ProfileQuery(application_id=app.id))
    assert reg.set_profiles_status(ids[:950], "revoked") == 950  # more ids than one IN list holds
    assert reg.set_profiles_status(ids[:10], "revoked") == 0     # already revoked: nothing changes
    assert reg.set_application_profiles_status(app.id, "needs_relink") == 1000
    assert reg.status_counts() == {"linked": 1, "needs_relink": 1000, "revoked": 0}


# --------------------------------------------------------------------------------------- queries

PEOPLE = [
    ("Calendar sync", "ada@contoso.example", "Ada Lovelace", "linked"),
    ("Calendar sync", "bob@contoso.example", "Bob Builder", "needs_relink"),
    ("Calendar sync", "carol@contoso.example", "Carol Shannon", "revoked"),
    ("Calendar sync", "zoe@contoso.example", "Zoë Müller", "linked"),
    ("Room finder", "ada2@contoso.example", "Ada Lovelace", "linked"),
    ("Room finder", "ADA@contoso.example", "Ada Lovelace", "needs_relink"),
    ("Room finder", "budget50%@contoso.example", "Budget 50% team", "linked"),
    ("Room finder", "a_b@contoso.example", "A_B Room", "linked"),
    ("Room finder", "axb@contoso.example", "AxB Room", "linked"),
    ("Room finder", "back\\slash@contoso.example", "Back\\slash", "linked"),
    ("Room finder", "strasse@contoso.example", "Hans Straße", "linked"),
    ("Room finder", "dan@contoso.example", "", "revoked"),
    ("Room finder", "pat@contoso.example", 'Pat "the boss" O\'Brien*', "linked"),
]


@pytest.fixture(params=["index", "scan", "postgresql"])
def search_reg(request, ec_home, monkeypatch):
    """A registry whose searches use SQLite's trigram index, one forced onto the LIKE scan (no FTS5), and a
    PostgreSQL one (pg_trgm)."""
    if request.param == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        with Registry(cluster.url(request.getfixturevalue("pg_registry"))) as registry:
            yield registry
        return
    if request.param == "scan":
        monkeypatch.setattr(registry_module, "trigram_available", lambda conn: False)
    with Registry.for_region("us") as registry:
        assert registry.search_index is (request.param == "index")
        yield registry


@pytest.fixture
def people(search_reg):
    reg = search_reg
    apps = {name: reg.add_application(name, "exchange" if name == "Calendar sync" else "google",
                                      "contoso.example") for name in ("Room finder", "Calendar sync")}
    for app_name, email, name, status in PEOPLE:
        reg.add_profile(apps[app_name].id, email, name, status)
    # Check times with ties, to exercise the tie-breakers.
    for pid, when, result in [(1, "2026-02-01T08:00:00Z", "pass"), (2, "2026-02-01T08:00:00Z", "fail"),
                              (5, "2026-01-01T08:00:00Z", "warn"), (7, "2026-03-01T08:00:00Z", "pass")]:
        reg.record_profile_check(pid, result=result, checked_at=when)
    return reg, apps


def _reference(reg: Registry, query: ProfileQuery) -> list[int]:
    """The expected ids, computed in Python from every profile (the spec, not the implementation)."""
    rows = reg.profiles_by_ids(range(1, 1000))
    needle = query.search.strip()
    if needle:
        rows = [p for p in rows if _fold(needle) in _fold(p.email) or _fold(needle) in _fold(p.display_name)]
    if query.status:
        rows = [p for p in rows if p.status == query.status]
    if query.application_id:
        rows = [p for p in rows if p.application_id == query.application_id]

    def null_first(value):
        return (value is not None, value or "")

    def key(p):
        email = _fold(p.email)
        return {
            "email": (email,),
            "display_name": (_fold(p.display_name), email, p.status),
            "application": (p.application_name.lower(), p.application_id, email, p.status),
            "provider": (p.provider, p.application_name.lower(), p.application_id, email, p.status),
            "status": (p.status, email),
            "last_checked_at": (null_first(p.last_checked_at), email, p.status),
            "last_result": (null_first(p.last_result), email, p.status),
        }[query.sort] + (p.id,)

    return [p.id for p in sorted(rows, key=key, reverse=query.descending)]


@pytest.mark.parametrize("sort", PROFILE_SORT_COLUMNS)
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_orders_totally_with_ties_broken_the_same_way(people, sort, descending):
    reg, apps = people
    for filters in [{}, {"status": "linked"}, {"application_id": apps["Room finder"].id},
                    {"application_id": apps["Room finder"].id, "status": "linked"}, {"search": "ada"},
                    {"search": "room", "status": "linked"}]:
        query = ProfileQuery(sort=sort, descending=descending, **filters)
        expected = _reference(reg, query)
        assert reg.profile_ids(query) == expected, filters
        assert [p.id for p in reg.list_profiles(query)] == expected
        assert reg.count_profiles(query) == len(expected)


def test_profile_rows_carry_their_application(people):
    reg, apps = people
    rows = reg.list_profiles(ProfileQuery(application_id=apps["Calendar sync"].id))
    assert [p.email for p in rows] == ["ada@contoso.example", "bob@contoso.example", "carol@contoso.example",
                                       "zoe@contoso.example"]
    assert {(p.application_name, p.provider, p.application_id) for p in rows} == {
        ("Calendar sync", "exchange", apps["Calendar sync"].id)}


@pytest.mark.parametrize("text, expected", [
    ("50%", ["budget50%@contoso.example"]),
    ("%", ["budget50%@contoso.example"]),
    ("a_b", ["a_b@contoso.example"]),
    ("_", ["a_b@contoso.example"]),
    ("\\", ["back\\slash@contoso.example"]),
    ("k\\s", ["back\\slash@contoso.example"]),
    ("MÜLLER", ["zoe@contoso.example"]),
    ("straße", ["strasse@contoso.example"]),
    ("  BOB ", ["bob@contoso.example"]),
    ("nobody", []),
    ("\x00", []),
    ("\ud800", []),                                 # a lone surrogate (undecodable argv bytes)
    ("lovelace\udcff", []),
    ('"the boss"', ["pat@contoso.example"]),       # FTS5 syntax in the text is literal text
    ('the" bo', []),
    ("o'brien*", ["pat@contoso.example"]),
    ("boss AND pat", []),
    ("lovelace", ["ada2@contoso.example", "ada@contoso.example", "ADA@contoso.example"]),
    ("ADA@", ["ada@contoso.example", "ADA@contoso.example"]),
])
def test_search_is_a_literal_case_insensitive_substring(people, text, expected):
    reg, _ = people
    found = reg.list_profiles(ProfileQuery(search=text))
    assert [p.email for p in found] == expected
    assert reg.count_profiles(ProfileQuery(search=text)) == len(expected)


_TRICKY = list("%_\\aAbB5 0@.ßSsİiIıéÉ\u0301ﬁ'\"*():^-+") + ["ss", "Ada", "50%", "a_b", "ada@c", "e.ex",
                                                              "the", " bo", "AND", "NEAR"]


def test_any_search_text_matches_exactly_the_python_substring_filter(people):
    reg, _ = people

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(_TRICKY) | st.characters(), max_size=6).map("".join))
    def check(text):
        query = ProfileQuery(search=text)
        assert reg.profile_ids(query) == _reference(reg, query)

    check()


@pytest.mark.parametrize("query, fragment", [
    (ProfileQuery(sort="mailbox"), "Unknown sort column 'mailbox'; choose one of: email, display_name"),
    (ProfileQuery(status="active"), "Unknown profile status 'active'; expected one of: linked"),
    (ProfileQuery(search="x" * 300), "search text is longer than 256 characters"),
])
def test_bad_queries_are_value_errors_with_a_clear_message(reg, query, fragment):
    for call in (reg.profile_ids, reg.list_profiles, reg.count_profiles):
        with pytest.raises(ValueError, match=re.escape(fragment)) as caught:
            call(query)
        assert caught.value.exit_status == ExitStatus.BAD_INPUT


def test_pages_and_rows_by_id(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    reg.add_profiles(app.id, [(f"user{i:04d}@contoso.example", f"User {i}") for i in range(2000)])
    ids = reg.profile_ids(ProfileQuery(sort="email", descending=True))
    assert len(ids) == 2000 == reg.count_profiles()
    assert [p.id for p in reg.list_profiles(ProfileQuery(sort="email", descending=True), limit=100,
                                            offset=1950)] == ids[1950:]
    wanted = ids[::-1][:1500] + [999_999]  # more than one IN list, plus an id that does not exist
    rows = reg.profiles_by_ids(wanted)
    assert [p.id for p in rows] == wanted[:-1]
    assert rows[0].email == "user0000@contoso.example"
    assert reg.profiles_by_ids([]) == []
    with pytest.raises(ValueError, match="must not be negative"):
        reg.list_profiles(limit=-1)


# ----------------------------------------------------------------------------------- transactions

def test_a_unit_of_work_commits_together(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    p = reg.add_profile(app.id, "ada@contoso.example")
    with reg.transaction():
        reg.record_profile_check(p.id, result="fail", diagnosis="impersonation_denied", status="needs_relink")
        check = reg.record_check(kind="check", result="fail", diagnosis="impersonation_denied",
                                 report={"steps": [{"id": "impersonate", "status": "fail"}]}, profile_id=p.id)
        reg.audit("profile_check", f"profile:{p.email}", "impersonation_denied")
    assert reg.get_profile(p.id).status == "needs_relink"
    assert reg.checks_for_profile(p.id) == [check] and check.application_id == app.id
    assert reg.audit_entries(subject="profile:ada@contoso.example")[0].detail == "impersonation_denied"


def test_a_failed_unit_of_work_leaves_the_previous_state(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    p = reg.add_profile(app.id, "ada@contoso.example")
    with pytest.raises(RuntimeError, match="probe crashed"):
        with reg.transaction():
            reg.record_profile_check(p.id, result="fail", status="needs_relink")
            reg.record_check(kind="check", result="fail", report={}, profile_id=p.id)
            reg.audit("profile_check", "profile:ada", "")
            raise RuntimeError("probe crashed")
    assert reg.get_profile(p.id).status == "linked" and reg.get_profile(p.id).last_result is None
    assert reg.checks_for_profile(p.id) == [] and reg.audit_entries() == []


def test_nested_transactions_join_the_outer_one(reg):
    app = reg.add_application("App", "exchange", "contoso.example")
    with pytest.raises(RuntimeError):
        with reg.transaction():
            with reg.transaction():
                reg.add_profile(app.id, "inner@contoso.example")
            raise RuntimeError("outer fails")
    assert reg.count_profiles() == 0  # the inner block's work went with the outer one
    with reg.transaction():
        reg.add_profile(app.id, "kept@contoso.example")
        with pytest.raises(AlreadyExists):
            reg.add_profile(app.id, "KEPT@contoso.example")  # fails inside: only its own work is undone
        with pytest.raises(RuntimeError):
            with reg.transaction():
                reg.add_profile(app.id, "undone@contoso.example")
                raise RuntimeError("inner fails")
        reg.audit("profile_link", "profile:kept@contoso.example")
    assert [p.email for p in reg.list_profiles()] == ["kept@contoso.example"]
    assert len(reg.audit_entries()) == 1


def test_checks_are_stored_with_their_report(reg):
    app = reg.add_application("App", "google", "contoso.example")
    p = reg.add_profile(app.id, "ada@contoso.example")
    first = reg.record_check(kind="setup", result="pass", report={"steps": []}, application_id=app.id)
    second = reg.record_check(kind="link", result="warn", report={"data": {"n": 1.5, "ok": True}},
                              profile_id=p.id)
    assert reg.checks_for_profile(p.id) == [second] and second.report == {"data": {"n": 1.5, "ok": True}}
    assert reg.checks_for_application(app.id) == [second, first]
    with pytest.raises(ValueError, match="belongs to a profile or an application"):
        reg.record_check(kind="check", result="pass", report={})
    with pytest.raises(ValueError, match="holds a private key"):
        reg.record_check(kind="check", result="pass", profile_id=p.id,
                         report={"detail": "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY"})
    other = reg.add_application("Other", "google", "contoso.example")
    with pytest.raises(ValueError, match="belongs to application"):
        reg.record_check(kind="check", result="pass", report={}, profile_id=p.id, application_id=other.id)
    with pytest.raises(NotFound):
        reg.record_check(kind="check", result="pass", report={}, profile_id=4242)


# ------------------------------------------------------------------------------------------ audit

def test_the_audit_trail_is_append_only_even_for_raw_sql(reg):
    reg.audit("application_add", "application:App", "exchange")
    reg.audit("application_revoke", "application:App", "withdrawal not verified (skipped by the admin)")
    for statement in ["UPDATE audit SET detail = 'rewritten'",
                      "DELETE FROM audit WHERE id = (SELECT MIN(id) FROM audit)", "DELETE FROM audit"]:
        # SQLite's trigger aborts; PostgreSQL's refuses for every role, in the console's words.
        on_sqlite = reg.engine == "sqlite"
        refused = (pytest.raises(sqlite3.IntegrityError, match="audit is append-only") if on_sqlite
                   else pytest.raises(RoleRefused, match="may not change the audit"))
        with refused, reg.transaction() as conn:
            conn.execute(statement)
    if reg.engine == "sqlite":
        with _raw(reg.path) as conn, pytest.raises(sqlite3.IntegrityError, match="audit is append-only"):
            conn.execute("DELETE FROM audit")
    entries = reg.audit_entries()
    assert [e.action for e in entries] == ["application_revoke", "application_add"]  # newest first
    assert entries[1].detail == "exchange"
    assert reg.audit_entries(limit=1, offset=1) == [entries[1]]


def test_audit_records_utc_time_and_os_user(reg, monkeypatch):
    monkeypatch.setattr(registry_module.getpass, "getuser", lambda: "helpdesk-7")
    before = datetime.now(UTC).replace(microsecond=0)
    entry = reg.audit("profile_revoke", "profile:ada@contoso.example")
    assert entry.os_user == "helpdesk-7"
    assert before <= parse_utc(entry.at) <= datetime.now(UTC)


def test_audit_without_a_login_name_says_unknown(monkeypatch):
    def no_user():
        raise OSError("no login name")

    monkeypatch.setattr(registry_module.getpass, "getuser", no_user)
    with Registry.for_region("de") as reg:
        assert reg.audit("profile_revoke", "profile:x").os_user == "unknown"
        with pytest.raises(ValueError, match="not a code"):
            reg.audit("Revoke everything", "x")


def test_utc_times():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc_now())
    cet = timezone(timedelta(hours=1))
    assert utc_text(datetime(2026, 11, 23, 23, 18, 9, 500, tzinfo=cet)) == "2026-11-23T22:18:09Z"
    assert parse_utc("2026-11-23T22:18:09Z") == datetime(2026, 11, 23, 22, 18, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        utc_text(datetime(2026, 1, 1))


# ------------------------------------------------------------------------------------ concurrency

def test_sqlite_reading_while_another_connection_holds_a_write_transaction(sqlite_reg):
    app = sqlite_reg.add_application("App", "exchange", "contoso.example")
    sqlite_reg.add_profile(app.id, "ada@contoso.example")
    with Registry(sqlite_reg.path) as other:
        with other.transaction():
            other.add_profile(app.id, "bob@contoso.example")
            assert sqlite_reg.count_profiles() == 1        # not blocked, sees the committed state
            assert [p.email for p in sqlite_reg.list_profiles()] == ["ada@contoso.example"]
        assert sqlite_reg.count_profiles() == 2


def test_sqlite_a_writer_waits_for_the_other_then_succeeds(sqlite_reg):
    app = sqlite_reg.add_application("App", "exchange", "contoso.example")
    errors: list[BaseException] = []
    asking = threading.Event()

    def second_writer():
        try:
            with Registry(sqlite_reg.path, busy_timeout_ms=20_000) as mine:
                # SQLite traces a statement as it starts, before it waits for the lock.
                mine._conn.set_trace_callback(  # noqa: SLF001
                    lambda sql: asking.set() if sql.startswith("BEGIN IMMEDIATE") else None)
                mine.add_profile(app.id, "waited@contoso.example")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    with sqlite_reg.transaction():
        sqlite_reg.add_profile(app.id, "first@contoso.example")
        worker = threading.Thread(target=second_writer, name="second-writer")
        worker.start()
        assert asking.wait(10), "the second writer never asked for the write lock"
        worker.join(0.2)
        assert worker.is_alive() and errors == [], "the second writer did not wait for the held lock"
    worker.join(30)
    assert not worker.is_alive() and errors == []
    assert {p.email for p in sqlite_reg.list_profiles()} == {"first@contoso.example",
                                                              "waited@contoso.example"}


def test_sqlite_opening_an_up_to_date_registry_does_not_wait_for_a_writer(sqlite_reg):
    app = sqlite_reg.add_application("App", "exchange", "contoso.example")
    with sqlite_reg.transaction():
        sqlite_reg.add_profile(app.id, "holder@contoso.example")
        # would raise "is busy" if it took the lock
        with Registry(sqlite_reg.path, busy_timeout_ms=50) as other:
            assert other.count_profiles() == 0


def test_sqlite_a_lock_held_past_the_busy_timeout_is_a_clear_error(sqlite_reg):
    app = sqlite_reg.add_application("App", "exchange", "contoso.example")
    with Registry(sqlite_reg.path, busy_timeout_ms=50) as impatient:
        with sqlite_reg.transaction():
            sqlite_reg.add_profile(app.id, "holder@contoso.example")
            with pytest.raises(RegistryError, match="is busy") as caught:
                impatient.add_profile(app.id, "late@contoso.example")
    assert str(sqlite_reg.path) in caught.value.message
    assert sqlite_reg.count_profiles() == 1


_CHILD = """
import sys
from pathlib import Path
from ec_console.registry import Registry
path, app_id, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
with Registry(path, busy_timeout_ms=30000) as sqlite_reg:
    print("ready", flush=True)
    sys.stdin.readline()  # go: the test's two threads start writing at the same moment
    for i in range(count):
        with sqlite_reg.transaction():
            p = sqlite_reg.add_profile(app_id, f"process-{i}@contoso.example")
            sqlite_reg.audit("profile_link", f"profile:{p.email}")
print("done")
"""


def test_sqlite_two_objects_and_another_process_write_at_once(sqlite_reg):
    app = sqlite_reg.add_application("App", "exchange", "contoso.example")
    count = 60
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(sqlite_reg.path), str(app.id), str(count)],
                             cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def writer(name: str):
        try:
            with Registry(sqlite_reg.path, busy_timeout_ms=30_000) as mine:
                barrier.wait(10)
                for i in range(count):
                    with mine.transaction():
                        p = mine.add_profile(app.id, f"{name}-{i}@contoso.example")
                        mine.audit("profile_link", f"profile:{p.email}")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,), name=f"writer-{n}") for n in ("a", "b")]
    for t in threads:
        t.start()
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready"
    barrier.wait(10)
    child.stdin.write("go\n")
    child.stdin.flush()
    for t in threads:
        t.join(60)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0 and out.strip() == "done", err
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert sqlite_reg.count_profiles() == 3 * count
    assert len(sqlite_reg.audit_entries()) == 3 * count
    assert {p.email.split("-")[0] for p in sqlite_reg.list_profiles()} == {"a", "b", "process"}
    with sqlite_reg.transaction() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# ------------------------------------------------------------------------ rename and remove applications

def test_rename_application_keeps_its_rows_and_refuses_a_taken_name(reg):
    app = reg.add_application("Contoso EWS", "exchange", "contoso.com", {"username": "svc"})
    other = reg.add_application("Fabrikam", "exchange", "fabrikam.com")
    profile = reg.add_profile(app.id, "ada@contoso.com", "Ada")
    renamed = reg.rename_application(app.id, "Contoso Calendar")
    assert (renamed.id, renamed.name, renamed.settings) == (app.id, "Contoso Calendar", {"username": "svc"})
    assert reg.get_profile(profile.id).application_name == "Contoso Calendar"
    assert reg.find_application("contoso ews") is None
    assert reg.rename_application(app.id, "CONTOSO calendar").name == "CONTOSO calendar"   # case alone
    with pytest.raises(AlreadyExists, match="(?i)fabrikam.* already exists"):
        reg.rename_application(app.id, "fabrikam")
    assert reg.get_application(other.id).name == "Fabrikam"
    with pytest.raises(NotFound):
        reg.rename_application(999, "Anything")


def test_delete_application_only_when_revoked_and_audit_stays(reg):
    app = reg.add_application("Old app", "exchange", "contoso.com")
    keep = reg.add_application("Keep", "exchange", "contoso.com")
    p1 = reg.add_profile(app.id, "ada@contoso.com")
    reg.add_profile(app.id, "bob@contoso.com")
    kept_profile = reg.add_profile(keep.id, "ada@contoso.com")
    reg.record_check(kind="link", result="pass", report={"steps": []}, profile_id=p1.id)
    reg.record_check(kind="setup", result="pass", report={"steps": []}, application_id=app.id)
    reg.record_check(kind="setup", result="pass", report={"steps": []}, application_id=keep.id)
    reg.audit("application_added", "Old app", "exchange")
    with pytest.raises(BadInput, match="not revoked"):
        reg.delete_application(app.id)
    assert reg.count_profiles(ProfileQuery(application_id=app.id)) == 2
    reg.update_application(app.id, status="revoked")
    assert reg.delete_application(app.id) == (2, 2)
    assert reg.find_application("Old app") is None
    assert reg.count_profiles() == 1 and reg.get_profile(kept_profile.id).email == "ada@contoso.com"
    assert len(reg.checks_for_application(keep.id)) == 1
    assert [e.action for e in reg.audit_entries(subject="Old app")] == ["application_added"]
    assert reg.profile_ids(ProfileQuery(search="bob@contoso")) == []     # the search index followed


def test_checks_for_application_without_a_limit(reg):
    app = reg.add_application("Many checks", "exchange", "contoso.com")
    for _ in range(60):
        reg.record_check(kind="setup", result="pass", report={}, application_id=app.id)
    assert len(reg.checks_for_application(app.id)) == 50
    assert len(reg.checks_for_application(app.id, limit=None)) == 60


def test_a_version_5_file_takes_graph_applications_and_keeps_its_rows_and_references(tmp_path):
    path = tmp_path / "registry-us.sqlite3"
    _make_v1_file(path)
    with _raw(path) as conn:
        assert migrate(conn, 5) == 5
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                         "VALUES ('M365', 'graph', 'contoso.example', 'x', 'x')")
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION
        old = reg.find_application("calendar SYNC")
        assert old is not None and old.provider == "exchange" and old.settings == {"ews_url": "https://x"}
        assert reg.count_profiles() == 3 and reg.get_profile(1).application_id == old.id
        graph = reg.add_application("M365", "graph", "contoso.example", {"client_id": "c"})
        assert reg.get_application(graph.id).provider == "graph"
        assert [a.provider for a in reg.list_applications()] == ["exchange", "graph"]
    with _raw(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute("DELETE FROM applications WHERE name = 'calendar sync'")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                         "VALUES ('Other', 'imap', 'contoso.example', 'x', 'x')")
