"""The PDF report (`report_pdf`, Qt-free): read back with pdftotext, the words are separated, the mailbox
and every step title are there, data reads as labelled values, and no registered secret appears."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from ec_console import logs
from ec_console.checks import Report, StepResult, StepStatus
from ec_console.diagnoses import diagnose
from ec_console.report_files import render_report, report_target, write_report

SECRET = "Sandbox-Calendar-2026!"
MAILBOX = "zoë.ñandú@contoso.example"
CYRILLIC = "Иван Петров"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("CI"),
                                reason="pdftotext (poppler-utils) is not installed; CI installs it")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_pages(path: Path) -> int:
    # pdfinfo is in the same package as pdftotext.
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _report() -> Report:
    return Report("exchange", MAILBOX, "2026-11-30T09:00:00Z", (
        StepResult("resolve_endpoint", "Find the EWS endpoint", StepStatus.PASS, 1,
                   "Using the EWS URL given: https://mail.contoso.example/EWS/Exchange.asmx",
                   {"ews_url": "https://mail.contoso.example/EWS/Exchange.asmx", "source": "given"}),
        StepResult("authenticate", "Sign in as the service account", StepStatus.PASS, 139,
                   f"Signed in as CONTOSO\\svc-calendar for {CYRILLIC} (sent {SECRET} with NTLM)",
                   {"auth_type": "ntlm", "server_version": {"build": "15.2.1544.11"}}),
        StepResult("impersonate", "Open the mailbox's calendar", StepStatus.FAIL, 6,
                   "Exchange answered ErrorImpersonateUserDenied",
                   {"access": "impersonation"},
                   diagnose("impersonation_denied", mailbox=MAILBOX,
                            service_account="CONTOSO\\svc-calendar")),
        StepResult("read_calendar", "Read the next 7 days of busy times", StepStatus.SKIP, 0,
                   "Skipped: the step “Open the mailbox's calendar” failed.", {"skip_reason": "blocked"}),
    ))


@pytest.fixture
def registered_secret():
    logs.register_secret(SECRET)
    yield SECRET


def test_the_pdf_reads_as_a_document(tmp_path, registered_secret):
    report = _report()
    path = write_report(report, tmp_path / "report.pdf", "pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    text = pdf_text(path)
    flat = " ".join(text.split())
    assert MAILBOX in flat and CYRILLIC in flat                           # Unicode font: nothing lost
    assert f"connectivity check of {MAILBOX}" in flat                      # the title names the mailbox
    for title in ("Find the EWS endpoint", "Sign in as the service account", "Open the mailbox's calendar",
                  "Read the next 7 days of busy times"):
        assert title in flat, title
    words = set(flat.split())
    assert {"Status", "Step", "Duration", "Detail", "PASS", "FAIL", "SKIP"} <= words
    assert "StatusStep" not in flat and "PASSFind" not in flat             # columns do not run together
    assert "Exchange answered ErrorImpersonateUserDenied" in flat
    # The diagnosis: cause, fix, its commands (checked against the catalog), links and code.
    diagnosis = report.steps[2].diagnosis
    assert "Cause:" in words and "Fix:" in words and "impersonation_denied" in flat
    for command in diagnosis.commands:
        assert " ".join(command.split()) in flat.replace("- ", "-"), command
    # Data as labelled values, not raw JSON.
    assert "EWS URL: https://mail.contoso.example/EWS/Exchange.asmx" in flat
    assert "server version › build: 15.2.1544.11" in flat
    assert '{"' not in text and '"ews_url"' not in text
    # Never the secret (the log redactor ran over every string; the mailbox stayed).
    assert SECRET not in text and "[redacted]" in flat
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_html_and_pdf_carry_the_same_steps_in_the_same_order(tmp_path, registered_secret):
    report = _report()
    html = render_report(report, "html").decode("utf-8")
    pdf = pdf_text(write_report(report, tmp_path / "r.pdf", "pdf"))
    titles = [s.title for s in report.steps]
    flat_pdf = " ".join(pdf.split())
    assert [flat_pdf.index(t) for t in titles] == sorted(flat_pdf.index(t) for t in titles)
    assert [html.index(t.replace("'", "&#x27;")) for t in titles] == sorted(
        html.index(t.replace("'", "&#x27;")) for t in titles)
    assert SECRET not in html


def test_a_long_fix_flows_onto_the_next_page_and_names_the_step_again(tmp_path):
    base = _report()
    failed = base.steps[2]
    long = StepResult(failed.id, failed.title, failed.status, failed.duration_ms,
                      "\n".join(["Exchange answered ErrorImpersonateUserDenied"] * 40), failed.data,
                      failed.diagnosis)
    report = Report(base.provider, base.target, base.started_at, (*base.steps[:2], long, base.steps[3]))
    path = write_report(report, tmp_path / "long.pdf", "pdf")
    assert pdf_pages(path) >= 2
    assert "Open the mailbox's calendar (continued)" in " ".join(pdf_text(path).split())


def test_the_gui_exports_the_same_pdf(tmp_path, registered_secret):
    from ec_console.ui.check_view import export_report

    path = export_report(_report(), tmp_path / "gui.pdf", "pdf")
    assert pdf_text(path) == pdf_text(write_report(_report(), tmp_path / "cli.pdf", "pdf"))


@pytest.mark.parametrize("name", ["report.txt", "report.json", "report", "report.pdf.exe"])
def test_only_html_and_pdf_are_report_files(tmp_path, name):
    from ec_console.errors import BadInput

    with pytest.raises(BadInput, match=r"\.html or \.pdf"):
        report_target(str(tmp_path / name))
    assert report_target(str(tmp_path / "R.PDF"))[1] == "pdf"
    assert report_target(str(tmp_path / "r.html"))[1] == "html"


def test_characters_no_font_has_are_written_as_code_points_not_dropped(tmp_path, monkeypatch):
    from ec_console import report_pdf

    monkeypatch.setattr(report_pdf, "FALLBACK_FONTS", ())                 # no CJK font on this system
    report = Report("google", "王小明@例子.example", "2026-11-30T09:00:00Z",
                    (StepResult("user", "Find the user", StepStatus.PASS, 3, "Found 王小明"),))
    flat = " ".join(pdf_text(write_report(report, tmp_path / "cjk.pdf", "pdf")).split())
    assert "Mailbox: <U+738B><U+5C0F><U+660E>@<U+4F8B><U+5B50>.example" in flat   # still exact
    assert "Found <U+738B><U+5C0F><U+660E>" in flat


def _passing_report() -> Report:
    """A typical passing on-premises check with the restriction proved (eight steps, real-sized data)."""
    ews = "https://mail.contoso.example/EWS/Exchange.asmx"
    steps = [
        StepResult("resolve_endpoint", "Find the EWS endpoint", StepStatus.PASS, 0,
                   f"Using the EWS URL given: {ews}", {"ews_url": ews, "source": "given"}),
        StepResult("dns", "Resolve the server name", StepStatus.PASS, 2,
                   "mail.contoso.example resolves to 10.0.0.5",
                   {"addresses": ["10.0.0.5"], "host": "mail.contoso.example"}),
        StepResult("tcp", "Connect to the server", StepStatus.PASS, 3,
                   "Connected to mail.contoso.example port 443",
                   {"address": "10.0.0.5", "host": "mail.contoso.example", "port": 443, "proxy": None}),
        StepResult("tls", "Check the server certificate", StepStatus.PASS, 41,
                   "TLSv1.3; certificate CN=mail.contoso.example issued by CN=Contoso Issuing CA 2, valid "
                   "2026-01-10T00:00:00Z to 2027-01-10T00:00:00Z, trusted through the system's certificates",
                   {"cipher": "TLS_AES_256_GCM_SHA384", "protocol": "TLSv1.3",
                    "certificate": {"issuer": "CN=Contoso Issuing CA 2", "names": ["mail.contoso.example"],
                                    "not_after": "2027-01-10T00:00:00Z", "not_before": "2026-01-10T00:00:00Z",
                                    "serial": "4f2a9c01d3e5b7a9", "subject": "CN=mail.contoso.example"}}),
        StepResult("authenticate", "Sign in as the service account", StepStatus.PASS, 139,
                   "Signed in as CONTOSO\\svc-calendar with NTLM; server Microsoft Exchange Server 2019 "
                   "(build 15.2.1544.11, API Exchange2016)",
                   {"auth_type": "ntlm", "offered": ["NTLM", "Negotiate"],
                    "server_version": {"api_version": "Exchange2016", "build": "15.2.1544.11"}}),
        StepResult("impersonate", "Open the mailbox's calendar", StepStatus.PASS, 7,
                   f"Opened the calendar of {MAILBOX} impersonating it",
                   {"access": "impersonation", "folder": "Calendar"}),
        StepResult("read_calendar", "Read the next 7 days of busy times", StepStatus.PASS, 30,
                   "4 busy blocks in the next 7 days (times and busy type only; no subjects or bodies "
                   "fetched)",
                   {"blocks": [{"all_day": False, "busy_type": "Busy", "start": f"2026-12-0{d}T09:00:00Z",
                                "end": f"2026-12-0{d}T10:00:00Z"} for d in range(4, 8)],
                    "count": 4, "days": 7}),
        StepResult("restriction", "Prove a mailbox outside the scope is denied", StepStatus.PASS, 45,
                   "Access to ceo@contoso.example was refused as it should be (ErrorImpersonateUserDenied)",
                   {"denied_with": "ErrorImpersonateUserDenied", "mailbox": "ceo@contoso.example"}),
    ]
    return Report("exchange", MAILBOX, "2026-11-30T09:00:00Z", tuple(steps))


def test_the_header_is_in_the_pdf_and_a_passing_check_fits_on_one_page(tmp_path):
    from ec_console.report_header import make_header

    report = _passing_report()
    header = make_header(report, application="Helpdesk EWS", settings={"auth": "ntlm"},
                         region="United States (US)")
    path = write_report(report, tmp_path / "pass.pdf", "pdf", header)
    assert pdf_pages(path) == 1
    flat = " ".join(pdf_text(path).split())
    assert "Reachable: impersonation works and the calendar can be read" in flat
    for label, value in (("Application", "Helpdesk EWS"), ("Platform", "Exchange on-premises (EWS)"),
                         ("Region", "United States (US)"), ("Run by", header.operator),
                         ("Time", "30 Nov 2026, 09:00 UTC")):
        assert label in flat and value in flat, label
    assert flat.index("Reachable:") < flat.index("Find the EWS endpoint")   # the header comes first
    html = render_report(report, "html", header).decode("utf-8")
    assert html.index("Helpdesk EWS") < html.index("<th>Status</th>")


def test_a_german_pdf_reads_german_with_commands_and_codes_kept(tmp_path):
    from ec_console import i18n
    from ec_console.report_header import make_header

    report = _report()
    header = make_header(report, application="Helpdesk EWS", settings={"auth": "ntlm"})
    i18n.set_language("de")
    try:
        path = write_report(report, tmp_path / "de.pdf", "pdf", header)
    finally:
        i18n.set_language(None)
    flat = " ".join(pdf_text(path).split())
    for german in ("Verbindungsprüfung (Exchange) für", "Nicht erreichbar:", "Ausgeführt von", "Anwendung",
                   "Ursache:", "Behebung:", "Diagnosecode: impersonation_denied", "FEHLER", "ÜBERSPRUNGEN",
                   "Identitätswechsel", "Seite 1 von"):
        assert german in flat, german
    for english in ("Run by", "Cause:", "Fix:", "Page 1 of", "connectivity check of", "Not reachable"):
        assert english not in flat, english
    assert "New-ManagementRoleAssignment" in flat and MAILBOX in flat      # commands and names kept
@pytest.fixture
def in_german():
    from ec_console import i18n

    i18n.set_language("de")
    yield
    i18n.set_language(None)


def test_a_german_reader_gets_a_german_pdf_with_codes_and_commands_kept(tmp_path, registered_secret,
                                                                        in_german):
    from ec_console.diagnoses import localize

    report = _report()
    flat = " ".join(pdf_text(write_report(report, tmp_path / "bericht.pdf", "pdf")).split())
    for german in ("Verbindungsprüfung", "Schritt", "Dauer", "Ursache:", "Behebung:",
                   "Diagnosecode: impersonation_denied", "FEHLER", "ÜBERSPRUNGEN", "Seite 1 von"):
        assert german in flat, german
    for english in ("connectivity check", "Cause:", "Fix:", "Diagnosis code", "FAIL", "SKIP", "Page 1"):
        assert english not in flat, english
    diagnosis = report.steps[2].diagnosis
    german_cause = " ".join(localize(diagnosis).cause.split())
    assert german_cause != " ".join(diagnosis.cause.split())
    assert german_cause in flat
    for command in diagnosis.commands:                 # PowerShell stays as it is
        assert " ".join(command.split()) in flat


def test_a_step_named_again_on_the_next_page_is_named_in_german(tmp_path, in_german):
    failed = _report().steps[2]
    long = StepResult(failed.id, failed.title, failed.status, failed.duration_ms,
                      "\n".join(["Exchange answered ErrorImpersonateUserDenied"] * 40), failed.data,
                      failed.diagnosis)
    text = " ".join(pdf_text(write_report(Report("exchange", MAILBOX, "2026-11-30T09:00:00Z", (long,)),
                                          tmp_path / "lang.pdf", "pdf")).split())
    assert "(Fortsetzung)" in text and "(continued)" not in text
