"""HTTP plumbing for one Exchange check: a Protocol that is never shared, strict errors.

Trust, the answer-size cap and proxies are the shared transport's (`providers.transport.CheckTransport`, one
per check): the auth-method probe, autodiscover, exchangelib's SOAP calls and the identity platform's token
answers all go through its sessions or its adapter, so a bigger answer than `transport.ANSWER_LIMIT` raises
`transport.AnswerTooLarge` and `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` cannot replace the check's trust.

- `CheckProtocol` is an exchangelib `Protocol` that bypasses exchangelib's process-wide Protocol cache
  (keyed by endpoint + credentials, which would carry sessions, auth type and version from one check to
  the next) and mounts the check's transport on every session it makes. Nothing process-wide is changed:
  `BaseProtocol.HTTP_ADAPTER_CLS` stays as it is.
- `CheckRetryPolicy` is exchangelib's `FailFast` (no sleeping, no retry loop) that turns every HTTP answer
  that is not EWS XML into `HttpAnswerError` with the status, so 401 / 403 / 407 / 503 can be diagnosed
  precisely rather than guessed from exchangelib's generic errors. Any other refusal that carries Exchange's
  front-end `X-CasErrorCode` header (e.g. a 500 with `ServerNotFound`, the front end finding no back-end
  server for the mailbox) raises exchangelib's own `CASError` with that code, as exchangelib's policy does.
"""

from __future__ import annotations

from typing import Any

import requests
from exchangelib.errors import CASError
from exchangelib.protocol import CachingProtocol, FailFast, Protocol
from exchangelib.util import is_xml

from ec_console.providers.transport import CheckTransport

_MAX_BODY_TEXT = 2000


class HttpAnswerError(Exception):
    """The server (or something in between) answered with an HTTP status that is not an EWS answer."""

    def __init__(self, status: int, reason: str, headers: dict[str, str], text: str) -> None:
        super().__init__(f"HTTP {status} {reason}".strip())
        self.status = status
        self.reason = reason
        self.headers = headers
        self.text = text

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


# Statuses whose meaning the check reads itself, whatever else the answer carries: Exchange's front end also
# puts `X-CasErrorCode: UnauthenticatedRequest` on an ordinary 401 challenge, which is a sign-in answer.
_OWN_STATUSES = frozenset({401, 403, 407, 429, 503})


class CheckRetryPolicy(FailFast):
    """FailFast, but every non-EWS answer raises `HttpAnswerError` (locked-out 401s keep their text), or
    exchangelib's `CASError` when Exchange's front end names its refusal in `X-CasErrorCode`."""

    def raise_response_errors(self, response: requests.Response) -> None:
        if response.status_code == 200:
            return
        if response.status_code == 500 and response.content and is_xml(response.content):
            return  # a SOAP fault: exchangelib parses it into its own error classes
        cas_error = response.headers.get("X-CasErrorCode", "").strip()
        if cas_error and response.status_code not in _OWN_STATUSES:
            # exchangelib's RetryPolicy.raise_response_errors reads the header the same way.
            if cas_error.startswith("CAS error:"):
                cas_error = cas_error.split(":", 1)[1].strip()
            raise CASError(cas_error=cas_error, response=response)
        text = response.text[:_MAX_BODY_TEXT] if response.content else ""
        raise HttpAnswerError(response.status_code, response.reason or "", dict(response.headers), text)


class _UncachedProtocolType(CachingProtocol):
    """Creates protocols without exchangelib's process-wide cache."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return type.__call__(cls, *args, **kwargs)


class CheckProtocol(Protocol, metaclass=_UncachedProtocolType):
    """A Protocol for one check: its own sessions, trust and timeout; closed when the check ends."""

    def __init__(self, *args: Any, transport: CheckTransport, timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._transport = transport
        self.TIMEOUT = timeout  # read by exchangelib for every request of this protocol

    def raw_session(
        self,
        prefix: str,
        oauth2_client: Any = None,
        oauth2_session_params: Any = None,
        oauth2_token_endpoint: Any = None,
    ) -> requests.Session:  # type: ignore[override]
        session = super().raw_session(
            prefix,
            oauth2_client=oauth2_client,
            oauth2_session_params=oauth2_session_params,
            oauth2_token_endpoint=oauth2_token_endpoint,
        )
        extra = (prefix, *([oauth2_token_endpoint] if oauth2_token_endpoint else []))
        return self._transport.mount(session, *extra, pool_size=1, block=True)


def forget_cached_protocol(protocol: Any) -> None:
    """Drop `protocol` from exchangelib's Protocol cache (an `Account` puts an unused one there), close it."""
    with CachingProtocol._protocol_cache_lock:
        cache = CachingProtocol._protocol_cache
        for key, (cached, _) in list(cache.items()):
            if cached is protocol:
                del cache[key]
    try:
        protocol.close()
    except Exception:  # noqa: BLE001 - closing an unused protocol must never fail a check
        pass
