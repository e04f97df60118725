"""Runs every benchmark in bench/ (`make bench`), prints their figures, then one table of every figure beside
its target, met or not (each script records its figures through `bench/summary.py`). Nothing is asserted."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from summary import SUMMARY_ENV, read, table  # noqa: E402

# Scripts run more than once, with these arguments (default: once, without arguments). Issue 13's figures
# at the issue's own sizes: check all with 50 mailboxes per unit of concurrency (200 ms, 20 ms, the whole
# process), the 5% throttled runs at the script's default size (their target is behaviour, not pace), the
# GUI stall at c = 16 with 300 and with 100,000 more profiles in the table.
RUNS: dict[str, list[list[str]]] = {
    "bench_checkall.py": [["--per-slot", "50", "--no-throttled"], ["--throttled-only"],
                          ["--per-slot", "50", "--latency", "0.02", "--no-throttled"],
                          ["--whole-process", "--per-slot", "50"]],
    "bench_checkall_stall.py": [["--concurrency", "16"], ["--concurrency", "16", "--table", "100000"]],
    "bench_ui.py": [["--profiles", "1000000"]],  # issue 13: the main window at a million profiles
    "bench_checkall_processes.py": [],  # a prototype that was measured and not built (docs, section 2)
}


def main() -> int:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    failed = []
    figures: list[tuple[str, dict]] = []
    started = time.monotonic()
    for script in sorted(HERE.glob("bench_*.py")):
        for extra in RUNS.get(script.name, [[]]):
            name = " ".join([script.name, *extra])
            print(f"\n=== {name} ===", flush=True)
            with tempfile.TemporaryDirectory(prefix="ec-bench-") as home:
                summary = Path(home) / "summary.jsonl"
                env = dict(os.environ, EC_CONSOLE_HOME=home, EC_CONSOLE_CREDENTIAL_STORE="memory",
                           **{SUMMARY_ENV: str(summary)})
                env.setdefault("QT_QPA_PLATFORM", "offscreen")
                if subprocess.run([sys.executable, str(script), *extra], env=env).returncode != 0:
                    failed.append(name)
                figures += [(script.stem.removeprefix("bench_"), row) for row in read(summary)]
    print(f"\n=== summary ({len(figures)} figures, {(time.monotonic() - started) / 60:.1f} min) ===")
    print("\n".join(table(figures)) if figures else "no figures were recorded")
    if failed:
        print(f"\nbenchmarks that did not finish: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
