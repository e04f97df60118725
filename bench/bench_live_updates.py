"""Live updates benchmark (issue 15): delay from COMMIT on one connection to a Listener's callback on another.

Starts a throw-away PostgreSQL cluster (tests/pg_cluster.py), sets a registry up in it, starts a
`registry_live.Listener` and, N times, commits one change (an audit entry, or an update of 10,000 profiles
in one statement) on a second connection, timing from just before COMMIT to the callback. Run with the
listener's default merge window and with none, to show what the window costs. Figures only; nothing is
asserted. The issue's target: other consoles see a change within a second.

    python bench/bench_live_updates.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from summary import report  # noqa: E402

from ec_console import registry_live as live  # noqa: E402
from ec_console import registry_pg as pg  # noqa: E402

NOW = "2026-12-03T10:00:00Z"


def measure(url: str, repeat: int, window: float, bulk: bool) -> list[float]:
    arrived: queue.Queue[tuple[str, float]] = queue.Queue()
    states: queue.Queue[str] = queue.Queue()
    listener = live.Listener(url, lambda table: arrived.put((table, time.perf_counter())), states.put,
                             window=window)
    listener.start()
    delays = []
    try:
        assert states.get(timeout=30) == live.STATE_CONNECTED
        with pg.connect(url) as writer:
            for n in range(repeat):
                if bulk:
                    writer.execute("UPDATE profiles SET display_name = %s", (f"Run {n}",))
                    wanted = "profiles"
                else:
                    writer.execute("INSERT INTO audit (at, os_user, action, subject) VALUES (%s, 'bench', "
                                   "'bench', %s)", (NOW, str(n)))
                    wanted = "audit"
                start = time.perf_counter()
                writer.commit()
                while True:
                    table, at = arrived.get(timeout=30)
                    if table == wanted:
                        delays.append(at - start)
                        break
                time.sleep(0.05)
    finally:
        listener.stop()
    return delays


def describe(delays: list[float]) -> str:
    ordered = sorted(delays)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (f"median {statistics.median(ordered) * 1000:6.1f} ms, 95th percentile {p95 * 1000:6.1f} ms, "
            f"worst {ordered[-1] * 1000:6.1f} ms ({len(ordered)} commits)")


def run(repeat: int) -> int:
    import pg_cluster

    try:
        cluster = pg_cluster.start_cluster()
    except pg_cluster.ClusterUnavailable as exc:
        print(f"skipped: {exc}")
        return 0
    try:
        with cluster.connect() as admin:
            admin.execute('CREATE DATABASE "ec_bench_live"')
        url = cluster.url("ec_bench_live")
        with pg.connect(url) as conn:
            pg.initialise(conn)
            app = conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                               "VALUES ('Bench', 'exchange', 'contoso.com', %s, %s) RETURNING id",
                               (NOW, NOW)).fetchone()[0]
            conn.execute("INSERT INTO profiles (application_id, email, created_at, updated_at, email_key) "
                         "SELECT %s, 'user' || g || '@contoso.com', %s, %s, 'user' || g || '@contoso.com' "
                         "FROM generate_series(1, 10000) g", (app, NOW, NOW))
            conn.commit()
        print("COMMIT on one connection -> Listener callback on another (target: < 1 s)")
        for window in (live.COALESCE_WINDOW_S, 0.0):
            for bulk in (False, True):
                what = "10,000 profiles updated in one statement" if bulk else "one audit entry"
                delays = measure(url, repeat if not bulk else max(5, repeat // 5), window, bulk)
                print(f"  merge window {window * 1000:3.0f} ms, {what:40s}: {describe(delays)}")
                report(f"live updates: COMMIT to callback, {what}, merge window {window * 1000:.0f} ms",
                       f"worst {max(delays) * 1000:.0f} ms", "< 1 s", max(delays) < 1.0)
    finally:
        cluster.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    return run(parser.parse_args().repeat)


if __name__ == "__main__":
    raise SystemExit(main())
