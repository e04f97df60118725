"""`cli.run`, the `ec-console` program: after a command the process ends without the interpreter's teardown,
having run the exit handlers (the log closed) and flushed its output; the exit status is main's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _program(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EC_CONSOLE_HOME": str(home), "EC_CONSOLE_CREDENTIAL_STORE": "memory",
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env)


def test_a_command_ends_with_its_output_its_status_and_the_exit_handlers_run(tmp_path: Path):
    marker = tmp_path / "exit-handler-ran"
    done = _program(
        "import atexit, pathlib\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "from ec_console.cli import run\n"
        "run(['profiles', 'list', '--json'])\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    assert marker.read_text() == "yes"


def test_bad_input_keeps_its_exit_status_and_message(tmp_path: Path):
    done = _program("from ec_console.cli import run\nrun(['profiles', 'check', '--concurrency', '0'])\n",
                    tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("ec-console: ") and "0" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_log_file_is_complete_when_the_process_has_ended(tmp_path: Path):
    done = _program(
        "import logging\n"
        "from ec_console import cli\n"
        "real = cli.main\n"
        "def main(argv):\n"
        "    status = real(argv)\n"
        "    logging.getLogger('ec_console.test').warning('the last line of the run')\n"
        "    return status\n"
        "cli.main = main\n"
        "cli.run(['profiles', 'list'])\n", tmp_path)
    assert done.returncode == 0, done.stderr
    logs = list(tmp_path.rglob("ec-console.log"))
    assert len(logs) == 1
    assert "the last line of the run" in logs[0].read_text(encoding="utf-8")


def test_a_thread_still_running_is_waited_for(tmp_path: Path):
    """A command that leaves a non-daemon thread working ends as the interpreter ends it: after the thread."""
    written = tmp_path / "written-by-the-thread"
    done = _program(
        "import threading, time, pathlib\n"
        "from ec_console import cli\n"
        "real = cli.main\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        f"    pathlib.Path({str(written)!r}).write_text('done')\n"
        "def main(argv):\n"
        "    threading.Thread(target=late).start()\n"
        "    return real(argv)\n"
        "cli.main = main\n"
        "cli.run(['profiles', 'list'])\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert written.read_text() == "done"


def test_python_dash_m_runs_the_program(tmp_path: Path):
    env = {**os.environ, "EC_CONSOLE_HOME": str(tmp_path), "EC_CONSOLE_CREDENTIAL_STORE": "memory",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "ec_console", "applications", "list", "--json"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_after_a_command_the_interpreter_does_not_free_every_object_one_by_one(tmp_path: Path):
    """The time saved: module teardown (an object's `__del__` run by it) is skipped after a command, and
    only then; `main` called in-process (as the tests do) returns as before."""
    freed = tmp_path / "freed-at-teardown"
    code = (
        "import pathlib, sys\n"
        "class Freed:\n"
        "    def __del__(self):\n"
        f"        pathlib.Path({str(freed)!r}).write_text('freed')\n"
        "kept = Freed()\n"
        "from ec_console import cli\n"
        "status = cli.main(['profiles', 'list'])\n"
        "assert status == 0\n"
        "if sys.argv[1:] == ['run']:\n"
        "    cli.run(['profiles', 'list'])\n"
    )
    env = {**os.environ, "EC_CONSOLE_HOME": str(tmp_path), "EC_CONSOLE_CREDENTIAL_STORE": "memory",
           "PYTHONPATH": str(ROOT)}
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           cwd=ROOT, env=env)
    assert plain.returncode == 0, plain.stderr
    assert freed.read_text() == "freed"  # the ordinary end frees it
    freed.unlink()
    program = subprocess.run([sys.executable, "-c", code, "run"], capture_output=True, text=True,
                             timeout=120, cwd=ROOT, env=env)
    assert program.returncode == 0, program.stderr
    assert not freed.exists()
