"""Edit an application (`editApplicationDialog`) and remove a revoked one (`removeApplicationDialog`).

The edit dialog has four small sections, each doing one audited thing through `ui/operations.py` (the
work runs off the GUI thread; the core, `ec_console.application_edit`, decides what is written):

- **Name**: rename (unique in the region; the keychain secret moves with it).
- **Scope group**: the group the application is limited to (Exchange; a Google Marketplace install's group
  or organisational unit). Domain-wide delegation covers the whole domain: the section says so instead.
- **Secret** (password, client secret or service-account key): the new one is checked first with the
  application's setup check; the old one is replaced only when the check passes, or warns and the
  administrator presses *Replace anyway*. A failed check shows its diagnosis and leaves the old one.
- **Setup check**: run it again with the stored secret.

The wizard (double-click an application) still edits the connection settings themselves.

The remove dialog exports the revoked application's history to a JSON file first, then deletes it; the
administrator types the name to confirm, as for revoking.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ec_console.checks import Report, StepSpec, StepStatus
from ec_console.registry import Application
from ec_console.ui import operations as ops
from ec_console.ui.profiles_model import provider_label
from ec_console.ui.step_list import StepList

# What each kind of secret is called in a sentence (translated where shown: `secret_word`).
SECRET_WORDS = {"password": QT_TRANSLATE_NOOP("EditApplicationDialog", "password"),
                "client_secret": QT_TRANSLATE_NOOP("EditApplicationDialog", "client secret"),
                "key": QT_TRANSLATE_NOOP("EditApplicationDialog", "service-account key"),
                "certificate_password": QT_TRANSLATE_NOOP("EditApplicationDialog", "certificate passphrase")}


def secret_word(kind: str) -> str:
    """The kind of secret in words, in the window's language."""
    return QCoreApplication.translate("EditApplicationDialog", SECRET_WORDS[kind])


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label


def _note(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class StatusLine(QLabel):
    """An outcome line under a section's field: hidden while it has nothing to say (no empty gap)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self.hide()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self.setVisible(bool(text))


def _secret_kind(application: Application) -> str:
    if application.provider == "google":
        return "key"
    if application.provider == "graph":  # a client secret, or a certificate file's passphrase
        from ec_console.providers.base import GraphAdapter

        return GraphAdapter().secret_kind(application)
    s = application.settings
    oauth = s.get("auth") == "oauth" or (s.get("auth") is None and bool(s.get("tenant_id")))
    return "client_secret" if oauth else "password"


class EditApplicationDialog(QDialog):
    """Rename, change the scope group, rotate the secret (checked first), run the setup check again."""

    changed = Signal(object)          # the updated Application, after any change is written

    def __init__(self, application: Application, scope: ops.Scope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editApplicationDialog")
        self.setAccessibleName(self.tr("Edit application"))
        self.application = application
        self.scope = scope
        self.kind = _secret_kind(application)
        self.what = secret_word(self.kind)
        self.checked: ops.CheckedSecret | None = None
        self.operation: ops.Operation | None = None
        self.check_operation: ops.Operation | None = None
        self._build()
        self._set_title()
        self.resize(720, 700)
        self._update_state()

    # ------------------------------------------------------------------------------------ building
    def _build(self) -> None:
        app = self.application
        self.intro = QLabel()
        self.intro.setObjectName("editApplicationIntro")
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.intro)
        column.addSpacing(6)
        column.addWidget(self._name_section())
        column.addSpacing(10)
        column.addWidget(self._scope_section())
        column.addSpacing(10)
        column.addWidget(self._secret_section())
        column.addSpacing(10)
        column.addWidget(self._recheck_section())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("editApplicationBody")
        scroll.setAccessibleName(self.tr("Edit %s") % app.name)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.body_scroll = scroll
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setObjectName("closeEditDialog")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def _set_title(self) -> None:
        app = self.application
        self.setWindowTitle(self.tr("Edit application — %s") % app.name)
        self.intro.setText(self.tr(
            "<p><b>%(name)s</b> · %(platform)s · %(domain)s. Each change below is saved on its own and "
            "recorded in the audit log. To change the connection settings themselves (server, service "
            "account, test mailbox), open the setup wizard: double-click the application.</p>")
            % {"name": html.escape(app.name), "platform": provider_label(app.provider),
               "domain": html.escape(app.domain)})

    def _row(self, caption: str, field: QWidget, *buttons: QPushButton) -> QHBoxLayout:
        label = QLabel(caption)
        label.setBuddy(field)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(field, 1)
        for button in buttons:
            row.addWidget(button)
        return row

    def _name_section(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_heading(self.tr("Name")))
        self.name_field = QLineEdit(self.application.name)
        self.name_field.setObjectName("renameField")
        self.name_field.setAccessibleName(self.tr("New name"))
        self.name_field.setMaxLength(100)
        self.name_field.textChanged.connect(lambda _t: self._update_state())
        self.name_field.returnPressed.connect(self.rename)
        self.rename_button = QPushButton(self.tr("&Rename"))
        self.rename_button.setObjectName("renameButton")
        self.rename_button.clicked.connect(self.rename)
        column.addLayout(self._row(self.tr("&Name:"), self.name_field, self.rename_button))
        column.addWidget(_note(self.tr("Unique in this region. The secret in the keychain moves to the new "
                                       "name."), "renameHint"))
        self.name_status = StatusLine("renameStatus")
        column.addWidget(self.name_status)
        return box

    def _scope_section(self) -> QWidget:
        from ec_console.application_edit import scope_group_of

        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_heading(self.tr("Scope group")))
        app = self.application
        self.scope_field = QLineEdit(scope_group_of(app) or "")
        self.scope_field.setObjectName("scopeGroupField")
        self.scope_field.setAccessibleName(self.tr("Scope group"))
        self.scope_button = QPushButton(self.tr("Sa&ve group"))
        self.scope_button.setObjectName("setScopeButton")
        self.scope_button.clicked.connect(self.save_scope)
        self.scope_field.returnPressed.connect(self.save_scope)
        self.scope_field.textChanged.connect(lambda _t: self._update_state())
        self.scope_status = StatusLine("scopeStatus")
        delegation = app.provider == "google" and app.settings.get("install") != "marketplace"
        if delegation:
            self.scope_field.hide()
            self.scope_button.hide()
            column.addWidget(_note(self.tr(
                "Domain-wide delegation covers the whole Google Workspace domain and cannot be limited to "
                "a group: the console's list of profiles is the control. Only a Marketplace install is "
                "limited to groups or organisational units."), "scopeNotApplicable"))
            return box
        self.scope_field.setPlaceholderText(self.tr("name or address, e.g. EC Calendar Scope")
                                            if app.provider == "exchange"
                                            else self.tr("e.g. /Sales or sales@example.com"))
        column.addLayout(self._row(self.tr("&Group:"), self.scope_field, self.scope_button))
        column.addWidget(_note(self.tr(
            "What the console records (and names in fixes). Change the scope at the platform too, then run "
            "the setup check again to prove the new scope holds."), "scopeHint"))
        column.addWidget(self.scope_status)
        return box

    def _secret_section(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_heading(self.tr("Rotate the %s") % self.what))
        self.secret_field = QLineEdit()
        self.secret_field.setObjectName("newSecretField")
        self.browse_button: QPushButton | None = None
        self.rotate_button = QPushButton(self.tr("&Check and replace"))
        self.rotate_button.setObjectName("rotateButton")
        self.rotate_button.clicked.connect(self.check_secret)
        self.rotate_cancel = QPushButton(self.tr("Cancel"))
        self.rotate_cancel.setObjectName("rotateCancel")
        self.rotate_cancel.setAccessibleName(self.tr("Cancel the check of the new secret"))
        self.rotate_cancel.clicked.connect(self.cancel_checks)
        if self.kind == "key":
            self.secret_field.setAccessibleName(self.tr("New key file"))
            self.secret_field.setPlaceholderText(self.tr("the new JSON key file"))
            self.browse_button = QPushButton(self.tr("&Browse…"))
            self.browse_button.setObjectName("browseKeyFile")
            self.browse_button.clicked.connect(self._browse_key)
            row = self._row(self.tr("New &key file:"), self.secret_field, self.browse_button,
                            self.rotate_button, self.rotate_cancel)
        else:
            self.secret_field.setEchoMode(QLineEdit.EchoMode.Password)
            self.secret_field.setAccessibleName(self.tr("New %s") % self.what)
            self.secret_field.setPlaceholderText(self.tr("type the new %s") % self.what)
            row = self._row(self.tr("New &%s:") % self.what, self.secret_field, self.rotate_button,
                            self.rotate_cancel)
        self.secret_field.textChanged.connect(self._secret_edited)
        column.addLayout(row)
        target = self.application.settings.get("test_mailbox") or self.application.settings.get("test_user")
        column.addWidget(_note(self.tr(
            "The new %(what)s is checked first: the setup check runs with it against %(target)s. The old "
            "one is replaced only when the check passes; it stays when the check fails.")
            % {"what": self.what, "target": target or self.tr("the test mailbox")}, "rotateHint"))
        self.rotation_steps = StepList()
        self.rotation_steps.setObjectName("rotationSteps")
        self.rotation_steps.setAccessibleName(self.tr("Check of the new secret"))
        self.rotation_steps.setMinimumHeight(220)
        self.rotation_steps.hide()
        self.rotation_status = StatusLine("rotationStatus")
        self.accept_warning_button = QPushButton(self.tr("Replace an&yway"))
        self.accept_warning_button.setObjectName("acceptWarningButton")
        self.accept_warning_button.setToolTip(self.tr("Replace the old secret although the check warned; "
                                                      "the audit log records that you accepted the warning"))
        self.accept_warning_button.clicked.connect(lambda: self._replace(accept_warning=True))
        self.accept_warning_button.hide()
        status_row = QHBoxLayout()
        status_row.addWidget(self.rotation_status, 1)
        status_row.addWidget(self.accept_warning_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(status_row)
        column.addWidget(self.rotation_steps)
        return box

    def _recheck_section(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_heading(self.tr("Setup check")))
        self.recheck_button = QPushButton(self.tr("Run the setup check &again"))
        self.recheck_button.setObjectName("recheckButton")
        self.recheck_button.clicked.connect(self.recheck)
        row = QHBoxLayout()
        row.addWidget(_note(self.tr("With the stored %s, against the test mailbox; the result sets the "
                                    "application's health.") % self.what), 1)
        row.addWidget(self.recheck_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(row)
        self.recheck_status = StatusLine("recheckStatus")
        column.addWidget(self.recheck_status)
        self.recheck_steps = StepList()
        self.recheck_steps.setObjectName("recheckSteps")
        self.recheck_steps.setAccessibleName(self.tr("Setup check result"))
        self.recheck_steps.setMinimumHeight(220)
        self.recheck_steps.hide()
        column.addWidget(self.recheck_steps)
        return box

    # ------------------------------------------------------------------------------------ state
    def busy(self) -> bool:
        return self.operation is not None or self.check_operation is not None

    def _update_state(self) -> None:
        busy = self.busy()
        name = self.name_field.text().strip()
        self.rename_button.setEnabled(not busy and bool(name) and name != self.application.name)
        self.scope_button.setEnabled(not busy and bool(self.scope_field.text().strip()))
        has_secret = bool(self.secret_field.text().strip())
        self.rotate_button.setEnabled(not busy and has_secret)
        self.rotate_cancel.setVisible(self.check_operation is not None)
        self.rotate_cancel.setEnabled(self.check_operation is not None)
        self.secret_field.setEnabled(not busy)
        if self.browse_button is not None:
            self.browse_button.setEnabled(not busy)
        self.recheck_button.setEnabled(not busy)
        warned = self.checked is not None and self.checked.report.result is StepStatus.WARN
        self.accept_warning_button.setVisible(warned)
        self.accept_warning_button.setEnabled(warned and not busy)
        self.close_button.setEnabled(self.operation is None)

    def _changed(self, application: Application) -> None:
        self.application = application
        self._set_title()
        self.changed.emit(application)

    # ------------------------------------------------------------------------------------ rename
    @Slot()
    def rename(self) -> None:
        if not self.rename_button.isEnabled():
            return
        self.name_status.setText(self.tr("Renaming…"))
        self.operation = ops.rename_application(self, self.scope, self.application, self.name_field.text(),
                                                on_done=self._renamed, on_error=self._rename_failed)
        self._update_state()

    def _renamed(self, application: Application) -> None:
        old = self.application.name
        self.operation = None
        self._changed(application)
        self.name_field.setText(application.name)
        self.name_status.setText(self.tr("Renamed from %(old)s to %(new)s.") % {"old": old,
                                                                               "new": application.name})
        self._update_state()

    def _rename_failed(self, message: str) -> None:
        self.operation = None
        self.name_status.setText(self.tr("Not renamed: %s") % message)
        self._update_state()

    # ------------------------------------------------------------------------------------ scope group
    @Slot()
    def save_scope(self) -> None:
        if not self.scope_button.isEnabled() or self.scope_button.isHidden():
            return
        self.scope_status.setText(self.tr("Saving…"))
        self.operation = ops.set_scope_group(self, self.scope, self.application, self.scope_field.text(),
                                             on_done=self._scope_saved, on_error=self._scope_failed)
        self._update_state()

    def _scope_saved(self, application: Application) -> None:
        from ec_console.application_edit import scope_group_of

        self.operation = None
        self._changed(application)
        self.scope_status.setText(self.tr("Saved: the application is now recorded as scoped to %s. Run the "
                                          "setup check again once the platform's scope is changed.")
                                  % scope_group_of(application))
        self._update_state()

    def _scope_failed(self, message: str) -> None:
        self.operation = None
        self.scope_status.setText(self.tr("Not saved: %s") % message)
        self._update_state()

    # ------------------------------------------------------------------------------------ rotate
    def _browse_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("New service-account key file"),
                                              self.secret_field.text(),
                                              self.tr("JSON files (*.json);;All files (*)"))
        if path:
            self.secret_field.setText(path)

    def _secret_edited(self, _text: str) -> None:
        self.checked = None                # a result is about the secret that was checked, not this one
        if self.rotation_steps.isVisible() and self.rotation_steps.isEnabled():
            self.rotation_steps.setEnabled(False)
            self.rotation_status.setText(self.tr("The result below is for the %s checked before.")
                                         % self.what)
        self._update_state()

    @Slot()
    def check_secret(self) -> None:
        if not self.rotate_button.isEnabled():
            return
        self.checked = None
        self.rotation_steps.hide()
        self.rotation_status.setText(self.tr("Checking the new %s…") % self.what)
        value = self.secret_field.text()
        kwargs = {"key_file": value.strip()} if self.kind == "key" else {"secret": value}
        self.check_operation = ops.check_new_secret(
            self, self.scope, self.application, on_done=self._secret_checked, on_error=self._check_failed,
            on_cancelled=self._check_cancelled, **kwargs)
        self._update_state()

    def _show_report(self, steps: StepList, report: Report) -> None:
        steps.set_plan([StepSpec(s.id, s.title, ()) for s in report.steps])
        for step in report.steps:
            steps.add_result(step)
        steps.setEnabled(True)
        steps.show()
        self.body_scroll.ensureWidgetVisible(steps, 0, 0)

    def _secret_checked(self, checked: ops.CheckedSecret) -> None:
        self.check_operation = None
        report = checked.report
        self._show_report(self.rotation_steps, report)
        if report.result is StepStatus.PASS:
            self.checked = checked
            self._replace(accept_warning=False)
            return
        if report.result is StepStatus.WARN:
            self.checked = checked
            self.rotation_status.setText(self.tr(
                "The check passed with a warning (below). The old %s is still in use: press Replace "
                "anyway to use the new one.") % self.what)
        else:
            diagnosis = report.diagnosis
            why = f" {diagnosis.cause}" if diagnosis is not None else ""
            self.rotation_status.setText(self.tr("The check with the new %(what)s failed:%(why)s The old "
                                                 "%(what)s stays in the keychain.") % {"what": self.what,
                                                                                        "why": why})
        self._update_state()

    def _replace(self, *, accept_warning: bool) -> None:
        if self.checked is None or self.operation is not None:
            return
        self.rotation_status.setText(self.tr("Replacing the %s in the keychain…") % self.what)
        self.operation = ops.replace_secret(self, self.scope, self.application, self.checked,
                                            accept_warning=accept_warning, on_done=self._replaced,
                                            on_error=self._replace_failed)
        self._update_state()

    def _replaced(self, application: Application) -> None:
        self.operation = None
        self.checked = None
        self.secret_field.blockSignals(True)
        self.secret_field.clear()
        self.secret_field.blockSignals(False)
        self._changed(application)
        self.rotation_status.setText(self.tr("The new %s is in the keychain; the old one is replaced.")
                                     % self.what)
        self._update_state()

    def _replace_failed(self, message: str) -> None:
        self.operation = None
        self.rotation_status.setText(self.tr("Not replaced: %s") % message)
        self._update_state()

    def _check_failed(self, message: str) -> None:
        self.check_operation = None
        self.rotation_status.setText(self.tr("Not checked: %s") % message)
        self._update_state()

    def _check_cancelled(self) -> None:
        self.check_operation = None
        self.rotation_status.setText(self.tr("Check cancelled: the old %s stays in the keychain.")
                                     % self.what)
        self._update_state()

    # ------------------------------------------------------------------------------------ recheck
    @Slot()
    def recheck(self) -> None:
        if not self.recheck_button.isEnabled():
            return
        self.recheck_steps.hide()
        self.recheck_status.setText(self.tr("Running the setup check…"))
        self.check_operation = ops.recheck_application(self, self.scope, self.application,
                                                       on_done=self._rechecked, on_error=self._recheck_failed,
                                                       on_cancelled=self._recheck_cancelled)
        self._update_state()

    def _rechecked(self, report: Report) -> None:
        self.check_operation = None
        self._show_report(self.recheck_steps, report)
        verdict = {StepStatus.PASS: self.tr("The setup check passed."),
                   StepStatus.WARN: self.tr("The setup check passed with a warning."),
                   StepStatus.FAIL: self.tr("The setup check failed: the application is marked with the "
                                            "failure until it passes again.")}[report.result]
        self.recheck_status.setText(verdict)
        self.changed.emit(self.application)
        self._update_state()

    def _recheck_failed(self, message: str) -> None:
        self.check_operation = None
        self.recheck_status.setText(self.tr("Not run: %s") % message)
        self._update_state()

    def _recheck_cancelled(self) -> None:
        self.check_operation = None
        self.recheck_status.setText(self.tr("Setup check cancelled."))
        self._update_state()

    # ------------------------------------------------------------------------------------ closing
    @Slot()
    def cancel_checks(self) -> None:
        operation = self.check_operation
        if operation is not None:
            operation.cancel()
            if operation.task is not None:
                operation.task.cancel()

    def reject(self) -> None:
        if self.operation is not None:
            return                      # a change is being written: let it finish
        self.cancel_checks()
        self.checked = None
        super().reject()


def default_export_path(name: str) -> str:
    """A file name for the history export in the user's home folder."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "application"
    return str(Path.home() / f"{slug}-history.json")


class RemoveApplicationDialog(QDialog):
    """Export a revoked application's history, then remove it; confirmed by typing its name."""

    removed = Signal(object)          # the core's Removal

    def __init__(self, application: Application, scope: ops.Scope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("removeApplicationDialog")
        self.setAccessibleName(self.tr("Remove application"))
        self.setWindowTitle(self.tr("Remove application — %s") % application.name)
        self.application = application
        self.scope = scope
        self.operation: ops.Operation | None = None
        self._build()
        self.resize(640, 290)
        self._update_state()

    def _build(self) -> None:
        app = self.application
        intro = QLabel(self.tr(
            "<p><b>%(name)s</b> (%(platform)s · %(domain)s) is revoked. Removing it deletes it from this "
            "console with its calendar profiles and stored checks.</p><p>Its history (settings, profiles, "
            "checks and audit entries) is first written to the file below. The audit log keeps its entries "
            "and records the removal with the file's checksum.</p>")
            % {"name": html.escape(app.name), "platform": provider_label(app.provider),
               "domain": html.escape(app.domain)})
        intro.setObjectName("removeIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.export_field = QLineEdit(default_export_path(app.name))
        self.export_field.setObjectName("exportFile")
        self.export_field.setAccessibleName(self.tr("File for the history export"))
        self.export_field.textChanged.connect(lambda _t: self._update_state())
        self.choose_button = QPushButton(self.tr("C&hoose…"))
        self.choose_button.setObjectName("chooseExportFile")
        self.choose_button.clicked.connect(self._choose)
        export_label = QLabel(self.tr("&Export to:"))
        export_label.setBuddy(self.export_field)
        export_row = QHBoxLayout()
        export_row.addWidget(export_label)
        export_row.addWidget(self.export_field, 1)
        export_row.addWidget(self.choose_button)
        self.confirm_label = QLabel(self.tr("Type the application's name, <b>%s</b>, to confirm:")
                                    % html.escape(app.name))
        self.confirm_label.setTextFormat(Qt.TextFormat.RichText)
        self.confirm_name = QLineEdit()
        self.confirm_name.setObjectName("confirmName")
        self.confirm_name.setAccessibleName(self.tr("Application name, to confirm"))
        self.confirm_name.textChanged.connect(lambda _t: self._update_state())
        self.confirm_label.setBuddy(self.confirm_name)
        self.error = _note("", "removeError")
        self.remove_button = QPushButton(self.tr("&Remove application"))
        self.remove_button.setObjectName("removeButton")
        self.remove_button.clicked.connect(self.remove)
        self.close_button = QPushButton(self.tr("Cancel"))
        self.close_button.setObjectName("closeRemoveDialog")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        buttons.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(export_row)
        layout.addSpacing(8)
        layout.addWidget(self.confirm_label)
        layout.addWidget(self.confirm_name)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the history"), self.export_field.text(),
                                              self.tr("JSON files (*.json)"))
        if path:
            self.export_field.setText(path)

    def ready(self) -> bool:
        return (self.confirm_name.text() == self.application.name and bool(self.export_field.text().strip())
                and self.operation is None)

    def _update_state(self) -> None:
        self.remove_button.setEnabled(self.ready())
        self.close_button.setEnabled(self.operation is None)
        if self.operation is not None or self.error.text().startswith(self.tr("Nothing")):
            return
        missing = []
        if not self.export_field.text().strip():
            missing.append(self.tr("choose the export file"))
        if self.confirm_name.text() != self.application.name:
            missing.append(self.tr("type the name"))
        self.error.setText(self.tr("To remove: %s.") % self.tr(" and ").join(missing) if missing else "")

    @Slot()
    def remove(self) -> None:
        if not self.ready():
            return
        self.error.setText(self.tr("Exporting the history, then removing…"))
        self.operation = ops.remove_application(self, self.scope, self.application,
                                                self.export_field.text().strip(), on_done=self._removed,
                                                on_error=self._failed)
        self._update_state()

    def _removed(self, removal: object) -> None:
        self.operation = None
        self.removed.emit(removal)
        self.accept()

    def _failed(self, message: str) -> None:
        self.operation = None
        self.error.setText(self.tr("Nothing was removed: %s") % message)
        self._update_state()

    def reject(self) -> None:
        if self.operation is not None:
            return
        super().reject()


# --- the main window's side: actions, the applications list's context menu ---------------------------------


__all__ = ["EditApplicationDialog", "RemoveApplicationDialog", "default_export_path"]
