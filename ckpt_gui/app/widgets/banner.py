"""A dismissable message strip at the top of the window: errors never block the app.

The workflows share it, each through its own :class:`BannerVoice`: a message
remembers who said it, so a workflow withdraws its own messages when what they
describe is gone (a closed comparison, a later successful open, a re-run doctor)
without hiding another workflow's.
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher
from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton

from ckpt_gui.app import theme

# Each kind's hue. The strip is a tint of it over the window colour and its text the
# hue made readable on that tint, so the banner reads in light and dark themes alike
# (fixed light backgrounds under the palette's text were light on light in a dark one).
HUES = {"error": "#c62828", "warning": "#b8860b", "info": "#1e63b4"}
SEVERITY = ("info", "warning", "error")  # the strip takes the colour of its most serious message
TINT, BORDER = 0.16, 0.5  # how much of the hue the background and the border take
# The message's contrast with its strip: WCAG's 7:1 for body text (AAA). At 4.5:1 an
# error read pink on maroon in a dark theme, hard to read at a glance.
TEXT_CONTRAST = 7.0


Action = tuple[str, Callable[[], None]]  # a message's button: its text, what it does


class Message(NamedTuple):
    owner: object | None
    text: str
    kind: str
    details: str
    action: Action | None
    # True for what stays true while its owner's work is shown (a comparison's "pairs
    # matched by key"): the close button takes the others first, this one last.
    standing: bool = False


def banner_colours(kind: str, palette: QPalette | None = None) -> tuple[QColor, QColor, QColor]:
    """Background, text and border colours of a banner of ``kind`` on ``palette``."""
    palette = palette or QGuiApplication.palette()
    hue, window = QColor(HUES[kind]), palette.color(QPalette.ColorRole.Window)
    background = theme.blend(hue, window, TINT)
    return background, theme.readable(hue, background, TEXT_CONTRAST), theme.blend(hue, window, BORDER)


def in_reading_order(messages: list) -> list:
    """``messages`` (oldest first) as the banner lists them: the most serious first, the
    newest first among equals. Oldest first, a failed open's error came fourth, under
    three lines about the checkpoint still shown, and a user reads the top line first
    (review 20, G6)."""
    newest_first = list(reversed(messages))
    return sorted(newest_first, key=lambda m: -SEVERITY.index(m[2]))  # stable: newest first within a kind


def one_per_problem(texts: list[str]) -> tuple[list[str], list[str]]:
    """The lines to show, one per problem, and the ones folded away (for the details):
    a line said again (the same text, or inside a line above or below: a selection's
    read error, then the NaN/Inf scan's "not scanned: <that error>") is shown once, in
    its longer form; two lines that quote one error at length (the open's "<error>;
    showing the checkpoint keys", then the doctor's "could not run: <error>") keep the
    first listed. The banner had grown to four lines, two of them word for word the same
    (review 20, G6)."""
    shown: list[str] = []
    folded: list[str] = []
    for text in texts:
        same = next((i for i, other in enumerate(shown) if _same_problem(text, other)), None)
        if same is None:
            shown.append(text)
        elif text not in shown[same] and shown[same] in text:  # the longer form of a line shown: it takes its place
            folded.append(shown[same])
            shown[same] = text
        else:
            folded.append(text)
    return shown, folded


SAME_PROBLEM_CHARS = 60  # a quoted error at least this long, and most of the shorter line


def _same_problem(one: str, other: str) -> bool:
    if one in other or other in one:
        return True
    match = SequenceMatcher(None, one, other, autojunk=False).find_longest_match(0, len(one), 0, len(other))
    return match.size >= SAME_PROBLEM_CHARS and match.size * 2 >= min(len(one), len(other))


class Banner(QFrame):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.details = ""
        self.owner: object | None = None  # who said the last message shown (None: nobody in particular)
        self._messages: list[Message] = []  # oldest first
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details...")
        self.details_button.setFlat(True)
        # What a message offers to do about itself ("Compare again" for a comparison that
        # stopped): the latest such message's, one button.
        self.action_button = QPushButton()
        self.action_button.setFlat(True)
        self.action_button.hide()
        self._action: Callable[[], None] | None = None
        self.close_button = QPushButton("\u2715")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.details_button)
        layout.addWidget(self.close_button)
        self.details_button.clicked.connect(self._show_details)
        self.action_button.clicked.connect(self._act)
        self.close_button.clicked.connect(self.dismiss)
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

    def show_message(
        self,
        text: str,
        kind: str = "error",
        details: str = "",
        owner: object | None = None,
        beside: bool = False,
        action: Action | None = None,
        standing: bool = False,
    ) -> None:
        """Show ``text``; it replaces what ``owner`` said before, and what the others
        said stays above it unless it was only information: a later message must not
        hide an earlier, more serious one (review: a corrupt folder's "cannot be read"
        went when the NaN/Inf scan then stopped on a CRC mismatch). ``beside``: a note on
        what was just said (a drop's files not used), which keeps the others' information
        too (review 11: two scripts dropped on a comparison, "Not used: ..." took the place
        of "Comparison closed ..."). ``action``: (a button's text, what it does), offered
        beside the message while it is shown; the button takes the message away first.
        ``standing``: true while its owner's work is shown, see dismiss."""
        kind = kind if kind in HUES else "error"
        kept = [m for m in self._shown() if m.owner is not owner and (beside or m.kind != "info" or m.standing)]
        self._messages = [*kept, Message(owner, text, kind, details, action, standing)]
        self._render()

    def dismiss(self) -> None:
        """The close button: every message but the standing ones, which then show alone;
        those alone, closed, go (their owner keeps the same word where it is asked for:
        a comparison's Details say "Paired by"). It had closed all, and a comparison's
        "pairs matched by key" went for good with an export's error below it (review 19)."""
        standing = [m for m in self._shown() if m.standing]
        if len(standing) == len(self._shown()):
            self._messages = []
            self.hide()
            return
        self._messages = standing
        self._render()

    def withdraw(self, owner: object) -> None:
        """Take back what ``owner`` said (another's message stays)."""
        left = [m for m in self._shown() if m[0] is not owner]
        if len(left) != len(self._shown()):
            self._messages = left
            self._render()

    def _shown(self) -> list[Message]:
        return self._messages if self.isVisible() else []  # dismissed: nothing stays

    def _render(self) -> None:
        messages = self._messages
        if not messages:
            self.hide()
            return
        self.kind = max((m[2] for m in messages), key=SEVERITY.index)
        self.follow_palette()
        shown, folded = one_per_problem([m[1] for m in in_reading_order(messages)])
        self.label.setText("\n".join(shown))
        self.details = "\n\n".join([*(m[3] for m in messages if m[3]), *folded])
        self.owner = messages[-1][0]
        self.details_button.setVisible(bool(self.details))
        owner, action = next(((m[0], m[4]) for m in reversed(messages) if m[4] is not None), (None, None))
        self.action_button.setVisible(action is not None)
        self._action = None
        if action is not None:
            label, callback = action
            self.action_button.setText(label)
            self._action = lambda: (self.withdraw(owner), callback())
        self.show()

    def _act(self) -> None:
        if self._action is not None:
            self._action()

    def voice(self, owner: object) -> BannerVoice:
        return BannerVoice(self, owner)

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def text_of(self, owner: object | None) -> str:
        """What ``owner`` said, if it is shown."""
        return "\n".join(m[1] for m in self._shown() if m[0] is owner)

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Details", self.label.text(), parent=self)
        box.setDetailedText(self.details)
        box.exec()


class BannerVoice:
    """One workflow's way to the shared banner: what it shows is tagged as its own,
    and ``hide()`` withdraws only its own message."""

    def __init__(self, banner: Banner, owner: object) -> None:
        self.banner, self.owner = banner, owner

    def show_message(
        self, text: str, kind: str = "error", details: str = "", action: Action | None = None, standing: bool = False
    ) -> None:
        self.banner.show_message(text, kind, details, owner=self.owner, action=action, standing=standing)

    def hide(self) -> None:
        self.banner.withdraw(self.owner)

    @property
    def text(self) -> str:
        """What this workflow said, if it is shown, else empty."""
        return self.banner.text_of(self.owner)
