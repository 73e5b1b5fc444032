"""What a repair's outcome says beyond "verified", in plain words, for the CLI and the
app alike: the optimizer state a plan drops (a model that restores is not a training
run that resumes where it stopped), and the written values' check.

Pure Python: no TensorFlow, no Qt, no numpy.
"""

from __future__ import annotations

import os
import re

from ckpt_gui.core.format.conventions import OPTIMIZER_TRAINABLE_LIST, TF1_STEP, without_attributes
from ckpt_gui.core.formatting import counted, one_or_many
from ckpt_gui.core.overlap_block import overlap_block
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.repair.plan import SAVE_COUNTER, Action, RepairPlan

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
    if not checks:  # "0 equal bit for bit, of 0 written" read as a check passed (review 15)
        return "none of the old checkpoint's values written"
    equal = sum(1 for c in checks if c.result == "equal")
    overlap = sum(1 for c in checks if c.result == "overlap")
    parts = [f"{equal} equal bit for bit"]
    if overlap:
        parts.append(f"{overlap} copied in part (the block that fits the resized variable)")
    return f"{', '.join(parts)}, of {len(checks)} written"


COUNTER_WHAT = "the new checkpoint's own count of its saves, no model variable"


def verification_counts(verification) -> str:
    """The doctor's summary of the new checkpoint (a RestoreReport) in the doctor's words
    (review: it said "consumed", the JSON's word, where the app says restored), with
    save_counter named apart from the restored variables, as ``restored_values`` leaves it
    out: "15 restored" beside "5 with the old values, 9 left at the model's initial values"
    did not add up (review 8: the 15th was save_counter, no model variable)."""
    parts = []
    for status, n in verification.summary.items():
        if not n:
            continue
        counter = status == RestoreStatus.CONSUMED and any(
            v.status == status and v.label == SAVE_COUNTER for v in verification.variables
        )
        # A sentence, save_counter said for what it is: "14 restored and save_counter"
        # read as a list cut short (review 11, 8). The plan drops the old counter; the
        # new checkpoint writes its own, which the doctor finds restored.
        if counter and n == 1:
            parts.append(f"{SAVE_COUNTER} restored ({COUNTER_WHAT})")
        elif counter:
            parts.append(f"{verification.status_count(status, n - 1)}, and {SAVE_COUNTER} too ({COUNTER_WHAT})")
        else:
            parts.append(verification.status_count(status, n))
    return ", ".join(parts)


LEFT_OUT = "no value of the plan is written to it"  # the app's reason for a target whose line was unchecked
KEEPS = "keeps its initial value:"  # the planner's reason for a conflict's target (repair/planner.py)


def restored_values(plan: RepairPlan) -> str:
    """Where the model's variables' values come from once the new checkpoint restores:
    "5 with the old values, 9 left at the model's initial values: 7 saved with another
    shape and 2 new variables". "Verified" alone read as every variable holding the old
    checkpoint's value (review: 9 of 14 held the script's fresh initial values)."""
    whole = {e.target for e in plan.entries if e.action == Action.MAP and e.target}
    part = {e.target for e in plan.entries if e.action == Action.COPY_OVERLAP and e.target}
    conflicts = {e.target: e for e in plan.entries if e.action == Action.KEEP_INITIAL and e.target}
    # A plan written before the planner left the save counter out still lists it: it is no model variable.
    initial = [v for v in plan.initial if v.target not in whole | part and v.target != SAVE_COUNTER]
    shape = sum(1 for v in initial if v.target in conflicts and _shape_differs(conflicts[v.target]))
    dtype = sum(1 for v in initial if v.target in conflicts) - shape
    # A line the user unchecked: the app gives its target LEFT_OUT, or keeps the
    # planner's "keeps its initial value" of a conflict whose line is now a drop.
    left_out = sum(1 for v in initial if v.target not in conflicts and v.reason.startswith((LEFT_OUT, KEEPS)))
    new = len(initial) - shape - dtype - left_out
    # "0 with the old values" left out: restore_verdict says none was kept (review 15).
    parts = [f"{len(whole):,} with the old values"] if whole or not (part or initial) else []
    if part:
        parts.append(f"{len(part):,} with the old values' overlapping block (the rest initial)")
    if initial:
        why = _why_initial(shape, dtype, left_out, new)
        parts.append(f"{len(initial):,} left at the model's initial values: {why}")
    return ", ".join(parts)


def _why_initial(shape: int, dtype: int, left_out: int, new: int) -> str:
    """Why the variables left initial are, the conflicts said as the old checkpoint's: "2
    shape conflicts" in the note on a new checkpoint that has none read as its own (review
    16, 9)."""
    counts = (shape, dtype, left_out, new)
    if sum(1 for n in counts if n) == 1 and (shape or dtype):
        their = one_or_many(shape or dtype, "its saved value", "their saved values")
        return f"{their} had another {'shape' if shape else 'dtype'}"
    why = [f"{shape:,} saved with another shape", f"{dtype:,} saved with another dtype",
           f"{left_out:,} left out of the plan", counted(new, "new variable")]  # fmt: skip
    shown = [text for text, n in zip(why, counts, strict=True) if n]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def keeps_no_old_value(plan: RepairPlan) -> bool:
    """Whether the new checkpoint holds none of the old values, whole or in part: every
    model variable starts from the model's initial value (a removed layer's conflicts)."""
    return not any(e.action in (Action.MAP, Action.COPY_OVERLAP) and e.target for e in plan.entries)


def restore_verdict(plan: RepairPlan) -> tuple[str, str]:
    """The verified outcome's lead word and what follows it (from its punctuation on), for the app (the lead in
    bold) and the CLI. A checkpoint keeping none of the old values restores in the model,
    but "Verified" over "0 equal bit for bit, of 0 written" read as the weights saved
    (review 15): it says what happened instead."""
    values = restored_values(plan)
    if keeps_no_old_value(plan):
        fresh = f" ({values})" if values else ""
        return "Restores in your model", f"; no old value kept: every variable starts fresh{fresh}"
    return "Verified", f": every model variable restores from the new checkpoint ({values})"


def overlap_copies(plan: RepairPlan) -> list[str]:
    """Each copy-overlap line of ``plan`` and the block it copies, the value named first
    (its key in parentheses) as the plan's other notes name it: "model/dense/kernel
    (model/dense/kernel/.ATTRIBUTES/VARIABLE_VALUE) -> model/dense/kernel: copies [:, :10] of
    the old [784, 128] into the new [784, 10]"."""
    said = []
    for entry in plan.entries:
        if entry.action != Action.COPY_OVERLAP or entry.source_shape is None or entry.target_shape is None:
            continue
        if len(entry.source_shape) != len(entry.target_shape):
            continue  # refused before anything is written (fit.misfit)
        name = entry.source_name or without_attributes(entry.source_key)
        key = f" ({entry.source_key})" if name != entry.source_key else ""
        block = overlap_block(entry.source_shape, entry.target_shape)
        said.append(f"copy-overlap: {name}{key} -> {target_named(entry)}: copies {block}")
    return said


def target_named(entry) -> str:
    """A line's target as the Repair dialog's Target column names it: an optimizer slot
    by its variable's path and slot, its optimizer path in parentheses (review 20, G10)."""
    return f"{entry.target_name} ({entry.target})" if entry.target_name else entry.target or ""


def _shape_differs(entry) -> bool:
    return entry.source_shape is None or entry.target_shape is None or entry.source_shape != entry.target_shape


def outcome_notes(
    plan: RepairPlan, optimizer_built: bool | None = None, names: dict[str, str] | None = None
) -> list[str]:
    """The notes a repair by ``plan`` carries: what it leaves behind and how to keep it
    (``optimizer_built``: the script's optimizer had its variables, as the doctor's child
    saw it; ``names``: each source key's readable name, as the doctor's report gives it)."""
    from ckpt_gui.repair.overlap_ties import untied_overlaps  # noqa: PLC0415 - it imports plan, as this does

    return _optimizer_notes(plan, optimizer_built, names or {}) + _step_notes(plan) + untied_overlaps(plan.entries)


def _step_notes(plan: RepairPlan) -> list[str]:
    """TF1's global_step left behind: a step counter, no optimizer state (review 12, 6)."""
    if not any(e.action == Action.DROP and e.source_key == TF1_STEP for e in plan.entries):
        return []
    said = (f"step counter dropped: the model script has no {TF1_STEP}, so the new checkpoint holds none; a training "
            "loop that creates one starts it at 0")  # fmt: skip
    step = os.path.basename(plan.source).rpartition("-")[2]
    if plan.mode == "name" and step.isdigit():  # a Saver's checkpoint: its name keeps the step (repair_write.py)
        said += f" (the new checkpoint's name keeps the source's step, {step})"
    return [said]


def _optimizer_notes(plan: RepairPlan, optimizer_built: bool | None, names: dict[str, str]) -> list[str]:
    dropped = dropped_optimizer_state(plan)
    if not dropped:
        return []
    # A slot or accumulator for the example, rather than the step counter or the learning rate.
    example = next((key for key in dropped if not re.search(r"iter|learning_rate|/lr\b", key)), dropped[0])
    # Its place in the model first, as the report names it, its key second (review 12, 8).
    if names.get(example) and names[example] != without_attributes(example):
        example = f"{names[example]} ({example})"
    n = len(dropped)
    said = (
        f"optimizer state dropped: {counted(n, 'optimizer value')} (e.g. {example}) {one_or_many(n, 'is', 'are')} "
        "not in the new checkpoint, so training resumes with fresh optimizer state (its moments start again from "
        "zero)"
    )
    if plan.mode == "name":  # a TF1 graph: no Keras optimizer to build
        return [
            f"{said}. To keep {one_or_many(n, 'it', 'them')}, create the optimizer in the script's graph as training "
            "did (optimizer.minimize(loss) creates its slots and counters), diagnose again and repair with the new "
            "plan."
        ]
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
