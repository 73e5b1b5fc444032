"""How sure a pair of the comparison is: the same name on both sides, or only a
shared position in a catch-all list.

Keras 3 keeps a model's weights under the optimizer's ``_trainable_variables/N``
too (often as their key). A layer renamed between A and B (``dense2`` -> ``fc2``)
still shares that position, and so gets paired; but a position is not a name: a
model whose layers were added, removed or reordered puts another weight there.
The comparison says so instead of presenting the pairing as fact.
"""

from __future__ import annotations

from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.format.conventions import CATCH_ALL_LISTS, without_attributes


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


def pairing_note(pair: Pair) -> str | None:
    """What the pair's details say when the pairing is a guess."""
    position = positional_pairing(pair)
    if position is None:
        return None
    return (
        f"A guess: paired only through {position}, a position in a list of all variables, "
        f"while the names differ (A: {pair.a.display_path}, B: {pair.b.display_path}). "
        "If layers were added, removed or reordered, this is another weight."
    )


def _through_catch_all(path: str) -> bool:
    """Whether ``path`` reaches the variable through a numbered catch-all list."""
    parts = path.split("/")
    return any(name in CATCH_ALL_LISTS and index.isdigit() for name, index in zip(parts, parts[1:]))
