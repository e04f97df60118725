"""The HTTP transport every provider shares: one check's trust, the answer-size cap and proxies.

A provider builds no trust, cap or proxy logic of its own; it asks a `CheckTransport` (one per check, or per
enumeration / sign-in) for what its client library takes:

- `session()`: a `requests.Session` for this check. exchangelib's protocol sessions (`mount()` on the session
  exchangelib makes), a plain HTTP call (autodiscover, the auth-method probe), google-auth's token requests
  (`google.auth.transport.requests.Request(session)`) and MSAL's `http_client` all take one.
- `http(timeout)`: an `httplib2.Http` for googleapiclient, with the same trust and cap. httplib2 is not
  thread-safe: one per thread, never shared. That side lives in `providers/transport_httplib2.py`, imported
  on first use, so an Exchange or Graph check never loads httplib2 (docs/benchmarks.md, section 2).
- `context`: the `ssl.SSLContext` itself, for the `tls` step's own handshake (`net.handshake`), so the step
  and the later requests agree.

`close()` closes every session and httplib2 object the transport made, so no keep-alive connection outlives
the check.

**Trust** is per check, never process-wide: the operating system's certificate store (through `truststore`,
what browsers and Outlook trust, a company's TLS-inspection root included) plus the PEM file given with
`--ca-file`. Every https connection verifies with that context, directly or through a proxy, whatever
`verify` value `requests` derives from `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` (those variables neither
replace nor extend the check's trust), and no CA file is ever loaded into it afterwards. Nothing
process-wide changes: no environment variable, no default context, no library-wide adapter class.

**Answer size**: no answer a check reads may exceed `ANSWER_LIMIT` (a hostile server or middlebox must not
make the console allocate whatever it sends). `cap_answer(response)` enforces it on a `requests` response
(the announced `Content-Length` first, then the bytes actually decoded, chunked or not); httplib2 answers go
through `CappedResponse` and httplib2's decode limit. Beyond it, `AnswerTooLarge` is raised.

**Proxies** are the system's, as `requests` reads them (`HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`, else the
Windows Internet Options or the macOS network settings): sessions keep `trust_env`. httplib2 objects
(Google's APIs) get the same system proxy (`urllib.request.getproxies`, with `NO_PROXY` honoured) and
tunnel through it with PySocks, which httplib2 needs for any proxy. `proxy_for(url)` says which proxy
applies, `proxy_names(url)` gives the diagnosis names of a proxy refusal (`proxy_auth_required`: the proxy
without credentials and where it is set, `proxy_origin`).

This module never imports Qt and never prints.
"""

from __future__ import annotations

import logging
import os
import ssl
import sys
import threading
import urllib.request
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.utils

from ec_console.texts import say

if TYPE_CHECKING:
    from ec_console.providers.transport_httplib2 import TrustedHttp

log = logging.getLogger(__name__)

ANSWER_LIMIT = 16 * 1024 * 1024  # the most any one answer of a check may be (bytes, after decoding)


# --- trust -------------------------------------------------------------------------------------------------


def trust_context(ca_file: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """A client context trusting the OS certificate store plus `ca_file` (PEM), hostname checked, TLS 1.2+,
    for one check only."""
    try:
        import truststore

        context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except ImportError:  # pragma: no cover - truststore is a dependency; the stdlib store is the fallback
        context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        context.load_verify_locations(cafile=os.fspath(ca_file))
    return context


class TrustAdapter(requests.adapters.HTTPAdapter):
    """A `requests` adapter whose every https connection (direct or through a proxy) verifies with one SSL
    context, whatever `verify` says, and whose every answer is capped at `ANSWER_LIMIT`."""

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


class TrustMixin:
    """For a `requests.Session` subclass: `verify` is always True (the mounted `TrustAdapter`'s context is the
    trust), never the environment's CA bundle; the environment's proxy settings still apply."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)  # type: ignore[misc]
        settings["verify"] = True
        return settings


class TrustedSession(TrustMixin, requests.Session):
    """A `requests.Session` (see `TrustMixin`); `CheckTransport.session()` mounts its trust."""


# --- the transport of one check ----------------------------------------------------------------------------


class CheckTransport:
    """The network side of one check (or one enumeration, one sign-in): its trust, capped answers, proxies.

    Thread-safe: sessions and httplib2 objects may be asked for from several threads; each is used by one.
    """

    def __init__(self, ca_file: str | os.PathLike[str] | None = None) -> None:
        self.context = trust_context(ca_file)
        self._lock = threading.Lock()
        self._sessions: list[requests.Session] = []
        self._https: list[TrustedHttp] = []

    def adapter(self, *, pool_size: int = 1, block: bool = False) -> TrustAdapter:
        """A `requests` adapter with this check's trust and cap, no retries, `pool_size` connections per host
        (`block`: a request waits for a free one instead of opening more)."""
        return TrustAdapter(
            self.context, pool_connections=pool_size, pool_maxsize=pool_size, pool_block=block, max_retries=0
        )

    def mount(
        self, session: requests.Session, *prefixes: str, pool_size: int = 1, block: bool = False
    ) -> requests.Session:
        """Give `session` (made here or by a library) this check's trust and cap for http, https and any
        further URL `prefixes` a library mounted adapters of its own on. Returns `session`."""
        adapter = self.adapter(pool_size=pool_size, block=block)
        for prefix in ("https://", "http://", *prefixes):
            session.mount(prefix, adapter)
        return session

    def session(self, *, pool_size: int = 1) -> requests.Session:
        """A `requests.Session` for this check, closed with the transport."""
        session = self.mount(TrustedSession(), pool_size=pool_size)
        with self._lock:
            self._sessions.append(session)
        return session

    def http(self, timeout: float) -> TrustedHttp:
        """An `httplib2.Http` for googleapiclient (for the calling thread only), closed with the transport."""
        from ec_console.providers.transport_httplib2 import TrustedHttp

        http_ = TrustedHttp(self.context, timeout)
        with self._lock:
            self._https.append(http_)
        return http_

    def close(self) -> None:
        """Close every session and httplib2 object this transport made, and every connection they hold.

        Adapters mounted on a library's sessions (`mount()`) are closed with those sessions."""
        with self._lock:
            https, self._https = self._https, []
            sessions, self._sessions = self._sessions, []
        for item in [*https, *sessions]:
            try:
                item.close()
            except Exception:  # noqa: BLE001 - closing is best effort, never an error of the check
                log.debug("Closing a connection failed", exc_info=True)

    def __enter__(self) -> CheckTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- proxies -----------------------------------------------------------------------------------------------


def proxy_for(url: str) -> str | None:
    """The proxy the system settings choose for `url` (None when NO_PROXY or no proxy applies)."""
    proxies = requests.utils.get_environ_proxies(url)
    proxy = requests.utils.select_proxy(url, proxies)
    return proxy or None


def proxy_origin(url: str) -> str:
    """Where the proxy that `proxy_for(url)` chooses is set, in words an administrator can act on.

    requests asks urllib, whose `getproxies()` takes the `<scheme>_proxy` / `all_proxy` variables when the
    environment has any `*_proxy` variable (the lower-case one first), else the current user's Internet
    Settings in the Windows registry or the macOS network settings — never the WinHTTP proxy (`netsh
    winhttp`) nor a proxy auto-config script.
    """
    if urllib.request.getproxies_environment():
        scheme = urlsplit(url).scheme.lower()
        for wanted in (f"{scheme}_proxy", "all_proxy"):
            names = sorted((n for n in os.environ if n.lower() == wanted and os.environ[n]),
                           key=lambda n: n != wanted)
            if names:
                return say("the environment variable {name}", name=names[0])
        return say("the environment's *_proxy variables")
    if sys.platform == "win32":
        return say("the Windows Internet Options (the current user's proxy server, in the registry)")
    if sys.platform == "darwin":
        return say("the macOS network settings (System Settings, Network, Proxies)")
    return say("the system proxy settings")


def proxy_names(url: str) -> dict[str, str]:
    """The diagnosis names of the proxy used for `url` (`proxy` without credentials, `proxy_source`), or
    none when no proxy applies."""
    proxy = proxy_for(url)
    return {"proxy": redact_proxy(proxy), "proxy_source": proxy_origin(url)} if proxy else {}


def redact_proxy(proxy: str) -> str:
    """The proxy URL without any user name or password it carries."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}:{parts.port}" if parts.port else f"{parts.scheme}://{host}"


# --- answer size: requests ---------------------------------------------------------------------------------


def _size(size: int) -> str:
    megabyte = 1024 * 1024
    return f"{size // megabyte} MB" if size % megabyte == 0 else f"{size:,} bytes"


class AnswerTooLarge(requests.exceptions.RequestException):
    """The server sent (or announced) more than `ANSWER_LIMIT` bytes: reading stopped there."""

    def __init__(self, limit: int = ANSWER_LIMIT, announced: int | None = None) -> None:
        self.limit = limit
        self.announced = announced
        super().__init__(self.plain)

    @property
    def plain(self) -> str:
        """One line for a detail: what happened, without library vocabulary."""
        return say("the server sent more than {size}", size=_size(self.limit))


def announced_length(value: str | None) -> int | None:
    """A `Content-Length` header as a number of bytes, or None when absent or unreadable."""
    if value is None:
        return None
    text = value.split(",")[0].strip()  # a repeated header arrives joined with commas
    return int(text) if text.isdigit() else None


def cap_answer(response: requests.Response, limit: int = ANSWER_LIMIT) -> requests.Response:
    """Refuse `response` when it announces more than `limit` bytes; otherwise make reading past it raise.

    Called by an adapter's `send` before `requests` reads the body: an oversized announcement closes the
    connection unread; an answer without a length (chunked, or read to the close) is counted as it is
    decoded, and the read that would pass `limit` raises `AnswerTooLarge` instead of returning data.
    """
    length = announced_length(response.headers.get("Content-Length"))
    if length is not None and length > limit:
        response.close()
        raise AnswerTooLarge(limit, length)
    raw = response.raw
    if raw is not None and callable(getattr(type(raw), "stream", None)):
        raw.stream = _capped_stream(raw, limit)
    return response


def _capped_stream(raw: Any, limit: int) -> Any:
    """`raw.stream` that raises past `limit`. It holds `raw` weakly: the response must not keep itself
    alive through its own attribute (a cycle would hold its connection until a garbage collection)."""
    owner = weakref.ref(raw)
    stream = type(raw).stream

    def capped(*args: Any, **kwargs: Any) -> Iterator[bytes]:
        current = owner()
        if current is None:  # pragma: no cover - the response is gone, so nothing reads it
            return
        total = 0
        for chunk in stream(current, *args, **kwargs):
            total += len(chunk)
            if total > limit:
                current.close()  # the rest stays unread: the connection cannot be reused
                raise AnswerTooLarge(limit)
            yield chunk

    return capped


class AnswerCut(requests.exceptions.ChunkedEncodingError):
    """An answer began, then the connection broke (reset or closed) before its body was complete."""


# --- httplib2 (googleapiclient): `providers/transport_httplib2.py` ------------------------------------------
# Imported on first use (`CheckTransport.http`, or a name below asked of this module): httplib2 and the
# pyparsing it imports cost 35-55 ms of CPU that an Exchange or Graph check does not need.

_HTTPLIB2_NAMES = ("CappedResponse", "TrustedHttp")


def __getattr__(name: str) -> Any:
    if name in _HTTPLIB2_NAMES:
        from ec_console.providers import transport_httplib2

        return getattr(transport_httplib2, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
