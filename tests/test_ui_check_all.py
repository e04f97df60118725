"""Check all from the main window against the EWS sandbox: the concurrency dialog, progress in the status
bar panel, results streaming into the table, cancel half way, and throttled probes shown as "not checked"
without changing any status."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from test_ui_dashboard_support import (
    add_sandbox_app,
    link_through_core,
    open_window,  # noqa: F401 - fixture
    profile_status,
)

from ec_console import paths
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.ui.check_all import CheckAllDialog, RunTally, time_left

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        sb.org.throttle_back_off_ms = 200
        yield sb


@pytest.fixture
def linked(sandbox):
    info = sandbox.info()
    app = add_sandbox_app(sandbox)
    mailboxes = list(info.mailboxes_in_scope[:16])
    link_through_core(app, mailboxes)
    return app, mailboxes


def _checked_since(started: str) -> int:
    """Profiles re-checked by check all since `started` (link records of the same second do not count:
    times have second precision)."""
    with Registry.for_region("us") as registry:
        return sum(1 for p in registry.list_profiles()
                   if any(c.kind == "check" and c.created_at >= started
                          for c in registry.checks_for_profile(p.id, limit=5)))


def _audit(action: str) -> list[str]:
    with Registry.for_region("us") as registry:
        return [e.detail for e in registry.audit_entries() if e.action == action]


def test_the_dialog_offers_a_bounded_concurrency_and_remembers_it(qtbot, open_window, linked):  # noqa: F811
    window = open_window()
    window.findChild(QAction, "checkAllAction").trigger()
    dialog = window.findChild(CheckAllDialog, "checkAllDialog")
    assert dialog is not None and dialog.concurrency.value() == 4
    # docs/cli.md: --concurrency 1-20 (Exchange allows 27 concurrent EWS connections per account).
    assert dialog.concurrency.maximum() == 20 and dialog.concurrency.minimum() == 1
    assert "16 linked" in dialog.intro.text() and "United States" in dialog.intro.text()
    dialog.concurrency.setValue(2)
    with qtbot.waitSignal(window.run_panel.finished, timeout=60000) as finished:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "Check all finished in United States (US): 16 probed" in finished.args[0]
    assert '"check_all_concurrency": 2' in (paths.config_dir() / "settings.json").read_text()
    assert any('"concurrency": 2' in detail for detail in _audit("check_all_started"))


def test_enter_in_the_dialog_starts_the_run(qtbot, open_window, linked):  # noqa: F811
    window = open_window()
    window.findChild(QAction, "checkAllAction").trigger()
    dialog = window.findChild(CheckAllDialog, "checkAllDialog")
    assert dialog.isVisible() and dialog.start_button.isDefault()
    with qtbot.waitSignal(window.run_panel.finished, timeout=60000) as finished:
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    assert "16 probed" in finished.args[0]


def test_cancel_half_way_stops_and_keeps_statuses(qtbot, open_window, linked, sandbox):  # noqa: F811
    _app, mailboxes = linked
    from ec_console.registry import utc_now

    started = utc_now()
    window = open_window()
    panel = window.run_panel
    # A bulk probe is two EWS requests: 0.2 s each makes 16 probes last ~6 s, time enough to cancel half way.
    sandbox.ews_server.latency = 0.2
    try:
        window.start_check_all(concurrency=1)
        assert panel.running and not window.findChild(QAction, "checkAllAction").isEnabled()
        qtbot.waitUntil(lambda: panel.progress is not None and panel.progress.done >= 3, timeout=30000)
        qtbot.waitUntil(panel.isVisible)                            # shown once the run lasts
        assert "Check all: " in panel.label.text() and " of 16" in panel.label.text()
        with qtbot.waitSignal(panel.finished, timeout=30000) as finished:
            qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    finally:
        sandbox.ews_server.latency = 0.0
    assert "Check all cancelled" in finished.args[0]
    assert not panel.isVisible() and not panel.running
    done = _checked_since(started)
    assert 3 <= done < 16
    assert all(profile_status(m)[0] == "linked" for m in mailboxes)
    assert _audit("check_all_cancelled")
    assert window.findChild(QAction, "checkAllAction").isEnabled()
    # The summary stays in the status bar; a new run's progress takes its place (not squeezed beside it).
    assert window.statusBar().currentMessage() == finished.args[0]
    with qtbot.waitSignal(panel.finished, timeout=30000) as again:
        window.start_check_all(concurrency=4)
        assert window.statusBar().currentMessage() == ""
    assert window.statusBar().currentMessage() == again.args[0] != finished.args[0]


def test_throttled_probes_are_not_checked_and_change_nothing(qtbot, open_window, linked, sandbox):  # noqa: F811
    app, _mailboxes = linked
    info = sandbox.info()
    with Registry.for_region("us") as registry:
        registry.add_profile(app.id, info.mailbox_throttled, status="linked")     # linked before it got busy
    window = open_window()
    with qtbot.waitSignal(window.run_panel.finished, timeout=60000) as finished:
        window.start_check_all(concurrency=4)
    assert "1 not checked: throttled" in finished.args[0]
    assert profile_status(info.mailbox_throttled) == ("linked", "throttled")
    from ec_console.ui.profiles_model import COL_LAST_RESULT

    model = window.model
    row = [model.data(model.index(r, 0)) for r in range(model.rowCount())].index(info.mailbox_throttled)
    assert model.data(model.index(row, COL_LAST_RESULT)) == "Failed: throttled"   # streamed into the table


def test_the_panel_says_while_exchange_asks_to_wait(qtbot, open_window, linked, sandbox):  # noqa: F811
    app, _mailboxes = linked
    info = sandbox.info()
    with Registry.for_region("us") as registry:
        registry.add_profile(app.id, info.mailbox_throttled, status="linked")     # linked before it got busy
    window = open_window()
    panel = window.run_panel
    sandbox.org.throttle_back_off_ms = 1000
    try:
        with qtbot.waitSignal(panel.finished, timeout=60000):
            window.start_check_all(concurrency=1)
            qtbot.waitUntil(lambda: "Paused" in panel.label.text(), timeout=30000)
            assert "Paused 1 s: Exchange is throttling this service account" in panel.label.text()
    finally:
        sandbox.org.throttle_back_off_ms = 200
    assert profile_status(info.mailbox_throttled) == ("linked", "throttled")


def test_tally_and_time_left_words():
    from ec_console.checkall import JobResult, ProbeJob

    class _Outcome:
        def __init__(self, code):
            self.code = code

    tally = RunTally()
    tally.add([JobResult(ProbeJob(1, "a@x.example"), "unchanged", "linked", 1, "", _Outcome("throttled")),
               JobResult(ProbeJob(1, "b@x.example"), "unchanged", "linked", 2, "", _Outcome("timeout")),
               JobResult(ProbeJob(1, "c@x.example"), "linked", "linked", 3, "", _Outcome(None)),
               JobResult(ProbeJob(1, "d@x.example"), "needs_relink", "needs_relink", 4, "", _Outcome("x"))])
    assert tally.summary() == "1 linked, 1 needs relink, 1 not checked: throttled, 1 not checked: timeout"
    assert time_left(None) == "" and time_left(30) == "about 30 s left"
    assert time_left(600) == "about 10 min left"


def test_counts_shown_after_a_run_are_the_registrys(qtbot, open_window, linked, sandbox):  # noqa: F811
    app, _mailboxes = linked
    info = sandbox.info()
    with Registry.for_region("us") as registry:
        registry.add_profile(app.id, info.mailbox_out_of_scope, status="linked")   # the run finds it broken
    window = open_window()
    with qtbot.waitSignal(window.run_panel.finished, timeout=60000):
        window.start_check_all(concurrency=4)
    assert profile_status(info.mailbox_out_of_scope)[0] == "needs_relink"
    with Registry.for_region("us") as registry:
        counts = registry.status_counts()
    assert counts.get("needs_relink") == 1
    assert window.counts_status.text() == (
        f"{sum(counts.values())} profiles · {counts.get('linked', 0)} linked · "
        f"{counts.get('needs_relink', 0)} needs relink · {counts.get('revoked', 0)} revoked")
    item = window.applications_list.item(1)
    assert item.text().endswith(f"{counts['linked']} linked · 1 needs relink")


def test_the_run_panel_hands_a_burst_of_results_over_in_batches_and_counts_every_one(qtbot):
    """A worker wakes the panel after each result: a burst reaches the window in a few batches (the first
    at once, the rest when the panel's update interval ends), never one call per result; every result is
    counted, and the end of the run drains what is still owed."""
    from ec_console.checkall import JobResult, ProbeJob, Progress
    from ec_console.checks import CancelToken
    from ec_console.ui.check_all import RunPanel
    from ec_console.ui.operations import Operation, RunFeed

    panel = RunPanel(delay_ms=0)
    qtbot.addWidget(panel)
    batches: list[int] = []
    labels: list[str] = []
    panel.label.setText = lambda text, _set=panel.label.setText: (labels.append(text), _set(text))[1]
    feed = RunFeed()
    panel.begin("Check all", feed, lambda results: batches.append(len(results)))
    panel.attach(Operation(CancelToken()))
    labels.clear()

    def result(n: int, action: str = "linked") -> JobResult:
        return JobResult(ProbeJob(1, f"user{n}@contoso.com", n), action, "linked", n,
                         previous_status="linked")

    for n in range(40):
        feed.add_result(result(n))
        feed.set_progress(Progress(n + 1, 50, {}, 1.0, 5.0))
        panel.update_from_feed()                 # each result wakes the panel
    assert batches == [1]                        # the first at once, the other 39 wait for the interval
    assert len(labels) == 1 and labels[0].startswith("Check all: 1 of 50")
    qtbot.waitUntil(lambda: sum(batches) == 40)
    assert batches == [1, 39]                    # one more batch, not 39 calls
    assert labels[-1].startswith("Check all: 40 of 50") and len(labels) == 2
    for n in range(40, 50):                      # the last results, then the run ends before the interval
        feed.add_result(result(n, "needs_relink" if n % 2 else "linked"))
        panel.update_from_feed()
    panel.end("done")
    assert sum(batches) == 50 and len(batches) <= 4
    assert panel.tally.actions == {"linked": 45, "needs_relink": 5}
    assert not panel.running and not panel.findChild(type(panel._timer), "runPanelUpdate").isActive()


def test_a_run_keeps_what_existed_before_it_out_of_full_garbage_collections_until_it_ends(qtbot):
    """While a run lasts, the objects made before it are not walked by the collector's full collections
    (each held every thread, the window's too, for as long as it walked the heap); the run's end gives
    them back, so garbage made before the run is still collected."""
    import gc
    import weakref

    from ec_console.checks import CancelToken
    from ec_console.ui.check_all import RunPanel
    from ec_console.ui.operations import Operation, RunFeed

    class Cycle:
        pass

    panel = RunPanel(delay_ms=0)
    qtbot.addWidget(panel)
    garbage = Cycle()
    garbage.me = garbage                          # a reference cycle: only the collector frees it
    gone = weakref.ref(garbage)
    del garbage
    panel.begin("Check all", RunFeed(), lambda results: None)
    panel.attach(Operation(CancelToken()))
    assert gc.get_freeze_count() > 0
    gc.collect()
    assert gone() is not None                     # made before the run: not walked while it lasts
    panel.end("done")
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None                         # collected once the run is over


def test_a_run_that_fails_to_start_ends_the_panel_and_gives_the_heap_back(qtbot, open_window):  # noqa: F811
    import gc

    from ec_console.ui.check_all import start_run

    window = open_window()

    def begin(feed, progress, done, failed):
        raise RuntimeError("the task could not be started")

    with qtbot.waitSignal(window.run_panel.finished) as finished, pytest.raises(RuntimeError):
        start_run(window, "Check all", begin)
    assert finished.args[0] == "Check all did not start (details in the log)"
    assert not window.run_panel.running and not window.run_panel.isVisible()
    assert gc.get_freeze_count() == 0


def test_check_all_says_which_profiles_another_desktop_is_checking(qtbot, open_window, linked):  # noqa: F811
    from ec_console.registry_claims import RunClaims

    app, mailboxes = linked
    with Registry.for_region("us") as registry:     # alex's run on another desktop holds five of them
        held = [registry.find_profile(app.id, m).id for m in mailboxes[:5]]
        RunClaims(registry, "run-alex", desktop=("alex", "helpdesk-07")).claim(held)
    window = open_window()
    window.findChild(QAction, "checkAllAction").trigger()
    dialog = window.findChild(CheckAllDialog, "checkAllDialog")
    with qtbot.waitSignal(window.run_panel.finished, timeout=60000) as finished:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    message = finished.args[0]
    assert "11 probed" in message
    assert "5 profiles skipped: being checked by alex@helpdesk-07 since " in message
    assert window.statusBar().currentMessage() == message            # said in the status bar
    with Registry.for_region("us") as registry:
        runs = registry._conn.execute("SELECT DISTINCT run_id FROM check_claims").fetchall()
    assert runs == [("run-alex",)]                                    # alex's claims untouched
