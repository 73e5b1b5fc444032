"""Defects of layout and looks a new user's review found in a real X11 window
(issue 11): a Details fact told twice, plots crushed at 1024x640, a NaN badge cut
off in the tree, a vector with NaN drawn as nothing, a checkpoint without its data,
dark themes, the restore report's split. Offscreen, no TensorFlow: the demo
checkpoint and small arrays."""

from __future__ import annotations

from tests.test_app_desktop import WAIT_MS, open_demo

CONV2_KERNEL = "model/_functional/_operations/3/_kernel"


def _wait_histogram(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.histogram.histogram is not None and not window.busy, timeout=WAIT_MS)


def test_changing_the_bins_does_not_add_a_crc_row_each_time(qtbot, window):
    open_demo(qtbot, window)
    window.tree_panel.select_key(CONV2_KERNEL)
    _wait_histogram(qtbot, window)
    details = window.details
    assert [label for label, _ in details.facts_shown()].count("CRC32C") == 1
    for _ in range(3):
        window.histogram.histogram = None
        window.histogram.bins.stepUp()
        _wait_histogram(qtbot, window)
    labels = [label for label, _ in details.facts_shown()]
    assert labels.count("CRC32C") == 1, labels
