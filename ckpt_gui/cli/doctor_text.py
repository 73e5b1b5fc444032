"""The restore report as text for the terminal (``ckpt-gui diagnose`` without --json)."""

from __future__ import annotations

import sys
from typing import TextIO

_MESSAGE_LINES, _MESSAGE_WIDTH = 4, 160  # how much of TensorFlow's message the terminal gets

_MARKS = {
    "consumed": "ok",
    "shape_conflict": "SHAPE",
    "dtype_conflict": "DTYPE",
    "unmatched": "unused",
    "missing": "MISSING",
    "deferred": "deferred",
}


def print_report(report: dict, out: TextIO = sys.stdout) -> None:
    out.write(f"checkpoint: {report['checkpoint']}\nscript:     {report['script']}\n\n")
    error = report["error"]
    if error is not None:
        out.write(f"FAILED: {error['type']}: {error['message']}\n")
        if error["traceback"]:
            out.write("\n" + error["traceback"].rstrip() + "\n")
        return
    verdict = "everything the model needs was restored" if report["ok"] else "the restore is incomplete"
    counts = ", ".join(f"{n} {status}" for status, n in report["summary"].items() if n)
    out.write(f"result: {verdict} ({counts})\n")
    out.write(f"TensorFlow: {report['tensorflow']['verdict']}\n")
    message = report["tensorflow"]["message"].strip()
    if message:  # TensorFlow's own words (it may dump whole tensors: the start says it all)
        lines = [line[:_MESSAGE_WIDTH] + ("..." if len(line) > _MESSAGE_WIDTH else "") for line in message.splitlines()]
        if len(lines) > _MESSAGE_LINES:
            lines = [*lines[:_MESSAGE_LINES], "... (the whole message is in --json output)"]
        out.write("".join(f"    | {line}\n" for line in lines))
    for note in report["notes"]:
        out.write(f"  - {note}\n")
    problems = [v for v in report["variables"] if v["status"] != "consumed"]
    if problems:
        out.write("\n")
    for v in problems:
        name = v["model_path"] or v.get("checkpoint_path") or v["checkpoint_key"]
        shapes = ""
        if v["status"] in ("shape_conflict", "dtype_conflict"):
            stored, wanted = (
                f"{v['checkpoint_shape']} {v['checkpoint_dtype']}",
                f"{v['model_shape']} {v['model_dtype']}",
            )
            shapes = f"  checkpoint {stored} vs model {wanted}"
        out.write(f"{_MARKS[v['status']]:>8}  {name}{shapes}\n")
        for suggestion in v["suggestions"]:
            out.write(f"          -> {suggestion}\n")
