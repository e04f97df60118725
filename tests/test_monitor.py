"""The monitor's run (lock, keychain, history rows), its change detection, the alert channels and the CLI."""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from ec_console import monitor
from ec_console.cli import main
from ec_console.errors import BadInput
from ec_console.monitor_notify import (
    DeliveryFailed,
    DesktopNotifier,
    SmtpNotifier,
    WebhookNotifier,
    desktop_command,
    teams_payload,
    validate_webhook_url,
)
from ec_console.registry import HEALTH_HISTORY_TABLE, SCHEMA_VERSION, HealthRow, Registry, migrate, utc_text
from ec_console.secrets import MemoryStore


def _row(app_id, name, outcome="ok", *, needs_relink=0, failing=0, leaks=None, health=None, run="r1"):
    return HealthRow(run, "2026-12-01T06:00:00Z", app_id, name, "scheduled", outcome, health=health,
                     linked=5, needs_relink=needs_relink, failing=failing, leaks=leaks)


# --- registry --------------------------------------------------------------------------------------------


def test_the_history_table_arrives_with_the_latest_schema_and_its_query_returns_runs_oldest_first():
    with Registry.for_region("us") as registry:
        assert registry.schema_version == SCHEMA_VERSION
        registry.record_health([HealthRow("a", "2026-12-01T00:00:00Z", 1, "One", "manual", "ok", linked=3),
                                HealthRow("a", "2026-12-01T00:00:00Z", 2, "Two", "manual", "failing",
                                          diagnoses=("timeout", "auth_failed"))])
        registry.record_health([HealthRow("b", "2026-12-01T06:00:00Z", 1, "One", "scheduled", "ok",
                                          linked=4, leaks=0)])
        assert [(r.run_id, r.application_name, r.linked) for r in registry.health_history()] == [
            ("a", "One", 3), ("a", "Two", 0), ("b", "One", 4)]
        assert [r.linked for r in registry.health_history(application_id=1)] == [3, 4]
        assert registry.health_history(since="2026-12-01T01:00:00Z")[0].run_id == "b"
        assert registry.health_history(application_id=2)[0].diagnoses == ("auth_failed", "timeout")
        assert [r.run_id for r in registry.latest_health_run()] == ["b"]
        assert registry.latest_health_run(trigger="manual")[0].run_id == "a"


def test_the_history_migration_is_idempotent_and_refuses_bad_rows():
    with Registry.for_region("us") as registry:
        conn = registry._conn
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
        assert migrate(conn) == SCHEMA_VERSION   # the table exists already: nothing fails, nothing is lost
        assert conn.execute(f"SELECT COUNT(*) FROM {HEALTH_HISTORY_TABLE}").fetchone() == (0,)
        with pytest.raises(BadInput):
            registry.record_health([HealthRow("a", "2026-12-01T00:00:00Z", 1, "One", "nightly", "ok")])
        with pytest.raises(BadInput):
            registry.record_health([HealthRow("a", "2026-12-01T00:00:00Z", 1, "One", "manual", "ok",
                                              linked=-1)])
        assert registry.health_history() == []


# --- change detection ------------------------------------------------------------------------------------


def test_alerts_come_only_from_changes():
    steady = [_row(1, "Contoso", "ok"), _row(2, "Fabrikam", "failing", failing=1)]
    assert monitor.changes(steady, steady) == []
    now = [_row(1, "Contoso", "failed", health="auth_failed"), _row(2, "Fabrikam", "ok")]
    assert [(a.kind, a.application, a.codes) for a in monitor.changes(steady, now)] == [
        ("application_failing", "Contoso", ("auth_failed",)), ("recovered", "Fabrikam", ())]
    # The same failure again is not news.
    assert monitor.changes(now, now) == []


def test_a_new_leak_and_profiles_gone_to_needs_relink_are_told_with_counts():
    before = [_row(1, "Contoso", leaks=1)]
    after = [_row(1, "Contoso", "failing", needs_relink=3, leaks=3)]
    alerts = monitor.changes(before, after, {1: (3, ("impersonation_denied",))})
    assert [(a.kind, a.count) for a in alerts] == [("new_leak", 2), ("profiles_need_relink", 3)]
    assert alerts[1].text() == "Contoso: 3 profiles went from linked to needs relink (impersonation_denied)"
    assert alerts[0].text() == "Contoso: 2 accounts outside the scope are reachable (scope_not_enforced)"
    # Reconciliation not run (leaks None) is not a new leak.
    assert monitor.changes(before, [_row(1, "Contoso")]) == []
    first = monitor.changes([], [_row(1, "Contoso", "not_checked")])
    assert [a.kind for a in first] == ["application_failing"]


# --- the run ---------------------------------------------------------------------------------------------


def test_an_overlapping_run_is_skipped_recorded_and_reported():
    with Registry.for_region("us") as registry:
        with monitor.run_lock(monitor.lock_path(registry.path)):
            run = monitor.run_monitor(registry, "us", store=MemoryStore())
        assert (run.outcome, run.exit_status) == ("skipped_overlap", monitor.EXIT_SKIPPED)
        (row,) = registry.health_history()
        assert (row.application_id, row.outcome) == (None, "skipped_overlap")
        # The lock is free again: the next run goes ahead.
        assert monitor.run_monitor(registry, "us", store=MemoryStore()).outcome == "ok"


def test_the_lock_holds_across_processes():
    with Registry.for_region("us") as registry:
        path = monitor.lock_path(registry.path)
        code = ("import sys; from pathlib import Path; from ec_console import monitor\n"
                "try:\n    with monitor.run_lock(Path(sys.argv[1])): print('got it')\n"
                "except monitor.RunInProgress: print('busy')\n")
        with monitor.run_lock(path):
            held = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                                  check=True, timeout=60)
        free = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                              check=True, timeout=60)
        assert (held.stdout.strip(), free.stdout.strip()) == ("busy", "got it")


def test_an_unreachable_keychain_is_a_clear_diagnosis_with_exit_status_3():
    with Registry.for_region("us") as registry:
        run = monitor.run_monitor(registry, "us", store=MemoryStore(usable=False))
        assert (run.outcome, run.exit_status) == ("keychain_unavailable", 3)
        assert "keychain could not be reached" in run.notes[0] and "docs/monitor.md" in run.notes[0]
        assert registry.health_history()[0].outcome == "keychain_unavailable"


def test_a_failed_delivery_is_recorded_and_fails_the_run():
    class Broken:
        channel = "webhook (Slack)"

        def send(self, title, body):
            raise DeliveryFailed("the webhook answered HTTP 404")

    with Registry.for_region("us") as registry:
        app = registry.add_application("Contoso", "exchange", "contoso.example")
        run = monitor.run_monitor(registry, "us", store=MemoryStore(), notifiers=[Broken()])
        # No secret stored for the application: it cannot be checked, which is news on a first run.
        assert [a.kind for a in run.alerts] == ["application_failing"]
        assert run.deliveries == [("webhook (Slack)", "the webhook answered HTTP 404")]
        assert run.exit_status == 1 and run.rows[0].application_id == app.id
        assert "no secret" in run.rows[0].detail


def test_missed_runs_and_a_moved_program_are_said_plainly(tmp_path):
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    six = 6 * 3600
    assert monitor.missed_run("2026-12-03T07:00:00Z", six, now) is None
    late = monitor.missed_run("2026-12-02T20:00:00Z", six, now)
    assert late is not None and "16.0 hours ago" in late and "every 6h" in late
    assert "since the job was installed" in monitor.missed_run(None, six, now, "2026-12-02T00:00:00Z")
    gone = monitor.executable_problem([str(tmp_path / "ec-console")])
    assert gone is not None and "missing or has moved" in gone and "monitor install" in gone
    assert monitor.executable_problem([sys.executable]) is None


@pytest.mark.parametrize("text, seconds", [("15m", 900), ("60m", 3600), ("6h", 21600), ("1d", 86400)])
def test_every_accepts_intervals_that_divide_a_day(text, seconds):
    assert monitor.parse_every(text) == seconds


@pytest.mark.parametrize("text", ["5m", "7h", "2d", "6", "h", "-6h", "six hours"])
def test_every_refuses_other_intervals_with_the_reason(text):
    with pytest.raises(BadInput, match="--every"):
        monitor.parse_every(text)


# --- alert channels --------------------------------------------------------------------------------------


def test_webhook_addresses_must_be_https_except_to_this_computer():
    assert validate_webhook_url("https://hooks.slack.com/services/T/B/X").startswith("https://")
    assert validate_webhook_url("http://127.0.0.1:8080/x")
    for bad in ("http://hooks.example.com/x", "ftp://x", "hooks.slack.com"):
        with pytest.raises(BadInput) as caught:
            validate_webhook_url(bad)
        assert bad not in caught.value.message   # the address is a secret: never echoed


def test_teams_gets_an_adaptive_card_message():
    payload = teams_payload("Title", "Run of X:\n- Contoso: failing")
    (attachment,) = payload["attachments"]
    assert payload["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert [b["text"] for b in attachment["content"]["body"]] == ["Title", "Run of X:", "- Contoso: failing"]


def test_an_unreachable_webhook_is_an_error_without_its_address():
    notifier = WebhookNotifier("slack", "http://127.0.0.1:9/hook/secret-part", timeout=2)
    with pytest.raises(DeliveryFailed) as caught:
        notifier.send("t", "b")
    assert "secret-part" not in str(caught.value) and "could not be reached" in str(caught.value)


class _FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.extensions = {"starttls"}
        self.calls = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ehlo(self):
        self.calls.append("ehlo")

    def has_extn(self, name):
        return name in self.extensions

    def starttls(self, context):
        self.calls.append("starttls")

    def login(self, user, password):
        if password != "right":
            raise smtplib.SMTPAuthenticationError(535, b"no")
        self.calls.append("login")

    def send_message(self, msg):
        _FakeSMTP.sent.append((self.calls[:], msg))


def test_email_goes_only_after_starttls_and_a_refused_sign_in_is_reported():
    _FakeSMTP.sent = []
    ok = SmtpNotifier("smtp.example", 587, "ec@example", ["ops@example"], username="ec", password="right",
                      smtp_factory=_FakeSMTP)
    ok.send("Title", "Body")
    ((calls, msg),) = _FakeSMTP.sent
    assert calls == ["ehlo", "starttls", "ehlo", "login"] and msg["Subject"] == "Title"
    bad = SmtpNotifier("smtp.example", 587, "ec@example", ["ops@example"], username="ec", password="wrong",
                       smtp_factory=_FakeSMTP)
    with pytest.raises(DeliveryFailed, match="refused the sign-in") as caught:
        bad.send("Title", "Body")
    assert "wrong" not in str(caught.value)

    class Plain(_FakeSMTP):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.extensions = set()

    with pytest.raises(DeliveryFailed, match="does not offer STARTTLS"):
        SmtpNotifier("smtp.example", 25, "a@example", ["b@example"], smtp_factory=Plain).send("t", "b")


def test_desktop_notifications_use_each_systems_own_command():
    argv, env = desktop_command("T", 'B "quoted"', "darwin")
    assert argv[0] == "osascript" and argv[-2:] == ["T", 'B "quoted"'] and env == {}
    argv, env = desktop_command("T", "B", "win32")
    assert argv[0] == "powershell.exe" and env == {"EC_ALERT_TITLE": "T", "EC_ALERT_BODY": "B"}
    assert "$env:EC_ALERT_TITLE" in argv[-1] and "$env:EC_ALERT_BODY" in argv[-1]
    assert desktop_command("T", "B", "linux")[0] == ["notify-send", "--app-name=ec-console", "T", "B"]
    calls = []
    DesktopNotifier(platform="linux", which=lambda n: "/usr/bin/" + n,
                    runner=lambda argv, **kw: calls.append(argv) or subprocess.CompletedProcess(argv, 0)
                    ).send("T", "B")
    assert calls == [["notify-send", "--app-name=ec-console", "T", "B"]]
    with pytest.raises(DeliveryFailed, match="not found"):
        DesktopNotifier(platform="linux", which=lambda n: None).send("T", "B")
    failing = DesktopNotifier(platform="linux", which=lambda n: n,
                              runner=lambda argv, **kw: subprocess.CompletedProcess(argv, 1))
    with pytest.raises(DeliveryFailed, match="exit status 1"):
        failing.send("T", "B")


# --- CLI -------------------------------------------------------------------------------------------------


def test_monitor_run_and_history_export_from_the_command_line(tmp_path, capsys):
    assert main(["monitor", "run", "--region", "us", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outcome"] == "ok" and out["reconcile"] is False and out["applications"] == []
    assert main(["monitor", "history", "--region", "us", "--output", str(tmp_path / "h.csv")]) == 0
    text = (tmp_path / "h.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("run_at,trigger,application,outcome")
    assert main(["monitor", "history", "--region", "us", "--output", str(tmp_path / "h.txt")]) == 2
    assert main(["monitor", "status", "--region", "us"]) == 1
    assert "not installed" in capsys.readouterr().out


def test_monitor_status_json_is_byte_for_byte_what_it_was(monkeypatch, capsys):
    """`monitor status --json` reads through the core (`monitor_status`), shared with the window: its output
    is the same bytes as before the move, written out here in full."""
    from ec_console import monitor_status

    class Gone:
        def installed(self, region_id):
            return False

    now = datetime.now(UTC).replace(microsecond=0)
    manual, scheduled = (utc_text(now - timedelta(hours=h)) for h in (1, 2))
    with Registry.for_region("us") as registry:
        app = registry.add_application("Café bookings", "exchange", "contoso.example")
        registry.record_health([HealthRow("s", scheduled, app.id, app.name, "scheduled", "ok", linked=2)])
        registry.record_health([HealthRow("m", manual, app.id, app.name, "manual", "failing", failing=1)])
    settings = {"region": "us", "every_seconds": 6 * 3600, "scheduler": "cron", "command": [sys.executable],
                "notify": ["desktop", "webhook"], "webhook_kind": "slack",
                "installed_at": utc_text(now - timedelta(days=1))}
    monitor_status.settings_path("us").parent.mkdir(parents=True, exist_ok=True)
    monitor_status.settings_path("us").write_text(json.dumps(settings))
    monkeypatch.setattr(monitor_status, "scheduler_for", lambda kind: Gone())
    assert main(["monitor", "status", "--region", "us", "--json"]) == 1
    executable = json.dumps(sys.executable)
    assert capsys.readouterr().out == (
        "{\n"
        '  "region": "us",\n'
        '  "installed": false,\n'
        '  "problems": [\n'
        '    "the cron job is gone; run `ec-console monitor install` again"\n'
        "  ],\n"
        '  "scheduler": "cron",\n'
        '  "every": "6h",\n'
        '  "command": [\n'
        f"    {executable}\n"
        "  ],\n"
        '  "notify": [\n'
        '    "desktop",\n'
        '    "webhook"\n'
        "  ],\n"
        f'  "last_run": "{manual}",\n'
        '  "last_run_outcome": "failing",\n'
        f'  "last_scheduled_run": "{scheduled}"\n'
        "}\n")
    monitor_status.settings_path("us").unlink()
    assert main(["monitor", "status", "--region", "us", "--json"]) == 1
    assert capsys.readouterr().out == (
        "{\n"
        '  "region": "us",\n'
        '  "installed": false,\n'
        '  "problems": [\n'
        '    "the monitor is not installed for this region (ec-console monitor install)"\n'
        "  ]\n"
        "}\n")


# --- time shifts, the reconcile hook, secrets, exports ---------------------------------------------------


def test_a_shifted_clock_shows_a_scheduled_run_missed_while_asleep(capsys):
    from ec_console.commands import monitor as cmd

    start = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    with Registry.for_region("us") as registry:
        monitor.run_monitor(registry, "us", trigger="scheduled", store=MemoryStore(), clock=lambda: start)
        on_time = start + timedelta(hours=6, minutes=5)
        assert monitor.catch_up_note(registry, 6 * 3600, on_time) is None
        woke = start + timedelta(hours=20)
        note = monitor.catch_up_note(registry, 6 * 3600, woke)
        assert note is not None and note.startswith("catching up: the last scheduled run was 20.0 hours ago")
        late = monitor.run_monitor(registry, "us", trigger="scheduled", store=MemoryStore(),
                                   clock=lambda: woke, notes=[note])
        assert late.rows[0].run_at == "2026-12-03T20:00:00Z" and note in late.rows[0].detail
    settings = {"region": "us", "every_seconds": 6 * 3600, "scheduler": "cron", "command": [sys.executable],
                "notify": [], "installed_at": "2026-12-02T23:00:00Z"}
    cmd.settings_path("us").parent.mkdir(parents=True, exist_ok=True)
    cmd.settings_path("us").write_text(json.dumps(settings))

    class Installed:
        def installed(self, region_id):
            return True

    state = cmd.status_dict("us", scheduler=Installed(), now=datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    assert state["last_scheduled_run"] == "2026-12-03T20:00:00Z"
    assert [p for p in state["problems"] if "runs were missed" in p]
    fine = cmd.status_dict("us", scheduler=Installed(), now=datetime(2026, 12, 4, 0, 0, tzinfo=UTC))
    assert fine["problems"] == [] and fine["installed"] is True


def test_a_leak_the_reconcile_hook_reports_is_alerted_once():
    with Registry.for_region("us") as registry:
        app = registry.add_application("Contoso", "exchange", "contoso.example")

        def hook(reg):
            return {app.id: monitor.Findings(leaks=1)}

        first = monitor.run_monitor(registry, "us", store=MemoryStore(), reconcile=hook)
        assert first.reconcile_ran and first.rows[0].leaks == 1
        assert ("new_leak", 1) in [(a.kind, a.count) for a in first.alerts]
        again = monitor.run_monitor(registry, "us", store=MemoryStore(), reconcile=hook)
        assert "new_leak" not in [a.kind for a in again.alerts]
        not_run = monitor.run_monitor(registry, "us", store=MemoryStore())
        assert not not_run.reconcile_ran and not_run.rows[0].leaks is None


def test_the_webhook_address_goes_to_the_keychain_only(monkeypatch, capsys, ec_home):
    from ec_console import monitor_jobs as mj
    from ec_console.commands import monitor as cmd
    from ec_console.monitor_notify import webhook_secret_key
    from ec_console.secrets import default_store

    planned = []

    class Fake(mj.Scheduler):
        kind = "cron"

        def install(self, plan):
            planned.append(plan)
            return ["a crontab line"]

        def installed(self, region_id):
            return True

        def remove(self, region_id):
            return ["a crontab line"]

    url = "https://contoso.webhook.office.com/webhookb2/0b1c-very-secret-part/IncomingWebhook/abc/def"
    monkeypatch.setattr(cmd, "_scheduler", lambda kind: Fake())
    monkeypatch.setenv("EC_MONITOR_WEBHOOK_URL", url)
    assert main(["monitor", "install", "--region", "us", "--notify", "webhook", "--notify", "desktop",
                 "-v"]) == 0
    out = capsys.readouterr()
    assert default_store().get(webhook_secret_key("us")) == url
    assert "very-secret-part" not in out.out + out.err + repr(planned)
    for path in ec_home.rglob("*"):
        if path.is_file():
            assert b"very-secret-part" not in path.read_bytes(), path
    settings = json.loads(cmd.settings_path("us").read_text())
    assert settings["notify"] == ["webhook", "desktop"] and settings["webhook_kind"] == "teams"
    assert main(["monitor", "remove", "--region", "us"]) == 0
    assert default_store().get(webhook_secret_key("us")) is None and not cmd.settings_path("us").exists()
    monkeypatch.setenv("EC_MONITOR_WEBHOOK_URL", "http://hooks.example.com/x")
    assert main(["monitor", "install", "--region", "us", "--notify", "webhook"]) == 2


def test_every_figure_in_the_csv_and_xlsx_exports_equals_the_history_shown(tmp_path, capsys):
    import csv

    from openpyxl import load_workbook

    with Registry.for_region("us") as registry:
        registry.record_health([
            HealthRow("r1", "2026-12-01T00:00:00Z", 1, "Contoso", "scheduled", "ok", linked=1204,
                      duration=3.25),
            HealthRow("r1", "2026-12-01T00:00:00Z", 2, "=Fabrikam", "scheduled", "failing", linked=7,
                      needs_relink=2, failing=2, leaks=0, diagnoses=("impersonation_denied",))])
    assert main(["monitor", "history", "--region", "us", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(r["application"], r["linked"], r["needs_relink"], r["leaks"]) for r in shown] == [
        ("Contoso", 1204, 0, ""), ("=Fabrikam", 7, 2, 0)]
    assert main(["monitor", "history", "--region", "us", "-o", str(tmp_path / "h.csv")]) == 0
    assert main(["monitor", "history", "--region", "us", "-o", str(tmp_path / "h.xlsx")]) == 0
    with open(tmp_path / "h.csv", encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    sheet = load_workbook(tmp_path / "h.xlsx").active
    header = [c.value for c in sheet[1]]
    xlsx_rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    for screen, from_csv, from_xlsx in zip(shown, csv_rows, xlsx_rows, strict=True):
        for column in ("linked", "needs_relink", "failing", "duration_s"):
            assert float(from_csv[column]) == float(from_xlsx[column]) == float(screen[column])
        assert from_xlsx["linked"] == screen["linked"]          # a number in the sheet, not text
        assert from_csv["diagnoses"] == (from_xlsx["diagnoses"] or "") == screen["diagnoses"]
    # A name a spreadsheet would run as a formula stays text in both files.
    assert csv_rows[1]["application"] == xlsx_rows[1]["application"] == "'=Fabrikam"


def test_a_webhook_that_answers_an_error_is_reported_with_its_status_only():
    from webhook_receiver import Receiver

    with Receiver(status=404) as hook:
        with pytest.raises(DeliveryFailed) as caught:
            WebhookNotifier("teams", hook.url, timeout=5).send("Title", "Body")
        assert len(hook.bodies) == 1 and json.loads(hook.bodies[0])["type"] == "message"
    assert str(caught.value) == "the webhook answered HTTP 404"


def test_a_run_that_stops_is_recorded_as_an_error_and_the_error_still_reaches_the_caller(monkeypatch):
    from ec_console import checkall
    from ec_console.registry import RegistryError

    def broken(*args, **kwargs):
        raise RegistryError("the registry file is damaged")

    monkeypatch.setattr(checkall, "check_all", broken)
    with Registry.for_region("us") as registry:
        with pytest.raises(RegistryError):
            monitor.run_monitor(registry, "us", store=MemoryStore())
        (row,) = registry.health_history()
        assert (row.outcome, row.detail) == ("error", "the run stopped: the registry file is damaged")


def test_monitor_run_says_why_an_application_could_not_be_checked(capsys):
    with Registry.for_region("us") as registry:
        registry.add_application("Contoso calendar", "exchange", "contoso.example")
    assert main(["monitor", "run", "--region", "us"]) == 1
    out = capsys.readouterr().out
    assert "Contoso calendar: not checked; 0 linked, 0 needing relink, 0 failing" in out
    assert ("- Contoso calendar: the application could not be checked: no secret for 'Contoso calendar' in "
            "the keychain") in out
    assert "Reconciliation: not run" in out
    assert main(["monitor", "run", "--region", "us"]) == 1
    assert "No change since the last run: no alert sent" in capsys.readouterr().out


def test_an_unreachable_keychain_is_told_once_through_the_channels_that_need_no_secret():
    sent = []

    class Desktop:
        channel = "desktop"

        def send(self, title, body):
            sent.append(body)

    with Registry.for_region("us") as registry:
        locked = MemoryStore(usable=False)
        first = monitor.run_monitor(registry, "us", store=locked, notifiers=[Desktop()])
        assert [a.kind for a in first.alerts] == ["keychain_unavailable"] and first.exit_status == 3
        assert "keychain could not be reached, so nothing was checked" in sent[0]
        second = monitor.run_monitor(registry, "us", store=locked, notifiers=[Desktop()])
        assert second.alerts == [] and len(sent) == 1 and second.exit_status == 3
        monitor.run_monitor(registry, "us", store=MemoryStore(), notifiers=[Desktop()])
        third = monitor.run_monitor(registry, "us", store=locked, notifiers=[Desktop()])
        assert [a.kind for a in third.alerts] == ["keychain_unavailable"] and len(sent) == 2


def test_a_channel_whose_secret_is_gone_is_left_out_and_said(capsys):
    from ec_console.commands import monitor as cmd

    cmd.settings_path("us").parent.mkdir(parents=True, exist_ok=True)
    settings = {"region": "us", "every_seconds": 3600, "scheduler": "cron", "command": [sys.executable],
                "notify": ["webhook", "desktop"], "installed_at": "2026-12-01T00:00:00Z"}
    cmd.settings_path("us").write_text(json.dumps(settings))
    built, notes = cmd.reachable_notifiers("us", settings, MemoryStore())
    assert [n.channel for n in built] == ["desktop"]
    assert notes == ["alerts cannot be sent by webhook: the webhook address is not in the keychain; run "
                     "`ec-console monitor install --notify webhook` again"]
    assert main(["monitor", "run", "--region", "us"]) == 1     # healthy, but an alert channel is broken
    assert "Note: alerts cannot be sent by webhook" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["monitor", "history", "--region", "us", "--since", "yesterday"],
    ["monitor", "history", "--region", "us", "--application", "Nobody"],
    ["monitor", "install", "--region", "us", "--every", "90m"],
    ["monitor", "install", "--region", "us", "--notify", "pager"],
    ["monitor", "run", "--region", "nowhere"],
])
def test_monitor_refuses_bad_input_with_exit_status_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ec-console: ") and "Traceback" not in err


def test_damaged_monitor_settings_are_refused_with_the_fix(capsys):
    from ec_console.commands import monitor as cmd

    cmd.settings_path("us").parent.mkdir(parents=True, exist_ok=True)
    for text in ("{not json", json.dumps({"scheduler": "at", "every_seconds": 60, "command": []}), "[]"):
        cmd.settings_path("us").write_text(text)
        assert main(["monitor", "status", "--region", "us"]) == 2
        assert "run `ec-console monitor install` again" in capsys.readouterr().err


# --- German ----------------------------------------------------------------------------------------------


@pytest.fixture
def german(compiled_catalogs):
    from ec_console import i18n

    i18n.set_language("de")
    yield
    i18n.set_language(None)


def test_alerts_read_german_with_names_and_codes_kept(german):
    before = [_row(1, "Contoso", leaks=1), _row(2, "Fabrikam", "failing", failing=2)]
    after = [_row(1, "Contoso", "failing", needs_relink=3, leaks=3), _row(2, "Fabrikam", "ok")]
    alerts = monitor.changes(before, after, {1: (1, ("impersonation_denied",))})
    title, body = monitor.alert_text(alerts, "de", "2026-12-03T06:00:00Z")
    assert title == "Enterprise Connect-Monitor (de): 3 Änderungen"
    assert body.splitlines() == [
        "Ausführung vom 2026-12-03T06:00:00Z:",
        "- Contoso: 2 Konten außerhalb des Bereichs sind erreichbar (scope_not_enforced)",
        "- Contoso: 1 Profil ging von verknüpft zu erneut zu verknüpfen über (impersonation_denied)",
        "- Fabrikam: wiederhergestellt, jedes geprüfte Profil antwortet wieder"]
    assert [a.to_dict()["kind"] for a in alerts] == ["new_leak", "profiles_need_relink", "recovered"]


def test_missed_runs_are_english_in_json_and_the_history_but_german_when_shown(german, tmp_path):
    from ec_console.phrases import shown

    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    late = monitor.missed_run("2026-12-02T20:00:00Z", 6 * 3600, now)
    assert late == ("the last scheduled run was 16.0 hours ago, but the job runs every 6h: runs were missed "
                    "(the computer was asleep or off, or the job could not start)")
    assert json.dumps([late]) == json.dumps([str(late)])          # what --json and the registry keep
    assert shown(late) == ("die letzte geplante Ausführung war vor 16,0 Stunden, aber der Auftrag läuft "
                           "alle 6h: Ausführungen wurden ausgelassen (der Computer war im Ruhezustand oder "
                           "aus, oder der Auftrag konnte nicht starten)")
    catching_up = monitor.Phrase(monitor.N_("catching up: {missed}"), missed=late)
    assert catching_up.startswith("catching up: the last") and shown(catching_up).startswith(
        "wird nachgeholt: die letzte geplante Ausführung war vor 16,0 Stunden")
    gone = monitor.executable_problem([str(tmp_path / "ec-console")])
    assert "missing or has moved" in gone and "fehlt oder wurde verschoben" in shown(gone)


def test_a_run_that_could_not_reach_the_keychain_stores_english_and_says_it_in_german(german, capsys):
    from ec_console.phrases import shown

    with Registry.for_region("us") as registry:
        run = monitor.run_monitor(registry, "us", store=MemoryStore(usable=False))
        stored = registry.health_history()[0].detail
    note = run.to_dict()["notes"][0]
    assert note.startswith("The keychain could not be reached, so no application could be checked.")
    assert stored.startswith("The keychain could not be reached")
    assert shown(run.notes[0]).startswith("Der Schlüsselbund war nicht erreichbar, daher konnte keine "
                                          "Anwendung geprüft werden.")
    assert run.alerts[0].text().startswith(
        "der Schlüsselbund war nicht erreichbar, daher wurde nichts geprüft")


def test_a_failed_delivery_is_english_in_json_and_german_when_printed(german, capsys):
    from ec_console.phrases import shown

    class Refusing:
        channel = "webhook (Slack)"

        def send(self, title, body):
            raise DeliveryFailed(monitor.Phrase(monitor.N_("the webhook answered HTTP {status}"), status=404))

    with Registry.for_region("us") as registry:
        registry.add_application("Contoso", "exchange", "contoso.example")
        run = monitor.run_monitor(registry, "us", store=MemoryStore(), notifiers=[Refusing()])
    (delivery,) = run.to_dict()["deliveries"]
    assert delivery == {"channel": "webhook (Slack)", "delivered": False,
                        "error": "the webhook answered HTTP 404"}
    assert shown(run.deliveries[0][1]) == "der Webhook hat mit HTTP 404 geantwortet"


def test_webhook_payloads_keep_their_fields_and_carry_the_german_text(german):
    from ec_console.monitor_notify import slack_payload

    alerts = [monitor.Alert("application_failing", "Contoso", codes=("auth_failed",))]
    title, body = monitor.alert_text(alerts, "de", "2026-12-03T06:00:00Z")
    assert slack_payload(title, body) == {"text": "*Enterprise Connect-Monitor (de): 1 Änderung*\n"
                                                  "Ausführung vom 2026-12-03T06:00:00Z:\n"
                                                  "- Contoso: Die Anwendung ist fehlerhaft (auth_failed)"}
    card = teams_payload(title, body)
    assert card["type"] == "message"
    assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    blocks = card["attachments"][0]["content"]["body"]
    assert [b["type"] for b in blocks] == ["TextBlock"] * 3 and blocks[0]["weight"] == "Bolder"
    assert blocks[2]["text"] == "- Contoso: Die Anwendung ist fehlerhaft (auth_failed)"
