"""Edit application…, Import credential…, Move to Microsoft Graph… and Remove application… in the main
window's Tools menu and the applications list's context menu.

The actions are built with the window; the dialogs they open (`ui/edit_application.py`, with the check
engine and the step list behind them) are imported when first opened, so the first window starts sooner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ec_console import permissions

if TYPE_CHECKING:
    from ec_console.ui.edit_application import EditApplicationDialog, RemoveApplicationDialog


def _is_exchange_online_ews(application: Any) -> bool:
    from ec_console.application_move import is_exchange_online_ews

    return is_exchange_online_ews(application)


def suitable_application(window: Any, status: str, wrong_status: str | Callable[[Any], str],
                         unsuitable: Callable[[Any], str] | None = None, *,
                         permission: str | None = None) -> tuple[Any | None, str]:
    """The main window's selected application when an action on it applies, else why not, in words.

    It applies when the window has a region open, an application is selected, the application's status is
    `status`, and `unsuitable(app)` (when given) has nothing to say. Otherwise the answer is (None, the
    reason): "Select an application first.", `wrong_status` with the application's name in it (or what
    `wrong_status(app)` says), or what `unsuitable` said. The actions' tooltips and their openers both ask
    here, so they always agree. With `permission` (an `ec_console.permissions` action), the signed-in
    registry role that may not do it is the first reason ("Your registry role is helpdesk: ...")."""
    if permission is not None and window.registry is not None:
        refused = permissions.refusal(permissions.role_of(window.registry), permission)
        if refused is not None:
            return None, refused
    app = window.selected_application() if window.registry is not None else None
    if app is None:
        return None, QCoreApplication.translate("ApplicationActions", "Select an application first.")
    if app.status != status:
        return None, wrong_status(app) if callable(wrong_status) else wrong_status % app.name
    why = unsuitable(app) if unsuitable is not None else ""
    return (None, why) if why else (app, "")


def show_why(action: QAction, why: str) -> None:
    """The action's tooltip: its name and why it is disabled, else what it does; a role's refusal is its
    status tip too (what it does is kept, as the `ecTip` property, for when the reason goes)."""
    tip = action.property("ecTip")
    if tip is None:
        tip = action.statusTip()
        action.setProperty("ecTip", tip)
    action.setToolTip(f"{action.text().replace('&', '')}\n{why or tip}")
    action.setStatusTip(why if permissions.is_refusal(why) else tip)


def explain(window: Any, why: str) -> None:
    """Say in the status bar why an action did not open (its menu entry is greyed then; a shortcut or a
    selection that changed meanwhile may still ask)."""
    window.statusBar().showMessage(why, 8000)


class ApplicationActions(QObject):
    """Edit application… and Remove application… for the main window's selected application, in the Tools
    menu and the applications list's context menu (with the wizard and Revoke application)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.edit = QAction(self.tr("&Edit application…"), window)
        self.edit.setObjectName("editApplicationAction")
        self.edit.setStatusTip(self.tr("Rename the selected application, rotate its secret, change its scope "
                                       "group or run its setup check again"))
        self.edit.triggered.connect(self.open_edit)
        self.remove = QAction(self.tr("Re&move application…"), window)
        self.remove.setObjectName("removeApplicationAction")
        self.remove.setStatusTip(self.tr("Remove a revoked application and its history, after exporting it"))
        self.remove.triggered.connect(self.open_remove)
        self.import_credential = QAction(self.tr("Import &credential…"), window)
        self.import_credential.setObjectName("importCredentialAction")
        self.import_credential.setStatusTip(self.tr("Put the selected application's password, key or "
                                                    "certificate into this desktop's keychain, after "
                                                    "checking it"))
        self.import_credential.triggered.connect(lambda: self.open_import())
        self.move = QAction(self.tr("Mo&ve to Microsoft Graph…"), window)
        self.move.setObjectName("moveToGraphAction")
        self.move.setStatusTip(self.tr("Move an Exchange Online EWS application to Microsoft Graph before "
                                       "EWS is switched off on 1 April 2027; its profiles and history are "
                                       "kept"))
        self.move.triggered.connect(self.open_move)
        tools = window.findChild(QMenu, "toolsMenu")
        if tools is not None:
            revoke = window.actions["revokeApplicationAction"]
            tools.insertActions(_action_after(tools, revoke), [self.edit, self.import_credential, self.move,
                                                                self.remove])
        apps = window.applications_list
        apps.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        apps.customContextMenuRequested.connect(self._menu)
        self.update()

    # Each action's application: the selected one when the action applies to it, else why not.
    def for_edit(self) -> tuple[Any | None, str]:
        return suitable_application(self.window, "active", self.tr("%s is revoked: add it again to use it."),
                                    permission=permissions.EDIT_APPLICATION)

    def for_remove(self) -> tuple[Any | None, str]:
        return suitable_application(self.window, "revoked", self.tr("Only a revoked application can be "
                                                                    "removed: revoke %s first."),
                                    permission=permissions.REMOVE_APPLICATION)

    def for_move(self) -> tuple[Any | None, str]:
        def on_graph(app: Any) -> str:
            return self.tr("%s already uses Microsoft Graph.") % app.name if app.provider == "graph" else ""

        def revoked(app: Any) -> str:
            return on_graph(app) or self.tr("%s is revoked.") % app.name

        def unsuitable(app: Any) -> str:
            if on_graph(app) or _is_exchange_online_ews(app):
                return on_graph(app)
            return self.tr("Only an Exchange Online EWS application moves to Microsoft Graph.")

        return suitable_application(self.window, "active", revoked, unsuitable,
                                    permission=permissions.MOVE_APPLICATION)

    def for_import(self) -> tuple[Any | None, str]:
        return suitable_application(self.window, "active", self.tr("%s is revoked: its credential cannot be "
                                                                   "imported."),
                                    permission=permissions.IMPORT_CREDENTIAL)

    def update(self) -> None:
        for action, (app, why) in ((self.edit, self.for_edit()), (self.remove, self.for_remove()),
                                   (self.move, self.for_move()), (self.import_credential, self.for_import())):
            action.setEnabled(app is not None)
            show_why(action, why)

    def _menu(self, pos: Any) -> None:
        apps = self.window.applications_list
        item = apps.itemAt(pos)
        if item is None:
            return
        apps.setCurrentItem(item)
        app = self.window.selected_application()
        menu = QMenu(self.window)
        menu.setObjectName("applicationsContextMenu")
        menu.setToolTipsVisible(True)
        wizard = menu.addAction(self.tr("Edit &settings (setup wizard)…"))
        wizard.setObjectName("editSettingsAction")
        refused = permissions.refusal(permissions.role_of(self.window.registry), permissions.EDIT_APPLICATION)
        wizard.setEnabled(app is not None and app.status == "active" and refused is None)
        if refused is not None:
            wizard.setToolTip(refused)
            wizard.setStatusTip(refused)
        wizard.triggered.connect(self.window.edit_selected_application)
        menu.addAction(self.edit)
        menu.addAction(self.import_credential)
        menu.addAction(self.move)
        if getattr(self.window, "reconcile_actions", None) is not None:
            menu.addAction(self.window.reconcile_actions.action)
        menu.addSeparator()
        menu.addAction(self.window.actions["revokeApplicationAction"])
        menu.addAction(self.remove)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(apps.viewport().mapToGlobal(pos))
        self.context_menu = menu

    def open_edit(self) -> EditApplicationDialog | None:
        from ec_console.ui.edit_application import EditApplicationDialog

        window = self.window
        app, why = self.for_edit()
        if app is None:
            explain(window, why)
            return None
        dialog = EditApplicationDialog(app, window.operation_scope(), window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(lambda _app: window.results_arrived(now=True))
        dialog.open()
        return dialog

    def open_import(self, application: Any = None) -> Any:
        """Import credential… for the selected application (or `application`)."""
        from ec_console.ui.import_credential import ImportCredentialDialog

        window = self.window
        app, why = (application, "") if application is not None else self.for_import()
        if app is None:
            explain(window, why)
            return None
        dialog = ImportCredentialDialog(app, window.operation_scope(), window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(lambda _app: window.results_arrived(now=True))
        dialog.open()
        return dialog

    def open_move(self) -> Any:
        """The setup wizard in move mode: the Graph pages filled with what the application knows."""
        window = self.window
        app, why = self.for_move()
        if app is None:
            explain(window, why)
            return None
        return window.open_setup_wizard(move_application=app)

    def open_remove(self) -> RemoveApplicationDialog | None:
        from ec_console.ui.edit_application import RemoveApplicationDialog

        window = self.window
        app, why = self.for_remove()
        if app is None:
            explain(window, why)
            return None
        dialog = RemoveApplicationDialog(app, window.operation_scope(), window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def removed(removal: Any) -> None:
            window.statusBar().showMessage(
                self.tr("Removed %(name)s; its history is in %(file)s") % {"name": removal.name,
                                                                         "file": removal.export}, 15000)
            window.refresh()

        dialog.removed.connect(removed)
        dialog.open()
        return dialog


def _action_after(menu: QMenu, action: QAction) -> QAction | None:
    """The menu entry after `action` (None: the end), to insert right behind it."""
    entries = menu.actions()
    if action in entries:
        index = entries.index(action)
        return entries[index + 1] if index + 1 < len(entries) else None
    return None
