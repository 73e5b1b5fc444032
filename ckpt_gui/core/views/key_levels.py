"""The key view made level by level from the sorted keys, without a node per variable.

Making a node for each of 200,000 variables before the key view could show took a
second of a large checkpoint's launch (issue 11). Here the key view starts from
columns: the keys (``.ATTRIBUTES/VARIABLE_VALUE`` folded away) sorted as strings,
with running totals of bytes and parameters. Every key under a path ``p`` then lies in
one run of that order (from ``p + "/"`` up to ``p + "0"``, "0" being the character
after "/"), found by bisection; so a level is made, and its groups' totals summed, from
its names alone, as silx's tree makes an HDF5 group's children when it is expanded. A
variable's node (a leaf) is made when its level is, or when something asks for it by
key (``tree.by_key``: the filter, a selection restored, a restore report).

The levels are those of the key view made whole (tree_build.whole_key_tree): the same
names, order, kinds and totals (tests/test_key_levels.py).
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import compress, count, repeat
from math import prod
from operator import and_, attrgetter, contains, not_, or_

from ckpt_gui.core.checkpoint import Variable
from ckpt_gui.core.format.cached import cached_property
from ckpt_gui.core.format.conventions import (
    OBJECT_GRAPH_KEY,
    OPTIMIZER_SLOT,
    OPTIMIZER_STATE_CHILDREN,
    OPTIMIZER_TRAINABLE_LIST,
    VARIABLE_VALUE_SUFFIX,
    is_optimizer_name,
    tf1_slot_owner,
)
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.lock_slices import (
    ascending,
    index_in_slices,
    map_in_slices,
    paced,
    positions_in_slices,
    running_totals,
    slices,
    sorted_in_slices,
)
from ckpt_gui.core.variable_columns import VariableColumns
from ckpt_gui.core.views.lazy_node import SLOT, VARIABLE, TreeNode, child_order, leaf
from ckpt_gui.core.views.variable_tree import VariableTree, first_not_passed

ROOT_NAME = "(root)"  # the key view's name for the empty path of the root object's own attributes
_AFTER_SLASH = chr(ord("/") + 1)  # "0": every key under p sorts in [p + "/", p + "0")
_NAME, _KEY = attrgetter("name"), attrgetter("key")


def key_names(path: str) -> tuple[str, ...]:
    """A key's names, with a readable one for an empty name: the root object's own
    attributes are keyed ``/.ATTRIBUTES/OBJECT_CONFIG_JSON`` (its path is empty)."""
    names = tuple(path.split("/"))
    return tuple(name or ROOT_NAME for name in names) if "" in names else names


def key_kind(names: tuple[str, ...], is_path: Callable[[str], bool]) -> str:
    """SLOT for an optimizer slot's key (TF2: under ``.OPTIMIZER_SLOT``; TF1: a
    capitalised slot name such as ``Adam_1`` under a variable's own path, under one of
    its parts, ``weights/part_0/Ftrl``, as older TensorFlow saved a partitioned
    variable's slots, or under a scope the optimizer ran in, ``model/model/embed/Adam``;
    Keras 3: a numbered entry of an optimizer's lists, ``optimizer/_variables/7``, but
    for its ``_trainable_variables``, the model's own weights), else VARIABLE."""
    if OPTIMIZER_SLOT in names:
        return SLOT
    if tf1_slot_owner(names, is_path) is not None:  # under its variable, a part of it, or a scope
        return SLOT
    if len(names) > 2 and names[-1].isdigit() and names[-2] not in KERAS_MODEL_LISTS:
        owner = names[:-2]
        if is_optimizer_name(owner[-1]) or any(is_path("/".join((*owner, own))) for own in OPTIMIZER_STATE_CHILDREN):
            return SLOT  # the optimizer's state, as the object view shows it under each variable
    return VARIABLE


KERAS_MODEL_LISTS = frozenset({OPTIMIZER_TRAINABLE_LIST, "_trainable_variables_indices"})
_DIGITS = tuple("0123456789")


def maybe_slots(paths: list[str]) -> Iterator[int]:
    """Where a key may be an optimizer slot's (see key_kind): it holds OPTIMIZER_SLOT,
    is numbered under an optimizer, or it has a capital letter (a TF1 slot's last name starts
    with one). Tested in C, on a slice of keys at once first: most checkpoints have none."""
    for start, stop in slices(len(paths)):  # the lock let go between two (see lock_slices.py)
        part = paths[start:stop]
        text = "\n".join(part)
        if OPTIMIZER_SLOT not in text and (text.islower() or not text) and "optimi" not in text.lower():
            continue
        marked = map(or_, map(contains, part, repeat(OPTIMIZER_SLOT)), keras_optimizer_lists(part))
        yield from compress(count(start), map(or_, marked, map(not_, map(str.islower, part))))


def keras_optimizer_lists(paths: list[str]) -> Iterator[bool]:
    """Whether each path may be a numbered entry of a Keras 3 optimizer's lists: it
    ends in a number and names an optimizer (in C, over all paths)."""
    named = map(contains, map(str.lower, paths), repeat("optimi"))
    return map(and_, map(str.endswith, paths, repeat(_DIGITS)), named)


class KeyColumns:
    """The key view's variables in the order of their paths (keys without the
    ``.ATTRIBUTES/VARIABLE_VALUE`` tail, sorted as strings), with running totals, and
    the leaves made so far. Column by column in C (map, accumulate): 200,000 keys in
    a fifth of the time a leaf per variable took. ``variables``: the rows as Variables
    when there are (else each is made with its leaf). Made on the open job's worker a
    slice at a time (lock_slices.py): one C call over every key held the interpreter
    lock the GUI thread waited for (``prod`` of every shape: 70 to 280 ms)."""

    def __init__(self, fields: VariableColumns, variables: list[Variable] | None = None) -> None:
        keys = self.keys = fields.keys  # in the order given: ``by_key``'s (read, never changed)
        paths = _without_suffix(keys)
        self.order: list[int] | None = None  # position in path order of each key, when not the same
        if not ascending(paths):  # (a TF2 checkpoint's usually are: checked in C)
            order = sorted_in_slices(range(len(paths)), paths.__getitem__)  # stable: equal paths in key order
            paths = map_in_slices(paths.__getitem__, order)
            fields = VariableColumns(*(map_in_slices(column.__getitem__, order) for column in fields))
            variables = None if variables is None else map_in_slices(variables.__getitem__, order)
            self.order = sorted_in_slices(range(len(order)), order.__getitem__)
        self.paths, self.fields, self.variables = paths, fields, variables
        self.slots = {at for at in maybe_slots(paths) if key_kind(key_names(paths[at]), self.is_path) == SLOT}
        params = map_in_slices(prod, fields.shapes)
        self.elements_sum = running_totals(params)  # every element, slots and strings included (as rows say)
        dtype_names = map_in_slices(_NAME, fields.dtypes)
        by_name = index_in_slices(fields.dtypes, _NAME)  # the few dtypes there are
        other = {name for name, dtype in by_name.items() if not dtype.is_numeric}
        for at in positions_in_slices(other.__contains__, dtype_names):
            params[at] = 0  # strings, variants: no numbers
        for at in self.slots:
            params[at] = 0  # parameters count numeric model weights, not optimizer slots
        self.dtype_names = sorted(by_name)
        self.dtype_column, self.dtypes = dtype_names, by_name
        self.params_sum = running_totals(params)
        self.bytes_sum = running_totals(fields.sizes)
        self._index = None if ascending(keys) else _positions(keys)  # a look-up by bisection else
        self.made: list[TreeNode | None] = [None] * len(paths)
        self._making = threading.Lock()  # one leaf per variable, whichever thread makes it
        self.root: TreeNode | None = None

    def variable(self, at: int) -> Variable:
        if self.variables is not None:
            return self.variables[at]
        return Variable._make(column[at] for column in self.fields)

    def is_path(self, path: str) -> bool:
        at = bisect_left(self.paths, path)
        return at < len(self.paths) and self.paths[at] == path

    def find(self, key: str) -> int | None:
        """The position (in path order) of the variable keyed ``key``; None if none is."""
        if self._index is not None:
            at = self._index.get(key)
        else:
            at = bisect_left(self.keys, key)
            at = at if at < len(self.keys) and self.keys[at] == key else None
        return at if at is None or self.order is None else self.order[at]

    def in_key_order(self) -> Iterable[int]:
        """Every position, in the order of the keys."""
        return range(len(self.keys)) if self.order is None else self.order

    def leaf_at(self, at: int) -> TreeNode:
        """The leaf of the variable at ``at`` (in path order), made if need be; until its
        level is made it is not placed (row -1, the root as parent)."""
        node = self.made[at]
        if node is None:
            with self._making:  # a worker (the first filter's) and the GUI thread may ask at once
                node = self.made[at]
                if node is None:
                    node = leaf(key_names(self.paths[at]), self.variable(at), SLOT if at in self.slots else VARIABLE)
                    node._parent = self.root
                    self.made[at] = node
        return node


def _without_suffix(keys: list[str]) -> list[str]:
    """The keys without the ``.ATTRIBUTES/VARIABLE_VALUE`` tail (a slice at a time)."""
    paths: list[str] = []
    for start, stop in slices(len(keys)):
        paths += map(str.removesuffix, keys[start:stop], repeat(VARIABLE_VALUE_SUFFIX))
    return paths


def _in_path_order(items: list, order: list[int]) -> list:
    """``items`` (in key order) in path order: ``order`` is each key's position in path order."""
    found: list = [None] * len(items)
    for start, stop in slices(len(items)):
        deque(map(found.__setitem__, order[start:stop], items[start:stop]), maxlen=0)
    return found


def _positions(keys: list[str]) -> dict[str, int]:
    """Each key's position (a slice at a time)."""
    found: dict[str, int] = {}
    for start, stop in slices(len(keys)):
        found.update(zip(keys[start:stop], count(start)))
    return found


class KeyRange:
    """A group's pending children (``TreeNode.pending``): the variables at ``start`` to
    ``stop`` in path order, every one of whose paths starts with ``prefix``."""

    __slots__ = ("columns", "start", "stop", "prefix")

    def __init__(self, columns: KeyColumns, start: int, stop: int, prefix: str) -> None:
        self.columns, self.start, self.stop, self.prefix = columns, start, stop, prefix

    def __bool__(self) -> bool:
        return self.stop > self.start

    def __len__(self) -> int:
        return self.stop - self.start

    def __iter__(self) -> Iterator[TreeNode]:
        """Its leaves (made if need be): ``TreeNode.leaves`` of a group not opened."""
        return map(self.columns.leaf_at, range(self.start, self.stop))

    def model_variables(self) -> list[Variable]:
        """TreeNode.model_variables of the group: its variables but the slots, from the
        columns (no leaf made)."""
        columns, start, stop = self.columns, self.start, self.stop
        if columns.variables is not None:
            every = columns.variables[start:stop]
        else:  # made column by column (Variable._make of each position: 1.3 s at 200,000)
            # A slice at a time (lock_slices.py): a group's histogram is planned on a worker,
            # and one call making 200,000 held the interpreter lock from the GUI thread 0.8 to 1.1 s.
            every = map_in_slices(Variable, *(column[start:stop] for column in columns.fields))
        slots = {at - start for at in columns.slots if start <= at < stop}
        if not slots or len(slots) == len(every):
            return every
        return [variable for at, variable in enumerate(every) if at not in slots]

    def slot_leaves(self) -> list[TreeNode]:
        """The group's slots' leaves (made if need be), in path order."""
        start, stop = self.start, self.stop
        return [self.columns.leaf_at(at) for at in sorted(at for at in self.columns.slots if start <= at < stop)]

    def made_leaves(self) -> list[TreeNode]:
        return [node for node in self.columns.made[self.start : self.stop] if node is not None]

    def runs(self) -> Iterator[tuple[str, range, int, int, str]]:
        """Each next name below ``prefix``: (name, the positions of the variables at that
        path itself, start and stop of the variables below it, their prefix). The
        variables below a path that is a variable too (a variable holding slots) may
        come after other names (``k-x`` sorts between ``k`` and ``k/m``): skipped there."""
        paths, cut_at, stop = self.columns.paths, len(self.prefix), self.stop
        later: dict[int, int] = {}
        at = self.start
        while at < stop:
            if at in later:
                at = later.pop(at)
                continue
            path = paths[at]
            cut = path.find("/", cut_at)
            if cut < 0:  # a variable at prefix + name
                end = bisect_right(paths, path, at, stop)
                low = bisect_left(paths, path + "/", end, stop)
                high = bisect_left(paths, path + _AFTER_SLASH, low, stop)
                if low < high:
                    later[low] = high
                yield path[cut_at:], range(at, end), low, high, path + "/"
                at = end
            else:
                high = bisect_left(paths, path[:cut] + _AFTER_SLASH, at, stop)
                yield path[cut_at:cut], range(0), at, high, path[: cut + 1]
                at = high

    def count_names(self, limit: int) -> int:
        """How many children the level has, counting no further than ``limit + 1``."""
        found = 0
        for _run in self.runs():
            found += 1
            if found > limit:
                break
        return found

    def make_level(self, node: TreeNode) -> None:
        """Make ``node``'s children, as lazy_node's make_level does from leaves: a
        variable at a child's path is the child (two keys on one path: both), else a
        new group; the variables below it its pending range, their totals summed from
        the running totals. Sorted as there: optimizer slots last, then by rank, then
        naturally by name."""
        columns = self.columns
        node.pending = None
        depth, hints, children = node.depth, node.hints, node._children
        by_name = node.by_name = {}
        for name, exact, low, high, prefix in self.runs():
            holder = None
            for at in exact:
                below = columns.leaf_at(at)
                below._parent, below.hints = node, hints
                children.append(below)
                holder = holder or below
            if low < high:
                if holder is None:
                    holder = TreeNode(name or ROOT_NAME, node)
                    holder.depth, holder.hints = depth + 1, hints
                    children.append(holder)
                holder.pending = KeyRange(columns, low, high, prefix)
                holder.variable_count += high - low
                holder.params += columns.params_sum[high] - columns.params_sum[low]
                holder.elements += columns.elements_sum[high] - columns.elements_sum[low]
                holder.nbytes += columns.bytes_sum[high] - columns.bytes_sum[low]
            by_name[name or ROOT_NAME] = holder
        if len(children) > 1:
            children[:] = sorted_in_slices(children, child_order)
        for row, child in enumerate(children):
            child.row = row


class KeyIndex(Mapping):
    """``tree.by_key`` of a key view made by levels: a leaf is made when asked for."""

    def __init__(self, columns: KeyColumns) -> None:
        self.columns = columns

    def __getitem__(self, key: str) -> TreeNode:
        at = self.columns.find(key)
        if at is None:
            raise KeyError(key)
        return self.columns.leaf_at(at)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.columns.find(key) is not None

    def __len__(self) -> int:
        return len(self.columns.keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns.keys)

    def values(self) -> list[TreeNode]:  # type: ignore[override]
        """Every leaf, in key order (made here, those not made yet: a worker's job)."""
        columns = self.columns
        with gc_paused():
            return list(map(columns.leaf_at, columns.in_key_order()))


class KeyTree(VariableTree):
    """The key view of ``variables`` (or of their ``fields``, Checkpoint.variable_columns
    as the index gives them), its levels made when first shown."""

    def __init__(self, variables: list[Variable] | None = None, fields: VariableColumns | None = None) -> None:
        with gc_paused():
            if fields is None:
                fields = VariableColumns(*map(list, zip(*variables))) if variables else VariableColumns(*[[]] * 7)
            columns = self.columns = KeyColumns(fields, variables)
            total = len(fields.keys)
            root = columns.root = TreeNode("")
            root.hints = {}
            if total:
                root.pending = KeyRange(columns, 0, total, "")
            root.variable_count = total
            root.params, root.nbytes = columns.params_sum[-1], columns.bytes_sum[-1]
            root.elements = columns.elements_sum[-1]
        self.start(root, KeyIndex(columns))

    @cached_property
    def dtype_names(self) -> list[str]:
        return self.columns.dtype_names

    @cached_property
    def variable_bytes(self) -> int:
        graph = self.columns.find(OBJECT_GRAPH_KEY)
        return self.columns.bytes_sum[-1] - (self.columns.fields.sizes[graph] if graph is not None else 0)

    @cached_property
    def first_floating_at(self) -> int | None:
        """Where the variable first_to_show chooses is (the largest floating-point weight
        matrix, else tensor; no slot), from the columns: worked out by the open job, so
        that a key view still shown when the object view comes makes only that leaf."""
        columns = self.columns
        floating = {name for name, dtype in columns.dtypes.items() if dtype.is_floating}
        chosen = map_in_slices(floating.__contains__, columns.dtype_column)
        for at in columns.slots:
            chosen[at] = False
        # Paced, not list() alone: one C call over every variable held the interpreter
        # lock for the whole of a 200,000-variable open (test_loading_slices).
        positions = list(paced(compress(columns.in_key_order(), map(chosen.__getitem__, columns.in_key_order()))))
        shapes, keys = columns.fields.shapes, columns.fields.keys
        return first_not_passed(positions, lambda at: (len(shapes[at]) >= 2, prod(shapes[at])), keys.__getitem__,
                                self.passed_over)  # fmt: skip

    def largest_floating(self) -> TreeNode | None:
        at = self.first_floating_at
        return None if at is None else self.columns.leaf_at(at)

    def use_variables(self, variables: list) -> None:
        """The same variables with their object paths (a checkpoint's graph decoded),
        in the order of the keys given (the checkpoint's: usually), else found by key."""
        columns = self.columns
        keys = map_in_slices(_KEY, variables)
        if len(keys) == len(columns.keys) and all(
            keys[start:stop] == columns.keys[start:stop] for start, stop in slices(len(keys))
        ):
            swapped = variables if columns.order is None else _in_path_order(variables, columns.order)
        else:
            by_key = index_in_slices(variables, _KEY)  # a slice at a time (see KeyColumns)
            swapped = map_in_slices(by_key.__getitem__, columns.fields.keys)  # fields: in path order
        with columns._making:  # no leaf made meanwhile with the variable before
            columns.variables = swapped
            for at in compress(count(), columns.made):
                columns.made[at].variable = swapped[at]

    def dismantle(self) -> Iterator[None]:
        columns = self.columns
        yield from super().dismantle()
        columns.made, columns.root = [], None
