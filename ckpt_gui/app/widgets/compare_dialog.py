"""Compare with...: which checkpoint to compare the one shown with, and which of the
two is A. A folder, a prefix or an ``.index`` file names a folder of checkpoints; the
user picks one of them (newest first), and is warned when it is the checkpoint shown:
a comparison with itself says nothing. The dialog says which is A and which is B (the
older of one folder's saves is A, "before"; else the one shown), a Swap button turns
them round, and the comparison is made in the order the dialog showed (review: it
showed "A: ckpt-300, B: ckpt-200" and compared them the other way round)."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QVBoxLayout,
)

from ckpt_gui.app import theme
from ckpt_gui.app.checkpoint_gone import deleted_note
from ckpt_gui.app.widgets.file_dialog_fit import fitted
from ckpt_gui.app.widgets.picker import describe_ref, paint_closed
from ckpt_gui.core.format.checkpoint_order import order_known
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.folder_kinds import other_choices
from ckpt_gui.core.format.locations import CheckpointRef, Location, series_of
from ckpt_gui.core.format.storage import same_checkpoint
from ckpt_gui.core.open_fallback import unreadable_note

TYPING_PAUSE_MS = 300  # a typed path is looked at once the typing pauses
ERROR, WARNING = "#D55E00", "#E69F00"  # Okabe-Ito, as the statuses (made readable on the palette)
SAME_WARNING = "This is the checkpoint shown (A): comparing it with itself shows every variable the same."
ANOTHER_SERIES_WARNING = (
    "This checkpoint is of another series of the folder (another save() prefix, maybe another model or run):"
    " before and after by their times only, not one run's history."
)

GONE_HINT = "F5 opens the folder's latest (the picker lists what the folder holds now)."

FIELD_SPARE = 6  # px the box's field keeps beyond its longest text (the label's own margin)
SCREEN_MARGIN = 40  # px of the screen's width the dialog and the list leave free (the frame)


class ChoiceBox(QComboBox):
    """The folder's checkpoints: the closed box cut in the middle when too narrow (the
    picker's way), the open list as wide as its longest text, within the screen."""

    def __init__(self) -> None:
        super().__init__()
        self.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)

    def _widest(self) -> int:
        return max((self.fontMetrics().horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        """Wide enough for the longest text in the field: Qt's hint left the field 20 px
        short of it (the arrow's room counted twice less), so the text was cut."""
        hint = super().sizeHint()
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.rect = QRect(0, 0, hint.width(), hint.height())
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        return QSize(max(hint.width(), self._widest() + hint.width() - field.width() + FIELD_SPARE), hint.height())

    def showPopup(self) -> None:  # noqa: N802 - Qt's API
        widest = self._widest()
        screen = self.screen().availableGeometry().width() if self.screen() is not None else widest
        scroll = self.view().verticalScrollBar().sizeHint().width()
        self.view().setMinimumWidth(min(widest + 2 * self.view().frameWidth() + scroll + 16, screen - SCREEN_MARGIN))
        super().showPopup()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's API
        paint_closed(self)


class OrderLabel(QLabel):
    """Which is A and which is B: a path cut in the middle to the width the dialog has
    (the whole text in the tooltip, ``text()`` whole), never widening the dialog."""

    def __init__(self) -> None:
        super().__init__()
        self._whole = ""
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's API
        self._whole = text
        self._show_fitting()

    def text(self) -> str:
        return self._whole

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's API
        super().resizeEvent(event)
        self._show_fitting()

    def _show_fitting(self) -> None:
        room, metrics = self.contentsRect().width(), self.fontMetrics()
        lines = [metrics.elidedText(line, Qt.TextElideMode.ElideMiddle, room) for line in self._whole.splitlines()]
        shown = "\n".join(lines)
        super().setText(shown)
        self.setToolTip(self._whole if shown != self._whole else "")


class CompareDialog(QDialog):
    """Asks for B: a path (folder, prefix, ``.index``) and one checkpoint of its folder."""

    def __init__(self, a_prefix: str, start: str, locate: Callable[[str], Location], parent=None,
                 made_from: str | None = None) -> None:  # fmt: skip
        """``a_prefix``: the checkpoint shown; ``start``: the path to begin with;
        ``locate``: what a path names (core.format.discovery.locate); ``made_from``: the
        checkpoint the shown one was made from (a repair's source): before it, A."""
        super().__init__(parent)
        self.setWindowTitle("Compare with")
        self.a_prefix, self._locate = a_prefix, locate  # a_prefix: the checkpoint shown
        self.made_from = made_from
        self.refs: list[CheckpointRef] = []
        self._broken: dict[str, str] = {}  # the folder's checkpoints that cannot be read: why, in a few words
        self._apart: set[str] = set()  # the folder's checkpoints of another series than the one shown
        self._before: dict[str, int] = {}  # the folder's checkpoints (real paths): position, oldest first
        self._saves: tuple = ()  # those checkpoints, oldest first
        self.swapped = False  # the user turned the proposed order round
        self.path = QLineEdit(start)
        self.path.setPlaceholderText("a checkpoint folder, a prefix (ckpt-3) or an .index file")
        self.path.setClearButtonEnabled(True)
        folder_button = QPushButton("Folder...")
        file_button = QPushButton("File...")
        self.checkpoints = ChoiceBox()
        # Its least width of 30 characters, its hint its longest text (ChoiceBox.sizeHint): with
        # AdjustToContents a longer text listed for a typed path widened it past the dialog.
        self.checkpoints.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.checkpoints.setMinimumContentsLength(30)
        self.message = QLabel()
        self.message.setWordWrap(True)
        # Room for two lines of message from the start, and the message's width never the
        # dialog's: it had grown 560 -> 605 px and the rows above moved up while a path was
        # typed, the Checkpoint box away from under the mouse (review 16, nit 7).
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing())
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.order_label = OrderLabel()  # which is A and which is B, as the comparison will have them
        self.swap_button = QPushButton("Swap A and B")
        self.swap_button.setToolTip("B - A is what changed from A to B: swap to read it the other way")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Compare")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(folder_button)
        path_row.addWidget(file_button)
        form = QFormLayout()
        form.addRow("Shown:", QLabel(os.path.basename(a_prefix)))
        form.addRow("Compare with:", path_row)
        form.addRow("Checkpoint:", self.checkpoints)
        order_row = QHBoxLayout()
        order_row.addWidget(self.order_label, 1)
        order_row.addWidget(self.swap_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(order_row)
        layout.addWidget(self.message)
        layout.addStretch(1)  # height to spare goes under the message: the rows above stay where they are
        layout.addWidget(self.buttons)
        self._typing = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._typing.timeout.connect(lambda: self.look_at_path())
        self.path.textEdited.connect(lambda _text: self._typing.start())
        self.path.returnPressed.connect(lambda: self.look_at_path())
        folder_button.clicked.connect(self._choose_folder)
        file_button.clicked.connect(self._choose_file)
        self.checkpoints.currentIndexChanged.connect(lambda _row: self._check_choice())
        self.swap_button.clicked.connect(self.swap)
        for button in (folder_button, file_button, self.swap_button):  # Enter compares, whatever was clicked last
            button.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.resize(max(self.sizeHint().width(), 560), self.sizeHint().height())
        self.look_at_path()

    def chosen(self) -> str | None:
        """B's prefix, or None while the path names no checkpoint."""
        row = self.checkpoints.currentIndex()
        return self.refs[row].prefix if 0 <= row < len(self.refs) else None

    def order(self) -> tuple[str, str] | None:
        """(A's prefix, B's prefix) as the dialog shows them, or None with no choice."""
        chosen = self.chosen()
        if chosen is None:
            return None
        where_shown, where_chosen = (self._before.get(os.path.realpath(p)) for p in (self.a_prefix, chosen))
        # Two saves of one folder: the older is A (before), as "Compare with previous";
        # else the checkpoint shown is A.
        chosen_first = where_shown is not None and where_chosen is not None and where_chosen < where_shown
        chosen_first = chosen_first or self._is_source(chosen)  # a repair's source: before the repaired one
        order = (chosen, self.a_prefix) if chosen_first else (self.a_prefix, chosen)
        return order[::-1] if self.swapped else order

    def _is_source(self, prefix: str) -> bool:
        return self.made_from is not None and os.path.realpath(prefix) == os.path.realpath(self.made_from)

    def roles(self) -> tuple[str, str]:
        """What A and B are ("before", "after") when both are saves of the folder listed,
        or the shown one was made from the other (a repair: its source is before it; the
        repaired one read as A with no word, review 26 #14)."""
        order = self.order()
        if order is not None and any(map(self._is_source, order)):
            return ("before", "after") if self._is_source(order[0]) else ("after", "before")
        where = [self._before.get(os.path.realpath(p)) for p in order] if order else [None]
        if None in where or where[0] == where[1]:
            return "", ""
        if not order_known(self._saves[where[0]], self._saves[where[1]]):  # two saves of one time
            return "", ""
        return ("before", "after") if where[0] < where[1] else ("after", "before")

    def swap(self) -> None:
        self.swapped = not self.swapped
        self._check_choice()

    def look_at_path(self, fit: bool = False) -> None:
        """List the checkpoints the path's folder holds; select the one it names (a
        folder names its latest, but not the checkpoint shown when there is another).
        ``fit``: the dialog widened for their texts (a folder or file chosen), as before
        it is shown; not for a path typed: the dialog grew under the mouse while a path
        was typed (review 16, nit 7), the box cuts its text in the middle, its list whole."""
        self._typing.stop()
        text = os.path.expanduser(self.path.text().strip())
        self.refs = []
        self._broken = {}
        self.checkpoints.clear()
        if not text:
            self._say("Choose a folder, a prefix or an .index file.", None)
            return
        try:
            location = self._locate(text)
        except CheckpointError as exc:
            self._say(str(exc), ERROR)
            return
        # Newest first, as in the picker: the series of the checkpoint shown (of the one the
        # path names, in another folder) before the folder's other series, marked as the
        # picker marks them (review 20: the whole folder was listed as one series).
        shown = (ref for ref in location.checkpoints if same_checkpoint(ref.prefix, self.a_prefix))
        mine = next(shown, location.selected)
        series = list(reversed(series_of(location, mine)))
        # Then the rest of the folder, each file named by what it is: the other series, the
        # other Keras files, the files of the other kind (a .keras folder had offered its
        # own series alone, not the .weights.h5 or TF checkpoint beside it: review 23).
        others = other_choices(location, mine)
        apart = [ref for ref, what in others if what == "another series"]
        others = [(ref, "another series") for ref in reversed(apart)] + [c for c in others if c[1] != "another series"]
        self.refs = series + [ref for ref, _what in others]
        whats = [""] * len(series) + [f"  ({what})" for _ref, what in others]
        self._before = {os.path.realpath(ref.prefix): i for i, ref in enumerate(location.checkpoints)}
        self._saves = location.checkpoints
        self._apart = {ref.prefix for ref in apart}
        # Marked as the picker marks them (``locate`` may mark them: open_fallback.with_unreadable_marked).
        self._broken = dict(zip(location.broken, location.broken_why, strict=True))
        for ref, what in zip(self.refs, whats, strict=True):
            shown = "  (shown)" if same_checkpoint(ref.prefix, self.a_prefix) else ""
            broken = "  (cannot be read)" if ref.prefix in self._broken else ""
            # A Keras file (by epoch, no state file): the location's own files, or the other kind's.
            keras = (location.kind == "keras") == (ref in location.checkpoints or ref in location.others)
            self.checkpoints.addItem(describe_ref(ref, location.latest_mark(ref), keras) + what + shown + broken)
        selected = location.selected
        if os.path.isdir(text) and same_checkpoint(selected.prefix, self.a_prefix):
            others = [ref for ref in self.refs if not same_checkpoint(ref.prefix, self.a_prefix)]
            selected = next(
                (ref for ref in others if ref.prefix not in self._broken), others[0] if others else selected
            )
        self.checkpoints.setCurrentIndex(self.refs.index(selected) if selected in self.refs else 0)
        self._check_choice()
        if fit or not self.isVisible():
            self._fit_width()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's API
        super().showEvent(event)
        self._fit_width()  # on its screen now: how wide it may be

    def _fit_width(self) -> None:
        """As wide as the checkpoints' texts need, within the screen: sized before they
        were listed, the box cut "(A: shown" at 1024 px (review 7); never narrower."""
        self.checkpoints.updateGeometry()  # its hint follows its texts (ChoiceBox.sizeHint), Qt's cache does not
        self.layout().invalidate()  # its hint of before the items came is cached
        self.layout().activate()
        screen = self.screen().availableGeometry().width() if self.screen() is not None else self.width()
        wanted = min(self.sizeHint().width(), screen - SCREEN_MARGIN)
        if wanted > self.width():
            self.resize(wanted, self.height())

    def _check_choice(self) -> None:
        prefix = self.chosen()
        self._show_order()
        if prefix is None:
            return
        unreadable = "; ".join(unreadable_note(p, why) for p, why in self._broken.items())
        # The checkpoint shown, deleted by a training job's CheckpointManager since: said as
        # the picker says it, not found out by the comparison as "incomplete" (review 23 #5).
        gone = "; ".join(note for note in map(deleted_note, dict.fromkeys((self.a_prefix, prefix))) if note)
        if gone:
            self._say(f"{gone}: it cannot be compared (its values cannot be read). {GONE_HINT}", ERROR)
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        if prefix in self._broken:
            self._say(f"{unreadable_note(prefix, self._broken[prefix])}: choose another checkpoint.", ERROR)
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        if same_checkpoint(prefix, self.a_prefix):  # through a link too: the real files (review 21 #7)
            self._say(SAME_WARNING, WARNING)
        elif prefix in self._apart and any(same_checkpoint(ref.prefix, self.a_prefix) for ref in self.refs):
            self._say(ANOTHER_SERIES_WARNING, WARNING)
        elif unreadable:  # which checkpoint is proposed instead of the newest, and why
            self._say(f"{unreadable}: the newest readable checkpoint of the folder is proposed.", WARNING)
        else:
            self._say("", None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _show_order(self) -> None:
        """A and B as the comparison will have them (B - A: from A to B)."""
        order = self.order()
        self.swap_button.setEnabled(order is not None)
        if order is None:
            self.order_label.setText("")
            return
        # "A:" and "B:" whatever the paths; what a save is to the other after its path: the
        # labels read "A (before):" then "A:" as a path was typed (review 16, nit 7).
        role_a, role_b = (f"  ({role})" if role else "" for role in self.roles())
        self.order_label.setText(f"A: {order[0]}{role_a}\nB: {order[1]}{role_b}")

    def _say(self, text: str, tone: str | None) -> None:
        """A message under the choice; ``tone`` colours it (ERROR, WARNING)."""
        window = self.palette().color(QPalette.ColorRole.Window)
        self.message.setStyleSheet(f"color: {theme.readable(tone, window).name()};" if tone else "")
        self.message.setText(text)
        self.message.setProperty("tone", tone or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen() is not None)

    def _choose_folder(self) -> None:
        with fitted():
            path = QFileDialog.getExistingDirectory(self, "Folder of checkpoint B", self._start_folder())
        if path:
            self.path.setText(path)
            self.look_at_path(fit=True)

    def _choose_file(self) -> None:
        with fitted():
            path, _ = QFileDialog.getOpenFileName(
                self, "Checkpoint B", self._start_folder(),
                "Checkpoint files (*.index checkpoint saved_model.pb *.keras *.weights.h5 *.h5 *.weights.json)"
                ";;All files (*)",
            )  # fmt: skip
        if path:
            self.path.setText(path)
            self.look_at_path(fit=True)

    def _start_folder(self) -> str:
        text = os.path.expanduser(self.path.text().strip())
        return text if os.path.isdir(text) else os.path.dirname(text) or os.path.dirname(self.a_prefix)
