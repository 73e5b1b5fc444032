"""The optional C kernel of :func:`histogram.count_chunk`: one pass over a chunk of
float32 or float64 values gives their histogram counts over given edges, exactly
``np.histogram``'s, with their min, max and zeros (_histogram_counts.c).

Built when the package is installed with a C compiler; without it (or for a chunk it
declines: NaN, Inf, values outside the edges) count_chunk counts with numpy, with the
same results. It runs without the GIL, so the chunk threads count side by side and the
GUI thread never waits for it. About 1 ns a float32 value where numpy's way (FineBins,
then min, max and zeros) takes 3 (docs/performance.md, "Large tensors").
"""

from __future__ import annotations

from ckpt_gui.core.analysis.stats import Partial
from ckpt_gui.core.deferred import numpy as np

try:
    from ckpt_gui.core.analysis import _histogram_counts
except ImportError:  # no C compiler when the package was installed
    _histogram_counts = None


def counted_in_c(values: np.ndarray, edges: np.ndarray, of_magnitude: bool) -> Partial | None:
    """The chunk's count, extremes, zeros and histogram counts over ``edges``, or None
    when the kernel is not built or the values are not for it (then count otherwise)."""
    kernel = _histogram_counts
    if kernel is None or not (values.flags.c_contiguous and values.flags.aligned):
        return None  # a strided or misaligned chunk (np.frombuffer at an odd offset): numpy's way
    if not (_native_float(values) and _native_float(edges)):
        return None
    counts = np.zeros(edges.size - 1, np.int64)
    found = kernel.count(values, edges, counts)
    if found is None:  # NaN, Inf or values outside the edges: counts untouched
        return None
    low, high, zeros = found
    part = Partial(count=values.size, low=low, high=high, of_magnitude=of_magnitude)
    part.zeros = zeros
    part.counts = counts
    return part


def _native_float(array: np.ndarray) -> bool:
    # == rather than `in`: a byte-swapped float32 ('>f4' here) is not equal to np.float32
    return array.dtype == np.float32 or array.dtype == np.float64
