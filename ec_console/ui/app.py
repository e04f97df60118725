"""Starting the GUI: the QApplication, theme, exception hooks, main window and event loop.

`run_gui` is what `ec-console` (no subcommand) calls; `create_main_window` builds the same window without
running the loop, for tests, the self-test and the screenshot tool.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QMessageLogContext,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox

from ec_console import APP_DISPLAY_NAME, APP_NAME, __version__, i18n
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


LANGUAGE_SETTING = "language"
_translators: list[QTranslator] = []
_locale_before: list[QLocale] = []  # QLocale's default before the first install, restored on removal


def saved_language() -> str | None:
    """The language chosen in View → Language ("en", "de"; None: follow the system)."""
    choice = load_settings().get(LANGUAGE_SETTING)
    return choice if choice in i18n.LANGUAGES else None


def system_language() -> str:
    """The OS's language among the shipped ones (QLocale reads it on every platform), else English."""
    for name in [*QLocale.system().uiLanguages(), QLocale.system().name()]:
        code = i18n.language_code(name)
        if code:
            return code
    return i18n.SOURCE_LANGUAGE


def translation_files(language: str) -> list[tuple[str, str]]:
    """(folder, file name) of the Qt catalogs for `language`: the console's own, then Qt's (its dialogs'
    buttons and the text fields' context menus)."""
    from ec_console.resources import resource_path

    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_name = f"qtbase_{language}.qm"
    if not (Path(qt_folder) / qt_name).is_file():  # a frozen build may not point QLibraryInfo at its copy
        import PySide6

        qt_folder = str(Path(PySide6.__file__).resolve().parent / "Qt" / "translations")
    return [(str(resource_path("i18n")), f"ec_console_{language}.qm"), (qt_folder, qt_name)]


def check_translations(language: str = "de") -> list[str]:
    """What is missing for `language` (empty: the console's and Qt's .qm and the core's .mo all load and
    translate). For the self-test, which proves a wheel or frozen build carries its catalogs."""
    problems: list[str] = []
    for folder, name in translation_files(language):
        translator = QTranslator()
        if not translator.load(name, folder):
            problems.append(f"{name} is missing from {folder}")
    probe = QTranslator()
    if probe.load(f"ec_console_{language}.qm", translation_files(language)[0][0]) \
            and probe.translate("MainWindow", "&File") in ("", "&File"):
        problems.append(f"ec_console_{language}.qm does not translate the main window")
    if not i18n.catalog_path(language).is_file():
        problems.append(f"{i18n.catalog_path(language)} is missing")
    return problems


def install_translators(app: QCoreApplication, language: str | None = None) -> str:
    """Show every text in `language` (default: the saved choice, else the system's) from the next window
    built on: Qt's translators for the GUI, ec_console.i18n for the core's texts and QLocale for numbers
    and dates. Returns the language used. Call before the first window is built."""
    remove_translators(app)
    language = language or saved_language() or system_language()
    i18n.set_language(language)
    _locale_before.append(QLocale())
    # Numbers and dates: a translation the system's locale does not speak brings its own formats; English
    # (the source language) keeps the system's regional formats, as before there were languages.
    if language != i18n.SOURCE_LANGUAGE and i18n.language_code(QLocale().name()) != language:
        QLocale.setDefault(QLocale(language))
    if language == i18n.SOURCE_LANGUAGE:
        return language
    for folder, name in translation_files(language):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _translators.append(translator)
        else:  # the console still works, in English where the catalog is missing
            log.warning("The translation %s is missing from %s", name, folder)
    return language


def remove_translators(app: QCoreApplication) -> None:
    """Back to the source language (English) for windows built from now on."""
    while _translators:
        app.removeTranslator(_translators.pop())
    i18n.set_language(None)
    if _locale_before:
        QLocale.setDefault(_locale_before[0])
        _locale_before.clear()


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
        install_translators(app)            # before the first window: it builds its texts once
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
