"""Every error an Exchange check can meet, mapped to its diagnosis code (DESIGN.md, "Diagnosis codes").

`classify(exc, ctx)` returns the code and one plain line of detail; `diagnosis_for(exc, ctx)` renders it
with the names the fix needs (service account, mailbox, scoping group, app id, tenant, EWS URL, host).
Errors arrive from exchangelib (SOAP `ResponseClass="Error"` in a 200 and SOAP faults in a 500 both become
`exchangelib.errors` classes), from this check's own strict retry policy (`HttpAnswerError` for 401 / 403 /
407 / 503 ...), from `requests` (timeouts, refused connections, TLS) and from oauthlib (the identity
platform's token errors, AADSTS codes in the description).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import requests
from exchangelib import errors as ews
from oauthlib.oauth2.rfc6749.errors import (
    InsecureTransportError,
    MismatchingStateError,
    MissingCodeError,
    MissingTokenError,
    MissingTokenTypeError,
    OAuth2Error,
    TokenExpiredError,
)

from ec_console.checks import Diagnosis
from ec_console.diagnoses import diagnose
from ec_console.providers.exchange.http import HttpAnswerError
from ec_console.providers.transport import AnswerTooLarge
from ec_console.texts import Said, say
from ec_console.validation import is_distinguished_name

_AADSTS_RE = re.compile(r"AADSTS(\d+)")
# The identity platform's AADSTS numbers (entra-docs reference-error-codes.md) -> diagnosis code. Only codes
# whose meaning the diagnosis states are here; any other number is told as it came (`oauth_request_refused`).
_AADSTS_CODES = {
    "7000215": "oauth_invalid_client",  # InvalidClientSecret: invalid client secret provided
    "7000222": "oauth_secret_expired",  # InvalidClientSecretExpiredKeysProvided
    "90002": "oauth_tenant_not_found",  # InvalidTenantName: tenant not found
    "900023": "oauth_tenant_not_found",  # specified tenant identifier is neither a valid DNS name nor a GUID
    "700016": "oauth_app_not_found",  # application with identifier '...' was not found in the directory
    "7000112": "oauth_app_disabled",  # UnauthorizedClientApplicationDisabled
    "7000229": "oauth_no_service_principal",  # the client application is missing service principal in tenant
    "700027": "oauth_certificate_unknown",  # certificate used to sign the assertion is not registered
    "53003": "oauth_conditional_access",  # BlockedByConditionalAccess
}
# Exchange Online's `x-ms-diagnostics` on a 401 to a bearer token: `<number>;reason="...";error_category=...`.
# Only 2000008 says the application lacks a permission (its reason: "The token contains no permissions, or
# permissions can not be understood."); the others say the token itself is not one Exchange accepts.
_DIAGNOSTICS_RE = re.compile(r"^\s*(\d+)")
_BEARER_REASONS = {
    "2000001": say("Exchange could not use the token (invalid_token: it cannot be parsed or is not valid)"),
    "2000003": say("the token is for another resource than this Exchange (invalid audience)"),
    "2000004": say("this Exchange knows no organisation for the token's tenant (invalid_tenant)"),
}
_LOCKED_OUT = "locked out"
# Exchange Online's answer header for a request its EWS access controls refused (HTTP 403), and its only two
# values: https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange
EWS_POLICY_REASON_HEADER = "X-EWS-Policy-Reason"
EWS_POLICY_DISABLED = "EWS is disabled for this user or tenant"
EWS_POLICY_BLOCKED = "EWS is blocked by policy for this user or tenant"
# What exchangelib's "Reraised from ..." text names when an answer began and the connection then broke.
_CUT_MID_ANSWER = ("ChunkedEncodingError", "Connection broken", "IncompleteRead")
# The server accepted the connection and the request, then closed or reset it before answering: not
# "unreachable" (a connection was made), and not the application's fault — a failed answer.
_DROPPED_BEFORE_ANSWER = ("RemoteDisconnected", "Connection aborted", "Connection reset by peer",
                          "ConnectionResetError", "without response")
_MAX_TEXT = 300


@dataclass
class ErrorContext:
    """What the check knows, to name the real objects in a fix."""

    service_account: str | None = None
    mailbox: str | None = None
    scope_group: str | None = None
    client_id: str | None = None
    tenant_id: str | None = None
    ews_url: str | None = None
    host: str | None = None
    port: int | None = None
    timeout: float | None = None
    proxy: str | None = None
    oauth: bool = False
    platform: str = "onprem"  # "onprem" | "online"
    exchange_online: bool = False  # the host is Exchange Online's
    token_roles: list[str] | None = None
    acting_as: str | None = None  # the mailbox an app-only request acted as, when not the checked one
    extra: dict[str, Any] = field(default_factory=dict)

    def names(self, **overrides: Any) -> dict[str, Any]:
        names: dict[str, Any] = {
            "service_account": self.service_account,
            "mailbox": self.mailbox,
            "scope_group": self.scope_group,
            "client_id": self.client_id,
            "tenant_id": self.tenant_id,
            "ews_url": self.ews_url,
            "host": self.host,
            "port": self.port,
            "timeout": self.timeout,
            "proxy": self.proxy,
            "platform": self.platform,
        }
        if self.scope_group and is_distinguished_name(self.scope_group):
            names["group_dn"] = self.scope_group
        names.update(self.extra)
        names.update(overrides)
        return names


def short(text: str) -> str:
    """One line, bounded: for details and the `error` name of a diagnosis."""
    line = " ".join(str(text).split())
    return line if len(line) <= _MAX_TEXT else line[: _MAX_TEXT - 1] + "…"


def aadsts_code(text: str) -> str | None:
    """The first AADSTS number in `text` (an `error_description`), as a string, else None."""
    match = _AADSTS_RE.search(text or "")
    return match.group(1) if match else None


def aadsts_codes(exc: OAuth2Error) -> list[str]:
    """The AADSTS numbers of a token refusal: the body's `error_codes` list when the token client kept it,
    else the AADSTS number in the description."""
    kept = getattr(exc, "error_codes", None)
    if isinstance(kept, list) and kept:
        return [str(c) for c in kept]
    code = aadsts_code(exc.description or "")
    return [code] if code else []


def unwrap(exc: BaseException) -> BaseException:
    """The error behind exchangelib's re-raising: the EWS error its version guess turns into a plain
    TransportError, and an oversized answer wherever exchangelib re-raised it as something else."""
    context = exc.__context__
    if type(exc) is ews.TransportError and isinstance(context, ews.ResponseMessageError):
        return context
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, AnswerTooLarge):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return exc


def classify(exc: BaseException, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    """(diagnosis code, one-line detail, extra names) for `exc`; the detail is a `say()` text (English, shown
    in the reader's language)."""
    exc = unwrap(exc)
    for kind, handler in _HANDLERS:
        if isinstance(exc, kind):
            return handler(exc, ctx)
    return (
        "server_error",
        say("Unexpected answer: {error}", error=short(f"{type(exc).__name__}: {exc}")),
        {"error": short(f"{type(exc).__name__}: {exc}")},
    )


def diagnosis_for(exc: BaseException, ctx: ErrorContext) -> tuple[Diagnosis, str]:
    code, detail, extra = classify(exc, ctx)
    return diagnose(code, **ctx.names(**extra)), detail


# --- handlers, most specific first -------------------------------------------------------------------------


def _http(exc: HttpAnswerError, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    status = exc.status
    where = ctx.ews_url or ctx.host or say("the server")
    if status == 401:
        if _LOCKED_OUT in exc.text.lower():
            return (
                "account_locked",
                say("{where} answered 401: the referenced account is currently locked out", where=where),
                {},
            )
        if ctx.oauth:
            return _bearer_refused(exc.header("x-ms-diagnostics"))
        return "auth_failed", say("{where} refused the credentials of {account} (HTTP 401)", where=where,
                                  account=ctx.service_account), {}
    if status == 403:
        return _forbidden(exc, ctx, where)
    if status == 407:
        return "proxy_auth_required", PROXY_AUTH, {}
    if status in (429, 503):
        back_off = _retry_after(exc.header("retry-after"))
        if back_off:
            busy = say("{where} answered HTTP {status} (busy); it asks to wait {seconds} s", where=where,
                       status=status, seconds=format(back_off, "g"))
        else:
            busy = say("{where} answered HTTP {status} (busy)", where=where, status=status)
        return (
            "throttled",
            busy,
            {"back_off": f"{back_off:g}" if back_off else None},
        )
    if status in (301, 302, 303, 307, 308):
        location = exc.header("location")
        return (
            "server_error",
            say("{where} redirects to {location} instead of answering EWS", where=where,
                location=short(location) or say("another address")),
            {"error": f"HTTP {status} redirect to {short(location)}"},
        )
    if status == 404:
        return "server_error", say("No EWS endpoint at {where} (HTTP 404)", where=where), \
            {"error": "HTTP 404 Not Found"}
    text = f"HTTP {status} {exc.reason}".strip()
    return "server_error", say("{where} answered {answer}", where=where, answer=text), {"error": text}


def _forbidden(exc: HttpAnswerError, ctx: ErrorContext, where: str) -> tuple[str, Said, dict[str, Any]]:
    """A 403 is `ews_blocked` only when Exchange names its EWS access policy in `X-EWS-Policy-Reason`.

    Exchange Online sends one of two values ("Control access to EWS in Exchange", "Understand HTTP 403
    responses"): `EWS is disabled for this user or tenant` (organisation or mailbox EwsEnabled) or `EWS is
    blocked by policy for this user or tenant` (the EwsAllowedAppIDs list or a User-Agent allow / block list;
    the header does not say which). A 403 without it does not establish the cause (a reverse proxy, a web
    application firewall, IIS itself ...): `ews_forbidden`, saying so.
    """
    reason = short(exc.header(EWS_POLICY_REASON_HEADER))
    acting = ctx.acting_as
    header = EWS_POLICY_REASON_HEADER
    if reason:
        if reason.lower() == EWS_POLICY_DISABLED.lower():
            meaning = say("EwsEnabled is off for the organisation or for the mailbox")
        elif reason.lower() == EWS_POLICY_BLOCKED.lower():
            meaning = say("an EWS application access policy blocks the application (the EwsAllowedAppIDs "
                          "list, or a User-Agent allow or block list; the header does not say which)")
        else:
            meaning = say("an EWS access policy refused the request")
        if acting:
            detail = say('{where} answered HTTP 403 acting as {mailbox} with {header}: "{reason}": '
                         "{meaning}.", where=where, mailbox=acting, header=header, reason=reason,
                         meaning=meaning)
        else:
            detail = say('{where} answered HTTP 403 with {header}: "{reason}": {meaning}.', where=where,
                         header=header, reason=reason, meaning=meaning)
        if ctx.exchange_online:
            detail = say("{detail} EWS in Exchange Online shuts down on 1 April 2027.", detail=detail)
        return "ews_blocked", detail, {"policy_reason": reason}
    cas = short(exc.header("x-caserrorcode"))
    more = f", X-CasErrorCode {cas}" if cas else ""
    if acting and cas:
        detail = say("{where} answered HTTP 403 Forbidden acting as {mailbox} without stating a cause (no "
                     "{header} header, X-CasErrorCode {cas}): not shown to be an EWS access policy",
                     where=where, mailbox=acting, header=header, cas=cas)
    elif acting:
        detail = say("{where} answered HTTP 403 Forbidden acting as {mailbox} without stating a cause (no "
                     "{header} header): not shown to be an EWS access policy", where=where, mailbox=acting,
                     header=header)
    elif cas:
        detail = say("{where} answered HTTP 403 Forbidden without stating a cause (no {header} header, "
                     "X-CasErrorCode {cas}): not shown to be an EWS access policy", where=where,
                     header=header, cas=cas)
    else:
        detail = say("{where} answered HTTP 403 Forbidden without stating a cause (no {header} header): not "
                     "shown to be an EWS access policy", where=where, header=header)
    return "ews_forbidden", detail, {"error": f"HTTP 403 Forbidden{more}"}


PROXY_AUTH = say("The proxy demands authentication (HTTP 407)")


def _no_answer_within(ctx: ErrorContext) -> Said:
    return say("{host} did not answer within {seconds} s", host=ctx.host, seconds=format(ctx.timeout, "g"))


def _retry_after(value: str) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


# oauthlib's own refusals, raised before any request is sent or about what the client holds: not answers.
_CLIENT_SIDE = (InsecureTransportError, TokenExpiredError, MismatchingStateError, MissingCodeError)


def _oauth(exc: OAuth2Error, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    if isinstance(exc, InsecureTransportError):
        message = say("The console did not send the request: a client secret or a bearer token is sent only "
                      "over https, and an address in use (the --authority or the EWS URL) is plain http.")
        return "bad_input", message, {"message": message, "field": "--authority / --ews-url (use https)"}
    if isinstance(exc, _CLIENT_SIDE):
        text = short(f"{type(exc).__name__}: {exc.error}")
        return (
            "unexpected_error",
            say("The console's OAuth client stopped before an answer was used ({error}); no server said this",
                error=text),
            {"error": text},
        )
    description = exc.description or ""
    text = short(f"{exc.error}: {description}" if description else str(exc.error))
    codes = aadsts_codes(exc)
    for code in codes:
        mapped = _AADSTS_CODES.get(code)
        if mapped:
            return mapped, say("The identity platform refused the token request: {error}", error=text), \
                {"error": text}
    if exc.status_code and exc.status_code >= 500:
        return "server_error", say("The identity platform failed: {error}", error=text), {"error": text}
    if isinstance(exc, (MissingTokenError, MissingTokenTypeError)):
        # The answer was not a token response (an error page, a proxy's answer ...): the server's doing.
        detail = say("The token endpoint answered without a usable token: {error}", error=text)
        return "server_error", detail, {"error": text}
    if not codes and exc.error == "invalid_client":
        # Microsoft's `error` table: invalid_client = "Client authentication failed ... The client
        # credentials aren't valid", whatever number would have said more.
        return "oauth_invalid_client", say("The identity platform refused the client: {error}", error=text), \
            {"error": text}
    if codes:
        detail = say("The identity platform refused the token request (AADSTS{number}): {error}",
                     number=codes[0], error=text)
    else:
        detail = say("The identity platform refused the token request: {error}", error=text)
    return "oauth_request_refused", detail, {"error": text}


def _bearer_refused(diagnostics: str | None) -> tuple[str, str, dict[str, Any]]:
    """A 401 to the application's bearer token, told by Exchange's `x-ms-diagnostics` number."""
    header = short(diagnostics or "")
    match = _DIAGNOSTICS_RE.match(diagnostics or "")
    number = match.group(1) if match else None
    if number == "2000008":
        return (
            "oauth_permission_missing",
            say("Exchange refused the application's token with HTTP 401: the token carries no permission "
                "Exchange accepts (x-ms-diagnostics: {header})", header=header),
            {"error": f"x-ms-diagnostics: {header}"},
        )
    if not header:
        return (
            "oauth_token_rejected",
            say("Exchange refused the application's token with HTTP 401 and gave no x-ms-diagnostics reason"),
            {"error": "HTTP 401 without x-ms-diagnostics"},
        )
    reason = _BEARER_REASONS.get(number or "")
    if reason:
        detail = say("Exchange refused the application's token with HTTP 401: {reason} (x-ms-diagnostics: "
                     "{header})", reason=reason, header=header)
    else:
        detail = say("Exchange refused the application's token with HTTP 401 (x-ms-diagnostics: {header})",
                     header=header)
    return "oauth_token_rejected", detail, {"error": f"x-ms-diagnostics: {header}"}


def _unauthorized(exc: ews.UnauthorizedError, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    text = str(exc)
    if _LOCKED_OUT in text.lower():
        return "account_locked", text, {}
    if ctx.oauth:
        return _bearer_refused(None)
    return "auth_failed", say("The server refused the credentials of {account}: {error}",
                              account=ctx.service_account, error=short(text)), {}


def _response_code(name: str, message: str = "") -> Said:
    """What Exchange answered: its response code and (the server's own words, as sent) its message."""
    if message:
        return say("Exchange answered {code}: {message}", code=name, message=message)
    return say("Exchange answered {code}", code=name)


def _simple(code: str) -> Any:
    def handler(exc: BaseException, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
        message = short(str(exc))
        detail = _response_code(type(exc).__name__, message)
        return code, detail, {"error": f"{type(exc).__name__}: {message}" if message else type(exc).__name__}

    return handler


def _server_busy(exc: ews.ErrorServerBusy, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    back_off = exc.back_off
    if back_off:
        detail = say("Exchange answered {code}; back off {seconds} s", code="ErrorServerBusy",
                     seconds=format(back_off, "g"))
    else:
        detail = _response_code("ErrorServerBusy")
    return (
        "throttled",
        detail,
        {"back_off": f"{back_off:g}" if back_off else None},
    )


def _folder_denied(exc: BaseException, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    name = type(exc).__name__
    return "folder_access_denied", _response_code(name, short(str(exc))), {"error": name}


def _cut_mid_answer(ctx: ErrorContext, text: str) -> tuple[str, str, dict[str, Any]]:
    return (
        "server_error",
        say("{host} began to answer, then the connection was cut mid-answer",
            host=ctx.host or say("The server")),
        {"error": f"the connection was cut mid-answer ({short(text)})"},
    )


def _dropped_before_answer(ctx: ErrorContext, text: str) -> tuple[str, str, dict[str, Any]]:
    return (
        "server_error",
        say("{host} accepted the request, then closed the connection without an answer",
            host=ctx.host or say("The server")),
        {"error": f"the connection was closed before an answer ({short(text)})"},
    )


def _timeout_expired(exc: ews.ErrorTimeoutExpired, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    # exchangelib re-raises every connection-level failure of a POST as ErrorTimeoutExpired, with the
    # original's name in the text ("Reraised from ChunkedEncodingError(...)") and as __context__.
    text = str(exc)
    if "Timeout" in text or "timed out" in text:
        return "timeout", _no_answer_within(ctx), {}
    if isinstance(exc.__context__, requests.exceptions.ChunkedEncodingError) or any(
        marker in text for marker in _CUT_MID_ANSWER
    ):
        return _cut_mid_answer(ctx, text)
    if any(marker in text for marker in _DROPPED_BEFORE_ANSWER):
        return _dropped_before_answer(ctx, text)
    if "ConnectionError" in text or "Connection refused" in text:
        return (
            "tcp_unreachable",
            say("The connection to {host} failed: {error}", host=ctx.host, error=short(text)),
            {"error": short(text)},
        )
    detail = say("No answer from {host}: {error}", host=ctx.host, error=short(text))
    return "timeout", detail, {"error": short(text)}


def _requests(exc: requests.RequestException, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    text = short(str(exc))
    if isinstance(exc, requests.exceptions.ProxyError) and "407" in str(exc):
        return "proxy_auth_required", PROXY_AUTH, {}
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout", _no_answer_within(ctx), {}
    if isinstance(exc, requests.exceptions.SSLError):
        detail = say("TLS failed with {host}: {error}", host=ctx.host, error=text)
        return "tls_untrusted", detail, {"error": text}
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return _cut_mid_answer(ctx, str(exc))
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "timed out" in str(exc).lower():
            return "timeout", _no_answer_within(ctx), {}
        if any(marker in str(exc) for marker in _DROPPED_BEFORE_ANSWER):
            return _dropped_before_answer(ctx, str(exc))
        detail = say("The connection to {host} failed: {error}", host=ctx.host, error=text)
        return "tcp_unreachable", detail, {"error": text}
    return "server_error", say("HTTP failure: {error}", error=text), {"error": text}


def _transport(exc: ews.TransportError, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    text = str(exc)
    lower = text.lower()
    if "timed out" in lower or "timeout" in lower:
        return "timeout", _no_answer_within(ctx), {}
    if "certificate" in lower or "ssl" in lower:
        return "tls_untrusted", say("TLS failed with {host}: {error}", host=ctx.host, error=short(text)), \
            {"error": short(text)}
    if "407" in text:
        return "proxy_auth_required", PROXY_AUTH, {}
    return "server_error", say("Transport failure: {error}", error=short(text)), {"error": short(text)}


def _redirect(exc: ews.RedirectError, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    return (
        "server_error",
        say("{where} redirects to {location} instead of answering EWS", where=ctx.ews_url, location=exc.url),
        {"error": f"redirect to {exc.url}"},
    )


def _cas(exc: ews.CASError, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    """Exchange's front end (Client Access) named its refusal in `X-CasErrorCode` (`CheckRetryPolicy`)."""
    code = short(exc.cas_error)
    status = getattr(getattr(exc, "response", None), "status_code", None)
    http = f"HTTP {status} with " if status else ""
    where = ctx.ews_url or ctx.host or say("the server")
    if status:
        detail = say("Exchange's front end at {where} refused the request: HTTP {status} with X-CasErrorCode "
                     "{code}", where=where, status=status, code=code)
    else:
        detail = say("Exchange's front end at {where} refused the request: X-CasErrorCode {code}",
                     where=where, code=code)
    return (
        "server_error",
        detail,
        {"error": f"{http}X-CasErrorCode {code}"},
    )


def _too_large(exc: AnswerTooLarge, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    where = ctx.ews_url or ctx.host or say("The server")
    return (
        "server_error",
        say("{where} sent an answer larger than the console accepts; reading stopped there", where=where),
        {"error": exc.plain},
    )


def _malformed(exc: BaseException, ctx: ErrorContext) -> tuple[str, str, dict[str, Any]]:
    text = short(str(exc))
    return "server_error", say("The answer could not be understood: {error}", error=text), {"error": text}


_HANDLERS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], Any], ...] = (
    (AnswerTooLarge, _too_large),
    (HttpAnswerError, _http),
    (OAuth2Error, _oauth),
    (ews.UnauthorizedError, _unauthorized),
    (ews.ErrorImpersonateUserDenied, _simple("impersonation_denied")),
    (ews.ErrorImpersonationDenied, _simple("impersonation_right_missing")),
    (ews.ErrorInvalidExchangeImpersonationHeaderData, _simple("impersonation_header_required")),
    (ews.ErrorNonExistentMailbox, _simple("mailbox_not_found")),
    (ews.ErrorMailboxStoreUnavailable, _simple("server_error")),
    ((ews.ErrorAccessDenied, ews.ErrorFolderNotFound), _folder_denied),
    (ews.ErrorCreateItemAccessDenied, _simple("write_denied")),
    (ews.ErrorServerBusy, _server_busy),
    (ews.ErrorExceededConnectionCount, _simple("throttled")),
    (ews.ErrorInternalServerTransientError, _simple("throttled")),
    (ews.ErrorTooManyObjectsOpened, _simple("throttled")),
    (ews.ErrorTimeoutExpired, _timeout_expired),
    (ews.RedirectError, _redirect),
    (ews.CASError, _cas),
    ((ews.MalformedResponseError, ews.ResponseMessageError), _malformed),
    (ews.TransportError, _transport),
    (requests.RequestException, _requests),
    (ews.EWSError, _malformed),
)
