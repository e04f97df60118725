"""The Qt binding keeps Python's None alive: tens of thousands of Qt calls that return nothing, and
repaints of the styled profile table, leave None's reference count where it was.

PySide6 6.12.0 dropped one reference to None on every such call; on Python 3.11 (None is not immortal before
3.12) the process then aborts with "Fatal Python error: none_dealloc" after a few thousand calls — in an
ordinary session of the console. pyproject.toml keeps PySide6 below 6.12 for that reason; this test fails on a
binding with the fault whatever its version. It runs in a child process, because the fault ends the process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import os, sys
from PySide6.QtWidgets import QLabel
from ec_console.ui import theme
from ec_console.ui.app import create_application, create_main_window
app = create_application()
theme.apply_theme(app, "dark")
label = QLabel()
before = sys.getrefcount(None)
for i in range(50_000):
    label.setText("x")          # returns nothing
    label.setHidden(False)      # returns nothing
window = create_main_window("us", keychain="Test keychain")
window.resize(1280, 780)
window.show()
for _ in range(200):
    window.profiles_table.viewport().repaint()
after = sys.getrefcount(None)
print("none", before, after, flush=True)
"""


def test_qt_calls_that_return_nothing_keep_none_alive(tmp_path):
    env = dict(os.environ, EC_CONSOLE_HOME=str(tmp_path), EC_CONSOLE_CREDENTIAL_STORE="memory",
               QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"the process ended with {done.returncode}: {done.stderr[-1500:]}"
    before, after = (int(n) for n in done.stdout.split()[1:3])
    assert before - after < 1000, f"{before - after} references to None lost"
