"""Light, dark and high-contrast themes: Fusion with palettes of our own, following the OS.

`apply_theme(app)` follows the OS — its high-contrast setting where Qt exposes it
(`QStyleHints.accessibility().contrastPreference()`, Qt 6.10 and later), else its colour scheme
(`QStyleHints.colorScheme()`) — and keeps following both when the user switches; `apply_theme(app, "dark")`
forces a scheme (View › Appearance, screenshots, tests, and the offscreen platform, which reports neither).
Widgets that paint their own colours listen to `theme_notifier().changed`.

The high-contrast palette is white on black with every text/background pair at 7:1 or more (disabled text
4.5:1 or more, WCAG 2.x); `ConsoleStyle` outlines buttons, fields and frames in the text colour there and
draws the keyboard focus as a thick yellow frame, since Fusion derives its outlines from the window colour
(black darkened is still black).
"""

from __future__ import annotations

from typing import Any, Literal

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory, QStyleOption, QWidget

Scheme = Literal["light", "dark", "high_contrast"]
SCHEMES: tuple[Scheme, ...] = ("light", "dark", "high_contrast")

# Status colours chosen to read on their palette's Base and Window (4.5:1 or more; 7:1 or more in high
# contrast — tests/test_ui_theme.py computes the ratios). Colour is never the only signal: icons.status_icon
# gives every status its own shape, and the views show the status in words.
_STATUS_COLOURS: dict[Scheme, dict[str, str]] = {
    "light": {"linked": "#15803d", "needs_relink": "#b45309", "revoked": "#4b5563",
              "pass": "#15803d", "warn": "#b45309", "fail": "#b91c1c", "active": "#15803d"},
    "dark": {"linked": "#4ade80", "needs_relink": "#fbbf24", "revoked": "#9ca3af",
             "pass": "#4ade80", "warn": "#fbbf24", "fail": "#f87171", "active": "#4ade80"},
    "high_contrast": {"linked": "#5cff7a", "needs_relink": "#ffd84d", "revoked": "#c8c8c8",
                      "pass": "#5cff7a", "warn": "#ffd84d", "fail": "#ff9999", "active": "#5cff7a"},
}
_OTHER_STATUS: dict[Scheme, str] = {"light": "#4b5563", "dark": "#9ca3af", "high_contrast": "#c8c8c8"}
# The keyboard focus in high contrast: a 2-pixel frame in this colour (19:1 on black).
HIGH_CONTRAST_FOCUS = "#ffff00"


class _ThemeNotifier(QObject):
    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.scheme: Scheme = "light"
        self.forced: Scheme | None = None


_notifier: _ThemeNotifier | None = None


def theme_notifier() -> _ThemeNotifier:
    """The object whose `changed(scheme)` signal fires after a theme is applied."""
    global _notifier
    if _notifier is None:
        _notifier = _ThemeNotifier()
    return _notifier


def current_scheme() -> Scheme:
    return theme_notifier().scheme


_hints: list[Any] = []


def accessibility_hints() -> Any | None:
    """The application's `QAccessibilityHints` (Qt 6.10 and later), or None on an older Qt.

    PySide6 6.11 treats the returned object as a child of the Python wrapper of `QStyleHints`: once that
    wrapper is garbage-collected (`styleHints().accessibility()` in one expression), every later use raises
    "Internal C++ object already deleted". The wrapper is therefore kept for the life of the process."""
    if not _hints:
        _hints.append(QGuiApplication.styleHints())
    accessibility = getattr(_hints[0], "accessibility", None)
    return accessibility() if accessibility is not None else None


def os_wants_high_contrast() -> bool:
    """Whether the OS asks for high contrast (Qt 6.10+ on platforms that report it; False otherwise)."""
    preference = getattr(Qt, "ContrastPreference", None)
    try:
        hints = accessibility_hints()
        return hints is not None and preference is not None \
            and hints.contrastPreference() == preference.HighContrast
    except (AttributeError, RuntimeError):
        return False


def os_scheme() -> Scheme:
    """What the OS asks for: high contrast when its accessibility setting says so, else its colour scheme;
    light when it does not say (the offscreen platform, older desktops)."""
    if os_wants_high_contrast():
        return "high_contrast"
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def status_colour(key: str) -> QColor:
    """The colour of a profile/application status or a check result in the current scheme."""
    scheme = current_scheme()
    return QColor(_STATUS_COLOURS[scheme].get(key, _OTHER_STATUS[scheme]))


def _set(palette: QPalette, role: QPalette.ColorRole, colour: str, disabled: str | None = None) -> None:
    palette.setColor(QPalette.ColorGroup.All, role, QColor(colour))
    if disabled is not None:
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))


def dark_palette() -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    _set(p, role.Window, "#2b2d31")
    _set(p, role.WindowText, "#e6e7ea", "#7d8088")
    _set(p, role.Base, "#1f2023")
    _set(p, role.AlternateBase, "#26282c")
    _set(p, role.ToolTipBase, "#383a40")
    _set(p, role.ToolTipText, "#e6e7ea")
    _set(p, role.PlaceholderText, "#8b8e96")
    _set(p, role.Text, "#e6e7ea", "#7d8088")
    _set(p, role.Button, "#34363c")
    _set(p, role.ButtonText, "#e6e7ea", "#7d8088")
    _set(p, role.BrightText, "#ff6b6b")
    _set(p, role.Light, "#45474e")
    _set(p, role.Midlight, "#3a3c42")
    _set(p, role.Mid, "#2f3136")
    _set(p, role.Dark, "#18191b")
    _set(p, role.Shadow, "#0d0d0e")
    _set(p, role.Highlight, "#3d6fd6", "#3a3c42")
    _set(p, role.HighlightedText, "#ffffff", "#9a9da5")
    _set(p, role.Link, "#7aa7ff")
    _set(p, role.LinkVisited, "#b39dff")
    _set(p, role.Accent, "#3d6fd6")
    return p


def light_palette() -> QPalette:
    p = QStyleFactory.create("Fusion").standardPalette()
    role = QPalette.ColorRole
    _set(p, role.Window, "#f3f4f6")
    _set(p, role.Base, "#ffffff")
    _set(p, role.AlternateBase, "#f7f8fa")
    _set(p, role.Highlight, "#2f6fde", "#d5d8de")
    _set(p, role.HighlightedText, "#ffffff", "#404a57")
    _set(p, role.Link, "#1f5fbf")
    _set(p, role.PlaceholderText, "#6b7280")
    _set(p, role.ToolTipBase, "#ffffff")
    _set(p, role.ToolTipText, "#1f2328")
    _set(p, role.Accent, "#2f6fde")
    return p


def high_contrast_palette() -> QPalette:
    """White on black: every text at 7:1 or more against its background, disabled text at 4.5:1 or more,
    the selection black on cyan."""
    p = QPalette()
    role = QPalette.ColorRole
    disabled = "#a6a6a6"
    _set(p, role.Window, "#000000")
    _set(p, role.WindowText, "#ffffff", disabled)
    _set(p, role.Base, "#000000")
    _set(p, role.AlternateBase, "#1a1a1a")
    _set(p, role.ToolTipBase, "#000000")
    _set(p, role.ToolTipText, "#ffffff")
    _set(p, role.PlaceholderText, "#c8c8c8", disabled)
    _set(p, role.Text, "#ffffff", disabled)
    _set(p, role.Button, "#000000")
    _set(p, role.ButtonText, "#ffffff", disabled)
    _set(p, role.BrightText, "#ffff00")
    _set(p, role.Light, "#ffffff")
    _set(p, role.Midlight, "#c8c8c8")
    _set(p, role.Mid, "#808080")
    _set(p, role.Dark, "#c8c8c8")
    _set(p, role.Shadow, "#ffffff")
    _set(p, role.Highlight, "#1aebff", "#595959")
    _set(p, role.HighlightedText, "#000000", "#ffffff")
    _set(p, role.Link, "#ffff00")
    _set(p, role.LinkVisited, "#d0b3ff")
    _set(p, role.Accent, "#1aebff")
    return p


PALETTES = {"light": light_palette, "dark": dark_palette, "high_contrast": high_contrast_palette}

# What ConsoleStyle outlines in high contrast (Fusion's own outline is the window colour darkened: black).
_OUTLINED = {
    QStyle.PrimitiveElement.PE_PanelButtonCommand, QStyle.PrimitiveElement.PE_FrameLineEdit,
    QStyle.PrimitiveElement.PE_Frame, QStyle.PrimitiveElement.PE_FrameGroupBox,
    QStyle.PrimitiveElement.PE_FrameTabWidget, QStyle.PrimitiveElement.PE_PanelButtonTool,
}


class ConsoleStyle(QProxyStyle):
    """Fusion, with check boxes that can be seen: Fusion outlines a check box in the window colour darkened,
    which vanishes against a dark palette's Base (an unticked box in a dark list looks like no box at all)
    and is faint on a light one (under 3:1). The box gets an outline in the text colour, softened."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def name(self) -> str:  # noqa: D102 - QStyle override: it is Fusion underneath
        return "Fusion"

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,  # noqa: N802
                      painter: QPainter, widget: QWidget | None = None) -> None:
        high_contrast = current_scheme() == "high_contrast"
        if high_contrast and element == QStyle.PrimitiveElement.PE_FrameFocusRect:
            _frame(painter, option.rect, QColor(HIGH_CONTRAST_FOCUS), 2)
            return
        super().drawPrimitive(element, option, painter, widget)
        if high_contrast and element in _OUTLINED:
            self._outline(element, option, painter)
        if element != QStyle.PrimitiveElement.PE_IndicatorCheckBox:
            return
        outline = QColor(option.palette.color(QPalette.ColorRole.Text))
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        outline.setAlpha(150 if enabled else 70)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(option.rect.adjusted(0, 0, -1, -1))
        painter.restore()

    def drawComplexControl(self, control: QStyle.ComplexControl, option: QStyleOption,  # noqa: N802
                           painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawComplexControl(control, option, painter, widget)
        if current_scheme() != "high_contrast":
            return
        if control in (QStyle.ComplexControl.CC_ComboBox, QStyle.ComplexControl.CC_SpinBox):
            self._outline(QStyle.PrimitiveElement.PE_FrameLineEdit, option, painter)
        elif control == QStyle.ComplexControl.CC_ScrollBar:
            # Fusion's handle is the button colour (black) on a black groove: fill it in light grey.
            handle = self.subControlRect(control, option, QStyle.SubControl.SC_ScrollBarSlider, widget)
            if handle.isValid() and option.state & QStyle.StateFlag.State_Enabled:
                painter.save()
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(option.palette.color(QPalette.ColorRole.Midlight))
                painter.drawRect(handle.adjusted(2, 2, -2, -2))
                painter.restore()

    @staticmethod
    def _outline(element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter) -> None:
        """High contrast: a 1-pixel outline in the text colour, or the 2-pixel focus frame when the control
        has the keyboard focus (a push button, a field, a combo box)."""
        state = option.state
        focused = bool(state & QStyle.StateFlag.State_HasFocus) and element in (
            QStyle.PrimitiveElement.PE_PanelButtonCommand, QStyle.PrimitiveElement.PE_FrameLineEdit)
        if focused:
            _frame(painter, option.rect, QColor(HIGH_CONTRAST_FOCUS), 2)
            return
        if element == QStyle.PrimitiveElement.PE_PanelButtonTool and not (
                state & (QStyle.StateFlag.State_MouseOver | QStyle.StateFlag.State_Sunken
                         | QStyle.StateFlag.State_On)):
            return                                   # a flat tool button stays flat until pointed at
        group = QPalette.ColorGroup.Active if state & QStyle.StateFlag.State_Enabled \
            else QPalette.ColorGroup.Disabled
        _frame(painter, option.rect, option.palette.color(group, QPalette.ColorRole.ButtonText), 1)


def _frame(painter: QPainter, rect: Any, colour: QColor, width: int) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    pen = QPen(colour)
    pen.setWidth(width)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    inset = width // 2
    painter.drawRect(rect.adjusted(inset, inset, -inset - (width % 2), -inset - (width % 2)))
    painter.restore()


def apply_theme(app: QApplication, scheme: Scheme | None = None) -> Scheme:
    """Apply Fusion (`ConsoleStyle`) with the light, dark or high-contrast palette; `None` follows the OS
    (its high-contrast setting, then its colour scheme), now and when either changes."""
    notifier = theme_notifier()
    if not isinstance(app.style(), ConsoleStyle):
        app.setStyle(ConsoleStyle())
    first_time = not app.property("ecThemeConnected")
    if first_time:
        app.styleHints().colorSchemeChanged.connect(_on_os_scheme_changed)
        accessibility = accessibility_hints()
        if accessibility is not None:                    # Qt 6.10 and later
            accessibility.contrastPreferenceChanged.connect(_on_os_scheme_changed)
        app.setProperty("ecThemeConnected", True)
    notifier.forced = scheme
    chosen: Scheme = scheme or os_scheme()
    notifier.scheme = chosen                 # before the palette: the style reads it while repainting
    app.setPalette(PALETTES[chosen]())
    notifier.changed.emit(chosen)
    return chosen


def _on_os_scheme_changed(*_args: object) -> None:
    """The OS switched its colour scheme or its contrast: follow it unless the user chose a theme."""
    app = QApplication.instance()
    if isinstance(app, QApplication) and theme_notifier().forced is None:
        apply_theme(app, None)
