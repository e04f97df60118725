"""What a report file says about itself, above the steps: which application, platform and region it is about,
which console made it, who ran it and when, and a one-line verdict (Qt-free).

- `ReportHeader`: the application (None for details entered for one check), the platform, the region, the
  console's version, the operator (the OS user) and the time (ISO 8601 UTC). `to_dict(report)` is the
  `header` object of the JSON report (the verdict included).
- `make_header(report, ...)`: a header for `report` made now, by this OS user.
- `verdict(report)`: one line an administrator can paste into a ticket ("Reachable: impersonation works and
  the calendar can be read", "Not reachable: <the first failing step's cause>").
- `redacted_report(report, redact)`: the report with every text that came from a check (step titles,
  details, data, diagnoses) passed through `redact`. The mailbox, the provider and the times are left as
  they are: a report names the mailbox it is about, and the redactor only ever sees content, never the
  rendered markup (an HTML `<code>` element is not a secret field).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ec_console import APP_DISPLAY_NAME, __version__
from ec_console.checks import Diagnosis, Report, StepResult, StepStatus
from ec_console.i18n import N_, SOURCE_LANGUAGE, _, current_language, format_date
from ec_console.words import count

# The header's values are kept in English (the JSON report's `header` object); `rows()` shows them in the
# reader's language.
AD_HOC = N_("none (details entered for this check)")
NO_REGION = N_("none (no saved application)")
UNKNOWN_USER = N_("unknown user")
PLATFORM_LABELS = {
    "exchange_onprem": N_("Exchange on-premises (EWS)"),
    "exchange_online": N_("Exchange Online (EWS)"),
    "graph": N_("Exchange Online (Microsoft Graph)"),
    "google": N_("Google Workspace (domain-wide delegation)"),
    "google_marketplace": N_("Google Workspace (Marketplace app)"),
}
VERDICT_LABEL = N_("Verdict")


def operator_name() -> str:
    """The OS user running the console; a placeholder when the system cannot say (no passwd entry)."""
    try:
        name = getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises OSError / KeyError / ImportError on odd systems
        name = os.environ.get("USER") or os.environ.get("USERNAME") or ""
    name = "".join(ch for ch in str(name) if ch.isprintable()).strip()
    return name[:100] or UNKNOWN_USER


def platform_label(provider: str, settings: Mapping[str, Any] | None = None, *,
                   oauth: bool | None = None) -> str:
    """The platform in words, from a check's provider and (when known) the application's settings."""
    settings = settings or {}
    if provider == "google":
        key = "google_marketplace" if settings.get("install") == "marketplace" else "google"
    elif provider == "graph":
        key = "graph"
    elif provider == "exchange":
        if oauth is None:
            oauth = settings.get("auth") == "oauth" or (settings.get("auth") is None
                                                        and bool(settings.get("tenant_id")))
        key = "exchange_online" if oauth else "exchange_onprem"
    else:
        return provider
    return PLATFORM_LABELS[key]


def readable_time(iso: str) -> str:
    """"2026-12-03T07:05:09Z" as "3 Dec 2026, 07:05 UTC" ("03.12.2026, 07:05 UTC" in German; the text as
    given when it is not such a time)."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, AttributeError):
        return iso
    if current_language() == SOURCE_LANGUAGE:
        return f"{moment.day} {moment:%b %Y, %H:%M} UTC"
    return f"{format_date(moment.replace(tzinfo=None))}, {moment:%H:%M} UTC"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ReportHeader:
    application: str | None      # None: details entered for this check only
    platform: str
    region: str | None           # the region's label, "United States (US)"; None when unknown
    version: str
    operator: str
    created_at: str              # ISO 8601 UTC

    def rows(self, report: Report | None) -> list[tuple[str, str]]:
        """Labelled values for people (text, HTML, PDF) in the current language, the verdict first (its
        label is `_(VERDICT_LABEL)`). Without a report (the CLI printing the header before the steps run)
        there is no verdict yet, and the time is the header's."""
        rows = [(_(VERDICT_LABEL), shown_verdict(report))] if report is not None else []
        rows.extend([
            (_("Application"), self.application or _(AD_HOC)),
            (_("Platform"), _(self.platform) if self.platform in PLATFORM_LABELS.values() else self.platform),
            (_("Region"), self.region or _(NO_REGION)),
            (_("Run by"), _(UNKNOWN_USER) if self.operator == UNKNOWN_USER else self.operator),
            (_("Time"), readable_time(report.started_at if report is not None else self.created_at)),
            (_("Console"), f"{APP_DISPLAY_NAME} {self.version}"),
        ])
        return rows

    def to_dict(self, report: Report) -> dict[str, Any]:
        """The `header` object of the JSON report."""
        return {
            "application": self.application,
            "platform": self.platform,
            "region": self.region,
            "console_version": self.version,
            "operator": self.operator,
            "created_at": self.created_at,
            "verdict": verdict(report),
        }


def make_header(report: Report | str, *, application: str | None = None,
                settings: Mapping[str, Any] | None = None, region: str | None = None,
                oauth: bool | None = None, now: str | None = None) -> ReportHeader:
    """A header for `report` (or for a check of that provider about to run), made now by this OS user.
    `region` is the region's label."""
    provider = report.provider if isinstance(report, Report) else report
    return ReportHeader(
        application=application,
        platform=platform_label(provider, settings, oauth=oauth),
        region=region,
        version=__version__,
        operator=operator_name(),
        created_at=now or _now(),
    )


def region_label(region_id: str | None) -> str | None:
    """"United States (US)" for a configured region id; the id itself when the catalog cannot say."""
    if not region_id:
        return None
    try:
        from ec_console.regions import load_regions

        return load_regions().get(region_id).label
    except Exception:  # noqa: BLE001 - a header never stops a report from being written
        return region_id


# --- the verdict ------------------------------------------------------------------------------------------
# Made in English for the JSON report (`verdict`) and in the reader's language for people (`shown_verdict`).

_ACCESS = {
    "exchange": N_("impersonation works"),
    "graph": N_("the application's access works"),
    "google": N_("domain-wide delegation works"),
}
_DELEGATE_ACCESS = N_("the service account's folder permissions work")
_SOME_ACCESS = N_("access works")


def _english(text: str) -> str:
    return text


def _one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line.rstrip(".") if line.endswith(".") and not line.endswith("..") else line


def _why(step: StepResult, t: Callable[[str], str]) -> str:
    shown = t is not _english
    if step.diagnosis is not None and step.diagnosis.cause:
        if shown:
            from ec_console.diagnoses import localize

            return _one_line(localize(step.diagnosis).cause)
        return _one_line(step.diagnosis.cause)
    if shown:
        from ec_console.checks import shown_detail

        detail = shown_detail(step)
    else:
        detail = step.detail
    return _one_line(detail) or t(N_("the step “{title}” failed")).format(title=step.title)


def _access_words(report: Report, t: Callable[[str], str]) -> str:
    if report.provider == "exchange":
        step = report.step("impersonate")
        if step is not None and (step.data or {}).get("access") == "delegate":
            return t(_DELEGATE_ACCESS)
    return t(_ACCESS.get(report.provider, _SOME_ACCESS))


def _verdict(report: Report, t: Callable[[str], str]) -> str:
    read = report.step("read_calendar")
    calendar_read = read is not None and read.status in (StepStatus.PASS, StepStatus.WARN)
    failed = report.first_failure
    if failed is not None:
        if calendar_read:
            return t(N_("Reachable, but “{title}” failed: {why}")).format(title=failed.title,
                                                                           why=_why(failed, t))
        return t(N_("Not reachable: {why}")).format(why=_why(failed, t))
    if report.cancelled:
        return t(N_("Not finished: the check was stopped before every step ran"))
    if all(step.status is StepStatus.SKIP for step in report.steps):
        return t(N_("Not proved: no step ran"))
    what = _access_words(report, t)
    line = (t(N_("Reachable: {access} and the calendar can be read")) if calendar_read
            else t(N_("Reachable: {access}"))).format(access=what)
    warnings = [step for step in report.steps if step.status is StepStatus.WARN]
    if warnings:
        if t is _english:
            many = f"{len(warnings):,} {'warning' if len(warnings) == 1 else 'warnings'}"
        else:
            many = count(len(warnings), "warning", "warnings")
        line += f" ({many}: {_why(warnings[0], t)})"
    return line


def verdict(report: Report) -> str:
    """One line for a ticket: reachable or not, and why not (English: the JSON report's `verdict`)."""
    return _verdict(report, _english)


def shown_verdict(report: Report) -> str:
    """The verdict in the current language (the text, HTML and PDF reports, the check window)."""
    return _verdict(report, _)


# --- redaction of a report's content ----------------------------------------------------------------------


def _redact_value(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item, redact) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item, redact) for item in value]
    return value


def _redact_diagnosis(diagnosis: Diagnosis | None, redact: Callable[[str], str]) -> Diagnosis | None:
    if diagnosis is None:
        return None
    return replace(diagnosis, cause=redact(diagnosis.cause), remediation=redact(diagnosis.remediation),
                   commands=[redact(c) for c in diagnosis.commands],
                   links=[redact(u) for u in diagnosis.links])


def redacted_report(report: Report, redact: Callable[[str], str]) -> Report:
    """`report` with each step's texts, data and diagnosis passed through `redact` (the mailbox kept)."""
    steps = tuple(
        replace(step, title=redact(step.title), detail=redact(step.detail),
                data=_redact_value(step.data, redact) if step.data is not None else None,
                diagnosis=_redact_diagnosis(step.diagnosis, redact))
        for step in report.steps
    )
    return replace(report, steps=steps)


__all__ = ["AD_HOC", "VERDICT_LABEL", "ReportHeader", "make_header", "operator_name", "platform_label",
           "readable_time", "redacted_report", "region_label", "shown_verdict", "verdict"]
