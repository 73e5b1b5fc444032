"""The restore report as Markdown, for bug reports and notes (the app's Copy as Markdown)."""

from __future__ import annotations

from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import STATUS_WORDS, RestoreFinding, RestoreReport


def markdown(report: RestoreReport) -> str:
    """The report as Markdown, for bug reports and notes."""
    lines = [f"# Restore diagnosis: {report.checkpoint}", "", f"Script: `{report.script}`", ""]
    # What it was made with, as the app's report header says it (review 23 #8: left out).
    ran = f", ran in {report.seconds:.1f} s" if report.seconds else ""
    lines += [f"Python: `{report.python}` (TensorFlow {report.tensorflow_version or '?'}){ran}", ""]
    error = report.error
    if error is not None:
        lines += [f"**The attempt failed: {error.kind}: {error.message}**", "", "```", error.traceback, "```"]
        if error.output:
            heading, _, output = error.output_text().partition("\n")
            lines += ["", heading, "", "```", output, "```"]
        return "\n".join(lines) + "\n"
    if report.better_series is not None:  # before the verdict: the rows below are about the wrong series
        lines += [f"> **Another series fits better.** {report.better_series.sentence()}", ""]
    verdict = "everything the model needs was restored" if report.ok else "the restore is incomplete"
    lines += [f"**Result: {verdict}.**", ""]
    lines += ["| Status | Count |", "|---|---:|"] + _markdown_counts(report)
    lines += ["", f"{report.tensorflow.speaker}: {report.tensorflow.verdict}"]
    if report.tensorflow.message:
        lines += ["", "```", shortened_message(report.tensorflow.message), "```"]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    if report.problems:
        lines += [
            "",
            "## Variables needing attention",
            "",
            "| Status | Checkpoint key | Model path | Shapes | Suggestions |",
        ]
        lines += ["|---|---|---|---|---|"]
        lines += [_markdown_row(v) for v in report.problems]
    return "\n".join(lines) + "\n"


MESSAGE_LINES = 12  # TensorFlow's message in the report: what it says, not pages of it


def shortened_message(message: str) -> str:
    """TensorFlow's message as the report gives it: at most MESSAGE_LINES lines, saying
    how many more there were (the child leaves the variables' value dumps out of it:
    protocol.first_lines)."""
    lines = message.splitlines()
    if len(lines) <= MESSAGE_LINES:
        return "\n".join(lines)
    return "\n".join([*lines[:MESSAGE_LINES], f"... ({len(lines) - MESSAGE_LINES} more lines)"])


def _markdown_counts(report: RestoreReport) -> list[str]:
    """The summary's rows in the app's words; matching values TensorFlow did not assign
    (it stopped at its first error) are not counted as restored (counts_text says so too)."""
    rows = []
    for status, n in report.summary.items():
        held = sum(1 for v in report.variables if v.held_back) if status == RestoreStatus.CONSUMED else 0
        if n - held:
            rows.append(f"| {STATUS_WORDS[status]} | {n - held} |")
        if held:
            rows.append(f"| matching, not restored ({report.held_reason}) | {held} |")
    return rows


def _markdown_row(v: RestoreFinding) -> str:
    shapes = f"{_shape_or_dash(v.checkpoint_shape)} / {_shape_or_dash(v.model_shape)}"
    key, path = v.checkpoint_key or "-", v.model_path or "-"
    if v.optimizer and v.checkpoint_name and v.model_path and not v.model_name:
        # A slot named by its variable, as the app's table and the tree name it: that name
        # in the model-path column (its optimizer path beside it), the key alone in the
        # key column; the name had gone in the key column, before the key (review 22 #6).
        path = f"{v.checkpoint_name} ({path})"
    elif v.checkpoint_name and v.optimizer and not v.model_name:  # a slot the model lacks: its name beside the key
        key = f"{key} ({v.checkpoint_name})"
    elif v.checkpoint_name:  # a Keras file: the weight's name before its HDF5 path
        key = f"{v.checkpoint_name} ({key})"
    elif v.checkpoint_path and v.checkpoint_path != v.model_path:  # what the key was saved as, beside it
        key = f"{key} ({v.checkpoint_path})"
    if v.model_name:
        path = f"{v.model_name} ({path})"
    cells = [STATUS_WORDS[v.status], key, path, shapes, "<br>".join(v.suggestions)]
    return "| " + " | ".join(cells) + " |"


def _shape_or_dash(shape) -> str:
    return format_shape(shape) if shape is not None else "-"
