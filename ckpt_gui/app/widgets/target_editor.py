"""The repair dialog's target editor: the model's variables to pick from, not a bare line
edit (review 12 #2: a user retargeting a dropped value had to know and type
``model/out/_kernel`` by heart). An editable list of the variables no other line
writes yet, with a completer that matches any part of a name (typing "out" offers
``model/out/_kernel``); what the user types is checked by the dialog on commit. Both
lists show each variable's shape and dtype beside its name, so the one the value fits
is picked without hovering (review 13 #2b: the shapes were in tooltips only).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.distinct_names import DistinctElided

TIP = "The model's variables no other line writes yet: pick one, or type part of a name"
SHAPE_ROLE = Qt.ItemDataRole.UserRole + 1  # an item's "[32, 10] float32", drawn beside its name
GAP = 16  # px between the longest name and the shapes' column
ROOM = 24  # px a list is given beyond its widest line (its frame and scroll bar)


class TargetEditor(DistinctElided):
    """The Target column: drawn cut to what tells rows apart (DistinctElided), edited by
    picking a model variable. ``choices(row)``: the names offered for that row, each with
    its shape and dtype (shown beside it in the lists, and as its tooltip)."""

    def __init__(self, choices: Callable[[int], list[tuple[str, str]]], parent=None) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt's name
        box = QComboBox(parent)
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # a typed name is the dialog's to check, not a new item
        choices = self.choices(index.row())
        for name, shape in choices:
            box.addItem(name)
            box.setItemData(box.count() - 1, shape, Qt.ItemDataRole.ToolTipRole)
            box.setItemData(box.count() - 1, shape, SHAPE_ROLE)
        box.setToolTip(TIP)
        box.lineEdit().setPlaceholderText("no target: the value is left out")
        names = [name for name, _shape in choices]
        box.setItemDelegate(ShapedNames(box.view(), names))
        completer = QCompleter(box.model(), box)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        box.setCompleter(completer)
        popup = completer.popup()  # made now, with QCompleter's own delegate: ours replaces it
        popup.setItemDelegate(ShapedNames(popup, names))
        return box

    def setEditorData(self, editor, index) -> None:  # noqa: N802 - Qt's name
        editor.setEditText(index.data() or "")
        editor.lineEdit().selectAll()

    def setModelData(self, editor, model, index) -> None:  # noqa: N802 - Qt's name
        model.setData(index, editor.currentText().strip())

    def updateEditorGeometry(self, editor, option, index) -> None:  # noqa: N802 - Qt's name
        # The cell's width, but room for the lists' longest name and its shape when they open
        # (the completer's list is as wide as the cell unless told otherwise).
        editor.setGeometry(option.rect)
        for view in (editor.view(), editor.completer().popup()):
            view.setMinimumWidth(view.sizeHintForColumn(0) + ROOM)


class ShapedNames(QStyledItemDelegate):
    """A list's model variables: each name, then its shape and dtype muted in a column of
    their own after the longest name; a name cut in the middle when the list is narrower."""

    def __init__(self, view, names: list[str]) -> None:
        super().__init__(view)
        self.view = view
        self.names = names
        self._rooms: dict[str, int] = {}  # the longest name's width, by font (a list's font is set when it opens)

    def name_room(self, option) -> int:
        key = option.font.key()
        if key not in self._rooms:
            metrics = option.fontMetrics
            self._rooms[key] = max((metrics.horizontalAdvance(name) for name in self.names), default=0) + 1
        return self._rooms[key]

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        if index == self.view.currentIndex():  # as QCompleter's own delegate: the list's current line is lit
            option.state |= QStyle.StateFlag.State_Selected

    def sizeHint(self, option, index):  # noqa: N802 - Qt's name
        size = super().sizeHint(option, index)
        shape = index.data(SHAPE_ROLE)
        if shape:
            metrics = option.fontMetrics
            name = metrics.horizontalAdvance(str(index.data() or ""))
            size.setWidth(size.width() - name + self.name_room(option) + GAP + metrics.horizontalAdvance(shape))
        return size

    def paint(self, painter, option, index) -> None:
        shape = index.data(SHAPE_ROLE)
        if not shape:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        name, item.text = item.text, ""
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)  # background, lit or not
        item.text = name
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, item, widget).adjusted(margin, 0, -margin, 0)
        metrics = item.fontMetrics
        at = max(min(self.name_room(item) + GAP, text.width() - metrics.horizontalAdvance(shape)), 0)
        lit = bool(item.state & QStyle.StateFlag.State_Selected)
        enabled = bool(item.state & QStyle.StateFlag.State_Enabled)
        group = QPalette.ColorGroup.Normal if enabled else QPalette.ColorGroup.Disabled
        painter.save()
        painter.setFont(item.font)
        role = QPalette.ColorRole.HighlightedText if lit else QPalette.ColorRole.Text
        painter.setPen(item.palette.color(group, role))
        room = max(at - GAP, 0)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(text.left(), text.top(), room, text.height()), align,
                         metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, room))  # fmt: skip
        if not lit:
            painter.setPen(theme.muted(item.palette))
        painter.drawText(QRect(text.left() + at, text.top(), text.width() - at, text.height()), align, shape)
        painter.restore()
