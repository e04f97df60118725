"""The main window's profile table (`profilesTable`): a QTableView that repaints only the changed rows on
screen, taking the interpreter lock once per paint.

Qt's table view repaints its whole viewport when a `dataChanged` range reaches past the rows on screen (the
rectangle of a row it does not show is empty, and it falls back to everything). A running check's results
change a few dozen adjacent rows per refresh, mostly off screen: each refresh repainted every row shown,
with one entry into Python per painted cell, each waiting for the interpreter lock the probe threads hold.
Here a range is cut to the rows on screen first; a range wholly off screen repaints nothing (those rows
are read from the model when scrolled to).

And the paint itself runs inside a Python `paintEvent`: the interpreter lock is taken once for the whole
paint, and the model's `index()` and `multiData()` calls of every cell run under it. Painted straight from
C++, each of those calls took the lock on its own, waiting behind the probe threads each time: with 16 of
them busy, one paint of a hundred cells took 55-110 ms instead of 18-21 ms (measured offscreen on the
shared 2-core machine; docs/benchmarks.md section 3).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTableView


class ProfilesTable(QTableView):
    """QTableView whose `dataChanged` repaints the changed rows on screen, never the whole viewport for
    rows off screen, and whose paint takes the interpreter lock once, not once per cell."""

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        # Deliberately a Python override (see the module's docstring): the whole paint under one lock.
        super().paintEvent(event)

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
