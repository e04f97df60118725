"""The keychain line of Help → About, the status bar and `--self-test`, with no Qt and no import cost.

`keychain_status()` asks the OS keychain (through `ec_console.secrets`, imported on the call: the keyring
package finds its backends by scanning the installed packages, which costs a noticeable part of a start)
and is blocking: the GUI runs it in the background, and the self-test runs it beside building its window.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def keychain_status() -> str:
    """The secure keychain backend in use, or "unavailable: <why>". Blocking: run it in the background."""
    try:
        from ec_console.secrets import default_store

        store = default_store()
        check = getattr(store, "check_usable", None)
        if callable(check):
            check()  # reads a probe item, writes nothing
        return str(store.backend_name)
    except Exception as exc:  # KeychainUnavailable has a message meant for the admin; others are logged
        message = getattr(exc, "message", None)
        if not isinstance(message, str):
            log.warning("The keychain could not be queried", exc_info=True)
            message = str(exc) or type(exc).__name__
        return f"unavailable: {message}"
