"""Statistics and histograms: exact, chunked, equal to numpy on TensorFlow's values."""

from __future__ import annotations

import math
import os

import ml_dtypes
import numpy as np
import pytest

from ckpt_gui.core.analysis import histogram
from ckpt_gui.core.analysis.histogram import HistogramAccumulator, map_serially, two_pass_histogram
from ckpt_gui.core.analysis.stats import StatsAccumulator, compute_stats
from ckpt_gui.core.analysis.summaries import tensor_histogram, tensor_stats
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.crc import crc32c, crc32c_combine
from ckpt_gui.core.format.errors import Cancelled, CorruptCheckpointError
from tests.helpers import edge_hugging_values, tf_value


def reference_stats(values: np.ndarray) -> dict:
    """What the statistics must be, computed with numpy on the whole array."""
    if values.dtype.kind == "c":
        values = np.abs(values)
    elif values.dtype.kind == "V" or values.dtype == np.float16:
        values = values.astype(np.float64)
    values = values.astype(np.float64).reshape(-1)
    finite = values[np.isfinite(values)]
    with np.errstate(over="ignore"):  # the std of +-1e300 overflows to inf, in numpy as in ours
        std = finite.std() if finite.size else None
    return {
        "min": finite.min() if finite.size else None,
        "max": finite.max() if finite.size else None,
        "mean": finite.mean() if finite.size else None,
        "std": std,
        "nan": int(np.isnan(values).sum()),
        "posinf": int((values == np.inf).sum()),
        "neginf": int((values == -np.inf).sum()),
        "zeros": int((values == 0).sum()),
    }


def assert_stats_match(stats, expected, key):
    for name in ("nan", "posinf", "neginf", "zeros"):
        assert getattr(stats, name) == expected[name], (key, name)
    for name in ("min", "max", "mean", "std"):
        got, want = getattr(stats, name), expected[name]
        if want is None:
            assert got is None, (key, name)
        elif math.isinf(want):
            assert got == want, (key, name)
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (key, name, got, want)


@pytest.mark.parametrize("scenario", ["dtypes", "keras_seq", "tf1", "sharded"])
def test_stats_of_every_numeric_variable_match_numpy_on_tf_values(checkpoints, tf, scenario):
    ckpt = Checkpoint.open(checkpoints / scenario)
    reader = tf.train.load_checkpoint(ckpt.prefix)
    for v in ckpt.variables:
        if not v.dtype.is_numeric:
            continue
        expected = reference_stats(tf_value(reader, v.key))
        assert_stats_match(tensor_stats(ckpt, v.key), expected, v.key)


def test_chunked_stats_equal_whole_stats(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    key = "values/huge_dim/.ATTRIBUTES/VARIABLE_VALUE"
    whole = tensor_stats(ckpt, key)
    chunks = list(ckpt.iter_chunks(key, chunk_bytes=4096))
    assert len(chunks) == math.ceil(70000 * 4 / 4096)
    chunked = compute_stats(chunks)
    assert chunked.count == whole.count == 70000
    assert chunked.min == whole.min and chunked.max == whole.max
    assert chunked.mean == pytest.approx(whole.mean, abs=1e-12)
    assert chunked.std == pytest.approx(whole.std, rel=1e-12)


def test_nan_and_inf_are_counted_not_dropped(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    stats = tensor_stats(ckpt, "values/float32/.ATTRIBUTES/VARIABLE_VALUE")
    assert (stats.nan, stats.posinf, stats.neginf, stats.zeros) == (1, 1, 1, 1)
    assert (stats.min, stats.max) == (-2.25, 1.5)
    assert stats.finite == 3 and stats.has_nonfinite


def test_complex_is_summarised_by_magnitude(checkpoints):
    stats = tensor_stats(Checkpoint.open(checkpoints / "dtypes"), "values/complex64/.ATTRIBUTES/VARIABLE_VALUE")
    assert stats.of_magnitude and stats.nan == 1
    assert stats.max == pytest.approx(3.5)


def test_histogram_equals_numpy_on_tf_values(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "tf1")
    reader = tf.train.load_checkpoint(ckpt.prefix)
    for key in ("layer1/weights", "embedding/table", "layer1/biases/Adam_1"):
        for bins in (1, 7, 100):
            stats, hist = tensor_histogram(ckpt, key, bins=bins)
            counts, edges = np.histogram(reader.get_tensor(key), bins=bins)
            np.testing.assert_array_equal(hist.counts, counts)
            np.testing.assert_allclose(hist.edges, edges, rtol=1e-6)


def test_histogram_with_a_typed_range_and_nonfinite_values(checkpoints, tf):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    key = "values/float32/.ATTRIBUTES/VARIABLE_VALUE"
    _stats, hist = tensor_histogram(ckpt, key, bins=4, value_range=(-1.0, 1.0))
    values = tf.train.load_checkpoint(ckpt.prefix).get_tensor(key)
    finite = values[np.isfinite(values)]
    np.testing.assert_array_equal(hist.counts, np.histogram(finite, bins=4, range=(-1.0, 1.0))[0])
    assert (hist.nan, hist.posinf, hist.neginf) == (1, 1, 1)
    assert hist.outside == 2  # -2.25 and 1.5


def test_histogram_chunked_equals_numpy_on_large_values():
    rng = np.random.RandomState(0)
    values = rng.standard_normal(300_001).astype(np.float32)
    acc_stats = StatsAccumulator()
    for chunk in np.array_split(values, 17):
        acc_stats.add(chunk)
    stats = acc_stats.result()
    acc = HistogramAccumulator(64, stats.min, stats.max)
    for chunk in np.array_split(values, 17):
        acc.add(chunk)
    np.testing.assert_array_equal(acc.result().counts, np.histogram(values, bins=64)[0])


def test_constant_and_empty_tensors():
    stats = compute_stats([np.full(10, 2.5, np.float32)])
    assert (stats.min, stats.max, stats.std) == (2.5, 2.5, 0.0)
    acc = HistogramAccumulator(10, 2.5, 2.5)
    acc.add(np.full(10, 2.5, np.float32))
    np.testing.assert_array_equal(acc.result().counts, np.histogram(np.full(10, 2.5, np.float32), bins=10)[0])
    empty = compute_stats([np.zeros(0, np.float32)])
    assert empty.count == 0 and empty.min is None and empty.mean is None


def test_narrow_types_are_widened():
    values = np.array([1.0, -2.0, np.nan], dtype=ml_dtypes.bfloat16)
    stats = compute_stats([values])
    assert (stats.min, stats.max, stats.nan) == (-2.0, 1.0, 1)
    ints = compute_stats([np.array([-8, 7], dtype=ml_dtypes.int4)])
    assert (ints.min, ints.max) == (-8, 7)


def test_stats_can_be_cancelled(checkpoints):
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    seen = []
    with pytest.raises(Cancelled):
        tensor_stats(
            ckpt,
            "values/huge_dim/.ATTRIBUTES/VARIABLE_VALUE",
            progress=seen.append,
            cancelled=lambda: len(seen) >= 2,
            chunk_bytes=4096,
        )
    assert seen == [1024, 2048]  # two chunks done, then it stopped


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("bins", "low", "high"),
    [
        (100, -5.68, 5.58),
        (100, 0.0, 1.0),
        (7, 1000.0, 1000.5),
        (127, -1e-30, 3e-30),
        (64, 1.0, 1.01),
        (1000, -3.0, 7.0),
        (1, -1.0, 1.0),
    ],
)
def test_histogram_without_sorting_is_exact_at_every_edge(dtype, bins, low, high):
    values = edge_hugging_values(dtype, bins, low, high, np.random.default_rng(bins))
    acc = HistogramAccumulator(bins, values.min(), values.max())
    acc.add(values)
    assert acc.fine_bins() is not None  # these ranges take the fast way...
    np.testing.assert_array_equal(acc.result().counts, np.histogram(values, bins=bins)[0])  # ...exactly


@pytest.mark.parametrize("dense", [0, 8, 1 << 40])  # never / when many (as used) / always correct in place
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_near_an_edge_are_binned_exactly_either_way(monkeypatch, dtype, dense):
    """The values near an edge are put on its side by a comparison, gathered when few,
    in place when many: both ways exact, at every edge, and for B - A of a pair with few
    changes (its zeros at the first edge, or at the middle one when the changes go both ways)."""
    monkeypatch.setattr(histogram, "_DENSE_NEAR", dense)
    rng = np.random.default_rng(dense % 7)
    at_first, at_middle = np.zeros(100_000, dtype), np.zeros(100_000, dtype)
    at_first[rng.choice(at_first.size, 30, replace=False)] = rng.uniform(0, 0.5, 30)
    at_middle[rng.choice(at_middle.size, 30, replace=False)] = rng.uniform(-0.5, 0.5, 30)
    at_middle[:2] = -0.5, 0.5
    for values in (edge_hugging_values(dtype, 100, -5.68, 5.58, rng), at_first, at_middle):
        acc = HistogramAccumulator(100, values.min(), values.max())
        acc.add(values)
        assert acc.fine_bins() is not None
        np.testing.assert_array_equal(acc.result().counts, np.histogram(values, bins=100)[0])


def test_histogram_falls_back_to_sorting_when_it_must():
    rng = np.random.default_rng(0)
    # A range only a few floats wide per bin: rounding could move a value a whole cell.
    narrow = edge_hugging_values(np.float32, 64, 1.0, 1.0001, rng)
    acc = HistogramAccumulator(64, narrow.min(), narrow.max())
    acc.add(narrow)
    assert acc.fine_bins() is None
    np.testing.assert_array_equal(acc.result().counts, np.histogram(narrow, bins=64)[0])
    # Bins so many that the cells would not fit int16.
    many = rng.standard_normal(50_000).astype(np.float32)
    acc = HistogramAccumulator(5000, many.min(), many.max())
    acc.add(many)
    assert acc.fine_bins() is None
    np.testing.assert_array_equal(acc.result().counts, np.histogram(many, bins=5000)[0])
    # Chunks with NaN, Inf or values outside the range are sorted; the others are not.
    values = rng.standard_normal(200_000).astype(np.float32)
    values[[5, 70_000]] = [np.nan, np.inf]
    values[150_000] = 9.0
    acc = HistogramAccumulator(50, -1.0, 2.0)
    for chunk in np.array_split(values, 4):
        acc.add(chunk)
    finite = values[np.isfinite(values)]
    result = acc.result()
    np.testing.assert_array_equal(result.counts, np.histogram(finite, bins=50, range=(-1.0, 2.0))[0])
    assert (result.nan, result.posinf, result.outside) == (1, 1, np.count_nonzero((finite < -1) | (finite > 2)))


def test_chunks_read_on_threads_match_and_are_crc_checked(checkpoints, scratch_copy, tf):
    key = "values/huge_dim/.ATTRIBUTES/VARIABLE_VALUE"
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    assert ckpt.reader.pieces(ckpt.entry(key), 4096) is not None  # 69 chunks: read by the workers
    values = tf.train.load_checkpoint(ckpt.prefix).get_tensor(key)
    assert_stats_match(tensor_stats(ckpt, key, chunk_bytes=4096), reference_stats(values), key)
    stats, hist = tensor_histogram(ckpt, key, bins=100, chunk_bytes=4096)
    assert_stats_match(stats, reference_stats(values), key)
    np.testing.assert_array_equal(hist.counts, np.histogram(values, bins=100)[0])

    folder = scratch_copy("dtypes")
    damaged = Checkpoint.open(folder)
    entry = damaged.entry(key)
    path = damaged.index.data_path(entry.shard_id)
    with open(path, "r+b") as f:
        f.seek(entry.offset + entry.size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x10]))
    for compute in (tensor_stats, tensor_histogram):
        with pytest.raises(CorruptCheckpointError, match="CRC32C"):
            compute(damaged, key, chunk_bytes=4096)


def test_crc32c_of_pieces_combines():
    rng = np.random.default_rng(0)
    whole = rng.integers(0, 256, 100_000, dtype=np.uint8).tobytes()
    for cut in (0, 1, 4096, 65_537, 100_000):
        a, b = whole[:cut], whole[cut:]
        assert crc32c_combine(crc32c(a), crc32c(b), len(b)) == crc32c(whole)


F32 = np.finfo(np.float32)
F64 = np.finfo(np.float64)


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.0, np.nextafter(np.float32(1), np.float32(2))] * 3, dtype=np.float32),  # adjacent float32
        np.array([F32.min, -1.0, 0.0, 3.5, F32.max], dtype=np.float32),  # the whole float32 range
        np.array([0.0, F32.smallest_subnormal, 0.0], dtype=np.float32),
        np.array([-1.0, 1.0, np.nextafter(np.float16(1), np.float16(2))], dtype=np.float16)[1:],
        np.array([F64.min, -1e300, 0.0, 1e300, F64.max]),  # the whole float64 range: the width overflows
        np.array([1.0, np.nextafter(1.0, 2.0), 1.0]),  # adjacent float64: some edges repeat
        np.array([np.nan, np.inf, F32.max, F32.min, -np.inf], dtype=np.float32),
    ],
    ids=["adjacent32", "full32", "subnormal32", "adjacent16", "full64", "adjacent64", "nonfinite32"],
)
def test_histogram_of_ranges_numpy_refuses(values):
    finite = values[np.isfinite(values)]
    with pytest.raises(ValueError, match="Too many bins"), np.errstate(all="ignore"):
        np.histogram(finite, bins=100)  # what was raised to the user before
    acc = two_pass_histogram(map_serially(lambda: iter([values[:2], values[2:]])), values.dtype, bins=100)
    result = acc.result()
    assert result.counts.shape == (100,) and result.edges.shape == (101,)
    assert result.edges[0] == finite.min() and result.edges[-1] == finite.max()
    assert np.all(np.diff(result.edges) >= 0)
    assert result.total == finite.size and result.outside == 0
    assert result.nan == np.isnan(values).sum() and result.posinf + result.neginf == np.isinf(values).sum()
    # Exactly np.histogram's counts over the same edges...
    np.testing.assert_array_equal(result.counts, np.histogram(finite, bins=result.edges)[0])
    if values.dtype != np.float64:
        # ...and over the edges numpy makes when the same values are float64.
        wide = finite.astype(np.float64)
        np.testing.assert_array_equal(result.counts, np.histogram(wide, bins=100)[0])
