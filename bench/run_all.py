"""Runs every benchmark in bench/ (`make bench`) and prints their figures. Nothing is asserted."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Arguments a script runs with here (the figure where it differs from the script's default).
ARGUMENTS: dict[str, list[str]] = {
    "bench_ui.py": ["--profiles", "1000000"],  # issue 13: the main window at a million profiles
}


def main() -> int:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        with tempfile.TemporaryDirectory(prefix="ec-bench-") as home:
            env = dict(os.environ, EC_CONSOLE_HOME=home, EC_CONSOLE_CREDENTIAL_STORE="memory")
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
            command = [sys.executable, str(script), *ARGUMENTS.get(script.name, [])]
            if subprocess.run(command, env=env).returncode != 0:
                failed.append(script.name)
    if failed:
        print(f"\nbenchmarks that did not finish: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
