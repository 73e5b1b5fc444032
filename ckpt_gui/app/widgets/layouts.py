"""Layouts and small widgets that give way in a narrow panel: a row of controls that
wraps (FlowLayout, a label kept with its control, the panel's least height following
its wrapped rows), a label that elides, a layout emptied at once, a plot's readout
blanked when the mouse leaves."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QSizePolicy, QWidget


def not_a_tab_stop(plot: QWidget) -> QWidget:
    """A plot Tab passes by: it has nothing to do with keys and draws no focus, so a Tab
    stop on it changed nothing on screen (review 10: between the heatmap's Columns and
    the banner's close button). The mouse still pans and zooms it."""
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return plot


def clear_layout(layout: QLayout) -> None:
    """Remove every widget from ``layout`` now: hidden and detached at once (a widget
    only scheduled for deletion would still be drawn where it was)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


class FlowLayout(QLayout):
    """Widgets in a row that wraps onto more rows when the width is short: no control
    is cut, whatever width the splitters leave its panel. Its least width is its
    widest widget's; keep a label and its control together in one (``labelled``)."""

    def __init__(self, parent=None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items = []
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    def addItem(self, item) -> None:  # noqa: N802 - Qt's API
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802 - Qt's API
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802 - Qt's API
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):  # noqa: N802 - Qt's API
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's API
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's API
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def _shown(self) -> list:
        """The items that take room: not hidden, and still there. An item whose C++ side
        Qt has deleted behind this list (a QLayoutItem is no QObject: nothing tells the
        list) made a call raise inside Qt's layout of a splitter, and PySide 6.11
        crashed while storing that error (a segmentation fault in a test run's teardown,
        after about 125 windows; gone with this check)."""
        return [item for item in self._items if shiboken6.isValid(item) and not item.isEmpty()]

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        """One row of everything (what it takes when there is room)."""
        shown = [item.sizeHint() for item in self._shown()]
        width = sum(size.width() for size in shown) + self.spacing() * max(len(shown) - 1, 0)
        return QSize(width, max((size.height() for size in shown), default=0))

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's API
        """The widest widget, at the height one row takes (more rows ask through
        heightForWidth)."""
        shown = [item.sizeHint() for item in self._shown()]
        return QSize(max((s.width() for s in shown), default=0), max((s.height() for s in shown), default=0))

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Lay the items out row by row in ``rect`` (only measure unless ``move``);
        returns the height used."""
        x, y, row_height = rect.x(), rect.y(), 0
        for item in self._shown():  # hidden widgets take no room
            size = item.sizeHint()
            # Never wider than the row (a long combo box shrinks rather than runs off).
            size.setWidth(max(min(size.width(), rect.width()), item.minimumSize().width()))
            if x > rect.x() and x + size.width() > rect.right() + 1:
                x, y, row_height = rect.x(), y + row_height + self.spacing(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), size))
            x += size.width() + self.spacing()
            row_height = max(row_height, size.height())
        return y + row_height - rect.y()


ELIDED_LEAST = 40  # px: an ElidedLabel's own wish; it gets what its neighbours leave


class ElidedLabel(QLabel):
    """A one-line label that gives way: it takes the room left beside its neighbours
    and cuts its text in the middle to fit, the whole text in its tooltip (the
    checkpoint's path beside the picker, which had cut the picker's entry at 1024 px)."""

    def __init__(self, text: str = "", parent=None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self._full = ""
        self._tail = ""  # kept whole after the part cut (a path's "(TF2 object-based)")
        self._keep = ""  # the end of the text to keep whole, rather than the tail
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str, tail: str = "", keep: str = "") -> None:  # noqa: N802 (Qt's name)
        """``text`` cut as the label's mode says, then ``tail`` whole. ``keep``: the end
        of ``text`` (a folder's name and a checkpoint's, ``folder/name``) kept whole while
        the text before it is cut in its middle; then the folder's name gives way to the
        tail; the tail gives way (in the tooltip only) when with it the last part of
        ``keep`` (the checkpoint's name) would be cut."""
        self._full, self._tail, self._keep = text + tail, tail, keep
        self.setToolTip(self._full.strip())
        self._elide()

    def text(self) -> str:  # the whole text (what is painted may be cut; Qt paints its own copy)
        return self._full

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name): any width will do, it takes what is left
        return QSize(ELIDED_LEAST, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.sizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics, head, tail = self.fontMetrics(), self._full[: len(self._full) - len(self._tail)], self._tail
        room = max(self.width() - metrics.horizontalAdvance(tail), 0)
        keep = self._keep if self._keep and head.endswith(self._keep) and head != self._keep else ""
        if not keep or metrics.horizontalAdvance(head) <= room:
            super().setText(metrics.elidedText(head, self._mode, room) + tail)
            return
        # The format stays (at 1024 px "(TF2 object-based)" had given way to a whole path,
        # review 22, #25): the path gives way, cut in its middle, the folder's and the
        # checkpoint's names whole; then the folder's name, cut from its start.
        name = keep.rsplit("/", 1)[-1]
        if metrics.horizontalAdvance("\u2026" + keep) <= room:
            start = metrics.elidedText(head[: len(head) - len(keep)], Qt.TextElideMode.ElideMiddle,
                                       room - metrics.horizontalAdvance(keep))  # fmt: skip
            super().setText((start or "\u2026") + keep + tail)
        elif metrics.horizontalAdvance("\u2026" + name) <= room:
            super().setText(metrics.elidedText(head, Qt.TextElideMode.ElideLeft, room) + tail)
        else:  # the folder's and checkpoint's names before the format
            super().setText(metrics.elidedText(head, self._mode, self.width()))


class _KeepFlowHeight(QObject):
    """Keeps a widget's least height at what its layout needs with ``flow`` wrapped to
    the widget's width: a splitter reads least heights, not heightForWidth, and had
    squeezed a panel whose controls wrapped onto more rows, its plot cut to 70 px."""

    def __init__(self, widget: QWidget, flow: FlowLayout) -> None:
        super().__init__(widget)
        self.widget, self.flow = widget, flow
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Resize and event.oldSize().width() != event.size().width():
            self.fit(event.size().width())
        elif event.type() == QEvent.Type.LayoutRequest:  # controls added or taken (a slice box per axis)
            self.fit(watched.width())
        return False

    def fit(self, width: int) -> None:
        layout = self.widget.layout()
        margins = layout.contentsMargins()
        rows = self.flow.heightForWidth(max(width - margins.left() - margins.right(), 1))
        least = layout.minimumSize().height() - self.flow.minimumSize().height() + rows
        if least != self.widget.minimumHeight():
            self.widget.setMinimumHeight(least)


class _ClearOnLeave(QObject):
    """Blanks a plot's readout when the mouse leaves the plot (it had stayed, naming a
    bin or a cell the mouse no longer points at)."""

    def __init__(self, plot: QWidget, readout: QLabel) -> None:
        super().__init__(plot)
        self.readout = readout
        plot.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Leave:
            self.readout.setText(" ")  # a space: the line keeps its height
        return False


def clear_on_leave(plot: QWidget, readout: QLabel) -> None:
    """``readout`` blanked when the mouse leaves ``plot``."""
    _ClearOnLeave(plot, readout)


def keep_flow_height(widget: QWidget, flow: FlowLayout) -> None:
    """``widget`` (whose layout holds ``flow``) asks for the height of its wrapped rows."""
    _KeepFlowHeight(widget, flow)


def labelled(text: str, control: QWidget, tooltip: str = "") -> QWidget:
    """``text`` and its ``control`` as one widget: a flow never puts them on two rows."""
    unit = QWidget()
    row = QHBoxLayout(unit)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    label = QLabel(text)
    label.setBuddy(control)
    row.addWidget(label)
    row.addWidget(control)
    if tooltip:
        unit.setToolTip(tooltip)
    return unit
