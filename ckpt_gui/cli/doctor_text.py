"""The restore report as text for the terminal (``ckpt-gui diagnose`` without --json)."""

from __future__ import annotations

import os
import shlex
import sys
from typing import TextIO

from ckpt_gui.core.format.conventions import ATTRIBUTES, without_attributes
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import BLOCKING, AttemptError, RestoreFinding, RestoreReport

_MESSAGE_LINES, _MESSAGE_WIDTH = 4, 160  # how much of TensorFlow's message the terminal gets

_MARKS = {
    RestoreStatus.CONSUMED: "ok",
    RestoreStatus.SHAPE_CONFLICT: "SHAPE",
    RestoreStatus.DTYPE_CONFLICT: "DTYPE",
    RestoreStatus.UNMATCHED: "unmatched",
    RestoreStatus.MISSING: "MISSING",
    RestoreStatus.DEFERRED: "deferred",
}
_CONFLICTS = (RestoreStatus.SHAPE_CONFLICT, RestoreStatus.DTYPE_CONFLICT)


def print_report(report: RestoreReport, out: TextIO = sys.stdout) -> None:
    out.write(f"checkpoint: {report.checkpoint}\n")
    if report.checkpoint_choice is not None:
        out.write(f"            ({report.checkpoint_choice.reason})\n")
    out.write(f"script:     {report.script}\n")
    if report.folder_protection is not None:
        protection = report.folder_protection
        out.write(
            "folder:     read-only during the attempt\n"
            if protection.read_only
            else f"folder:     not protected ({protection.reason}); compared before and after\n"
        )
    warning = report.checkpoint_choice.warning() if report.checkpoint_choice is not None else None
    if warning:
        out.write(f"\nWARNING: {warning}\n")
    better = report.better_series
    if better is not None:  # before the verdict: the rows below are about the wrong series
        out.write(f"\nOTHER SERIES: {better.sentence()}\n")
        out.write(f"    ckpt-gui diagnose {shlex.quote(better.prefix)} --model {shlex.quote(report.script)}\n")
    out.write("\n")
    error = report.error
    if error is not None:
        _print_error(error, out)
        return
    verdict = _verdict(report, warning)
    out.write(f"result: {verdict} ({report.counts_text()})\n")
    out.write(f"{report.tensorflow.speaker}: {report.tensorflow.verdict}\n")
    message = report.tensorflow.message.strip()
    if message:  # TensorFlow's own words (it may dump whole tensors: the start says it all)
        lines = [line[:_MESSAGE_WIDTH] + ("..." if len(line) > _MESSAGE_WIDTH else "") for line in message.splitlines()]
        if len(lines) > _MESSAGE_LINES:
            lines = [*lines[:_MESSAGE_LINES], "... (the whole message is in --json output)"]
        out.write("".join(f"    | {line}\n" for line in lines))
    for note in report.notes:
        if note != warning:  # said above
            out.write(f"  - {note}\n")
    if report.problems:
        out.write("\n")
    for v in report.problems:
        _print_problem(v, out)


def _print_error(error: AttemptError, out: TextIO) -> None:
    out.write(f"FAILED: {error.kind}: {error.message}\n")
    if error.traceback:
        out.write("\n" + error.traceback.rstrip() + "\n")
    if error.output:  # what the script printed before it failed (review 21, 14)
        out.write("\n" + error.output_text() + "\n")


def _verdict(report: RestoreReport, warning: str | None) -> str:
    if report.ok:
        return "everything the model needs was restored"
    if warning and not any(v.status in BLOCKING for v in report.variables):
        name = os.path.basename(report.checkpoint)
        return f"everything the model needs was restored from {name}, but see the warning above"
    return "the restore is incomplete"


def _print_problem(v: RestoreFinding, out: TextIO) -> None:
    name = v.readable_name
    if name != v.label and ATTRIBUTES in (v.checkpoint_key or ""):
        # An optimizer value by its place in the model, its key second, as the repair's notes name it.
        name += f"  ({without_attributes(v.checkpoint_key)})"
    elif name != v.label:  # a Keras file's weight by its name; where Keras reads it (HDF5) after it
        name += f"  ({v.label})"
    shapes = ""
    if v.status in _CONFLICTS:
        stored = f"{format_shape(v.checkpoint_shape or ())} {v.checkpoint_dtype}"
        wanted = f"{format_shape(v.model_shape or ())} {v.model_dtype}"
        shapes = f"  checkpoint {stored} vs model {wanted}"
    out.write(f"{_MARKS[v.status]:>9}  {name}{shapes}\n")
    for suggestion in v.suggestions:
        out.write(f"           -> {suggestion}\n")
