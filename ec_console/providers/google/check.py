"""The Google Workspace provider: a service account with domain-wide delegation, checked step by step.

`run_google_check(settings)` runs DESIGN.md's steps against one user:

- `key`: the key file is a service-account key (precise `key_malformed` causes);
- `clock`: this computer's clock against the token endpoint's `Date` header (pass ≤ 30 s, warn ≤ 5 min);
- `token`: a token for the key alone (no subject): the key and the service account exist;
- `delegation`: one token request per scope with the user as subject, as GAM's `check serviceaccount` does
  (one refused scope fails a whole request, so each scope is asked alone); the per-scope table is the step's
  `data`;
- `user`: Directory `users.get` with `--admin` as the delegated subject: the user exists, is not suspended;
- `read_calendar`: as the user, the primary calendar and the busy blocks of the next 7 days (freeBusy: never
  an event's details);
- `restriction` (optional): an account that must be outside the scope is denied.

`enumerate_users(...)` lists the users of the domain, of an organisational unit, or the members of a group
(paged, suspended users skipped); `probe_user(settings, email)` reads one account's busy blocks.

Every credential is scoped explicitly (unscoped service-account credentials would make googleapiclient ask
for every scope of an API, and delegation would fail). `api_root` reaches Directory and Calendar, batches
included. Each thread gets its own httplib2 object. Waits are bounded by `timeout`. Qt-free; never prints.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from google.auth import exceptions as google_exceptions
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient import discovery
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from ec_console.checks import (
    CancelToken,
    CheckRun,
    Diagnosis,
    Outcome,
    Report,
    StepFailure,
    StepResult,
    StepSpec,
    failed,
    passed,
    skipped,
    warned,
)
from ec_console.diagnoses import DEFAULT_GOOGLE_SCOPES
from ec_console.providers.google.errors import (
    Names,
    classify_http_error,
    classify_network_error,
    classify_refresh_error,
    is_network_error,
    is_scope_refusal,
    refresh_error_parts,
    refresh_error_text,
    short,
)
from ec_console.providers.google.key import (
    KeyProblem,
    ServiceAccountKey,
    load_key,
    parse_key_bytes,
    register_secret,
)
from ec_console.providers.google.net import DEFAULT_TIMEOUT, Transport, parse_http_date, retry_after_seconds
from ec_console.texts import say, say_n

log = logging.getLogger(__name__)

PROVIDER = "google"
DIRECTORY = ("admin", "directory_v1", "admin.googleapis.com", "Admin SDK")
CALENDAR = ("calendar", "v3", "calendar-json.googleapis.com", "Google Calendar")
CLOCK_PASS_SECONDS = 30.0
CLOCK_WARN_SECONDS = 300.0
WINDOW_DAYS = 7
MAX_BUSY_SHOWN = 50
PAGE_SIZE = 500

GOOGLE_STEPS: tuple[StepSpec, ...] = (
    StepSpec("key", say("Service-account key file")),
    StepSpec("clock", say("Clock against Google's token server")),
    StepSpec("token", say("Token for the service account")),
    StepSpec("delegation", say("Domain-wide delegation for each scope")),
    StepSpec("user", say("User in the directory")),
    StepSpec("read_calendar", say("Read the calendar (busy blocks of the next 7 days)")),
    StepSpec("restriction", say("Account outside the scope is denied"), depends_on=("token",)),
)


@dataclass(frozen=True)
class GoogleSettings:
    """What one Google check needs. Give `key_file` (a path) or `key_info` (the parsed key file)."""

    admin: str
    user: str
    key_file: str | Path | None = None
    key_info: Mapping[str, Any] | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = DEFAULT_GOOGLE_SCOPES
    api_root: str | None = None
    expect_denied: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str | Path | None = None

    def __post_init__(self) -> None:
        if (self.key_file is None) == (self.key_info is None):
            raise ValueError("give exactly one of key_file and key_info")
        if not self.scopes:
            raise ValueError("at least one scope is required")
        object.__setattr__(self, "scopes", tuple(dict.fromkeys(self.scopes)))
        if self.api_root is not None and not self.api_root.endswith("/"):
            object.__setattr__(self, "api_root", self.api_root + "/")


@dataclass(frozen=True)
class BusyBlock:
    start: str
    end: str


@dataclass(frozen=True)
class ProbeResult:
    """One account's calendar as the application sees it: busy blocks of the next 7 days, or why not."""

    email: str
    ok: bool
    busy: tuple[BusyBlock, ...] = ()
    time_zone: str = ""
    diagnosis: Diagnosis | None = None
    checked_at: str = ""
    back_off: float | None = None   # seconds a throttled answer asked to wait (its Retry-After), when known


@dataclass(frozen=True)
class DirectoryUser:
    email: str
    name: str
    org_unit: str
    suspended: bool
    is_admin: bool = False              # Directory's isAdmin: a super administrator
    is_delegated_admin: bool = False    # Directory's isDelegatedAdmin: holds another admin role
    title: str = ""                     # the primary organisation's job title, when the directory has one
    screened: bool = False              # the directory said whether the user is an administrator


# Signs of an executive account in what Directory's users.list returns: an organisational unit named for
# executives or a job title of the C-suite. Directory has no "executive" flag; this is a heuristic, meant only
# to keep such accounts from being pre-ticked (docs/google-check.md, "Finding accounts").
_EXECUTIVE_UNIT = re.compile(r"^(executives?|exec|leadership|board|c-suite|c-level|management board)$", re.I)
_EXECUTIVE_TITLE = re.compile(
    r"\b(chief|ceo|cfo|coo|cto|cio|ciso|cmo|president|vice[- ]president|vp|executive|founder|chair(man|woman|"
    r"person)?|managing director|general counsel)\b", re.I)


def account_role(user: DirectoryUser) -> str:
    """Why an account should not be picked for the admin without a thought: "super administrator",
    "administrator", "executive", or "" for an ordinary account (or one the directory said nothing about)."""
    if user.is_admin:
        return "super administrator"
    if user.is_delegated_admin:
        return "administrator"
    units = [part for part in user.org_unit.split("/") if part]
    if any(_EXECUTIVE_UNIT.match(part.strip()) for part in units) or _EXECUTIVE_TITLE.search(user.title):
        return "executive"
    return ""


# --- discovery and services ------------------------------------------------------------------------------


@cache
def _discovery(name: str, version: str) -> tuple[str, dict[str, Any]]:
    text = get_static_doc(name, version)
    if text is None:  # pragma: no cover - the documents ship with google-api-python-client
        raise RuntimeError(f"the discovery document of {name} {version} is not installed")
    return text, json.loads(text)


def _method_scopes(api: tuple[str, str, str, str], resource: str, method: str) -> frozenset[str]:
    """The scopes the discovery document accepts for `resource.method`."""
    doc = _discovery(api[0], api[1])[1]
    return frozenset(doc["resources"][resource]["methods"][method].get("scopes", ()))


def api_endpoint(api_root: str, api: tuple[str, str, str, str]) -> str:
    """Where an API lives under one root: the root plus the API's `servicePath` (Directory: '', Calendar:
    'calendar/v3/')."""
    return api_root + _discovery(api[0], api[1])[1].get("servicePath", "")


def batch_uri(api_root: str | None, api: tuple[str, str, str, str]) -> str:
    """The batch endpoint of an API: under `api_root` when given (googleapiclient's own ignores it)."""
    doc = _discovery(api[0], api[1])[1]
    return (api_root or doc["rootUrl"]) + doc.get("batchPath", "batch")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or url, parts.port or (443 if parts.scheme == "https" else 80)


class GoogleSession:
    """One service account's access: tokens per (subject, scopes) and API services per thread.

    Raises `StepFailure` with a diagnosis for every failure it recognises.
    """

    def __init__(
        self, key: ServiceAccountKey, settings: GoogleSettings, transport: Transport, names: Names
    ) -> None:
        self.key = key
        self.settings = settings
        self.transport = transport
        self.names = names

    # -- tokens ---------------------------------------------------------------------------------------------

    def credentials(self, scopes: Sequence[str], subject: str | None = None) -> Any:
        creds = self.key.credentials.with_scopes(list(scopes))
        return creds.with_subject(subject) if subject else creds

    def token(self, scopes: Sequence[str], subject: str | None = None) -> Any:
        """Refreshed credentials for `subject` (None: the service account itself) and exactly `scopes`."""
        creds = self.credentials(scopes, subject)
        try:
            creds.refresh(self.transport.token_request)
        except google_exceptions.RefreshError as exc:
            diagnosis = self.refresh_diagnosis(exc, subject)
            raise StepFailure(diagnosis, self._refusal_detail(exc, subject)) from None
        except google_exceptions.TransportError as exc:
            raise StepFailure(self.network_diagnosis(exc, self.key.token_uri)) from None
        except (TypeError, ValueError, KeyError) as exc:
            # google-auth reads a 200 answer as a JSON object with a token; anything else breaks its parsing.
            log.debug("Unreadable token answer from %s", self.key.token_uri, exc_info=True)
            host = _host_port(self.key.token_uri)[0]
            error = "the token endpoint answered 200 with something that is not a token answer"
            raise StepFailure(
                self.names.render("server_error", host=host, error=error),
                say("{host} answered the token request with something that is not a token ({kind}).",
                    host=host, kind=type(exc).__name__),
            ) from None
        if creds.token:
            register_secret(creds.token)
        return creds

    def refresh_diagnosis(self, exc: BaseException, subject: str | None) -> Diagnosis:
        answer = self.transport.token_request.last_answer
        return classify_refresh_error(
            exc,
            self.names,
            status=answer.status if answer else None,
            retry_after=retry_after_seconds(answer.retry_after) if answer else None,
            subject=subject,
        )

    def _refusal_detail(self, exc: BaseException, subject: str | None) -> str:
        if subject:
            return say("The token endpoint refused the request for {subject}: {error}.", subject=subject,
                       error=refresh_error_text(exc))
        return say("The token endpoint refused the request: {error}.", error=refresh_error_text(exc))

    def network_diagnosis(self, exc: BaseException, url: str) -> Diagnosis:
        host, port = _host_port(url)
        return classify_network_error(exc, self.names, host=host, port=port)

    # -- APIs -----------------------------------------------------------------------------------------------

    def service(self, api: tuple[str, str, str, str], creds: Any) -> Any:
        """A googleapiclient service on a fresh httplib2 object (use it on one thread only)."""
        text = _discovery(api[0], api[1])[0]
        root = self.settings.api_root
        options = {"api_endpoint": api_endpoint(root, api)} if root else None
        http = AuthorizedHttp(creds, http=self.transport.new_http())
        return discovery.build_from_document(text, http=http, client_options=options)

    def batch(
        self, api: tuple[str, str, str, str], callback: Callable[..., None] | None = None
    ) -> BatchHttpRequest:
        """A batch for `api` that honours `api_root` (googleapiclient's own batch URI ignores it)."""
        return BatchHttpRequest(callback=callback, batch_uri=batch_uri(self.settings.api_root, api))

    def api_host(self, api: tuple[str, str, str, str]) -> str:
        root = self.settings.api_root or _discovery(api[0], api[1])[1]["rootUrl"]
        return _host_port(root)[0]

    def execute(
        self,
        request: Any,
        api: tuple[str, str, str, str],
        names: Names | None = None,
        *,
        on_forbidden: Callable[[Any], Diagnosis | None] | None = None,
        on_not_found: Callable[[Any], Diagnosis | None] | None = None,
    ) -> Any:
        """Run one API request (no hidden retries); failures become StepFailure with a diagnosis."""
        names = names or self.names
        if self.transport.cancel is not None:
            self.transport.cancel.raise_if_cancelled()
        try:
            answer = request.execute(num_retries=0)
        except HttpError as exc:
            diagnosis = classify_http_error(
                exc,
                names,
                api=api[2],
                host=self.api_host(api),
                on_forbidden=on_forbidden,
                on_not_found=on_not_found,
            )
            raise StepFailure(diagnosis) from None
        except google_exceptions.RefreshError as exc:
            raise StepFailure(self.refresh_diagnosis(exc, None)) from None
        except ValueError as exc:  # the body is not UTF-8 text (googleapiclient decodes before parsing)
            host = self.api_host(api)
            error = f"{api[3]} answered with something that is not JSON text ({type(exc).__name__})"
            raise StepFailure(names.render("server_error", host=host, error=error)) from None
        except Exception as exc:
            if not is_network_error(exc):
                raise
            url = self.settings.api_root or _discovery(api[0], api[1])[1]["rootUrl"]
            raise StepFailure(self.network_diagnosis(exc, url)) from None
        if not isinstance(answer, dict):
            host, what = self.api_host(api), _shape(answer)
            error = f"{api[3]} answered with {what}, not a JSON object"
            raise StepFailure(
                names.render("server_error", host=host, error=error),
                say("{host} answered {api} with {what} where a JSON object belongs.", host=host, api=api[3],
                    what=what),
            )
        return answer

    # -- scopes ---------------------------------------------------------------------------------------------

    def scopes_for(self, api: tuple[str, str, str, str], resource: str, method: str) -> list[str]:
        """The scopes among the checked ones that allow `resource.method` (kept in the given order)."""
        allowed = _method_scopes(api, resource, method)
        return [s for s in self.settings.scopes if s in allowed]

    # -- calendar -------------------------------------------------------------------------------------------

    def read_busy(self, email: str, names: Names | None = None) -> tuple[str, str, list[BusyBlock]]:
        """(calendar id, time zone, busy blocks of the next 7 days) of `email`, acting as `email`."""
        names = names or self.names
        get_scopes = self.scopes_for(CALENDAR, "calendars", "get")
        busy_scopes = self.scopes_for(CALENDAR, "freebusy", "query")
        creds = self.token(list(dict.fromkeys(get_scopes + busy_scopes)), email)
        service = self.service(CALENDAR, creds)
        not_found = not_found_user(names)
        calendar_id, time_zone = email, ""
        if get_scopes:
            calendar = self.execute(
                service.calendars().get(calendarId="primary", fields="id,timeZone"),
                CALENDAR,
                names,
                on_not_found=not_found,
            )
            calendar_id = str(calendar.get("id") or email)
            time_zone = str(calendar.get("timeZone") or "")
        time_min, time_max = self.busy_window()
        body = {"timeMin": time_min, "timeMax": time_max, "items": [{"id": calendar_id}]}
        answer = self.execute(service.freebusy().query(body=body), CALENDAR, names, on_not_found=not_found)
        return calendar_id, time_zone, self.busy_in(answer, calendar_id, names)

    def busy_window(self) -> tuple[str, str]:
        """(timeMin, timeMax) of the next 7 days, as freeBusy takes them."""
        start = datetime.now(UTC).replace(microsecond=0)
        return _iso(start), _iso(start + timedelta(days=WINDOW_DAYS))

    def busy_in(self, answer: dict[str, Any], calendar_id: str, names: Names) -> list[BusyBlock]:
        """The busy blocks of `calendar_id` in a freeBusy answer; StepFailure for the calendar's own error."""
        calendars = answer.get("calendars") or {}
        entry = calendars.get(calendar_id) or (next(iter(calendars.values())) if calendars else {})
        errors = entry.get("errors") or []
        if errors:
            reason = str(errors[0].get("reason") or "unknown")
            if reason == "notFound":
                raise StepFailure(names.render("user_not_found"))
            if reason == "notACalendarUser":
                raise StepFailure(names.render("calendar_not_enabled"))
            raise StepFailure(
                names.render(
                    "server_error",
                    host=self.api_host(CALENDAR),
                    error=f"freeBusy answered {reason} for {calendar_id}",
                )
            )
        return [BusyBlock(str(b.get("start", "")), str(b.get("end", ""))) for b in entry.get("busy") or []]


def _shape(answer: Any) -> str:
    """What an API answer that is not a JSON object was, in a few words (never its content)."""
    if answer is None or answer == "":
        return say("an empty answer")
    if isinstance(answer, str):
        return say("text that is not JSON")
    if isinstance(answer, list):
        return say("a JSON array")
    if isinstance(answer, bool):
        return say("a JSON boolean")
    if isinstance(answer, int | float):
        return say("a JSON number")
    return say("a {kind}", kind=type(answer).__name__)


def not_found_user(names: Names) -> Callable[[Any], Diagnosis | None]:
    return lambda _parts: names.render("user_not_found")


# --- the check --------------------------------------------------------------------------------------------


class _GoogleCheck:
    def __init__(self, settings: GoogleSettings, transport: Transport) -> None:
        self.settings = settings
        self.transport = transport
        key_file = str(settings.key_file) if settings.key_file is not None else None
        self.names = Names(
            key_file=key_file,
            admin=settings.admin,
            user=settings.user,
            scopes=settings.scopes,
            timeout=settings.timeout,
        )
        self.session: GoogleSession | None = None

    def functions(self) -> dict[str, Callable[[], Outcome | None]]:
        return {
            "key": self.key,
            "clock": self.clock,
            "token": self.token,
            "delegation": self.delegation,
            "user": self.user,
            "read_calendar": self.read_calendar,
            "restriction": self.restriction,
        }

    @property
    def _session(self) -> GoogleSession:
        assert self.session is not None, "the key step runs first"
        return self.session

    # -- key ------------------------------------------------------------------------------------------------

    def _key_info(self) -> dict[str, Any]:
        if self.settings.key_info is not None:
            return dict(self.settings.key_info)
        try:
            raw = Path(self.settings.key_file).read_bytes()  # type: ignore[arg-type]
        except OSError as exc:
            raise KeyProblem(say("it cannot be read ({error})", error=exc.strerror or exc)) from None
        return parse_key_bytes(raw)

    def key(self) -> Outcome:
        try:
            key = load_key(self._key_info())
        except KeyProblem as problem:
            return failed(self.names.render("key_malformed", error=str(problem)))
        self.names = Names(
            **{
                **self.names.__dict__,
                "service_account": key.client_email,
                "client_id": key.client_id,
                "key_id": key.private_key_id,
                "project": key.project_id or None,
            }
        )
        self.session = GoogleSession(key, self.settings, self.transport, self.names)
        names = {"account": key.client_email, "client_id": key.client_id, "key_id": key.private_key_id[:8]}
        if key.project_id:
            detail = say("Service account {account} (client ID {client_id}, key {key_id}…), "
                         "project {project}.", project=key.project_id, **names)
        else:
            detail = say("Service account {account} (client ID {client_id}, key {key_id}…), "
                         "project not named.", **names)
        return passed(detail, key.summary())

    # -- clock ----------------------------------------------------------------------------------------------

    def clock(self) -> Outcome:
        session = self._session
        url = session.key.token_uri
        if self.transport.cancel is not None:
            self.transport.cancel.raise_if_cancelled()
        sent = datetime.now(UTC).timestamp()
        try:
            response = self.transport.session.get(url, timeout=self.settings.timeout, allow_redirects=False)
        except Exception as exc:
            if not is_network_error(exc):
                raise
            return failed(session.network_diagnosis(exc, url))
        received = datetime.now(UTC).timestamp()
        response.close()
        server = parse_http_date(response.headers.get("Date"))
        if server is None:
            return warned(
                say("The token server at {host} sent no readable Date header; the clock could not be "
                    "compared.", host=_host_port(url)[0]),
                {"server_date": response.headers.get("Date")},
            )
        # Date has whole seconds: the server's time lies in [Date, Date + 1 s).
        offset = (sent + received) / 2 - (server.timestamp() + 0.5)
        data = {
            "offset_seconds": round(offset, 1),
            "server_date": response.headers.get("Date"),
            "round_trip_ms": round((received - sent) * 1000),
        }
        seconds = f"{abs(offset):.0f}"
        if offset > 0:
            detail = say("This computer's clock is {seconds} s ahead of the token server's.", seconds=seconds)
        else:
            detail = say("This computer's clock is {seconds} s behind the token server's.", seconds=seconds)
        if abs(offset) <= CLOCK_PASS_SECONDS:
            return passed(detail, data)
        diagnosis = self.names.render("clock_skew", skew=round(abs(offset)))
        if abs(offset) <= CLOCK_WARN_SECONDS:
            margin = say("{clock} Tokens still work, but the margin is small.", clock=detail)
            return warned(margin, data, diagnosis)
        return failed(diagnosis, detail, data)

    # -- token ----------------------------------------------------------------------------------------------

    def token(self) -> Outcome:
        creds = self._session.token(self.settings.scopes[:1])
        expiry = creds.expiry.replace(tzinfo=UTC) if creds.expiry else None
        data = {"scope": self.settings.scopes[0], "expires_at": _iso(expiry) if expiry else None}
        account = self._session.key.client_email
        return passed(say("Google issued a token to {account} (no subject).", account=account), data)

    # -- delegation -----------------------------------------------------------------------------------------

    def delegation(self) -> Outcome:
        session = self._session
        rows: list[dict[str, Any]] = [
            {"scope": s, "status": "not_tested", "error": None} for s in self.settings.scopes
        ]
        refused: list[str] = []
        for row in rows:
            try:
                session.token([row["scope"]], self.settings.user)
            except StepFailure as failure:
                if failure.outcome.diagnosis and failure.outcome.diagnosis.code == "dwd_unauthorized":
                    row.update(status="refused", error="unauthorized_client")
                    refused.append(row["scope"])
                    continue
                row.update(status="error", error=failure.outcome.detail)
                diagnosis = failure.outcome.diagnosis or self.names.render("unexpected_error")
                if diagnosis.code == "scope_unknown":
                    row.update(status="unknown", error="invalid_scope")
                    diagnosis = self.names.render("scope_unknown", scopes=[row["scope"]])
                if diagnosis.code == "user_not_found":
                    # Google answers a suspended user's token request as for an unknown user: ask Directory.
                    diagnosis = self._suspended_diagnosis() or diagnosis
                return failed(diagnosis, failure.outcome.detail, self._table(rows))
            row["status"] = "authorized"
        data = self._table(rows)
        if refused and len(refused) == len(rows):
            return failed(
                self.names.render("dwd_unauthorized"),
                say_n("Client {client_id} is not delegated for the {n} scope checked "
                      "(unauthorized_client).",
                      "Client {client_id} is not delegated for any of the {n} scopes "
                      "(unauthorized_client for each).", len(rows), client_id=session.key.client_id),
                data,
            )
        if refused:
            return failed(
                self.names.render("scope_not_authorized", missing_scopes=refused),
                say_n("Delegated for {granted} of {n} scope; refused: {refused}.",
                      "Delegated for {granted} of {n} scopes; refused: {refused}.", len(rows),
                      granted=len(rows) - len(refused), refused=", ".join(refused)),
                data,
            )
        return passed(
            say_n("Client {client_id} is delegated for the {n} scope as {user}.",
                  "Client {client_id} is delegated for all {n} scopes as {user}.", len(rows),
                  client_id=session.key.client_id, user=self.settings.user),
            data,
        )

    def _suspended_diagnosis(self) -> Diagnosis | None:
        """`user_suspended` when Directory (read as the administrator) says the user is suspended."""
        session = self._session
        scopes = session.scopes_for(DIRECTORY, "users", "get")
        if not scopes:
            return None
        try:
            creds = self._admin_token(scopes, Names(**{**self.names.__dict__, "user": self.settings.admin}))
            service = session.service(DIRECTORY, creds)
            found = session.execute(
                service.users().get(
                    userKey=self.settings.user, fields="primaryEmail,suspended,suspensionReason"
                ),
                DIRECTORY,
            )
        except StepFailure:
            return None
        if not found.get("suspended"):
            return None
        reason = found.get("suspensionReason") or "no reason given"
        return self.names.render("user_suspended", error=f"suspension reason: {reason}")

    def _table(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"subject": self.settings.user, "client_id": self._session.key.client_id, "scopes": rows}

    # -- user -----------------------------------------------------------------------------------------------

    def user(self) -> Outcome:
        session = self._session
        scopes = session.scopes_for(DIRECTORY, "users", "get")
        if not scopes:
            return skipped(say("Not applicable: none of the checked scopes allows reading the directory."))
        admin_names = Names(**{**self.names.__dict__, "user": self.settings.admin})
        creds = self._admin_token(scopes, admin_names)
        service = session.service(DIRECTORY, creds)
        request = service.users().get(
            userKey=self.settings.user, fields="primaryEmail,isAdmin,suspended,suspensionReason,orgUnitPath"
        )
        found = session.execute(
            request,
            DIRECTORY,
            on_forbidden=lambda _p: self.names.render("not_admin"),
            on_not_found=not_found_user(self.names),
        )
        data = {
            "primary_email": found.get("primaryEmail"),
            "suspended": bool(found.get("suspended")),
            "org_unit": found.get("orgUnitPath"),
            "looked_up_as": self.settings.admin,
        }
        if found.get("suspended"):
            reason = found.get("suspensionReason") or "no reason given"
            diagnosis = self.names.render("user_suspended", error=f"suspension reason: {reason}")
            return failed(diagnosis, data=data)
        return passed(
            say("{user} exists and is active (looked up as {admin}).",
                user=found.get("primaryEmail", self.settings.user), admin=self.settings.admin),
            data,
        )

    def _admin_token(self, scopes: list[str], admin_names: Names) -> Any:
        try:
            return GoogleSession(self._session.key, self.settings, self.transport, admin_names).token(
                scopes, self.settings.admin
            )
        except StepFailure as failure:
            diagnosis = failure.outcome.diagnosis
            if diagnosis is not None and diagnosis.code == "dwd_unauthorized":
                diagnosis = self.names.render("scope_not_authorized", missing_scopes=scopes)
            raise StepFailure(
                diagnosis or self.names.render("unexpected_error"),
                say("Signing in as the administrator {admin} failed: {detail}", admin=self.settings.admin,
                    detail=failure.outcome.detail),
            ) from None

    # -- read_calendar --------------------------------------------------------------------------------------

    def read_calendar(self) -> Outcome:
        session = self._session
        if not session.scopes_for(CALENDAR, "freebusy", "query"):
            return skipped(say("Not applicable: none of the checked scopes allows reading free/busy times."))
        calendar_id, time_zone, busy = session.read_busy(self.settings.user)
        data = {
            "calendar_id": calendar_id,
            "time_zone": time_zone or None,
            "window_days": WINDOW_DAYS,
            "busy_blocks": len(busy),
            "busy": [{"start": b.start, "end": b.end} for b in busy[:MAX_BUSY_SHOWN]],
        }
        if time_zone:
            detail = say_n("Read the primary calendar ({zone}) of {user}: {n} busy block in the next "
                           "{days} days.",
                           "Read the primary calendar ({zone}) of {user}: {n} busy blocks in the next "
                           "{days} days.", len(busy), zone=time_zone, user=self.settings.user,
                           days=WINDOW_DAYS)
        else:
            detail = say_n("Read the primary calendar of {user}: {n} busy block in the next {days} days.",
                           "Read the primary calendar of {user}: {n} busy blocks in the next {days} days.",
                           len(busy), user=self.settings.user, days=WINDOW_DAYS)
        return passed(detail, data)

    # -- restriction ----------------------------------------------------------------------------------------

    def restriction(self) -> Outcome:
        target = self.settings.expect_denied
        if not target:
            return skipped(say("Not requested (--expect-denied)."))
        session = self._session
        names = Names(**{**self.names.__dict__, "user": target})
        if not session.scopes_for(CALENDAR, "freebusy", "query"):
            return skipped(say("Not applicable: none of the checked scopes allows reading free/busy times."))
        try:
            _, _, busy = session.read_busy(target, names)
        except StepFailure as failure:
            diagnosis = failure.outcome.diagnosis
            code = diagnosis.code if diagnosis else ""
            if code in ("dwd_unauthorized", "scope_not_authorized", "not_admin"):
                return passed(
                    say("Access to {account} is denied, as expected ({detail})", account=target,
                        detail=failure.outcome.detail),
                    {"account": target, "denied": True},
                )
            return warned(
                say("Could not tell whether {account} is outside the scope: {detail}", account=target,
                    detail=failure.outcome.detail),
                {"account": target, "denied": None},
                diagnosis,
            )
        return failed(
            self.names.render("scope_not_enforced", mailbox=target),
            say_n("{account} is meant to be outside the scope, yet its calendar answered ({n} busy block).",
                  "{account} is meant to be outside the scope, yet its calendar answered ({n} busy blocks).",
                  len(busy), account=target),
            {"account": target, "denied": False},
        )


def run_google_check(
    settings: GoogleSettings,
    *,
    observer: Callable[[StepResult], None] | None = None,
    cancel: CancelToken | None = None,
    on_step_started: Callable[[str], None] | None = None,
) -> Report:
    """Run the Google check of `settings.user`; `observer` gets each finished step (on this thread)."""
    cancel = cancel or CancelToken()
    run = CheckRun(
        PROVIDER,
        settings.user,
        GOOGLE_STEPS,
        on_step=observer,
        on_step_started=on_step_started,
        cancel=cancel,
    )
    with Transport(timeout=settings.timeout, ca_file=settings.ca_file, cancel=cancel) as transport:
        return run.execute(_GoogleCheck(settings, transport).functions())


# --- accounts in scope and probes -------------------------------------------------------------------------


class GoogleError(Exception):
    """An operation outside a check failed; `diagnosis` says why and what to do."""

    def __init__(self, diagnosis: Diagnosis, detail: str = "") -> None:
        super().__init__(detail or diagnosis.cause)
        self.diagnosis = diagnosis


def _open_session(settings: GoogleSettings, transport: Transport) -> GoogleSession:
    check = _GoogleCheck(settings, transport)
    outcome = check.key()
    if outcome.diagnosis is not None:
        raise GoogleError(outcome.diagnosis, outcome.detail)
    return check._session


def enumerate_users(
    settings: GoogleSettings,
    *,
    domain: str | None = None,
    org_unit: str | None = None,
    group: str | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[DirectoryUser]:
    """The active users of the domain (or customer), of an organisational unit, or the members of a group.

    Reads Directory as `settings.admin`, page by page; suspended users are skipped. Raises GoogleError.
    """
    if group and org_unit:
        raise ValueError("give an organisational unit or a group, not both")
    with Transport(timeout=settings.timeout, ca_file=settings.ca_file, cancel=cancel) as transport:
        session = _open_session(settings, transport)
        scope = next(iter(session.scopes_for(DIRECTORY, "members" if group else "users", "list")), None)
        scope = scope or (
            "https://www.googleapis.com/auth/admin.directory.group.member.readonly"
            if group
            else "https://www.googleapis.com/auth/admin.directory.user.readonly"
        )
        try:
            creds = session.token([scope], settings.admin)
            service = session.service(DIRECTORY, creds)
            forbidden = {"on_forbidden": lambda _p: session.names.render("not_admin")}
            if group:
                yield from _group_members(session, service, group, forbidden)
            else:
                yield from _users(session, service, domain, org_unit, forbidden)
        except StepFailure as failure:
            raise GoogleError(
                failure.outcome.diagnosis or session.names.render("unexpected_error"), failure.outcome.detail
            ) from None


def _users(
    session: GoogleSession, service: Any, domain: str | None, org_unit: str | None, forbidden: dict[str, Any]
) -> Iterator[DirectoryUser]:
    query: dict[str, Any] = {"domain": domain} if domain else {"customer": "my_customer"}
    if org_unit:
        path = org_unit if org_unit.startswith("/") else "/" + org_unit
        query["query"] = "orgUnitPath='" + path.replace("'", "\\'") + "'"
    fields = ("nextPageToken,users(primaryEmail,name/fullName,orgUnitPath,suspended,isAdmin,isDelegatedAdmin,"
              "organizations)")
    token: str | None = None
    while True:
        page = session.execute(
            service.users().list(
                maxResults=PAGE_SIZE, pageToken=token, fields=fields, orderBy="email", **query
            ),
            DIRECTORY,
            **forbidden,
        )
        for raw in page.get("users") or []:
            if raw.get("suspended"):
                continue
            name = str((raw.get("name") or {}).get("fullName", ""))
            organizations = [o for o in raw.get("organizations") or [] if isinstance(o, dict)]
            primary = next((o for o in organizations if o.get("primary")), organizations[0] if organizations
                           else {})
            yield DirectoryUser(
                str(raw.get("primaryEmail", "")), name, str(raw.get("orgUnitPath", "/")), False,
                is_admin=raw.get("isAdmin") is True, is_delegated_admin=raw.get("isDelegatedAdmin") is True,
                title=str(primary.get("title") or ""), screened="isAdmin" in raw,
            )
        token = page.get("nextPageToken")
        if not token:
            return


def _group_members(
    session: GoogleSession, service: Any, group: str, forbidden: dict[str, Any]
) -> Iterator[DirectoryUser]:
    token: str | None = None
    fields = "nextPageToken,members(email,type,status)"
    while True:
        page = session.execute(
            service.members().list(
                groupKey=group, includeDerivedMembership=True, maxResults=200, pageToken=token, fields=fields
            ),
            DIRECTORY,
            **forbidden,
        )
        for raw in page.get("members") or []:
            if raw.get("type", "USER") != "USER" or raw.get("status", "ACTIVE") == "SUSPENDED":
                continue
            yield DirectoryUser(str(raw.get("email", "")), "", "", False)
        token = page.get("nextPageToken")
        if not token:
            return


def probe_user(settings: GoogleSettings, email: str, *, cancel: CancelToken | None = None) -> ProbeResult:
    """Read `email`'s busy blocks of the next 7 days through the service account (never event details)."""
    from ec_console.checks import utc_now_iso

    checked_at = utc_now_iso()
    with Transport(timeout=settings.timeout, ca_file=settings.ca_file, cancel=cancel) as transport:
        try:
            session = _open_session(settings, transport)
        except GoogleError as exc:
            return ProbeResult(email, False, diagnosis=exc.diagnosis, checked_at=checked_at)
        names = Names(**{**session.names.__dict__, "user": email})
        try:
            _, zone, busy = session.read_busy(email, names)
        except StepFailure as failure:
            return ProbeResult(email, False, diagnosis=failure.outcome.diagnosis, checked_at=checked_at)
        return ProbeResult(email, True, tuple(busy), zone, None, checked_at)


def lookup_user(
    settings: GoogleSettings, email: str, *, cancel: CancelToken | None = None
) -> tuple[DirectoryUser | None, Diagnosis | None]:
    """`email`'s Directory record read as `settings.admin` (the `user` step alone): (user, None); (user,
    user_suspended) for a suspended user; (None, why) when it cannot be read; (None, None) when none of the
    checked scopes allows reading the directory."""
    from dataclasses import replace

    settings = replace(settings, user=email)
    with Transport(timeout=settings.timeout, ca_file=settings.ca_file, cancel=cancel) as transport:
        check = _GoogleCheck(settings, transport)
        outcome = check.key()
        if outcome.diagnosis is not None:
            return None, outcome.diagnosis
        try:
            outcome = check.user()
        except StepFailure as failure:
            return None, failure.outcome.diagnosis or check.names.render("unexpected_error")
    data = outcome.data or {}
    if "org_unit" not in data:
        return None, None
    user = DirectoryUser(str(data.get("primary_email") or email), "", str(data.get("org_unit") or "/"),
                         bool(data.get("suspended")))
    return user, outcome.diagnosis


__all__ = [
    "CALENDAR",
    "DIRECTORY",
    "GOOGLE_STEPS",
    "BusyBlock",
    "DirectoryUser",
    "GoogleError",
    "GoogleSettings",
    "ProbeResult",
    "api_endpoint",
    "batch_uri",
    "enumerate_users",
    "probe_user",
    "refresh_error_parts",
    "run_google_check",
    "short",
    "is_scope_refusal",
    "lookup_user",
]
