"""A small, reusable threaded HTTP(S) server for the sandbox: routes, a request log, latency and silence.

- Binds to 127.0.0.1 on an ephemeral port, never to all interfaces.
- HTTP/1.1 with keep-alive: NTLM authenticates a *connection*, so each connection keeps its own state
  (`Request.connection`), which lives as long as the client keeps the socket open.
- TLS (optional) is negotiated in the connection's own thread, so a client that refuses the certificate (or
  never speaks) cannot stall the accept loop; such failures are recorded in `tls_failures`.
- Every request is recorded (`RequestLog`) with credentials redacted: the `Authorization` family of headers
  keep only their scheme, cookies are dropped, and a route may redact its body (the token endpoint drops
  `client_secret`).
- `latency` adds a delay before every answer; `silent` accepts connections and reads requests but never
  answers (for timeout tests). Both wait on the stop event, so `stop()` is always prompt.
- `faults` (a `Faults`) breaks a random share of answers, drawn from a seeded generator: the connection is
  reset half-way through the answer, the answer is replaced by a bare 503, or nothing is ever answered.
  The request log notes which (`notes["fault"]`).
- `stop()` closes the listening socket, shuts down every open connection and joins every thread it started.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import random
import re
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
MAX_BODY_BYTES = 8 * 1024 * 1024
_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization"}
_DROPPED_HEADERS = {"cookie", "set-cookie"}
_connection_ids = itertools.count(1)


def redact_header(name: str, value: str) -> str:
    """What the log keeps of a header: the scheme only for credentials, nothing for cookies."""
    lower = name.lower()
    if lower in _CREDENTIAL_HEADERS:
        scheme = value.split(" ", 1)[0] if value else ""
        return f"{scheme} [redacted]".strip()
    if lower in _DROPPED_HEADERS:
        return "[redacted]"
    return value


@dataclass
class RecordedRequest:
    """One request as the server received it (credentials redacted), plus what the route noted about it."""

    at: dt.datetime
    server: str
    connection_id: int
    method: str
    path: str
    query: dict[str, list[str]]
    headers: list[tuple[str, str]]
    body: bytes
    status: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class RequestLog:
    """A thread-safe, append-only list of `RecordedRequest`s that tests query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def all(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.all())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def find(
        self, *, server: str | None = None, method: str | None = None, path: str | None = None, **notes: Any
    ) -> list[RecordedRequest]:
        """Requests matching every criterion given; other keywords match `notes` (operation="FindItem")."""
        found = []
        for item in self.all():
            if server is not None and item.server != server:
                continue
            if method is not None and item.method != method.upper():
                continue
            if path is not None and item.path.lower() != path.lower():
                continue
            if any(item.notes.get(key) != value for key, value in notes.items()):
                continue
            found.append(item)
        return found


@dataclass
class Request:
    """What a route handler receives."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Any  # email.message.Message: case-insensitive .get(), .get_all()
    body: bytes
    client_address: tuple[str, int]
    secure: bool
    connection: dict[str, Any]  # per-connection state (NTLM context, authenticated user ...)
    params: dict[str, str]  # named groups of the route's pattern
    record: RecordedRequest  # the log entry: a route may add notes

    def header(self, name: str, default: str = "") -> str:
        value = self.headers.get(name)
        return default if value is None else str(value)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False

    @classmethod
    def text(
        cls,
        status: int,
        text: str,
        content_type: str = "text/plain; charset=utf-8",
        headers: list[tuple[str, str]] | None = None,
    ) -> Response:
        return cls(status, text.encode("utf-8"), [("Content-Type", content_type), *(headers or [])])


FAULT_KINDS = ("reset", "unavailable", "silent", "drop")
_UNAVAILABLE_BODY = (
    "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
    "<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n"
    "<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n"
    "<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n"
    "</BODY></HTML>\r\n"
)


class Faults:
    """Breaks a share `rate` of the answers a server gives, in the ways `kinds` names (`FAULT_KINDS`):

    - `reset`: the status line, the headers (with the full Content-Length) and half of the body are sent,
      then the connection is aborted with a TCP reset, as a crashing load balancer does;
    - `unavailable`: a bare HTTP 503 from the web server (IIS's "Service Unavailable" page, no SOAP);
    - `silent`: the request is read and never answered (until the server stops);
    - `drop`: the request is read, then the connection is aborted with a TCP reset before any answer (an
      idle-timeout on a load balancer, a crashing front end).

    The default kinds are the first three; `drop` is asked for by name.

    Which answers break is drawn from `random.Random(seed)`, one draw per answer in the order the server
    gives them: the same seed and the same order of requests break the same answers. `limit`, when given,
    stops after that many faults (`Faults(1.0, kinds=("reset",), limit=1)` breaks exactly the next answer).
    `only`, when given, is asked about each request (a `RecordedRequest`, with the route's notes such as
    `operation`): answers it refuses are never broken and take no draw. `injected` counts the faults of
    each kind so far.
    """

    def __init__(self, rate: float, *, seed: int = 0, kinds: tuple[str, ...] = FAULT_KINDS[:3],
                 limit: int | None = None, only: Callable[[RecordedRequest], bool] | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {rate!r}")
        unknown = sorted(set(kinds) - set(FAULT_KINDS))
        if unknown or not kinds:
            raise ValueError(f"fault kinds must be some of {', '.join(FAULT_KINDS)}, not {kinds!r}")
        if limit is not None and limit < 0:
            raise ValueError(f"fault limit must be 0 or more, not {limit!r}")
        self.rate = rate
        self.kinds = tuple(kinds)
        self.limit = limit
        self.only = only
        self.injected: dict[str, int] = dict.fromkeys(self.kinds, 0)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self, request: RecordedRequest | None = None) -> str | None:
        """The fault for the answer to `request`, or None (two draws each time: the sequence stays stable)."""
        if self.only is not None and (request is None or not self.only(request)):
            return None
        with self._lock:
            roll, pick = self._rng.random(), self._rng.randrange(len(self.kinds))
            if roll >= self.rate or (self.limit is not None and self.total >= self.limit):
                return None
            kind = self.kinds[pick]
            self.injected[kind] += 1
            return kind

    @property
    def total(self) -> int:
        """Faults injected so far, of every kind."""
        return sum(self.injected.values())


Handler = Callable[[Request], Response]
BodyRedactor = Callable[[bytes], bytes]


@dataclass(frozen=True)
class _Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler
    redact_body: BodyRedactor | None


class _ThreadingServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = False

    def __init__(self, owner: SandboxHTTPServer) -> None:
        self.owner = owner
        super().__init__((LOOPBACK, 0), _RequestHandler)

    def finish_request(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        conn: socket.socket = request
        if self.owner.tls_context is not None:
            request.settimeout(10)
            try:
                conn = self.owner.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.owner.tls_failures.append(f"{type(exc).__name__}: {exc}")
                log.debug("%s: TLS handshake with %s failed: %s", self.owner.name, client_address, exc)
                return
            conn.settimeout(None)
        self.owner.track(conn, True)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            self.owner.track(conn, False)
            if conn is not request:
                try:
                    conn.close()
                except OSError:
                    pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug(
            "%s: connection from %s ended with an error", self.owner.name, client_address, exc_info=True
        )


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    # Answer at once: with Nagle on, a small answer waits for the client's delayed ACK (~40 ms a request),
    # a delay real Exchange does not add and that would swamp latency measurements.
    disable_nagle_algorithm = True
    timeout = 120  # an idle keep-alive connection is dropped after this many seconds
    server: _ThreadingServer

    def setup(self) -> None:
        super().setup()
        self.connection_state: dict[str, Any] = {"id": next(_connection_ids)}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        log.debug("%s: %s", self.server.owner.name, format % args)

    def version_string(self) -> str:
        return self.server_version

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).strip()
            try:
                size = int(line.split(b";", 1)[0], 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _dispatch(self) -> None:
        self.server.owner.handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


class SandboxHTTPServer:
    """One listening socket on 127.0.0.1 with its routes. Start it, use `url`, stop it."""

    def __init__(
        self, name: str, *, tls_context: ssl.SSLContext | None = None, request_log: RequestLog | None = None
    ) -> None:
        self.name = name
        self.tls_context = tls_context
        self.requests = request_log if request_log is not None else RequestLog()
        self.latency: float = 0.0
        self.silent: bool = False
        self.faults: Faults | None = None
        self.tls_failures: list[str] = []
        self._routes: list[_Route] = []
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    # -- configuration ----------------------------------------------------------------------------
    def route(
        self,
        methods: str | tuple[str, ...],
        path: str | re.Pattern[str],
        handler: Handler,
        *,
        redact_body: BodyRedactor | None = None,
    ) -> None:
        """Serve `path` (an exact path, case-insensitive, or a compiled pattern matched in full)."""
        names = (methods,) if isinstance(methods, str) else methods
        pattern = path if isinstance(path, re.Pattern) else re.compile(re.escape(path), re.IGNORECASE)
        self._routes.append(_Route(frozenset(m.upper() for m in names), pattern, handler, redact_body))

    # -- life cycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_context is not None else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SandboxHTTPServer:
        if self._server is not None:
            raise RuntimeError(f"{self.name} server already started")
        self._stopping.clear()
        self._server = _ThreadingServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sandbox-{self.name}",
            daemon=False,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._open_lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()  # joins the connection threads (block_on_close)
        if thread is not None:
            thread.join()
        self._server, self._thread = None, None

    def __enter__(self) -> SandboxHTTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def track(self, sock: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(sock)
            else:
                self._open.discard(sock)

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when the server is stopping meanwhile."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    # -- request handling -------------------------------------------------------------------------
    def _find_route(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        path_known = False
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            path_known = True
            if method in route.methods:
                return route, match.groupdict(), True
        return None, {}, path_known

    def handle(self, rh: _RequestHandler) -> None:
        split = urlsplit(rh.path)
        method = rh.command.upper()
        route, params, path_known = self._find_route(method, split.path)
        body = rh._read_body()
        record = RecordedRequest(
            at=dt.datetime.now(dt.UTC),
            server=self.name,
            connection_id=rh.connection_state["id"],
            method=method,
            path=split.path,
            query=parse_qs(split.query),
            headers=[(k, redact_header(k, v)) for k, v in rh.headers.items()],
            body=b"" if body is None else (route.redact_body(body) if route and route.redact_body else body),
        )
        self.requests.append(record)
        if self.silent:
            self.wait(3600)
            rh.close_connection = True
            return
        if self.wait(self.latency):
            rh.close_connection = True
            return
        if body is None:
            response = Response.text(400, "Bad Request: unreadable or oversized body")
            response.close = True
        elif route is None:
            response = Response.text(
                405 if path_known else 404, "Method Not Allowed" if path_known else "Not Found"
            )
        else:
            request = Request(
                method=method,
                path=split.path,
                query=record.query,
                headers=rh.headers,
                body=body,
                client_address=rh.client_address,
                secure=self.tls_context is not None,
                connection=rh.connection_state,
                params=params,
                record=record,
            )
            try:
                response = route.handler(request)
            except Exception:  # the client sees a 500, the log keeps the detail
                log.exception("%s: handler for %s %s failed", self.name, method, split.path)
                response = Response.text(500, "Internal Server Error")
        fault = self.faults.draw(record) if self.faults is not None else None
        if fault is not None:
            record.notes["fault"] = fault
            if fault == "unavailable":
                response = Response.text(503, _UNAVAILABLE_BODY, "text/html; charset=us-ascii")
            elif fault == "silent":
                self.wait(3600)
                rh.close_connection = True
                return
            elif fault == "drop":
                self._abort(rh)
                return
            else:
                self._reset_mid_answer(rh, response)
                return
        record.status = response.status
        self._write(rh, response, head_only=method == "HEAD")

    def _reset_mid_answer(self, rh: _RequestHandler, response: Response) -> None:
        """Send the headers and half of the body of `response`, then abort the connection (TCP RST)."""
        rh.close_connection = True
        body = response.body or b"<>"
        try:
            rh.send_response(response.status)
            for key, value in response.headers:
                if key.lower() != "content-length":
                    rh.send_header(key, value)
            rh.send_header("Content-Length", str(len(body)))
            rh.end_headers()
            rh.wfile.write(body[: len(body) // 2])
            rh.wfile.flush()
            # Let the half answer reach the client before the reset (a reset can discard data the client
            # has not read yet, which would make this a different fault: no answer at all).
            socket.socket.shutdown(rh.connection, socket.SHUT_WR)
            self.wait(0.2)
        except OSError:
            pass
        self._abort(rh)

    @staticmethod
    def _abort(rh: _RequestHandler) -> None:
        """Abort the connection with a TCP reset (SO_LINGER 0; no TLS close_notify)."""
        rh.close_connection = True
        try:
            rh.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socket.socket.close(rh.connection)
        except OSError:
            pass

    @staticmethod
    def _write(rh: _RequestHandler, response: Response, *, head_only: bool) -> None:
        rh.send_response(response.status)
        names = {k.lower() for k, _ in response.headers}
        for key, value in response.headers:
            rh.send_header(key, value)
        if "content-length" not in names:
            rh.send_header("Content-Length", str(len(response.body)))
        if response.close:
            rh.send_header("Connection", "close")
            rh.close_connection = True
        rh.end_headers()
        if not head_only and response.body:
            rh.wfile.write(response.body)
        rh.wfile.flush()
