"""How sure a pair of the comparison is: the same name on both sides, or only a
shared position in a catch-all list.

Keras 3 keeps a model's weights under the optimizer's ``_trainable_variables/N``
too (often as their key). A layer renamed between A and B (``dense2`` -> ``fc2``)
still shares that position, and so gets paired; but a position is not a name: a
model whose layers were added, removed or reordered puts another weight there.
The same holds for a Keras 3 model's numbered layer lists (``_operations/1``)
when the layers' own names (kept in the variables' TF names) differ. The
comparison says so instead of presenting the pairing as fact.
"""

from __future__ import annotations

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.analysis.layer_order import PAIRED_BY as LAYER_ORDER
from ckpt_gui.core.analysis.name_pairing import name_pairing_note
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.conventions import CATCH_ALL_LISTS, is_optimizer_name, without_attributes


def positional_pairing(pair: Pair) -> str | None:
    """The catch-all position that alone pairs A's and B's differently named
    variables (``optimizer/_trainable_variables/3``), or None when a name is shared
    (or the pair has one side only)."""
    a, b = pair.a, pair.b
    if a is None or b is None or not a.object_paths or not b.object_paths:
        return None
    if a.display_path == b.display_path:
        return None
    shared = set(a.object_paths) & set(b.object_paths)
    if a.key == b.key:
        shared.add(without_attributes(a.key))  # a TF2 key is the path it was saved under
    if not shared or any(not _through_catch_all(path) for path in shared):
        return None
    return min(shared)


def pairing_note(pair: Pair, diff: CheckpointDiff | None = None) -> str | None:
    """What the pair's details say when the pairing is a guess (``diff`` gives the
    layers' own names, which a Keras 3 model's numbered layer lists do not show), or
    was made by key because an object graph cannot be read (key_pairing_note)."""
    by_key = key_pairing_note(pair, diff) if diff is not None else None
    if by_key is not None:
        return by_key
    by_name = name_pairing_note(pair, diff) if diff is not None else None
    if by_name is not None:  # a Keras file against another kind (review 23 #13)
        return by_name
    if pair.paired_by == LAYER_ORDER and pair.a is not None and pair.b is not None:
        return (
            f"A guess: paired by the model's layer order (A: {pair.a.display_path}, B: {pair.b.display_path}): "
            "their names did not pair them. If layers were added, removed or reordered, this is another weight."
        )
    position = positional_pairing(pair)
    if position is not None:
        return (
            f"A guess: paired only through {position}, a position in a list of all variables, "
            f"while the names differ (A: {pair.a.display_path}, B: {pair.b.display_path}). "
            "If layers were added, removed or reordered, this is another weight."
        )
    layers = renamed_layer(pair, diff) if diff is not None else None
    if layers is None:
        return None
    return (
        f"A guess: paired by the position {pair.a.display_path}, while the layers' own names differ "
        f"(A: {layers[0]}, B: {layers[1]}). If layers were added, removed or reordered, this is another weight."
    )


def key_pairing_note(pair: Pair, diff: CheckpointDiff) -> str | None:
    """What a pair's details say when it was matched by key because an object graph
    cannot be read (review 16 #3): the key, and whose names both trees show for it (the
    readable graph's, for the same key in the other file). Not a guess: the banner's
    details say why (CheckpointDiff.key_pairing_why); this stays short, above the plots."""
    if not diff.graph_errors or pair.a is None or pair.b is None or pair.a.key != pair.b.key:
        return None
    names = diff.names_from
    if names is None:  # both trees show the key itself
        return None
    said = f"key {pair.a.key} in both files"
    named, other = names.upper(), "B" if names == "a" else "A"
    return f"{said}; {other}'s object graph cannot be read: {other}'s names here are {named}'s for this key."


def renamed_layer(pair: Pair, diff: CheckpointDiff) -> tuple[str, str] | None:
    """A's and B's layer names (from the variables' TF names) when a pair sits at
    the same numbered place (``_operations/1``) in layers named differently."""
    a, b = pair.a, pair.b
    if a is None or b is None or a.display_path != b.display_path or not _numbered(a.display_path):
        return None
    if is_optimizer_name(a.display_path):  # slots: their TF names carry the optimizer's (adam, adam_1)
        return None
    names = [_layer_name(ckpt, variable.key) for ckpt, variable in ((diff.a, a), (diff.b, b))]
    return (names[0], names[1]) if names[0] and names[1] and names[0] != names[1] else None


def _layer_name(ckpt: Checkpoint, key: str) -> str:
    graph = ckpt.object_graph
    full = graph.tf_name(key) if graph is not None else ""
    parts = full.split("/") if full else []
    return parts[-2] if len(parts) >= 2 else ""


def _numbered(path: str) -> bool:
    return any(part.isdigit() for part in path.split("/"))


def _through_catch_all(path: str) -> bool:
    """Whether ``path`` reaches the variable through a numbered catch-all list."""
    parts = path.split("/")
    return any(name in CATCH_ALL_LISTS and index.isdigit() for name, index in zip(parts, parts[1:]))
