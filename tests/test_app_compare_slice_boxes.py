"""The comparison's heatmap slice boxes at 1024x640 (review 11): after conv1's [3, 3, 1, 8]
kernel, conv2's [3, 3, 8, 16] showed "axis 3 (16" in the Columns box. Qt's boxes are
sized to their items when first shown and kept that width; "axis 3 (8)" was shorter."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox

from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS, open_demo


@pytest.fixture()
def compared(qtbot, window):
    """demo's ckpt-300 against ckpt-100 at 1024x640, opened on a 1-D pair (as
    ``ckpt-gui ckpt-100 --compare ckpt-300``): the slice boxes not shown yet."""
    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.width() == 1024)
    window.tree_panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 1))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    qtbot.wait(50)  # the columns are fitted on the next turn
    assert not window.pair_panel.slice_controls.isVisible()
    return window


def _text_room(box: QComboBox) -> int:
    """The width the box's style leaves for its current text."""
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    rect = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                      QStyle.SubControl.SC_ComboBoxEditField, box)  # fmt: skip
    return rect.width()


def test_the_slice_boxes_hold_their_text_after_a_kernel_with_shorter_axes(qtbot, compared):
    trees, panel, diff = compared.compare_trees, compared.pair_panel, compared.compare.diff
    kernels = {p.a.shape: p for p in diff.pairs if p.status == "changed" and len(p.a.shape) == 4}
    controls = panel.slice_controls
    first = min(kernels, key=lambda shape: len(str(shape[-1])))  # conv1's: "axis 3 (8)"
    then = max(kernels, key=lambda shape: len(str(shape[-1])))  # conv2's: "axis 3 (16)"
    assert len(f"{then[-1]:,}") > len(f"{first[-1]:,}"), kernels.keys()
    for shape in (first, then):
        pair = kernels[shape]
        trees.select_pair(pair)
        qtbot.waitUntil(lambda pair=pair: panel.view is not None and panel.view.pair is pair, timeout=WAIT_MS)
        qtbot.waitUntil(controls.isVisible, timeout=WAIT_MS)
        qtbot.wait(10)  # the flow's layout
    for box in (controls.rows_box, controls.cols_box):
        text = box.currentText()
        assert text == box.itemText(box.currentIndex()) and text.startswith("axis ")
        assert box.fontMetrics().horizontalAdvance(text) <= _text_room(box), (text, box.width())
    assert controls.cols_box.currentText() == f"axis 3 ({then[-1]:,})"
