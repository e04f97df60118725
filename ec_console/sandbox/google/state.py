"""Mutable state shared by the Google sandbox's endpoints: clock, project, service account, clients, tokens.

The token endpoint, the OAuth endpoints and the APIs all read this one object, so a switch flipped by a test
(`GoogleSandbox.delete_key()`, `.disable_api("calendar")` ...) takes effect on the next request.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from dataclasses import dataclass, field

from ec_console.sandbox.google.credentials import OAuthClient, ServiceAccountIdentity, SigningKey
from ec_console.sandbox.google.org import GoogleOrganisation, stable_id

GOOGLE = "https://www.googleapis.com/auth/"
SCOPE_CALENDAR = GOOGLE + "calendar"
SCOPE_CALENDAR_READONLY = GOOGLE + "calendar.readonly"
SCOPE_CALENDAR_EVENTS = GOOGLE + "calendar.events"
SCOPE_CALENDAR_EVENTS_READONLY = GOOGLE + "calendar.events.readonly"
SCOPE_CALENDAR_FREEBUSY = GOOGLE + "calendar.freebusy"
SCOPE_DIRECTORY_USER = GOOGLE + "admin.directory.user"
SCOPE_DIRECTORY_USER_READONLY = GOOGLE + "admin.directory.user.readonly"
SCOPE_REPORTS_AUDIT_READONLY = GOOGLE + "admin.reports.audit.readonly"
SCOPE_DIRECTORY_GROUP_MEMBER_READONLY = GOOGLE + "admin.directory.group.member.readonly"
SCOPE_DIRECTORY_GROUP_READONLY = GOOGLE + "admin.directory.group.readonly"
SCOPE_DIRECTORY_ORGUNIT_READONLY = GOOGLE + "admin.directory.orgunit.readonly"
SCOPE_USERINFO_EMAIL = GOOGLE + "userinfo.email"
SCOPE_USERINFO_PROFILE = GOOGLE + "userinfo.profile"
SCOPE_OPENID = "openid"

# Short names the authorize endpoint accepts and the token answer spells out, as Google does.
SCOPE_ALIASES = {"email": SCOPE_USERINFO_EMAIL, "profile": SCOPE_USERINFO_PROFILE}

KNOWN_SCOPES: frozenset[str] = frozenset(
    {
        SCOPE_OPENID,
        SCOPE_USERINFO_EMAIL,
        SCOPE_USERINFO_PROFILE,
        SCOPE_CALENDAR,
        SCOPE_CALENDAR_READONLY,
        SCOPE_CALENDAR_EVENTS,
        SCOPE_CALENDAR_EVENTS_READONLY,
        SCOPE_CALENDAR_FREEBUSY,
        GOOGLE + "calendar.events.freebusy",
        GOOGLE + "calendar.events.owned",
        GOOGLE + "calendar.events.owned.readonly",
        GOOGLE + "calendar.calendarlist",
        GOOGLE + "calendar.calendarlist.readonly",
        GOOGLE + "calendar.calendars",
        GOOGLE + "calendar.calendars.readonly",
        GOOGLE + "calendar.settings.readonly",
        SCOPE_DIRECTORY_USER,
        SCOPE_DIRECTORY_USER_READONLY,
        SCOPE_REPORTS_AUDIT_READONLY,
        GOOGLE + "admin.directory.group",
        SCOPE_DIRECTORY_GROUP_READONLY,
        GOOGLE + "admin.directory.group.member",
        SCOPE_DIRECTORY_GROUP_MEMBER_READONLY,
        GOOGLE + "admin.directory.orgunit",
        SCOPE_DIRECTORY_ORGUNIT_READONLY,
        GOOGLE + "admin.directory.domain.readonly",
        GOOGLE + "admin.directory.customer.readonly",
        GOOGLE + "cloud-platform",
        # Real scopes of other Google APIs: known to Google, so a request for one that is not delegated is
        # unauthorized_client, never invalid_scope.
        "https://mail.google.com/",
        GOOGLE + "gmail.readonly",
        GOOGLE + "gmail.send",
        GOOGLE + "gmail.modify",
        GOOGLE + "drive",
        GOOGLE + "drive.readonly",
        GOOGLE + "drive.file",
        GOOGLE + "contacts.readonly",
        GOOGLE + "directory.readonly",
        GOOGLE + "tasks",
        GOOGLE + "admin.reports.audit.readonly",
    }
)

# What the sandbox's Admin console lists for the service account's client ID at the start.
DEFAULT_DELEGATED_SCOPES: tuple[str, ...] = (
    SCOPE_CALENDAR,
    SCOPE_CALENDAR_READONLY,
    SCOPE_CALENDAR_EVENTS_READONLY,
    SCOPE_CALENDAR_FREEBUSY,
    SCOPE_DIRECTORY_USER_READONLY,
    SCOPE_DIRECTORY_GROUP_MEMBER_READONLY,
    SCOPE_DIRECTORY_ORGUNIT_READONLY,
)


@dataclass(frozen=True)
class GoogleApi:
    """An API of the Cloud project that can be enabled or disabled."""

    key: str  # "directory" | "calendar"
    service: str  # service name in ErrorInfo and the console link
    title: str  # service title in the message

    def activation_url(self, project_number: str) -> str:
        return (
            f"https://console.developers.google.com/apis/api/{self.service}/overview?project={project_number}"
        )


APIS: dict[str, GoogleApi] = {
    "directory": GoogleApi("directory", "admin.googleapis.com", "Admin SDK API"),
    "calendar": GoogleApi("calendar", "calendar-json.googleapis.com", "Google Calendar API"),
    # The Reports API is part of the Admin SDK API: the same switch as Directory's.
    "reports": GoogleApi("directory", "admin.googleapis.com", "Admin SDK API"),
}


class SandboxClock:
    """The sandbox's idea of "now": real UTC time plus an offset tests can shift."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = float(seconds)

    def shift(self, seconds: float) -> None:
        with self._lock:
            self._offset += float(seconds)

    def timestamp(self) -> float:
        return time.time() + self.offset

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp(), dt.UTC)


@dataclass(frozen=True)
class Grant:
    """What an access token stands for."""

    principal: str  # the service account's email, or the signed-in user's
    subject: str | None  # the user acted as (None: the service account itself)
    scopes: frozenset[str]
    client_id: str
    project_number: str
    expires_at: float  # sandbox clock


@dataclass(frozen=True)
class RefreshGrant:
    user: str
    scopes: frozenset[str]
    client_id: str


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    user: str
    scopes: frozenset[str]
    code_challenge: str | None
    code_challenge_method: str
    nonce: str | None
    offline: bool
    expires_at: float


class TokenStore:
    """Opaque tokens and codes the sandbox issued, thread-safe."""

    ACCESS_LIFETIME = 3599
    CODE_LIFETIME = 600

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, RefreshGrant] = {}
        self._codes: dict[str, AuthorizationCode] = {}

    def issue_access(self, grant: Grant) -> str:
        token = "ya29.sbx" + secrets.token_urlsafe(48)
        with self._lock:
            self._access[token] = grant
        return token

    def access(self, token: str) -> Grant | None:
        with self._lock:
            return self._access.get(token)

    def issue_refresh(self, grant: RefreshGrant) -> str:
        token = "1//0sbx" + secrets.token_urlsafe(40)
        with self._lock:
            self._refresh[token] = grant
        return token

    def refresh(self, token: str) -> RefreshGrant | None:
        with self._lock:
            return self._refresh.get(token)

    def issue_code(self, code: AuthorizationCode) -> str:
        value = "4/0Asbx" + secrets.token_urlsafe(40)
        with self._lock:
            self._codes[value] = code
        return value

    def redeem_code(self, value: str) -> AuthorizationCode | None:
        """The code's grant, once: a second redemption finds nothing."""
        with self._lock:
            return self._codes.pop(value, None)

    def expire_access(self) -> None:
        with self._lock:
            self._access.clear()

    def revoke_all(self) -> None:
        with self._lock:
            self._access.clear()
            self._refresh.clear()
            self._codes.clear()


@dataclass(frozen=True)
class AuditEvent:
    """One Admin audit log event (Reports API, applicationName=admin), e.g. ADD_APPLICATION."""

    time: dt.datetime
    actor: str
    type: str  # e.g. DOMAIN_SETTINGS
    name: str  # e.g. ADD_APPLICATION
    parameters: tuple[tuple[str, str], ...]


@dataclass
class ServiceAccountState:
    identity: ServiceAccountIdentity
    keys: dict[str, SigningKey]  # active keys by key id
    deleted: bool = False
    delegated_scopes: set[str] | None = None  # None: the client ID has no domain-wide delegation entry


@dataclass
class GoogleState:
    org: GoogleOrganisation
    service_account: ServiceAccountState
    oauth_client: OAuthClient
    id_token_key: SigningKey
    clock: SandboxClock = field(default_factory=SandboxClock)
    tokens: TokenStore = field(default_factory=TokenStore)
    disabled_apis: set[str] = field(default_factory=set)
    browser_user: str | None = None  # who the scripted browser is signed in as
    browser_consents: bool = True
    audit_events: list[AuditEvent] = field(default_factory=list)  # the Admin audit log, oldest first
    token_uri: str = ""  # set once the server listens
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def create(cls, org: GoogleOrganisation) -> GoogleState:
        email = f"ec-calendar@{org.project_id}.iam.gserviceaccount.com"
        identity = ServiceAccountIdentity(email=email, client_id=stable_id(email), project_id=org.project_id)
        key = SigningKey.generate()
        account = ServiceAccountState(
            identity, {key.key_id: key}, delegated_scopes=set(DEFAULT_DELEGATED_SCOPES)
        )
        return cls(
            org=org,
            service_account=account,
            oauth_client=OAuthClient.generate(org.project_number, org.project_id),
            id_token_key=SigningKey.generate(),
        )

    def api_enabled(self, key: str) -> bool:
        with self.lock:
            return key not in self.disabled_apis


def normalise_scopes(raw: str) -> list[str]:
    """Space-separated scopes with Google's short aliases spelled out, order kept, duplicates dropped."""
    out: list[str] = []
    for item in raw.split():
        scope = SCOPE_ALIASES.get(item, item)
        if scope not in out:
            out.append(scope)
    return out
