"""A lost connection, end to end, as a user meets it: the main window on a PostgreSQL registry, the real
throwaway server restarted or stopped under it. The status bar says the connection is lost, then
restored, and then the window works again (its own connection and the table's readers open again by
themselves): the table reads, search, the applications list, a revoke, check all. A revoke confirmed
while the server is down is said plainly as not done, and changes nothing. Waits are generous, never
asserted as timings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox
from test_ui_dashboard_support import emails, open_window, row_of, status_in_table  # noqa: F401 - fixture

from ec_console import paths, registry_live
from ec_console.registry import Registry

WAIT_MS = 60_000
LOST = "Registry connection lost — reconnecting…"
RESTORED = "Registry connection restored"


@pytest.fixture
def shared_window(open_window, pg_cluster, pg_registry):  # noqa: F811
    """The main window on region us, whose registry is the PostgreSQL one (three profiles); it listens for
    changes with a short reconnection delay."""
    url = pg_cluster.url(pg_registry)
    (paths.config_dir() / "regions.toml").write_text(f'[regions.us]\nregistry = "{url}"\n', encoding="utf-8")
    with Registry(url) as registry:
        app = registry.add_application("Shared booking", "exchange", "contoso.com")
        for email, name, status in (("ann@contoso.com", "Ann Archer", "linked"),
                                    ("ben@contoso.com", "Ben Baker", "needs_relink"),
                                    ("cara@contoso.com", "Cara Clark", "linked")):
            registry.add_profile(app.id, email, name, status)
    window = open_window()
    assert window.registry.engine == "postgresql"
    live = window.start_live_updates(window.registry.target, backoff=(0.2, 1.0))
    return window, url, live


def _said(window) -> list[str]:
    """What the connection label says each time the listener reports (filled as it happens)."""
    said: list[str] = []
    window.live_updates.state.connect(lambda _s: said.append(window.connection_status.text()))
    return said


def _click_row(qtbot, window, email: str) -> None:
    table = window.profiles_table
    rect = table.visualRect(window.model.index(row_of(window, email), 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())


def _confirm_dialog(qtbot, window) -> QMessageBox:
    window.findChild(QAction, "revokeProfileAction").trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "revokeProfilesConfirm") is not None)
    return window.findChild(QMessageBox, "revokeProfilesConfirm")


def _app_names(window) -> list[str]:
    apps = window.applications_list
    return [apps.item(i).text() for i in range(apps.count())]


def test_after_a_server_restart_the_window_works_again(qtbot, shared_window, pg_cluster):
    window, url, live = shared_window
    qtbot.waitUntil(lambda: live.last_state == registry_live.STATE_CONNECTED, timeout=WAIT_MS)
    window.model.sync_budget_ms = 0          # every table read on a reader thread, on its own connection
    qtbot.keyClicks(window.profile_search, "BEN")
    qtbot.waitUntil(lambda: emails(window) == ["ben@contoso.com"], timeout=WAIT_MS)
    said = _said(window)

    pg_cluster.restart()                     # every connection of every console ends

    qtbot.waitUntil(lambda: RESTORED in said, timeout=WAIT_MS)
    assert said[0] == LOST and said.index(LOST) < said.index(RESTORED)
    # The table reads and searches again (its readers' connections open again by themselves)
    window.profile_search.clear()
    qtbot.keyClicks(window.profile_search, "CARA")
    qtbot.waitUntil(lambda: emails(window) == ["cara@contoso.com"], timeout=WAIT_MS)
    window.profile_search.clear()
    qtbot.waitUntil(lambda: len(emails(window)) == 3, timeout=WAIT_MS)
    # The applications list follows another console's change (the window's own connection works again)
    with Registry(url) as other:
        other.add_application("Fabrikam EWS", "exchange", "fabrikam.com")
    qtbot.waitUntil(lambda: any(n.startswith("Fabrikam EWS") for n in _app_names(window)), timeout=WAIT_MS)
    # A revoke goes through
    _click_row(qtbot, window, "ann@contoso.com")
    _confirm_dialog(qtbot, window).revoke_button.click()
    qtbot.waitUntil(lambda: "revoked in" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    assert window.statusBar().currentMessage().startswith("1 profile revoked in")
    qtbot.waitUntil(lambda: status_in_table(window, "ann@contoso.com") == "Revoked", timeout=WAIT_MS)
    with Registry(url) as other:
        assert [(e.action, e.subject) for e in other.audit_entries()] == [("profile_revoked",
                                                                           "ann@contoso.com")]
    assert window.counts_status.text() == "3 profiles · 1 linked · 1 needs relink · 1 revoked"
    # Check all runs (its own connection; its claims and results recorded)
    with qtbot.waitSignal(window.run_panel.finished, timeout=WAIT_MS) as finished:
        window.start_check_all(concurrency=2)
    assert finished.args[0].startswith("Check all finished in United States (US)")   # (no secret here)
    with Registry(url) as other:
        assert "check_all_started" in [e.action for e in other.audit_entries()]
    window.stop_live_updates()


def test_a_revoke_confirmed_while_the_server_is_down_is_said_not_done_and_changes_nothing(
        qtbot, shared_window, pg_cluster):
    window, url, live = shared_window
    qtbot.waitUntil(lambda: live.last_state == registry_live.STATE_CONNECTED, timeout=WAIT_MS)
    said = _said(window)
    _click_row(qtbot, window, "cara@contoso.com")
    dialog = _confirm_dialog(qtbot, window)
    pg_cluster.stop_server()
    try:
        qtbot.waitUntil(lambda: LOST in said, timeout=WAIT_MS)
        assert window.connection_status.isVisible()
        dialog.revoke_button.click()
        qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Not revoked: "),
                        timeout=WAIT_MS)
        message = window.statusBar().currentMessage()
        assert "PostgreSQL server" in message and "Traceback" not in message
        window.refresh()                     # reading while the server is down: said at once, the rows stay
        assert "Reconnecting to the registry at " in window.statusBar().currentMessage()  # (on a worker)
        assert len(emails(window)) == 3
    finally:
        pg_cluster.start_server()
    qtbot.waitUntil(lambda: RESTORED in said, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: status_in_table(window, "cara@contoso.com") == "Linked", timeout=WAIT_MS)
    with Registry(url) as other:
        assert {p.email: p.status for p in other.list_profiles()}["cara@contoso.com"] == "linked"
        assert other.audit_entries() == []
    window.refresh()                         # and it reads again
    assert window.counts_status.text() == "3 profiles · 2 linked · 1 needs relink · 0 revoked"
    window.stop_live_updates()


@pytest.fixture
def silent_proxy(pg_cluster):
    from pg_cluster import SilentProxy

    proxy = SilentProxy(pg_cluster)
    yield proxy
    proxy.resume()
    proxy.close()


def test_a_network_gone_silent_never_blocks_the_window_which_recovers_when_it_answers_again(
        qtbot, open_window, pg_cluster, pg_registry, silent_proxy, monkeypatch):  # noqa: F811
    import threading

    from PySide6.QtCore import QTimer

    from ec_console import registry_pg

    direct = pg_cluster.url(pg_registry)
    (paths.config_dir() / "regions.toml").write_text(
        f'[regions.us]\nregistry = "{silent_proxy.url(pg_registry)}"\n', encoding="utf-8")
    with Registry(direct) as registry:
        app = registry.add_application("Shared booking", "exchange", "contoso.com")
        for email, name in (("ann@contoso.com", "Ann Archer"), ("ben@contoso.com", "Ben Baker")):
            registry.add_profile(app.id, email, name, "linked")
    window = open_window()
    live = window.start_live_updates(window.registry.target, backoff=(0.2, 1.0), ping_every=0.3,
                                     ping_timeout=1.0)
    qtbot.waitUntil(lambda: live.last_state == registry_live.STATE_CONNECTED, timeout=WAIT_MS)
    opened_on: list[bool] = []               # each connection opened through the proxy: on the GUI thread?
    real_connect = registry_pg.connect

    def connect(target, *args, **kwargs):
        if str(getattr(target, "port", "")) == str(silent_proxy.port):   # the window's, not the test's
            opened_on.append(threading.current_thread() is threading.main_thread())
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(registry_pg, "connect", connect)
    ticks: list[bool] = []                   # a timer on the GUI thread: did it fire while reconnecting?
    timer = QTimer(window)
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(bool(getattr(window.registry, "reconnecting", False))))
    timer.start()

    silent_proxy.pause()                     # packets dropped from now on: nothing is closed or reset

    qtbot.waitUntil(lambda: window.registry.reconnecting, timeout=WAIT_MS)
    assert window.connection_status.text() == LOST
    window.refresh()                         # the user asks: said at once, what shows stays
    assert window.registry.reconnecting
    assert "Reconnecting to the registry at " in window.statusBar().currentMessage()
    assert "Traceback" not in window.statusBar().currentMessage()
    assert sorted(emails(window)) == ["ann@contoso.com", "ben@contoso.com"]
    qtbot.waitUntil(lambda: ticks.count(True) >= 20, timeout=WAIT_MS)   # the GUI thread keeps running
    qtbot.waitUntil(lambda: len(opened_on) >= 2, timeout=WAIT_MS)      # reconnection attempts were made
    assert window.registry.reconnecting
    with Registry(direct) as other:          # another console changes the registry meanwhile
        other.add_application("Fabrikam EWS", "exchange", "fabrikam.com")

    silent_proxy.resume()

    qtbot.waitUntil(lambda: any(n.startswith("Fabrikam EWS") for n in _app_names(window)), timeout=WAIT_MS)
    assert not window.registry.reconnecting
    assert not any(opened_on), "a connection was opened on the GUI thread"
    window.refresh()                         # and reads on its own connection again
    assert sorted(emails(window)) == ["ann@contoso.com", "ben@contoso.com"]
    assert "Reconnecting" not in window.statusBar().currentMessage()
    timer.stop()
    window.stop_live_updates()
