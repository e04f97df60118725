"""The dashboard's operations layer (STYLE.md pattern 1): widgets call these, these call the core.

Each function starts one core call of `ec_console.dashboard` / `ec_console.checkall` on a pool of
`ui/tasks.py` and returns an `Operation` handle at once. The work opens *its own* `Registry` on the worker
thread (a sqlite3 connection belongs to one thread; the GUI keeps its own for reads; WAL lets both work)
and closes it when done. Results come back on the GUI thread:

- `on_done(result)` with the core's return value (also after a cancel when the core returns a partial
  summary, as check all and link do);
- `on_error(message)` for the failures an administrator can act on (`ConsoleError`: bad input, revoked
  application, no secret, no keychain, registry problems; an enumeration the platform refused). Anything
  else is a bug: it goes to the one error presenter (logged, exception dialog);
- long runs stream through a `RunFeed`: the worker adds each `JobResult` and the latest core `Progress`;
  the GUI drains it when woken (wake-ups are merged, so the GUI never sees a backlog).

No business logic lives here: what a status means, what is audited and what is written is the core's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject

from ec_console.checkall import DEFAULT_CONCURRENCY, JobResult, Progress
from ec_console.checks import CancelToken, CheckCancelled, Report
from ec_console.diagnoses import surface_text
from ec_console.errors import ConsoleError
from ec_console.providers.base import EnumerationError, ProviderAdapter
from ec_console.registry import Application, ChangedElsewhere, Registry
from ec_console.texts import localized
from ec_console.ui.tasks import Task, TaskContext, run_in_background

RegistryFactory = Callable[[str], Registry]
OnError = Callable[[str], None]


@dataclass(frozen=True)
class Scope:
    """Where an operation works: one region's registry file (opened per worker), the credential store and
    the provider adapters (None: the defaults — the OS keychain, the real providers)."""

    region_id: str
    registry_factory: RegistryFactory = Registry.for_region
    store: Any = None
    adapters: Mapping[str, ProviderAdapter] | None = None

    def open(self) -> Registry:
        """A new connection to the region's registry, for the calling thread only."""
        return self.registry_factory(self.region_id)

    def core_kwargs(self) -> dict[str, Any]:
        return {"region_id": self.region_id, "store": self.store, "adapters": self.adapters}


def expected_message(exc: BaseException) -> str | None:
    """The administrator-facing sentence for an expected failure; None for a bug (shown by the presenter)."""
    if isinstance(exc, ChangedElsewhere):           # the window reads the list again on any such error
        return surface_text(exc.refreshed)
    if isinstance(exc, ConsoleError):
        return surface_text(exc.message)
    if isinstance(exc, EnumerationError):
        if exc.diagnosis is not None:
            return surface_text(f"{localized(exc.detail)} ({exc.diagnosis.code}: {exc.diagnosis.cause})")
        return surface_text(localized(exc.detail))
    return None


class RunFeed:
    """Results and progress of one long run, handed from the worker (writer thread) to the GUI thread.

    `add_result` / `set_progress` are called by the core's callbacks on the worker; `take()` on the GUI
    thread returns the latest progress and every result since the last take.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: list[JobResult] = []
        self._progress: Progress | None = None
        self.total_results = 0

    def add_result(self, result: JobResult) -> None:
        with self._lock:
            self._results.append(result)
            self.total_results += 1

    def set_progress(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress

    def take(self) -> tuple[Progress | None, list[JobResult]]:
        with self._lock:
            results, self._results = self._results, []
            return self._progress, results


class Operation:
    """A started operation: `cancel()` asks the core to stop (a run still reports what it did)."""

    def __init__(self, token: CancelToken) -> None:
        self.token = token
        self.task: Task | None = None
        self.finished = False
        self.error: BaseException | None = None   # what the work raised, for a caller telling kinds apart

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    @property
    def running(self) -> bool:
        return self.task is not None and not self.finished


class _TaskToken(CancelToken):
    """A CancelToken that is also cancelled when the task is (e.g. from a progress dialog's Cancel)."""

    def __init__(self, own: CancelToken, ctx: TaskContext) -> None:
        super().__init__()
        self._own = own
        self._ctx = ctx

    def cancel(self) -> None:
        self._own.cancel()

    @property
    def cancelled(self) -> bool:
        return self._own.cancelled or self._ctx.is_cancelled()

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise CheckCancelled()

    def sleep(self, seconds: float) -> None:
        remaining = max(0.0, seconds)
        while True:
            if self.cancelled:
                raise CheckCancelled()
            if remaining <= 0:
                return
            step = min(remaining, 0.1)
            if self._ctx.wait_cancelled(step):
                raise CheckCancelled()
            remaining -= step


def _start(parent: QObject, work: Callable[[CancelToken, TaskContext], Any], *, pool: str,
           on_done: Callable[[Any], None] | None, on_error: OnError | None,
           on_progress: Callable[[], None] | None = None,
           on_cancelled: Callable[[], None] | None = None, not_done: str = "") -> Operation:
    operation = Operation(CancelToken())

    def run(ctx: TaskContext) -> Any:
        return work(_TaskToken(operation.token, ctx), ctx)

    def done(result: Any) -> None:
        operation.finished = True
        if on_done is not None:
            on_done(result)

    def failed(exc: BaseException) -> None:
        operation.finished = True
        operation.error = exc
        message = expected_message(exc)
        if message is None or on_error is None:
            raise exc
        if not_done and not isinstance(exc, ChangedElsewhere):   # that one says "nothing was done" itself
            message = not_done + message
        on_error(message)

    def cancelled() -> None:
        operation.finished = True
        if on_cancelled is not None:
            on_cancelled()

    operation.task = run_in_background(
        parent, run, on_success=done, on_failure=failed, on_cancelled=cancelled, pool=pool,  # type: ignore[arg-type]
        on_progress=(lambda _update: on_progress()) if on_progress is not None else None)
    return operation


def _feed_callbacks(feed: RunFeed | None, ctx: TaskContext) -> dict[str, Any]:
    """The core's on_progress / on_result, writing into `feed` and waking the GUI (merged)."""
    if feed is None:
        return {}

    def progress(update: Progress) -> None:
        feed.set_progress(update)
        ctx.report(update.done, update.total)

    def result(item: JobResult) -> None:
        feed.add_result(item)
        ctx.report(feed.total_results, 0)

    return {"on_progress": progress, "on_result": result}


# --- profiles -----------------------------------------------------------------------------------------------


def revoke_profiles(parent: QObject, scope: Scope, profile_ids: Sequence[int], *,
                    on_done: Callable[[list[Any]], None] | None = None,
                    on_error: OnError | None = None, seen: dict[int, int] | None = None,
                    not_done: str = "") -> Operation:
    """Record the profiles `revoked` (audited by the core); `on_done(list[RevokeResult])`. `seen`: each
    profile's version as the person saw it (another console's change since is ChangedElsewhere).
    `not_done` starts the message of a failure (e.g. "Not revoked: " before a lost connection's words)."""
    from ec_console import dashboard

    ids = list(profile_ids)

    def work(_token: CancelToken, _ctx: TaskContext) -> list[Any]:
        with scope.open() as registry:
            return dashboard.revoke_profiles(registry, ids, adapters=scope.adapters, seen=seen)

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error, not_done=not_done)


def relink_profiles(parent: QObject, scope: Scope, profile_ids: Sequence[int], *,
                    feed: RunFeed | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                    on_progress: Callable[[], None] | None = None,
                    on_done: Callable[[Any], None] | None = None,
                    on_error: OnError | None = None, seen: dict[int, int] | None = None) -> Operation:
    """Probe the profiles again with their application's current credentials; `on_done(RunSummary)`.
    `seen`: each profile's version as the person saw it (another console's change since refuses it)."""
    from ec_console import dashboard

    ids = list(profile_ids)

    def work(token: CancelToken, ctx: TaskContext) -> Any:
        with scope.open() as registry:
            return dashboard.relink_profiles(registry, ids, concurrency=concurrency, cancel=token, seen=seen,
                                             **_feed_callbacks(feed, ctx), **scope.core_kwargs())

    return _start(parent, work, pool="bulk", on_done=on_done, on_error=on_error, on_progress=on_progress)


def link_profiles(parent: QObject, scope: Scope, application_id: int, emails: Sequence[str], *,
                  names: Mapping[str, str] | None = None, feed: RunFeed | None = None,
                  concurrency: int = DEFAULT_CONCURRENCY, on_progress: Callable[[], None] | None = None,
                  on_done: Callable[[Any], None] | None = None, on_error: OnError | None = None) -> Operation:
    """Probe each account and record it `linked` or `needs_relink`; `on_done(LinkSummary)`."""
    from ec_console import dashboard

    wanted = list(emails)
    known = dict(names or {})

    def work(token: CancelToken, ctx: TaskContext) -> Any:
        with scope.open() as registry:
            app = registry.get_application(application_id)
            return dashboard.link_profiles(registry, app, wanted, names=known, concurrency=concurrency,
                                           cancel=token, **_feed_callbacks(feed, ctx), **scope.core_kwargs())

    return _start(parent, work, pool="bulk", on_done=on_done, on_error=on_error, on_progress=on_progress)


def discover_accounts(parent: QObject, scope: Scope, application_id: int, *,
                      on_done: Callable[[Any], None] | None = None, on_error: OnError | None = None,
                      on_cancelled: Callable[[], None] | None = None) -> Operation:
    """The accounts in the application's scope (the provider's enumeration); `on_done(Enumeration)`."""
    from ec_console import dashboard

    def work(token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            app = registry.get_application(application_id)
            result = dashboard.discover_accounts(registry, app, cancel=token, **scope.core_kwargs())
        if token.cancelled:
            raise CheckCancelled()
        return result

    return _start(parent, _cancellable(work), pool="interactive", on_done=on_done, on_error=on_error,
                  on_cancelled=on_cancelled)


Work = Callable[[CancelToken, TaskContext], Any]


def _cancellable(work: Work) -> Work:
    """Work whose cancel (CheckCancelled) is reported as the task's cancellation, not as a failure."""
    from ec_console.ui.tasks import TaskCancelled

    def run(token: CancelToken, ctx: TaskContext) -> Any:
        try:
            return work(token, ctx)
        except CheckCancelled:
            raise TaskCancelled() from None

    return run


def parse_account_list(parent: QObject, text: str, *, on_done: Callable[[Any], None]) -> Operation:
    """A pasted list or a Get-Mailbox CSV → `MailboxList`; its problems carry line numbers."""

    def work(_token: CancelToken, _ctx: TaskContext) -> Any:
        from ec_console.providers.exchange.check import parse_mailbox_list

        return parse_mailbox_list(text)

    return _start(parent, work, pool="interactive", on_done=on_done, on_error=None)


def read_text_file(parent: QObject, path: str, *, on_done: Callable[[str], None],
                   on_error: OnError) -> Operation:
    """The text of a CSV / list file (UTF-8, BOM allowed), read off the GUI thread."""
    from ec_console.errors import BadInput

    limit = 50 * 1024 * 1024
    # The refusals in the window's language, translated here on the GUI thread.
    translate = QCoreApplication.translate
    unreadable = translate("Operations", "%(path)s cannot be read: %(error)s")
    too_large = translate("Operations", "%s is larger than 50 MB; split it into smaller lists")
    not_text = translate("Operations", "%s is not a text file (UTF-8 or UTF-16 expected)")

    def work(_token: CancelToken, _ctx: TaskContext) -> str:
        try:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise BadInput(unreadable % {"path": path, "error": exc.strerror or exc}) from None
        if len(data) > limit:
            raise BadInput(too_large % path)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError:
                raise BadInput(not_text % path) from None

    return _start(parent, work, pool="interactive", on_done=on_done, on_error=on_error)


# --- check all ----------------------------------------------------------------------------------------------


def check_all(parent: QObject, scope: Scope, *, concurrency: int = DEFAULT_CONCURRENCY,
              feed: RunFeed | None = None, on_progress: Callable[[], None] | None = None,
              on_done: Callable[[Any], None] | None = None, on_error: OnError | None = None) -> Operation:
    """Re-probe the region's linked profiles; `on_done((CheckAllPlan, RunSummary))`, also after a cancel."""
    from ec_console import checkall

    def work(token: CancelToken, ctx: TaskContext) -> Any:
        with scope.open() as registry:
            return checkall.check_all(registry, concurrency=concurrency, cancel=token,
                                      **_feed_callbacks(feed, ctx), **scope.core_kwargs())

    return _start(parent, work, pool="bulk", on_done=on_done, on_error=on_error, on_progress=on_progress)


# --- revoke an application ----------------------------------------------------------------------------------


def withdrawal_steps(registry: Registry, application: Application, scope: Scope) -> list[str]:
    """Step 1 of revoking an application: the platform steps, filled in (registry read + text: GUI thread)."""
    from ec_console.dashboard import ApplicationRevocation

    return ApplicationRevocation(registry, application, **scope.core_kwargs()).withdrawal_steps()


def verify_withdrawal(parent: QObject, scope: Scope, application: Application, mailbox: str | None = None, *,
                      on_done: Callable[[Report], None], on_error: OnError,
                      on_cancelled: Callable[[], None] | None = None) -> Operation:
    """Step 2: probe an account with the stored secret, expecting a denial; `on_done(Report)`."""
    from ec_console.dashboard import ApplicationRevocation

    def work(token: CancelToken, _ctx: TaskContext) -> Report:
        with scope.open() as registry:
            revocation = ApplicationRevocation(registry, application, **scope.core_kwargs())
            report = revocation.verify_withdrawal(mailbox or None, cancel=token)
        if token.cancelled:
            raise CheckCancelled()
        return report

    return _start(parent, _cancellable(work), pool="interactive", on_done=on_done, on_error=on_error,
                  on_cancelled=on_cancelled)


def complete_revocation(parent: QObject, scope: Scope, application: Application, *,
                        verification: Report | None, skipped: bool = False,
                        on_done: Callable[[Application], None], on_error: OnError) -> Operation:
    """Step 3: delete the secret, mark the application and its profiles revoked, audit. Refused by the core
    (nothing changed) unless `verification` proved the withdrawal or the administrator `skipped` step 2;
    the audit names which, with what a verification that did not prove it found."""
    from ec_console.dashboard import ApplicationRevocation

    def work(_token: CancelToken, _ctx: TaskContext) -> Application:
        with scope.open() as registry:
            revocation = ApplicationRevocation(registry, application, **scope.core_kwargs())
            revocation.verification = verification
            if skipped:
                revocation.skip_verification()
            return revocation.complete()

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error)


# --- editing an application --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedSecret:
    """A new secret and its check (`application_edit.SecretRotation.check`): kept by the edit dialog only
    until the secret replaces the old one, so what is stored is exactly what was checked."""

    report: Report
    secret: str

    def __repr__(self) -> str:              # never the secret, not even in a log line
        return f"CheckedSecret(result={self.report.result.value})"


def rename_application(parent: QObject, scope: Scope, application: Application, new_name: str, *,
                       on_done: Callable[[Application], None], on_error: OnError) -> Operation:
    """Rename the application (its keychain secret moves with it), audited."""
    from ec_console import application_edit

    def work(_token: CancelToken, _ctx: TaskContext) -> Application:
        with scope.open() as registry:
            return application_edit.rename_application(registry, application, new_name,
                                                       **scope.core_kwargs())

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error)


def set_scope_group(parent: QObject, scope: Scope, application: Application, group: str, *,
                    on_done: Callable[[Application], None], on_error: OnError) -> Operation:
    """Record the group the application is scoped to, audited."""
    from ec_console import application_edit

    def work(_token: CancelToken, _ctx: TaskContext) -> Application:
        with scope.open() as registry:
            return application_edit.set_scope_group(registry, application, group)

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error)


def check_new_secret(parent: QObject, scope: Scope, application: Application, *, secret: str | None = None,
                     key_file: str | None = None, on_done: Callable[[CheckedSecret], None], on_error: OnError,
                     on_cancelled: Callable[[], None] | None = None) -> Operation:
    """The setup check with a new secret (typed, or a Google key file read here, off the GUI thread)."""
    from ec_console import application_edit

    def work(token: CancelToken, _ctx: TaskContext) -> CheckedSecret:
        value = secret if key_file is None else application_edit.read_key_file(key_file)
        with scope.open() as registry:
            rotation = application_edit.SecretRotation(registry, application, value or "",
                                                       **scope.core_kwargs())
            report = rotation.check(cancel=token)
        if token.cancelled or report.cancelled:
            raise CheckCancelled()
        return CheckedSecret(report, value or "")

    return _start(parent, _cancellable(work), pool="interactive", on_done=on_done, on_error=on_error,
                  on_cancelled=on_cancelled)


def replace_secret(parent: QObject, scope: Scope, application: Application, checked: CheckedSecret, *,
                   accept_warning: bool, on_done: Callable[[Application], None],
                   on_error: OnError) -> Operation:
    """Replace the keychain secret with the checked one (refused by the core unless the check passed, or
    warned and the administrator accepted it), audited."""
    from ec_console import application_edit

    def work(_token: CancelToken, _ctx: TaskContext) -> Application:
        with scope.open() as registry:
            rotation = application_edit.SecretRotation(registry, application, checked.secret,
                                                       **scope.core_kwargs())
            rotation.report = checked.report
            return rotation.replace(accept_warning=accept_warning)

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error)


def check_imported_credential(parent: QObject, scope: Scope, application: Application, *,
                              secret: str | None = None, key_file: str | None = None,
                              certificate: str | None = None, passphrase: str | None = None,
                              on_done: Callable[[CheckedSecret], None], on_error: OnError,
                              on_cancelled: Callable[[], None] | None = None) -> Operation:
    """The setup check with a credential for this desktop's keychain (typed, a Google key file or a Graph
    certificate file, read here, off the GUI thread): `application_edit.CredentialImport.check`."""
    from ec_console import application_edit

    def work(token: CancelToken, _ctx: TaskContext) -> CheckedSecret:
        if key_file is not None:
            value = application_edit.read_key_file(key_file)
        elif certificate is not None:
            value = application_edit.read_certificate_file(certificate, passphrase)
        else:
            value = secret or ""
        with scope.open() as registry:
            credential = application_edit.CredentialImport(registry, application, value,
                                                           **scope.core_kwargs())
            report = credential.check(cancel=token)
        if token.cancelled or report.cancelled:
            raise CheckCancelled()
        return CheckedSecret(report, value)

    return _start(parent, _cancellable(work), pool="interactive", on_done=on_done, on_error=on_error,
                  on_cancelled=on_cancelled)


def store_imported_credential(parent: QObject, scope: Scope, application: Application, checked: CheckedSecret,
                              *, accept_warning: bool, on_done: Callable[[Application], None],
                              on_error: OnError) -> Operation:
    """Store the checked credential in this desktop's keychain (refused by the core unless the check passed,
    or warned and the person accepted it), audited; the application itself is not changed."""
    from ec_console import application_edit

    def work(_token: CancelToken, _ctx: TaskContext) -> Application:
        with scope.open() as registry:
            credential = application_edit.CredentialImport(registry, application, checked.secret,
                                                           **scope.core_kwargs())
            credential.report = checked.report
            credential.store_credential(accept_warning=accept_warning)
            return credential.application

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error)


def recheck_application(parent: QObject, scope: Scope, application: Application, *,
                        on_done: Callable[[Report], None], on_error: OnError,
                        on_cancelled: Callable[[], None] | None = None) -> Operation:
    """The application's setup check again with its stored secret (stored, health set, audited)."""
    from ec_console import application_edit

    def work(token: CancelToken, _ctx: TaskContext) -> Report:
        with scope.open() as registry:
            report = application_edit.recheck_application(registry, application, cancel=token,
                                                          **scope.core_kwargs())
        if token.cancelled or report.cancelled:
            raise CheckCancelled()
        return report

    return _start(parent, _cancellable(work), pool="interactive", on_done=on_done, on_error=on_error,
                  on_cancelled=on_cancelled)


def remove_application(parent: QObject, scope: Scope, application: Application, export: str, *,
                       on_done: Callable[[Any], None], on_error: OnError) -> Operation:
    """Export a revoked application's history to `export`, then delete it; `on_done(Removal)`."""
    from ec_console import application_edit

    def work(_token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            return application_edit.remove_application(registry, application, export,
                                                       region_id=scope.region_id)

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error)


# --- reads that may be slow ---------------------------------------------------------------------------------


def probe_busy_blocks(parent: QObject, scope: Scope, profile_id: int, *,
                      on_done: Callable[[Any], None], on_error: OnError) -> Operation:
    """Probe one profile's calendar now, read-only, *without* changing its status or the registry: the busy
    blocks of the next 7 days for the detail pane (`on_done(ProbeOutcome)`)."""
    from ec_console.dashboard import application_secret
    from ec_console.errors import BadInput
    from ec_console.providers.base import adapter_for

    translate = QCoreApplication.translate      # the refusals in the window's language (on the GUI thread)
    profile_revoked = translate("Operations", "%s is revoked: the console no longer reads its calendar; "
                                              "relink it first")
    application_revoked = translate("Operations", "The application %s is revoked: its calendars can no "
                                                  "longer be read")

    def work(token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            profile = registry.get_profile(profile_id)
            app = registry.get_application(profile.application_id)
        if profile.status == "revoked":
            raise BadInput(profile_revoked % profile.email)
        if app.status != "active":
            raise BadInput(application_revoked % repr(app.name))
        adapter = adapter_for(app.provider, scope.adapters)
        secret = application_secret(app, adapter, region_id=scope.region_id, store=scope.store)
        if secret is None:
            from ec_console.dashboard import CredentialMissing, no_secret_message

            raise CredentialMissing(no_secret_message(app.name), app)
        return adapter.probe(app, secret, profile.email, token)

    return _start(parent, work, pool="interactive", on_done=on_done, on_error=on_error)


def load_profile_details(parent: QObject, scope: Scope, profile_id: int, *,
                         on_done: Callable[[Any], None], on_error: OnError) -> Operation:
    """`dashboard.profile_details` (registry reads of check history and audit), off the GUI thread."""
    from ec_console import dashboard

    def work(_token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            return dashboard.profile_details(registry, profile_id, adapters=scope.adapters)

    return _start(parent, work, pool="interactive", on_done=on_done, on_error=on_error)


def known_profiles(parent: QObject, scope: Scope, application_id: int, emails: Sequence[str], *,
                   on_done: Callable[[dict[str, str]], None]) -> Operation:
    """The status of each address already linked through the application (lower-cased address → status)."""
    wanted = list(emails)

    def work(_token: CancelToken, _ctx: TaskContext) -> dict[str, str]:
        found: dict[str, str] = {}
        with scope.open() as registry:
            for email in wanted:
                profile = registry.find_profile(application_id, email)
                if profile is not None:
                    found[email.lower()] = profile.status
        return found

    return _start(parent, work, pool="interactive", on_done=on_done, on_error=None)


def run_read(parent: QObject, fn: Callable[[], Any], *, on_done: Callable[[Any], None], on_error: OnError,
             pool: str = "interactive") -> Operation:
    """Any other blocking read the GUI needs (`fn` opens its own registry), with the same error rules."""
    return _start(parent, lambda _token, _ctx: fn(), pool=pool, on_done=on_done, on_error=on_error)


# --- reconcile (docs/reconcile.md) -------------------------------------------------------------------------


def reconcile(parent: QObject, scope: Scope, application_id: int, *, sample: int, scope_group: str | None,
              on_done: Callable[[Any], None], on_error: OnError,
              on_cancelled: Callable[[], None] | None = None) -> Operation:
    """Reconcile the application and store the result; `on_done(Reconciliation)`. A cancelled run stores
    nothing and ends in `on_cancelled`."""
    from ec_console import reconcile as core
    from ec_console.ui.tasks import TaskCancelled

    def work(token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            try:
                return core.reconcile(registry, registry.get_application(application_id), sample=sample,
                                      scope_group=scope_group or None, cancel=token, **scope.core_kwargs())
            except CheckCancelled:
                raise TaskCancelled() from None

    return _start(parent, work, pool="bulk", on_done=on_done, on_error=on_error, on_cancelled=on_cancelled)


def apply_joiners(parent: QObject, scope: Scope, rec: Any, *, on_done: Callable[[list[JobResult]], None],
                  on_error: OnError) -> Operation:
    """Link `rec`'s joiners through the core (audited under the reconciliation); `on_done(results)`."""
    from ec_console import reconcile as core

    def work(token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            return core.apply_joiners(registry, rec, cancel=token, **scope.core_kwargs())

    return _start(parent, work, pool="bulk", on_done=on_done, on_error=on_error)


def apply_relink(parent: QObject, scope: Scope, rec: Any, profile_ids: Sequence[int], *,
                 on_done: Callable[[list[JobResult]], None], on_error: OnError) -> Operation:
    """Relink broken profiles of `rec` through the core (audited under the reconciliation);
    `on_done(results)`."""
    from ec_console import reconcile as core

    ids = list(profile_ids)

    def work(token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            return core.apply_relink(registry, rec, ids, cancel=token, **scope.core_kwargs())

    return _start(parent, work, pool="bulk", on_done=on_done, on_error=on_error)


def apply_leavers(parent: QObject, scope: Scope, rec: Any, confirmation: str, *,
                  on_done: Callable[[list[Any]], None], on_error: OnError) -> Operation:
    """Revoke `rec`'s leavers through the core, which refuses unless `confirmation` is the application's
    name (audited under the reconciliation); `on_done(list[RevokeResult])`."""
    from ec_console import reconcile as core

    def work(_token: CancelToken, _ctx: TaskContext) -> Any:
        with scope.open() as registry:
            return core.apply_leavers(registry, rec, confirmation, adapters=scope.adapters)

    return _start(parent, work, pool="writer", on_done=on_done, on_error=on_error)


__all__ = [
    "CheckedSecret", "Operation", "RunFeed", "Scope", "check_all", "check_new_secret", "complete_revocation",
    "discover_accounts",
    "expected_message", "known_profiles", "link_profiles", "load_profile_details", "parse_account_list",
    "probe_busy_blocks", "read_text_file", "recheck_application", "relink_profiles", "remove_application",
    "rename_application", "replace_secret", "revoke_profiles", "run_read", "set_scope_group",
    "verify_withdrawal", "withdrawal_steps",
]
__all__ += ["apply_joiners", "apply_leavers", "apply_relink", "reconcile"]
