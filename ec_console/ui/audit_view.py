"""The audit log (`auditLogDialog`, Tools › Audit log…): every change made in the region, newest first.

A table (time, user, action, subject, detail) with a filter (words matched in any column, debounced) and
CSV export. Reading and writing run off the GUI thread, each with its own registry connection. The audit
holds no secrets, so the export is the audit as it is, written by `ec_console.audit.write_csv` (the same
writer as `ec-console audit export --csv`: a cell a spreadsheet would run as a formula is defused).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ec_console import audit
from ec_console.errors import BadInput
from ec_console.paths import private_atomic_writer
from ec_console.registry import AuditEntry
from ec_console.ui import operations as ops
from ec_console.ui.profiles_model import local_time

MAX_SHOWN = 20_000
FILTER_DEBOUNCE_MS = 200
HEADERS = ("Time", "User", "Action", "Subject", "Detail")


def matches(entry: AuditEntry, words: list[str]) -> bool:
    """Every word (case-insensitive) appears in some column of the entry."""
    text = " ".join((entry.at, entry.os_user, entry.action, entry.subject, entry.detail)).casefold()
    return all(word in text for word in words)


def filtered_entries(registry: Any, text: str) -> list[AuditEntry]:
    words = text.casefold().split()
    return [e for e in registry.audit_entries() if matches(e, words)]


def write_csv(entries: list[AuditEntry], path: Path) -> None:
    """The entries as a spreadsheet-safe CSV file, replaced atomically (private to the user)."""
    with private_atomic_writer(path, text=True) as handle:
        audit.write_csv(entries, handle)


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

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and \
                0 <= section < len(HEADERS):
            return self.tr(HEADERS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        values = (local_time(entry.at), entry.os_user, entry.action, entry.subject, entry.detail)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.at} UTC" if index.column() == 0 else values[index.column()]
        return None


class AuditLogDialog(QDialog):
    """The region's audit log with a filter and CSV export (`auditLogDialog`)."""

    def __init__(self, scope: ops.Scope, region_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditLogDialog")
        self.setAccessibleName(self.tr("Audit log"))
        self.setWindowTitle(self.tr("Audit log — %s") % region_label)
        self.scope = scope
        self.loading: ops.Operation | None = None
        self.exporting: ops.Operation | None = None
        self.page: AuditPage | None = None

        self.filter = QLineEdit()
        self.filter.setObjectName("auditFilter")
        self.filter.setAccessibleName(self.tr("Filter the audit log"))
        self.filter.setPlaceholderText(self.tr("Filter: words in any column (user, action, address …)"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaxLength(256)
        caption = QLabel(self.tr("&Filter:"))
        caption.setBuddy(self.filter)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.filter.textChanged.connect(lambda _t: self._debounce.start())

        self.model = AuditModel(self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName(self.tr("Audit entries"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        for column, width in enumerate((130, 90, 170, 220)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)

        self.status = QLabel()
        self.status.setObjectName("auditStatus")
        self.status.setAccessibleName(self.tr("Audit log status"))
        self.status.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.setObjectName("auditRefresh")
        self.refresh_button.clicked.connect(self.reload)
        self.export_button = QPushButton(self.tr("&Export CSV…"))
        self.export_button.setObjectName("exportCsvButton")
        self.export_button.setToolTip(self.tr("Save the entries that match the filter as a CSV file"))
        self.export_button.clicked.connect(self.export_csv)
        close = QPushButton(self.tr("Close"))
        close.setObjectName("closeAuditLog")
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.filter, 1)
        top.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.resize(980, 600)
        self.reload()

    @Slot()
    def reload(self) -> None:
        """Read the entries matching the filter (off the GUI thread)."""
        self._debounce.stop()
        text = self.filter.text()
        scope = self.scope

        def work() -> AuditPage:
            with scope.open() as registry:
                entries = filtered_entries(registry, text)
            return AuditPage(entries[:MAX_SHOWN], len(entries))

        self.status.setText(self.tr("Reading the audit log…"))
        self.loading = ops.run_read(self, work, on_done=lambda page: self._loaded(text, page),
                                    on_error=self.status.setText)

    def _loaded(self, text: str, page: AuditPage) -> None:
        if text != self.filter.text():
            return                                   # a newer filter is on its way
        self.loading = None
        self.page = page
        self.model.set_entries(page.entries)
        if page.matched > len(page.entries):
            self.status.setText(self.tr("Showing the newest %(shown)s of %(n)s entries; narrow the filter or "
                                        "export them all") % {"shown": f"{len(page.entries):,}",
                                                              "n": f"{page.matched:,}"})
        else:
            self.status.setText(self.tr("%s entries") % f"{page.matched:,}")

    @Slot()
    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the audit log"), "audit-log.csv",
                                              self.tr("CSV files (*.csv)"))
        if not path:
            return
        text = self.filter.text()
        scope = self.scope
        target = Path(path)

        def work() -> int:
            with scope.open() as registry:
                entries = filtered_entries(registry, text)
            try:
                write_csv(entries, target)
            except OSError as exc:
                raise BadInput(f"{target} cannot be written: {exc.strerror or exc}") from None
            return len(entries)

        self.export_button.setEnabled(False)
        self.exporting = ops.run_read(self, work, on_done=lambda n: self._exported(n, target),
                                      on_error=self._export_failed)

    def _exported(self, count: int, path: Path) -> None:
        self.exporting = None
        self.export_button.setEnabled(True)
        self.status.setText(self.tr("Exported %(n)s entries to %(path)s") % {"n": f"{count:,}",
                                                                              "path": path})

    def _export_failed(self, message: str) -> None:
        self.exporting = None
        self.export_button.setEnabled(True)
        self.status.setText(self.tr("Nothing was exported: %s") % message)


__all__ = ["AuditLogDialog", "AuditModel", "filtered_entries", "matches", "write_csv"]
