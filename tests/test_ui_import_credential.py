"""Import credential…: a desktop whose keychain lacks an application's credential imports it, checked first,
clicked through the real dialog against the EWS sandbox (from the Tools menu, and from the connectivity check
that found it missing); check all says which applications it could not check for that reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import (
    APP_NAME,
    add_sandbox_app,
    open_window,  # noqa: F401 - fixture
    select_application,
)

from ec_console.registry import Registry
from ec_console.secrets import default_store, secret_key
from ec_console.ui.check_all import missing_credential_note
from ec_console.ui.check_view import CheckView
from ec_console.ui.import_credential import ImportCredentialDialog
from ec_console.ui.tasks import shutdown_pools

pytestmark = pytest.mark.slow

LEFT = Qt.MouseButton.LeftButton
IMPORTED = "application_credential_imported"


sandbox = sandbox_fixture("module")


def _row():
    with Registry.for_region("us") as registry:
        app = registry.find_application(APP_NAME)
        return app.settings, app.health, app.updated_at


def _imports():
    with Registry.for_region("us") as registry:
        return [e for e in registry.audit_entries() if e.action == IMPORTED]


@pytest.fixture
def missing(sandbox):
    """The sandbox's application in the registry, its password not in this desktop's keychain."""
    app = add_sandbox_app(sandbox)
    key = secret_key("us", APP_NAME, "password")
    default_store().delete(key)
    return app, key


def test_import_from_the_tools_menu_checks_first_and_stores_on_pass(qtbot, open_window, sandbox,  # noqa: F811
                                                                    missing):
    _app, key = missing
    before = _row()
    window = open_window()
    select_application(window, APP_NAME)
    action = window.findChild(QAction, "importCredentialAction")
    assert action.isEnabled()
    action.trigger()
    dialog = window.findChild(ImportCredentialDialog, "importCredentialDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.field.echoMode() == dialog.field.EchoMode.Password
    assert not dialog.check_button.isEnabled()
    # a wrong password (typed, Return): the check fails, nothing is stored
    qtbot.keyClicks(dialog.field, "Wrong-Password-2")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.check_operation is None and dialog.steps.isVisible(), timeout=30000)
    assert dialog.steps.statuses()["authenticate"] == "fail"
    assert "Nothing was stored" in dialog.status.text()
    assert default_store().get(key) is None and not _imports()
    # the right one: checked, stored, audited; the application's row is unchanged
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, sandbox.info().password)
    assert not dialog.steps.isEnabled()                # the old result is about the old attempt
    qtbot.mouseClick(dialog.check_button, LEFT)
    qtbot.waitUntil(lambda: "is in this desktop's keychain" in dialog.status.text(), timeout=30000)
    assert set(dialog.steps.statuses().values()) == {"pass"}
    assert default_store().get(key) == sandbox.info().password
    assert dialog.field.text() == "" and dialog.cancel_button.text() == "Close"
    [entry] = _imports()
    assert sandbox.info().password not in entry.detail
    assert _row() == before
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_cancel_and_escape_close_without_storing(qtbot, open_window, sandbox, missing):  # noqa: F811
    _app, key = missing
    window = open_window()
    select_application(window, APP_NAME)
    dialog = window.application_actions.open_import()
    qtbot.keyClicks(dialog.field, sandbox.info().password)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert default_store().get(key) is None and not _imports()


def test_the_connectivity_check_offers_the_import_when_the_keychain_lacks_it(qtbot, sandbox, missing):
    _app, key = missing
    view = CheckView("us")
    qtbot.addWidget(view)
    view.show()
    try:
        assert not view.import_button.isVisible()
        qtbot.mouseClick(view.run_button, LEFT)
        qtbot.waitUntil(lambda: not view.running and view.task is None, timeout=20000)
        assert "keychain holds no secret" in view.result.text()
        assert view.import_button.isVisible()
        qtbot.mouseClick(view.import_button, LEFT)
        dialog = view.findChild(ImportCredentialDialog, "importCredentialDialog")
        assert dialog is not None and dialog.isVisible()
        qtbot.keyClicks(dialog.field, sandbox.info().password)
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "is in this desktop's keychain" in dialog.status.text(), timeout=30000)
        assert default_store().get(key) == sandbox.info().password
        assert not view.import_button.isVisible()
        dialog.reject()
        qtbot.mouseClick(view.run_button, LEFT)
        qtbot.waitUntil(lambda: not view.running and view.task is None, timeout=20000)
        assert view.report is not None and view.report.result.value == "pass"
    finally:
        view.close()
        shutdown_pools()


def test_check_all_names_the_applications_it_could_not_check_for_want_of_a_credential():
    assert missing_credential_note(()) == ""
    note = missing_credential_note(("Contoso EWS", "M365"))
    assert "2 applications not checked" in note and "Contoso EWS, M365" in note
    assert "Import credential" in note
    assert "1 application not checked" in missing_credential_note(("M365",))


def test_the_check_all_plan_lists_an_application_without_a_credential(sandbox, missing):
    from ec_console import checkall

    with Registry.for_region("us") as registry:
        plan = checkall.plan_check_all(registry, region_id="us", store=default_store())
    assert plan.missing_credential == (APP_NAME,)
    assert "import-credential" in plan.unusable[missing[0].id]


def test_a_graph_certificate_is_imported_through_the_dialog(qtbot, tmp_path, monkeypatch):
    """The certificate form: a PFX file and its passphrase, checked against the Graph sandbox, then the
    certificate itself is in this desktop's keychain and the setup check passes with it."""
    from ec_console import dashboard
    from ec_console.application_edit import recheck_application
    from ec_console.sandbox.graph import GraphSandbox
    from ec_console.ui import operations as ops

    with GraphSandbox() as graph:
        info = graph.info()
        spec = dashboard.ApplicationSpec(
            "M365", "graph", info.tenant_domain,
            {"tenant_id": info.tenant_id, "client_id": info.client_id, "authority": info.authority,
             "graph_url": info.graph_url, "ca_file": info.ca_file, "certificate": info.certificate_pfx},
            info.mailbox_in_scope)
        with Registry.for_region("us") as registry:
            app = dashboard.add_application(registry, spec, info.certificate_password,
                                            store=default_store()).application
        assert app is not None
        key = secret_key("us", "M365", "certificate_password")
        default_store().delete(key)                  # this desktop has neither the passphrase nor the file
        dialog = ImportCredentialDialog(app, ops.Scope("us"))
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.passphrase is not None and dialog.browse_button is not None
        qtbot.keyClicks(dialog.field, info.certificate_pfx)
        qtbot.mouseClick(dialog.check_button, LEFT)       # no passphrase: the file cannot be opened
        qtbot.waitUntil(lambda: dialog.check_operation is None, timeout=30000)
        assert "Not checked" in dialog.status.text() and default_store().get(key) is None
        qtbot.keyClicks(dialog.passphrase, info.certificate_password)
        qtbot.mouseClick(dialog.check_button, LEFT)
        qtbot.waitUntil(lambda: "is in this desktop's keychain" in dialog.status.text(), timeout=30000)
        kept = default_store().get(key)
        assert "-----BEGIN CERTIFICATE-----" in kept and info.certificate_password not in kept
        assert dialog.passphrase.text() == ""
        with Registry.for_region("us") as registry:
            report = recheck_application(registry, "M365", store=default_store())
        assert report.result.value == "pass"
        dialog.close()
    shutdown_pools()


def test_the_profile_details_offer_the_import_when_reading_the_calendar_finds_none(qtbot, open_window,  # noqa: F811
                                                                                  sandbox, missing):
    """Read now in a profile's details, on a desktop without the application's credential: the pane says
    so and offers Import credential…, which stores it (checked first); then Read now reads the calendar."""
    app, key = missing
    mailbox = sandbox.info().mailboxes_in_scope[0]
    with Registry.for_region("us") as registry:
        registry.add_profile(app.id, mailbox)
    window = open_window()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    pane = window.details_pane
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        window.show_profile_details(window.model.index(0, 0))
    assert not pane.import_button.isVisible()
    qtbot.mouseClick(pane.read_now, LEFT)
    qtbot.waitUntil(pane.import_button.isVisible, timeout=20000)
    assert "No secret for 'Sandbox EWS' in the keychain" in pane.blocks_label.text()
    assert default_store().get(key) is None
    qtbot.mouseClick(pane.import_button, LEFT)
    dialog = pane.findChild(ImportCredentialDialog, "importCredentialDialog")
    assert dialog is not None and dialog.isVisible() and dialog.application.id == app.id
    qtbot.keyClicks(dialog.field, sandbox.info().password)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "is in this desktop's keychain" in dialog.status.text(), timeout=30000)
    assert default_store().get(key) == sandbox.info().password and len(_imports()) == 1
    assert not pane.import_button.isVisible() and "Read now" in pane.blocks_label.text()
    dialog.reject()
    qtbot.mouseClick(pane.read_now, LEFT)
    qtbot.waitUntil(lambda: "Read just now" in pane.blocks_label.text(), timeout=20000)
    assert not pane.import_button.isVisible()
