"""Edit an application (rename, scope group, rotate the secret after a check, setup check again) and remove a
revoked one after exporting its history: clicked through the real dialogs against the EWS sandbox."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import (
    APP_NAME,
    add_sandbox_app,
    link_through_core,
    open_window,  # noqa: F401 - fixture
    select_application,
)

from ec_console.checks import StepResult, StepStatus
from ec_console.dashboard import ApplicationRevocation
from ec_console.providers.base import ExchangeAdapter
from ec_console.registry import Registry
from ec_console.secrets import default_store, secret_key
from ec_console.ui.edit_application import EditApplicationDialog, RemoveApplicationDialog

pytestmark = pytest.mark.slow

LEFT = Qt.MouseButton.LeftButton


sandbox = sandbox_fixture("module")


def _registry_app(name: str = APP_NAME):
    with Registry.for_region("us") as registry:
        return registry.find_application(name)


def _audit(action: str):
    with Registry.for_region("us") as registry:
        return [e for e in registry.audit_entries() if e.action == action]


@pytest.fixture
def editing(qtbot, open_window, sandbox):  # noqa: F811
    app = add_sandbox_app(sandbox)
    window = open_window()
    select_application(window, APP_NAME)
    action = window.findChild(QAction, "editApplicationAction")
    assert action.isEnabled()
    action.trigger()
    dialog = window.findChild(EditApplicationDialog, "editApplicationDialog")
    assert dialog is not None and dialog.isVisible()
    return window, dialog, app


def test_rename_moves_the_secret_and_updates_the_list(qtbot, editing, sandbox):
    window, dialog, _app = editing
    assert not dialog.rename_button.isEnabled()                      # nothing changed yet
    dialog.name_field.selectAll()
    qtbot.keyClicks(dialog.name_field, "Calendar sync")
    assert dialog.rename_button.isEnabled()
    qtbot.mouseClick(dialog.rename_button, LEFT)
    qtbot.waitUntil(lambda: dialog.operation is None and "Renamed" in dialog.name_status.text(),
                    timeout=10000)
    assert dialog.windowTitle().endswith("Calendar sync")
    store = default_store()
    assert store.get(secret_key("us", "Calendar sync", "password")) == sandbox.info().password
    assert store.get(secret_key("us", APP_NAME, "password")) is None
    [entry] = _audit("application_renamed")
    assert entry.subject == "Calendar sync" and repr(APP_NAME) in entry.detail
    qtbot.waitUntil(lambda: any(window.applications_list.item(i).text().startswith("Calendar sync")
                                for i in range(window.applications_list.count())))
    # a taken name is refused with the reason, and nothing changes
    add_sandbox_app(sandbox, name="Second app")
    dialog.name_field.setText("second APP")
    qtbot.keyClick(dialog.name_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Not renamed" in dialog.name_status.text(), timeout=10000)
    assert "already exists" in dialog.name_status.text()
    assert _registry_app("Calendar sync") is not None


def test_a_failing_new_password_leaves_the_old_one_and_a_passing_one_replaces_it(qtbot, editing, sandbox):
    _window, dialog, _app = editing
    key = secret_key("us", APP_NAME, "password")
    store = default_store()
    store.set(key, "Expired-Password-1")                  # changed at the platform since setup
    assert dialog.secret_field.echoMode() == dialog.secret_field.EchoMode.Password
    assert not dialog.rotate_button.isEnabled()
    qtbot.keyClicks(dialog.secret_field, "Wrong-Password-2")
    qtbot.mouseClick(dialog.rotate_button, LEFT)
    qtbot.waitUntil(lambda: dialog.check_operation is None and dialog.rotation_steps.isVisible(),
                    timeout=30000)
    assert dialog.rotation_steps.statuses()["authenticate"] == "fail"
    status = dialog.rotation_status.text()
    assert "failed" in status and "stays in the keychain" in status
    assert store.get(key) == "Expired-Password-1"
    assert not _audit("application_secret_rotated")
    assert not dialog.accept_warning_button.isVisible()

    dialog.secret_field.clear()
    qtbot.keyClicks(dialog.secret_field, sandbox.info().password)
    assert not dialog.rotation_steps.isEnabled()           # the old result is about the old attempt
    qtbot.mouseClick(dialog.rotate_button, LEFT)
    qtbot.waitUntil(lambda: "old one is replaced" in dialog.rotation_status.text(), timeout=30000)
    assert set(dialog.rotation_steps.statuses().values()) == {"pass"}
    assert store.get(key) == sandbox.info().password
    assert dialog.secret_field.text() == ""
    [entry] = _audit("application_secret_rotated")
    assert "password replaced" in entry.detail and sandbox.info().password not in entry.detail


class _WarningAdapter(ExchangeAdapter):
    """The real setup check, plus one warning (as an Exchange Online check through EWS gives)."""

    def setup_check(self, application, secret, target, *, expect_denied=None, cancel=None):
        report = super().setup_check(application, secret, target, expect_denied=expect_denied, cancel=cancel)
        warning = StepResult("ews_retirement", "EWS in Exchange Online", StepStatus.WARN, 0,
                             "EWS in Exchange Online ends on 1 April 2027.")
        return dataclasses.replace(report, steps=(*report.steps, warning))


def test_a_warning_replaces_nothing_until_the_administrator_accepts_it(qtbot, open_window, sandbox):  # noqa: F811
    add_sandbox_app(sandbox)
    window = open_window()
    window.operation_adapters = {"exchange": _WarningAdapter()}
    select_application(window, APP_NAME)
    dialog = window.application_actions.open_edit()
    key = secret_key("us", APP_NAME, "password")
    default_store().set(key, "Old-Password-1")
    qtbot.keyClicks(dialog.secret_field, sandbox.info().password)
    qtbot.keyClick(dialog.secret_field, Qt.Key.Key_Tab)
    qtbot.mouseClick(dialog.rotate_button, LEFT)
    qtbot.waitUntil(lambda: dialog.accept_warning_button.isVisible(), timeout=30000)
    assert dialog.rotation_steps.statuses()["ews_retirement"] == "warn"
    assert default_store().get(key) == "Old-Password-1"
    qtbot.mouseClick(dialog.accept_warning_button, LEFT)
    qtbot.waitUntil(lambda: "old one is replaced" in dialog.rotation_status.text(), timeout=10000)
    assert default_store().get(key) == sandbox.info().password
    [entry] = _audit("application_secret_rotated")
    assert "accepted its warning" in entry.detail


def test_scope_group_and_setup_check_again(qtbot, editing):
    _window, dialog, _app = editing
    dialog.scope_field.clear()
    qtbot.keyClicks(dialog.scope_field, "cal-scope@contoso.com")
    qtbot.mouseClick(dialog.scope_button, LEFT)
    qtbot.waitUntil(lambda: "Saved" in dialog.scope_status.text(), timeout=10000)
    settings = _registry_app().settings
    assert settings["scope_group"] == settings["scope_group_address"] == "cal-scope@contoso.com"
    [entry] = _audit("application_scope_changed")
    assert "cal-scope@contoso.com" in entry.detail

    qtbot.mouseClick(dialog.recheck_button, LEFT)
    qtbot.waitUntil(lambda: dialog.check_operation is None and dialog.recheck_steps.isVisible(),
                    timeout=30000)
    assert "passed" in dialog.recheck_status.text()
    assert dialog.recheck_steps.statuses()["authenticate"] == "pass"
    [checked] = _audit("application_checked")
    assert "pass" in checked.detail


def test_remove_a_revoked_application_after_the_export(qtbot, open_window, sandbox, tmp_path):  # noqa: F811
    info = sandbox.info()
    app = add_sandbox_app(sandbox)
    link_through_core(app, info.mailboxes_in_scope[:2])
    window = open_window()
    select_application(window, APP_NAME)
    edit = window.findChild(QAction, "editApplicationAction")
    remove = window.findChild(QAction, "removeApplicationAction")
    assert edit.isEnabled() and not remove.isEnabled()
    assert "revoke" in remove.toolTip().lower()
    with Registry.for_region("us") as registry:
        revocation = ApplicationRevocation(registry, APP_NAME, store=default_store())
        revocation.skip_verification()
        revocation.complete()
    window.refresh()
    select_application(window, APP_NAME)
    assert remove.isEnabled() and not edit.isEnabled()
    assert "revoked" in edit.toolTip()
    remove.trigger()
    dialog = window.findChild(RemoveApplicationDialog, "removeApplicationDialog")
    assert dialog is not None and dialog.isVisible()
    export = tmp_path / "history.json"
    dialog.export_field.setText(str(export))
    assert not dialog.remove_button.isEnabled() and "type the name" in dialog.error.text()
    qtbot.keyClicks(dialog.confirm_name, APP_NAME)
    assert dialog.remove_button.isEnabled() and dialog.error.text() == ""
    with qtbot.waitSignal(dialog.removed, timeout=15000):
        qtbot.mouseClick(dialog.remove_button, LEFT)
    history = json.loads(export.read_text())
    assert sorted(p["email"] for p in history["profiles"]) == sorted(info.mailboxes_in_scope[:2])
    assert _registry_app() is None
    [entry] = _audit("application_removed")
    assert hashlib.sha256(export.read_bytes()).hexdigest() in entry.detail
    qtbot.waitUntil(lambda: all(not window.applications_list.item(i).text().startswith(APP_NAME)
                                for i in range(window.applications_list.count())))
    assert "history" in window.statusBar().currentMessage()


def test_remove_refuses_a_bad_export_file_and_keeps_everything(qtbot, open_window, sandbox, tmp_path):  # noqa: F811
    add_sandbox_app(sandbox)
    with Registry.for_region("us") as registry:
        revocation = ApplicationRevocation(registry, APP_NAME, store=default_store())
        revocation.skip_verification()
        revocation.complete()
    window = open_window()
    select_application(window, APP_NAME)
    dialog = window.application_actions.open_remove()
    dialog.export_field.setText(str(tmp_path / "missing-folder" / "history.json"))
    dialog.confirm_name.setText(APP_NAME)
    qtbot.mouseClick(dialog.remove_button, LEFT)
    qtbot.waitUntil(lambda: dialog.error.text().startswith("Nothing was removed"), timeout=10000)
    assert "does not exist" in dialog.error.text() and dialog.isVisible()
    assert _registry_app() is not None


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # a popup menu, offscreen
def test_the_applications_context_menu_offers_what_applies(qtbot, open_window, sandbox):  # noqa: F811
    add_sandbox_app(sandbox)
    window = open_window()
    apps = window.applications_list
    item = next(apps.item(i) for i in range(apps.count()) if apps.item(i).text().startswith(APP_NAME))
    apps.customContextMenuRequested.emit(apps.visualItemRect(item).center())
    menu = window.application_actions.context_menu
    qtbot.waitUntil(menu.isVisible)
    entries = {a.objectName(): a.isEnabled() for a in menu.actions() if a.objectName()}
    assert entries == {"editSettingsAction": True, "editApplicationAction": True,
                       "revokeApplicationAction": True, "removeApplicationAction": False,
                       "moveToGraphAction": False,    # an on-premises application stays on EWS
                       "reconcileAction": True, "importCredentialAction": True}
    menu.close()
    tools = [a.objectName() for a in window.findChild(QMenu, "toolsMenu").actions()]
    index = tools.index("revokeApplicationAction")
    assert tools[index + 1:index + 6] == ["editApplicationAction", "importCredentialAction",
                                          "moveToGraphAction", "removeApplicationAction", "reconcileAction"]


def test_an_action_asked_for_without_a_suitable_application_says_why_in_the_status_bar(qtbot, open_window):  # noqa: F811
    """Edit, Move, Remove and Reconcile open only for an application they apply to; asked for otherwise (a
    shortcut, a selection that changed meanwhile) they open nothing and the status bar says why, in the words
    of the greyed entry's tooltip."""
    with Registry.for_region("us") as registry:
        registry.add_application("Rooms", "exchange", "contoso.example",
                                 {"ews_url": "https://mail.contoso.example/EWS/Exchange.asmx"})
        old = registry.add_application("Old tool", "exchange", "contoso.example",
                                       {"ews_url": "https://mail.contoso.example/EWS/Exchange.asmx"})
        registry.update_application(old.id, status="revoked")
    window = open_window()
    actions, reconcile = window.application_actions, window.reconcile_actions
    bar = window.statusBar()
    by_name = {a.objectName(): a for a in window.findChildren(QAction)}
    openers = {"editApplicationAction": actions.open_edit, "moveToGraphAction": actions.open_move,
               "removeApplicationAction": actions.open_remove, "reconcileAction": reconcile.open}

    def refused(expected):
        for name, opener in openers.items():
            if name not in expected:
                continue
            bar.clearMessage()
            assert opener() is None, name
            assert bar.currentMessage() == expected[name], name
            assert not by_name[name].isEnabled()
            assert by_name[name].toolTip().endswith("\n" + expected[name])

    window.applications_list.setCurrentRow(-1)
    window.applications_list.clearSelection()
    qtbot.waitUntil(lambda: window.selected_application() is None)
    refused(dict.fromkeys(openers, "Select an application first."))

    select_application(window, "Rooms")
    refused({"moveToGraphAction": "Only an Exchange Online EWS application moves to Microsoft Graph.",
             "removeApplicationAction": "Only a revoked application can be removed: revoke Rooms first."})

    select_application(window, "Old tool")
    refused({"editApplicationAction": "Old tool is revoked: add it again to use it.",
             "moveToGraphAction": "Old tool is revoked.", "reconcileAction": "Old tool is revoked."})
    assert window.findChild(EditApplicationDialog) is None
