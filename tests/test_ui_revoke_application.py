"""Revoke an application through its full sequence against the EWS sandbox: the platform steps with Copy
buttons, verify the withdrawal (not yet withdrawn, then withdrawn), confirm by typing the name; or skip the
verification and see the audit say so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QLabel
from sandbox_setup import sandbox_fixture, withdraw_impersonation
from test_ui_dashboard_support import (
    APP_NAME,
    add_sandbox_app,
    link_through_core,
    open_window,  # noqa: F401 - fixture
    select_application,
)

from ec_console.registry import Registry
from ec_console.secrets import default_store, secret_key
from ec_console.ui.revoke_application import RevokeApplicationDialog

pytestmark = pytest.mark.slow


sandbox = sandbox_fixture("function")   # one per test: the withdrawal changes its organisation


@pytest.fixture
def revoking(qtbot, open_window, sandbox):  # noqa: F811
    info = sandbox.info()
    app = add_sandbox_app(sandbox)
    link_through_core(app, info.mailboxes_in_scope[:2])
    window = open_window()
    select_application(window, APP_NAME)
    window.findChild(QAction, "revokeApplicationAction").trigger()
    dialog = window.findChild(RevokeApplicationDialog, "revokeApplicationDialog")
    assert dialog is not None and dialog.isVisible()
    return window, dialog, app


def _state():
    with Registry.for_region("us") as registry:
        app = registry.find_application(APP_NAME)
        return app, {p.status for p in registry.list_profiles()}, registry.audit_entries(limit=1)[0]


def test_full_sequence_verify_then_confirm_by_name(qtbot, revoking, sandbox):
    window, dialog, app = revoking
    commands = [row.text for row in dialog.copy_rows]
    assert any(c.startswith("Get-ManagementRoleAssignment -Role ApplicationImpersonation") and
               sandbox.info().username.replace("'", "''") in c for c in commands), commands
    dialog.copy_rows[0].button.click()
    assert QGuiApplication.clipboard().text() == commands[0]
    assert not dialog.revoke_button.isEnabled()

    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)          # grant still in place
    qtbot.waitUntil(lambda: dialog.verification is not None, timeout=30000)
    assert dialog.result_steps.statuses() == {"verify_withdrawal": "fail"}
    assert "still answers" in dialog.verify_status.text()
    # The fix names this application's real scoping group, for its own platform only.
    fix = dialog.verification.steps[0].diagnosis.remediation
    assert sandbox.info().scope_group in fix or sandbox.info().scope_group_address in fix
    assert "<" not in fix and "Exchange Online:" not in fix and "Google Workspace:" not in fix

    withdraw_impersonation(sandbox)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.verification is not None and dialog.verify_operation is None,
                    timeout=30000)
    assert dialog.result_steps.statuses() == {"verify_withdrawal": "pass"}
    assert not dialog.revoke_button.isEnabled()                                 # the name is not typed yet
    qtbot.keyClicks(dialog.confirm_name, APP_NAME.lower())
    assert not dialog.revoke_button.isEnabled()                                 # exactly the name
    dialog.confirm_name.setText(APP_NAME)
    assert dialog.revoke_button.isEnabled()
    assert dialog.error.text() == ""                                            # nothing left to do

    with qtbot.waitSignal(dialog.revoked, timeout=15000):
        qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    stored, statuses, last = _state()
    assert stored.status == "revoked" and statuses == {"revoked"}
    assert last.action == "application_revoked" and "withdrawal verified: pass" in last.detail
    assert default_store().get(secret_key("us", APP_NAME, "password")) is None
    qtbot.waitUntil(lambda: any("(revoked)" in window.applications_list.item(i).text()
                                for i in range(window.applications_list.count())))
    select_application(window, APP_NAME)
    assert not window.findChild(QAction, "revokeApplicationAction").isEnabled()
    assert not window.findChild(QAction, "linkProfilesAction").isEnabled()


def test_skipping_verification_is_explicit_and_audited(qtbot, revoking):
    _window, dialog, _app = revoking
    dialog.confirm_name.setText(APP_NAME)
    assert not dialog.revoke_button.isEnabled()                 # neither verified nor skipped
    assert "verify the withdrawal or skip it" in dialog.error.text()
    dialog.skip.setChecked(True)
    assert not dialog.verify_button.isEnabled() and dialog.revoke_button.isEnabled()
    with qtbot.waitSignal(dialog.revoked, timeout=15000):
        qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    stored, statuses, last = _state()
    assert stored.status == "revoked" and statuses == {"revoked"}
    assert "verification skipped by the administrator" in last.detail


def test_cancelling_the_dialog_changes_nothing(qtbot, revoking):
    _window, dialog, _app = revoking
    dialog.skip.setChecked(True)
    dialog.confirm_name.setText(APP_NAME)
    dialog.close_button.click()
    stored, statuses, _last = _state()
    assert stored.status == "active" and statuses == {"linked"}
    assert default_store().get(secret_key("us", APP_NAME, "password")) is not None


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _move_endpoint(window, dialog, ews_url: str) -> RevokeApplicationDialog:
    """Off the VPN: the application's EWS endpoint cannot be reached from this computer. The settings are
    changed in the registry, so the dialog is opened again on the application as it now is (one opened
    before would be refused as changed by someone else: docs/registry.md, "Row versions")."""
    with Registry.for_region("us") as registry:
        app = registry.find_application(APP_NAME)
        registry.update_application(app.id, settings={**app.settings, "ews_url": ews_url})
    dialog.close()
    window.refresh()
    select_application(window, APP_NAME)
    window.findChild(QAction, "revokeApplicationAction").trigger()
    reopened = next(d for d in window.findChildren(RevokeApplicationDialog, "revokeApplicationDialog")
                    if d is not dialog and d.isVisible())
    return reopened


def _verify(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.verification is not None and dialog.verify_operation is None,
                    timeout=30000)


@pytest.mark.parametrize(
    ("ews_url", "code"),
    [
        # .invalid never resolves (RFC 6761, section 6.4)
        ("https://mail.ec-console-test.invalid/EWS/Exchange.asmx", "dns_unresolved"),
        (None, "tcp_unreachable"),
    ],
)
def test_off_vpn_cannot_verify_and_revoking_needs_an_explicit_skip(qtbot, revoking, ews_url, code):
    window, dialog, _app = revoking
    dialog = _move_endpoint(window, dialog, ews_url or f"https://127.0.0.1:{_closed_port()}/EWS/Exchange.asmx")
    _verify(qtbot, dialog)
    assert dialog.result_steps.statuses() == {"verify_withdrawal": "warn"}
    assert dialog.verification.steps[0].data["code"] == code
    assert "could not verify" in dialog.verify_status.text().lower()
    dialog.confirm_name.setText(APP_NAME)
    assert not dialog.revoke_button.isEnabled()                 # an unreachable server proves nothing
    qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    stored, statuses, _last = _state()
    assert stored.status == "active" and statuses == {"linked"}
    assert default_store().get(secret_key("us", APP_NAME, "password")) is not None

    qtbot.mouseClick(dialog.skip, Qt.MouseButton.LeftButton)   # the administrator goes on without proof
    assert dialog.skip.isChecked() and dialog.revoke_button.isEnabled()
    with qtbot.waitSignal(dialog.revoked, timeout=15000):
        qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    stored, statuses, last = _state()
    assert stored.status == "revoked" and statuses == {"revoked"}
    assert "could not verify" in last.detail and code in last.detail
    assert "skipped by the administrator" in last.detail and "verified: pass" not in last.detail


def test_mistyped_verify_mailbox_cannot_verify_and_nothing_is_revoked(qtbot, revoking, sandbox):
    _window, dialog, _app = revoking
    qtbot.keyClicks(dialog.mailbox, sandbox.info().mailbox_nonexistent)   # the grant itself still works
    _verify(qtbot, dialog)
    assert dialog.result_steps.statuses() == {"verify_withdrawal": "warn"}
    assert dialog.verification.steps[0].data["code"] == "mailbox_not_found"
    dialog.confirm_name.setText(APP_NAME)
    assert not dialog.revoke_button.isEnabled()
    assert "verify the withdrawal or skip it" in dialog.error.text()
    stored, _statuses, _last = _state()
    assert stored.status == "active"
    assert default_store().get(secret_key("us", APP_NAME, "password")) is not None


def test_still_answering_grant_cannot_be_revoked_without_a_skip(qtbot, revoking):
    _window, dialog, _app = revoking
    _verify(qtbot, dialog)                                       # step 1 not done: the calendar answers
    assert dialog.result_steps.statuses() == {"verify_withdrawal": "fail"}
    dialog.confirm_name.setText(APP_NAME)
    assert not dialog.revoke_button.isEnabled()
    qtbot.mouseClick(dialog.skip, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.revoked, timeout=15000):
        qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    _stored, _statuses, last = _state()
    assert "still answers" in last.detail and "skipped by the administrator" in last.detail


def test_steps_are_numbered_once_and_every_command_is_only_a_command(qtbot, revoking, sandbox):
    _window, dialog, _app = revoking
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    numbered = [t for t in texts if t[:1].isdigit() and t[1:3] == ". "]
    numbers = [int(t.split(".", 1)[0]) for t in numbered]
    # One flat sequence: the platform steps 1..n, then "n+1. Verify the withdrawal", then "n+2. Confirm".
    assert numbers == list(range(1, len(dialog.steps_text) + 3))
    assert numbered[-2].endswith("Verify the withdrawal") and numbered[-1].endswith("Confirm")
    # What a Copy button copies runs as it is in the Exchange Management Shell: no prose tacked on.
    assert all("(no rows)" not in row.text for row in dialog.copy_rows)
    verify = [r.text for r in dialog.copy_rows if "-GetEffectiveUsers" in r.text]
    username = sandbox.info().username.split("\\")[-1]
    assert verify and verify[0].endswith(f"-like '*{username}*'")


def test_a_revoke_confirmed_after_another_console_changed_the_application_changes_nothing(qtbot, revoking):
    _window, dialog, _app = revoking
    with Registry.for_region("us") as other_console:     # meanwhile, on another desktop
        app = other_console.find_application(APP_NAME)
        other_console.update_application(app.id, settings={**app.settings, "timeout": 20})
    qtbot.mouseClick(dialog.skip, Qt.MouseButton.LeftButton)
    dialog.confirm_name.setText(APP_NAME)
    qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.revoke_operation is None and "Someone else" in dialog.error.text())
    assert dialog.error.text() == ("Nothing was revoked: Someone else changed this application (now: active) "
                                   "— the list has been refreshed; nothing was done")
    stored, statuses, _last = _state()
    assert stored.status == "active" and statuses == {"linked"}
    assert default_store().get(secret_key("us", APP_NAME, "password")) is not None
