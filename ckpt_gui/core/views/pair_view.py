"""What the comparison shows for one selected pair: shared-range histograms of A and
B, the histogram of B - A, and for matrices the planes of A, B and B - A; for a
selected group, what changed below it and where the largest changes are."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.analysis.histogram import DEFAULT_BINS, Histogram
from ckpt_gui.core.analysis.stats import Partial, range_chunk
from ckpt_gui.core.analysis.summaries import tensor_histogram
from ckpt_gui.core.analysis.unreadable_pair import is_read_failure, mark_unreadable, unreadable_sides
from ckpt_gui.core.analysis.value_comparison import compare_pair
from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.values.mapped import mapped_entry
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.views.large_values import LARGE_VIEW_BYTES
from ckpt_gui.core.views.pair_histograms import pair_histograms
from ckpt_gui.core.views.pair_planes import PlanePicture, envelope_pictures, pair_pictures, side_picture
from ckpt_gui.core.views.pair_statuses import change_order, status_code, status_from_code, statuses_of
from ckpt_gui.core.views.pair_tree import PairNode, PairTree
from ckpt_gui.core.views.planes import MAX_VIEW_BYTES, PlaneChoice, default_choice


@dataclass(slots=True)
class PairView:
    pair: Pair
    hist_a: Histogram | None = None
    hist_b: Histogram | None = None
    hist_diff: Histogram | None = None
    choice: PlaneChoice | None = None
    choice_b: PlaneChoice | None = None  # B's, when its shape differs from A's
    # Both values, kept for another slice (choose_plane) when the tensors have more than
    # two axes and one shape: as read up to KEEP_FOR_SLICES bytes a side, memory maps
    # beyond (none: no slice but the first, e.g. a partitioned tensor).
    values: tuple[np.ndarray, np.ndarray] | None = None
    # The heatmaps (pair_planes.py): block extremes of A's and B's planes, and of B - A.
    picture_a: PlanePicture | None = None
    picture_b: PlanePicture | None = None
    picture_diff: PlanePicture | None = None
    scalars: tuple[object, object] | None = None  # a pair of single values: shown as numbers, not histograms

    @property
    def slices_in_job(self) -> bool:
        """Another slice is read on a worker (:func:`plane_pictures`), not while the
        user waits: the values are memory maps of over KEEP_FOR_SLICES bytes a side,
        and a plane across the storage order touches every page of them."""
        return self.values is not None and self.pair.a.size_bytes > KEEP_FOR_SLICES

    @property
    def image_a(self) -> np.ndarray | None:
        return self.picture_a.image if self.picture_a is not None else None

    @property
    def image_b(self) -> np.ndarray | None:
        return self.picture_b.image if self.picture_b is not None else None

    @property
    def image_diff(self) -> np.ndarray | None:
        return self.picture_diff.image if self.picture_diff is not None else None


def pair_view(
    diff: CheckpointDiff,
    pair: Pair,
    bins: int = DEFAULT_BINS,
    cancelled: Callable[[], bool] | None = None,
) -> PairView:
    compare_pair(diff, pair, cancelled=cancelled)
    try:
        return _pair_view(diff, pair, bins, cancelled)
    except CheckpointError as error:
        # A pair the comparison never reads (a shape or dtype change: its status is the
        # index's) fails only here: marked as compare_pair marks one (which side, file,
        # problem), its status kept, and the side that reads plotted alone. Marked already
        # if the background comparison's read of the pair's sides found it meanwhile (a
        # race the selection lost): then plotted again without that side all the same.
        if not is_read_failure(error):
            raise
        if not pair.unreadable:
            mark_unreadable(diff, pair, error)
        return _pair_view(diff, pair, bins, cancelled)


def _pair_view(diff: CheckpointDiff, pair: Pair, bins: int, cancelled) -> PairView:
    view = PairView(pair)
    unreadable = unreadable_sides(pair)  # plotted: the side that can be read, alone
    a_ok = pair.a is not None and pair.a.dtype.is_numeric and "A" not in unreadable
    b_ok = pair.b is not None and pair.b.dtype.is_numeric and "B" not in unreadable
    if not (a_ok or b_ok):
        return view
    if a_ok and b_ok and pair.a.num_elements == 1 and pair.b.num_elements == 1:
        # One value a side: one-bar histograms (of fractional counts, spread over bins) say nothing.
        view.scalars = (diff.a.read(pair.a.key).reshape(-1)[0].item(), diff.b.read(pair.b.key).reshape(-1)[0].item())
        return view
    bins = bins_for(bins, max(v.num_elements for v in (pair.a, pair.b) if v is not None))
    values = pair.values
    same_shape = a_ok and b_ok and pair.a.shape == pair.b.shape and pair.a.dtype.name == pair.b.dtype.name
    envelopes = None
    if same_shape:  # two passes over both sides for all three histograms (and the heatmaps, when contiguous)
        with_diff = values is not None and values.max_abs_diff is not None
        region = _contiguous_region(pair.a.shape)
        found = pair_histograms(diff, pair, bins, with_diff, region, cancelled)
        view.hist_a, view.hist_b, view.hist_diff = found.hist_a, found.hist_b, found.hist_diff
        envelopes = found.envelopes
    else:
        view.hist_a, view.hist_b = _side_histograms(diff, pair, bins, a_ok, b_ok, cancelled)
    _planes(diff, pair, view, a_ok, b_ok, same_shape, envelopes, cancelled)
    return view


def _side_histograms(diff: CheckpointDiff, pair: Pair, bins: int, a_ok: bool, b_ok: bool, cancelled):
    """A's and B's histograms over one range when they differ in shape or dtype (or
    one side is missing): a range pass over each side, then its counts."""
    extremes = Partial()
    for ok, ckpt, variable in ((a_ok, diff.a, pair.a), (b_ok, diff.b, pair.b)):
        if ok:
            for chunk in ckpt.iter_chunks(variable.key):
                extremes.merge(range_chunk(chunk))
    low, high = (float(extremes.low), float(extremes.high)) if extremes.low is not None else (0.0, 1.0)
    hist_a = tensor_histogram(diff.a, pair.a.key, bins, (low, high), cancelled=cancelled)[1] if a_ok else None
    hist_b = tensor_histogram(diff.b, pair.b.key, bins, (low, high), cancelled=cancelled)[1] if b_ok else None
    return hist_a, hist_b


def _contiguous_region(shape: tuple[int, ...]) -> tuple[int, int, int] | None:
    """The plane the heatmaps first show (rows, columns, flat index of its first
    element) when its elements are contiguous: a matrix, or the last two axes of an
    N-D tensor at index 0 of the others; else None (read on its own, pair_planes.py)."""
    choice = default_choice(shape)
    if choice is None or (choice.rows, choice.cols) != (len(shape) - 2, len(shape) - 1):
        return None
    return shape[-2], shape[-1], 0


def bins_for(bins: int, count: int) -> int:
    """At most ``bins``, and no more than about twice the square root of the number of
    values: 100 bins over a 16-element bias would be a comb of lone spikes."""
    return max(1, min(bins, max(10, 2 * math.isqrt(count))))


def _planes(
    diff: CheckpointDiff,
    pair: Pair,
    view: PairView,
    a_ok: bool,
    b_ok: bool,
    same_shape: bool,
    envelopes: list[BlockEnvelope] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """The heatmaps: from the ``envelopes`` the histograms' first pass filled, or read
    a band at a time here (a plane not contiguous in storage, sides of two shapes)."""
    shape = pair.a.shape if a_ok else pair.b.shape
    if len(shape) < 2:
        return
    if envelopes is not None:
        view.choice = default_choice(shape)
        if len(shape) > 2:
            view.values = _kept_for_slices(diff, pair)
        dtypes = (numpy_dtype(diff.a.entry(pair.a.key).dtype), numpy_dtype(diff.b.entry(pair.b.key).dtype))
        view.picture_a, view.picture_b, view.picture_diff = envelope_pictures(envelopes, *dtypes)
        return
    value_a = _plane_values(diff.a, pair.a) if a_ok else None
    value_b = _plane_values(diff.b, pair.b) if b_ok else None
    if (a_ok and value_a is None) or (b_ok and value_b is None):
        return  # too large to read whole, and no memory map of it
    if same_shape and len(shape) > 2:
        view.values = _kept_for_slices(diff, pair, (value_a, value_b))
    view.choice = choice = default_choice(shape)
    if same_shape:  # one read of both planes: A, B and B - A
        view.picture_a, view.picture_b, view.picture_diff = pair_pictures(value_a, value_b, choice, cancelled)
        return
    if value_a is not None:
        view.picture_a = side_picture(value_a, choice, cancelled) if value_a.shape == shape else None
    if value_b is not None and value_b.shape == shape:
        view.picture_b = side_picture(value_b, choice, cancelled)
    elif value_b is not None:
        view.choice_b = choice_b = default_choice(value_b.shape)
        view.picture_b = side_picture(value_b, choice_b, cancelled) if choice_b else None


def _plane_values(ckpt: Checkpoint, variable: Variable) -> np.ndarray | None:
    """A side's values for its pictures: read whole when small, else a memory map
    (the pictures read it a band at a time); a large tensor with no memory map
    (partitioned, in object storage) read whole up to MAX_VIEW_BYTES, else None."""
    if variable.size_bytes > LARGE_VIEW_BYTES:
        mapped = mapped_entry(ckpt.reader, ckpt.entry(variable.key))
        if mapped is not None:
            return mapped
        if variable.size_bytes > MAX_VIEW_BYTES:
            return None
    return ckpt.read(variable.key)


KEEP_FOR_SLICES = 64 << 20  # bytes a side: a selected pair's values kept for another slice


def _kept_for_slices(diff: CheckpointDiff, pair: Pair, read: tuple | None = None) -> tuple | None:
    """Both values for another slice: as read (``read``, or read now) up to
    KEEP_FOR_SLICES bytes a side, else their memory maps (they hold no memory; a
    plane is read from them a band at a time); None without a memory map of both."""
    if pair.a.size_bytes <= KEEP_FOR_SLICES:
        return read if read is not None else (_plane_values(diff.a, pair.a), _plane_values(diff.b, pair.b))
    mapped = tuple(mapped_entry(c.reader, c.entry(v.key)) for c, v in ((diff.a, pair.a), (diff.b, pair.b)))
    return mapped if all(m is not None for m in mapped) else None


def plane_pictures(
    view: PairView, choice: PlaneChoice, cancelled: Callable[[], bool] | None = None
) -> tuple[PlanePicture, PlanePicture, PlanePicture]:
    """The pictures of plane ``choice`` of the values the view kept (``view.values``)."""
    value_a, value_b = view.values
    return pair_pictures(value_a, value_b, choice, cancelled)


def choose_plane(view: PairView, choice: PlaneChoice, pictures: tuple | None = None) -> None:
    """Show another plane of a pair whose values the view kept: its ``pictures`` when
    made already (on a worker, :attr:`PairView.slices_in_job`), else made here."""
    view.choice = choice
    view.picture_a, view.picture_b, view.picture_diff = pictures or plane_pictures(view, choice)


def slice_text(view: PairView) -> str:
    """Which plane the heatmaps show when the tensors have more than two axes:
    "slice [0, 0, :, :]" (B's too when its shape differs); empty for matrices."""
    sides = [(view.choice, (view.pair.a or view.pair.b).shape)]
    if view.choice_b is not None and view.pair.b is not None:
        sides.append((view.choice_b, view.pair.b.shape))
    texts = [slice_index(choice, len(shape)) for choice, shape in sides if choice is not None and len(shape) > 2]
    if len(texts) == 2:
        return f"slice {texts[0]} of A, {texts[1]} of B"
    return f"slice {texts[0]}" if texts else ""


def slice_index(choice: PlaneChoice, dims: int) -> str:
    """ "[0, 0, :, :]", and which axis runs down when it is the later one: the caption
    read the same after Rows and Columns were swapped (review 27)."""
    index = ", ".join(":" if axis in (choice.rows, choice.cols) else str(choice.fixed[axis]) for axis in range(dims))
    return f"[{index}]" + (f" (rows: axis {choice.rows})" if choice.rows > choice.cols else "")


GROUP_TOP = 10  # the largest changes a group's summary lists


@dataclass(slots=True)
class GroupView:
    """A group's summary: its pairs by status and where the largest changes are
    (histograms of values from different variables would mean nothing)."""

    node: PairNode
    path: str
    pairs: int
    counts: Counter
    pending: int
    largest: list[Pair] = field(default_factory=list)  # the most telling first (shape changes, then rel. L2)
    paths: dict[int, str] = field(default_factory=dict)  # id(pair) -> where the tree shows it
    unreadable: int = 0  # pairs below that could not be compared (not among ``largest``)


def group_view(tree: PairTree, node: PairNode, known: np.ndarray, top: int = GROUP_TOP) -> GroupView:
    """The summary of the pairs below ``node`` as counted in ``known`` (the tree's
    ``known_below(node)``, taken on the GUI thread: the group's row says the same);
    200,000 pairs under a large model's root: made in a job, from the tree's list of
    pairs in path order."""
    below = tree.pairs_below(node)
    # A pair that cannot be read is no change by size: ranked first (the flat list's
    # order), ten of them pushed the group's one measured change off the list (review 19
    # F11). They are counted apart instead.
    unreadable = known == status_code(DiffStatus.UNREADABLE)
    at = np.flatnonzero((known != 0) & (known != status_code(DiffStatus.SAME)) & ~unreadable).tolist()
    telling = [(below[i], status_from_code(int(known[i]))) for i in at]
    largest = heapq.nsmallest(top, telling, key=lambda told: change_order(*told))
    largest = [leaf for leaf, _status in largest]
    view = GroupView(node, node.path, len(below), statuses_of(known), int(np.count_nonzero(known == 0)))
    view.unreadable = int(np.count_nonzero(unreadable))
    view.largest = [leaf.pair for leaf in largest]
    view.paths = {id(leaf.pair): leaf.tree_path for leaf in largest}
    return view
