"""Pairing a Keras weights file with a checkpoint of another kind (a TensorFlow bundle
written with ``tf.train.Checkpoint(model=model)``, or the other Keras format) when
their names do not pair them (name_pairing.py: a name matching several variables, or
none: a layer class whose variables the file names by position).

Both sides are cut into layers: the Keras file's in the order the model saved them,
the checkpoint's by the layer part of its object paths, in natural order (``2`` before
``10``; ``layer_with_weights-N`` and Keras 3's ``_operations/N`` are numbered in the
model's order). The i-th layer with variables on one side meets the i-th on the other,
and inside a pair of layers the variables are paired by name (``_kernel`` is
``kernel``), else by position; a pair of layers whose variables do not all match in
number and shape is left unpaired, and so is everything after it (once out of step,
order says nothing). Optimizer variables, and a checkpoint's variables in no layer
(``save_counter``), are not paired this way; names are tried first (name_pairing.py).
"""

from __future__ import annotations

import re

from ckpt_gui.core.checkpoint import Checkpoint, Variable

PAIRED_BY = "layer order"
_OPTIMIZER_PARTS = ("optimizer", "optimizer_weights")


def pair_by_layer_order(
    a: Checkpoint, b: Checkpoint, only_a: list[Variable], only_b: list[Variable]
) -> list[tuple[Variable, Variable]]:
    """Pairs of (A's, B's) variables among those still unpaired, when one side is a Keras file."""
    if (a.keras is None) == (b.keras is None) and (a.keras is None or a.format == b.format):
        return []
    pairs = []
    for layer_a, layer_b in zip(_layers(a, only_a), _layers(b, only_b)):
        matched = _match_layer(layer_a, layer_b)
        if matched is None:
            break
        pairs += matched
    return pairs


def _layers(ckpt: Checkpoint, variables: list[Variable]) -> list[list[Variable]]:
    """The model's variables grouped by layer, layers in the model's order."""
    groups: dict[str, list[Variable]] = {}
    if ckpt.keras is not None:
        order = {key: i for i, key in enumerate(ckpt.keras.model_order())}
        chosen = sorted((v for v in variables if v.key in order), key=lambda v: order[v.key])
        for variable in chosen:
            groups.setdefault(variable.display_path.rpartition("/")[0], []).append(variable)
        return list(groups.values())
    for variable in variables:
        path = variable.display_path
        if any(part.strip("_") in _OPTIMIZER_PARTS for part in path.split("/")):
            continue
        if "/" not in path:  # the root's own (``save_counter`` of a save()): in no layer, and
            continue  # sorted first it put every layer out of step (review 23 #13)
        groups.setdefault(path.rpartition("/")[0], []).append(variable)
    return [groups[layer] for layer in sorted(groups, key=natural_key)]


def natural_key(path: str) -> list:
    """``_operations/2`` before ``_operations/10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def _name(variable: Variable) -> str:
    return variable.display_path.rpartition("/")[2].lstrip("_")


def _match_layer(a: list[Variable], b: list[Variable]) -> list[tuple[Variable, Variable]] | None:
    if len(a) != len(b):
        return None
    by_name = {_name(v): v for v in b}
    if len(by_name) == len(b) and all(_name(v) in by_name for v in a):
        pairs = [(v, by_name[_name(v)]) for v in a]
    else:
        pairs = list(zip(a, b))
    if any(va.shape != vb.shape or va.dtype.name != vb.dtype.name for va, vb in pairs):
        return None
    return pairs
