"""Review 19's focus findings, by pixels (offscreen, light and dark palettes):
F7, the tab bars' focused tab marked by a faint fill only; F13, the Restore report's
notes, problem table and detail with no focus mark, its chips with Qt's thin solid
frame where the comparison's have a dashed one; F1, the Details ring drawn over the
underscores of its last visible line."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QTabBar, QWidget

from ckpt_gui.app import theme
from tests import test_app_focus_visible
from tests.test_app_desktop import open_demo
from tests.test_app_focus_visible import (
    _shown_on_focus,
)
from tests.test_app_layout import _show_report

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
palette = test_app_focus_visible.palette  # the light and dark palettes: one fixture for the focus tests
WINDOW_SIZE = (1024, 640)  # the reviewer's screen
BAND = 2  # px: the width of a focus frame


@pytest.fixture()
def demo(qtbot, window, palette):
    open_demo(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.tree_panel.select_key(next(v.key for v in window.browse.ckpt.variables if len(v.shape) == 4))
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    qtbot.wait(50)
    return window


def _pictures(qtbot, widget: QWidget, away: QWidget) -> tuple[QImage, QImage]:
    """``widget`` without the keyboard, then with it (reached by Tab), at one size."""
    for _ in range(5):
        away.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(away.hasFocus)
        qtbot.wait(20)
        before = widget.grab().toImage()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        qtbot.wait(20)
        after = widget.grab().toImage()
        if before.size() == after.size():
            return before, after
    raise AssertionError(f"{widget} changed size between its pictures")


def _marked(before: QImage, after: QImage, x: int, y: int, window: QColor) -> bool:
    """Whether the pixel turned to a colour that stands out from the window as a
    control's outline must (WCAG's 3:1)."""
    new = after.pixelColor(x, y)
    return new != before.pixelColor(x, y) and theme.contrast(new, window) >= 3.0


def _edge_runs(before: QImage, after: QImage, rect: QRect, window: QColor) -> tuple[float, int]:
    """The share of ``rect``'s edge band (BAND px inside it) marked on focus, and the runs
    of marked pixels along the band's top edge (its fullest row): 1 for a solid line, more for dashes."""
    edge = [
        (x, y)
        for y in range(rect.top(), rect.bottom() + 1)
        for x in range(rect.left(), rect.right() + 1)
        if x < rect.left() + BAND or y < rect.top() + BAND or x > rect.right() - BAND or y > rect.bottom() - BAND
    ]
    share = sum(_marked(before, after, x, y, window) for x, y in edge) / len(edge)
    runs = 0
    for y in range(rect.top(), rect.top() + BAND):
        row = [_marked(before, after, x, y, window) for x in range(rect.left(), rect.right() + 1)]
        runs = max(runs, sum(1 for i, on in enumerate(row) if on and (i == 0 or not row[i - 1])))
    return share, runs


def _frame_of_current_tab(qtbot, bar: QTabBar, away: QWidget) -> tuple[float, int]:
    """How the current tab's frame shows once the bar has the keyboard: _edge_runs of the
    tab's area inside it (where a frame round its text goes), any inset up to 5 px."""
    before, after = _pictures(qtbot, bar, away)
    window = bar.palette().color(bar.backgroundRole())
    tab = bar.tabRect(bar.currentIndex())
    return max((_edge_runs(before, after, tab.adjusted(i, i, -i, -i), window) for i in range(6)), key=lambda r: r[0])


def test_the_focused_tab_of_each_tab_bar_has_a_dashed_frame(qtbot, demo):
    """F7: Tab from the tree reaches the "Details | Restore report | Graph" bar, then the
    tensor panel's "Heatmap | Values": each shows the tab it is on by a dashed frame in
    the focus colour, as a status chip does, not by a fill hardly lighter than the tab."""
    away = demo.tree_panel.search
    for bar in (demo.info_tabs.tabBar(), demo.tensor.tabBar()):
        share, runs = _frame_of_current_tab(qtbot, bar, away)
        assert share > 0.3, (bar.tabText(bar.currentIndex()), share)
        assert runs >= 3, (bar.tabText(bar.currentIndex()), runs)  # dashes, not a line
    bar = demo.info_tabs.tabBar()
    bar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(bar, Qt.Key.Key_Right)  # the arrow keys move along the tabs: the frame goes with them
    assert bar.currentIndex() == 1
    assert _frame_of_current_tab(qtbot, bar, away)[0] > 0.3


def test_the_restore_reports_panes_are_framed_and_its_chips_dashed_as_the_comparisons(qtbot, demo):
    """F13: Tab through the Restore report: the notes, the problem table and the selected
    problem's pane are framed as the trees and the Values table are; the chips show the
    keyboard by the comparison chips' dashed frame (they had Qt's thin solid one)."""
    _show_report(qtbot, demo)
    panel = demo.report_panel
    away = demo.tree_panel.search
    for pane in (panel.notes_area, panel.problems, panel.detail_area):
        assert pane.isVisible()
        assert _shown_on_focus(qtbot, pane, away) > 0.5, pane
    chip = next(button for button in panel.legend.values() if button.isVisible())
    before, after = _pictures(qtbot, chip, away)
    share, runs = _edge_runs(before, after, chip.rect(), chip.palette().color(chip.backgroundRole()))
    assert share > 0.3, share
    assert runs >= 3, runs  # dashed, as the comparison's chips


def test_the_details_ring_covers_none_of_its_text(qtbot, demo):
    """F1: the ring lay on the Details' last visible line, its underscores hidden: what
    the pane shows is the same with the ring as without it, the ring outside it."""
    details = demo.details
    before, after = _pictures(qtbot, details, demo.tree_panel.search)
    page = details.viewport().geometry()
    assert before.copy(page) == after.copy(page), page
    assert _shown_on_focus(qtbot, details, demo.tree_panel.search) > 0.5  # the ring is there, round it
