"""Light and dark themes: Fusion with a palette of our own, following the OS colour scheme.

`apply_theme(app)` follows the OS (`QStyleHints.colorScheme()`) and keeps following it when the user
switches; `apply_theme(app, "dark")` forces a scheme (screenshots, tests, and the offscreen platform, which
reports no scheme). Widgets that paint their own colours listen to `theme_notifier().changed`.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory, QStyleOption, QWidget

Scheme = Literal["light", "dark"]

# Status colours chosen to read on both backgrounds (contrast checked against both palettes' Base).
_STATUS_COLOURS: dict[Scheme, dict[str, str]] = {
    "light": {"linked": "#15803d", "needs_relink": "#b45309", "revoked": "#6b7280",
              "pass": "#15803d", "warn": "#b45309", "fail": "#b91c1c", "active": "#15803d"},
    "dark": {"linked": "#4ade80", "needs_relink": "#fbbf24", "revoked": "#9ca3af",
             "pass": "#4ade80", "warn": "#fbbf24", "fail": "#f87171", "active": "#4ade80"},
}


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


def os_scheme() -> Scheme:
    """What the OS asks for; light when it does not say (the offscreen platform, older desktops)."""
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def status_colour(key: str) -> QColor:
    """The colour of a profile/application status or a check result in the current scheme."""
    return QColor(_STATUS_COLOURS[current_scheme()].get(key, "#6b7280"))


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
    _set(p, role.PlaceholderText, "#737a86")
    _set(p, role.ToolTipBase, "#ffffff")
    _set(p, role.ToolTipText, "#1f2328")
    _set(p, role.Accent, "#2f6fde")
    return p


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
        super().drawPrimitive(element, option, painter, widget)
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


def apply_theme(app: QApplication, scheme: Scheme | None = None) -> Scheme:
    """Apply Fusion (`ConsoleStyle`) with the light or dark palette; `None` follows the OS, now and when it
    changes."""
    notifier = theme_notifier()
    if not isinstance(app.style(), ConsoleStyle):
        app.setStyle(ConsoleStyle())
    first_time = not app.property("ecThemeConnected")
    if first_time:
        app.styleHints().colorSchemeChanged.connect(_on_os_scheme_changed)
        app.setProperty("ecThemeConnected", True)
    notifier.forced = scheme
    chosen: Scheme = scheme or os_scheme()
    app.setPalette(dark_palette() if chosen == "dark" else light_palette())
    notifier.scheme = chosen
    notifier.changed.emit(chosen)
    return chosen


def _on_os_scheme_changed(_scheme: Qt.ColorScheme) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication) and theme_notifier().forced is None:
        apply_theme(app, None)
