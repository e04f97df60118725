"""The administrator's Google sign-in, and the Marketplace path of a region.

Sign-in is OAuth 2.0 for installed apps (authorization code + PKCE) with google-auth-oauthlib's `Flow`, the
OAuth client taken from the organisation's own client-secret file. The browser comes back to a receiver of
our own on `http://127.0.0.1:<free port>/`: a small HTTP server on one thread that serves until it gets the
redirect carrying the right `state` (answers with another state are refused and the wait goes on), and that
stops on cancel (`CancelToken`, from the UI) or after `wait_seconds`. google-auth-oauthlib's
`run_local_server` is not used: it serves one request only, defaults to port 8080 and cannot be cancelled.

Nothing process-wide is changed: oauthlib insists on https for the authorize and token URLs (the real ones
and the sandbox's are), and the plain-http loopback redirect is never handed to oauthlib to parse — the
receiver checks `state` itself and passes only the `code` to `Flow.fetch_token`.

The user is identified from the ID token (signature checked against the issuer's certificates, `aud` = the
client ID, issuer, nonce), then Directory `users.get` says whether they are a super administrator; anyone
else gets `not_admin`. `rapt_required` gives `reauth_required`. Tokens are used once and forgotten (and
registered with the log redactor while they exist). With `audit_app_ids` (the Marketplace path) the sign-in
also asks for `admin.reports.audit.readonly` and, once the super administrator is confirmed, reads the Admin
audit log for the app's install (`google.marketplace.read_install`) with the same token:
`SignInResult.install`.

`marketplace_path(region)` describes the Google Workspace Marketplace route for a region: the install link,
the client ID and scopes its instance needs, or "not configured". Qt-free; never prints.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests.adapters
from google.auth import exceptions as google_exceptions
from google.oauth2 import credentials as user_credentials
from google.oauth2 import id_token as google_id_token
from google_auth_oauthlib.flow import Flow
from requests_oauthlib import OAuth2Session

from ec_console.checks import CancelToken, Diagnosis, StepFailure
from ec_console.i18n import N_, _
from ec_console.providers.google.errors import Names, classify_network_error, is_network_error, short
from ec_console.providers.google.key import register_secret
from ec_console.providers.google.net import DEFAULT_TIMEOUT, TokenTransport
from ec_console.providers.transport import CheckTransport, TrustMixin
from ec_console.texts import say

log = logging.getLogger(__name__)

DIRECTORY_READONLY = "https://www.googleapis.com/auth/admin.directory.user.readonly"
SIGN_IN_SCOPES = ("openid", "https://www.googleapis.com/auth/userinfo.email", DIRECTORY_READONLY)
GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
DEFAULT_WAIT_SECONDS = 300.0
ID_TOKEN_CLOCK_SKEW = 60
_REQUIRED = ("client_id", "client_secret", "auth_uri", "token_uri")


class ClientSecretProblem(ValueError):
    """The client-secret file is not an installed-app OAuth client; the message says why."""


def load_client_config(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The `{"installed": {...}}` config of a client-secret file (a path or the parsed JSON), validated."""
    if isinstance(source, Mapping):
        info: Any = dict(source)
    else:
        try:
            info = json.loads(Path(source).read_text(encoding="utf-8-sig"))
        except OSError as exc:
            problem = say("the file cannot be read ({error})", error=exc.strerror or exc)
            raise ClientSecretProblem(problem) from None
        except (ValueError, UnicodeDecodeError):
            raise ClientSecretProblem(say("it is not JSON")) from None
        except RecursionError:  # a client file is two levels deep; this is not one
            problem = say("it is not an OAuth client file: its JSON nests too deeply")
            raise ClientSecretProblem(problem) from None
    if not isinstance(info, dict):
        raise ClientSecretProblem(say("it is not a JSON object"))
    if info.get("type") == "service_account":
        raise ClientSecretProblem(
            say("it is a service-account key; the sign-in needs the OAuth client file "
                "(client_secret_….json) of a Desktop app")
        )
    if "web" in info and "installed" not in info:
        raise ClientSecretProblem(
            say("it is a Web application client; create an OAuth client of type Desktop "
                "app (only that type may redirect to this computer)")
        )
    config = info.get("installed")
    if not isinstance(config, dict):
        raise ClientSecretProblem(say("it has no 'installed' section: it is not an OAuth client file"))
    missing = [f for f in _REQUIRED if not isinstance(config.get(f), str) or not config[f].strip()]
    if missing:
        raise ClientSecretProblem(say("fields missing in 'installed': {fields}", fields=", ".join(missing)))
    for name in ("auth_uri", "token_uri"):
        _check_https(name, config[name])
    register_secret(config["client_secret"])
    return {"installed": config}


def _check_https(name: str, value: str) -> None:
    """ClientSecretProblem unless `value` is an https URL with a host."""
    shown = repr(value if len(value) <= 60 else value[:57] + "...")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        problem = say("{field} {value} is not a valid URL", field=name, value=shown)
        raise ClientSecretProblem(problem) from None
    if parts.scheme != "https":
        raise ClientSecretProblem(say("{field} {value} is not an https URL", field=name, value=shown))
    if not host:
        raise ClientSecretProblem(say("{field} {value} has no host name", field=name, value=shown))


@dataclass(frozen=True)
class SignInSettings:
    """The organisation's OAuth client (`load_client_config` output) and how long to wait."""

    client_config: Mapping[str, Any] = field(repr=False)
    api_root: str | None = None
    timeout: float = DEFAULT_TIMEOUT  # each network wait
    wait_seconds: float = DEFAULT_WAIT_SECONDS  # how long the browser may take
    ca_file: str | Path | None = None
    login_hint: str | None = None
    audit_app_ids: tuple[str, ...] = ()  # Marketplace path: look these app IDs up in the Admin audit log

    @property
    def scopes(self) -> tuple[str, ...]:
        if not self.audit_app_ids:
            return SIGN_IN_SCOPES
        from ec_console.providers.google.marketplace import REPORTS_AUDIT_READONLY

        return (*SIGN_IN_SCOPES, REPORTS_AUDIT_READONLY)


@dataclass(frozen=True)
class SignInResult:
    """`status`: signed_in, not_admin, denied, cancelled, timed_out or failed."""

    status: str
    email: str | None = None
    is_admin: bool = False
    detail: str = ""
    diagnosis: Diagnosis | None = None
    install: Any = None  # a `google.marketplace.InstallRecord` when `audit_app_ids` were given

    @property
    def ok(self) -> bool:
        return self.status == "signed_in"


# --- the loopback receiver -------------------------------------------------------------------------------

_DONE_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Enterprise Connect Console</title>"
    "</head><body><h1>{title}</h1><p>{text}</p></body></html>"
)


class _Server(HTTPServer):
    allow_reuse_address = False
    owner: LoopbackReceiver


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # a browser that connects and says nothing cannot hold the receiver

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        assert isinstance(self.server, _Server)
        status, title, text = self.server.owner.accept(self.path)
        # The page is shown in the console's language (`accept` names its texts in English).
        body = _DONE_PAGE.format(title=html.escape(_(title)), text=html.escape(_(text))).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the query holds the code: no log
        return


class LoopbackReceiver:
    """Waits on 127.0.0.1 (a free port) for the browser's redirect carrying `state`."""

    def __init__(self, state: str) -> None:
        self._state = state
        self._done = threading.Event()
        self._lock = threading.Lock()
        self.params: dict[str, str] | None = None
        self.rejected = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="google-signin-receiver",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def accept(self, path: str) -> tuple[int, str, str]:
        """Judge one request: (HTTP status, page title, page text)."""
        parts = urlsplit(path)
        if parts.path not in ("", "/"):
            return 404, N_("Not found"), N_("This address only receives the console's sign-in.")
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:
            if self._done.is_set():
                return 409, N_("Sign-in already received"), N_("You can close this window.")
            if not secrets.compare_digest(params.get("state", ""), self._state):
                self.rejected += 1
                return (
                    400,
                    N_("Not this sign-in"),
                    N_(
                        "This answer does not belong to the sign-in the console is "
                        "waiting for. Start the sign-in again from the console."
                    ),
                )
            self.params = params
            self._done.set()
        if "error" in params:
            return 200, N_("Sign-in not completed"), N_("You can close this window and return to the "
                                                        "console.")
        return 200, N_("Signed in"), N_("You can close this window and return to the console.")

    def wait(self, deadline: float, cancel: CancelToken) -> str:
        """'received', 'cancelled' or 'timed_out'."""
        while not self._done.wait(0.1):
            if cancel.cancelled:
                return "cancelled"
            if time.monotonic() >= deadline:
                return "timed_out"
        return "received"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


# --- the sign-in -----------------------------------------------------------------------------------------


class _OAuthSession(TrustMixin, OAuth2Session):
    """requests-oauthlib's session with per-connection trust (see `transport.TrustMixin`)."""


class AdminSignIn:
    """One sign-in. `begin()` gives the URL to open in the browser; `finish()` waits and checks the user.

    Call `close()` (or use as a context manager) to stop the receiver. `cancel()` may be called from any
    thread (the UI's Cancel button); `finish()` then returns `cancelled`.
    """

    def __init__(self, settings: SignInSettings, *, cancel: CancelToken | None = None) -> None:
        self.settings = settings
        self.cancel_token = cancel or CancelToken()
        self._config = dict(settings.client_config["installed"])
        self._transport = CheckTransport(settings.ca_file)  # the sign-in's trust, answer cap and proxies
        self._state = secrets.token_urlsafe(32)
        self._nonce = secrets.token_urlsafe(24)
        self._receiver: LoopbackReceiver | None = None
        self._flow: Flow | None = None
        self._session: _OAuthSession | None = None
        self._names = Names(timeout=settings.timeout)

    def __enter__(self) -> AdminSignIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def close(self) -> None:
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        if self._session is not None:
            self._session.close()
            self._session = None
        self._transport.close()

    @property
    def redirect_uri(self) -> str:
        if self._receiver is None:
            raise RuntimeError("begin() first")
        return self._receiver.redirect_uri

    def begin(self) -> str:
        """Start the receiver and return the authorization URL (PKCE S256, state, nonce)."""
        if self._receiver is not None:
            raise RuntimeError("a sign-in begins once")
        self._receiver = LoopbackReceiver(self._state)
        session = _OAuthSession(
            self._config["client_id"],
            scope=list(self.settings.scopes),
            redirect_uri=self._receiver.redirect_uri,
            state=self._state,
        )
        self._transport.mount(session, pool_size=requests.adapters.DEFAULT_POOLSIZE)
        self._session = session
        self._flow = Flow(
            session, "installed", {"installed": self._config}, redirect_uri=self._receiver.redirect_uri
        )
        extra = {"login_hint": self.settings.login_hint} if self.settings.login_hint else {}
        url, _state = self._flow.authorization_url(
            access_type="online", prompt="select_account", nonce=self._nonce, **extra
        )
        return url

    def finish(self) -> SignInResult:
        """Wait for the browser, exchange the code, identify the user and check they are a super admin."""
        if self._receiver is None or self._flow is None:
            raise RuntimeError("begin() first")
        deadline = time.monotonic() + self.settings.wait_seconds
        outcome = self._receiver.wait(deadline, self.cancel_token)
        if outcome == "cancelled":
            return SignInResult("cancelled", detail=say("The sign-in was cancelled."))
        if outcome == "timed_out":
            seconds = format(self.settings.wait_seconds, "g")
            return SignInResult(
                "timed_out",
                detail=say("No answer from the browser within {seconds} seconds.", seconds=seconds),
            )
        params = self._receiver.params or {}
        if "error" in params:
            error = short(params.get("error", ""))
            return SignInResult(
                "denied",
                detail=say("Google did not complete the sign-in ({error}): the consent was declined or the "
                           "window was closed.", error=error),
            )
        code = params.get("code", "")
        if not code:
            return SignInResult("failed", detail=say("The browser came back without an authorization code."))
        try:
            return self._complete(code)
        except StepFailure as failure:
            diagnosis = failure.outcome.diagnosis
            status = "not_admin" if diagnosis is not None and diagnosis.code == "not_admin" else "failed"
            return SignInResult(status, detail=failure.outcome.detail, diagnosis=diagnosis)

    # -- after the browser ------------------------------------------------------------------------------

    def _complete(self, code: str) -> SignInResult:
        register_secret(code)
        token = self._fetch_token(code)
        access = str(token.get("access_token") or "")
        raw_id_token = str(token.get("id_token") or "")
        for value in (access, raw_id_token, str(token.get("refresh_token") or "")):
            if value:
                register_secret(value)
        if not access or not raw_id_token:
            raise StepFailure(
                self._names.render(
                    "server_error",
                    host=self._host("token_uri"),
                    error="the token answer has no access token or ID token",
                )
            )
        email = self._verify_id_token(raw_id_token)
        is_admin = self._is_super_admin(email, access)
        if not is_admin:
            names = Names(admin=email)
            raise StepFailure(
                names.render("not_admin"),
                say("{admin} signed in but is not a super administrator.", admin=email),
            )
        install = self._read_install(access) if self.settings.audit_app_ids else None
        return SignInResult(
            "signed_in", email=email, is_admin=True, install=install,
            detail=say("{admin} signed in and is a super administrator.", admin=email),
        )

    def _host(self, key: str) -> str:
        return urlsplit(self._config.get(key, "")).hostname or ""

    def _fetch_token(self, code: str) -> dict[str, Any]:
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error

        assert self._flow is not None
        try:
            return dict(self._flow.fetch_token(code=code, timeout=self.settings.timeout))
        except OAuth2Error as exc:
            text = f"{exc.error}: {exc.description or ''}".strip(": ")
            if "rapt" in text.lower():
                raise StepFailure(self._names.render("reauth_required"), short(text)) from None
            diagnosis = self._names.render("server_error", host=self._host("token_uri"), error=short(text))
            detail = say("The token endpoint refused the sign-in: {error}.", error=short(text))
            raise StepFailure(diagnosis, detail) from None
        except Exception as exc:
            if not is_network_error(exc):
                raise
            port = urlsplit(self._config["token_uri"]).port or 443
            raise StepFailure(
                classify_network_error(exc, self._names, host=self._host("token_uri"), port=port)
            ) from None

    def _verify_id_token(self, raw: str) -> str:
        assert self._session is not None
        certs_url = self._config.get("auth_provider_x509_cert_url") or GOOGLE_CERTS_URL
        request = TokenTransport(self._session, self.settings.timeout, self.cancel_token)
        try:
            claims = google_id_token.verify_token(
                raw,
                request,
                audience=self._config["client_id"],
                certs_url=certs_url,
                clock_skew_in_seconds=ID_TOKEN_CLOCK_SKEW,
            )
        except google_exceptions.TransportError as exc:
            parts = urlsplit(certs_url)
            raise StepFailure(
                classify_network_error(exc, self._names, host=parts.hostname or "", port=parts.port or 443)
            ) from None
        except (ValueError, google_exceptions.GoogleAuthError) as exc:
            error = f"the ID token failed verification ({short(exc)})"
            raise StepFailure(
                self._names.render("server_error", host=self._host("token_uri"), error=error)
            ) from None
        problem = None
        if claims.get("iss") not in GOOGLE_ISSUERS:
            problem = f"issuer {claims.get('iss')!r} is not Google's"
        elif claims.get("nonce") != self._nonce:
            problem = "its nonce does not match this sign-in"
        elif not claims.get("email") or claims.get("email_verified") is False:
            problem = "it carries no verified email address"
        if problem:
            raise StepFailure(
                self._names.render(
                    "server_error",
                    host=self._host("token_uri"),
                    error=f"the ID token is not acceptable: {problem}",
                )
            )
        return str(claims["email"]).lower()

    def _is_super_admin(self, email: str, access_token: str) -> bool:
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient import discovery

        from ec_console.providers.google.check import DIRECTORY, _discovery, api_endpoint

        names = Names(admin=email, user=email, timeout=self.settings.timeout)
        creds = user_credentials.Credentials(token=access_token)
        root = self.settings.api_root
        options = {"api_endpoint": api_endpoint(root, DIRECTORY)} if root else None
        raw = self._transport.http(self.settings.timeout)
        http = AuthorizedHttp(creds, http=raw)
        service = discovery.build_from_document(
            _discovery(DIRECTORY[0], DIRECTORY[1])[0], http=http, client_options=options
        )

        with raw:  # the Directory connection is closed when the answer is read, whatever it was
            return self._read_admin_flag(service, email, names, root)

    def _read_install(self, access_token: str) -> Any:
        """The Admin audit log's record of the Marketplace app (`google.marketplace.InstallRecord`)."""
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient import discovery

        from ec_console.providers.google.check import _discovery, api_endpoint
        from ec_console.providers.google.marketplace import REPORTS, read_install

        creds = user_credentials.Credentials(token=access_token)
        root = self.settings.api_root
        options = {"api_endpoint": api_endpoint(root, REPORTS)} if root else None
        raw = self._transport.http(self.settings.timeout)
        service = discovery.build_from_document(
            _discovery(REPORTS[0], REPORTS[1])[0], http=AuthorizedHttp(creds, http=raw),
            client_options=options,
        )
        with raw:
            return read_install(service, self.settings.audit_app_ids, cancel=self.cancel_token)

    @staticmethod
    def _read_admin_flag(service: Any, email: str, names: Names, root: str | None) -> bool:
        from googleapiclient.errors import HttpError

        from ec_console.providers.google.check import DIRECTORY
        from ec_console.providers.google.errors import classify_http_error

        try:
            user = (
                service.users()
                .get(userKey=email, fields="primaryEmail,isAdmin,isDelegatedAdmin")
                .execute(num_retries=0)
            )
        except HttpError as exc:
            host = urlsplit(root or "https://admin.googleapis.com/").hostname
            raise StepFailure(
                classify_http_error(
                    exc, names, api=DIRECTORY[2], host=host, on_forbidden=lambda _p: names.render("not_admin")
                ),
                say("Directory refused to read {admin}'s own record.", admin=email),
            ) from None
        except Exception as exc:
            if not is_network_error(exc):
                raise
            parts = urlsplit(root or "https://admin.googleapis.com/")
            raise StepFailure(
                classify_network_error(exc, names, host=parts.hostname or "", port=parts.port or 443)
            ) from None
        return bool(user.get("isAdmin"))


def sign_in_admin(
    settings: SignInSettings,
    *,
    open_browser: Callable[[str], Any] | None = webbrowser.open,
    cancel: CancelToken | None = None,
    on_url: Callable[[str], None] | None = None,
) -> SignInResult:
    """The whole sign-in, blocking (run it off the GUI thread): start, open the browser, wait, check.

    `on_url` gets the authorization URL too (the UI shows it with a Copy button in case no browser opens).
    """
    with AdminSignIn(settings, cancel=cancel) as flow:
        url = flow.begin()
        if on_url is not None:
            on_url(url)
        if open_browser is not None:
            try:
                open_browser(url)
            except Exception:  # noqa: BLE001 - no browser: the URL is still shown by the caller
                log.warning("Could not open a browser for the sign-in; the URL is shown instead")
        return flow.finish()


# --- the Marketplace path --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketplacePath:
    """What the wizard shows for the Marketplace route in one region."""

    region_id: str
    region_name: str
    configured: bool
    install_link: str
    client_id: str
    scopes: tuple[str, ...]
    summary: str
    steps: tuple[str, ...]


def marketplace_path(region: Any) -> MarketplacePath:
    """The Marketplace install link, client ID and scopes of `region` (an `ec_console.regions.Region`)."""
    listing = region.google_marketplace
    if not listing.configured:
        fields = (
            ("listing URL", listing.listing_url),
            ("client ID", listing.client_id),
            ("scopes", listing.scopes),
        )
        missing = [name for name, value in fields if not value]
        return MarketplacePath(
            region.id,
            region.name,
            False,
            "",
            listing.client_id,
            tuple(listing.scopes),
            f"The Google Workspace Marketplace app is not configured for {region.label} "
            f"({', '.join(missing)} not set). Use domain-wide delegation with your own service account, or "
            "add the listing to regions.toml in the console's configuration folder.",
            (),
        )
    scopes = tuple(listing.scopes)
    steps = (
        "Sign in to the Admin console as a super administrator.",
        f"Open the Marketplace listing and choose Install (domain install): {listing.listing_url}",
        "Choose who gets the app: everyone, or only some organisational units or groups — the app can then "
        "reach only those users' calendars.",
        f"Review and accept the access it asks for: client ID {listing.client_id}, scopes "
        f"{', '.join(scopes)}.",
        "Back in the console, test a user inside and one outside the chosen units or groups.",
    )
    return MarketplacePath(
        region.id,
        region.name,
        True,
        listing.listing_url,
        listing.client_id,
        scopes,
        f"Install the Enterprise Connect app for {region.label} from the Google Workspace "
        "Marketplace: delegation is granted with the install, and can be limited to "
        "organisational units or groups.",
        steps,
    )
