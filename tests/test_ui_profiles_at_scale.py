"""The main window's table over many pages: search, sort and scroll show exactly the rows the query
names (worked out here from the seeded data), whether the reads run on the GUI thread or land from a
reader thread; an older keystroke's read landing after a newer one changes nothing."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from ec_console.registry import Registry, search_key
from ec_console.ui import profiles_model
from ec_console.ui.app import create_main_window
from ec_console.ui.profiles_model import COL_EMAIL, COL_NAME
from ec_console.ui.tasks import shutdown_pools

FIRST = ("Ada", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustav")
LAST = ("Andersen", "Becker", "Müller", "Okafor", "Adams")
STATUSES = ("linked", "linked", "linked", "needs_relink", "revoked")
COUNT = 1_300  # several pages of profiles_model.BLOCK_SIZE


def data() -> list[dict]:
    rows = []
    for n in range(COUNT):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        rows.append({"app": 1 + n % 2, "email": f"{first}.{last}.{n}@contoso.com".lower(),
                     "name": f"{first} {last}", "status": STATUSES[n % len(STATUSES)]})
    return rows


@pytest.fixture
def seeded():
    rows = data()
    with Registry.for_region("us") as registry:
        registry.add_application("Room booking", "exchange", "contoso.com")
        registry.add_application("Scheduler", "google", "contoso.com")
        registry.bulk_load_profiles((r["app"], r["email"], r["name"], r["status"], None, None, None)
                                    for r in rows)
    return rows


@pytest.fixture
def window(qtbot, seeded):
    made = create_main_window("us", keychain="Test keychain")
    qtbot.addWidget(made)
    made.resize(1100, 700)
    made.show()
    yield made
    made.close()
    shutdown_pools()


def expected(rows: list[dict], needle: str = "", sort: str = "email", descending: bool = False) -> list[str]:
    """The emails the table must list, in order: substring of the folded email or name, then the sort
    keys the registry documents (name: name, email, status; ties by insertion order = id)."""
    folded = search_key(needle)
    ids = [n for n, r in enumerate(rows)
           if folded in search_key(r["email"]) or folded in search_key(r["name"])]
    if sort == "email":
        key = lambda n: (search_key(rows[n]["email"]), n)  # noqa: E731
    else:
        key = lambda n: (search_key(rows[n]["name"]), search_key(rows[n]["email"]), rows[n]["status"], n)  # noqa: E731
    ordered = sorted(ids, key=key)
    if descending:
        ordered.reverse()
    return [rows[n]["email"] for n in ordered]


def shown(window) -> list[str]:
    model = window.model
    return [model.profile(row).email for row in range(model.rowCount())]


def on_screen(qtbot, window) -> tuple[int, list[str]]:
    """The first visible row and the emails painted on screen, once no page is being read."""
    table, model = window.profiles_table, window.model
    qtbot.waitUntil(lambda: model.rows_current() and not model.loading() and not model.pending_blocks())
    table.viewport().repaint()
    qtbot.waitUntil(lambda: not model.pending_blocks())
    top = table.rowAt(0)
    bottom = table.rowAt(table.viewport().height() - 1)
    bottom = model.rowCount() - 1 if bottom < 0 else bottom
    return top, [model.data(model.index(row, COL_EMAIL)) for row in range(top, bottom + 1)]


def type_search(qtbot, window, text: str) -> None:
    box = window.profile_search
    box.selectAll()
    if not text:
        QTest.keyClick(box, Qt.Key.Key_Backspace)
    elif text.isascii():
        qtbot.keyClicks(box, text)
    else:  # QTest types Latin-1 keys only; the box reacts to any text change the same way
        box.setText(text)


def click_header(window, column: int) -> None:
    header = window.profiles_table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


@pytest.mark.parametrize("budget", [None, 0], ids=["reads-on-gui-thread", "reads-from-reader-threads"])
def test_search_sort_and_scroll_show_the_querys_rows(qtbot, window, seeded, budget):
    window.model.sync_budget_ms = budget
    table, model = window.profiles_table, window.model
    scroll = table.verticalScrollBar()

    for needle in ("a", "ad", "müller", "ada.ok", "chloé.adams.1", ""):
        type_search(qtbot, window, needle)
        want = expected(seeded, needle)
        qtbot.waitUntil(lambda want=want: model.rows_current() and not model.loading()
                        and model.rowCount() == len(want), timeout=10_000)
        if want:
            assert on_screen(qtbot, window)[1] == want[:len(on_screen(qtbot, window)[1])]
        assert shown(window) == want, needle

    type_search(qtbot, window, "ad")
    qtbot.waitUntil(lambda: model.rows_current() and not model.loading()
                    and model.rowCount() == len(expected(seeded, "ad")), timeout=10_000)
    click_header(window, COL_NAME)
    qtbot.waitUntil(lambda: model.query.sort == "display_name" and model.rows_current())
    want = expected(seeded, "ad", "display_name", model.query.descending)
    assert shown(window) == want
    click_header(window, COL_NAME)
    qtbot.waitUntil(lambda: model.rows_current() and model.query.sort == "display_name")
    want = expected(seeded, "ad", "display_name", model.query.descending)
    assert shown(window) == want

    type_search(qtbot, window, "")
    want = expected(seeded, "", "display_name", model.query.descending)
    qtbot.waitUntil(lambda: model.rows_current() and not model.loading() and model.rowCount() == COUNT,
                    timeout=10_000)
    for value in (scroll.maximum() // 2, scroll.maximum(), scroll.maximum() // 3, 0):
        scroll.setValue(value)
        top, emails = on_screen(qtbot, window)
        assert emails and emails == want[top:top + len(emails)], value


@pytest.mark.parametrize("budget", [None, 0], ids=["reads-on-gui-thread", "reads-from-reader-threads"])
def test_pages_read_from_anchors_show_the_querys_rows(qtbot, window, seeded, budget, monkeypatch):
    """A query of many rows has anchors sampled (here from 300 rows, every 37th): pages anywhere are read
    from them and show the same rows, for a sort and a search; after profiles are added and removed the
    refreshed table samples them again."""
    monkeypatch.setattr(profiles_model, "ANCHOR_ROWS", 300)
    monkeypatch.setattr(profiles_model, "ANCHOR_EVERY", 37)
    table, model = window.profiles_table, window.model
    model.sync_budget_ms = budget
    scroll = table.verticalScrollBar()

    def check(needle: str, sort: str, descending: bool) -> None:
        want = expected(seeded, needle, sort, descending)
        qtbot.waitUntil(lambda: model.rows_current() and not model.loading() and model.rowCount() == len(want)
                        and model.anchored(), timeout=10_000)
        for value in (scroll.maximum() // 2, scroll.maximum() * 2 // 5, scroll.maximum() - 3,
                      scroll.maximum() // 7, 0):
            scroll.setValue(value)
            top, emails = on_screen(qtbot, window)
            assert emails and emails == want[top:top + len(emails)], (needle, sort, value)
        assert shown(window) == want

    window.refresh()  # the table was filled before the limits above were lowered
    check("", "email", False)
    click_header(window, COL_NAME)
    qtbot.waitUntil(lambda: model.query.sort == "display_name")
    check("", "display_name", model.query.descending)
    type_search(qtbot, window, "a")  # a one-letter search lists most rows: anchors of the search
    check("a", "display_name", model.query.descending)

    added = [("aaron.zz.9000@contoso.com", "Aaron Adams"), ("gus.aa.9001@contoso.com", "Gustav Aa")]
    with Registry.for_region("us") as registry:  # rows added before and between the anchors, half removed
        registry.add_profiles(1, added)
        registry.update_application(2, status="revoked")
        registry.delete_application(2)
    seeded[:] = [r for r in seeded if r["app"] == 1]
    seeded += [{"app": 1, "email": email, "name": name, "status": "linked"} for email, name in added]
    window.refresh()
    check("a", "display_name", model.query.descending)


def test_anchors_of_an_older_query_landing_late_are_dropped(qtbot, window, seeded, monkeypatch):
    monkeypatch.setattr(profiles_model, "ANCHOR_ROWS", 300)
    monkeypatch.setattr(profiles_model, "ANCHOR_EVERY", 37)
    model = window.model
    model.sync_budget_ms = 0  # every read on a reader thread
    gates = {"email": threading.Event(), "display_name": threading.Event()}
    sampled = {"email": threading.Event(), "display_name": threading.Event()}
    original = Registry.profile_anchors

    def held(self, query, **options):
        sampled[query.sort].set()
        gates[query.sort].wait(10)
        return original(self, query, **options)

    monkeypatch.setattr(Registry, "profile_anchors", held)
    window.refresh()
    qtbot.waitUntil(sampled["email"].is_set)
    click_header(window, COL_NAME)           # a new query while the first one's anchors are being sampled
    qtbot.waitUntil(lambda: model.query.sort == "display_name" and model.rows_current())
    qtbot.waitUntil(sampled["display_name"].is_set)
    gates["email"].set()                     # the older query's anchors land now: dropped
    qtbot.wait(300)
    assert not model.anchored()
    gates["display_name"].set()
    qtbot.waitUntil(model.anchored)
    want = expected(seeded, "", "display_name", model.query.descending)
    table = window.profiles_table
    table.verticalScrollBar().setValue(table.verticalScrollBar().maximum() // 2)
    top, emails = on_screen(qtbot, window)
    assert emails == want[top:top + len(emails)]


def test_an_older_keystrokes_read_landing_late_is_dropped(qtbot, window, seeded, monkeypatch):
    model = window.model
    model.sync_budget_ms = 0          # every read on a reader thread
    release, finished = threading.Event(), threading.Event()
    original = Registry.profile_page

    def slow_for_the_first_needle(self, query, offset, limit, **options):
        if query.search == "chloé" and threading.current_thread() is not threading.main_thread():
            release.wait(10)
            try:
                return original(self, query, offset, limit, **options)
            finally:
                finished.set()
        return original(self, query, offset, limit, **options)

    monkeypatch.setattr(Registry, "profile_page", slow_for_the_first_needle)
    before = shown(window)
    type_search(qtbot, window, "chloé")
    qtbot.waitUntil(lambda: model.query.search == "chloé")
    assert shown(window) == before                 # the old rows stay while the read runs
    type_search(qtbot, window, "farah")
    want = expected(seeded, "farah")
    qtbot.waitUntil(lambda: model.query.search == "farah" and model.rows_current() and not model.loading())
    assert shown(window) == want
    release.set()                                  # the older read now finishes (or is stopped)
    qtbot.waitUntil(finished.is_set)
    qtbot.wait(200)                                # its answer, if any, is delivered by now
    assert model.query.search == "farah" and shown(window) == want
    assert window.showing_label.text() == f"Showing {len(want)} of {COUNT:,}"


def test_a_broad_search_shows_its_first_rows_before_its_count(qtbot, window, seeded, monkeypatch):
    model = window.model
    counting, release = threading.Event(), threading.Event()
    original = Registry.count_profiles

    def slow_count(self, query=None):
        query = query or profiles_model.ProfileQuery()
        if query.search == "a" and threading.current_thread() is not threading.main_thread():
            counting.set()
            release.wait(10)
        return original(self, query)

    monkeypatch.setattr(Registry, "count_profiles", slow_count)
    monkeypatch.setattr(Registry, "time_budget", _count_over_budget(Registry.time_budget))
    model.sync_budget_ms = 1000
    type_search(qtbot, window, "a")
    want = expected(seeded, "a")
    qtbot.waitUntil(counting.is_set)
    assert model.rows_current() and model.loading()
    assert shown(window) == want[:model.rowCount()]
    assert "counting the matches" in window.showing_label.text()
    release.set()
    qtbot.waitUntil(lambda: not model.loading())
    assert shown(window) == want
    assert window.showing_label.text() == f"Showing {len(want):,} of {COUNT:,}"


def _count_over_budget(original):
    """`Registry.time_budget` whose GUI-thread count of the needle 'a' runs out of time (as it does at a
    million profiles), so the count goes to a reader thread."""
    from contextlib import contextmanager

    from ec_console.registry import QueryTimedOut

    @contextmanager
    def budget(self, milliseconds=None, **options):
        with original(self, milliseconds, **options):
            counting = self.count_profiles

            def over(query=None):
                query = query or profiles_model.ProfileQuery()
                if query.search == "a" and threading.current_thread() is threading.main_thread():
                    raise QueryTimedOut("over budget")
                return counting(query)

            self.count_profiles = over
            try:
                yield
            finally:
                del self.count_profiles
    return budget


def test_select_all_gives_every_listed_profile_in_order(qtbot, window, seeded):
    model, table = window.model, window.profiles_table
    type_search(qtbot, window, "ad")
    want = expected(seeded, "ad")
    qtbot.waitUntil(lambda: model.rows_current() and not model.loading() and model.rowCount() == len(want))
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    with Registry.for_region("us") as registry:
        emails = {p.id: p.email for p in registry.profiles_by_ids(window.selected_profile_ids())}
    assert [emails[pid] for pid in window.selected_profile_ids()] == want
    table.clearSelection()
    table.selectRow(3)
    assert window.selected_profile_ids() == [model.profile_id(3)]
