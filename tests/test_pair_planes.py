"""The comparison's heatmaps of a large pair (issue 11): A's and B's pictures keep each
block's most extreme value, as the browse heatmap does, and B - A is drawn from the
element-wise difference, not from the two pictures: one changed element among a
million shows, with its sign; a NaN in a block shows; a large pair is read through
memory maps, a band at a time. Each picture is checked against numpy's block extremes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ckpt_gui.core.analysis.envelope import MAX_ENVELOPE_SIDE
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views import pair_view
from ckpt_gui.core.views.pair_planes import pair_pictures
from ckpt_gui.core.views.planes import PlaneChoice
from tests.conftest import run_cli
from tools.bundle_writer import write_bundle


def _diff(tmp_path, a: np.ndarray, b: np.ndarray, key: str = "model/embedding"):
    for side, value in (("a", a), ("b", b)):
        write_bundle(str(tmp_path / side), [(key, value.dtype.name, value.shape, value.tobytes())])
    diff = pair_variables(Checkpoint.open(str(tmp_path / "a")), Checkpoint.open(str(tmp_path / "b")))
    return diff, diff.pairs[0]


def _block_extremes(values: np.ndarray, block: tuple[int, int]) -> np.ndarray:
    """numpy's answer: per block, the value of largest magnitude (its sign kept), NaN
    for a block holding a NaN; for planes whose sides are whole numbers of blocks."""
    rows, cols = values.shape
    blocks = values.astype(np.float64).reshape(rows // block[0], block[0], cols // block[1], block[1])
    blocks = blocks.transpose(0, 2, 1, 3).reshape(rows // block[0], cols // block[1], -1)
    where = np.nanargmax(np.where(np.isnan(blocks), -1.0, np.abs(blocks)), axis=2)
    picked = np.take_along_axis(blocks, where[..., None], axis=2)[..., 0]
    picked[np.isnan(blocks).any(axis=2)] = np.nan
    return picked


def _blocks_of(shape: tuple[int, int]) -> tuple[int, int]:
    return -(-shape[0] // MAX_ENVELOPE_SIDE), -(-shape[1] // MAX_ENVELOPE_SIDE)


# A tall embedding, and a plane of 4.7 million values (the old pictures skipped every
# other row and column of it, losing three elements in four).
SHAPES = [(20_000, 50), (4_608, 1_024)]


@pytest.mark.parametrize("shape", SHAPES)
def test_one_changed_element_shows_in_the_b_minus_a_picture(tmp_path, shape):
    rng = np.random.default_rng(7)
    a = rng.standard_normal(shape).astype(np.float32)
    b = a.copy()
    at = (shape[0] - 607, shape[1] - 3)  # an odd row and column, in no first row of a block
    b[at] -= 0.25
    diff, pair = _diff(tmp_path, a, b)
    view = pair_view.pair_view(diff, pair)
    block = _blocks_of(shape)
    assert view.picture_diff.block == block and view.picture_diff.image.shape[0] <= MAX_ENVELOPE_SIDE
    expected = _block_extremes(b.astype(np.float64) - a.astype(np.float64), block)
    np.testing.assert_array_equal(view.image_diff, expected)
    cell = (at[0] // block[0], at[1] // block[1])
    assert view.image_diff[cell] < 0 and np.count_nonzero(view.image_diff) == 1  # that change alone, its sign kept
    assert (view.picture_diff.rows, view.picture_diff.cols) == shape  # the axes count the plane's elements


@pytest.mark.parametrize("shape", SHAPES)
def test_a_single_outlier_in_a_shows_in_its_picture(tmp_path, shape):
    a = np.full(shape, 0.5, dtype=np.float32)
    a[shape[0] // 3 | 1, shape[1] // 2 | 1] = -9.0
    b = np.full(shape, 0.5, dtype=np.float32)
    diff, pair = _diff(tmp_path, a, b)
    view = pair_view.pair_view(diff, pair)
    block = _blocks_of(shape)
    np.testing.assert_array_equal(view.image_a, _block_extremes(a, block))
    np.testing.assert_array_equal(view.image_b, _block_extremes(b, block))
    assert view.image_a.min() == -9.0 and np.count_nonzero(view.image_a == -9.0) == 1
    np.testing.assert_array_equal(view.image_diff, _block_extremes(b.astype(np.float64) - a, block))


def test_a_nan_or_inf_in_a_block_shows(tmp_path):
    shape = (20_000, 50)
    a = np.zeros(shape, dtype=np.float32)
    b = a.copy()
    b[1_001, 3] = np.nan  # appeared in B: its cell in B and in B - A
    a[7_777, 40] = np.inf  # went away from A
    diff, pair = _diff(tmp_path, a, b)
    view = pair_view.pair_view(diff, pair)
    block = _blocks_of(shape)
    assert block[0] > 1
    nan_cell, inf_cell = (1_001 // block[0], 3), (7_777 // block[0], 40)
    assert np.isnan(view.image_b[nan_cell]) and np.isnan(view.image_diff[nan_cell])
    assert np.count_nonzero(np.isnan(view.image_diff)) == 1
    assert view.image_a[inf_cell] == np.inf and view.image_diff[inf_cell] == -np.inf
    np.testing.assert_array_equal(view.image_diff, _block_extremes(b.astype(np.float64) - a, block))


def test_a_large_pair_is_read_in_chunks_that_cut_rows_anywhere(tmp_path, monkeypatch):
    """Above LARGE_VIEW_BYTES a side is not read whole: its pictures come from the
    histograms' first pass, a chunk of each side at a time (chunks that cut rows and
    blocks anywhere, A's and B's not the same size)."""
    from ckpt_gui.core.analysis.value_comparison import aligned_chunks
    from ckpt_gui.core.views import pair_histograms

    def small_chunks(diff, pair, verify=True):
        return aligned_chunks(diff, pair, 4 * (7 * 700 + 3), 4 * 5 * 700, verify)

    monkeypatch.setattr(pair_histograms, "aligned_chunks", small_chunks)
    shape = (3_000, 700)
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape).astype(np.float32)
    b = a + np.float32(0.001)
    b[2_345, 678] = 4.0
    diff, pair = _diff(tmp_path, a, b)
    pair_view.compare_pair(diff, pair)

    def whole(_key):
        raise AssertionError("read whole")

    monkeypatch.setattr(diff.a, "read", whole)
    monkeypatch.setattr(diff.b, "read", whole)
    view = pair_view.pair_view(diff, pair)
    block = _blocks_of(shape)
    np.testing.assert_array_equal(view.image_a, _block_extremes(a, block).astype(np.float32))
    np.testing.assert_array_equal(view.image_diff, _block_extremes(b.astype(np.float64) - a, block))


def test_a_plane_shown_rows_after_columns_is_its_transpose():
    """A plane chosen with its rows axis after its columns axis is read in storage
    order and turned: the pictures are those of the transposed plane."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 1_030, 2_048)).astype(np.float32)
    b = a.copy()
    b[1, 1_029, 2_047] = 100.0
    pictures = pair_pictures(a, b, PlaneChoice(2, 1, (1, 0, 0)))
    plane_a, plane_b = a[1].T, b[1].T
    block = _blocks_of(plane_a.shape)
    assert [(p.rows, p.cols) for p in pictures] == [plane_a.shape] * 3
    assert [p.block for p in pictures] == [block] * 3
    diff = plane_b.astype(np.float64) - plane_a
    cut = (plane_a.shape[0] // block[0] * block[0], plane_a.shape[1] // block[1] * block[1])  # whole blocks
    whole = (slice(0, cut[0] // block[0]), slice(0, cut[1] // block[1]))
    np.testing.assert_array_equal(pictures[0].image[whole], _block_extremes(plane_a[: cut[0], : cut[1]], block))
    assert pictures[2].image[-1, -1] == diff[-1, -1] and np.count_nonzero(pictures[2].image) == 1


def test_the_b_minus_a_picture_agrees_with_the_cli_diff(tmp_path):
    """Its largest magnitude is the max |B - A| ``ckpt-gui diff --json`` reports."""
    rng = np.random.default_rng(11)
    a = rng.standard_normal((20_000, 50)).astype(np.float32)
    b = a.copy()
    changed = rng.choice(a.size, 40, replace=False)
    b.reshape(-1)[changed] += rng.standard_normal(40).astype(np.float32)
    diff, pair = _diff(tmp_path, a, b)
    view = pair_view.pair_view(diff, pair)
    report = json.loads(run_cli("diff", str(tmp_path / "a"), str(tmp_path / "b"), "--json").stdout)
    (row,) = report["variables"]
    assert row["status"] == "changed"
    assert np.abs(view.image_diff).max() == pytest.approx(row["max_abs_diff"], rel=1e-12)
    assert np.count_nonzero(view.image_diff) <= 40


def test_an_empty_matrix_has_empty_pictures():
    """A [0, 5] pair (a layer with no units): empty pictures, as before blocks, not an error."""
    empty = np.zeros((0, 5), dtype=np.float32)
    pictures = pair_pictures(empty, empty.copy(), PlaneChoice(0, 1, (0, 0)))
    assert [p.image.shape for p in pictures] == [(0, 5)] * 3 and [p.block for p in pictures] == [(1, 1)] * 3
