"""The variable tree's item model: one checkpoint's VariableTree, its restore
statuses and NaN/Inf badges.

Display strings are computed once per node and cached, so a tree of 100,000
variables scrolls smoothly.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

from ckpt_gui.app import status_style, theme
from ckpt_gui.app.models.base import ROOT, Index, NodeTreeModel
from ckpt_gui.core.formatting import format_bytes, format_count, format_shape
from ckpt_gui.core.views.tree import MODEL_ONLY, SLOT, TreeNode, VariableTree
from ckpt_gui.core.views.tree_filter import FilteredView, reach, shown_model_only, shown_totals

NAN_RED = QColor(200, 40, 40)  # a variable holding NaN/Inf: its name's hue (see _foreground)
BADGE_SEPARATOR = "   ["  # between a name and its NaN/Inf badge: "mat   [1 NaN, 1 Inf]"
CORRUPT_BADGE = "CRC mismatch"  # a tensor whose data fails its checksum, in the tree after its name
# Every badge of a value that cannot be read (readable_stats.unreadable_badge), each its own case.
UNREADABLE_BADGES = frozenset((CORRUPT_BADGE, "truncated", "data missing", "unreadable"))
MODEL_ONLY_HINT = "model only"  # a group of model-only variables' hint (core/views/variable_tree.py)
MODEL_ONLY_MARKER = f"  ({MODEL_ONLY_HINT})"
SLOT_MARKER = "  (slot)"
MARKERS = (MODEL_ONLY_MARKER, SLOT_MARKER)  # after a name, kept whole when the name is cut
HINT_SEPARATOR = "  \u00b7  "  # between a group's name and its hint: "layer_with_weights-2  ·  dense_2"

COLUMNS = ("Name", "DType", "Shape", "Elements", "Bytes", "Restore")
NAME, DTYPE, SHAPE, ELEMENTS, BYTES, RESTORE = range(6)
NodeRole = Qt.ItemDataRole.UserRole + 1  # the TreeNode behind an index
SortRole = Qt.ItemDataRole.UserRole + 2

FETCH_ROWS = 256  # a group shows this many children at first, more as the view scrolls to them
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# What a group's Elements is (issue 11 review: the key view's optimizer group counted
# its parameters only, under a child of optimizer slots larger than it, and beside Bytes
# that counted the slots): the sum of the rows below it in this view, as Bytes is.
ELEMENTS_TIP = (
    "A variable's number of values; a group's, the sum over every variable below it in this view, "
    "optimizer slots included (as the Bytes and variable counts): in the object view a variable's slots "
    "sit and count under it, in the key view under the optimizer's keys. A group's tooltip and its "
    "Details give the parameters (the model's weights) apart."
)


class VariableTreeModel(NodeTreeModel):
    COLUMNS = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tree: VariableTree | None = None
        self._texts: dict[int, tuple[str, ...]] = {}
        self._italic = QFont()
        self._italic.setItalic(True)
        self.badges: dict[str, str] = {}  # key -> short marker shown after the name (e.g. "NaN")
        # Whether a filter is on: a group's row then gives its totals over what it shows.
        self.filtered = False
        # The Restore column's statuses are the previous attempt's (a new one runs): muted, said in the header.
        self.previous_report = False
        # Why the report's matching values it did not restore were not (its held_reason:
        # TensorFlow stopped, Keras skipped their layer...), for their rows' tooltips.
        self.held_reason = ""
        # Rows handed to the view so far, by group (id(node)), for groups of more than
        # FETCH_ROWS children: opening a group of 20,000 lays out 256 rows, not 20,000.
        self._fetched: dict[int, int] = {}
        self.modelAboutToBeReset.connect(self._fetched.clear)
        self._answers = self._role_answers()

    # -- content ------------------------------------------------------------------

    def set_tree(self, tree: VariableTree | None) -> None:
        """Show a tree (also after its nodes changed: the text cache starts over)."""
        self._texts.clear()
        self.filtered = False
        super().set_tree(tree)

    def _has_strings(self) -> bool:
        """Whether the tree holds variables without numbers (strings, variants), whose
        elements a group counts but its parameters do not; unknown (the dtypes not yet
        worked out, off the GUI thread at open): said as if so."""
        names = self.tree.__dict__.get("dtype_names") if self.tree is not None else None  # a cached_property
        return names is None or any(n in ("string", "variant", "resource") or n.startswith("unknown") for n in names)

    def refilter(self, accept) -> int:
        """Filter the tree (None: show everything); groups then count what they show."""
        if self.tree is None:
            return 0
        self.beginResetModel()
        count = self.tree.apply_filter(accept)
        self._texts.clear()
        self.filtered = accept is not None
        self.endResetModel()
        return count

    def show_matches(self, view: FilteredView | None) -> int:
        """Show what a filter chose (:meth:`VariableTree.filtered_view`, worked out on a
        worker; None: everything); groups then count what they show."""
        if self.tree is None:
            return 0
        self.beginResetModel()
        count = self.tree.show_all() if view is None else self.tree.show_view(view)
        self._texts.clear()
        self.filtered = view is not None
        self.endResetModel()
        return count

    def is_shown(self, node) -> bool:
        reach(node)  # a filter's rows down to it made first: the nodes above it then show the filter's
        return super().is_shown(node)

    def rowCount(self, parent: Index = ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        owner = self.node(parent)
        return min(len(owner.shown), self._fetched.get(id(owner), FETCH_ROWS)) if owner is not None else 0

    # Not Qt's canFetchMore/fetchMore: Qt fetches batch after batch on opening a group
    # at the end of the tree (1,024 rows laid out instead of 256); the panel fetches
    # when the last row handed over comes into view (TreePanel._fetch_visible).
    def has_more(self, parent: Index = ROOT) -> bool:
        """Whether the group has rows not handed to the view yet."""
        owner = self.node(parent)
        return owner is not None and self.rowCount(parent) < len(owner.shown)

    def fetch_more(self, parent: Index = ROOT) -> None:
        """Hand the view the group's next FETCH_ROWS rows."""
        owner = self.node(parent)
        if owner is not None:
            self._fetch_to(parent, owner, self.rowCount(parent) + FETCH_ROWS)

    def fetch_rows(self, parent: Index, rows: int) -> None:
        """Hand the view the group's first ``rows`` rows (all of them: ``rows`` past its end)."""
        owner = self.node(parent)
        if owner is not None:
            self._fetch_to(parent, owner, rows)

    def reveal(self, node: TreeNode) -> None:
        """Hand the view the rows down to ``node`` (which a filter shows), so that it
        has an index: its row and those of the groups above it."""
        path = []
        while node.parent is not None:
            path.append(node)
            node = node.parent
        for below in reversed(path):
            parent = below.parent
            index = self.index_of(parent) if parent.parent is not None else ROOT
            if self.rowCount(index) <= below.row:
                self._fetch_to(index, parent, below.row + FETCH_ROWS)

    def _fetch_to(self, index: Index, owner: TreeNode, rows: int) -> None:
        have, rows = self.rowCount(index), min(rows, len(owner.shown))
        if rows > have:
            self.beginInsertRows(index, have, rows - 1)
            self._fetched[id(owner)] = rows
            self.endInsertRows()

    def set_badges(self, badges: dict[str, str]) -> None:
        self.badges = badges
        if self.tree is not None and self.tree.root.shown:
            self.repaint_rows(NAME, NAME)
            self.layoutChanged.emit()

    def hasChildren(self, parent: Index = ROOT) -> bool:
        """Asked of every row the view lays out: answered without making the row's children
        (they are made when it is expanded, core/views/lazy_node.py)."""
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        return node is not None and node.has_shown()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in (ELEMENTS, BYTES) else None
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == ELEMENTS:
            return ELEMENTS_TIP
        if section == RESTORE and self.previous_report and orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return "Restore (old)"  # short: the column's width is its header's at least
            if role == Qt.ItemDataRole.ToolTipRole:
                return "The previous attempt's statuses: a new attempt is running"
        return super().headerData(section, orientation, role)

    def set_previous_report(self, previous: bool) -> None:
        """Show the statuses as the previous attempt's (muted, untinted) while a new one runs."""
        self.previous_report = previous
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, RESTORE, RESTORE)
        self.repaint_rows()

    # Qt asks seven roles of every cell it paints (a paint of the tree at 1280x800: 1,148
    # calls of data): each answered by one lookup, the roles it does not answer (check
    # state, decoration) at once.
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        answer = self._answers.get(role)
        if answer is None or not index.isValid():
            return None
        return answer(index.internalPointer(), index.column())

    def _role_answers(self) -> dict:
        """What ``data`` answers, by role: ``answer(node, column)``, None for nothing."""
        roles = Qt.ItemDataRole
        return {
            roles.DisplayRole: self._text,
            roles.BackgroundRole: self._background,
            roles.ToolTipRole: lambda node, _column: self._tooltip(node),
            roles.TextAlignmentRole: lambda _node, column: _RIGHT if column in (ELEMENTS, BYTES) else None,
            roles.FontRole: lambda node, _column: self._italic if node.kind in (SLOT, MODEL_ONLY) else None,
            roles.ForegroundRole: self._foreground,
            NodeRole: lambda node, _column: node,
            SortRole: self._sort_key,
        }

    def _background(self, node: TreeNode, _column: int) -> QBrush | None:
        if node.status and not self.previous_report:
            return QBrush(status_style.tint(node.status))
        return None

    def _sort_key(self, node: TreeNode, column: int):
        return node.elements if column == ELEMENTS else node.nbytes if column == BYTES else self._display(node)[column]

    # -- text -------------------------------------------------------------------------

    def _text(self, node: TreeNode, column: int) -> str:
        if column == RESTORE:
            return status_style.finding_label(node.status, node.finding) if node.status else ""
        text = self._display(node)[column]
        if column == NAME and node.variable is not None and node.variable.key in self.badges:
            text = f"{text}{BADGE_SEPARATOR}{self.badges[node.variable.key]}]"  # the delegate keeps it whole
        return text

    def _foreground(self, node: TreeNode, column: int) -> QBrush | None:
        if column == RESTORE and node.status:
            return QBrush(theme.muted() if self.previous_report else status_style.colour(node.status))
        if node.kind == SLOT or (node.variable is None and node.kind != MODEL_ONLY and column in (DTYPE, SHAPE)):
            return QBrush(theme.muted())
        if column == ELEMENTS and node.variable is None and not node.params:  # only slots' elements, if any
            return QBrush(theme.muted())
        if column == NAME and node.variable is not None and node.variable.key in self.badges:
            # Red made readable on the palette's base: (200, 40, 40) was dark red on dark grey.
            return QBrush(theme.readable(NAN_RED, QGuiApplication.palette().color(QPalette.ColorRole.Base)))
        return None

    def _display(self, node: TreeNode) -> tuple[str, ...]:
        cached = self._texts.get(id(node))
        if cached is None:
            # A group's row counts what the filter shows; a leaf never does (review 8: a
            # model-only variable read "1 model only" for its dtype and shape).
            group = node.variable is None and node.kind != MODEL_ONLY
            shown = shown_totals(node) if self.filtered and group else None
            cached = self._texts[id(node)] = (
                _texts(node) if shown is None else _filtered_texts(node, *shown, shown_model_only(node) or 0)
            )
        return cached

    def _tooltip(self, node: TreeNode) -> str:
        variable = node.variable
        finding = node.finding
        if finding is not None:
            lines = [
                status_style.finding_label(node.status, finding),
                finding.checkpoint_key or finding.model_path or "",
            ]
            if finding.held_back:
                lines.append(f"matches the model, but was not restored: {self.held_reason or 'see the notes'}")
            if finding.checkpoint_shape is not None and finding.model_shape is not None:
                lines.append(f"checkpoint {format_shape(finding.checkpoint_shape)} {finding.checkpoint_dtype}, "
                             f"model {format_shape(finding.model_shape)} {finding.model_dtype}")  # fmt: skip
            lines += [f"\u2192 {s}" for s in finding.suggestions]
            return "\n".join(lines)
        if variable is None and not node.variable_count:  # a group only the model has
            text = f"{node.path}\n{_count_text(node)}: the checkpoint has no value for them"
            shown = shown_model_only(node) if self.filtered else None
            return text if shown is None else f"{text}\nshown by the filter: {shown:,} of them"
        if variable is None:
            strings = self._has_strings()
            text = f"{node.path}\n{_totals_text(node.variable_count, node.elements, node.params, node.nbytes, strings)}"
            elsewhere = self.tree.slots_placed_elsewhere.get(node.path) if self.tree is not None else None
            if elsewhere:  # an optimizer whose state per variable this view shows under each variable
                text += (f"\nits {elsewhere[0]:,} optimizer slots ({elsewhere[1]:,} elements) sit and count "
                         "under the variables they belong to")  # fmt: skip
            shown = shown_totals(node) if self.filtered else None
            if shown is None:
                return text
            count, params, nbytes, slots = shown
            return f"{text}\nshown by the filter: {_totals_text(count, params + slots, params, nbytes, strings)}"
        lines = [variable.key]
        if node.kind == SLOT:
            lines.append(f"optimizer slot '{node.name}' of {node.parent.path if node.parent else ''}")
        return "\n".join(lines)


def _texts(node: TreeNode) -> tuple[str, ...]:
    if node.kind == MODEL_ONLY:
        finding = node.finding
        shape = finding.model_shape if finding is not None else None
        dtype = finding.model_dtype if finding is not None else None
        return (f"{node.name}{MODEL_ONLY_MARKER}", dtype or "",
                format_shape(shape) if shape is not None else "", "", "")  # fmt: skip
    name = node.name
    if node.hint and node.kind != SLOT:
        name = f"{name}{HINT_SEPARATOR}{node.hint}"
    elif node.kind == SLOT:
        name = f"{name}{SLOT_MARKER}"
    variable = node.variable
    if variable is None:
        return (name, "", _count_text(node), _elements_text(node), _bytes_text(node.variable_count, node.nbytes))
    return (
        name,
        variable.dtype.name,
        format_shape(variable.shape),
        format_count(variable.num_elements),
        format_bytes(variable.size_bytes),
    )


def _count_text(node: TreeNode, shown: int | None = None) -> str:
    """A group's variables; a group only the model has (a report's model-only rows) says
    how many of those it holds, not "0 variables"; ``shown``: how many of them a filter
    shows ("1 of 2 model only", as a group of variables reads "1 of 2")."""
    count = node.variable_count
    if count == 0:
        missing = sum(1 for below in node.walk() if below.kind == MODEL_ONLY)
        if not missing:
            return ""
        return f"{missing:,} model only" if shown is None else f"{shown:,} of {missing:,} model only"
    return f"{count:,} variable" + ("s" if count != 1 else "")


def _elements_text(node: TreeNode) -> str:
    """A group's elements: the sum of its rows' in this view, optimizer slots included
    (see ELEMENTS_TIP; a group of nothing but slots is muted, as slot rows are); no
    numbers at all: blank."""
    return format_count(node.elements) if node.elements else ""


def _filtered_texts(
    node: TreeNode, count: int, params: int, nbytes: int, slots: int, model_only: int = 0
) -> tuple[str, ...]:
    """A group's row under a filter: what it shows, of how many (a group only the
    model has: its model-only rows shown, review: "2 model only" beside the one row
    the filter showed); its elements, the sum of the rows it shows (slots included,
    as ``_elements_text``)."""
    name = _texts(node)[0]
    shown = f"{count:,} of {node.variable_count:,}" if node.variable_count else _count_text(node, model_only)
    elements = format_count(params + slots) if params + slots else ""
    return (name, "", shown, elements, _bytes_text(count, nbytes))


def _bytes_text(count: int, nbytes: int) -> str:
    """A group's bytes; blank when it holds (or shows) no checkpoint variable: a group
    only the model has stores nothing, and "0 B" read as an empty tensor stored."""
    return format_bytes(nbytes) if count else ""


def _totals_text(count: int, elements: int, params: int, nbytes: int, strings: bool = False) -> str:
    """ "32 variables, 9,058 elements (3,020 parameters, 6,038 in optimizer slots), 35.4 KB";
    ``strings``: the checkpoint has some (a group's elements count them, parameters not)."""
    slots = elements - params
    parts = [f"{params:,} parameters"] if params else []
    if slots:
        parts.append(f"{slots:,} in optimizer slots" + (" or strings" if strings else ""))
    split = f" ({', '.join(parts)})" if parts else ""
    return f"{count:,} variables, {elements:,} elements{split}, {format_bytes(nbytes)}"
