"""`ec-console monitor install|status|remove|run|history`: scheduled, headless check-all runs with alerts.

    ec-console monitor install [--every 6h] [--region ID] [--notify desktop|webhook|smtp]...
        [--webhook-kind teams|slack] [--smtp-host H] [--smtp-port N] [--smtp-from A] [--smtp-to A]...
        [--smtp-user U] [--scheduler systemd|cron|launchd|schtasks] [--json]
    ec-console monitor status [--region ID] [--json]
    ec-console monitor remove [--region ID] [--json]
    ec-console monitor run [--region ID] [--scheduled] [--json]
    ec-console monitor history [--region ID] [--application NAME] [--since TIME] [--output FILE.csv|.xlsx]

The webhook address comes from EC_MONITOR_WEBHOOK_URL or a hidden prompt, the SMTP password from
EC_SMTP_PASSWORD or a hidden prompt: both go to the keychain, never to a file or the command line.

Exit statuses of `monitor run`: 0 every application checked and healthy (alerts, if any, delivered);
1 an application or profile is failing, or an alert could not be delivered; 2 bad input; 3 the keychain
cannot be reached; 75 skipped because another run of the region was in progress. `monitor status`: 0 the
job is installed and its program is in place, 1 it is not installed, its program is missing, or runs
were missed. docs/cli.md and docs/monitor.md describe every field.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from ec_console.commands.common import (
    json_flag,
    parser_class,
    positive_int,
    region_flag,
    registry_flag,
    resolve_region,
    verbose_flag,
)
from ec_console.errors import BadInput, ConsoleError, ExitStatus
from ec_console.i18n import N_, _, format_number
from ec_console.monitor_status import (
    NOTIFY_CHOICES,
    load_settings,
    scheduler_for,
    settings_path,
    status_dict,
)
from ec_console.permissions import MONITOR_INSTALL, MONITOR_REMOVE, MONITOR_RUN
from ec_console.phrases import Phrase, shown
from ec_console.words import count

WEBHOOK_ENV = "EC_MONITOR_WEBHOOK_URL"
SMTP_PASSWORD_ENV = "EC_SMTP_PASSWORD"
OUTCOME_WORDS = {"ok": N_("ok"), "failing": N_("some profiles failing"),
                 "failed": N_("the application itself failed"), "not_checked": N_("not checked"),
                 "error": N_("error")}   # marked; shown with _()


def register(subparsers: Any) -> None:
    monitor = subparsers.add_parser(
        "monitor", help=_("scheduled check-all runs with alerts on change"),
        description=_("A scheduled job of this computer's own scheduler (a systemd user timer or cron on "
                    "Linux, a LaunchAgent on macOS, Task Scheduler on Windows) runs check all for every "
                    "application of the region, keeps a health history and alerts only on change."))
    actions = monitor.add_subparsers(dest="monitor_command", metavar="ACTION",
                                     parser_class=parser_class(subparsers), required=True)
    install = actions.add_parser("install", help=_("register the scheduled job"),
                                 description=_("Register (or replace) the region's scheduled monitor job."))
    install.add_argument("--every", default="6h", metavar="INTERVAL",
                         help=_("how often: 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h or 1d (default 6h)"))
    install.add_argument("--notify", action="append", choices=NOTIFY_CHOICES, default=[],
                         help=_("where alerts go; repeat for several (webhook address from "
                                "EC_MONITOR_WEBHOOK_URL or a hidden prompt)"))
    install.add_argument("--webhook-kind", choices=("teams", "slack"), default="teams",
                         help=_("the webhook's message format (default teams)"))
    install.add_argument("--smtp-host", metavar="HOST")
    install.add_argument("--smtp-port", type=positive_int, default=587, metavar="N")
    install.add_argument("--smtp-from", metavar="ADDRESS")
    install.add_argument("--smtp-to", action="append", default=[], metavar="ADDRESS")
    install.add_argument("--smtp-user", metavar="USER",
                         help=_("sign-in name; the password from EC_SMTP_PASSWORD or a hidden prompt"))
    install.add_argument("--scheduler", choices=("systemd", "cron", "launchd", "schtasks"),
                         help=_("override the scheduler chosen for this computer"))
    _common(install, N_("what was installed"))
    install.set_defaults(handler=run_install, permission=MONITOR_INSTALL)
    status = actions.add_parser("status", help=_("is the job installed, its program in place, runs on time"))
    _common(status, N_("the job's state"))
    status.set_defaults(handler=run_status)
    remove = actions.add_parser("remove", help=_("remove the scheduled job and its keychain entries"))
    _common(remove, N_("what was removed"))
    remove.set_defaults(handler=run_remove, permission=MONITOR_REMOVE)
    run = actions.add_parser("run", help=_("one monitor run now (what the scheduled job executes)"))
    run.add_argument("--scheduled", action="store_true", help=_("record the run as a scheduled one"))
    _common(run, N_("the run"))
    registry_flag(run)
    run.set_defaults(handler=run_run, permission=MONITOR_RUN)
    history = actions.add_parser("history", help=_("print or export the health history"),
                                 description=_("The health history, oldest first; --output FILE.csv or "
                                             "FILE.xlsx writes a file (readable by you only)."))
    history.add_argument("--application", metavar="NAME")
    history.add_argument("--since", metavar="TIME", help=_("from this UTC time on (2026-12-01 or "
                                                         "2026-12-01T06:00:00Z)"))
    history.add_argument("--output", "-o", metavar="FILE")
    _common(history, N_("the history"))
    registry_flag(history)
    history.set_defaults(handler=run_history)


def _common(parser: argparse.ArgumentParser, what: str) -> None:
    region_flag(parser)
    json_flag(parser, what)
    verbose_flag(parser)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# --- settings (ec_console/monitor_status.py: the CLI and the window read them through the same code) -----


def _hidden(env: str, what: str) -> str:
    value = os.environ.get(env)
    if value is None:
        if not (sys.stdin and sys.stdin.isatty()):
            raise BadInput(_("no {what}: set {env} or run in a terminal to be asked (it is never taken "
                             "from the command line)").format(
                what=_(what), env=env))
        try:
            value = getpass.getpass(_("{what}: ").format(what=_(what)[:1].upper() + _(what)[1:]))
        except (EOFError, OSError):
            raise BadInput(_("no {what} was entered").format(
                what=_(what))) from None
    value = value.strip()
    if not value or any(ch in value for ch in "\r\n\x00"):
        raise BadInput(_("the {what} is empty or contains a line break").format(
            what=_(what)))
    return value


def notifiers(region_id: str, settings: dict[str, Any], store: Any) -> list[Any]:
    """The alert channels the settings name, with their secrets from the keychain."""
    from ec_console import monitor_notify as mn

    out: list[Any] = []
    for channel in settings.get("notify", []):
        if channel == "desktop":
            out.append(mn.DesktopNotifier())
        elif channel == "webhook":
            url = store.get(mn.webhook_secret_key(region_id))
            if url is None:
                raise BadInput(_("the webhook address is not in the keychain; run `ec-console monitor "
                                 "install "
                               "--notify webhook` again"))
            out.append(mn.WebhookNotifier(settings.get("webhook_kind", "teams"), url))
        elif channel == "smtp":
            smtp = settings.get("smtp", {})
            password = store.get(mn.smtp_secret_key(region_id)) if smtp.get("username") else None
            out.append(mn.SmtpNotifier(smtp.get("host", ""), int(smtp.get("port", 587)), smtp.get("from", ""),
                                       smtp.get("to", []), username=smtp.get("username", ""),
                                       password=password))
    return out


def reachable_notifiers(region_id: str, settings: dict[str, Any], store: Any) -> tuple[list[Any], list[str]]:
    """Each configured channel that can be built, and a note for each that cannot (a channel whose secret
    cannot be read from the keychain is left out; the others still carry the alert)."""
    built: list[Any] = []
    notes: list[str] = []
    for channel in settings.get("notify", []):
        try:
            built += notifiers(region_id, {**settings, "notify": [channel]}, store)
        except BadInput as exc:
            notes.append(Phrase(N_("alerts cannot be sent by {channel}: {reason}"), channel=channel,
                                reason=exc.message))     # English in --json and the history, shown in words
        except ConsoleError as exc:   # the keychain could not be read: the run says more below
            notes.append(Phrase(N_("alerts cannot be sent by {channel}: {reason}"), channel=channel,
                                reason=exc.message.split(". ")[0]))
    return built, notes


# --- install / status / remove -----------------------------------------------------------------------------


def _scheduler(kind: str | None) -> Any:
    return scheduler_for(kind)


def run_install(args: argparse.Namespace) -> int:
    from ec_console import monitor, monitor_jobs
    from ec_console import monitor_notify as mn
    from ec_console.paths import write_private_file
    from ec_console.registry import utc_now
    from ec_console.secrets import default_store

    region_id = resolve_region(args)
    every = monitor.parse_every(args.every)
    notify = list(dict.fromkeys(args.notify))
    if "smtp" in notify and not (args.smtp_host and args.smtp_from and args.smtp_to):
        raise BadInput(_("--notify smtp needs --smtp-host, --smtp-from and at least one --smtp-to"))
    scheduler = _scheduler(args.scheduler)
    store = default_store()
    if "webhook" in notify:
        url = mn.validate_webhook_url(_hidden(WEBHOOK_ENV, N_("webhook address")))
        from ec_console.logs import register_secret

        register_secret(url)
        store.set(mn.webhook_secret_key(region_id), url)
    if "smtp" in notify and args.smtp_user:
        store.set(mn.smtp_secret_key(region_id), _hidden(SMTP_PASSWORD_ENV, N_("SMTP password")))
    command = monitor_jobs.console_command()
    settings = {
        "region": region_id, "every_seconds": every, "scheduler": scheduler.kind, "command": command,
        "notify": notify, "webhook_kind": args.webhook_kind, "installed_at": utc_now(),
        "smtp": {"host": args.smtp_host or "", "port": args.smtp_port, "from": args.smtp_from or "",
                 "to": args.smtp_to, "username": args.smtp_user or ""} if "smtp" in notify else {},
    }
    plan = monitor_jobs.JobPlan(region_id, tuple(command), every, monitor_jobs.job_environment())
    try:
        written = scheduler.install(plan)
    except monitor_jobs.JobError as exc:
        if load_settings(region_id) is None:   # a first install that failed keeps no secret behind
            for key in (mn.webhook_secret_key(region_id), mn.smtp_secret_key(region_id)):
                store.delete(key)
        raise BadInput(_("the scheduled job was not installed: {exc}").format(
            exc=exc)) from None
    write_private_file(settings_path(region_id), json.dumps(settings, indent=2).encode())
    from ec_console.registry import Registry

    with Registry.for_region(region_id) as registry:
        registry.audit("monitor_installed", f"monitor:{region_id}", json.dumps(
            {"every": monitor.every_text(every), "scheduler": scheduler.kind, "notify": notify}))
    if args.json:
        _print_json({"region": region_id, "scheduler": scheduler.kind, "every": monitor.every_text(every),
                     "command": command, "notify": notify, "files": written})
    else:
        print(_("Installed the monitor of region {region}: {scheduler}, every {every}, alerts to "
                "{notify}").format(
            region=region_id, scheduler=scheduler.kind, every=monitor.every_text(every),
            notify=", ".join(notify) or _("nowhere (history only)")))
        for item in written:
            print(f"  {shown(item)}")
    return ExitStatus.OK


def run_status(args: argparse.Namespace) -> int:
    region_id = resolve_region(args)
    state = status_dict(region_id, schedulers=_scheduler)
    if args.json:
        _print_json(state)
    else:
        if state.get("scheduler"):
            installed = _("installed") if state["installed"] else _("NOT installed")
            print(_("Monitor of region {region}: {scheduler} job every {every}, {installed}").format(
                region=region_id, scheduler=state["scheduler"], every=state["every"], installed=installed))
            print("  " + _("program: {command}").format(command=" ".join(state["command"] or [])))
            print("  " + _("alerts to: {notify}").format(
                notify=", ".join(state["notify"]) or _("nowhere (history only)")))
            print("  " + _("last run: {when}").format(when=state["last_run"] or _("never"))
                  + (f" ({state['last_run_outcome']})" if state["last_run_outcome"] else ""))
            print("  " + _("last scheduled run: "
                           "{when}").format(when=state["last_scheduled_run"] or _("never")))
        for problem in state["problems"]:
            print(_("Problem: {problem}").format(problem=shown(problem)))
    return ExitStatus.OK if not state["problems"] else ExitStatus.STEP_FAILED


def run_remove(args: argparse.Namespace) -> int:
    from ec_console import monitor_jobs
    from ec_console import monitor_notify as mn
    from ec_console.registry import Registry
    from ec_console.secrets import default_store

    region_id = resolve_region(args)
    settings = load_settings(region_id)
    kind = (settings or {}).get("scheduler")
    scheduler = _scheduler(kind)
    try:
        removed = scheduler.remove(region_id)
    except monitor_jobs.JobError as exc:
        raise BadInput(_("the scheduled job was not removed: {exc}").format(
            exc=exc)) from None
    store = default_store()
    for key in (mn.webhook_secret_key(region_id), mn.smtp_secret_key(region_id)):
        store.delete(key)
    path = settings_path(region_id)
    if path.exists():
        path.unlink()
        removed.append(str(path))
    with Registry.for_region(region_id) as registry:
        registry.audit("monitor_removed", f"monitor:{region_id}", json.dumps({"scheduler": scheduler.kind}))
    if args.json:
        _print_json({"region": region_id, "removed": removed})
    else:
        print((_("Removed the monitor of region {region}:") if removed
               else _("Removed the monitor of region {region} (nothing was "
                      "installed)")).format(region=region_id))
        for item in removed:
            print(f"  {shown(item)}")
    return ExitStatus.OK


# --- run ---------------------------------------------------------------------------------------------------


def run_run(args: argparse.Namespace) -> int:
    from ec_console import monitor
    from ec_console.registry import Registry
    from ec_console.secrets import default_store

    region_id = resolve_region(args)
    settings = load_settings(region_id) or {}
    store = default_store()
    notes = []
    if settings.get("command"):
        problem = monitor.executable_problem(settings["command"])
        if problem:
            notes.append(problem)
    channels: list[Any] = []
    with Registry.for_region(region_id) as registry:
        if args.scheduled and settings:
            late = monitor.catch_up_note(registry, int(settings.get("every_seconds", 21600)),
                                         monitor.system_clock())
            if late:
                notes.append(late)
        if settings:
            channels, cannot = reachable_notifiers(region_id, settings, store)
            notes += cannot
        run = monitor.run_monitor(registry, region_id, trigger="scheduled" if args.scheduled else "manual",
                                  store=store, notifiers=channels, notes=notes)
    status = run.exit_status
    if status == 0 and any(not n.startswith("catching up") for n in run.notes):
        status = ExitStatus.STEP_FAILED   # a moved program or alert channels that cannot be built
    if args.json:
        _print_json({**run.to_dict(), "exit_status": status})
        return status
    _print_run(run)
    return status


def _print_run(run: Any) -> None:
    if run.outcome == "skipped_overlap":
        print(_("Monitor run of region {region} skipped: another run was still in progress "
                "(recorded in the health history)").format(region=run.region_id))
    elif run.outcome == "keychain_unavailable":
        print(_("Monitor run of region {region} could not check anything.").format(region=run.region_id))
        for alert in run.alerts:
            print(f"  - {alert.text()}")
    else:
        apps = [r for r in run.rows if r.application_id is not None]
        checked = count(len(apps), "application", "applications")
        print(_("Monitor run of region {region} at {time}: {checked}").format(
            region=run.region_id, time=run.run_at, checked=checked))
        for r in apps:
            codes = f" ({', '.join(r.diagnoses)})" if r.diagnoses else ""
            leaks = _("leaks unknown") if r.leaks is None else count(r.leaks, "leak", "leaks")
            print("  " + _("{application}: {outcome}; {linked} linked, {relink} needing relink, {failing} "
                           "failing, {leaks}").format(
                application=r.application_name,
                outcome=_(OUTCOME_WORDS[r.outcome]) if r.outcome in OUTCOME_WORDS else r.outcome,
                linked=format_number(r.linked), relink=format_number(r.needs_relink),
                failing=format_number(r.failing), leaks=leaks) + codes)
            parts = run.details.get(r.application_id) or r.detail.split(" | ")   # phrases: shown in words
            if r.outcome == "not_checked" and r.detail:
                print(f"    {shown(parts[0])}")
            for part in parts:
                if part.startswith("reconciliation") and r.outcome != "not_checked":
                    text = shown(part)
                    print(f"    {text[:1].upper()}{text[1:]}")
        if not run.reconcile_ran:
            print("  " + _("Reconciliation: not run (no leak figures recorded)"))
        if run.alerts:
            print(_("{changes} since the last "
                    "run:").format(changes=count(len(run.alerts), "change", "changes")))
            for alert in run.alerts:
                print(f"  - {alert.text()}")
        else:
            print(_("No change since the last run: no alert sent"))
    for channel, error in run.deliveries:
        if error is None:
            print(_("Alert through {channel}: delivered").format(channel=channel))
        else:
            print(_("Alert through {channel}: NOT delivered: {error}").format(channel=channel,
                                                                                error=shown(error)))
    for note in run.notes:
        print(_("Note: {note}").format(note=shown(note)))


# --- history -----------------------------------------------------------------------------------------------


def _since(text: str | None) -> str | None:
    if text is None:
        return None
    from ec_console.registry import parse_utc, utc_text

    value = text.strip()
    if len(value) == 10:
        value += "T00:00:00Z"
    try:
        return utc_text(parse_utc(value))
    except ValueError:
        raise BadInput(_("--since must be a UTC date or time such as 2026-12-01 or 2026-12-01T06:00:00Z, "
                         "not {text}").format(
            text=repr(text))) from None


def run_history(args: argparse.Namespace) -> int:
    from ec_console import history_export
    from ec_console.paths import private_atomic_writer
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    since = _since(args.since)
    with Registry.for_region(region_id) as registry:
        app_id = None
        if args.application:
            from ec_console.dashboard import resolve_application

            app_id = resolve_application(registry, args.application).id
        rows = registry.health_history(application_id=app_id, since=since)
    if args.output:
        target = Path(args.output)
        suffix = target.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise BadInput(_("--output must end in .csv or .xlsx"))
        try:
            with private_atomic_writer(target, text=suffix == ".csv") as handle:
                n = (history_export.write_csv(rows, handle) if suffix == ".csv"
                     else history_export.write_xlsx(rows, handle))
        except OSError as exc:
            raise BadInput(_("--output: {target} cannot be written ({value})").format(
                target=target, value=exc.strerror or exc)) from None
        sys.stderr.write(_("Exported {rows} of region {region} to {target}").format(
            rows=count(n, "history row", "history rows"), region=region_id, target=target) + "\n")
        return ExitStatus.OK
    if args.json:
        _print_json([dict(zip(history_export.COLUMNS, history_export.row_values(r), strict=True))
                     for r in rows])
        return ExitStatus.OK
    from ec_console.commands.common import print_table

    table = [[str(v) for v in history_export.row_values(r)[:10]] for r in rows]
    print_table(table, [c.upper() for c in history_export.COLUMNS[:10]], sys.stdout)
    return ExitStatus.OK
