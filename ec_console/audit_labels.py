"""Plain words for the audit log's action codes (Qt-free): one place, used by the GUI and the CLI's text.

The codes themselves (`profile_linked`, `application_revoked`, ...) are a stable contract: the registry
stores them, `ec-console audit list --json | --csv` prints them as they are. A person reads the label. A
code with no label here (one added later) reads as its own words ("profile_moved" -> "Profile moved").
"""

from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    "application_added": "Application added",
    "application_updated": "Application changed",
    "application_health": "Application health changed",
    "application_revoked": "Application revoked",
    "profile_linked": "Profile linked",
    "profile_link_failed": "Link failed",
    "profile_relinked": "Profile relinked",
    "profile_relink_failed": "Relink failed",
    "profile_revoked": "Profile revoked",
    "profile_not_linked": "Not linked",
    "profile_removed_never_linked": "Never-linked profile removed",
    "application_renamed": "Application renamed",
    "application_secret_rotated": "Secret or key replaced",
    "application_scope_changed": "Scope group changed",
    "application_checked": "Setup check run again",
    "application_removed": "Application removed",
    "application_moved_to_graph": "Moved to Microsoft Graph",
    "profile_status_changed": "Profile status changed",
    "check_all_started": "Check all started",
    "check_all_finished": "Check all finished",
    "check_all_cancelled": "Check all cancelled",
    "reconciliation_recorded": "Reconciliation run",
    "reconciliation_joiner_linked": "Joiner linked (reconciliation)",
    "reconciliation_joiner_not_linked": "Joiner not linked (reconciliation)",
    "reconciliation_leaver_revoked": "Leaver's profile revoked (reconciliation)",
    "monitor_run": "Monitor run",
    "monitor_installed": "Monitor installed",
    "monitor_removed": "Monitor removed",
    "reconciliation_broken_relinked": "Broken profile relinked (reconciliation)",
}


def action_label(code: str) -> str:
    """The readable name of an audit action code (its own words, capitalised, when it has no label)."""
    label = ACTION_LABELS.get(code)
    if label is not None:
        return label
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else code


def actions_labelled(needle: str, codes: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The action codes whose readable name contains `needle` (already case-folded), from `codes` or the
    known labels: so a filter word such as "changed" also finds `application_updated`."""
    pool = ACTION_LABELS if codes is None else codes
    return sorted(code for code in pool if needle and needle in action_label(code).casefold())


__all__ = ["ACTION_LABELS", "action_label", "actions_labelled"]
