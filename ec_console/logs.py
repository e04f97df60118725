"""Logging: one rotating file in the log folder, with every secret redacted before it is written.

`setup_logging()` installs the handlers (idempotent); `RedactingFilter` sits on every one of them and
rewrites each record's message — including third-party libraries' debug output (exchangelib, urllib3,
requests-oauthlib, oauthlib, google-auth, googleapiclient) — with `redact()`. Other code calls `redact()`
before putting text into reports, and `register_secret()` for every secret value the console holds, so
the value (and its URL, JSON and HTTP Basic base64 forms) is redacted wherever it appears.

The rules are listed in docs/secrets-and-logs.md.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import logging
import logging.handlers
import os
import re
import stat
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

from ec_console import paths

REDACTED = "[redacted]"
LOG_FILE_NAME = "ec-console.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
MIN_SECRET_CHARS = 4

# Loggers of the libraries the console drives; DEBUG with --verbose, WARNING otherwise.
# httplib2 prints its wire trace through `httplib2.debuglevel` (print, not logging): it stays off.
THIRD_PARTY_LOGGERS = (
    "exchangelib",
    "urllib3",
    "requests",
    "requests_oauthlib",
    "oauthlib",
    "google.auth",
    "google_auth_oauthlib",
    "googleapiclient",
    "httplib2",
    "msal",
)

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_HANDLER_MARK = "_ec_console_handler"
_REDACTED_MARK = "_ec_console_redacted"

# --------------------------------------------------------------------------------------------------
# Redaction rules
# --------------------------------------------------------------------------------------------------

# Names whose value is a secret: anything ending in password / secret / token / passphrase (so
# client_secret, access_token, refresh_token, id_token, clientSecret, x-api-token ...), plus the OAuth
# fields that carry credentials, the Google key's private_key and Authorization headers.
_NAME = (
    r"(?:[a-z0-9_.-]{0,40}(?:password|passwd|passphrase|secret|token)|pwd|assertion|client_assertion|code"
    r"|code_verifier|private_key|api[_-]?key|(?:proxy-)?authorization)"
)
_NAME_START = r"(?<![a-z0-9_.-])"
# Every field rule needs one of these words (lower case): lines without any skip those rules (most lines).
_NAME_HINTS = ("pass", "pwd", "secret", "token", "assertion", "code", "private_key", "key", "authorization")
_SCHEME_HINTS = ("bearer", "basic", "ntlm", "negotiate", "kerberos")
_SCHEMES = r"(?:Bearer|Basic|NTLM|Negotiate|Digest|Kerberos)"
_SCHEME_PREFIX_RE = re.compile(rf"^\s*({_SCHEMES})\s+(?=\S)", re.IGNORECASE)
# An OAuth error/diagnosis code (`invalid_grant`, `bad_input`) or an HTTP status is not a secret.
# Authorization codes mix cases and digits or carry '/' and '.', so they never look like these.
_PLAIN_CODE_RE = re.compile(
    r"^(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)*|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*|[A-Z][A-Za-z]+|\d{1,5})$"
)

_PEM_RE = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]*PRIVATE KEY)-----(?:.*?-----END (?P=label)-----|.*)", re.DOTALL
)
_JWT_RE = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_AUTH_PARAMS = (
    r"(?:realm|error|error_description|error_uri|scope|charset|authorization_uri|resource_id|"
    r"trusted_issuers|client_id|nonce|qop|algorithm|opaque|stale|domain|username|uri|response|cnonce|nc)"
)
_BEARER_RE = re.compile(
    rf"\b(?P<scheme>Bearer)(?P<sp>\s+)(?!{_AUTH_PARAMS}\s*=)(?P<tok>[A-Za-z0-9._~+/-]{{16,}}=*)"
    r"(?![A-Za-z0-9._~+/=-])",
    re.IGNORECASE,
)
_BASE64_AUTH_RE = re.compile(
    r"\b(?P<scheme>Basic|NTLM|Negotiate|Kerberos)(?P<sp>\s+)(?P<tok>[A-Za-z0-9+/]+={0,2})(?![A-Za-z0-9+/=])",
    re.IGNORECASE,
)
# "name": "value" / 'name': 'value' (JSON, Python reprs, also b'...' values), and the same with
# backslash-escaped quotes (JSON inside a JSON string).
_QUOTED_FIELD_RE = re.compile(
    rf"(?P<pre>(?P<q>[\"']){_NAME_START}(?P<name>{_NAME})(?P=q)\s*[:=]\s*b?)"
    r"(?P<vq>[\"'])(?P<val>(?:(?!(?P=vq))[^\\]|\\.)*)(?P=vq)",
    re.IGNORECASE | re.DOTALL,
)
_ESCAPED_FIELD_RE = re.compile(
    rf"(?P<pre>\\\"{_NAME_START}(?P<name>{_NAME})\\\"\s*:\s*)\\\"(?P<val>.*?)\\\"", re.IGNORECASE
)
# <t:Password>value</t:Password> and <ClientSecret>value</ClientSecret>
_XML_FIELD_RE = re.compile(
    rf"<(?P<tag>(?:[\w.-]+:)?(?P<name>{_NAME}))(?P<attrs>\s[^>]*)?>(?P<val>[^<]*)</(?P=tag)>", re.IGNORECASE
)
# name=value in query strings, form bodies, connection strings and free text: the value is quoted, or
# runs to the next & ; quote < > backslash or end of line (spaces included: "password=a b" hides "a b").
_QUOTED_VALUE = r"\"(?:[^\"\\\r\n]|\\.)*\"|'(?:[^'\\\r\n]|\\.)*'"
_ASSIGN_RE = re.compile(
    rf"(?P<pre>{_NAME_START}(?P<name>{_NAME})=)(?P<val>{_QUOTED_VALUE}|(?:(?!\\r|\\n)[^&;\"'\\<>\r\n])+)",
    re.IGNORECASE,
)
# "Name: value" as a header or a field of a log line: the name starts a line (also after a literal \r\n
# of a bytes repr) or follows one of , ; { ( [ | — so prose such as "check the password: it expired"
# is left alone. The value is a quoted string or runs to the end of the line, stopping at a quote.
_COLON_RE = re.compile(
    r"(?P<pre>(?:^|(?<=\\n)|(?<=[\n,;{(\[|]))[ \t]*"
    rf"(?P<name>{_NAME})[ \t]*:[ \t]*)"
    rf"(?P<val>{_QUOTED_VALUE}|(?:(?!\\r|\\n)[^\r\n\"'])+)",
    re.IGNORECASE | re.MULTILINE,
)
_BASE64_RUN_RE = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{8,}={0,2}(?![A-Za-z0-9+/_=-])")


def _mask(name: str, value: str) -> str:
    """The redacted form of `value` under field `name`, keeping what is safe and useful to read."""
    if not value or value == REDACTED:
        return value
    lowered = name.lower()
    if lowered == "code" and _PLAIN_CODE_RE.match(value):
        return value
    if lowered.endswith("authorization"):
        scheme = _SCHEME_PREFIX_RE.match(value)
        if scheme:
            return f"{scheme.group(1)} {REDACTED}"
    return REDACTED


def _is_base64_credential(token: str, scheme: str) -> bool:
    if len(token) % 4:
        return False
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return False
    if scheme.lower() == "basic":
        return b":" in raw  # Basic credentials are always "user:password"
    return len(token) >= 20  # NTLM / SPNEGO / Kerberos messages are long; a prose word is not


def _sub_pem(match: re.Match[str]) -> str:
    label = match.group("label")
    return f"-----BEGIN {label}-----{REDACTED}-----END {label}-----"


def _sub_base64_auth(match: re.Match[str]) -> str:
    if not _is_base64_credential(match.group("tok"), match.group("scheme")):
        return match.group(0)
    return f"{match.group('scheme')}{match.group('sp')}{REDACTED}"


def _sub_field(match: re.Match[str]) -> str:
    quote_char = match.groupdict().get("vq") or ""
    masked = _mask(match.group("name"), match.group("val"))
    return f"{match.group('pre')}{quote_char}{masked}{quote_char}"


def _sub_escaped(match: re.Match[str]) -> str:
    return f'{match.group("pre")}\\"{_mask(match.group("name"), match.group("val"))}\\"'


def _sub_xml(match: re.Match[str]) -> str:
    attrs = match.group("attrs") or ""
    tag = match.group("tag")
    return f"<{tag}{attrs}>{_mask(match.group('name'), match.group('val'))}</{tag}>"


def _sub_trailing(match: re.Match[str]) -> str:
    """Mask a value that runs to a delimiter, keeping the whitespace before that delimiter."""
    value = match.group("val")
    stripped = value.rstrip()
    return f"{match.group('pre')}{_mask(match.group('name'), stripped)}{value[len(stripped):]}"


# --------------------------------------------------------------------------------------------------
# Registered secrets
# --------------------------------------------------------------------------------------------------


class _SecretRegistry:
    """Secret values the console holds, and every form they may take in text (longest first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._secret_forms: dict[str, frozenset[str]] = {}   # each secret's forms, computed once
        self._forms: tuple[str, ...] = ()
        self._encoded: tuple[bytes, ...] = ()

    def add(self, value: str) -> bool:
        if not isinstance(value, str) or len(value) < MIN_SECRET_CHARS:
            return False
        with self._lock:
            if value not in self._secrets:
                self._secrets.add(value)
                self._rebuild()
        return True

    def discard(self, value: str) -> None:
        with self._lock:
            self._secrets.discard(value)
            self._rebuild()

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._rebuild()

    def _rebuild(self) -> None:
        forms: set[str] = set()
        known = self._secret_forms
        for gone in [s for s in known if s not in self._secrets]:
            del known[gone]
        for secret in self._secrets:
            mine = known.get(secret)
            if mine is None:
                mine = known[secret] = frozenset(f for f in _text_forms(secret) if len(f) >= MIN_SECRET_CHARS)
            forms.update(mine)
        self._forms = tuple(sorted(forms, key=len, reverse=True))
        self._encoded = tuple(s.encode("utf-8") for s in self._secrets)

    def redact(self, text: str) -> str:
        forms, encoded = self._forms, self._encoded  # one consistent snapshot, no lock needed
        if not forms:
            return text
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return _BASE64_RUN_RE.sub(lambda m: _redact_encoded(m.group(0), encoded), text)


def _text_forms(secret: str) -> set[str]:
    """The ways a secret shows up in text: as is, URL-encoded, JSON/repr-escaped, XML-escaped."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        html.escape(secret, quote=False),
        html.escape(secret, quote=True),
    }
    return forms


def _redact_encoded(run: str, secrets: tuple[bytes, ...]) -> str:
    """Redact a base64 run that decodes to text containing a registered secret (e.g. user:password)."""
    if "-" in run or "_" in run:
        if "+" in run or "/" in run:
            return run
        decoder = base64.urlsafe_b64decode
    else:
        decoder = base64.b64decode
    body = run.rstrip("=")
    try:
        raw = decoder(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return run
    return REDACTED if any(secret in raw for secret in secrets) else run


_registry = _SecretRegistry()


def register_secret(value: str) -> bool:
    """Redact `value` (and its encoded forms, including inside HTTP Basic base64) wherever it appears.

    Values shorter than MIN_SECRET_CHARS are not registered (they would blank ordinary words); the
    field and header rules still cover them. Returns whether the value is registered.
    """
    return _registry.add(value)


def forget_secret(value: str) -> None:
    """Stop redacting a value registered before (e.g. after its application was revoked)."""
    _registry.discard(value)


def clear_registered_secrets() -> None:
    """Forget every registered secret (tests)."""
    _registry.clear()


def redact(text: str) -> str:
    """`text` with every secret the rules or the registry recognise replaced by "[redacted]"."""
    if not text:
        return text
    text = _registry.redact(text)
    if "-----BEGIN " in text:
        text = _PEM_RE.sub(_sub_pem, text)
    if "eyJ" in text:
        text = _JWT_RE.sub(REDACTED, text)
    lowered = text.lower()
    if any(hint in lowered for hint in _SCHEME_HINTS):
        text = _BEARER_RE.sub(lambda m: f"{m['scheme']}{m['sp']}{REDACTED}", text)
        text = _BASE64_AUTH_RE.sub(_sub_base64_auth, text)
    if not any(hint in lowered for hint in _NAME_HINTS):
        return text
    text = _QUOTED_FIELD_RE.sub(_sub_field, text)
    text = _ESCAPED_FIELD_RE.sub(_sub_escaped, text)
    text = _XML_FIELD_RE.sub(_sub_xml, text)
    text = _ASSIGN_RE.sub(_sub_trailing, text)
    return _COLON_RE.sub(_sub_trailing, text)


# --------------------------------------------------------------------------------------------------
# Handlers
# --------------------------------------------------------------------------------------------------


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, exception text and stack into their redacted forms."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _REDACTED_MARK, False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in someone's log call must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        setattr(record, _REDACTED_MARK, True)
        return True


def install_redaction(handler: logging.Handler) -> logging.Handler:
    """Put a RedactingFilter on `handler` (once); for handlers other parts of the console create."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    return handler


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are created readable by the user only (0600 on POSIX)."""

    def _open(self):  # type: ignore[override]
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        fd = os.open(self.baseFilename, flags, paths.private_file_mode())
        if os.name == "posix" and stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, paths.private_file_mode())
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


_setup_lock = threading.Lock()


class _TerminalFormatter(logging.Formatter):
    """For the `--verbose` stderr handler: a failure's traceback stays in the log file; the terminal gets
    one line naming the exception (no traceback ever reaches the user)."""

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info or record.exc_text):
            return super().format(record)
        summary = ""
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            summary = redact(f"{type(exc).__name__}: {exc}")
        elif record.exc_text:
            summary = record.exc_text.strip().splitlines()[-1]
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return f"{super().format(plain)} ({summary}; the traceback is in the log file)"


def _formatter() -> logging.Formatter:
    formatter = logging.Formatter(_FORMAT, _DATE_FORMAT)
    formatter.converter = time.gmtime
    return formatter


def _own_handlers(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]


def reset_logging() -> None:
    """Remove and close the handlers `setup_logging` installed."""
    with _setup_lock:
        root = logging.getLogger()
        for handler in _own_handlers(root):
            root.removeHandler(handler)
            handler.close()


def setup_logging(verbose: bool = False, *, console: bool = False) -> Path:
    """Log to `<log dir>/ec-console.log` (1 MB x 5, 0600, UTF-8), redacted; return the file's path.

    INFO by default; `verbose` switches the console and the libraries it drives to DEBUG. `console`
    adds a stderr handler (DEBUG with `verbose`, WARNING otherwise). Calling again replaces the handlers
    installed before, so the level can be switched and nothing is duplicated.
    """
    path = paths.log_dir() / LOG_FILE_NAME
    reset_logging()
    with _setup_lock:
        root = logging.getLogger()
        file_handler = PrivateRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
        handlers: list[logging.Handler] = [file_handler]
        file_handler.setFormatter(_formatter())
        if console and sys.stderr is not None:  # windowed frozen builds have no stderr
            stream_handler = logging.StreamHandler(sys.stderr)
            stream_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
            terminal = _TerminalFormatter(_FORMAT, _DATE_FORMAT)
            terminal.converter = time.gmtime
            stream_handler.setFormatter(terminal)
            handlers.append(stream_handler)
        for handler in handlers:
            setattr(handler, _HANDLER_MARK, True)
            root.addHandler(handler)
        root.setLevel(logging.DEBUG if verbose else logging.INFO)
        for name in THIRD_PARTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
        for handler in root.handlers:  # every handler on the root, ours or not, redacts
            install_redaction(handler)
    return path


def log_file_path() -> Path:
    """Where `setup_logging` writes (the log folder is created if needed)."""
    return paths.log_dir() / LOG_FILE_NAME
