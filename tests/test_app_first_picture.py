"""What a large checkpoint shows while it loads (review finding 12): the GUI thread is
busy between events, so what the first picture draws must be laid out when the value
is shown, not some events later (the heatmap's axis boxes read "axis 0 (4" for seconds,
the x-axis label sat on a tick label). Offscreen: the panel checked before the event
loop runs again."""

from __future__ import annotations

import numpy as np

from ckpt_gui.app.widgets.tensor_panel import TensorPanel


def test_the_axis_boxes_are_whole_as_soon_as_a_matrix_is_shown(qtbot):
    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 400)
    panel.show()
    qtbot.wait(50)  # shown, laid out for no value
    panel.show_value(np.zeros((4, 4), np.float32), "kernel")
    for box in (panel.rows_box, panel.cols_box):  # no event processed since
        assert box.width() >= box.sizeHint().width(), (box.currentText(), box.width(), box.sizeHint().width())
    panel.show_value(np.zeros((4000, 300), np.float32), "wider")
    for box in (panel.rows_box, panel.cols_box):
        assert box.width() >= box.sizeHint().width(), (box.currentText(), box.width(), box.sizeHint().width())


def test_the_heatmaps_axis_label_has_its_room_as_soon_as_a_matrix_is_shown(qtbot):
    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 400)
    panel.show()
    qtbot.wait(50)
    panel.show_value(np.zeros((4, 4), np.float32), "kernel")
    axis = panel.image_plot.getAxis("bottom")  # no event processed since
    assert axis.label.isVisible()
    assert axis.geometry().height() >= axis.minimumHeight() - 0.5, (axis.geometry().height(), axis.minimumHeight())
