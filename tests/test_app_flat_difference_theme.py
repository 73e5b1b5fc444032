"""B - A with no difference, in a dark theme (review 22, #13): the diverging map's
neutral grey for 0 made the plane a light-grey block on the dark window. It is now one
colour of the palette, a shade off the plots' background, in either theme, and follows
a change of palette; a pair that differs is drawn in the map again. Offscreen."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.pair_view import pair_view
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import contrast, dark_palette


def _diff(first: str, second: str):
    diff = pair_variables(Checkpoint.open(first), Checkpoint.open(second))
    compare_all(diff)
    return diff


def _kernel(diff, status: str):
    return next(p for p in diff.pairs if p.status == status and p.a is not None and len(p.a.shape) == 2)


def _plane_colour(qtbot, panel) -> QColor:
    """The colour drawn at the middle of B - A's plane, as the widget paints it."""
    qtbot.wait(50)
    item, view = panel.images[2], panel.heatmap_view
    middle = item.mapToScene(QPointF(item.width() / 2, item.height() / 2))
    at = view.mapFromScene(middle)
    return view.grab().toImage().pixelColor(at.x(), at.y())


@pytest.fixture()
def panel(qtbot):
    from ckpt_gui.app.widgets.pair_panel import PairPanel

    app = QApplication.instance()
    before = app.palette()
    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 560)
    panel.show()
    qtbot.waitExposed(panel)
    yield panel
    app.setPalette(before)


@pytest.mark.parametrize("palette", [dark_palette, QPalette], ids=["dark", "light"])
def test_a_plane_with_no_difference_follows_the_palette(qtbot, panel, palette):
    QApplication.instance().setPalette(palette())
    diff = _diff(demo_path(), demo_path())  # the checkpoint with itself: every pair the same
    pair = _kernel(diff, DiffStatus.SAME)
    view = pair_view(diff, pair, 20)
    assert view.image_diff is not None and not np.any(np.nan_to_num(view.image_diff))
    panel.show_view(view)
    assert "B - A: no difference" in panel.heatmap_note.text
    base = QApplication.instance().palette().color(QPalette.ColorRole.Base)
    plane = _plane_colour(qtbot, panel)
    assert contrast(plane, base) < 1.5, (plane.name(), base.name())  # was #dddddd on #1e1e1e: 12.6


def test_the_plane_follows_a_change_of_palette_and_a_difference_gets_the_map_back(qtbot, panel):
    diff = _diff(demo_path(), demo_path())
    panel.show_view(pair_view(diff, _kernel(diff, DiffStatus.SAME), 20))
    light = _plane_colour(qtbot, panel)
    QApplication.instance().setPalette(dark_palette())
    qtbot.wait(50)
    dark = _plane_colour(qtbot, panel)
    base = dark_palette().color(QPalette.ColorRole.Base)
    assert contrast(dark, base) < 1.5 and contrast(light, dark) > 3, (light.name(), dark.name())
    # A pair that differs: its B - A in the diverging map, not in the flat shade.
    changed = _diff(os.path.join(demo_path(), "ckpt-100"), demo_path())
    view = pair_view(changed, _kernel(changed, DiffStatus.CHANGED), 20)
    panel.show_view(view)
    lut = panel.images[2].lut
    lut = lut(None) if callable(lut) else lut
    assert len({tuple(row) for row in np.asarray(lut)}) > 2
