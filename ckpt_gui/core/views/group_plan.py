"""What a group's histogram reads: its variables the statistics cover (optimizer slots
left out, those a filter shows), the numeric ones whose data file is there, and the
slots to read only to name those that cannot be read; or why the group gets no
histogram. Made on a worker for a large group (issue 11: 200,000 variables were 130 to
250 ms of the GUI thread), so it reads a tree whose levels the GUI thread may be
making meanwhile: the walk of the leaves is checked against the group's count."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage
from ckpt_gui.core.formatting import counted, format_bytes
from ckpt_gui.core.views.missing_data import missing_files, missing_shard_of
from ckpt_gui.core.views.tree import SLOT, TreeNode

_DTYPE_NAME = attrgetter("dtype.name")
_KEY, _SIZE = attrgetter("key"), attrgetter("size_bytes")


@dataclass
class GroupPlan:
    keys: list[str] = field(default_factory=list)  # the numeric variables read, by key
    numeric: list = field(default_factory=list)  # their Variables
    total: int = 0  # their bytes
    slot_names: dict[str, str] = field(default_factory=dict)  # slots read to be named if unreadable: key -> path
    slots_left_out: bool = False  # some of the group's variables (its slots) are not in its statistics
    why_none: str = ""  # why the group gets no histogram ("" when it gets one)

    def made_key(self, ckpt: Checkpoint, bins: int, value_range) -> tuple:
        """The key of this histogram among those made: the same variables whatever their
        order (the key view's is by key, the object view's by path)."""
        keys = self.keys
        return id(ckpt), bins, value_range, len(keys), hash(frozenset(keys)), frozenset(self.slot_names)


def plan_group(node: TreeNode, accept, ckpt: Checkpoint, known, room: int) -> GroupPlan:
    """The plan of ``node``'s histogram: ``accept`` the tree's filter (None: every
    variable shown), ``known`` the statistics known (their variables' slots are not read
    again), ``room`` the bytes a histogram reads at most."""
    chosen, numeric, slot_leaves = _group_variables(node, accept)
    numeric, why_none = _readable_numbers(ckpt, node, accept, chosen, numeric)
    if why_none:
        return GroupPlan(why_none=why_none)
    total = sum(map(_SIZE, numeric))
    if total > room:
        return GroupPlan(why_none=f"{format_bytes(total)} in this group: select a smaller group for a histogram")
    return GroupPlan(
        keys=list(map(_KEY, numeric)),
        numeric=numeric,
        total=total,
        slot_names=_slots_to_check(slot_leaves, accept, chosen, ckpt, known, room - total),
        slots_left_out=len(chosen) < node.variable_count,
    )


def _group_variables(node: TreeNode, accept) -> tuple[list, list, list[TreeNode]]:
    """A group's variables its statistics cover (slots left out, as in the group's
    parameters; those the filter ``accept`` shows, as the group's counts in the tree,
    review rv-109), the numeric ones of them, and the group's slots' leaves."""
    chosen, slot_leaves = node.model_variables_and_slots()
    if accept is not None:
        taken = {leaf.variable.key for leaf in node.whole_leaves() if leaf.variable is not None and accept(leaf)}
        chosen = [v for v in chosen if v.key in taken]
    # By dtype, in C: a group of 200,000 variables has a few dtypes (0.2 s one by one).
    names = list(map(_DTYPE_NAME, chosen))
    distinct = set(names)  # (a dtype's hash is Python's: each name's dtype from its first variable)
    numbers = {name for name in distinct if _is_number(chosen[names.index(name)].dtype)}
    if numbers == distinct:
        return chosen, chosen, slot_leaves
    return chosen, list(compress(chosen, map(numbers.__contains__, names))), slot_leaves


def _is_number(dtype) -> bool:
    return dtype.is_numeric and not dtype.is_complex


def _readable_numbers(ckpt: Checkpoint, node: TreeNode, accept, chosen: list, numeric: list) -> tuple[list, str]:
    """Of a group's ``numeric`` variables, those whose data file is there, and why the
    group gets no histogram ("" when it gets one): no numeric variable, or none whose
    data file is there."""
    if missing_files(ckpt):  # values only of those whose data file is there
        numeric = [v for v in numeric if missing_shard_of(ckpt, v.key) is None]
        if not numeric:
            first = missing_files(ckpt)[0]
            return numeric, f"No histogram: {os.path.basename(first)} is {storage.absent_why(first)}"
    if not numeric:
        return numeric, _nothing_drawn(node, accept, chosen)
    return numeric, ""


def _slots_to_check(slot_leaves: list[TreeNode], accept, chosen: list, ckpt: Checkpoint, known,
                    room: int) -> dict[str, str]:  # fmt: skip
    """The optimizer slots of a group (``slot_leaves``) its statistics leave out (those the filter
    ``accept`` shows, numeric, their data file there), key -> their path in the tree
    (where their badge is): read only to be named if they cannot be (issue 11: a corrupt
    slot went unsaid in its group's Details), unless known already (the NaN/Inf scan's),
    and none when reading those not known would take more than ``room`` bytes."""
    if not slot_leaves:
        return {}  # (the set of 200,000 keys below was 20 to 40 ms)
    taken = set(map(_KEY, chosen))
    missing = bool(missing_files(ckpt))
    slots = {
        leaf.variable.key: leaf
        for leaf in slot_leaves
        if leaf.variable.key not in taken and (accept is None or accept(leaf))
        and leaf.variable.dtype.is_numeric and not leaf.variable.dtype.is_complex
        and not (missing and missing_shard_of(ckpt, leaf.variable.key) is not None)
    }  # fmt: skip
    if sum(leaf.variable.size_bytes for key, leaf in slots.items() if key not in known) > room:
        return {}
    return {key: leaf.path for key, leaf in slots.items()}


def _nothing_drawn(node: TreeNode, accept, chosen: list) -> str:
    """Why a group's histogram draws nothing: only optimizer slots are shown below it
    (a filter of "bias mom"), which a group's histogram leaves out, said as such, not "No
    numeric variables" over float32 rows (review 23 #9); or none of its variables is numeric."""
    if not chosen:
        slots = sum(1 for leaf in node.whole_leaves() if leaf.kind == SLOT and (accept is None or accept(leaf)))
        if slots:
            where = "the filter shows" if accept is not None else "this group holds"
            return (
                f"Only optimizer slots: {counted(slots, 'slot')} {where} here, and a group's histogram leaves"
                " slots out. Select a slot for its own histogram."
            )
    return "No numeric variables in this group"
