"""Google's *intended* scope for reconciliation. Domain-wide delegation cannot be limited: the application can
reach every account of the domain. What the admin means it to reach is the domain's users, or an
organisational unit ("/Sales") or group (an address) they name (`--scope-group`, or the application's saved
`scope_group`, `group` or `org_unit`). Read through the Directory API as the application's administrator.

A Google Workspace Marketplace install is different: the administrator turns the app on for everyone, or for
organisational units (with the units below them, unless overridden) or groups (Admin console > Apps > Google
Workspace Marketplace apps > Apps list > the app > View organizational units and groups;
https://support.google.com/a/answer/172931), and the app reaches only them. What the console can read of it:
the Admin audit log's ADD_APPLICATION event (`marketplace.read_install`: installed, by whom, when), and the
Directory's users of the unit or group the install is saved for. What it cannot: which units and groups the
app is really turned on for (no customer-side API answers it; the Marketplace API's licence calls answer the
app's vendor only), or whether a calendar can be read (only the vendor's client can ask for a delegated
token).
So the install's reach is the saved unit or group (or the whole domain), the scope is that reach or the
narrower scope the admin names, and leaks are the accounts of the reach outside that scope."""

from __future__ import annotations

from typing import Any

from ec_console.checks import CancelToken
from ec_console.providers.scope import DirectoryListing, DirectoryUnreadable, ScopeMembers
from ec_console.texts import say

# Texts the reconciliation shows (stored and written in English, shown in the reader's language: texts.say).
DWD_NOTE = say("Domain-wide delegation cannot be limited to a group or organisational unit: the "
               "application can "
            "reach every account of the domain. The scope below is the one you intend; this console's "
            "profile list (or a Marketplace install for a group or organisational unit) is the control.")


def _settings(application: Any, secret: str) -> Any:
    from ec_console.providers.base import GoogleAdapter

    s = application.settings
    return GoogleAdapter.settings_for(application, secret, s.get("admin") or f"admin@{application.domain}")


def _read(settings: Any, cancel: CancelToken, **where: Any) -> dict[str, str]:
    from ec_console.providers.google.check import GoogleError, enumerate_users

    try:
        return {u.email.lower(): u.name for u in enumerate_users(settings, cancel=cancel, **where) if u.email}
    except GoogleError as exc:
        raise DirectoryUnreadable(exc.diagnosis, str(exc)) from None


MARKETPLACE_ADMIN_PATH = ("Admin console > Apps > Google Workspace Marketplace apps > Apps list > the app > "
                          "View organizational units and groups")
MARKETPLACE_UNREAD = say("no Google API tells your organisation which organisational units and groups "
                         "the app "
                         "is turned on for (the Marketplace API answers the app's vendor only), and only the "
                         "vendor can test whether it reads a calendar. The install's reach here is the one "
                         "saved in this application: compare it with {path}", path=MARKETPLACE_ADMIN_PATH)


def install_reach(application: Any) -> tuple[str, dict[str, str]]:
    """Where the Marketplace install of `application` is saved as turned on, in plain words, and the
    Directory query that lists it (`org_unit`, `group` or the whole `domain`)."""
    s = application.settings
    if s.get("org_unit"):
        return (say("the organisational unit {unit} and the units below it", unit=s["org_unit"]),
                {"org_unit": s["org_unit"]})
    if s.get("group"):
        return say("the members of the group {group}", group=s["group"]), {"group": s["group"]}
    everyone = say("every user of {domain} (on for everyone)", domain=application.domain)
    return everyone, {"domain": application.domain}


class GoogleScope:
    def members(self, application: Any, secret: str, cancel: CancelToken,
                group: str | None = None) -> ScopeMembers:
        s = application.settings
        if s.get("install") == "marketplace":
            return self._marketplace(application, secret, cancel, group)
        named = group or s.get("scope_group") or s.get("group") or s.get("org_unit")
        notes = [DWD_NOTE] if s.get("install", "dwd") == "dwd" else []
        settings = _settings(application, secret)
        if not named:
            return ScopeMembers(say("every user of {domain}", domain=application.domain),
                                _read(settings, cancel, domain=application.domain), notes)
        if named.startswith("/"):
            return ScopeMembers(say("the users of the organisational unit {unit}", unit=named),
                                _read(settings, cancel, org_unit=named), notes)
        return ScopeMembers(say("the members of the group {group} (nested groups included)", group=named),
                            _read(settings, cancel, group=named), notes)

    def _marketplace(self, application: Any, secret: str, cancel: CancelToken,
                     group: str | None) -> ScopeMembers:
        """The install's reach (the saved unit or group, else the domain) and the scope: the reach itself,
        or the narrower scope the admin names (`group` or the saved `scope_group`)."""
        s = application.settings
        settings = _settings(application, secret)
        where, query = install_reach(application)
        reach = _read(settings, cancel, **query)
        named = group or s.get("scope_group")
        if named and named not in (s.get("org_unit"), s.get("group")):
            if named.startswith("/"):
                source, members = (say("the users of the organisational unit {unit}, the scope you intend",
                                       unit=named),
                                   _read(settings, cancel, org_unit=named))
            else:
                source, members = (say("the members of the group {group} (nested groups included), the scope "
                                       "you intend", group=named), _read(settings, cancel, group=named))
        else:
            source, members = say("the accounts the Marketplace install reaches: {where}", where=where), reach
        note = say("The Marketplace app is installed for {where} (as saved in this application): it "
                   "reaches every account there and no other. An account of the install outside the scope "
                   "is a leak.", where=where)
        return ScopeMembers(source, members, [note], reach=reach, reach_source=where,
                            reach_unread=MARKETPLACE_UNREAD)

    def directory(self, application: Any, secret: str, cancel: CancelToken) -> DirectoryListing | None:
        accounts = _read(_settings(application, secret), cancel, domain=application.domain)
        source = say("the users of {domain} (Directory API)", domain=application.domain)
        return DirectoryListing(accounts, source)
