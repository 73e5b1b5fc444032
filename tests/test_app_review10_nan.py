"""Review 10 at 1024x640: a [1000, 50] matrix with a NaN, a +Inf and a -Inf. Details'
"NaN/Inf at [3, 7] NaN..." was below the fold, the heatmap's legend wrapped "1" away
from "+Inf" and left the picture ~60 px tall, and the Values tab had no way to the
first NaN."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint

from tests.conftest import wait_drawn
from tests.test_app_review10_browse import open_path
from tests.test_app_review_layout import PANEL_AT_1024, _title_lines
from tools.bundle_writer import write_bundle

WINDOW_SIZE = (1024, 640)  # the reviewer's screen
NAN, POSINF, NEGINF = (3, 7), (10, 1), (999, 49)


def bad_checkpoint(tmp_path):
    values = np.random.default_rng(0).standard_normal((1000, 50)).astype(np.float32)
    values[NAN], values[POSINF], values[NEGINF] = np.nan, np.inf, -np.inf
    cube = np.zeros((4, 5, 6), dtype=np.float32)
    cube[2, 3, 4] = np.nan  # in the third slice of axis 0
    prefix = tmp_path / "bad" / "ckpt"
    prefix.parent.mkdir()
    write_bundle(
        str(prefix),
        [("bad", "float32", values.shape, values.tobytes()), ("cube", "float32", cube.shape, cube.tobytes()),
         ("fine", "float32", (3, 4), np.ones((3, 4), np.float32).tobytes())],
    )  # fmt: skip
    return prefix


def select(qtbot, window, key: str):
    panel = window.tree_panel
    panel.select_node(panel.tree.by_key[key])
    qtbot.waitUntil(lambda: not window.busy and window.details.title.text() == key, timeout=30_000)
    qtbot.waitUntil(lambda: window.tensor.shown is not None and window.tensor.shown.shape[-1] > 1, timeout=30_000)
    wait_drawn(qtbot)


def test_the_first_nan_shows_in_details_without_scrolling(qtbot, window, tmp_path):
    open_path(qtbot, window, bad_checkpoint(tmp_path))
    select(qtbot, window, "bad")
    details = window.details
    qtbot.waitUntil(lambda: details.positions.isVisible(), timeout=30_000)
    assert "[3,\u00a07]\u00a0NaN" in details.positions.text()  # one position never split over two lines
    bottom = details.positions.mapTo(details.viewport(), QPoint(0, details.positions.height()))
    assert bottom.y() <= details.viewport().height(), (bottom.y(), details.viewport().height())


def test_the_heatmaps_legend_is_one_line_and_keeps_counts_with_their_kinds(qtbot, window, tmp_path):
    open_path(qtbot, window, bad_checkpoint(tmp_path))
    select(qtbot, window, "bad")
    tensor = window.tensor
    assert tensor.width() <= PANEL_AT_1024
    title = tensor.image_plot.titleLabel
    document = title.item.document()
    lines = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for n in range(layout.lineCount()):
            line = layout.lineAt(n)
            lines.append(block.text()[line.textStart() : line.textStart() + line.textLength()])
        block = block.next()
    assert all(not line.rstrip().endswith(("1", "\u25a0")) for line in lines), lines  # "1" / "+Inf" never split
    assert _title_lines(tensor) == 1, lines
    # The picture has the larger share of its plot: the title, axes and margins the rest.
    assert tensor.image_plot.vb.height() >= tensor.graphics.height() / 2, (tensor.image_plot.vb.height(),)


def test_the_values_tab_links_to_each_nan_and_inf_cell(qtbot, window, tmp_path):
    open_path(qtbot, window, bad_checkpoint(tmp_path))
    select(qtbot, window, "bad")
    table = window.tensor.table
    qtbot.waitUntil(lambda: table.links.isVisibleTo(table), timeout=30_000)
    text = table.links.text()
    assert "[3,&nbsp;7]&nbsp;NaN" in text and "[999,&nbsp;49]&nbsp;-Inf" in text
    for n, (row, column) in enumerate((NAN, POSINF, NEGINF)):
        table.links.linkActivated.emit(str(n))
        current = table.view.currentIndex()
        assert (current.row() + table.model.first_row, current.column()) == (row, column)
        assert table.view.viewport().rect().intersects(table.view.visualRect(current))
    select(qtbot, window, "fine")  # no NaN: no links (none of the last tensor's)
    assert not table.links.isVisibleTo(table)


def test_a_link_to_a_nan_in_another_slice_shows_that_slice(qtbot, window, tmp_path):
    open_path(qtbot, window, bad_checkpoint(tmp_path))
    select(qtbot, window, "cube")
    tensor = window.tensor
    qtbot.waitUntil(lambda: tensor.table.links.isVisibleTo(tensor.table), timeout=30_000)
    assert tensor.choice.fixed[0] != 2  # the first slice is shown
    tensor.table.links.linkActivated.emit("0")
    assert tensor.choice.fixed[0] == 2 and tensor.spins[0].value() == 2
    current = tensor.table.view.currentIndex()
    assert np.isnan(tensor.shown[current.row(), current.column()])
    assert (current.row(), current.column()) == (3, 4)


def test_each_tab_stop_in_the_values_tab_shows_a_link_or_the_table(qtbot, window, tmp_path):
    """Tab from the tab bar: one stop per link (Qt's label took one more, showing no
    focus, before its first link), then the table, then out of it (Qt's table kept Tab
    for its cells)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    open_path(qtbot, window, bad_checkpoint(tmp_path))
    select(qtbot, window, "bad")
    tensor = window.tensor
    table = tensor.table
    qtbot.waitUntil(lambda: table.links.isVisibleTo(table), timeout=30_000)
    tensor.setCurrentWidget(table)
    window.activateWindow()
    tensor.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
    stops = []
    for _ in range(6):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        stops.append(QApplication.focusWidget())
    links = table.links.text().count("<a ")
    assert stops[:links] == [table.links] * links
    assert stops[links] is table.view
    assert stops[links + 1] is not table.view
