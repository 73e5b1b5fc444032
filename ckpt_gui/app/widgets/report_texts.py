"""The restore report's texts: the headline, the provenance line, one problem in full,
the notes as bullets."""

from __future__ import annotations

import html
import os
import re

from ckpt_gui.app import status_style, theme
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.attempt_errors import in_app_words
from ckpt_gui.diagnosis.findings import BLOCKING, RestoreFinding, RestoreReport


def headline_html(report: RestoreReport) -> str:
    error = report.error
    if error is not None:
        return (
            f"<b style='color:{status_style.css(RestoreStatus.SHAPE_CONFLICT)}'>The attempt failed: "
            f"{html.escape(error.kind)}</b>: {html.escape(breakable(in_app_words(error.message)))}"
        )
    choice = report.checkpoint_choice
    short = choice.short_warning() if choice is not None else None
    if report.ok:
        headline = status_style.css(RestoreStatus.CONSUMED), "\u2714 Everything the model needs was restored."
    elif short and not any(v.status in BLOCKING for v in report.variables):
        # The checkpoint diagnosed restores, but not the one the user's script picks: said first
        # (review 20, G1: a green "Everything ... was restored" where the script restores nothing).
        name = os.path.basename(report.checkpoint)
        headline = status_style.css(RestoreStatus.SHAPE_CONFLICT), f"\u2716 {name} restores, but your script's {short}."
    else:
        headline = status_style.css(RestoreStatus.SHAPE_CONFLICT), "\u2716 The restore is incomplete."
    verdict = html.escape(breakable(report.tensorflow.verdict))
    return f"<b style='color:{headline[0]}'>{headline[1]}</b> &nbsp; {report.tensorflow.speaker}: {verdict}"


LONGEST_UNBROKEN = 40  # characters of one word before a wrapped label may break it


def breakable(text: str) -> str:
    """``text`` with a break allowed every LONGEST_UNBROKEN characters of a long word:
    a wrapped label is as wide as its longest word, and one message of 200 unbroken
    characters had made the window 1747 px wide."""
    return re.sub(rf"(\S{{{LONGEST_UNBROKEN}}})(?=\S)", "\\1\u200b", text)


def provenance(report: RestoreReport) -> str:
    """Which script, run by which interpreter (and TensorFlow), for how long: a report
    must say what it was made with. Breaks allowed after each / of the paths."""
    before, path, afters = provenance_parts(report)
    return f"{before}{path}{afters[0]}".replace("/", "/\u200b")


def provenance_parts(report: RestoreReport) -> tuple[str, str, tuple[str, ...]]:
    """The provenance line as the text before the interpreter's path, the path (what
    gives way, cut in its middle: whole in the tooltip), and the text after it, longest
    form first: the TensorFlow version stays whole (the line had been cut in its middle,
    "with /tmp/re... 2.21.0)", review 22, #10); the import's part says why "15.1 s"
    passed an 8 s limit with no timeout (review 21, 4), its shorter forms only the time,
    then nothing (the tooltip says it)."""
    version = report.tensorflow_version or "?"
    script = os.path.basename(report.script)  # the whole path in the tooltip
    before = f"{script} ran in {report.seconds:.1f} s with "
    after = f" (TensorFlow {version})"
    if report.import_seconds < IMPORT_WORTH_SAYING_S:
        return before, report.python, (after,)
    imported = f"; import {report.import_seconds:.1f} s"
    return before, report.python, (f"{after}{imported}, outside the time limit", f"{after}{imported}", after)


IMPORT_WORTH_SAYING_S = 0.5  # a warm child's wait: under it, not said


def provenance_tip(report: RestoreReport) -> str:
    """The provenance line whole (its path is cut in its middle when narrow), and what the time limit counted."""
    version = report.tensorflow_version or "?"
    lines = [f"Script: {report.script}", f"Python: {report.python}", f"TensorFlow: {version}",
             f"Time: {report.seconds:.1f} s"]  # fmt: skip
    if report.import_seconds >= IMPORT_WORTH_SAYING_S:
        lines[-1] += (f", {report.import_seconds:.1f} s of it importing TensorFlow (the time limit counts from the "
                      "script's start)")  # fmt: skip
    return "\n".join(lines)


def error_text(error) -> str:
    """A failed attempt's pane: its traceback (or message) and what the script printed last
    (review 21, 14: exits.py's "bye" was shown nowhere)."""
    text = error.traceback or in_app_words(error.message)
    output = error.output_text()
    return f"{text.rstrip()}\n\n{output}" if output else text


def finding_html(finding: RestoreFinding, palette=None) -> str:
    """One problem in full: status, names, both shapes, every suggestion."""
    colour = status_style.css(finding.status, palette)
    rows = [f"<b style='color:{colour}'>{html.escape(status_style.finding_label(finding.status, finding))}</b>"
            f" &nbsp; {html.escape(finding.readable_name)}"]  # fmt: skip
    stored = html.escape(shape_text(finding.checkpoint_shape, finding.checkpoint_dtype))
    wanted = html.escape(shape_text(finding.model_shape, finding.model_dtype))
    rows.append(f"In the checkpoint: {stored} &nbsp;&nbsp; In the model: {wanted}")
    rows += [f"&rarr; {html.escape(suggestion)}" for suggestion in finding.suggestions]
    if finding.label != finding.readable_name:  # a Keras file: where Keras reads the variable from
        rows.append(f"Path: {html.escape(finding.label)}")
    if finding.checkpoint_name and finding.checkpoint_name != finding.readable_name:
        rows.append(f"In the file: {html.escape(finding.checkpoint_name)}")
    if finding.checkpoint_key and finding.checkpoint_key not in (finding.label, finding.readable_name):
        rows.append(f"Checkpoint key: {html.escape(finding.checkpoint_key)}")
    return "<br>".join(rows)


def names_tip(finding: RestoreFinding) -> str:
    """A problem row's names, each said for what it is: the row shows the checkpoint's
    name for the value (a Keras 3 slot under its variable, ``.../_kernel/momentum``, as
    the tree and ``diff`` name it), the script's model may call it otherwise
    (``optimizer/_momentums/0``), and the key is the checkpoint's own (review 15, 11: an
    unlabelled list of three names for one value)."""
    lines = [finding.readable_name]
    if finding.model_path and finding.model_path == finding.checkpoint_key:  # one path for both (a Keras file's)
        lines.append(f"Path: {finding.model_path}")
    elif finding.model_path and finding.model_path != finding.readable_name:
        lines.append(f"In the script's model: {finding.model_path}")
    elif finding.checkpoint_path and finding.checkpoint_path != finding.readable_name:
        lines.append(f"Saved at: {finding.checkpoint_path}")
    if finding.checkpoint_key and finding.checkpoint_key not in (finding.label, finding.readable_name):
        lines.append(f"Checkpoint key: {finding.checkpoint_key}")
    return "\n".join(lines)


def bullets(lines: list[str], muted: int = 0, palette=None) -> str:
    """``lines`` as bullets, the last ``muted`` of them in the palette's muted colour."""
    grey = theme.muted(palette).name() if muted else ""
    first = len(lines) - muted
    bulleted = [f"&bull; {html.escape(line)}" for line in lines]
    return "".join(f"{text}<br>" if i < first else f"<span style='color:{grey}'>{text}</span><br>"
                   for i, text in enumerate(bulleted))  # fmt: skip


# Notes that say how the attempt ran, not what went wrong: shown last, muted.
ROUTINE_NOTES = (
    "used the ",
    "mapped the script's model onto",
    "the checkpoint folder was read-only for the attempt",
    "the checkpoint folder was not protected during the attempt",
    "GPUs were hidden from the attempt",
    "GPUs were visible to the attempt",
)
TENSORFLOW_BRIEF = 300  # characters of TensorFlow's message in the notes (all of it on hover and in exports)


def ordered_notes(report: RestoreReport) -> tuple[list[str], int]:
    """The report's notes as the panel shows them: the causes first (in the report's
    order), then TensorFlow's message (its start: it can dump whole protos), then the
    routine lines (which script object was used, the folder read-only, GPUs hidden);
    and how many routine lines end the list. The report itself (JSON, Markdown) keeps
    its order and words; on screen a way out is named by the app's menu, not by the
    CLI's flag (in_app_words)."""
    notes = [in_app_words(note) for note in report.notes]
    routine = [note for note in notes if note.startswith(ROUTINE_NOTES)]
    causes = [note for note in notes if not note.startswith(ROUTINE_NOTES)]
    message = report.tensorflow.message
    if message and report.error is None:
        brief = " ".join(message.split())
        cut = brief if len(brief) <= TENSORFLOW_BRIEF else brief[:TENSORFLOW_BRIEF] + "\u2026"
        causes.append(f"{report.tensorflow.speaker} said: " + cut)  # Keras for load_weights(), as the header
    return causes + routine, len(routine)


def shape_text(shape: tuple[int, ...] | None, dtype: str | None) -> str:
    if shape is None:
        return "-"
    return f"{format_shape(shape)} {dtype or ''}".strip()


def shapes_pair_text(finding) -> str:
    """The problem table's "checkpoint / model" cell: a dtype both sides share is said
    once, at the end ("[16] / [32] float32"): twice, it took the width of a short name
    at 1024 px, where the variable's column then kept only "..."."""
    stored, wanted = finding.checkpoint_shape, finding.model_shape
    dtype = finding.checkpoint_dtype
    if stored is not None and wanted is not None and dtype == finding.model_dtype:
        return f"{format_shape(stored)} / {format_shape(wanted)} {dtype or ''}".strip()
    return f"{shape_text(stored, finding.checkpoint_dtype)} / {shape_text(wanted, finding.model_dtype)}"
