"""Repainting the profile table with the console's style many times does not end the process: PySide6
6.12 takes a reference from None on calls made inside the style's drawPrimitive, and Python aborts
("deallocating None") once None's count reaches zero. Run in a child process (an abort would end pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import os, sys
from PySide6.QtCore import QEventLoop
from ec_console.registry import Registry
from ec_console.ui import theme
from ec_console.ui.app import create_application, create_main_window
from ec_console.ui.sample_data import seed_sample_data

with Registry.for_region("us") as registry:
    seed_sample_data(registry, "us", profiles=300, checks=False)
app = create_application()
theme.apply_theme(app, "light")
window = create_main_window("us", keychain="Test keychain")
window.resize(1280, 780)
window.show()
QEventLoop().processEvents()
before = sys.getrefcount(None)
for _ in range(300):
    window.profiles_table.viewport().repaint()
after = sys.getrefcount(None)
print("repainted", before, after, flush=True)
os._exit(0 if after >= before - 1000 else 3)
"""


def test_three_hundred_repaints_of_the_table_keep_the_process_alive(tmp_path):
    env = dict(os.environ, EC_CONSOLE_HOME=str(tmp_path), EC_CONSOLE_CREDENTIAL_STORE="memory",
               QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "repainted" in done.stdout
