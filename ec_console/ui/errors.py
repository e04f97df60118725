"""Unexpected errors: logged with their traceback, shown in a details dialog, never fatal.

`install_exception_hooks()` replaces `sys.excepthook` and `threading.excepthook`. An exception raised in
a slot, a timer or a worker thread is written to the log (through the logging module, whose handlers
redact secrets) and then shown in `ExceptionDialog`: a short message, the details folded away, a Copy
details button and the path of the log file. The application keeps running.

Expected failures (`ConsoleError`, a diagnosed check) are not exceptions to show here: their message is
shown inline where they happen.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ec_console import APP_DISPLAY_NAME

log = logging.getLogger("ec_console.ui")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def log_file_path() -> Path | None:
    """The console's log file (where `ec_console.logs.setup_logging` writes), None if unknowable."""
    try:
        from ec_console.logs import log_file_path as configured_log_file

        return configured_log_file()
    except Exception:  # no usable log folder: the dialog just omits the path
        return None


def _redact(text: str) -> str:
    try:
        from ec_console.logs import redact

        return redact(text)
    except Exception:  # redaction must never stop an error from being shown
        log.warning("Error details could not be redacted; showing the exception type only", exc_info=True)
        return text.splitlines()[-1].split(":", 1)[0] if text else ""


def short_message(exc: BaseException) -> str:
    """One line for the dialog's headline (the class name speaks for an empty message)."""
    message = getattr(exc, "message", None)
    if not isinstance(message, str) or not message.strip():
        text = str(exc).strip()
        message = text.splitlines()[0] if text else ""
    name = type(exc).__name__
    return f"{name}: {message.strip()}" if message.strip() else name


def format_details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    from ec_console import __version__

    lines = traceback.format_exception(exc_type, exc, tb)
    header = f"{APP_DISPLAY_NAME} {__version__} · Python {sys.version.split()[0]} · {sys.platform}\n\n"
    return _redact(header + "".join(lines))


class ExceptionDialog(QDialog):
    """Shows one unexpected error: what happened, the details on request, where the log is."""

    def __init__(self, summary: str, details: str, log_path: Path | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exceptionDialog")
        self.setAccessibleName(self.tr("Unexpected error"))
        self.setWindowTitle(self.tr("Unexpected error — %s") % APP_DISPLAY_NAME)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self._details_text = details
        self._extra = 0

        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        headline = QLabel(self.tr("<b>Something went wrong, but the console is still running.</b>"))
        headline.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label = QLabel(summary)
        self.summary_label.setObjectName("exceptionSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        advice = self.tr("You can carry on working. If it happens again, send the details to your support "
                         "contact (passwords, tokens and keys are removed from them).")
        if log_path is not None:
            advice += "\n" + self.tr("The full record is in the log file: %s") % log_path
        self.advice_label = QLabel(advice)
        self.advice_label.setObjectName("exceptionLogPath")
        self.advice_label.setWordWrap(True)
        self.advice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        text = QVBoxLayout()
        text.addWidget(headline)
        text.addWidget(self.summary_label)
        text.addWidget(self.advice_label)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)

        self.details = QPlainTextEdit(details)
        self.details.setObjectName("exceptionDetails")
        self.details.setAccessibleName(self.tr("Error details"))
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumHeight(180)
        self.details.setVisible(False)

        buttons = QDialogButtonBox()
        self.toggle_button = QPushButton(self.tr("Show &details"))
        self.toggle_button.setObjectName("exceptionToggleDetails")
        self.toggle_button.setCheckable(True)
        self.toggle_button.toggled.connect(self._toggle_details)
        self.copy_button = QPushButton(self.tr("&Copy details"))
        self.copy_button.setObjectName("exceptionCopyDetails")
        self.copy_button.clicked.connect(self.copy_details)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("exceptionClose")
        buttons.addButton(self.toggle_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        close.setFocus()

    def details_text(self) -> str:
        return self._details_text

    @Slot(bool)
    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.toggle_button.setText(self.tr("Hide &details") if shown else self.tr("Show &details"))
        self.adjustSize()

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self._details_text)

    def add_follow_up(self, details: str) -> None:
        """Another error happened while this dialog was open: append it instead of opening a second one."""
        self._extra += 1
        self._details_text += "\n" + "-" * 60 + "\n" + details
        self.details.setPlainText(self._details_text)
        self.summary_label.setText(self.summary_label.text().split("\n")[0] + "\n" +
                                   (self.tr("(1 more error since — see the details)") if self._extra == 1 else
                                    self.tr("(%d more errors since — see the details)") % self._extra))


class _Presenter(QObject):
    """Lives on the GUI thread; errors from other threads reach it through a queued signal."""

    error = Signal(object, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.dialog: ExceptionDialog | None = None
        self._showing = False
        self.error.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, object)
    def _show(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
              parent: QWidget | None = None) -> None:
        if self._showing:  # an error while building the dialog: the log has it already
            return
        self._showing = True
        try:
            details = format_details(exc_type, exc, tb)
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.add_follow_up(details)
                return
            if parent is None:
                parent = QApplication.activeWindow()
            self.dialog = ExceptionDialog(_redact(short_message(exc)), details, log_file_path(), parent)
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog.destroyed.connect(self._forget)
            self.dialog.show()
            self.dialog.raise_()
        except Exception:
            log.exception("The error dialog could not be shown")
        finally:
            self._showing = False

    @Slot()
    def _forget(self) -> None:
        self.dialog = None


_presenter: _Presenter | None = None
_previous_hooks: tuple[Callable[..., object], Callable[..., object]] | None = None
_in_hook = threading.local()


def _presenter_instance() -> _Presenter | None:
    global _presenter
    app = QCoreApplication.instance()
    if app is None:
        return None
    if _presenter is None:
        _presenter = _Presenter()
        _presenter.moveToThread(app.thread())
    return _presenter


def current_dialog() -> ExceptionDialog | None:
    """The exception dialog on screen, if any (for tests and the screenshot tool)."""
    return _presenter.dialog if _presenter is not None else None


def report_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
                     parent: QWidget | None = None) -> None:
    """Log an unexpected exception and show it; safe from any thread, never raises."""
    if getattr(_in_hook, "active", False):
        return
    _in_hook.active = True
    try:
        log.error("Unexpected error: %s", short_message(exc), exc_info=(exc_type, exc, tb))
        presenter = _presenter_instance()
        if presenter is None:
            return
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            presenter._show(exc_type, exc, tb, parent)
        else:
            presenter.error.emit(exc_type, exc, tb)
    except Exception:
        try:
            sys.__stderr__.write("ec-console: an error occurred and could not be reported\n")
        except Exception:
            pass
    finally:
        _in_hook.active = False


def _sys_hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        app = QCoreApplication.instance()
        if app is not None:
            app.quit()
        return
    report_exception(exc_type, exc, tb)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    report_exception(args.exc_type, args.exc_value, args.exc_traceback)


def install_exception_hooks() -> None:
    """Route uncaught exceptions (GUI thread and other threads) to the log and the dialog."""
    global _previous_hooks
    if _previous_hooks is None:
        _previous_hooks = (sys.excepthook, threading.excepthook)
    sys.excepthook = _sys_hook
    threading.excepthook = _thread_hook
    _presenter_instance()


def uninstall_exception_hooks() -> None:
    """Restore the hooks found at install time (tests, and when the application has quit)."""
    global _previous_hooks, _presenter
    if _previous_hooks is not None:
        sys.excepthook, threading.excepthook = _previous_hooks
        _previous_hooks = None
    if _presenter is not None:
        if _presenter.dialog is not None:
            _presenter.dialog.close()
        _presenter.deleteLater()
        _presenter = None
