"""The Microsoft identity platform's token endpoint, as far as app-only Exchange access uses it.

`POST /<tenant>/oauth2/v2.0/token` with the client credentials grant (`client_id` + `client_secret` in the
form, or HTTP Basic client authentication) and `scope=<resource>/.default`, where the resource is Exchange
Online's (`https://outlook.office365.com`) or the address of one of the sandbox's EWS servers (Exchange is
known by its EWS host, as a hybrid EWS host registered for modern authentication is). Answers:

- a signed RS256 JWT access token whose `roles` claim carries the application permissions consented in
  Entra for the app (`full_access_as_app` for a tenant-wide consent; none for an app scoped with RBAC for
  Applications, whose grant lives in Exchange, not in the token);
- AADSTS errors in the identity platform's JSON shape (`error`, `error_description` ending in the Trace ID /
  Correlation ID / Timestamp lines, `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`):
  bad secret (401, AADSTS7000215), expired secret (401, AADSTS7000222), unknown tenant (400, AADSTS90002),
  unknown app (400, AADSTS700016), disabled app (400, AADSTS7000112), wrong grant type (400, AADSTS70003),
  scope not `<resource>/.default` (400, AADSTS1002012), a resource the tenant does not know (400,
  AADSTS500011, e.g. another cloud's EWS host).

The EWS endpoint verifies tokens with `TokenIssuer.verify()` (signature, audience, tenant, lifetime); a
refusal carries the `x-ms-diagnostics` value Exchange Online sends for it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ec_console.sandbox import fixtures
from ec_console.sandbox.org import EXCHANGE_RESOURCE, AppRegistration, Organisation
from ec_console.sandbox.server import Request, Response, SandboxHTTPServer

TOKEN_PATH = re.compile(r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", re.IGNORECASE)
TOKEN_LIFETIME_S = 3599
_SECRET_FIELDS = {"client_secret", "client_assertion", "password", "refresh_token", "code"}


class InvalidToken(Exception):
    """A bearer token the sandbox did not issue, or no longer accepts (the message says why).

    `diagnostics` is the `x-ms-diagnostics` header Exchange Online answers it with: 2000001 / invalid_token
    for a token it cannot use (observed: "OAuth token submitted with the request cannot be parsed."), 2000003
    / invalid_resource for another audience (observed: "The audience claim value is invalid 'aud'.")."""

    def __init__(self, message: str, diagnostics: str | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or f'2000001;reason="{message}";error_category="invalid_token"'


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def redact_form(body: bytes) -> bytes:
    """The form body with every secret-bearing field replaced (what the request log keeps)."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return b"[undecodable form body]"
    cleaned = {k: ["[redacted]"] * len(v) if k in _SECRET_FIELDS else v for k, v in fields.items()}
    return urlencode(cleaned, doseq=True).encode()


def decode_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT *without* verifying it (what a client may read from its own token)."""
    try:
        return json.loads(_b64url_decode(token.split(".")[1]))
    except (IndexError, ValueError, binascii.Error) as exc:
        raise InvalidToken(f"not a JWT: {exc}") from None


class TokenIssuer:
    """Signs and verifies the sandbox's access tokens (RS256, a key generated per sandbox)."""

    def __init__(self, tenant_id: str, issuer_base: str = "https://sts.windows.net") -> None:
        self.tenant_id = tenant_id
        self.issuer = f"{issuer_base}/{tenant_id}/"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = _b64url(uuid.uuid4().bytes)
        self.clock_offset = 0.0  # seconds added to the issuer's clock (tests shift it)

    def now(self) -> float:
        return time.time() + self.clock_offset

    def issue(self, app: AppRegistration, resource: str = EXCHANGE_RESOURCE, *,
              object_id: str | None = None) -> str:
        """An access token for `app`. `object_id` is its service principal's object id, the `oid` of an
        app-only token (Microsoft identity platform access-token claims: "In app-only tokens, this is the
        object ID of the calling service principal"); by default one derived from the client id."""
        now = int(self.now())
        claims = {
            "aud": resource,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_S,
            "app_displayname": app.name,
            "appid": app.client_id,
            "appidacr": "1",
            "idp": self.issuer,
            "oid": object_id or str(uuid.uuid5(uuid.NAMESPACE_URL, app.client_id)),
            "sub": str(uuid.uuid5(uuid.NAMESPACE_DNS, app.client_id)),
            "tid": self.tenant_id,
            "ver": "1.0",
            "uti": _b64url(uuid.uuid4().bytes)[:22],
        }
        if app.roles:
            claims["roles"] = list(app.roles)
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def verify(self, token: str, audiences: set[str] | frozenset[str] | None = None) -> dict[str, Any]:
        """The claims of a token this issuer signed, still valid, for one of `audiences` (default: Exchange
        Online's resource); else `InvalidToken`."""
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidToken("malformed token")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            signature = _b64url_decode(parts[2])
        except (ValueError, binascii.Error):
            raise InvalidToken("malformed token") from None
        if not isinstance(header, dict) or header.get("alg") != "RS256" or header.get("kid") != self.kid:
            raise InvalidToken("unknown signing key")
        try:
            self._key.public_key().verify(
                signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise InvalidToken("invalid signature") from None
        claims = decode_claims(token)
        if claims.get("aud") not in (audiences or {EXCHANGE_RESOURCE}):
            raise InvalidToken(
                "wrong audience",
                "2000003;reason=\"The audience claim value is invalid 'aud'.\";"
                'error_category="invalid_resource"',
            )
        if claims.get("tid") != self.tenant_id:
            raise InvalidToken("wrong tenant")
        now = self.now()
        if not claims.get("nbf", 0) - 300 <= now < claims.get("exp", 0):
            raise InvalidToken("token expired")
        return claims


class IdentityEndpoint:
    """Routes for the token endpoint, bound to one organisation and one issuer."""

    def __init__(self, org: Organisation, issuer: TokenIssuer) -> None:
        self.org = org
        self.issuer = issuer
        self.ews_endpoints: list[Any] = []  # EwsEndpoint objects whose `resource` tokens may be issued for

    def resources(self) -> set[str]:
        """The resources this tenant knows: Exchange Online's, and each sandbox EWS server's address."""
        known = {EXCHANGE_RESOURCE}
        for endpoint in self.ews_endpoints:
            resource = endpoint.resource
            if resource:
                known.add(resource)
        return known

    def install(self, server: SandboxHTTPServer) -> None:
        server.route("POST", TOKEN_PATH, self.token, redact_body=redact_form)

    def _known_tenant(self, tenant: str) -> bool:
        names = {
            self.org.tenant_id.lower(),
            self.org.domain.lower(),
            f"{self.org.domain.split('.')[0]}.onmicrosoft.com",
        }
        return tenant.lower() in names

    def token(self, request: Request) -> Response:
        tenant = request.params["tenant"]
        request.record.notes["endpoint"] = "token"
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id, secret = self._client_credentials(request, form)
        request.record.notes["client_id"] = client_id
        if not self._known_tenant(tenant):
            return self._error("aad_tenant_not_found_90002.json", request, tenant=tenant)
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            return self._error("aad_unsupported_grant_type_70003.json", request, grant_type=grant)
        app = self.org.app(client_id)
        if app is None:
            return self._error(
                "aad_app_not_found_700016.json", request, client_id=client_id, tenant_name=self.org.domain
            )
        scope = form.get("scope", "")
        request.record.notes["scope"] = scope
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            return self._error("aad_invalid_scope_1002012.json", request, scope=scope)
        resource = scopes[0][: -len("/.default")]
        if resource not in self.resources():
            return self._error(
                "aad_resource_not_found_500011.json", request, resource=resource, tenant_name=self.org.domain
            )
        if secret != app.client_secret:
            return self._error("aad_invalid_client_7000215.json", request, client_id=app.client_id)
        if app.secret_expired:
            return self._error("aad_secret_expired_7000222.json", request, client_id=app.client_id)
        if app.disabled:
            return self._error(
                "aad_app_disabled_7000112.json", request, client_id=app.client_id, app_name=app.name
            )
        request.record.notes["issued"] = True
        body = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "ext_expires_in": TOKEN_LIFETIME_S,
            "access_token": self.issuer.issue(app, resource),
        }
        return self._json(200, body)

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

    def _error(self, fixture: str, request: Request, **values: str) -> Response:
        escaped = {k: json.dumps(v)[1:-1] for k, v in values.items()}
        body = json.loads(fixtures.render(fixture, **escaped))
        status = int(body.pop("status"))
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = dt.datetime.fromtimestamp(self.issuer.now(), dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        code = body["error_codes"][0]
        body["error_description"] += (
            f"\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
        )
        body.update(
            timestamp=stamp,
            trace_id=trace,
            correlation_id=correlation,
            error_uri=f"https://login.microsoftonline.com/error?code={code}",
        )
        request.record.notes["error"] = f"AADSTS{code}"
        return self._json(status, body, [("x-ms-request-id", trace)])

    @staticmethod
    def _json(status: int, body: dict[str, Any], headers: list[tuple[str, str]] | None = None) -> Response:
        return Response(
            status,
            json.dumps(body).encode(),
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Cache-Control", "no-store, no-cache"),
                ("Pragma", "no-cache"),
                *(headers or []),
            ],
        )
