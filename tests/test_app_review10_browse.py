"""Review 10's browse findings (a new user in a real window): Ctrl+1 with no object
graph, an old "Wrote ..." under a new failure, Escape after Down into a filter's
result, Tab stops on plots that show no focus."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.test_app_review3 import open_demo
from tools.bundle_writer import write_bundle


def open_path(qtbot, win, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=60_000):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=60_000)


def name_based(tmp_path):
    """A checkpoint with no object graph (TF1-style keys only)."""
    prefix = tmp_path / "tf1" / "model.ckpt"
    prefix.parent.mkdir()
    weights = np.arange(12, dtype=np.float32).reshape(3, 4)
    write_bundle(str(prefix), [("dense/kernel", "float32", (3, 4), weights.tobytes())])
    return prefix


def test_ctrl_1_is_greyed_without_an_object_graph_and_says_why(qtbot, window, tmp_path):
    """Review 10: on a TF1 checkpoint Ctrl+1 checked the greyed "Object graph" radio
    while the tree stayed in key view, and the View menu's item was enabled."""
    action, panel = window.objects_view_action, window.tree_panel
    open_path(qtbot, window, name_based(tmp_path))
    assert not panel.objects_button.isEnabled()
    assert not action.isEnabled()
    assert "no object graph" in action.toolTip()
    action.trigger()  # what Ctrl+1 does: a disabled action does nothing
    assert panel.keys_button.isChecked() and not panel.objects_button.isChecked()
    open_demo(qtbot, window)  # a TF2 checkpoint: the view is there again
    assert panel.objects_button.isEnabled() and action.isEnabled() and "no object graph" not in action.toolTip()


def test_a_failed_export_takes_the_last_exports_wrote_out_of_the_status_bar(qtbot, window, tmp_path, monkeypatch):
    """Review 10: "Wrote /tmp/out_k.npy" stayed in the status bar under the banner's
    "/proc/k.npy: cannot write", as if the second export had been written too."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    panel.select_node(next(n for n in panel.tree.by_key.values() if n.variable.num_elements > 1))
    first = tmp_path / "out_k.npy"
    for target in (first, "/proc/no-such-dir/k.npy"):
        monkeypatch.setattr(window.browse, "ask_save_path", lambda *_args, t=target: str(t))
        window.export_action.trigger()
        if target == first:
            assert first.exists() and window.status_label.text() == f"Wrote {first}"
    assert window.banner.isVisible() and "cannot write" in window.banner.text
    status = window.status_label.text()
    assert "Wrote" not in status and "/proc/no-such-dir/k.npy" in status and "Not written" in status


def test_escape_keeps_the_result_moved_into_with_the_keyboard(qtbot, window):
    """Review 10: Ctrl+F, a filter, Down into its first result, Escape: the selection
    went back to the variable selected before filtering (a click on the result kept it)."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    before = next(n for k, n in panel.tree.by_key.items() if "moving_mean" in k)
    panel.select_node(before)
    panel.search.setFocus()
    panel.search.setText("kernel")
    panel.apply_filter()
    result = panel.selected_node()  # the filter made its first match current
    assert result is not before and panel.accept(result) and not panel.accept(before)
    panel._into_results()  # Down in the filter box
    assert panel.selected_node() is result
    panel.clear_filter()  # Escape
    assert panel.selected_node() is result


def test_tab_passes_the_plots_by(qtbot, window):
    """Review 10: one Tab stop between the heatmap's Columns and the next control
    changed nothing on screen: the heatmap (and the histogram) took focus unseen."""
    from tests.conftest import wait_drawn

    open_demo(qtbot, window)
    panel = window.tree_panel
    panel.select_node(next(n for n in panel.tree.by_key.values() if len(n.variable.shape) == 2))
    wait_drawn(qtbot)
    tensor = window.tensor
    plots = [tensor.graphics, window.histogram.plot]
    assert all(plot is not None and plot.isVisible() for plot in plots)
    stops = []
    widget = window.tree_panel.search
    for _ in range(500):
        widget = widget.nextInFocusChain()
        if widget is window.tree_panel.search:
            break
        if widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            stops.append(widget)
    assert not any(plot in stops for plot in plots), stops


def test_qts_file_dialog_shows_its_columns_whole(qtbot, window, tmp_path):
    """Review 10: Qt's own file dialog (no desktop's) at its default size cut Size
    ("669...tes") and Date Modified ("29 11 2...6 18:03")."""
    from PySide6.QtWidgets import QFileDialog, QStyle, QTreeView

    from ckpt_gui.app.widgets.file_dialog_fit import fitted

    (tmp_path / "ckpt-1.index").write_bytes(b"\0" * 669)
    (tmp_path / "ckpt-1.data-00000-of-00001").write_bytes(b"\0" * 123_456)
    dialog = QFileDialog(window, "Open checkpoint file", str(tmp_path), "Checkpoint files (*.index);;All files (*)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # as on a desktop without one (offscreen has none)
    dialog.selectNameFilter("All files (*)")
    qtbot.addWidget(dialog)
    view = dialog.findChild(QTreeView, "treeView")
    # The reviewer's dialog: Qt's default size, its columns as narrow as the state it
    # restored (from QSettings, before it shows) left them.
    dialog.resize(630, 430)
    for column, width in enumerate((255, 62, 62, 110)):
        view.header().resizeSection(column, width)
    with fitted():  # as the app opens each of its file dialogs
        dialog.show()
    model, root = view.model(), view.rootIndex()
    qtbot.waitUntil(lambda: model.rowCount(root) == 2, timeout=5000)
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    metrics = view.fontMetrics()
    cut = []
    for row in range(model.rowCount(root)):
        for column in range(4):
            text = model.index(row, column, root).data()
            width = view.header().sectionSize(column) - margin
            if metrics.elidedText(text, Qt.TextElideMode.ElideRight, width) != text:
                cut.append(text)
    assert cut == []
    assert dialog.frameGeometry().width() <= dialog.screen().availableGeometry().width()


def test_every_file_dialog_the_app_opens_is_fitted():
    """Each QFileDialog the app shows (a static function's, or its own folder picker's
    exec) runs inside ``with fitted():``: one left out would show its columns cut."""
    import ast
    from pathlib import Path

    import ckpt_gui.app

    opened = []
    for path in sorted(Path(ckpt_gui.app.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        fitted_lines = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call) and getattr(item.context_expr.func, "id", "") == "fitted"
                for item in node.items
            ):
                fitted_lines.update(range(node.lineno, node.end_lineno + 1))
        for node in ast.walk(tree):
            func = node.func if isinstance(node, ast.Call) else None
            opens = isinstance(func, ast.Attribute) and (
                (getattr(func.value, "id", "") == "QFileDialog" and func.attr.startswith("get"))
                or (func.attr == "exec" and path.name == "folder_picker.py")
            )
            if opens:
                opened.append((path.name, node.lineno, node.lineno in fitted_lines))
    assert len(opened) >= 8, opened  # open folder/file, compare's two, the doctor's two, repair's plan, save, folder
    assert all(fitted for _name, _line, fitted in opened), [o for o in opened if not o[2]]
