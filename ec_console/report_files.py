"""A check report written to a file: HTML, PDF, JSON or text, atomically and readable by the user only.

Shared by `ec-console check exchange|google --report FILE` and the check window's Export buttons. Text
formats go through the log redactor after rendering; the PDF's strings go through it before layout
(`report_pdf`). The redactor leaves addresses alone, so a report still names its mailbox.
"""

from __future__ import annotations

from pathlib import Path

from ec_console.checks import Report
from ec_console.errors import BadInput

REPORT_FORMATS = ("html", "pdf", "json", "txt")
# `--report`: the format comes from the file name's extension.
REPORT_EXTENSIONS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def report_target(text: str, flag: str = "--report") -> tuple[Path, str]:
    """The file and format of `--report FILE.html|FILE.pdf`; BadInput (before any work) otherwise."""
    path = Path(text).expanduser()
    shown = text if len(text) <= 80 else text[:77] + "..."
    fmt = REPORT_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(f"{flag}: {shown!r} must end in .html or .pdf (the extension chooses the format)")
    if path.is_dir():
        raise BadInput(f"{flag}: {shown!r} is a folder; give a file name")
    if not path.parent.is_dir():
        raise BadInput(f"{flag}: the folder of {shown!r} does not exist")
    return path, fmt


def render_report(report: Report, fmt: str) -> bytes:
    """The report in `fmt` (one of REPORT_FORMATS), never holding a secret the redactor knows."""
    from ec_console.logs import redact

    if fmt not in REPORT_FORMATS:
        raise BadInput(f"report format must be one of {', '.join(REPORT_FORMATS)}, not {fmt!r}")
    if fmt == "pdf":
        from ec_console.report_pdf import render_pdf

        return render_pdf(report, redact=redact)
    from ec_console.render import render_html, render_json, render_text

    text = {"html": render_html, "json": render_json, "txt": render_text}[fmt](report)
    return (redact(text) + ("" if text.endswith("\n") else "\n")).encode("utf-8")


def write_report(report: Report, path: str | Path, fmt: str) -> Path:
    """Write the report to `path` atomically (0600 on POSIX); the folder must exist."""
    from ec_console.paths import private_atomic_writer

    target = Path(path)
    data = render_report(report, fmt)
    with private_atomic_writer(target) as handle:
        handle.write(data)
    return target


__all__ = ["REPORT_EXTENSIONS", "REPORT_FORMATS", "render_report", "report_target", "write_report"]
