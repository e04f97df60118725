"""`python -m ec_console` (and the frozen executables) run the same entry point as `ec-console`."""

import os
import sys

# A windowed frozen build (Windows, macOS) has no console: give print() somewhere harmless to go.
if sys.stdout is None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115

from ec_console.cli import run  # noqa: E402

if __name__ == "__main__":
    run()
