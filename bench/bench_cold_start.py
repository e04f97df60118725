"""Cold start: `ec-console --self-test` against a bare PySide6 window, both as whole processes. Figures only.

A is a bare `QMainWindow` holding a `QTableView`, shown offscreen and drawn (the same five event-loop
passes the self-test gives its window); B is `python -m ec_console --self-test` (main window built on an
empty data folder, shown offscreen, screenshot saved and checked, keychain reported). Each is timed from
spawn to exit, in pairs (A then B, then B then A, alternately, so a noisy neighbour hits both sides), and
each pair's ratio B / A is printed with the median ratio. Target (issue 13): median ratio <= 2.

CPU time (user + system) of each process is printed beside it: on a shared machine it moves less than
wall time. Bytecode is compiled once before the timed runs (into a temporary `PYTHONPYCACHEPREFIX`), as it
is for an installed console; `--importtime` adds the ten slowest imports of the self-test's work done on one
thread (`python -X importtime`, cumulative, so a module's figure includes the modules it imports).

    QT_QPA_PLATFORM=offscreen python bench/bench_cold_start.py [--pairs 7] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from summary import report  # noqa: E402

TARGET = 2.0

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTableView())
window.resize(1100, 700)
window.show()
for _ in range(5):
    app.processEvents()
window.close()
"""


def _env(pycache: str, home: str) -> dict[str, str]:
    # The OS keychain, as an installed console asks it (run_all sets the in-memory store for the others).
    drop = ("PYTHONDONTWRITEBYTECODE", "EC_CONSOLE_CREDENTIAL_STORE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PYTHONPYCACHEPREFIX=pycache, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               EC_CONSOLE_HOME=home, PYTHONPATH=str(ROOT))
    return env


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from spawn to exit, CPU seconds the process used)."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        why = result.stderr.strip()[-400:]
        raise SystemExit(f"{' '.join(argv[1:3])} failed ({result.returncode}): {why}")
    return elapsed, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# What the self-test imports, on one thread: the self-test asks the keychain on a second thread beside
# building its window, and two threads importing at once tangle `-X importtime`'s nesting.
SELF_TEST_IMPORTS = """
from ec_console import cli
cli.parse_arguments(["--self-test"])
from ec_console.ui.app import create_application, create_main_window
from ec_console.ui import theme
app = create_application()
theme.apply_theme(app, "light")
window = create_main_window(keychain="checking")
window.show()
for _ in range(5):
    app.processEvents()
from ec_console.keychain import keychain_status
keychain_status()
"""


def top_imports(env: dict[str, str], count: int = 10) -> list[tuple[int, int, str]]:
    """The `count` largest cumulative import times of the self-test: (cumulative µs, depth, module)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", SELF_TEST_IMPORTS],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+-?\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((int(match[1]), (len(match[2]) - 1) // 2, match[3]))
    return sorted(rows, reverse=True)[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7, help="A/B pairs timed (default 7, at least 5)")
    parser.add_argument("--importtime", action="store_true", help="also list the ten slowest imports")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ec-bench-cold-") as scratch:
        env = _env(str(Path(scratch) / "pycache"), scratch)
        bare = [sys.executable, "-c", BARE]
        console = [sys.executable, "-m", "ec_console", "--self-test", str(Path(scratch) / "shot.png")]
        for argv_ in (bare, console):  # compile and cache bytecode, warm the file cache: not timed
            _timed(argv_, env)
        print(f"cold start, whole processes, {args.pairs} pairs (A: bare QMainWindow + QTableView; "
              "B: ec-console --self-test)")
        columns = f"{'A s':>6}  {'B s':>6}  {'B / A':>6}"
        print(f"{'pair':>4}  {columns}   CPU: {columns}")
        ratios, cpu_ratios = [], []
        for pair in range(args.pairs):
            order = (bare, console) if pair % 2 == 0 else (console, bare)
            times = {id(a): _timed(a, env) for a in order}
            (a, a_cpu), (b, b_cpu) = times[id(bare)], times[id(console)]
            ratios.append(b / a)
            cpu_ratios.append(b_cpu / a_cpu)
            print(f"{pair + 1:>4}  {a:6.3f}  {b:6.3f}  {b / a:6.2f}        {a_cpu:6.3f}  {b_cpu:6.3f}  "
                  f"{b_cpu / a_cpu:6.2f}", flush=True)
        median = statistics.median(ratios)
        cpu_median = statistics.median(cpu_ratios)
        print(f"median CPU-time ratio: {cpu_median:.2f} (for reading a noisy machine; "
              "the target is on wall time)")
        met = median <= TARGET
        print(f"median B / A: {median:.2f} (target <= {TARGET:.0f}) — {'met' if met else 'NOT met'}")
        report("self-test / bare window, median of paired runs", f"{median:.2f}×", f"≤ {TARGET:.0f}×", met)
        report("self-test / bare window, CPU time (for reading a loaded machine)", f"{cpu_median:.2f}×",
               f"≤ {TARGET:.0f}× (on wall time)", None)
        if args.importtime:
            print("ten slowest imports of the self-test (cumulative ms; indented: imported by one above):")
            for micros, depth, name in top_imports(env):
                print(f"  {micros / 1000:7.1f}  {'  ' * depth}{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
