"""A dismissable message strip at the top of the window: errors never block the app.

The workflows share it, each through its own :class:`BannerVoice`: a message
remembers who said it, so a workflow withdraws its own messages when what they
describe is gone (a closed comparison, a later successful open, a re-run doctor)
without hiding another workflow's.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton

from ckpt_gui.app import theme

# Each kind's hue. The strip is a tint of it over the window colour and its text the
# hue made readable on that tint, so the banner reads in light and dark themes alike
# (fixed light backgrounds under the palette's text were light on light in a dark one).
HUES = {"error": "#c62828", "warning": "#b8860b", "info": "#1e63b4"}
TINT, BORDER = 0.16, 0.5  # how much of the hue the background and the border take
# The message's contrast with its strip: WCAG's 7:1 for body text (AAA). At 4.5:1 an
# error read pink on maroon in a dark theme, hard to read at a glance.
TEXT_CONTRAST = 7.0


def banner_colours(kind: str, palette: QPalette | None = None) -> tuple[QColor, QColor, QColor]:
    """Background, text and border colours of a banner of ``kind`` on ``palette``."""
    palette = palette or QGuiApplication.palette()
    hue, window = QColor(HUES[kind]), palette.color(QPalette.ColorRole.Window)
    background = theme.blend(hue, window, TINT)
    return background, theme.readable(hue, background, TEXT_CONTRAST), theme.blend(hue, window, BORDER)


class Banner(QFrame):
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
        self.kind = "error"
        self.hide()
        theme.follow(self)

    def follow_palette(self) -> None:
        """Colours of the message's kind on the current palette (theme.follow calls it)."""
        background, text, border = (c.name() for c in banner_colours(self.kind))
        sheet = (
            f"Banner {{ background: {background}; border: 1px solid {border}; border-radius: 4px; }}"
            f" Banner QLabel, Banner QPushButton {{ color: {text}; background: transparent; border: none; }}"
        )
        if sheet != self.styleSheet():  # setting it sends a style change, which calls this again
            self.setStyleSheet(sheet)

    def show_message(self, text: str, kind: str = "error", details: str = "", owner: object | None = None) -> None:
        self.kind = kind if kind in HUES else "error"
        self.follow_palette()
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
