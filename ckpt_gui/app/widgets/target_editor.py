"""The repair dialog's target editor: the model's variables to pick from, not a bare line
edit (review 12 #2: a user retargeting a dropped value had to know and type
``model/out/_kernel`` by heart). An editable list of the variables no other line
writes yet, with a completer that matches any part of a name (typing "out" offers
``model/out/_kernel``); what the user types is checked by the dialog on commit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter

from ckpt_gui.app.widgets.distinct_names import DistinctElided

TIP = "The model's variables no other line writes yet: pick one, or type part of a name"


class TargetEditor(DistinctElided):
    """The Target column: drawn cut to what tells rows apart (DistinctElided), edited by
    picking a model variable. ``choices(row)``: the names offered for that row, each with
    its tooltip (its shape and dtype)."""

    def __init__(self, choices: Callable[[int], list[tuple[str, str]]], parent=None) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt's name
        box = QComboBox(parent)
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # a typed name is the dialog's to check, not a new item
        for name, tip in self.choices(index.row()):
            box.addItem(name)
            box.setItemData(box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        box.setToolTip(TIP)
        box.lineEdit().setPlaceholderText("no target: the value is left out")
        completer = QCompleter(box.model(), box)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        box.setCompleter(completer)
        return box

    def setEditorData(self, editor, index) -> None:  # noqa: N802 - Qt's name
        editor.setEditText(index.data() or "")
        editor.lineEdit().selectAll()

    def setModelData(self, editor, model, index) -> None:  # noqa: N802 - Qt's name
        model.setData(index, editor.currentText().strip())

    def updateEditorGeometry(self, editor, option, index) -> None:  # noqa: N802 - Qt's name
        # The cell's width, but room for the list's longest name when it opens.
        editor.setGeometry(option.rect)
        editor.view().setMinimumWidth(editor.view().sizeHintForColumn(0) + 24)
