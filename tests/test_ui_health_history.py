"""The health history window (View › Health history…, ui/health_history.py): the trend chart's series are the
registry's runs of the chosen application, the table and the CSV / XLSX exports carry the same figures, and
the status bar's "Last scheduled run" line for a monitor installed, not installed, and missing its runs."""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog, QMenu
from test_ui_dashboard_support import open_window  # noqa: F401 - fixture

from ec_console.registry import HealthRow, Registry, parse_utc, utc_text
from ec_console.ui.health_history import HealthHistoryDialog, prepare, thin
from ec_console.ui.profiles_model import local_time
from ec_console.ui.screenshots import seed_health_history


def _open(qtbot, window) -> HealthHistoryDialog:
    view = window.findChild(QMenu, "viewMenu")
    [action] = [a for a in view.actions() if a.objectName() == "healthHistoryAction"]
    action.trigger()
    dialog = window.findChild(HealthHistoryDialog, "healthHistoryDialog")
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.loading is None and bool(dialog.rows))
    return dialog


def _points(dialog, field):
    [series] = [s for s in dialog.chart.series() if s.objectName() == f"series_{field}"]
    return [(p.x(), p.y()) for p in series.points()]


def _expected(application_id, field):
    with Registry.for_region("us") as registry:
        rows = registry.health_history(application_id=application_id)
    return [(parse_utc(r.run_at).timestamp() * 1000, float(getattr(r, field))) for r in rows]


def _table(dialog):
    m = dialog.table.model()
    return [[m.data(m.index(r, c)) for c in range(m.columnCount())] for r in range(m.rowCount())]


def _app_ids():
    with Registry.for_region("us") as registry:
        return {a.name: a.id for a in registry.list_applications()}


def test_the_chart_has_one_series_per_status_with_the_runs_of_the_chosen_application(qtbot, open_window):  # noqa: F811
    with Registry.for_region("us") as registry:
        seed_health_history(registry)
    ids = _app_ids()
    window = open_window("us")
    dialog = _open(qtbot, window)
    assert dialog.application.currentText() == "Contoso calendars"
    lines = sorted(s.objectName() for s in dialog.chart.series() if s.objectName().startswith("series_"))
    assert lines == ["series_failing", "series_linked", "series_needs_relink"]
    for field in ("linked", "needs_relink", "failing"):
        assert _points(dialog, field) == _expected(ids["Contoso calendars"], field)
    # Not colour alone: the three lines are drawn in three different styles.
    styles = {s.pen().style() for s in dialog.chart.series() if s.objectName().startswith("series_")}
    assert len(styles) == 3
    assert any(p[1] > 0 for p in _points(dialog, "needs_relink"))

    qtbot.keyClick(dialog.application, Qt.Key.Key_Down)          # choose the other application
    assert dialog.application.currentText() == "Room booking (Contoso)"
    qtbot.waitUntil(lambda: dialog.loading is None
                    and {r.application_id for r in dialog.rows} == {ids["Room booking (Contoso)"]})
    for field in ("linked", "needs_relink", "failing"):
        assert _points(dialog, field) == _expected(ids["Room booking (Contoso)"], field)
    with Registry.for_region("us") as registry:
        rooms = registry.health_history(application_id=ids["Room booking (Contoso)"])
    assert _table(dialog)[0][0] == local_time(rooms[-1].run_at)       # newest first
    assert len(_table(dialog)) == len(rooms)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_figure_of_the_export_equals_the_table(qtbot, open_window, tmp_path, monkeypatch, kind):  # noqa: F811
    with Registry.for_region("us") as registry:
        seed_health_history(registry)
    window = open_window("us")
    dialog = _open(qtbot, window)
    target = tmp_path / f"history.{kind}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), kind))
    button = dialog.csv_button if kind == "csv" else dialog.xlsx_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.exporting is None and "Exported" in dialog.status.text())
    if kind == "csv":
        with target.open(encoding="utf-8-sig", newline="") as handle:
            exported = list(csv.DictReader(handle))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(target, read_only=True).active
        header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
        exported = [dict(zip(header, ["" if v is None else str(v) for v in r], strict=True)) for r in body]
    shown = _table(dialog)
    assert len(exported) == len(shown) > 0
    # The table is newest first, the file oldest first.
    for row, cells in zip(reversed(exported), shown, strict=True):
        assert [local_time(row["run_at"]), row["trigger"], row["outcome"].replace("_", " "), row["linked"],
                row["needs_relink"], row["failing"], row["leaks"] or "unknown", row["diagnoses"]] == cells
        assert row["application"] == dialog.application.currentText()


def test_a_single_failing_run_among_3000_ok_runs_is_still_drawn(qtbot, open_window, tmp_path, monkeypatch):  # noqa: F811
    """The chart of a long history is thinned to its width; a lone bad run still has its point on the failing
    line and its marker, drawn on screen, while the table and the export keep every run."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    bad = 1717
    with Registry.for_region("us") as registry:
        app = registry.add_application("Contoso calendars", "exchange", "contoso.com")
        registry.record_health([
            HealthRow(f"run-{i}", utc_text(start + timedelta(hours=6 * i)), app.id, app.name, "scheduled",
                      "failing" if i == bad else "ok", linked=5, failing=1 if i == bad else 0, leaks=0)
            for i in range(3001)])
    window = open_window("us")
    dialog = _open(qtbot, window)
    bad_at = (start + timedelta(hours=6 * bad)).timestamp() * 1000
    failing = _points(dialog, "failing")
    assert len(failing) < 3001 // 2                                    # thinned...
    assert (bad_at, 1.0) in failing                                    # ...but the bad run is a vertex
    assert [p[1] for p in failing].count(1.0) == 1
    [stars] = [s for s in dialog.chart.series() if s.objectName() == "markers_problem"]
    assert [(p.x(), p.y()) for p in stars.points()] == [(bad_at, 1.0)]
    assert len(_table(dialog)) == 3001 and dialog.status.text() == "3,001 runs"

    # On screen: the marker's colour at the bad run's place, and not at an ok run's place at the same height.
    dialog.resize(900, 640)
    qtbot.waitUntil(lambda: dialog.chart.plotArea().width() > 300)
    image = dialog.chart_view.grab().toImage()
    ratio = image.devicePixelRatio()

    def colour_at(x_ms):
        scene = dialog.chart.mapToPosition(QPointF(x_ms, 1.0), stars)
        where = dialog.chart_view.mapFromScene(scene)
        return image.pixelColor(int(where.x() * ratio), int(where.y() * ratio))

    star = stars.color()
    assert colour_at(bad_at) == star
    assert colour_at((start + timedelta(hours=6 * 400)).timestamp() * 1000) != star

    # A much wider window: the runs are thinned again for its width (finer), the bad run still drawn.
    before = dialog.prepared.buckets
    dialog.resize(1900, 640)
    qtbot.waitUntil(lambda: dialog.prepared.buckets > before * 1.5 and dialog.rethinning is None)
    assert len(failing) < len(_points(dialog, "failing")) < 3001
    assert (bad_at, 1.0) in _points(dialog, "failing") and len(_table(dialog)) == 3001
    [stars] = [s for s in dialog.chart.series() if s.objectName() == "markers_problem"]
    assert [(p.x(), p.y()) for p in stars.points()] == [(bad_at, 1.0)]

    target = tmp_path / "history.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "csv"))
    qtbot.mouseClick(dialog.csv_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.exporting is None and "Exported" in dialog.status.text())
    with target.open(encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == 3001 and [r["failing"] for r in exported].count("1") == 1


def test_every_marker_is_drawn_whole_inside_the_plot_even_at_0_and_at_the_top(qtbot, open_window):  # noqa: F811
    """A run with a problem but no failing profile (a leak) has its star at 0: the whole star lies above
    the plot's bottom edge, not half under it; the highest point's marker lies below the top edge; the
    counts' ticks still start at 0."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    leak_run = 3
    with Registry.for_region("us") as registry:
        app = registry.add_application("Contoso calendars", "exchange", "contoso.com")
        registry.record_health([
            HealthRow(f"run-{i}", utc_text(start + timedelta(hours=6 * i)), app.id, app.name, "scheduled",
                      "failing" if i == leak_run else "ok", linked=36 + 4 * (i == 7), failing=0,
                      leaks=1 if i == leak_run else 0)
            for i in range(8)])                        # 40 linked at most: the nice top, exactly
    window = open_window("us")
    dialog = _open(qtbot, window)
    for height in (640, 420, 900):                     # whatever the plot's height
        dialog.resize(900, height)
        qtbot.waitUntil(lambda h=height: abs(dialog.height() - h) < 2
                        and dialog.chart.plotArea().height() > 50)
        qtbot.wait(20)
        plot = dialog.chart.plotArea()
        [stars] = [s for s in dialog.chart.series() if s.objectName() == "markers_problem"]
        assert [(p.x(), p.y()) for p in stars.points()] == [
            ((start + timedelta(hours=6 * leak_run)).timestamp() * 1000, 0.0)]
        star = dialog.chart.mapToPosition(stars.points()[0], stars)
        half = stars.markerSize() / 2
        assert plot.top() <= star.y() - half and star.y() + half <= plot.bottom(), (height, star, plot)
        [linked] = [s for s in dialog.chart.series() if s.objectName() == "markers_linked"]
        highest = max(linked.points(), key=lambda p: p.y())
        assert highest.y() == 40.0
        top = dialog.chart.mapToPosition(highest, linked)
        assert plot.top() <= top.y() - linked.markerSize() / 2, (height, top, plot)
        axis = dialog.value_axis
        assert axis.min() < 0 < axis.max() and axis.max() > 40
        ticks = [axis.tickAnchor() + k * axis.tickInterval() for k in range(-3, 12)]
        assert [t for t in ticks if axis.min() <= t <= axis.max()][0] == 0     # the lowest tick says 0


def test_thinning_keeps_each_pixel_columns_lowest_and_highest_point_and_the_runs_it_is_told_to():
    rng = random.Random(14)
    xs = [float(i * 21_600_000 + (i // 500) * 86_400_000) for i in range(3000)]   # 6-hourly, some gaps
    ys = [rng.choice((0, 0, 0, 0, 1, 2, 7)) + (i // 700) for i in range(3000)]
    keep = {5, 1234, 2998}
    chosen = thin(xs, ys, 200, keep)
    assert chosen == sorted(set(chosen)) and {0, 2999} | keep <= set(chosen)
    assert len(chosen) <= 2 * 200 + len(keep) + 2
    width = (xs[-1] - xs[0]) / 200
    columns: dict[int, list[int]] = {}
    for i, x in enumerate(xs):
        columns.setdefault(min(199, int((x - xs[0]) / width)), []).append(i)
    for members in columns.values():
        drawn = [ys[i] for i in members if i in set(chosen)]
        assert min(drawn) == min(ys[i] for i in members) and max(drawn) == max(ys[i] for i in members)
    assert thin(xs[:150], ys[:150], 200, set()) == list(range(150))            # fewer runs than columns


def test_every_problem_run_stretch_is_marked_and_outcome_changes_stay_points():
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def row(i, outcome="ok", failing=0, leaks=0):
        return HealthRow(f"r{i}", utc_text(start + timedelta(hours=6 * i)), 1, "A", "scheduled", outcome,
                         linked=10, failing=failing, leaks=leaks)

    rows = [row(i) for i in range(3000)]
    rows[100] = row(100, "failed")                         # the application failed: every count unchanged
    rows[900] = row(900, "failing", leaks=1)               # a leak only
    for i in range(2000, 2300):                            # a long failing stretch
        rows[i] = row(i, "failing", failing=2)
    prepared = prepare(rows, 300)
    at = {parse_utc(r.run_at).timestamp() * 1000: i for i, r in enumerate(rows)}
    marked = [at[x] for x, _y in prepared.problems]
    assert marked[:3] == [100, 900, 2000]              # each stretch of problem runs is marked from its start
    # ...and then once per pixel column it spans (300 of 3,000 runs on 300 columns: about 30), not per run
    stretch = marked[2:]
    assert all(2000 <= i < 2300 for i in stretch) and 25 <= len(stretch) <= 31
    assert [y for x, y in prepared.problems[:3]] == [0.0, 0.0, 2.0]     # drawn at the run's failing count
    assert prepared.thinned and len(prepared.cells) == 3000
    linked = {x for x, _y in prepared.points["linked"]}
    for i in (100, 101, 900, 901, 2000, 2300):             # each change of outcome is a point of every line
        assert parse_utc(rows[i].run_at).timestamp() * 1000 in linked


# --- the status bar line ---------------------------------------------------------------------------------


def _record(registry, run_at, outcomes, *, trigger="scheduled", run="r"):
    apps = {a.name: a for a in registry.list_applications()}
    registry.record_health([HealthRow(run, run_at, apps[name].id, name, trigger, outcome, linked=3,
                                      failing=1 if outcome == "failing" else 0)
                            for name, outcome in outcomes.items()])


def _install(monkeypatch, installed_at, region_id="us"):
    from ec_console import monitor_status

    class Installed:
        def installed(self, region_id):
            return True

    settings = {"region": region_id, "every_seconds": 6 * 3600, "scheduler": "systemd",
                "command": ["/bin/sh"], "notify": [], "installed_at": installed_at}
    monitor_status.settings_path(region_id).parent.mkdir(parents=True, exist_ok=True)
    monitor_status.settings_path(region_id).write_text(json.dumps(settings))
    monkeypatch.setattr(monitor_status, "scheduler_for", lambda kind: Installed())


def _status(qtbot, window):
    label = window.monitor_status
    qtbot.waitUntil(lambda: label.state is not None and label.reading is None)
    return label.text()


def test_status_bar_says_when_the_monitor_is_not_installed(qtbot, open_window):  # noqa: F811
    window = open_window("us")
    assert "Monitor not installed" in _status(qtbot, window)


def test_status_bar_shows_the_last_scheduled_run_and_the_failing_applications(qtbot, open_window,  # noqa: F811
                                                                             monkeypatch):
    now = datetime.now(UTC).replace(microsecond=0)
    with Registry.for_region("us") as registry:
        for name in ("A", "B", "C"):
            registry.add_application(name, "exchange", "contoso.example")
        _record(registry, utc_text(now - timedelta(hours=1)), {"A": "failing", "B": "failed", "C": "ok"})
    _install(monkeypatch, utc_text(now - timedelta(days=3)))
    window = open_window("us")
    when = (now - timedelta(hours=1)).astimezone()
    assert f"Last scheduled run: {when:%d %b %H:%M}, 2 applications failing" in _status(qtbot, window)


def test_status_bar_says_runs_were_missed(qtbot, open_window, monkeypatch):  # noqa: F811
    now = datetime.now(UTC).replace(microsecond=0)
    with Registry.for_region("us") as registry:
        registry.add_application("A", "exchange", "contoso.example")
        _record(registry, utc_text(now - timedelta(days=2, hours=1)), {"A": "ok"})
    _install(monkeypatch, utc_text(now - timedelta(days=5)))
    window = open_window("us")
    text = _status(qtbot, window)
    assert "missed: last run 2 days ago" in text
    assert "runs were missed" in window.monitor_status.toolTip()


def test_a_new_run_with_a_change_is_notified_once(qtbot, open_window):  # noqa: F811
    now = datetime.now(UTC).replace(microsecond=0)
    with Registry.for_region("us") as registry:
        registry.add_application("A", "exchange", "contoso.example")
        _record(registry, utc_text(now - timedelta(hours=2)), {"A": "ok"}, run="r1")
    window = open_window("us")
    label = window.monitor_status
    _status(qtbot, window)
    assert label.notified == []                                   # what was there at start is not news
    with Registry.for_region("us") as registry:               # the scheduled job runs: A fails
        _record(registry, utc_text(now - timedelta(hours=1)), {"A": "failed"}, run="r2")
    label.refresh()
    qtbot.waitUntil(lambda: label.notified != [])
    [(title, body)] = label.notified
    assert "1 change" in title and "A: the application is failing" in body
    # The offscreen platform has no system tray: nothing is shown there (no icon made), nothing fails.
    from PySide6.QtWidgets import QSystemTrayIcon

    if not QSystemTrayIcon.isSystemTrayAvailable():
        assert label.tray is None
    label.refresh()                                               # the same run again: nothing new
    qtbot.waitUntil(lambda: label.reading is None)
    assert len(label.notified) == 1


def test_switching_region_shows_that_regions_monitor_without_a_notification(qtbot, open_window,  # noqa: F811
                                                                           monkeypatch):
    now = datetime.now(UTC).replace(microsecond=0)
    _install(monkeypatch, utc_text(now - timedelta(days=1)), "de")
    with Registry.for_region("de") as registry:
        registry.add_application("A", "exchange", "contoso.example")
        _record(registry, utc_text(now - timedelta(hours=3)), {"A": "ok"}, run="r1")
        _record(registry, utc_text(now - timedelta(hours=2)), {"A": "failed"}, run="r2")
    window = open_window("us")
    label = window.monitor_status
    assert "Monitor not installed" in _status(qtbot, window)
    window.switch_region("de")
    when = (now - timedelta(hours=2)).astimezone()
    qtbot.waitUntil(lambda: label.seen_region == "de" and label.reading is None)
    assert f"Last scheduled run: {when:%d %b %H:%M}, 1 application failing" in label.text()
    assert label.notified == []                   # the other region's old run is not news


def test_the_health_history_and_the_monitor_line_in_german(qtbot, open_window, monkeypatch,  # noqa: F811
                                                           compiled_catalogs):
    """German chosen: the table's headings and words, the chart's series and axis, and the status bar's line
    are German, with German dates; codes (diagnoses) stay."""
    import re

    from PySide6.QtWidgets import QApplication

    from ec_console.ui.app import install_translators, remove_translators

    now = datetime.now(UTC).replace(microsecond=0)
    with Registry.for_region("us") as registry:
        seed_health_history(registry)
        for name in ("A", "B"):
            registry.add_application(name, "exchange", "contoso.example")
        _record(registry, utc_text(now - timedelta(hours=1)), {"A": "failing", "B": "ok"})
    _install(monkeypatch, utc_text(now - timedelta(days=3)))
    install_translators(QApplication.instance(), "de")
    try:
        window = open_window("us")
        when = (now - timedelta(hours=1)).astimezone()
        assert f"Letzte geplante Ausführung: {when:%d.%m.} {when:%H:%M}, 1 Anwendung fehlerhaft" in \
            _status(qtbot, window)
        dialog = _open(qtbot, window)
        model = dialog.table.model()
        headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        assert headers == ["Zeit", "Auslöser", "Ergebnis", "Verknüpft", "Erneut zu verknüpfen", "Fehlerhaft",
                           "Lecks", "Diagnosen"]
        table = _table(dialog)
        assert {row[1] for row in table} <= {"geplant", "manuell"}
        assert {row[2] for row in table} & {"OK", "fehlerhaft", "fehlgeschlagen", "nicht geprüft"}
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", table[0][0])
        names = sorted(s.name() for s in dialog.chart.series() if s.objectName().startswith("series_"))
        assert names == ["Erneut zu verknüpfen", "Fehlerhaft", "Verknüpft"]
    finally:
        remove_translators(QApplication.instance())


def test_the_status_bars_missed_runs_tooltip_is_german(qtbot, open_window, monkeypatch,  # noqa: F811
                                                       compiled_catalogs):
    from PySide6.QtWidgets import QApplication

    from ec_console.regions import save_setting
    from ec_console.ui.app import install_translators, remove_translators

    now = datetime.now(UTC).replace(microsecond=0)
    with Registry.for_region("us") as registry:
        registry.add_application("A", "exchange", "contoso.example")
        _record(registry, utc_text(now - timedelta(days=2, hours=1)), {"A": "ok"})
    _install(monkeypatch, utc_text(now - timedelta(days=5)))
    save_setting("language", "de")
    app = QApplication.instance()
    install_translators(app)
    try:
        window = open_window("us")
        assert "ausgelassen" in _status(qtbot, window)
        tip = window.monitor_status.toolTip()
        assert tip.startswith("die letzte geplante Ausführung war vor "), tip
        assert "Ausführungen wurden ausgelassen" in tip
    finally:
        remove_translators(app)
