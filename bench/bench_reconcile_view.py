"""The Reconcile window's lists with many findings, offscreen. Figures only.

A reconciliation of 20,000 joiners (or `--joiners N`), 2,000 leavers and 50 leaks shown in the window
(no network: the result is handed to the window as a finished run would be), on a throw-away registry:
- filling the four lists (model resets) and painting the window once;
- a filter keystroke to repainted lists (median of `--repeat`);
- sorting the joiners by name;
- the rows the export writes (`shown_rows`);
- references to None lost while doing it (PySide6 6.12 loses one on every call of a Qt method that returns
  nothing, see docs/reconcile.md): a few, not one per row.

    QT_QPA_PLATFORM=offscreen python bench/bench_reconcile_view.py [--joiners 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("EC_CONSOLE_CREDENTIAL_STORE", "memory")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--joiners", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ec-bench-") as home:
        os.environ["EC_CONSOLE_HOME"] = home
        from PySide6.QtCore import Qt

        from ec_console import reconcile as core
        from ec_console.registry import Registry
        from ec_console.ui import operations as ops
        from ec_console.ui.app import create_application
        from ec_console.ui.reconcile_view import ReconcileWindow
        from ec_console.ui.tasks import shutdown_pools

        app = create_application()
        with Registry.for_region("us") as registry:
            application = registry.add_application("Bench", "exchange", "example.com", {})
        findings = [core.Finding(f"user{i:06d}@example.com", "joiner", f"User {i}", None,
                                 "in the scope, not linked", "") for i in range(args.joiners)]
        findings += [core.Finding(f"left{i:05d}@example.com", "leaver", f"Left {i}", None,
                                  "linked, no longer in the scope", "On the platform: a step", i + 1)
                     for i in range(2000)]
        findings += [core.Finding(f"out{i:03d}@example.com", "leak", "", "scope_not_enforced",
                                  "reachable", "the fix") for i in range(50)]
        rec = core.Reconciliation("Bench", application.id, "exchange", "2026-11-28T10:00:00Z",
                                  scope_source="the group", scope_size=args.joiners, findings=findings)
        view = ReconcileWindow(application, ops.Scope("us"))
        view.resize(1040, 780)
        view.show()
        app.processEvents()
        none_before = sys.getrefcount(None)
        start = time.perf_counter()
        view._reconciled(rec)
        view.repaint()
        app.processEvents()
        fill = time.perf_counter() - start
        keystrokes = []
        for n in range(args.repeat):
            view.search.setText("")
            app.processEvents()
            start = time.perf_counter()
            view.search.setText(f"user{n}9")
            view.repaint()
            app.processEvents()
            keystrokes.append(time.perf_counter() - start)
        view.search.setText("")
        start = time.perf_counter()
        view.sections["joiner"].table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        view.repaint()
        app.processEvents()
        sort = time.perf_counter() - start
        start = time.perf_counter()
        rows = view.shown_rows()
        export = time.perf_counter() - start
        lost = none_before - sys.getrefcount(None)
        print(f"findings: {len(findings):,} ({args.joiners:,} joiners, 2,000 leavers, 50 leaks)")
        print(f"fill the four lists and paint: {fill * 1000:.0f} ms")
        print(f"filter keystroke to repainted lists (median of {args.repeat}): "
              f"{statistics.median(keystrokes) * 1000:.0f} ms")
        print(f"sort the joiners by name: {sort * 1000:.0f} ms")
        print(f"rows for the export: {len(rows):,} in {export * 1000:.0f} ms")
        print(f"references to None lost: {lost:,}")
        view.close()
        view.deleteLater()
        app.processEvents()
        shutdown_pools()
    return 0


if __name__ == "__main__":
    sys.exit(main())
