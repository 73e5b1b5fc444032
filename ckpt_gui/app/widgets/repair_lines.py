"""The repair plan's lines as a table the user edits: accept or reject each line,
retarget a value (the line becomes at once what its new target makes it), keep-initial
or copy-overlap for a shape conflict; each line the writer would refuse marked. The
repair dialog (repair_panel) shows it with its headline, the current line whole and the
writing; this table only keeps the lines as the user has them.
"""

from __future__ import annotations

import dataclasses
import difflib
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem

from ckpt_gui.app import status_style
from ckpt_gui.app.widgets.column_widths import fit_beside_last, refit_on_resize
from ckpt_gui.app.widgets.distinct_names import SHOWN_ROLE, DistinctElided, distinct_ends
from ckpt_gui.app.widgets.row_room import RoomyRows
from ckpt_gui.app.widgets.target_editor import TargetEditor
from ckpt_gui.core.format.conventions import without_attributes
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.tree import natural_key
from ckpt_gui.repair.notes import LEFT_OUT
from ckpt_gui.repair.overlap_ties import follow_overlap, unfollowed, value_name
from ckpt_gui.repair.plan import (
    WRITES,
    Action,
    InitialVariable,
    PlanEntry,
    RepairPlan,
    entry_misfit,
    placed,
    plan_problems,
    shown_reason,
    with_action,
)

COLUMNS = ["Accept", "Source", "Action", "Target", "Reason"]  # a source shows its path, not its key
REASON_SHARE = 0.2  # of the table's width, what a narrow dialog's Reason column keeps at least
ACCEPT, SOURCE, ACTION, TARGET, REASON = range(len(COLUMNS))
CONFLICT_CHOICES = (Action.KEEP_INITIAL, Action.COPY_OVERLAP)  # never a silent reshape: the user picks
REJECTED = "rejected by the user"
CHOSEN = "chosen by you"  # a target the user gave: the row's reason from then on (with a conflict, if any)
UNWRITABLE = "\u2716 cannot be written: "  # a symbol and words, not colour alone


class RepairLines(QTableWidget):
    # The user changed a line (its row and the column edited): the dialog counts again and
    # keeps the row in view.
    edited = Signal(int, int)
    # What the dialog's result line says of a retarget (rich text): why it was not made,
    # or "" once one was.
    retarget_said = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.plan: RepairPlan | None = None
        # Each line as the user has it (retargets and chosen actions applied, at once: review
        # 12 saw a retargeted drop line still read "drop" and its old reason); the Accept
        # boxes apply on top (edited_plan).
        self.entries: list[PlanEntry] = []
        self.variables: dict[str, tuple] = {}  # the model's variables the plan knows: (shape, dtype)
        self.problems: dict[str, str] = {}  # what the writer would refuse, by source key (plan_problems)
        self.names: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.target_names: dict[str, str] = {}  # an optimizer slot's target by its variable (PlanEntry.target_name)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.horizontalHeaderItem(SOURCE).setToolTip(
            "The checkpoint value, by its variable's path; its key is in its tooltip and under the table"
        )
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # One line a row, so a screenful of lines shows (at 1024x640 keys wrapped to four
        # lines a row: 7 of 35 showed): keys and targets cut in the middle, reasons at
        # their end, each whole in its tooltip and, for the current row, under the table.
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setItemDelegateForColumn(REASON, _EndElided(self))
        # A source shows its readable path (source_paths: "…/_operations/1/_kernel", not
        # "…/_trainable_variables/0/…"), whole key in its tooltip and under the table; a
        # cut path or target keeps the part that tells it from the other rows': cut in the
        # middle, a BatchNorm layer's moving_mean and moving_variance both read
        # "model/_function…/VARIABLE_VALUE".
        self.sources = DistinctElided(self)
        self.targets = TargetEditor(self._target_choices, self)
        self.setItemDelegateForColumn(SOURCE, self.sources)
        self.setItemDelegateForColumn(TARGET, self.targets)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(max(self.fontMetrics().height() + 8, QComboBox().sizeHint().height()))
        self.itemChanged.connect(self._on_item_changed)
        refit_on_resize(self, self.fit_columns)

    def show_plan(self, plan: RepairPlan, names: dict[str, str], paths: dict[str, str]) -> None:
        """The plan's lines as proposed (or loaded), every one checked."""
        self.plan = plan
        self.entries = list(plan.entries)
        self.variables = plan.model_variables()
        self.names = names
        self.paths = paths
        self.blockSignals(True)
        self.setRowCount(len(plan.entries))
        self.sources.ends = distinct_ends(self.source_text(entry.source_key) for entry in plan.entries)
        self.target_names = {e.target: e.target_name for e in plan.entries if e.target and e.target_name}
        self.targets.ends = distinct_ends(self.target_text(entry.target) for entry in plan.entries if entry.target)
        for row, entry in enumerate(plan.entries):
            self._fill_row(row, entry)
        self.blockSignals(False)

    def fit_columns(self) -> None:
        # Keys and targets give way first when narrow, down to what leaves the reason
        # REASON_SHARE: its start says the kind of line ("shape conflict", "optimizer
        # state"), the line under the table says it whole; at 1024x640 the default 30% had
        # cut the paths beside it to "…/moving_variance", their layer lost.
        fit_beside_last(self, least_share=REASON_SHARE, keep=(ACCEPT, ACTION))

    def source_text(self, key: str) -> str:
        """A value as the Source column shows it: its readable path, else its key without
        its attributes."""
        return self.paths.get(key) or without_attributes(key)

    def target_text(self, target: str) -> str:
        """A target as the Target column shows it: an optimizer slot by its variable's path
        and slot, as the doctor's table names it (review 20, G10), else its path."""
        return self.target_names.get(target) or target

    def _show_target(self, row: int, target: str | None) -> None:
        """The Target cell of ``target``: its text the path (what the editor edits), shown
        as target_text, the path in its tooltip when the two differ."""
        item = self.item(row, TARGET)
        item.setText(target or "")
        shown = self.target_text(target) if target else ""
        item.setData(SHOWN_ROLE, shown if shown != (target or "") else None)
        retarget = "Double-click to retarget: pick the model variable this value goes to"
        item.setToolTip(f"{target} (the optimizer's path)\n{retarget}" if item.data(SHOWN_ROLE) else retarget)

    def keep_in_view(self, row: int, column: int) -> None:
        """The edited line stays the current one, and in view: what its edit says under the
        table (the line whole, a refusal) grows and the table shrinks under it, and the row
        had gone out of view below with nothing selected to find it by (review 13, 71).
        Called once the dialog has laid the table out at its new height."""
        if self.currentRow() != row:  # an Action combo takes the click, not the table
            self.setCurrentCell(row, column)
        self.scrollTo(self.model().index(row, column))

    # -- a line's cells ---------------------------------------------------------------------

    def _fill_row(self, row: int, entry: PlanEntry) -> None:
        accept = QTableWidgetItem()
        accept.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        accept.setCheckState(Qt.CheckState.Checked)
        self.setItem(row, ACCEPT, accept)
        name = self.names.get(entry.source_key)
        shown = self.source_text(entry.source_key)
        tip = "\n".join(filter(None, [entry.source_key, name, _shape_tip(entry.source_shape, entry.source_dtype)]))
        self.setItem(row, SOURCE, _fixed(shown, tip))
        self.setItem(row, TARGET, QTableWidgetItem())
        self._show_target(row, entry.target)
        self._fill_action(row, entry)

    def _fill_action(self, row: int, entry: PlanEntry) -> None:
        """The line's Action and Reason cells: a conflict offers keep-initial or copy-overlap."""
        self.item(row, ACCEPT).setToolTip(
            "Checked: the line is done as its Action says; unchecked: its value is left out of the new checkpoint"
            if entry.action != Action.DROP
            else "A drop line: its value is left out of the new checkpoint unless you give it a target"
        )
        self.removeCellWidget(row, ACTION)
        if entry.action in CONFLICT_CHOICES:
            choice = QComboBox()
            for action in CONFLICT_CHOICES:
                choice.addItem(action.value, action)
            choice.setCurrentIndex(CONFLICT_CHOICES.index(entry.action))
            choice.setToolTip("A conflict: keep the model's initial value, or copy the overlapping block")
            refused = entry_misfit(dataclasses.replace(entry, action=Action.COPY_OVERLAP), self.source_text)
            # Nor a block of a removed layer's weights, which the reason says is not proposed (review 16, 4);
            # a plan file that asks for it anyway keeps its choice, the other one still open.
            refused = refused or entry.overlap_not_offered or entry.not_writable  # a partitioned target
            if refused is not None:  # not offered what the writer refuses (a plan loaded with it is marked)
                overlap = choice.model().item(CONFLICT_CHOICES.index(Action.COPY_OVERLAP))
                overlap.setEnabled(False)
                overlap.setToolTip(refused)
                choice.setToolTip(f"A conflict: keeps the model's initial value (copy-overlap not offered: {refused})")
            choice.currentIndexChanged.connect(lambda _i, row=row: self._choose(row))
            self.setCellWidget(row, ACTION, choice)
            self.setItem(row, ACTION, _fixed(""))
        else:
            self.setItem(row, ACTION, _fixed(entry.action.value))
        self.setItem(row, REASON, _fixed(shown_reason(entry), shown_reason(entry)))

    # -- the user's edits -------------------------------------------------------------------

    def _choose(self, row: int) -> None:
        action = Action(self.cellWidget(row, ACTION).currentData())  # Qt hands the enum back as text
        # Its reason says what the choice does ("copy-overlap copies [:, :10] of the old ..."),
        # no longer which line it followed: the user chose on it.
        self.entries[row] = entry = with_action(unfollowed(self.entries[row]), action)
        # The lines one resize ties to it (the layer's bias, the next layer's kernel, their
        # slots) take a copy-overlap too: the kernel's overlap beside a bias left initial was
        # a layer half old, half fresh (review 20, G9). Keep-initial is not carried over:
        # a line may still be set back on its own.
        followed = follow_overlap(self.entries, row) if action == Action.COPY_OVERLAP else []
        self.blockSignals(True)  # not an edit of the user's: the line's own words
        try:
            self.setItem(row, REASON, _fixed(shown_reason(entry), shown_reason(entry)))
            for other in followed:
                self._show_choice(other)
        finally:
            self.blockSignals(False)
        if followed:
            names = ", ".join(html.escape(value_name(self.entries[o])) for o in followed)
            self.retarget_said.emit(f"<b>copy-overlap also chosen</b> for the {len(followed)} line"
                                    f"{'s' if len(followed) != 1 else ''} the same resize ties to "
                                    f"{html.escape(value_name(entry))}: {names}")  # fmt: skip
        self.edited.emit(row, ACTION)

    def _show_choice(self, row: int) -> None:
        """A line's Action box and Reason as its entry now says (a tied line that followed)."""
        entry = self.entries[row]
        box = self.cellWidget(row, ACTION)
        if box is not None:
            box.blockSignals(True)
            box.setCurrentIndex(CONFLICT_CHOICES.index(entry.action))
            box.blockSignals(False)
        self.setItem(row, REASON, _fixed(shown_reason(entry), shown_reason(entry)))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == TARGET:
            self.blockSignals(True)  # the row's cells are refilled: no change of theirs is the user's
            try:
                said = self._retarget(item.row(), item.text().strip() or None)
            finally:
                self.blockSignals(False)
            if said is not None:
                self.retarget_said.emit(said)
        self.edited.emit(item.row(), item.column())

    def _retarget(self, row: int, target: str | None) -> str | None:
        """The line becomes what its new target makes it, at once: a map when the value
        fits, a conflict offering keep-initial or copy-overlap when it does not (plan.placed,
        the planner's own rule), a drop when the target is cleared. A name the model does
        not have is refused here, before any TensorFlow runs. What the result line is to
        say (retarget_said), or None for nothing."""
        entry = self.entries[row]
        # A slot typed by the name the column shows it by: its path.
        target = next((path for path, name in self.target_names.items() if name == target), target)
        if target == entry.target:
            self._show_target(row, target)  # the text as it was (the path), shown by its name
            return None
        if target is None:
            moved = dataclasses.replace(entry, action=Action.DROP, target=None, target_shape=None,
                                        target_dtype=None, reason=REJECTED)  # fmt: skip
        elif target not in self.variables:
            self._show_target(row, entry.target)
            return f"<b>Not retargeted</b>: {html.escape(_unknown(target, self.variables))}"
        else:
            shape, dtype = self.variables[target]
            moved = placed(entry, target, shape, dtype, CHOSEN)
            moved = dataclasses.replace(moved, target_name=self.target_names.get(target))
            claimer = None if moved.action in WRITES else self._written_by(row, target)
            if claimer is not None:
                # Typed, a target another line writes got through (the list leaves those out) as
                # keep-initial, which plan_problems does not count: the new checkpoint held the other
                # line's value there, unmarked (review 13 #2a). A second write is marked as the writer
                # refuses it (plan_problems); a keep-initial onto a written target is refused here.
                self._show_target(row, entry.target)
                source = html.escape(self.source_text(self.entries[claimer].source_key))
                said = f"{html.escape(target)} is written by line {claimer + 1} ({source})"
                return f"<b>Not retargeted</b>: {said}: uncheck that line or retarget it first"
        self.entries[row] = moved
        self._show_target(row, moved.target)
        self._fill_action(row, moved)
        self.targets.ends = distinct_ends(self.target_text(e.target) for e in self.entries if e.target)
        return ""

    def _written_by(self, row: int, target: str) -> int | None:
        """The other line that writes ``target`` in the plan as edited (the writes
        plan_problems counts: a checked map or copy-overlap), or None."""
        edited = self.edited_plan().entries
        return next((i for i, e in enumerate(edited) if i != row and e.action in WRITES and e.target == target), None)

    def _target_choices(self, row: int) -> list[tuple[str, str]]:
        """The model's variables no other line writes, the row's own target first, each
        with its shape and dtype to pick the one the value fits."""
        written = {
            e.target for i, e in enumerate(self.entries) if i != row and e.action in (Action.MAP, Action.COPY_OVERLAP)
        }
        own = self.entries[row].target
        free = sorted((v for v in self.variables if v not in written and v != own), key=natural_key)
        return [(name, _shape_tip(*self.variables.get(name, (None, None)))) for name in ([own, *free] if own else free)]

    # -- the plan as edited ----------------------------------------------------------------------

    def edited_plan(self) -> RepairPlan:
        """The plan as the user left it: rejected lines dropped, targets as edited, the
        chosen action for each shape conflict."""
        plan = self.plan
        entries = tuple(self._edited_entry(row, entry) for row, entry in enumerate(self.entries))
        written = {e.target for e in entries if e.action in (Action.MAP, Action.COPY_OVERLAP)}
        known = {v.target: v for v in plan.initial}
        for entry in plan.entries:
            if entry.target and entry.target not in known:
                named = self.target_names.get(entry.target)  # a slot by its variable, as the Target column
                known[entry.target] = InitialVariable(entry.target, LEFT_OUT, entry.target_shape, entry.target_dtype,
                                                      named)  # fmt: skip
        initial = tuple(v for target, v in sorted(known.items()) if target not in written)
        return dataclasses.replace(plan, entries=entries, initial=initial)

    def _edited_entry(self, row: int, entry: PlanEntry) -> PlanEntry:
        if self.item(row, ACCEPT).checkState() == Qt.CheckState.Checked or entry.action == Action.DROP:
            return entry
        return dataclasses.replace(entry, action=Action.DROP, target=None, reason=REJECTED)

    def first_problem(self) -> tuple[int, str] | None:
        """The first line the writer would refuse in the plan as edited, and why (values
        named as the Source column names them), or None."""
        edited = self.edited_plan()
        problems = plan_problems(edited, self.source_text)
        if not problems:
            return None
        key, problem = problems[0]
        return next(r for r, e in enumerate(edited.entries) if e.source_key == key), problem

    def mark_problems(self, edited: RepairPlan) -> int:
        """Each line the writer would refuse says why in its Reason, in the conflict colour
        (the same check Write makes before TensorFlow runs, and the child with the values),
        naming values as the Source column does; how many lines are marked."""
        # The first problem of a line is said.
        self.problems = problems = dict(reversed(plan_problems(edited, self.source_text)))
        warning = status_style.colour(RestoreStatus.SHAPE_CONFLICT, palette=self.palette())
        self.blockSignals(True)
        for row, entry in enumerate(self.entries):
            cell = self.item(row, REASON)
            problem = problems.get(entry.source_key)
            text = f"{UNWRITABLE}{problem}" if problem else shown_reason(entry)
            if cell is not None and cell.text() != text:
                cell.setText(text)
                cell.setToolTip(text)
                cell.setData(Qt.ItemDataRole.ForegroundRole, warning if problem else None)
        self.blockSignals(False)
        return len(problems)


class _EndElided(RoomyRows):
    """A reason cut at its end (the table cuts keys and targets in the middle)."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


def _fixed(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        item.setToolTip(tip)
    return item


def _unknown(target: str, variables: dict) -> str:
    """Why a typed target is refused, with the nearest names the model has."""
    near = difflib.get_close_matches(target, list(variables), n=3, cutoff=0.6)
    said = f"the model has no variable {target}"
    return said + (f" (similar: {', '.join(near)})" if near else "") + ": pick one from the Target list"


def _shape_tip(shape, dtype) -> str:
    return f"{list(shape) if shape is not None else '?'} {dtype or ''}".strip()
