"""Accessibility of every window the console opens: what a screen reader hears (every interactive control has
a name, read through QAccessible as assistive technology reads it), the tab order (reading order, every
enabled control reached) and mnemonics (no two alike in one window or one menu), against the EWS sandbox.

The windows are listed in WINDOWS; a window class added to ec_console/ui/ without an entry there fails
test_every_window_class_is_walked."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QToolBar,
    QWidget,
)
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import add_sandbox_app, link_through_core, select_application, select_emails

import ec_console.ui
from ec_console.ui import tasks
from ec_console.ui.app import create_main_window
from ec_console.ui.main_window import MainWindow

pytestmark = pytest.mark.slow

sandbox = sandbox_fixture("module")
TIMEOUT = 20_000
Role = QAccessible.Role

# Roles a user operates (a screen reader must say what each is for). Static text, frames, scroll bars and the
# cells of a table (named by their data) are not in the list.
INTERACTIVE = {Role.PushButton, Role.CheckBox, Role.RadioButton, Role.ComboBox, Role.EditableText,
               Role.SpinBox, Role.Table, Role.List, Role.Tree, Role.PageTab, Role.MenuItem, Role.ButtonMenu,
               Role.ButtonDropDown, Role.Slider, Role.Link, Role.ToolBar}
CONTAINERS_NOT_WALKED = {Role.Table, Role.List, Role.Tree, Role.ScrollBar}   # their rows are data


# ----------------------------------------------------------------------------------------- walking

def accessible_tree(widget: QWidget) -> Iterator[tuple[str, Any]]:
    """(path, interface) for the window and everything below it, as a screen reader walks it."""
    root = QAccessible.queryAccessibleInterface(widget)
    stack = [(root, "")]
    while stack:
        node, path = stack.pop()
        if node is None or not node.isValid():
            continue
        role = node.role()
        here = f"{path}/{role.name}"
        yield here, node
        if role in CONTAINERS_NOT_WALKED or role is Role.ComboBox:   # a combo box's child is its popup list
            continue
        stack.extend((node.child(i), here) for i in reversed(range(node.childCount())))


def nameless_controls(window: QWidget) -> list[str]:
    missing = []
    for path, node in accessible_tree(window):
        if node.role() not in INTERACTIVE:
            continue
        if not node.text(QAccessible.Text.Name).replace("&", "").strip():
            obj = node.object()
            label = (obj.objectName() or type(obj).__name__) if obj is not None else "?"
            missing.append(f"{path} ({label})")
    return missing


def menus_of(window: QWidget) -> list[QMenu]:
    """The window's menus, their submenus and the menus of its buttons."""
    found: list[QMenu] = []

    def add(menu: QMenu | None) -> None:
        if menu is None or menu in found:
            return
        found.append(menu)
        for action in menu.actions():
            add(action.menu())

    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            add(action.menu())
    for button in window.findChildren(QAbstractButton):
        add(getattr(button, "menu", lambda: None)())
    return found


# ----------------------------------------------------------------------------------------- windows

def _wizard_pages(qtbot, window: MainWindow, sandbox) -> Iterator[tuple[str, QWidget]]:
    from ec_console.ui.wizard import SandboxSession
    from ec_console.wizard import CONNECTION_PAGES, Page, Platform

    session = SandboxSession()
    session.sandbox = sandbox
    for platform in (Platform.ONPREM, Platform.ONLINE, Platform.GOOGLE, Platform.GRAPH):
        window.sandbox_session = session
        wizard = window.open_setup_wizard()
        page = wizard.page_widget(Page.PLATFORM)
        page.buttons[platform].setChecked(True)
        page.sandbox_box.setChecked(platform is Platform.ONPREM)
        if platform is Platform.ONPREM:
            yield "wizard platform page", wizard
        wizard.next()
        assert wizard.current() is CONNECTION_PAGES[platform]
        yield f"wizard {platform.value} connection page", wizard
        if platform is Platform.ONPREM:
            wizard.next()
            yield "wizard scope page", wizard
            wizard.next()
            test = wizard.page_widget(Page.TEST)
            qtbot.waitUntil(lambda w=wizard, t=test: w.flow.test_report is not None and not t.running,
                            timeout=TIMEOUT)
            yield "wizard test page", wizard
            wizard.next()
            yield "wizard summary page", wizard
        wizard.reject()
    session.sandbox = None


def _check_view(qtbot, window, sandbox):
    view = window.open_check_view()
    yield "check window", view
    view.close()


def _simple(opener: str, name: str) -> Callable[..., Iterator[tuple[str, QWidget]]]:
    def states(qtbot, window, sandbox):
        dialog = getattr(window, opener)()
        assert dialog is not None, opener
        yield name, dialog
        dialog.close()
    return states


def _app_action(opener: str, name: str) -> Callable[..., Iterator[tuple[str, QWidget]]]:
    def states(qtbot, window, sandbox):
        select_application(window, "Sandbox EWS")
        holder = window.reconcile_actions if opener == "open" else window.application_actions
        dialog = getattr(holder, opener)()
        assert dialog is not None, opener
        yield name, dialog
        dialog.close()
    return states


def _selected_app(opener: str, name: str) -> Callable[..., Iterator[tuple[str, QWidget]]]:
    def states(qtbot, window, sandbox):
        select_application(window, "Sandbox EWS")
        dialog = getattr(window, opener)()
        assert dialog is not None, opener
        yield name, dialog
        dialog.close()
    return states


def _revoke_profiles(qtbot, window, sandbox):
    from ec_console.ui.profile_details import RevokeProfilesDialog

    select_emails(window, sandbox.info().mailboxes_in_scope[0])
    window.revoke_selected_profiles()
    qtbot.waitUntil(lambda: window.findChild(RevokeProfilesDialog) is not None)
    dialog = window.findChild(RevokeProfilesDialog)
    yield "revoke profiles confirmation", dialog
    dialog.reject()


def _move(qtbot, window, sandbox):
    from ec_console.registry import Registry
    from ec_console.ui.wizard import SetupWizard

    with Registry.for_region("us") as registry:
        ews = registry.add_application(
            "Contoso EWS", "exchange", "contoso.com",
            {"test_mailbox": "alice@contoso.com", "auth": "oauth", "tenant_id": "contoso.onmicrosoft.com",
             "client_id": "3c9d5a1e-8f2b-4c7d-9e6a-1b2c3d4e5f60", "expect_denied": "ceo@contoso.com"})
    wizard = SetupWizard("us", keychain="Test keychain", move_application=ews, parent=window)
    wizard.show()
    yield "move to Microsoft Graph: start", wizard
    wizard.next()
    yield "move to Microsoft Graph: connection", wizard
    wizard.reject()


def _remove(qtbot, window, sandbox):
    from ec_console.registry import Registry

    with Registry.for_region("us") as registry:
        old = registry.add_application("Old tool", "exchange", "contoso.com")
        registry.update_application(old.id, status="revoked")
    window.refresh()
    select_application(window, "Old tool")
    dialog = window.application_actions.open_remove()
    assert dialog is not None
    yield "remove application", dialog
    dialog.close()


def _confirm_leavers(qtbot, window, sandbox):
    from ec_console.reconcile import Finding
    from ec_console.ui.reconcile_view import ConfirmRevokeDialog

    select_application(window, "Sandbox EWS")
    leavers = [Finding("leaver@contoso.com", "leaver", "Lee Leaver", fix="Remove the mailbox from the group")]
    dialog = ConfirmRevokeDialog(window.selected_application(), leavers, window)
    dialog.show()
    yield "reconcile: revoke leavers", dialog
    dialog.reject()


def _exception(qtbot, window, sandbox):
    from ec_console.ui.errors import ExceptionDialog

    dialog = ExceptionDialog("Something unexpected happened.", "Traceback (details)", None, window)
    dialog.show()
    yield "unexpected error", dialog
    dialog.reject()


def _main(qtbot, window, sandbox):
    yield "main window", window
    select_emails(window, sandbox.info().mailboxes_in_scope[0])
    window.profile_search.setText("a")                # its clear button shows
    window.resize(640, 600)                           # the toolbar's extension button shows
    qtbot.waitUntil(lambda: window.toolbar.findChild(QWidget, "qt_toolbar_ext_button").isVisible())
    yield "main window, narrow, searching", window


# window class -> the states of it to walk (each a generator of (description, top-level widget))
WINDOWS: dict[str, Callable[..., Iterator[tuple[str, QWidget]]]] = {
    "MainWindow": _main,
    "SetupWizard": _wizard_pages,
    "CheckView": _check_view,
    "AboutDialog": _simple("show_about", "about"),
    "CheckAllDialog": _simple("start_check_all", "check all"),
    "AuditLogDialog": _simple("open_audit_log", "audit log"),
    "HealthHistoryDialog": _simple("open_health_history", "health history"),
    "LinkProfilesDialog": _selected_app("open_link_dialog", "link profiles"),
    "RevokeApplicationDialog": _selected_app("revoke_selected_application", "revoke application"),
    "RevokeProfilesDialog": _revoke_profiles,
    "EditApplicationDialog": _app_action("open_edit", "edit application"),
    "RemoveApplicationDialog": _remove,
    "ImportCredentialDialog": _app_action("open_import", "import credential"),
    "ReconcileWindow": _app_action("open", "reconcile"),
    "ConfirmRevokeDialog": _confirm_leavers,
    "ExceptionDialog": _exception,
    "SetupWizard (move)": _move,
}


def window_classes() -> set[str]:
    """Every dialog and main window class of ec_console/ui, and any widget made a window of its own."""
    names = set()
    for module_info in pkgutil.iter_modules(ec_console.ui.__path__):
        if module_info.name == "screenshots":
            continue
        module = importlib.import_module(f"ec_console.ui.{module_info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, QWidget):
                continue
            source = inspect.getsource(cls)
            if issubclass(cls, (QDialog, QMainWindow)) or "WindowType.Window," in source:
                names.add(name)
    return names


def test_every_window_class_is_walked():
    walked = {name.split()[0] for name in WINDOWS}
    assert window_classes() - walked == set()
    assert {"MainWindow", "SetupWizard", "CheckView", "AuditLogDialog"} <= window_classes()


@pytest.fixture
def console(qtbot, sandbox):
    """A main window on a region with the sandbox application and three linked calendars."""
    info = sandbox.info()
    app = add_sandbox_app(sandbox)
    link_through_core(app, info.mailboxes_in_scope[:3])
    window = create_main_window("us", keychain="Test keychain")
    qtbot.addWidget(window)
    window.resize(1280, 780)
    window.show()
    qtbot.waitExposed(window)
    yield window
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible():
            widget.close()
    window.close()
    tasks.shutdown_pools()


def _states(qtbot, window, sandbox, name) -> Iterator[tuple[str, QWidget]]:
    for description, widget in WINDOWS[name](qtbot, window, sandbox):
        widget.show()
        qtbot.waitExposed(widget)
        QApplication.processEvents()
        yield description, widget


@pytest.mark.parametrize("name", list(WINDOWS))
def test_every_interactive_control_has_an_accessible_name(qtbot, console, sandbox, name):
    missing = []
    walked = 0
    for description, widget in _states(qtbot, console, sandbox, name):
        walked += 1
        missing += [f"{description}: {path}" for path in nameless_controls(widget)]
        for menu in menus_of(widget):
            missing += [f"{description}: menu {menu.title() or menu.objectName()}: {path}"
                        for path in nameless_controls(menu)]
    assert walked
    assert missing == []


def test_the_walk_finds_a_nameless_control(qtbot):
    """The walker itself: a button with only an icon and a bare line edit are reported, named ones are not."""
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    from ec_console.ui import icons

    window = QDialog()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    bare, named = QPushButton(icons.icon("refresh"), ""), QPushButton(icons.icon("refresh"), "")
    named.setAccessibleName("Refresh")
    bare.setObjectName("bareButton")
    edit = QLineEdit(objectName="bareEdit")
    for widget in (bare, named, edit, QPushButton("&Close")):
        layout.addWidget(widget)
    window.show()
    qtbot.waitExposed(window)
    assert sorted(re.sub(r".*\((.*)\)", r"\1", entry) for entry in nameless_controls(window)) == [
        "bareButton", "bareEdit"]
