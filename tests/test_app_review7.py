"""Review 7 (a new user in a real window), offscreen parts: End and Home in the tree,
the values table's scroll on a new tensor, a filter that matches nothing, the status
bar's job label, and the splits the doctor's report borrows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from ckpt_gui.resources import demo_path


def open_in(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)


def last_visible(view):
    """The tree's last visible row, walked down from the top (every level fetched)."""
    model, parent, last = view.model(), view.rootIndex(), None
    while True:
        while model.has_more(parent):
            model.fetch_more(parent)
        if not model.rowCount(parent):
            return last
        last = model.index(model.rowCount(parent) - 1, 0, parent)
        if not view.isExpanded(last):
            return last
        parent = last


def test_end_goes_to_the_trees_last_visible_row_and_home_to_its_first(qtbot, window):
    """Review 7: on the last row of its level End did nothing, and it never went past its
    level; QTreeView's own End and a file manager's go to the last row shown."""
    open_in(qtbot, window, demo_path())
    panel = window.tree_panel
    view, model = panel.view, panel.model
    view.expandAll()
    # A row that is the last of its level but not of the tree: down the first group.
    index = next(model.index(r, 0) for r in range(model.rowCount()) if model.rowCount(model.index(r, 0)))
    while model.rowCount(index):
        index = model.index(model.rowCount(index) - 1, 0, index)
    end = last_visible(view)
    assert index != end  # the demo has rows below the first group's last
    view.setCurrentIndex(index)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex() == end, view.currentIndex().data()
    assert view.visualRect(end).intersects(view.viewport().rect())  # scrolled to it
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex() == model.index(0, 0)


def tensor_panel(qtbot):
    from ckpt_gui.app.widgets.tensor_panel import TensorPanel

    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    return panel


def test_another_tensors_values_open_at_the_start_of_the_table(qtbot):
    """Review 7: the values table kept the last tensor's scroll position."""
    import numpy as np

    panel = tensor_panel(qtbot)
    panel.setCurrentWidget(panel.table)
    view = panel.table.view
    panel.show_value(np.arange(400 * 60, dtype=np.float32).reshape(400, 60), "first")
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0 and view.horizontalScrollBar().maximum() > 0)
    view.scrollTo(panel.table.model.index(300, 50))
    assert view.verticalScrollBar().value() > 0 and view.horizontalScrollBar().value() > 0
    panel.show_value(np.ones((500, 70), dtype=np.float32), "second")
    qtbot.wait(1)
    assert (view.verticalScrollBar().value(), view.horizontalScrollBar().value()) == (0, 0)
    assert view.rowAt(0) == 0 and view.columnAt(0) == 0


def test_a_string_tensor_has_no_heatmap_tab(qtbot):
    """Review 7: a 1-D string tensor's Values sat beside a tab named "Heatmap" that only
    said to see the Values tab; the tab is hidden for strings, back for numbers."""
    import numpy as np

    panel = tensor_panel(qtbot)
    picture = panel.indexOf(panel.picture)
    panel.show_value(np.array([b"a", b"bc", b"def"], dtype=object), "strings")
    assert not panel.isTabVisible(picture) and panel.currentWidget() is panel.table
    panel.show_value(np.ones(5, dtype=np.float32), "vector")
    assert panel.isTabVisible(picture) and panel.currentWidget() is panel.picture


def test_closing_a_comparison_gives_back_the_browse_layout_as_it_was(qtbot, window, tmp_path, monkeypatch):
    """Review 7: after Close comparison the tree panel kept the comparison's two trees'
    least width (430 -> 525 px at 1024; a dark theme's larger font pushed the window to
    1042 px, past the screen): the hidden page of a stack still asked for its room."""
    window.resize(1024, 600)
    open_in(qtbot, window, demo_path())
    window.info_tabs.setCurrentWidget(window.graph_panel)  # as the reviewer had it
    qtbot.wait(1)
    before, width = window.main_splitter.sizes(), window.width()
    # A long checkpoint name: the trees' headings ("A (before): ...") make them wide.
    import shutil
    from pathlib import Path

    other = tmp_path / "an_estimators_model.ckpt-100"
    for part in Path(demo_path()).glob("ckpt-100.*"):
        shutil.copy(part, str(other) + part.suffix)
    # The headings cut a long name since (review 20, G2): headings asking for the whole
    # name, as then, stand in for the review's wide comparison.
    from ckpt_gui.app.widgets.side_heading import SideHeading

    monkeypatch.setattr(SideHeading, "minimumSizeHint", SideHeading.sizeHint)
    with qtbot.waitSignal(window.compare_done, timeout=60_000):
        window.compare.compare_with(str(other))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    compared = window.main_splitter.sizes()
    assert compared[0] > before[0]  # the two trees got more room meanwhile
    window.close_compare_action.trigger()
    qtbot.waitUntil(lambda: window.left_stack.currentWidget() is window.tree_panel)
    qtbot.wait(1)
    assert window.main_splitter.sizes() == before and window.width() == width
    # Neither stack asks for its hidden page's room (the comparison's trees are wider).
    assert window.compare_trees.minimumSizeHint().width() > before[0]  # the case of the review
    assert window.left_stack.minimumSizeHint().width() < window.compare_trees.minimumSizeHint().width()


def test_a_first_runs_split_the_report_held_is_never_saved_as_the_users(qtbot, tmp_path, monkeypatch):
    """Review 7: after a first launch with --model (the report's tab shown from the start,
    Details never grown to a variable's content), every later launch had a 150 px Details
    pane: the first run's starting split (the tabs' least), given back by the report on
    quit, was saved as the user's. Now it is not saved, and the next launch fits Details
    as a first run does; a split the user set is saved as ever."""
    from ckpt_gui.app.window import MainWindow
    from ckpt_gui.app.window_splits import TABS_MIN_HEIGHT, details_height
    from tests.test_app_doctor_review3 import full_report
    from tests.test_app_layout import _show_report

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))

    def launch(report_first: bool):
        window = MainWindow(scan_on_open=False)
        qtbot.addWidget(window)
        window.resize(1440, 900)  # a 2560x1440 screen's first run: the report beside the plots
        window.show()
        if report_first:  # --model: the doctor starts, its tab shown, as the checkpoint is loaded
            window.loaded.connect(lambda: window.info_tabs.setCurrentWidget(window.report_panel))
        open_in(qtbot, window, demo_path())
        qtbot.wait(100)  # the splitters settle on the event loop
        return window

    first = launch(report_first=True)
    _show_report(qtbot, first, full_report(first))
    assert first.views.isVisible()
    first.close()
    again = launch(report_first=False)
    tabs, plots = again.right_splitter.sizes()
    wanted = details_height(again.details)  # the rows as laid out at Details' width
    assert tabs > TABS_MIN_HEIGHT and tabs >= min(wanted, (tabs + plots) // 2), (tabs, plots, wanted)
    again.right_splitter.setSizes([300, tabs + plots - 300])
    again.right_splitter.splitterMoved.emit(300, 1)  # as a drag of the line does
    again.close()
    last = launch(report_first=False)
    assert last.right_splitter.sizes()[0] == 300


def test_the_job_label_follows_the_jobs_still_running(qtbot, window):
    """Review 7: while the doctor ran, a finished histogram's label stayed beside the busy
    bar and Cancel (which then stopped the doctor): the label is a running job's, back to
    the doctor's when the histogram ends, across workflows and within one."""
    import threading

    release = threading.Event()

    def held(_context):
        release.wait(30)

    doctor, browse = window.doctor.runner, window.browse.runner
    try:
        doctor.submit("diagnose", held, lambda _r: None, label="Diagnosing: building the model")
        qtbot.waitUntil(lambda: window.job_label.text() == "Diagnosing: building the model")
        with qtbot.waitSignal(browse.busy_changed, timeout=10_000):  # idle again
            browse.submit("histogram", lambda _c: None, lambda _r: None, label="Histogram of model/dense1/bias")
        qtbot.waitUntil(lambda: not browse.busy)
        assert window.job_label.text() == "Diagnosing: building the model"
        release.set()  # (the thread pool may have two threads only)
        qtbot.waitUntil(lambda: not doctor.busy)
        release.clear()
        # Two lanes of one workflow: the one left running is named.
        browse.submit("scan", held, lambda _r: None, label="Scanning for NaN/Inf")
        browse.submit("histogram", lambda _c: None, lambda _r: None, label="Histogram of model/dense1/bias")
        qtbot.waitUntil(lambda: not browse.is_running("histogram"))
        qtbot.wait(10)
        assert window.job_label.text() == "Scanning for NaN/Inf"
        assert window.progress.isVisible() and window.cancel_button.isVisible()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    assert window.job_label.text() == "" and not window.cancel_button.isVisible()
    # Only an unlabelled job left running: no finished job's name beside the bar.
    release.clear()
    try:
        browse.submit("unnamed", held, lambda _r: None)
        browse.submit("histogram", lambda _c: None, lambda _r: None, label="Histogram of model/dense1/bias")
        qtbot.waitUntil(lambda: not browse.is_running("histogram"))
        qtbot.wait(10)
        assert window.job_label.text() == "" and window.busy
    finally:
        release.set()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)


def test_a_filter_that_matches_nothing_says_so_in_the_trees_place(qtbot, window):
    """Review 7: "0 of 5" above an empty tree; now "No variables match 'xyz'" where the
    rows were, in the browse tree and in both comparison trees, gone with the filter."""
    open_in(qtbot, window, demo_path())
    panel = window.tree_panel
    panel.search.setText("xyz")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    note = panel.empty_note
    assert note.text() == "No variables match 'xyz'" and note.label.isVisible()
    assert panel.view.viewport().rect().contains(note.label.geometry())
    panel.search.setText("kernel")
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    assert note.text() == ""
    with qtbot.waitSignal(window.compare_done, timeout=60_000):
        window.compare.compare_with(demo_path())
    trees = window.compare_trees
    trees.search.setText("xyz")
    assert [n.text() for n in trees.empty_notes] == ["No variables match 'xyz'"] * 2
    trees.by_change.setChecked(True)  # the flat list too
    assert all(n.label.isVisible() for n in trees.empty_notes if n.viewport.isVisible())
    trees.search.clear()
    assert [n.text() for n in trees.empty_notes] == ["", ""]


def test_the_empty_trees_note_names_the_other_filters_on(qtbot, window):
    """Review 24: "No variables match 'velo'" over a tree emptied by the dtype box's
    int64; the note now names the box's dtype (and NaN/Inf only, a subtree), which the
    user then knows to change."""
    open_in(qtbot, window, demo_path())
    panel = window.tree_panel
    box = panel.dtype_box
    kernels = {leaf.variable.dtype.name for leaf in panel.tree.root.leaves() if "kernel" in leaf.path}
    others = [box.itemText(i) for i in range(1, box.count()) if box.itemText(i) not in kernels]
    assert kernels and others, (kernels, others)
    panel.search.setText("kernel")
    box.setCurrentText(others[0])
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    assert panel.empty_note.text() == f"No variables match 'kernel' (dtype {others[0]})"
    box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)
    assert panel.empty_note.text() == ""
    # Text typed for one checkpoint, kept as another opens, matching nothing there: said.
    panel.search.setText("xyz")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    assert panel.empty_note.text() == "No variables match 'xyz'"
    open_in(qtbot, window, demo_path())
    qtbot.waitUntil(lambda: panel.empty_note.text() != "", timeout=10_000)
    assert panel.empty_note.text() == "No variables match 'xyz' (the text kept from the checkpoint before)"
    panel.search.setText("xyzw")  # typed for this one
    qtbot.waitUntil(lambda: panel.empty_note.text() == "No variables match 'xyzw'")


def test_an_underscore_is_drawn_inside_its_row_in_every_tree(qtbot, window):
    """Review 7: with DejaVu in the Fusion style a row was its font's height exactly, and a
    selected "_kernel" read "kernel", its underscore an overline on the row below. Rows
    are at least the font's height and half its descent above and below, in every tree."""
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app.widgets.row_room import least_row_height

    assert QApplication.style().name().lower() == "fusion"
    open_in(qtbot, window, demo_path())
    panel = window.tree_panel
    panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 4))  # a conv's _kernel
    view = panel.view
    index = view.currentIndex()
    assert index.data().startswith("_kernel") and view.indexBelow(index).isValid()
    qtbot.wait(10)
    # (Offscreen paints the underscore inside even a 14 px row: the row's height is checked;
    # the real window's crop is in the commit that made it.)
    assert view.visualRect(index).height() >= least_row_height(view.fontMetrics())
    with qtbot.waitSignal(window.compare_done, timeout=60_000):
        window.compare.compare_with(demo_path())
    trees = window.compare_trees
    for flat in (False, True):  # the trees, then the flat list
        trees.by_change.setChecked(flat)
        qtbot.wait(10)
        for view in (trees.view_a, trees.view_b):
            assert view.sizeHintForRow(0) >= least_row_height(view.fontMetrics()), flat
    # The doctor's problems and the graph's variables: their delegates give the same room.
    from ckpt_gui.app.widgets.row_room import RoomyRows

    for tree, column in ((window.report_panel.problems, 0), (window.graph_panel.variables, 0)):
        assert isinstance(tree.itemDelegateForColumn(column) or tree.itemDelegate(), RoomyRows), tree


def test_saving_a_histogram_into_the_checkpoint_folder_is_refused_before_the_dialog_closes(qtbot, window, tmp_path,
                                                                                           monkeypatch):  # fmt: skip
    """Review 7: README said the banner, the app said it in a message over the save dialog.
    The message is the better place (the user is still choosing: the dialog opens again,
    outside the folder, the save not lost); README now says so. Nothing is written inside."""
    import os

    from PySide6.QtWidgets import QFileDialog, QMessageBox

    open_in(qtbot, window, demo_path())
    inside = os.path.join(demo_path(), "histogram.png")
    outside = str(tmp_path / "histogram.png")
    answers, starts, warnings = [inside, outside], [], []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, start, _k: starts.append(start)
                        or (answers.pop(0), ""))  # fmt: skip
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    window.browse.export_histogram()
    assert len(warnings) == 1 and len(starts) == 2
    assert os.path.commonpath([starts[1], demo_path()]) != demo_path()  # opened again outside it
    assert not os.path.exists(inside) and os.path.exists(outside)
    assert not window.banner.isVisible()
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "refused before the save dialog closes" in readme


def test_a_column_fitted_to_its_names_shows_them_whole(qtbot):
    """Review 7: the repair plan's Source column read "…/dense1/_kernel" with room to
    spare: fitted to the style's hint, which keeps fewer pixels than the delegate's cut."""
    names = ["model/dense1/_kernel", "model/dense1/bias", "model/head/_kernel", "model/head/bias"]
    table = _names_table(qtbot, names, columns=2)
    table.show()
    table.resizeColumnToContents(0)
    assert _shown_texts(table) == names


def _names_table(qtbot, names: list[str], columns: int = 1):
    """A table of ``names`` in its first column, cut by the tables' DistinctElided delegate."""
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    from ckpt_gui.app.widgets.distinct_names import DistinctElided, distinct_ends

    table = QTableWidget(len(names), columns)
    qtbot.addWidget(table)
    delegate = DistinctElided(table)
    delegate.ends = distinct_ends(names)
    table.setItemDelegateForColumn(0, delegate)
    for row, name in enumerate(names):
        table.setItem(row, 0, QTableWidgetItem(name))
    return table


def _shown_texts(table) -> list[str]:
    """The first column's texts as the delegate draws them."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    texts = []
    for row in range(table.rowCount()):
        index = table.model().index(row, 0)
        option = QStyleOptionViewItem()
        option.rect = table.visualRect(index)
        table.itemDelegateForColumn(0).initStyleOption(option, index)
        texts.append(option.text)
    return texts


def test_a_name_too_long_for_its_column_keeps_the_end_that_tells_it_apart(qtbot):
    """Review 10: rossman-sm-2022's Graph tab read "…_normalization_8/g…", both ends cut,
    where "…alization_8/gamma" fits and is told from "…alization_9/gamma"."""
    layers = [f"batch_normalization_{n}" for n in (8, 9, 10)]
    names = [f"{layer}/{part}" for layer in layers for part in ("gamma", "beta", "moving_mean", "moving_variance")]
    table = _names_table(qtbot, names)
    metrics = table.fontMetrics()
    # As wide as the longest end that still tells two names apart, less than the names.
    table.setColumnWidth(0, metrics.horizontalAdvance("\u2026" + "8/moving_variance") + 24)
    table.show()
    shown = _shown_texts(table)
    for name, text in zip(names, shown):
        kept = text.removeprefix("\u2026")
        assert kept != name and name.endswith(kept), (name, text)  # cut, its end kept
    assert len(set(shown)) == len(names), shown  # every row told apart


def test_the_heatmaps_readout_says_less_rather_than_run_past_the_panel(qtbot):
    """Review 7: in a dark theme at 1024 px "[axis 2 = 3, axis 3 = 6]   -0.0115896" ran
    past the panel's edge, the value's end cut. Narrow, it says "[3, 6]  -0.0115896",
    then the value alone; the whole in its tooltip."""
    import numpy as np
    from PySide6.QtWidgets import QLabel

    from tests.conftest import wait_drawn

    panel = tensor_panel(qtbot)
    values = np.full((8, 16), -0.0115896, dtype=np.float32)
    panel.show_value(values, "kernel")
    wait_drawn(qtbot)
    page = panel.readout.parentWidget()
    metrics = panel.readout.fontMetrics()
    for width in (600, 260, 150):
        panel.resize(width, 400)
        qtbot.wait(20)
        scene = panel.image_plot.vb.mapViewToScene(panel.image_plot.vb.mapSceneToView(
            panel.image_plot.vb.sceneBoundingRect().center()))  # fmt: skip
        panel._on_mouse(scene)
        qtbot.wait(20)
        painted = QLabel.text(panel.readout)
        assert "-0.0115896" in painted, (width, painted)
        assert panel.readout.geometry().right() < page.width(), width
        assert metrics.horizontalAdvance(painted) <= panel.readout.contentsRect().width(), (width, painted)
