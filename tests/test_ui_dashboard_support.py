"""Shared set-up for the dashboard GUI tests (no tests here): the EWS sandbox, an application added and
profiles linked through the core, and a main window on the region.

Imported by tests/test_ui_dashboard*.py, test_ui_link.py, test_ui_revoke*.py, test_ui_check_all.py and
test_ui_audit.py.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel
from sandbox_setup import APP_NAME, add_ews_application

from ec_console import dashboard
from ec_console.registry import Registry
from ec_console.secrets import default_store
from ec_console.ui import tasks
from ec_console.ui.app import create_main_window
from ec_console.ui.main_window import MainWindow
from ec_console.ui.profiles_model import COL_EMAIL


def add_sandbox_app(sandbox, region_id: str = "us", name: str = APP_NAME):
    """The sandbox's service account as an application of `region_id`, through the core (secret stored in
    the console's own credential store, which the GUI's operations use)."""
    with Registry.for_region(region_id) as registry:
        return add_ews_application(sandbox, registry, default_store(), name).application


def link_through_core(app, emails, region_id: str = "us") -> None:
    with Registry.for_region(region_id) as registry:
        dashboard.link_profiles(registry, app, list(emails), store=default_store())


def profile_status(email: str, region_id: str = "us") -> tuple[str, str | None]:
    with Registry.for_region(region_id) as registry:
        [profile] = [p for p in registry.list_profiles() if p.email == email]
        return profile.status, profile.last_diagnosis


def audit_actions(region_id: str = "us") -> list[tuple[str, str]]:
    with Registry.for_region(region_id) as registry:
        return [(e.action, e.subject) for e in registry.audit_entries()]


@pytest.fixture
def open_window(qtbot):
    made: list[MainWindow] = []

    def make(region_id: str = "us") -> MainWindow:
        window = create_main_window(region_id, keychain="Test keychain")
        qtbot.addWidget(window)
        window.resize(1280, 780)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
    tasks.shutdown_pools()


def emails(window: MainWindow) -> list[str]:
    model = window.model
    return [model.data(model.index(row, COL_EMAIL)) for row in range(model.rowCount())]


def row_of(window: MainWindow, email: str) -> int:
    return emails(window).index(email)


def select_emails(window: MainWindow, *wanted: str) -> None:
    table = window.profiles_table
    selection = table.selectionModel()
    selection.clearSelection()
    for email in wanted:
        index = window.model.index(row_of(window, email), 0)
        flags = QItemSelectionModel.SelectionFlag
        selection.select(index, flags.Select | flags.Rows)
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)


def select_application(window: MainWindow, name: str) -> None:
    apps = window.applications_list
    for index in range(apps.count()):
        if apps.item(index).text().startswith(name):
            apps.setCurrentRow(index)
            return
    raise AssertionError(f"no application {name!r} in the list")


def status_in_table(window: MainWindow, email: str) -> str:
    from ec_console.ui.profiles_model import COL_STATUS

    return window.model.data(window.model.index(row_of(window, email), COL_STATUS))
