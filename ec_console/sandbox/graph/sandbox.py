"""`GraphSandbox`: the Microsoft 365 side of the sandbox, on two https servers (127.0.0.1, ephemeral ports).

    with GraphSandbox() as sb:
        info = sb.info()     # authority, graph URL, tenant, client ids, secret, certificate files, mailboxes
        ...                  # MSAL against info.authority; Graph calls to f"{info.graph_url}/v1.0/..."
        sb.requests.find(server="graph", endpoint="calendarView")

- `login` (the authority, as login.microsoftonline.com): OIDC discovery and the token endpoint (login.py);
- `graph` (as graph.microsoft.com): Graph v1.0 and `$batch` (api.py).

Both present the sandbox CA's certificate for 127.0.0.1 / localhost; give clients `info.ca_file`. Started on
its own it makes its own CA; `Sandbox(graph=True)` shares the Exchange side's CA and request log.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ec_console.sandbox.graph.api import GraphApi
from ec_console.sandbox.graph.certs import ClientCertificate, make_client_certificates
from ec_console.sandbox.graph.login import GraphLogin
from ec_console.sandbox.graph.tenant import APP_KEYS, PFX_PASSWORD, GraphTenant
from ec_console.sandbox.identity import TokenIssuer
from ec_console.sandbox.server import RequestLog, SandboxHTTPServer
from ec_console.sandbox.tls import TlsMaterial, generate_tls_material

GRAPH_RESOURCE = "https://graph.microsoft.com"


@dataclass(frozen=True)
class GraphSandboxInfo:
    """What a client needs to reach the Graph sandbox. All credentials are fictional."""

    authority: str  # the identity platform's base URL (scheme and host), as --authority takes it
    authority_url: str  # authority + "/<tenant id>": what MSAL's `authority=` takes
    graph_url: str  # Graph's root (scheme and host), as --graph-url takes it; requests go to <root>/v1.0/...
    graph_resource: str  # the scope's resource: "<graph_resource>/.default"
    ca_file: str
    tenant_id: str
    tenant_domain: str
    client_id: str  # the RBAC-scoped app (the one that passes)
    client_secret: str  # every app's secret (fictional)
    apps: dict[str, str]  # case -> client id: rbac, rbac_read_only, tenant_wide, access_policy, no_role, ...
    service_principal_id: str  # the RBAC app's service principal object id
    certificate_pem: str  # private key + certificate, registered on every app
    certificate_pfx: str  # the same as PKCS#12
    certificate_password: str  # the PFX's password (fictional)
    certificate_thumbprint: str  # SHA-1, hex, as the Entra admin center lists it
    certificate_unregistered_pem: str  # not uploaded anywhere: AADSTS700027
    mailbox_in_scope: str
    mailboxes_in_scope: list[str]
    mailbox_out_of_scope: str
    mailboxes_out_of_scope: list[str]
    mailbox_unknown: str
    mailbox_not_enabled: str
    mailbox_throttled: str
    retry_after: int
    scope_group: str  # display name
    scope_group_address: str
    scope_group_id: str
    scope_group_dn: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """Human-readable lines for `ec-console sandbox serve`."""
        return [
            f"Authority:            {self.authority}   (tenant {self.tenant_id})",
            f"Graph root:           {self.graph_url}",
            f"Client id (RBAC):     {self.client_id}",
            f"Client secret:        {self.client_secret}",
            f"Certificate:          {self.certificate_pem}  (PFX {self.certificate_pfx}, password "
            f"{self.certificate_password})",
            "Other apps:",
            *(f"  {key:<20}{client_id}" for key, client_id in self.apps.items() if key != "rbac"),
            f"Scoping group:        {self.scope_group} <{self.scope_group_address}>",
            f"In scope:             {', '.join(self.mailboxes_in_scope[:3])} ...",
            f"Out of scope:         {', '.join(self.mailboxes_out_of_scope)}",
            f"Awkward:              unknown {self.mailbox_unknown}, no mailbox {self.mailbox_not_enabled}, "
            f"throttled {self.mailbox_throttled}",
            f"CA file:              {self.ca_file}",
            f"Try:  EC_CLIENT_SECRET='<secret above>' ec-console check graph "
            f"--mailbox {self.mailbox_in_scope} "
            f"--tenant-id {self.tenant_id} --client-id {self.client_id} --authority {self.authority} "
            f"--graph-url {self.graph_url} --ca-file {self.ca_file}",
        ]


class GraphSandbox:
    """Start it, point clients at `info()`, flip switches (`throttle`, `tenant`), stop it.

    `bulk_members` adds that many ordinary in-scope mailboxes (`member0001@` ...) to the scoping group, for
    tests and benchmarks that check hundreds of mailboxes."""

    def __init__(self, folder: str | Path | None = None, *, tls: TlsMaterial | None = None,
                 request_log: RequestLog | None = None, bulk_members: int = 0) -> None:
        self._given_folder = Path(folder) if folder is not None else None
        self.folder: Path | None = None
        self._owns_folder = False
        self._tls = tls
        self.requests = request_log if request_log is not None else RequestLog()
        self.tenant = GraphTenant(bulk_members=bulk_members)
        self.issuer = TokenIssuer(self.tenant.tenant_id)
        self.login_server: SandboxHTTPServer | None = None
        self.graph_server: SandboxHTTPServer | None = None
        self.login: GraphLogin | None = None
        self.api: GraphApi | None = None
        self.certificate: ClientCertificate | None = None
        self.unregistered_certificate: ClientCertificate | None = None

    # -- life cycle -----------------------------------------------------------------------------------------
    def start(self) -> GraphSandbox:
        if self.login_server is not None:
            raise RuntimeError("the Graph sandbox is already running")
        if self._given_folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="ec-graph-sandbox-"))
            self._owns_folder = True
        else:
            self.folder = self._given_folder
        try:
            if self._tls is None:
                self._tls = generate_tls_material(self.folder / "tls")
            self.certificate, self.unregistered_certificate = make_client_certificates(self.folder,
                                                                                        PFX_PASSWORD)
            context = self._tls.server.server_context()
            self.login = GraphLogin(self.tenant, self.issuer, [self.certificate])
            self.login_server = SandboxHTTPServer("graph-login", tls_context=context,
                                                  request_log=self.requests)
            self.login.install(self.login_server)
            self.graph_server = SandboxHTTPServer("graph", tls_context=context, request_log=self.requests)
            audiences: set[str] = set()
            self.api = GraphApi(self.tenant, self.issuer, audiences)
            self.api.install(self.graph_server)
            self.login_server.start()
            self.graph_server.start()
            self.login.base_url = self.login_server.url
            self.login.graph_url = self.api.base_url = self.graph_server.url
            audiences.update(self.login.resources())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in (self.login_server, self.graph_server):
            if server is not None:
                server.stop()
        self.login_server = self.graph_server = None
        if self._owns_folder and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self._owns_folder = False

    def __enter__(self) -> GraphSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- switches -------------------------------------------------------------------------------------------
    def throttle(self, address: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calendar requests for `address` answer 429 ApplicationThrottled with
        `Retry-After: retry_after` (then it answers normally again)."""
        self.tenant.throttle(address, times, retry_after)

    def register_certificate(self, pem_file: str | Path) -> None:
        """Upload a certificate to every app registration, as an administrator uploads the `.cer` a setup
        wizard made (`pem_file` may hold the private key too: only the certificate is read)."""
        from cryptography import x509

        if self.login is None:
            raise RuntimeError("the Graph sandbox is not running: call start() first")
        cert = x509.load_pem_x509_certificate(Path(pem_file).read_bytes())
        self.login.certificates.append(ClientCertificate(cert, Path(pem_file)))

    def shift_clock(self, seconds: float) -> None:
        """Move the issuer's clock (token lifetimes, assertion exp/nbf checks) by `seconds`."""
        self.issuer.clock_offset += seconds

    @property
    def latency(self) -> float:
        return self.graph_server.latency if self.graph_server is not None else 0.0

    @latency.setter
    def latency(self, seconds: float) -> None:
        """Delay every answer of both servers by `seconds`."""
        for server in (self.login_server, self.graph_server):
            if server is not None:
                server.latency = seconds

    # -- description ----------------------------------------------------------------------------------------
    def info(self) -> GraphSandboxInfo:
        if (self.login_server is None or self.graph_server is None or self._tls is None
                or self.certificate is None or self.unregistered_certificate is None):
            raise RuntimeError("the Graph sandbox is not running: call start() first")
        tenant = self.tenant
        apps = {key: tenant.apps[key].client_id for key in APP_KEYS}
        in_scope, out_of_scope = tenant.mailboxes(in_scope=True), tenant.mailboxes(in_scope=False)
        throttled = next(u.address for u in tenant.users.values() if u.throttled)
        not_enabled = next(u.address for u in tenant.users.values() if not u.mailbox)
        assert self.certificate.pfx_file is not None
        return GraphSandboxInfo(
            authority=self.login_server.url,
            authority_url=f"{self.login_server.url}/{tenant.tenant_id}",
            graph_url=self.graph_server.url,
            graph_resource=GRAPH_RESOURCE,
            ca_file=str(self._tls.ca_file),
            tenant_id=tenant.tenant_id,
            tenant_domain=tenant.domain,
            client_id=apps["rbac"],
            client_secret=tenant.client_secret,
            apps=apps,
            service_principal_id=tenant.apps["rbac"].object_id,
            certificate_pem=str(self.certificate.pem_file),
            certificate_pfx=str(self.certificate.pfx_file),
            certificate_password=PFX_PASSWORD,
            certificate_thumbprint=self.certificate.hex_thumbprint,
            certificate_unregistered_pem=str(self.unregistered_certificate.pem_file),
            mailbox_in_scope=in_scope[0],
            mailboxes_in_scope=list(in_scope),
            mailbox_out_of_scope=out_of_scope[0],
            mailboxes_out_of_scope=list(out_of_scope),
            mailbox_unknown=tenant.unknown_address,
            mailbox_not_enabled=not_enabled,
            mailbox_throttled=throttled,
            retry_after=tenant.retry_after,
            scope_group=tenant.group.display_name,
            scope_group_address=tenant.group.mail,
            scope_group_id=tenant.group.id,
            scope_group_dn=tenant.group.distinguished_name,
        )
