"""Link profiles through the dialog against the EWS sandbox: paste (with per-line errors), CSV import,
discover (and cancel it), preview check boxes, link with streamed results; awkward mailboxes are not
linked (no profile) with their reasons, a throttled one says to try again later, and the dialog says when
Exchange asks to wait."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog
from sandbox_setup import sandbox_fixture
from test_ui_dashboard_support import (
    APP_NAME,
    add_sandbox_app,
    audit_actions,
    emails,
    open_window,  # noqa: F401 - fixture
    select_application,
)

from ec_console.sandbox import Sandbox
from ec_console.ui.link_dialog import COL_RESULT, LinkProfilesDialog

pytestmark = pytest.mark.slow


sandbox = sandbox_fixture("module", throttle_back_off_ms=50)


@pytest.fixture
def dialog(qtbot, open_window, sandbox):  # noqa: F811
    add_sandbox_app(sandbox)
    window = open_window()
    select_application(window, APP_NAME)
    action = window.findChild(QAction, "linkProfilesAction")
    assert action.isEnabled()
    action.trigger()
    found = window.findChild(LinkProfilesDialog, "linkProfilesDialog")
    assert found is not None and found.isVisible()
    return window, found


def _rows(dialog: LinkProfilesDialog) -> dict[str, str]:
    model = dialog.model
    return {model.item(r, 0).text(): model.item(r, COL_RESULT).text() for r in range(model.rowCount())}


def _paste(qtbot, dialog: LinkProfilesDialog, text: str) -> None:
    before = dialog.problems.count()
    dialog.tabs.setCurrentIndex(1)
    dialog.paste_box.setPlainText(text)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.add_button.isEnabled() and dialog.problems.count() != before or
                    dialog.problems.count() > 0 and dialog.add_button.isEnabled())


def test_paste_link_and_see_the_awkward_ones_not_linked_with_reasons(qtbot, dialog, sandbox):
    window, dlg = dialog
    info = sandbox.info()
    good = list(info.mailboxes_in_scope[:3])
    awkward = {info.mailbox_out_of_scope: "impersonation_denied",
               info.mailbox_nonexistent: "mailbox_not_found", info.mailbox_ews_blocked: "ews_blocked",
               info.mailbox_folder_denied: "folder_access_denied"}
    busy = info.mailbox_throttled
    text = "\n".join([*good, *awkward, busy, "not an address", good[0].upper()])
    _paste(qtbot, dlg, text)
    problems = [dlg.problems.item(i).text() for i in range(dlg.problems.count())]
    assert any(line.startswith("Line 9:") for line in problems), problems   # the bad line, by number
    assert sorted(_rows(dlg)) == sorted([*good, *awkward, busy])           # the duplicate dropped
    assert dlg.count_label.text() == "8 of 8 chosen"
    # "Check all" is the dashboard's re-probe: ticking every row is "Select all".
    assert [dlg.select_all_button.text(), dlg.select_none_button.text()] == ["Select &all", "Select &none"]

    qtbot.mouseClick(dlg.select_none_button, Qt.MouseButton.LeftButton)
    assert dlg.count_label.text() == "0 of 8 chosen" and not dlg.link_button.isEnabled()
    qtbot.mouseClick(dlg.select_all_button, Qt.MouseButton.LeftButton)
    assert dlg.link_button.isEnabled() and "8" in dlg.link_button.text()

    qtbot.mouseClick(dlg.link_button, Qt.MouseButton.LeftButton)
    assert not dlg.close_button.isEnabled()                                   # no closing mid-run
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=60000)
    assert dlg.status.text() == ("Done: 3 linked, 4 not linked, 1 to try again later. Link it again later "
                                 "to finish")
    rows = _rows(dlg)
    assert all(rows[email] == "Linked" for email in good)
    for email, code in awkward.items():
        assert rows[email].startswith("Not linked: " + code), rows[email]
    assert rows[busy].startswith("Try again later: throttled"), rows[busy]
    row = dlg._rows[info.mailbox_out_of_scope.lower()]
    tip = dlg.model.item(row, COL_RESULT).toolTip()
    assert "impersonat" in tip.lower() and tip != rows[info.mailbox_out_of_scope]   # the cause and the fix
    assert ("profile_not_linked", info.mailbox_out_of_scope) in audit_actions()
    # The one to try again later stays ticked: Link runs the same link again for it alone.
    assert dlg.chosen() == [(busy, "")] and dlg.link_button.text() == "&Link 1 calendar"
    dlg.close_button.click()
    qtbot.waitUntil(lambda: len(emails(window)) == 3)            # only the linked ones are profiles
    assert sorted(emails(window)) == sorted(good)


def test_the_dialog_says_when_exchange_asks_to_wait(qtbot, dialog, sandbox):
    _window, dlg = dialog
    info = sandbox.info()
    sandbox.org.throttle_back_off_ms = 1000
    try:
        _paste(qtbot, dlg, info.mailbox_throttled)
        qtbot.mouseClick(dlg.link_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Paused" in dlg.status.text(), timeout=30000)
        assert dlg.status.text().startswith("Paused 1 s: Exchange is throttling this service account")
        qtbot.waitUntil(lambda: dlg.summary is not None, timeout=60000)
    finally:
        sandbox.org.throttle_back_off_ms = 50
    assert "Paused" not in dlg.status.text() and "1 to try again later" in dlg.status.text()


def test_already_linked_accounts_are_shown_but_not_offered(qtbot, dialog, sandbox):
    window, dlg = dialog
    first = sandbox.info().mailboxes_in_scope[0]
    _paste(qtbot, dlg, first)
    qtbot.mouseClick(dlg.link_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=30000)
    dlg.close_button.click()

    window.findChild(QAction, "linkProfilesAction").trigger()
    again = [d for d in window.findChildren(LinkProfilesDialog) if d.isVisible()][-1]
    second = sandbox.info().mailboxes_in_scope[1]
    _paste(qtbot, again, f"{first}\n{second}")
    qtbot.waitUntil(lambda: _rows(again)[first].startswith("Already linked"))
    assert again.count_label.text() == "1 of 2 chosen"
    assert again.chosen() == [(second, "")]
    again.reject()


def test_import_a_get_mailbox_csv(qtbot, dialog, sandbox, tmp_path, monkeypatch):
    _window, dlg = dialog
    info = sandbox.info()
    csv_file = tmp_path / "mailboxes.csv"
    csv_file.write_text('#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox\n'
                        '"DisplayName","PrimarySmtpAddress"\n'
                        f'"One","{info.mailboxes_in_scope[0]}"\n'
                        '"Broken","nobody-at-all"\n'
                        f'"Two","{info.mailboxes_in_scope[1]}"\n', encoding="utf-8-sig")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv_file), "CSV"))
    dlg.tabs.setCurrentIndex(1)
    qtbot.mouseClick(dlg.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.model.rowCount() == 2 and dlg.problems.count() == 2)
    assert dlg.problems.item(1).text().startswith("Line 4:")
    assert sorted(_rows(dlg)) == sorted(info.mailboxes_in_scope[:2])


def test_discover_lists_the_scoping_group(qtbot, dialog, sandbox):
    _window, dlg = dialog
    qtbot.mouseClick(dlg.discover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.discovery is None, timeout=30000)
    found = len(_rows(dlg))                 # the list was empty: every account found is new in it
    assert f"{found} accounts in scope, {found} new in the list." in dlg.discover_status.text()
    assert set(sandbox.info().mailboxes_in_scope) <= set(_rows(dlg))
    assert dlg.discover_button.isEnabled()


def test_discover_can_be_cancelled(qtbot, dialog, sandbox):
    _window, dlg = dialog
    sandbox.ews_server.latency = 0.5
    try:
        qtbot.mouseClick(dlg.discover_button, Qt.MouseButton.LeftButton)
        assert dlg.discover_cancel.isEnabled()
        qtbot.mouseClick(dlg.discover_cancel, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.discovery is None, timeout=15000)
    finally:
        sandbox.ews_server.latency = 0.0
    assert dlg.discover_status.text().startswith("Cancelled")
    assert dlg.model.rowCount() == 0


# --- what discovery pre-ticks ----------------------------------------------------------------------------


def _ticked(dialog: LinkProfilesDialog) -> dict[str, bool]:
    model = dialog.model
    return {model.item(r, 0).text(): model.item(r, 0).checkState() == Qt.CheckState.Checked
            for r in range(model.rowCount())}


def _discover(qtbot, dlg: LinkProfilesDialog, monkeypatch, accounts) -> None:
    from ec_console import dashboard
    from ec_console.providers.base import Enumeration

    monkeypatch.setattr(dashboard, "discover_accounts", lambda *a, **k: Enumeration(list(accounts)))
    dlg.tabs.setCurrentIndex(0)
    qtbot.mouseClick(dlg.discover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.discovery is None, timeout=30000)


def test_discovery_never_pre_ticks_administrators_or_executives(qtbot, dialog, monkeypatch):
    from ec_console.providers.base import Account

    _window, dlg = dialog
    _discover(qtbot, dlg, monkeypatch, [
        Account("ann@gsandbox.example", "Ann", screened=True),
        Account("root@gsandbox.example", "Root", "super administrator", screened=True),
        Account("helpdesk@gsandbox.example", "Help", "administrator", screened=True),
        Account("ceo@gsandbox.example", "Chief", "executive", screened=True)])
    assert _ticked(dlg) == {"ann@gsandbox.example": True, "root@gsandbox.example": False,
                            "helpdesk@gsandbox.example": False, "ceo@gsandbox.example": False}
    assert _rows(dlg)["root@gsandbox.example"] == "Not ticked: super administrator"
    assert _rows(dlg)["ceo@gsandbox.example"] == "Not ticked: executive"
    assert dlg.count_label.text() == "1 of 4 chosen"
    assert "Not ticked: 3 administrators or executives." in dlg.discover_status.text()
    qtbot.mouseClick(dlg.select_all_button, Qt.MouseButton.LeftButton)     # the admin may still choose them
    assert dlg.count_label.text() == "4 of 4 chosen"


def test_discovery_pre_ticks_nothing_beyond_a_handful(qtbot, dialog, monkeypatch):
    from ec_console.providers.base import Account

    _window, dlg = dialog
    many = [Account(f"user{i}@gsandbox.example", screened=True) for i in range(6)]
    _discover(qtbot, dlg, monkeypatch, many)
    assert not any(_ticked(dlg).values()) and dlg.count_label.text() == "0 of 6 chosen"
    assert not dlg.link_button.isEnabled()
    assert "Nothing is ticked: with more than 5 accounts" in dlg.discover_status.text()
    qtbot.mouseClick(dlg.select_all_button, Qt.MouseButton.LeftButton)
    assert all(_ticked(dlg).values()) and dlg.link_button.isEnabled()
    qtbot.mouseClick(dlg.select_none_button, Qt.MouseButton.LeftButton)
    assert not any(_ticked(dlg).values())


def test_discovery_pre_ticks_nothing_the_platform_said_nothing_about(qtbot, dialog, monkeypatch):
    from ec_console.providers.base import Account

    _window, dlg = dialog
    _discover(qtbot, dlg, monkeypatch, [Account("member@contoso.example"), Account("other@contoso.example")])
    assert _ticked(dlg) == {"member@contoso.example": False, "other@contoso.example": False}
    assert "does not say which of these accounts are administrators" in dlg.discover_status.text()


@pytest.fixture(scope="module")
def google_sandbox():
    with Sandbox(google=True) as sb:
        yield sb


def test_google_discovery_lists_the_domain_with_nothing_ticked_and_says_who_is_an_admin(
        qtbot, open_window, google_sandbox):  # noqa: F811
    from ec_console.registry import Registry
    from ec_console.sandbox.google.org import DELEGATED_ADMIN, OUTSIDE_GROUP
    from ec_console.wizard import Platform, SetupFlow

    flow = SetupFlow("us")
    flow.choose_platform(Platform.GOOGLE)
    assert flow.fill_from_sandbox(google_sandbox.info(), google_sandbox.google.info()) == []
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    with Registry.for_region("us") as registry:
        app = flow.save(registry)
    window = open_window()
    select_application(window, app.name)
    window.findChild(QAction, "linkProfilesAction").trigger()
    dlg = window.findChild(LinkProfilesDialog, "linkProfilesDialog")
    qtbot.mouseClick(dlg.discover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.discovery is None, timeout=30000)
    ticked = _ticked(dlg)
    assert len(ticked) > 5 and not any(ticked.values())
    rows = _rows(dlg)
    assert rows[google_sandbox.google.info().admin_email] == "Not ticked: super administrator"
    assert rows[DELEGATED_ADMIN] == "Not ticked: administrator"
    assert rows[OUTSIDE_GROUP] == "Not ticked: executive"
    dlg.reject()


@pytest.fixture
def german(qapp, compiled_catalogs):
    from ec_console.ui.app import install_translators, remove_translators

    install_translators(qapp, "de")
    yield
    remove_translators(qapp)


def test_the_link_dialog_in_german(qtbot, german, dialog, sandbox):
    """German chosen: buttons, counts and the summary are German; Alt+letters do not collide on a tab."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    _window, dlg = dialog
    good = list(sandbox.info().mailboxes_in_scope[:2])
    _paste(qtbot, dlg, "\n".join([*good, "not an address"]))
    problems = [dlg.problems.item(i).text() for i in range(dlg.problems.count())]
    assert problems[0] == "2 Adressen gelesen, 2 neu in der Liste. 1 Zeile konnte nicht verwendet werden:"
    assert problems[1].startswith("Zeile 3:")
    assert dlg.count_label.text() == "2 von 2 ausgewählt"
    assert dlg.link_button.text() == "2 Kalender &verknüpfen"
    keys: dict[str, list[str]] = {}
    for widget in dlg.findChildren(QLabel) + dlg.findChildren(QAbstractButton):
        found = re.search(r"&([^&\s])", widget.text().replace("&&", ""))
        if found and widget.isVisibleTo(dlg):
            keys.setdefault(found.group(1).lower(), []).append(widget.text())
    assert {k: v for k, v in keys.items() if len(v) > 1} == {}
    qtbot.mouseClick(dlg.link_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=60000)
    assert dlg.status.text() == "Fertig: 2 verknüpft"
    assert set(_rows(dlg).values()) == {"Verknüpft"}
