"""The sandbox's fictional organisation: mailboxes, calendars, scoping group, accounts, app registrations.

It is data: `build_organisation()` returns a fresh, mutable copy per sandbox (CreateItem / DeleteItem change a
calendar), so tests never see each other's changes. Add a mailbox or an awkward case by adding a row below.

All names live under the reserved `sandbox.example` domain; every credential is fictional and may be printed.
Event subjects and bodies exist on the server side only so tests can prove a client never fetched them.
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
import uuid
from dataclasses import dataclass, field

DOMAIN = "sandbox.example"
NETBIOS_DOMAIN = "SANDBOX"
TENANT_ID = "5a4d1c0e-7b2f-4e8a-9c3d-5a0d0e5b1a11"
AD_BASE_DN = "DC=sandbox,DC=example"
SCOPE_GROUP_NAME = "EC Calendar Scope"
SCOPE_GROUP_ADDRESS = f"ec-calendar-scope@{DOMAIN}"
SCOPE_GROUP_DN = f"CN={SCOPE_GROUP_NAME},OU=Groups,{AD_BASE_DN}"
NESTED_GROUP_NAME = "EC Nested Team"
NESTED_GROUP_ADDRESS = f"ec-nested-team@{DOMAIN}"
# The Exchange Online application (first-party resource) that EWS tokens are issued for.
EXCHANGE_RESOURCE = "https://outlook.office365.com"
EWS_APP_ROLE = "full_access_as_app"


class Behaviour(enum.Enum):
    """How a mailbox answers, beyond the impersonation scope."""

    NORMAL = "normal"
    THROTTLED = "throttled"  # ErrorServerBusy with BackOffMilliseconds (SOAP fault, HTTP 500)
    SLOW = "slow"  # answers after `Organisation.slow_seconds`
    EWS_BLOCKED = "ews_blocked"  # HTTP 403, X-EWS-Policy-Reason "EWS is disabled ..." (CASMailbox EwsEnabled)
    FOLDER_DENIED = "folder_denied"  # ErrorAccessDenied on its calendar (GetFolder and FindItem)
    WRITE_DENIED = "write_denied"  # ErrorCreateItemAccessDenied on CreateItem
    CONNECTIONS_EXCEEDED = "connections_exceeded"  # ErrorExceededConnectionCount (SOAP fault, HTTP 500)
    DELETE_FAILS = "delete_fails"  # ErrorCannotDeleteObject on DeleteItem: what is created stays (a hold)


class Impersonation(enum.Enum):
    """What ApplicationImpersonation an on-premises account holds."""

    NONE = "none"  # no role assignment: ErrorImpersonationDenied
    SCOPED = "scoped"  # role assignment with a CustomRecipientWriteScope on the scoping group
    ALL = "all"  # unscoped role assignment


@dataclass
class Event:
    """One calendar item. `subject`, `body` and `location` are what a read-only check must never fetch."""

    item_id: str
    change_key: str
    subject: str
    body: str
    location: str
    start: dt.datetime
    end: dt.datetime
    is_all_day: bool = False
    legacy_free_busy: str = "Busy"
    created_by_client: bool = False


@dataclass
class Mailbox:
    address: str
    display_name: str
    behaviour: Behaviour = Behaviour.NORMAL
    in_scope: bool = True  # member of the scoping group
    # Outside the group, yet reachable: a second management scope (or role assignment) covers it. A leak.
    extra_grant: bool = False
    events: list[Event] = field(default_factory=list)
    folder_ids: dict[str, str] = field(default_factory=dict)  # distinguished id -> folder id
    # Delegate access (no impersonation): None = the service accounts may open every folder of an in-scope
    # mailbox (FullAccess); a set = they hold folder permission on these distinguished folders only
    # (`Add-MailboxFolderPermission <mbx>:\Calendar -User <svc> -AccessRights Reviewer` gives {"calendar"}),
    # and every other folder, the root included, answers ErrorAccessDenied; Reviewer cannot create items.
    delegate_folders: frozenset[str] | None = None

    @property
    def covered(self) -> bool:
        """Whether the scoped grants reach this mailbox (its group membership, or an extra grant: a leak)."""
        return self.in_scope or self.extra_grant

    @property
    def alias(self) -> str:
        return self.address.split("@", 1)[0]

    @property
    def distinguished_name(self) -> str:
        return f"CN={self.display_name},OU=Users,{AD_BASE_DN}"


@dataclass(frozen=True)
class ServiceAccount:
    sam_name: str
    password: str
    impersonation: Impersonation
    locked: bool = False
    display_name: str = ""

    @property
    def upn(self) -> str:
        return f"{self.sam_name}@{DOMAIN}"

    @property
    def down_level(self) -> str:
        return f"{NETBIOS_DOMAIN}\\{self.sam_name}"

    def matches(self, username: str) -> bool:
        """True for `DOMAIN\\user`, `user@domain` or a bare `user` naming this account (case-insensitive)."""
        name = username.strip().lower()
        return name in {self.sam_name.lower(), self.upn.lower(), self.down_level.lower()}


@dataclass(frozen=True)
class AppRegistration:
    """An Entra app registration for Exchange Online app-only access.

    `roles` are the application permissions consented tenant-wide in Entra (what the token's `roles` claim
    carries); `full_access_as_app` there reaches every mailbox. `rbac_scoped` means an RBAC for Applications
    assignment ("Application EWS.AccessAsApp") limited to the scoping group, which puts nothing in the token.
    """

    name: str
    client_id: str
    client_secret: str
    roles: tuple[str, ...] = ()
    rbac_scoped: bool = False
    secret_expired: bool = False
    disabled: bool = False  # its enterprise application's "Enabled for users to sign-in?" is No

    @property
    def tenant_wide(self) -> bool:
        return EWS_APP_ROLE in self.roles


@dataclass
class Organisation:
    domain: str
    netbios_domain: str
    tenant_id: str
    scope_group_name: str
    scope_group_dn: str
    scope_group_address: str
    nested_group_address: str
    mailboxes: dict[str, Mailbox]
    accounts: list[ServiceAccount]
    apps: list[AppRegistration]
    nonexistent_address: str
    throttle_back_off_ms: int = 30_000
    slow_seconds: float = 3.0
    ews_enabled: bool = True  # Set-OrganizationConfig -EwsEnabled
    # Set-OrganizationConfig -EwsAllowedAppIDs: None = no application-id allow list applies; a set = only
    # these app ids may use EWS with a token (others get 403 "EWS is blocked by policy ...").
    ews_allowed_app_ids: set[str] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def mailbox(self, address: str) -> Mailbox | None:
        return self.mailboxes.get(address.strip().lower())

    def account(self, username: str) -> ServiceAccount | None:
        return next((a for a in self.accounts if a.matches(username)), None)

    def app(self, client_id: str) -> AppRegistration | None:
        return next((a for a in self.apps if a.client_id.lower() == client_id.strip().lower()), None)

    def scope_members(self) -> list[Mailbox]:
        """Direct members of the scoping group (the management scope's MemberOfGroup filter)."""
        return [m for m in self.mailboxes.values() if m.in_scope]

    # -- switches a test may flip (reconciliation: joiners, leavers, a leak) --------------------------------
    def join_scope(self, address: str) -> None:
        """`address` becomes a direct member of the scoping group (Add-DistributionGroupMember)."""
        with self.lock:
            self.mailboxes[address.lower()].in_scope = True

    def leave_scope(self, address: str) -> None:
        """`address` leaves the scoping group: the management scope no longer covers it."""
        with self.lock:
            self.mailboxes[address.lower()].in_scope = False

    def leak(self, address: str, on: bool = True) -> None:
        """Make `address` (outside the group) reachable anyway, as a second, unscoped grant would."""
        with self.lock:
            self.mailboxes[address.lower()].extra_grant = on

    def outsiders(self) -> list[Mailbox]:
        """Mailboxes outside the scoping group (the nested group's members too: nesting is not followed)."""
        return [m for m in self.mailboxes.values() if not m.in_scope]

    def by_behaviour(self, behaviour: Behaviour) -> Mailbox:
        return next(m for m in self.mailboxes.values() if m.behaviour is behaviour)

    def nested_members(self) -> list[Mailbox]:
        """Members of the nested group (itself a member of the scoping group): out of scope, nesting is not
        followed."""
        return [m for m in self.mailboxes.values() if m.address.startswith("nested.")]


SERVICE_ACCOUNT = ServiceAccount(
    "svc-calendar", "Sandbox-Calendar-2026!", Impersonation.SCOPED, display_name="Calendar Service"
)
NO_RIGHT_ACCOUNT = ServiceAccount(
    "svc-noimpersonation",
    "Sandbox-NoRight-2026!",
    Impersonation.NONE,
    display_name="Service Without Impersonation",
)
LOCKED_ACCOUNT = ServiceAccount(
    "svc-locked", "Sandbox-Locked-2026!", Impersonation.SCOPED, locked=True, display_name="Locked Service"
)
UNSCOPED_ACCOUNT = ServiceAccount(
    "svc-unscoped", "Sandbox-Unscoped-2026!", Impersonation.ALL, display_name="Unscoped Service"
)

APP = AppRegistration(
    "EC Calendar (RBAC scoped)",
    "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01",
    "sbx~Scoped.Secret-2026-aB3dE5fG7hJ9",
    rbac_scoped=True,
)
EXPIRED_APP = AppRegistration(
    "EC Calendar (expired secret)",
    "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c02",
    "sbx~Expired.Secret-2024-kL2mN4pQ6rS8",
    rbac_scoped=True,
    secret_expired=True,
)
NO_PERMISSION_APP = AppRegistration(
    "EC Calendar (no permission)",
    "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c03",
    "sbx~NoPerm.Secret-2026-tU1vW3xY5zA7",
)
TENANT_WIDE_APP = AppRegistration(
    "EC Calendar (tenant-wide consent)",
    "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c04",
    "sbx~Wide.Secret-2026-bC2dE4fG6hI8",
    roles=(EWS_APP_ROLE,),
    rbac_scoped=True,
)
DISABLED_APP = AppRegistration(
    "EC Calendar (disabled)",
    "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c05",
    "sbx~Disabled.Secret-2026-mN3pQ5rS7tU9",
    rbac_scoped=True,
    disabled=True,
)

# The people of both fictional organisations (EWS and Google), and what their calendars hold.
FIRST_NAMES = (
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Katherine",
    "Ken",
    "Margaret",
    "Niklaus",
    "Radia",
    "Tim",
    "Shafi",
    "Leslie",
    "Hedy",
    "Dennis",
    "Sophie",
    "Linus",
)
LAST_NAMES = (
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "McCarthy",
    "Johnson",
    "Thompson",
    "Hamilton",
    "Wirth",
    "Perlman",
    "Berners",
    "Goldwasser",
    "Lamport",
    "Lamarr",
    "Ritchie",
    "Wilson",
    "Torvalds",
)
EVENT_SUBJECTS = (
    "Quarterly budget review",
    "1:1 with manager",
    "Customer escalation: Fabrikam",
    "Dentist appointment",
    "Board pre-read",
    "Hiring panel",
    "Roadmap planning",
    "Offsite travel",
)


def person_name(i: int) -> tuple[str, str]:
    """The i-th fictional person's first and last name (a spread that rarely repeats a pair)."""
    return FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7 + i // len(FIRST_NAMES)) % len(LAST_NAMES)]
_OUT_OF_SCOPE = (
    ("ceo", "Chief Executive"),
    ("cfo", "Chief Financial Officer"),
    ("hr.director", "HR Director"),
    ("legal", "Legal Counsel"),
    ("board.secretary", "Board Secretary"),
    ("security.officer", "Security Officer"),
)
_AWKWARD = (
    (Behaviour.THROTTLED, "throttled", "Throttled Mailbox"),
    (Behaviour.SLOW, "slow", "Slow Mailbox"),
    (Behaviour.EWS_BLOCKED, "ews-blocked", "EWS Blocked Mailbox"),
    (Behaviour.FOLDER_DENIED, "folder-denied", "Folder Denied Mailbox"),
    (Behaviour.WRITE_DENIED, "write-denied", "Write Denied Mailbox"),
    (Behaviour.CONNECTIONS_EXCEEDED, "too-many-connections", "Connection Limit Mailbox"),
    (Behaviour.DELETE_FAILS, "undeletable", "Undeletable Items Mailbox"),
)


# In the scoping group; its calendar is shared with the service accounts by folder permission only (Reviewer).
CALENDAR_REVIEWER_ALIAS = "calendar-reviewer"


def new_item_id() -> tuple[str, str]:
    """An opaque item id and change key shaped like Exchange's (base64-looking strings)."""
    raw = uuid.uuid4().hex
    return f"AAMkAD{raw}AAA=", f"DwAAABYAAAD{raw[:12]}"


def _events(index: int, today: dt.datetime) -> list[Event]:
    events = []
    for n in range(3):
        day = today + dt.timedelta(days=1 + (index + n * 2) % 6)
        start = day.replace(hour=8 + (index + n * 3) % 9)
        item_id, change_key = new_item_id()
        events.append(
            Event(
                item_id=item_id,
                change_key=change_key,
                subject=f"{EVENT_SUBJECTS[(index + n) % len(EVENT_SUBJECTS)]} #{index}-{n}",
                body=f"Confidential notes {index}-{n}: never to be fetched by a read-only check.",
                location=f"Room {100 + index}",
                start=start,
                end=start + dt.timedelta(minutes=45),
            )
        )
    if index % 7 == 0:
        item_id, change_key = new_item_id()
        day = today + dt.timedelta(days=3)
        events.append(
            Event(
                item_id=item_id,
                change_key=change_key,
                subject=f"Annual leave #{index}",
                body="Private.",
                location="",
                start=day,
                end=day + dt.timedelta(days=1),
                is_all_day=True,
                legacy_free_busy="OOF",
            )
        )
    return events


def _mailbox(address: str, name: str, index: int, today: dt.datetime, **kwargs: object) -> Mailbox:
    box = Mailbox(address=address.lower(), display_name=name, events=_events(index, today), **kwargs)  # type: ignore[arg-type]
    box.folder_ids = {
        fid: f"AQMkAD{uuid.uuid4().hex}{fid[:4]}AAA=" for fid in ("root", "calendar", "msgfolderroot")
    }
    return box


def build_organisation(now: dt.datetime | None = None) -> Organisation:
    """A fresh organisation of 52 mailboxes whose events fall within the next 7 days of `now` (UTC)."""
    today = (now or dt.datetime.now(dt.UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    boxes: list[Mailbox] = []
    for i in range(36):
        first, last = person_name(i)
        boxes.append(_mailbox(f"{first}.{last}@{DOMAIN}", f"{first} {last}", len(boxes), today))
    for alias, name in _OUT_OF_SCOPE:
        boxes.append(_mailbox(f"{alias}@{DOMAIN}", name, len(boxes), today, in_scope=False))
    for behaviour, alias, name in _AWKWARD:
        boxes.append(_mailbox(f"{alias}@{DOMAIN}", name, len(boxes), today, behaviour=behaviour))
    for alias, name in (("nested.member", "Nested Member"), ("nested.lead", "Nested Lead")):
        boxes.append(_mailbox(f"{alias}@{DOMAIN}", name, len(boxes), today, in_scope=False))
    boxes.append(_mailbox(f"{CALENDAR_REVIEWER_ALIAS}@{DOMAIN}", "Calendar Reviewer Mailbox", len(boxes),
                          today, delegate_folders=frozenset({"calendar"})))
    return Organisation(
        domain=DOMAIN,
        netbios_domain=NETBIOS_DOMAIN,
        tenant_id=TENANT_ID,
        scope_group_name=SCOPE_GROUP_NAME,
        scope_group_dn=SCOPE_GROUP_DN,
        scope_group_address=SCOPE_GROUP_ADDRESS,
        nested_group_address=NESTED_GROUP_ADDRESS,
        mailboxes={b.address: b for b in boxes},
        accounts=[SERVICE_ACCOUNT, NO_RIGHT_ACCOUNT, LOCKED_ACCOUNT, UNSCOPED_ACCOUNT],
        apps=[APP, EXPIRED_APP, NO_PERMISSION_APP, TENANT_WIDE_APP, DISABLED_APP],
        nonexistent_address=f"nobody@{DOMAIN}",
    )
