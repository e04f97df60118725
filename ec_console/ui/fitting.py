"""Nothing clipped: windows that open fully on screen, and one-line texts that elide in the middle.

- `clamp_rect` is the pure geometry: a window's frame moved (and, when it is bigger, shrunk) into the
  available area of its screen (the screen without task bars and docks).
- `ScreenFitter` is an application-wide event filter installed once by `run_gui`: every top-level window
  or dialog the console shows — including the main window with a saved geometry from a larger or
  disconnected monitor — is clamped to the screen it opens on.
- `ElidedLabel` is a one-line label that elides with "…" in the middle (a long address keeps its domain)
  and shows its full text as a tooltip when it does; `ElidingStatusBar` draws its temporary messages the
  same way.
- `WrappingItemDelegate` measures a word-wrapped list item for the width the list really draws it in
  (Qt's own measure can leave a wrapped item's last line cut off or elided: "1 erneut zu …"), again
  whenever the list is resized.
- `CurrentItemComboBox` is as wide as its current item, not its longest one (its list still shows every
  item in full): the main toolbar's region selector, so a long name of a region not chosen does not push
  the toolbar's actions into its extension menu.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication, QPainter, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QSizePolicy,
    QStatusBar,
    QStyle,
    QStyledItemDelegate,
    QStyleOption,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QWidget,
)


def clamp_rect(rect: QRect, area: QRect) -> QRect:
    """`rect` moved, and shrunk where it is larger, so that it lies wholly inside `area`."""
    width = min(rect.width(), area.width())
    height = min(rect.height(), area.height())
    x = min(max(rect.x(), area.x()), area.x() + area.width() - width)
    y = min(max(rect.y(), area.y()), area.y() + area.height() - height)
    return QRect(x, y, width, height)


def available_area(window: QWidget) -> QRect:
    """The available geometry of the screen `window` is on (its centre's screen, else its parent's, else
    the one Qt assigned it, else the primary screen)."""
    screen = QGuiApplication.screenAt(window.frameGeometry().center())
    if screen is None and window.parentWidget() is not None:
        screen = window.parentWidget().screen()
    if screen is None:
        screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect()


def fit_on_screen(window: QWidget, area: QRect | None = None) -> bool:
    """Move (and shrink if needed) `window` so its frame lies inside `area` (default: the available area
    of its screen). Returns whether it changed. Maximised and full-screen windows are left alone."""
    if window.isMaximized() or window.isFullScreen():
        return False
    area = available_area(window) if area is None else area
    if not area.isValid():
        return False
    frame, inner = window.frameGeometry(), window.geometry()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    fitted = clamp_rect(frame, area)
    if fitted == frame:
        return False
    size = QSize(max(fitted.width() - extra_w, window.minimumWidth()),
                 max(fitted.height() - extra_h, window.minimumHeight()))
    if size != inner.size():
        window.resize(size)
    window.move(fitted.topLeft())            # move() places the frame's top-left corner
    return True


_SKIPPED_TYPES = (Qt.WindowType.Popup, Qt.WindowType.ToolTip, Qt.WindowType.SplashScreen,
                  Qt.WindowType.Desktop)


class ScreenFitter(QObject):
    """Clamps every top-level window to its screen when it is shown (menus and tooltips place themselves)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow() \
                and watched.windowType() not in _SKIPPED_TYPES:
            fit_on_screen(watched)
        return False


def install_screen_fitter(app: QApplication) -> ScreenFitter:
    """Install the fitter on `app` once (kept as the application's child); returns it."""
    fitter = app.findChild(ScreenFitter, "screenFitter")
    if fitter is None:
        fitter = ScreenFitter(app)
        fitter.setObjectName("screenFitter")
        app.installEventFilter(fitter)
    return fitter


class ElidedLabel(QLabel):
    """A one-line label whose text elides in the middle when there is no room; the full text is then its
    tooltip (before any tooltip of its own). `text()` is the full text; `shown_text()` what is drawn."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, parts: str | None = None,
                 keep: int = 0) -> None:
        """`parts`: the separator of a list of figures ("18 profiles · 16 linked · ..."); when there is no
        room, whole figures are dropped from the end (then "…"), never cut in half. `keep`: about how many
        characters stay shown however short of room the layout is (a shorter text stays whole), so a
        status bar squeezes the longer texts beside it first."""
        super().__init__(parent)
        self._full = ""
        self._tip = ""
        self._parts = parts
        self._keep = keep
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("…") * 6)
        self.setText(text)

    def _least_width(self) -> int:
        metrics = self.fontMetrics()
        least = metrics.horizontalAdvance("…") * 6
        if self._keep:
            margins = self.contentsMargins()
            sides = margins.left() + margins.right() + 6
            kept = min(metrics.horizontalAdvance(self._full), metrics.averageCharWidth() * self._keep)
            least = max(least, kept + sides)
        return least

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def is_elided(self) -> bool:
        return super().text() != self._full

    def setText(self, text: str) -> None:  # type: ignore[override]  # noqa: N802 - Qt override
        self._full = text or ""
        if self._keep:
            self.setMinimumWidth(self._least_width())
        self.updateGeometry()
        self._elide()

    def setToolTip(self, tip: str) -> None:  # type: ignore[override]  # noqa: N802 - Qt override
        self._tip = tip or ""
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right() + 6
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.minimumWidth(), super().minimumSizeHint().height())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        margins = self.contentsMargins()
        room = max(self.width() - margins.left() - margins.right() - 2, 0)
        shown = self._fitted_parts(room) if self._parts else None
        if shown is None:
            shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, room)
        if shown != super().text():
            super().setText(shown)
        tips = [t for t in ((self._full if shown != self._full else ""), self._tip) if t]
        super().setToolTip("\n\n".join(tips))


    def _fitted_parts(self, room: int) -> str | None:
        """The most leading figures that fit with "…" after them; None when not even the first one does."""
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(self._full) <= room:
            return self._full
        parts = self._full.split(self._parts)
        for keep in range(len(parts) - 1, 0, -1):
            candidate = self._parts.join(parts[:keep]) + self._parts.rstrip() + " …"
            if metrics.horizontalAdvance(candidate) <= room:
                return candidate
        return None


MESSAGE_SHARE = 0.45      # of the status bar's width a temporary message may claim from the permanent texts


class ElidingStatusBar(QStatusBar):
    """A status bar whose temporary messages elide in the middle (the full message is its tooltip);
    `currentMessage()` keeps the full text. While a message shows, it keeps room for it — its own width, up
    to `MESSAGE_SHARE` of the bar — so long permanent texts (a running check's progress, the keychain)
    elide instead of squeezing the message to a few letters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._message_room = QWidget(self)           # first of the permanent widgets; the message covers it
        self._message_room.setObjectName("statusMessageRoom")
        self._message_room.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        QStatusBar.insertPermanentWidget(self, 0, self._message_room)
        self._message_room.hide()
        self.messageChanged.connect(self._message_changed)

    def _message_changed(self, message: str) -> None:
        if message:
            wanted = self.fontMetrics().horizontalAdvance(message) + 12
            room = min(wanted, int(self.width() * MESSAGE_SHARE))
            if self._message_room.minimumWidth() != room:
                self._message_room.setMinimumWidth(room)
            self._message_room.show()
        else:
            self._message_room.hide()
        self._tell_whole_message()
        QTimer.singleShot(0, self._tell_whole_message)  # once the permanent widgets have made room
        self.update()

    def _tell_whole_message(self) -> None:
        message = self.currentMessage()
        self.setToolTip(message if message and self._elided(message) != message else "")

    def message_rect(self) -> QRect:
        """Where the message is drawn: left of the first visible permanent widget (as QStatusBar does)."""
        right = self.width() - 12
        permanent = [w for w in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                     if w.isVisible() and self._is_permanent(w)]
        if permanent:
            right = min(right, min(w.x() for w in permanent) - 2)
        return QRect(6, 0, max(right - 6, 0), self.height())

    def _is_permanent(self, widget: QWidget) -> bool:
        return bool(widget.property("ecPermanent"))

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 - Qt override
        widget.setProperty("ecPermanent", True)
        super().addPermanentWidget(widget, stretch)

    def insertPermanentWidget(self, index: int, widget: QWidget, stretch: int = 0) -> int:  # noqa: N802
        widget.setProperty("ecPermanent", True)
        return super().insertPermanentWidget(index, widget, stretch)

    def shown_message(self) -> str:
        return self._elided(self.currentMessage())

    def _elided(self, message: str) -> str:
        room = self.message_rect().width()
        return self.fontMetrics().elidedText(message, Qt.TextElideMode.ElideMiddle, room)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        message = self.currentMessage()
        if not message:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        for widget in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if widget.isVisible() and self._is_permanent(widget):
                option.rect = widget.geometry().adjusted(-1, -1, 1, 1)
                self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, option, painter,
                                           widget)
        painter.setPen(self.palette().windowText().color())
        flags = Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine
        painter.drawText(self.message_rect(), int(flags), self._elided(message))
        painter.end()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._message_changed(self.currentMessage())


__all__ = ["ElidedLabel", "ElidingStatusBar", "ScreenFitter", "available_area", "clamp_rect", "fit_on_screen",
           "install_screen_fitter"]


class CurrentItemComboBox(QComboBox):
    """A combo box whose width follows its current item's text (the open list is as wide as its longest
    item, as Qt makes it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentIndexChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        metrics = self.fontMetrics()
        text = QSize(metrics.horizontalAdvance(self.currentText()) + metrics.horizontalAdvance("  "),
                     max(metrics.height(), 14))
        if not self.itemIcon(self.currentIndex()).isNull():
            text.setWidth(text.width() + self.iconSize().width() + 4)
        size = self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, text, self)
        return QSize(size.width(), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()


def wrapped_text_height(font: QFont, text: str, width: float) -> float:
    """The height of `text` word-wrapped to `width` as Qt's item views draw it (a QTextLayout per
    paragraph, line by line)."""
    height = 0.0
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            height += line.height()
        layout.endLayout()
    return height


class WrappingItemDelegate(QStyledItemDelegate):
    """For a `QListView` in list mode with word wrap: each item's height is that of its text wrapped to the
    width it is drawn in (the viewport less the list's spacing, the icon and the text margins), so no line
    is cut off or elided; the list should re-lay out its items when resized (`ResizeMode.Adjust`)."""

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802 - Qt override
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        view = self.parent()
        base = super().sizeHint(option, index)
        if not isinstance(view, QWidget) or not hasattr(view, "viewport"):
            return base
        width = view.viewport().width() - 2 * view.spacing()  # type: ignore[attr-defined]
        if width <= 0:
            return base
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.rect = QRect(0, 0, width, max(base.height(), 1))
        style = view.style()
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, item, view)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        height = wrapped_text_height(item.font, item.text, max(text_rect.width() - 2 * margin, 1))
        icon = item.decorationSize.height() if not item.icon.isNull() else 0
        return QSize(width, max(math.ceil(height) + 2, icon))
