"""Probing many Google Workspace accounts of one application in one run: a bulk probe session.

`GoogleProbeSession` serves check all (and anything else that probes many accounts of one application):

- **The key** is parsed once per session (a bad key answers every probe with the same diagnosis).
- **The connections** are one `Transport` (the shared `providers.transport.CheckTransport`: one pool for the
  token endpoint, one httplib2 object per thread for the APIs), kept for the run and closed with it.
- **Each user's token** (service-account credentials `with_subject(user)`, the probe's scopes) is asked once
  and reused while google-auth calls it valid. The token request per user is the unavoidable cost of
  domain-wide delegation. Tokens are registered as secrets (never logged) and dropped when the session closes.
- **Batching** (https://developers.google.com/workspace/calendar/api/guides/batch): told the run's accounts
  (`expect`), a probe takes its own account and the next ones no other thread has taken, up to the run's
  share per thread, gets their tokens, and sends their calendar reads (`calendars.get` of the primary
  calendar and `freeBusy.query` of the next 7 days, as the single probe) in one `multipart/mixed` request to
  the Calendar API's batch path. Each part carries its own user's `Authorization: Bearer` header: the batch
  format lets a part's headers override the outer request's. At most `BATCH_LIMIT` calls per batch (Google's
  documented limit, 1000). A thread whose account another thread has taken works on a batch of its own
  meanwhile, so `concurrency` batches are in flight.
- **Verdicts**: every answer (token refusal, a part's 403 / 404 / 429 / `rateLimitExceeded`, a freeBusy
  calendar error) goes through the same code as the single probe (`GoogleSession.token`, `.execute`,
  `.busy_in`), so it reaches the same diagnosis. A token refusal that is the application's own problem
  (delegation withdrawn, key deleted ...) answers the rest of that share without asking again: check all
  stops probing the application at the first one. A throttled part is not retried here: its probe answers
  `throttled` with the part's own `Retry-After` as `back_off`, and check all retries that account after that
  wait (no status change meanwhile).

Thread-safe. Qt-free; never prints; no event details are requested or kept.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from google.auth import exceptions as google_exceptions
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient import discovery
from googleapiclient.errors import BatchError, HttpError

from ec_console.checks import CancelToken, StepFailure, utc_now_iso
from ec_console.providers.base import ProbeKind, classify
from ec_console.providers.google.check import (
    CALENDAR,
    BusyBlock,
    GoogleError,
    GoogleSession,
    GoogleSettings,
    ProbeResult,
    _discovery,
    _open_session,
    api_endpoint,
    not_found_user,
)
from ec_console.providers.google.errors import Names, api_error_parts, classify_http_error, is_network_error
from ec_console.providers.google.net import Transport, retry_after_seconds

BATCH_LIMIT = 1000  # calls in one batch request (Google Calendar API, "Send batch requests")


class _Answered:
    """One batch part's answer, shaped like a request so `GoogleSession.execute` concludes it."""

    def __init__(self, response: Any, exception: BaseException | None) -> None:
        self.response = response
        self.exception = exception

    def execute(self, num_retries: int = 0) -> Any:
        if self.exception is not None:
            raise self.exception
        return self.response


class GoogleProbeSession:
    """See the module docstring. `token_requests` and `batches_sent` count round trips (for benchmarks)."""

    def __init__(self, settings: GoogleSettings, *, concurrency: int = 1) -> None:
        self.settings = settings
        self.concurrency = max(1, concurrency)
        self.transport = Transport(timeout=settings.timeout, ca_file=settings.ca_file,
                                   pool_size=max(10, self.concurrency))
        self._cond = threading.Condition()
        self._session: GoogleSession | None = None
        self._key_failure: GoogleError | None = None
        self._tokens: dict[str, Any] = {}
        self._upcoming: list[str] = []
        self._taken: set[str] = set()
        self._ready: dict[str, ProbeResult] = {}
        self._share = 1
        self._local = threading.local()
        self.token_requests = 0
        self.batches_sent = 0

    # -- life cycle -----------------------------------------------------------------------------------------

    def expect(self, emails: Sequence[str]) -> None:
        """The accounts this run will probe, in order: they are read ahead in batches."""
        with self._cond:
            seen: set[str] = set()
            self._upcoming = [e for e in (x.lower() for x in emails) if not (e in seen or seen.add(e))]
            # two calls per account (calendars.get and freeBusy.query), each thread its share of the run
            self._share = max(1, min(BATCH_LIMIT // 2, math.ceil(len(self._upcoming) / self.concurrency)))

    def close(self) -> None:
        with self._cond:
            self._tokens.clear()
            self._ready.clear()
            self._upcoming.clear()
            self._cond.notify_all()
        self.transport.close()

    # -- the key --------------------------------------------------------------------------------------------

    def _opened(self) -> GoogleSession | GoogleError:
        with self._cond:
            if self._session is None and self._key_failure is None:
                try:
                    self._session = _open_session(self.settings, self.transport)
                except GoogleError as exc:
                    self._key_failure = exc
            return self._session or self._key_failure  # type: ignore[return-value]

    # -- probes ---------------------------------------------------------------------------------------------

    def probe(self, email: str, cancel: CancelToken) -> ProbeResult:
        key = email.lower()
        self.transport.cancel = cancel
        self.transport.token_request._cancel = cancel
        session = self._opened()
        if isinstance(session, GoogleError):
            return ProbeResult(email, False, diagnosis=session.diagnosis, checked_at=utc_now_iso())
        while True:
            with self._cond:
                ready = self._ready.pop(key, None)
                if ready is not None:
                    return replace(ready, email=email)
                if key in self._taken:
                    chunk = self._take(self._share)
                    if not chunk:
                        self._cond.wait(0.1)
                        cancel.raise_if_cancelled()
                        continue
                else:
                    self._upcoming = [e for e in self._upcoming if e != key]
                    chunk = [key] + self._take(self._share - 1)
                    self._taken.add(key)
            try:
                results = self._read(session, chunk, cancel)
            except BaseException:
                with self._cond:
                    self._taken.difference_update(chunk)
                    self._upcoming = [e for e in chunk if e != key] + self._upcoming
                    self._cond.notify_all()
                raise
            with self._cond:
                self._ready.update(results)
                self._taken.difference_update(chunk)
                self._cond.notify_all()

    def _take(self, count: int) -> list[str]:
        """Up to `count` upcoming accounts no thread has taken (called under the lock)."""
        chunk: list[str] = []
        while self._upcoming and len(chunk) < count:
            email = self._upcoming.pop(0)
            if email in self._taken or email in self._ready:
                continue
            chunk.append(email)
        self._taken.update(chunk)
        return chunk

    def _token(self, session: GoogleSession, scopes: list[str], email: str) -> Any:
        with self._cond:
            cached = self._tokens.get(email)
        if cached is not None and cached.valid:
            return cached
        with self._cond:
            self.token_requests += 1
        creds = session.token(scopes, email)
        with self._cond:
            self._tokens[email] = creds
        return creds

    def _http(self) -> Any:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = self.transport.new_http()
        return http

    def _resources(self) -> tuple[Any, Any]:
        """This thread's Calendar `calendars` and `freebusy` resources (built once: building is costly)."""
        resources = getattr(self._local, "resources", None)
        if resources is None:
            root = self.settings.api_root
            options = {"api_endpoint": api_endpoint(root, CALENDAR)} if root else None
            service = discovery.build_from_document(
                _discovery(CALENDAR[0], CALENDAR[1])[0], http=self._http(), client_options=options)
            resources = self._local.resources = (service.calendars(), service.freebusy())
        return resources

    def _read(self, session: GoogleSession, emails: list[str], cancel: CancelToken) -> dict[str, ProbeResult]:
        checked_at = utc_now_iso()
        get_scopes = session.scopes_for(CALENDAR, "calendars", "get")
        busy_scopes = session.scopes_for(CALENDAR, "freebusy", "query")
        scopes = list(dict.fromkeys(get_scopes + busy_scopes))
        results: dict[str, ProbeResult] = {}
        signed: list[tuple[str, Names, Any]] = []
        broken: Any = None   # a refusal of the application itself: the rest of the share is not asked
        for email in emails:
            cancel.raise_if_cancelled()
            if broken is not None:
                results[email] = ProbeResult(email, False, diagnosis=broken, checked_at=checked_at)
                continue
            names = Names(**{**session.names.__dict__, "user": email})
            try:
                signed.append((email, names, self._token(session, scopes, email)))
            except StepFailure as failure:
                diagnosis = failure.outcome.diagnosis
                results[email] = ProbeResult(email, False, diagnosis=diagnosis, checked_at=checked_at)
                if diagnosis is not None and classify(diagnosis.code) is ProbeKind.APPLICATION:
                    broken = diagnosis
        if not signed:
            return results
        answers: dict[str, tuple[Any, BaseException | None]] = {}

        def keep(request_id: str, response: Any, exception: BaseException | None) -> None:
            answers[request_id] = (response, exception)

        calendars, freebusy = self._resources()
        time_min, time_max = session.busy_window()
        batch = session.batch(CALENDAR, keep)
        for n, (email, _names, creds) in enumerate(signed):
            authorised = AuthorizedHttp(creds, http=self._http())
            if get_scopes:
                request = calendars.get(calendarId="primary", fields="id,timeZone")
                request.http = authorised
                batch.add(request, request_id=f"{n}g")
            body = {"timeMin": time_min, "timeMax": time_max, "items": [{"id": email}]}
            request = freebusy.query(body=body)
            request.http = authorised
            batch.add(request, request_id=f"{n}f")
        failure = self._send(session, batch)
        for n, (email, names, _creds) in enumerate(signed):
            if failure is not None:
                results[email] = ProbeResult(email, False, diagnosis=failure, checked_at=checked_at)
                continue
            results[email] = self._conclude(session, email, names, checked_at, bool(get_scopes),
                                            answers.get(f"{n}g"), answers.get(f"{n}f"))
        return results

    def _send(self, session: GoogleSession, batch: Any) -> Any:
        """Send one batch: None, or the diagnosis answering all its parts when the batch itself failed."""
        with self._cond:
            self.batches_sent += 1
        host = session.api_host(CALENDAR)
        try:
            batch.execute(http=self._http())
        except HttpError as exc:
            return classify_http_error(exc, session.names, api=CALENDAR[2], host=host)
        except (BatchError, ValueError) as exc:
            error = f"{CALENDAR[3]}'s batch answer could not be read ({type(exc).__name__})"
            return session.names.render("server_error", host=host, error=error)
        except google_exceptions.RefreshError as exc:
            return session.refresh_diagnosis(exc, None)
        except Exception as exc:
            if not is_network_error(exc):
                raise
            root = self.settings.api_root or _discovery(CALENDAR[0], CALENDAR[1])[1]["rootUrl"]
            return session.network_diagnosis(exc, root)
        return None

    def _conclude(self, session: GoogleSession, email: str, names: Names, checked_at: str, need_get: bool,
                  got: tuple[Any, BaseException | None] | None,
                  busy: tuple[Any, BaseException | None] | None) -> ProbeResult:
        """One account's verdict from its parts, reached as the single probe (`read_busy`) reaches it."""
        not_found = not_found_user(names)
        calendar_id, time_zone = email, ""
        try:
            if busy is None or (need_get and got is None):
                raise StepFailure(names.render("server_error", host=session.api_host(CALENDAR),
                                               error="the batch answer left this account out"))
            if got is not None:
                calendar = session.execute(_Answered(*got), CALENDAR, names, on_not_found=not_found)
                calendar_id = str(calendar.get("id") or email)
                time_zone = str(calendar.get("timeZone") or "")
            assert busy is not None
            answer = session.execute(_Answered(*busy), CALENDAR, names, on_not_found=not_found)
            blocks: list[BusyBlock] = session.busy_in(answer, calendar_id, names)
        except StepFailure as failure:
            diagnosis = failure.outcome.diagnosis
            exception = next((p[1] for p in (got, busy) if p is not None and p[1] is not None), None)
            back_off = None
            if diagnosis is not None and diagnosis.code == "throttled" and isinstance(exception, HttpError):
                waited = retry_after_seconds(api_error_parts(exception).retry_after)
                back_off = float(waited) if waited else None
            return ProbeResult(email, False, diagnosis=diagnosis, checked_at=checked_at, back_off=back_off)
        return ProbeResult(email, True, tuple(blocks), time_zone, None, checked_at)


__all__ = ["BATCH_LIMIT", "GoogleProbeSession"]
