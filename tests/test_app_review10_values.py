"""Review 10's Values table: numbers cut with "..." (gruv-v1-2016's -0.000998732 in a
90 px column), strings with a NUL byte shown one way in Details and another in the
table, and strings right-aligned like numbers."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle

from ckpt_gui.app.widgets.paged_table import BAND_ELEMENTS, MAX_COLUMN_CHARS, PagedTable
from ckpt_gui.core.checkpoint import Variable
from ckpt_gui.core.format.dtypes import dtype_from_enum
from ckpt_gui.core.views.describe import value_text


@pytest.fixture()
def table(qtbot):
    widget = PagedTable()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    return widget


def cut_cells(table: PagedTable, rows) -> list[str]:
    """The texts of ``rows`` the view cuts: elided to the cell's width less the style's
    text margins (QCommonStyle: the focus frame's margin + 1 on each side)."""
    view, model = table.view, table.model
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    metrics = view.fontMetrics()
    cut = []
    for row in rows:
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text = model.data(index)
            width = view.visualRect(index).width() - margin
            if metrics.elidedText(text, Qt.TextElideMode.ElideRight, width) != text:
                cut.append(text)
    return cut


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_float_is_whole(table, dtype):
    """The longest texts a float can have (format_number: 6 significant digits from
    1e-4, else an exponent), negative, among short ones."""
    values = np.array([[-0.000998732, 0.5], [-1.23457e-05, 1.0], [-999999.0, -2.5e-30]], dtype=dtype)
    if dtype is np.float64:
        values[0, 1] = -8.8888e-308
    table.set_source(values)
    assert cut_cells(table, range(values.shape[0])) == []


def test_integers_are_whole_in_the_first_band_and_in_one_read_later(qtbot, table):
    values = np.zeros((3 * BAND_ELEMENTS, 2), dtype=np.int64)
    values[1, 0] = -(2**40)
    last = values.shape[0] - 1
    values[last, 1] = np.iinfo(np.int64).min  # in a band read only when scrolled to
    table.set_source(values)
    assert cut_cells(table, [1]) == []
    table.go_to_row(last)
    qtbot.waitUntil(lambda: cut_cells(table, [last]) == [], timeout=5000)
    assert cut_cells(table, [1, last]) == []


def test_strings_show_what_cannot_be_seen_as_details_does_left_aligned(table):
    """Review 10: Details said 'a\\x00b', the table "a▯b" (a NUL byte in a box); a byte
    that is no UTF-8 was a replacement character, the string right-aligned."""
    raw = [b"hello", b"a\x00b", "\u00fcn\u00efcode".encode(), b"\xffbin", b"back\\slash"]
    values = np.array(raw, dtype=object)
    table.set_source(values)
    model = table.model
    shown = [model.data(model.index(row, 0)) for row in range(len(raw))]
    assert shown == ["hello", "a\\x00b", "\u00fcn\u00efcode", "\\xffbin", "back\\\\slash"]
    variable = Variable("strs", dtype_from_enum(7), (len(raw),), 0, 0, (), False)  # 7: DT_STRING
    assert value_text(variable, values) == "[" + ", ".join(f"'{text}'" for text in shown) + "]"
    alignment = Qt.AlignmentFlag(model.data(model.index(1, 0), Qt.ItemDataRole.TextAlignmentRole))
    assert alignment & Qt.AlignmentFlag.AlignLeft
    assert cut_cells(table, range(len(raw))) == []


def test_a_long_string_is_cut_at_a_bound_and_whole_in_its_tooltip(table):
    long = "word " * 200
    table.set_source(np.array([long.encode(), b"x"], dtype=object))
    model, view = table.model, table.view
    assert view.columnWidth(0) <= view.fontMetrics().averageCharWidth() * (MAX_COLUMN_CHARS + 10)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == long
