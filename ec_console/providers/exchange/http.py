"""HTTP plumbing for one Exchange check: per-check TLS trust, a Protocol that is never shared, strict errors.

- `TrustAdapter` is a `requests` adapter bound to one `ssl.SSLContext` (the check's: OS store + --ca-file).
  It ignores the `verify` value `requests` computes, so `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` cannot
  replace the check's trust, and it never loads a CA file into the context (the context is the trust).
  Proxies from the environment still apply (`trust_env` stays on). Every answer is capped at
  `net.ANSWER_LIMIT` (`net.cap_answer`): the auth-method probe, autodiscover, exchangelib's SOAP calls and
  the identity platform's token answers alike; a bigger one raises `net.AnswerTooLarge`.
- `CheckProtocol` is an exchangelib `Protocol` that bypasses exchangelib's process-wide Protocol cache
  (keyed by endpoint + credentials, which would carry sessions, auth type and version from one check to
  the next) and mounts `TrustAdapter` on every session it makes. Nothing process-wide is changed:
  `BaseProtocol.HTTP_ADAPTER_CLS` stays as it is.
- `CheckRetryPolicy` is exchangelib's `FailFast` (no sleeping, no retry loop) that turns every HTTP answer
  that is not EWS XML into `HttpAnswerError` with the status, so 401 / 403 / 407 / 503 can be diagnosed
  precisely rather than guessed from exchangelib's generic errors. Any other refusal that carries Exchange's
  front-end `X-CasErrorCode` header (e.g. a 500 with `ServerNotFound`, the front end finding no back-end
  server for the mailbox) raises exchangelib's own `CASError` with that code, as exchangelib's policy does.
"""

from __future__ import annotations

import ssl
import weakref
from typing import Any

import requests
import requests.adapters
from exchangelib.errors import CASError
from exchangelib.protocol import CachingProtocol, FailFast, Protocol
from exchangelib.util import is_xml

from ec_console.providers.net import cap_answer

_MAX_BODY_TEXT = 2000


class TrustAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose every https connection verifies with the given context, whatever `verify` says."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        self._responses: weakref.WeakSet[Any] = weakref.WeakSet()
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
        # Always verify, never with a CA path from the environment: the context is the trust.
        return super().build_connection_pool_key_attributes(request, True, cert)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if url.lower().startswith("https"):
            conn.cert_reqs = "CERT_REQUIRED"
            conn.ca_certs = None
            conn.ca_cert_dir = None

    def send(
        self,
        request: Any,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        response = super().send(
            request, stream=stream, timeout=timeout, verify=True, cert=cert, proxies=proxies
        )
        if response.raw is not None:
            self._responses.add(response.raw)
        return cap_answer(response)

    def close(self) -> None:
        """Close the pools and any connection a response still holds (an error path may keep one)."""
        for raw in list(self._responses):
            try:
                raw.close()
                pool = getattr(raw, "_pool", None)
                if pool is not None:
                    pool.close()
            except Exception:  # noqa: BLE001 - closing is best effort, never an error of the check
                pass
        self._responses.clear()
        super().close()


def make_session(context: ssl.SSLContext, *, pool_size: int = 1) -> requests.Session:
    """A plain `requests` session for this check (autodiscover, the auth-method probe)."""
    session = requests.Session()
    adapter = TrustAdapter(context, pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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

    def __init__(self, *args: Any, ssl_context: ssl.SSLContext, timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ssl_context = ssl_context
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
        adapter = TrustAdapter(
            self._ssl_context, pool_block=True, pool_connections=1, pool_maxsize=1, max_retries=0
        )
        for prefix_ in (
            "https://",
            "http://",
            prefix,
            *([oauth2_token_endpoint] if oauth2_token_endpoint else []),
        ):
            session.mount(prefix_, adapter)
        return session


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
