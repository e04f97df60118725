"""The main window's profile table (`profilesTable`): a QTableView that repaints only the changed rows on
screen.

Qt's table view repaints its whole viewport when a `dataChanged` range reaches past the rows on screen (the
rectangle of a row it does not show is empty, and it falls back to everything). A running check's results
change a few dozen adjacent rows per refresh, mostly off screen: each refresh repainted every row shown,
with one entry into Python per painted cell, each waiting for the interpreter lock the probe threads hold.
Here a range is cut to the rows on screen first; a range wholly off screen repaints nothing (those rows
are read from the model when scrolled to).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTableView


class ProfilesTable(QTableView):
    """QTableView whose `dataChanged` repaints the changed rows on screen, never the whole viewport for
    rows off screen."""

    def dataChanged(self, topLeft: Any, bottomRight: Any, roles: Any = ()) -> None:  # noqa: N802, N803
        model = self.model()
        if model is None or not self.isVisible() or not topLeft.isValid() or not bottomRight.isValid():
            super().dataChanged(topLeft, bottomRight, list(roles))
            return
        first_shown = self.rowAt(0)
        last_shown = self.rowAt(self.viewport().height() - 1)
        if first_shown < 0:      # nothing at the top of the viewport: no rows to show
            return
        if last_shown < 0:       # the rows end above the bottom of the viewport
            last_shown = model.rowCount() - 1
        first, last = max(topLeft.row(), first_shown), min(bottomRight.row(), last_shown)
        if first > last:
            return               # nothing on screen changed
        super().dataChanged(model.index(first, topLeft.column()), model.index(last, bottomRight.column()),
                            list(roles))


__all__ = ["ProfilesTable"]
