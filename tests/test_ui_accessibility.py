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
    QRadioButton,
    QTabBar,
    QTextEdit,
    QToolBar,
    QToolButton,
    QWidget,
)
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import (
    add_sandbox_app,
    link_through_core,
    select_application,
    select_emails,
    status_in_table,
)

import ec_console.ui
from ec_console.ui import tasks
from ec_console.ui.app import create_main_window
from ec_console.ui.main_window import MainWindow
from ec_console.ui.profiles_model import COL_EMAIL

pytestmark = pytest.mark.slow

sandbox = sandbox_fixture("module", throttle_back_off_ms=50)
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


def icon_buttons_without_tooltip(window: QWidget) -> list[str]:
    """Buttons showing only an icon: each needs a tooltip (what sighted users hover for) besides a name."""
    return [button.objectName() or button.accessibleName() or type(button).__name__
            for button in window.findChildren(QAbstractButton)
            if button.isVisibleTo(window) and not button.text().strip() and not button.icon().isNull()
            and not button.toolTip()]


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
    for menu in window.findChildren(QMenu):          # context menus, while open
        if menu.isVisible():
            add(menu)
    for button in window.findChildren(QAbstractButton):
        add(getattr(button, "menu", lambda: None)())
    return found


# ----------------------------------------------------------------------------------------- windows

def _wizard_pages(qtbot, window: MainWindow, sandbox) -> Iterator[tuple[str, QWidget]]:
    from ec_console.wizard import CONNECTION_PAGES, Page, Platform

    for platform in (Platform.ONPREM, Platform.ONLINE, Platform.GOOGLE, Platform.GRAPH):
        wizard = window.open_setup_wizard()      # on the sandbox session (the `session` fixture)
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
    window.resize(1280, 780)
    window.profile_search.clear()
    window.show_profile_details(window.model.index(0, 0))
    qtbot.waitUntil(lambda: window.details_pane.details is not None, timeout=TIMEOUT)
    yield "main window with a profile's details", window
    table = window.profiles_table
    window._profiles_menu(table.visualRect(window.model.index(0, 0)).center())
    qtbot.waitUntil(lambda: window.findChild(QMenu, "profilesContextMenu") is not None)
    yield "main window, a profile's context menu", window
    window.findChild(QMenu, "profilesContextMenu").close()
    select_application(window, "Sandbox EWS")
    apps = window.applications_list
    window.application_actions._menu(apps.visualItemRect(apps.currentItem()).center())
    qtbot.waitUntil(lambda: window.findChild(QMenu, "applicationsContextMenu") is not None)
    yield "main window, an application's context menu", window
    window.findChild(QMenu, "applicationsContextMenu").close()


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
    # Closed here, not by qtbot (which closes before fixtures end: the `session` fixture lets go of the
    # module's sandbox first, or closing the window would stop it).
    window.resize(1280, 780)
    window.show()
    qtbot.waitExposed(window)
    yield window
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible():
            widget.close()
    window.close()
    window.deleteLater()
    tasks.shutdown_pools()


@pytest.fixture
def session(console, sandbox):
    """The main window's sandbox session over the module's running sandbox (which the module stops)."""
    from ec_console.ui.wizard import SandboxSession

    running = SandboxSession()
    running.sandbox = sandbox
    console.sandbox_session = running
    yield running
    running.sandbox = None


def _states(qtbot, window, sandbox, name) -> Iterator[tuple[str, QWidget]]:
    for description, widget in WINDOWS[name](qtbot, window, sandbox):
        widget.show()
        qtbot.waitExposed(widget)
        QApplication.processEvents()
        yield description, widget


@pytest.mark.parametrize("name", list(WINDOWS))
def test_every_interactive_control_has_an_accessible_name(qtbot, console, sandbox, session, name):
    missing = []
    walked = 0
    for description, widget in _states(qtbot, console, sandbox, name):
        walked += 1
        missing += [f"{description}: {path}" for path in nameless_controls(widget)]
        missing += [f"{description}: icon only, no tooltip: {name}"
                    for name in icon_buttons_without_tooltip(widget)]
        for menu in menus_of(widget):
            missing += [f"{description}: menu {menu.title() or menu.objectName()}: {path}"
                        for path in nameless_controls(menu)]
    assert walked
    assert missing == [], "\n".join(missing)


# ----------------------------------------------------------------------------------------- keyboard

MNEMONIC = re.compile(r"&([^&\s])")
ROW_TOLERANCE = 6     # pixels: widgets of one row whose tops differ by a little (a label's baseline)


def mnemonic(text: str) -> str | None:
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisibleTo(window) and widget.window() is window


def mnemonic_collisions(window: QWidget) -> list[str]:
    """Letters used by more than one mnemonic among the window's visible labels, buttons, group boxes and tabs
    (and its menu bar), then among the entries of each of its menus."""
    owners: dict[str, list[str]] = {}

    def add(text: str, where: str) -> None:
        letter = mnemonic(text)
        if letter:
            owners.setdefault(letter, []).append(f"{where} {text!r}")

    for widget in window.findChildren(QWidget):
        if not _shown(widget, window):
            continue
        if isinstance(widget, QLabel) and widget.buddy() is not None:  # its letter focuses its buddy
            add(widget.text(), "label")
        elif isinstance(widget, QAbstractButton) and widget.objectName() != "qt_toolbar_ext_button":
            add(widget.text(), type(widget).__name__)
        elif isinstance(widget, QGroupBox):
            add(widget.title(), "group")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                add(widget.tabText(index), "tab")
    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            add(action.text(), "menu")
    clashes = [f"{letter}: {', '.join(names)}" for letter, names in owners.items() if len(names) > 1]
    for menu in menus_of(window):
        letters: dict[str, list[str]] = {}
        for action in menu.actions():
            letter = mnemonic(action.text())
            if letter and action.isVisible():
                letters.setdefault(letter, []).append(action.text())
        clashes += [f"menu {menu.title()!r} {letter}: {names}" for letter, names in letters.items()
                    if len(names) > 1]
    return clashes


def focus_chain(window: QWidget) -> list[QWidget]:
    """The controls Tab visits, in order: the focus chain's visible, enabled widgets taking focus by Tab."""
    chain: list[QWidget] = []
    widget = window.nextInFocusChain()
    seen = set()
    while widget is not window and id(widget) not in seen:
        seen.add(id(widget))
        if takes_tab(widget, window):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def takes_tab(widget: QWidget, window: QWidget) -> bool:
    return (bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.isEnabled()
            and _shown(widget, window) and widget.focusProxy() is None)


CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QTabBar,
            QPlainTextEdit, QTextEdit)


def unreachable_controls(window: QWidget) -> list[str]:
    """Enabled visible controls Tab never reaches (they refuse focus by Tab, or are outside the chain)."""
    chain = set(focus_chain(window))
    missing = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isEnabled() or not _shown(widget, window):
            continue
        if widget.objectName().startswith("qt_") or isinstance(widget.parent(), (QLineEdit, QTabBar)):
            continue                        # Qt's own parts: a line edit's clear button, a tab bar's arrows
        if widget.focusProxy() is not None:
            widget = widget.focusProxy()
        if widget in chain or _inside_item_view(widget) or _reached_otherwise(widget, window, chain):
            continue
        missing.append(_describe(widget))
    return missing


def _reached_otherwise(widget: QWidget, window: QWidget, chain: set[QWidget]) -> bool:
    """A radio button whose group Tab enters (the arrow keys choose within a group), or a toolbar button
    whose action is in the window's menus (toolbars take no focus: their actions are reached by the menu
    bar's mnemonics and shortcuts)."""
    if isinstance(widget, QRadioButton) and widget.autoExclusive():
        siblings = widget.parentWidget().findChildren(QRadioButton)
        group = widget.group()
        if group is not None:
            siblings = group.buttons()
        return any(other in chain for other in siblings if other is not widget)
    if isinstance(widget, QToolButton) and isinstance(widget.parentWidget(), QToolBar):
        action = widget.defaultAction()
        in_menus = {a for menu in menus_of(window) for a in menu.actions()}
        return action is not None and action in in_menus
    return False


def _inside_item_view(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractItemView):
            return True
        parent = parent.parentWidget()
    return False


def _describe(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    label = widget.accessibleName() or (text() if callable(text) else "")
    return f"{type(widget).__name__}:{widget.objectName() or label}"


def out_of_reading_order(window: QWidget) -> list[str]:
    """Steps of the tab order that go back against reading order: to an earlier row without moving right into
    a column of its own, or to the left within one row. The chain is a circle: counted from the start that
    gives the fewest such steps (the step from the last control back to the first is not one)."""
    chain = focus_chain(window)
    rects = [(w, w.rect().translated(w.mapTo(window, w.rect().topLeft()))) for w in chain]
    best: list[str] | None = None
    for start in range(len(rects)):
        order = rects[start:] + rects[:start]
        wrong = [step for a, b in zip(order, order[1:], strict=False) if (step := _backwards(a, b))]
        if best is None or len(wrong) < len(best):
            best = wrong
            if wrong:
                best.append("the order: " + ", ".join(f"{_describe(w)} at {r.x()},{r.y()}" for w, r in order))
    return best or []


def _backwards(first: tuple[QWidget, Any], second: tuple[QWidget, Any]) -> str | None:
    (a, ra), (b, rb) = first, second
    same_row = abs(rb.top() - ra.top()) <= ROW_TOLERANCE or (
        rb.top() < ra.bottom() and ra.top() < rb.bottom() and rb.height() < 3 * ra.height()
        and ra.height() < 3 * rb.height())
    if same_row:
        if rb.left() < ra.left() - ROW_TOLERANCE:
            return f"{_describe(a)} -> {_describe(b)} (goes left)"
    elif rb.top() < ra.top() and rb.left() < ra.right() - ROW_TOLERANCE:
        return f"{_describe(a)} -> {_describe(b)} (goes up)"
    return None


@pytest.mark.parametrize("name", list(WINDOWS))
def test_tab_order_follows_reading_order_and_reaches_every_control(qtbot, console, sandbox, session, name):
    problems = []
    for description, widget in _states(qtbot, console, sandbox, name):
        problems += [f"{description}: unreachable {entry}" for entry in unreachable_controls(widget)]
        problems += [f"{description}: {entry}" for entry in out_of_reading_order(widget)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", list(WINDOWS))
def test_mnemonics_do_not_collide(qtbot, console, sandbox, session, name):
    clashes = []
    for description, widget in _states(qtbot, console, sandbox, name):
        clashes += [f"{description}: {entry}" for entry in mnemonic_collisions(widget)]
    assert clashes == [], "\n".join(clashes)


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


# ----------------------------------------------------------------------------------------- keyboard only

def _active() -> QWidget:
    return QApplication.activePopupWidget() or QApplication.activeModalWidget() or QApplication.activeWindow()


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the platform delivers it, to the active window: its shortcuts and mnemonics apply."""
    qtbot.keyClick(_active().windowHandle(), key, modifier)
    qtbot.wait(200)             # a mnemonic presses its button with animateClick (100 ms)


def back_to(qtbot, window: QWidget) -> None:
    """What the desktop's window manager does when a dialog closes: the window under it is active again (the
    offscreen platform has no window manager)."""
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget(), text)


def alt_letter(qtbot, text: str) -> None:
    """Alt and the underlined letter of `text` (a label or button the user reads)."""
    letter = mnemonic(text)
    assert letter, text
    press(qtbot, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)


def emails_selected(window: MainWindow) -> list[str]:
    rows = window.profiles_table.selectionModel().selectedRows()
    return [window.model.data(window.model.index(index.row(), COL_EMAIL)) for index in rows]


def test_keyboard_only_flow(qtbot, console, sandbox, session):
    """Add a connection with the wizard, revoke a profile found in the table, check all and find the revoke
    in the audit log, with keys only."""
    from ec_console.registry import Registry
    from ec_console.ui.audit_view import AuditLogDialog
    from ec_console.ui.check_all import CheckAllDialog
    from ec_console.ui.wizard import SetupWizard
    from ec_console.wizard import Page, Platform

    info = sandbox.info()
    console.activateWindow()
    qtbot.waitUntil(console.isActiveWindow)

    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)                 # File › Add connection
    qtbot.waitUntil(lambda: isinstance(_active(), SetupWizard))
    wizard = _active()
    platform_page = wizard.page_widget(Page.PLATFORM)
    alt_letter(qtbot, platform_page.buttons[Platform.ONPREM].text())
    alt_letter(qtbot, platform_page.sandbox_box.text())
    assert wizard.flow.platform is Platform.ONPREM and platform_page.sandbox_box.isChecked()
    alt_letter(qtbot, wizard.buttonText(wizard.WizardButton.NextButton))
    assert wizard.current() is Page.CONNECTION_ONPREM
    alt_letter(qtbot, "&Application name")
    assert QApplication.focusWidget() is wizard.currentPage().form.inputs["name"]
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "Rooms by keyboard")
    alt_letter(qtbot, wizard.buttonText(wizard.WizardButton.NextButton))
    assert wizard.current() is Page.SCOPE
    alt_letter(qtbot, wizard.buttonText(wizard.WizardButton.NextButton))
    assert wizard.current() is Page.TEST
    test = wizard.page_widget(Page.TEST)
    qtbot.waitUntil(lambda: wizard.flow.test_report is not None and not test.running, timeout=TIMEOUT)
    alt_letter(qtbot, wizard.buttonText(wizard.WizardButton.NextButton))
    assert wizard.current() is Page.SUMMARY
    with qtbot.waitSignal(wizard.application_saved, timeout=TIMEOUT):
        alt_letter(qtbot, wizard.buttonText(wizard.WizardButton.FinishButton))
    back_to(qtbot, console)
    with Registry.for_region("us") as registry:
        assert registry.find_application("Rooms by keyboard") is not None

    # Select a profile in the table with the arrow keys (Ctrl+F, then Tab past the filter) and revoke it,
    # confirming with the button's letter.
    target = info.mailboxes_in_scope[1]
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is console.profile_search
    while QApplication.focusWidget() is not console.profiles_table:
        press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Home)
    rows = console.model.rowCount()
    for _ in range(rows):
        if emails_selected(console) == [target]:
            break
        press(qtbot, Qt.Key.Key_Down)
    assert emails_selected(console) == [target]
    press(qtbot, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _active() is not console)
    confirm = _active()
    assert target in confirm.text()
    alt_letter(qtbot, confirm.revoke_button.text())
    back_to(qtbot, console)
    qtbot.waitUntil(lambda: status_in_table(console, target) == "Revoked", timeout=TIMEOUT)

    # Check all: its shortcut, then Enter starts it (Start is the default button).
    press(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(_active(), CheckAllDialog))
    with qtbot.waitSignal(console.run_panel.finished, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_Return)
    back_to(qtbot, console)

    # The audit log through the menu bar: Alt and the Tools menu's letter, then the entry's letter.
    tools = console.findChild(QMenu, "toolsMenu")
    alt_letter(qtbot, tools.title())
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is tools)
    letter = mnemonic(console.audit_action.text())
    press(qtbot, getattr(Qt.Key, f"Key_{letter.upper()}"))
    qtbot.waitUntil(lambda: isinstance(_active(), AuditLogDialog))
    audit = _active()
    qtbot.waitUntil(lambda: audit.loading is None and audit.page is not None, timeout=TIMEOUT)
    alt_letter(qtbot, "&Filter:")
    assert QApplication.focusWidget() is audit.filter
    type_text(qtbot, target)
    qtbot.waitUntil(lambda: audit.loading is None and [e.subject for e in audit.model.entries
                                                        if e.action == "profile_revoked"] == [target],
                    timeout=TIMEOUT)
    with qtbot.waitSignal(audit.finished):
        press(qtbot, Qt.Key.Key_Escape)


def test_keyboard_only_check_link_relink_and_revoke_application(qtbot, console, sandbox):
    """The connectivity check, linking, relinking and revoking the application, with keys only."""
    from ec_console.checks import StepStatus
    from ec_console.registry import Registry
    from ec_console.ui.check_view import CheckView
    from ec_console.ui.link_dialog import LinkProfilesDialog
    from ec_console.ui.revoke_application import RevokeApplicationDialog

    info = sandbox.info()
    console.activateWindow()
    qtbot.waitUntil(console.isActiveWindow)

    # Tools › Test connectivity: choose the application, type the mailbox, Enter runs, Escape closes.
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(_active(), CheckView))
    view = _active()
    alt_letter(qtbot, "&Application:")
    assert QApplication.focusWidget() is view.source
    for _ in range(view.source.count()):
        if view.source.currentText().startswith("Sandbox EWS"):
            break
        press(qtbot, Qt.Key.Key_Down)
    assert view.source.currentText().startswith("Sandbox EWS")
    alt_letter(qtbot, "&Mailbox:")
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, info.mailboxes_in_scope[0])
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.report is not None and not view.running, timeout=TIMEOUT)
    assert view.report.result is StepStatus.PASS, view.report.result
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not view.isVisible())
    back_to(qtbot, console)

    # The application, chosen in the list with the arrow keys; Ctrl+L links what discovery finds.
    alt_letter(qtbot, "&Applications")
    assert QApplication.focusWidget() is console.applications_list
    press(qtbot, Qt.Key.Key_Home)
    for _ in range(console.applications_list.count()):
        chosen = console.selected_application()
        if chosen is not None and chosen.name == "Sandbox EWS":
            break
        press(qtbot, Qt.Key.Key_Down)
    assert console.selected_application().name == "Sandbox EWS"
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(_active(), LinkProfilesDialog))
    link = _active()
    alt_letter(qtbot, link.discover_button.text())
    qtbot.waitUntil(lambda: link.discovery is None or link.discovery.task is None, timeout=TIMEOUT)
    alt_letter(qtbot, link.select_all_button.text())
    qtbot.waitUntil(link.link_button.isEnabled, timeout=TIMEOUT)
    alt_letter(qtbot, link.link_button.text())
    qtbot.waitUntil(lambda: link.summary is not None, timeout=3 * TIMEOUT)
    with Registry.for_region("us") as registry:
        linked = {p.email for p in registry.list_profiles() if p.status == "linked"}
    assert set(info.mailboxes_in_scope) <= linked
    with qtbot.waitSignal(link.finished):
        press(qtbot, Qt.Key.Key_Escape)
    back_to(qtbot, console)

    # Relink the profile under the table's cursor (Ctrl+R in the table).
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    while QApplication.focusWidget() is not console.profiles_table:
        press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_End)
    assert len(emails_selected(console)) == 1
    with qtbot.waitSignal(console.run_panel.finished, timeout=TIMEOUT):
        press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)

    # Tools › Revoke application: skip the verification, type the name, revoke.
    tools = console.findChild(QMenu, "toolsMenu")
    alt_letter(qtbot, tools.title())
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is tools)
    letter = mnemonic(console.actions["revokeApplicationAction"].text())
    press(qtbot, getattr(Qt.Key, f"Key_{letter.upper()}"))
    qtbot.waitUntil(lambda: isinstance(_active(), RevokeApplicationDialog))
    revoke = _active()
    alt_letter(qtbot, revoke.skip.text())
    assert revoke.skip.isChecked()
    while QApplication.focusWidget() is not revoke.confirm_name:
        press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "Sandbox EWS")
    alt_letter(qtbot, revoke.revoke_button.text())
    with Registry.for_region("us") as registry:
        qtbot.waitUntil(lambda: registry.find_application("Sandbox EWS").status == "revoked", timeout=TIMEOUT)


# Windows translated into German (docs/i18n.md): their German mnemonics must not collide either (Qt's own
# German wizard buttons take other letters: "< &Zurück", "&Weiter >", "Ab&schließen").
GERMAN_WINDOWS = ("SetupWizard", "SetupWizard (move)", "AboutDialog", "ExceptionDialog")


@pytest.fixture
def german(qapp):
    from PySide6.QtCore import QCoreApplication

    from ec_console.ui.app import install_translators, remove_translators

    install_translators(qapp, "de")
    assert QCoreApplication.translate("SetupWizard", "Add connection") == "Verbindung hinzufügen"
    yield
    remove_translators(qapp)


@pytest.mark.parametrize("name", GERMAN_WINDOWS)
def test_german_mnemonics_do_not_collide(qtbot, german, console, sandbox, session, name):
    clashes = []
    for description, widget in _states(qtbot, console, sandbox, name):
        clashes += [f"{description}: {entry}" for entry in mnemonic_collisions(widget)]
    assert clashes == [], "\n".join(clashes)
