"""The Microsoft Graph provider's check: Exchange Online calendars through app-only Graph access.

`run_graph_check(settings, credential)` runs DESIGN.md's steps against one mailbox (docs/graph-check.md):

- `dns`, `tcp`, `tls`: for the sign-in host (the authority) and the Graph host, each probed once;
- `authenticate`: MSAL client credentials (a client secret, or a certificate sent as a PS256 assertion with
  `x5t#S256`) for `<graph root>/.default`; the token's `roles` are read, never verified or shown. A
  `Calendars.*` role is a tenant-wide grant that no RBAC for Applications scope restricts
  (`tenant_wide_grant`: a warning, a failure when a scoping group or a mailbox that must be denied is given);
- `mailbox`: the user in the directory (a 403 there is only a detail: the check needs no directory
  permission), then the mailbox's calendar (`/users/{addr}/calendar`);
- `read_calendar`: `calendarView` of the next 7 days with `$select=start,end,showAs,isAllDay` only;
- `write_probe` (optional): an event with no attendees, deleted again, a leftover reported;
- `restriction` (optional): a mailbox outside the scope must be refused.

Refusals are diagnosed from AADSTS numbers (`error_codes`) and Graph's `error.code` (`errors.py`). A 429 or
503 whose `Retry-After` fits inside the timeout is waited out (`transport.graph_request`). No subject, body,
location or attendee is requested, and none that a server sends anyway is kept. Qt-free; never prints.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import msal
import requests

from ec_console.checks import (
    CancelToken,
    CheckRun,
    Outcome,
    Report,
    StepResult,
    StepSpec,
    failed,
    passed,
    skipped,
    warned,
)
from ec_console.diagnoses import diagnose
from ec_console.providers import net, transport
from ec_console.providers.graph.clouds import CLOUDS
from ec_console.providers.graph.credentials import ClientCertificate
from ec_console.providers.graph.errors import error_codes, graph_code, network_code, token_code
from ec_console.providers.graph.transport import GraphAnswer, GraphSession, graph_request
from ec_console.providers.transport import CheckTransport
from ec_console.texts import say, say_n

log = logging.getLogger(__name__)

PROVIDER = "graph"
DEFAULT_TIMEOUT = 15.0
CALENDAR_DAYS = 7
MAX_BLOCKS_IN_DATA = 50
MAX_PAGES = 20
PROBE_SUBJECT = "Enterprise Connect test"
# Sovereign clouds (learn.microsoft.com graph/deployments): cloud -> (authority, Graph root).
# Application permissions that reach every mailbox's calendar (GRAPH_NOTES.md section 1).
CALENDAR_ROLES = frozenset(
    {"Calendars.Read", "Calendars.ReadWrite", "Calendars.ReadBasic.All", "Calendars.ReadBasic"}
)
# Only these event fields are ever requested or kept.
EVENT_FIELDS = "start,end,showAs,isAllDay"

STEP_TITLES = {
    "dns": say("Resolve the sign-in and Graph host names"),
    "tcp": say("Connect to the sign-in and Graph hosts"),
    "tls": say("Check their certificates"),
    "authenticate": say("Get a token for the application"),
    "mailbox": say("Open the mailbox's calendar"),
    "read_calendar": say("Read the next 7 days of busy times"),
    "write_probe": say("Create and delete a test event"),
    "restriction": say("Prove a mailbox outside the scope is denied"),
}

StepObserver = Callable[[StepResult], None]


@dataclass(frozen=True)
class GraphSettings:
    """What one Graph check needs (the secret or certificate is passed separately)."""

    mailbox: str
    tenant_id: str
    client_id: str
    cloud: str = "global"
    authority: str | None = None  # scheme and host; default: the cloud's
    graph_url: str | None = None  # scheme and host; default: the cloud's
    expect_denied: str | None = None
    scope_group: str | None = None
    write_probe: bool = False
    ca_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.cloud not in CLOUDS:
            raise ValueError(f"cloud must be one of {', '.join(CLOUDS)}, not {self.cloud!r}")

    @property
    def authority_root(self) -> str:
        return (self.authority or CLOUDS[self.cloud][0]).rstrip("/")

    @property
    def graph_root(self) -> str:
        return (self.graph_url or CLOUDS[self.cloud][1]).rstrip("/")

    @property
    def scope(self) -> str:
        return f"{self.graph_root}/.default"


def graph_steps(settings: GraphSettings) -> list[StepSpec]:
    """The steps a check with `settings` runs, in order (a UI shows them as pending)."""
    steps = [
        StepSpec(step_id, STEP_TITLES[step_id])
        for step_id in ("dns", "tcp", "tls", "authenticate", "mailbox", "read_calendar")
    ]
    if settings.write_probe:
        steps.append(StepSpec("write_probe", STEP_TITLES["write_probe"], ("read_calendar",)))
    if settings.expect_denied:
        steps.append(StepSpec("restriction", STEP_TITLES["restriction"], ("authenticate",)))
    return steps


def run_graph_check(
    settings: GraphSettings,
    credential: str | ClientCertificate,
    *,
    observer: StepObserver | None = None,
    on_step_started: Callable[[str], None] | None = None,
    cancel: CancelToken | None = None,
) -> Report:
    """Run the Graph check for `settings.mailbox` with a client secret or a certificate; never raises for a
    failed step."""
    check = _GraphCheck(settings, credential, cancel or CancelToken())
    run = CheckRun(
        PROVIDER,
        settings.mailbox,
        graph_steps(settings),
        on_step_started=on_step_started,
        on_step=observer,
        cancel=check.cancel,
    )
    try:
        return run.execute(check.functions(run))
    finally:
        check.close()


def token_claims(access_token: str) -> dict[str, Any]:
    """The claims of a JWT access token, read without verification (Graph tokens are opaque to clients)."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def scope_name_for(group: str) -> str:
    """The management scope's name the fixes create for the scoping `group`: "Enterprise Connect <group>",
    with a distinguished name shortened to its first value (CN=EC Calendar Scope,OU=... -> EC Calendar Scope),
    so the name stays readable and short."""
    from ec_console.validation import is_distinguished_name

    if is_distinguished_name(group):
        first = re.split(r"(?<!\\),", group, maxsplit=1)[0]
        value = first.split("=", 1)[1] if "=" in first else first
        group = value.replace("\\,", ",").strip() or group
    return f"Enterprise Connect {group}"


def _user_path(address: str) -> str:
    return "/v1.0/users/" + quote(address, safe="@")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Host:
    label: str  # "sign-in" or "Graph"
    target: net.Target
    proxy: str | None
    addresses: list[str] = field(default_factory=list)
    connection: net.Connection | None = None


class _GraphCheck:
    def __init__(
        self, settings: GraphSettings, credential: str | ClientCertificate, cancel: CancelToken
    ) -> None:
        self.settings = settings
        self._credential = credential
        self.cancel = cancel
        self.transport = CheckTransport(settings.ca_file)
        self.context = self.transport.context
        self.session = GraphSession(self.transport, settings.timeout)
        self.token: str | None = None
        self.roles: list[str] = []
        graph = net.Target.from_url(settings.graph_root)
        self.hosts: list[_Host] = []
        for label, url in (("sign-in", settings.authority_root), ("Graph", settings.graph_root)):
            target = net.Target.from_url(url)
            if any(h.target.host == target.host and h.target.port == target.port for h in self.hosts):
                continue
            self.hosts.append(_Host(label, target, transport.proxy_for(url)))
        scope_name = scope_name_for(settings.scope_group) if settings.scope_group else None
        from ec_console.validation import is_distinguished_name

        self.names: dict[str, Any] = {
            "platform": "graph",
            "client_id": settings.client_id,
            "tenant_id": settings.tenant_id,
            "mailbox": settings.mailbox,
            "scope_group": settings.scope_group,
            "group_dn": settings.scope_group
            if settings.scope_group and is_distinguished_name(settings.scope_group)
            else None,
            "scope_name": scope_name,
            "service_account": f"application {settings.client_id}",
            "host": graph.host,
            "port": graph.port,
            "timeout": settings.timeout,
        }

    def functions(self, run: CheckRun) -> dict[str, Callable[[], Outcome | None]]:
        table: dict[str, Callable[[], Outcome | None]] = {
            "dns": self.dns,
            "tcp": self.tcp,
            "tls": self.tls,
            "authenticate": self.authenticate,
            "mailbox": self.mailbox,
            "read_calendar": self.read_calendar,
            "write_probe": self.write_probe,
            "restriction": self.restriction,
        }
        return {spec.id: table[spec.id] for spec in run.planned}

    def close(self) -> None:
        for host in self.hosts:
            if host.connection is not None:
                host.connection.close()
                host.connection = None
        self.session.close()
        self.transport.close()
        self.token = None

    # --- helpers ------------------------------------------------------------------------------------------

    def _diagnose(self, code: str, **names: Any) -> Any:
        return diagnose(code, **{**self.names, **names})

    def _fail(self, code: str, detail: str, data: dict[str, Any] | None = None, **names: Any) -> Outcome:
        log.info("Graph check: %s (%s)", code, detail)
        return failed(self._diagnose(code, **names), detail, data)

    def _url(self, path: str, query: dict[str, str] | None = None) -> str:
        url = self.settings.graph_root + path
        return f"{url}?{urlencode(query, safe='$,:')}" if query else url

    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        *,
        url: str | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> GraphAnswer | Outcome:
        """A Graph call, or the failed Outcome of a request that got no answer."""
        target = url or self._url(path, query)
        try:
            return graph_request(
                self.session,
                method,
                target,
                self.token or "",
                timeout=self.settings.timeout,
                cancel=self.cancel,
                json_body=json_body,
                headers=headers,
            )
        except requests.RequestException as exc:
            code, detail, names = network_code(exc, target, self.settings.timeout)
            return self._fail(code, detail, None, **names)

    def _refusal(self, answer: GraphAnswer, what: Callable[..., str], mailbox: str | None = None) -> Outcome:
        """The failed Outcome of a Graph refusal, diagnosed by its status and error.code; `what(status=...,
        code=...)` is the step's detail."""
        code = graph_code(answer.status, answer.error_code, answer.error_message)
        data: dict[str, Any] = {
            "status": answer.status,
            "error_code": answer.error_code or None,
            "request_id": answer.request_id or None,
        }
        names: dict[str, Any] = {"mailbox": mailbox or self.settings.mailbox}
        if code == "throttled":
            back_off = answer.back_off
            data["back_off"] = back_off
            data["tries"] = answer.tries
            names["back_off"] = f"{back_off:g}" if back_off is not None else None
        if code == "server_error":
            names["error"] = f"HTTP {answer.status} {answer.error_code}".strip()
        shown = answer.error_code or say("no error code")
        return self._fail(code, what(status=answer.status, code=shown), data, **names)

    # --- network steps ------------------------------------------------------------------------------------

    def dns(self) -> Outcome:
        found = []
        for host in self.hosts:
            target = host.target
            if host.proxy:
                proxy = net.Target.from_url(host.proxy if "://" in host.proxy else f"http://{host.proxy}")
                lookup = (proxy.host, proxy.port)
            else:
                lookup = (target.host, target.port)
            try:
                host.addresses = net.resolve(*lookup)
            except net.ProbeError as exc:
                return self._fail(exc.code, exc.detail, exc.data, **exc.names)
            addresses = ", ".join(host.addresses)
            if host.proxy:
                text = say("{host} → {addresses} (through the proxy {proxy})", host=target.host,
                           addresses=addresses, proxy=transport.redact_proxy(host.proxy))
            else:
                text = say("{host} → {addresses}", host=target.host, addresses=addresses)
            found.append(
                (
                    text,
                    {
                        "host": target.host,
                        "role": host.label,
                        "addresses": host.addresses,
                        "proxy": transport.redact_proxy(host.proxy) if host.proxy else None,
                    },
                )
            )
        return passed(_listed([text for text, _ in found]), {"hosts": [d for _, d in found]})

    def tcp(self) -> Outcome:
        found = []
        for host in self.hosts:
            try:
                host.connection = net.connect(host.target, host.addresses, self.settings.timeout, host.proxy)
            except net.ProbeError as exc:
                return self._fail(exc.code, exc.detail, exc.data, **exc.names)
            found.append(
                (
                    (host.target.host, host.target.port),
                    {"host": host.target.host, "port": host.target.port, "address": host.connection.address},
                )
            )
        data = {"hosts": [d for _, d in found]}
        (host, port), *more = [t for t, _ in found]
        if more:
            (host2, port2), = more[:1]
            return passed(say("Connected to {host} port {port} and {host2} port {port2}", host=host,
                              port=port, host2=host2, port2=port2), data)
        return passed(say("Connected to {host} port {port}", host=host, port=port), data)

    def tls(self) -> Outcome:
        found = []
        plain = []
        for host in self.hosts:
            connection, host.connection = host.connection, None
            if not host.target.is_https:
                if connection is not None:
                    connection.close()
                plain.append(host.target.host)
                continue
            if connection is None:  # pragma: no cover - the tcp step always leaves a connection
                raise RuntimeError("no connection for the TLS step")
            try:
                info = net.handshake(connection, host.target, self.context, self.settings.timeout)
            except net.ProbeError as exc:
                return self._fail(exc.code, exc.detail, exc.data, **exc.names)
            finally:
                connection.close()
            found.append(
                (
                    say("{host}: {protocol}, certificate {subject} issued by {issuer}, valid to {not_after}",
                        host=host.target.host, protocol=info.get("protocol", "TLS"), subject=info["subject"],
                        issuer=info["issuer"], not_after=info["not_after"]),
                    {"host": host.target.host, "certificate": info},
                )
            )
        if not found:
            return skipped(say("Plain http to this computer ({hosts}): no TLS to check",
                               hosts=", ".join(plain)))
        certificates = _listed([t for t, _ in found])
        if self.settings.ca_file:
            detail = say("{certificates}; trusted through the system's trusted certificates and {ca_file}",
                         certificates=certificates, ca_file=self.settings.ca_file)
        else:
            detail = say("{certificates}; trusted through the system's trusted certificates",
                         certificates=certificates)
        if plain:
            detail = say("{detail} (plain http to this computer: {hosts})", detail=detail,
                         hosts=", ".join(plain))
        return passed(detail, {"hosts": [d for _, d in found], "ca_file": self.settings.ca_file})

    # --- authenticate -------------------------------------------------------------------------------------

    def authenticate(self) -> Outcome:
        settings = self.settings
        credential = self._credential
        if isinstance(credential, ClientCertificate):
            client_credential: Any = credential.msal_credential()
        else:
            client_credential = credential
        authority = f"{settings.authority_root}/{quote(settings.tenant_id, safe='')}"
        login = net.Target.from_url(settings.authority_root)
        names = {"host": login.host, "port": login.port}
        try:
            app = msal.ConfidentialClientApplication(
                settings.client_id,
                authority=authority,
                client_credential=client_credential,
                http_client=self.session,
                instance_discovery=False,
                azure_region=False,
                token_cache=msal.TokenCache(),
            )
        except requests.RequestException as exc:
            code, detail, net_names = network_code(exc, authority, settings.timeout)
            return self._fail(code, detail, None, **net_names)
        except ValueError:
            return self._discovery_failure(authority, names)
        try:
            result = app.acquire_token_for_client(scopes=[settings.scope])
        except requests.RequestException as exc:
            code, detail, net_names = network_code(exc, authority, settings.timeout)
            return self._fail(code, detail, None, **net_names)
        except msal.exceptions.MsalServiceError:
            return self._token_server_error(names)
        if not isinstance(result, dict) or "access_token" not in result:
            return self._token_refused(result if isinstance(result, dict) else {}, names)
        token = str(result["access_token"])
        self.token = token
        _register_secret(token)
        claims = token_claims(token)
        roles = claims.get("roles") if isinstance(claims.get("roles"), list) else []
        self.roles = sorted(str(r) for r in roles)
        if isinstance(claims.get("oid"), str):
            self.names["sp_object_id"] = claims["oid"]
        wide = sorted(set(self.roles) & CALENDAR_ROLES)
        data = {
            "credential": "certificate" if isinstance(credential, ClientCertificate) else "secret",
            "roles": self.roles,
            "tenant_wide_roles": wide,
            "scope": settings.scope,
            "authority": settings.authority_root,
            "token_source": result.get("token_source"),
            "service_principal": self.names.get("sp_object_id"),
        }
        if isinstance(credential, ClientCertificate):
            data["thumbprint_sha256"] = credential.thumbprint_sha256
        if isinstance(credential, ClientCertificate):
            token = say("Token for application {client_id} from {authority} with its certificate (SHA-256 "
                        "thumbprint {thumbprint})", client_id=settings.client_id,
                        authority=settings.authority_root, thumbprint=credential.thumbprint_sha256)
        else:
            token = say("Token for application {client_id} from {authority} with its client secret",
                        client_id=settings.client_id, authority=settings.authority_root)
        if wide:
            diagnosis = self._diagnose("tenant_wide_grant", roles=wide)
            text = say("{token}; it holds the tenant-wide application permission {roles}, which reaches "
                       "every mailbox whatever the RBAC for Applications scope says", token=token,
                       roles=", ".join(wide))
            if settings.scope_group or settings.expect_denied:
                return failed(diagnosis, text, data)
            return warned(text, data, diagnosis)
        if self.roles:
            detail = say("{token}; application permissions in the token: {roles}", token=token,
                         roles=", ".join(self.roles))
        else:
            detail = say("{token}; no tenant-wide application permission (access comes from RBAC for "
                         "Applications)", token=token)
        return passed(detail, data)

    def _discovery_failure(self, authority: str, names: dict[str, Any]) -> Outcome:
        """MSAL's constructor raised ValueError: OIDC discovery failed (AADSTS90002 for an unknown tenant)."""
        last = self.session.last
        status = last.status if last else None
        if status in (429, 503):
            back_off = last.headers.get("Retry-After") if last else None
            return self._fail(
                "throttled",
                say("The sign-in service answered HTTP {status}", status=status),
                {"status": status},
                back_off=back_off,
                **names,
            )
        if status is not None and status >= 500:
            return self._fail(
                "server_error",
                say("The sign-in service answered HTTP {status}", status=status),
                {"status": status},
                error=f"HTTP {status}",
                **names,
            )
        numbers = error_codes(last.body if last else None)
        shown = f"AADSTS{numbers[0]}" if numbers else (f"HTTP {status}" if status else say("no answer"))
        return self._fail(
            "oauth_tenant_not_found",
            say("No tenant {tenant_id} at {authority} ({error})", tenant_id=self.settings.tenant_id,
                authority=self.settings.authority_root, error=shown),
            {"status": status, "error_codes": numbers},
            **names,
        )

    def _token_server_error(self, names: dict[str, Any]) -> Outcome:
        last = self.session.last
        status = last.status if last else None
        if status in (429, 503):
            return self._fail(
                "throttled",
                say("The token endpoint answered HTTP {status}", status=status),
                {"status": status},
                back_off=last.headers.get("Retry-After") if last else None,
                **names,
            )
        return self._fail(
            "server_error",
            say("The token endpoint answered HTTP {status}", status=status),
            {"status": status},
            error=f"HTTP {status}",
            **names,
        )

    def _token_refused(self, result: dict[str, Any], names: dict[str, Any]) -> Outcome:
        last = self.session.last
        status = last.status if last else None
        if status in (429, 503):
            return self._token_server_error(names)
        code, number = token_code(result)
        error = result.get("error") if isinstance(result.get("error"), str) else "refused"
        shown = f"AADSTS{number}" if number else error
        refused = say("Microsoft Entra ID refused the token request ({error}, {code})", error=error,
                      code=shown)
        detail = refused
        data: dict[str, Any] = {"status": status, "error": error, "error_codes": error_codes(result)}
        if isinstance(self._credential, ClientCertificate):
            # what the admin compares with the app registration's Certificates & secrets page
            thumbprint = self._credential.thumbprint_sha256
            data["thumbprint_sha256"] = thumbprint
            detail = say("{refused}; the certificate's SHA-256 thumbprint is {thumbprint}", refused=refused,
                         thumbprint=thumbprint)
        return self._fail(code, detail, data, error=f"{error}, {shown}", **names)

    # --- Graph steps --------------------------------------------------------------------------------------

    def mailbox(self) -> Outcome:
        address = self.settings.mailbox
        user = self._call("GET", _user_path(address), {"$select": "id,mail,userPrincipalName"})
        if isinstance(user, Outcome):
            return user
        data: dict[str, Any] = {"mailbox": address}
        notes = []
        if user.ok and isinstance(user.body, dict):
            data["user_id"] = user.body.get("id")
        elif user.status == 404:
            return self._refusal(user, lambda **v: say("The directory has no user {mailbox}: HTTP {status} "
                                                       "({code})", mailbox=address, **v))
        elif user.status in (429, 503):
            return self._refusal(user, lambda **v: say("Microsoft Graph is limiting the application's "
                                                       "requests: "
                                                       "HTTP {status} ({code})", **v))
        else:
            data["directory"] = {"status": user.status, "error_code": user.error_code or None}
            if user.error_code:
                notes.append(say("the directory could not be read (HTTP {status}, {code}); the check "
                                 "does not "
                                 "need it", status=user.status, code=user.error_code))
            else:
                notes.append(say("the directory could not be read (HTTP {status}); the check does not "
                                 "need it",
                                 status=user.status))
        calendar = self._call("GET", _user_path(address) + "/calendar", {"$select": "id"})
        if isinstance(calendar, Outcome):
            return calendar
        if not calendar.ok:
            return self._refusal(calendar, lambda **v: say("The calendar of {mailbox} was refused: HTTP "
                                                           "{status} "
                                                           "({code})", mailbox=address, **v))
        if notes:
            return passed(say("The calendar of {mailbox} opens; {notes}", mailbox=address,
                              notes=_listed(notes)), data)
        return passed(say("The calendar of {mailbox} opens", mailbox=address), data)

    def read_calendar(self) -> Outcome:
        address = self.settings.mailbox
        start = datetime.now(UTC).replace(microsecond=0)
        end = start + timedelta(days=CALENDAR_DAYS)
        query = {
            "startDateTime": _iso(start),
            "endDateTime": _iso(end),
            "$select": EVENT_FIELDS,
            "$top": "100",
        }
        url: str | None = self._url(_user_path(address) + "/calendarView", query)
        blocks: list[dict[str, Any]] = []
        pages = 0
        while url and pages < MAX_PAGES:
            answer = self._call("GET", "", url=url, headers={"Prefer": 'outlook.timezone="UTC"'})
            if isinstance(answer, Outcome):
                return answer
            if not answer.ok:
                return self._refusal(answer, lambda **v: say("The calendar of {mailbox} could not be "
                                                             "read: HTTP "
                                                             "{status} ({code})", mailbox=address, **v))
            body = answer.body if isinstance(answer.body, dict) else {}
            events = body.get("value")
            if not isinstance(events, list):
                return self._fail(
                    "server_error",
                    say("Microsoft Graph's answer holds no list of events"),
                    error="no 'value' list in the calendar view",
                )
            blocks.extend(_block(event) for event in events if isinstance(event, dict))
            pages += 1
            url = body.get("@odata.nextLink") if isinstance(body.get("@odata.nextLink"), str) else None
            if url and not url.startswith(self.settings.graph_root + "/"):
                return self._fail(
                    "server_error",
                    say("Microsoft Graph pointed the next page at another host"),
                    error="a next page outside the Graph root",
                )
        blocks.sort(key=lambda b: (b["start"], b["end"]))
        detail = say_n(
            "{n} busy block in the next {days} days (times and free/busy status only; no subjects, bodies, "
            "locations or attendees fetched)",
            "{n} busy blocks in the next {days} days (times and free/busy status only; no subjects, bodies, "
            "locations or attendees fetched)", len(blocks), days=CALENDAR_DAYS)
        return passed(
            detail,
            {
                "count": len(blocks),
                "days": CALENDAR_DAYS,
                "blocks": blocks[:MAX_BLOCKS_IN_DATA],
                "complete": url is None,
            },
        )

    def write_probe(self) -> Outcome:
        address = self.settings.mailbox
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        event = {
            "subject": PROBE_SUBJECT,
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {
                "dateTime": (start + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
            "showAs": "free",
            "isReminderOn": False,
            "attendees": [],
        }
        created = self._call(
            "POST", _user_path(address) + "/calendar/events", {"$select": "id"}, json_body=event
        )
        if isinstance(created, Outcome):
            return created
        if not created.ok:
            return self._refusal(created, lambda **v: say("A test event could not be created in the "
                                                          "calendar of {mailbox}: HTTP {status} ({code})",
                                                          mailbox=address, **v))
        item_id = created.body.get("id") if isinstance(created.body, dict) else None
        if not isinstance(item_id, str) or not item_id:
            return self._fail(
                "server_error",
                say("Microsoft Graph created the test event but gave no id"),
                error="no id for the created event",
            )
        event_path = _user_path(address) + "/events/" + quote(item_id, safe="")
        deleted = self._call("DELETE", event_path)
        if isinstance(deleted, Outcome) or not deleted.ok:
            why = (
                f"HTTP {deleted.status} {deleted.error_code}".strip()
                if isinstance(deleted, GraphAnswer)
                else say("no answer")
            )
            return self._fail(
                "write_leftover",
                say("The test event was created but could not be deleted ({error})", error=why),
                {"item_id": item_id},
                item_id=item_id,
                error=why,
            )
        again = self._call("GET", event_path, {"$select": "id"})
        if isinstance(again, GraphAnswer) and again.ok:
            return self._fail(
                "write_leftover",
                say("The test event is still in the calendar after it was deleted"),
                {"item_id": item_id},
                item_id=item_id,
                error="still present after the delete",
            )
        return passed(
            say("Created a test event (no attendees, no invitation sent), deleted it, and confirmed nothing "
                "was left"),
            {"created": True, "deleted": True, "leftover": False},
        )

    def restriction(self) -> Outcome:
        denied = self.settings.expect_denied or ""
        answer = self._call("GET", _user_path(denied) + "/calendar", {"$select": "id"})
        if isinstance(answer, Outcome):
            return answer
        code = graph_code(answer.status, answer.error_code, answer.error_message) if not answer.ok else ""
        if code in ("mailbox_access_denied", "access_policy_denied"):
            return passed(
                say("Access to {mailbox} was refused as it should be ({code})", mailbox=denied,
                    code=answer.error_code or answer.status),
                {"mailbox": denied, "denied_with": answer.error_code or answer.status},
            )
        if not answer.ok:
            outcome = self._refusal(answer, lambda **v: say("The restriction could not be proved for "
                                                            "{mailbox}: HTTP {status} ({code})",
                                                            mailbox=denied, **v), denied)
            return outcome
        wide = sorted(set(self.roles) & CALENDAR_ROLES)
        if wide:
            detail = say("{mailbox} is meant to be outside the scope, yet its calendar opened. The "
                         "application "
                         "holds the tenant-wide permission {roles} (admin consent in Microsoft Entra "
                         "ID), which reaches every mailbox whatever the RBAC scope says.", mailbox=denied,
                         roles=", ".join(wide))
        else:
            detail = say("{mailbox} is meant to be outside the scope, yet its calendar opened.",
                         mailbox=denied)
        return self._fail(
            "scope_not_enforced",
            detail,
            {"mailbox": denied, "tenant_wide_consent": bool(wide)},
            mailbox=denied,
        )


def _listed(parts: list[str]) -> str:
    """Texts joined by "; " (each stays a text of its own, shown in the reader's language)."""
    if len(parts) == 1:
        return parts[0]
    return say("{first}; {rest}", first=parts[0], rest=_listed(parts[1:]))


def _block(event: dict[str, Any]) -> dict[str, Any]:
    """One event as a busy block: its times and free/busy status, nothing else the server may have sent."""

    def when(key: str) -> str:
        value = event.get(key)
        text = value.get("dateTime") if isinstance(value, dict) else None
        return str(text)[:40] if isinstance(text, str) else ""

    show_as = event.get("showAs")
    return {
        "start": when("start"),
        "end": when("end"),
        "busy_type": show_as if isinstance(show_as, str) and show_as.isalpha() else "unknown",
        "all_day": event.get("isAllDay") is True,
    }


def _register_secret(value: str) -> None:
    try:
        from ec_console.logs import register_secret
    except ImportError:  # pragma: no cover - the logging module ships with the console
        return
    register_secret(value)
