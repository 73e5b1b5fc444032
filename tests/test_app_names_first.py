"""Names first in the trees at 1024x640, the default font and a dark desktop's 10 pt
(review 12, 11d). A comparison of eos-ckpt1's ckpt-1 and ckpt-5 read "layer_wi…eights-0
·  dense" in both 300 px trees, where the layer's name fits whole: its hint (the Keras
layer's name) now gives way before the name. And a NaN/Inf badge found by the scan after
the tree's columns were fitted cut the variable's own name to "_k…el   [1 NaN, 1 +Inf]"
beside a whole DType and Bytes (review 13, D1): the columns are fitted again for the
badge, Bytes giving way before the name and DType. Offscreen."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTreeView

from ckpt_gui.app.models.tree_model import BADGE_SEPARATOR, DTYPE, HINT_SEPARATOR
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_browse import open_path
from tests.test_app_review10_names import _tree_text
from tools.bundle_writer import write_bundle

CORPUS_ENV = "CKPT_GUI_REALWORLD"  # as tests/test_realworld.py finds the corpus
ROOT = Path(os.environ.get(CORPUS_ENV) or Path(__file__).resolve().parents[2] / "shared" / "realworld")
EOS = ROOT / "corpus" / "eos-ckpt1-2021"
# A 1024x640 screen's window less its title bar (openbox's, 19 px: the reviews' windows).
REAL_WINDOW = (1024, 620)
WINDOW_SIZE = REAL_WINDOW  # the window fixtures' size


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
        # From the top: it opens on the pair of browse's first choice, since review 17 a
        # layer further down (the largest kernel, layer 2's, is all zeros), scrolled to it.
        view.scrollToTop()
        qtbot.wait(100)
        rows = [(index.data(), shown_text(view, index)) for index in _rows(view)]
        layers = [(data, shown) for data, shown in rows if data.startswith("layer_with_weights-")]
        assert len(layers) == 5, layers
        for data, shown in layers:
            assert shown.split(HINT_SEPARATOR)[0] == data.split(HINT_SEPARATOR)[0], (font_size, view.width(), shown)


def deep_nan(tmp_path) -> Path:
    """Seed 002's layout by keys (no object graph, so no TensorFlow): a NaN and a +Inf in
    the second layer's kernel, five levels down, each weight with two optimizer slots."""
    rng = np.random.default_rng(0)
    value = "/.ATTRIBUTES/VARIABLE_VALUE"
    tensors = []
    for layer, shape in (("1", (784, 64)), ("2", (64, 10))):
        for name, own in (("_kernel", shape), ("bias", shape[1:])):
            values = rng.standard_normal(own).astype(np.float32)
            if layer == "2" and name == "_kernel":
                values[2, 3], values[5, 0] = np.nan, np.inf
            path = f"model/_functional/_operations/{layer}/{name}"
            tensors.append((path + value, "float32", own, values.tobytes()))
            slots = [f"{path}/.OPTIMIZER_SLOT/optimizer/{slot}{value}" for slot in ("m", "v")]
            tensors += [(slot, "float32", own, bytes(4 * values.size)) for slot in slots]
    tensors.append(("save_counter" + value, "int64", (), np.int64(4).tobytes()))
    prefix = tmp_path / "deep" / "ckpt-4"
    prefix.parent.mkdir()
    write_bundle(str(prefix), tensors)
    return prefix


def test_a_nan_badge_found_after_the_fit_leaves_the_name_and_dtype_whole(qtbot, font_size, window, tmp_path):
    """The badge set as the scan sets it, once the tree is open and fitted: with no banner
    shown (the banner's room had changed the tree's width, which refits it, where the
    reviewer's banner was already there)."""
    open_path(qtbot, window, deep_nan(tmp_path))
    qtbot.wait(200)  # the tree opened and its columns fitted
    panel = window.tree_panel
    view = panel.view
    key = "model/_functional/_operations/2/_kernel/.ATTRIBUTES/VARIABLE_VALUE"
    panel.set_nonfinite({key}, {key: "1 NaN, 1 +Inf"})  # as nan_scan.NanScan._show does
    qtbot.wait(200)  # the refit, in a turn of its own
    badged = [index for index in _rows(view) if BADGE_SEPARATOR in index.data()]
    assert len(badged) == 1, [index.data() for index in _rows(view)]  # the tree opens down to it
    index = badged[0]
    shown = shown_text(view, index)
    assert shown == index.data(), (font_size, view.columnWidth(0), shown)  # was "_…l   [1 NaN, 1 +Inf]"
    assert not view.isColumnHidden(DTYPE)
    assert shown_text(view, index.siblingAtColumn(DTYPE)) == "float32"


def test_a_names_hint_does_not_make_the_column_beside_it_give_way(qtbot, font_size):
    """Review 14 without the corpus: a tree whose name column with its hint and a number
    beside do not fit, but the name alone and the number do. What gives way is decided on
    the name without its hint (its hint gives way first), so the number stays."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from ckpt_gui.app.widgets.column_widths import NAME_SHARE, columns_giving_way, measure_columns
    from ckpt_gui.app.widgets.elided_names import names_first

    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(["Name", "Rel. L2"])
    model.appendRow([QStandardItem("layer_with_weights-0" + HINT_SEPARATOR + "dense"), QStandardItem("0.0172774001")])
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    names_first(view)
    view.resize(600, 200)
    view.show()
    limits = {1: 200}
    measured = measure_columns(view, limits)
    number, hinted = measured.contents[1], measured.widest_name
    bare = hinted - view.fontMetrics().horizontalAdvance(HINT_SEPARATOR + "dense")
    wanted = bare + number + 2
    view.resize(view.width() - view.viewport().width() + wanted, 200)
    qtbot.waitUntil(lambda: view.viewport().width() == wanted)
    assert min(hinted, int(wanted * NAME_SHARE)) + number > wanted  # with its hint: no room
    assert columns_giving_way(view, limits, (1,), measured=measure_columns(view, limits)) == []


@pytest.mark.skipif(not EOS.is_dir(), reason=f"the real-world corpus is not at {EOS} (no ../shared/realworld)")
def test_eos_comparison_b_tree_keeps_its_rel_l2_beside_hinted_names_at_1024x640(qtbot, font_size, window):
    """Review 14: at 10 pt, "layer_with_weights-0  ·  dense" took 70% of B's 285 px tree and
    Rel. L2 gave way, B showing names only. A name's hint gives way first (hint_kept), so
    what gives way is decided on the names without their hints; the hints take what is left."""
    from ckpt_gui.app.models.compare_model import REL

    window.resize(*REAL_WINDOW)
    open_path(qtbot, window, EOS / "ckpt-1")
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(EOS / "ckpt-5"))
    view = window.compare_trees.view_b
    qtbot.wait(200)  # the trees' refit, a tree per turn
    view.expandAll()
    qtbot.wait(100)
    assert not view.isColumnHidden(REL), (font_size, view.width())
    rows = list(_rows(view))
    hinted = [index for index in rows if HINT_SEPARATOR in index.data()]
    assert hinted  # the layers' hints are there to give way
    for index in rows:  # each number whole beside its name, and the name whole
        number = index.siblingAtColumn(REL)
        assert shown_text(view, number) == number.data(), (font_size, number.data())
        assert shown_text(view, index).split(HINT_SEPARATOR)[0] == index.data().split(HINT_SEPARATOR)[0]


@pytest.mark.parametrize("spare", [10, 25])
def test_a_strip_narrower_than_the_names_room_goes_to_the_names(qtbot, font_size, spare):
    """Issue 11 at 1024x640: a comparison tree's names fitted whole with their room
    (NAME_ROOM) left a blank strip of 10 to 25 px at the tree's right edge, next to
    "optimizer  ·  ada…" in the other tree. A strip that narrow sets nothing apart: the
    name column takes it (stretching); so does one up to the names' own width (review
    15); a wide tree still leaves the rest blank."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from ckpt_gui.app.widgets.column_widths import NAME_ROOM, names_then_room, stretch_names
    from ckpt_gui.app.widgets.elided_names import names_first

    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(["Name", "Status"])
    group = QStandardItem("optimizer" + HINT_SEPARATOR + "adam_1")
    group.appendRow([QStandardItem("_iterations"), QStandardItem("changed")])
    model.appendRow([group, QStandardItem("1 changed")])
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    names_first(view)
    view.expandAll()
    view.show()
    widest = view.sizeHintForColumn(0)
    beside = view.fontMetrics().horizontalAdvance("1 changed") + 20
    names = widest + NAME_ROOM
    # Review 15: a strip of 45 to 125 px beside names of 200 px was a blank band too; the
    # strip is left blank only where the names stretched would be more than twice theirs.
    for extra, blank in ((spare, False), (NAME_ROOM + spare, False), (names + NAME_ROOM + spare, True)):
        wanted = names + beside + extra
        view.resize(view.width() - view.viewport().width() + wanted, 200)
        qtbot.waitUntil(lambda wanted=wanted: view.viewport().width() == wanted)
        stretch_names(view, True)  # as the fits measure
        view.setColumnWidth(1, beside)
        names_then_room(view, beside, widest)
        qtbot.wait(10)  # the header's stretch, laid out
        strip = view.viewport().width() - view.columnWidth(0) - view.columnWidth(1)
        if blank:  # wide: the names what they need, the rest blank after the last column
            assert strip >= NAME_ROOM, (extra, strip)
        else:  # the old code: a strip of `spare` (or NAME_ROOM + `spare`) px left blank
            assert strip <= 1, (extra, strip, view.columnWidth(0))


@pytest.mark.parametrize("compared", [False, True], ids=["browse-doctor", "comparison"])
def test_a_hinted_group_the_style_paints_whole_is_not_cut(qtbot, font_size, compared):
    """Issue 11 in the dark desktop's 10 pt: a comparison's B tree at 1024x640 read
    "optimizer  ·  ada…" in a cell whose style paints the whole "optimizer  ·  adam_1":
    the delegate kept 10 px of margins where Fusion keeps 6. In the room the style
    leaves (shown_text's), the group is whole; a pixel less, its hint gives way first."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    from ckpt_gui.app.widgets.compare_trees import PathElided
    from ckpt_gui.app.widgets.elided_names import names_first

    name, hint = "optimizer", "adam_1"
    model = QStandardItemModel()
    model.appendRow(QStandardItem(name + HINT_SEPARATOR + hint))
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    names_first(view)
    if compared:
        view.setItemDelegateForColumn(0, PathElided(view, None))
    view.header().setStretchLastSection(False)  # the name column at the width set
    view.show()
    index = model.index(0, 0)
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    whole = math.ceil(QFontMetricsF(view.font()).horizontalAdvance(name + HINT_SEPARATOR + hint))  # as Qt elides
    indent = view.visualRect(index).x()
    for extra, fits in ((0, True), (8, True), (-1, False)):
        view.setColumnWidth(0, indent + whole + 2 * margin + extra)
        shown = shown_text(view, index)
        if fits:  # the old code: "optimizer  ·  ada…"
            assert shown == name + HINT_SEPARATOR + hint, (extra, shown)
        else:
            assert shown.split(HINT_SEPARATOR)[0] == name and shown != index.data(), (extra, shown)
