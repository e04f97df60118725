"""Names for the parts Qt builds inside a widget, which a screen reader would otherwise announce without a
name: a line edit's clear button and a toolbar's extension button ("more actions" when the window is too
narrow for every button). The console's own widgets are named where they are built."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit, QToolBar, QToolButton

CLEAR_ACTION = "_q_qlineeditclearaction"          # the action Qt adds for setClearButtonEnabled(True)
TOOLBAR_EXTENSION = "qt_toolbar_ext_button"       # the button QToolBar shows when its buttons do not fit


def _tr(text: str) -> str:
    return QCoreApplication.translate("accessibility", text)


def enable_clear_button(edit: QLineEdit) -> None:
    """The line edit's clear button, shown while it holds text, with a name and a tooltip."""
    edit.setClearButtonEnabled(True)
    action = edit.findChild(QAction, CLEAR_ACTION)
    if action is not None:
        action.setText(_tr("Clear"))
        action.setToolTip(_tr("Clear the text"))


def name_toolbar_extension(toolbar: QToolBar) -> None:
    """The toolbar's extension button (Qt makes it nameless) says what it opens."""
    button = toolbar.findChild(QToolButton, TOOLBAR_EXTENSION)
    if button is not None:
        button.setAccessibleName(_tr("More toolbar actions"))
        button.setToolTip(_tr("More toolbar actions (the window is too narrow to show them all)"))


__all__ = ["enable_clear_button", "name_toolbar_extension"]
