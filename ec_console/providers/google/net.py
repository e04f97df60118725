"""Transport for the Google provider: TLS trust, bounded waits, one HTTP object per thread.

Trust is decided per connection and never by the process environment: every connection verifies against
the operating system's certificate store (`truststore`: what browsers and Outlook trust, including a
company's TLS-inspection root) plus an optional CA file. `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` (set on many
desktops) cannot replace that trust, and verification is never turned off. Proxies from the environment
are still honoured.

- Token requests (google-auth) go through a `requests` session (`TokenTransport`), which also remembers the
  status and headers of the last answer (the `clock` step reads `Date`, a throttled answer its
  `Retry-After`) and checks the cancel token before every request. google-auth retries a token answer it
  deems transient (5xx, 408, 429, `server_error` ...) up to three times with back-off; an interactive check
  must not hide such a loop, so `TokenTransport` turns the first such answer into `TokenAnswerRefused` (a
  `RefreshError`, classified like any other refusal) and the request is made once.
- API calls (googleapiclient) go through `httplib2`, which is not thread-safe: `TrustedHttp` objects are
  created per use and never shared between threads. `Transport` keeps every one it made and closes them
  (and the token session) when it closes, so no keep-alive connection outlives a check.
- No answer may exceed `net.ANSWER_LIMIT`: `requests` answers through `net.cap_answer`, httplib2 answers
  through `CappedResponse` and httplib2's decode limit (a compressed answer is bounded after decoding);
  beyond it `net.AnswerTooLarge` is raised. A connection cut while an API answer's body is read raises
  `AnswerCut`.

This module never imports Qt and never prints.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httplib2
import requests
import truststore
from google.auth import exceptions as google_exceptions
from google.auth import transport as google_transport
from google.auth.transport import requests as google_requests
from httplib2.decode import DecodeLimitError, DecodeRatioError
from requests.adapters import HTTPAdapter

from ec_console.checks import CancelToken, CheckCancelled
from ec_console.providers.net import ANSWER_LIMIT, AnswerTooLarge, cap_answer

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
    """An adapter whose every pool (direct or through a proxy) verifies with one SSL context, and whose
    every answer is capped at `ANSWER_LIMIT`."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("ssl_context", self._context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        return cap_answer(super().send(request, *args, **kwargs))


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
    """Make every https connection of `session` (direct or through a proxy) verify with `context`, and cap
    every answer (plain http to loopback included) at `ANSWER_LIMIT`."""
    adapter = _TrustAdapter(context)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


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


# Token-endpoint error codes google-auth retries whatever the status (google.oauth2._client._can_retry).
_TRANSIENT_TOKEN_ERRORS = frozenset({"internal_failure", "server_error", "temporarily_unavailable"})


class TokenAnswerRefused(google_exceptions.RefreshError):
    """A token endpoint answer google-auth would retry after a back-off, raised at once instead.

    Its arguments have the shape of google-auth's own `RefreshError`: `"<error>: <error_description>"` (or
    the body's text) and the decoded JSON body when there is one.
    """

    def __init__(self, status: int, body: Any) -> None:
        data = body if isinstance(body, dict) else None
        if data is not None and data.get("error"):
            text = f"{data.get('error')}: {data.get('error_description')}"
        else:
            text = f"HTTP {status}: {body}" if isinstance(body, str) and body.strip() else f"HTTP {status}"
        super().__init__(text, data, retryable=False)
        self.status = status


def _decoded_body(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
    try:
        return json.loads(text)
    except ValueError:
        return text


def is_transient_token_answer(status: int, body: Any) -> bool:
    """True for an error answer google-auth would retry: 5xx, 408, 429, or a transient OAuth error code."""
    if status == 200:
        return False
    if status >= 500 or status in google_transport.DEFAULT_RETRYABLE_STATUS_CODES:
        return True
    if isinstance(body, dict):
        codes = (body.get("error"), body.get("error_description"))
        return any(isinstance(c, str) and c in _TRANSIENT_TOKEN_ERRORS for c in codes)
    return False


class TokenTransport(google_requests.Request):
    """google-auth's requests transport with a bounded wait, cancellation and the last answer remembered.

    google-auth's token call passes no timeout (its default is 120 s); this transport always applies its own.
    A token request (a POST) is made once: an answer google-auth would retry raises `TokenAnswerRefused`.
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
        if method.upper() == "POST" and response.status != 200:
            body = _decoded_body(response.data)
            if is_transient_token_answer(response.status, body):
                raise TokenAnswerRefused(response.status, body)
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


class AnswerCut(requests.exceptions.ChunkedEncodingError):
    """An API answer began, then the connection broke (reset or closed) before its body was complete."""


class CappedResponse(http.client.HTTPResponse):
    """An `http.client` answer whose whole-body read stops at `ANSWER_LIMIT` (httplib2 reads bodies whole).

    An announced length over the limit is refused before reading; otherwise the body is read in pieces and
    the piece that passes the limit raises `AnswerTooLarge`. A gzip / deflate body is decoded here, piece by
    piece, under the same limit (and handed to httplib2 as plain, so it is not decoded again). A body cut
    short raises `AnswerCut`.
    """

    limit = ANSWER_LIMIT
    _piece = 64 * 1024

    def read(self, amt: int | None = None) -> bytes:
        if amt is not None:
            return self._read_piece(amt)
        if self.length is not None and self.length > self.limit:
            self.close()
            raise AnswerTooLarge(self.limit, self.length)
        expected = self.length
        decoder = _Decoder.for_encoding(self.getheader("Content-Encoding"))
        parts: list[bytes] = []
        received = produced = 0
        while piece := self._read_piece(self._piece):
            received += len(piece)
            if decoder is not None:
                piece = decoder.decode(piece, self.limit - produced)
            produced += len(piece)
            if produced > self.limit or (decoder is not None and decoder.overflowed):
                self.close()
                raise AnswerTooLarge(self.limit)
            parts.append(piece)
        if expected is not None and received < expected:
            missing = expected - received
            raise AnswerCut(f"Connection broken: IncompleteRead({received} bytes read, {missing} more)")
        if decoder is not None:
            del self.headers["Content-Encoding"]
            if "Content-Length" in self.headers:
                self.headers.replace_header("Content-Length", str(produced))
        return b"".join(parts)

    def _read_piece(self, amt: int) -> bytes:
        try:
            return super().read(amt)
        except (OSError, http.client.IncompleteRead) as exc:
            if isinstance(exc, TimeoutError):
                raise
            self.close()
            raise AnswerCut(f"Connection broken: {type(exc).__name__}({exc})") from exc


class _Decoder:
    """Incremental gzip / deflate decoding that never produces more than it is allowed to."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflate = zlib.decompressobj(wbits)
        self._started = False
        self.overflowed = False  # the data decodes to more than was allowed

    @classmethod
    def for_encoding(cls, encoding: str | None) -> _Decoder | None:
        name = (encoding or "").strip().lower()
        if name in ("gzip", "x-gzip"):
            return cls(16 + zlib.MAX_WBITS)
        if name in ("deflate", "zlib"):
            return cls(32 + zlib.MAX_WBITS)  # zlib-wrapped (or gzip); raw deflate is tried on failure
        return None

    def decode(self, data: bytes, room: int) -> bytes:
        """Decode `data`, producing at most `room` bytes; beyond that, `overflowed` becomes True."""
        try:
            out = self._inflate.decompress(data, room + 1)  # max_length 0 would mean "no limit"
        except zlib.error:
            if self._started or self._wbits != 32 + zlib.MAX_WBITS:
                raise httplib2.FailedToDecompressContent("damaged compressed answer", {}, b"") from None
            self._wbits = -zlib.MAX_WBITS
            self._inflate = zlib.decompressobj(self._wbits)
            return self.decode(data, room)
        self._started = True
        if len(out) > room or self._inflate.unconsumed_tail:
            self.overflowed = True
            return out[:room]
        return out


class _CappedConnection(httplib2.HTTPConnectionWithTimeout):
    """httplib2's plain connection (loopback only, by validation) with capped answers."""

    response_class = CappedResponse


class _TrustedConnection(httplib2.HTTPSConnectionWithTimeout):
    """httplib2's HTTPS connection, verifying with the class's SSL context instead of its own CA bundle,
    with capped answers."""

    ssl_context: ssl.SSLContext
    response_class = CappedResponse

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._context = self.ssl_context


class TrustedHttp(httplib2.Http):
    """An `httplib2.Http` with bounded waits and capped answers whose HTTPS connections trust `context`
    (see module doc).

    Not thread-safe (no httplib2 object is): create one per thread.
    """

    def __init__(self, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(timeout=timeout, decode_limit_hard=ANSWER_LIMIT)
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
        elif connection_type is None and uri.lower().startswith("http:"):
            connection_type = _CappedConnection
        try:
            return super().request(
                uri,
                method=method,
                body=body,
                headers=headers,
                redirections=redirections,
                connection_type=connection_type,
            )
        except (DecodeLimitError, DecodeRatioError) as exc:  # a compressed answer that decodes too large
            self._drop_connections()
            raise AnswerTooLarge(ANSWER_LIMIT) from exc
        except (AnswerTooLarge, AnswerCut):
            self._drop_connections()  # the rest of that answer is unread: the connection cannot be reused
            raise

    def __enter__(self) -> TrustedHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _drop_connections(self) -> None:
        existing, self.connections = self.connections, {}
        for conn in existing.values():
            conn.close()


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
        self._https: list[TrustedHttp] = []
        self._lock = threading.Lock()

    def new_http(self) -> TrustedHttp:
        """A fresh httplib2 object for the calling thread (closed with this transport)."""
        http_ = TrustedHttp(self.context, self.timeout)
        with self._lock:
            self._https.append(http_)
        return http_

    def close(self) -> None:
        """Close every connection this transport opened: the token session's and each httplib2 object's."""
        with self._lock:
            https, self._https = self._https, []
        for http_ in https:
            try:
                http_.close()
            except Exception:  # noqa: BLE001 - closing is best effort, never an error of the check
                log.debug("Closing an API connection failed", exc_info=True)
        self.session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
