"""Plain words for the audit log's action codes (Qt-free): one place, used by the GUI and the CLI's text.

The codes themselves (`profile_linked`, `application_revoked`, ...) are a stable contract: the registry
stores them, `ec-console audit list --json | --csv` prints them as they are. A person reads the label. A
code with no label here (one added later) reads as its own words ("profile_moved" -> "Profile moved").
The labels are English in the table and shown in the current language (`action_label`); a search for
words matches a label in English and in the current language.
"""

from __future__ import annotations

from ec_console.i18n import N_, _

ACTION_LABELS: dict[str, str] = {
    "application_added": N_("Application added"),
    "application_updated": N_("Application changed"),
    "application_health": N_("Application health changed"),
    "application_revoked": N_("Application revoked"),
    "profile_linked": N_("Profile linked"),
    "profile_link_failed": N_("Link failed"),
    "profile_relinked": N_("Profile relinked"),
    "profile_relink_failed": N_("Relink failed"),
    "profile_revoked": N_("Profile revoked"),
    "profile_not_linked": N_("Not linked"),
    "profile_removed_never_linked": N_("Never-linked profile removed"),
    "application_renamed": N_("Application renamed"),
    "application_secret_rotated": N_("Secret or key replaced"),
    "application_scope_changed": N_("Scope group changed"),
    "application_checked": N_("Setup check run again"),
    "application_removed": N_("Application removed"),
    "application_moved_to_graph": N_("Moved to Microsoft Graph"),
    "profile_status_changed": N_("Profile status changed"),
    "check_all_started": N_("Check all started"),
    "check_all_finished": N_("Check all finished"),
    "check_all_cancelled": N_("Check all cancelled"),
    "reconciliation_recorded": N_("Reconciliation run"),
    "reconciliation_joiner_linked": N_("Joiner linked (reconciliation)"),
    "reconciliation_joiner_not_linked": N_("Joiner not linked (reconciliation)"),
    "reconciliation_leaver_revoked": N_("Leaver's profile revoked (reconciliation)"),
    "monitor_run": N_("Monitor run"),
    "monitor_installed": N_("Monitor installed"),
    "monitor_removed": N_("Monitor removed"),
    "reconciliation_broken_relinked": N_("Broken profile relinked (reconciliation)"),
}


def action_label(code: str) -> str:
    """The readable name of an audit action code (its own words, capitalised, when it has no label)."""
    label = ACTION_LABELS.get(code)
    if label is not None:
        return _(label)
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else code


def actions_labelled(needle: str, codes: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """The action codes whose readable name contains `needle` (already case-folded), from `codes` or the
    known labels: so a filter word such as "changed" also finds `application_updated`."""
    pool = ACTION_LABELS if codes is None else codes
    return sorted(code for code in pool if needle and (needle in action_label(code).casefold()
                                                       or needle in ACTION_LABELS.get(code, "").casefold()))


__all__ = ["ACTION_LABELS", "action_label", "actions_labelled"]
