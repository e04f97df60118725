"""Live updates in the GUI (ui/live_updates.py, the main window's wiring) with a real Listener on the
throwaway PostgreSQL cluster: signals arrive on the GUI thread, a change refreshes the window, a lost
connection is said in the status bar and its return too.

The main window's own registry is the SQLite one here (the bridge is started from the cluster's URL, as
the window does for a PostgreSQL registry); waits are generous and never asserted as timings.
"""

from __future__ import annotations

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from test_ui_dashboard_support import open_window  # noqa: F401 - fixture

from ec_console import registry_live
from ec_console import registry_pg as pg
from ec_console.registry import Registry
from ec_console.ui.live_updates import LiveUpdates

NOW = "2026-12-03T10:00:00Z"
WAIT_MS = 30000


def _add_pg_application(url: str, name: str = "Contoso EWS") -> None:
    with pg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                     "VALUES (%s, 'exchange', 'contoso.com', %s, %s)", (name, NOW, NOW))


def _terminate(pg_cluster, pid: int) -> None:
    with pg_cluster.connect() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_the_bridge_delivers_changes_and_states_on_the_gui_thread(qtbot, pg_cluster, pg_registry):
    url = pg_cluster.url(pg_registry)
    bridge = LiveUpdates(url, backoff=(0.2, 1.0))
    threads = []
    bridge.changed.connect(lambda _table: threads.append(QThread.currentThread()))
    bridge.state.connect(lambda _state: threads.append(QThread.currentThread()))
    try:
        with qtbot.waitSignal(bridge.state, timeout=WAIT_MS) as connected:
            bridge.start()
        assert connected.args == [registry_live.STATE_CONNECTED]
        with qtbot.waitSignal(bridge.changed, timeout=WAIT_MS) as changed:
            _add_pg_application(url)
        assert changed.args == ["applications"]
        healed = []
        bridge.state.connect(lambda state: healed.append(state))
        bridge.changed.connect(lambda table: healed.append(table))
        _terminate(pg_cluster, bridge.listener.backend_pid)
        qtbot.waitUntil(lambda: len(healed) >= 3, timeout=WAIT_MS)
        assert healed[:3] == ["lost: the database server closed the connection",
                              registry_live.STATE_RECONNECTED, registry_live.EVERYTHING]
    finally:
        bridge.stop()
    assert not bridge.running
    assert threads and all(t is QApplication.instance().thread() for t in threads)


def test_the_status_bar_says_a_lost_connection_and_its_return(qtbot, open_window, pg_cluster,  # noqa: F811
                                                             pg_registry):
    window = open_window()
    status = window.connection_status
    assert not status.isVisible()
    live = window.start_live_updates(pg_cluster.url(pg_registry), backoff=(0.2, 1.0))
    qtbot.waitUntil(lambda: live.last_state == registry_live.STATE_CONNECTED, timeout=WAIT_MS)
    assert not status.isVisible()
    seen = []
    live.state.connect(lambda _s: seen.append((status.text(), status.isVisible(), status.toolTip())))
    _terminate(pg_cluster, live.listener.backend_pid)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=WAIT_MS)
    lost, restored = seen[0], seen[1]
    assert lost[:2] == ("Registry connection lost — reconnecting…", True)
    assert "the database server closed the connection" in lost[2]
    assert restored[:2] == ("Registry connection restored", True)
    assert window.statusBar().isAncestorOf(status)
    qtbot.waitUntil(lambda: not status.isVisible(), timeout=WAIT_MS)    # said briefly, then gone
    window.close()
    assert window.live_updates is None and not live.running


def test_a_change_made_elsewhere_refreshes_the_window(qtbot, open_window, pg_cluster, pg_registry):  # noqa: F811
    window = open_window()
    url = pg_cluster.url(pg_registry)
    live = window.start_live_updates(url)
    qtbot.waitUntil(lambda: live.last_state == registry_live.STATE_CONNECTED, timeout=WAIT_MS)

    def names() -> list[str]:
        lst = window.applications_list
        return [lst.item(i).text() for i in range(lst.count())]

    with Registry.for_region("us") as other:     # another console's write, which this window has not read
        other.add_application("Fabrikam EWS", "exchange", "fabrikam.com", {"ews_url": "https://x.example"})
    assert not any("Fabrikam EWS" in n for n in names())
    _add_pg_application(url, "Another change")   # the registry's notification of a change
    qtbot.waitUntil(lambda: any("Fabrikam EWS" in n for n in names()), timeout=WAIT_MS)
    window.stop_live_updates()
    assert not live.running
