"""File › Export profile list (CSV): the rows of the current search and filters, the columns as shown,
UTF-8 with a byte-order mark, formula cells defused, written atomically off the GUI thread."""

from __future__ import annotations

import csv
import io

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from test_ui_dashboard_support import open_window  # noqa: F401 - fixture

from ec_console.registry import ProfileQuery, Registry
from ec_console.table_csv import write_table


def _seed() -> None:
    with Registry.for_region("us") as registry:
        rooms = registry.add_application("Room booking", "exchange", "contoso.example")
        sales = registry.add_application("Sales calendars", "google", "contoso.example")
        for n in range(30):
            status = ("linked", "needs_relink", "revoked")[n % 3]
            registry.add_profile(rooms.id, f"room{n:02d}@contoso.example", f"Room {n:02d}", status=status)
        registry.add_profile(sales.id, "müller@contoso.example", "=HYPERLINK(\"http://x\")", status="linked")
        registry.add_profile(sales.id, "room-sales@contoso.example", "Sales room", status="needs_relink")


def _export(qtbot, window, target, monkeypatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV"))
    bar = window.statusBar()
    window.activateWindow()
    window.profiles_table.setFocus()
    qtbot.waitUntil(window.profiles_table.hasFocus)
    qtbot.keyClick(window.profiles_table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bar.currentMessage().startswith(("Exported", "The profile list was not")))


def test_export_has_the_filtered_rows_and_the_columns_as_shown(qtbot, open_window, tmp_path,  # noqa: F811
                                                               monkeypatch):
    _seed()
    window = open_window("us")
    qtbot.keyClicks(window.profile_search, "room")
    window.status_filter.setCurrentIndex(window.status_filter.findData("needs_relink"))
    qtbot.waitUntil(lambda: window.model.query.search == "room" and window.model.rowCount() == 11)

    target = tmp_path / "profiles.csv"
    _export(qtbot, window, target, monkeypatch)
    assert window.statusBar().currentMessage().startswith("Exported 11 profiles to ")

    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                       # UTF-8 with a byte-order mark, for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    # The header as on screen: Status is shown beside the address.
    assert rows[0] == ["Email", "Status", "Name", "Application", "Platform", "Last checked", "Last result"]
    with Registry.for_region("us") as registry:
        expected = registry.list_profiles(ProfileQuery(search="room", status="needs_relink"))
    assert [r[0] for r in rows[1:]] == [p.email for p in expected]            # same rows, same order
    assert {r[1] for r in rows[1:]} == {"Needs relink"}
    by_email = {r[0]: r for r in rows[1:]}
    assert by_email["room01@contoso.example"][2:] == ["Room 01", "Room booking", "Exchange", "Never",
                                                      "Not checked yet"]
    assert by_email["room-sales@contoso.example"][2:5] == ["Sales room", "Sales calendars",
                                                           "Google Workspace"]
    assert not list(tmp_path.glob(".profiles.csv.tmp-*"))         # written atomically: no temp file left


def test_export_defuses_formulas_and_keeps_accents(qtbot, open_window, tmp_path, monkeypatch):  # noqa: F811
    _seed()
    window = open_window("us")
    qtbot.keyClicks(window.profile_search, "ller")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    target = tmp_path / "one.csv"
    _export(qtbot, window, target, monkeypatch)
    rows = list(csv.reader(target.open(encoding="utf-8-sig", newline="")))
    assert rows[1][0] == "müller@contoso.example"
    assert rows[1][2] == "'=HYPERLINK(\"http://x\")"             # shown as text, never run


def test_an_unwritable_place_is_said_plainly(qtbot, open_window, tmp_path, monkeypatch):  # noqa: F811
    _seed()
    window = open_window("us")
    _export(qtbot, window, tmp_path / "no-such-folder" / "p.csv", monkeypatch)
    message = window.statusBar().currentMessage()
    assert message.startswith("The profile list was not exported:") and "cannot be written" in message


def test_write_table_defuses_every_formula_start():
    out = io.StringIO(newline="")
    assert write_table(["a"], [["=1"], ["+1"], ["-1"], ["@x"], ["plain"]], out, byte_order_mark=False) == 5
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["a"], ["'=1"], ["'+1"], ["'-1"], ["'@x"],
                                                             ["plain"]]
