"""The sandbox: loopback servers that speak the real protocols for a fictional organisation.

    with Sandbox() as sb:
        info = sb.info()          # URLs, CA file, fictional credentials, example mailboxes
        ...                       # drive info.ews_url with exchangelib, trusting info.ca_file
        sb.requests.find(operation="FindItem")

Two servers, both https on 127.0.0.1 with ephemeral ports and one shared request log: `ews` (EWS and SOAP
autodiscover) and `identity` (the Microsoft identity platform token endpoint, i.e. the `authority`).
`ec-console sandbox serve` runs `run_serve()`. See docs/sandbox.md.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from ec_console.sandbox.exchange.ews import (
    AUTODISCOVER_PATH,
    EWS_PATH,
    EXCHANGE_2019,
    EXCHANGE_ONLINE,
    EwsEndpoint,
)
from ec_console.sandbox.exchange.ntlm import NtlmUser, NtlmUsers
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.graph import GraphSandbox
from ec_console.sandbox.identity import IdentityEndpoint, TokenIssuer
from ec_console.sandbox.org import (
    APP,
    DISABLED_APP,
    EXPIRED_APP,
    LOCKED_ACCOUNT,
    NO_PERMISSION_APP,
    NO_RIGHT_ACCOUNT,
    SERVICE_ACCOUNT,
    TENANT_WIDE_APP,
    Behaviour,
    Organisation,
    build_organisation,
)
from ec_console.sandbox.server import RequestLog, SandboxHTTPServer
from ec_console.sandbox.tls import LOOPBACK_NAMES, TlsMaterial, generate_tls_material

__all__ = ["Sandbox", "SandboxInfo", "run_serve"]


@dataclass(frozen=True)
class SandboxInfo:
    """Everything a client needs to use the sandbox. All credentials are fictional."""

    ews_url: str
    autodiscover_url: str
    authority: str
    ca_file: str
    folder: str
    domain: str
    server_version: str
    username: str
    upn: str
    password: str
    locked_username: str
    locked_password: str
    no_impersonation_username: str
    no_impersonation_password: str
    tenant_id: str
    client_id: str
    client_secret: str
    expired_secret_client_id: str
    expired_secret_client_secret: str
    no_permission_client_id: str
    no_permission_client_secret: str
    tenant_wide_client_id: str
    tenant_wide_client_secret: str
    disabled_client_id: str
    disabled_client_secret: str
    scope_group: str
    scope_group_dn: str
    scope_group_address: str
    mailboxes_in_scope: tuple[str, ...]
    mailboxes_out_of_scope: tuple[str, ...]
    mailbox_nonexistent: str
    mailbox_throttled: str
    mailbox_slow: str
    mailbox_ews_blocked: str
    mailbox_folder_denied: str
    mailbox_write_denied: str
    mailbox_connection_limit: str
    throttle_back_off_ms: int
    slow_seconds: float
    # In scope; the service accounts hold only Reviewer folder permission on its calendar (delegate access).
    mailbox_calendar_reviewer: str = ""

    @property
    def mailbox_in_scope(self) -> str:
        return self.mailboxes_in_scope[0]

    @property
    def mailbox_out_of_scope(self) -> str:
        return self.mailboxes_out_of_scope[0]

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


# Exchange Online's EWS hosts, worldwide and in the U.S. Government and China clouds.
EXCHANGE_ONLINE_HOSTS = ("outlook.office365.com", "outlook.office365.us", "partner.outlook.cn")


class Sandbox:
    """Starts the sandbox servers (context manager). `folder` receives the TLS files; a temporary folder
    (removed on stop) is used when none is given. `online=True` reports Exchange Online's version, and its
    certificate also names Exchange Online's EWS hosts (`EXCHANGE_ONLINE_HOSTS`), so a test that resolves one
    of them to 127.0.0.1 reaches the sandbox as Exchange Online.
    `google=True` also starts the Google Workspace side (`.google`, see google/sandbox.py) and `graph=True`
    the Microsoft 365 side (`.graph`: the identity platform for MSAL and Microsoft Graph, see graph/), on the
    same CA and request log."""

    def __init__(
        self, folder: str | Path | None = None, *, online: bool = False, google: bool = False,
        graph: bool = False,
    ) -> None:
        self._given_folder = Path(folder) if folder is not None else None
        self._online = online
        self.folder: Path | None = None
        self.requests = RequestLog()
        self.org: Organisation = build_organisation()
        self.issuer = TokenIssuer(self.org.tenant_id)
        self.tls: TlsMaterial | None = None
        self.ews: EwsEndpoint | None = None
        self.ews_server: SandboxHTTPServer | None = None
        self.identity: IdentityEndpoint | None = None
        self.identity_server: SandboxHTTPServer | None = None
        self._variants: dict[str, SandboxHTTPServer] = {}
        self._ntlm_token: int | None = None
        self._owns_folder = False
        self._with_google = google
        self.google: GoogleSandbox | None = None
        self._with_graph = graph
        self.graph: GraphSandbox | None = None

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self.ews_server is not None:
            raise RuntimeError("the sandbox is already running")
        if self._given_folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="ec-sandbox-"))
            self._owns_folder = True
        else:
            self.folder = self._given_folder
        try:
            names = LOOPBACK_NAMES + EXCHANGE_ONLINE_HOSTS if self._online else LOOPBACK_NAMES
            self.tls = generate_tls_material(self.folder, names)
            self._ntlm_token = NtlmUsers.register(self._ntlm_users())
            self.ews = EwsEndpoint(
                self.org,
                self.issuer,
                version=EXCHANGE_ONLINE if self._online else EXCHANGE_2019,
                end_point_hash=self.tls.server.end_point_hash(),
            )
            self.identity = IdentityEndpoint(self.org, self.issuer)
            self.ews_server = self._ews_server("ews", "valid").start()
            self.identity_server = SandboxHTTPServer(
                "identity", tls_context=self.tls.server.server_context(), request_log=self.requests
            )
            self.identity.install(self.identity_server)
            self.identity_server.start()
            if self._with_google:
                self.google = GoogleSandbox(self.folder / "google", tls=self.tls, request_log=self.requests)
                self.google.start()
            if self._with_graph:
                self.graph = GraphSandbox(self.folder / "graph", tls=self.tls, request_log=self.requests)
                self.graph.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _ews_server(self, name: str, variant: str) -> SandboxHTTPServer:
        assert self.tls is not None and self.ews is not None
        tls = None if variant == "http" else self.tls.variant(variant).server_context()
        server = SandboxHTTPServer(name, tls_context=tls, request_log=self.requests)
        endpoint = (
            self.ews
            if variant == "valid"
            else EwsEndpoint(
                self.org,
                self.issuer,
                version=self.ews.version,
                end_point_hash=None if variant == "http" else self.tls.variant(variant).end_point_hash(),
            )
        )
        endpoint.install(server)
        if self.identity is not None:
            # Exchange answers tokens issued for its EWS host (`https://<host>[:port]/.default`).
            self.identity.ews_endpoints.append(endpoint)
        return server

    def stop(self) -> None:
        if self.graph is not None:
            self.graph.stop()
            self.graph = None
        if self.google is not None:
            self.google.stop()
            self.google = None
        for server in [*self._variants.values(), self.ews_server, self.identity_server]:
            if server is not None:
                server.stop()
        self._variants.clear()
        self.ews_server = self.identity_server = None
        if self._ntlm_token is not None:
            NtlmUsers.release(self._ntlm_token)
            self._ntlm_token = None
        if self._owns_folder and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self._owns_folder = False

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _ntlm_users(self) -> list[NtlmUser]:
        users = []
        for account in self.org.accounts:
            users.append(NtlmUser(self.org.netbios_domain, account.sam_name, account.password))
            users.append(NtlmUser("", account.upn, account.password))
        return users

    # -- extra endpoints --------------------------------------------------------------------------
    def variant_url(self, variant: str) -> str:
        """EWS URL of an extra server presenting the `expired`, `wrong_name` or `untrusted` certificate, or
        serving plain `http`; started on first use, stopped with the sandbox."""
        if self.ews_server is None:
            raise RuntimeError("the sandbox is not running")
        if variant not in self._variants:
            self._variants[variant] = self._ews_server(f"ews-{variant}", variant).start()
        return f"{self._variants[variant].url}{EWS_PATH}"

    # -- description ------------------------------------------------------------------------------
    def info(self) -> SandboxInfo:
        if self.ews_server is None or self.identity_server is None or self.tls is None or self.ews is None:
            raise RuntimeError("the sandbox is not running")
        org = self.org
        v = self.ews.version
        return SandboxInfo(
            ews_url=f"{self.ews_server.url}{EWS_PATH}",
            autodiscover_url=f"{self.ews_server.url}{AUTODISCOVER_PATH}",
            authority=self.identity_server.url,
            ca_file=str(self.tls.ca_file),
            folder=str(self.folder),
            domain=org.domain,
            server_version=f"{v.major}.{v.minor}.{v.major_build}.{v.minor_build}",
            username=SERVICE_ACCOUNT.down_level,
            upn=SERVICE_ACCOUNT.upn,
            password=SERVICE_ACCOUNT.password,
            locked_username=LOCKED_ACCOUNT.down_level,
            locked_password=LOCKED_ACCOUNT.password,
            no_impersonation_username=NO_RIGHT_ACCOUNT.down_level,
            no_impersonation_password=NO_RIGHT_ACCOUNT.password,
            tenant_id=org.tenant_id,
            client_id=APP.client_id,
            client_secret=APP.client_secret,
            expired_secret_client_id=EXPIRED_APP.client_id,
            expired_secret_client_secret=EXPIRED_APP.client_secret,
            no_permission_client_id=NO_PERMISSION_APP.client_id,
            no_permission_client_secret=NO_PERMISSION_APP.client_secret,
            tenant_wide_client_id=TENANT_WIDE_APP.client_id,
            tenant_wide_client_secret=TENANT_WIDE_APP.client_secret,
            disabled_client_id=DISABLED_APP.client_id,
            disabled_client_secret=DISABLED_APP.client_secret,
            scope_group=org.scope_group_name,
            scope_group_dn=org.scope_group_dn,
            scope_group_address=org.scope_group_address,
            mailboxes_in_scope=tuple(
                m.address for m in org.scope_members()
                if m.behaviour is Behaviour.NORMAL and m.delegate_folders is None
            ),
            mailboxes_out_of_scope=tuple(m.address for m in org.mailboxes.values() if not m.in_scope),
            mailbox_nonexistent=org.nonexistent_address,
            mailbox_throttled=org.by_behaviour(Behaviour.THROTTLED).address,
            mailbox_slow=org.by_behaviour(Behaviour.SLOW).address,
            mailbox_ews_blocked=org.by_behaviour(Behaviour.EWS_BLOCKED).address,
            mailbox_folder_denied=org.by_behaviour(Behaviour.FOLDER_DENIED).address,
            mailbox_write_denied=org.by_behaviour(Behaviour.WRITE_DENIED).address,
            mailbox_connection_limit=org.by_behaviour(Behaviour.CONNECTIONS_EXCEEDED).address,
            throttle_back_off_ms=org.throttle_back_off_ms,
            slow_seconds=org.slow_seconds,
            mailbox_calendar_reviewer=next(
                m.address for m in org.mailboxes.values() if m.delegate_folders is not None
            ),
        )


def _human(info: SandboxInfo) -> str:
    lines = [
        "Enterprise Connect sandbox is running (Ctrl+C to stop). All credentials below are fictional.",
        "",
        f"  EWS URL            {info.ews_url}",
        f"  Autodiscover       {info.autodiscover_url}",
        f"  Authority          {info.authority}",
        f"  CA file            {info.ca_file}   (pass it as --ca-file)",
        "",
        f"  Service account    {info.username}  /  {info.upn}",
        f"  Password           {info.password}",
        f"  Scoping group      {info.scope_group}  ({info.scope_group_dn})",
        "",
        f"  Tenant id          {info.tenant_id}",
        f"  Client id          {info.client_id}",
        f"  Client secret      {info.client_secret}",
        "",
        f"  In scope           {', '.join(info.mailboxes_in_scope[:3])} ...",
        f"  Out of scope       {', '.join(info.mailboxes_out_of_scope[:3])} ...",
        f"  Awkward            nonexistent {info.mailbox_nonexistent}, throttled {info.mailbox_throttled},",
        f"                     slow {info.mailbox_slow}, EWS blocked {info.mailbox_ews_blocked}",
        f"  Locked account     {info.locked_username} / {info.locked_password}",
        "",
        "Try:  EC_PASSWORD='<password above>' ec-console check exchange --ews-url "
        f"{info.ews_url} --username '{info.username}' --mailbox {info.mailbox_in_scope} "
        f"--ca-file {info.ca_file}",
    ]
    return "\n".join(lines)


def run_serve(json_output: bool, *, out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """`ec-console sandbox serve`: print the sandbox's info, block until Ctrl+C (130), SIGTERM (143) or
    `stop` is set (0). Every way out removes the sandbox's temporary folder (its CA and key files)."""
    stream = out if out is not None else sys.stdout
    waiter = stop if stop is not None else threading.Event()
    terminated: list[int] = []
    previous = None
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        def on_term(signum: int, _frame: object) -> None:
            terminated.append(signum)
            waiter.set()

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        code = _serve(json_output, stream, waiter)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 128 + signal.SIGTERM if terminated and code == 0 else code


def _serve(json_output: bool, stream: TextIO, waiter: threading.Event) -> int:
    with Sandbox(google=True, graph=True) as sandbox:
        info = sandbox.info()
        assert sandbox.google is not None and sandbox.graph is not None
        google = sandbox.google.info()
        graph = sandbox.graph.info()
        if json_output:
            text = json.dumps({**info.to_json(), "google": google.as_dict(), "graph": graph.as_dict()},
                              sort_keys=True)
        else:
            text = (
                _human(info)
                + "\n\nGoogle Workspace\n" + "\n".join(f"  {line}" for line in google.lines())
                + "\n\nMicrosoft 365 (Graph)\n" + "\n".join(f"  {line}" for line in graph.lines())
            )
        print(text, file=stream, flush=True)
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            return 130
    return 0
