"""Bulk mailbox probes for one run (check all, link, relink of many): one signed-in connection pool.

`probe_mailbox` runs the whole interactive check for every mailbox: its own DNS, TCP and TLS steps, a new
NTLM handshake, the server-version guess, then three EWS requests. That is right for one mailbox a human is
looking at, and wasteful for 10,000 mailboxes of one application probed in one run: there the endpoint,
the trust, the service account and the server are the same for every probe. `ExchangeProbeSession` does
the shared part once per run and each probe then costs the one request that says something about *that*
mailbox: `FindItem` with a `CalendarView` of the next 7 days on the mailbox's distinguished `calendar`
folder (`<DistinguishedFolderId Id="calendar">` naming the mailbox, impersonating it), asking only start,
end, busy type and all-day (never a subject or a body). The interactive check opens the calendar first
(`GetFolder`, its `impersonate` step) and reads it after (`read_calendar`); a bulk probe needs no folder id,
so the FindItem is both: impersonation denied, mailbox not found, the mailbox's EWS switched off, no right
on its calendar and throttling arrive as the FindItem's own answer (a SOAP fault for the impersonation
header, an HTTP 403 for EWS access, an error ResponseMessage for the folder), mapped to the same codes
and reported at the same step (`impersonate`) as the interactive check reports them; the `read_calendar`
step then reports the busy blocks already read.

What is shared, and why that is safe:

- **Opened lazily by the first probe** (one thread; the others wait): the endpoint is resolved and the
  authentication method chosen exactly as the interactive check does (`exchange._prepare`), then one
  exchangelib `Protocol` (this module's `_PooledProtocol`, never in exchangelib's process-wide cache, trust
  bound to this session's own `ssl.SSLContext`, FailFast with strict HTTP errors) learns the server version
  once. Its pool holds up to `max_connections` sessions — the run's concurrency — each one keep-alive TCP
  connection that NTLM authenticates once (NTLM authenticates a connection, not a request); an OAuth
  token is fetched once and shared by the pool's sessions.
- **The quick open, when the application names its sign-in method** (`ExchangeSettings.auth` "ntlm" or
  "basic", as the setup's "Sign-in method" saves it), **or leaves it to the server and a setup check or
  earlier run found it** (`auth_found`, with the server's build `version_found`: a hint kept beside the
  user's choice, never replacing it; the first FindItem is then sent with that version): no
  authentication-method probe (the method is known) and no separate server-version request. The run's
  first FindItem is sent on a protocol given the found build's version, else exchangelib's newest
  (`Version.guess`'s own first try), signs the connection in (NTLM's two legs
  ride on it) and its answer's `ServerVersionInfo` becomes the run's version; a server that refuses that
  version (ErrorInvalidServerVersion) is asked the older ones in turn by exchangelib, as its guess does.
  Session set-up before the first probe request: 2 requests with NTLM (0 with Basic) instead of 4. The
  first probe's answer is kept only when it proves the session: the calendar read, or the server's
  throttling answer (which names the wait before any retry). Any other answer, and the quick protocol is
  closed and that probe made again the ordinary way (the method probe, the version request, and on a
  failure the full interactive check), so every verdict is the ordinary open's; when the server refused
  the credentials, straight to the full interactive check, so a wrong password costs as many refused
  sign-ins as before (a directory's lockout threshold counts them). OAuth sessions always open
  the ordinary way: their version request acts as the test mailbox (below).
- **Nothing outlives the run but the hint.** A session belongs to one application in one run: it is
  created for the run, closed at its end (every pooled connection closed); no token and no connection is
  kept for the next run. When the application leaves its sign-in method to the server, `findings` names
  the method and the server build the run's session was opened with, and check all stores them as the
  next run's hint (no secret, not audited: a hint the session checks itself; a stale one costs one
  fallback, then today's ordinary open, and the run's findings replace it). The interactive check keeps
  its no-cache rule (a Retry after a fix on the server must tell the truth); a bulk run is over in minutes
  and a fix made during it is seen by the next run.
- **Identical verdicts.** Errors go through the interactive check's own mapping (`exchange.errors`) with
  the same context, so each code, detail and `back_off` is what `probe_mailbox` reports. When the session
  cannot be opened (wrong password, TLS, DNS, EWS blocked, throttled while signing in ...) the probe falls
  back to the full interactive check for that mailbox, whose step-by-step report names the exact cause;
  the next probe tries to open the session again — unless that report is the application's failure (a step
  before any one mailbox: sign-in, endpoint, EWS switched off or the application not allowed), which is
  then the answer for every later probe of the run, without another request: an application-level block is
  detected once per application, not once per mailbox (check all marks the application, not its profiles).
- **Which mailbox the session signs in as.** An app-only (OAuth) token must act as a mailbox in every EWS
  request. The session's one server-version request acts as the application's setup-test mailbox
  (`ExchangeSettings.anchor_mailbox`), not the first mailbox probed: a 403 there (`X-EWS-Policy-Reason`)
  is the application's, while a mailbox with its own EWS switched off is refused at its own `FindItem`
  and stays that profile's problem. Without a test mailbox the first mailbox probed is used.
- **The request is exchangelib's, the Python around it lighter.** The FindItem goes through
  `busy_view.BusyViewFindItem`, a subclass of exchangelib's service: the answer parsed in one piece, the
  body built once per run, the busy blocks read without item objects (its module doc says what and why).
- **Throttling is the engine's business.** exchangelib shrinks a protocol's pool on ErrorServerBusy and
  ErrorExceededConnectionCount; here the pool stays at the run's concurrency and the answer is returned at
  once, so `checkall`'s back-off (which pauses the whole lane for the server's `BackOffMilliseconds`)
  decides — a throttled probe never changes a profile's status.

Qt-free; `probe` blocks (call it from the engine's workers, several at once).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from exchangelib import BASIC, DELEGATE, IMPERSONATION, NTLM, Configuration
from exchangelib import errors as ews
from exchangelib.folders import Calendar
from exchangelib.version import Build, Version

from ec_console.checks import CancelToken, CheckRun, Outcome, StepSpec, failed, passed
from ec_console.diagnoses import diagnose
from ec_console.providers.base import ProbeKind
from ec_console.providers.base import classify as whose_problem
from ec_console.providers.exchange.busy_view import PayloadCache, busy_blocks
from ec_console.providers.exchange.check import (
    CALENDAR_DAYS,
    CHECK_CANCELLED,
    MAX_BLOCKS_IN_DATA,
    PROVIDER,
    STEP_TITLES,
    ExchangeSettings,
    ProbeResult,
    ScopeError,
    _ExchangeCheck,
    _prepare,
    _version_data,
    bound_calendar,
    busy_blocks_read,
    make_account,
    opened_calendar,
    probe_mailbox,
)
from ec_console.providers.exchange.errors import ErrorContext
from ec_console.providers.exchange.errors import classify as classify_error
from ec_console.providers.exchange.http import CheckProtocol, CheckRetryPolicy
from ec_console.texts import say

log = logging.getLogger(__name__)

PROBE_STEPS = (
    StepSpec("impersonate", STEP_TITLES["impersonate"]),
    StepSpec("read_calendar", STEP_TITLES["read_calendar"]),
)
REQUESTS_PER_PROBE = 1  # FindItem (calendar view of the distinguished calendar), once the session is open

FullProbe = Callable[..., ProbeResult]
NTLM_NAME, BASIC_NAME = "ntlm", "basic"  # ExchangeSettings.auth values that name the sign-in method
_SIGN_IN_REFUSED = frozenset({"auth_failed", "account_locked"})  # the server refused the credentials


def _version_hint() -> Version:
    """The version the quick open's first FindItem is sent with: the one exchangelib's own server-version
    request (`Version.guess`) starts with, its newest. The answer's ServerVersionInfo replaces it; a server
    that refuses it (ErrorInvalidServerVersion) makes exchangelib try the older versions in turn, as the
    guess does."""
    return Version.all_versions()[0]


class _PooledProtocol(CheckProtocol):
    """A `CheckProtocol` whose pool never shrinks: throttling is answered by the engine's back-off.

    exchangelib's `decrease_poolsize` closes one pooled session per ErrorServerBusy (and retries
    ErrorExceededConnectionCount after closing one); with one protocol shared by a run's workers that would
    silently lower the run's concurrency for good. Refusing it makes exchangelib raise the answer at once.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._made: weakref.WeakSet[Any] = weakref.WeakSet()   # retired sessions drop out by themselves
        self._made_count = 0
        self._made_lock = threading.Lock()

    def decrease_poolsize(self) -> None:
        raise ews.SessionPoolMinSizeReached("the probe session's pool is sized by the run's concurrency")

    def create_session(self) -> Any:
        session = super().create_session()
        _settle_environment(session)
        with self._made_lock:
            self._made.add(session)
            self._made_count += 1
        return session

    @property
    def sessions_made(self) -> int:
        """How many pooled sessions (connections, each signed in once) were created."""
        with self._made_lock:
            return self._made_count

    def close(self) -> None:
        """Close the pool and every session it ever made, also one a worker abandoned mid-request."""
        super().close()
        with self._made_lock:
            made, self._made = list(self._made), weakref.WeakSet()
        for session in made:
            try:
                session.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                log.debug("Closing a pooled EWS session failed", exc_info=True)


def _settle_environment(session: Any) -> None:
    """Read the environment's proxy settings once per pooled connection, not once per request.

    `requests` looks the proxies up again for every request (it walks the whole environment twice: about a
    fifth of the probe's own CPU, docs/benchmarks.md section 2). A run's endpoint and environment do not
    change while it runs, so the first answer is kept for the session's life (one run).
    """
    merge = session.merge_environment_settings
    memo: dict[Any, dict[str, Any]] = {}

    def merge_once(url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> dict[str, Any]:
        key = (url, tuple(sorted((proxies or {}).items())), stream, repr(verify), repr(cert))
        settings = memo.get(key)
        if settings is None:
            settings = memo.setdefault(key, merge(url, proxies, stream, verify, cert))
        return {k: dict(v) if isinstance(v, dict) else v for k, v in settings.items()}

    session.merge_environment_settings = merge_once


def _original_error(exc: BaseException) -> BaseException:
    """The server's own answer behind exchangelib's retry wrapping.

    With more than one pooled session exchangelib re-raises ErrorTimeoutExpired (a connection that failed
    or timed out), ErrorTooManyObjectsOpened and ErrorInternalServerTransientError as a synthetic
    ErrorServerBusy "Reraised from ..." with a made-up 10 s back-off; with one session (the interactive
    check) it raises the original. Map the original, so both paths give the same verdict.
    """
    context = exc.__context__
    if isinstance(exc, ews.ErrorServerBusy) and str(exc).startswith("Reraised from") and context is not None:
        return context
    return exc


class _Opened:
    """What the first probe learnt for the whole run: the pooled protocol and the check's error context."""

    def __init__(self, protocol: _PooledProtocol, ctx: ErrorContext) -> None:
        self.protocol = protocol
        self.ctx = ctx
        self.payloads = PayloadCache()  # the FindItem body, built once and re-used per mailbox


class ExchangeProbeSession:
    """Probes many mailboxes of one application within one run over one pooled, signed-in protocol.

    `settings` are the application's (its `mailbox` is ignored), `max_connections` the run's concurrency.
    Use as a context manager, or call `close()`; `probe()` may be called from several threads at once.
    `full_probe` is the interactive probe used when the session cannot be opened (tests may pass their own).
    """

    def __init__(self, settings: ExchangeSettings, secret: str, *, max_connections: int,
                 full_probe: FullProbe = probe_mailbox, quick_open: bool = True) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        issues = settings.problems()
        if issues:
            raise ValueError("; ".join(issues))
        self.settings = replace(settings, write_probe=False, expect_denied=None)
        self._secret = secret
        self.max_connections = max_connections
        self._full_probe = full_probe
        self._lock = threading.Lock()
        self._opened: _Opened | None = None
        self._closed = False
        self.opened_count = 0           # how many times a protocol was opened (1 in a healthy run)
        self.fallbacks = 0              # probes answered by the full interactive check
        self.application_failure: ProbeResult | None = None  # the application's failure, once known
        self._first = threading.Lock()  # held by the run's first probe (see `probe`)
        self._first_answered = False
        # The quick open (module doc): on when the application names its sign-in method (NTLM or Basic).
        self.quick_open = quick_open
        self.quick_opened = False       # the session was opened by its first probe's own FindItem
        self.quick_fallbacks = 0        # quick opens not confirmed, then opened the ordinary way
        self._quick_tried = False
        self._quick_sign_in_refused = False
        self._found: dict[str, str] = {}  # the method and build the session was opened with (`findings`)

    # --- life cycle -------------------------------------------------------------------------------------

    def __enter__(self) -> ExchangeProbeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def server_version(self) -> dict[str, Any] | None:
        """The server version learnt when the session opened (None before)."""
        opened = self._opened
        return _version_data(opened.protocol.version) if opened is not None else None

    @property
    def findings(self) -> dict[str, str]:
        """When the application leaves its sign-in method to the server: the method the session signed in
        with and the server's build (`auth_found`, `version_found`), for the next run's quick open; {} when
        the method is the user's own, OAuth, the session never opened, or they equal the hint it had."""
        if self.settings.auth or self.settings.uses_oauth or not self._found:
            return {}
        if self._found == {k: v for k, v in (("auth_found", self.settings.auth_found),
                                              ("version_found", self.settings.version_found)) if v}:
            return {}
        return dict(self._found)

    def _learn(self, auth_type: Any, version: Any) -> None:
        if self.settings.uses_oauth or auth_type not in (NTLM, BASIC):
            return
        build = getattr(version, "build", None)
        found = {"auth_found": NTLM_NAME if auth_type == NTLM else BASIC_NAME}
        if build:
            found["version_found"] = str(build)
        with self._lock:
            self._found = found

    def close(self) -> None:
        """Close every pooled connection; later probes are refused."""
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, None
        if opened is not None:
            _close_protocol(opened.protocol)

    # --- probing ----------------------------------------------------------------------------------------

    def probe(self, mailbox: str, *, cancel: CancelToken | None = None) -> ProbeResult:
        """Busy blocks of `mailbox` for the next 7 days (as `probe_mailbox` returns them)."""
        cancel = cancel or CancelToken()
        settings = replace(self.settings, mailbox=mailbox)
        if cancel.cancelled:
            return self._run(settings, None, cancel)
        if not self._first_answered:
            # The first probe of the run opens the session, or finds why it cannot, alone: the others wait
            # for its answer rather than each meeting the same refusal (one 403 per application, not one per
            # worker). Later probes no longer wait here.
            with self._first:
                if not self._first_answered:
                    try:
                        return self._probe(settings, mailbox, cancel)
                    finally:
                        self._first_answered = True
        return self._probe(settings, mailbox, cancel)

    def _probe(self, settings: ExchangeSettings, mailbox: str, cancel: CancelToken) -> ProbeResult:
        known = self.application_failure
        if known is not None:
            return replace(known, mailbox=mailbox)
        refused_sign_in = False
        if self._quick_open_pending():
            result = self._quick_first_probe(settings, mailbox, cancel)
            if result is not None:
                return result
            refused_sign_in = self._quick_sign_in_refused
        # A sign-in the server refused goes straight to the full check: as many refused sign-ins as the
        # ordinary open gives (a directory's lockout threshold counts them).
        opened = None if refused_sign_in else self._open(mailbox)
        if opened is None:
            with self._lock:
                self.fallbacks += 1
            result = self._full_probe(settings, self._secret, mailbox, cancel=cancel)
            self._remember_application_failure(result)
            return result
        return self._run(settings, opened, cancel)

    # --- the quick open (the application names its sign-in method) ---------------------------------------

    def _quick_open_pending(self) -> bool:
        """True once per run, for its first probe, when the session may open without its set-up requests."""
        if not self.quick_open or self.settings.uses_oauth or self._quick_method() is None:
            return False
        with self._lock:
            if self._quick_tried or self._opened is not None or self._closed:
                return False
            self._quick_tried = True
            return True

    def _quick_method(self) -> str | None:
        """The sign-in method the quick open uses: the user's own, else the hint a setup check found."""
        s = self.settings
        if s.auth:
            return s.auth if s.auth in (NTLM_NAME, BASIC_NAME) else None
        return s.auth_found if s.auth_found in (NTLM_NAME, BASIC_NAME) else None

    def _quick_version(self) -> Version:
        """The version the first FindItem is sent with: the build found before, else exchangelib's newest."""
        found = self.settings.version_found if not self.settings.auth else None
        try:
            if found:
                return Version(build=Build(*(int(part) for part in found.split(".")[:4])))
        except (TypeError, ValueError):
            log.debug("The stored server build %r is not usable; starting from the newest", found)
        return _version_hint()

    def _quick_first_probe(self, settings: ExchangeSettings, mailbox: str,
                           cancel: CancelToken) -> ProbeResult | None:
        """The run's first probe on a protocol opened without the set-up requests (see the module doc).

        Its answer is kept when it proves the session (the calendar read, or the server's own throttling
        answer, which comes only after the sign-in and names the wait before any retry). Any other answer,
        or none, and the protocol is closed and None returned: the probe is then made again exactly as
        without the quick open (the authentication-method probe, the server-version request, and on a
        failure the full interactive check), so its verdict is today's.
        """
        protocol: _PooledProtocol | None = None
        check = _ExchangeCheck(settings, self._secret, CancelToken())
        try:
            outcome = check.resolve_endpoint()
            if outcome.diagnosis is not None:
                return None
            check.auth_type = NTLM if self._quick_method() == NTLM_NAME else BASIC
            config = Configuration(
                service_endpoint=check._endpoint(), credentials=check._credentials(mailbox),
                auth_type=check.auth_type, version=self._quick_version(), retry_policy=CheckRetryPolicy(),
                max_connections=self.max_connections)
            protocol = _PooledProtocol(config=config, transport=check.transport, timeout=settings.timeout)
            opened = _Opened(protocol, check.ctx)
            seen: list[Any] = []
            result = self._run(settings, opened, cancel, seen)
        except Exception:  # noqa: BLE001 - the ordinary open that follows diagnoses it step by step
            log.debug("The quick open of the probe session failed", exc_info=True)
            _close_protocol(protocol)
            return None
        finally:
            check.close()
        if result.report is not None and result.report.cancelled:
            _close_protocol(protocol)
            return result
        proved = result.ok or (result.diagnosis is not None and result.diagnosis.code == "throttled")
        learnt = (result.report.step("impersonate").data or {}).get("server_version") if result.ok else None
        if not proved or (result.ok and not (learnt or {}).get("build")):
            _close_protocol(protocol)
            with self._lock:
                self.quick_fallbacks += 1
                self._quick_sign_in_refused = (result.diagnosis is not None
                                               and result.diagnosis.code in _SIGN_IN_REFUSED)
            log.info("The probe session's quick open was not confirmed; opening it the ordinary way")
            return None
        with self._lock:
            if self._closed or self._opened is not None:
                _close_protocol(protocol)
            else:
                # later probes start from the version the server named in its answer's ServerVersionInfo
                if seen and getattr(seen[0], "build", None):
                    protocol.config.version = seen[0]
                self._opened = opened
                self.opened_count += 1
                self.quick_opened = True
        self._learn(check.auth_type, protocol.config.version)
        return result

    def _remember_application_failure(self, result: ProbeResult) -> None:
        """Keep `result` for the rest of the run when it is the application's failure (see the module doc)."""
        report = result.report
        failure = report.first_failure if report is not None else None
        if result.ok or failure is None or failure.diagnosis is None or report is None or report.cancelled:
            return
        if whose_problem(failure.diagnosis.code, failure.id) is ProbeKind.APPLICATION:
            with self._lock:
                if self.application_failure is None:
                    self.application_failure = result

    def _run(self, settings: ExchangeSettings, opened: _Opened | None, cancel: CancelToken,
             seen: list[Any] | None = None) -> ProbeResult:
        probe = _MailboxProbe(settings, opened)
        run = CheckRun(PROVIDER, settings.mailbox, PROBE_STEPS, cancel=cancel)
        report = run.execute({"impersonate": probe.impersonate, "read_calendar": probe.read_calendar})
        if seen is not None and probe.version is not None:
            seen.append(probe.version)
        step = report.step("read_calendar")
        failure = report.first_failure
        if failure is None and not report.cancelled and step is not None and step.status == "pass":
            return ProbeResult(settings.mailbox, True, report.started_at,
                               list((step.data or {}).get("blocks", [])), detail=step.detail, report=report)
        return ProbeResult(settings.mailbox, False, report.started_at, [],
                           failure.diagnosis if failure else None,
                           failure.detail if failure else CHECK_CANCELLED, report)

    def _open(self, mailbox: str) -> _Opened | None:
        """The run's protocol, opened by the first caller (None: it cannot be opened; use the full check)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the probe session is closed")
            if self._opened is not None:
                return self._opened
            opened = self._try_open(mailbox)
            if opened is not None:
                self._opened = opened
                self.opened_count += 1
        if opened is not None:
            self._learn(opened.protocol.config.auth_type, opened.protocol.version)
        return opened

    def _try_open(self, mailbox: str) -> _Opened | None:
        settings = replace(self.settings, mailbox=mailbox)
        check = _ExchangeCheck(settings, self._secret, CancelToken())
        protocol: _PooledProtocol | None = None
        # The mailbox an app-only token acts as for the session's own requests (see the module doc); each
        # probe then names its own mailbox in the ExchangeImpersonation header of its requests.
        identity = (settings.anchor_mailbox or "").strip() or mailbox
        try:
            _prepare(check)
            auth_type = None if settings.uses_oauth else check.auth_type
            config = Configuration(
                service_endpoint=check._endpoint(), credentials=check._credentials(identity),
                auth_type=auth_type, version=None, retry_policy=CheckRetryPolicy(),
                max_connections=self.max_connections)
            protocol = _PooledProtocol(config=config, transport=check.transport, timeout=settings.timeout)
            protocol.version  # noqa: B018 - learnt once for the run (signs in the first pooled connection)
        except ScopeError as exc:
            log.info("The probe session for %s could not open: %s", settings.ews_url or "autodiscover",
                     exc.diagnosis.code)
            _close_protocol(protocol)
            return None
        except Exception as exc:  # noqa: BLE001 - the full check that follows diagnoses it step by step
            if not check._expected(exc):
                _close_protocol(protocol)
                raise
            log.info("The probe session could not open: %s", type(_original_error(exc)).__name__)
            _close_protocol(protocol)
            return None
        finally:
            check.close()
        return _Opened(protocol, check.ctx)


class _MailboxProbe:
    """The two steps of one bulk probe, on the session's protocol, in one EWS request (see `impersonate`)."""

    def __init__(self, settings: ExchangeSettings, opened: _Opened | None) -> None:
        self.settings = settings
        self.opened = opened
        self.ctx = replace(opened.ctx, mailbox=settings.mailbox) if opened is not None else ErrorContext()
        self.blocks: list[dict[str, Any]] | None = None
        self.version: Any = None  # the server version the FindItem's answer named (ServerVersionInfo)

    def _fail_exc(self, exc: BaseException, data: dict[str, Any] | None = None) -> Outcome:
        """The interactive check's own mapping (`_ExchangeCheck._fail_exc`), with this mailbox's context."""
        code, detail, names = classify_error(_original_error(exc), self.ctx)
        diagnosis = diagnose(code, **self.ctx.names(**names))
        if names.get("back_off"):
            data = {**(data or {}), "back_off": float(names["back_off"])}
        if names.get("policy_reason"):
            data = {**(data or {}), "ews_policy_reason": names["policy_reason"]}
        return failed(diagnosis, detail, data)

    def impersonate(self) -> Outcome:
        assert self.opened is not None  # a cancelled probe never runs its steps
        protocol = self.opened.protocol
        access = IMPERSONATION if self.settings.impersonation else DELEGATE
        account = None
        try:
            account = make_account(self.settings.mailbox, protocol, access)
            # The one request of the probe: FindItem with a CalendarView on the mailbox's distinguished
            # `calendar` folder (no GetFolder first). Its own error answers are the ones GetFolder gave:
            # impersonation, mailbox, EWS per mailbox, folder rights, throttling.
            # `busy_blocks` is `read_busy_blocks`'s request through a lighter adapter (busy_view.py).
            self.blocks = busy_blocks(bound_calendar(account), self.opened.payloads)
            version = self.version = account.version
        except Exception as exc:  # noqa: BLE001 - every expected failure is mapped to a diagnosis
            if not _ExchangeCheck._expected(exc):
                raise
            self.version = getattr(account, "version", None)  # an error answer names it too
            return self._fail_exc(exc, {"access": access})
        how = (say("impersonating it") if access == IMPERSONATION
               else say("with the service account's own folder rights"))
        detail = opened_calendar(self.settings.mailbox, how, version if self.settings.uses_oauth else None)
        return passed(detail, {"access": access, "folder": Calendar.DISTINGUISHED_FOLDER_ID,
                               "server_version": _version_data(version), "session": "bulk"})

    def read_calendar(self) -> Outcome:
        """The busy blocks the `impersonate` step's FindItem already read (no request of its own)."""
        assert self.blocks is not None  # the runner skips this step when impersonate failed
        blocks = self.blocks
        return passed(busy_blocks_read(len(blocks), CALENDAR_DAYS),
                      {"count": len(blocks), "days": CALENDAR_DAYS, "blocks": blocks[:MAX_BLOCKS_IN_DATA]})


def _close_protocol(protocol: CheckProtocol | None) -> None:
    if protocol is None:
        return
    try:
        protocol.close()
    except Exception:  # noqa: BLE001 - closing must never turn a result into an exception
        log.debug("Closing the probe session's protocol failed", exc_info=True)
