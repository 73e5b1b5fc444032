"""What the graph file beside the checkpoint says (a SavedModel's ``saved_model.pb``,
a TF1 ``.meta``): who wrote it, the signatures as ``saved_model_cli show --all`` prints
them, the graph's variable names next to the checkpoint keys, the collections. For a
Keras file: its model, the layers in order and the Keras version that wrote it."""

from __future__ import annotations

import os
import textwrap

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.column_widths import FIT_ROWS, refit_on_resize, share_widths
from ckpt_gui.app.widgets.distinct_names import DistinctElided, distinct_ends
from ckpt_gui.app.widgets.focus_ring import TabFocusFrame
from ckpt_gui.core.formatting import counted
from ckpt_gui.core.views.graph_view import (
    GraphView,
    collection_rows,
    no_signatures_note,
    saved_model_cli_text,
    variable_rows,
    written_by_text,
)

NO_GRAPH = "No graph file: the checkpoint has no .meta beside it and is no SavedModel."
NOTE_WIDTH = 60  # characters a line of the Signatures pane's own notes (saved_model_cli's lines are kept)
VARIABLE_COLUMNS = ("Graph name", "dtype", "shape", "Checkpoint key", "Declared as")
NAME, KEY = 0, 3  # the long columns: cut in the middle, sharing what the short ones leave
DECLARED_SHARE = 0.25  # "Declared as" (an op and node, an object path) takes at most this of the width


class GraphPanel(QWidget):
    key_activated = Signal(str)  # a variable row clicked (or Enter): its checkpoint key

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setStyleSheet("font-weight: bold;")
        self.written_by = theme.mute(QLabel())
        self.written_by.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signatures = QPlainTextEdit()
        self.signatures.setReadOnly(True)
        self.signatures.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.signatures.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.variables = _tree(VARIABLE_COLUMNS)
        # A long name shows the end that tells it from the others ("…/hiddenlayer_1/kernel/part_0":
        # cut in the middle every row read "dnn/hid…/part_0"), in full in its tooltip.
        self.cut_names = {column: DistinctElided(self.variables) for column in (NAME, KEY)}
        for column, delegate in self.cut_names.items():
            self.variables.setItemDelegateForColumn(column, delegate)
        self.variables.header().setStretchLastSection(False)
        refit_on_resize(self.variables, self._fit_variables)
        self.variables.setToolTip("Click a variable with a checkpoint key to select it in the tree")
        self.variables.itemActivated.connect(self._on_variable_activated)
        self.variables.itemClicked.connect(self._on_variable_activated)  # one click selects it in the tree too
        self.collections = _tree(("Collection", "Values"), nested=True)
        self.sections = QTabWidget()
        self.sections.setDocumentMode(True)
        self.sections.addTab(self.signatures, "Signatures")
        self.sections.addTab(self.variables, "Variables")
        self.sections.addTab(self.collections, "Collections")
        TabFocusFrame(self.sections.tabBar())  # as the window's tab bars (review 19, F7)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.written_by)
        layout.addWidget(self.sections, 1)
        # A Keras file's model: its layers in order (config.json) and the Keras that wrote it.
        self.architecture = QPlainTextEdit()
        self.architecture.setReadOnly(True)
        # Wrapped: the optimizer's placement is a sentence, cut at 1024 px when it was not (review).
        self.architecture.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.architecture.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.architecture, 1)
        self.show_none()
        theme.follow(self)

    def _on_variable_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        key = item.text(3)
        if key:
            self.key_activated.emit(key)

    def show_none(self, text: str = NO_GRAPH) -> None:
        self.title.setText(text)
        self.written_by.hide()
        self.sections.hide()
        self.architecture.hide()

    def show_model(self, title: str, facts: list[tuple[str, str]]) -> None:
        """A Keras file's model (``describe_keras``'s rows): format, writer, layers in order."""
        self.show_none(title)
        rows = dict(facts)
        self.written_by.setText(f"Written by {rows['Written by']}" if "Written by" in rows else "Writer not recorded")
        self.written_by.show()
        lines = [f"{label}: {text}" for label, text in facts if label not in ("Written by", "Architecture")]
        layers = rows.get("Architecture", "(no architecture stored: a weights file alone)")
        self.architecture.setPlainText("\n".join(lines + ["", "Layers, in order:", layers]))
        self.architecture.show()

    def show_error(self, message: str) -> None:
        self.show_none(f"The graph file could not be read: {message}")

    def show_view(self, view: GraphView) -> None:
        graph = view.graph
        self.architecture.hide()
        self.title.setText(os.path.basename(graph.path) + f"  ({graph.path})")
        self.written_by.setText(f"Written by {written_by_text(graph)}")
        self.written_by.show()
        text = saved_model_cli_text(graph, users_first=True).strip("\n")  # not __saved_model_init_op first
        has_signatures = any(g.signatures for g in graph.meta_graphs)
        if not has_signatures:
            text += "\n\n" + textwrap.fill(no_signatures_note(graph), NOTE_WIDTH)  # the pane does not wrap
        self.signatures.setPlainText(text)
        self.variables.clear()
        rows = variable_rows(view)
        for column, delegate in self.cut_names.items():
            delegate.ends = distinct_ends(row[column] for row in rows)
        self.variables.addTopLevelItems([_with_tooltips(row) for row in rows])
        self.collections.clear()
        for name, values in collection_rows(graph):
            item = QTreeWidgetItem([name, counted(len(values), "value")])
            item.addChildren([QTreeWidgetItem(["", value]) for value in values])
            self.collections.addTopLevelItem(item)
            # Names (variables, ops) open; serialized protos ("<326 bytes>") stay closed.
            item.setExpanded(not any(value.startswith("<") for value in values))
        self.collections.header().resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        self._fit_variables()
        self.sections.setTabText(1, f"Variables ({len(view.variables):,})")
        self.sections.setTabText(2, f"Collections ({self.collections.topLevelItemCount():,})")
        self.sections.setCurrentWidget(self.signatures if has_signatures else self.variables)
        self.sections.show()

    def _fit_variables(self) -> None:
        """dtype and shape whole; "Declared as" up to DECLARED_SHARE; the graph name and the
        checkpoint key share the rest (share_widths: neither squeezed for the other, the
        key never pushed out of view, as the name taking every pixel did at 1024 px)."""
        view = self.variables
        room = view.viewport().width()
        if view.topLevelItemCount() == 0 or room <= 0:
            return
        view.header().setResizeContentsPrecision(FIT_ROWS)
        wanted = {}
        for column in range(len(VARIABLE_COLUMNS)):
            view.resizeColumnToContents(column)
            wanted[column] = view.columnWidth(column)
        # No column narrower than its header ("Name in the grap" had been cut).
        header = {column: view.header().sectionSizeHint(column) for column in range(len(VARIABLE_COLUMNS))}
        declared = max(min(wanted[4], int(room * DECLARED_SHARE)), header[4])
        left = room - wanted[1] - wanted[2] - declared
        least = max(header[NAME], header[KEY], view.header().minimumSectionSize())
        name, key = share_widths([wanted[NAME], wanted[KEY]], left, least)
        if name + key < left:  # room to spare: "Declared as" takes it
            declared = min(wanted[4], room - wanted[1] - wanted[2] - name - key)
        for column, width in ((NAME, name), (KEY, key), (4, max(declared, header[4]))):
            view.setColumnWidth(column, width)


def _with_tooltips(row: tuple[str, ...]) -> QTreeWidgetItem:
    item = QTreeWidgetItem(list(row))
    for column in (NAME, KEY, 4):  # the whole text of what may be cut
        if row[column]:
            item.setToolTip(column, row[column])
    return item


def _tree(columns: tuple[str, ...], nested: bool = False) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(list(columns))
    tree.setRootIsDecorated(nested)
    tree.setUniformRowHeights(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    tree.setSortingEnabled(False)
    return tree
