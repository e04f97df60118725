"""`ec-console sandbox serve` prints every side of the sandbox (Exchange, Google, Graph) and stops cleanly."""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ec_console.sandbox import run_serve


def _serve(json_output: bool) -> str:
    out, stop = io.StringIO(), threading.Event()
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(run_serve(json_output, out=out, stop=stop)))
    worker.start()
    deadline = time.monotonic() + 60
    while not out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(30)
    assert codes == [0]
    return out.getvalue()


def test_json_names_the_exchange_and_google_sides_with_files_that_exist():
    info = json.loads(_serve(True))
    assert info["ews_url"].startswith("https://127.0.0.1:")
    assert info["authority"].startswith("https://127.0.0.1:")
    google = info["google"]
    assert google["api_root"].startswith("https://127.0.0.1:")
    assert google["admin_email"].endswith("@gsandbox.example")
    graph = info["graph"]
    assert graph["authority"].startswith("https://127.0.0.1:") and graph["graph_url"].startswith("https://")
    assert graph["authority"] != graph["graph_url"] != info["authority"]
    assert graph["ca_file"] == info["ca_file"]
    assert {"rbac", "tenant_wide", "access_policy"} <= set(graph["apps"])
    assert graph["mailbox_in_scope"] not in graph["mailboxes_out_of_scope"]
    # The files it named were real while it ran, and the temporary folder is gone after stop.
    assert not Path(info["ca_file"]).exists()


def test_human_output_says_how_to_try_it():
    text = _serve(False)
    assert "ec-console check exchange" in text and "--ca-file" in text
    assert "Google Workspace" in text and "Service-account key" in text
    assert "Microsoft 365 (Graph)" in text and "ec-console check graph" in text


def test_sigterm_removes_the_temporary_key_files_as_ctrl_c_does(tmp_path):
    env = {**os.environ, "EC_CONSOLE_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "ec_console", "sandbox", "serve", "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        files = [Path(info["ca_file"]), Path(info["google"]["key_file"]),
                 Path(info["graph"]["certificate_pem"]), Path(info["graph"]["certificate_pfx"])]
        assert all(f.exists() for f in files)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.stderr.close()
    assert code == 128 + signal.SIGTERM
    assert "Traceback" not in stderr
    assert not any(f.exists() for f in files) and not files[0].parent.exists()
