"""The health history window (`healthHistoryDialog`, View › Health history…, or the status bar's link) and
the main window's "Last scheduled run" line.

- **Trend chart** (QtCharts, `historyChart`): linked / needs relink / failing profiles of the chosen
  application (`historyApplication`) over the monitor's runs, one series per status, the runs' times on a
  time axis in local time. The series differ by line style and point marker as well as colour (solid with
  circles, dashed with squares, dotted with triangles), so they read in light and dark themes and
  without colour. Runs with a problem (`problem_run`) get a star. A history of more runs than the chart
  has pixel columns is thinned for the chart only (`prepare`, `thin`: each pixel column's lowest and
  highest point, every change of outcome and every problem run kept), on the worker that reads it, and
  again (`chart_points`, on a worker) when the chart is made much wider than it was thinned for.
- **Table** (`historyTable`) of the same runs, newest first, and **Export CSV / XLSX** of exactly those rows
  through `ec_console.history_export` on the task runner with a progress dialog.
- Reads run off the GUI thread, each with its own registry connection: the applications that have runs,
  then the chosen application's runs only (an indexed query; the whole history of many applications
  takes about a second to read, docs/benchmarks.md section 8), made ready there (`prepare`: the table's
  texts, its columns' longest texts, the chart's points).

`MonitorStatus` keeps the status bar's line (`monitorStatus`): "Last scheduled run: 03 Dec 06:00, 2
applications failing", "Monitor not installed", or "missed: last run 2 days ago", from the monitor's own
status logic in the core (`ec_console.monitor_status`, as `ec-console monitor status`), read on a worker.
It polls the history; when a new run appears and `monitor.changes` finds a change against the run before
it, a tray notification is shown (QSystemTrayIcon, only where the platform has a tray).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QEvent,
    QLocale,
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

from ec_console import i18n
from ec_console.phrases import shown
from ec_console.registry import HealthRow, parse_utc
from ec_console.ui.profiles_model import local_time
from ec_console.words import count

if TYPE_CHECKING:
    from ec_console.ui import operations as ops

MAX_ROWS = 50_000
# The texts below are English; they are translated where shown, in the context CONTEXT (docs/i18n.md).
CONTEXT = "HealthHistoryDialog"
SERIES = (("linked", QT_TRANSLATE_NOOP("HealthHistoryDialog", "Linked"), Qt.PenStyle.SolidLine),
          ("needs_relink", QT_TRANSLATE_NOOP("HealthHistoryDialog", "Needs relink"), Qt.PenStyle.DashLine),
          ("failing", QT_TRANSLATE_NOOP("HealthHistoryDialog", "Failing"), Qt.PenStyle.DotLine))
TABLE_HEADERS = (QT_TRANSLATE_NOOP("HealthHistoryDialog", "Time"),
                 QT_TRANSLATE_NOOP("HealthHistoryDialog", "Trigger"),
                 QT_TRANSLATE_NOOP("HealthHistoryDialog", "Outcome"),
                 QT_TRANSLATE_NOOP("HealthHistoryDialog", "Linked"),
                 QT_TRANSLATE_NOOP("HealthHistoryDialog", "Needs relink"),
                 QT_TRANSLATE_NOOP("HealthHistoryDialog", "Failing"),
                 QT_TRANSLATE_NOOP("HealthHistoryDialog", "Leaks"),
                 QT_TRANSLATE_NOOP("HealthHistoryDialog", "Diagnoses"))
# A run's trigger and outcome (the registry's codes) as the table words them: English shows the code's
# own words ("not_checked" -> "not checked"), another language its translation.
RUN_WORDS = frozenset({
    QT_TRANSLATE_NOOP("HealthHistoryDialog", "scheduled"), QT_TRANSLATE_NOOP("HealthHistoryDialog", "manual"),
    QT_TRANSLATE_NOOP("HealthHistoryDialog", "ok"), QT_TRANSLATE_NOOP("HealthHistoryDialog", "failing"),
    QT_TRANSLATE_NOOP("HealthHistoryDialog", "failed"),
    QT_TRANSLATE_NOOP("HealthHistoryDialog", "not checked"),
    QT_TRANSLATE_NOOP("HealthHistoryDialog", "skipped overlap"),
    QT_TRANSLATE_NOOP("HealthHistoryDialog", "keychain unavailable"),
    QT_TRANSLATE_NOOP("HealthHistoryDialog", "error"),
})
POLL_MS = 60_000
FIRST_READ_MS = 1_000        # after the window's first paint (the read imports the operations layer)
MAX_MARKED_RUNS = 200        # more runs than this: lines only (their styles still tell them apart)
PROBLEM_MARKER_SIZE = 13.0   # the star of a run with a problem (the other markers are smaller)
RETHIN_MS = 300              # a resize wider than the chart's points were thinned for: thin again after it
MIN_BUCKETS = 200            # the fewest time buckets a long history is thinned to (a very narrow chart)
WIDEST_TEXTS = 3             # per table column: how many of the longest texts are measured for its width
LONG_SPAN_MS = 180 * 86_400_000   # a chart spanning more than this labels its ticks with the year
_BAD = ("failed", "failing", "not_checked", "error")


def translated(text: str) -> str:
    """One of this module's English texts in the chosen language (safe off the GUI thread)."""
    return QCoreApplication.translate(CONTEXT, text)


def run_word(code: str) -> str:
    """A run's trigger or outcome code in words ("not_checked" -> "not checked"), translated."""
    words = code.replace("_", " ")
    return translated(words) if words in RUN_WORDS else words


def table_cells(row: HealthRow) -> list[str]:
    """One run's cells as the table shows them (figures as digits; leaks "unknown" when not told)."""
    unknown = QCoreApplication.translate("HealthHistoryDialog", "unknown")
    return [local_time(row.run_at), run_word(row.trigger), run_word(row.outcome), str(row.linked),
            str(row.needs_relink), str(row.failing), unknown if row.leaks is None else str(row.leaks),
            " ".join(row.diagnoses)]


def _msecs(run_at: str) -> float:
    return parse_utc(run_at).timestamp() * 1000.0


def problem_run(row: HealthRow) -> bool:
    """A run an administrator must see: the application failed or was not checked, profiles failing, or a
    leak (an account outside the scope reachable)."""
    return row.outcome in _BAD or row.failing > 0 or bool(row.leaks)


def thin(xs: list[float], ys: list[int], buckets: int, keep: set[int]) -> list[int]:
    """The indices of the points to draw of one series with more points than `buckets` time buckets (about
    one per pixel column): in each bucket its lowest and its highest point, in time order, plus the first
    and the last run and every index in `keep`. Every peak and every dip stays a vertex, so the line covers
    the same pixels as the whole series; runs between them, on the same pixel column, are left out."""
    if len(xs) <= max(buckets, 2):
        return list(range(len(xs)))
    first, span = xs[0], (xs[-1] - xs[0]) or 1.0
    chosen = set(keep) | {0, len(xs) - 1}
    low: dict[int, int] = {}
    high: dict[int, int] = {}
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        b = min(buckets - 1, int((x - first) * buckets / span))
        if b not in low or y < ys[low[b]]:
            low[b] = i
        if b not in high or y > ys[high[b]]:
            high[b] = i
    chosen.update(low.values())
    chosen.update(high.values())
    return sorted(chosen)


@dataclass(frozen=True)
class Prepared:
    """One application's runs made ready for the window off the GUI thread: every run for the table and
    the exports, the chart's points thinned to the chart's width (`prepare`)."""

    rows: list[HealthRow]                                 # every run, oldest first (the table, the exports)
    cells: list[list[str]]                                # the table's texts, newest first
    widest: list[list[str]]                               # per column, its longest texts (for its width)
    points: dict[str, list[tuple[float, float]]]          # per status, the chart's points (time ms, count)
    problems: list[tuple[float, float]]                   # a marker per run with a problem (see `prepare`)
    thinned: bool                                         # fewer points than runs in the chart's lines
    buckets: int = MIN_BUCKETS                            # the pixel columns the points were thinned for


def prepare(rows: list[HealthRow], buckets: int) -> Prepared:
    """The table's texts and the chart's points for `rows` (oldest first), for a chart about `buckets`
    pixels wide. Plain Python: runs on a worker.

    - The table and the exports keep every run.
    - A history of more runs than `buckets` is thinned for the chart (`thin`): each status line keeps its
      lowest and highest point of each pixel column, plus, in every line, each run whose outcome differs
      from the run before it and each run with a problem.
    - A problem run (`problem_run`: failed, failing profiles, a leak) gets a marker at its failing count,
      the first of each stretch of them and then at most one per pixel column, so a single bad run among
      thousands of good ones is still drawn."""
    cells = [table_cells(r) for r in reversed(rows)]
    widest = [sorted({c[col] for c in cells}, key=len, reverse=True)[:WIDEST_TEXTS]
              for col in range(len(TABLE_HEADERS))]
    return Prepared(list(rows), cells, widest, *chart_points(rows, buckets))


def chart_points(rows: list[HealthRow], buckets: int) -> tuple[dict[str, list[tuple[float, float]]],
                                                                list[tuple[float, float]], bool, int]:
    """The chart's part of `prepare`: each line's points, the problem markers, whether thinned, and the
    bucket count used."""
    xs = [_msecs(r.run_at) for r in rows]
    buckets = max(MIN_BUCKETS, buckets)
    span = (xs[-1] - xs[0]) if xs else 0.0
    span = span or 1.0

    def bucket(i: int) -> int:
        return min(buckets - 1, int((xs[i] - xs[0]) * buckets / span))

    problems: list[int] = []
    changes: set[int] = set()
    for i, row in enumerate(rows):
        if i and row.outcome != rows[i - 1].outcome:
            changes.add(i)
        if problem_run(row):
            starts = i == 0 or not problem_run(rows[i - 1])
            if starts or not problems or bucket(problems[-1]) != bucket(i):
                problems.append(i)
    keep = changes | set(problems)
    points: dict[str, list[tuple[float, float]]] = {}
    thinned = False
    for field, _title, _style in SERIES:
        ys = [getattr(r, field) for r in rows]
        chosen = thin(xs, ys, buckets, keep)
        thinned = thinned or len(chosen) < len(rows)
        points[field] = [(xs[i], float(ys[i])) for i in chosen]
    return points, [(xs[i], float(rows[i].failing)) for i in problems], thinned, buckets


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
        self.set_cells([table_cells(r) for r in reversed(rows)])

    def set_cells(self, cells: list[list[str]]) -> None:
        self.beginResetModel()
        self.cells = cells
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
            return translated(TABLE_HEADERS[section])
        return None


class HealthHistoryDialog(QDialog):
    def __init__(self, scope: ops.Scope, region_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtCharts import QChart, QChartView

        self.setObjectName("healthHistoryDialog")
        self.setWindowTitle(self.tr("Health history — %s") % region_label)
        self.scope = scope
        self.rows: list[HealthRow] = []
        self.prepared = prepare([], 1)
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
        # The profile counts' span (0 .. the nice top) and the value axis showing it with room for a whole
        # marker below 0 and above the top (`_pad_value_axis`, again whenever the plot area changes).
        self.value_span = (0.0, 4.0)
        self.value_axis: Any = None
        self.chart.plotAreaChanged.connect(lambda _area: self._pad_value_axis())
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("historyChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(260)
        self.chart_view.setAccessibleName(self.tr("Trend of linked, needs relink and failing profiles"))
        self.rethinning: ops.Operation | None = None
        self.rethin_timer = QTimer(self)          # a wider chart than the points were thinned for: again
        self.rethin_timer.setSingleShot(True)
        self.rethin_timer.setInterval(RETHIN_MS)
        self.rethin_timer.timeout.connect(self._rethin)
        self.chart_view.installEventFilter(self)

        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setAccessibleName(self.tr("Checks run, newest first"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        # Column widths come from each column's longest texts (`_fit_columns`), not ResizeToContents, which
        # asks the model for a thousand rows' texts per column on the GUI thread.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
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

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        if watched is self.chart_view and event.type() == QEvent.Type.Resize and self.prepared.thinned \
                and self.chart_view.width() > self.prepared.buckets * 1.25:
            self.rethin_timer.start()
        return super().eventFilter(watched, event)

    @Slot()
    def _rethin(self) -> None:
        """Thin the shown runs again for the chart's new, wider width (on a worker); the table is kept."""
        if self.loading is not None or self.rethinning is not None:
            self.rethin_timer.start()             # after the read or the thinning under way
            return
        prepared, buckets = self.prepared, self._buckets()
        if not prepared.thinned or buckets <= prepared.buckets * 1.25:
            return
        from ec_console.ui import operations as ops

        def done(answer: Any) -> None:
            self.rethinning = None
            if self.prepared is prepared:         # still the same runs: another read replaced nothing
                self.prepared = replace(prepared, **dict(zip(("points", "problems", "thinned", "buckets"),
                                                             answer, strict=True)))
                self._fill_chart(self.prepared)

        def failed(message: str) -> None:
            self.rethinning = None

        self.rethinning = ops.run_read(self, lambda: chart_points(prepared.rows, buckets), on_done=done,
                                       on_error=failed)

    # --- reading -----------------------------------------------------------------------------------------
    def _buckets(self) -> int:
        """About how many pixel columns the chart's lines get (its width, before it is first shown the
        window's): a longer history is thinned to that many buckets."""
        return self.chart_view.width() if self.chart_view.isVisible() else self.width()

    def reload(self) -> None:
        """Read the applications that have runs, then the chosen one's runs (off the GUI thread)."""
        scope = self.scope
        chosen = self.application.currentData()
        buckets = self._buckets()

        def work() -> tuple[list[tuple[int, str]], int | None, Prepared]:
            with scope.open() as registry:
                apps = [(a.id, a.name) for a in registry.list_applications()
                        if registry.health_history(application_id=a.id, limit=1)]
                ids = [i for i, _ in apps]
                app_id = chosen if chosen in ids else (ids[0] if ids else None)
                rows = [] if app_id is None else registry.health_history(application_id=app_id,
                                                                         limit=MAX_ROWS)
            return apps, app_id, prepare(rows, buckets)

        from ec_console.ui import operations as ops

        self.status.setText(self.tr("Reading the health history…"))
        self.loading = ops.run_read(self, work, on_done=self._loaded, on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.loading = None
        self.status.setText(message)

    def _loaded(self, answer: tuple[list[tuple[int, str]], int | None, Prepared]) -> None:
        apps, app_id, prepared = answer
        self.loading = None
        self.application.blockSignals(True)
        self.application.clear()
        for i, name in apps:
            self.application.addItem(name, i)
        self.application.setCurrentIndex(max(0, self.application.findData(app_id)))
        self.application.blockSignals(False)
        self._rows_read(app_id, prepared)

    @Slot()
    def _application_chosen(self, *_: Any) -> None:
        scope, app_id, buckets = self.scope, self.application.currentData(), self._buckets()
        if app_id is None:
            return

        def work() -> Prepared:
            with scope.open() as registry:
                return prepare(registry.health_history(application_id=app_id, limit=MAX_ROWS), buckets)

        from ec_console.ui import operations as ops

        self.status.setText(self.tr("Reading the health history…"))
        self.loading = ops.run_read(self, work, on_done=lambda rows: self._rows_read(app_id, rows),
                                    on_error=self._failed)

    def _rows_read(self, app_id: int | None, prepared: Prepared) -> None:
        if app_id != self.application.currentData():
            return                                    # another application was chosen meanwhile
        self.loading = None
        self.prepared = prepared
        self.rows = prepared.rows
        self._show_application()

    def shown_rows(self) -> list[HealthRow]:
        """The chosen application's runs, every one, oldest first (the table shows them newest first; an
        export writes them; the chart draws them, thinned when there are more than its pixel columns)."""
        return list(self.rows)

    @Slot()
    def _show_application(self, *_: Any) -> None:
        rows = self.shown_rows()
        self._fill_chart(self.prepared)
        self.model.set_cells(self.prepared.cells)
        self._fit_columns(self.prepared.widest)
        if self.application.count() == 0:
            self.status.setText(self.tr("No monitor run yet: install the monitor (ec-console monitor "
                                        "install) or run it once (ec-console monitor run)."))
        else:
            self.status.setText(count(len(rows), self.tr("run"), self.tr("runs")))
        self.csv_button.setEnabled(bool(rows))
        self.xlsx_button.setEnabled(bool(rows))

    def _fit_columns(self, widest: list[list[str]]) -> None:
        """Each column as wide as its header or its longest text, whichever is wider (the user may still
        resize them; the last one stretches)."""
        cell, head = self.table.fontMetrics(), self.table.horizontalHeader().fontMetrics()
        for col, title in enumerate(translated(t) for t in TABLE_HEADERS[:-1]):
            texts = widest[col] if col < len(widest) else []
            width = max([head.horizontalAdvance(title) + 20,
                         *(cell.horizontalAdvance(t) + 14 for t in texts)])
            self.table.setColumnWidth(col, width)

    @staticmethod
    def _tick_format(*, year: bool) -> str:
        """The chart's tick labels: "03 Dec 06:00" / "03 Dec 2026" in English, the language's own numeric
        day and month otherwise ("03.12. 06:00" / "03.12.2026")."""
        if i18n.current_language() == i18n.SOURCE_LANGUAGE:
            return "dd MMM yyyy" if year else "dd MMM HH:mm"
        return "dd.MM.yyyy" if year else "dd.MM. HH:mm"

    def _fill_chart(self, prepared: Prepared) -> None:
        from PySide6.QtCharts import QChart, QDateTimeAxis, QLegend, QLineSeries, QScatterSeries, QValueAxis

        rows = prepared.rows
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
        x_axis.setFormat(self._tick_format(year=False))
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
            line.setName(translated(title))
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
            # One replace() per series, not an append() per point (one call into Qt per series).
            points = [QPointF(x, y) for x, y in prepared.points[field]]
            line.replace(points)
            if len(rows) <= MAX_MARKED_RUNS:        # markers beyond that are a smear, and slow to draw
                dots.replace(points)
            top = max([top, *(int(y) for _x, y in prepared.points[field])])
            for series in (line, dots):
                chart.addSeries(series)
                series.attachAxis(x_axis)
                series.attachAxis(y_axis)
            dots.setName(line.name())
            chart.legend().markers(line)[0].setVisible(False)    # the legend shows each series' marker shape
        problems = QScatterSeries()
        problems.setObjectName("markers_problem")
        problems.setName(self.tr("Run with a problem"))
        problems.setMarkerShape(shape.MarkerShapeStar)
        problems.setMarkerSize(PROBLEM_MARKER_SIZE)
        problems.setColor(QColor(colours[2][1] if dark else colours[2][0]))
        problems.setBorderColor(self.palette().text().color())
        problems.replace([QPointF(x, y) for x, y in prepared.problems])
        chart.addSeries(problems)
        problems.attachAxis(x_axis)
        problems.attachAxis(y_axis)
        chart.legend().markers(problems)[0].setVisible(bool(prepared.problems))
        y_axis.setRange(0, max(4, top + 1))
        y_axis.applyNiceNumbers()
        # Ticks stay on the nice numbers from 0 (0, 20, 40 …) while the axis reaches a little past them, so
        # a marker at 0 (a problem run with no failing profile) or at the top is drawn whole, not cut in
        # half by the plot's edge.
        self.value_span = (0.0, y_axis.max())
        y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        y_axis.setTickAnchor(0.0)
        y_axis.setTickInterval(y_axis.max() / max(y_axis.tickCount() - 1, 1))
        self.value_axis = y_axis
        self._pad_value_axis()
        if rows:
            start, end, ticks = time_range(_msecs(rows[0].run_at), _msecs(rows[-1].run_at))
            x_axis.setRange(QDateTime.fromMSecsSinceEpoch(start), QDateTime.fromMSecsSinceEpoch(end))
            x_axis.setTickCount(ticks)
            if end - start > LONG_SPAN_MS:        # months apart: the year tells the ticks apart, not the hour
                x_axis.setFormat(self._tick_format(year=True))

    def _pad_value_axis(self) -> None:
        """Widen the value axis beyond its span by half the largest marker (and a pixel or two) at each end,
        in the plot's present height."""
        axis = self.value_axis
        height = self.chart.plotArea().height()
        if axis is None or height <= 0:
            return
        low, high = self.value_span
        room = PROBLEM_MARKER_SIZE / 2 + 2                       # pixels beyond the span, at each end
        pad = room * (high - low) / max(height - 2 * room, 1.0)  # in counts: the padded range spans height
        if abs(axis.min() - (low - pad)) > 1e-9 or abs(axis.max() - (high + pad)) > 1e-9:
            axis.setRange(low - pad, high + pad)

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
                raise OSError(QCoreApplication.translate("HealthHistoryDialog", "%s cannot be written: %s")
                          % (target, exc.strerror or exc)) from None
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
    """The monitor's state for the status bar, through `monitor status`'s own logic in the core
    (`ec_console.monitor_status`; blocking: a worker)."""
    from ec_console import monitor
    from ec_console.monitor_status import status_dict

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
    missed: last run 2 days ago" (German: "Letzte geplante Ausführung: 03.12. 06:00, ...")."""
    if not state.installed and not state.last_scheduled:
        return QCoreApplication.translate("MonitorStatus", "Monitor not installed")
    now = now or datetime.now(UTC)
    # matched in the core's problem texts (monitor_status): they must keep these words when translated
    missed = any("missed" in p or "no scheduled run has happened" in p for p in state.problems)
    if missed:
        if state.last_scheduled is None:
            return QCoreApplication.translate("MonitorStatus", "Monitor: missed: no scheduled run yet")
        days = (now - parse_utc(state.last_scheduled)).total_seconds() / 86400
        n = int(days) if days >= 1 else int(days * 24)
        if days >= 1 and n == 1:
            text = QCoreApplication.translate("MonitorStatus", "Monitor: missed: last run %s day ago")
        elif days >= 1:
            text = QCoreApplication.translate("MonitorStatus", "Monitor: missed: last run %s days ago")
        elif n == 1:
            text = QCoreApplication.translate("MonitorStatus", "Monitor: missed: last run %s hour ago")
        else:
            text = QCoreApplication.translate("MonitorStatus", "Monitor: missed: last run %s hours ago")
        return text % i18n.format_number(n)
    if state.last_scheduled is None:
        return QCoreApplication.translate("MonitorStatus", "Monitor installed: no scheduled run yet")
    when = parse_utc(state.last_scheduled).astimezone()
    if not state.failing:
        health = QCoreApplication.translate("MonitorStatus", "all applications healthy")
    elif state.failing == 1:
        health = QCoreApplication.translate("MonitorStatus", "%s application failing") % i18n.format_number(1)
    else:
        health = QCoreApplication.translate("MonitorStatus", "%s applications failing") % i18n.format_number(
            state.failing)
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        shown = f"{when:%d %b %H:%M}"
    else:
        shown = QLocale().toString(QDateTime.fromSecsSinceEpoch(int(when.timestamp())), "dd.MM. HH:mm")
    text = QCoreApplication.translate("MonitorStatus", "Last scheduled run: %(when)s, %(health)s") % {
        "when": shown, "health": health}
    if not state.installed:
        text += QCoreApplication.translate("MonitorStatus", " (monitor not installed)")
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
        # problems are English phrases (monitor status --json): shown in the window's language
        self.setToolTip("\n".join(shown(p) for p in state.problems) or self.tr("Open the health history"))
        if not first and state.latest_run and state.latest_run != self.seen_run and state.alerts:
            n = len(state.alerts)
            changes = (self.tr("%s change") if n == 1 else self.tr("%s changes")) % i18n.format_number(n)
            self.notify(self.tr("Enterprise Connect monitor: %s") % changes, "\n".join(state.alerts))
        self.seen_run = state.latest_run
        self._again()

    def notify(self, title: str, body: str) -> None:
        """A tray notification where the platform has a tray; nothing otherwise (the history keeps it)."""
        self.notified.append((title, body))
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.window_.windowIcon(), self)
            self.tray.setToolTip(self.tr("Enterprise Connect console"))
            self.tray.show()
        self.tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 15000)


__all__ = ["HealthHistoryDialog", "MonitorState", "MonitorStatus", "read_monitor_state", "status_line",
           "table_cells"]
