"""Comparing two checkpoints: pairing their variables and measuring what changed.

Pairing needs only the two indexes: by key, then (TF2) by object path, since the
same kernel can sit under different keys in two files. Values are compared chunk
by chunk in bounded memory, so two checkpoints larger than RAM work, and a pair
can be compared on its own (the app compares what the user looks at first).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ckpt_gui.core.analysis.diff_values import (
    ValueDiff,
    compare_chunks,
    compare_pieces,
    identical_chunks,
    identical_pieces,
    should_parallelize,
)
from ckpt_gui.core.analysis.layer_order import PAIRED_BY as LAYER_ORDER
from ckpt_gui.core.analysis.layer_order import pair_by_layer_order
from ckpt_gui.core.analysis.summaries import tensor_stats
from ckpt_gui.core.analysis.unreadable_pair import (
    UnreadableSide,
    check_changed_pair,
    check_weight,
    is_read_failure,
    mark_unreadable,
    needs_check,
    unreadable_text,
)
from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.format.errors import Cancelled, CheckpointError, one_line
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES
from ckpt_gui.core.statuses import DiffStatus


@dataclass(slots=True)
class Pair:
    """One row of the comparison: a variable of A, of B, or of both."""

    key: str  # A's key (B's for only_b)
    a: Variable | None
    b: Variable | None
    paired_by: str = "key"  # or "path" (same object path, different key), or "layer order" (layer_order.py)
    status: DiffStatus | None = None  # None until the values were compared
    values: ValueDiff | None = None
    unreadable: tuple[UnreadableSide, ...] = ()  # each side that fails, and why (status "unreadable", or kept)
    sides_read: bool = False  # a shape or dtype change: both sides read to the end (their CRC32C checked)

    @property
    def key_b(self) -> str | None:
        """B's key when it differs from A's."""
        if self.a is None or self.b is None or self.a.key == self.b.key:
            return None
        return self.b.key

    @property
    def path(self) -> str:
        variable = self.a if self.a is not None else self.b
        return variable.display_path

    @property
    def needs_values(self) -> bool:
        return self.status is None

    def to_json(self) -> dict:
        v = self.values
        out = {
            "key": self.key,
            "key_b": self.key_b,
            "status": self.status,
            "shape_a": list(self.a.shape) if self.a else None,
            "shape_b": list(self.b.shape) if self.b else None,
            "dtype_a": self.a.dtype.name if self.a else None,
            "dtype_b": self.b.dtype.name if self.b else None,
            "max_abs_diff": _finite(v.max_abs_diff) if v else None,
            "mean_abs_diff": _finite(v.mean_abs_diff) if v else None,
            "rel_l2": _finite(v.rel_l2) if v else None,
            "cosine": _finite(v.cosine) if v else None,
        }
        if v is not None:
            out.update(
                differing=v.differing, nan_appeared=v.nan_appeared, nan_vanished=v.nan_vanished,
                inf_appeared=v.inf_appeared, inf_vanished=v.inf_vanished,
                neginf_appeared=v.neginf_appeared, neginf_vanished=v.neginf_vanished,  # of those Inf, the -Inf
            )  # fmt: skip
        if self.paired_by != "key":
            out["paired_by"] = self.paired_by
        if self.unreadable:  # as `inspect --stats` gives a tensor it cannot read its "error"
            out["error"] = unreadable_text(self)
        return out


@dataclass(slots=True)
class Rename:
    """A variable that seems to have moved: only in A under one key, only in B under
    another, same shape and dtype, (nearly) the same values."""

    key_a: str
    key_b: str
    rel_l2: float


@dataclass(slots=True)
class CheckpointDiff:
    a: Checkpoint
    b: Checkpoint
    pairs: list[Pair] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = {status: 0 for status in DiffStatus}
        for pair in self.pairs:
            if pair.status is not None:
                counts[pair.status] += 1
        return counts

    def nonfinite(self) -> int:
        """How many pairs compared had NaN or Inf appear or go away: not a status (they
        are counted "changed" too) but the chip's "NaN/Inf", which the summaries say
        beside the statuses (review 15 #9: "1 same, 14 changed" under a NaN/Inf chip)."""
        return sum(1 for pair in self.pairs if pair.values is not None and pair.values.nonfinite_changed)

    @property
    def graph_errors(self) -> dict[str, CheckpointError]:
        """Each side ("A", "B") whose TF2 object graph cannot be read, with why (storage
        that does not answer is not in it: it stops the comparison, verify_object_graphs)."""
        sides = (("A", self.a), ("B", self.b))
        return {side: ckpt.graph_error for side, ckpt in sides if is_read_failure(ckpt.graph_error)}

    @property
    def names_from(self) -> str | None:
        """The side ("a" or "b") whose object graph names the pairs when they were matched
        by key because the other side's cannot be read: A's when it reads, else B's; None
        with no fallback, or with neither graph readable. The same key is the same
        variable (key_pairing_why), so the readable graph's name for it is the other
        file's too (core/views/pair_paths.py)."""
        errors = self.graph_errors
        if not errors:
            return None
        readable = (side for side in ("a", "b") if side.upper() not in errors)
        return next((side for side in readable if getattr(self, side).object_graph is not None), None)

    @property
    def pairing_fallback(self) -> str:
        """Said once when a side's object graph cannot be read, and the pairs were
        therefore matched by key: "B's object graph cannot be read (ckpt-4.data-00000-of-00001:
        data file truncated): pairs matched by key, named by A's object graph"; "" when
        both read (or have none)."""
        errors = self.graph_errors
        if not errors:
            return ""
        return f"{self.graphs_unreadable(list(errors))}: {self.key_pairing}"

    def graphs_unreadable(self, sides: list[str]) -> str:
        """Why the object graphs of ``sides`` ("A", "B") cannot be read, in a few words:
        "B's object graph cannot be read (ckpt-4.data-00000-of-00001: data file truncated)"."""
        errors = self.graph_errors
        whys = (f"{side}'s object graph cannot be read ({_graph_problem(side, errors[side])})" for side in sides)
        return "; ".join(whys)

    @property
    def key_pairing_why(self) -> str:
        """Why pairs matched by key are the same variables, and whose names the rows show:
        what the app's banner details say of the fallback, as the README does (the
        claim about TensorFlow is checked in tests/test_diff_graph_unreadable.py)."""
        if not self.graph_errors:
            return ""
        why = (
            "Pairs matched by key: a TF2 key is the object path its variable was saved under, and TensorFlow's "
            "name-based restore (tf.compat.v1.train.Saver) reads a variable by its key in either file, so the "
            "same key is the same variable."
        )
        names = self.names_from
        if names is None:
            return f"{why} Neither object graph can be read: both trees show the keys' own hierarchy."
        named, other = names.upper(), "B" if names == "a" else "A"
        return f"{why} {named}'s object graph names both trees' rows: {other}'s names are {named}'s for the same key."

    @property
    def key_pairing(self) -> str:
        """How the pairs were matched and named when an object graph cannot be read:
        "pairs matched by key, named by A's object graph" ("" when both graphs read)."""
        if not self.graph_errors:
            return ""
        names = self.names_from
        return "pairs matched by key" + (f", named by {names.upper()}'s object graph" if names else "")

    def to_json(self) -> dict:
        out = {
            "a": self.a.prefix,
            "b": self.b.prefix,
            "summary": self.summary(),
            "variables": [pair.to_json() for pair in self.pairs],
        }
        if self.graph_errors:
            out["pairing_fallback"] = {
                "paired_by": "key", "note": self.pairing_fallback,
                "errors": {side: str(error) for side, error in self.graph_errors.items()},
            }  # fmt: skip
        if self.renames:
            out["renames"] = [{"key_a": r.key_a, "key_b": r.key_b, "rel_l2": r.rel_l2} for r in self.renames]
        return out

    @property
    def identical(self) -> bool:
        """Every pair the same, and both checkpoints whole: an object graph that cannot
        be read is a difference, never "identical"."""
        return not self.graph_errors and all(pair.status == DiffStatus.SAME for pair in self.pairs)


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
    # A Keras file against another kind: names share nothing, the model's layer order does.
    for variable, match in pair_by_layer_order(a, b, unpaired_a, list(only_b.values())):
        pairs.append(Pair(variable.key, variable, match, paired_by=LAYER_ORDER))
        unpaired_a.remove(variable)
        del only_b[match.key]
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
    return CheckpointDiff(a, b, pairs)


def compare_pair(
    diff: CheckpointDiff,
    pair: Pair,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Pair:
    """Read both values (in chunks) and set the pair's status and metrics; a value that
    cannot be read (CRC mismatch, truncated or missing data file) makes the pair
    "unreadable", naming the side, the file and what is wrong (unreadable_pair.py),
    rather than an error that stops every other pair."""
    if not pair.needs_values:
        return pair
    try:
        return _compare_values(diff, pair, progress, cancelled)
    except CheckpointError as error:
        if not is_read_failure(error):
            raise
        mark_unreadable(diff, pair, error)
        return pair


def _compare_values(diff: CheckpointDiff, pair: Pair, progress, cancelled) -> Pair:
    if not pair.a.dtype.is_numeric:
        pair.status = DiffStatus.SAME if _equal_payloads(diff, pair) else DiffStatus.CHANGED
        return pair
    parallel = should_parallelize(pair.a.num_elements)
    pieces = _parallel_pieces(diff, pair) if parallel else None
    if _same_stored_crc(diff, pair):
        identical = identical_pieces(*pieces, cancelled) if pieces else identical_chunks(aligned_chunks(diff, pair))
        if identical:  # same stored checksum and every element equal: nothing to measure
            pair.values = ValueDiff(pair.a.num_elements, 0, 0.0, 0.0, 0.0, 1.0)
            pair.status = DiffStatus.SAME
            if progress is not None:
                progress(pair.a.num_elements)
            return pair
        pieces = _parallel_pieces(diff, pair) if parallel else None  # a fresh pair of readers
    if pieces is not None:
        values = compare_pieces(*pieces, progress, cancelled)
    else:
        values = compare_chunks(aligned_chunks(diff, pair), progress, cancelled, parallel)
    pair.values = values
    pair.status = DiffStatus.SAME if values.differing == 0 else DiffStatus.CHANGED
    return pair


def compare_all(
    diff: CheckpointDiff,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CheckpointDiff:
    """Compare every pair that needs its values, and read both sides of each shape or
    dtype change once (unreadable_pair.check_changed_pair: a corrupt side is said with
    the change, not only when it is plotted); ``progress`` gets elements done."""
    verify_object_graphs(diff)
    done = 0
    for pair in diff.pairs:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if pair.needs_values:
            base = done

            def report(n: int, base: int = base) -> None:
                if progress is not None:
                    progress(base + n)

            compare_pair(diff, pair, report, cancelled)
            done += pair.a.num_elements
        elif needs_check(pair):
            check_changed_pair(diff, pair, cancelled)
            done += check_weight(pair)
            if progress is not None:
                progress(done)
    return diff


def verify_object_graphs(diff: CheckpointDiff) -> None:
    """The object graphs are not compared as values (they describe objects, and pairing
    uses them). One that cannot be read (CRC mismatch, past the end of its shard, a data
    file missing: TF2 writes it last, so a write cut short always loses it) no longer
    stops the comparison: the pairs were matched by key (``pairing_fallback`` says so),
    every pair whose values read is compared, and the comparison is never "identical"
    (review 15 M2: "Comparison stopped", nothing compared, while each pair compared by
    key when clicked). Storage that does not answer still stops it."""
    for ckpt in (diff.a, diff.b):
        if ckpt.graph_error is not None and not is_read_failure(ckpt.graph_error):
            raise ckpt.graph_error


def elements_to_compare(diff: CheckpointDiff) -> int:
    """The progress compare_all reports at its end: compared pairs' elements, and the
    changed pairs' sides it reads (check_weight)."""
    compared = sum(pair.a.num_elements for pair in diff.pairs if pair.needs_values)
    return compared + sum(check_weight(pair) for pair in diff.pairs if needs_check(pair))


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


def aligned_chunks(
    diff: CheckpointDiff,
    pair: Pair,
    bytes_a: int = DEFAULT_CHUNK_BYTES,
    bytes_b: int = DEFAULT_CHUNK_BYTES,
    verify: bool = True,
) -> Iterator[tuple]:
    """Pairs of flat chunks covering the same elements of A's and B's values (the two
    files' chunks need not line up); ``verify=False`` for a second pass over values
    whose CRCs were just checked."""
    a_entry, b_entry = diff.a.entry(pair.a.key), diff.b.entry(pair.b.key)
    if a_entry.is_partitioned or b_entry.is_partitioned:
        # Slices are stored in their own order: compare the assembled tensors.
        yield diff.a.read(pair.a.key).reshape(-1), diff.b.read(pair.b.key).reshape(-1)
        return
    chunks_b = diff.b.iter_chunks(pair.b.key, bytes_b, verify)
    pending = None
    for chunk_a in diff.a.iter_chunks(pair.a.key, bytes_a, verify):
        start = 0
        while start < chunk_a.size:
            if pending is None or pending.size == 0:
                pending = next(chunks_b)
            take = min(chunk_a.size - start, pending.size)
            yield chunk_a[start : start + take], pending[:take]
            pending = pending[take:]
            start += take


def _parallel_pieces(diff: CheckpointDiff, pair: Pair):
    """Chunk lists of both values that line up (same element ranges), for reading
    on the worker threads; None when the values are not plain runs of bytes."""
    a_entry, b_entry = diff.a.entry(pair.a.key), diff.b.entry(pair.b.key)
    if a_entry.dtype.itemsize != b_entry.dtype.itemsize:
        return None
    pieces_a = diff.a.reader.pieces(a_entry)
    pieces_b = diff.b.reader.pieces(b_entry)
    if pieces_a is None or pieces_b is None or len(pieces_a.pieces) != len(pieces_b.pieces):
        return None
    return pieces_a, pieces_b


def _same_stored_crc(diff: CheckpointDiff, pair: Pair) -> bool:
    a_entry, b_entry = diff.a.entry(pair.a.key), diff.b.entry(pair.b.key)
    if a_entry.is_partitioned or b_entry.is_partitioned or a_entry.crc32c is None:
        return False
    return a_entry.crc32c == b_entry.crc32c and a_entry.size == b_entry.size


def _equal_payloads(diff: CheckpointDiff, pair: Pair) -> bool:
    """Strings and variants: equal when their stored bytes are (read and CRC-checked)."""
    a_entry, b_entry = diff.a.entry(pair.a.key), diff.b.entry(pair.b.key)
    if a_entry.is_partitioned or b_entry.is_partitioned:
        a, b = diff.a.read(pair.a.key), diff.b.read(pair.b.key)
        return a.shape == b.shape and a.reshape(-1).tolist() == b.reshape(-1).tolist()
    diff.a.read(pair.a.key), diff.b.read(pair.b.key)  # decoding verifies the CRCs
    return diff.a.shards.read(a_entry, verify=False) == diff.b.shards.read(b_entry, verify=False)


def _graph_problem(side: str, error: CheckpointError) -> str:
    """An object graph's error in a few words: its file and what is wrong ("data file truncated")."""
    short = UnreadableSide(side, error.path, error.problem).short.removeprefix(f"{side}: ")
    return f"{os.path.basename(error.path)}: {short if short != 'unreadable' else one_line(error.problem)}"


def _finite(x: float | None) -> float | None:
    return x if x is None or math.isfinite(x) else None
