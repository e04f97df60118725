"""`ec-console profiles list|link|revoke|relink|check`: the linked calendar profiles of a region.

    ec-console profiles list [--status S] [--application NAME] [--search TEXT] [--sort COL] [--desc]
        [--limit N] [--region ID] [--json]
    ec-console profiles link --application NAME (EMAIL... | --from-file PATH | --discover)
        [--concurrency N] [--region ID] [--json]
    ec-console profiles revoke EMAIL... [--application NAME] [--region ID] [--json]
    ec-console profiles relink EMAIL... [--application NAME] [--concurrency N] [--region ID] [--json]
    ec-console profiles check [--application NAME]... [--concurrency N] [--restart] [--region ID] [--json]
    ec-console profiles show EMAIL [--application NAME] [--region ID] [--json]

Long runs show a progress bar on stderr when it is a terminal (plain lines otherwise); Ctrl+C cancels:
what was done is kept, the exit status is 130, and running the same command again finishes the job.
Exit statuses: 0 every probe passed, 1 a probe failed (or an account was not linked, or a profile did not
end linked), 2 bad input,
3 no usable keychain, 130 interrupted. docs/cli.md documents the JSON shapes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

from ec_console.commands.common import (
    concurrency_flag,
    json_flag,
    parser_class,
    positive_int,
    print_table,
    region_flag,
    registry_flag,
    resolve_region,
    verbose_flag,
)
from ec_console.errors import BadInput, ExitStatus
from ec_console.i18n import N_, _, format_number
from ec_console.permissions import BULK_LINK, CHECK, LINK_PROFILES, RELINK_PROFILES, REVOKE_PROFILES
from ec_console.texts import localized
from ec_console.words import count

MAX_LIST_FILE_BYTES = 16 * 1024 * 1024
SORT_COLUMNS = [
    "email",
    "display_name",
    "application",
    "provider",
    "status",
    "last_checked_at",
    "last_result",
]


def print_json(value: Any) -> None:
    # One write: json.dump writes each token on its own, a system call each when stdout is unbuffered
    # (PYTHONUNBUFFERED, a pipe): 800 check results took 46-80 ms that way, 7-23 ms in one piece.
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


@contextlib.contextmanager
def cancel_on_interrupt(cancel: Any) -> Iterator[None]:
    """Ctrl+C sets `cancel` (the run stops promptly, keeping what it wrote) instead of raising mid-write."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        if cancel.cancelled:  # a second Ctrl+C: stop at once
            raise KeyboardInterrupt
        cancel.cancel()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class ProgressPrinter:
    """A progress bar on a terminal, plain lines (at most one every `every` seconds) otherwise."""

    def __init__(self, stream: TextIO, verb: str, *, every: float = 5.0) -> None:
        self.stream = stream
        self.verb = verb
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.every = every
        self.last = 0.0
        self.drawn = False
        self.pause: Any = None

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        final = progress.done == progress.total
        pause = getattr(progress, "paused", None)
        new_pause = pause is not None and (self.pause is None or self.pause.application_id
                                           != pause.application_id or pause.left > self.pause.left)
        self.pause = pause
        if not self.tty and not final and not new_pause and now - self.last < self.every:
            return
        self.last = now
        waiting = f" — {pause.message}" if pause is not None else ""
        counts = ", ".join(f"{count_word(k)} {v}" for k, v in progress.counts.items() if v)
        eta = ", " + _("about {duration} left").format(duration=_duration(progress.eta)) \
            if progress.eta is not None and not final else ""
        verb = _(self.verb)
        if self.tty:
            width = 24
            filled = int(width * progress.done / progress.total) if progress.total else width
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(
                f"\r{verb} [{bar}] {progress.done}/{progress.total}"
                f"{' (' + counts + ')' if counts else ''}{eta}{waiting}\x1b[K"
            )
            self.drawn = True
        else:
            done = _("{verb}: {done}/{total} "
                     "done").format(verb=verb, done=progress.done, total=progress.total)
            self.stream.write(f"{done}{' (' + counts + ')' if counts else ''}{eta}{waiting}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


# The words of a run's counts (their keys are the results' codes): "linked 3, not linked 1".
_COUNT_WORDS = {"linked": N_("linked"), "not_linked": N_("not linked"), "try_again": N_("try again"),
                "skipped": N_("skipped"), "needs_relink": N_("needs relink"), "revoked": N_("revoked"),
                "failed": N_("failed"), "unchanged": N_("unchanged"), "relinked": N_("relinked"),
                "checked": N_("checked")}


def shown_diagnosis(diagnosis: Any) -> Any:
    from ec_console.render import shown_diagnosis as shown  # the command line starts without the renderer

    return shown(diagnosis)


def count_word(key: str) -> str:
    return _(_COUNT_WORDS[key]) if key in _COUNT_WORDS else key.replace("_", " ")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


# --- register ----------------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add `profiles` and its actions to the top-level subparsers of `ec-console`."""
    pclass = parser_class(subparsers)
    profiles = subparsers.add_parser(
        "profiles",
        help=_("list and manage linked calendar profiles"),
        description=_("Linked calendar profiles of a region."),
    )
    actions = profiles.add_subparsers(
        dest="profiles_command", metavar="ACTION", parser_class=pclass, required=True
    )
    _add_list(actions)
    _add_link(actions)
    _add_revoke(actions)
    _add_relink(actions)
    _add_check(actions)
    _add_show(actions)


def _common(parser: argparse.ArgumentParser, what: str) -> None:
    region_flag(parser)
    registry_flag(parser)
    json_flag(parser, what)
    verbose_flag(parser)


def _add_list(actions: Any) -> None:
    plist = actions.add_parser("list", help=_("list "
                                              "profiles"), description=_("List the profiles of a region."))
    region_flag(plist)
    registry_flag(plist)
    plist.add_argument(
        "--status", choices=["linked", "needs_relink", "revoked"], help=_("only profiles with this status")
    )
    plist.add_argument("--application", metavar="NAME", help=_("only profiles of this application"))
    plist.add_argument(
        "--search", metavar="TEXT", default="", help=_("only profiles whose email or name contains TEXT")
    )
    plist.add_argument("--sort", default="email", choices=SORT_COLUMNS, help=_("sort column (default: "
                                                                               "email)"))
    plist.add_argument("--desc", action="store_true", help=_("sort descending"))
    plist.add_argument("--limit", type=positive_int, metavar="N", help=_("print at most N profiles"))
    json_flag(plist, N_("the profiles"))
    verbose_flag(plist)
    plist.set_defaults(handler=run_list)


def _add_link(actions: Any) -> None:
    parser = actions.add_parser(
        "link",
        help=_("probe accounts through an application and link them"),
        description=_("Probe each account's calendar through the application and record it linked. An "
        "account that fails is not linked (no profile is recorded) and its diagnosis is shown; one that "
        "failed for a passing reason (throttled, timed out, server busy) says to try again later. Accounts "
        "already linked are skipped, so running the same command again finishes the job."),
    )
    parser.add_argument("emails", nargs="*", metavar="EMAIL", help=_("addresses to link"))
    parser.add_argument(
        "--application", metavar="NAME", required=True, help=_("the application to link through")
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--from-file",
        metavar="PATH",
        help=_("a list of addresses (one per line, or separated by , ;) or a Get-Mailbox CSV "
        "(PrimarySmtpAddress column); '-' reads standard input"),
    )
    source.add_argument(
        "--discover",
        action="store_true",
        help=_("link every account in the application's scope (scoping group / domain)"),
    )
    concurrency_flag(parser)
    _common(parser, N_("the results"))
    parser.set_defaults(handler=run_link, permission=_link_permission)


def _profile_targets(parser: argparse.ArgumentParser) -> None:
    """The profiles a revoke or relink acts on: addresses, and the application when one is ambiguous."""
    parser.add_argument("emails", nargs="+", metavar="EMAIL", help=_("addresses of the profiles"))
    parser.add_argument(
        "--application",
        metavar="NAME",
        help=_("the application (needed when an address is linked through several)"),
    )


def _add_revoke(actions: Any) -> None:
    parser = actions.add_parser(
        "revoke",
        help=_("record profiles revoked (they are no longer checked)"),
        description=_("Record the profiles revoked: the console stops probing them. For a real withdrawal of "
        "access, the platform step is printed for each."),
    )
    _profile_targets(parser)
    _common(parser, N_("the results"))
    parser.set_defaults(handler=run_revoke, permission=REVOKE_PROFILES)


def _add_relink(actions: Any) -> None:
    parser = actions.add_parser(
        "relink",
        help=_("probe profiles again with the application's current credentials"),
        description=_("Probe the profiles again; linked on success. Revoked profiles can be relinked."),
    )
    _profile_targets(parser)
    concurrency_flag(parser)
    _common(parser, N_("the results"))
    parser.set_defaults(handler=run_relink, permission=RELINK_PROFILES)


def _add_check(actions: Any) -> None:
    parser = actions.add_parser(
        "check",
        help=_("re-probe every linked profile (check all)"),
        description=_("Re-probe the linked and needs_relink profiles of the region's active applications. A "
        "throttled or timed-out probe never changes a status; a failure of the application "
        "itself marks the application. An interrupted run is resumed by the next one."),
    )
    parser.add_argument(
        "--application", metavar="NAME", action="append", help=_("only this application (repeat for several)")
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help=_("check every profile again instead of resuming an interrupted run"),
    )
    concurrency_flag(parser)
    _common(parser, N_("the results"))
    parser.set_defaults(handler=run_check, permission=CHECK)


def _add_show(actions: Any) -> None:
    parser = actions.add_parser(
        "show",
        help=_("show one profile's details"),
        description=_("One profile's details, as the console's detail pane shows them: application, status, "
        "when it was linked and last checked, the last check's steps and diagnosis, the platform step "
        "that withdraws its access, and its recent audit entries. Reads the registry only (no probe)."),
    )
    parser.add_argument("email", metavar="EMAIL", help=_("the profile's address"))
    parser.add_argument(
        "--application",
        metavar="NAME",
        help=_("the application (needed when the address is linked through several)"),
    )
    _common(parser, N_("the details"))
    parser.set_defaults(handler=run_show)


# --- handlers ----------------------------------------------------------------------------------------------


def profile_dict(profile: Any) -> dict[str, Any]:
    return {
        "id": profile.id,
        "email": profile.email,
        "display_name": profile.display_name,
        "application": profile.application_name,
        "provider": profile.provider,
        "status": profile.status,
        "last_checked_at": profile.last_checked_at,
        "last_result": profile.last_result,
        "last_diagnosis": profile.last_diagnosis,
    }


def run_list(args: argparse.Namespace) -> int:
    from ec_console.registry import ProfileQuery, Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        application_id = None
        if args.application:
            app = registry.find_application(args.application)
            if app is None:
                raise BadInput(_("No application named {application} in region {region_id}").format(
                    application=repr(args.application), region_id=region_id))
            application_id = app.id
        query = ProfileQuery(
            search=args.search,
            status=args.status,
            application_id=application_id,
            sort=args.sort,
            descending=args.desc,
        )
        # Streamed from one registry cursor: memory does not grow with the registry.
        if args.json:
            write_json_list((profile_dict(p) for p in registry.iter_profiles(query, limit=args.limit)),
                            sys.stdout)
            return ExitStatus.OK
        headers = [_("EMAIL"), _("NAME"), _("APPLICATION"), _("STATUS"), _("LAST CHECKED"), _("RESULT")]
        # The table's column widths need every row: a first pass measures them, a second prints.
        widths = [len(h) for h in headers]
        rows = 0
        for row in _list_rows(registry.iter_profiles(query, limit=args.limit)):
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
            rows += 1
        if not rows:
            print((_("No profiles in region {region} "
                     "match.") if (args.search or args.status or args.application)
                   else _("No profiles in region {region}.")).format(region=region_id))
            return ExitStatus.OK
        print_table(_list_rows(registry.iter_profiles(query, limit=args.limit)), headers, sys.stdout,
                    widths=widths)
    return ExitStatus.OK


def _list_rows(profiles: Iterable[Any]) -> Iterator[list[str]]:
    for p in profiles:
        yield [p.email, p.display_name, p.application_name, p.status, p.last_checked_at or "never",
               p.last_result or "-"]


def write_json_list(items: Iterable[Any], out: TextIO) -> None:
    """`items` as `json.dump(list(items), out, ensure_ascii=False, indent=2)` writes them, one at a time."""
    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if first else ",\n  ") + text)
        first = False
    out.write("[]\n" if first else "\n]\n")


def read_list_file(path_text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Addresses and per-line problems of a pasted list or Get-Mailbox CSV file ('-' = standard input)."""
    from ec_console.providers.exchange.check import parse_mailbox_list

    if path_text == "-":
        text = sys.stdin.read(MAX_LIST_FILE_BYTES + 1)
    else:
        from ec_console import validation

        path = validation.existing_file(path_text, "--from-file")
        try:
            if path.stat().st_size > MAX_LIST_FILE_BYTES:
                raise BadInput(_("--from-file: {path_text} is larger than 16 MB").format(
                    path_text=path_text))
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput(_("--from-file: {path_text} is not UTF-8 text (save the CSV as UTF-8)").format(
                path_text=path_text)) from None
        except OSError as exc:
            raise BadInput(_("--from-file: {path_text} cannot be read ({value})").format(
                path_text=path_text, value=exc.strerror or exc)) from None
    parsed = parse_mailbox_list(text)
    problems = [{"line": p.line, "text": p.text, "message": p.message} for p in parsed.problems]
    return parsed.addresses, problems


def _run_with_progress(verb: str, json_output: bool, work: Callable[[Any, Any], Any]) -> Any:
    from ec_console.checks import CancelToken

    cancel = CancelToken()
    printer = ProgressPrinter(sys.stderr, verb)
    try:
        with cancel_on_interrupt(cancel):
            return work(cancel, printer)
    finally:
        printer.close()


def _print_results(summary: Any, extra: dict[str, Any], json_output: bool, *, link: bool = False) -> None:
    from ec_console.dashboard import summary_json

    if json_output:
        print_json({**extra, **summary_json(summary)})
        return
    rows = [[r.email, r.action, r.status or "-", r.code or "", _one_line(r.shown_message)]
            for r in summary.results]
    if rows:
        print_table(rows, [_("EMAIL"), _("RESULT"), _("STATUS"), _("DIAGNOSIS"), _("DETAIL")], sys.stdout)
    for outcome in summary.application_failures.values():
        shown = shown_diagnosis(outcome.diagnosis) if outcome.diagnosis is not None else None
        detail = localized(outcome.detail)
        if shown is not None and outcome.detail == outcome.diagnosis.cause:
            detail = shown.cause          # the cause in the reader's language (--json keeps the English)
        print(_("The application itself failed ({code}): {detail}").format(code=outcome.code,
                                                                          detail=_one_line(detail)))
        if shown is not None:
            print(shown.remediation)
    counts = (
        ", ".join(f"{count_word(k)} {v}" for k, v in summary.counts.items() if v) or _("nothing to do")
    )
    line = f"{count(summary.total, 'profile', 'profiles')}: {counts}"
    if link:
        line = _link_line(summary)
    if summary.retries:
        retried = count(summary.retries, "throttled answer", "throttled answers")
        line += "; " + _("{retried} retried after backing off").format(retried=retried)
    if summary.cancelled:
        line += "; " + _("cancelled with {n} not done (run the command again to finish)").format(
            n=summary.not_done)
    if summary.write_error:
        unsaved = count(summary.not_written, "result", "results")
        line += "; " + _("stopped: {unsaved} could not be saved in the registry ({error}), run the command "
                         "again to finish").format(unsaved=unsaved, error=summary.write_error)
    print(line)


def _link_line(summary: Any) -> str:
    """"4 accounts: 2 linked, 1 not linked, 1 to try again later" (then what to do about the failures)."""
    counts = summary.counts
    parts = [_("{n} linked").format(n=format_number(counts["linked"]))]
    if counts["not_linked"]:
        parts.append(_("{n} not linked").format(n=format_number(counts["not_linked"])))
    if counts["try_again"]:
        parts.append(_("{n} to try again later").format(n=format_number(counts["try_again"])))
    if counts["skipped"]:
        parts.append(_("{n} skipped").format(n=format_number(counts["skipped"])))
    line = f"{count(summary.total, 'account', 'accounts')}: {', '.join(parts)}"
    if counts["not_linked"] or counts["try_again"]:
        line += ". " + _("No profile was recorded for an account that was not linked")
    if counts["try_again"]:
        line += "; " + _("the platform was busy or did not answer, so run the same command again later to "
                         "finish")
    return line


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _exit(summary: Any, *, link: bool = False) -> int:
    if summary.cancelled:
        return ExitStatus.INTERRUPTED
    if link:
        ok = all(r.action == "linked" for r in summary.results) and not summary.application_failures
    else:
        ok = not summary.failed
    return ExitStatus.OK if ok else ExitStatus.STEP_FAILED


def _link_permission(args: argparse.Namespace) -> str:
    return BULK_LINK if getattr(args, "from_file", None) is not None else LINK_PROFILES


def run_link(args: argparse.Namespace) -> int:
    from ec_console import dashboard
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    problems: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    if args.from_file is not None:
        if args.emails:
            raise BadInput(_("give addresses or --from-file, not both"))
        emails, problems = read_list_file(args.from_file)
        for p in problems:
            sys.stderr.write(_("{file}: line {line}: {message}").format(file=args.from_file, line=p["line"],
                                                                       message=p["message"]) + "\n")
    elif args.discover:
        if args.emails:
            raise BadInput(_("give addresses or --discover, not both"))
        emails = []
    else:
        if not args.emails:
            raise BadInput(_("give the addresses to link, --from-file PATH or --discover"))
        emails = dashboard.clean_emails(args.emails)
    with Registry.for_region(region_id) as registry:
        app = dashboard.resolve_application(registry, args.application)
        notes: list[str] = []
        if args.discover:
            from ec_console.providers.base import EnumerationError

            try:
                found = dashboard.discover_accounts(registry, app, region_id=region_id)
            except EnumerationError as exc:
                sys.stderr.write(_("ec-console: the accounts in scope could not be listed: {detail}").format(
                    detail=localized(exc.detail)) + "\n")
                if exc.diagnosis is not None:
                    sys.stderr.write(shown_diagnosis(exc.diagnosis).remediation + "\n")
                return ExitStatus.STEP_FAILED
            emails = [a.email for a in found.accounts]
            names = {a.email: a.name for a in found.accounts}
            notes = found.notes
            for note in notes:
                sys.stderr.write(_("note: {note}").format(note=localized(note)) + "\n")
        summary = _run_with_progress(
            N_("Linking"),
            args.json,
            lambda cancel, progress: dashboard.link_profiles(
                registry,
                app,
                emails,
                names=names,
                concurrency=args.concurrency,
                cancel=cancel,
                on_progress=progress,
                region_id=region_id,
            ),
        )
    extra = {
        "application": app.name,
        "already_linked": summary.already_linked,
        "file_problems": problems,
        "notes": notes,
    }
    if not args.json and summary.already_linked:
        print(_("Already linked through {application}: {n} (skipped)").format(
            application=app.name, n=format_number(len(summary.already_linked))))
    _print_results(summary.run, extra, args.json, link=True)
    status = _exit(summary.run, link=True)
    return ExitStatus.STEP_FAILED if status == ExitStatus.OK and problems else status


def _select_profiles(registry: Any, emails: Sequence[str], application: str | None) -> list[Any]:
    from ec_console import dashboard
    from ec_console.registry import ProfileQuery

    app_id = dashboard.resolve_application(registry, application).id if application else None
    chosen = []
    for email in dashboard.clean_emails(emails):
        matches = [
            p
            for p in registry.list_profiles(ProfileQuery(search=email, application_id=app_id))
            if p.email.lower() == email.lower()
        ]
        if not matches:
            if application:
                raise BadInput(_("No profile {email} through {application} in this region").format(
                    email=email, application=repr(application)))
            raise BadInput(_("No profile {email} in this region").format(email=email))
        if len(matches) > 1:
            apps = ", ".join(sorted(p.application_name for p in matches))
            raise BadInput(
                _("{email} is linked through several applications ({apps}); name one with "
                  "--application").format(
                    email=email, apps=apps)
            )
        chosen.append(matches[0])
    return chosen


def run_revoke(args: argparse.Namespace) -> int:
    from ec_console import dashboard
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        profiles = _select_profiles(registry, args.emails, args.application)
        results = dashboard.revoke_profiles(registry, [p.id for p in profiles],
                                            seen={p.id: p.version for p in profiles})
    if args.json:
        print_json(
            [
                {
                    "email": r.profile.email,
                    "application": r.profile.application_name,
                    "status": r.profile.status,
                    "changed": r.changed,
                    "withdrawal_step": r.withdrawal_step,
                }
                for r in results
            ]
        )
        return ExitStatus.OK
    for r in results:
        state = _("revoked") if r.changed else _("was already revoked")
        print(f"{r.profile.email} ({r.profile.application_name}): {state}")
        print("  " + _("To withdraw its access on the platform: {step}").format(
            step=localized(r.withdrawal_step)))
    return ExitStatus.OK


def run_relink(args: argparse.Namespace) -> int:
    from ec_console import dashboard
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        profiles = _select_profiles(registry, args.emails, args.application)
        summary = _run_with_progress(
            N_("Relinking"),
            args.json,
            lambda cancel, progress: dashboard.relink_profiles(
                registry,
                [p.id for p in profiles],
                concurrency=args.concurrency,
                cancel=cancel,
                on_progress=progress,
                region_id=region_id,
                seen={p.id: p.version for p in profiles},
            ),
        )
    _print_results(summary, {}, args.json)
    return _exit(summary, link=True)


def run_check(args: argparse.Namespace) -> int:
    from ec_console import checkall
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    checkall.validate_concurrency(args.concurrency)
    with Registry.for_region(region_id) as registry:
        plan, summary = _run_with_progress(
            N_("Checking"),
            args.json,
            lambda cancel, progress: checkall.check_all(
                registry,
                application_names=args.application,
                concurrency=args.concurrency,
                cancel=cancel,
                on_progress=progress,
                region_id=region_id,
                resume=not args.restart,
            ),
        )
    for why in plan.unusable.values():
        sys.stderr.write(_("ec-console: not checked: {why}").format(why=checkall.shown_reason(why)) + "\n")
    if plan.resumed_from and not args.json:
        done = count(plan.skipped_done, "profile", "profiles")
        print(_("Resumed the run started {started}: {done} already checked").format(started=plan.resumed_from,
                                                                                    done=done))
    if plan.claimed_elsewhere and not args.json:
        from ec_console.registry_claims import skipped_text

        print(skipped_text(plan.claimed_elsewhere))
    extra = {
        "resumed_from": plan.resumed_from,
        "already_checked": plan.skipped_done,
        "not_checked": {str(k): v for k, v in plan.unusable.items()},
        "skipped_by_claim": {
            "profiles": plan.skipped_by_claim,
            "holders": [holder.to_dict() for holder in plan.claimed_elsewhere],
        },
    }
    _print_results(summary, extra, args.json)
    status = _exit(summary)
    return ExitStatus.STEP_FAILED if status == ExitStatus.OK and plan.unusable else status


def run_show(args: argparse.Namespace) -> int:
    from ec_console import dashboard
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        (profile,) = _select_profiles(registry, [args.email], args.application)
        details = dashboard.profile_details(registry, profile.id)
    summary = dashboard.profile_summary(details)
    if args.json:
        print_json(summary)
    else:
        _print_details(summary, details)
    return ExitStatus.OK


def _print_details(summary: dict[str, Any], details: Any) -> None:
    from ec_console.render import provider_name, render_step, safe_text, step_title_width

    def clean(value: Any) -> str:
        return safe_text(str(value), keep_newlines=False)

    result = summary["last_result"] or "-"
    if summary["last_diagnosis"]:
        result += f" ({summary['last_diagnosis']})"
    facts = [
        (_("Name"), summary["display_name"] or "-"),
        (_("Application"), f"{summary['application']} ({provider_name(summary['provider'])})"),
        (_("Status"), summary["status"]),
        (_("First linked"), summary["linked_at"]),
        (_("Last checked"), summary["last_checked_at"] or _("never")),
        (_("Last result"), result),
    ]
    width = max(14, *(len(label) + 2 for label, _value in facts))
    print(clean(summary["email"]))
    for label, value in facts:
        print(f"  {label + ':':<{width}}{clean(value)}")
    diagnosis = summary["diagnosis"]
    if diagnosis is not None:                      # its fix follows with the failed step below
        from ec_console.checks import Diagnosis

        cause = shown_diagnosis(Diagnosis.from_dict(diagnosis)).cause
        print("\n" + _("Last failure ({code}): {cause}").format(code=diagnosis["code"], cause=clean(cause)))
    print("\n" + _("Withdraw its access at the platform: "
                   "{step}").format(step=clean(localized(summary["withdrawal_step"]))))
    report = details.last_report
    if report is not None:
        print("\n" + _("Last check ({started}):").format(started=report.started_at))
        width = step_title_width(report)
        for step in report.steps:
            print(render_step(step, title_width=width))
    else:
        print("\n" + _("Not checked yet."))
    if summary["checks"]:
        print("\n" + _("Checks:"))
        rows = [[c["time"], c["kind"], c["result"] + (f": {c['diagnosis']}" if c["diagnosis"] else "")]
                for c in summary["checks"]]
        print_table(rows, [_("TIME (UTC)"), _("KIND"), _("RESULT")], sys.stdout)
    print("\n" + (_("Audit:") if summary["audit"] else _("No audit entries.")))
    if summary["audit"]:
        rows = [[e["time"], clean(e["action"]), clean(e["user"]), _one_line(clean(e["detail"]))]
                for e in summary["audit"]]
        print_table(rows, [_("TIME (UTC)"), _("ACTION"), _("USER"), _("DETAIL")], sys.stdout)
