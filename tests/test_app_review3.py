"""What a third review of the app on a real desktop found (issue 11): messages that
outlived their situation, a saved window that did not fit the screen, a selection
lost to the filter or a closed comparison, shortcuts missing from F1, counts without
separators."""

from __future__ import annotations

import os

from ckpt_gui.app.opening import warnings
from ckpt_gui.core.checkpoint import Checkpoint


def test_a_sibling_chosen_in_the_picker_gets_its_own_banner(scratch_copy):
    """The folder opened on its newest complete checkpoint ("ckpt-4 is incomplete:
    showing ckpt-3"); once another is chosen, that note is outdated, and a checkpoint
    whose data file is missing names that file once (its object graph lives there too)."""
    folder = scratch_copy("keras_seq")
    os.remove(folder / "ckpt-4.data-00000-of-00001")
    os.remove(folder / "ckpt-3.data-00000-of-00001")
    opened = Checkpoint.open(folder)
    shown = f"showing {opened.ref.name},"
    assert any(shown in w for w in warnings(opened))
    refs = {ref.name: ref for ref in opened.location.checkpoints}
    incomplete = warnings(opened.sibling(refs["ckpt-3"]))
    assert not any(shown in w for w in incomplete), incomplete
    assert "\n".join(incomplete).count("ckpt-3.data-00000-of-00001") == 1, incomplete
    assert warnings(opened.sibling(refs["ckpt-2"])) == []  # whole, and the folder's note is not about it


def test_a_saved_window_comes_back_whole_on_a_smaller_screen(qtbot, tmp_path, monkeypatch):
    """Quit at a size and place larger than the screen it reopens on: it opens whole on
    that screen (no edge off it), not cut below what it was (review: 2400x1300 saved,
    780x490 restored on a 1024x640 screen, panels cut)."""
    from ckpt_gui.app import settings
    from ckpt_gui.app.window import MainWindow

    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    first = MainWindow(scan_on_open=False)
    qtbot.addWidget(first)
    area = first.screen().availableGeometry()
    first.resize(area.width() * 3, area.height() * 2)
    first.move(area.x() + area.width() * 2, area.y() + area.height())
    settings.save_layout(first, first.splits.by_name())
    first.close()

    def shrunk(window, _geometry):  # what Qt's xcb does with a geometry larger than the screen
        window.resize(area.width() * 3 // 4, area.height() * 3 // 4)
        window.move(area.width() // 8, area.height() // 8)
        return True

    monkeypatch.setattr(MainWindow, "restoreGeometry", shrunk)
    again = MainWindow(scan_on_open=False)
    qtbot.addWidget(again)
    again.show()
    # On the screen, and the whole of it but for the frame (offscreen's frame is not
    # accounted for exactly): it was larger than the screen.
    on_screen = area.intersected(again.geometry())
    assert area.contains(again.frameGeometry().topLeft()), (again.frameGeometry(), area)
    assert on_screen.width() > area.width() * 0.9 and on_screen.height() > area.height() * 0.9, (on_screen, area)
    again.close()


def test_a_first_run_on_a_large_screen_takes_a_share_of_it(qtbot, host, monkeypatch):
    from PySide6.QtCore import QRect

    from ckpt_gui.app import settings

    monkeypatch.setattr(settings, "_screen_area", lambda _window: QRect(0, 0, 2560, 1440))
    size = settings.first_size(host)
    assert size.width() > 2560 // 2 and size.height() > 1440 // 2
    assert size.width() <= 2560 and size.height() <= 1440


def open_demo(qtbot, win) -> None:
    from ckpt_gui.resources import demo_path

    with qtbot.waitSignal(win.loaded, timeout=60_000):
        win.browse.open_path(demo_path())
    qtbot.waitUntil(lambda: not win.busy, timeout=60_000)


def test_a_filter_moves_the_selection_off_a_row_it_hides_and_escape_brings_it_back(qtbot, window):
    """Review: "4 · norm" selected, "kernel" typed: the row went, Details still said
    it; Escape did not select it again; Tab into the tree then made the first row
    (_CHECKPOINTABLE_OBJECT_GRAPH) current."""
    from PySide6.QtCore import Qt

    open_demo(qtbot, window)
    panel = window.tree_panel
    leaves = panel.tree.by_key.values()
    group = next(n.parent for n in leaves if n.parent is not None and n.parent.path.endswith("_operations/4"))
    panel.select_node(group)
    assert window.details.title.text() == group.path
    panel.search.setText("kernel")
    panel.apply_filter()
    chosen = panel.selected_node()
    assert chosen is not None and chosen is not group and panel.accept(chosen)  # the first match
    assert window.details.title.text() in (chosen.path, chosen.variable.key)  # Details follows it
    panel.search.setText("no such variable at all")
    panel.apply_filter()
    assert panel.selected_node() is None and "select" in window.details.title.text().lower()
    panel.clear_filter()  # Escape
    assert panel.selected_node() is group and window.details.title.text() == group.path
    panel.search.setText("kernel")  # a model reset again, then Tab into the tree after Escape
    panel.apply_filter()
    panel.clear_filter()
    window.activateWindow()
    panel.view.setFocus(Qt.FocusReason.TabFocusReason)
    assert panel.selected_node() is group


def test_closing_a_comparison_shows_the_browse_selection_again(qtbot, window):
    """Review: after Ctrl+Shift+K, Details described _CHECKPOINTABLE_OBJECT_GRAPH and
    no row was selected; the row selected before the comparison is selected again."""
    from ckpt_gui.resources import demo_path

    open_demo(qtbot, window)
    panel = window.tree_panel
    chosen = next(
        node for key, node in panel.tree.by_key.items() if key.endswith("4/moving_mean/.ATTRIBUTES/VARIABLE_VALUE")
    )
    panel.select_node(chosen)
    panel.model.set_tree(panel.tree)  # a reset (as a filter's) loses the current row
    with qtbot.waitSignal(window.compare_done, timeout=60_000):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    window.close_compare_action.trigger()
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    assert panel.selected_node() is chosen
    assert panel.view.selectionModel().isSelected(panel.view.currentIndex())
    assert window.details.title.text() == chosen.path


def _refs(folder: str, steps: list[int], complete: list[int]):
    from ckpt_gui.core.format.locations import CheckpointRef, Location

    refs = tuple(
        CheckpointRef(f"{folder}/cp-{step:04d}.ckpt", step, 1.8e9, 1536 if step not in complete else 1_600_000,
                      step == steps[-1], () if step in complete else (f"{folder}/cp-{step:04d}.ckpt.data-0",))
        for step in steps
    )  # fmt: skip
    return Location("bundle", folder, refs[0], refs, refs[-1])


def test_the_pickers_lines_line_up_and_its_closed_label_is_whole_or_marked_cut(qtbot):
    """Review: "step 5" out of line with "step 50" in the open list; the closed label
    cut off unmarked ("(not in state file"), at 1024 px."""
    from PySide6.QtGui import QFontMetrics

    from ckpt_gui.app.widgets.picker import CheckpointPicker, closed_text

    picker = CheckpointPicker()
    qtbot.addWidget(picker)
    location = _refs("/runs/jj-keras-cp-2019", [0, 5, 10, 45, 50], complete=[0])
    picker.set_location(location, location.selected)
    metrics = QFontMetrics(picker.view().font())
    texts = [picker.itemText(row) for row in range(picker.count())]
    starts = {metrics.horizontalAdvance(text[: text.index("2027")]) for text in texts}  # where the time begins
    assert len(starts) == 1, texts
    longest = max(texts, key=len)
    for width in (metrics.horizontalAdvance(longest), 420, 300):
        shown = closed_text(longest, metrics, width)
        assert metrics.horizontalAdvance(shown) <= width
        assert shown.endswith("(not in state file)") and shown.startswith("cp-"), shown


def test_the_path_beside_the_picker_keeps_the_folders_name(qtbot):
    """Review: "/work/shared/realworl…pt" said neither the folder nor the checkpoint."""
    from PySide6.QtCore import Qt

    from ckpt_gui.app.widgets.layouts import ElidedLabel

    label = ElidedLabel(mode=Qt.TextElideMode.ElideLeft)
    qtbot.addWidget(label)
    label.show()
    label.setText(" /work/shared/realworld/corpus/jj-keras-cp-2019/cp-0005.ckpt", "  (TF2 object-based)",
                  "jj-keras-cp-2019/cp-0005.ckpt")  # fmt: skip
    metrics = label.fontMetrics()
    label.resize(metrics.horizontalAdvance("\u2026jj-keras-cp-2019/cp-0005.ckpt") + 4, 30)
    shown = QLabel_text(label)
    assert shown.endswith("jj-keras-cp-2019/cp-0005.ckpt") and shown.startswith("\u2026"), shown
    label.resize(2000, 30)
    assert QLabel_text(label) == label.text()  # room for all: all of it
    assert "(TF2 object-based)" in label.toolTip()


def QLabel_text(label) -> str:  # noqa: N802 (what is painted, not ElidedLabel's whole text)
    from PySide6.QtWidgets import QLabel

    return QLabel.text(label)


def test_counts_are_written_with_separators_where_the_chips_are(qtbot, host):
    """Review: the status bar said "Compared: 195000 same, 5000 changed" under chips
    saying "195,000"; the NaN/Inf filter's count too."""
    from ckpt_gui.app.controllers.compare import summary_text
    from ckpt_gui.app.widgets.tree_panel import TreePanel

    assert summary_text({"same": 195_000, "changed": 5_000, "missing_in_b": 0}) == "195,000 same, 5,000 changed"
    panel = TreePanel(host)
    panel.set_nonfinite({f"v{i}" for i in range(1_234)}, {})
    assert panel.nan_box.text() == "NaN/Inf only (1,234)"


def test_a_scalar_is_written_alike_in_details_the_statistics_and_the_heatmap():
    """Review: "Value: 2.0" in Details, "2" in the statistics and "scalar: 2" in the
    heatmap: one value, one text (Copy value keeps what Python reads back: "2.0")."""
    from types import SimpleNamespace

    import numpy as np

    from ckpt_gui.app.row_menu import numbers_text
    from ckpt_gui.app.widgets.paged_table import cell_text
    from ckpt_gui.core.formatting import format_number
    from ckpt_gui.core.views.describe import value_text

    scalar = SimpleNamespace(num_elements=1, is_object_graph=False)
    for number in (2.0, -3.0, 0.5, 1536.0):
        value = np.array(number, dtype=np.float32)
        assert value_text(scalar, value) == cell_text(value) == format_number(float(value)), number
    assert numbers_text(np.array(2.0, dtype=np.float32)) == "2.0"
    vector = SimpleNamespace(num_elements=3, is_object_graph=False)
    assert value_text(vector, np.array([1.0, 0.25, 0.0], dtype=np.float32)) == "[1, 0.25, 0]"


def test_pairs_still_to_compare_are_said_shortly(qtbot, window, monkeypatch):
    """Review: "… to compare 200,000 (counts by status come as pairs are compared)"
    beside the chips while none is compared yet."""
    from tests.test_app_desktop import compare_demo_with_first

    compare_demo_with_first(qtbot, window)
    trees = window.compare_trees
    tree = trees.model.tree
    monkeypatch.setattr(tree, "statuses_below", lambda _node: {})  # as at the start of a large comparison
    monkeypatch.setattr(tree, "pending_below", lambda _node: 200_000)
    trees.update_summary()
    assert trees.so_far.text() == "200,000 pairs to compare"


def test_the_banner_follows_the_checkpoint_chosen_in_the_picker(qtbot, window, scratch_copy):
    """Review: cp-0005 chosen in the picker, the banner still said "showing cp-0000,
    the newest complete checkpoint", and named its missing data file twice."""
    folder = scratch_copy("keras_seq")
    os.remove(folder / "ckpt-4.data-00000-of-00001")
    os.remove(folder / "ckpt-3.data-00000-of-00001")
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(folder))
    shown = window.browse.ckpt.ref.name
    assert f"showing {shown}" in window.banner.text, window.banner.text
    ref = next(r for r in window.browse.ckpt.location.checkpoints if r.name == "ckpt-3")
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.switch_checkpoint(ref)
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    text = window.banner.text
    assert f"showing {shown}" not in text and text.count("ckpt-3.data-00000-of-00001") == 1, text
    assert "\n" not in text, text  # one message
