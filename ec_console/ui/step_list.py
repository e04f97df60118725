"""The live list of a check's steps, shared by the wizard's test page and the connectivity check window.

`set_plan(steps)` shows every declared step as pending; `mark_started(step_id)` and `add_result(step)`
(called on the GUI thread, from queued signals) turn each row into its outcome as the check runs: a status
shape (`icons.status_shape`) plus a status word (colour is never the only cue), the title, the duration, and a
disclosure button that shows the detail and, for a failure, the cause and the fix with a Copy button for every
command and link. A failed step opens its details by itself. `StepBridge` carries a worker thread's step
callbacks to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QRectF, QSizeF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ec_console.checks import StepResult, StepSpec, StepStatus, shown_detail, shown_title
from ec_console.diagnoses import for_surface, localize, surface_text
from ec_console.render import format_duration
from ec_console.ui import icons
from ec_console.ui.accessibility import chain_tabs

# Marked for translation here, translated where shown (context "StepRow").
STATUS_WORDS = {"pending": QT_TRANSLATE_NOOP("StepRow", "Waiting"),
                "running": QT_TRANSLATE_NOOP("StepRow", "Running…"),
                "pass": QT_TRANSLATE_NOOP("StepRow", "Passed"),
                "warn": QT_TRANSLATE_NOOP("StepRow", "Warning"),
                "fail": QT_TRANSLATE_NOOP("StepRow", "Failed"),
                "skip": QT_TRANSLATE_NOOP("StepRow", "Skipped")}


class StepBridge(QObject):
    """Signals a worker thread emits; Qt queues them to the GUI thread's slots."""

    started = Signal(str)
    finished = Signal(object)

    def on_step_started(self, step_id: str) -> None:
        self.started.emit(step_id)

    def on_step(self, step: StepResult) -> None:
        self.finished.emit(step)


class CommandField(QPlainTextEdit):
    """A read-only command or link shown whole: it wraps (anywhere, when a token is longer than the line)
    and grows to its content's height, so no part of a command is ever hidden."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self.setFont(font)
        self.document().setDocumentMargin(3)
        self.document().documentLayout().documentSizeChanged.connect(self._document_resized)
        self._fit()

    @Slot(QSizeF)
    def _document_resized(self, _size: QSizeF) -> None:
        self._fit()

    def text(self) -> str:
        return self.toPlainText()

    def _fit(self) -> None:
        lines = max(1, self.document().documentLayout().documentSize().height())
        line_height = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins()
        height = int(lines * line_height + 2 * self.document().documentMargin() + margins.top()
                     + margins.bottom() + 2 * self.frameWidth())
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()


class CopyRow(QWidget):
    """A read-only command (or link) shown whole, with a Copy button."""

    def __init__(self, text: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = text
        self.field = CommandField(text)
        self.field.setAccessibleName(what)
        self.button = QPushButton(self.tr("Copy"))
        pattern = self.tr("Copy %s")
        # English lowers the noun ("Copy command"); a translation keeps it as written (German nouns are
        # capitalised).
        self.button.setAccessibleName(pattern % (what.lower() if pattern == "Copy %s" else what))
        self.button.setToolTip(self.tr("Copy to the clipboard"))
        self.button.clicked.connect(self.copy)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)
        self.button.setText(self.tr("Copied"))


class StepRow(QFrame):
    """One step: status, title, duration; details below, shown on demand."""

    def __init__(self, spec: StepSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"step_{spec.id}")
        self.step_id = spec.id
        self.title_text = shown_title(spec)
        self.result: StepResult | None = None
        self.status = "pending"
        self.setFrameShape(QFrame.Shape.NoFrame)

        self.icon = QLabel()
        self.icon.setFixedWidth(18)
        self.title = QLabel(self.title_text)
        self.title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.state = QLabel()
        self.state.setObjectName("stepState")
        self.state.setMinimumWidth(80)
        self.duration = QLabel()
        self.duration.setObjectName("stepDuration")
        self.duration.setMinimumWidth(56)
        self.duration.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setEnabled(False)
        self.toggle.setAccessibleName(self.tr("Details of “%s”") % self.title_text)
        self.toggle.setToolTip(self.tr("Show or hide the details"))
        self.toggle.toggled.connect(self._toggled)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.toggle)
        head.addWidget(self.icon)
        head.addWidget(self.title, 1)
        head.addWidget(self.state)
        head.addWidget(self.duration)

        self.details = QWidget()
        self.details.setObjectName("stepDetails")
        self.details_layout = QVBoxLayout(self.details)
        self.details_layout.setContentsMargins(46, 2, 4, 8)
        self.details.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 3, 4, 3)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.details)
        self._show_status("pending")

    def _show_status(self, status: str) -> None:
        self.status = status
        word = QCoreApplication.translate("StepRow", STATUS_WORDS[status])
        self.state.setText(word)
        self.icon.setPixmap(_status_icon(status).pixmap(14, 14))   # pending: a ring; skip: a dash
        self.icon.setAccessibleName(word)
        self.setAccessibleName(f"{self.title_text}: {word}")
        font = self.title.font()
        font.setBold(status == "running")
        self.title.setFont(font)
        self.title.setEnabled(status != "pending")

    def mark_started(self) -> None:
        self._show_status("running")

    def set_result(self, step: StepResult) -> None:
        self.result = step
        self._show_status(step.status.value)
        self.duration.setText(format_duration(step.duration_ms) if step.status is not StepStatus.SKIP else "")
        self._fill_details(step)
        self.toggle.setEnabled(True)
        if step.status is StepStatus.FAIL:
            self.toggle.setChecked(True)

    def _fill_details(self, step: StepResult) -> None:
        while self.details_layout.count():
            item = self.details_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if step.detail:
            self.details_layout.addWidget(_text(surface_text(shown_detail(step)), "stepDetail"))
        if step.diagnosis is None:
            return
        # in the window's words, then in its language (codes, commands and links kept as they are)
        diagnosis = localize(for_surface(step.diagnosis, "gui"), "gui")
        cause, fix = self.tr("Cause"), self.tr("Fix")
        self.details_layout.addWidget(_text(f"<b>{cause}</b> ({diagnosis.code}): "
                                            f"{_escape(diagnosis.cause)}", "stepCause", rich=True))
        add_instructions(self.details_layout, diagnosis.remediation, diagnosis.commands, diagnosis.links,
                         lead=f"<b>{fix}</b>: ", name="stepFix")

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.details.setVisible(shown)

    def copy_buttons(self) -> list[QPushButton]:
        return [row.button for row in self.details.findChildren(CopyRow)]


def add_instructions(layout: QVBoxLayout, text: str, commands: Sequence[str], links: Sequence[str], *,
                     lead: str = "", name: str = "instructions") -> None:
    """Lay out instructions in their own order: each command or link gets its Copy row right where the text
    names it ("In Active Directory:" followed by the command), not gathered at the end. Commands and links
    the text does not name follow it. `lead` (rich text) starts the first paragraph."""
    command_set = {c.strip() for c in commands}
    link_set = {link.strip() for link in links}
    prose: list[str] = []
    shown: set[str] = set()
    first = True

    def flush() -> None:
        nonlocal first
        if not prose:
            return
        label = lead if first else ""
        layout.addWidget(_text(label + _escape("\n".join(prose)), name, rich=True))
        prose.clear()
        first = False

    def copy_row(line: str) -> None:
        what = (QApplication.translate("StepList", "Command") if line in command_set
                else QApplication.translate("StepList", "Link"))
        layout.addWidget(CopyRow(line, what))
        shown.add(line)

    for raw in text.splitlines():
        line = raw.strip()
        if line in command_set or line in link_set:
            flush()
            copy_row(line)
        elif line:
            prose.append(line)
    flush()
    for line in [*(c.strip() for c in commands), *(link.strip() for link in links)]:
        if line and line not in shown:
            copy_row(line)


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")


def _text(text: str, name: str, *, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse |
                                  Qt.TextInteractionFlag.TextSelectableByKeyboard)
    return label


def _status_icon(key: str) -> QIcon:
    if key != "running":
        return icons.status_icon(key)
    app = QApplication.instance()
    colour = app.palette().color(QPalette.ColorRole.Highlight) if isinstance(app, QApplication) \
        else QColor("#2f6fde")
    pixmap = QPixmap(28, 28)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, 4))
    painter.drawEllipse(QRectF(5, 5, 18, 18))
    painter.end()
    return QIcon(pixmap)


class StepList(QScrollArea):
    """The rows of one check, in declared order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepList")
        self.setAccessibleName(self.tr("Steps of the check"))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._body = QWidget()
        self._body.setObjectName("stepListBody")
        self._layout = QVBoxLayout(self._body)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.setSpacing(0)
        self._layout.addStretch(1)
        self.setWidget(self._body)
        self.rows: dict[str, StepRow] = {}

    def clear(self) -> None:
        for row in self.rows.values():
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}

    def set_plan(self, steps: Sequence[StepSpec]) -> None:
        self.clear()
        for spec in steps:
            row = StepRow(spec, self._body)
            self.rows[spec.id] = row
            self._layout.insertWidget(self._layout.count() - 1, row)
        self.order_tabs()

    @Slot(str)
    def mark_started(self, step_id: str) -> None:
        row = self.rows.get(step_id)
        if row is not None:
            row.mark_started()
            self.ensureWidgetVisible(row)

    @Slot(object)
    def add_result(self, step: StepResult) -> None:
        row = self.rows.get(step.id)
        if row is None:                      # a step the plan did not list: show it anyway
            row = StepRow(StepSpec(step.id, step.title, ()), self._body)
            self.rows[step.id] = row
            self._layout.insertWidget(self._layout.count() - 1, row)
        row.set_result(step)
        self.order_tabs()
        self.ensureWidgetVisible(row)

    def order_tabs(self) -> None:
        """Tab goes from the list through each row's controls in order, then on to what follows the list
        (rows and their details are made after the window's other controls, and would come last)."""
        controls = [w for row in self.rows.values() for w in (row, *row.findChildren(QWidget))
                    if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
        chain_tabs([self, *controls])

    def statuses(self) -> dict[str, str]:
        return {step_id: row.status for step_id, row in self.rows.items()}

    def connect_bridge(self, bridge: StepBridge) -> None:
        bridge.started.connect(self.mark_started)
        bridge.finished.connect(self.add_result)
