"""The comparison tree's item model: one PairTree, shown by two views side by side.

Both views show this one model (each hides the other side's columns), so their
rows line up by construction: a variable present on one side only leaves a blank
row on the other.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ckpt_gui.app import status_style
from ckpt_gui.app.models.base import ROOT, Index, NodeTreeModel
from ckpt_gui.app.models.tree_model import BADGE_SEPARATOR, HINT_SEPARATOR
from ckpt_gui.core.analysis.unreadable_pair import unreadable_badge, unreadable_text
from ckpt_gui.core.formatting import format_number, format_shape
from ckpt_gui.core.statuses import NONFINITE
from ckpt_gui.core.views.pair_statuses import nonfinite_badge, nonfinite_short
from ckpt_gui.core.views.pair_tree import PairNode, PairTree
from ckpt_gui.core.views.tree_filter import reach

STYLES = status_style.DIFF_STYLES
COLUMNS = ("Name", "Shape", "DType", "Status", "Name", "Shape", "DType", "Rel. L2", "Max |B-A|", "Cosine")
NAME_A, SHAPE_A, DTYPE_A, STATUS, NAME_B, SHAPE_B, DTYPE_B, REL, MAX_ABS, COSINE = range(10)
B_SIDE = (NAME_B, SHAPE_B, DTYPE_B, REL, MAX_ABS, COSINE)  # the columns B's tree shows from
TO_COMPARE = "to compare"  # pairs not compared yet, in a group's counts and the summary's
NOT_COMPARED = "not compared"  # the same, once the comparison stopped on an error


def pending_word(tree: PairTree | None) -> str:
    """What the pairs not compared yet are called: "to compare", or once the comparison
    stopped, "not compared" (no pass is coming for them; selecting one compares it)."""
    return NOT_COMPARED if tree is not None and tree.stopped else TO_COMPARE


def status_label(status: str | None) -> str:
    return status_style.label(status, STYLES)


class CompareModel(NodeTreeModel):
    COLUMNS = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tree: PairTree | None = None
        # A group's texts count every pair below it (200,000 for a large model's root):
        # made once per refresh, not on every paint or column fit.
        self._group_texts: dict[tuple[int, int], str] = {}

    def set_tree(self, tree) -> None:
        self._group_texts.clear()
        super().set_tree(tree)

    def refilter(self, *args) -> int:
        self._group_texts.clear()
        return super().refilter(*args)

    def show_chosen(self, chosen, flat: bool = False, ordered=None, shown=None) -> int:
        """Show the pairs a filter chose (PairTree.apply_filter's: None, every one), in
        the tree or as the flat list; how many pairs are shown."""
        if self.tree is None:
            return 0
        self._group_texts.clear()
        self.beginResetModel()
        count = self.tree.apply_filter(chosen, flat, ordered, shown)
        self.endResetModel()
        return count

    def refresh(self) -> None:
        """The tree counted more pairs (CompareTrees.refresh, the one place that counts,
        so that rows, groups, summary and header move together): repaint."""
        self._group_texts.clear()
        self.repaint_rows()

    def shown_parent(self, node: PairNode) -> PairNode | None:
        return self.tree.parent_of(node) if self.tree is not None else node.parent

    def shown_row(self, node: PairNode) -> int:
        if self.tree is not None and self.tree.flat:
            return self.tree.flat_list.row_of(node)
        return super().shown_row(node)

    def is_shown(self, node: PairNode) -> bool:
        if self.tree is not None and not self.tree.flat:
            reach(node)  # a filter's rows down to it made first: the nodes above it then show the filter's
        return super().is_shown(node)

    def rowCount(self, parent: Index = ROOT) -> int:
        if parent.isValid() and self.tree is not None and self.tree.flat:  # a flat list: rows have no children
            return 0
        return super().rowCount(parent)

    def hasChildren(self, parent: Index = ROOT) -> bool:
        """Asked of every row the view lays out, and of a selected row's siblings (20,000
        blocks): answered without making the row's level (core/views/lazy_node.py)."""
        tree = self.tree
        if tree is not None and tree.flat:  # a flat list's rows have none (the trees show flat_model.py's then)
            return not parent.isValid() and bool(tree.root.shown)
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        return node is not None and node.has_shown()

    def index(self, row: int, column: int, parent: Index = ROOT) -> QModelIndex:
        tree = self.tree
        if tree is not None and tree.flat:
            # The row's node straight from the list (the trees show flat_model.py's rows
            # then, which Qt lays out without asking this of each of 200,000).
            rows = tree.root.shown
            if parent.isValid() or not (0 <= row < len(rows) and 0 <= column < len(COLUMNS)):
                return QModelIndex()
            return self.createIndex(row, column, rows[row])
        return super().index(row, column, parent)

    def parent(self, index: Index = ROOT):  # type: ignore[override]
        if self.tree is not None and self.tree.flat:
            return QModelIndex()  # a flat list: every row a child of the root
        return super().parent(index)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        return self.cell(index.internalPointer(), index.column(), role)

    def cell(self, node: PairNode, column: int, role: int = Qt.ItemDataRole.DisplayRole):
        """What ``node``'s row shows in ``column`` (the flat list's model asks it too, flat_model.py)."""
        if role not in _ANSWERED:  # Qt asks seven roles of every cell it paints: font, icon, check state at once
            return None
        pair = node.pair
        if role == Qt.ItemDataRole.DisplayRole and pair is None:
            text = self._group_texts.get((id(node), column))
            if text is None:
                text = self._group_texts[(id(node), column)] = _group_text(self.tree, node, column)
            return text
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(self.tree, node, column, self.tree.flat if self.tree else False)
        status = _status(self.tree, node)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS and pair is not None:
            return QBrush(status_style.colour(status, STYLES))  # readable in light and dark themes
        if role == Qt.ItemDataRole.ForegroundRole and column in (NAME_A, NAME_B) and _badge(self.tree, node):
            return QBrush(status_style.colour(NONFINITE, STYLES))  # red, as browse's NaN/Inf names
        if role == Qt.ItemDataRole.BackgroundRole and pair is not None and status not in ("same", None):
            colour = QColor(STYLES[status][2])
            colour.setAlpha(28)
            return QBrush(colour)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (REL, MAX_ABS, COSINE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and pair is None:  # a group: what changed below, in full
            return f"{node.path}\n{_text(self.tree, node, STATUS, False)}"
        if role == Qt.ItemDataRole.ToolTipRole and pair is not None:
            a, b = pair.a, pair.b
            side = "b" if column in B_SIDE else "a"
            # The row's whole path first: a narrow tree shows its name cut.
            lines = [node.side_path(side), pair.key, f"in B: {pair.key_b}" if pair.key_b else ""]
            if _status(self.tree, node) is not None:  # the badge's counts in words, whole
                lines.append(nonfinite_badge(pair.values))
            lines.append(f"A: {format_shape(a.shape)} {a.dtype.name}" if a else "A: -")
            lines.append(f"B: {format_shape(b.shape)} {b.dtype.name}" if b else "B: -")
            lines.append(unreadable_text(pair))  # which side, which file, what is wrong
            return "\n".join(filter(None, lines))
        return None


_ANSWERED = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ToolTipRole,
    }
)  # the roles cell answers


def _text(tree: PairTree, node: PairNode, column: int, flat: bool) -> str:
    if node.pair is None:
        return _group_text(tree, node, column)
    pair = node.pair
    if column == STATUS:
        status = _status(tree, node)
        if status is None and tree is not None and tree.stopped:
            return status_style.label(None, STYLES, NOT_COMPARED)
        return status_label(status)
    sides = {NAME_A: pair.a, SHAPE_A: pair.a, DTYPE_A: pair.a, NAME_B: pair.b, SHAPE_B: pair.b, DTYPE_B: pair.b}
    if column in sides:
        variable = sides[column]
        if variable is None:
            return ""
        if column in (NAME_A, NAME_B):  # each side its own names (a renamed layer)
            side = "a" if column == NAME_A else "b"
            name = node.side_path(side) if flat else tree.side_name(node, side)
            badge = _badge(tree, node, side)  # NaN/Inf on one side only: said on both sides, kept whole (flat_paths.py)
            return f"{name}{BADGE_SEPARATOR}{badge}]" if badge else name
        return format_shape(variable.shape) if column in (SHAPE_A, SHAPE_B) else variable.dtype.name
    values = pair.values if _status(tree, node) is not None else None
    metric = {REL: "rel_l2", MAX_ABS: "max_abs_diff", COSINE: "cosine"}.get(column)
    return format_number(getattr(values, metric)) if values is not None and metric else ""


def _badge(tree: PairTree | None, node: PairNode, side: str = "a") -> str:
    """A pair's NaN/Inf on one side only, once counted, short: "B: 2 NaN" (review 12:
    nothing in the trees flagged it; review 14: the long wording was never drawn at
    1024x640, it stays in Details and the tooltip); the side that cannot be read:
    "B: CRC mismatch" (review 14), in tree A only (``side``), beside its Status: in tree
    B it was left out wherever it did not fit, on some of alike rows and not others, and
    its width took tree B's room, Shape cut to "[78…" (review 18, F3 and F4); tree B's
    rows keep the red name and the tint. "" for none, or a group."""
    if node.pair is None or _status(tree, node) is None:
        return ""
    unreadable = unreadable_badge(node.pair) if side == "a" else ""
    return unreadable or nonfinite_short(node.pair.values)


def _status(tree: PairTree | None, node: PairNode) -> str | None:
    """A pair's status as its row shows it: once the tree has counted it, so that its
    row, its groups' counts and the header change together (review finding 33: every
    row "changed" under a header "60 pairs to go"); a group's: None."""
    if node.pair is None:
        return None
    return tree.status_of(node) if tree is not None else node.pair.status


def _group_text(tree: PairTree, node: PairNode, column: int) -> str:
    """A group: its name on each side it exists, and what changed below."""
    if column in (NAME_A, NAME_B):
        side = "a" if column == NAME_A else "b"
        name, hint = tree.side_name(node, side), tree.side_hint(node, side)  # the separator elided_names cuts at
        return (f"{name}{HINT_SEPARATOR}{hint}" if hint else name) if tree.has_side(node, side) else ""
    if column == STATUS:
        return group_status(tree, node)
    return ""


def group_status(tree: PairTree, node: PairNode) -> str:
    """What changed below a group: "3 changed, 1 only in A", "all same", and while
    comparing how many pairs below are still to compare: "3 changed, 5 to compare"
    (review, issue 11: a group said "3 changed" over rows still "comparing"), so that
    a group's counts are the sums of its rows' (the same pairs left unsaid). Under a
    filter, of the pairs it shows, and how many of the group's those are, as the
    browse tree says: "2 of 6: 2 changed"."""
    filtered = tree.filtered()
    counts = tree.statuses_below(node, shown=filtered)
    parts = [f"{n:,} {STYLES[s][1]}" for s, n in counts.most_common() if s != "same"]
    pending = tree.pending_below(node, shown=filtered)
    if pending:
        parts.append(f"{pending:,} {pending_word(tree)}")
    text = ", ".join(parts) or "all same"
    if filtered:
        shown, total = tree.shown_below(node)
        text = f"{shown:,} of {total:,}: {text}"
    return text
