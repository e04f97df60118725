"""The audit log (`auditLogDialog`, Tools › Audit log…): every change made in the region, newest first.

A table (time, user, action, subject, detail) with a filter (words matched in any column or in the action's
readable name, debounced), a date range (`auditFrom` / `auditTo`: local calendar days, both included), a
details pane (`auditDetails`) with every field of the selected entry, labelled, a line saying whether the
audit's hash chain verifies (`auditChain`: checked off the GUI thread when the window opens and on Refresh,
with what to do when it is broken), and CSV export (its first line states the chain's verification). Actions
show their readable names (`ec_console.audit_labels`); the export keeps the codes. The filter and the
date range are one SQL query (`Registry.search_audit`), never a scan of every entry in Python. Reading and
writing run off the GUI thread, each with its own registry connection. The audit holds no secrets, so the
export is the audit as it is, written by `ec_console.audit.write_csv` (the same writer as `ec-console audit
export --csv`: a cell a spreadsheet would run as a formula is defused).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ec_console import audit, audit_chain, i18n
from ec_console.audit_labels import action_label
from ec_console.errors import BadInput
from ec_console.paths import private_atomic_writer
from ec_console.registry import AuditEntry, AuditQuery, utc_now
from ec_console.ui import operations as ops
from ec_console.ui.accessibility import enable_clear_button
from ec_console.ui.profiles_model import local_time
from ec_console.words import count

MAX_SHOWN = 20_000
FILTER_DEBOUNCE_MS = 200
HEADERS = (QT_TRANSLATE_NOOP("AuditModel", "Time"), QT_TRANSLATE_NOOP("AuditModel", "User"),
           QT_TRANSLATE_NOOP("AuditModel", "Action"), QT_TRANSLATE_NOOP("AuditModel", "Subject"),
           QT_TRANSLATE_NOOP("AuditModel", "Detail"))
DATE_FORMAT = "yyyy-MM-dd"   # English; another language shows its own short date with the full year
DEFAULT_RANGE_DAYS = 30      # a date box ticked for the first time starts this many days back


def date_format() -> str:
    """The date boxes' format: DATE_FORMAT in English, the language's short date otherwise (dd.MM.yyyy)."""
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        return DATE_FORMAT
    shown = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    return shown if "yyyy" in shown else shown.replace("yy", "yyyy")


def audit_query(text: str, first: date | None = None, last: date | None = None) -> AuditQuery:
    """The registry query for the filter words and the local days `first` .. `last` (both included)."""
    since, before = audit.day_range(first, last)
    return AuditQuery(words=tuple(text.split()), since=since, before=before)


def write_csv(entries: Any, path: Path, preamble: tuple[str, ...] = ()) -> int:
    """The entries as a spreadsheet-safe CSV file, replaced atomically (private to the user), after the
    `preamble` lines."""
    with private_atomic_writer(path, text=True) as handle:
        return audit.write_csv(entries, handle, preamble)


def chain_html(result: audit_chain.ChainResult) -> str:
    """The chain line of the window: verified, or where it breaks and what to do (escaped)."""
    line = html.escape(audit_chain.status_line(result, action_label, local_time))
    if result.verified:
        return line + html.escape(QCoreApplication.translate(
            "AuditLogDialog", " — no entry was changed, deleted or reordered since it was written"))
    head, _, rest = line.partition(": ")
    return f"<b>{head}</b>: {rest}<br>{html.escape(audit_chain.advice(result))}"


def details_html(entry: AuditEntry) -> str:
    """Every field of `entry`, labelled, as a small HTML table (all values escaped)."""
    rows = "".join(
        f"<tr><td style='padding-right:12px; vertical-align:top'><b>{html.escape(name)}</b></td>"
        f"<td style='vertical-align:top'>{html.escape(value).replace(chr(10), '<br>')}</td></tr>"
        for name, value in audit.entry_fields(entry, local_time(entry.at)))
    return f"<table cellspacing='0' cellpadding='2'>{rows}</table>"


def detail_line(detail: str) -> str:
    """An entry's detail on one line for the table: labelled values when it is JSON, else its words."""
    fields = audit.detail_fields(detail)
    if fields and not (len(fields) == 1 and fields[0][1] == detail):   # a JSON detail, labelled
        return "; ".join(f"{name}: {value}" for name, value in fields)
    return " ".join(detail.split())


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]       # at most MAX_SHOWN, newest first
    matched: int


class AuditModel(QAbstractTableModel):
    """Audit entries for the table (read-only)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[AuditEntry] = []

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def entry(self, row: int) -> AuditEntry | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and \
                0 <= section < len(HEADERS):
            return QCoreApplication.translate("AuditModel", HEADERS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        values = (local_time(entry.at), entry.os_user, action_label(entry.action), entry.subject,
                  detail_line(entry.detail))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == 0:
                return f"{entry.at} UTC"
            if index.column() == 2:
                return self.tr("%(label)s (recorded as %(code)s)") % {"label": values[2],
                                                                       "code": entry.action}
            return values[index.column()]
        return None


class AuditLogDialog(QDialog):
    """The region's audit log with a filter, a date range, a details pane and CSV export
    (`auditLogDialog`)."""

    def __init__(self, scope: ops.Scope, region_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditLogDialog")
        self.setAccessibleName(self.tr("Audit log"))
        self.setWindowTitle(self.tr("Audit log — %s") % region_label)
        self.scope = scope
        self.loading: ops.Operation | None = None
        self.exporting: ops.Operation | None = None
        self.page: AuditPage | None = None
        self.verifying: ops.Operation | None = None
        self.chain_result: audit_chain.ChainResult | None = None
        self._asked: tuple[Any, ...] | None = None

        self.filter = QLineEdit()
        self.filter.setObjectName("auditFilter")
        self.filter.setAccessibleName(self.tr("Filter the audit log"))
        self.filter.setPlaceholderText(self.tr("Filter: words in any column (user, action, address …)"))
        enable_clear_button(self.filter)
        self.filter.setMaxLength(256)
        caption = QLabel(self.tr("&Filter:"))
        caption.setBuddy(self.filter)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.filter.textChanged.connect(lambda _t: self._debounce.start())

        today = QDate.currentDate()
        self.from_check, self.from_date = self._date_box("auditFrom", self.tr("Fro&m:"),
                                                         today.addDays(-DEFAULT_RANGE_DAYS),
                                                         self.tr("Only entries on or after this day"))
        self.to_check, self.to_date = self._date_box("auditTo", self.tr("&To:"), today,
                                                     self.tr("Only entries on or before this day"))

        self.model = AuditModel(self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName(self.tr("Audit entries"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        for column, width in enumerate((130, 90, 240, 220)):  # German action names run long
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._show_selected)

        self.details = QLabel()
        self.details.setObjectName("auditDetails")
        self.details.setAccessibleName(self.tr("Details of the selected entry"))
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse |
                                             Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.details.setContentsMargins(6, 6, 6, 6)
        details_scroll = QScrollArea()
        details_scroll.setObjectName("auditDetailsArea")
        details_scroll.setWidgetResizable(True)
        details_scroll.setWidget(self.details)
        details_scroll.setMinimumHeight(90)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("auditSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(details_scroll)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self._show_selected()

        self.status = QLabel()
        self.status.setObjectName("auditStatus")
        self.status.setAccessibleName(self.tr("Audit log status"))
        self.status.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.setObjectName("auditRefresh")
        self.refresh_button.clicked.connect(self.reload)
        self.refresh_button.clicked.connect(self.verify_chain)

        self.chain_icon = QLabel()
        self.chain_icon.setObjectName("auditChainIcon")
        self.chain_icon.setAccessibleName(self.tr("Warning"))
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.chain_icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                                  .pixmap(size, size))
        self.chain_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.chain_icon.hide()
        self.chain = QLabel()
        self.chain.setObjectName("auditChain")
        self.chain.setAccessibleName(self.tr("Audit chain verification"))
        self.chain.setTextFormat(Qt.TextFormat.RichText)
        self.chain.setWordWrap(True)
        self.chain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton(self.tr("&Export CSV…"))
        self.export_button.setObjectName("exportCsvButton")
        self.export_button.setToolTip(self.tr("Save the entries that match the filter and the dates as a "
                                              "CSV file"))
        self.export_button.clicked.connect(self.export_csv)
        close = QPushButton(self.tr("Close"))
        close.setObjectName("closeAuditLog")
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.filter, 1)
        top.addSpacing(8)
        for check, edit in ((self.from_check, self.from_date), (self.to_check, self.to_date)):
            top.addWidget(check)
            top.addWidget(edit)
        top.addSpacing(8)
        top.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(close)
        chain_row = QHBoxLayout()
        chain_row.addWidget(self.chain_icon)
        chain_row.addWidget(self.chain, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(chain_row)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)
        self.resize(1040, 640)
        self.splitter.setSizes([400, 200])
        self.reload()
        self.verify_chain()

    def _date_box(self, name: str, text: str, day: QDate, tip: str) -> tuple[QCheckBox, QDateEdit]:
        check = QCheckBox(text)
        check.setObjectName(f"{name}Check")
        check.setToolTip(tip)
        edit = QDateEdit(day)
        edit.setObjectName(name)
        edit.setAccessibleName(tip)
        edit.setToolTip(tip)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(date_format())
        edit.setEnabled(False)
        check.toggled.connect(edit.setEnabled)
        check.toggled.connect(lambda _on: self.reload())
        edit.dateChanged.connect(lambda _d: self.reload() if edit.isEnabled() else None)
        return check, edit

    def days(self) -> tuple[date | None, date | None]:
        """The ticked days of the range (None: that end is open)."""
        first = self.from_date.date().toPython() if self.from_check.isChecked() else None
        last = self.to_date.date().toPython() if self.to_check.isChecked() else None
        return first, last

    def _asking(self) -> tuple[Any, ...]:
        return (self.filter.text(), *self.days())

    @Slot()
    def reload(self) -> None:
        """Read the entries matching the filter and dates (off the GUI thread, in SQL)."""
        self._debounce.stop()
        text, first, last = asked = self._asking()
        self._asked = asked
        if first is not None and last is not None and first > last:
            self.loading = None
            self.page = AuditPage([], 0)
            self.model.set_entries([])
            self._show_selected()
            self.status.setText(self.tr("The “From” day is after the “To” day: no entry can match. Pick a "
                                        "“From” day on or before %s.") % QLocale().toString(
                                            QDate(last.year, last.month, last.day), date_format()))
            return
        query = audit_query(text, first, last)
        scope = self.scope

        def work() -> AuditPage:
            with scope.open() as registry:
                entries, matched = registry.search_audit(query, limit=MAX_SHOWN)
            return AuditPage(entries, matched)

        self.status.setText(self.tr("Reading the audit log…"))
        self.loading = ops.run_read(self, work, on_done=lambda page: self._loaded(asked, page),
                                    on_error=self._load_failed)

    @Slot()
    def verify_chain(self) -> None:
        """Walk the audit's hash chain (off the GUI thread: a long audit takes a while); show the result."""
        scope = self.scope

        def work() -> audit_chain.ChainResult:
            with scope.open() as registry:
                return registry.verify_audit()

        self.chain_icon.hide()
        self.chain.setText(self.tr("Checking that no audit entry was changed, deleted or reordered…"))
        self.verifying = ops.run_read(self, work, on_done=self._verified, on_error=self._verify_failed,
                                      pool="reader")

    def _verified(self, result: audit_chain.ChainResult) -> None:
        self.verifying = None
        self.chain_result = result
        self.chain_icon.setVisible(not result.verified)
        self.chain.setText(chain_html(result))
        self.chain.setToolTip(self.tr("Head of the chain: %s. Note it with the count to detect later a "
                                      "deletion of the newest entries (ec-console audit verify "
                                      "--known-head).") % result.head if result.verified else "")

    def _verify_failed(self, message: str) -> None:
        self.verifying = None
        self.chain_icon.show()
        self.chain.setText(html.escape(self.tr("The audit chain could not be checked: %s") % message))

    def _load_failed(self, message: str) -> None:
        self.loading = None
        self.status.setText(message)

    def _loaded(self, asked: tuple[Any, ...], page: AuditPage) -> None:
        if asked != self._asked:
            return                                   # a newer filter is on its way
        self.loading = None
        self.page = page
        self.model.set_entries(page.entries)
        self._show_selected()
        if page.matched > len(page.entries):
            shown = i18n.format_number(len(page.entries))
            self.status.setText(self.tr("Showing the newest %(shown)s of %(n)s; narrow the filter or dates, "
                                        "or export them all") % {"shown": shown,
                                                                 "n": count(page.matched, self.tr("entry"),
                                                                            self.tr("entries"))})
        else:
            self.status.setText(count(page.matched, self.tr("entry"), self.tr("entries")))

    @Slot()
    def _show_selected(self, *_: Any) -> None:
        entry = self.model.entry(self.table.currentIndex().row())
        if entry is None:
            self.details.setText(self.tr("<i>Select an entry to see all of it here.</i>"))
        else:
            self.details.setText(details_html(entry))

    @Slot()
    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the audit log"), "audit-log.csv",
                                              self.tr("CSV files (*.csv)"))
        if not path:
            return
        text, first, last = self._asking()
        query = audit_query(text, first, last)
        scope = self.scope
        target = Path(path)

        def work() -> int:
            with scope.open() as registry:
                header = audit_chain.export_header(registry.verify_audit(), utc_now())
                try:
                    return write_csv(registry.iter_audit(query=query), target, (header,))
                except OSError as exc:
                    raise BadInput(QCoreApplication.translate("AuditLogDialog", "%s cannot be written: %s")
                                   % (target, exc.strerror or exc)) from None

        self.export_button.setEnabled(False)
        self.exporting = ops.run_read(self, work, on_done=lambda n: self._exported(n, target),
                                      on_error=self._export_failed)

    def _exported(self, written: int, path: Path) -> None:
        self.exporting = None
        self.export_button.setEnabled(True)
        self.status.setText(self.tr("Exported %(n)s to %(path)s") % {
            "n": count(written, self.tr("entry"), self.tr("entries")), "path": path})

    def _export_failed(self, message: str) -> None:
        self.exporting = None
        self.export_button.setEnabled(True)
        self.status.setText(self.tr("Nothing was exported: %s") % message)


__all__ = ["AuditLogDialog", "AuditModel", "audit_query", "chain_html", "details_html", "write_csv"]
