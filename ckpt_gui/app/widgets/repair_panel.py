"""The repair dialog: the proposed plan as a table the user edits (repair_lines: accept
or reject each line, retarget a value, keep-initial or copy-overlap for a shape
conflict) under a headline counting it, the current line whole under the table, then
the writing's progress and the verification's outcome. It only draws and says what the
user asked for; the repair controller does the work.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.repair_lines import COLUMNS, REASON, UNWRITABLE, RepairLines
from ckpt_gui.core.format.conventions import without_attributes
from ckpt_gui.repair.notes import restore_verdict, target_named, value_counts, verification_counts
from ckpt_gui.repair.plan import RepairPlan, named, shown_reason

REASON_ROOM = 420  # what the dialog leaves its Reason column when it grows to show the others whole
SCREEN_SHARE = 0.9  # the dialog grows to this share of the screen's width at most


class RepairDialog(QDialog):
    save_requested = Signal()
    load_requested = Signal()
    write_requested = Signal()
    cancel_requested = Signal()
    open_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Repair checkpoint")
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.table = RepairLines()
        self.line = QLabel()  # the current line whole: its value's name, its key, target, reason
        self.line.setWordWrap(True)
        self.line.setTextFormat(Qt.TextFormat.RichText)
        self.line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_line(row))
        self.table.retarget_said.connect(self._say)
        self.table.edited.connect(self._on_edited)
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

    @property
    def plan(self) -> RepairPlan | None:
        return self.table.plan

    def show_plan(self, plan: RepairPlan, names: dict[str, str] | None = None,
                  paths: dict[str, str] | None = None) -> None:  # fmt: skip
        """``names``: what each source key is in the checkpoint's object graph (source_names),
        said under the table; ``paths``: each key's readable path (source_paths), shown in
        its row (else the key without ``/.ATTRIBUTES/VARIABLE_VALUE``), and beside each key
        in the plan it saves (plan.named)."""
        plan = named(plan, paths or {})
        self._say("")
        self.open_button.hide()
        self.table.show_plan(plan, names or {}, paths or {})
        self._grow_to_fit()
        self.table.fit_columns()
        self.table.setCurrentCell(-1, -1)
        self._show_line(-1)
        self._count()

    def edited_plan(self) -> RepairPlan:
        """The plan as the user left it (RepairLines.edited_plan)."""
        return self.table.edited_plan()

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

    def _show_line(self, row: int) -> None:
        """The current line whole under the table (its cells are cut to one line each)."""
        lines = self.table
        if self.plan is None or not 0 <= row < len(lines.entries):
            self.line.setText("Select a line to read it whole.")
            return
        entry = lines.entries[row]
        # The value named first, as the Source column, the plan file's source_name and the
        # repair's notes name it, its key in parentheses (review 14: the key led, in bold).
        # What it is in the object graph (source_names) after its name, when it says more.
        shown, name = lines.source_text(entry.source_key), lines.names.get(entry.source_key)
        what = f", {html.escape(name)}" if name and name != shown else ""
        key = f" ({html.escape(entry.source_key)})" if shown != entry.source_key else ""
        parts = [f"<b>{html.escape(shown)}</b>{what}{key}"]
        if entry.target:
            named = lines.target_text(entry.target)  # a slot by its variable, its optimizer path beside it
            parts.append(f"\u2192 {html.escape(named)}" + (f" ({html.escape(entry.target)})" if named != entry.target
                                                             else ""))  # fmt: skip
        reason = html.escape(shown_reason(entry))  # as its Reason cell: what the line does
        problem = lines.problems.get(entry.source_key)
        if problem:
            reason += f"<br><b>{html.escape(UNWRITABLE)}</b>{html.escape(problem)}"
        self.line.setText(" ".join(parts) + f"<br>{reason}")

    def refuse_write(self, message: str) -> None:
        """Write was refused by the plan check (``message``, naming keys, the plan file's
        words): said as the table says it, the line named by its number and Source (review
        13 #2c), and that line selected."""
        first = self.table.first_problem()
        if first is None:
            self.show_error(message)
            return
        row, problem = first
        self.show_error(f"line {row + 1} ({self.table.source_text(self.table.entries[row].source_key)}) "
                        f"cannot be written: {problem}")  # fmt: skip
        self.layout().activate()  # the table's height under the refusal said
        self.table.keep_in_view(row, REASON)

    def _on_edited(self, row: int, column: int) -> None:
        self._count()
        # The line under the table says the edited row, in its new words (a chosen
        # copy-overlap names its block), before the layout: what it says sets the table's height.
        if self.table.currentRow() != row:  # an Action combo takes the click, not the table
            self.table.setCurrentCell(row, column)
        else:
            self._show_line(row)
        self.layout().activate()  # the table's new height now (the line under it grew), not at the next turn
        self.table.keep_in_view(row, column)

    def _count(self) -> None:
        if self.plan is None:
            return
        edited = self.edited_plan()
        counts = edited.counts()
        summary = ", ".join(f"{n:,} {action}" for action, n in counts.items() if n)
        refused = self.table.mark_problems(edited)
        self.headline.setText(
            f"Repair plan for <b>{html.escape(self.plan.source)}</b>: {summary}. Each checked line is done as its "
            "Action says (a drop line's value is left out of the new checkpoint); uncheck a line to leave its "
            "value out too, double-click a target to retarget it. Nothing is ever reshaped."
            + (f" <b>{refused:,} line{'s' if refused != 1 else ''} cannot be written</b> (\u2716 in the reason)."
               if refused else "")
        )  # fmt: skip
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
    # A value named as the dialog's Source column named it (its key is in repair.json).
    targets = {e.target: target_named(e) for e in outcome.plan.entries if e.target}  # a slot by its variable
    lines += [f"{html.escape(c.result)}: {html.escape(_shown(outcome, c.source_key))} \u2192 "
              f"{html.escape(targets.get(c.target, c.target))}"
              for c in outcome.checks if c.result not in ("equal", "overlap")]  # fmt: skip
    lines += [f"not restored from the new checkpoint: {html.escape(label)}" for label in outcome.unconsumed]
    lead, said = restore_verdict(outcome.plan)
    # Bold "Verified" only where old values were kept: a checkpoint of fresh variables is no success to cheer.
    lead = f"<b>{lead}</b>" if lead == "Verified" else lead
    lines.append(f"{lead}{html.escape(said)}." if outcome.ok else "<b>NOT verified</b>: see the lines above.")
    lines += [f"<b>Note</b>: {html.escape(note)}" for note in outcome.notes()]
    return "<br>".join(lines)


def _shown(outcome, key: str) -> str:
    return outcome.names.get(key) or without_attributes(key)
