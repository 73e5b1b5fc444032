"""The tensor panel's heatmap of a plane with more rows or columns than a screen has
pixels: decimated into blocks that keep their extremes, not sampled or averaged."""

import numpy as np

from ckpt_gui.core.analysis.envelope import MAX_ENVELOPE_SIDE
from ckpt_gui.core.analysis.overview import first_pass
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.values.mapped import mapped_entry
from ckpt_gui.core.views.large_values import large_choice, plane_envelope, streamed_envelope
from ckpt_gui.core.views.planes import PlaneChoice, extreme_image, prepare_view
from tools.bundle_writer import write_bundle


def test_a_few_large_values_among_zeros_stay_visible():
    # A tall matrix (the review's [90472, 8] embedding), zeros but for three spikes of
    # either sign in rows no stride or mean would keep at full height.
    tall = np.zeros((90_472, 8), dtype=np.float32)
    tall[12_345, 3] = 5.0
    tall[60_001, 0] = -4.0
    tall[90_471, 7] = 2.5
    image, (block_rows, block_cols) = extreme_image(tall)
    assert image.shape[0] <= MAX_ENVELOPE_SIDE and image.shape[1] == 8 and block_cols == 1
    assert image.dtype == np.float32
    for row, col, value in ((12_345, 3, 5.0), (60_001, 0, -4.0), (90_471, 7, 2.5)):
        assert image[row // block_rows, col] == value  # its block shows it, with its sign
    assert np.count_nonzero(image) == 3  # and nothing else lights up


def test_a_block_shows_whichever_extreme_is_further_from_zero():
    wide = np.zeros((4, 3 * MAX_ENVELOPE_SIDE))
    wide[1, :3] = [1.0, -2.0, 0.5]  # one block of 3 columns
    wide[2, 3:6] = [9.0, np.nan, 0.0]  # a NaN wins its block: a lone NaN stays in view (review 7)
    image, block = extreme_image(wide)
    assert block == (1, 3) and image.shape == (4, MAX_ENVELOPE_SIDE)
    assert image[1, 0] == -2.0
    assert np.isnan(image[2, 1]) and np.isnan(image).sum() == 1


def _one_nan_among_numbers() -> np.ndarray:
    values = np.random.default_rng(2).standard_normal((5_000, 1_100)).astype(np.float32)
    values[4_321, 1_097] = np.nan  # in the last block of columns, among 10 x 3 numbers
    return values


def _check_nan_cell(image: np.ndarray, block: tuple[int, int]) -> None:
    """The NaN's block alone is NaN (a NaN anywhere is what a user looks for, as the
    comparison's heatmaps draw it); the other blocks keep their extremes."""
    cell = (4_321 // block[0], 1_097 // block[1])
    assert block[0] > 1 and block[1] > 1
    assert np.isnan(image[cell]) and np.count_nonzero(np.isnan(image)) == 1


def test_a_block_holding_a_nan_is_drawn_nan():
    values = _one_nan_among_numbers()
    image, block = extreme_image(values)
    _check_nan_cell(image, block)
    assert np.isfinite(prepare_view(values).image).sum() == image.size - 1


def test_a_large_tensors_blocks_holding_a_nan_are_drawn_nan(tmp_path):
    """A tensor too large to read whole: its first plane's blocks come from the
    statistics pass, another plane's from a memory map, a band at a time."""
    values = _one_nan_among_numbers()
    write_bundle(str(tmp_path / "ckpt"), [("embedding", "float32", values.shape, values.tobytes())])
    ckpt = Checkpoint.open(str(tmp_path / "ckpt"))
    choice = large_choice(values.shape)
    envelope = first_pass(ckpt, "embedding", streamed_envelope(values.shape, choice)).envelope
    _check_nan_cell(envelope.image(), (envelope.block_rows, envelope.block_cols))
    turned = plane_envelope(mapped_entry(ckpt.reader, ckpt.entry("embedding")), PlaneChoice(1, 0, (0, 0)))
    image = turned.image()
    assert image.shape == envelope.image().shape[::-1]
    np.testing.assert_array_equal(image, envelope.image().T)


def test_a_plane_the_screen_can_show_is_kept_whole():
    small = np.arange(12.0).reshape(3, 4)
    image, block = extreme_image(small)
    assert block == (1, 1)
    np.testing.assert_array_equal(image, small)


def test_the_first_view_of_a_tall_matrix_is_decimated_by_extremes():
    tall = np.zeros((5_000, 2), dtype=np.float32)
    tall[4_321, 1] = -7.0
    view = prepare_view(tall)
    assert view.block[0] > 1 and view.image.min() == -7.0
