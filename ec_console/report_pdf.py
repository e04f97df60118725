"""A check report as a PDF document (Qt-free: the CLI's `--report FILE.pdf` and the GUI's *Export PDF…*).

The same content in the same order as `render.render_html`: a title naming the mailbox, the report's header
when one is given (the verdict, the result line, then application, platform, region, operator, time and
version two to a line), else the result line, then the steps as a table (status, step, duration,
detail); a failed or warned step's detail carries its diagnosis (cause, fix with each command in a
monospaced box, links, the diagnosis code), and every step's data follows as labelled values. A4, with a
running header and page numbers; a typical passing check fits on one page.

Fonts: DejaVu Sans / Sans Mono from the console's `resources/fonts` (shipped in the wheel and the frozen
build), else from the system; only if neither is found, the PDF core fonts with characters outside Latin-1
shown as "?". Every string goes through `render.safe_text`; the report's content (not its mailbox or
header) goes through the log redactor before it is laid out (`report_header.redacted_report`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ec_console.checks import Diagnosis, Report, StepResult, StepStatus, shown_detail, shown_title
from ec_console.i18n import N_, _
from ec_console.render import (
    data_items,
    format_duration,
    provider_name,
    render_summary,
    safe_text,
    shown_diagnosis,
    status_word,
)

if TYPE_CHECKING:
    from ec_console.report_header import ReportHeader

log = logging.getLogger(__name__)

_SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
    Path.home() / "Library" / "Fonts",
)
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono.ttf"}
_WINDOWS_FONTS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
# DejaVu has no Chinese, Japanese or Korean: the first of these system fonts found fills in those
# characters. With none, such a character is written as its code point (<U+738B>), so a name stays exact.
FALLBACK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    _WINDOWS_FONTS / "msyh.ttc",
    _WINDOWS_FONTS / "YuGothR.ttc",
    _WINDOWS_FONTS / "malgun.ttf",
    _WINDOWS_FONTS / "simsun.ttc",
    Path("/System/Library/Fonts/Hiragino Sans GB.ttc"),
    Path("/System/Library/Fonts/Supplemental/Arial Unicode.ttf"),
    Path("/Library/Fonts/Arial Unicode.ttf"),
)

_COLOURS = {StepStatus.PASS: (26, 127, 55), StepStatus.WARN: (154, 103, 0), StepStatus.FAIL: (207, 34, 46),
            StepStatus.SKIP: (110, 119, 129)}
_INK = (27, 27, 27)
_MUTED = (96, 104, 112)
_RULE = (216, 222, 228)
_HEAD_FILL = (240, 243, 246)
_CODE_FILL = (246, 248, 250)
_LINK = (9, 105, 218)

# Column widths in mm (A4 with 15 mm margins leaves 180 mm): status, step, duration, detail.
_COLUMNS = (15.0, 47.0, 16.0, 102.0)
_HEADINGS = (N_("Status"), N_("Step"), N_("Duration"), N_("Detail"))
_PAD = 1.3
_LINE = 4.3           # body line height (9 pt)
_SMALL_LINE = 3.7     # data lines (7.5 pt)


def font_files() -> dict[str, Path] | None:
    """The DejaVu files for regular, bold and mono: the console's own, else the system's; None if missing."""
    candidates: list[Path] = []
    try:
        from ec_console.resources import resource_path

        candidates.append(resource_path("fonts"))
    except FileNotFoundError:
        pass
    candidates.extend(_SYSTEM_FONT_DIRS)
    for folder in candidates:
        found = {style: folder / name for style, name in _FONT_FILES.items()}
        if all(path.is_file() for path in found.values()):
            return found
    return None


def fallback_font() -> Path | None:
    return next((path for path in FALLBACK_FONTS if path.is_file()), None)


@lru_cache(maxsize=8)
def _code_points(path: Path) -> frozenset[int]:
    """The characters a font file has glyphs for (its best cmap)."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(path), fontNumber=0, lazy=True) as font:
            return frozenset(font.getBestCmap() or ())
    except Exception:  # noqa: BLE001 - an unreadable font just covers nothing
        log.warning("font %s cannot be read", path, exc_info=True)
        return frozenset()


@dataclass(frozen=True)
class _Block:
    kind: str         # "text" | "label" | "mono" | "link" | "small" | "code" | "gap"
    text: str = ""


def _diagnosis_blocks(diagnosis: Diagnosis, clean: Callable[[str], str]) -> list[_Block]:
    diagnosis = shown_diagnosis(diagnosis)
    commands, links = set(diagnosis.commands), set(diagnosis.links)
    blocks = [_Block("gap"), _Block("label", _("Cause:")), _Block("text", clean(diagnosis.cause)),
              _Block("gap"), _Block("label", _("Fix:"))]
    for line in diagnosis.remediation.splitlines():
        text = line.strip()
        if not text:
            continue
        if text in commands:
            blocks.append(_Block("mono", clean(text)))
        elif text in links:
            blocks.append(_Block("link", clean(text)))
        else:
            blocks.append(_Block("text", clean(text)))
    blocks.append(_Block("code", _("Diagnosis code: {code}").format(code=clean(diagnosis.code))))
    return blocks


def _detail_blocks(step: StepResult, clean: Callable[[str], str]) -> list[_Block]:
    blocks = [_Block("text", line) for line in clean(shown_detail(step)).splitlines() if line.strip()]
    if step.diagnosis is not None and step.status in (StepStatus.FAIL, StepStatus.WARN):
        blocks.extend(_diagnosis_blocks(step.diagnosis, clean))
    items = data_items(step.data)
    if items:
        # One compact paragraph of labelled values: a passing check stays on one page.
        blocks.append(_Block("gap"))
        pairs = (f"{clean(label)}: {clean(value)}" for label, value in items)
        blocks.append(_Block("small", "   ·   ".join(pairs)))
    return blocks


def _cleaner(redact: Callable[[str], str] | None) -> Callable[[str], str]:
    def clean(text: str) -> str:
        text = safe_text(str(text))
        return redact(text) if redact is not None else text

    return clean


def render_pdf(report: Report, *, header: ReportHeader | None = None,
               redact: Callable[[str], str] | None = None) -> bytes:
    """The report as PDF bytes. `redact` (default: the log redactor) is applied to the report's content
    (step texts, data, diagnoses), not to the mailbox or the header."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from ec_console.report_header import redacted_report

    if redact is None:
        from ec_console.logs import redact as log_redact

        redact = log_redact
    report = redacted_report(report, redact)
    clean = _cleaner(None)
    fonts = font_files()
    unicode_fonts = fonts is not None
    if not unicode_fonts:
        log.warning("DejaVu fonts not found: the PDF uses the core fonts (Latin-1 only)")

        def fit(text: str) -> str:
            return text.encode("latin-1", "replace").decode("latin-1")
    else:
        assert fonts is not None
        extra = fallback_font()
        covered = _code_points(fonts[""]) & _code_points(fonts["B"])
        if extra is not None:
            covered |= _code_points(extra)

        def fit(text: str) -> str:
            if text.isascii():
                return text
            return "".join(ch if ch == "\n" or ord(ch) in covered else f"<U+{ord(ch):04X}>" for ch in text)

    target = clean(report.target)
    title = _("{provider} connectivity check of {target}").format(provider=provider_name(report.provider),
                                                                   target=target)
    summary = clean(render_summary(report))

    class _Document(FPDF):
        in_table = False
        row_title = ""        # the step whose row is being laid out (named again on a new page)
        continued_bottom = 0.0  # where that name ends on the new page (the row's rule goes below it)

        def header(self) -> None:
            if self.page_no() > 1:
                self.set_font(sans, "", 7.5)
                self.set_text_color(*_MUTED)
                self.cell(0, 4, fit(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.ln(2)
            if self.in_table:
                table_header(self)
                if self.row_title:
                    y = self.get_y()
                    self.set_xy(self.l_margin + columns[0] + _PAD, y + _PAD)
                    self.set_font(sans, "", 7.5)
                    self.set_text_color(*_MUTED)
                    continued = _("{step} (continued)").format(step=self.row_title)
                    self.multi_cell(columns[1] - 2 * _PAD, _SMALL_LINE, fit(continued),
                                    align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
                    self.continued_bottom = self.get_y()
                    self.set_xy(self.l_margin, y + _PAD)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(sans, "", 7.5)
            self.set_text_color(*_MUTED)
            self.cell(0, 4, _("Page {page} of {pages}").format(page=self.page_no(), pages="{nb}"), align="R")

    pdf = _Document(orientation="P", unit="mm", format="A4")
    if unicode_fonts:
        assert fonts is not None
        pdf.add_font("DejaVu", "", str(fonts[""]))
        pdf.add_font("DejaVu", "B", str(fonts["B"]))
        pdf.add_font("DejaVuMono", "", str(fonts["mono"]))
        if extra is not None:
            pdf.add_font("Fallback", "", str(extra))
            pdf.set_fallback_fonts(["Fallback"], exact_match=False)
        sans, mono = "DejaVu", "DejaVuMono"
    else:
        sans, mono = "Helvetica", "Courier"
    pdf.set_margins(15, 14, 15)
    pdf.c_margin = 0          # cell padding is laid out explicitly (_PAD)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(fit(title))
    pdf.set_author("Enterprise Connect Console")
    pdf.set_creator("Enterprise Connect Console")
    pdf.alias_nb_pages()
    # The status column is as wide as the widest status word in this language (bold, 8.5 pt) and the
    # duration column as its heading; the detail column gives what they take.
    pdf.set_font(sans, "B", 8.5)
    status_w = max(_COLUMNS[0], max(pdf.get_string_width(fit(status_word(s))) for s in StepStatus) + 2 * _PAD,
                   pdf.get_string_width(fit(_(_HEADINGS[0]))) + 2 * _PAD)
    duration_w = max(_COLUMNS[2], pdf.get_string_width(fit(_(_HEADINGS[2]))) + 2 * _PAD)
    columns = (status_w, _COLUMNS[1], duration_w, sum(_COLUMNS) - status_w - _COLUMNS[1] - duration_w)

    def table_header(doc: Any) -> None:
        doc.set_font(sans, "B", 8.5)
        doc.set_text_color(*_INK)
        doc.set_fill_color(*_HEAD_FILL)
        top, x = doc.get_y(), doc.l_margin
        doc.rect(x, top, sum(columns), 6.5, style="F")
        for heading, width in zip(_HEADINGS, columns, strict=True):
            doc.set_xy(x + _PAD, top)
            doc.cell(width - 2 * _PAD, 6.5, fit(_(heading)), align="R" if heading == "Duration" else "L")
            x += width
        doc.set_xy(doc.l_margin, top + 6.5)

    def block_style(block: _Block) -> tuple[str, str, float, float, tuple[int, int, int]]:
        if block.kind == "label":
            return sans, "B", 9, _LINE, _INK
        if block.kind == "mono":
            return mono, "", 7.8, 3.9, _INK
        if block.kind == "link":
            return sans, "", 8.5, _LINE, _LINK
        if block.kind in ("small", "code"):
            return sans, "", 7.5, _SMALL_LINE, _MUTED
        return sans, "", 9, _LINE, _INK

    def block_height(block: _Block, width: float) -> float:
        if block.kind == "gap":
            return 1.5
        family, style, size, line, _colour = block_style(block)
        pdf.set_font(family, style, size)
        inner = width - (2.4 if block.kind == "mono" else 0)
        lines = pdf.multi_cell(inner, line, fit(block.text), dry_run=True, output="LINES",
                               wrapmode="CHAR" if block.kind == "link" else "WORD")
        extra = 1.6 if block.kind == "mono" else 0.0
        return len(lines) * line + extra + (0.6 if block.kind == "mono" else 0)

    def draw_block(block: _Block, x: float, width: float) -> None:
        if block.kind == "gap":
            pdf.set_y(pdf.get_y() + 1.5)
            return
        family, style, size, line, colour = block_style(block)
        pdf.set_font(family, style, size)
        pdf.set_text_color(*colour)
        if block.kind == "mono":
            height = block_height(block, width)
            if pdf.will_page_break(height):
                pdf.add_page()
            top = pdf.get_y()
            pdf.set_fill_color(*_CODE_FILL)
            pdf.set_draw_color(*_RULE)
            pdf.rect(x, top, width, height - 0.6, style="DF")
            pdf.set_xy(x + 1.2, top + 0.8)
            pdf.set_font(family, style, size)
            pdf.multi_cell(width - 2.4, line, fit(block.text), align="L",
                           new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.set_y(top + height)
            return
        pdf.set_x(x)
        pdf.multi_cell(width, line, fit(block.text), align="L",
                       link=block.text if block.kind == "link" else None,
                       wrapmode="CHAR" if block.kind == "link" else "WORD",
                       new_x=XPos.LEFT, new_y=YPos.NEXT)

    def header_grid(rows: list[tuple[str, str]]) -> None:
        """The header's labelled values, two to a line: label muted, value in ink."""
        half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
        pdf.set_font(sans, "", 8)
        widest = max((pdf.get_string_width(fit(label)) for label, _value in rows), default=0.0)
        label_w = max(20.0, widest + 2.5)
        for start in range(0, len(rows), 2):
            top, bottom = pdf.get_y(), pdf.get_y()
            for column, (label, value) in enumerate(rows[start:start + 2]):
                x = pdf.l_margin + column * half
                pdf.set_xy(x, top)
                pdf.set_font(sans, "", 8)
                pdf.set_text_color(*_MUTED)
                pdf.cell(label_w, 4.1, fit(label))
                pdf.set_xy(x + label_w, top)
                pdf.set_text_color(*_INK)
                pdf.multi_cell(half - label_w - 3, 4.1, fit(value), align="L",
                               new_x=XPos.LEFT, new_y=YPos.NEXT)
                bottom = max(bottom, pdf.get_y())
            pdf.set_xy(pdf.l_margin, bottom)

    # -- the title and the result ------------------------------------------------------------------------
    pdf.add_page()
    pdf.set_font(sans, "B", 14)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(0, 7, fit(title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(sans, "", 8.5)
    pdf.set_text_color(*_MUTED)
    if header is None:
        pdf.cell(0, 5, fit(_("Mailbox: {target}    Started: {started} (UTC)").format(
            target=target, started=clean(report.started_at))),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    if header is not None:
        rows = [(label, clean(value)) for label, value in header.rows(report)]
        pdf.set_font(sans, "B", 10.5)
        pdf.set_text_color(*_COLOURS[report.result])
        pdf.multi_cell(0, 5.6, fit(rows[0][1]), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(sans, "", 8.5)
        pdf.set_text_color(*_MUTED)
        pdf.multi_cell(0, 4.6, fit(summary), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.2)
        header_grid(rows[1:])
    else:
        pdf.set_font(sans, "B", 10.5)
        pdf.set_text_color(*_COLOURS[report.result])
        pdf.multi_cell(0, 6, fit(summary), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2.5)

    # -- the steps ---------------------------------------------------------------------------------------
    status_w, title_w, duration_w, detail_w = columns
    inner_detail = detail_w - 2 * _PAD
    table_header(pdf)
    pdf.in_table = True
    left = pdf.l_margin
    detail_x = left + status_w + title_w + duration_w + _PAD
    usable = pdf.h - pdf.t_margin - pdf.b_margin - 14
    for step in report.steps:
        blocks = _detail_blocks(step, clean)
        pdf.set_font(sans, "", 9)
        title_lines = pdf.multi_cell(title_w - 2 * _PAD, _LINE, fit(clean(shown_title(step))), dry_run=True,
                                     output="LINES")
        height = max(len(title_lines) * _LINE, sum(block_height(b, inner_detail) for b in blocks)) + 2 * _PAD
        room = pdf.page_break_trigger - pdf.get_y()
        if height > room and room < min(height, usable) / 3:
            pdf.add_page()          # too little room left to start this row; otherwise it flows on
        top = pdf.get_y()
        page = pdf.page_no()
        pdf.set_xy(left, top + _PAD)
        pdf.set_font(sans, "B", 8.5)
        pdf.set_text_color(*_COLOURS[step.status])
        pdf.set_x(left + _PAD)
        pdf.cell(status_w - 2 * _PAD, _LINE, fit(status_word(step.status)))
        pdf.set_xy(left + status_w + _PAD, top + _PAD)
        pdf.set_font(sans, "B" if step.status is StepStatus.FAIL else "", 9)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(title_w - 2 * _PAD, _LINE, fit(clean(shown_title(step))), align="L",
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
        title_bottom = pdf.get_y()
        pdf.set_xy(left + status_w + title_w + _PAD, top + _PAD)
        pdf.set_font(sans, "", 8.5)
        pdf.set_text_color(*_MUTED)
        duration = "" if step.status is StepStatus.SKIP else format_duration(step.duration_ms)
        pdf.cell(duration_w - 2 * _PAD, _LINE, duration, align="R")
        pdf.set_xy(detail_x, top + _PAD)
        pdf.row_title = clean(shown_title(step))
        pdf.continued_bottom = 0.0
        for block in blocks:
            draw_block(block, detail_x, inner_detail)
        pdf.row_title = ""
        bottom = max(pdf.get_y(), pdf.continued_bottom if pdf.page_no() != page else title_bottom)
        pdf.set_draw_color(*_RULE)
        pdf.line(left, bottom + _PAD, left + sum(columns), bottom + _PAD)
        pdf.set_y(bottom + _PAD)
    pdf.in_table = False
    return bytes(pdf.output())


__all__ = ["font_files", "render_pdf"]
