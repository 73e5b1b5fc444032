"""Under the chip of one status, tree A's Status column gives way before Shape (review
17, D): every pair shown has that status and the chip says it. It went first only when
it did not fit even alone, so one window width showed Status and hid Shape, another the
other way round. With no chip, or two, shapes give way first (README)."""

from __future__ import annotations

import pytest

from ckpt_gui.app.models.compare_model import SHAPE_A, STATUS
from ckpt_gui.core.statuses import DiffStatus
from tests.test_app_desktop import compare_demo_with_first

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)
WIDTHS = (1024, 1100, 1300, 1500, 1900)  # tree A from about 300 px to 560


@pytest.fixture()
def compared(qtbot, window):
    return compare_demo_with_first(qtbot, window)


def _shown_at(qtbot, window, width: int) -> tuple[bool, bool]:
    """Whether tree A shows (Shape, Status) in a window ``width`` px wide."""
    window.resize(width, 640)
    qtbot.waitUntil(lambda: window.width() == width)
    window.compare_trees.fit_columns()
    view = window.compare_trees.view_a
    return not view.isColumnHidden(SHAPE_A), not view.isColumnHidden(STATUS)


def test_under_one_status_the_status_column_gives_way_first(qtbot, compared):
    compared.compare_trees.summary[DiffStatus.CHANGED].setChecked(True)
    seen = {width: _shown_at(qtbot, compared, width) for width in WIDTHS}
    assert all(shape for shape, _status in seen.values()), seen  # Status went first, Shape stayed
    assert seen[WIDTHS[-1]] == (True, True), seen  # with room, both


def test_without_a_chip_shapes_give_way_first(qtbot, compared):
    seen = {width: _shown_at(qtbot, compared, width) for width in WIDTHS}
    assert all(status for _shape, status in seen.values()), seen  # Status never went before Shape
