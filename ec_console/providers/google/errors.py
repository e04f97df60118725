"""From Google's real error answers to the console's diagnosis codes (DESIGN.md, "Diagnosis codes").

Three kinds of failure reach the Google provider:

- the token endpoint refused a grant: google-auth raises `RefreshError` whose `args[0]` is
  `"<error>: <error_description>"` and `args[1]` the decoded JSON body (`classify_refresh_error`);
- an API answered an error: googleapiclient raises `HttpError`; the machine reason is
  `error.errors[0].reason` of the JSON body, and a disabled API also carries an `ErrorInfo` detail with
  reason `SERVICE_DISABLED` naming the project and the service (`classify_http_error`);
- the network failed before any answer: DNS, refused connection, TLS trust, proxy, timeout
  (`classify_network_error`), raised by requests/urllib3 (token requests) or httplib2/socket/ssl (APIs).

The wording of every fix lives in the catalog (`ec_console.diagnoses`); this module only picks the code and
the names. Never prints.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ec_console.checks import Diagnosis
from ec_console.diagnoses import diagnose
from ec_console.providers.transport import AnswerTooLarge, proxy_names

_MAX_TEXT = 200
# OpenSSL verify codes (X509_V_ERR_*) that have their own diagnosis.
_CERT_EXPIRED = {9, 10}  # not yet valid, expired
_CERT_NAME_MISMATCH = {62, 64}  # hostname, IP address mismatch
_RATE_REASONS = {
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
    "dailyLimitExceeded",
    "RATE_LIMIT_EXCEEDED",
    "RESOURCE_EXHAUSTED",
}
_PROJECT_RE = re.compile(r"project (\d+)")
# An answer began, then the connection broke: requests/urllib3 (ChunkedEncodingError, ProtocolError
# "Connection broken: ...") and httplib2 (`transport.AnswerCut`, http.client's IncompleteRead).
_CUT_NAMES = ("AnswerCut", "ChunkedEncodingError", "IncompleteRead")
_CUT_TEXT = "connection broken"
# The connection was accepted, then closed or reset before any answer: urllib3's ProtocolError
# "Connection aborted.", http.client's RemoteDisconnected / BadStatusLine.
_ABORT_NAMES = ("ProtocolError", "RemoteDisconnected", "BadStatusLine", "HTTPException")


@dataclass(frozen=True)
class Names:
    """What the provider knows that a fix can name (only names the catalog accepts)."""

    service_account: str | None = None
    client_id: str | None = None
    key_id: str | None = None
    project: str | None = None
    key_file: str | None = None
    admin: str | None = None
    user: str | None = None
    scopes: tuple[str, ...] = ()
    timeout: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def render(self, code: str, **more: Any) -> Diagnosis:
        names: dict[str, Any] = {
            "service_account": self.service_account,
            "client_id": self.client_id,
            "key_id": self.key_id,
            "project": self.project,
            "key_file": self.key_file,
            "admin": self.admin,
            "user": self.user,
            "scopes": list(self.scopes) or None,
            "timeout": self.timeout,
        }
        names.update(self.extra)
        names.update(more)
        return diagnose(code, platform="google", **names)


def short(text: Any) -> str:
    """One line, bounded: for an error text quoted in a detail or a cause."""
    line = " ".join(str(text).split())
    return line if len(line) <= _MAX_TEXT else line[: _MAX_TEXT - 1] + "…"


# --- token endpoint -------------------------------------------------------------------------------------


def refresh_error_parts(exc: BaseException) -> tuple[str, str]:
    """(`error`, `error_description`) of a RefreshError, from its JSON body when it has one."""
    args = getattr(exc, "args", ())
    body = args[1] if len(args) > 1 else None
    if isinstance(body, dict):
        return str(body.get("error") or ""), str(body.get("error_description") or "")
    first = str(args[0]) if args else ""
    error, sep, description = first.partition(": ")
    if sep and re.fullmatch(r"[a-z_]+", error):
        return error, description
    return "", first


def refresh_error_text(exc: BaseException) -> str:
    error, description = refresh_error_parts(exc)
    return short(f"{error}: {description}" if error and description else error or description)


def is_scope_refusal(exc: BaseException) -> bool:
    """True for `unauthorized_client`: this client may not get a token for these scopes for this user."""
    return refresh_error_parts(exc)[0] == "unauthorized_client"


def classify_refresh_error(
    exc: BaseException,
    names: Names,
    *,
    status: int | None = None,
    retry_after: int | None = None,
    subject: str | None = None,
) -> Diagnosis:
    """The diagnosis for a refused token request (`subject`: the user the token was asked for, if any)."""
    error, description = refresh_error_parts(exc)
    text = description.lower()
    who = names if subject is None else _with_user(names, subject)
    if status == 429 or error in ("rate_limit_exceeded", "slow_down") or "rate limit" in text:
        return who.render("throttled", back_off=retry_after if retry_after is not None else 60)
    if error in ("invalid_rapt",) or "rapt_required" in text or "invalid_rapt" in text:
        return who.render("reauth_required")
    if error == "invalid_grant":
        if "signature" in text:
            return who.render("key_invalid_signature")
        if "account not found" in text or "disabled" in text:
            return who.render("service_account_not_found")
        if "iat" in text or "exp" in text or "short-lived" in text or "timeframe" in text:
            return who.render("clock_skew", error=refresh_error_text(exc))
        if "deleted" in text:
            return who.render("user_deleted")
        if "invalid email" in text or "user id" in text or "not a valid email" in text:
            return who.render("user_not_found")
    if error == "invalid_client":
        return who.render("service_account_not_found")
    if error == "invalid_scope":
        return who.render("scope_unknown")
    if error == "unauthorized_client":
        return who.render("dwd_unauthorized")
    if (
        status is not None
        and status >= 500
        or error in ("server_error", "internal_failure", "temporarily_unavailable")
    ):
        return who.render("server_error", host=None, error=refresh_error_text(exc) or f"HTTP {status}")
    return who.render("server_error", error=refresh_error_text(exc) or type(exc).__name__)


def _with_user(names: Names, user: str) -> Names:
    return Names(**{**names.__dict__, "user": user})


# --- APIs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiError:
    """The parts of an API error answer the classification reads."""

    status: int
    reason: str
    message: str
    info_reason: str
    service: str
    consumer: str
    retry_after: str | None


def api_error_parts(exc: Any) -> ApiError:
    """Read an `HttpError`: status, the first `errors[].reason`, the message and any ErrorInfo detail."""
    status = int(getattr(exc, "status_code", 0) or getattr(getattr(exc, "resp", None), "status", 0) or 0)
    resp = getattr(exc, "resp", None)
    retry_after = resp.get("retry-after") if hasattr(resp, "get") else None
    reason = message = info_reason = service = consumer = ""
    try:
        body = json.loads(getattr(exc, "content", b"") or b"{}")
    except (ValueError, TypeError):
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        errors = error.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            reason = str(errors[0].get("reason") or "")
        for detail in error.get("details") or []:
            if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.ErrorInfo"):
                info_reason = str(detail.get("reason") or "")
                metadata = detail.get("metadata") or {}
                if isinstance(metadata, dict):
                    service = str(metadata.get("service") or "")
                    consumer = str(metadata.get("consumer") or "")
        if not reason:
            reason = str(error.get("status") or "")
    if not message:
        message = short(getattr(exc, "reason", "") or f"HTTP {status}")
    return ApiError(status, reason, short(message), info_reason, service, consumer, retry_after)


def _project_number(parts: ApiError) -> str | None:
    if parts.consumer.startswith("projects/"):
        return parts.consumer.split("/", 1)[1]
    match = _PROJECT_RE.search(parts.message)
    return match.group(1) if match else None


Handler = Callable[[ApiError], Diagnosis | None]


def classify_http_error(
    exc: Any,
    names: Names,
    *,
    api: str,
    host: str | None = None,
    on_forbidden: Handler | None = None,
    on_not_found: Handler | None = None,
) -> Diagnosis:
    """The diagnosis for an API error answer. `api` is the service name (`admin.googleapis.com`)."""
    parts = api_error_parts(exc)
    if parts.reason == "accessNotConfigured" or parts.info_reason == "SERVICE_DISABLED":
        return names.render(
            "api_disabled", api=parts.service or api, project=_project_number(parts) or names.project
        )
    if parts.reason == "notACalendarUser":
        return names.render("calendar_not_enabled")
    if parts.status == 429 or parts.reason in _RATE_REASONS:
        from ec_console.providers.google.net import retry_after_seconds

        back_off = retry_after_seconds(parts.retry_after)
        return names.render("throttled", api=api, back_off=back_off if back_off is not None else 60)
    if parts.status == 407:
        return names.render("proxy_auth_required", host=host, **_proxy_names(host))
    if parts.status == 403 and on_forbidden is not None:
        found = on_forbidden(parts)
        if found is not None:
            return found
    if parts.status == 404 and on_not_found is not None:
        found = on_not_found(parts)
        if found is not None:
            return found
    what = f"HTTP {parts.status} {parts.reason}".strip() + (f": {parts.message}" if parts.message else "")
    return names.render("server_error", host=host, error=short(what))


# --- network --------------------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the `reason` / first argument of wrapper exceptions."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))


def _has(exc: BaseException, name: str) -> BaseException | None:
    return next((e for e in _chain(exc) if any(c.__name__ == name for c in type(e).__mro__)), None)


def _proxy_names(host: str | None) -> dict[str, str]:
    """The proxy the console used for https://host (without credentials) and where it is set."""
    return proxy_names(f"https://{host}/") if host else {}


def classify_network_error(exc: BaseException, names: Names, *, host: str, port: int | str) -> Diagnosis:
    """The diagnosis for a failure with no usable answer (requests/urllib3 or httplib2/socket/ssl).

    Nothing answered (DNS, refused, silence, TLS, proxy) has its own code; an answer that was too large,
    a redirect loop, and a connection cut after it was accepted are the server's fault (`server_error`).
    """
    chain = list(_chain(exc))
    error = short(next((str(e) for e in chain if str(e)), type(exc).__name__))
    too_large = next((e for e in chain if isinstance(e, AnswerTooLarge)), None)
    if too_large is not None:
        return names.render("server_error", host=host, error=too_large.plain)
    if _has(exc, "TooManyRedirects") or _has(exc, "RedirectLimit"):
        return names.render("server_error", host=host, error=f"redirect loop: {error}")
    cert = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if cert is not None:
        code = getattr(cert, "verify_code", None)
        detail = short(getattr(cert, "verify_message", "") or cert)
        if code in _CERT_EXPIRED:
            return names.render("tls_expired", host=host, port=port, error=detail)
        if code in _CERT_NAME_MISMATCH:
            return names.render("tls_name_mismatch", host=host, port=port, error=detail)
        return names.render("tls_untrusted", host=host, port=port, error=detail)
    if any("407" in str(e) for e in chain) and (_has(exc, "ProxyError") or _has(exc, "ProxyAuthError")):
        return names.render("proxy_auth_required", host=host, port=port, **_proxy_names(host))
    if any(isinstance(e, socket.gaierror) for e in chain) or _has(exc, "NameResolutionError"):
        return names.render("dns_unresolved", host=host, error=error)
    # urllib3's NewConnectionError (refused, no route) derives from its ConnectTimeoutError: test it first.
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or _has(exc, "NewConnectionError"):
        return names.render("tcp_unreachable", host=host, port=port, error=error)
    if (
        any(isinstance(e, (socket.timeout, TimeoutError)) for e in chain)
        or _has(exc, "Timeout")
        or _has(exc, "ReadTimeoutError")
        or _has(exc, "ConnectTimeoutError")
    ):
        return names.render("timeout", host=host, port=port)
    if _has(exc, "ProxyError"):
        proxied = _proxy_names(host) if "407" in error else {}
        return names.render(
            "proxy_auth_required" if "407" in error else "tcp_unreachable", host=host, port=port, error=error,
            **proxied,
        )
    if any(isinstance(e, ssl.SSLError) for e in chain):
        return names.render("server_error", host=host, error=f"TLS handshake failed: {error}")
    if any(_has(exc, name) for name in _CUT_NAMES) or any(_CUT_TEXT in str(e).lower() for e in chain):
        return names.render("server_error", host=host, error=f"the connection was cut mid-answer ({error})")
    if any(_has(exc, name) for name in _ABORT_NAMES):
        return names.render(
            "server_error", host=host, error=f"the connection was closed before an answer came ({error})"
        )
    if any(isinstance(e, (ConnectionError, OSError)) for e in chain) or _has(exc, "NewConnectionError"):
        return names.render("tcp_unreachable", host=host, port=port, error=error)
    return names.render("server_error", host=host, error=error)


def is_network_error(exc: BaseException) -> bool:
    """True when `exc` is a transport failure (no HTTP answer) rather than an error answer."""
    from google.auth import exceptions as google_exceptions

    if isinstance(exc, google_exceptions.TransportError):
        return True
    try:
        import httplib2

        if isinstance(exc, httplib2.HttpLib2Error):
            return True
    except ImportError:  # pragma: no cover
        pass
    import requests

    return isinstance(exc, (OSError, requests.RequestException, http.client.HTTPException))
