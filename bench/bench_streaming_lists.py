"""`profiles list` (table and JSON) and the profile CSV export: their memory must not grow with the registry.

    .venv/bin/python bench/bench_streaming_lists.py [--profiles 5000,50000]

For each size a registry is seeded (`Registry.bulk_load_profiles`, one application), then each output is run
under `tracemalloc` (after one run at the first size to warm the imports and caches): the peak of Python
allocations above what was held before, and the time (slowed several times by `tracemalloc`), with the output
thrown away (a sink that keeps nothing). The target (issue 13): the peak at the largest size is flat, within
1.5x of the smallest size's (holding the rows, or only their ids, grows with them:
`tests/test_streaming_lists.py` asserts the behaviour). Prints figures only.

    .venv/bin/python bench/bench_streaming_lists.py --postgresql [--profiles 5000,50000]

The CSV export from a PostgreSQL registry instead (a throwaway cluster, tests/pg_cluster.py): the rise of the
process's resident memory (Linux), which also counts the rows libpq holds in C memory, through the server-side
cursor `Registry.iter_profiles` uses and through the former client-side read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "tests")]

from streaming_setup import Sink, export_csv, seed  # noqa: E402 - after the path


def run(what: str) -> None:
    from ec_console import cli

    if what == "CSV export":
        export_csv()
        return
    args = ["profiles", "list", "--region", "us"] + (["--json"] if what == "profiles list --json" else [])
    stdout, sys.stdout = sys.stdout, Sink()
    try:
        if cli.main(args) != 0:
            raise SystemExit(f"{' '.join(args)} failed")
    finally:
        sys.stdout = stdout


def measure(what: str, warm: bool) -> tuple[float, float]:
    """(peak MiB of Python allocations above the start, seconds under tracemalloc) of one run of `what`."""
    if warm:
        run(what)  # imports and caches are not the command's working memory
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        run(what)
        seconds = time.perf_counter() - started
        return (tracemalloc.get_traced_memory()[1] - base) / 1_048_576, seconds
    finally:
        tracemalloc.stop()


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def rss_peak(work) -> float:
    """MiB the process's resident memory rose above where it was, at its highest, while `work()` ran (Linux:
    the high-water mark is reset through /proc/self/clear_refs). Counts what tracemalloc cannot see: the
    rows libpq holds in C memory."""
    Path("/proc/self/clear_refs").write_text("5")
    base = _status_kib("VmRSS")
    work()
    return (_status_kib("VmHWM") - base) / 1024


def client_side_csv(registry) -> None:
    """The CSV export as iter_profiles read PostgreSQL before: the whole result fetched into the client."""
    from ec_console import registry as reg
    from ec_console.table_csv import write_table

    cursor = registry._conn.execute(  # noqa: SLF001 - the former read, for comparison
        f"SELECT {reg._PROFILE_COLUMNS} FROM {reg._PROFILE_FROM} ORDER BY p.email_key, p.id")  # noqa: SLF001
    rows = ([p.email, p.display_name] for batch in iter(lambda: cursor.fetchmany(500), [])
            for p in map(reg._profile, batch))  # noqa: SLF001
    write_table(["Email", "Name"], rows, Sink())


def main_postgresql(sizes: list[int]) -> int:
    """The CSV export from a PostgreSQL registry (a throwaway cluster, unix socket): the process's resident
    memory and Python's allocations, through the server-side cursor and the former client-side read."""
    import pg_cluster

    from ec_console.registry import Registry

    reads = {"server-side cursor": export_csv, "client-side (before)": client_side_csv}
    peaks: dict[str, list[float]] = {what: [] for what in reads}
    print(f"CSV export from PostgreSQL: peak resident memory above the start (MiB), {os.cpu_count()} CPUs")
    print(f"{'read':<22}{'profiles':>10}{'RSS MiB':>9}{'tracemalloc MiB':>17}{'seconds':>9}")
    names = [f"ec_bench_stream_{count}" for count in sizes]
    with pg_cluster.started_cluster(*names) as cluster:
        if cluster is None:
            return 0
        for count, name in zip(sizes, names, strict=True):
            with Registry(cluster.url(name)) as registry:
                seed(count, registry)
                registry._conn.raw.execute("VACUUM ANALYZE profiles")  # noqa: SLF001
                for what, read in reads.items():
                    read(registry)     # warm: imports, caches, the server's buffers
                    started = time.perf_counter()
                    rss = rss_peak(lambda read=read: read(registry))
                    seconds = time.perf_counter() - started
                    tracemalloc.start()
                    try:
                        base = tracemalloc.get_traced_memory()[0]
                        read(registry)
                        python = (tracemalloc.get_traced_memory()[1] - base) / 1_048_576
                    finally:
                        tracemalloc.stop()
                    peaks[what].append(rss)
                    print(f"{what:<22}{count:>10,}{rss:>9.1f}{python:>17.2f}{seconds:>9.2f}", flush=True)
    for what, values in peaks.items():
        print(f"{what}: {values[0]:.1f} MiB at {sizes[0]:,}, {values[-1]:.1f} MiB at {sizes[-1]:,} profiles")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default="5000,50000", help="registry sizes, comma separated")
    parser.add_argument("--postgresql", action="store_true",
                        help="the CSV export from a PostgreSQL registry (a throwaway cluster) instead")
    args = parser.parse_args()
    sizes = [int(x) for x in args.profiles.split(",")]
    if args.postgresql:
        return main_postgresql(sizes)
    import logging

    logging.disable(logging.INFO)
    outputs = ("profiles list", "profiles list --json", "CSV export")
    peaks: dict[str, list[float]] = {what: [] for what in outputs}
    print(f"streamed outputs: peak Python allocations (tracemalloc) and time, {os.cpu_count()} CPUs")
    print(f"{'output':<22}{'profiles':>10}{'peak MiB':>10}{'seconds':>9}  (under tracemalloc)")
    for i, count in enumerate(sizes):
        os.environ["EC_CONSOLE_HOME"] = tempfile.mkdtemp(prefix=f"ec-bench-stream-{count}-")
        seed(count)
        for what in outputs:
            peak, seconds = measure(what, warm=i == 0)
            peaks[what].append(peak)
            print(f"{what:<22}{count:>10,}{peak:>10.2f}{seconds:>9.2f}", flush=True)
    from summary import report  # `make bench`'s closing table

    for what, values in peaks.items():
        flat = values[-1] < 1.5 * values[0]
        print(f"{what}: {values[0]:.2f} MiB at {sizes[0]:,}, {values[-1]:.2f} MiB at {sizes[-1]:,} profiles "
              f"(target: flat, < 1.5x) — {'met' if flat else 'NOT met'}")
        report(f"{what}: memory at {sizes[-1] // sizes[0]}x the profiles",
               f"{values[0]:.2f} → {values[-1]:.2f} MiB", "flat (< 1.5x)", flat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
