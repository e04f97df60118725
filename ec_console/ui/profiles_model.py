"""The profiles table's model: a list of ids from the registry, rows fetched lazily in blocks.

Filtering and sorting are SQL queries (`Registry.profile_ids`), never a proxy model: at 100,000 profiles
a proxy takes seconds per keystroke, the query milliseconds. Only the ordered id list lives in memory;
row data is read in blocks of `BLOCK_SIZE` through `Registry.profiles_by_ids` when the view paints them
and kept in a small LRU cache of blocks.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ec_console.registry import Profile, ProfileQuery, Registry
from ec_console.ui import icons
from ec_console.words import provider_label

BLOCK_SIZE = 200
MAX_CACHED_BLOCKS = 40

# (header, ProfileQuery.sort key) in column order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Email", "email"),
    ("Name", "display_name"),
    ("Application", "application"),
    ("Platform", "provider"),
    ("Status", "status"),
    ("Last checked", "last_checked_at"),
    ("Last result", "last_result"),
)
COL_EMAIL, COL_NAME, COL_APPLICATION, COL_PLATFORM, COL_STATUS, COL_LAST_CHECKED, COL_LAST_RESULT = range(7)

STATUS_LABELS = {"linked": "Linked", "needs_relink": "Needs relink", "revoked": "Revoked"}
STATUS_TIPS = {
    "linked": "Linked: the application reaches this calendar.",
    "needs_relink": "Needs relink: the last probe failed; relink once the cause is fixed.",
    "revoked": "Revoked: the console no longer probes this calendar.",
}
RESULT_LABELS = {"pass": "Passed", "warn": "Passed with warnings", "fail": "Failed"}
NOT_CHECKED = "Not checked yet"
NEVER_CHECKED = "Never"
ProfileIdRole = Qt.ItemDataRole.UserRole + 1

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_PROFILE_ID = int(Qt.ItemDataRole.UserRole.value) + 1
_ROLES_SERVED = frozenset({_DISPLAY, _ACCESSIBLE, _DECORATION, _TOOLTIP, _PROFILE_ID})
# Columns a probe writes (record_profile_check): a query sorted by one of them can reorder after a result.
_RESULT_COLUMNS = frozenset({"status", "last_checked_at", "last_result"})
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags

_Index = QModelIndex | QPersistentModelIndex


def local_time(value: str | None) -> str:
    """An ISO 8601 UTC time as local date and time to the minute ("" when missing or malformed)."""
    parsed = _parse_time(value)
    return parsed.astimezone().strftime("%Y-%m-%d %H:%M") if parsed else ""


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def result_label(profile: Profile) -> str:
    if profile.last_result is None:
        return NOT_CHECKED if profile.last_checked_at is None else ""
    label = RESULT_LABELS.get(profile.last_result, profile.last_result)
    if profile.last_result == "fail" and profile.last_diagnosis:
        return f"{label}: {profile.last_diagnosis}"
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
        return local_time(profile.last_checked_at) or NEVER_CHECKED
    if column == COL_LAST_RESULT:
        return result_label(profile)
    return ""


class ProfilesModel(QAbstractTableModel):
    """Profiles of one region's registry matching a `ProfileQuery`, in the query's order."""

    def __init__(self, registry: Registry | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._registry = registry
        self._query = ProfileQuery()
        self._ids: list[int] = []
        self._blocks: OrderedDict[int, dict[int, Profile]] = OrderedDict()
        if registry is not None:
            self._ids = registry.profile_ids(self._query)

    # ---------------------------------------------------------------------------- public API
    @property
    def query(self) -> ProfileQuery:
        return self._query

    @property
    def registry(self) -> Registry | None:
        return self._registry

    def set_registry(self, registry: Registry | None, query: ProfileQuery | None = None) -> None:
        """Show another registry (a region switch); nothing of the previous one stays cached."""
        query = query or ProfileQuery()
        ids = self._query_ids(registry, query)
        self.beginResetModel()
        self._registry = registry
        self._query = query
        self._set_ids(ids)
        self.endResetModel()

    def set_query(self, query: ProfileQuery) -> None:
        """Re-run the id query (filter or sort changed) and reset the view.

        A query the registry refuses (`RegistryInputError`) raises before anything changes.
        """
        ids = self._query_ids(self._registry, query)
        self.beginResetModel()
        self._query = query
        self._set_ids(ids)
        self.endResetModel()

    def refresh(self) -> None:
        """Query again with the same filter (rows may have been added, removed or changed)."""
        self.set_query(self._query)

    def reload_rows(self) -> None:
        """Show the listed profiles' current values without running the id query again (about a
        millisecond at any size, where `refresh()` costs 80-250 ms at 100,000 profiles).

        For results streaming in during a run: a probe changes a profile's status, last check and result,
        not which profiles exist. Rows keep the order and membership of the last query, so when
        `results_move_rows()` is true (the query filters or sorts by what a probe changes) call `refresh()`
        instead, at least when the run ends.
        """
        self._blocks.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def results_move_rows(self) -> bool:
        """Whether a probe's outcome can change which rows the query lists or their order."""
        return self._query.status is not None or self._query.sort in _RESULT_COLUMNS

    def profile_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def profile(self, row: int) -> Profile | None:
        """The row's profile (None when it was deleted since the ids were read)."""
        if not 0 <= row < len(self._ids):
            return None
        block = self._block(row // BLOCK_SIZE)
        return block.get(self._ids[row])

    def cached_blocks(self) -> int:
        return len(self._blocks)

    def sort_column(self) -> int:
        keys = [key for _, key in COLUMNS]
        return keys.index(self._query.sort) if self._query.sort in keys else COL_EMAIL

    # ---------------------------------------------------------------------------- Qt model API
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr(COLUMNS[section][0])
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.tr("Click to sort by %s") % self.tr(COLUMNS[section][0]).lower()
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        # `data` runs for every visible cell and role on each paint: compare plain ints, no enum objects.
        if role not in _ROLES_SERVED or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._ids):
            return None
        if role == _PROFILE_ID:
            return self._ids[row]
        profile = self.profile(row)
        column = index.column()
        if profile is None:
            return self.tr("(removed)") if role == _DISPLAY and column == COL_EMAIL else None
        if role == _DISPLAY or role == _ACCESSIBLE:
            return self._display(profile, column)
        if role == _DECORATION:
            return self._decoration(profile, column)
        return self._tooltip(profile, column)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        query = replace(self._query, sort=COLUMNS[column][1],
                        descending=order == Qt.SortOrder.DescendingOrder)
        if query == self._query:
            return
        # A layout change keeps the selection and current row on the same profiles after the re-sort.
        ids = self._query_ids(self._registry, query)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept_ids = [self.profile_id(index.row()) for index in persistent]
        self._query = query
        self._set_ids(ids)
        if persistent:
            wanted = {pid for pid in kept_ids if pid is not None}
            new_rows = {pid: row for row, pid in enumerate(self._ids) if pid in wanted}
            moved = [self.index(new_rows[pid], old.column()) if pid in new_rows else QModelIndex()
                     for old, pid in zip(persistent, kept_ids, strict=True)]
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    # ---------------------------------------------------------------------------- internals
    @staticmethod
    def _query_ids(registry: Registry | None, query: ProfileQuery) -> list[int]:
        return registry.profile_ids(query) if registry is not None else []

    def _set_ids(self, ids: list[int]) -> None:
        self._blocks.clear()
        self._ids = ids

    def _block(self, number: int) -> dict[int, Profile]:
        block = self._blocks.get(number)
        if block is not None:
            self._blocks.move_to_end(number)
            return block
        ids: Sequence[int] = self._ids[number * BLOCK_SIZE:(number + 1) * BLOCK_SIZE]
        rows = self._registry.profiles_by_ids(ids) if self._registry is not None else []
        block = {profile.id: profile for profile in rows}
        self._blocks[number] = block
        while len(self._blocks) > MAX_CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block

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
            return self.tr(STATUS_TIPS.get(profile.status, status_label(profile.status)))
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
