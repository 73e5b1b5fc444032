"""A pair whose value cannot be read on one side (or both): marked, not fatal.

One tensor failing its CRC32C check had stopped the whole comparison: the app kept
every row "comparing" for good, and ``ckpt-gui diff`` printed only the error (review
14). A value that fails its checksum, lies past the end of a truncated data file, or
lives in a data file that is missing or cannot be opened now makes its own pair
"unreadable", with which side, which file and what is wrong; every other pair is
compared as usual. ``compare_pair`` applies this rule, so the app's background pass,
its selected pair and the CLI's table and JSON all take it from here.

A shape- or dtype-changed pair's status is the index's, and its values are never
compared; ``check_changed_pair`` still reads each side once to the end (``compare_all``
does it, so the app's background pass and ``diff`` alike), so that a corrupt side is
said with the pair's status, not only once the pair is selected. The cost is one read
of those pairs alone (the CRC32C check needs every byte); only-A and only-B values are
not read.

Not covered, on purpose: object storage that does not answer (every pair would fail
alike; the comparison stops with that error). A TF2 object graph that cannot be read is
not a pair: the pairs are matched by key and compared (``key_fallback.verify_object_graphs``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ckpt_gui.core.format.errors import Cancelled, CheckpointError, StorageError, shown_path
from ckpt_gui.core.statuses import DiffStatus

if TYPE_CHECKING:  # diff.py's Pair and CheckpointDiff are not imported: diff.py imports this
    from ckpt_gui.core.checkpoint import Checkpoint, Variable


@dataclass(frozen=True, slots=True)
class UnreadableSide:
    """One side of a pair whose value could not be read."""

    side: str  # "A" or "B"
    file: str  # the file the reader names
    problem: str  # what is wrong with it, in the reader's words

    @property
    def text(self) -> str:
        """ "B: /run/ckpt-5.data-00000-of-00001: tensor '...' fails its CRC32C check: ..." """
        return f"{self.side}: {shown_path(self.file)}: {self.problem}"

    @property
    def short(self) -> str:
        """The few words a tree's badge has room for: "B: CRC mismatch"."""
        return f"{self.side}: {self.kind}"

    @property
    def kind(self) -> str:
        """What is wrong, without the tensor: "CRC mismatch", "data file missing"..."""
        return problem_kind(self.problem)


def is_read_failure(error: BaseException) -> bool:
    """Whether ``error`` is about one value's bytes (checksum, truncated or missing data
    file, a file that cannot be opened, a dtype not decoded): its pair alone is marked.
    Storage that cannot be reached is about every value: the comparison stops."""
    return isinstance(error, CheckpointError) and not isinstance(error, StorageError)


def mark_unreadable(diff, pair, error: CheckpointError) -> None:
    """Set ``pair`` (a Pair of ``diff``, a CheckpointDiff) unreadable, naming each side
    that fails: both are read again, to the end (the first error stops a comparison
    before the other side's checksum is checked, and A and B may be one file); the
    pair's own ``error`` when neither fails again. A pair whose status the index gave
    (a shape or dtype change, found unreadable when its histograms are read) keeps it:
    it is still a shape change, and its rows say the side that cannot be read by the badge."""
    sides = [found for found in (_side_failure("A", diff.a, pair.a), _side_failure("B", diff.b, pair.b)) if found]
    if not sides:
        sides = [UnreadableSide(_side_of(diff, error), error.path, error.problem)]
    pair.values = None
    pair.sides_read = True  # both read above: a changed pair is not read again
    if pair.status is None:  # its values were being compared: they never will be
        pair.status = DiffStatus.UNREADABLE
    pair.unreadable = tuple(sides)


CHECKED_STATUSES = (DiffStatus.SHAPE_CHANGED, DiffStatus.DTYPE_CHANGED)  # the index's, never compared


def needs_check(pair) -> bool:
    """Whether ``pair`` is a shape or dtype change whose sides were not read yet."""
    return pair.status in CHECKED_STATUSES and not pair.sides_read


def check_changed_pair(diff, pair, cancelled: Callable[[], bool] | None = None) -> None:
    """Read both sides of a shape- or dtype-changed ``pair`` to the end (every byte's
    CRC32C) and mark the sides that fail: its status kept, its rows badged."""
    if not needs_check(pair):
        return
    sides = [found for found in (_side_failure("A", diff.a, pair.a, cancelled),
                                 _side_failure("B", diff.b, pair.b, cancelled)) if found]  # fmt: skip
    if sides:
        pair.unreadable = tuple(sides)
    pair.sides_read = True


def check_weight(pair) -> int:
    """What reading a changed pair's two sides counts in the comparison's progress, where a
    compared pair counts its elements (each read on both sides): half of both sides'."""
    return (pair.a.num_elements + pair.b.num_elements) // 2


def unreadable_text(pair) -> str:
    """Why a pair could not be compared, every failing side: "" for a readable one."""
    return "; ".join(side.text for side in pair.unreadable)


def unreadable_badge(pair) -> str:
    """A tree row's badge for it: "B: CRC mismatch" ("" for a readable pair)."""
    return ", ".join(side.short for side in pair.unreadable)


def unreadable_sides(pair) -> set[str]:
    """Which sides ("A", "B") of ``pair`` cannot be read: their values are not plotted."""
    return {side.side for side in pair.unreadable}


def _side_failure(
    side: str, ckpt: Checkpoint, variable: Variable | None, cancelled: Callable[[], bool] | None = None
) -> UnreadableSide | None:
    if variable is None:
        return None
    try:
        if variable.dtype.is_numeric:
            for _chunk in ckpt.iter_chunks(variable.key):  # bounded memory, every byte checked
                if cancelled is not None and cancelled():
                    raise Cancelled()
        else:
            ckpt.read(variable.key)  # strings: decoding verifies the CRC
    except CheckpointError as error:
        if not is_read_failure(error):
            raise
        return UnreadableSide(side, error.path, error.problem)
    return None


def _side_of(diff, error: CheckpointError) -> str:
    """The side whose files the error names (both when A and B share the prefix)."""
    names = [side for side, ckpt in (("A", diff.a), ("B", diff.b)) if error.path.startswith(ckpt.prefix + ".")]
    return " and ".join(names) or "A or B"


def problem_kind(problem: str) -> str:
    """What is wrong with a value that cannot be read, in a few words, from the reader's
    message: "CRC mismatch", "data file truncated", "data file missing" or "unreadable"."""
    if "CRC32C" in problem:
        return "CRC mismatch"
    if "truncated" in problem or "past the end" in problem:
        return "data file truncated"
    if "missing" in problem:
        return "data file missing"
    return "unreadable"
