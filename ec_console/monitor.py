"""The monitor: a headless check-all run per region, its health history, and alerts on change (Qt-free).

`run_monitor` is what the scheduled job executes (`ec-console monitor run --scheduled`):

1. **One run at a time.** An OS file lock next to the region's registry (`registry-<id>.monitor.lock`;
   the OS releases it when the process ends, so a crashed run never leaves a stale lock). A run that finds
   the lock held records a `skipped_overlap` row and exits with `EXIT_SKIPPED` (75): never silent.
2. **Keychain first.** A keychain that cannot be reached (no session bus, locked keyring) is recorded as a
   `keychain_unavailable` row and reported with what that OS needs (exit status 3).
3. **Check all** of every active application through the existing engine (`checkall.check_all`), then
   **reconcile** each application check all could reach (`reconcile_applications`: the default sample of 20
   plus its saved expect-denied mailboxes; each reconciliation is stored like any other). A leak count that
   cannot be told (a scope or directory that cannot be read, an application that could not be checked) stays
   `None`, never 0.
4. **Health history**: one row per application (linked / needs_relink / failing counts, the application's
   health, diagnosis codes, trigger, duration, outcome).
5. **Alerts only on change** against the previous run's rows (`changes`): an application failing, a new
   leak, profiles gone from linked to needs_relink in this run, and recovery. An alert carries counts,
   application names and diagnosis codes, never an address, secret, token or calendar content.

Languages: what the run stores (health history details, notes, the audit) and `--json` are English; alerts
(desktop, email, webhook text) and what `monitor run` / `monitor status` print are in the current language
(notes and problems are `phrases.Phrase`s, shown with `phrases.shown`).

docs/monitor.md describes the whole feature.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ec_console.errors import BadInput, ConsoleError, KeychainUnavailable
from ec_console.i18n import N_, _, ngettext
from ec_console.phrases import Phrase, joined
from ec_console.registry import HealthRow, ProfileQuery, Registry, parse_utc, utc_text

log = logging.getLogger(__name__)

EXIT_SKIPPED = 75          # EX_TEMPFAIL: another run of this region was in progress
LOCK_SUFFIX = ".monitor.lock"
ALERT_KINDS = ("application_failing", "new_leak", "profiles_need_relink", "recovered", "keychain_unavailable")
_BAD_OUTCOMES = ("failed", "not_checked", "error")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --- the reconcile hook ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Findings:
    """One application's reconciliation figures (None: cannot tell) and, when it could not tell, why."""

    joiners: int | None = 0
    leavers: int | None = 0
    broken: int | None = 0
    leaks: int | None = 0
    note: str = ""          # English (a Phrase: `phrases.shown` gives it in the current language)
    ran: bool = True        # False: the reconciliation could not run at all (`note` says why)


def reconcile_not_run(registry: Registry) -> Mapping[int, Findings] | None:
    """A reconcile hook that reconciles nothing: no leak figure is recorded (never a made-up zero)."""
    return None


def reconcile_applications(registry: Registry, *, region_id: str | None = None, store: Any = None,
                           adapters: Mapping[str, Any] | None = None, skip: Mapping[int, str] | None = None,
                           sample: int | None = None, timeout: float | None = None,
                           concurrency: int = 4) -> dict[int, Findings] | None:
    """Reconcile every active application not in `skip` (application id -> why it is left out) with the
    default sample plus its saved expect-denied mailboxes, storing each reconciliation like any other.

    Findings per application id; an application whose reconciliation could not run at all gets Findings of
    None, `ran` False and the reason in `note`. None when the region has no active application."""
    from ec_console import reconcile as rc

    out: dict[int, Findings] = {}
    for app in registry.list_applications(include_revoked=False):
        if skip and app.id in skip:
            out[app.id] = Findings(None, None, None, None,
                                   Phrase(N_("reconciliation not run: {why}"), why=skip[app.id]), ran=False)
            continue
        try:
            rec = rc.reconcile(registry, app, sample=sample or rc.DEFAULT_SAMPLE, region_id=region_id,
                               store=store, adapters=adapters, timeout=timeout, concurrency=concurrency)
        except KeychainUnavailable:
            raise
        except ConsoleError as exc:
            out[app.id] = Findings(None, None, None, None,
                                   Phrase(N_("reconciliation not run: {why}"), why=exc.message), ran=False)
            continue
        counts = rec.counts
        unknown: Any = joined([Phrase(N_("{name} could not be read: {why}"), name=name, why=why)
                               for name, why in rec.unknown.items()]) if rec.unknown else ""
        if counts["leak"] is None and not unknown:
            unknown = rec.confidence()
        out[app.id] = Findings(counts["joiner"], counts["leaver"], counts["broken"], counts["leak"],
                               Phrase(N_("reconciliation: {what}"), what=unknown) if unknown else "")
    return out or None


# --- the lock ----------------------------------------------------------------------------------------------


class RunInProgress(Exception):
    """Another monitor run of the region holds the lock."""


def lock_path(registry_path: Path) -> Path:
    return registry_path.with_name(registry_path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive OS lock on `path` (created if needed); RunInProgress when another process has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+b")  # noqa: SIM115 - held open for the whole run
    try:
        try:
            if sys.platform == "win32":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RunInProgress(str(path)) from None
        yield
    finally:
        handle.close()  # closing the file releases the lock on every OS


# --- alerts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """One change worth telling: `kind` (ALERT_KINDS), the application's name, a count, diagnosis codes."""

    kind: str
    application: str
    count: int = 0
    codes: tuple[str, ...] = ()
    note: str = ""          # why, when there is no code (an application that could not be checked)

    def text(self) -> str:
        """The alert for a person, in the current language (names and diagnosis codes kept)."""
        from ec_console.i18n import format_number

        codes = f" ({', '.join(self.codes)})" if self.codes else ""
        name = self.application
        if self.kind == "application_failing":
            if self.note:
                return _("{application}: the application could not be checked: {why}").format(
                    application=name, why=_note(self.note))
            return _("{application}: the application is failing").format(application=name) + codes
        if self.kind == "new_leak":
            return ngettext("{application}: {n} account outside the scope is reachable "
                            "(scope_not_enforced)",
                            "{application}: {n} accounts outside the scope are reachable "
                            "(scope_not_enforced)", self.count).format(application=name,
                                                                       n=format_number(self.count))
        if self.kind == "profiles_need_relink":
            return ngettext("{application}: {n} profile went from linked to needs relink",
                            "{application}: {n} profiles went from linked to needs relink",
                            self.count).format(application=name, n=format_number(self.count)) + codes
        if self.kind == "keychain_unavailable":
            return _("the keychain could not be reached, so nothing was checked (see \"What each system "
                     "needs to reach the keychain\" in the console's monitor documentation)")
        if self.note:
            return _("{application}: recovered, {note}").format(application=name, note=_note(self.note))
        return _("{application}: recovered, every checked profile answers again").format(application=name)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "application": self.application, "count": self.count,
                "codes": list(self.codes), "note": self.note}


def _healthy(row: HealthRow) -> bool:
    return row.outcome == "ok" and row.needs_relink == 0 and row.failing == 0 and not row.leaks


def changes(previous: Sequence[HealthRow], current: Sequence[HealthRow],
            relinks: Mapping[int, tuple[int, tuple[str, ...]]] | None = None) -> list[Alert]:
    """The alerts between the previous run's rows and this run's.

    `relinks`: per application id, how many profiles went from linked to needs_relink during this run and
    the diagnosis codes. An application seen for the first time counts as healthy before (so a first run
    that finds it failing tells), and recovery is told only when the previous run was not healthy.
    """
    before = {r.application_id: r for r in previous if r.application_id is not None}
    alerts: list[Alert] = []
    for row in current:
        if row.application_id is None:
            continue
        prev = before.get(row.application_id)
        failing_now = row.outcome in _BAD_OUTCOMES
        failing_before = prev is not None and prev.outcome in _BAD_OUTCOMES
        if failing_now and not failing_before:
            codes = (row.health,) if row.health else row.diagnoses
            note = row.detail.split(" | ")[0] if row.outcome == "not_checked" else ""
            alerts.append(Alert("application_failing", row.application_name, codes=tuple(codes), note=note))
        leaks_before = (prev.leaks or 0) if prev is not None else 0
        if row.leaks is not None and row.leaks > leaks_before:
            alerts.append(Alert("new_leak", row.application_name, row.leaks - leaks_before,
                                ("scope_not_enforced",)))
        went, codes = (relinks or {}).get(row.application_id, (0, ()))
        if went:
            alerts.append(Alert("profiles_need_relink", row.application_name, went, tuple(codes)))
        leak_untold = bool(prev is not None and prev.leaks) and row.leaks is None   # cannot tell: no news
        if prev is not None and not _healthy(prev) and _healthy(row) and not leak_untold:
            note = (RECOVERED_WITHOUT_LEAKS if prev.leaks and row.leaks == 0 else "")
            alerts.append(Alert("recovered", row.application_name, note=note))
    return alerts


RECOVERED_WITHOUT_LEAKS = N_("every checked profile answers and no account outside the scope was reached")


def _note(note: str) -> str:
    """An alert's note for a person: a phrase or a text this module wrote, in the current language; a
    stored detail (English) as it is."""
    if isinstance(note, Phrase):
        return note.shown()
    return _(note) if note == RECOVERED_WITHOUT_LEAKS else note


def alert_text(alerts: Sequence[Alert], region_id: str, run_at: str) -> tuple[str, str]:
    """(title, body) of one message carrying `alerts`: plain text, counts, names and codes only, in the
    current language (the run's time stays ISO 8601 UTC, as the history shows it)."""
    from ec_console.words import count

    title = _("Enterprise Connect monitor ({region}): {changes}").format(
        region=region_id, changes=count(len(alerts), "change", "changes"))
    body = "\n".join([_("Run of {time}:").format(time=run_at)] + [f"- {a.text()}" for a in alerts])
    return title, body


# --- the run -----------------------------------------------------------------------------------------------


@dataclass
class MonitorRun:
    region_id: str
    run_id: str
    run_at: str
    trigger: str
    outcome: str                        # ok, failing, skipped_overlap, keychain_unavailable, error
    rows: list[HealthRow] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    deliveries: list[tuple[str, str | None]] = field(default_factory=list)  # (channel, error or None)
    notes: list[str] = field(default_factory=list)
    # per application id, the parts of its history row's detail as phrases (shown in the current language)
    details: dict[int, list[Any]] = field(default_factory=dict)
    reconcile_ran: bool = False
    exit_status: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region_id, "run_id": self.run_id, "run_at": self.run_at, "trigger": self.trigger,
            "outcome": self.outcome, "exit_status": self.exit_status, "reconcile": self.reconcile_ran,
            "applications": [
                {"application": r.application_name, "outcome": r.outcome, "health": r.health,
                 "linked": r.linked, "needs_relink": r.needs_relink, "failing": r.failing, "leaks": r.leaks,
                 "diagnoses": list(r.diagnoses)} for r in self.rows if r.application_id is not None],
            "alerts": [a.to_dict() for a in self.alerts],
            "deliveries": [{"channel": c, "delivered": e is None, "error": e} for c, e in self.deliveries],
            "notes": self.notes,
        }


Notifier = Any  # an object with `.channel` (str) and `.send(title, body)`; see ec_console.monitor_notify


def _linked_ids(registry: Registry) -> set[int]:
    return set(registry.profile_ids(ProfileQuery(status="linked")))


def run_monitor(registry: Registry, region_id: str, *, trigger: str = "manual", store: Any = None,
                adapters: Mapping[str, Any] | None = None, notifiers: Sequence[Notifier] = (),
                clock: Clock = system_clock, reconcile: Callable[[Registry], Any] | None = None,
                timeout: float | None = None, concurrency: int = 4,
                notes: Sequence[str] = ()) -> MonitorRun:
    """One monitor run of `region_id` (see the module docstring). Never raises for a failing platform or a
    failed delivery: both are in the returned run, its history rows and its exit status.

    `reconcile`: None reconciles every application check all could reach (`reconcile_applications`);
    a callable (registry -> findings per application id or None) replaces it; `reconcile_not_run` skips it."""
    from ec_console import checkall
    from ec_console.secrets import default_store

    started = time.monotonic()
    now = clock()
    run_at = utc_text(now)
    run = MonitorRun(region_id, f"{run_at}-{random.getrandbits(32):08x}", run_at, trigger, "ok",
                     notes=list(notes))
    store = store if store is not None else default_store()
    try:
        with run_lock(lock_path(registry.path or Registry.path_for_region(region_id))):
            try:
                store.check_usable()
            except KeychainUnavailable as exc:
                _keychain_unavailable(registry, run, started, exc, notifiers)
                return run
            previous = registry.latest_health_run()
            linked_before = _linked_ids(registry)
            try:
                plan, summary = checkall.check_all(registry, concurrency=concurrency, region_id=region_id,
                                                   store=store, adapters=adapters, resume=False,
                                                   timeout=timeout)
            except KeychainUnavailable as exc:   # the keychain went away while secrets were read
                _keychain_unavailable(registry, run, started, exc, notifiers)
                return run
            except ConsoleError as exc:          # recorded, never silent; the caller still sees the error
                run.outcome, run.exit_status = "error", int(exc.exit_status)
                _record_empty(registry, run, started, Phrase(N_("the run stopped: {why}"), why=exc.message))
                raise
            if reconcile is None:
                skip = dict(plan.unusable)
                skip.update({i: Phrase(N_("the application could not be checked ({why})"),
                                       why=f.code or f.detail)
                             for i, f in summary.application_failures.items()})
                findings = reconcile_applications(registry, region_id=region_id, store=store,
                                                  adapters=adapters, skip=skip, timeout=timeout,
                                                  concurrency=concurrency)
            else:
                findings = reconcile(registry)
            run.reconcile_ran = findings is not None and any(f.ran for f in findings.values())
            relinks = _relinks(summary, linked_before)
            run.rows = _rows(registry, run, plan, summary, findings, time.monotonic() - started)
            registry.record_health(run.rows)
            run.alerts = changes(previous, run.rows, relinks)
            run.outcome = "ok" if all(r.outcome == "ok" and not r.leaks for r in run.rows) else "failing"
            run.exit_status = 0 if run.outcome == "ok" else 1
    except RunInProgress:
        run.outcome, run.exit_status = "skipped_overlap", EXIT_SKIPPED
        note = Phrase(N_("skipped: another monitor run of this region was still in progress"))
        run.notes.append(note)
        _record_empty(registry, run, started, note)
        return run
    _send(run, notifiers)
    registry.audit("monitor_run", f"monitor:{region_id}", json.dumps(
        {"run": run.run_id, "trigger": trigger, "outcome": run.outcome, "alerts": len(run.alerts),
         "undelivered": [c for c, e in run.deliveries if e is not None], "notes": run.notes})[:4000])
    return run


def _send(run: MonitorRun, notifiers: Sequence[Notifier]) -> None:
    if not run.alerts:
        return
    title, body = alert_text(run.alerts, run.region_id, run.run_at)
    for notifier in notifiers:
        error = _deliver(notifier, title, body)
        run.deliveries.append((notifier.channel, error))
        if error is not None:
            run.exit_status = max(run.exit_status, 1)


def _keychain_unavailable(registry: Registry, run: MonitorRun, started: float, exc: KeychainUnavailable,
                          notifiers: Sequence[Notifier]) -> None:
    """Record the run that could not reach the keychain, and tell it through the channels that need no
    secret (desktop; email without a sign-in) when the previous run could."""
    previous = registry.latest_health_run(checked_only=False)
    run.outcome, run.exit_status = "keychain_unavailable", 3
    run.notes.append(_keychain_diagnosis(exc.message))
    if not previous or previous[0].outcome != "keychain_unavailable":
        run.alerts = [Alert("keychain_unavailable", "")]
    _send(run, notifiers)
    run.exit_status = 3
    _record_empty(registry, run, started, run.notes[-1])


def _deliver(notifier: Notifier, title: str, body: str) -> str | None:
    try:
        notifier.send(title, body)
    except Exception as exc:  # noqa: BLE001 - a delivery failure is a result of the run, reported
        log.warning("monitor alert through %s not delivered: %s", notifier.channel, exc)
        said = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)
        return said or type(exc).__name__   # a Phrase stays one (English in --json, shown in words)
    return None


def _keychain_diagnosis(message: str) -> str:
    return Phrase(N_("The keychain could not be reached, so no application could be checked. {message} A "
                     "scheduled run needs the keychain of the signed-in user: see docs/monitor.md, \"What "
                     "each system needs to reach the keychain\"."), message=message)


def _record_empty(registry: Registry, run: MonitorRun, started: float, detail: str) -> None:
    row = HealthRow(run.run_id, run.run_at, None, "", run.trigger, run.outcome,
                    duration=time.monotonic() - started, detail=detail[:4000])
    registry.record_health([row])
    run.rows = [row]
    registry.audit("monitor_run", f"monitor:{run.region_id}", json.dumps(
        {"run": run.run_id, "trigger": run.trigger, "outcome": run.outcome, "alerts": len(run.alerts),
         "undelivered": [c for c, e in run.deliveries if e is not None]}))


def _relinks(summary: Any, linked_before: set[int]) -> dict[int, tuple[int, tuple[str, ...]]]:
    out: dict[int, tuple[int, set[str]]] = {}
    for result in summary.results:
        if result.status == "needs_relink" and result.profile_id in linked_before:
            n, codes = out.get(result.job.application_id, (0, set()))
            if result.code:
                codes.add(result.code)
            out[result.job.application_id] = (n + 1, codes)
    return {k: (n, tuple(sorted(c))) for k, (n, c) in out.items()}


def _rows(registry: Registry, run: MonitorRun, plan: Any, summary: Any, findings: Any,
          duration: float) -> list[HealthRow]:
    rows = []
    by_application: dict[int, list[Any]] = {}
    for result in summary.results:
        by_application.setdefault(result.job.application_id, []).append(result)
    for app in registry.list_applications(include_revoked=False):
        results = by_application.get(app.id, [])
        failing = sum(1 for r in results if r.outcome is None or not r.outcome.ok)
        codes = {r.code for r in results if r.code}
        failure = summary.application_failures.get(app.id)
        if failure is not None and failure.code:
            codes.add(failure.code)
        if app.health:
            codes.add(app.health)
        parts: list[Any] = list(run.notes)
        if app.id in plan.unusable:
            outcome, parts = "not_checked", [plan.unusable[app.id], *run.notes]
        elif failure is not None:
            outcome = "failed"
        elif failing or app.health:
            outcome = "failing"
        else:
            outcome = "ok"
        counts = registry.status_counts(application_id=app.id)
        found = findings.get(app.id) if findings is not None else None
        leaks = found.leaks if found is not None else None
        if found is not None and found.note:
            parts.append(found.note)
        run.details[app.id] = parts
        detail = " | ".join(parts)
        rows.append(HealthRow(run.run_id, run.run_at, app.id, app.name, run.trigger, outcome,
                              health=app.health, linked=counts["linked"], needs_relink=counts["needs_relink"],
                              failing=failing, leaks=leaks, diagnoses=tuple(sorted(codes)),
                              duration=duration, detail=detail[:4000]))
    if not rows:
        rows.append(HealthRow(run.run_id, run.run_at, None, "", run.trigger, "ok", duration=duration,
                              detail=" | ".join([NO_ACTIVE_APPLICATION, *run.notes])[:4000]))
    return rows


NO_ACTIVE_APPLICATION = N_("no active application in this region")


# --- the schedule, seen from the history -------------------------------------------------------------------


def parse_every(text: str) -> int:
    """`--every` ("15m", "6h", "1d") in seconds. Minutes must divide an hour and hours a day, so the OS
    schedule stays regular (a systemd calendar expression, a cron line); from 15 minutes to 1 day."""
    value = (text or "").strip().lower()
    units = {"m": 60, "h": 3600, "d": 86400}
    if len(value) < 2 or value[-1] not in units or not value[:-1].isdigit():
        raise BadInput(_("--every must be a number of minutes, hours or days such as 30m, 6h or 1d, not "
                         "{value}").format(value=repr(text)))
    n, unit = int(value[:-1]), value[-1]
    seconds = n * units[unit]
    if seconds < 15 * 60 or seconds > 86400:
        raise BadInput(_("--every {value} is outside 15m to 1d").format(value=text))
    if (unit == "m" and 60 % n and n % 60) or (unit == "h" and 24 % n) or (unit == "d" and n != 1):
        raise BadInput(_("--every {value} does not divide a day evenly; choose one of 15m, 20m, 30m, 1h, 2h, "
                         "3h, 4h, 6h, 8h, 12h or 1d").format(value=text))
    if unit == "m" and n % 60 == 0:
        return parse_every(f"{n // 60}h")
    return seconds


def every_text(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"


def missed_run(last_scheduled: str | None, every_seconds: int, now: datetime,
               installed_at: str | None = None) -> str | None:
    """A sentence when the last scheduled run is older than the schedule allows (a machine asleep or off,
    a job that could not start), else None. Allows half an interval of slack (start-up, a long run)."""
    reference = last_scheduled or installed_at
    if reference is None:
        return None
    late = now - parse_utc(reference)
    if late <= timedelta(seconds=every_seconds * 1.5):
        return None
    hours = late.total_seconds() / 3600
    if last_scheduled is None:
        return Phrase(N_("no scheduled run has happened since the job was installed {hours} hours ago (it "
                         "should run every {every})"), hours=hours, every=every_text(every_seconds))
    return Phrase(N_("the last scheduled run was {hours} hours ago, but the job runs every {every}: runs "
                     "were missed (the computer was asleep or off, or the job could not start)"),
                  hours=hours, every=every_text(every_seconds))


def catch_up_note(registry: Registry, every_seconds: int, now: datetime) -> str | None:
    """For a scheduled run: a note when the previous scheduled run is older than the schedule allows (the
    job is catching up runs missed while the computer was asleep or off), else None."""
    previous = registry.latest_health_run(checked_only=False, trigger="scheduled")
    if not previous:
        return None
    missed = missed_run(previous[0].run_at, every_seconds, now)
    return Phrase(N_("catching up: {missed}"), missed=missed) if missed else None


def executable_problem(command: Sequence[str]) -> str | None:
    """A sentence when the program the scheduled job runs has moved or gone, else None."""
    if not command:
        return Phrase(N_("the scheduled job names no program; run `ec-console monitor install` again"))
    program = Path(command[0])
    if not program.is_file() or not os.access(program, os.X_OK):
        return Phrase(N_("the program the scheduled job runs ({program}) is missing or has moved; run "
                         "`ec-console monitor install` again from the console's new location"),
                      program=program)
    return None


__all__ = ["ALERT_KINDS", "EXIT_SKIPPED", "Alert", "Findings", "MonitorRun", "RunInProgress", "alert_text",
           "catch_up_note", "reconcile_applications",
           "changes", "every_text", "executable_problem", "lock_path", "missed_run", "parse_every",
           "reconcile_not_run", "run_lock", "run_monitor", "system_clock"]
