"""`profiles list` (table and JSON) and the profile CSV export: their memory must not grow with the registry.

    .venv/bin/python bench/bench_streaming_lists.py [--profiles 5000,50000]

For each size a registry is seeded (`Registry.bulk_load_profiles`, one application), then each output is run
under `tracemalloc` (after one run at the first size to warm the imports and caches): the peak of Python
allocations above what was held before, and the time (slowed several times by `tracemalloc`), with the output
thrown away (a sink that keeps nothing). The target (issue 13): the peak at the largest size is flat, within
1.5x of the smallest size's (holding the rows, or only their ids, grows with them:
`tests/test_streaming_lists.py` asserts the behaviour). Prints figures only.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


class Sink(io.TextIOBase):
    """A stdout that keeps nothing, so only the command's own memory is measured."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def seed(count: int) -> None:
    from ec_console.registry import Registry

    with Registry.for_region("us") as registry:
        app = registry.add_application("Room booking", "exchange", "contoso.com")
        registry.bulk_load_profiles((app.id, f"user{n:07d}@contoso.com", f"Person Number {n:07d}", "linked",
                                     "2026-11-23T22:18:09Z", "pass", None) for n in range(count))


def run(what: str) -> None:
    from ec_console import cli
    from ec_console.registry import ProfileQuery, Registry
    from ec_console.table_csv import iter_profiles, write_table

    if what == "CSV export":
        with Registry.for_region("us") as registry:
            rows = ([p.email, p.display_name] for p in iter_profiles(registry, ProfileQuery()))
            write_table(["Email", "Name"], rows, Sink())
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default="5000,50000", help="registry sizes, comma separated")
    args = parser.parse_args()
    sizes = [int(x) for x in args.profiles.split(",")]
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
