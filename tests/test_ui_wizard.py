"""The setup wizard as an administrator meets it: clicked through against the sandbox for every platform,
a failing configuration, the check off the GUI thread, editing, keyboard-only use and accessible names."""

from __future__ import annotations

import re
import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QWizard

from ec_console import wizard as flow_module
from ec_console.regions import load_regions
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import default_store
from ec_console.ui.tasks import shutdown_pools
from ec_console.ui.wizard import SandboxSession, SetupWizard
from ec_console.wizard import CONNECTION_PAGES, Page, Platform

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(google=True, graph=True) as box:
        yield box


@pytest.fixture(autouse=True)
def join_workers():
    """Join the task pools after each test (the providers close their own connections)."""
    yield
    shutdown_pools()


@pytest.fixture
def session(sandbox, qapp):
    """A SandboxSession over the module's running sandbox (the GUI starts its own with --sandbox)."""
    running = SandboxSession()
    running.sandbox = sandbox
    yield running
    running.sandbox = None          # the module fixture stops it


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


@pytest.fixture
def make_wizard(qtbot, registry):
    def make(**kwargs) -> SetupWizard:
        wizard = SetupWizard("us", region=load_regions().get("us"), registry=registry, keychain="Test store",
                             **kwargs)
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        return wizard

    return make


def click_next(qtbot, wizard: SetupWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_for_test(qtbot, wizard: SetupWizard) -> None:
    test = wizard.page_widget(Page.TEST)
    qtbot.waitUntil(lambda: wizard.flow.test_report is not None and not test.running, timeout=TIMEOUT)


def choose(qtbot, wizard: SetupWizard, platform: Platform, *, sandbox: bool = True) -> None:
    page = wizard.page_widget(Page.PLATFORM)
    radio = page.buttons[platform]          # click on the indicator: the row is wider than its click area
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert wizard.flow.platform is platform
    if sandbox:
        box = page.sandbox_box
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
        assert page.sandbox_box.isChecked()


@pytest.mark.parametrize("platform", list(Platform))
def test_clicking_through_each_platform_saves_application_and_secret(qtbot, make_wizard, session, sandbox,
                                                                       registry, platform):
    wizard = make_wizard(sandbox=session)
    assert wizard.objectName() == "setupWizard"
    choose(qtbot, wizard, platform)
    click_next(qtbot, wizard)
    assert wizard.current() is CONNECTION_PAGES[platform]
    form = wizard.currentPage().form
    assert form.inputs["test_mailbox"].text()                   # filled from the sandbox
    click_next(qtbot, wizard)
    assert wizard.current() is Page.SCOPE
    click_next(qtbot, wizard)
    assert wizard.current() is Page.TEST
    wait_for_test(qtbot, wizard)
    rows = wizard.page_widget(Page.TEST).steps.statuses()
    assert rows and set(rows.values()) <= {"pass", "warn", "skip"}, rows
    if platform is not Platform.GOOGLE:
        assert rows["restriction"] == "pass"
    click_next(qtbot, wizard)
    assert wizard.current() is Page.SUMMARY
    summary = wizard.page_widget(Page.SUMMARY)
    kind = {Platform.ONPREM: "password", Platform.ONLINE: "client_secret", Platform.GOOGLE: "key_file",
            Platform.GRAPH: "certificate"}
    assert "Test store" in summary.findChild(QLabel, f"summary_{kind[platform]}").text()
    shown = " ".join(label.text() for label in summary.findChildren(QLabel) if label.isVisible())
    shown = shown.replace(str(Registry.path_for_region("us")), "<registry file>")
    shown = shown.replace(str(wizard.flow.clean.get("certificate")), "<certificate file>")
    assert wizard.flow.secret_key() not in shown and "%20" not in shown        # no keychain entry's name
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), shown                   # no setting's internal key
    with qtbot.waitSignal(wizard.application_saved, timeout=TIMEOUT) as saved:
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    app = saved.args[0]
    assert registry.find_application(app.name).provider == platform.provider
    if platform is Platform.GRAPH:      # the sandbox's certificate: a PEM file whose key has no password
        assert registry.find_application(app.name).settings["certificate"]
    else:
        assert default_store().get(wizard.flow.secret_key())
    assert not wizard.isVisible()


def test_the_check_runs_off_the_gui_thread(qtbot, make_wizard, session, monkeypatch):
    seen: list[threading.Thread] = []
    real = flow_module.run_application_check

    def recording(*args, **kwargs):
        seen.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(flow_module, "run_application_check", recording)
    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, Platform.ONPREM)
    for _ in range(3):
        click_next(qtbot, wizard)
    wait_for_test(qtbot, wizard)
    assert len(seen) == 1
    assert seen[0] is not threading.main_thread()
    assert seen[0] is not threading.current_thread()


def test_back_and_next_are_disabled_while_the_test_runs(qtbot, make_wizard, session, sandbox):
    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, Platform.ONPREM)
    click_next(qtbot, wizard)
    slow = sandbox.info().mailbox_slow
    wizard.currentPage().form.set_text("test_mailbox", slow)
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    test = wizard.page_widget(Page.TEST)
    qtbot.waitUntil(lambda: test.running, timeout=TIMEOUT)
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert not test.retry_button.isEnabled()
    wait_for_test(qtbot, wizard)
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()


def test_a_failing_configuration_shows_diagnosis_and_fix(qtbot, make_wizard, session):
    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, Platform.ONPREM)
    click_next(qtbot, wizard)
    password = wizard.currentPage().form.inputs["password"]
    password.clear()
    qtbot.keyClicks(password, "not the password")
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    wait_for_test(qtbot, wizard)
    test = wizard.page_widget(Page.TEST)
    row = test.steps.rows["authenticate"]
    assert row.status == "fail" and row.details.isVisible()
    assert "auth_failed" in row.details.findChild(QLabel, "stepCause").text()
    assert row.details.findChild(QLabel, "stepFix").text()
    copies = row.copy_buttons()
    assert copies
    qtbot.mouseClick(copies[0], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == row.result.diagnosis.commands[0]
    assert "Failed" in test.result_label.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()

    assert test.save_anyway.isVisible()
    qtbot.mouseClick(test.save_anyway, Qt.MouseButton.LeftButton)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    click_next(qtbot, wizard)
    assert "Failed (auth_failed)" in wizard.page_widget(Page.SUMMARY).findChild(
        QLabel, "summary_setup_check").text()


def test_retry_after_a_fix_passes(qtbot, make_wizard, session, sandbox):
    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, Platform.ONPREM)
    click_next(qtbot, wizard)
    wizard.currentPage().form.set_text("password", "wrong")
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    wait_for_test(qtbot, wizard)
    assert not wizard.flow.test_passed
    wizard.back()
    wizard.back()
    wizard.currentPage().form.set_text("password", sandbox.info().password)
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    wait_for_test(qtbot, wizard)
    test = wizard.page_widget(Page.TEST)
    qtbot.mouseClick(test.retry_button, Qt.MouseButton.LeftButton)
    wait_for_test(qtbot, wizard)
    assert wizard.flow.test_passed


def test_inline_validation_as_the_user_types(qtbot, make_wizard):
    wizard = make_wizard()
    choose(qtbot, wizard, Platform.ONLINE, sandbox=False)
    click_next(qtbot, wizard)
    form = wizard.currentPage().form
    qtbot.keyClicks(form.inputs["tenant_id"], "not a tenant")
    message = form.messages["tenant_id"]
    assert message.isVisible() and "neither a tenant GUID nor a domain" in message.text()
    assert "neither" in form.inputs["tenant_id"].accessibleDescription()
    form.inputs["tenant_id"].clear()
    qtbot.keyClicks(form.inputs["tenant_id"], "contoso.onmicrosoft.com")
    assert not message.isVisible()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_editing_reopens_on_the_saved_values_with_the_secret_set(qtbot, make_wizard, session, registry,
                                                                  sandbox):
    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, Platform.ONLINE)
    for _ in range(3):
        click_next(qtbot, wizard)
    wait_for_test(qtbot, wizard)
    click_next(qtbot, wizard)
    with qtbot.waitSignal(wizard.application_saved, timeout=TIMEOUT) as saved:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    app = saved.args[0]

    editor = make_wizard(application=app)
    assert not editor.page_widget(Page.PLATFORM).buttons[Platform.GOOGLE].isEnabled()
    click_next(qtbot, editor)
    form = editor.currentPage().form
    secret = form.inputs["client_secret"]
    assert secret.text() == "" and secret.placeholderText().startswith("set")
    assert form.inputs["name"].isReadOnly() and form.inputs["name"].text() == app.name
    assert form.inputs["tenant_id"].text() == sandbox.info().tenant_id
    click_next(qtbot, editor)
    click_next(qtbot, editor)
    wait_for_test(qtbot, editor)                       # the kept secret comes from the keychain
    assert editor.flow.test_passed
    click_next(qtbot, editor)
    with qtbot.waitSignal(editor.application_saved, timeout=TIMEOUT):
        editor.button(QWizard.WizardButton.FinishButton).click()
    assert registry.audit_entries(subject=app.name)[0].action == "application_updated"


def test_the_google_admin_sign_in_fills_the_administrator(qtbot, make_wizard, session, sandbox):
    import requests

    google = sandbox.google
    google.set_browser_user(google.info().admin_email)
    visited: list[str] = []

    def browser(url: str) -> None:
        visited.append(url)
        with requests.Session() as web:
            answer = web.get(url, allow_redirects=False, verify=google.info().ca_file, timeout=10)
            web.get(answer.headers["Location"], timeout=10)

    wizard = make_wizard(sandbox=session, open_browser=browser)
    choose(qtbot, wizard, Platform.GOOGLE)
    click_next(qtbot, wizard)
    page = wizard.currentPage()
    page.form.set_text("admin", "")
    box = page.sign_in
    qtbot.mouseClick(box.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.task is None and box.button.isEnabled(), timeout=TIMEOUT)
    assert "Signed in as" in box.status.text(), box.status.text()
    assert page.form.inputs["admin"].text() == google.info().admin_email
    assert visited and box.url_row is not None


def test_every_input_and_button_has_an_accessible_name(qtbot, make_wizard, session):
    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, Platform.ONPREM)
    unnamed: list[str] = []
    for _ in range(4):
        page = wizard.currentPage()
        if wizard.current() is Page.TEST:
            wait_for_test(qtbot, wizard)
        widgets = [w for kind in (QAbstractButton, QLineEdit, QComboBox) for w in page.findChildren(kind)
                   if w.isVisible()]
        unnamed += [f"{wizard.current().value}:{w.objectName() or type(w).__name__}" for w in widgets
                    if not (w.accessibleName() or getattr(w, "text", lambda: "")())]
        click_next(qtbot, wizard)
    assert unnamed == []


def test_keyboard_only_completes_the_wizard(qtbot, make_wizard, session, registry):
    wizard = make_wizard(sandbox=session)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)

    def keys(key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        # Through the window, as the platform delivers keys: shortcuts and mnemonics apply.
        qtbot.keyClick(wizard.windowHandle(), key, modifier)
        qtbot.wait(200)          # a mnemonic presses its button with animateClick (100 ms)

    keys(Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)          # &Google Workspace
    assert wizard.flow.platform is Platform.GOOGLE
    keys(Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)          # &Use the sandbox organisation
    assert wizard.page_widget(Page.PLATFORM).sandbox_box.isChecked()
    keys(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)          # &Next
    assert wizard.current() is Page.CONNECTION_GOOGLE
    keys(Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)          # &Application name
    name_field = wizard.currentPage().form.inputs["name"]
    assert name_field.hasFocus()
    keys(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for char in "Typed by keyboard":
        qtbot.keyClick(wizard.windowHandle(), char)
    keys(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert wizard.current() is Page.SCOPE
    keys(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert wizard.current() is Page.TEST
    wait_for_test(qtbot, wizard)
    keys(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert wizard.current() is Page.SUMMARY
    with qtbot.waitSignal(wizard.application_saved, timeout=TIMEOUT):
        keys(Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)      # &Finish
    assert registry.find_application("Typed by keyboard") is not None


def test_no_keychain_is_said_on_the_first_page_before_anything_is_filled_in(qtbot, make_wizard):
    reason = ("No secure keychain is available: the keyring backend keyring.backends.fail.Keyring is not "
              "allowed. On Linux, install and unlock GNOME Keyring (package gnome-keyring)")
    wizard = make_wizard()
    wizard.set_keychain(f"unavailable: {reason}")
    page = wizard.page_widget(Page.PLATFORM)
    assert page.keychain_box.isVisible()
    assert "Secrets cannot be kept on this computer" in page.keychain_text.text()
    assert "install and unlock GNOME Keyring" in page.keychain_text.text()
    choose(qtbot, wizard, Platform.ONPREM, sandbox=False)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()                   # not six pages first, then a failure at Finish
    # The admin installs and unlocks a keychain, then asks again (the test's store is usable).
    qtbot.mouseClick(page.keychain_retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.keychain_box.isVisible(), timeout=TIMEOUT)
    assert next_button.isEnabled() and wizard.keychain_problem is None


def test_scope_page_shows_each_instruction_next_to_its_command(qtbot, make_wizard, session):
    from ec_console.ui.step_list import CopyRow

    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, Platform.ONPREM)
    click_next(qtbot, wizard)
    click_next(qtbot, wizard)
    assert wizard.current() is Page.SCOPE
    page = wizard.page_widget(Page.SCOPE)
    widgets = [page.guide_layout.itemAt(i).widget() for i in range(page.guide_layout.count())]
    widgets = [w for w in widgets if w is not None]
    order = [("copy", w.text) if isinstance(w, CopyRow) else ("text", w.text()) for w in widgets]
    find_dn = next(i for i, (kind, text) in enumerate(order)
                   if kind == "copy" and text.startswith("Get-Group"))
    assert order[find_dn - 1][0] == "text" and order[find_dn - 1][1].rstrip().endswith("Find the DN:")
    scope = next(i for i, (kind, text) in enumerate(order)
                 if kind == "copy" and text.startswith("New-ManagementScope"))
    assert "Create the scope" in order[scope - 1][1]
    assert order[-1][0] == "copy"                                 # the documentation link closes the guide


@pytest.mark.parametrize("platform", [Platform.ONPREM, Platform.ONLINE])
def test_the_sandbox_secret_field_shows_it_is_filled_and_re_ticking_fills_it_again(qtbot, make_wizard,
                                                                                     session, sandbox,
                                                                                     platform):
    key, words = {Platform.ONPREM: ("password", "sandbox password set"),
                  Platform.ONLINE: ("client_secret", "sandbox client secret set")}[platform]
    secret = sandbox.info().password if platform is Platform.ONPREM else sandbox.info().client_secret
    wizard = make_wizard(sandbox=session)
    choose(qtbot, wizard, platform)
    click_next(qtbot, wizard)
    field = wizard.currentPage().form.inputs[key]
    assert field.text() == "" and field.placeholderText() == words      # filled, and it says so
    assert wizard.flow.new_secret() == secret

    back = wizard.button(QWizard.WizardButton.BackButton)
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    box = wizard.page_widget(Page.PLATFORM).sandbox_box
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))     # untick
    assert not box.isChecked()
    assert wizard.flow.new_secret() is None and not wizard.flow.value("test_mailbox")   # sandbox values gone
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))     # tick again
    click_next(qtbot, wizard)
    field = wizard.currentPage().form.inputs[key]
    assert field.placeholderText() == words and wizard.flow.new_secret() == secret
    assert wizard.currentPage().form.inputs["test_mailbox"].text() == sandbox.info().mailboxes_in_scope[0]

    qtbot.keyClicks(field, "typed-by-the-admin")              # typing replaces it: no longer the sandbox's
    assert wizard.flow.new_secret() == "typed-by-the-admin"
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    click_next(qtbot, wizard)                                  # revisiting does not refill over the admin's
    assert wizard.flow.new_secret() == "typed-by-the-admin"
    assert wizard.currentPage().form.inputs[key].placeholderText() == "set — type a new one to replace it"


def test_a_long_value_filled_in_shows_its_start(qtbot):
    """A value the console fills in (the sandbox, a move, an edit) is read from its start, not its end: a
    distinguished name cut at the left reads as nonsense."""
    from PySide6.QtWidgets import QLineEdit

    from ec_console.ui.wizard import FieldForm
    from ec_console.wizard import CONNECTION_PAGES, Platform, SetupFlow

    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    form = FieldForm(lambda: flow, CONNECTION_PAGES[Platform.ONPREM], None)
    qtbot.addWidget(form)
    form.resize(300, 200)
    form.show()
    url = "https://mail.contoso.com/EWS/Exchange.asmx?" + "x" * 200
    form.set_text("ews_url", url)
    editor = form.inputs["ews_url"]
    assert isinstance(editor, QLineEdit) and editor.text() == url
    assert editor.cursorPosition() == 0
