"""Input validation shared by the CLI and the setup wizard.

Every function takes the raw text a user typed and either returns the normalised value or raises
`BadInput` with a specific message that names the field (pass `field="--mailbox"` from the CLI, the
field's label from the wizard). The checks are linear-time (no backtracking-prone patterns), so arbitrary
text can never hang them, and nothing but `BadInput` ever escapes.
"""

from __future__ import annotations

import ipaddress
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ec_console.errors import BadInput
from ec_console.i18n import N_, _

MAX_ADDRESS = 254          # RFC 5321 path limit minus the angle brackets
MAX_LOCAL_PART = 64
MAX_DOMAIN = 253
MAX_APPLICATION_NAME = 100
MAX_GROUP = 1024
MAX_URL = 2048
MAX_REGION_ID = 32
MAX_SCOPE = 512             # the longest scope google_scope accepts is 435 characters
TIMEOUT_RANGE = (1.0, 300.0)

# RFC 5321 "atext" for a dot-atom local part (quoted local parts are refused: no mail system here needs one)
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
_NETBIOS_FORBIDDEN = frozenset('\\/:*?"<>|')
_SAM_FORBIDDEN = frozenset('"/\\[]:;|=,+*?<>@')
_REGION_RE = re.compile(r"[a-z][a-z0-9-]{0,31}")
_SCOPE_NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}(/[a-z0-9][a-z0-9._-]{0,99}){0,3}")
_GOOGLE_SCOPE_PREFIX = "https://www.googleapis.com/auth/"
_OTHER_GOOGLE_SCOPES = frozenset({"https://mail.google.com/", "openid", "email", "profile"})
_DN_ATTRIBUTE_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}|[0-9]+(\.[0-9]+)+")
_PLAIN_LABEL_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def _shown(value: str) -> str:
    """The user's input, quoted and shortened, for a message."""
    text = value if len(value) <= 60 else value[:57] + "..."
    return repr(text)


def _text(value: object, field: str) -> str:
    if value is None:
        raise BadInput(_("{field}: a value is required").format(
            field=_(field)))
    if not isinstance(value, str):
        raise BadInput(_("{field}: expected text, got {name}").format(
            field=_(field), name=type(value).__name__))
    return value.strip()


def _required(value: object, field: str) -> str:
    text = _text(value, field)
    if not text:
        raise BadInput(_("{field}: a value is required").format(
            field=_(field)))
    return text


def _no_controls(text: str, field: str) -> None:
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise BadInput(_("{field}: contains a control or invisible character (U+{code:04X})").format(
                field=_(field), code=ord(ch)))


# --- domains, addresses, accounts -------------------------------------------------------------------------


def domain_name(value: object, field: str = N_("domain")) -> str:
    """A DNS domain with at least two labels; IDN allowed. Returns it lower-cased in Unicode (NFC) form."""
    text = _required(value, field).rstrip(".")
    if len(text) > MAX_DOMAIN * 4:
        raise BadInput(_("{field}: {value} is too long for a domain name").format(
            field=_(field), value=_shown(text)))
    if any(ch.isspace() for ch in text):
        raise BadInput(_("{field}: {value} contains a space").format(
            field=_(field), value=_shown(text)))
    plain = _plain_ascii_domain(text)
    if plain is not None:
        ascii_form = unicode_form = plain
    else:
        import idna  # here, not at the top: the console's start does not need it (docs/benchmarks.md)

        try:
            ascii_form = idna.encode(text, uts46=True).decode("ascii")
            unicode_form = idna.decode(ascii_form)
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise BadInput(_("{field}: {value} is not a valid domain name ({exc})").format(
                field=_(field), value=_shown(text), exc=exc)) from None
    if len(ascii_form) > MAX_DOMAIN:
        raise BadInput(_("{field}: {value} is longer than {max_domain} characters").format(
            field=_(field), value=_shown(text), max_domain=MAX_DOMAIN))
    labels = ascii_form.split(".")
    if len(labels) < 2:
        raise BadInput(_("{field}: {value} needs a dot (for example contoso.com)").format(
            field=_(field), value=_shown(text)))
    if labels[-1].isdigit():
        raise BadInput(_("{field}: {value} looks like an IP address, not a domain name").format(
            field=_(field), value=_shown(text)))
    return unicodedata.normalize("NFC", unicode_form)


def domain_ascii(domain: str) -> str:
    """The ASCII (punycode) form of a domain `domain_name` accepted."""
    plain = _plain_ascii_domain(domain)
    if plain is not None:
        return plain
    import idna

    return idna.encode(domain, uts46=True).decode("ascii")


def _plain_ascii_domain(text: str) -> str | None:
    """`text` lower-cased when it is a plain ASCII host name, else None.

    Plain: labels of ASCII letters, digits and inner hyphens, 1-63 long, none with '--' in the third and
    fourth place (where IDNA puts 'xn--'), at most 253 in all. For such a name the IDNA round trip
    (UTS #46 mapping, encode, decode) only lower-cases, at a hundredth of the cost; anything else takes it.
    """
    if len(text) > MAX_DOMAIN or not text.isascii():
        return None
    lowered = text.lower()
    for label in lowered.split("."):
        if label[2:4] == "--" or not _PLAIN_LABEL_RE.fullmatch(label):
            return None
    return lowered


def email_address(value: object, field: str = N_("mailbox")) -> str:
    """A mailbox address: dot-atom local part (RFC 5321 subset) @ a domain (IDN allowed).

    Returns `local@domain` with the domain lower-cased (the local part keeps its case).
    """
    text = _required(value, field)
    if len(text) > MAX_ADDRESS * 4:
        raise BadInput(_("{field}: {value} is too long for an e-mail address").format(
            field=_(field), value=_shown(text)))
    if text.count("@") != 1:
        problem = (_("{field}: {value} has no '@'; expected an address like "
                     "alice@contoso.com") if "@" not in text
                   else _("{field}: {value} has more than one '@'; expected an address like "
                          "alice@contoso.com"))
        raise BadInput(problem.format(field=_(field), value=_shown(text)))
    local, domain = text.split("@")
    _check_local_part(local, text, field)
    normalised_domain = domain_name(domain, _("{field} (domain part)").format(field=_(field)))
    address = f"{local}@{normalised_domain}"
    if len(local) + 1 + len(domain_ascii(normalised_domain)) > MAX_ADDRESS:
        raise BadInput(_("{field}: {value} is longer than {max_address} characters").format(
            field=_(field), value=_shown(text), max_address=MAX_ADDRESS))
    return address


def _check_local_part(local: str, text: str, field: str) -> None:
    if not local:
        raise BadInput(_("{field}: {value} has nothing before the '@'").format(
            field=_(field), value=_shown(text)))
    if len(local) > MAX_LOCAL_PART:
        raise BadInput(_("{field}: the part before '@' is longer than {max_local_part} characters").format(
            field=_(field), max_local_part=MAX_LOCAL_PART))
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise BadInput(_("{field}: {value} has a misplaced dot before the '@'").format(
            field=_(field), value=_shown(text)))
    bad = next((ch for ch in local if ch != "." and ch not in _ATEXT), None)
    if bad is not None:
        raise BadInput(_("{field}: {value} contains {bad}, which is not allowed before the '@'").format(
            field=_(field), value=_shown(text), bad=repr(bad)))


mailbox = email_address


@dataclass(frozen=True)
class ServiceAccount:
    """A service account as `DOMAIN\\user` (down-level logon name) or a UPN `user@domain`."""

    value: str
    kind: str            # "down_level" | "upn"
    domain: str
    user: str


def service_account(value: object, field: str = N_("service account")) -> ServiceAccount:
    """`DOMAIN\\user` (NetBIOS domain upper-cased) or a UPN (checked as an address)."""
    text = _required(value, field)
    if len(text) > MAX_ADDRESS * 4:  # the same bound as an address: both forms are shorter
        raise BadInput(_("{field}: {value} is too long for a service account").format(
            field=_(field), value=_shown(text)))
    _no_controls(text, field)
    if "\\" in text:
        if text.count("\\") != 1:
            raise BadInput(_("{field}: {value} has more than one backslash; expected DOMAIN\\user").format(
                field=_(field), value=_shown(text)))
        domain, user = text.split("\\")
        if not domain or not user:
            raise BadInput(_("{field}: {value} needs both parts of DOMAIN\\user").format(
                field=_(field), value=_shown(text)))
        if len(domain) > 15 or any(ch in _NETBIOS_FORBIDDEN for ch in domain) or domain.startswith("."):
            raise BadInput(_("{field}: {domain} is not a valid NetBIOS domain name (at most 15 "
                             "characters, none of \\ / : * ? \" < > |)").format(
                field=_(field), domain=_shown(domain)))
        _check_sam(user, field)
        return ServiceAccount(f"{domain.upper()}\\{user}", "down_level", domain.upper(), user)
    if "@" in text:
        try:
            upn = email_address(text, field)
        except BadInput as exc:
            raise BadInput(_("{message} (a service account is DOMAIN\\user or user@domain)").format(
                message=exc.message)) from None
        user, domain = upn.split("@")
        return ServiceAccount(upn, "upn", domain, user)
    raise BadInput(_("{field}: {value} must be DOMAIN\\user or a user principal name like "
                     "svc-calendar@contoso.com").format(
        field=_(field), value=_shown(text)))


def _check_sam(user: str, field: str) -> None:
    if len(user) > 64:
        raise BadInput(_("{field}: the user name {user} is longer than 64 characters").format(
            field=_(field), user=_shown(user)))
    bad = next((ch for ch in user if ch in _SAM_FORBIDDEN or ch.isspace()), None)
    if bad is not None:
        raise BadInput(_("{field}: the user name {user} contains {bad}, which Active Directory does not "
                         "allow").format(
            field=_(field), user=_shown(user), bad=repr(bad)))
    if user.endswith("."):
        raise BadInput(_("{field}: the user name {user} must not end with a dot").format(
            field=_(field), user=_shown(user)))


# --- URLs -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceUrl:
    """A validated URL. `plain_http_warning`: plain http to a host that is not this computer."""

    url: str
    host: str
    port: int
    scheme: str
    path: str = ""
    query: str = ""
    plain_http_warning: bool = False


def is_loopback_host(host: str) -> bool:
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _parse_url(value: object, field: str, *, allow_remote_http: bool) -> ServiceUrl:
    text = _required(value, field)
    if len(text) > MAX_URL:
        raise BadInput(_("{field}: the URL is longer than {max_url} characters").format(
            field=_(field), max_url=MAX_URL))
    _no_controls(text, field)
    if any(ch.isspace() for ch in text):
        raise BadInput(_("{field}: {value} contains a space").format(
            field=_(field), value=_shown(text)))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadInput(_("{field}: {value} is not a valid URL ({exc})").format(
            field=_(field), value=_shown(text), exc=exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise BadInput(_("{field}: {value} must start with https://").format(
            field=_(field), value=_shown(text)))
    if parts.username is not None or parts.password is not None:
        raise BadInput(_("{field}: the URL must not contain a user name or password").format(
            field=_(field)))
    host = (parts.hostname or "").lower()
    if not host:
        raise BadInput(_("{field}: {value} has no host name").format(
            field=_(field), value=_shown(text)))
    _check_host(host, field)
    loopback = is_loopback_host(host)
    if scheme == "http" and not loopback and not allow_remote_http:
        raise BadInput(_("{field}: {value} uses plain http; use https (plain http is accepted only for "
                         "this computer, e.g. the sandbox)").format(
            field=_(field), value=_shown(text)))
    if parts.fragment:
        raise BadInput(_("{field}: {value} must not contain a '#' fragment").format(
            field=_(field), value=_shown(text)))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    url = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    effective_port = port if port is not None else (443 if scheme == "https" else 80)
    return ServiceUrl(url, host, effective_port, scheme, parts.path, parts.query,
                      plain_http_warning=scheme == "http" and not loopback)


def _check_host(host: str, field: str) -> None:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return
    except ValueError:
        pass
    import idna

    try:  # a single-label intranet name is legal: only its characters are checked
        idna.encode(host, uts46=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise BadInput(_("{field}: {host} is not a valid host name").format(
            field=_(field), host=_shown(host))) from None


def ews_url(value: object, field: str = N_("EWS URL")) -> ServiceUrl:
    """An EWS endpoint: https; plain http to a loopback host silently, to any other host with a warning flag
    (the `tls` step then warns, as the CLI contract says)."""
    parsed = _parse_url(value, field, allow_remote_http=True)
    if parsed.query:
        raise BadInput(_("{field}: the EWS URL must not have a query string").format(
            field=_(field)))
    if parsed.path in ("", "/"):
        raise BadInput(_("{field}: give the full EWS address, for example "
                         "https://{host}/EWS/Exchange.asmx").format(
            field=_(field), host=parsed.host))
    return parsed


def authority_url(value: object, field: str = "--authority") -> str:
    """The identity platform's base URL: https, host (and port) only, no trailing slash.

    Plain http is refused even for this computer: the token request carries the client secret, and the
    OAuth client (oauthlib) refuses to send it over http, so a check would only fail later."""
    parsed = _parse_url(value, field, allow_remote_http=False)
    if parsed.path not in ("", "/") or parsed.query:
        raise BadInput(_("{field}: {value} must be only a scheme and host, like "
                         "https://login.microsoftonline.com (the tenant and token path are added)").format(
            field=_(field), value=_shown(str(value).strip())))
    if parsed.scheme != "https":
        raise BadInput(_("{field}: {value} uses plain http; the token request carries the client secret "
                         "and is sent only over https (the sandbox's authority is https: trust it with "
                         "--ca-file)").format(
            field=_(field), value=_shown(str(value).strip())))
    return parsed.url.rstrip("/")


def api_root(value: object, field: str = "--api-root") -> str:
    """A root URL under which Google APIs live; returned with exactly one trailing slash."""
    parsed = _parse_url(value, field, allow_remote_http=False)
    if parsed.query:
        raise BadInput(_("{field}: the API root must not have a query string").format(
            field=_(field)))
    return parsed.url.rstrip("/") + "/"


def service_url(value: object, field: str) -> ServiceUrl:
    """Any other endpoint the console calls: https, or plain http to this computer only."""
    return _parse_url(value, field, allow_remote_http=False)


# --- identifiers ------------------------------------------------------------------------------------------


def guid(value: object, field: str) -> str:
    text = _required(value, field).strip("{}")
    if len(text) != 36 or text.count("-") != 4:
        raise BadInput(_("{field}: {value} is not a GUID like 00000000-0000-0000-0000-000000000000").format(
            field=_(field), value=_shown(text)))
    import uuid

    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise BadInput(_("{field}: {value} is not a GUID like 00000000-0000-0000-0000-000000000000").format(
            field=_(field), value=_shown(text))) \
            from None


def client_id(value: object, field: str = "--client-id") -> str:
    """An Entra application (client) ID: a GUID, returned lower-case."""
    return guid(value, field)


def tenant_id(value: object, field: str = "--tenant-id") -> str:
    """A tenant: its GUID, or a verified domain such as contoso.onmicrosoft.com (lower-cased)."""
    text = _required(value, field)
    if len(text.strip("{}")) == 36 and text.count("-") == 4:
        return guid(text, field)
    try:
        return domain_ascii(domain_name(text, field)).lower()
    except BadInput:
        raise BadInput(_("{field}: {value} is neither a tenant GUID nor a domain like "
                         "contoso.onmicrosoft.com").format(
            field=_(field), value=_shown(text))) from None


def google_client_id(value: object, field: str = N_("client ID")) -> str:
    """A Google service account's numeric OAuth client ID (21 digits in practice)."""
    text = _required(value, field)
    if not 10 <= len(text) <= 30 or not (text.isascii() and text.isdigit()):
        raise BadInput(_("{field}: {value} is not a numeric client ID").format(
            field=_(field), value=_shown(text)))
    return text


def google_scope(value: object, field: str = "--scope") -> str:
    """An OAuth scope: https://www.googleapis.com/auth/<name> (or mail.google.com, openid, email, profile)."""
    text = _required(value, field)
    if len(text) > MAX_SCOPE:
        raise BadInput(_("{field}: {value} is longer than {max_scope} characters; not a Google scope").format(
            field=_(field), value=_shown(text), max_scope=MAX_SCOPE))
    if text in _OTHER_GOOGLE_SCOPES:
        return text
    if not text.startswith(_GOOGLE_SCOPE_PREFIX):
        raise BadInput(_("{field}: {value} is not a Google scope; expected a URL starting with "
                         "{prefix}").format(
            field=_(field), value=_shown(text), prefix=_GOOGLE_SCOPE_PREFIX))
    name = text[len(_GOOGLE_SCOPE_PREFIX):]
    if not _SCOPE_NAME_RE.fullmatch(name):
        raise BadInput(_("{field}: {value} has an invalid scope name after {prefix}").format(
            field=_(field), value=_shown(text), prefix=_GOOGLE_SCOPE_PREFIX))
    return text


def google_scopes(values: list[object] | tuple[object, ...], field: str = "--scope") -> list[str]:
    """Several scopes, each validated; duplicates dropped, order kept."""
    scopes = [google_scope(v, field) for v in values]
    if not scopes:
        raise BadInput(_("{field}: at least one scope is required").format(
            field=_(field)))
    return list(dict.fromkeys(scopes))


def timeout_seconds(value: object, field: str = "--timeout") -> float:
    """Seconds to wait for each network answer: a number from 1 to 300."""
    if isinstance(value, bool):
        raise BadInput(_("{field}: expected a number of seconds").format(
            field=_(field)))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = _required(value, field)
        try:
            number = float(text) if len(text) <= 32 else math.nan
        except ValueError:
            raise BadInput(_("{field}: {value} is not a number of seconds").format(
                field=_(field), value=_shown(text))) from None
    low, high = TIMEOUT_RANGE
    if not math.isfinite(number):
        raise BadInput(_("{field}: expected a number of seconds from {low:g} to {high:g}").format(
            field=_(field), low=low, high=high))
    if not low <= number <= high:
        raise BadInput(_("{field}: {number:g} is out of range; use {low:g} to {high:g} seconds").format(
            field=_(field), number=number, low=low, high=high))
    return number


def is_distinguished_name(text: str) -> bool:
    """True when `text` is shaped like an LDAP DN (`CN=...,OU=...,DC=...`)."""
    try:
        _split_dn(text)
    except ValueError:
        return False
    return True


def _split_dn(text: str) -> list[tuple[str, str]]:
    """RFC 4514 RDNs of `text` (single-valued), honouring backslash escapes; ValueError when malformed."""
    pieces: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            pieces.append("".join(current))
            current = []
            continue
        current.append(ch)
    if escaped:
        raise ValueError(N_("a trailing backslash"))
    pieces.append("".join(current))
    rdns: list[tuple[str, str]] = []
    for piece in pieces:
        attribute, sep, rdn_value = piece.strip().partition("=")
        if not sep or not _DN_ATTRIBUTE_RE.fullmatch(attribute.strip()) or not rdn_value.strip():
            raise ValueError(piece.strip() or N_("an empty part"))
        rdns.append((attribute.strip(), rdn_value.strip()))
    return rdns


def group(value: object, field: str = "--scope-group") -> str:
    """A group: its name, its address, or its distinguished name (a DN-shaped value is checked)."""
    text = _required(value, field)
    if len(text) > MAX_GROUP:
        raise BadInput(_("{field}: longer than {max_group} characters").format(
            field=_(field), max_group=MAX_GROUP))
    _no_controls(text, field)
    head = text.split(",", 1)[0]
    if "=" in head and head.split("=", 1)[0].strip().upper() in ("CN", "OU", "DC", "O"):
        try:
            rdns = _split_dn(text)
        except ValueError as exc:
            raise BadInput(_("{field}: {value} is not a well-formed distinguished name (near {near}); "
                             "expected CN=Group,OU=Groups,DC=contoso,DC=com").format(
                field=_(field), value=_shown(text), near=_shown(_(str(exc))))) from None
        return ",".join(f"{attribute}={rdn_value}" for attribute, rdn_value in rdns)
    return text


def application_name(value: object, field: str = N_("application name")) -> str:
    """A name for an application: 1-100 characters, no control or invisible characters."""
    text = _required(value, field)
    # NFC joins at most four code points into one, so anything longer cannot fit after it.
    if len(text) > MAX_APPLICATION_NAME * 4:
        raise BadInput(_("{field}: {length} characters; at most {max_application_name} are allowed").format(
            field=_(field), length=len(text), max_application_name=MAX_APPLICATION_NAME))
    text = unicodedata.normalize("NFC", text)
    if len(text) > MAX_APPLICATION_NAME:
        raise BadInput(_("{field}: {length} characters; at most {max_application_name} are allowed").format(
            field=_(field), length=len(text), max_application_name=MAX_APPLICATION_NAME))
    _no_controls(text, field)
    return text


def region_id(value: object, field: str = "--region") -> str:
    """A region id's shape (lower-case letter first, then letters, digits, '-'; at most 32)."""
    text = _required(value, field)
    if len(text) > MAX_REGION_ID or not _REGION_RE.fullmatch(text.lower()):
        raise BadInput(_("{field}: {value} is not a region id (like 'us' or 'de': a lower-case letter "
                         "first, then letters, digits or '-', at most {max_region_id})").format(
            field=_(field), value=_shown(text), max_region_id=MAX_REGION_ID))
    return text.lower()


def ca_file(value: object, field: str = "--ca-file") -> str:
    """A PEM file of CA certificates to trust for one check's connections; returns its absolute path."""
    text = _required(value, field)
    path = existing_file(text, field)
    import ssl

    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        raise BadInput(
            _("{field}: {value} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)").format(
                field=_(field), value=_shown(text))
        ) from None
    return str(path)


def existing_file(value: object, field: str) -> Path:
    """The absolute path of an existing regular file the user named; BadInput for anything else.

    The file system's own refusals (a name longer than the OS allows, a NUL, a loop of links, an unknown
    `~user`, no permission to look) become BadInput naming the field, never an OSError.
    """
    text = _required(value, field)
    try:
        path = Path(text).expanduser()
        if not path.exists():
            raise BadInput(_("{field}: {value} does not exist").format(
                field=_(field), value=_shown(text)))
        if not path.is_file():
            raise BadInput(_("{field}: {value} is not a file").format(
                field=_(field), value=_shown(text)))
        return path.resolve()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadInput(_("{field}: {value} cannot be read ({reason})").format(
            field=_(field), value=_shown(text), reason=reason)) from None
    except (RuntimeError, ValueError):  # ~user with no home folder, a NUL in the name, a loop of links
        raise BadInput(_("{field}: {value} is not a usable file name").format(
            field=_(field), value=_shown(text))) from None
