"""Running the real CLI in-process for the hardening tests, with a time bound and a memory measure."""

from __future__ import annotations

import json
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)
# A traceback printed to a user always carries one of these.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "', "  File ")


@dataclass
class CliRun:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.out)

    def failure(self) -> dict[str, Any]:
        """The first failed step of the JSON report."""
        return next(s for s in self.report["steps"] if s["status"] == "fail")

    def code_of_failure(self) -> str:
        diagnosis = self.failure()["diagnosis"]
        return diagnosis["code"] if diagnosis else ""


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        for marker in TRACEBACK_MARKERS:
            assert marker not in text, f"a traceback reached the user:\n{text[:2000]}"


def wire_check_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """`cli.build_parser` with `check` registered, whether or not the lead has wired it in yet."""
    import argparse

    from ec_console import cli
    from ec_console.commands import check

    original = cli.build_parser

    def build() -> argparse.ArgumentParser:
        parser = original()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and "check" not in action.choices:
                check.register(action)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)


def clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy and no secret from the machine's environment leaks into a test."""
    for name in (*PROXY_VARIABLES, "EC_PASSWORD", "EC_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def run_cli(capsys: pytest.CaptureFixture[str], argv: list[str], *, limit: float) -> CliRun:
    """`cli.main(argv)` in-process; fails the test if it takes longer than `limit` seconds."""
    from ec_console import cli

    capsys.readouterr()
    start = time.monotonic()
    code = cli.main(argv)
    seconds = time.monotonic() - start
    out, err = capsys.readouterr()
    assert seconds <= limit, f"{argv[:2]} took {seconds:.1f} s, more than {limit} s"
    return CliRun(code, out, err, seconds)


def call_with_deadline(function: Callable[[], Any], seconds: float) -> Any:
    """Run `function` on a worker thread; fail if it has not returned within `seconds` (a hang)."""
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            result["error"] = exc

    thread = threading.Thread(target=work, name="deadline-worker", daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function!r} did not finish within {seconds} s"
    if "error" in result:
        raise result["error"]
    return result.get("value")


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """Measure the peak of Python allocations (tracemalloc) while the block runs: `peak[0]` in bytes."""
    peak = [0]
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        yield peak
    finally:
        peak[0] = tracemalloc.get_traced_memory()[1] - base
        if not was_tracing:
            tracemalloc.stop()


MB = 1024 * 1024
