"""A layer inserted into (or removed from) a Keras model whose layers are numbered by
position (``_operations/N`` in Keras 3 functional and Sequential models,
``layer_with_weights-N`` in Keras 2): every later layer's weights moved to another
number, so each meets a value of another layer. Found by the shift under which all
the later weights match again in shape and dtype."""

from __future__ import annotations

from ckpt_gui.diagnosis.cause_facts import Cause, layer_position, model_side, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding

_MOST_LAYERS = 3  # the most layers inserted or removed in one place that are looked for

Weights = dict[tuple[int, str], tuple]  # (position, weight name) -> (shape, dtype)


def shifted_layers(findings: list[RestoreFinding]) -> list[Cause]:
    """One cause per list of layers whose later layers all moved by the same number."""
    saved: dict[str, Weights] = {}
    model: dict[str, Weights] = {}
    where: dict[str, list[tuple[int, tuple[int, str], bool]]] = {}  # finding index, place, on the model side
    for index, finding in enumerate(findings):
        for path, side, is_model in ((saved_path(finding), saved, False), (model_side(finding), model, True)):
            position = layer_position(path or "")
            if position is None:
                continue
            layers, number, weight = position
            shape = finding.model_shape if is_model else finding.checkpoint_shape
            dtype = finding.model_dtype if is_model else finding.checkpoint_dtype
            side.setdefault(layers, {})[(number, weight)] = (shape, dtype)
            where.setdefault(layers, []).append((index, (number, weight), is_model))
    causes = []
    for layers in sorted(set(saved) & set(model)):
        shift = _shift(saved[layers], model[layers])
        if shift is not None:
            causes.append(_cause(layers, *shift, where[layers]))
    return causes


def _shift(saved: Weights, model: Weights) -> tuple[int, int] | None:
    """``(first, moved)``: from position ``first`` on, the checkpoint's layer N is the
    model's layer N + moved (moved > 0: layers inserted, < 0: removed)."""
    first = _first_difference(saved, model)
    if first is None:
        return None
    for count in range(1, _MOST_LAYERS + 1):
        if _moved(saved, model, first, count):
            return first, count
        if _moved(model, saved, first, count):
            return first, -count
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


def _moved(before: Weights, after: Weights, first: int, count: int) -> bool:
    """Whether every weight of ``before`` from ``first`` on is at its position + count in
    ``after``, and every weight of ``after`` from ``first + count`` on came from there."""
    later = {(n, w): v for (n, w), v in before.items() if n >= first}
    if not later:
        return False
    if any(after.get((n + count, w)) != v for (n, w), v in later.items()):
        return False
    return all(before.get((n - count, w)) == v for (n, w), v in after.items() if n >= first + count)


def _cause(layers: str, first: int, moved: int, places: list[tuple[int, tuple[int, str], bool]]) -> Cause:
    count = abs(moved)
    layer = "a layer was" if count == 1 else f"{count} layers were"
    was, now = first + max(-moved, 0), first + max(moved, 0)
    later = f"every later weight moved by {count} ({layers}{was} is now {layers}{now})"
    if moved > 0:
        note = (
            f"{layer} inserted before {layers}{first}; {later}, so each meets a value of another layer. Remove "
            "the new layer to restore, or restore into the model as it was saved and copy the weights across layer "
            "by layer (new_layer.set_weights(old_layer.get_weights()))"
        )
    else:
        note = (
            f"{layer} removed at {layers}{first}; {later}, so each meets a value of another layer. Put it back to "
            "restore, or restore into the model as it was saved and copy the weights across layer by layer "
            "(new_layer.set_weights(old_layer.get_weights()))"
        )
    explains: dict[int, list[str]] = {}
    for index, (number, weight), is_model in places:
        if number >= first:
            explains.setdefault(index, []).append(_explained(layers, first, moved, number, weight, is_model))
    return Cause(note, {index: "; ".join(parts) + "; see the notes" for index, parts in explains.items()})


def _explained(layers: str, first: int, moved: int, number: int, weight: str, is_model: bool) -> str:
    """Where the counterpart of one moved weight is now, in words."""
    if is_model:
        source = number - moved
        if source < first:
            return "a new layer: the checkpoint has no value for it"
        return f"its value is the checkpoint's {layers}{source}/{weight}"
    if number + moved < first:
        return "its layer was removed from the model"
    return f"the checkpoint's value here belongs to the model's {layers}{number + moved}/{weight}"
