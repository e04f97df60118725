"""Long runs in the main window: check all (and relink) with progress in a non-modal status-bar panel.

- `CheckAllDialog` (`checkAllDialog`) asks how many probes may run at once per application (default 4,
  at most 20: the service account's EWS budget of 27 is shared with the production application) and
  remembers the choice.
- `RunPanel` (`runPanel`) sits in the status bar while a run lasts: done / total, time left (waits for
  the platform included), "Paused 30 s: Exchange is throttling this service account" while the platform
  asks to wait, how many were not checked because the platform was busy (a throttled or timed-out probe
  never changes a status), and Cancel. It appears only after `PROGRESS_DELAY_MS` (quick runs never flash
  it) and never blocks the window.
- `start_run` wires an operation, its `RunFeed` and the panel together: results stream into the window
  (`window.results_arrived()`, which merges refreshes) as they are written.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ec_console.i18n import format_number
from ec_console.regions import load_settings, save_setting
from ec_console.ui.accessibility import tab_in_visual_order
from ec_console.ui.fitting import ElidedLabel
from ec_console.ui.tasks import PROGRESS_DELAY_MS

if TYPE_CHECKING:  # the check engine is imported by the first run, not with the window (a faster start)
    from ec_console.checkall import JobResult, Progress
    from ec_console.ui.operations import Operation, RunFeed

CONCURRENCY_KEY = "check_all_concurrency"
# The run panel drains the feed and shows progress at most this often: each update repaints the status bar
# and hands the results to the window, and a worker wakes the panel after almost every result.
PANEL_UPDATE_MS = 250
NOT_CHECKED_CODES = ("throttled", "timeout", "server_error")
# The texts of this module's functions are translated in the run panel's context ("RunPanel").


def saved_concurrency() -> int:
    from ec_console.checkall import DEFAULT_CONCURRENCY, MAX_CONCURRENCY

    value = load_settings().get(CONCURRENCY_KEY)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_CONCURRENCY:
        return value
    return DEFAULT_CONCURRENCY


def time_left(seconds: float | None) -> str:
    """"about 3 min left" / "about 20 s left" ("" before anything is known)."""
    if seconds is None:
        return ""
    if seconds >= 90:
        minutes = format_number(round(seconds / 60))
        return QCoreApplication.translate("RunPanel", "about %s min left") % minutes
    return QCoreApplication.translate("RunPanel", "about %s s left") % format_number(max(1, round(seconds)))


class RunTally:
    """What a run did so far, from its streamed results (GUI thread)."""

    def __init__(self) -> None:
        self.actions: Counter[str] = Counter()
        self.not_checked: Counter[str] = Counter()

    def add(self, results: list[JobResult]) -> None:
        for result in results:
            self.actions[result.action] += 1
            if result.action == "unchanged" and result.code in NOT_CHECKED_CODES:
                self.not_checked[result.code or ""] += 1

    def not_checked_text(self) -> str:
        # the code (throttled, timeout, server_error) stays as it is: the platform's answer, as logged
        text = QCoreApplication.translate("RunPanel", "%s not checked: %s")
        return ", ".join(text % (format_number(n), code) for code, n in sorted(self.not_checked.items()))

    def summary(self) -> str:
        parts = []
        linked, relink = self.actions["linked"], self.actions["needs_relink"]
        if linked:
            parts.append(QCoreApplication.translate("RunPanel", "%s linked") % format_number(linked))
        if relink:
            parts.append((QCoreApplication.translate("RunPanel", "%s needs relink") if relink == 1 else
                          QCoreApplication.translate("RunPanel", "%s need relink")) % format_number(relink))
        checked_unchanged = self.actions["unchanged"] - sum(self.not_checked.values())
        if checked_unchanged > 0:
            parts.append(QCoreApplication.translate("RunPanel", "%s unchanged")
                         % format_number(checked_unchanged))
        if self.not_checked:
            parts.append(self.not_checked_text())
        if self.actions["skipped"]:
            parts.append(QCoreApplication.translate("RunPanel", "%s skipped") % format_number(
                self.actions["skipped"]))
        return ", ".join(parts) or QCoreApplication.translate("RunPanel", "nothing to do")


class CheckAllDialog(QDialog):
    """Starts check all: the concurrency per application (`checkAllDialog`)."""

    def __init__(self, linked: int, region_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkAllDialog")
        self.setAccessibleName(self.tr("Check all"))
        self.setWindowTitle(self.tr("Check all linked calendars"))
        intro = QLabel(self.tr(
            "Probe the %(n)s linked and needs-relink calendars of %(region)s again and update their status. "
            "A probe the platform answers with “busy” or not at all leaves the status as it is.")
            % {"n": format_number(linked), "region": region_label})
        intro.setWordWrap(True)
        intro.setObjectName("checkAllIntro")
        self.intro = intro
        from ec_console.checkall import DEFAULT_CONCURRENCY, MAX_CONCURRENCY

        self.concurrency = QSpinBox()
        self.concurrency.setObjectName("concurrencySpin")
        self.concurrency.setAccessibleName(self.tr("Probes at once per application"))
        self.concurrency.setRange(1, MAX_CONCURRENCY)
        self.concurrency.setValue(saved_concurrency())
        note = QLabel(self.tr(
            "Exchange allows 27 concurrent EWS connections per service account, shared with the "
            "production application: keep this low (default %d, at most %d).") % (DEFAULT_CONCURRENCY,
                                                                                    MAX_CONCURRENCY))
        note.setWordWrap(True)
        note.setObjectName("concurrencyNote")
        form = QFormLayout()
        caption = QLabel(self.tr("&Probes at once per application:"))
        caption.setBuddy(self.concurrency)
        form.addRow(caption, self.concurrency)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton(self.tr("&Start"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("startCheckAll")
        self.start_button.setDefault(True)
        # Shown, a dialog makes its first auto-default button the default: that would be Cancel, and
        # Enter would cancel the run the admin asked for.
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        tab_in_visual_order(buttons)        # once in the dialog: moving into it reorders its focus chain
        self.setMinimumWidth(460)

    def accept(self) -> None:
        try:
            save_setting(CONCURRENCY_KEY, self.concurrency.value())
        except OSError:
            pass   # the run still uses the value; only remembering it failed
        super().accept()


class RunPanel(QFrame):
    """Progress of one long run in the status bar (`runPanel`), with Cancel."""

    finished = Signal(str)            # the summary line, when the run is over

    def __init__(self, parent: QWidget | None = None, *, delay_ms: int = PROGRESS_DELAY_MS) -> None:
        super().__init__(parent)
        self.setObjectName("runPanel")
        self.setAccessibleName(self.tr("Progress of the running check"))
        # Elides in the middle when the status bar is short of room (the whole text is its tooltip), so the
        # region, the counts and a message beside it keep their share instead of being squeezed to "Al…ft".
        self.label = ElidedLabel()
        self.label.setObjectName("runLabel")
        self.label.setAccessibleName(self.tr("Run progress"))
        self.bar = QProgressBar()
        self.bar.setObjectName("runProgress")
        self.bar.setAccessibleName(self.tr("Run progress bar"))
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("runCancel")
        self.cancel_button.setAccessibleName(self.tr("Cancel the running check"))
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)
        self.operation: Operation | None = None
        self.feed: RunFeed | None = None
        self.tally = RunTally()
        self.title = ""
        self.last_message = ""            # the summary of the run before, while the status bar may show it
        self.progress: Progress | None = None
        self._on_results: Callable[[list[JobResult]], None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._reveal)
        self._update_timer = QTimer(self)
        self._update_timer.setObjectName("runPanelUpdate")
        self._update_timer.setSingleShot(True)
        self._update_timer.setInterval(PANEL_UPDATE_MS)
        self._update_timer.timeout.connect(self._update_owed)
        self._owed = False
        self._frozen = False
        self.hide()

    @property
    def running(self) -> bool:
        return self.operation is not None

    def begin(self, title: str, feed: RunFeed, on_results: Callable[[list[JobResult]], None]) -> None:
        self.title = title
        self.feed = feed
        self.tally = RunTally()
        self.progress = None
        self._on_results = on_results
        self.cancel_button.setEnabled(True)
        self.label.setText(self.tr("%s: starting…") % title)
        self.bar.setRange(0, 0)
        self._timer.start()
        # What exists before the run (the window, the modules, the registry: most of the heap) is left out
        # of the garbage collector's full collections until the run ends. A full collection walks the whole
        # heap in whichever thread triggers it, holding the interpreter lock: with the probes' allocations
        # one came every few seconds, 60-115 ms during which the window could not paint or take a click.
        if not self._frozen:
            gc.freeze()
            self._frozen = True

    def attach(self, operation: Operation) -> None:
        self.operation = operation

    @Slot()
    def _reveal(self) -> None:
        if self.running:
            self.show()

    @Slot()
    def update_from_feed(self) -> None:
        """The worker has news (it wakes the GUI after each result, merged): drain the feed now, or at the
        end of the current `PANEL_UPDATE_MS` if the panel was updated less than that ago, so results reach
        the window in batches and the status bar is repainted a few times a second, not per result."""
        if self._update_timer.isActive():
            self._owed = True
            return
        self._drain()
        if self.feed is not None:
            self._update_timer.start()

    @Slot()
    def _update_owed(self) -> None:
        if self._owed:
            self._owed = False
            self._drain()
            self._update_timer.start()

    def flush(self) -> None:
        """Drain the feed now, whatever is owed (the run is ending)."""
        self._update_timer.stop()
        self._owed = False
        self._drain()

    def _drain(self) -> None:
        if self.feed is None:
            return
        progress, results = self.feed.take()
        if results:
            self.tally.add(results)
            if self._on_results is not None:
                self._on_results(results)
        if progress is not None:
            self.progress = progress
        self._show_progress()

    def _show_progress(self) -> None:
        progress = self.progress
        if progress is None:
            return
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(min(progress.done, progress.total))
        parts = [self.tr("%(title)s: %(done)s of %(total)s") % {
            "title": self.title, "done": format_number(progress.done),
            "total": format_number(progress.total)}]
        pause = progress.paused if progress.done < progress.total else None
        if pause is not None:
            parts.append(pause.message)
        left = time_left(progress.eta) if progress.done < progress.total else ""
        if left:
            parts.append(left)
        if self.tally.not_checked:
            parts.append(self.tally.not_checked_text())
        if self.operation is not None and self.operation.cancelled:
            parts.append(self.tr("cancelling…"))
        self.label.setText(" · ".join(parts))

    @Slot()
    def cancel(self) -> None:
        if self.operation is not None:
            self.operation.cancel()
            self.cancel_button.setEnabled(False)
            self._show_progress()

    def end(self, message: str) -> None:
        """The run is over: drain what is left, hide, and announce `message`."""
        self.flush()
        self._timer.stop()
        if self._frozen:
            gc.unfreeze()       # collectable again: garbage made before the run is not kept for good
            self._frozen = False
        self.operation = None
        self.feed = None
        self.hide()
        self.last_message = message
        self.finished.emit(message)


def summary_message(title: str, summary: Any, tally: RunTally, region_label: str) -> str:
    """The status-bar line after a run: what changed, what could not be checked, whether it was cancelled."""
    if summary.cancelled:
        head = QCoreApplication.translate(
            "RunPanel", "%(title)s cancelled in %(region)s after %(done)s of %(total)s") % {
            "title": title, "region": region_label, "done": format_number(len(summary.results)),
            "total": format_number(summary.total)}
    else:
        head = QCoreApplication.translate("RunPanel",
                                          "%(title)s finished in %(region)s: %(total)s probed") % {
            "title": title, "region": region_label, "total": format_number(summary.total)}
    text = f"{head} — {tally.summary()}"
    if summary.application_failures:
        codes = ", ".join(sorted({o.code or "?" for o in summary.application_failures.values()}))
        text += QCoreApplication.translate(
            "RunPanel", "; an application itself failed (%s): see the applications list") % codes
    if getattr(summary, "write_error", ""):
        n = summary.not_written
        # the error is the database's own words, as logged
        text += (QCoreApplication.translate(
            "RunPanel", "; stopped: %(n)s result could not be saved in the registry (%(error)s), "
                        "run it again to finish") if n == 1 else QCoreApplication.translate(
            "RunPanel", "; stopped: %(n)s results could not be saved in the registry (%(error)s), "
                        "run it again to finish")) % {"n": format_number(n), "error": summary.write_error}
    return text


Begin = Callable[["RunFeed", Callable[[], None], Callable[[Any], None], Callable[[str], None]], "Operation"]


def missing_credential_note(names: Sequence[str]) -> str:
    """What the status line adds when applications were not checked because this desktop's keychain holds
    no credential for them ("" when none)."""
    if not names:
        return ""
    return (QCoreApplication.translate(
        "RunPanel", "; %(n)s application not checked, no credential in this desktop's keychain (%(names)s): "
                    "Tools › Import credential…") if len(names) == 1 else QCoreApplication.translate(
        "RunPanel", "; %(n)s applications not checked, no credential in this desktop's keychain (%(names)s): "
                    "Tools › Import credential…")) % {"n": format_number(len(names)),
                                                      "names": ", ".join(names)}


def check_all_note(plan: Any) -> str:
    """What the status line adds after check all: profiles another desktop's run was checking, applications
    this desktop holds no credential for ("" when neither)."""
    from ec_console.registry_claims import skipped_text

    claimed = skipped_text(getattr(plan, "claimed_elsewhere", ()))
    return (f"; {claimed}" if claimed else "") + missing_credential_note(plan.missing_credential)


def start_run(window: Any, title: str, begin: Begin, *,
              summary_of: Callable[[Any], Any] = lambda result: result,
              note_of: Callable[[Any], str] = lambda _result: "") -> Operation | None:
    """Start one long run in `window` (a MainWindow) shown in its `run_panel`.

    `begin(feed, on_progress, on_done, on_error)` starts the operation. Results stream into the window
    through `window.results_arrived()`; when the run ends the window is refreshed and the status bar says
    what happened.
    """
    panel: RunPanel = window.run_panel
    if panel.running:
        window.statusBar().showMessage(QCoreApplication.translate(
            "RunPanel", "Another check is still running; wait for it or cancel it"), 6000)
        return None
    from ec_console.ui.operations import RunFeed

    feed = RunFeed()
    region_label = window.region.display_label
    if panel.last_message and window.statusBar().currentMessage() == panel.last_message:
        window.statusBar().clearMessage()    # the run before's summary gives way to this run's progress
    panel.begin(title, feed, window.results_arrived)

    def done(result: Any) -> None:
        summary = summary_of(result)
        tally = panel.tally
        panel.flush()                        # the last results, in the tally before it is summed up
        panel.end(summary_message(title, summary, tally, region_label) + note_of(result))
        window.results_arrived(now=True)

    def failed(message: str) -> None:
        panel.end(QCoreApplication.translate("RunPanel", "%s did not run: %s") % (title, message))
        window.results_arrived(now=True)

    def over() -> None:                      # an unexpected failure: the error presenter already showed it
        if panel.operation is operation:
            panel.end(QCoreApplication.translate(
                "RunPanel", "%s stopped by an unexpected error (details in the log)") % title)
            window.results_arrived(now=True)

    try:
        operation = begin(feed, panel.update_from_feed, done, failed)
    except Exception:
        # the heap collectable again
        panel.end(QCoreApplication.translate("RunPanel", "%s did not start (details in the log)") % title)
        raise
    panel.attach(operation)
    if operation.task is not None:
        operation.task.done.connect(over)
    window.update_action_states()
    return operation


__all__ = ["CheckAllDialog", "RunPanel", "RunTally", "check_all_note", "saved_concurrency", "start_run",
           "summary_message", "time_left"]
