"""The fictional Microsoft 365 tenant the Graph sandbox serves: its apps, users, scoping group and events.

One tenant holds one app per way of granting calendar access, so switching `--client-id` switches the case:

- `rbac`: RBAC for Applications (`New-ManagementRoleAssignment -App ...
  -Role "Application Calendars.ReadWrite" -CustomResourceScope ...` over the scoping group). Exchange holds
  that grant, so the token's `roles` claim carries no `Calendars.*` role; it does carry the directory roles
  the dashboard needs (GroupMember.Read.All, User.ReadBasic.All). Mailboxes outside the group answer 403
  ErrorAccessDenied.
- `rbac_read_only`: the same scope with "Application Calendars.Read", and no directory role at all (the
  directory calls answer 403 Authorization_RequestDenied, a write answers 403 ErrorAccessDenied).
- `tenant_wide`: `Calendars.ReadWrite` consented in Entra: in `roles`, every mailbox readable.
- `access_policy`: `Calendars.Read` consented in Entra and a legacy Application Access Policy
  (RestrictAccess to the scoping group): outside the group Graph answers 403 "Access to OData is
  disabled ...".
- `no_role`: nothing granted anywhere: a token without `roles`, every mailbox 403 ErrorAccessDenied.
- token-time failures: `expired_secret` (AADSTS7000222), `disabled` (7000112), `no_service_principal`
  (7000229), `conditional_access` (53003).

Every app knows the same client secret and the sandbox's client certificate; `bad_secret` / the unregistered
certificate give AADSTS7000215 / 700027.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field

GRAPH_RESOURCES = (
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
    "00000003-0000-0000-c000-000000000000",  # Microsoft Graph's application id, also accepted as a resource
)
CALENDAR_ROLES = frozenset({"Calendars.Read", "Calendars.ReadWrite", "Calendars.ReadBasic.All"})
WRITE_ROLES = frozenset({"Calendars.ReadWrite"})
MEMBER_ROLES = frozenset({"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"})
USER_ROLES = frozenset({"User.ReadBasic.All", "User.Read.All", "Directory.Read.All"})

TENANT_ID = "7c1e3a52-9d4b-4f6e-8a21-3b5c9e0d4f72"
DOMAIN = "m365.sandbox.example"
INITIAL_DOMAIN = "ecsandbox.onmicrosoft.com"
CLIENT_SECRET = "Gr~sandbox.secret-value_0123456789abcdefXYZ"  # fictional; the shape of an Entra secret value
PFX_PASSWORD = "sandbox-pfx-password"  # fictional


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://{DOMAIN}/{name}"))


@dataclass
class GraphApp:
    """An app registration and its service principal in the tenant (what Entra and Exchange know of it)."""

    key: str  # the sandbox's short name for the case ("rbac", "tenant_wide", ...)
    name: str
    client_id: str
    roles: tuple[str, ...] = ()  # Entra application permissions consented: the token's `roles` claim
    rbac_roles: frozenset[str] = frozenset()  # Exchange RBAC for Applications roles, scoped to the group
    access_policy: bool = False  # a RestrictAccess Application Access Policy to the scoping group
    secret_expired: bool = False
    disabled: bool = False
    service_principal: bool = True
    conditional_access_blocked: bool = False

    @property
    def object_id(self) -> str:
        """The service principal's object id (what `New-ServicePrincipal -ObjectId` takes)."""
        return _id(f"sp/{self.client_id}")


@dataclass
class Event:
    """A fictional event. Subject, body and location exist only so tests can prove a client never read
    them."""

    id: str
    start: dt.datetime
    end: dt.datetime
    show_as: str
    is_all_day: bool = False
    subject: str = ""
    body: str = ""
    location: str = ""
    attendees: tuple[str, ...] = ()


@dataclass
class User:
    address: str
    display_name: str
    in_scope: bool = True  # a direct member of the scoping group
    extra_grant: bool = False  # outside the group, yet a second, wider RBAC scope covers it (a leak)
    mailbox: bool = True  # an Exchange Online mailbox (False: on-premises or unlicensed)
    throttled: bool = False  # every calendar request answers 429 ApplicationThrottled
    events: dict[str, Event] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return _id(f"user/{self.address}")


@dataclass
class Group:
    display_name: str
    mail: str
    members: list[str]  # addresses of the direct members

    @property
    def id(self) -> str:
        return _id(f"group/{self.mail}")

    @property
    def distinguished_name(self) -> str:
        """The group's DN as Exchange Online shows it (what `MemberOfGroup -eq '<DN>'` needs)."""
        return f"CN={self.display_name.replace(' ', '')},OU={INITIAL_DOMAIN},OU=Microsoft Exchange Hosted " \
            "Organizations,DC=EURPR01A001,DC=PROD,DC=OUTLOOK,DC=COM"


APP_KEYS = (
    "rbac",
    "rbac_read_only",
    "tenant_wide",
    "access_policy",
    "no_role",
    "expired_secret",
    "disabled",
    "no_service_principal",
    "conditional_access",
)


def _apps() -> dict[str, GraphApp]:
    directory = ("GroupMember.Read.All", "User.ReadBasic.All")
    rw, read = frozenset({"Calendars.ReadWrite"}), frozenset({"Calendars.Read"})
    specs = [
        GraphApp("rbac", "EC Console (RBAC scoped)", "", roles=directory, rbac_roles=rw),
        GraphApp("rbac_read_only", "EC Console (read only)", "", rbac_roles=read),
        GraphApp("tenant_wide", "EC Console (tenant-wide)", "", roles=("Calendars.ReadWrite", *directory)),
        GraphApp("access_policy", "EC Console (access policy)", "", roles=("Calendars.Read",),
                 access_policy=True),
        GraphApp("no_role", "EC Console (no permission)", ""),
        GraphApp("expired_secret", "EC Console (expired secret)", "", rbac_roles=rw, secret_expired=True),
        GraphApp("disabled", "EC Console (disabled)", "", rbac_roles=rw, disabled=True),
        GraphApp("no_service_principal", "EC Console (other tenant)", "", service_principal=False),
        GraphApp("conditional_access", "EC Console (blocked)", "", rbac_roles=rw,
                 conditional_access_blocked=True),
    ]
    for app in specs:
        app.client_id = _id(f"app/{app.key}")
    return {app.key: app for app in specs}


SCOPE_GROUP_NAME = "EC Calendar Scope"
SCOPE_GROUP_MAIL = f"ec-calendar-scope@{DOMAIN}"
IN_SCOPE = ("ada.lovelace", "grace.hopper", "alan.turing", "katherine.johnson", "edsger.dijkstra",
            "barbara.liskov")
OUT_OF_SCOPE = ("ceo", "cfo", "hr.director")
NOT_ENABLED = "onprem.user"
THROTTLED = "throttled"
UNKNOWN = "nobody"


class GraphTenant:
    """The tenant's state. Thread-safe where the servers change it (events, throttling)."""

    def __init__(self, *, bulk_members: int = 0, now: dt.datetime | None = None) -> None:
        self.tenant_id = TENANT_ID
        self.domain = DOMAIN
        self.initial_domain = INITIAL_DOMAIN
        self.client_secret = CLIENT_SECRET
        self.apps = _apps()
        self.lock = threading.Lock()
        self.retry_after = 2  # seconds the throttled mailbox's 429s ask for
        self._throttle_next: dict[str, tuple[int, int]] = {}  # address -> (answers left, Retry-After)
        self.users: dict[str, User] = {}
        start = (now or dt.datetime.now(dt.UTC)).replace(minute=0, second=0, microsecond=0)
        names = [*IN_SCOPE, *(f"member{i:04d}" for i in range(1, bulk_members + 1))]
        for local in names:
            self._add(User(f"{local}@{DOMAIN}", local.replace(".", " ").title()), start)
        for local in OUT_OF_SCOPE:
            self._add(User(f"{local}@{DOMAIN}", local.replace(".", " ").upper(), in_scope=False), start)
        self._add(User(f"{NOT_ENABLED}@{DOMAIN}", "On-premises User", mailbox=False), start)
        self._add(User(f"{THROTTLED}@{DOMAIN}", "Throttled Mailbox", throttled=True), start)
        self.group = Group(SCOPE_GROUP_NAME, SCOPE_GROUP_MAIL,
                           [u.address for u in self.users.values() if u.in_scope])
        self.unknown_address = f"{UNKNOWN}@{DOMAIN}"

    def _add(self, user: User, start: dt.datetime) -> None:
        self.users[user.address.lower()] = user
        if not user.mailbox:
            return
        seed = sum(user.address.encode())
        for day in range(7):
            begin = start + dt.timedelta(days=day, hours=2 + (seed + day) % 6)
            event = Event(
                id=_id(f"event/{user.address}/{day}"),
                start=begin,
                end=begin + dt.timedelta(minutes=30 * (1 + (seed + day) % 3)),
                show_as=("busy", "tentative", "oof")[(seed + day) % 3],
                subject=f"PRIVATE-SUBJECT {user.display_name} day {day}",
                body=f"PRIVATE-BODY agenda for {user.display_name}",
                location="PRIVATE-LOCATION Board room",
                attendees=(f"ceo@{DOMAIN}",),
            )
            user.events[event.id] = event

    # -- look-ups -----------------------------------------------------------------------------------------
    def known_tenant(self, name: str) -> bool:
        return name.lower() in {self.tenant_id, self.domain, self.initial_domain}

    def app_by_client_id(self, client_id: str) -> GraphApp | None:
        for app in self.apps.values():
            if app.client_id == client_id.lower():
                return app
        return None

    def user(self, key: str) -> User | None:
        """A user by object id or user principal name / address (case-insensitive)."""
        key = key.lower()
        if key in self.users:
            return self.users[key]
        for user in self.users.values():
            if user.id == key:
                return user
        return None

    def mailboxes(self, *, in_scope: bool) -> tuple[str, ...]:
        return tuple(u.address for u in self.users.values()
                     if u.in_scope == in_scope and u.mailbox and not u.throttled)

    # -- switches -----------------------------------------------------------------------------------------
    def join_scope(self, address: str) -> None:
        """`address` becomes a direct member of the scoping group (Add-DistributionGroupMember)."""
        user = self.users[address.lower()]
        with self.lock:
            user.in_scope = True
            if user.address not in self.group.members:
                self.group.members.append(user.address)

    def leave_scope(self, address: str) -> None:
        """`address` leaves the scoping group: the RBAC scope no longer covers it."""
        user = self.users[address.lower()]
        with self.lock:
            user.in_scope = False
            self.group.members[:] = [a for a in self.group.members if a != user.address]

    def leak(self, address: str, on: bool = True) -> None:
        """Make `address` (outside the group) reachable anyway, as a second, wider RBAC scope would."""
        self.users[address.lower()].extra_grant = on

    def throttle(self, address: str, times: int, retry_after: int) -> None:
        """The next `times` calendar requests for `address` answer 429 with `Retry-After: retry_after`."""
        with self.lock:
            self._throttle_next[address.lower()] = (times, retry_after)

    def throttled_now(self, user: User) -> int | None:
        """The Retry-After to answer `user`'s request with, or None when it is not throttled."""
        with self.lock:
            left, after = self._throttle_next.get(user.address.lower(), (0, 0))
            if left > 0:
                self._throttle_next[user.address.lower()] = (left - 1, after)
                return after
        return self.retry_after if user.throttled else None
