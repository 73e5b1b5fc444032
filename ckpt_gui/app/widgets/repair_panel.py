"""The repair dialog: the proposed plan as a table the user edits (accept or reject each
line, retarget a value, keep-initial or copy-overlap for a shape conflict), then the
writing's progress and the verification's outcome. It only draws and says what the
user asked for; the repair controller does the work.
"""

from __future__ import annotations

import dataclasses
import difflib
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ckpt_gui.app import status_style, theme
from ckpt_gui.app.widgets.column_widths import fit_beside_last, refit_on_resize
from ckpt_gui.app.widgets.distinct_names import DistinctElided, distinct_ends
from ckpt_gui.app.widgets.row_room import RoomyRows
from ckpt_gui.app.widgets.target_editor import TargetEditor
from ckpt_gui.core.format.conventions import without_attributes
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.tree import natural_key
from ckpt_gui.repair.notes import LEFT_OUT, restored_values, value_counts, verification_counts
from ckpt_gui.repair.plan import (
    WRITES,
    Action,
    InitialVariable,
    PlanEntry,
    RepairPlan,
    entry_misfit,
    placed,
    plan_problems,
)

COLUMNS = ["Accept", "Source", "Action", "Target", "Reason"]  # a source shows its path, not its key
REASON_ROOM = 420  # what the dialog leaves its Reason column when it grows to show the others whole
REASON_SHARE = 0.2  # of the table's width, what a narrow dialog's Reason column keeps at least
SCREEN_SHARE = 0.9  # the dialog grows to this share of the screen's width at most
ACCEPT, SOURCE, ACTION, TARGET, REASON = range(len(COLUMNS))
CONFLICT_CHOICES = (Action.KEEP_INITIAL, Action.COPY_OVERLAP)  # never a silent reshape: the user picks
REJECTED = "rejected by the user"
CHOSEN = "chosen by you"  # a target the user gave: the row's reason from then on (with a conflict, if any)
UNWRITABLE = "\u2716 cannot be written: "  # a symbol and words, not colour alone


class RepairDialog(QDialog):
    save_requested = Signal()
    load_requested = Signal()
    write_requested = Signal()
    cancel_requested = Signal()
    open_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Repair checkpoint")
        self.plan: RepairPlan | None = None
        # Each line as the user has it (retargets and chosen actions applied, at once: review
        # 12 saw a retargeted drop line still read "drop" and its old reason); the Accept
        # boxes apply on top (edited_plan).
        self.entries: list[PlanEntry] = []
        self.variables: dict[str, tuple] = {}  # the model's variables the plan knows: (shape, dtype)
        self.problems: dict[str, str] = {}  # what the writer would refuse, by source key (plan_problems)
        self.names: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeaderItem(SOURCE).setToolTip(
            "The checkpoint value, by its variable's path; its key is in its tooltip and under the table"
        )
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # One line a row, so a screenful of lines shows (at 1024x640 keys wrapped to four
        # lines a row: 7 of 35 showed): keys and targets cut in the middle, reasons at
        # their end, each whole in its tooltip and, for the current row, under the table.
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setItemDelegateForColumn(REASON, _EndElided(self.table))
        # A source shows its readable path (source_paths: "…/_operations/1/_kernel", not
        # "…/_trainable_variables/0/…"), whole key in its tooltip and under the table; a
        # cut path or target keeps the part that tells it from the other rows': cut in the
        # middle, a BatchNorm layer's moving_mean and moving_variance both read
        # "model/_function…/VARIABLE_VALUE".
        self.sources = DistinctElided(self.table)
        self.targets = TargetEditor(self._target_choices, self.table)
        self.table.setItemDelegateForColumn(SOURCE, self.sources)
        self.table.setItemDelegateForColumn(TARGET, self.targets)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(max(self.fontMetrics().height() + 8, QComboBox().sizeHint().height()))
        self.line = QLabel()  # the current line whole: key, its name, target, reason
        self.line.setWordWrap(True)
        self.line.setTextFormat(Qt.TextFormat.RichText)
        self.line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_line(row))
        self.table.itemChanged.connect(self._on_item_changed)
        refit_on_resize(self.table, self._fit_columns)
        self.phase = QLabel()
        theme.mute(self.phase)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # the attempt reports phases, not fractions
        self.cancel_button = QPushButton("Cancel")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QPushButton("Save plan...")
        self.load_button = QPushButton("Load plan...")
        self.write_button = QPushButton("Write repaired checkpoint...")
        self.open_button = QPushButton("Open repaired checkpoint")
        self.close_button = QPushButton("Close")
        running = QHBoxLayout()
        running.addWidget(self.phase, 1)
        running.addWidget(self.progress)
        running.addWidget(self.cancel_button)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.load_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.write_button, self.open_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.line)
        layout.addLayout(running)
        layout.addWidget(self.result)
        # Shown only when it says something: empty, it and its spacing kept ~20 px under
        # the table while the table's last line needed scrolling (review 12 #16d).
        self.result.hide()
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save_requested)
        self.load_button.clicked.connect(self.load_requested)
        self.write_button.clicked.connect(self.write_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.close_button.clicked.connect(self.close)
        self._show_running(False)
        self.open_button.hide()
        self.resize(980, 520)

    # -- the plan ---------------------------------------------------------------------------

    def show_plan(self, plan: RepairPlan, names: dict[str, str] | None = None,
                  paths: dict[str, str] | None = None) -> None:  # fmt: skip
        """``names``: what each source key is in the checkpoint's object graph (source_names),
        said under the table; ``paths``: each key's readable path (source_paths), shown in
        its row (else the key without ``/.ATTRIBUTES/VARIABLE_VALUE``)."""
        self.plan = plan
        self.entries = list(plan.entries)
        self.variables = plan.model_variables()
        self.names = names or {}
        self.paths = paths or {}
        self._say("")
        self.open_button.hide()
        self.table.blockSignals(True)
        self.table.setRowCount(len(plan.entries))
        self.sources.ends = distinct_ends(self._source_text(entry.source_key) for entry in plan.entries)
        self.targets.ends = distinct_ends(entry.target for entry in plan.entries if entry.target)
        for row, entry in enumerate(plan.entries):
            self._fill_row(row, entry)
        self.table.blockSignals(False)
        self._grow_to_fit()
        self._fit_columns()
        self.table.setCurrentCell(-1, -1)
        self._show_line(-1)
        self._count()

    def _grow_to_fit(self) -> None:
        """Wider, up to SCREEN_SHARE of the screen, when keys and targets want more room
        than the dialog has (a large screen left them cut beside a cut reason)."""
        wanted = sum(self.table.sizeHintForColumn(c) for c in range(len(COLUMNS) - 1)) + REASON_ROOM
        wanted += self.width() - self.table.viewport().width()  # the dialog's margins and the scroll bar
        room = self._room()
        width = min(wanted, int(room.width() * SCREEN_SHARE)) if room is not None else wanted
        if width > self.width():
            self.resize(width, self.height())

    def _room(self):
        """The available geometry of the screen the dialog opens on: its window's (the
        dialog, made once, may have been sized on another screen, or before the screen changed)."""
        window = self.parentWidget().window() if self.parentWidget() is not None else self
        screen = window.screen() or self.screen()
        return screen.availableGeometry() if screen is not None else None

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._fit_screen()

    def _fit_screen(self) -> None:
        """At most SCREEN_SHARE of the screen each way, and on it (at 1024x640 too)."""
        room = self._room()
        if room is None:
            return
        frame = self.frameGeometry()  # the window manager's frame counts too
        width = min(self.width(), int(room.width() * SCREEN_SHARE) - (frame.width() - self.width()))
        height = min(self.height(), int(room.height() * SCREEN_SHARE) - (frame.height() - self.height()))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.x(), room.x()), room.right() - frame.width() + 1)
        y = min(max(frame.y(), room.y()), room.bottom() - frame.height() + 1)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def _fit_columns(self) -> None:
        # Keys and targets give way first when narrow, down to what leaves the reason
        # REASON_SHARE: its start says the kind of line ("shape conflict", "optimizer
        # state"), the line under the table says it whole; at 1024x640 the default 30% had
        # cut the paths beside it to "…/moving_variance", their layer lost.
        fit_beside_last(self.table, least_share=REASON_SHARE, keep=(ACCEPT, ACTION))

    def _show_line(self, row: int) -> None:
        """The current line whole under the table (its cells are cut to one line each)."""
        if self.plan is None or not 0 <= row < len(self.entries):
            self.line.setText("Select a line to read it whole.")
            return
        entry = self.entries[row]
        name = self.names.get(entry.source_key)
        parts = [f"<b>{html.escape(entry.source_key)}</b>" + (f" ({html.escape(name)})" if name else "")]
        if entry.target:
            parts.append(f"\u2192 {html.escape(entry.target)}")
        reason = html.escape(entry.reason)
        problem = self.problems.get(entry.source_key)
        if problem:
            reason += f"<br><b>{html.escape(UNWRITABLE)}</b>{html.escape(problem)}"
        self.line.setText(" ".join(parts) + f"<br>{reason}")

    def _source_text(self, key: str) -> str:
        return self.paths.get(key) or without_attributes(key)

    def _fill_row(self, row: int, entry: PlanEntry) -> None:
        accept = QTableWidgetItem()
        accept.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        accept.setCheckState(Qt.CheckState.Checked)
        self.table.setItem(row, ACCEPT, accept)
        name = self.names.get(entry.source_key)
        shown = self._source_text(entry.source_key)
        tip = "\n".join(filter(None, [entry.source_key, name, _shape_tip(entry.source_shape, entry.source_dtype)]))
        self.table.setItem(row, SOURCE, _fixed(shown, tip))
        target = QTableWidgetItem(entry.target or "")
        target.setToolTip("Double-click to retarget: pick the model variable this value goes to")
        self.table.setItem(row, TARGET, target)
        self._fill_action(row, entry)

    def _fill_action(self, row: int, entry: PlanEntry) -> None:
        """The line's Action and Reason cells: a conflict offers keep-initial or copy-overlap."""
        self.table.item(row, ACCEPT).setToolTip(
            "Checked: the line is done as its Action says; unchecked: its value is left out of the new checkpoint"
            if entry.action != Action.DROP
            else "A drop line: its value is left out of the new checkpoint unless you give it a target"
        )
        self.table.removeCellWidget(row, ACTION)
        if entry.action in CONFLICT_CHOICES:
            choice = QComboBox()
            for action in CONFLICT_CHOICES:
                choice.addItem(action.value, action)
            choice.setCurrentIndex(CONFLICT_CHOICES.index(entry.action))
            choice.setToolTip("A conflict: keep the model's initial value, or copy the overlapping block")
            refused = entry_misfit(dataclasses.replace(entry, action=Action.COPY_OVERLAP), self._source_text)
            if refused is not None:  # not offered what the writer refuses (a plan loaded with it is marked)
                overlap = choice.model().item(CONFLICT_CHOICES.index(Action.COPY_OVERLAP))
                overlap.setEnabled(False)
                overlap.setToolTip(refused)
            choice.currentIndexChanged.connect(lambda _i, row=row: self._choose(row))
            self.table.setCellWidget(row, ACTION, choice)
            self.table.setItem(row, ACTION, _fixed(""))
        else:
            self.table.setItem(row, ACTION, _fixed(entry.action.value))
        self.table.setItem(row, REASON, _fixed(entry.reason, entry.reason))

    def _choose(self, row: int) -> None:
        action = Action(self.table.cellWidget(row, ACTION).currentData())  # Qt hands the enum back as text
        self.entries[row] = dataclasses.replace(self.entries[row], action=action)
        self._count()
        self._keep_in_view(row, ACTION)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == TARGET:
            self.table.blockSignals(True)  # the row's cells are refilled: no change of theirs is the user's
            try:
                self._retarget(item.row(), item.text().strip() or None)
            finally:
                self.table.blockSignals(False)
        self._count()
        self._keep_in_view(item.row(), item.column())

    def _keep_in_view(self, row: int, column: int) -> None:
        """The edited line stays the current one, and in view: what its edit says under the
        table (the line whole, a refusal) grows and the table shrinks under it, and the row
        had gone out of view below with nothing selected to find it by (review 13, 71)."""
        if self.table.currentRow() != row:  # an Action combo takes the click, not the table
            self.table.setCurrentCell(row, column)
        self.layout().activate()  # the table's new height now, not at the next turn
        self.table.scrollTo(self.table.model().index(row, column))

    def _retarget(self, row: int, target: str | None) -> None:
        """The line becomes what its new target makes it, at once: a map when the value
        fits, a conflict offering keep-initial or copy-overlap when it does not (plan.placed,
        the planner's own rule), a drop when the target is cleared. A name the model does
        not have is refused here, before any TensorFlow runs."""
        entry = self.entries[row]
        if target == entry.target:
            return
        if target is None:
            moved = dataclasses.replace(entry, action=Action.DROP, target=None, target_shape=None,
                                        target_dtype=None, reason=REJECTED)  # fmt: skip
        elif target not in self.variables:
            self.table.item(row, TARGET).setText(entry.target or "")
            self._say(f"<b>Not retargeted</b>: {html.escape(_unknown(target, self.variables))}")
            return
        else:
            shape, dtype = self.variables[target]
            moved = placed(entry, target, shape, dtype, CHOSEN)
            claimer = None if moved.action in WRITES else self._written_by(row, target)
            if claimer is not None:
                # Typed, a target another line writes got through (the list leaves those out) as
                # keep-initial, which plan_problems does not count: the new checkpoint held the other
                # line's value there, unmarked (review 13 #2a). A second write is marked as the writer
                # refuses it (plan_problems); a keep-initial onto a written target is refused here.
                self.table.item(row, TARGET).setText(entry.target or "")
                source = html.escape(self._source_text(self.entries[claimer].source_key))
                self._say(f"<b>Not retargeted</b>: {html.escape(target)} is written by line {claimer + 1} "
                          f"({source}): uncheck that line or retarget it first")  # fmt: skip
                return
        self.entries[row] = moved
        self._fill_action(row, moved)
        self.targets.ends = distinct_ends(e.target for e in self.entries if e.target)
        self._say("")

    def _written_by(self, row: int, target: str) -> int | None:
        """The other line that writes ``target`` in the plan as edited (the writes
        plan_problems counts: a checked map or copy-overlap), or None."""
        edited = self.edited_plan().entries
        return next((i for i, e in enumerate(edited) if i != row and e.action in WRITES and e.target == target), None)

    def _target_choices(self, row: int) -> list[tuple[str, str]]:
        """The model's variables no other line writes, the row's own target first, each
        with its shape and dtype (its tooltip) to pick the one the value fits."""
        written = {
            e.target for i, e in enumerate(self.entries) if i != row and e.action in (Action.MAP, Action.COPY_OVERLAP)
        }
        own = self.entries[row].target
        free = sorted((v for v in self.variables if v not in written and v != own), key=natural_key)
        return [(name, _shape_tip(*self.variables.get(name, (None, None)))) for name in ([own, *free] if own else free)]

    def refuse_write(self, message: str) -> None:
        """Write was refused by the plan check (``message``, naming keys, the plan file's
        words): said as the table says it, the line named by its number and Source (review
        13 #2c), and that line selected."""
        edited = self.edited_plan()
        problems = plan_problems(edited, self._source_text)
        if not problems:
            self.show_error(message)
            return
        key, problem = problems[0]
        row = next(r for r, e in enumerate(edited.entries) if e.source_key == key)
        self.show_error(f"line {row + 1} ({self._source_text(key)}) cannot be written: {problem}")
        self.table.setCurrentCell(row, REASON)

    def edited_plan(self) -> RepairPlan:
        """The plan as the user left it: rejected lines dropped, targets as edited, the
        chosen action for each shape conflict."""
        plan = self.plan
        entries = tuple(self._edited_entry(row, entry) for row, entry in enumerate(self.entries))
        written = {e.target for e in entries if e.action in (Action.MAP, Action.COPY_OVERLAP)}
        known = {v.target: v for v in plan.initial}
        for entry in plan.entries:
            if entry.target and entry.target not in known:
                known[entry.target] = InitialVariable(entry.target, LEFT_OUT,
                                                      entry.target_shape, entry.target_dtype)  # fmt: skip
        initial = tuple(v for target, v in sorted(known.items()) if target not in written)
        return dataclasses.replace(plan, entries=entries, initial=initial)

    def _edited_entry(self, row: int, entry: PlanEntry) -> PlanEntry:
        if self.table.item(row, ACCEPT).checkState() == Qt.CheckState.Checked or entry.action == Action.DROP:
            return entry
        return dataclasses.replace(entry, action=Action.DROP, target=None, reason=REJECTED)

    def _count(self) -> None:
        if self.plan is None:
            return
        edited = self.edited_plan()
        counts = edited.counts()
        summary = ", ".join(f"{n:,} {action}" for action, n in counts.items() if n)
        # The first problem of a line is said, naming values as the Source column does.
        self._mark_problems(dict(reversed(plan_problems(edited, self._source_text))))
        refused = len(self.problems)
        self.headline.setText(
            f"Repair plan for <b>{html.escape(self.plan.source)}</b>: {summary}. Each checked line is done as its "
            "Action says (a drop line's value is left out of the new checkpoint); uncheck a line to leave its "
            "value out too, double-click a target to retarget it. Nothing is ever reshaped."
            + (f" <b>{refused:,} line{'s' if refused != 1 else ''} cannot be written</b> (\u2716 in the reason)."
               if refused else "")
        )  # fmt: skip

    def _mark_problems(self, problems: dict[str, str]) -> None:
        """Each line the writer would refuse says why in its Reason, in the conflict colour
        (the same check Write makes before TensorFlow runs, and the child with the values)."""
        self.problems = problems
        warning = status_style.colour(RestoreStatus.SHAPE_CONFLICT, palette=self.table.palette())
        self.table.blockSignals(True)
        for row, entry in enumerate(self.entries):
            cell = self.table.item(row, REASON)
            problem = problems.get(entry.source_key)
            text = f"{UNWRITABLE}{problem}" if problem else entry.reason
            if cell is not None and cell.text() != text:
                cell.setText(text)
                cell.setToolTip(text)
                cell.setData(Qt.ItemDataRole.ForegroundRole, warning if problem else None)
        self.table.blockSignals(False)
        self._show_line(self.table.currentRow())

    # -- writing ------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        """The result line: shown only when it has something to say."""
        self.result.setText(text)
        self.result.setVisible(bool(text))

    def show_running(self) -> None:
        self._say("")
        self.open_button.hide()
        self._show_running(True)
        self.phase.setText("starting")

    def show_phase(self, phase: str) -> None:
        self.phase.setText(f"{phase}...")

    def show_error(self, message: str) -> None:
        """Why what the user asked for was refused (a folder the write guard protects, a
        broken plan): in the dialog, which stays on top of the window's banner."""
        self._show_running(False)
        self.open_button.hide()
        self._say(f"<b>Not done</b>: {html.escape(message)}")

    def show_result(self, text: str, ok: bool) -> None:
        """The outcome (rich text); ``ok``: the verification passed, the new checkpoint can be opened."""
        self._show_running(False)
        self._say(text)
        self.open_button.setVisible(ok)

    def _show_running(self, running: bool) -> None:
        for widget in (self.phase, self.progress, self.cancel_button):
            widget.setVisible(running)
        for widget in (self.write_button, self.load_button, self.table):
            widget.setEnabled(not running)


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


def outcome_html(outcome) -> str:
    """The writing's outcome (a RepairOutcome): where it went, and the verification."""
    if outcome.error is not None:
        return f"<b>Writing failed</b>: {html.escape(outcome.error.kind)}: {html.escape(outcome.error.message[:600])}"
    verification = outcome.verification
    summary = verification_counts(verification) if verification else ""
    lines = [
        f"Written: <b>{html.escape(outcome.written or '')}</b>",
        f"Verification (the doctor on the new checkpoint): {html.escape(summary)}",
        f"Values: {html.escape(value_counts(outcome.checks))}",
    ]
    lines += [f"{html.escape(c.result)}: {html.escape(c.source_key)} \u2192 {html.escape(c.target)}"
              for c in outcome.checks if c.result not in ("equal", "overlap")]  # fmt: skip
    lines += [f"not restored from the new checkpoint: {html.escape(label)}" for label in outcome.unconsumed]
    lines.append(
        "<b>Verified</b>: every model variable restores from the new checkpoint"
        f" ({html.escape(restored_values(outcome.plan))})."
        if outcome.ok
        else "<b>NOT verified</b>: see the lines above."
    )
    lines += [f"<b>Note</b>: {html.escape(note)}" for note in outcome.notes()]
    return "<br>".join(lines)
