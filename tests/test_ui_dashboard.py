"""The dashboard's profile actions in the main window against the EWS sandbox: revoke (confirmed, Delete
key), relink, the detail pane, enabling by selection, region isolation, and work off the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import (
    APP_NAME,
    add_sandbox_app,
    audit_actions,
    emails,
    link_through_core,
    open_window,  # noqa: F401 - fixture
    profile_status,
    select_emails,
    status_in_table,
)

from ec_console import dashboard
from ec_console.registry import Registry
from ec_console.secrets import default_store

pytestmark = pytest.mark.slow


sandbox = sandbox_fixture("module")


@pytest.fixture
def linked(sandbox):
    """Three in-scope mailboxes linked through the core, and one that was linked and has since left the
    scope (a relink found it denied: needs relink)."""
    info = sandbox.info()
    app = add_sandbox_app(sandbox)
    chosen = [*info.mailboxes_in_scope[:3], info.mailbox_out_of_scope]
    moved = sandbox.org.mailboxes[info.mailbox_out_of_scope]
    moved.in_scope = True
    try:
        link_through_core(app, chosen)
    finally:
        moved.in_scope = False
    with Registry.for_region("us") as registry:
        broken = registry.find_profile(app.id, info.mailbox_out_of_scope)
        dashboard.relink_profiles(registry, [broken.id], store=default_store())
    assert profile_status(info.mailbox_out_of_scope) == ("needs_relink", "impersonation_denied")
    return app, chosen


def _confirm(qtbot, window) -> QMessageBox:
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "revokeProfilesConfirm") is not None)
    return window.findChild(QMessageBox, "revokeProfilesConfirm")


def test_actions_follow_the_selection(qtbot, open_window, linked):  # noqa: F811
    window = open_window()
    revoke = window.findChild(QAction, "revokeProfileAction")
    relink = window.findChild(QAction, "relinkProfileAction")
    assert not revoke.isEnabled() and not relink.isEnabled()
    assert window.findChild(QAction, "checkAllAction").isEnabled()
    assert not window.findChild(QAction, "linkProfilesAction").isEnabled()   # "All applications" selected
    select_emails(window, emails(window)[0])
    assert revoke.isEnabled() and relink.isEnabled()
    assert "Not available yet" not in revoke.toolTip()


def test_revoke_asks_naming_the_profiles_then_records_and_audits(qtbot, open_window, linked):  # noqa: F811
    _app, chosen = linked
    window = open_window()
    select_emails(window, chosen[0], chosen[1])
    window.findChild(QAction, "revokeProfileAction").trigger()
    dialog = _confirm(qtbot, window)
    assert chosen[0] in dialog.informativeText() and chosen[1] in dialog.informativeText()
    assert dialog.defaultButton() is not dialog.revoke_button       # Enter does not revoke by accident
    dialog.button(QMessageBox.StandardButton.Cancel).click()
    assert profile_status(chosen[0])[0] == "linked"                  # cancelled: nothing written

    window.findChild(QAction, "revokeProfileAction").trigger()
    _confirm(qtbot, window).revoke_button.click()
    qtbot.waitUntil(lambda: status_in_table(window, chosen[0]) == "Revoked")
    assert status_in_table(window, chosen[1]) == "Revoked"
    assert profile_status(chosen[0])[0] == "revoked" and profile_status(chosen[2])[0] == "linked"
    assert ("profile_revoked", chosen[0]) in audit_actions()
    assert "revoked" in window.statusBar().currentMessage()
    assert sorted(window.selected_profile_ids()) == sorted(
        window.model.profile_id(emails(window).index(e)) for e in chosen[:2])   # selection kept


def test_delete_key_on_the_table_opens_the_revoke_confirmation(qtbot, open_window, linked):  # noqa: F811
    _app, chosen = linked
    window = open_window()
    qtbot.waitExposed(window)
    select_emails(window, chosen[2])
    window.activateWindow()
    window.profiles_table.setFocus()
    qtbot.waitUntil(window.profiles_table.hasFocus)
    qtbot.keyClick(window.profiles_table, Qt.Key.Key_Delete)
    dialog = _confirm(qtbot, window)
    assert chosen[2] in dialog.text()
    dialog.reject()


def test_relink_a_revoked_profile_makes_it_linked_again(qtbot, open_window, linked):  # noqa: F811
    _app, chosen = linked
    window = open_window()
    select_emails(window, chosen[0])
    window.findChild(QAction, "revokeProfileAction").trigger()
    _confirm(qtbot, window).revoke_button.click()
    qtbot.waitUntil(lambda: status_in_table(window, chosen[0]) == "Revoked")

    with qtbot.waitSignal(window.run_panel.finished, timeout=30000) as finished:
        window.findChild(QAction, "relinkProfileAction").trigger()
        assert not window.findChild(QAction, "relinkProfileAction").isEnabled()   # one run at a time
    assert "Relink finished" in finished.args[0] and "1 linked" in finished.args[0]
    assert status_in_table(window, chosen[0]) == "Linked"
    assert profile_status(chosen[0]) == ("linked", None)
    assert ("profile_relinked", chosen[0]) in audit_actions()
    assert window.findChild(QAction, "relinkProfileAction").isEnabled()


def test_revoke_and_relink_are_offered_only_where_they_apply(qtbot, open_window, linked):  # noqa: F811
    app, chosen = linked
    window = open_window()
    revoke = window.findChild(QAction, "revokeProfileAction")
    relink = window.findChild(QAction, "relinkProfileAction")
    select_emails(window, chosen[0])
    revoke.trigger()
    _confirm(qtbot, window).revoke_button.click()
    qtbot.waitUntil(lambda: status_in_table(window, chosen[0]) == "Revoked")
    # Already revoked: revoking again is pointless; relinking undoes the revoke.
    select_emails(window, chosen[0])
    assert not revoke.isEnabled() and "already revoked" in revoke.toolTip()
    assert relink.isEnabled()
    select_emails(window, chosen[0], chosen[1])                      # one of them can still be revoked
    assert revoke.isEnabled()

    # Under a revoked application neither applies: its secret is gone.
    with Registry.for_region("us") as registry:
        registry.update_application(app.id, status="revoked")
    window.refresh()
    select_emails(window, chosen[1])
    assert not revoke.isEnabled() and not relink.isEnabled()
    assert "application has been revoked" in relink.toolTip()
    assert "application has been revoked" in revoke.toolTip()


def test_relink_of_an_out_of_scope_mailbox_keeps_it_needing_relink(qtbot, open_window, linked):  # noqa: F811
    _app, chosen = linked
    window = open_window()
    select_emails(window, chosen[3])
    with qtbot.waitSignal(window.run_panel.finished, timeout=30000) as finished:
        window.findChild(QAction, "relinkProfileAction").trigger()
    assert "1 needs relink" in finished.args[0]
    assert profile_status(chosen[3]) == ("needs_relink", "impersonation_denied")


def test_enter_opens_the_details_with_steps_withdrawal_step_and_history(qtbot, open_window, linked):  # noqa: F811
    _app, chosen = linked
    window = open_window()
    qtbot.waitExposed(window)
    select_emails(window, chosen[3])
    window.activateWindow()
    window.profiles_table.setFocus()
    qtbot.waitUntil(window.profiles_table.hasFocus)
    pane = window.details_pane
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        qtbot.keyClick(window.profiles_table, Qt.Key.Key_Return)
    assert pane.isVisible() and pane.title.text() == chosen[3]
    assert pane.steps.statuses().get("impersonate") == "fail"
    assert "impersonation_denied" in pane.message.text()
    assert "First linked" in pane.facts.text()             # as `ec-console profiles show` prints it
    assert pane.withdrawal_row is not None
    assert pane.withdrawal_row.text.startswith("Remove-DistributionGroupMember") and \
        chosen[3] in pane.withdrawal_row.text
    history = [pane.history.topLevelItem(i).text(1) for i in range(pane.history.topLevelItemCount())]
    assert history == ["relink", "link"]                   # linked once, broken since
    assert pane.audit.topLevelItem(0).text(1) == "Relink failed"


def test_read_now_shows_busy_times_only(qtbot, open_window, linked, sandbox):  # noqa: F811
    _app, chosen = linked
    window = open_window()
    with qtbot.waitSignal(window.details_pane.loaded, timeout=10000):
        window.show_profile_details(window.model.index(emails(window).index(chosen[0]), 0))
    pane = window.details_pane
    assert pane.blocks.topLevelItemCount() >= 1
    before = profile_status(chosen[0])
    pane.read_now.click()
    qtbot.waitUntil(lambda: "Read just now" in pane.blocks_label.text(), timeout=15000)
    shown = [pane.blocks.topLevelItem(i).text(0) for i in range(pane.blocks.topLevelItemCount())]
    assert shown and all(" – " in line or "all day" in line or line == "No busy time" for line in shown)
    mailbox = sandbox.org.mailboxes[chosen[0]]
    subjects = [event.subject for event in mailbox.events]
    assert subjects and not any(subject in " ".join(shown) for subject in subjects)
    assert profile_status(chosen[0]) == before                      # reading changes nothing


def test_switching_region_shows_nothing_of_the_other(qtbot, open_window, linked):  # noqa: F811
    _app, chosen = linked
    window = open_window("us")
    with qtbot.waitSignal(window.details_pane.loaded, timeout=10000):
        window.show_profile_details(window.model.index(0, 0))
    window.region_selector.setCurrentIndex(window.region_selector.findData("de"))
    assert window.region_id == "de"
    assert emails(window) == []
    assert not window.details_pane.isVisible() and window.details_pane.profile_id is None
    texts = [window.applications_list.item(i).text() for i in range(window.applications_list.count())]
    assert not any(APP_NAME in text for text in texts)
    assert window.central.currentWidget() is window.welcome
    window.region_selector.setCurrentIndex(window.region_selector.findData("us"))
    assert sorted(emails(window)) == sorted(chosen)


def test_core_work_runs_off_the_gui_thread(qtbot, open_window, linked, monkeypatch):  # noqa: F811
    _app, chosen = linked
    threads: list[threading.Thread] = []
    real_revoke, real_relink = dashboard.revoke_profiles, dashboard.relink_profiles

    def revoke(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_revoke(*args, **kwargs)

    def relink(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_relink(*args, **kwargs)

    monkeypatch.setattr(dashboard, "revoke_profiles", revoke)
    monkeypatch.setattr(dashboard, "relink_profiles", relink)
    window = open_window()
    select_emails(window, chosen[1])
    window.findChild(QAction, "revokeProfileAction").trigger()
    _confirm(qtbot, window).revoke_button.click()
    qtbot.waitUntil(lambda: status_in_table(window, chosen[1]) == "Revoked")
    with qtbot.waitSignal(window.run_panel.finished, timeout=30000):
        window.findChild(QAction, "relinkProfileAction").trigger()
    assert len(threads) == 2
    assert all(t is not threading.main_thread() for t in threads)
    assert [t.name.split("_")[0] for t in threads] == ["ec-writer", "ec-bulk"]


def test_an_application_without_its_secret_says_so_and_writes_nothing(qtbot, open_window, linked):  # noqa: F811
    from ec_console.secrets import default_store, secret_key

    app, chosen = linked
    default_store().delete(secret_key("us", app.name, "password"))
    window = open_window()
    select_emails(window, chosen[0])
    with qtbot.waitSignal(window.run_panel.finished, timeout=10000) as finished:
        window.findChild(QAction, "relinkProfileAction").trigger()
    assert "did not run" in finished.args[0] and "No secret" in finished.args[0]
    assert profile_status(chosen[0]) == ("linked", None)


@pytest.fixture
def german(qapp, compiled_catalogs):
    from ec_console.ui.app import install_translators, remove_translators

    install_translators(qapp, "de")
    yield
    remove_translators(qapp)


def test_details_pane_in_german(qtbot, open_window, linked, german):  # noqa: F811
    _app, chosen = linked
    window = open_window()
    pane = window.details_pane
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        window.show_profile_details(window.model.index(emails(window).index(chosen[3]), 0))
    assert "Erstmals verknüpft" in pane.facts.text() and "Erneut zu verknüpfen" in pane.facts.text()
    assert [pane.tabs.tabText(i) for i in range(pane.tabs.count())] == ["Ü&bersicht", "&Letzte Prüfung",
                                                                       "&Verlauf"]
    history = [pane.history.topLevelItem(i).text(1) for i in range(pane.history.topLevelItemCount())]
    assert history == ["Erneute Verknüpfung", "Verknüpfung"]
    assert pane.history.topLevelItem(0).text(2) == "Fehlgeschlagen: impersonation_denied"
    assert pane.history.topLevelItem(0).toolTip(1) == "relink"                  # the code, as recorded
    assert pane.history.topLevelItem(0).text(0)[2] == "."                       # 03.12.2026 12:00


def test_busy_blocks_in_german_dates(german, monkeypatch):
    import time

    from ec_console.ui.profile_details import block_lines

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        lines = block_lines([
            {"start": "2026-07-02T08:00:00Z", "end": "2026-07-02T09:30:00Z", "busy_type": "Busy"},
            {"start": "2026-07-02T22:00:00Z", "end": "2026-07-03T22:00:00Z", "all_day": True},
            {"start": "2026-07-02T21:00:00Z", "end": "2026-07-03T07:00:00Z", "busy_type": "Tentative"},
        ])
    finally:
        monkeypatch.undo()
        time.tzset()
    assert lines == ["02.07.2026 10:00 – 11:30", "03.07.2026 ganztägig",
                     "02.07.2026 23:00 – 03.07.2026 09:00  (Tentative)"]
