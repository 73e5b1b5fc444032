"""Which model variable each unclaimed checkpoint value belongs to, from the doctor's
findings: a shifted layer index (a layer inserted or removed), a Keras 2
``layer_with_weights-N`` read by the same architecture in Keras 3, a renamed
attribute, scope or prefix. Each pass only pairs what the passes before it left, and
only when one counterpart is clearly meant: an ambiguous value stays unpaired, and
the plan says so, for the user to retarget by hand.

Pure Python, from the findings alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ckpt_gui.core.format.conventions import ATTRIBUTES
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.cause_facts import layer_position, model_side, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.layer_renames import renamed_weights
from ckpt_gui.diagnosis.layer_shift import LayerShift, layer_shifts, moved_optimizer_state

_KERAS2 = re.compile(r"^(?P<list>(?:.*/)?layer_with_weights-)(?P<index>\d+)/(?P<weight>.+)$")
_KERAS3 = re.compile(r"^(?P<list>(?:.*/)?(?:_functional/_operations|_layers)/)(?P<index>\d+)/(?P<weight>.+)$")
_DIGITS = re.compile(r"\d+")
_PER_VARIABLE = re.compile(r"/\d+$")  # an optimizer's per-variable list entry (``_momentums/4``)
_CLEARLY_BETTER = 0.2  # path similarity by which one candidate outranks another with as many parts in common


@dataclass
class Pairing:
    """Checkpoint values (finding index) paired with model variables (their path)."""

    findings: list[RestoreFinding]
    targets: dict[int, tuple[str, str]] = field(default_factory=dict)  # finding index -> (model path, why)
    claimed: dict[str, int] = field(default_factory=dict)  # model path -> finding index
    new_layers: dict[str, str] = field(default_factory=dict)  # model path -> why it has no value
    ambiguous: dict[int, int] = field(default_factory=dict)  # finding index -> how many candidates
    removed: dict[int, str] = field(default_factory=dict)  # finding index -> why it has no place (a removed layer)
    # Optimizer state that met another layer's slot after a shift: finding index -> why it is not carried over.
    moved_state: dict[int, str] = field(default_factory=dict)

    def pair(self, index: int, target: str, why: str) -> None:
        if index in self.targets or target in self.claimed:
            return
        self.targets[index] = (target, why)
        self.claimed[target] = index

    def free_values(self, status: RestoreStatus) -> list[int]:
        return [i for i, f in enumerate(self.findings) if f.status == status and i not in self.targets]

    def free_variables(self) -> list[int]:
        """Model variables with no value, not yet claimed."""
        return [
            i
            for i, f in enumerate(self.findings)
            if f.status == RestoreStatus.MISSING and not f.untracked and f.model_path not in self.claimed
        ]


def pair_values(findings: list[RestoreFinding]) -> Pairing:
    pairing = Pairing(findings)
    shifts = layer_shifts(findings)
    for shift in shifts:
        _pair_shift(pairing, shift)
    if shifts:  # its slots are kept by position in the optimizer's lists: they met another layer's
        why = (
            "optimizer state of a moved layer: it is kept by position in the optimizer's lists, which the layer "
            "shift moved, so the slot here is another layer's; not carried over (the optimizer starts it afresh)"
        )
        left = [i for i, f in enumerate(findings) if f.optimizer and f.status == RestoreStatus.UNMATCHED
                and _PER_VARIABLE.search(f.label)]  # fmt: skip
        pairing.moved_state = dict.fromkeys([*moved_optimizer_state(findings), *left], why)
    _pair_keras2(pairing)
    _pair_tf1_scopes(pairing)
    _pair_renames(pairing)
    _pair_resized_renames(pairing)
    return pairing


# -- a layer inserted or removed ------------------------------------------------------------------


def _pair_shift(pairing: Pairing, shift: LayerShift) -> None:
    """The checkpoint's layer N (N >= first) is the model's layer N + moved."""
    saved_at, model_at = _places(pairing.findings, shift.layers)
    layers, moved = shift.layers, shift.moved
    what = (
        f"a layer was inserted before {layers}{shift.first}"
        if moved > 0
        else f"a layer was removed at {layers}{shift.first}"
    )
    for index, place in shift.borrowed.items():
        if moved > 0:  # the model's side lent a stand-in for a moved checkpoint weight
            model_at[(place[0] + moved, place[1])] = pairing.findings[index].model_path
        else:  # the checkpoint's side lent a stand-in for one of the model's weights
            saved_at[(place[0] - moved, place[1])] = index
    for (number, weight), index in sorted(saved_at.items()):
        if number < shift.first:
            continue  # before the change: matched by path
        if number + moved < shift.first:  # the removed layer's own weights
            pairing.removed[index] = f"a weight of the removed layer ({what}): the model has no place for it"
            continue
        target = model_at.get((number + moved, weight))
        if target is not None:
            why = f"{what}: the checkpoint's {layers}{number} is the model's {layers}{number + moved}"
            pairing.pair(index, target, why)
    for (number, _weight), path in model_at.items():
        if moved > 0 and shift.first <= number < shift.first + moved:
            pairing.new_layers[path] = f"a new layer ({what}): the checkpoint has no value for it"


def _places(findings: list[RestoreFinding], layers: str) -> tuple[dict, dict]:
    """In one list of layers: the checkpoint's values by (position, weight) (finding
    index) and the model's variables by (position, weight) (their path)."""
    saved_at: dict[tuple[int, str], int] = {}
    model_at: dict[tuple[int, str], str] = {}
    for index, finding in enumerate(findings):
        for path, is_model in ((saved_path(finding), False), (model_side(finding), True)):
            position = layer_position(path) if path else None
            if position is None or position[0] != layers:
                continue
            if is_model:
                model_at[position[1:]] = finding.model_path
            else:
                saved_at[position[1:]] = index
    return saved_at, model_at


# -- Keras 2 layer_with_weights-N read by Keras 3 -------------------------------------------------


def _pair_keras2(pairing: Pairing) -> None:
    """The k-th Keras 2 layer with weights is the k-th Keras 3 operation with missing
    weights, when both sides have the same number of layers; weights by name
    (``kernel`` is Keras 3's ``_kernel``)."""
    saved = _groups(pairing, pairing.free_values(RestoreStatus.UNMATCHED), _KERAS2, lambda f: saved_path(f))
    model = _groups(pairing, pairing.free_variables(), _KERAS3, lambda f: f.model_path)
    if not saved or len(saved) != len(model):
        return
    for old_weights, new_weights in zip(
        (w for _layer, w in sorted(saved.items())), (w for _layer, w in sorted(model.items()))
    ):
        if set(old_weights) != set(new_weights):
            return  # not the same architecture: pair nothing rather than guess
    for (old_layer, old_weights), (new_layer, new_weights) in zip(sorted(saved.items()), sorted(model.items())):
        for weight, index in old_weights.items():
            target = pairing.findings[new_weights[weight]].model_path
            why = (
                f"saved by Keras 2 as layer_with_weights-{old_layer[1]}: the model's {new_layer[0]}{new_layer[1]} "
                "(the same layer with weights, in order, in Keras 3)"
            )
            pairing.pair(index, target, why)


def _groups(pairing: Pairing, indices: list[int], pattern: re.Pattern, path_of) -> dict:
    """``{(list, position): {weight name without leading _: finding index}}``."""
    groups: dict[tuple[str, int], dict[str, int]] = {}
    for index in indices:
        found = pattern.match(path_of(pairing.findings[index]) or "")
        if found is not None:
            weight = found.group("weight").lstrip("_")
            groups.setdefault((found.group("list"), int(found.group("index"))), {})[weight] = index
    return groups


# -- TF1 variable scopes into the layers of TF2 objects ----------------------------------------------

# TF1 weight names and the TF2 (Keras) attribute they become.
_TF1_WEIGHT_NAMES = {"weights": "kernel", "w": "kernel", "biases": "bias", "b": "bias"}


def _pair_tf1_scopes(pairing: Pairing) -> None:
    """A TF1 checkpoint (``dense/kernel``, ``dense_1/kernel``: one scope per layer) into a
    model whose layers are numbered (``_operations/N``): the scopes in natural order are
    the numbered layers with missing weights in order, when every layer's weights have
    the same names, shapes and dtypes on both sides; otherwise nothing is paired."""
    findings = pairing.findings
    saved: dict[str, dict[str, int]] = {}
    for index in pairing.free_values(RestoreStatus.UNMATCHED):
        key = findings[index].checkpoint_key
        if ATTRIBUTES in key or "/" not in key or findings[index].optimizer or findings[index].is_counter:
            continue
        scope, weight = key.rsplit("/", 1)
        saved.setdefault(scope, {})[_TF1_WEIGHT_NAMES.get(weight, weight)] = index
    model: dict[tuple[str, int], dict[str, int]] = {}
    for index in pairing.free_variables():
        position = layer_position(findings[index].model_path or "")
        if position is not None and not findings[index].optimizer:
            model.setdefault(position[:2], {})[position[2].lstrip("_")] = index
    if not saved or len(saved) != len(model) or len({layers for layers, _n in model}) != 1:
        return
    scopes, layers = sorted(saved, key=_natural), sorted(model)
    for scope, layer in zip(scopes, layers):
        if set(saved[scope]) != set(model[layer]) or not all(
            _alike(findings[saved[scope][w]], findings[model[layer][w]]) for w in saved[scope]
        ):
            return
    for scope, layer in zip(scopes, layers):
        for weight, index in saved[scope].items():
            why = f"TF1 scope '{scope}' is the model's layer {layer[0]}{layer[1]} (scopes and layers in order)"
            pairing.pair(index, findings[model[layer][weight]].model_path, why)


def _natural(name: str) -> list:
    """``dense_2`` before ``dense_10``, as TF1 numbered its scopes."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


# -- renamed attributes, scopes and prefixes -----------------------------------------------------------


def _pair_renames(pairing: Pairing) -> None:
    """An unused value and a model variable without one, of the same shape, dtype and
    kind, whose paths are each other's best match (most trailing parts in common, then
    the most similar): a renamed attribute, scope or prefix."""
    values = pairing.free_values(RestoreStatus.UNMATCHED)
    variables = pairing.free_variables()
    findings = pairing.findings
    best_of_value = {i: _best(findings[i], [findings[j] for j in variables], variables) for i in values}
    best_of_variable = {j: _best(findings[j], [findings[i] for i in values], values) for j in variables}
    for value, (choice, count) in best_of_value.items():
        if choice is None:
            if count > 1:
                pairing.ambiguous[value] = count
            continue
        if best_of_variable.get(choice, (None, 0))[0] == value:
            old, new = saved_path(findings[value]) or "", findings[choice].model_path
            pairing.pair(value, new, f"renamed: {_renamed(old, new)}")


def _pair_resized_renames(pairing: Pairing) -> None:
    """The other weights of a layer the passes before renamed (its bias paired by shape),
    whose shape changed too: onto the renamed variable, where the planner makes them a
    conflict (keep-initial, copy-overlap offered) rather than dropping the old value and
    counting the variable new (review 12, 3)."""
    findings = pairing.findings
    paired = {saved_path(findings[i]): target for i, (target, _why) in pairing.targets.items()}
    for weight in renamed_weights(findings):
        target = findings[weight.variable].model_path
        if weight.value in pairing.targets or target in pairing.claimed:
            continue
        if weight.new not in (paired.get(weight.shown_by) or "").split("/"):
            continue  # the weight that shows the rename went elsewhere (or nowhere): no rename to follow
        old = saved_path(findings[weight.value])
        why = f"renamed: '{weight.old}' is now '{weight.new}' (as {weight.shown_by} shows: {old} -> {target})"
        pairing.pair(weight.value, target, why)


def _best(finding: RestoreFinding, pool: list[RestoreFinding], indices: list[int]) -> tuple[int | None, int]:
    """The one clearly best counterpart (its index) and how many fit at all."""
    scored = []
    for candidate, index in zip(pool, indices):
        if not _alike(finding, candidate):
            continue
        mine, theirs = _path(finding), _path(candidate)
        scored.append((_tail(mine, theirs), difflib.SequenceMatcher(None, mine, theirs).ratio(), index))
    scored.sort(reverse=True)
    if not scored:
        return None, 0
    if len(scored) > 1 and scored[0][0] == scored[1][0] and scored[0][1] - scored[1][1] < _CLEARLY_BETTER:
        return None, len(scored)  # as alike as each other: a guess would be a silent wrong value
    return scored[0][2], len(scored)


def _alike(a: RestoreFinding, b: RestoreFinding) -> bool:
    saved, wanted = (a, b) if a.checkpoint_key else (b, a)
    return (
        saved.checkpoint_shape == wanted.model_shape
        and saved.checkpoint_dtype == wanted.model_dtype
        and a.optimizer == b.optimizer
        and a.is_counter == b.is_counter
    )


def _path(finding: RestoreFinding) -> str:
    return (saved_path(finding) if finding.checkpoint_key else finding.model_path) or ""


def _tail(a: str, b: str) -> int:
    """How many trailing path parts two paths share."""
    pa, pb = a.split("/"), b.split("/")
    common = 0
    while common < min(len(pa), len(pb)) and pa[-1 - common] == pb[-1 - common]:
        common += 1
    return common


def _renamed(old: str, new: str) -> str:
    pa, pb = old.split("/"), new.split("/")
    if len(pa) == len(pb):
        changed = [i for i, (x, y) in enumerate(zip(pa, pb)) if x != y]
        if len(changed) == 1:
            return f"'{pa[changed[0]]}' is now '{pb[changed[0]]}' ({old} -> {new})"
    return f"{old} -> {new}"


def foreign_optimizer_roots(findings: list[RestoreFinding]) -> dict[str, str]:
    """Optimizers of the model that TensorFlow fed another optimizer's state: a value
    bound to a variable of another name than its own (Adam's ``_momentums/1`` into
    SGD's ``momentums/2``, by position). ``{first path part: why}``."""
    roots: dict[str, str] = {}
    for finding in findings:
        if not (finding.optimizer and finding.model_path and finding.checkpoint_path):
            continue
        saved, bound = finding.checkpoint_path, finding.model_path
        if _DIGITS.sub("#", saved) != _DIGITS.sub("#", bound):
            # A slot by its variable's path and slot first, as the report's table names it (review 20, G10).
            named = f"{finding.checkpoint_name} ({saved})" if finding.checkpoint_name else saved
            roots.setdefault(bound.split("/")[0], f"saved as {named}, TensorFlow would bind it to {bound}")
    return roots
