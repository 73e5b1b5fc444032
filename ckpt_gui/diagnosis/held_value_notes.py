"""The report's notes on what a variable holds after TensorFlow's restore, where the
restore's own verdict does not say it: a shape conflict a TF1 graph's Saver.restore()
let through (the variable now holds the checkpoint's shape), and restored values that
hold NaN or Inf (review 21, 2 and 10).

Pure Python, from the findings alone."""

from __future__ import annotations

from dataclasses import replace

from ckpt_gui.core.formatting import counted, format_shape, format_some, nonfinite_text, one_or_many
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding, TensorFlowVerdict

SAVER_SUCCEEDED = "Saver.restore() succeeded"  # the child's verdict for a TF1 restore that raised nothing
SHAPE_CHANGE_HARM = "a silent shape change: the next op that uses it fails, or broadcasts it"
SHAPE_CHANGES_HARM = "silent shape changes: the next op that uses one fails, or broadcasts it"


def reshaped(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> list[RestoreFinding]:
    """The conflicts TensorFlow's restore assigned anyway, each now of the checkpoint's shape."""
    if tensorflow.verdict != SAVER_SUCCEEDED:
        return []
    return [v for v in variables if v.status == RestoreStatus.SHAPE_CONFLICT and v.shape_after_restore is not None]


def reshaped_words(changed: list[RestoreFinding], conflicts: int) -> str:
    """After "N variables match by path but not by shape or dtype": what Saver.restore()
    did with them (it raised nothing, so it neither reported them nor stopped)."""
    if len(changed) == 1:
        (v,) = changed
        held = f"{v.label} now holds the checkpoint's {_shapes(v)}"
    else:
        held = "these now hold the checkpoint's shapes: " + format_some(
            [f"{v.label} ({_shapes(v)})" for v in changed], 3
        )
    which = "" if len(changed) == conflicts else f" for {len(changed):,} of them"
    them = one_or_many(len(changed), "it", "them")
    return (
        f": Saver.restore() raised no error{which} and assigned the checkpoint's "
        f"{one_or_many(len(changed), 'value', 'values')} anyway, so {held} "
        f"({SHAPE_CHANGE_HARM if len(changed) == 1 else SHAPE_CHANGES_HARM}); build {them} "
        f"with the checkpoint's shape, or leave {them} out of the Saver's var_list and train {them} anew"
    )


def _shapes(v: RestoreFinding) -> str:
    return f"{format_shape(v.shape_after_restore)} value, not the model's {format_shape(v.model_shape or ())}"


def with_reshape_warnings(variables: list[RestoreFinding], tensorflow: TensorFlowVerdict) -> list[RestoreFinding]:
    """Each conflict TensorFlow assigned anyway, its first suggestion saying what it now holds."""
    changed = {id(v) for v in reshaped(variables, tensorflow)}
    if not changed:
        return variables
    return [replace(v, suggestions=(_reshape_warning(v), *v.suggestions)) if id(v) in changed else v for v in variables]


def _reshape_warning(v: RestoreFinding) -> str:
    return f"Saver.restore() raised no error here: the variable now holds the checkpoint's {_shapes(v)} " + (
        f"({SHAPE_CHANGE_HARM})"
    )


def non_finite_notes(variables: list[RestoreFinding]) -> list[str]:
    """Restored variables whose checkpoint values hold NaN or Inf: the restore is what it
    is (a green verdict stays green), but training or inference from them gives NaN."""
    held = [v for v in variables if v.status == RestoreStatus.CONSUMED and v.restored is True and v.non_finite]
    if not held:
        return []
    described = [f"{v.readable_name} ({_counts(v)})" for v in held]
    return [
        f"restored, but {counted(len(held), 'variable')} {one_or_many(len(held), 'holds', 'hold')} NaN or Inf from "
        f"the checkpoint: {format_some(described, 3)}: the model computes NaN from "
        f"{one_or_many(len(held), 'it', 'them')}; restore an earlier checkpoint, or find where training diverged"
    ]


def _counts(v: RestoreFinding) -> str:
    counts = dict(v.non_finite)
    return nonfinite_text(counts.get("nan", 0), counts.get("+inf", 0), counts.get("-inf", 0))
