"""Import credential… (`importCredentialDialog`): an application's credential into this desktop's keychain.

A team's registry is shared and never holds a secret: each desktop that runs checks keeps the application's
credential in its own keychain. This dialog asks for the provider's credential — a password or client
secret, a Google service-account key file, or for a Microsoft 365 (Graph) application that signs in with a
certificate, the certificate file (PEM with its private key, or PFX with its passphrase) — runs the
application's setup check with it off the GUI thread (`ui/operations.py`, the core's
`application_edit.CredentialImport`), shows the verdict step by step, and stores the credential only when the
check passes (or warns and the person presses *Store anyway*). The application itself is not changed, so a
helpdesk member may use it; the audit log records the computer and the user, never the credential.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ec_console.checks import Report, StepSpec, StepStatus
from ec_console.registry import Application
from ec_console.ui import operations as ops
from ec_console.ui.edit_application import StatusLine, _secret_kind, secret_word
from ec_console.ui.profiles_model import provider_label
from ec_console.ui.step_list import StepList


class ImportCredentialDialog(QDialog):
    """The provider's credential field, *Check and store*, the check's steps and its verdict."""

    imported = Signal(object)          # the Application, after its credential is in this desktop's keychain

    def __init__(self, application: Application, scope: ops.Scope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importCredentialDialog")
        self.setAccessibleName(self.tr("Import credential"))
        self.setWindowTitle(self.tr("Import credential — %s") % application.name)
        self.application = application
        self.scope = scope
        kind = _secret_kind(application)
        self.certificate = application.provider == "graph" and bool(application.settings.get("certificate"))
        self.key_file = kind == "key"
        self.what = self.tr("certificate") if self.certificate else secret_word(kind)
        self.checked: ops.CheckedSecret | None = None
        self.operation: ops.Operation | None = None
        self.check_operation: ops.Operation | None = None
        self._build()
        self.resize(680, self.sizeHint().height())      # grows when the check's steps are shown
        self._update_state()

    # ------------------------------------------------------------------------------------ building
    def _build(self) -> None:
        app = self.application
        from ec_console.application_edit import check_target

        target = check_target(app) or self.tr("the test mailbox")
        intro = QLabel(self.tr(
            "<p><b>%(name)s</b> · %(platform)s · %(domain)s</p><p>This desktop's keychain needs the "
            "application's %(what)s to run checks. The registry is shared and never holds one: each desktop "
            "keeps its own.</p><p>The %(what)s is checked first: the setup check runs with it against "
            "%(target)s. It is stored in this desktop's keychain only when the check passes. The application "
            "itself is not changed; the audit log records this computer and your user name, never the "
            "%(what)s.</p>")
            % {"name": html.escape(app.name), "platform": provider_label(app.provider),
               "domain": html.escape(app.domain), "what": self.what, "target": html.escape(str(target))})
        intro.setObjectName("importCredentialIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        self.field = QLineEdit()
        self.field.setObjectName("credentialField")
        self.passphrase: QLineEdit | None = None
        self.browse_button: QPushButton | None = None
        if self.key_file or self.certificate:
            self.browse_button = QPushButton(self.tr("&Browse…"))
            self.browse_button.setObjectName("browseCredentialFile")
            self.browse_button.clicked.connect(self._browse)
            if self.key_file:
                self.field.setAccessibleName(self.tr("Key file"))
                self.field.setPlaceholderText(self.tr("the service account's JSON key file"))
                layout.addLayout(self._row(self.tr("&Key file:"), self.field, self.browse_button))
            else:
                self.field.setAccessibleName(self.tr("Certificate file"))
                self.field.setPlaceholderText(self.tr("PEM with its private key, or PFX"))
                layout.addLayout(self._row(self.tr("&Certificate file:"), self.field, self.browse_button))
                self.passphrase = QLineEdit()
                self.passphrase.setObjectName("passphraseField")
                self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
                self.passphrase.setAccessibleName(self.tr("Passphrase"))
                self.passphrase.setPlaceholderText(self.tr("only for a PFX file or an encrypted key"))
                self.passphrase.textChanged.connect(self._edited)
                layout.addLayout(self._row(self.tr("&Passphrase:"), self.passphrase))
                note = QLabel(self.tr("A certificate is the recommended way to share an application: each "
                                      "desktop imports the same certificate, and deleting it from the app "
                                      "registration in Microsoft Entra cuts every desktop off at once. The "
                                      "certificate is kept in this desktop's keychain; the file is no longer "
                                      "needed afterwards."))
                note.setObjectName("certificateNote")
                note.setWordWrap(True)
                layout.addWidget(note)
        else:
            self.field.setEchoMode(QLineEdit.EchoMode.Password)
            what = self.what[:1].upper() + self.what[1:]      # not capitalize(): "geheimer Clientschlüssel"
            self.field.setAccessibleName(what)
            self.field.setPlaceholderText(self.tr("type the %s") % self.what)
            layout.addLayout(self._row(self.tr("&%s:") % what, self.field))
        self.field.textChanged.connect(self._edited)
        self.status = StatusLine("importStatus")
        layout.addWidget(self.status)
        self.steps = StepList()
        self.steps.setObjectName("importSteps")
        self.steps.setAccessibleName(self.tr("Check of the credential"))
        self.steps.setMinimumHeight(200)
        self.steps.hide()
        layout.addWidget(self.steps, 1)
        self.check_button = QPushButton(self.tr("Check and &store"))
        self.check_button.setObjectName("checkAndStoreButton")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check)
        self.accept_warning_button = QPushButton(self.tr("Store &anyway"))
        self.accept_warning_button.setObjectName("storeAnywayButton")
        self.accept_warning_button.setToolTip(self.tr("Store the credential although the check warned; the "
                                                      "audit log records that you accepted the warning"))
        self.accept_warning_button.clicked.connect(lambda: self._store(accept_warning=True))
        self.accept_warning_button.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setAccessibleName(self.tr("Cancel the check, or close"))
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.accept_warning_button, self.check_button, self.cancel_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.field.setFocus()

    def _row(self, caption: str, field: QWidget, *buttons: QPushButton) -> QHBoxLayout:
        label = QLabel(caption)
        label.setBuddy(field)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(field, 1)
        for button in buttons:
            row.addWidget(button)
        return row

    # ------------------------------------------------------------------------------------ state
    def _update_state(self) -> None:
        busy = self.operation is not None or self.check_operation is not None
        self.check_button.setEnabled(not busy and bool(self.field.text().strip()))
        for widget in (self.field, self.passphrase, self.browse_button):
            if widget is not None:
                widget.setEnabled(not busy)
        warned = self.checked is not None and self.checked.report.result is StepStatus.WARN
        self.accept_warning_button.setVisible(warned)
        self.accept_warning_button.setEnabled(warned and not busy)
        self.cancel_button.setEnabled(self.operation is None)

    def _browse(self) -> None:
        if self.key_file:
            title, kinds = self.tr("Service-account key file"), self.tr("JSON files (*.json);;All files (*)")
        else:
            title, kinds = (self.tr("Certificate file"),
                            self.tr("Certificates (*.pem *.pfx *.p12);;All files (*)"))
        path, _ = QFileDialog.getOpenFileName(self, title, self.field.text(), kinds)
        if path:
            self.field.setText(path)

    def _edited(self, _text: str) -> None:
        self.checked = None                # a verdict is about what was checked, not what is typed now
        if self.steps.isVisible() and self.steps.isEnabled():
            self.steps.setEnabled(False)
            self.status.setText(self.tr("The result below is for the %s checked before.") % self.what)
        self._update_state()

    # ------------------------------------------------------------------------------------ check, store
    @Slot()
    def check(self) -> None:
        if not self.check_button.isEnabled():
            return
        self.checked = None
        self.steps.hide()
        self.status.setText(self.tr("Checking the %s…") % self.what)
        value = self.field.text()
        if self.key_file:
            kwargs = {"key_file": value.strip()}
        elif self.certificate:
            kwargs = {"certificate": value.strip(),
                      "passphrase": self.passphrase.text() if self.passphrase is not None else None}
        else:
            kwargs = {"secret": value}
        self.check_operation = ops.check_imported_credential(
            self, self.scope, self.application, on_done=self._checked, on_error=self._check_failed,
            on_cancelled=self._check_cancelled, **kwargs)
        self._update_state()

    def _checked(self, checked: ops.CheckedSecret) -> None:
        self.check_operation = None
        report = checked.report
        self._show_report(report)
        if report.result is StepStatus.PASS:
            self.checked = checked
            self._store(accept_warning=False)
            return
        if report.result is StepStatus.WARN:
            self.checked = checked
            self.status.setText(self.tr("The check passed with a warning (below). Nothing is stored yet: "
                                        "press Store anyway to keep the %s in this desktop's keychain.")
                                % self.what)
        else:
            diagnosis = report.diagnosis
            why = f" {diagnosis.cause}" if diagnosis is not None else ""
            self.status.setText(self.tr("The check with this %(what)s failed:%(why)s Nothing was stored.")
                                % {"what": self.what, "why": why})
        self._update_state()

    def _show_report(self, report: Report) -> None:
        self.steps.set_plan([StepSpec(s.id, s.title, ()) for s in report.steps])
        for step in report.steps:
            self.steps.add_result(step)
        self.steps.setEnabled(True)
        self.steps.show()
        if self.height() < 560:
            self.resize(self.width(), 560)

    def _store(self, *, accept_warning: bool) -> None:
        if self.checked is None or self.operation is not None:
            return
        self.status.setText(self.tr("Storing the %s in this desktop's keychain…") % self.what)
        self.operation = ops.store_imported_credential(self, self.scope, self.application, self.checked,
                                                       accept_warning=accept_warning, on_done=self._stored,
                                                       on_error=self._store_failed)
        self._update_state()

    def _stored(self, application: Application) -> None:
        self.operation = None
        self.checked = None
        for field in (self.field, self.passphrase):
            if field is not None:
                field.blockSignals(True)
                field.clear()
                field.blockSignals(False)
        self.status.setText(self.tr("The %(what)s of %(name)s is in this desktop's keychain.")
                            % {"what": self.what, "name": application.name})
        self.cancel_button.setText(self.tr("Close"))
        self.imported.emit(application)
        self._update_state()

    def _store_failed(self, message: str) -> None:
        self.operation = None
        self.status.setText(self.tr("Not stored: %s") % message)
        self._update_state()

    def _check_failed(self, message: str) -> None:
        self.check_operation = None
        self.status.setText(self.tr("Not checked: %s") % message)
        self._update_state()

    def _check_cancelled(self) -> None:
        self.check_operation = None
        self.status.setText(self.tr("Check cancelled: nothing was stored."))
        self._update_state()

    # ------------------------------------------------------------------------------------ closing
    def reject(self) -> None:
        if self.operation is not None:
            return                      # the credential is being stored: let it finish
        operation = self.check_operation
        if operation is not None:       # Cancel (or Esc) while checking: stop the check first
            operation.cancel()
            if operation.task is not None:
                operation.task.cancel()
            return
        self.checked = None
        super().reject()


__all__ = ["ImportCredentialDialog"]
