"""The Microsoft identity platform as MSAL meets it for app-only Graph access (the `login` server).

- `GET /{tenant}/v2.0/.well-known/openid-configuration`: the OIDC discovery document (`token_endpoint`,
  `authorization_endpoint`, `issuer`, ... under this server's URL), or 400 `invalid_tenant` AADSTS90002 for a
  tenant it does not know (MSAL's constructor then raises ValueError).
- `POST /{tenant}/oauth2/v2.0/token`: the client credentials grant with `scope=<Graph resource>/.default`,
  authenticated by a client secret (form or HTTP Basic) or by a certificate assertion
  (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`). The assertion's key is
  found by its `x5t#S256` header (SHA-256 thumbprint; MSAL's PS256 form) or `x5t` (SHA-1; RS256); the
  signature is verified with that registered certificate's public key; `aud` must be this tenant's token
  endpoint; `exp` / `nbf` must hold now (5 minutes' skew).

Tokens are signed by the sandbox's `TokenIssuer` (`sandbox/identity.py`), `aud` = the Graph resource asked
for, `roles` = the app's Entra application permissions (never the Exchange RBAC grants). Refusals are the
AADSTS fixtures in `fixtures/` (see errors.py).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Any
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ec_console.sandbox.graph.certs import ClientCertificate
from ec_console.sandbox.graph.errors import aad_error, json_response
from ec_console.sandbox.graph.tenant import GRAPH_RESOURCES, GraphApp, GraphTenant
from ec_console.sandbox.identity import TOKEN_LIFETIME_S, TokenIssuer, redact_form
from ec_console.sandbox.server import Request, Response, SandboxHTTPServer

DISCOVERY_PATH = re.compile(r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", re.IGNORECASE)
TOKEN_PATH = re.compile(r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", re.IGNORECASE)
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SKEW_S = 300


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Refusal(Exception):
    def __init__(self, fixture: str, **values: str) -> None:
        super().__init__(fixture)
        self.fixture = fixture
        self.values = values


class GraphLogin:
    """Discovery and token routes for one tenant. `base_url` is set once the server listens."""

    def __init__(self, tenant: GraphTenant, issuer: TokenIssuer,
                 certificates: list[ClientCertificate]) -> None:
        self.tenant = tenant
        self.issuer = issuer
        self.certificates = certificates  # registered on every app of the tenant
        self.base_url = ""
        self.graph_url = ""  # the sandbox's Graph root, also accepted as a token resource

    def install(self, server: SandboxHTTPServer) -> None:
        server.route("GET", DISCOVERY_PATH, self.discovery)
        server.route("POST", TOKEN_PATH, self.token, redact_body=redact_form)

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.issuer.now(), dt.UTC)

    def _refuse(self, request: Request, fixture: str, **values: str) -> Response:
        response, code = aad_error(fixture, self._now(), **values)
        request.record.notes["error"] = code
        return response

    # -- discovery ------------------------------------------------------------------------------------------
    def discovery(self, request: Request) -> Response:
        tenant = request.params["tenant"]
        request.record.notes["endpoint"] = "discovery"
        if not self.tenant.known_tenant(tenant):
            return self._refuse(request, "aadsts_90002_tenant_not_found", tenant=tenant)
        root = f"{self.base_url}/{self.tenant.tenant_id}"
        graph_host = self.graph_url.split("://", 1)[-1]
        document = {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{root}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.graph_url}/oidc/userinfo",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                                 "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time",
                                 "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash",
                                 "c_hash", "email"],
            "kerberos_endpoint": f"{root}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": graph_host,
            "rbac_url": "https://pas.windows.net",
        }
        return json_response(200, document, [("Cache-Control", "max-age=86400, private")])

    # -- token ----------------------------------------------------------------------------------------------
    def resources(self) -> set[str]:
        known = set(GRAPH_RESOURCES)
        if self.graph_url:
            known.add(self.graph_url)
        return known

    def token(self, request: Request) -> Response:
        tenant = request.params["tenant"]
        request.record.notes["endpoint"] = "token"
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id, secret = self._client_credentials(request, form)
        request.record.notes["client_id"] = client_id
        try:
            app, resource = self._authenticate(request, tenant, form, client_id, secret)
        except _Refusal as refusal:
            return self._refuse(request, refusal.fixture, **refusal.values)
        request.record.notes["issued"] = True
        request.record.notes["app"] = app.key
        body = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "ext_expires_in": TOKEN_LIFETIME_S,
            "access_token": self.issuer.issue(app, resource,  # type: ignore[arg-type]
                                              object_id=app.object_id),
        }
        return json_response(200, body, [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])

    def _authenticate(self, request: Request, tenant: str, form: dict[str, str], client_id: str,
                      secret: str) -> tuple[GraphApp, str]:
        if not self.tenant.known_tenant(tenant):
            raise _Refusal("aadsts_90002_tenant_not_found", tenant=tenant)
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            raise _Refusal("aadsts_70003_unsupported_grant", grant_type=grant)
        app = self.tenant.app_by_client_id(client_id)
        if app is None:
            raise _Refusal("aadsts_700016_app_not_found", client_id=client_id, tenant_name=tenant)
        if not app.service_principal:
            raise _Refusal("aadsts_7000229_no_service_principal", client_id=app.client_id,
                           tenant_id=self.tenant.tenant_id)
        scope = form.get("scope", "")
        request.record.notes["scope"] = scope
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise _Refusal("aadsts_1002012_invalid_scope", scope=scope)
        resource = scopes[0][: -len("/.default")]
        if resource not in self.resources():
            raise _Refusal("aadsts_500011_resource_not_found", resource=resource,
                           tenant_name=self.tenant.domain)
        if "client_assertion" in form:
            request.record.notes["credential"] = "certificate"
            self._verify_assertion(tenant, form, app)
        elif secret:
            request.record.notes["credential"] = "secret"
            if secret != self.tenant.client_secret:
                raise _Refusal("aadsts_7000215_invalid_secret", client_id=app.client_id)
            if app.secret_expired:
                raise _Refusal("aadsts_7000222_secret_expired", client_id=app.client_id)
        else:
            raise _Refusal("aadsts_7000218_no_credential")
        if app.disabled:
            raise _Refusal("aadsts_7000112_app_disabled", client_id=app.client_id, app_name=app.name)
        if app.conditional_access_blocked:
            raise _Refusal("aadsts_53003_conditional_access")
        return app, resource

    @staticmethod
    def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
        auth = request.header("Authorization")
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
                return user, password
            except (ValueError, UnicodeDecodeError):
                return "", ""
        return form.get("client_id", ""), form.get("client_secret", "")

    # -- certificate assertions -----------------------------------------------------------------------------
    def _verify_assertion(self, tenant: str, form: dict[str, str], app: GraphApp) -> None:
        if form.get("client_assertion_type") != JWT_BEARER:
            raise _Refusal("aadsts_50027_invalid_jwt")
        parts = form["client_assertion"].split(".")
        try:
            if len(parts) != 3:
                raise ValueError("not three segments")
            header: dict[str, Any] = json.loads(_b64url_decode(parts[0]))
            claims: dict[str, Any] = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
            if not isinstance(header, dict) or not isinstance(claims, dict):
                raise ValueError("not JSON objects")
        except (ValueError, binascii.Error):
            raise _Refusal("aadsts_50027_invalid_jwt") from None
        certificate, thumbprint = self._certificate_for(header)
        if certificate is None:
            raise _Refusal("aadsts_700027_certificate_unknown", thumbprint=thumbprint,
                           client_id=app.client_id)
        public_key = certificate.certificate.public_key()
        signed = f"{parts[0]}.{parts[1]}".encode()
        alg = header.get("alg")
        if alg == "PS256":
            pad: padding.AsymmetricPadding = padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                         salt_length=padding.PSS.AUTO)
        elif alg == "RS256":
            pad = padding.PKCS1v15()
        else:
            raise _Refusal("aadsts_50027_invalid_jwt")
        cert = certificate.certificate
        try:
            assert isinstance(public_key, rsa.RSAPublicKey)
            public_key.verify(signature, signed, pad, hashes.SHA256())
        except (InvalidSignature, AssertionError):
            raise _Refusal(
                "aadsts_700027_invalid_signature",
                thumbprint=certificate.hex_thumbprint,
                not_before=cert.not_valid_before_utc.strftime("%m/%d/%Y %H:%M:%S"),
                not_after=cert.not_valid_after_utc.strftime("%m/%d/%Y %H:%M:%S"),
            ) from None
        if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
            raise _Refusal("aadsts_50027_invalid_jwt")
        names = (tenant, self.tenant.tenant_id, self.tenant.domain, self.tenant.initial_domain)
        audiences = {f"{self.base_url}/{name}/oauth2/v2.0/token" for name in names}
        if claims.get("aud") not in audiences:
            raise _Refusal("aadsts_700023_assertion_audience")
        now = self.issuer.now()
        try:
            exp, nbf = float(claims["exp"]), float(claims.get("nbf", claims.get("iat", 0)))
        except (KeyError, TypeError, ValueError):
            raise _Refusal("aadsts_50027_invalid_jwt") from None
        if not nbf - SKEW_S <= now < exp + SKEW_S:
            def stamp(t: float) -> str:
                return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%m/%d/%Y %H:%M:%S")

            raise _Refusal("aadsts_700024_assertion_time", now=stamp(now), nbf=stamp(nbf), exp=stamp(exp))

    def _certificate_for(self, header: dict[str, Any]) -> tuple[ClientCertificate | None, str]:
        """The registered certificate the header names, and the thumbprint it gave (hex, for AADSTS700027)."""
        s256, s1 = (str(header.get(k) or "").rstrip("=") for k in ("x5t#S256", "x5t"))
        for cert in self.certificates:
            if (s256 and s256 == cert.sha256_thumbprint) or (s1 and s1 == cert.sha1_thumbprint):
                return cert, cert.hex_thumbprint
        given = str(s256 or s1 or "")
        try:
            hex_given = _b64url_decode(given).hex().upper() if given else ""
        except (ValueError, binascii.Error):
            hex_given = given
        return None, hex_given
