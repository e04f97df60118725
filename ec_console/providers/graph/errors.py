"""What a Microsoft identity platform or Microsoft Graph refusal means, as a diagnosis code.

Token refusals are read by the AADSTS number in the answer's `error_codes` list (entra-docs
reference-error-codes.md: "branch on error_codes, not on the text"), Graph refusals by `error.code` in the
error envelope `{"error": {"code", "message", "innerError"}}`. The one exception is documented: a legacy
Application Access Policy answers with the same `ErrorAccessDenied` code as a missing RBAC role, and only
its message ("Access to OData is disabled") tells them apart (GRAPH_NOTES.md section 3).
"""

from __future__ import annotations

from typing import Any

import requests

from ec_console.providers import net, transport
from ec_console.texts import say

# AADSTS number -> diagnosis code (the table of issue 12 and docs/diagnoses.md).
AADSTS_CODES: dict[int, str] = {
    7000215: "oauth_invalid_client",
    7000222: "oauth_secret_expired",
    90002: "oauth_tenant_not_found",
    700016: "oauth_app_not_found",
    7000112: "oauth_app_disabled",
    7000229: "oauth_no_service_principal",
    700027: "oauth_certificate_unknown",
    53003: "oauth_conditional_access",
}

# Graph error.code -> diagnosis code, for a mailbox's calendar.
GRAPH_CODES: dict[str, str] = {
    "ErrorAccessDenied": "mailbox_access_denied",
    "ErrorInvalidUser": "mailbox_not_found",
    "Request_ResourceNotFound": "mailbox_not_found",
    "ResourceNotFound": "mailbox_not_found",
    "MailboxNotEnabledForRESTAPI": "mailbox_not_enabled",
    "ApplicationThrottled": "throttled",
}
_ACCESS_POLICY_SIGN = "access to odata is disabled"


def error_codes(body: Any) -> list[int]:
    """The AADSTS numbers of a token or discovery answer's `error_codes` (integers; none when absent)."""
    codes = body.get("error_codes") if isinstance(body, dict) else None
    if not isinstance(codes, list):
        return []
    found = []
    for code in codes:
        if isinstance(code, int) and not isinstance(code, bool):
            found.append(code)
        elif isinstance(code, str) and code.isdigit():
            found.append(int(code))
    return found


def token_code(body: Any) -> tuple[str, int | None]:
    """The diagnosis code of a token refusal and the AADSTS number it came from."""
    for number in error_codes(body):
        if number in AADSTS_CODES:
            return AADSTS_CODES[number], number
    numbers = error_codes(body)
    return "oauth_request_refused", numbers[0] if numbers else None


def graph_code(status: int, code: str, message: str) -> str:
    """The diagnosis code of a Graph refusal on a mailbox."""
    if status == 403 and code == "ErrorAccessDenied" and _ACCESS_POLICY_SIGN in message.lower():
        return "access_policy_denied"
    if code in GRAPH_CODES:
        return GRAPH_CODES[code]
    if status in (429, 503):
        return "throttled"
    if status == 403:
        return "mailbox_access_denied"
    if status == 404:
        return "mailbox_not_found"
    return "server_error"


def network_code(exc: BaseException, url: str, timeout: float) -> tuple[str, str, dict[str, Any]]:
    """(code, detail, names) for a request that got no answer (timeout, refused, TLS, proxy)."""
    try:
        target = net.Target.from_url(url)
        host, port = target.host, target.port
    except ValueError:
        host, port = url, None
    names: dict[str, Any] = {"host": host, "port": port, "timeout": timeout}
    if isinstance(exc, transport.AnswerTooLarge):
        detail = say("{host}: {error}", host=host, error=exc.plain)
        return "server_error", detail, {**names, "error": exc.plain}
    if isinstance(exc, requests.exceptions.ProxyError):
        text = str(exc)
        if "407" in text:
            return (
                "proxy_auth_required",
                say("The proxy refused to connect to {host} (HTTP 407)", host=host),
                {**names, **transport.proxy_names(url)},
            )
        return ("tcp_unreachable", say("The proxy could not connect to {host}", host=host),
                {**names, "error": "proxy error"})
    if isinstance(exc, requests.exceptions.Timeout):
        seconds = format(timeout, "g")
        return "timeout", say("{host} did not answer within {seconds} s", host=host, seconds=seconds), names
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "tls_untrusted",
            say("The certificate of {host} was refused", host=host),
            {**names, "error": "TLS verification"},
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        detail = say("No connection to {host}", host=host)
        return "tcp_unreachable", detail, {**names, "error": "connection failed"}
    kind = type(exc).__name__
    return "server_error", say("{host}: {error}", host=host, error=kind), {**names, "error": kind}
