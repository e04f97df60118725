"""The audit log's query (words, local days, in SQL), its readable action names and its labelled fields."""

from __future__ import annotations

import json
from datetime import date, timedelta, timezone

import pytest

import ec_console.registry as registry_module
from ec_console import audit, cli
from ec_console.audit_labels import action_label
from ec_console.registry import AuditQuery, Registry, RegistryInputError


def _add(registry: Registry, monkeypatch, at: str, action: str, subject: str, detail: str = "") -> None:
    with monkeypatch.context() as patch:
        patch.setattr(registry_module, "utc_now", lambda: at)
        registry.audit(action, subject, detail)


@pytest.fixture
def registry(any_registry, monkeypatch):
    """Four entries in a registry of each engine (SQLite, PostgreSQL): the query is the same SQL on both."""
    reg = any_registry
    _add(reg, monkeypatch, "2026-12-01T08:00:00Z", "profile_linked", "ÄNNE@contoso.example", "linked")
    _add(reg, monkeypatch, "2026-12-01T09:00:00Z", "profile_revoked", "bob@contoso.example", "50% done_x")
    _add(reg, monkeypatch, "2026-12-02T09:00:00Z", "application_updated", "Room booking", "scope changed")
    _add(reg, monkeypatch, "2026-12-03T09:00:00Z", "profile_linked", "carl@contoso.example", "linked")
    return reg


def _subjects(registry: Registry, query: AuditQuery, limit: int = 100) -> list[str]:
    entries, _matched = registry.search_audit(query, limit=limit)
    return [e.subject for e in entries]


def test_words_match_any_field_case_folded_and_every_word_is_needed(registry):
    assert _subjects(registry, AuditQuery(words=("änne",))) == ["ÄNNE@contoso.example"]
    assert _subjects(registry, AuditQuery(words=("LINKED", "carl"))) == ["carl@contoso.example"]
    assert _subjects(registry, AuditQuery(words=("linked", "nobody"))) == []


def test_like_wildcards_in_a_word_are_plain_characters(registry):
    assert _subjects(registry, AuditQuery(words=("50%",))) == ["bob@contoso.example"]
    assert _subjects(registry, AuditQuery(words=("e_x",))) == ["bob@contoso.example"]
    assert _subjects(registry, AuditQuery(words=("%",))) == ["bob@contoso.example"]


def test_a_word_of_a_readable_action_name_finds_its_code(registry):
    # "Application changed" is what a person reads for application_updated.
    assert _subjects(registry, AuditQuery(words=("changed",))) == ["Room booking"]
    assert _subjects(registry, AuditQuery(words=("application", "changed"))) == ["Room booking"]


def test_times_bound_the_query_and_the_count_goes_beyond_the_limit(registry):
    query = AuditQuery(since="2026-12-01T09:00:00Z", before="2026-12-03T09:00:00Z")
    assert _subjects(registry, query) == ["Room booking", "bob@contoso.example"]      # since in, before out
    entries, matched = registry.search_audit(AuditQuery(), limit=2)
    assert [e.subject for e in entries] == ["carl@contoso.example", "Room booking"] and matched == 4


def test_iter_audit_takes_the_same_query(registry):
    query = AuditQuery(words=("linked",), since="2026-12-02T00:00:00Z")
    assert [e.subject for e in registry.iter_audit(query=query, batch=1)] == ["carl@contoso.example"]


def test_search_text_too_long_is_refused(registry):
    with pytest.raises(RegistryInputError, match="longer than"):
        registry.search_audit(AuditQuery(words=("x" * 300,)), limit=10)


def test_local_days_become_utc_bounds_with_both_days_included():
    plus_one = timezone(timedelta(hours=1))
    assert audit.day_range(date(2026, 12, 1), date(2026, 12, 2), plus_one) == (
        "2026-11-30T23:00:00Z", "2026-12-02T23:00:00Z")
    minus_five = timezone(timedelta(hours=-5))
    assert audit.day_range(None, date(2026, 12, 31), minus_five) == (None, "2027-01-01T05:00:00Z")
    assert audit.day_range(date(2026, 12, 1), None, minus_five) == ("2026-12-01T05:00:00Z", None)


def test_action_names_are_plain_words_and_unknown_codes_still_read():
    assert action_label("profile_link_failed") == "Link failed"
    assert action_label("application_updated") == "Application changed"
    assert action_label("profile_moved_elsewhere") == "Profile moved elsewhere"


def test_entry_fields_label_every_field_and_unpack_a_json_detail(registry, monkeypatch):
    _add(registry, monkeypatch, "2026-12-04T09:00:00Z", "check_all_finished", "check_all:all",
         json.dumps({"run": "r-1", "needs_relink": 2, "scope": {"application": 4}, "cancelled": True}))
    [entry] = registry.audit_entries(limit=1)
    fields = dict(audit.entry_fields(entry, "2026-12-04 10:00"))
    assert fields["Time"] == "2026-12-04 10:00 (2026-12-04T09:00:00Z UTC)"
    assert fields["Action"] == "Check all finished (check_all_finished)"
    assert fields["User"] == entry.os_user and fields["Subject"] == "check_all:all"
    assert fields["Entry"] == str(entry.id)                       # the number `audit verify` names
    assert fields["Run"] == "r-1" and fields["Needs relink"] == "2" and fields["Cancelled"] == "yes"
    assert fields["Scope"] == "Application: 4"
    assert audit.detail_fields("plain words {") == [("Detail", "plain words {")]
    assert audit.detail_fields("") == []


def test_cli_text_listing_prints_readable_names_json_keeps_codes(capsys):
    with Registry.for_region("us") as reg:
        reg.audit("profile_link_failed", "ann@contoso.example", "through Room booking")
    assert cli.main(["audit", "list", "--region", "us"]) == 0
    out = capsys.readouterr().out
    assert "Link failed" in out and "profile_link_failed" not in out
    assert cli.main(["audit", "list", "--region", "us", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["action"] == "profile_link_failed"


def test_every_action_the_console_writes_has_a_readable_name():
    """Scan the source for audit actions written as literals (`.audit("code", ...)` and the registry's own
    migration entries): each must have a plain-words label, not the fallback of its own code."""
    import re
    from pathlib import Path

    import ec_console
    from ec_console.audit_labels import ACTION_LABELS

    root = Path(ec_console.__file__).parent
    written: set[str] = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written.update(re.findall(r"\.audit\(\s*\"([a-z_]+)\"", text))
        for insert in re.finditer(r"INSERT INTO audit", text):  # an action written in SQL: the row's values
            written.update(re.findall(r"\"((?:profile|application)_[a-z_]+)\"",
                                      text[insert.end():insert.end() + 300]))
    assert {"profile_linked", "profile_not_linked", "application_renamed"} <= written   # the scan sees them
    assert sorted(written - set(ACTION_LABELS)) == []


def test_audit_texts_in_german_keep_flags_codes_and_field_names(registry, compiled_catalogs):
    from ec_console import i18n
    from ec_console.errors import BadInput

    i18n.set_language("de")
    try:
        with pytest.raises(BadInput) as refused:
            audit.parse_since("gestern", "--since")
        assert refused.value.message == ("--since: 'gestern' ist kein Datum und keine Uhrzeit. Geben Sie ein "
                                         "ISO-Datum (2026-12-01) oder eine UTC-Zeitangabe "
                                         "(2026-12-01T08:30:00Z) an")
        registry.audit("check_all_finished", "check_all:all",
                       json.dumps({"needs_relink": 1, "cancelled": True}))
        entry = next(e for e in registry.audit_entries() if e.action == "check_all_finished")
        fields = dict(audit.entry_fields(entry, "04.12.2026 10:00"))
        assert fields["Aktion"] == "Alle prüfen beendet (check_all_finished)"
        assert fields["Zeit"] == f"04.12.2026 10:00 ({entry.at} UTC)" and fields["Objekt"] == "check_all:all"
        assert fields["Needs relink"] == "1" and fields["Cancelled"] == "ja"    # JSON field names stay
        assert audit.detail_fields("freier Text") == [("Detail", "freier Text")]
    finally:
        i18n.set_language(None)
