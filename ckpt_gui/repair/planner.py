"""The proposed repair plan of one diagnosis: every checkpoint value mapped, dropped
or kept from its target, every model variable that keeps its initial value, each
with its reason. Never a reshape: a shape or dtype conflict is keep-initial (the
user may choose copy-overlap).

Pure Python, from the doctor's report alone.
"""

from __future__ import annotations

import dataclasses

from ckpt_gui.core.format.conventions import TF1_STEP
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.tree import natural_key
from ckpt_gui.diagnosis.cause_facts import model_side, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport
from ckpt_gui.diagnosis.layer_count import ValueRole, value_roles
from ckpt_gui.repair.pairing import Pairing, foreign_optimizer_roots, pair_values
from ckpt_gui.repair.plan import SAVE_COUNTER, Action, InitialVariable, PlanEntry, RepairPlan, placed

NO_OVERLAP = "copying a block of another layer's weights is not proposed, as it is no meaningful start"


def propose_plan(report: RestoreReport) -> RepairPlan:
    """The plan the doctor's findings suggest (the report must have facts: no error)."""
    findings = list(report.variables)
    pairing = pair_values(findings)
    roles = value_roles(findings)
    foreign = foreign_optimizer_roots(findings)
    model_variables = {
        f.model_path: (f.model_shape, f.model_dtype) for f in findings if model_side(f) and not f.untracked
    }
    entries = [
        _entry(index, finding, pairing, foreign, model_variables, roles.get(index))
        for index, finding in enumerate(findings)
        if finding.checkpoint_key
    ]
    entries.sort(key=lambda e: (e.action != Action.MAP, natural_key(e.source_key)))  # vars/2 before vars/10
    # A model's optimizer slot named as the report's table names it: by its variable (review 20, G10).
    slots = _slot_names(findings)
    entries = [dataclasses.replace(e, target_name=slots[e.target]) if e.target in slots else e for e in entries]
    entries = _unwritable(entries, findings)
    written = {e.target for e in entries if e.action in (Action.MAP, Action.COPY_OVERLAP)}
    kept = {e.target: e for e in entries if e.action == Action.KEEP_INITIAL}
    # The save counter is the checkpoint's bookkeeping, not a model variable: listed here
    # it read as "1 new variable" in the repair's outcome (review 7).
    initial = [
        InitialVariable(path, _initial_reason(path, kept, pairing), shape, dtype, slots.get(path))
        for path, (shape, dtype) in sorted(model_variables.items(), key=lambda item: natural_key(item[0]))
        if path not in written and path != SAVE_COUNTER
    ]
    notes = [f"proposed from the diagnosis of {report.checkpoint} with {report.script}"]
    if foreign:
        notes += [f"the optimizer '{root}' is not the one that saved its state ({why}): its state is dropped and "
                  "it starts afresh" for root, why in sorted(foreign.items())]  # fmt: skip
    return RepairPlan(report.checkpoint, report.script, report.mode or "object", tuple(entries), tuple(initial),
                      tuple(notes))  # fmt: skip


def _entry(
    index: int, finding: RestoreFinding, pairing: Pairing, foreign: dict, model_variables: dict, role: ValueRole | None
) -> PlanEntry:
    source = dict(source_key=finding.checkpoint_key, source_shape=finding.checkpoint_shape,
                  source_dtype=finding.checkpoint_dtype)  # fmt: skip
    root = (finding.model_path or saved_path(finding) or "").split("/")[0]
    if finding.optimizer and root in foreign:
        why = f"optimizer state of another optimizer than the model's '{root}': it starts afresh"
        return PlanEntry(**source, action=Action.DROP, target=None, reason=why)
    if _is_save_counter(finding):
        why = "tf.train.Checkpoint's save counter: the new checkpoint counts its own saves"
        return PlanEntry(**source, action=Action.DROP, target=None, reason=why)
    if index in pairing.targets:
        target, why = pairing.targets[index]
        return _onto(source, target, model_variables.get(target, (None, None)), why)
    if index in pairing.removed:
        return PlanEntry(**source, action=Action.DROP, target=None, reason=pairing.removed[index])
    if index in pairing.moved_state:
        return PlanEntry(**source, action=Action.DROP, target=None, reason=pairing.moved_state[index])
    if role is not None and finding.status == RestoreStatus.UNMATCHED:  # the doctor knows what it is (review 15, 5)
        # A removed layer's value retargeted by hand onto a conflict is not offered as a block either.
        refused = f"{role.what}: {NO_OVERLAP}" if role.gone else None
        return PlanEntry(**source, action=Action.DROP, target=None, reason=f"{role.what}: {role.unused}",
                         overlap_not_offered=refused)  # fmt: skip
    if finding.status in (RestoreStatus.UNMATCHED, RestoreStatus.DEFERRED):
        return PlanEntry(**source, action=Action.DROP, target=None, reason=_unused_reason(index, finding, pairing))
    claimant = pairing.claimed.get(finding.model_path)
    if claimant is not None:
        other = pairing.findings[claimant].checkpoint_key
        return PlanEntry(**source, action=Action.DROP, target=None,
                         reason=f"its place, {finding.model_path}, takes {other} (see that line)")  # fmt: skip
    if finding.shared_with and finding.checkpoint_path:
        return PlanEntry(**source, action=Action.DROP, target=None,
                         reason=f"TensorFlow would bind it to {finding.model_path}, which has a value of its own "
                         f"({', '.join(finding.shared_with)})")  # fmt: skip
    shape_dtype = (finding.model_shape, finding.model_dtype)
    if role is not None and finding.status == RestoreStatus.SHAPE_CONFLICT:
        # A removed (or moved) layer's value met the script's layer at its old place: a block
        # of another layer's weights is no start for this one, so copy-overlap is not offered
        # in words (review 15, 5); a resize of the same layer keeps it.
        why = (f"{role.what}, not of the script's layer here ({_shapes(finding)}): it keeps its initial value; "
               f"{NO_OVERLAP}")  # fmt: skip
        # The dialog offers no copy-overlap for it either (review 16, 4), as the file records.
        return PlanEntry(**source, action=Action.KEEP_INITIAL, target=finding.model_path, reason=why,
                         target_shape=finding.model_shape, target_dtype=finding.model_dtype,
                         overlap_not_offered=f"{role.what}: {NO_OVERLAP}")  # fmt: skip
    return _onto(source, finding.model_path, shape_dtype, "matched by path" if finding.status == "consumed" else "")


def _onto(source: dict, target: str, shape_dtype: tuple, why: str) -> PlanEntry:
    """Map a value onto a target if its shape and dtype fit, else keep the target's initial
    value (plan.placed: the rule the dialog's retarget and the writer follow too)."""
    shape, dtype = shape_dtype
    return placed(PlanEntry(**source, action=Action.DROP, target=None, reason=""), target, shape, dtype, why)


def _shapes(finding: RestoreFinding) -> str:
    return f"the checkpoint has {format_shape(finding.checkpoint_shape)}, the model {format_shape(finding.model_shape)}"


def _unused_reason(index: int, finding: RestoreFinding, pairing: Pairing) -> str:
    if finding.status == RestoreStatus.DEFERRED:
        return (f"waits for {finding.deferred_owner or 'its owner'}, which the script does not build: build it "
                "(call the model once, optimizer.build(...)) to carry this value over")  # fmt: skip
    if finding.optimizer:
        # "optimizer state the model's objects have no place for" was hard to parse (review 3).
        return "optimizer state: the script's model has no optimizer variable to take it (none built)"
    if finding.is_average:
        return "a moving average (EMA shadow) of a weight: the model restores the weights themselves"
    if (saved_path(finding) or "") == TF1_STEP:
        return ("the training step counter (TF1's global_step), no optimizer state: the model script has none; a "
                "training loop that creates one starts it at 0")  # fmt: skip
    if finding.is_counter:
        return "a counter the model's objects do not have"
    if index in pairing.ambiguous:
        return (f"{pairing.ambiguous[index]} model variables have its shape and dtype and none is clearly meant: "
                "give it a target and the action map to carry it over")  # fmt: skip
    return "nothing in the model claims it (a layer or variable removed since the save?)"


def _unwritable(entries: list[PlanEntry], findings: list[RestoreFinding]) -> list[PlanEntry]:
    """``entries`` with each line whose target the writer cannot write (a partitioned
    TF1 variable) proposed keep-initial, saying why up front: proposed as map, it was
    refused only once the user had chosen the output folder, as "the plan does not fit
    the model" (review 23 #3). The other lines are written as they are."""
    parts = {f.model_path: f.model_parts for f in findings if f.model_parts and f.model_path}
    marked = []
    for entry in entries:
        if entry.target not in parts:
            marked.append(entry)
            continue
        why = (f"{entry.target} is a partitioned variable ({parts[entry.target]} parts in the model): the repair "
               "cannot write partitioned variables yet")  # fmt: skip
        marked.append(dataclasses.replace(entry, action=Action.KEEP_INITIAL, not_writable=why,
                                          reason=f"{why}; it keeps the model's initial value"))  # fmt: skip
    return marked


def _initial_reason(path: str, kept: dict[str, PlanEntry], pairing: Pairing) -> str:
    if path in kept and kept[path].not_writable:
        return f"keeps its initial value: {kept[path].not_writable}"
    if path in kept:
        return f"keeps its initial value: {kept[path].source_key} does not fit ({kept[path].reason})"
    if path in pairing.new_layers:
        return pairing.new_layers[path]
    return "the checkpoint has no value for it"


def _slot_names(findings: list[RestoreFinding]) -> dict[str, str]:
    """``{model path: name}`` of the model's optimizer slots the report names by their
    variable: a value matched at the slot's own path (TensorFlow bound it there) whose
    name places it under its variable (value_names.with_value_names)."""
    # A slot only the model has, by the name the child gave it (its variable's path and slot).
    only = {f.model_path: f.slot_name for f in findings if f.status == RestoreStatus.MISSING and f.slot_name}
    return only | {
        f.model_path: f.checkpoint_name
        for f in findings
        if f.optimizer and f.model_path and f.checkpoint_name and f.checkpoint_name != f.model_path
        and f.status in (RestoreStatus.CONSUMED, RestoreStatus.SHAPE_CONFLICT, RestoreStatus.DTYPE_CONFLICT)
        and f.checkpoint_path in (None, f.model_path)
    }  # fmt: skip


def _is_save_counter(finding: RestoreFinding) -> bool:
    return (saved_path(finding) or "") == SAVE_COUNTER or finding.model_path == SAVE_COUNTER
