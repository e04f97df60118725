"""The main window as a helpdesk member of a shared registry: the role in the status bar, every action the
role may not do disabled with the reason in its tooltip and status tip (through selection changes too),
what it may do still enabled, and a refusal by the database after all shown as a plain message."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QPushButton, QToolBar
from test_ui_dashboard_support import open_window, row_of  # noqa: F401 - fixture

from ec_console import dashboard
from ec_console.errors import RoleRefused
from ec_console.registry import Registry

WHY = "Your registry role is helpdesk: "

# What a helpdesk member may not do in the window (the actions' object names).
REFUSED = ("addConnectionAction", "linkProfilesAction", "relinkProfileAction", "revokeProfileAction",
           "revokeApplicationAction", "editApplicationAction", "moveToGraphAction", "reconcileAction")
# What stays enabled with a profile of an active application selected.
ALLOWED = ("checkAllAction", "testProfileAction", "testConnectivityAction", "importCredentialAction")


@pytest.fixture
def seeded():
    with Registry.for_region("us") as registry:
        app = registry.add_application("Contoso EWS", "exchange", "contoso.com",
                                       {"ews_url": "https://mail.contoso.com/EWS/Exchange.asmx"})
        for email in ("ann@contoso.com", "bob@contoso.com", "cat@contoso.com"):
            registry.add_profile(app.id, email, email.split("@")[0].title())
    return app


@pytest.fixture
def helpdesk(monkeypatch):
    """Every registry opened is a shared one, signed in as alex, a helpdesk member."""
    opened = Registry.__init__

    def signed_in_as_helpdesk(self, *args, **kwargs):
        opened(self, *args, **kwargs)
        self.role, self.engine = "helpdesk", "postgresql"
        self.signed_in_as, self.where = "alex", "db.example.com/ec"

    monkeypatch.setattr(Registry, "__init__", signed_in_as_helpdesk)
    # the window would start listening to the shared database for other consoles' changes: there is none here
    monkeypatch.setattr(Registry, "target", None)


def _click_row(qtbot, window, email: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    table = window.profiles_table
    rect = table.visualRect(window.model.index(row_of(window, email), 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def _click_application(qtbot, window, name: str) -> None:
    apps = window.applications_list
    item = next(apps.item(i) for i in range(apps.count()) if apps.item(i).text().startswith(name))
    qtbot.mouseClick(apps.viewport(), Qt.MouseButton.LeftButton, pos=apps.visualItemRect(item).center())


def _action(window, name: str) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def _assert_role_state(window, *, one_profile: bool = True) -> None:
    for name in REFUSED:
        action = _action(window, name)
        assert not action.isEnabled(), name
        tip = action.toolTip()
        assert WHY in tip and tip.rstrip().endswith("is for an administrator."), name
        assert action.statusTip().startswith(WHY), name
    for name in ALLOWED:
        if name == "testProfileAction" and not one_profile:    # it tests one profile
            continue
        assert _action(window, name).isEnabled(), name
        assert WHY not in _action(window, name).toolTip(), name


def test_the_status_bar_names_the_role_the_login_and_the_database(qtbot, open_window, seeded, helpdesk):  # noqa: F811
    window = open_window()
    label = window.findChild(QLabel, "roleStatus")
    assert label.isVisible()
    assert label.text() == "Helpdesk · alex on db.example.com/ec"


def test_on_sqlite_the_user_is_the_administrator_and_nothing_new_shows(qtbot, open_window, seeded):  # noqa: F811
    window = open_window()
    assert not window.findChild(QLabel, "roleStatus").isVisible()
    _click_application(qtbot, window, "Contoso EWS")
    _click_row(qtbot, window, "ann@contoso.com")
    for name in REFUSED:
        if name != "moveToGraphAction":      # only an Exchange Online EWS application moves to Graph
            assert _action(window, name).isEnabled(), name
        assert WHY not in _action(window, name).toolTip(), name


def test_the_helpdesk_finds_admin_actions_disabled_saying_why_through_selection_changes(
        qtbot, open_window, seeded, helpdesk):  # noqa: F811
    window = open_window()
    _click_application(qtbot, window, "Contoso EWS")
    _click_row(qtbot, window, "ann@contoso.com")
    assert window.selected_profile_ids()
    _assert_role_state(window)
    # the window's own enabling runs again on every selection change: the role stays one of its inputs
    _click_row(qtbot, window, "cat@contoso.com", Qt.KeyboardModifier.ControlModifier)
    assert len(window.selected_profile_ids()) == 2
    _assert_role_state(window, one_profile=False)
    _click_row(qtbot, window, "bob@contoso.com")
    _assert_role_state(window)
    assert _action(window, "revokeProfileAction").toolTip().rstrip().endswith(
        "revoking a profile is for an administrator.")
    # the toolbar's buttons are the same actions: disabled, and a click does nothing
    bar = window.findChild(QToolBar)
    button = bar.widgetForAction(_action(window, "revokeProfileAction"))
    assert button is not None and not button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.findChild(QMessageBox, "revokeProfilesConfirm") is None


def test_the_delete_key_does_not_start_a_revoke_for_the_helpdesk(qtbot, open_window, seeded, helpdesk):  # noqa: F811
    window = open_window()
    qtbot.waitExposed(window)
    _click_row(qtbot, window, "ann@contoso.com")
    window.activateWindow()
    window.profiles_table.setFocus()
    qtbot.keyClick(window.profiles_table, Qt.Key.Key_Delete)
    assert window.findChild(QMessageBox, "revokeProfilesConfirm") is None
    assert window.revoke_selected_profiles() is None          # asked directly: refused, and said why
    assert window.statusBar().currentMessage() == \
        "Your registry role is helpdesk: revoking a profile is for an administrator."
    with Registry.for_region("us") as registry:
        assert {p.status for p in registry.list_profiles()} == {"linked"}


def test_the_applications_context_menu_says_why(qtbot, open_window, seeded, helpdesk):  # noqa: F811
    window = open_window()
    apps = window.applications_list
    item = next(apps.item(i) for i in range(apps.count()) if apps.item(i).text().startswith("Contoso EWS"))
    window.application_actions._menu(apps.visualItemRect(item).center())
    menu = window.findChild(QMenu, "applicationsContextMenu")
    assert menu is not None
    wizard = next(a for a in menu.actions() if a.objectName() == "editSettingsAction")
    assert not wizard.isEnabled() and wizard.toolTip().startswith(WHY)
    assert not next(a for a in menu.actions() if a.objectName() == "removeApplicationAction").isEnabled()
    assert next(a for a in menu.actions() if a.objectName() == "importCredentialAction").isEnabled()
    menu.close()


def test_the_welcome_page_add_button_is_disabled_for_the_helpdesk(qtbot, open_window, helpdesk):  # noqa: F811
    window = open_window()          # an empty registry: the welcome page
    button = window.findChild(QPushButton, "welcomeAddConnection")
    assert button.isVisible() and not button.isEnabled()
    assert button.toolTip() == \
        "Your registry role is helpdesk: adding an application is for an administrator."
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.findChild(QAction, "addConnectionAction").isEnabled() is False


def test_a_refusal_by_the_database_after_all_is_a_plain_message(qtbot, open_window, seeded, monkeypatch):  # noqa: F811
    """The window let the revoke start (its role said admin); the database refused it: a sentence in the
    status bar, no traceback, nothing changed."""
    def refused(*_args, **_kwargs):
        raise RoleRefused("Your registry role is helpdesk: revoking a profile is for an administrator.")

    monkeypatch.setattr(dashboard, "revoke_profiles", refused)
    window = open_window()
    _click_row(qtbot, window, "ann@contoso.com")
    _action(window, "revokeProfileAction").trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "revokeProfilesConfirm") is not None)
    window.findChild(QMessageBox, "revokeProfilesConfirm").revoke_button.click()
    qtbot.waitUntil(lambda: WHY in window.statusBar().currentMessage())
    assert "Traceback" not in window.statusBar().currentMessage()
    with Registry.for_region("us") as registry:
        assert {p.status for p in registry.list_profiles()} == {"linked"}


# ------------------------------------------------------------------------ two consoles on one registry

def test_a_revoke_confirmed_after_another_console_revoked_says_so_and_refreshes(qtbot, open_window, seeded):  # noqa: F811
    from test_ui_dashboard_support import status_in_table

    window = open_window()
    _click_row(qtbot, window, "ann@contoso.com")
    assert status_in_table(window, "ann@contoso.com") == "Linked"
    _action(window, "revokeProfileAction").trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "revokeProfilesConfirm") is not None)
    with Registry.for_region("us") as other_console:      # meanwhile, on another desktop
        [ann] = [p for p in other_console.list_profiles() if p.email == "ann@contoso.com"]
        dashboard.revoke_profiles(other_console, [ann.id])
    window.findChild(QMessageBox, "revokeProfilesConfirm").revoke_button.click()
    qtbot.waitUntil(lambda: "Someone else" in window.statusBar().currentMessage())
    assert window.statusBar().currentMessage() == \
        "Someone else changed this profile (now: revoked) — the list has been refreshed; nothing was done"
    qtbot.waitUntil(lambda: status_in_table(window, "ann@contoso.com") == "Revoked")
    with Registry.for_region("us") as registry:
        assert [e.action for e in registry.audit_entries()] == ["profile_revoked"]    # the other's only
