"""A model with more or fewer layers than the checkpoint's, where no shift explains it
(layer_shift.py): Keras numbers a Sequential or functional model's layers by position
(``_operations/N``), so with a layer removed the script's layers meet values saved for
other layers, of other shapes. Review 14 (seed 003: Dense 784->128->10 saved, a single
Dense 784->10 built): each conflict alone read "the layer went from 128 to 10 units:
build this layer with its old size", and the last layer's values "claimed by nothing".
TensorFlow's own restore stops at the first of those conflicts. The note names the
layer gone (or added) by its place and, where a side says it, its Keras name and class:
the checkpoint's object graph names a saved layer ("dense"), the script's model names
its own layers and their classes (the child's facts); a layer only the checkpoint has
has no class to tell.

Review 15 (5): each checkpoint value the sizes place (value_roles) says what it is, in
the doctor's table, its notes and the Repair dialog alike: a value of the removed layer,
or of a kept layer the script has at another place; never "claimed by nothing", and
never a block of another layer's weights proposed as a start (copy-overlap).

Pure Python, from the findings alone."""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.cause_facts import Cause, layer_place, layer_position, model_side, saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.diagnosis.layer_shift import layer_shifts

Layers = dict[int, dict[str, tuple]]  # position -> weight name -> shape
Names = dict[tuple[int, bool], tuple[str | None, str | None]]  # (position, model side) -> (layer name, class)


@dataclass(frozen=True, slots=True)
class ValueRole:
    """What a checkpoint value is, by the layers' sizes, when a layer was removed or added:
    a value of ``layer``, the removed one (``gone``) or a kept one the script has at
    another place, whose weights there fit or not (``misfit``)."""

    layer: str  # "the removed layer .../1 (the checkpoint's 'dense', 784->128)"
    gone: bool
    misfit: str | None = None  # why the kept layer's weights do not fit its place in the script's model
    # The layer named briefly ("the removed layer (the checkpoint's 'dense')"), for the
    # doctor's rows: the note says ``layer`` whole once (review 16, 10: each row had said it again).
    brief: str = ""

    @property
    def what(self) -> str:
        return f"a value of {self.layer}"

    @property
    def briefly(self) -> str:
        return f"a value of {self.brief or self.layer}"

    @property
    def unused(self) -> str:
        """Why it is left unused (by the script's model, or a repair plan)."""
        if self.gone:
            return "the script's model has no place for it"
        return self.misfit or "its layer's weights fit there: give it that target to carry it over"


@dataclass
class _List:
    """One list of layers on both sides: each side's layers, where the findings sit in it,
    and each side's layer names and classes."""

    was: Layers
    now: Layers
    places: list[tuple[int, int, bool]]  # (finding index, position, on the model side)
    names: Names


def changed_layer_count(findings: list[RestoreFinding], shifted: set[str]) -> list[Cause]:
    """One cause per list of layers (not in ``shifted``: a shift says more) whose layer
    count differs between the checkpoint and the model, where the layers both have
    conflict: a head added or cut off with the rest whole is no conflict, and not this;
    and where the layers' sizes say a layer is gone (or new), not resized (_one_less)."""
    causes = []
    for layers, found in _changed_lists(findings, shifted):
        first = next(i for i, n, _m in found.places if n in set(found.was) & set(found.now)
                     and findings[i].status == RestoreStatus.SHAPE_CONFLICT)  # fmt: skip
        # A value restored whole needs no word of the cause.
        places_left = [p for p in found.places if findings[p[0]].status != RestoreStatus.CONSUMED]
        roles = _roles(layers, found, findings)
        causes.append(_cause(layers, found, findings[first], places_left, roles, findings))
    return causes


def value_roles(findings: list[RestoreFinding]) -> dict[int, ValueRole]:
    """Each checkpoint value (finding index) that a changed layer count places, and what it
    is (the report's notes and the repair plan's reasons say it as the table does)."""
    shifted = {shift.layers for shift in layer_shifts(findings)}
    roles: dict[int, ValueRole] = {}
    for layers, found in _changed_lists(findings, shifted):
        roles |= _roles(layers, found, findings)
    return roles


def _changed_lists(findings: list[RestoreFinding], shifted: set[str]) -> list[tuple[str, _List]]:
    """The lists of layers changed_layer_count speaks of, with what both sides hold."""
    lists: dict[str, _List] = {}
    for index, finding in enumerate(findings):
        if finding.optimizer:
            continue
        sides = ((saved_path(finding), False, finding.checkpoint_shape),
                 (model_side(finding), True, finding.model_shape))  # fmt: skip
        for path, is_model, shape in sides:
            position = layer_position(path or "")
            if position is None or shape is None:
                continue
            layers, number, weight = position
            if weight.startswith("vars/"):  # a Keras weights file's: load_weights counts layers itself
                continue
            found = lists.setdefault(layers, _List({}, {}, [], {}))
            (found.now if is_model else found.was).setdefault(number, {})[weight] = shape
            found.places.append((index, number, is_model))
            named = _named(finding, is_model)
            if named != (None, None):
                found.names.setdefault((number, is_model), named)
    changed = []
    for layers in sorted(set(lists) - shifted):
        found = lists[layers]
        if not found.was or not found.now:
            continue
        common = set(found.was) & set(found.now)
        conflicts = [i for i, n, _m in found.places
                     if n in common and findings[i].status == RestoreStatus.SHAPE_CONFLICT]  # fmt: skip
        if len(found.was) != len(found.now) and conflicts and _one_less(_units(found.was), _units(found.now)):
            changed.append((layers, found))
    return changed


def _roles(layers: str, found: _List, findings: list[RestoreFinding]) -> dict[int, ValueRole]:
    """What each checkpoint value not restored is, where the sizes tell which layer went
    (_matched): the removed layer's, or a kept layer's that the script has at another
    place. A kept layer at its own place needs no word: its conflict is a resize."""
    matched = _matched(found.was, found.now)
    if matched is None:
        return {}
    gone, saved_to_script = matched
    removed = len(found.was) > len(found.now)
    roles = {}
    for index, number, is_model in found.places:
        if is_model or findings[index].status == RestoreStatus.CONSUMED:
            continue
        about = _about(number, found.was, found.names, True)
        name = found.names.get((number, False), (None, None))[0]  # the checkpoint's name of the layer
        if removed and number in gone:  # (added: ``gone`` holds the script's places)
            brief = "the removed layer" + (f" (the checkpoint's '{name}')" if name else "")
            roles[index] = ValueRole(f"the removed layer {layer_place(layers, number)} ({about})", True, None, brief)
        elif saved_to_script.get(number, number) != number:
            place = layer_place(layers, saved_to_script[number])
            script = _about(saved_to_script[number], found.now, found.names, False)
            layer = (f"{layer_place(layers, number)} ({about}), which by the layers' sizes is the "
                     f"script's {place} ({script})")  # fmt: skip
            brief = f"the checkpoint's '{name}'" if name else "a layer the script has at another place"
            misfit = _misfit(found.was[number], found.now[saved_to_script[number]])
            roles[index] = ValueRole(layer, False, misfit, brief)
    return roles


def _misfit(saved: dict[str, tuple], built: dict[str, tuple]) -> str | None:
    """Why a kept layer's saved weights do not fit its layer in the script's model (its
    inputs changed with the layer before it gone or new), or None: the layer is judged
    whole, as a bias that fits beside a kernel that does not restores no layer."""
    wrong = [f"{weight.lstrip('_')} {format_shape(shape)} saved, {format_shape(built.get(weight))} built"
             for weight, shape in sorted(saved.items()) if built.get(weight) != shape]  # fmt: skip
    return f"its layer's weights do not fit there ({'; '.join(wrong)})" if wrong else None


def _matched(was: Layers, now: Layers) -> tuple[list[int], dict[int, int]] | None:
    """The longer side's layers gone (or added), and each kept layer's place in the
    checkpoint -> its place in the script's model; None when the sizes repeat, so that
    more than one layer could be the one (_which)."""
    removed = len(was) > len(now)
    longer, shorter = (was, now) if removed else (now, was)
    order, other = sorted(longer), sorted(shorter)
    left = _kept(_units(longer), _units(shorter))
    right = _kept((_units(longer) or [])[::-1], (_units(shorter) or [])[::-1])
    if right is not None:
        right = sorted(len(order) - 1 - i for i in right)
    if left is None or left != right:
        return None
    gone = [order[i] for i in range(len(order)) if i not in left]
    pairs = {order[i]: other[j] for j, i in enumerate(left)}  # the longer side's place -> the shorter's
    return gone, (pairs if removed else {kept: place for place, kept in pairs.items()})


def _named(finding: RestoreFinding, is_model: bool) -> tuple[str | None, str | None]:
    """The layer of ``finding``'s weight on one side: its Keras name and class, where known.
    The saved side's name is the one before the weight's in the value's own name
    (``sequential/dense/kernel``); its class is never saved."""
    if is_model:
        return finding.model_layer, finding.model_layer_class
    parts = (finding.saved_name or "").split("/")
    return (parts[-2] if len(parts) >= 2 else None), None


def _cause(
    layers: str, found: _List, first: RestoreFinding, places: list, roles: dict[int, ValueRole], findings: list
) -> Cause:
    was, now, names, common = found.was, found.now, found.names, set(found.was) & set(found.now)
    removed = len(was) > len(now)
    count = abs(len(was) - len(now))
    what = ("a layer was" if count == 1 else f"{count} layers were") + (" removed" if removed else " added")
    name = layers.rstrip("/_-")
    meets = f" of the script's '{first.model_layer}'" if first.model_layer else ""  # as TensorFlow's error names it
    note = (
        f"{what}: the checkpoint's model has {_layers(len(was))} in {name}{_chain(was)}, the script's "
        f"{len(now)}{_chain(now)}; {_which(layers, was, now, names)}. Its layers are numbered by position, so the "
        f"script's meet values saved for other layers ({first.label}{meets}: "
        f"{format_shape(first.checkpoint_shape)} saved, {format_shape(first.model_shape)} built) and "
        "TensorFlow's restore stops there. "
        + ("Add the missing layer back" if removed and count == 1 else "Add the missing layers back" if removed
           else "Remove the new layer" if count == 1 else "Remove the new layers")
        + " to restore the checkpoint as it was saved, or leave its values out (status.expect_partial(), or a "
        "repair plan that keeps the script's layers initial) and train the script's model anew"
    )  # fmt: skip
    counts = f"{len(was)} saved, {len(now)} built"
    said = f"the checkpoint's model has {_layers(len(was))} here, the script's {len(now)}: see the notes"
    explains = {}
    for index, number, is_model in places:
        role = roles.get(index)
        # A row names the value's layer briefly: the notes say it whole, once.
        if role is not None and number in common:  # another layer's value met the script's layer here
            explains[index] = f"{role.briefly}, not this layer's: see the notes"
        elif role is not None:
            explains[index] = f"{role.briefly}, left unused: see the notes"
        elif number in common:
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


def _which(layers: str, was: Layers, now: Layers, names: Names) -> str:
    """Which layer went (or came): the one the kept sizes leave over, by its place in the
    longer list, its Keras name and class where a side says them: "the layer gone is
    model/_functional/_operations/1 (the checkpoint's 'dense', 784->128)", "the layer
    added is ..._operations/1 (the script's Dense 'dense_3', 784->128)"."""
    removed = len(was) > len(now)
    longer, shorter = (was, now) if removed else (now, was)
    order = sorted(longer)
    left = _kept(_units(longer), _units(shorter))
    right = _kept(_units(longer)[::-1], _units(shorter)[::-1])
    if right is not None:
        right = sorted(len(order) - 1 - i for i in right)
    count = len(order) - len(shorter)
    one = count == 1
    if left is None or left != right:  # sizes that repeat: more than one layer could be the one
        return f"which {'one' if one else 'ones'} cannot be told from the layers' sizes alone"
    gone = [order[i] for i in range(len(order)) if i not in left]
    said = ", ".join(f"{layer_place(layers, n)} ({_about(n, longer, names, removed)})" for n in gone)
    verb = ("gone is" if one else "gone are") if removed else ("added is" if one else "added are")
    return f"the layer{'' if one else 's'} {verb} {said}"


def _kept(longer: list[int] | None, shorter: list[int] | None) -> list[int] | None:
    """Where each of ``shorter``'s units sits in ``longer``, taking the earliest that fits
    (a subsequence, as _one_less finds it); None when it is not one."""
    if longer is None or shorter is None:
        return None
    kept, at = [], 0
    for units in shorter:
        while at < len(longer) and longer[at] != units:
            at += 1
        if at == len(longer):
            return None
        kept.append(at)
        at += 1
    return kept


def _about(number: int, layers: Layers, names: Names, removed: bool) -> str:
    """A layer gone (``removed``: only the checkpoint has it) or added (only the script's
    model): its Keras name and class as that side says them, and its kernel's in->out."""
    name, kind = names.get((number, not removed), (None, None))
    side = "the checkpoint's" if removed else "the script's"
    who = " ".join(filter(None, [kind, f"'{name}'" if name else None]))
    kernel = next((shape for weight, shape in layers[number].items() if weight.endswith("kernel")), None)
    chain = f"{kernel[-2]}->{kernel[-1]}" if kernel is not None and len(kernel) >= 2 else ""
    return ", ".join(filter(None, [f"{side} {who}" if who else None, chain])) or "no kernel to size it by"


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
