"""Transport for the Microsoft Graph provider: one `requests` session per check, on the shared transport.

Trust, the answer cap and proxies come from `providers.transport.CheckTransport`, as for every platform: the
operating system's certificate store plus `--ca-file`, never `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE`
(GRAPH_NOTES.md section 5: with those set, requests ignores `session.verify`); proxies from the environment;
every answer capped at `transport.ANSWER_LIMIT`. On top of it this module adds what Graph needs: every request
has the check's timeout (MSAL passes none when it is given an `http_client`).

`GraphSession` is also MSAL's `http_client`. It remembers the last answer it received (status, headers,
decoded JSON body) so a refusal MSAL turns into an exception (OIDC discovery answering 400 `invalid_tenant`)
can still be read by its AADSTS number. `graph_request` sends one Graph call and waits out a 429 / 503 whose
`Retry-After` fits inside the timeout, at most `MAX_TRIES` times in all.

Qt-free; never prints; logs no header or body.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import requests

from ec_console.checks import CancelToken
from ec_console.providers.transport import CheckTransport, TrustMixin

log = logging.getLogger(__name__)

MAX_TRIES = 3
THROTTLE_STATUSES = (429, 503)


@dataclass
class LastAnswer:
    status: int
    headers: dict[str, str]
    body: Any  # the decoded JSON, or None
    url: str = ""


class GraphSession(TrustMixin, requests.Session):
    """A session with the check's trust, cap and proxies (`transport`), its timeout on every request, and the
    last answer remembered."""

    def __init__(self, transport: CheckTransport, timeout: float, *, pool_size: int = 1) -> None:
        super().__init__()
        self.timeout = timeout
        self.last: LastAnswer | None = None
        transport.mount(self, pool_size=pool_size)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = self.timeout
        kwargs.setdefault("allow_redirects", False)
        self.last = None
        response = super().request(method, url, *args, **kwargs)
        self.last = LastAnswer(response.status_code, dict(response.headers), _json(response), str(url))
        return response


def _json(response: requests.Response) -> Any:
    try:
        return json.loads(response.content.decode("utf-8")) if response.content else None
    except (UnicodeDecodeError, ValueError):
        return None


def retry_after(headers: dict[str, str] | Any) -> float | None:
    """`Retry-After` in seconds (Graph sends seconds), or None when absent or not a number."""
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


@dataclass
class GraphAnswer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    tries: int = 1
    waited: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_code(self) -> str:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, str) else ""

    @property
    def error_message(self) -> str:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return message if isinstance(message, str) else ""

    @property
    def request_id(self) -> str:
        return self.headers.get("request-id") or self.headers.get("client-request-id") or ""

    @property
    def back_off(self) -> float | None:
        return retry_after(self.headers)


def graph_request(
    session: GraphSession,
    method: str,
    url: str,
    token: str,
    *,
    timeout: float,
    cancel: CancelToken | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> GraphAnswer:
    """One Graph call; a 429 / 503 whose Retry-After fits inside `timeout` is waited out and sent again, at
    most `MAX_TRIES` times in all. The last answer is returned (the caller classifies it)."""
    waited = 0.0
    for attempt in range(1, MAX_TRIES + 1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        response = session.request(
            method,
            url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json", **(headers or {})},
            json=json_body,
        )
        last = session.last
        answer = GraphAnswer(
            response.status_code, last.body if last else None, dict(response.headers), attempt, waited
        )
        response.close()
        if answer.status not in THROTTLE_STATUSES or attempt == MAX_TRIES:
            return answer
        wait = answer.back_off
        if wait is None or wait > timeout:
            return answer
        log.info("Graph answered %s; waiting %.1f s before trying again", answer.status, wait)
        if cancel is not None:
            cancel.sleep(wait)
        else:  # pragma: no cover - checks always pass a token
            import time

            time.sleep(wait)
        waited += wait
    return answer  # pragma: no cover - the loop always returns
