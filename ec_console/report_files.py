"""A check report written to a file: HTML, PDF, JSON or text, atomically and readable by the user only.

Shared by `ec-console check ... --report FILE` and the check window's Export buttons. The log redactor
runs over the report's content (`report_header.redacted_report`: step titles, details, data, diagnoses)
before any format is rendered, never over the rendered file: a report names the mailbox it is about and
keeps its markup (an HTML `<code>` element is not a secret field), and never holds a secret. Every file
carries the report's header (`report_header.ReportHeader`) when the caller gives one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ec_console.checks import Report
from ec_console.errors import BadInput
from ec_console.i18n import _

if TYPE_CHECKING:
    from ec_console.report_header import ReportHeader

REPORT_FORMATS = ("html", "pdf", "json", "txt")
# `--report`: the format comes from the file name's extension.
REPORT_EXTENSIONS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def report_target(text: str, flag: str = "--report") -> tuple[Path, str]:
    """The file and format of `--report FILE.html|FILE.pdf`; BadInput (before any work) otherwise."""
    path = Path(text).expanduser()
    shown = text if len(text) <= 80 else text[:77] + "..."
    fmt = REPORT_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(_("{flag}: {file} must end in .html or .pdf (the extension chooses the "
                         "format)").format(flag=flag, file=repr(shown)))
    if path.is_dir():
        raise BadInput(_("{flag}: {file} is a folder; give a file name").format(flag=flag, file=repr(shown)))
    if not path.parent.is_dir():
        raise BadInput(_("{flag}: the folder of {file} does not exist").format(flag=flag, file=repr(shown)))
    return path, fmt


def render_report(report: Report, fmt: str, header: ReportHeader | None = None) -> bytes:
    """The report in `fmt` (one of REPORT_FORMATS), never holding a secret the redactor knows.

    The redactor runs over the report's content (step texts, data, diagnoses) before rendering, never over
    the rendered document: the mailbox, the header and the markup stay as they are.
    """
    from ec_console.logs import redact
    from ec_console.report_header import redacted_report

    if fmt not in REPORT_FORMATS:
        raise BadInput(_("report format must be one of {formats}, not {format}").format(
            formats=", ".join(REPORT_FORMATS), format=repr(fmt)))
    if fmt == "pdf":
        from ec_console.report_pdf import render_pdf

        return render_pdf(report, header=header, redact=redact)
    from ec_console.render import render_html, render_json, render_text

    clean = redacted_report(report, redact)
    text = {"html": render_html, "json": render_json, "txt": render_text}[fmt](clean, header=header)
    return (text + ("" if text.endswith("\n") else "\n")).encode("utf-8")


def write_report(report: Report, path: str | Path, fmt: str, header: ReportHeader | None = None) -> Path:
    """Write the report (with its header, when given) to `path` atomically (0600 on POSIX); the folder
    must exist."""
    from ec_console.paths import private_atomic_writer

    target = Path(path)
    data = render_report(report, fmt, header)
    with private_atomic_writer(target) as handle:
        handle.write(data)
    return target


__all__ = ["REPORT_EXTENSIONS", "REPORT_FORMATS", "render_report", "report_target", "write_report"]
