"""The audit log view: opened from Tools, filtered, exported as CSV (csv module, formula cells defused),
and region-scoped."""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from test_ui_dashboard_support import open_window  # noqa: F401 - fixture

from ec_console.registry import Registry
from ec_console.ui.audit_view import AuditLogDialog


def _seed() -> None:
    with Registry.for_region("us") as registry:
        app = registry.add_application("Room booking", "exchange", "contoso.example")
        registry.audit("application_added", "Room booking", "exchange for contoso.example")
        for name in ("alice", "bob", "carol"):
            registry.add_profile(app.id, f"{name}@contoso.example", status="linked")
            registry.audit("profile_linked", f"{name}@contoso.example", "linked through Room booking")
        registry.audit("profile_revoked", "bob@contoso.example", "=HYPERLINK(\"http://x\") was bob")
    with Registry.for_region("de") as registry:
        registry.audit("application_added", "Terminplanung", "exchange for beispiel.de")


def _open(qtbot, window) -> AuditLogDialog:
    window.audit_action.trigger()
    dialog = window.findChild(AuditLogDialog, "auditLogDialog")
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.page is not None and dialog.loading is None)
    return dialog


def _column(dialog: AuditLogDialog, column: int) -> list[str]:
    model = dialog.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_audit_log_lists_filters_and_exports(qtbot, open_window, tmp_path, monkeypatch):  # noqa: F811
    _seed()
    window = open_window("us")
    dialog = _open(qtbot, window)
    assert _column(dialog, 2) == ["profile_revoked", "profile_linked", "profile_linked", "profile_linked",
                                  "application_added"]                     # newest first
    assert "Terminplanung" not in _column(dialog, 3)                      # this region only
    assert dialog.status.text() == "5 entries"

    qtbot.keyClicks(dialog.filter, "BOB")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2 and dialog.loading is None)
    assert set(_column(dialog, 3)) == {"bob@contoso.example"}

    target = tmp_path / "audit.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Exported"))
    rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
    assert rows[0] == ["time_utc", "user", "action", "subject", "detail"]
    assert [r[2] for r in rows[1:]] == ["profile_revoked", "profile_linked"]
    assert rows[1][4].startswith("'=HYPERLINK")                            # not run as a formula
    assert rows[1][0].endswith("Z") or "+00:00" in rows[1][0]              # UTC as stored
    assert "Exported 2 entries" in dialog.status.text()


def test_export_to_an_unwritable_place_says_so(qtbot, open_window, tmp_path, monkeypatch):  # noqa: F811
    _seed()
    dialog = _open(qtbot, open_window("us"))
    target = tmp_path / "missing-folder" / "audit.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Nothing was exported"))
    assert "cannot be written" in dialog.status.text() and dialog.export_button.isEnabled()


def test_the_other_region_has_its_own_audit(qtbot, open_window):  # noqa: F811
    _seed()
    window = open_window("us")
    window.region_selector.setCurrentIndex(window.region_selector.findData("de"))
    dialog = _open(qtbot, window)
    assert _column(dialog, 3) == ["Terminplanung"]
    assert "Germany" in dialog.windowTitle()
