"""The console's documentation as shipped with it (Qt-free): where it is and what it holds.

The `docs/*.md` pages travel with every way the console is run:

- frozen build (PyInstaller): `<bundle>/docs` (`build_installer.spec` copies it there);
- wheel install: `ec_console/docs` inside the package (pyproject force-includes it);
- source checkout and editable install: `docs/` beside the `ec_console/` package.

Help › Documentation renders them to HTML (`ec_console.ui.documentation`) and opens the index in the
browser. When none are found (a trimmed install), it opens `ONLINE_GUIDE` instead: Enterprise Connect's own
guide for system administrators.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ONLINE_GUIDE = "https://docs.cronofy.com/calendar-admins/enterprise-connect-guide"
_MARKER = "cli.md"
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_MARKUP = re.compile(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)")
_SUMMARY_MAX = 260
# The pages an administrator reaches for first, in this order; the rest (the sandbox, how the console is
# built and tested) follow by title.
_FIRST = ("main-window.md", "wizard.md", "cli.md", "diagnoses.md", "exchange-check.md", "google-check.md",
          "registry.md", "secrets-and-logs.md", "security.md")


@dataclass(frozen=True)
class Page:
    path: Path
    title: str          # the page's first heading, else its file name
    summary: str        # its first paragraph, on one line (may be "")
    first: bool = False  # one of the pages an administrator reaches for first

    @property
    def html_name(self) -> str:
        return self.path.stem + ".html"


def _candidates() -> list[Path]:
    found: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        found.append(Path(bundle) / "docs")
    package = Path(__file__).resolve().parent
    found.append(package / "docs")
    found.append(package.parent / "docs")
    return found


def docs_dir() -> Path | None:
    """The shipped documentation folder, or None when this install has none."""
    for candidate in _candidates():
        if (candidate / _MARKER).is_file():
            return candidate
    return None


def _read_page(path: Path) -> Page:
    title, summary, paragraph = "", "", []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    for line in lines:
        heading = _HEADING.match(line)
        if not title:
            if heading:
                title = heading.group(1)
            continue
        if (heading or not line.strip()) and paragraph:
            break
        if line.strip() and not heading and not line.lstrip().startswith(("|", "```", "-", "*", ">")):
            paragraph.append(line.strip())
    summary = _MARKUP.sub(lambda m: m.group(1) or "", " ".join(paragraph))
    if len(summary) > _SUMMARY_MAX:
        summary = summary[:_SUMMARY_MAX].rsplit(" ", 1)[0] + " …"
    title = _MARKUP.sub(lambda m: m.group(1) or "", title)
    return Page(path, title or path.stem.replace("-", " ").capitalize(), summary, path.name in _FIRST)


def pages(folder: Path) -> list[Page]:
    """Every page of `folder`, the ones an administrator reaches for first at the top."""
    found = {p.name: p for p in folder.glob("*.md") if p.is_file()}
    first = [_read_page(found.pop(name)) for name in _FIRST if name in found]
    rest = sorted((_read_page(p) for p in found.values()), key=lambda page: page.title.casefold())
    return first + rest


_MD_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|#|/)([^"#?]+)\.md(#[^"]*)?"', re.IGNORECASE)


def link_pages(html_text: str) -> str:
    """Links between the Markdown pages (`cli.md#audit`) pointed at their HTML renderings."""
    return _MD_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', html_text)


__all__ = ["ONLINE_GUIDE", "Page", "docs_dir", "link_pages", "pages"]
