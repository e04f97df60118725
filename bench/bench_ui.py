"""Main window benchmark at 100,000 profiles (or `--profiles N`), offscreen. Figures only.

Measures, on a throw-away registry in a temporary EC_CONSOLE_HOME (never the user's):
- window shown with the table filled, after the registry is open (and the registry open itself);
- a search keystroke to updated, repainted rows (the 200 ms debounce is not counted; the table painted
  once, as the event loop does it), the median of `--repeat` runs, and the registry's own query for it
  (the rest is the model reset and painting);
- sorting by a column (header click to repainted rows);
- resident memory of the process after all of it.

    QT_QPA_PLATFORM=offscreen python bench/bench_ui.py [--profiles 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("EC_CONSOLE_CREDENTIAL_STORE", "memory")


def resident_mb() -> float:
    """Resident memory of this process in MB (/proc on Linux, getrusage's peak elsewhere)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def paint_counter() -> Any:
    """An event filter counting the paint events of the widget it is installed on."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        count = 0

        def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    return Counter()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def seed(profiles: int) -> None:
    from ec_console.registry import Registry
    from ec_console.ui.sample_data import seed_sample_data

    with Registry.for_region("us") as registry:
        seed_sample_data(registry, "us", profiles=profiles, checks=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="keystroke sequences measured (median shown)")
    args = parser.parse_args()

    own_home = None
    if not os.environ.get("EC_CONSOLE_HOME"):
        own_home = tempfile.TemporaryDirectory(prefix="ec-bench-ui-")
        os.environ["EC_CONSOLE_HOME"] = own_home.name

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from ec_console.registry import Registry
    from ec_console.ui import theme
    from ec_console.ui.app import create_application, create_main_window
    from ec_console.ui.profiles_model import COL_NAME
    from ec_console.ui.tasks import shutdown_pools

    print(f"profiles: {args.profiles:,}")
    seeding = timed(lambda: seed(args.profiles))
    print(f"seeding the registry (not the UI):        {seeding:9.0f} ms")
    app = create_application()
    theme.apply_theme(app, "light")
    rss_before = resident_mb()

    registry_holder: list[Registry] = []
    open_ms = timed(lambda: registry_holder.append(Registry.for_region("us")))
    opened = registry_holder[0]

    paints = paint_counter()

    def paint(window) -> None:
        """Let the event loop do what the change queued, which paints the table once; paint it only if
        nothing did (an extra forced repaint would count one paint twice)."""
        before = paints.count
        app.processEvents()
        if paints.count == before:
            window.profiles_table.viewport().repaint()

    def show_and_watch():
        window = create_main_window("us", keychain="benchmark", registry_factory=lambda _rid: opened)
        window.profiles_table.viewport().installEventFilter(paints)
        window.resize(1280, 780)
        window.show()
        paint(window)
        return window

    holder: list[object] = []
    shown_ms = timed(lambda: holder.append(show_and_watch()))
    window = holder[0]
    rows = window.model.rowCount()
    print(f"registry open:                            {open_ms:9.1f} ms")
    print(f"window shown with the table filled:       {shown_ms:9.1f} ms  ({rows:,} rows)")
    from summary import report  # `make bench`'s closing table, beside issue 13's targets

    report(f"window shown with the table filled, {args.profiles:,} profiles", f"{shown_ms:.0f} ms",
           "< 1000 ms", shown_ms < 1000)

    search = window.profile_search
    texts = ("a", "ad", "ada", "ada.m", "walter", "")
    keystrokes: dict[str, list[float]] = {text: [] for text in texts}
    shown: dict[str, int] = {}
    for _ in range(args.repeat):  # the sequence again, so each text is a new query every time
        for text in texts:
            def keystroke(text: str = text) -> None:
                search.setText(text)
                window.apply_filters()  # what the debounce timer calls
                paint(window)
            keystrokes[text].append(timed(keystroke))
            shown[text] = window.model.rowCount()
    print(f"search keystroke → rows updated (median of {args.repeat}; of it the registry's query, "
          f"{'trigram index' if opened.search_index else 'no index: LIKE scan'}):")
    for text in texts:
        query_ms = min(timed(lambda t=text: opened.profile_ids(replace(window.model.query, search=t)))
                       for _ in range(3))
        print(f"search {text!r:9} → rows updated:            {statistics.median(keystrokes[text]):9.1f} ms  "
              f"({shown[text]:,} rows; query {query_ms:.1f} ms)")
        median = statistics.median(keystrokes[text])
        report(f"search keystroke {text!r} to updated rows", f"{median:.0f} ms", "< 50 ms", median < 50)

    header = window.profiles_table.horizontalHeader()

    def click(column: int) -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
        paint(window)

    for column, label in ((COL_NAME, "name ascending"), (COL_NAME, "name descending"),
                          (0, "email ascending")):
        sort_ms = timed(lambda c=column: click(c))
        print(f"sort by {label:17} (click → painted): {sort_ms:9.1f} ms")
        report(f"sort by {label}", f"{sort_ms:.0f} ms", "< 200 ms", sort_ms < 200)

    scroll = window.profiles_table.verticalScrollBar()

    def jump() -> None:
        scroll.setValue(scroll.maximum() // 2)
        paint(window)

    scroll_ms = timed(jump)
    print(f"scroll to the middle (fetch + paint):     {scroll_ms:9.1f} ms")
    report("scroll to the middle", f"{scroll_ms:.0f} ms", "< 50 ms", scroll_ms < 50)
    resident = resident_mb()
    print(f"resident memory: {resident:.0f} MB (before the window: {rss_before:.0f} MB)")
    report(f"resident memory, {args.profiles:,} profiles", f"{resident:.0f} MB", "< 300 MB", resident < 300)

    window.close()
    shutdown_pools()
    if own_home is not None:
        own_home.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
