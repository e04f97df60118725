"""Registry benchmark, both engines: the profile table's reads at 100,000 profiles on SQLite and PostgreSQL.

Builds a throw-away SQLite registry (bench_registry.populate), copies its rows into a throw-away PostgreSQL
cluster (tests/pg_cluster.py: initdb/pg_ctl from PATH or /usr/lib/postgresql/*/bin, a temporary folder,
a unix socket), then times what the window does on both: first paint (status counts, row count, first
page), a keystroke of a search (row count + first page) and a sort (first and middle page). Each figure is
the best of N runs; both engines must return the same rows (checked). Figures only; nothing is asserted.

    python bench/bench_registry_pg.py [--profiles 100000] [--repeat 5]

Exit status 1 when the engines' answers differ.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from bench_registry import best_of, populate  # noqa: E402

from ec_console import registry_pg as pg  # noqa: E402
from ec_console.registry import PROFILE_SORT_COLUMNS, ProfileQuery, Registry  # noqa: E402

_COPY_ORDER = ("applications", "profiles")
_NEEDLES = ("w", "wa", "wal", "walt", "walter", "walter.n", "walter.novák12", "m", "mü", "müller", "ü", "ß",
            "ad", "co", "q", "qx", "smith", "contoso", "zzz")
_FIRST_PAGE_NEEDLES = ("m", "mü", "ü", "ß", "ad", "q", "qx", "walter.novák12", "zzz")
PAGE = 100


def copy_rows(lite, conn) -> float:
    start = time.perf_counter()
    for table in _COPY_ORDER:
        columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in lite.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"):
                copy.write_row(row)
    conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    return time.perf_counter() - start


def build_short_search_index(conn) -> tuple[float, int, int, int] | None:
    """Drop and build again the index for short needles (schema step SHORT_SEARCH_VERSION), timed, then
    VACUUM ANALYZE as after a load: (seconds, its size, the trigram index's size, the table's size).
    None on a registry without it (an older console's code)."""
    index = getattr(pg, "SHORT_SEARCH_INDEX", None)
    if index is None:
        return None
    definition = conn.execute("SELECT pg_get_indexdef(%s::regclass)", (index,)).fetchone()[0]
    conn.execute(f"DROP INDEX {index}")
    start = time.perf_counter()
    conn.execute(definition)
    seconds = time.perf_counter() - start
    conn.execute("VACUUM ANALYZE profiles")
    sizes = conn.execute("SELECT pg_relation_size(%s::regclass), pg_relation_size(%s::regclass), "
                         "pg_relation_size('profiles')", (index, pg.SEARCH_INDEX)).fetchone()
    return (seconds, *sizes)


def run(count: int, repeat: int) -> int:
    import pg_cluster

    with pg_cluster.started_cluster("ec_bench") as cluster:
        if cluster is None:
            return 0
        with tempfile.TemporaryDirectory(prefix="ec-bench-") as folder:
            registry = Registry(Path(folder) / "registry-bench.sqlite3")
            populate(registry, count)
            conn = pg.connect(cluster.url("ec_bench"), autocommit=True)
            seconds = copy_rows(registry._conn, conn)  # noqa: SLF001 - a bench reads the file directly
            build = build_short_search_index(conn)
            rows = measure(registry, conn, repeat)
            conn.close()
            registry.close()
    server = "PostgreSQL (unix socket, same machine)"
    print(f"Registry benchmark, both engines: {count:,} profiles, best of {repeat}, {os.cpu_count()} CPU(s), "
          f"Python {sys.version.split()[0]}, SQLite {__import__('sqlite3').sqlite_version}, {server}")
    print(f"copy into PostgreSQL (COPY + VACUUM ANALYZE): {seconds:.2f} s")
    if build is not None:
        print(f"the index for one- and two-character needles ({pg.SHORT_SEARCH_INDEX}) built again alone: "
              f"{build[0]:.2f} s, {build[1] / 2**20:.1f} MiB (trigram index {build[2] / 2**20:.1f} MiB, "
              f"table {build[3] / 2**20:.1f} MiB)")
    width = max(len(r[0]) for r in rows)
    print(f"{'operation'.ljust(width)}  {'SQLite ms':>9}  {'PG ms':>9}  {'PG/SQLite':>9}  rows")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 9}  {'-' * 9}  {'-' * 8}")
    mismatches = 0
    _summarise(count, rows)
    for label, lite_ms, pg_ms, note, same in rows:
        ratio = pg_ms / lite_ms if lite_ms else float("inf")
        flag = "" if same else "  DIFFER"
        print(f"{label.ljust(width)}  {lite_ms:9.2f}  {pg_ms:9.2f}  {ratio:9.2f}  {note}{flag}")
        mismatches += not same
    return 1 if mismatches else 0


def _summarise(count: int, rows: list[tuple[str, float, float, str, bool]]) -> None:
    """The issue's targets on PostgreSQL: first paint < 1 s, a keystroke < 50 ms, a sort < 200 ms."""
    from summary import report

    for kind, target_ms in (("first paint", 1000.0), ("keystroke", 50.0), ("sort", 200.0)):
        label, _lite, worst, _note, _same = max((r for r in rows if r[0].startswith(kind)),
                                                key=lambda r: r[2])
        report(f"PostgreSQL at {count:,} profiles: slowest {kind} ({label})", f"{worst:.0f} ms",
               f"< {target_ms:.0f} ms", worst < target_ms)


def _keystroke(query: ProfileQuery, count, page):
    """What the window does for a keystroke: the row count, then the first page knowing it."""
    total = count(query)
    return total, page(query, 0, PAGE, total=total)


def measure(registry: Registry, conn, repeat: int) -> list[tuple[str, float, float, str, bool]]:
    out: list[tuple[str, float, float, str, bool]] = []

    def both(label: str, lite_fn, pg_fn) -> None:
        lite_ms, lite_result = best_of(repeat, lite_fn)
        pg_ms, pg_result = best_of(repeat, pg_fn)
        page = lite_result[-1] if isinstance(lite_result, tuple) else lite_result
        note = f"{len(page):,} rows" + (f" of {lite_result[0]:,}" if isinstance(lite_result, tuple) else "")
        out.append((label, lite_ms, pg_ms, note, lite_result == pg_result))

    def lite_paint(q: ProfileQuery):
        registry.status_counts()
        total = registry.count_profiles(q)
        return registry.profile_page(q, 0, PAGE, total=total)

    def pg_paint(q: ProfileQuery):
        pg.status_counts(conn)
        pg.count_profiles(conn, q)
        return pg.profile_page(conn, q, 0, PAGE)

    both("first paint (counts + row count + first page)", lambda: lite_paint(ProfileQuery()),
         lambda: pg_paint(ProfileQuery()))
    for needle in (*_NEEDLES, ""):
        q = ProfileQuery(search=needle)
        label = f"keystroke {needle!r}" + (" = clearing" if not needle else "")
        both(f"{label} (row count + first page)",
             lambda q=q: _keystroke(q, registry.count_profiles, registry.profile_page),
             lambda q=q: _keystroke(q, lambda q: pg.count_profiles(conn, q),
                                    lambda *a, **k: pg.profile_page(conn, *a, **k)))
    for needle in _FIRST_PAGE_NEEDLES:  # the window asks for the first page first, before it has the count
        q = ProfileQuery(search=needle)
        both(f"keystroke {needle!r}: first page before the count",
             lambda q=q: registry.profile_page(q, 0, PAGE), lambda q=q: pg.profile_page(conn, q, 0, PAGE))
    total = registry.count_profiles(ProfileQuery())
    for column in PROFILE_SORT_COLUMNS:
        for descending in (False, True):
            q = ProfileQuery(sort=column, descending=descending)
            arrow = " desc" if descending else ""
            both(f"sort {column}{arrow}: first page",
                 lambda q=q: registry.profile_page(q, 0, PAGE, total=total),
                 lambda q=q: pg.profile_page(conn, q, 0, PAGE, total=total))
            both(f"sort {column}{arrow}: middle page", lambda q=q: registry.profile_page(q, total // 2, PAGE,
                                                                                         total=total),
                 lambda q=q: pg.profile_page(conn, q, total // 2, PAGE, total=total))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000, help="profiles to create (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure, the best shown (default 5)")
    args = parser.parse_args(argv)
    if args.profiles < 1 or args.repeat < 1:
        parser.error("--profiles and --repeat must be at least 1")
    return run(args.profiles, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
