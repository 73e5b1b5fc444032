"""Findings of the live new-user review (issue 11): status-bar messages that survive the
menus, the Values tab's row headers and NaN/Inf cells, the plots' readouts, the histogram
pane while a new variable's histogram is computed, a corrupt tensor in the NaN/Inf scan,
and the selection kept across the end of a comparison and an open. Offscreen."""

from __future__ import annotations

import os
import shutil

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QStatusTipEvent
from PySide6.QtWidgets import QApplication, QStyle

from ckpt_gui.app import plot_turns, theme
from ckpt_gui.app.models.tree_model import CORRUPT_BADGE
from ckpt_gui.app.widgets.heatmap_cells import INF_COLOUR, NAN_COLOUR
from ckpt_gui.app.widgets.paged_table import PagedTable
from ckpt_gui.app.widgets.tree_selection import REVEAL_ROWS
from ckpt_gui.app.window import MainWindow
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.resources import demo_path
from tests.conftest import wait_drawn
from tools.bundle_writer import write_bundle

WAIT_MS = 60_000
WINDOW_SIZE = (1280, 800)  # the window fixture's (conftest.py)


def open_path(qtbot, win: MainWindow, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def test_a_lasting_message_survives_the_menus_status_tips(qtbot, window):
    """Finding 31: a menu item's status tip (an empty one too: any hovered item sends one)
    covers the workflow's message for a while; it comes back when the menu closes."""
    open_path(qtbot, window, demo_path())
    lasting = window.status_message()
    assert "variables" in lasting
    label = window.status_label
    assert label.isVisible() and label.text() == lasting
    QApplication.sendEvent(window, QStatusTipEvent("Open a checkpoint folder"))
    assert window.statusBar().currentMessage() == "Open a checkpoint folder"
    QApplication.sendEvent(window, QStatusTipEvent(""))  # the menu closed
    assert window.statusBar().currentMessage() == ""
    assert label.isVisible() and label.text() == lasting
    assert window.status_message() == lasting


def test_values_rows_are_numbered_in_full_a_line_tall_and_mark_nan_and_inf(qtbot):
    """Finding 17: row 50,000,000's header reads 50000000 (Qt had sized it for the first
    page and cut it to 5000000), rows are a line of text tall, NaN/Inf cells are coloured
    as in the heatmap with a text that reads on them."""
    table = PagedTable()
    qtbot.addWidget(table)
    table.resize(400, 300)
    table.show()
    rows = 60_000_000
    table.set_source(np.broadcast_to(np.float32(1.5), (rows, 1)))  # no memory: one value seen 60M times
    header = table.view.verticalHeader()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    table.go_to_row(50_000_000)
    qtbot.waitUntil(lambda: header.width() >= header.fontMetrics().horizontalAdvance("50999999") + 2 * margin)
    assert table.view.rowHeight(0) <= table.view.fontMetrics().height() + 8

    values = np.array([[1.0, np.nan], [np.inf, -np.inf]], dtype=np.float32)
    table.set_source(values)
    model = table.model

    def colours(row, column):
        index = model.index(row, column)
        return model.data(index, Qt.ItemDataRole.BackgroundRole), model.data(index, Qt.ItemDataRole.ForegroundRole)

    assert colours(0, 0) == (None, None)
    for (row, column), rgb in {(0, 1): NAN_COLOUR, (1, 0): INF_COLOUR, (1, 1): INF_COLOUR}.items():
        ground, text = colours(row, column)
        assert ground.getRgb()[:3] == rgb
        assert theme.contrast(ground, text) >= theme.READABLE


def _select(qtbot, win: MainWindow, variable) -> None:
    assert win.tree_panel.select_key(variable.key)
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def test_the_readouts_keep_their_line_and_go_when_the_mouse_leaves(qtbot, window):
    """Finding 36: a long readout under the histogram takes a line of its own (beside the
    counts it wrapped them onto a line the panel's least height had not counted); both
    readouts are blanked when the mouse leaves their plot."""
    open_path(qtbot, window, demo_path())
    ckpt = window.browse.ckpt
    _select(qtbot, window, next(v for v in ckpt.variables if len(v.shape) == 2))
    kernel = next(v for v in ckpt.variables if len(v.shape) == 4)
    _select(qtbot, window, kernel)  # a slice box per other axis: the controls' rows change
    histogram, tensor = window.histogram, window.tensor
    # Every plot's piece of work done (app/plot_turns.py): the last ones lay out the controls.
    qtbot.waitUntil(
        lambda: histogram.histogram is not None and "graphics" in tensor.__dict__ and not plot_turns.busy(),
        timeout=WAIT_MS,
    )

    heat_page = tensor.readout.parentWidget()
    layout = heat_page.layout()
    controls = tensor.controls.heightForWidth(heat_page.width())  # the wrapped rows, slice boxes included
    least = layout.minimumSize().height() - tensor.controls.minimumSize().height() + controls
    assert heat_page.minimumHeight() >= least
    histogram.readout.setText("[-0.0830244, -0.0773937): 18 (1.56%) " * 2)  # what hovering a bin says
    histogram.resize(histogram.width(), histogram.minimumSizeHint().height())
    qtbot.wait(50)
    line = histogram.counts_label.fontMetrics().height()
    for label in (histogram.counts_label, histogram.readout):
        assert label.geometry().bottom() < histogram.height()
        assert label.height() >= line
    assert histogram.counts_label.height() < 2 * line  # not pushed onto a second line

    tensor.readout.setText("[axis 2 = 0, axis 3 = 5]  0.0593504")
    for plot, readout in ((histogram.plot, histogram.readout), (tensor.graphics, tensor.readout)):
        QApplication.sendEvent(plot, QEvent(QEvent.Type.Leave))
        assert readout.text().strip() == ""


def test_another_variables_histogram_gives_way_while_the_new_one_is_computed(qtbot, window):
    """Finding 19: selecting another variable blanks the histogram pane at once, saying
    whose histogram is coming; new bins for the same variable keep its plot meanwhile."""
    open_path(qtbot, window, demo_path())
    first, second = [v for v in window.browse.ckpt.variables if v.dtype.is_numeric and v.num_elements > 4][:2]
    histogram = window.histogram
    _select(qtbot, window, first)
    qtbot.waitUntil(lambda: histogram.histogram is not None, timeout=WAIT_MS)
    wait_drawn(qtbot)  # drawn in a turn of its own
    assert histogram.stack.currentWidget() is histogram.plot
    assert window.tree_panel.select_key(second.key)  # the job runs on: the pane is checked before it ends
    assert histogram.histogram is None
    assert histogram.stack.currentWidget() is histogram.empty
    assert histogram.empty.text() == f"Computing the histogram of {second.display_path}..."
    qtbot.waitUntil(lambda: histogram.histogram is not None and not window.busy, timeout=WAIT_MS)
    wait_drawn(qtbot)  # drawn in a turn after the result's (app/turn_gate.py)
    shown = histogram.histogram
    histogram.bins.setValue(histogram.bins.value() + 10)  # the same variable again
    assert histogram.histogram is shown and histogram.stack.currentWidget() is histogram.plot
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def _corrupt_copy(folder, step: int = 200):
    """The demo with the bytes in the middle of one float tensor of ckpt-STEP flipped; the
    prefix and the damaged key."""
    shutil.copytree(demo_path(), folder)
    prefix = os.path.join(folder, f"ckpt-{step}")
    ckpt = Checkpoint.open(prefix)
    variable = max((v for v in ckpt.variables if v.dtype.name == "float32"), key=lambda v: v.num_elements)
    entry = ckpt.entry(variable.key)
    data = f"{prefix}.data-00000-of-00001"
    with open(data, "r+b") as file:
        file.seek(entry.offset + entry.size // 2)
        chunk = file.read(8)
        file.seek(entry.offset + entry.size // 2)
        file.write(bytes(b ^ 0xFF for b in chunk))
    return prefix, variable.key


def test_a_corrupt_tensor_is_skipped_and_marked_by_the_nan_scan(qtbot, tmp_path, scanning_window):
    """Finding 29: the scan goes on past a tensor failing its CRC32C check (it stopped at
    it, the others never scanned), badges its row, says it in full once (the banner) and
    short elsewhere."""
    prefix, bad = _corrupt_copy(str(tmp_path / "corrupt"))
    win = scanning_window
    open_path(qtbot, win, prefix)
    panel = win.tree_panel
    qtbot.waitUntil(lambda: panel.nonfinite is not None and not win.busy, timeout=WAIT_MS)
    assert panel.model.badges[bad] == CORRUPT_BADGE
    numeric = {v.key for v in win.browse.ckpt.variables if v.dtype.is_numeric}
    assert numeric - {bad} <= set(win.browse.stats_cache)  # every other variable scanned
    assert panel.nan_box.isEnabled()
    assert "CRC32C" in win.banner.text
    # Named as the tree names it (its model path; the key is in its Details): review 21 #8.
    assert f"'{panel.tree.by_key[bad].path}'" in win.banner.text and bad not in win.banner.text
    assert CORRUPT_BADGE in win.status_message()
    assert panel.select_key(bad)
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)
    assert CORRUPT_BADGE in win.histogram.empty.text() and bad not in win.histogram.empty.text()


def test_a_corrupt_tensors_name_comes_before_its_badge(qtbot, tmp_path, scanning_window):
    """Review 12, finding 14: the row read "_\u2026l   [CRC mismatch]", the badge kept whole and
    the variable's name gone. The name first now; the badge gives way (its start kept
    while there is room: "[CRC\u2026")."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    from ckpt_gui.app.models.tree_model import BADGE_SEPARATOR
    from ckpt_gui.app.widgets.column_widths import stretch_names
    from ckpt_gui.app.widgets.elided_names import TEXT_MARGINS

    prefix, bad = _corrupt_copy(str(tmp_path / "corrupt"))
    win = scanning_window
    open_path(qtbot, win, prefix)
    panel = win.tree_panel
    qtbot.waitUntil(lambda: panel.nonfinite is not None and not win.busy, timeout=WAIT_MS)
    assert panel.select_key(bad)
    view = panel.view
    index = view.currentIndex().siblingAtColumn(view.treePosition())
    name = index.data().rpartition(BADGE_SEPARATOR)[0]
    assert name and index.data().endswith(f"[{CORRUPT_BADGE}]")
    seen = set()
    stretch_names(view, False)  # the widths set here hold (a name column that fills a narrow spare strip stretches)
    for width in range(400, 40, -10):
        view.setColumnWidth(view.treePosition(), width)
        option = QStyleOptionViewItem()
        option.initFrom(view.viewport())
        option.rect = view.visualRect(index)
        view.itemDelegateForIndex(index).initStyleOption(option, index)
        text_rect = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
        drawn = option.fontMetrics.elidedText(option.text, option.textElideMode, text_rect.width())
        metrics = option.fontMetrics
        room = min(text_rect.width(), option.rect.width() - TEXT_MARGINS)  # the style's, less the delegate's margin
        if room >= metrics.horizontalAdvance(name):
            assert drawn.startswith(name), (width, drawn)  # the name whole, before any badge
            seen.add("name whole")
        if room >= metrics.horizontalAdvance(f"{name}{BADGE_SEPARATOR}CRC\u2026"):
            assert "[CRC" in drawn, (width, drawn)
            seen.add("badge's start")
        if text_rect.width() < metrics.horizontalAdvance(index.data()):
            seen.add("narrower than name and badge")
    assert seen == {"name whole", "badge's start", "narrower than name and badge"}, seen


def test_the_end_of_a_comparison_leaves_the_trees_the_user_has_touched(qtbot, window):
    """Finding 22: the end of a comparison selects the largest change only if the user has
    not touched the trees since they were shown (it scrolled away from a group being read)."""
    open_path(qtbot, window, os.path.join(demo_path(), "ckpt-300"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    trees, controller = window.compare_trees, window.compare
    assert trees.selected_pair() is not None  # untouched: the end chose a pair

    trees.view_a.selectionModel().clearCurrentIndex()
    trees.touched = False
    controller._finished(controller.diff)  # what the end of a comparison does
    assert trees.selected_pair() is not None

    trees.view_a.selectionModel().clearCurrentIndex()
    trees.touched = False
    group = trees.model.index(0, 0)
    trees.view_a.collapse(group)
    trees.view_a.expand(group)  # the user opens a group to read it
    assert trees.touched
    controller._finished(controller.diff)
    assert trees.selected_pair() is None and not trees.view_a.currentIndex().isValid()


def test_the_variable_shown_after_an_open_is_the_selected_row(qtbot, window):
    """Finding 20: after an open the tree has the focus, so the row of the variable in
    Details is painted selected (without it, in the inactive colour most styles make faint)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.picker.setFocus()
    open_path(qtbot, window, demo_path())
    view = window.tree_panel.view
    qtbot.waitUntil(lambda: window.browse.current is not None)
    assert window.tree_panel.selected_node() is window.browse.current
    assert view.selectionModel().isSelected(view.currentIndex())
    assert view.hasFocus()


def test_a_selection_near_the_top_of_a_large_closed_group_is_shown(qtbot, window, tmp_path):
    """Finding 24: selecting a variable among the first rows of a closed group of more than
    REVEAL_ROWS rows opens the group and shows the row (it was selected unseen: the first
    variable, kept across the object view replacing the key view); far down such a group
    the row is still selected unseen rather than laying out thousands of rows."""
    count = REVEAL_ROWS + 500
    prefix = str(tmp_path / "many" / "ckpt")
    os.makedirs(os.path.dirname(prefix))
    zeros = np.zeros(2, np.float32).tobytes()
    write_bundle(prefix, [(f"blocks/{i:05d}/kernel", "float32", (2,), zeros) for i in range(count)])
    open_path(qtbot, window, prefix)
    panel, view = window.tree_panel, window.tree_panel.view
    view.collapseAll()
    group = panel.model.index_of(panel.tree.by_key[f"blocks/{count - 1:05d}/kernel"].parent.parent)
    assert panel.select_key(f"blocks/{count - 1:05d}/kernel")
    assert not view.isExpanded(group)  # far down: selected unseen
    view.collapseAll()
    first = "blocks/00000/kernel"
    assert panel.select_key(first)
    qtbot.wait(50)
    index = view.currentIndex()
    assert panel.selected_node() is panel.tree.by_key[first]
    assert view.isExpanded(group)
    assert view.viewport().rect().intersects(view.visualRect(index))
