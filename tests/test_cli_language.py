"""The command line in German with LANG=de_DE.UTF-8: help and refusals translated, `--json` unchanged."""

from __future__ import annotations

import json
import re

import pytest

from ec_console.registry import Registry
from tests.cli_run import run
from tests.sandbox_setup import sandbox_fixture


@pytest.fixture
def german(cli_language):
    return cli_language


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
# --- check all -------------------------------------------------------------------------------------------
def test_check_all_in_german_says_why_an_application_was_not_checked_and_its_json_stays_english(
        german, capsys):
    with Registry.for_region("us") as registry:      # an application whose secret this desktop does not hold
        app = registry.add_application("Room booking", "exchange", "contoso.com")
        registry.add_profile(app.id, "alice@contoso.com", "Alice Archer", "linked")
    outputs = []
    for on in (False, True):
        german(on)
        code, out, _err = run(capsys, "profiles", "check", "--region", "us", "--json", "--restart")
        assert code == 1
        outputs.append(out)
    assert outputs[0] == outputs[1]
    (why,) = json.loads(outputs[1])["not_checked"].values()
    assert why == ("no secret for 'Room booking' in the keychain; import it on this desktop: ec-console "
                   "applications import-credential 'Room booking', or Tools › Import credential… in the "
                   "console")
    code, out, err = run(capsys, "profiles", "check", "--region", "us", "--restart")
    assert code == 1
    assert ("ec-console: nicht geprüft: kein Geheimnis für 'Room booking' im Schlüsselbund; importieren Sie "
            "es auf diesem Computer: ec-console applications import-credential 'Room booking', oder in der "
            "Konsole über Extras › Anmeldeinformationen importieren…") in err.splitlines()
    assert out == "0 Profile: nichts zu tun\n"


def test_check_all_results_and_pauses_are_shown_in_german_from_their_english_templates(german):
    from ec_console.checkall import JobResult, Pause, ProbeJob, shown_reason
    from ec_console.checks import Report
    from ec_console.diagnoses import diagnose
    from ec_console.providers.base import ProbeKind, ProbeOutcome

    job = ProbeJob(1, "alice@contoso.com", 7)
    denied = diagnose("impersonation_denied", mailbox="alice@contoso.com", service_account="svc")
    outcome = ProbeOutcome("alice@contoso.com", ProbeKind.PROFILE, "2026-12-03T07:00:00Z",
                           Report("exchange", "alice@contoso.com", "2026-12-03T07:00:00Z"), denied)
    results = [JobResult(job, "skipped", None, 7, "not probed: the application failed (auth_failed)"),
               JobResult(job, "skipped", "linked", 7, "already linked through this application (linked)"),
               JobResult(job, "needs_relink", "needs_relink", 7, f"impersonation_denied: {denied.cause}",
                         outcome),
               JobResult(job, "linked", "linked", 7, "Read 3 busy blocks")]       # a provider's own words
    pause = Pause(1, "Room booking", "exchange", 30, 29.2, True)
    german(False)
    english = [r.shown_message for r in results]
    assert english == [r.message for r in results] and pause.message.startswith("Paused 30 s: Exchange is")
    german(True)
    shown = [r.shown_message for r in results]
    assert shown[0] == "nicht geprüft: Die Anwendung ist fehlgeschlagen (auth_failed)"
    assert shown[1] == "bereits über diese Anwendung verknüpft (linked)"          # the status code kept
    code, cause = shown[2].split(": ", 1)                                  # the diagnosis' cause, German
    assert code == "impersonation_denied"
    assert cause.startswith("Das Dienstkonto darf nicht als alice@contoso.com")
    assert not ENGLISH_WORDS.search(cause)
    assert shown[3] == "Read 3 busy blocks"
    assert [r.to_dict()["message"] for r in results] == english                 # --json keeps English
    assert pause.message == "30 s pausiert: Exchange drosselt dieses Dienstkonto"
    assert shown_reason("Room booking is revoked") == "Room booking ist widerrufen"
    assert shown_reason("something else entirely") == "something else entirely"


def test_an_application_failure_of_check_all_is_told_in_german(german, capsys):
    from ec_console.checkall import RunSummary
    from ec_console.checks import Report
    from ec_console.commands.profiles import _print_results
    from ec_console.diagnoses import diagnose
    from ec_console.providers.base import ProbeKind, ProbeOutcome

    failed = diagnose("auth_failed", service_account="CONTOSO\\svc-ec")
    outcome = ProbeOutcome("a@contoso.com", ProbeKind.APPLICATION, "2026-12-03T07:00:00Z",
                           Report("exchange", "a@contoso.com", "2026-12-03T07:00:00Z"), failed, failed.cause)
    summary = RunSummary([], 0, application_failures={1: outcome})
    german(True)
    _print_results(summary, {}, False)
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("Die Anwendung selbst ist fehlgeschlagen (auth_failed): ")
    assert failed.cause not in out and not ENGLISH_WORDS.search(first.split(": ", 1)[1])
    _print_results(summary, {}, True)
    assert json.loads(capsys.readouterr().out)["application_failures"]["1"]["detail"] == failed.cause


def test_link_and_relink_json_are_the_same_in_german_and_their_text_is_german(german, sandbox, capsys):
    from sandbox_setup import add_ews_application

    from ec_console.secrets import default_store

    info = sandbox.info()
    with Registry.for_region("us") as registry:
        add_ews_application(sandbox, registry, default_store(), "Room booking")
    link = ("profiles", "link", "--application", "Room booking", info.mailbox_in_scope,
            info.mailbox_out_of_scope, "--region", "us")
    refused = []
    for on in (False, True):
        german(on)
        code, out, _ = run(capsys, *link, "--json")
        assert code == 1
        (result,) = [r for r in json.loads(out)["results"] if r["email"] == info.mailbox_out_of_scope]
        refused.append(result)
    assert refused[0] == refused[1]                                   # the same English in both languages
    assert refused[1]["message"].startswith("impersonation_denied: ") and refused[1]["diagnosis"] == \
        "impersonation_denied"
    relink = ("profiles", "relink", info.mailbox_in_scope, "--region", "us", "--json")
    outputs = []
    for on in (False, True):
        german(on)
        code, out, err = run(capsys, *relink)
        assert code == 0, err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    german(True)
    code, out, _ = run(capsys, *link)
    assert code == 1
    assert "1 Konto: 0 verknüpft, 1 nicht verknüpft" in out
    assert "Bereits über Room booking verknüpft: 1" in out
