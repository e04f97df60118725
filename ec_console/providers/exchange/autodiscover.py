"""The check's own autodiscover walk (SOAP `GetUserSettings`), with this check's trust and timeout.

exchangelib's autodiscover is not used: it resolves names with dnspython (ignoring the hosts file and the
way the rest of the check resolves), caches results on disk in the temp folder (a Retry would not see a
fix), and hides which candidate failed how. This walk is stateless and reports every attempt.

Candidates, in order (the order Outlook and exchangelib use), for the mailbox's domain D:

1. `https://D/autodiscover/autodiscover.svc`
2. `https://autodiscover.D/autodiscover/autodiscover.svc`
3. `http://autodiscover.D/autodiscover/autodiscover.xml` — only to read a redirect to an https host, which
   is then tried (no credentials are ever sent over plain http)
4. the DNS SRV record `_autodiscover._tcp.D` → `https://<target>:<port>/autodiscover/autodiscover.svc`

Each https candidate gets an unauthenticated POST to learn the offered method (NTLM preferred over Basic,
as for EWS), then the authenticated `GetUserSettings` request for `InternalEwsUrl` and `ExternalEwsUrl`.
The first candidate that answers with an EWS URL wins (InternalEwsUrl first: the console runs inside the
organisation's network; ExternalEwsUrl otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import requests
from exchangelib.util import to_xml
from requests.auth import HTTPBasicAuth
from requests_ntlm import HttpNtlmAuth

from ec_console.providers.transport import CheckTransport

_NS = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
_ACTION = "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings"
_SETTINGS = ("InternalEwsUrl", "ExternalEwsUrl")


class AutodiscoverFailed(Exception):
    """No candidate gave an EWS URL; `attempts` lists what each one answered."""

    def __init__(self, attempts: list[dict[str, str]]) -> None:
        super().__init__("autodiscover failed")
        self.attempts = attempts

    def summary(self) -> str:
        return "; ".join(f"{a['url']}: {a['result']}" for a in self.attempts) or "no candidate to try"


@dataclass(frozen=True)
class Discovered:
    ews_url: str
    source: str
    settings: dict[str, str]
    attempts: list[dict[str, str]]


def candidate_urls(domain: str) -> list[str]:
    """The https candidates for `domain` before the http redirect and SRV look-ups."""
    return [
        f"https://{domain}/autodiscover/autodiscover.svc",
        f"https://autodiscover.{domain}/autodiscover/autodiscover.svc",
    ]


def discover(
    mailbox: str,
    *,
    username: str | None,
    password: str,
    auth: str | None,
    transport: CheckTransport,
    timeout: float,
    candidates: tuple[str, ...] | None = None,
) -> Discovered:
    domain = mailbox.rsplit("@", 1)[-1]
    attempts: list[dict[str, str]] = []
    session = transport.session()
    try:
        urls = list(candidates) if candidates else candidate_urls(domain)
        for url in urls:
            found = _try(session, url, mailbox, username, password, auth, timeout, attempts)
            if found:
                return Discovered(found[0], url, found[1], attempts)
        if candidates:
            raise AutodiscoverFailed(attempts)
        for url in _redirect_candidates(session, domain, timeout, attempts) + _srv_candidates(
            domain, attempts
        ):
            found = _try(session, url, mailbox, username, password, auth, timeout, attempts)
            if found:
                return Discovered(found[0], url, found[1], attempts)
        raise AutodiscoverFailed(attempts)
    finally:
        session.close()


def _try(
    session: requests.Session,
    url: str,
    mailbox: str,
    username: str | None,
    password: str,
    auth: str | None,
    timeout: float,
    attempts: list[dict[str, str]],
) -> tuple[str, dict[str, str]] | None:
    body = _request_body(url, mailbox).encode()
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": _ACTION}
    try:
        first = session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        offered = first.headers.get("WWW-Authenticate", "").lower()
        first.close()
        if first.status_code == 401 and username:
            use_ntlm = auth == "ntlm" or (auth is None and ("ntlm" in offered or "negotiate" in offered))
            credentials: Any = (
                HttpNtlmAuth(username, password) if use_ntlm else HTTPBasicAuth(username, password)
            )
            response = session.post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False, auth=credentials
            )
        else:
            response = first
    except requests.RequestException as exc:
        attempts.append({"url": url, "result": _short(type(exc).__name__ + ": " + str(exc))})
        return None
    if response.status_code != 200:
        attempts.append({"url": url, "result": f"HTTP {response.status_code}"})
        return None
    try:
        settings = _parse_settings(response.content)
    except ValueError as exc:
        attempts.append({"url": url, "result": _short(str(exc))})
        return None
    ews_url = settings.get("InternalEwsUrl") or settings.get("ExternalEwsUrl")
    if not ews_url:
        attempts.append({"url": url, "result": "answered without an EWS URL"})
        return None
    attempts.append({"url": url, "result": f"EWS URL {ews_url}"})
    return ews_url, settings


def _redirect_candidates(
    session: requests.Session, domain: str, timeout: float, attempts: list[dict[str, str]]
) -> list[str]:
    url = f"http://autodiscover.{domain}/autodiscover/autodiscover.xml"
    try:
        response = session.get(url, timeout=timeout, allow_redirects=False)
        response.close()
    except requests.RequestException as exc:
        attempts.append({"url": url, "result": _short(type(exc).__name__ + ": " + str(exc))})
        return []
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308) and location.lower().startswith("https://"):
        host = urlsplit(location).netloc
        attempts.append({"url": url, "result": f"redirects to {location}"})
        return [f"https://{host}/autodiscover/autodiscover.svc"]
    attempts.append({"url": url, "result": f"HTTP {response.status_code}, no https redirect"})
    return []


def _srv_candidates(domain: str, attempts: list[dict[str, str]]) -> list[str]:
    name = f"_autodiscover._tcp.{domain}"
    try:
        import dns.exception
        import dns.resolver

        answer = dns.resolver.resolve(name, "SRV", lifetime=5.0)
    except ImportError:  # pragma: no cover - dnspython comes with exchangelib
        return []
    except dns.exception.DNSException as exc:
        attempts.append({"url": f"SRV {name}", "result": _short(type(exc).__name__)})
        return []
    records = sorted(answer, key=lambda r: (r.priority, -r.weight))
    urls = [f"https://{str(r.target).rstrip('.')}:{r.port}/autodiscover/autodiscover.svc" for r in records]
    attempts.append({"url": f"SRV {name}", "result": ", ".join(urls) or "no record"})
    return urls


def _request_body(url: str, mailbox: str) -> str:
    settings = "".join(f"<a:Setting>{s}</a:Setting>" for s in _SETTINGS)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:a="{_NS}" xmlns:wsa="http://www.w3.org/2005/08/addressing" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soap:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>"
        f"<wsa:Action>{_ACTION}</wsa:Action><wsa:To>{escape(url)}</wsa:To></soap:Header>"
        "<soap:Body><a:GetUserSettingsRequestMessage><a:Request><a:Users><a:User>"
        f"<a:Mailbox>{escape(mailbox)}</a:Mailbox></a:User></a:Users>"
        f"<a:RequestedSettings>{settings}</a:RequestedSettings>"
        "</a:Request></a:GetUserSettingsRequestMessage></soap:Body></soap:Envelope>"
    )


def _parse_settings(content: bytes) -> dict[str, str]:
    try:
        root = to_xml(content)
    except Exception as exc:  # noqa: BLE001 - any parse failure is "not an autodiscover answer"
        raise ValueError(f"not an autodiscover answer ({type(exc).__name__})") from None
    tree = root.getroot() if hasattr(root, "getroot") else root
    error_code = tree.find(f".//{{{_NS}}}UserResponse/{{{_NS}}}ErrorCode")
    if error_code is not None and (error_code.text or "") not in ("NoError", ""):
        message = tree.find(f".//{{{_NS}}}UserResponse/{{{_NS}}}ErrorMessage")
        raise ValueError(f"{error_code.text}: {message.text if message is not None else ''}".strip(": "))
    settings: dict[str, str] = {}
    for setting in tree.iter(f"{{{_NS}}}UserSetting"):
        name = setting.find(f"{{{_NS}}}Name")
        value = setting.find(f"{{{_NS}}}Value")
        if name is not None and value is not None and name.text and value.text:
            settings[name.text] = value.text.strip()
    return settings


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:199] + "…"
