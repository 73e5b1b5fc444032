"""The checkpoint picker: every checkpoint of the folder, with step, time and size;
a right click on one offers to compare the checkpoint shown with it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPalette
from PySide6.QtWidgets import QComboBox, QMenu, QStyle, QStyleOptionComboBox, QStylePainter

from ckpt_gui.core.format.keras_files import another_kind
from ckpt_gui.core.format.locations import CheckpointRef, Location, other_series, series_of
from ckpt_gui.core.formatting import format_bytes, format_time

MAX_WIDTH = 640
SEPARATOR = "  \u00b7  "
FIGURE_SPACE = "\u2007"  # as wide as a digit: pads numbers so the list's columns line up
# The picker's comparisons: of two saves of its folder, the older is A (before) whichever is shown,
# as Compare with previous and the Compare with... dialog order them.
COMPARE_WITH_THIS = "&Compare with this (older = A, before)"
COMPARE_WITH = "&Compare with (older = A, before)"
COMPARE_TIP = "The checkpoint shown and this one: the older is A (before), the newer B (after)"
MNEMONICS = "123456789abcdefghijklmnopqrstuvwxyz"  # of "Compare with"'s checkpoints, in the list's order
_HINT = "Checkpoints in this folder (the state file's latest is marked)"
Line = CheckpointRef | None  # a line of the picker: its checkpoint, or None for a heading
# Said alike whichever kind is shown ("Other files" sat above the Keras file shown: review 25 #6).
KERAS_HEADING = "Keras files in this folder (no step, no latest)"
CHOOSE = "Not opened: choose a checkpoint of this folder"  # the picker's text after a failed open (offer)


class CheckpointPicker(QComboBox):
    ref_selected = Signal(object)  # CheckpointRef
    compare_requested = Signal(object)  # CheckpointRef: compare the one shown with it (the older is A)
    about_to_open = Signal()  # its list is about to show: the folder is listed again (app/folder_watch.py)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.refs: list[Line] = []  # None: the row of a heading
        # As wide as its longest entry, so "(latest)" is never cut, up to a limit that
        # leaves the toolbar room for the path; each entry's tooltip is whole.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMaximumWidth(MAX_WIDTH)
        self.setToolTip(_HINT)
        self.activated.connect(self._on_activated)
        self.shown_row = -1  # the checkpoint shown (A)
        # A right click in the open list: the list would take the click's release for
        # a choice, so a filter on it sees the right button first.
        self._right_clicks = _RightClicks(self)
        self.view().viewport().installEventFilter(self._right_clicks)

    def set_location(self, location: Location, selected: CheckpointRef, gone: bool = False) -> None:
        """List ``location``'s checkpoints, ``selected`` current; ``gone``: the one selected
        (shown) has left the folder since it was opened (a CheckpointManager deleted it)."""
        self.blockSignals(True)
        self.clear()
        lines = picker_lines(location, selected, gone)
        self.refs = [ref for ref, _text in lines]
        for row, (ref, text) in enumerate(lines):
            self.addItem(text)
            if ref is None:  # the heading of the other kind's files: not a checkpoint to choose
                self.model().item(row).setFlags(Qt.ItemFlag.NoItemFlags)
                continue
            self.setItemData(row, text, Qt.ItemDataRole.ToolTipRole)
        rows = (row for row, ref in enumerate(self.refs) if ref is not None and ref.prefix == selected.prefix)
        self.setCurrentIndex(next(rows, 0))
        self.shown_row = self.currentIndex()
        self.setToolTip(f"{self.currentText()}\n{_HINT}")
        self.setEnabled(sum(ref is not None for ref in self.refs) > 1)
        self.blockSignals(False)
        # Its new width now, not at the next turn of the event loop: a frame painted
        # between the two showed the new text cut to the old width ("ckpt · 2" of a
        # 512 MB checkpoint's "ckpt · 2026-11-29 ... (latest)", "ckpt-300" of the demo's).
        self.updateGeometry()
        holder = self.parentWidget()
        if holder is not None and holder.layout() is not None:
            holder.layout().activate()

    def offer(self, location: Location) -> None:
        """List ``location``'s checkpoints with none shown: the folder of a path that could
        not be opened while nothing is (a typo: "no such checkpoint; the folder holds
        ckpt-100, ...", and the picker had been empty, review 26 #5). One click opens one."""
        self.set_location(location, location.selected)
        self.blockSignals(True)
        self.setCurrentIndex(-1)
        self.blockSignals(False)
        self.shown_row = -1
        self.setPlaceholderText(CHOOSE)
        self.setToolTip(f"{CHOOSE}\n{_HINT}")
        self.setEnabled(any(ref is not None for ref in self.refs))

    def showPopup(self) -> None:  # noqa: N802 (Qt's name)
        """The list as the folder is now: training may have saved and deleted since."""
        self.about_to_open.emit()
        super().showPopup()

    def show_shown(self) -> None:
        """Back on the checkpoint shown, after the user chose one that could not be opened."""
        if 0 <= self.shown_row < self.count() and self.currentIndex() != self.shown_row:
            self.blockSignals(True)
            self.setCurrentIndex(self.shown_row)
            self.blockSignals(False)
            self.setToolTip(f"{self.currentText()}\n{_HINT}")

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The closed picker's label cut with an ellipsis where it does not fit (its end
        was cut off unmarked: "(not in state file"), the whole text in the tooltip."""
        paint_closed(self)

    def menu_for(self, row: int) -> QMenu:
        """The context menu of one checkpoint of the list."""
        menu = QMenu(self)
        ref = self.refs[row]
        # A mnemonic each, as the menu bar's and the rows' menus have (review 17 nit).
        menu.addAction("&Open", lambda: self._choose(row))
        # The label says the order (review 22 #3: README said the one shown is A; the older is).
        compare = menu.addAction(COMPARE_WITH_THIS, lambda: self.compare_requested.emit(ref))
        compare.setEnabled(row != self.shown_row)
        compare.setToolTip(COMPARE_TIP)
        return menu

    def contextMenuEvent(self, event) -> None:
        """On the closed picker: compare the checkpoint shown with any other."""
        self.closed_menu().exec(event.globalPos())

    def closed_menu(self) -> QMenu:
        """The closed picker's menu: "Compare with", each other checkpoint a command with
        a mnemonic of its own (1-9, then a-z: their names share their first letters)."""
        menu = QMenu(self)
        others = menu.addMenu(COMPARE_WITH)
        others.setToolTipsVisible(True)
        rows = [row for row in range(len(self.refs)) if row != self.shown_row and self.refs[row] is not None]
        for at, row in enumerate(rows):
            text = self.itemText(row).replace("&", "&&")  # an & of a name is no mnemonic
            key = MNEMONICS[at] if at < len(MNEMONICS) else ""
            ref = self.refs[row]
            action = others.addAction(f"&{key}  {text}" if key else text, lambda r=ref: self.compare_requested.emit(r))
            action.setToolTip(COMPARE_TIP)
        others.setEnabled(not others.isEmpty())
        return menu

    def _choose(self, row: int) -> None:
        self.hidePopup()
        self.setCurrentIndex(row)
        self._on_activated(row)

    def _on_activated(self, row: int) -> None:
        self.setToolTip(f"{self.currentText()}\n{_HINT}")
        if 0 <= row < len(self.refs) and self.refs[row] is not None:
            self.ref_selected.emit(self.refs[row])


class _RightClicks(QObject):
    """Turns a right click in the open list into that checkpoint's context menu."""

    def __init__(self, picker: CheckpointPicker) -> None:
        super().__init__(picker)
        self.picker = picker

    def eventFilter(self, watched, event) -> bool:
        kinds = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick)
        if event.type() not in kinds or event.button() != Qt.MouseButton.RightButton:
            return False
        if event.type() == QEvent.Type.MouseButtonPress:
            row = self.picker.view().indexAt(event.position().toPoint()).row()
            if 0 <= row < len(self.picker.refs) and self.picker.refs[row] is not None:
                menu = self.picker.menu_for(row)
                chosen = menu.exec(event.globalPosition().toPoint())
                if chosen is not None:  # an action taken: the list has done its part
                    self.picker.hidePopup()
        return True  # the list never sees a right click (its release would choose the row)


def picker_lines(location: Location, selected: CheckpointRef, gone: bool = False) -> list[tuple[Line, str]]:
    """The picker's lines, each with its checkpoint (None: a heading). Newest first, the
    series of the one shown (its saves' names differ only in numbers) before the folder's
    other series; a folder of several Keras models: the others' files after them. A folder
    of both kinds: its TF checkpoints so, then, under a heading, each Keras file with its
    kind, whichever kind is shown (a Keras file's folder listed its Keras files only)."""
    tensorflow = location.tensorflow or location
    lines = _series_lines(tensorflow, selected if tensorflow is location else tensorflow.latest, selected, gone)
    if not location.keras_files:
        return lines
    lines.append((None, KERAS_HEADING))
    names = max(len(ref.name) for ref in location.keras_files)
    kinds = max(len(kind) for kind in location.keras_kinds)
    sizes = max(len(format_bytes(ref.size_bytes)) for ref in location.keras_files)
    for ref, kind in zip(location.keras_files, location.keras_kinds):
        size = _pad(format_bytes(ref.size_bytes), sizes, right=True)
        text = SEPARATOR.join((_pad(ref.name, names), _pad(kind, kinds), format_time(ref.time), size))
        lines.append((ref, text + ("  (deleted from the folder)" if gone and ref.prefix == selected.prefix else "")))
    return lines


def _series_lines(
    location: Location, mine: CheckpointRef, selected: CheckpointRef, gone: bool
) -> list[tuple[Line, str]]:
    """The lines of ``location``'s checkpoints, ``mine``'s series first (see picker_lines)."""
    series = list(reversed(series_of(location, mine)))
    apart = list(reversed(other_series(location, mine)))
    refs = series + apart + list(location.others)
    widths = column_widths(refs)
    lines = []
    for row, ref in enumerate(refs):
        text = describe_ref(ref, location.latest_mark(ref), location.kind == "keras", widths)
        if ref in location.others:  # the same model's .keras beside its .weights.h5 is not another model
            text += "  (another kind of file)" if another_kind(ref.prefix, mine.prefix) else "  (another model)"
        elif row >= len(series):
            text += "  (another series)"
        if ref.prefix in location.broken:
            text += "  (cannot be read)"
        if gone and ref == selected:
            text += "  (deleted from the folder)"
        lines.append((ref, text))
    return lines


def column_widths(refs: list[CheckpointRef]) -> tuple[int, int, int]:
    """The widest name, step and size of ``refs``, in characters: each line pads its
    own to them, so the list's columns line up ("step 5" was out of line with "step 50")."""
    return (
        max((len(ref.name) for ref in refs), default=0),
        max((len(f"{ref.step:,}") for ref in refs if ref.step is not None), default=0),
        max((len(format_bytes(ref.size_bytes)) for ref in refs), default=0),
    )


def _pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded to ``width`` characters with figure spaces (a digit's width)."""
    fill = FIGURE_SPACE * max(width - len(text), 0)
    return fill + text if right else text + fill


def closed_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """A checkpoint's line as the closed picker shows it in ``width`` px: whole if it
    fits, else without its padding, else cut in the middle (its name and its marks
    at the end, "(incomplete: data missing)", stay)."""
    bare = text.replace(FIGURE_SPACE, "").replace(f"{SEPARATOR}{SEPARATOR}", SEPARATOR)  # a missing step's
    parts = bare.split(SEPARATOR)
    timeless = SEPARATOR.join(parts[:-2] + parts[-1:]) if len(parts) > 2 else bare  # the time goes first
    for shown in (text, bare, timeless):
        if metrics.horizontalAdvance(shown) <= width:
            return shown
    return metrics.elidedText(timeless, Qt.TextElideMode.ElideMiddle, width)


def paint_closed(combo: QComboBox) -> None:
    """Paint a closed box of checkpoint lines (the picker's, the Compare dialog's) with
    its line cut by closed_text to the field's width."""
    painter = QStylePainter(combo)
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    if combo.currentIndex() < 0:  # none chosen: its placeholder, as Qt's own paint shows it
        option.currentText = combo.placeholderText()
        option.palette.setBrush(QPalette.ColorRole.ButtonText, option.palette.placeholderText())
    painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    option.currentText = closed_text(option.currentText, combo.fontMetrics(), field.width())
    painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def describe_ref(
    ref: CheckpointRef, latest: str, keras: bool = False, widths: tuple[int, int, int] | None = None
) -> str:
    """One line per checkpoint; ``latest``: its mark as the folder's latest (Location.latest_mark:
    "latest", "newest on disk" when the state file's latest does not exist, or ""); ``keras``: a
    folder of Keras files (by epoch, no state file); ``widths``: the list's widest name, step and
    size (``column_widths``)."""
    name_width, step_width, size_width = widths or (0, 0, 0)
    parts = [_pad(ref.name, name_width)]
    if ref.step is not None:
        parts.append(f"{'epoch' if keras else 'step'} {_pad(f'{ref.step:,}', step_width, right=True)}")
    elif step_width:
        parts.append(_pad("", len("epoch " if keras else "step ") + step_width))
    parts.append(format_time(ref.time))
    parts.append(_pad(format_bytes(ref.size_bytes), size_width, right=True))
    text = SEPARATOR.join(parts)
    if not ref.complete:
        text += f"  (incomplete: data {ref.data_absent})"  # "missing", or what is there (a FIFO)
    if latest:
        text += f"  ({latest})"
    elif not ref.in_state_file and not keras:
        text += "  (not in state file)"
    return text
