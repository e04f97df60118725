"""The one background API of the console's UI (STYLE.md pattern 2).

Every blocking call a widget needs (network, keychain, registry writes, bulk checks) goes through
`run_in_background`: the work runs on a pool thread, and its result or exception comes back on the GUI
thread through a queued signal. A failure nobody handles reaches one error presenter (the exception
dialog by default). Work never touches widgets: it receives a `TaskContext` to observe cancellation and
report progress, and returns a value.

Pools by purpose, all joined by `shutdown_pools()` when the application quits:

- ``interactive``: one thread, for what the user is waiting on (a connectivity check, reading the keychain);
- ``writer``: one thread, for registry writes (an SQLite connection belongs to one thread);
- ``bulk``: a bounded pool for many independent pieces of work (checking every profile);
- ``reader``: two threads for registry reads too long for a frame (the profile table's pages and counts at
  a million profiles), each with its own read connection;
- ``connect``: one thread, for opening the window's own connection to a shared registry again after it was
  lost (up to the connect timeout on a silent network: never on the GUI thread).

Typical use::

    run_in_background(
        self, lambda ctx: probe(app, mailbox, cancelled=ctx.is_cancelled),
        on_success=self.show_report, progress="Checking the mailbox…",
    )
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

T = TypeVar("T")
PoolName = Literal["interactive", "bulk", "writer", "reader", "connect"]
BULK_MAX_WORKERS = max(2, min(8, os.cpu_count() or 2))
PROGRESS_DELAY_MS = 600

_POOL_SIZES: dict[str, int] = {"interactive": 1, "writer": 1, "bulk": BULK_MAX_WORKERS, "reader": 2,
                               "connect": 1}
_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


class TaskCancelled(Exception):
    """Raised inside work (by `TaskContext.raise_if_cancelled`) to stop early after a cancel."""


@dataclass(frozen=True)
class Progress:
    """One progress update; `total` 0 means "unknown" (a busy indicator)."""

    done: int = 0
    total: int = 0
    label: str = ""


class TaskContext:
    """What the work function may use: cancellation and progress reports (thread-safe)."""

    def __init__(self, on_progress: Callable[[], None]) -> None:
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._latest: Progress | None = None
        self._pending = False
        self._notify = on_progress

    # cancellation -------------------------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise TaskCancelled()

    def wait_cancelled(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking early on cancel (for back-off waits)."""
        return self._cancel.wait(timeout)

    # progress (updates are merged: the GUI sees the latest one, never a backlog) ----------------
    def report(self, done: int, total: int = 0, label: str = "") -> None:
        with self._lock:
            self._latest = Progress(done, total, label)
            if self._pending:
                return
            self._pending = True
        self._notify()

    def take_progress(self) -> Progress | None:
        with self._lock:
            self._pending = False
            latest, self._latest = self._latest, None
        return latest


def _pool(name: str) -> ThreadPoolExecutor:
    if name not in _POOL_SIZES:
        raise ValueError(f"unknown pool {name!r}; use one of {', '.join(_POOL_SIZES)}")
    with _pools_lock:
        pool = _pools.get(name)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=_POOL_SIZES[name], thread_name_prefix=f"ec-{name}")
            _pools[name] = pool
        return pool


def shutdown_pools(*, cancel_pending: bool = True) -> None:
    """Cancel what has not started, signal running tasks to stop, and join every pool thread.

    Called when the application quits and by tests. Pools are created again on the next use.
    """
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for task in list(_running):
        task.cancel()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=cancel_pending)


def active_tasks() -> int:
    """How many tasks have been started and not yet delivered (for tests and the quit prompt)."""
    return len(_running)


# ------------------------------------------------------------------------------------------------
# error presenter


def _default_presenter(exc: BaseException, parent: QWidget | None) -> None:
    from ec_console.ui.errors import report_exception

    report_exception(type(exc), exc, exc.__traceback__, parent=parent)


_presenter: Callable[[BaseException, QWidget | None], None] = _default_presenter


def set_error_presenter(presenter: Callable[[BaseException, QWidget | None], None] | None) -> None:
    """Replace the presenter of unhandled task failures (None restores the exception dialog)."""
    global _presenter
    _presenter = presenter or _default_presenter


# ------------------------------------------------------------------------------------------------
# tasks

_running: set[Task] = set()


class _Relay(QObject):
    """Carries every task's result and progress from the pool threads to the GUI thread.

    Pool threads emit only on this object, never on a `Task`. A task is deleted on the GUI thread as soon
    as its result is delivered, and PySide lets go of the GIL while a signal is emitted: the GUI thread
    could deliver the result and delete the task while the pool thread was still inside that emit, which
    Qt does not allow (the worker then read the deleted object's connections: a crash, now and then,
    on a busy machine). The relay is a child of the application and lives as long as it does; the
    pools are joined before the application goes (`shutdown_pools` on aboutToQuit).
    """

    finished = Signal(object, object, object)   # (task, result, exception)
    progressed = Signal(object)                 # (task)

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.finished.connect(self._finish, Qt.ConnectionType.QueuedConnection)
        self.progressed.connect(self._progress, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, object)
    def _finish(self, task: Task, result: Any, exc: BaseException | None) -> None:
        task._deliver(result, exc)

    @Slot(object)
    def _progress(self, task: Task) -> None:
        task._deliver_progress()


_relay: _Relay | None = None


def _the_relay() -> _Relay:
    """The application's relay, made on first use (on the GUI thread)."""
    global _relay
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("run_in_background needs a QApplication")
    if _relay is None or not shiboken6.isValid(_relay):
        _relay = _Relay(app)
    return _relay


class Task(QObject):
    """One piece of background work and its delivery back on the GUI thread.

    Created by `run_in_background`; keep it to `cancel()` later. Its callbacks run on the GUI thread,
    and not at all when its parent widget has been destroyed meanwhile.

    The task is a child of the relay, so only Qt deletes it (on the GUI thread, once delivered): Python's
    garbage collector, which may run on any thread, never does.
    """

    done = Signal()                        # after the callbacks ran (or were skipped)

    def __init__(
        self,
        parent: QObject | None,
        fn: Callable[[TaskContext], Any],
        *,
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
        on_cancelled: Callable[[], None] | None,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        relay = _the_relay()
        super().__init__(relay)
        self._relay = relay
        self._delivered = False
        self._parent = parent
        self._fn = fn
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_cancelled = on_cancelled
        self._on_progress = on_progress
        self.context = TaskContext(lambda: relay.progressed.emit(self))
        self.future: Future[Any] | None = None

    def cancel(self) -> None:
        """Ask the work to stop; its success callback will not run. Not-started work never starts."""
        self.context.cancel()
        if self.future is not None:
            self.future.cancel()

    @property
    def cancelled(self) -> bool:
        return self.context.cancelled

    def _run(self) -> None:
        """Runs on a pool thread: touches no Qt object but the relay."""
        if self.context.cancelled:
            self._relay.finished.emit(self, None, TaskCancelled())
            return
        try:
            result = self._fn(self.context)
        except BaseException as exc:  # delivered to the GUI thread, never lost
            self._relay.finished.emit(self, None, exc)
        else:
            self._relay.finished.emit(self, result, None)

    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _deliver_progress(self) -> None:
        update = self.context.take_progress()
        if self._delivered:                # a report after the result (from a helper thread of the work)
            return
        if update is not None and self._on_progress is not None and self._parent_alive():
            if not self.context.cancelled:
                self._on_progress(update)

    def _deliver(self, result: Any, exc: BaseException | None) -> None:
        if self._delivered:
            return
        self._delivered = True
        _running.discard(self)
        try:
            if not self._parent_alive():
                return
            if isinstance(exc, TaskCancelled) or (exc is None and self.context.cancelled):
                if self._on_cancelled is not None:
                    self._on_cancelled()
                return
            if exc is not None:
                self._fail(exc)
                return
            if self._on_success is not None:
                self._on_success(result)
        finally:
            self.done.emit()
            self.deleteLater()

    def _fail(self, exc: BaseException) -> None:
        if self._on_failure is not None:
            try:
                self._on_failure(exc)
                return
            except Exception as handler_exc:  # a broken handler must still be seen
                exc = handler_exc
        widget = self._parent if isinstance(self._parent, QWidget) else None
        log.error("Background task failed", exc_info=(type(exc), exc, exc.__traceback__))
        _presenter(exc, widget)


def run_in_background(
    parent: QObject | None,
    fn: Callable[[TaskContext], T],
    *,
    on_success: Callable[[T], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    pool: PoolName = "interactive",
    progress: str | None = None,
) -> Task:
    """Run `fn(context)` on `pool`; deliver its result or exception on the GUI thread.

    - `on_success(result)` runs on the GUI thread, unless the task was cancelled or `parent` destroyed.
    - `on_failure(exc)` likewise; without it the failure is logged and shown by the error presenter.
    - `progress`: a label for a delayed, cancellable progress dialog over `parent` (shown only if the work
      takes longer than ~600 ms). Progress reports from `context.report()` update it, merged.
    Must be called on the GUI thread.
    """
    if QThread.currentThread() is not QCoreApplication.instance().thread():
        raise RuntimeError("run_in_background must be called on the GUI thread")
    dialog: DelayedProgress | None = None
    if progress is not None:
        dialog = DelayedProgress(parent if isinstance(parent, QWidget) else None, progress)
        user_progress = on_progress

        def _progress(update: Progress) -> None:
            if dialog is not None:
                dialog.update_progress(update)
            if user_progress is not None:
                user_progress(update)

        on_progress = _progress
    task = Task(parent, fn, on_success=on_success, on_failure=on_failure, on_cancelled=on_cancelled,
                on_progress=on_progress)
    if dialog is not None:
        dialog.cancel_requested.connect(task.cancel)
        task.done.connect(dialog.finish)
        dialog.start()
    _running.add(task)
    task.future = _pool(pool).submit(task._run)
    task.future.add_done_callback(lambda fut: _deliver_if_never_ran(task, fut))
    return task


def _deliver_if_never_ran(task: Task, future: Future[Any]) -> None:
    """A future cancelled before it started never runs `_run`: still deliver the cancellation."""
    if future.cancelled():
        task._relay.finished.emit(task, None, TaskCancelled())


# ------------------------------------------------------------------------------------------------
# delayed progress


class DelayedProgress(QObject):
    """A progress dialog that appears only when work lasts longer than `delay_ms`, and can be cancelled.

    Quick work never flashes a dialog; long work shows done/total (or a busy bar) and a Cancel button.
    Updates are merged: `update_progress` only stores the latest values into the dialog.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None, label: str, *, delay_ms: int = PROGRESS_DELAY_MS) -> None:
        super().__init__(parent)
        self._parent_widget = parent
        self._label = label
        self._latest = Progress(0, 0, label)
        self._dialog: QProgressDialog | None = None
        self._finished = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._show)

    @property
    def dialog(self) -> QProgressDialog | None:
        """The dialog once it is shown (None before the delay has passed)."""
        return self._dialog

    def start(self) -> None:
        self._timer.start()

    def update_progress(self, update: Progress) -> None:
        self._latest = Progress(update.done, update.total, update.label or self._label)
        if self._dialog is not None:
            self._apply()

    def _apply(self) -> None:
        assert self._dialog is not None
        update = self._latest
        self._dialog.setLabelText(update.label)
        self._dialog.setMaximum(max(update.total, 0))
        if update.total:
            self._dialog.setValue(min(update.done, update.total))

    @Slot()
    def _show(self) -> None:
        if self._finished:
            return
        dialog = QProgressDialog(self._label, self.tr("Cancel"), 0, 0, self._parent_widget)
        dialog.setObjectName("progressDialog")
        dialog.setAccessibleName(self.tr("Progress"))
        dialog.setWindowTitle(self.tr("Working…"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self._cancel)
        self._dialog = dialog
        self._apply()
        dialog.show()

    @Slot()
    def _cancel(self) -> None:
        if self._dialog is not None:
            self._dialog.setLabelText(self.tr("Cancelling…"))
            self._dialog.setCancelButton(None)
        self.cancel_requested.emit()

    @Slot()
    def finish(self) -> None:
        """The work is over: stop the timer and close the dialog if it was shown."""
        self._finished = True
        self._timer.stop()
        if self._dialog is not None:
            self._dialog.canceled.disconnect(self._cancel)
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
        self.deleteLater()
