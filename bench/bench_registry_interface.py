"""The one `Registry` interface on PostgreSQL against PostgreSQL's own query functions, on the same rows.

The window reads a PostgreSQL registry through `Registry` (its shared SQL, translated by
`registry_pg.PgConnection`); `registry_pg`'s functions are the hand-written queries bench_registry_pg.py
measures. This builds the same 100,000 profiles (bench_registry.populate, copied into a throwaway cluster as
bench_registry_pg.py does) and times each window operation both ways, best of N; both must return the same
rows (exit 1 if not). Figures only; nothing is asserted.

    python bench/bench_registry_interface.py [--profiles 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from bench_registry import best_of, populate  # noqa: E402
from bench_registry_pg import _NEEDLES, PAGE, _keystroke, copy_rows  # noqa: E402

from ec_console import registry_pg as pg  # noqa: E402
from ec_console.registry import PROFILE_SORT_COLUMNS, ProfileQuery, Registry  # noqa: E402


def measure(conn, reg: Registry, repeat: int) -> list[tuple[str, float, float, bool]]:
    rows: list[tuple[str, float, float, bool]] = []

    def both(label: str, raw_fn, reg_fn) -> None:
        raw_ms, raw_result = best_of(repeat, raw_fn)
        reg_ms, reg_result = best_of(repeat, reg_fn)
        rows.append((label, raw_ms, reg_ms, raw_result == reg_result))

    def raw_paint(q: ProfileQuery):
        pg.status_counts(conn)
        return pg.profile_page(conn, q, 0, PAGE, total=pg.count_profiles(conn, q))

    def reg_paint(q: ProfileQuery):
        reg.status_counts()
        return reg.profile_page(q, 0, PAGE, total=reg.count_profiles(q))

    both("first paint (counts + row count + first page)", lambda: raw_paint(ProfileQuery()),
         lambda: reg_paint(ProfileQuery()))
    for needle in _NEEDLES:
        q = ProfileQuery(search=needle)
        both(f"keystroke {needle!r} (row count + first page)",
             lambda q=q: _keystroke(q, lambda q: pg.count_profiles(conn, q),
                                    lambda *a, **k: pg.profile_page(conn, *a, **k)),
             lambda q=q: _keystroke(q, reg.count_profiles, reg.profile_page))
    total = reg.count_profiles(ProfileQuery())
    for column in PROFILE_SORT_COLUMNS:
        for descending in (False, True):
            q = ProfileQuery(sort=column, descending=descending)
            both(f"sort {column}{' desc' if descending else ''}: middle page",
                 lambda q=q: pg.profile_page(conn, q, total // 2, PAGE, total=total),
                 lambda q=q: reg.profile_page(q, total // 2, PAGE, total=total))
    return rows


def run(count: int, repeat: int) -> int:
    import pg_cluster

    with pg_cluster.started_cluster("ec_bench") as cluster:
        if cluster is None:
            return 0
        with tempfile.TemporaryDirectory(prefix="ec-bench-") as folder:
            with Registry(Path(folder) / "registry-bench.sqlite3") as lite:
                populate(lite, count)
                conn = pg.connect(cluster.url("ec_bench"), autocommit=True)
                copy_rows(lite._conn, conn)  # noqa: SLF001 - a bench reads the file directly
            with Registry(cluster.url("ec_bench")) as reg:
                rows = measure(conn, reg, repeat)
            conn.close()
    print(f"The Registry interface on PostgreSQL: {count:,} profiles, best of {repeat}, {os.cpu_count()} "
          f"CPU(s), Python {sys.version.split()[0]}, PostgreSQL (unix socket, same machine)")
    width = max(len(r[0]) for r in rows)
    print(f"{'operation'.ljust(width)}  {'registry_pg ms':>14}  {'Registry ms':>11}  {'ratio':>6}")
    for label, raw_ms, reg_ms, same in rows:
        ratio = reg_ms / raw_ms if raw_ms else float("inf")
        flag = "" if same else "  DIFFER"
        print(f"{label.ljust(width)}  {raw_ms:14.2f}  {reg_ms:11.2f}  {ratio:6.2f}{flag}")
    return 0 if all(r[3] for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000, help="profiles to create (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure, the best shown (default 5)")
    args = parser.parse_args(argv)
    return run(args.profiles, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
