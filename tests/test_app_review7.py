"""Review 7 (a new user in a real window), offscreen parts: End and Home in the tree,
the values table's scroll on a new tensor, a filter that matches nothing, the status
bar's job label, and the splits the doctor's report borrows."""

from __future__ import annotations

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
