"""`CheckView` (`checkView`): the connectivity check as a window of its own (Tools → Test connectivity…).

For helpdesk use: pick a saved application (its secret is read from the keychain on the worker thread) or
enter the details ad hoc (the same fields, validation and messages as the setup wizard), name a mailbox,
run. The steps appear live in the shared `StepList`; the result can be copied as text or exported as HTML,
PDF (`report_pdf`, the CLI's renderer) or JSON, with a header naming the application, platform, region,
operator, time and verdict. A report never holds a secret: the report's content (not its mailbox or markup)
is passed through the log redactor as well, so a secret that reached an error message still cannot leave in
a file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, Qt, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ec_console import validation
from ec_console.checks import CancelToken, Report
from ec_console.diagnoses import for_surface, localize, report_for_surface, surface_text
from ec_console.errors import BadInput
from ec_console.logs import redact
from ec_console.registry import Application, Registry
from ec_console.render import render_text
from ec_console.report_files import REPORT_FORMATS, write_report
from ec_console.report_header import ReportHeader, make_header, redacted_report, region_label
from ec_console.ui import theme
from ec_console.ui.step_list import StepBridge, StepList
from ec_console.ui.tasks import Task, run_in_background
from ec_console.ui.wizard import FieldForm
from ec_console.wizard import CONNECTION_PAGES, PLATFORM_CHOICES, Platform, SetupFlow, describe_error

log = logging.getLogger(__name__)

AD_HOC = -1
EXPORT_FORMATS = REPORT_FORMATS
_ADHOC_EXCLUDED = frozenset({"name", "test_mailbox"})
_TIME_ZONE_RE = re.compile(r"\s*\bt+\b")


def checked_at(started_at: str, now: QDateTime | None = None) -> str:
    """When a check ran, in local time and the locale's format (seconds shown, time zone not): the time
    alone for a check of today, date and time for an older one. `started_at` is the report's ISO 8601 UTC."""
    when = QDateTime.fromString(started_at, Qt.DateFormat.ISODate)
    if not when.isValid():
        return started_at
    when = when.toLocalTime()
    locale = QLocale()
    time_format = _TIME_ZONE_RE.sub("", locale.timeFormat(QLocale.FormatType.LongFormat)).strip()
    text = locale.toString(when.time(), time_format)
    today = (now or QDateTime.currentDateTime()).toLocalTime().date()
    if when.date() != today:
        text = f"{locale.toString(when.date(), QLocale.FormatType.ShortFormat)} {text}"
    return text


def export_report(report: Report, path: str | Path, fmt: str, header: ReportHeader | None = None) -> Path:
    """Write `report` to `path` as html, pdf, json or txt: `report_files.write_report`, the same writer
    (and the same Qt-free PDF) as `ec-console check ... --report` (redacted; atomic; never a secret).
    HTML, PDF and text speak the window's words (fields, not command-line flags); JSON stays exactly the
    command line's `--json` object, for scripts."""
    return write_report(report if fmt == "json" else report_for_surface(report, "gui"), path, fmt, header)


class CheckView(QWidget):
    """The standalone connectivity check window of one region."""

    def __init__(self, region_id: str, *, parent: QWidget | None = None,
                 registry_factory: Callable[[str], Registry] | None = None, store: Any = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("checkView")
        self.setAccessibleName(self.tr("Connectivity check"))
        self._registry_factory = registry_factory or Registry.for_region
        self.store = store
        self.region_id = region_id
        self.applications: list[Application] = []
        self.report: Report | None = None
        self.task: Task | None = None
        self.export_task: Task | None = None
        # What the last run was about (its application's name, None for details entered here, and settings):
        # the exported report's header names it even if the selection has changed since.
        self.report_about: tuple[str | None, dict[str, Any]] = (None, {})
        self.cancel_token: CancelToken | None = None
        self.running = False
        self.stale = False
        self._result_inputs: tuple[Any, ...] | None = None   # what the shown result was run with
        self._result_mailbox = ""
        self.adhoc_flow = SetupFlow(region_id)
        self.adhoc_flow.choose_platform(Platform.ONPREM)
        self.adhoc_form: FieldForm | None = None
        self._build()
        self.set_region(region_id)
        self.resize(820, 680)

    # -- building ----------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.source = QComboBox()
        self.source.setObjectName("checkSource")
        self.source.setAccessibleName(self.tr("Application"))
        self.source.currentIndexChanged.connect(self._source_changed)
        self.platform = QComboBox()
        self.platform.setObjectName("checkPlatform")
        self.platform.setAccessibleName(self.tr("Platform"))
        for choice in PLATFORM_CHOICES:
            self.platform.addItem(choice.title, choice.platform.value)
        self.platform.currentIndexChanged.connect(self._platform_changed)
        self.mailbox = QLineEdit()
        self.mailbox.setObjectName("checkMailbox")
        self.mailbox.setAccessibleName(self.tr("Mailbox"))
        self.mailbox.setPlaceholderText(self.tr("the mailbox or user to check, e.g. alice@contoso.com"))
        self.mailbox.textChanged.connect(self._validate_inputs)
        self.mailbox.returnPressed.connect(self.run)
        self.denied = QLineEdit()
        self.denied.setObjectName("checkDeniedMailbox")
        self.denied.setAccessibleName(self.tr("Mailbox that must be denied"))
        self.denied.setPlaceholderText(self.tr("optional: prove this mailbox is outside the scope"))
        self.denied.textChanged.connect(self._validate_inputs)
        self.write_probe = QCheckBox(self.tr("Also test &writing (Exchange)"))
        self.write_probe.setObjectName("checkWriteProbe")
        self.write_probe.setAccessibleName(self.tr("Also test writing"))
        self.write_probe.setToolTip(self.tr(
            "Creates one test item in the mailbox's calendar (no attendees, so no invitation is sent) and "
            "deletes it again, proving the application may write. Off: the check only reads busy times."))
        self.write_probe.setChecked(False)
        self.write_probe.toggled.connect(self._validate_inputs)
        self.message = QLabel()
        self.message.setObjectName("checkMessage")
        self.message.setWordWrap(True)

        top = QFormLayout()
        source_label = QLabel(self.tr("&Application:"))
        source_label.setBuddy(self.source)
        top.addRow(source_label, self.source)
        self.platform_label = QLabel(self.tr("&Platform:"))
        self.platform_label.setBuddy(self.platform)
        top.addRow(self.platform_label, self.platform)
        self.adhoc_holder = QVBoxLayout()
        mailbox_label = QLabel(self.tr("&Mailbox:"))
        mailbox_label.setBuddy(self.mailbox)
        denied_label = QLabel(self.tr("Must be &denied:"))
        denied_label.setBuddy(self.denied)
        bottom = QFormLayout()
        bottom.addRow(mailbox_label, self.mailbox)
        bottom.addRow(denied_label, self.denied)
        bottom.addRow("", self.write_probe)

        self.run_button = QPushButton(self.tr("&Run check"))
        self.run_button.setObjectName("runCheckButton")
        self.run_button.setAccessibleName(self.tr("Run check"))
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton(self.tr("S&top"))
        self.stop_button.setObjectName("stopCheckButton")
        self.stop_button.setAccessibleName(self.tr("Stop the check"))
        self.stop_button.clicked.connect(self.cancel)
        self.stop_button.hide()
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.stop_button)
        run_row.addStretch(1)

        self.result_heading = QLabel()
        self.result_heading.setObjectName("checkResultHeading")
        self.result_heading.setAccessibleName(self.tr("Result for"))
        self.result_heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading_font = self.result_heading.font()
        heading_font.setBold(True)
        self.result_heading.setFont(heading_font)
        self.result_heading.hide()
        self.stale_notice = QLabel()
        self.stale_notice.setObjectName("checkStaleNotice")
        self.stale_notice.setAccessibleName(self.tr("The result is out of date"))
        self.stale_notice.setWordWrap(True)
        self.stale_notice.hide()
        self.steps = StepList(self)
        self.bridge = StepBridge(self)
        self.steps.connect_bridge(self.bridge)
        self.result = QLabel()
        self.result.setObjectName("checkResult")
        self.result.setWordWrap(True)
        self.copy_button = self._button(self.tr("&Copy as text"), "copyReportButton", self.copy_text)
        self.export_buttons = {
            fmt: self._button(label, f"export{fmt.upper()}Button",
                              lambda _c=False, f=fmt: self.export_dialog(f))
            for fmt, label in (("html", self.tr("Export &HTML…")), ("pdf", self.tr("Export PD&F…")),
                               ("json", self.tr("Export &JSON…")))
        }
        export_row = QHBoxLayout()
        export_row.addWidget(self.copy_button)
        for button in self.export_buttons.values():
            export_row.addWidget(button)
        export_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self.adhoc_holder)
        layout.addLayout(bottom)
        layout.addWidget(self.message)
        layout.addLayout(run_row)
        layout.addWidget(self.result_heading)
        layout.addWidget(self.stale_notice)
        layout.addWidget(self.steps, 1)
        self.missing_credential: Any = None
        self.import_button = self._button(self.tr("&Import credential…"), "importCredentialButton",
                                          self.import_credential)
        self.import_button.hide()
        result_row = QHBoxLayout()
        result_row.addWidget(self.result, 1)
        result_row.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(result_row)
        layout.addLayout(export_row)
        self._set_report_actions(False)
        # A window of its own, not a dialog: Escape or Ctrl+W closes it (a running check stops).
        close = QAction(self.tr("Close"), self, objectName="closeCheckViewAction")
        close.setShortcuts([QKeySequence(QKeySequence.StandardKey.Close), QKeySequence(Qt.Key.Key_Escape)])
        close.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        close.triggered.connect(self.close)
        self.addAction(close)

    def _button(self, text: str, name: str, slot: Callable[..., Any]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(slot)
        return button

    # -- sources -----------------------------------------------------------------------------------------

    def set_region(self, region_id: str) -> None:
        """List the region's active applications (a small indexed read on the GUI thread)."""
        self.region_id = region_id
        try:
            with self._registry_factory(region_id) as registry:
                self.applications = registry.list_applications(include_revoked=False)
        except Exception as exc:  # noqa: BLE001 - shown inline; ad hoc checks still work
            self.applications = []
            self._show_message(self.tr("The applications could not be read: %s") % describe_error(exc))
        current = self.source.currentData()
        self.source.blockSignals(True)
        self.source.clear()
        for app in self.applications:
            self.source.addItem(f"{app.name} ({app.domain})", app.id)
        self.source.addItem(self.tr("Enter details…"), AD_HOC)
        index = self.source.findData(current)
        self.source.setCurrentIndex(index if index >= 0 else 0)
        self.source.blockSignals(False)
        self.setWindowTitle(self.tr("Test connectivity — %s") % region_id.upper())
        self._source_changed()

    def selected_application(self) -> Application | None:
        app_id = self.source.currentData()
        return next((a for a in self.applications if a.id == app_id), None)

    @Slot()
    def _source_changed(self, *_: object) -> None:
        adhoc = self.source.currentData() == AD_HOC
        self.platform.setVisible(adhoc)
        self.platform_label.setVisible(adhoc)
        if adhoc and self.adhoc_form is None:
            self._platform_changed()
        if self.adhoc_form is not None:
            self.adhoc_form.setVisible(adhoc)
        app = self.selected_application()
        if app is not None and not self.mailbox.text():
            target = app.settings.get("test_mailbox") or app.settings.get("test_user") or ""
            self.mailbox.setText(str(target))
        self._validate_inputs()

    @Slot()
    def _platform_changed(self, *_: object) -> None:
        platform = Platform(self.platform.currentData())
        flow = SetupFlow(self.region_id)
        flow.choose_platform(platform)
        self.adhoc_flow = flow
        if self.adhoc_form is not None:
            self.adhoc_form.deleteLater()
        self.adhoc_form = FieldForm(lambda: self.adhoc_flow, CONNECTION_PAGES[platform], self,
                                    exclude=_ADHOC_EXCLUDED)
        self.adhoc_form.setObjectName("adhocForm")
        self.adhoc_form.changed.connect(lambda _key: self._validate_inputs())
        self.adhoc_holder.addWidget(self.adhoc_form)
        self._validate_inputs()

    def check_profile(self, application_id: int, mailbox: str) -> bool:
        """The helpdesk's quick check: pick the profile's application (its secret is read from the keychain
        on the worker thread), fill in its mailbox and start at once. False, saying why, when it cannot."""
        if self.running:
            self._show_message(self.tr("A check is still running: stop it, then test %s again.") % mailbox)
            return False
        index = self.source.findData(application_id)
        if index < 0:
            self._show_message(self.tr("The application of %s is no longer active in this region: it cannot "
                                       "be checked.") % mailbox)
            return False
        self.source.setCurrentIndex(index)
        self.mailbox.setText(mailbox)
        self.denied.clear()
        self.write_probe.setChecked(False)
        self.run()
        return self.running

    # -- validation and running --------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What keeps the check from running (empty when it can run)."""
        issues: list[str] = []
        try:
            validation.email_address(self.mailbox.text(), self.tr("Mailbox"))
        except BadInput as exc:
            issues.append(exc.message)
        if self.denied.text().strip():
            try:
                validation.email_address(self.denied.text(), self.tr("Mailbox that must be denied"))
            except BadInput as exc:
                issues.append(exc.message)
        if self.source.currentData() == AD_HOC:
            flow = self.adhoc_flow
            page = CONNECTION_PAGES[flow.platform] if flow.platform else None
            if page is not None:
                issues += [m for k, m in flow.page_errors(page).items() if k not in _ADHOC_EXCLUDED]
        elif self.selected_application() is None:
            issues.append(self.tr("Pick an application, or Enter details…"))
        return issues

    def current_provider(self) -> str | None:
        """"exchange", "google" or "graph" for the chosen application or ad hoc platform (None: none)."""
        if self.source.currentData() == AD_HOC:
            return Platform(self.platform.currentData()).provider
        app = self.selected_application()
        return app.provider if app is not None else None

    @Slot()
    def _validate_inputs(self, *_: object) -> None:
        # The write probe is an Exchange and Graph step (Google's check only reads busy times).
        self.write_probe.setEnabled(not self.running and self.current_provider() in ("exchange", "graph"))
        issues = self.problems()
        self.run_button.setEnabled(not self.running and not issues)
        touched = bool(self.mailbox.text() or self.denied.text())
        self._show_message(issues[0] if issues and touched else "")
        self._update_staleness()

    # -- a result and the inputs it was run with ---------------------------------------------------------

    def _inputs(self) -> tuple[Any, ...]:
        """Everything the result depends on, as typed now (addresses compared without case or spaces)."""
        adhoc = self.source.currentData() == AD_HOC
        values = repr(sorted(self.adhoc_flow.raw.items(), key=lambda kv: kv[0])) if adhoc else ""
        return (self.source.currentData(), self.platform.currentData() if adhoc else None, values,
                self.mailbox.text().strip().lower(), self.denied.text().strip().lower(),
                self.write_probe.isEnabled() and self.write_probe.isChecked())

    def _update_staleness(self) -> None:
        """Grey the shown result out, and say so, once an input it depends on has changed since it ran."""
        stale = (self.report is not None and not self.running and self._result_inputs is not None
                 and self._inputs() != self._result_inputs)
        self.stale = stale
        self.steps.setEnabled(not stale)
        self._colour_result()
        if not stale:
            self.stale_notice.hide()
            return
        now = self.mailbox.text().strip()
        old = self._result_mailbox
        if now.lower() == old.lower():
            text = self.tr("This result is for %s with the previous settings; run the check again to use "
                           "the new ones.") % old
        elif now and not self.problems():
            text = self.tr("This result is for %s; run the check again for %s.") % (old, now)
        else:
            text = self.tr("This result is for %s; run the check again for the mailbox you enter.") % old
        self.stale_notice.setText(text)
        self.stale_notice.show()

    def _colour_result(self) -> None:
        if self.report is None:
            return
        if self.stale:
            grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
            self.result.setStyleSheet(f"color: {grey};")
            self.result_heading.setStyleSheet(f"color: {grey};")
        else:
            self.result.setStyleSheet(f"color: {theme.status_colour(self.report.result.value).name()};")
            self.result_heading.setStyleSheet("")

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {theme.status_colour('fail').name()};" if text else "")
        self.message.setVisible(bool(text))

    def _target(self) -> tuple[Any, Callable[[], str], str, str | None]:
        mailbox = validation.email_address(self.mailbox.text(), self.tr("Mailbox"))
        denied = self.denied.text().strip() or None
        if self.source.currentData() == AD_HOC:
            flow = self.adhoc_flow
            flow.set_value("test_mailbox", mailbox)
            snapshot = flow.snapshot()
            application = replace(snapshot.draft(), name="ad hoc check")
            secret = snapshot.new_secret()
            if secret is None:
                raise BadInput(self.tr("Enter the secret for the ad hoc check"))
            return application, (lambda: secret), mailbox, denied
        app = self.selected_application()
        if app is None:
            raise BadInput(self.tr("Pick an application"))
        region_id, store = self.region_id, self.store

        def secret_loader() -> str:
            from ec_console.dashboard import application_secret
            from ec_console.providers.base import adapter_for

            secret = application_secret(app, adapter_for(app.provider), region_id=region_id, store=store)
            if secret is None:
                from ec_console.dashboard import CredentialMissing, import_advice

                raise CredentialMissing(QCoreApplication.translate(
                    "CheckView", "This desktop's keychain holds no secret for %s: %s") % (
                    repr(app.name), import_advice(app.name)), app)
            return secret

        return app, secret_loader, mailbox, denied

    @Slot()
    def run(self) -> None:
        if self.running:
            return
        try:
            application, load_secret, mailbox, denied = self._target()
        except BadInput as exc:
            self._show_message(exc.message)
            return
        from ec_console.wizard import run_application_check

        write_probe = self.write_probe.isEnabled() and self.write_probe.isChecked()
        self._plan(application, mailbox, denied, write_probe)
        adhoc = self.source.currentData() == AD_HOC
        self.report_about = (None if adhoc else application.name, dict(application.settings or {}))
        cancel = CancelToken()
        bridge = self.bridge
        self.cancel_token = cancel

        def work(_ctx: Any) -> Report:
            return run_application_check(application, load_secret(), mailbox, expect_denied=denied,
                                         write_probe=write_probe, cancel=cancel, observer=bridge.on_step,
                                         on_step_started=bridge.on_step_started)

        self.report = None
        self._result_inputs = self._inputs()
        self._result_mailbox = mailbox
        self._set_report_actions(False)
        self.result_heading.setText(mailbox)
        self.result_heading.setStyleSheet("")
        self.result_heading.show()
        self.result.setText(self.tr("Checking %s…") % mailbox)
        self.result.setStyleSheet("")
        self._set_running(True)
        self.task = run_in_background(self, work, on_success=self._done, on_failure=self._failed,
                                      on_cancelled=self._cancelled)

    def _plan(self, application: Any, mailbox: str, denied: str | None, write_probe: bool = False) -> None:
        if application.provider == "graph":
            from ec_console.providers.base import GraphAdapter
            from ec_console.providers.graph import graph_steps

            self.steps.set_plan(graph_steps(GraphAdapter.settings_for(
                application, mailbox, expect_denied=denied, write_probe=write_probe)))
            return
        if application.provider == "google":
            from ec_console.providers.google.check import GOOGLE_STEPS

            self.steps.set_plan(GOOGLE_STEPS)
            return
        from ec_console.providers.base import ExchangeAdapter
        from ec_console.providers.exchange.check import exchange_steps

        settings = replace(ExchangeAdapter.settings_for(application, mailbox), expect_denied=denied,
                           write_probe=write_probe)
        self.steps.set_plan(exchange_steps(settings))

    @Slot()
    def cancel(self) -> None:
        if self.cancel_token is not None:
            self.cancel_token.cancel()
        if self.task is not None:
            self.task.cancel()

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.stop_button.setVisible(running)
        self.source.setEnabled(not running)
        self._validate_inputs()

    def _done(self, report: Report) -> None:
        self.task = None
        self.report = report
        # A failure's diagnosis, else the first warning's (a warning can carry one too).
        diagnosis = report.diagnosis or next(
            (s.diagnosis for s in report.steps if s.status.value == "warn" and s.diagnosis is not None), None)
        words = {"pass": self.tr("Passed"), "warn": self.tr("Passed with warnings"),
                 "fail": self.tr("Failed")}
        text = words[report.result.value]
        if diagnosis is not None:
            cause = localize(for_surface(diagnosis, "gui"), "gui").cause  # in the window's language
            text += f" — {diagnosis.code}: {surface_text(cause)}"
        self.result.setText(text)
        self.result_heading.setText(
            self.tr("%s · checked %s") % (report.target, checked_at(report.started_at)))
        self._set_report_actions(True)
        self._set_running(False)
        self._colour_result()

    def _failed(self, exc: BaseException) -> None:
        from ec_console.dashboard import CredentialMissing

        self.task = None
        self.result.setText(self.tr("The check could not run: %s") % describe_error(exc))
        self.result.setStyleSheet(f"color: {theme.status_colour('fail').name()};")
        self.missing_credential = exc.application if isinstance(exc, CredentialMissing) else None
        self.import_button.setVisible(self.missing_credential is not None)
        self._set_running(False)

    @Slot()
    def import_credential(self) -> Any:
        """Import credential… for the application whose credential this desktop's keychain lacks."""
        from ec_console.ui import operations as ops
        from ec_console.ui.import_credential import ImportCredentialDialog

        app = self.missing_credential
        if app is None:
            return None
        dialog = ImportCredentialDialog(app, ops.Scope(self.region_id, self._registry_factory, self.store),
                                        self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._credential_imported)
        dialog.open()
        return dialog

    def _credential_imported(self, _app: Any) -> None:
        self.missing_credential = None
        self.import_button.hide()
        self.result.setText(self.tr("The credential is in this desktop's keychain: run the check again."))
        self.result.setStyleSheet("")

    def _cancelled(self) -> None:
        self.task = None
        self.result.setText(self.tr("The check was stopped."))
        self._set_running(False)

    # -- the result --------------------------------------------------------------------------------------

    def _set_report_actions(self, enabled: bool) -> None:
        self.copy_button.setEnabled(enabled)
        for button in self.export_buttons.values():
            button.setEnabled(enabled)

    def report_header(self) -> ReportHeader | None:
        """The header of the exported report: the application, platform and region of the last run."""
        if self.report is None:
            return None
        name, settings = self.report_about
        return make_header(self.report, application=name, settings=settings,
                           region=region_label(self.region_id))

    def report_text(self) -> str:
        if self.report is None:
            return ""
        return render_text(redacted_report(report_for_surface(self.report, "gui"), redact),
                           header=self.report_header())

    @Slot()
    def copy_text(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report_text())

    def export(self, path: str | Path, fmt: str) -> Path:
        if self.report is None:
            raise BadInput(self.tr("Run a check first"))
        return export_report(self.report, path, fmt, self.report_header())

    def export_dialog(self, fmt: str) -> None:
        if self.report is None:
            return
        names = {"html": self.tr("HTML page (*.html)"), "pdf": self.tr("PDF document (*.pdf)"),
                 "json": self.tr("JSON (*.json)")}
        default = f"check-{self.report.target.replace('@', '-at-')}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the result"), default, names[fmt])
        if not path:
            return
        report, target, header = self.report, Path(path), self.report_header()
        self._set_report_actions(False)
        # Rendering a PDF (font subsetting) takes a noticeable fraction of a second: off the GUI thread.
        self.export_task = run_in_background(
            self, lambda _ctx: export_report(report, target, fmt, header),
            on_success=lambda _p: self._exported(path), on_failure=self._export_failed)

    def _exported(self, path: str) -> None:
        self.export_task = None
        self._set_report_actions(self.report is not None)
        self.result.setText(self.result.text() + "\n" + self.tr("Saved to %s") % path)

    def _export_failed(self, exc: BaseException) -> None:
        self.export_task = None
        self._set_report_actions(self.report is not None)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else describe_error(exc)
        self._show_message(self.tr("The file could not be written: %s") % why)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.cancel()
        super().closeEvent(event)


__all__ = ["CheckView", "export_report"]
