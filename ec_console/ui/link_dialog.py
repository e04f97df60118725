"""Link profiles (`linkProfilesDialog`): find the accounts of an application's scope, choose, link.

Sources: *Discover* (the provider's enumeration, in the background, cancellable) or *Paste or import* (a
pasted list or a Get-Mailbox CSV; every unusable line is listed with its line number). The preview lists
the candidates with check boxes (select all / none, a count); accounts already linked through the
application are shown but not offered. Discovery pre-ticks only a handful of screened, ordinary accounts
(`Enumeration.preselected`: never an administrator or executive; nothing when more than 5 are found).
*Link* probes each chosen account through the application in the
background: each row shows its result as it is written: *Linked*; *Not linked* with the diagnosis (no
profile is recorded; it can be ticked again once the cause is fixed); or *Try again later* when the
platform was busy or did not answer (left ticked: pressing Link again finishes the job). Done / total,
time left (waits included) and, while the platform asks to wait, "Paused 30 s: Exchange is throttling
this service account"; Stop. The main window's table follows (`results_written`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ec_console.checkall import JobResult
from ec_console.diagnoses import surface_text
from ec_console.i18n import format_number
from ec_console.providers.base import HANDFUL
from ec_console.registry import Application, Registry
from ec_console.texts import localized
from ec_console.ui import icons
from ec_console.ui import operations as ops
from ec_console.ui.check_all import saved_concurrency, time_left
from ec_console.ui.profiles_model import provider_label, status_label
from ec_console.words import count

COL_EMAIL, COL_NAME, COL_RESULT = range(3)
EmailRole = Qt.ItemDataRole.UserRole + 1


class LinkProfilesDialog(QDialog):
    """Discover or paste accounts, preview them, link the chosen ones (`linkProfilesDialog`)."""

    results_written = Signal()

    def __init__(self, application: Application, scope: ops.Scope, registry: Registry | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkProfilesDialog")
        self.setAccessibleName(self.tr("Link profiles"))
        self.setWindowTitle(self.tr("Link profiles — %s") % application.name)
        self.application = application
        self.scope = scope
        self.discovery: ops.Operation | None = None
        self.run: ops.Operation | None = None
        self.feed: ops.RunFeed | None = None
        self.summary: Any = None
        self._rows: dict[str, int] = {}
        self._counts = dict.fromkeys(_COUNTED, 0)
        self._build()
        self.resize(820, 640)
        self._update_buttons()

    # ------------------------------------------------------------------------------------ building
    def _build(self) -> None:
        app = self.application
        header = QLabel(self.tr("Link calendars through <b>%s</b> (%s · %s): each one is probed through the "
                                "application and recorded as linked. One that fails is not linked, and "
                                "its row says why.") % (app.name, provider_label(app.provider), app.domain))
        header.setWordWrap(True)
        header.setTextFormat(Qt.TextFormat.RichText)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("sourceTabs")
        self.tabs.setAccessibleName(self.tr("Where the accounts come from"))
        self.tabs.addTab(self._discover_tab(), self.tr("&Discover"))
        self.tabs.addTab(self._paste_tab(), self.tr("&Paste or import"))
        self.tabs.setMaximumHeight(230)

        self.model = QStandardItemModel(0, 3, self)
        self.model.setHorizontalHeaderLabels([self.tr("Account"), self.tr("Name"), self.tr("Result")])
        self.model.itemChanged.connect(lambda _item: self._update_buttons())
        self.preview = QTableView()
        self.preview.setObjectName("linkPreview")
        self.preview.setAccessibleName(self.tr("Accounts to link"))
        self.preview.setModel(self.model)
        self.preview.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().setVisible(False)
        self.preview.setWordWrap(False)
        self.preview.setShowGrid(False)
        self.preview.setAlternatingRowColors(True)
        self.preview.setIconSize(QSize(12, 12))
        header_view = self.preview.horizontalHeader()
        header_view.resizeSection(COL_EMAIL, 280)
        header_view.resizeSection(COL_NAME, 170)
        header_view.setStretchLastSection(True)
        header_view.setSectionResizeMode(COL_EMAIL, QHeaderView.ResizeMode.Interactive)
        # The name column fits its names (none when pasted): the result, with its reason, gets the room.
        header_view.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.ResizeToContents)

        self.select_all_button = QPushButton(self.tr("Select &all"))
        self.select_all_button.setObjectName("selectAllButton")
        self.select_all_button.clicked.connect(lambda: self.set_all_checked(True))
        self.select_none_button = QPushButton(self.tr("Select &none"))
        self.select_none_button.setObjectName("selectNoneButton")
        self.select_none_button.clicked.connect(lambda: self.set_all_checked(False))
        self.count_label = QLabel()
        self.count_label.setObjectName("chosenCount")
        self.count_label.setAccessibleName(self.tr("Accounts chosen"))
        choose = QHBoxLayout()
        choose.addWidget(self.select_all_button)
        choose.addWidget(self.select_none_button)
        choose.addSpacing(12)
        choose.addWidget(self.count_label, 1)

        self.progress = QProgressBar()
        self.progress.setObjectName("linkProgress")
        self.progress.setAccessibleName(self.tr("Linking progress"))
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("linkStatus")
        self.status.setAccessibleName(self.tr("Linking status"))
        self.status.setWordWrap(True)

        self.link_button = QPushButton()
        self.link_button.setObjectName("linkButton")
        self.link_button.setDefault(True)
        self.link_button.clicked.connect(self.start_link)
        self.stop_button = QPushButton(self.tr("&Stop"))
        self.stop_button.setObjectName("stopLinkButton")
        self.stop_button.setToolTip(self.tr("Stop linking; what is done stays recorded"))
        self.stop_button.clicked.connect(self.cancel_link)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setObjectName("closeLinkDialog")
        self.close_button.clicked.connect(self.reject)
        self.progress.setFixedWidth(200)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.progress)
        buttons.addWidget(self.link_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.tabs)
        layout.addWidget(QLabel(self.tr("Accounts (tick the ones to link):")))
        layout.addWidget(self.preview, 1)
        layout.addLayout(choose)
        layout.addLayout(buttons)

    def _discover_tab(self) -> QWidget:
        tab = QWidget()
        explain = QLabel(self.tr("List the accounts in the application's scope (the scoping group, or the "
                                 "Google Workspace domain) from the platform itself."))
        explain.setWordWrap(True)
        self.discover_button = QPushButton(icons.icon("refresh"), self.tr("&Find accounts in scope"))
        self.discover_button.setObjectName("discoverButton")
        self.discover_button.clicked.connect(self.discover)
        self.discover_cancel = QPushButton(self.tr("Cancel"))
        self.discover_cancel.setObjectName("discoverCancel")
        self.discover_cancel.setAccessibleName(self.tr("Cancel finding accounts"))
        self.discover_cancel.setEnabled(False)
        self.discover_cancel.clicked.connect(self.cancel_discover)
        self.discover_status = QLabel()
        self.discover_status.setObjectName("discoverStatus")
        self.discover_status.setWordWrap(True)
        self.discover_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.discover_button)
        row.addWidget(self.discover_cancel)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(explain)
        layout.addLayout(row)
        layout.addWidget(self.discover_status, 1)
        return tab

    def _paste_tab(self) -> QWidget:
        tab = QWidget()
        self.paste_box = QPlainTextEdit()
        self.paste_box.setObjectName("pasteBox")
        self.paste_box.setAccessibleName(self.tr("Addresses to link, one a line"))
        self.paste_box.setPlaceholderText(self.tr("One address a line (or separated by commas), or the "
                                                  "contents of Get-Mailbox | Export-Csv"))
        self.add_button = QPushButton(self.tr("&Add to the list"))
        self.add_button.setObjectName("addPastedButton")
        self.add_button.clicked.connect(self.add_pasted)
        self.import_button = QPushButton(self.tr("&Import CSV…"))
        self.import_button.setObjectName("importCsvButton")
        self.import_button.setToolTip(self.tr("A list of addresses, or a Get-Mailbox | Export-Csv file "
                                              "(PrimarySmtpAddress column)"))
        self.import_button.clicked.connect(self.import_csv)
        self.problems = QListWidget()
        self.problems.setObjectName("listProblems")
        self.problems.setAccessibleName(self.tr("Lines that could not be used"))
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.problems.hide()
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.paste_box, 3)
        row.addLayout(buttons)
        row.addWidget(self.problems, 2)
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        return tab

    # ------------------------------------------------------------------------------------ candidates
    @Slot()
    def discover(self) -> None:
        self.discover_button.setEnabled(False)
        self.discover_cancel.setEnabled(True)
        self.discover_status.setText(self.tr("Asking the platform for the accounts in scope…"))
        self.discovery = ops.discover_accounts(self, self.scope, self.application.id,
                                               on_done=self._discovered, on_error=self._discover_failed,
                                               on_cancelled=self._discover_cancelled)

    @Slot()
    def cancel_discover(self) -> None:
        if self.discovery is not None:
            self.discovery.cancel()
            if self.discovery.task is not None:
                self.discovery.task.cancel()
        self.discover_cancel.setEnabled(False)
        self.discover_status.setText(self.tr("Cancelling…"))

    def _discovery_over(self) -> None:
        self.discovery = None
        self.discover_button.setEnabled(self.run is None)
        self.discover_cancel.setEnabled(False)

    def _discovered(self, enumeration: Any) -> None:
        self._discovery_over()
        accounts = enumeration.accounts
        added = self.add_candidates([(a.email, a.name) for a in accounts], ticked=enumeration.preselected())
        roles = {"super administrator": self.tr("super administrator"),
                 "administrator": self.tr("administrator"), "executive": self.tr("executive")}
        held = [a for a in accounts if a.role]
        for account in held:
            row = self._rows.get(account.email.lower())
            if row is not None and not self.model.item(row, COL_RESULT).text():
                self._set_result(row, self.tr("Not ticked: %s") % roles.get(account.role, account.role), None)
        lines = [self.tr("%(found)s in scope, %(added)s new in the list.")
                 % {"found": count(len(accounts), self.tr("account"), self.tr("accounts")),
                    "added": format_number(added)}]
        if len(accounts) > HANDFUL:
            lines.append(self.tr("Nothing is ticked: with more than %d accounts, tick the ones to link, or "
                                 "use Select all.") % HANDFUL)
        elif held:
            lines.append(self.tr("Not ticked: %s. Administrators and executives are linked only when you "
                                 "tick them.") % count(len(held), self.tr("administrator or executive"),
                                                       self.tr("administrators or executives")))
        elif accounts and not any(a.screened for a in accounts):
            lines.append(self.tr("Nothing is ticked: the platform does not say which of these accounts are "
                                 "administrators or executives. Tick the ones to link."))
        lines += [f"• {localized(note)}" for note in enumeration.notes]
        self.discover_status.setText("\n".join(lines))

    def _discover_failed(self, message: str) -> None:
        self._discovery_over()
        self.discover_status.setText(self.tr("The accounts could not be listed: %s\nPaste a list or import "
                                             "a CSV instead.") % message)

    def _discover_cancelled(self) -> None:
        self._discovery_over()
        self.discover_status.setText(self.tr("Cancelled: nothing was listed."))

    @Slot()
    def add_pasted(self) -> None:
        text = self.paste_box.toPlainText()
        if not text.strip():
            self._show_problems([], self.tr("Paste addresses first."))
            return
        self.add_button.setEnabled(False)
        ops.parse_account_list(self, text, on_done=self._parsed)

    @Slot()
    def import_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import addresses"), "",
                                              self.tr("CSV or text files (*.csv *.txt);;All files (*)"))
        if not path:
            return
        self.import_button.setEnabled(False)

        def loaded(text: str) -> None:
            self.import_button.setEnabled(True)
            self.paste_box.setPlainText(text)
            self.add_pasted()

        def failed(message: str) -> None:
            self.import_button.setEnabled(True)
            self._show_problems([], message)

        ops.read_text_file(self, path, on_done=loaded, on_error=failed)

    def _parsed(self, listing: Any) -> None:
        self.add_button.setEnabled(True)
        added = self.add_candidates([(address, "") for address in listing.addresses])
        lines = [self.tr("Line %(n)d: %(message)s") % {"n": p.line,
                                                        "message": _without_line(p.message, p.line)}
                 for p in listing.problems]
        note = self.tr("%(n)s read, %(added)s new in the list.") % {
            "n": count(len(listing.addresses), self.tr("address"), self.tr("addresses")),
            "added": format_number(added)}
        if lines:
            note += " " + (self.tr("1 line could not be used:") if len(lines) == 1
                           else self.tr("%s lines could not be used:") % format_number(len(lines)))
        self._show_problems(lines, note)

    def _show_problems(self, lines: list[str], note: str) -> None:
        self.problems.clear()
        self.problems.addItem(note)
        self.problems.addItems(lines)
        self.problems.show()

    def add_candidates(self, accounts: list[tuple[str, str]], *,
                       ticked: Collection[str] | None = None) -> int:
        """Add accounts to the preview, skipping any already listed; returns how many were new. Each is
        ticked when `ticked` is None (addresses the admin pasted) or names it (`Enumeration.preselected`)."""
        new: list[str] = []
        for email, name in accounts:
            key = email.lower()
            if key in self._rows:
                continue
            box = QStandardItem(email)
            box.setCheckable(True)
            chosen = ticked is None or email in ticked
            box.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            box.setData(email, EmailRole)
            box.setEditable(False)
            self.model.appendRow([box, _cell(name), _cell("")])
            self._rows[key] = self.model.rowCount() - 1
            new.append(email)
        if new:
            ops.known_profiles(self, self.scope, self.application.id, new, on_done=self._mark_known)
        self._update_buttons()
        return len(new)

    def _mark_known(self, known: dict[str, str]) -> None:
        for key, status in known.items():
            row = self._rows.get(key)
            if row is None:
                continue
            box = self.model.item(row, COL_EMAIL)
            box.setCheckState(Qt.CheckState.Unchecked)
            box.setCheckable(False)
            box.setEnabled(False)
            text = self.tr("Already linked through this application (%s)") % status_label(status)
            self._set_result(row, text, status)
        self._update_buttons()

    def set_all_checked(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.model.blockSignals(True)
        for row in range(self.model.rowCount()):
            box = self.model.item(row, COL_EMAIL)
            if box.isCheckable() and box.isEnabled():
                box.setCheckState(state)
        self.model.blockSignals(False)
        last = max(0, self.model.rowCount() - 1)
        self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(last, 0))
        self._update_buttons()

    def chosen(self) -> list[tuple[str, str]]:
        picked = []
        for row in range(self.model.rowCount()):
            box = self.model.item(row, COL_EMAIL)
            if box.isCheckable() and box.checkState() == Qt.CheckState.Checked:
                picked.append((box.data(EmailRole), self.model.item(row, COL_NAME).text()))
        return picked

    # ------------------------------------------------------------------------------------ linking
    @Slot()
    def start_link(self) -> None:
        picked = self.chosen()
        if not picked or self.run is not None:
            return
        names = {email: name for email, name in picked if name}
        self.feed = ops.RunFeed()
        self._counts = dict.fromkeys(_COUNTED, 0)
        self.summary = None
        self.progress.setRange(0, len(picked))
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText(self.tr("Linking %s…") % count(len(picked), self.tr("account"),
                                                            self.tr("accounts")))
        for email, _name in picked:
            self._set_result(self._rows[email.lower()], self.tr("Waiting…"), None)
        self.run = ops.link_profiles(self, self.scope, self.application.id, [e for e, _ in picked],
                                     names=names, feed=self.feed, concurrency=saved_concurrency(),
                                     on_progress=self._drain, on_done=self._linked,
                                     on_error=self._link_failed)
        self._update_buttons()

    @Slot()
    def cancel_link(self) -> None:
        if self.run is not None:
            self.run.cancel()
            self.stop_button.setEnabled(False)
            self.status.setText(self.tr("Stopping… (probes under way finish first)"))

    def _drain(self) -> None:
        if self.feed is None:
            return
        progress, results = self.feed.take()
        for result in results:
            self._show_result(result)
        if progress is not None:
            self.progress.setRange(0, max(progress.total, 1))
            self.progress.setValue(progress.done)
            if self.run is not None and not self.run.cancelled:
                left = time_left(progress.eta) if progress.done < progress.total else ""
                parts = [self.tr("Linked %(done)s of %(total)s") % {
                    "done": format_number(progress.done), "total": format_number(progress.total)}]
                if left:
                    parts.append(left)
                pause = progress.paused
                self.status.setText((f"{pause.message}\n" if pause is not None else "") + " · ".join(parts))
        if results:
            self.results_written.emit()

    def _show_result(self, result: JobResult) -> None:
        row = self._rows.get(result.email.lower())
        if result.action in self._counts:
            self._counts[result.action] += 1
        if row is None:
            return
        tip = None
        if result.action == "linked":
            text, colour = self.tr("Linked"), "linked"
        elif result.action == "not_linked":
            text, colour = self.tr("Not linked: %s") % surface_text(result.shown_message), "fail"
            tip = _diagnosis_tip(result, text)
        elif result.action == "try_again":
            text, colour = self.tr("Try again later: %s") % surface_text(result.shown_message), "warn"
            tip = _diagnosis_tip(result, text) + "\n\n" + self.tr(
                "The platform was busy or did not answer. Link this account again later: accounts already "
                "linked are kept, the rest are linked.")
        else:
            text = result.shown_message or self.tr("Skipped")
            colour = result.status or ("fail" if result.action == "skipped" else None)
        self._set_result(row, text, colour, tip)
        box = self.model.item(row, COL_EMAIL)
        # Not linked: it can be ticked again once the cause is fixed. Try again later: ticked already, so
        # Link runs the same link again and finishes the job. Linked or skipped: nothing more to do here.
        retry = result.action in ("not_linked", "try_again")
        box.setCheckable(retry)
        box.setCheckState(Qt.CheckState.Checked if result.action == "try_again" else Qt.CheckState.Unchecked)

    def _set_result(self, row: int, text: str, status: str | None, tip: str | None = None) -> None:
        cell = self.model.item(row, COL_RESULT)
        cell.setText(text)
        cell.setToolTip(tip or text)
        cell.setIcon(icons.status_icon(status) if status else icons.status_icon("skip"))

    def _linked(self, summary: Any) -> None:
        self._drain()
        self.run = None
        self.feed = None
        self.summary = summary
        counts = summary.run.counts
        parts = [self.tr("%s linked") % format_number(counts.get('linked', 0))]
        if counts.get("not_linked", 0):
            parts.append(self.tr("%s not linked") % format_number(counts['not_linked']))
        if counts.get("try_again", 0):
            parts.append(self.tr("%s to try again later") % format_number(counts['try_again']))
        if summary.already_linked:
            parts.append(self.tr("%s already linked") % format_number(len(summary.already_linked)))
        if counts.get("skipped", 0):
            parts.append(self.tr("%s skipped") % format_number(counts['skipped']))
        head = self.tr("Stopped") if summary.run.cancelled else self.tr("Done")
        text = f"{head}: " + ", ".join(parts)
        if counts.get("try_again", 0):
            text += self.tr(". Link %s again later to finish") % (
                self.tr("it") if counts["try_again"] == 1 else self.tr("them"))
        if summary.run.application_failures:
            failure = next(iter(summary.run.application_failures.values()))
            text += self.tr(". The application itself failed (%s): %s") % (
                failure.code, surface_text(failure.diagnosis.cause if failure.diagnosis
                                           else localized(failure.detail)))
        self.status.setText(text)
        self.progress.hide()
        self.results_written.emit()
        self._update_buttons()

    def _link_failed(self, message: str) -> None:
        self.run = None
        self.feed = None
        self.progress.hide()
        self.status.setText(self.tr("Nothing was linked: %s") % message)
        self._update_buttons()

    # ------------------------------------------------------------------------------------ state
    def _update_buttons(self) -> None:
        running = self.run is not None
        chosen = len(self.chosen())
        listed = self.model.rowCount()
        self.count_label.setText(self.tr("%(chosen)d of %(listed)d chosen") % {"chosen": chosen,
                                                                               "listed": listed})
        calendars = count(chosen, self.tr("calendar"), self.tr("calendars"))
        self.link_button.setText(self.tr("&Link %s") % calendars if chosen else self.tr("&Link"))
        self.link_button.setEnabled(chosen > 0 and not running)
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        for widget in (self.select_all_button, self.select_none_button, self.add_button, self.import_button):
            widget.setEnabled(not running)
        self.discover_button.setEnabled(not running and self.discovery is None)

    def reject(self) -> None:
        if self.run is not None:          # Escape while linking stops the run instead of hiding it
            self.cancel_link()
            return
        if self.discovery is not None:
            self.cancel_discover()
        super().reject()


_COUNTED = ("linked", "not_linked", "try_again", "skipped")


def _diagnosis_tip(result: JobResult, text: str) -> str:
    """The row's tooltip: its text, then the diagnosis' cause and fix."""
    diagnosis = result.outcome.diagnosis if result.outcome is not None else None
    if diagnosis is None:
        return text
    return f"{text}\n\n{surface_text(diagnosis.cause)}\n\n{surface_text(diagnosis.remediation)}"


def _without_line(message: str, line: int) -> str:
    """The problem's message without its own "line N:" prefix (the list shows the number once)."""
    prefix = f"line {line}"
    if message.lower().startswith(prefix):
        return message[len(prefix):].lstrip(": ")
    return message


def _cell(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


__all__ = ["LinkProfilesDialog"]
