"""Starting the GUI: the QApplication, theme, exception hooks, main window and event loop.

`run_gui` is what `ec-console` (no subcommand) calls; `create_main_window` builds the same window without
running the loop, for tests, the self-test and the screenshot tool.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from ec_console import APP_DISPLAY_NAME, APP_NAME, __version__
from ec_console.errors import ConsoleError, ExitStatus
from ec_console.regions import RegionCatalog, load_regions, load_settings
from ec_console.ui import icons, theme
from ec_console.ui.errors import install_exception_hooks, uninstall_exception_hooks
from ec_console.ui.fitting import install_screen_fitter
from ec_console.ui.main_window import MainWindow, RegistryFactory
from ec_console.ui.tasks import shutdown_pools

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication (created once), named and with the app icon."""
    QCoreApplication.setOrganizationName("Enterprise Connect")
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(icons.app_icon())
    return app


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
# Harmless notes of the offscreen platform (self-test, screenshots): not worth a warning in the log.
_QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",
                      "This plugin does not support raise()")
_qt_log = logging.getLogger("ec_console.qt")


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    level = logging.DEBUG if message in _QUIET_QT_MESSAGES else _QT_LEVELS.get(kind, logging.WARNING)
    _qt_log.log(level, "%s", message)
    if level >= logging.ERROR and sys.stderr is not None:  # e.g. no usable platform plugin: say it
        sys.stderr.write(f"ec-console: {message}\n")
        sys.stderr.flush()


@contextmanager
def qt_messages_to_log() -> Iterator[None]:
    """Send Qt's own messages to the log file instead of stderr (a windowed build has none)."""
    previous = qInstallMessageHandler(_qt_message)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def saved_theme() -> theme.Scheme | None:
    """The appearance chosen in View → Appearance (None: follow the OS)."""
    choice = load_settings().get("theme")
    return choice if choice in theme.SCHEMES else None


def create_main_window(
    region_id: str | None = None,
    *,
    sandbox: bool = False,
    catalog: RegionCatalog | None = None,
    registry_factory: RegistryFactory | None = None,
    keychain: str | None = None,
) -> MainWindow:
    """Build (not show) the main window on `region_id`, or the region chosen last.

    Raises `ConsoleError` (BadInput) for an unknown region or a malformed regions file.
    """
    catalog = catalog or load_regions()
    if region_id is not None:
        catalog.get(region_id)  # a clear BadInput for an unknown id
    else:
        from ec_console.regions import current_region_id

        region_id = current_region_id(catalog)
    return MainWindow(catalog, region_id, sandbox=sandbox, registry_factory=registry_factory,
                      keychain=keychain)


def _refuse(app: QApplication, message: str) -> None:
    print(f"ec-console: {message}", file=sys.stderr)
    QMessageBox.critical(None, APP_DISPLAY_NAME, message)


def _ensure_logging() -> None:
    """Log to the rotating, redacted file unless the caller (the CLI) has set logging up already."""
    if logging.getLogger().handlers:
        return
    try:
        from ec_console.logs import setup_logging

        setup_logging()
    except Exception as exc:  # the console still runs; the error dialog says where logs would be
        print(f"ec-console: logging to a file is not possible: {exc}", file=sys.stderr)


def run_gui(region_id: str | None, sandbox: bool) -> int:
    """Run the console's GUI until the user quits; returns the process exit status."""
    _ensure_logging()
    with qt_messages_to_log():
        app = create_application()
        theme.apply_theme(app, saved_theme())
        install_screen_fitter(app)          # every window and dialog opens fully on its screen
        install_exception_hooks()
        app.aboutToQuit.connect(shutdown_pools)
        try:
            window = create_main_window(region_id, sandbox=sandbox)
        except ConsoleError as exc:
            _refuse(app, exc.message)
            uninstall_exception_hooks()
            return int(exc.exit_status)
        window.show()
        try:
            status = app.exec()
        finally:
            shutdown_pools()
            uninstall_exception_hooks()
    log.info("The console closed with status %s", status)
    return int(status) if status else int(ExitStatus.OK)
