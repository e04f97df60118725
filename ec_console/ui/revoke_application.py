"""Revoke an application (`revokeApplicationDialog`): DESIGN.md's three steps, in one dialog.

1. **Withdraw the grant at the platform**: the platform steps filled in for this application (role
   assignment / RBAC for Applications / app registration / domain-wide delegation entry / Marketplace
   app), each command or link with a Copy button.
2. **Verify the withdrawal**: a probe that now expects a denial (in the background, cancellable; the
   result is shown as a check step). Only a refusal of the grant itself verifies it; when the calendar
   still answers or the answer says nothing about the grant (unreachable, no such account ...), revoking
   stays disabled unless the administrator explicitly skips the verification, and the audit says so.
3. **Confirm** by typing the application's name: the core deletes the keychain secret, marks the
   application and all its profiles revoked, and audits it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
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
from ec_console.registry import Application, Registry
from ec_console.texts import localized
from ec_console.ui import operations as ops
from ec_console.ui.profile_details import split_step
from ec_console.ui.profiles_model import provider_label
from ec_console.ui.step_list import CopyRow, StepList


class RevokeApplicationDialog(QDialog):
    """Show the platform steps, verify the withdrawal (or skip it), confirm by name, revoke."""

    revoked = Signal(object)          # the revoked Application

    def __init__(self, application: Application, scope: ops.Scope, registry: Registry,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("revokeApplicationDialog")
        self.setAccessibleName(self.tr("Revoke application"))
        self.setWindowTitle(self.tr("Revoke application — %s") % application.name)
        self.application = application
        self.scope = scope
        self.verification: Report | None = None
        self.verify_operation: ops.Operation | None = None
        self.revoke_operation: ops.Operation | None = None
        # in the window's language (the core, the audit log and --json keep the English)
        self.steps_text = [localized(step) for step in ops.withdrawal_steps(registry, application, scope)]
        self._build()
        self.resize(780, 720)
        self._update_state()

    # ------------------------------------------------------------------------------------ building
    def _build(self) -> None:
        app = self.application
        intro = QLabel(self.tr(
            "<p>Revoking <b>%(name)s</b> (%(platform)s · %(domain)s) ends this console's use of its grant: "
            "the secret is deleted from the keychain, and the application and all its calendar profiles "
            "are marked revoked. The access itself is withdrawn at the platform, in %(steps)s.</p>")
            % {"name": app.name, "platform": provider_label(app.provider), "domain": app.domain,
               "steps": self.tr("step 1") if len(self.steps_text) == 1
               else self.tr("steps 1–%d") % len(self.steps_text)})
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(intro)
        # One flat numbering: the platform steps, then verify, then confirm.
        column.addWidget(_heading(self.tr("At the platform: withdraw the grant")))
        self.copy_rows: list[CopyRow] = []
        for number, step in enumerate(self.steps_text, start=1):
            prose, command = split_step(step)
            label = QLabel(f"{number}. {prose if command else step}")
            label.setObjectName("withdrawalStepText")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            column.addWidget(label)
            if command:
                what = self.tr("Link") if command.startswith("https://") else self.tr("Command")
                row = CopyRow(command, what)
                self.copy_rows.append(row)
                column.addWidget(row)
        column.addSpacing(10)
        column.addWidget(self._verify_section())
        column.addSpacing(10)
        column.addWidget(self._confirm_section())
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setObjectName("revokeApplicationBody")
        scroll.setAccessibleName(self.tr("Steps to revoke the application"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        self.error = QLabel()
        self.error.setObjectName("revokeError")
        self.error.setWordWrap(True)
        self.revoke_button = QPushButton(self.tr("&Revoke application"))
        self.revoke_button.setObjectName("revokeButton")
        self.revoke_button.clicked.connect(self.revoke)
        self.close_button = QPushButton(self.tr("Cancel"))
        self.close_button.setObjectName("closeRevokeDialog")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def _verify_section(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_heading(self.tr("%d. Verify the withdrawal") % (len(self.steps_text) + 1)))
        explain = QLabel(self.tr("Once the platform steps are done, probe an account with the stored secret: "
                                 "access must now be denied. Platform changes can take a while to apply."))
        explain.setWordWrap(True)
        column.addWidget(explain)
        settings = self.application.settings
        self.mailbox = QLineEdit()
        self.mailbox.setObjectName("verifyMailbox")
        self.mailbox.setAccessibleName(self.tr("Account to verify with"))
        self.mailbox.setPlaceholderText(str(settings.get("test_mailbox") or settings.get("test_user")
                                            or self.tr("a linked account")))
        caption = QLabel(self.tr("&Account:"))
        caption.setBuddy(self.mailbox)
        self.verify_button = QPushButton(self.tr("&Verify withdrawal"))
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.clicked.connect(self.verify)
        self.verify_cancel = QPushButton(self.tr("Cancel"))
        self.verify_cancel.setObjectName("verifyCancel")
        self.verify_cancel.setAccessibleName(self.tr("Cancel the verification"))
        self.verify_cancel.clicked.connect(self.cancel_verify)
        self.verify_cancel.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(caption)
        row.addWidget(self.mailbox, 1)
        row.addWidget(self.verify_button)
        row.addWidget(self.verify_cancel)
        column.addLayout(row)
        self.result_steps = StepList()
        self.result_steps.setObjectName("verificationSteps")
        self.result_steps.setAccessibleName(self.tr("Verification result"))
        self.result_steps.setMinimumHeight(70)
        self.result_steps.hide()
        column.addWidget(self.result_steps)
        self.verify_status = QLabel()
        self.verify_status.setObjectName("verifyStatus")
        self.verify_status.setWordWrap(True)
        column.addWidget(self.verify_status)
        self.skip = QCheckBox(self.tr("&Skip verification (the audit log records that it was skipped)"))
        self.skip.setObjectName("skipVerification")
        self.skip.toggled.connect(lambda _on: self._update_state())
        column.addWidget(self.skip)
        return box

    def _confirm_section(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_heading(self.tr("%d. Confirm") % (len(self.steps_text) + 2)))
        self.confirm_label = QLabel(self.tr("Type the application's name, <b>%s</b>, to confirm:")
                                    % _escape(self.application.name))
        self.confirm_label.setTextFormat(Qt.TextFormat.RichText)
        self.confirm_name = QLineEdit()
        self.confirm_name.setObjectName("confirmName")
        self.confirm_name.setAccessibleName(self.tr("Application name, to confirm"))
        self.confirm_name.textChanged.connect(lambda _t: self._update_state())
        self.confirm_label.setBuddy(self.confirm_name)
        column.addWidget(self.confirm_label)
        column.addWidget(self.confirm_name)
        return box

    # ------------------------------------------------------------------------------------ step 2
    @Slot()
    def verify(self) -> None:
        self.verification = None
        self.result_steps.hide()
        self.verify_status.setText(self.tr("Probing… (expecting a denial)"))
        self.verify_operation = ops.verify_withdrawal(
            self, self.scope, self.application, self.mailbox.text().strip() or None,
            on_done=self._verified, on_error=self._verify_failed, on_cancelled=self._verify_cancelled)
        self._update_state()

    @Slot()
    def cancel_verify(self) -> None:
        if self.verify_operation is not None:
            self.verify_operation.cancel()
            if self.verify_operation.task is not None:
                self.verify_operation.task.cancel()

    def _verified(self, report: Report) -> None:
        self.verify_operation = None
        self.verification = report
        from ec_console.dashboard import shown_verification

        shown = shown_verification(report)      # in the window's language; `verification` stays as stored
        self.result_steps.set_plan([StepSpec(s.id, s.title, ()) for s in shown.steps])
        for step in shown.steps:
            self.result_steps.add_result(step)
        self.result_steps.show()
        step = shown.steps[0] if shown.steps else None
        if report.result is StepStatus.PASS:
            text = self.tr("Withdrawal verified: access is denied.")
        elif report.result is StepStatus.FAIL:
            text = self.tr("Not withdrawn yet: the calendar still answers. Finish step 1 (or wait for it to "
                           "apply) and verify again. Nothing is revoked unless you skip the verification.")
        else:
            text = self.tr("%s Fix that (or name another account) and verify again. Nothing is revoked "
                           "unless you skip the verification.") % (
                step.detail if step else self.tr("Could not verify the withdrawal."))
        self.verify_status.setText(text)
        self._update_state()

    def _verify_failed(self, message: str) -> None:
        self.verify_operation = None
        self.verify_status.setText(self.tr("The withdrawal could not be verified: %s") % message)
        self._update_state()

    def _verify_cancelled(self) -> None:
        self.verify_operation = None
        self.verify_status.setText(self.tr("Verification cancelled."))
        self._update_state()

    # ------------------------------------------------------------------------------------ step 3
    def verified(self) -> bool:
        """The verification proved the withdrawal (the platform refused the grant)."""
        return self.verification is not None and self.verification.result is StepStatus.PASS

    def ready(self) -> bool:
        """Step 2 done (withdrawal verified, or verification explicitly skipped), the name typed exactly."""
        decided = self.verified() or self.skip.isChecked()
        return decided and self.confirm_name.text() == self.application.name and self.verify_operation is None

    @Slot()
    def revoke(self) -> None:
        if not self.ready() or self.revoke_operation is not None:
            return
        self.error.setText(self.tr("Revoking…"))
        self.revoke_operation = ops.complete_revocation(self, self.scope, self.application,
                                                        verification=self.verification,
                                                        skipped=self.skip.isChecked() and not self.verified(),
                                                        on_done=self._revoked, on_error=self._revoke_failed)
        self._update_state()

    def _revoked(self, application: Application) -> None:
        self.revoke_operation = None
        self.application = application
        self.revoked.emit(application)
        self.accept()

    def _revoke_failed(self, message: str) -> None:
        self.revoke_operation = None
        window = self.parent()
        if hasattr(window, "results_arrived"):       # what is true now shows in the main window's list
            window.results_arrived(now=True)
        self.error.setText(self.tr("Nothing was revoked: %s") % message)
        self._update_state()

    def _update_state(self) -> None:
        verifying = self.verify_operation is not None
        busy = verifying or self.revoke_operation is not None
        self.verify_button.setEnabled(not busy and not self.skip.isChecked())
        self.verify_cancel.setEnabled(verifying)
        self.mailbox.setEnabled(not busy and not self.skip.isChecked())
        self.skip.setEnabled(not busy)
        self.revoke_button.setEnabled(self.ready() and not busy)
        self.close_button.setEnabled(self.revoke_operation is None)
        if busy or self.error.text().startswith(self.tr("Nothing")):
            return
        # What is still missing before Revoke can be pressed; nothing once all of it is done.
        missing = []
        if not self.verified() and not self.skip.isChecked():
            missing.append(self.tr("verify the withdrawal or skip it"))
        if self.confirm_name.text() != self.application.name:
            missing.append(self.tr("type the name"))
        self.error.setText(self.tr("To revoke: %s.") % self.tr(" and ").join(missing) if missing else "")

    def reject(self) -> None:
        if self.revoke_operation is not None:
            return                     # the revocation is being written: let it finish
        self.cancel_verify()
        super().reject()


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label


def _escape(text: str) -> str:
    import html

    return html.escape(text)


__all__ = ["RevokeApplicationDialog"]
