"""Rendering a check report: readable text for people, JSON for scripts, a standalone HTML page for export.

- A `report_header.ReportHeader` given to `render_text` / `render_json` / `render_html` (and to
  `report_pdf.render_pdf`) adds the report's header: a one-line verdict, the application, platform and
  region, who ran the check, when, and with which version of the console. JSON carries it as a `header`
  object after the contract's keys; without a header every format is exactly what it was.
- `render_text(report)` / `render_step(step)`: the step list (status word, title, duration, detail; for a
  failure the cause and the fix indented, commands on their own lines) and a summary line. ANSI colour only
  when asked. Text that came from a server is stripped of control characters, so an error message cannot
  drive the terminal.
- `render_json(report)`: exactly DESIGN.md's `--json` object (`ensure_ascii=False`, contract key order,
  keys inside `data` sorted).
- `render_error_json(message)`: `{"error": {"code": "bad_input", "message": ...}}` for input refused before
  any step ran.
- `render_html(report)`: one self-contained page, everything escaped. `report_pdf.render_pdf` lays out the
  same content in the same order as a PDF document.
- `data_items(data)`: a step's data as labelled values (HTML and PDF).
"""

from __future__ import annotations

import html
import json
import textwrap
import unicodedata
from typing import TYPE_CHECKING, Any

from ec_console.checks import Diagnosis, Report, StepResult, StepStatus, shown_detail, shown_title
from ec_console.i18n import N_, _, current_language, ngettext

if TYPE_CHECKING:
    from ec_console.report_header import ReportHeader

PROVIDER_NAMES = {"exchange": "Exchange", "google": "Google Workspace", "graph": "Microsoft Graph"}
# The status words of the text and HTML reports (a translation may be longer: the text report pads them).
_WORDS = {StepStatus.PASS: N_("PASS"), StepStatus.WARN: N_("WARN"), StepStatus.FAIL: N_("FAIL"),
          StepStatus.SKIP: N_("SKIP")}
_ANSI = {StepStatus.PASS: "\x1b[32m", StepStatus.WARN: "\x1b[33m", StepStatus.FAIL: "\x1b[31m",
         StepStatus.SKIP: "\x1b[2m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
_INDENT = " " * 8
TEXT_WIDTH = 100


_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def safe_text(text: str, *, keep_newlines: bool = True) -> str:
    """Text from a server or a user, fit for a terminal or a report: control characters (escape sequences
    included) and bidirectional overrides dropped, lone surrogates replaced; line breaks kept when asked."""
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch == "\t":
            out.append("    ")
        elif unicodedata.category(ch) == "Cs":  # a lone surrogate (undecodable argv bytes) cannot be printed
            out.append("\ufffd")
        elif unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" or ch in _BIDI_CONTROLS:
            out.append(" " if ch in "\r\n\u2028\u2029" else "")
        else:
            out.append(ch)
    return "".join(out)


def provider_name(provider: str) -> str:
    return PROVIDER_NAMES.get(provider, provider)


def format_duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _paint(text: str, status: StepStatus, color: bool, *, bold: bool = False) -> str:
    if not color:
        return text
    return f"{_BOLD if bold else ''}{_ANSI[status]}{text}{_RESET}"


def status_word(status: StepStatus) -> str:
    """A step's status as the text and HTML reports show it, in the current language."""
    return _(_WORDS[status])


def _status_width() -> int:
    return max(len(status_word(status)) for status in StepStatus)


def shown_diagnosis(diagnosis: Diagnosis) -> Diagnosis:
    """The diagnosis in the reader's language (the report itself, and --json, keep the English)."""
    from ec_console.diagnoses import localize  # the catalog imports the check model this module uses

    return localize(diagnosis)


def _diagnosis_lines(diagnosis: Diagnosis) -> list[str]:
    """Cause and fix, prose wrapped to `TEXT_WIDTH`; commands and links never wrapped (they are copied)."""
    diagnosis = shown_diagnosis(diagnosis)
    cause = safe_text(diagnosis.cause, keep_newlines=False)
    label = _("Cause:")
    lines = textwrap.wrap(cause, TEXT_WIDTH, initial_indent=f"{_INDENT}{label} ",
                          subsequent_indent=_INDENT + " " * (len(label) + 1), break_long_words=False)
    lines = lines or [f"{_INDENT}{label}"]
    lines.append(_INDENT + _("Fix:"))
    verbatim = {*diagnosis.commands, *diagnosis.links}
    for line in safe_text(diagnosis.remediation).splitlines():
        if not line.strip():
            continue
        if line.strip() in verbatim or line.startswith("    "):
            lines.append(f"{_INDENT}  {line}")
        else:
            lines.extend(textwrap.wrap(line, TEXT_WIDTH, initial_indent=f"{_INDENT}  ",
                                       subsequent_indent=f"{_INDENT}  ", break_on_hyphens=False,
                                       break_long_words=False))
    lines.append(_INDENT + _("(diagnosis code: {code})").format(code=diagnosis.code))
    return lines


def render_step(step: StepResult, *, color: bool = False, title_width: int = 0) -> str:
    """One step as one or more lines (what the CLI prints as each step finishes)."""
    word = status_word(step.status)
    word = _paint(word, step.status, color) + " " * (_status_width() - len(word))
    duration = "" if step.status is StepStatus.SKIP else format_duration(step.duration_ms)
    title = safe_text(shown_title(step), keep_newlines=False).ljust(title_width)
    detail_lines = safe_text(shown_detail(step)).splitlines() or [""]
    head = f"  {word}  {title}  {duration:>8}  {detail_lines[0]}".rstrip()
    lines = [head]
    lines.extend(f"{_INDENT}{line}" for line in detail_lines[1:])
    if step.diagnosis is not None and step.status in (StepStatus.FAIL, StepStatus.WARN):
        lines.extend(_diagnosis_lines(step.diagnosis))
    return "\n".join(lines)


def render_header(report: Report) -> str:
    target = safe_text(report.target, keep_newlines=False)
    return _("{provider} check of {target} (started {started})").format(
        provider=provider_name(report.provider), target=target, started=report.started_at)


def render_summary(report: Report, *, color: bool = False) -> str:
    counts = {status: 0 for status in StepStatus}
    for step in report.steps:
        counts[step.status] += 1
    parts = [_("{n} passed").format(n=counts[StepStatus.PASS]),
             _("{n} warned").format(n=counts[StepStatus.WARN]),
             _("{n} failed").format(n=counts[StepStatus.FAIL]),
             _("{n} skipped").format(n=counts[StepStatus.SKIP])]
    result = _paint(status_word(report.result), report.result, color, bold=True)
    cancelled = _(", cancelled") if report.cancelled else ""
    return _("Result: {result} ({counts}{cancelled})").format(result=result, counts=", ".join(parts),
                                                             cancelled=cancelled)


def header_lines(report: Report | None, header: ReportHeader) -> list[str]:
    """The header's labelled values, one per line, indented under the title line (no verdict without a
    report: the CLI prints these before the steps run)."""
    rows = header.rows(report)
    width = max(len(_("Verdict")), *(len(label) for label, _value in rows)) + 1
    return [f"  {(label + ':').ljust(width)}  {safe_text(value, keep_newlines=False)}"
            for label, value in rows]


def verdict_line(report: Report, header: ReportHeader) -> str:
    """The verdict alone (what the live CLI prints after the last step)."""
    from ec_console.report_header import shown_verdict

    value = shown_verdict(report)
    return _("Verdict: {verdict}").format(verdict=safe_text(value, keep_newlines=False))


def render_text(report: Report, *, color: bool = False, header: ReportHeader | None = None) -> str:
    """The whole report as the CLI prints it without --json (with `header`, its lines under the title)."""
    width = step_title_width(report)
    lines = [render_header(report)]
    if header is not None:
        lines.extend(header_lines(report, header))
    lines.append("")
    lines.extend(render_step(step, color=color, title_width=width) for step in report.steps)
    lines.extend(["", render_summary(report, color=color)])
    return "\n".join(lines) + "\n"


def step_title_width(report: Report) -> int:
    """The width the step titles are padded to (the live CLI pads to the same, from the planned steps)."""
    return max((len(shown_title(s)) for s in report.steps), default=0)


def _sorted_data(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_data(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted_data(v) for v in value]
    return value


MAX_DATA_ITEMS = 12


def _data_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return ", ".join(f"{_data_label(k)}: {_data_value(v)}" for k, v in sorted(value.items(), key=str))
    if isinstance(value, list):
        return ", ".join(_data_value(v) for v in value) if value else _("none")
    return str(value)


# Labels people read for the `data` keys the providers and checks write (HTML and PDF reports; JSON keeps
# the keys). Translated when shown; a key not listed keeps its readable form ("some_key" → "some key").
DATA_LABELS: dict[str, str] = {
    "access": N_("access"),
    "address": N_("address"),
    "addresses": N_("addresses"),
    "all_day": N_("all day"),
    "api_version": N_("API version"),
    "attempts": N_("attempts"),
    "auth_type": N_("authentication"),
    "authority": N_("authority"),
    "autodiscover_url": N_("autodiscover URL"),
    "blocks": N_("busy block"),
    "build": N_("build"),
    "busy": N_("busy times"),
    "busy_blocks": N_("busy blocks"),
    "busy_type": N_("busy type"),
    "ca_file": N_("CA file"),
    "calendar_id": N_("calendar ID"),
    "cert_issuer": N_("certificate issuer"),
    "cert_names": N_("certificate names"),
    "cert_not_after": N_("certificate valid until"),
    "cert_not_before": N_("certificate valid from"),
    "cert_subject": N_("certificate subject"),
    "certificate": N_("certificate"),
    "cipher": N_("cipher"),
    "client_email": N_("client email"),
    "client_id": N_("client ID"),
    "count": N_("count"),
    "created": N_("created"),
    "credential": N_("credential"),
    "days": N_("days"),
    "deleted": N_("deleted"),
    "denied_with": N_("denied with"),
    "directory": N_("directory"),
    "end": N_("end"),
    "error": N_("error"),
    "error_code": N_("error code"),
    "error_codes": N_("error codes"),
    "ews_url": N_("EWS URL"),
    "expires_at": N_("expires at"),
    "folder": N_("folder"),
    "group_dn": N_("group DN"),
    "host": N_("host"),
    "hosts": N_("hosts"),
    "issuer": N_("issuer"),
    "item_id": N_("item ID"),
    "leftover": N_("left over"),
    "looked_up_as": N_("looked up as"),
    "mailbox": N_("mailbox"),
    "name": N_("name"),
    "names": N_("names"),
    "not_after": N_("not after"),
    "not_before": N_("not before"),
    "offered": N_("offered"),
    "offset_seconds": N_("offset (seconds)"),
    "org_unit": N_("organisational unit"),
    "port": N_("port"),
    "primary_email": N_("primary email"),
    "private_key_id": N_("private key ID"),
    "project_id": N_("project ID"),
    "protocol": N_("protocol"),
    "proxy": N_("proxy"),
    "request_id": N_("request ID"),
    "role": N_("role"),
    "roles": N_("roles"),
    "round_trip_ms": N_("round trip (ms)"),
    "scope": N_("scope"),
    "scope_group": N_("scoping group"),
    "scope_name": N_("management scope"),
    "scopes": N_("OAuth scopes"),
    "serial": N_("serial number"),
    "server_date": N_("server date"),
    "server_version": N_("server version"),
    "service_principal": N_("service principal"),
    "settings": N_("settings"),
    "skip_reason": N_("skip reason"),
    "source": N_("source"),
    "start": N_("start"),
    "status": N_("status"),
    "subject": N_("subject"),
    "suspended": N_("suspended"),
    "tenant_id": N_("tenant ID"),
    "tenant_wide_consent": N_("tenant-wide consent"),
    "tenant_wide_roles": N_("tenant-wide roles"),
    "thumbprint_sha256": N_("SHA-256 thumbprint"),
    "time_zone": N_("time zone"),
    "token_source": N_("token source"),
    "token_uri": N_("token URI"),
    "url": N_("URL"),
    "window_days": N_("days looked ahead"),
}


def _data_label(key: Any) -> str:
    label = DATA_LABELS.get(key) if isinstance(key, str) else None
    return _(label) if label else str(key).replace("_", " ")


def data_items(data: dict[str, Any] | None, prefix: str = "") -> list[tuple[str, str]]:
    """A step's `data` as labelled values for people (HTML and PDF reports): keys sorted, nested objects
    as "outer › inner" labels, a list of objects one item each (at most MAX_DATA_ITEMS, then a count)."""
    items: list[tuple[str, str]] = []
    for key in sorted(data or {}, key=str):
        value = (data or {})[key]
        label = f"{prefix}{_data_label(key)}"
        if isinstance(value, dict) and value:
            items.extend(data_items(value, f"{label} › "))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, entry in enumerate(value[:MAX_DATA_ITEMS], start=1):
                items.append((f"{label} {index}", _data_value(entry)))
            if len(value) > MAX_DATA_ITEMS:
                more = len(value) - MAX_DATA_ITEMS
                items.append((label, ngettext("… and {n} more", "… and {n} more", more).format(n=more)))
        else:
            items.append((label, _data_value(value)))
    return items


def report_json_object(report: Report, header: ReportHeader | None = None) -> dict[str, Any]:
    """`report.to_dict()` with each step's `data` keys sorted (stable output for scripts and diffs), and
    with a header its `header` object after the contract's keys."""
    raw = report.to_dict()
    for step in raw["steps"]:
        step["data"] = _sorted_data(step["data"])
    if header is not None:
        raw["header"] = header.to_dict(report)
    return raw


def render_json(report: Report, *, indent: int | None = 2, header: ReportHeader | None = None) -> str:
    return json.dumps(report_json_object(report, header), ensure_ascii=False, indent=indent, allow_nan=False)


def error_object(message: str, code: str = "bad_input") -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def render_error_json(message: str, code: str = "bad_input", *, indent: int | None = 2) -> str:
    """The object `--json` prints when input is refused before any step ran (exit status 2)."""
    return json.dumps(error_object(message, code), ensure_ascii=False, indent=indent)


# --- HTML export ------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1b1b;background:#fff}
h1{font-size:1.3rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid #ddd}
.status{font-weight:bold;white-space:nowrap}.pass{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e}
.skip{color:#6e7781}.dur{white-space:nowrap;text-align:right}.diag{margin:.4rem 0 0 0}
pre{background:#f6f8fa;padding:.4rem .6rem;white-space:pre-wrap;word-break:break-all;margin:.2rem 0}
.code{color:#6e7781;font-size:.85rem}
table.header{width:auto;margin:.6rem 0 1rem 0}
table.header th,table.header td{border:0;padding:.1rem 1rem .1rem 0}
table.header th{color:#6e7781;font-weight:normal;white-space:nowrap}table.header td.verdict{font-weight:bold}
dl.data{display:grid;grid-template-columns:max-content auto;gap:.1rem .8rem;margin:.3rem 0;font-size:.85rem}
dl.data dt{color:#6e7781}dl.data dd{margin:0;word-break:break-all}
@media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3}pre{background:#161b22}
th,td{border-color:#30363d}}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_link(url: str) -> str:
    if url.startswith(("https://", "http://")):
        return f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(url)}</a>'
    return _e(url)


def _html_diagnosis(diagnosis: Diagnosis) -> str:
    diagnosis = shown_diagnosis(diagnosis)
    commands, links = set(diagnosis.commands), set(diagnosis.links)
    cause, fix = _e(_("Cause:")), _e(_("Fix:"))
    parts = [f'<div class="diag"><p><strong>{cause}</strong> {_e(diagnosis.cause)}</p>',
             f"<p><strong>{fix}</strong></p>"]
    for line in diagnosis.remediation.splitlines():
        text = line.strip()
        if not text:
            continue
        if text in commands:
            parts.append(f"<pre><code>{_e(text)}</code></pre>")
        elif text in links:
            parts.append(f"<p>{_html_link(text)}</p>")
        else:
            parts.append(f"<p>{_e(text)}</p>")
    code = _e(_("Diagnosis code: {code}").format(code=diagnosis.code))
    parts.append(f'<p class="code">{code}</p></div>')
    return "".join(parts)


def _html_step(step: StepResult) -> str:
    status = step.status.value
    duration = "" if step.status is StepStatus.SKIP else format_duration(step.duration_ms)
    detail = _e(shown_detail(step))
    if step.diagnosis is not None and step.status in (StepStatus.FAIL, StepStatus.WARN):
        detail += _html_diagnosis(step.diagnosis)
    if step.data:
        items = "".join(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in data_items(step.data))
        data = _e(_("Data"))
        detail += f'<details><summary>{data}</summary><dl class="data">{items}</dl></details>'
    title = _e(shown_title(step))
    return (f'<tr><td class="status {status}">{_e(status_word(step.status))}</td><td>{title}</td>'
            f'<td class="dur">{duration}</td><td>{detail}</td></tr>')


def _html_header(report: Report, header: ReportHeader | None) -> str:
    if header is None:
        return ""
    # A table rather than a CSS grid: it lays out the same in a ticket system that drops the style sheet.
    items = []
    for label, value in header.rows(report):
        css = f' class="verdict {report.result.value}"' if label == _("Verdict") else ""
        items.append(f'<tr><th scope="row">{_e(label)}</th><td{css}>{_e(value)}</td></tr>')
    return f'<table class="header">{"".join(items)}</table>\n'


_COLUMNS = (N_("Status"), N_("Step"), N_("Duration"), N_("Detail"))


def render_html(report: Report, *, header: ReportHeader | None = None) -> str:
    """A complete, self-contained HTML page (inline style, no scripts, no external resources)."""
    title = _e(render_header(report))
    rows = "\n".join(_html_step(s) for s in report.steps)
    summary = _e(render_summary(report))
    heads = "".join(f"<th>{_e(_(word))}</th>" for word in _COLUMNS)
    return (
        f"<!DOCTYPE html>\n<html lang=\"{current_language()}\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{title}</title><style>{_CSS}</style></head><body>\n"
        f"<h1>{title}</h1>\n{_html_header(report, header)}"
        f"<p class=\"status {report.result.value}\">{summary}</p>\n"
        f"<table><thead><tr>{heads}</tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody></table>\n</body></html>\n"
    )
