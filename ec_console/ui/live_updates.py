"""Live updates in the GUI: a QObject bridge from `registry_live.Listener` to the GUI thread.

The listener runs on its own thread and calls back there; `LiveUpdates` turns each callback into a Qt
signal delivered to the GUI thread through a queued connection, so nothing touches a widget from the
listener's thread:

- `changed(str table)`: a table changed in the registry (`registry_live.EVERYTHING`, "*": refresh
  everything, after a reconnection);
- `state(str)`: "connected", "lost: <plain reason>", "reconnected".

`ConnectionStatus` is the status-bar label that shows a lost connection plainly ("Registry connection
lost — reconnecting…", the reason in its tooltip) and, briefly, "Registry connection restored". The main
window starts a bridge when its registry is PostgreSQL and merges `changed` into at most one refresh per
`LIVE_REFRESH_MS` (ui/main_window.py).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ec_console import registry_live

RESTORED_SHOWN_MS = 5000


class LiveUpdates(QObject):
    """Owns one `Listener`; re-emits its callbacks on the GUI thread."""

    changed = Signal(str)
    state = Signal(str)
    # Emitted on the listener's thread; connected to the re-emitting slots with a queued connection.
    _changed_there = Signal(str)
    _state_there = Signal(str)

    def __init__(self, target: Any, parent: QObject | None = None, **listener_options: Any) -> None:
        super().__init__(parent)
        self.setObjectName("liveUpdates")
        self.last_state = ""
        self._changed_there.connect(self._changed_here, Qt.ConnectionType.QueuedConnection)
        self._state_there.connect(self._state_here, Qt.ConnectionType.QueuedConnection)
        self.listener = registry_live.Listener(target, self._changed_there.emit, self._state_there.emit,
                                               **listener_options)

    def start(self) -> None:
        self.listener.start()

    def stop(self) -> None:
        """Stop the listener and wait for its thread (a quarter of a second at most, usually)."""
        self.listener.stop()

    @property
    def running(self) -> bool:
        return self.listener.running

    @Slot(str)
    def _changed_here(self, table: str) -> None:
        self.changed.emit(table)

    @Slot(str)
    def _state_here(self, text: str) -> None:
        self.last_state = text
        self.state.emit(text)


class ConnectionStatus(QWidget):
    """The status bar's word on the registry connection, with a coloured dot: hidden while all is well."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registryConnectionStatus")
        self.setAccessibleName(self.tr("Registry connection"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(4)
        self.dot = QLabel(self)
        self.dot.setObjectName("registryConnectionDot")
        self.label = QLabel(self)
        self.label.setObjectName("registryConnectionText")
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(RESTORED_SHOWN_MS)
        self._hide_timer.timeout.connect(self.hide)
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def _say(self, text: str, dot: str, tip: str) -> None:
        from ec_console.ui import icons

        size = self.label.fontMetrics().height()
        self.dot.setPixmap(icons.status_icon(dot).pixmap(size, size))
        self.label.setText(text)
        self.setToolTip(tip)
        self.setAccessibleDescription(tip or text)
        self.show()

    @Slot(str)
    def show_state(self, text: str) -> None:
        self._hide_timer.stop()
        if text.startswith(registry_live.STATE_LOST):
            reason = text.partition(":")[2].strip()
            tip = (self.tr("The shared registry cannot be reached: %s. The console reconnects by itself and "
                           "then shows what changed meanwhile.") % reason) if reason else ""
            self._say(self.tr("Registry connection lost — reconnecting…"), "needs_relink", tip)
        elif text == registry_live.STATE_RECONNECTED:
            self._say(self.tr("Registry connection restored"), "linked", "")
            self._hide_timer.start()
        else:
            self.hide()


__all__ = ["ConnectionStatus", "LiveUpdates", "RESTORED_SHOWN_MS"]
