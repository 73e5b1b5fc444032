"""Review defects of opening and details (issue 11, helper rf-open): a checkpoint whose
data file is missing, focus and the right pane after an open, a folder whose newest
index is corrupt, numbers printed in their own dtype's digits. The checkpoints are
written by TensorFlow (tests/checkpoint_factory.py) once for this module and damaged
per test in a copy."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests import background
from tests.background import Writer
from tests.conftest import FACTORY, wait_drawn

WAIT_MS = 60_000


# tests/checkpoint_factory.py's scenarios, in one TensorFlow process
WRITTEN = ("keras_seq", "many", "savedmodel", "dtypes", "keras_file", "keras_seq_digits")
BACKGROUND_WRITERS = {"written": Writer([sys.executable, str(FACTORY), "{out}", *WRITTEN])}


@pytest.fixture(scope="module")
def written(request) -> Path:
    """keras_seq (CheckpointManager ckpt-2..4 and manual-99), many (500 blocks of 10
    variables), savedmodel (tf.saved_model.save) and dtypes (one variable of each dtype,
    strings too), keras_file (a model.keras, what Keras reads back from it in
    keras_file.json) and keras_seq_digits (TensorFlow's values of keras_seq's float32
    vectors, as text, in keras_seq_digits.json), written by TensorFlow (started with the
    session: tests/background.py)."""
    root, result = background.result(request, "written")
    if result.returncode != 0:
        pytest.fail(f"writing the test checkpoints failed:\n{result.stderr[-4000:]}")
    return root


@pytest.fixture()
def copy_of(written, tmp_path):
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(written / name, target)
        return target

    return copy


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(path))


def _idle(qtbot, window) -> None:
    from ckpt_gui.app import plot_turns

    qtbot.waitUntil(lambda: not window.busy and not plot_turns.busy(), timeout=WAIT_MS)  # plots drawn too


def _facts(window) -> dict[str, str]:
    return dict(window.details.facts_shown())


def test_missing_data_file_is_the_headline_and_each_view_says_why(qtbot, scanning_window, copy_of, monkeypatch):
    window = scanning_window
    folder = copy_of("keras_seq")
    prefix = folder / "ckpt-4"
    data = Path(f"{prefix}.data-00000-of-00001")
    data.unlink()
    lanes = []
    submit = window.browse.runner.submit
    monkeypatch.setattr(
        window.browse.runner, "submit", lambda lane, *a, **k: (lanes.append(lane), submit(lane, *a, **k))[1]
    )
    _open(qtbot, window, prefix)
    _idle(qtbot, window)
    assert window.browse.ckpt.prefix == str(prefix)
    # The headline: this checkpoint's data file is missing, the index is readable.
    assert window.banner.isVisible() and window.banner.kind == "warning"
    assert window.banner.text.startswith(
        f"This checkpoint's data file {data.name} is missing: names, dtypes and shapes"
    )
    assert "scan" not in lanes and "Scanning" not in window.banner.text  # no scan over a missing data file
    node = window.tree_panel.selected_node()
    assert node is not None and node.variable is not None
    # Each view gives its own tensor's reason.
    assert _facts(window)["Stored in"] == f"{data.name} (missing: no values)"
    assert data.name in window.details.stats_title.text() and "missing" in window.details.stats_title.text()
    assert data.name in window.histogram.empty.text() and "missing" in window.histogram.empty.text()
    assert data.name in window.tensor.message.text() and "missing" in window.tensor.message.text()
    assert window.banner.text.startswith("This checkpoint's data file")  # nothing replaced the headline
    # Scanning from the menu says why not, and starts nothing.
    window.browse.start_scan()
    assert "scan" not in lanes


def test_every_open_ends_in_the_tree_and_in_details(qtbot, window, copy_of):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    folder = copy_of("keras_seq")
    _open(qtbot, window, folder / "ckpt-4")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    # The user was in the Bins box and on the restore report tab (of no report of this checkpoint).
    window.histogram.bins.setFocus()
    window.info_tabs.setCurrentWidget(window.report_panel)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.histogram.bins, timeout=5000)
    _open(qtbot, window, folder / "ckpt-3")
    _idle(qtbot, window)
    assert QApplication.focusWidget() is window.tree_panel.view
    assert window.info_tabs.currentWidget() is window.details
    # Down moves the tree's selection, not the Bins.
    bins, before = window.histogram.bins.value(), window.tree_panel.selected_node()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert window.histogram.bins.value() == bins
    assert window.tree_panel.selected_node() is not before


def _state_file_paths(folder: Path) -> list[str]:
    """The checkpoints TensorFlow's CheckpointManager listed, oldest first (its text file)."""
    lines = (folder / "checkpoint").read_text().splitlines()
    listed = [
        line.split(":", 1)[1].strip().strip('"') for line in lines if line.startswith("all_model_checkpoint_paths")
    ]
    return [str(folder / os.path.basename(p)) for p in listed]


def test_a_folder_whose_newest_index_is_corrupt_opens_at_the_newest_readable(qtbot, window, copy_of):
    folder = copy_of("keras_seq")
    listed = _state_file_paths(folder)
    broken, readable = listed[-1], listed[-2]
    index = Path(broken + ".index")
    index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])  # a write cut short
    _open(qtbot, window, folder)
    shown = window.browse.ckpt
    assert shown is not None and shown.prefix == readable
    assert window.tree_panel.tree is not None and window.tree_panel.tree.variable_total > 0
    # The banner names the broken one; the picker lists every checkpoint, the broken one marked.
    assert window.banner.isVisible() and window.banner.kind == "warning"
    assert window.banner.text.startswith(
        f"{os.path.basename(broken)} cannot be read: showing {os.path.basename(readable)}"
    )
    picker = window.picker
    texts = {ref.prefix: picker.itemText(row) for row, ref in enumerate(picker.refs)}
    assert set(listed) <= set(texts) and picker.isEnabled()
    assert "(cannot be read)" in texts[broken]
    assert all("(cannot be read)" not in text for prefix, text in texts.items() if prefix != broken)
    assert picker.refs[picker.currentIndex()].prefix == readable


def test_choosing_an_unreadable_checkpoint_puts_the_picker_back_on_the_one_shown(qtbot, window, copy_of):
    folder = copy_of("keras_seq")
    listed = _state_file_paths(folder)
    broken, readable = listed[-1], listed[-2]
    index = Path(broken + ".index")
    index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    _open(qtbot, window, folder)
    picker = window.picker
    row = next(r for r, ref in enumerate(picker.refs) if ref.prefix == broken)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        picker.setCurrentIndex(row)  # as a click in the list does
        picker.activated.emit(row)
    assert window.banner.kind == "error" and window.browse.ckpt.prefix == readable
    # The picker stayed on the one that failed while every panel showed the one before (review).
    assert picker.refs[picker.currentIndex()].prefix == readable
    assert picker.toolTip().startswith(picker.currentText())


def test_a_corrupt_checkpoint_named_by_its_prefix_is_still_an_error(qtbot, window, copy_of):
    folder = copy_of("keras_seq")
    broken = _state_file_paths(folder)[-1]
    index = Path(broken + ".index")
    index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    _open(qtbot, window, broken)
    assert window.browse.ckpt is None
    assert window.banner.kind == "error" and os.path.basename(broken) in window.banner.text


def test_float32_values_are_printed_in_float32_digits(qtbot, window, written):
    from ckpt_gui.app import row_menu

    prefix = written / "keras_seq" / "ckpt-4"
    _open(qtbot, window, prefix)
    ckpt = window.browse.ckpt
    small = [v for v in ckpt.variables if v.dtype.name == "float32" and 1 < v.num_elements <= 16 and len(v.shape) == 1]
    assert small, "keras_seq has a small float32 vector (the last Dense layer's bias)"
    variable = small[0]
    # TensorFlow's values, in NumPy's float32 text (the module's TensorFlow process)
    digits = json.loads((written / "keras_seq_digits.json").read_text())[variable.key]
    expected = "[" + ", ".join(digits) + "]"
    assert row_menu.value_text(ckpt, variable.key) == expected  # row menu > Copy value
    window.tree_panel.select_key(variable.key)
    _idle(qtbot, window)
    shown = "[" + ", ".join(d.removesuffix(".0") for d in digits) + "]"  # a whole float as the statistics write it
    assert window.details.value.text() == f"Value: {shown}"


def test_end_and_page_down_in_a_group_of_many_batches(qtbot, written):
    """End selects the tree's last visible row (down through this group's rows, fetched),
    shown, in one press (one selection: one histogram job); Page Down moves a page even
    past the rows fetched."""
    from PySide6.QtCore import Qt

    from ckpt_gui.app.controllers.browse import on_a_thread
    from ckpt_gui.app.models.tree_model import FETCH_ROWS
    from ckpt_gui.app.widgets.tree_panel import TreePanel
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.core.views.tree import object_tree

    panel = TreePanel()
    panel.run_in_background = on_a_thread
    qtbot.addWidget(panel)
    panel.resize(600, 500)
    panel.show()
    tree = object_tree(Checkpoint.open(written / "many"))
    panel.set_trees({"objects": tree, "keys": tree})
    blocks = next(n for n in tree.root.children if n.name == "model").children
    group = next(n for n in blocks if len(n.shown) > FETCH_ROWS)
    assert panel.select_node(group.shown[0])
    view, model = panel.view, panel.model
    assert model.rowCount(model.index_of(group)) == FETCH_ROWS  # handed over in batches
    selected = []
    panel.node_selected.connect(selected.append)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)
    last = view.currentIndex()
    assert selected == [model.node(last)] and len(selected) == 1  # at once, one selection
    assert not view.indexBelow(last).isValid()  # nothing shown below it
    above = last
    while above.isValid():  # every level on the way down handed over whole
        above = above.parent()
        assert not model.has_more(above)
    assert view.visualRect(last).intersects(view.viewport().rect())  # scrolled into view
    # Page Down past the fetched rows: from near the end of the first batch.
    panel.set_trees({"objects": tree, "keys": tree})
    near_end = group.shown[FETCH_ROWS - 2]
    assert panel.select_node(near_end)
    assert model.rowCount(model.index_of(group)) < len(group.shown) or near_end.row >= FETCH_ROWS - 2
    before = view.currentIndex().row()
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    after = view.currentIndex().row()
    page = view.viewport().height() // view.sizeHintForRow(0)
    assert after - before >= page - 2 and view.currentIndex().parent() == model.index_of(group)


def test_a_keras_files_model_is_on_the_graph_tab(qtbot, window, written):
    """Its layers in order and the Keras version, as Keras itself loads the file back
    (tests/checkpoint_factory.py's keras_file, in the module's TensorFlow process)."""
    path = written / "keras_file" / "model.keras"
    oracle = json.loads((written / "keras_file.json").read_text())
    _open(qtbot, window, path)
    _idle(qtbot, window)
    tabs, panel = window.info_tabs, window.graph_panel
    assert tabs.isTabEnabled(tabs.indexOf(panel))
    tabs.setCurrentWidget(panel)
    assert oracle["version"] in panel.written_by.text() and panel.written_by.isVisible()
    text = panel.architecture.toPlainText()
    assert panel.architecture.isVisible() and not panel.sections.isVisible()
    places = [text.index(f"{name}: ") for name in oracle["layers"]]
    assert places == sorted(places)  # in the model's order
    # Another checkpoint, with no graph file: the tab gives way again.
    _open(qtbot, window, written / "keras_seq" / "ckpt-4")
    _idle(qtbot, window)
    assert not tabs.isTabEnabled(tabs.indexOf(panel)) and not panel.architecture.isVisible()


def test_a_saved_model_is_titled_by_its_folder_and_its_graph_variables_select_on_one_click(qtbot, window, written):
    folder = written / "savedmodel"
    _open(qtbot, window, folder)
    _idle(qtbot, window)
    assert window.windowTitle() == f"{folder.name} - ckpt-gui"
    variables = window.graph_panel.variables
    keyed = [variables.topLevelItem(i) for i in range(variables.topLevelItemCount())]
    keyed = [item for item in keyed if item.text(3)]
    assert keyed
    for item in keyed:  # one click on each: the tree selects its variable
        rect = variables.visualItemRect(item)
        window.info_tabs.setCurrentWidget(window.graph_panel)
        window.graph_panel.sections.setCurrentWidget(variables)
        variables.scrollToItem(item)
        rect = variables.visualItemRect(item)
        qtbot.mouseClick(variables.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        node = window.tree_panel.selected_node()
        assert node is not None and node.variable is not None and node.variable.key == item.text(3)


def test_a_saved_models_variables_folder_opens_the_saved_model_with_its_graph(qtbot, window, written):
    # A GTK folder chooser returns the SavedModel's highlighted variables/ folder: the
    # SavedModel is shown, titled by its folder, with its Graph tab, and the banner says
    # why the path shown is not the one given (review 22 #4).
    folder = written / "savedmodel"
    _open(qtbot, window, folder / "variables")
    _idle(qtbot, window)
    assert window.windowTitle() == f"{folder.name} - ckpt-gui"
    tabs = window.info_tabs
    assert tabs.isTabEnabled(tabs.indexOf(window.graph_panel))
    assert window.banner.isVisible() and f"is inside the SavedModel {folder}" in window.banner.text


def test_counts_in_group_rows_use_thousands_separators(qtbot, written):
    from ckpt_gui.app.models.tree_model import SHAPE
    from ckpt_gui.app.widgets.tree_panel import TreePanel
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.core.views.tree import object_tree

    panel = TreePanel()
    qtbot.addWidget(panel)
    tree = object_tree(Checkpoint.open(written / "many"))
    panel.set_trees({"objects": tree, "keys": tree})
    big = next(n for n in tree.root.walk() if n is not tree.root and n.variable is None and n.variable_count >= 1000)
    assert panel.model.index_of(big, SHAPE).data() == f"{big.variable_count:,} variables"
    assert "," in f"{big.variable_count:,}"


def test_a_large_heatmaps_axes_say_how_many_values_per_cell(qtbot, window, written, monkeypatch):
    from ckpt_gui.app import browse_selection

    monkeypatch.setattr(browse_selection, "LARGE_VIEW_BYTES", 0)  # every matrix drawn as large (a block per cell)
    _open(qtbot, window, written / "keras_seq" / "ckpt-4")
    _idle(qtbot, window)
    kernel = next(v for v in window.browse.ckpt.variables if len(v.shape) == 2)
    assert window.tree_panel.select_key(kernel.key)
    _idle(qtbot, window)
    qtbot.waitUntil(lambda: window.tensor.envelope is not None, timeout=WAIT_MS)
    _idle(qtbot, window)  # the envelope drawn in a turn of its own
    plot = window.tensor.image_plot
    left, bottom = plot.getAxis("left").labelText, plot.getAxis("bottom").labelText
    assert "per cell)" in left and "per cell)" in bottom and "a cell" not in left + bottom


def test_a_string_tensors_details_say_its_crc32c_was_verified(qtbot, window, written):
    _open(qtbot, window, written / "dtypes")
    _idle(qtbot, window)
    strings = [v for v in window.browse.ckpt.variables if v.dtype.is_string and not v.is_object_graph]
    assert strings, "the dtypes scenario has a string variable"
    assert window.tree_panel.select_key(strings[0].key)
    _idle(qtbot, window)
    qtbot.waitUntil(lambda: "CRC32C" in _facts(window), timeout=WAIT_MS)
    assert _facts(window)["CRC32C"] == "verified"


def test_a_preview_histograms_counts_say_they_are_of_the_sample_and_parts_keep_their_words(qtbot):
    import numpy as np
    from PySide6.QtGui import QTextDocument

    from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
    from ckpt_gui.core.analysis.histogram import Histogram

    panel = HistogramPanel()
    qtbot.addWidget(panel)
    counts, edges = np.histogram(np.array([0.1, 0.5, 0.9]), bins=3)

    def footer(preview: bool) -> str:
        histogram = Histogram(counts=counts, edges=edges, nan=2, posinf=1, neginf=0, outside=777)
        panel.show_histogram(histogram, "w", preview=preview)
        # The line under the plot is set once the plot is drawn (review 12).
        qtbot.waitUntil(lambda: panel.stack.currentWidget() is not panel.empty, timeout=30_000)
        wait_drawn(qtbot)
        document = QTextDocument()
        document.setHtml(panel.counts_label.text())
        return document.firstBlock().text()

    sampled, exact = footer(True), footer(False)
    assert "(not plotted in the sample)" in sampled and "sampled\u00a0values" in sampled
    assert "in the sample" not in exact and "sampled" not in exact
    # Each part's words stay together: the only breakable spaces are around the dots and before "(not plotted".
    assert "777\u00a0outside\u00a0the\u00a0range" in exact


def test_the_inf_swatch_stands_out_on_a_dark_palette(qtbot):
    import re

    import numpy as np
    from PySide6.QtGui import QColor

    from ckpt_gui.app.widgets.heatmap_cells import INF_COLOUR, NonFinite

    note = NonFinite(np.array([[np.inf, 1.0], [np.nan, 2.0]], dtype=np.float32)).note()
    inf_swatch = note[note.index(f"rgb{INF_COLOUR}") :]
    ground = re.search(r"background-color: rgb\((\d+), (\d+), (\d+)\)", inf_swatch[: inf_swatch.index("</span>")])
    assert ground is not None  # its own ground, not the plot's (dark on a dark theme)
    dark_theme_title = QColor(30, 30, 30)
    swatch, behind = QColor(*INF_COLOUR), QColor(*map(int, ground.groups()))
    assert abs(behind.lightness() - swatch.lightness()) > 150
    assert abs(behind.lightness() - dark_theme_title.lightness()) > 150


def test_elements_are_in_one_format_for_leaves_and_groups(qtbot, written):
    from ckpt_gui.app.models.tree_model import ELEMENTS
    from ckpt_gui.app.widgets.tree_panel import TreePanel
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.core.formatting import format_count
    from ckpt_gui.core.views.tree import object_tree

    # A leaf of 7,000 elements and a group of 12,600 (the review's pair) in one format.
    assert format_count(7000)[-1] == format_count(12_600)[-1] == "K"
    panel = TreePanel()
    qtbot.addWidget(panel)
    tree = object_tree(Checkpoint.open(written / "many"))
    panel.set_trees({"objects": tree, "keys": tree})
    model = next(n for n in tree.root.children if n.name == "model")
    texts = [panel.model.index_of(node, ELEMENTS).data() for node in (model, *model.children[:3])]
    assert texts[0] == format_count(model.params) and texts[0].endswith("K")
    assert all(t[-1] in "KM" or int(t) < 1000 for t in texts if t), texts  # never "7000" beside "12.6K"
