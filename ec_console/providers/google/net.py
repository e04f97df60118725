"""Transport for the Google provider: bounded waits, token answers made once, one HTTP object per thread.

Trust, the answer-size cap and proxies are the shared transport's (`providers.transport.CheckTransport`):
every connection verifies against the operating system's certificate store plus an optional CA file,
`REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` cannot replace that trust, verification is never turned off, and
proxies from the environment are honoured.

- Token requests (google-auth) go through a `requests` session (`TokenTransport`), which also remembers the
  status and headers of the last answer (the `clock` step reads `Date`, a throttled answer its
  `Retry-After`) and checks the cancel token before every request. google-auth retries a token answer it
  deems transient (5xx, 408, 429, `server_error` ...) up to three times with back-off; an interactive check
  must not hide such a loop, so `TokenTransport` turns the first such answer into `TokenAnswerRefused` (a
  `RefreshError`, classified like any other refusal) and the request is made once.
- API calls (googleapiclient) go through `httplib2`, which is not thread-safe: `transport.TrustedHttp`
  objects are created per use and never shared between threads. `Transport` keeps every one it made and
  closes them (and the token session) when it closes, so no keep-alive connection outlives a check.
- No answer may exceed `transport.ANSWER_LIMIT` (`transport.AnswerTooLarge` beyond it, a compressed answer
  bounded after decoding). A connection cut while an API answer's body is read raises
  `transport.AnswerCut`.

This module never imports Qt and never prints.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import requests.adapters
from google.auth import exceptions as google_exceptions
from google.auth import transport as google_transport
from google.auth.transport import requests as google_requests

from ec_console.checks import CancelToken, CheckCancelled
from ec_console.providers.transport import CheckTransport, TrustedHttp

DEFAULT_TIMEOUT = 15.0


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


class Transport:
    """The HTTP plumbing of one check or one enumeration: a token session and per-thread API objects."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ca_file: str | Path | None = None,
        cancel: CancelToken | None = None,
        pool_size: int = requests.adapters.DEFAULT_POOLSIZE,
    ) -> None:
        self.timeout = timeout
        self.shared = CheckTransport(ca_file)
        self.context = self.shared.context
        self.cancel = cancel
        self.session = self.shared.session(pool_size=pool_size)
        self.token_request = TokenTransport(self.session, timeout, cancel)

    def new_http(self) -> TrustedHttp:
        """A fresh httplib2 object for the calling thread (closed with this transport)."""
        return self.shared.http(self.timeout)

    def close(self) -> None:
        """Close every connection this transport opened: the token session's and each httplib2 object's."""
        self.shared.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
