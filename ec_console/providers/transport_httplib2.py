"""The shared transport's httplib2 side (googleapiclient): capped answers, the check's trust, system proxies.

Part of `providers/transport.py` (see its module doc: trust, answer size, proxies), kept apart so that only
a check that uses httplib2 (Google's APIs) imports it: `CheckTransport.http()` and the names
`transport.TrustedHttp` / `transport.CappedResponse` load this module on first use.

This module never imports Qt and never prints.
"""

from __future__ import annotations

import http.client
import ssl
import urllib.request
import zlib
from typing import Any

import httplib2
from httplib2.decode import DecodeLimitError, DecodeRatioError

from ec_console.providers.transport import ANSWER_LIMIT, AnswerCut, AnswerTooLarge

# --- answer size and trust: httplib2 (googleapiclient) ------------------------------------------------------


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


def _system_proxy_info(method: str) -> httplib2.ProxyInfo | None:
    """httplib2's proxy for `method` ("http" / "https"): the system's, as `requests` finds it (environment
    variables, else the Windows Internet Options or the macOS network settings), `NO_PROXY` honoured."""
    url = urllib.request.getproxies().get(method)
    return httplib2.proxy_info_from_url(url, method) if url else None


class TrustedHttp(httplib2.Http):
    """An `httplib2.Http` with bounded waits and capped answers whose HTTPS connections trust `context`
    (see module doc), through the system's proxy like the `requests` sessions.

    Not thread-safe (no httplib2 object is): create one per thread.
    """

    def __init__(self, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(timeout=timeout, decode_limit_hard=ANSWER_LIMIT, proxy_info=_system_proxy_info)
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
