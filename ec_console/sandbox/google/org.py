"""The Google sandbox's fictional Workspace organisation: users, organisational units, groups, calendars.

It is data: `build_google_organisation()` returns a fresh, mutable copy per sandbox so tests never see each
other's changes. Add a user or an awkward case by adding a row below.

Everything lives under the reserved `gsandbox.example` domain. Event summaries, descriptions and locations
exist on the server side only so tests can prove a client never asked for them (busy blocks only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field

from ec_console.sandbox.org import EVENT_SUBJECTS, person_name

DOMAIN = "gsandbox.example"
CUSTOMER_ID = "C03sbx7q2"
PROJECT_ID = "ec-sandbox-project"
PROJECT_NUMBER = "482913570164"
TIME_ZONE = "Europe/Berlin"

SCOPE_GROUP = f"ec-calendar-scope@{DOMAIN}"
NESTED_GROUP = f"ec-nested-team@{DOMAIN}"

ADMIN = f"admin@{DOMAIN}"
REAUTH_ADMIN = f"reauth.admin@{DOMAIN}"
DELEGATED_ADMIN = f"helpdesk@{DOMAIN}"
SUSPENDED = f"suspended.user@{DOMAIN}"
DELETED = f"deleted.user@{DOMAIN}"
NO_CALENDAR = f"no.calendar@{DOMAIN}"
RATE_LIMITED = f"rate.limited@{DOMAIN}"
OUTSIDE_GROUP = f"ceo@{DOMAIN}"
NONEXISTENT = f"nobody@{DOMAIN}"

ORG_UNITS: tuple[tuple[str, str], ...] = (
    ("/", DOMAIN),
    ("/IT", "IT and administration"),
    ("/Sales", "Sales"),
    ("/Engineering", "Engineering"),
    ("/Engineering/Platform", "Platform team"),
    ("/Marketing", "Marketing"),
    ("/Executives", "Executives (outside the calendar scope)"),
    ("/Contractors", "Contractors (Google Calendar turned off)"),
)


def stable_id(text: str, digits: int = 21) -> str:
    """A numeric id shaped like Google's (21 digits for users), stable for the same text."""
    number = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:24], 16)
    return "1" + str(number % 10 ** (digits - 1)).zfill(digits - 1)


@dataclass
class GoogleEvent:
    """One event of a primary calendar; summary, description, location must never be fetched by a check."""

    event_id: str
    summary: str
    description: str
    location: str
    start: dt.datetime
    end: dt.datetime
    all_day: bool = False
    transparent: bool = False  # "Show me as: available": not a busy block


@dataclass
class GoogleUser:
    primary_email: str
    given_name: str
    family_name: str
    org_unit_path: str = "/"
    is_admin: bool = False  # super administrator
    is_delegated_admin: bool = False  # holds an admin role other than super admin
    title: str = ""  # job title of the primary organisation (Directory's organizations[].title)
    suspended: bool = False
    suspension_reason: str = ""
    deleted: bool = False  # recently deleted: gone from Directory, tokens refused
    calendar_enabled: bool = True  # False: Calendar API answers notACalendarUser
    rate_limited: bool = False  # Calendar API answers a rate-limit error for this user
    reauth_required: bool = False  # OAuth token requests answer rapt_required
    events: list[GoogleEvent] = field(default_factory=list)
    creation_time: dt.datetime = field(default_factory=lambda: dt.datetime(2021, 3, 1, tzinfo=dt.UTC))

    @property
    def user_id(self) -> str:
        return stable_id(self.primary_email)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_any_admin(self) -> bool:
        return self.is_admin or self.is_delegated_admin


@dataclass(frozen=True)
class GroupMember:
    email: str
    member_type: str = "USER"  # USER | GROUP
    role: str = "MEMBER"  # MEMBER | MANAGER | OWNER


@dataclass
class GoogleGroup:
    email: str
    name: str
    description: str
    members: list[GroupMember]

    @property
    def group_id(self) -> str:
        return "0" + stable_id(self.email, 14)[1:]


@dataclass
class GoogleOrganisation:
    domain: str
    customer_id: str
    project_id: str
    project_number: str
    users: dict[str, GoogleUser]  # by lower-case primary email
    groups: dict[str, GoogleGroup]  # by lower-case email
    org_units: tuple[tuple[str, str], ...]
    rate_limit_mode: str = "rate"  # "rate": 403 rateLimitExceeded, "user": 403 userRate..., "429"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def user(self, key: str, *, include_deleted: bool = False) -> GoogleUser | None:
        """The user named by primary email or numeric id (case-insensitive email)."""
        key = key.strip().lower()
        found = self.users.get(key)
        if found is None and key.isdigit():
            found = next((u for u in self.users.values() if u.user_id == key), None)
        if found is not None and found.deleted and not include_deleted:
            return None
        return found

    def group(self, key: str) -> GoogleGroup | None:
        key = key.strip().lower()
        found = self.groups.get(key)
        if found is None:
            found = next((g for g in self.groups.values() if g.group_id == key), None)
        return found

    def active_users(self) -> list[GoogleUser]:
        """Every user Directory lists (not deleted), in primary-email order."""
        return sorted((u for u in self.users.values() if not u.deleted), key=lambda u: u.primary_email)

    def owns(self, email: str) -> bool:
        return email.strip().lower().rpartition("@")[2] == self.domain

    def derived_members(self, group: GoogleGroup) -> list[GroupMember]:
        """Members with nested groups expanded into users (each user once), as includeDerivedMembership."""
        seen: set[str] = set()
        out: list[GroupMember] = []

        def walk(g: GoogleGroup, visited: frozenset[str]) -> None:
            for member in g.members:
                if member.member_type == "GROUP":
                    inner = self.group(member.email)
                    if inner is not None and inner.email not in visited:
                        walk(inner, visited | {inner.email})
                elif member.email not in seen:
                    seen.add(member.email)
                    out.append(member)

        walk(group, frozenset({group.email}))
        return out


_ORDINARY_OUS = ("/Sales", "/Engineering", "/Engineering/Platform", "/Marketing")


def _event_id(email: str, n: int) -> str:
    return hashlib.sha256(f"{email}/{n}".encode()).hexdigest()[:26]


def _events(email: str, index: int, today: dt.datetime) -> list[GoogleEvent]:
    events: list[GoogleEvent] = []
    for n in range(3):
        day = today + dt.timedelta(days=1 + (index + n * 2) % 6)
        start = day.replace(hour=7 + (index + n * 3) % 9)
        events.append(
            GoogleEvent(
                event_id=_event_id(email, n),
                summary=f"{EVENT_SUBJECTS[(index + n) % len(EVENT_SUBJECTS)]} #{index}-{n}",
                description=f"Confidential notes {index}-{n}: never to be fetched by a read-only check.",
                location=f"Room {100 + index}",
                start=start,
                end=start + dt.timedelta(minutes=45),
            )
        )
    focus = today + dt.timedelta(days=2, hours=13)
    events.append(
        GoogleEvent(
            event_id=_event_id(email, 3),
            summary=f"Focus time (shown as free) #{index}",
            description="Private.",
            location="",
            start=focus,
            end=focus + dt.timedelta(hours=1),
            transparent=True,
        )
    )
    past = today - dt.timedelta(days=3, hours=-10)
    events.append(
        GoogleEvent(
            event_id=_event_id(email, 4),
            summary=f"Last week's retrospective #{index}",
            description="Private.",
            location="",
            start=past,
            end=past + dt.timedelta(hours=1),
        )
    )
    if index % 7 == 0:
        day = today + dt.timedelta(days=3)
        events.append(
            GoogleEvent(
                event_id=_event_id(email, 5),
                summary=f"Annual leave #{index}",
                description="Private.",
                location="",
                start=day,
                end=day + dt.timedelta(days=1),
                all_day=True,
            )
        )
    return events


def _user(
    email: str, given: str, family: str, index: int, today: dt.datetime, **kwargs: object
) -> GoogleUser:
    user = GoogleUser(primary_email=email.lower(), given_name=given, family_name=family, **kwargs)  # type: ignore[arg-type]
    user.events = _events(user.primary_email, index, today)
    return user


def build_google_organisation(now: dt.datetime | None = None) -> GoogleOrganisation:
    """A fresh organisation of 50 users whose events fall around the next 7 days of `now` (UTC)."""
    today = (
        (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    rows: list[tuple[str, str, str, dict[str, object]]] = [
        (ADMIN, "Avery", "Admin", {"org_unit_path": "/IT", "is_admin": True}),
        (REAUTH_ADMIN, "Rene", "Reauth", {"org_unit_path": "/IT", "is_admin": True, "reauth_required": True}),
        (DELEGATED_ADMIN, "Harper", "Helpdesk", {"org_unit_path": "/IT", "is_delegated_admin": True}),
        (
            SUSPENDED,
            "Sam",
            "Suspended",
            {"org_unit_path": "/Sales", "suspended": True, "suspension_reason": "ADMIN"},
        ),
        (DELETED, "Dana", "Deleted", {"org_unit_path": "/Sales", "deleted": True}),
        (NO_CALENDAR, "Casey", "Contractor", {"org_unit_path": "/Contractors", "calendar_enabled": False}),
        (RATE_LIMITED, "Riley", "Ratelimited", {"org_unit_path": "/Marketing", "rate_limited": True}),
        (OUTSIDE_GROUP, "Chief", "Executive", {"org_unit_path": "/Executives"}),
        (f"cfo@{DOMAIN}", "Chief", "Financial", {"org_unit_path": "/Executives"}),
        (f"nested.member@{DOMAIN}", "Nia", "Nested", {"org_unit_path": "/Engineering/Platform"}),
        (f"nested.lead@{DOMAIN}", "Noel", "Nested", {"org_unit_path": "/Engineering/Platform",
                                                     "title": "Vice President, Platform"}),
    ]
    for i in range(39):
        first, last = person_name(i)
        rows.append(
            (
                f"{first}.{last}@{DOMAIN}".lower(),
                first,
                last,
                {"org_unit_path": _ORDINARY_OUS[i % len(_ORDINARY_OUS)]},
            )
        )
    users = {}
    for index, (email, given, family, extra) in enumerate(rows):
        user = _user(email, given, family, index, today, **extra)
        users[user.primary_email] = user
    ordinary = [email for email, *_ in rows[11:]]
    scope_members = [GroupMember(ADMIN, role="OWNER")]
    scope_members += [GroupMember(email) for email in ordinary[:24]]
    scope_members += [
        GroupMember(SUSPENDED),
        GroupMember(NO_CALENDAR),
        GroupMember(RATE_LIMITED),
        GroupMember(NESTED_GROUP, member_type="GROUP"),
    ]
    groups = {
        SCOPE_GROUP: GoogleGroup(
            SCOPE_GROUP,
            "EC Calendar Scope",
            "Accounts the Enterprise Connect application may reach",
            scope_members,
        ),
        NESTED_GROUP: GoogleGroup(
            NESTED_GROUP,
            "EC Nested Team",
            "A group inside the scoping group",
            [
                GroupMember(f"nested.lead@{DOMAIN}", role="MANAGER"),
                GroupMember(f"nested.member@{DOMAIN}"),
                GroupMember(ordinary[0]),
            ],
        ),
    }
    return GoogleOrganisation(
        domain=DOMAIN,
        customer_id=CUSTOMER_ID,
        project_id=PROJECT_ID,
        project_number=PROJECT_NUMBER,
        users=users,
        groups=groups,
        org_units=ORG_UNITS,
    )
