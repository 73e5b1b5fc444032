"""The restore report's panes: a one-line label elided in its middle, the problem
table's elision, and wrapped labels in scrolling panes that end between two lines."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QPainter, QTextDocument
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QSplitter, QStyledItemDelegate, QTreeWidget

from ckpt_gui.app.widgets.distinct_names import DistinctElided, distinct_ends
from ckpt_gui.app.widgets.elided_names import TEXT_MARGINS
from ckpt_gui.app.widgets.focus_ring import FocusRing
from ckpt_gui.app.widgets.layer_names import layer_ends

VARIABLE_COLUMN = 1  # the problem table's variable: cut in its middle
MIDDLE_LEAST_CHARS = 24  # narrower, a path keeps its end whole instead
PANE_SHARE = 0.25  # the detail pane: of the room under the legend, at most, when a report comes
TABLE_ROWS = 6  # rows the problem table keeps (or all, when fewer) before the notes get room


class ElideDelegate(DistinctElided):
    """Sentences lose their end; a path too long for its cell shows the part that tells
    it from the other rows' (``ends``: distinct_ends of the variables): cut at one end,
    "…ns/3/_kernel" and "…ns/6/_kernel" kept half a layer number, "…ing_variance" lost
    the part a moving_mean row differs by. A path with no such form loses its middle,
    or in a narrow column keeps its end ("...4/moving_mean"): its start is the model's
    root, the same in every row. When a path with a layer number does not fit, every
    such path shows its layer form ("…/4/gamma", layer_ends), one depth down the column."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layers: dict[str, str] = {}
        self._widest: tuple[tuple, int] | None = None  # (font, px) of the widest name with a layer form

    def set_names(self, names) -> None:
        """The variables' names: their distinct ends, and their layer forms."""
        names = list(names)
        self.ends = distinct_ends(names)
        self.layers = layer_ends(names)
        self._widest = None

    def layer_form(self, text: str, metrics, room: int) -> str | None:
        """``text``'s layer form when the column cuts any name that has one (so all of
        them read alike, whole names beside cut ones were as ragged) and it fits."""
        form = self.layers.get(text)
        if form is None or metrics.horizontalAdvance(form) > room:
            return None
        # (QFontMetrics does not say its font: the font known by what it measures)
        font = (metrics.height(), metrics.horizontalAdvance("_operations/0123456789 moving_variance"))
        if self._widest is None or self._widest[0] != font:
            self._widest = font, max(metrics.horizontalAdvance(name) for name in self.layers)
        return form if self._widest[1] > room else None

    def initStyleOption(self, option, index) -> None:
        QStyledItemDelegate.initStyleOption(self, option, index)
        if index.column() != VARIABLE_COLUMN:
            option.textElideMode = Qt.TextElideMode.ElideRight
            return
        room = option.rect.width() - TEXT_MARGINS
        layer = self.layer_form(option.text, option.fontMetrics, room) if room > 0 else None
        if layer is not None:
            option.text = layer
        elif room > 0 and option.fontMetrics.horizontalAdvance(option.text) > room:
            option.text = self.cut(option.text, option.fontMetrics, room) or option.text
        if option.rect.width() < MIDDLE_LEAST_CHARS * option.fontMetrics.averageCharWidth():
            option.textElideMode = Qt.TextElideMode.ElideLeft
        else:
            option.textElideMode = Qt.TextElideMode.ElideMiddle


class OneLine(QLabel):
    """A label on one line, its middle elided when narrow, or only the path in it
    (``set_path_line``: the provenance's interpreter): ``text()`` keeps it whole, the
    tooltip shows it whole."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._parts: tuple[str, str, tuple[str, ...]] | None = None

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's API
        self._parts = None
        super().setText(text)

    def set_path_line(self, text: str, parts: tuple[str, str, tuple[str, ...]]) -> None:
        """``text`` whole, shown as ``parts`` (before, path, the forms of what follows,
        longest first: path_line) when narrow."""
        self.setText(text)
        self._parts = parts

    def shown(self) -> str:
        """The text as painted at the label's width."""
        rect = self.contentsRect()
        if self._parts is not None:
            return path_line(self.fontMetrics(), rect.width(), *self._parts)
        whole = self.text().replace("\u200b", "")  # the break hints a wrapped label needed
        return self.fontMetrics().elidedText(whole, Qt.TextElideMode.ElideMiddle, rect.width())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's API
        rect = self.contentsRect()
        text = self.shown()
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), text,
                                  self.foregroundRole())  # fmt: skip


PATH_LEAST_CHARS = 8  # a path cut to fewer (in average characters) leaves its next form to what follows


def path_line(metrics, width: int, before: str, path: str, afters: tuple[str, ...]) -> str:
    """``before`` + ``path`` + ``afters[0]`` in ``width`` px: the path cut at its start
    (the words around it whole), its end kept: an interpreter's ``.../.venv/bin/python``
    says which one it is, where its middle cut left "/t...on" (review 26 #15); where the
    path would keep fewer than PATH_LEAST_CHARS, the next (shorter) form of what follows;
    the last form's line cut at its end only when nothing else fits."""
    for after in afters:
        room = width - metrics.horizontalAdvance(before + after)
        if metrics.horizontalAdvance(path) <= room:
            return before + path + after
        if room >= PATH_LEAST_CHARS * metrics.averageCharWidth() or after == afters[-1]:
            cut = metrics.elidedText(path, Qt.TextElideMode.ElideLeft, max(room, 0))
            if cut:
                return before + cut + after
    return metrics.elidedText(before + "\u2026" + afters[-1], Qt.TextElideMode.ElideRight, width)


def text_height(area: QScrollArea) -> int:
    """The height ``area`` needs to show its label whole at its present width."""
    label = area.widget()
    margins = area.viewportMargins()  # the focus ring's room (focus_ring.FocusRing)
    frame = 2 * area.frameWidth() + margins.top() + margins.bottom()
    return label.heightForWidth(area.viewport().width()) + frame + 2


def line_bottoms(area: QScrollArea, width: int | None = None) -> list[float]:
    """Where each line of ``area``'s (rich text, wrapped) label ends, from the label's
    top, at ``width`` (the view's present width): laid out as QLabel lays it out (in
    its contents margins, no document margin)."""
    label = area.widget()
    margins = label.contentsMargins()
    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setDocumentMargin(0)
    document.setHtml(label.text())
    document.setTextWidth((area.viewport().width() if width is None else width) - margins.left() - margins.right())
    document.size()  # lays it out: the blocks have no lines before
    bottoms = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        top = margins.top() + layout.position().y()
        bottoms += [top + layout.lineAt(i).y() + layout.lineAt(i).height() for i in range(layout.lineCount())]
        block = block.next()
    return bottoms


def whole_lines(area: QScrollArea, height: int) -> int:
    """``height`` for ``area``, or the nearest height that ends its view between two
    lines when its text does not fit (below, unless that is under its least height)."""
    bar = area.verticalScrollBar()
    frame = area.height() - area.viewport().height()
    full_width = area.viewport().width() + (bar.width() if bar.isVisible() else 0)
    bottoms = line_bottoms(area, full_width)
    if not bottoms or bottoms[-1] <= height - frame:
        return height  # everything shows, without a scroll bar
    bottoms = line_bottoms(area, full_width - bar.sizeHint().width())  # it scrolls: beside its bar
    fitting = [b for b in bottoms if frame + b <= height]
    if fitting and frame + fitting[-1] >= area.minimumHeight():
        return frame + math.ceil(fitting[-1])
    return frame + math.ceil(next((b for b in bottoms if frame + b >= area.minimumHeight()), bottoms[-1]))


def scrolling(label: QLabel, least_height: int) -> QScrollArea:
    """``label`` in a framed pane that scrolls what does not fit: a Tab stop (the keys
    scroll it), framed while it has the keyboard, as the trees are (review 19, F13:
    nothing on screen changed when Tab reached the notes)."""
    area = QScrollArea()
    area.setWidget(label)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.StyledPanel)
    FocusRing(area)  # after the frame is set: the page is set in by what the ring is wider
    area.setMinimumHeight(least_height)
    return area


def share_room(split: QSplitter, notes_area: QScrollArea, table: QTreeWidget, detail_area: QScrollArea) -> None:
    """The table gets TABLE_ROWS rows (all, when fewer) and the detail what its text
    needs, up to PANE_SHARE, first; the notes what their text needs of the rest, down to
    their least height (they scroll, the causes first); the table what is left. The
    notes given their room first had left the table three rows and the selected problem
    two lines at 1024x640 (review 6); a 3-line notes box had hidden the cause of a
    12-line report (review finding 27): they keep their least height, and scroll."""
    total = sum(split.sizes())
    if not total:
        return  # not laid out yet
    rows = min(TABLE_ROWS, max(table.topLevelItemCount(), 1)) * max(table.sizeHintForRow(0), 0)
    chrome = max(table.height() - table.viewport().height(), table.header().sizeHint().height())  # header, frame
    table_least = max(table.minimumHeight(), chrome + rows)
    notes_least = notes_area.minimumHeight()
    detail = min(text_height(detail_area), int(total * PANE_SHARE), total - table_least - notes_least)
    # A pane that scrolls ends between two lines: its last line whole, not its top half
    # (review: the notes' last bullet cut at 1440x900); the detail first, then the
    # notes in what it leaves, rounded down, so that the table keeps its rows.
    detail = whole_lines(detail_area, max(detail_area.minimumHeight(), detail))
    notes = min(text_height(notes_area), total - table_least - detail)
    notes = whole_lines(notes_area, max(notes_least, notes))
    split.setSizes([notes, max(total - notes - detail, 0), detail])
    notes_area.verticalScrollBar().setValue(0)


class Reshare(QObject):
    """Calls ``share`` (share_room) again once ``split`` changes height, until the user
    moves a line between its panes (``moved``; a new report resets it). The report given
    the plots' place after it came, the split had grown by its stretch factors: at
    1024x640 four problem rows had an empty table half the pane tall beside scrolling notes."""

    def __init__(self, split: QSplitter, share) -> None:
        super().__init__(split)
        self.share, self.moved = share, False
        self.timer = QTimer(self, singleShot=True, interval=0)
        self.timer.timeout.connect(lambda: self.moved or self.share())
        split.splitterMoved.connect(self._user_moved)
        split.installEventFilter(self)

    def _user_moved(self, _position: int, _index: int) -> None:
        self.moved = True

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Resize and event.oldSize().height() != event.size().height() and not self.moved:
            self.timer.start()
        return False
