"""What to do about each finding: likely renames (an unused checkpoint value and a
model variable without one that look alike), and advice on shape, dtype and
deferred conflicts. Pure Python, from the findings alone."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from ckpt_gui.core.format.conventions import INTEGER_DTYPES, OPTIMIZER_TRAINABLE_LIST
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.overlap_block import overlap_block
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.tree import natural_key
from ckpt_gui.diagnosis.findings import RestoreFinding, Shape
from ckpt_gui.diagnosis.layer_renames import RenamedWeight, renamed_weights

_NUMBER = re.compile(r"\d+")
_CLEARLY_BETTER = 0.08  # path similarity by which one candidate outranks the rest
# A model variable no checkpoint value resembles. Not said where another series of the
# folder holds it (other_series.py): the checkpoint is then likely another model's.
ADDED_SINCE = "the checkpoint has no value of this shape and dtype: a layer or variable added since it was saved"


def with_suggestions(findings: list[RestoreFinding], name_based: bool, keras: bool = False) -> list[RestoreFinding]:
    """The findings, in the same order, each with its suggestions (``keras``: of a Keras
    weights file's model.load_weights)."""
    unmatched = [v for v in findings if v.status == RestoreStatus.UNMATCHED]
    missing = [v for v in findings if v.status == RestoreStatus.MISSING]
    # Leaving a value out: a name-based (TF1) restore lists what it restores; an
    # object-based one is told that a partial restore is expected.
    skip = (
        "leave it out of the Saver's var_list"
        if name_based
        else "load with model.load_weights(FILE, skip_mismatch=True), which skips it with a warning,"
        if keras
        else "leave it out of the restore (status.expect_partial())"
    )
    vector_layers = _vector_layers(findings)
    renamed: dict[int, RenamedWeight] = {}  # either side's finding index -> its resized counterpart
    for weight in renamed_weights(findings):
        renamed[weight.value] = renamed[weight.variable] = weight
    said: dict[tuple[str, str], str] = {}  # (layer, change) -> the finding that said it: once per layer
    suggested: list[RestoreFinding | None] = [None] * len(findings)
    # In the report's order (vars/2 before vars/10): a layer's change is said at its first weight.
    for index in sorted(range(len(findings)), key=lambda i: natural_key(_report_order(findings[i]))):
        finding = findings[index]
        if index in renamed:
            suggestions = [_renamed_and_resized(findings, renamed[index], index, vector_layers, name_based)]
        elif finding.status == RestoreStatus.UNMATCHED:
            suggestions = _for_unused(finding, missing, name_based)
        elif finding.status == RestoreStatus.MISSING:
            suggestions = _for_missing(finding, unmatched, name_based)
        elif finding.status == RestoreStatus.SHAPE_CONFLICT:
            suggestions = [_shape_advice(finding, skip, vector_layers, said)]
        else:
            suggestions = _for_conflict(finding, skip)
        suggested[index] = replace(finding, suggestions=tuple(suggestions))
    return suggested


def _report_order(finding: RestoreFinding) -> str:
    return finding.checkpoint_key or finding.model_path or ""  # as RestoreFinding.attention_rank orders rows


_KERAS_WEIGHT = re.compile(r"/vars/\d+$")  # a Keras 3 file's layers/<name>/vars/<n>


def _layer_of(finding: RestoreFinding) -> str:
    path = finding.model_path or finding.label
    return _KERAS_WEIGHT.sub("", path) if _KERAS_WEIGHT.search(path) else path.rpartition("/")[0]


def _vector_layers(findings: list[RestoreFinding]) -> set[str]:
    """The layers whose every weight is a vector (BatchNormalization, LayerNormalization):
    their size is the width of their input, never units of their own."""
    ranks: dict[str, int] = {}
    for finding in findings:
        if finding.optimizer:
            continue
        rank = max(len(shape) for shape in (finding.checkpoint_shape, finding.model_shape, ()) if shape is not None)
        layer = _layer_of(finding)
        ranks[layer] = max(ranks.get(layer, 0), rank)
    return {layer for layer, rank in ranks.items() if rank == 1}


def _for_unused(value: RestoreFinding, missing: list[RestoreFinding], name_based: bool) -> list[str]:
    """An unmatched checkpoint value: which model variable it likely was saved as."""
    suggestions = [
        f"likely the model's {_model_side(candidate)}: {why}"
        for candidate, why in _candidates(value, missing, from_checkpoint=True, name_based=name_based)
    ]
    if not value.optimizer and OPTIMIZER_TRAINABLE_LIST in (value.checkpoint_path or ""):
        suggestions.append(
            "the checkpoint holds this weight only in the optimizer's list of trainable variables: the layer "
            "that owned it was not a tracked child of the saved model (in Keras 3, layers kept in a plain "
            "Python list are not), so no model path can claim it"
        )
    return suggestions


def _for_missing(var: RestoreFinding, unmatched: list[RestoreFinding], name_based: bool) -> list[str]:
    """A model variable without a value: why the checkpoint cannot reach it, or which
    checkpoint value it likely is."""
    suggestions = []
    if var.untracked and var.deferred_owner:
        owner = var.deferred_owner
        suggestions.append(
            f"TensorFlow's checkpoint cannot reach this weight yet: {owner} is a Sequential that is not built (no "
            "keras.Input, never called), and an unbuilt Sequential saves and restores none of its layers' weights; "
            f"built, they are {owner}/_functional/_operations/N. Build it before restoring: give it an Input as its "
            "first layer (keras.Input(shape=...)) or call it once on an input"
        )
    elif var.untracked:
        suggestions.append(
            "TensorFlow's checkpoint cannot reach this weight: its layer sits in a plain Python list or dict, "
            "which Keras 3 does not track for checkpoints, so it is never saved or restored. Assign each "
            "layer to its own attribute (self.block_0 = ...) and save again"
        )
    suggestions += [
        f"likely the checkpoint's {_checkpoint_side(candidate)}: {why}"
        for candidate, why in _candidates(var, unmatched, from_checkpoint=False, name_based=name_based)
    ]
    if not suggestions:
        suggestions.append(ADDED_SINCE)
    return suggestions


def _renamed_and_resized(
    findings: list[RestoreFinding], weight: RenamedWeight, index: int, vector_layers: set[str], name_based: bool
) -> str:
    """A weight of a renamed layer whose shape (or dtype) changed too: its counterpart
    under the rename, and the conflict it is there (review 12, 3: it read as "a new
    variable" beside an old value claimed by nothing)."""
    value, variable = findings[weight.value], findings[weight.variable]
    scope = "the scope " if name_based else ""
    renamed = f"{scope}'{weight.old}' was renamed to '{weight.new}' (as {weight.shown_by} shows)"
    mine = index == weight.value  # the checkpoint's side: its counterpart is the model's
    counterpart = f"the model's {_model_side(variable)}" if mine else f"the checkpoint's {_checkpoint_side(value)}"
    was, now = value.checkpoint_shape or (), variable.model_shape or ()
    if was != now:
        change, _own = _resize(was, now, _layer_of(variable) in vector_layers)
        conflict = f"the checkpoint has {format_shape(was)}, the model {format_shape(now)}" + (
            f" ({change})" if change else ""
        )
        choices = "keeps the model's initial value (keep-initial)" + (
            f" or copies {overlap_block(was, now)} (copy-overlap)" if len(was) == len(now) else ""
        )  # the repair names the same block (core/overlap_block.py); other ranks have none
    else:
        conflict = f"the checkpoint holds {value.checkpoint_dtype}, the model {variable.model_dtype}"
        choices = "keeps the model's initial value (keep-initial)"
    kind = "shape" if was != now else "dtype"
    return (
        f"likely {counterpart}: {renamed}; a {kind} conflict there: {conflict}. It cannot be restored as is: "
        f"the repair plan {choices}"
    )


def _for_conflict(entry: RestoreFinding, skip: str) -> list[str]:
    if entry.status == RestoreStatus.DTYPE_CONFLICT and {entry.checkpoint_dtype, entry.model_dtype} <= INTEGER_DTYPES:
        # tf.Variable(1) is an int32; a step counter saved by Keras or tf.train is an int64.
        return [
            f"the checkpoint holds {entry.checkpoint_dtype}, the model {entry.model_dtype}: create it with "
            f"dtype=tf.{entry.checkpoint_dtype} (tf.Variable(1) makes an {entry.model_dtype})"
            if entry.model_dtype == "int32"
            else f"the checkpoint holds {entry.checkpoint_dtype}, the model {entry.model_dtype}: create it with "
            f"dtype=tf.{entry.checkpoint_dtype}"
        ]
    if entry.status == RestoreStatus.DTYPE_CONFLICT:
        return [
            f"the checkpoint holds {entry.checkpoint_dtype}, the model expects {entry.model_dtype}: "
            "create the variable with the checkpoint's dtype (a mixed-precision policy?), then cast"
        ]
    if entry.status == RestoreStatus.DEFERRED:
        owner = entry.deferred_owner or "its owner"
        return [
            f"{owner} has no variables yet: build it before restoring (call the model once on an input, "
            "model.build(input_shape), or optimizer.build(model.trainable_variables))"
        ]
    return []


def _shape_advice(entry: RestoreFinding, skip: str, vector_layers: set[str], said: dict[tuple[str, str], str]) -> str:
    was, now = entry.checkpoint_shape or (), entry.model_shape or ()
    shapes = f"the checkpoint has {format_shape(was)}, the model {format_shape(now)}"
    if entry.optimizer:
        return (
            f"{shapes}: optimizer state follows the shape of the variable it belongs to, or the optimizer is not "
            "the kind that saved it (another class, or built over other variables); it cannot be restored: "
            "restore the model alone, or let the optimizer start afresh"
        )
    layer = _layer_of(entry)
    change, own_size = _resize(was, now, layer in vector_layers)
    # Named as the rows name it (a Keras file's ``dense/kernel``, not ``layers/dense/vars/0``: review 23 #10).
    name = entry.readable_name
    first = said.setdefault((layer, change), name) if change else name
    if first != name:
        return f"{shapes}: the same change as {first} (see its advice)"
    if not change:
        advice = f"{shapes}: build this variable with its old shape to restore it, or {skip} and train it anew"
    elif own_size:
        advice = f"{shapes} ({change}): build this layer with its old size to restore it, or {skip} and train it anew"
    else:
        advice = f"{shapes} ({change}): it fits again once that is undone; otherwise {skip} and train it anew"
    return advice + _overlap_choice(was, now)


def _overlap_choice(was: Shape, now: Shape) -> str:
    """The repair plan's other way out of a shape conflict, its block named as the repair
    names it (one rule: core/overlap_block.py), when the ranks agree (else none can be copied)."""
    if not (was and now and len(was) == len(now)):
        return ""
    return f"; or a repair plan copies {overlap_block(was, now)} (copy-overlap), the rest keeping its initial value"


def _resize(was: Shape, now: Shape, vector_layer: bool = False) -> tuple[str, bool]:
    """Which dimension changed, in words, and whether it is the layer's own size (units,
    filters) rather than the size of what it receives from the layer before it. A vector
    of a ``vector_layer`` (a normalization's) has the width of the layer's input."""
    if not (was and now and len(was) == len(now)):
        return "", True
    changed = [i for i, (a, b) in enumerate(zip(was, now)) if a != b]
    if len(changed) != 1:
        return "", True
    i, rank = changed[0], len(was)
    a, b = was[i], now[i]
    if rank == 1 and vector_layer:
        return f"its input went from {a} to {b} features: the layer before it changed", False
    if rank <= 2 and i == rank - 1:
        return f"the layer went from {a} to {b} units", True
    if rank == 2:  # a dense kernel [inputs, units]
        return f"its input went from {a} to {b} features: the layer before it changed", False
    if i == rank - 1:  # a convolution kernel [..., in_channels, filters]
        return f"the layer went from {a} to {b} filters", True
    if i == rank - 2:
        return f"its input went from {a} to {b} channels: the layer before it changed", False
    return f"its kernel size changed ({a} -> {b})", True


def _candidates(
    entry: RestoreFinding, pool: list[RestoreFinding], from_checkpoint: bool, name_based: bool = False
) -> list[tuple[RestoreFinding, str]]:
    """Likely counterparts of an unmatched checkpoint value (``from_checkpoint``) among
    the model's missing variables, or the other way round: same shape and dtype, same
    kind (model weights pair with model weights, optimizer state with optimizer state),
    most similar path first."""
    scored = []
    for candidate in pool:
        if not _alike(entry, candidate, from_checkpoint):
            continue
        mine, theirs = entry.label, candidate.label
        score = difflib.SequenceMatcher(None, mine, theirs).ratio()
        old, new = (mine, theirs) if from_checkpoint else (theirs, mine)  # saved name -> the model's name now
        scored.append((score, candidate, _difference(old, new, name_based)))
    scored.sort(key=lambda item: -item[0])
    # Clearly the best (a renamed prefix of this very path): say only that one.
    close = [item for item in scored if scored[0][0] - item[0] < _CLEARLY_BETTER]
    return [(candidate, why) for _score, candidate, why in close[:3]]


def _alike(entry: RestoreFinding, candidate: RestoreFinding, from_checkpoint: bool) -> bool:
    """Same shape and dtype (the saved ones against the wanted ones), same kind."""
    saved, wanted = (entry, candidate) if from_checkpoint else (candidate, entry)
    return (
        saved.checkpoint_shape == wanted.model_shape
        and saved.checkpoint_dtype == wanted.model_dtype
        and candidate.optimizer == entry.optimizer
        and candidate.is_counter == entry.is_counter
    )


def _difference(a: str, b: str, name_based: bool = False) -> str:
    """In words, how two paths differ (the three usual ways a restore breaks);
    ``name_based``: TF1 variable names (scopes and a name), not object paths (attributes)."""
    pa, pb = a.split("/"), b.split("/")
    if len(pa) == len(pb):
        changed = [i for i, (x, y) in enumerate(zip(pa, pb)) if x != y]
        if len(changed) == 1:
            i = changed[0]
            x, y = pa[i], pb[i]
            if _NUMBER.sub("#", x) == _NUMBER.sub("#", y):
                return f"same shape and dtype; the index moved ({x} -> {y}): a layer added or removed before it"
            if i == len(pa) - 1:
                renamed = "the variable's name changed" if name_based else "the attribute was renamed"
                return f"same shape and dtype; {renamed} ({x} -> {y})"
            return f"same shape and dtype; {'the scope ' if name_based else ''}'{x}' was renamed to '{y}'"
    common = 0
    while common < min(len(pa), len(pb)) and pa[-1 - common] == pb[-1 - common]:
        common += 1
    if common:
        return (f"same shape and dtype and the same tail ({'/'.join(pa[len(pa) - common :])}); "
                f"the prefix changed ({'/'.join(pa[: len(pa) - common]) or '(root)'} -> "
                f"{'/'.join(pb[: len(pb) - common]) or '(root)'})")  # fmt: skip
    return "same shape and dtype"


def _model_side(variable: RestoreFinding) -> str:
    """A model variable as the table and tree name it, its path beside it when that differs
    (a Keras 3 file's model-only ``head/kernel (head/vars/0)``)."""
    name, path = variable.readable_name, variable.model_path
    return f"{name} ({path})" if path and path != name else name


def _checkpoint_side(value: RestoreFinding) -> str:
    """A checkpoint value as the table and tree name it (a Keras file's weight by the file's
    name for it), its key beside it when that differs: ``dense_1/kernel (head/vars/0)``."""
    name = value.readable_name
    return f"{name} ({value.checkpoint_key})" if value.checkpoint_key and value.checkpoint_key != name else name
