"""The connectivity check window: a saved application or ad hoc details, live steps, copy and export."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QWizard

from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.ui.check_view import AD_HOC, CheckView
from ec_console.ui.tasks import shutdown_pools
from ec_console.wizard import Platform, SetupFlow

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(google=True) as box:
        yield box


@pytest.fixture(autouse=True)
def join_workers():
    yield
    shutdown_pools()


@pytest.fixture
def saved_app(sandbox):
    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    flow.fill_from_sandbox(sandbox.info(), sandbox.google.info())
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    with Registry.for_region("us") as registry:
        return flow.save(registry)


@pytest.fixture
def view(qtbot):
    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def run_and_wait(qtbot, window: CheckView) -> None:
    assert window.run_button.isEnabled(), window.problems()
    qtbot.mouseClick(window.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.running and window.task is None, timeout=TIMEOUT)


def test_a_saved_application_is_checked_live_and_exported_without_secrets(qtbot, saved_app, sandbox,
                                                                          tmp_path):
    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    assert window.objectName() == "checkView"
    assert window.selected_application().id == saved_app.id
    assert window.mailbox.text() == sandbox.info().mailboxes_in_scope[0]      # the app's test mailbox
    qtbot.keyClicks(window.denied, sandbox.info().mailboxes_out_of_scope[0])
    run_and_wait(qtbot, window)
    assert window.report is not None and window.report.result.value == "pass"
    assert window.steps.statuses()["restriction"] == "pass"
    assert "Passed" in window.result.text()

    password = sandbox.info().password
    for fmt in ("html", "pdf", "json", "txt"):
        path = window.export(tmp_path / f"report.{fmt}", fmt)
        data = path.read_bytes()
        assert password.encode() not in data, fmt
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((tmp_path / "report.json").read_text())["result"] == "pass"
    assert "<html" in (tmp_path / "report.html").read_text().lower()
    window.copy_text()
    assert sandbox.info().mailboxes_in_scope[0] in QGuiApplication.clipboard().text()


def test_ad_hoc_details_show_the_diagnosis(qtbot, view, sandbox):
    view.source.setCurrentIndex(view.source.findData(AD_HOC))
    assert view.platform.isVisible()
    form = view.adhoc_form
    assert "name" not in form.inputs and "test_mailbox" not in form.inputs
    info = sandbox.info()
    for key, value in {"ews_url": info.ews_url, "username": info.username, "password": "wrong",
                       "ca_file": info.ca_file}.items():
        form.set_text(key, value)
    assert not view.run_button.isEnabled()                     # no mailbox yet
    qtbot.keyClicks(view.mailbox, "no-at-sign")
    assert "has no '@'" in view.message.text()
    view.mailbox.clear()
    qtbot.keyClicks(view.mailbox, info.mailboxes_in_scope[0])
    run_and_wait(qtbot, view)
    assert view.report.diagnosis.code == "auth_failed"
    assert view.steps.statuses()["authenticate"] == "fail"
    assert view.steps.rows["authenticate"].details.isVisible()
    assert "auth_failed" in view.result.text()
    assert "FAIL" in view.report_text() and "auth_failed" in view.report_text()


def test_ad_hoc_google_check(qtbot, view, sandbox):
    view.source.setCurrentIndex(view.source.findData(AD_HOC))
    view.platform.setCurrentIndex(view.platform.findData(Platform.GOOGLE.value))
    google = sandbox.google.info()
    for key, value in {"key_file": google.key_file, "admin": google.admin_email, "api_root": google.api_root,
                       "ca_file": google.ca_file}.items():
        view.adhoc_form.set_text(key, value)
    qtbot.keyClicks(view.mailbox, google.users["suspended"])
    run_and_wait(qtbot, view)
    assert view.report.diagnosis.code == "user_suspended"


def test_the_main_window_opens_the_wizard_and_the_check_view(qtbot):
    from ec_console.ui.app import create_main_window

    window = create_main_window("us", keychain="Test store")
    qtbot.addWidget(window)
    window.show()
    add = window.findChild(QAction, "addConnectionAction")
    test = window.findChild(QAction, "testConnectivityAction")
    assert add.isEnabled() and test.isEnabled()
    assert window.welcome_add_button.isEnabled()
    test.trigger()
    view = window.findChild(CheckView, "checkView")
    assert view is not None and view.isVisible()
    add.trigger()
    wizard = window.findChild(QWizard, "setupWizard")
    assert wizard is not None and wizard.isVisible()
    wizard.reject()
    view.close()
    window.close()


def test_the_write_probe_checkbox_runs_the_exchange_write_step(qtbot, saved_app, sandbox):
    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    box = window.write_probe
    assert box.objectName() == "checkWriteProbe"
    assert box.isEnabled() and not box.isChecked()                          # off by default
    assert "no attendees" in box.toolTip() and "deletes" in box.toolTip()

    sandbox.requests.clear()
    run_and_wait(qtbot, window)                                              # unchecked: read only
    assert "write_probe" not in window.steps.statuses()
    assert window.report.step("write_probe") is None
    assert not sandbox.requests.find(operation="CreateItem")

    # The real checkbox, clicked on its indicator (the widget spans the form's width beyond its text).
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    run_and_wait(qtbot, window)
    step = window.report.step("write_probe")
    assert step is not None and step.status.value == "pass", step
    assert window.steps.statuses()["write_probe"] == "pass"
    assert step.data["created"] and step.data["deleted"] and not step.data["leftover"]
    assert sandbox.requests.find(operation="CreateItem") and sandbox.requests.find(operation="DeleteItem")


def test_the_write_probe_is_exchange_only(qtbot, view):
    view.source.setCurrentIndex(view.source.findData(AD_HOC))
    view.platform.setCurrentIndex(view.platform.findData(Platform.GOOGLE.value))
    assert not view.write_probe.isEnabled()
    view.platform.setCurrentIndex(view.platform.findData(Platform.ONPREM.value))
    assert view.write_probe.isEnabled()


def test_export_pdf_button_writes_the_core_pdf_off_the_gui_thread(qtbot, saved_app, sandbox, tmp_path,
                                                                   monkeypatch):
    import shutil
    import subprocess

    from PySide6.QtWidgets import QFileDialog

    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    run_and_wait(qtbot, window)
    target = tmp_path / "check.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF"))
    qtbot.mouseClick(window.export_buttons["pdf"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved to" in window.result.text(), timeout=TIMEOUT)
    assert window.export_task is None and window.export_buttons["pdf"].isEnabled()
    assert target.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(target), "-"], check=True,
                                       capture_output=True, text=True).stdout.split())
        assert window.report.target in text and "StatusStep" not in text
        assert sandbox.info().password not in text


# --- the result names its mailbox and time, and goes stale when an input changes -------------------------


def test_the_result_names_the_mailbox_and_the_local_time_it_covers(qtbot, saved_app, sandbox):
    from PySide6.QtCore import QDateTime, QLocale

    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    mailbox = sandbox.info().mailboxes_in_scope[0]
    before = QDateTime.currentDateTime()
    run_and_wait(qtbot, window)
    heading = window.result_heading
    assert heading.isVisible() and heading.objectName() == "checkResultHeading"
    assert heading.text().startswith(f"{mailbox} · checked ")
    # The time shown is the report's start, in local time: within the run, formatted by the locale.
    shown = heading.text().rsplit("checked ", 1)[1]
    started = QDateTime.fromString(window.report.started_at, Qt.DateFormat.ISODate).toLocalTime()
    assert abs(started.secsTo(before)) <= 60
    assert QLocale().toString(started.time(), "ss") in shown
    assert not window.stale and window.steps.isEnabled() and not window.stale_notice.isVisible()


def test_a_date_other_than_today_is_named_too():
    from PySide6.QtCore import QDate, QDateTime, QTime

    from ec_console.ui.check_view import checked_at

    now = QDateTime(QDate(2026, 12, 3), QTime(10, 0, 0))
    today = QDateTime(QDate(2026, 12, 3), QTime(9, 14, 3)).toUTC().toString(Qt.DateFormat.ISODate)
    earlier = QDateTime(QDate(2026, 11, 28), QTime(9, 14, 3)).toUTC().toString(Qt.DateFormat.ISODate)
    assert "14" in checked_at(today, now) and "28" not in checked_at(today, now)
    assert "28" in checked_at(earlier, now)
    assert checked_at("not a time", now) == "not a time"


def test_editing_the_mailbox_greys_the_old_result_until_the_check_runs_again(qtbot, saved_app, sandbox):
    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    first, second = sandbox.info().mailboxes_in_scope[:2]
    run_and_wait(qtbot, window)
    passed_colour = window.result.styleSheet()

    window.mailbox.setFocus()
    window.mailbox.selectAll()
    qtbot.keyClicks(window.mailbox, second)
    assert window.stale
    assert not window.steps.isEnabled()                                       # greyed out
    assert window.result.styleSheet() != passed_colour
    notice = window.stale_notice
    assert notice.isVisible()
    assert notice.text() == f"This result is for {first}; run the check again for {second}."
    assert window.result_heading.text().startswith(first)                     # still names what it covers

    # Typing the old mailbox back makes the result current again.
    window.mailbox.selectAll()
    qtbot.keyClicks(window.mailbox, first.upper())
    assert not window.stale and window.steps.isEnabled() and not notice.isVisible()
    assert window.result.styleSheet() == passed_colour

    window.mailbox.selectAll()
    qtbot.keyClicks(window.mailbox, second)
    assert window.stale
    run_and_wait(qtbot, window)
    assert not window.stale and window.steps.isEnabled() and not notice.isVisible()
    assert window.result_heading.text().startswith(f"{second} · checked ")
    assert window.report.target == second


def test_other_inputs_the_result_depends_on_make_it_stale_too(qtbot, saved_app, sandbox):
    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    mailbox = sandbox.info().mailboxes_in_scope[0]
    run_and_wait(qtbot, window)

    qtbot.keyClicks(window.denied, sandbox.info().mailboxes_out_of_scope[0])
    assert window.stale and not window.steps.isEnabled()
    assert window.stale_notice.text() == (f"This result is for {mailbox} with the previous settings; run the "
                                          "check again to use the new ones.")
    window.denied.selectAll()
    qtbot.keyClick(window.denied, Qt.Key.Key_Backspace)
    assert window.denied.text() == "" and not window.stale

    indicator = QPoint(8, window.write_probe.height() // 2)
    qtbot.mouseClick(window.write_probe, Qt.MouseButton.LeftButton, pos=indicator)
    assert window.write_probe.isChecked() and window.stale
    qtbot.mouseClick(window.write_probe, Qt.MouseButton.LeftButton, pos=indicator)
    assert not window.stale

    window.source.setCurrentIndex(window.source.findData(AD_HOC))            # another application
    assert window.stale and not window.steps.isEnabled()
    # An unusable mailbox is not offered as the next one to check.
    window.source.setCurrentIndex(0)
    window.mailbox.selectAll()
    qtbot.keyClicks(window.mailbox, "no-at-sign")
    assert window.stale_notice.text() == (f"This result is for {mailbox}; run the check again for the "
                                          "mailbox you enter.")


def test_an_exported_failed_check_names_its_mailbox_and_application_and_no_secret(qtbot, saved_app, sandbox,
                                                                                   tmp_path, monkeypatch):
    import getpass
    import html as html_lib

    from PySide6.QtWidgets import QFileDialog

    window = CheckView("us")
    qtbot.addWidget(window)
    window.show()
    outside = sandbox.info().mailboxes_out_of_scope[0]
    window.mailbox.clear()
    qtbot.keyClicks(window.mailbox, outside)
    run_and_wait(qtbot, window)
    diagnosis = window.report.diagnosis
    assert diagnosis is not None and diagnosis.commands                    # a fix with commands to copy
    exported = {}
    for fmt in ("html", "json"):
        target = tmp_path / f"check.{fmt}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, _t=target, _f=fmt, **k: (str(_t), _f))
        qtbot.mouseClick(window.export_buttons[fmt], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda _t=target: _t.exists() and window.export_task is None, timeout=TIMEOUT)
        exported[fmt] = target.read_text(encoding="utf-8")
    page = exported["html"]
    assert f"<title>Exchange check of {outside} " in page and f"<h1>Exchange check of {outside} " in page
    assert "[redacted]" not in page                                        # nothing here is a secret
    for command in diagnosis.commands:                                     # the fix survives, verbatim
        assert f"<code>{html_lib.escape(command)}</code>" in page, command
    assert saved_app.name in page and "Exchange on-premises" in page and getpass.getuser() in page
    assert f"Not reachable: {diagnosis.cause.rstrip('.')}" in html_lib.unescape(page)
    header = json.loads(exported["json"])["header"]
    assert header["application"] == saved_app.name and header["operator"] == getpass.getuser()
    assert header["verdict"].startswith("Not reachable: ")
    password = sandbox.info().password
    assert all(password not in text for text in exported.values())


def _shown_text(widget) -> str:
    from PySide6.QtWidgets import QLabel

    from ec_console.ui.step_list import CopyRow

    texts = [label.text() for label in widget.findChildren(QLabel) if label.isVisible()]
    texts += [row.field.text() for row in widget.findChildren(CopyRow)]
    return "\n".join(texts)


def run_with_a_wrong_password(qtbot, view, info) -> None:
    """Check the sandbox's Exchange with details typed in and a wrong password: the sign-in fails."""
    view.source.setCurrentIndex(view.source.findData(AD_HOC))
    for key, value in {"ews_url": info.ews_url, "username": info.username, "password": "wrong",
                       "ca_file": info.ca_file}.items():
        view.adhoc_form.set_text(key, value)
    qtbot.keyClicks(view.mailbox, info.mailboxes_in_scope[0])
    run_and_wait(qtbot, view)
    assert view.report.diagnosis.code == "auth_failed"


def test_a_failed_check_shows_its_fix_in_the_windows_words_and_exports_them(qtbot, view, sandbox, tmp_path):
    """auth_failed's fix names EC_PASSWORD and --tenant-id on the command line; the window names fields."""
    import re

    run_with_a_wrong_password(qtbot, view, sandbox.info())
    shown = _shown_text(view.steps.rows["authenticate"].details)
    assert "\u201cPassword\u201d field" in shown and "\u201cTenant ID\u201d" in shown
    assert not re.search(r"(?<![\w-])--[a-z]|\bEC_[A-Z]", shown), shown
    html_text = view.export(tmp_path / "report.html", "html").read_text()
    assert "\u201cPassword\u201d field" in html_text and "EC_PASSWORD" not in html_text
    assert "EC_PASSWORD" not in view.report_text()
    # the JSON export is the command line's --json object, word for word
    raw = json.loads(view.export(tmp_path / "report.json", "json").read_text())
    step = next(s for s in raw["steps"] if s["id"] == "authenticate")
    assert "EC_PASSWORD" in step["diagnosis"]["remediation"]


def test_the_check_window_speaks_german(qtbot, saved_app, sandbox, compiled_catalogs):
    """German chosen: the labels, buttons and the result line are German; the mailbox, the diagnosis code and
    the commands stay as they are; Alt+letters do not collide."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

    from ec_console.ui.app import install_translators, remove_translators

    app = QApplication.instance()
    install_translators(app, "de")
    try:
        window = CheckView("us")
        qtbot.addWidget(window)
        window.show()
        assert window.windowTitle() == "Verbindung testen – US"
        assert window.run_button.text() == "P&rüfung ausführen"
        mailbox = sandbox.info().mailboxes_in_scope[0]
        run_and_wait(qtbot, window)
        assert window.result.text().startswith("Bestanden")
        assert window.result_heading.text().startswith(f"{mailbox} · geprüft ")
        # the provider's step titles and details too (the report keeps its English)
        rows = window.steps.rows
        assert rows["dns"].title_text == "Servernamen auflösen"
        assert rows["impersonate"].title_text == "Kalender des Postfachs öffnen"
        qtbot.mouseClick(rows["impersonate"].toggle, Qt.MouseButton.LeftButton)
        opened = _shown_text(rows["impersonate"].details)
        assert f"Kalender von {mailbox} per Identitätswechsel geöffnet" in opened
        stored = window.report.step("impersonate").detail
        assert stored == f"Opened the calendar of {mailbox} impersonating it"
        keys: dict[str, list[str]] = {}
        for widget in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
            found = re.search(r"&([^&\s])", widget.text().replace("&&", ""))
            if found and widget.isVisibleTo(window):
                keys.setdefault(found.group(1).lower(), []).append(widget.text())
        assert {k: v for k, v in keys.items() if len(v) > 1} == {}
        window.mailbox.clear()
        assert any("Postfach" in problem for problem in window.problems())
    finally:
        remove_translators(app)


def test_a_failed_check_in_german_says_its_step_detail_and_cause_in_german(qtbot, view, sandbox,
                                                                          compiled_catalogs):
    from PySide6.QtWidgets import QApplication

    from ec_console.ui.app import install_translators, remove_translators

    app = QApplication.instance()
    install_translators(app, "de")
    try:
        info = sandbox.info()
        run_with_a_wrong_password(qtbot, view, info)
        shown = _shown_text(view.steps.rows["authenticate"].details)
        assert f"hat die Anmeldeinformationen von {info.username} abgelehnt (HTTP 401)" in shown
        result = view.result.text()
        assert result.startswith("Fehlgeschlagen — auth_failed: Der Server hat die Anmeldeinformationen")
        assert "refused" not in result and "credentials" not in result
    finally:
        remove_translators(app)
