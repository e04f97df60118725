"""The Exchange provider: the EWS service-account check, scope enumeration and mailbox probes.

Qt-free and synchronous (the UI runs it on a worker thread); it never prints. The check follows
DESIGN.md's step list exactly:

    resolve_endpoint · dns · tcp · tls · authenticate · impersonate · read_calendar
    [· write_probe] [· restriction]

`dns`, `tcp` and `tls` are probed with the stdlib (`providers.net`) so each failure is told apart; the
EWS steps use exchangelib through this check's own `CheckProtocol` (no process-wide Protocol cache, the
check's `transport.CheckTransport` for trust, answer cap and proxies, FailFast with strict HTTP errors, the
check's timeout). Every check builds its own Configuration, Protocol, credentials and sessions and closes them
at the end: nothing (auth type, server version, impersonation, connections, tokens) carries over to the next
check, so a Retry after a fix on the server tells the truth. Autodiscover is walked here, not by exchangelib
(whose resolver ignores the hosts file and whose cache lives on disk): see `exchange.autodiscover` and
docs/exchange-check.md.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import functools
import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import requests
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    Account,
    CalendarItem,
    Configuration,
    Credentials,
    EWSDateTime,
    Identity,
    OAuth2Credentials,
)
from exchangelib import errors as ews
from exchangelib.ewsdatetime import UTC
from exchangelib.folders import Calendar, Root
from exchangelib.items import SEND_TO_NONE
from exchangelib.properties import DistinguishedFolderId
from exchangelib.properties import Mailbox as EwsMailbox
from oauthlib.oauth2 import BackendApplicationClient
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from ec_console.checks import (
    CancelToken,
    CheckRun,
    Diagnosis,
    Outcome,
    Report,
    StartedObserver,
    StepObserver,
    StepSpec,
    failed,
    passed,
    skipped,
    utc_now_iso,
    warned,
)
from ec_console.diagnoses import diagnose
from ec_console.providers import net, transport
from ec_console.providers.exchange.errors import ErrorContext, diagnosis_for, short, unwrap
from ec_console.providers.exchange.errors import classify as classify_error
from ec_console.providers.exchange.http import (
    CheckProtocol,
    CheckRetryPolicy,
    HttpAnswerError,
    forget_cached_protocol,
)
from ec_console.texts import Said, say, say_n

log = logging.getLogger(__name__)

PROVIDER = "exchange"
EXCHANGE_ONLINE_EWS_URL = "https://outlook.office365.com/EWS/Exchange.asmx"
EXCHANGE_ONLINE_RESOURCE = "https://outlook.office365.com"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_TIMEOUT = 15.0
AUTH_METHODS = ("ntlm", "basic", "oauth")
EWS_APP_ROLE = "full_access_as_app"
PROBE_SUBJECT = "Enterprise Connect test"
CALENDAR_DAYS = 7
MAX_BLOCKS_IN_DATA = 200
CHECK_CANCELLED = say("the check was cancelled")  # a probe's detail when its check was cancelled
# Exchange Online's EWS hosts, per cloud (Microsoft 365 endpoint lists: worldwide; U.S. Government GCC High
# `outlook.office365.us`; U.S. Government DoD `outlook-dod.office365.us`, `webmail.apps.mil`; China operated
# by 21Vianet `partner.outlook.cn`). Microsoft Cloud Deutschland (`outlook.office.de`) has closed.
_EXO_HOST_SUFFIXES = (
    "outlook.office365.com",
    "outlook.office.com",
    "outlook.office365.us",
    "outlook-dod.office365.us",
    "webmail.apps.mil",
    "partner.outlook.cn",
)
# Answers of EWS itself about one mailbox (SOAP errors): the application reached EWS. Throttling, timeouts and
# the application's own errors are not among them.
_MAILBOX_ANSWERS = (
    ews.ErrorImpersonateUserDenied,
    ews.ErrorNonExistentMailbox,
    ews.ErrorAccessDenied,
    ews.ErrorFolderNotFound,
    ews.ErrorMailboxStoreUnavailable,
)
_PROBE_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    '<s:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></s:Header>'
    '<s:Body><m:ConvertId DestinationFormat="EntryId"><m:SourceIds>'
    '<t:AlternateId Format="EwsId" Id="DUMMY" Mailbox="DUMMY"/></m:SourceIds></m:ConvertId></s:Body>'
    "</s:Envelope>"
)


@dataclass(frozen=True)
class ExchangeSettings:
    """What one Exchange check needs, apart from the secret (password or client secret).

    `auth`: "ntlm", "basic", "oauth", or None to probe the server (NTLM preferred over Basic); with a
    `tenant_id` and no `auth`, OAuth is used. `ews_url` None with `autodiscover` walks autodiscover; with
    neither and OAuth, Exchange Online's endpoint is used. `autodiscover_urls` replaces the candidate list
    (the sandbox, tests); it is not a CLI flag. `anchor_mailbox` is the mailbox the OAuth sign-in acts as
    for its one EWS request (the application's own setup-test mailbox, set by the dashboard); None: the
    checked mailbox. It is not a CLI flag either. `auth_found` and `version_found` are what the last setup
    check or check-all run found (the sign-in method the server accepted, the server's build): only a hint
    for the probe session's quick open when `auth` is None (see `exchange.probe`), never a choice.
    """

    mailbox: str
    ews_url: str | None = None
    autodiscover: bool = False
    username: str | None = None
    auth: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    authority: str = DEFAULT_AUTHORITY
    impersonation: bool = True
    write_probe: bool = False
    expect_denied: str | None = None
    scope_group: str | None = None
    ca_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    autodiscover_urls: tuple[str, ...] | None = None
    anchor_mailbox: str | None = None
    auth_found: str | None = None
    version_found: str | None = None

    @property
    def uses_oauth(self) -> bool:
        return self.auth == "oauth" or (self.auth is None and bool(self.tenant_id))

    def problems(self) -> list[str]:
        """What makes these settings unusable (empty when they are consistent)."""
        issues: list[str] = []
        if self.auth not in (None, *AUTH_METHODS):
            issues.append(f"auth must be one of {', '.join(AUTH_METHODS)}")
        if self.uses_oauth:
            if not self.tenant_id or not self.client_id:
                issues.append("OAuth needs both a tenant id and a client id")
            if not self.impersonation:
                issues.append(
                    "delegate access (no impersonation) is not possible with an app-only OAuth token"
                )
        elif not self.username:
            issues.append("NTLM and Basic need the service account's user name")
        if not self.uses_oauth and not self.ews_url and not self.autodiscover:
            issues.append("give an EWS URL or ask for autodiscover")
        if self.timeout <= 0:
            issues.append("the timeout must be above 0 seconds")
        return issues


# Stored and written in English; shown in the reader's language (`checks.shown_title`).
STEP_TITLES = {
    "resolve_endpoint": say("Find the EWS endpoint"),
    "dns": say("Resolve the server name"),
    "tcp": say("Connect to the server"),
    "tls": say("Check the server certificate"),
    "authenticate": say("Sign in as the service account"),
    "impersonate": say("Open the mailbox's calendar"),
    "read_calendar": say("Read the next 7 days of busy times"),
    "write_probe": say("Create and delete a test item"),
    "restriction": say("Prove a mailbox outside the scope is denied"),
}
OAUTH_AUTHENTICATE_TITLE = say("Get a token and reach EWS as the application")


def exchange_steps(settings: ExchangeSettings) -> list[StepSpec]:
    """The steps a check with `settings` runs, in order (a UI shows them as pending)."""
    steps = [
        StepSpec(step_id, STEP_TITLES[step_id])
        for step_id in (
            "resolve_endpoint",
            "dns",
            "tcp",
            "tls",
            "authenticate",
            "impersonate",
            "read_calendar",
        )
    ]
    if settings.uses_oauth:
        steps[4] = StepSpec("authenticate", OAUTH_AUTHENTICATE_TITLE)
    if settings.write_probe:
        steps.append(StepSpec("write_probe", STEP_TITLES["write_probe"], ("read_calendar",)))
    if settings.expect_denied:
        steps.append(StepSpec("restriction", STEP_TITLES["restriction"], ("authenticate",)))
    return steps


def is_exchange_online(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == suffix or host.endswith("." + suffix) for suffix in _EXO_HOST_SUFFIXES)


def run_exchange_check(
    settings: ExchangeSettings,
    secret: str,
    *,
    observer: StepObserver | None = None,
    on_step_started: StartedObserver | None = None,
    cancel: CancelToken | None = None,
) -> Report:
    """Run the EWS check for `settings.mailbox` and return its report (never raises for a failed step).

    `observer` is called with each finished `StepResult` and `on_step_started` with each step id, on the
    calling thread; `cancel` stops the check between steps.
    """
    issues = settings.problems()
    if issues:
        raise ValueError("; ".join(issues))
    check = _ExchangeCheck(settings, secret, cancel or CancelToken())
    run = CheckRun(
        PROVIDER,
        settings.mailbox,
        exchange_steps(settings),
        on_step_started=on_step_started,
        on_step=observer,
        cancel=check.cancel,
    )
    try:
        return run.execute(check.functions(run))
    finally:
        check.close()


# --- the check -------------------------------------------------------------------------------------------


def ews_resource(ews_url: str) -> str:
    """The resource an app-only token for `ews_url` is requested for: `https://<EWS host>`.

    Entra resolves the resource by its identifier URI, and Exchange Online's service principal is known by
    its EWS host in each cloud (`https://outlook.office365.com`, `https://outlook.office365.us` in GCC High,
    `https://partner.outlook.cn` in China); a hybrid on-premises EWS host registered for modern
    authentication is one more such name. A port other than 443 stays part of it (the sandbox)."""
    target = net.Target.from_url(ews_url)
    host = f"[{target.host}]" if ":" in target.host else target.host
    explicit = urlsplit(ews_url).port
    return f"https://{host}" if explicit in (None, 443) else f"https://{host}:{explicit}"


class _ErrorCodesClient(BackendApplicationClient):
    """The client-credentials client, keeping the identity platform's `error_codes` list on a refusal.

    oauthlib keeps only `error`, `error_description` and `error_uri` of an error body; the AADSTS numbers
    in `error_codes` are what Microsoft documents to diagnose by (entra-docs reference-error-codes.md), so
    they are attached to the raised error as `error_codes` (strings), empty when the body has none."""

    def parse_request_body_response(self, body: str, scope: Any = None, **kwargs: Any) -> Any:
        try:
            return super().parse_request_body_response(body, scope=scope, **kwargs)
        except OAuth2Error as exc:
            exc.error_codes = _error_codes(body)  # type: ignore[attr-defined]
            raise


def _error_codes(body: str) -> list[str]:
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return []
    codes = parsed.get("error_codes") if isinstance(parsed, dict) else None
    if not isinstance(codes, list):
        return []
    found = []
    for code in codes:
        if isinstance(code, int) and not isinstance(code, bool):
            found.append(str(code))
        elif isinstance(code, str) and code.isdigit():
            found.append(code)
    return found


class AuthenticatedOAuth2Credentials(OAuth2Credentials):
    """App-only credentials whose token endpoint is `<authority>/<tenant>/oauth2/v2.0/token` and whose token
    is requested for `<resource>/.default` (exchangelib's own scope is always the worldwide cloud's)."""

    def __init__(
        self,
        *args: Any,
        authority: str = DEFAULT_AUTHORITY,
        resource: str = EXCHANGE_ONLINE_RESOURCE,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.authority = authority.rstrip("/")
        self.resource = resource.rstrip("/")

    @property
    def token_url(self) -> str:
        return f"{self.authority}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def scope(self) -> list[str]:
        return [f"{self.resource}/.default"]

    @functools.cached_property
    def client(self) -> BackendApplicationClient:
        return _ErrorCodesClient(client_id=self.client_id)


class _ExchangeCheck:
    """One run of the check: its state lives here and is closed at the end."""

    def __init__(self, settings: ExchangeSettings, secret: str, cancel: CancelToken) -> None:
        self.settings = settings
        self._secret = secret
        self.cancel = cancel
        self.run: CheckRun | None = None
        self.transport = transport.CheckTransport(settings.ca_file)  # trust, answer cap, proxies
        self.endpoint: str | None = None
        self.target: net.Target | None = None
        self.proxy: str | None = None
        self.addresses: list[str] = []
        self.connection: net.Connection | None = None
        self.auth_type: str | None = None
        self.offered: list[str] = []
        self.protocol: CheckProtocol | None = None
        self.account: Account | None = None
        self.calendar: Calendar | None = None
        self.token_roles: list[str] | None = None
        self._learnt_version: Any = None  # the server version the sign-in's EWS request learnt
        self._protocols: list[CheckProtocol] = []
        self.ctx = ErrorContext(
            service_account=settings.client_id if settings.uses_oauth else settings.username,
            mailbox=settings.mailbox,
            scope_group=settings.scope_group,
            client_id=settings.client_id,
            tenant_id=settings.tenant_id,
            timeout=settings.timeout,
            oauth=settings.uses_oauth,
            platform="online" if settings.uses_oauth else "onprem",
        )

    def functions(self, run: CheckRun) -> dict[str, Callable[[], Outcome | None]]:
        self.run = run
        table: dict[str, Callable[[], Outcome | None]] = {
            "resolve_endpoint": self.resolve_endpoint,
            "dns": self.dns,
            "tcp": self.tcp,
            "tls": self.tls,
            "authenticate": self.authenticate,
            "impersonate": self.impersonate,
            "read_calendar": self.read_calendar,
        }
        if self.settings.write_probe:
            table["write_probe"] = self.write_probe
        if self.settings.expect_denied:
            table["restriction"] = self.restriction
        return {spec.id: table[spec.id] for spec in run.planned}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        for protocol in self._protocols:
            try:
                protocol.close()
            except Exception:  # noqa: BLE001 - closing must never turn a report into an exception
                log.debug("Closing an EWS protocol failed", exc_info=True)
        self._protocols.clear()
        self.transport.close()
        self.account = None
        self.calendar = None
        self.protocol = None

    # --- helpers ------------------------------------------------------------------------------------------

    def _fail(self, code: str, detail: str, data: dict[str, Any] | None = None, **names: Any) -> Outcome:
        return failed(diagnose(code, **self.ctx.names(**names)), detail, data)

    def _fail_exc(self, exc: BaseException, step: str, data: dict[str, Any] | None = None) -> Outcome:
        code, detail, names = classify_error(exc, self.ctx)
        diagnosis = diagnose(code, **self.ctx.names(**names))
        if names.get("back_off"):  # the wait a throttled answer asked for, for schedulers (check all)
            data = {**(data or {}), "back_off": float(names["back_off"])}
        if names.get("policy_reason"):  # Exchange Online's X-EWS-Policy-Reason, verbatim
            data = {**(data or {}), "ews_policy_reason": names["policy_reason"]}
        log.info("Exchange check step %s failed: %s (%s)", step, diagnosis.code, detail)
        return failed(diagnosis, detail, data)

    def _set_endpoint(self, url: str) -> None:
        self.endpoint = url
        self.target = net.Target.from_url(url)
        self.ctx.ews_url = url
        self.ctx.host = self.target.host
        self.ctx.port = self.target.port
        self.ctx.exchange_online = is_exchange_online(self.target.host)
        if self.ctx.exchange_online:
            self.ctx.platform = "online"
        self.proxy = transport.proxy_for(url)
        self.ctx.proxy = transport.redact_proxy(self.proxy) if self.proxy else None
        self.ctx.extra["proxy_source"] = transport.proxy_origin(url) if self.proxy else None

    # --- steps --------------------------------------------------------------------------------------------

    def resolve_endpoint(self) -> Outcome:
        settings = self.settings
        if settings.ews_url:
            self._set_endpoint(settings.ews_url)
            return passed(
                say("Using the EWS URL given: {url}", url=settings.ews_url),
                {"ews_url": settings.ews_url, "source": "given"},
            )
        if settings.uses_oauth and not settings.autodiscover:
            self._set_endpoint(EXCHANGE_ONLINE_EWS_URL)
            return passed(
                say("Using Exchange Online's EWS endpoint {url} (OAuth, no URL given)",
                    url=EXCHANGE_ONLINE_EWS_URL),
                {"ews_url": EXCHANGE_ONLINE_EWS_URL, "source": "exchange_online_default"},
            )
        from ec_console.providers.exchange.autodiscover import AutodiscoverFailed, discover

        try:
            found = discover(
                settings.mailbox,
                username=settings.username,
                password=self._secret,
                auth=settings.auth,
                transport=self.transport,
                timeout=settings.timeout,
                candidates=settings.autodiscover_urls,
            )
        except AutodiscoverFailed as exc:
            domain = settings.mailbox.rsplit("@", 1)[-1]
            return self._fail(
                "autodiscover_failed",
                say("Autodiscover found no EWS endpoint for {mailbox}", mailbox=settings.mailbox),
                {"attempts": exc.attempts},
                domain=domain,
                error=exc.summary(),
            )
        self._set_endpoint(found.ews_url)
        return passed(
            say("Autodiscover at {source} gave {url}", source=found.source, url=found.ews_url),
            {
                "ews_url": found.ews_url,
                "source": "autodiscover",
                "autodiscover_url": found.source,
                "attempts": found.attempts,
                "settings": found.settings,
            },
        )

    def dns(self) -> Outcome:
        target = self._target()
        if self.proxy:
            proxy_target = net.Target.from_url(self.proxy if "://" in self.proxy else f"http://{self.proxy}")
            try:
                addresses = net.resolve(proxy_target.host, proxy_target.port)
            except net.ProbeError as exc:
                return self._fail(
                    exc.code, say("The proxy {proxy}: {detail}", proxy=self.ctx.proxy, detail=exc.detail),
                    exc.data, **exc.names
                )
            self.addresses = addresses
            return passed(
                say("Through the proxy {proxy} ({addresses}); the proxy resolves {host}",
                    proxy=self.ctx.proxy, addresses=", ".join(addresses), host=target.host),
                {"host": target.host, "proxy": self.ctx.proxy, "addresses": addresses},
            )
        try:
            self.addresses = net.resolve(target.host, target.port)
        except net.ProbeError as exc:
            return self._fail(exc.code, exc.detail, exc.data, **exc.names)
        return passed(
            say("{host} resolves to {addresses}", host=target.host, addresses=", ".join(self.addresses)),
            {"host": target.host, "addresses": self.addresses},
        )

    def tcp(self) -> Outcome:
        target = self._target()
        try:
            self.connection = net.connect(target, self.addresses, self.settings.timeout, self.proxy)
        except net.ProbeError as exc:
            return self._fail(exc.code, exc.detail, exc.data, **exc.names)
        if self.proxy:
            detail = say("Connected to {host} port {port} through the proxy {proxy}", host=target.host,
                         port=target.port, proxy=self.ctx.proxy)
        else:
            detail = say("Connected to {host} port {port}", host=target.host, port=target.port)
        return passed(
            detail,
            {
                "host": target.host,
                "port": target.port,
                "address": self.connection.address,
                "proxy": self.ctx.proxy,
            },
        )

    def tls(self) -> Outcome:
        target = self._target()
        connection, self.connection = self.connection, None
        if not target.is_https:
            if connection is not None:
                connection.close()
            if target.is_loopback:
                return skipped(say("Plain http to this computer ({host}): no TLS to check", host=target.host))
            return warned(
                say("{url} uses plain http: credentials and calendar data travel unencrypted",
                    url=self.endpoint),
                {"scheme": "http"},
                diagnose("plain_http", **self.ctx.names()),
            )
        if connection is None:  # pragma: no cover - the tcp step always leaves a connection
            raise RuntimeError("no connection for the TLS step")
        try:
            info = net.handshake(connection, target, self.transport.context, self.settings.timeout)
        except net.ProbeError as exc:
            return self._fail(exc.code, exc.detail, exc.data, **exc.names)
        finally:
            connection.close()
        if self.settings.ca_file:
            trust = say("the system's trusted certificates and {ca_file}", ca_file=self.settings.ca_file)
        else:
            trust = say("the system's trusted certificates")
        detail = say(
            "{protocol}; certificate {subject} issued by {issuer}, valid {not_before} to {not_after}, "
            "trusted through {trust}", protocol=info.get("protocol", "TLS"), subject=info["subject"],
            issuer=info["issuer"], not_before=info["not_before"], not_after=info["not_after"], trust=trust)
        return passed(detail, {"certificate": info, "ca_file": self.settings.ca_file})

    def authenticate(self) -> Outcome:
        probe = self._probe_auth_methods()
        if isinstance(probe, Outcome):
            return probe
        if self.settings.uses_oauth:
            return self._authenticate_oauth()
        return self._authenticate_password()

    def impersonate(self) -> Outcome:
        protocol = self._protocol()
        access = IMPERSONATION if self.settings.impersonation else DELEGATE
        try:
            self.account = self._account(self.settings.mailbox, protocol, access)
            self.calendar = open_calendar(self.account)
            version = self.account.version
        except Exception as exc:  # noqa: BLE001 - every failure is mapped to a diagnosis
            if not self._expected(exc):
                raise
            return self._fail_exc(exc, "impersonate", {"access": access})
        how = (
            say("impersonating it") if access == IMPERSONATION
            else say("with the service account's own folder rights")
        )
        data: dict[str, Any] = {
            "access": access,
            "folder": self.calendar.name,
            "server_version": _version_data(version),
        }
        detail = opened_calendar(self.settings.mailbox, how, version if self.settings.uses_oauth else None)
        return passed(detail, data)

    def read_calendar(self) -> Outcome:
        if self.calendar is None:  # pragma: no cover - the runner skips this step when impersonate failed
            raise RuntimeError("no calendar to read")
        try:
            blocks = read_busy_blocks(self.calendar)
        except Exception as exc:  # noqa: BLE001
            if not self._expected(exc):
                raise
            return self._fail_exc(exc, "read_calendar")
        days = CALENDAR_DAYS
        detail = busy_blocks_read(len(blocks), days)
        data = {"count": len(blocks), "days": days, "blocks": blocks[:MAX_BLOCKS_IN_DATA]}
        if self.ctx.exchange_online:
            # The calendar answers today, but EWS in Exchange Online is being switched off: a warning, with
            # the route that replaces it (Microsoft Graph, app-only, scoped by RBAC for Applications).
            diagnosis = diagnose("ews_retiring", **self.ctx.names())
            return warned(say("{detail}. EWS in Exchange Online is switched off for every organisation on "
                              "1 April 2027: move to Microsoft Graph", detail=detail), data, diagnosis)
        return passed(detail, data)

    def write_probe(self) -> Outcome:
        if self.account is None or self.calendar is None:  # pragma: no cover - guarded by depends_on
            raise RuntimeError("no calendar to write to")
        start = EWSDateTime.now(tz=UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
        item = CalendarItem(
            account=self.account,
            folder=self.calendar,
            subject=PROBE_SUBJECT,
            start=start,
            end=start + dt.timedelta(minutes=15),
            legacy_free_busy_status="Free",
            reminder_is_set=False,
        )
        try:
            item.save(send_meeting_invitations=SEND_TO_NONE)
        except Exception as exc:  # noqa: BLE001
            if not self._expected(exc):
                raise
            return self._fail_exc(exc, "write_probe")
        item_id, change_key = item.id, item.changekey
        try:
            item.delete(send_meeting_cancellations=SEND_TO_NONE)
        except Exception as exc:  # noqa: BLE001
            if not self._expected(exc):
                raise
            return self._fail(
                "write_leftover",
                say("The test item was created but could not be deleted: {error}", error=short(str(exc))),
                {"item_id": item_id},
                item_id=item_id,
                error=short(f"{type(exc).__name__}: {exc}"),
            )
        leftover = _still_there(self.account, item_id, change_key)
        if leftover:
            return self._fail(
                "write_leftover",
                say("The test item is still in the calendar after a hard delete"),
                {"item_id": item_id},
                item_id=item_id,
                error="still present after HardDelete",
            )
        return passed(
            say("Created a test item (no attendees, no invitation sent), hard-deleted it, and "
                "confirmed nothing was left"),
            {"created": True, "deleted": True, "leftover": False},
        )

    def restriction(self) -> Outcome:
        denied = self.settings.expect_denied or ""
        protocol = self._new_protocol(identity=denied)
        access = IMPERSONATION if self.settings.impersonation else DELEGATE
        ctx = replace(self.ctx, mailbox=denied)
        try:
            account = self._account(denied, protocol, access)
            open_calendar(account)
        except Exception as exc:  # noqa: BLE001
            if not self._expected(exc):
                raise
            cause = unwrap(exc)
            if isinstance(
                cause, (ews.ErrorImpersonateUserDenied, ews.ErrorAccessDenied, ews.ErrorFolderNotFound)
            ):
                return passed(
                    say("Access to {mailbox} was refused as it should be ({code})", mailbox=denied,
                        code=type(cause).__name__),
                    {"mailbox": denied, "denied_with": type(cause).__name__},
                )
            diagnosis, detail = diagnosis_for(exc, ctx)
            return failed(diagnosis, say("The restriction could not be proved: {detail}", detail=detail),
                          {"mailbox": denied})
        tenant_wide = bool(self.token_roles and EWS_APP_ROLE in self.token_roles)
        if tenant_wide:
            detail = say("{mailbox} is meant to be outside the scope, yet its calendar opened. The "
                         "application holds the tenant-wide {role} permission (admin consent in Entra ID), "
                         "which reaches every mailbox whatever the RBAC scope says.", mailbox=denied,
                         role=EWS_APP_ROLE)
        else:
            detail = say("{mailbox} is meant to be outside the scope, yet its calendar opened.",
                         mailbox=denied)
        diagnosis = diagnose("scope_not_enforced", **ctx.names())
        return failed(
            diagnosis,
            detail,
            {"mailbox": denied, "tenant_wide_consent": tenant_wide},
        )

    # --- authentication -----------------------------------------------------------------------------------

    def _probe_auth_methods(self) -> Outcome | None:
        """POST without credentials: read the methods the server offers (WWW-Authenticate)."""
        endpoint = self._endpoint()
        session = self.transport.session()
        try:
            response = session.post(
                endpoint,
                data=_PROBE_BODY.encode(),
                allow_redirects=False,
                timeout=self.settings.timeout,
                headers={"Content-Type": "text/xml; charset=utf-8"},
            )
            status, headers, text = response.status_code, dict(response.headers), response.text[:2000]
            response.close()
        except requests.RequestException as exc:
            return self._fail_exc(exc, "authenticate")
        finally:
            session.close()
        self.offered = offered_auth_methods(
            headers.get("WWW-Authenticate", "") or headers.get("www-authenticate", "")
        )
        if status in (200, 401) or (status == 500 and text.lstrip().startswith("<")):
            return None
        return self._fail_exc(
            HttpAnswerError(status, "", headers, text), "authenticate", {"offered": self.offered}
        )

    def _authenticate_password(self) -> Outcome:
        offered = [m.lower() for m in self.offered]
        requested = self.settings.auth
        ntlm_ok = "ntlm" in offered or "negotiate" in offered
        basic_ok = "basic" in offered
        shown = ", ".join(self.offered) or say("none")
        if (
            requested == "ntlm"
            and not ntlm_ok
            or requested == "basic"
            and not basic_ok
            or requested is None
            and not (ntlm_ok or basic_ok)
        ):
            wanted = requested or say("NTLM or Basic")
            if self.ctx.exchange_online:
                detail = say(
                    "The server offers {offered}; {wanted} is not among them. Exchange Online accepts no "
                    "password for EWS; ApplicationImpersonation is retired there and the grant is RBAC for "
                    "Applications with OAuth (--tenant-id, --client-id).", offered=shown, wanted=wanted)
            else:
                detail = say("The server offers {offered}; {wanted} is not among them.", offered=shown,
                             wanted=wanted)
            return self._fail(
                "auth_method_unsupported",
                detail,
                {"offered": self.offered},
                auth_methods=shown,
            )
        self.auth_type = NTLM if requested == "ntlm" or (requested is None and ntlm_ok) else BASIC
        protocol = self._protocol()
        try:
            version = protocol.version
        except Exception as exc:  # noqa: BLE001
            if not self._expected(exc):
                raise
            if self.auth_type == NTLM and _no_ntlm_challenge(exc):
                return self._fail(
                    "auth_method_unsupported",
                    say("The server offers {offered} but answered the NTLM sign-in with no NTLM challenge: "
                        "it accepts Kerberos only (IIS Negotiate:Kerberos), which the console does not use.",
                        offered=shown),
                    {"offered": self.offered},
                    auth_methods=shown,
                )
            return self._fail_exc(exc, "authenticate", {"offered": self.offered, "auth_type": self.auth_type})
        method = "NTLM" if self.auth_type == NTLM else "Basic"
        detail = say("Signed in as {username} with {method}; server {server} (build {build}, API {api}); the "
                     "server offers {offered}", username=self.settings.username, method=method,
                     **_version_values(version), offered=shown)
        data = {
            "auth_type": method.lower(),
            "offered": self.offered,
            "server_version": _version_data(version),
        }
        if self.ctx.exchange_online:
            return warned(
                say("{detail}. Exchange Online: ApplicationImpersonation is retired there; the grant is "
                    "RBAC for Applications with OAuth.", detail=detail),
                data,
            )
        return passed(detail, data)

    def _authenticate_oauth(self) -> Outcome:
        anchor = self._anchor()
        protocol = self._protocol() if anchor is None else self._new_protocol(identity=anchor)
        try:
            session = protocol.get_session()
            protocol.release_session(session)
        except Exception as exc:  # noqa: BLE001
            if not self._expected(exc):
                raise
            return self._fail_exc(exc, "authenticate", {"offered": self.offered})
        credentials = protocol.credentials
        token = getattr(credentials, "access_token", None) or {}
        claims = token_claims(token.get("access_token", "") if isinstance(token, dict) else "")
        roles = claims.get("roles") if isinstance(claims.get("roles"), list) else []
        self.token_roles = [str(r) for r in roles]
        self.ctx.token_roles = self.token_roles
        authority = self.settings.authority.rstrip("/")
        acting_as = anchor or self.settings.mailbox
        data: dict[str, Any] = {
            "authority": authority,
            "tenant_id": self.settings.tenant_id,
            "client_id": self.settings.client_id,
            "roles": self.token_roles,
            "offered": self.offered,
            "audience": claims.get("aud"),
            "acting_as": acting_as,
        }
        reached = self._reach_ews(protocol, anchor, data)
        if isinstance(reached, Outcome):
            return reached
        base = say("Token issued by {authority} for application {client_id}; {reached}", authority=authority,
                   client_id=self.settings.client_id, reached=reached)
        warning = data.get("warning")  # a said text: the data (and --json) keeps its English
        detail: Said
        if EWS_APP_ROLE in self.token_roles:
            if self.settings.scope_group or self.settings.expect_denied:
                diagnosis = diagnose("scope_not_enforced", **self.ctx.names())
                detail = say("{base}; it carries the tenant-wide {role} permission, which reaches every "
                             "mailbox in the organisation: an RBAC for Applications scope cannot restrict it",
                             base=base, role=EWS_APP_ROLE)
                if warning is not None:
                    detail = say("{detail}. {warning}", detail=detail, warning=warning)
                return warned(detail, data, diagnosis)
            detail = say("{base}; it carries the tenant-wide {role} permission, which reaches every mailbox "
                         "in the organisation", base=base, role=EWS_APP_ROLE)
        else:
            detail = say("{base}; no tenant-wide permission in the token (access must come from RBAC for "
                         "Applications, proved by the next steps)", base=base)
        if warning is not None:
            return warned(say("{detail}. {warning}", detail=detail, warning=warning), data)
        return passed(detail, data)

    def _anchor(self) -> str | None:
        """The mailbox the OAuth sign-in's EWS request acts as, when it is not the checked mailbox.

        A token alone proves nothing about EWS: Exchange Online's EWS switches (EwsEnabled, the
        EwsAllowedAppIDs allow list) refuse requests, not tokens. So the sign-in makes one EWS request (the
        server-version request). An app-only token must name a mailbox in every request
        (ExchangeImpersonation), and a 403 on it may be the organisation's switch or that one mailbox's: the
        header does not say which. The request therefore acts as the application's own setup-test mailbox
        when one is known (the dashboard passes it): a refusal there is the application's, once for all its
        mailboxes, and a mailbox-level switch on the checked mailbox is then told apart at the `impersonate`
        step. Without one (a bare CLI check) the checked mailbox is used, and the detail says that the two
        cannot be told apart.
        """
        anchor = (self.settings.anchor_mailbox or "").strip()
        if not anchor or anchor.lower() == self.settings.mailbox.strip().lower():
            return None
        return anchor

    def _reach_ews(self, protocol: CheckProtocol, anchor: str | None, data: dict[str, Any]) -> Said | Outcome:
        """One EWS request as the application (the server-version request): what it proved, or the failure."""
        acting_as = anchor or self.settings.mailbox
        try:
            version = protocol.version
        except Exception as exc:  # noqa: BLE001
            if not self._expected(exc):
                raise
            cause = unwrap(exc)
            if isinstance(cause, _MAILBOX_ANSWERS):
                # EWS itself answered (a per-mailbox SOAP error): the token is accepted and EWS is not
                # switched off for the application. The mailbox's own problem is for the next step (or, for
                # a test mailbox, a warning: it cannot stand in for the organisation).
                data["ews_answer"] = type(cause).__name__
                if anchor is None:
                    return say("EWS answered the application (acting as {mailbox}: {code})",
                               mailbox=acting_as, code=type(cause).__name__)
                data["warning"] = say(
                    "EWS answered the application, but its test mailbox {mailbox} could not be used "
                    "({code}): an organisation-wide EWS block cannot be told apart from one mailbox's until "
                    "it can", mailbox=anchor, code=type(cause).__name__)
                return say("EWS answered (acting as {mailbox}: {code})", mailbox=anchor,
                           code=type(cause).__name__)
            # The request acted as the anchor: a fix naming a mailbox names that one.
            ctx = replace(self.ctx, acting_as=anchor, mailbox=anchor) if anchor else self.ctx
            code, detail, names = classify_error(exc, ctx)
            if code in ("ews_blocked", "ews_forbidden") and anchor is None:
                detail = say("{detail}; acting as {mailbox}, the mailbox checked: whether the organisation "
                             "or only this mailbox is refused cannot be told from this answer", detail=detail,
                             mailbox=acting_as)
            if names.get("policy_reason"):
                data["ews_policy_reason"] = names["policy_reason"]
            if names.get("back_off"):
                data["back_off"] = float(names["back_off"])
            diagnosis = diagnose(code, **ctx.names(**names))
            log.info("Exchange check step authenticate failed: %s (%s)", diagnosis.code, detail)
            return failed(diagnosis, detail, data)
        if anchor is not None:
            self._learnt_version = protocol.config.version
        data["server_version"] = _version_data(version)
        return say("EWS answered as {mailbox}; server {server} (build {build}, API {api})", mailbox=acting_as,
                   **_version_values(version))

    # --- exchangelib objects ------------------------------------------------------------------------------

    def _credentials(self, identity: str | None = None) -> Any:
        settings = self.settings
        if settings.uses_oauth:
            return AuthenticatedOAuth2Credentials(
                client_id=settings.client_id,
                client_secret=self._secret,
                tenant_id=settings.tenant_id,
                identity=Identity(primary_smtp_address=identity or settings.mailbox),
                authority=settings.authority,
                resource=ews_resource(self._endpoint()),
            )
        return Credentials(settings.username, self._secret)

    def _new_protocol(self, identity: str | None = None) -> CheckProtocol:
        settings = self.settings
        auth_type = None if settings.uses_oauth else (self.auth_type or NTLM)
        # The first protocol of a check guesses the server version; later ones (the restriction step) reuse
        # what this same check learnt. Nothing is reused across checks.
        known = self.protocol.config.version if self.protocol is not None else self._learnt_version
        version = known.copy() if known is not None and known.build else None
        config = Configuration(
            service_endpoint=self._endpoint(),
            credentials=self._credentials(identity),
            auth_type=auth_type,
            version=version,
            retry_policy=CheckRetryPolicy(),
            max_connections=1,
        )
        protocol = CheckProtocol(config=config, transport=self.transport, timeout=settings.timeout)
        self._protocols.append(protocol)
        return protocol

    def _protocol(self) -> CheckProtocol:
        if self.protocol is None:
            self.protocol = self._new_protocol()
        return self.protocol

    def _account(self, address: str, protocol: CheckProtocol, access: str) -> Account:
        return make_account(address, protocol, access)

    def _endpoint(self) -> str:
        if self.endpoint is None:  # pragma: no cover - resolve_endpoint runs first
            raise RuntimeError("no EWS endpoint")
        return self.endpoint

    def _target(self) -> net.Target:
        if self.target is None:  # pragma: no cover - resolve_endpoint runs first
            raise RuntimeError("no EWS endpoint")
        return self.target

    @staticmethod
    def _expected(exc: BaseException) -> bool:
        return isinstance(
            exc, (ews.EWSError, HttpAnswerError, OAuth2Error, requests.RequestException, OSError)
        )


# --- pieces shared with the dashboard ----------------------------------------------------------------------


def make_account(address: str, protocol: CheckProtocol, access: str) -> Account:
    """An exchangelib Account on `protocol` (Account's own cached Protocol is dropped at once, unused)."""
    account = Account(address, access_type=access, autodiscover=False, config=protocol.config)
    forget_cached_protocol(account.protocol)
    account.protocol = protocol
    return account


def open_calendar(account: Account) -> Calendar:
    """The calendar of `account`, bound directly: one GetFolder of the distinguished folder `calendar` with
    the mailbox named, the mailbox's root never fetched.

    exchangelib's `account.calendar` (and `Root.get_distinguished`) first fetch the root folder. With delegate
    access through folder permission on the calendar only (`Add-MailboxFolderPermission <mbx>:\\Calendar
    -AccessRights Reviewer`, what the console itself recommends) Exchange refuses the root with
    ErrorAccessDenied (exchangelib issues #1222, #1282) although the calendar is readable. `Root(account=...)`
    makes no request; it only carries the account.
    """
    return Calendar.get_distinguished(root=Root(account=account))


def bound_calendar(account: Account) -> Calendar:
    """The calendar of `account` named by its distinguished id and mailbox, without any request.

    A FindItem on it sends `<DistinguishedFolderId Id="calendar"><Mailbox>...` as its parent folder, so one
    request both opens the mailbox's calendar and reads it (what the bulk probe relies on).
    """
    mailbox = EwsMailbox(email_address=account.primary_smtp_address)
    folder_id = DistinguishedFolderId(id=Calendar.DISTINGUISHED_FOLDER_ID, mailbox=mailbox)
    return Calendar(_distinguished_id=folder_id, root=Root(account=account))


def read_busy_blocks(calendar: Calendar, days: int = CALENDAR_DAYS) -> list[dict[str, Any]]:
    """Busy blocks of the next `days` days: start, end, busy type — the only fields requested."""
    start = EWSDateTime.now(tz=UTC)
    end = start + dt.timedelta(days=days)
    view = calendar.view(start=start, end=end).only("start", "end", "legacy_free_busy_status", "is_all_day")
    blocks = []
    for item in view:
        if isinstance(item, Exception):
            raise item
        blocks.append(block_of(item))
    blocks.sort(key=lambda b: (b["start"], b["end"]))
    return blocks


def block_of(item: Any) -> dict[str, Any]:
    """The busy block a calendar item stands for: start, end, busy type, all-day (nothing else)."""
    return {
        "start": _iso(item.start),
        "end": _iso(item.end),
        "busy_type": item.legacy_free_busy_status or "Busy",
        "all_day": bool(item.is_all_day),
    }


def _no_ntlm_challenge(exc: BaseException) -> bool:
    """True when the NTLM handshake got no challenge back (requests_ntlm's PermissionError): a server that
    offers `Negotiate` but takes Kerberos tickets only."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, PermissionError) and "NTLM challenge" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _still_there(account: Account, item_id: str, change_key: str) -> bool:
    try:
        results = list(account.fetch(ids=[(item_id, change_key)], only_fields=["start"]))
    except ews.ErrorItemNotFound:
        return False
    return any(not isinstance(r, Exception) for r in results)


def _iso(value: Any) -> str:
    if isinstance(value, EWSDateTime):
        value = value.astimezone(UTC)
    elif isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _version_data(version: Any) -> dict[str, Any]:
    build = getattr(version, "build", None)
    return {
        "build": str(build) if build else None,
        "api_version": getattr(version, "api_version", None),
        "name": _version_name(version),
    }


def _version_name(version: Any) -> str | None:
    try:
        name = version.fullname
    except Exception:  # noqa: BLE001 - a name is a nicety
        return None
    return None if name == "UNKNOWN" else name


def _version_values(version: Any) -> dict[str, Any]:
    """The server's name, build and API version, as the step texts' `{server}`, `{build}`, `{api}`."""
    data = _version_data(version)
    return {"server": data["name"] or "Exchange", "build": data["build"], "api": data["api_version"]}


def _version_text(version: Any) -> Said:
    return say("server {server} (build {build}, API {api})", **_version_values(version))


def opened_calendar(mailbox: str, how: Said, version: Any = None) -> Said:
    """The impersonate step's detail (with the server's version when the sign-in did not say it)."""
    if version is None:
        return say("Opened the calendar of {mailbox} {how}", mailbox=mailbox, how=how)
    return say("Opened the calendar of {mailbox} {how}; server {server} (build {build}, API {api})",
               mailbox=mailbox, how=how, **_version_values(version))


def busy_blocks_read(n: int, days: int) -> Said:
    """The read_calendar step's detail."""
    return say_n("{n} busy block in the next {days} days (times and busy type only; no subjects or bodies "
                 "fetched)", "{n} busy blocks in the next {days} days (times and busy type only; no subjects "
                 "or bodies fetched)", n, days=days)


def offered_auth_methods(header: str) -> list[str]:
    """The schemes named in a (possibly comma-joined) WWW-Authenticate header, in order, without repeats."""
    methods: list[str] = []
    for part in header.split(","):
        first = part.strip().split(" ", 1)[0].strip()
        if first and "=" not in first and '"' not in first:
            methods.append(first)
    return list(dict.fromkeys(methods))


def token_claims(access_token: str) -> dict[str, Any]:
    """The claims of a JWT access token, read without verification (to report its `roles`)."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


# --- scope enumeration and probes (for the dashboard) ------------------------------------------------------


@dataclass(frozen=True)
class ScopeMember:
    address: str
    name: str
    kind: str  # "mailbox", or the EWS MailboxType of anything else ("PublicDL" for a nested group ...)


@dataclass(frozen=True)
class ScopeListing:
    """The direct members of a scoping group; nested groups are listed, not followed (nor is the scope)."""

    group: str
    mailboxes: list[ScopeMember]
    nested_groups: list[ScopeMember]
    others: list[ScopeMember] = field(default_factory=list)


class ScopeError(Exception):
    """Enumeration failed; `diagnosis` says why and how to fix it."""

    def __init__(self, diagnosis: Diagnosis, detail: str) -> None:
        super().__init__(detail)
        self.diagnosis = diagnosis
        self.detail = detail


def enumerate_scope(settings: ExchangeSettings, secret: str, group: str) -> ScopeListing:
    """Expand the scoping group `group` (its SMTP address, or a name EWS can resolve) with ExpandDL."""
    check = _ExchangeCheck(settings, secret, CancelToken())
    try:
        _prepare(check)
        protocol = check._protocol()
        address = group
        try:
            protocol.version  # noqa: B018 - ResolveNames and ExpandDL need the server version first
            if "@" not in group:
                resolved = [r for r in protocol.resolve_names([group]) if not isinstance(r, Exception)]
                found = [r for r in resolved if getattr(r, "email_address", None)]
                if not found:
                    raise ScopeError(
                        diagnose("server_error", **check.ctx.names(error=f"no group named {group}")),
                        f"No group named {group!r} could be resolved",
                    )
                address = found[0].email_address
            members = protocol.expand_dl(address)
        except ScopeError:
            raise
        except Exception as exc:  # noqa: BLE001
            if not check._expected(exc):
                raise
            diagnosis, detail = diagnosis_for(exc, check.ctx)
            raise ScopeError(diagnosis, detail) from None
        return _listing(group, members)
    finally:
        check.close()


def _prepare(check: _ExchangeCheck) -> None:
    """Resolve the endpoint (and the auth method for NTLM/Basic) without the full check."""
    outcome = check.resolve_endpoint()
    if outcome.diagnosis is not None:
        raise ScopeError(outcome.diagnosis, outcome.detail)
    if not check.settings.uses_oauth:
        probe = check._probe_auth_methods()
        if isinstance(probe, Outcome) and probe.diagnosis is not None:
            raise ScopeError(probe.diagnosis, probe.detail)
        offered = [m.lower() for m in check.offered]
        if check.settings.auth == "basic" or (
            check.settings.auth is None and "basic" in offered and not ({"ntlm", "negotiate"} & set(offered))
        ):
            check.auth_type = BASIC
        else:
            check.auth_type = NTLM


def _listing(group: str, members: list[Any]) -> ScopeListing:
    mailboxes, nested, others = [], [], []
    for member in members:
        if isinstance(member, Exception):
            continue
        kind = member.mailbox_type or "Mailbox"
        entry = ScopeMember(address=(member.email_address or "").lower(), name=member.name or "", kind=kind)
        if kind == "Mailbox":
            mailboxes.append(entry)
        elif kind in ("PublicDL", "PrivateDL", "GroupMailbox"):
            nested.append(entry)
        else:
            others.append(entry)
    return ScopeListing(group=group, mailboxes=mailboxes, nested_groups=nested, others=others)


_CSV_COLUMNS = ("PrimarySmtpAddress", "WindowsEmailAddress", "UserPrincipalName")
_SHOWN_TEXT = 200  # characters of a line a problem quotes


@dataclass(frozen=True)
class ListProblem:
    line: int
    text: str
    message: str


@dataclass(frozen=True)
class MailboxList:
    addresses: list[str]
    problems: list[ListProblem]


def parse_mailbox_list(text: str) -> MailboxList:
    """Addresses from a pasted list (one per line, or separated by , ;) or a `Get-Mailbox | Export-Csv` file.

    A CSV is recognised by a header naming PrimarySmtpAddress, WindowsEmailAddress or UserPrincipalName
    (first found wins, per row); Export-Csv's `#TYPE` line is skipped. Every bad line is reported with its
    line number; duplicates are dropped (first kept).
    """
    from ec_console.errors import BadInput
    from ec_console.validation import email_address

    lines = text.lstrip("\ufeff").splitlines()
    problems: list[ListProblem] = []
    found: dict[str, None] = {}  # an ordered set, and less than half a set's size
    for number, raw, candidates in _csv_rows(lines, problems):
        value = next((c for c in candidates if c.strip()), "")
        if not value.strip():
            problems.append(ListProblem(number, raw, "no address on this line"))
            continue
        try:
            # Exchange matches SMTP addresses case-insensitively: one form per mailbox.
            address = email_address(value.strip(), f"line {number}").lower()
        except BadInput as exc:
            problems.append(ListProblem(number, raw, exc.message))
            continue
        found.setdefault(address)
    return MailboxList(list(found), problems)


def _csv_rows(lines: list[str], problems: list[ListProblem]) -> Iterator[tuple[int, str, list[str]]]:
    """(line number, line, candidate addresses) of each row, one at a time so a long list stays small.

    A Get-Mailbox CSV when the first line is a header naming an address column; otherwise a plain list.
    Rows the CSV reader cannot read are added to `problems`.
    """
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].startswith("#TYPE")):
        start += 1
    columns = _csv_columns(lines[start] if start < len(lines) else "")
    if columns:
        yield from _csv_records(lines, start, columns, problems)
    else:
        yield from _plain_rows(lines)


def _csv_columns(header_line: str) -> list[int]:
    """Indexes of the address columns a header line names (first found wins), or [] when it is no header."""
    if not any(c in header_line for c in _CSV_COLUMNS):
        return []  # not a header: never handed to the CSV reader (a pasted list may be a megabyte long)
    try:
        header = next(csv.reader([header_line]))
    except csv.Error:  # e.g. a field longer than the reader's limit: a pasted list that names a column
        return []
    names = [h.strip() for h in header]
    return [names.index(c) for c in _CSV_COLUMNS if c in names]


def _csv_records(
    lines: list[str], start: int, columns: list[int], problems: list[ListProblem]
) -> Iterator[tuple[int, str, list[str]]]:
    reader = csv.reader(io.StringIO("\n".join(lines[start + 1 :])))
    read = 0  # lines of the body the reader has consumed
    while True:
        number = start + 2 + read  # the record's first line (a quoted field may span lines)
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over the reader's limit: a quote left open, most likely
            last = start + 1 + reader.line_num
            where = f"line {number}" if last <= number else f"lines {number}-{last}"
            message = f"{where}: not readable as CSV ({exc}); is a quote left open?"
            problems.append(ListProblem(number, lines[number - 1][:_SHOWN_TEXT], message))
            read = reader.line_num
            continue
        read = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        shown = ",".join(record)[:_SHOWN_TEXT]
        yield number, shown, [record[i] if i < len(record) else "" for i in columns]


def _plain_rows(lines: list[str]) -> Iterator[tuple[int, str, list[str]]]:
    """A pasted list: one or more addresses a line, separated by ',' or ';' (Outlook's paste), '#' notes."""
    for index, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        separated = stripped.replace(";", ",")
        several = "," in separated
        position = 0
        while position >= 0:
            comma = separated.find(",", position)
            piece = separated[position:] if comma < 0 else separated[position:comma]
            position = comma if comma < 0 else comma + 1
            if piece.strip():
                # A problem quotes the entry, not a whole pasted line of thousands of them.
                shown = piece.strip() if several else line
                yield index, shown[:_SHOWN_TEXT], [piece.strip().strip("<>").strip()]


@dataclass(frozen=True)
class ProbeResult:
    """One mailbox probed through the application: its busy blocks, or why it could not be read."""

    mailbox: str
    ok: bool
    checked_at: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    detail: str = ""
    report: Report | None = None


def probe_mailbox(
    settings: ExchangeSettings, secret: str, mailbox: str, *, cancel: CancelToken | None = None
) -> ProbeResult:
    """Busy blocks of `mailbox` for the next 7 days through the application (no subject, no write)."""
    probe_settings = replace(settings, mailbox=mailbox, write_probe=False, expect_denied=None)
    report = run_exchange_check(probe_settings, secret, cancel=cancel)
    step = report.step("read_calendar")
    failure = report.first_failure
    if failure is None and not report.cancelled and step is not None and step.status == "pass":
        return ProbeResult(
            mailbox,
            True,
            report.started_at,
            list(step.data.get("blocks", [])),
            detail=step.detail,
            report=report,
        )
    return ProbeResult(
        mailbox,
        False,
        report.started_at or utc_now_iso(),
        [],
        failure.diagnosis if failure else None,
        failure.detail if failure else CHECK_CANCELLED,
        report,
    )
