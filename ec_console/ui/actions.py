"""The main window's actions and the one place that decides which are enabled.

Each action of DESIGN.md's UI contract is described by an `ActionSpec`. A capability that is not built
yet has `available=False` and an `unavailable` sentence the admin sees as tooltip and status tip; the
work that builds it flips `available` (and connects `triggered`) and nothing else changes.
`update_action_states` combines availability, the signed-in registry role (`ec_console.permissions`: an
action the role may not do is disabled, its tooltip and status tip saying why) and what is selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from ec_console import permissions
from ec_console.ui import icons


class Needs(Enum):
    """What must be selected (or open) for an available action to be enabled."""

    REGISTRY = "registry"
    PROFILE = "profile"
    APPLICATION = "application"
    LINKED_PROFILES = "linked_profiles"


@dataclass(frozen=True)
class ActionSpec:
    object_name: str
    text: str                 # menu text with its mnemonic
    tip: str                  # what it does, for an admin
    icon: str
    shortcut: str | QKeySequence.StandardKey | None
    needs: Needs
    available: bool = False
    unavailable: str = ""     # why it cannot be used in this version
    permission: str = ""      # the console action it is (ec_console.permissions), for the role's say
    toolbar: str = ""         # the toolbar's short label (TOOLBAR_CONTEXT); menus and tooltips keep `text`


NOT_YET = "Not available yet in this version: "
# The texts and tips are translated in the main window's context (resources/i18n, docs/i18n.md).
CONTEXT = "MainWindow"
# The toolbar's labels have their own context: a translation may be shorter than the menu's text so that
# the whole toolbar fits a 1280-pixel window (German: "Erneut verknüpfen" for "Profil erneut verknüpfen").
TOOLBAR_CONTEXT = "MainToolbar"

SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "addConnectionAction", QT_TRANSLATE_NOOP("MainWindow", "&Add connection…"),
        QT_TRANSLATE_NOOP("MainWindow", "Connect an application to Exchange, Office 365 or Google Workspace "
                                        "through a service account."),
        "add-connection", QKeySequence.StandardKey.New, Needs.REGISTRY, available=True,
        permission=permissions.ADD_APPLICATION,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Add connection"),
        unavailable=NOT_YET + "the setup wizard that connects an application arrives with the next release.",
    ),
    ActionSpec(
        "testConnectivityAction", QT_TRANSLATE_NOOP("MainWindow", "&Test connectivity…"),
        QT_TRANSLATE_NOOP("MainWindow", "Check step by step whether the service account can reach one "
                                        "mailbox's calendar."),
        "test-connectivity", "Ctrl+T", Needs.REGISTRY, available=True,
        permission=permissions.CHECK,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Test connectivity"),
        unavailable=NOT_YET + "the connectivity check window arrives with the next release. "
        "Meanwhile use `ec-console check exchange` or `ec-console check google`.",
    ),
    ActionSpec(
        "checkAllAction", QT_TRANSLATE_NOOP("MainWindow", "Check &all"),
        QT_TRANSLATE_NOOP("MainWindow", "Probe every linked calendar again and update its status."),
        "check-all", "Ctrl+Shift+K", Needs.LINKED_PROFILES, available=True,
        permission=permissions.CHECK_ALL,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Check all"),
        unavailable=NOT_YET + "checking all linked calendars arrives with the dashboard release.",
    ),
    ActionSpec(
        "linkProfilesAction", QT_TRANSLATE_NOOP("MainWindow", "&Link profiles…"),
        QT_TRANSLATE_NOOP("MainWindow", "Find the calendars in an application's scope and link the ones you "
                                        "choose."),
        "link-profiles", "Ctrl+L", Needs.APPLICATION, available=True,
        permission=permissions.LINK_PROFILES,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Link profiles"),
        unavailable=NOT_YET + "linking calendars arrives with the dashboard release.",
    ),
    ActionSpec(
        "relinkProfileAction", QT_TRANSLATE_NOOP("MainWindow", "&Relink profile"),
        QT_TRANSLATE_NOOP("MainWindow", "Probe the selected calendars again with the application's current "
                                        "credentials."),
        "relink-profile", "Ctrl+R", Needs.PROFILE, available=True,
        permission=permissions.RELINK_PROFILES,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Relink profile"),
        unavailable=NOT_YET + "relinking calendars arrives with the dashboard release.",
    ),
    ActionSpec(
        "revokeProfileAction", QT_TRANSLATE_NOOP("MainWindow", "Revoke &profile…"),
        QT_TRANSLATE_NOOP("MainWindow", "Stop the application's access to the selected calendars."),
        "revoke-profile", QKeySequence.StandardKey.Delete, Needs.PROFILE, available=True,
        permission=permissions.REVOKE_PROFILES,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Revoke profile"),
        unavailable=NOT_YET + "revoking calendars arrives with the dashboard release.",
    ),
    ActionSpec(
        "revokeApplicationAction", QT_TRANSLATE_NOOP("MainWindow", "Revo&ke application…"),
        QT_TRANSLATE_NOOP("MainWindow", "Withdraw the selected application's organisation-wide grant, step "
                                        "by step."),
        "revoke-application", None, Needs.APPLICATION, available=True,
        permission=permissions.REVOKE_APPLICATION,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Revoke application"),
        unavailable=NOT_YET + "revoking an application arrives with the dashboard release.",
    ),
    ActionSpec(
        "testProfileAction", QT_TRANSLATE_NOOP("MainWindow", "&Test connectivity"),
        QT_TRANSLATE_NOOP("MainWindow", "Check the selected profile's calendar step by step now, with its "
                                        "application's saved settings and "
        "secret (nothing to enter)."),
        "test-connectivity", None, Needs.PROFILE, available=True,
        permission=permissions.CHECK,
        toolbar=QT_TRANSLATE_NOOP("MainToolbar", "Test connectivity"),
        unavailable=NOT_YET + "testing a profile's connectivity arrives with the next release.",
    ),
)
CONTRACT_ACTIONS = tuple(spec.object_name for spec in SPECS)


@dataclass(frozen=True)
class Selection:
    """What the window has open and selected, as far as enabling actions is concerned."""

    registry_open: bool = False
    profiles_selected: int = 0
    application_selected: bool = False
    linked_profiles: int = 0
    # Actions that do not apply to what is selected, with the reason the admin reads in the tooltip.
    blocked: tuple[tuple[str, str], ...] = ()
    # The registry's signed-in role: what it may not do is disabled whatever is selected.
    role: str = permissions.ADMIN


def create_actions(parent: QWidget) -> dict[str, QAction]:
    """One QAction per spec, named, with icon, shortcut and tips (all disabled until updated)."""
    actions: dict[str, QAction] = {}
    for spec in SPECS:
        text = QCoreApplication.translate(CONTEXT, spec.text)
        action = QAction(icons.icon(spec.icon), text, parent)
        action.setObjectName(spec.object_name)
        label = QCoreApplication.translate(TOOLBAR_CONTEXT, spec.toolbar) if spec.toolbar else ""
        action.setIconText(label or plain_text(text))
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setProperty("ecSpec", spec.object_name)
        actions[spec.object_name] = action
    update_action_states(actions, Selection())
    return actions


def plain_text(text: str) -> str:
    """A menu text without its mnemonic and trailing ellipsis ("&Add connection…" → "Add connection")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


def spec_for(object_name: str) -> ActionSpec:
    for spec in SPECS:
        if spec.object_name == object_name:
            return spec
    raise KeyError(object_name)


def _requirement_met(needs: Needs, selection: Selection) -> bool:
    if not selection.registry_open:
        return False
    if needs is Needs.PROFILE:
        return selection.profiles_selected > 0
    if needs is Needs.APPLICATION:
        return selection.application_selected
    if needs is Needs.LINKED_PROFILES:
        return selection.linked_profiles > 0
    return True


def update_action_states(actions: dict[str, QAction], selection: Selection) -> None:
    """Enable what is built and applicable; explain in the tooltip why anything else is not."""
    for name, action in actions.items():
        spec = spec_for(name)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        suffix = f" ({shortcut})" if shortcut else ""
        refused = permissions.refusal(selection.role, spec.permission) if spec.permission else None
        if not spec.available:
            action.setEnabled(False)
            tip = spec.unavailable
        elif refused is not None:
            action.setEnabled(False)
            tip = f"{QCoreApplication.translate(CONTEXT, spec.tip)}\n{refused}"
        else:
            met = _requirement_met(spec.needs, selection)
            why_not = dict(selection.blocked).get(name) if met else None
            action.setEnabled(met and why_not is None)
            what = QCoreApplication.translate(CONTEXT, spec.tip)
            tip = f"{what}\n{why_not}" if why_not else what
        action.setToolTip(f"{plain_text(action.text())}{suffix}\n{tip}")
        action.setStatusTip(refused or tip)


def refresh_icons(actions: dict[str, QAction]) -> None:
    """Redraw the icons in the current theme's ink (after a light/dark switch)."""
    for name, action in actions.items():
        action.setIcon(icons.icon(spec_for(name).icon))
