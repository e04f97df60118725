"""Help › Documentation: the shipped docs rendered and opened in the browser, or the online guide."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu
from test_ui_dashboard_support import open_window  # noqa: F401 - fixture

from ec_console import documentation

ROOT = Path(__file__).resolve().parent.parent


def _capture(monkeypatch) -> list:
    opened: list = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    return opened


def test_f1_opens_the_rendered_shipped_docs(qtbot, open_window, monkeypatch):  # noqa: F811
    opened = _capture(monkeypatch)
    window = open_window("us")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert len(opened) == 1 and opened[0].isLocalFile()
    index = Path(opened[0].toLocalFile())
    assert index.name == "index.html" and index.is_file()
    text = index.read_text(encoding="utf-8")
    shipped = sorted((ROOT / "docs").glob("*.md"))
    assert shipped
    for page in shipped:                                     # every shipped page is listed and rendered
        rendered = index.parent / (page.stem + ".html")
        assert f'href="{rendered.name}"' in text and rendered.is_file()
    cli_page = (index.parent / "cli.html").read_text(encoding="utf-8")
    assert "Command line" in cli_page and 'href="index.html"' in cli_page


def test_the_help_menu_names_it(qtbot, open_window):  # noqa: F811
    window = open_window("us")
    help_menu = window.findChild(QMenu, "helpMenu")
    assert help_menu.actions()[0] is window.documentation_action
    assert window.documentation_action.shortcut().toString() == "F1"


def test_without_shipped_docs_the_online_guide_opens(qtbot, open_window, monkeypatch):  # noqa: F811
    opened = _capture(monkeypatch)
    monkeypatch.setattr(documentation, "docs_dir", lambda: None)
    window = open_window("us")
    window.documentation_action.trigger()
    assert [url.toString() for url in opened] == [documentation.ONLINE_GUIDE]


def test_no_browser_says_where_the_docs_are(qtbot, open_window, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    window = open_window("us")
    window.documentation_action.trigger()
    message = window.statusBar().currentMessage()
    assert message.startswith("No browser could be opened") and message.endswith("index.html")


def test_links_between_pages_point_at_their_html():
    text = '<a href="cli.md#audit">x</a> <a href="https://example.com/a.md">y</a> <a href="registry.md">z</a>'
    assert documentation.link_pages(text) == ('<a href="cli.html#audit">x</a> '
                                              '<a href="https://example.com/a.md">y</a> '
                                              '<a href="registry.html">z</a>')


def test_pages_have_titles_and_plain_summaries(tmp_path):
    (tmp_path / "cli.md").write_text("# Command line\n\n## Use\n\nRun `ec-console` with **care**; see "
                                     "[the codes](diagnoses.md).\nSecond line.\n\nNext paragraph.\n",
                                     encoding="utf-8")
    (tmp_path / "zebra.md").write_text("no heading here\n", encoding="utf-8")
    found = documentation.pages(tmp_path)
    assert [(p.title, p.first) for p in found] == [("Command line", True), ("Zebra", False)]
    assert found[0].summary == "Run ec-console with care; see the codes. Second line."


def test_the_docs_are_found_in_a_checkout_and_in_a_frozen_bundle(monkeypatch, tmp_path):
    import sys

    assert documentation.docs_dir() == ROOT / "docs"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "cli.md").write_text("# Command line\n", encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert documentation.docs_dir() == tmp_path / "docs"
