"""Live updates from a PostgreSQL registry: LISTEN/NOTIFY on a thread of its own (Qt-free).

Schema 13's triggers (`registry_pg.NOTIFY_CHANNEL`) send a small JSON notification at COMMIT after each
statement that changes applications, profiles, checks, audit or health_history. A `Listener` opens its own
connection (`registry_pg.connect`, the same sign-in as the console's), LISTENs, and blocks in
`conn.notifies(timeout=...)` on its thread: no queries are repeated to look for changes.

- `on_change(table)` is called (on the listener's thread) once per changed table per burst: notifications
  arriving within `window` seconds of the first one are merged. `EVERYTHING` ("*") means "refresh
  everything": sent after a reconnection, since changes made while the connection was down were missed.
- `on_state(text)` says how the connection is: "connected", "lost: <plain reason>", "reconnected".
- A lost connection (server restart, `pg_terminate_backend`, network) is noticed by the blocked wait
  itself, or, when the network goes silent, by a `SELECT 1` after `ping_every` seconds without news, which
  is given `ping_timeout` seconds to answer (a firewall that drops packets answers nothing, and nothing
  resets the connection: it is then cut here), and TCP keepalives. The listener then reconnects by
  itself, waiting `backoff` (1 s, doubled, at most 30 s) between tries.
- `stop()` ends the thread promptly (the wait wakes at least every `tick` seconds) and closes the
  connection.

Callbacks run on the listener's thread: a GUI hands them to its own thread (ui/live_updates.py).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ec_console import registry_pg as pg

log = logging.getLogger(__name__)

EVERYTHING = "*"
COALESCE_WINDOW_S = 0.1
BACKOFF_FIRST_S = 1.0
BACKOFF_CAP_S = 30.0
PING_EVERY_S = 30.0
PING_TIMEOUT_S = 10.0      # a ping the server has not answered by then: the network went silent
TICK_S = 0.25
# TCP keepalives on the listener's connection: a silent network is noticed within about 25 s.
_KEEPALIVES = {"keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5",
               "keepalives_count": "3"}

STATE_CONNECTED = "connected"
STATE_RECONNECTED = "reconnected"
STATE_LOST = "lost"
SILENT_REASON = "the database server stopped answering"


def lost_reason(exc: BaseException) -> str:
    """A lost connection in plain words (never a password: libpq puts none in its messages)."""
    text = str(exc).lower()
    if "administrator command" in text or "terminating connection" in text:
        return "the database server ended the connection"
    if "shutting down" in text or "starting up" in text or "recovery" in text:
        return "the database server is restarting"
    if "server closed the connection" in text:
        return "the database server closed the connection"
    if "connection is lost" in text or "consuming input failed" in text or "connection is closed" in text:
        return "the connection to the database server was cut"
    if "timeout" in text or "timed out" in text:
        return "the database server stopped answering"
    if isinstance(exc, pg.PgRegistryError):
        return str(exc)
    first = str(exc).strip().splitlines()
    return f"the database server cannot be reached ({first[0] if first else type(exc).__name__})"


class Listener:
    """Listens for registry changes on a PostgreSQL registry; see the module's docstring."""

    def __init__(self, target: str | pg.Target, on_change: Callable[[str], None],
                 on_state: Callable[[str], None] | None = None, *, password: str | None = None,
                 channel: str = pg.NOTIFY_CHANNEL, window: float = COALESCE_WINDOW_S,
                 backoff: tuple[float, float] = (BACKOFF_FIRST_S, BACKOFF_CAP_S),
                 ping_every: float = PING_EVERY_S, ping_timeout: float = PING_TIMEOUT_S,
                 tick: float = TICK_S) -> None:
        parsed = pg.parse_url(target) if isinstance(target, str) else target
        conninfo = dict(parsed.conninfo)
        for key, value in _KEEPALIVES.items():
            conninfo.setdefault(key, value)
        conninfo["application_name"] = f"{conninfo.get('application_name') or 'ec-console'} (live updates)"
        self.target = replace(parsed, conninfo=conninfo)
        self._password = password
        self._on_change = on_change
        self._on_state = on_state
        self._channel = channel
        self._window = window
        self._backoff = backoff
        self._ping_every = ping_every
        self._ping_timeout = ping_timeout
        self._silent = False             # the last ping went unanswered (the connection was cut here)
        self._tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None
        self._pid: int | None = None
        self.state = ""

    # ------------------------------------------------------------------------------------------ control

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the listener is already started")
        self._thread = threading.Thread(target=self._run, name="ec-registry-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and wait (at most `timeout` seconds) for the thread to end."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening connection (None while not connected)."""
        return self._pid

    # ------------------------------------------------------------------------------------------- thread

    def _run(self) -> None:
        delay = self._backoff[0]
        connected_once = False
        lost_said = ""
        try:
            while not self._stop.is_set():
                try:
                    self._connect()
                except Exception as exc:  # noqa: BLE001 - any failure to connect is reported and retried
                    reason = lost_reason(exc)
                    if connected_once or not lost_said:
                        if reason != lost_said:
                            self._say(f"{STATE_LOST}: {reason}")
                            lost_said = reason
                    if self._stop.wait(delay):
                        return
                    delay = min(delay * 2, self._backoff[1])
                    continue
                delay = self._backoff[0]
                lost_said = ""
                if connected_once:
                    self._say(STATE_RECONNECTED)
                    self._emit(EVERYTHING)   # what changed while the connection was down was missed
                else:
                    self._say(STATE_CONNECTED)
                    connected_once = True
                try:
                    self._listen()
                except Exception as exc:  # noqa: BLE001 - the connection is gone: said, then reconnected
                    if self._stop.is_set():
                        return
                    reason = SILENT_REASON if self._silent else lost_reason(exc)
                    self._silent = False
                    log.info("registry live updates: connection lost (%s): %r", reason, exc)
                    self._say(f"{STATE_LOST}: {reason}")
                    lost_said = reason
                finally:
                    self._close()
                if not self._stop.is_set() and self._stop.wait(delay):
                    return
        finally:
            self._close()

    def _connect(self) -> None:
        conn = pg.connect(self.target, password=self._password, autocommit=True)
        try:
            conn.execute(f"LISTEN {self._channel}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._pid = conn.info.backend_pid

    def _close(self) -> None:
        conn, self._conn, self._pid = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                log.debug("closing the listener's connection failed", exc_info=True)

    def _listen(self) -> None:
        conn = self._conn
        pending: dict[str, None] = {}
        first = 0.0
        last_news = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            timeout = self._tick
            if pending:
                timeout = max(0.0, min(timeout, first + self._window - now))
            for notify in conn.notifies(timeout=timeout):
                table = _table_of(notify.payload)
                if table is None:
                    continue
                opened = not pending
                if opened:
                    first = time.monotonic()
                pending[table] = None
                if opened or time.monotonic() - first >= self._window:
                    break   # wait again, at most until the merge window closes
            now = time.monotonic()
            if pending and now - first >= self._window:
                tables, pending = list(pending), {}
                last_news = now
                for table in tables:
                    self._emit(table)
            elif not pending and now - last_news >= self._ping_every:
                self._ping(conn)   # a silent network shows here (and through the keepalives)
                last_news = now

    def _ping(self, conn: Any) -> None:
        """`SELECT 1`, answered within `ping_timeout` seconds or the connection is cut (its socket shut
        down, which ends the wait with an error): no reset ever comes from a network that drops packets."""
        def cut() -> None:
            import socket

            self._silent = True
            try:
                fd = conn.pgconn.socket
                with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as duplicate:
                    duplicate.shutdown(socket.SHUT_RDWR)
            except Exception:  # noqa: BLE001 - already closed: the wait has ended anyway
                log.debug("cutting the silent listener connection failed", exc_info=True)

        timer = threading.Timer(self._ping_timeout, cut)
        timer.daemon = True
        timer.start()
        try:
            conn.execute("SELECT 1")
        finally:
            timer.cancel()
        self._silent = False

    def _emit(self, table: str) -> None:
        if self._stop.is_set():
            return
        try:
            self._on_change(table)
        except Exception:  # noqa: BLE001 - an observer's failure must not stop listening
            log.exception("a registry change observer failed")

    def _say(self, state: str) -> None:
        self.state = state
        if self._on_state is None or self._stop.is_set():
            return
        try:
            self._on_state(state)
        except Exception:  # noqa: BLE001
            log.exception("a registry connection-state observer failed")


def _table_of(payload: str) -> str | None:
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    table = data.get("table") if isinstance(data, dict) else None
    return table if isinstance(table, str) and table in pg.NOTIFY_TABLES else None


__all__ = ["EVERYTHING", "Listener", "lost_reason"]
