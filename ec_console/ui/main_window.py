"""The main window: the Enterprise Connect dashboard of one region at a time.

Left, the region's applications (`applicationsList`); right, its calendar profiles (`profilesTable`) with a
search box (`profileSearch`) and a status filter. The toolbar holds every action of DESIGN.md's UI
contract (see `ui/actions.py` for which are built) and the `regionSelector`. Switching region closes one
registry and opens the other: nothing of one region is ever shown in the other.

Registry reads for the lists are small indexed queries and run on the GUI thread (DESIGN.md, "Layers");
anything slower goes through `ui/tasks.py`.
"""

from __future__ import annotations

import base64
import functools
import html
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QItemSelectionModel, QSize, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyleFactory,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ec_console import APP_DISPLAY_NAME, i18n, permissions
from ec_console.errors import ConsoleError
from ec_console.i18n import format_number
from ec_console.regions import Region, RegionCatalog, load_settings, remember_region, save_setting
from ec_console.registry import PROFILE_STATUSES, Application, ConnectionLost, Profile, ProfileQuery, Registry
from ec_console.ui import actions as ui_actions
from ec_console.ui import icons, theme
from ec_console.ui.about import CHECKING, AboutDialog, keychain_status
from ec_console.ui.accessibility import chain_tabs, enable_clear_button, name_toolbar_extension
from ec_console.ui.fitting import CurrentItemComboBox, ElidedLabel, ElidingStatusBar, WrappingItemDelegate
from ec_console.ui.profiles_model import (
    COL_APPLICATION,
    COL_EMAIL,
    COL_NAME,
    COL_PLATFORM,
    COL_STATUS,
    COLUMNS,
    ProfilesModel,
    provider_label,
    status_label,
)
from ec_console.ui.profiles_view import ProfilesTable
from ec_console.ui.tasks import run_in_background
from ec_console.words import count

log = logging.getLogger(__name__)

SEARCH_DEBOUNCE_MS = 200
MIN_APPLICATIONS_WIDTH = 150   # the applications list is never squeezed below its names
MIN_SEARCH_WIDTH = 110
RESULTS_REFRESH_MS = 400   # results of long runs refresh the window at most this often
REOPEN_RETRY_MS = 3000     # a shared registry that cannot be reached yet is tried again this often
LIVE_REFRESH_MS = 250      # changes other consoles make (PostgreSQL registry) refresh it at most this often
# The keychain is asked this long after the window is built, so that its background work (the keyring
# package finds its backends by scanning the installed packages) does not compete with the first paint.
KEYCHAIN_QUERY_DELAY_MS = 300
GEOMETRY_KEY = "main_window"
_DEFAULT_COLUMN_WIDTHS = (210, 125, 150, 120, 110, 122, 200)
# Columns sized to the rows on screen when a region's profiles are first shown: (least, most) width.
_FITTED_COLUMNS = {COL_EMAIL: (160, 420), COL_NAME: (70, 220), COL_APPLICATION: (110, 220),
                   COL_PLATFORM: (90, 190), COL_STATUS: (110, 220)}  # German: "Erneut zu verknüpfen"
RegistryFactory = Callable[[str], Registry]
_TAGS = re.compile(r"<[^>]+>")


def _reading_registry(method: Callable[..., Any]) -> Callable[..., Any]:
    """A window step that reads the registry: when a shared registry cannot be reached (its connection was
    lost and cannot be opened again yet), the status bar says so and the window keeps what it shows; never
    a traceback. The next refresh reads again (the connection opens again by itself)."""

    import inspect

    parameters = inspect.signature(method).parameters.values()
    takes = None if any(p.kind is p.VAR_POSITIONAL for p in parameters) else sum(
        1 for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)) - 1

    @functools.wraps(method)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        if takes is not None:
            args = args[:takes]      # a signal's arguments the step does not take (as Qt drops them)
        try:
            return method(self, *args, **kwargs)
        except ConnectionLost as exc:
            log.info("A registry read failed: %s", exc.message)
            self.registry_unreachable(exc.message)
            return None

    return guarded


def _fmt(n: int) -> str:
    return format_number(n)  # "1,204" in English, "1.204" in German


class EmptyState(QFrame):
    """A centred panel that says why a view is empty and what to do next."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(object_name)
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title = QLabel()
        self.title.setObjectName(f"{object_name}Title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.title.setFont(font)
        self.body = QLabel()
        self.body.setObjectName(f"{object_name}Body")
        self.body.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setMinimumWidth(300)      # wraps; narrow enough to sit beside the details pane
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self._button_widgets: list[QPushButton] = []
        self.buttons.addStretch(1)

        panel = QWidget()
        panel.setObjectName(f"{object_name}Panel")
        panel.setMaximumWidth(640)
        column = QVBoxLayout(panel)
        column.addWidget(self.icon)
        column.addSpacing(6)
        column.addWidget(self.title)
        column.addSpacing(4)
        column.addWidget(self.body)
        column.addSpacing(12)
        column.addLayout(self.buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)

    def set_content(self, title: str, body_html: str, icon_name: str | None = None) -> None:
        self.title.setText(title)
        self.body.setText(body_html)
        self.setAccessibleDescription(f"{title}. {_TAGS.sub(' ', body_html).strip()}")
        if icon_name:
            self.icon.setPixmap(icons.app_icon().pixmap(72, 72) if icon_name == "app"
                                else icons.icon(icon_name).pixmap(48, 48))
        self.icon.setVisible(bool(icon_name))

    def add_button(self, button: QPushButton) -> None:
        self._button_widgets.append(button)
        self.buttons.insertWidget(self.buttons.count() - 1, button)


# Selections larger than this are not inspected row by row to enable Relink / Revoke.
SELECTION_INSPECT_LIMIT = 1000


class MainWindow(QMainWindow):
    """The console's main window (`mainWindow`)."""

    def __init__(
        self,
        catalog: RegionCatalog,
        region_id: str | None = None,
        *,
        sandbox: bool = False,
        registry_factory: RegistryFactory | None = None,
        keychain: str | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAccessibleName(self.tr("Enterprise Connect Console"))
        self.setWindowIcon(icons.app_icon())
        self.catalog = catalog
        self.sandbox = sandbox
        self._registry_factory = registry_factory or Registry.for_region
        self.registry: Registry | None = None
        self.region_id = region_id if region_id in catalog.regions else catalog.default_id
        self.keychain = keychain or CHECKING
        self._applications: list[Application] = []
        self._registry_error = ""
        self._total_profiles = 0
        self._linked_total = 0
        self._status_counts: dict[str, int] = {}   # as shown: read at each full refresh, then streamed
        self._requery = False   # a change arrived that results do not describe: the next refresh reads
        self._results_ids: set[int] = set()   # profiles with results since the last refresh
        self._search_timer = QTimer(self)
        self._search_timer.setObjectName("searchDebounce")
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_filters)

        self.model = ProfilesModel(None, self)
        self.model.rowsLanded.connect(self._update_views)
        self.model.readFailed.connect(self.registry_unreachable)
        self.actions = ui_actions.create_actions(self)
        self.actions["addConnectionAction"].triggered.connect(lambda: self.open_setup_wizard())
        self.actions["testConnectivityAction"].triggered.connect(
            lambda: self.open_check_view(self._testable_profile()))
        self.sandbox_session: Any = None
        self.check_view: Any = None
        self._build_extra_actions()
        self._build_toolbar()
        self._build_central()
        self._build_menus()
        self._build_status_bar()
        self._build_dashboard()
        from ec_console.ui.application_actions import ApplicationActions

        self.application_actions = ApplicationActions(self)
        from ec_console.ui.reconcile_actions import ReconcileActions

        self.reconcile_actions = ReconcileActions(self)
        self._restore_geometry()
        theme.theme_notifier().changed.connect(self._on_theme_changed)

        self._open_region(self.region_id)
        if keychain is None:  # asked once the window has painted: loading the keyring package is slow
            QTimer.singleShot(KEYCHAIN_QUERY_DELAY_MS, self, self._query_keychain)
        if sandbox:
            from ec_console.ui.wizard import SandboxSession

            self.sandbox_session = SandboxSession(self)
            self.sandbox_session.start()

    # ================================================================================ building
    def _build_extra_actions(self) -> None:
        self.open_dashboard_action = QAction(icons.icon("open-dashboard"), self.tr("Open &web dashboard"),
                                             self)
        self.open_dashboard_action.setObjectName("openDashboardAction")
        self.open_dashboard_action.setIconText(self.tr("Web dashboard"))
        self.open_dashboard_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.open_dashboard_action.triggered.connect(self.open_dashboard)

        self.refresh_action = QAction(icons.icon("refresh"), self.tr("&Refresh"), self)
        self.refresh_action.setObjectName("refreshAction")
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.setStatusTip(self.tr("Read the applications and profiles again"))
        self.refresh_action.triggered.connect(self.refresh)

        self.find_action = QAction(self.tr("&Find profiles"), self)
        self.find_action.setObjectName("findAction")
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.setStatusTip(self.tr("Search calendar profiles by email or name"))
        self.find_action.triggered.connect(self.focus_search)

        self.export_profiles_action = QAction(self.tr("&Export profile list (CSV)…"), self)
        self.export_profiles_action.setObjectName("exportProfilesAction")
        self.export_profiles_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_profiles_action.setStatusTip(self.tr(
            "Save the profiles shown (current search and filters) as a CSV file for a spreadsheet"))
        self.export_profiles_action.triggered.connect(self.export_profiles_csv)

        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        self.about_action = QAction(self.tr("&About %s") % APP_DISPLAY_NAME, self)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

        self.documentation_action = QAction(self.tr("&Documentation"), self)
        self.documentation_action.setObjectName("documentationAction")
        self.documentation_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.documentation_action.setStatusTip(self.tr("Open the console's documentation in your browser"))
        self.documentation_action.triggered.connect(self.open_documentation)

        self.open_logs_action = QAction(self.tr("Open &log folder"), self)
        self.open_logs_action.setObjectName("openLogsAction")
        self.open_logs_action.triggered.connect(self._open_log_folder)

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Main toolbar"), self)
        bar.setObjectName("mainToolbar")
        bar.setAccessibleName(self.tr("Main toolbar"))
        bar.setMovable(False)
        bar.setIconSize(QSize(22, 22))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        a = self.actions
        for name in ("addConnectionAction", "testConnectivityAction"):
            bar.addAction(a[name])
        bar.addSeparator()
        for name in ("linkProfilesAction", "checkAllAction", "relinkProfileAction", "revokeProfileAction",
                     "revokeApplicationAction"):
            bar.addAction(a[name])
        bar.addSeparator()
        bar.addAction(self.open_dashboard_action)

        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        spacer.setAccessibleName(self.tr("Spacer"))
        bar.addWidget(spacer)

        self.region_label = QLabel(self.tr("Re&gion:"))
        self.region_label.setObjectName("regionLabel")
        self.region_selector = CurrentItemComboBox()     # as wide as the chosen region's name
        self.region_selector.setObjectName("regionSelector")
        self.region_selector.setAccessibleName("regionSelector")
        self.region_selector.setAccessibleDescription(self.tr("Enterprise Connect instance to manage"))
        self.region_selector.setToolTip(self.tr(
            "The Enterprise Connect instance to manage. "
            "Each region keeps its own applications and profiles."))
        for region in self.catalog.regions.values():
            self.region_selector.addItem(region.display_label, region.id)
        self.region_label.setBuddy(self.region_selector)
        box = QWidget()
        box.setAccessibleName(self.tr("Region"))
        row = QHBoxLayout(box)
        row.setContentsMargins(8, 0, 8, 0)
        row.addWidget(self.region_label)
        row.addWidget(self.region_selector)
        bar.addWidget(box)
        self.region_selector.currentIndexChanged.connect(self._on_region_selected)
        self.addToolBar(bar)
        name_toolbar_extension(bar)
        self.toolbar = bar

    def _build_central(self) -> None:
        # Applications (left)
        self.applications_list = QListWidget()
        self.applications_list.setObjectName("applicationsList")
        self.applications_list.setAccessibleName("applicationsList")
        self.applications_list.setAccessibleDescription(self.tr("Applications connected in this region"))
        self.applications_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.applications_list.setWordWrap(True)
        self.applications_list.setResizeMode(QListWidget.ResizeMode.Adjust)   # wrapped again when resized
        self.applications_list.setItemDelegate(WrappingItemDelegate(self.applications_list))
        self.applications_list.setSpacing(4)
        self.applications_list.setIconSize(QSize(14, 14))
        self.applications_list.currentItemChanged.connect(self._on_application_selected)
        self.applications_list.itemActivated.connect(lambda _item: self.edit_selected_application())
        apps_title = QLabel(self.tr("&Applications"))
        apps_title.setObjectName("applicationsTitle")
        apps_title.setBuddy(self.applications_list)
        bold = apps_title.font()
        bold.setBold(True)
        apps_title.setFont(bold)
        left = QWidget()
        left.setAccessibleName(self.tr("Applications panel"))
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        # Never narrower than the bold "All applications" on one line (German "Alle Anwendungen" is longer
        # than the English the fixed minimum was made for): a wrapped bold first line is drawn cut off.
        left.setMinimumWidth(max(MIN_APPLICATIONS_WIDTH, self._all_applications_width(bold, left_layout)))
        left_layout.addWidget(apps_title)
        left_layout.addWidget(self.applications_list)

        # Profiles (right): filter bar, then table or "no match" panel
        self.profile_search = QLineEdit()
        self.profile_search.setObjectName("profileSearch")
        self.profile_search.setAccessibleName("profileSearch")
        self.profile_search.setAccessibleDescription(self.tr("Search calendar profiles by email or name"))
        self.profile_search.setPlaceholderText(self.tr("Search by email or name (Ctrl+F)"))
        # A narrow window cuts the placeholder short ("Nach E-Ma…"): the tooltip says it whole.
        self.profile_search.setToolTip(self.profile_search.placeholderText())
        enable_clear_button(self.profile_search)
        self.profile_search.setMaxLength(256)  # the registry's limit for search text
        self.profile_search.setMinimumWidth(MIN_SEARCH_WIDTH)
        self.profile_search.textChanged.connect(self._on_search_edited)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.setAccessibleName("statusFilter")
        self.status_filter.setAccessibleDescription(self.tr("Show only profiles with this status"))
        self.status_filter.addItem(self.tr("All statuses"), None)
        for status in PROFILE_STATUSES:
            self.status_filter.addItem(icons.status_icon(status), self._status_name(status), status)
        self.status_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status_filter.currentIndexChanged.connect(self.apply_filters)
        status_caption = QLabel(self.tr("&Status:"))
        status_caption.setObjectName("statusCaption")
        status_caption.setBuddy(self.status_filter)
        self.showing_label = QLabel()
        self.showing_label.setObjectName("showingLabel")
        self.showing_label.setAccessibleName(self.tr("Profiles shown"))
        filters = QHBoxLayout()
        filters.addWidget(self.profile_search, 3)
        filters.addSpacing(8)
        filters.addWidget(status_caption)
        filters.addWidget(self.status_filter)
        filters.addSpacing(12)
        filters.addWidget(self.showing_label)
        filters.addStretch(1)

        self.profiles_table = ProfilesTable()   # repaints only the changed rows on screen
        self.profiles_table.setObjectName("profilesTable")
        self.profiles_table.setAccessibleName("profilesTable")
        self.profiles_table.setAccessibleDescription(self.tr("Calendar profiles linked in this region"))
        self.profiles_table.setModel(self.model)
        # Painted with Fusion itself, not the application's `ConsoleStyle` (Fusion plus a check box outline:
        # the table has no check box): its Python `drawPrimitive` would be called for every cell of every
        # paint, each call taking the interpreter lock that a running check's probe threads hold.
        self._table_style = QStyleFactory.create("Fusion")
        self._table_style.setParent(self)
        self.profiles_table.setStyle(self._table_style)
        self.profiles_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.profiles_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.profiles_table.setAlternatingRowColors(True)
        self.profiles_table.setWordWrap(False)
        self.profiles_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)   # keeps an address's domain
        self.profiles_table.setShowGrid(False)
        self.profiles_table.setIconSize(QSize(12, 12))
        self.profiles_table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.profiles_table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.profiles_table.horizontalHeader()
        header.setAccessibleName(self.tr("Profile columns"))
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        for column, width in enumerate(_DEFAULT_COLUMN_WIDTHS[: len(COLUMNS)]):
            header.resizeSection(column, width)
        # The status is what an admin looks for first: shown beside the address, so it stays in view when
        # the details pane narrows the table (the model's column numbers do not change).
        header.moveSection(header.visualIndex(COL_STATUS), 1)
        # Sizing a column to its content reads only the rows on screen (never the whole registry).
        header.setResizeContentsPrecision(0)
        self._columns_fitted = False
        self._columns_chosen = False
        self.profiles_table.setSortingEnabled(True)
        self.profiles_table.selectionModel().selectionChanged.connect(self._on_profile_selection)

        self.no_match = EmptyState("noMatchState")
        self.clear_filters_button = QPushButton(self.tr("&Clear search and filters"))
        self.clear_filters_button.setObjectName("clearFiltersButton")
        self.clear_filters_button.clicked.connect(self.clear_filters)
        self.no_match.add_button(self.clear_filters_button)
        self.table_stack = QStackedWidget()
        self.table_stack.setObjectName("tableStack")
        self.table_stack.setAccessibleName(self.tr("Profiles"))
        self.table_stack.addWidget(self.profiles_table)
        self.table_stack.addWidget(self.no_match)

        right = QWidget()
        right.setAccessibleName(self.tr("Profiles panel"))
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 8)
        right_layout.addLayout(filters)
        right_layout.addWidget(self.table_stack, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setAccessibleName(self.tr("Applications and profiles"))
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([280, 1000])
        self.splitter.setChildrenCollapsible(False)

        # Welcome page (no applications) and error page (registry cannot be opened)
        self.welcome = EmptyState("welcomeState")
        self.welcome_add_button = QPushButton(icons.icon("add-connection"), self.tr("Add connection…"))
        self.welcome_add_button.setObjectName("welcomeAddConnection")
        self.welcome_add_button.setToolTip(ui_actions.spec_for("addConnectionAction").tip)
        self.welcome_add_button.clicked.connect(lambda: self.open_setup_wizard())
        self.welcome_dashboard_button = QPushButton(icons.icon("open-dashboard"),
                                                    self.tr("Open web dashboard"))
        self.welcome_dashboard_button.setObjectName("welcomeOpenDashboard")
        self.welcome_dashboard_button.clicked.connect(self.open_dashboard)
        self.welcome.add_button(self.welcome_add_button)
        self.welcome.add_button(self.welcome_dashboard_button)
        self.error_state = EmptyState("registryErrorState")
        retry = QPushButton(self.tr("&Try again"))
        retry.setObjectName("retryRegistryButton")
        retry.clicked.connect(self.refresh)
        self.error_state.add_button(retry)

        self.central = QStackedWidget()
        self.central.setObjectName("centralStack")
        self.central.setAccessibleName(self.tr("Dashboard"))
        self.central.addWidget(self.splitter)
        self.central.addWidget(self.welcome)
        self.central.addWidget(self.error_state)
        self.setCentralWidget(self.central)
        # Reading order: the region, the applications (left), then the profiles' search, filter and table.
        chain_tabs([self.region_selector, self.applications_list, self.profile_search, self.status_filter,
                    self.profiles_table])

    def _build_menus(self) -> None:
        bar = self.menuBar()
        a = self.actions
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(a["addConnectionAction"])
        file_menu.addSeparator()
        file_menu.addAction(self.export_profiles_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.setObjectName("viewMenu")
        view_menu.addAction(self.find_action)
        view_menu.addAction(self.refresh_action)
        view_menu.addSeparator()
        self.region_menu = QMenu(self.tr("Re&gion"), self)
        self.region_menu.setObjectName("regionMenu")
        self.region_group = QActionGroup(self)
        for number, region in enumerate(self.catalog.regions.values(), start=1):
            action = QAction(region.display_label, self, checkable=True)
            action.setObjectName(f"regionAction_{region.id}")
            action.setData(region.id)
            if number <= 9:
                action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            self.region_group.addAction(action)
            self.region_menu.addAction(action)
        self.region_group.triggered.connect(lambda act: self.switch_region(act.data()))
        view_menu.addMenu(self.region_menu)
        theme_menu = view_menu.addMenu(self.tr("&Appearance"))
        theme_menu.setObjectName("themeMenu")
        self.theme_group = QActionGroup(self)
        chosen = load_settings().get("theme", "system")
        for key, label in (("system", self.tr("Follow the &system")), ("light", self.tr("&Light")),
                           ("dark", self.tr("&Dark")), ("high_contrast", self.tr("&High contrast"))):
            action = QAction(label, self, checkable=True)
            action.setObjectName(f"themeAction_{key}")
            action.setData(key)
            action.setChecked(key == chosen)
            self.theme_group.addAction(action)
            theme_menu.addAction(action)
        self.theme_group.triggered.connect(self._on_theme_chosen)
        self._build_language_menu(view_menu)

        tools_menu = bar.addMenu(self.tr("&Tools"))
        tools_menu.setObjectName("toolsMenu")
        tools_menu.addAction(a["testConnectivityAction"])
        tools_menu.addSeparator()
        for name in ("linkProfilesAction", "checkAllAction", "relinkProfileAction", "revokeProfileAction",
                     "revokeApplicationAction"):
            tools_menu.addAction(a[name])
        tools_menu.addSeparator()
        tools_menu.addAction(self.open_dashboard_action)

        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.documentation_action)
        help_menu.addAction(self.open_logs_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        for menu in (file_menu, view_menu, tools_menu, help_menu):
            menu.setToolTipsVisible(True)

    def _build_status_bar(self) -> None:
        # Texts elide in the middle when the window is narrow (the full text is the tooltip).
        status = ElidingStatusBar(self)
        self.setStatusBar(status)
        status.setObjectName("statusBar")
        status.setAccessibleName(self.tr("Status bar"))
        self.region_status = ElidedLabel(keep=28)          # "Region: United States (US)" stays whole
        self.region_status.setObjectName("regionStatus")
        self.region_status.setAccessibleName(self.tr("Region"))
        self.counts_status = ElidedLabel(parts=" · ", keep=16)
        self.counts_status.setObjectName("countsStatus")
        self.counts_status.setAccessibleName(self.tr("Profile counts"))
        # Who is signed in to a shared registry, and as which role ("Helpdesk · alex on db.example.com/ec");
        # hidden on a SQLite registry, whose user is the administrator.
        self.role_status = ElidedLabel()
        self.role_status.setObjectName("roleStatus")
        self.role_status.setAccessibleName(self.tr("Registry role"))
        self.role_status.hide()
        self.keychain_status = ElidedLabel(keep=24)
        self.keychain_status.setObjectName("keychainStatus")
        self.keychain_status.setAccessibleName(self.tr("Keychain"))
        for label in (self.region_status, self.role_status, self.counts_status, self.keychain_status):
            label.setContentsMargins(6, 0, 6, 0)
        status.addWidget(self.region_status)
        status.addWidget(self.role_status)
        status.addWidget(self.counts_status, 1)
        from ec_console.ui.live_updates import ConnectionStatus

        self.connection_status = ConnectionStatus(self)   # a shared registry's lost connection, said plainly
        status.addPermanentWidget(self.connection_status)
        status.addPermanentWidget(self.keychain_status)
        self.live_updates: Any = None
        self._live_tables: set[str] = set()
        self._live_timer = QTimer(self)
        self._live_timer.setObjectName("liveRefresh")
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_MS)
        self._live_timer.timeout.connect(self._refresh_from_elsewhere)
        self._show_keychain()

    def _build_dashboard(self) -> None:
        """The dashboard actions: run panel, detail pane, context menu, audit log, merged refreshes."""
        from ec_console.ui.check_all import RunPanel
        from ec_console.ui.profile_details import ProfileDetailsPane

        self.operation_store: Any = None        # None: the OS keychain (tests and the sandbox pass their own)
        self.operation_adapters: Any = None     # None: the real providers
        self._results_timer = QTimer(self)
        self._results_timer.setObjectName("resultsRefresh")
        self._results_timer.setSingleShot(True)
        self._results_timer.setInterval(RESULTS_REFRESH_MS)
        self._results_timer.timeout.connect(self._refresh_keeping_selection)
        self.run_panel = RunPanel(self)
        self.run_panel.finished.connect(lambda text: self.statusBar().showMessage(text, 30000))
        self.statusBar().addPermanentWidget(self.run_panel)
        self.details_pane = ProfileDetailsPane(self.operation_scope, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.details_pane)
        self.details_pane.hide()

        a = self.actions
        a["revokeProfileAction"].triggered.connect(self.revoke_selected_profiles)
        a["relinkProfileAction"].triggered.connect(self.relink_selected_profiles)
        a["linkProfilesAction"].triggered.connect(self.open_link_dialog)
        a["revokeApplicationAction"].triggered.connect(self.revoke_selected_application)
        a["checkAllAction"].triggered.connect(lambda: self.start_check_all())
        a["testProfileAction"].triggered.connect(self.test_selected_profile)
        self.details_pane.test_requested.connect(self.test_profile)
        self.details_pane.loaded.connect(self._sync_details_test)
        for name in ("revokeProfileAction", "relinkProfileAction"):
            a[name].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.profiles_table.addAction(a[name])
        self.profiles_table.activated.connect(self.show_profile_details)
        self.profiles_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.profiles_table.customContextMenuRequested.connect(self._profiles_menu)

        self.audit_action = QAction(self.tr("A&udit log…"), self)
        self.audit_action.setObjectName("auditLogAction")
        self.audit_action.setStatusTip(self.tr("Every change made in this region: who, when, what"))
        self.audit_action.triggered.connect(self.open_audit_log)
        tools = self.findChild(QMenu, "toolsMenu")
        if tools is not None:
            tools.addSeparator()
            tools.addAction(self.audit_action)
        from ec_console.ui.health_history import MonitorStatus  # health history: ui/health_history.py

        self.health_history_action = QAction(self.tr("&Health history…"), self,
                                             objectName="healthHistoryAction",
                                             triggered=self.open_health_history)
        self.findChild(QMenu, "viewMenu").addAction(self.health_history_action)
        self.monitor_status = MonitorStatus(self)
        self.statusBar().addPermanentWidget(self.monitor_status)

    # ================================================================================ region
    @property
    def region(self) -> Region:
        return self.catalog.regions[self.region_id]

    @Slot(int)
    def _on_region_selected(self, index: int) -> None:
        region_id = self.region_selector.itemData(index)
        if region_id and region_id != self.region_id:
            self.switch_region(region_id)

    def switch_region(self, region_id: str) -> None:
        """Close this region's registry, open the other one, and show only its data."""
        if region_id not in self.catalog.regions or (region_id == self.region_id and self.registry):
            return
        self._open_region(region_id)
        try:
            remember_region(region_id)
        except OSError as exc:
            self.statusBar().showMessage(self.tr("The region choice could not be saved: %s") % exc.strerror,
                                         8000)

    def _open_region(self, region_id: str) -> None:
        details = getattr(self, "details_pane", None)
        if details is not None:
            details.clear()                  # nothing of one region shows in the other
        self._close_registry()
        self.region_id = region_id
        self._registry_error = ""
        self._columns_fitted = False
        try:
            self.registry = self._registry_factory(region_id)
        except Exception as exc:  # RegistryError carries a message for the admin; anything else is logged
            log.error("The registry of region %s could not be opened", region_id, exc_info=True)
            self._registry_error = str(exc) or type(exc).__name__
            self.registry = None
        self._sync_region_controls()
        self.applications_list.clear()
        self.model.set_registry(self.registry, self._current_query(application_id=None))
        self._load()
        if getattr(self.registry, "engine", "sqlite") == "postgresql":
            # The window's own connection is opened again on a worker after a loss, never here.
            reopen = getattr(self.registry, "reopen_elsewhere", None)
            if reopen is not None:
                reopen(self._reopen_registry_elsewhere)
            target = getattr(self.registry, "target", None) or getattr(self.registry, "url", None)
            if target is not None:
                self.start_live_updates(target)
        if getattr(self, "monitor_status", None) is not None:
            self.monitor_status.refresh()        # the new region's last scheduled run

    def _close_registry(self) -> None:
        self.stop_live_updates()
        if self.registry is not None:
            self.model.set_registry(None)
            try:
                self.registry.close()
            except Exception:
                log.warning("Closing the registry failed", exc_info=True)
            self.registry = None

    def _sync_region_controls(self) -> None:
        index = self.region_selector.findData(self.region_id)
        if index != self.region_selector.currentIndex():
            self.region_selector.blockSignals(True)
            self.region_selector.setCurrentIndex(index)
            self.region_selector.blockSignals(False)
        for action in self.region_group.actions():
            action.setChecked(action.data() == self.region_id)
        suffix = self.tr(" — sandbox organisation") if self.sandbox else ""
        self.setWindowTitle(f"{self.region.display_label}{suffix} — {APP_DISPLAY_NAME}")
        self.region_status.setText(self.tr("Region: %s") % self.region.display_label)
        signed_in = permissions.signed_in_label(self.registry)
        self.role_status.setText(signed_in or "")
        self.role_status.setToolTip(
            self.tr("%s\nThe region's registry is shared. What your role may not do is greyed out; its "
                    "tooltip says why.") % signed_in if signed_in else "")
        self.role_status.setVisible(signed_in is not None)
        self.open_dashboard_action.setToolTip(
            self.tr("Open web dashboard (%s)\nOpen %s in your browser")
            % (self.open_dashboard_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText),
               self.region.dashboard_url))
        self.open_dashboard_action.setStatusTip(
            self.tr("Open %s in your browser") % self.region.dashboard_url)

    # ================================================================================ live updates
    def start_live_updates(self, target: Any, **listener_options: Any) -> Any:
        """Listen for changes other consoles make to a PostgreSQL registry (`target`: its URL or
        `registry_pg.Target`): the window refreshes itself, and a lost connection shows in the status bar."""
        from ec_console.ui.live_updates import LiveUpdates

        self.stop_live_updates()
        try:
            live = LiveUpdates(target, self, **listener_options)
        except Exception:  # noqa: BLE001 - the window works without live updates; logged
            log.warning("Live updates from the registry could not be started", exc_info=True)
            return None
        live.changed.connect(self._changed_elsewhere)
        live.state.connect(self.connection_status.show_state)
        live.state.connect(self._live_state)
        self.live_updates = live
        live.start()
        return live

    def stop_live_updates(self) -> None:
        live, self.live_updates = getattr(self, "live_updates", None), None
        if live is not None:
            live.stop()
            live.changed.disconnect(self._changed_elsewhere)
            live.deleteLater()
            self._live_timer.stop()
            self._live_tables = set()
            self.connection_status.show_state("")

    @Slot(str)
    def _live_state(self, text: str) -> None:
        """The listener's connection was lost: the network may have gone silent, so the window's own
        connection is opened again on a worker before the window sends anything on it."""
        from ec_console.registry_live import STATE_LOST

        if text.startswith(STATE_LOST) and self.registry is not None:
            lost = getattr(self.registry, "connection_lost_elsewhere", None)
            if lost is not None:
                lost()

    def _reopen_registry_elsewhere(self, job: Callable[[], bool]) -> None:
        """Open the window's registry connection again on the `connect` worker (it may wait up to the
        connect timeout); the window stays usable and says it is reconnecting, then reads everything again."""
        from ec_console.registry_live import STATE_LOST
        from ec_console.ui.tasks import run_in_background

        registry = self.registry
        self.connection_status.show_state(STATE_LOST)
        run_in_background(self, lambda _ctx: job(), pool="connect",
                          on_success=lambda opened: self._registry_reopened(registry, opened),
                          on_failure=lambda exc: self._registry_reopen_failed(registry, exc))

    def _registry_reopened(self, registry: Any, opened: bool) -> None:
        from ec_console.registry_live import STATE_RECONNECTED

        if registry is not self.registry or not opened:
            return
        self.connection_status.show_state(STATE_RECONNECTED)
        self.statusBar().clearMessage()      # "reconnecting…" is over
        self.refresh()                       # what was asked meanwhile, and what changed meanwhile

    def _registry_reopen_failed(self, registry: Any, exc: BaseException) -> None:
        if registry is not self.registry:
            return
        from ec_console.registry_live import STATE_LOST

        message = getattr(exc, "message", "") or str(exc)
        log.info("Opening the registry connection again failed: %s", message)
        # Said by the connection label (the reason in its tooltip), not in the status bar, where the
        # outcome of what the user asked for shows.
        self.connection_status.show_state(f"{STATE_LOST}: {message}")
        QTimer.singleShot(REOPEN_RETRY_MS, self, lambda: self._retry_reopening(registry))

    def _retry_reopening(self, registry: Any) -> None:
        if registry is self.registry and getattr(registry, "reconnecting", False):
            registry.connection_lost_elsewhere()

    @Slot(str)
    def _changed_elsewhere(self, table: str) -> None:
        """A change in the registry (another console's, or this one's): merged into one refresh per
        LIVE_REFRESH_MS."""
        self._live_tables.add(table)
        if not self._live_timer.isActive():
            self._live_timer.start()

    @Slot()
    @_reading_registry
    def _refresh_from_elsewhere(self) -> None:
        from ec_console.registry_live import EVERYTHING
        from ec_console.ui.audit_view import AuditLogDialog

        tables, self._live_tables = self._live_tables, set()
        if self.registry is None:
            return
        self._requery = True
        self._refresh_keeping_selection()
        if EVERYTHING in tables or "audit" in tables:
            for dialog in self.findChildren(AuditLogDialog):
                if dialog.isVisible():
                    dialog.reload()

    # ================================================================================ data
    @Slot()
    @_reading_registry
    def refresh(self) -> None:
        """Read the region's applications, counts and profiles again (and retry a registry that failed)."""
        if self.registry is None:
            self._open_region(self.region_id)
        else:
            self._load()

    @_reading_registry
    def _load(self) -> None:
        if self.registry is None:
            self._show_registry_error()
            return
        self._requery = False
        self._results_ids = set()
        selected = self.selected_application_id()
        self._applications = self.registry.list_applications()
        self._fill_applications(selected)
        self.model.set_query(self._current_query())
        self._update_counts()
        self._update_views()

    def _fill_applications(self, keep_id: int | None) -> None:
        lst = self.applications_list
        lst.blockSignals(True)
        lst.clear()
        total = sum(a.linked_count + a.needs_relink_count + a.revoked_count for a in self._applications)
        everything = QListWidgetItem(self.tr("All applications") + "\n"
                                     + count(total, self.tr("profile"), self.tr("profiles")))
        everything.setData(Qt.ItemDataRole.UserRole, None)
        everything.setToolTip(self.tr("Show the profiles of every application in this region"))
        font = everything.font()
        font.setBold(True)
        everything.setFont(font)
        lst.addItem(everything)
        current = everything
        for app in sorted(self._applications, key=lambda a: (a.status == "revoked", a.name.lower())):
            item = QListWidgetItem(self._application_text(app))
            item.setData(Qt.ItemDataRole.UserRole, app.id)
            item.setToolTip(self._application_tooltip(app))
            item.setIcon(icons.status_icon("revoked" if app.status == "revoked"
                                           else ("fail" if app.health else "active")))
            if app.status == "revoked":
                item.setForeground(lst.palette().color(lst.palette().ColorGroup.Disabled,
                                                        lst.palette().ColorRole.Text))
            lst.addItem(item)
            if app.id == keep_id:
                current = item
        lst.setCurrentItem(current)
        lst.blockSignals(False)

    def _update_application_items(self) -> None:
        """Show the applications' current counts in their list items (the items stay: no rebuild)."""
        by_id = {a.id: a for a in self._applications}
        lst = self.applications_list
        total = sum(a.linked_count + a.needs_relink_count + a.revoked_count for a in self._applications)
        for row in range(lst.count()):
            item = lst.item(row)
            app_id = item.data(Qt.ItemDataRole.UserRole)
            if app_id is None:
                item.setText(self.tr("All applications") + "\n"
                             + count(total, self.tr("profile"), self.tr("profiles")))
            elif app_id in by_id:
                item.setText(self._application_text(by_id[app_id]))

    def _all_applications_width(self, bold: QFont, layout: QVBoxLayout) -> int:
        """The applications panel's width that fits the bold "All applications" line beside a scroll bar."""
        lst = self.applications_list
        style = lst.style()
        text_margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, lst) + 1
        margins = layout.contentsMargins()
        return (QFontMetrics(bold).horizontalAdvance(self.tr("All applications")) + 2 * text_margin
                + 2 * lst.spacing() + 2 * lst.frameWidth() + margins.left() + margins.right()
                + style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, lst) + 4)

    def _application_text(self, app: Application) -> str:
        # The icon's colour and shape say the same as these words (colour is never the only signal).
        name = app.name + (self.tr(" (revoked)") if app.status == "revoked"
                           else self.tr(" (needs attention)") if app.health else "")
        parts = [self.tr("%s linked") % _fmt(app.linked_count)] if app.status != "revoked" else []
        if app.needs_relink_count:
            parts.append(count(app.needs_relink_count, self.tr("needs relink"), self.tr("need relink")))
        if app.revoked_count:
            parts.append(self.tr("%s revoked") % _fmt(app.revoked_count))
        counts = " · ".join(parts) or self.tr("no profiles")
        return f"{name}\n{provider_label(app.provider)} · {app.domain}\n{counts}"

    def _application_tooltip(self, app: Application) -> str:
        lines = [f"<b>{html.escape(app.name)}</b>",
                 self.tr("Platform: %s") % provider_label(app.provider),
                 self.tr("Domain: %s") % html.escape(app.domain),
                 self.tr("Status: %s") % (self.tr("revoked") if app.status == "revoked"
                                          else self.tr("active"))]
        if app.health:
            lines.append(self.tr("Problem with the application itself: %s") % html.escape(app.health))
        return "<br>".join(lines)

    def selected_application_id(self) -> int | None:
        item = self.applications_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _current_query(self, **changes: Any) -> ProfileQuery:
        query = ProfileQuery(
            search=self.profile_search.text().strip(),
            status=self.status_filter.currentData(),
            application_id=self.selected_application_id(),
            sort=self.model.query.sort,
            descending=self.model.query.descending,
        )
        return replace(query, **changes) if changes else query

    @Slot()
    def _on_search_edited(self) -> None:
        self._search_timer.start()

    @Slot()
    @_reading_registry
    def apply_filters(self) -> None:
        """Run the table's query with the current search, status and application (SQL, no proxy)."""
        self._search_timer.stop()
        if self.registry is None:
            return
        query = self._current_query()
        if query != self.model.query:
            try:
                self.model.set_query(query)
            except ConsoleError as exc:  # refused search text: say why, keep the previous rows
                self.statusBar().showMessage(exc.message, 8000)
                return
        self._update_views()

    @Slot()
    def clear_filters(self) -> None:
        self.profile_search.blockSignals(True)
        self.profile_search.clear()
        self.profile_search.blockSignals(False)
        self.status_filter.blockSignals(True)
        self.status_filter.setCurrentIndex(0)
        self.status_filter.blockSignals(False)
        self.applications_list.setCurrentRow(0)
        self.apply_filters()

    @Slot()
    def _on_application_selected(self) -> None:
        self.apply_filters()

    @Slot(QItemSelection, QItemSelection)
    def _on_profile_selection(self, *_: object) -> None:
        self._update_actions()
        selected = self._selected_row_count()
        if selected > 1:
            self.statusBar().showMessage(self.tr("%s profiles selected") % _fmt(selected), 4000)

    @_reading_registry
    def _update_counts(self) -> None:
        self._status_counts = dict(self.registry.status_counts()) if self.registry is not None else {}
        self._show_counts()

    def _show_counts(self) -> None:
        counts = self._status_counts
        total = sum(counts.values())
        parts = [count(total, self.tr("profile"), self.tr("profiles"))]
        for status in PROFILE_STATUSES:
            parts.append(self._status_count(status, counts.get(status, 0)))
        self.counts_status.setText(" · ".join(parts))
        self._total_profiles = total
        for index in range(1, self.status_filter.count()):
            status = self.status_filter.itemData(index)
            shown = f"{self._status_name(status)} ({_fmt(counts.get(status, 0))})"
            self.status_filter.setItemText(index, shown)
        self._linked_total = counts.get("linked", 0)

    def _status_name(self, status: str) -> str:
        """A profile status as the status filter names it ("Linked"), in the window's language."""
        names = {"linked": self.tr("Linked"), "needs_relink": self.tr("Needs relink"),
                 "revoked": self.tr("Revoked")}
        return names.get(status) or status_label(status)

    def _status_count(self, status: str, n: int) -> str:
        """The status bar's "541 linked", "1 needs relink", "35 need relink", "64 revoked"."""
        if status == "linked":
            return self.tr("%s linked") % _fmt(n)
        if status == "revoked":
            return self.tr("%s revoked") % _fmt(n)
        if status == "needs_relink":
            return count(n, self.tr("needs relink"), self.tr("need relink"))
        return f"{_fmt(n)} {status_label(status).lower()}"

    def _update_views(self) -> None:
        """Pick the page (welcome / dashboard / no match) and refresh the 'showing' line and actions."""
        if self.registry is None:
            self._show_registry_error()
            return
        if not self._applications:
            self._show_welcome()
        else:
            self.central.setCurrentWidget(self.splitter)
            shown = self.model.rowCount()
            total = self._total_profiles
            if self.model.rows_current() and self.model.loading():  # the count comes from a reader thread
                self.showing_label.setText(self.tr("Showing the first %s of %s · counting the matches…")
                                           % (_fmt(shown), _fmt(total)))
            else:
                self.showing_label.setText(self.tr("Showing %s of %s") % (_fmt(shown), _fmt(total)))
            if shown == 0:
                self._show_no_match()
                self.table_stack.setCurrentWidget(self.no_match)
            else:
                self.table_stack.setCurrentWidget(self.profiles_table)
                # Fitted once shown: a hidden table measures every row (a million at the limit), a shown
                # one the rows on screen.
                if not self._columns_fitted and not self._columns_chosen and self.profiles_table.isVisible():
                    self._fit_columns()
        self._update_actions()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if (not self._columns_fitted and not self._columns_chosen and self.profiles_table.isVisible()
                and self.model.rowCount()):
            self._fit_columns()

    def _fit_columns(self) -> None:
        """Size the address, name, application and platform columns to the rows on screen (once per region
        shown), within bounds, so addresses are not cut off and an empty column does not take room."""
        self._columns_fitted = True
        header = self.profiles_table.horizontalHeader()
        for column, (least, most) in _FITTED_COLUMNS.items():
            self.profiles_table.resizeColumnToContents(column)
            header.resizeSection(column, max(least, min(most, header.sectionSize(column))))

    def _show_welcome(self) -> None:
        region = self.region
        self.welcome.set_content(
            self.tr("Nothing is connected in %s yet") % region.display_label,
            self.tr(
                "<p>This console gives one application access to the calendars of your whole organisation "
                "through a single service account — on Exchange, Office 365 or Google Workspace — and keeps "
                "you in control of which calendars it can reach.</p>"
                "<p>The first step is <b>Add connection…</b>: pick the platform, enter the service account "
                "and prove that access works.</p>"
                "<p>Each region keeps its own applications. Looking for ones you added elsewhere? Switch "
                "region in the toolbar.</p>"),
            "app",
        )
        self.central.setCurrentWidget(self.welcome)

    def _show_no_match(self) -> None:
        query = self.model.query
        app = next((a for a in self._applications if a.id == query.application_id), None)
        filters: list[str] = []
        if query.search:
            filters.append(self.tr("email or name containing “%s”") % html.escape(query.search))
        if query.status:
            filters.append(self.tr("status %s") % self._status_name(query.status))
        if filters and app is not None:
            filters.append(self.tr("application %s") % html.escape(app.name))
        self.clear_filters_button.setVisible(bool(filters) or app is not None)
        if filters:
            self.clear_filters_button.setText(self.tr("&Clear search and filters"))
            items = "".join(f"<li>{f}</li>" for f in filters)
            self.no_match.set_content(
                self.tr("No profiles match"),
                self.tr("<p>No calendar profile in %s has all of:</p><ul>%s</ul>"
                        "<p>Check the spelling, search for part of the address, or clear the filters.</p>")
                % (html.escape(self.region.display_label), items), None)
        elif app is not None:
            self.clear_filters_button.setText(self.tr("Show &all applications"))
            self.no_match.set_content(
                self.tr("No calendars linked through %s yet") % app.name,
                self.tr("<p>This application has no linked calendar profiles yet. Use <b>Link profiles…</b> "
                        "(Ctrl+L) to find the calendars in its scope and link them.</p>"), "link-profiles")
        else:
            self.no_match.set_content(
                self.tr("No calendar profiles in %s yet") % self.region.display_label,
                self.tr("<p>Applications are connected, but no calendars are linked through them yet. "
                        "Pick an application on the left, then use <b>Link profiles…</b>.</p>"),
                "link-profiles")

    def _show_registry_error(self) -> None:
        path = ""
        try:
            path = str(Registry.path_for_region(self.region_id))
        except Exception:
            path = ""
        body = self.tr("<p>%s</p>") % html.escape(self._registry_error or self.tr("It is not open."))
        if path:
            body += self.tr("<p>File: %s</p>") % html.escape(path)
        body += self.tr("<p>Close other programs that may hold it, or restore it from a backup, then try "
                        "again. Other regions are not affected.</p>")
        self.error_state.set_content(
            self.tr("The %s registry cannot be opened") % self.region.display_label, body, None)
        self.central.setCurrentWidget(self.error_state)
        self.counts_status.setText("")
        self._update_actions()

    @property
    def role(self) -> str:
        """The registry's signed-in role ("admin" on SQLite, or with no registry open)."""
        return permissions.role_of(self.registry)

    def refused(self, action: str) -> str | None:
        """Why the signed-in role may not do `action` (ec_console.permissions), said in the status bar too;
        None when it may. Openers ask here, so a shortcut or a stale menu cannot start what is disabled."""
        why = permissions.refusal(self.role, action)
        if why is not None:
            self.statusBar().showMessage(why, 8000)
        return why

    def _update_actions(self) -> None:
        selection = ui_actions.Selection(
            registry_open=self.registry is not None,
            profiles_selected=self._selected_row_count(),
            application_selected=self.selected_application_id() is not None,
            linked_profiles=self._linked_total,
            blocked=self._inapplicable_profile_actions(),
            role=self.role,
        )
        ui_actions.update_action_states(self.actions, selection)
        add = self.actions["addConnectionAction"]
        self.welcome_add_button.setEnabled(add.isEnabled())
        self.welcome_add_button.setToolTip(add.statusTip())
        self.export_profiles_action.setEnabled(self.registry is not None)
        run_panel = getattr(self, "run_panel", None)
        if run_panel is not None and run_panel.running:
            for name in ("checkAllAction", "relinkProfileAction"):
                self.actions[name].setEnabled(False)
        app = self.selected_application()
        if app is not None and app.status != "active":
            for name in ("linkProfilesAction", "revokeApplicationAction"):
                self.actions[name].setEnabled(False)
        if getattr(self, "application_actions", None) is not None:
            self.application_actions.update()
        if getattr(self, "reconcile_actions", None) is not None:
            self.reconcile_actions.update()

    # ================================================================================ commands
    @Slot()
    def focus_search(self) -> None:
        if self.central.currentWidget() is self.splitter:
            self.profile_search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.profile_search.selectAll()

    @Slot()
    def open_dashboard(self) -> None:
        url = QUrl(self.region.dashboard_url)
        if not QDesktopServices.openUrl(url):
            self.statusBar().showMessage(self.tr("No browser could be opened. The dashboard is at %s")
                                         % self.region.dashboard_url, 10000)

    def open_setup_wizard(self, application: Application | None = None, *,
                          move_application: Application | None = None) -> Any:
        """The setup wizard (`setupWizard`) for a new application, or on `application` to edit it, or to
        move `move_application` (Exchange Online EWS) to Microsoft Graph."""
        action = (permissions.MOVE_APPLICATION if move_application is not None else
                  permissions.EDIT_APPLICATION if application is not None else permissions.ADD_APPLICATION)
        if self.refused(action):
            return None
        from ec_console.ui.wizard import SetupWizard

        wizard = SetupWizard(self.region_id, region=self.region, parent=self, registry=self.registry,
                             application=application, sandbox=self.sandbox_session, keychain=self.keychain,
                             registry_factory=self._registry_factory, move_application=move_application)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.application_saved.connect(lambda _app: self.refresh())
        wizard.open()
        return wizard

    def edit_selected_application(self) -> Any:
        if self.refused(permissions.EDIT_APPLICATION):
            return None
        app_id = self.selected_application_id()
        app = next((a for a in self._applications if a.id == app_id), None)
        if app is None or app.status != "active":
            return None
        return self.open_setup_wizard(app)

    def open_check_view(self, profile: Profile | None = None) -> Any:
        """The connectivity check window (`checkView`), one per main window. With `profile`: filled in with
        its application and mailbox (the secret comes from the keychain) and started at once."""
        from ec_console.ui.check_view import CheckView

        if self.check_view is None:
            self.check_view = CheckView(self.region_id, parent=self, registry_factory=self._registry_factory,
                                        store=self.operation_store)
            self.check_view.destroyed.connect(lambda *_: setattr(self, "check_view", None))
        self.check_view.set_region(self.region_id)
        self.check_view.show()
        self.check_view.raise_()
        self.check_view.activateWindow()
        if profile is not None:
            self.check_view.check_profile(profile.application_id, profile.email)
        return self.check_view

    def _testable_profile(self) -> Profile | None:
        """The one selected profile, when its application can still be checked (is not revoked)."""
        if self.registry is None or self._selected_row_count() != 1:
            return None
        rows = self.profiles_table.selectionModel().selectedRows()
        if len(rows) != 1:
            return None
        profile = self.model.profile(rows[0].row())
        active = {a.id for a in self._applications if a.status == "active"}
        return profile if profile is not None and profile.application_id in active else None

    @Slot()
    def test_selected_profile(self) -> Any:
        """Test connectivity of the selected profile: the check window, filled in and running."""
        profile = self._testable_profile()
        if profile is None:
            self.statusBar().showMessage(
                self.tr("Select one profile whose application is not revoked to test its connectivity."),
                8000)
            return None
        return self.open_check_view(profile)

    def test_profile(self, profile: Profile) -> Any:
        """Test connectivity of `profile` (from the detail pane), unless its application is revoked."""
        if profile.application_id not in {a.id for a in self._applications if a.status == "active"}:
            return None
        return self.open_check_view(profile)

    def _sync_details_test(self, details: Any) -> None:
        profile = details.profile
        revoked = profile.application_id not in {a.id for a in self._applications if a.status == "active"}
        self.details_pane.set_test_blocked(
            self.tr("Not possible: this profile's application has been revoked (its secret is deleted). Add "
                    "the connection again to reach the calendar.") if revoked else None)

    @Slot()
    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self.keychain, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot()
    def open_documentation(self) -> None:
        """Help › Documentation: the shipped pages (rendered) or the online guide, in the browser."""
        from ec_console.ui.documentation import open_documentation

        opened, url = open_documentation()
        if not opened:
            where = url.toLocalFile() if url.isLocalFile() else url.toString()
            self.statusBar().showMessage(self.tr("No browser could be opened. The documentation is at %s")
                                         % where, 15000)

    @Slot()
    def _open_log_folder(self) -> None:
        from ec_console import paths

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))

    def _build_language_menu(self, view_menu: QMenu) -> None:
        """View → Language: the system's language or one chosen; it applies at the next start."""
        language_menu = view_menu.addMenu(self.tr("&Language"))
        language_menu.setObjectName("languageMenu")
        self.language_group = QActionGroup(self)
        chosen = load_settings().get("language")
        choices = [("system", self.tr("&System default"))]
        # Each language is named in its own language, so whoever reads the menu finds theirs.
        choices += [(code, f"&{name}") for code, name in i18n.LANGUAGES.items()]
        for key, label in choices:
            action = QAction(label, self, checkable=True)
            action.setObjectName(f"languageAction_{key}")
            action.setData(key)
            action.setChecked(key == chosen if chosen in i18n.LANGUAGES else key == "system")
            self.language_group.addAction(action)
            language_menu.addAction(action)
        self.language_group.triggered.connect(self._on_language_chosen)
        self.language_note: QMessageBox | None = None

    @Slot(QAction)
    def _on_language_chosen(self, action: QAction) -> None:
        choice = action.data()
        try:
            save_setting("language", choice)
        except OSError as exc:
            self.statusBar().showMessage(
                self.tr("The language could not be saved: %s") % exc.strerror, 8000)
            return
        if choice == "system":
            text = self.tr("The console will follow the system's language the next time it starts.")
        else:
            text = self.tr("The console will be in %s the next time it starts.") % i18n.LANGUAGES[choice]
        note = QMessageBox(QMessageBox.Icon.Information, self.tr("Language"), text,
                           QMessageBox.StandardButton.Ok, self)
        note.setObjectName("languageNote")
        note.open()
        self.language_note = note

    @Slot(QAction)
    def _on_theme_chosen(self, action: QAction) -> None:
        choice = action.data()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, None if choice == "system" else choice)
        try:
            save_setting("theme", choice)
        except OSError as exc:
            self.statusBar().showMessage(
                self.tr("The appearance could not be saved: %s") % exc.strerror, 8000)

    @Slot(str)
    def _on_theme_changed(self, _scheme: str) -> None:
        ui_actions.refresh_icons(self.actions)
        self.open_dashboard_action.setIcon(icons.icon("open-dashboard"))
        self.refresh_action.setIcon(icons.icon("refresh"))
        for index in range(1, self.status_filter.count()):
            self.status_filter.setItemIcon(index, icons.status_icon(self.status_filter.itemData(index)))
        if self.registry is not None:
            self._fill_applications(self.selected_application_id())
            self.model.refresh()
        self._update_views()

    # ================================================================================ dashboard actions
    def operation_scope(self) -> Any:
        """Where background operations work: this region's registry file, opened by each worker."""
        from ec_console.ui.operations import Scope

        return Scope(self.region_id, self._registry_factory, self.operation_store, self.operation_adapters)

    def _selected_row_count(self) -> int:
        """How many rows are selected, from the selection's ranges (`selectedRows()` asks the model about
        every cell of every row: seconds for a select all of 100,000 rows)."""
        selection = self.profiles_table.selectionModel().selection()
        rows: set[tuple[int, int]] = {(r.top(), r.bottom()) for r in selection}
        count, reach = 0, -1
        for top, bottom in sorted(rows):  # ranges of whole rows; overlapping spans counted once
            if bottom > reach:
                count += bottom - max(top, reach + 1) + 1
                reach = bottom
        return count

    def selected_profile_ids(self) -> list[int]:
        """The selected profiles in row order: each selected range of rows is read as one range (a select
        all of a million rows is one read, not a page per 200 rows)."""
        spans = sorted({(r.top(), r.bottom()) for r in self.profiles_table.selectionModel().selection()})
        ids: list[int] = []
        seen: set[int] = set()
        for top, bottom in spans:
            for pid in self.model.profile_ids_between(top, bottom):
                if pid not in seen:
                    seen.add(pid)
                    ids.append(pid)
        return ids

    def _inapplicable_profile_actions(self) -> tuple[tuple[str, str], ...]:
        """Relink / Revoke profile when none of the selected profiles can take them, and Test connectivity
        unless exactly one profile of an active application is selected; each with why.

        A revoked profile can be relinked (that is how a revoke is undone), not revoked again; a profile
        of a revoked application can be neither. Large selections are not inspected row by row: the
        operations themselves skip what does not apply.
        """
        if self.registry is None or self._selected_row_count() > SELECTION_INSPECT_LIMIT:
            return ()  # not inspected row by row (the operations skip what does not apply)
        selected = self.profiles_table.selectionModel().selectedRows()
        if not selected or len(selected) > SELECTION_INSPECT_LIMIT:
            return ()
        revoked_apps = {a.id for a in self._applications if a.status != "active"}
        profiles = [p for p in (self.model.profile(index.row()) for index in selected) if p is not None]
        if not profiles:
            return ()
        under_revoked = [p for p in profiles if p.application_id in revoked_apps]
        one = len(profiles) == 1
        # Testing connectivity checks one calendar, through an application that still has its secret.
        test: tuple[tuple[str, str], ...] = () if one else (
            ("testProfileAction", self.tr("Select one profile to test its connectivity.")),)
        if len(under_revoked) == len(profiles):
            why = (self.tr("Not possible: this profile's application has been revoked (its secret is "
                           "deleted). Add the connection again to reach the calendar.") if one else
                   self.tr("Not possible: the applications of these profiles have been revoked (their "
                           "secrets are deleted). Add the connection again to reach the calendars."))
            return (("relinkProfileAction", why), ("revokeProfileAction", why), *(test or (
                ("testProfileAction", why),)))
        if all(p.status == "revoked" or p.application_id in revoked_apps for p in profiles):
            why = (self.tr("Not needed: this profile is already revoked. Relink it to undo the revoke.")
                   if one else
                   self.tr("Not needed: these profiles are already revoked. Relink them to undo the revoke."))
            return (("revokeProfileAction", why), *test)
        return test

    def selected_application(self) -> Application | None:
        app_id = self.selected_application_id()
        return next((a for a in self._applications if a.id == app_id), None)

    def update_action_states(self) -> None:
        self._update_actions()

    def results_arrived(self, results: list[Any] | None = None, *, now: bool = False) -> None:
        """Results of a run were written: refresh the window, merged (at most every RESULTS_REFRESH_MS).

        `results` (the run's `JobResult`s) carry each profile's status before and after: the counts shown
        are updated from them without reading the registry; without them the next refresh reads everything.
        """
        if results is None:
            self._requery = True
        else:
            self._count_results(results)
            self._results_ids.update(r.profile_id for r in results if r.profile_id is not None)
        if now:
            self._results_timer.stop()
            self._refresh_keeping_selection()
        elif not self._results_timer.isActive():
            self._results_timer.start()

    def _count_results(self, results: list[Any]) -> None:
        """Move the counts shown (the status counts and each application's) by what `results` changed."""
        moves: dict[tuple[int, str], int] = {}
        for result in results:
            after, before = result.status, result.previous_status
            if result.profile_id is None or after is None or after == before:
                continue
            app_id = result.job.application_id
            moves[(app_id, after)] = moves.get((app_id, after), 0) + 1
            if before is not None:
                moves[(app_id, before)] = moves.get((app_id, before), 0) - 1
        if not moves:
            return
        fields = {"linked": "linked_count", "needs_relink": "needs_relink_count", "revoked": "revoked_count"}
        apps = {a.id: a for a in self._applications}
        for (app_id, status), n in moves.items():
            self._status_counts[status] = max(0, self._status_counts.get(status, 0) + n)
            app, field = apps.get(app_id), fields.get(status)
            if app is not None and field is not None:
                apps[app_id] = app = replace(app, **{field: max(0, getattr(app, field) + n)})
        self._applications = [apps[a.id] for a in self._applications]

    @Slot()
    @_reading_registry
    def _refresh_keeping_selection(self) -> None:
        if self.registry is None:
            return
        if self.run_panel.running and not self.model.results_move_rows():
            # While a run streams results in, the listed rows stay where they are: show their new values
            # without re-running the sorted id query (150-250 ms at 100,000 profiles, on this thread),
            # and the counts moved by the results (`_count_results`) without counting again. The end of
            # the run does the full refresh.
            if self._requery:
                self._requery = False
                self._applications = self.registry.list_applications()
                self._fill_applications(self.selected_application_id())
                self._update_counts()
                self.model.reload_rows()
            else:
                self._update_application_items()
                self._show_counts()
                self.model.reload_profiles(self._results_ids)   # only rows that changed are repainted
            self._results_ids = set()
            self._update_views()
            if self.details_pane.isVisible():
                self.details_pane.reload()
            return
        wanted = set(self.selected_profile_ids())
        current = self.model.profile_id(self.profiles_table.currentIndex().row())
        scroll = self.profiles_table.verticalScrollBar().value()
        self._load()
        if wanted or current is not None:
            # Each kept profile's new row is looked up (a range count per profile, never the whole list);
            # a selection too large to inspect is not restored.
            selection = QItemSelection()
            last = self.model.columnCount() - 1
            rows = {pid: self.model.row_of(pid) for pid in sorted(wanted)[:SELECTION_INSPECT_LIMIT]}
            for row in rows.values():
                if row is not None:
                    selection.select(self.model.index(row, 0), self.model.index(row, last))
            current_row = -1
            if current is not None:
                found = rows[current] if current in rows else self.model.row_of(current)
                current_row = -1 if found is None else found
            flags = QItemSelectionModel.SelectionFlag
            self.profiles_table.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)
            if current_row >= 0:
                self.profiles_table.selectionModel().setCurrentIndex(self.model.index(current_row, 0),
                                                                     flags.NoUpdate)
        self.profiles_table.verticalScrollBar().setValue(scroll)
        if self.details_pane.isVisible():
            self.details_pane.reload()

    @Slot()
    @_reading_registry
    def revoke_selected_profiles(self) -> Any:
        """Confirm (naming them), then record the selected profiles revoked (audited by the core)."""
        from ec_console.ui import operations
        from ec_console.ui.profile_details import RevokeProfilesDialog

        ids = self.selected_profile_ids()
        if not ids or self.registry is None or self.refused(permissions.REVOKE_PROFILES):
            return None
        emails = [p.email for p in self.registry.profiles_by_ids(ids)]
        seen = self._seen_versions()
        dialog = RevokeProfilesDialog(emails, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        scope = self.operation_scope()

        def finished(_result: int) -> None:
            if not dialog.confirmed():
                return
            operations.revoke_profiles(
                self, scope, ids, seen=seen,
                on_done=lambda results: self._after_revoke(results, scope.region_id),
                on_error=self._after_failed_change, not_done=self.tr("Not revoked: "))

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def _seen_versions(self) -> dict[int, int]:
        """The version of each selected profile as the table shows it (what the person decided on); rows
        not read into the table yet, and selections too large to inspect row by row, are left out (their
        action is not checked against a version)."""
        seen: dict[int, int] = {}
        if self._selected_row_count() > SELECTION_INSPECT_LIMIT:
            return seen
        for index in self.profiles_table.selectionModel().selectedRows():
            profile = self.model.profile(index.row())
            if profile is not None:
                seen[profile.id] = profile.version
        return seen

    def registry_unreachable(self, message: str) -> None:
        """Say in the status bar that the registry could not be read (what shows is kept)."""
        self.statusBar().showMessage(message, 15000)

    def _after_failed_change(self, message: str) -> None:
        """A change was refused (another console changed the row first, or the registry said no): read the
        list again so what shows is what is true, then say why."""
        self.results_arrived(now=True)       # first: re-selecting the rows would hide the message
        self.statusBar().showMessage(message, 15000)

    def _after_revoke(self, results: list[Any], region_id: str) -> None:
        changed = sum(1 for r in results if r.changed)
        self.results_arrived(now=True)       # first: re-selecting the rows would hide the message
        self.statusBar().showMessage(
            self.tr("%s revoked in %s; the platform step is in each profile's details")
            % (count(changed, self.tr("profile"), self.tr("profiles")),
               self.catalog.regions[region_id].display_label), 15000)

    @Slot()
    @_reading_registry
    def relink_selected_profiles(self) -> Any:
        """Probe the selected profiles again (background, progress in the status bar, cancellable)."""
        from ec_console.ui import operations
        from ec_console.ui.check_all import saved_concurrency, start_run

        ids = self.selected_profile_ids()
        if not ids or self.refused(permissions.RELINK_PROFILES):
            return None
        scope = self.operation_scope()
        seen = self._seen_versions()

        def begin(feed: Any, progress: Any, done: Any, failed: Any) -> Any:
            return operations.relink_profiles(self, scope, ids, feed=feed, concurrency=saved_concurrency(),
                                              on_progress=progress, on_done=done, on_error=failed, seen=seen)

        return start_run(self, self.tr("Relink"), begin)

    @_reading_registry
    def start_check_all(self, concurrency: int | None = None) -> Any:
        """Check all: ask for the concurrency (unless given), then run it with progress in the status bar."""
        from ec_console.ui import operations
        from ec_console.ui.check_all import CheckAllDialog, check_all_note, start_run

        scope = self.operation_scope()

        def run(value: int) -> Any:
            def begin(feed: Any, progress: Any, done: Any, failed: Any) -> Any:
                return operations.check_all(self, scope, concurrency=value, feed=feed, on_progress=progress,
                                            on_done=done, on_error=failed)

            return start_run(self, self.tr("Check all"), begin, summary_of=lambda result: result[1],
                             note_of=lambda result: check_all_note(result[0]))

        if concurrency is not None:
            return run(concurrency)
        counts = self.registry.status_counts() if self.registry is not None else {}
        to_check = counts.get("linked", 0) + counts.get("needs_relink", 0)
        dialog = CheckAllDialog(to_check, self.region.display_label, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: run(dialog.concurrency.value()))
        dialog.open()
        return dialog

    @Slot()
    def open_link_dialog(self) -> Any:
        from ec_console.ui.link_dialog import LinkProfilesDialog

        app = self.selected_application()
        if app is None or app.status != "active" or self.registry is None or \
                self.refused(permissions.LINK_PROFILES):
            return None
        dialog = LinkProfilesDialog(app, self.operation_scope(), self.registry, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.results_written.connect(lambda: self.results_arrived())
        dialog.finished.connect(lambda _r: self.results_arrived(now=True))
        dialog.open()
        return dialog

    @Slot()
    def revoke_selected_application(self) -> Any:
        from ec_console.ui.revoke_application import RevokeApplicationDialog

        app = self.selected_application()
        if app is None or app.status != "active" or self.registry is None or \
                self.refused(permissions.REVOKE_APPLICATION):
            return None
        dialog = RevokeApplicationDialog(app, self.operation_scope(), self.registry, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.revoked.connect(lambda _app: self.results_arrived(now=True))
        dialog.open()
        return dialog

    @Slot()
    def open_audit_log(self) -> Any:
        from ec_console.ui.audit_view import AuditLogDialog

        dialog = AuditLogDialog(self.operation_scope(), self.region.display_label, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot()
    def open_health_history(self) -> Any:
        from ec_console.ui.health_history import HealthHistoryDialog

        dialog = HealthHistoryDialog(self.operation_scope(), self.region.display_label, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot()
    def export_profiles_csv(self) -> Any:
        """File › Export profile list (CSV)…: the profiles shown, as shown (`ui/export_profiles.py`)."""
        from ec_console.ui.export_profiles import export_profiles

        return export_profiles(self)

    @Slot()
    def show_profile_details(self, index: Any = None) -> None:
        if index is None or not index.isValid():
            index = self.profiles_table.currentIndex()
        row = index.row()
        profile_id = self.model.profile_id(row)
        if profile_id is not None:
            self.details_pane.show_profile(profile_id)

    def _profiles_menu(self, pos: Any) -> None:
        if not self.selected_profile_ids():
            return
        menu = QMenu(self)
        menu.setObjectName("profilesContextMenu")
        menu.setToolTipsVisible(True)
        details = menu.addAction(self.tr("&Details"))
        details.triggered.connect(lambda: self.show_profile_details())
        menu.addAction(self.actions["testProfileAction"])
        menu.addSeparator()
        menu.addAction(self.actions["relinkProfileAction"])
        menu.addAction(self.actions["revokeProfileAction"])
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.profiles_table.viewport().mapToGlobal(pos))

    # ================================================================================ keychain
    def _query_keychain(self) -> None:
        run_in_background(self, lambda _ctx: keychain_status(), on_success=self.set_keychain,
                          on_failure=lambda exc: self.set_keychain(f"unavailable: {exc}"))

    def set_keychain(self, description: str) -> None:
        self.keychain = description
        self._show_keychain()
        # A setup wizard opened while the keychain was still being asked learns the answer too (found by
        # its object name, so the wizard's module is not imported at start-up).
        for wizard in self.findChildren(QWidget, "setupWizard"):
            if getattr(wizard, "keychain", None) == CHECKING:
                wizard.set_keychain(description)  # type: ignore[attr-defined]

    def _show_keychain(self) -> None:
        unavailable = self.keychain.startswith("unavailable:")
        shown = self.tr("unavailable — see Help › About") if unavailable else self.keychain
        self.keychain_status.setText(self.tr("Keychain: %s") % shown)
        self.keychain_status.setToolTip(
            self.tr("Where the console keeps service-account secrets:\n%s") % self.keychain)

    # ================================================================================ geometry
    def _restore_geometry(self) -> None:
        saved = load_settings().get(GEOMETRY_KEY)
        if not isinstance(saved, dict) or not self._restore_saved(saved):
            self.resize(1280, 780)

    def _restore_saved(self, saved: dict[str, Any]) -> bool:
        try:
            restored = self.restoreGeometry(QByteArray(base64.b64decode(saved.get("geometry", ""))))
            if saved.get("splitter"):
                self.splitter.restoreState(QByteArray(base64.b64decode(saved["splitter"])))
            widths = saved.get("columns")
            if isinstance(widths, list) and len(widths) == len(COLUMNS):
                header = self.profiles_table.horizontalHeader()
                for column, width in enumerate(widths):
                    if isinstance(width, int) and 20 <= width <= 2000:
                        header.resizeSection(column, width)
                self._columns_chosen = True      # the admin's own widths: never fitted over
            return bool(restored)
        except (ValueError, TypeError):
            return False

    def save_geometry(self) -> None:
        header = self.profiles_table.horizontalHeader()
        value = {
            "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii"),
            "splitter": base64.b64encode(bytes(self.splitter.saveState().data())).decode("ascii"),
            "columns": [header.sectionSize(column) for column in range(len(COLUMNS))],
        }
        try:
            save_setting(GEOMETRY_KEY, value)
        except OSError:
            log.warning("The window size could not be saved", exc_info=True)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_geometry()
        self._search_timer.stop()
        self._results_timer.stop()
        if self.run_panel.running:
            self.run_panel.cancel()
        self._close_registry()
        if self.sandbox_session is not None:
            self.sandbox_session.stop()
        super().closeEvent(event)
