"""Another slice of a large N-D pair in the comparison (issue 11): over KEEP_FOR_SLICES
bytes a side the view keeps memory maps of both values, not the values, and a slice
is read from them on a worker, a band at a time; its pictures are numpy's block
extremes of that plane."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_gui.core.views import pair_view as views
from ckpt_gui.core.views.planes import PlaneChoice
from tests.test_app_desktop import WAIT_MS
from tests.test_pair_planes import _block_extremes, _blocks_of, _diff

SHAPE = (3, 4, 1_200, 260)  # 15 MB of float32 a side: blocks of 3 x 1 along a plane's 1,200 rows


def _pair_values():
    rng = np.random.default_rng(9)
    a = rng.standard_normal(SHAPE).astype(np.float32)
    b = a.copy()
    b[2, 1, 1_000, 17] = 50.0  # in a slice other than the first shown
    b[1, 3, 5, 200] = np.nan
    return a, b


@pytest.fixture()
def large(monkeypatch):
    """Sides this size count as large: kept as memory maps, sliced on a worker."""
    monkeypatch.setattr(views, "KEEP_FOR_SLICES", 1 << 20)
    monkeypatch.setattr(views, "LARGE_VIEW_BYTES", 1 << 20)


def _expected(a: np.ndarray, b: np.ndarray, where) -> list[np.ndarray]:
    plane_a, plane_b = a[where], b[where]
    block = _blocks_of(plane_a.shape)
    return [_block_extremes(p, block) for p in (plane_a, plane_b, plane_b.astype(np.float64) - plane_a)]


def test_a_large_pair_keeps_memory_maps_and_any_slice_is_exact(tmp_path, monkeypatch, large):
    a, b = _pair_values()
    diff, pair = _diff(tmp_path, a, b)
    views.compare_pair(diff, pair)

    def whole(_key):
        raise AssertionError("read whole")

    monkeypatch.setattr(diff.a, "read", whole)
    monkeypatch.setattr(diff.b, "read", whole)
    view = views.pair_view(diff, pair)
    assert view.slices_in_job and all(isinstance(v, np.memmap) for v in view.values)
    for choice, where in (
        (PlaneChoice(2, 3, (2, 1, 0, 0)), (2, 1)),
        (PlaneChoice(3, 2, (1, 3, 0, 0)), (1, 3, slice(None), slice(None))),  # turned: rows axis after columns
    ):
        pictures = views.plane_pictures(view, choice)
        expected = _expected(a, b, where)
        if choice.rows > choice.cols:
            expected = _expected(np.swapaxes(a, 2, 3), np.swapaxes(b, 2, 3), where)
        for picture, want in zip(pictures, expected, strict=True):
            np.testing.assert_array_equal(picture.image, want.astype(picture.image.dtype))


def test_another_slice_of_a_large_pair_can_be_chosen_in_the_window(qtbot, window, tmp_path, large):
    a, b = _pair_values()
    _diff(tmp_path, a, b)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(tmp_path / "a"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(tmp_path / "b"))
    panel, pair = window.pair_panel, window.compare.diff.pairs[0]
    window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is pair, timeout=WAIT_MS)
    controls = panel.slice_controls
    assert panel.view.slices_in_job and controls.isVisible() and set(controls.spins) == {0, 1}
    controls.spins[0].setValue(2)
    controls.spins[1].setValue(1)  # the job for [2, 0] replaced by [2, 1]'s
    assert panel.heatmap_note.text.startswith("Reading slice [2, 1, :, :]")
    qtbot.waitUntil(lambda: panel.view.choice.fixed[:2] == (2, 1), timeout=WAIT_MS)
    assert panel.heatmap_note.text.startswith("slice [2, 1, :, :]")
    for image, want in zip((panel.view.image_a, panel.view.image_b, panel.view.image_diff), _expected(a, b, (2, 1))):
        np.testing.assert_array_equal(image, want.astype(image.dtype))
    assert np.nanmax(panel.view.image_diff) == 50.0 - np.float64(a[2, 1, 1_000, 17])  # the change, in its slice
