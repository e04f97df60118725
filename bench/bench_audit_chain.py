"""The audit's hash chain: the registry upgrade that chains an existing audit, `verify`, and an append.

Builds a throw-away registry (never the user's) at the schema before the chain with `--entries` audit rows
(100,000 by default), then prints: the upgrade's time, the walk of `verify` (best of `--repeat`) with the
peak of Python memory it allocated (tracemalloc) at that size and at a tenth of it, and the time of one
`Registry.audit` append with the chain against the same insert without it (ratio: the machine is noisy).
Figures only; nothing is asserted. See docs/benchmarks.md.

    python bench/bench_audit_chain.py [--entries 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ec_console.registry import AUDIT_CHAIN_VERSION, Registry, migrate, utc_now  # noqa: E402

_ACTIONS = ("profile_linked", "profile_checked", "profile_revoked", "application_updated",
            "check_all_finished")


def build(path: Path, entries: int) -> None:
    """A registry at the schema before the chain holding `entries` audit rows of realistic length."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, AUDIT_CHAIN_VERSION - 1)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO audit (at, os_user, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        ((f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z", "helpdesk-admin",
          _ACTIONS[n % len(_ACTIONS)], f"user{n}@contoso.example",
          json.dumps({"run": f"r-{n // 1000}", "linked": n % 7, "through": "Room booking — Müller"}))
         for n in range(entries)))
    conn.execute("COMMIT")
    conn.close()


def verify_figures(path: Path, repeat: int) -> tuple[float, int, float]:
    """(best seconds of a verify, entries walked, peak MiB allocated by one verify)."""
    best = float("inf")
    with Registry(path) as registry:
        for _ in range(repeat):
            start = time.perf_counter()
            result = registry.verify_audit()
            best = min(best, time.perf_counter() - start)
        tracemalloc.start()
        registry.verify_audit()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert result.verified
    return best, result.entries, peak / 2**20


def append_figures(path: Path, appends: int) -> tuple[float, float]:
    """(ms per chained Registry.audit, ms per insert as it was before the chain: the row inserted and read
    back in its own transaction) — same file, same rows."""
    with Registry(path) as registry:
        start = time.perf_counter()
        for n in range(appends):
            registry.audit("profile_checked", f"bench{n}@contoso.example", "pass")
        chained = (time.perf_counter() - start) / appends
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    start = time.perf_counter()
    for n in range(appends):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_plain (at, os_user, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                     (utc_now(), "helpdesk-admin", "profile_checked", f"bench{n}@contoso.example", "pass"))
        conn.execute("SELECT id, at, os_user, action, subject, detail FROM bench_plain"
                     " WHERE id = last_insert_rowid()").fetchone()
        conn.execute("COMMIT")
    plain = (time.perf_counter() - start) / appends
    conn.close()
    return chained * 1000, plain * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--appends", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["EC_CONSOLE_HOME"] = home
        print(f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cores (shared, noisy machine)")
        for entries in (args.entries // 10, args.entries):
            path = Path(home) / f"registry-{entries}.sqlite3"
            build(path, entries)
            start = time.perf_counter()
            Registry(path).close()                     # opening runs the upgrade that chains the audit
            upgrade = time.perf_counter() - start
            walk, walked, peak = verify_figures(path, args.repeat)
            print(f"{entries:>9,} entries: upgrade (chain existing rows) {upgrade:6.2f} s; verify "
                  f"{walk:6.2f} s ({walked / walk:,.0f} entries/s), peak Python memory of one verify "
                  f"{peak:.2f} MiB")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, at TEXT, os_user TEXT, action TEXT,"
                     " subject TEXT, detail TEXT)")
        conn.close()
        chained, plain = append_figures(path, args.appends)
        print(f"append at {args.entries:,} entries: Registry.audit (chained) {chained:.3f} ms, unchained "
              f"insert {plain:.3f} ms, ratio {chained / plain:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
