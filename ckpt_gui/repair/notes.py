"""What a repair's outcome says beyond "verified", in plain words, for the CLI and the
app alike: the optimizer state a plan drops (a model that restores is not a training
run that resumes where it stopped), and the written values' check.

Pure Python: no TensorFlow, no Qt, no numpy.
"""

from __future__ import annotations

import re

from ckpt_gui.core.format.conventions import OPTIMIZER_TRAINABLE_LIST
from ckpt_gui.core.formatting import counted, one_or_many
from ckpt_gui.repair.plan import Action, RepairPlan

# The plan's reasons (repair/planner.py, repair/pairing.py) for optimizer state it drops.
MOVED_STATE = "optimizer state of a moved layer"
FOREIGN_STATE = "optimizer state of another optimizer"

# TF1 optimizer slots and accumulators by name (TF2 keeps them under the optimizer's object path).
_TF1_OPTIMIZER_NAME = re.compile(
    r"/(Adam|Adam_1|Momentum|RMSProp|RMSProp_1|Adagrad|Adadelta|Adadelta_1|Ftrl|Ftrl_1|Nadam|Nadam_1)(_\d+)?$"
    r"|^beta[12]_power(_\d+)?$"
)


def dropped_optimizer_state(plan: RepairPlan) -> list[str]:
    """The source keys of the optimizer values ``plan`` drops: under an object path whose
    root names an optimizer (``optimizer/...``), a TF2 slot (``.OPTIMIZER_SLOT``), a TF1
    slot or accumulator name, or a value the planner dropped as optimizer state."""
    return [
        entry.source_key
        for entry in plan.entries
        if entry.action == Action.DROP
        and f"/{OPTIMIZER_TRAINABLE_LIST}/"
        not in entry.source_key  # the model's own weights, as the optimizer lists them
        and (
            "optimizer" in entry.source_key.split("/", 1)[0].lower()
            or "/.OPTIMIZER_SLOT/" in entry.source_key
            or _TF1_OPTIMIZER_NAME.search(entry.source_key)
            or entry.reason.startswith("optimizer state")
        )
    ]


def value_counts(checks) -> str:
    """The written values' check in plain words ("5 equal bit for bit, of 5 written"),
    naming block copies only when there are some."""
    equal = sum(1 for c in checks if c.result == "equal")
    overlap = sum(1 for c in checks if c.result == "overlap")
    parts = [f"{equal} equal bit for bit"]
    if overlap:
        parts.append(f"{overlap} copied in part (the block that fits the resized variable)")
    return f"{', '.join(parts)}, of {len(checks)} written"


def outcome_notes(plan: RepairPlan, optimizer_built: bool | None = None) -> list[str]:
    """The notes a repair by ``plan`` carries: what it leaves behind and how to keep it
    (``optimizer_built``: the script's optimizer had its variables, as the doctor's child saw it)."""
    dropped = dropped_optimizer_state(plan)
    if not dropped:
        return []
    # A slot or accumulator for the example, rather than the step counter or the learning rate.
    example = next((key for key in dropped if not re.search(r"iter|learning_rate|/lr\b", key)), dropped[0])
    n = len(dropped)
    said = (
        f"optimizer state dropped: {counted(n, 'optimizer value')} (e.g. {example}) {one_or_many(n, 'is', 'are')} "
        "not in the new checkpoint, so training resumes with fresh optimizer state (its moments start again from "
        "zero)"
    )
    if not optimizer_built:
        return [
            f"{said}. To keep {one_or_many(n, 'it', 'them')}, build the optimizer in the model script (call the "
            "model once, then optimizer.build(model.trainable_variables)), diagnose again and repair with the new "
            "plan."
        ]
    reasons = {entry.reason for entry in plan.entries if entry.source_key in set(dropped)}
    if any(reason.startswith(MOVED_STATE) for reason in reasons):
        why = (
            "a layer was removed or inserted, and optimizer state is kept by position in the optimizer's lists, "
            "which the shift moved: the repair carries the model's weights across a layer shift, not the "
            "optimizer's state"
        )
    elif any(reason.startswith(FOREIGN_STATE) for reason in reasons):
        why = "the checkpoint's optimizer state is another optimizer's (see the plan's notes)"
    else:
        why = "the script's optimizer has no place for them (see each value's reason in the plan)"
    return [f"{said}. The script builds its optimizer; these were dropped because {why}."]
