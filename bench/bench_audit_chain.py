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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from summary import report  # noqa: E402

from ec_console import registry as registry_module  # noqa: E402
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


def append_figures(chained_path: Path, before_path: Path, appends: int,
                   rounds: int = 5) -> tuple[float, float, float]:
    """ms per append: Registry.audit on the chained file; the same with the chain's work left out (its
    insert as before the chain, on the same file: index and trigger still kept); and the bare SQL of an
    append before the chain on a file at the schema before it (the row inserted and read back in its own
    BEGIN IMMEDIATE transaction, no Python validation).
    Paired rounds of `appends` each, alternating, best round of each (the machine is shared and noisy)."""
    registry = Registry(chained_path)
    conn = sqlite3.connect(before_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    chained, unhashed, before = float("inf"), float("inf"), float("inf")
    for r in range(rounds):
        start = time.perf_counter()
        for n in range(appends):
            registry.audit("profile_checked", f"bench{r}.{n}@contoso.example", "pass")
        chained = min(chained, (time.perf_counter() - start) / appends)
        registry_module.append_audit = _append_without_chain
        try:
            start = time.perf_counter()
            for n in range(appends):
                registry.audit("profile_checked", f"bench{r}.{n}@contoso.example", "pass")
            unhashed = min(unhashed, (time.perf_counter() - start) / appends)
        finally:
            registry_module.append_audit = _chained_append
        start = time.perf_counter()
        for n in range(appends):
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(
                "INSERT INTO audit (at, os_user, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                (utc_now(), "helpdesk-admin", "profile_checked", f"bench{r}.{n}@contoso.example", "pass"))
            conn.execute("SELECT id, at, os_user, action, subject, detail FROM audit WHERE id = ?",
                         (cur.lastrowid,)).fetchone()
            conn.execute("COMMIT")
        before = min(before, (time.perf_counter() - start) / appends)
    conn.close()
    registry.close()
    return chained * 1000, unhashed * 1000, before * 1000


_chained_append = registry_module.append_audit


def _append_without_chain(conn: sqlite3.Connection, at: str, os_user: str, action: str, subject: str,
                          detail: str) -> int:
    """Registry.audit's insert as it was before the chain (no hash read, computed or written)."""
    cur = conn.execute("INSERT INTO audit (at, os_user, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                       (at, os_user, action, subject, detail))
    return int(cur.lastrowid or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--appends", type=int, default=200, help="appends per round (5 paired rounds)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["EC_CONSOLE_HOME"] = home
        print(f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cores (shared, noisy machine)")
        peaks = []
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
            peaks.append(peak)
        report(f"audit chain: registry upgrade chaining {args.entries:,} entries", f"{upgrade:.2f} s",
               "seconds, not minutes (< 60 s)", upgrade < 60)
        report(f"audit chain: verify {args.entries:,} entries", f"{walk:.2f} s", "", None)
        report("audit chain: verify's memory at 10x the entries", f"{peaks[0]:.2f} → {peaks[1]:.2f} MiB",
               "flat (< 1.5x)", peaks[1] < 1.5 * peaks[0])
        before_path = Path(home) / "registry-before-chain.sqlite3"
        build(before_path, args.entries)
        chained, unhashed, before = append_figures(path, before_path, args.appends)
        print(f"append at {args.entries:,} entries: Registry.audit {chained:.3f} ms chained, "
              f"{unhashed:.3f} ms with the chain's work left out (ratio {chained / unhashed:.2f}); bare SQL "
              f"of an append before the chain {before:.3f} ms")
        report("audit chain: one Registry.audit, chained / without the chain's work",
               f"{chained:.3f} / {unhashed:.3f} ms", "", None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
