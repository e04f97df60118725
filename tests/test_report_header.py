"""The report's header (application, platform, region, version, operator, time, a one-line verdict) in every
format, and the verdict's wording for the outcomes an administrator meets."""

from __future__ import annotations

import json

import pytest

from ec_console import __version__, logs
from ec_console.checks import SKIP_CANCELLED, SKIP_REASON_KEY, Report, StepResult, StepStatus
from ec_console.diagnoses import diagnose
from ec_console.report_files import render_report
from ec_console.report_header import make_header, operator_name, verdict

MAILBOX = "ada@contoso.example"
SECRET = "Header-Canary-Secret-99!"
P, W, F, S = StepStatus.PASS, StepStatus.WARN, StepStatus.FAIL, StepStatus.SKIP


def _step(step_id: str, status: StepStatus, detail: str = "", diagnosis=None, data=None) -> StepResult:
    return StepResult(step_id, step_id.replace("_", " ").capitalize(), status, 5, detail, data, diagnosis)


def _report(*steps: StepResult, provider: str = "exchange") -> Report:
    return Report(provider, MAILBOX, "2026-12-03T07:05:09Z", steps)


DENIED = diagnose("impersonation_denied", mailbox=MAILBOX, service_account="CONTOSO\\svc-ec",
                  scope_group="EC Calendar Scope")


def test_a_passing_check_is_reachable_and_says_through_what():
    report = _report(_step("authenticate", P), _step("impersonate", P, data={"access": "impersonation"}),
                     _step("read_calendar", P))
    assert verdict(report) == "Reachable: impersonation works and the calendar can be read"
    delegate = _report(_step("impersonate", P, data={"access": "delegate"}), _step("read_calendar", P))
    assert verdict(delegate) == ("Reachable: the service account's folder permissions work and the calendar "
                                 "can be read")
    google = _report(_step("delegation", P), _step("read_calendar", P), provider="google")
    assert verdict(google) == "Reachable: domain-wide delegation works and the calendar can be read"


def test_a_failed_check_gives_the_first_failing_cause():
    report = _report(_step("authenticate", P), _step("impersonate", F, "ErrorImpersonateUserDenied", DENIED),
                     _step("read_calendar", S))
    assert verdict(report) == f"Not reachable: {DENIED.cause.rstrip('.')}"


def test_a_failed_restriction_after_a_read_is_reachable_but_says_what_failed():
    leak = diagnose("scope_not_enforced", mailbox="ceo@contoso.example")
    report = _report(_step("read_calendar", P), _step("restriction", F, "granted", leak))
    line = verdict(report)
    assert line.startswith("Reachable, but “Restriction” failed: ") and leak.cause.rstrip(".") in line


def test_warnings_are_counted_with_the_first_one_named():
    report = _report(_step("tls", W, "plain http to a remote host"), _step("impersonate", P),
                     _step("read_calendar", P), _step("write_probe", W, "one item left behind"))
    assert verdict(report) == ("Reachable: impersonation works and the calendar can be read "
                               "(2 warnings: plain http to a remote host)")


def test_a_stopped_check_is_not_finished():
    report = _report(_step("dns", P), _step("tcp", S, data={SKIP_REASON_KEY: SKIP_CANCELLED}))
    assert verdict(report).startswith("Not finished")


def test_the_operator_falls_back_when_the_system_cannot_name_the_user(monkeypatch):
    import getpass

    def broken() -> str:
        raise OSError("no user name")

    monkeypatch.setattr(getpass, "getuser", broken)
    monkeypatch.setenv("USER", "helpdesk1")
    assert operator_name() == "helpdesk1"
    monkeypatch.delenv("USER")
    monkeypatch.delenv("USERNAME", raising=False)
    assert operator_name() == "unknown user"


@pytest.fixture
def failed():
    logs.register_secret(SECRET)
    return _report(_step("authenticate", P, f"signed in (sent {SECRET})"),
                   _step("impersonate", F, "ErrorImpersonateUserDenied", DENIED), _step("read_calendar", S))


def _header(report: Report):
    return make_header(report, application="Helpdesk EWS", settings={"auth": "ntlm"}, region="Germany (DE)",
                       now="2026-12-03T07:06:00Z")


def test_every_format_carries_the_header(failed, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "jdoe")
    header = _header(failed)
    expected_verdict = f"Not reachable: {DENIED.cause.rstrip('.')}"
    text = render_report(failed, "txt", header).decode()
    lines = text.splitlines()
    assert lines[0].startswith(f"Exchange check of {MAILBOX}")
    assert lines[1].split(":", 1)[1].strip() == expected_verdict
    for label, value in (("Application", "Helpdesk EWS"), ("Platform", "Exchange on-premises (EWS)"),
                         ("Region", "Germany (DE)"), ("Run by", "jdoe"), ("Time", "3 Dec 2026, 07:05 UTC"),
                         ("Console", f"Enterprise Connect Console {__version__}")):
        assert any(line.split(":", 1)[0].strip() == label and line.split(":", 1)[1].strip() == value
                   for line in lines[1:9]), label
    raw = json.loads(render_report(failed, "json", header))
    assert list(raw)[:5] == ["provider", "target", "started_at", "result", "steps"]   # the contract first
    assert raw["header"] == {"application": "Helpdesk EWS", "platform": "Exchange on-premises (EWS)",
                             "region": "Germany (DE)", "console_version": __version__, "operator": "jdoe",
                             "created_at": "2026-12-03T07:06:00Z", "verdict": expected_verdict}
    page = render_report(failed, "html", header).decode()
    assert '<th scope="row">Verdict</th><td class="verdict fail">' in page
    assert '<th scope="row">Application</th><td>Helpdesk EWS</td>' in page and "<td>jdoe</td>" in page
    for data in (text, json.dumps(raw), page):
        assert SECRET not in data and "[redacted]" in data


def test_an_ad_hoc_check_says_so_and_oauth_is_exchange_online(failed):
    header = make_header(failed, oauth=True)
    assert header.platform == "Exchange Online (EWS)"
    assert dict(header.rows(failed))["Application"].startswith("none")
    assert json.loads(render_report(failed, "json", header))["header"]["application"] is None


def test_without_a_header_the_json_is_the_contract_alone(failed):
    assert list(json.loads(render_report(failed, "json"))) == ["provider", "target", "started_at", "result",
                                                                "steps"]


@pytest.fixture
def german():
    """Switches the core's texts to German for one test (English again afterwards)."""
    from ec_console import i18n

    yield lambda: i18n.set_language("de")
    i18n.set_language(None)


def test_in_german_the_header_reads_german_and_the_json_header_stays_english(failed, monkeypatch, german):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "jdoe")
    header = _header(failed)
    english_json = render_report(failed, "json", header)
    german()
    assert render_report(failed, "json", header) == english_json          # --json never changes
    rows = dict(header.rows(failed))
    assert rows["Plattform"] == "Exchange lokal (EWS)" and rows["Ausgeführt von"] == "jdoe"
    assert rows["Zeit"] == "03.12.2026, 07:05 UTC"
    assert rows["Fazit"].startswith("Nicht erreichbar: ") and "Identitätswechsel" in rows["Fazit"]
    assert MAILBOX in rows["Fazit"] and "ErrorImpersonateUserDenied" in rows["Fazit"]   # names, codes kept
    assert dict(make_header(failed).rows(failed))["Anwendung"].startswith("keine (")
    from dataclasses import replace

    nobody = replace(header, operator="unknown user")        # the system could not name the user
    assert dict(nobody.rows(failed))["Ausgeführt von"] == "unbekannter Benutzer"
    assert json.loads(render_report(failed, "json", nobody))["header"]["operator"] == "unknown user"
    page = render_report(failed, "html", header).decode()
    assert '<th scope="row">Fazit</th><td class="verdict fail">Nicht erreichbar: ' in page
    text = render_report(failed, "txt", header).decode()
    assert "Fazit:" in text and "Not reachable" not in text and "Run by" not in text


def test_a_german_passing_verdict_counts_its_warnings_in_german(german):
    from ec_console.report_header import shown_verdict

    report = _report(_step("authenticate", P), _step("impersonate", P),
                     _step("read_calendar", W, "Only 2 of 3 calendars answered."))
    english = verdict(report)
    german()
    assert verdict(report) == english                                       # the JSON's words
    assert shown_verdict(report) == ("Erreichbar: der Identitätswechsel funktioniert, und der Kalender kann "
                                     "gelesen werden (1 Warnung: Only 2 of 3 calendars answered)")
