"""The global exception hook: logs, shows one details dialog, never crashes, redacts."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from ec_console.ui import errors
from ec_console.ui.errors import ExceptionDialog, current_dialog, install_exception_hooks, report_exception


@pytest.fixture
def hooks(qapp):
    before = (sys.excepthook, threading.excepthook)
    install_exception_hooks()
    yield
    errors.uninstall_exception_hooks()
    assert (sys.excepthook, threading.excepthook) == before


def _raise(exc: BaseException):
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001 - the point is to get a real traceback
        return type(caught), caught, caught.__traceback__


def test_uncaught_exception_is_logged_and_shown(qtbot, hooks, caplog):
    caplog.set_level(logging.ERROR, logger="ec_console.ui")
    sys.excepthook(*_raise(KeyError("region")))
    dialog = current_dialog()
    assert isinstance(dialog, ExceptionDialog) and dialog.isVisible()
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "exceptionDialog"
    assert dialog.summary_label.text() == "KeyError: 'region'"
    assert "Traceback (most recent call last)" in dialog.details_text()
    assert "_raise" in dialog.details_text()
    assert any(record.exc_info and record.exc_info[0] is KeyError for record in caplog.records)


def test_details_fold_out_and_copy_to_the_clipboard(qtbot, hooks):
    report_exception(*_raise(ValueError("bad row")))
    dialog = current_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert not dialog.details.isVisible()
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    assert dialog.details.isVisible()
    assert dialog.toggle_button.text() == "Hide &details"
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert "ValueError: bad row" in QGuiApplication.clipboard().text()


def test_dialog_names_the_log_file(qtbot, hooks, ec_home):
    report_exception(*_raise(RuntimeError("x")))
    dialog = current_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert str(ec_home) in dialog.advice_label.text()
    assert "ec-console.log" in dialog.advice_label.text()


def test_a_second_error_joins_the_open_dialog(qtbot, hooks):
    report_exception(*_raise(RuntimeError("first")))
    first = current_dialog()
    assert first is not None
    qtbot.addWidget(first)
    report_exception(*_raise(RuntimeError("second")))
    assert current_dialog() is first
    assert "RuntimeError: second" in first.details_text()
    assert "1 more error" in first.summary_label.text()
    dialogs = [w for w in QGuiApplication.topLevelWindows() if w.isVisible()]
    assert len([d for d in dialogs if d.title().startswith("Unexpected error")]) == 1


def test_exception_in_a_worker_thread_reaches_the_gui(qtbot, hooks):
    def boom() -> None:
        raise ConnectionError("socket closed")

    thread = threading.Thread(target=boom, name="worker")
    thread.start()
    thread.join(5)
    qtbot.waitUntil(lambda: current_dialog() is not None)
    dialog = current_dialog()
    qtbot.addWidget(dialog)
    assert dialog.summary_label.text() == "ConnectionError: socket closed"


def test_secrets_are_redacted_from_what_is_shown(qtbot, hooks):
    report_exception(*_raise(PermissionError("login refused: password=hunter2secret")))
    dialog = current_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert "hunter2secret" not in dialog.details_text()
    assert "hunter2secret" not in dialog.summary_label.text()
    assert "[redacted]" in dialog.details_text()


def test_a_failing_dialog_never_raises_out_of_the_hook(qtbot, hooks, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("cannot build dialog")

    monkeypatch.setattr(errors, "ExceptionDialog", broken)
    sys.excepthook(*_raise(KeyError("x")))  # must return normally
    assert current_dialog() is None
    assert "The error dialog could not be shown" in caplog.text


def test_keyboard_interrupt_quits_instead_of_showing(qtbot, hooks, monkeypatch):
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda *_: quits.append(True))
    sys.excepthook(*_raise(KeyboardInterrupt()))
    assert current_dialog() is None
    assert quits == [True]
