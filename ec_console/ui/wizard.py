"""`SetupWizard` (`setupWizard`): connect an application, as thin Qt pages over `ec_console.wizard.SetupFlow`.

Pages: platform → connection details (one per platform) → scope → test → summary. Each page only shows
the flow's fields, hands every edit to `SetupFlow.set_value` and shows the message it returns under the
field; `isComplete` asks the flow; `nextId` asks the flow where to branch. Everything blocking runs through
`ui/tasks.py`: the test (interactive pool; its steps arrive live through a `StepBridge`), the Google admin
sign-in (cancellable), and the save (writer pool, with its own registry connection). Nothing is written
before Finish (`accept`).

`SandboxSession` starts the sandbox organisation in the background for `ec-console --sandbox`; the platform
page then offers "Use the sandbox organisation", which fills every page from the sandbox's `info()`.
"""

from __future__ import annotations

import html
import logging
import threading
import webbrowser
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ec_console.checks import CancelToken, StepStatus
from ec_console.diagnoses import for_surface, localize, surface_text
from ec_console.registry import Registry
from ec_console.texts import localized
from ec_console.ui import theme
from ec_console.ui.about import CHECKING as CHECKING_KEYCHAIN
from ec_console.ui.step_list import CopyRow, StepBridge, StepList, add_instructions
from ec_console.ui.tasks import Task, run_in_background
from ec_console.wizard import (
    CONNECTION_PAGES,
    PLATFORM_CHOICES,
    FieldSpec,
    Page,
    Platform,
    SetupFlow,
    date_for_people,
    describe_error,
    legacy_ews_note,
)

log = logging.getLogger(__name__)

PAGE_IDS: dict[Page, int] = {page: number for number, page in enumerate(Page)}
_PAGE_OF_ID = {number: page for page, number in PAGE_IDS.items()}


RESERVED_MNEMONICS = frozenset("bnfcs")   # Back, Next, Finish, Cancel, Sign in


def _letter(text: str) -> str:
    """The mnemonic letter of a text ("&Next >" → "n"), "" if it has none."""
    index = text.replace("&&", "").find("&")
    return text.replace("&&", "")[index + 1].lower() if 0 <= index < len(text.replace("&&", "")) - 1 else ""


def reserved_mnemonics() -> frozenset[str]:
    """The letters of Back, Next, Finish, Cancel and Sign in, in English and in the language shown (Qt's
    own catalog translates the wizard's buttons: German "< &Zurück", "&Weiter >", "Ab&schließen")."""
    qt_text = QCoreApplication.translate   # Qt's own texts: not collected into the console's catalog
    shown = (qt_text("QWizard", "< &Back"), qt_text("QWizard", "&Next >"), qt_text("QWizard", "&Finish"),
             QCoreApplication.translate("SignInBox", "&Sign in as administrator…"))
    return RESERVED_MNEMONICS | {letter for letter in map(_letter, shown) if letter}


def _mnemonic(label: str, used: set[str] | None = None) -> str:
    """`label` with an ampersand before the first letter not yet used on its page (none if all are)."""
    taken = used if used is not None else set()
    reserved = reserved_mnemonics()
    for index, char in enumerate(label):
        key = char.lower()
        if char.isalpha() and key not in taken and key not in reserved:
            taken.add(key)
            return label[:index] + "&" + label[index:]
    return label


class SandboxSession(QObject):
    """The sandbox organisation for `--sandbox`: started off the GUI thread, stopped at exit."""

    ready = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sandbox: Any = None
        self.error = ""
        self._closing = threading.Event()
        self._lock = threading.Lock()

    @property
    def is_ready(self) -> bool:
        return self.sandbox is not None

    def start(self) -> Task:
        def work(_ctx: Any) -> Any:
            from ec_console.sandbox import Sandbox

            box = Sandbox(google=True, graph=True).start()
            with self._lock:
                if self._closing.is_set():   # the console closed while the sandbox was starting
                    box.stop()
                    return None
                self.sandbox = box
            return box

        return run_in_background(self, work, on_success=self._started, on_failure=self._failed, pool="bulk")

    def _started(self, box: Any) -> None:
        if box is not None:
            self.ready.emit()

    def _failed(self, exc: BaseException) -> None:
        self.error = describe_error(exc)
        log.error("The sandbox organisation could not be started: %s", self.error)
        self.failed.emit(self.error)

    def infos(self) -> tuple[Any, Any, Any]:
        """The Exchange, Google and Microsoft 365 (Graph) `info()` objects (the sandbox must be ready)."""
        if self.sandbox is None:
            raise RuntimeError("the sandbox is not running")
        box = self.sandbox
        return (box.info(), box.google.info() if box.google is not None else None,
                box.graph.info() if box.graph is not None else None)

    def upload_certificate(self, pem_file: str) -> None:
        """What an administrator does in the Entra admin center, done for the sandbox's app registrations."""
        if self.sandbox is not None and self.sandbox.graph is not None:
            self.sandbox.graph.register_certificate(pem_file)

    def stop(self) -> None:
        with self._lock:
            self._closing.set()
            box, self.sandbox = self.sandbox, None
        if box is not None:
            box.stop()


# --- fields ----------------------------------------------------------------------------------------------


class FieldForm(QWidget):
    """The inputs of one page, built from the flow's field specs, with an inline message under each."""

    changed = Signal(str)

    def __init__(self, flow_getter: Callable[[], SetupFlow], page: Page, parent: QWidget | None = None,
                 *, exclude: frozenset[str] = frozenset(), reserved: frozenset[str] = frozenset()) -> None:
        super().__init__(parent)
        self._flow = flow_getter
        self.page = page
        self.exclude = exclude
        self.reserved = reserved      # mnemonic letters of the page's other buttons: no label takes them
        self.inputs: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self.touched: set[str] = set()
        self._specs: dict[str, FieldSpec] = {}
        self._loading = False
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.build()

    @property
    def flow(self) -> SetupFlow:
        return self._flow()

    def build(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs, self.messages, self._specs = {}, {}, {}
        self._used: set[str] = set(self.reserved)
        for spec in self.flow.all_fields(self.page):
            if spec.key in self.exclude:
                continue
            self._specs[spec.key] = spec
            widget, editor = self._editor(spec)
            message = QLabel()
            message.setObjectName(f"{spec.key}Message")
            message.setWordWrap(True)
            message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            message.hide()
            column = QWidget()
            box = QVBoxLayout(column)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(widget)
            box.addWidget(message)
            if spec.kind == "bool":
                self.form.addRow("", column)
            else:
                label = QLabel(_mnemonic(spec.label, self._used) + ":")
                label.setBuddy(editor)
                self.form.addRow(label, column)
            self.inputs[spec.key] = editor
            self.messages[spec.key] = message
        self.load()

    def _editor(self, spec: FieldSpec) -> tuple[QWidget, QWidget]:
        name = f"{spec.key}Field"
        if spec.kind == "bool":
            box = QCheckBox(_mnemonic(spec.label, self._used))
            box.setObjectName(name)
            box.setAccessibleName(spec.label)
            box.toggled.connect(lambda checked, key=spec.key: self._edited(key, checked))
            return box, box
        if spec.kind == "choice":
            combo = QComboBox()
            combo.setObjectName(name)
            combo.setAccessibleName(spec.label)
            for value, text in spec.choices:
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(
                lambda _i, key=spec.key, c=combo: self._edited(key, c.currentData()))
            return combo, combo
        line = QLineEdit()
        line.setObjectName(name)
        line.setAccessibleName(spec.label)
        if spec.help:
            line.setToolTip(spec.help)
            line.setAccessibleDescription(spec.help)
        if spec.kind == "secret":
            line.setEchoMode(QLineEdit.EchoMode.Password)
        if spec.kind == "file":
            line.editingFinished.connect(lambda key=spec.key, e=line: self._file_edited(key, e))
            browse = QPushButton(self.tr("Browse…"))
            browse.setObjectName(f"{spec.key}Browse")
            pattern = self.tr("Browse for %s")
            # English lowers the label ("Browse for certificate…"); German keeps its capitalised nouns.
            label = spec.label.lower() if pattern == "Browse for %s" else spec.label
            browse.setAccessibleName(pattern % label)
            browse.clicked.connect(lambda _c=False, key=spec.key, e=line: self._browse(key, e))
            row = QWidget()
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(line, 1)
            layout.addWidget(browse)
            return row, line
        line.textEdited.connect(lambda text, key=spec.key: self._edited(key, text))
        return line, line

    def load(self) -> None:
        """Show the flow's values (a secret field stays empty: the flow never gives it back)."""
        self._loading = True
        try:
            flow = self.flow
            for key, editor in self.inputs.items():
                value = flow.value(key)
                if isinstance(editor, QCheckBox):
                    editor.setChecked(bool(value))
                elif isinstance(editor, QComboBox):
                    index = editor.findData(value if value is not None else "")
                    editor.setCurrentIndex(max(index, 0))
                elif isinstance(editor, QLineEdit) and editor.text() != str(value or ""):
                    editor.setText(str(value or ""))
                    if not editor.hasFocus():
                        editor.setCursorPosition(0)   # a long value filled in reads from its start
            self.refresh()
        finally:
            self._loading = False

    def refresh(self) -> None:
        """Show the rows the flow wants now, their placeholders and messages."""
        flow = self.flow
        visible = {spec.key: spec for spec in flow.fields(self.page)}
        for key, editor in self.inputs.items():
            spec = visible.get(key)
            row_widget = self.messages[key].parentWidget()
            self.form.setRowVisible(row_widget, spec is not None)
            if spec is None:
                continue
            if isinstance(editor, QLineEdit):
                editor.setPlaceholderText(spec.placeholder)
                editor.setReadOnly(key == "name" and flow.fixed_name)
            self._show_message(key)

    def _show_message(self, key: str) -> None:
        flow = self.flow
        label = self.messages[key]
        error = flow.errors.get(key) if key in self.touched or key in flow.clean else None
        if error is None and key in self.touched and key in flow.page_errors(self.page):
            error = flow.page_errors(self.page)[key]
        note = flow.notes.get(key)
        editor = self.inputs[key]
        if error:
            label.setText(error)
            label.setStyleSheet(f"color: {theme.status_colour('fail').name()};")
            editor.setAccessibleDescription(error)
        elif note:
            label.setText(note)
            label.setStyleSheet(f"color: {theme.status_colour('pass').name()};")
            editor.setAccessibleDescription(note)
        label.setVisible(bool(error or note))

    def _edited(self, key: str, value: Any) -> None:
        if self._loading:
            return
        self.touched.add(key)
        self.flow.set_value(key, value)
        self.refresh()
        self.changed.emit(key)

    def _file_edited(self, key: str, editor: QLineEdit) -> None:
        if self._loading or editor.text() == str(self.flow.value(key) or ""):
            return
        self._edited(key, editor.text())

    def _browse(self, key: str, editor: QLineEdit) -> None:
        spec = self._specs[key]
        filters = {"ca_file": self.tr("Certificates (*.pem *.crt *.cer);;All files (*)"),
                   "certificate": self.tr("Certificate with its key (*.pem *.pfx *.p12);;All files (*)")}.get(
            key, self.tr("JSON files (*.json);;All files (*)"))
        path, _ = QFileDialog.getOpenFileName(self, spec.label, editor.text(), filters)
        if path:
            editor.setText(path)
            self._edited(key, path)

    def set_text(self, key: str, value: str) -> None:
        """Fill a field as if typed (used by the sandbox fill and the admin sign-in)."""
        self.flow.set_value(key, value)
        self.touched.add(key)
        self.load()


def _heading_text(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


# --- pages ----------------------------------------------------------------------------------------------


class _Page(QWizardPage):
    page: Page

    def flow(self) -> SetupFlow:
        return self.setup_wizard().flow

    def setup_wizard(self) -> SetupWizard:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        return wizard

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.flow().page_complete(self.page)

    def nextId(self) -> int:  # noqa: N802 - Qt override
        following = self.flow().next_page(self.page)
        if following is None and self.page is Page.PLATFORM:
            following = Page.CONNECTION_ONPREM      # not chosen yet: Next shows (disabled), not Finish
        return PAGE_IDS[following] if following is not None else -1


class PlatformPage(_Page):
    page = Page.PLATFORM

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("platformPage")
        self.setTitle(self.tr("Which platform holds the calendars?"))
        self.setSubTitle(self.tr("The application reaches every calendar through one service account."))
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.buttons: dict[Platform, QRadioButton] = {}
        sandbox_text = self.tr("&Use the sandbox organisation (fictional, no tenant needed)")
        used = {_letter(sandbox_text)}                # "Use the sandbox organisation" keeps its letter
        for choice in PLATFORM_CHOICES:
            button = QRadioButton(_mnemonic(choice.title, used))
            button.setObjectName(f"platform_{choice.platform.value}")
            button.setAccessibleName(choice.title)
            button.setAccessibleDescription(choice.needs)
            self.group.addButton(button)
            self.buttons[choice.platform] = button
            needs = _heading_text(choice.needs)
            needs.setContentsMargins(26, 0, 0, 10)
            layout.addWidget(button)
            layout.addWidget(needs)
            button.toggled.connect(lambda on, p=choice.platform: on and self._chosen(p))
        layout.addStretch(1)
        self.sandbox_box = QCheckBox(sandbox_text)
        self.sandbox_box.setObjectName("useSandbox")
        self.sandbox_box.setAccessibleName(self.tr("Use the sandbox organisation"))
        self.sandbox_box.toggled.connect(self._sandbox_toggled)
        self.sandbox_status = _heading_text("")
        self.sandbox_status.setObjectName("sandboxStatus")
        layout.addWidget(self.sandbox_box)
        layout.addWidget(self.sandbox_status)
        self.sandbox_box.hide()
        self.sandbox_status.hide()
        # No usable keychain: said here, before six pages are filled in, with what to do.
        self.keychain_box = QFrame()
        self.keychain_box.setObjectName("keychainProblem")
        self.keychain_box.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self.keychain_box)
        self.keychain_text = _heading_text("")
        self.keychain_text.setObjectName("keychainProblemText")
        self.keychain_text.setAccessibleName(self.tr("Keychain problem"))
        self.keychain_retry = QPushButton(self.tr("Check the &keychain again"))
        self.keychain_retry.setObjectName("keychainRetry")
        self.keychain_retry.clicked.connect(lambda: self.setup_wizard().recheck_keychain())
        retry_row = QHBoxLayout()
        retry_row.addWidget(self.keychain_retry)
        retry_row.addStretch(1)
        box.addWidget(self.keychain_text)
        box.addLayout(retry_row)
        layout.insertWidget(0, self.keychain_box)
        self.keychain_box.hide()

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        flow = self.flow()
        if flow.platform is not None:
            self.buttons[flow.platform].setChecked(True)
        editing = flow.fixed_name
        for platform, button in self.buttons.items():
            button.setEnabled(not editing or platform is flow.platform)
        self._sync_sandbox()
        self.sync_keychain()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return super().isComplete() and self.setup_wizard().keychain_problem is None

    def sync_keychain(self) -> None:
        wizard = self.setup_wizard()
        problem = wizard.keychain_problem
        self.keychain_box.setVisible(problem is not None)
        self.keychain_retry.setEnabled(not wizard.keychain_checking)
        if problem is not None:
            self.keychain_text.setText(self.tr(
                "<b>Secrets cannot be kept on this computer.</b> The service account's password, client "
                "secret or key goes to the OS keychain when the application is saved, and no usable "
                "keychain was found:<br>%s<br>Fix that first, then check again.") % html.escape(problem))
        self.completeChanged.emit()

    def _sync_sandbox(self) -> None:
        session = self.setup_wizard().sandbox
        shown = session is not None and not self.flow().fixed_name
        self.sandbox_box.setVisible(shown)
        self.sandbox_status.setVisible(shown and not (session and session.is_ready))
        if session is None:
            return
        self.sandbox_box.setEnabled(session.is_ready)
        if not session.is_ready:
            self.sandbox_status.setText(session.error or self.tr("The sandbox organisation is starting…"))
            session.ready.connect(self._sync_sandbox, Qt.ConnectionType.UniqueConnection)

    def _sandbox_toggled(self, checked: bool) -> None:
        # Off: the sandbox's values leave the pages. On again: the next connection page fills them again.
        if not checked:
            self.flow().clear_sandbox_values()

    def _chosen(self, platform: Platform) -> None:
        self.flow().choose_platform(platform)
        self.completeChanged.emit()


class ConnectionPage(_Page):
    def __init__(self, platform: Platform, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.platform = platform
        self.page = CONNECTION_PAGES[platform]
        self.setObjectName(f"{self.page.value}Page")
        title = next(c.title for c in PLATFORM_CHOICES if c.platform is platform)
        self.setTitle(self.tr("%s: connection details") % title)
        self.setSubTitle(self.tr("Each value is checked as you type. Secrets go to the keychain only when "
                                 "you finish."))
        self.form: FieldForm | None = None
        self.layout_ = QVBoxLayout(self)
        self.sign_in: SignInBox | None = None
        self.certificate_box: CertificateBox | None = None
        if platform is Platform.ONLINE:
            note = _heading_text(self.tr("<b>Legacy.</b> %s") % html.escape(legacy_ews_note()))
            note.setObjectName("legacyEwsNote")
            note.setStyleSheet(f"color: {theme.status_colour('warn').name()};")
            note.setContentsMargins(0, 0, 0, 8)
            self.layout_.addWidget(note)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        wizard = self.setup_wizard()
        moving = self.flow().moving
        if moving is not None:
            self.setSubTitle(self.tr("Moving %s from EWS to Microsoft Graph: what it already knows is filled "
                                     "in. Give the Graph app registration's client ID and its certificate "
                                     "or client secret.") % moving.name)
        if self.form is None:
            self.form = FieldForm(lambda: self.setup_wizard().flow, self.page, self,
                                  reserved=frozenset("r" if self.platform is Platform.GRAPH else ""))
            self.form.changed.connect(lambda _key: self.completeChanged.emit())
            self.layout_.addWidget(self.form)
            if self.platform is Platform.GOOGLE:
                self.sign_in = SignInBox(self)
                self.layout_.addWidget(self.sign_in)
            if self.platform is Platform.GRAPH:
                self.certificate_box = CertificateBox(self)
                self.layout_.addWidget(self.certificate_box)
                self.form.changed.connect(lambda _key: self.certificate_box.sync())
            self.layout_.addStretch(1)
        if wizard.use_sandbox and wizard.sandbox is not None and wizard.sandbox.is_ready \
                and self.flow().sandbox_platform is not self.platform:
            self.flow().fill_from_sandbox(*wizard.sandbox.infos())
        self.form.load()
        if self.certificate_box is not None:
            self.certificate_box.sync()
        self.completeChanged.emit()


class CertificateBox(QFrame):
    """Creates a self-signed certificate for the Graph app registration (in the background), fills the
    certificate field with it, and shows what to upload and its thumbprints."""

    def __init__(self, page: ConnectionPage) -> None:
        super().__init__(page)
        self.page = page
        self.setObjectName("certificateBox")
        self.task: Task | None = None
        self.created: Any = None
        self.button = QPushButton(self.tr("C&reate a certificate…"))     # "r": kept free on the page
        self.button.setObjectName("createCertificateButton")
        self.button.setAccessibleName(self.tr("Create a certificate"))
        self.button.setToolTip(self.tr("Makes a private key and a self-signed certificate, valid one year: "
                                       "the key stays on this computer, the public .cer goes to the app "
                                       "registration"))
        self.button.clicked.connect(self.start)
        self.status = _heading_text("")
        self.status.setObjectName("certificateStatus")
        self.upload_row: CopyRow | None = None
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 8, 0, 0)
        self.box.addLayout(row)
        self.box.addWidget(self.status)

    def sync(self) -> None:
        """Shown only when the application signs in with a certificate."""
        self.setVisible(self.page.flow().uses_certificate)

    @Slot()
    def start(self) -> None:
        from ec_console.graph_application import create_self_signed_certificate

        flow = self.page.flow()
        name = str(flow.clean.get("name") or "Enterprise Connect")
        path = self.page.setup_wizard().choose_certificate_file(name)
        if not path:
            return
        common_name = f"Enterprise Connect {name}" if not name.startswith("Enterprise Connect") else name

        def work(_ctx: Any) -> Any:
            return create_self_signed_certificate(path, common_name=common_name)

        self.button.setEnabled(False)
        self.status.setText(self.tr("Creating the key and the certificate…"))
        self.task = run_in_background(self, work, on_success=self._done, on_failure=self._failed,
                                      pool="bulk")

    def _done(self, made: Any) -> None:
        self.task = None
        self.button.setEnabled(True)
        self.created = made
        wizard = self.page.setup_wizard()
        if wizard.use_sandbox and wizard.sandbox is not None:
            wizard.sandbox.upload_certificate(str(made.key_file))
        self.page.form.set_text("certificate", str(made.key_file))
        self.page.completeChanged.emit()
        sandbox = self.tr(" In the sandbox it is uploaded for you.") if wizard.use_sandbox else ""
        self.status.setText(self.tr(
            "<b>Created.</b> The private key is in %(key)s, readable by you only. Upload the public "
            "certificate below to the app registration: Microsoft Entra admin center › App registrations › "
            "your app › Certificates &amp; secrets › Certificates › Upload certificate.%(sandbox)s<br>"
            "SHA-256 thumbprint: %(sha256)s<br>SHA-1 thumbprint (as the admin center lists it): %(sha1)s<br>"
            "Valid until %(until)s. A self-signed certificate gets you started; for production Microsoft "
            "advises one from a certificate authority.") % {
                "key": html.escape(str(made.key_file)), "sandbox": sandbox,
                "sha256": made.thumbprint_sha256, "sha1": made.thumbprint_sha1,
                "until": date_for_people(made.not_after)})
        if self.upload_row is not None:
            self.upload_row.deleteLater()
        self.upload_row = CopyRow(str(made.cer_file), self.tr("Certificate to upload"))
        self.upload_row.setObjectName("certificateUploadFile")
        self.box.addWidget(self.upload_row)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.button.setEnabled(True)
        self.status.setText(self.tr("No certificate was created: %s") % describe_error(exc))


class SignInBox(QFrame):
    """The Google administrator sign-in: runs in the background, can be cancelled, fills the admin field."""

    def __init__(self, page: ConnectionPage) -> None:
        super().__init__(page)
        self.page = page
        self.setObjectName("signInBox")
        self.task: Task | None = None
        self.cancel_token: CancelToken | None = None
        self.button = QPushButton(self.tr("&Sign in as administrator…"))
        self.button.setObjectName("signInButton")
        self.button.setAccessibleName(self.tr("Sign in as administrator"))
        self.button.setToolTip(self.tr("Opens the browser to sign in with Google; fills in the administrator "
                                       "when a super administrator signs in"))
        self.cancel_button = QPushButton(self.tr("Cancel sign-in"))
        self.cancel_button.setObjectName("signInCancel")
        self.cancel_button.setAccessibleName(self.tr("Cancel sign-in"))
        self.cancel_button.hide()
        self.status = _heading_text("")
        self.status.setObjectName("signInStatus")
        self.url_row: CopyRow | None = None
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 8, 0, 0)
        self.box.addLayout(row)
        self.box.addWidget(self.status)
        self.button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.bridge = _UrlBridge(self)
        self.bridge.url.connect(self._show_url)

    @Slot()
    def start(self) -> None:
        from ec_console.providers.google.signin import ClientSecretProblem, SignInSettings, load_client_config

        flow = self.page.flow()
        path = flow.clean.get("client_secret_file")
        if not path:
            self.status.setText(self.tr("Pick your organisation's OAuth client file first (above)."))
            return
        try:
            settings = SignInSettings(client_config=load_client_config(path),
                                      api_root=flow.clean.get("api_root"), ca_file=flow.clean.get("ca_file"),
                                      login_hint=flow.clean.get("admin"))
        except (ClientSecretProblem, OSError, ValueError) as exc:
            self.status.setText(describe_error(exc))
            return
        from ec_console.providers.google.signin import sign_in_admin

        cancel = CancelToken()
        self.cancel_token = cancel
        opener = self.page.setup_wizard().open_browser
        bridge = self.bridge

        def work(_ctx: Any) -> Any:
            return sign_in_admin(settings, open_browser=opener, cancel=cancel, on_url=bridge.url.emit)

        self._busy(True)
        self.status.setText(self.tr("Waiting for the sign-in in your browser…"))
        self.task = run_in_background(self, work, on_success=self._done, on_failure=self._failed,
                                      on_cancelled=lambda: self._done(None), pool="bulk")

    @Slot()
    def cancel(self) -> None:
        if self.cancel_token is not None:
            self.cancel_token.cancel()
        self.status.setText(self.tr("Cancelling the sign-in…"))

    def _busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)

    @Slot(str)
    def _show_url(self, url: str) -> None:
        if self.url_row is not None:
            self.url_row.deleteLater()
        self.url_row = CopyRow(url, self.tr("Sign-in address"))
        self.box.addWidget(self.url_row)

    def _done(self, result: Any) -> None:
        self._busy(False)
        self.task = None
        if result is None or result.status == "cancelled":
            self.status.setText(self.tr("The sign-in was cancelled."))
            return
        if result.ok:
            self.page.form.set_text("admin", result.email)
            self.page.completeChanged.emit()
            self.status.setText(self.tr("Signed in as %s, a super administrator.") % result.email)
            return
        # in the window's words and language (the sign-in's detail is a step text: texts.localized)
        why = (localize(for_surface(result.diagnosis), "gui").cause if result.diagnosis is not None
               else surface_text(localized(result.detail)))
        self.status.setText(self.tr("Sign-in did not succeed: %s") % why)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.task = None
        self.status.setText(self.tr("Sign-in did not succeed: %s") % describe_error(exc))


class _UrlBridge(QObject):
    url = Signal(str)


class ScopePage(_Page):
    page = Page.SCOPE

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scopePage")
        self.setTitle(self.tr("Which calendars may the application reach?"))
        self.setSubTitle(self.tr("The commands below are filled in with the names you entered; copy them "
                                 "for your administrator."))
        self.form: FieldForm | None = None
        self._platform: Platform | None = None
        layout = QVBoxLayout(self)
        self.form_holder = QVBoxLayout()
        layout.addLayout(self.form_holder)
        self.guide = QWidget()
        self.guide.setObjectName("scopeGuide")
        self.guide_layout = QVBoxLayout(self.guide)
        self.guide_layout.setContentsMargins(0, 6, 0, 0)
        scroll = QScrollArea()
        scroll.setObjectName("scopeGuideScroll")
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # Tab goes through its commands, and scrolls to them
        scroll.setAccessibleName(self.tr("How to set up the scope"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.guide)
        layout.addWidget(scroll, 1)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        flow = self.flow()
        if self.form is None or self._platform is not flow.platform:
            if self.form is not None:
                self.form.deleteLater()
            self.form = FieldForm(lambda: self.setup_wizard().flow, self.page, self)
            self.form.changed.connect(self._changed)
            self.form_holder.addWidget(self.form)
            self._platform = flow.platform
        self.form.load()
        self._show_guide()
        self.completeChanged.emit()

    def _changed(self, _key: str) -> None:
        self._show_guide()
        self.completeChanged.emit()

    def _show_guide(self) -> None:
        while self.guide_layout.count():
            item = self.guide_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        guide = self.flow().scope_guide()
        # Each instruction with its command right after it, as the check window shows a fix.
        add_instructions(self.guide_layout, guide.text, guide.commands, guide.links, name="scopeGuideText")
        self.guide_layout.addStretch(1)


class TestPage(_Page):
    page = Page.TEST

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("testPage")
        self.setTitle(self.tr("Test the access"))
        self.setSubTitle(self.tr("The console checks, step by step, that the application reaches the test "
                                 "mailbox — and that the restriction holds."))
        self.task: Task | None = None
        self.cancel_token: CancelToken | None = None
        self.running = False
        self.plan_label = _heading_text("")
        self.plan_label.setObjectName("testPlan")
        self.steps = StepList(self)
        self.result_label = _heading_text("")
        self.result_label.setObjectName("testResult")
        self.retry_button = QPushButton(self.tr("&Retry"))
        self.retry_button.setObjectName("retryButton")
        self.retry_button.setAccessibleName(self.tr("Retry the test"))
        self.retry_button.clicked.connect(self.start)
        self.stop_button = QPushButton(self.tr("S&top"))
        self.stop_button.setObjectName("stopTestButton")
        self.stop_button.setAccessibleName(self.tr("Stop the test"))
        self.stop_button.clicked.connect(self.cancel)
        self.save_anyway = QCheckBox(self.tr("Save &anyway — record that the test failed"))
        self.save_anyway.setObjectName("saveAnyway")
        self.save_anyway.setAccessibleName(self.tr("Save anyway"))
        self.save_anyway.toggled.connect(self._save_anyway)
        self.bridge = StepBridge(self)
        self.steps.connect_bridge(self.bridge)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_anyway)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        QTimer.singleShot(0, self.start)

    def cleanupPage(self) -> None:  # noqa: N802 - Qt override
        self.cancel()

    @Slot()
    def start(self) -> None:
        if self.running or self.wizard() is None or self.wizard().currentPage() is not self:
            return
        flow = self.flow()
        try:
            plan = flow.test_plan()
        except Exception as exc:  # noqa: BLE001 - shown inline
            self.result_label.setText(describe_error(exc))
            return
        denied = self.tr("; then that <b>%s</b> is denied") % html.escape(plan.expect_denied) \
            if plan.expect_denied else ""
        legacy = ("<br>" + self.tr("<b>Legacy EWS.</b> %s") % html.escape(legacy_ews_note())) \
            if flow.platform is Platform.ONLINE else ""
        self.plan_label.setText(self.tr("Checks <b>%s</b>") % html.escape(plan.target) + denied + "."
                                + legacy)
        self.steps.set_plan(plan.steps)
        snapshot = flow.snapshot()
        store = self.setup_wizard().store
        cancel = CancelToken()
        bridge = self.bridge
        self.cancel_token = cancel

        def work(_ctx: Any) -> Any:
            secret = snapshot.resolve_secret(store)
            return snapshot.run_test(secret=secret, cancel=cancel, observer=bridge.on_step,
                                     on_step_started=bridge.on_step_started)

        self.result_label.setText(self.tr("Testing…"))
        self.save_anyway.blockSignals(True)
        self.save_anyway.setChecked(False)
        self.save_anyway.blockSignals(False)
        self.save_anyway.hide()
        self._set_running(True)
        self.task = run_in_background(self, work, on_success=self._done, on_failure=self._failed,
                                      on_cancelled=self._cancelled)

    @Slot()
    def cancel(self) -> None:
        if self.cancel_token is not None:
            self.cancel_token.cancel()
        if self.task is not None:
            self.task.cancel()

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.retry_button.setEnabled(not running)
        self.stop_button.setVisible(running)
        self.completeChanged.emit()
        self.setup_wizard().sync_buttons()

    def _done(self, report: Any) -> None:
        self.task = None
        flow = self.flow()
        flow.record_test(report)
        if flow.test_passed:
            warn = report.result is StepStatus.WARN
            self.result_label.setText(
                self.tr("Passed with warnings: read them before you go on.") if warn
                else self.tr("Passed: the application reaches the calendars as planned."))
            self.result_label.setStyleSheet(f"color: {theme.status_colour(report.result.value).name()};")
        else:
            diagnosis = report.diagnosis
            # the cause in the window's words and language (the report keeps the English)
            why = surface_text(localize(for_surface(diagnosis, "gui"), "gui").cause) if diagnosis \
                else self.tr("a step failed")
            text = self.tr("Failed: %s") % why \
                if not report.cancelled else self.tr("The test was stopped before it finished.")
            self.result_label.setText(text + self.tr(" Fix it and Retry, or save anyway."))
            self.result_label.setStyleSheet(f"color: {theme.status_colour('fail').name()};")
            self.save_anyway.setVisible(not report.cancelled)
        self._set_running(False)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.result_label.setText(self.tr("The test could not run: %s") % describe_error(exc))
        self.result_label.setStyleSheet(f"color: {theme.status_colour('fail').name()};")
        self._set_running(False)

    def _cancelled(self) -> None:
        self.task = None
        self.result_label.setText(self.tr("The test was stopped."))
        self.result_label.setStyleSheet("")
        if self.wizard() is not None:
            self._set_running(False)

    def _save_anyway(self, checked: bool) -> None:
        self.flow().accept_failure(checked)
        self.completeChanged.emit()
        self.setup_wizard().sync_buttons()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return not self.running and super().isComplete()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        return not self.running and self.flow().can_finish


class SummaryPage(_Page):
    page = Page.SUMMARY

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryPage")
        self.setTitle(self.tr("Summary"))
        self.setSubTitle(self.tr("Finish stores the application as below."))
        self.setFinalPage(True)
        self.rows = QFormLayout()
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = _heading_text("")
        self.error.setObjectName("saveError")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(self.rows)
        layout.addStretch(1)
        layout.addWidget(self.error)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        wizard = self.setup_wizard()
        while self.rows.rowCount():
            self.rows.removeRow(0)
        region = wizard.region.display_label if wizard.region is not None else None
        for key, label, text in self.flow().summary_rows(region_label=region, keychain=wizard.keychain):
            value = _heading_text(text)
            value.setObjectName(f"summary_{key}")
            value.setAccessibleName(label)
            self.rows.addRow(QLabel(f"<b>{html.escape(label)}</b>"), value)
        self.error.hide()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setStyleSheet(f"color: {theme.status_colour('fail').name()};")
        self.error.show()


# --- the wizard -----------------------------------------------------------------------------------------


class SetupWizard(QWizard):
    """Add (or, given `application`, edit) one application of `region_id`."""

    application_saved = Signal(object)

    def __init__(self, region_id: str, *, region: Any = None, parent: QWidget | None = None,
                 registry: Registry | None = None, application: Any = None,
                 sandbox: SandboxSession | None = None, keychain: str = "the OS keychain", store: Any = None,
                 registry_factory: Callable[[str], Registry] | None = None,
                 open_browser: Callable[[str], Any] | None = webbrowser.open,
                 move_application: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setAccessibleName(self.tr("Setup wizard"))
        self.region_id = region_id
        self.region = region
        self.sandbox = sandbox
        self.store = store
        self.keychain = "the OS keychain"
        self.keychain_problem: str | None = None     # why secrets cannot be kept, when they cannot
        self.keychain_checking = False
        self._apply_keychain(keychain)
        self.open_browser = open_browser
        self._registry_factory = registry_factory or Registry.for_region
        self.saved_application: Any = None
        self._save_task: Task | None = None
        name_taken = (lambda name: registry.find_application(name) is not None) if registry is not None \
            else None
        if move_application is not None:
            self.flow = SetupFlow.move_to_graph(move_application, region_id, region=region)
            self.setWindowTitle(self.tr("Move %s to Microsoft Graph") % move_application.name)
        elif application is not None:
            self.flow = SetupFlow.edit(application, region_id, region=region)
            self.setWindowTitle(self.tr("Edit %s") % application.name)
        else:
            self.flow = SetupFlow(region_id, name_taken=name_taken, region=region)
            self.setWindowTitle(self.tr("Add connection"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.pages: dict[Page, _Page] = {
            Page.PLATFORM: PlatformPage(),
            Page.CONNECTION_ONPREM: ConnectionPage(Platform.ONPREM),
            Page.CONNECTION_GRAPH: ConnectionPage(Platform.GRAPH),
            Page.CONNECTION_ONLINE: ConnectionPage(Platform.ONLINE),
            Page.CONNECTION_GOOGLE: ConnectionPage(Platform.GOOGLE),
            Page.SCOPE: ScopePage(),
            Page.TEST: TestPage(),
            Page.SUMMARY: SummaryPage(),
        }
        for page, widget in self.pages.items():
            self.setPage(PAGE_IDS[page], widget)
        self.setStartId(PAGE_IDS[Page.PLATFORM])
        for which, name in ((QWizard.WizardButton.BackButton, "Back"),
                            (QWizard.WizardButton.NextButton, "Next"),
                            (QWizard.WizardButton.FinishButton, "Finish"),
                            (QWizard.WizardButton.CancelButton, "Cancel")):
            self.button(which).setAccessibleName(self.tr(name))
        self.resize(760, 600)

    def _apply_keychain(self, description: str) -> None:
        if description.startswith("unavailable"):
            self.keychain = "unavailable"
            self.keychain_problem = description.split(":", 1)[1].strip() if ":" in description \
                else description
        else:
            self.keychain = description
            self.keychain_problem = None
        # The main window still asking the keychain when the wizard opened: ask it here too.
        if description == CHECKING_KEYCHAIN and self.store is None:
            self.recheck_keychain()

    def set_keychain(self, description: str) -> None:
        """The keychain's state as found (by the main window or by "Check again")."""
        self.keychain_checking = False
        self._apply_keychain(description)
        page = self.pages.get(Page.PLATFORM) if hasattr(self, "pages") else None
        if page is not None:
            page.sync_keychain()  # type: ignore[attr-defined]

    def recheck_keychain(self) -> None:
        from ec_console.ui.about import keychain_status

        if self.keychain_checking:
            return
        self.keychain_checking = True
        run_in_background(self, lambda _ctx: keychain_status(), on_success=self.set_keychain,
                          on_failure=lambda exc: self.set_keychain(f"unavailable: {exc}"))

    @property
    def use_sandbox(self) -> bool:
        box = self.pages[Page.PLATFORM].sandbox_box  # type: ignore[attr-defined]
        return not box.isHidden() and box.isChecked()

    def page_widget(self, page: Page) -> Any:
        return self.pages[page]

    def choose_certificate_file(self, name: str) -> str:
        """Where the new certificate goes (the administrator chooses; empty: cancelled)."""
        from pathlib import Path

        suggested = Path.home() / ("".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower())
                                   .strip("-") + "-graph.pem")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the new certificate and its private key"),
                                              str(suggested), self.tr("PEM files (*.pem)"))
        return path

    def current(self) -> Page:
        return _PAGE_OF_ID[self.currentId()]

    def sync_buttons(self) -> None:
        """Back and Next (and Finish) stay disabled while a check or the save runs."""
        test = self.pages[Page.TEST]
        busy = bool(getattr(test, "running", False)) or self._save_task is not None
        if self.currentPage() is test or self._save_task is not None:
            self.button(QWizard.WizardButton.BackButton).setEnabled(not busy)
        if busy:
            self.button(QWizard.WizardButton.NextButton).setEnabled(False)
            self.button(QWizard.WizardButton.FinishButton).setEnabled(False)

    def accept(self) -> None:
        """Finish: save in the background (keychain first, then one registry transaction)."""
        if self._save_task is not None:
            return
        flow = self.flow.snapshot()
        store = self.store
        factory = self._registry_factory
        region_id = self.region_id

        def work(_ctx: Any) -> Any:
            with factory(region_id) as registry:     # this thread's own connection
                return flow.save(registry, store)

        self._save_task = run_in_background(self, work, on_success=self._saved, on_failure=self._save_failed,
                                            pool="writer")
        self.sync_buttons()

    def _saved(self, application: Any) -> None:
        self._save_task = None
        self.saved_application = application
        self.application_saved.emit(application)
        super().accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._save_task = None
        log.warning("The setup wizard could not save: %s", describe_error(exc))
        summary = self.pages[Page.SUMMARY]
        assert isinstance(summary, SummaryPage)
        summary.show_error(self.tr("Nothing was saved: %s") % describe_error(exc))
        self.button(QWizard.WizardButton.BackButton).setEnabled(True)
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)

    def reject(self) -> None:
        test = self.pages[Page.TEST]
        assert isinstance(test, TestPage)
        test.cancel()
        sign_in = self.pages[Page.CONNECTION_GOOGLE].sign_in  # type: ignore[attr-defined]
        if sign_in is not None:
            sign_in.cancel()
        super().reject()


__all__ = ["PAGE_IDS", "FieldForm", "SandboxSession", "SetupWizard"]
