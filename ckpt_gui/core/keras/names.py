"""Readable names for the datasets of a Keras weights file, and where the optimizer's
variables belong.

Keras 3 names its datasets by position (``layers/dense/vars/0``): the layer's name is
the ``name`` attribute of its ``vars`` group, and the variable's name comes from the
layer's class (``.keras`` archives: its config; a weights file alone: the group name,
which Keras makes from the class, ``dense_1`` for the second Dense) when the number of
variables fits that class; otherwise the position stays the name.

Optimizer variables: Keras 3 keeps them as ``optimizer/vars/<i>``: first its own
(iterations, learning rate), then, for each trainable variable of the model in order,
its slots (Adam: momentum, velocity). The file does not say which model variables are
trainable: they are matched in order by shape (never a moving mean or variance), and
the placement is kept only when it accounts for every optimizer variable. Keras 2
(tf_keras) names its slots after the variable (``Adam/m/dense/kernel:0``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ckpt_gui.core.keras.h5_layout import StoredDataset

_KERNEL_BIAS = ("kernel", "bias")
_RNN_CELL = ("kernel", "recurrent_kernel", "bias")
# Keras 3 class -> its variables in the order the layer saves them (trainable first).
VARIABLES_BY_CLASS = {
    "Dense": _KERNEL_BIAS,
    "EinsumDense": _KERNEL_BIAS,
    **dict.fromkeys(
        ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"), _KERNEL_BIAS
    ),
    **dict.fromkeys(("DepthwiseConv1D", "DepthwiseConv2D"), _KERNEL_BIAS),
    **dict.fromkeys(("SeparableConv1D", "SeparableConv2D"), ("depthwise_kernel", "pointwise_kernel", "bias")),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "LayerNormalization": ("gamma", "beta"),
    "GroupNormalization": ("gamma", "beta"),
    "Embedding": ("embeddings",),
    "PReLU": ("alpha",),
    **dict.fromkeys(("LSTMCell", "GRUCell", "SimpleRNNCell"), _RNN_CELL),
}
# The group names Keras makes from those classes (snake case; a ``_N`` suffix for repeats).
_CLASS_BY_GROUP = {re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", c).lower(): c for c in VARIABLES_BY_CLASS}
_CLASS_BY_GROUP.update({"lstm_cell": "LSTMCell", "gru_cell": "GRUCell", "simple_rnn_cell": "SimpleRNNCell"})
_REPEAT = re.compile(r"_\d+$")
NON_TRAINABLE = frozenset({"moving_mean", "moving_variance"})
# Keras 3 optimizer (its default name) -> slot names per trainable variable.
SLOTS_BY_OPTIMIZER = {
    "adam": ("momentum", "velocity"),
    "adamw": ("momentum", "velocity"),
    "nadam": ("momentum", "velocity"),
    "lamb": ("momentum", "velocity"),
    "adamax": ("m", "u"),
    "sgd": ("momentum",),
    "lion": ("momentum",),
    "rmsprop": ("velocity",),
    "adagrad": ("accumulator",),
    "adadelta": ("accumulated_grad", "accumulated_delta_var"),
    "ftrl": ("accumulator", "linear"),
}
_OWN_VARIABLES = ("iteration", "learning_rate")  # as Keras 3 names them


@dataclass(frozen=True, slots=True)
class KerasName:
    """Where a dataset shows in the tree: its readable path; for an optimizer slot, the
    key of the model variable it belongs to and the slot's name."""

    path: tuple[str, ...]
    owner: str | None = None
    slot: str = ""


@dataclass(frozen=True, slots=True)
class LayerInfo:
    """What the config says of a layer (for naming its variables)."""

    class_name: str
    config: dict


def variable_names(class_name: str, count: int, config: dict | None) -> tuple[str, ...] | None:
    """The names of a layer's ``count`` saved variables, None when they cannot be told."""
    names = VARIABLES_BY_CLASS.get(class_name)
    if names is None:
        return None
    if config:
        if config.get("use_bias") is False or config.get("center") is False:
            names = tuple(n for n in names if n not in ("bias", "beta"))
        if config.get("scale") is False:
            names = tuple(n for n in names if n != "gamma")
    if len(names) == count:
        return names
    if "bias" in names and len(names) - 1 == count:  # use_bias=False, no config to say so
        return tuple(n for n in names if n != "bias")
    return None


def keras3_names(
    datasets: list[StoredDataset], group_names: dict[str, str], layers: dict[str, LayerInfo]
) -> tuple[dict[str, KerasName], str]:
    """Readable names for Keras 3 datasets, and how the optimizer's were placed.

    ``group_names``: h5 group path -> the ``name`` attribute of its ``vars`` group;
    ``layers``: layer name -> what the archive's config says of it (empty without one)."""
    by_group: dict[str, list[StoredDataset]] = {}
    for ds in datasets:
        group, _, index = ds.key.rpartition("/vars/")
        if index.isdigit():
            by_group.setdefault(group, []).append(ds)
    names: dict[str, KerasName] = {}
    for group, members in by_group.items():
        if group == "optimizer":
            continue
        members.sort(key=lambda d: int(d.key.rpartition("/")[2]))
        readable = _group_path(group, group_names)
        layer = layers.get(readable[-1]) if readable else None
        class_name = layer.class_name if layer else _class_from_names(group, readable)
        own = variable_names(class_name, len(members), layer.config if layer else None)
        for i, ds in enumerate(members):
            names[ds.key] = KerasName((*readable, own[i] if own else str(i)))
    for ds in datasets:  # anything outside the usual layout keeps its h5 path
        names.setdefault(ds.key, KerasName(tuple(ds.key.split("/"))))
    note = _place_optimizer(by_group.get("optimizer", []), datasets, names, group_names.get("optimizer", ""))
    return names, note


def model_variable_path(model_path: str, own_name: str, names: dict[str, KerasName]) -> tuple[str, ...] | None:
    """A model variable the file has no value for, named as the file's weights are:
    ``layers/dense_3/vars/0`` (where Keras 3 reads it) with its own name ``kernel`` is
    ``dense_3/kernel``; in a layer the file also has (a variable added to it), under
    the file's name for that layer; the model's own ``vars/0`` (``add_weight``) by its
    name alone. None outside Keras 3's ``.../vars/N`` layout (a
    Keras 2 model's ``layer_with_weights-1/kernel`` reads well as it is).

    Not by the model's Keras name for the layer (``model_name``): Keras names layers in
    creation order, so a model's renamed ``head`` was ``dense_1`` like the file's ``dense2``."""
    group, _, index = f"/{model_path}".rpartition("/vars/")  # "vars/0": the model's own variable
    group = group.removeprefix("/")
    if not index.isdigit() or not own_name or group == "optimizer":
        return None
    if not group:  # a weight of the model itself (``add_weight`` in a subclassed model)
        return (own_name,)
    inside = f"{group}/vars/"
    same_layer = next((name for key, name in names.items() if key.startswith(inside) and name.owner is None), None)
    layer = same_layer.path[:-1] if same_layer is not None else _group_path(group, {})
    return (*layer, own_name)


def _class_from_names(group: str, readable: tuple[str, ...]) -> str:
    """The class Keras named the group (``dense_1``) or the object (``lstm_cell``) after."""
    for name in (group.rpartition("/")[2], readable[-1] if readable else ""):
        class_name = _CLASS_BY_GROUP.get(_REPEAT.sub("", name))
        if class_name:
            return class_name
    return ""


def _group_path(group: str, group_names: dict[str, str]) -> tuple[str, ...]:
    """``layers/dense`` -> (hidden,): each object's own name where its vars group gives it."""
    parts = group.split("/")
    path = []
    for i, part in enumerate(parts):
        if part == "layers" and i % 2 == 0:
            continue
        path.append(group_names.get("/".join(parts[: i + 1]), part))
    return tuple(path)


def _place_optimizer(
    optimizer: list[StoredDataset], datasets: list[StoredDataset], names: dict[str, KerasName], optimizer_name: str
) -> str:
    if not optimizer:
        return ""
    optimizer.sort(key=lambda d: int(d.key.rpartition("/")[2]))
    shown = optimizer_name or "optimizer"
    model = [
        ds for ds in datasets if not ds.key.startswith("optimizer/") and names[ds.key].path[-1] not in NON_TRAINABLE
    ]
    model = in_saved_order(model, lambda d: (d.offset is None, d.shard, d.offset or 0))
    known = SLOTS_BY_OPTIMIZER.get(_REPEAT.sub("", optimizer_name))
    for own in (2, 1, 3, 0):
        for slots in (len(known),) if known else (2, 1, 3):
            owners = _match(optimizer[own:], model, slots)
            if owners is None:
                continue
            slot_names = known or tuple(f"slot{j}" for j in range(slots))
            for i, ds in enumerate(optimizer[:own]):
                names[ds.key] = KerasName((shown, _OWN_VARIABLES[i] if i < 2 else f"var{i}"))
            for i, ds in enumerate(optimizer[own:]):
                owner = owners[i]
                names[ds.key] = KerasName(
                    (*names[owner.key].path, slot_names[i % slots]), owner.key, slot_names[i % slots]
                )
            return (
                f"optimizer variables placed by order: the first {own} are the optimizer's own, then "
                f"{slots} per trainable model variable ({', '.join(slot_names)}), matched by shape in the "
                f"order the model saved its variables ({len(optimizer) - own} slots for {len(owners) // slots} "
                "variables)"
            )
    for ds in optimizer:
        names[ds.key] = KerasName((shown, ds.key.rpartition("/")[2]))
    return "optimizer variables not placed: their order does not match the model's variables by shape"


def in_saved_order(items: list, position) -> list:
    """Keras 3 variables in the order the model saved them: its objects' ``vars`` groups
    in the order they were written, each group's variables by number. ``position(item)``:
    where its bytes are, ``(unplaced, shard, offset)``. A group is placed by its first
    bytes: HDF5 puts small datasets (a bias) in a block of their own, apart from the large
    ones (a kernel), each kind in the order written, so one variable's offset alone may
    put a later layer's bias before an earlier layer's kernel."""
    first: dict[str, tuple] = {}
    for item in items:
        group = _key(item).rpartition("/")[0]
        first[group] = min(first.get(group, position(item)), position(item))
    return sorted(items, key=lambda item: (first[_key(item).rpartition("/")[0]], _number(_key(item))))


def _key(item) -> str:
    return item if isinstance(item, str) else item.key


def _number(key: str) -> int:
    last = key.rpartition("/")[2]
    return int(last) if last.isdigit() else 0


def _match(slots_in_order: list[StoredDataset], model: list[StoredDataset], per: int) -> list[StoredDataset] | None:
    """The model variable of each slot (``per`` slots each, in order), or None."""
    if not slots_in_order or len(slots_in_order) % per:
        return None
    owners: list[StoredDataset] = []
    pos = 0
    for variable in model:
        group = slots_in_order[pos : pos + per]
        if len(group) == per and all(s.shape == variable.shape for s in group):
            owners += [variable] * per
            pos += per
    return owners if pos == len(slots_in_order) else None


def keras2_names(datasets: list[StoredDataset], keras3_writer: bool = False) -> tuple[dict[str, KerasName], str]:
    """Names of the legacy HDF5 layout (``layer_names``/``weight_names``) are in the file;
    optimizer slots go under the variable their name names: tf_keras's
    ``Adam/m/dense/kernel`` (or the older ``Adam/dense/kernel/m``), Keras 3's
    ``adam/sequential_1_d1_kernel_momentum`` (``model.save('x.h5')``: the variable's path
    with ``_`` for ``/``, then the slot). ``keras3_writer``: the file says Keras 3 wrote
    it; its slots and the optimizer's own variables are then named as a Keras 3
    ``.weights.h5`` names them (``d1/kernel/momentum``, ``adam/iteration``), so that a
    comparison of the two pairs them (review 12)."""
    names = {ds.key: KerasName(ds.names) for ds in datasets}
    by_weight = {}
    flat = {}  # Keras 3's slot name of each model variable: its weight name with "_" for "/"
    for ds in datasets:
        if ds.names and ds.names[0] != "optimizer":
            by_weight["/".join(ds.names)] = ds.key
            weight = ds.key.rpartition("/")[0].rpartition("/")[2] + "/" + ds.key.rpartition("/")[2].removesuffix(":0")
            by_weight.setdefault(weight, ds.key)
            flat.setdefault(_weight_name(ds).replace("/", "_"), ds.key)
    placed = []
    for ds in datasets:
        if not ds.names or ds.names[0] != "optimizer":
            continue
        parts = ds.names[1].split("/")
        found = _keras3_slot(parts, flat) if keras3_writer else None
        if found is not None:
            owner, slot = found
            names[ds.key] = KerasName((*names[owner].path, slot), owner, slot)
            placed.append(ds)
            continue
        if keras3_writer and len(parts) == 2:  # the optimizer's own (adam/iteration), as Keras 3 names it
            names[ds.key] = KerasName(tuple(parts))
        for slot, path in (
            (parts[1] if len(parts) > 2 else "", "/".join(parts[2:])),
            (parts[-1], "/".join(parts[1:-1])),
        ):
            owner = by_weight.get(path)
            if owner and slot:
                names[ds.key] = KerasName((*names[owner].path, f"{parts[0]}/{slot}"), owner, slot)
                placed.append(ds)
                break
    count = sum(1 for ds in datasets if ds.names and ds.names[0] == "optimizer")
    if not count:
        return names, ""
    if placed:  # the file's own first one as the example
        name = names[placed[0].key]
        example = f"{placed[0].names[1]} is {'/'.join(names[name.owner].path)}'s {name.slot}"
    else:
        example = "Adam/m/dense/kernel is dense/kernel's m"
    note = (
        f"{len(placed)} of {count} optimizer variables placed under their variable by name "
        f"({example}); the others are the optimizer's own"
    )
    return names, note


def _weight_name(ds: StoredDataset) -> str:
    """The ``weight_names`` entry a legacy-layout dataset was found by (its h5 path after
    the layer's group: ``sequential_1/d1/kernel``), without ``:0``."""
    key = ds.key.removeprefix("model_weights/") if ds.key.startswith(f"model_weights/{ds.names[0]}/") else ds.key
    return key.removeprefix(f"{ds.names[0]}/").removesuffix(":0")


def _keras3_slot(parts: list[str], flat: dict[str, str]) -> tuple[str, str] | None:
    """(owner's key, slot) of ``adam/sequential_1_d1_kernel_momentum``, or None. The
    longest variable name that leaves a slot name wins (a slot may hold ``_`` too:
    ``accumulated_grad``)."""
    if len(parts) != 2:
        return None
    name = parts[1]
    cut = name.rfind("_")
    while cut > 0:
        owner = flat.get(name[:cut])
        if owner is not None:
            return owner, name[cut + 1 :]
        cut = name.rfind("_", 0, cut)
    return None
