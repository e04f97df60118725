"""ProfilesModel: the count and the rows on screen from SQL (never the whole id list), sort and filter
re-query, reads too long for a frame land from a worker and stale ones are dropped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from ec_console.registry import ProfileQuery, Registry
from ec_console.ui import profiles_model
from ec_console.ui.profiles_model import (
    COL_EMAIL,
    COL_LAST_CHECKED,
    COL_LAST_RESULT,
    COL_NAME,
    COL_STATUS,
    ProfileIdRole,
    ProfilesModel,
    local_time,
)


class CountingRegistry:
    """Wraps a registry and records the pages (offset, rows) the model reads; it has no `profile_ids` or
    `profiles_by_ids`, so a model reading the whole id list fails."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self.pages: list[tuple[int, int]] = []
        self.counts = 0

    @property
    def path(self):
        return self._registry.path

    def profile_page(self, query: ProfileQuery, offset: int, limit: int, *, total=None, anchors=None):
        page = self._registry.profile_page(query, offset, limit, total=total, anchors=anchors)
        self.pages.append((offset, len(page)))
        return page

    def count_profiles(self, query: ProfileQuery) -> int:
        self.counts += 1
        return self._registry.count_profiles(query)

    def profile_position(self, query: ProfileQuery, profile_id: int):
        return self._registry.profile_position(query, profile_id)


@pytest.fixture
def registry(qapp):
    with Registry.for_region("us") as reg:
        exchange = reg.add_application("Room booking", "exchange", "contoso.com")
        google = reg.add_application("Scheduler", "google", "fabrikam.example")
        reg.add_profiles(exchange.id, [(f"user{n:04d}@contoso.com", f"Person {999 - n:04d}")
                                       for n in range(700)])
        reg.add_profiles(google.id, [(f"g{n:04d}@fabrikam.example", f"Member {n:04d}") for n in range(300)],
                         status="needs_relink")
        yield reg


def test_model_passes_qtmodeltester_with_1000_rows(qtmodeltester, registry):
    model = ProfilesModel(registry)
    assert model.rowCount() == 1000
    qtmodeltester.check(model, force_py=True)
    model.sort(COL_NAME, Qt.SortOrder.DescendingOrder)  # the tester stays connected and checks changes
    model.set_query(ProfileQuery(status="needs_relink"))
    assert model.rowCount() == 300
    qtmodeltester.check(model, force_py=True)


def test_cells_are_selectable_and_read_only_with_flags_answered_by_qt(registry):
    """Every cell is enabled and selectable, never editable, with no children; the flags come from Qt's
    table model (C++), not a Python method the view would call for each cell it paints."""
    from PySide6.QtCore import QAbstractTableModel

    model = ProfilesModel(registry)
    flags = model.flags(model.index(0, COL_STATUS))
    assert flags & Qt.ItemFlag.ItemIsEnabled and flags & Qt.ItemFlag.ItemIsSelectable
    assert flags & Qt.ItemFlag.ItemNeverHasChildren and not flags & Qt.ItemFlag.ItemIsEditable
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    assert "flags" not in vars(ProfilesModel) and ProfilesModel.flags is QAbstractTableModel.flags


def test_an_index_is_valid_only_inside_the_table(registry):
    model = ProfilesModel(registry)
    rows, columns = model.rowCount(), model.columnCount()
    assert rows > 3
    inside = model.index(2, COL_STATUS)
    assert inside.isValid() and (inside.row(), inside.column()) == (2, COL_STATUS) and inside.model() is model
    assert model.data(model.index(2, COL_EMAIL)) == model.profile(2).email
    assert model.index(rows - 1, columns - 1).isValid()
    for row, column in ((rows, 0), (0, columns), (-1, 0), (0, -1)):
        assert not model.index(row, column).isValid()
    assert not model.index(0, 0, inside).isValid()                  # a table: no children


def test_model_with_no_registry_is_empty_and_valid(qtmodeltester):
    model = ProfilesModel(None)
    assert model.rowCount() == 0
    qtmodeltester.check(model, force_py=True)


def test_the_query_reads_its_first_page_and_count_and_other_pages_when_painted(registry):
    counting = CountingRegistry(registry)
    model = ProfilesModel(counting)  # type: ignore[arg-type]
    block = profiles_model.BLOCK_SIZE
    assert counting.pages == [(0, block)] and counting.counts == 1 and model.rowCount() == 1000
    assert model.data(model.index(0, COL_EMAIL)) == "g0000@fabrikam.example"
    assert model.data(model.index(5, COL_NAME)) == "Member 0005"
    assert counting.pages == [(0, block)]                       # on the first page: nothing read
    assert model.data(model.index(999, COL_EMAIL)) == "user0699@contoso.com"
    last = (999 // block) * block
    assert counting.pages == [(0, block), (last, 1000 - last)]
    assert model.cached_blocks() == 2


def test_block_cache_is_bounded(registry, monkeypatch):
    monkeypatch.setattr(profiles_model, "BLOCK_SIZE", 10)
    monkeypatch.setattr(profiles_model, "MAX_CACHED_BLOCKS", 3)
    counting = CountingRegistry(registry)
    model = ProfilesModel(counting)  # type: ignore[arg-type]
    for row in range(0, 1000, 10):
        model.data(model.index(row, COL_EMAIL))
    assert model.cached_blocks() == 3
    assert max(rows for _, rows in counting.pages) == 10
    before = len(counting.pages)
    model.data(model.index(995, COL_EMAIL))  # still cached: no query
    assert len(counting.pages) == before
    model.data(model.index(0, COL_EMAIL))  # evicted long ago: fetched again
    assert counting.pages[before:] == [(0, 10)]


def test_sort_requeries_and_orders_rows(registry):
    model = ProfilesModel(registry)
    model.sort(COL_EMAIL, Qt.SortOrder.DescendingOrder)
    emails = [model.data(model.index(row, COL_EMAIL)) for row in range(model.rowCount())]
    assert emails == sorted(emails, reverse=True)
    assert model.query.sort == "email" and model.query.descending
    model.sort(COL_NAME, Qt.SortOrder.AscendingOrder)
    names = [model.data(model.index(row, COL_NAME)) for row in range(model.rowCount())]
    assert names == sorted(names, key=str.casefold)
    assert model.sort_column() == COL_NAME


def test_sort_keeps_the_selection_on_the_same_profile(registry):
    from PySide6.QtCore import QPersistentModelIndex

    model = ProfilesModel(registry)
    kept = QPersistentModelIndex(model.index(3, COL_EMAIL))
    email = model.data(kept)
    model.sort(COL_EMAIL, Qt.SortOrder.DescendingOrder)
    assert kept.isValid() and kept.row() != 3
    assert model.data(model.index(kept.row(), COL_EMAIL)) == email


def test_set_query_filters_in_sql(registry):
    model = ProfilesModel(registry)
    model.set_query(ProfileQuery(search="USER00"))
    assert model.rowCount() == 100
    assert all("user00" in model.data(model.index(r, COL_EMAIL)) for r in range(model.rowCount()))
    model.set_query(ProfileQuery(status="needs_relink"))
    assert model.rowCount() == 300
    assert {model.data(model.index(r, COL_STATUS)) for r in range(model.rowCount())} == {"Needs relink"}


def test_a_refused_query_leaves_the_model_unchanged(registry):
    from ec_console.errors import ConsoleError

    model = ProfilesModel(registry)
    with pytest.raises(ConsoleError):
        model.set_query(ProfileQuery(search="x" * 1000))
    assert model.rowCount() == 1000 and model.query == ProfileQuery()


def test_display_roles_status_icon_tooltips_and_dates(registry):
    profile_id = registry.profile_ids(ProfileQuery(search="user0001"))[0]
    registry.record_profile_check(profile_id, result="fail", diagnosis="impersonation_denied",
                                  status="needs_relink", checked_at="2026-03-01T12:30:00Z")
    model = ProfilesModel(registry)
    model.set_query(ProfileQuery(search="user0001"))
    row = 0
    assert model.data(model.index(row, COL_STATUS)) == "Needs relink"
    assert not model.data(model.index(row, COL_STATUS), Qt.ItemDataRole.DecorationRole).isNull()
    assert "relink" in model.data(model.index(row, COL_STATUS), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(row, COL_LAST_RESULT)) == "Failed: impersonation_denied"
    assert model.data(model.index(row, COL_LAST_CHECKED)) == local_time("2026-03-01T12:30:00Z")
    tooltip = model.data(model.index(row, COL_LAST_CHECKED), Qt.ItemDataRole.ToolTipRole)
    assert "2026-03-01T12:30:00Z" in tooltip
    assert model.data(model.index(row, 0), ProfileIdRole) == profile_id
    unchecked = ProfilesModel(registry)
    unchecked.set_query(ProfileQuery(search="user0002"))
    assert unchecked.data(unchecked.index(0, COL_LAST_RESULT)) == "Not checked yet"
    assert unchecked.data(unchecked.index(0, COL_LAST_CHECKED)) == "Never"


@pytest.fixture
def berlin_time(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_time_converts_utc_and_tolerates_garbage(berlin_time):
    assert local_time("2026-01-02T03:04:00Z") == "2026-01-02 04:04"
    assert local_time("2026-07-02T23:30:00Z") == "2026-07-03 01:30"
    assert local_time(None) == "" and local_time("yesterday") == ""


def test_rows_deleted_behind_the_model_move_up_until_the_next_query(registry):
    model = ProfilesModel(registry)
    first_id, second_id = model.profile_id(0), model.profile_id(1)
    with registry.transaction() as conn:
        conn.execute("DELETE FROM profiles WHERE id = ?", (first_id,))
    model.reload_rows()                      # rows read again, the count is the last query's
    assert model.profile_id(0) == second_id and model.rowCount() == 1000
    model.refresh()
    assert model.rowCount() == 999 and model.row_of(first_id) is None


def test_a_row_past_the_rows_read_shows_as_removed(registry):
    model = ProfilesModel(registry, sync_budget_ms=None)
    model.set_query(ProfileQuery(search="g0"))
    assert model.rowCount() == 300
    with registry.transaction() as conn:
        conn.execute("DELETE FROM profiles WHERE email LIKE 'g00%' OR email LIKE 'g01%'")
    model.reload_rows()
    assert model.data(model.index(0, COL_EMAIL)) == "g0200@fabrikam.example"
    assert model.data(model.index(150, COL_EMAIL)) == "(removed)"
    assert model.data(model.index(150, COL_NAME)) is None
    assert model.profile(150) is None


def test_no_children_and_headers(registry):
    model = ProfilesModel(registry)
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.columnCount(QModelIndex()) == 7
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert headers == ["Email", "Name", "Application", "Platform", "Status", "Last checked", "Last result"]


def test_a_row_is_formatted_once_per_read_not_per_paint(registry, monkeypatch):
    """Repainting cells reads prepared texts; a block read again (after reload_rows) is formatted again,
    so a new result shows."""
    formatted: list[tuple[int, int]] = []
    original = profiles_model.display_text

    def counted(profile, column):
        formatted.append((profile.id, column))
        return original(profile, column)

    monkeypatch.setattr(profiles_model, "display_text", counted)
    model = ProfilesModel(registry)
    cells = [model.index(row, column) for row in range(30) for column in range(model.columnCount())]
    first = [model.data(index) for index in cells]
    once = len(formatted)
    assert once == 30 * model.columnCount()                          # each shown cell formatted once...
    for _paint in range(5):
        assert [model.data(index) for index in cells] == first
    assert len(formatted) == once                                    # ...and not again on each paint
    registry.record_profile_check(model.profile_id(0), result="fail", diagnosis="impersonation_denied",
                                  status="needs_relink")
    model.reload_rows()
    assert model.data(model.index(0, COL_STATUS)) == "Needs relink"
    assert model.data(model.index(0, COL_LAST_RESULT)) == "Failed: impersonation_denied"
    assert model.data(model.index(0, COL_EMAIL), Qt.ItemDataRole.AccessibleTextRole) == first[0]


def test_a_painted_cell_gets_every_role_in_one_answer(registry):
    """The table's item delegate asks for all of a cell's roles at once (`multiData`): the text, the
    status icon and nothing for the roles the model does not serve."""
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    class Delegate(QStyledItemDelegate):
        def option(self, index):
            option = QStyleOptionViewItem()
            self.initStyleOption(option, index)
            return option

    model = ProfilesModel(registry)
    registry.record_profile_check(model.profile_id(0), result="fail", diagnosis="impersonation_denied",
                                  status="needs_relink")
    model.reload_rows()
    delegate = Delegate()
    status = delegate.option(model.index(0, COL_STATUS))
    assert status.text == "Needs relink" and not status.icon.isNull()
    result = delegate.option(model.index(0, COL_LAST_RESULT))
    assert result.text == "Failed: impersonation_denied" and not result.icon.isNull()
    email = delegate.option(model.index(0, COL_EMAIL))              # asked after cells with an icon
    assert email.text == model.profile(0).email and email.icon.isNull()
    not_checked = delegate.option(model.index(1, COL_LAST_RESULT))
    assert not_checked.text == "Not checked yet" and not_checked.icon.isNull()


def test_reload_rows_shows_new_results_without_counting_again(qtbot, registry):
    counting = CountingRegistry(registry)
    model = ProfilesModel(counting)
    ids_before = [model.profile_id(r) for r in range(model.rowCount())]
    stale = model.data(model.index(0, COL_STATUS))                  # row 0's block is cached now
    registry.record_profile_check(ids_before[0], result="fail", diagnosis="impersonation_denied",
                                  status="revoked")
    assert model.data(model.index(0, COL_STATUS)) == stale           # still the cached row
    queries = counting.counts
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.reload_rows()
    top_left, bottom_right = changed.args[:2]
    assert (top_left.row(), top_left.column()) == (0, 0)
    assert (bottom_right.row(), bottom_right.column()) == (model.rowCount() - 1, model.columnCount() - 1)
    assert counting.counts == queries                                # no count query
    assert [model.profile_id(r) for r in range(model.rowCount())] == ids_before
    assert model.data(model.index(0, COL_STATUS)) != stale
    assert model.profile(0).status == "revoked" and model.profile(0).last_result == "fail"


@pytest.mark.parametrize("query, moves", [
    (ProfileQuery(), False),
    (ProfileQuery(sort="display_name", search="user"), False),
    (ProfileQuery(application_id=1, sort="application"), False),
    (ProfileQuery(status="linked"), True),
    (ProfileQuery(sort="status"), True),
    (ProfileQuery(sort="last_checked_at", descending=True), True),
    (ProfileQuery(sort="last_result"), True),
])
def test_results_move_rows_when_the_query_depends_on_what_a_probe_writes(registry, query, moves):
    model = ProfilesModel(registry)
    model.set_query(query)
    assert model.results_move_rows() is moves


def test_reload_profiles_reads_only_their_pages_and_repaints_only_changed_rows(qtbot, registry, monkeypatch):
    """Only the changed rows are repainted: one range per run of adjacent changed rows (13-14 and 16), not
    the span from the first to the last (15 did not change: a span would repaint it, and at each refresh of
    a run every row on screen)."""
    monkeypatch.setattr(profiles_model, "BLOCK_SIZE", 10)
    counting = CountingRegistry(registry)
    model = ProfilesModel(counting)  # type: ignore[arg-type]
    for row in (0, 15, 25):                                          # pages 0, 1 and 2 are cached
        model.data(model.index(row, COL_STATUS))
    ids = [model.profile_id(row) for row in range(30)]
    registry.record_profile_check(ids[13], result="fail", diagnosis="impersonation_denied",
                                  status="needs_relink")
    registry.record_profile_check(ids[14], result="pass", status="linked")
    registry.record_profile_check(ids[16], result="pass", status="linked")
    counting.pages.clear()
    counts = counting.counts
    changed = []
    model.dataChanged.connect(lambda first, last, *_: changed.append((first.row(), last.row())))
    model.reload_profiles([ids[13], ids[14], ids[15], ids[16], ids[3], 999_999])  # 3, 15: values unchanged
    assert sorted(counting.pages) == [(0, 10), (10, 10)]             # their pages again, not page 2
    assert counting.counts == counts                                 # no count
    assert changed == [(13, 14), (16, 16)]                           # not 15, nothing on page 0
    assert model.data(model.index(13, COL_STATUS)) == "Needs relink"
    assert model.data(model.index(16, COL_LAST_RESULT)) == "Passed"
    model.reload_profiles([ids[25]])                                 # unchanged: nothing repainted
    assert changed == [(13, 14), (16, 16)] and (20, 10) in counting.pages
