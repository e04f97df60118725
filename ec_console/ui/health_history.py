"""The health history window (`healthHistoryDialog`, View › Health history…, or the status bar's link) and
the main window's "Last scheduled run" line.

- **Trend chart** (QtCharts, `historyChart`): linked / needs relink / failing profiles of the chosen
  application (`historyApplication`) over the monitor's runs, one series per status, the runs' times on a
  time axis in local time. The series differ by line style and point marker as well as colour (solid with
  circles, dashed with squares, dotted with triangles), so they read in light and dark themes and
  without colour.
- **Table** (`historyTable`) of the same runs, newest first, and **Export CSV / XLSX** of exactly those rows
  through `ec_console.history_export` on the task runner with a progress dialog.
- Reads run off the GUI thread, each with its own registry connection: the applications that have runs,
  then the chosen application's runs only (an indexed query; the whole history of many applications
  takes about a second to read, docs/benchmarks.md section 8).

`MonitorStatus` keeps the status bar's line (`monitorStatus`): "Last scheduled run: 03 Dec 06:00, 2
applications failing", "Monitor not installed", or "missed: last run 2 days ago", from the monitor's own
status logic (`ec-console monitor status`), read on a worker. It polls the history; when a new run appears
and `monitor.changes` finds a change against the run before it, a tray notification is shown
(QSystemTrayIcon, only where the platform has a tray).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QMargins,
    QModelIndex,
    QPointF,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ec_console.registry import HealthRow, parse_utc
from ec_console.ui.profiles_model import local_time
from ec_console.words import count

if TYPE_CHECKING:
    from ec_console.ui import operations as ops

MAX_ROWS = 50_000
SERIES = (("linked", "Linked", Qt.PenStyle.SolidLine),
          ("needs_relink", "Needs relink", Qt.PenStyle.DashLine),
          ("failing", "Failing", Qt.PenStyle.DotLine))
TABLE_HEADERS = ("Time", "Trigger", "Outcome", "Linked", "Needs relink", "Failing", "Leaks", "Diagnoses")
POLL_MS = 60_000
FIRST_READ_MS = 1_000        # after the window's first paint (the read imports the operations layer)
MAX_MARKED_RUNS = 200        # more runs than this: lines only (their styles still tell them apart)
_BAD = ("failed", "failing", "not_checked", "error")


def table_cells(row: HealthRow) -> list[str]:
    """One run's cells as the table shows them (figures as digits; leaks "unknown" when not told)."""
    return [local_time(row.run_at), row.trigger, row.outcome.replace("_", " "), str(row.linked),
            str(row.needs_relink), str(row.failing), "unknown" if row.leaks is None else str(row.leaks),
            " ".join(row.diagnoses)]


def _msecs(run_at: str) -> float:
    return parse_utc(run_at).timestamp() * 1000.0


def time_range(first: float, last: float) -> tuple[int, int, int]:
    """(start, end, ticks) of the time axis around runs at `first` .. `last` (ms): whole hours with at least
    an hour's margin, and a tick count that puts every tick on a whole hour (labels such as 06:00)."""
    hour = 3_600_000
    start = int(first // hour - 1) * hour
    end = int(-(-last // hour) + 1) * hour
    hours = (end - start) // hour
    for ticks in (7, 6, 5, 4, 3):
        if hours % (ticks - 1) == 0:
            return start, end, ticks
    end += hour                      # an odd number of hours that no count divides: one more makes it even
    return start, end, 3


class HistoryModel(QAbstractTableModel):
    """The chosen application's runs, newest first, as `table_cells` words them (read-only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cells: list[list[str]] = []

    def set_rows(self, rows: list[HealthRow]) -> None:
        self.beginResetModel()
        self.cells = [table_cells(r) for r in reversed(rows)]
        self.endResetModel()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's names
        return 0 if parent.isValid() else len(self.cells)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(TABLE_HEADERS)

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= index.column() <= 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return TABLE_HEADERS[section]
        return None


class HealthHistoryDialog(QDialog):
    def __init__(self, scope: ops.Scope, region_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtCharts import QChart, QChartView

        self.setObjectName("healthHistoryDialog")
        self.setWindowTitle(self.tr("Health history — %s") % region_label)
        self.scope = scope
        self.rows: list[HealthRow] = []
        self.loading: ops.Operation | None = None
        self.exporting: Any = None

        top = QHBoxLayout()
        label = QLabel(self.tr("&Application:"))
        self.application = QComboBox()
        self.application.setObjectName("historyApplication")
        self.application.setMinimumContentsLength(24)
        label.setBuddy(self.application)
        self.application.currentIndexChanged.connect(self._application_chosen)
        top.addWidget(label)
        top.addWidget(self.application, 1)

        self.chart = QChart()
        self.chart.setObjectName("historyTrend")
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("historyChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(260)
        self.chart_view.setAccessibleName(self.tr("Trend of linked, needs relink and failing profiles"))

        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        buttons = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("historyStatus")
        self.status.setWordWrap(True)
        self.csv_button = QPushButton(self.tr("Export &CSV…"))
        self.csv_button.setObjectName("historyExportCsv")
        self.csv_button.clicked.connect(lambda: self.ask_export("csv"))
        self.xlsx_button = QPushButton(self.tr("Export &XLSX…"))
        self.xlsx_button.setObjectName("historyExportXlsx")
        self.xlsx_button.clicked.connect(lambda: self.ask_export("xlsx"))
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.status, 1)
        for b in (self.csv_button, self.xlsx_button, close):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.chart_view, 3)
        layout.addWidget(self.table, 2)
        layout.addLayout(buttons)
        self.resize(900, 640)
        self.reload()

    # --- reading -----------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the applications that have runs, then the chosen one's runs (off the GUI thread)."""
        scope = self.scope
        chosen = self.application.currentData()

        def work() -> tuple[list[tuple[int, str]], int | None, list[HealthRow]]:
            with scope.open() as registry:
                apps = [(a.id, a.name) for a in registry.list_applications()
                        if registry.health_history(application_id=a.id, limit=1)]
                ids = [i for i, _ in apps]
                app_id = chosen if chosen in ids else (ids[0] if ids else None)
                rows = [] if app_id is None else registry.health_history(application_id=app_id,
                                                                         limit=MAX_ROWS)
            return apps, app_id, rows

        from ec_console.ui import operations as ops

        self.status.setText(self.tr("Reading the health history…"))
        self.loading = ops.run_read(self, work, on_done=self._loaded, on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.loading = None
        self.status.setText(message)

    def _loaded(self, answer: tuple[list[tuple[int, str]], int | None, list[HealthRow]]) -> None:
        apps, app_id, rows = answer
        self.loading = None
        self.application.blockSignals(True)
        self.application.clear()
        for i, name in apps:
            self.application.addItem(name, i)
        self.application.setCurrentIndex(max(0, self.application.findData(app_id)))
        self.application.blockSignals(False)
        self._rows_read(app_id, rows)

    @Slot()
    def _application_chosen(self, *_: Any) -> None:
        scope, app_id = self.scope, self.application.currentData()
        if app_id is None:
            return

        def work() -> list[HealthRow]:
            with scope.open() as registry:
                return registry.health_history(application_id=app_id, limit=MAX_ROWS)

        from ec_console.ui import operations as ops

        self.status.setText(self.tr("Reading the health history…"))
        self.loading = ops.run_read(self, work, on_done=lambda rows: self._rows_read(app_id, rows),
                                    on_error=self._failed)

    def _rows_read(self, app_id: int | None, rows: list[HealthRow]) -> None:
        if app_id != self.application.currentData():
            return                                    # another application was chosen meanwhile
        self.loading = None
        self.rows = rows
        self._show_application()

    def shown_rows(self) -> list[HealthRow]:
        """The chosen application's runs, oldest first (the chart's points; the table shows them newest
        first; an export writes them)."""
        return list(self.rows)

    @Slot()
    def _show_application(self, *_: Any) -> None:
        rows = self.shown_rows()
        self._fill_chart(rows)
        self.model.set_rows(rows)
        if self.application.count() == 0:
            self.status.setText(self.tr("No monitor run yet: install the monitor (ec-console monitor "
                                        "install) or run it once (ec-console monitor run)."))
        else:
            self.status.setText(count(len(rows), self.tr("run"), self.tr("runs")))
        self.csv_button.setEnabled(bool(rows))
        self.xlsx_button.setEnabled(bool(rows))

    def _fill_chart(self, rows: list[HealthRow]) -> None:
        from PySide6.QtCharts import QChart, QDateTimeAxis, QLegend, QLineSeries, QScatterSeries, QValueAxis

        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        dark = self.palette().window().color().lightness() < 128
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
        chart.setBackgroundBrush(self.palette().base())
        text = self.palette().text().color()
        chart.legend().setLabelColor(text)
        chart.legend().setMarkerShape(QLegend.MarkerShape.MarkerShapeFromSeries)   # circle, square, triangle
        chart.setTitle("")
        x_axis = QDateTimeAxis()
        x_axis.setFormat("dd MMM HH:mm")
        x_axis.setTitleText(self.tr("Run (local time)"))
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%d")
        y_axis.setTitleText(self.tr("Profiles"))
        for axis in (x_axis, y_axis):
            axis.setLabelsColor(text)
            axis.setTitleBrush(text)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        shape = QScatterSeries.MarkerShape
        markers = (shape.MarkerShapeCircle, shape.MarkerShapeRectangle, shape.MarkerShapeTriangle)
        colours = (("#2e7d32", "#81c784"), ("#b26a00", "#ffb74d"), ("#c62828", "#ef9a9a"))
        top = 0
        for (field, title, style), marker, colour in zip(SERIES, markers, colours, strict=True):
            line = QLineSeries()
            line.setName(self.tr(title))
            line.setObjectName(f"series_{field}")
            pen = QPen(QColor(colour[1] if dark else colour[0]))
            pen.setWidthF(2.2)
            pen.setStyle(style)
            line.setPen(pen)
            dots = QScatterSeries()
            dots.setObjectName(f"markers_{field}")
            dots.setMarkerShape(marker)
            dots.setMarkerSize(9.0)
            dots.setColor(pen.color())
            dots.setBorderColor(pen.color())
            # One replace() per series, not an append() per point: each void call of PySide6 6.12 loses a
            # reference to None (docs/benchmarks.md section 1), so the point count must not multiply them.
            points = [QPointF(_msecs(row.run_at), getattr(row, field)) for row in rows]
            line.replace(points)
            if len(points) <= MAX_MARKED_RUNS:      # markers beyond that are a smear, and slow to draw
                dots.replace(points)
            top = max([top, *(getattr(row, field) for row in rows)])
            for series in (line, dots):
                chart.addSeries(series)
                series.attachAxis(x_axis)
                series.attachAxis(y_axis)
            dots.setName(line.name())
            chart.legend().markers(line)[0].setVisible(False)    # the legend shows each series' marker shape
        y_axis.setRange(0, max(4, top + 1))
        y_axis.applyNiceNumbers()
        if rows:
            start, end, ticks = time_range(_msecs(rows[0].run_at), _msecs(rows[-1].run_at))
            x_axis.setRange(QDateTime.fromMSecsSinceEpoch(start), QDateTime.fromMSecsSinceEpoch(end))
            x_axis.setTickCount(ticks)

    # --- export ------------------------------------------------------------------------------------------
    def ask_export(self, kind: str) -> None:
        name = f"health-history.{kind}"
        pattern = self.tr("CSV files (*.csv)") if kind == "csv" else self.tr("Excel workbooks (*.xlsx)")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the health history"), name, pattern)
        if path:
            self.export(Path(path))

    def export(self, target: Path) -> Any:
        """Write the shown runs to `target` (.csv or .xlsx) on the task runner, with progress."""
        from ec_console import history_export
        from ec_console.paths import private_atomic_writer
        from ec_console.ui.tasks import run_in_background

        if target.suffix.lower() not in (".csv", ".xlsx"):
            self.status.setText(self.tr("Choose a file name ending in .csv or .xlsx"))
            return None
        rows = self.shown_rows()

        def work(ctx: Any) -> int:
            ctx.report(0, len(rows), "Writing")
            try:
                if target.suffix.lower() == ".csv":
                    with private_atomic_writer(target, text=True) as handle:
                        written = history_export.write_csv(rows, handle)
                else:
                    with private_atomic_writer(target) as handle:
                        written = history_export.write_xlsx(rows, handle)
            except OSError as exc:
                raise OSError(f"{target} cannot be written: {exc.strerror or exc}") from None
            ctx.report(written, len(rows), "Written")
            return written

        for b in (self.csv_button, self.xlsx_button):
            b.setEnabled(False)
        self.exporting = run_in_background(
            self, work, pool="interactive", progress=self.tr("Exporting the health history…"),
            on_success=lambda n: self._exported(n, target), on_failure=self._export_failed,
            on_cancelled=lambda: self._export_failed(None))
        return self.exporting

    def _exported(self, written: int, target: Path) -> None:
        self.exporting = None
        self._show_application()
        self.status.setText(self.tr("Exported %(n)s to %(path)s") % {
            "n": count(written, self.tr("run"), self.tr("runs")), "path": target})

    def _export_failed(self, exc: BaseException | None) -> None:
        self.exporting = None
        self._show_application()
        self.status.setText(self.tr("Nothing was exported: %s") % (exc or self.tr("cancelled")))


# --- the status bar line -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorState:
    installed: bool
    problems: tuple[str, ...]
    last_scheduled: str | None
    failing: int
    latest_run: str | None
    alerts: tuple[str, ...]           # the changes the newest run found against the one before it


def read_monitor_state(scope: ops.Scope, now: datetime | None = None) -> MonitorState:
    """The monitor's state for the status bar, through `monitor status`'s own logic (blocking: a worker)."""
    from ec_console import monitor
    from ec_console.commands.monitor import status_dict

    state = status_dict(scope.region_id, now=now)
    with scope.open() as registry:
        last = registry.latest_health_run(trigger="scheduled")
        latest = registry.latest_health_run()
        alerts: tuple[str, ...] = ()
        if latest:
            before = [r for r in registry.health_history(until=latest[0].run_at)
                      if r.run_id != latest[0].run_id and r.application_id is not None]
            previous_id = before[-1].run_id if before else None
            previous = [r for r in before if r.run_id == previous_id]
            alerts = tuple(a.text() for a in monitor.changes(previous, latest))
    failing = sum(1 for r in last if r.outcome in _BAD or r.leaks)
    return MonitorState(bool(state.get("installed")), tuple(state.get("problems", ())),
                        state.get("last_scheduled_run"), failing, latest[0].run_id if latest else None,
                        alerts)


def status_line(state: MonitorState, now: datetime | None = None) -> str:
    """"Last scheduled run: 03 Dec 06:00, 2 applications failing" / "Monitor not installed" / "Monitor:
    missed: last run 2 days ago"."""
    if not state.installed and not state.last_scheduled:
        return "Monitor not installed"
    now = now or datetime.now(UTC)
    missed = any("missed" in p or "no scheduled run has happened" in p for p in state.problems)
    if missed:
        if state.last_scheduled is None:
            return "Monitor: missed: no scheduled run yet"
        days = (now - parse_utc(state.last_scheduled)).total_seconds() / 86400
        ago = count(int(days), "day", "days") if days >= 1 else \
            count(int(days * 24), "hour", "hours")
        return f"Monitor: missed: last run {ago} ago"
    if state.last_scheduled is None:
        return "Monitor installed: no scheduled run yet"
    when = parse_utc(state.last_scheduled).astimezone()
    health = count(state.failing, "application", "applications") + " failing" if state.failing else \
        "all applications healthy"
    text = f"Last scheduled run: {when:%d %b %H:%M}, {health}"
    if not state.installed:
        text += " (monitor not installed)"
    return text


class MonitorStatus(QLabel):
    """The status bar's "Last scheduled run" link (opens the health history); polls the history and shows
    a tray notification when a new run found a change."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.setObjectName("monitorStatus")
        self.setAccessibleName(self.tr("Monitor"))
        self.setContentsMargins(6, 0, 6, 0)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.linkActivated.connect(lambda _link: window.open_health_history())
        self.window_ = window
        self.state: MonitorState | None = None
        self.seen_run: str | None = None
        self.seen_region: str | None = None
        self.tray: QSystemTrayIcon | None = None
        self.notified: list[tuple[str, str]] = []
        self.reading: ops.Operation | None = None
        self.pending = False                # a refresh asked for while one was reading: read again after it
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.started = False                # refreshes asked for before the first read are that read
        QTimer.singleShot(FIRST_READ_MS, self._start)

    @Slot()
    def _start(self) -> None:
        self.started = True
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        if not self.started or not self.window_.isVisible():   # a closed or hidden window reads nothing
            return
        if self.reading is not None:
            self.pending = True
            return
        from ec_console.ui import operations as ops

        scope = self.window_.operation_scope()
        self.reading = ops.run_read(self, lambda: (scope.region_id, read_monitor_state(scope)),
                                    on_done=self._read, on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.reading = None
        self.setText(self.tr("Monitor: %s") % message)
        self._again()

    def _again(self) -> None:
        if self.pending:
            self.pending = False
            self.refresh()

    def _read(self, answer: tuple[str, MonitorState]) -> None:
        region_id, state = answer
        self.reading = None
        first = self.state is None or region_id != self.seen_region   # a region just opened: not news
        self.state, self.seen_region = state, region_id
        import html

        self.setText(f"<a href='history'>{html.escape(status_line(state))}</a>")
        self.setToolTip("\n".join(state.problems) or self.tr("Open the health history"))
        if not first and state.latest_run and state.latest_run != self.seen_run and state.alerts:
            self.notify(self.tr("Enterprise Connect monitor: %s") % count(len(state.alerts), "change",
                                                                           "changes"),
                        "\n".join(state.alerts))
        self.seen_run = state.latest_run
        self._again()

    def notify(self, title: str, body: str) -> None:
        """A tray notification where the platform has a tray; nothing otherwise (the history keeps it)."""
        self.notified.append((title, body))
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.window_.windowIcon(), self)
            self.tray.setToolTip("Enterprise Connect console")
            self.tray.show()
        self.tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 15000)


__all__ = ["HealthHistoryDialog", "MonitorState", "MonitorStatus", "read_monitor_state", "status_line",
           "table_cells"]
