"""Check all's writer: the registry's cost per probe result, one transaction per result against batches.

Builds a throw-away registry (never the user's) with `--results` profiles marked "needs relink", then writes
a passing check for each through `ProfileRecorder("check")` (the profile's check columns, the check report
and an audit entry for the status change), the way `checkall._Writer` does: one transaction per result, or
the results of a batch in one transaction, each its own savepoint. Prints CPU (`time.thread_time`) and wall
time per result for each batch size, alternating them over `--rounds`. Figures only; nothing is asserted.
See docs/benchmarks.md, section 2 ("Results written in batches").

    python bench/bench_checkall_writer.py [--results 800] [--rounds 3] [--batches 1,16,64]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ec_console.checkall import ProbeJob  # noqa: E402
from ec_console.checks import Report, StepResult, StepStatus, utc_now_iso  # noqa: E402
from ec_console.dashboard import ProfileRecorder  # noqa: E402
from ec_console.providers.base import ProbeKind, ProbeOutcome  # noqa: E402
from ec_console.registry import Registry  # noqa: E402


def _passing(email: str) -> ProbeOutcome:
    at = utc_now_iso()
    step = StepResult("read_calendar", "Read", StepStatus.PASS, 1, "2 busy blocks", {"count": 2})
    return ProbeOutcome(email, ProbeKind.OK, at, Report("exchange", email, at, (step,)), None,
                        "2 busy blocks", busy_count=2)


def write(results: int, batch: int) -> tuple[float, float]:
    """(ms of CPU, ms of wall time) per result written in batches of `batch` (1: one by one)."""
    folder = Path(tempfile.mkdtemp(prefix="ec-bench-writer-"))
    with Registry(folder / "registry-bench.sqlite3") as registry:
        app = registry.add_application("Contoso EWS", "exchange", "contoso.example",
                                       {"username": "CONTOSO\\svc"})
        registry.add_profiles(app.id, [(f"u{i}@contoso.example", "") for i in range(results)],
                              status="needs_relink")
        jobs = [ProbeJob(app.id, p.email, p.id) for p in registry.list_profiles()]
        outcomes = [_passing(job.email) for job in jobs]
        recorder = ProfileRecorder("check")
        cpu, wall = time.thread_time(), time.perf_counter()
        for start in range(0, results, batch):
            part = list(zip(jobs[start:start + batch], outcomes[start:start + batch], strict=True))
            if batch == 1:
                recorder.record(registry, *part[0])
                continue
            with registry.transaction():
                for job, outcome in part:
                    with registry.transaction():
                        recorder.record(registry, job, outcome)
        return ((time.thread_time() - cpu) / results * 1000, (time.perf_counter() - wall) / results * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", default="1,16,64", help="batch sizes, comma separated (1: one by one)")
    args = parser.parse_args()
    os.environ.setdefault("EC_CONSOLE_HOME", tempfile.mkdtemp(prefix="ec-bench-home-"))
    batches = [int(b) for b in args.batches.split(",")]
    print(f"check all's writer: {args.results:,} results that each change a status; "
          f"{os.cpu_count()} CPU(s), a shared, noisy machine; load {os.getloadavg()[0]:.1f}")
    for round_no in range(1, args.rounds + 1):
        for batch in batches:
            cpu, wall = write(args.results, batch)
            label = "one by one" if batch == 1 else f"batches of {batch}"
            print(f"round {round_no}  {label:<16} {cpu:6.3f} ms of CPU a result  {wall:6.3f} ms wall")


if __name__ == "__main__":
    main()
