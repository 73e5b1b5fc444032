"""The user's side of an object-based restore: the children of their objects, every
variable reachable from the root, and the Keras weights no checkpoint path reaches."""

from __future__ import annotations

import heapq
import sys
from collections import deque
from itertools import count

from . import conventions
from .variables import is_variable


def children(view, obj) -> dict:
    """An object's checkpoint children by local name (``view``: a tf.train.TrackableView)."""
    try:
        return dict(view.children(obj))
    except Exception:  # noqa: BLE001 - an object that cannot list its children matches nothing
        return {}


def reachable_variables(view, root) -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """Every variable reachable from the root, at its first (shortest) path; and every
    other object reached, with its path (the owners of those variables)."""
    seen: set[int] = {id(root)}
    found = []
    owners = [("", root)]
    queue = deque([(root, ())])
    while queue:
        obj, path = queue.popleft()
        for name, child in children(view, obj).items():
            if id(child) in seen:
                continue
            seen.add(id(child))
            child_path = path + (name,)
            if is_variable(child):
                found.append(("/".join(child_path), child))
            else:
                owners.append(("/".join(child_path), child))
                queue.append((child, child_path))
    return found, owners


def layers_of_variables(view, owners: list[tuple[str, object]]) -> dict[int, tuple[str, str]]:
    """``{id(variable): (layer name, layer class)}`` for each variable a Keras layer holds
    as its own checkpoint child (``_operations/1/_kernel``'s Dense): the model's side of a
    layer the doctor names."""
    found: dict[int, tuple[str, str]] = {}
    for _path, owner in owners:
        if not _is_keras_layer(owner):
            continue
        for child in children(view, owner).values():
            if is_variable(child):
                found.setdefault(id(child), (str(getattr(owner, "name", "") or ""), type(owner).__name__))
    return found


def object_paths(view, root) -> dict[int, str]:
    """Every object reachable from the root (by id), named by its best path: the same
    preference as the checkpoint side (objects.py), so a weight Keras 3 also lists under
    ``optimizer/_trainable_variables`` is named by its place in the model. For naming
    only: what TensorFlow binds is recorded, not derived from these paths."""
    paths: dict[int, str] = {}
    order = count()
    heap = [(0, next(order), root, ())]
    while heap:
        level, _n, obj, path = heapq.heappop(heap)
        if id(obj) in paths:
            continue  # settled at a better (or as good and earlier) path
        paths[id(obj)] = "/".join(path)
        if is_variable(obj):
            continue
        for name, child in children(view, obj).items():
            if id(child) not in paths:
                heapq.heappush(heap, (max(level, _naming_level(name, child)), next(order), child, path + (name,)))
    return paths


def slot_names(owners: list[tuple[str, object]], names: dict[int, str]) -> dict[int, str]:
    """``{id(slot variable): its variable's path + slot}`` of each Keras 3 optimizer among
    ``owners``: its per-variable lists (``_momentums``...) go by position in its
    ``_trainable_variables``, so ``optimizer/_momentums/4`` is
    ``model/.../3/_kernel/momentum`` (``names``: object_paths). A slot only the model has
    is named so too, as the checkpoint's slots are (review 23 #4)."""
    found: dict[int, str] = {}
    for _path, owner in owners:
        trainable = getattr(owner, conventions.OPTIMIZER_TRAINABLE_LIST, None) if is_optimizer(owner) else None
        if not isinstance(trainable, (list, tuple)) and type(trainable).__name__ != "ListWrapper":
            continue
        trainable = list(trainable)
        for list_name in vars(owner):
            slots = getattr(owner, list_name, None)
            if list_name in conventions.KERAS_OPTIMIZER_LISTS or not list_name.startswith("_") or slots is None:
                continue
            if not (isinstance(slots, (list, tuple)) or type(slots).__name__ == "ListWrapper"):
                continue
            slots = list(slots)
            if len(slots) != len(trainable) or not all(is_variable(s) for s in slots):
                continue
            for variable, slot in zip(trainable, slots):
                if id(variable) in names:
                    found[id(slot)] = f"{names[id(variable)]}/{conventions.keras_slot_name(list_name)}"
    return found


def _naming_level(name: str, child) -> int:
    """How badly an edge names what it leads to: 0 a model's, 1 into an optimizer, 2 a catch-all list."""
    if name in conventions.CATCH_ALL_LISTS:
        return 2
    return 1 if conventions.is_optimizer_name(name) or is_optimizer(child) else 0


def is_optimizer(obj) -> bool:
    """A Keras (2 or 3) or legacy optimizer: what has ``apply_gradients``."""
    return callable(getattr(obj, "apply_gradients", None))


def untracked_weights(owners: list[tuple[str, object]], reachable: set[int]) -> list[tuple[str, object, str | None]]:
    """Weights Keras knows (layer.weights) that no checkpoint path reaches: Keras 3 does
    not make layers kept in a plain Python list attribute checkpoint children, so
    TensorFlow silently never saves or restores them. Named by the attribute that holds
    them, as ``model/blocks[0]/kernel``, a path no restore can follow. Third: the
    unbuilt Sequential they wait for, when that is why (a Keras 3 Sequential checkpoints
    its layers as ``_functional/_operations/N`` only once built: review 12, 4)."""
    found = []
    claimed = set(reachable)
    for path, owner in owners:
        if not _is_keras_layer(owner):
            continue
        for attribute, index, layer in _held_layers(owner):
            for weight in getattr(layer, "weights", []):
                if id(weight) in claimed:
                    continue
                claimed.add(id(weight))
                name = str(getattr(weight, "path", getattr(weight, "name", "weight"))).split("/")[-1].split(":")[0]
                waits = (path or "the model") if attribute == "_layers" and _unbuilt_sequential(owner) else None
                found.append((f"{path + '/' if path else ''}{attribute}[{index!r}]/{name}", weight, waits))
    return found


def _unbuilt_sequential(owner) -> bool:
    """A Keras Sequential not built yet (no Input, never called): its ``_layers`` list is
    not a checkpoint child; its built graph (``_functional``) will be."""
    return not getattr(owner, "built", True) and any(cls.__name__ == "Sequential" for cls in type(owner).__mro__)


def _held_layers(owner):
    """``(attribute, index or key, layer)`` for each Keras layer a list, tuple or dict
    attribute of ``owner`` holds; public attributes first: the user's own name
    (blocks[0]), not Keras' _layers[1]."""
    for attribute, value in sorted(vars(owner).items(), key=lambda item: item[0].startswith("_")):
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        else:
            continue
        for index, layer in items:
            if _is_keras_layer(layer):
                yield attribute, index, layer


def _is_keras_layer(obj) -> bool:
    for module in ("keras", "tf_keras"):  # whichever the script imported; never imported here
        layer_class = getattr(getattr(sys.modules.get(module), "layers", None), "Layer", None)
        if layer_class is not None and isinstance(obj, layer_class):
            return True
    return False
