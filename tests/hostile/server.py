"""A hostile HTTP(S) server and an HTTP proxy that demands authentication, both on 127.0.0.1 only.

`HostileServer(answer)` accepts connections on an ephemeral loopback port (TLS when given a server
context), reads each request (head and body) and hands it to `answer(request, conn)`, a function that writes
whatever bytes it likes to the socket — a well-formed answer, half of one, a reset, 100 MB, or nothing at
all. The behaviours below are ready-made `answer` functions. `stop()` closes every socket and joins every
thread it started, so a test that uses it as a context manager leaves no thread behind.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"
MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024


@dataclass
class Request:
    """One request as the hostile server read it."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes
    number: int  # 1-based, across all connections

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class Closed(Exception):
    """The behaviour closed (or reset) the connection: stop serving it."""


@dataclass
class Conn:
    """The connection a behaviour writes to, with the server's stop event to wait on."""

    sock: socket.socket
    stop: threading.Event
    closed: bool = False

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            raise Closed() from None

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing middlebox does."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:  # closing an SSLSocket sends no close_notify: the peer sees the bare reset
            self.sock.close()
        except OSError:
            pass
        self.closed = True
        raise Closed()


Answer = Callable[[Request, Conn], None]


@dataclass
class HostileServer:
    """A loopback server whose every answer is `answer(request, conn)`; a context manager."""

    answer: Answer
    tls: ssl.SSLContext | None = None
    requests: list[Request] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._socks: set[socket.socket] = set()
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.1)
        self._accept = threading.Thread(target=self._accept_loop, name="hostile-accept", daemon=True)

    # -- life cycle --------------------------------------------------------------------------------------
    def start(self) -> HostileServer:
        self._accept.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._accept.join(5)
        with self._lock:
            socks, threads = list(self._socks), list(self._threads)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
        for thread in threads:
            thread.join(5)
        self._listener.close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def address(self) -> tuple[str, int]:
        return self._listener.getsockname()[:2]

    def wait_until_clients_close(self, seconds: float = 5.0) -> bool:
        """True once every connection accepted so far has been closed by its client (its thread ended)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(seconds)
        return not any(thread.is_alive() for thread in threads)

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}{path}"

    # -- serving -----------------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._socks.add(sock)
                thread = threading.Thread(target=self._serve, args=(sock,), name="hostile-conn", daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        try:
            if self.tls is not None:
                sock.settimeout(5)
                try:
                    tls_sock = self.tls.wrap_socket(sock, server_side=True)
                except (OSError, ssl.SSLError):
                    return
                with self._lock:
                    self._socks.add(tls_sock)
                sock = tls_sock
                sock.settimeout(0.2)
            conn = Conn(sock, self._stop)
            buffer = b""
            while not self._stop.is_set():
                request, buffer = self._read_request(sock, buffer)
                if request is None:
                    return
                with self._lock:
                    request.number = len(self.requests) + 1
                    self.requests.append(request)
                try:
                    self.answer(request, conn)
                except Closed:
                    return
                if conn.closed:
                    return
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _recv(self, sock: socket.socket) -> bytes | None:
        while not self._stop.is_set():
            try:
                return sock.recv(65536)
            except TimeoutError:
                continue
            except (OSError, ssl.SSLError):
                return None
        return None

    def _read_request(self, sock: socket.socket, buffer: bytes) -> tuple[Request | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            chunk = self._recv(sock)
            if not chunk:
                return None, b""
            buffer += chunk
            if len(buffer) > MAX_HEAD:
                return None, b""
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return None, b""
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body, rest = self._read_chunked(sock, rest)
            if body is None:
                return None, b""
        else:
            while len(rest) < min(length, MAX_BODY):
                chunk = self._recv(sock)
                if not chunk:
                    return None, b""
                rest += chunk
            body, rest = rest[:length], rest[length:]
        return Request(parts[0], parts[1], parts[2], headers, body, 0), rest

    def _read_chunked(self, sock: socket.socket, rest: bytes) -> tuple[bytes | None, bytes]:
        body = b""
        while True:
            while b"\r\n" not in rest:
                chunk = self._recv(sock)
                if not chunk:
                    return None, b""
                rest += chunk
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            while len(rest) < size + 2:
                chunk = self._recv(sock)
                if not chunk:
                    return None, b""
                rest += chunk
            body, rest = body + rest[:size], rest[size + 2 :]
            if size == 0:
                return body, rest
            if len(body) > MAX_BODY:
                return None, b""


# --- ready-made answers ---------------------------------------------------------------------------------


def http_answer(
    status: int,
    body: bytes = b"",
    *,
    reason: str = "",
    content_type: str | None = "text/plain; charset=utf-8",
    headers: dict[str, str] | None = None,
    close: bool = False,
) -> bytes:
    """A complete HTTP/1.1 answer as bytes."""
    lines = [f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Answer')}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


_REASONS = {
    200: "OK",
    302: "Found",
    401: "Unauthorized",
    403: "Forbidden",
    407: "Proxy Authentication Required",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# What an IIS in front of Exchange offers, so a Basic-auth check goes on to send its SOAP requests.
EWS_AUTH_HEADERS = {"WWW-Authenticate": 'Basic realm="127.0.0.1"'}


def fixed(status: int, body: bytes, **kwargs: object) -> Answer:
    """The same answer to every request."""
    raw = http_answer(status, body, **kwargs)  # type: ignore[arg-type]

    def answer(_request: Request, conn: Conn) -> None:
        conn.send(raw)

    return answer


def never_answer(_request: Request, conn: Conn) -> None:
    """Read the request, then hold the connection open and say nothing until the server stops."""
    conn.stop.wait()
    raise Closed()


def reset_mid_answer(prefix: bytes) -> Answer:
    """Send the first part of an answer (headers promising more), then reset the connection."""

    def answer(_request: Request, conn: Conn) -> None:
        conn.send(prefix)
        conn.reset()

    return answer


def huge_body(
    total: int,
    *,
    content_type: str = "text/xml; charset=utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
    chunk: bytes | None = None,
    sent: list[int] | None = None,
) -> Answer:
    """Stream `total` bytes of body (Content-Length given); stop as soon as the client hangs up.

    `sent` (a one-item list) receives how many body bytes actually left.
    """
    piece = chunk or (b"<x>" + b"A" * 65530 + b"</x>")

    def answer(_request: Request, conn: Conn) -> None:
        head = [f"HTTP/1.1 {status} OK", f"Content-Type: {content_type}", f"Content-Length: {total}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        conn.send(("\r\n".join(head) + "\r\n\r\n").encode())
        left = total
        try:
            while left > 0 and not conn.stop.is_set():
                part = piece[: min(len(piece), left)]
                conn.send(part)
                left -= len(part)
        finally:
            if sent is not None:
                sent[0] = total - left
        raise Closed()

    return answer


def huge_chunked(total: int, *, content_type: str = "application/json", status: int = 200) -> Answer:
    """Stream `total` bytes as a chunked answer (no Content-Length); stop as soon as the client hangs up."""
    piece = b"A" * 65536

    def answer(_request: Request, conn: Conn) -> None:
        head = f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
        conn.send(head.encode())
        left = total
        while left > 0 and not conn.stop.is_set():
            part = piece[: min(len(piece), left)]
            conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
            left -= len(part)
        conn.send(b"0\r\n\r\n")

    return answer


def compressed(body: bytes, *, content_type: str = "application/json", status: int = 200) -> Answer:
    """`body` gzip-compressed, sent with `Content-Encoding: gzip` (whether or not the client asked)."""
    import gzip

    packed = gzip.compress(body, compresslevel=9)
    raw = http_answer(status, packed, content_type=content_type, headers={"Content-Encoding": "gzip"})

    def answer(_request: Request, conn: Conn) -> None:
        conn.send(raw)

    return answer


def cut_mid_answer(prefix: bytes) -> Answer:
    """Send the first part of an answer (headers promising more), then close the connection cleanly."""

    def answer(_request: Request, conn: Conn) -> None:
        conn.send(prefix)
        raise Closed()

    return answer


def redirect_loop(path_a: str = "/loop/a", path_b: str = "/loop/b") -> Answer:
    """Every request is redirected to the other of two paths (302), forever."""

    def answer(request: Request, conn: Conn) -> None:
        target = path_b if request.target.startswith(path_a) else path_a
        conn.send(http_answer(302, b"", headers={"Location": target, **EWS_AUTH_HEADERS}))

    return answer


def per_request(*answers: Answer) -> Answer:
    """The n-th request gets the n-th answer; later requests get the last one."""

    def answer(request: Request, conn: Conn) -> None:
        answers[min(request.number, len(answers)) - 1](request, conn)

    return answer


def by_path(table: dict[str, Answer], default: Answer) -> Answer:
    """The answer of the first prefix of `table` the request's path starts with."""

    def answer(request: Request, conn: Conn) -> None:
        path = request.target.split("?", 1)[0]
        for prefix, chosen in table.items():
            if path.startswith(prefix):
                chosen(request, conn)
                return
        default(request, conn)

    return answer


# --- a proxy that wants credentials ------------------------------------------------------------------------


def proxy_407(_request: Request, conn: Conn) -> None:
    """An authenticating proxy without credentials: 407 to CONNECT and to every plain request."""
    conn.send(
        http_answer(
            407,
            b"<html><body>Proxy authentication required</body></html>",
            content_type="text/html",
            headers={"Proxy-Authenticate": 'Basic realm="corp-proxy"'},
            close=True,
        )
    )
    raise Closed()


def proxy_server() -> HostileServer:
    """A fake corporate proxy on 127.0.0.1 answering 407 (use it as HTTPS_PROXY / HTTP_PROXY)."""
    return HostileServer(proxy_407)
