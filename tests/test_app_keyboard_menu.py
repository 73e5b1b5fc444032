"""The keyboard's context menu (the Menu key, Shift+F10) is the current row's, in the
browse tree and in the comparison's trees (review findings 1 and 26: Qt's keyboard
position made ``indexAt`` find the row below, whose menu opened and which became current).
QMenu.exec is replaced by a recorder: a real menu is modal."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.test_app_desktop import compare_demo_with_first, open_demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def menus():
    """Where each menu shown opened (global)."""
    return []


class Recorder:
    """Stands for a menu: records where it would open instead of opening (modal)."""

    def __init__(self, shown):
        self.shown = shown

    def exec(self, position=None, *_args):
        self.shown.append((None, position))


def _keyboard_menu_events(view):
    """The Menu key as Qt delivers it (to the view, at a point in its own coordinates),
    the same sent to the viewport, and Shift+F10."""
    middle = view.rect().center()
    yield lambda: QApplication.sendEvent(view, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, middle))
    yield lambda: QApplication.sendEvent(
        view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(1, 1))
    )
    yield lambda: QApplication.sendEvent(
        view, QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    )


def _at_current_row(view, where) -> bool:
    """Whether the global point ``where`` is on the view's current row."""
    index = view.indexAt(view.viewport().mapFromGlobal(where))
    current = view.currentIndex()
    return index.isValid() and index.row() == current.row() and index.parent() == current.parent()


def _pick_a_middle_variable(view, model):
    """A row with rows below it (the review's conv2/_kernel), made current."""
    view.expandAll()
    rows = []
    stack = [model.index(r, 0) for r in range(model.rowCount())]
    while stack:
        index = stack.pop(0)
        rows.append(index)
        stack[:0] = [model.index(r, 0, index) for r in range(model.rowCount(index))]
    chosen = rows[len(rows) // 2]
    view.setCurrentIndex(chosen)
    return chosen


@pytest.mark.timeout(120)
def test_the_menu_key_in_the_browse_tree_is_for_the_current_row(qtbot, window, menus):
    open_demo(qtbot, window)
    panel = window.tree_panel
    view = panel.view
    view.setFocus()
    chosen = _pick_a_middle_variable(view, panel.model)
    node = panel.model.node(chosen)
    window.browse.row_menu = lambda _node: Recorder(menus)
    asked = []
    panel.menu_requested.connect(lambda n, where: asked.append((n, where)))
    for send in _keyboard_menu_events(view):
        menus.clear()
        asked.clear()
        send()
        assert view.currentIndex() == chosen  # the current row stays
        assert [n for n, _ in asked] == [node]  # the menu is for it
        assert len(menus) == 1 and _at_current_row(view, menus[0][1])  # at its row


@pytest.mark.timeout(180)
def test_the_menu_key_in_the_comparison_trees_is_for_the_current_row(qtbot, window, menus):
    compare_demo_with_first(qtbot, window)
    trees = window.compare_trees
    for view in (trees.view_a, trees.view_b):
        chosen = _pick_a_middle_variable(view, view.model())
        node = trees.model.node(chosen)
        path = trees.model.tree.path_of(node.pair) if node.pair is not None else node.path
        built = []
        original = trees.row_menu
        trees.row_menu = lambda v, p, built=built, original=original: built.append(v.indexAt(p)) or Recorder(menus)
        for send in _keyboard_menu_events(view):
            menus.clear()
            built.clear()
            send()
            assert view.currentIndex().row() == chosen.row() and view.currentIndex().parent() == chosen.parent()
            assert [trees.model.node(i) for i in built] == [node], path
            assert len(menus) == 1 and _at_current_row(view, menus[0][1])
        trees.row_menu = original
