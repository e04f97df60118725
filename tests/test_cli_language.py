"""The command line in German with LANG=de_DE.UTF-8: help and refusals translated, `--json` unchanged."""

from __future__ import annotations

import json
import re

import pytest

from ec_console.registry import Registry
from tests.cli_run import run
from tests.sandbox_setup import sandbox_fixture


@pytest.fixture
def german(monkeypatch, compiled_catalogs):
    from ec_console import i18n

    i18n.set_language(None)   # the command line follows LANG, not a window's choice an earlier test left
    def switch(on: bool) -> None:
        monkeypatch.setenv("LANG", "de_DE.UTF-8" if on else "en_US.UTF-8")
    return switch


def test_top_level_help_is_german(german, capsys):
    german(True)
    code, out, err = run(capsys, "--help")
    assert code == 0 and err == ""
    assert out.startswith("Aufruf: ec-console")
    assert "Optionen:" in out and "diese Hilfe anzeigen und beenden" in out
    assert "Dienstkonto" in out and "Exit-Status: 0 in Ordnung" in out
    assert "verknüpfte Kalenderprofile auflisten und verwalten" in out   # the commands' one-line help
    # Commands, flags, variables and codes stay as they are typed.
    for literal in ("--region ID", "--self-test", "EC_PASSWORD / EC_CLIENT_SECRET", "profiles", "check"):
        assert literal in out
    assert "usage:" not in out and "show this help message" not in out


def test_english_help_is_unchanged(german, capsys):
    german(False)
    code, out, _ = run(capsys, "--help")
    assert code == 0 and out.startswith("usage: ec-console")
    assert "grant one application access to every calendar" in out


def test_bad_input_is_refused_in_german_with_the_same_status(german, capsys):
    german(True)
    code, out, err = run(capsys, "--no-such-flag")
    assert code == 2 and out == ""
    assert err == "ec-console: unbekannte Argumente: --no-such-flag (siehe 'ec-console --help')\n"
    code, _, err = run(capsys, "profiles")
    assert code == 2 and "folgende Argumente fehlen: ACTION (siehe 'ec-console profiles --help')" in err


def test_bad_input_json_keeps_its_code(german, capsys):
    german(True)
    code, out, _ = run(capsys, "--no-such-flag", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["code"] == "bad_input" and "unbekannte Argumente" in error["message"]


def test_json_output_is_byte_identical_in_german(german, capsys):
    with Registry.for_region("us") as registry:
        app = registry.add_application("Room booking", "exchange", "contoso.com")
        registry.add_profile(app.id, "alice@contoso.com", "Alice Archer", "linked")
        registry.add_profile(app.id, "bob@contoso.com", "Bob Baker", "needs_relink")
    outputs = []
    for on in (False, True):
        german(on)
        code, out, err = run(capsys, "profiles", "list", "--region", "us", "--json")
        assert code == 0, err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert "needs_relink" in outputs[1] and "alice@contoso.com" in outputs[1]


def test_an_application_edits_refusal_is_german_with_the_same_status_and_code(german, capsys):
    with Registry.for_region("us") as registry:
        registry.add_application("Room booking", "exchange", "contoso.com")
        registry.add_application("Calendar sync", "exchange", "contoso.com")
    rename = ("applications", "rename", "Room booking", "Calendar sync", "--region", "us")
    german(True)
    code, out, err = run(capsys, *rename)
    assert code == 2 and out == ""
    assert ("In dieser Region gibt es bereits eine Anwendung namens 'Calendar sync'; wählen Sie einen "
            "anderen Namen") in err
    code, out, _ = run(capsys, *rename, "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "bad_input"
    german(False)
    code, _, err = run(capsys, *rename)
    assert code == 2 and "An application named 'Calendar sync' already exists in this region" in err


def test_a_refused_move_to_microsoft_graph_says_why_in_german(german):
    from types import SimpleNamespace

    from ec_console import i18n
    from ec_console.application_move import MoveRefused, check_movable

    on_graph = SimpleNamespace(name="Room booking", provider="graph", status="active", settings={})
    german(True)
    with pytest.raises(MoveRefused, match="^'Room booking' verwendet bereits Microsoft Graph$"):
        check_movable(on_graph)
    german(False)
    with pytest.raises(MoveRefused, match="^'Room booking' already uses Microsoft Graph$"):
        check_movable(on_graph)
    assert i18n.current_language() == "en"


# --- a failing check in German -------------------------------------------------------------------------
sandbox = sandbox_fixture("module")

# Words that only an English sentence has (German prose around commands, links and codes has none of them).
ENGLISH_WORDS = re.compile(r"\b(the|and|is|are|of|to|with|should|must|not|for|it|or|this|if|then)\b")


def failing_check(capsys, monkeypatch, info, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setenv("EC_PASSWORD", info.password)
    return run(capsys, "check", "exchange", "--mailbox", info.mailbox_out_of_scope, "--ews-url", info.ews_url,
               "--username", info.username, "--ca-file", info.ca_file, "--timeout", "5", *extra)


def test_a_failing_checks_cause_and_fix_are_german_but_commands_links_and_code_stay(
        german, sandbox, capsys, monkeypatch):
    info = sandbox.info()
    german(False)
    code, english, _ = failing_check(capsys, monkeypatch, info, "--json")
    assert code == 1
    diagnosis = next(s["diagnosis"] for s in json.loads(english)["steps"] if s["status"] == "fail")
    german(True)
    code, out, err = failing_check(capsys, monkeypatch, info)
    assert code == 1, err
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Ursache:"))
    end = next(i for i, line in enumerate(lines) if line.strip() == "(Diagnosecode: impersonation_denied)")
    block = lines[start:end]
    assert any(line.strip() == "Behebung:" for line in block)
    verbatim = {*diagnosis["commands"], *diagnosis["links"]}
    assert diagnosis["commands"] and diagnosis["links"]
    for kept in verbatim:                                  # commands and links exactly as in English
        assert any(line.strip() == kept for line in block), kept
    prose = [line.strip() for line in block if line.strip() not in verbatim]
    english_left = [line for line in prose if ENGLISH_WORDS.search(line)]
    assert not english_left, "English left in the German cause and fix:\n" + "\n".join(english_left)
    text = " ".join(prose)
    assert "Identitätswechsel" in text and "Verwaltungsbereich" in text and info.mailbox_out_of_scope in text
    assert "ErrorImpersonateUserDenied" in text                        # the server's code is kept
    assert "FEHLER" in out and "Ergebnis: FEHLER" in out and "Übersprungen: Der Schritt" in out


def _without_times(output: str) -> dict:
    report = json.loads(output)
    report.pop("started_at", None)
    report.pop("header", None)          # who ran it and when (its words are tested with report_header)
    for step in report["steps"]:
        step.pop("duration_ms", None)
    return report


def test_a_failing_checks_json_is_the_same_in_german(german, sandbox, capsys, monkeypatch):
    info = sandbox.info()
    outputs = []
    for on in (False, True):
        german(on)
        code, out, err = failing_check(capsys, monkeypatch, info, "--json")
        assert code == 1, err
        outputs.append(out)
    english, in_german = (_without_times(o) for o in outputs)
    assert in_german == english
    failed = next(s for s in in_german["steps"] if s["status"] == "fail")
    assert failed["diagnosis"]["code"] == "impersonation_denied"
    assert failed["diagnosis"]["cause"].startswith("The service account may not act as")  # English kept
    # Only the clock differs between the two runs: everything else is byte for byte the same.
    times = re.compile(r'"(\w+_at|time)": "[^"]*"|"duration_ms": \d+')
    assert times.sub("", outputs[0]) == times.sub("", outputs[1])


# --- the audit chain in German ---------------------------------------------------------------------------
def test_audit_verify_is_german_and_its_json_byte_identical(german, capsys):
    from tests.test_audit_chain import _registry, _superuser

    with _registry(5) as registry:
        su = _superuser(registry)
        su.execute("DELETE FROM audit WHERE id = 3")
        su.close()
    outputs = []
    for on in (False, True):
        german(on)
        code, out, err = run(capsys, "audit", "verify", "--region", "us", "--json")
        assert code == 1, err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    broken = json.loads(outputs[1])["broken"]
    assert broken["kind"] == "deleted" and broken["action"] == "profile_linked"
    assert "an entry between entry 2 and this one was deleted" in broken["reason"]    # English in JSON
    code, out, _ = run(capsys, "audit", "verify", "--region", "us")
    assert code == 1
    line, advice = out.splitlines()[:2]
    assert line.startswith("Hash-Kette des Überwachungsprotokolls unterbrochen bei Eintrag 4 (")
    assert line.endswith(", Profil verknüpft): ein Eintrag gelöscht — der Eintrag, auf den er folgt, ist "
                         "nicht mehr so im Überwachungsprotokoll, wie er geschrieben wurde: Ein Eintrag "
                         "zwischen Eintrag 2 und diesem wurde gelöscht, oder Eintrag 2 wurde geändert und "
                         "erhielt einen neuen Hash.")
    assert advice.startswith("Die Einträge davor sind unverändert. Bewahren Sie")
    assert not ENGLISH_WORDS.search(line + advice)


def test_audit_verify_of_an_intact_chain_is_german(german, capsys):
    from tests.test_audit_chain import _registry

    _registry(1204).close()
    german(True)
    code, out, _ = run(capsys, "audit", "verify", "--region", "us")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(
        "Hash-Kette des Überwachungsprotokolls verifiziert: 1.204 Einträge, letzter am ")
    assert lines[2].startswith("Um später zu erkennen") and lines[2].endswith(
        "ec-console audit verify --known-head HEAD")


# --- the monitor in German -------------------------------------------------------------------------------
def test_monitor_status_problems_are_german_and_its_json_byte_identical(german, capsys, monkeypatch):
    import sys

    from ec_console import monitor_status

    class Gone:
        def installed(self, region_id):
            return False

    settings = {"region": "us", "every_seconds": 3600, "scheduler": "cron", "command": [sys.executable],
                "notify": ["desktop"], "installed_at": "2026-12-01T00:00:00Z"}
    monitor_status.settings_path("us").parent.mkdir(parents=True, exist_ok=True)
    monitor_status.settings_path("us").write_text(json.dumps(settings))
    monkeypatch.setattr(monitor_status, "scheduler_for", lambda kind: Gone())
    outputs = []
    for on in (False, True):
        german(on)
        code, out, _ = run(capsys, "monitor", "status", "--region", "us", "--json")
        assert code == 1
        outputs.append(out)
    assert outputs[0] == outputs[1]
    problems = json.loads(outputs[1])["problems"]
    assert "the cron job is gone; run `ec-console monitor install` again" in problems
    code, out, _ = run(capsys, "monitor", "status", "--region", "us")
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("Problem: ")]
    assert "Problem: der cron-Auftrag ist nicht mehr vorhanden; führen Sie `ec-console monitor install` " \
           "erneut aus" in problems
    assert not any(ENGLISH_WORDS.search(line) for line in problems), problems


def test_monitor_run_says_its_outcome_and_changes_in_german(german, capsys):
    with Registry.for_region("us") as registry:
        registry.add_application("Room booking", "exchange", "contoso.com")
    german(True)
    code, out, _ = run(capsys, "monitor", "run", "--region", "us")
    assert code == 1
    assert ("  Room booking: nicht geprüft; 0 verknüpft, 0 erneut zu verknüpfen, 0 fehlerhaft, "
            "Lecks unbekannt") in out.splitlines()
    assert "1 Änderung seit dem letzten Lauf:" in out
    assert "  - Room booking: Die Anwendung konnte nicht geprüft werden: " in out
    code, out, _ = run(capsys, "monitor", "run", "--region", "us", "--json")
    assert json.loads(out)["applications"][0]["outcome"] == "not_checked"
