"""The monitor's scheduled jobs: generated files checked by content, macOS and Windows commands through a
fake runner, and on Linux the real thing: `systemd-analyze verify` of the units, a real systemd user
manager (in a private mount namespace, since this machine's PID 1 is not systemd) whose timer runs the job
and catches up a missed run, and a real crontab round trip."""

from __future__ import annotations

import json
import os
import plistlib
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ec_console import monitor_jobs as mj
from ec_console.cli import main
from ec_console.registry import Registry

WORKTREE = Path(__file__).resolve().parents[1]
COMMAND = ["/opt/ec console/bin/python", "-m", "ec_console"]
SYSTEMD = Path("/lib/systemd/systemd")


class FakeRunner:
    """Records each command; answers from `answers` (argv[0] -> returncode, stdout), 0 otherwise."""

    def __init__(self, answers=None):
        self.calls, self.inputs, self.answers = [], [], answers or {}

    def __call__(self, argv, *, input=None):
        self.calls.append(list(argv))
        self.inputs.append(input)
        code, out = self.answers.get(tuple(argv[:2]), (0, ""))
        return subprocess.CompletedProcess(argv, code, out, "")


# --- content -----------------------------------------------------------------------------------------------


def test_systemd_units_run_the_absolute_program_with_a_persistent_calendar_timer():
    units = mj.systemd_units("de", COMMAND, 6 * 3600, env={"EC_CONSOLE_HOME": "/home/a/100% ec"},
                             dbus_address=None)
    service, timer = units["ec-console-monitor-de.service"], units["ec-console-monitor-de.timer"]
    assert ('ExecStart="/opt/ec console/bin/python" "-m" "ec_console" "monitor" "run" "--region" "de" '
            '"--scheduled"') in service
    assert 'Environment="EC_CONSOLE_HOME=/home/a/100%% ec"' in service        # % is a specifier: doubled
    assert 'Environment="DBUS_SESSION_BUS_ADDRESS=unix:path=%t/bus"' in service
    assert "SuccessExitStatus=75" in service and "Type=oneshot" in service
    assert "OnCalendar=*-*-* 00/6:00:00" in timer and "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer
    assert mj.on_calendar(15 * 60) == "*-*-* *:00/15:00" and mj.on_calendar(86400) == "*-*-* 00:00:00"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_generated_units(tmp_path):
    runtime = Path(tempfile.mkdtemp(prefix="ecv-", dir="/tmp"))
    try:
        units = mj.systemd_units("us", [sys.executable, "-m", "ec_console"], 30 * 60,
                                 env={"EC_CONSOLE_HOME": str(tmp_path)}, dbus_address=None)
        for name, text in units.items():
            (tmp_path / name).write_text(text)
        env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
        names = [str(tmp_path / n) for n in units]
        ok = subprocess.run(["systemd-analyze", "verify", "--user", *names], capture_output=True, text=True,
                            env=env, timeout=60)
        assert ok.returncode == 0, ok.stderr
        # ... and it does refuse a broken one, so the pass above means something.
        (tmp_path / "ec-console-monitor-us.timer").write_text(units["ec-console-monitor-us.timer"].replace(
            "OnCalendar=*-*-* *:00/30:00", "OnCalendar=every half hour"))
        bad = subprocess.run(["systemd-analyze", "verify", "--user", *names], capture_output=True, text=True,
                             env=env, timeout=60)
        assert bad.returncode != 0
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def test_cron_line_is_tagged_escapes_percent_and_replaces_only_its_own_line():
    line = mj.cron_line("us", ["/usr/bin/ec-console"], 20 * 60, env={"EC_CONSOLE_HOME": "/a/50% b"})
    assert line == ("*/20 * * * * EC_CONSOLE_HOME='/a/50\\% b' /usr/bin/ec-console monitor run --region us "
                    "--scheduled # ec-console-monitor:us")
    current = "MAILTO=me\n0 1 * * * backup # mine\n0 */6 * * * old # ec-console-monitor:us\n"
    assert mj.crontab_with(current, "us", "NEW") == "MAILTO=me\n0 1 * * * backup # mine\nNEW\n"
    assert mj.crontab_with(current, "de", None) == current
    assert mj.cron_schedule(3 * 3600) == "0 */3 * * *" and mj.cron_schedule(86400) == "0 0 * * *"


def test_launchd_plist_uses_calendar_intervals_and_is_bootstrapped_in_the_gui_domain(tmp_path):
    data = plistlib.loads(mj.launchd_plist("us", COMMAND, 4 * 3600, env={"EC_CONSOLE_HOME": "/x"},
                                           log_dir=tmp_path))
    assert data["Label"] == "org.ec-console.monitor.us"
    assert data["ProgramArguments"] == [*COMMAND, "monitor", "run", "--region", "us", "--scheduled"]
    assert data["StartCalendarInterval"] == [{"Hour": h, "Minute": 0} for h in (0, 4, 8, 12, 16, 20)]
    assert data["EnvironmentVariables"] == {"EC_CONSOLE_HOME": "/x"} and "StartInterval" not in data
    runner = FakeRunner()
    scheduler = mj.Launchd(runner, home=tmp_path)
    written = scheduler.install(mj.JobPlan("us", tuple(COMMAND), 4 * 3600, {}))
    plist = tmp_path / "Library/LaunchAgents/org.ec-console.monitor.us.plist"
    assert written == [str(plist)] and plist.is_file() and scheduler.installed("us")
    uid = os.getuid()
    assert runner.calls[-1] == ["launchctl", "bootstrap", f"gui/{uid}", str(plist)]
    scheduler.remove("us")
    assert runner.calls[-1] == ["launchctl", "bootout", f"gui/{uid}/org.ec-console.monitor.us"]
    assert not plist.exists()


def test_task_scheduler_xml_runs_only_when_the_user_is_logged_on_and_catches_up():
    xml = mj.task_xml("us", [r"C:\Program Files\EC\ec-console.exe"], 6 * 3600, env={}, user="CONTOSO\\ada",
                      start=datetime(2026, 12, 3, 10, tzinfo=UTC))
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    root = ET.fromstring(xml.replace('encoding="UTF-16"', ""))
    assert root.find("t:Principals/t:Principal/t:LogonType", ns).text == "InteractiveToken"
    assert root.find("t:Principals/t:Principal/t:UserId", ns).text == "CONTOSO\\ada"
    assert root.find("t:Settings/t:StartWhenAvailable", ns).text == "true"
    assert root.find("t:Settings/t:MultipleInstancesPolicy", ns).text == "IgnoreNew"
    assert root.find("t:Triggers/t:CalendarTrigger/t:Repetition/t:Interval", ns).text == "PT6H"
    assert root.find("t:Actions/t:Exec/t:Command", ns).text == r"C:\Program Files\EC\ec-console.exe"
    assert root.find("t:Actions/t:Exec/t:Arguments", ns).text == "monitor run --region us --scheduled"
    with_env = ET.fromstring(mj.task_xml("us", ["C:\\ec.exe"], 3600, env={"EC_CONSOLE_HOME": "D:\\ec"},
                                         user="ada", start=datetime(2026, 12, 3, tzinfo=UTC))
                             .replace('encoding="UTF-16"', ""))
    assert with_env.find("t:Actions/t:Exec/t:Command", ns).text == "cmd.exe"
    assert 'set "EC_CONSOLE_HOME=D:\\ec"&& ' in with_env.find("t:Actions/t:Exec/t:Arguments", ns).text


def test_task_scheduler_commands_go_through_the_runner_with_the_xml_file():
    seen = {}

    def runner(argv, *, input=None):
        if argv[:2] == ["schtasks", "/Create"]:
            seen["xml"] = Path(argv[3]).read_text(encoding="utf-16")
        return subprocess.CompletedProcess(argv, 0, "", "")

    scheduler = mj.TaskScheduler(runner)
    scheduler.install(mj.JobPlan("us", ("C:\\ec.exe",), 3600, {}))
    assert "<LogonType>InteractiveToken</LogonType>" in seen["xml"]
    failing = mj.TaskScheduler(
        lambda argv, **kw: subprocess.CompletedProcess(argv, 1, "", "ERROR: Access is denied."))
    with pytest.raises(mj.JobError, match="Access is denied"):
        failing.install(mj.JobPlan("us", ("C:\\ec.exe",), 3600, {}))


def test_linux_falls_back_to_cron_when_no_systemd_user_manager_answers():
    no_manager = FakeRunner({("systemctl", "--user"): (1, "")})
    assert mj.choose_scheduler("linux", no_manager, which=lambda n: "/usr/bin/" + n) is mj.Cron
    assert mj.choose_scheduler("linux", FakeRunner(), which=lambda n: "/usr/bin/" + n) is mj.SystemdUser
    assert mj.choose_scheduler("darwin") is mj.Launchd and mj.choose_scheduler("win32") is mj.TaskScheduler
    from ec_console.errors import BadInput

    with pytest.raises(BadInput, match="apt-get install cron"):
        mj.choose_scheduler("linux", no_manager, which=lambda n: None)


def test_status_reports_a_moved_program_and_a_gone_job(monkeypatch, capsys, tmp_path):
    from ec_console.commands import monitor as cmd

    class Gone(mj.Scheduler):
        kind = "cron"

        def installed(self, region_id):
            return False

    monkeypatch.setattr(cmd, "_scheduler", lambda kind: Gone())
    monkeypatch.setattr(mj, "console_command", lambda: [str(tmp_path / "moved" / "ec-console")])
    monkeypatch.setattr(Gone, "install", lambda self, plan: ["a crontab line"], raising=False)
    assert main(["monitor", "install", "--region", "us", "--every", "1h"]) == 0
    capsys.readouterr()
    assert main(["monitor", "status", "--region", "us", "--json"]) == 1
    state = json.loads(capsys.readouterr().out)
    assert state["installed"] is False and state["every"] == "1h"
    problems = " ".join(state["problems"])
    assert "missing or has moved" in problems and "job is gone" in problems


# --- the real Linux schedulers -----------------------------------------------------------------------------


def _user_manager_possible() -> str | None:
    if not sys.platform.startswith("linux"):
        return "Linux only"
    if not SYSTEMD.exists() or shutil.which("systemctl") is None or shutil.which("unshare") is None:
        return "systemd or unshare is not installed"
    if os.geteuid() != 0:
        return "a private mount namespace needs root here"
    return None


def _wait(predicate, what, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def user_manager(ec_home):
    """A real `systemd --user` with its own runtime, config and home folders. This machine's PID 1 is not
    systemd, and a user manager refuses to start unless /run/systemd/system exists, so it runs in a private
    mount namespace where a tmpfs over /run/systemd holds that folder (nothing changes outside it)."""
    why = _user_manager_possible()
    if why:
        pytest.skip(why)
    base = Path(tempfile.mkdtemp(prefix="ecm-", dir="/tmp"))   # short: socket paths are limited
    env = {**os.environ, "XDG_RUNTIME_DIR": str(base / "run"), "XDG_CONFIG_HOME": str(base / "cfg"),
           "HOME": str(base / "home"), "EC_CONSOLE_HOME": str(ec_home),
           "EC_CONSOLE_CREDENTIAL_STORE": "memory", "PYTHONPATH": str(WORKTREE)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    for key in ("XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "HOME"):
        Path(env[key]).mkdir(mode=0o700)
    script = "mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/system && exec \"$0\" --user"
    proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                             str(SYSTEMD)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=base)

    def systemctl(*args):
        return subprocess.run(["systemctl", "--user", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    try:
        _wait(lambda: proc.poll() is not None or systemctl("list-units").returncode == 0, "the user manager")
        if proc.poll() is not None:
            pytest.skip("systemd --user could not start here")
        yield env, systemctl, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_monitor_install_creates_a_real_systemd_user_timer_which_runs_and_remove_deletes_it(user_manager):
    env, systemctl, base = user_manager

    def console(*args):
        return subprocess.run([sys.executable, "-m", "ec_console", *args], env=env, capture_output=True,
                              text=True, timeout=300, cwd=base)

    installed = console("monitor", "install", "--region", "us", "--every", "15m", "--json")
    assert installed.returncode == 0, installed.stderr
    assert json.loads(installed.stdout)["scheduler"] == "systemd"   # chosen: the user manager answered
    units = base / "cfg/systemd/user"
    assert sorted(p.name for p in units.glob("ec-console-monitor-us.*")) == [
        "ec-console-monitor-us.service", "ec-console-monitor-us.timer"]
    assert systemctl("is-active", "ec-console-monitor-us.timer").stdout.strip() == "active"
    assert "ec-console-monitor-us.timer" in systemctl("list-timers", "--all").stdout

    # What the timer starts, started now: a scheduled run lands in the history.
    assert systemctl("start", "ec-console-monitor-us.service").returncode == 0
    shown = systemctl("show", "-p", "Result", "-p", "ExecMainStatus", "ec-console-monitor-us.service").stdout
    assert "Result=success" in shown and "ExecMainStatus=0" in shown
    with Registry.for_region("us") as registry:
        assert [r.trigger for r in registry.health_history()] == ["scheduled"]

    # A run missed while the computer was off: the timer's last trigger an hour ago (its stamp file), so
    # when the timer starts again (at wake or boot) it runs the job at once (Persistent=true).
    stamp = base / "home/.local/share/systemd/timers/stamp-ec-console-monitor-us.timer"
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    hour_ago = time.time() - 3600
    os.utime(stamp, (hour_ago, hour_ago))
    assert systemctl("restart", "ec-console-monitor-us.timer").returncode == 0

    def second_run():
        with Registry.for_region("us") as registry:
            return len(registry.health_history()) == 2

    _wait(second_run, "the caught-up run")

    status = console("monitor", "status", "--region", "us", "--json")
    assert status.returncode == 0, status.stdout
    assert json.loads(status.stdout)["installed"] is True

    removed = console("monitor", "remove", "--region", "us")
    assert removed.returncode == 0, removed.stderr
    assert list(units.glob("ec-console-monitor-us.*")) == []
    assert "ec-console-monitor-us" not in systemctl("list-timers", "--all").stdout


@pytest.mark.slow
@pytest.mark.secret_service
def test_the_systemd_job_reaches_the_secret_service_through_the_session_bus_its_unit_names(user_manager):
    """The real keychain from a real scheduled job: a private gnome-keyring on its own session bus. With the
    bus's address in the unit (what `install` writes from the installing session) the run reaches the
    keychain; with a bus that does not exist it stops with exit status 3 and records why."""
    try:
        from tests.secret_service import (
            PrivateSecretService,
            SecretServiceUnavailable,
            missing_daemons,
            required,
        )
    except ImportError:
        from secret_service import PrivateSecretService, SecretServiceUnavailable, missing_daemons, required
    if missing_daemons():
        reason = f"needs {', '.join(missing_daemons())} (apt-get install dbus gnome-keyring)"
        if required():
            pytest.fail(f"{reason}; EC_REQUIRE_SECRET_SERVICE=1 makes this a failure")
        pytest.skip(reason)
    env, systemctl, base = user_manager
    try:
        service = PrivateSecretService().__enter__()
    except SecretServiceUnavailable as exc:
        pytest.fail(f"could not start a private Secret Service: {exc}")
    try:
        keychain_env = {**env, **service.environment, "EC_CONSOLE_CREDENTIAL_STORE": "keyring"}
        for bus, expected in ((service.environment["DBUS_SESSION_BUS_ADDRESS"], ("ok", "0")),
                              (f"unix:path={base}/no-such-bus", ("keychain_unavailable", "3"))):
            installed = subprocess.run(
                [sys.executable, "-m", "ec_console", "monitor", "install", "--region", "us", "--every", "1h",
                 "--scheduler", "systemd"], env={**keychain_env, "DBUS_SESSION_BUS_ADDRESS": bus},
                capture_output=True, text=True, timeout=300, cwd=base)
            assert installed.returncode == 0, installed.stderr
            unit = (base / "cfg/systemd/user/ec-console-monitor-us.service").read_text()
            assert f'Environment="DBUS_SESSION_BUS_ADDRESS={bus}"' in unit
            systemctl("start", "ec-console-monitor-us.service")
            shown = systemctl("show", "-p", "ExecMainStatus", "ec-console-monitor-us.service").stdout
            with Registry.for_region("us") as registry:
                outcome = registry.health_history()[-1].outcome
            assert (outcome, shown.strip().split("=")[1]) == expected
    finally:
        service.__exit__(None, None, None)


@pytest.mark.skipif(shutil.which("crontab") is None, reason="cron is not installed (.ci/system-packages.sh)")
def test_a_real_crontab_gets_the_tagged_line_its_command_runs_and_remove_takes_only_it_away(ec_home):
    # A region of this test's own (the user's regions.toml in its EC_CONSOLE_HOME): its tag is unique, so the
    # real crontab of this computer's user is only ever touched on that line.
    region = f"t{os.getpid()}"
    from ec_console import paths

    (paths.config_dir() / "regions.toml").write_text(
        f'[regions.{region}]\nname = "Test"\ndashboard_url = "https://app.example.com"\n'
        'api_base_url = "https://api.example.com"\n', encoding="utf-8")
    scheduler = mj.Cron()
    before = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    env = {"EC_CONSOLE_HOME": str(ec_home), "EC_CONSOLE_CREDENTIAL_STORE": "memory",
           "PYTHONPATH": str(WORKTREE)}
    try:
        scheduler.install(mj.JobPlan(region, tuple(mj.console_command()), 30 * 60, env))
        assert scheduler.installed(region)
        (line,) = [e for e in subprocess.run(["crontab", "-l"], capture_output=True, text=True,
                                             check=True).stdout.splitlines() if e.endswith(f":{region}")]
        assert line.startswith("*/30 * * * * ")
        # Run the line's command as cron would (through sh, with cron's "\%" undone): a scheduled run.
        command = line.split(" ", 5)[5].replace("\\%", "%")
        Registry.for_region(region).close()
        done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=300, cwd="/")
        assert done.returncode == 0, done.stdout + done.stderr
        with Registry.for_region(region) as registry:
            assert [r.trigger for r in registry.health_history()] == ["scheduled"]
    finally:
        scheduler.remove(region)
    assert not scheduler.installed(region)
    after = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    # every other line of the user's crontab is kept as it was; no crontab before means none after
    assert (after.returncode, after.stdout) == (before.returncode, before.stdout)


def test_a_systemd_install_that_fails_leaves_no_unit_and_no_secret(monkeypatch, tmp_path, capsys):
    from ec_console.commands import monitor as cmd
    from ec_console.monitor_notify import webhook_secret_key
    from ec_console.secrets import default_store

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    refusing = FakeRunner({("systemctl", "--user"): (1, "")})
    monkeypatch.setattr(cmd, "_scheduler", lambda kind: mj.SystemdUser(refusing, home=tmp_path))
    monkeypatch.setenv("EC_MONITOR_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/secret")
    assert main(["monitor", "install", "--region", "us", "--notify", "webhook"]) == 2
    err = capsys.readouterr().err
    assert "the scheduled job was not installed: `systemctl --user daemon-reload` failed" in err
    assert list((tmp_path / "cfg/systemd/user").iterdir()) == []
    assert default_store().get(webhook_secret_key("us")) is None
    assert not cmd.settings_path("us").exists()


# --- languages -------------------------------------------------------------------------------------------


def test_the_job_keeps_the_language_it_was_installed_in_and_the_unit_text_stays_english():
    env = mj.job_environment({"LANG": "de_DE.UTF-8", "LANGUAGE": "de", "HOME": "/home/a", "EC_PASSWORD": "x"})
    assert env == {"LANG": "de_DE.UTF-8", "LANGUAGE": "de"}
    units = mj.systemd_units("de", COMMAND, 3600, env=env, dbus_address=None)
    service = units["ec-console-monitor-de.service"]
    assert 'Environment="LANG=de_DE.UTF-8"' in service
    assert "Description=Enterprise Connect console monitor (region de)" in service


def test_the_scheduler_messages_are_german(monkeypatch, capsys, compiled_catalogs):
    from ec_console.phrases import shown

    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    refused = mj.Cron(FakeRunner({("crontab", "-"): (1, "")}))
    with pytest.raises(mj.JobError, match=r"^`crontab -` ist fehlgeschlagen \(Exit-Status 1\)$"):
        refused.install(mj.JobPlan("us", ("/opt/ec-console",), 3600, {}))
    written = mj.Cron(FakeRunner()).install(mj.JobPlan("us", ("/opt/ec-console",), 3600, {}))
    assert written == ["crontab line tagged # ec-console-monitor:us"]               # --json
    assert shown(written[0]) == "crontab-Zeile mit der Markierung # ec-console-monitor:us"
