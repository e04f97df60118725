"""Profile details: a side pane (dock) for one calendar profile, and the confirmation before revoking.

`ProfileDetailsPane` (`profileDetailsPane`) opens on double-click or Enter on a profile. It shows, from the
registry (read off the GUI thread through `operations.load_profile_details`):

- **Overview**: the profile, its status, the platform step that withdraws this one account's access (with
  a Copy button for the command), and the busy blocks of the next 7 days from the last check — times only,
  never subjects — with *Read now* to probe the calendar again in the background (read-only: the probe
  changes neither the status nor the registry);
- **Last check**: the stored report's steps, rendered by the same `StepList` as the live check;
- **History**: the check history and the audit entries of this account.

`RevokeProfilesDialog` (`revokeProfilesConfirm`) names the profiles to revoke before anything is written.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ec_console.audit_labels import action_label
from ec_console.checks import Report, StepSpec
from ec_console.diagnoses import for_surface, localize, surface_text
from ec_console.registry import Profile
from ec_console.texts import localized
from ec_console.ui import icons
from ec_console.ui.accessibility import chain_tabs, name_dock_buttons
from ec_console.ui.profiles_model import (
    RESULT_LABELS,
    local_time,
    provider_label,
    result_label,
    status_label,
    translated,
)
from ec_console.ui.step_list import CopyRow, StepList

if TYPE_CHECKING:  # the operations (and the check engine behind them) load when a profile is first opened
    from ec_console.ui.operations import Operation, Scope

MAX_NAMED = 10
MIN_WIDTH = 280          # the pane's least width; its content scrolls below that
PREFERRED_WIDTH = 440    # the widest the pane opens (a share of the window up to this)
SHARE_PERCENT = 30       # the pane's share of the window's width when it opens
# A platform step's command: "prose: Verb-Noun ..." (PowerShell) or "prose: gcloud ..." / a URL.
_COMMAND = re.compile(r"^(?:[A-Z][a-z]+-[A-Z][A-Za-z]+\b|gcloud |https://)")
# What a recorded check was (the registry's `checks.kind` codes), translated where shown; English shows
# the code itself (as it always has).
CHECK_KINDS = {code: code for code in (
    QT_TRANSLATE_NOOP("ProfileDetailsPane", "check"),
    QT_TRANSLATE_NOOP("ProfileDetailsPane", "link"),
    QT_TRANSLATE_NOOP("ProfileDetailsPane", "relink"),
    QT_TRANSLATE_NOOP("ProfileDetailsPane", "verify_withdrawal"),
    QT_TRANSLATE_NOOP("ProfileDetailsPane", "setup"),
    QT_TRANSLATE_NOOP("ProfileDetailsPane", "secret_check"),
)}


def split_step(step: str) -> tuple[str, str | None]:
    """A withdrawal step as (what to do, the command or link to copy — None when it is prose only)."""
    prose, sep, rest = step.partition(": ")
    if sep and _COMMAND.match(rest):
        return prose, rest
    return step, None


def _time_range(block: dict[str, Any]) -> str:
    start, end = local_time(str(block.get("start") or "")), local_time(str(block.get("end") or ""))
    if not start:
        return ""
    start_day = start.rpartition(" ")[0]  # local_time: "<date> <time>" in the language's own format
    if block.get("all_day"):
        return QCoreApplication.translate("ProfileDetailsPane", "%s all day") % start_day
    end_day, _, end_time = end.rpartition(" ")
    return f"{start} – {end_time if end_day == start_day else end}"


def block_lines(blocks: list[dict[str, Any]]) -> list[str]:
    """One line per busy block: local start – end, and the busy type when it is not plain Busy."""
    lines = []
    for block in blocks:
        text = _time_range(block)
        if not text:
            continue
        kind = str(block.get("busy_type") or "")
        lines.append(f"{text}  ({kind})" if kind and kind != "Busy" else text)
    return lines


class ProfileDetailsPane(QDockWidget):
    """The detail pane of one profile (`profileDetailsPane`)."""

    loaded = Signal(object)           # ProfileDetails, after each load (tests and automation)
    test_requested = Signal(object)   # Profile: test its connectivity in the check window

    def __init__(self, scope_source: Any, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Profile details"), parent)
        self.setObjectName("profileDetailsPane")
        self.setAccessibleName(self.tr("Profile details"))
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable |
                         QDockWidget.DockWidgetFeature.DockWidgetMovable)
        name_dock_buttons(self, self.tr("profile details"))
        self._scope_source = scope_source          # callable returning the current operations.Scope
        self.profile_id: int | None = None
        self.details: Any = None
        self.operation: Operation | None = None
        self.probe_operation: Operation | None = None
        self._build()

    # ------------------------------------------------------------------------------------ building
    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("detailsTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setObjectName("detailsFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.message = QLabel()
        self.message.setObjectName("detailsMessage")
        self.message.setWordWrap(True)
        self.test_button = QPushButton(self.tr("Test co&nnectivity"))
        self.test_button.setObjectName("detailsTestConnectivity")
        self.test_button.setAccessibleName(self.tr("Test connectivity"))
        self._test_tip = self.tr("Check this calendar step by step now, with its application's saved "
                                 "settings and secret (nothing to enter)")
        self.test_button.setToolTip(self._test_tip)
        self.test_button.clicked.connect(self._request_test)

        self.withdrawal_text = QLabel()
        self.withdrawal_text.setObjectName("withdrawalStep")
        self.withdrawal_text.setWordWrap(True)
        self.withdrawal_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.withdrawal_row: CopyRow | None = None
        self._withdrawal_box = QVBoxLayout()
        self._withdrawal_box.setContentsMargins(0, 0, 0, 0)

        self.blocks_label = QLabel()
        self.blocks_label.setObjectName("busyBlocksSource")
        self.blocks_label.setWordWrap(True)
        self.blocks = QTreeWidget()
        self.blocks.setObjectName("busyBlocks")
        self.blocks.setAccessibleName(self.tr("Busy blocks of the next 7 days"))
        self.blocks.setHeaderHidden(True)
        self.blocks.setRootIsDecorated(False)
        self.blocks.setUniformRowHeights(True)
        self.blocks.setMinimumHeight(self.fontMetrics().height() * 5)
        self.read_now = QPushButton(self.tr("&Read now"))
        self.read_now.setObjectName("readBusyNow")
        self.read_now.setToolTip(self.tr("Read the busy times of the next 7 days from the calendar now "
                                         "(times only; the profile's status does not change)"))
        self.read_now.clicked.connect(self.read_busy_now)
        # Shown when reading the calendar found no credential for the application in this desktop's keychain
        # (a team's shared registry never holds one): puts it there, as Tools › Import credential… does.
        self.missing_credential: Any = None
        self.import_button = QPushButton(self.tr("Import &credential…"))
        self.import_button.setObjectName("detailsImportCredential")
        self.import_button.setToolTip(self.tr("Put the application's password, key or certificate into this "
                                              "desktop's keychain, after checking it"))
        self.import_button.clicked.connect(self.import_credential)
        self.import_button.hide()

        overview = QWidget()
        column = QVBoxLayout(overview)
        column.addWidget(self.title)
        column.addWidget(self.facts)
        column.addWidget(self.message)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        column.addLayout(test_row)
        column.addSpacing(6)
        column.addWidget(_heading(self.tr("Withdraw this calendar at the platform")))
        column.addWidget(self.withdrawal_text)
        column.addLayout(self._withdrawal_box)
        column.addSpacing(6)
        row = QHBoxLayout()
        row.addWidget(_heading(self.tr("Busy in the next 7 days")), 1)
        row.addWidget(self.read_now)
        column.addLayout(row)
        column.addWidget(self.blocks_label)
        import_row = QHBoxLayout()
        import_row.addWidget(self.import_button)
        import_row.addStretch(1)
        column.addLayout(import_row)
        column.addWidget(self.blocks, 1)

        self.steps = StepList()
        self.steps.setObjectName("detailsStepList")
        self.steps.setAccessibleName(self.tr("Steps of the last check"))
        self.no_report = QLabel(self.tr("This calendar has not been checked yet."))
        self.no_report.setObjectName("detailsNoReport")
        self.no_report.setWordWrap(True)
        last = QWidget()
        last_layout = QVBoxLayout(last)
        last_layout.addWidget(self.no_report)
        last_layout.addWidget(self.steps, 1)

        self.history = _tree("checkHistory", self.tr("Check history"),
                             [self.tr("Time"), self.tr("Kind"), self.tr("Result")])
        self.audit = _tree("profileAudit", self.tr("Audit entries of this profile"),
                           [self.tr("Time"), self.tr("Action"), self.tr("Detail")])
        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.addWidget(_heading(self.tr("Checks")))
        history_layout.addWidget(self.history, 1)
        history_layout.addWidget(_heading(self.tr("Audit")))
        history_layout.addWidget(self.audit, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailsTabs")
        self.tabs.setAccessibleName(self.tr("Profile details sections"))
        # The overview scrolls when the pane is short or narrow: its wrapped texts keep their full height
        # (never cut) and the pane never needs more room than the window has beside the table.
        area = QScrollArea()
        area.setObjectName("detailsScroll")
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidgetResizable(True)
        area.setWidget(overview)
        self.tabs.addTab(area, self.tr("&Overview"))
        self.tabs.addTab(last, self.tr("&Last check"))
        self.tabs.addTab(history, self.tr("H&istory"))
        self.setWidget(self.tabs)
        self.setMinimumWidth(MIN_WIDTH)
        self._show_empty()

    # ------------------------------------------------------------------------------------ public API
    def show_profile(self, profile_id: int) -> None:
        """Load and show one profile (off the GUI thread); the pane opens at its share of the window."""
        self.profile_id = profile_id
        opening = self.isHidden()
        self.show()
        if opening:
            self._fit_width(self._share())
        self.raise_()
        self.reload()

    def _share(self) -> int:
        window = self.parentWidget()
        share = window.width() * SHARE_PERCENT // 100 if window is not None else PREFERRED_WIDTH
        return max(MIN_WIDTH, min(PREFERRED_WIDTH, share))

    def _fit_width(self, width: int) -> None:
        window = self.parentWidget()
        if isinstance(window, QMainWindow) and not self.isFloating():
            window.resizeDocks([self], [width], Qt.Orientation.Horizontal)

    def reload(self) -> None:
        if self.profile_id is None:
            return
        profile_id = self.profile_id
        from ec_console.ui.operations import load_profile_details

        self.operation = load_profile_details(
            self, self._scope(), profile_id,
            on_done=lambda details: self._loaded(profile_id, details),
            on_error=self._failed)

    def clear(self) -> None:
        """Forget the profile (a region switch: nothing of one region shows in the other)."""
        if self.probe_operation is not None:
            self.probe_operation.cancel()
        self.profile_id = None
        self.details = None
        self._show_empty()
        self.hide()

    # ------------------------------------------------------------------------------------ rendering
    def _scope(self) -> Scope:
        return self._scope_source()

    def _show_empty(self) -> None:
        self.title.setText(self.tr("No profile selected"))
        self.facts.setText("")
        self.message.setText("")
        self.withdrawal_text.setText("")
        self._set_withdrawal_row(None)
        self.blocks.clear()
        self.blocks_label.setText("")
        self._set_missing_credential(None)
        self.read_now.setEnabled(False)
        self.test_button.setEnabled(False)
        self.steps.clear()
        self.history.clear()
        self.audit.clear()

    def _loaded(self, profile_id: int, details: Any) -> None:
        if profile_id != self.profile_id:
            return                                   # another profile was opened meanwhile
        self.details = details
        profile: Profile = details.profile
        self.title.setText(profile.email)
        bold = self.title.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.title.setFont(bold)
        self.setWindowTitle(self.tr("Profile details — %s") % profile.email)
        from ec_console.dashboard import profile_summary

        summary = profile_summary(details)           # the same values `ec-console profiles show` prints
        facts = [
            (self.tr("Name"), summary["display_name"] or "—"),
            (self.tr("Application"), f"{summary['application']} ({provider_label(summary['provider'])})"),
            (self.tr("Status"), status_label(summary["status"])),
            (self.tr("First linked"), local_time(summary["linked_at"]) or "—"),
            (self.tr("Last checked"), local_time(summary["last_checked_at"]) or self.tr("Never")),
            (self.tr("Last result"), result_label(profile) or "—"),
        ]
        self.facts.setText("<table>" + "".join(
            f"<tr><td style='padding-right:10px'><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
            for k, v in facts) + "</table>")
        diagnosis = details.diagnosis
        self.message.setText(self.tr("Last failure: %s — %s") % (
            diagnosis.code, surface_text(localize(for_surface(diagnosis, "gui"), "gui").cause))
            if diagnosis else "")
        step = localized(details.withdrawal_step)  # in the window's language (the registry keeps the English)
        prose, command = split_step(step)
        self.withdrawal_text.setText(prose if command else step)
        self._set_withdrawal_row(command)
        readable = details.last_report is not None and details.last_report.result.value != "fail"
        self._show_blocks(details.busy_blocks, self._blocks_source(details), empty_row=readable)
        self.read_now.setEnabled(profile.status != "revoked")
        self.test_button.setEnabled(True)
        self._show_report(details.last_report)
        self._fill_history(details)
        self.loaded.emit(details)

    def set_test_blocked(self, why: str | None) -> None:
        """Offer Test connectivity for the shown profile, or say why it cannot be tested (`why`)."""
        self.test_button.setEnabled(self.details is not None and why is None)
        self.test_button.setToolTip(f"{self._test_tip}\n{why}" if why else self._test_tip)

    @Slot()
    def _request_test(self) -> None:
        if self.details is not None:
            self.test_requested.emit(self.details.profile)

    def _blocks_source(self, details: Any) -> str:
        report = details.last_report
        if report is None:
            return self.tr("Not read yet: use Read now.")
        when = local_time(report.started_at) or "?"
        if report.step("read_calendar") is None or report.result.value == "fail":
            return self.tr("The last check (%s) could not read the calendar.") % when
        return self.tr("From the last check (%s).") % when

    def _set_withdrawal_row(self, command: str | None) -> None:
        if self.withdrawal_row is not None:
            self._withdrawal_box.removeWidget(self.withdrawal_row)
            self.withdrawal_row.deleteLater()
            self.withdrawal_row = None
        if command:
            self.withdrawal_row = CopyRow(command, self.tr("Command"))
            self.withdrawal_row.setObjectName("withdrawalCommand")
            self._withdrawal_box.addWidget(self.withdrawal_row)
            # made after the pane's other controls: Tab reaches it between Test connectivity and Read now
            row = self.withdrawal_row
            chain_tabs([self.test_button, row.field, row.button, self.read_now])

    def _show_blocks(self, blocks: list[dict[str, Any]], source: str, *, empty_row: bool = True) -> None:
        self.blocks.clear()
        lines = block_lines(blocks)
        for line in lines:
            QTreeWidgetItem(self.blocks, [line])
        if not lines and empty_row:
            QTreeWidgetItem(self.blocks, [self.tr("No busy time")])
        self.blocks_label.setText(source)

    def _show_report(self, report: Report | None) -> None:
        self.steps.clear()
        self.no_report.setVisible(report is None)
        self.steps.setVisible(report is not None)
        if report is None:
            return
        self.steps.set_plan([StepSpec(step.id, step.title, ()) for step in report.steps])
        for step in report.steps:
            self.steps.add_result(step)

    def _fill_history(self, details: Any) -> None:
        self.history.clear()
        for record in details.checks:
            known = RESULT_LABELS.get(record.result)
            result = (translated(known) if known else record.result) + (
                f": {record.diagnosis}" if record.diagnosis else "")  # the diagnosis is a code
            kind = CHECK_KINDS.get(record.kind)
            item = QTreeWidgetItem(self.history, [local_time(record.created_at),
                                                  self.tr(kind) if kind else record.kind, result])
            item.setToolTip(1, record.kind)
            item.setIcon(2, icons.status_icon(record.result))
        self.audit.clear()
        for entry in details.audit:
            item = QTreeWidgetItem(self.audit, [local_time(entry.at), action_label(entry.action),
                                                entry.detail])
            item.setToolTip(1, entry.action)
            item.setToolTip(2, entry.detail)
        for tree in (self.history, self.audit):
            tree.resizeColumnToContents(0)
            tree.resizeColumnToContents(1)

    @Slot()
    def read_busy_now(self) -> None:
        """Probe the calendar now (background, read-only) and show its busy blocks."""
        if self.profile_id is None:
            return
        profile_id = self.profile_id
        self.read_now.setEnabled(False)
        self.blocks_label.setText(self.tr("Reading the calendar…"))
        from ec_console.ui.operations import probe_busy_blocks

        self.probe_operation = probe_busy_blocks(
            self, self._scope(), profile_id,
            on_done=lambda outcome: self._probed(profile_id, outcome),
            on_error=self._probe_failed)

    def _probed(self, profile_id: int, outcome: Any) -> None:
        self.read_now.setEnabled(True)
        if profile_id != self.profile_id:
            return
        if not outcome.ok:
            why = surface_text(outcome.diagnosis.cause if outcome.diagnosis else localized(outcome.detail))
            self.blocks_label.setText(self.tr("The calendar could not be read: %s") % why)
            return
        step = outcome.report.step("read_calendar")
        blocks = [b for b in (step.data or {}).get("blocks", []) if isinstance(b, dict)] if step else []
        self._show_blocks(blocks, self.tr("Read just now (%s).") % (local_time(outcome.checked_at) or "?"))

    def _probe_failed(self, message: str) -> None:
        from ec_console.dashboard import CredentialMissing

        self.read_now.setEnabled(self.details is not None and self.details.profile.status != "revoked")
        self.blocks_label.setText(message)
        error = self.probe_operation.error if self.probe_operation is not None else None
        self._set_missing_credential(error.application if isinstance(error, CredentialMissing) else None)

    def _set_missing_credential(self, application: Any) -> None:
        self.missing_credential = application
        self.import_button.setVisible(application is not None)

    @Slot()
    def import_credential(self) -> Any:
        """Import credential… for the application whose credential this desktop's keychain lacks."""
        from ec_console.ui.import_credential import ImportCredentialDialog

        app = self.missing_credential
        if app is None:
            return None
        dialog = ImportCredentialDialog(app, self._scope(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._credential_imported)
        dialog.open()
        return dialog

    def _credential_imported(self, _app: Any) -> None:
        self._set_missing_credential(None)
        self.blocks_label.setText(self.tr("The credential is in this desktop's keychain: read the calendar "
                                          "again with Read now."))

    def _failed(self, message: str) -> None:
        self._show_empty()
        self.message.setText(message)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)  # German headings run long: they wrap in a narrow pane rather than widen it
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _tree(name: str, accessible: str, headers: list[str]) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setObjectName(name)
    tree.setAccessibleName(accessible)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setWordWrap(False)
    tree.setAlternatingRowColors(True)
    return tree


class RevokeProfilesDialog(QMessageBox):
    """Confirms a profile revoke, naming the profiles (`revokeProfilesConfirm`); Cancel is the default."""

    def __init__(self, emails: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("revokeProfilesConfirm")
        self.setAccessibleName(self.tr("Confirm revoke"))
        self.setIcon(QMessageBox.Icon.Warning)
        count = len(emails)
        self.setWindowTitle(self.tr("Revoke profiles") if count > 1 else self.tr("Revoke profile"))
        self.setText(self.tr("Revoke %d calendar profiles?") % count if count > 1
                     else self.tr("Revoke the calendar profile %s?") % emails[0])
        named = "\n".join(f"• {email}" for email in emails[:MAX_NAMED])
        if count > MAX_NAMED:
            named += "\n" + self.tr("… and %d more") % (count - MAX_NAMED)
        body = self.tr("The console records them as revoked and stops checking them. To withdraw the "
                       "application's access at the platform too, follow the step in each profile's "
                       "details. A revoked profile can be relinked later.")
        self.setInformativeText((named + "\n\n" if count > 1 else "") + body)
        self.revoke_button = self.addButton(
            self.tr("&Revoke %d profiles") % count if count > 1 else self.tr("&Revoke profile"),
            QMessageBox.ButtonRole.DestructiveRole)
        self.revoke_button.setObjectName("confirmRevokeButton")
        cancel = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(cancel)
        self.setEscapeButton(cancel)

    def confirmed(self) -> bool:
        return self.clickedButton() is self.revoke_button


__all__ = ["ProfileDetailsPane", "RevokeProfilesDialog", "block_lines", "split_step"]
