"""The doctor's tables at 1024 and 1280 px (review findings 6 and 7): in the variable
tree, Elements then Bytes give way before a name below the root is cut; in the problem
table the suggestion gets the width the other columns leave. Offscreen, no TensorFlow:
the report is made of the demo checkpoint's own keys and shapes (tests/test_app_layout.py)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont

from ckpt_gui.app.models.tree_model import BYTES, ELEMENTS, NAME, RESTORE
from tests.conftest import painted_texts
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


def test_the_variable_keeps_a_name_end_beside_the_shapes(qtbot, doctor):
    # At 1024 px beside the tree the variable column had kept only "..." while the shapes
    # said their dtype twice ("[16] float32 / [32] float32"): the dtype is said once, and
    # the variable keeps 14 characters' width, its name's end when that narrow.
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyleOptionViewItem

    from ckpt_gui.app.widgets.report_panes import VARIABLE_COLUMN
    from ckpt_gui.app.widgets.report_problems import VARIABLE_LEAST_CHARS

    problems = doctor.report_panel.problems
    rows = [problems.topLevelItem(i) for i in range(problems.topLevelItemCount())]
    same_dtype = [r for r in rows if r.data(0, Qt.ItemDataRole.UserRole).checkpoint_dtype
                  == r.data(0, Qt.ItemDataRole.UserRole).model_dtype]  # fmt: skip
    assert same_dtype and all(r.text(2).count("float32") == 1 for r in same_dtype), [r.text(2) for r in rows]
    least = min(problems.sizeHintForColumn(VARIABLE_COLUMN),
                VARIABLE_LEAST_CHARS * problems.fontMetrics().averageCharWidth())  # fmt: skip
    assert problems.columnWidth(VARIABLE_COLUMN) >= least
    assert sum(problems.columnWidth(c) for c in range(4)) <= problems.viewport().width() + 1
    index = problems.model().index(0, VARIABLE_COLUMN)
    option = QStyleOptionViewItem()
    option.rect = problems.visualRect(index)
    problems.itemDelegate().initStyleOption(option, index)
    narrow = option.rect.width() < 24 * option.fontMetrics.averageCharWidth()
    wanted = Qt.TextElideMode.ElideLeft if narrow else Qt.TextElideMode.ElideMiddle
    assert option.textElideMode == wanted


def test_a_narrow_report_hides_a_suggestion_it_would_cut_to_a_letter(qtbot, doctor):
    # The report pane dragged narrow (the tree given 60% at 1024 px): the suggestion had
    # kept a letter ("t"); a suggestion left under 12 characters is hidden (the pane under
    # the table shows it whole), and the variable takes that room.
    from ckpt_gui.app.widgets.report_panes import VARIABLE_COLUMN
    from ckpt_gui.app.widgets.report_problems import SUGGESTION_COLUMN, SUGGESTION_LEAST_CHARS

    problems = doctor.report_panel.problems
    char = problems.fontMetrics().averageCharWidth()
    for share in (0.42, 0.55, 0.7):
        width = sum(doctor.main_splitter.sizes())
        doctor.main_splitter.setSizes([int(width * share), width - int(width * share)])
        qtbot.wait(150)  # refit_on_resize's timer
        hidden = problems.isColumnHidden(SUGGESTION_COLUMN)
        assert hidden or problems.columnWidth(SUGGESTION_COLUMN) >= SUGGESTION_LEAST_CHARS * char - 1, share
        if hidden:  # the variable takes the room the status and shapes leave
            room = problems.viewport().width() - problems.columnWidth(0) - problems.columnWidth(2)
            assert problems.columnWidth(VARIABLE_COLUMN) >= min(problems.sizeHintForColumn(VARIABLE_COLUMN), room) - 1
        detail = doctor.report_panel.detail.text()
        assert problems.currentItem().toolTip(SUGGESTION_COLUMN).split("\n")[0][:30] in detail.replace("<br>", "\n")
    assert hidden or doctor.width() > 1024, "at 1024 px the narrowest split hides the suggestion"


def _shown(view, column: int) -> list[str]:
    return painted_texts(view, column, margin=10)


def test_a_cut_variable_keeps_the_part_that_tells_its_row_apart(qtbot, doctor):
    # At 1024 px the problem table read "…ns/3/_kernel", "…ing_variance", "…earning_rate":
    # cut at a character, half a layer number and half of what a moving_mean row differs
    # by. A cut name keeps its distinct end in whole parts ("…/3/_kernel", "…/moving_variance").
    from ckpt_gui.app.widgets.report_panes import VARIABLE_COLUMN

    problems = doctor.report_panel.problems
    names = [problems.topLevelItem(r).text(VARIABLE_COLUMN) for r in range(problems.topLevelItemCount())]
    shown = _shown(problems, VARIABLE_COLUMN)
    assert len(set(shown)) == len(set(names)), shown
    for name, text in zip(names, shown, strict=True):
        last = name.rsplit("/", 1)[-1]
        assert text == name or text.startswith("\u2026/") or text.endswith("/\u2026"), (name, text)
        assert last in text or text.endswith("/\u2026"), (name, text)


@pytest.mark.parametrize("marker", ["  (model only)", "  (slot)"])
def test_a_cut_name_keeps_its_row_kind_whole(qtbot, desktop_font, marker):
    # The doctor's tree at 1024 px, 10 pt: model-only rows read "_kernel (m…el only)",
    # the marker cut in the middle of the whole text. The name is cut, the marker kept.
    from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

    from ckpt_gui.app.models.tree_model import MARKERS
    from ckpt_gui.app.widgets.elided_names import names_first

    assert marker in MARKERS
    view = QTreeWidget()
    view.setColumnCount(2)
    qtbot.addWidget(view)
    names_first(view)
    view.addTopLevelItems([QTreeWidgetItem([name + marker, ""]) for name in ("_kernel", "moving_variance", "b")])
    view.show()
    metrics = view.fontMetrics()
    view.setColumnWidth(0, metrics.horizontalAdvance("_kerne" + marker) + 10 + view.indentation())
    qtbot.wait(20)
    shown = _shown(view, 0)
    assert shown[2] == "b" + marker
    for name, text in zip(("_kernel", "moving_variance"), shown[:2], strict=True):
        assert text.endswith(marker) and text[0] == name[0] and "\u2026" in text, (name, text)


@pytest.mark.parametrize("marker", ["  (model only)", "  (slot)"])
def test_a_name_too_narrow_for_its_marker_keeps_the_name(qtbot, desktop_font, marker):
    # A real window at 1024 px: a model-only bias read "(model only)" alone, its name
    # dropped for the marker. Under NAME_LEAST_CHARS the marker goes (the row's italics
    # and its Restore column say its kind), the name stays.
    from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

    from ckpt_gui.app.widgets.elided_names import names_first

    view = QTreeWidget()
    view.setColumnCount(2)
    qtbot.addWidget(view)
    names_first(view)
    view.addTopLevelItems([QTreeWidgetItem([name + marker, ""]) for name in ("bias", "_kernel", "moving_variance")])
    view.show()
    metrics = view.fontMetrics()
    view.setColumnWidth(0, metrics.horizontalAdvance("_ker" + marker) + 10 + view.indentation())
    qtbot.wait(20)
    for name, text in zip(("bias", "_kernel", "moving_variance"), _shown(view, 0), strict=True):
        assert text.strip("\u2026") and text[0] == name[0], (name, text)  # never the marker alone
        assert text.endswith(marker) or marker.strip() not in text, (name, text)  # whole, or not at all
