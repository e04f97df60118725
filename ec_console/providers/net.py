"""Network probes a connectivity check runs itself: name resolution, TCP, TLS — with the stdlib only.

The providers do these three steps here rather than through their HTTP client so each failure can be told
apart precisely (a name that does not resolve, a refused port, a silent server, a certificate that is
untrusted, issued for another name or expired) and so the certificate's details can be shown.

The `tls` step verifies with the check's own context (`transport.CheckTransport.context`: the operating
system's store plus `--ca-file`), the one its HTTP requests use too, so the step and the later requests agree.

The system proxy (`HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`, as `requests` reads them; `transport.proxy_for`)
is honoured: the TCP step then connects to the proxy and asks it for a tunnel (`CONNECT`); a 407 answer is
reported as such, with where the proxy is set (`transport.proxy_origin`).

Every failure is raised as `ProbeError` with a diagnosis code and the names its fix needs; nothing here
prints or logs a secret.
"""

from __future__ import annotations

import datetime as dt
import errno
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ec_console.providers.transport import proxy_origin, redact_proxy
from ec_console.texts import say
from ec_console.validation import is_loopback_host

DEFAULT_PORTS = {"https": 443, "http": 80}
_MAX_PROXY_ANSWER = 64 * 1024
# OpenSSL's X509_V_ERR_* codes that say what is wrong with a certificate.
_X509_EXPIRED = {9, 10}  # not yet valid, expired
_X509_NAME_MISMATCH = {62, 64}  # hostname mismatch, IP address mismatch


class ProbeError(Exception):
    """A probe failed for a reason the check can name: `code` is a diagnosis code, `names` fill its fix."""

    def __init__(
        self, code: str, detail: str, names: dict[str, Any] | None = None, data: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.names = dict(names or {})
        self.data = dict(data or {})


@dataclass(frozen=True)
class Target:
    """Where a check connects: scheme, host and port of a URL."""

    url: str
    scheme: str
    host: str
    port: int

    @classmethod
    def from_url(cls, url: str) -> Target:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        if scheme not in DEFAULT_PORTS or not host:
            raise ValueError(f"not an http(s) URL with a host: {url!r}")
        return cls(url=url, scheme=scheme, host=host, port=parts.port or DEFAULT_PORTS[scheme])

    @property
    def is_https(self) -> bool:
        return self.scheme == "https"

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for `localhost`, `*.localhost` and the loopback addresses (127.0.0.0/8, ::1)."""
    return is_loopback_host(host)


# --- DNS ---------------------------------------------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (IPv4 and IPv6, in resolver order, without duplicates)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ProbeError(
            "dns_unresolved",
            say("{host} does not resolve: {error}", host=host, error=_os_error_text(exc)),
            {"host": host, "error": _os_error_text(exc)},
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise ProbeError(
            "dns_unresolved", say("{host} resolves to no address", host=host),
            {"host": host, "error": "no address"}
        )
    return addresses


# --- TCP ---------------------------------------------------------------------------------------------------


@dataclass
class Connection:
    """An open TCP connection to the target (directly or through a proxy tunnel)."""

    sock: socket.socket
    address: str
    proxy: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def connect(target: Target, addresses: list[str], timeout: float, proxy: str | None = None) -> Connection:
    """Open a TCP connection to the first address that accepts one, or a tunnel through `proxy`."""
    if proxy:
        return _connect_through_proxy(target, proxy, timeout)
    errors: list[str] = []  # each address's failure (shown in the reader's language when it is one address)
    timed_out = False
    for address in addresses:
        try:
            sock = socket.create_connection((address, target.port), timeout=timeout)
        except TimeoutError:
            timed_out = True
            errors.append(say("{address}: no answer", address=address))
            continue
        except OSError as exc:
            errors.append(f"{address}: {_os_error_text(exc)}")
            continue
        sock.settimeout(timeout)
        return Connection(sock=sock, address=address)
    names = {"host": target.host, "port": target.port, "error": "; ".join(errors), "timeout": timeout}
    if timed_out and len(errors) == len(addresses) and all("no answer" in e for e in errors):
        raise ProbeError(
            "timeout", say("{host}:{port} did not accept a connection within {seconds} s", host=target.host,
                           port=target.port, seconds=format(timeout, "g")), names
        )
    failures = errors[0] if len(errors) == 1 else "; ".join(errors)
    raise ProbeError(
        "tcp_unreachable", say("No connection to {host}:{port}: {error}", host=target.host, port=target.port,
                               error=failures), names
    )


def _connect_through_proxy(target: Target, proxy: str, timeout: float) -> Connection:
    shown = redact_proxy(proxy)
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    proxy_host, proxy_port = parts.hostname or "", parts.port or 8080
    names = {"host": target.host, "port": target.port, "proxy": shown, "timeout": timeout,
             "proxy_source": proxy_origin(target.url)}
    try:
        sock = socket.create_connection((proxy_host, proxy_port), timeout=timeout)
    except TimeoutError:
        raise ProbeError(
            "timeout",
            say("The proxy {proxy} did not accept a connection within {seconds} s", proxy=shown,
                seconds=format(timeout, "g")),
            {**names, "host": proxy_host, "port": proxy_port},
        ) from None
    except OSError as exc:
        code = "dns_unresolved" if isinstance(exc, socket.gaierror) else "tcp_unreachable"
        raise ProbeError(
            code,
            say("No connection to the proxy {proxy}: {error}", proxy=shown, error=_os_error_text(exc)),
            {**names, "host": proxy_host, "port": proxy_port, "error": _os_error_text(exc)},
        ) from None
    sock.settimeout(timeout)
    if target.scheme == "http":
        # Plain http goes through the proxy as ordinary requests; the connection to it is what we can test.
        return Connection(sock=sock, address=f"{proxy_host}:{proxy_port}", proxy=shown)
    request = (
        f"CONNECT {target.host}:{target.port} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
        "User-Agent: ec-console\r\n\r\n"
    ).encode("ascii")
    try:
        sock.sendall(request)
        status_line, answer = _read_proxy_answer(sock)
    except TimeoutError:
        sock.close()
        raise ProbeError("timeout", say("The proxy {proxy} did not answer within {seconds} s", proxy=shown,
                                        seconds=format(timeout, "g")), names) from None
    except OSError as exc:
        sock.close()
        raise ProbeError(
            "tcp_unreachable",
            say("The proxy {proxy} dropped the connection: {error}", proxy=shown, error=_os_error_text(exc)),
            {**names, "error": _os_error_text(exc)},
        ) from None
    status = _status_code(status_line)
    if status == 407:
        sock.close()
        raise ProbeError("proxy_auth_required", say("The proxy {proxy} demands authentication (HTTP 407)",
                                                    proxy=shown), names)
    if status != 200:
        sock.close()
        raise ProbeError(
            "tcp_unreachable",
            say("The proxy {proxy} refused a tunnel to {host}:{port}: {answer}", proxy=shown,
                host=target.host, port=target.port, answer=status_line),
            {**names, "error": status_line},
        )
    del answer
    return Connection(sock=sock, address=f"{proxy_host}:{proxy_port}", proxy=shown)


def _read_proxy_answer(sock: socket.socket) -> tuple[str, bytes]:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buffer += chunk
        if len(buffer) > _MAX_PROXY_ANSWER:
            break
    head = buffer.split(b"\r\n", 1)[0].decode("latin-1", "replace").strip()
    return head, buffer


def _status_code(status_line: str) -> int:
    parts = status_line.split()
    try:
        return int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return 0


# --- TLS ---------------------------------------------------------------------------------------------------


def handshake(
    connection: Connection, target: Target, context: ssl.SSLContext, timeout: float
) -> dict[str, Any]:
    """Negotiate TLS on `connection`, verify the server's certificate and return its details."""
    names: dict[str, Any] = {"host": target.host, "port": target.port, "timeout": timeout}
    connection.sock.settimeout(timeout)
    try:
        tls = context.wrap_socket(connection.sock, server_hostname=target.host)
    except ssl.SSLCertVerificationError as exc:
        raise _verification_error(exc, target, connection, timeout) from None
    except TimeoutError:
        raise ProbeError(
            "timeout",
            say("{host}:{port} did not complete the TLS handshake within {seconds} s", host=target.host,
                port=target.port, seconds=format(timeout, "g")),
            names,
        ) from None
    except (ssl.SSLError, OSError) as exc:
        text = _os_error_text(exc)
        raise ProbeError(
            "server_error",
            say("The TLS handshake with {host}:{port} failed: {error}", host=target.host, port=target.port,
                error=text),
            {**names, "error": text},
        ) from None
    try:
        der = tls.getpeercert(binary_form=True) or b""
        info = certificate_info(der)
        info["protocol"] = tls.version()
        cipher = tls.cipher()
        if cipher:
            info["cipher"] = cipher[0]
        return info
    finally:
        try:
            tls.close()
        except OSError:
            pass


def _verification_error(
    exc: ssl.SSLCertVerificationError, target: Target, connection: Connection, timeout: float
) -> ProbeError:
    reason = getattr(exc, "verify_message", "") or _os_error_text(exc)
    code_number = getattr(exc, "verify_code", None)
    info: dict[str, Any] = {}
    try:
        der = fetch_certificate(target, timeout, connection.proxy)
        info = certificate_info(der)
    except (OSError, ssl.SSLError, ValueError):
        pass
    code = classify_certificate_failure(code_number, info, target.host)
    names = {
        "host": target.host,
        "port": target.port,
        "error": reason,
        "cert_subject": info.get("subject"),
        "cert_issuer": info.get("issuer"),
        "cert_names": info.get("names"),
        "cert_not_before": info.get("not_before"),
        "cert_not_after": info.get("not_after"),
    }
    return ProbeError(
        code,
        say("The certificate of {host} was refused: {error}", host=target.host, error=reason),
        names,
        {"certificate": info, "verify_error": reason},
    )


def classify_certificate_failure(
    verify_code: int | None, info: dict[str, Any], host: str, now: dt.datetime | None = None
) -> str:
    """`tls_expired`, `tls_name_mismatch` or `tls_untrusted` for a certificate verification failure."""
    if verify_code in _X509_EXPIRED:
        return "tls_expired"
    if verify_code in _X509_NAME_MISMATCH:
        return "tls_name_mismatch"
    now = now or dt.datetime.now(dt.UTC)
    not_before, not_after = info.get("not_before"), info.get("not_after")
    if not_before and not_after:
        start = dt.datetime.fromisoformat(not_before.replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(not_after.replace("Z", "+00:00"))
        if not start <= now <= end:
            return "tls_expired"
    if info.get("names") is not None and not hostname_matches(host, info["names"]):
        return "tls_name_mismatch"
    return "tls_untrusted"


def fetch_certificate(target: Target, timeout: float, proxy: str | None = None) -> bytes:
    """The server's certificate (DER) without verifying it: only to describe what was refused."""
    addresses = [target.host] if proxy else resolve(target.host, target.port)
    connection = connect(target, addresses, timeout, proxy)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with context.wrap_socket(connection.sock, server_hostname=target.host) as tls:
            return tls.getpeercert(binary_form=True) or b""
    finally:
        connection.close()


def certificate_info(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity (ISO 8601 UTC) and the names (SANs) of a DER certificate."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        names += [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "names": names,
        "serial": format(cert.serial_number, "x"),
    }


def hostname_matches(host: str, names: list[str]) -> bool:
    """True when `host` is one of `names` (a SAN list), with a `*.` wildcard matching one label."""
    host = host.lower().rstrip(".")
    for name in names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _os_error_text(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return exc.strerror or str(exc)
    if isinstance(exc, ssl.SSLError):
        return getattr(exc, "verify_message", None) or exc.reason or str(exc)
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.strerror or errno.errorcode.get(exc.errno, str(exc))
    return str(exc) or type(exc).__name__
