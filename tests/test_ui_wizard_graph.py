"""The setup wizard's Microsoft Graph path clicked through against the sandbox's Graph side: a certificate
made with the wizard's button, refused until uploaded, then used and saved; and an Exchange Online EWS
application moved to Graph from the main window's menu, keeping its profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QWizard
from test_ui_dashboard_support import open_window, select_application  # noqa: F401 - fixture

from ec_console.regions import load_regions
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import default_store, secret_key
from ec_console.ui.tasks import shutdown_pools
from ec_console.ui.wizard import SandboxSession, SetupWizard
from ec_console.wizard import Page, Platform

TIMEOUT = 20_000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(graph=True) as box:
        yield box


@pytest.fixture(autouse=True)
def join_workers():
    yield
    shutdown_pools()


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


def click_next(qtbot, wizard: SetupWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(button, LEFT)


def wait_for_test(qtbot, wizard: SetupWizard) -> None:
    test = wizard.page_widget(Page.TEST)
    qtbot.waitUntil(lambda: wizard.flow.test_report is not None and not test.running, timeout=TIMEOUT)


def type_into(qtbot, form, key: str, text: str) -> None:
    field = form.inputs[key]
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Tab)          # a file field reads its path when editing ends
    assert form.flow.errors.get(key) is None and key in form.flow.clean, (key, form.flow.errors.get(key))


def test_a_certificate_made_by_the_button_is_refused_until_uploaded_then_used(qtbot, registry, sandbox,
                                                                               tmp_path):
    info = sandbox.graph.info()
    wizard = SetupWizard("us", region=load_regions().get("us"), registry=registry, keychain="Test store")
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    chosen = tmp_path / "contoso-graph.pem"
    wizard.choose_certificate_file = lambda _name: str(chosen)        # the save dialog's answer

    radio = wizard.page_widget(Page.PLATFORM).buttons[Platform.GRAPH]
    assert radio.text().replace("&", "") == "Exchange Online (Office 365)"
    qtbot.mouseClick(radio, LEFT, pos=QPoint(8, radio.height() // 2))
    click_next(qtbot, wizard)
    assert wizard.current() is Page.CONNECTION_GRAPH
    page = wizard.currentPage()
    form = page.form
    assert form.inputs["certificate"].isVisible() and not form.inputs["client_secret"].isVisible()
    for key, value in (("name", "Contoso Graph"), ("tenant_id", info.tenant_id),
                       ("client_id", info.client_id),
                       ("test_mailbox", info.mailbox_in_scope), ("authority", info.authority),
                       ("graph_url", info.graph_url), ("ca_file", info.ca_file)):
        type_into(qtbot, form, key, value)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()     # no certificate yet

    box = page.certificate_box
    qtbot.mouseClick(box.button, LEFT)
    qtbot.waitUntil(lambda: box.created is not None, timeout=TIMEOUT)
    made = box.created
    assert made.key_file == chosen and made.cer_file.exists()
    assert form.inputs["certificate"].text() == str(chosen)
    assert made.thumbprint_sha256 in box.status.text() and made.thumbprint_sha1 in box.status.text()
    assert box.upload_row.text == str(made.cer_file)
    assert made.thumbprint_sha256 in form.messages["certificate"].text()

    click_next(qtbot, wizard)
    assert wizard.current() is Page.SCOPE
    combo = wizard.currentPage().form.inputs["scope_mode"]
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("group"))
    scope_form = wizard.currentPage().form
    type_into(qtbot, scope_form, "scope_group", info.scope_group)
    type_into(qtbot, scope_form, "outside_mailbox", info.mailbox_out_of_scope)
    guide = " ".join(w.text for w in wizard.currentPage().guide.findChildren(type(box.upload_row)))
    assert f"-App {info.client_id} -Role \"Application Calendars.Read\" -CustomResourceScope" in guide
    click_next(qtbot, wizard)
    wait_for_test(qtbot, wizard)
    test = wizard.page_widget(Page.TEST)
    assert wizard.flow.test_report.diagnosis.code == "oauth_certificate_unknown"   # not uploaded yet
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()

    sandbox.graph.register_certificate(made.cer_file.with_suffix(".pem"))   # the administrator uploads it
    qtbot.mouseClick(test.retry_button, LEFT)
    wait_for_test(qtbot, wizard)
    statuses = test.steps.statuses()
    assert statuses["authenticate"] == "pass" and statuses["restriction"] == "pass", statuses
    click_next(qtbot, wizard)
    summary = wizard.page_widget(Page.SUMMARY)
    assert str(chosen) in summary.findChild(QLabel, "summary_certificate").text()
    with qtbot.waitSignal(wizard.application_saved, timeout=TIMEOUT) as saved:
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    app = registry.find_application(saved.args[0].name)
    assert app.provider == "graph" and app.settings["certificate"] == str(chosen)
    assert "PRIVATE KEY" not in Path(Registry.path_for_region("us")).read_bytes().decode("latin-1")


def test_sandbox_mode_fills_the_graph_pages(qtbot, registry, sandbox):
    session = SandboxSession()
    session.sandbox = sandbox
    wizard = SetupWizard("us", region=load_regions().get("us"), registry=registry, keychain="Test store",
                         sandbox=session)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    page = wizard.page_widget(Page.PLATFORM)
    radio = page.buttons[Platform.GRAPH]
    qtbot.mouseClick(radio, LEFT, pos=QPoint(8, radio.height() // 2))
    qtbot.mouseClick(page.sandbox_box, LEFT, pos=QPoint(8, page.sandbox_box.height() // 2))
    assert page.sandbox_box.isChecked()
    click_next(qtbot, wizard)
    form = wizard.currentPage().form
    info = sandbox.graph.info()
    assert form.inputs["tenant_id"].text() == info.tenant_id
    assert form.inputs["certificate"].text() == info.certificate_pem
    session.sandbox = None


def _ews_online_app(registry, sandbox):
    info = sandbox.graph.info()
    app = registry.add_application("Contoso EWS", "exchange", "m365.sandbox.example",
                                   {"test_mailbox": info.mailbox_in_scope, "impersonation": True,
                                    "auth": "oauth", "tenant_id": info.tenant_id,
                                    "client_id": "11111111-2222-3333-4444-555555555555",
                                    "scope_group": info.scope_group,
                                    "expect_denied": info.mailbox_out_of_scope,
                                    "ca_file": info.ca_file})
    registry.add_profile(app.id, info.mailbox_in_scope, "In scope")
    default_store().set(secret_key("us", app.name, "client_secret"), "old-ews-secret")
    return app


def test_move_to_graph_from_the_menu_keeps_the_profiles(qtbot, open_window, sandbox):  # noqa: F811
    info = sandbox.graph.info()
    with Registry.for_region("us") as registry:
        app = _ews_online_app(registry, sandbox)
    window = open_window()
    select_application(window, app.name)
    action = window.findChild(QAction, "moveToGraphAction")
    assert action.isEnabled()
    wizard = window.application_actions.open_move()
    assert isinstance(wizard, SetupWizard) and "Move Contoso EWS" in wizard.windowTitle()
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    platform = wizard.page_widget(Page.PLATFORM)
    assert platform.buttons[Platform.GRAPH].isChecked()
    assert not platform.buttons[Platform.ONLINE].isEnabled()
    click_next(qtbot, wizard)
    form = wizard.currentPage().form
    assert form.inputs["name"].text() == "Contoso EWS" and form.inputs["name"].isReadOnly()
    assert form.inputs["test_mailbox"].text() == info.mailbox_in_scope
    assert form.inputs["tenant_id"].text() == info.tenant_id
    secret_choice = form.inputs["credential"]
    secret_choice.setCurrentIndex(secret_choice.findData("secret"))
    for key, value in (("client_id", info.client_id), ("client_secret", info.client_secret),
                       ("authority", info.authority), ("graph_url", info.graph_url)):
        type_into(qtbot, form, key, value)
    click_next(qtbot, wizard)
    assert wizard.currentPage().form.inputs["scope_group"].text() == info.scope_group
    click_next(qtbot, wizard)
    wait_for_test(qtbot, wizard)
    assert wizard.flow.test_passed, wizard.flow.test_report.to_dict()
    assert wizard.page_widget(Page.TEST).save_anyway.isHidden()
    click_next(qtbot, wizard)
    assert "keeps its 1 profile" in wizard.page_widget(Page.SUMMARY).findChild(QLabel, "summary_move").text()
    with qtbot.waitSignal(wizard.application_saved, timeout=TIMEOUT):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    with Registry.for_region("us") as registry:
        moved = registry.get_application(app.id)
        assert (moved.provider, moved.linked_count) == ("graph", 1)
        assert registry.audit_entries(subject=app.name)[0].action == "application_moved_to_graph"
    assert default_store().get(secret_key("us", app.name, "client_secret")) == info.client_secret
    qtbot.waitUntil(lambda: not window.findChild(QAction, "moveToGraphAction").isEnabled(), timeout=TIMEOUT)
