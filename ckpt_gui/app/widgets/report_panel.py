"""The restore report: verdicts, a legend that filters the tree, notes, problems with
suggestions (their table: report_problems.py), the script's error, and re-run / export
buttons."""

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
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import status_style, theme
from ckpt_gui.app.widgets.layouts import FlowLayout
from ckpt_gui.app.widgets.report_attempt import AttemptStates
from ckpt_gui.app.widgets.report_panes import OneLine, Reshare, scrolling, share_room
from ckpt_gui.app.widgets.report_problems import ProblemTable
from ckpt_gui.app.widgets.report_series import OtherSeriesLine
from ckpt_gui.app.widgets.report_texts import (
    bullets,
    error_text,
    headline_html,
    ordered_notes,
    provenance,
    provenance_parts,
    provenance_tip,
)
from ckpt_gui.core.statuses import JSON_SCHEMA, RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreReport

NOTES_MIN_LINES = 2  # the notes' least height, unless dragged shut
# Before any attempt: what the doctor does, in one sentence (and the button that starts it).
INTRODUCTION = (
    "The restore doctor runs your model script in a separate Python with TensorFlow, restores this "
    "checkpoint into the model it builds, and lists what did not fit, with how to fix it."
)
TICK_MS = 1000  # the running attempt's elapsed seconds, updated this often


REPAIR_HOW = "A repair plan from this diagnosis: write a remapped copy your model restores"


class ReportPanel(AttemptStates, ProblemTable, QWidget):
    rerun_requested = Signal()
    choose_script_requested = Signal()
    status_filter_changed = Signal(object)  # set of RestoreStatus, or None for all
    entry_selected = Signal(object)  # the RestoreFinding the user clicked
    export_requested = Signal(str, str)  # path, "json" or "md": the controller writes it
    export_asked = Signal(str)  # "json" or "md": the controller asks where, then writes it
    repair_requested = Signal()  # the user wants the repair plan of this report
    other_series_requested = Signal(str)  # diagnose this checkpoint (a better series) with the same script

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
        # Another series of the folder fits the model better: said above the rows, with its button.
        self.other_series = OtherSeriesLine()
        self.other_series.diagnose_requested.connect(self.other_series_requested)
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
        self._make_problem_table()
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
        self.repair_button.setToolTip(REPAIR_HOW)
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
        layout.addWidget(self.other_series)
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
        self.phase.set_path_line(provenance(report), provenance_parts(report))
        self.phase.setToolTip(provenance_tip(report))
        self.rerun_button.setEnabled(True)
        for control in (self.export_json, self.export_md, self.export_button):
            control.setEnabled(True)
        error = report.error
        self.repair_button.setEnabled(error is None and not report.ok)
        self.error.setVisible(error is not None)
        self.headline.setText(headline_html(report))
        self.other_series.show_for(report)
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
        self.other_series.follow_palette()
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
        self.other_series.show_for(None)
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
