"""The background API: work off the GUI thread, results on it, failures, cancellation, shutdown."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from ec_console.ui import tasks
from ec_console.ui.tasks import DelayedProgress, Progress, TaskCancelled, run_in_background


@pytest.fixture(autouse=True)
def _join_pools():
    yield
    tasks.shutdown_pools()
    tasks.set_error_presenter(None)


@pytest.fixture
def parent(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _ec_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ec-") and t.is_alive()]


def test_work_runs_off_the_gui_thread_and_the_result_arrives_on_it(qtbot, parent):
    gui = threading.get_ident()
    seen: dict[str, int] = {}

    def work(_ctx):
        seen["work"] = threading.get_ident()
        return 41 + 1

    results: list[int] = []

    def done(value: int) -> None:
        seen["callback"] = threading.get_ident()
        results.append(value)

    run_in_background(parent, work, on_success=done)
    qtbot.waitUntil(lambda: results == [42])
    assert seen["work"] != gui
    assert seen["callback"] == gui


@pytest.mark.parametrize("pool", ["interactive", "writer", "bulk"])
def test_every_pool_delivers(qtbot, parent, pool):
    results: list[str] = []
    run_in_background(parent, lambda _ctx: threading.current_thread().name, on_success=results.append,
                      pool=pool)
    qtbot.waitUntil(lambda: len(results) == 1)
    assert results[0].startswith(f"ec-{pool}")


def test_unknown_pool_is_refused(parent):
    with pytest.raises(ValueError, match="unknown pool"):
        run_in_background(parent, lambda _ctx: None, pool="fast")  # type: ignore[arg-type]


def test_failure_goes_to_on_failure_on_the_gui_thread(qtbot, parent):
    gui = threading.get_ident()
    failures: list[tuple[BaseException, int]] = []
    successes: list[object] = []

    def work(_ctx):
        raise LookupError("mailbox not in scope")

    run_in_background(parent, work, on_success=successes.append,
                      on_failure=lambda exc: failures.append((exc, threading.get_ident())))
    qtbot.waitUntil(lambda: len(failures) == 1)
    exc, thread = failures[0]
    assert isinstance(exc, LookupError) and str(exc) == "mailbox not in scope"
    assert thread == gui
    assert successes == []


def test_unhandled_failure_reaches_the_one_error_presenter(qtbot, parent):
    presented: list[tuple[BaseException, QWidget | None]] = []
    tasks.set_error_presenter(lambda exc, widget: presented.append((exc, widget)))
    run_in_background(parent, lambda _ctx: 1 / 0)
    qtbot.waitUntil(lambda: len(presented) == 1)
    assert isinstance(presented[0][0], ZeroDivisionError)
    assert presented[0][1] is parent


def test_a_failing_failure_handler_is_presented_too(qtbot, parent):
    presented: list[BaseException] = []
    tasks.set_error_presenter(lambda exc, _widget: presented.append(exc))

    def broken_handler(_exc: BaseException) -> None:
        raise RuntimeError("handler bug")

    run_in_background(parent, lambda _ctx: 1 / 0, on_failure=broken_handler)
    qtbot.waitUntil(lambda: len(presented) == 1)
    assert str(presented[0]) == "handler bug"


def test_cancel_stops_running_work_and_skips_on_success(qtbot, parent):
    started = threading.Event()
    successes: list[object] = []
    cancelled: list[bool] = []

    def work(ctx):
        started.set()
        while not ctx.wait_cancelled(0.01):
            pass
        ctx.raise_if_cancelled()
        return "finished"

    task = run_in_background(parent, work, on_success=successes.append,
                             on_cancelled=lambda: cancelled.append(True))
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: cancelled == [True])
    assert successes == []
    assert task.cancelled


def test_work_that_ignores_cancel_still_has_its_result_dropped(qtbot, parent):
    release = threading.Event()
    successes: list[object] = []
    cancelled: list[bool] = []
    task = run_in_background(parent, lambda _ctx: release.wait(5), on_success=successes.append,
                             on_cancelled=lambda: cancelled.append(True))
    task.cancel()
    release.set()
    qtbot.waitUntil(lambda: cancelled == [True])
    assert successes == []


def test_cancelled_before_it_started_never_runs(qtbot, parent):
    release = threading.Event()
    ran: list[str] = []
    cancelled: list[str] = []
    first_results: list[bool] = []
    run_in_background(parent, lambda _ctx: release.wait(5), pool="interactive",
                      on_success=first_results.append)
    second = run_in_background(parent, lambda _ctx: ran.append("second"), pool="interactive",
                               on_cancelled=lambda: cancelled.append("second"))
    second.cancel()
    release.set()
    qtbot.waitUntil(lambda: cancelled == ["second"] and first_results == [True])
    assert ran == []


def test_progress_updates_are_merged_to_the_latest(qtbot, parent):
    updates: list[Progress] = []
    results: list[str] = []

    def work(ctx):
        for done in range(1, 1001):
            ctx.report(done, 1000, f"Checked {done} of 1000")
        return "ok"

    task = run_in_background(parent, work, on_progress=updates.append, on_success=results.append)
    assert task.future is not None
    task.future.result(5)  # the GUI thread processes no events while the worker reports 1,000 times
    qtbot.waitUntil(lambda: results == ["ok"])
    assert len(updates) == 1
    assert updates[0] == Progress(1000, 1000, "Checked 1000 of 1000")


def test_callbacks_are_skipped_when_the_parent_is_gone(qtbot):
    widget = QWidget()
    release = threading.Event()
    results: list[object] = []
    task = run_in_background(widget, lambda _ctx: release.wait(5), on_success=results.append)
    finished: list[bool] = []
    task.done.connect(lambda: finished.append(True))
    widget.deleteLater()
    qtbot.waitUntil(lambda: not tasks.shiboken6.isValid(widget))
    release.set()
    qtbot.waitUntil(lambda: finished == [True])
    assert results == []


def test_a_progress_report_after_the_result_was_delivered_is_harmless(qtbot, parent):
    """Work may hand its context to a helper thread that reports once more after the work returned: by
    then the task has been delivered and deleted on the GUI thread, and the report must neither reach a
    deleted object nor the progress callback."""
    contexts: list[tasks.TaskContext] = []
    updates: list[Progress] = []
    results: list[str] = []

    def work(ctx):
        contexts.append(ctx)
        return "ok"

    task = run_in_background(parent, work, on_progress=updates.append, on_success=results.append)
    qtbot.waitUntil(lambda: results == ["ok"])
    qtbot.waitUntil(lambda: not tasks.shiboken6.isValid(task))     # delivered, then deleted by Qt
    errors: list[BaseException] = []

    def late_report() -> None:
        try:
            contexts[0].report(1, 1, "one more")
        except BaseException as exc:  # the failure is the assertion below
            errors.append(exc)

    helper = threading.Thread(target=late_report, name="helper")
    helper.start()
    helper.join(5)
    qtbot.wait(50)
    assert errors == []
    assert updates == []


def test_a_task_is_delivered_and_deleted_while_its_worker_is_still_inside_the_emit(qtbot, parent):
    """The interleaving that crashed a pool thread now and then: the worker posts the result; before its
    emit returns (PySide lets go of the GIL meanwhile) the GUI thread delivers it and deletes the task.
    Held inside the emit here until the task is gone, the worker must come out of it unharmed."""
    from PySide6.QtCore import Qt as QtNS

    relay = tasks._the_relay()
    results: list[str] = []
    gone = threading.Event()
    held: list[str] = []

    def hold_the_worker(_task, _result, _exc) -> None:      # runs on the pool thread, inside the emit
        if threading.current_thread().name.startswith("ec-"):
            held.append(threading.current_thread().name)
            gone.wait(10)

    relay.finished.connect(hold_the_worker, QtNS.ConnectionType.DirectConnection)
    try:
        task = run_in_background(parent, lambda _ctx: "ok", on_success=results.append)
        qtbot.waitUntil(lambda: results == ["ok"])
        qtbot.waitUntil(lambda: not tasks.shiboken6.isValid(task))
        assert held and held[0].startswith("ec-interactive")          # the worker is still emitting
        gone.set()
        assert task.future is not None
        task.future.result(5)                                          # and finishes without an error
    finally:
        gone.set()
        relay.finished.disconnect(hold_the_worker)
    assert tasks.shiboken6.isValid(relay)


def test_shutdown_joins_every_pool_thread(qtbot, parent):
    release = threading.Event()
    for pool in ("interactive", "writer", "bulk"):
        run_in_background(parent, lambda ctx: ctx.wait_cancelled(5), pool=pool)
    assert len(_ec_threads()) >= 3
    release.set()
    tasks.shutdown_pools()
    assert _ec_threads() == []


def test_shutdown_cancels_running_work(qtbot, parent):
    started = threading.Event()
    observed: list[bool] = []

    def work(ctx):
        started.set()
        observed.append(ctx.wait_cancelled(10))

    run_in_background(parent, work)
    assert started.wait(5)
    tasks.shutdown_pools()
    assert observed == [True]


def test_must_be_called_on_the_gui_thread(qtbot, parent):
    errors: list[BaseException] = []

    def from_worker() -> None:
        try:
            run_in_background(parent, lambda _ctx: None)
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=from_worker)
    thread.start()
    thread.join(5)
    assert len(errors) == 1 and "GUI thread" in str(errors[0])


def test_task_cancelled_is_an_exception_for_work_to_raise():
    ctx = tasks.TaskContext(lambda: None)
    ctx.raise_if_cancelled()
    ctx.cancel()
    with pytest.raises(TaskCancelled):
        ctx.raise_if_cancelled()


def test_delayed_progress_never_shows_for_quick_work(qtbot, parent):
    progress = DelayedProgress(parent, "Reading…", delay_ms=60_000)
    progress.start()
    progress.finish()
    assert progress.dialog is None
    assert not progress._timer.isActive()


def test_delayed_progress_appears_for_slow_work_and_cancels_it(qtbot, parent):
    parent.show()
    started = threading.Event()
    cancelled: list[bool] = []

    def slow(ctx):
        started.set()
        ctx.report(3, 10, "Checking calendars…")
        while not ctx.wait_cancelled(0.01):
            pass
        raise TaskCancelled()

    task = run_in_background(parent, slow, progress="Checking calendars…",
                             on_cancelled=lambda: cancelled.append(True))
    assert started.wait(5)
    dialogs = parent.findChildren(DelayedProgress)
    assert len(dialogs) == 1
    progress = dialogs[0]
    qtbot.waitUntil(lambda: progress.dialog is not None and progress.dialog.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: progress.dialog.maximum() == 10 and progress.dialog.value() == 3)
    assert progress.dialog.labelText() == "Checking calendars…"
    cancel_button = progress.dialog.findChild(QPushButton)
    assert cancel_button is not None and cancel_button.text() == "Cancel"
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cancelled == [True])
    assert task.cancelled
