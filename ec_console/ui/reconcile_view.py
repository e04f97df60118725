"""The Reconcile window (`reconcileWindow`) for one application, and the main window's reconciliation line.

Opened from Tools › Reconcile… (`reconcileAction`, Ctrl+Shift+R) or the applications list's context menu.
It runs `ec_console.reconcile.reconcile()` on the task runner (never on the GUI thread) with the sample
size and an optional scope group, cancellable (a cancelled run stores nothing), then shows the four lists,
**leaks first** (a warning sign, "most serious", and first in the window: not by colour alone), each with its
count, a search box and a finding-type filter, and per-row actions:

- Joiners: **Link** (the selected ones) and **Link all joiners**;
- Leavers: **Revoke profile…** and **Revoke all leavers…**, both asking for the application's name typed
  (the core refuses otherwise); the platform step for each account is shown before and in the details;
- Broken: **Relink** (a fresh probe, the core's `apply_relink`), the diagnosis in the details area;
- Leaks: the `scope_not_enforced` fix in the details area, **Copy the fix**.

Every change is applied through the core's `apply_joiners` / `apply_leavers` / `apply_relink`, audited under
the reconciliation. A set that could not be read is said plainly (which one and why) and its lists read
"Cannot tell", never 0. The statement about the sample is shown as the core words it. The lists export to
CSV (`table_csv`) and XLSX (`table_xlsx`, with a Summary sheet) as shown on screen.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyle,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ec_console import i18n
from ec_console import reconcile as core
from ec_console.errors import BadInput
from ec_console.paths import private_atomic_writer
from ec_console.registry import Application, Registry, parse_utc
from ec_console.table_csv import write_table
from ec_console.texts import localized
from ec_console.ui import operations as ops
from ec_console.ui.accessibility import enable_clear_button
from ec_console.ui.profiles_model import provider_label
from ec_console.words import count

CONTEXT = "ReconcileWindow"   # the translation context of this module's tables


def _tr(text: str) -> str:
    """A text of this module's tables (marked with QT_TRANSLATE_NOOP) in the window's language."""
    return QCoreApplication.translate(CONTEXT, text)


# The tables keep the English (the exported files' headers and labels stay English); windows show `_tr()`.
TITLES = {"leak": QT_TRANSLATE_NOOP("ReconcileWindow", "Lea&ks"),
          "joiner": QT_TRANSLATE_NOOP("ReconcileWindow", "J&oiners"),
          "leaver": QT_TRANSLATE_NOOP("ReconcileWindow", "Lea&vers"),
          "broken": QT_TRANSLATE_NOOP("ReconcileWindow", "&Broken profiles")}
HINTS = {
    "leak": QT_TRANSLATE_NOOP("ReconcileWindow", "Most serious: outside the scope, yet the application "
                                                 "can reach them. Fix the grant on the platform (select one "
                                                 "to see how)."),
    "joiner": QT_TRANSLATE_NOOP("ReconcileWindow", "In the scope, not linked yet."),
    "leaver": QT_TRANSLATE_NOOP("ReconcileWindow", "Linked, no longer in the scope: revoke the profile; the "
                                                   "platform step is shown."),
    "broken": QT_TRANSLATE_NOOP("ReconcileWindow", "Linked and in the scope, but the probe fails: fix the "
                                                   "cause, then relink."),
}
KIND_LABELS = {"leak": QT_TRANSLATE_NOOP("ReconcileWindow", "Leak"),
               "joiner": QT_TRANSLATE_NOOP("ReconcileWindow", "Joiner"),
               "leaver": QT_TRANSLATE_NOOP("ReconcileWindow", "Leaver"),
               "broken": QT_TRANSLATE_NOOP("ReconcileWindow", "Broken profile")}
# The findings counted in words (one, many), for the window: "1 leak", "3 Neuzugänge".
FINDING_WORDS = {"leak": (QT_TRANSLATE_NOOP("ReconcileWindow", "leak"),
                          QT_TRANSLATE_NOOP("ReconcileWindow", "leaks")),
                 "joiner": (QT_TRANSLATE_NOOP("ReconcileWindow", "joiner"),
                            QT_TRANSLATE_NOOP("ReconcileWindow", "joiners")),
                 "leaver": (QT_TRANSLATE_NOOP("ReconcileWindow", "leaver"),
                            QT_TRANSLATE_NOOP("ReconcileWindow", "leavers")),
                 "broken": (QT_TRANSLATE_NOOP("ReconcileWindow", "broken profile"),
                            QT_TRANSLATE_NOOP("ReconcileWindow", "broken profiles"))}
COLUMNS = (QT_TRANSLATE_NOOP("ReconcileWindow", "Account"), QT_TRANSLATE_NOOP("ReconcileWindow", "Name"),
           QT_TRANSLATE_NOOP("ReconcileWindow", "What was found"),
           QT_TRANSLATE_NOOP("ReconcileWindow", "Diagnosis"), QT_TRANSLATE_NOOP("ReconcileWindow", "Done"))
EXPORT_HEADER = (QT_TRANSLATE_NOOP("ReconcileWindow", "Finding"), *COLUMNS,
                 QT_TRANSLATE_NOOP("ReconcileWindow", "Fix or platform step"))
SETS = {
    "scope": QT_TRANSLATE_NOOP("ReconcileWindow", "the scope (who the directory says the application may "
                                                  "reach)"),
    "directory": QT_TRANSLATE_NOOP("ReconcileWindow", "the directory (to draw the sample of accounts outside "
                                                      "the scope)"),
    "reachable": QT_TRANSLATE_NOOP("ReconcileWindow", "what the application can reach (the probes)"),
    "install": QT_TRANSLATE_NOOP("ReconcileWindow", "what the Marketplace install really reaches"),
}


def count_of(finding: str, n: int) -> str:
    """`n` findings of one kind in words, in the window's language ("3 joiners")."""
    one, many = FINDING_WORDS[finding]
    return count(n, _tr(one), _tr(many))


def day_month(moment: Any) -> str:
    """A day for people: "3 Dec" in English, "3. Dez." in German."""
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        return f"{moment.day} {moment:%b}"
    from babel.dates import format_skeleton

    return format_skeleton("MMMd", moment, locale=i18n.babel_locale())


def cannot_tell_reason(rec: core.Reconciliation, finding: str) -> str:
    """Why `finding` cannot be told, in plain words (only meaningful when its count is None)."""
    translate = QCoreApplication.translate
    why = []
    if "scope" in rec.unknown:
        why.append(translate("ReconcileWindow", "the scope could not be read"))
    if finding in ("leak", "broken") and "reachable" in rec.unknown:
        why.append(translate("ReconcileWindow", "the application itself failed, so no account could be "
                                                "probed"))
    if finding == "leak" and "directory" in rec.unknown:
        why.append(translate("ReconcileWindow", "the directory could not be read to draw a sample"))
    if finding == "leak" and "install" in rec.unknown:
        why.append(translate("ReconcileWindow", "none in the install as saved here, and only the vendor can "
                                                "test what the Marketplace app really reaches"))
    if finding == "leak" and not why:
        why.append(translate("ReconcileWindow", "none of the sampled accounts could be probed"))
    return "; ".join(why)


def shown_fix(finding: core.Finding) -> str:
    """The finding's fix in this window's words: the core's joiner and leaver texts name command-line flags;
    here they name the window's buttons (the platform step is kept word for word)."""
    translate = QCoreApplication.translate
    if finding.finding == "joiner":
        return translate("ReconcileWindow", "Link it: Link (the selected joiners) or Link all joiners.")
    if finding.finding == "leaver":
        return translate("ReconcileWindow", "Revoke its profile: Revoke profile… or Revoke all leavers…") \
            + f"\n{core.platform_step_text(finding)}"
    return core.shown_fix(finding)


class FindingsModel(QAbstractTableModel):
    """One finding type's rows: the findings, the indices shown (filter) in their order (sort), and what the
    window did to each (`outcomes`, by address). Rows are served from Python on demand: a list of 20,000
    joiners costs one reset, not a call into Qt per row or per filter keystroke."""

    def __init__(self, outcomes: dict[str, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.findings: list[core.Finding] = []
        self.shown: list[int] = []
        self.outcomes = outcomes
        self._filter = ""
        self._sort: tuple[int, bool] = (0, False)

    def set_findings(self, findings: list[core.Finding]) -> None:
        self.beginResetModel()
        self.findings = list(findings)
        self._rebuild()
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        text = text.strip().casefold()
        if text == self._filter:
            return
        self.beginResetModel()
        self._filter = text
        self._rebuild()
        self.endResetModel()

    def _rebuild(self) -> None:
        text = self._filter
        rows = [i for i, f in enumerate(self.findings)
                if not text or text in f"{f.email} {f.name}".casefold()]
        column, descending = self._sort
        rows.sort(key=lambda i: self.text(self.findings[i], column).casefold(), reverse=descending)
        self.shown = rows

    def text(self, f: core.Finding, column: int) -> str:
        if column == 2:
            return core.shown_detail(f)         # English in the registry and --json; here the window's words
        return (f.email, f.name, "", f.diagnosis or "", self.outcomes.get(f.email.lower(), ""))[column]

    def finding(self, row: int) -> core.Finding:
        return self.findings[self.shown[row]]

    def texts(self, row: int) -> list[str]:
        f = self.finding(row)
        return [self.text(f, c) for c in range(len(COLUMNS))]

    def outcomes_changed(self) -> None:
        if self.shown:
            self.dataChanged.emit(self.index(0, 4), self.index(len(self.shown) - 1, 4))

    # Qt's side
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.shown):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(self.finding(index.row()), index.column())
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(COLUMNS[section])
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order == Qt.SortOrder.DescendingOrder)
        self._rebuild()
        self.layoutChanged.emit()


class _Section(QWidget):
    """One finding's list: title, count, hint, its buttons, the rows (or "Cannot tell" instead)."""

    def __init__(self, finding: str, outcomes: dict[str, str], parent: QWidget) -> None:
        super().__init__(parent)
        self.finding = finding
        self.model = FindingsModel(outcomes, self)
        self.setObjectName(f"{finding}Section")
        self.title = QLabel(_tr(TITLES[finding]))
        self.title.setObjectName(f"{finding}Title")
        font = self.title.font()
        font.setBold(True)
        if finding == "leak":
            font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.count_label = QLabel()
        self.count_label.setObjectName(f"{finding}Count")
        self.count_label.setFont(font)
        self.hint = QLabel(_tr(HINTS[finding]))
        self.hint.setObjectName(f"{finding}Hint")
        self.hint.setWordWrap(True)
        self.table = QTreeView()
        self.table.setObjectName(f"{finding}List")
        self.table.setAccessibleName(_tr(TITLES[finding]).replace("&", ""))
        self.table.setModel(self.model)
        self.table.setRootIsDecorated(False)
        self.table.setItemsExpandable(False)
        self.table.setAllColumnsShowFocus(True)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        header = self.table.header()
        header.setStretchLastSection(True)
        for column, width in enumerate((250, 160, 300, 170)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.title.setBuddy(self.table)
        self.unknown = QLabel()
        self.unknown.setObjectName(f"{finding}CannotTell")
        self.unknown.setWordWrap(True)
        self.unknown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unknown.hide()
        self.buttons = QHBoxLayout()
        self.menu_actions: dict[QPushButton, QAction] = {}
        self.buttons.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        if finding == "leak":
            sign = QLabel()
            sign.setObjectName("leakSign")
            sign.setAccessibleName(self.tr("Warning"))
            size = self.title.fontMetrics().height()
            warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            sign.setPixmap(warning.pixmap(size, size))
            top.addWidget(sign)
        top.addWidget(self.title)
        top.addWidget(self.count_label)
        top.addSpacing(12)
        top.addWidget(self.hint, 1)
        top.addLayout(self.buttons)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 4)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.table, 1)
        column.addWidget(self.unknown)

    def add_button(self, text: str, name: str, slot: Any, menu_text: str | None = None) -> QPushButton:
        """A button and its context-menu entry; `text` and `menu_text` come translated."""
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self.buttons.addWidget(button)
        action = QAction(menu_text or text, self.table)
        action.setObjectName(name.replace("Button", "Action"))
        action.triggered.connect(slot)
        self.table.addAction(action)
        self.menu_actions[button] = action
        return button

    def selected(self) -> list[core.Finding]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.finding(row) for row in rows]


class ConfirmRevokeDialog(QDialog):
    """Revoke leavers' profiles: the accounts with their platform steps, and the application's name typed."""

    def __init__(self, application: str, leavers: list[core.Finding], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmLeaversDialog")
        self.setWindowTitle(self.tr("Revoke leavers — %s") % application)
        self.application = application
        n = count(len(leavers), self.tr("profile"), self.tr("profiles"))
        whose = count(len(leavers), self.tr("account that left"), self.tr("accounts that left"))
        if len(leavers) == 1:
            question = self.tr("Revoke the profile of %(whose)s the scope of <b>%(app)s</b>? The "
                               "console stops using it. This does not change the platform: do the step shown "
                               "for each account there too.")
        else:
            question = self.tr("Revoke the profiles of %(whose)s the scope of <b>%(app)s</b>? The "
                               "console stops using them. This does not change the platform: do the step "
                               "shown for each account there too.")
        intro = QLabel(question % {"whose": whose, "app": application})
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        steps = QPlainTextEdit()
        steps.setObjectName("leaverSteps")
        steps.setAccessibleName(self.tr("Accounts and their platform steps"))
        steps.setReadOnly(True)
        steps.setPlainText("\n\n".join(f"{f.email}{f' ({f.name})' if f.name else ''}\n{shown_fix(f)}"
                                       for f in leavers))
        label = QLabel(self.tr("Type the application's name, <b>%s</b>, to &confirm:") % application)
        label.setTextFormat(Qt.TextFormat.RichText)
        self.confirm_name = QLineEdit()
        self.confirm_name.setObjectName("confirmName")
        self.confirm_name.setAccessibleName(self.tr("Application name, to confirm"))
        label.setBuddy(self.confirm_name)
        self.revoke_button = QPushButton(self.tr("Re&voke %s") % n)
        self.revoke_button.setObjectName("revokeLeaversButton")
        self.revoke_button.setEnabled(False)
        self.revoke_button.setAutoDefault(False)
        self.revoke_button.clicked.connect(self.accept)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setObjectName("cancelRevokeButton")
        cancel.clicked.connect(self.reject)
        cancel.setDefault(True)
        self.confirm_name.textChanged.connect(self._typed)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.revoke_button)
        row.addWidget(cancel)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addWidget(steps, 1)
        column.addWidget(label)
        column.addWidget(self.confirm_name)
        column.addLayout(row)
        self.resize(640, 420)

    def matches(self) -> bool:
        return self.confirm_name.text().strip().casefold() == self.application.casefold()

    @Slot()
    def _typed(self) -> None:
        self.revoke_button.setEnabled(self.matches())

    def keyPressEvent(self, event: QKeyEvent) -> None:   # noqa: N802 - Qt's name
        # Enter revokes only when the name matches, and otherwise does nothing (Esc or Cancel close)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.matches():
                self.accept()
            return
        super().keyPressEvent(event)


class ReconcileWindow(QDialog):
    """Reconcile one application: run (cancellable), the four lists, filters, actions, export."""

    changed = Signal()            # profiles or stored reconciliations changed (the main window refreshes)

    def __init__(self, application: Application, scope: ops.Scope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconcileWindow")
        self.setAccessibleName(self.tr("Reconcile"))
        self.setWindowTitle(self.tr("Reconcile — %s") % application.name)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.application = application
        self.scope = scope
        self.rec: core.Reconciliation | None = None
        self.operation: ops.Operation | None = None        # the reconciliation running
        self.apply_operation: ops.Operation | None = None  # a link / revoke / relink running
        self.outcomes: dict[str, str] = {}                     # email -> what was done to it here
        self.confirm: ConfirmRevokeDialog | None = None
        self._build()
        self.resize(1040, 780)
        self._fill()
        self._update_state()

    # ------------------------------------------------------------------------------------ building
    def _build(self) -> None:
        app = self.application
        self.sample = QSpinBox()
        self.sample.setObjectName("sampleSize")
        self.sample.setRange(core.MIN_SAMPLE, core.MAX_SAMPLE)
        self.sample.setValue(core.DEFAULT_SAMPLE)
        self.sample.setAccessibleName(self.tr("Sample size"))
        self.sample.setToolTip(self.tr("How many accounts outside the scope to probe for leaks, drawn at "
                                       "random (the expect-denied mailbox is always probed as well)"))
        sample_label = QLabel(self.tr("Sample si&ze:"))
        sample_label.setBuddy(self.sample)
        saved = app.settings.get("scope_group_address") or app.settings.get("scope_group") or ""
        self.scope_group = QLineEdit()
        self.scope_group.setObjectName("scopeGroup")
        self.scope_group.setAccessibleName(self.tr("Scope group (optional)"))
        self.scope_group.setPlaceholderText(
            self.tr("the saved one: %s") % saved if saved else self.tr("the saved scope"))
        self.scope_group.setToolTip(self.tr("Optional: reconcile against this group (or, for Google, "
                                            "organisational unit) instead of the saved scope"))
        self.scope_group.setMaxLength(320)
        group_label = QLabel(self.tr("Scope &group:"))
        group_label.setBuddy(self.scope_group)
        self.run_button = QPushButton(self.tr("&Run reconciliation"))
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton(self.tr("&Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip(self.tr("Stop the run: nothing is stored"))
        self.cancel_button.clicked.connect(self.cancel)
        inputs = QHBoxLayout()
        inputs.addWidget(sample_label)
        inputs.addWidget(self.sample)
        inputs.addSpacing(12)
        inputs.addWidget(group_label)
        inputs.addWidget(self.scope_group, 1)
        inputs.addSpacing(12)
        inputs.addWidget(self.run_button)
        inputs.addWidget(self.cancel_button)

        intro = QLabel(self.tr(
            "Compares who the directory says <b>%(app)s</b> may reach (%(platform)s), the linked profiles, "
            "and "
            "what live probes really reach. Probes change no profile; each run is stored.")
            % {"app": app.name, "platform": provider_label(app.provider)})
        intro.setObjectName("reconcileIntro")
        intro.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("reconcileProgress")
        self.progress.setAccessibleName(self.tr("Progress"))
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("reconcileStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Status"))
        status_row = QHBoxLayout()
        status_row.addWidget(self.progress)
        status_row.addWidget(self.status, 1)

        self.banner = QLabel()
        self.banner.setObjectName("cannotTellBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setFrameShape(QLabel.Shape.StyledPanel)
        self.banner.setMargin(6)
        self.banner.hide()
        self.confidence = QLabel()
        self.confidence.setObjectName("confidenceLabel")
        self.confidence.setWordWrap(True)
        self.confidence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.search = QLineEdit()
        self.search.setObjectName("findingSearch")
        self.search.setAccessibleName(self.tr("Filter by address or name"))
        self.search.setPlaceholderText(self.tr("Address or name"))
        enable_clear_button(self.search)
        self.search.textChanged.connect(self.apply_filters)
        search_label = QLabel(self.tr("&Filter:"))
        search_label.setBuddy(self.search)
        self.kind = QComboBox()
        self.kind.setObjectName("findingType")
        self.kind.setAccessibleName(self.tr("Finding type"))
        self.kind.addItem(self.tr("All findings"), "")
        for name in core.FINDINGS:
            self.kind.addItem(self.tr(TITLES[name].replace("&", "")), name)
        self.kind.currentIndexChanged.connect(self.apply_filters)
        kind_label = QLabel(self.tr("Sho&w:"))
        kind_label.setBuddy(self.kind)
        filters = QHBoxLayout()
        filters.addWidget(search_label)
        filters.addWidget(self.search, 1)
        filters.addSpacing(12)
        filters.addWidget(kind_label)
        filters.addWidget(self.kind)

        self.sections = {name: _Section(name, self.outcomes, self) for name in core.FINDINGS}
        s = self.sections
        self.copy_fix_button = s["leak"].add_button(self.tr("Cop&y the fix"), "copyFixButton", self.copy_fix,
                                                    self.tr("Copy the fix"))
        self.link_button = s["joiner"].add_button(self.tr("&Link"), "linkButton", self.link_selected,
                                                  self.tr("Link"))
        self.link_all_button = s["joiner"].add_button(self.tr("Link all &joiners"), "linkAllButton",
                                                      self.link_all, self.tr("Link all joiners"))
        self.revoke_button = s["leaver"].add_button(self.tr("Revoke &profile…"), "revokeProfileButton",
                                                    self.revoke_selected, self.tr("Revoke profile…"))
        self.revoke_all_button = s["leaver"].add_button(self.tr("Revoke all l&eavers…"), "revokeAllButton",
                                                        self.revoke_all, self.tr("Revoke all leavers…"))
        self.relink_button = s["broken"].add_button(self.tr("Rel&ink"), "relinkButton", self.relink_selected,
                                                    self.tr("Relink"))
        for section in s.values():
            # a bound slot (not a lambda): Qt disconnects it when the window is destroyed
            section.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.details = QPlainTextEdit()
        self.details.setObjectName("findingDetails")
        self.details.setAccessibleName(self.tr("Details"))
        self.details.setReadOnly(True)
        details_label = QLabel(self.tr("&Details"))
        details_label.setBuddy(self.details)
        details_box = QWidget()
        details_column = QVBoxLayout(details_box)
        details_column.setContentsMargins(0, 4, 0, 0)
        details_column.addWidget(details_label)
        details_column.addWidget(self.details, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("reconcileSplitter")
        self.splitter.setChildrenCollapsible(False)
        for section in s.values():
            self.splitter.addWidget(section)
        self.splitter.addWidget(details_box)
        self.splitter.setSizes([130, 150, 110, 110, 170])

        self.export_csv_button = QPushButton(self.tr("Export C&SV…"))
        self.export_csv_button.setObjectName("exportCsvButton")
        self.export_csv_button.setAutoDefault(False)
        self.export_csv_button.clicked.connect(lambda: self.export("csv"))
        self.export_xlsx_button = QPushButton(self.tr("Export XLS&X…"))
        self.export_xlsx_button.setObjectName("exportXlsxButton")
        self.export_xlsx_button.setAutoDefault(False)
        self.export_xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setObjectName("closeButton")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.export_csv_button)
        bottom.addWidget(self.export_xlsx_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)

        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(inputs)
        column.addLayout(status_row)
        column.addWidget(self.banner)
        column.addWidget(self.confidence)
        column.addLayout(filters)
        column.addWidget(self.splitter, 1)
        column.addLayout(bottom)

    # ------------------------------------------------------------------------------------ state
    @property
    def running(self) -> bool:
        return self.operation is not None and self.operation.running

    @property
    def applying(self) -> bool:
        return self.apply_operation is not None and self.apply_operation.running

    def _update_state(self) -> None:
        busy = self.running or self.applying
        self.run_button.setEnabled(not busy)
        self.sample.setEnabled(not busy)
        self.scope_group.setEnabled(not busy)
        self.cancel_button.setEnabled(self.running and not self.operation.cancelled)  # type: ignore[union-attr]
        self.progress.setVisible(busy)
        have = self.rec is not None and not self.running
        s = self.sections

        def open_ones(name: str, rows: list[core.Finding]) -> list[core.Finding]:
            return [f for f in rows if f.email.lower() not in self.outcomes]

        joiners = open_ones("joiner", self.rec.of("joiner")) if have else []  # type: ignore[union-attr]
        leavers = open_ones("leaver", self.rec.of("leaver")) if have else []  # type: ignore[union-attr]
        states = {
            self.link_button: have and not busy and bool(open_ones("joiner", s["joiner"].selected())),
            self.link_all_button: have and not busy and bool(joiners),
            self.revoke_button: have and not busy and len(open_ones("leaver", s["leaver"].selected())) == 1
                                and all(f.profile_id is not None for f in s["leaver"].selected()),
            self.revoke_all_button: have and not busy and bool(leavers),
            self.relink_button: have and not busy and any(f.profile_id is not None
                                                          for f in s["broken"].selected()),
            self.copy_fix_button: have and bool(s["leak"].selected()),
        }
        for button, enabled in states.items():
            button.setEnabled(enabled)
            for section in self.sections.values():
                if button in section.menu_actions:
                    section.menu_actions[button].setEnabled(enabled)
        self.export_csv_button.setEnabled(have)
        self.export_xlsx_button.setEnabled(have)

    # ------------------------------------------------------------------------------------ running
    @Slot()
    def run(self) -> None:
        if self.running or self.applying:
            return
        self.status.setText(self.tr("Reconciling: reading the scope and the directory, probing the linked "
                                    "profiles and a sample of accounts outside the scope…"))
        self.operation = ops.reconcile(self, self.scope, self.application.id, sample=self.sample.value(),
                                       scope_group=self.scope_group.text().strip() or None,
                                       on_done=self._reconciled, on_error=self._failed,
                                       on_cancelled=self._cancelled)
        self._update_state()

    @Slot()
    def cancel(self) -> None:
        if self.running:
            self.operation.cancel()  # type: ignore[union-attr]
            self.status.setText(self.tr("Cancelling…"))
            self._update_state()

    def _reconciled(self, rec: core.Reconciliation) -> None:
        cancelled = self.operation is not None and self.operation.cancelled
        self.rec = rec
        self.outcomes.clear()
        self._fill()
        when = parse_utc(rec.at).astimezone()
        text = self.tr("Reconciled at %(time)s and stored.") % {"time": f"{when:%H:%M}, {day_month(when)}"}
        if cancelled:
            text = self.tr("The run had finished before Cancel took effect: ") + text
        self.status.setText(text)
        self._update_state()
        self.changed.emit()

    def _failed(self, message: str) -> None:
        self.status.setText(self.tr("The reconciliation did not run: %s") % message)
        self._update_state()

    def _cancelled(self) -> None:
        self.status.setText(self.tr("Cancelled: nothing was stored."))
        self._update_state()

    # ------------------------------------------------------------------------------------ showing
    def _profiles(self, n: int) -> str:
        return count(n, self.tr("profile"), self.tr("profiles"))

    def _fill(self) -> None:
        rec = self.rec
        lines = []
        if rec is not None:
            for name, why in rec.unknown.items():
                lines.append(self.tr("Cannot tell: %(set)s could not be read. Why: %(why)s")
                             % {"set": _tr(SETS[name]) if name in SETS else name,
                                "why": core.shown_reason(why)})
        self.banner.setText("\n".join(lines))
        self.banner.setVisible(bool(lines))
        if rec is None:
            self.confidence.setText(self.tr("Not run yet: choose the sample size and Run reconciliation."))
        else:
            size = count(rec.scope_size or 0, self.tr("account"), self.tr("accounts"))
            scope = (self.tr("Scope: %(src)s, %(n)s.") % {"src": localized(rec.scope_source), "n": size}
                     if rec.scope_source else "")
            linked = self.tr("Linked: %s.") % self._profiles(rec.linked_size)
            self.confidence.setText(" ".join(x for x in (scope, linked, rec.shown_confidence()) if x))
        counts = rec.counts if rec is not None else {}
        for name, section in self.sections.items():
            table = section.table
            known = rec is not None and counts[name] is not None
            if rec is not None and counts[name] is None:
                section.unknown.setText(self.tr("Cannot tell: %s.") % cannot_tell_reason(rec, name))
            else:
                section.unknown.setText("")
            section.model.set_findings(rec.of(name) if rec is not None else [])
            # a list that cannot be told shows why instead of rows (unless a finding was proven anyway)
            show_table = rec is None or known or bool(section.model.findings)
            table.setVisible(show_table)
            section.unknown.setVisible(rec is not None and not known)
        self._default_details()
        self.apply_filters()

    def _default_details(self) -> None:
        rec = self.rec
        if rec is None:
            self.details.setPlainText(self.tr("Select a finding to see what was found and what to do."))
            return
        lines = [self.tr("Select a finding to see what was found and what to do.")]
        if rec.untested:
            lines += ["", self.tr("Not told by its probe (not counted in the sample):")]
            lines += [f"  {email}: {core.shown_reason(why)}" for email, why in rec.untested.items()]
        if rec.notes:
            lines += ["", self.tr("Notes:")] + [f"  {core.shown_note(note)}" for note in rec.notes]
        self.details.setPlainText("\n".join(lines))

    @Slot()
    def apply_filters(self) -> None:
        text = self.search.text().strip().casefold()
        kind = self.kind.currentData()
        counts = self.rec.counts if self.rec is not None else {}
        for name, section in self.sections.items():
            section.setVisible(not kind or kind == name)
            section.model.set_filter(text)
            if self.rec is None:
                section.count_label.setText("")
                continue
            if counts[name] is None:
                found = len(section.model.findings)
                section.count_label.setText(self.tr("— cannot tell") if not found else
                                            self.tr("— %s found; the rest cannot be told")
                                            % count_of(name, found))
                continue
            label = "— " + count_of(name, counts[name])  # type: ignore[arg-type]
            shown = section.model.rowCount()
            if text and shown != len(section.model.findings):
                label += self.tr(" (%s shown)") % i18n.format_number(shown)
            section.count_label.setText(label)
            section.count_label.setAccessibleName(label.removeprefix("— "))

    @Slot()
    def _on_selection(self) -> None:
        sender = self.sender()
        section = next((s for s in self.sections.values() if s.table.selectionModel() is sender), None)
        if section is not None:
            self._selected(section)

    def _selected(self, section: _Section) -> None:
        findings = section.selected()
        if findings:
            for other in self.sections.values():
                if other is not section:
                    other.table.blockSignals(True)
                    other.table.clearSelection()
                    other.table.blockSignals(False)
            self.details.setPlainText(self._details_text(findings[0]))
        else:
            self._default_details()
        self._update_state()

    def _details_text(self, f: core.Finding) -> str:
        what = {"leak": self.tr("The fix (%s)") % (f.diagnosis or "scope_not_enforced"),
                "joiner": self.tr("What to do"), "leaver": self.tr("What to do, and the platform step"),
                "broken": self.tr("Diagnosis %s; the fix") % (f.diagnosis or "")}[f.finding]
        lines = [f"{f.email}{f' ({f.name})' if f.name else ''}",
                 f"{_tr(KIND_LABELS[f.finding])}: {core.shown_detail(f)}"]
        done = self.outcomes.get(f.email.lower())
        if done:
            lines.append(self.tr("Done here: %s") % done)
        lines += ["", f"{what}:", shown_fix(f) or "—"]
        return "\n".join(lines)

    def keyPressEvent(self, event: QKeyEvent) -> None:   # noqa: N802 - Qt's name
        # Enter in a list, the filter or the details does not start a new run (the default button)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if isinstance(focus, (QAbstractItemView, QPlainTextEdit)) or focus is self.search:
                event.accept()
                return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------------------------ actions
    def _subset(self, findings: list[core.Finding]) -> core.Reconciliation:
        """The reconciliation limited to `findings` (same id: the core audits under it)."""
        assert self.rec is not None
        return dataclasses.replace(self.rec, findings=list(findings))

    def _mark(self, done: dict[str, str], message: str) -> None:
        self.apply_operation = None
        self.outcomes.update({k.lower(): v for k, v in done.items()})
        for section in self.sections.values():
            section.model.outcomes_changed()
        self.status.setText(message)
        selected = next((s for s in self.sections.values() if s.selected()), None)
        if selected is not None:
            self.details.setPlainText(self._details_text(selected.selected()[0]))
        self._update_state()
        self.changed.emit()

    def _apply_failed(self, message: str) -> None:
        self.apply_operation = None
        self.status.setText(message)
        self._update_state()

    @Slot()
    def link_selected(self) -> None:
        self._link([f for f in self.sections["joiner"].selected() if f.email.lower() not in self.outcomes])

    @Slot()
    def link_all(self) -> None:
        if self.rec is not None:
            self._link([f for f in self.rec.of("joiner") if f.email.lower() not in self.outcomes])

    def _link(self, joiners: list[core.Finding]) -> None:
        if not joiners or self.rec is None or self.applying or self.running:
            return
        self.status.setText(self.tr("Linking %s…") % count_of("joiner", len(joiners)))

        def done(results: list[Any]) -> None:
            marks = {}
            for r in results:
                if r.action == "linked":
                    marks[r.email] = self.tr("Linked")
                elif r.try_again:
                    marks[r.email] = self.tr("Try again later: %s") % (r.code or r.message)
                else:
                    marks[r.email] = self.tr("Not linked: %s") % (r.code or r.message)
            linked = sum(1 for r in results if r.action == "linked")
            self._mark(marks, self.tr("Linked %(n)s of %(m)s.") % {
                "n": i18n.format_number(linked), "m": count_of("joiner", len(joiners))})

        self.apply_operation = ops.apply_joiners(self, self.scope, self._subset(joiners), on_done=done,
                                                 on_error=lambda m: self._apply_failed(
                                                     self.tr("Nothing was linked: %s") % m))
        self._update_state()

    @Slot()
    def revoke_selected(self) -> None:
        chosen = [f for f in self.sections["leaver"].selected() if f.email.lower() not in self.outcomes]
        self._revoke(chosen[:1])

    @Slot()
    def revoke_all(self) -> None:
        if self.rec is not None:
            self._revoke([f for f in self.rec.of("leaver") if f.email.lower() not in self.outcomes])

    def _revoke(self, leavers: list[core.Finding]) -> None:
        leavers = [f for f in leavers if f.profile_id is not None]
        if not leavers or self.rec is None or self.applying or self.running:
            return
        dialog = ConfirmRevokeDialog(self.rec.application, leavers, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm = dialog

        def confirmed() -> None:
            typed = dialog.confirm_name.text()
            self.status.setText(self.tr("Revoking %s…") % self._profiles(len(leavers)))

            def done(results: list[Any]) -> None:
                marks = {r.profile.email: self.tr("Revoked") if r.changed else self.tr("Already revoked")
                         for r in results}
                revoked = sum(1 for r in results if r.changed)
                self._mark(marks, self.tr("Revoked %s. Do the platform step shown for each account too.")
                           % self._profiles(revoked))

            self.apply_operation = ops.apply_leavers(
                self, self.scope, self._subset(leavers), typed, on_done=done,
                on_error=lambda m: self._apply_failed(self.tr("Nothing was revoked: %s") % m))
            self._update_state()

        dialog.accepted.connect(confirmed)
        dialog.finished.connect(lambda _r: setattr(self, "confirm", None))
        dialog.open()

    @Slot()
    def relink_selected(self) -> None:
        broken = [f for f in self.sections["broken"].selected() if f.profile_id is not None]
        if not broken or self.applying or self.running:
            return
        self.status.setText(self.tr("Relinking %s…") % self._profiles(len(broken)))

        def done(results: list[Any]) -> None:
            marks = {}
            for r in results:
                marks[r.email] = (self.tr("Relinked") if r.action == "linked"
                                  else self.tr("Still failing: %s") % (r.code or r.message))
            fixed = sum(1 for r in results if r.action == "linked")
            self._mark(marks, self.tr("Relinked %(n)s of %(m)s.") % {
                "n": i18n.format_number(fixed), "m": self._profiles(len(broken))})

        assert self.rec is not None
        self.apply_operation = ops.apply_relink(
            self, self.scope, self.rec, [f.profile_id for f in broken], on_done=done,  # type: ignore[misc]
            on_error=lambda m: self._apply_failed(self.tr("Nothing was relinked: %s") % m))
        self._update_state()

    @Slot()
    def copy_fix(self) -> None:
        leaks = self.sections["leak"].selected()
        if leaks:
            QGuiApplication.clipboard().setText(shown_fix(leaks[0]))
            self.status.setText(self.tr("The fix for %s was copied.") % leaks[0].email)

    # ------------------------------------------------------------------------------------ export
    def shown_rows(self) -> list[list[str]]:
        """The rows of the four lists as on screen (filters applied, in their order), with the finding type
        first and the fix or platform step last."""
        rows = []
        for name, section in self.sections.items():
            if not section.isVisibleTo(self) or not section.table.isVisibleTo(self):
                continue
            model = section.model
            for row in range(model.rowCount()):
                rows.append([_tr(KIND_LABELS[name]), *model.texts(row), shown_fix(model.finding(row))])
        return rows

    def summary_rows(self) -> list[list[str]]:
        rec = self.rec
        assert rec is not None
        counts = rec.counts
        accounts = count(rec.scope_size or 0, self.tr("account"), self.tr("accounts"))
        rows = [[self.tr("Application"), rec.application],
                [self.tr("Platform"), provider_label(rec.provider)],
                [self.tr("Reconciled at (UTC)"), rec.at], [self.tr("Reconciliation"), str(rec.id or "")],
                [self.tr("Scope"), f"{localized(rec.scope_source)}: {accounts}" if rec.scope_source
                 else self.tr("cannot tell")],
                [self.tr("Linked"), self._profiles(rec.linked_size)]]
        for name in core.FINDINGS:
            value = counts[name]
            many = _tr(FINDING_WORDS[name][1])
            rows.append([many[:1].upper() + many[1:],
                         self.tr("cannot tell: %s") % cannot_tell_reason(rec, name) if value is None
                         else count_of(name, value)])
        rows += [[self.tr("Cannot tell: %s") % name, core.shown_reason(why)]
                 for name, why in rec.unknown.items()]
        rows.append([self.tr("The sample"), rec.shown_confidence()])
        rows += [[self.tr("Note"), core.shown_note(note)] for note in rec.notes]
        return rows

    def export(self, kind: str, path: str | None = None) -> ops.Operation | None:
        """Ask where (unless `path`), then write the lists as shown to CSV or XLSX off the GUI thread."""
        if self.rec is None:
            return None
        if path is None:
            default = f"reconciliation-{self.rec.application}-{date.today().isoformat()}.{kind}"
            default = "".join(c if c.isalnum() or c in "-._" else "-" for c in default)
            filters = self.tr("CSV files (*.csv)") if kind == "csv" else self.tr("Excel workbooks (*.xlsx)")
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the reconciliation"), default,
                                                  filters)
            if not path:
                return None
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(f".{kind}")
        rows = self.shown_rows()
        summary = self.summary_rows()
        header = tuple(_tr(text) for text in EXPORT_HEADER)
        sheets = (self.tr("Findings"), self.tr("Summary"), (self.tr("Item"), self.tr("Value")))
        cannot_write = self.tr("%(path)s cannot be written: %(error)s")

        def write() -> int:
            try:
                if kind == "csv":
                    with private_atomic_writer(target, text=True) as handle:
                        return write_table(header, rows, handle)
                from ec_console.table_xlsx import write_workbook

                with private_atomic_writer(target) as handle:
                    return write_workbook([(sheets[0], header, rows), (sheets[1], sheets[2], summary)],
                                          handle)[0]
            except OSError as exc:
                raise BadInput(cannot_write % {"path": target, "error": exc.strerror or exc}) from None

        def done(written: int) -> None:
            self.status.setText(self.tr("Exported %(n)s to %(path)s") % {
                "n": count(written, self.tr("finding"), self.tr("findings")), "path": target})

        self.status.setText(self.tr("Exporting…"))
        return ops.run_read(self, write, on_done=done,
                            on_error=lambda m: self.status.setText(self.tr("Not exported: %s") % m))

    # ------------------------------------------------------------------------------------ closing
    def reject(self) -> None:
        if self.running:
            self.operation.cancel()  # type: ignore[union-attr]
        super().reject()


# ================================================================================ the main window's side


def reconciliation_line(registry: Registry, application_id: int) -> str:
    """The main window's line for an application: the drift since the previous reconciliation ("+3
    joiners, −2 leavers, 0 leaks since 28 Nov"), the one reconciliation's counts, or "" when none."""
    translate = QCoreApplication.translate

    def unknown(name: str) -> str:
        return translate("ReconcileWindow", "%s unknown") % _tr(FINDING_WORDS[name][1])

    runs = core.reconciliations(registry, application_id, limit=2)
    if not runs:
        return ""
    if len(runs) == 2:      # the drift since the previous one, as `core.drift_text` words it, translated
        new, old = runs
        parts = []
        for name in ("joiner", "leaver"):
            a, b = new.counts[name], old.counts[name]
            if a is None or b is None:
                parts.append(unknown(name))
            else:
                parts.append(("+" if a > b else "\u2212" if a < b else "") + count_of(name, abs(a - b)))
        leaks = new.counts["leak"]
        parts.append(unknown("leak") if leaks is None else count_of("leak", leaks))
        since = day_month(parse_utc(old.at).astimezone())
        return translate("ReconcileWindow", "Reconciliation: %(changes)s since %(day)s") % {
            "changes": ", ".join(parts), "day": since}
    run = runs[0]
    when = parse_utc(run.at).astimezone()
    parts = []
    for name in ("joiner", "leaver", "leak"):
        value = run.counts[name]
        parts.append(unknown(name) if value is None else count_of(name, value))
    return translate("ReconcileWindow", "Reconciled on %(day)s: %(counts)s") % {
        "day": day_month(when), "counts": ", ".join(parts)}


__all__ = ["ConfirmRevokeDialog", "ReconcileWindow", "cannot_tell_reason",
           "reconciliation_line", "shown_fix"]
