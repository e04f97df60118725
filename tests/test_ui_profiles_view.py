"""The profile table repaints only the changed rows on screen (`ui/profiles_view.py`)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QStandardItem, QStandardItemModel

from ec_console.ui.profiles_view import ProfilesTable


class PaintedRegions(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.regions: list[QRect] = []

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.regions.append(event.region().boundingRect())
        return False


def _shown_table(qtbot) -> tuple[ProfilesTable, QStandardItemModel, PaintedRegions]:
    model = QStandardItemModel(300, 7)
    for row in range(300):
        for column in range(7):
            model.setItem(row, column, QStandardItem(f"r{row}c{column}"))
    table = ProfilesTable()
    qtbot.addWidget(table)
    table.setModel(model)
    table.resize(700, 400)
    table.show()
    qtbot.waitExposed(table)
    qtbot.wait(50)
    painted = PaintedRegions()
    table.viewport().installEventFilter(painted)
    return table, model, painted


def _changed(model: QStandardItemModel, first: int, last: int) -> None:
    model.dataChanged.emit(model.index(first, 0), model.index(last, 6))


def test_rows_changed_off_screen_repaint_nothing(qtbot):
    table, model, painted = _shown_table(qtbot)
    last_shown = table.rowAt(table.viewport().height() - 1)
    assert 0 < last_shown < 100
    _changed(model, 120, 160)                  # Qt's own view repaints its whole viewport for this
    _changed(model, last_shown + 1, 299)
    qtbot.wait(50)
    assert painted.regions == []


def test_rows_changed_partly_on_screen_repaint_only_those_on_screen(qtbot):
    table, model, painted = _shown_table(qtbot)
    last_shown = table.rowAt(table.viewport().height() - 1)
    _changed(model, 5, 250)                    # rows 5 to the last shown: not rows 0-4
    qtbot.waitUntil(lambda: painted.regions != [])
    qtbot.wait(20)
    union = QRect()
    for region in painted.regions:
        union = union.united(region)
    top_of_row_5 = table.visualRect(model.index(5, 0)).top()
    assert union.top() >= top_of_row_5 > 0
    table.verticalScrollBar().setValue(100)    # scrolled: the rows now on screen are painted as they are
    qtbot.waitUntil(lambda: table.rowAt(0) >= 100)
    qtbot.wait(50)                             # the scroll's own repaint
    painted.regions.clear()
    _changed(model, 10, 20)                    # above the rows shown now
    qtbot.wait(50)
    assert painted.regions == [] and last_shown < 100


def test_a_change_of_rows_on_screen_shows_their_new_values(qtbot):
    table, model, _painted = _shown_table(qtbot)
    model.item(3, 1).setText("changed")        # the model's own signal, through the view's override
    qtbot.wait(50)
    assert table.model().data(table.model().index(3, 1)) == "changed"
    assert table.indexAt(table.visualRect(model.index(3, 1)).center()).row() == 3


def test_the_table_paints_its_rows_through_its_own_paint_event(qtbot, monkeypatch):
    """The paint goes through the table's Python `paintEvent` (one interpreter lock for the whole paint,
    not one per cell), and paints the model's rows."""
    assert "paintEvent" in vars(ProfilesTable)  # its own override, not QTableView's straight from C++
    calls = []
    original = ProfilesTable.paintEvent
    monkeypatch.setattr(ProfilesTable, "paintEvent",
                        lambda self, event: (calls.append(event.region().boundingRect()),
                                             original(self, event))[1])
    table, model, _painted = _shown_table(qtbot)
    calls.clear()
    model.item(2, 0).setText("repainted")
    qtbot.waitUntil(lambda: calls != [])
    assert any(rect.intersects(table.visualRect(model.index(2, 0))) for rect in calls)
    image = table.viewport().grab().toImage()
    rect = table.visualRect(model.index(2, 0))
    colours = {image.pixel(x, rect.center().y()) for x in range(rect.left(), rect.right())}
    assert len(colours) > 1                    # text drawn in the cell, not an empty background
