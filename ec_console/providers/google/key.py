"""Reading a Google service-account key file, with a precise reason when it is not a usable key.

`load_key(text_or_info, source)` returns a `ServiceAccountKey` (the parsed fields and google-auth
credentials without scopes or subject) or raises `KeyProblem` whose message says exactly what is wrong:
not JSON, a PEM or PKCS#12 file instead of the JSON key, an OAuth client file (`installed` / `web`), another
kind of credentials file, missing fields (named), a client ID that is not the numeric one, a token URI that
is not https, or a private key that cannot be read.

The private key is registered with the log redactor as soon as it is seen. Never prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from google.auth import crypt
from google.auth import exceptions as google_exceptions
from google.oauth2 import service_account

from ec_console.texts import say

REQUIRED_FIELDS = ("type", "client_email", "client_id", "private_key", "private_key_id", "token_uri")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_OTHER_TYPES = {
    "authorized_user": say("a user's own sign-in credentials (gcloud auth application-default login)"),
    "external_account": say("a workload identity federation configuration"),
    "external_account_authorized_user": say("a workforce identity federation sign-in"),
    "impersonated_service_account": say("an impersonated service account configuration"),
}


def register_secret(value: str) -> None:
    """Hand a secret to the log redactor (the logging module is optional while the console is assembled)."""
    try:
        from ec_console.logs import register_secret as register
    except ImportError:  # pragma: no cover - only while the logging module is being written
        return
    register(value)


class KeyProblem(ValueError):
    """The key file's content is not a usable service-account key; the message names the reason."""


@dataclass(frozen=True)
class ServiceAccountKey:
    """The fields of a service-account key the check reports, and the credentials built from it."""

    client_email: str
    client_id: str
    private_key_id: str
    project_id: str
    token_uri: str
    credentials: service_account.Credentials

    def summary(self) -> dict[str, str]:
        """What may be shown and stored about the key (never the private key)."""
        return {
            "client_email": self.client_email,
            "client_id": self.client_id,
            "private_key_id": self.private_key_id,
            "project_id": self.project_id,
            "token_uri": self.token_uri,
        }


def parse_key_text(text: str) -> dict[str, Any]:
    """The key file's JSON object, or KeyProblem saying what the file is instead."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise KeyProblem(say("the file is empty"))
    if stripped.startswith("-----BEGIN"):
        raise KeyProblem(say("it is a PEM file, not the JSON key file: create a key of type JSON"))
    try:
        info = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise KeyProblem(say("it is not JSON ({error} at line {line}, column {column})", error=exc.msg,
                             line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        # A key file is a flat object: nesting deep enough to exhaust the parser is not a key.
        raise KeyProblem(say("it is not a key file: its JSON is nested too deeply")) from None
    if not isinstance(info, dict):
        raise KeyProblem(say("it holds a JSON {kind}, not the object of a service-account key",
                             kind=type(info).__name__))
    return info


def parse_key_bytes(raw: bytes) -> dict[str, Any]:
    """Like `parse_key_text` for a file's bytes, naming a PKCS#12 (.p12) or otherwise binary file."""
    if raw[:2] == b"\x30\x82":
        raise KeyProblem(say("it is a PKCS#12 (.p12) key, a legacy format: create a key of type JSON"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyProblem(say("it is not a text file (a JSON key file is UTF-8 text)")) from None
    return parse_key_text(text)


def _check_kind(info: dict[str, Any]) -> None:
    if "installed" in info or "web" in info:
        kind = "installed" if "installed" in info else "web"
        raise KeyProblem(
            say("it is an OAuth client file (client_secret_….json, type '{kind}'), not a service-account key",
                kind=kind)
        )
    kind = info.get("type")
    if kind is None:
        return  # reported with the other missing fields
    if not isinstance(kind, str):
        raise KeyProblem(say("its type is a JSON {kind}, not the text 'service_account'",
                             kind=_json_kind(kind)))
    if kind in _OTHER_TYPES:
        raise KeyProblem(say("it is {what} (type '{kind}'), not a service-account key",
                             what=_OTHER_TYPES[kind], kind=kind))
    if kind != "service_account":
        raise KeyProblem(say("its type is {kind}, not 'service_account'", kind=_shown(kind)))


def _json_kind(value: object) -> str:
    """The JSON name of a parsed value's type, for a message."""
    names = {dict: "object", list: "array", bool: "boolean", int: "number", float: "number"}
    return names.get(type(value), type(value).__name__)


def _shown(text: str) -> str:
    """A value from the file, quoted and shortened, on one line."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _is_address(text: str) -> bool:
    """Whether a key's client_email has the shape Google writes (name@project.iam.gserviceaccount.com): one
    "@" between a name and a dotted domain, and no space, line end or other control character anywhere (a
    key file is written by Google, so a stray character means the file was damaged, not to be trimmed)."""
    name, at, domain = text.partition("@")
    if not at or not name or "@" in domain or "." not in domain.strip("."):
        return False
    return not _has_space_or_control(text)


def _has_space_or_control(text: str) -> bool:
    """Whether a value Google writes as one token holds a space, line end or other control character (sent
    as is by google-auth, such a value would not match Google's record of the key)."""
    return any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text)


def _check_fields(info: dict[str, Any]) -> None:
    missing = [f for f in REQUIRED_FIELDS if not isinstance(info.get(f), str) or not info[f].strip()]
    if missing:
        raise KeyProblem(say("fields missing or empty: {fields}", fields=", ".join(missing)))
    for field in ("private_key_id", "token_uri"):
        if _has_space_or_control(info[field]):
            raise KeyProblem(say("{field} {value} holds a space, line end or control character", field=field,
                                 value=_shown(info[field])))
    if not _is_address(info["client_email"]):
        raise KeyProblem(say("client_email {value} is not an address", value=_shown(info["client_email"])))
    if not info["client_id"].strip().isdigit():
        raise KeyProblem(say("client_id is not the numeric client ID Google gives a service account"))
    try:
        parsed = urlparse(info["token_uri"])
    except ValueError:  # e.g. an unclosed IPv6 bracket
        shown = _shown(info["token_uri"])
        raise KeyProblem(say("token_uri {value} is not a valid URL", value=shown)) from None
    loopback = parsed.hostname in _LOOPBACK
    if not parsed.hostname or not (parsed.scheme == "https" or (parsed.scheme == "http" and loopback)):
        raise KeyProblem(say("token_uri {value} is not an https URL", value=_shown(info["token_uri"])))


def load_key(info: dict[str, Any]) -> ServiceAccountKey:
    """Validate a parsed key file and build its credentials; KeyProblem names what is wrong."""
    private_key = info.get("private_key")
    if isinstance(private_key, str) and private_key:
        register_secret(private_key)
    _check_kind(info)
    _check_fields(info)
    try:
        crypt.RSASigner.from_service_account_info(info)
    except (ValueError, TypeError, IndexError, google_exceptions.MalformedError):
        raise KeyProblem(say("its private_key cannot be read as an RSA private key (PEM)")) from None
    try:
        # The assertion's audience is the token endpoint it is sent to (RFC 7523, section 3). google-auth
        # always writes Google's own URL; for a key whose token_uri is Google's the two are the same.
        credentials = service_account.Credentials.from_service_account_info(
            info, additional_claims={"aud": info["token_uri"]}
        )
    except (ValueError, TypeError, google_exceptions.MalformedError) as exc:
        raise KeyProblem(say("google-auth cannot use it ({error})", error=exc)) from None
    return ServiceAccountKey(
        client_email=info["client_email"],
        client_id=info["client_id"].strip(),
        private_key_id=info["private_key_id"],
        project_id=str(info.get("project_id") or "").strip(),
        token_uri=info["token_uri"],
        credentials=credentials,
    )
