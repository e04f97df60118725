"""The audit's hash chain on PostgreSQL (schema `AUDIT_CHAIN_VERSION`): written by the server, verified by
`audit_chain.verify` walking the rows in id order through a server-side cursor.

Every case runs against a real throwaway cluster (conftest.py `pg_cluster`, `pg_registry`, `pg_logins`).
"""

from __future__ import annotations

import json

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ec_console import audit_chain
from ec_console import registry_pg as pg
from ec_console.registry import AUDIT_CHAIN_VERSION, AUDIT_IDS_VERSION, Registry

NOW = "2026-12-03T10:00:00Z"


def _append(conn, action: str = "check_all_finished", subject: str = "all", detail: str = "",
            os_user: str = "hank", **extra) -> tuple:
    columns = ["at", "os_user", "action", "subject", "detail", *extra]
    values = [NOW, os_user, action, subject, detail, *extra.values()]
    marks = ", ".join(["%s"] * len(values))
    return conn.execute(f"INSERT INTO audit ({', '.join(columns)}) VALUES ({marks}) "
                        "RETURNING id, db_session_user, prev_hash, row_hash", values).fetchone()


def _python_hash(prev: str, row: tuple) -> str:
    at, os_user, session_user, action, subject, detail = row
    content = audit_chain.canonical(at, os_user, session_user, action, subject, detail)
    return audit_chain.row_hash(prev, content)


def test_the_server_records_who_signed_in_whatever_the_client_sends(pg_logins):
    with pg_logins("admin") as admin:
        _, who, _, _ = _append(admin, "profile_linked", db_session_user="postgres", prev_hash="0" * 64,
                               row_hash="f" * 64)
        assert who == pg_logins.names["admin"]
    with pg_logins("helpdesk") as helpdesk:
        _, who, _, _ = _append(helpdesk, db_session_user=pg_logins.names["admin"])
        assert who == pg_logins.names["helpdesk"]
        rows = helpdesk.execute("SELECT prev_hash, row_hash, at, os_user, db_session_user, action, subject, "
                                "detail FROM audit ORDER BY id").fetchall()
    # Each hash is the one audit_chain computes over the previous one (the client's hashes were ignored).
    prev = audit_chain.GENESIS
    for stored_prev, stored_hash, *content in rows:
        assert stored_prev == prev
        assert stored_hash == _python_hash(prev, tuple(content))
        prev = stored_hash
    with pg_logins("helpdesk") as helpdesk:
        assert pg.audit_head(helpdesk) == audit_chain.ChainHead(2, prev)


def test_an_audit_written_by_both_roles_verifies_and_a_superusers_edit_is_caught(pg_cluster, pg_logins):
    with pg_logins("admin") as admin:
        for i in range(5):
            _append(admin, "profile_linked", f"user{i}@contoso.com")
    with pg_logins("helpdesk") as helpdesk:
        _append(helpdesk, detail="12 profiles checked")
        result = pg.verify_audit(helpdesk)
    assert result.verified and result.entries == 6 and result.last_id is not None
    with pg_cluster.connect(pg_logins.dbname) as su:  # a superuser gets round the append-only trigger
        target = su.execute("SELECT id FROM audit ORDER BY id OFFSET 2 LIMIT 1").fetchone()[0]
        su.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
        su.execute("UPDATE audit SET subject = 'someone@else.com' WHERE id = %s", (target,))
    with pg_logins("admin") as admin:
        result = pg.verify_audit(admin)
    assert (result.verified, result.broken.kind, result.broken.id, result.entries) == \
        (False, "edited", target, 2)


def test_a_deleted_entry_and_deleted_newest_entries_are_caught(pg_cluster, pg_logins):
    with pg_logins("admin") as admin:
        ids = [_append(admin, "profile_linked", f"user{i}@contoso.com")[0] for i in range(4)]
    with pg_cluster.connect(pg_logins.dbname) as su:
        su.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_delete")
        su.execute("DELETE FROM audit WHERE id = %s", (ids[-1],))
    with pg_logins("admin") as admin:
        result = pg.verify_audit(admin)
    assert (result.broken.kind, result.broken.id, result.entries, result.last_id) == \
        ("truncated", None, 3, ids[2])
    with pg_cluster.connect(pg_logins.dbname) as su:
        su.execute("DELETE FROM audit WHERE id = %s", (ids[1],))
    with pg_logins("admin") as admin:
        result = pg.verify_audit(admin)
    assert (result.broken.kind, result.broken.id, result.entries) == ("deleted", ids[2], 1)


def test_an_entry_given_a_fork_of_the_chain_is_refused(pg_cluster, pg_logins):
    """The unique index on prev_hash: even the owner, bypassing the trigger, cannot fork the chain."""
    with pg_logins("admin") as admin:
        _append(admin, "profile_linked")
    with pg_cluster.connect(pg_logins.dbname) as su:
        su.execute(f"ALTER TABLE audit DISABLE TRIGGER {pg.AUDIT_CHAIN_TRIGGER}")
        with pytest.raises(psycopg.errors.UniqueViolation):   # (without the trigger, nothing numbers it)
            su.execute("INSERT INTO audit (id, at, os_user, action, prev_hash, row_hash) VALUES (1000, %s, "
                       "'x', 'y', %s, %s)", (NOW, audit_chain.GENESIS, "a" * 64))


def test_the_walk_is_streamed_in_batches_in_id_order(pg_logins):
    with pg_logins("admin") as admin:
        ids = [_append(admin, "profile_linked", f"u{i}")[0] for i in range(7)]
        with admin.transaction():
            walked = [row.id for row in pg.iter_audit_chain(admin, batch=3)]
        assert walked == sorted(ids)
        result = pg.verify_audit(admin, known_head=pg.audit_head(admin).head)
        assert result.verified and result.entries == 7


def test_upgrading_a_registry_chains_its_existing_entries(pg_cluster, pg_database):
    with pg.connect(pg_cluster.url(pg_database)) as conn:
        with conn.transaction():
            pg.migrate(conn, AUDIT_CHAIN_VERSION - 1)
        for i in range(3):
            conn.execute("INSERT INTO audit (at, os_user, action, subject, detail) VALUES (%s, 'ann', "
                         "'profile_linked', %s, 'naïve \"quoted\"\n')", (NOW, f"u{i}"))
        conn.commit()
        with conn.transaction():
            assert pg.migrate(conn)[1] >= AUDIT_CHAIN_VERSION
        result = pg.verify_audit(conn)
        conn.commit()
        assert result.verified and result.entries == 3
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE db_session_user IS NULL").fetchone()[0] == 3
        # Entries appended after the upgrade follow the chained ones.
        _append(conn, "profile_linked")
        conn.commit()
        assert pg.verify_audit(conn).entries == 4


# Text PostgreSQL can hold: no NUL, no lone surrogates; control characters, quotes, backslashes and
# non-ASCII (combining marks, emoji, right-to-left) included.
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=_TEXT, os_user=_TEXT, session_user=st.none() | _TEXT, action=_TEXT, subject=_TEXT, detail=_TEXT)
def test_the_servers_canonical_form_is_audit_chains(pg_cluster, pg_registry, at, os_user, session_user,
                                                     action, subject, detail):
    with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as conn:
        server, digest = conn.execute(
            "SELECT c, ec_audit_row_hash(%s, c) FROM ec_audit_canonical(%s, %s, %s, %s, %s, %s) AS c",
            (audit_chain.GENESIS, at, os_user, session_user, action, subject, detail)).fetchone()
    expected = audit_chain.canonical(at, os_user, session_user, action, subject, detail)
    assert server.encode("utf-8") == expected
    assert digest == audit_chain.row_hash(audit_chain.GENESIS, expected)


def test_the_control_characters_are_escaped_as_python_does(pg_cluster, pg_registry):
    text = "".join(chr(c) for c in range(1, 0x20)) + "\x7f\"\\/é€😀"
    with pg.connect(pg_cluster.url(pg_registry), autocommit=True) as conn:
        server = conn.execute("SELECT ec_audit_canonical(%s, '', NULL, '', '', '')", (text,)).fetchone()[0]
    assert server.encode("utf-8") == audit_chain.canonical(text, "", None, "", "", "")


# ------------------------------------------------------------------ ec-console audit verify --registry URL

def _cli(capsys, *args: str) -> tuple[int, str, str]:
    from ec_console import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _login_url(pg_cluster, pg_logins, role: str) -> str:
    """The URL a person's console uses, the password kept in the keychain as `registry login` does."""
    from ec_console.secrets import default_store

    name = pg_logins.names[role]
    url = pg_cluster.url(pg_logins.dbname, name, tcp=True)
    default_store().set(pg.password_key(pg.parse_url(url), name), pg_logins.passwords[role])
    return url


def test_audit_verify_of_a_postgresql_registry_says_as_for_sqlite(capsys, pg_cluster, pg_logins):
    import re

    with pg_logins("admin") as admin:
        for i in range(3):
            _append(admin, "profile_linked", f"user{i}@contoso.com")
        last_at = admin.execute("SELECT at FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    url = _login_url(pg_cluster, pg_logins, "helpdesk")
    code, out, err = _cli(capsys, "audit", "verify", "--registry", url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"Audit chain verified: 3 entries, last {last_at}"
    assert re.fullmatch(r"Head: [0-9a-f]{64}", lines[1]) and "--known-head" in lines[2]
    head = lines[1].split()[1]
    assert _cli(capsys, "audit", "verify", "--registry", url, "--known-head", head)[0] == 0
    code, out, _ = _cli(capsys, "audit", "verify", "--registry", url, "--known-head", "ab" * 32, "--json")
    assert code == 1 and json.loads(out)["broken"]["kind"] == "truncated"


def test_audit_verify_catches_an_update_made_by_a_superuser(capsys, pg_cluster, pg_logins):
    with pg_logins("admin") as admin:
        ids = [_append(admin, "profile_linked", f"user{i}@contoso.com")[0] for i in range(3)]
    with pg_cluster.connect(pg_logins.dbname) as su:
        su.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
        su.execute("UPDATE audit SET detail = 'nothing happened' WHERE id = %s", (ids[1],))
    url = _login_url(pg_cluster, pg_logins, "admin")
    code, out, err = _cli(capsys, "audit", "verify", "--registry", url, "--json")
    assert code == 1, err
    data = json.loads(out)
    assert data["verified"] is False and data["region"] is None and pg_logins.dbname in data["registry"]
    assert (data["broken"]["kind"], data["broken"]["id"], data["entries"]) == ("edited", ids[1], 1)
    code, out, _ = _cli(capsys, "audit", "verify", "--registry", url)
    assert code == 1 and out.startswith(f"Audit chain broken at entry {ids[1]} (") and "edited" in out
    assert "backup" in out


def test_audit_verify_of_a_database_without_a_registry_is_refused(capsys, pg_cluster, pg_database):
    code, out, err = _cli(capsys, "audit", "verify", "--registry", pg_cluster.url(pg_database))
    assert code == 2 and "holds no registry yet" in err and "Traceback" not in err


def test_audit_verify_of_a_registry_before_the_chain_is_refused(capsys, pg_cluster, pg_database):
    with pg.connect(pg_cluster.url(pg_database)) as conn:
        with conn.transaction():
            pg.migrate(conn, AUDIT_CHAIN_VERSION - 1)
    code, out, err = _cli(capsys, "audit", "verify", "--registry", pg_cluster.url(pg_database))
    assert code == 2 and "before the audit had a hash chain" in err and "registry init" in err


def test_audit_verify_takes_a_region_or_a_registry_not_both(capsys, pg_cluster, pg_registry):
    code, out, err = _cli(capsys, "audit", "verify", "--region", "us", "--registry",
                          pg_cluster.url(pg_registry))
    assert code == 2 and "not both" in err


def test_appends_from_two_consoles_at_once_keep_id_order_as_chain_order(pg_logins):
    """A console that took its id before another console's append committed still comes after it in both
    the chain and the id order (the id is given under the head's lock), so the walk in id order verifies."""
    import threading
    import time

    first = pg_logins("admin")
    first.autocommit = False
    _append(first, "profile_linked", "a1")             # holds the head's lock until it commits
    errors: list[BaseException] = []

    def other_console() -> None:
        try:
            with pg_logins("helpdesk") as conn:
                _append(conn, subject="b1")              # waits for the lock
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=other_console)
    thread.start()
    with pg_logins("helpdesk") as watcher:  # sees its own login's sessions' waits
        for _ in range(500):
            if watcher.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND "
                               "wait_event_type = 'Lock'", (pg_logins.dbname,)).fetchone()[0]:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the second console never waited for the head's lock")
    _append(first, "profile_linked", "a2")             # after the other console drew its default id
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not thread.is_alive() and not errors
    with pg_logins("admin") as conn:
        assert [r[0] for r in conn.execute("SELECT subject FROM audit ORDER BY id")] == ["a1", "a2", "b1"]
        result = pg.verify_audit(conn)
    assert result.verified and result.entries == 3


def test_audit_ids_follow_one_another_whoever_appends(pg_cluster, pg_registry, pg_logins):
    with Registry(pg_cluster.url(pg_registry)) as registry:
        for i in range(3):
            registry.audit("profile_linked", f"u{i}@contoso.com", "by the test")
    with pg_logins("helpdesk") as helpdesk:
        _append(helpdesk, subject="h1")
    with pg_logins("admin") as admin:
        _append(admin, subject="a1")
        ids = [row[0] for row in admin.execute("SELECT id FROM audit ORDER BY id")]
        assert pg.verify_audit(admin).verified
    assert len(ids) == 5 and ids == list(range(ids[0], ids[0] + 5))


def test_upgrading_to_consecutive_audit_ids_continues_after_the_highest(pg_cluster, pg_database):
    with pg.connect(pg_cluster.url(pg_database)) as conn:
        with conn.transaction():
            pg.migrate(conn, AUDIT_IDS_VERSION - 1)
        before = [_append(conn, subject=f"old{i}")[0] for i in range(3)]
        conn.commit()
        assert before[1] - before[0] == 2                 # the gap this step closes
        with conn.transaction():
            assert pg.migrate(conn, AUDIT_IDS_VERSION)[1] == AUDIT_IDS_VERSION
        after = [_append(conn, subject=f"new{i}")[0] for i in range(3)]
        conn.commit()
        assert after == [before[-1] + 1, before[-1] + 2, before[-1] + 3]
        # `registry migrate` finds the sequence the ids come from (it sets it after copying rows).
        assert conn.execute("SELECT pg_get_serial_sequence('public.audit', 'id')").fetchone()[0] \
            == f"public.{pg.AUDIT_ID_SEQUENCE}"
        # The step again changes nothing: the next id still follows the highest one.
        with conn.transaction():
            for statement in pg.PG_MIGRATIONS[AUDIT_IDS_VERSION - 1].statements:
                conn.execute(statement)
        assert _append(conn, subject="again")[0] == after[-1] + 1
        conn.commit()
        result = pg.verify_audit(conn)
        assert result.verified and result.entries == 7
