"""Help › Documentation (`documentationAction`, F1): the documentation shipped with the console, in the
browser.

The Markdown pages (`ec_console.documentation.docs_dir`) are rendered to HTML with Qt's own Markdown reader
into the console's data folder (`documentation/`, rewritten each time, so it always matches the installed
version), with an index page; the browser opens the index. When this install has no documentation, the
browser opens Enterprise Connect's online guide for system administrators instead.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextDocument

from ec_console import APP_DISPLAY_NAME, __version__, documentation, paths

FOLDER = "documentation"
_BODY = re.compile(r"<body[^>]*>")
_STYLE = ("<style>body{max-width:58em;margin:1.5em auto;padding:0 1em;line-height:1.45;"
          "font-family:system-ui,'Segoe UI',sans-serif}table{border-collapse:collapse}"
          "td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}"
          "nav{margin-bottom:1em}code,pre{font-family:monospace}dt{font-weight:bold;margin-top:.6em}"
          "dd{margin-left:1.2em}</style>")


def _page_html(markdown: str, title: str, back: bool) -> str:
    document = QTextDocument()
    document.setMarkdown(markdown)
    body = documentation.link_pages(document.toHtml())
    head = f"<title>{html.escape(title)} — {html.escape(APP_DISPLAY_NAME)}</title>{_STYLE}"
    body = body.replace("<head>", "<head>" + head, 1)
    # Qt writes the application's font into the body; the browser's own reads better.
    nav = '<nav><a href="index.html">« All documentation</a></nav>' if back else ""
    return _BODY.sub(lambda _m: "<body>" + nav, body, count=1)


def _index_html(pages: list[documentation.Page]) -> str:
    def items(group: list[documentation.Page]) -> str:
        return "".join(f'<dt><a href="{html.escape(p.html_name)}">{html.escape(p.title)}</a></dt>'
                       f"<dd>{html.escape(p.summary)}</dd>" for p in group)

    first = [p for p in pages if p.first]
    more = [p for p in pages if not p.first]
    title = f"{APP_DISPLAY_NAME} {__version__} — documentation"
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{_STYLE}"
             f"</head><body><h1>{html.escape(title)}</h1><dl>{items(first)}</dl>"]
    if more:
        parts.append(f"<h2>More: the sandbox, how the console is built and tested</h2><dl>{items(more)}</dl>")
    parts.append("</body></html>")
    return "".join(parts)


def render(source: Path, target: Path) -> Path:
    """Render every page of `source` into `target` (created private) with an index; returns the index."""
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    found = documentation.pages(source)
    for page in found:
        text = page.path.read_text(encoding="utf-8", errors="replace")
        paths.write_private_file(target / page.html_name, _page_html(text, page.title, True).encode("utf-8"))
    index = target / "index.html"
    paths.write_private_file(index, _index_html(found).encode("utf-8"))
    return index


def documentation_url() -> QUrl:
    """The rendered index of the shipped documentation, or the online guide when there is none."""
    source = documentation.docs_dir()
    if source is None:
        return QUrl(documentation.ONLINE_GUIDE)
    try:
        return QUrl.fromLocalFile(str(render(source, paths.data_dir() / FOLDER)))
    except OSError:
        return QUrl(documentation.ONLINE_GUIDE)


def open_documentation() -> tuple[bool, QUrl]:
    """Open the documentation in the browser; returns whether a browser took it, and the address."""
    url = documentation_url()
    return QDesktopServices.openUrl(url), url


__all__ = ["documentation_url", "open_documentation", "render"]
