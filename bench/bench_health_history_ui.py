"""Health history window benchmark: opening it and choosing an application at two years of runs.

Builds a throw-away registry (EC_CONSOLE_HOME in a temporary folder, never the user's) with a scheduled run
every 6 hours for two years of `--applications` applications, then, offscreen, prints the best of N of:
the window's first read (off the GUI thread: the applications that have runs, then one application's runs),
the GUI-thread work of showing one application (chart series and table rows), the chart's first draw after
it (pending events and a grab of the chart view: what the next paint costs), and the time from choosing
another application to its runs shown. Figures only; nothing is asserted. See docs/benchmarks.md.

    python bench/bench_health_history_ui.py [--applications 50] [--days 730] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as home:
        os.environ["EC_CONSOLE_HOME"] = home
        from bench_monitor import history

        from ec_console.registry import Registry

        with Registry.for_region("us") as registry:
            for n in range(1, args.applications + 1):
                registry.add_application(f"Application {n}", "exchange", "contoso.example")
            _, total = history(registry, args.applications, args.days, 4)
        print(f"history: {total:,} rows, {args.days * 4:,} runs per application")

        from PySide6.QtWidgets import QApplication

        from ec_console.ui.health_history import HealthHistoryDialog
        from ec_console.ui.operations import Scope
        from ec_console.ui.tasks import shutdown_pools

        app = QApplication.instance() or QApplication([])

        def wait(dialog: HealthHistoryDialog) -> None:
            while dialog.loading is not None:
                app.processEvents()
                time.sleep(0.001)

        opened, shown, drawn, chosen = [], [], [], []
        for _ in range(args.repeat):
            began = time.perf_counter()
            dialog = HealthHistoryDialog(Scope("us"), "United States")
            dialog.show()
            wait(dialog)
            opened.append(time.perf_counter() - began)
            began = time.perf_counter()
            dialog._show_application()
            shown.append(time.perf_counter() - began)
            began = time.perf_counter()
            app.processEvents()
            dialog.chart_view.grab()
            drawn.append(time.perf_counter() - began)
            began = time.perf_counter()
            dialog.application.setCurrentIndex(1)
            wait(dialog)
            chosen.append(time.perf_counter() - began)
            points = len(dialog.rows)
            drawn_points = sum(len(p) for p in dialog.prepared.points.values())
            dialog.close()
            dialog.deleteLater()
            app.processEvents()
        shutdown_pools()
    print(f"chart: {drawn_points:,} points drawn in its three lines for {points * 3:,} figures")
    print(f"window opened, first application shown ({points:,} runs):   {min(opened) * 1000:8.1f} ms")
    print(f"GUI thread: chart series and table rows of one application: {min(shown) * 1000:8.1f} ms")
    print(f"GUI thread: the chart's first draw after that:               {min(drawn) * 1000:8.1f} ms")
    print(f"another application chosen until its runs are shown:        {min(chosen) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
