"""The monitor's OS-native scheduled job: file contents as pure functions, commands through one runner.

- Linux: a systemd **user** timer + service in `~/.config/systemd/user/` (`OnCalendar=`, `Persistent=true`:
  a run missed while off or asleep happens when the timer starts again; systemd.timer(5): `Persistent=`
  acts on `OnCalendar=` timers only).
- Linux without a systemd user manager: a tagged line in the user's crontab (`crontab -l` / `crontab -`);
  cron does not catch up a missed run, `monitor status` reports it.
- macOS: a LaunchAgent plist in `~/Library/LaunchAgents` with `StartCalendarInterval`, loaded with
  `launchctl bootstrap gui/<uid>` (launchd.plist(5): a calendar job missed while asleep runs at wake, the
  missed intervals coalesced into one; a `StartInterval` job misses it).
- Windows: a Task Scheduler task from XML (`schtasks /Create /XML file /TN name /F`), `StartWhenAvailable`
  (runs as soon as possible after a missed start).

Every job runs `<absolute program> monitor run --region ID --scheduled`; the program's absolute path is
recorded in the monitor's settings file so `monitor status` can tell a moved or deleted console.

The environment the job passes on: `PASSED_ENV` when set at install time (none is a secret), and on
Linux `DBUS_SESSION_BUS_ADDRESS`, which the Secret Service keychain is reached through (the install-time
value, else the user bus `unix:path=%t/bus`).
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ec_console.errors import BadInput
from ec_console.i18n import N_, _
from ec_console.phrases import Phrase

# Passed on to the job when set at install time (none is a secret): the console's data folder, its
# credential store choice, and for a console run from source the import path, so the job runs the same
# console the install ran; and the language (gettext's variables), so its alerts and notes come in the
# language the monitor was installed in (a scheduler starts jobs without the session's locale).
PASSED_ENV = ("EC_CONSOLE_HOME", "EC_CONSOLE_CREDENTIAL_STORE", "PYTHONPATH",
              "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
CRON_TAG = "# ec-console-monitor"
SKIPPED_EXIT = 75


def job_name(region_id: str) -> str:
    return f"ec-console-monitor-{region_id}"


def console_command() -> list[str]:
    """The absolute command that starts this console: the frozen executable, else this Python with `-m`."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    return [str(Path(sys.executable).absolute()), "-m", "ec_console"]


def run_arguments(region_id: str) -> list[str]:
    return ["monitor", "run", "--region", region_id, "--scheduled"]


def job_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    return {k: environ[k] for k in PASSED_ENV if environ.get(k, "").strip()}


# --- systemd -----------------------------------------------------------------------------------------------


def on_calendar(every_seconds: int) -> str:
    """A systemd calendar expression for an interval that divides a day (`monitor.parse_every`)."""
    if every_seconds >= 86400:
        return "*-*-* 00:00:00"
    if every_seconds % 3600 == 0:
        return f"*-*-* 00/{every_seconds // 3600}:00:00"
    return f"*-*-* *:00/{every_seconds // 60}:00"


def _systemd_quote(word: str, *, command: bool = True) -> str:
    # systemd.service(5) "Command lines": double quotes with backslash escapes; "%" doubled (specifiers);
    # in a command line "$" doubled too (variable expansion, which Environment= does not do).
    text = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if command:
        text = text.replace("$", "$$")
    return f'"{text}"'


def systemd_units(region_id: str, command: Sequence[str], every_seconds: int, *,
                  env: Mapping[str, str], dbus_address: str | None) -> dict[str, str]:
    """{file name: content} of the user service and its timer."""
    name = job_name(region_id)
    argv = [*command, *run_arguments(region_id)]
    env_lines = "".join(f"Environment={_systemd_quote(f'{k}={v}', command=False)}\n"
                        for k, v in sorted(env.items()) if k != "DBUS_SESSION_BUS_ADDRESS")
    # the user bus is `%t/bus` (%t: the user's runtime directory) unless the session named its own
    bus = _systemd_quote(f"DBUS_SESSION_BUS_ADDRESS={dbus_address}", command=False) if dbus_address else (
        '"DBUS_SESSION_BUS_ADDRESS=unix:path=%t/bus"')
    env_lines = f"Environment={bus}\n{env_lines}"
    service = (
        "[Unit]\n"
        f"Description=Enterprise Connect console monitor (region {region_id})\n"
        "\n[Service]\n"
        "Type=oneshot\n"
        f"ExecStart={' '.join(_systemd_quote(a) for a in argv)}\n"
        f"{env_lines}"
        f"SuccessExitStatus={SKIPPED_EXIT}\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=Run the Enterprise Connect console monitor (region {region_id}) on schedule\n"
        "\n[Timer]\n"
        f"OnCalendar={on_calendar(every_seconds)}\n"
        "Persistent=true\n"
        f"Unit={name}.service\n"
        "\n[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{name}.service": service, f"{name}.timer": timer}


# --- cron --------------------------------------------------------------------------------------------------


def cron_schedule(every_seconds: int) -> str:
    if every_seconds >= 86400:
        return "0 0 * * *"
    if every_seconds % 3600 == 0:
        return f"0 */{every_seconds // 3600} * * *"
    return f"*/{every_seconds // 60} * * * *"


def cron_line(region_id: str, command: Sequence[str], every_seconds: int, *, env: Mapping[str, str]) -> str:
    """One crontab(5) line; "%" is escaped (cron turns a bare one into a line break)."""
    argv = [*command, *run_arguments(region_id)]
    prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in sorted(env.items()))
    line = f"{prefix}{shlex.join(argv)}".replace("%", "\\%")
    return f"{cron_schedule(every_seconds)} {line} {CRON_TAG}:{region_id}"


def crontab_with(current: str, region_id: str, line: str | None) -> str:
    """`current` crontab text without this region's tagged line, plus `line` when given."""
    tag = f"{CRON_TAG}:{region_id}"
    kept = [entry for entry in current.splitlines() if not entry.rstrip().endswith(tag)]
    if line is not None:
        kept.append(line)
    return "\n".join(kept) + "\n" if kept else ""


# --- launchd -----------------------------------------------------------------------------------------------


def launchd_label(region_id: str) -> str:
    return f"org.ec-console.monitor.{region_id}"


def calendar_intervals(every_seconds: int) -> list[dict[str, int]]:
    if every_seconds >= 86400:
        return [{"Hour": 0, "Minute": 0}]
    if every_seconds % 3600 == 0:
        return [{"Hour": h, "Minute": 0} for h in range(0, 24, every_seconds // 3600)]
    return [{"Minute": m} for m in range(0, 60, every_seconds // 60)]


def launchd_plist(region_id: str, command: Sequence[str], every_seconds: int, *, env: Mapping[str, str],
                  log_dir: Path) -> bytes:
    data: dict[str, Any] = {
        "Label": launchd_label(region_id),
        "ProgramArguments": [*command, *run_arguments(region_id)],
        "StartCalendarInterval": calendar_intervals(every_seconds),
        "ProcessType": "Background",
        "StandardOutPath": str(log_dir / f"monitor-{region_id}.out.log"),
        "StandardErrorPath": str(log_dir / f"monitor-{region_id}.err.log"),
    }
    if env:
        data["EnvironmentVariables"] = dict(env)
    return plistlib.dumps(data)


# --- Windows Task Scheduler --------------------------------------------------------------------------------


def _duration(seconds: int) -> str:
    if seconds >= 86400:
        return "P1D"
    if seconds % 3600 == 0:
        return f"PT{seconds // 3600}H"
    return f"PT{seconds // 60}M"


def _windows_quote(words: Sequence[str]) -> str:
    return subprocess.list2cmdline(list(words))


def task_xml(region_id: str, command: Sequence[str], every_seconds: int, *, env: Mapping[str, str],
             user: str, start: datetime) -> str:
    """Task Scheduler XML (schema 1.2): a daily calendar trigger repeated every interval for a day, run
    only when the user is logged on (InteractiveToken: the task runs in the user's session, where
    Credential Manager is reachable), StartWhenAvailable for runs missed while off, IgnoreNew for overlap.
    Environment values are set through `cmd /c set ...&&` since a task has no environment of its own."""
    argv = [*command, *run_arguments(region_id)]
    if env:
        sets = "".join(f'set "{k}={v}"&& ' for k, v in sorted(env.items()))
        program, arguments = "cmd.exe", f"/d /c {sets}{_windows_quote(argv)}"
    else:
        program, arguments = argv[0], _windows_quote(argv[1:])
    repetition = "" if every_seconds >= 86400 else (
        f"<Repetition><Interval>{_duration(every_seconds)}</Interval><Duration>P1D</Duration>"
        "<StopAtDurationEnd>false</StopAtDurationEnd></Repetition>")
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Enterprise Connect console monitor (region {escape(region_id)})</Description>
    <URI>\\{escape(job_name(region_id))}</URI>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      {repetition}
      <StartBoundary>{start.strftime("%Y-%m-%dT00:00:00")}</StartBoundary>
      <Enabled>true</Enabled>
      <ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{escape(user)}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <ExecutionTimeLimit>PT2H</ExecutionTimeLimit>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(program)}</Command>
      <Arguments>{escape(arguments)}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


# --- installing --------------------------------------------------------------------------------------------


Runner = Callable[..., Any]   # subprocess.run-like


def subprocess_runner(argv: Sequence[str], *, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), input=input, capture_output=True, text=True, timeout=60, check=False)


class JobError(Exception):
    """A scheduler command failed; the message says which and what it answered."""


def _run(runner: Runner, argv: Sequence[str], *, input: str | None = None,
         allowed: Sequence[int] = (0,)) -> Any:
    try:
        result = runner(argv, input=input)
    except (OSError, subprocess.SubprocessError) as exc:
        raise JobError(_("`{program}` could not be run ({reason})").format(
            program=argv[0], reason=f"{type(exc).__name__}: {exc}")) from None
    if result.returncode not in allowed:
        said = " ".join((result.stderr or result.stdout or "").split())[:300]
        said = f": {said}" if said else ""
        raise JobError(_("`{command}` failed (exit status {status})").format(
            command=" ".join(argv[:3]), status=result.returncode) + said)
    return result


@dataclass(frozen=True)
class JobPlan:
    region_id: str
    command: tuple[str, ...]
    every_seconds: int
    env: dict[str, str]


class Scheduler:
    kind = ""

    def __init__(self, runner: Runner = subprocess_runner, home: Path | None = None) -> None:
        self.runner, self.home = runner, home or Path.home()

    def install(self, plan: JobPlan) -> list[str]:
        raise NotImplementedError

    def remove(self, region_id: str) -> list[str]:
        raise NotImplementedError

    def installed(self, region_id: str) -> bool:
        raise NotImplementedError


class SystemdUser(Scheduler):
    kind = "systemd"

    def unit_dir(self) -> Path:
        base = os.environ.get("XDG_CONFIG_HOME") or str(self.home / ".config")
        return Path(base) / "systemd" / "user"

    def install(self, plan: JobPlan) -> list[str]:
        folder = self.unit_dir()
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        dbus = os.environ.get("DBUS_SESSION_BUS_ADDRESS") or None
        for name, text in systemd_units(plan.region_id, plan.command, plan.every_seconds, env=plan.env,
                                        dbus_address=dbus).items():
            (folder / name).write_text(text, encoding="utf-8")
            written.append(str(folder / name))
        try:
            _run(self.runner, ["systemctl", "--user", "daemon-reload"])
            _run(self.runner, ["systemctl", "--user", "enable", "--now", f"{job_name(plan.region_id)}.timer"])
        except JobError:
            for path in written:   # no half-installed job left behind
                Path(path).unlink(missing_ok=True)
            raise
        return written

    def remove(self, region_id: str) -> list[str]:
        name = job_name(region_id)
        _run(self.runner, ["systemctl", "--user", "disable", "--now", f"{name}.timer"], allowed=(0, 1, 5))
        removed = []
        for suffix in (".timer", ".service"):
            path = self.unit_dir() / f"{name}{suffix}"
            if path.exists():
                path.unlink()
                removed.append(str(path))
        _run(self.runner, ["systemctl", "--user", "daemon-reload"])
        return removed

    def installed(self, region_id: str) -> bool:
        return (self.unit_dir() / f"{job_name(region_id)}.timer").is_file()


class Cron(Scheduler):
    kind = "cron"

    def _current(self) -> str:
        result = _run(self.runner, ["crontab", "-l"], allowed=(0, 1))  # 1: "no crontab for user"
        return result.stdout if result.returncode == 0 else ""

    def install(self, plan: JobPlan) -> list[str]:
        line = cron_line(plan.region_id, plan.command, plan.every_seconds, env=plan.env)
        _run(self.runner, ["crontab", "-"], input=crontab_with(self._current(), plan.region_id, line))
        return [Phrase(N_("crontab line tagged {tag}"), tag=f"{CRON_TAG}:{plan.region_id}")]

    def remove(self, region_id: str) -> list[str]:
        current = self._current()
        updated = crontab_with(current, region_id, None)
        if updated == current or (not updated.strip() and not current.strip()):
            return []
        if updated.strip():
            _run(self.runner, ["crontab", "-"], input=updated)
        else:   # that line was the whole crontab: remove it, as it was before the install
            _run(self.runner, ["crontab", "-r"])
        return [Phrase(N_("crontab line tagged {tag}"), tag=f"{CRON_TAG}:{region_id}")]

    def installed(self, region_id: str) -> bool:
        return any(e.rstrip().endswith(f"{CRON_TAG}:{region_id}") for e in self._current().splitlines())


class Launchd(Scheduler):
    kind = "launchd"

    def plist_path(self, region_id: str) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{launchd_label(region_id)}.plist"

    def install(self, plan: JobPlan) -> list[str]:
        from ec_console import paths

        path = self.plist_path(plan.region_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        domain = f"gui/{os.getuid() if hasattr(os, 'getuid') else 0}"
        _run(self.runner, ["launchctl", "bootout", f"{domain}/{launchd_label(plan.region_id)}"],
             allowed=range(0, 256))  # not loaded yet is fine
        path.write_bytes(launchd_plist(plan.region_id, plan.command, plan.every_seconds, env=plan.env,
                                       log_dir=paths.log_dir()))
        _run(self.runner, ["launchctl", "bootstrap", domain, str(path)])
        return [str(path)]

    def remove(self, region_id: str) -> list[str]:
        domain = f"gui/{os.getuid() if hasattr(os, 'getuid') else 0}"
        _run(self.runner, ["launchctl", "bootout", f"{domain}/{launchd_label(region_id)}"],
             allowed=range(0, 256))
        path = self.plist_path(region_id)
        if path.exists():
            path.unlink()
            return [str(path)]
        return []

    def installed(self, region_id: str) -> bool:
        return self.plist_path(region_id).is_file()


class TaskScheduler(Scheduler):
    kind = "schtasks"

    def install(self, plan: JobPlan) -> list[str]:
        import getpass
        import tempfile

        from ec_console.monitor import system_clock

        xml = task_xml(plan.region_id, plan.command, plan.every_seconds, env=plan.env,
                       user=getpass.getuser(), start=system_clock())
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "task.xml"
            path.write_text(xml, encoding="utf-16")
            _run(self.runner,
                 ["schtasks", "/Create", "/XML", str(path), "/TN", job_name(plan.region_id), "/F"])
        return [Phrase(N_("Task Scheduler task {name}"), name=job_name(plan.region_id))]

    def remove(self, region_id: str) -> list[str]:
        if not self.installed(region_id):
            return []
        _run(self.runner, ["schtasks", "/Delete", "/TN", job_name(region_id), "/F"])
        return [Phrase(N_("Task Scheduler task {name}"), name=job_name(region_id))]

    def installed(self, region_id: str) -> bool:
        return _run(self.runner, ["schtasks", "/Query", "/TN", job_name(region_id)],
                    allowed=(0, 1)).returncode == 0


SCHEDULERS: dict[str, type[Scheduler]] = {s.kind: s for s in (SystemdUser, Cron, Launchd, TaskScheduler)}


def choose_scheduler(platform: str | None = None, runner: Runner = subprocess_runner,
                     which: Callable[[str], str | None] = shutil.which) -> type[Scheduler]:
    """The job kind for this computer: launchd on macOS, Task Scheduler on Windows; on Linux the systemd
    user manager when one answers, else cron."""
    platform = platform or sys.platform
    if platform == "darwin":
        return Launchd
    if platform == "win32":
        return TaskScheduler
    if which("systemctl"):
        try:
            answer = runner(["systemctl", "--user", "show-environment"])
        except (OSError, subprocess.SubprocessError):
            answer = None
        if answer is not None and answer.returncode == 0:
            return SystemdUser
    if which("crontab"):
        return Cron
    raise BadInput(_("No scheduler found on this computer: the systemd user manager does not answer "
                     "(`systemctl --user` needs a signed-in session) and cron is not installed. Install cron "
                     "(Debian and Ubuntu: `apt-get install cron`) or sign in to a systemd session."))


__all__ = ["CRON_TAG", "SCHEDULERS", "Cron", "JobError", "JobPlan", "Launchd", "Scheduler", "SystemdUser",
           "TaskScheduler", "calendar_intervals", "choose_scheduler", "console_command", "cron_line",
           "crontab_with", "job_environment", "job_name", "launchd_plist", "on_calendar", "systemd_units",
           "task_xml"]
