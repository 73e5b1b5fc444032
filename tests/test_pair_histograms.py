"""A selected pair's histograms (issue 11): A's and B's over one shared range, B - A's
over its own, and the heatmaps' block extremes come from two passes over each side
(extremes, then counts), no more; every histogram equal to numpy's ``np.histogram``
over the same bins, NaN and Inf counted apart."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ckpt_gui.core.analysis.value_comparison import compare_pair
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views import pair_view as views
from ckpt_gui.core.views.pair_view import bins_for, pair_view
from tests.test_pair_planes import _block_extremes, _blocks_of, _diff


def _real(values: np.ndarray) -> np.ndarray:
    """What a side's histogram counts: magnitudes of complex, float16 widened, bool as 0/1."""
    if values.dtype.kind == "c":
        return np.abs(values)
    if values.dtype == np.bool_:
        return values.view(np.uint8)
    return values.astype(np.float32) if values.dtype == np.float16 else values


def _check_histogram(histogram, values: np.ndarray, bins: int, value_range=None) -> None:
    finite = values[np.isfinite(values)]
    counts, edges = np.histogram(finite, bins=bins, range=value_range)
    np.testing.assert_array_equal(histogram.counts, counts)
    np.testing.assert_array_equal(histogram.edges, edges)
    assert (histogram.nan, histogram.posinf, histogram.neginf) == (
        np.count_nonzero(np.isnan(values)),
        np.count_nonzero(values == np.inf),
        np.count_nonzero(values == -np.inf),
    )


def check_pair_histograms(view, a: np.ndarray, b: np.ndarray) -> None:
    """numpy's answer for A, B (one range: the finite extremes of both) and B - A."""
    bins = bins_for(100, a.size)
    real_a, real_b = _real(a), _real(b)
    finite = np.concatenate([real_a[np.isfinite(real_a)], real_b[np.isfinite(real_b)]])
    shared = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    _check_histogram(view.hist_a, real_a, bins, shared)
    _check_histogram(view.hist_b, real_b, bins, shared)
    parts = (b.real, a.real) if a.dtype.kind == "c" else (b, a)
    with np.errstate(invalid="ignore"):
        d = parts[0].astype(np.float64) - parts[1].astype(np.float64)
    _check_histogram(view.hist_diff, d, bins)


def _count_reads(monkeypatch, diff) -> Counter:
    """How many times each side's values are read, in any way."""
    reads = Counter()
    for side, ckpt in (("a", diff.a), ("b", diff.b)):
        for name in ("iter_chunks", "map_chunks", "read"):
            original = getattr(ckpt, name)

            def counted(*args, _original=original, _key=(side, name), **kwargs):
                reads[_key] += 1
                return _original(*args, **kwargs)

            monkeypatch.setattr(ckpt, name, counted)
    original_mapped = views.mapped_entry

    def mapped(reader, entry):
        reads["mapped"] += 1
        return original_mapped(reader, entry)

    monkeypatch.setattr(views, "mapped_entry", mapped)
    return reads


def test_a_large_pair_is_read_twice_a_side_and_every_histogram_is_numpys(tmp_path, monkeypatch):
    """12 MB a side (several chunks, cutting rows anywhere): two reads of each side
    give the three histograms and the three pictures, all exact."""
    shape = (1_500, 2_100)
    rng = np.random.default_rng(21)
    a = rng.standard_normal(shape).astype(np.float32)
    b = a.copy()
    changed = rng.choice(a.size, 5_000, replace=False)
    b.reshape(-1)[changed] += rng.standard_normal(changed.size).astype(np.float32)
    b[700, 2_050] = np.nan  # appeared
    a[3, 4] = np.inf  # went away
    b[1_499, 0] = -np.inf
    diff, pair = _diff(tmp_path, a, b)
    compare_pair(diff, pair)
    reads = _count_reads(monkeypatch, diff)
    view = pair_view(diff, pair)
    assert reads == {("a", "iter_chunks"): 2, ("b", "iter_chunks"): 2}  # extremes, then counts
    check_pair_histograms(view, a, b)
    block = _blocks_of(shape)
    whole = (shape[0] // block[0] * block[0], shape[1] // block[1] * block[1])
    cells = (whole[0] // block[0], whole[1] // block[1])
    for image, values in ((view.image_a, a), (view.image_b, b), (view.image_diff, b.astype(np.float64) - a)):
        expected = _block_extremes(values[: whole[0], : whole[1]], block)
        np.testing.assert_array_equal(image[: cells[0], : cells[1]], expected.astype(image.dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.float16, np.complex64, np.bool_])
def test_histograms_of_every_kind_of_numbers_are_numpys(tmp_path, dtype):
    rng = np.random.default_rng(4)
    shape = (300, 700)
    if dtype == np.complex64:
        a = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    elif dtype == np.bool_:
        a = rng.random(shape) < 0.3
    else:
        a = (rng.standard_normal(shape) * 50).astype(dtype)
    b = a.copy()
    b[rng.random(shape) < 0.1] = a.reshape(-1)[:1]  # some elements take A's first value
    diff, pair = _diff(tmp_path, a, b)
    view = pair_view(diff, pair)
    check_pair_histograms(view, a, b)


def test_a_pair_of_tensorflow_checkpoints_has_numpys_histograms(checkpoints, tf):
    """Every numeric pair of two saves of a Keras model (written by TensorFlow), against
    numpy on the values TensorFlow reads back."""
    folder = checkpoints / "keras_seq"
    diff = pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4"))
    readers = [tf.train.load_checkpoint(str(folder / name)) for name in ("ckpt-3", "ckpt-4")]
    checked = 0
    for pair in diff.pairs:
        if pair.a is None or pair.b is None or not pair.a.dtype.is_numeric or pair.a.num_elements < 2:
            continue
        view = pair_view(diff, pair)
        a, b = (reader.get_tensor(key) for reader, key in zip(readers, (pair.a.key, pair.b.key), strict=True))
        check_pair_histograms(view, np.asarray(a), np.asarray(b))
        checked += 1
    assert checked >= 4
