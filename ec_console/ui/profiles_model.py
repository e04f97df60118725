"""The profiles table's model: the query's row count and the rows on screen, read from the registry.

Filtering and sorting are SQL queries, never a proxy model. The model holds the query's row count (from
the registry's maintained counts when there is no search) and an LRU cache of row blocks of `BLOCK_SIZE`
(`Registry.profile_page`: `LIMIT`/`OFFSET` on the sort column's index, read from the nearer end): never
the whole id list, so a keystroke costs the same at 1,000 or 1,000,000 profiles. For a query of more than
`ANCHOR_ROWS` rows a reader thread then samples every `ANCHOR_EVERY`-th row's sort key
(`Registry.profile_anchors`); once they land, a page anywhere in the list is read from the nearest anchor
(a seek in the sort index and a short step) instead of an `OFFSET` walking up to half of it.

A read that does not fit in a frame (`sync_budget_ms`: the count of a one-letter search over a million
rows, a page deep in a search) is stopped (`Registry.time_budget`) and handed to the ``reader`` pool,
whose threads each have their own read connection; the result lands as a queued signal. Until it lands the
table keeps showing the previous rows (a page not yet read shows "…"). Every query change starts a new
generation: a result of an older one is dropped when it lands, and its read is interrupted.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from types import EllipsisType
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from ec_console import i18n
from ec_console import registry as _registry
from ec_console.errors import ConsoleError
from ec_console.registry import (
    ConnectionLost,
    Profile,
    ProfileAnchors,
    ProfileQuery,
    QueryTimedOut,
    Registry,
    check_profile_query,
)
from ec_console.ui import icons
from ec_console.words import provider_label

log = logging.getLogger(__name__)

BLOCK_SIZE = 200
MAX_CACHED_BLOCKS = 40
# A read on the GUI thread gets this long (about a frame and a half) before it moves to a worker.
SYNC_BUDGET_MS = 25.0
# Reads known to take longer than that never try the GUI thread (trying would waste the budget first):
# a search's count when the registry holds more than LARGE_REGISTRY profiles (120-370 ms at a million for
# a one- or two-letter needle), and a page more than FAR_ROWS rows from both ends of the list (an OFFSET
# walks the skipped part of the index: 16-57 ms for the middle of a million).
LARGE_REGISTRY = 200_000
FAR_ROWS = 50_000
# A count sent to a worker starts this long after the rows are shown: its read would otherwise take a core
# (of two, here) while the table paints the new rows, and a keystroke typed meanwhile makes it moot.
COUNT_DELAY_MS = 40
# A query of more rows than this has anchors sampled on a reader thread once its count is known (a walk of
# its rows inside SQLite: 60-150 ms at a million without a search); until they land, a page far from both
# ends goes to a worker as above. Smaller queries have no page that far.
ANCHOR_ROWS = 2 * FAR_ROWS
ANCHOR_EVERY = _registry.ANCHOR_EVERY
PENDING_TEXT = "…"

# The texts below are English (the source language); they are translated where shown, in the context
# CONTEXT (`translated()`; docs/i18n.md). `display_text` runs off the GUI thread too (the CSV export):
# QCoreApplication.translate and QLocale are safe there.
CONTEXT = "ProfilesModel"

# (header, ProfileQuery.sort key) in column order.
COLUMNS: tuple[tuple[str, str], ...] = (
    (QT_TRANSLATE_NOOP("ProfilesModel", "Email"), "email"),
    (QT_TRANSLATE_NOOP("ProfilesModel", "Name"), "display_name"),
    (QT_TRANSLATE_NOOP("ProfilesModel", "Application"), "application"),
    (QT_TRANSLATE_NOOP("ProfilesModel", "Platform"), "provider"),
    (QT_TRANSLATE_NOOP("ProfilesModel", "Status"), "status"),
    (QT_TRANSLATE_NOOP("ProfilesModel", "Last checked"), "last_checked_at"),
    (QT_TRANSLATE_NOOP("ProfilesModel", "Last result"), "last_result"),
)
COL_EMAIL, COL_NAME, COL_APPLICATION, COL_PLATFORM, COL_STATUS, COL_LAST_CHECKED, COL_LAST_RESULT = range(7)

STATUS_LABELS = {"linked": QT_TRANSLATE_NOOP("ProfilesModel", "Linked"),
                 "needs_relink": QT_TRANSLATE_NOOP("ProfilesModel", "Needs relink"),
                 "revoked": QT_TRANSLATE_NOOP("ProfilesModel", "Revoked")}
STATUS_TIPS = {
    "linked": QT_TRANSLATE_NOOP("ProfilesModel", "Linked: the application reaches this calendar."),
    "needs_relink": QT_TRANSLATE_NOOP("ProfilesModel",
                                      "Needs relink: the last probe failed; relink once the cause is fixed."),
    "revoked": QT_TRANSLATE_NOOP("ProfilesModel", "Revoked: the console no longer probes this calendar."),
}
RESULT_LABELS = {"pass": QT_TRANSLATE_NOOP("ProfilesModel", "Passed"),
                 "warn": QT_TRANSLATE_NOOP("ProfilesModel", "Passed with warnings"),
                 "fail": QT_TRANSLATE_NOOP("ProfilesModel", "Failed")}
NOT_CHECKED = QT_TRANSLATE_NOOP("ProfilesModel", "Not checked yet")
NEVER_CHECKED = QT_TRANSLATE_NOOP("ProfilesModel", "Never")
ProfileIdRole = Qt.ItemDataRole.UserRole + 1

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_PROFILE_ID = int(Qt.ItemDataRole.UserRole.value) + 1
_ROLES_SERVED = frozenset({_DISPLAY, _ACCESSIBLE, _DECORATION, _TOOLTIP, _PROFILE_ID})
# Columns a probe writes (record_profile_check): a query sorted by one of them can reorder after a result.
_COLUMN_COUNT = len(COLUMNS)
_RESULT_COLUMNS = frozenset({"status", "last_checked_at", "last_result"})

_Index = QModelIndex | QPersistentModelIndex


def translated(text: str) -> str:
    """One of this module's English texts (COLUMNS, STATUS_LABELS, ...) in the chosen language."""
    return QCoreApplication.translate(CONTEXT, text)


def local_time(value: str | None) -> str:
    """An ISO 8601 UTC time as local date and time to the minute ("" when missing or malformed).

    English keeps the console's "2026-01-02 04:04"; another language writes its own short date with the
    full year and time (German: "02.01.2026 04:04", `QLocale`). The registry keeps ISO 8601 UTC.
    """
    parsed = _parse_time(value)
    if parsed is None:
        return ""
    local = parsed.astimezone()
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        return local.strftime("%Y-%m-%d %H:%M")
    return QLocale().toString(QDateTime.fromSecsSinceEpoch(int(local.timestamp())), _local_format())


def _local_format() -> str:
    locale = QLocale()
    date = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in date:
        date = date.replace("yy", "yyyy")
    return f"{date} {locale.timeFormat(QLocale.FormatType.ShortFormat)}"


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def status_label(status: str) -> str:
    """A profile status for people ("needs_relink" → "Needs relink"), in the chosen language."""
    label = STATUS_LABELS.get(status)
    return translated(label) if label else status.replace("_", " ").capitalize()


def result_label(profile: Profile) -> str:
    if profile.last_result is None:
        return translated(NOT_CHECKED) if profile.last_checked_at is None else ""
    known = RESULT_LABELS.get(profile.last_result)
    label = translated(known) if known else profile.last_result
    if profile.last_result == "fail" and profile.last_diagnosis:
        return f"{label}: {profile.last_diagnosis}"  # the diagnosis is a code: never translated
    return label


def display_text(profile: Profile, column: int) -> str:
    """What the table shows in `column` for `profile` (plain Python: the CSV export uses it off the GUI
    thread)."""
    if column == COL_EMAIL:
        return profile.email
    if column == COL_NAME:
        return profile.display_name
    if column == COL_APPLICATION:
        return profile.application_name
    if column == COL_PLATFORM:
        return provider_label(profile.provider)
    if column == COL_STATUS:
        return status_label(profile.status)
    if column == COL_LAST_CHECKED:
        return local_time(profile.last_checked_at) or translated(NEVER_CHECKED)
    if column == COL_LAST_RESULT:
        return result_label(profile)
    return ""


def row_display_texts(profile: Profile) -> tuple[str, ...]:
    """What the table shows in every column for `profile`, in column order."""
    return tuple(display_text(profile, column) for column in range(len(COLUMNS)))


def changed_runs(offsets: list[int]) -> list[tuple[int, int]]:
    """Sorted row offsets as runs of adjacent rows: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for offset in offsets:
        if runs and offset == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], offset)
        else:
            runs.append((offset, offset))
    return runs


class ProfilesModel(QAbstractTableModel):
    """Profiles of one region's registry matching a `ProfileQuery`, in the query's order."""

    # The rows or the row count of the current query arrived from a worker (the window updates its lines).
    rowsLanded = Signal()
    # A read the registry could not answer (a shared registry's lost connection): the message, in plain
    # words; the rows shown stay as they were and the next refresh reads again.
    readFailed = Signal(str)

    def __init__(self, registry: Registry | None = None, parent: Any = None, *,
                 sync_budget_ms: float | None | EllipsisType = ...) -> None:
        super().__init__(parent)
        # None: every read on the GUI thread (no worker); 0: every read goes to a worker.
        self.sync_budget_ms = SYNC_BUDGET_MS if sync_budget_ms is ... else sync_budget_ms
        self._registry = registry
        self._query = ProfileQuery()   # the query asked for last (its rows may still be on their way)
        self._shown = ProfileQuery()   # the query of the rows shown
        self._count = 0
        self._count_pending = False
        self._blocks: OrderedDict[int, list[Profile]] = OrderedDict()
        # Each cached block's display texts, one tuple per row, made when the row is first painted: a
        # paint reads prepared strings (no date parsing or label lookups per cell and paint).
        self._texts: dict[int, list[tuple[str, ...] | None]] = {}
        self._pending_blocks: set[int] = set()
        # The shown query's anchors (None until sampled; dropped whenever its rows may have moved).
        self._anchors: ProfileAnchors | None = None
        self._anchors_pending = False
        self._generation = 0
        self._tasks: list[Any] = []
        if registry is not None:
            self._load(self._query, reset=False)

    # ---------------------------------------------------------------------------- public API
    @property
    def query(self) -> ProfileQuery:
        return self._query

    @property
    def registry(self) -> Registry | None:
        return self._registry

    @property
    def generation(self) -> int:
        return self._generation

    def rows_current(self) -> bool:
        """Whether the rows shown are the current query's (its count may still be on its way)."""
        return self._shown == self._query

    def anchored(self) -> bool:
        """Whether pages of the rows shown are read from anchors (sampled for a query of many rows)."""
        return self._anchors is not None

    def pending_blocks(self) -> int:
        """Pages a worker is reading (shown as "…" until they land)."""
        return len(self._pending_blocks)

    def loading(self) -> bool:
        """Whether the rows or the count of the current query are still being read by a worker."""
        return self._shown != self._query or self._count_pending

    def set_registry(self, registry: Registry | None, query: ProfileQuery | None = None) -> None:
        """Show another registry (a region switch); nothing of the previous one stays cached."""
        query = query or ProfileQuery()
        check_profile_query(query)
        self.beginResetModel()
        self._registry = registry
        self._clear(query)
        self._shown = query
        self.endResetModel()
        if registry is not None:
            self._load(query, reset=True)

    def set_query(self, query: ProfileQuery) -> None:
        """Run the query (filter or sort changed): its first rows and count replace the table's now, or,
        when reading them takes longer than a frame, when a worker has them (the old rows stay until then).

        A query the registry refuses (`RegistryInputError`) raises before anything changes.
        """
        check_profile_query(query)
        self._load(query, reset=True)

    def refresh(self) -> None:
        """Query again with the same filter (rows may have been added, removed or changed)."""
        self.set_query(self._query)

    def reload_rows(self) -> None:
        """Show the listed rows' current values without counting again (for results streaming in during a
        run: a probe changes a profile's status, last check and result, not which profiles exist).

        Rows keep the positions of the last query, so when `results_move_rows()` is true (the query filters
        or sorts by what a probe changes) call `refresh()` instead, at least when the run ends.
        """
        self._blocks.clear()
        self._texts.clear()
        self._pending_blocks.clear()
        self._drop_moved_anchors()
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))

    def reload_profiles(self, profile_ids: Iterable[int]) -> None:
        """Show the current values of these profiles (results of a run) without counting again: only the
        cached pages holding one of them are read again, and only rows whose values changed are repainted.
        Pages not cached are read when painted. Same position rules as `reload_rows()`."""
        wanted = set(profile_ids)
        if not wanted:
            return
        self._drop_moved_anchors()
        last_column = len(COLUMNS) - 1
        for number in [n for n, block in self._blocks.items() if any(p.id in wanted for p in block)]:
            old = self._blocks.pop(number)
            self._texts.pop(number, None)
            new = self._block(number, budget=self.sync_budget_ms)
            if new is None:
                continue  # a worker reads it; the view is told when it lands
            first = number * BLOCK_SIZE
            changed = [i for i in range(max(len(old), len(new)))
                       if i >= len(old) or i >= len(new) or old[i] != new[i]]
            # One signal per run of adjacent changed rows, not one for the span from the first to the last:
            # the view repaints the rectangle of each range, and results land scattered over the table
            # (a span would repaint every row on screen at each refresh of a run).
            for start, end in changed_runs(changed):
                if first + start >= self._count:
                    break
                last = min(first + end, self._count - 1)
                self.dataChanged.emit(self.index(first + start, 0), self.index(last, last_column))

    def results_move_rows(self) -> bool:
        """Whether a probe's outcome can change which rows the query lists or their order."""
        return self._query.status is not None or self._query.sort in _RESULT_COLUMNS

    def profile_id(self, row: int) -> int | None:
        profile = self.profile(row)
        return profile.id if profile is not None else None

    def profile(self, row: int) -> Profile | None:
        """The row's profile (None when it was deleted since the page was read); read now if needed."""
        if not 0 <= row < self._count:
            return None
        block = self._block(row // BLOCK_SIZE, budget=None)
        offset = row - (row // BLOCK_SIZE) * BLOCK_SIZE
        return block[offset] if block is not None and offset < len(block) else None

    def profile_ids_between(self, first: int, last: int) -> list[int]:
        """Ids of rows `first` to `last` (inclusive) in order: a long range is read in one query."""
        first, last = max(first, 0), min(last, self._count - 1)
        if last - first < 2 * BLOCK_SIZE or self._registry is None:
            ids = (self.profile_id(row) for row in range(first, last + 1))
            return [pid for pid in ids if pid is not None]
        rows = self._registry.profile_page(self._shown, first, last - first + 1, total=self._count,
                                           anchors=self._anchors)
        return [profile.id for profile in rows]

    def row_of(self, profile_id: int) -> int | None:
        """The row showing `profile_id` (None when the query does not list it)."""
        for number, block in self._blocks.items():
            for offset, profile in enumerate(block):
                if profile.id == profile_id:
                    return number * BLOCK_SIZE + offset
        if self._registry is None:
            return None
        row = self._registry.profile_position(self._shown, profile_id)
        return row if row is not None and row < self._count else None

    def cached_blocks(self) -> int:
        return len(self._blocks)

    def sort_column(self) -> int:
        keys = [key for _, key in COLUMNS]
        return keys.index(self._query.sort) if self._query.sort in keys else COL_EMAIL

    # ---------------------------------------------------------------------------- Qt model API
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # The view asks each painted cell's index: Qt's own would call rowCount and columnCount here, two
        # entries into Python (each waiting for the interpreter lock during a run) instead of this one.
        if 0 <= row < self._count and 0 <= column < _COLUMN_COUNT and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return translated(COLUMNS[section][0])
            if role == Qt.ItemDataRole.ToolTipRole:
                name = translated(COLUMNS[section][0])
                # English writes the column's name in lower case inside the sentence; German keeps its nouns.
                if i18n.current_language() == i18n.SOURCE_LANGUAGE:
                    name = name.lower()
                return self.tr("Click to sort by %s") % name
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    # No `flags()` here: QAbstractTableModel's own (enabled, selectable, no children; nothing for an invalid
    # index) is what the table needs, answered in C++. A Python override is one more entry into Python,
    # taking the interpreter lock, per painted cell (the view asks each cell's flags as it paints it).

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        # `data` runs for every visible cell and role on each paint: compare plain ints, no enum objects.
        if role not in _ROLES_SERVED or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < self._count:
            return None
        number = row // BLOCK_SIZE
        block = self._blocks.get(number)
        if block is None:
            block = self._block(number, budget=self.sync_budget_ms)
            if block is None:  # a worker reads it; the view is told when it lands
                return PENDING_TEXT if role == _DISPLAY and index.column() == COL_EMAIL else None
        offset = row - number * BLOCK_SIZE
        profile = block[offset] if offset < len(block) else None
        column = index.column()
        if profile is None:
            return self.tr("(removed)") if role == _DISPLAY and column == COL_EMAIL else None
        if role == _PROFILE_ID:
            return profile.id
        if role == _DISPLAY or role == _ACCESSIBLE:
            texts = self._texts.get(number)
            if texts is None:
                texts = self._texts[number] = [None] * len(block)
            row_texts = texts[offset]
            if row_texts is None:
                row_texts = texts[offset] = row_display_texts(profile)
            return row_texts[column]
        if role == _DECORATION:
            return self._decoration(profile, column)
        return self._tooltip(profile, column)

    def multiData(self, index: _Index, roleDataSpan: Any) -> None:  # noqa: N802, N803 - Qt override
        # The item delegate asks for every role of a painted cell at once (7 of them): answered in one call
        # from Qt into Python, not one per role. Each such call takes the interpreter lock, which the probe
        # threads of a running check hold most of the time: per-role calls made one paint wait many times.
        # The delegate reuses its role list from cell to cell: every role gets this cell's value or none.
        valid = index.isValid()
        for item in roleDataSpan:
            role = item.role()
            value = self.data(index, role) if valid and role in _ROLES_SERVED else None
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        query = replace(self._query, sort=COLUMNS[column][1],
                        descending=order == Qt.SortOrder.DescendingOrder)
        if query == self._query:
            return
        self._load(query, reset=False)

    # ---------------------------------------------------------------------------- internals
    def _clear(self, query: ProfileQuery) -> None:
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self._query = query
        self._count = 0
        self._count_pending = False
        self._anchors, self._anchors_pending = None, False
        self._blocks.clear()
        self._texts.clear()
        self._pending_blocks.clear()

    def _load(self, query: ProfileQuery, *, reset: bool) -> None:
        """Read `query`'s first page and count within the budget and show them, or start a worker."""
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self._query = query
        registry = self._registry
        if registry is None:
            self._apply(query, [], 0, exact=True, reset=reset)
            return
        page: list[Profile] | None = None
        count: int | None = None
        try:
            with self._budget(registry, self.sync_budget_ms):
                page = registry.profile_page(query, 0, BLOCK_SIZE)
                if len(page) < BLOCK_SIZE:
                    count = len(page)
                elif not (query.search.strip() and self._large(registry)):
                    count = registry.count_profiles(query)
        except QueryTimedOut:
            pass
        except ConnectionLost as exc:     # the rows shown stay; the next refresh reads again
            self.readFailed.emit(exc.message)
            return
        if page is None:
            self._start(query, self._generation, "page")
            return
        exact = count is not None
        self._apply(query, page, count if count is not None else len(page), exact=exact, reset=reset)
        if exact:
            self._sample_anchors()
        else:
            generation = self._generation
            QTimer.singleShot(COUNT_DELAY_MS, self, lambda: self._start(query, generation, "count")
                              if generation == self._generation else None)

    def _apply(self, query: ProfileQuery, page: list[Profile], count: int, *, exact: bool,
               reset: bool) -> None:
        """Show `query`'s rows: a reset, or (a sort) a layout change that keeps the selection."""
        persistent = [] if reset else self.persistentIndexList()
        kept = [self._cached_id(index.row()) for index in persistent]
        if reset:
            self.beginResetModel()
        else:
            self.layoutAboutToBeChanged.emit()
        self._shown = query
        self._count = count
        self._count_pending = not exact
        self._anchors, self._anchors_pending = None, False
        self._blocks.clear()
        self._texts.clear()
        self._pending_blocks.clear()
        self._blocks[0] = page
        if reset:
            self.endResetModel()
            return
        if persistent:
            rows: dict[int, int | None] = {}
            for pid in kept:
                if pid is not None and pid not in rows:
                    rows[pid] = self.row_of(pid)
            moved = [self.index(rows[pid], old.column()) if pid is not None and rows.get(pid) is not None
                     else QModelIndex() for old, pid in zip(persistent, kept, strict=True)]
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _large(self, registry: Any) -> bool:
        """Whether the registry is large enough that a search's count is sent to a worker at once (only
        when reads have a budget: without one, everything is read here)."""
        return self.sync_budget_ms is not None and registry.count_profiles(ProfileQuery()) > LARGE_REGISTRY

    def _cached_id(self, row: int) -> int | None:
        block = self._blocks.get(row // BLOCK_SIZE)
        offset = row % BLOCK_SIZE
        return block[offset].id if block is not None and offset < len(block) else None

    @staticmethod
    def _budget(registry: Any, milliseconds: float | None) -> Any:
        from contextlib import nullcontext

        if milliseconds is None or not hasattr(registry, "time_budget"):
            return nullcontext()
        if milliseconds <= 0:
            raise QueryTimedOut("no time on the GUI thread")
        return registry.time_budget(milliseconds)

    def _block(self, number: int, *, budget: float | None) -> list[Profile] | None:
        block = self._blocks.get(number)
        if block is not None:
            self._blocks.move_to_end(number)
            return block
        if self._registry is None:
            return None
        if budget is not None and number in self._pending_blocks:
            return None
        first = number * BLOCK_SIZE
        if budget is not None and self._anchors is None and min(first, self._count - first) > FAR_ROWS:
            budget = 0  # far from both ends and no anchors yet: straight to a worker
        try:
            with self._budget(self._registry, budget):
                block = self._registry.profile_page(self._shown, number * BLOCK_SIZE, BLOCK_SIZE,
                                                    total=self._count, anchors=self._anchors)
        except (QueryTimedOut, ConnectionLost):  # a lost connection: a reader tries it (and says it failed)
            self._pending_blocks.add(number)
            self._start(self._shown, self._generation, "block", number)
            return None
        self._store(number, block)
        return block

    def _store(self, number: int, block: list[Profile]) -> None:
        self._pending_blocks.discard(number)
        self._blocks[number] = block
        self._texts.pop(number, None)
        while len(self._blocks) > MAX_CACHED_BLOCKS:
            evicted, _ = self._blocks.popitem(last=False)
            self._texts.pop(evicted, None)

    def _sample_anchors(self) -> None:
        """Have the shown query's anchors sampled (on a reader thread, shortly after its rows are shown)
        when it lists more than ANCHOR_ROWS rows and has none yet."""
        if (self._registry is None or self._count <= ANCHOR_ROWS or self._anchors is not None
                or self._anchors_pending or self._shown != self._query):
            return
        if self.sync_budget_ms is None:  # every read on the GUI thread
            self._anchors = self._registry.profile_anchors(self._shown, every=ANCHOR_EVERY)
            return
        self._anchors_pending = True
        generation, query = self._generation, self._shown
        QTimer.singleShot(COUNT_DELAY_MS, self, lambda: self._start(query, generation, "anchors")
                          if generation == self._generation else None)

    def _drop_moved_anchors(self) -> None:
        """Anchors hold positions: results that can move rows make them wrong (sampled again on refresh)."""
        if self.results_move_rows():
            self._anchors = None

    def _start(self, query: ProfileQuery, generation: int, what: str, number: int = 0) -> None:
        """Read `what` ("page", "count", "anchors" or "block" `number`) of `query` on a reader thread."""
        from ec_console.ui.tasks import run_in_background

        registry = self._registry
        if registry is None:
            return
        target, opener = (registry.engine, registry.where), registry.reader  # its file or its database
        total, anchors = self._count, self._anchors

        def read(reader: Registry) -> Any:
            return _READS[what](reader, query, number, total, anchors)

        def work(ctx: Any) -> Any:
            return _read_in_worker(target, ctx.is_cancelled, read, opener)

        task = run_in_background(
            self, work, pool="reader",
            on_success=lambda result: self._landed(generation, what, number, result),
            on_failure=lambda exc: self._read_failed(generation, exc, what, number))
        self._tasks.append(task)
        task.done.connect(lambda: self._tasks.remove(task) if task in self._tasks else None)

    def _landed(self, generation: int, what: str, number: int, result: Any) -> None:
        if generation != self._generation:
            return  # an older keystroke's answer: dropped
        if what == "anchors":
            self._anchors_pending = False
            if result.query == self._shown and self._shown == self._query:
                self._anchors = result
            return
        if what == "page":
            page, count = result
            self._apply(self._query, page, count, exact=True, reset=True)
            self._sample_anchors()
        elif what == "count":
            if self._shown != self._query or result == self._count:
                self._count_pending = False
            elif result > self._count:
                self.beginInsertRows(QModelIndex(), self._count, result - 1)
                self._count, self._count_pending = result, False
                self.endInsertRows()
            else:
                self.beginRemoveRows(QModelIndex(), result, self._count - 1)
                self._count, self._count_pending = result, False
                self.endRemoveRows()
            self._sample_anchors()
        else:
            self._store(number, result)
            first = number * BLOCK_SIZE
            last = min(self._count, first + BLOCK_SIZE) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
            return
        self.rowsLanded.emit()

    def _read_failed(self, generation: int, exc: BaseException, what: str = "", number: int = 0) -> None:
        if what == "block":
            self._pending_blocks.discard(number)     # read again when it is next painted
        elif what == "anchors":
            self._anchors_pending = False
        if generation == self._generation:
            log.warning("Reading the profile table failed: %s", exc)
            if isinstance(exc, ConsoleError):
                self.readFailed.emit(exc.message)

    def _display(self, profile: Profile, column: int) -> str:
        return display_text(profile, column)

    def _decoration(self, profile: Profile, column: int) -> Any:
        if column == COL_STATUS:
            return icons.status_icon(profile.status)
        if column == COL_LAST_RESULT and profile.last_result:
            return icons.status_icon(profile.last_result)
        return None

    def _tooltip(self, profile: Profile, column: int) -> str:
        if column == COL_STATUS:
            tip = STATUS_TIPS.get(profile.status)
            return translated(tip) if tip else status_label(profile.status)
        if column == COL_LAST_CHECKED:
            if not profile.last_checked_at:
                return self.tr("This calendar has not been checked yet.")
            return self.tr("%s local time (%s UTC)") % (local_time(profile.last_checked_at),
                                                         profile.last_checked_at)
        if column == COL_LAST_RESULT and profile.last_diagnosis:
            return self.tr("Last check failed with diagnosis “%s”.") % profile.last_diagnosis
        if column == COL_EMAIL and profile.display_name:
            return f"{profile.display_name} <{profile.email}>"
        return self._display(profile, column)


# ---------------------------------------------------------------------------- reads on a reader thread

def _read_page(reader: Registry, query: ProfileQuery, _number: int, _total: int,
               _anchors: ProfileAnchors | None) -> tuple[list[Profile], int]:
    page = reader.profile_page(query, 0, BLOCK_SIZE)
    return page, len(page) if len(page) < BLOCK_SIZE else reader.count_profiles(query)


_READS: dict[str, Callable[[Registry, ProfileQuery, int, int, ProfileAnchors | None], Any]] = {
    "page": _read_page,
    "count": lambda reader, query, _number, _total, _anchors: reader.count_profiles(query),
    "anchors": lambda reader, query, _number, _total, _anchors: reader.profile_anchors(query,
                                                                                        every=ANCHOR_EVERY),
    "block": lambda reader, query, number, total, anchors: reader.profile_page(
        query, number * BLOCK_SIZE, BLOCK_SIZE, total=total, anchors=anchors),
}
_readers = threading.local()


def _read_in_worker(target: Any, cancelled: Callable[[], bool], read: Callable[[Registry], Any],
                    opener: Callable[[], Registry] | None = None) -> Any:
    """Run `read` with this thread's own connection to the registry `target` (a file path, or the
    (engine, where) of the window's registry, opened on first use by `opener`: `Registry.reader`, the same
    SQLite file or PostgreSQL database); the read stops as soon as `cancelled()` (a newer query made it
    stale)."""
    from ec_console.ui.tasks import TaskCancelled

    connections: dict[Any, Registry] = getattr(_readers, "connections", None) or {}
    _readers.connections = connections
    reader = connections.get(target)
    if reader is None:
        reader = connections[target] = opener() if opener is not None else Registry(target)
    try:
        # Checked every 200,000 SQLite instructions (a few milliseconds): often enough to stop a stale
        # read soon, rarely enough not to take the interpreter lock from the GUI thread while it paints.
        with reader.time_budget(stop=cancelled, check_every=200_000):
            return read(reader)
    except QueryTimedOut:
        if cancelled():
            raise TaskCancelled() from None
        raise
