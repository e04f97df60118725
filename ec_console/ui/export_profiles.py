"""File › Export profile list (CSV)… (`exportProfilesAction`, Ctrl+E): the profiles the table shows.

The export has the rows that match the current search, status filter and application, in the table's
order, and the columns as shown (their order on screen, their headers, their texts: local times, plain
status words). The file is written off the GUI thread, replaced atomically and private to the user, in
UTF-8 with a byte-order mark so Excel on Windows opens it correctly (`ec_console.table_csv`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QHeaderView

from ec_console.errors import BadInput
from ec_console.paths import private_atomic_writer
from ec_console.registry import ProfileQuery
from ec_console.table_csv import iter_profiles, write_table
from ec_console.ui import operations as ops
from ec_console.ui.profiles_model import COLUMNS, display_text
from ec_console.words import count


def shown_columns(header: QHeaderView) -> list[int]:
    """The model columns the table shows, in their order on screen."""
    columns = [header.logicalIndex(visual) for visual in range(header.count())]
    return [c for c in columns if 0 <= c < len(COLUMNS) and not header.isSectionHidden(c)]


def write_profiles(scope: ops.Scope, query: ProfileQuery, columns: list[int], titles: list[str],
                   target: Path) -> int:
    """Write the profiles matching `query` to `target` (runs in a worker with its own registry)."""
    with scope.open() as registry:
        rows = ([display_text(p, c) for c in columns] for p in iter_profiles(registry, query))
        try:
            with private_atomic_writer(target, text=True) as handle:
                return write_table(titles, rows, handle)
        except OSError as exc:
            message = QCoreApplication.translate("ExportProfiles", "%(path)s cannot be written: %(reason)s")
            raise BadInput(message % {"path": target, "reason": exc.strerror or exc}) from None


def export_profiles(window: Any) -> ops.Operation | None:
    """Ask where, then write the table's profiles as CSV in the background; the status bar says how it
    went. Returns the running operation (None when the admin cancelled or nothing is open)."""
    if window.registry is None:
        return None
    default = f"profiles-{window.region_id}-{date.today().isoformat()}.csv"
    path, _ = QFileDialog.getSaveFileName(
        window, QCoreApplication.translate("ExportProfiles", "Export the profile list"), default,
        QCoreApplication.translate("ExportProfiles", "CSV files (*.csv)"))
    if not path:
        return None
    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(".csv")
    header = window.profiles_table.horizontalHeader()
    columns = shown_columns(header)
    model = window.model
    titles = [str(model.headerData(c, header.orientation())) for c in columns]
    query = model.query
    scope = window.operation_scope()
    bar = window.statusBar()
    bar.showMessage(QCoreApplication.translate("ExportProfiles", "Exporting the profile list…"))

    def done(written: int) -> None:
        bar.showMessage(QCoreApplication.translate("ExportProfiles", "Exported %(n)s to %(path)s") % {
            "n": count(written, "profile", "profiles"), "path": target}, 15000)

    def failed(message: str) -> None:
        bar.showMessage(QCoreApplication.translate("ExportProfiles", "The profile list was not exported: %s")
                        % message, 15000)

    return ops.run_read(window, lambda: write_profiles(scope, query, columns, titles, target),
                        on_done=done, on_error=failed)


__all__ = ["export_profiles", "shown_columns", "write_profiles"]
