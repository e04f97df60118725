"""The command rows shown with every fix: the whole command is visible, and Copy copies it bare."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from ec_console.ui.step_list import CopyRow

COMMAND = ("New-ManagementRoleAssignment -Name 'Enterprise Connect impersonation' -Role "
           "ApplicationImpersonation -User 'svc-calendar@contoso.com' -CustomRecipientWriteScope "
           "'Enterprise Connect calendars'")


def test_a_long_command_wraps_to_its_full_height_instead_of_being_cut_off(qtbot):
    row = CopyRow(COMMAND, "Command")
    qtbot.addWidget(row)
    row.resize(360, 40)
    row.show()
    qtbot.waitExposed(row)
    field = row.field
    one_line = field.fontMetrics().lineSpacing()
    qtbot.waitUntil(lambda: field.height() > 3 * one_line)      # several lines, all shown
    layout = field.document().documentLayout()
    assert field.viewport().height() >= layout.documentSize().height() * one_line
    assert field.text() == COMMAND                               # nothing elided or changed
    wide = field.height()
    row.resize(1400, 40)
    qtbot.waitUntil(lambda: field.height() < wide)               # fewer lines when there is room
    qtbot.mouseClick(row.button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == COMMAND
    assert row.button.text() == "Copied"
