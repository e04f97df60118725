"""`ec-console sandbox serve` prints both sides of the sandbox and stops cleanly."""

import io
import json
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
    # The files it named were real while it ran, and the temporary folder is gone after stop.
    assert not Path(info["ca_file"]).exists()


def test_human_output_says_how_to_try_it():
    text = _serve(False)
    assert "ec-console check exchange" in text and "--ca-file" in text
    assert "Google Workspace" in text and "Service-account key" in text
