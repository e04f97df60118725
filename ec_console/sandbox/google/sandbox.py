"""`GoogleSandbox`: the Google side of the sandbox on one https server (127.0.0.1, ephemeral port).

One root serves what Google spreads over several hosts, so a single `--api-root` reaches everything:

| path | Google's real host |
| --- | --- |
| `POST /token` (also `/oauth2/v4/token`) | oauth2.googleapis.com |
| `GET /o/oauth2/auth`, `/o/oauth2/v2/auth` | accounts.google.com |
| `GET /oauth2/v1/certs`, `/oauth2/v3/certs`, `/oauth2/v3/userinfo` | www.googleapis.com |
| `/admin/directory/v1/...`, `POST /batch`, `/batch/admin/directory_v1` | admin.googleapis.com |
| `/admin/reports/v1/activity/...` (Admin audit log; `record_app_install`) | admin.googleapis.com |
| `/calendar/v3/...`, `POST /batch/calendar/v3` | www.googleapis.com |

Started, it writes a real service-account key file and an installed-app client-secret file (0600) into its
folder, both pointing at this server. Switches (`delete_key`, `rotate_key`, `delete_service_account`,
`set_delegation`, `remove_delegated_scope`, `disable_api`, `shift_clock`, ...) change what the next request
gets. Every response carries a `Date` header from the sandbox clock, so a client's clock check sees a shift.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ec_console.paths import data_dir
from ec_console.sandbox.google import oauth
from ec_console.sandbox.google.apis import GoogleApis
from ec_console.sandbox.google.batch import GoogleBatch
from ec_console.sandbox.google.credentials import (
    SigningKey,
    client_secret_info,
    service_account_key_info,
    write_json_private,
)
from ec_console.sandbox.google.org import (
    ADMIN,
    DELEGATED_ADMIN,
    DELETED,
    NESTED_GROUP,
    NO_CALENDAR,
    NONEXISTENT,
    OUTSIDE_GROUP,
    RATE_LIMITED,
    REAUTH_ADMIN,
    SCOPE_GROUP,
    SUSPENDED,
    build_google_organisation,
)
from ec_console.sandbox.google.state import APIS, GoogleState, SandboxClock
from ec_console.sandbox.google.token import TokenEndpoint, redact_token_body
from ec_console.sandbox.server import RequestLog, SandboxHTTPServer
from ec_console.sandbox.tls import TlsMaterial, generate_tls_material

SERVER_NAME = "google"
OK_USER = "ada.lovelace@gsandbox.example"
RATE_LIMIT_MODES = ("rate", "user", "429")


class GoogleHTTPServer(SandboxHTTPServer):
    """The shared sandbox server, answering with Google's `Server` header and the sandbox clock's `Date`."""

    def __init__(self, name: str, *, clock: SandboxClock, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.clock = clock

    def handle(self, rh: Any) -> None:
        clock = self.clock
        rh.date_time_string = lambda timestamp=None: email.utils.formatdate(
            clock.timestamp() if timestamp is None else timestamp, usegmt=True
        )
        rh.server_version = "ESF"
        super().handle(rh)


@dataclass(frozen=True)
class GoogleSandboxInfo:
    """What a client (or `sandbox serve`) needs to reach the Google sandbox. Holds paths, never secrets."""

    domain: str
    customer_id: str
    project_id: str
    project_number: str
    service_account_email: str
    client_id: str  # numeric: the Admin console's domain-wide delegation entry
    key_file: str
    client_secret_file: str
    oauth_client_id: str
    admin_email: str  # super administrator (the --admin of a check)
    delegated_admin_email: str
    reauth_admin_email: str
    non_admin_email: str
    users: dict[str, str]  # ok / suspended / deleted / not_calendar_user / rate_limited / ...
    scope_group: str
    nested_group: str
    delegated_scopes: list[str]
    api_root: str
    token_uri: str
    auth_uri: str
    certs_uri: str
    jwks_uri: str
    userinfo_uri: str
    id_token_issuer: str
    ca_file: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """Human-readable lines for `ec-console sandbox serve`."""
        return [
            f"Google API root:      {self.api_root}",
            f"Google token URI:     {self.token_uri}",
            f"Service-account key:  {self.key_file}",
            f"  client ID:          {self.client_id} ({self.service_account_email})",
            f"OAuth client file:    {self.client_secret_file}",
            f"Administrator:        {self.admin_email}",
            "Users:                " + ", ".join(f"{k}={v}" for k, v in self.users.items()),
            f"CA file:              {self.ca_file}",
        ]


class GoogleSandbox:
    """The Google sandbox: start it, point clients at `info()`, flip switches, stop it."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        tls: TlsMaterial | None = None,
        request_log: RequestLog | None = None,
    ) -> None:
        self.folder = Path(folder) if folder is not None else data_dir() / "sandbox" / "google"
        self.requests = request_log if request_log is not None else RequestLog()
        self.org = build_google_organisation()
        self.state = GoogleState.create(self.org)
        self._tls = tls
        self._server: GoogleHTTPServer | None = None
        self.key_file: Path | None = None
        self.client_secret_file: Path | None = None

    # -- life cycle -----------------------------------------------------------------------------------------
    def start(self) -> GoogleSandbox:
        if self._server is not None:
            raise RuntimeError("the Google sandbox is already running")
        if self._tls is None:
            self._tls = generate_tls_material(self.folder / "tls")
        server = GoogleHTTPServer(
            SERVER_NAME,
            clock=self.state.clock,
            tls_context=self._tls.server.server_context(),
            request_log=self.requests,
        )
        self._add_routes(server)
        server.start()
        self._server = server
        self.state.token_uri = f"{server.url}/token"
        self.key_file = self._write_key_file(next(iter(self.state.service_account.keys.values())))
        self.client_secret_file = write_json_private(
            self.folder / f"client_secret_{self.state.oauth_client.client_id}.json",
            client_secret_info(
                self.state.oauth_client,
                auth_uri=self.auth_uri,
                token_uri=self.token_uri,
                certs_root=self.api_root,
            ),
        )
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> GoogleSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _add_routes(self, server: GoogleHTTPServer) -> None:
        state = self.state
        token = TokenEndpoint(state)
        apis = GoogleApis(state)
        batch = GoogleBatch(apis, SERVER_NAME, self.requests)
        for path in ("/token", "/oauth2/v4/token"):
            server.route("POST", path, token.handle, redact_body=redact_token_body)
        for path in ("/o/oauth2/auth", "/o/oauth2/v2/auth"):
            server.route("GET", path, lambda r: oauth.authorize(state, r))
        server.route("GET", "/oauth2/v1/certs", lambda r: oauth.certs_v1(state, r))
        server.route("GET", "/oauth2/v3/certs", lambda r: oauth.certs_v3(state, r))
        server.route("GET", "/oauth2/v3/userinfo", lambda r: oauth.userinfo(state, r))
        server.route(
            "GET",
            "/.well-known/openid-configuration",
            lambda r: oauth.openid_configuration(self.api_root),
        )
        server.route(
            ("GET", "POST", "PUT", "PATCH", "DELETE"),
            re.compile(r"/(admin/directory/v1|admin/reports/v1|calendar/v3)/.*"),
            apis.handle,
        )
        for path in ("/batch", "/batch/calendar/v3", "/batch/admin/directory_v1"):
            server.route("POST", path, batch.handle)

    def _write_key_file(self, key: SigningKey) -> Path:
        info = service_account_key_info(
            self.state.service_account.identity,
            key,
            token_uri=self.token_uri,
            auth_uri=self.auth_uri,
            certs_root=self.api_root,
        )
        return write_json_private(self.folder / f"{self.org.project_id}-{key.key_id[:12]}.json", info)

    # -- addresses ------------------------------------------------------------------------------------------
    @property
    def server(self) -> GoogleHTTPServer:
        if self._server is None:
            raise RuntimeError("the Google sandbox is not running: call start() first")
        return self._server

    @property
    def api_root(self) -> str:
        return self.server.url

    @property
    def token_uri(self) -> str:
        return f"{self.api_root}/token"

    @property
    def auth_uri(self) -> str:
        return f"{self.api_root}/o/oauth2/auth"

    @property
    def ca_file(self) -> Path:
        if self._tls is None:
            raise RuntimeError("the Google sandbox is not running: call start() first")
        return self._tls.ca_file

    @property
    def clock(self) -> SandboxClock:
        return self.state.clock

    def info(self) -> GoogleSandboxInfo:
        account = self.state.service_account
        root = self.api_root
        return GoogleSandboxInfo(
            domain=self.org.domain,
            customer_id=self.org.customer_id,
            project_id=self.org.project_id,
            project_number=self.org.project_number,
            service_account_email=account.identity.email,
            client_id=account.identity.client_id,
            key_file=str(self.key_file),
            client_secret_file=str(self.client_secret_file),
            oauth_client_id=self.state.oauth_client.client_id,
            admin_email=ADMIN,
            delegated_admin_email=DELEGATED_ADMIN,
            reauth_admin_email=REAUTH_ADMIN,
            non_admin_email=OK_USER,
            users={
                "ok": OK_USER,
                "suspended": SUSPENDED,
                "deleted": DELETED,
                "not_calendar_user": NO_CALENDAR,
                "rate_limited": RATE_LIMITED,
                "nonexistent": NONEXISTENT,
                "outside_group": OUTSIDE_GROUP,
            },
            scope_group=SCOPE_GROUP,
            nested_group=NESTED_GROUP,
            delegated_scopes=sorted(account.delegated_scopes or ()),
            api_root=root,
            token_uri=self.token_uri,
            auth_uri=self.auth_uri,
            certs_uri=f"{root}/oauth2/v1/certs",
            jwks_uri=f"{root}/oauth2/v3/certs",
            userinfo_uri=f"{root}/oauth2/v3/userinfo",
            id_token_issuer=oauth.ID_TOKEN_ISSUER,
            ca_file=str(self.ca_file),
        )

    # -- switches -------------------------------------------------------------------------------------------
    def shift_clock(self, seconds: float) -> None:
        """Move the sandbox clock (what iat/exp are checked against, and the Date header) by `seconds`."""
        self.state.clock.shift(seconds)

    def set_clock_offset(self, seconds: float) -> None:
        self.state.clock.set_offset(seconds)

    def delete_key(self) -> None:
        """Delete every key of the service account in the project: the key file still parses, tokens fail."""
        with self.state.lock:
            self.state.service_account.keys.clear()

    def rotate_key(self) -> Path:
        """Replace the service account's key: the old key file stops working, a new one is written."""
        key = SigningKey.generate()
        with self.state.lock:
            self.state.service_account.keys = {key.key_id: key}
        self.key_file = self._write_key_file(key)
        return self.key_file

    def delete_service_account(self, deleted: bool = True) -> None:
        with self.state.lock:
            self.state.service_account.deleted = deleted

    def set_delegation(self, scopes: Iterable[str] | None) -> None:
        """The Admin console's domain-wide delegation entry for the client ID; None removes the entry."""
        with self.state.lock:
            self.state.service_account.delegated_scopes = None if scopes is None else set(scopes)

    def revoke_delegation(self) -> None:
        self.set_delegation(None)

    def remove_delegated_scope(self, scope: str) -> None:
        with self.state.lock:
            scopes = self.state.service_account.delegated_scopes
            if scopes is None or scope not in scopes:
                raise ValueError(f"scope {scope!r} is not delegated to the sandbox client ID")
            scopes.discard(scope)

    def disable_api(self, api: str) -> None:
        """Disable "directory" (Admin SDK API) or "calendar" (Google Calendar API) in the Cloud project."""
        with self.state.lock:
            self.state.disabled_apis.add(self._api_key(api))

    def enable_api(self, api: str) -> None:
        with self.state.lock:
            self.state.disabled_apis.discard(self._api_key(api))

    @staticmethod
    def _api_key(api: str) -> str:
        if api not in APIS:
            raise ValueError(f"unknown API {api!r}; known: {', '.join(APIS)}")
        return api

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far invalid (the next API call answers 401 authError)."""
        self.state.tokens.expire_access()

    def record_app_install(self, app_id: str, app_name: str, *, actor: str | None = None,
                           when: dt.datetime | None = None) -> None:
        """Add the Admin audit log's ADD_APPLICATION event that a Marketplace domain install leaves."""
        from ec_console.sandbox.google.org import ADMIN
        from ec_console.sandbox.google.state import AuditEvent

        event = AuditEvent(when or self.state.clock.now(), (actor or ADMIN).lower(), "DOMAIN_SETTINGS",
                           "ADD_APPLICATION", (("APP_ID", app_id), ("APPLICATION_ENABLED", "true"),
                                               ("APPLICATION_NAME", app_name)))
        with self.state.lock:
            self.state.audit_events.append(event)

    def set_browser_user(self, email: str | None) -> None:
        """Who the scripted browser is signed in as (used when the authorize request has no login_hint)."""
        self.state.browser_user = email.strip().lower() if email else None

    def set_browser_consent(self, consents: bool) -> None:
        self.state.browser_consents = consents

    def set_rate_limit_mode(self, mode: str) -> None:
        """How the rate-limited user is refused: "rate" (403 rateLimitExceeded), "user" (403
        userRateLimitExceeded) or "429" (429 rateLimitExceeded)."""
        if mode not in RATE_LIMIT_MODES:
            raise ValueError(f"unknown rate-limit mode {mode!r}; known: {', '.join(RATE_LIMIT_MODES)}")
        self.org.rate_limit_mode = mode

    @property
    def latency(self) -> float:
        return self.server.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.server.latency = seconds

    @property
    def silent(self) -> bool:
        return self.server.silent

    @silent.setter
    def silent(self, value: bool) -> None:
        self.server.silent = value
