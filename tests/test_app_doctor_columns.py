"""The doctor's tables at 1024 and 1280 px (review findings 6 and 7): in the variable
tree, Elements then Bytes give way before a name below the root is cut; in the problem
table the suggestion gets the width the other columns leave. Offscreen, no TensorFlow:
the report is made of the demo checkpoint's own keys and shapes (tests/test_app_layout.py)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont

from ckpt_gui.app.models.tree_model import BYTES, ELEMENTS, NAME, RESTORE
from tests.test_app_desktop import open_demo
from tests.test_app_layout import _show_report


@pytest.fixture()
def desktop_font(qapp):
    """The 10 pt font of a desktop (the review's X11 session); offscreen Qt has 9 pt,
    where every name happened to fit."""
    font = qapp.font()
    qapp.setFont(QFont(font.family(), 10))
    yield
    qapp.setFont(font)


@pytest.fixture(params=[(1024, 640), (1280, 800)], ids=["1024", "1280"])
def doctor(request, qtbot, desktop_font, window):
    window.resize(*request.param)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.size().toTuple() == request.param, timeout=2000)
    _show_report(qtbot, window)
    window.tree_panel.fit_columns()
    qtbot.wait(100)
    return window


def _cut_nested_names(view) -> list[str]:
    cut = []
    index = view.indexAt(view.rect().topLeft())
    while index.isValid():
        indent = view.visualRect(index).x() - view.columnViewportPosition(NAME)
        if index.parent().isValid() and indent + view.sizeHintForIndex(index).width() > view.columnWidth(NAME):
            cut.append(index.data())
        index = view.indexBelow(index)
    return cut


def test_elements_and_bytes_give_way_before_a_name_is_cut(qtbot, doctor):
    view = doctor.tree_panel.view
    assert not view.isColumnHidden(RESTORE)
    cut = _cut_nested_names(view)
    assert not cut or (view.isColumnHidden(ELEMENTS) and view.isColumnHidden(BYTES)), (
        cut, view.isColumnHidden(ELEMENTS), view.isColumnHidden(BYTES))  # fmt: skip


def test_the_suggestion_gets_the_width_the_status_and_shapes_leave(qtbot, doctor):
    # The Suggestion column had 4 characters ("boun", "its va") at the table's right edge
    # while the variable took 300 px: the variable path is what gives way (cut in the middle).
    from tests.test_app_layout import _whole

    problems = doctor.report_panel.problems
    rows = [problems.topLevelItem(i) for i in range(problems.topLevelItemCount())]
    viewport = problems.viewport().width()
    assert not _whole(problems, 0, [row.text(0) for row in rows])
    assert not _whole(problems, 2, [row.text(2) for row in rows])
    assert sum(problems.columnWidth(c) for c in range(4)) <= viewport + 1  # nothing past the edge
    assert problems.columnWidth(3) >= 0.3 * viewport - 1
    for row in rows:
        assert row.toolTip(3) == row.text(3)  # cut at its end, whole in the tooltip
