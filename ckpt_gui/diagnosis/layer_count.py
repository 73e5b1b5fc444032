"""A model with more or fewer layers than the checkpoint's, where no shift explains it
(layer_shift.py): Keras numbers a Sequential or functional model's layers by position
(``_operations/N``), so with a layer removed the script's layers meet values saved for
other layers, of other shapes. Review 14 (seed 003: Dense 784->128->10 saved, a single
Dense 784->10 built): each conflict alone read "the layer went from 128 to 10 units:
build this layer with its old size", and the last layer's values "claimed by nothing".
TensorFlow's own restore stops at the first of those conflicts.

Pure Python, from the findings alone."""

from __future__ import annotations

from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.cause_facts import Cause, layer_position, model_side, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding

Layers = dict[int, dict[str, tuple]]  # position -> weight name -> shape


def changed_layer_count(findings: list[RestoreFinding], shifted: set[str]) -> list[Cause]:
    """One cause per list of layers (not in ``shifted``: a shift says more) whose layer
    count differs between the checkpoint and the model, where the layers both have
    conflict: a head added or cut off with the rest whole is no conflict, and not this;
    and where the layers' sizes say a layer is gone (or new), not resized (_one_less)."""
    saved: dict[str, Layers] = {}
    model: dict[str, Layers] = {}
    places: dict[str, list[tuple[int, int, bool]]] = {}  # list -> (finding index, position, on the model side)
    for index, finding in enumerate(findings):
        if finding.optimizer:
            continue
        sides = ((saved_path(finding), saved, False, finding.checkpoint_shape),
                 (model_side(finding), model, True, finding.model_shape))  # fmt: skip
        for path, side, is_model, shape in sides:
            position = layer_position(path or "")
            if position is None or shape is None:
                continue
            layers, number, weight = position
            if weight.startswith("vars/"):  # a Keras weights file's: load_weights counts layers itself
                continue
            side.setdefault(layers, {}).setdefault(number, {})[weight] = shape
            places.setdefault(layers, []).append((index, number, is_model))
    causes = []
    for layers in sorted((set(saved) & set(model)) - shifted):
        was, now = saved[layers], model[layers]
        common = set(was) & set(now)
        conflicts = [i for i, n, _m in places[layers]
                     if n in common and findings[i].status == RestoreStatus.SHAPE_CONFLICT]  # fmt: skip
        if len(was) != len(now) and conflicts and _one_less(_units(was), _units(now)):
            # A value restored whole needs no word of the cause.
            places_left = [p for p in places[layers] if findings[p[0]].status != RestoreStatus.CONSUMED]
            causes.append(_cause(layers, was, now, findings[conflicts[0]], places_left, common))
    return causes


def _cause(layers: str, was: Layers, now: Layers, first: RestoreFinding, places: list, common: set[int]) -> Cause:
    removed = len(was) > len(now)
    count = abs(len(was) - len(now))
    what = ("a layer was" if count == 1 else f"{count} layers were") + (" removed" if removed else " added")
    name = layers.rstrip("/_-")
    note = (
        f"{what}: the checkpoint's model has {_layers(len(was))} in {name}{_chain(was)}, the script's "
        f"{len(now)}{_chain(now)}. Its layers are numbered by position, so the script's meet values saved for "
        f"other layers ({first.label}: {format_shape(first.checkpoint_shape)} saved, "
        f"{format_shape(first.model_shape)} built) and TensorFlow's restore stops there. "
        + ("Add the missing layer back" if removed and count == 1 else "Add the missing layers back" if removed
           else "Remove the new layer" if count == 1 else "Remove the new layers")
        + " to restore the checkpoint as it was saved, or leave its values out (status.expect_partial(), or a "
        "repair plan that keeps the script's layers initial) and train the script's model anew"
    )  # fmt: skip
    counts = f"{len(was)} saved, {len(now)} built"
    said = f"the checkpoint's model has {_layers(len(was))} here, the script's {len(now)}: see the notes"
    explains = {}
    for index, number, is_model in places:
        if number in common:
            explains[index] = said
        elif is_model:
            explains[index] = f"a layer place the checkpoint's model does not have ({counts}): see the notes"
        else:
            explains[index] = f"saved at a layer place the script's model does not have ({counts}): see the notes"
    return Cause(note, explains)


def _units(layers: Layers) -> list[int] | None:
    """Each layer's units (its kernel's last axis), in order; None when a layer has no kernel."""
    kernels = [next((shape for weight, shape in layers[n].items() if weight.endswith("kernel")), None)
               for n in sorted(layers)]  # fmt: skip
    return None if any(k is None or len(k) < 2 for k in kernels) else [k[-1] for k in kernels]


def _one_less(saved: list[int] | None, built: list[int] | None) -> bool:
    """Whether the longer list of units is the shorter one with layers taken out: the
    layers kept their sizes, some are gone (128, 10 saved; 10 built). A layer widened
    and another appended (16, 4 saved; 32, 4, 8 built) is not that: each conflict's own
    advice ("from 16 to 32 units") is the story there."""
    if saved is None or built is None:
        return False
    longer, shorter = (saved, built) if len(saved) > len(built) else (built, saved)
    rest = iter(longer)
    return all(any(units == kept for kept in rest) for units in shorter)  # a subsequence, in one pass


def _layers(count: int) -> str:
    return f"{count} layer{'s' if count != 1 else ''} with weights"


def _chain(layers: Layers) -> str:
    """`` (784->128->10)``: each layer's kernel from its inputs to its units, when every
    layer has one (a dense kernel [in, out], a convolution's [..., in, out]); else nothing."""
    ends = []
    for number in sorted(layers):
        kernel = next((shape for weight, shape in layers[number].items() if weight.endswith("kernel")), None)
        if kernel is None or len(kernel) < 2:
            return ""
        ends.append((kernel[-2], kernel[-1]))
    parts = [f"{ends[0][0]}->{ends[0][1]}"]
    for (inputs, units), (_before, out) in zip(ends[1:], ends[:-1], strict=True):
        parts[-1:] = [f"{parts[-1]}->{units}"] if inputs == out else [parts[-1], f"{inputs}->{units}"]
    return f" ({', '.join(parts)})"
