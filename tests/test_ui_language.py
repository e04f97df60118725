"""The GUI's language: German chosen in View → Language is remembered and used from the next start (the
main window's menus, toolbar, region selector and status bar, Qt's own texts, and the core's texts)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QMessageBox,
    QToolButton,
)

from ec_console import i18n
from ec_console.regions import load_settings, save_setting
from ec_console.ui import tasks
from ec_console.ui.app import create_main_window, install_translators, remove_translators, saved_language
from ec_console.words import count


@pytest.fixture
def app(qapp, monkeypatch, compiled_catalogs):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")
    yield qapp
    remove_translators(qapp)
    tasks.shutdown_pools()


def window_for(qtbot):
    window = create_main_window("us", keychain="Secret Service")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def menu_titles(window) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_main_window_is_german_when_german_is_chosen(app, qtbot):
    save_setting("language", "de")
    assert install_translators(app) == "de"
    window = window_for(qtbot)
    assert menu_titles(window) == ["&Datei", "&Ansicht", "E&xtras", "&Hilfe"]
    view = window.findChild(QMenu, "viewMenu")
    submenus = [a.text() for a in view.actions() if a.menu() is not None]
    assert submenus == ["Re&gion", "&Darstellung", "S&prache"]
    language_menu = window.findChild(QMenu, "languageMenu")
    assert [a.text() for a in language_menu.actions()] == ["&Systemstandard", "&English", "&Deutsch"]
    # The toolbar's label may be shorter than the menu's text; the tooltip names the action in full.
    add = window.actions["addConnectionAction"]
    assert add.iconText() == "Neue Verbindung" and add.text() == "&Verbindung hinzufügen…"
    assert add.toolTip().startswith("Verbindung hinzufügen (Strg+N)\n")
    assert window.actions["testConnectivityAction"].statusTip().startswith("Schritt für Schritt prüfen")
    assert window.region_label.text() == "Re&gion:"
    assert window.keychain_status.text().startswith("Schlüsselbund:")
    # The region has nothing yet: the welcome page speaks German too.
    assert "Verbindung hinzufügen…" in window.welcome_add_button.text()
    # Qt's own texts (standard buttons) come from Qt's German catalog, the core's from gettext.
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text().replace("&", "") == "Abbrechen"
    assert i18n.current_language() == "de" and count(1204, "profile", "profiles") == "1.204 Profile"
    assert QLocale().toString(1204) == "1.204"


def _toolbar_buttons_out_of_sight(window) -> list[str]:
    """The toolbar's actions (and the region selector) that are not shown on the toolbar itself: Qt hides
    their buttons and offers them in the extension menu (»)."""
    bar = window.toolbar
    missing = [action.iconText() or bar.widgetForAction(action).accessibleName() for action in bar.actions()
               if action.isVisible() and not action.isSeparator()
               and not (bar.widgetForAction(action).isVisible()
                        and bar.rect().contains(bar.widgetForAction(action).geometry()))]
    if not window.region_selector.isVisible():
        missing.append("region selector")
    return missing


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_whole_toolbar_fits_a_1280_pixel_window(app, qtbot, language):
    install_translators(app, language)
    window = window_for(qtbot)
    bar = window.toolbar
    extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
    window.resize(900, 780)                             # too narrow: the check sees the hidden ones
    qtbot.waitUntil(lambda: extension.isVisible() and len(_toolbar_buttons_out_of_sight(window)) >= 2)
    window.resize(1280, 780)
    qtbot.waitUntil(lambda: bar.width() == 1280)
    selector = window.region_selector
    for index in range(selector.count()):               # whichever region's name the selector shows
        selector.setCurrentIndex(index)
        qtbot.waitUntil(lambda i=index: window.region_id == selector.itemData(i))
        qtbot.wait(50)                                  # the toolbar lays itself out again
        assert _toolbar_buttons_out_of_sight(window) == [], selector.currentText()
        assert not extension.isVisible()
    labels = [a.iconText() for a in bar.actions() if not a.isSeparator() and a.iconText()]
    if language == "de":
        assert "Erneut verknüpfen" in labels and "Neue Verbindung" in labels
        relink = window.actions["relinkProfileAction"]
        assert relink.text() == "Profil &erneut verknüpfen"     # the menu keeps the full name
    else:
        assert "Relink profile" in labels and "Add connection" in labels


def test_english_is_the_default_and_needs_no_catalog(app, qtbot):
    assert saved_language() is None
    assert install_translators(app, "en") == "en"
    window = window_for(qtbot)
    assert menu_titles(window) == ["&File", "&View", "&Tools", "&Help"]


def test_language_menu_remembers_the_choice_for_the_next_start(app, qtbot):
    install_translators(app, "en")
    window = window_for(qtbot)
    language_menu = window.findChild(QMenu, "languageMenu")
    assert window.findChild(QMenu, "languageMenu").actions()[0].isChecked()  # System default
    german = next(a for a in language_menu.actions() if a.data() == "de")
    german.trigger()
    assert load_settings()["language"] == "de" and saved_language() == "de"
    note = window.language_note
    assert isinstance(note, QMessageBox) and note.isVisible()
    assert "Deutsch" in note.text() and "next time it starts" in note.text()
    assert menu_titles(window) == ["&File", "&View", "&Tools", "&Help"]  # this window stays as it is
    qtbot.mouseClick(note.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert not note.isVisible()
    # The next start: German, with the choice ticked.
    window.close()
    install_translators(app)
    second = window_for(qtbot)
    assert menu_titles(second) == ["&Datei", "&Ansicht", "E&xtras", "&Hilfe"]
    menu = second.findChild(QMenu, "languageMenu")
    assert [a.data() for a in menu.actions() if a.isChecked()] == ["de"]
    # Back to the system's language.
    next(a for a in menu.actions() if a.data() == "system").trigger()
    assert load_settings()["language"] == "system" and saved_language() is None
    assert "Sprache des Systems" in second.language_note.text()


def test_removing_the_translators_restores_english(app, qtbot):
    install_translators(app, "de")
    assert QCoreApplication.translate("MainWindow", "&File") == "&Datei"
    remove_translators(app)
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"
    assert i18n.current_language() == "en"
    assert isinstance(QApplication.instance(), QApplication)


def test_status_bar_counts_and_status_filter_are_german(app, qtbot):
    from ec_console.registry import Registry

    with Registry.for_region("us") as registry:
        booking = registry.add_application("Room booking", "exchange", "contoso.com")
        for number in range(1203):
            registry.add_profile(booking.id, f"user{number}@contoso.com", f"User {number}", "linked")
        registry.add_profile(booking.id, "bob@contoso.com", "Bob Baker", "needs_relink")
        registry.add_profile(booking.id, "carol@contoso.com", "Carol Clark", "revoked")
    install_translators(app, "de")
    window = window_for(qtbot)
    qtbot.waitUntil(lambda: "Profile" in window.counts_status.text())
    assert window.counts_status.text() == \
        "1.205 Profile · 1.203 verknüpft · 1 erneut zu verknüpfen · 1 widerrufen"
    filters = [window.status_filter.itemText(i) for i in range(window.status_filter.count())]
    assert filters == ["Alle Status", "Verknüpft (1.203)", "Erneut zu verknüpfen (1)", "Widerrufen (1)"]


def _mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&\s])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def test_german_window_mnemonics_do_not_collide(app, qtbot):
    """Alt+letter in the German main window reaches one thing: the menu titles and the window's own labels
    and buttons (each menu's items are checked among themselves)."""
    install_translators(app, "de")
    window = window_for(qtbot)
    owners: dict[str, list[str]] = {}
    for action in window.menuBar().actions():
        owners.setdefault(_mnemonic(action.text()), []).append(action.text())
    for widget in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
        if _mnemonic(widget.text()) and not isinstance(widget.window(), QMenu):
            owners.setdefault(_mnemonic(widget.text()), []).append(widget.text())
    owners.pop(None, None)
    assert {key: texts for key, texts in owners.items() if len(texts) > 1} == {}
    for name in ("fileMenu", "viewMenu", "toolsMenu", "helpMenu", "themeMenu", "languageMenu"):
        menu = window.findChild(QMenu, name)
        texts = [a.text() for a in menu.actions() if not a.isSeparator()]
        keys = [_mnemonic(text) for text in texts]
        assert None not in keys and len(keys) == len(set(keys)), (name, texts)




def test_german_applications_context_menu_has_one_mnemonic_each_and_no_collisions(app, qtbot):
    from ec_console.registry import Registry

    with Registry.for_region("us") as registry:
        registry.add_application("Room booking", "exchange", "contoso.com")
    install_translators(app, "de")
    window = window_for(qtbot)
    qtbot.waitUntil(lambda: window.applications_list.count() > 0)
    apps = window.applications_list
    apps.setCurrentRow(0)
    window.application_actions._menu(apps.visualItemRect(apps.item(0)).center())
    menu = window.findChild(QMenu, "applicationsContextMenu")
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert "A&nwendung bearbeiten…" in texts and "Abg&leichen…" in texts
    keys = [_mnemonic(text) for text in texts]
    assert None not in keys and len(keys) == len(set(keys)), texts
    menu.close()


def test_the_reconciliation_line_is_german_and_its_english_matches_the_core(app):
    from ec_console import reconcile as core
    from ec_console.registry import Registry
    from ec_console.ui.reconcile_view import reconciliation_line

    def run(at: str, joiners: int, leavers: int) -> core.Reconciliation:
        findings = [core.Finding(f"j{i}@contoso.com", "joiner") for i in range(joiners)]
        findings += [core.Finding(f"l{i}@contoso.com", "leaver") for i in range(leavers)]
        return core.Reconciliation("Room booking", booking.id, "exchange", at, findings=findings)

    with Registry.for_region("us") as registry:
        booking = registry.add_application("Room booking", "exchange", "contoso.com")
        core.record_reconciliation(registry, run("2026-11-28T10:00:00Z", 1204, 3))
        assert reconciliation_line(registry, booking.id).startswith("Reconciled on 28 Nov: 1,204 joiners")
        core.record_reconciliation(registry, run("2026-12-02T10:00:00Z", 1207, 1))
        english = reconciliation_line(registry, booking.id)
        assert english == f"Reconciliation: {core.drift_text(registry, booking.id)}"
        assert english == "Reconciliation: +3 joiners, \u22122 leavers, 0 leaks since 28 Nov"
        install_translators(app, "de")
        assert reconciliation_line(registry, booking.id) == \
            "Abgleich: +3 Neuzugänge, \u22122 Abgänge, 0 Lecks seit 28. Nov."


def test_german_application_windows_have_one_mnemonic_per_control_and_no_collisions(app, qtbot):
    from ec_console.registry import Registry
    from tests.test_ui_dashboard_support import select_application

    with Registry.for_region("us") as registry:
        booking = registry.add_application("Room booking", "exchange", "contoso.com",
                                           settings={"test_mailbox": "rooms@contoso.com"})
        old = registry.add_application("Old tool", "exchange", "contoso.com")
        registry.update_application(old.id, status="revoked")
        assert booking.status == "active"
    install_translators(app, "de")
    window = window_for(qtbot)
    qtbot.waitUntil(lambda: window.applications_list.count() > 0)

    def keys(dialog) -> dict[str, list[str]]:
        owners: dict[str, list[str]] = {}
        for widget in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton):
            owners.setdefault(_mnemonic(widget.text()), []).append(widget.text())
        owners.pop(None, None)
        return owners

    select_application(window, "Room booking")
    actions, reconcile = window.application_actions, window.reconcile_actions
    opened = {"edit": actions.open_edit(), "import": actions.open_import(), "reconcile": reconcile.open(),
              "revoke": window.revoke_selected_application()}
    select_application(window, "Old tool")
    opened["remove"] = actions.open_remove()
    expected = {"edit": "&Umbenennen", "import": "&Prüfen und speichern", "reconcile": "Abgleich &starten",
                "remove": "Anwendung &entfernen", "revoke": "Anwendung &widerrufen"}
    for name, dialog in opened.items():
        owners = keys(dialog)
        assert expected[name] in sum(owners.values(), []), name
        assert {key: texts for key, texts in owners.items() if len(texts) > 1} == {}, name
        dialog.close()


@pytest.fixture
def berlin_time(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_profiles_table_is_german_with_german_dates(app, qtbot, berlin_time):
    from ec_console.registry import Registry
    from ec_console.ui.profiles_model import (
        COL_LAST_CHECKED,
        COL_LAST_RESULT,
        COL_STATUS,
        ProfilesModel,
        local_time,
    )

    install_translators(app, "de")
    with Registry.for_region("us") as registry:
        booking = registry.add_application("Room booking", "exchange", "contoso.com")
        alice = registry.add_profile(booking.id, "alice@contoso.com", "Alice Able", "linked")
        registry.add_profile(booking.id, "bob@contoso.com", "Bob Baker", "linked")
        registry.record_profile_check(alice.id, result="fail", diagnosis="impersonation_denied",
                                      status="needs_relink", checked_at="2026-07-02T23:30:00Z")
        model = ProfilesModel(registry)
        headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        assert headers == ["E-Mail", "Name", "Anwendung", "Plattform", "Status", "Zuletzt geprüft",
                           "Letztes Ergebnis"]
        assert model.headerData(COL_LAST_CHECKED, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) \
            == "Klicken, um nach „Zuletzt geprüft“ zu sortieren"
        rows = {model.data(model.index(r, 0)): r for r in range(model.rowCount())}
        alice_row, bob_row = rows["alice@contoso.com"], rows["bob@contoso.com"]
        assert model.data(model.index(alice_row, COL_STATUS)) == "Erneut zu verknüpfen"
        # The registry keeps ISO 8601 UTC; the table shows the German date in local time (Berlin: +2 h).
        assert model.data(model.index(alice_row, COL_LAST_CHECKED)) == "03.07.2026 01:30"
        assert model.data(model.index(alice_row, COL_LAST_RESULT)) == "Fehlgeschlagen: impersonation_denied"
        assert model.data(model.index(bob_row, COL_LAST_CHECKED)) == "Nie"
        assert model.data(model.index(bob_row, COL_LAST_RESULT)) == "Noch nicht geprüft"
        assert registry.get_profile(alice.id).last_checked_at == "2026-07-02T23:30:00Z"
    assert local_time("2026-01-02T03:04:00Z") == "02.01.2026 04:04"


def test_check_all_dialog_and_run_summary_are_german(app, qtbot):
    from types import SimpleNamespace

    from ec_console.checkall import JobResult, ProbeJob
    from ec_console.ui.check_all import (
        CheckAllDialog,
        RunTally,
        missing_credential_note,
        summary_message,
        time_left,
    )

    install_translators(app, "de")
    dialog = CheckAllDialog(1204, "Deutschland (DE)")
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Alle verknüpften Kalender prüfen"
    assert dialog.intro.text().startswith("Die 1.204 verknüpften und erneut zu verknüpfenden Kalender in "
                                          "Deutschland (DE)")
    assert dialog.start_button.text() == "&Starten"
    outcome = SimpleNamespace(code="throttled")
    tally = RunTally()
    tally.add([JobResult(ProbeJob(1, f"u{i}@x.example"), "needs_relink", "needs_relink", i, "", outcome)
               for i in range(2)]
              + [JobResult(ProbeJob(1, "t@x.example"), "unchanged", "linked", 9, "", outcome)])
    assert tally.summary() == "2 erneut zu verknüpfen, 1 nicht geprüft: throttled"   # the code stays
    summary = SimpleNamespace(cancelled=True, results=[1] * 1500, total=2000, application_failures={},
                              write_error="")
    assert summary_message("Alle prüfen", summary, tally, "Deutschland (DE)") == (
        "Alle prüfen in Deutschland (DE) nach 1.500 von 2.000 abgebrochen — "
        "2 erneut zu verknüpfen, 1 nicht geprüft: throttled")
    assert time_left(600) == "noch etwa 10 min" and time_left(30) == "noch etwa 30 s"
    assert missing_credential_note(["Raumbuchung"]).startswith("; 1 Anwendung nicht geprüft")
    assert missing_credential_note(["A", "B"]).startswith("; 2 Anwendungen nicht geprüft")


def test_small_windows_and_step_rows_are_german(app, qtbot):
    """About, the error dialog, the progress dialog's texts and a check's step rows, in German."""
    from PySide6.QtWidgets import QPushButton

    from ec_console.checks import StepSpec
    from ec_console.ui.about import AboutDialog
    from ec_console.ui.errors import ExceptionDialog
    from ec_console.ui.step_list import StepRow

    install_translators(app, "de")
    about = AboutDialog("Secret Service")
    qtbot.addWidget(about)
    assert about.windowTitle().startswith("Über ")
    buttons = {button.text() for button in about.findChildren(QPushButton)}
    assert {"Details &kopieren", "&Protokollordner öffnen"} <= buttons
    assert "Einstellungsordner" in about.facts_label.text()
    assert "Settings folder" in about.details_text()           # copied for support: stays English
    dialog = ExceptionDialog("KeyError: 'region'", "Traceback ...", None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle().startswith("Unerwarteter Fehler")
    assert dialog.toggle_button.text() == "&Details anzeigen"
    dialog.add_follow_up("second")
    assert "(seitdem 1 weiterer Fehler – siehe Details)" in dialog.summary_label.text()
    row = StepRow(StepSpec("sign_in", "Sign in as the service account", ()))
    qtbot.addWidget(row)
    assert row.state.text() == "Wartet" and row.accessibleName().endswith(": Wartet")
    row.mark_started()
    assert row.state.text() == "Läuft…"


def test_a_failed_steps_cause_and_fix_are_german_with_the_command_kept(app, qtbot):
    from PySide6.QtWidgets import QLabel, QWidget

    from ec_console import diagnoses
    from ec_console.checks import StepResult, StepSpec, StepStatus
    from ec_console.ui.step_list import StepRow

    english = diagnoses.diagnose("auth_failed", surface="gui", platform="onprem",
                                 service_account="CONTOSO\\svc-cal", host="mail.contoso.com")
    install_translators(app, "de")
    row = StepRow(StepSpec("sign_in", "Sign in as the service account", ()))
    qtbot.addWidget(row)
    row.set_result(StepResult("sign_in", "Sign in as the service account", StepStatus.FAIL,
                              diagnosis=english))
    cause = row.findChild(QLabel, "stepCause").text()
    assert "<b>Ursache</b> (auth_failed)" in cause
    assert english.cause not in cause and "CONTOSO\\svc-cal" in cause          # German, the name kept
    shown = " ".join(w.text() for w in row.findChildren(QWidget)
                     if callable(getattr(w, "text", None)) and isinstance(w.text(), str))
    assert english.commands and all(command in shown for command in english.commands)  # as they are
    assert "Behebung" in shown


def test_the_region_selector_and_title_show_the_six_data_centres_in_german(app, qtbot):
    save_setting("language", "de")
    install_translators(app)
    window = window_for(qtbot)
    selector = window.region_selector
    shown = {selector.itemData(i): selector.itemText(i) for i in range(selector.count())}
    assert shown == {"us": "Vereinigte Staaten (US)", "de": "Deutschland (DE)",
                     "uk": "Vereinigtes Königreich (UK)", "ca": "Kanada (CA)", "au": "Australien (AU)",
                     "sg": "Singapur (SG)"}
    assert window.windowTitle().startswith("Vereinigte Staaten (US)")
    assert window.region_status.text() == "Region: Vereinigte Staaten (US)"
    # The region's data stays English: the id, and the label files and --json use.
    assert window.region.id == "us" and window.region.label == "United States (US)"
def test_a_reconciliation_kept_in_english_is_shown_german_in_the_reconcile_window(app, qtbot):
    import json

    from ec_console import reconcile as core
    from ec_console.diagnoses import diagnose
    from ec_console.registry import Registry
    from ec_console.ui import operations as ops
    from ec_console.ui.reconcile_view import ReconcileWindow

    leak = diagnose("scope_not_enforced", mailbox="eve@contoso.com", scope_group="EC Calendar Scope")
    step = ("Remove the mailbox from the scoping group: Remove-DistributionGroupMember -Identity 'EC' "
            "-Member 'lee@contoso.com'")
    findings = [   # as the core words them (English: the registry and --json keep these)
        core.Finding("eve@contoso.com", "leak", "", leak.code, leak.cause, leak.remediation),
        core.Finding("joe@contoso.com", "joiner", "Joe", None, "in the scope, not linked",
                     "link it (--apply joiners links every joiner): ec-console profiles link --application "
                     "'Room booking' joe@contoso.com"),
        core.Finding("lee@contoso.com", "leaver", "Lee", None,
                     "linked, no longer in the scope; the probe still reaches it",
                     "revoke its profile (--apply leavers revokes every leaver). On the platform, if not "
                     f"done yet: {step}", 7, True)]
    with Registry.for_region("us") as registry:
        booking = registry.add_application("Room booking", "exchange", "contoso.com")
    rec = core.Reconciliation("Room booking", booking.id, "exchange", "2026-12-02T10:00:00Z",
                              scope_source="the direct members of EC Calendar Scope (EWS ExpandDL)",
                              scope_size=12, linked_size=3, findings=findings,
                              sample=["eve@contoso.com"], notes=["The sample came from your list (1,204 "
                                                                 "accounts outside the scope)"])
    english = json.dumps(rec.to_dict())
    install_translators(app, "de")
    view = ReconcileWindow(booking, ops.Scope("us"))
    qtbot.addWidget(view)
    view._reconciled(rec)
    assert json.dumps(rec.to_dict()) == english                     # what is kept stays English
    model = view.sections["leaver"].model
    shown = "verknüpft, nicht mehr im Bereich; die Prüfung erreicht es noch"
    assert model.text(model.finding(0), 2) == shown
    assert view._details_text(model.finding(0)).endswith(
        "„Alle Abgänge widerrufen…“\nAuf der Plattform, falls noch nicht geschehen: " + step)   # step kept
    leak_text = view._details_text(view.sections["leak"].model.finding(0))
    assert "soll außerhalb des Verwaltungsbereichs liegen" in leak_text and "Get-ManagementRoleAssignment" \
        in leak_text
    assert view.confidence.text().endswith(
        "1 Konto außerhalb des Bereichs erreichbar: Der Bereich wird nicht durchgesetzt.")
    note = "Die Stichprobe stammt aus Ihrer Liste (1.204 Konten außerhalb des Bereichs)"
    assert note in view.details.toPlainText()
    summary = dict(view.summary_rows())
    assert summary["Lecks"] == "1 Leck"
    assert summary["Bereich"] == "die direkten Mitglieder von EC Calendar Scope (EWS ExpandDL): 12 Konten"
    assert view.confidence.text().startswith(
        "Bereich: die direkten Mitglieder von EC Calendar Scope (EWS ExpandDL), 12 Konten.")
    assert summary["Die Stichprobe"].startswith("1 Konto außerhalb des Bereichs erreichbar")
    kinds = {row[0] for row in view.shown_rows()}
    assert kinds == {"Leck", "Neuzugang", "Abgang"}


def test_a_list_file_that_is_not_text_is_refused_in_german(app, qtbot, tmp_path):
    from PySide6.QtCore import QObject

    from ec_console.ui import operations as ops

    binary = tmp_path / "list.csv"
    binary.write_bytes(b"\xff\xfe\x00\xd8binary")
    errors: list[str] = []
    install_translators(app, "de")
    parent = QObject()
    ops.read_text_file(parent, str(binary), on_done=lambda _text: None, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert errors == [f"{binary} ist keine Textdatei (UTF-8 oder UTF-16 erwartet)"]
