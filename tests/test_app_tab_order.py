"""Review 20 G14: Tab from the start reached the checkpoint picker (the path bar's
combo box) only after the panes. The focus order follows the reading order: the
path bar, the banner, the tree (or the comparison's trees), the tabs and plots on the
right, then the status bar's controls; in browse, compare and doctor modes alike."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolBar, QWidget

from tests.test_app_desktop import compare_demo_with_first, open_demo
from tests.test_app_layout import _show_report

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)


def _regions(window) -> list[tuple[str, QWidget]]:
    """The window's parts in reading order."""
    return [
        ("path bar", window.findChild(QToolBar, "checkpoint-toolbar")),
        ("banner", window.banner),
        ("left", window.left_stack),
        ("right", window.right_stack),
        ("status bar", window.statusBar()),
    ]


def _region(window, widget: QWidget) -> int | None:
    for rank, (_name, part) in enumerate(_regions(window)):
        if widget is part or part.isAncestorOf(widget):
            return rank
    return None


def _tab_stops(window, shown_only: bool) -> list[QWidget]:
    """The chain from the window itself (where Tab starts with nothing focused), once round."""
    stops, widget = [], window
    for _ in range(5000):
        widget = widget.nextInFocusChain()
        if widget is window:
            return stops
        takes_tab = (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) == Qt.FocusPolicy.TabFocus
        if takes_tab and (not shown_only or (widget.isVisible() and widget.isEnabled())):
            stops.append(widget)
    raise AssertionError("the focus chain never came back to the window")


def _assert_reading_order(window, mode: str) -> None:
    # The status bar's Cancel as while a job runs (a comparison, a diagnosis).
    window.status_bar._busy = lambda: True
    window.status_bar._on_busy()
    assert window.cancel_button.isVisible()
    ranks = [(_region(window, w), w) for w in _tab_stops(window, shown_only=True)]
    ranked = [(rank, w) for rank, w in ranks if rank is not None]
    out_of_order = [(w, rank) for (before, _), (rank, w) in zip(ranked, ranked[1:], strict=False) if rank < before]
    assert not out_of_order, f"{mode}: {out_of_order}"
    shown = [w for _rank, w in ranks]
    assert shown[-1] is window.cancel_button, f"{mode}: {shown[-1]}"
    window.status_bar._busy = lambda: window.busy
    window.status_bar._on_busy()
    assert shown[0] is window.picker, f"{mode}: Tab from the start reaches {shown[0]} first"
    assert _region(window, shown[1]) == 2, f"{mode}: after the picker, {shown[1]}"  # the left pane, not the banner's


def _tab_from(qtbot, widget: QWidget) -> QWidget:
    """Where one Tab (focusNextChild) from ``widget`` lands."""
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)
    widget.focusNextChild()
    return QApplication.focusWidget()


def _shown(window):
    window.activateWindow()
    return window


def test_browse_tab_starts_at_the_picker_then_the_tree_then_the_tabs(qtbot, window):
    open_demo(qtbot, window)
    _shown(window)
    qtbot.waitUntil(window.isActiveWindow)
    _assert_reading_order(window, "browse")
    panel = window.tree_panel
    assert panel.isAncestorOf(_tab_from(qtbot, window.picker))  # the picker, then the tree's controls
    landed = _tab_from(qtbot, panel.view)  # the tree, then the tabs on the right
    assert landed in (window.info_tabs, window.info_tabs.tabBar()), landed
    # The last stop of the window wraps round to the picker, not into the panes.
    last = _tab_stops(window, shown_only=True)[-1]
    assert _tab_from(qtbot, last) is window.picker


def test_compare_tab_starts_at_the_picker_then_the_trees_then_the_pair(qtbot, window):
    compare_demo_with_first(qtbot, window)
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    _shown(window)
    qtbot.waitUntil(window.isActiveWindow)
    _assert_reading_order(window, "compare")
    assert window.compare_trees.isAncestorOf(_tab_from(qtbot, window.picker))
    last = _tab_stops(window, shown_only=True)[-1]
    assert window.pair_panel.isAncestorOf(last) and _tab_from(qtbot, last) is window.picker
    window.compare.close()  # browsing again: its order stands as before the comparison
    qtbot.waitUntil(lambda: window.left_stack.currentWidget() is window.tree_panel)
    _assert_reading_order(window, "browse after compare")


def test_doctor_tab_starts_at_the_picker_then_the_tree_then_the_report(qtbot, window):
    open_demo(qtbot, window)
    _show_report(qtbot, window)
    _shown(window)
    qtbot.waitUntil(window.isActiveWindow)
    _assert_reading_order(window, "doctor")
    assert window.tree_panel.isAncestorOf(_tab_from(qtbot, window.picker))
    landed = _tab_from(qtbot, window.tree_panel.view)
    assert landed is window.info_tabs.tabBar() or window.info_tabs.isAncestorOf(landed), landed
