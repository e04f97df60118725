"""Shared test setup: offscreen Qt, a temporary EC_CONSOLE_HOME, no stray threads.

Every test runs with its own empty EC_CONSOLE_HOME, so nothing touches a real user's folders, and with the
in-memory credential store unless it asks for a real keychain.
"""

from __future__ import annotations

import os
import threading
import time

# Qt must see this before it is imported anywhere.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("EC_CONSOLE_HOME", None)

import pytest  # noqa: E402

# The sandbox fixtures `org`, `registry` and `store` (tests/sandbox_setup.py), for every test module.
pytest_plugins = ("sandbox_setup",)


@pytest.fixture(autouse=True)
def ec_home(tmp_path_factory, monkeypatch):
    """A fresh, empty EC_CONSOLE_HOME for every test."""
    home = tmp_path_factory.mktemp("ec-home")
    monkeypatch.setenv("EC_CONSOLE_HOME", str(home))
    from ec_console.resources import resources_dir

    resources_dir.cache_clear()
    yield home


def _live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive() and t is not threading.main_thread()}


@pytest.fixture(autouse=True)
def no_leftover_threads(request):
    """Fail a test that leaves worker threads running after it ends."""
    before = _live_threads()
    yield
    if request.node.get_closest_marker("allow_threads"):
        return
    deadline = time.monotonic() + 5.0
    leftover = _live_threads() - before
    while leftover and time.monotonic() < deadline:
        time.sleep(0.05)
        leftover = {t for t in leftover if t.is_alive()}
    # Daemon threads owned by third-party libraries' pools can be named here if ever needed.
    assert not leftover, f"test left threads running: {sorted(t.name for t in leftover)}"


@pytest.fixture(autouse=True)
def memory_credential_store(monkeypatch):
    """The in-memory credential store unless a test asks for a real keychain; no logging state leaks."""
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")
    yield
    from ec_console import logs

    logs.reset_logging()
    logs.clear_registered_secrets()


@pytest.fixture(autouse=True)
def table_reads_on_the_gui_thread(monkeypatch):
    """The profile table reads on the GUI thread without a time budget: on a busy test machine a budget
    would send reads to a worker at random. Tests of the worker path give their model a budget."""
    monkeypatch.setattr("ec_console.ui.profiles_model.SYNC_BUDGET_MS", None)
