"""The restore report: verdicts, a legend that filters the tree, notes, problems with
suggestions, the script's error, and re-run / export buttons."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import status_style, theme
from ckpt_gui.app.widgets.column_widths import fit_beside_last, refit_on_resize
from ckpt_gui.app.widgets.elided_names import TEXT_MARGINS
from ckpt_gui.app.widgets.focus_ring import FocusRing
from ckpt_gui.app.widgets.layouts import FlowLayout
from ckpt_gui.app.widgets.report_attempt import AttemptStates
from ckpt_gui.app.widgets.report_panes import (
    VARIABLE_COLUMN,
    ElideDelegate,
    OneLine,
    Reshare,
    scrolling,
    share_room,
)
from ckpt_gui.app.widgets.report_texts import (
    bullets,
    error_text,
    finding_html,
    headline_html,
    names_tip,
    ordered_notes,
    provenance,
    provenance_tip,
    shapes_pair_text,
)
from ckpt_gui.core.statuses import JSON_SCHEMA, RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreReport

# Status and variable to their contents within these widths; the shapes always
# whole (a cut shape reads as another shape: "[1…28]"); the suggestion takes the
# rest, and the pane under the table shows the selected problem in full.
STATUS_COLUMN, SHAPES_COLUMN, SUGGESTION_COLUMN = 0, 2, 3
DETAIL_MIN_LINES = 3  # the detail pane's least height (it scrolls beyond what it gets)
NOTES_MIN_LINES = 2  # the notes' least height, unless dragged shut
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
# Before any attempt: what the doctor does, in one sentence (and the button that starts it).
INTRODUCTION = (
    "The restore doctor runs your model script in a separate Python with TensorFlow, restores this "
    "checkpoint into the model it builds, and lists what did not fit, with how to fix it."
)
TICK_MS = 1000  # the running attempt's elapsed seconds, updated this often


class ReportPanel(AttemptStates, QWidget):
    rerun_requested = Signal()
    choose_script_requested = Signal()
    status_filter_changed = Signal(object)  # set of RestoreStatus, or None for all
    entry_selected = Signal(object)  # the RestoreFinding the user clicked
    export_requested = Signal(str, str)  # path, "json" or "md": the controller writes it
    export_asked = Signal(str)  # "json" or "md": the controller asks where, then writes it
    repair_requested = Signal()  # the user wants the repair plan of this report

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.report: RestoreReport | None = None
        self.headline = QLabel(INTRODUCTION)
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.phase = OneLine()
        self.phase.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.mute(self.phase)
        # While an attempt runs over a shown report: whose that report is (it stays, dimmed).
        self.previous = QLabel()
        self.previous.setWordWrap(True)
        self.previous.hide()
        self._made_at = ""  # when the shown report came, HH:MM
        # No report yet: the one button that starts an attempt (what Ctrl+D does), no empty panes.
        self.start_button = QPushButton("Choose model script...")
        self.start_button.setToolTip("Pick the Python script that builds your model (Restore > Diagnose restore..., "
                                     "Ctrl+D)")  # fmt: skip
        self.start_button.clicked.connect(self.choose_script_requested)
        start_row = QHBoxLayout()
        start_row.addWidget(self.start_button)
        start_row.addStretch(1)
        # A running attempt: its phase and the seconds it has taken, counted while it runs
        # (importing TensorFlow alone takes 10-40 s on a busy machine).
        self._running_phase = ""
        self._running_since = 0.0
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._show_running_phase)
        self.legend_row = QHBoxLayout()
        self.legend: dict[RestoreStatus, QToolButton] = {}
        # The comparison's chips (status_style.chip_css): the same control, framed alike and
        # its focus the same dashed frame; it had Qt's thin solid one here (review 19, F13).
        for status in status_style.ORDER:
            button = QToolButton()
            button.setCheckable(True)
            button.setToolTip("Show only these variables in the tree (click again for all)")
            button.setStyleSheet(status_style.chip_css(status, self.palette(), status_style.STYLES))
            button.toggled.connect(lambda _on, s=status: self._legend_toggled(s))
            self.legend[status] = button
            self.legend_row.addWidget(button)
        self.legend_row.addStretch(1)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notes_area = scrolling(self.notes, NOTES_MIN_LINES * self.fontMetrics().lineSpacing())
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
        # Notes, table and pane share their room; the user moves the lines between them.
        # On a small screen the notes may be dragged shut: the table matters more.
        self.problem_split = QSplitter(Qt.Orientation.Vertical)
        for pane, stretch in ((self.notes_area, 2), (self.problems, 3), (self.detail_area, 2)):
            self.problem_split.addWidget(pane)
            self.problem_split.setStretchFactor(self.problem_split.count() - 1, stretch)
        self.problem_split.setChildrenCollapsible(False)
        self.problem_split.setCollapsible(0, True)
        self._reshare = Reshare(self.problem_split, self._share_room)  # shared again when its height changes
        self.error = QPlainTextEdit()
        self.error.setReadOnly(True)
        self.error.setStyleSheet("font-family: monospace;")
        self.error.hide()

        self.rerun_button = QPushButton("Re-run")
        self.rerun_button.setToolTip("Run the attempt again with the script as it is now (Ctrl+R)")
        self.script_button = QPushButton("Choose script...")
        self.auto_rerun = QCheckBox("Re-run on save")
        self.auto_rerun.setToolTip("Re-run the attempt whenever the script is saved")
        self.repair_button = QPushButton("Repair...")
        self.repair_button.setToolTip("A repair plan from this diagnosis: write a remapped copy your model restores")
        # One button, two formats: both buttons side by side set a wide least width.
        self.export_button = QPushButton("Export...")
        self.export_button.setToolTip("Save the report as JSON (what diagnose --json prints) or Markdown")
        export_menu = QMenu(self.export_button)
        self.export_json = export_menu.addAction("JSON...")
        self.export_md = export_menu.addAction("Markdown...")
        self.export_button.setMenu(export_menu)
        for control in (self.rerun_button, self.export_json, self.export_md, self.export_button, self.repair_button):
            control.setEnabled(False)
        self.button_row = QWidget()  # hidden with no attempt made, and while one runs
        buttons = FlowLayout(self.button_row)  # one row that wraps when the pane is narrow
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.rerun_button, self.script_button, self.auto_rerun, self.repair_button, self.export_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.headline)
        layout.addLayout(start_row)
        layout.addWidget(self.phase)
        layout.addWidget(self.previous)
        layout.addLayout(self.legend_row)
        layout.addWidget(self.error, 1)
        layout.addWidget(self.problem_split, 1)
        self._filler = QWidget()  # takes the room when there is neither table nor error
        layout.addWidget(self._filler, 1)
        layout.addWidget(self.button_row)
        theme.follow(self)
        self.rerun_button.clicked.connect(self.rerun_requested)
        self.script_button.clicked.connect(self.choose_script_requested)
        self.repair_button.clicked.connect(self.repair_requested)
        self.export_json.triggered.connect(lambda: self._export("json"))
        self.export_md.triggered.connect(lambda: self._export("md"))
        self._focus_back: QWidget | None = None  # the button an attempt hid while it had the focus
        self.clear()

    # -- states ---------------------------------------------------------------------------

    def show_report(self, report: RestoreReport) -> None:
        self._tick.stop()
        self._made_at = time.strftime("%H:%M")
        self._dim(False)
        self.start_button.hide()
        self._show_buttons(report=True)
        self.report = report
        self.phase.setText(provenance(report))
        self.phase.setToolTip(provenance_tip(report))
        self.rerun_button.setEnabled(True)
        for control in (self.export_json, self.export_md, self.export_button):
            control.setEnabled(True)
        error = report.error
        self.repair_button.setEnabled(error is None and not report.ok)
        self.error.setVisible(error is not None)
        self.headline.setText(headline_html(report))
        if error is not None:
            self.error.setPlainText(error_text(error))
            self._show_legend({})
            self._show_notes(report)
            self._fill_problems(None)
            self._focus_after_attempt()
            return
        self._show_legend(report.summary, consumed_word=status_style.NOT_ASSIGNED if report.held_back else "")
        self._show_notes(report)
        self.notes.setToolTip(report.tensorflow.message[:4000])
        self._fill_problems(report)
        self._focus_after_attempt()
        self._reshare.moved = False
        QTimer.singleShot(0, self._share_room)  # once the new texts are laid out

    def _show_notes(self, report: RestoreReport) -> None:
        """The causes first, the routine lines last and muted; a new report's notes
        from their top (a re-run had kept the last one's scroll, the cause out of view)."""
        notes, routine = ordered_notes(report)
        self.notes.setText(bullets(notes, routine, self.palette()))
        for area in (self.notes_area, self.detail_area):
            area.verticalScrollBar().setValue(0)

    def follow_palette(self) -> None:
        """Status colours readable on the new palette (theme.follow calls this)."""
        for status, button in self.legend.items():
            button.setStyleSheet(status_style.chip_css(status, self.palette(), status_style.STYLES))
        if self.report is not None:
            self.headline.setText(headline_html(self.report))
            notes, routine = ordered_notes(self.report)
            self.notes.setText(bullets(notes, routine, self.palette()))
            for i in range(self.problems.topLevelItemCount()):
                item = self.problems.topLevelItem(i)
                item.setForeground(0, status_style.colour(item.data(0, Qt.ItemDataRole.UserRole).status))
            self._show_detail(self.problems.currentItem())

    def clear(self, message: str = "", can_rerun: bool = False) -> None:
        """No report: ``message`` (why, or what the last report was for) or what the
        doctor does, and the button to choose the model script (with ``can_rerun``, the
        Re-run row: the script is known); no empty panes."""
        self._tick.stop()
        self.report = None
        self.headline.setText(message or INTRODUCTION)
        self.phase.setText("")
        self._hide_report()
        self._dim(False)
        for control in (self.export_json, self.export_md, self.export_button, self.repair_button):
            control.setEnabled(False)
        if can_rerun:
            self._show_buttons(report=False)
        else:
            self.start_button.show()
            self.button_row.hide()
        self._focus_after_attempt()

    # -- internals --------------------------------------------------------------------------

    def _hide_report(self) -> None:
        self.notes.setText("")
        self.error.hide()
        self._fill_problems(None)
        self._show_legend({})

    def _show_buttons(self, report: bool) -> None:
        """The row under a report, or after a cancelled attempt (Re-run, another script)."""
        self.start_button.hide()
        self.repair_button.setVisible(report)
        self.export_button.setVisible(report)
        self.button_row.show()

    def _show_legend(self, summary: dict[RestoreStatus, int], consumed_word: str = "") -> None:
        """``consumed_word``: what to call matching values when TensorFlow did not assign
        them all ("matches" rather than "restored")."""
        for status, button in self.legend.items():
            count = summary.get(status, 0)
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
            word = consumed_word if status == RestoreStatus.CONSUMED else ""
            button.setText(f"{status_style.label(status, word=word)}  {count:,}")
            button.setVisible(bool(count))

    def _legend_toggled(self, status: RestoreStatus) -> None:
        chosen = {s for s, button in self.legend.items() if button.isChecked()}
        self.status_filter_changed.emit(chosen or None)

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

    def _show_panes(self) -> None:
        """Notes when there are some, table and detail when there are problems; the
        filler takes the room when there is nothing (nor an error) to show."""
        notes, findings = bool(self.notes.text()), self.problems.topLevelItemCount() > 0
        self.notes_area.setVisible(notes)
        self.problems.setVisible(findings)
        self.detail_area.setVisible(findings)
        self.problem_split.setVisible(notes or findings)
        self._filler.setVisible(not (notes or findings) and not self.error.isVisibleTo(self))

    def _share_room(self) -> None:
        """The notes their room first, then the detail, the table the rest (report_panes.share_room)."""
        if self.notes_area.isVisible() and self.problems.isVisible():  # else one pane takes it all
            share_room(self.problem_split, self.notes_area, self.problems, self.detail_area)

    def _show_detail(self, item: QTreeWidgetItem | None) -> None:
        finding = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        self.detail.setText(finding_html(finding, self.palette()) if finding is not None else "")

    def _item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.entry_selected.emit(item.data(0, Qt.ItemDataRole.UserRole))

    def _export(self, kind: str) -> None:
        if self.report is None:
            return
        self.export_asked.emit(kind)  # the doctor asks where: outside the checkpoint's folder

    def export_text(self, kind: str) -> str:
        """The report as the JSON document `diagnose --json` prints (indented) or Markdown."""
        if kind == "json":
            return json.dumps({"schema": JSON_SCHEMA, **self.report.to_json()}, indent=2)
        from ckpt_gui.diagnosis.report_markdown import markdown  # noqa: PLC0415 - the diagnosis machinery: not at launch

        return markdown(self.report)
