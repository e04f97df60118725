"""Monitor benchmark: the health history at two years of runs, and what a monitor run adds to check all.

Builds a throw-away registry in a temporary folder (never the user's). Prints the best of N runs of:
storing one run's rows, the trend chart's query (one application over the whole history, and every
application over the last 30 days), the latest run (what change detection reads), the CSV and XLSX
exports of the whole history; and at 100,000 profiles the two reads a monitor run makes besides check all
(the linked profiles before the run, the status counts per application after it). Figures only; nothing
is asserted. See docs/benchmarks.md.

    python bench/bench_monitor.py [--applications 50] [--days 730] [--runs-per-day 4] [--profiles 100000]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))   # the scripted adapter

from bench_registry import best_of, populate  # noqa: E402

from ec_console import checkall, history_export, monitor  # noqa: E402
from ec_console.registry import HealthRow, ProfileQuery, Registry, utc_text  # noqa: E402


def history(registry: Registry, applications: int, days: int, per_day: int) -> tuple[float, int]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(hours=24 / per_day)
    total = 0
    began = time.perf_counter()
    for n in range(days * per_day):
        at = utc_text(start + n * step)
        failing = [int((n + app) % 17 == 0) for app in range(applications + 1)]
        rows = [HealthRow(f"{at}-run", at, app, f"Application {app}", "scheduled",
                          "failing" if failing[app] else "ok", linked=1000 + (n % 50), needs_relink=n % 3,
                          failing=failing[app], duration=42.0,
                          diagnoses=("impersonation_denied",) if n % 3 else ())
                for app in range(1, applications + 1)]
        total += registry.record_health(rows)
    return time.perf_counter() - began, total


def run_overhead(folder: Path, profiles: int) -> list[tuple[str, float, str]]:
    """What a monitor run adds to its check all (its reads, history rows, change detection, audit), on
    linked profiles answered at once by a scripted adapter: the run's time minus the time of the check all
    inside it, timed in the same run (the check all itself varies by seconds on this shared machine, so two
    separate runs could not be compared). Best of three."""
    from test_dashboard_fakes import FakeAdapter, add_app

    from ec_console.secrets import MemoryStore

    store = MemoryStore()
    adapters = {"exchange": FakeAdapter()}
    engine = checkall.check_all
    inside: list[float] = []

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return engine(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - began)

    checkall.check_all = timed
    try:
        with Registry(folder / "registry-us.sqlite3") as registry:
            for n in range(5):
                app = add_app(registry, store, name=f"Application {n}")
                rows = [(f"u{n}-{i}@contoso.example", "") for i in range(profiles // 5)]
                registry.add_profiles(app.id, rows)
            added, total = float("inf"), float("inf")
            for _ in range(3):
                began = time.perf_counter()
                monitor.run_monitor(registry, "us", store=store, adapters=adapters)
                elapsed = time.perf_counter() - began
                added, total = min(added, elapsed - inside[-1]), min(total, elapsed)
    finally:
        checkall.check_all = engine
    return [(f"monitor run, {profiles:,} profiles answered at once", total * 1000, ""),
            ("  of which the monitor's own work (not check all)", added * 1000,
             f"{added / total:.1%} of the run")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs-per-day", type=int, default=4)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--run-profiles", type=int, default=10_000,
                        help="linked profiles for the run comparison (a scripted adapter, no network)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ec-bench-") as folder:
        with Registry(Path(folder) / "registry-bench.sqlite3") as registry:
            seconds, total = history(registry, args.applications, args.days, args.runs_per_day)
            runs = args.days * args.runs_per_day
            print(f"history: {total:,} rows ({runs:,} runs x {args.applications} applications) stored in "
                  f"{seconds:.1f} s, {seconds / runs * 1000:.2f} ms a run (one transaction each)")
            rows = []
            ms, got = best_of(args.repeat, lambda: registry.health_history(application_id=7))
            rows.append(("trend chart: one application, whole history", ms, f"{len(got):,} rows"))
            last = registry.health_history(limit=1)[0].run_at
            month = utc_text(datetime.fromisoformat(last.replace("Z", "+00:00")) - timedelta(days=30))
            ms, got = best_of(args.repeat, lambda: registry.health_history(since=month))
            rows.append(("trend chart: every application, last 30 days", ms, f"{len(got):,} rows"))
            ms, got = best_of(args.repeat, registry.latest_health_run)
            rows.append(("latest run (change detection)", ms, f"{len(got):,} rows"))
            ms, got = best_of(1, registry.health_history)
            rows.append(("whole history read", ms, f"{len(got):,} rows"))
            everything = got
            ms, _ = best_of(1, lambda: history_export.write_csv(everything, io.StringIO()))
            rows.append(("CSV export, whole history", ms, ""))
            ms, _ = best_of(1, lambda: history_export.write_xlsx(everything, io.BytesIO()))
            rows.append(("XLSX export, whole history", ms, ""))
            prev, cur = registry.latest_health_run(), registry.latest_health_run()
            ms, _ = best_of(args.repeat, lambda: monitor.changes(prev, cur))
            rows.append(("change detection between two runs", ms, f"{args.applications} applications"))
        with Registry(Path(folder) / "registry-profiles.sqlite3") as registry:
            populate(registry, args.profiles)
            ms, ids = best_of(args.repeat, lambda: registry.profile_ids(ProfileQuery(status="linked")))
            rows.append((f"run: linked profiles before check all ({args.profiles:,} profiles)", ms,
                         f"{len(ids):,} ids"))
            apps = registry.list_applications()
            ms, _ = best_of(args.repeat, lambda: [registry.status_counts(application_id=a.id) for a in apps])
            rows.append(("run: status counts of every application after check all", ms,
                         f"{len(apps)} applications"))
    with tempfile.TemporaryDirectory(prefix="ec-bench-") as folder:
        rows += run_overhead(Path(folder), args.run_profiles)
    width = max(len(r[0]) for r in rows)
    for label, ms, note in rows:
        print(f"{label.ljust(width)}  {ms:9.2f} ms  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
