"""Comparing a pair's values: read both sides in chunks, in bounded memory (two
checkpoints larger than RAM work), and set the pair's status and figures. A pair can
be compared on its own (the app compares what the user looks at first); a value that
cannot be read makes its pair "unreadable" (unreadable_pair.py), not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.analysis.diff_values import (
    ValueDiff,
    compare_chunks,
    compare_pieces,
    identical_chunks,
    identical_pieces,
    should_parallelize,
)
from ckpt_gui.core.analysis.key_fallback import verify_object_graphs
from ckpt_gui.core.analysis.unreadable_pair import (
    check_changed_pair,
    check_weight,
    is_read_failure,
    mark_unreadable,
    needs_check,
)
from ckpt_gui.core.format.errors import Cancelled, CheckpointError
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES
from ckpt_gui.core.statuses import DiffStatus


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
    verify_object_graphs(diff.a, diff.b)
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


def elements_to_compare(diff: CheckpointDiff) -> int:
    """The progress compare_all reports at its end: compared pairs' elements, and the
    changed pairs' sides it reads (check_weight)."""
    compared = sum(pair.a.num_elements for pair in diff.pairs if pair.needs_values)
    return compared + sum(check_weight(pair) for pair in diff.pairs if needs_check(pair))


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
