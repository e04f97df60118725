"""Tools › Reconcile… and the reconciliation line under the applications list, built with the main window.

Kept apart from `reconcile_view.py` so the first window loads neither the reconcile engine nor the check
engine: the window and the line's figures are imported when an application is selected or the action runs.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu

from ec_console import permissions
from ec_console.ui.application_actions import explain, show_why, suitable_application


class ReconcileActions(QObject):
    """Tools › Reconcile… and the applications list's context menu entry, one Reconcile window per
    application, and the reconciliation line under the applications list (`driftLabel`)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.windows: dict[int, Any] = {}
        self.action = QAction(self.tr("Rec&oncile…"), window)
        self.action.setObjectName("reconcileAction")
        self.action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.action.setStatusTip(self.tr("Who joined or left the scope, which linked profiles are broken, "
                                         "and whether anyone outside the scope can be reached"))
        self.action.triggered.connect(self.open)
        tools = window.findChild(QMenu, "toolsMenu")
        if tools is not None:
            # after the application's own entries (Edit / Move / Remove application)
            after = next((a for a in tools.actions() if a.objectName() == "removeApplicationAction"), None)
            entries = tools.actions()
            before = entries[entries.index(after) + 1] if after is not None and \
                entries.index(after) + 1 < len(entries) else None
            tools.insertAction(before, self.action)
        self.label = QLabel()
        self.label.setObjectName("driftLabel")
        self.label.setAccessibleName(self.tr("Reconciliation"))
        self.label.setWordWrap(True)
        self.label.hide()
        holder = window.applications_list.parentWidget()
        if holder is not None and holder.layout() is not None:
            holder.layout().addWidget(self.label)
        self.update()

    def suitable(self) -> tuple[Any | None, str]:
        """The selected application when it can be reconciled (active), else why not."""
        return suitable_application(self.window, "active", self.tr("%s is revoked."),
                                    permission=permissions.RECONCILE)

    def update(self) -> None:
        window = self.window
        app = window.selected_application() if window.registry is not None else None
        active, why = self.suitable()
        self.action.setEnabled(active is not None)
        show_why(self.action, why)
        text = ""
        if app is not None and window.registry is not None:
            try:
                from ec_console.ui.reconcile_view import reconciliation_line

                text = reconciliation_line(window.registry, app.id)
            except Exception:        # the line is a convenience: a registry hiccup must not break the window
                text = ""
        self.label.setText(text)
        self.label.setVisible(bool(text))

    def open(self) -> Any:
        window = self.window
        app, why = self.suitable()
        if app is None:
            explain(window, why)
            return None
        existing = self.windows.get(app.id)
        if existing is not None:
            existing.show()
            existing.raise_()
            existing.activateWindow()
            return existing
        from ec_console.ui.reconcile_view import ReconcileWindow

        view = ReconcileWindow(app, window.operation_scope(), window)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.changed.connect(lambda: window.results_arrived(now=True))
        view.destroyed.connect(lambda *_a, key=app.id: self.windows.pop(key, None))
        self.windows[app.id] = view
        view.show()
        return view


__all__ = ["ReconcileActions"]
