"""Every Tab stop shows that it has the keyboard (review 17, findings C and F): the
comparison's status chips, the Details pane after the Details tab bar, and the trees
(browse and comparison), whose focus showed only as a faint change of the selected row.
Light and dark palettes; offscreen (checked in a real X11 window too)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from ckpt_gui.app import theme
from tests.test_app_desktop import compare_demo_with_first, dark_palette, open_demo
from tests.test_app_ux import light_palette

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)
BAND = 2  # px: the edge a frame is drawn in


@pytest.fixture(params=["light", "dark"])
def palette(request):
    app = QApplication.instance()
    before = app.palette()
    app.setPalette(light_palette() if request.param == "light" else dark_palette())
    yield app.palette()
    app.setPalette(before)


@pytest.fixture()
def compared(qtbot, window, palette):
    compare_demo_with_first(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.wait(50)
    return window


def _band(image: QImage) -> list[QColor]:
    """The pixels of the image's outer BAND px, where a focus frame goes."""
    width, height = image.width(), image.height()
    return [
        image.pixelColor(x, y)
        for y in range(height)
        for x in range(width)
        if x < BAND or y < BAND or x >= width - BAND or y >= height - BAND
    ]


def _shown_on_focus(qtbot, widget: QWidget, away: QWidget) -> float:
    """The share of ``widget``'s edge that turns to a colour standing out from the window
    (WCAG's 3:1 for a control's outline) when the keyboard comes to it by Tab.

    A widget just shown (the Values table after its tab is chosen) may still be laid out
    between the two pictures (CI once grabbed it at two sizes): then the pair is taken
    again, as only two pictures of one size can be compared pixel by pixel."""
    for _ in range(5):
        away.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(away.hasFocus)
        qtbot.wait(20)
        before = _band(widget.grab().toImage())
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        qtbot.wait(20)
        after = _band(widget.grab().toImage())
        if len(before) == len(after):
            break
    window = widget.palette().color(widget.backgroundRole())
    shown = sum(1 for old, new in zip(before, after, strict=True) if old != new and theme.contrast(new, window) >= 3.0)
    return shown / len(after)


def test_a_status_chip_is_framed_when_tab_reaches_it(qtbot, compared):
    bar = compared.compare_trees.summary_bar
    chip = next(button for button in bar.chips.values() if button.isVisible())
    assert _shown_on_focus(qtbot, chip, compared.compare_trees.search) > 0.3


def test_the_comparison_trees_are_framed_when_they_have_the_keyboard(qtbot, compared):
    trees = compared.compare_trees
    for view in (trees.view_a, trees.view_b):
        assert _shown_on_focus(qtbot, view, trees.search) > 0.5


def test_the_details_pane_the_browse_tree_and_the_values_are_framed_with_the_keyboard(qtbot, window, palette):
    open_demo(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    search = window.tree_panel.search
    assert _shown_on_focus(qtbot, window.details, search) > 0.5
    assert _shown_on_focus(qtbot, window.tree_panel.view, search) > 0.5
    window.tensor.setCurrentWidget(window.tensor.table)
    assert _shown_on_focus(qtbot, window.tensor.table.view, search) > 0.5
