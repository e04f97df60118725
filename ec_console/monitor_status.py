"""The monitor's settings file and its status (Qt-free): what `ec-console monitor status` prints and the
console window's "Last scheduled run" line reads, from one place.

- `settings_path` / `load_settings`: `<config>/monitor-<region>.json`, written by `monitor install` (the
  schedule, the program the job runs, the alert channels; never a secret).
- `status_dict`: is the job installed, is its program in place, were runs missed, the last runs
  (docs/cli.md, `monitor status --json`, describes every field).

Problems are `phrases.Phrase`s: English in `--json` (byte-identical in every language), shown in the
current language by `phrases.shown` (the text output, the status bar).

docs/monitor.md describes the whole feature.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ec_console.errors import BadInput
from ec_console.i18n import N_, _
from ec_console.phrases import Phrase

NOTIFY_CHOICES = ("desktop", "webhook", "smtp")


def settings_path(region_id: str) -> Path:
    from ec_console import paths

    return paths.config_dir() / f"monitor-{region_id}.json"


def load_settings(region_id: str) -> dict[str, Any] | None:
    """The region's monitor settings, None when the monitor is not installed; BadInput when the file cannot
    be read or is not as the console wrote it."""
    path = settings_path(region_id)
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BadInput(_("the monitor settings {path} cannot be read ({reason}); run `ec-console monitor "
                         "install` again").format(path=path, reason=exc)) from None
    from ec_console.monitor_jobs import SCHEDULERS

    usable = (isinstance(settings, dict) and isinstance(settings.get("every_seconds"), int)
              and settings.get("scheduler") in SCHEDULERS
              and isinstance(settings.get("command"), list)
              and all(isinstance(w, str) for w in settings["command"])
              and isinstance(settings.get("notify", []), list)
              and set(settings.get("notify", [])) <= set(NOTIFY_CHOICES))
    if not usable:
        raise BadInput(_("the monitor settings {path} are not as the console wrote them; run `ec-console "
                         "monitor install` again").format(path=path))
    return settings


def scheduler_for(kind: str | None) -> Any:
    """The scheduler of that kind (systemd, cron, launchd, schtasks), or the one chosen for this computer."""
    from ec_console import monitor_jobs

    return monitor_jobs.SCHEDULERS[kind]() if kind else monitor_jobs.choose_scheduler()()


def status_dict(region_id: str, *, scheduler: Any = None, now: datetime | None = None,
                schedulers: Callable[[str | None], Any] | None = None) -> dict[str, Any]:
    """The monitor's state for `monitor status --json` and the window's status line (blocking: it asks
    the scheduler and reads the registry). `scheduler` replaces the one the settings name; `schedulers`
    replaces `scheduler_for` (tests)."""
    from ec_console import monitor
    from ec_console.registry import Registry

    settings = load_settings(region_id)
    problems: list[str] = []
    out: dict[str, Any] = {"region": region_id, "installed": False, "problems": problems}
    if settings is None:
        problems.append(Phrase(N_("the monitor is not installed for this region (ec-console monitor "
                                  "install)")))
        return out
    if scheduler is None:
        scheduler = (schedulers or scheduler_for)(settings.get("scheduler"))
    try:
        out["installed"] = scheduler.installed(region_id)
    except Exception as exc:  # noqa: BLE001 - a scheduler that cannot be asked is reported, not raised
        problems.append(Phrase(N_("the scheduler could not be asked whether the job is there ({reason})"),
                               reason=exc))
    if not out["installed"]:
        problems.append(Phrase(N_("the {scheduler} job is gone; run `ec-console monitor install` again"),
                               scheduler=settings.get("scheduler")))
    bad_program = monitor.executable_problem(settings.get("command", []))
    if bad_program:
        problems.append(bad_program)
    every = int(settings.get("every_seconds", 6 * 3600))
    with Registry.for_region(region_id) as registry:
        last_any = registry.latest_health_run(checked_only=False)
        last_scheduled = registry.latest_health_run(checked_only=False, trigger="scheduled")
    last_at = last_scheduled[0].run_at if last_scheduled else None
    missed = monitor.missed_run(last_at, every, now or monitor.system_clock(), settings.get("installed_at"))
    if missed:
        problems.append(missed)
    out.update({"scheduler": settings.get("scheduler"), "every": monitor.every_text(every),
                "command": settings.get("command"), "notify": settings.get("notify", []),
                "last_run": last_any[0].run_at if last_any else None,
                "last_run_outcome": run_outcome(last_any), "last_scheduled_run": last_at})
    return out


def run_outcome(rows: list[Any]) -> str | None:
    """One word for a run's rows: ok when every application was, else the first other outcome by name."""
    if not rows:
        return None
    outcomes = {r.outcome for r in rows}
    return "ok" if outcomes == {"ok"} else sorted(outcomes - {"ok"})[0]


__all__ = ["NOTIFY_CHOICES", "load_settings", "run_outcome", "scheduler_for", "settings_path", "status_dict"]
