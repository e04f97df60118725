"""The helpdesk's quick check: right-click a profile → Test connectivity opens the check window with the
profile's application and mailbox filled in (secret from the keychain) and runs it at once, off the GUI
thread; not offered for a profile whose application is revoked. Against the EWS sandbox."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import (
    APP_NAME,
    add_sandbox_app,
    link_through_core,
    open_window,  # noqa: F401 - fixture
    row_of,
    select_emails,
)

from ec_console.registry import Registry
from ec_console.ui.check_view import CheckView

# A popup menu grabs the keyboard, which the offscreen platform cannot do (and says so).
pytestmark = [pytest.mark.slow,
              pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")]
TIMEOUT = 30_000


sandbox = sandbox_fixture("module")


@pytest.fixture
def linked(sandbox):
    """Two in-scope mailboxes linked, and one linked while it was in scope that has left it since."""
    info = sandbox.info()
    app = add_sandbox_app(sandbox)
    chosen = [*info.mailboxes_in_scope[:2], info.mailbox_out_of_scope]
    moved = sandbox.org.mailboxes[info.mailbox_out_of_scope]
    moved.in_scope = True
    try:
        link_through_core(app, chosen)
    finally:
        moved.in_scope = False
    return app, chosen


def right_click_menu(qtbot, window, email: str) -> QMenu:
    """Right-click the profile's row in the table (which selects it) and return the menu that opens."""
    table = window.profiles_table
    qtbot.waitExposed(window)
    viewport = table.viewport()
    pos = table.visualRect(window.model.index(row_of(window, email), 0)).center()
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=pos)
    # The window system turns a right-click into a context-menu event; QTest's synthetic click does not.
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                       viewport.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: window.findChild(QMenu, "profilesContextMenu") is not None
                    and window.findChild(QMenu, "profilesContextMenu").isVisible())
    return window.findChild(QMenu, "profilesContextMenu")


def menu_action(menu: QMenu, text: str) -> QAction:
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def click_menu_item(qtbot, menu: QMenu, action: QAction) -> None:
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def wait_for_result(qtbot, view: CheckView) -> None:
    qtbot.waitUntil(lambda: view.report is not None and not view.running, timeout=TIMEOUT)


def test_right_click_test_connectivity_checks_the_profile_in_two_clicks(qtbot, open_window, linked,  # noqa: F811
                                                                       monkeypatch):
    import ec_console.wizard as core_wizard

    app, chosen = linked
    threads: list[threading.Thread] = []
    real = core_wizard.run_application_check

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(core_wizard, "run_application_check", recording)
    window = open_window()
    menu = right_click_menu(qtbot, window, chosen[1])                                  # click 1
    assert window.selected_profile_ids() == [window.model.profile_id(row_of(window, chosen[1]))]
    test = menu_action(menu, "Test connectivity")
    assert test.isEnabled()
    click_menu_item(qtbot, menu, test)                                                 # click 2
    view = window.findChild(CheckView, "checkView")
    assert view is not None and view.isVisible()
    assert view.running                                     # started at once, nothing to enter
    assert view.selected_application().id == app.id and view.mailbox.text() == chosen[1]
    wait_for_result(qtbot, view)
    assert view.report.target == chosen[1] and view.report.result.value == "pass", view.report.to_dict()
    assert view.steps.statuses()["read_calendar"] == "pass"
    assert view.result_heading.text().startswith(f"{chosen[1]} · checked ")
    assert threads and all(t is not threading.main_thread() for t in threads)

    # The next profile, from the same window: the check window is reused and runs again.
    menu = right_click_menu(qtbot, window, chosen[2])
    click_menu_item(qtbot, menu, menu_action(menu, "Test connectivity"))
    assert window.findChildren(CheckView) == [view]
    wait_for_result(qtbot, view)
    assert view.report.target == chosen[2]
    assert view.report.diagnosis.code == "impersonation_denied"                # out of scope: diagnosed
    assert not view.stale


def test_not_offered_for_a_profile_under_a_revoked_application(qtbot, open_window, linked):  # noqa: F811
    app, chosen = linked
    with Registry.for_region("us") as registry:
        registry.update_application(app.id, status="revoked")
    window = open_window()
    menu = right_click_menu(qtbot, window, chosen[0])
    test = menu_action(menu, "Test connectivity")
    assert not test.isEnabled()
    assert "application has been revoked" in test.toolTip()
    menu.close()
    tools = window.findChild(QAction, "testConnectivityAction")
    tools.trigger()                                          # the Tools action opens an empty window instead
    view = window.findChild(CheckView, "checkView")
    assert view is not None and not view.running and view.report is None and view.mailbox.text() == ""


def test_tools_test_connectivity_applies_to_the_selected_profile(qtbot, open_window, linked):  # noqa: F811
    app, chosen = linked
    window = open_window()
    select_emails(window, chosen[0], chosen[1])
    profile_action = window.findChild(QAction, "testProfileAction")
    assert not profile_action.isEnabled() and "Select one profile" in profile_action.toolTip()
    select_emails(window, chosen[0])
    assert profile_action.isEnabled()
    tools_menu = window.findChild(QMenu, "toolsMenu")
    tools = window.findChild(QAction, "testConnectivityAction")
    assert tools in tools_menu.actions()
    tools.trigger()
    view = window.findChild(CheckView, "checkView")
    assert view.running and view.selected_application().id == app.id and view.mailbox.text() == chosen[0]
    wait_for_result(qtbot, view)
    assert view.report.target == chosen[0] and view.report.result.value == "pass"


def test_the_details_pane_tests_its_profile(qtbot, open_window, linked):  # noqa: F811
    app, chosen = linked
    window = open_window()
    select_emails(window, chosen[1])
    pane = window.details_pane
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        window.show_profile_details()
    button = pane.test_button
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    view = window.findChild(CheckView, "checkView")
    assert view.running and view.mailbox.text() == chosen[1]
    wait_for_result(qtbot, view)
    assert view.report.target == chosen[1]

    with Registry.for_region("us") as registry:
        registry.update_application(app.id, status="revoked")
    window.refresh()
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        pane.reload()
    assert not button.isEnabled() and "application has been revoked" in button.toolTip()
    assert APP_NAME in pane.facts.text()
