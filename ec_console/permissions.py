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
from ec_console.i18n import N_, _

ADMIN = "admin"
HELPDESK = "helpdesk"
ROLES = (ADMIN, HELPDESK)

# The role's name as the window shows it.
ROLE_LABELS = {ADMIN: N_("Administrator"), HELPDESK: N_("Helpdesk")}


@dataclass(frozen=True)
class Permission:
    """One console action: what it is called in a sentence and the roles that may do it."""

    action: str
    doing: str                 # "revoking a profile": fits "… is for an administrator" (English: N_)
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
    _admin(ADD_APPLICATION, N_("adding an application")),
    _admin(EDIT_APPLICATION, N_("editing an application")),
    _admin(RENAME_APPLICATION, N_("renaming an application")),
    _admin(SET_SCOPE, N_("changing an application's scope")),
    _admin(MOVE_APPLICATION, N_("moving an application to Microsoft Graph")),
    _admin(REMOVE_APPLICATION, N_("removing an application")),
    _admin(REVOKE_APPLICATION, N_("revoking an application")),
    _admin(ROTATE_SECRET, N_("replacing an application's secret")),
    _admin(LINK_PROFILES, N_("linking profiles")),
    _admin(BULK_LINK, N_("linking profiles from a list")),
    _admin(REVOKE_PROFILES, N_("revoking a profile")),
    _admin(RELINK_PROFILES, N_("relinking a profile")),
    # A reconciliation is recorded in the registry (its run and findings), which only an admin writes.
    _admin(RECONCILE, N_("reconciling an application")),
    _admin(RECONCILE_APPLY, N_("applying a reconciliation")),
    # Installing or removing the scheduled monitor is recorded in the audit as an administrator's act.
    _admin(MONITOR_INSTALL, N_("installing the scheduled monitor")),
    _admin(MONITOR_REMOVE, N_("removing the scheduled monitor")),
    _everyone(CHECK, N_("checking a profile")),
    _everyone(CHECK_ALL, N_("checking all linked profiles")),
    _everyone(RECHECK_APPLICATION, N_("checking an application again")),
    _everyone(MONITOR_RUN, N_("running the monitor now")),
    _everyone(IMPORT_CREDENTIAL, N_("importing a credential into this computer's keychain")),
    _everyone(AUDIT_VIEW, N_("viewing the audit log")),
    _everyone(AUDIT_VERIFY, N_("verifying the audit log")),
    _everyone(AUDIT_EXPORT, N_("exporting the audit log")),
)}


# Every refusal, in English (translated where it is made: `refusal`).
REFUSAL = N_("Your registry role is {role}: {doing} is for an administrator.")
# How every refusal begins in English (a window asks `is_refusal`, which knows the language).
REFUSAL_START = "Your registry role is "


def is_refusal(text: str) -> bool:
    """Whether `text` is a role's refusal (as `refusal` words it in the current language), so a window can
    tell it from other reasons."""
    return text.startswith(_(REFUSAL).split("{role}", 1)[0])


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
    return _(REFUSAL).format(role=role, doing=_(permission.doing))


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
    role = _(ROLE_LABELS[role_of(registry)])
    who = getattr(registry, "signed_in_as", "") or ""
    where = getattr(registry, "where", "") or ""
    text = role
    if who:
        text += f" · {who}"
    if where:
        text += " " + _("on {where}").format(where=where)
    return text


__all__ = ["ADMIN", "HELPDESK", "PERMISSIONS", "Permission", "ROLES", "ROLE_LABELS", "allowed", "is_refusal",
           "refusal", "require", "role_of", "signed_in_label"]
