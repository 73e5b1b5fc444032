"""Review 19, F6: the NaN/Inf scan's finding came as a banner seconds after the open and
pushed the tree down ~30 px under the pointer, a click landing on another row. It is
said where nothing moves: the status bar, and the 'NaN/Inf only' box it says to tick,
drawn red until ticked (offscreen, DejaVu, light and dark palettes)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from ckpt_gui.app import theme
from ckpt_gui.app.nan_scan import NAN_TIP
from tests import test_app_focus_visible
from tests.conftest import wait_drawn
from tests.test_app_desktop import WAIT_MS
from tests.test_app_ux import open_path
from tools.bundle_writer import write_bundle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
palette = test_app_focus_visible.palette  # the light and dark palettes: one fixture for the focus tests
WINDOW_SIZE = (1024, 640)  # the reviewer's screen


def _one_nan(folder) -> str:
    """Six variables, the last holding a NaN."""
    folder.mkdir()
    values = [np.arange(16, dtype=np.float32) + i for i in range(6)]
    values[-1][3] = np.nan
    prefix = str(folder / "ckpt")
    write_bundle(prefix, [(f"layer_{i}/bias", "float32", (16,), v.tobytes()) for i, v in enumerate(values)])
    return prefix


def _rows_on_screen(view) -> list[tuple[int, int]]:
    """Where each top-level row of ``view`` is on the screen (its top-left corner)."""
    model = view.model()
    places = []
    for row in range(model.rowCount()):
        rect = view.visualRect(model.index(row, 0))
        corner = view.viewport().mapToGlobal(rect.topLeft())
        places.append((corner.x(), corner.y()))
    return places


def test_the_trees_rows_stay_put_when_the_scan_finds_nan(qtbot, window, tmp_path, palette):
    open_path(qtbot, window, _one_nan(tmp_path / "ckpt"))
    panel = window.tree_panel
    qtbot.wait(100)  # laid out as the user sees it before the scan ends
    before = _rows_on_screen(panel.view)
    assert len(before) >= 6
    window.browse.start_scan()  # as on open: its result comes seconds later
    qtbot.waitUntil(lambda: panel.nonfinite is not None, timeout=WAIT_MS)
    wait_drawn(qtbot)  # the notice, if told in a turn of its own (the banner was)
    qtbot.wait(100)  # and any layout it asked for, done
    assert _rows_on_screen(panel.view) == before
    assert window.status_message().endswith(NAN_TIP)
    # Told where the user looks for it: the box to tick, red as the badge of the row it lists.
    box = panel.nan_box
    red = box.palette().color(QPalette.ColorRole.WindowText)
    window_colour = box.palette().color(QPalette.ColorRole.Window)
    assert red.red() > max(red.green(), red.blue()) + 60, red.name()
    assert theme.contrast(red, window_colour) >= 4.5, (red.name(), window_colour.name())
    assert box.text().endswith("(1)")
    box.setChecked(True)  # the tip has done its job: the box its own colour, the status bar plain
    assert box.palette().color(QPalette.ColorRole.WindowText) == QApplication.palette().color(
        QPalette.ColorRole.WindowText
    )
    assert window.status_message() == "1 variable holds NaN or Inf"
