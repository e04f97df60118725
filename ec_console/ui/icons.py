"""The console's own SVG icons (offscreen and many desktops have no icon theme).

Toolbar icons are drawn with the ink colour `#404a57`; `icon(name)` swaps it for the current palette's
text colour so the same files read on light and dark backgrounds. Status dots are painted, not files.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from ec_console.resources import resource_path
from ec_console.ui import theme

INK = "#404a57"
_SIZES = (16, 20, 24, 32, 48, 64)


def _ink_colour() -> str:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app.palette().color(QPalette.ColorRole.WindowText).name()
    return INK


@lru_cache(maxsize=64)
def _render(name: str, ink: str) -> QIcon:
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(svg.replace(INK, ink).encode("utf-8")))
    result = QIcon()
    if not renderer.isValid():
        return result
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def icon(name: str) -> QIcon:
    """`resources/icons/<name>.svg` in the current theme's ink (an empty icon if it is missing)."""
    try:
        return _render(name, _ink_colour())
    except OSError:
        return QIcon()


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "app.svg")))


@lru_cache(maxsize=32)
def _dot(colour: str, outline: str) -> QIcon:
    result = QIcon()
    for size in (12, 16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(outline))
        painter.setBrush(QColor(colour))
        margin = size * 0.2
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
        painter.end()
        result.addPixmap(pixmap)
    return result


def status_icon(status: str) -> QIcon:
    """A coloured dot for a status or result, in the current scheme's colour."""
    colour = theme.status_colour(status)
    return _dot(colour.name(), colour.darker(130).name())
