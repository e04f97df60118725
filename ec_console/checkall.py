"""Check all: re-probe linked profiles with bounded concurrency per application, writing as results come.

The engine (`run_probes`) is shared by check all, link and relink:

- **Per-application lanes.** Each application gets its own queue and at most `concurrency` worker threads
  (default 4: Exchange's EWSMaxConcurrency of 27 per service account is shared with the production
  application; never above 20). Applications run side by side.
- **Back-off.** A throttled answer pauses *that application's* workers: for the server's own wait
  (ErrorServerBusy's BackOffMilliseconds, Retry-After) or, when it names none (Google rate limits,
  ErrorExceededConnectionCount), an exponential wait with jitter, bounded (`BackOffPolicy`). Waits use
  `CancelToken.sleep`, so a cancel is immediate. The throttled account is retried a bounded number of times,
  then recorded as a failed check — its status never changes. Each pause is reported at once as a
  progress event (`Progress.pauses`, with the platform's own words: "Paused 30 s: Exchange is throttling
  this service account"), and the time left includes the wait.
- **One writer.** Workers only probe; the thread that calls `run_probes` owns the `Registry` and writes the
  results as soon as they arrive: each result is its own unit (profile update + check + audit when the
  status changes, a savepoint), and the results already waiting when the writer takes one (at most
  `WRITE_BATCH`) are committed together in one transaction, in the order they arrived. The writer never
  waits for more results to fill a batch: one result alone is committed at once. Results reach `on_result`
  only after their transaction committed, so what a user was shown is what the registry holds; a crash or
  kill loses at most the batch being written, none of which was shown, and the next run re-probes it
  (resume). Workers never touch SQLite. GUI and CLI may run engines on one file at once (WAL, busy timeout).
- **Application failures** (bad secret, locked account, EWS blocked for the organisation, OAuth / key
  problems, endpoint unreachable) mark the application's health once and stop its lane: its remaining
  profiles are not probed (a wrong password is not retried 10,000 times into an account lockout).
- **Progress** (done / total, counts per action, time left, pauses) is merged to at most
  `progress_interval` updates a second (a new pause is reported at once); results stream to `on_result`
  after they are written. Both run on the writer thread. Time left = the work time so far per account
  done (time spent paused left out) times the accounts left, plus the longest pause still under way.
- **A write that fails** because the registry cannot be written (the connection to a shared registry
  lost, the file locked or unreadable) is tried once more, after `registry.reconnect()` when the registry
  has one; if it fails again the run stops and its summary says so (`RunSummary.write_error`, with
  `not_written`: results probed but not saved, which the next run checks again). Any other error (a bug)
  propagates as before.
- **Cancel**: workers stop taking work at once; in-flight probes are cancelled between their steps, and
  any that do not return within `cancel_grace` seconds are abandoned (their results are dropped, nothing is
  half-written).
- **Resume** (`check_all`): a run that did not finish (crash, kill, Ctrl+C) is resumed by the next one:
  profiles it already checked are skipped (the audit trail records each run's start and end).
- **Claims** (`check_all`, `registry_claims.py`): a run claims the profiles it is about to probe; those
  another live run holds (another desktop's check all) are left out and counted in the plan
  (`CheckAllPlan.claimed_elsewhere`). The writer renews the lease between writes; the claims are released
  at the end, on cancel and on error.

Qt-free; `run_probes` and `check_all` block the calling thread (the GUI calls them from a worker).
"""

from __future__ import annotations

import json
import logging
import math
import queue
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from ec_console.checks import CancelToken, CheckCancelled, Report, utc_now_iso
from ec_console.errors import BadInput
from ec_console.i18n import N_, _
from ec_console.providers.base import ApplicationLike, ProbeKind, ProbeOutcome, ProviderAdapter, adapter_for
from ec_console.registry import Registry, parse_utc, utc_now, utc_text

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 20
RESUME_WINDOW = timedelta(hours=24)
WRITE_BATCH = 64   # results committed in one transaction at most (those already waiting; never waited for)
_AUDIT_STARTED = "check_all_started"
_AUDIT_FINISHED = "check_all_finished"
_AUDIT_CANCELLED = "check_all_cancelled"


def validate_concurrency(value: int) -> int:
    """`value` if it is a usable per-application bound (1..20), else BadInput saying why."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(_("concurrency must be a whole number, not {value}").format(value=repr(value)))
    if value < 1:
        raise BadInput(_("concurrency must be at least 1, not {value}").format(value=value))
    if value > MAX_CONCURRENCY:
        raise BadInput(_("concurrency {value} is above the limit of {limit} probes at once per "
                         "application: Exchange allows 27 concurrent EWS connections per service account "
                         "(EWSMaxConcurrency), shared with the production application").format(
                             value=value, limit=MAX_CONCURRENCY))
    return value


# --- jobs, results, progress -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeJob:
    """One account to probe through one application (`profile_id` None: not linked yet)."""

    application_id: int
    email: str
    profile_id: int | None = None
    display_name: str = ""


# What happened to a job: the profile's new state, or why nothing changed. `not_linked` and `try_again`
# are link attempts that failed: no profile is recorded (`try_again`: the failure was transient — throttled,
# timed out, server busy — and running the same link again finishes the job).
ACTIONS = ("linked", "needs_relink", "unchanged", "skipped", "not_linked", "try_again")


@dataclass(frozen=True)
class JobResult:
    job: ProbeJob
    action: str                       # one of ACTIONS
    status: str | None                # the profile's status afterwards (None: no profile)
    profile_id: int | None
    message: str = ""
    outcome: ProbeOutcome | None = None
    # The profile's status before this job (None: no profile before it, or not known): with `status`, what
    # the job changed in the counts, so a window can update them from the results without counting again.
    previous_status: str | None = None

    @property
    def email(self) -> str:
        return self.job.email

    @property
    def code(self) -> str | None:
        return self.outcome.code if self.outcome else None

    @property
    def shown_message(self) -> str:
        """`message` as a person reads it, in the current language (`message`, in --json, stays English):
        the console's own words translated from their templates, a diagnosis' cause from its catalog entry,
        a provider's detail from its step template (`texts.localized`)."""
        diagnosis = self.outcome.diagnosis if self.outcome else None
        if diagnosis is not None and self.message == f"{diagnosis.code}: {diagnosis.cause}":
            from ec_console.diagnoses import localize

            return f"{diagnosis.code}: {localize(diagnosis).cause}"
        from ec_console.dashboard import RESULT_MESSAGES
        from ec_console.shown_text import shown

        text = shown(self.message, (_NOT_PROBED, *RESULT_MESSAGES))
        if text == self.message:  # not the console's own words: a provider's detail, from its step template
            from ec_console.texts import localized

            return localized(self.message)
        return text

    @property
    def try_again(self) -> bool:
        """A link attempt that failed for a transient reason: running the same link later finishes it."""
        return self.action == "try_again"

    def to_dict(self) -> dict[str, Any]:
        diagnosis = self.outcome.diagnosis if self.outcome else None
        return {"email": self.job.email, "profile_id": self.profile_id, "action": self.action,
                "status": self.status, "result": self.outcome.result if self.outcome else None,
                "diagnosis": self.code, "message": self.message, "try_again": self.try_again,
                "cause": diagnosis.cause if diagnosis else None,
                "fix": diagnosis.remediation if diagnosis else None}


# The platform's own words for "it asked us to wait", by provider.
_PAUSE_WORDS = {
    "exchange": N_("Exchange is throttling this service account"),
    "google": N_("Google is limiting the rate of this service account's requests"),
}
_PAUSE_OTHER = N_("the platform is throttling this service account")
# A job's message (`JobResult.message`, in --json) and why an application was not checked
# (`CheckAllPlan.unusable`, --json's `not_checked`) are kept in English; shown through `shown_text`.
_NOT_PROBED = N_("not probed: the application failed ({code})")
_REVOKED = N_("{application} is revoked")
_NO_SECRET = N_("no secret for {application} in the keychain; {advice}")


@dataclass(frozen=True)
class Pause:
    """One application's workers waiting because the platform asked (a throttled answer)."""

    application_id: int
    application_name: str
    provider: str
    seconds: float                     # the whole wait
    left: float                        # what is left of it now
    server_asked: bool                 # the server named the wait (Retry-After, BackOffMilliseconds)

    @property
    def message(self) -> str:
        """"Paused 30 s: Exchange is throttling this service account", in the current language."""
        why = _(_PAUSE_WORDS.get(self.provider, _PAUSE_OTHER))
        return _("Paused {seconds} s: {why}").format(seconds=_whole_seconds(self.left), why=why)


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds - 1e-9))


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    counts: Mapping[str, int]          # per action (ACTIONS), zero included
    elapsed: float                     # seconds since the run started
    eta: float | None                  # estimated seconds left, waits included (None until something is done)
    retries: int = 0                   # throttled answers retried after a back-off
    pauses: tuple[Pause, ...] = ()     # applications waiting now because the platform asked

    @property
    def paused(self) -> Pause | None:
        """The longest wait under way (None when nothing is paused)."""
        return max(self.pauses, key=lambda p: p.left) if self.pauses else None


@dataclass
class RunSummary:
    results: list[JobResult]
    total: int
    cancelled: bool = False
    application_failures: dict[int, ProbeOutcome] = field(default_factory=dict)
    retries: int = 0
    elapsed: float = 0.0
    not_done: int = 0                  # jobs neither written nor skipped (cancelled before they ran)
    write_error: str = ""              # why results could not be saved (the run stopped there); "" if none
    not_written: int = 0               # results probed but not saved because of `write_error`

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        counts.update(Counter(r.action for r in self.results))
        return counts

    @property
    def failed(self) -> bool:
        """True when any job did not end with a passing check."""
        return bool(self.application_failures) or bool(self.write_error) or any(
            r.outcome is None or not r.outcome.ok for r in self.results)


# --- back-off ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackOffPolicy:
    """Waits after throttled answers: the server's own wait when it names one (capped at `max_wait`), else
    `base * 2**streak` with full jitter between half and all of it, capped at `cap`; at most `max_retries`
    retries of one account."""

    base: float = 1.0
    cap: float = 60.0
    max_wait: float = 300.0
    max_retries: int = 3

    def delay(self, server_wait: float | None, streak: int, rng: random.Random) -> float:
        if server_wait is not None and server_wait > 0:
            return min(server_wait, self.max_wait)
        ceiling = min(self.cap, self.base * (2 ** min(streak, 30)))
        return ceiling * (0.5 + rng.random() / 2)


@dataclass(frozen=True)
class AppContext:
    application: ApplicationLike
    adapter: ProviderAdapter
    secret: str


class Recorder:
    """Writes probe outcomes (on the writer thread). Implemented by the dashboard's operations.

    `writes`: whether `record` writes to the registry. The writer commits the results waiting together in one
    transaction for a recorder that writes; one that writes nothing (reconcile's) takes no write lock."""

    writes = True

    def record(self, registry: Registry, job: ProbeJob, outcome: ProbeOutcome) -> JobResult:
        raise NotImplementedError

    def application_failed(self, registry: Registry, application_id: int, outcome: ProbeOutcome) -> None:
        """Mark the application's health (once per run)."""

    def application_ok(self, registry: Registry, application_id: int) -> None:
        """The application answered for an account (once per run): clear a health mark."""


# --- the engine --------------------------------------------------------------------------------------------


class _Lane:
    """One application's queue and back-off state, shared by its workers."""

    def __init__(self, application_id: int, ctx: AppContext, jobs: Iterable[ProbeJob]) -> None:
        self.application_id = application_id
        self.ctx = ctx
        self.queue: deque[tuple[ProbeJob, int]] = deque((job, 0) for job in jobs)
        self.lock = threading.Lock()
        self.resume_at = 0.0
        self.pause_seconds = 0.0
        self.pause_asked = False
        self.pauses: list[tuple[float, float]] = []   # (start, end) of every wait, on the engine's clock
        self.streak = 0
        self.stopped = False
        self.in_flight = 0
        self.max_in_flight = 0


class _Engine:
    def __init__(self, lanes: list[_Lane], *, concurrency: int, cancel: CancelToken, policy: BackOffPolicy,
                 timeout: float | None, clock: Callable[[], float], rng: random.Random) -> None:
        self.lanes = lanes
        self.concurrency = concurrency
        self.cancel = cancel
        self.policy = policy
        self.timeout = timeout
        self.clock = clock
        self.rng = rng
        self.results: queue.Queue[tuple[str, ProbeJob, ProbeOutcome | None]] = queue.Queue()
        self.threads: list[threading.Thread] = []
        self._retries = 0
        self._retry_lock = threading.Lock()

    @property
    def retries(self) -> int:
        with self._retry_lock:
            return self._retries

    def start(self) -> None:
        for lane in self.lanes:
            for n in range(min(self.concurrency, len(lane.queue))):
                thread = threading.Thread(target=self._work, args=(lane,), daemon=True,
                                          name=f"ec-probe-{lane.application_id}-{n}")
                self.threads.append(thread)
                thread.start()

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self, deadline: float) -> None:
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _take(self, lane: _Lane) -> tuple[ProbeJob, int] | None:
        while True:
            with lane.lock:
                if lane.stopped or self.cancel.cancelled or not lane.queue:
                    return None
                wait = lane.resume_at - self.clock()
                if wait <= 0:
                    item = lane.queue.popleft()
                    lane.in_flight += 1
                    lane.max_in_flight = max(lane.max_in_flight, lane.in_flight)
                    return item
            self.cancel.sleep(wait)   # raises CheckCancelled at once on cancel

    def _work(self, lane: _Lane) -> None:
        try:
            while True:
                item = self._take(lane)
                if item is None:
                    return
                job, attempt = item
                try:
                    outcome = self._probe(lane, job)
                finally:
                    with lane.lock:
                        lane.in_flight -= 1
                self._settle(lane, job, attempt, outcome)
        except CheckCancelled:
            return

    def _probe(self, lane: _Lane, job: ProbeJob) -> ProbeOutcome:
        ctx = lane.ctx
        try:
            return ctx.adapter.probe(ctx.application, ctx.secret, job.email, self.cancel, self.timeout)
        except CheckCancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - a provider bug must not stop the run; logged, recorded
            log.exception("probing %s failed unexpectedly", job.email)
            return _unexpected(job.email, exc)

    def _settle(self, lane: _Lane, job: ProbeJob, attempt: int, outcome: ProbeOutcome) -> None:
        if outcome.kind is ProbeKind.CANCELLED:
            return  # nothing known: not written
        if self.cancel.cancelled and outcome.kind in (ProbeKind.TRANSIENT, ProbeKind.APPLICATION):
            return  # a failure while cancelling may be the cancel itself (an aborted request): not written
        if outcome.code == "throttled" and attempt < self.policy.max_retries:
            with lane.lock:
                delay = self.policy.delay(outcome.back_off, lane.streak, self.rng)
                lane.streak += 1
                now = self.clock()
                if now + delay > lane.resume_at:
                    lane.resume_at = now + delay
                    lane.pause_seconds = delay
                    lane.pause_asked = bool(outcome.back_off and outcome.back_off > 0)
                    lane.pauses.append((now, now + delay))
                lane.queue.append((job, attempt + 1))
            with self._retry_lock:
                self._retries += 1
            log.info("%s throttled; application %s pauses %.1f s", job.email, lane.application_id, delay)
            self.results.put(("pause", job, None))   # reported at once, not merged away
            return
        with lane.lock:
            if outcome.code != "throttled":
                lane.streak = 0
            if outcome.kind is ProbeKind.APPLICATION:
                lane.stopped = True
        self.results.put(("done", job, outcome))


WRITE_RETRY_WAIT_S = 1.0


def is_write_failure(exc: BaseException) -> bool:
    """Whether `exc` says the registry could not be written (locked, unreadable, its connection lost), as
    opposed to a bug."""
    import sqlite3

    from ec_console.registry import RegistryError

    if isinstance(exc, (RegistryError, sqlite3.OperationalError, sqlite3.DatabaseError)):
        return not isinstance(exc, sqlite3.IntegrityError)
    return any(cls.__module__.split(".")[0] in ("psycopg", "ec_console") and cls.__name__ in (
        "OperationalError", "InterfaceError", "PgRegistryError") for cls in type(exc).__mro__)


def _plain_write_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return text or type(exc).__name__


def _unexpected(email: str, exc: Exception) -> ProbeOutcome:
    from ec_console.diagnoses import diagnose

    text = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    diagnosis = diagnose("unexpected_error", error=text)
    at = utc_now_iso()
    return ProbeOutcome(email, ProbeKind.TRANSIENT, at, Report("unknown", email, at), diagnosis,
                        diagnosis.cause)


def run_probes(registry: Registry, jobs: Sequence[ProbeJob], apps: Mapping[int, AppContext],
               recorder: Recorder, *, concurrency: int = DEFAULT_CONCURRENCY,
               cancel: CancelToken | None = None,
               on_progress: Callable[[Progress], None] | None = None,
               on_result: Callable[[JobResult], None] | None = None, policy: BackOffPolicy | None = None,
               timeout: float | None = None, progress_interval: float = 0.1, cancel_grace: float = 2.0,
               clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
               stats: dict[str, Any] | None = None, on_tick: Callable[[], None] | None = None) -> RunSummary:
    """Probe `jobs` (each through `apps[job.application_id]`), writing each outcome through `recorder` on
    this thread as it arrives. Returns when every job is done, or promptly after `cancel`.

    `stats`, when given, receives `max_in_flight` per application id (for tests and benchmarks).
    `on_tick`, when given, is called on this thread between writes, at least every 50 ms (check all renews
    its claims' lease there).
    """
    validate_concurrency(concurrency)
    cancel = cancel or CancelToken()
    by_app: dict[int, list[ProbeJob]] = {}
    for job in jobs:
        if job.application_id not in apps:
            raise ValueError(f"no application context for application {job.application_id}")
        by_app.setdefault(job.application_id, []).append(job)
    lanes = [_Lane(app_id, apps[app_id], app_jobs) for app_id, app_jobs in by_app.items()]
    sessions = _open_probe_sessions(lanes, concurrency=concurrency, timeout=timeout)
    engine = _Engine(lanes, concurrency=concurrency, cancel=cancel, policy=policy or BackOffPolicy(),
                     timeout=timeout, clock=clock, rng=rng or random.Random())
    writer = _Writer(registry, recorder, len(jobs), on_progress, on_result, progress_interval, lanes, clock)
    writer.on_tick = on_tick
    engine.start()
    try:
        writer.drain(engine, cancel, cancel_grace)
    finally:
        if engine.alive():
            cancel.cancel()   # the writer is leaving (error or cancel): workers must not start more work
        engine.join(time.monotonic() + cancel_grace)
        for _, session in sessions:
            session.close()
        _store_findings(registry, sessions)
    summary = writer.summary(lanes, cancelled=cancel.cancelled and writer.done < len(jobs)
                             and not writer.write_error)
    summary.retries = engine.retries
    if stats is not None:
        stats["max_in_flight"] = {lane.application_id: lane.max_in_flight for lane in lanes}
    return summary


def _store_findings(registry: Registry, sessions: Sequence[tuple[int, Any]]) -> None:
    """What each run's probe session found out (an Exchange application's sign-in method and server build,
    when its setup leaves the method to the server) into the application's settings: the next run's
    quick-open hint. A hint the session checks itself, not a choice of the administrator's: not audited.
    Best effort: a failure to store it loses only the hint."""
    for app_id, bound in sessions:
        findings = getattr(bound.session, "findings", None)
        if not findings:
            continue
        try:
            with registry.transaction():
                app = registry.get_application(app_id)
                if app.settings.get("auth"):
                    continue    # the administrator named the method meanwhile: no hint needed
                if all(app.settings.get(key) == value for key, value in findings.items()):
                    continue
                registry.update_application(app.id, settings={**app.settings, **findings})
        except Exception:  # noqa: BLE001 - only the hint is lost; the next run probes the server again
            log.warning("Could not keep what the run found about an application's server", exc_info=True)


def _open_probe_sessions(lanes: Sequence[_Lane], *, concurrency: int,
                         timeout: float | None) -> list[tuple[int, Any]]:
    """A bulk probe session per application with more than one account to probe (one connection pool,
    the server version learnt once, see providers/exchange/probe.py; for Graph one sign-in and JSON
    batches, see providers/graph/probe.py, told the lane's accounts so it can read ahead); a single account
    keeps the full interactive check with its step-by-step report. Opening is lazy: no network I/O here."""
    from ec_console.providers.base import open_session_adapter

    sessions = []
    for lane in lanes:
        if len(lane.queue) > 1:
            bound = open_session_adapter(lane.ctx.adapter, lane.ctx.application, lane.ctx.secret,
                                         concurrency=concurrency, timeout=timeout)
            if bound is not None:
                expect = getattr(bound.session, "expect", None)
                if expect is not None:  # a session that reads ahead (Graph's JSON batches of 20)
                    expect([job.email for job, _ in lane.queue])
                sessions.append((lane.application_id, bound))
                lane.ctx = AppContext(lane.ctx.application, bound, lane.ctx.secret)
    return sessions


class _Writer:
    """The engine's one writer: applies each outcome to the registry and reports progress."""

    def __init__(self, registry: Registry, recorder: Recorder, total: int,
                 on_progress: Callable[[Progress], None] | None,
                 on_result: Callable[[JobResult], None] | None,
                 interval: float, lanes: Sequence[_Lane] = (),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.registry = registry
        self.lanes = lanes
        self.clock = clock
        self.over = False
        self.recorder = recorder
        self.total = total
        self.on_progress = on_progress
        self.on_result = on_result
        self.interval = interval
        self.results: list[JobResult] = []
        self.failures: dict[int, ProbeOutcome] = {}
        self.answered: set[int] = set()
        self.started = clock()
        self.last_progress = 0.0
        self.retries = 0
        self.on_tick: Callable[[], None] | None = None
        self.write_error = ""
        self.not_written = 0

    @property
    def done(self) -> int:
        return len(self.results)

    def drain(self, engine: _Engine, cancel: CancelToken, grace: float) -> None:
        deadline: float | None = None
        while True:
            if self.on_tick is not None:
                self.on_tick()
            try:
                what, job, outcome = engine.results.get(timeout=0.05)
            except queue.Empty:
                if not engine.alive() and engine.results.empty():
                    break
                if cancel.cancelled:
                    deadline = deadline or time.monotonic() + grace
                    if time.monotonic() >= deadline:
                        break
                self.retries = engine.retries
                self._progress(force=False)
                continue
            self.retries = engine.retries
            if what == "pause":
                self._progress(force=True)
                continue
            assert outcome is not None
            batch = [(job, outcome)]
            paused = False
            while len(batch) < WRITE_BATCH:   # the results already waiting: one transaction for them all
                try:
                    what, job, outcome = engine.results.get_nowait()
                except queue.Empty:
                    break
                if what == "pause":   # reported right after the results that came before it
                    paused = True
                    break
                assert outcome is not None
                batch.append((job, outcome))
            if not self._write(batch, cancel):
                self._abandon(engine, cancel)
                break
            self._progress(force=paused)
        self.over = True          # nothing waits any more: the last progress shows no pause
        self._progress(force=True)

    def _write(self, batch: Sequence[tuple[ProbeJob, ProbeOutcome]], cancel: CancelToken) -> bool:
        """Write `batch`; a registry that cannot be written is given one more try (reconnected when it
        can be). False when that failed too: `write_error` and `not_written` say what was lost."""
        for attempt in (1, 2):
            try:
                self._apply_batch(batch)
                return True
            except Exception as exc:
                if not is_write_failure(exc):
                    raise
                written = {id(r.job) for r in self.results}
                batch = [(job, outcome) for job, outcome in batch if id(job) not in written]
                log.warning("check all: results could not be saved (attempt %d): %s", attempt, exc)
                if attempt == 2:
                    self.write_error = _plain_write_error(exc)
                    self.not_written += len(batch)
                    return False
                try:
                    cancel.sleep(WRITE_RETRY_WAIT_S)
                except CheckCancelled:
                    pass
                reconnect = getattr(self.registry, "reconnect", None)
                if reconnect is not None:
                    try:
                        reconnect()
                    except Exception:  # noqa: BLE001 - the second write says whether it worked
                        log.warning("check all: reconnecting to the registry failed", exc_info=True)
        return False

    def _abandon(self, engine: _Engine, cancel: CancelToken) -> None:
        """Stop the run after a failed write: no more probes; results still arriving are counted as not
        saved, never written half."""
        cancel.cancel()
        deadline = time.monotonic() + 2.0
        while engine.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        while True:
            try:
                what, _job, _outcome = engine.results.get_nowait()
            except queue.Empty:
                break
            if what == "done":
                self.not_written += 1

    def _apply_batch(self, batch: Sequence[tuple[ProbeJob, ProbeOutcome]]) -> None:
        """Write `batch` in one transaction (each result its own savepoint), then hand the results on.

        If a result cannot be written, its own changes are undone, the results before it are committed and
        handed on (as when each was its own transaction), and the error propagates."""
        if len(batch) == 1 or not getattr(self.recorder, "writes", True):
            for job, outcome in batch:
                self._emit(self._apply(job, outcome))
            return
        written: list[JobResult] = []
        failure: Exception | None = None
        with self.registry.transaction():
            for job, outcome in batch:
                try:
                    with self.registry.transaction():   # a savepoint: a failing result leaves nothing behind
                        written.append(self._apply(job, outcome))
                except Exception as exc:  # noqa: BLE001 - re-raised below, once the results before it are in
                    failure = exc
                    break
        for result in written:
            self._emit(result)
        if failure is not None:
            raise failure

    def _apply(self, job: ProbeJob, outcome: ProbeOutcome) -> JobResult:
        app_id = job.application_id
        if outcome.kind is ProbeKind.APPLICATION:
            if app_id not in self.failures:
                self.failures[app_id] = outcome
                self.recorder.application_failed(self.registry, app_id, outcome)
            result = JobResult(job, "skipped", None, job.profile_id, _NOT_PROBED.format(code=outcome.code),
                               outcome)
        else:
            if outcome.ok and app_id not in self.answered:
                self.answered.add(app_id)
                self.recorder.application_ok(self.registry, app_id)
            result = self.recorder.record(self.registry, job, outcome)
        return result

    def _emit(self, result: JobResult) -> None:
        self.results.append(result)
        if self.on_result is not None:
            try:
                self.on_result(result)
            except Exception:  # noqa: BLE001 - an observer's failure must not stop the run
                log.exception("a check-all result observer failed")

    def _progress(self, *, force: bool) -> None:
        if self.on_progress is None:
            return
        wall = time.monotonic()
        if not force and wall - self.last_progress < self.interval:
            return
        self.last_progress = wall
        now = self.clock()
        elapsed = now - self.started
        done = self.done
        pauses = self._pauses(now)
        eta = estimate(elapsed, _paused_time(self.lanes, self.started, now), done, self.total,
                       max((p.left for p in pauses), default=0.0))
        counts = dict.fromkeys(ACTIONS, 0)
        counts.update(Counter(r.action for r in self.results))
        try:
            self.on_progress(Progress(done, self.total, counts, elapsed, eta, self.retries, pauses))
        except Exception:  # noqa: BLE001
            log.exception("a check-all progress observer failed")

    def _pauses(self, now: float) -> tuple[Pause, ...]:
        if self.over:
            return ()
        found = []
        for lane in self.lanes:
            with lane.lock:
                left = lane.resume_at - now
                if left > 0 and not lane.stopped and lane.queue:
                    app = lane.ctx.application
                    found.append(Pause(lane.application_id, str(getattr(app, "name", "")),
                                       str(getattr(app, "provider", "")), lane.pause_seconds, left,
                                       lane.pause_asked))
        return tuple(found)

    def summary(self, lanes: list[_Lane], *, cancelled: bool) -> RunSummary:
        done_jobs = {id(r.job) for r in self.results}
        skipped: list[JobResult] = []
        for lane in lanes:
            if lane.application_id in self.failures:
                code = self.failures[lane.application_id].code
                for job, _ in list(lane.queue):
                    if id(job) not in done_jobs:
                        skipped.append(JobResult(job, "skipped", None, job.profile_id,
                                                 _NOT_PROBED.format(code=code)))
        for result in skipped:
            self._emit(result)
        not_done = self.total - len(self.results)
        return RunSummary(self.results, self.total, cancelled, dict(self.failures), 0,
                          self.clock() - self.started, not_done, self.write_error, self.not_written)


def estimate(elapsed: float, paused: float, done: int, total: int, waiting: float) -> float | None:
    """Seconds left: the work time per account so far (`elapsed` less the time spent `paused`) times the
    accounts left, plus the wait still under way (`waiting`). None until an account is done."""
    if not done:
        return None
    working = max(0.0, elapsed - paused)
    return working / done * (total - done) + waiting


def _paused_time(lanes: Sequence[_Lane], since: float, now: float) -> float:
    """How long, between `since` and `now`, every application with work was waiting (the union of the
    waits when there is one application; with several, only the time all of them waited at once)."""
    spans = []
    for lane in lanes:
        with lane.lock:
            waits = list(lane.pauses)
        spans.append([(max(since, a), min(now, b)) for a, b in waits if min(now, b) > max(since, a)])
    if not spans:
        return 0.0
    common = _union(spans[0])
    for other in spans[1:]:
        common = _intersect(common, _union(other))
    return sum(b - a for a, b in common)


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


Spans = list[tuple[float, float]]


def _intersect(left: Spans, right: Spans) -> Spans:
    out = []
    for a, b in left:
        for c, d in right:
            lo, hi = max(a, c), min(b, d)
            if hi > lo:
                out.append((lo, hi))
    return out


# --- check all ---------------------------------------------------------------------------------------------


def region_of(registry: Registry) -> str:
    """The region id of a registry opened with `Registry.for_region` (its file is `registry-<id>.sqlite3`)."""
    if getattr(registry, "region_id", None):
        return str(registry.region_id)
    if registry.path is None:
        raise ValueError(f"the registry at {registry.where} was not opened for a region; pass region_id")
    stem = registry.path.stem
    if not stem.startswith("registry-"):
        raise ValueError(f"{registry.path} is not named like a region's registry; pass region_id")
    return stem[len("registry-"):]


@dataclass(frozen=True)
class CheckAllPlan:
    jobs: list[ProbeJob]
    apps: dict[int, AppContext]
    unusable: dict[int, str]          # application id -> why it cannot be checked (no secret ...)
    resumed_from: str | None          # start time of the unfinished run being resumed
    skipped_done: int                 # profiles that run already checked
    # names of the applications not checked because this desktop's keychain holds no credential for them
    missing_credential: tuple[str, ...] = ()
    # who holds the profiles left out because another run is checking them (registry_claims.ClaimHolder)
    claimed_elsewhere: tuple[Any, ...] = ()

    @property
    def skipped_by_claim(self) -> int:
        return sum(holder.profiles for holder in self.claimed_elsewhere)


def shown_reason(text: str) -> str:
    """Why an application was not checked (`CheckAllPlan.unusable`, English) in the current language."""
    from ec_console.dashboard import IMPORT_ADVICE
    from ec_console.shown_text import shown

    return shown(text, (_REVOKED, _NO_SECRET), {"advice": (IMPORT_ADVICE,)})


def _unfinished_run(registry: Registry, scope: str) -> str | None:
    """The start time of the newest check-all run of `scope` if it never finished (within the resume window).

    A resumed run carries the start time of the run it resumes, so a chain of interrupted runs resumes from
    the first one's start; a finished run closes every run before it.
    """
    since = utc_text(parse_utc(utc_now()) - RESUME_WINDOW)
    for entry in registry.audit_entries(subject=f"check_all:{scope}", limit=200):
        if entry.at < since or entry.action == _AUDIT_FINISHED:
            return None
        if entry.action == _AUDIT_STARTED:
            try:
                started = json.loads(entry.detail).get("started_at")
            except (ValueError, AttributeError):
                started = None
            return str(started or entry.at)
    return None


def plan_check_all(registry: Registry, *, application_names: Sequence[str] | None = None,
                   region_id: str | None = None, store: Any = None,
                   adapters: Mapping[str, ProviderAdapter] | None = None,
                   resume: bool = True) -> CheckAllPlan:
    """Which profiles a check-all run probes: `linked` and `needs_relink` profiles of active applications
    (or of the named ones), minus those an unfinished earlier run already checked when `resume`."""
    from ec_console.dashboard import application_secret, resolve_application

    region = region_id or region_of(registry)
    if application_names:
        applications = [resolve_application(registry, name) for name in application_names]
    else:
        applications = registry.list_applications(include_revoked=False)
    resumed_from = _unfinished_run(registry, _scope_name(application_names)) if resume else None
    jobs: list[ProbeJob] = []
    apps: dict[int, AppContext] = {}
    unusable: dict[int, str] = {}
    missing: list[str] = []
    skipped = 0
    for app in applications:
        if app.status != "active":
            unusable[app.id] = _REVOKED.format(application=app.name)
            continue
        adapter = adapter_for(app.provider, adapters)
        secret = application_secret(app, adapter, region_id=region, store=store)
        if secret is None:
            from ec_console.dashboard import import_advice

            unusable[app.id] = _NO_SECRET.format(application=repr(app.name),
                                                 advice=import_advice(app.name, english=True))
            missing.append(app.name)
            continue
        apps[app.id] = AppContext(app, adapter, secret)
        for status in ("linked", "needs_relink"):
            from ec_console.registry import ProfileQuery

            for profile in registry.list_profiles(ProfileQuery(status=status, application_id=app.id)):
                if resumed_from and _checked_since(registry, profile, resumed_from):
                    skipped += 1
                    continue
                jobs.append(ProbeJob(app.id, profile.email, profile.id, profile.display_name))
    return CheckAllPlan(jobs, apps, unusable, resumed_from, skipped, tuple(missing))


def _checked_since(registry: Registry, profile: Any, started_at: str) -> bool:
    """Whether check all already probed `profile` since `started_at` (times have one-second precision: in
    the start's own second, only a check-all record counts, not a link or relink of that second)."""
    checked = profile.last_checked_at
    if not checked or checked < started_at:
        return False
    if checked > started_at:
        return True
    latest = registry.checks_for_profile(profile.id, limit=1)
    return bool(latest) and latest[0].kind == "check"


def _scope_name(application_names: Sequence[str] | None) -> str:
    return ",".join(sorted(n.strip().lower() for n in application_names)) if application_names else "*"


def check_all(registry: Registry, *, application_names: Sequence[str] | None = None,
              concurrency: int = DEFAULT_CONCURRENCY, cancel: CancelToken | None = None,
              on_progress: Callable[[Progress], None] | None = None,
              on_result: Callable[[JobResult], None] | None = None, region_id: str | None = None,
              store: Any = None, adapters: Mapping[str, ProviderAdapter] | None = None, resume: bool = True,
              policy: BackOffPolicy | None = None, timeout: float | None = None,
              stats: dict[str, Any] | None = None,
              claims: Callable[[Registry, str], Any] | None = None) -> tuple[CheckAllPlan, RunSummary]:
    """Re-probe the linked and needs-relink profiles of the region (or of the named applications).

    A passing probe makes the profile `linked`; a probe that proves the account unreachable makes it
    `needs_relink`; a throttled or timed-out probe changes nothing but is recorded as a failed check; an
    application failure marks the application. Audited: the run's start and end, and every status change.
    Profiles another live run holds (`registry_claims`) are not probed: `plan.claimed_elsewhere` says how
    many and by whom. `claims` (tests): a function `(registry, run_id) -> RunClaims`, e.g. a short lease.
    """
    from ec_console.dashboard import ProfileRecorder
    from ec_console.registry_claims import RunClaims

    validate_concurrency(concurrency)
    plan = plan_check_all(registry, application_names=application_names, region_id=region_id, store=store,
                          adapters=adapters, resume=resume)
    scope = _scope_name(application_names)
    run_id = f"{utc_now()}-{random.getrandbits(32):08x}"
    run_claims = (claims or RunClaims)(registry, run_id)
    try:
        mine, held = run_claims.claim(j.profile_id for j in plan.jobs if j.profile_id is not None)
        if held:
            plan = replace(plan, jobs=[j for j in plan.jobs if j.profile_id in mine],
                           claimed_elsewhere=tuple(held))
        started_at = plan.resumed_from or utc_now()
        registry.audit(_AUDIT_STARTED, f"check_all:{scope}", json.dumps(
            {"run": run_id, "started_at": started_at, "profiles": len(plan.jobs), "concurrency": concurrency,
             "resumed_from": plan.resumed_from, "already_checked": plan.skipped_done,
             "skipped_by_claim": plan.skipped_by_claim}))
        summary = run_probes(registry, plan.jobs, plan.apps, ProfileRecorder("check"),
                             concurrency=concurrency, cancel=cancel, on_progress=on_progress,
                             on_result=on_result, policy=policy, timeout=timeout, stats=stats,
                             on_tick=run_claims.renew_if_due)
        action = _AUDIT_CANCELLED if summary.cancelled or summary.write_error else _AUDIT_FINISHED
        try:
            registry.audit(action, f"check_all:{scope}", json.dumps(
                {"run": run_id, **summary.counts, "not_done": summary.not_done,
                 **({"not_written": summary.not_written} if summary.write_error else {})}))
        except Exception as exc:
            if not summary.write_error or not is_write_failure(exc):
                raise
            log.warning("check all: the run's end could not be recorded in the audit: %s", exc)
    finally:
        run_claims.release()
    return plan, summary
