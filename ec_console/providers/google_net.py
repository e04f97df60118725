"""Transport for the Google provider: TLS trust, bounded waits, one HTTP object per thread.

Trust is decided per connection and never by the process environment: every connection verifies against
the operating system's certificate store (`truststore`: what browsers and Outlook trust, including a
company's TLS-inspection root) plus an optional CA file. `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` (set on many
desktops) cannot replace that trust, and verification is never turned off. Proxies from the environment
are still honoured.

- Token requests (google-auth) go through a `requests` session (`TokenTransport`), which also remembers the
  status and headers of the last answer (the `clock` step reads `Date`, a throttled answer its
  `Retry-After`) and checks the cancel token before every request.
- API calls (googleapiclient) go through `httplib2`, which is not thread-safe: `TrustedHttp` objects are
  created per use and never shared between threads.

This module never imports Qt and never prints.
"""

from __future__ import annotations

import email.utils
import logging
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httplib2
import requests
import truststore
from google.auth.transport import requests as google_requests
from requests.adapters import HTTPAdapter

from ec_console.checks import CancelToken, CheckCancelled

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0


def trust_context(ca_file: str | Path | None = None) -> ssl.SSLContext:
    """A client TLS context: the OS certificate store plus `ca_file` (PEM), hostname checked."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        ctx.load_verify_locations(cafile=str(ca_file))
    return ctx


class _TrustAdapter(HTTPAdapter):
    """An adapter whose every pool (direct or through a proxy) verifies with one SSL context."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("ssl_context", self._context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class TrustMixin:
    """For a `requests.Session` subclass: trust is the mounted adapter's SSL context, never the environment's.

    requests replaces `verify=True` with `REQUESTS_CA_BUNDLE` when a session trusts the environment; a session
    with this mixin keeps the environment's proxy settings but always verifies with its own context. Call
    `install_trust(session, context)` after creating it.
    """

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)  # type: ignore[misc]
        settings["verify"] = True
        return settings


def install_trust(session: requests.Session, context: ssl.SSLContext) -> None:
    """Make every https connection of `session` (direct or through a proxy) verify with `context`."""
    session.mount("https://", _TrustAdapter(context))


class TrustedSession(TrustMixin, requests.Session):
    """A plain session that verifies with `context` (see `TrustMixin`)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__()
        install_trust(self, context)


@dataclass(frozen=True)
class Answer:
    """What the last token-endpoint answer said besides its body: status and the headers that matter."""

    status: int
    date: str | None
    retry_after: str | None
    received_at: float  # time.time() when the answer arrived
    sent_at: float  # time.time() when the request left


class TokenTransport(google_requests.Request):
    """google-auth's requests transport with a bounded wait, cancellation and the last answer remembered.

    google-auth's token call passes no timeout (its default is 120 s); this transport always applies its own.
    """

    def __init__(self, session: requests.Session, timeout: float, cancel: CancelToken | None = None) -> None:
        super().__init__(session)
        self._timeout = timeout
        self._cancel = cancel
        self._local = threading.local()

    @property
    def last_answer(self) -> Answer | None:
        return getattr(self._local, "answer", None)

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        if self._cancel is not None and self._cancel.cancelled:
            raise CheckCancelled()
        self._local.answer = None
        sent = time.time()
        response = super().__call__(
            url, method=method, body=body, headers=headers, timeout=self._timeout, **kwargs
        )
        self._local.answer = Answer(
            status=response.status,
            date=response.headers.get("Date"),
            retry_after=response.headers.get("Retry-After"),
            received_at=time.time(),
            sent_at=sent,
        )
        return response


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header as an aware UTC datetime, or None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def retry_after_seconds(value: str | None) -> int | None:
    """`Retry-After` as whole seconds (delta or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0, round((when - datetime.now(UTC)).total_seconds()))


class _TrustedConnection(httplib2.HTTPSConnectionWithTimeout):
    """httplib2's HTTPS connection, verifying with the class's SSL context instead of its own CA bundle."""

    ssl_context: ssl.SSLContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._context = self.ssl_context


class TrustedHttp(httplib2.Http):
    """An `httplib2.Http` with bounded waits whose HTTPS connections trust `context` (see module doc).

    Not thread-safe (no httplib2 object is): create one per thread.
    """

    def __init__(self, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._connection_class = type("TrustedConnection", (_TrustedConnection,), {"ssl_context": context})

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = httplib2.DEFAULT_MAX_REDIRECTS,
        connection_type: Any = None,
    ) -> Any:
        if connection_type is None and uri.lower().startswith("https:"):
            connection_type = self._connection_class
        return super().request(
            uri,
            method=method,
            body=body,
            headers=headers,
            redirections=redirections,
            connection_type=connection_type,
        )


class Transport:
    """The HTTP plumbing of one check or one enumeration: a token session and per-thread API objects."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ca_file: str | Path | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.timeout = timeout
        self.context = trust_context(ca_file)
        self.cancel = cancel
        self.session = TrustedSession(self.context)
        self.token_request = TokenTransport(self.session, timeout, cancel)

    def new_http(self) -> TrustedHttp:
        """A fresh httplib2 object for the calling thread."""
        return TrustedHttp(self.context, self.timeout)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
