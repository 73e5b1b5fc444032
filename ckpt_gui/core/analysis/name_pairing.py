"""Pairing a Keras file's variables with another kind of checkpoint's by layer and
variable name, when their keys share nothing (review 23 #13: ``diff x.weights.h5
ckpt-5`` paired nothing, "14 only in A, 15 only in B").

Both kinds keep the names the model gave its variables: a Keras file in its layer
groups (``layers/dense/vars/0`` is ``dense/kernel``, core/keras/names.py), a TF2
checkpoint in its object graph (the TF name ``sequential/dense/kernel`` of
``model/_functional/_operations/1/_kernel``). Two names match when one is the end of
the other, at least a layer's and a variable's name (``dense/kernel`` of
``sequential/dense/kernel``; a nested model's ``s1/d/kernel`` of ``sequential/s1/d/kernel``,
not its ``s2/d/kernel``); the optimizer's own (``adam/iteration``) too. An optimizer slot
pairs with the slot of the same name of the variable its owner paired with.

The rule is conservative: a name pairs only when it matches exactly one variable of the
other side and no other name matches that one, and only with the same shape and dtype.
When any name matches several (a model's ``d/kernel`` against a checkpoint holding
``s1/d/kernel`` and ``s2/d/kernel``), nothing at all is paired this way, since any choice
could be the wrong one and one wrong choice puts others in doubt; a name whose shapes or
dtypes differ is left unpaired. Both are said (``NamePairing.note``). What remains is
left to the layer order (layer_order.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ckpt_gui.core.checkpoint import Checkpoint, Variable, slot_names
from ckpt_gui.core.format.conventions import is_optimizer_name
from ckpt_gui.core.formatting import format_shape

PAIRED_BY = "layer and variable name"


@dataclass(slots=True)
class NamePairing:
    """The pairs of (A's, B's) variables made by name, and what the comparison says of
    the names that could not pair ("" when nothing)."""

    pairs: list[tuple[Variable, Variable]] = field(default_factory=list)
    note: str = ""


def kinds_apart(a: Checkpoint, b: Checkpoint) -> bool:
    """Whether a side is a Keras file and the other another kind (a TF checkpoint, or
    the other Keras format), so that keys cannot pair what is one variable."""
    if a.keras is None and b.keras is None:
        return False
    return a.keras is None or b.keras is None or a.format != b.format


def pair_by_names(a: Checkpoint, b: Checkpoint, only_a: list[Variable], only_b: list[Variable]) -> NamePairing:
    """Pairs among the variables still unpaired, when one side is a Keras file."""
    if not kinds_apart(a, b) or not only_a or not only_b:
        return NamePairing()
    names_a, slots_a = _names(a, only_a)
    names_b, slots_b = _names(b, only_b)
    matched, several = _match(names_a, names_b)
    if several:
        said = "; ".join(several[:3]) + (f"; and {len(several) - 3} more" if len(several) > 3 else "")
        return NamePairing(note=f"nothing paired by layer and variable name, which would be a guess: {said}")
    by_key_a = {v.key: v for v in only_a}
    by_key_b = {v.key: v for v in only_b}
    pairs, apart = [], []
    for key, key_b in matched.items():
        va, vb = by_key_a[key], by_key_b[key_b]
        if _alike(va, vb):
            pairs.append((va, vb))
        else:
            apart.append(f"{'/'.join(names_a[key])} ({_shape(va)} in A, {_shape(vb)} in B)")
    pairs += _slot_pairs(pairs, slots_a, slots_b, by_key_a, by_key_b, apart)
    note = ""
    if apart:
        shown = ", ".join(apart[:3]) + (f" and {len(apart) - 3} more" if len(apart) > 3 else "")
        note = f"not paired by name, their shapes or dtypes differ: {shown}"
    return NamePairing(pairs, note)


def _match(names_a: dict, names_b: dict) -> tuple[dict[str, str], list[str]]:
    """``{A's key: B's key}`` of the names that match one variable each way (one name the
    end of the other: ``hidden/kernel`` of ``sequential/hidden/kernel``), and what makes
    the others ambiguous ("A's d/kernel matches 2 of B's variables (s1/d/kernel, ...)")."""
    ending: dict[tuple, list[str]] = {}
    for key, name in names_b.items():
        ending.setdefault(name[-2:], []).append(key)
    found = {
        key: [kb for kb in ending.get(name[-2:], ()) if _ends_alike(name, names_b[kb])] for key, name in names_a.items()
    }
    claims = Counter(kb for candidates in found.values() for kb in candidates)
    several = [
        f"A's {'/'.join(names_a[key])} matches {len(kbs)} of B's variables ({_some(names_b[kb] for kb in kbs)})"
        for key, kbs in found.items()
        if len(kbs) > 1
    ]
    several += [f"B's {'/'.join(names_b[kb])} matches {n} of A's variables" for kb, n in claims.items() if n > 1]
    return {key: kbs[0] for key, kbs in found.items() if len(kbs) == 1}, several


def _ends_alike(x: tuple, y: tuple) -> bool:
    shorter, longer = sorted((x, y), key=len)
    return longer[len(longer) - len(shorter) :] == shorter


def _some(names) -> str:
    names = ["/".join(name) for name in names]
    return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")


def _alike(va: Variable, vb: Variable) -> bool:
    return va.shape == vb.shape and va.dtype.name == vb.dtype.name


def _shape(v: Variable) -> str:
    return f"{format_shape(v.shape)} {v.dtype.name}"


def _slot_pairs(
    owners: list[tuple[Variable, Variable]], slots_a: dict, slots_b: dict, by_key_a: dict, by_key_b: dict, apart: list
) -> list[tuple[Variable, Variable]]:
    """Each slot of a paired variable with the slot of the same name of its partner,
    when that slot name is one variable on each side."""
    partner = {va.key: vb.key for va, vb in owners}
    wanted = Counter((partner[owner], slot) for owner, slot in slots_a.values() if owner in partner)
    held = Counter(slots_b.values())
    b_of = {place: key for key, place in slots_b.items()}
    pairs = []
    for key, (owner, slot) in slots_a.items():
        place = (partner.get(owner), slot)
        if place[0] is None or wanted[place] != 1 or held[place] != 1:
            continue
        va, vb = by_key_a[key], by_key_b[b_of[place]]
        if _alike(va, vb):
            pairs.append((va, vb))
        else:
            apart.append(f"the {slot} slot of {by_key_a[owner].display_path} ({_shape(va)} in A, {_shape(vb)} in B)")
    return pairs


def _names(ckpt: Checkpoint, variables: list[Variable]) -> tuple[dict, dict]:
    """``({key: (layer, variable)}, {key: (owner key, slot)})`` of ``variables``: a
    slot's owner among them, a variable without such a name in neither."""
    if ckpt.keras is not None:
        return _keras_names(ckpt, variables)
    graph = ckpt.object_graph
    if graph is None:  # a TF1 checkpoint: no TF names beside its keys
        return {}, {}
    slots = slot_names(ckpt)
    owner_at = {path: v.key for v in variables for path in v.object_paths}
    names, owned = {}, {}
    for variable in variables:
        slot_name = slots.get(variable.key)
        if slot_name is not None:
            owner_path, _, slot = slot_name.rpartition("/")
            if owner_path in owner_at:
                owned[variable.key] = (owner_at[owner_path], slot)
            continue
        if _in_optimizer_list(variable.display_path):
            continue  # a slot whose owner the graph does not link (tf_keras's ``m/conv/bias``)
        found = graph.attribute_of_key(variable.key)
        name = _tf_name(found[1].full_name) if found is not None and not found[2] else None
        if name is not None:
            names[variable.key] = name
    return names, owned


def _in_optimizer_list(path: str) -> bool:
    """``model/optimizer/_momentums/1``: an optimizer's variable kept by position (a slot;
    its TF name, ``m/conv/bias``, is its owner's with the slot's before it), not one of its
    own by name (``optimizer/_iterations``)."""
    return path.rpartition("/")[2].isdigit() and is_optimizer_name(path)


def _keras_names(ckpt: Checkpoint, variables: list[Variable]) -> tuple[dict, dict]:
    keys = {v.key for v in variables}
    names, owned = {}, {}
    for variable in variables:
        named = ckpt.keras.names.get(variable.key)
        if named is None:
            continue
        if named.owner is not None:
            if named.owner in keys:
                owned[variable.key] = (named.owner, named.slot)
        elif len(named.path) >= 2:
            names[variable.key] = tuple(named.path)
    return names, owned


def _tf_name(full_name: str) -> tuple[str, ...] | None:
    """``sequential/dense/kernel`` (``dense/kernel:0`` of tf_keras) -> its parts, when
    they are a layer's and a variable's at least."""
    parts = tuple(full_name.removesuffix(":0").split("/"))
    return parts if len(parts) >= 2 and all(parts[-2:]) else None


def name_pairing_note(pair, diff) -> str | None:
    """What a pair's details say when it was paired by name (the keys share nothing):
    A's and B's names, and for a slot the variables it belongs to."""
    if pair.paired_by != PAIRED_BY or pair.a is None or pair.b is None:
        return None
    said = [_said_name(ckpt, variable) for ckpt, variable in ((diff.a, pair.a), (diff.b, pair.b))]
    return (
        f"Layer and variable name (the keys share nothing: a Keras file against another kind): "
        f"A's {said[0]} and B's {said[1]} name the same variable, with the same shape and dtype."
    )


def _said_name(ckpt: Checkpoint, variable: Variable) -> str:
    """``dense/kernel``; ``model/_functional/_operations/1/_kernel`` (TF name sequential/dense/kernel)."""
    if ckpt.keras is not None:
        return variable.display_path
    slot = slot_names(ckpt).get(variable.key)
    if slot is not None:
        return slot
    graph = ckpt.object_graph
    full = graph.tf_name(variable.key) if graph is not None else ""
    return f"{variable.display_path} (TF name {full})" if full else variable.display_path
