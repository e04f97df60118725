"""The three themes (light, dark, high contrast): contrast of the real palettes measured with the WCAG 2.x
formula, the high-contrast theme chosen in View › Appearance or asked for by the OS, its focus frame."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from ec_console.regions import load_settings
from ec_console.ui import app as ui_app
from ec_console.ui import tasks, theme
from ec_console.ui.app import create_main_window

ROLE = QPalette.ColorRole
ACTIVE, DISABLED = QPalette.ColorGroup.Active, QPalette.ColorGroup.Disabled


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.red()) + 0.7152 * linear(colour.green()) + 0.0722 * linear(colour.blue())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2.x contrast ratio, 1 to 21."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_on_known_pairs():
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast(QColor("#123456"), QColor("#123456")) == pytest.approx(1.0)


# Text roles on the background they are drawn on.
TEXT_PAIRS = [(ROLE.Text, ROLE.Base), (ROLE.Text, ROLE.AlternateBase), (ROLE.WindowText, ROLE.Window),
              (ROLE.ButtonText, ROLE.Button), (ROLE.HighlightedText, ROLE.Highlight),
              (ROLE.ToolTipText, ROLE.ToolTipBase), (ROLE.PlaceholderText, ROLE.Base), (ROLE.Link, ROLE.Base)]
# WCAG: 4.5:1 for text (AA) in the light and dark themes, 7:1 (AAA) in high contrast.
MINIMUM = {"light": 4.5, "dark": 4.5, "high_contrast": 7.0}
STATUSES = ("linked", "needs_relink", "revoked", "pass", "warn", "fail", "active", "skip")


@pytest.fixture
def scheme_applied(qapp):
    def apply(scheme):
        theme.apply_theme(qapp, scheme)
        return qapp.palette()

    yield apply
    theme.apply_theme(qapp, "light")


@pytest.mark.parametrize("scheme", ["light", "dark", "high_contrast"])
def test_every_text_role_reads_against_its_background(scheme_applied, scheme):
    palette = scheme_applied(scheme)
    low = {f"{fg.name}/{bg.name}": round(ratio, 2) for fg, bg in TEXT_PAIRS
           if (ratio := contrast(palette.color(ACTIVE, fg), palette.color(ACTIVE, bg))) < MINIMUM[scheme]}
    assert low == {}


@pytest.mark.parametrize("scheme", ["light", "dark", "high_contrast"])
def test_status_colours_read_on_the_table_and_the_window(scheme_applied, scheme):
    palette = scheme_applied(scheme)
    low = {(status, bg.name): round(ratio, 2) for status in STATUSES for bg in (ROLE.Base, ROLE.Window)
           if (ratio := contrast(theme.status_colour(status), palette.color(ACTIVE, bg))) < MINIMUM[scheme]}
    assert low == {}


def test_high_contrast_disabled_text_still_reads(scheme_applied):
    palette = scheme_applied("high_contrast")
    for fg, bg in [(ROLE.Text, ROLE.Base), (ROLE.WindowText, ROLE.Window), (ROLE.ButtonText, ROLE.Button),
                   (ROLE.HighlightedText, ROLE.Highlight)]:
        assert contrast(palette.color(DISABLED, fg), palette.color(DISABLED, bg)) >= 4.5, (fg.name, bg.name)
        # and a disabled control still looks different from an enabled one
        assert palette.color(DISABLED, fg) != palette.color(ACTIVE, fg) or fg == ROLE.HighlightedText


def _pixels(image) -> set[str]:
    return {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())}


def test_high_contrast_draws_the_keyboard_focus_as_a_thick_visible_frame(qtbot, scheme_applied):
    scheme_applied("high_contrast")
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    field, button = QLineEdit("ada@contoso.com"), QPushButton("Check")
    layout.addWidget(field)
    layout.addWidget(button)
    window.show()
    qtbot.waitExposed(window)
    focus = QColor(theme.HIGH_CONTRAST_FOCUS)
    background = window.palette().color(ROLE.Window)
    assert contrast(focus, background) >= 7.0
    for widget in (field, button):
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        image = widget.grab().toImage()
        middle = image.height() // 2
        edge = [image.pixelColor(x, middle).name() for x in (0, 1)]   # the left edge, two pixels thick
        assert edge == [focus.name(), focus.name()], type(widget).__name__
        other = field if widget is button else button            # the other one is outlined, not focused
        assert focus.name() not in _pixels(other.grab().toImage())


def test_high_contrast_outlines_a_button_that_fusion_would_leave_black_on_black(qtbot, scheme_applied):
    scheme_applied("high_contrast")
    button = QPushButton("Check")
    qtbot.addWidget(button)
    button.resize(120, 32)
    button.show()
    qtbot.waitExposed(button)
    image = button.grab().toImage()
    border = image.pixelColor(0, image.height() // 2)
    assert contrast(border, button.palette().color(ROLE.Window)) >= 7.0


@pytest.fixture
def main_window(qtbot, monkeypatch):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")
    window = create_main_window("us", keychain="Test keychain")
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    tasks.shutdown_pools()


def test_view_appearance_high_contrast_is_applied_and_remembered(qtbot, qapp, main_window, scheme_applied):
    scheme_applied("light")
    menu_bar = main_window.menuBar()
    view = next(a for a in menu_bar.actions() if a.menu() and a.menu().objectName() == "viewMenu")
    labels = [a.text() for a in main_window.findChild(QAction, "themeAction_high_contrast").actionGroup()
              .actions()]
    assert labels == ["Follow the &system", "&Light", "&Dark", "&High contrast"]
    assert view is not None
    main_window.findChild(QAction, "themeAction_high_contrast").trigger()
    assert theme.current_scheme() == "high_contrast"
    assert qapp.palette().color(ROLE.Window) == QColor("#000000")
    assert load_settings()["theme"] == "high_contrast"
    assert ui_app.saved_theme() == "high_contrast"           # the next start opens in high contrast
    main_window.findChild(QAction, "themeAction_light").trigger()
    assert theme.current_scheme() == "light"


def test_following_the_os_switches_to_high_contrast_when_it_asks(qapp, monkeypatch, scheme_applied):
    wants = {"high": False}
    monkeypatch.setattr(theme, "os_wants_high_contrast", lambda: wants["high"])
    scheme_applied(None)
    assert theme.current_scheme() in ("light", "dark")
    accessibility = theme.accessibility_hints()
    assert accessibility is not None                       # PySide6 6.11 has it
    wants["high"] = True                                   # the user turns high contrast on in the OS
    accessibility.contrastPreferenceChanged.emit(Qt.ContrastPreference.HighContrast)
    assert theme.current_scheme() == "high_contrast"
    wants["high"] = False                                  # ... and off again
    accessibility.contrastPreferenceChanged.emit(Qt.ContrastPreference.NoPreference)
    assert theme.current_scheme() != "high_contrast"
    theme.apply_theme(qapp, "dark")                        # a theme the user chose is kept
    wants["high"] = True
    accessibility.contrastPreferenceChanged.emit(Qt.ContrastPreference.HighContrast)
    assert theme.current_scheme() == "dark"


def test_os_high_contrast_is_read_from_qt(qapp):
    """Whatever the platform reports (offscreen: no preference), the console reads the same value."""
    styles = qapp.styleHints()
    reported = styles.accessibility().contrastPreference()
    assert theme.os_wants_high_contrast() is (reported == Qt.ContrastPreference.HighContrast)
    assert (theme.os_scheme() == "high_contrast") is theme.os_wants_high_contrast()
