"""The statistics of every variable that can be read (each, or a group's together), and
why the others cannot.

One tensor failing its checksum, or living in a data file that is gone, had stopped a
whole pass: the app's NaN/Inf scan then badged nothing, and ``inspect --stats`` printed
no listing at all (review 12). Both take this pass instead, which reads what it can and
names what it could not."""

from __future__ import annotations

from collections import Counter

from ckpt_gui.core.analysis.histogram import Histogram
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.analysis.summaries import Cancelled, Progress, all_stats, group_histogram
from ckpt_gui.core.analysis.unreadable_pair import problem_kind
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CorruptCheckpointError
from ckpt_gui.core.views.missing_data import missing_shard_said

_CHUNK = 1024  # variables summarised together when a corrupt one makes the pass go piecewise


def stats_skipping_unreadable(
    ckpt: Checkpoint,
    keys: list[str],
    known: dict[str, TensorStats] | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
) -> tuple[dict[str, TensorStats], dict[str, str]]:
    """The statistics of ``keys`` (those in ``known`` not read again), and the tensors
    that could not be read (key -> why). A tensor in a missing data file is not tried;
    a corrupt one makes the pass go again a chunk at a time, and one by one inside a
    failing chunk (``progress`` is only reported by the first, whole pass)."""
    unreadable = {}
    for key in keys:
        missing = missing_shard_said(ckpt, key)
        if missing is not None:
            unreadable[key] = f"data file {missing}"
    wanted = [key for key in keys if key not in unreadable]
    try:
        return all_stats(ckpt, wanted, known, progress, cancelled), unreadable
    except CorruptCheckpointError:
        pass
    found = dict(known or {})
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        try:
            found.update(all_stats(ckpt, chunk, found, None, cancelled))
            continue
        except CorruptCheckpointError:
            pass
        for key in chunk:
            try:
                found.update(all_stats(ckpt, [key], found, None, cancelled))
            except CorruptCheckpointError as error:
                unreadable[key] = str(error)
    return {key: found[key] for key in wanted if key in found}, unreadable


# The tree's badge of a value that cannot be read, by what is wrong, as a comparison's
# badge says it ("B: data file truncated"): "[CRC mismatch]" on values past the end of a
# data file cut short sent the user looking for bit rot, not a copy cut short (review 20, G4).
_BADGES = {"data file truncated": "truncated", "data file missing": "data missing"}


def unreadable_badge(why: str) -> str:
    """The badge of a value :func:`stats_skipping_unreadable` could not read (``why``):
    "truncated", "data missing", "CRC mismatch" (its checksum fails) or "unreadable"."""
    kind = problem_kind(why)
    return _BADGES.get(kind, kind)


def unreadable_summary(unreadable: dict[str, str]) -> str:
    """Why the values of ``unreadable`` (key -> why) could not be read, all told in a few
    words: "data file truncated", or "11 data file truncated, 1 CRC mismatch"."""
    kinds = Counter(problem_kind(why) for why in unreadable.values())
    if len(kinds) == 1:
        return next(iter(kinds))
    return ", ".join(f"{count:,} {kind}" for kind, count in kinds.most_common())


def group_histogram_of_readable(
    ckpt: Checkpoint,
    keys: list[str],
    bins: int,
    value_range: tuple[float, float] | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
    tensors: Progress = None,
    known: dict[str, TensorStats] | None = None,
) -> tuple[tuple[TensorStats, Histogram] | None, dict[str, str]]:
    """The statistics and histogram of ``keys`` together (None when none can be read),
    and the tensors left out because they could not be read (key -> why). A group has no
    checksum of its own: one variable failing its CRC32C had ended the group's pass, and
    the app then said "CRC32C MISMATCH" of the group, naming none of its variables (review
    14). The pass goes again without the unreadable ones, found as the NaN/Inf scan finds
    them (those in ``known`` are not read again); that second pass reports no progress."""
    try:
        return group_histogram(ckpt, keys, bins, value_range, progress, cancelled, tensors), {}
    except CorruptCheckpointError:
        pass
    _found, unreadable = stats_skipping_unreadable(ckpt, keys, known, None, cancelled)
    readable = [key for key in keys if key not in unreadable]
    if not readable:
        return None, unreadable
    return group_histogram(ckpt, readable, bins, value_range, None, cancelled), unreadable
