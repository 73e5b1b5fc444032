"""The optional C kernel of the histograms (core/analysis/_histogram_counts.c): on every
chunk it accepts, exactly np.histogram's counts over the same edges, with the chunk's
min, max and zeros; on every chunk it declines (NaN, Inf, values outside the edges),
counts untouched, so that count_chunk's numpy ways count it as before. count_chunk
gives the same partial with and without it, and the histograms of checkpoints written
by TensorFlow, counted by it, are numpy's of TensorFlow's values."""

from __future__ import annotations

import importlib.machinery
import re
import shutil
import subprocess
import sys
import sysconfig

import numpy as np
import pytest

from ckpt_gui.core.analysis import histogram, histogram_kernel
from ckpt_gui.core.analysis.histogram import HistogramAccumulator, count_chunk, two_pass_histogram
from ckpt_gui.core.analysis.histogram import map_serially as serially
from ckpt_gui.core.analysis.summaries import tensor_histogram
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.values.scratch import Scratch
from tests.conftest import REPO
from tests.helpers import edge_hugging_values

kernel = histogram_kernel._histogram_counts
if kernel is None:
    pytest.skip(
        "the C histogram kernel is not built (no C compiler when the package was installed; "
        "`pip install -e .` builds it in place)",
        allow_module_level=True,
    )

F32, F64 = np.finfo(np.float32), np.finfo(np.float64)


def edges_of(values: np.ndarray, bins: int) -> np.ndarray:
    """The edges the app counts over: HistogramAccumulator's over the values' min..max."""
    acc = HistogramAccumulator(bins, values.min(), values.max())
    return acc.edges_for(values.dtype)


def assert_exact(values: np.ndarray, edges: np.ndarray) -> None:
    """The kernel accepts these values: numpy's counts, extremes and zeros."""
    counts = np.zeros(edges.size - 1, np.int64)
    found = kernel.count(values, edges, counts)
    assert found is not None
    expected, _ = np.histogram(values, bins=edges)
    np.testing.assert_array_equal(counts, expected)
    assert found == (values.min(), values.max(), np.count_nonzero(values == 0))
    # Counts are added to, not replaced: a second chunk accumulates.
    assert kernel.count(values, edges, counts) is not None
    np.testing.assert_array_equal(counts, 2 * expected)


def hugging(dtype, bins: int, low: float, high: float, seed: int) -> np.ndarray:
    """Values on and next to every edge the app counts ``bins`` bins over low..high
    with (its own edges: float32's width may overflow, as in 3e38 - -1e38), three of
    each, among an odd number of uniform ones (the kernel counts in fours: a tail is left over)."""
    edges = HistogramAccumulator(bins, dtype(low), dtype(high)).edges_for(np.dtype(dtype))
    rng = np.random.default_rng(seed)
    return edge_hugging_values(dtype, bins, low, high, rng, edges=edges, copies=3, uniform=20_001)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bins", [1, 2, 7, 100, 127, 1000, 5000])
def test_random_values_are_counted_as_numpy_does(dtype, bins):
    rng = np.random.default_rng(bins)
    for values in (
        rng.standard_normal(50_003).astype(dtype),
        rng.uniform(-3, 7, 30_001).astype(dtype),
        (rng.standard_normal(10_000) * 1e-3 + 1000).astype(dtype),  # far from zero, little spread
        rng.integers(-50, 51, 40_000).astype(dtype),  # integers: most on an edge
    ):
        assert_exact(values, edges_of(values, bins))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("bins", "low", "high"),
    [
        (100, -5.68, 5.58),
        (100, 0.0, 1.0),
        (7, 1000.0, 1000.5),
        (127, -1e-30, 3e-30),
        (64, 1.0, 1.01),
        (64, 1.0, 1.0001),  # a few floats a bin (float32)
        (1000, -3.0, 7.0),
        (1, -1.0, 1.0),
        (3, -1e38, 3e38),  # float32's width overflows in float32
    ],
)
def test_values_on_and_beside_every_edge(dtype, bins, low, high):
    values = hugging(dtype, bins, low, high, bins)
    assert_exact(values, edges_of(values, bins))
    # ...and over the edges of a range a little wider than the values.
    wider = HistogramAccumulator(bins, float(values.min()) - 1, float(values.max()))
    assert_exact(values, wider.edges_for(values.dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_subnormals_signed_zeros_and_a_few_adjacent_floats(dtype):
    info = np.finfo(dtype)
    tiny = info.smallest_subnormal
    rng = np.random.default_rng(1)
    subnormal = (rng.integers(-40, 41, 10_001) * tiny).astype(dtype)
    signed_zeros = np.array([-0.0, 0.0] * 5000 + [1.0, -1.0, tiny, -tiny], dtype)
    for values in (subnormal, signed_zeros):
        for bins in (1, 3, 80, 100, 1000):
            assert_exact(values, edges_of(values, bins))
    one = dtype(1)
    for width in (2, 3):  # 1, and the next one or two floats: numpy refuses, _wide_edges makes the edges
        adjacent = [one]
        for _ in range(width - 1):
            adjacent.append(np.nextafter(adjacent[-1], dtype(2)))
        values = np.array(adjacent * 3001, dtype)
        for bins in (1, 2, 100, 1000):
            edges = edges_of(values, bins)
            if dtype == np.float64 and bins > width:
                assert np.any(np.diff(edges) == 0)  # repeated edges: empty bins, as in np.histogram
            assert_exact(values, edges)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_whole_float_range(dtype):
    info = np.finfo(dtype)
    rng = np.random.default_rng(2)
    spread = rng.standard_normal(9_999) * 10.0 ** rng.integers(-30, 30, 9_999)
    values = np.concatenate([[info.min, info.max, 0.0], spread]).astype(dtype)
    for bins in (1, 100, 1000):
        edges = edges_of(values, bins)  # _wide_edges: the width overflows
        assert np.isfinite(edges).all()  # numpy's one bin had a NaN first edge
        assert_exact(values, edges)


def test_edges_of_any_spacing_with_repeats_in_either_float_type():
    rng = np.random.default_rng(3)
    values = rng.standard_normal(20_003)
    edges = np.sort(np.concatenate([rng.standard_normal(40), [-0.5, -0.5, 0.25, 0.25, 0.25]]))
    edges = np.concatenate([[values.min()], edges[(edges > values.min()) & (edges < values.max())], [values.max()]])
    for value_type in (np.float32, np.float64):
        for edge_type in (np.float32, np.float64):
            v = values.astype(value_type)
            e = np.maximum.accumulate(np.concatenate([[v.min()], edges[1:-1], [v.max()]]).astype(edge_type))
            if e[0] <= v.min() and v.max() <= e[-1]:
                assert_exact(v, e)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("where", [0, 1, 1023, 1024, 5000, 10_002])  # first, in a block, at a block's end, the tail
def test_declines_nan_inf_and_values_outside_with_counts_untouched(dtype, where):
    rng = np.random.default_rng(where)
    values = rng.uniform(-1, 1, 10_003).astype(dtype)
    edges = np.histogram_bin_edges(np.array([-1, 1], dtype), bins=50)
    outside_low, outside_high = np.nextafter(edges[0], dtype(-2)), np.nextafter(edges[-1], dtype(2))
    for odd in (np.nan, np.inf, -np.inf, outside_low, outside_high, 5.0):
        spoiled = values.copy()
        spoiled[where] = odd
        counts = np.arange(50, dtype=np.int64)
        assert kernel.count(spoiled, edges, counts) is None
        np.testing.assert_array_equal(counts, np.arange(50))


def test_declines_edges_it_cannot_use_and_rejects_wrong_buffers():
    values = np.linspace(0, 1, 100, dtype=np.float32)
    counts = np.zeros(2, np.int64)
    for edges in ([0.0, np.nan, 1.0], [0.0, 0.7, 0.5], [0.0, 0.5, np.inf]):
        assert kernel.count(values, np.array(edges, np.float32), counts) is None
    assert kernel.count(values[:0], np.array([0.0, 0.5, 1.0], np.float32), counts) is None
    assert not counts.any()
    edges = np.array([0.0, 0.5, 1.0], np.float32)
    with pytest.raises(TypeError):
        kernel.count(values.astype(np.float16), edges, counts)
    with pytest.raises(TypeError):
        kernel.count(values, edges, counts.astype(np.int32))
    with pytest.raises(ValueError):
        kernel.count(values, edges, np.zeros(3, np.int64))
    with pytest.raises((BufferError, ValueError)):
        kernel.count(values[::2], edges, counts)  # not contiguous
    with pytest.raises((TypeError, ValueError)):  # read-only counts
        frozen = np.zeros(2, np.int64)
        frozen.flags.writeable = False
        kernel.count(values, edges, frozen)


def assert_same_partial(got, expected) -> None:
    fields = ("count", "nan", "posinf", "neginf", "zeros", "low", "high", "finite", "outside", "of_magnitude")
    assert [getattr(got, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert (got.counts is None) == (expected.counts is None)
    if got.counts is not None:
        np.testing.assert_array_equal(got.counts, expected.counts)
    # The moments to rounding: a sorted chunk sums them in another order.
    assert got.mean == pytest.approx(expected.mean, rel=1e-12, abs=1e-15)
    assert got.m2 == pytest.approx(expected.m2, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.int32])
def test_count_chunk_gives_the_same_partial_with_and_without_the_kernel(monkeypatch, dtype):
    rng = np.random.default_rng(4)
    normal = rng.standard_normal(70_001) * 3
    if dtype == np.complex64:
        normal = normal + 1j * rng.standard_normal(normal.size)
    values = normal.astype(dtype)
    spoiled = values.copy()
    if values.dtype.kind in "fc":
        spoiled[[3, 40_000]] = [np.nan, np.inf]
    small = values[:100]
    for chunk in (values, spoiled, small, values[:0]):
        real = np.abs(values) if values.dtype.kind == "c" else values
        for acc in (HistogramAccumulator(100, real.min(), real.max()), HistogramAccumulator(7, -1.0, 2.0)):
            edges = acc.edges_for(histogram.real_dtype(values.dtype))
            results = []
            for built in (kernel, None):
                monkeypatch.setattr(histogram_kernel, "_histogram_counts", built)
                results.append(count_chunk(chunk, edges, True, acc.fine_bins(), Scratch()))
            assert_same_partial(*results)


def spy_on_kernel(monkeypatch) -> list:
    """Each call's result (None: declined), recorded as the kernel runs."""
    calls = []

    class Spy:
        @staticmethod
        def count(values, edges, counts):
            calls.append(kernel.count(values, edges, counts))
            return calls[-1]

    monkeypatch.setattr(histogram_kernel, "_histogram_counts", Spy)
    return calls


def test_histograms_of_a_checkpoint_tensorflow_wrote_are_counted_in_c_as_numpy_does(monkeypatch, checkpoints, tf):
    calls = spy_on_kernel(monkeypatch)
    ckpt = Checkpoint.open(checkpoints / "tf1")
    reader = tf.train.load_checkpoint(ckpt.prefix)
    for key in ("layer1/weights", "embedding/table", "layer1/biases/Adam_1"):
        for bins in (1, 7, 100, 1000):
            calls.clear()
            _stats, hist = tensor_histogram(ckpt, key, bins=bins)
            np.testing.assert_array_equal(hist.counts, np.histogram(reader.get_tensor(key), bins=bins)[0])
            assert calls and all(found is not None for found in calls), key  # every chunk counted in C
    # Many chunks, counted on the reading threads.
    ckpt = Checkpoint.open(checkpoints / "dtypes")
    key = "values/huge_dim/.ATTRIBUTES/VARIABLE_VALUE"
    calls.clear()
    _stats, hist = tensor_histogram(ckpt, key, bins=100, chunk_bytes=4096)
    values = tf.train.load_checkpoint(ckpt.prefix).get_tensor(key)
    np.testing.assert_array_equal(hist.counts, np.histogram(values, bins=100)[0])
    assert len(calls) > 50 and all(found is not None for found in calls)


def test_a_chunk_declined_is_counted_by_numpy_in_the_same_histogram(monkeypatch):
    calls = spy_on_kernel(monkeypatch)
    values = np.random.default_rng(5).standard_normal(200_000).astype(np.float32)
    values[70_000] = np.nan
    chunks = np.array_split(values, 4)
    acc = two_pass_histogram(serially(lambda: iter(chunks)), values.dtype, bins=100)
    assert [found is None for found in calls] == [False, True, False, False]
    result = acc.result()
    finite = values[np.isfinite(values)]
    np.testing.assert_array_equal(result.counts, np.histogram(finite, bins=100)[0])
    assert result.nan == 1


def test_misaligned_values_are_left_to_numpy_and_misaligned_edges_are_read():
    rng = np.random.default_rng(6)
    values = rng.standard_normal(10_001).astype(np.float32)
    edges = edges_of(values, 100)
    raw = b"x" + values.tobytes() + edges.tobytes()
    odd_values = np.frombuffer(raw, np.float32, values.size, offset=1)
    odd_edges = np.frombuffer(raw, np.float32, edges.size, offset=1 + values.nbytes)
    assert not odd_values.flags.aligned and not odd_edges.flags.aligned
    counts = np.zeros(100, np.int64)
    assert kernel.count(odd_values, edges, counts) is None and not counts.any()
    assert_exact(values, odd_edges)
    acc = HistogramAccumulator(100, values.min(), values.max())
    acc.add(odd_values)  # numpy's way
    np.testing.assert_array_equal(acc.result().counts, np.histogram(values, bins=100)[0])


def run_fuzzer(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    command = [sys.executable, str(REPO / "tools" / "fuzz_c_decoders.py"), str(REPO / "ckpt_gui/resources/demo")]
    command += ["--decoder", "histogram", "--jobs", "1", "--seed", "20261130", "--findings", str(tmp_path), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO)
    found = re.search(r"inputs (\d+): accepted by both with the same columns (\d+), declined by C \(Python accepts\) "
                      r"(\d+), rejected by both \d+, different (\d+), crashed (\d+)", result.stdout)  # fmt: skip
    assert found, result.stdout + result.stderr[-3000:]
    return result, dict(zip(("inputs", "accepted", "declined", "different", "crashed"), map(int, found.groups())))


def test_random_chunks_and_edges_of_the_fuzzer_agree_with_numpy(tmp_path):
    """tools/fuzz_c_decoders.py --decoder histogram (make fuzz runs it sanitized, longer)."""
    result, counts = run_fuzzer(tmp_path, "--count", "2000")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert counts["inputs"] == 2000 and counts["different"] == counts["crashed"] == 0
    assert counts["accepted"] > 1000 and counts["declined"] > 200  # both outcomes reached


def test_a_kernel_that_miscounts_is_a_finding(tmp_path):
    stand_in = tmp_path / "stand_in.py"
    stand_in.write_text(
        "from ckpt_gui.core.analysis import _histogram_counts as real\n"
        "def count(values, edges, counts):\n"
        "    found = real.count(values, edges, counts)\n"
        "    if found is not None and values.size > 4000:\n"
        "        counts[-1] += 1\n"
        "    return found\n"
    )
    result, counts = run_fuzzer(tmp_path / "findings", "--count", "300", "--extension", str(stand_in))
    assert result.returncode == 1 and counts["different"] > 0, result.stdout


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to build the kernel without SSE2")
def test_the_one_at_a_time_way_of_other_platforms_agrees_with_numpy_too(tmp_path):
    """Where SSE2 is not part of the platform (arm64) every value takes exact_bin: the
    kernel built so here (HISTOGRAM_COUNTS_SCALAR), through the fuzzer's random chunks."""
    built = tmp_path / f"_histogram_counts{importlib.machinery.EXTENSION_SUFFIXES[0]}"
    source = REPO / "ckpt_gui" / "core" / "analysis" / "_histogram_counts.c"
    include = sysconfig.get_paths()["include"]
    command = ["gcc", "-shared", "-fPIC", "-O2", "-DHISTOGRAM_COUNTS_SCALAR", f"-I{include}", str(source)]
    subprocess.run([*command, "-o", str(built)], check=True)
    result, counts = run_fuzzer(tmp_path / "findings", "--count", "2000", "--extension", str(built))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert counts["different"] == counts["crashed"] == 0 and counts["accepted"] > 1000
