"""The Reconcile window against the EWS sandbox, through its real widgets: it lists exactly the joiners,
leavers, broken profiles and leaks the sandbox was set up with (computed from the sandbox, not copied from
the core); Link all joiners links them; Revoke all leavers is refused until the application's name is typed,
then revokes exactly the leavers; Cancel stores nothing; a scope that cannot be read is said plainly and
never shown as 0; the CSV and XLSX exports hold the rows on screen; the main window's reconciliation line."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QLabel
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import (
    APP_NAME,
    add_sandbox_app,
    link_through_core,
    open_window,  # noqa: F401 - fixture
    select_application,
)

from ec_console import reconcile
from ec_console.registry import Registry, parse_utc
from ec_console.sandbox.org import Behaviour
from ec_console.table_xlsx import write_workbook
from ec_console.ui.reconcile_view import COLUMNS, KIND_LABELS, ReconcileWindow

pytestmark = pytest.mark.slow


sandbox = sandbox_fixture("module", throttle_back_off_ms=50)


def ordinary(org, n):
    return [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
            and m.delegate_folders is None][:n]


@pytest.fixture
def app_window(qtbot, open_window, sandbox, org):  # noqa: F811
    application = add_sandbox_app(sandbox)
    window = open_window()
    select_application(window, APP_NAME)
    return application, window


def open_view(qtbot, window) -> ReconcileWindow:
    action = window.findChild(QAction, "reconcileAction")
    assert action.isEnabled()
    action.trigger()
    view = window.findChild(ReconcileWindow, "reconcileWindow")
    assert view is not None and view.isVisible()
    return view


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key through the window, as the platform delivers it (shortcuts and mnemonics apply)."""
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    qtbot.keyClick(widget.windowHandle(), key, modifier)
    qtbot.wait(200)              # a mnemonic presses its button with animateClick (100 ms)


def run(qtbot, view: ReconcileWindow) -> None:
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.running and view.operation is not None, timeout=90000)


def cell(section, row: int, column: int) -> str:
    """What the list shows in that cell (the text its view draws)."""
    return section.table.model().index(row, column).data()


def select(section, row: int) -> None:
    section.table.setCurrentIndex(section.table.model().index(row, 0))


def on_screen(view: ReconcileWindow, finding: str) -> list[str]:
    section = view.sections[finding]
    return [cell(section, row, 0) for row in range(section.table.model().rowCount())]


def screen_rows(view: ReconcileWindow) -> list[list[str]]:
    """Every row the four lists show, read from the widgets: the list's name, then each column's text."""
    rows = []
    for finding, section in view.sections.items():
        if not section.isVisible() or not section.table.isVisible():
            continue
        for row in range(section.table.model().rowCount()):
            rows.append([KIND_LABELS[finding], *(cell(section, row, c) for c in range(len(COLUMNS)))])
    return rows


def statuses() -> dict[str, str]:
    with Registry.for_region("us") as registry:
        return {p.email: p.status for p in registry.list_profiles()}


def audited(*actions: str) -> list[tuple[str, str, dict]]:
    with Registry.for_region("us") as registry:
        return [(e.action, e.subject, json.loads(e.detail)) for e in registry.audit_entries()
                if e.action in actions]


def stored(application) -> list[reconcile.StoredReconciliation]:
    with Registry.for_region("us") as registry:
        return reconcile.reconciliations(registry, application.id)


def test_the_window_lists_exactly_the_findings_set_up_in_the_sandbox(qtbot, app_window, org):
    application, window = app_window
    linked = ordinary(org, 4)
    link_through_core(application, linked)
    _, _, leaving, breaking = linked
    org.leave_scope(leaving)
    org.mailboxes[breaking].behaviour = Behaviour.FOLDER_DENIED
    leaked = next(m.address for m in org.outsiders() if m.address != leaving)
    org.leak(leaked)
    outsiders = {m.address for m in org.outsiders()} - {leaving}
    assert len(outsiders) <= 20          # the default sample takes every outsider: the leak is found surely

    view = open_view(qtbot, window)
    assert view.sample.value() == 20 and view.run_button.isDefault()
    assert not view.export_csv_button.isEnabled()
    run(qtbot, view)

    in_scope = {m.address for m in org.scope_members()}
    assert set(on_screen(view, "joiner")) == in_scope - set(linked)
    assert on_screen(view, "leaver") == [leaving]
    assert on_screen(view, "broken") == [breaking]
    assert on_screen(view, "leak") == [m for m in outsiders if org.mailboxes[m].covered] == [leaked]
    joiners = len(in_scope - set(linked))
    assert view.sections["joiner"].count_label.text() == f"— {joiners} joiners"
    assert view.sections["leak"].count_label.text() == "— 1 leak"
    # leaks first, and marked as the most serious by a sign and words, not by colour alone
    assert view.splitter.widget(0) is view.sections["leak"]
    assert not view.sections["leak"].findChild(QLabel, "leakSign").pixmap().isNull()
    assert view.sections["leak"].hint.text().startswith("Most serious")
    assert "1 account outside the scope can be reached" in view.confidence.text()
    # the leak's fix in the details area, copied by keyboard
    view.sections["leak"].table.setFocus()
    select(view.sections["leak"], 0)
    assert "scope_not_enforced" in view.details.toPlainText()
    assert "Get-ManagementRoleAssignment" in view.details.toPlainText()
    press(qtbot, view, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)          # Cop&y the fix
    assert "Get-ManagementRoleAssignment" in QGuiApplication.clipboard().text()
    # the leaver's platform step and the broken profile's diagnosis
    select(view.sections["leaver"], 0)
    assert "Remove-DistributionGroupMember" in view.details.toPlainText()
    assert "--apply" not in view.details.toPlainText()
    assert cell(view.sections["broken"], 0, 3) == "folder_access_denied"
    # stored once, and the main window's line says so
    [run_stored] = stored(application)
    assert run_stored.counts == {"leak": 1, "joiner": joiners, "leaver": 1, "broken": 1}
    assert window.reconcile_actions.label.isVisible()
    assert window.reconcile_actions.label.text().startswith("Reconciled on ")
    assert f"{joiners} joiners, 1 leaver, 1 leak" in window.reconcile_actions.label.text()

    # filters: the search box and the finding type
    qtbot.keyClicks(view.search, leaving.split("@")[0])
    what = cell(view.sections["leaver"], 0, 2)
    assert screen_rows(view) == [["Leaver", leaving, "", what, "", ""]]
    assert view.sections["joiner"].count_label.text() == f"— {joiners} joiners (0 shown)"
    view.search.clear()
    view.kind.setCurrentIndex(view.kind.findData("broken"))
    assert [row[0] for row in screen_rows(view)] == ["Broken profile"]
    # Enter in the filter does not start another run; Esc closes the window
    view.search.setFocus()
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert not view.running
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()
    assert len(stored(application)) == 1


def test_link_all_joiners_links_them_under_the_reconciliation(qtbot, app_window, org):
    application, window = app_window
    members = ordinary(org, 5)
    for box in org.scope_members():
        if box.address not in members:
            org.leave_scope(box.address)
    link_through_core(application, members[:3])
    view = open_view(qtbot, window)
    view.sample.setValue(2)
    run(qtbot, view)
    assert sorted(on_screen(view, "joiner")) == sorted(members[3:])
    assert not view.link_button.isEnabled()                   # nothing selected yet
    qtbot.mouseClick(view.link_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.applying and bool(view.outcomes), timeout=60000)
    now = statuses()
    assert {e: now[e] for e in members} == dict.fromkeys(members, "linked")
    entries = audited(reconcile.AUDIT_JOINER_LINKED, reconcile.AUDIT_JOINER_NOT_LINKED)
    assert sorted(s for _, s, _ in entries) == sorted(members[3:])
    assert {d["reconciliation"] for _, _, d in entries} == {view.rec.id}
    column = [cell(view.sections["joiner"], row, 4) for row in range(2)]
    assert column == ["Linked", "Linked"]
    assert not view.link_all_button.isEnabled()               # nothing left to link
    qtbot.waitUntil(lambda: window.model.rowCount() == 5)       # the main window shows them


def test_revoke_all_leavers_needs_the_typed_name_then_revokes_exactly_them(qtbot, app_window, org):
    application, window = app_window
    members = ordinary(org, 3)
    link_through_core(application, members)
    org.leave_scope(members[0])
    org.leave_scope(members[2])
    view = open_view(qtbot, window)
    run(qtbot, view)
    assert sorted(on_screen(view, "leaver")) == sorted([members[0], members[2]])
    before = statuses()

    qtbot.mouseClick(view.revoke_all_button, Qt.MouseButton.LeftButton)
    confirm = view.confirm
    assert confirm is not None and confirm.isVisible()
    assert "Remove-DistributionGroupMember" in confirm.findChild(object, "leaverSteps").toPlainText()
    assert not confirm.revoke_button.isEnabled()
    qtbot.keyClicks(confirm.confirm_name, "Sandbox")
    assert not confirm.revoke_button.isEnabled()
    qtbot.keyClick(confirm.confirm_name, Qt.Key.Key_Return)   # Enter with the wrong name does nothing
    assert confirm.isVisible() and statuses() == before
    confirm.confirm_name.clear()
    qtbot.keyClicks(confirm.confirm_name, APP_NAME.lower())   # case does not matter, as in the core
    assert confirm.revoke_button.isEnabled()
    qtbot.mouseClick(confirm.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.applying and bool(view.outcomes), timeout=30000)

    after = statuses()
    assert {e for e, s in after.items() if s == "revoked"} == {members[0], members[2]}
    assert after[members[1]] == "linked"
    entries = audited(reconcile.AUDIT_LEAVER_REVOKED)
    assert sorted(s for _, s, _ in entries) == sorted([members[0], members[2]])
    assert {d["reconciliation"] for _, _, d in entries} == {view.rec.id}
    assert [cell(view.sections["leaver"], row, 4) for row in range(2)] == ["Revoked", "Revoked"]

    # a second run: the main window's line shows the change since the first
    first = stored(application)[0]
    run(qtbot, view)
    assert on_screen(view, "leaver") == []
    day = parse_utc(first.at).astimezone()
    qtbot.waitUntil(lambda: window.reconcile_actions.label.text() ==
                    f"Reconciliation: 0 joiners, \u22122 leavers, 0 leaks since {day.day} {day:%b}")


def test_relink_a_broken_profile_under_the_reconciliation(qtbot, app_window, org):
    application, window = app_window
    members = ordinary(org, 3)
    link_through_core(application, members)
    org.mailboxes[members[1]].behaviour = Behaviour.FOLDER_DENIED
    view = open_view(qtbot, window)
    view.sample.setValue(1)
    run(qtbot, view)
    assert on_screen(view, "broken") == [members[1]]
    assert not view.relink_button.isEnabled()                  # nothing selected yet
    org.mailboxes[members[1]].behaviour = Behaviour.NORMAL      # the cause fixed on the platform
    select(view.sections["broken"], 0)
    assert "folder_access_denied" in view.details.toPlainText()
    qtbot.mouseClick(view.relink_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.applying and bool(view.outcomes), timeout=30000)
    assert cell(view.sections["broken"], 0, 4) == "Relinked"
    assert statuses()[members[1]] == "linked"
    [(_, subject, detail)] = audited(reconcile.AUDIT_BROKEN_RELINKED)
    assert subject == members[1] and detail["reconciliation"] == view.rec.id and detail["result"] == "linked"


def test_cancel_stops_a_run_and_stores_nothing(qtbot, app_window, sandbox, org):
    application, window = app_window
    link_through_core(application, ordinary(org, 2))
    view = open_view(qtbot, window)
    sandbox.ews_server.latency = 0.3
    try:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
        assert view.running and view.cancel_button.isEnabled() and not view.run_button.isEnabled()
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not view.running, timeout=60000)
    finally:
        sandbox.ews_server.latency = 0.0
    assert view.status.text() == "Cancelled: nothing was stored."
    assert view.rec is None and not view.export_csv_button.isEnabled()
    assert stored(application) == []
    assert audited(reconcile.AUDIT_RECORDED) == []
    assert not window.reconcile_actions.label.isVisible()


def test_a_scope_that_cannot_be_read_is_said_plainly_and_never_shown_as_zero(qtbot, app_window, org):
    application, window = app_window
    link_through_core(application, ordinary(org, 2))
    view = open_view(qtbot, window)
    qtbot.keyClicks(view.scope_group, "no-such-group@sandbox.example")
    run(qtbot, view)
    assert view.banner.isVisible()
    assert view.banner.text().startswith("Cannot tell: the scope (who the directory says the application may "
                                         "reach) could not be read. Why: ")
    for finding in ("leak", "joiner", "leaver"):
        section = view.sections[finding]
        assert section.count_label.text() == "— cannot tell"
        assert section.unknown.isVisible() and not section.table.isVisible()
        assert section.unknown.text() == "Cannot tell: the scope could not be read."
    shown = " ".join(label.text() for label in view.findChildren(QLabel) if label.isVisible())
    assert "0 leaks" not in shown and "0 joiners" not in shown and "0 leavers" not in shown
    assert "Leaks: cannot tell" in view.confidence.text()
    [run_stored] = stored(application)
    assert run_stored.counts["leak"] is None and run_stored.unknown == ("scope",)
    assert "leaks unknown" in window.reconcile_actions.label.text()


def test_csv_and_xlsx_exports_hold_the_rows_on_screen(qtbot, app_window, org, tmp_path, monkeypatch):
    application, window = app_window
    linked = ordinary(org, 3)
    link_through_core(application, linked)
    org.leave_scope(linked[0])
    org.mailboxes[linked[1]].behaviour = Behaviour.FOLDER_DENIED
    org.leak(org.outsiders()[1].address)
    view = open_view(qtbot, window)
    run(qtbot, view)
    rows = screen_rows(view)
    assert {row[0] for row in rows} == {"Leak", "Joiner", "Leaver", "Broken profile"}

    target = {"path": ""}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (target["path"], ""))

    def export(button, name):
        target["path"] = str(tmp_path / name)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.status.text().startswith("Exported"), timeout=30000)
        view.status.clear()
        return tmp_path / name

    with export(view.export_csv_button, "findings.csv").open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[0][:len(COLUMNS) + 1] == ["Finding", *COLUMNS]
    assert [row[:len(COLUMNS) + 1] for row in written[1:]] == rows
    book = load_workbook(export(view.export_xlsx_button, "findings.xlsx"), read_only=True)
    sheet = [[c if c is not None else "" for c in row]
             for row in book["Findings"].iter_rows(values_only=True)]
    assert [row[:len(COLUMNS) + 1] for row in sheet[1:]] == rows
    summary = dict(book["Summary"].iter_rows(values_only=True))
    assert summary["Leaks"] == "1 leak" and summary["Application"] == APP_NAME
    book.close()

    # with a filter, the export holds what is shown
    view.kind.setCurrentIndex(view.kind.findData("joiner"))
    qtbot.keyClicks(view.search, "a")
    shown = screen_rows(view)
    assert 0 < len(shown) < len(rows)
    with export(view.export_csv_button, "joiners.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [row[:len(COLUMNS) + 1] for row in list(csv.reader(handle))[1:]] == shown


def test_the_xlsx_writer_keeps_a_formula_as_text(tmp_path):
    path = tmp_path / "book.xlsx"
    with path.open("wb") as handle:
        assert write_workbook([("Findings", ["Account", "Count"],
                                [["=HYPERLINK(\"http://x\")", 3], ["bad\x07char", 0]])], handle) == [2]
    sheet = load_workbook(path)["Findings"]
    assert sheet["A2"].value == "=HYPERLINK(\"http://x\")" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 3 and sheet["A3"].value == "badchar"


def test_the_action_is_in_the_tools_menu_and_the_context_menu_and_opens_by_keyboard(qtbot, app_window):
    _application, window = app_window
    action = window.findChild(QAction, "reconcileAction")
    tools = [a.objectName() for a in window.findChild(object, "toolsMenu").actions()]
    assert "reconcileAction" in tools
    apps = window.applications_list
    window.application_actions._menu(apps.visualItemRect(apps.currentItem()).center())
    assert action in window.application_actions.context_menu.actions()
    window.application_actions.context_menu.close()
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    press(qtbot, window, Qt.Key.Key_R, ctrl_shift)
    qtbot.waitUntil(lambda: window.findChild(ReconcileWindow, "reconcileWindow") is not None)
    view = window.findChild(ReconcileWindow, "reconcileWindow")
    assert view.windowTitle() == f"Reconcile — {APP_NAME}"
    select_application(window, "All applications")
    assert not action.isEnabled()                # one application at a time
    view.close()


def test_a_large_list_is_filled_and_filtered_without_a_call_into_qt_per_row(qtbot):
    """PySide6 6.12 loses a reference to None on every call of a Qt method that returns nothing; a list that
    made such calls per row (20,000 joiners: an item, its data, its tooltip, hiding it per keystroke) would
    bring the console down. The lists are a model: filling and filtering them costs a few calls in all."""
    import sys

    from ec_console.ui import operations as ops

    with Registry.for_region("us") as registry:
        application = registry.add_application("Big", "exchange", "example.com", {})
    view = ReconcileWindow(application, ops.Scope("us"))
    qtbot.addWidget(view)
    findings = [reconcile.Finding(f"user{i:05d}@example.com", "joiner", f"User {i}", None,
                                  "in the scope, not linked", "") for i in range(20000)]
    rec = reconcile.Reconciliation("Big", application.id, "exchange", "2026-11-28T10:00:00Z",
                                   scope_source="the group", scope_size=20000, findings=findings)
    before = sys.getrefcount(None)
    view._reconciled(rec)
    view.search.setText("user1999")
    after = sys.getrefcount(None)
    assert before - after < 2000
    assert on_screen(view, "joiner") == [f"user1999{d}@example.com" for d in range(10)]
    assert view.sections["joiner"].count_label.text() == "— 20,000 joiners (10 shown)"
