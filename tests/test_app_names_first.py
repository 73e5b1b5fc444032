"""Names first in the trees at 1024x640, the default font and a dark desktop's 10 pt
(review 12, 11d). A comparison of eos-ckpt1's ckpt-1 and ckpt-5 read "layer_wi…eights-0
·  dense" in both 300 px trees, where the layer's name fits whole: its hint (the Keras
layer's name) now gives way before the name. Offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTreeView

from ckpt_gui.app.models.tree_model import HINT_SEPARATOR
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_browse import open_path
from tests.test_app_review10_names import _tree_text

CORPUS_ENV = "CKPT_GUI_REALWORLD"  # as tests/test_realworld.py finds the corpus
ROOT = Path(os.environ.get(CORPUS_ENV) or Path(__file__).resolve().parents[2] / "shared" / "realworld")
EOS = ROOT / "corpus" / "eos-ckpt1-2021"
# A 1024x640 screen's window less its title bar (openbox's, 19 px: the reviews' windows).
REAL_WINDOW = (1024, 620)


@pytest.fixture(params=[9, 10], ids=["default-font", "desktop-10pt"])
def font_size(request, qapp):
    """Offscreen Qt's 9 pt font, and the 10 pt a gtk3 desktop theme (the dark one) sets."""
    font = qapp.font()
    qapp.setFont(QFont(font.family(), request.param))
    yield request.param
    qapp.setFont(font)


def shown_text(view: QTreeView, index: QModelIndex) -> str:
    """The text a row's cell paints: its delegate's text, elided in the room the style
    leaves for it (the cell less its text margins, QCommonStyle's)."""
    option = QStyleOptionViewItem()
    option.rect = view.visualRect(index)
    view.itemDelegateForIndex(index).initStyleOption(option, index)
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return option.fontMetrics.elidedText(option.text, option.textElideMode, option.rect.width() - 2 * margin)


def _rows(view: QTreeView):
    index = view.indexAt(view.rect().topLeft()).siblingAtColumn(view.treePosition())
    while index.isValid():
        yield index
        index = view.indexBelow(index).siblingAtColumn(view.treePosition())


@pytest.mark.parametrize("compared", [False, True], ids=["browse-doctor", "comparison"])
def test_a_group_name_that_fits_alone_is_whole_its_hint_giving_way(qtbot, compared):
    name, hint = "layer_with_weights-0", "dense"
    metrics = QTreeView().fontMetrics()
    alone, with_start = metrics.horizontalAdvance(name), metrics.horizontalAdvance(name + HINT_SEPARATOR + "den\u2026")
    seen = set()
    for width in range(alone + 20, with_start + 40, 3):
        shown = _tree_text(qtbot, name + HINT_SEPARATOR + hint, width, compared)
        assert shown.split(HINT_SEPARATOR)[0] == name, (width, shown)  # the old code: "layer_wi…eights-0  ·  dense"
        seen.add(shown)
    assert name in seen  # at some width the hint has given way whole


@pytest.mark.skipif(not EOS.is_dir(), reason=f"the real-world corpus is not at {EOS} (no ../shared/realworld)")
def test_eos_comparison_trees_keep_every_layer_name_whole_at_1024x640(qtbot, font_size, window):
    window.resize(*REAL_WINDOW)
    open_path(qtbot, window, EOS / "ckpt-1")
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(EOS / "ckpt-5"))
    trees = window.compare_trees
    qtbot.wait(200)  # the trees' refit, a tree per turn
    for view in (trees.view_a, trees.view_b):
        view.expandAll()  # as the comparison opens at 1024x640: a scroll bar beside the rows
        qtbot.wait(100)
        rows = [(index.data(), shown_text(view, index)) for index in _rows(view)]
        layers = [(data, shown) for data, shown in rows if data.startswith("layer_with_weights-")]
        assert len(layers) == 5, layers
        for data, shown in layers:
            assert shown.split(HINT_SEPARATOR)[0] == data.split(HINT_SEPARATOR)[0], (font_size, view.width(), shown)
