"""A small loopback https fake of the Microsoft identity platform and Microsoft Graph, for the Graph check.

It answers as the documented services do, on the paths the check uses (each body cites its source):

- OIDC discovery `GET /{tenant}/v2.0/.well-known/openid-configuration` and the token endpoint `POST
  /{tenant}/oauth2/v2.0/token` (client secret, or a client assertion whose PS256 signature is verified
  against the registered certificate by its `x5t#S256` thumbprint);
- Graph v1.0 `users/{addr}`, `users/{addr}/calendar`, `calendarView` (paged), `calendar/events` (POST),
  `events/{id}` (GET, DELETE), with the error envelope and `request-id` headers.

Every request is recorded (method, path, query, form field names, body) so tests can assert what the check
did and did not ask for.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

TENANT = "contoso.onmicrosoft.com"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"

# https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes (the error body's fields:
# error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri).
AADSTS = {
    7000215: (
        401,
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the "
        "request is the client secret value, not the client secret ID.",
    ),
    7000222: (401, "invalid_client", "The provided client secret keys for app are expired."),
    700016: (400, "unauthorized_client", "Application with identifier was not found in the directory."),
    7000112: (400, "unauthorized_client", "Application is disabled."),
    7000229: (401, "invalid_client", "The client application is missing service principal in the tenant."),
    700027: (
        401,
        "invalid_client",
        "The certificate with identifier used to sign the client assertion is not registered on application.",
    ),
    53003: (400, "access_denied", "Access has been blocked by Conditional Access policies."),
    90002: (
        400,
        "invalid_tenant",
        "Tenant not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud.",
    ),
}


def aadsts_body(number: int) -> tuple[int, dict[str, Any]]:
    status, error, text = AADSTS[number]
    return status, {
        "error": error,
        "error_description": f"AADSTS{number}: {text}\r\nTrace ID: {uuid.uuid4()}\r\nCorrelation ID: "
        f"{uuid.uuid4()}\r\nTimestamp: 2026-12-03 07:00:00Z",
        "error_codes": [number],
        "timestamp": "2026-12-03 07:00:00Z",
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
        "error_uri": f"https://login.microsoftonline.com/error?code={number}",
    }


def graph_error(code: str, message: str) -> dict[str, Any]:
    # https://learn.microsoft.com/en-us/graph/errors (the error resource: code, message, innerError).
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-12-03T07:00:00",
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


# Mailbox kinds -> what Graph answers for its calendar.
MAILBOX_ERRORS = {
    # https://learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac (outside the scope: 403)
    "outside": (403, graph_error("ErrorAccessDenied", "Access is denied. Check credentials and try again.")),
    # https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access (Application Access Policy)
    "policy": (
        403,
        graph_error(
            "ErrorAccessDenied",
            "Access to OData is disabled: [RAOP] : Blocked by tenant "
            "configured AppOnly AccessPolicy settings.",
        ),
    ),
    # https://learn.microsoft.com/en-us/graph/api/resources/user (MailboxNotEnabledForRESTAPI)
    "not_enabled": (
        404,
        graph_error(
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        ),
    ),
    # https://learn.microsoft.com/en-us/graph/errors (ErrorInvalidUser on Outlook endpoints)
    "invalid_user": (404, graph_error("ErrorInvalidUser", "The requested user is invalid.")),
    # https://learn.microsoft.com/en-us/graph/throttling (429 with Retry-After)
    "throttled": (
        429,
        graph_error("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
    ),
}


@dataclass
class App:
    client_id: str
    secret: str | None = None
    thumbprint_sha256: str | None = None  # base64url of the certificate's SHA-256, as x5t#S256 carries it
    certificate: x509.Certificate | None = None
    error: int | None = None  # an AADSTS number the token endpoint answers with
    roles: list[str] = field(default_factory=list)
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Record:
    method: str
    path: str
    query: dict[str, list[str]]
    form_keys: list[str]
    body: Any
    headers: dict[str, str]


class GraphFake:
    def __init__(self, context: Any) -> None:
        self.apps: dict[str, App] = {}
        self.mailboxes: dict[str, str] = {}  # address -> "ok" | a MAILBOX_ERRORS kind | "throttle_once"
        self.directory_denied = True  # /users/{addr} answers 403 (no User.Read.All): a detail
        self.events: dict[str, dict[str, Any]] = {}
        self.keep_deleted = False
        self.records: list[Record] = []
        self.issued: list[str] = []  # every access token handed out, so a test can look for leaks
        self.throttle_retry_after = "1000"
        self._once: set[str] = set()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_DELETE(self) -> None:
                fake._handle(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> GraphFake:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    # --- plumbing ------------------------------------------------------------------------------------------

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("request-id", str(uuid.uuid4()))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        form = (
            parse_qs(raw.decode())
            if handler.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
            else {}
        )
        try:
            body = json.loads(raw) if raw and not form else None
        except ValueError:
            body = None
        path = unquote(parts.path)
        with self._lock:
            self.records.append(
                Record(method, path, parse_qs(parts.query), sorted(form), body, dict(handler.headers))
            )
        segments = [s for s in path.split("/") if s]
        if len(segments) >= 2 and segments[1] == "v2.0":
            return self._discovery(handler, segments[0])
        if len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(handler, segments[0], {k: v[0] for k, v in form.items()})
        if segments[:2] == ["v1.0", "users"] and len(segments) >= 3:
            return self._graph(handler, method, segments[2], segments[3:], parse_qs(parts.query), body)
        self._send(handler, 404, graph_error("ResourceNotFound", "Unknown path"))

    # --- identity platform ---------------------------------------------------------------------------------

    def _discovery(self, handler: BaseHTTPRequestHandler, tenant: str) -> None:
        if tenant not in (TENANT, TENANT_ID):
            # AADSTS90002 from OIDC discovery (GRAPH_NOTES.md section 1, "Unknown tenant").
            status, body = aadsts_body(90002)
            return self._send(handler, status, body)
        # https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc (discovery document)
        self._send(
            handler,
            200,
            {
                "token_endpoint": f"{self.url}/{TENANT_ID}/oauth2/v2.0/token",
                "authorization_endpoint": f"{self.url}/{TENANT_ID}/oauth2/v2.0/authorize",
                "issuer": f"{self.url}/{TENANT_ID}/v2.0",
            },
        )

    def _token(self, handler: BaseHTTPRequestHandler, tenant: str, form: dict[str, str]) -> None:
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            status, body = aadsts_body(700016)
            return self._send(handler, status, body)
        if app.error is not None:
            status, body = aadsts_body(app.error)
            return self._send(handler, status, body)
        if "client_assertion" in form:
            if not self._assertion_ok(app, form["client_assertion"]):
                status, body = aadsts_body(700027)
                return self._send(handler, status, body)
        elif form.get("client_secret") != app.secret:
            status, body = aadsts_body(7000215)
            return self._send(handler, status, body)
        claims = {
            "aud": form.get("scope", "").removesuffix("/.default"),
            "tid": TENANT_ID,
            "appid": app.client_id,
            "oid": app.oid,
            "idtyp": "app",
            "roles": app.roles,
        }
        token = (
            ".".join(
                base64.urlsafe_b64encode(json.dumps(p).encode()).decode().rstrip("=")
                for p in ({"typ": "JWT", "alg": "RS256"}, claims)
            )
            + "."
            + uuid.uuid4().hex
        )
        self.issued.append(token)
        # https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
        self._send(
            handler,
            200,
            {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token},
        )

    def _assertion_ok(self, app: App, assertion: str) -> bool:
        """PS256 with x5t#S256 naming the registered certificate, and a signature that certificate verifies
        (https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials)."""
        try:
            head, payload, signature = assertion.split(".")
            header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
            sig = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        except ValueError:
            return False
        thumbprint = str(header.get("x5t#S256", "")).rstrip("=")  # MSAL keeps base64's padding
        if header.get("alg") != "PS256" or thumbprint != app.thumbprint_sha256 or not app.certificate:
            return False
        try:
            app.certificate.public_key().verify(  # type: ignore[union-attr, call-arg]
                sig,
                f"{head}.{payload}".encode(),
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size),
                hashes.SHA256(),
            )
        except Exception:  # noqa: BLE001 - any failure is a refusal
            return False
        return True

    # --- Graph ---------------------------------------------------------------------------------------------

    def _graph(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        address: str,
        rest: list[str],
        query: dict[str, list[str]],
        body: Any,
    ) -> None:
        if not handler.headers.get("Authorization", "").startswith("Bearer "):
            return self._send(
                handler, 401, graph_error("InvalidAuthenticationToken", "Access token is empty.")
            )
        kind = self.mailboxes.get(address.lower())
        if not rest:
            if kind is None:
                # https://learn.microsoft.com/en-us/graph/api/user-get (404 Request_ResourceNotFound)
                return self._send(
                    handler,
                    404,
                    graph_error(
                        "Request_ResourceNotFound",
                        f"Resource '{address}' does not exist or one of its queried "
                        "reference-property objects are not present.",
                    ),
                )
            if self.directory_denied:
                # https://learn.microsoft.com/en-us/graph/json-batching (403 Authorization_RequestDenied)
                return self._send(
                    handler,
                    403,
                    graph_error(
                        "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
                    ),
                )
            return self._send(
                handler,
                200,
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, address)),
                    "mail": address,
                    "userPrincipalName": address,
                },
            )
        if kind is None:
            kind = "invalid_user"
        if kind == "throttle_once" and address not in self._once:
            self._once.add(address)
            return self._send(handler, 429, MAILBOX_ERRORS["throttled"][1], {"Retry-After": "0"})
        if kind in MAILBOX_ERRORS:
            status, error = MAILBOX_ERRORS[kind]
            headers = {"Retry-After": self.throttle_retry_after} if status == 429 else None
            return self._send(handler, status, error, headers)
        if rest == ["calendar"] and method == "GET":
            # https://learn.microsoft.com/en-us/graph/api/calendar-get
            return self._send(handler, 200, {"id": "AAMkCalendar", "name": "Calendar", "canEdit": True})
        if rest == ["calendarView"]:
            return self._calendar_view(handler, address, query)
        if rest == ["calendar", "events"] and method == "POST":
            event_id = "AAMkEvent" + uuid.uuid4().hex
            self.events[event_id] = body
            # https://learn.microsoft.com/en-us/graph/api/calendar-post-events (201 Created)
            return self._send(handler, 201, {"id": event_id, **(body or {})})
        if len(rest) == 2 and rest[0] == "events":
            if method == "DELETE":
                if not self.keep_deleted:
                    self.events.pop(rest[1], None)
                # https://learn.microsoft.com/en-us/graph/api/event-delete (204 No Content)
                return self._send(handler, 204)
            if rest[1] in self.events:
                return self._send(handler, 200, {"id": rest[1]})
            return self._send(
                handler,
                404,
                graph_error("ErrorItemNotFound", "The specified object was not found in the store."),
            )
        self._send(handler, 404, graph_error("ResourceNotFound", "Unknown path"))

    def _calendar_view(
        self, handler: BaseHTTPRequestHandler, address: str, query: dict[str, list[str]]
    ) -> None:
        # https://learn.microsoft.com/en-us/graph/api/user-list-calendarview (paged with @odata.nextLink;
        # a real server returns what $select asks for; this fake also sends a subject, body, location and
        # attendees, so a test proves the check keeps none of them)
        page = int(query.get("page", ["1"])[0])
        event = {
            "start": {"dateTime": f"2026-12-0{3 + page}T09:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": f"2026-12-0{3 + page}T10:00:00.0000000", "timeZone": "UTC"},
            "showAs": "busy",
            "isAllDay": False,
            "subject": "Secret merger talks",
            "body": {"content": "Confidential body"},
            "location": {"displayName": "Boardroom"},
            "attendees": [{"emailAddress": {"address": "ceo@contoso.com"}}],
        }
        answer: dict[str, Any] = {"value": [event]}
        if page == 1:
            answer["@odata.nextLink"] = f"{self.url}/v1.0/users/{address}/calendarView?page=2&$skiptoken=abc"
        self._send(handler, 200, answer)


def sha256_x5t(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    der = certificate.public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def make_app_certificate(folder: Any) -> tuple[Any, x509.Certificate, str]:
    """An application certificate (RSA 2048, self-signed) written as one PEM file holding the private key and
    the certificate: (path, certificate, the key's PEM)."""
    import datetime as dt
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Enterprise Connect app")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = Path(folder) / "app.pem"
    path.write_bytes(key_pem + cert.public_bytes(serialization.Encoding.PEM))
    return path, cert, key_pem.decode()
