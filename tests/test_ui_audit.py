"""The audit log view: opened from Tools, readable action names, filtered by words and by a range of local
days (in SQL), a details pane with every field, exported as CSV (csv module, formula cells defused), and
region-scoped."""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
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
    assert _column(dialog, 2) == ["Profile revoked", "Profile linked", "Profile linked", "Profile linked",
                                  "Application added"]                     # newest first, in plain words
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
    assert len(rows[0]) == 1 and rows[0][0].startswith("# Audit chain verified at ")
    assert rows[0][0].endswith(": 5 entries, head " + dialog.chain_result.head)
    assert rows[1] == ["time_utc", "user", "action", "subject", "detail"]
    assert [r[2] for r in rows[2:]] == ["profile_revoked", "profile_linked"]
    assert rows[2][4].startswith("'=HYPERLINK")                            # not run as a formula
    assert rows[2][0].endswith("Z") or "+00:00" in rows[2][0]              # UTC as stored
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


# ------------------------------------------------------------------------------ dates, details, words

@pytest.fixture
def berlin_time(monkeypatch):
    """The computer's time zone is Europe/Berlin (UTC+1 in December) for the test."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _seed_days(monkeypatch) -> None:
    """Entries on several days; the clock is the registry's, so each entry gets the time given."""
    import ec_console.registry as registry_module

    entries = [
        ("2026-11-28T09:00:00Z", "application_added", "Room booking", "exchange for contoso.example"),
        ("2026-11-30T12:00:00Z", "profile_linked", "alice@contoso.example", "linked through Room booking"),
        # 23:30 UTC on 1 December is 00:30 on 2 December in Berlin: it belongs to the local 2 December.
        ("2026-12-01T23:30:00Z", "profile_revoked", "alice@contoso.example", "revoked in the console"),
        ("2026-12-02T10:00:00Z", "application_updated", "Room booking", "scope group changed"),
        ("2026-12-02T11:00:00Z", "check_all_finished", "check_all:application:1",
         json.dumps({"run": "r-7", "linked": 3, "needs_relink": 1, "cancelled": False})),
        ("2026-12-04T08:00:00Z", "profile_linked", "bob@contoso.example", "linked through Room booking"),
    ]
    with Registry.for_region("us") as registry, monkeypatch.context() as patch:
        for at, action, subject, detail in entries:
            patch.setattr(registry_module, "utc_now", lambda at=at: at)
            registry.audit(action, subject, detail)


def _set_day(edit, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))


def test_a_range_of_local_days_combines_with_the_filter(qtbot, open_window, monkeypatch, berlin_time):  # noqa: F811
    _seed_days(monkeypatch)
    dialog = _open(qtbot, open_window("us"))
    assert dialog.status.text() == "6 entries"
    assert not dialog.from_date.isEnabled() and dialog.from_date.calendarPopup()

    _set_day(dialog.from_date, date(2026, 11, 30))
    _set_day(dialog.to_date, date(2026, 12, 2))
    qtbot.mouseClick(dialog.from_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.to_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "4 entries")
    # Both days included, in local time: the 23:30 UTC revoke of 1 December is on the local 2 December.
    assert [e.at for e in dialog.model.entries] == ["2026-12-02T11:00:00Z", "2026-12-02T10:00:00Z",
                                                    "2026-12-01T23:30:00Z", "2026-11-30T12:00:00Z"]

    _set_day(dialog.to_date, date(2026, 12, 1))
    qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "1 entry")
    assert [e.at for e in dialog.model.entries] == ["2026-11-30T12:00:00Z"]

    _set_day(dialog.to_date, date(2026, 12, 4))
    qtbot.keyClicks(dialog.filter, "alice")
    qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "2 entries")
    assert _column(dialog, 2) == ["Profile revoked", "Profile linked"]

    qtbot.mouseClick(dialog.from_check, Qt.MouseButton.LeftButton)         # untick: from the beginning
    dialog.filter.clear()
    qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "6 entries")


def test_a_from_day_after_the_to_day_says_so(qtbot, open_window, monkeypatch, berlin_time):  # noqa: F811
    _seed_days(monkeypatch)
    dialog = _open(qtbot, open_window("us"))
    _set_day(dialog.from_date, date(2026, 12, 3))
    _set_day(dialog.to_date, date(2026, 12, 1))
    qtbot.mouseClick(dialog.from_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.to_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "after" in dialog.status.text())
    assert dialog.model.rowCount() == 0 and "2026-12-01" in dialog.status.text()


def test_the_filter_finds_readable_action_names(qtbot, open_window, monkeypatch, berlin_time):  # noqa: F811
    _seed_days(monkeypatch)
    dialog = _open(qtbot, open_window("us"))
    qtbot.keyClicks(dialog.filter, "Changed")       # "Application changed" is recorded as application_updated
    qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "1 entry")
    assert [e.action for e in dialog.model.entries] == ["application_updated"]


def test_the_details_pane_shows_every_field_labelled(qtbot, open_window, monkeypatch, berlin_time):  # noqa: F811
    _seed_days(monkeypatch)
    dialog = _open(qtbot, open_window("us"))
    assert "Select an entry" in dialog.details.text()
    row = [e.action for e in dialog.model.entries].index("check_all_finished")
    rect = dialog.table.visualRect(dialog.model.index(row, 2))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    text = dialog.details.text()
    assert "2026-12-02 12:00" in text and "2026-12-02T11:00:00Z UTC" in text    # local and UTC
    assert "Check all finished" in text and "check_all_finished" in text
    assert f"<b>User</b></td><td style='vertical-align:top'>{dialog.model.entries[row].os_user}</td>" in text
    assert "check_all:application:1" in text
    # The JSON detail is shown as labelled values, not as raw JSON.
    assert "{" not in text and '"run"' not in text
    for label, value in (("Run", "r-7"), ("Linked", "3"), ("Needs relink", "1"), ("Cancelled", "no")):
        assert f"<b>{label}</b></td><td style='vertical-align:top'>{value}</td>" in text


def test_export_keeps_the_dates_and_the_codes(qtbot, open_window, tmp_path, monkeypatch, berlin_time):  # noqa: F811
    _seed_days(monkeypatch)
    dialog = _open(qtbot, open_window("us"))
    _set_day(dialog.from_date, date(2026, 12, 2))
    qtbot.mouseClick(dialog.from_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "4 entries")
    target = tmp_path / "audit.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Exported"))
    rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
    assert rows[0][0].startswith("# Audit chain verified") and rows[1][0] == "time_utc"
    assert [r[2] for r in rows[2:]] == ["profile_linked", "check_all_finished", "application_updated",
                                        "profile_revoked"]
    assert "Exported 4 entries" in dialog.status.text()


def test_the_window_says_the_chain_verifies_then_where_it_breaks_and_the_export_says_so(
        qtbot, open_window, tmp_path, monkeypatch):  # noqa: F811
    _seed()
    dialog = _open(qtbot, open_window("us"))
    qtbot.waitUntil(lambda: dialog.verifying is None and dialog.chain_result is not None)
    assert dialog.chain.text().startswith("Chain verified: 5 entries — no entry was changed")
    assert dialog.chain_icon.isHidden() and dialog.chain_result.head in dialog.chain.toolTip()

    with Registry.for_region("us") as registry:                       # a superuser edits one entry
        path = registry.path
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET detail = 'linked through Other' WHERE id = 3")
    conn.close()
    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.verifying is None and not dialog.chain_result.verified)
    text = dialog.chain.text()
    assert "Chain broken at entry 3 (edited)</b>: Profile linked at " in text
    assert "does not match its hash" in text
    assert "backup" in text and not dialog.chain_icon.isHidden()

    target = tmp_path / "audit.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Exported"))
    first = next(csv.reader(target.open(encoding="utf-8", newline="")))
    assert first[0].startswith("# Audit chain NOT verified at ")
    assert "broken at entry 3 (" in first[0] and "edited" in first[0]


def test_the_audit_log_in_german(qtbot, open_window, monkeypatch, berlin_time, compiled_catalogs):  # noqa: F811
    """German chosen: headings, labels, action names, counts and dates are German; codes stay; the filter
    finds an action by its German name and by its English one."""
    from PySide6.QtWidgets import QApplication

    from ec_console.ui.app import install_translators, remove_translators
    from ec_console.ui.tasks import shutdown_pools

    _seed_days(monkeypatch)
    install_translators(QApplication.instance(), "de")
    dialog = None
    try:
        dialog = _open(qtbot, open_window("us"))
        assert dialog.status.text() == "6 Einträge"
        headers = [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
        assert headers == ["Zeit", "Benutzer", "Aktion", "Objekt", "Detail"]
        assert dialog.from_check.text() == "&Von:" and dialog.to_check.text() == "&Bis:"
        assert dialog.from_date.displayFormat() == "dd.MM.yyyy"
        row = [e.action for e in dialog.model.entries].index("profile_revoked")
        assert dialog.model.data(dialog.model.index(row, 0)) == "02.12.2026 00:30"    # local, Berlin
        assert dialog.model.data(dialog.model.index(row, 2)) == "Profil widerrufen"
        assert dialog.model.data(dialog.model.index(row, 2), Qt.ItemDataRole.ToolTipRole) == \
            "Profil widerrufen (gespeichert als profile_revoked)"
        dialog.table.selectRow(row)
        details = dialog.details.text()
        assert "<b>Benutzer</b>" in details and "<b>Eintrag</b>" in details
        assert "Profil widerrufen (profile_revoked)" in details and "2026-12-01T23:30:00Z UTC" in details
        qtbot.keyClicks(dialog.filter, "widerrufen")
        qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "1 Eintrag")
        dialog.filter.clear()
        qtbot.keyClicks(dialog.filter, "revoked")
        qtbot.waitUntil(lambda: dialog.loading is None and dialog.status.text() == "1 Eintrag")
    finally:
        remove_translators(QApplication.instance())
        if dialog is not None:
            dialog.close()
        shutdown_pools()
