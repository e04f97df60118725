"""Google's *intended* scope for reconciliation. Domain-wide delegation cannot be limited: the application can
reach every account of the domain. What the admin means it to reach is the domain's users, or an
organisational unit ("/Sales") or group (an address) they name (`--scope-group`, or the application's saved
`scope_group`, `group` or `org_unit`). Read through the Directory API as the application's administrator."""

from __future__ import annotations

from typing import Any

from ec_console.checks import CancelToken
from ec_console.providers.scope import DirectoryListing, DirectoryUnreadable, ScopeMembers

DWD_NOTE = ("Domain-wide delegation cannot be limited to a group or organisational unit: the application can "
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


class GoogleScope:
    def members(self, application: Any, secret: str, cancel: CancelToken,
                group: str | None = None) -> ScopeMembers:
        s = application.settings
        named = group or s.get("scope_group") or s.get("group") or s.get("org_unit")
        notes = [DWD_NOTE] if s.get("install", "dwd") == "dwd" else []
        settings = _settings(application, secret)
        if not named:
            return ScopeMembers(f"every user of {application.domain}",
                                _read(settings, cancel, domain=application.domain), notes)
        if named.startswith("/"):
            return ScopeMembers(f"the users of the organisational unit {named}",
                                _read(settings, cancel, org_unit=named), notes)
        return ScopeMembers(f"the members of the group {named} (nested groups included)",
                            _read(settings, cancel, group=named), notes)

    def directory(self, application: Any, secret: str, cancel: CancelToken) -> DirectoryListing | None:
        accounts = _read(_settings(application, secret), cancel, domain=application.domain)
        return DirectoryListing(accounts, f"the users of {application.domain} (Directory API)")
