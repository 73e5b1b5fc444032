"""Two checkpoints side by side: one comparison tree shown as two aligned trees, a
summary bar that filters, and the selected pair's histograms and heatmaps."""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app.widgets import status_style
from ckpt_gui.app.widgets.heatmap import NonFinite, index_axes, overlay_item, place
from ckpt_gui.app.widgets.layouts import clear_layout, fit_columns, refit_on_expand
from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.formatting import format_number, format_shape
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.pair_tree import PairNode, PairTree, pair_filter
from ckpt_gui.core.views.pair_view import PairView
from ckpt_gui.core.views.planes import color_limits

STYLES = status_style.DIFF_STYLES
COLUMNS = ("Name", "Shape", "DType", "Status", "Name", "Shape", "DType", "Rel. L2", "Max |B-A|", "Cosine")
NAME_A, SHAPE_A, DTYPE_A, STATUS, NAME_B, SHAPE_B, DTYPE_B, REL, MAX_ABS, COSINE = range(10)
# Each side shows few columns, so names stay readable; dtypes and the other numbers
# are in the tooltips and the details.
A_COLUMNS = (NAME_A, SHAPE_A, STATUS)
B_COLUMNS = (NAME_B, SHAPE_B, REL)
# Beside the names, columns take what their contents need up to these widths (a
# group's status, "6 changed, 2 only in A", was cut at a fixed 92 px); the rest is
# in the tooltips.
A_LIMITS = {SHAPE_A: 120, STATUS: 150}
B_LIMITS = {SHAPE_B: 120, REL: 100}
COLOUR_A, COLOUR_B = (0, 114, 178), (230, 159, 0)
_ROOT = QModelIndex()


def status_label(status: str | None) -> str:
    return status_style.label(status, STYLES)


class CompareModel(QAbstractItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tree: PairTree | None = None

    def set_tree(self, tree: PairTree | None) -> None:
        self.beginResetModel()
        self.tree = tree
        self.endResetModel()

    def refilter(self, accept, flat: bool) -> int:
        if self.tree is None:
            return 0
        self.beginResetModel()
        count = self.tree.apply_filter(accept, flat)
        self.endResetModel()
        return count

    def refresh(self) -> None:
        """Values arrived for some pairs (compared in the background): repaint."""
        if self.tree is not None and self.tree.root.shown:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.tree.root.shown) - 1, len(COLUMNS) - 1))

    def node(self, index: QModelIndex) -> PairNode | None:
        if not index.isValid():
            return self.tree.root if self.tree is not None else None
        return index.internalPointer()

    def index_of(self, node: PairNode, column: int = 0) -> QModelIndex:
        return self.createIndex(node.row, column, node)

    def index(self, row: int, column: int, parent: QModelIndex = _ROOT) -> QModelIndex:
        owner = self.node(parent)
        if owner is None or not (0 <= row < len(owner.shown)) or not (0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column, owner.shown[row])

    def parent(self, index: QModelIndex = _ROOT):  # type: ignore[override]
        if not index.isValid() or self.tree is None:
            return QModelIndex()
        owner = self.tree.parent_of(index.internalPointer())
        if owner is None or owner.parent is None:
            return QModelIndex()
        return self.createIndex(owner.row, 0, owner)

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        owner = self.node(parent)
        return len(owner.shown) if owner is not None else 0

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: PairNode = index.internalPointer()
        column = index.column()
        pair = node.pair
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(node, column, self.tree.flat if self.tree else False)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS and pair is not None:
            return QBrush(QColor(STYLES[pair.status][2]))
        if role == Qt.ItemDataRole.BackgroundRole and pair is not None and pair.status not in ("same", None):
            colour = QColor(STYLES[pair.status][2])
            colour.setAlpha(28)
            return QBrush(colour)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (REL, MAX_ABS, COSINE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and pair is None:  # a group: what changed below, in full
            return f"{node.path}\n{_text(node, STATUS, False)}"
        if role == Qt.ItemDataRole.ToolTipRole and pair is not None:
            a, b = pair.a, pair.b
            lines = [pair.key, f"in B: {pair.key_b}" if pair.key_b else ""]
            lines.append(f"A: {format_shape(a.shape)} {a.dtype.name}" if a else "A: -")
            lines.append(f"B: {format_shape(b.shape)} {b.dtype.name}" if b else "B: -")
            return "\n".join(filter(None, lines))
        return None


def _text(node: PairNode, column: int, flat: bool) -> str:
    pair = node.pair
    if pair is None:  # a group: its name on each side it exists, and what changed below
        name = f"{node.name}  \u00b7  {node.hint}" if node.hint else node.name
        if column == NAME_A:
            return name if node.has_side("a") else ""
        if column == NAME_B:
            return name if node.has_side("b") else ""
        if column == STATUS:
            counts = node.statuses()
            return ", ".join(f"{n} {STYLES[s][1]}" for s, n in counts.most_common() if s != "same") or "all same"
        return ""
    a, b, values = pair.a, pair.b, pair.values
    name = node.tree_path if flat else node.name
    if column == NAME_A:
        return name if a is not None else ""
    if column == NAME_B:
        return name if b is not None else ""
    if column == SHAPE_A:
        return format_shape(a.shape) if a is not None else ""
    if column == SHAPE_B:
        return format_shape(b.shape) if b is not None else ""
    if column == DTYPE_A:
        return a.dtype.name if a is not None else ""
    if column == DTYPE_B:
        return b.dtype.name if b is not None else ""
    if column == STATUS:
        return status_label(pair.status)
    if values is None:
        return ""
    if column == REL:
        return format_number(values.rel_l2)
    if column == MAX_ABS:
        return format_number(values.max_abs_diff)
    if column == COSINE:
        return format_number(values.cosine)
    return ""


class CompareTrees(QWidget):
    """The summary bar, a filter, and the two synchronised trees."""

    pair_selected = Signal(object)  # Pair or None

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = CompareModel(self)
        self._remembered: Pair | None = None  # the pair last selected, kept across filters
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.search = QLineEdit(placeholderText="Filter pairs")
        self.search.setClearButtonEnabled(True)
        self.by_change = QCheckBox("Flat list, largest change first")
        self.summary_row = QHBoxLayout()
        self.summary: dict[str, QToolButton] = {}
        for status in DiffStatus:
            button = QToolButton()
            button.setCheckable(True)
            button.setToolTip("Show only these pairs (click again for all)")
            button.setStyleSheet(f"QToolButton {{ color: {STYLES[status][2]}; }}")
            button.toggled.connect(lambda _on: self.apply_filter())
            self.summary[status] = button
            self.summary_row.addWidget(button)
        self.summary_row.addStretch(1)
        self.view_a = self._make_view(A_COLUMNS, NAME_A)
        self.view_b = self._make_view(B_COLUMNS, NAME_B)
        self.view_b.setSelectionModel(self.view_a.selectionModel())
        self._link(self.view_a, self.view_b)
        self._link(self.view_b, self.view_a)
        trees = QSplitter(Qt.Orientation.Horizontal)
        for label, view in (("A", self.view_a), ("B", self.view_b)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            heading = QLabel(label)
            heading.setObjectName(f"side-{label}")
            box_layout.addWidget(heading)
            box_layout.addWidget(view)
            trees.addWidget(box)
        self.heading_a = trees.widget(0).findChild(QLabel, "side-A")
        self.heading_b = trees.widget(1).findChild(QLabel, "side-B")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.by_change)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(self.summary_row)
        layout.addLayout(filters)
        layout.addWidget(trees, 1)
        self.search.textChanged.connect(lambda _t: self.apply_filter())
        self.by_change.toggled.connect(lambda _on: self.apply_filter())
        self.view_a.selectionModel().currentChanged.connect(self._on_current)
        refit_on_expand(self.view_a, self.fit_columns)

    def _make_view(self, columns: tuple[int, ...], tree_column: int) -> QTreeView:
        view = QTreeView()
        view.setModel(self.model)
        view.setUniformRowHeights(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAllColumnsShowFocus(True)
        view.setTreePosition(tree_column)
        for column in range(len(COLUMNS)):
            view.setColumnHidden(column, column not in columns)
        header = view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(tree_column, QHeaderView.ResizeMode.Stretch)
        return view

    def _link(self, source: QTreeView, target: QTreeView) -> None:
        source.expanded.connect(target.expand)
        source.collapsed.connect(target.collapse)
        source.verticalScrollBar().valueChanged.connect(target.verticalScrollBar().setValue)

    # -- content ---------------------------------------------------------------------------

    def set_diff(self, diff: CheckpointDiff, name_a: str, name_b: str) -> None:
        name_a, name_b = html.escape(name_a), html.escape(name_b)  # folder names are text, the labels rich text
        self.heading_a.setText(f"<b>A</b> (before): {name_a}")
        self.heading_b.setText(f"<b>B</b> (after): {name_b}")
        self.title.setText(f"Comparing <b>{name_a}</b> with <b>{name_b}</b>")
        self._remembered = None
        self.model.set_tree(PairTree(diff))
        self.update_summary()
        self.apply_filter()

    def update_summary(self) -> None:
        tree = self.model.tree
        counts = {status: 0 for status in DiffStatus}
        pending = 0
        for leaf in tree.leaves if tree is not None else []:
            if leaf.pair.status is None:
                pending += 1
            else:
                counts[leaf.pair.status] += 1
        for status, button in self.summary.items():
            button.setText(f"{status_label(status)}  {counts[status]}")
            button.setVisible(bool(counts[status]))
        self.fit_columns()  # the groups' status texts grow as pairs get compared
        if pending:
            self.title.setText(self.title.text().split(" &mdash; ")[0] + f" &mdash; comparing, {pending} pairs to go")
        else:
            self.title.setText(self.title.text().split(" &mdash; ")[0])

    def apply_filter(self) -> int:
        keep = self.selected_pair() or self._remembered  # a filter may hide it for a while
        statuses = {s for s, button in self.summary.items() if button.isChecked()} or None
        count = self.model.refilter(pair_filter(self.search.text(), statuses), self.by_change.isChecked())
        if self.by_change.isChecked() or self.search.text() or statuses:
            self.view_a.expandAll()
        else:
            self.view_a.expandToDepth(2)
        if keep is not None:
            self.select_pair(keep)
        self.fit_columns()
        return count

    def fit_columns(self) -> None:
        fit_columns(self.view_a, A_LIMITS)
        fit_columns(self.view_b, B_LIMITS)

    def select_pair(self, pair: Pair) -> bool:
        tree = self.model.tree
        leaf = next((leaf for leaf in tree.leaves if leaf.pair is pair), None) if tree else None
        if leaf is None or not _shown(tree, leaf):
            return False
        index = self.model.index_of(leaf)
        self.view_a.setCurrentIndex(index)
        self.view_a.scrollTo(index)
        return True

    def selected_pair(self) -> Pair | None:
        index = self.view_a.currentIndex()
        node = self.model.node(index) if index.isValid() else None
        return node.pair if node is not None else None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.model.node(current) if current.isValid() else None
        if node is not None and node.pair is not None:
            self._remembered = node.pair
        self.pair_selected.emit(node.pair if node is not None else None)


def _shown(tree: PairTree, leaf: PairNode) -> bool:
    node = leaf
    while True:
        parent = tree.parent_of(node)
        if parent is None:
            return True
        if node.row >= len(parent.shown) or parent.shown[node.row] is not node:
            return False
        node = parent


class CompareDetails(QWidget):
    """The selected pair: its numbers, overlaid histograms, B - A, and heatmaps."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.view: PairView | None = None
        self.path_of: Callable[[Pair], str] = lambda pair: pair.path  # where the trees show a pair
        self.title = QLabel("Select a pair to compare its values.")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        # Rich text always: left to auto-detection, a title without a tag (no "stored
        # as" line) is taken for plain text and shows its &nbsp; literally.
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.setMinimumWidth(320)
        self.numbers = QGridLayout()
        self.numbers.setHorizontalSpacing(14)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        # The title is the legend: a legend inside the plot covered the curves.
        self.hist_plot = self.plots.addPlot(row=0, col=0, title=_legend_title())
        self.hist_plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve_a = self.hist_plot.plot(
            [0, 1], [0], stepMode="center", fillLevel=0, brush=(*COLOUR_A, 70), pen=pg.mkPen(COLOUR_A), name="A"
        )
        self.curve_b = self.hist_plot.plot(
            [0, 1], [0], stepMode="center", fillLevel=0, brush=(*COLOUR_B, 70), pen=pg.mkPen(COLOUR_B), name="B"
        )
        self.diff_plot = self.plots.addPlot(row=1, col=0, title="B - A")
        self.diff_plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve_diff = self.diff_plot.plot([0, 1], [0], stepMode="center", fillLevel=0, brush=(120, 120, 120, 120))
        # The heatmaps in a row of their own: A | B | bar | B - A | bar. The colour
        # bars have cells of their own, so the three heatmaps get the same width (a bar
        # inserted into B's plot took its width from B alone).
        self.heatmaps = heatmaps = self.plots.addLayout(row=2, col=0)
        self.image_plots = []
        self.images = []
        self.overlays = []  # NaN and Inf cells, in colours of their own
        for col, title in ((0, "A"), (1, "B"), (3, "B - A")):
            plot = heatmaps.addPlot(row=0, col=col, title=title, axisItems=index_axes())
            plot.invertY(True)
            plot.hideAxis("bottom")
            image = pg.ImageItem()
            overlay = overlay_item()
            plot.addItem(image)
            plot.addItem(overlay)
            self.image_plots.append(plot)
            self.images.append(image)
            self.overlays.append(overlay)
        # A and B share one colour scale; B - A has its own.
        self.colorbar_ab = pg.ColorBarItem(values=(0, 1), colorMap="viridis", interactive=False, width=10)
        self.colorbar_ab.setImageItem(self.images[:2])
        self.colorbar_diff = pg.ColorBarItem(values=(-1, 1), colorMap="CET-D1A", interactive=False, width=10)
        self.colorbar_diff.setImageItem(self.images[2])
        for col, bar in ((2, self.colorbar_ab), (4, self.colorbar_diff)):
            bar.setTitle(" ")  # an empty title row, so the bar lines up with the heatmaps
            heatmaps.addItem(bar, row=0, col=col)
        self.heatmap_note = heatmaps.addLabel("", row=1, col=0, colspan=5, size="9pt")
        self.heatmap_note.setVisible(False)
        for plot in self.image_plots[1:]:  # zoom and pan together
            plot.setXLink(self.image_plots[0])
            plot.setYLink(self.image_plots[0])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.numbers)
        layout.addWidget(self.plots, 1)

    def show_pair(self, pair: Pair | None) -> None:
        """The numbers known so far (before the histograms arrive)."""
        self.view = None
        if pair is None:
            self.title.setText("Select a pair to compare its values.")
            _fill(self.numbers, [])
            self._clear_plots()
            return
        place, stored = html.escape(self.path_of(pair)), html.escape(pair.path)
        text = f"{html.escape(status_label(pair.status))}&nbsp;&nbsp; {place}"
        if place != stored:  # an optimizer slot shown under its variable
            text += f"<br><span style='font-weight: normal; color: gray;'>stored as {stored}</span>"
        self.title.setText(text.replace("/", "/\u200b"))  # lets a long path wrap
        _fill(self.numbers, _numbers(pair))

    def show_view(self, view: PairView) -> None:
        self.show_pair(view.pair)
        self.view = view
        self._clear_plots()
        for curve, histogram in ((self.curve_a, view.hist_a), (self.curve_b, view.hist_b)):
            if histogram is not None:
                curve.setData(histogram.edges.astype(np.float64), histogram.counts.astype(np.float64))
        self.hist_plot.enableAutoRange()
        if view.hist_diff is not None:
            hist = view.hist_diff
            self.curve_diff.setData(hist.edges.astype(np.float64), hist.counts.astype(np.float64))
            self.diff_plot.enableAutoRange()
        images = (view.image_a, view.image_b)
        shown = [image for image in images if image is not None]
        if shown:
            # A and B share one colour scale; B - A gets its own, centred on zero.
            low = min(color_limits(image)[0] for image in shown)
            high = max(color_limits(image)[1] for image in shown)
            for item, image in zip(self.images[:2], images):
                if image is not None:
                    item.setImage(image, autoLevels=False)
            self.colorbar_ab.setColorMap(pg.colormap.get("CET-D1A" if low < 0 < high else "viridis"))
            self.colorbar_ab.setLevels((low, high))
        if view.image_diff is not None:
            low, high, _diverging = color_limits(view.image_diff)
            bound = max(abs(low), abs(high)) or 1.0
            self.images[2].setImage(view.image_diff, autoLevels=False)
            self.colorbar_diff.setLevels((-bound, bound))
        notes = []
        for plot, item, overlay, image, title in zip(
            self.image_plots, self.images, self.overlays, (*images, view.image_diff), ("A", "B", "B - A")
        ):
            plot.setVisible(image is not None)
            if image is not None:
                nonfinite = NonFinite(image)
                nonfinite.show_on(overlay)
                for cells in (item, overlay):  # after setImage: the rect scales the image it has
                    place(cells, *image.shape)
                if nonfinite.note():
                    notes.append(f"{title}: {nonfinite.note()}")
        # One line under the heatmaps (in their titles, it would widen one of them).
        self.heatmap_note.setText(" &nbsp; ".join(notes))
        self.heatmap_note.setVisible(bool(notes))
        self.colorbar_ab.setVisible(bool(shown))
        self.colorbar_diff.setVisible(view.image_diff is not None)
        self._show_heatmaps(bool(shown))
        if shown:
            self.image_plots[0].autoRange(padding=0)  # no margin: it would show ticks past the last index

    def _clear_plots(self) -> None:
        for curve in (self.curve_a, self.curve_b, self.curve_diff):
            curve.setData([0, 1], [0])
        for item in (*self.images, *self.overlays):
            item.clear()
        self.heatmap_note.setVisible(False)
        for plot in self.image_plots:
            plot.setVisible(False)
        self._show_heatmaps(False)

    def _show_heatmaps(self, on: bool) -> None:
        """The heatmap row only for matrices: hidden items keep their place in a
        graphics layout, so without this a vector's histograms would leave a blank row."""
        self.heatmaps.setVisible(on)
        self.plots.ci.layout.setRowMaximumHeight(2, 1e6 if on else 0)


def _legend_title() -> str:
    def swatch(colour: tuple[int, int, int], name: str) -> str:
        return f"<span style='color: rgb{colour};'>\u25a0 {name}</span>"

    return f"{swatch(COLOUR_A, 'A')} and {swatch(COLOUR_B, 'B')}"


def _numbers(pair: Pair) -> list[tuple[str, str]]:
    rows = [
        ("A", f"{format_shape(pair.a.shape)} {pair.a.dtype.name}" if pair.a else "(not in A)"),
        ("B", f"{format_shape(pair.b.shape)} {pair.b.dtype.name}" if pair.b else "(not in B)"),
    ]
    if pair.key_b:
        keys = f"{pair.key}  \u2192  {pair.key_b} (paired by object path)"
        rows.append(("Keys", keys.replace("/", "/\u200b")))  # let the long keys wrap
    values = pair.values
    if values is not None:
        share = values.differing / values.count if values.count else 0.0
        # The metrics cover positions finite on both sides; say so when some are not.
        nonfinite = values.nan_appeared + values.nan_vanished + values.inf_appeared + values.inf_vanished
        where = " (finite)" if nonfinite else ""
        rows += [
            ("Differing", f"{values.differing:,} of {values.count:,} ({share:.2%})"),
            (f"Max |B-A|{where}", format_number(values.max_abs_diff)),
            (f"Mean |B-A|{where}", format_number(values.mean_abs_diff)),
            (f"Rel. L2{where}", format_number(values.rel_l2)),
            (f"Cosine{where}", format_number(values.cosine)),
        ]
        changes = [
            f"{n:,} {what}"
            for n, what in ((values.nan_appeared, "NaN appeared"), (values.nan_vanished, "NaN went away"),
                            (values.inf_appeared, "Inf appeared"), (values.inf_vanished, "Inf went away"))
            if n
        ]  # fmt: skip
        if changes:
            rows.append(("NaN/Inf", ", ".join(changes)))
    elif pair.status is None:
        rows.append(("Values", "comparing..."))
    return rows


def _fill(grid: QGridLayout, rows: list[tuple[str, str]]) -> None:
    clear_layout(grid)
    columns = 2
    per_column = -(-len(rows) // columns) if rows else 0
    for i, (label, text) in enumerate(rows):
        row, column = i % per_column, 2 * (i // per_column)
        name = QLabel(label)
        name.setStyleSheet("color: palette(mid);")
        value = QLabel(text)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setWordWrap(True)
        grid.addWidget(name, row, column, alignment=Qt.AlignmentFlag.AlignRight)
        grid.addWidget(value, row, column + 1)
