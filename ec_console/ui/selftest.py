"""`ec-console --self-test`: prove an installed (or frozen) console can build and draw its main window.

Runs with no display (the offscreen platform unless one is set), on a temporary EC_CONSOLE_HOME so it never
touches the user's data, builds the main window, saves a screenshot, checks it is not blank, and reports
the version, Qt version and the keychain backend (or why the keychain is unavailable — that is reported,
not a failure: a build server often has no keychain). It fails when the German catalogs (the console's and
Qt's .qm, the core's .mo) do not load: a wheel or frozen build must carry them (docs/i18n.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

DEFAULT_NAME = "ec-console-self-test.png"
_SAMPLE_POINTS = 24
PNG_QUALITY = 80  # light compression: a third faster to write than the default, about as small


def _has_display() -> bool:
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def distinct_colours(image: object, points: int = _SAMPLE_POINTS) -> int:
    """How many distinct colours a grid of `points` × `points` samples of a QImage holds."""
    width, height = image.width(), image.height()  # type: ignore[attr-defined]
    if width <= 0 or height <= 0:
        return 0
    seen = set()
    for i in range(points):
        for j in range(points):
            x = min(width - 1, (2 * i + 1) * width // (2 * points))
            y = min(height - 1, (2 * j + 1) * height // (2 * points))
            seen.add(image.pixel(x, y))  # type: ignore[attr-defined]
    return len(seen)


def run_self_test(output: Path | None = None) -> int:
    """Build the main window offscreen, save a non-blank screenshot, print a short report; 0 or 1."""
    if not os.environ.get("QT_QPA_PLATFORM") and not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    output = Path(output) if output is not None else Path(tempfile.gettempdir()) / DEFAULT_NAME
    home = Path(tempfile.mkdtemp(prefix="ec-console-self-test-"))
    saved_home = os.environ.get("EC_CONSOLE_HOME")
    os.environ["EC_CONSOLE_HOME"] = str(home)
    try:
        return _run(output)
    except Exception as exc:  # a self-test reports, it never shows a traceback unasked
        print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("EC_CONSOLE_SELF_TEST_VERBOSE"):
            traceback.print_exc()
        return 1
    finally:
        if saved_home is None:
            os.environ.pop("EC_CONSOLE_HOME", None)
        else:
            os.environ["EC_CONSOLE_HOME"] = saved_home
        shutil.rmtree(home, ignore_errors=True)


def _run(output: Path) -> int:
    from ec_console.resources import resources_dir

    resources_dir.cache_clear()
    keychain = _KeychainProbe()  # asked beside building the window: the keyring package is slow to load
    from ec_console.ui.app import qt_messages_to_log

    with qt_messages_to_log():
        return _draw(output, keychain)


def _draw_chart() -> int:
    """Build a small trend chart as the health history does (QtCharts, a time axis) offscreen; the distinct
    colours it drew (a frozen build without QtCharts fails here with ImportError)."""
    from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
    from PySide6.QtCore import QDateTime, Qt

    chart = QChart()
    series = QLineSeries()
    series.setName("Linked")
    start = QDateTime.currentDateTime()
    for i, value in enumerate((3, 5, 4, 6)):
        series.append(start.addSecs(6 * 3600 * i).toMSecsSinceEpoch(), value)
    chart.addSeries(series)
    x_axis, y_axis = QDateTimeAxis(), QValueAxis()
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x_axis)
    series.attachAxis(y_axis)
    view = QChartView(chart)
    view.resize(400, 300)
    try:
        return distinct_colours(view.grab().toImage())
    finally:
        view.deleteLater()


# What the keychain's own process runs: the answer as one JSON string on stdout.
_KEYCHAIN_CHILD = (
    "import json, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from ec_console.keychain import keychain_status\n"
    "sys.stdout.write(json.dumps(keychain_status()))\n"
)


class _KeychainProbe:
    """`keychain_status()` asked at once, beside building the window; `result()` waits for the answer.

    Loading the keyring package and letting it find its backends is more Python work than the whole bare
    window: on a thread it would share the interpreter with the window being built, so it runs in a
    process of its own (the same interpreter, environment and package), on another core where there is one
    (docs/benchmarks.md, "Cold start"). A frozen build, which has no interpreter to start, and a process
    that fails to answer, fall back to a thread of this process: the answer is the same."""

    def __init__(self) -> None:
        self._answer = "unavailable: the keychain did not answer"
        self._thread: threading.Thread | None = None
        self._process = None if getattr(sys, "frozen", False) else self._spawn()
        if self._process is None:
            self._start_thread()

    @staticmethod
    def _spawn() -> subprocess.Popen[bytes] | None:
        package_parent = str(Path(__file__).resolve().parents[2])
        try:
            return subprocess.Popen([sys.executable, "-c", _KEYCHAIN_CHILD, package_parent],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
        except OSError:
            return None

    def _start_thread(self) -> None:
        from ec_console.keychain import keychain_status

        self._thread = threading.Thread(target=self._ask, args=(keychain_status,), daemon=True,
                                        name="self-test keychain")
        self._thread.start()

    def _ask(self, keychain_status: Callable[[], str]) -> None:
        self._answer = keychain_status()

    def result(self) -> str:
        if self._process is not None:
            out, _ = self._process.communicate()
            answer = _child_answer(out) if self._process.returncode == 0 else None
            self._process = None
            if answer is not None:
                return answer
            self._start_thread()  # the child could not answer: ask here
        if self._thread is not None:
            self._thread.join()
        return self._answer


def _child_answer(out: bytes) -> str | None:
    try:
        answer = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return answer if isinstance(answer, str) else None


def _draw(output: Path, probe: _KeychainProbe) -> int:
    from PySide6.QtCore import qVersion

    from ec_console import __version__
    from ec_console.ui import theme
    from ec_console.ui.about import CHECKING
    from ec_console.ui.app import check_translations, create_application, create_main_window
    from ec_console.ui.tasks import shutdown_pools

    app = create_application()
    theme.apply_theme(app, "light")
    window = create_main_window(keychain=CHECKING)
    try:
        window.resize(1100, 700)
        window.show()
        for _ in range(5):
            app.processEvents()
        keychain = probe.result()
        window.set_keychain(keychain)  # the screenshot shows the answer, as the window does once it is known
        app.processEvents()
        image = window.grab().toImage()
        output.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(output), "PNG", PNG_QUALITY):
            print(f"self-test FAILED: the screenshot could not be written to {output}", file=sys.stderr)
            return 1
        colours = distinct_colours(image)
        print(f"ec-console {__version__}")
        print(f"Qt {qVersion()} ({app.platformName()} platform)")
        print(f"keychain: {keychain}")
        print(f"screenshot: {output} ({image.width()}x{image.height()}, {colours} colours sampled)")
        if colours < 2:
            print("self-test FAILED: the main window drew a blank screenshot", file=sys.stderr)
            return 1
        missing = check_translations("de")
        if missing:
            print(f"self-test FAILED: the German translation is incomplete: {'; '.join(missing)}",
                  file=sys.stderr)
            return 1
        print("translations: de (console and Qt .qm, core .mo) load")
        chart_colours = _draw_chart()
        print(f"chart: QtCharts drew {chart_colours} colours sampled")
        if chart_colours < 2:
            print("self-test FAILED: the health history's chart drew a blank image", file=sys.stderr)
            return 1
        print("self-test passed")
        return 0
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        shutdown_pools()
