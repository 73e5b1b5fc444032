"""Review 10, finding 7: at 1024x640 the doctor's names were cut where it matters. The
problem table read "…r_with_weights-2/b…" (the layer's number half there, the leaf
cut), the tree "layer_with_w…  ·  dense_2" (the layer's number gone; a comparison's
trees as well). Offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionViewItem, QTreeView, QTreeWidget

from ckpt_gui.app.models.tree_model import HINT_SEPARATOR
from ckpt_gui.app.widgets.distinct_names import DistinctElided, distinct_ends
from ckpt_gui.app.widgets.elided_names import names_first
from ckpt_gui.app.widgets.flat_paths import PathElided

LAYERS = range(5)
LEAVES = ("bias", "kernel")
NAMES = [f"net/layer_with_weights-{n}/{leaf}" for n in LAYERS for leaf in LEAVES] + ["step", "optimizer/iter"]


def _cuts(room: int) -> dict[str, str]:
    delegate = DistinctElided(QTreeWidget())
    delegate.ends = distinct_ends(NAMES)
    metrics = QTreeWidget().fontMetrics()
    return {name: delegate.cut(name, metrics, room) for name in NAMES}


@pytest.mark.parametrize("leaf", LEAVES)
def test_a_cut_problem_name_keeps_its_layer_number_and_its_leaf(qtbot, leaf):
    metrics = QTreeWidget().fontMetrics()
    narrowest = metrics.horizontalAdvance(f"\u2026ts-0/{leaf}")  # three characters before the leaf
    widest = metrics.horizontalAdvance(f"\u2026/layer_with_weights-0/{leaf}") - 1  # its own form does not fit
    for room in range(narrowest, widest, 6):
        cuts = _cuts(room)
        for n in LAYERS:
            shown = cuts[f"net/layer_with_weights-{n}/{leaf}"]
            assert shown.endswith(f"-{n}/{leaf}"), (room, shown)
            assert metrics.horizontalAdvance(shown) <= room, (room, shown)
        assert len({cuts[f"net/layer_with_weights-{n}/{leaf}"] for n in LAYERS}) == len(LAYERS)


def test_a_cut_keeps_what_tells_a_name_from_its_neighbour():
    """Where keeping the leaf would cut the part a name differs by ("…de_xf/weights" on
    both rows), the cut keeps that part instead."""
    names = [f"linear/linear_model/{where}_{what}_xf/weights/part_0{slot}" for where in ("dropoff", "pickup")
             for what in ("latitude", "longitude") for slot in ("", "/Ftrl", "/Ftrl_1")]  # fmt: skip
    delegate = DistinctElided(QTreeWidget())
    delegate.ends = distinct_ends(names)
    metrics = QTreeWidget().fontMetrics()
    for room in range(metrics.horizontalAdvance("\u2026/dropoff_la\u2026"), metrics.horizontalAdvance(names[0]), 6):
        shown = [delegate.cut(name, metrics, room) for name in names]
        whole_leaf = [cut for cut, name in zip(shown, names, strict=True) if cut.endswith("/" + name.split("/")[-1])]
        assert len(set(whole_leaf)) == len(whole_leaf), (room, shown)  # "…titude_xf/…/part_0" was two rows'


def _tree_text(qtbot, text: str, width: int, compared: bool) -> str:
    """What a tree shows of ``text`` in a name column ``width`` px wide: browse's and the
    doctor's (names_first), or a comparison's (its path delegate on top)."""
    model = QStandardItemModel()
    model.appendRow(QStandardItem(text))
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    names_first(view)
    if compared:
        view.setItemDelegateForColumn(0, PathElided(view, None))  # (no path here: its depths unused)
    view.setColumnWidth(0, width)
    view.resize(width + 40, 200)
    view.show()
    index = model.index(0, 0)
    option = QStyleOptionViewItem()
    option.rect = view.visualRect(index)
    view.itemDelegateForIndex(index).initStyleOption(option, index)
    return option.fontMetrics.elidedText(option.text, option.textElideMode, option.rect.width())


@pytest.mark.parametrize("compared", [False, True], ids=["doctor", "comparison"])
@pytest.mark.parametrize(("name", "hint"), [("layer_with_weights-2", "dense_2"), ("layer_with_weights-12", "conv2d_3")])
def test_a_group_cut_beside_its_hint_keeps_its_layer_number(qtbot, name, hint, compared):
    metrics = QTreeView().fontMetrics()
    whole = metrics.horizontalAdvance(name + HINT_SEPARATOR + hint)
    name_first = metrics.horizontalAdvance(name + HINT_SEPARATOR + hint[:3] + "\u2026")
    for width in range(metrics.horizontalAdvance(name[:3] + "\u2026" + name[-3:]) + 40, whole, 8):
        shown = _tree_text(qtbot, name + HINT_SEPARATOR + hint, width, compared)
        cut_name = shown.split(HINT_SEPARATOR)[0]
        assert cut_name[-2:] == name[-2:] and cut_name[:3] == name[:3], (width, shown)  # both its ends
        if HINT_SEPARATOR in shown:  # the hint keeps its start when it stays
            assert shown.split(HINT_SEPARATOR)[1][:2] == hint[:2], (width, shown)
        if width >= name_first + 30:  # room for the name and the hint's start: the name whole
            assert cut_name == name, (width, shown)
    assert _tree_text(qtbot, name + HINT_SEPARATOR + hint, whole + 60, compared) == name + HINT_SEPARATOR + hint


@pytest.mark.parametrize("name", ["_momentums", "_learning_rate", "bias", "_operations"])
def test_model_only_is_kept_whole_or_not_at_all_on_groups_and_leaves_alike(qtbot, name):
    """Review 11, 6: at 1024x640 a group read "_momentums  ·  model …" (its hint cut,
    "only" lost) above "_lear…_rate  (model only)" (the name cut, the tag whole). The
    model-only tag, a group's hint as a leaf's marker, is whole or gone (where the name
    would keep fewer than its least: the row's count or Restore cell says it), and a
    group and a leaf of the same name keep it at the same widths."""
    from ckpt_gui.app.models.tree_model import MODEL_ONLY_HINT, MODEL_ONLY_MARKER

    metrics = QTreeView().fontMetrics()
    group, leaf = name + HINT_SEPARATOR + MODEL_ONLY_HINT, name + MODEL_ONLY_MARKER
    for width in range(40, metrics.horizontalAdvance(group) + 60, 6):
        shown = {text: _tree_text(qtbot, text, width, False) for text in (group, leaf)}  # (the doctor's tree)
        for seen in shown.values():
            assert MODEL_ONLY_HINT in seen or "model" not in seen.replace(name, ""), (width, seen)  # never "model …"
        assert (MODEL_ONLY_HINT in shown[group]) == (MODEL_ONLY_HINT in shown[leaf]), (width, shown)
