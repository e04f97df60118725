"""The audit's SHA-256 hash chain: written in the insert's transaction, added to an existing audit by the
migration, and `verify` names the first broken link for each way a superuser can tamper with the file (an
UPDATE, a DELETE in the middle or at the end, a swap, an insertion, a forged row)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ec_console import audit_chain
from ec_console.audit_chain import GENESIS
from ec_console.registry import (
    AUDIT_CHAIN_VERSION,
    AUDIT_HEAD_TABLE,
    MIGRATIONS,
    Registry,
    RegistryError,
    RegistryInputError,
    migrate,
)


def documented_hash(prev: str, at: str, os_user: str, action: str, subject: str, detail: str,
                    db_session_user: str | None = None) -> str:
    """row_hash as docs/registry.md spells it out (written here independently of the module)."""
    fields = {"action": action, "at": at, "db_session_user": db_session_user, "detail": detail,
              "os_user": os_user, "subject": subject}
    content = "{" + ",".join(f"{json.dumps(k)}:{json.dumps(fields[k], ensure_ascii=False)}"
                             for k in sorted(fields)) + "}"
    return hashlib.sha256(prev.encode("ascii") + content.encode("utf-8")).hexdigest()


def _registry(entries: int = 5) -> Registry:
    registry = Registry.for_region("us")
    for n in range(1, entries + 1):
        registry.audit("profile_linked", f"user{n}@contoso.example", f"linked through Room booking ({n})")
    return registry


def _superuser(registry: Registry) -> sqlite3.Connection:
    """A plain sqlite3 connection to the file with the append-only triggers and the index that keeps the
    chain from forking dropped, as a superuser would."""
    conn = sqlite3.connect(registry.path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DROP INDEX audit_chain_links")
    return conn


def _rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT id, at, os_user, action, subject, detail, prev_hash, row_hash FROM audit"
                        " ORDER BY id").fetchall()


def test_each_entry_is_chained_to_the_one_before_as_documented():
    with _registry(3) as registry:
        registry.audit("application_added", "Terminplanung", "für beispiel.de — Straße")
        conn = sqlite3.connect(registry.path)
        rows = _rows(conn)
        conn.close()
        prev = GENESIS
        for _id, at, user, action, subject, detail, stored_prev, stored in rows:
            assert stored_prev == prev
            assert stored == documented_hash(prev, at, user, action, subject, detail)
            prev = stored
        result = registry.verify_audit()
    assert result.verified and result.entries == 4 and result.head == prev
    assert result.last_id == rows[-1][0] and result.last_at == rows[-1][1]


def test_an_empty_audit_verifies():
    with Registry.for_region("us") as registry:
        result = registry.verify_audit()
    assert result.verified and result.entries == 0 and result.last_id is None and result.head == GENESIS


def test_the_migration_chains_an_existing_audit_in_id_order():
    path = Registry.path_for_region("us")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, AUDIT_CHAIN_VERSION - 1)
    old = [(f"2026-01-0{n}T10:00:00Z", "alice", "profile_linked", f"u{n}@contoso.example", f"n={n}")
           for n in range(1, 7)]
    conn.executemany("INSERT INTO audit (at, os_user, action, subject, detail) VALUES (?, ?, ?, ?, ?)", old)
    conn.close()
    with Registry(path) as registry:
        assert registry.schema_version >= AUDIT_CHAIN_VERSION
        registry.audit("application_added", "Room booking", "after the upgrade")
        result = registry.verify_audit()
        conn = sqlite3.connect(path)
        rows = _rows(conn)
        head = conn.execute(f"SELECT entries, head FROM {AUDIT_HEAD_TABLE}").fetchone()
        conn.close()
    assert result.verified and result.entries == 7
    prev = GENESIS
    for _id, at, user, action, subject, detail, stored_prev, stored in rows:
        assert (stored_prev, stored) == (prev, documented_hash(prev, at, user, action, subject, detail))
        prev = stored
    assert head == (7, prev)


def test_running_the_chain_step_again_changes_nothing():
    with _registry(4) as registry:
        conn = sqlite3.connect(registry.path, isolation_level=None)
        before = _rows(conn)
        conn.execute("BEGIN IMMEDIATE")
        registry_step = next(m for m in MIGRATIONS if m.version == AUDIT_CHAIN_VERSION).step
        registry_step(conn)
        conn.execute("COMMIT")
        assert _rows(conn) == before
        conn.close()
        assert registry.verify_audit().verified


def test_the_triggers_still_refuse_an_update_or_delete():
    with _registry(2) as registry:
        conn = sqlite3.connect(registry.path)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit SET detail = 'x' WHERE id = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit WHERE id = 2")
        conn.close()


def test_an_update_by_a_superuser_is_caught_at_that_entry():
    with _registry(5) as registry:
        su = _superuser(registry)
        su.execute("UPDATE audit SET os_user = 'mallory' WHERE id = 3")
        su.close()
        result = registry.verify_audit()
    assert not result.verified
    assert (result.broken.kind, result.broken.id, result.broken.action) == ("edited", 3, "profile_linked")
    assert result.entries == 2 and result.last_id == 2


def test_an_update_that_also_rewrites_the_entrys_hash_breaks_the_next_link():
    with _registry(5) as registry:
        su = _superuser(registry)
        _id, at, user, action, subject, _detail, prev, _h = _rows(su)[2]
        forged = documented_hash(prev, at, user, action, subject, "nothing happened")
        su.execute("UPDATE audit SET detail = 'nothing happened', row_hash = ? WHERE id = 3", (forged,))
        su.close()
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id) == ("deleted", 4)


def test_a_deleted_middle_entry_is_named_as_a_gap():
    with _registry(5) as registry:
        su = _superuser(registry)
        su.execute("DELETE FROM audit WHERE id = 3")
        su.close()
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id) == ("deleted", 4)
    assert "between entry 2 and this one" in result.broken.reason


def test_a_deleted_first_entry_is_caught():
    with _registry(3) as registry:
        su = _superuser(registry)
        su.execute("DELETE FROM audit WHERE id = 1")
        su.close()
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id) == ("deleted", 2)


def test_a_deleted_last_entry_is_caught_by_the_recorded_head_and_otherwise_only_by_a_noted_head():
    with _registry(5) as registry:
        noted = registry.verify_audit().head
        su = _superuser(registry)
        su.execute("DELETE FROM audit WHERE id = 5")
        result = registry.verify_audit()
        assert (result.broken.kind, result.broken.id, result.entries) == ("truncated", None, 4)
        assert "recorded 5 entries but 4 remain" in result.broken.reason
        # A superuser who also rewrites the recorded head leaves a chain that holds on its own ...
        su.execute(f"UPDATE {AUDIT_HEAD_TABLE} SET entries = 4, head = (SELECT row_hash FROM audit"
                   " WHERE id = 4)")
        su.close()
        assert registry.verify_audit().verified
        # ... which only the head noted earlier, outside the file, catches.
        against_noted = registry.verify_audit(known_head=noted)
    assert against_noted.broken.kind == "truncated" and "head you noted" in against_noted.broken.reason


def test_a_noted_head_still_in_a_longer_chain_verifies():
    with Registry.for_region("us") as registry:
        empty = registry.verify_audit().head                  # noted while the audit was empty
        assert registry.verify_audit(known_head=empty).verified
    with _registry(3) as registry:
        noted = registry.verify_audit().head
        registry.audit("application_added", "Room booking", "later")
        assert registry.verify_audit(known_head=noted).verified
        assert registry.verify_audit(known_head=empty).verified


def test_two_rows_swapped_are_named_as_reordered():
    with _registry(5) as registry:
        su = _superuser(registry)
        rows = {r[0]: r[1:] for r in _rows(su)}
        for target, source in ((2, 4), (4, 2)):
            su.execute("UPDATE audit SET at = ?, os_user = ?, action = ?, subject = ?, detail = ?,"
                       " prev_hash = ?, row_hash = ? WHERE id = ?", (*rows[source], target))
        su.close()
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id) == ("reordered", 2)
    assert "follows entry 3" in result.broken.reason


def test_an_entry_put_in_between_is_named():
    with _registry(3) as registry:
        su = _superuser(registry)
        _rid, _at, _u, _a, _s, _d, _p, head = _rows(su)[-1]
        # An entry appended with the console's method but a later id leaves a gap of ids ...
        at = "2026-12-03T09:00:00Z"
        later = documented_hash(head, at, "alice", "profile_revoked", "x@contoso.example", "")
        su.execute("INSERT INTO audit (id, at, os_user, action, subject, detail, prev_hash, row_hash)"
                   " VALUES (10, ?, 'alice', 'profile_revoked', 'x@contoso.example', '', ?, ?)",
                   (at, head, later))
        # ... into which a forged entry, correctly hashed after entry 3, is put.
        forged = documented_hash(head, at, "mallory", "profile_linked", "y@contoso.example", "")
        su.execute("INSERT INTO audit (id, at, os_user, action, subject, detail, prev_hash, row_hash)"
                   " VALUES (5, ?, 'mallory', 'profile_linked', 'y@contoso.example', '', ?, ?)",
                   (at, head, forged))
        su.close()
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id) == ("inserted", 5)
    assert (result.entries, result.last_id, result.head) == (3, 3, head)     # the entries before it


def test_an_entry_put_in_before_the_first_is_named():
    with _registry(2) as registry:
        su = _superuser(registry)
        at = "2026-12-01T09:00:00Z"
        forged = documented_hash(GENESIS, at, "mallory", "profile_linked", "y@contoso.example", "")
        su.execute("INSERT INTO audit (id, at, os_user, action, subject, detail, prev_hash, row_hash)"
                   " VALUES (0, ?, 'mallory', 'profile_linked', 'y@contoso.example', '', ?, ?)",
                   (at, GENESIS, forged))
        su.close()
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id, result.entries, result.last_id) == ("inserted", 0, 0, None)


def test_a_forged_row_appended_with_a_wrong_hash_or_none_is_caught():
    with _registry(3) as registry:
        su = _superuser(registry)
        head = _rows(su)[-1][-1]
        su.execute("INSERT INTO audit (at, os_user, action, subject, detail, prev_hash, row_hash) VALUES"
                   " ('2026-12-03T09:00:00Z', 'mallory', 'profile_linked', 'y@contoso.example', '', ?, ?)",
                   (head, "ab" * 32))
        result = registry.verify_audit()
        assert (result.broken.kind, result.broken.id) == ("edited", 4)
        su.execute("DELETE FROM audit WHERE id = 4")
        su.execute("INSERT INTO audit (at, os_user, action, subject, detail) VALUES"
                   " ('2026-12-03T09:00:00Z', 'mallory', 'profile_linked', 'y@contoso.example', '')")
        su.close()
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id) == ("unhashed", 4)


def test_two_connections_appending_at_once_keep_one_chain():
    Registry.for_region("us").close()
    errors: list[BaseException] = []

    def append(who: str) -> None:
        try:
            with Registry.for_region("us") as registry:
                for n in range(60):
                    registry.audit("profile_checked", f"{who}{n}@contoso.example", who)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(who,)) for who in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Registry.for_region("us") as registry:
        result = registry.verify_audit()
        conn = sqlite3.connect(registry.path)
        writers = [r[0] for r in conn.execute("SELECT detail FROM audit ORDER BY id")]
        conn.close()
    assert result.verified and result.entries == 120
    assert writers.count("a") == writers.count("b") == 60


def test_the_chain_cannot_fork_even_outside_a_transaction():
    with _registry(2) as registry:
        conn = sqlite3.connect(registry.path)
        first = _rows(conn)[0]
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO audit (at, os_user, action, subject, detail, prev_hash, row_hash)"
                         " VALUES ('2026-12-03T09:00:00Z', 'x', 'y', '', '', ?, ?)", (first[6], "cd" * 32))
        conn.close()


def test_the_chain_is_read_in_batches_oldest_first():
    with _registry(7) as registry:
        queries: list[str] = []
        registry._conn.set_trace_callback(queries.append)
        ids = [row.id for row in registry.iter_audit_chain(batch=3)]
        registry._conn.set_trace_callback(None)
    assert ids == sorted(ids) and len(ids) == 7
    assert len([q for q in queries if "FROM audit" in q]) == 3          # 3 + 3 + 1 rows, never all at once


@pytest.mark.parametrize("text", ["", "abc", "g" * 64, "a" * 63])
def test_a_malformed_known_head_is_refused(text):
    with pytest.raises(audit_chain.BadInput, match="64-character"):
        audit_chain.parse_head(text)


def test_the_console_keeps_auditing_after_a_row_added_without_a_hash():
    with _registry(3) as registry:
        su = _superuser(registry)
        su.execute("CREATE UNIQUE INDEX audit_chain_links ON audit (prev_hash)")   # the guard back in place
        su.execute("INSERT INTO audit (at, os_user, action, subject, detail) VALUES"
                   " ('2026-12-03T09:00:00Z', 'mallory', 'profile_linked', 'y@contoso.example', '')")
        su.close()
        registry.audit("profile_revoked", "z@contoso.example", "after the forged row")
        result = registry.verify_audit()
    assert (result.broken.kind, result.broken.id) == ("unhashed", 4)


def test_an_entry_that_cannot_be_chained_is_refused_with_a_clear_message():
    with _registry(3) as registry:
        su = _superuser(registry)
        su.execute("CREATE UNIQUE INDEX audit_chain_links ON audit (prev_hash)")
        # A copy of entry 1 appended as the newest: its hash is already what entry 2 follows.
        su.execute("INSERT INTO audit (at, os_user, action, subject, detail, prev_hash, row_hash)"
                   " SELECT at, os_user, action, subject, detail, NULL, row_hash FROM audit WHERE id = 1")
        su.close()
        with pytest.raises(RegistryError, match="changed outside the console.*audit verify"):
            registry.audit("profile_revoked", "z@contoso.example", "")


def test_undecodable_text_is_refused_with_a_clear_message():
    with Registry.for_region("us") as registry:
        for subject, detail in (("s", "bad \udc80 byte"), ("\udc80", "")):
            with pytest.raises(RegistryInputError, match="readable text"):
                registry.audit("profile_linked", subject, detail)
        assert registry.verify_audit().entries == 0


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=6), data=st.data())
def test_any_text_chains_and_any_one_changed_field_is_named(entries, data):
    from ec_console.audit_chain import ChainRow, verify

    rows, prev = [], GENESIS
    for n, (subject, detail) in enumerate(entries, start=1):
        at = f"2026-12-03T10:00:{n:02d}Z"
        digest = documented_hash(prev, at, "anna", "profile_linked", subject, detail)
        rows.append(ChainRow(n, at, "anna", None, "profile_linked", subject, detail, prev, digest))
        prev = digest
    assert verify(rows, find=lambda _d: None).verified
    victim = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(["at", "os_user", "db_session_user", "action", "subject", "detail"]))
    old = getattr(rows[victim], field)
    value = data.draw(_TEXT.filter(lambda v: v != old))
    changed = [*rows]
    changed[victim] = replace(rows[victim], **{field: value})
    broken = verify(changed, find=lambda _d: None).broken
    assert broken is not None and (broken.kind, broken.id) == ("edited", victim + 1)


def test_the_windows_line_is_german_while_the_export_header_and_json_reason_stay_english(compiled_catalogs):
    from ec_console import i18n
    from ec_console.audit_labels import action_label

    with _registry(5) as registry:
        su = _superuser(registry)
        su.execute("DELETE FROM audit WHERE id = 5")
        su.close()
        result = registry.verify_audit()
    english_header = audit_chain.export_header(result, "2026-12-03T18:00:00Z")
    english_reason = audit_chain.result_json(result)["broken"]["reason"]
    i18n.set_language("de")
    try:
        line = audit_chain.status_line(result, action_label, lambda at: "03.12.2026 18:00")
        assert line == ("Kette unterbrochen nach Eintrag 4 (die neuesten Einträge gelöscht): Der neueste "
                        "verbliebene Eintrag ist vom 03.12.2026 18:00 — das Register verzeichnete 5 "
                        "Einträge, aber nur 4 sind noch da: 1 Eintrag am Ende wurde gelöscht.")
        assert audit_chain.advice(result).startswith("Die verbliebenen Einträge sind unverändert.")
        assert audit_chain.export_header(result, "2026-12-03T18:00:00Z") == english_header
        assert audit_chain.result_json(result)["broken"]["reason"] == english_reason
    finally:
        i18n.set_language(None)
    assert english_header.startswith("# Audit chain NOT verified at 2026-12-03T18:00:00Z: Audit chain broken "
                                     "after entry 4 (")
    assert english_reason == "the registry recorded 5 entries but 4 remain: the newest 1 entry was deleted"
