"""The restore report's problem table: a row per problem (status, variable, both shapes,
the suggestion), its columns fitted to the pane's width, the row of the tree's selected
variable made current, and the pane under it that shows the selected problem whole. A
part of ReportPanel (its widgets)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem

from ckpt_gui.app import status_style
from ckpt_gui.app.widgets.column_widths import fit_beside_last, refit_on_resize
from ckpt_gui.app.widgets.elided_names import TEXT_MARGINS
from ckpt_gui.app.widgets.focus_ring import FocusRing
from ckpt_gui.app.widgets.report_panes import VARIABLE_COLUMN, ElideDelegate, scrolling
from ckpt_gui.app.widgets.report_texts import finding_html, names_tip, shapes_pair_text
from ckpt_gui.diagnosis.findings import RestoreReport

# Status and variable to their contents within these widths; the shapes always
# whole (a cut shape reads as another shape: "[1…28]"); the suggestion takes the
# rest, and the pane under the table shows the selected problem in full.
STATUS_COLUMN, SHAPES_COLUMN, SUGGESTION_COLUMN = 0, 2, 3
DETAIL_MIN_LINES = 3  # the detail pane's least height (it scrolls beyond what it gets)
SUGGESTION_SHARE = 0.3  # of the problem table's width, the suggestion's at least
# The variable's least width, in average characters, taken from the suggestion's share
# when the table is narrow (its name ends, "...moving_mean", tell the rows apart; the
# suggestion is whole in the pane under the table): at 1024 px beside the tree the
# variable had kept only "...".
VARIABLE_LEAST_CHARS = 14
# More, up to this many, when a row's name needs it: a short name whole ("dense_1/kernel"
# had read "…/kernel" beside "dense_1/bias"), a long one's shortest own form
# ("…/moving_mean": it had read "…oving_m…", both its ends cut). Review 6. 28: an
# optimizer slot's own form whole at 1024x640 in 10 pt ("…/2/_kernel/momentum" had read
# "…/2/_kernel/m…tum", review 16), the suggestion keeping about 17 characters there.
VARIABLE_MOST_CHARS = 28
SUGGESTION_LEAST_CHARS = 12  # fewer: the column is hidden, the pane under the table shows it
TABLE_MIN_ROWS = 4  # the problem table's least height: its header and about three rows


class ProblemTable:
    """ReportPanel's table of problems and the pane under it (a mixin: it uses the
    panel's report, its entry_selected signal and _show_panes)."""

    def _make_problem_table(self) -> None:
        self.problems = QTreeWidget()
        self.problems.setHeaderLabels(["Status", "Variable", "Checkpoint / model", "Suggestion"])
        self.problems.setRootIsDecorated(False)
        FocusRing(self.problems)  # a Tab stop, framed as the trees are (review 19, F13)
        self.cut_names = ElideDelegate(self.problems)
        self.problems.setItemDelegate(self.cut_names)
        # Columns give way rather than scroll (fit_beside_last): the pane under the table
        # shows the selected problem whole, and a scroll bar took a row's height at 1024 px.
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.itemClicked.connect(self._item_clicked)
        # A problem selected (a click, the arrow keys, the report shown) selects its tree
        # row: the report had opened on moving_mean while the tree showed conv2/_kernel.
        self.problems.currentItemChanged.connect(self._current_changed)
        self._tree_choice: tuple[str | None, object] | None = None  # the tree's variable: (key, finding)
        refit_on_resize(self.problems, self._fit_problems)
        # The selected problem in full, wrapped: status, both shapes, every suggestion.
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setContentsMargins(4, 2, 4, 2)
        self.detail_area = scrolling(self.detail, DETAIL_MIN_LINES * self.fontMetrics().lineSpacing())
        self.problems.setMinimumHeight(TABLE_MIN_ROWS * self.fontMetrics().lineSpacing())

    def _fill_problems(self, report: RestoreReport | None) -> None:
        """The problems, the first one's details under them; no table when there are
        none (an all-green report)."""
        self.problems.clear()
        findings = report.problems if report is not None else []
        self.cut_names.set_names(finding.readable_name for finding in findings)
        for finding in findings:
            item = QTreeWidgetItem([status_style.label(finding.status), finding.readable_name,
                                    shapes_pair_text(finding), " ".join(finding.suggestions)])  # fmt: skip
            item.setForeground(0, status_style.colour(finding.status))
            item.setToolTip(1, names_tip(finding))
            item.setToolTip(3, "\n".join(finding.suggestions))
            item.setData(0, Qt.ItemDataRole.UserRole, finding)
            self.problems.addTopLevelItem(item)
        self._show_panes()
        if findings:
            self._fit_problems()
            # The problem the tree's selected variable is, if it is one: the user was
            # looking at it; else the first. The tree follows once it holds the report
            # (its model-only rows are added after this panel is filled).
            rows = [self.problems.topLevelItem(i) for i in range(len(findings))]
            first = next((r for r in rows if self._is_tree_choice(r.data(0, Qt.ItemDataRole.UserRole))), rows[0])
            self.problems.blockSignals(True)
            self.problems.setCurrentItem(first)
            self.problems.blockSignals(False)
            finding = first.data(0, Qt.ItemDataRole.UserRole)
            QTimer.singleShot(0, lambda: self.report is report and self.entry_selected.emit(finding))
        self._show_detail(self.problems.currentItem())

    def follow_tree(self, node) -> None:
        """The tree selected ``node`` (a TreeNode; None: nothing): its problem row
        becomes the current one, or, if it has none, no row is highlighted (the pane
        under the table still tells of the last one)."""
        if node is None:
            return
        key = node.variable.key if node.variable is not None else None
        finding = node.finding if node.variable is None else None  # a model-only row's
        self._tree_choice = (key, finding)
        row = next((self.problems.topLevelItem(i) for i in range(self.problems.topLevelItemCount())
                    if self._is_tree_choice(self.problems.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole))),
                   None)  # fmt: skip
        self.problems.blockSignals(True)  # the tree has it selected already
        try:
            if row is not None:
                self.problems.setCurrentItem(row)
            else:
                self.problems.clearSelection()
        finally:
            self.problems.blockSignals(False)
        self._show_detail(self.problems.currentItem())

    def _is_tree_choice(self, finding) -> bool:
        if self._tree_choice is None or finding is None:
            return False
        key, tree_finding = self._tree_choice
        return (key is not None and finding.checkpoint_key == key) or (
            tree_finding is not None and tree_finding is finding
        )

    def _current_changed(self, item: QTreeWidgetItem | None, _previous) -> None:
        self._show_detail(item)
        if item is not None:
            self.entry_selected.emit(item.data(0, Qt.ItemDataRole.UserRole))

    def _fit_problems(self) -> None:
        """Status, variable and shapes whole where the width allows, the suggestion the
        rest and at least SUGGESTION_SHARE (cut at its end, whole in its tooltip and the
        pane under the table); a narrow table's variable gives way (cut in the middle,
        or to its end), never the status or shapes (the suggestion given way first had
        kept 4 characters: the causes could not be scanned), down to VARIABLE_LEAST_CHARS;
        a suggestion left fewer than SUGGESTION_LEAST_CHARS is hidden (a column of "t"s
        says nothing): the pane under the table shows it."""
        table = self.problems
        table.setColumnHidden(SUGGESTION_COLUMN, False)
        fit_beside_last(table, least_share=SUGGESTION_SHARE, keep=(STATUS_COLUMN, SHAPES_COLUMN))
        char = table.fontMetrics().averageCharWidth()
        wanted = table.sizeHintForColumn(VARIABLE_COLUMN)
        # (what the names need as ElideDelegate measures them: a column sized to Qt's hint
        # for "dense_1/kernel" left the delegate 3 px short, and it showed "…/kernel")
        least = max(min(wanted, VARIABLE_LEAST_CHARS * char), min(self._names_need(), VARIABLE_MOST_CHARS * char))
        if table.columnWidth(VARIABLE_COLUMN) < least:
            table.setColumnWidth(VARIABLE_COLUMN, least)
        others = sum(table.columnWidth(c) for c in (STATUS_COLUMN, VARIABLE_COLUMN, SHAPES_COLUMN))
        if table.viewport().width() - others < SUGGESTION_LEAST_CHARS * char:
            table.setColumnHidden(SUGGESTION_COLUMN, True)
            room = table.viewport().width() - table.columnWidth(STATUS_COLUMN) - table.columnWidth(SHAPES_COLUMN)
            table.setColumnWidth(VARIABLE_COLUMN, max(min(wanted, room), table.header().minimumSectionSize()))

    def _names_need(self) -> int:
        """The width the variable column needs to show each row's name whole when short
        (VARIABLE_LEAST_CHARS characters at most), else its layer form or shortest own form (ElideDelegate)."""
        metrics, ends, need = self.problems.fontMetrics(), self.cut_names.ends, 0
        layers = self.cut_names.layers
        for row in range(self.problems.topLevelItemCount()):
            name = self.problems.topLevelItem(row).text(VARIABLE_COLUMN)
            found = ends.get(name)
            if len(name) <= VARIABLE_LEAST_CHARS or found is None:
                shortest = name
            else:  # its layer form, which every cut name with a layer number shows (layer_ends)
                shortest = layers.get(name) or min(found.forms, key=len)
            need = max(need, metrics.horizontalAdvance(shortest))
        return need + TEXT_MARGINS + 1  # (elidedText's measure rounds a fraction of a pixel up)

    def _show_detail(self, item: QTreeWidgetItem | None) -> None:
        finding = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        self.detail.setText(finding_html(finding, self.palette()) if finding is not None else "")

    def _item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.entry_selected.emit(item.data(0, Qt.ItemDataRole.UserRole))
