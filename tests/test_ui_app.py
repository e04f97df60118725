"""`run_gui` (what `ec-console` calls) and the application set-up around the main window."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ec_console import __version__
from ec_console.ui import app as ui_app
from ec_console.ui import tasks, theme
from ec_console.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def _memory_keychain(monkeypatch):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")
    yield
    tasks.shutdown_pools()


@pytest.fixture
def event_loop_closing_the_window(monkeypatch):
    """Replace QApplication.exec with a local loop that closes the main window once it is shown.

    The real exec() must not run inside the test session: once it returns, Qt treats the application as
    closing for the rest of the process.
    """
    seen: list[MainWindow] = []

    def fake_exec(*_args) -> int:
        loop = QEventLoop()

        def close() -> None:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, MainWindow) and widget.isVisible():
                    seen.append(widget)
                    widget.close()
                    loop.quit()
                    return
            QTimer.singleShot(20, close)

        QTimer.singleShot(0, close)
        loop.exec()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    return seen


def test_run_gui_opens_the_window_and_returns_when_it_closes(qapp, event_loop_closing_the_window):
    hooks_before = (sys.excepthook, threading.excepthook)
    assert ui_app.run_gui("de", sandbox=True) == 0
    seen = event_loop_closing_the_window
    assert len(seen) == 1
    window = seen[0]
    assert window.region_id == "de"
    assert "sandbox" in window.windowTitle()
    assert QCoreApplication.applicationVersion() == __version__
    assert not qapp.windowIcon().isNull()
    assert qapp.style().name().lower() == "fusion"
    assert (sys.excepthook, threading.excepthook) == hooks_before  # hooks removed after the loop


def test_run_gui_refuses_an_unknown_region_with_a_message(qapp, monkeypatch, capsys):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    assert ui_app.run_gui("mars", sandbox=False) == 2
    assert shown and "Unknown region 'mars'" in shown[0]
    assert "Unknown region 'mars'" in capsys.readouterr().err


def test_saved_theme_is_applied(qapp, monkeypatch):
    from ec_console.regions import save_setting

    save_setting("theme", "dark")
    assert ui_app.saved_theme() == "dark"
    save_setting("theme", "sepia")
    assert ui_app.saved_theme() is None
    theme.apply_theme(qapp, "light")


def test_dark_palette_is_dark_and_light_is_light(qapp):
    from PySide6.QtGui import QPalette

    try:
        theme.apply_theme(qapp, "dark")
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert qapp.palette().color(QPalette.ColorRole.WindowText).lightness() > 180
        assert theme.current_scheme() == "dark"
        theme.apply_theme(qapp, "light")
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    finally:
        theme.apply_theme(qapp, "light")


def test_following_the_os_uses_its_scheme(qapp, monkeypatch):
    from PySide6.QtCore import Qt

    monkeypatch.setattr(theme, "os_scheme", lambda: "dark")
    try:
        assert theme.apply_theme(qapp, None) == "dark"
        theme._on_os_scheme_changed(Qt.ColorScheme.Dark)
        assert theme.current_scheme() == "dark"
        theme.apply_theme(qapp, "light")  # forced: an OS change no longer switches it
        theme._on_os_scheme_changed(Qt.ColorScheme.Dark)
        assert theme.current_scheme() == "light"
    finally:
        theme.apply_theme(qapp, "light")


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_an_unticked_check_box_stands_out_from_its_background(qapp, scheme):
    """Fusion outlines a check box in the window colour darkened, invisible on a dark Base; the console's
    style draws an outline that stands out in both themes, in a plain widget and in a list's rows."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton, QTreeView

    from ec_console.ui import theme

    def outline_contrast(image, rect: QRect, background) -> int:
        edge = [image.pixelColor(rect.left(), y) for y in range(rect.top() + 2, rect.bottom() - 1)]
        return max(abs(c.lightness() - background.lightness()) for c in edge)

    try:
        theme.apply_theme(qapp, scheme)
        box = QCheckBox("Also test writing")
        box.resize(220, 40)
        box.show()
        qapp.processEvents()
        option = QStyleOptionButton()
        option.initFrom(box)
        rect = qapp.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        assert outline_contrast(box.grab().toImage(), rect, box.palette().color(box.backgroundRole())) > 60

        model = QStandardItemModel()
        item = QStandardItem("ada@contoso.com")
        item.setCheckable(True)
        model.appendRow(item)
        view = QTreeView()
        view.setModel(model)
        view.resize(300, 120)
        view.show()
        qapp.processEvents()
        image = view.viewport().grab().toImage()
        row = view.visualRect(model.index(0, 0))
        base = view.palette().color(view.viewport().backgroundRole())
        lights = [abs(image.pixelColor(x, row.center().y()).lightness() - base.lightness())
                  for x in range(row.left(), row.left() + 30)]
        assert max(lights) > 60
        box.close()
        view.close()
    finally:
        theme.apply_theme(qapp, "light")
