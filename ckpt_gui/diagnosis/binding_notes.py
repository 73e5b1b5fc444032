"""The report's notes on how checkpoint values were bound to variables: whose binding
the statuses follow, variables TensorFlow binds to two values, and optimizer state
TensorFlow holds back until the optimizer is built. Pure Python, from the findings."""

from __future__ import annotations

from collections import defaultdict

from ckpt_gui.core.formatting import counted, format_shape, format_some, one_or_many
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding

TENSORFLOW_BINDING = "tensorflow"
DOCTOR_BINDING = "doctor"


def binding_note(binding: str | None) -> list[str]:
    """Which way values were bound to variables (object-based checkpoints only)."""
    if binding == TENSORFLOW_BINDING:
        return ["bound as TensorFlow binds: each value's variable was recorded while TensorFlow's own restore ran"]
    if binding == DOCTOR_BINDING:
        return [
            "bound by the doctor's own walk of the object graph: TensorFlow's own binding could not be recorded "
            "(another TensorFlow version), so in rare cases (two paths to one object) a status may differ from what "
            "TensorFlow does"
        ]
    return []


def shared_notes(findings: list[RestoreFinding]) -> list[str]:
    """Variables TensorFlow binds to two checkpoint values: it restores both into them,
    one after the other, and what they hold is not what either path suggests."""
    groups: dict[str, list[RestoreFinding]] = defaultdict(list)
    for finding in findings:
        if finding.shared_with:
            groups[finding.model_path or "?"].append(finding)
    if not groups:
        return []
    described = []
    for path, claims in sorted(groups.items()):
        keys = ", ".join(claim.checkpoint_key or "?" for claim in claims)
        held = [claim.checkpoint_key for claim in claims if claim.restored is True]
        described.append(f"{path} ({keys}; it now holds {held[0] if held else 'neither'})")
    n = len(described)
    return [
        f"{counted(n, 'variable')} {one_or_many(n, 'is', 'are each')} bound to two or more checkpoint values: "
        f"TensorFlow reached {one_or_many(n, 'it', 'them')} by different paths and restores every value into "
        f"{one_or_many(n, 'it', 'them')}, so {one_or_many(n, 'it holds', 'they hold')} at most one of those: "
        f"{format_some(described, 2)}. The checkpoint was saved by a differently built object (another optimizer "
        "configuration, or a model whose layers moved)"
    ]


def moved_notes(findings: list[RestoreFinding]) -> list[str]:
    """Values TensorFlow bound to a variable of another name than the one they were
    saved from: the order of its walk decides (a Keras 3 optimizer's ``_variables`` by
    position), not the names, so it restores them silently into the wrong variable."""
    moved = [
        v
        for v in findings
        if v.model_path and v.checkpoint_path and v.checkpoint_path != v.model_path
        and v.status != RestoreStatus.UNMATCHED
    ]  # fmt: skip
    if not moved:
        return []
    # Silently restored ones first: a conflict at least stops TensorFlow.
    moved.sort(key=lambda v: v.status != RestoreStatus.CONSUMED)
    # An optimizer slot by its variable's path and slot, as the report's table names it,
    # the optimizer's paths TensorFlow bound beside it (review 20, G10).
    pairs = [f"{v.checkpoint_name} ({v.checkpoint_path} -> {v.model_path})" if v.optimizer and v.checkpoint_name
             else f"{v.checkpoint_path} -> {v.model_path}" for v in moved]  # fmt: skip
    return [
        f"{counted(len(moved), 'value')} {one_or_many(len(moved), 'is', 'are')} bound to a variable of another "
        f"name than the one {one_or_many(len(moved), 'it was', 'they were')} saved from "
        f"(TensorFlow binds by the order of its walk, a Keras 3 optimizer by position in _variables): "
        f"{format_some(pairs, 3)}"
    ]


def deferred_optimizer_notes(findings: list[RestoreFinding]) -> list[str]:
    """Optimizer state waiting for an optimizer not built yet: when it is restored, and
    (from the doctor's rehearsal of that first step) where each value lands or that it is dropped."""
    waiting = [v for v in findings if v.status == RestoreStatus.DEFERRED and v.optimizer]
    if not waiting:
        return []
    owners = sorted({v.deferred_owner or "the optimizer" for v in waiting})
    note = (
        f"{counted(len(waiting), 'optimizer value')} {one_or_many(len(waiting), 'is', 'are')} deferred: "
        f"{format_some(owners, 2)} has not created its variables yet; TensorFlow restores "
        f"{one_or_many(len(waiting), 'it', 'them')} when it does, at the first apply_gradients (or "
        "optimizer.build(model.trainable_variables)), and assert_consumed() fails until then"
    )
    rehearsed = [v for v in waiting if v.first_step is not None]
    if not rehearsed:
        return [note + ". The doctor could not rehearse that step (the model has no trainable variables yet)"]
    landed = [v for v in rehearsed if v.first_step[0] == "restored"]
    dropped = [v for v in rehearsed if v.first_step[0] != "restored"]
    note += f". Rehearsed on the model's trainable variables: {len(landed)} would be restored"
    resized = [v for v in dropped if v.first_step_shape is not None and v.checkpoint_shape is not None]
    other = [v for v in dropped if v not in resized]
    parts = []
    if resized:
        # Same optimizer, a resized layer: its slots follow their variable's shape (review 12, 7).
        # Once per variable (its momentum and velocity changed alike), by the variable's name when known.
        shapes = list(dict.fromkeys(_resized(v) for v in resized))
        many = len(resized) > 1
        parts.append(
            f"{f'{len(resized):,} ' if other else ''}the variable{'s' if many else ''} "
            f"{'they belong' if many else 'it belongs'} to changed shape since the save "
            f"({format_some(shapes, 3)}): {format_some([v.readable_name for v in resized], 3)}"
        )
    if other:
        parts.append(
            f"{f'{len(other):,} ' if resized else ''}the optimizer has no variable of that place and shape "
            f"(another optimizer class or configuration): {format_some([v.readable_name for v in other], 3)}"
        )
    if dropped:
        note += f", {len(dropped)} dropped without an error: " + "; ".join(parts)
    return [note]


def _resized(value: RestoreFinding) -> str:
    """``model/dense1/_kernel [20, 16] -> [20, 32]``: the slot's variable, as saved and now."""
    was, now = format_shape(value.checkpoint_shape or ()), format_shape(value.first_step_shape or ())
    return f"{value.first_step_variable or value.readable_name} {was} -> {now}"


def unused_optimizer_note(count: int, holds_optimizer: bool | None) -> str:
    """Optimizer state the restore left unused: expected only when no optimizer is restored into."""
    if holds_optimizer:
        return (
            f"optimizer state unmatched ({counted(count, 'value')}): the script's optimizer has no place for "
            f"{one_or_many(count, 'it', 'them')} "
            "(another optimizer class or configuration): training resumes with fresh optimizer state"
        )
    return f"optimizer state unmatched ({counted(count, 'value')}): expected for an inference restore"
