"""What each registry role may do in the console, and why not when it may not (Qt-free).

A region's registry on PostgreSQL is shared by a team: its members sign in as an administrator
(`ec_admin`) or as a helpdesk member (`ec_helpdesk`), and the database enforces what each may write
(`ec_console.registry_pg`, "What each role may do"). This table is the console's side of the same rules:
the window disables what the signed-in role cannot do (saying why in the tooltip) and the command line
refuses it before any work (`RoleRefused`, exit status 1). It matches the database's grants action by
action (tests/test_permissions.py tries each one as a helpdesk login on a real PostgreSQL); the database
stays the authority, so a `RoleRefused` from it mid-action ends the same way.

On SQLite (one desktop) the user is the administrator: everything is allowed.

Roles are read from the registry with `role_of(registry)` ("admin" when the registry does not say).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ec_console.errors import RoleRefused

ADMIN = "admin"
HELPDESK = "helpdesk"
ROLES = (ADMIN, HELPDESK)

# The role's name as the window shows it.
ROLE_LABELS = {ADMIN: "Administrator", HELPDESK: "Helpdesk"}


@dataclass(frozen=True)
class Permission:
    """One console action: what it is called in a sentence and the roles that may do it."""

    action: str
    doing: str                 # "revoking a profile": fits "… is for an administrator"
    roles: tuple[str, ...]


def _admin(action: str, doing: str) -> Permission:
    return Permission(action, doing, (ADMIN,))


def _everyone(action: str, doing: str) -> Permission:
    return Permission(action, doing, ROLES)


# Action names (the keys of PERMISSIONS).
ADD_APPLICATION = "add_application"
EDIT_APPLICATION = "edit_application"
RENAME_APPLICATION = "rename_application"
SET_SCOPE = "set_scope"
MOVE_APPLICATION = "move_application"
REMOVE_APPLICATION = "remove_application"
REVOKE_APPLICATION = "revoke_application"
ROTATE_SECRET = "rotate_secret"
LINK_PROFILES = "link_profiles"
BULK_LINK = "bulk_link"
REVOKE_PROFILES = "revoke_profiles"
RELINK_PROFILES = "relink_profiles"
RECONCILE = "reconcile"
RECONCILE_APPLY = "reconcile_apply"
MONITOR_INSTALL = "monitor_install"
MONITOR_REMOVE = "monitor_remove"
CHECK = "check"
CHECK_ALL = "check_all"
RECHECK_APPLICATION = "recheck_application"
MONITOR_RUN = "monitor_run"
IMPORT_CREDENTIAL = "import_credential"
AUDIT_VIEW = "audit_view"
AUDIT_VERIFY = "audit_verify"
AUDIT_EXPORT = "audit_export"

PERMISSIONS: dict[str, Permission] = {p.action: p for p in (
    _admin(ADD_APPLICATION, "adding an application"),
    _admin(EDIT_APPLICATION, "editing an application"),
    _admin(RENAME_APPLICATION, "renaming an application"),
    _admin(SET_SCOPE, "changing an application's scope"),
    _admin(MOVE_APPLICATION, "moving an application to Microsoft Graph"),
    _admin(REMOVE_APPLICATION, "removing an application"),
    _admin(REVOKE_APPLICATION, "revoking an application"),
    _admin(ROTATE_SECRET, "replacing an application's secret"),
    _admin(LINK_PROFILES, "linking profiles"),
    _admin(BULK_LINK, "linking profiles from a list"),
    _admin(REVOKE_PROFILES, "revoking a profile"),
    _admin(RELINK_PROFILES, "relinking a profile"),
    # A reconciliation is recorded in the registry (its run and findings), which only an admin writes.
    _admin(RECONCILE, "reconciling an application"),
    _admin(RECONCILE_APPLY, "applying a reconciliation"),
    # Installing or removing the scheduled monitor is recorded in the audit as an administrator's act.
    _admin(MONITOR_INSTALL, "installing the scheduled monitor"),
    _admin(MONITOR_REMOVE, "removing the scheduled monitor"),
    _everyone(CHECK, "checking a profile"),
    _everyone(CHECK_ALL, "checking all linked profiles"),
    _everyone(RECHECK_APPLICATION, "checking an application again"),
    _everyone(MONITOR_RUN, "running the monitor now"),
    _everyone(IMPORT_CREDENTIAL, "importing a credential into this computer's keychain"),
    _everyone(AUDIT_VIEW, "viewing the audit log"),
    _everyone(AUDIT_VERIFY, "verifying the audit log"),
    _everyone(AUDIT_EXPORT, "exporting the audit log"),
)}


# How every refusal begins (so a window can tell a role's refusal from other reasons).
REFUSAL_START = "Your registry role is "


def role_of(registry: Any) -> str:
    """The signed-in role of a registry ("admin" on SQLite, or when the registry does not say)."""
    role = getattr(registry, "role", ADMIN) if registry is not None else ADMIN
    return role if role in ROLES else ADMIN


def allowed(role: str, action: str) -> bool:
    return role in PERMISSIONS[action].roles


def refusal(role: str, action: str) -> str | None:
    """Why `role` may not do `action`, in plain words; None when it may."""
    permission = PERMISSIONS[action]
    if role in permission.roles:
        return None
    return f"{REFUSAL_START}{role}: {permission.doing} is for an administrator."


def require(registry: Any, action: str) -> None:
    """Refuse (RoleRefused) before any work when the registry's signed-in role may not do `action`."""
    why = refusal(role_of(registry), action)
    if why is not None:
        raise RoleRefused(why)


def signed_in_label(registry: Any) -> str | None:
    """"Helpdesk · alex on db.example.com/ec" for a shared registry; None on SQLite (the user is the
    admin)."""
    if registry is None or getattr(registry, "engine", "sqlite") == "sqlite":
        return None
    role = ROLE_LABELS.get(role_of(registry), role_of(registry))
    who = getattr(registry, "signed_in_as", "") or ""
    where = getattr(registry, "where", "") or ""
    text = role
    if who:
        text += f" · {who}"
    if where:
        text += f" on {where}"
    return text


__all__ = ["ADMIN", "HELPDESK", "PERMISSIONS", "Permission", "ROLES", "ROLE_LABELS", "allowed", "refusal",
           "require", "role_of", "signed_in_label"]
