"""A layer inserted into (or removed from) a Keras model whose layers are numbered by
position (``_operations/N`` in Keras 3 functional and Sequential models,
``layer_with_weights-N`` in Keras 2): every later layer's weights moved to another
number, so each meets a value of another layer. Found by the shift under which all
the later weights match again in shape and dtype."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ckpt_gui.core.format.conventions import OPTIMIZER_TRAINABLE_LIST
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.cause_facts import Cause, layer_place, layer_position, model_side, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding

_MOST_LAYERS = 3  # the most layers inserted or removed in one place that are looked for
_PER_VARIABLE = re.compile(r"/\d+$")  # an optimizer's per-variable list entry (``_momentums/4``)

Weights = dict[tuple[int, str], tuple]  # (position, weight name) -> (shape, dtype)
Loose = list[tuple[int, tuple]]  # (finding index, (shape, dtype)) of values at no layer position


@dataclass
class _Side:
    """One side's weights in one list of layers, and where the findings sit in it."""

    weights: dict[str, Weights] = field(default_factory=dict)
    loose: Loose = field(default_factory=list)  # unclaimed values named by another path


@dataclass(frozen=True, slots=True)
class LayerShift:
    """From position ``first`` on, the checkpoint's layer N of the list ``layers`` is the
    model's layer N + ``moved`` (moved > 0: layers inserted, < 0: removed); ``borrowed``:
    findings named by another path that stand for a moved weight (finding index -> the
    (position, weight name) they stand for, on the side the layers moved from)."""

    layers: str
    first: int
    moved: int
    borrowed: dict[int, tuple[int, str]]
    # Some moved layers changed size too: the weights line up by their names only.
    resized: bool = False


def layer_shifts(findings: list[RestoreFinding]) -> list[LayerShift]:
    """Every list of layers whose later layers all moved by the same number (the repair plan reads these)."""
    return [shift for shift, _places, _saved in _found_shifts(findings)]


def shifted_layers(findings: list[RestoreFinding]) -> list[Cause]:
    """One cause per list of layers whose later layers all moved by the same number."""
    return [_cause(shift, places, saved, findings) for shift, places, saved in _found_shifts(findings)]


def _found_shifts(findings: list[RestoreFinding]) -> list[tuple[LayerShift, list, Weights]]:
    saved, model = _Side(), _Side()
    where: dict[str, list[tuple[int, tuple[int, str], bool]]] = {}  # finding index, place, on the model side
    for index, finding in enumerate(findings):
        for path, side, is_model in ((saved_path(finding), saved, False), (model_side(finding), model, True)):
            if path is None:
                continue
            value = (finding.model_shape, finding.model_dtype) if is_model else (
                finding.checkpoint_shape, finding.checkpoint_dtype)  # fmt: skip
            position = layer_position(path)
            if position is None:
                if _may_stand_in(finding):
                    side.loose.append((index, value))
                continue
            layers, number, weight = position
            side.weights.setdefault(layers, {})[(number, weight)] = value
            where.setdefault(layers, []).append((index, (number, weight), is_model))
    found = []
    for layers in sorted(set(saved.weights) & set(model.weights)):
        shift = _shift(saved.weights[layers], model.weights[layers], saved.loose, model.loose)
        if shift is None:  # a layer removed or inserted, and a later one resized as well?
            shift = _shift(_names(saved.weights[layers]), _names(model.weights[layers]), [], [])
            shift = (*shift, True) if shift is not None else None
        if shift is not None:
            found.append((LayerShift(layers, *shift), where[layers], saved.weights[layers]))
    return found


def _names(weights: Weights) -> Weights:
    """The weights by their names alone (any shape and dtype): a shift under which only the names line up."""
    return dict.fromkeys(weights, ())


def _shift(saved: Weights, model: Weights, saved_loose: Loose, model_loose: Loose) -> tuple | None:
    """``(first, moved, borrowed)``: from position ``first`` on, the checkpoint's layer N is
    the model's layer N + moved (moved > 0: layers inserted, < 0: removed); ``borrowed``:
    the loose findings that stand for a moved weight (finding index -> its counterpart)."""
    first = _first_difference(saved, model)
    if first is None:
        return None
    for count in range(1, _MOST_LAYERS + 1):
        borrowed = _moved(saved, model, first, count, model_loose)
        if borrowed is not None:
            return first, count, borrowed
        borrowed = _moved(model, saved, first, count, saved_loose)
        if borrowed is not None:
            return first, -count, borrowed
    return None


def _first_difference(saved: Weights, model: Weights) -> int | None:
    """The first position where the two sides' weights differ (in names, shapes or dtypes)."""
    numbers = sorted({number for number, _weight in saved} | {number for number, _weight in model})
    for number in numbers:
        mine = {weight: value for (n, weight), value in saved.items() if n == number}
        theirs = {weight: value for (n, weight), value in model.items() if n == number}
        if mine != theirs:
            return number
    return None


def _moved(before: Weights, after: Weights, first: int, count: int, loose: Loose) -> dict | None:
    """Whether every weight of ``before`` from ``first`` on is at its position + count in
    ``after``, and every weight of ``after`` from ``first + count`` on came from there. A
    weight ``after`` names by another path (the doctor names a variable by its first
    path, an optimizer's list perhaps) may stand in, if it has the shape and dtype.
    Returns the stand-ins (finding index -> the ``before`` weight), or None."""
    later = {(n, w): v for (n, w), v in before.items() if n >= first}
    free = list(loose)
    borrowed: dict[int, tuple[int, str]] = {}
    placed = 0
    for (n, w), value in sorted(later.items()):
        target = after.get((n + count, w))
        if target == value:
            placed += 1
            continue
        stand_in = next((item for item in free if item[1] == value), None) if target is None else None
        if stand_in is None:
            return None
        free.remove(stand_in)
        borrowed[stand_in[0]] = (n, w)
    if not placed:
        return None
    if any(before.get((n - count, w)) != v for (n, w), v in after.items() if n >= first + count):
        return None
    return borrowed


def _cause(shift: LayerShift, places: list, saved: Weights, findings: list) -> Cause:
    layers, first, moved, borrowed = shift.layers, shift.first, shift.moved, shift.borrowed
    count = abs(moved)
    layer = "a layer was" if count == 1 else f"{count} layers were"
    was, now = first + max(-moved, 0), first + max(moved, 0)
    later = f"every later weight moved by {count} ({layer_place(layers, was)} is now {layer_place(layers, now)})"
    optimizer = moved_optimizer_state(findings)
    if optimizer:
        later += ", and the optimizer's per-variable state with them"
    if shift.resized:
        later += (
            "; some of them changed size as well, so no value fits them. Where no path meets, TensorFlow binds "
            "a value by its place in the optimizer's list of trainable variables, a guess by position that pairs "
            "weights of different layers after the shift"
        )
    fix = "restore into the model as it was saved and copy the weights across layer by layer " \
          "(new_layer.set_weights(old_layer.get_weights()))"  # fmt: skip
    place = layer_place(layers, first)
    if moved > 0:
        note = f"{layer} inserted before {place}; {later}. Remove the new layer to restore, or {fix}"
    else:
        note = f"{layer} removed at {place}; {later}. Put it back to restore, or {fix}"
    explains: dict[int, list[str]] = {}
    for index, (number, weight), is_model in sorted(places, key=lambda place: not place[2]):  # the model's first
        if number >= first:
            said = _explained(layers, first, moved, number, weight, is_model)
            if is_model:
                said += _resized(saved.get((number - moved, weight)), findings[index])
            explains.setdefault(index, []).append(said)
    for index, (number, weight) in borrowed.items():
        side = "the checkpoint's" if moved > 0 else "the model's"
        explains.setdefault(index, []).append(f"likely {side} {layer_place(layers, number)}/{weight}, moved")
    for index in optimizer:
        explains.setdefault(index, ["optimizer state of a moved layer: it moved with the layers"])
    for index in explains:
        if _bound_by_position(findings[index]):
            explains[index].insert(
                0,
                f"bound here only by its place in the optimizer's list ({_saved_as(findings[index])} "
                "was saved there): a guess by position, not the same layer",
            )
    return Cause(note, {index: "; ".join(parts) + "; see the notes" for index, parts in explains.items()})


def _resized(counterpart: tuple | None, finding: RestoreFinding) -> str:
    """A moved model weight whose saved counterpart has another shape, in words."""
    if counterpart is None or finding.model_shape is None or counterpart[0] == finding.model_shape:
        return ""
    return f" (resized too: {format_shape(counterpart[0])} there, {format_shape(finding.model_shape)} here)"


def _bound_by_position(finding: RestoreFinding) -> bool:
    """TensorFlow bound a value saved as one layer's weight to another layer's variable,
    through the optimizer's list of trainable variables (where no path met)."""
    saved, bound = finding.checkpoint_path, finding.model_path
    if not (saved and bound and OPTIMIZER_TRAINABLE_LIST in (finding.checkpoint_key or "")):
        return False
    return layer_position(saved) != layer_position(bound)


def _saved_as(finding: RestoreFinding) -> str:
    return finding.checkpoint_path or finding.label


def _explained(layers: str, first: int, moved: int, number: int, weight: str, is_model: bool) -> str:
    """Where the counterpart of one moved weight is now, in words."""
    if is_model:
        source = number - moved
        if source < first:
            return "a new layer: the checkpoint has no value for it"
        return f"its value is the checkpoint's {layer_place(layers, source)}/{weight}"
    if number + moved < first:
        return "the checkpoint's value here is of the removed layer"
    return f"the checkpoint's value here belongs to the model's {layer_place(layers, number + moved)}/{weight}"


def _may_stand_in(finding: RestoreFinding) -> bool:
    """An unclaimed weight named by another path than its layer's: a model weight the
    doctor names by an optimizer's list of trainable variables, say."""
    return finding.status in (RestoreStatus.MISSING, RestoreStatus.UNMATCHED) and (
        not finding.optimizer or OPTIMIZER_TRAINABLE_LIST in finding.label
    )


def moved_optimizer_state(findings: list[RestoreFinding]) -> list[int]:
    """The optimizer's per-variable values that did not fit (finding indices): when layers
    moved, they follow their variables, by position in the optimizer's lists."""
    return [
        i
        for i, f in enumerate(findings)
        if f.optimizer
        and f.status in (RestoreStatus.SHAPE_CONFLICT, RestoreStatus.MISSING)
        and _PER_VARIABLE.search(f.label)
    ]
