"""Help → About: version, keychain backend, folders and library versions (what support asks for)."""

from __future__ import annotations

import html
import logging
import platform
import sys

import PySide6
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QUrl, Slot, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ec_console import APP_DISPLAY_NAME, __version__, paths
from ec_console.keychain import keychain_status  # noqa: F401 - the keychain line is asked from here too
from ec_console.ui import icons

log = logging.getLogger(__name__)

CHECKING = "checking…"


def about_facts(keychain: str) -> list[tuple[str, str]]:
    """(label, value) pairs shown in About (the labels translated there) and copied by its Copy button (in
    English, for whoever supports the admin)."""
    folders = paths.describe()
    return [
        (QT_TRANSLATE_NOOP("AboutDialog", "Version"), __version__),
        (QT_TRANSLATE_NOOP("AboutDialog", "Keychain"), keychain),
        (QT_TRANSLATE_NOOP("AboutDialog", "Data folder"), folders["data"]),
        (QT_TRANSLATE_NOOP("AboutDialog", "Log folder"), folders["logs"]),
        (QT_TRANSLATE_NOOP("AboutDialog", "Settings folder"), folders["config"]),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("Python", platform.python_version()),
        (QT_TRANSLATE_NOOP("AboutDialog", "System"),
         f"{platform.system()} {platform.release()} ({sys.platform})"),
    ]


class AboutDialog(QDialog):
    def __init__(self, keychain: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setAccessibleName(self.tr("About %s") % APP_DISPLAY_NAME)
        self.setWindowTitle(self.tr("About %s") % APP_DISPLAY_NAME)
        self._facts = about_facts(keychain)

        logo = QLabel()
        logo.setPixmap(icons.app_icon().pixmap(72, 72))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        logo.setAccessibleName(self.tr("Application icon"))

        title = QLabel(f"<h2 style='margin:0'>{html.escape(APP_DISPLAY_NAME)}</h2>")
        blurb = QLabel(self.tr(
            "Grants one application access to the calendars of your whole organisation through a single "
            "service account — Exchange, Office 365 or Google Workspace — and keeps central control over "
            "which calendars it can reach."))
        blurb.setWordWrap(True)

        rows = "".join(
            f"<tr><td style='padding:2px 12px 2px 0'><b>{html.escape(self.tr(label))}</b></td>"
            f"<td style='padding:2px 0'>{html.escape(value)}</td></tr>"
            for label, value in self._facts
        )
        self.facts_label = QLabel(f"<table>{rows}</table>")
        self.facts_label.setObjectName("aboutFacts")
        self.facts_label.setAccessibleName(self.tr("Version and folders"))
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(blurb)
        text.addSpacing(8)
        text.addWidget(self.facts_label)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addSpacing(8)
        top.addLayout(text, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton(self.tr("&Copy details"))
        copy.setObjectName("aboutCopy")
        copy.clicked.connect(self.copy_details)
        logs = QPushButton(self.tr("Open &log folder"))
        logs.setObjectName("aboutOpenLogs")
        logs.clicked.connect(self.open_log_folder)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(logs, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        # Tall enough for every fact: the rich-text table's height is not in the layout's minimum, and on a
        # small screen (200 % scaling) the dialog opened at that minimum with the last facts cut off.
        self.setMinimumHeight(self.sizeHint().height())

    def details_text(self) -> str:
        facts = [("Product", APP_DISPLAY_NAME), *self._facts]
        return "\n".join(f"{label}: {value}" for label, value in facts)

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())

    @Slot()
    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))
