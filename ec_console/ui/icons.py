"""The console's own SVG icons (offscreen and many desktops have no icon theme).

Toolbar icons are drawn with the ink colour `#404a57`; `icon(name)` swaps it for the current palette's
text colour so the same files read on light and dark backgrounds. Status icons are painted, not files: each
status has its own shape (`SHAPES`) as well as its colour.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap, QPolygonF
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


# Every status has its own shape as well as its colour, so an admin who cannot tell red from green reads
# the same table (the views also say the status in words). Statuses that mean the same share a shape.
SHAPES = {
    "linked": "circle", "pass": "circle", "active": "circle",           # ● fine
    "needs_relink": "triangle", "warn": "triangle",                     # ▲ needs attention
    "revoked": "square",                                                # ■ withdrawn
    "fail": "cross",                                                    # ✖ failed
    "skip": "dash",                                                     # ▬ not run
}
OTHER_SHAPE = "ring"                                                    # ○ pending, not known


def status_shape(status: str) -> str:
    """The shape `status_icon` draws for a status: circle, triangle, square, cross, dash or ring."""
    return SHAPES.get(status, OTHER_SHAPE)


def _paint_shape(painter: QPainter, shape: str, size: int, colour: QColor, outline: QColor) -> None:
    margin = size * 0.15
    box = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.setPen(QPen(outline, max(1.0, size / 16)))
    painter.setBrush(colour)
    if shape == "circle":
        painter.drawEllipse(box.adjusted(size * 0.05, size * 0.05, -size * 0.05, -size * 0.05))
    elif shape == "triangle":
        painter.drawPolygon(QPolygonF([QPointF(box.center().x(), box.top()), box.bottomRight(),
                                       box.bottomLeft()]))
    elif shape == "square":
        painter.drawRect(box.adjusted(size * 0.03, size * 0.03, -size * 0.03, -size * 0.03))
    elif shape == "cross":
        pen = QPen(colour, size * 0.22, Qt.PenStyle.SolidLine, Qt.PenCapStyle.SquareCap)
        painter.setPen(pen)
        inner = box.adjusted(size * 0.1, size * 0.1, -size * 0.1, -size * 0.1)
        painter.drawLine(inner.topLeft(), inner.bottomRight())
        painter.drawLine(inner.topRight(), inner.bottomLeft())
    elif shape == "dash":
        height = size * 0.24
        painter.drawRect(QRectF(box.left(), box.center().y() - height / 2, box.width(), height))
    else:                                                   # ring: an outline only
        painter.setPen(QPen(colour, max(1.5, size / 9)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(box.adjusted(size * 0.08, size * 0.08, -size * 0.08, -size * 0.08))


@lru_cache(maxsize=64)
def _shape_icon(shape: str, colour: str, outline: str) -> QIcon:
    result = QIcon()
    for size in (12, 14, 16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _paint_shape(painter, shape, size, QColor(colour), QColor(outline))
        painter.end()
        result.addPixmap(pixmap)
    return result


def status_icon(status: str) -> QIcon:
    """The status's shape (`status_shape`) in the current scheme's colour for it."""
    colour = theme.status_colour(status)
    return _shape_icon(status_shape(status), colour.name(), colour.darker(130).name())
