"""A dismissable message strip at the top of the window: errors never block the app.

The workflows share it, each through its own :class:`BannerVoice`: a message
remembers who said it, so a workflow withdraws its own messages when what they
describe is gone (a closed comparison, a later successful open, a re-run doctor)
without hiding another workflow's.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton


class Banner(QFrame):
    STYLES = {
        "error": "background: #fde2e1; border: 1px solid #e0a09c; color: #6b1510;",
        "warning": "background: #fff4d6; border: 1px solid #e2c674; color: #5c4300;",
        "info": "background: #e3effd; border: 1px solid #9cbde6; color: #13375f;",
    }

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.details = ""
        self.owner: object | None = None  # who said the message shown (None: nobody in particular)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details...")
        self.details_button.setFlat(True)
        self.close_button = QPushButton("\u2715")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.details_button)
        layout.addWidget(self.close_button)
        self.details_button.clicked.connect(self._show_details)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def show_message(self, text: str, kind: str = "error", details: str = "", owner: object | None = None) -> None:
        self.setStyleSheet(f"Banner {{ {self.STYLES[kind]} border-radius: 4px; }}")
        self.label.setText(text)
        self.details = details
        self.owner = owner
        self.details_button.setVisible(bool(details))
        self.show()

    def withdraw(self, owner: object) -> None:
        """Hide the message if ``owner`` said it (another's message stays)."""
        if self.owner is owner:
            self.hide()

    def voice(self, owner: object) -> BannerVoice:
        return BannerVoice(self, owner)

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Details", self.label.text(), parent=self)
        box.setDetailedText(self.details)
        box.exec()


class BannerVoice:
    """One workflow's way to the shared banner: what it shows is tagged as its own,
    and ``hide()`` withdraws only its own message."""

    def __init__(self, banner: Banner, owner: object) -> None:
        self.banner, self.owner = banner, owner

    def show_message(self, text: str, kind: str = "error", details: str = "") -> None:
        self.banner.show_message(text, kind, details, owner=self.owner)

    def hide(self) -> None:
        self.banner.withdraw(self.owner)

    @property
    def text(self) -> str:
        """The banner's text if this workflow said it, else empty."""
        return self.banner.text if self.banner.owner is self.owner else ""
