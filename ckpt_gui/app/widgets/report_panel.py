"""The restore report: verdicts, a legend that filters the tree, notes, problems with
suggestions, the script's error, and re-run / export buttons."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import status_style, theme
from ckpt_gui.app.widgets.layouts import fit_columns
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import JSON_SCHEMA, RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreReport
from ckpt_gui.diagnosis.report import markdown

# Status, variable and shapes to their contents within these widths; the suggestion
# (a sentence, whole in its tooltip) takes the rest.
PROBLEM_COLUMN_LIMITS = {0: 120, 1: 260, 2: 220}


class ReportPanel(QWidget):
    rerun_requested = Signal()
    choose_script_requested = Signal()
    status_filter_changed = Signal(object)  # set of RestoreStatus, or None for all
    entry_selected = Signal(object)  # the RestoreFinding the user clicked
    export_requested = Signal(str, str)  # path, "json" or "md": the controller writes it

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.report: RestoreReport | None = None
        self.headline = QLabel("No restore attempt yet. Restore > Diagnose restore... picks your model script.")
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.phase = QLabel()
        theme.mute(self.phase)
        self.legend_row = QHBoxLayout()
        self.legend: dict[RestoreStatus, QToolButton] = {}
        for status in status_style.ORDER:
            button = QToolButton()
            button.setCheckable(True)
            button.setToolTip("Show only these variables in the tree (click again for all)")
            button.setStyleSheet(f"QToolButton {{ color: {status_style.STYLES[status][2]}; }}")
            button.toggled.connect(lambda _on, s=status: self._legend_toggled(s))
            self.legend[status] = button
            self.legend_row.addWidget(button)
        self.legend_row.addStretch(1)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setMaximumHeight(110)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QTreeWidget()
        self.problems.setHeaderLabels(["Status", "Variable", "Checkpoint / model", "Suggestion"])
        self.problems.setRootIsDecorated(False)
        self.problems.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # paths differ at their ends
        self.problems.setWordWrap(True)
        self.problems.itemClicked.connect(self._item_clicked)
        self.error = QPlainTextEdit()
        self.error.setReadOnly(True)
        self.error.setStyleSheet("font-family: monospace;")
        self.error.hide()

        self.rerun_button = QPushButton("Re-run")
        self.rerun_button.setToolTip("Run the attempt again with the script as it is now (Ctrl+R)")
        self.script_button = QPushButton("Choose script...")
        self.auto_rerun = QCheckBox("Re-run when the script is saved")
        self.export_json = QPushButton("Export JSON...")
        self.export_md = QPushButton("Export Markdown...")
        for button in (self.rerun_button, self.export_json, self.export_md):
            button.setEnabled(False)
        run_row = QHBoxLayout()  # two rows: one would set the window's least width
        run_row.addWidget(self.rerun_button)
        run_row.addWidget(self.script_button)
        run_row.addWidget(self.auto_rerun)
        run_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_json)
        buttons.addWidget(self.export_md)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.headline)
        layout.addWidget(self.phase)
        layout.addLayout(self.legend_row)
        layout.addWidget(self.notes)
        layout.addWidget(self.error, 1)
        layout.addWidget(self.problems, 1)
        layout.addLayout(run_row)
        layout.addLayout(buttons)
        theme.follow(self)
        self.rerun_button.clicked.connect(self.rerun_requested)
        self.script_button.clicked.connect(self.choose_script_requested)
        self.export_json.clicked.connect(lambda: self._export("json"))
        self.export_md.clicked.connect(lambda: self._export("md"))
        self._show_legend({})

    # -- states ---------------------------------------------------------------------------

    def show_running(self, script: str) -> None:
        self.headline.setText(f"Trying the restore with <b>{html.escape(script)}</b>...")
        self.phase.setText("starting")
        self.rerun_button.setEnabled(False)

    def show_phase(self, phase: str) -> None:
        self.phase.setText(f"{phase}...")

    def show_cancelled(self) -> None:
        self.headline.setText("The restore attempt was cancelled.")
        self.phase.setText("")
        self.rerun_button.setEnabled(True)

    def show_report(self, report: RestoreReport) -> None:
        self.report = report
        self.phase.setText(f"{report.seconds:.1f} s with TensorFlow {report.tensorflow_version or '?'}")
        self.rerun_button.setEnabled(True)
        self.export_json.setEnabled(True)
        self.export_md.setEnabled(True)
        error = report.error
        self.error.setVisible(error is not None)
        self.problems.setVisible(error is None)
        if error is not None:
            self.headline.setText(
                f"<b style='color:#D55E00'>The attempt failed: {html.escape(error.kind)}</b>: "
                f"{html.escape(error.message)}"
            )
            self.error.setPlainText(error.traceback or error.message)
            self._show_legend({})
            self.notes.setText(_bullets(report.notes))
            return
        if report.ok:
            headline = "<b style='color:#009E73'>\u2714 Everything the model needs was restored.</b>"
        else:
            headline = "<b style='color:#D55E00'>\u2716 The restore is incomplete.</b>"
        verdict = html.escape(report.tensorflow.verdict)
        self.headline.setText(f"{headline} &nbsp; TensorFlow: {verdict}")
        self._show_legend(report.summary, consumed_word=status_style.NOT_ASSIGNED if report.held_back else "")
        notes = list(report.notes)
        message = report.tensorflow.message
        if message:  # its start (it can dump whole protos and tensors); all of it on hover and in exports
            brief = " ".join(message.split())
            notes.append("TensorFlow said: " + (brief if len(brief) <= 300 else brief[:300] + "\u2026"))
        self.notes.setText(_bullets(notes))
        self.notes.setToolTip(message[:4000])
        self._fill_problems(report)
        fit_columns(self.problems, PROBLEM_COLUMN_LIMITS, names_first=False)

    def clear(self, message: str = "") -> None:
        self.report = None
        self.headline.setText(message or "No restore attempt yet.")
        self.phase.setText("")
        self.notes.setText("")
        self.problems.clear()
        self.error.hide()
        self._show_legend({})
        for button in (self.export_json, self.export_md):
            button.setEnabled(False)

    # -- internals --------------------------------------------------------------------------

    def _show_legend(self, summary: dict[RestoreStatus, int], consumed_word: str = "") -> None:
        """``consumed_word``: what to call matching values when TensorFlow did not assign
        them all ("matches" rather than "restored")."""
        for status, button in self.legend.items():
            count = summary.get(status, 0)
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
            word = consumed_word if status == RestoreStatus.CONSUMED else ""
            button.setText(f"{status_style.label(status, word=word)}  {count}")
            button.setVisible(bool(count))

    def _legend_toggled(self, status: RestoreStatus) -> None:
        chosen = {s for s, button in self.legend.items() if button.isChecked()}
        self.status_filter_changed.emit(chosen or None)

    def _fill_problems(self, report: RestoreReport) -> None:
        self.problems.clear()
        for finding in report.problems:
            stored = _shape(finding.checkpoint_shape, finding.checkpoint_dtype)
            wanted = _shape(finding.model_shape, finding.model_dtype)
            item = QTreeWidgetItem([status_style.label(finding.status), finding.label, f"{stored} / {wanted}",
                                    "\n".join(finding.suggestions)])  # fmt: skip
            item.setForeground(0, status_style.colour(finding.status))
            item.setToolTip(1, finding.checkpoint_key or "")
            item.setToolTip(3, "\n".join(finding.suggestions))
            item.setData(0, Qt.ItemDataRole.UserRole, finding)
            self.problems.addTopLevelItem(item)

    def _item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.entry_selected.emit(item.data(0, Qt.ItemDataRole.UserRole))

    def _export(self, kind: str) -> None:
        if self.report is None:
            return
        suffix = "json" if kind == "json" else "md"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export restore report", f"restore-report.{suffix}",
            "JSON (*.json)" if kind == "json" else "Markdown (*.md)",
        )  # fmt: skip
        if path:
            self.export_requested.emit(path, kind)

    def export_text(self, kind: str) -> str:
        """The report as the JSON document `diagnose --json` prints (indented) or Markdown."""
        if kind == "json":
            return json.dumps({"schema": JSON_SCHEMA, **self.report.to_json()}, indent=2)
        return markdown(self.report)


def _bullets(lines: list[str]) -> str:
    return "".join(f"&bull; {html.escape(line)}<br>" for line in lines)


def _shape(shape: tuple[int, ...] | None, dtype: str | None) -> str:
    if shape is None:
        return "-"
    return f"{format_shape(shape)} {dtype or ''}".strip()
