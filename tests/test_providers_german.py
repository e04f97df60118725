"""The Google Workspace and Microsoft Graph checks read in German (LANG=de_DE.UTF-8) against the sandboxes:
every step's title and detail is German with only names, hosts, codes and commands kept; `--json` is the
English run's (the texts are stored in English, docs/i18n.md "A check's step texts"); a report read back from
its JSON (as from the registry) is shown in German too.

The German expected here is the test's own (what a German administrator reads), not copied from the catalog.
"""

from __future__ import annotations

import json
import re

import pytest

from ec_console import cli
from ec_console.checks import Report, StepStatus, shown_detail, shown_title
from ec_console.render import render_text
from ec_console.sandbox import Sandbox
from ec_console.sandbox.graph import GraphSandbox

# Words that only English has (German shares "in", "an", "die" ...): one left in a step line is a text the
# translation missed.
ENGLISH = re.compile(r"\b(the|of|is|and|for|with|was|its|busy|scopes?|calendar|exists|delegated|denied|"
                     r"refused|token server|not|could|read|opens?|through|trusted|issued|valid|"
                     r"permissions?)\b", re.IGNORECASE)
# What stays as it is: addresses, links, hosts and ports, certificate names, ids, scopes, codes in brackets.
KEPT = re.compile(r"\S+@\S+|https?://\S+|\b\d+\.\d+\.\d+\.\d+\b|CN=[^;]*?(?=, ausgestellt|; |$)|"
                  r"\b[0-9a-f-]{8,}\b|\b[A-Z][A-Za-z]+\.[A-Za-z.]+\b|\(--[a-z-]+\)|/\S+|\bErrorAccessDenied\b")
VOLATILE = {"started_at", "duration_ms", "offset_seconds", "round_trip_ms", "server_date", "expires_at"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?Z?")


@pytest.fixture
def language(cli_language):
    return cli_language


@pytest.fixture(scope="module")
def google():
    with Sandbox(google=True) as box:
        yield box.google.info()


@pytest.fixture(scope="module")
def graph():
    with GraphSandbox() as box:
        yield box.info()


def run(capsys, argv: list[str]) -> tuple[int, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def google_argv(info, user: str, *extra: str) -> list[str]:
    return ["check", "google", "--key-file", info.key_file, "--admin", info.admin_email, "--user", user,
            "--api-root", info.api_root, "--ca-file", info.ca_file, "--timeout", "5", *extra]


def graph_argv(info, mailbox: str, *extra: str) -> list[str]:
    return ["check", "graph", "--mailbox", mailbox, "--tenant-id", info.tenant_id, "--client-id",
            info.client_id, "--authority", info.authority, "--graph-url", info.graph_url, "--ca-file",
            info.ca_file, "--timeout", "5", *extra]


def step_lines(text: str) -> list[str]:
    """The report's step lines (status, title, time, detail) of a text report, English or German."""
    return [line for line in text.splitlines()
            if re.match(r"^  (OK|WARNUNG|FEHLER|ÜBERSPRUNGEN|PASS|WARN|FAIL|SKIP)\s", line)]


def english_left(lines: list[str]) -> list[str]:
    return [line for line in lines if ENGLISH.search(KEPT.sub(" ", line))]


def neutral(out: str) -> dict:
    """A --json report with what changes from run to run (times, durations, the clock's offset) taken out."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            return re.sub(r"\d+ s (ahead of|behind)", "N s", TIME.sub("<time>", value))
        return value
    return clean(json.loads(out))


def json_in_both_languages(language, capsys, argv: list[str]) -> list:
    """`argv --json` run in English, then in German, each without the values that change run to run."""
    outputs = []
    for german in (False, True):
        language(german)
        _code, out = run(capsys, [*argv, "--json"])
        outputs.append(neutral(out))
    return outputs


def test_the_google_check_reads_in_german_and_its_json_stays_english(google, language, capsys):
    argv = google_argv(google, google.users["ok"], "--expect-denied", google.users["outside_group"])
    language(True)
    code, german = run(capsys, argv)
    assert code == 1   # the account outside the scope answers: domain-wide delegation reaches every user
    lines = step_lines(german)
    assert len(lines) == 7
    for title in ("Token für das Dienstkonto", "Domainweite Delegierung für jeden Bereich",
                  "Benutzer im Verzeichnis", "Kalender lesen (belegte Zeiten der nächsten 7 Tage)",
                  "Konto außerhalb des Bereichs wird abgewiesen"):
        assert title in german
    assert f"{google.users['ok']} existiert und ist aktiv (abgefragt als {google.admin_email})." in german
    assert re.search(r"Primären Kalender \(UTC\) von \S+ gelesen: \d+ belegte Zeiträume in den nächsten 7 "
                     r"Tagen", german)
    assert f"{google.users['outside_group']} soll außerhalb des Bereichs liegen" in german
    assert english_left(lines) == []
    language(False)
    code_en, english = run(capsys, argv)
    assert code_en == code and "Domain-wide delegation for each scope" in english
    assert english_left(step_lines(english))   # the word list does find English (the test can fail)

    outputs = json_in_both_languages(language, capsys, argv)
    assert outputs[0] == outputs[1]
    titles = [s["title"] for s in outputs[1]["steps"]]
    assert "Domain-wide delegation for each scope" in titles and "Token for the service account" in titles


def test_the_graph_check_reads_in_german_and_its_json_stays_english(graph, language, capsys, monkeypatch):
    monkeypatch.setenv("EC_CLIENT_SECRET", graph.client_secret)
    argv = graph_argv(graph, graph.mailbox_in_scope, "--write-probe", "--expect-denied",
                      graph.mailbox_out_of_scope)
    language(True)
    code, german = run(capsys, argv)
    assert code == 0
    lines = step_lines(german)
    assert len(lines) == 8
    for title in ("Hostnamen für Anmeldung und Graph auflösen", "Token für die Anwendung abrufen",
                  "Kalender des Postfachs öffnen", "Belegte Zeiten der nächsten 7 Tage lesen",
                  "Testereignis erstellen und löschen"):
        assert title in german
    assert "mit ihrem geheimen Clientschlüssel; Anwendungsberechtigungen im Token: GroupMember.Read.All" \
        in german
    denied = graph.mailbox_out_of_scope
    assert f"Der Zugriff auf {denied} wurde wie erwartet verweigert (ErrorAccessDenied)" in german
    assert english_left(lines) == []

    outputs = json_in_both_languages(language, capsys, argv)
    assert outputs[0] == outputs[1]
    assert any(s["detail"].startswith("Created a test event") for s in outputs[1]["steps"])


def test_a_stored_report_is_read_back_in_german(google, graph, language, capsys, monkeypatch):
    """A report kept in English (the registry, a --json file) is shown in German by whoever reads it later."""
    monkeypatch.setenv("EC_CLIENT_SECRET", graph.client_secret)
    language(False)
    stored = []
    for argv in (google_argv(google, google.users["suspended"], "--json"),
                 graph_argv(graph, graph.mailbox_out_of_scope, "--json")):
        code, out = run(capsys, argv)
        assert code == 1
        stored.append(Report.from_dict(json.loads(out)))
    language(True)
    google_report, graph_report = stored
    text = render_text(google_report)
    assert "Domainweite Delegierung für jeden Bereich" in text
    assert f"Der Tokenendpunkt hat die Anfrage für {google.users['suspended']} abgelehnt" in text
    # a step skipped because another failed names that step in German too
    assert "Übersprungen: Der Schritt „Domainweite Delegierung für jeden Bereich“ ist fehlgeschlagen." in text
    failed = next(s for s in graph_report.steps if s.status is StepStatus.FAIL)
    assert shown_title(failed) == "Kalender des Postfachs öffnen"
    assert shown_detail(failed) == (f"Der Zugriff auf den Kalender von {graph.mailbox_out_of_scope} wurde "
                                    "verweigert: HTTP 403 (ErrorAccessDenied)")
    assert english_left(step_lines(render_text(graph_report))) == []
    assert failed.detail.startswith("The calendar of")   # the report itself keeps its English


def test_a_file_that_is_not_a_key_or_a_certificate_is_refused_in_german(language, tmp_path):
    from ec_console.errors import BadInput
    from ec_console.graph_application import open_certificate
    from ec_console.providers.google.key import KeyProblem, load_key, parse_key_text
    from ec_console.texts import localized

    language(True)
    junk = tmp_path / "app.pfx"
    junk.write_bytes(b"not a certificate at all")
    with pytest.raises(BadInput) as refused:
        open_certificate(str(junk), None)
    assert str(refused.value.message) == (
        f"--certificate: {junk} ist nicht verwendbar: sie ist weder eine PEM-Datei noch eine PFX-Datei, die "
        "sich mit EC_CERT_PASSWORD öffnen lässt (eine falsche oder fehlende Passphrase oder eine andere Art "
        "von Datei)")
    with pytest.raises(KeyProblem) as problem:
        load_key(parse_key_text('{"type": "authorized_user"}'))
    # the problem itself stays English (it goes into a stored diagnosis); the reader sees it in German
    assert str(problem.value).startswith("it is a user's own sign-in credentials")
    assert localized(str(problem.value)) == (
        "sie enthält die eigenen Anmeldedaten eines Benutzers (gcloud auth application-default login) (Typ "
        "'authorized_user'), keinen Dienstkontoschlüssel")


def test_the_marketplace_check_reads_in_german_live_and_read_back(language):
    from ec_console.providers.google.marketplace import (
        MarketplaceCheckSettings,
        VendorSide,
        run_marketplace_check,
    )

    vendor = VendorSide("Enterprise Connect DE", "https://dashboard.de.example",
                        "482913570164-abc.apps.googleusercontent.com",
                        "https://workspace.google.com/marketplace/app/enterprise_connect/482913570164")
    language(False)
    report = run_marketplace_check(MarketplaceCheckSettings("ada@contoso.com", vendor, "ceo@contoso.com",
                                                            "/Sales"))
    stored = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    language(True)
    for shown in (report, stored):
        text = render_text(shown)
        assert "Installation in den Administrator-Protokollereignissen verzeichnet" in text
        assert ("daher kann nur Enterprise Connect DE ein delegiertes Token für ada@contoso.com anfordern. "
                "Prüfen Sie das Konto im Web-Dashboard (https://dashboard.de.example).") in text
        assert "Ob ceo@contoso.com (außerhalb von /Sales) abgewiesen wird" in text
        assert english_left(step_lines(text)) == []
    assert stored.steps[0].detail.startswith("Not signed in: give the OAuth client file")
