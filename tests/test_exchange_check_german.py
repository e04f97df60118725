"""An Exchange check against the sandbox, read in German (LANG=de_DE.UTF-8): its step titles and details are
German, with only hosts, addresses, codes and commands left as they are; `--json` is the same as in English;
and a report stored in English and read back later is shown in German too (docs/i18n.md, "A check's step
texts")."""

from __future__ import annotations

import json
import re

import pytest

from ec_console import i18n
from ec_console.checks import Report
from ec_console.render import render_text
from tests.cli_run import run
from tests.sandbox_setup import sandbox_fixture

sandbox = sandbox_fixture("module")

# Words only an English sentence has (German prose around hosts, addresses and codes has none of them); lower
# case only, as German nouns are capitalised ("Server").
ENGLISH_WORDS = re.compile(r"\b(the|and|is|are|of|to|with|should|must|not|for|it|or|this|if|then|were|"
                           r"busy|blocks?|days|calendar|mailbox|server|resolves|connected|signed|offers|"
                           r"opened|created|refused|certificate|trusted|through|using|given)\b")
STATUS_WORDS = ("OK", "WARNUNG", "FEHLER", "ÜBERSPRUNGEN")


@pytest.fixture
def german(cli_language):
    return cli_language


def check(capsys, monkeypatch, info, mailbox: str, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setenv("EC_PASSWORD", info.password)
    return run(capsys, "check", "exchange", "--mailbox", mailbox, "--ews-url", info.ews_url,
               "--username", info.username, "--ca-file", info.ca_file, "--timeout", "5", *extra)


def full_check(capsys, monkeypatch, info, *extra: str) -> tuple[int, str, str]:
    """Every step of the check, the write probe and the restriction included."""
    return check(capsys, monkeypatch, info, info.mailbox_in_scope, "--write-probe", "--expect-denied",
                 info.mailbox_out_of_scope, *extra)


def step_lines(output: str) -> list[str]:
    """The step lines of a text report (status word, title, duration, detail), without the header."""
    return [line.strip() for line in output.splitlines() if line.strip().startswith(STATUS_WORDS)]


def english_left(lines: list[str], info) -> list[str]:
    """The lines that still hold English words once hosts, addresses, paths and certificate names are gone."""
    left = []
    for line in lines:
        prose = line.replace(info.ews_url, "").replace(info.ca_file, "")
        prose = re.sub(r"\S+@\S+|CN=[^,]*(,O=[^,]*)?|Microsoft Exchange Server \d+|SANDBOX\\\S+", "", prose)
        if ENGLISH_WORDS.search(prose):
            left.append(line)
    return left


def test_a_full_check_reads_german_step_by_step(german, sandbox, capsys, monkeypatch):
    info = sandbox.info()
    german(True)
    code, out, err = full_check(capsys, monkeypatch, info)
    assert code == 0, err
    lines = step_lines(out)
    assert len(lines) == 9
    assert not english_left(lines, info), "English left in the German steps:\n" + "\n".join(english_left(
        lines, info))
    text = "\n".join(lines)
    for german_words in ("EWS-Endpunkt ermitteln", "Servernamen auflösen", "Mit dem Server verbinden",
                         "Serverzertifikat prüfen", "Als Dienstkonto anmelden",
                         "Kalender des Postfachs öffnen",
                         "per Identitätswechsel geöffnet", "belegte Zeiträume in den nächsten 7 Tagen",
                         "Testelement erstellen und löschen", "wurde wie erwartet verweigert",
                         "vertrauenswürdigen Zertifikate des Systems"):
        assert german_words in text, german_words
    # hosts, addresses, the server's codes and names are kept as they are
    assert info.ews_url in text and info.mailbox_in_scope in text and info.mailbox_out_of_scope in text
    assert "ErrorImpersonateUserDenied" in text and "NTLM" in text


def test_a_failing_checks_steps_are_german_and_a_skipped_step_names_the_german_title(
        german, sandbox, capsys, monkeypatch):
    info = sandbox.info()
    german(True)
    code, out, err = check(capsys, monkeypatch, info, info.mailbox_out_of_scope)
    assert code == 1, err
    lines = step_lines(out)
    failed = next(line for line in lines if line.startswith("FEHLER"))
    assert "Kalender des Postfachs öffnen" in failed
    # the server's own words follow, as it sent them
    assert "Exchange hat mit ErrorImpersonateUserDenied geantwortet" in failed
    skipped = next(line for line in lines if line.startswith("ÜBERSPRUNGEN"))
    assert "Übersprungen: Der Schritt „Kalender des Postfachs öffnen“ ist fehlgeschlagen." in skipped
    assert not english_left([line for line in lines if line is not failed], info)


def _without_times(output: str) -> str:
    return re.sub(r'"(\w+_at|time)": "[^"]*"|"duration_ms": \d+', "", output)


def test_the_json_of_a_check_is_the_same_in_german(german, sandbox, capsys, monkeypatch):
    info = sandbox.info()
    outputs = []
    for on in (False, True):
        german(on)
        code, out, err = full_check(capsys, monkeypatch, info, "--json")
        assert code == 0, err
        outputs.append(out)
    assert _without_times(outputs[0]) == _without_times(outputs[1])
    steps = json.loads(outputs[1])["steps"]
    assert steps[0]["title"] == "Find the EWS endpoint"                    # English kept
    assert steps[6]["detail"].endswith("busy type only; no subjects or bodies fetched)")


def test_a_stored_english_report_is_shown_in_german(german, sandbox, capsys, monkeypatch):
    info = sandbox.info()
    german(False)
    code, stored, err = full_check(capsys, monkeypatch, info, "--json")
    assert code == 0, err
    report = Report.from_dict(json.loads(stored))          # what the registry or a JSON file gives back
    english = render_text(report)
    assert "Opened the calendar of" in english and "impersonating it" in english
    i18n.set_language("de")
    try:
        shown = render_text(Report.from_dict(json.loads(stored)))
    finally:
        i18n.set_language(None)
    lines = step_lines(shown)
    assert len(lines) == 9
    assert not english_left(lines, info), "English left in the stored report:\n" + "\n".join(
        english_left(lines, info))
    assert f"Kalender von {info.mailbox_in_scope} per Identitätswechsel geöffnet" in shown
    assert "belegte Zeiträume in den nächsten 7 Tagen" in shown or "belegter Zeitraum" in shown


def test_the_dashboards_probe_outcomes_and_the_scope_notes_are_shown_in_german(german, monkeypatch):
    """What the link dialog, check all and the details pane show of a probe (its detail, a step title, the
    notes of a scope listing, a cancelled probe) is stored in English and shown in German."""
    from types import SimpleNamespace

    from ec_console.checks import CancelToken, shown_detail, shown_title
    from ec_console.providers.base import ExchangeAdapter, GoogleAdapter
    from ec_console.providers.exchange.check import ScopeListing, ScopeMember
    from ec_console.texts import localized

    block = SimpleNamespace(start="2026-12-04T09:00:00Z", end="2026-12-04T10:00:00Z")
    result = SimpleNamespace(ok=True, busy=[block, block], checked_at="2026-12-03T19:00:00Z", time_zone="UTC")
    ok = GoogleAdapter.outcome("ada@contoso.com", result, CancelToken())
    cancelled = ExchangeAdapter.outcome("ada@contoso.com", SimpleNamespace(
        report=None, checked_at="2026-12-03T19:00:00Z", diagnosis=None, ok=False), _cancelled())
    assert ok.detail == "2 busy blocks in the next 7 days (times only; no event details fetched)"
    assert cancelled.detail == "the probe was cancelled"
    step = ok.report.steps[0]
    assert step.to_dict()["title"] == "Read the calendar (busy blocks of the next 7 days)"

    listing = ScopeListing("calendar-scope@contoso.com", [ScopeMember("ada@contoso.com", "Ada", "Mailbox")],
                           [ScopeMember("board@contoso.com", "Board", "PublicDL")])
    adapter = ExchangeAdapter()
    application = SimpleNamespace(name="Room booking", domain="contoso.com",
                                  settings={"scope_group": "calendar-scope@contoso.com",
                                            "ews_url": "https://mail.contoso.com/EWS/Exchange.asmx",
                                            "username": "CONTOSO\\svc"})
    monkeypatch.setattr("ec_console.providers.exchange.check.enumerate_scope",
                        lambda settings, secret, group: listing)
    notes = adapter.enumerate(application, "secret", CancelToken()).notes
    assert notes == ["board@contoso.com is a group nested in calendar-scope@contoso.com: Exchange does not "
                     "apply the scope to its members, so they are not listed"]

    german(True)
    assert localized(ok.detail) == ("2 belegte Zeiträume in den nächsten 7 Tagen (nur Zeiten; keine "
                                    "Termindetails abgerufen)")
    assert shown_title(step) == "Kalender lesen (belegte Zeiten der nächsten 7 Tage)"
    assert shown_detail(step) == localized(ok.detail)
    assert localized(cancelled.detail) == "die Prüfung wurde abgebrochen"
    assert localized(notes[0]) == ("board@contoso.com ist eine in calendar-scope@contoso.com verschachtelte "
                                   "Gruppe: Exchange wendet den Bereich nicht auf ihre Mitglieder an, daher "
                                   "werden sie nicht aufgelistet")
    # read back as plain English (a stored report, the registry): the same German
    assert localized(str(notes[0])) == localized(notes[0])
    assert localized(str(ok.detail)) == localized(ok.detail)


def _cancelled():
    from ec_console.checks import CancelToken

    token = CancelToken()
    token.cancel()
    return token


def test_a_stored_answer_with_the_servers_message_keeps_the_message_after_the_code(german):
    """Two templates with the same words ("Exchange answered {code}" and "... {code}: {message}"): the one
    with more text of its own wins, so the server's message is not taken for part of the code."""
    from ec_console.texts import localized

    stored = ("Exchange answered ErrorImpersonateUserDenied: The account does not have permission to "
              "impersonate the requested user.")
    german(True)
    assert localized(stored) == ("Exchange hat mit ErrorImpersonateUserDenied geantwortet: The account does "
                                 "not have permission to impersonate the requested user.")
    assert localized("Exchange answered ErrorServerBusy") == "Exchange hat mit ErrorServerBusy geantwortet"


def test_the_withdrawal_steps_are_german_with_their_commands_kept(german):
    """The platform steps of a revoke (the revoke window, the details pane, the command line) read German;
    each command is the same, character for character, and still follows its sentence after ": "."""
    from types import SimpleNamespace

    from ec_console.providers.base import ExchangeAdapter
    from ec_console.texts import localized
    from ec_console.ui.profile_details import split_step

    application = SimpleNamespace(name="Room booking", domain="contoso.com", provider="exchange",
                                  settings={"scope_group": "Calendar Scope", "username": "CONTOSO\\svc-cal",
                                            "ews_url": "https://mail.contoso.com/EWS/Exchange.asmx"})
    adapter = ExchangeAdapter()
    steps = adapter.withdrawal_steps(application)
    step = adapter.profile_withdrawal_step(application, "ada@contoso.com")
    english = [split_step(s) for s in [*steps, step]]
    assert english[0][0] == "Remove the ApplicationImpersonation role assignment (Exchange Management Shell)"
    german(True)
    shown = [split_step(localized(s)) for s in [*steps, step]]
    assert shown[0][0] == ("Entfernen Sie die Rollenzuweisung für ApplicationImpersonation "
                           "(Exchange-Verwaltungsshell)")
    assert shown[-1][0] == "Entfernen Sie das Postfach aus der Bereichsgruppe"
    assert [command for _prose, command in shown] == [command for _prose, command in english]
    assert all(command and command.startswith(("Get-", "Disable-", "Remove-")) for _prose, command in shown)
    # read back from the registry or an audit entry (plain English): the same German
    assert [split_step(localized(str(s))) for s in [*steps, step]] == shown


def test_the_reconciliations_exchange_scope_words_are_shown_in_german(german, monkeypatch):
    """The scope source's description and notes, and why FindPeople was not used, in the reader's
    language."""
    from types import SimpleNamespace

    from ec_console.checks import CancelToken
    from ec_console.providers.exchange.check import ScopeListing, ScopeMember
    from ec_console.providers.exchange.scope import ExchangeScope, FindPeopleRefused, read_find_people_page
    from ec_console.texts import localized

    listing = ScopeListing("calendar-scope@contoso.com", [ScopeMember("ada@contoso.com", "Ada", "Mailbox")],
                           [ScopeMember("board@contoso.com", "Board", "PublicDL")])
    monkeypatch.setattr("ec_console.providers.exchange.check.enumerate_scope",
                        lambda settings, secret, group: listing)
    application = SimpleNamespace(name="Room booking", domain="contoso.com",
                                  settings={"scope_group": "calendar-scope@contoso.com",
                                            "ews_url": "https://mail.contoso.com/EWS/Exchange.asmx",
                                            "username": "CONTOSO\\svc"})
    members = ExchangeScope().members(application, "secret", CancelToken())
    fault = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
             b"<faultcode>a:ErrorInvalidRequest</faultcode></s:Fault></s:Body></s:Envelope>")
    with pytest.raises(FindPeopleRefused) as refused:
        read_find_people_page(fault)
    assert refused.value.reason == "the server answered FindPeople with ErrorInvalidRequest"
    assert members.notes[1] == ("board@contoso.com is a group nested in calendar-scope@contoso.com: its "
                                "members are outside the scope")
    german(True)
    assert localized(refused.value.reason) == ("der Server hat auf FindPeople mit ErrorInvalidRequest "
                                               "geantwortet")
    assert localized(members.notes[1]) == ("board@contoso.com ist eine in calendar-scope@contoso.com "
                                           "verschachtelte Gruppe: Ihre Mitglieder liegen außerhalb des "
                                           "Bereichs")
    assert localized(str(members.notes[0])).startswith("Nur die direkten Mitglieder der Gruppe liegen im")
    assert localized(members.source) == ("die direkten Mitglieder von calendar-scope@contoso.com "
                                         "(EWS ExpandDL)")


def test_profiles_show_in_german_shows_the_stored_report_and_the_withdrawal_step_in_german(
        german, sandbox, capsys, monkeypatch):
    """A check stored in the registry (English, as every report is) and read back by `profiles show` with
    LANG=de_DE.UTF-8: its steps and the platform step read German; `--json` keeps the English."""
    from ec_console.registry import Registry

    info = sandbox.info()
    german(False)
    code, stored, err = full_check(capsys, monkeypatch, info, "--json")
    assert code == 0, err
    report = json.loads(stored)
    mailbox = info.mailbox_in_scope
    with Registry.for_region("us") as registry:
        app = registry.add_application("Room booking", "exchange", "sandbox.example",
                                       {"scope_group": "Calendar Sync", "username": info.username,
                                        "ews_url": info.ews_url})
        profile = registry.add_profile(app.id, mailbox, "Ada Lovelace", status="linked")
        registry.record_check(kind="check", result="pass", report=report, profile_id=profile.id)
        registry.record_profile_check(profile.id, result="pass")
    german(True)
    code, out, err = run(capsys, "profiles", "show", mailbox, "--region", "us")
    assert code == 0, err
    assert f"Kalender von {mailbox} per Identitätswechsel geöffnet" in out
    assert "Mit dem Server verbinden" in out and "Connect to the server" not in out
    assert "Entfernen Sie das Postfach aus der Bereichsgruppe: Remove-DistributionGroupMember" in out
    code, out, err = run(capsys, "profiles", "show", mailbox, "--region", "us", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["withdrawal_step"].startswith("Remove the mailbox from the scoping group: ")
    assert shown["last_check"]["steps"][5]["detail"] == f"Opened the calendar of {mailbox} impersonating it"


def oauth_check(capsys, monkeypatch, info, client_id: str, secret: str, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setenv("EC_CLIENT_SECRET", secret)
    return run(capsys, "check", "exchange", "--mailbox", info.mailbox_in_scope, "--ews-url", info.ews_url,
               "--tenant-id", info.tenant_id, "--client-id", client_id, "--authority", info.authority,
               "--ca-file", info.ca_file, "--timeout", "5", *extra)


def test_an_oauth_check_with_a_tenant_wide_grant_reads_german_live_and_stored(german, sandbox, capsys,
                                                                                monkeypatch):
    """The application's sign-in, its tenant-wide permission and the restriction that fails: German, with the
    application id, the permission's name and the server's build kept."""
    info = sandbox.info()
    args = (info.tenant_wide_client_id, info.tenant_wide_client_secret, "--expect-denied",
            info.mailbox_out_of_scope, "--scope-group", "Calendar Scope")
    german(True)
    code, out, err = oauth_check(capsys, monkeypatch, info, *args)
    assert code == 1, err
    lines = step_lines(out)
    signed_in = next(line for line in lines if "Token abrufen und EWS als Anwendung erreichen" in line)
    assert signed_in.startswith("WARNUNG")
    assert f"für die Anwendung {info.tenant_wide_client_id}" in signed_in
    assert "es enthält die mandantenweite Berechtigung full_access_as_app" in signed_in
    assert "Ein Bereich von RBAC für Anwendungen kann sie nicht einschränken" in signed_in
    restriction = next(line for line in lines if "Ablehnung außerhalb des Bereichs nachweisen" in line)
    assert "soll außerhalb des Bereichs liegen, dennoch ließ sich sein Kalender öffnen" in restriction
    assert not english_left(lines, info), "\n".join(english_left(lines, info))
    german(False)
    code, stored, err = oauth_check(capsys, monkeypatch, info, *args, "--json")
    assert code == 1, err
    i18n.set_language("de")
    try:
        shown = step_lines(render_text(Report.from_dict(json.loads(stored))))
    finally:
        i18n.set_language(None)
    assert [line.split("  ")[0] for line in shown] == [line.split("  ")[0] for line in lines]
    assert not english_left(shown, info), "\n".join(english_left(shown, info))
    assert any("es enthält die mandantenweite Berechtigung full_access_as_app" in line for line in shown)
