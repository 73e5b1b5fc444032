"""Pairing two checkpoints' variables, and proposing those that seem to have moved.

Pairing needs only the two indexes: by key, then (TF2) by object path, since the
same kernel can sit under different keys in two files, then (a Keras file against
another kind) by layer and variable name, then by the model's layer order. Renames are proposed once values are
compared: a variable only in A and one only in B with the same values.
"""

from __future__ import annotations

from collections.abc import Callable

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair, Rename
from ckpt_gui.core.analysis.diff_values import compare_chunks
from ckpt_gui.core.analysis.layer_order import PAIRED_BY as LAYER_ORDER
from ckpt_gui.core.analysis.layer_order import pair_by_layer_order
from ckpt_gui.core.analysis.name_pairing import PAIRED_BY as LAYER_NAME
from ckpt_gui.core.analysis.name_pairing import pair_by_names
from ckpt_gui.core.analysis.summaries import tensor_stats
from ckpt_gui.core.analysis.unreadable_pair import is_read_failure
from ckpt_gui.core.analysis.value_comparison import aligned_chunks
from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.statuses import DiffStatus

PAIRING_STEPS = 100  # progress reports while pairing, at most


def _pairs_by_key(
    a_vars: dict[str, Variable], b_vars: dict[str, Variable], progress: Callable[[int, int], None] | None
) -> list[Pair]:
    """The pairs of the variables both sides hold under one key, counted over A's."""
    pairs = []
    step = max(1, len(a_vars) // PAIRING_STEPS)
    for done, key in enumerate(a_vars):
        if progress is not None and done % step == 0:
            progress(done, len(a_vars))
        if key in b_vars:
            pairs.append(Pair(key, a_vars[key], b_vars[key]))
    return pairs


def _take(
    found: list[tuple[Variable, Variable]],
    paired_by: str,
    pairs: list[Pair],
    only_a: list[Variable],
    only_b: dict[str, Variable],
) -> list[Variable]:
    """Add ``found`` to ``pairs`` (taking B's out of ``only_b``); A's variables still unpaired."""
    for variable, match in found:
        pairs.append(Pair(variable.key, variable, match, paired_by=paired_by))
        del only_b[match.key]
    taken = {variable.key for variable, _match in found}
    return [variable for variable in only_a if variable.key not in taken]


def pair_variables(a: Checkpoint, b: Checkpoint, progress: Callable[[int, int], None] | None = None) -> CheckpointDiff:
    """Pair the two checkpoints' variables from their indexes (no values read); pairs
    whose shape or dtype differ, or that exist on one side only, get their status.
    ``progress(done, total)``: A's variables paired so far, of all of A's (seconds at
    200,000 variables)."""
    a_vars = {v.key: v for v in a.variables if not v.is_object_graph}
    b_vars = {v.key: v for v in b.variables if not v.is_object_graph}
    pairs = _pairs_by_key(a_vars, b_vars, progress)
    only_a = [v for k, v in a_vars.items() if k not in b_vars]
    only_b = {k: v for k, v in b_vars.items() if k not in a_vars}
    # TF2: the same object may be saved under another key (Keras 3 keeps a layer's
    # kernel under the optimizer when it has one): pair by object path.
    b_by_path: dict[str, Variable] = {}
    for variable in only_b.values():
        for path in variable.object_paths:
            b_by_path.setdefault(path, variable)
    unpaired_a = []
    for variable in only_a:
        match = next((b_by_path[p] for p in variable.object_paths if p in b_by_path), None)
        if match is not None and match.key in only_b:
            pairs.append(Pair(variable.key, variable, match, paired_by="path"))
            del only_b[match.key]
        else:
            unpaired_a.append(variable)
    # A Keras file against another kind: keys share nothing, the names the model gave
    # its layers and variables do (review 23 #13), else the model's layer order.
    by_name = pair_by_names(a, b, unpaired_a, list(only_b.values()))
    unpaired_a = _take(by_name.pairs, LAYER_NAME, pairs, unpaired_a, only_b)
    by_order = pair_by_layer_order(a, b, unpaired_a, list(only_b.values()))
    unpaired_a = _take(by_order, LAYER_ORDER, pairs, unpaired_a, only_b)
    pairs += [Pair(v.key, v, None, status=DiffStatus.ONLY_A) for v in unpaired_a]
    pairs += [Pair(v.key, None, v, status=DiffStatus.ONLY_B) for v in only_b.values()]
    for pair in pairs:
        if pair.a is not None and pair.b is not None:
            if pair.a.dtype.name != pair.b.dtype.name:
                pair.status = DiffStatus.DTYPE_CHANGED
            elif pair.a.shape != pair.b.shape:
                pair.status = DiffStatus.SHAPE_CHANGED
    pairs.sort(key=lambda pair: pair.path)
    if progress is not None:
        progress(len(a_vars), len(a_vars))
    return CheckpointDiff(a, b, pairs, unpaired_names=by_name.note)


# Fewer values than this are too easily equal by coincidence (a step counter against
# another counter, a learning rate, a short vector): never proposed as moved.
MIN_RENAME_ELEMENTS = 8


def find_renames(diff: CheckpointDiff, tolerance: float = 1e-6, cancelled=None) -> list[Rename]:
    """Variables only in A and only in B with the same shape and dtype and nearly the
    same values (relative L2 difference below ``tolerance``): proposed as moved.

    Scalars and tiny tensors are left out, and so are constant tensors (all ones, a
    layer still at its initial values): equal values say nothing about identity there.
    """

    def candidate(v: Variable) -> bool:
        return v.dtype.is_numeric and v.num_elements >= MIN_RENAME_ELEMENTS

    only_a = [p.a for p in diff.pairs if p.status == DiffStatus.ONLY_A and candidate(p.a)]
    only_b = [p.b for p in diff.pairs if p.status == DiffStatus.ONLY_B and candidate(p.b)]
    renames = []
    taken: set[str] = set()
    for va in only_a:
        for vb in only_b:
            if vb.key in taken or vb.shape != va.shape or vb.dtype.name != va.dtype.name:
                continue
            probe = Pair(va.key, va, vb)
            try:
                values = compare_chunks(aligned_chunks(diff, probe), None, cancelled, parallel=False)
            except CheckpointError as error:  # a value that cannot be read matches nothing
                if not is_read_failure(error):
                    raise
                continue
            if values.rel_l2 is not None and values.rel_l2 <= tolerance:
                stats = tensor_stats(diff.a, va.key, cancelled=cancelled)  # only for a match: rare
                if stats.min != stats.max:
                    renames.append(Rename(va.key, vb.key, values.rel_l2))
                    taken.add(vb.key)
                break  # matched (or constant, so any match would be a coincidence)
    diff.renames = renames
    return renames
