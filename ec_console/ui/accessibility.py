"""Names for the parts Qt builds inside a widget, which a screen reader would otherwise announce without a
name: a line edit's clear button and a toolbar's extension button ("more actions" when the window is too
narrow for every button). The console's own widgets are named where they are built."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialogButtonBox,
    QDockWidget,
    QLineEdit,
    QToolBar,
    QToolButton,
    QWidget,
)

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




def name_dock_buttons(dock: QDockWidget, what: str) -> None:
    """The close and float buttons in a dock's title bar (icons only) say what they do, as tooltips too."""
    for name, text in (("qt_dockwidget_closebutton", _tr("Close the %s") % what),
                       ("qt_dockwidget_floatbutton", _tr("Float the %s in a window of its own") % what)):
        button = dock.findChild(QAbstractButton, name)
        if button is not None:
            button.setAccessibleName(text)
            button.setToolTip(text)


def tab_in_visual_order(box: QDialogButtonBox) -> None:
    """Tab through a button box's buttons in the order the platform lays them out (Qt keeps the order they
    were added in, so Tab could jump from the right-hand button back to the left)."""
    layout = box.layout()
    buttons = [layout.itemAt(i).widget() for i in range(layout.count())]
    chain_tabs([b for b in buttons if isinstance(b, QAbstractButton)])


def chain_tabs(widgets: Sequence[QWidget]) -> None:
    """Tab goes from each of `widgets` to the next."""
    for first, second in zip(widgets, widgets[1:], strict=False):
        QWidget.setTabOrder(first, second)


__all__ = ["chain_tabs", "enable_clear_button", "name_dock_buttons", "name_toolbar_extension",
           "tab_in_visual_order"]
