"""Nothing clipped: windows clamped to their screen, texts that elide in the middle, and a details pane that
leaves the profile table on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextLayout, QTextOption
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QStyle, QStyleOptionViewItem
from test_ui_dashboard_support import open_window  # noqa: F401 - fixture

from ec_console.registry import Registry
from ec_console.ui import fitting
from ec_console.ui.fitting import ElidedLabel, clamp_rect, fit_on_screen, install_screen_fitter
from ec_console.ui.main_window import MIN_APPLICATIONS_WIDTH, MIN_SEARCH_WIDTH
from ec_console.ui.profile_details import MIN_WIDTH

AREA = QRect(0, 0, 1024, 738)            # a 1024 x 768 screen less a 30-pixel task bar


def _inside(rect: QRect, area: QRect) -> bool:
    return area.contains(rect.topLeft()) and area.contains(rect.bottomRight())


# ------------------------------------------------------------------------------------- pure geometry

def test_a_window_that_fits_is_left_where_it_is():
    assert clamp_rect(QRect(100, 50, 800, 600), AREA) == QRect(100, 50, 800, 600)


def test_a_window_past_the_right_and_bottom_edges_moves_back():
    assert clamp_rect(QRect(600, 500, 800, 600), AREA) == QRect(224, 138, 800, 600)


def test_a_window_bigger_than_the_screen_shrinks_to_it():
    assert clamp_rect(QRect(-50, -20, 1280, 900), AREA) == QRect(0, 0, 1024, 738)


def test_a_second_screen_left_of_the_first_keeps_its_own_coordinates():
    left_screen = QRect(-1920, 0, 1920, 1050)
    assert clamp_rect(QRect(-200, 100, 900, 700), left_screen) == QRect(-900, 100, 900, 700)
    assert clamp_rect(QRect(-5000, 2000, 900, 700), left_screen) == QRect(-1920, 350, 900, 700)


# ------------------------------------------------------------------------------------- widgets

def test_fit_on_screen_moves_and_shrinks_a_dialog(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.setGeometry(700, 500, 1200, 900)
    assert fit_on_screen(dialog, AREA)
    assert _inside(dialog.frameGeometry(), AREA)
    assert dialog.width() == 1024 and dialog.height() == 738
    assert not fit_on_screen(dialog, AREA)                      # already inside: nothing changes


@pytest.fixture
def small_screen(monkeypatch):
    """The screen fitter installed, with every window's screen 1024 x 738 available."""
    monkeypatch.setattr(fitting, "available_area", lambda _window: QRect(AREA))
    app = QApplication.instance()
    fitter = install_screen_fitter(app)
    assert install_screen_fitter(app) is fitter                 # installed once
    yield
    app.removeEventFilter(fitter)
    fitter.deleteLater()


def test_every_window_shown_opens_on_screen_including_a_restored_one(qtbot, open_window,  # noqa: F811
                                                                     small_screen):
    window = open_window("us")                     # shown at 1280 x 780: wider and taller than the screen
    assert _inside(window.frameGeometry(), AREA)
    window.hide()
    window.setGeometry(3000, 2000, 900, 600)       # a geometry saved on a monitor that is gone
    window.show()
    assert _inside(window.frameGeometry(), AREA) and window.width() == 900
    dialog = window.open_audit_log()               # opens 1040 wide
    qtbot.waitUntil(lambda: dialog.loading is None)
    assert _inside(dialog.frameGeometry(), AREA)
    dialog.close()


def test_an_elided_label_keeps_both_ends_and_tells_the_whole_text(qtbot):
    full = "Region: United States (US) — sandbox organisation of contoso.example"
    label = ElidedLabel(full)
    qtbot.addWidget(label)
    label.setToolTip("Where the console keeps secrets")
    label.resize(label.sizeHint())
    label.show()
    assert not label.is_elided() and label.toolTip() == "Where the console keeps secrets"
    label.resize(140, label.height())
    shown = label.shown_text()
    assert "…" in shown and shown.startswith("Reg") and shown.endswith("ple")  # the middle goes
    assert label.fontMetrics().horizontalAdvance(shown) <= 140
    assert label.text() == full and label.toolTip().startswith(full)
    assert label.toolTip().endswith("Where the console keeps secrets")


def test_a_list_of_figures_loses_whole_figures_from_its_end_never_half_of_one(qtbot):
    full = "18 profiles · 16 linked · 2 need relink · 0 revoked"
    label = ElidedLabel(full, parts=" · ")
    qtbot.addWidget(label)
    label.resize(label.sizeHint())
    label.show()
    assert label.shown_text() == full
    metrics = label.fontMetrics()
    label.resize(metrics.horizontalAdvance("18 profiles · 16 linked · 2 need relink · …") + 8, label.height())
    assert label.shown_text() == "18 profiles · 16 linked · 2 need relink · …"
    label.resize(metrics.horizontalAdvance("18 profiles · 16 linked · …") + 8, label.height())
    assert label.shown_text() == "18 profiles · 16 linked · …"
    assert label.toolTip() == full and label.text() == full
    label.resize(metrics.horizontalAdvance("18 pro…") + 8, label.height())  # not even one figure: cut it
    assert "…" in label.shown_text() and label.shown_text().startswith("1")


@pytest.mark.parametrize("keep", [0, 28])
def test_a_label_that_keeps_its_text_stays_whole_while_a_long_neighbour_elides(qtbot, keep):
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    box = QWidget()
    qtbot.addWidget(box)
    row = QHBoxLayout(box)
    region = ElidedLabel("Region: United States (US)", keep=keep)
    run = ElidedLabel("Check all: 13 of 17 · Paused 30 s: Exchange is throttling this service account · "
                      "about 30 s left")
    row.addWidget(region)
    row.addWidget(run)
    box.resize(region.sizeHint().width() + 150, 30)           # far too narrow for both
    box.show()
    qtbot.waitUntil(run.is_elided)
    assert region.is_elided() is (keep == 0)                   # kept: whole; else squeezed with the other
    assert run.width() >= run.minimumSizeHint().width()


def test_status_texts_elide_in_the_middle_of_a_narrow_window(qtbot, open_window):  # noqa: F811
    window = open_window("us")
    window.resize(760, 600)
    qtbot.waitUntil(lambda: window.width() <= 800)
    bar = window.statusBar()
    message = ("3 profiles revoked in United States (US); the platform step that withdraws each one is in "
               "the profile's details pane, with the command to copy — ending here")
    bar.showMessage(message, 10000)
    assert bar.currentMessage() == message
    shown = bar.shown_message()
    assert "…" in shown and shown.startswith("3 profiles") and shown.endswith("ending here")
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_rect().width()
    assert bar.toolTip() == message
    bar.clearMessage()
    window.keychain_status.setText("Keychain: " + "a very long keychain backend description " * 3)
    qtbot.waitUntil(lambda: window.keychain_status.is_elided() or
                    window.keychain_status.geometry().right() <= window.width())
    assert window.keychain_status.geometry().right() <= window.width()          # never past the edge


def test_a_message_keeps_its_room_beside_long_permanent_texts(qtbot, open_window):  # noqa: F811
    """A short message ("Check all cancelled …") is shown whole even while a long permanent text (a
    running check's progress, the keychain) takes most of the bar; that text elides instead."""
    window = open_window("us")
    bar = window.statusBar()
    metrics = bar.fontMetrics()

    def text_of_width(start: str, share: float) -> str:
        while metrics.horizontalAdvance(start + " and more") < bar.width() * share:
            start += " and more"
        return start

    window.keychain_status.setText(text_of_width("Keychain: Secret Service", 0.6))
    qtbot.waitUntil(lambda: not window.keychain_status.is_elided())  # shown whole while there is no message
    message = text_of_width("Check all cancelled: 12 linked, 2 need relink", 0.4)
    bar.showMessage(message, 10000)
    qtbot.waitUntil(lambda: bar.shown_message() == message)
    assert window.keychain_status.is_elided()                       # the long text gave way
    assert window.keychain_status.geometry().left() > bar.message_rect().left()
    long_message = "3 profiles revoked in United States (US); " + "the platform step is in the details " * 8
    bar.showMessage(long_message, 10000)                             # a long message takes at most its share
    qtbot.waitUntil(lambda: bar.toolTip() == long_message)
    assert bar.message_rect().width() <= bar.width() * 0.5
    assert "…" in bar.shown_message() and bar.shown_message().startswith("3 profiles")
    bar.clearMessage()
    qtbot.waitUntil(lambda: window.region_status.isVisible())      # the region and counts come back


WIDTH = 880     # a small screen, or a window beside another on a laptop


def test_the_details_pane_leaves_the_table_on_screen(qtbot, open_window):  # noqa: F811
    with Registry.for_region("us") as registry:
        app = registry.add_application("Room booking", "exchange", "contoso.example")
        profile = registry.add_profile(app.id, "a.very.long.mailbox.name.for.testing@contoso.example")
        registry.record_profile_check(profile.id, result="fail", diagnosis="impersonation_denied")
    window = open_window("us")                     # 1280 wide: the pane opens at 30 % of that
    pane = window.details_pane
    window.profiles_table.selectRow(0)
    window.profiles_table.setFocus()
    qtbot.waitUntil(window.profiles_table.hasFocus)
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        qtbot.keyClick(window.profiles_table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.isVisible() and pane.width() >= MIN_WIDTH)
    assert 360 <= pane.width() <= 440
    window.resize(WIDTH, 700)                      # then the window is made narrow
    qtbot.waitUntil(lambda: window.width() == WIDTH)
    assert window.width() == WIDTH                                 # the window did not grow
    assert pane.width() >= MIN_WIDTH
    assert window.profile_search.width() >= MIN_SEARCH_WIDTH       # nothing squeezed to nothing
    assert window.applications_list.parentWidget().width() >= MIN_APPLICATIONS_WIDTH
    table = window.table_stack
    # The filter row is laid out, not overlapped: search box, status caption, status filter, "Showing".
    row = [window.profile_search, window.status_filter.parentWidget().findChild(QLabel, "statusCaption"),
           window.status_filter, window.showing_label]
    for left, right in zip(row, row[1:], strict=False):
        assert left.geometry().right() < right.geometry().left()
    assert window.status_filter.width() >= window.status_filter.minimumSizeHint().width()
    right_edge = table.mapTo(window, table.rect().bottomRight()).x()
    assert right_edge < pane.mapTo(window, pane.rect().topLeft()).x()   # the table is beside the pane
    assert pane.mapTo(window, pane.rect().bottomRight()).x() <= window.width()


def _lines_fit(lst, row: int) -> tuple[float, int]:
    """(height the item's text needs, word-wrapped line by line as Qt draws it in the text area of the
    item's rect on screen, and the height of that text area)."""
    index = lst.model().index(row, 0)
    option = QStyleOptionViewItem()
    lst.initViewItemOption(option)                  # the list's own icon size and features
    lst.itemDelegate().initStyleOption(option, index)
    option.rect = lst.visualRect(index)
    text = lst.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, lst)
    margin = lst.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, lst) + 1
    needed = 0.0
    for paragraph in option.text.split("\n"):
        layout = QTextLayout(paragraph, option.font)
        wrap = QTextOption()
        wrap.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(wrap)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(text.width() - 2 * margin)
            needed += line.height()
        layout.endLayout()
    return needed, text.height()


@pytest.fixture
def german(compiled_catalogs):
    from ec_console.ui.app import install_translators, remove_translators

    app = QApplication.instance()
    install_translators(app, "de")
    yield
    remove_translators(app)


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_application_in_a_narrow_list_shows_all_its_wrapped_lines(qtbot, open_window, request,  # noqa: F811
                                                                          language):
    """Squeezed to its least width, the applications list wraps each entry onto as many lines as it needs
    and makes the entry that tall: no last line cut off or elided ("1 erneut zu …"); the bold "All
    applications" ("Alle Anwendungen") stays on one line."""
    if language == "de":
        request.getfixturevalue("german")
    from ec_console.ui.sample_data import seed_sample_data

    with Registry.for_region("us") as registry:                  # three applications, one revoked
        seed_sample_data(registry, "us", profiles=40)
    window = open_window("us")
    lst = window.applications_list
    qtbot.waitUntil(lambda: lst.count() == 4)
    window.resize(WIDTH, 700)
    window.splitter.setSizes([0, WIDTH])                          # the list as narrow as it may be
    qtbot.waitUntil(lambda: lst.parentWidget().width() < 250)
    qtbot.wait(50)
    assert lst.parentWidget().width() == lst.parentWidget().minimumWidth()
    for row in range(lst.count()):
        needed, drawn = _lines_fit(lst, row)
        assert needed <= drawn, (lst.item(row).text(), needed, drawn)
        rect = lst.visualRect(lst.model().index(row, 0))                # within the list, not past its edge
        assert rect.left() >= 0 and rect.right() < lst.viewport().width(), (lst.item(row).text(), rect)
    assert lst.horizontalScrollBar().maximum() == 0                   # nothing to scroll sideways to
    line = QFontMetrics(lst.item(0).font()).lineSpacing()
    assert _lines_fit(lst, 0)[0] < 3 * line                          # "All applications" / "6 profiles"
    window.resize(1280, 780)                                          # wider again: back to fewer lines
    window.splitter.setSizes([300, 980])
    qtbot.waitUntil(lambda: lst.parentWidget().width() > 250)
    qtbot.wait(50)
    for row in range(lst.count()):
        needed, drawn = _lines_fit(lst, row)
        assert needed <= drawn < needed + 2 * line, lst.item(row).text()
